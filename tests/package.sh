#!/bin/bash
# The Debian package, as users receive it: built from a copy of the tree
# (dpkg-buildpackage -b, without rerunning the suite), lintian-clean at
# warning level, installed with dpkg -i (and purged at the end), its
# files where they belong, /etc/mpmaster/mp.yaml a conffile that the
# installed mpmaster -t accepts; the installed binaries run the installed
# config (with this test's file prefix, pid file and socket: tests never
# share a prefix) until the workers run and mpctl says so; systemd-analyze
# verify accepts the installed unit; an NF builds against the installed
# libmpworker-dev with pkg-config only.
. "$(dirname "$0")/lib.sh"
need_dpdk_env
for tool in dpkg-buildpackage dh lintian systemd-analyze; do
	command -v "$tool" >/dev/null || skip "needs $tool"
done
PACKAGES="mpmaster libmpworker-dev"
for p in $PACKAGES; do
	# Never replace (and then purge) a package someone installed.
	! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
		fail "package $p is installed already: remove it to run this test"
done
INSTALLED=
purge() {
	if [ -n "$INSTALLED" ]; then
		# shellcheck disable=SC2086
		dpkg --purge $PACKAGES >"$T/purge.log" 2>&1 || log "dpkg --purge: $(tail -3 "$T/purge.log")"
		INSTALLED=
	fi
}
trap 'purge; cleanup' EXIT

# A copy of the sources only: whatever the tree holds besides (in-tree
# builds, other build directories) stays out, and nothing of the package
# build lands in the tree.
mkdir "$T/src"
if git -C "$top_srcdir" rev-parse --git-dir >/dev/null 2>&1; then
	git -C "$top_srcdir" ls-files -z --cached --others --exclude-standard |
		(cd "$top_srcdir" && tar --null -T - -cf -) | tar -C "$T/src" -xf -
else
	tar -C "$top_srcdir" --exclude='./build*' --exclude=./autom4te.cache -cf - . |
		tar -C "$T/src" -xf -
fi
[ -f "$T/src/debian/rules" ] || fail "no debian/rules in the copy of the tree"

start=$(date +%s)
(cd "$T/src" && DEB_BUILD_OPTIONS="nocheck parallel=$(nproc)" \
	dpkg-buildpackage -us -uc -b) >"$T/build.log" 2>&1 ||
	fail "dpkg-buildpackage failed: $(tail -20 "$T/build.log")"
log "package built in $(($(date +%s) - start)) s"
changes=$(echo "$T"/mpmaster_*.changes)
[ -f "$changes" ] || fail "no .changes file: $(ls "$T")"

# Errors and warnings fail; what lintian says at info level is logged.
lintian --fail-on error,warning --display-info "$changes" >"$T/lintian.log" 2>&1 ||
	fail "lintian: $(cat "$T/lintian.log")"
log "lintian: no error or warning; $(grep -c '^I:' "$T/lintian.log" || true) info tag(s)"

# shellcheck disable=SC2046
dpkg -i $(for p in $PACKAGES; do echo "$T/${p}_"*.deb; done) >"$T/install.log" 2>&1 ||
	{ INSTALLED=yes; fail "dpkg -i: $(tail -10 "$T/install.log")"; }
INSTALLED=yes
for f in /usr/bin/mpmaster /usr/bin/mpworker /usr/bin/mpctl \
	/usr/libexec/mpmaster/firewall /usr/libexec/mpmaster/router; do
	[ -x "$f" ] || fail "$f not installed"
done
for f in /etc/mpmaster/mp.yaml /lib/systemd/system/mpmaster.service \
	/usr/share/man/man8/mpmaster.8.gz /usr/share/man/man5/mp.yaml.5.gz \
	/usr/share/man/man8/mpworker.8.gz /usr/share/man/man8/mpctl.8.gz \
	/usr/share/man/man3/libmpworker.3.gz /usr/share/doc/mpmaster/README.md.gz \
	/usr/include/mpworker.h /usr/share/doc/libmpworker-dev/examples/firewall/firewall.c; do
	[ -f "$f" ] || fail "$f not installed"
