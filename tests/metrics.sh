#!/bin/bash
# GET /metrics: the Prometheus text format that promtool accepts, every
# family of SPEC.md with a line per configured worker, label values
# escaped; a real Prometheus scrapes it and sees every worker's rx grow;
# other paths 404, other methods 405; a metrics.listen that cannot be
# bound stops the start with exit 2 and one line.
. "$(dirname "$0")/lib.sh"
need_dpdk_env
for tool in promtool prometheus curl; do
	command -v "$tool" >/dev/null || skip "needs $tool (scripts/quickstart installs it)"
done

# A port free on the loopback now (the kernel's choice).
free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Worker 1 runs the tests' NF (tests/nf/tiny_nf.c: counters seen, dropped,
# misrouted), built against this build tree's libmpworker, under a file
# name a label must escape.
command -v cc >/dev/null || skip "needs a C compiler"
mkdir -p "$T/bin"
odd='w"q\x'
# shellcheck disable=SC2046
cc -O2 "$top_srcdir/tests/nf/tiny_nf.c" -o "$T/bin/$odd" \
	$(pkg-config --define-variable=libdir="$top_builddir/src/worker" \
		--define-variable=includedir="$top_srcdir/src/worker" \
		--cflags --libs "$top_builddir/libmpworker.pc") >"$T/cc.log" 2>&1 ||
	fail "building tests/nf/tiny_nf.c failed: $(tail -5 "$T/cc.log")"
PORT=$(free_port)
write_config "$T/mp.yaml" 2
python3 -c '
import sys
f, prog = sys.argv[1], sys.argv[2]
lines = open(f).read().split("\n")
lines = [l[:-1] + ", program: '"'"'%s'"'"'}" % prog if l.startswith("    - {id: 1,") else l
         for l in lines]
open(f, "w").write("\n".join(lines))' "$T/mp.yaml" "$T/bin/$odd"
echo "metrics: {listen: \"127.0.0.1:$PORT\"}" >>"$T/mp.yaml"
start_master "$T/mp.yaml"
wait_until 90 all_running 2 || fail "workers did not reach running"
URL=http://127.0.0.1:$PORT/metrics

# scrape FILE [CURL ARGS...]: the body into FILE, "CODE CONTENT-TYPE" out.
scrape() {
	local out=$1
	shift
	curl -sS --max-time 20 -o "$out" -w '%{http_code} %{content_type}' "$@" "$URL"
}

got=$(scrape "$T/m1") || fail "GET /metrics failed"
[ "$got" = "200 text/plain; version=0.0.4; charset=utf-8" ] || fail "GET /metrics: $got"

# promtool: the page parses, and its linter finds nothing but two names
# SPEC.md fixes: a gauge named *_count (the linter keeps the suffix for
# histograms and summaries) and a counter with "counter" in its name.
rc=0
promtool check metrics <"$T/m1" >"$T/lint" 2>&1 || rc=$?
grep -v -e '^mp_worker_ring_count non-histogram and non-summary metrics should not have "_count" suffix$' \
	-e "^mp_worker_nf_counter_total metric name should not include type 'counter'$" \
	"$T/lint" >"$T/lint.other" || true
if [ "$rc" != 0 ] && { [ "$rc" != 3 ] || [ -s "$T/lint.other" ]; }; then
	fail "promtool check metrics exited $rc: $(cat "$T/lint")"
fi
log "promtool check metrics: exit $rc, $(wc -l <"$T/lint") lint line(s), none avoidable"

# Every family has HELP and TYPE, and the per-worker ones a line per worker.
for f in mp_worker_up mp_worker_state mp_worker_restarts_total mp_worker_rx_packets_total \
	mp_worker_tx_packets_total mp_worker_drops_total mp_worker_heartbeat_age_seconds \
	mp_worker_ring_count mp_worker_nf_counter_total mp_port_rx_packets_total \
	mp_port_tx_packets_total mp_port_missed_packets_total mp_port_errors_total \
	mp_port_link_up mp_port_link_speed_bps \
	mp_distributor_enqueued_total mp_distributor_dropped_total \
	mp_distributor_redistributed_total mp_mempool_in_use mp_mempool_free \
	mp_config_generation mp_build_info; do
	grep -q "^# HELP $f " "$T/m1" || fail "no HELP for $f"
	grep -q "^# TYPE $f \(counter\|gauge\)$" "$T/m1" || fail "no TYPE for $f"
