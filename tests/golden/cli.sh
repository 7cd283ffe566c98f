#!/bin/bash
# The command line outside the pipeline: --version (the program's version and the libraries'
# of the build) and the bash completion (completion/skbtrail.bash): options, --events sets and
# event names, --stage names, files and devices, as the programs and /sys/class/net give them.
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
	grep -q '^core full net:netif_receive_skb net:netif_rx napi:napi_poll net:net_dev_queue .*openvswitch:ovs_dp_upcall' <<<"$got"
check_eq "skbtrail-record --events f<TAB>" "full" "$(comp 'skbtrail-record --events f')"
check_eq "skbtrail-record -e skb:<TAB> (after the :)" "kfree_skb consume_skb skb_copy_datagram_iovec" \
	"$(comp 'skbtrail-record -e skb:')"
check_eq "skbtrail-record --events=net:netif_rx,sk<TAB> (after the last :)" \
	"netif_rx,skb:kfree_skb netif_rx,skb:consume_skb netif_rx,skb:skb_copy_datagram_iovec" \
	"$(comp 'skbtrail-record --events=net:netif_rx,sk')"
check_eq "skbtrail-record --events net:netif_rx,<TAB>: no set, not netif_rx again" "" \
	"$(comp 'skbtrail-record --events net:netif_rx,' | tr ' ' '\n' | grep -E 'core|full|,net:netif_rx$')"
check_eq "skbtrail-analyze --without skb:<TAB>" "kfree_skb consume_skb skb_copy_datagram_iovec" \
	"$(comp 'skbtrail-analyze --without skb:')"
check_eq "skbtrail-analyze --without <TAB>: no sets" "" \
	"$(comp 'skbtrail-analyze --without ' | tr ' ' '\n' | grep -v :)"
check_eq "skbtrail-record --format <TAB>" "v7 v6" "$(comp 'skbtrail-record --format ')"
check_eq "skbtrail-analyze --stage <TAB>" "gro rps forward backlog xmit stack upcall socket" \
	"$(comp 'skbtrail-analyze --stage ')"
check_eq "skbtrail-analyze --stage=ba<TAB>" "backlog" "$(comp 'skbtrail-analyze --stage=ba')"
check "skbtrail-analyze --dev <TAB> lists lo" grep -qw lo <<<"$(comp 'skbtrail-analyze --dev ')"
check "skbtrail-record -D <TAB> lists lo" grep -qw lo <<<"$(comp 'skbtrail-record -D ')"
check_eq "skbtrail-record --dev lo,<TAB>: not lo again" "" \
	"$(comp 'skbtrail-record --dev lo,' | tr ' ' '\n' | grep -x 'lo,lo')"
check_eq "skbtrail-analyze samples/ovs-vm-fa<TAB>" "samples/ovs-vm-fastpath.dat" \
	"$(comp 'skbtrail-analyze -q samples/ovs-vm-fa')"
check_eq "skbtrail-analyze --json=samples/ovs-vm-fa<TAB>" "samples/ovs-vm-fastpath.dat" \
	"$(comp 'skbtrail-analyze --json=samples/ovs-vm-fa')"

# No output overwrites the trace or another output (registry.h: every output option), by
# name, by a different spelling, through a symlink or a hard link; nothing is written then.
tmpd=$(mktemp -d)
cp samples/native-a_udp.dat "$tmpd/t.dat"
ln -s t.dat "$tmpd/sym.dat"
ln "$tmpd/t.dat" "$tmpd/hard.dat"
sum=$(md5sum <"$tmpd/t.dat")
for o in json perfetto html journeys csv pcapng; do
	for target in t.dat ./t.dat sym.dat hard.dat; do
		(cd "$tmpd" && "$ANALYZE" -q "--$o" "$target" t.dat >/dev/null 2>"$tmpd/err")
		rc=$?
		check "--$o $target (the input): exit 2 ($(head -1 "$tmpd/err"))" \
			test "$rc" = 2 -a "$(md5sum <"$tmpd/t.dat")" = "$sum"
	done
done
(cd "$tmpd" && "$ANALYZE" -q --csv out.x --journeys ./out.x t.dat 2>"$tmpd/err")
rc=$?
check_eq "two outputs on one file: exit 2 ($(head -1 "$tmpd/err"))" 2 "$rc"
check "... and neither written" test ! -e "$tmpd/out.x"
rm -rf "$tmpd"
