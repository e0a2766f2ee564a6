# Shared helpers of the integration tests: sourced, not run.
#
# Every test gets its own DPDK file prefix, pid file and temporary
# directory, starts the real mpmaster with virtual ports only (--no-pci,
# net_null), and cleans up its processes (by pid), runtime directory and
# hugepage files on every exit path.

set -eu

top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
. "$top_srcdir/scripts/topology.sh"
MPMASTER=$top_builddir/mpmaster
MPCTL=$top_builddir/mpctl
NCPU=$(nproc)

T=$(mktemp -d "${TMPDIR:-/tmp}/mptest.XXXXXX")
PREFIX=mpt$$
MASTER_PID=
STARTED_PIDS=
NAMESPACES=

log() { printf '%s: %s\n' "$(basename "$0")" "$*"; }

# Print the master's log and fail the test.
fail() {
	log "FAIL: $*"
	if [ -f "$T/master.log" ]; then
		echo "--- master log (last 60 lines) ---"
		tail -n 60 "$T/master.log"
	fi
	exit 1
}

# Automake's exit code for a test that cannot run here.  In CI nothing may
# skip: a missing prerequisite is a hard error (99) there.
skip() {
	log "SKIP: $*"
	if [ "${CI:-}" = true ]; then exit 99; fi
	exit 77
}

cleanup() {
	local pid
	for pid in $MASTER_PID $STARTED_PIDS; do
		kill -KILL "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
	# Workers of a killed master exit on their own (parent-death signal).
	for pid in $(worker_pids_all); do
		kill -KILL "$pid" 2>/dev/null || true
	done
	# shellcheck disable=SC2086
	topology_down $NAMESPACES
	topology_links_down "$PREFIX"
	rm -rf "/var/run/dpdk/$PREFIX"
	rm -f /dev/hugepages/"${PREFIX}"map_* 2>/dev/null || true
	rm -rf "$T"
}
trap cleanup EXIT

need_dpdk_env() {
	[ "$(id -u)" = 0 ] || skip "needs root for hugepages"
	local free
	free=$(awk '/HugePages_Free/ {print $2}' /proc/meminfo)
	[ "${free:-0}" -ge 64 ] || skip "needs at least 64 free hugepages (have ${free:-0})"
	command -v dpdk-telemetry.py >/dev/null || skip "needs dpdk-telemetry.py"
}

# write_config FILE NWORKERS [EXTRA_WORKER_YAML]; $RESTART replaces the
# workers.restart mapping.
# A config with net_null ports and NWORKERS adaptive workers spread over
# the CPUs; lcore ids are unique (0 main, 1 distributor, 2.. workers).
write_config() {
	local file=$1 n=$2 i
	cat >"$file" <<YAML
eal:
  file_prefix: $PREFIX
  main_lcore: 0
  main_cpu: 0
  memory_mb: 128
  args: [--no-pci, --vdev=net_null0, --vdev=net_null1]
pid_file: $T/mpmaster.pid
ports: [0, 1]
mempool:
  mbufs: 8191
  cache: 128
distributor:
  lcore: 1
  cpu: 0
workers:
  ring_size: 1024
  poll: adaptive
  restart: ${RESTART:-{backoff_ms: [10, 1000]\}}
  stop_timeout_ms: 2000
${3:-}
  instances:
YAML
	for i in $(seq 0 $((n - 1))); do
		echo "    - {id: $i, lcore: $((i + 2)), cpu: $(((i + 1) % NCPU))}" >>"$file"
	done
	echo "stats: {interval_s: 1}" >>"$file"
	echo "control: {socket: $T/mpmaster.sock}" >>"$file"
}

start_master() {
	"$MPMASTER" -c "$1" >>"$T/master.log" 2>&1 &
	MASTER_PID=$!
}

# wait_until TIMEOUT_S COMMAND...: poll every 0.1 s.
wait_until() {
	local deadline=$(($(date +%s) + $1))
	shift
	while ! "$@"; do
		[ "$(date +%s)" -lt "$deadline" ] || return 1
		sleep 0.1
	done
}

