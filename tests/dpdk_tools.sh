#!/bin/bash
# The stock DPDK tools work against a running master: dpdk-proc-info shows
# port statistics, dpdk-dumpcap and dpdk-pdump capture a port's traffic
# (the primary initialises pdump), dpdk-telemetry.py answers the standard
# commands next to the /mp/ ones.
. "$(dirname "$0")/lib.sh"
need_dpdk_env
command -v dpdk-proc-info >/dev/null || skip "needs dpdk-proc-info"
command -v dpdk-dumpcap >/dev/null || skip "needs dpdk-dumpcap"
command -v dpdk-pdump >/dev/null || skip "needs dpdk-pdump"

write_config "$T/mp.yaml" 2
start_master "$T/mp.yaml"
wait_until 30 all_running 2 || fail "workers did not reach running"

timeout 30 dpdk-proc-info --file-prefix "$PREFIX" --no-pci -- --stats >"$T/proc-info" 2>&1 ||
	fail "dpdk-proc-info failed: $(tail -5 "$T/proc-info")"
grep -q "NIC statistics for port 0" "$T/proc-info" || fail "no port statistics: $(tail -5 "$T/proc-info")"
grep -q "TX-packets: *[1-9]" "$T/proc-info" || fail "proc-info shows no TX packets"

# dpdk-dumpcap builds its own EAL arguments, without --no-pci: point EAL's
# PCI scan (SYSFS_PCI_DEVICES) at an empty directory so that it probes no NIC.
mkdir "$T/no-pci"
SYSFS_PCI_DEVICES="$T/no-pci" timeout 30 dpdk-dumpcap --file-prefix="$PREFIX" -i 0 -c 1000 \
	-w "$T/cap.pcapng" >"$T/dumpcap" 2>&1 || fail "dpdk-dumpcap failed: $(tail -5 "$T/dumpcap")"
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
[ "$count" -ge 1000 ] || fail "dumpcap captured $count packets, want at least 1000"

# dpdk-pdump takes EAL arguments (--no-pci) and writes pcap through net_pcap.
dpdk-pdump --file-prefix="$PREFIX" --no-pci --lcores=9@0 -- \
	--pdump "port=1,queue=*,rx-dev=$T/port1.pcap" >"$T/pdump" 2>&1 &
pdump=$!
STARTED_PIDS="$STARTED_PIDS $pdump"
sleep 0.5
kill -INT "$pdump"
wait "$pdump" || fail "dpdk-pdump exited $?: $(tail -5 "$T/pdump")"
sent=$(awk -F'\t' '/packets transmitted to vdev/ {print $NF}' "$T/pdump")
count=$(python3 -c '
import struct, sys
d = open(sys.argv[1], "rb").read(); i = 24; n = 0
while i + 16 <= len(d):
    n += 1
    i += 16 + struct.unpack_from("<I", d, i + 8)[0]
print(n)' "$T/port1.pcap")
log "dpdk-pdump captured $count packets (it reports $sent)"
# Half a second of net_null traffic is hundreds of thousands of packets.
[ "$count" -ge 1000 ] || fail "pdump file holds $count packets (pdump reports $sent)"

echo /ethdev/list | dpdk-telemetry.py -f "$PREFIX" | grep -q '\[0, 1\]' || fail "/ethdev/list"
[ "$(jget /mp/workers 'len(r)')" = 2 ] || fail "/mp/workers"
master_alive || fail "the master died"
all_running 2 || fail "workers disturbed by the tools"
stop_master
log "PASS"
