"""Fits in two Python threads at once against the same fits one after the other.

The fit releases the GIL, so fits in threads (GridSearchCV with joblib's
threading backend) run at the same time; with default settings each wants all
the cores. For each workload this prints the wall time of ``--pairs`` pairs of
fits run at once (two threads), divided by the pairs, beside that of the same
fits one after the other::

    python bench/concurrent_fits.py --pairs 6 --workloads deep_narrow,tabular_small
"""

import argparse
import sys
import threading
import time
import warnings

import numpy as np

from nnfast import _workloads
from nnfast.bench import make_nnfast


def fit_many(workload, X, y, n):
    for _ in range(n):
        make_nnfast(workload).fit(X, y)


def ms_per_pair(workload, X, y, pairs, at_once):
    start = time.perf_counter()
    if at_once:
        threads = [threading.Thread(target=fit_many, args=(workload, X, y, pairs))
                   for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    else:
        fit_many(workload, X, y, 2 * pairs)
    return 1e3 * (time.perf_counter() - start) / pairs


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pairs", type=int, default=6)
    parser.add_argument("--workloads", default=",".join(w.name for w in _workloads.WORKLOADS))
    args = parser.parse_args(argv)
    warnings.filterwarnings("ignore")  # the workloads' fixed epochs do not converge
    print("workload         at once  one after the other  (ms per pair of fits)")
    for name in args.workloads.split(","):
        w = _workloads.workload(name)
        X, y = _workloads.dataset(w, np.float32)
        fit_many(w, X, y, 1)  # warm up
        together = ms_per_pair(w, X, y, args.pairs, True)
        apart = ms_per_pair(w, X, y, args.pairs, False)
        print(f"{name:15} {together:8.1f}  {apart:19.1f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
