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
while read -r line; do
	case $line in
	"ok "*) ok "${line#ok }" ;;
	*) not_ok "${line#not ok }" ;;
	esac
done < <(python3 tests/hostile/check.py "$ANALYZE" "$tmp/out" "$tmp"/*.dat)
echo "1..$_tap_n"
