#!/bin/bash
# `mpmaster -t` validates a config without touching DPDK: exit 0 for a good
# file, exit 1 with one FILE:LINE:COL line for a bad one.  Usage errors
# exit 1 too; -h/--help and -V/--version exit 0.
. "$(dirname "$0")/lib.sh"

expect_invalid() {	# NAME LINE:COL PHRASE, config on stdin
	local f="$T/$1.yaml" rc=0
	cat >"$f"
	timeout 10 "$MPMASTER" -t -c "$f" >"$T/out" 2>&1 || rc=$?
	[ "$rc" = 1 ] || fail "$1: exit $rc, want 1: $(cat "$T/out")"
	[ "$(wc -l <"$T/out")" = 1 ] || fail "$1: not one line: $(cat "$T/out")"
	! LC_ALL=C grep -q '[^[:print:]]' "$T/out" || fail "$1: not printable: $(cat -v "$T/out")"
	grep -q "^$f:$2: .*$3" "$T/out" || fail "$1: want '$f:$2: ...$3', got: $(cat "$T/out")"
	log "$1: $(cat "$T/out")"
}

# expect_refused NAME FILE MESSAGE: the file refused as a whole, in one
# line "FILE: MESSAGE", promptly (a FIFO must not block the check).
expect_refused() {
	local rc=0
	timeout 10 "$MPMASTER" -t -c "$2" >"$T/out" 2>&1 || rc=$?
	[ "$rc" = 1 ] || fail "$1: exit $rc, want 1: $(cat "$T/out")"
	[ "$(cat "$T/out")" = "$2: $3" ] || fail "$1: want '$2: $3', got: $(cat "$T/out")"
	log "$1: $(cat "$T/out")"
}

write_config "$T/good.yaml" 2
"$MPMASTER" -t -c "$T/good.yaml" >"$T/out" 2>&1 || fail "valid config refused: $(cat "$T/out")"
"$MPMASTER" -t -c "$top_srcdir/etc/mp.yaml" >"$T/out" 2>&1 || fail "etc/mp.yaml refused: $(cat "$T/out")"

expect_invalid unknown-key 3:3 'unknown key "file_prefx" in eal' <<'YAML'
eal:
  file_prefix: x
  file_prefx: y
workers:
  instances: [{id: 0, lcore: 2, cpu: 0}]
YAML

expect_invalid lcore-clash 5:22 'lcore 1 of worker 1 is already used by the distributor' <<'YAML'
distributor: {lcore: 1, cpu: 0}
workers:
  instances:
    - {id: 0, lcore: 2, cpu: 0}
    - {id: 1, lcore: 1, cpu: 0}
YAML

expect_invalid ring-size 2:14 'power of two' <<'YAML'
workers:
  ring_size: 1000
  instances: [{id: 0, lcore: 2, cpu: 0}]
YAML

expect_invalid missing-cpu 3:30 'CPU 999 does not exist' <<'YAML'
workers:
  instances:
    - {id: 0, lcore: 2, cpu: 999}
YAML

expect_invalid syntax 3:1 'did not find expected' <<'YAML'
workers:
  instances: [{id: 0, lcore: 2, cpu: 0}
YAML

expect_invalid empty-program 2:12 'workers.program must not be empty' <<'YAML'
workers:
  program: ""
  instances: [{id: 0, lcore: 2, cpu: 0}]
YAML

expect_invalid long-program 2:12 'workers.program is 5000 bytes long, at most 4095 are allowed' <<YAML
workers:
  program: /$(printf '%04999d' 0)
  instances: [{id: 0, lcore: 2, cpu: 0}]
YAML

expect_invalid deep 1:33 'nested deeper than 32 levels' <<<"$(head -c 1000000 /dev/zero | tr '\0' '[')"

expect_invalid nul 1:20 'contains a NUL character' <<'YAML'
eal: {file_prefix: "mp\0../../etc"}
workers:
  instances: [{id: 0, lcore: 2, cpu: 0}]
YAML

expect_invalid second-document 4:1 'only one YAML document is allowed' <<'YAML'
workers:
  instances: [{id: 0, lcore: 2, cpu: 0}]
...
--- [broken
YAML

expect_invalid escapes 1:1 'unknown key "a\\x1b\[2J\\x0ab"' <<'YAML'
"a\e[2J\nb": 1
workers:
  instances: [{id: 0, lcore: 2, cpu: 0}]
YAML

expect_invalid bad-utf8 2:13 'invalid leading UTF-8 octet' <<<"$(printf 'workers:\n  program: /\xff\n')"

expect_invalid eal-lcores 3:7 'eal.args: "-l0-3": the master sets the lcores (--lcores) itself; use eal.main_lcore' <<'YAML'
eal:
  args:
    - -l0-3
workers:
  instances: [{id: 0, lcore: 2, cpu: 0}]
YAML

expect_invalid eal-prefix 1:24 'the master sets --file-prefix itself; use eal.file_prefix' <<'YAML'
eal: {args: [--no-pci, --file-prefix, other]}
workers:
  instances: [{id: 0, lcore: 2, cpu: 0}]
YAML

mkfifo "$T/fifo.yaml"
expect_refused fifo "$T/fifo.yaml" 'not a regular file (a FIFO)'
mkdir "$T/dir.yaml"
expect_refused directory "$T/dir.yaml" 'is a directory'
{ cat "$T/good.yaml"; yes '# padding to more than 1 MiB' | head -c 1048576; } >"$T/big.yaml"
expect_refused big "$T/big.yaml" "larger than 1 MiB ($(stat -c %s "$T/big.yaml") bytes)"

rc=0
"$MPMASTER" -t -c "$T/absent.yaml" >"$T/out" 2>&1 || rc=$?
[ "$rc" = 1 ] || fail "missing file: exit $rc"
grep -q "^$T/absent.yaml: " "$T/out" || fail "missing file: $(cat "$T/out")"

rc=0
"$MPMASTER" -x >"$T/out" 2>&1 || rc=$?
[ "$rc" = 1 ] || fail "bad option: exit $rc"
# -h and --help, -V and --version: exit 0, the same output.
for opt in -h --help -V --version; do
	"$MPMASTER" $opt >"$T/$opt.out" 2>&1 || fail "$opt: exit $?: $(cat "$T/$opt.out")"
done
grep -q '^Usage: mpmaster' "$T/-h.out" || fail "-h: $(cat "$T/-h.out")"
cmp -s "$T/-h.out" "$T/--help.out" || fail "--help differs from -h: $(cat "$T/--help.out")"
grep -q -- '--version' "$T/-h.out" || fail "-h does not mention --version"
grep -Eq '^mpmaster [0-9][^ ]* \(DPDK [0-9]+\.[0-9]+' "$T/-V.out" || fail "-V: $(cat "$T/-V.out")"
cmp -s "$T/-V.out" "$T/--version.out" || fail "--version differs from -V: $(cat "$T/--version.out")"
[ "$(grep -o DPDK "$T/-V.out" | wc -l)" = 1 ] || fail "-V names DPDK more than once: $(cat "$T/-V.out")"
log "version: $(cat "$T/-V.out")"
log "PASS"