done
for f in mp_worker_restarts_total mp_worker_rx_packets_total mp_worker_tx_packets_total \
	mp_worker_drops_total mp_worker_heartbeat_age_seconds mp_worker_ring_count; do
	for i in 0 1; do
		grep -Eq "^$f\{id=\"$i\"\} [0-9.]+$" "$T/m1" || fail "no $f line for worker $i"
	done
	[ "$(grep -c "^$f{" "$T/m1")" = 2 ] || fail "$f: not one line per worker"
done
grep -qx 'mp_worker_up{id="0",program="mpworker"} 1' "$T/m1" || fail "mp_worker_up of worker 0"
grep -qxF 'mp_worker_up{id="1",program="w\"q\\x"} 1' "$T/m1" ||
	fail "mp_worker_up of worker 1 (escaped program name): $(grep 'mp_worker_up{id="1"' "$T/m1")"
# The NF's counters, worker 1's only, the ones that count what arrives
# above 0 (they are read from the slot, as /mp/workers reads them).
[ "$(grep -c '^mp_worker_nf_counter_total{' "$T/m1")" = 3 ] ||
	fail "not 3 NF counter lines: $(grep '^mp_worker_nf_counter_total{' "$T/m1")"
for c in seen dropped misrouted; do
	grep -Eq "^mp_worker_nf_counter_total\{id=\"1\",name=\"$c\"\} [1-9][0-9]*$" "$T/m1" ||
		fail "NF counter $c of worker 1: $(grep "name=\"$c\"" "$T/m1")"
