#!/bin/bash
# The stock DPDK tools work against a running master: dpdk-proc-info shows
# port statistics, dpdk-dumpcap and dpdk-pdump capture a port's traffic
# (the primary serves pdump), dpdk-telemetry.py answers the standard
# commands next to the /mp/ ones.  Captures start and end under full
# net_null traffic, which is when ending one used to crash the distributor
# (src/master/capture.c).
. "$(dirname "$0")/lib.sh"
need_dpdk_env
for tool in dpdk-proc-info dpdk-dumpcap dpdk-pdump; do
	command -v "$tool" >/dev/null || skip "needs $tool"
done
CAPTURES=${CAPTURES:-5}

# Packets in a capture file: enhanced packet blocks of a pcapng file
# (dpdk-dumpcap), records of a classic pcap file (dpdk-pdump).
packet_count() {
	python3 -c '
import struct, sys
d = open(sys.argv[1], "rb").read(); n = 0
if d[:4] == b"\x0a\x0d\x0d\x0a":
    i = 0
    while i + 8 <= len(d):
        t, l = struct.unpack_from("<II", d, i)
        if l < 12:           # a truncated or corrupt block ends the count
            break
        n += t == 6
        i += l
else:
    i = 24
    while i + 16 <= len(d):
        n += 1
        i += 16 + struct.unpack_from("<I", d, i + 8)[0]
print(n)' "$1"
}

write_config "$T/mp.yaml" 2
start_master "$T/mp.yaml"
wait_until 30 all_running 2 || fail "workers did not reach running"

timeout 30 dpdk-proc-info --file-prefix "$PREFIX" --no-pci -- --stats >"$T/proc-info" 2>&1 ||
	fail "dpdk-proc-info failed: $(tail -5 "$T/proc-info")"
grep -q "NIC statistics for port 0" "$T/proc-info" || fail "no port statistics: $(tail -5 "$T/proc-info")"
grep -q "TX-packets: *[1-9]" "$T/proc-info" || fail "proc-info shows no TX packets"

# dpdk-dumpcap builds its own EAL arguments, without --no-pci: point EAL's
# PCI scan (SYSFS_PCI_DEVICES) at an empty directory so that it probes no NIC.
# Both tools (and dumpcap's reaper) run pinned to one CPU.  Unpinned,
# reaping an exited dumpcap livelocked this VM's kernel (6.18, in
# shrink_dcache_parent) in about one capture in four under full load;
# pinned, in none of 80.  The CPU is 1 on purpose: dumpcap's lcore id is
# the first CPU of its affinity, so it runs on lcore 1, the distributor's,
# and pdump is given lcore 1 too.  Sharing that lcore's mempool cache with
# the distributor used to corrupt the capture pool (capture.c); the last
# dumpcap capture is long enough to show it (it stopped early on "pcapng
# file write failed" within 10,000 to 25,000 packets).
[ "$NCPU" -ge 2 ] || fail "needs 2 CPUs"
TOOL_CPU=1
mkdir "$T/no-pci"
for i in $(seq "$CAPTURES"); do
	want=1000
	[ "$i" = "$CAPTURES" ] && want=50000
	SYSFS_PCI_DEVICES="$T/no-pci" taskset -c "$TOOL_CPU" timeout 60 \
		dpdk-dumpcap --file-prefix="$PREFIX" \
		-i 0 -c "$want" -w "$T/cap.pcapng" >"$T/dumpcap" 2>&1 ||
		fail "dpdk-dumpcap (capture $i) failed: $(tail -5 "$T/dumpcap")"
	master_alive || fail "the master died when capture $i ended"
	! grep -q "failed" "$T/dumpcap" ||
		fail "dpdk-dumpcap (capture $i): $(grep -m1 -o "[a-z][^0-9]*failed.*" "$T/dumpcap")"
	count=$(packet_count "$T/cap.pcapng")
	# dumpcap stops after the burst that reaches the count.
	[ "$count" -ge "$want" ] || fail "capture $i holds $count packets, want at least $want; dpdk-dumpcap said: $(tail -n 3 "$T/dumpcap" | tr "\n" " ")"
done
log "dpdk-dumpcap: $CAPTURES captures of port 0, the last holds $count packets"

# dpdk-pdump takes EAL arguments (--no-pci) and writes pcap through
# net_pcap; it names its capture core once the capture runs.
stdbuf -oL taskset -c "$TOOL_CPU" dpdk-pdump --file-prefix="$PREFIX" --no-pci \
	--lcores="1@$TOOL_CPU" -- \
	--pdump "port=1,queue=*,rx-dev=$T/port1.pcap" >"$T/pdump" 2>&1 &
pdump=$!
STARTED_PIDS="$STARTED_PIDS $pdump"
wait_until 30 grep -q "core (" "$T/pdump" ||
	fail "dpdk-pdump did not start: $(tail -5 "$T/pdump")"
# End the capture once its file holds 1000 packets (net_pcap writes each
# burst out as it goes).
wait_until 30 above 999 packet_count "$T/port1.pcap" ||
	fail "the pdump file holds $(packet_count "$T/port1.pcap") packets after 30 s"
kill -INT "$pdump"
wait "$pdump" || fail "dpdk-pdump exited $?: $(tail -5 "$T/pdump")"
count=$(packet_count "$T/port1.pcap")
log "dpdk-pdump: $count packets of port 1"
[ "$count" -ge 1000 ] || fail "the pdump file holds $count packets"

echo /ethdev/list | dpdk-telemetry.py -f "$PREFIX" | grep -q '\[0, 1\]' || fail "/ethdev/list"
[ "$(jget /mp/workers 'len(r)')" = 2 ] || fail "/mp/workers"
master_alive || fail "the master died"
all_running 2 || fail "workers disturbed by the tools"
stop_master
log "PASS"