done
dpkg-query -W -f='${Conffiles}\n' mpmaster | grep -q '^ /etc/mpmaster/mp.yaml ' ||
	fail "/etc/mpmaster/mp.yaml is not a conffile: $(dpkg-query -W -f='${Conffiles}' mpmaster)"
pkg-config --exists libmpworker || fail "pkg-config does not find libmpworker"
log "installed: $(dpkg-query -W -f='${Package} ${Version}, ' $PACKAGES)files in place"

# The installed unit: systemd-analyze verify runs its ExecStart's binary
# check and man for its Documentation=, so this needs everything installed.
systemd-analyze verify /lib/systemd/system/mpmaster.service >"$T/verify.log" 2>&1 ||
	fail "systemd-analyze verify: $(cat "$T/verify.log")"
[ ! -s "$T/verify.log" ] || fail "systemd-analyze verify warns: $(cat "$T/verify.log")"
grep -q '^ExecStart=/usr/bin/mpmaster -c /etc/mpmaster/mp.yaml$' /lib/systemd/system/mpmaster.service ||
	fail "ExecStart: $(grep ExecStart /lib/systemd/system/mpmaster.service)"
log "systemd-analyze verify: clean"

# The installed config as installed, then run by the installed binaries.
/usr/bin/mpmaster -t >"$T/out" 2>&1 || fail "mpmaster -t of /etc/mpmaster/mp.yaml: $(cat "$T/out")"
sed -e "s|^  file_prefix: .*|  file_prefix: $PREFIX|" \
	-e "s|^pid_file: .*|pid_file: $T/mpmaster.pid|" \
	-e "s|^  socket: .*|  socket: $T/mpmaster.sock|" /etc/mpmaster/mp.yaml >"$T/mp.yaml"
[ "$(diff /etc/mpmaster/mp.yaml "$T/mp.yaml" | grep -c '^>')" = 3 ] ||
	fail "the prefix, pid file and socket were not all replaced: $(diff /etc/mpmaster/mp.yaml "$T/mp.yaml")"
/usr/bin/mpmaster -t -c "$T/mp.yaml" >"$T/out" 2>&1 || fail "mpmaster -t: $(cat "$T/out")"
/usr/bin/mpmaster -c "$T/mp.yaml" >>"$T/master.log" 2>&1 &
MASTER_PID=$!
ctl_ok() { /usr/bin/mpctl -c "$T/mp.yaml" status >"$T/status" 2>&1; }
wait_until 60 ctl_ok || fail "mpctl status never said every worker runs: $(cat "$T/status")"
[ "$(grep -c ' running ' "$T/status")" = 2 ] || fail "not 2 workers running: $(cat "$T/status")"
[ "$(readlink "/proc/$(worker_field 0 pid)/exe")" = /usr/bin/mpworker ] ||
	fail "worker 0 does not run the installed mpworker"
/usr/bin/mpmaster -s stop -c "$T/mp.yaml" >"$T/out" 2>&1 || fail "mpmaster -s stop: $(cat "$T/out")"
wait "$MASTER_PID" || fail "the installed master exited $?"
MASTER_PID=
expect_exact_audit
log "the installed binaries ran the installed config: 2 workers running, stopped cleanly"

# An NF against the installed libmpworker-dev, as its users build one.
# shellcheck disable=SC2046
cc -O2 "$top_srcdir/tests/nf/tiny_nf.c" -o "$T/tiny_nf" $(pkg-config --cflags --libs libmpworker) \
	>"$T/cc.log" 2>&1 || fail "an NF does not build against the package: $(tail -5 "$T/cc.log")"
"$T/tiny_nf" --check-args -n 0 >"$T/out" 2>&1 || fail "tiny_nf --check-args: $(cat "$T/out")"
log "an NF builds against libmpworker-dev"

purge
for f in /usr/bin/mpmaster /etc/mpmaster/mp.yaml /lib/systemd/system/mpmaster.service; do
	[ ! -e "$f" ] || fail "$f left after dpkg --purge"
done
log "purged: nothing left"
log "PASS"
