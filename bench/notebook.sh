#!/usr/bin/env bash
# Notebook ready time: from `deco job run -d` of examples/notebook's
# notebook.yaml (image present) to Jupyter answering /api/status with the
# token through the requester node's forward (the path `deco forward`
# takes: GET /v1/jobs/ID/forward/jupyter upgraded to deco-forward, then a
# libp2p stream to the provider), on a 3-node `deco devnet`, N times, each
# a fresh job cancelled before the next. Prints each run (with the
# submit-to-running part from the job's events) and the median, min and
# max.
#
# Usage: sudo bench/notebook.sh [N]   (default 5; root: the provider enters
# the task's network namespace to forward)
set -euo pipefail
cd "$(dirname "$0")/.."
n="${1:-5}"
[ "$(id -u)" = 0 ] || { echo "notebook.sh: needs root (forwarding enters the task's network namespace)" >&2; exit 1; }
docker image inspect deco-notebook:latest >/dev/null 2>&1 ||
	{ echo "notebook.sh: build the image first: sudo examples/notebook/build-image.sh" >&2; exit 1; }
make -s build
dir=$(mktemp -d)
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; wait 2>/dev/null || true; rm -rf "$dir"' EXIT

mkdir -p "$dir/files"
cp examples/train/data/dataset.csv "$dir/files/"
python3 examples/train/serve.py --port 0 --files "$dir/files" --git-root "$dir/files" >"$dir/serve.log" 2>&1 &
pids+=($!)
base=""
for _ in $(seq 1 100); do
	base=$(sed -n 's|.* on \(http://[^ ]*\)/$|\1|p' "$dir/serve.log" | head -1)
	[ -n "$base" ] && break
	sleep 0.1
done
[ -n "$base" ] || { cat "$dir/serve.log" >&2; exit 1; }

bin/deco devnet --dir "$dir/net" >"$dir/devnet.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 300); do [ -f "$dir/net/ready" ] && break; sleep 0.1; done
[ -f "$dir/net/ready" ] || { cat "$dir/devnet.log" >&2; exit 1; }

token=$(python3 -c 'import secrets; print(secrets.token_hex(24))')
sed -e "s|TOKEN: change-me|TOKEN: $token|" -e "s|url: http://127.0.0.1:8000/dataset.csv|url: $base/dataset.csv|" \
	examples/notebook/notebook.yaml >"$dir/notebook.yaml"
export DECO_DATA_DIR="$dir/net/node0"

python3 - "$n" "$dir/notebook.yaml" "$token" <<'PY'
import datetime, json, socket, statistics, subprocess, sys, time, urllib.parse, urllib.request, os

n, spec, token = int(sys.argv[1]), sys.argv[2], sys.argv[3]
data = os.environ["DECO_DATA_DIR"]
api = open(os.path.join(data, "api-url")).read().strip()
bearer = open(os.path.join(data, "api-token")).read().strip()
host = urllib.parse.urlparse(api)

def job(i):
    req = urllib.request.Request(f"{api}/v1/jobs/{i}", headers={"Authorization": "Bearer " + bearer})
    return json.load(urllib.request.urlopen(req, timeout=10))

def status(i):
    """GET /api/status through the node's forward upgrade; True on 200."""
    try:
        s = socket.create_connection((host.hostname, host.port), timeout=5)
    except OSError:
        return False
    with s:
        s.sendall((f"GET /v1/jobs/{i}/forward/jupyter?task=0 HTTP/1.1\r\nHost: {host.netloc}\r\n"
                   f"Authorization: Bearer {bearer}\r\nConnection: Upgrade\r\nUpgrade: deco-forward\r\n\r\n").encode())
        f = s.makefile("rb")
        if b" 101 " not in f.readline():
            return False
        while f.readline() not in (b"\r\n", b""):
            pass
        s.sendall(f"GET /api/status?token={token} HTTP/1.0\r\nHost: task\r\n\r\n".encode())
        return b" 200 " in f.readline()

def at(ts):
    return datetime.datetime.fromisoformat(ts.replace("Z", "+00:00")).timestamp()

ready, running = [], []
for k in range(n):
    t0 = time.time()
    i = subprocess.run(["bin/deco", "job", "run", "-d", spec], check=True, capture_output=True, text=True).stdout.strip()
    try:
        # Every 50 ms: the node's API allows a client 50 requests a second.
        polls = 0
        while not status(i):
            polls += 1
            if polls % 20 == 0 and job(i)["state"] in ("failed", "cancelled", "completed"):
                sys.exit(f"job {i} ended: {job(i)}")
            if time.time() - t0 > 120:
                sys.exit(f"job {i}: Jupyter not ready in 120 s")
            time.sleep(0.05)
        t = time.time() - t0
        ev = [e for e in job(i)["events"] if e["state"] == "running"]
        r = at(ev[0]["at"]) - t0 if ev else float("nan")
        ready.append(t); running.append(r)
        print(f"run {k + 1}: ready {t:.2f} s after submit (running after {r:.2f} s)", flush=True)
    finally:
        # Cancelled even on a failure: a devnet stopped under a running
        # task leaves its container behind.
        subprocess.run(["bin/deco", "job", "cancel", i], capture_output=True)
        for _ in range(300):
            if job(i)["state"] in ("failed", "cancelled", "completed"):
                break
            time.sleep(0.1)
print(f"notebook ready time over {n} runs: median {statistics.median(ready):.2f} s, "
      f"min {min(ready):.2f} s, max {max(ready):.2f} s (submit to running: median {statistics.median(running):.2f} s)")
PY
