#!/bin/bash
# The stock DPDK tools work against a running master: dpdk-proc-info shows
# port statistics, dpdk-telemetry.py answers the standard commands next to
# the /mp/ ones.  Packet capture (dpdk-dumpcap, dpdk-pdump) is not tested
# here yet: ending a capture crashed the distributor once inside
# librte_pcapng (see README, Watching it).
. "$(dirname "$0")/lib.sh"
need_dpdk_env
command -v dpdk-proc-info >/dev/null || skip "needs dpdk-proc-info"

write_config "$T/mp.yaml" 2
start_master "$T/mp.yaml"
wait_until 30 all_running 2 || fail "workers did not reach running"

timeout 30 dpdk-proc-info --file-prefix "$PREFIX" --no-pci -- --stats >"$T/proc-info" 2>&1 ||
	fail "dpdk-proc-info failed: $(tail -5 "$T/proc-info")"
grep -q "NIC statistics for port 0" "$T/proc-info" || fail "no port statistics: $(tail -5 "$T/proc-info")"
grep -q "TX-packets: *[1-9]" "$T/proc-info" || fail "proc-info shows no TX packets"

echo /ethdev/list | dpdk-telemetry.py -f "$PREFIX" | grep -q '\[0, 1\]' || fail "/ethdev/list"
[ "$(jget /mp/workers 'len(r)')" = 2 ] || fail "/mp/workers"
master_alive || fail "the master died"
all_running 2 || fail "workers disturbed by the tools"
stop_master
log "PASS"
