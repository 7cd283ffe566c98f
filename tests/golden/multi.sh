#!/bin/bash
# Several trace files in one run (skbtrail-analyze a.dat b.dat c.dat): three real samples
# analysed together.  The merged report's counts are the sums of the files' (journeys per path,
# drops by reason, events per CPU); its percentiles are those of all the files' journeys
# together, checked against the JSON Lines rows of each file (a value computed here, not by the
# analyzer); every JSONL/CSV row names its file and node; the document is valid against
# docs/report-schema.json; a file that cannot be read or used, the same file twice and the
# outputs of one trace (--html) are refused with the documented exit status.  TAP output.
set -u
. "$(dirname "$0")/../lib.sh"
cd "$SKBT_ROOT" || exit 1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

files="samples/native-a_udp.dat samples/native-b_udp.dat samples/native-h_drops.dat"
# shellcheck disable=SC2086
"$ANALYZE" --json "$tmp/m.json" --journeys "$tmp/m.jsonl" --csv "$tmp/m.csv" --top 1 \
	$files >"$tmp/m.txt" 2>"$tmp/m.err"
check_eq "multi: three files, exit status" 0 "$?"
check_eq "multi: text has one report per file and the merge" \
	"native-a_udp.dat native-b_udp.dat native-h_drops.dat merged" \
	"$(sed -n 's/^==== \([^ ]*\).*====$/\1/p' "$tmp/m.txt" | tr '\n' ' ' | sed 's/ $//')"

