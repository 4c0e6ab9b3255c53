#!/usr/bin/env bash
# The C core is portable C99 + POSIX threads: build nnfast with clang (Debian's
# package), the core with -Wall -Wextra -Werror (gcc gets the same in
# .ci/stage-dist.sh), then the C-kernel tests and a small fit on that build.
#   bash .ci/stage-clang.sh SCRATCH_DIR
# -Werror is a CI setting (NNFAST_WERROR), not the default: a user's newer
# compiler may bring a new warning, and that must not break their install.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
work=${1:?usage: bash .ci/stage-clang.sh SCRATCH_DIR}
python=${PYTHON:-python3}
start=$SECONDS
mkdir -p "$work"

if ! command -v clang >/dev/null; then
  sudo=""
  [ "$(id -u)" = 0 ] || sudo=sudo
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq clang >/dev/null
fi
clang --version | head -1

"$python" -m venv "$work/clang-venv"
py="$work/clang-venv/bin/python"
# The build requirements and the runtime dependencies, then a build without
# isolation so CC reaches CMake unchanged.
"$py" -m pip install --quiet scikit-build-core cython cython-cmake numpy scipy scikit-learn \
  threadpoolctl pytest hypothesis
rm -rf "$work/build-clang"
CC=clang "$py" -m pip install --quiet --no-build-isolation --no-deps \
  -Cbuild-dir="$work/build-clang" -Ccmake.define.NNFAST_WERROR=ON .
cache="$work/build-clang/CMakeCache.txt"
grep -E '^CMAKE_C_COMPILER:' "$cache"
grep -qE '^CMAKE_C_COMPILER:[A-Z]+=.*clang' "$cache" || { echo "the build did not use clang" >&2; exit 1; }
grep -E '^NNFAST_(WERROR|HAVE_TARGET_CLONES)' "$cache"
grep -qE '^NNFAST_WERROR:BOOL=ON' "$cache" || { echo "the build did not use -Werror" >&2; exit 1; }

# From $work so that the installed build is the one imported.
(cd "$work" && "$py" -m pytest -q -p no:cacheprovider \
  "$root/tests/test_kernels.py" "$root/tests/test_kernel_properties.py" \
  "$root/tests/test_gradients.py" "$root/tests/test_threads.py" \
  "$root/tests/test_activations_losses.py")
(cd "$work" && "$py" - <<'PY'
import numpy as np

import nnfast

assert "site-packages" in nnfast.__file__, nnfast.__file__
rng = np.random.default_rng(1)
X = rng.standard_normal((400, 8))
y = X[:, 0] * X[:, 1] + 0.5 * X[:, 2]
reg = nnfast.MLPRegressor(hidden_layer_sizes=(32,), max_iter=400, random_state=0).fit(X, y)
r2 = reg.score(X, y)
assert r2 > 0.9, r2
print(f"clang build OK: train R^2 {r2:.3f}")
PY
)
echo "stage-clang: $((SECONDS - start)) s"
