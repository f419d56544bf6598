#!/usr/bin/env bash
# Builds deco-busybox:latest, a tiny image FROM scratch holding Debian's
# static busybox with its applets installed as symlinks in /bin. Tests, CI
# and the demo use it; no registry is needed.
#
# Usage: scripts/build-busybox-image.sh [--force]
#   --force  rebuild even when the image already exists
# Environment:
#   DECO_BUSYBOX  path of a static busybox binary (default /bin/busybox)
#   DECO_BUSYBOX_IMAGE  image reference to build (default deco-busybox:latest)
set -euo pipefail

image="${DECO_BUSYBOX_IMAGE:-deco-busybox:latest}"
busybox="${DECO_BUSYBOX:-/bin/busybox}"
force=0
for arg in "$@"; do
	case "$arg" in
	--force) force=1 ;;
	-h | --help)
		sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'
		exit 0
		;;
	*)
		echo "build-busybox-image: unknown argument $arg (usage: $0 [--force])" >&2
		exit 2
		;;
	esac
done

if ! command -v docker >/dev/null 2>&1; then
	echo "build-busybox-image: docker CLI not found (install it with: sudo apt-get install -y docker.io)" >&2
	exit 1
fi
if ! docker info >/dev/null 2>&1; then
	echo "build-busybox-image: docker engine not reachable (start it with: sudo systemctl start docker, or dockerd &)" >&2
	exit 1
fi

if [ "$force" -eq 0 ] && docker image inspect "$image" >/dev/null 2>&1; then
	echo "build-busybox-image: $image already exists (use --force to rebuild)"
	exit 0
fi

static_busybox() {
	[ -f "$1" ] && [ -x "$1" ] || return 1
	# A dynamically linked busybox cannot run on scratch.
	if command -v ldd >/dev/null 2>&1; then
		local out
		out="$(ldd "$1" 2>&1 || true)"
		case "$out" in
		*"not a dynamic executable"* | *"statically linked"*) ;;
		*) return 1 ;;
		esac
	fi
	return 0
}
if ! static_busybox "$busybox"; then
	echo "build-busybox-image: no static busybox at $busybox" >&2
	echo "install it with: sudo apt-get install -y busybox-static" >&2
	echo "(or point DECO_BUSYBOX at a statically linked busybox binary)" >&2
	exit 1
fi

here="$(cd "$(dirname "$0")" && pwd)"
ctx="$(mktemp -d)"
trap 'rm -rf "$ctx"' EXIT
cp "$here/busybox-image/Dockerfile" "$ctx/Dockerfile"
cp "$busybox" "$ctx/busybox"
chmod 0755 "$ctx/busybox"

# Without the buildx plugin the CLI must be told to use the classic builder.
if [ -z "${DOCKER_BUILDKIT:-}" ] && ! docker buildx version >/dev/null 2>&1; then
	export DOCKER_BUILDKIT=0
fi
if ! out="$(docker build --quiet --tag "$image" "$ctx" 2>&1)"; then
	echo "$out" >&2
	echo "build-busybox-image: docker build of $image failed" >&2
	exit 1
fi
echo "build-busybox-image: built $image"
