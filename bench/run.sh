#!/bin/bash
# `make bench`: every benchmark, side by side with trace-cmd where it applies.  Not a test.
set -u
here=$(cd "$(dirname "$0")" && pwd)
export B=${B:-build}

# recorder
echo "== recorder: untraced, the floor, skbtrail-record (default, lean, flight), trace-cmd record (bench/record.sh)"
bash "$here/record.sh"

# analyzer
echo
echo "== analyzer: skbtrail-analyze vs trace-cmd report vs a bare kbuffer walk (bench/analyze.sh)"
bash "$here/analyze.sh"

# scaling
echo
echo "== analyzer scaling: trace length 1x 4x 16x, CPUs 2 4 8 16 (bench/scale.sh)"
bash "$here/scale.sh"

# the fidelity matrix's event sets on a flood
echo
echo "== event sets of the fidelity matrix on a >= 1 M event flood: analyzer vs trace-cmd report (bench/fidelity.sh)"
bash "$here/fidelity.sh"