# The system interpreter rather than whatever python3 comes first on PATH:
# a version manager's shim there (pyenv's) costs 0.3-1.5 s a call, and the
# tests query telemetry hundreds of times.
PYTHON=/usr/bin/python3
[ -x "$PYTHON" ] || PYTHON=python3
# In the background run "$PYTHON" itself (or exec it): `python3 ... &` forks
# a subshell for the function, $! is the subshell's pid, and killing that
# leaves the interpreter running after the test.
python3() { "$PYTHON" "$@"; }

# tel COMMAND: the JSON reply of the master's telemetry, via the stock client.
tel() {
	echo "$1" | python3 "$(command -v dpdk-telemetry.py)" -f "$PREFIX" 2>/dev/null | tail -n 1
}

# jget COMMAND PYEXPR: evaluate PYEXPR over the reply (bound to r).
jget() {
	tel "$1" | python3 -c '
import json, sys
try:
    d = json.loads(sys.stdin.read())
except ValueError:
    sys.exit(1)
r = d[sys.argv[1].split(",")[0]]    # "/ethdev/stats,0" answers "/ethdev/stats"
print(eval(sys.argv[2]))' "$1" "$2"
}

worker_field() { jget /mp/workers "r[\"$1\"][\"$2\"]"; }

# worker_counter ID NAME: the NF counter NAME of worker ID, -1 if it has none.
worker_counter() { jget /mp/workers "r[\"$1\"][\"counters\"].get(\"$2\", -1)"; }

# is_fatal [ID]: worker ID (default 0) is in state fatal.
is_fatal() { [ "$(worker_field "${1:-0}" state 2>/dev/null)" = fatal ]; }

all_running() {
	local n=$1 i
	for i in $(seq 0 $((n - 1))); do
		[ "$(worker_field "$i" state 2>/dev/null)" = running ] || return 1
	done
}

# A master with N workers, each restarted 10 ms after every exit without
# limit, for tests that kill workers over and over; returns once all run.
start_master_fast_restart() {
	RESTART="{backoff_ms: [10, 10], max_restarts: 100000, window_s: 1}" \
		write_config "$T/mp.yaml" "$1"
	start_master "$T/mp.yaml"
	wait_until 30 all_running "$1" || fail "workers did not reach running"
}

# above N COMMAND...: COMMAND prints a number greater than N.
above() {
	local n=$1 v
	shift
	v=$("$@" 2>/dev/null) && [ "$v" -gt "$n" ] 2>/dev/null
}

# expect_forwarding N WHEN: fail unless the rx count of each of workers
# 0..N-1 grows within 10 s; WHEN ends the failure message.
expect_forwarding() {
	local i a
	for i in $(seq 0 $(($1 - 1))); do
		a=$(worker_field "$i" rx)
		wait_until 10 above "$a" worker_field "$i" rx ||
			fail "worker $i does not forward $2 (rx stayed at $a for 10 s)"
	done
}

# Pids of every mpworker process of this test's prefix.
worker_pids_all() {
	pgrep -f -- "mpworker .*--file-prefix=$PREFIX( |$)" 2>/dev/null || true
}

master_alive() { kill -0 "$MASTER_PID" 2>/dev/null; }

# Crashes must be real signals, not sanitizer reports turned into exit 1.
export ASAN_OPTIONS="handle_segv=0:handle_abort=0${ASAN_OPTIONS:+:$ASAN_OPTIONS}"

# Zombie children of the master (exited but not reaped): there must be none.
zombies() {
	ps --ppid "$MASTER_PID" -o stat= 2>/dev/null | grep -c '^Z' || true
}

no_zombies() { [ "$(zombies)" = 0 ]; }

# Wait until worker ID runs in a process other than OLD_PID.
replaced() {
	local pid
	pid=$(worker_field "$1" pid 2>/dev/null) || return 1
	[ "$pid" != "$2" ] && [ "$pid" != 0 ] && [ "$(worker_field "$1" state)" = running ]
}