done
# One line per state name, 1 for running only.
for i in 0 1; do
	[ "$(grep -c "^mp_worker_state{id=\"$i\"," "$T/m1")" = 7 ] || fail "worker $i: not 7 state lines"
	[ "$(grep "^mp_worker_state{id=\"$i\"," "$T/m1" | grep -c ' 1$')" = 1 ] ||
		fail "worker $i: not exactly one current state"
	grep -qx "mp_worker_state{id=\"$i\",state=\"running\"} 1" "$T/m1" || fail "worker $i not running in /metrics"
done
for p in 0 1; do
	grep -Eq "^mp_port_rx_packets_total\{port=\"$p\"\} [0-9]+$" "$T/m1" || fail "no rx line of port $p"
	for d in rx tx; do
		grep -Eq "^mp_port_errors_total\{port=\"$p\",direction=\"$d\"\} [0-9]+$" "$T/m1" ||
			fail "no $d errors line of port $p"
	done
	# net_null's link is up at 10 Gbps.
	grep -qx "mp_port_link_up{port=\"$p\"} 1" "$T/m1" || fail "port $p: link not up in /metrics"
	grep -qx "mp_port_link_speed_bps{port=\"$p\"} 10000000000" "$T/m1" ||
		fail "port $p: link speed: $(grep "^mp_port_link_speed_bps{port=\"$p\"}" "$T/m1")"
done
grep -qx 'mp_config_generation 1' "$T/m1" || fail "mp_config_generation"
version=$("$MPMASTER" -V | sed -n 's/^mpmaster \([^ ]*\) (\(DPDK \)*\(.*\))$/\1 \3/p')
grep -qx "mp_build_info{version=\"${version% *}\",dpdk=\"${version#* }\"} 1" "$T/m1" ||
	fail "mp_build_info: $(grep '^mp_build_info' "$T/m1"), -V says $version"
# Figures that move: the distributor enqueues, the mempool has mbufs out.
val() { awk -v k="$1" '$1 == k {print $2}' "$T/m1"; }
[ "$(val mp_distributor_enqueued_total)" -gt 0 ] || fail "mp_distributor_enqueued_total is 0"
[ "$(val mp_mempool_in_use)" -gt 0 ] || fail "mp_mempool_in_use is 0 under traffic"
[ $(($(val mp_mempool_in_use) + $(val mp_mempool_free))) -le 8191 ] || fail "mempool in_use + free > size"

# HEAD: the headers of GET, no body.  Another path: 404.  Another method: 405.
got=$(scrape "$T/head" -I) || fail "HEAD /metrics failed"
[ "${got%% *}" = 200 ] || fail "HEAD /metrics: $got"
grep -qi '^content-type: text/plain; version=0.0.4; charset=utf-8' "$T/head" || fail "HEAD: no content type"
code=$(curl -sS --max-time 20 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/") || fail "GET / failed"
[ "$code" = 404 ] || fail "GET / answered $code"
code=$(curl -sS --max-time 20 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/metrics/x") || fail "GET /metrics/x failed"
[ "$code" = 404 ] || fail "GET /metrics/x answered $code"
got=$(scrape "$T/post" -X POST -d 'x=1' -D "$T/post.h") || fail "POST /metrics failed"
[ "${got%% *}" = 405 ] || fail "POST /metrics answered $got"
grep -qi '^allow: GET, HEAD' "$T/post.h" || fail "405 without Allow: $(cat "$T/post.h")"
code=$(curl -sS --max-time 20 -o /dev/null -w '%{http_code}' -X DELETE "$URL") || fail "DELETE failed"
[ "$code" = 405 ] || fail "DELETE /metrics answered $code"

# A real Prometheus, on its own port and data directory, scraping every 1 s.
PROM_PORT=$(free_port)
cat >"$T/prom.yml" <<YAML
global:
  scrape_interval: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: mpmaster
    static_configs:
      - targets: ["127.0.0.1:$PORT"]
YAML
promtool check config "$T/prom.yml" >/dev/null || fail "promtool rejects the test's prom.yml"
prometheus --config.file="$T/prom.yml" --storage.tsdb.path="$T/prom-data" \
	--web.listen-address="127.0.0.1:$PROM_PORT" >"$T/prom.log" 2>&1 &
STARTED_PIDS="$STARTED_PIDS $!"
PROM_PID=$!

# query_rx: "id=value ..." of mp_worker_rx_packets_total as Prometheus has
# it, one per configured worker, or fail.
query_rx() {
	curl -sS --max-time 10 "http://127.0.0.1:$PROM_PORT/api/v1/query?query=mp_worker_rx_packets_total" |
		python3 -c '
import json, sys
r = json.load(sys.stdin)
assert r["status"] == "success", r
v = {s["metric"]["id"]: int(float(s["value"][1])) for s in r["data"]["result"]}
assert sorted(v) == ["0", "1"], v
print(" ".join("%s=%d" % kv for kv in sorted(v.items())))' 2>/dev/null
}
wait_until 120 query_rx || fail "Prometheus has no sample of every worker: $(tail -5 "$T/prom.log")"
first=$(query_rx)
# grown FIRST: every worker's value in Prometheus is above the one in FIRST.
grown() {
	local now kv v
	now=$(query_rx) || return 1
	for kv in $1; do
		case " $now " in *" ${kv%=*}="*) ;; *) return 1 ;; esac
		v=${now#*"${kv%=*}="}
		[ "${v%% *}" -gt "${kv#*=}" ] || return 1
	done
}
wait_until 60 grown "$first" || fail "rx in Prometheus did not grow for every worker: $first, then $(query_rx)"
log "Prometheus scraped: $first, then $(query_rx)"
up=$(curl -sS --max-time 10 "http://127.0.0.1:$PROM_PORT/api/v1/query?query=up" |
	python3 -c 'import json, sys; print(json.load(sys.stdin)["data"]["result"][0]["value"][1])')
[ "$up" = 1 ] || fail "Prometheus's up for the master is $up"
kill -TERM "$PROM_PID"
wait "$PROM_PID" 2>/dev/null || true

# A reload replaces the config the page is rendered from: still served on
# the same address, the generation counted.
kill -HUP "$MASTER_PID"
wait_until 60 grep -q 'reload applied: generation 2' "$T/master.log" || fail "reload not applied"
got=$(scrape "$T/m2") || fail "GET /metrics after the reload failed"
[ "${got%% *}" = 200 ] || fail "GET /metrics after the reload: $got"
grep -qx 'mp_config_generation 2' "$T/m2" || fail "mp_config_generation after the reload: $(grep generation "$T/m2")"
stop_master

# metrics.listen that cannot be bound: a port in use, an address that is
# not this machine's.  Exit 2, one error line naming metrics.listen.
"$PYTHON" -c '
import socket, sys, time
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen()
print(s.getsockname()[1], flush=True)
time.sleep(600)' >"$T/busy.port" &
STARTED_PIDS="$STARTED_PIDS $!"
wait_until 10 test -s "$T/busy.port" || fail "the port holder did not start"
busy=$(cat "$T/busy.port")
for listen in "127.0.0.1:$busy" "192.0.2.1:$(free_port)"; do
	write_config "$T/bad.yaml" 2
	echo "metrics: {listen: \"$listen\"}" >>"$T/bad.yaml"
	rc=0
	"$MPMASTER" -c "$T/bad.yaml" >"$T/bad.log" 2>&1 || rc=$?
	[ "$rc" = 2 ] || fail "metrics.listen $listen: exit $rc, not 2: $(cat "$T/bad.log")"
	grep ': error: ' "$T/bad.log" >"$T/bad.err" || true
	[ "$(wc -l <"$T/bad.err")" = 1 ] || fail "metrics.listen $listen: not one error line: $(cat "$T/bad.err")"
	grep -q "error: metrics.listen $listen: cannot serve /metrics: .*\(in use\|assign requested address\)" \
		"$T/bad.err" || fail "metrics.listen $listen: unclear error: $(cat "$T/bad.err")"
	[ -z "$(worker_pids_all)" ] || fail "workers left after the failed start"
	[ ! -e "/var/run/dpdk/$PREFIX" ] || fail "runtime dir left after the failed start"
	log "$(sed 's/^.*error: //' "$T/bad.err")"
done
log "PASS"
