#!/bin/bash
# Every output of one run says the same: on each sample, the text report, the JSON report, the
# HTML page, the JSON Lines and CSV tables and the Perfetto timeline (where they carry it) give
# the same number of journeys, the same journeys per path, the same findings, the same drops
# by reason and the same control-plane frees.  And no output names the directory the trace
# file was read from (reports get attached to tickets).  TAP output (tests/lib.sh).
set -u
. "$(dirname "$0")/../lib.sh"
cd "$SKBT_ROOT" || exit 1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# compare DIR: prints one line per disagreement, nothing when all outputs agree
compare() {
	python3 - "$1" <<'PY'
import csv, html, json, re, sys
from collections import Counter
d = sys.argv[1]
bad = []
text = open(f"{d}/r.txt").read().splitlines()
rep = json.load(open(f"{d}/r.json"))
page = open(f"{d}/r.html").read()
rows = [json.loads(l) for l in open(f"{d}/r.jsonl")]
with open(f"{d}/r.csv", newline="") as f:
    crows = list(csv.DictReader(f))
pf = json.load(open(f"{d}/r.pf.json"))["otherData"]

def same(what, vals):
    first = next(iter(vals.values()))
    if any(v != first for v in vals.values()):
        bad.append(f"{what} differ: " + "; ".join(f"{k}={v}" for k, v in vals.items()))

# number of journeys (selected)
m = [re.match(r"journeys: (\d+) selected of (\d+)", l) for l in text]
t_n = next(int(x.group(1)) for x in m if x)
h_n = int(re.search(r"<td class=\"l\">(\d+) selected of \d+", page).group(1))
same("journeys", {"text": t_n, "json": rep["journeys"]["total"], "html": h_n,
                  "jsonl": len(rows), "csv": len(crows), "perfetto": pf["journeys"]})

# journeys per path
t_p = Counter()
for l in text:
    x = re.match(r"path (\S+): (\d+) journeys", l)
    if x:
        t_p[x.group(1)] += int(x.group(2))
j_p = Counter()
for p in rep["paths"]:
    j_p[p["name"]] += p["journeys"]
summ = page[page.index('id="summary"'):page.index("</section>", page.index('id="summary"'))]
h_p = Counter()
for name, n in re.findall(r"<tr><td class=\"l\">([^<]*)</td><td>(\d+)</td>", summ):
    h_p[html.unescape(name)] += int(n)
# a packet GRO merged into another skb has no path of its own in the path tables
# (docs/stages.md); the tables still give each journey its device
same("journeys per path", {"text": dict(t_p), "json": dict(j_p), "html": dict(h_p),
                           "jsonl": dict(Counter(r["path"] for r in rows
                                                 if r["end"] != "gro_merged")),
                           "csv": dict(Counter(r["path"] for r in crows
                                               if r["end"] != "gro_merged"))})
t_g = next((int(x.group(1)) for x in (re.match(r"gro: (\d+) received packets", l)
                                      for l in text) if x), 0)
x = re.search(r"<td class=\"l\">(\d+) packets merged", page)
same("GRO merged", {"text": t_g, "json": rep["journeys"]["gro_merged"],
                    "html": int(x.group(1)) if x else 0,
                    "jsonl": sum(r["end"] == "gro_merged" for r in rows),
                    "csv": sum(r["end"] == "gro_merged" for r in crows)})

# findings, in order
t_f = []
if "findings:" in text:
    for l in text[text.index("findings:") + 1:]:
        x = re.match(r"  \[(\w+)\] (.*)$", l)
        if x:
            t_f.append(x.group(2))
        elif not l.startswith("      "):
            break
h_f = [html.unescape(t) for t in
       re.findall(r"<li class=\"finding\"[^>]*>\[\w+\] (.*?)<br>", page)]
same("findings", {"text": t_f, "json": [f["text"] for f in rep["findings"]], "html": h_f})

# drops by reason (and the journeys' drops in the tables)
def reason(tok):
    return "NETIF_RX_FAILED" if tok.startswith("netif_rx failed") else tok
t_d = Counter()
if any(l.startswith("drops (") for l in text):
    i = next(i for i, l in enumerate(text) if l.startswith("drops ("))
    for l in text[i + 2:]:
        if not l.strip():
            break
        l = l.replace("netif_rx failed (backlog full)", "NETIF_RX_FAILED")
        tok = l.split()
        t_d[tok[2] if tok[1] == "reason" else tok[1]] += int(tok[0])
j_d = Counter()
j_jd = Counter()
for x in rep["drops"]:
    j_d[x["reason"]] += x["count"]
    if x["dev"]:
        j_jd[x["reason"]] += x["count"]
h_d = Counter()
for n, r in re.findall(r"<tr class=\"drop\"><td>(\d+)</td><td class=\"l\">([^<]*)</td>", page):
    h_d[html.unescape(r)] += int(n)
same("drops by reason", {"text": dict(t_d), "json": dict(j_d), "html": dict(h_d)})
same("journey drops by reason", {
    "json": dict(j_jd),
    "jsonl": dict(Counter(r["drop_reason"] or "NETIF_RX_FAILED" for r in rows
                          if r["end"] == "dropped")),
    "csv": dict(Counter(r["drop_reason"] or "NETIF_RX_FAILED" for r in crows
                        if r["end"] == "dropped"))})

# control-plane frees (kfree_skb of netlink/socket skbs: not packets)
t_c = 0
for l in text:
    x = re.match(r"control-plane frees: (\d+)", l)
    if x:
        t_c = int(x.group(1))
x = re.search(r"control-plane frees: (\d+)", page)
same("control-plane frees", {"text": t_c, "json": sum(c["count"] for c in
                             rep.get("control_plane_frees", [])), "html": int(x.group(1)) if x else 0})
for b in bad:
    print(b)
PY
}

