#!/usr/bin/env bash
# serve-on-devnet.sh sells the ML example's trained model as a paid
# inference service on a local deco network (issue 14): on a 3-node
# `deco devnet`, node1 (the seller) trains the model (train.py, as
# run-on-devnet.sh does), runs infer.py on the result as a service job
# (infer.yaml) and registers it as the service "spirals" at 0.002 DECO a
# request (gossiped and on the chain's ServiceRegistry); node0 (the user)
# lists it with `deco services`, deposits 1 DECO for the seller, runs
#
#   deco service proxy spirals --listen 127.0.0.1:PORT
#
# and classifies points with plain curl; both wallets show the vouchers,
# the seller redeems them in one transaction, and the wallets show it.
#
# Usage: examples/train/serve-on-devnet.sh [--keep DIR] [--requests N]
#   --keep DIR    work in DIR and leave it (devnet data, logs) afterwards
#   --requests N  how many paid requests curl sends (default 10)
#
# Needs a Docker engine, git, curl, python3 and root (the seller's node
# reaches the service job's port inside its network namespace); builds
# bin/deco and deco-python:latest when missing (see run-on-devnet.sh).
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
deco=$root/bin/deco
image=deco-python:latest
keep=""
requests=10

while [ $# -gt 0 ]; do
	case "$1" in
	--keep) keep="${2:?--keep needs a directory}"; shift ;;
	--requests) requests="${2:?--requests needs a number}"; shift ;;
	-h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "unknown argument $1" >&2; exit 2 ;;
	esac
	shift
done

step() { printf '\n== %s\n' "$*"; }

docker info >/dev/null 2>&1 || { echo "no Docker engine is reachable" >&2; exit 1; }
[ -x "$deco" ] || make build
docker image inspect "$image" >/dev/null 2>&1 || examples/train/build-image.sh

if [ -n "$keep" ]; then
	mkdir -p "$keep"
	work=$(cd "$keep" && pwd)
else
	work=$(mktemp -d)
fi
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
	[ -n "$keep" ] || rm -rf "$work"
}
trap cleanup EXIT

step "the code (train.py, infer.py) in a git repository, the dataset as a file, served by serve.py"
mkdir -p "$work/git" "$work/files"
git init -q -b main "$work/git/train"
cp examples/train/train.py examples/train/infer.py "$work/git/train/"
git -C "$work/git/train" add train.py infer.py
git -C "$work/git/train" -c user.name=deco -c user.email=deco@example.org commit -q -m "train.py, infer.py"
commit=$(git -C "$work/git/train" rev-parse HEAD)
cp examples/train/data/dataset.csv "$work/files/"
sha=$(sha256sum "$work/files/dataset.csv" | cut -d' ' -f1)
python3 examples/train/serve.py --port 0 --files "$work/files" --git-root "$work/git" >"$work/serve.log" 2>&1 &
pids+=($!)
base=""
for _ in $(seq 1 100); do
	base=$(sed -n 's|.* on \(http://[^ ]*\)/$|\1|p' "$work/serve.log" | head -1)
	[ -n "$base" ] && break
	sleep 0.1
done
[ -n "$base" ] || { cat "$work/serve.log" >&2; exit 1; }
echo "$base, commit $commit"

step "a 3-node devnet"
"$deco" devnet --dir "$work/devnet" >"$work/devnet.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 600); do
	[ -f "$work/devnet/ready" ] && break
	kill -0 "${pids[1]}" 2>/dev/null || { cat "$work/devnet.log" >&2; exit 1; }
	sleep 0.1
done
[ -f "$work/devnet/ready" ] || { cat "$work/devnet.log" >&2; exit 1; }
seller() { DECO_DATA_DIR=$work/devnet/node1 "$deco" "$@"; }
user() { DECO_DATA_DIR=$work/devnet/node0 "$deco" "$@"; }
seller_addr=$(seller id -o json | python3 -c 'import json,sys; print(json.load(sys.stdin)["address"])')
user_addr=$(user id -o json | python3 -c 'import json,sys; print(json.load(sys.stdin)["address"])')
echo "seller node1 $seller_addr, user node0 $user_addr"

step "seller: train the model (deco run ... python3 train.py)"
seller run --git "$base/git/train" --ref "$commit" --dataset "$base/dataset.csv" --dataset-sha256 "$sha" \
	--image "$image" --estimated-time 30m -- python3 train.py | tail -1
train=$(seller job ls -q --limit 1)

step "seller: serve it with infer.py as a service job (infer.yaml on job $train)"
sed -e "s|TRAIN_JOB|$train|" -e "s|http://127.0.0.1:8000/git/train|$base/git/train|" -e "s|COMMIT|$commit|" \
	examples/train/infer.yaml >"$work/infer.yaml"
svc=$(seller job run -d "$work/infer.yaml" | tail -1)
for _ in $(seq 1 300); do
	seller job logs "$svc" 2>/dev/null | grep -q "serving /inputs/model/model.npz" && break
	sleep 0.2
done
seller job logs "$svc" | grep "serving"

step "seller: deco service register spirals --price 0.002 --job $svc --port http"
seller service register spirals --price 0.002 --job "$svc" --port http

step "user: deco services (gossip and the chain's registry)"
for _ in $(seq 1 100); do
	user services -o json --where 'name == "spirals"' | grep -q '"onChain": true' && break
	sleep 0.1
done
user services --where 'name == "spirals" and price <= 0.01'

step "user: deco wallet deposit $seller_addr 1"
user wallet deposit "$seller_addr" 1 >/dev/null
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
DECO_DATA_DIR=$work/devnet/node0 "$deco" service proxy spirals --listen "127.0.0.1:$port" >/dev/null 2>"$work/proxy.log" &
pids+=($!)
for _ in $(seq 1 100); do grep -q proxying "$work/proxy.log" && break; sleep 0.1; done
cat "$work/proxy.log"

step "user: $requests requests with curl through the proxy (points of the dataset, their labels beside)"
for i in $(seq 1 "$requests"); do
	row=$(sed -n "$((i * 277 % 3000 + 2))p" examples/train/data/dataset.csv)
	IFS=, read -r x1 x2 label <<<"$row"
	curl -sS -D "$work/headers" -H 'Content-Type: application/json' \
		--data "{\"points\": [[$x1, $x2]]}" "http://127.0.0.1:$port/predict"
	echo "   (label $label; $(grep -i '^x-deco-amount' "$work/headers" | tr -d '\r'))"
done

step "wallets: the user's signed vouchers, the seller's pending earnings"
user wallet
seller wallet

step "seller: deco wallet redeem (one transaction for all $requests requests)"
seller wallet redeem "$user_addr"
seller wallet | sed -n '/earnings/,$p'
