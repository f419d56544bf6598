#!/usr/bin/env bash
# build-image.sh builds deco-torch:latest, the image of the multi-node torch
# example: the ML example's Debian bookworm minbase image (see
# examples/train/build-image.sh: debootstrap and `docker import`, no
# registry) with Debian's python3-torch (1.13, CPU build, gloo included) and
# iperf3 (the job network benchmark) added.
#
# Usage: sudo examples/torch/build-image.sh [--force] [--mirror URL]
set -euo pipefail
exec "$(dirname "$0")/../train/build-image.sh" --tag deco-torch:latest --include python3-torch,iperf3 "$@"
