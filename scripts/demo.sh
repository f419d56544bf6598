#!/usr/bin/env bash
# The deco demo: a 3-node network on loopback (one requester, two
# providers) settling on an in-process dev chain, a container job placed on
# a provider found over the peer-to-peer network, its output, where it ran
# and its checked result; an array job of three tasks over both providers;
# two tasks talking over their job network (as root); a verified job; a
# paid request to a pay-per-request service through the requester's
# proxy; then money moving: the deposit, usage reports and
# vouchers during a run, the provider's redeem, final balances and a check
# that the token supply is conserved.
set -euo pipefail
cd "$(dirname "$0")/.."
deco=bin/deco
dir=.devnet

if ! docker info >/dev/null 2>&1; then
	cat >&2 <<'MSG'
No Docker engine is reachable, and the demo runs a container job.
Start one, then run `make demo` again:
  sudo systemctl start docker        # systemd machines
  sudo dockerd >/tmp/dockerd.log 2>&1 &   # anywhere else
(Install it with: sudo apt-get install -y docker.io busybox-static)
MSG
	exit 1
fi
scripts/build-busybox-image.sh

rm -rf "$dir"
log=$(mktemp)
"$deco" devnet --dir "$dir" >"$log" 2>&1 &
devnet=$!
trap 'kill $devnet 2>/dev/null; wait $devnet 2>/dev/null || true; rm -f "$log"' EXIT
for _ in $(seq 1 300); do
	[ -f "$dir/ready" ] && break
	if ! kill -0 $devnet 2>/dev/null; then
		cat "$log" >&2
		exit 1
	fi
	sleep 0.1
done
[ -f "$dir/ready" ] || { cat "$log" >&2; echo "devnet did not come up" >&2; exit 1; }
sed -n '1,/Ctrl-C/p' "$log" | grep -v '^time=' || true
export DECO_DATA_DIR="$PWD/$dir/node0"

echo "== offers the requester found over the network"
"$deco" offers
echo
echo "== deco run deco-busybox:latest -- sh -c '...'"
"$deco" run deco-busybox:latest -- sh -c 'echo "hello from $(hostname), a sandbox on a provider"; echo 42 > /outputs/answer.txt'
id=$("$deco" job ls -q --limit 1)
echo
echo "== deco job get $id"
"$deco" job get "$id" --out "$dir/result"
echo "answer.txt: $(cat "$dir/result/answer.txt")"
echo
echo "== deco job describe $id"
"$deco" job describe "$id"

# A job of three tasks, placed all or none over both providers (half a
# core each, so a provider holds two), each with its index and count.
echo
echo "== deco run --tasks 3 --cpu 0.5 deco-busybox:latest -- sh -c '...' (an array job: three tasks, placed together)"
"$deco" run --tasks 3 --cpu 0.5 deco-busybox:latest -- sh -c 'echo "task $DECO_TASK_INDEX of $DECO_TASK_COUNT on $(hostname)"; echo $((DECO_TASK_INDEX * DECO_TASK_INDEX)) > /outputs/square'
id=$("$deco" job ls -q --limit 1)
"$deco" job get "$id" --out "$dir/array"
for t in 0 1 2; do echo "task-$t/square: $(cat "$dir/array/task-$t/square")"; done
"$deco" job describe "$id" | sed -n '/^Tasks:/,/^$/p'

# A verified job: a validator (the other provider, staked, chosen by a
# seed the provider cannot predict) re-runs it; both commit to their
# result digest, then reveal it, and the result is accepted when they
# agree (a provider that disagreed with a quorum would be slashed).
echo
echo "== deco run --deterministic --verify replicate:1 deco-busybox:latest -- sh -c '...' (a verified job: a validator re-runs it)"
"$deco" run --deterministic --verify replicate:1 deco-busybox:latest -- sh -c 'echo $((6 * 7)) > /outputs/answer.txt'
id=$("$deco" job ls -q --limit 1)
"$deco" job describe "$id" | sed -n '/^Verification:/,/^$/p'

# A job with links: two tasks on a private job network that the providers
# carry over libp2p; task 0 sends a line to task 1 by name. It needs root
# and /dev/net/tun on the providers (here: this machine).
echo
if [ "$(id -u)" = 0 ] && [ -c /dev/net/tun ]; then
	echo "== deco run --tasks 2 --links deco-busybox:latest -- sh -c '...' (task 0 talks to task 1 over the job network)"
	"$deco" run --tasks 2 --links deco-busybox:latest -- sh -c 'ip -4 -o addr show deco0 | awk "{print \"task $DECO_TASK_INDEX: \" \$4 \" on deco0, master $MASTER_ADDR\"}"
