"""How fast a fit or a predict could be here if it were nothing but its GEMMs.

For each workload this times a fit's matrix products alone -- no shuffling,
gathering, activation, loss, optimizer step or synchronisation -- through the
BLAS nnfast calls, in two arrangements:

* threads: each CPU runs its own share of every minibatch (``batch / CPUs``
  rows, BLAS held at one thread), as nnfast's fits do, all at once;
* BLAS: one thread runs every minibatch whole, BLAS using all the CPUs;

and a predict's products over all the rows: in chunks of rows shared by the
threads (the best of four sizes), or in one call a layer with BLAS on all
CPUs. Beside them: the fit and predict times of every contender of
``python -m nnfast.bench``, measured in the same run, and the time nnfast would
need for the goals of issue #6 (a fit 3x or 10x, a predict 2x faster than the
fastest other contender)::

    python bench/gemm_floor.py --workloads mnist_like

The products run on operands that stay in the caches (the rows are not read
from X), so the floors are low bounds: one above the goal's time means no
implementation calling this BLAS reaches the goal on this machine. Each call
from Python costs about a microsecond more than its product; that cost (timed
with 1x1x1 products) is taken off, and a floor is "-" when it would be more
than 2% of the time: only mnist_like's products are long enough to be timed
from Python.
"""

import argparse
import sys
import threading
import time

import numpy as np
from threadpoolctl import threadpool_limits

from nnfast import _core, _workloads, bench

# a fit's goal: nnfast this many times faster than the fastest other contender
FIT_GOAL = {"mnist_like": 3.0, "tabular_small": 10.0, "regression_mid": 3.0,
            "deep_narrow": 10.0}
PREDICT_GOAL = 2.0


def minibatch_products(units, rows):
    """The (M, N, K, trans_a, trans_b) of one minibatch of ``rows`` rows through
    layers of ``units``: per layer the forward product, the weight gradient
    (activations^T @ deltas) and, but for the first layer, the deltas passed back."""
    shapes = []
    for fan_in, fan_out in zip(units[:-1], units[1:]):
        shapes.append((rows, fan_out, fan_in, False, False))
    for i, (fan_in, fan_out) in enumerate(zip(units[:-1], units[1:])):
        shapes.append((fan_in, fan_out, rows, True, False))
        if i > 0:
            shapes.append((rows, fan_in, fan_out, False, True))
    return shapes


def flops(shapes):
    return sum(2 * m * n * k for m, n, k, _, _ in shapes)


def _operands(shapes, rng):
    """Arrays (c, a, b, trans_a, trans_b) for each product, in the layout _core.gemm takes."""
    out = []
    for m, n, k, ta, tb in shapes:
        a = rng.standard_normal((k, m) if ta else (m, k), dtype=np.float32)
        b = rng.standard_normal((n, k) if tb else (k, n), dtype=np.float32)
        out.append((np.zeros((m, n), dtype=np.float32), a, b, ta, tb))
    return out


def _run(operands, times):
    gemm = _core.gemm
    for _ in range(times):
        for c, a, b, ta, tb in operands:
            gemm(c, a, b, ta, tb, 1.0, 0.0)


def call_overhead(calls=20000):
    """Seconds one _core.gemm call from Python costs beyond its product (1x1x1)."""
    one = [(np.zeros((1, 1), np.float32), np.ones((1, 1), np.float32),
            np.ones((1, 1), np.float32), False, False)]
    best = np.inf
    for _ in range(3):
        start = time.perf_counter()
        _run(one, calls)
        best = min(best, (time.perf_counter() - start) / calls)
    return best


def _best_threaded(per_thread, times, repeat):
    """Best of ``repeat`` wall times of one thread per operand list, each running
    its products ``times`` times, all started at once, BLAS at one thread."""
    best = np.inf
    with threadpool_limits(1, user_api="blas"):
        for _ in range(repeat):
            start_line = threading.Barrier(len(per_thread) + 1)

            def work(operands):
                start_line.wait()
                _run(operands, times)

            threads = [threading.Thread(target=work, args=(ops,)) for ops in per_thread]
            for t in threads:
                t.start()
            start_line.wait()
            start = time.perf_counter()
            for t in threads:
                t.join()
            best = min(best, time.perf_counter() - start)
    return best


def _best_blas(operands, times, repeat):
    """Best of ``repeat`` wall times of one thread running ``operands`` ``times``
    times, BLAS on all CPUs."""
    best = np.inf
    for _ in range(repeat):
        start = time.perf_counter()
        _run(operands, times)
        best = min(best, time.perf_counter() - start)
    return best


