#!/bin/bash
# Another DPDK process holding the hugepage directory's lock (one stopped
# or stuck inside its own start-up) makes rte_eal_init() wait: the master
# says so after 5 s instead of hanging silently, and starts normally once
# the lock is free.  The lock is taken here with flock(1), shared, as a
# DPDK process does.
. "$(dirname "$0")/lib.sh"
need_dpdk_env

hugedir=$(awk '$3 == "hugetlbfs" { print $2; exit }' /proc/mounts)
[ -n "$hugedir" ] || fail "no hugetlbfs mount"
flock --no-fork -s "$hugedir" sleep 60 &
holder=$!
write_config "$T/mp.yaml" 1
start_master "$T/mp.yaml"
warned() { grep -q "rte_eal_init() has not returned after 5 s" "$T/master.log"; }
wait_until 15 warned || { kill "$holder"; fail "no warning about the wait"; }
master_alive || { kill "$holder"; fail "master exited while waiting"; }
log "warned: $(grep -o 'rte_eal_init() has not returned.*' "$T/master.log")"
kill "$holder"
wait "$holder" 2>/dev/null || true
wait_until 30 all_running 1 || fail "workers did not reach running after the lock was freed"
stop_master
log "PASS"
