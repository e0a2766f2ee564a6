# The traffic topology shared by the tests, scripts/demo and bench/tcp.py:
# sourced, not run.  A pipeline with two net_tap ports whose interfaces are
# named PREFIXa and PREFIXb; each is moved into a network namespace of its
# own, 198.18.0.1 (first) and 198.18.0.2 (second), a benchmarking range
# nothing else uses, so that the kernels of the two namespaces talk
# through the distributor and the workers.

# topology_eal_args PREFIX: the eal.args list (YAML flow) for the two ports.
topology_eal_args() {
	printf '[--no-pci, "--vdev=net_tap0,iface=%sa", "--vdev=net_tap1,iface=%sb"]' "$1" "$1"
}

# topology_up PREFIX NS0 NS1: wait for the tap interfaces, move them into
# the new namespaces NS0 and NS1, address them and wait until a ping
# crosses the pipeline.  Returns 1 with a message on stderr on failure;
# topology_down undoes whatever was done.
topology_up() {
	local prefix=$1 ns0=$2 ns1=$3 ns dev addr i
	for i in $(seq 200); do
		ip link show "${prefix}b" >/dev/null 2>&1 && break
		sleep 0.1
	done
	ip link show "${prefix}b" >/dev/null 2>&1 || { echo "tap interfaces missing" >&2; return 1; }
	set -- "$ns0" "${prefix}a" 198.18.0.1 "$ns1" "${prefix}b" 198.18.0.2
	while [ $# -gt 0 ]; do
		ns=$1 dev=$2 addr=$3
		shift 3
		ip netns add "$ns" || { echo "ip netns add $ns failed" >&2; return 1; }
		ip link set "$dev" netns "$ns" || { echo "moving $dev into $ns failed" >&2; return 1; }
		ip -n "$ns" addr add "$addr/24" dev "$dev"
		ip -n "$ns" link set "$dev" up
		ip -n "$ns" link set lo up
	done
	for i in $(seq 20); do
		ip netns exec "$ns0" ping -c 1 -W 1 198.18.0.2 >/dev/null && return 0
	done
	echo "no ping through the pipeline" >&2
	return 1
}

# topology_down NS...: kill what runs in the namespaces and delete them.
topology_down() {
	local ns
	for ns in "$@"; do
		ip netns pids "$ns" 2>/dev/null | xargs -r kill -KILL 2>/dev/null || true
		ip netns del "$ns" 2>/dev/null || true
	done
}
