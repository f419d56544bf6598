#!/usr/bin/env bash
# Wall time of `deco run` for a trivial container job on a 3-node devnet,
# against plain `docker run --rm` of the same image and command, measured
# side by side with hyperfine (Debian package `hyperfine`).
#
# Usage: bench/run-vs-docker.sh [RUNS]   (default 30)
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-30}"
command -v hyperfine >/dev/null || { echo "install hyperfine (apt-get install -y hyperfine)" >&2; exit 1; }
make -s build
scripts/build-busybox-image.sh
dir=$(mktemp -d)
bin/deco devnet --dir "$dir" >"$dir/log" 2>&1 &
pid=$!
trap 'kill $pid; wait $pid 2>/dev/null || true; rm -rf "$dir"' EXIT
for _ in $(seq 1 300); do [ -f "$dir/ready" ] && break; sleep 0.1; done
export DECO_DATA_DIR="$dir/node0"
hyperfine -N --warmup 3 --runs "$runs" \
	"bin/deco run deco-busybox:latest -- sh -c 'echo hi'" \
	"docker run --rm deco-busybox:latest sh -c 'echo hi'" \
	"docker run --rm --network none deco-busybox:latest sh -c 'echo hi'"
