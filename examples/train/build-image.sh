#!/usr/bin/env bash
# build-image.sh builds the deco-python:latest image for the ML example
# without pulling anything from a container registry: debootstrap makes a
# minimal Debian bookworm root file system with python3 and numpy from a
# Debian package mirror, the script strips what a batch job never reads
# (docs, man pages, locales, apt lists and caches), and `docker import`
# turns the tree into an image.
#
# Usage: sudo examples/train/build-image.sh [--force] [--tag NAME:TAG]
#                                           [--mirror URL] [--suite SUITE]
#                                           [--include PKG,PKG...]
#
# --include adds Debian packages to the image (examples/torch adds
# python3-torch this way).
#
# It is idempotent: when the tag already exists it prints the image and exits
# unless --force is given. The mirror defaults to $DECO_DEBIAN_MIRROR, then
# to the first Debian URI in this machine's apt sources, then to
# http://deb.debian.org/debian.
set -euo pipefail

tag="deco-python:latest"
suite="bookworm"
mirror="${DECO_DEBIAN_MIRROR:-}"
force=0
include=""

usage() {
	sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'
}

while [ $# -gt 0 ]; do
	case "$1" in
	--force) force=1 ;;
	--tag) tag="${2:?--tag needs a value}"; shift ;;
	--mirror) mirror="${2:?--mirror needs a value}"; shift ;;
	--suite) suite="${2:?--suite needs a value}"; shift ;;
	--include) include="${2:?--include needs a value}"; shift ;;
	-h | --help) usage; exit 0 ;;
	*) echo "build-image.sh: unknown argument: $1 (see --help)" >&2; exit 2 ;;
	esac
	shift
done

# The tools: say what to install instead of failing half way.
missing=0
if ! command -v docker >/dev/null 2>&1; then
	echo "build-image.sh: docker is not installed: install Docker Engine (Debian: apt-get install -y docker.io)" >&2
	missing=1
fi
# debootstrap lives in /usr/sbin, often not in a user's PATH.
debootstrap="$(command -v debootstrap 2>/dev/null || true)"
if [ -z "$debootstrap" ] && [ -x /usr/sbin/debootstrap ]; then
	debootstrap=/usr/sbin/debootstrap
fi
if [ -z "$debootstrap" ]; then
	echo "build-image.sh: debootstrap is not installed: apt-get install -y debootstrap" >&2
	missing=1
fi
[ "$missing" -eq 0 ] || exit 1
if ! docker info >/dev/null 2>&1; then
	echo "build-image.sh: cannot reach the Docker engine (is it running, and may this user use it?)" >&2
	exit 1
fi

if [ "$force" -eq 0 ] && docker image inspect "$tag" >/dev/null 2>&1; then
	echo "build-image.sh: $tag exists ($(docker image inspect -f '{{.Id}} {{.Size}} bytes' "$tag")); use --force to rebuild"
	exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
	echo "build-image.sh: debootstrap needs root: run it with sudo" >&2
	exit 1
fi

if [ -z "$mirror" ]; then
	for f in /etc/apt/sources.list.d/*.sources /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
		[ -r "$f" ] || continue
		mirror="$(grep -vE '^[[:space:]]*#' "$f" | grep -oE 'https?://[^ ]*/debian/?( |$)' | head -n1 | tr -d ' ' || true)"
		[ -n "$mirror" ] && break
	done
	mirror="${mirror:-http://deb.debian.org/debian}"
fi

packages="python3-minimal,python3-numpy${include:+,$include}"
name="${tag%%:*}"
work="$(mktemp -d "${TMPDIR:-/tmp}/$name.XXXXXX")"
cleanup() { rm -rf "$work"; }
trap cleanup EXIT
rootfs="$work/rootfs"

echo "build-image.sh: debootstrap $suite from $mirror into $rootfs"
start=$(date +%s)
"$debootstrap" --variant=minbase --include="$packages" \
	"$suite" "$rootfs" "$mirror" >"$work/debootstrap.log" 2>&1 || {
	echo "build-image.sh: debootstrap failed; the end of its log:" >&2
	tail -n 30 "$work/debootstrap.log" >&2
	exit 1
}

# What a batch job never reads. The dpkg database stays so that the image
# can still be extended with apt-get after an `apt-get update`.
rm -rf \
	"$rootfs"/usr/share/doc/* \
	"$rootfs"/usr/share/man \
	"$rootfs"/usr/share/info \
	"$rootfs"/usr/share/lintian \
	"$rootfs"/usr/share/locale \
	"$rootfs"/usr/share/i18n \
	"$rootfs"/var/lib/apt/lists/* \
	"$rootfs"/var/cache/apt/* \
	"$rootfs"/var/cache/debconf/*-old \
	"$rootfs"/var/log/* \
	"$rootfs"/tmp/* \
	"$rootfs"/root/.cache
# Tests shipped inside numpy (and torch) are never run in a job.
find "$rootfs"/usr/lib/python3/dist-packages/numpy -type d -name tests -prune -exec rm -rf {} +
rm -rf "$rootfs"/usr/lib/libtorch-test "$rootfs"/usr/lib/x86_64-linux-gnu/libtorch-test
# glibc's iconv modules and CPython's own regression tests: python3 has its
# own codecs and a job never runs the tests.
rm -rf "$rootfs"/usr/lib/x86_64-linux-gnu/gconv "$rootfs"/usr/lib/python3.*/test
# A fixed machine-id is a fingerprint every container would share.
: >"$rootfs"/etc/machine-id
# Mount points the executor binds.
mkdir -p "$rootfs"/inputs "$rootfs"/outputs

# The entry point runs the job's command in the repository checkout
# (/inputs/code, the --git input) when there is one and the container was not
# given a working directory, so that `python3 train.py` finds the script. A
# WORKDIR of /inputs/code would not do: the engine cannot create it inside a
# read-only /inputs that has no code directory, and the container would not
# start.
cat >"$rootfs"/usr/local/bin/deco-entrypoint <<'ENTRYPOINT'
#!/bin/sh
# deco-entrypoint: run the command in /inputs/code when the job has a
# repository checkout there and no other working directory was asked for.
if [ "$(pwd)" = / ] && [ -d /inputs/code ]; then
	cd /inputs/code || exit 1
fi
exec "$@"
ENTRYPOINT
chmod 0755 "$rootfs"/usr/local/bin/deco-entrypoint

echo "build-image.sh: importing as $tag"
tar --numeric-owner -C "$rootfs" -c . | docker import \
	--change 'WORKDIR /' \
	--change 'ENTRYPOINT ["/usr/local/bin/deco-entrypoint"]' \
	--change 'ENV LANG=C.UTF-8 PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 OPENBLAS_NUM_THREADS=1' \
	--change 'CMD ["python3"]' \
	--change "LABEL org.opencontainers.image.title=$name org.opencontainers.image.description=\"Debian $suite minbase with $packages, built by deco examples/train/build-image.sh\"" \
	--message "debootstrap --variant=minbase --include=$packages $suite" \
	- "$tag" >/dev/null

end=$(date +%s)
echo "build-image.sh: built $tag in $((end - start)) s: $(docker image inspect -f '{{.Id}} {{.Size}} bytes' "$tag")"
docker run --rm --network none "$tag" python3 -c 'import sys, numpy; print("python", sys.version.split()[0], "numpy", numpy.__version__)'
