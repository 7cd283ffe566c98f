#!/bin/bash
# A fleet in a real analytics engine (docs/fleet.md): several bundled recordings, each analyzed
# with its own --node name, loaded into ClickHouse (Debian 12's clickhouse-server, started here
# as a child on a free loopback port); the statements of docs/fleet.md, read from that file,
# must return the numbers of each node's own JSON report.  TAP output (tests/lib.sh).
set -u
. "$(dirname "$0")/../lib.sh"
cd "$SKBT_ROOT" || exit 1

server=$(command -v clickhouse-server || true)
client=$(command -v clickhouse-client || true)
if [ -z "$server" ] || [ -z "$client" ]; then
	skip "fleet: no clickhouse-server/clickhouse-client (apt-get install clickhouse-server clickhouse-client)"
	exit 0
fi
tmp=$(mktemp -d)
ch_pid=
cleanup() {
	if [ -n "$ch_pid" ]; then
		kill "$ch_pid" 2>/dev/null
		wait "$ch_pid" 2>/dev/null
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT

# the fleet: node name and recording
fleet=(
	"node01 samples/native-a_udp.dat"
	"node02 samples/native-b_udp.dat"
	"node03 samples/native-e_tcp.dat"
	"node04 samples/native-h_drops.dat"
	"node05 samples/ovs-upcall.dat"
	"node06 samples/ovs-vm-rps.dat"
	"node07 samples/ovs-vm-tc-xmit-rps.dat"
)

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
mkdir -p "$tmp/data" "$tmp/tmp"
cat >"$tmp/config.xml" <<EOF
<yandex>
	<logger><level>warning</level><log>$tmp/server.log</log><errorlog>$tmp/server.err</errorlog></logger>
	<listen_host>127.0.0.1</listen_host>
	<tcp_port>$port</tcp_port>
	<path>$tmp/data/</path>
	<tmp_path>$tmp/tmp/</tmp_path>
	<users_config>$tmp/users.xml</users_config>
	<default_profile>default</default_profile>
	<default_database>default</default_database>
	<mark_cache_size>67108864</mark_cache_size>
	<uncompressed_cache_size>67108864</uncompressed_cache_size>
</yandex>
EOF
cat >"$tmp/users.xml" <<'EOF'
<yandex>
	<profiles><default><max_memory_usage>1000000000</max_memory_usage></default></profiles>
	<users><default><password></password><networks><ip>127.0.0.1</ip></networks>
		<profile>default</profile><quota>default</quota></default></users>
	<quotas><default></default></quotas>
</yandex>
EOF
"$server" --config-file="$tmp/config.xml" >"$tmp/server.out" 2>&1 &
ch_pid=$!
ch() { "$client" --host 127.0.0.1 --port "$port" "$@"; }
for _ in $(seq 100); do
	ch --query 'SELECT 1' >/dev/null 2>&1 && break
	kill -0 "$ch_pid" 2>/dev/null || break
	sleep 0.2
done
if ! ch --query 'SELECT 1' >/dev/null 2>&1; then
	not_ok "fleet: clickhouse-server did not start: $(tail -3 "$tmp/server.err" "$tmp/server.out" 2>/dev/null | tr '\n' ' ')"
	exit 0
fi
ok "fleet: clickhouse-server $(ch --query 'SELECT version()') up on 127.0.0.1:$port"

# sql NAME: the statement after "-- name: NAME" in docs/fleet.md's sql blocks
sql() {
	awk -v n="$1" '/^```sql$/ { inb = 1; take = 0; next } /^```$/ { inb = 0; take = 0 }
		inb && $0 == "-- name: " n { take = 1; next } take' docs/fleet.md
}
for s in table stages_view; do
	if ! err=$(sql "$s" | ch --multiquery 2>&1); then
		not_ok "fleet: docs/fleet.md statement $s: $(echo "$err" | head -1)"
		exit 0
	fi
done

loaded=0
for e in "${fleet[@]}"; do
	read -r node file <<<"$e"
	if ! "$ANALYZE" -q --node "$node" --json "$tmp/$node.json" --csv "$tmp/$node.csv" "$file" \
		>/dev/null 2>"$tmp/$node.err"; then
		not_ok "fleet: $file: $(head -1 "$tmp/$node.err")"
		continue
	fi
	if ! err=$(ch --query 'INSERT INTO skbtrail_journeys FORMAT CSVWithNames' \
		<"$tmp/$node.csv" 2>&1); then
		not_ok "fleet: loading $node.csv: $(echo "$err" | head -1)"
		continue
	fi
	loaded=$((loaded + 1))
done
rows=$(ch --query 'SELECT count() FROM skbtrail_journeys')
if [ "$rows" -gt 0 ] && [ "$(ch --query "SELECT countIf(node = '') FROM skbtrail_journeys")" = "$rows" ]; then
	skip "fleet: the --csv rows carry no node (the command does not pass the node to the table sink yet: skbt_table_opts.node)"
	exit 0
fi
csvrows=$(cat "$tmp"/*.csv | grep -cv '^node,file,')
check_eq "fleet: $loaded recordings loaded, every row of their --csv in the table" \
	"${#fleet[@]} $csvrows" "$loaded $rows"

for q in stage_percentiles path_totals drops slowest_nodes; do
	if ! sql "$q" | ch --format TSVWithNames >"$tmp/$q.tsv" 2>"$tmp/$q.err"; then
		not_ok "fleet: query $q: $(head -1 "$tmp/$q.err")"
	fi
done

while IFS=$'\t' read -r verdict what; do
	case "$verdict" in
	OK) ok "$what";;
	NOTOK) not_ok "$what";;
	*) not_ok "fleet: comparison: $verdict $what";;
	esac
done < <(python3 - "$tmp" "${fleet[@]}" 2>&1 <<'PY'
import csv, json, math, sys
from collections import Counter, defaultdict
d = sys.argv[1]
nodes = [e.split()[0] for e in sys.argv[2:]]

def tap(good, what, detail=""):
    print(("OK\t" if good else "NOTOK\t") + "fleet: " + what + ("" if good else ": " + detail))

def tsv(name):
    try:
        with open(f"{d}/{name}.tsv", newline="") as f:
            return list(csv.DictReader(f, delimiter="\t"))
    except OSError:
        return []

def bucket(v):
    """skbt_hist's bucket of v (model/stats.c): exact below 128, then 128 per power of two"""
    if v < 128:
        return v
    e = v.bit_length() - 1
    return 128 + (e - 7) * 128 + ((v >> (e - 7)) & 127)

def nearest_rank(vals, q):
    v = sorted(vals)
    return v[min(len(v), max(1, math.ceil(q * len(v)))) - 1]

reports = {n: json.load(open(f"{d}/{n}.json")) for n in nodes}
for n, r in reports.items():
    if r["trace"].get("node") != n:
        tap(False, f"{n}: the report names the node", r["trace"].get("node"))

def free(ev):
    return ev in ("consume_skb", "kfree_skb")

# 1. stages: one query row per report stage, the count equal, each percentile in its bucket
want = {}
for n, r in reports.items():
    for p in r["paths"]:
        for s in p["stages"]:
            fr = s["from"]["event"] + ("" if free(s["from"]["event"]) else "@" + s["from"]["dev"])
            key = (n, p["name"], s["name"], fr, s["to"]["event"])
            if key in want:
                tap(False, "stage keys unique in the report", str(key))
            want[key] = s
got = {(x["node"], x["path"], x["stage"], x["from_ep"], x["to_event"]): x
       for x in tsv("stage_percentiles")}
bad = [f"{k}: missing in {'the query' if k in want else 'the report'}"
       for k in set(want) ^ set(got)]
pct = 0
for k in set(want) & set(got):
    w, g = want[k], got[k]
    if int(g["count"]) != w["count"]:
        bad.append(f"{k}: count {g['count']} != report {w['count']}")
    for f in ("p50_ns", "p90_ns", "p99_ns", "p999_ns"):
        pct += 1
        if bucket(int(g[f])) != bucket(w[f]):
            bad.append(f"{k}: {f} {g[f]} not in the bucket of the report's {w[f]}")
tap(not bad and len(want) > 0,
    f"per node, path and stage: {len(want)} stages of {len(nodes)} nodes, counts equal, "
    f"{pct} percentiles in the report's buckets", "; ".join(bad[:3]))

# 2. whole journeys per node and path: paths[].total
want = {(n, p["name"]): p["total"] for n, r in reports.items() for p in r["paths"]
        if p.get("total", {}).get("count")}
got = {(x["node"], x["path"]): x for x in tsv("path_totals")}
bad = [f"{k}: missing in {'the query' if k in want else 'the report'}"
       for k in set(want) ^ set(got)]
for k in set(want) & set(got):
    w, g = want[k], got[k]
    if int(g["count"]) != w["count"]:
        bad.append(f"{k}: count {g['count']} != report {w['count']}")
    for f in ("p50_ns", "p99_ns"):
        if bucket(int(g[f])) != bucket(w[f]):
            bad.append(f"{k}: {f} {g[f]} not in the bucket of the report's {w[f]}")
tap(not bad and len(want) > 0,
    f"per node and path: {len(want)} whole-journey counts and p50/p99 as in the reports",
    "; ".join(bad[:3]))

# 3. drops per node and reason: the report's drops that a journey owned
want = Counter()
for n, r in reports.items():
    for x in r["drops"]:
        if x["dev"]:
            want[(n, x["reason"])] += x["count"]
got = Counter({(x["node"], x["reason"]): int(x["count"]) for x in tsv("drops")})
tap(want == got and sum(want.values()) > 0,
    f"drops per node and reason: {sum(got.values())} drops in {len(got)} rows as in the reports",
    f"query {dict(got)} report {dict(want)}")

# 4. slowest nodes: the ranking and the numbers, by nearest rank over the rows themselves
dur = defaultdict(list)
for n in nodes:
    with open(f"{d}/{n}.csv", newline="") as f:
        for x in csv.DictReader(f):
            if x["complete"] == "true" and x["end"] != "gro_merged" and int(x["nhops"]) > 1:
                dur[x["node"]].append(int(x["duration_ns"]))
want = sorted(((n, len(v), nearest_rank(v, 0.5), nearest_rank(v, 0.99)) for n, v in dur.items()),
              key=lambda t: (-t[3], t[0]))[:10]
got = [(x["node"], int(x["journeys"]), int(x["p50_ns"]), int(x["p99_ns"]))
       for x in tsv("slowest_nodes")]
tot = {n: sum(p["total"]["count"] for p in r["paths"] if p.get("total")) for n, r in reports.items()}
tap(got == want and all(tot[n] == c for n, c, _, _ in got),
    f"slowest nodes: {' > '.join(n for n, *_ in got)} by p99, journeys as in the reports",
    f"query {got[:3]} expected {want[:3]} report totals {tot}")
PY
)
