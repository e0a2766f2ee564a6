#!/bin/bash
# The config keys the parser knows (mpmaster --list-config-keys, made from
# its own key tables), the keys etc/mp.yaml lists and the keys mp.yaml(5)
# documents are the same: a key in one and not the others fails.
. "$(dirname "$0")/lib.sh"

"$MPMASTER" --list-config-keys | sort >"$T/parser"
[ "$(wc -l <"$T/parser")" -gt 20 ] || fail "--list-config-keys: $(cat "$T/parser")"

# etc/mp.yaml: every leaf key, with the "#key:" lines (keys without a
# default, shown commented out) uncommented.
python3 - "$top_srcdir/etc/mp.yaml" >"$T/yaml" <<'PY' || fail "cannot read etc/mp.yaml"
import re, sys, yaml
text = re.sub(r'(?m)^(\s*)#([a-z_]+:)', r'\1\2', open(sys.argv[1]).read())
def leaves(node, prefix):
    for key, value in node.items():
        name = prefix + key
        if isinstance(value, dict):
            yield from leaves(value, name + ".")
        else:
            yield name
print("\n".join(leaves(yaml.safe_load(text), "")))
PY
sort -o "$T/yaml" "$T/yaml"

# mp.yaml(5): in KEYS, each key is a .TP entry whose tag is ".B key".
awk '/^\.SH / { keys = ($2 == "KEYS") } keys && tp && /^\.B / { print $2 }
	{ tp = /^\.TP/ }' "$top_srcdir/doc/mp.yaml.5" | sort >"$T/man"

status=0
for other in yaml man; do
	case $other in yaml) where=etc/mp.yaml ;; man) where="mp.yaml(5)" ;; esac
	if ! diff "$T/parser" "$T/$other" >"$T/diff"; then
		log "the parser and $where disagree (< parser only, > $where only):"
		grep '^[<>]' "$T/diff"
		status=1
	fi
done
[ "$status" = 0 ] || fail "config keys out of step"
log "$(wc -l <"$T/parser") keys, the same in the parser, etc/mp.yaml and mp.yaml(5)"
log "PASS"
