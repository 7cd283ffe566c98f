#!/bin/bash
# The command line outside the pipeline: --version (the program's version and the libraries'
# of the build) and the bash completion (completion/skbtrail.bash): options, --events sets and
# event names, --stage names, files and devices, as the programs and /sys/class/net give them;
# outputs that would overwrite the input, and the numeric options' one parser.
set -u
. "$(dirname "$0")/../lib.sh"
cd "$SKBT_ROOT" || exit 1
version=$(sed -n 's/^#define SKBT_VERSION "\(.*\)"$/\1/p' include/skbtrail/common.h)

# the libraries each program links (the recorder no json-c, the analyzer no libtracefs)
for p in "$RECORD:libtracefs libtraceevent libpcap libzstd:json-c" \
	"$ANALYZE:libtraceevent libpcap json-c libzstd:libtracefs"; do
	IFS=: read -r p libs nolib <<<"$p"
	name=${p##*/}
	out=$("$p" --version)
	check_eq "$name --version: first line" "$name $version" "$(head -1 <<<"$out")"
	for lib in $libs; do
		v=$(pkg-config --modversion "$lib" 2>/dev/null)
		check "$name --version names $lib $v" grep -q "[:,] $lib $v\(,\|$\)" <<<"$out"
	done
	check "$name --version does not name $nolib" bash -c '! grep -q " $1 " <<<"$2"' _ \
		"$nolib" "$out"
	check "$name --complete nonsense is a usage error" \
		bash -c '"$1" --complete nonsense 2>/dev/null; [ $? = 2 ]' _ "$p"
done

PATH=$SKBT_ROOT/$B:$PATH
# shellcheck source=../../completion/skbtrail.bash
. completion/skbtrail.bash
for name in skbtrail-record skbtrail-analyze; do
	check "completion registered for $name" grep -q -- '-F _skbtrail ' <<<"$(complete -p $name)"
done

# comp LINE: the candidates bash gets for the cursor at the end of LINE, space-separated.
# Bash replaces only what follows the last = or : of the word, so "--events=net:netif_rx,sk"
# completes to "netif_rx,skb:kfree_skb".
comp() {
	local -a w
	read -ra w <<<"$1"
	COMP_LINE=$1 COMP_POINT=${#1} COMPREPLY=()
	_skbtrail "${w[0]}" "" ""
	echo "${COMPREPLY[*]}"
}

# every option --help shows is offered, and nothing else (the hidden --complete is not)
for name in skbtrail-record skbtrail-analyze; do
	want=$("$name" --help | grep -oE -- '(^ +|, )--[a-z][a-z-]*' | sed 's/.*--/--/' |
		sort -u | tr '\n' ' ')
	got=$(comp "$name --" | tr ' ' '\n' | sort -u | tr '\n' ' ')
	check_eq "$name --<TAB>: the options of --help" "$want" "$got"
done
check_eq "skbtrail-record --ev<TAB>" "--events" "$(comp 'skbtrail-record --ev')"
check_eq "skbtrail-analyze --st<TAB>" "--stage" "$(comp 'skbtrail-analyze --st')"
got=$(comp 'skbtrail-record --events ')
check "skbtrail-record --events <TAB>: the sets, then the events ($got)" \
	grep -q '^core full lean net:netif_receive_skb net:netif_rx napi:napi_poll net:net_dev_queue .*openvswitch:ovs_dp_upcall' <<<"$got"
check_eq "skbtrail-record --events f<TAB>" "full" "$(comp 'skbtrail-record --events f')"
check_eq "skbtrail-record -e skb:<TAB> (after the :)" "kfree_skb consume_skb skb_copy_datagram_iovec" \
	"$(comp 'skbtrail-record -e skb:')"
check_eq "skbtrail-record --events=net:netif_rx,sk<TAB> (after the last :)" \
	"netif_rx,skb:kfree_skb netif_rx,skb:consume_skb netif_rx,skb:skb_copy_datagram_iovec" \
	"$(comp 'skbtrail-record --events=net:netif_rx,sk')"
check_eq "skbtrail-record --events net:netif_rx,<TAB>: no set, not netif_rx again" "" \
	"$(comp 'skbtrail-record --events net:netif_rx,' | tr ' ' '\n' | grep -E 'core|full|lean|,net:netif_rx$')"
check_eq "skbtrail-analyze --without skb:<TAB>" "kfree_skb consume_skb skb_copy_datagram_iovec" \
	"$(comp 'skbtrail-analyze --without skb:')"
check_eq "skbtrail-analyze --without <TAB>: no sets" "" \
	"$(comp 'skbtrail-analyze --without ' | tr ' ' '\n' | grep -v :)"
check_eq "skbtrail-record --format <TAB>" "v7 v6" "$(comp 'skbtrail-record --format ')"
check_eq "skbtrail-analyze --stage <TAB>" "gro rps forward backlog xmit stack upcall socket" \
	"$(comp 'skbtrail-analyze --stage ')"
check_eq "skbtrail-analyze --stage=ba<TAB>" "backlog" "$(comp 'skbtrail-analyze --stage=ba')"
check_eq "skbtrail-record --trigger <TAB>: the kinds, then the latency stages" \
	"drop drop: softnet-drop squeeze rx-drop: gro> rps> forward> backlog> xmit> stack> upcall> socket>" \
	"$(comp 'skbtrail-record --trigger ')"
check_eq "skbtrail-record --trigger ba<TAB>" "backlog>" "$(comp 'skbtrail-record --trigger ba')"
check "skbtrail-record --trigger rx-drop:<TAB> lists lo (after the :)" \
	grep -qx lo <<<"$(comp 'skbtrail-record --trigger rx-drop:' | tr ' ' '\n')"
check "skbtrail-analyze --dev <TAB> lists lo" grep -qw lo <<<"$(comp 'skbtrail-analyze --dev ')"
check "skbtrail-record -D <TAB> lists lo" grep -qw lo <<<"$(comp 'skbtrail-record -D ')"
check_eq "skbtrail-record --dev lo,<TAB>: not lo again" "" \
	"$(comp 'skbtrail-record --dev lo,' | tr ' ' '\n' | grep -x 'lo,lo')"
check_eq "skbtrail-analyze samples/ovs-vm-fa<TAB>" "samples/ovs-vm-fastpath.dat" \
	"$(comp 'skbtrail-analyze -q samples/ovs-vm-fa')"
check_eq "skbtrail-analyze --json=samples/ovs-vm-fa<TAB>" "samples/ovs-vm-fastpath.dat" \
	"$(comp 'skbtrail-analyze --json=samples/ovs-vm-fa')"

# No output is the input, nor two outputs one file (also through a symlink, a hard link or a
# file not there yet): refused before anything is written, exit 2, one line, input intact.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp samples/native-a_udp.dat "$tmp/t.dat"
ln -s t.dat "$tmp/sym.dat"
ln "$tmp/t.dat" "$tmp/hard.dat"
sum=$(md5sum <"$tmp/t.dat")
# refused ARGS...: exit 2 with one line on stderr, nothing created, the input unchanged
refused() {
	local err rc
	err=$(cd "$tmp" && "$ANALYZE" "$@" 2>&1 >/dev/null)
	rc=$?
	[ $rc = 2 ] && [ "$(wc -l <<<"$err")" = 1 ] && [ "$(md5sum <"$tmp/t.dat")" = "$sum" ] &&
		[ ! -e "$tmp/new" ] || { echo "# rc $rc: $err"; return 1; }
}
for opt in --json --perfetto --html --journeys --csv --pcapng; do
	check "$opt t.dat t.dat: refused" refused $opt t.dat t.dat
	check "$opt ./sym.dat (symlink to the input): refused" refused $opt ./sym.dat t.dat
	check "$opt hard.dat (hard link to the input): refused" refused $opt hard.dat t.dat
	check "$opt $tmp/t.dat (absolute path of the input): refused" refused $opt "$tmp/t.dat" \
		t.dat
done
check "--csv new --html ./new (one file not there yet): refused" refused --csv new --html ./new \
	t.dat
check "--json x --csv x: refused" refused --json x --csv x t.dat
check "stdout appended to the input: refused" \
	bash -c 'cd "$1" && "$2" t.dat >>t.dat 2>/dev/null; [ $? = 2 ]' _ "$tmp" "$ANALYZE"
check_eq "input intact after all of it" "$sum" "$(md5sum <"$tmp/t.dat")"
check "--csv and --journeys to two files: accepted" \
	bash -c 'cd "$1" && "$2" -q --csv a.csv --journeys a.jsonl t.dat' _ "$tmp" "$ANALYZE"

# every numeric option through one parser: digits only, in range, else exit 2 and one line
for arg in "--cpu 4294967296" "--cpu ''" "--cpu -1" "--cpu 1x" "--cpu ' 1'" "--cpu +1" \
	"--top ''" "--top -3" "--top 100001" "--flows ''" "--flows -1" \
	"--flows 99999999999999999999" "--perfetto-limit 0" "--perfetto-limit ''"; do
	check "$arg: refused" bash -c 'a=$1 f=$2; eval "set -- $3"; err=$("$a" "$@" "$f" 2>&1 \
		>/dev/null); [ $? = 2 ] && [ "$(wc -l <<<"$err")" = 1 ]' _ "$ANALYZE" "$tmp/t.dat" "$arg"
done
check "--cpu 0 --top 0 --flows 0: accepted" "$ANALYZE" -q --cpu 0 --top 0 --flows 0 "$tmp/t.dat"
