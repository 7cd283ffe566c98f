#!/bin/bash
# The layers of docs/architecture.md, read from the objects the build made: lib/ needs nothing
# of model/ or render/, model/ nothing of render/, and the recorder nothing of render/ and of
# model/ only the decoder and the journey builder (its latency trigger); nothing below uses
# the recorder.  Then the module graph inside model/ and
# render/: no cycle between modules (module A uses B when A's object has an undefined symbol
# that B's object defines).
. "$(dirname "$0")/../lib.sh"
cd "$SKBT_ROOT" || exit 1
echo "TAP version 13"
obj=$B
defs() { for o in "$@"; do nm --defined-only "$o" | awk '$2 ~ /[TDRB]/ {print $3}'; done | sort -u; }
uses() { for o in "$@"; do nm -u "$o" | awk '{print $2}'; done | sort -u; }
for d in lib model render record; do
	[ -n "$(ls "$obj/$d"/*.o 2>/dev/null)" ] || { not_ok "no objects in $obj/$d (make first)"; exit 1; }
done
check_eq "lib/ uses nothing of model/ or render/" "" \
	"$(comm -12 <(uses "$obj"/lib/*.o) <(defs "$obj"/model/*.o "$obj"/render/*.o) | xargs)"
check_eq "model/ uses nothing of render/" "" \
	"$(comm -12 <(uses "$obj"/model/*.o) <(defs "$obj"/render/*.o) | xargs)"
check_eq "the recorder (record/) uses nothing of render/" "" \
	"$(comm -12 <(uses "$obj"/record/*.o) <(defs "$obj"/render/*.o) | xargs)"
# its latency trigger (record/follow.c) decodes and builds journeys as the analyzer does
check_eq "the recorder uses of model/ only the decoder and the journey builder" "" \
	"$(comm -12 <(uses "$obj"/record/*.o) <(defs $(ls "$obj"/model/*.o | grep -v -e /events.o -e /journey.o)) | xargs)"
check_eq "lib/, model/ and render/ use nothing of record/" "" \
	"$(comm -12 <(uses "$obj"/lib/*.o "$obj"/model/*.o "$obj"/render/*.o) <(defs "$obj"/record/*.o) | xargs)"
# module graph: edges A -> B, then look for a cycle with tsort
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for o in "$obj"/lib/*.o "$obj"/model/*.o "$obj"/render/*.o; do
	m=$(basename "$(dirname "$o")")/$(basename "$o" .o)
	nm -u "$o" | awk -v m="$m" '{print $2, m}' >>"$tmp/uses"
	nm --defined-only "$o" | awk -v m="$m" '$2 ~ /[TDRB]/ {print $3, m}' >>"$tmp/defs"
done
sort -o "$tmp/uses" "$tmp/uses"
sort -o "$tmp/defs" "$tmp/defs"
edges=$(join "$tmp/uses" "$tmp/defs" | awk '$2 != $3 {print $2, $3}' | sort -u)
if out=$(tsort <<<"$edges" 2>&1 >/dev/null) && [ -z "$out" ]; then
	ok "module graph: $(wc -l <<<"$edges") dependencies, no cycle"
else
	not_ok "module graph has a cycle: $(head -5 <<<"$out" | xargs)"
fi
echo "1..$_tap_n"
