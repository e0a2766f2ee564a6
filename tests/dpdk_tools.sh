#!/bin/bash
# The stock DPDK tools work against a running master: dpdk-proc-info shows
# port statistics, dpdk-dumpcap captures a port's traffic to pcapng (the
# primary initialises pdump), dpdk-telemetry.py answers the standard
# commands next to the /mp/ ones.
. "$(dirname "$0")/lib.sh"
need_dpdk_env
command -v dpdk-proc-info >/dev/null || skip "needs dpdk-proc-info"
command -v dpdk-dumpcap >/dev/null || skip "needs dpdk-dumpcap"

write_config "$T/mp.yaml" 2
start_master "$T/mp.yaml"
wait_until 30 all_running 2 || fail "workers did not reach running"

timeout 30 dpdk-proc-info --file-prefix "$PREFIX" --no-pci -- --stats >"$T/proc-info" 2>&1 ||
	fail "dpdk-proc-info failed: $(tail -5 "$T/proc-info")"
grep -q "NIC statistics for port 0" "$T/proc-info" || fail "no port statistics: $(tail -5 "$T/proc-info")"
grep -q "TX-packets: *[1-9]" "$T/proc-info" || fail "proc-info shows no TX packets"

# dpdk-dumpcap builds its own EAL arguments, without --no-pci: run it in a
# mount namespace where the PCI bus is empty, so that it probes no NIC.
timeout 30 unshare --mount sh -c 'mount -t tmpfs none /sys/bus/pci/devices &&
	exec dpdk-dumpcap --file-prefix="$0" -i 0 -c 1000 -w "$1"' "$PREFIX" "$T/cap.pcapng" \
	>"$T/dumpcap" 2>&1 || fail "dpdk-dumpcap failed: $(tail -5 "$T/dumpcap")"
grep -q "0000:" "$T/dumpcap" && fail "dpdk-dumpcap looked at a PCI device: $(grep 0000: "$T/dumpcap")"
count=$(python3 -c '
import struct, sys
d = open(sys.argv[1], "rb").read(); i = n = 0
while i + 8 <= len(d):
    t, l = struct.unpack_from("<II", d, i)
    n += t == 6          # enhanced packet block
    i += l
print(n)' "$T/cap.pcapng")
log "dpdk-dumpcap captured $count packets"
# dumpcap stops after the burst that reaches the count.
[ "$count" -ge 1000 ] || fail "captured $count packets, want at least 1000"

echo /ethdev/list | dpdk-telemetry.py -f "$PREFIX" | grep -q '\[0, 1\]' || fail "/ethdev/list"
[ "$(jget /mp/workers 'len(r)')" = 2 ] || fail "/mp/workers"
master_alive || fail "the master died"
all_running 2 || fail "workers disturbed by the tools"
stop_master
log "PASS"
