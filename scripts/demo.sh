#!/usr/bin/env bash
# The deco demo: a 3-node network on loopback (one requester, two
# providers), a container job placed on a provider found over the
# peer-to-peer network, its output, where it ran and its checked result.
set -euo pipefail
cd "$(dirname "$0")/.."
deco=bin/deco
dir=.devnet

if ! docker info >/dev/null 2>&1; then
	cat >&2 <<'MSG'
No Docker engine is reachable, and the demo runs a container job.
Start one, then run `make demo` again:
  sudo systemctl start docker        # systemd machines
  sudo dockerd >/tmp/dockerd.log 2>&1 &   # anywhere else
(Install it with: sudo apt-get install -y docker.io busybox-static)
MSG
	exit 1
fi
scripts/build-busybox-image.sh

rm -rf "$dir"
log=$(mktemp)
"$deco" devnet --dir "$dir" >"$log" 2>&1 &
devnet=$!
trap 'kill $devnet 2>/dev/null; wait $devnet 2>/dev/null || true; rm -f "$log"' EXIT
for _ in $(seq 1 300); do
	[ -f "$dir/ready" ] && break
	if ! kill -0 $devnet 2>/dev/null; then
		cat "$log" >&2
		exit 1
	fi
	sleep 0.1
done
[ -f "$dir/ready" ] || { cat "$log" >&2; echo "devnet did not come up" >&2; exit 1; }
sed -n '1,/Ctrl-C/p' "$log" | grep -v '^time=' || true
export DECO_DATA_DIR="$PWD/$dir/node0"

echo "== offers the requester found over the network"
"$deco" offers
echo
echo "== deco run deco-busybox:latest -- sh -c '...'"
"$deco" run deco-busybox:latest -- sh -c 'echo "hello from $(hostname), a sandbox on a provider"; echo 42 > /outputs/answer.txt'
id=$("$deco" job ls -q --limit 1)
echo
echo "== deco job get $id"
"$deco" job get "$id" --out "$dir/result"
echo "answer.txt: $(cat "$dir/result/answer.txt")"
echo
echo "== deco job describe $id"
"$deco" job describe "$id"
