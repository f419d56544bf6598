#!/usr/bin/env bash
# run-on-devnet.sh runs the notebook example end to end on a local deco
# network: it builds what is missing (bin/deco, the deco-notebook:latest
# image), serves examples/train/data/dataset.csv over HTTP with
# examples/train/serve.py, starts a 3-node `deco devnet`, submits
# notebook.yaml (with a random token and the served dataset's URL) as a
# service job, forwards its port with
#
#   deco forward JOB jupyter LOCALPORT
#
# waits for Jupyter's /api/status, runs a cell that reads the dataset with
# run-cell.py (in the image, on the host's network, through the forward),
# prints the notebook's URL, then cancels the job and prints its bill.
#
# Usage: examples/notebook/run-on-devnet.sh [--wait] [--keep DIR]
#   --wait      before cancelling, wait for Enter (open the URL meanwhile)
#   --keep DIR  work in DIR and leave it (devnet data) afterwards
#
# Needs a Docker engine, python3 and root (the provider enters the task's
# network namespace to forward); building the image needs debootstrap (see
# build-image.sh). Timings go to stderr.
set -euo pipefail
cd "$(dirname "$0")/../.."
deco=$PWD/bin/deco
image=deco-notebook:latest
keep=""
wait=0

while [ $# -gt 0 ]; do
	case "$1" in
	--keep) keep="${2:?--keep needs a directory}"; shift ;;
	--wait) wait=1 ;;
	-h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "unknown argument $1" >&2; exit 2 ;;
	esac
	shift
done

now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.2f s", b - a }'; }
step() { printf '\n== %s\n' "$*"; }

if ! docker info >/dev/null 2>&1; then
	echo "no Docker engine is reachable; the notebook runs in a container" >&2
	exit 1
fi
if [ "$(id -u)" -ne 0 ]; then
	echo "run it as root: the provider enters the task's network namespace to forward its port" >&2
	exit 1
fi
[ -x "$deco" ] || make build
if ! docker image inspect "$image" >/dev/null 2>&1; then
	step "building $image (debootstrap; a minute or two)"
	examples/notebook/build-image.sh
fi

if [ -n "$keep" ]; then
	mkdir -p "$keep"
	work=$(cd "$keep" && pwd)
else
	work=$(mktemp -d)
fi
pids=()
id=""
cleanup() {
	# A devnet stopped under a running task leaves its container behind.
	if [ -n "$id" ] && "$deco" job cancel "$id" >/dev/null 2>&1; then
		for _ in $(seq 1 50); do
			case "$("$deco" job describe "$id" | sed -n 's/^State: *//p')" in cancelled|failed|completed) break ;; esac
			sleep 0.1
		done
	fi
	for p in "${pids[@]}"; do
		kill "$p" 2>/dev/null || true
	done
	for p in "${pids[@]}"; do
		wait "$p" 2>/dev/null || true
	done
	[ -n "$keep" ] || rm -rf "$work"
}
trap cleanup EXIT

step "serving the dataset with examples/train/serve.py"
mkdir -p "$work/files"
cp examples/train/data/dataset.csv "$work/files/"
python3 examples/train/serve.py --port 0 --files "$work/files" --git-root "$work/files" >"$work/serve.log" 2>&1 &
pids+=($!)
base=""
for _ in $(seq 1 100); do
	base=$(sed -n 's|.* on \(http://[^ ]*\)/$|\1|p' "$work/serve.log" | head -1)
	[ -n "$base" ] && break
	sleep 0.1
done
[ -n "$base" ] || { cat "$work/serve.log" >&2; echo "serve.py did not start" >&2; exit 1; }
echo "$base/dataset.csv"

step "starting a 3-node devnet"
t=$(now)
"$deco" devnet --dir "$work/devnet" >"$work/devnet.log" 2>&1 &
devnet=$!
pids+=($devnet)
for _ in $(seq 1 600); do
	[ -f "$work/devnet/ready" ] && break
	kill -0 "$devnet" 2>/dev/null || { cat "$work/devnet.log" >&2; exit 1; }
	sleep 0.1
done
[ -f "$work/devnet/ready" ] || { cat "$work/devnet.log" >&2; echo "devnet did not come up" >&2; exit 1; }
grep -E '^  node[0-9]' "$work/devnet.log"
echo "up in $(since "$t")" >&2
export DECO_DATA_DIR=$work/devnet/node0

step "deco job run -d notebook.yaml (a fresh token, the served dataset)"
token=$(python3 -c 'import secrets; print(secrets.token_hex(24))')
sed -e "s|TOKEN: change-me|TOKEN: $token|" \
	-e "s|url: http://127.0.0.1:8000/dataset.csv|url: $base/dataset.csv|" \
	examples/notebook/notebook.yaml >"$work/notebook.yaml"
t=$(now)
id=$("$deco" job run -d "$work/notebook.yaml")
echo "job $id"

step "deco forward $id jupyter 0"
# deco forward checks the port once before listening: it exits while the
# task is not running or Jupyter not listening yet, so try again.
addr=""
for _ in $(seq 1 600); do
	"$deco" forward "$id" jupyter 0 2>"$work/forward.log" &
	fwd=$!
	for _ in $(seq 1 20); do
		addr=$(sed -n 's|^forwarding \([^ ]*\) to job.*|\1|p' "$work/forward.log")
		[ -n "$addr" ] && break 2
		kill -0 "$fwd" 2>/dev/null || break
		sleep 0.05
	done
	wait "$fwd" 2>/dev/null || true
	state=$("$deco" job describe "$id" | sed -n 's/^State: *//p')
	case "$state" in failed|cancelled|completed) "$deco" job describe "$id" >&2; exit 1 ;; esac
	sleep 0.1
done
[ -n "$addr" ] || { cat "$work/forward.log" >&2; exit 1; }
pids+=($fwd)
for _ in $(seq 1 300); do
	python3 -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=5)' \
		"http://$addr/api/status?token=$token" 2>/dev/null && break
	sleep 0.1
done
echo "Jupyter answers on http://$addr, $(since "$t") after submit" >&2

step "a cell that reads /inputs/dataset (run-cell.py, through the forward)"
docker run --rm --network host -v "$PWD/examples/notebook/run-cell.py:/run-cell.py:ro" \
	"$image" python3 /run-cell.py "http://$addr" "$token"
echo "(the dataset has $(($(wc -l <examples/train/data/dataset.csv) - 1)) rows, sha256 $(sha256sum examples/train/data/dataset.csv | cut -d' ' -f1))"

echo
echo "The notebook: http://$addr/?token=$token"
if [ "$wait" -eq 1 ]; then
	read -r -p "Press Enter to cancel the job. " _
fi

step "deco job cancel $id"
"$deco" job cancel "$id"
for _ in $(seq 1 100); do
	state=$("$deco" job describe "$id" | sed -n 's/^State: *//p')
	[ "$state" = cancelled ] && break
	sleep 0.1
done
sleep 1
"$deco" -o json job describe "$id" | python3 -c '
import json, sys
d = json.load(sys.stdin)
u = d.get("usage") or []
if not u:
    sys.exit("no usage reports")
last = u[-1]["report"]
vs = d.get("vouchers") or []
line = "state %s: ran %.1f s, %d usage reports, %s DECO due" % (d["state"], last["runMillis"] / 1000, len(u), last["amountDue"])
if vs:
    line += "; %d vouchers, the last for %s DECO on the channel" % (len(vs), vs[-1]["voucher"]["cumulative"])
print(line)
'
