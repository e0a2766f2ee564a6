#!/bin/bash
# examples/firewall, built from its own Makefile against the installed
# library (pkg-config only), as every worker of a pipeline between two
# network namespaces:
#  - TCP to an allowed port passes, to a denied port does not; a ping
#    passes or not by its rule; the allowed/denied counters show it;
#  - 100 kills of a firewall worker under traffic: each replacement frees
#    the ACL contexts its predecessor left in shared memory, so DPDK's heap
#    (/eal/heap_info) holds as much as before;
#  - bad input: a rules file with a bad line, a missing file and an
#    unknown option each give one line naming the cause, the worker exits
#    1, and the restart policy ends it in fatal, not a restart storm.
. "$(dirname "$0")/lib.sh"
need_dpdk_env
need_tap_env
need_nf_build_env

build_example firewall
fw=$T/firewall-src/firewall

cat >"$T/fw.rules" <<RULES
# first match wins
default deny
allow proto icmp src 198.18.0.1 dst 198.18.0.2/32
allow proto icmp src 198.18.0.2/32 dst 198.18.0.1
deny proto icmp dst 198.18.0.3
deny proto tcp dport 5202
allow proto tcp dst 198.18.0.0/24 dport 5200-5201
allow proto tcp src 198.18.0.2 sport 5200-5201
allow proto udp dport 5300
allow proto icmp6
RULES

RESTART="{backoff_ms: [10, 10], max_restarts: 1000, window_s: 1}" write_config "$T/mp.yaml" 2 \
	"  program: $fw
  args: [--rules, $T/fw.rules]"
sed -i "s|  args: \[--no-pci.*|  args: $TAP_ARGS|" "$T/mp.yaml"
start_master "$T/mp.yaml"
wait_until 30 all_running 2 || fail "firewall workers did not reach running"
setup_namespaces
[ "$(worker_field 0 program)" = firewall ] || fail "worker 0 runs $(worker_field 0 program)"
ip -n "$NS1" addr add 198.18.0.3/24 dev "${PREFIX}b"

counter() { jget /mp/workers "r[\"0\"][\"counters\"][\"$1\"] + r[\"1\"][\"counters\"][\"$1\"]"; }

# Pings, by rule.
ip netns exec "$NS0" ping -c 3 -i 0.2 -W 1 198.18.0.2 >"$T/ping" || fail "an allowed ping failed: $(cat "$T/ping")"
d0=$(counter denied)
! ip netns exec "$NS0" ping -c 2 -i 0.2 -W 1 198.18.0.3 >"$T/ping3" 2>&1 ||
	fail "a ping to a denied address passed"
[ "$(counter denied)" -gt "$d0" ] || fail "the denied ping is not counted"
log "ping 198.18.0.2 allowed, 198.18.0.3 denied; counters $(jget /mp/workers '[r[k]["counters"] for k in r]')"

# TCP: a server in NS1 answers on 5201 (allowed) and 5202 (denied).
ip netns exec "$NS1" "$PYTHON" -c '
import socket, threading
def serve(port):
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("198.18.0.2", port)); s.listen(8)
    while True:
        c, _ = s.accept(); c.sendall(b"hello %d\n" % port); c.close()
for p in (5201, 5202):
    threading.Thread(target=serve, args=(p,), daemon=True).start()
threading.Event().wait()
' &
STARTED_PIDS="$STARTED_PIDS $!"
wait_until 10 listening "$NS1" t 5202 || fail "the TCP server does not listen"
tcp_hello() {	# PORT: prints what the server said, or fails within 2 s
	ip netns exec "$NS0" "$PYTHON" -c '
import socket, sys
s = socket.create_connection(("198.18.0.2", int(sys.argv[1])), timeout=2)
print(s.recv(64).decode().strip())' "$1" 2>/dev/null
}
[ "$(tcp_hello 5201)" = "hello 5201" ] || fail "TCP to the allowed port 5201 did not pass"
d0=$(counter denied)
! tcp_hello 5202 >/dev/null || fail "TCP to the denied port 5202 passed"
[ "$(counter denied)" -gt "$d0" ] || fail "the denied SYNs are not counted"
[ "$(counter allowed)" -gt 0 ] || fail "nothing counted as allowed"
log "TCP 5201 allowed, 5202 denied; allowed $(counter allowed), denied $(counter denied)"

