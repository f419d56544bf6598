#!/usr/bin/env bash
# Wall time of `deco run` for a trivial container job on a 3-node devnet,
# against plain `docker run --rm` of the same image and command, measured
# side by side with hyperfine (Debian package `hyperfine`). A second devnet
# whose providers only check disk requests (--disk-quota check) shows what
# the per-execution outputs volume of the first costs.
#
# Usage: bench/run-vs-docker.sh [RUNS]   (default 30)
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-30}"
command -v hyperfine >/dev/null || { echo "install hyperfine (apt-get install -y hyperfine)" >&2; exit 1; }
make -s build
scripts/build-busybox-image.sh
dir=$(mktemp -d) chk=$(mktemp -d)
bin/deco devnet --dir "$dir" >"$dir.log" 2>&1 &
pid=$!
bin/deco devnet --dir "$chk" --disk-quota check >"$chk.log" 2>&1 &
pid2=$!
trap 'kill $pid $pid2; wait $pid $pid2 2>/dev/null || true; rm -rf "$dir" "$chk" "$dir.log" "$chk.log"' EXIT
for _ in $(seq 1 300); do [ -f "$dir/ready" ] && [ -f "$chk/ready" ] && break; sleep 0.1; done
hyperfine -N --warmup 3 --runs "$runs" \
	"env DECO_DATA_DIR=$dir/node0 bin/deco run deco-busybox:latest -- sh -c 'echo hi'" \
	"env DECO_DATA_DIR=$chk/node0 bin/deco run deco-busybox:latest -- sh -c 'echo hi'" \
	"docker run --rm deco-busybox:latest sh -c 'echo hi'" \
	"docker run --rm --network none deco-busybox:latest sh -c 'echo hi'"