def _products_only(seconds, calls, overhead):
    """``seconds`` less Python's cost of ``calls`` product calls; NaN when that
    cost is over 2% of it: shorter products cannot be timed from Python (threads
    then also wait for each other's GIL, which that cost does not count)."""
    python = calls * overhead
    return seconds - python if python <= 0.02 * seconds else np.nan


def fit_floors(w, cpus, repeat, overhead):
    """Seconds of a fit's products: each of ``cpus`` threads doing its share of
    every minibatch, and whole minibatches with BLAS's threads."""
    rng = np.random.default_rng(_workloads.SEED)
    minibatches = w.epochs * -(-w.n_samples // w.batch_size)
    shapes = minibatch_products(w.layer_units, -(-w.batch_size // cpus))
    seconds = _best_threaded([_operands(shapes, rng) for _ in range(cpus)],
                             minibatches, repeat)
    threads = _products_only(seconds, minibatches * len(shapes), overhead)
    shapes = minibatch_products(w.layer_units, w.batch_size)
    seconds = _best_blas(_operands(shapes, rng), minibatches, repeat)
    return threads, _products_only(seconds, minibatches * len(shapes), overhead)


def predict_floors(w, cpus, repeat, overhead, chunks=(128, 256, 512, 1024)):
    """Seconds of the forward products over all the workload's rows: chunks of
    rows shared by ``cpus`` threads (the best of the sizes in ``chunks``), and
    one call a layer with BLAS's threads."""
    rng = np.random.default_rng(_workloads.SEED)
    pairs = list(zip(w.layer_units[:-1], w.layer_units[1:]))
    threads = np.nan  # np.fmin keeps the other of a NaN and a number
    for rows in chunks:
        per_thread = -(-w.n_samples // (rows * cpus))
        shapes = [(rows, fan_out, fan_in, False, False) for fan_in, fan_out in pairs]
        seconds = _best_threaded([_operands(shapes, rng) for _ in range(cpus)],
                                 per_thread, repeat)
        seconds = _products_only(seconds, per_thread * len(shapes), overhead)
        # the threads ran a few rows more than there are when chunks do not divide them
        threads = np.fmin(threads, seconds * w.n_samples / (per_thread * rows * cpus))
    shapes = [(w.n_samples, fan_out, fan_in, False, False) for fan_in, fan_out in pairs]
    seconds = _best_blas(_operands(shapes, rng), 1, repeat)
    return threads, _products_only(seconds, len(shapes), overhead)


def _seconds(value):
    return "-" if np.isnan(value) else f"{value:.4f}"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workloads", type=bench._names([w.name for w in _workloads.WORKLOADS]),
                        default=["mnist_like"], help="comma-separated (default: mnist_like)")
    parser.add_argument("--repeat", type=bench._positive_int, default=5)
    args = parser.parse_args(argv)

    cpus = bench.n_cpus()
    overhead = call_overhead()
    print(f"CPUs: {cpus}; Python's cost of a product call: {overhead * 1e6:.2f} us; "
          f"GEMM rate (2048^3): {bench.gemm_rate() / 1e9:.1f} GFLOP/s")
    print("seconds: nnfast, the fastest other contender, the goal's time, and the "
          "products alone (threads / BLAS: see the docstring)")
    rows = []
    for w in _workloads.workloads():
        if w.name not in args.workloads:
            continue
        results = [bench.measure(w, c, args.repeat, 10) for c in bench.contenders()]
        ours = next(r for r in results if r["library"] == "nnfast")
        others = [r for r in results if r["library"] != "nnfast"]
        fit = min(others, key=lambda r: r["fit_min_seconds"])
        predict = min(others, key=lambda r: r["predict_all_seconds"])
        threads, whole = fit_floors(w, cpus, args.repeat, overhead)
        rows.append([w.name, "fit", f"{ours['fit_min_seconds']:.4f}", fit["contender"],
                     f"{fit['fit_min_seconds']:.4f}",
                     f"{fit['fit_min_seconds'] / FIT_GOAL[w.name]:.4f} (/{FIT_GOAL[w.name]:g})",
                     _seconds(threads), _seconds(whole)])
        rows.append([w.name, "predict", f"{ours['predict_all_seconds']:.4f}",
                     predict["contender"], f"{predict['predict_all_seconds']:.4f}",
                     f"{predict['predict_all_seconds'] / PREDICT_GOAL:.4f} (/{PREDICT_GOAL:g})",
                     *map(_seconds, predict_floors(w, cpus, args.repeat, overhead))])
    headers = ["workload", "what", "nnfast", "fastest other", "its s", "goal s",
               "GEMMs threads", "GEMMs BLAS"]
    print(bench._table(headers, rows, "llrlrrrr"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
