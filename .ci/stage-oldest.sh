#!/usr/bin/env bash
# Oldest supported versions: every lower bound written in pyproject.toml (the
# runtime dependencies and the build requirements) installed exactly, nnfast
# built and installed against them, then the whole test suite.
#   bash .ci/stage-oldest.sh SCRATCH_DIR
#
# The build runs without build isolation, against the floors: with isolation pip
# would build with the newest SciPy, Cython and scikit-build-core, so the floors
# of [build-system] would never be built with and could silently rot. (The
# extension does not use NumPy's C API, and it takes SciPy's BLAS pointers at
# run time, so a wheel built against the newest versions also runs here; what
# this adds is the proof that the declared build floors still build.)
set -euo pipefail
cd "$(dirname "$0")/.."
work=${1:?usage: bash .ci/stage-oldest.sh SCRATCH_DIR}
python=${PYTHON:-python3}
start=$SECONDS
mkdir -p "$work"

"$python" -m venv "$work/oldest-venv"
py="$work/oldest-venv/bin/python"
pip=("$py" -m pip --disable-pip-version-check)

# The floors, read from pyproject.toml: `name>=X` becomes `name==X`. Any other
# form of lower bound fails here rather than going untested.
"$py" - "$work" <<'PY'
import pathlib
import re
import sys
import tomllib

work = pathlib.Path(sys.argv[1])
meta = tomllib.loads(pathlib.Path("pyproject.toml").read_text())
floor = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*>=\s*([0-9][0-9.]*)\s*$")


def pins(requirements, where):
    out = {}
    for req in requirements:
        req = req.split("#")[0]
        m = floor.match(req)
        if m is None:
            sys.exit(f"{where}: {req!r} is not of the form name>=X")
        out[m.group(1).lower()] = m.group(2)
    return out


runtime = pins(meta["project"]["dependencies"], "project.dependencies")
build = pins(meta["build-system"]["requires"], "build-system.requires")
for name in runtime.keys() & build.keys():
    if runtime[name] != build[name]:
        sys.exit(f"{name}: build floor {build[name]} != runtime floor {runtime[name]}")

# The test extra, with the extras it names of nnfast itself expanded.
extras = meta["project"]["optional-dependencies"]
self_ref = re.compile(r"^nnfast\[([^\]]+)\]$")


def expand(name):
    for req in extras[name]:
        m = self_ref.match(req.strip())
        if m:
            for sub in m.group(1).split(","):
                yield from expand(sub.strip())
        else:
            yield req


floors = {**build, **runtime}
(work / "floors.txt").write_text("".join(f"{n}=={v}\n" for n, v in sorted(floors.items())))
(work / "runtime-floors.txt").write_text("".join(f"{n}=={v}\n" for n, v in sorted(runtime.items())))
(work / "test-requirements.txt").write_text("".join(f"{r}\n" for r in dict.fromkeys(expand("test"))))
PY
echo "+ floors (runtime and build):"; cat "$work/floors.txt"

"${pip[@]}" install --quiet -r "$work/floors.txt"
# The floors constrain everything after this point, so nothing upgrades them.
"${pip[@]}" install --quiet --no-build-isolation --no-deps .
"${pip[@]}" install --quiet -c "$work/floors.txt" -r "$work/test-requirements.txt"
"${pip[@]}" check

# What actually ran, and a hard check that it is the floors.
"$py" - "$work/floors.txt" <<'PY'
import importlib.metadata as md
import pathlib
import platform
import sys

from packaging.version import Version

print("Python", platform.python_version())
for line in pathlib.Path(sys.argv[1]).read_text().split():
    name, want = line.split("==")
    have = md.version(name)
    print(f"  {name:20s} {have}")
    if Version(have) != Version(want):
        sys.exit(f"{name} {have} installed, floor is {want}")
for name in ("nnfast", "pandas", "matplotlib", "onnx", "skl2onnx", "onnxruntime",
             "dask", "distributed", "dask-ml", "skops", "hypothesis", "pytest"):
    print(f"  {name:20s} {md.version(name)}")
PY

"$py" -m pytest tests -q -p no:cacheprovider
echo "stage-oldest: $((SECONDS - start)) s"
