#!/usr/bin/env bash
# Brings up deploy/compose.yaml (a dev chain, a requester and two wasm
# providers in containers), runs a WebAssembly job from the requester, checks
# its output, where it ran and that it was paid, then tears everything down.
#
# Usage: deploy/compose-test.sh   (after `make build`; make compose-test does both)
# Environment:
#   DECO_WASM              a WASI module to run (default: build the executor
#                          test guest, internal/exec/exectest/testdata/guest)
#   DECO_COMPOSE_PROJECT   compose project name (default decotest<pid>)
#   DECO_NODE_IMAGE        image to build and run (default deco-node-test:<project>)
set -euo pipefail
cd "$(dirname "$0")/.."

project="${DECO_COMPOSE_PROJECT:-decotest$$}"
export DECO_NODE_IMAGE="${DECO_NODE_IMAGE:-deco-node-test:$project}"
dc() { docker-compose -f deploy/compose.yaml -p "$project" "$@"; }
say() { echo "compose-test: $*" >&2; }

command -v docker-compose >/dev/null || { say "docker-compose not found (apt-get install -y docker-compose)"; exit 1; }
[ -x bin/deco ] || { say "no bin/deco: run make build first"; exit 1; }
scripts/build-busybox-image.sh >/dev/null

tmp="$(mktemp -d)"
ok=0
cleanup() {
	if [ "$ok" -ne 1 ]; then
		say "failed; the services' logs:"
		dc logs --no-color --tail 60 >&2 || true
	fi
	dc down -v --remove-orphans -t 5 >/dev/null 2>&1 || true
	docker image rm "$DECO_NODE_IMAGE" >/dev/null 2>&1 || true
	rm -rf "$tmp"
}
trap cleanup EXIT

wasm="${DECO_WASM:-}"
if [ -z "$wasm" ]; then
	wasm="$tmp/guest.wasm"
	(cd internal/exec/exectest/testdata/guest && GOOS=wasip1 GOARCH=wasm CGO_ENABLED=0 go build -trimpath -o "$wasm" .)
fi

start=$(date +%s)
# One build for all four services (compose would build the image once each).
if [ -z "${DOCKER_BUILDKIT:-}" ] && ! docker buildx version >/dev/null 2>&1; then
	export DOCKER_BUILDKIT=0
fi
docker build -q -f deploy/Dockerfile -t "$DECO_NODE_IMAGE" . >/dev/null
dc up -d --no-build >/dev/null 2>&1

# Wait until both providers are onboarded and the requester sees their offers.
deadline=$(($(date +%s) + 60))
until [ "$(dc exec -T requester deco offers -o json 2>/dev/null | grep -o '"node":' | wc -l)" -ge 2 ]; do
	[ "$(date +%s)" -lt "$deadline" ] || { say "the requester never saw two offers"; exit 1; }
	sleep 0.5
done
say "network up in $(($(date +%s) - start)) s"

docker cp "$wasm" "$(dc ps -q requester)":/data/job.wasm
out="$(dc exec -T requester deco run --wasm /data/job.wasm -- echo hello from compose 2>&1)"
echo "$out"
grep -qx "hello from compose" <<<"$out" || { say "the job did not print 'hello from compose'"; exit 1; }
read -r id provider < <(sed -n 's/^job \([^ ]*\) completed on \([^ ]*\) .*/\1 \2/p' <<<"$out")
[ -n "${id:-}" ] || { say "the job did not complete"; exit 1; }
p1="$(dc exec -T provider1 deco id | awk '$1 == "peer" { print $3 }')"
[ "$provider" = "$p1" ] || { say "the job ran on $provider, not on the cheaper provider1 $p1"; exit 1; }

# Paid by a voucher on the channel, which the provider redeems on chain.
detail="$(dc exec -T requester deco job describe "$id")"
grep -q '^State: *completed' <<<"$detail" || { say "job $id is not completed:"; echo "$detail"; exit 1; }
grep -Eq ' cumulative +final' <<<"$detail" || { say "job $id has no final voucher:"; echo "$detail"; exit 1; }
redeem="$(dc exec -T provider1 deco wallet redeem)"
echo "$redeem"
grep -q '^redeemed .* DECO from ' <<<"$redeem" || { say "provider1 redeemed nothing"; exit 1; }
say "job $id ran on provider1 and was paid on chain; all done in $(($(date +%s) - start)) s"
ok=1
