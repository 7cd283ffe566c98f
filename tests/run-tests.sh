#!/bin/bash
# Run every test program given as an argument and add up their TAP output.
# A test program is a cmocka binary (run with CMOCKA_MESSAGE_OUTPUT=TAP) or a script that
# prints TAP lines through tests/lib.sh.  Ends with one line "N passed, N failed, N skipped"
# and exits non-zero on any failure, or when a program crashed or printed no result.
set -u
pass=0 fail=0 skip=0
here=$(cd "$(dirname "$0")" && pwd)
export B=${B:-build}
export SKBT_ROOT=$(cd "$here/.." && pwd)
export CMOCKA_MESSAGE_OUTPUT=TAP
log_dir=${B}/test-logs
mkdir -p "$log_dir"
for t in "$@"; do
	name=$(basename "$t")
	log="$log_dir/$name.log"
	start=$(date +%s)
	if [[ "$t" == *.sh ]]; then
		bash "$t" >"$log" 2>&1
	else
		"$t" >"$log" 2>&1
	fi
	rc=$?
	p=0 f=0 s=0
	while IFS= read -r line; do
		case "$line" in
		# cmocka prints "not ok N # SKIP" for a skipped test
		"ok "*"# SKIP"*|"not ok "*"# SKIP"*) s=$((s + 1)); echo "SKIP $name:${line#*# SKIP}";;
		"ok "*) p=$((p + 1));;
		"not ok "*) f=$((f + 1)); echo "FAIL $name: ${line#not ok }";;
		esac
	done <"$log"
	if [ $rc -ne 0 ] && [ $f -eq 0 ]; then
		f=1
		echo "FAIL $name: exited with status $rc"
	fi
	if [ $((p + f + s)) -eq 0 ]; then
		f=1
		echo "FAIL $name: printed no test result"
	fi
	if [ $f -ne 0 ]; then
		echo "---- $log (last 30 lines)"; tail -30 "$log"; echo "----"
	fi
	printf '%-28s %3d passed, %d failed, %d skipped (%ds)\n' "$name" $p $f $s \
		$(( $(date +%s) - start ))
	pass=$((pass + p)) fail=$((fail + f)) skip=$((skip + s))
done
echo "$pass passed, $fail failed, $skip skipped"
[ $fail -eq 0 ]
