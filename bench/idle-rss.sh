#!/bin/bash
# Idle daemon memory: start `deco node run` on a fresh data directory, wait,
# print VmRSS (anonymous and file-backed) and the smaps rollup, stop it.
#
# Usage: bench/idle-rss.sh [BIN] [SECONDS]   (defaults: bin/deco, 15)
set -euo pipefail
bin=${1:-bin/deco}
secs=${2:-15}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
"$bin" node run --data-dir "$dir" --api-addr 127.0.0.1:0 --no-mdns --dev-throwaway-key >"$dir/log" 2>&1 &
pid=$!
sleep "$secs"
grep -E '^(VmRSS|RssAnon|RssFile)' "/proc/$pid/status"
grep -E '^(Pss|FilePmdMapped)' "/proc/$pid/smaps_rollup"
kill "$pid"
wait "$pid" 2>/dev/null || true
