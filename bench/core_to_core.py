"""nnfast's threaded fits against the distance between the machine's two cores.

Builds ``core_to_core.c`` (the C compiler ``cc``, or $CC), then alternates for
``--seconds``: the probe for a second (the nanoseconds a cache line written on
one CPU takes to reach the other), each workload's fit on all CPUs and on one
(best of ``--fits``), the probe again. A round whose two probes agree is counted
as "near" (both below ``--far-ns``) or "far" (both above); the summary gives the
median fit times of each kind::

    python bench/core_to_core.py --seconds 240 --workloads deep_narrow,tabular_small

On a virtual machine the host may move the virtual CPUs while this runs; the
rounds then fall into both kinds. Linux only (the probe pins its threads).
"""

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

from nnfast import _workloads
from nnfast.bench import make_nnfast

SOURCE = Path(__file__).with_name("core_to_core.c")


def compiler():
    """The C compiler to build the probe with: $CC, else cc or gcc; None if none."""
    return os.environ.get("CC") or shutil.which("cc") or shutil.which("gcc")


def build(directory):
    """Compile the probe into ``directory``; returns the program's path."""
    cc = compiler()
    if cc is None:
        raise RuntimeError("core_to_core: no C compiler (cc, gcc or $CC) found")
    program = Path(directory) / "core_to_core"
    subprocess.run([cc, "-O2", "-pthread", str(SOURCE), "-o", str(program)], check=True)
    return program


def probe(program, seconds):
    """The slowest half-second median of ns per cache line over ``seconds``."""
    out = subprocess.run([str(program), str(seconds)], capture_output=True, text=True,
                         check=True).stdout
    medians = [float(line.split()[3]) for line in out.splitlines()[1:] if line.strip()]
    if not medians:
        raise RuntimeError(f"core_to_core printed no measurement:\n{out}")
    return max(medians)


def best_fit_ms(workload, X, y, fits):
    times = []
    for _ in range(fits):
        start = time.perf_counter()
        make_nnfast(workload).fit(X, y)
        times.append(time.perf_counter() - start)
    return 1e3 * min(times)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=120)
    parser.add_argument("--workloads", default="deep_narrow,tabular_small")
    parser.add_argument("--fits", type=int, default=3)
    parser.add_argument("--far-ns", type=float, default=2.5,
                        help="ns per line above which the cores count as far (default 2.5)")
    args = parser.parse_args(argv)
    warnings.filterwarnings("ignore")  # the workloads' fixed epochs do not converge
    names = args.workloads.split(",")
    data = {}
    for name in names:
        w = _workloads.workload(name)
        data[name] = (w, *_workloads.dataset(w, np.float32))
    rounds = []
    with tempfile.TemporaryDirectory() as tmp:
        program = build(tmp)
        start = time.time()
        while time.time() - start < args.seconds:
            before = probe(program, 1)
            row = {}
            for name, (w, X, y) in data.items():
                row[name, "all"] = best_fit_ms(w, X, y, args.fits)
                with threadpool_limits(1):
                    row[name, "one"] = best_fit_ms(w, X, y, args.fits)
            after = probe(program, 0.6)
            kind = ("near" if max(before, after) < args.far_ns else
                    "far" if min(before, after) > args.far_ns else "mixed")
            rounds.append((kind, before, after, row))
            print(f"{time.time() - start:6.1f} s  probe {before:4.1f} / {after:4.1f} ns  "
                  + "  ".join(f"{n}: {row[n, 'all']:.1f} / {row[n, 'one']:.1f} ms" for n in names),
                  flush=True)
    print(f"\nfit ms, best of {args.fits}, all CPUs / one CPU; median over rounds")
    for kind in ("near", "far", "mixed"):
        these = [r for r in rounds if r[0] == kind]
        if not these:
            print(f"{kind:5}: no rounds")
            continue
        ns = [min(r[1], r[2]) for r in these] + [max(r[1], r[2]) for r in these]
        cells = [f"{n} {statistics.median(r[3][n, 'all'] for r in these):.1f} / "
                 f"{statistics.median(r[3][n, 'one'] for r in these):.1f}" for n in names]
        print(f"{kind:5}: {len(these):3} rounds, probe {min(ns):.1f}-{max(ns):.1f} ns/line  "
              + "  ".join(cells))
    return 0


if __name__ == "__main__":
    sys.exit(main())
