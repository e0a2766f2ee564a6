#!/bin/bash
# /metrics under abuse, while net_null traffic runs: a client trickling a
# byte a second, a request whose headers never end, garbage requests and
# 1,000 connections at once.  The server answers or closes every one, its
# memory stays bounded, a normal scrape still answers, the data path keeps
# forwarding, and a worker SIGKILLed meanwhile is restarted: the loop that
# serves HTTP is the loop that supervises, and it is never stalled.
. "$(dirname "$0")/lib.sh"
need_dpdk_env
command -v curl >/dev/null || skip "needs curl (scripts/quickstart installs it)"
ABUSE=$top_srcdir/tests/metrics_abuse.py

# Under ASan, freed memory waits in a quarantine of up to 256 MiB before it
# is reused, which would count as growth here: keep it small, so that the
# bound on resident memory below means the same in both builds.
export ASAN_OPTIONS="$ASAN_OPTIONS:quarantine_size_mb=8"

PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
RESTART="{backoff_ms: [10, 10], max_restarts: 100000, window_s: 1}" write_config "$T/mp.yaml" 2
echo "metrics: {listen: \"127.0.0.1:$PORT\"}" >>"$T/mp.yaml"
start_master "$T/mp.yaml"
wait_until 90 all_running 2 || fail "workers did not reach running"
URL=http://127.0.0.1:$PORT/metrics

scrape_ok() {
	[ "$(curl -sS --max-time 20 -o "$T/page" -w '%{http_code}' "$URL" 2>/dev/null)" = 200 ] &&
		grep -q '^mp_worker_up{id="1",' "$T/page"
}
rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$MASTER_PID/status"; }
# rss_below KB: the master's resident memory is below KB.
rss_below() { [ "$(rss_kb)" -lt "$1" ]; }
# done_file FILE: a background client has printed its result line.
done_file() { [ -s "$1" ]; }

wait_until 60 scrape_ok || fail "no scrape before the abuse"
rss0=$(rss_kb)
limit=$((rss0 + 32 * 1024))
log "master VmRSS before: $rss0 kB"

# A slowloris client, one byte a second for up to 5 minutes.
"$PYTHON" "$ABUSE" "$PORT" slowloris 300 >"$T/slow.out" 2>"$T/slow.err" &
SLOW_PID=$!
STARTED_PIDS="$STARTED_PIDS $SLOW_PID"
wait_until 30 grep -q connected "$T/slow.err" || fail "the slowloris client did not connect"
wait_until 60 scrape_ok || fail "a scrape does not answer while a client trickles bytes"

# Header lines without end: an error or a close, and memory bounded.
"$PYTHON" "$ABUSE" "$PORT" headers >"$T/headers.out" 2>&1 &
STARTED_PIDS="$STARTED_PIDS $!"
wait_until 120 done_file "$T/headers.out" || fail "the endless-headers client did not finish"
grep -q '"outcome": "\(answered\|closed\)"' "$T/headers.out" ||
	fail "endless headers: $(cat "$T/headers.out")"
log "endless headers: $(cat "$T/headers.out")"
rss_below "$limit" || fail "master VmRSS $(rss_kb) kB after endless headers, $rss0 kB before"

# Garbage: each gets an answer or a close.
"$PYTHON" "$ABUSE" "$PORT" garbage >"$T/garbage.out" 2>&1 ||
	fail "garbage requests: $(cat "$T/garbage.out")"
log "garbage: $(cat "$T/garbage.out")"
master_alive || fail "the master died of garbage requests"
wait_until 60 scrape_ok || fail "no scrape after the garbage requests"

# 1,000 connections at once.  Meanwhile the pipeline forwards and a worker
# killed is replaced.
"$PYTHON" "$ABUSE" "$PORT" flood 1000 >"$T/flood.out" 2>&1 &
FLOOD_PID=$!
STARTED_PIDS="$STARTED_PIDS $FLOOD_PID"
expect_forwarding 2 "during the connection flood"
pid=$(worker_field 0 pid)
kill -KILL "$pid"
wait_until 60 replaced 0 "$pid" || fail "worker 0 (pid $pid, SIGKILLed) was not replaced during the flood"
newpid=$(worker_field 0 pid)
wait_until 10 running "$newpid" || fail "worker 0's new pid $newpid is not running"
log "worker 0 killed during the flood (pid $pid), running again as pid $newpid"
wait_until 60 done_file "$T/flood.out" || fail "the flood client did not finish"
wait "$FLOOD_PID" || fail "flood: $(cat "$T/flood.out")"
log "flood: $(cat "$T/flood.out")"
grep -q '"answered": [1-9]' "$T/flood.out" || fail "no connection of the flood was answered"
expect_forwarding 2 "after the connection flood"

# Still serving, the slowloris client still held, memory still bounded.
wait_until 60 scrape_ok || fail "no scrape after the flood"
running "$SLOW_PID" || fail "the slowloris client ended early: $(cat "$T/slow.out")"
rss_below "$limit" || fail "master VmRSS $(rss_kb) kB after the abuse, $rss0 kB before"
log "master VmRSS after the abuse: $(rss_kb) kB"
grep -q '^mp_worker_restarts_total{id="0"} [1-9]' "$T/page" || fail "the restart is not in /metrics"
# The stop ends the loop with a client still connected.
stop_master
kill -TERM "$SLOW_PID"
wait "$SLOW_PID" 2>/dev/null || true
log "PASS"
