#!/bin/bash
# Golden tests: run the analyzer on real traces and compare with frozen reports; validate every
# JSON report against docs/report-schema.json; check that no kernel address leaks into a
# report made without --show-addrs.  TAP output (tests/lib.sh).
set -u
. "$(dirname "$0")/../lib.sh"
cd "$SKBT_ROOT" || exit 1
dir=tests/golden
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

validate() {	# validate FILE.json
	python3 - "$1" <<'PY'
import json, sys
import jsonschema
schema = json.load(open("docs/report-schema.json"))
report = json.load(open(sys.argv[1]))
jsonschema.Draft202012Validator(schema).validate(report)
PY
}

while read -r name input opts; do
	case "$name" in ''|'#'*) continue;; esac
	exp=$dir/expected/$name.out
	out=$tmp/$name.out
	# shellcheck disable=SC2086
	"$ANALYZE" $opts "$input" >"$out" 2>"$tmp/$name.err"
	rc=$?
	if [ $rc -ne 0 ]; then
		not_ok "$name: exit status $rc: $(head -1 "$tmp/$name.err")"
		continue
	fi
	if [ -n "${UPDATE:-}" ]; then
		cp "$out" "$exp"
	fi
	if [ ! -f "$exp" ]; then
		not_ok "$name: no expected output $exp (UPDATE=1 to create it, then review)"
	elif diff -u "$exp" "$out" >"$tmp/$name.diff"; then
		ok "$name: report matches $exp"
	else
		not_ok "$name: report differs from $exp"
		head -40 "$tmp/$name.diff" | sed 's/^/# /'
	fi
	if grep -Eq '0x[0-9a-f]*ffff[0-9a-f]{4}' "$out"; then
		not_ok "$name: a kernel address appears without --show-addrs"
	else
		ok "$name: no kernel address in the report"
	fi
	case " $opts " in
	*" --context "*) ;;	# the node context, not a report: docs/file-format.md
	*" --json - "*)
		if validate "$out" 2>"$tmp/$name.schema"; then
			ok "$name: JSON valid against docs/report-schema.json"
		else
			not_ok "$name: JSON does not match the schema: $(tail -1 "$tmp/$name.schema")"
		fi;;
	esac
done <"$dir/TESTLIST"

# Every sample's JSON report, with and without addresses, is valid against the schema.
for f in samples/*.dat; do
	n=$(basename "$f" .dat)
	if "$ANALYZE" --json "$tmp/$n.json" -q --show-addrs "$f" 2>/dev/null && validate "$tmp/$n.json"; then
		ok "schema: $n --show-addrs"
	else
		not_ok "schema: $n --show-addrs report missing or invalid"
	fi
	if "$ANALYZE" --json - --top 1000 "$f" 2>/dev/null | grep -Eq '0x[0-9a-f]*ffff'; then
		not_ok "redaction: $n JSON shows a kernel address without --show-addrs"
	else
		ok "redaction: $n JSON free of kernel addresses"
	fi
done
