#!/usr/bin/env bash
# Wall time of `deco run` for a trivial container job on two 3-node
# devnets side by side: one whose providers hold disk requests with a
# size-limited volume per execution, one that only checks (the price of
# the volume on an execution's start). hyperfine (Debian package).
#
# Usage: bench/disk-quota.sh [RUNS]   (default 30; needs root for volumes)
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-30}"
command -v hyperfine >/dev/null || { echo "install hyperfine (apt-get install -y hyperfine)" >&2; exit 1; }
make -s build
scripts/build-busybox-image.sh
vol=$(mktemp -d) chk=$(mktemp -d)
bin/deco devnet --dir "$vol" --disk-quota volume >"$vol.log" 2>&1 &
p1=$!
bin/deco devnet --dir "$chk" --disk-quota check >"$chk.log" 2>&1 &
p2=$!
trap 'kill $p1 $p2; wait $p1 $p2 2>/dev/null || true; rm -rf "$vol" "$chk" "$vol.log" "$chk.log"' EXIT
for _ in $(seq 1 300); do [ -f "$vol/ready" ] && [ -f "$chk/ready" ] && break; sleep 0.1; done
hyperfine -N --warmup 3 --runs "$runs" \
	"env DECO_DATA_DIR=$vol/node0 bin/deco run deco-busybox:latest -- sh -c 'echo hi'" \
	"env DECO_DATA_DIR=$chk/node0 bin/deco run deco-busybox:latest -- sh -c 'echo hi'"
