"""A fit right after a NumPy matrix product, against the same fit alone.

A large NumPy product wakes NumPy's OpenBLAS threads, which then spin for about
0.1 s waiting for more work: a fit that starts in that time finds one core taken.
For each workload this prints the fit time on float32 data (median and fastest
of ``--rounds``) alone and right after ``A @ A`` (1000 x 1000, float64), with
BLAS's thread limit (all the cores) and with one thread::

    python bench/after_numpy.py --rounds 9 --workloads tabular_small,regression_mid

The fit's helper thread then shares two cores with the spinning one; what that
costs, against one thread, is in docs/performance.rst ("Threads").
"""

import argparse
import sys
import time
import warnings

import numpy as np
from threadpoolctl import threadpool_limits

from nnfast import _workloads
from nnfast.bench import make_nnfast

PRODUCT = np.random.default_rng(0).standard_normal((1000, 1000))


def fit_seconds(workload, X, y, after_product, threads):
    """One fit's seconds; a pause (past OpenBLAS's spin) or a product before it."""
    if after_product:
        PRODUCT @ PRODUCT
    else:
        time.sleep(0.15)
    model = make_nnfast(workload, "float32")
    with threadpool_limits(threads):
        start = time.perf_counter()
        model.fit(X, y)
        return time.perf_counter() - start


def measure(workload, rounds):
    """{(after_product, threads): [seconds per round]}, the four kinds alternated."""
    X, y = _workloads.dataset(workload, "float32")
    kinds = [(after, threads) for after in (False, True) for threads in (None, 1)]
    times = {kind: [] for kind in kinds}
    for _ in range(rounds):
        for kind in kinds:
            times[kind].append(fit_seconds(workload, X, y, *kind))
    return times


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--workloads", default="tabular_small,regression_mid")
    parser.add_argument("--scale", type=float, default=1.0)
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore")  # ConvergenceWarning: the epochs are fixed
    print(f"{'workload':15s} {'threads':12s} {'alone s':>16s} {'after A @ A s':>16s}")
    for name in args.workloads.split(","):
        times = measure(_workloads.workload(name, args.scale), args.rounds)
        for threads, label in ((None, "every core"), (1, "one thread")):
            cells = []
            for after in (False, True):
                t = sorted(times[(after, threads)])
                cells.append(f"{t[len(t) // 2]:.4f} ({t[0]:.4f})")
            print(f"{name:15s} {label:12s} {cells[0]:>16s} {cells[1]:>16s}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
