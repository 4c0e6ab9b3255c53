"""Each hidden activation's fit of regression_mid's network as a multiple of the
relu fit, float32 and float64: the relu fit and the activation's fit in turn,
ROUNDS rounds, the fastest of each (alternating keeps a slow stretch of the
machine from landing on one side only).

    python bench/activation_ratios.py [ROUNDS] [ACTIVATIONS] [DTYPES]

e.g. ``python bench/activation_ratios.py 8 gelu,softplus float64``. The fits are
those of ``python -m nnfast.bench --activations`` (nnfast._workloads).
"""

import sys
import time
import warnings

from nnfast.bench import make_nnfast
from nnfast._workloads import ACTIVATIONS, activation_workloads, dataset


def fastest_pair(relu, other, dtype, rounds):
    X, y = dataset(relu, dtype)
    best = [float("inf"), float("inf")]
    for _ in range(rounds):
        for i, w in enumerate((relu, other)):
            model = make_nnfast(w, dtype)
            start = time.perf_counter()
            model.fit(X, y)
            best[i] = min(best[i], time.perf_counter() - start)
    return best


def main(argv):
    rounds = int(argv[0]) if argv else 8
    names = argv[1].split(",") if len(argv) > 1 else [a for a in ACTIVATIONS if a != "relu"]
    dtypes = argv[2].split(",") if len(argv) > 2 else ["float32", "float64"]
    workloads = {w.activation: w for w in activation_workloads(1.0, ["relu", *names])}
    warnings.simplefilter("ignore")  # ConvergenceWarning: the epochs are fixed
    for dtype in dtypes:
        for name in names:
            relu, other = fastest_pair(workloads["relu"], workloads[name], dtype, rounds)
            print(f"{dtype} {name:<9} relu {relu:.4f} s  {name} {other:.4f} s  "
                  f"ratio {other / relu:.2f}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