# 100 kills of worker 0 under traffic (a flood of allowed pings), each
# followed by its replacement: the heap must hold as much as before.
heap() {
	tel /eal/heap_info,0 | "$PYTHON" -c 'import json, sys; print(json.load(sys.stdin)["/eal/heap_info"]["Alloc_size"])'
}
ip netns exec "$NS0" ping -f -W 1 198.18.0.2 >/dev/null 2>&1 &
STARTED_PIDS="$STARTED_PIDS $!"
before=$(heap)
KILLS=${FIREWALL_KILLS:-100}
for k in $(seq 1 "$KILLS"); do
	pid=$(worker_field 0 pid)
	kill -KILL "$pid"
	wait_until 30 replaced 0 "$pid" || fail "kill $k: worker 0 was not replaced"
done
after=$(heap)
log "$KILLS kills of firewall worker 0: heap Alloc_size $before before, $after after; restarts $(worker_field 0 restarts)"
[ "$after" -le "$before" ] || fail "the heap grew by $((after - before)) bytes over $KILLS restarts"
[ "$(tcp_hello 5201)" = "hello 5201" ] || fail "TCP to 5201 after the kills"

# Bad input on worker 1 alone (a per-instance override): each ends fatal
# with one line naming the cause.
bad_input() {	# NAME WANT-IN-LOG ARGS-YAML
	local name=$1 want=$2 args=$3 lines
	sed -i "s|    - {id: 1, lcore: 3, cpu: \([0-9]*\).*|    - {id: 1, lcore: 3, cpu: \1, args: $args}|" "$T/mp.yaml"
	sed -i 's|^  restart: .*|  restart: {backoff_ms: [10, 40], max_restarts: 3, window_s: 60}|' "$T/mp.yaml"
	lines=$(grep -c "" "$T/master.log")
	kill -HUP "$MASTER_PID"
	wait_until 30 is_fatal 1 || fail "$name: worker 1 is $(worker_field 1 state), not fatal"
	tail -n +"$lines" "$T/master.log" | grep -qF -- "$want" ||
		fail "$name: no line \"$want\" in the log"
	[ "$(tail -n +"$lines" "$T/master.log" | grep -c "worker 1 .*spawned")" -le 4 ] ||
		fail "$name: more than max_restarts + 1 starts"
	log "$name: fatal after $(tail -n +"$lines" "$T/master.log" | grep -c "worker 1 .*spawned") starts: $(tail -n +"$lines" "$T/master.log" | grep -oF -- "$want" | head -1)"
}
printf 'default deny\nallow proto tcp dport 80\nallow proto tcp port 80\n' >"$T/bad.rules"
bad_input bad-line "firewall: $T/bad.rules:3: unknown keyword (proto, src, dst, sport, dport)" "[--rules, $T/bad.rules]"
bad_input missing-file "firewall: $T/absent.rules: cannot open: No such file or directory" "[--rules, $T/absent.rules]"
bad_input unknown-option 'firewall: unknown or incomplete argument "--frobnicate"' "[--frobnicate]"
# A reload with good rules again brings it back.
sed -i "s|    - {id: 1, lcore: 3, cpu: \([0-9]*\).*|    - {id: 1, lcore: 3, cpu: \1}|" "$T/mp.yaml"
kill -HUP "$MASTER_PID"
wait_until 30 all_running 2 || fail "worker 1 did not come back with good rules"
stop_master
log "PASS"