stop_master() {
	kill -TERM "$MASTER_PID"
	wait "$MASTER_PID" || fail "master exited $? after SIGTERM"
	MASTER_PID=
	[ -z "$(worker_pids_all)" ] || fail "workers left: $(worker_pids_all)"
	expect_exact_audit
}

# The mempool audit the master logged at its last stop (in $MASTER_LOG if
# the test sets log_file): no mbuf freed twice, and exactly as many
# missing as its crash recoveries counted.
expect_exact_audit() {
	local audit re
	audit=$(grep -o 'mempool audit: .*' "${MASTER_LOG:-$T/master.log}" | tail -n 1) ||
		fail "no mempool audit line"
	re='^mempool audit: ([0-9]+) mbufs: ([0-9]+) home, ([0-9]+) duplicated, ([0-9]+) missing \(([0-9]+) leaked by crashes\)$'
	[[ $audit =~ $re ]] || fail "the mempool audit is not exact: $audit"
	[ "${BASH_REMATCH[3]}" = 0 ] || fail "mbufs freed twice: $audit"
	[ "${BASH_REMATCH[4]}" = "${BASH_REMATCH[5]}" ] || fail "mbufs lost uncounted: $audit"
	[ $((BASH_REMATCH[2] + BASH_REMATCH[4])) = "${BASH_REMATCH[1]}" ] ||
		fail "the audit does not add up: $audit"
	log "$audit"
}

# The traffic topology (scripts/topology.sh) under this test's prefix:
# TOPOLOGY=af_packet runs a test written for it on AF_PACKET ports.
TOPOLOGY=${TOPOLOGY:-tap}
TAP_ARGS=$(topology_eal_args "$PREFIX" "$TOPOLOGY")
NS0=${PREFIX}n0
NS1=${PREFIX}n1

# kill_at NAME ID WANT GDB-COMMANDS...: attach gdb to worker ID, run the
# commands (which stop it where wanted), SIGKILL it there, wait for its
# replacement and for workers 0 and 1 to forward again.  Unless WANT is
# empty, the master's account of the burst it died in must match that
# regular expression.
kill_at() {
	local name=$1 id=$2 want=$3 pid args=() c died
	shift 3
	pid=$(worker_field "$id" pid)
	for c in "$@"; do args+=(-ex "$c"); done
	timeout 120 gdb -q -batch -p "$pid" "${args[@]}" -ex kill \
		>"$T/gdb-$name.log" 2>&1 || true
	grep -qE "^(Breakpoint|Temporary breakpoint|Thread .* hit (Temporary breakpoint|Breakpoint|Hardware watchpoint)|Hardware watchpoint .*: |Run till exit)" "$T/gdb-$name.log" ||
		fail "$name: gdb did not stop worker $id where asked: $(tail -5 "$T/gdb-$name.log")"
	wait_until 30 replaced "$id" "$pid" ||
		fail "$name: worker $id was not replaced; gdb: $(tail -5 "$T/gdb-$name.log")"
	expect_forwarding 2 "after the kill $name"
	died=$(grep "worker $id (pid $pid)" "$T/master.log" | grep -o 'died .*' | tail -1 || true)
	log "$name: worker $id (pid $pid) killed and replaced; $died"
	[ -z "$want" ] || echo "$died" | grep -qE "$want" ||
		fail "$name: the master's account \"$died\" is not /$want/"
}

# queue_drops, rcvbuf_drops: packets the kernels dropped outside the
# pipeline since the namespaces were made: in the queue of NS0's interface
# towards the master (the distributor did not run for a while: on a loaded
# VM the kernel can hold its CPU for a second), and in the receiving
# sockets' buffers in NS1.  The pipeline's own drops are its counters.
queue_drops() {
	local dev=${PREFIX}a
	[ "$TOPOLOGY" = af_packet ] && dev=${PREFIX}A
	ip -n "$NS0" -s -j link show dev "$dev" |
		"$PYTHON" -c 'import json,sys; print(json.load(sys.stdin)[0]["stats64"]["tx"]["dropped"])'
}
rcvbuf_drops() { ip netns exec "$NS1" awk '/^Udp:/ { if (h) print $6; h = 1 }' /proc/net/snmp; }
outside_losses() { echo $(($(queue_drops) + $(rcvbuf_drops))); }

