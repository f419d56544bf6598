#!/usr/bin/env bash
# `deco forward` against a direct connection to the same container: iperf3
# throughput and TCP round-trip time (bench/rtt.py, 2,000 one-byte round
# trips, Nagle off) from the host's network namespace, measured one after
# the other in one run.
#
#   forward: client -> 127.0.0.1:LOCALPORT (deco forward) -> the requester
#            node's API -> a libp2p stream to the provider (loopback) ->
#            the task's network namespace -> the server
#   direct:  client -> the same image and command in a plain container on
#            Docker's default bridge, by its address
#
# Both servers are deco-torch:latest (Debian's iperf3 and python3) with one
# CPU; both clients run in a container on the host's network.
#
# Usage: sudo bench/forward.sh [SECONDS] [RUNS]  (default 10 s, 3 runs;
# root: the provider enters the task's network namespace)
set -euo pipefail
cd "$(dirname "$0")/.."
secs="${1:-10}"
runs="${2:-3}"
[ "$(id -u)" = 0 ] || { echo "forward.sh: needs root" >&2; exit 1; }
docker image inspect deco-torch:latest >/dev/null 2>&1 ||
	{ echo "forward.sh: build the image first: sudo examples/torch/build-image.sh" >&2; exit 1; }
make -s build
dir=$(mktemp -d)
bin/deco devnet --dir "$dir/net" >"$dir/devnet.log" 2>&1 &
pid=$!
fwd=
trap '[ -n "$fwd" ] && kill $fwd 2>/dev/null; kill $pid 2>/dev/null; wait $pid 2>/dev/null || true; docker rm -f deco-fwd-direct >/dev/null 2>&1 || true; rm -rf "$dir"' EXIT
for _ in $(seq 1 300); do [ -f "$dir/net/ready" ] && break; sleep 0.1; done
[ -f "$dir/net/ready" ] || { cat "$dir/devnet.log" >&2; exit 1; }

# iperf3 serves on 5201 and rtt.py echoes on 5001, one connection at a
# time, for ever.
server='iperf3 -s -p 5201 >/dev/null 2>&1 & while :; do python3 /inputs/code/rtt.py serve 5001; done'
python3 - "$dir/job.json" "$server" <<'PY'
import json, sys
json.dump({"apiVersion": "deco/v1", "kind": "service", "image": "deco-torch:latest",
           "ports": [{"name": "iperf", "port": 5201}, {"name": "rtt", "port": 5001}],
           "resources": {"cpu": "1", "memory": "512MiB", "disk": "64MiB"},
           "inputs": [{"name": "code", "inline": {"files": {"rtt.py": open("bench/rtt.py").read()}}}],
           "command": ["sh", "-c", sys.argv[2]], "timeout": "30m"}, open(sys.argv[1], "w"))
PY
export DECO_DATA_DIR="$dir/net/node0"
id=$(bin/deco job run -d "$dir/job.json")
api=$(cat "$DECO_DATA_DIR/api-url")
auth="Authorization: Bearer $(cat "$DECO_DATA_DIR/api-token")"
for _ in $(seq 1 600); do
	state=$(curl -fsS -H "$auth" "$api/v1/jobs/$id" | python3 -c 'import json,sys; print(json.load(sys.stdin)["state"])')
	[ "$state" = running ] && break
	case $state in failed|cancelled|completed) bin/deco job describe "$id" >&2; exit 1 ;; esac
	sleep 0.1
done
[ "$state" = running ] || { echo "forward.sh: job $id is $state after 60 s" >&2; exit 1; }
bin/deco forward "$id" iperf 17201 >"$dir/fwd-iperf.log" 2>&1 &
fwd=$!
bin/deco forward "$id" rtt 17001 >"$dir/fwd-rtt.log" 2>&1 &
fwd="$fwd $!"

docker run -d --name deco-fwd-direct --cpus 1 --memory 512m --cap-drop ALL \
	-v "$PWD/bench/rtt.py:/inputs/code/rtt.py:ro" deco-torch:latest sh -c "$server" >/dev/null
direct=$(docker inspect -f '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' deco-fwd-direct)

# client NAME HOST IPERFPORT RTTPORT: one iperf3 run and one rtt run, JSON
# to $dir/NAME-i.json and $dir/NAME-r.json.
client() {
	docker run --rm --network host -v "$PWD/bench/rtt.py:/rtt.py:ro" deco-torch:latest sh -c "
		for i in \$(seq 1 100); do iperf3 -c $2 -p $3 -t $secs -J > /tmp/i.json && break; sleep 0.2; done
		cat /tmp/i.json" >"$dir/$1-i.json"
	docker run --rm --network host -v "$PWD/bench/rtt.py:/rtt.py:ro" deco-torch:latest \
		python3 /rtt.py client "$2" "$4" 2000 >"$dir/$1-r.json"
}
for r in $(seq 1 "$runs"); do
	echo "== run $r: forward, then direct"
	client "forward$r" 127.0.0.1 17201 17001
	client "direct$r" "$direct" 5201 5001
done

python3 - "$dir" "$runs" <<'PY'
import json, statistics, sys
d, runs = sys.argv[1], int(sys.argv[2])
def load(name):
    gb, p50, p90 = [], [], []
    for r in range(1, runs + 1):
        ip = json.load(open(f"{d}/{name}{r}-i.json"))["end"]
        rt = json.load(open(f"{d}/{name}{r}-r.json"))
        gb.append(ip["sum_received"]["bits_per_second"] / 1e9)
        p50.append(rt["median_us"]); p90.append(rt["p90_us"])
    return statistics.median(gb), statistics.median(p50), statistics.median(p90)
rows = {n: load(n) for n in ("forward", "direct")}
print(f"{'path':<8} {'iperf3 Gbit/s':>13} {'RTT p50 us':>10} {'RTT p90 us':>10}   (medians of {runs} runs)")
for n, (g, a, b) in rows.items():
    print(f"{n:<8} {g:>13.2f} {a:>10.0f} {b:>10.0f}")
f, dd = rows["forward"], rows["direct"]
print(f"forward / direct: throughput {f[0] / dd[0]:.2f}x, RTT p50 +{f[1] - dd[1]:.0f} us")
PY