if [ "$DECO_TASK_INDEX" = 1 ]; then nc -l -p 5000 > /outputs/got; else for i in $(seq 1 50); do echo "hello from task 0" | nc -w 1 task-1 5000 && break; sleep 0.2; done; fi'
	id=$("$deco" job ls -q --limit 1)
	"$deco" job get "$id" --out "$dir/linked"
	echo "task-1/got: $(cat "$dir/linked/task-1/got")"
else
	echo "== (skipped: a job with links needs root and /dev/net/tun on its providers; run the demo as root to see one)"
fi

# Pay as you go: the requester deposited on its first task for this
# provider; a longer task shows the usage reports and vouchers.
echo
echo "== pay as you go: deco run deco-busybox:latest -- sh -c 'for i in 1 2 3 4 5; do echo working \$i; sleep 1; done' (reports every 2 s)"
"$deco" run deco-busybox:latest -- sh -c 'for i in 1 2 3 4 5; do echo working $i; sleep 1; done'
id=$("$deco" job ls -q --limit 1)
"$deco" job describe "$id" | sed -n '/^Payments/,/^$/p'
# A paid request: node 1 serves a local HTTP server (busybox httpd) as
# the pay-per-request service "hello"; the requester deposits on its
# channel, and plain curl calls it through the requester's paid proxy,
# each request signed and carrying a voucher, each response signed.
echo
echo "== pay per request: node 1 serves 'hello' at 0.001 DECO a request; curl calls it through deco service proxy"
mkdir -p "$dir/www" && echo "hello from a paid service" >"$dir/www/hello.txt"
busybox httpd -f -p 127.0.0.1:18080 -h "$dir/www" &
httpd=$!
svc=$(DECO_DATA_DIR="$PWD/$dir/node1" "$deco" id -o json | grep -o '"address": *"0x[0-9a-fA-F]*"' | grep -o '0x[0-9a-fA-F]*')
DECO_DATA_DIR="$PWD/$dir/node1" "$deco" service register hello --price 0.001 --endpoint http://127.0.0.1:18080
for _ in $(seq 1 100); do "$deco" services -o json | grep -q '"hello"' && break; sleep 0.1; done
"$deco" services
"$deco" wallet deposit "$svc" 0.01
"$deco" service proxy hello --listen 127.0.0.1:18085 &
proxy=$!
trap 'kill $devnet $httpd $proxy 2>/dev/null; wait $devnet 2>/dev/null || true; rm -f "$log"' EXIT
for _ in $(seq 1 100); do curl -s -o /dev/null http://127.0.0.1:18085/ 2>/dev/null && break; sleep 0.1; done
for i in 1 2 3; do
	echo "\$ curl -s http://127.0.0.1:18085/hello.txt   # request $i"
	curl -s -D - http://127.0.0.1:18085/hello.txt | grep -E '^(HTTP|X-Deco)|hello'
done
kill $proxy $httpd 2>/dev/null || true
echo
echo "== the requester's wallet (deposit, paid, signed in vouchers)"
"$deco" wallet
echo
echo "== each provider redeems its vouchers on chain, jobs and requests alike, one transaction each (deco wallet redeem)"
for d in "$dir"/node1 "$dir"/node2; do
	if DECO_DATA_DIR="$PWD/$d" "$deco" wallet -o json | grep -q '"latest"'; then
		echo "$(basename "$d"):"
		DECO_DATA_DIR="$PWD/$d" "$deco" wallet redeem
	fi
done
echo
echo "== final balances"
total=0
for n in 0 1 2; do
	json=$(DECO_DATA_DIR="$PWD/$dir/node$n" "$deco" wallet -o json)
	bal=$(printf '%s' "$json" | grep -o '"balance": *"[0-9.]*"' | sed -n 1p | tr -dc '0-9.')
	escrow=$(printf '%s' "$json" | grep -o '"escrowHolds": *"[0-9.]*"' | sed -n 1p | tr -dc '0-9.')
	echo "  node$n  $bal DECO"
	total=$(awk -v a="$total" -v b="$bal" 'BEGIN{printf "%.6f", a+b}')
done
echo "  escrow $escrow DECO"
total=$(awk -v a="$total" -v b="$escrow" 'BEGIN{printf "%.6f", a+b}')
if [ "$total" = "30000.000000" ]; then
	echo "supply conserved: balances + escrow = $total DECO = the 3 x 10000 DECO minted"
else
	echo "supply NOT conserved: balances + escrow = $total DECO, minted 30000" >&2
	exit 1
fi
