#!/bin/bash
# Builds tests/ulp/ulp_check into $1 (default: a temporary directory) and prints its path.
# One object of ulp_variant.c per instruction set nnfast's core is built for, with
# the core's floating-point flags (CMakeLists.txt).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-$(mktemp -d)}
CC=${CC:-gcc}
flags=(-std=gnu99 -O3 -Wall -Wextra -Werror -fno-math-errno -fno-trapping-math -ffp-contract=off -I"$here/../../csrc" -I"$here")
objs=()
defs=()
if [ "$(uname -m)" = x86_64 ]; then
  for v in baseline:x86-64 v3:x86-64-v3 v4:x86-64-v4; do
    name=${v%%:*} arch=${v#*:}
    "$CC" "${flags[@]}" -march="$arch" -DVARIANT="$name" -c "$here/ulp_variant.c" -o "$out/variant_$name.o"
    objs+=("$out/variant_$name.o")
  done
  defs=(-DHAVE_V3 -DHAVE_V4)
else
  "$CC" "${flags[@]}" -DVARIANT=baseline -c "$here/ulp_variant.c" -o "$out/variant_baseline.o"
  objs+=("$out/variant_baseline.o")
fi
"$CC" "${flags[@]}" "${defs[@]}" "$here/ulp_check.c" "${objs[@]}" -o "$out/ulp_check" -lm -lpthread
echo "$out/ulp_check"
