#!/usr/bin/env bash
# build-image.sh builds deco-notebook:latest, the image of the notebook
# example: the ML example's Debian bookworm minbase image (see
# examples/train/build-image.sh: debootstrap from a Debian mirror and
# `docker import`, no registry) with Debian's jupyter-notebook (Notebook
# 6.4) and python3-ipykernel added, then checks that `jupyter notebook`
# starts in the sandbox the docker executor uses.
#
# Usage: sudo examples/notebook/build-image.sh [--force] [--tag NAME:TAG]
#                                              [--mirror URL] [--include PKG,...]
#
# --include adds more Debian packages (e.g. python3-pandas) to the ones
# below. Idempotent like the ML image's script: an existing tag is kept
# unless --force is given.
#
# Two of the packages named here are not wanted for themselves:
# debootstrap resolves Depends but not virtual packages, so python3-zmq
# and python3-argon2 (which depend on python3-cffi-backend-api-min/-max)
# and gdb's libsource-highlight (libboost-regex1.74.0-icu72) would stay
# unconfigured and debootstrap would fail; naming the real packages that
# provide them, python3-cffi-backend and libboost-regex1.74.0, lets the one
# debootstrap stage configure everything.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"

packages="jupyter-notebook,python3-ipykernel,python3-cffi-backend,libboost-regex1.74.0"
tag="deco-notebook:latest"
args=()
while [ $# -gt 0 ]; do
	case "$1" in
	--include) packages="$packages,${2:?--include needs a value}"; shift ;;
	--tag) tag="${2:?--tag needs a value}"; shift ;;
	--mirror | --suite) args+=("$1" "${2:?$1 needs a value}"); shift ;;
	-h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) args+=("$1") ;;
	esac
	shift
done

"$here/../train/build-image.sh" --tag "$tag" --include "$packages" ${args[@]+"${args[@]}"}

# The check: the server starts as the executor runs it (read-only root, no
# network, no capabilities, a tmpfs /tmp for Jupyter's runtime files) and
# answers its REST API with the token.
echo "build-image.sh: checking that jupyter notebook starts in $tag"
docker run --rm --network none --read-only --tmpfs /tmp:rw,nosuid,nodev,size=64m \
	--cap-drop ALL --security-opt no-new-privileges \
	-e HOME=/tmp/home -e JUPYTER_RUNTIME_DIR=/tmp/jupyter/runtime \
	-e JUPYTER_DATA_DIR=/tmp/jupyter/data -e JUPYTER_CONFIG_DIR=/tmp/jupyter/config \
	-e IPYTHONDIR=/tmp/jupyter/ipython "$tag" sh -c '
mkdir -p "$HOME"
jupyter notebook --allow-root --ip=127.0.0.1 --port=8888 --no-browser \
	--NotebookApp.token=check --notebook-dir=/tmp >/tmp/notebook.log 2>&1 &
pid=$!
python3 - <<PY || { cat /tmp/notebook.log; exit 1; }
import json, time, urllib.request
for _ in range(100):
    try:
        s = json.load(urllib.request.urlopen("http://127.0.0.1:8888/api/status?token=check"))
        break
    except OSError:
        time.sleep(0.1)
else:
    raise SystemExit("jupyter notebook did not answer /api/status in 10 s")
import notebook, ipykernel
print("jupyter notebook", notebook.__version__, "ipykernel", ipykernel.__version__, "answers /api/status")
PY
kill "$pid"'
