#!/usr/bin/env bash
# generate.sh regenerates the compiled contracts (contracts/build/<Name>.abi and
# .bin) and their Go bindings (internal/settle/evm/bindings/<name>.go).
# Needs `npm ci --prefix contracts` once. Optional arguments redirect the
# output (used by check.sh): generate.sh [build-dir] [bindings-dir]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/.." && pwd)"
build="${1:-$here/build}"
bindings="${2:-$repo/internal/settle/evm/bindings}"

rm -rf "$build"
mkdir -p "$build" "$bindings"
node "$here/compile.js" "$build"

# Contract name -> Go file name. Every compiled contract gets bindings.
cd "$repo"
for abi in "$build"/*.abi; do
  name="$(basename "$abi" .abi)"
  file="$(echo "$name" | sed -E 's/([a-z0-9])([A-Z])/\1_\2/g' | tr '[:upper:]' '[:lower:]')"
  go tool abigen --v2 --pkg bindings --type "$name" \
    --abi "$abi" --bin "$build/$name.bin" --out "$bindings/$file.go"
done
