#!/bin/bash
# Issue 14 "Hostile files", the outputs: devices whose names hold a comma, a double quote,
# UTF-8 (é), ESC and BEL (Linux's dev_valid_name refuses only '/', ':' and blanks) and a sender
# whose comm (prctl PR_SET_NAME, any user may) holds ESC and BEL, recorded for real
# (--events full --pcap).  Every output must stay safe: no control byte in the text report or
# --context, valid JSON and UTF-8 everywhere, CSV with a constant column count and no
# formula-leading cell; with --redact-devs no real device name in any output (pcapng too).
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib-live.bash"

N=${SKBT_TEST_DGRAMS:-200}
PORT=7341

live_init hostile_names
NA=${P}x NB=${P}y
A="${P},\"é"			# comma, quote, UTF-8
B=$'\e[1m'"${P}"$'\a'		# ESC and BEL
IPA=10.214.0.1 IPB=10.214.0.2
COMM=$'s\e]0;x\ay'		# ESC ] (a terminal title) and BEL

setup() {
	ns_add "$NA" "$NB" && veth_pair "$NA" "$A" "$NB" "$B" &&
	ip -n "$NA" addr add $IPA/24 dev "$A" && ip -n "$NB" addr add $IPB/24 dev "$B" &&
	neigh_static "$NA" "$A" $IPB "$NB" "$B" && neigh_static "$NB" "$B" $IPA "$NA" "$A"
}
check "topology with hostile names: $(printf %q "$A") ($NA) -> $(printf %q "$B") ($NB)" setup

# the recorder in B's namespace: --pcap captures there, the events are global
rec_start_ns() {
	ip netns exec "$NB" "$RECORD" -o "$TMP/t.dat" --events full --pcap 2>"$TMP/rec.err" &
	REC_PID=$!
	wait_recording $REC_PID "$TMP/rec.err"
}
check "recorder started in $NB (--events full --pcap)" rec_start_ns
check "receiver bound" udp_recv_start "$NB" $IPB $PORT "$N" 2
ip netns exec "$NA" python3 -c "
import ctypes, socket, sys, time
ctypes.CDLL(None).prctl(15, sys.argv[1].encode(), 0, 0, 0)	# PR_SET_NAME
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range($N):
    s.sendto(b'x' * 100, ('$IPB', $PORT))
    time.sleep(0.001)
" "$COMM"
check_eq "receiver counted every datagram" "$N" "$(udp_recv_wait $PORT)"
check "recorder stopped cleanly" rec_stop

# every output of one run, with ARGS, into $TMP/DIR
outputs() {	# DIR ARGS...
	local d=$TMP/$1
	shift
	mkdir -p "$d"
	"$ANALYZE" --top 20 --json "$d/r.json" --html "$d/r.html" --perfetto "$d/r.pf.json" \
		--journeys "$d/r.jsonl" --csv "$d/r.csv" --pcapng "$d/r.pcapng" "$@" \
		"$TMP/t.dat" >"$d/r.txt" 2>"$d/an.err" &&
	"$ANALYZE" --context "$@" "$TMP/t.dat" >"$d/ctx.txt" 2>>"$d/an.err" &&
	"$ANALYZE" --context --json - "$@" "$TMP/t.dat" >"$d/ctx.json" 2>>"$d/an.err" ||
		{ sed 's/^/#   /' "$d/an.err"; return 1; }
}
check "analyzer: every output" outputs plain
check "analyzer: every output with --redact-devs --redact-ips" outputs redacted --redact-devs \
	--redact-ips

for d in plain redacted; do
	o=$TMP/$d
	check "$d: the report names the hostile journeys" \
		test "$(jq "[.paths[] | select(.name | contains(\"$P\") or startswith(\"dev\"))] | length" "$o/r.json")" -gt 0
	for f in r.txt ctx.txt; do
		check "$d: $f: no control byte but newline" python3 -c '
import sys
b = open(sys.argv[1], "rb").read()
bad = [c for c in b if (c < 0x20 and c != 10) or c == 0x7f]
sys.exit(1 if bad or b"\xc2\x9b" in b else 0)' "$o/$f"
	done
	for f in r.txt ctx.txt r.json ctx.json r.html r.pf.json r.jsonl r.csv; do
		check "$d: $f is valid UTF-8" iconv -f utf-8 -t utf-8 -o /dev/null "$o/$f"
	done
	for f in r.json ctx.json r.pf.json; do
		check "$d: $f is valid JSON" python3 -c 'import json, sys; json.load(open(sys.argv[1]))' \
			"$o/$f"
	done
	check "$d: r.jsonl: every line is JSON" python3 -c '
import json, sys
for l in open(sys.argv[1]): json.loads(l)' "$o/r.jsonl"
	check "$d: r.csv: constant column count, no formula-leading cell" python3 -c '
import csv, sys
rows = list(csv.reader(open(sys.argv[1], newline="")))
n = len(rows[0])
assert len(rows) > 1, "no journey"
for r in rows:
    assert len(r) == n, (len(r), n, r)
    for c in r:
        assert not c or c[0] not in "=+-@\t\r", c' "$o/r.csv"
done

# without redaction the names are there, exactly, where a parser reads them
check "plain: JSON devs hold the real names (comma, quote, é, ESC, BEL)" python3 -c '
import json, sys
a, b = sys.argv[2], sys.argv[3]
devs = set()
for l in open(sys.argv[1]):
    devs.update(json.loads(l)["devs"])
assert b in devs, devs' "$TMP/plain/r.jsonl" "$A" "$B"
check "plain: the text report shows ESC as \\x1b" grep -qF '\x1b[1m'"$P"'\x07' "$TMP/plain/r.txt"
check "plain: the comm's ESC and BEL escaped in the text report" grep -qF 's\x1b]0;x\x07y' \
	"$TMP/plain/r.txt"
check "plain: the CSV devs cell holds the name with the comma" python3 -c '
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], newline="")))
assert any(sys.argv[2] in r["devs"] or sys.argv[2] in (r["origin"] or "") for r in rows), rows[:2]' \
	"$TMP/plain/r.csv" "$A"

