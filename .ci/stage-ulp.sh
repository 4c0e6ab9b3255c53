#!/bin/bash
# CI stage "ulp": the accuracy of nnfast's elementary functions (csrc/vmath.h).
# Builds tests/ulp/ulp_check with gcc (one object per x86-64 instruction-set
# variant the core is built for) and runs it: float32 exhaustively over every
# input where a function is neither constant nor x, float64 over 1.2e7 samples
# per function. Fails if an error exceeds 2 ulp (float32) or 4 ulp (float64).
# Usage, from the repository root: bash .ci/stage-ulp.sh SCRATCH_DIR
set -euo pipefail
work=${1:?usage: bash .ci/stage-ulp.sh SCRATCH_DIR}
mkdir -p "$work/ulp"
echo "+ bash tests/ulp/build.sh $work/ulp"
bin=$(bash tests/ulp/build.sh "$work/ulp")
echo "+ $bin"
start=$(date +%s)
"$bin"
echo "ulp check: $(( $(date +%s) - start )) s"
