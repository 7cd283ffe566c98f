#!/bin/bash
# Hostile trace files (tests/hostile/mkhostile.py writes them, small, into a temporary
# directory) through every output of the analyzer: each must end within 20 s and 512 MB of
# peak RSS with a report (exit 0) or one line naming the file (exit 3 or 2), never a signal
# (tests/hostile/check.py).  The budgets they hit are in docs/file-format.md, "Limits".
. "$(dirname "$0")/../lib.sh"
cd "$SKBT_ROOT" || exit 1
echo "TAP version 13"
tmp=$(mktemp -d /tmp/skbt-hostile.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
if ! python3 tests/hostile/mkhostile.py tests/data/ovs-fastpath-slim.dat "$tmp" >"$tmp/list" 2>"$tmp/gen.err"; then
	not_ok "mkhostile.py: $(tail -1 "$tmp/gen.err")"
	echo "1..$_tap_n"
	exit 0
fi
check_eq "hostile files written" 14 "$(wc -l <"$tmp/list")"
mkdir -p "$tmp/out"
# ASan+UBSan builds (B=build-san) run several times slower: the 20 s bound is scaled there
[ "$B" = build-san ] && export SKBT_HOSTILE_SCALE=8
# two files at a time (2 CPUs); each line of check.py becomes a TAP line
while read -r line; do
	case $line in
	"ok "*) ok "${line#ok }" ;;
	*) not_ok "${line#not ok }" ;;
	esac
done < <(printf '%s\n' "$tmp"/*.dat | xargs -P 2 -n 1 python3 tests/hostile/check.py "$ANALYZE" "$tmp/out")
echo "1..$_tap_n"