# --redact-devs --redact-ips: no byte of a real name or address in any output
for f in r.txt ctx.txt r.json ctx.json r.html r.pf.json r.jsonl r.csv r.pcapng; do
	check "redacted: $f holds neither device name nor address" python3 -c '
import socket, sys
b = open(sys.argv[1], "rb").read()
for n in sys.argv[2:4]:
    for form in (n.encode(), n.encode().replace(b"\x1b", b"\\x1b").replace(b"\x07", b"\\x07"),
                 n.encode().replace(b"\x1b", b"\\u001b").replace(b"\x07", b"\\u0007")):
        if form in b:
            sys.exit("found %r" % form)
for ip in sys.argv[4:]:
    for form in (ip.encode(), socket.inet_aton(ip)):
        if form in b:
            sys.exit("found %r" % form)' "$TMP/redacted/$f" "$A" "$B" $IPA $IPB
done
check_eq "plain: the flow's real addresses" "$IPA>$IPB" \
	"$(jq -r ".flows.list[] | select(.flow.dport == $PORT) | \"\(.flow.src)>\(.flow.dst)\"" \
		"$TMP/plain/r.json")"
alias=$(jq -r ".flows.list[] | select(.flow.dport == $PORT) | \"\(.flow.src)>\(.flow.dst)\"" \
	"$TMP/redacted/r.json")
check "redacted: the flow's addresses are aliases in 198.18.0.0/15 ($alias)" \
	grep -qE '^198\.1[89]\.[0-9]+\.[0-9]+>198\.1[89]\.[0-9]+\.[0-9]+$' <<<"$alias"
# the pcapng packets carry the same aliases, with valid IPv4 header and UDP checksums
check "redacted: pcapng packets to port $PORT use the report's aliases, checksums valid" \
	python3 - "$TMP/redacted/r.pcapng" "$alias" $PORT <<'PY'
import socket, struct, sys
b = open(sys.argv[1], "rb").read()
src, dst = sys.argv[2].split(">")
port = int(sys.argv[3])
def csum(d):
    if len(d) % 2: d += b"\0"
    s = sum(struct.unpack("!%dH" % (len(d) // 2), d))
    while s >> 16: s = (s & 0xffff) + (s >> 16)
    return s
off, n, links = 0, 0, []
while off + 12 <= len(b):
    t, ln = struct.unpack_from("=II", b, off)
    if t == 1:
        links.append(struct.unpack_from("=H", b, off + 8)[0])
    if t == 6:
        iface, _, _, cap, orig = struct.unpack_from("=IIIII", b, off + 8)
        p = b[off + 28:off + 28 + cap]
        l2 = {1: 14, 113: 16, 101: 0}[links[iface]]
        ip = p[l2:]
        if links[iface] != 101 and p[l2 - 2:l2] != b"\x08\x00":
            off += ln; continue
        ihl = (ip[0] & 15) * 4
        if ip[9] == 17 and struct.unpack_from("!H", ip, ihl + 2)[0] == port:
            assert socket.inet_ntoa(ip[12:16]) == src and socket.inet_ntoa(ip[16:20]) == dst, ip[12:20]
            assert csum(ip[:ihl]) == 0xffff, "IPv4 header checksum"
            udp = ip[ihl:]
            ulen = struct.unpack_from("!H", udp, 4)[0]
            if orig == cap and ulen == len(udp):	# whole datagram captured: check UDP too
                ph = ip[12:20] + struct.pack("!BBH", 0, 17, ulen)
                assert csum(ph + udp) == 0xffff, "UDP checksum"
            n += 1
    off += ln
assert n > 0, "no packet to the port"
PY
time_report hostile_names
