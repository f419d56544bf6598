#!/bin/sh
# The entrypoint of deploy/compose.yaml's services: a dev chain or a node
# wired to the others through the shared volume at /shared.
#
#   deco-compose-node chain NODE...   wait for each NODE's address, then run
#                                     `deco chain serve` funding them; write
#                                     /shared/chain.json
#   deco-compose-node node NAME [FLAG...]
#                                     make the node's key (a first short
#                                     start), publish its address and peer ID,
#                                     wait for the chain, then run
#                                     `deco node run FLAG...` settling on it
#
# Environment for a node: DECO_BOOTSTRAP (a service whose node to join
# through), DECO_ONBOARD (`deco onboard` flags: sell this node's capacity).
set -eu

shared=/shared
data="${DECO_DATA_DIR:-/data}"
port=4001

say() { echo "compose-node: $*" >&2; }

# wait_for FILE: until FILE exists (60 s).
wait_for() {
	i=0
	while [ ! -s "$1" ]; do
		i=$((i + 1))
		[ "$i" -le 600 ] || { say "gave up waiting for $1"; exit 1; }
		sleep 0.1
	done
}

# wait_api PID: until the node started as PID answers on its API.
wait_api() {
	i=0
	# (deco id would answer from the keystore alone; peers needs the API.)
	until deco peers >/dev/null 2>&1; do
		kill -0 "$1" 2>/dev/null || { say "the node exited"; exit 1; }
		i=$((i + 1))
		[ "$i" -le 600 ] || { say "the node did not start"; exit 1; }
		sleep 0.1
	done
}

chain() {
	fund=""
	for n in "$@"; do
		wait_for "$shared/$n.address"
		fund="$fund --fund $(cat "$shared/$n.address")"
	done
	# Serve on this container's address on the compose network, so that
	# chain.json names a URL the nodes reach (the RPC refuses host names
	# other than localhost, and has no authentication: never publish this
	# port outside a dev network).
	# shellcheck disable=SC2086
	exec deco chain serve --addr "$(hostname -i | awk '{ print $1 }'):8545" --out "$shared/chain.json" $fund
}

node() {
	name="$1"
	shift
	mkdir -p "$data"
	rm -f "$shared/$name.ready" "$data/api-url" "$data/chain.json"
	# 1. The node's key: a short start without network or chain creates it
	# (or loads it), and its address and peer ID are published.
	deco node run --dev-throwaway-key --api-addr 127.0.0.1:0 --no-mdns --no-dht --no-docker --no-wasm \
		--listen /ip4/127.0.0.1/tcp/0 --log-level warn &
	pid=$!
	wait_api "$pid"
	deco id | awk '$1 == "address" { print $2 }' >"$shared/$name.address.tmp"
	deco id | awk '$1 == "peer" { print $3 }' >"$shared/$name.peer.tmp"
	kill -TERM "$pid"
	wait "$pid" || true
	rm -f "$data/api-url"
	mv "$shared/$name.peer.tmp" "$shared/$name.peer"
	mv "$shared/$name.address.tmp" "$shared/$name.address"
	say "$name is $(cat "$shared/$name.peer") ($(cat "$shared/$name.address"))"
	# 2. Settle on the chain.
	wait_for "$shared/chain.json"
	cp "$shared/chain.json" "$data/chain.json"
	# 3. Join through the bootstrap node.
	boot=""
	if [ -n "${DECO_BOOTSTRAP:-}" ]; then
		wait_for "$shared/$DECO_BOOTSTRAP.peer"
		boot="--bootstrap /dns4/$DECO_BOOTSTRAP/tcp/$port/p2p/$(cat "$shared/$DECO_BOOTSTRAP.peer")"
	fi
	# shellcheck disable=SC2086
	deco node run --dev-throwaway-key --api-addr 127.0.0.1:8080 --no-mdns \
		--listen "/ip4/0.0.0.0/tcp/$port,/ip4/0.0.0.0/udp/$port/quic-v1" $boot "$@" &
	pid=$!
	trap 'kill -TERM "$pid" 2>/dev/null' TERM INT
	wait_api "$pid"
	if [ -n "${DECO_ONBOARD:-}" ]; then
		# shellcheck disable=SC2086
		deco onboard -y $DECO_ONBOARD >&2
	fi
	touch "$shared/$name.ready"
	# wait returns early when a trapped signal arrives: then wait for the exit.
	status=0
	wait "$pid" || status=$?
	if kill -0 "$pid" 2>/dev/null; then
		status=0
		wait "$pid" || status=$?
	fi
	exit "$status"
}

case "${1:-}" in
chain) shift; chain "$@" ;;
node) shift; node "$@" ;;
*) say "usage: deco-compose-node chain NODE... | node NAME [FLAG...]"; exit 2 ;;
esac
