#!/bin/bash
# Damaged samples through the whole analyzer (tests/golden/robust.py says what is accepted):
# every sample cut at many offsets and with random bit flips (fixed seed).  Under sanitizers
# (B=build-san) a sparser sampling keeps it short.
. "$(dirname "$0")/../lib.sh"
cd "$SKBT_ROOT" || exit 1
echo "TAP version 13"
scale=1
[ "$B" = build-san ] && scale=4
tmp=$(mktemp -d /tmp/skbt-robust.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
samples=(samples/*.dat samples/*.data tests/data/*-v6.dat tests/data/ovs-upcall-slim-raw.dat)
# two at a time (2 CPUs); each line of robust.py becomes a TAP line
printf '%s\n' "${samples[@]}" |
	xargs -P 2 -I{} python3 tests/golden/robust.py "$ANALYZE" {} "$tmp" "$scale" >"$tmp/out"
while read -r line; do
	case $line in
	"ok "*) ok "${line#ok }" ;;
	*) not_ok "${line#not ok }" ;;
	esac
done <"$tmp/out"
echo "1..$_tap_n"
