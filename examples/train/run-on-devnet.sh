#!/usr/bin/env bash
# run-on-devnet.sh runs the ML example end to end on a local deco network:
# it builds what is missing (bin/deco, the deco-python:latest image), puts
# train.py in a fresh git repository, serves that repository and the dataset
# over HTTP with serve.py, starts a 3-node `deco devnet`, runs
#
#   deco run --git URL --ref COMMIT --dataset URL --dataset-sha256 HEX \
#       --image deco-python:latest --estimated-time 30m -- python3 train.py
#
# fetches the outputs with `deco job get`, checks that model.npz and
# metrics.json are there, prints the metrics and cleans up.
#
# Usage: examples/train/run-on-devnet.sh [--keep DIR]
#   --keep DIR  work in DIR and leave it (devnet data, outputs) afterwards
#
# Needs a Docker engine, git and python3; building the image needs root and
# debootstrap (see build-image.sh). Timings go to stderr.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
deco=$root/bin/deco
image=deco-python:latest
keep=""

while [ $# -gt 0 ]; do
	case "$1" in
	--keep) keep="${2:?--keep needs a directory}"; shift ;;
	-h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "unknown argument $1" >&2; exit 2 ;;
	esac
	shift
done

now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.2f s", b - a }'; }
step() { printf '\n== %s\n' "$*"; }

if ! docker info >/dev/null 2>&1; then
	echo "no Docker engine is reachable; the ML job runs in a container" >&2
	exit 1
fi
[ -x "$deco" ] || make build
if ! docker image inspect "$image" >/dev/null 2>&1; then
	step "building $image (debootstrap; a minute or two)"
	if [ "$(id -u)" -eq 0 ]; then
		examples/train/build-image.sh
	else
		sudo examples/train/build-image.sh
	fi
fi

if [ -n "$keep" ]; then
	mkdir -p "$keep"
	work=$(cd "$keep" && pwd)
else
	work=$(mktemp -d)
fi
pids=()
cleanup() {
	for p in "${pids[@]}"; do
		kill "$p" 2>/dev/null || true
	done
	for p in "${pids[@]}"; do
		wait "$p" 2>/dev/null || true
	done
	[ -n "$keep" ] || rm -rf "$work"
}
trap cleanup EXIT

step "the code: train.py in a git repository; the dataset as a file"
mkdir -p "$work/git" "$work/files"
git init -q -b main "$work/git/train"
cp examples/train/train.py "$work/git/train/"
git -C "$work/git/train" add train.py
git -C "$work/git/train" -c user.name=deco -c user.email=deco@example.org commit -q -m "train.py"
commit=$(git -C "$work/git/train" rev-parse HEAD)
cp examples/train/data/dataset.csv "$work/files/"
sha=$(sha256sum "$work/files/dataset.csv" | cut -d' ' -f1)
echo "commit $commit, dataset sha256 $sha"

step "serving them with serve.py"
python3 examples/train/serve.py --port 0 --files "$work/files" --git-root "$work/git" >"$work/serve.log" 2>&1 &
pids+=($!)
base=""
for _ in $(seq 1 100); do
	base=$(sed -n 's|.* on \(http://[^ ]*\)/$|\1|p' "$work/serve.log" | head -1)
	[ -n "$base" ] && break
	sleep 0.1
done
[ -n "$base" ] || { cat "$work/serve.log" >&2; echo "serve.py did not start" >&2; exit 1; }
echo "$base"

step "starting a 3-node devnet"
t=$(now)
"$deco" devnet --dir "$work/devnet" >"$work/devnet.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 600); do
	[ -f "$work/devnet/ready" ] && break
	if ! kill -0 "${pids[1]}" 2>/dev/null; then
		cat "$work/devnet.log" >&2
		exit 1
	fi
	sleep 0.1
done
[ -f "$work/devnet/ready" ] || { cat "$work/devnet.log" >&2; echo "devnet did not come up" >&2; exit 1; }
grep -E '^  node[0-9]' "$work/devnet.log"
echo "up in $(since "$t")" >&2
export DECO_DATA_DIR=$work/devnet/node0

step "deco run --git $base/git/train --ref $commit --dataset $base/dataset.csv ... -- python3 train.py"
t=$(now)
"$deco" run --git "$base/git/train" --ref "$commit" \
	--dataset "$base/dataset.csv" --dataset-sha256 "$sha" \
	--image "$image" --estimated-time 30m -- python3 train.py
echo "deco run took $(since "$t")" >&2
id=$("$deco" job ls -q --limit 1)

step "deco job get $id"
t=$(now)
"$deco" job get "$id" --out "$work/result"
echo "deco job get took $(since "$t")" >&2
for f in model.npz metrics.json; do
	[ -s "$work/result/$f" ] || { echo "missing output $f" >&2; exit 1; }
done
(cd "$work/result" && ls -l && sha256sum model.npz metrics.json)

step "metrics"
python3 - "$work/result/metrics.json" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
f = m["final"]
print(f"model       {m['model']}, {m['parameters']} parameters, numpy {m['numpy']}")
print(f"dataset     {m['dataset']['rows']} rows ({m['dataset']['train_rows']} train, {m['dataset']['test_rows']} test), sha256 {m['dataset']['sha256'][:16]}...")
print(f"train       loss {f['train_loss']:.4f}, accuracy {f['train_accuracy']:.4f}")
print(f"test        loss {f['test_loss']:.4f}, accuracy {f['test_accuracy']:.4f} (majority class {f['majority_class_accuracy']:.4f})")
print(f"confusion   {m['confusion_matrix']}")
if f["test_accuracy"] < 0.9:
    sys.exit(f"test accuracy {f['test_accuracy']} is below 0.9")
PY

step "deco job describe $id (events)"
"$deco" job describe "$id" | sed -n '/^Events:/,$p'