for f in samples/*.dat; do
	n=$(basename "$f" .dat)
	rm -f "$tmp"/r.*
	if ! "$ANALYZE" --json "$tmp/r.json" --html "$tmp/r.html" --journeys "$tmp/r.jsonl" \
		--csv "$tmp/r.csv" --perfetto "$tmp/r.pf.json" --top 3 "$f" >"$tmp/r.txt" \
		2>"$tmp/err"; then
		not_ok "agree: $n: analyzer failed: $(head -1 "$tmp/err")"
		continue
	fi
	compare "$tmp" >"$tmp/diff" 2>&1
	if [ -s "$tmp/diff" ]; then
		not_ok "agree: $n: outputs disagree"
		sed 's/^/# /' "$tmp/diff" | head -20
	else
		ok "agree: $n: text, JSON, HTML, JSONL, CSV, Perfetto agree"
	fi
done

# The directory of the trace file appears in no output, only its name.
secret=$(mktemp -d /tmp/skbt-secret-dir-XXXXXX)
cp samples/ovs-vm-upcall.dat "$secret/x.dat"
out=$tmp/leak
mkdir -p "$out"
"$ANALYZE" --json "$out/r.json" --html "$out/r.html" --journeys "$out/r.jsonl" \
	--csv "$out/r.csv" --perfetto "$out/r.pf.json" "$secret/x.dat" >"$out/r.txt" 2>/dev/null
"$ANALYZE" --context "$secret/x.dat" >"$out/ctx.txt" 2>/dev/null
"$ANALYZE" --context --json - "$secret/x.dat" >"$out/ctx.json" 2>/dev/null
for o in r.txt r.json r.html r.jsonl r.csv r.pf.json ctx.txt ctx.json; do
	if [ ! -s "$out/$o" ]; then
		not_ok "no directory: $o not written"
	elif grep -q "skbt-secret-dir" "$out/$o"; then
		not_ok "no directory: $o names the trace file's directory"
	else
		ok "no directory: $o names no directory"
	fi
done
if grep -q '"x.dat"' "$out/r.json" && grep -q '"node": "skbt-vm"' "$out/r.json" &&
	grep -q '<title>skbtrail report: x.dat, node skbt-vm</title>' "$out/r.html" &&
	grep -q '"node":"skbt-vm"' "$out/r.pf.json" &&
	head -1 "$out/r.txt" | grep -qx 'skbtrail report: x.dat, node skbt-vm'; then
	ok "no directory: the reports name the file x.dat and the node (UNAME option)"
else
	not_ok "no directory: the reports do not name the file x.dat and the node skbt-vm"
fi

# --node NAME replaces the stored host name everywhere: the real one appears nowhere.
"$ANALYZE" --node node17 --json "$out/n.json" --html "$out/n.html" --journeys "$out/n.jsonl" \
	--csv "$out/n.csv" --perfetto "$out/n.pf.json" "$secret/x.dat" >"$out/n.txt" 2>/dev/null
if grep -l skbt-vm "$out"/n.* >/dev/null; then
	not_ok "--node: the stored host name still appears in $(grep -l skbt-vm "$out"/n.* | xargs)"
elif head -1 "$out/n.txt" | grep -qx 'skbtrail report: x.dat, node node17' &&
	[ "$(jq -r .trace.node "$out/n.json")" = node17 ]; then
	ok "--node: every output names the node node17, none the stored host name"
else
	not_ok "--node: the reports do not name the node node17"
fi
rm -rf "$secret"

# Control-plane frees are not drops: the OVS datapath's genetlink replies freed by
# ovs_vport_cmd_get and ovs_dp_cmd_set (protocol 0) are counted apart, never as packets.
"$ANALYZE" --json - samples/ovs-vm-upcall.dat >"$tmp/cp.json" 2>/dev/null
got=$(python3 - "$tmp/cp.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
cp = {c["location"]: c["count"] for c in r["control_plane_frees"]}
drops = sum(d["count"] for d in r["drops"])
fnd = [f["id"] for f in r["findings"] if f["id"].startswith("drops-")]
print(f"cp={cp} drops={drops} drop_findings={fnd}")
PY
)
check_eq "control-plane frees: ovs-vm-upcall" \
	"cp={'ovs_vport_cmd_get': 30, 'ovs_dp_cmd_set': 10} drops=0 drop_findings=[]" "$got"
# real packet drops stay drops
got=$("$ANALYZE" --json - samples/native-h_drops.dat 2>/dev/null | python3 -c '
import json, sys
r = json.load(sys.stdin)
print(sum(d["count"] for d in r["drops"]), len(r["control_plane_frees"]))')
check_eq "control-plane frees: native-h_drops keeps its 4 packet drops" "4 0" "$got"
