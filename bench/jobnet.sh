#!/usr/bin/env bash
# Throughput and round-trip time between two tasks of a job with links on
# a 3-node devnet (one requester, two providers, on loopback), against the
# same two containers on a Docker bridge network, with the same image,
# commands and CPU limit, measured one after the other in one run; then the
# job network and a raw libp2p stream between two hosts as Go benchmarks
# (internal/jobnet), on loopback and over a veth link shaped by tc's tbf at
# 1 and 2.5 Gbit/s and unshaped (BenchmarkShapedLink: each host a process
# in a network namespace of its own; the link's 10.201.0.0/30 exists only
# inside them). Throughput is iperf3 (Debian's, in deco-torch:latest)
# for SECONDS seconds; the RTT is bench/rtt.py, 2,000 one-byte round trips
# with Nagle off.
#
# Usage: sudo bench/jobnet.sh [SECONDS]   (default 10; root: job networks
# need it, and /dev/net/tun)
set -euo pipefail
cd "$(dirname "$0")/.."
secs="${1:-10}"
[ "$(id -u)" = 0 ] && [ -c /dev/net/tun ] || { echo "jobnet.sh: needs root and /dev/net/tun" >&2; exit 1; }
docker image inspect deco-torch:latest >/dev/null 2>&1 ||
	{ echo "jobnet.sh: build the image first: sudo examples/torch/build-image.sh" >&2; exit 1; }
make -s build
dir=$(mktemp -d)
bin/deco devnet --dir "$dir/net" >"$dir/devnet.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null || true; docker rm -f deco-bench-0 deco-bench-1 >/dev/null 2>&1 || true; docker network rm deco-bench >/dev/null 2>&1 || true; rm -rf "$dir"' EXIT
for _ in $(seq 1 300); do [ -f "$dir/net/ready" ] && break; sleep 0.1; done
[ -f "$dir/net/ready" ] || { cat "$dir/devnet.log" >&2; exit 1; }

# The two programs; PEER is the server's name, SECS the iperf3 time.
server='iperf3 -s -p 5201 >/dev/null & python3 /inputs/code/rtt.py serve 5001; kill $! 2>/dev/null; true'
client=$(cat <<'SH'
for i in $(seq 1 100); do
	iperf3 -c "$PEER" -p 5201 -t "$SECS" -J > /outputs/iperf.json && break
	echo "iperf3 try $i: $(grep '"error"' /outputs/iperf.json)"
	sleep 0.2
done
python3 /inputs/code/rtt.py client "$PEER" 5001 2000 > /outputs/rtt.json
SH
)

python3 - "$dir/job.json" "$server" "$client" "$secs" <<'PY'
import json, sys
rtt = open("bench/rtt.py").read()
script = 'if [ "$DECO_TASK_INDEX" = 1 ]; then ' + sys.argv[2] + '; else PEER=task-1; ' + sys.argv[3] + '; fi'
json.dump({"apiVersion": "deco/v1", "image": "deco-torch:latest", "tasks": 2,
           "network": {"links": True}, "constraints": {"group": {"distinctProviders": True}},
           "resources": {"cpu": "1", "memory": "512MiB", "disk": "64MiB"},
           "inputs": [{"name": "code", "inline": {"files": {"rtt.py": rtt}}}],
           "env": {"SECS": sys.argv[4]}, "command": ["sh", "-c", script], "timeout": "5m"}, open(sys.argv[1], "w"))
PY
export DECO_DATA_DIR="$dir/net/node0"
echo "== job network: two tasks on two providers (deco job run)"
bin/deco job run "$dir/job.json" >"$dir/run.log" 2>&1 || { cat "$dir/run.log" >&2; bin/deco job describe "$(bin/deco job ls -q --limit 1)" >&2; exit 1; }
bin/deco job get "$(bin/deco job ls -q --limit 1)" --out "$dir/jobnet" >/dev/null

echo "== Docker bridge: the same two containers, image and CPU limit"
docker network create deco-bench >/dev/null
mkdir -p "$dir/bridge"
run() { # NAME SCRIPT
	docker run -d --name "$1" --network deco-bench --cpus 1 --memory 512m --read-only --tmpfs /tmp --cap-drop ALL \
		-e PEER=deco-bench-1 -e SECS="$secs" -v "$PWD/bench/rtt.py:/inputs/code/rtt.py:ro" -v "$dir/bridge:/outputs" \
		deco-torch:latest sh -c "$2" >/dev/null
}
run deco-bench-1 "$server"
run deco-bench-0 "$client"
docker wait deco-bench-0 deco-bench-1 >/dev/null

python3 - "$dir/jobnet/task-0" "$dir/bridge" <<'PY'
import json, sys
rows = []
for name, d in (("job network", sys.argv[1]), ("Docker bridge", sys.argv[2])):
    ip = json.load(open(d + "/iperf.json"))["end"]
    rtt = json.load(open(d + "/rtt.json"))
    rows.append((name, ip["sum_received"]["bits_per_second"] / 1e9, ip["streams"][0]["sender"].get("mean_rtt", 0), rtt["median_us"], rtt["p90_us"]))
print(f"{'path':<14} {'iperf3 Gbit/s':>13} {'TCP mean_rtt us':>15} {'RTT p50 us':>10} {'RTT p90 us':>10}")
for r in rows:
    print(f"{r[0]:<14} {r[1]:>13.2f} {r[2]:>15} {r[3]:>10.0f} {r[4]:>10.0f}")
print(f"job network / bridge: throughput {rows[0][1] / rows[1][1]:.2f}x, RTT p50 +{rows[0][3] - rows[1][3]:.0f} us")
PY

echo "== Go benchmarks: TCP over the job network vs a raw libp2p stream (two hosts, loopback, then a shaped link)"
go test -run '^$' -bench 'BenchmarkJobNetTCP|BenchmarkRawStream|BenchmarkShapedLink' -benchtime 3x -count 3 ./internal/jobnet | grep -E '^Benchmark'
