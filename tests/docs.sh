#!/bin/bash
# The docs travel with the product: the man pages lint clean (mandoc -T
# lint reports nothing, style notes included, and man(1) renders each
# without a warning), and every file README.md links to is in the tree.
. "$(dirname "$0")/lib.sh"

command -v mandoc >/dev/null || skip "needs mandoc"
pages="mpmaster.8 mp.yaml.5 mpworker.8 mpctl.8 libmpworker.3"
for p in $pages; do
	f=$top_srcdir/doc/$p
	[ -f "$f" ] || fail "doc/$p is missing"
	mandoc -T lint "$f" >"$T/lint" 2>&1 || true
	[ ! -s "$T/lint" ] || fail "mandoc -T lint doc/$p: $(cat "$T/lint")"
	MANWIDTH=80 man --warnings -l "$f" >/dev/null 2>"$T/man" || fail "man -l doc/$p failed: $(cat "$T/man")"
	[ ! -s "$T/man" ] || fail "man --warnings doc/$p: $(cat "$T/man")"
done
log "$pages: lint clean"

grep -o '](\([^)#]*\)' "$top_srcdir/README.md" | sed 's/^](//' | sort -u >"$T/links"
while read -r link; do
	case $link in
	"" | http://* | https://*) continue ;;	# "": an anchor in the page
	esac
	[ -e "$top_srcdir/$link" ] || fail "README.md links to $link, which is not in the tree"
	case $(realpath -m "$top_srcdir/$link") in
	"$(realpath "$top_srcdir")"/*) ;;
	*) fail "README.md links outside the tree: $link" ;;
	esac
done <"$T/links"
! grep -n 'SPEC\.md' "$top_srcdir/README.md" || fail "README.md refers to SPEC.md, which users do not have"
log "README.md: $(wc -l <"$T/links") links, all in the tree"
log "PASS"
