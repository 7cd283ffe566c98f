#!/bin/bash
# The comparison document (render/report-compare.c) against docs/compare-schema.json: the unit
# test of the comparison (tests/unit/test_compare.c) writes the JSON it renders from two
# hand-built reports (a renamed path with a changed stage, a path only in the base, NAPI and
# backlog rows, a finding that appeared and one that went away), which is validated here with
# python3-jsonschema.  TAP output (tests/lib.sh).
set -u
. "$(dirname "$0")/../lib.sh"
cd "$SKBT_ROOT" || exit 1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

bin=$B/tests/test_compare
if [ ! -x "$bin" ]; then
	not_ok "compare: $bin not built (make tests)"
	exit 0
fi
if ! SKBT_COMPARE_JSON=$tmp/c.json CMOCKA_MESSAGE_OUTPUT=stdout "$bin" >"$tmp/log" 2>&1 ||
	[ ! -s "$tmp/c.json" ]; then
	not_ok "compare: $bin wrote no comparison document: $(grep -m1 -E 'FAIL|ERROR' "$tmp/log")"
	exit 0
fi
res=$(python3 - "$tmp/c.json" <<'PY' 2>&1
import json, sys
try:
    import jsonschema
except ImportError:
    print("skip"); sys.exit()
doc = json.load(open(sys.argv[1]))
jsonschema.validate(doc, json.load(open("docs/compare-schema.json")))
st = [s for p in doc["comparison"]["paths"] for s in p["stages"]]
sig = [s["name"] for s in st if s["significant"]]
fx = doc["comparison"]["findings"]
napi = doc["comparison"]["napi"]
if not (sig == ["backlog"] and doc["comparison"]["significant_stages"] == 1 and
        any(s["new"]["count"] == 0 for s in st)):
    print(f"significant stages {sig}")
elif [f["kind"] for f in fx["appeared"]] != ["backlog-drops"] or len(fx["gone"]) != 1:
    print(f"findings {fx}")
elif napi["cpus"][0]["new"]["backlog_drops"] != 9 or napi["cpus"][0]["base"]["time_squeeze"] is not None:
    print(f"napi {napi}")
else:
    print("ok")
PY
)
if [ "$res" = skip ]; then
	skip "compare: JSON schema check needs python3-jsonschema"
else
	check_eq "compare: the comparison document is valid against docs/compare-schema.json" ok "$res"
fi
