#!/usr/bin/env bash
# check.sh fails (exit 1) when the committed contract artifacts or Go bindings
# differ from what generate.sh produces from the sources. CI runs
#   npm ci --prefix contracts && contracts/check.sh
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/.." && pwd)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

"$here/generate.sh" "$tmp/build" "$tmp/bindings"

status=0
if ! diff -r -q "$here/build" "$tmp/build"; then status=1; fi
# Compare only generated files (bindings/*.go except hand-written ones, of which there are none).
if ! diff -r -q -x '*_test.go' -x 'doc.go' "$repo/internal/settle/evm/bindings" "$tmp/bindings"; then status=1; fi
if [ "$status" -ne 0 ]; then
  echo "contracts: committed artifacts or bindings are stale; run contracts/generate.sh and commit" >&2
  exit 1
fi
echo "contracts: artifacts and bindings are up to date"
