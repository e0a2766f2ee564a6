#!/bin/bash
# examples/router, built from its own Makefile against the installed
# library, routes packets that scapy wrote into a pcap: the master reads
# them through a net_pcap port, and the output pcaps (written by the
# worker through net_pcap) are checked with scapy: the longest prefix
# chose the port and next hop, the TTL is one less with a valid header
# checksum, the source MAC is the output port's; TTL 1, unrouted and
# non-IPv4 packets are dropped and counted.  A bad routes file ends in
# fatal with one line naming the file and line.
. "$(dirname "$0")/lib.sh"
need_dpdk_env
need_nf_build_env
"$PYTHON" -c 'import scapy' 2>/dev/null || skip "needs python3-scapy"

build_example router
router=$T/router-src/router

# 10 packets of each kind, into port 0.
"$PYTHON" - "$T" <<'PY' || fail "scapy could not write the input"
import sys
from scapy.all import Ether, IP, UDP, ARP, wrpcap
t = sys.argv[1]
src = "02:00:00:00:00:aa"
pkts = []
for i in range(10):
    pkts.append(Ether(src=src, dst="02:00:00:00:00:01") / IP(src="10.9.0.1", dst="10.1.0.%d" % (10 + i), ttl=64) / UDP(sport=1000 + i, dport=53) / ("x" * 18))
    pkts.append(Ether(src=src, dst="02:00:00:00:00:01") / IP(src="10.9.0.1", dst="10.1.2.%d" % (10 + i), ttl=9) / UDP(sport=2000 + i, dport=53) / ("y" * 18))
    pkts.append(Ether(src=src, dst="02:00:00:00:00:01") / IP(src="10.9.0.1", dst="10.1.0.99", ttl=1) / UDP(dport=53) / ("z" * 18))
    pkts.append(Ether(src=src, dst="02:00:00:00:00:01") / IP(src="10.9.0.1", dst="192.0.2.%d" % i, ttl=64) / UDP(dport=53) / ("u" * 18))
    pkts.append(Ether(src=src, dst="ff:ff:ff:ff:ff:ff") / ARP(psrc="10.9.0.1", pdst="10.9.0.2"))
wrpcap(t + "/in.pcap", pkts)
wrpcap(t + "/empty.pcap", [])
PY
cat >"$T/routes" <<ROUTES
10.1.0.0/16 port 1 via 02:00:00:00:01:01   # most of 10.1
10.1.2.0/24 port 0 via 02:00:00:00:00:02   # longer: wins for 10.1.2.x
ROUTES

# The files by names relative to the master's directory, which its workers
# share: a DPDK 22.11 secondary gets a net_pcap port's arguments cut to 63
# characters, and would write its packets to a truncated path.
write_config "$T/mp.yaml" 1 "  program: $router
  args: [--routes, $T/routes]"
sed -i 's|  args: \[--no-pci.*|  args: [--no-pci, "--vdev=net_pcap0,rx_pcap=in.pcap,tx_pcap=out0.pcap", "--vdev=net_pcap1,rx_pcap=empty.pcap,tx_pcap=out1.pcap"]|' "$T/mp.yaml"
cd "$T"
start_master "$T/mp.yaml"
wait_until 30 all_running 1 || fail "the router did not reach running"
counter() { worker_counter 0 "$1"; }
all_counted() {
	[ "$(jget /mp/workers 'sum(r["0"]["counters"].values())')" = 50 ]
}
wait_until 30 all_counted || fail "not every packet was counted: $(jget /mp/workers 'r["0"]["counters"]')"
log "counters: $(jget /mp/workers 'r["0"]["counters"]')"
[ "$(counter routed)" = 20 ] || fail "routed $(counter routed), want 20"
[ "$(counter ttl_expired)" = 10 ] || fail "ttl_expired $(counter ttl_expired), want 10"
[ "$(counter unrouted)" = 10 ] || fail "unrouted $(counter unrouted), want 10"
[ "$(counter not_ipv4)" = 10 ] || fail "not_ipv4 $(counter not_ipv4), want 10"
[ "$(worker_field 0 drops)" = 30 ] || fail "worker drops $(worker_field 0 drops), want 30"
stop_master

"$PYTHON" - "$T" <<'PY' || fail "the routed packets are wrong"
import sys
from scapy.all import rdpcap, Ether, IP, UDP
t = sys.argv[1]
def check(path, want_dst_mac, net, ttl):
    pkts = rdpcap(path)
    assert len(pkts) == 10, "%s holds %d packets, want 10" % (path, len(pkts))
    for p in pkts:
        ip = p[IP]
        assert p[Ether].dst == want_dst_mac, "%s: dst MAC %s" % (path, p[Ether].dst)
        assert p[Ether].src != "02:00:00:00:00:aa", "%s: source MAC not rewritten" % path
        assert ip.dst.startswith(net), "%s: %s routed here" % (path, ip.dst)
        assert ip.ttl == ttl, "%s: TTL %d, want %d" % (path, ip.ttl, ttl)
        got = ip.chksum
        del ip.chksum
        want = IP(bytes(ip)).chksum
        assert got == want, "%s: checksum %#x, want %#x" % (path, got, want)
    return pkts[0][Ether].src
s1 = check(t + "/out1.pcap", "02:00:00:00:01:01", "10.1.0.", 63)
s0 = check(t + "/out0.pcap", "02:00:00:00:00:02", "10.1.2.", 8)
assert s0 != s1, "both ports have source MAC %s" % s0
print("out1: 10 packets 10.1.0.x TTL 63, src %s; out0: 10 packets 10.1.2.x TTL 8, src %s; checksums valid" % (s1, s0))
PY
log "$("$PYTHON" - "$T" <<'PY'
import sys
from scapy.all import rdpcap
t = sys.argv[1]
print("out0.pcap %d packets, out1.pcap %d packets" % (len(rdpcap(t + "/out0.pcap")), len(rdpcap(t + "/out1.pcap"))))
PY
)"

# A bad routes file: one line naming file and line, then fatal.
printf '10.1.0.0/16 port 1 via 02:00:00:00:01:01\n10.2.0.0/16 port 7 via 02:00:00:00:01:01\n' >"$T/bad.routes"
sed -i "s|--routes, $T/routes|--routes, $T/bad.routes|; s|^  restart: .*|  restart: {backoff_ms: [10, 40], max_restarts: 2, window_s: 60}|" "$T/mp.yaml"
start_master "$T/mp.yaml"
wait_until 30 is_fatal || fail "a bad routes file did not end fatal"
grep -qF "router: $T/bad.routes:2: no such port among the master's" "$T/master.log" ||
	fail "no line naming the file and line"
stop_master
log "PASS"