# listening NS PROTO PORT: a socket in namespace NS listens on PORT; PROTO
# is t (TCP) or u (UDP).
listening() {
	[ -n "$(ip netns exec "$1" ss -Hl"$2"n "sport = :$3" 2>/dev/null)" ]
}

# running PID: PID is a live process, neither gone nor a zombie.
running() {
	local s
	s=$(ps -o stat= -p "$1" 2>/dev/null) && [ "${s#Z}" = "$s" ]
}

need_tap_env() {
	command -v ip >/dev/null || skip "needs iproute2"
	command -v iperf3 >/dev/null || skip "needs iperf3"
	command -v ping >/dev/null || skip "needs ping"
	command -v ss >/dev/null || skip "needs ss"
	[ "$TOPOLOGY" != af_packet ] || command -v ethtool >/dev/null || skip "needs ethtool"
}

# start_tap_master NWORKERS: the master on the tap topology with NWORKERS
# running workers, namespaces set up and ping passing.
start_tap_master() {
	write_config "$T/mp.yaml" "$1"
	sed -i "s|  args: \[--no-pci.*|  args: $TAP_ARGS|" "$T/mp.yaml"
	topology_links "$PREFIX" "$TOPOLOGY" 2>"$T/topology" || fail "$(cat "$T/topology")"
	start_master "$T/mp.yaml"
	wait_until 30 all_running "$1" || fail "workers did not reach running"
	setup_namespaces
}

# Move the master's tap interfaces into fresh namespaces and address them.
setup_namespaces() {
	NAMESPACES="$NS0 $NS1"
	topology_up "$PREFIX" "$NS0" "$NS1" "$TOPOLOGY" 2>"$T/topology" || fail "$(cat "$T/topology")"
}

# Network functions are built as users build them: against the tree that
# make check installed into $install_root, with pkg-config only.
need_nf_build_env() {
	command -v cc >/dev/null || skip "needs a C compiler"
	command -v pkg-config >/dev/null || skip "needs pkg-config"
	[ -n "${install_root:-}" ] && [ -f "$install_root$mp_libdir/pkgconfig/libmpworker.pc" ] ||
		skip "needs the installed tree (make check installs it into tests/install)"
}

# pkg-config ARGS...: of the installed libmpworker; --define-prefix finds
# the prefix from where the .pc file lies (DESTDIR).
nf_pkg_config() {
	PKG_CONFIG_PATH="$install_root$mp_libdir/pkgconfig" pkg-config --define-prefix "$@"
}

# build_example NAME: copy examples/NAME into $T/NAME-src and build it there
# with its own Makefile against the installed library: the program is
# $T/NAME-src/NAME.
# (-B: an in-tree build leaves binaries in examples/, which must not be
# taken for this build's.)
build_example() {
	cp -r "$top_srcdir/examples/$1" "$T/$1-src" && chmod -R u+w "$T/$1-src" ||
		fail "cannot copy examples/$1"
	PKG_CONFIG_PATH="$install_root$mp_libdir/pkgconfig" \
		make -s -B -C "$T/$1-src" PKGCONF="pkg-config --define-prefix" >"$T/make.log" 2>&1 ||
		fail "make in examples/$1 failed: $(tail -5 "$T/make.log")"
}

# nf_build SOURCE OUTPUT: cc SOURCE -o OUTPUT $(pkg-config --cflags --libs libmpworker)
nf_build() {
	# shellcheck disable=SC2046
	cc -O2 "$1" -o "$2" $(nf_pkg_config --cflags --libs libmpworker) >"$T/cc.log" 2>&1 ||
		fail "building $(basename "$1") against the installed library failed: $(tail -5 "$T/cc.log")"
}
