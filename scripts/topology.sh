# The traffic topology shared by the tests, scripts/demo and bench/tcp.py:
# sourced, not run.  A pipeline with two ports whose interfaces end up in a
# network namespace each, 198.18.0.1 (first) and 198.18.0.2 (second), a
# benchmarking range nothing else uses, so that the kernels of the two
# namespaces talk through the distributor and the workers.  KIND is
#  - tap (default): two net_tap ports, interfaces PREFIXa and PREFIXb,
#    which the PMD creates and topology_up moves into the namespaces;
#  - af_packet: two net_af_packet ports on the veth interfaces PREFIXa and
#    PREFIXb, made by topology_links before the master starts, whose peers
#    PREFIXA and PREFIXB topology_up moves into the namespaces.  AF_PACKET
#    reads frames of at most a page and takes the checksum as sent, so the
#    veths segment and checksum themselves (offloads off).

# topology_eal_args PREFIX [KIND]: the eal.args list (YAML flow) for the two ports.
topology_eal_args() {
	if [ "${2:-tap}" = af_packet ]; then
		printf '[--no-pci, "--vdev=net_af_packet0,iface=%sa", "--vdev=net_af_packet1,iface=%sb"]' "$1" "$1"
	else
		printf '[--no-pci, "--vdev=net_tap0,iface=%sa", "--vdev=net_tap1,iface=%sb"]' "$1" "$1"
	fi
}

# topology_links PREFIX [KIND]: for af_packet, the two veth pairs, up, with
# their offloads off; nothing for tap.  topology_links_down PREFIX removes
# them.  Returns 1 with a message on stderr on failure.
topology_links() {
	local prefix=$1 side dev
	[ "${2:-tap}" = af_packet ] || return 0
	for side in a b; do
		ip link add "$prefix$side" type veth peer name "$prefix${side^^}" ||
			{ echo "ip link add $prefix$side failed" >&2; return 1; }
		for dev in "$prefix$side" "$prefix${side^^}"; do
			ethtool -K "$dev" tso off gso off gro off tx off >/dev/null 2>&1 ||
				{ echo "ethtool -K $dev failed" >&2; return 1; }
			ip link set "$dev" up
		done
	done
}

topology_links_down() {
	ip link del "${1}a" 2>/dev/null || true
	ip link del "${1}b" 2>/dev/null || true
}

# topology_up PREFIX NS0 NS1 [KIND]: wait for the interfaces, move them
# (tap) or the veth peers (af_packet) into the new namespaces NS0 and NS1,
# address them and wait until a ping crosses the pipeline.  Returns 1 with
# a message on stderr on failure; topology_down undoes whatever was done.
topology_up() {
	local prefix=$1 ns0=$2 ns1=$3 a=a b=b ns dev addr i
	[ "${4:-tap}" = af_packet ] && a=A b=B
	for i in $(seq 200); do
		ip link show "$prefix$b" >/dev/null 2>&1 && break
		sleep 0.1
	done
	ip link show "$prefix$b" >/dev/null 2>&1 || { echo "interfaces $prefix$a/$prefix$b missing" >&2; return 1; }
	set -- "$ns0" "$prefix$a" 198.18.0.1 "$ns1" "$prefix$b" 198.18.0.2
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