res=$(python3 - "$tmp/m.json" "$tmp/m.jsonl" "$tmp/m.csv" $files <<'PY' 2>&1
import csv, json, math, os, sys
from collections import Counter, defaultdict

doc = json.load(open(sys.argv[1]))
rows = [json.loads(l) for l in open(sys.argv[2])]
table = list(csv.DictReader(open(sys.argv[3])))
names = [os.path.basename(f) for f in sys.argv[4:]]
files, merged = doc["files"], doc["merged"]
bad = []

def want(what, a, b):
    if a != b:
        bad.append(f"{what}: {a} != {b}")

want("schema_version", doc["schema_version"], 2)
want("files in order", [f["trace"]["file"] for f in files], names)
want("merged files", [f["file"] for f in merged["files"]], names)
want("merged nodes", [f["node"] for f in merged["files"]],
     [f["trace"].get("node", "") for f in files])
want("nfiles", merged["nfiles"], 3)

# counts: the merge is the sum of the files
for key in ("seen", "total", "incomplete", "gro_merged"):
    want(f"journeys.{key}", merged["journeys"][key], sum(f["journeys"][key] for f in files))
per_path = Counter()
for f in files:
    for p in f["paths"]:
        per_path[p["name"]] += p["journeys"]
want("journeys per path", {p["name"]: p["journeys"] for p in merged["paths"]}, dict(per_path))
if len(per_path) >= sum(len(f["paths"]) for f in files):
    bad.append("no path is in two files: nothing merged")
drops = Counter()
for f in files:
    for d in f["drops"]:
        drops[d["reason"]] += d["count"]
mdrops = Counter()
for d in merged["drops"]:
    mdrops[d["reason"]] += d["count"]
want("drops by reason", dict(mdrops), dict(drops))
if not drops:
    bad.append("no drop in the samples")
cpus = Counter()
for f in files:
    for c in f["cpus"]:
        cpus[c["cpu"]] += c["events"]
want("events per CPU", {c["cpu"]: c["events"] for c in merged["cpus"]}, dict(cpus))

# percentiles: the durations of each file's complete journeys (JSONL rows) together
def bucket(v):
    if v < 128:
        return v, 1
    e = v.bit_length() - 1
    w = 1 << (e - 7)
    return (v >> (e - 7)) << (e - 7), w

def hist_quantile(vals, q):	# the histogram's rule (docs: within 1/256 of the value)
    vals = sorted(vals)
    n = len(vals)
    rank = max(1, math.ceil(q * n))
    if rank <= 1:
        return vals[0]
    if rank >= n:
        return vals[-1]
    lo, w = bucket(vals[rank - 1])
    return min(max(lo + w // 2, vals[0]), vals[-1])

durations = defaultdict(list)
for r in rows:
    if r["complete"] and r["nhops"] > 1:
        durations[r["path"]].append(r["duration_ns"])
checked = 0
for p in merged["paths"]:
    vals = durations.get(p["name"], [])
    if "total" not in p:
        want(f"{p['name']}: no total, no measured rows", vals, [])
        continue
    t = p["total"]
    want(f"{p['name']}: measured", t["count"], len(vals))
    want(f"{p['name']}: min", t["min_ns"], min(vals))
    want(f"{p['name']}: max", t["max_ns"], max(vals))
    for q, k in ((0.5, "p50_ns"), (0.9, "p90_ns"), (0.99, "p99_ns")):
        exact = sorted(vals)[max(1, math.ceil(q * len(vals))) - 1]
        want(f"{p['name']}: {k}", t[k], hist_quantile(vals, q))
        if abs(t[k] - exact) > exact / 256 + 1:
            bad.append(f"{p['name']}: {k} {t[k]} not within 1/256 of {exact}")
    checked += len({r["file"] for r in rows if r["path"] == p["name"]}) > 1
if not checked:
    bad.append("no merged path comes from two files")

# every row names its file and node, and each file has as many rows as selected journeys
node_of = {f["trace"]["file"]: f["trace"].get("node", "") for f in files}
for what, rs in (("jsonl", rows), ("csv", table)):
    want(f"{what}: rows per file", dict(Counter(r["file"] for r in rs)),
         {f["trace"]["file"]: f["journeys"]["total"] - f["journeys"]["gro_merged"] for f in files})
    want(f"{what}: node of every row", {(r["file"], r["node"]) for r in rs}, set(node_of.items()))
want("csv: one header line", sum(1 for l in open(sys.argv[3]) if l.startswith("node,file,")), 1)
print("ok" if not bad else "; ".join(bad[:5]))
PY
)
check_eq "multi: merged counts are the files' sums, percentiles those of every journey, rows name file and node" ok "$res"

res=$(python3 - "$tmp/m.json" <<'PY' 2>&1
import json, sys
try:
    import jsonschema
except ImportError:
    print("skip"); sys.exit()
jsonschema.Draft202012Validator(json.load(open("docs/report-schema.json"))).validate(
    json.load(open(sys.argv[1])))
print("ok")
PY
)
if [ "$res" = skip ]; then
	skip "multi: JSON schema check needs python3-jsonschema"
else
	check_eq "multi: the document is valid against docs/report-schema.json" ok "$res"
fi

# --node NAME names every file's rows
# shellcheck disable=SC2086
"$ANALYZE" -q --node fleet-7 --journeys "$tmp/n.jsonl" $files 2>/dev/null
check_eq "multi: --node names the rows of every file" "fleet-7" \
	"$(python3 -c 'import json,sys; print(*sorted({json.loads(l)["node"] for l in open(sys.argv[1])}))' "$tmp/n.jsonl")"

# each file's report in the run is its report alone (between its header and the next one's)
"$ANALYZE" --top 1 samples/native-b_udp.dat >"$tmp/one.txt" 2>/dev/null
sed -n '/^==== native-b_udp.dat /,/^==== native-h_drops.dat /p' "$tmp/m.txt" | sed '1d;$d' |
	sed '$d' >"$tmp/part.txt"
check "multi: a file's report in the run is its single-file report" cmp -s "$tmp/one.txt" "$tmp/part.txt"

# a second file that does not exist: one line naming it, exit 1, nothing on stdout
"$ANALYZE" samples/native-a_udp.dat "$tmp/missing.dat" >"$tmp/e.out" 2>"$tmp/e.err"
rc=$?
check_eq "multi: a missing second file, exit status" 1 "$rc"
check_eq "multi: a missing second file, one line naming it" \
	"1 skbtrail-analyze: $tmp/missing.dat: No such file or directory" \
	"$(wc -l <"$tmp/e.err") $(head -1 "$tmp/e.err")"
check_eq "multi: a missing second file, nothing written" 0 "$(wc -c <"$tmp/e.out")"

# a second file that is not a trace: its name, exit 3 (the first file's report came before)
"$ANALYZE" -q samples/native-a_udp.dat README.md >/dev/null 2>"$tmp/e.err"
rc=$?
check_eq "multi: a second file that is no trace, exit status" 3 "$rc"
check "multi: a second file that is no trace, one line naming it" \
	test "$(wc -l <"$tmp/e.err")" = 1 -a -n "$(grep -F README.md "$tmp/e.err")"

# usage errors (exit 2): the same file twice (by another name), --html, --json onto an input
ln -s "$SKBT_ROOT/samples/native-a_udp.dat" "$tmp/link.dat"
"$ANALYZE" -q samples/native-a_udp.dat "$tmp/link.dat" >/dev/null 2>"$tmp/e.err"
check_eq "multi: the same file twice is a usage error" "2 1" "$? $(wc -l <"$tmp/e.err")"
"$ANALYZE" --html "$tmp/x.html" samples/native-a_udp.dat samples/native-b_udp.dat \
	>/dev/null 2>"$tmp/e.err"
check_eq "multi: --html with several files is a usage error" "2 1" "$? $(wc -l <"$tmp/e.err")"
cp samples/native-b_udp.dat "$tmp/b.dat"
"$ANALYZE" --json "$tmp/b.dat" samples/native-a_udp.dat "$tmp/b.dat" >/dev/null 2>"$tmp/e.err"
check_eq "multi: --json onto the second trace is a usage error" "2 0" \
	"$? $(cmp -s "$tmp/b.dat" samples/native-b_udp.dat; echo $?)"
