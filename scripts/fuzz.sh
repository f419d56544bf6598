#!/usr/bin/env bash
# Runs every Go fuzz target in the repository briefly.
# Usage: scripts/fuzz.sh [LIMIT]   (default 20000x: executions per target)
#
# The limit is a count, not a duration: with a duration Go 1.26 can fail a
# target with a bare "context deadline exceeded" at the end of -fuzztime
# (golang/go#75804, fixed in Go 1.27). Minimising a new input is capped too.
set -euo pipefail
cd "$(dirname "$0")/.."
t="${1:-20000x}"
grep -rl --include='*_test.go' '^func Fuzz' . | while read -r f; do
	pkg="./$(dirname "${f#./}")"
	grep -o '^func Fuzz[A-Za-z0-9_]*' "$f" | sed 's/^func //' | while read -r target; do
		echo "fuzz $pkg $target ($t)"
		go test -run '^$' -fuzz "^${target}\$" -fuzztime "$t" -fuzzminimizetime 1s "$pkg"
	done
done
