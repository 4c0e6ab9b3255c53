"""`python -m nnfast.bench` / `nnfast bench`: every contender on DESIGN.md's workloads, one table.

All contenders run in one process, one after the other, on the same seeded
data (see nnfast._workloads): nnfast at its default settings (float32),
scikit-learn's MLP on float32 input (it then computes in float32 too) and, when
it is installed, the same network trained by a plain PyTorch loop in float32.
Each contender starts after half a second's rest (so that the idle BLAS and
OpenMP threads the one before left spinning have gone to sleep), an untimed fit
on one batch that pays one-off costs and half a second of untimed full fits
(see WARMUP_SECONDS). For each workload and contender it measures

* fit: the smallest wall time of ``--repeat`` fits (each a fresh estimator),
  the train score after the fit (accuracy, or R^2 for regression; a score at or
  below the workload's floor is marked, so a broken fit stands out), the time
  relative to nnfast's, and the achieved GEMM FLOP rate of the fit (forward and
  backward GEMM FLOPs counted as nnfast._workloads does, divided by the fit
  time) as a percentage of the machine's float32 GEMM rate;
* predict: all the workload's rows (60000 for mnist_like; smallest of
  ``--repeat``) and one row (the median of ``--predict-calls`` calls).

The "streaming" workload is not a fit: partial_fit calls on chunks (100 rows
of an in-memory array; 100-1000 rows of a float64 memory-mapped file), each
loop the best of ``--repeat``, and the overhead of a partial_fit call beyond
its C epoch (see nnfast._streaming_workload). Its table follows the others.

The machine's GEMM rate is that of a 2048 x 2048 x 2048 sgemm through
``scipy.linalg.blas`` -- the BLAS nnfast calls -- measured in the same run: the
best of five before the first workload and again after each one, and the best
of all those counts, so that a moment of load on a shared machine does not make
the percentages exceed 100. The BLAS libraries' thread counts (threadpoolctl)
and PyTorch's are printed with it.

A second table fits regression_mid's network with each hidden activation
(``--activations``; relu, logistic, tanh, elu, gelu, silu, softplus), nnfast in
float32 and float64: the fit time, its ratio to nnfast's relu fit of the same
dtype, and scikit-learn's fit of the same data and dtype for the activations it
has (logistic, tanh, relu) with nnfast's speedup over it.

The table reads: "vs nnfast" is a contender's fit time over nnfast's (2.00x:
nnfast fits twice as fast); the summary gives nnfast's speedup over the fastest
of the other contenders. ``--json FILE`` saves every raw number.
"""

import argparse
import dataclasses
import importlib.util
import json
import os
import platform
import statistics
import sys
import time
import warnings

import numpy as np

from nnfast import _streaming_workload
from nnfast._core import usable_cpus
from nnfast._workloads import (
    ACTIVATIONS,
    ALPHA,
    LEARNING_RATE,
    SEED,
    SKLEARN_ACTIVATIONS,
    WORKLOADS,
    activation_workloads,
    bench_scale,
    dataset,
    fit_gemm_flops,
    workloads,
)

GEMM_N = 2048
GEMM_RUNS = 5
# Seconds of rest before each contender's fits. BLAS's and OpenMP's idle threads
# spin for a while after a multithreaded call (OpenBLAS's for about 0.1 s): the
# 2048^3 GEMM and PyTorch's fits leave them spinning, and they would take a core
# from whichever contender comes next. Each contender starts on a quiet machine.
SETTLE_SECONDS = 0.5
# Seconds of untimed full fits before a contender's timed ones (at least one
# fit). The rest above is not always enough: after PyTorch's fits of the
# workload before, nnfast's deep_narrow fits measured 41-57 ms for up to a
# second (28 ms after scikit-learn's), which hit the short fits -- all five of
# nnfast's -- and spared the long ones. Every contender is timed warm.
WARMUP_SECONDS = 0.5
LIBRARIES = ("nnfast", "sklearn", "torch")
# Not a fit of DESIGN.md's table: partial_fit over chunks (nnfast._streaming_workload).
STREAMING = "streaming"


def n_cpus():
    """CPUs this process may run on (as the C core counts them for its threads)."""
    return usable_cpus()


def blas_threads():
    """Threads of every BLAS loaded in the process, keyed "folder/file" of the library.

    nnfast calls SciPy's BLAS, scikit-learn NumPy's (in wheels: scipy.libs/...
    and numpy.libs/...); both are listed when they are different libraries.
    threadpoolctl comes with scikit-learn; without it the dict is empty.
    """
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return {}
    return {
        os.path.join(*lib["filepath"].split(os.sep)[-2:]): lib["num_threads"]
        for lib in threadpool_info()
        if lib["user_api"] == "blas"
    }


def torch_available():
    """Whether PyTorch can be imported, without importing it (it takes seconds)."""
    return importlib.util.find_spec("torch") is not None


# ---------------------------------------------------------------- PyTorch contender


class TorchMLP:
    """The workload's network in PyTorch, trained as scikit-learn trains it.

    Linear+ReLU layers with scikit-learn's Glorot-uniform initialisation; Adam
    with scikit-learn's defaults (lr 1e-3, betas 0.9/0.999, eps 1e-8); the same
    loss (cross-entropy, binary cross-entropy on one logit, or half the squared
    error); a fresh permutation per epoch and a plain loop over index slices (no
    DataLoader); all CPUs. scikit-learn adds alpha/(2 * batch) * ||W||^2 to each
    minibatch loss, weights only, so Adam's coupled weight_decay is alpha /
    batch_size on the weights and 0 on the biases (the shorter last batch of an
    epoch differs slightly). PyTorch is imported when the first one is built.
    """

    def __init__(self, workload):
        import torch

        self._torch = torch
        self.workload = workload

    def _network(self, generator):
        torch = self._torch
        units = self.workload.layer_units
        layers = []
        for fan_in, fan_out in zip(units[:-1], units[1:]):
            linear = torch.nn.Linear(fan_in, fan_out)
            bound = (6.0 / (fan_in + fan_out)) ** 0.5
            torch.nn.init.uniform_(linear.weight, -bound, bound, generator=generator)
            torch.nn.init.uniform_(linear.bias, -bound, bound, generator=generator)
            layers += [linear, torch.nn.ReLU()]
        return torch.nn.Sequential(*layers[:-1])

    def _loss(self):
        torch, w = self._torch, self.workload
        if w.task == "regression":
            mse = torch.nn.MSELoss()
            return lambda out, target: 0.5 * mse(out, target)
        if w.n_outputs == 2:
            return torch.nn.BCEWithLogitsLoss()
        return torch.nn.CrossEntropyLoss()

    def _targets(self, y):
        torch, w = self._torch, self.workload
        y = self._tensor(y)
        if w.task == "regression":
            return y.reshape(len(y), -1)
        if w.n_outputs == 2:
            return y.to(torch.float32).reshape(-1, 1)
        return y

    def _tensor(self, a):
        """A tensor sharing a's memory; the cached arrays are read-only and are never
        written through it, which PyTorch warns about on every call."""
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="The given NumPy array is not writable")
            return self._torch.from_numpy(a)

    def fit(self, X, y):
        torch, w = self._torch, self.workload
        torch.set_num_threads(n_cpus())
        generator = torch.Generator().manual_seed(SEED)
        X, y = self._tensor(X), self._targets(y)
        self.model_ = model = self._network(generator)
        weights = [layer.weight for layer in model if isinstance(layer, torch.nn.Linear)]
        biases = [layer.bias for layer in model if isinstance(layer, torch.nn.Linear)]
        optimizer = torch.optim.Adam(
            [
                {"params": weights, "weight_decay": ALPHA / w.batch_size},
                {"params": biases, "weight_decay": 0.0},
            ],
            lr=LEARNING_RATE,
            betas=(0.9, 0.999),
            eps=1e-8,
        )
        loss_fn = self._loss()
        n = X.shape[0]
        for _ in range(w.epochs):
            order = torch.randperm(n, generator=generator)
            for start in range(0, n, w.batch_size):
                batch = order[start : start + w.batch_size]
                optimizer.zero_grad(set_to_none=True)
                loss_fn(model(X[batch]), y[batch]).backward()
                optimizer.step()
        self.n_iter_ = w.epochs
        return self

    def predict(self, X):
        with self._torch.inference_mode():
            out = self.model_(self._tensor(X))
        w = self.workload
        if w.task == "regression":
            return out.numpy().ravel() if w.n_outputs == 1 else out.numpy()
        if w.n_outputs == 2:
            return (out[:, 0] > 0).long().numpy()
        return out.argmax(dim=1).numpy()

    def score(self, X, y):
        from sklearn.metrics import accuracy_score, r2_score

        metric = r2_score if self.workload.task == "regression" else accuracy_score
        return metric(y, self.predict(X))


# ---------------------------------------------------------------- contenders


@dataclasses.dataclass(frozen=True)
class Contender:
    """``make(workload)`` returns an unfitted estimator with fit, predict, score, n_iter_."""

    name: str
    library: str  # one of LIBRARIES
    make: object


def make_nnfast(workload, dtype="float32"):
    """nnfast's estimator for ``workload``, unfitted, at the workload's settings."""
    import nnfast

    cls = nnfast.MLPRegressor if workload.task == "regression" else nnfast.MLPClassifier
    return cls(**workload.estimator_params(), dtype=dtype)


def _make_sklearn(workload):
    import sklearn.neural_network as sk

    cls = sk.MLPRegressor if workload.task == "regression" else sk.MLPClassifier
    return cls(**workload.estimator_params())


def contenders(libraries=LIBRARIES):
    """The float32 contenders of ``libraries`` that can run here (PyTorch is optional)."""
    table = [
        Contender("nnfast-float32", "nnfast", make_nnfast),
        Contender("sklearn-float32", "sklearn", _make_sklearn),
        Contender("torch-float32", "torch", TorchMLP),
    ]
    return [c for c in table
            if c.library in libraries and (c.library != "torch" or torch_available())]


# ---------------------------------------------------------------- measuring


def gemm_rate(n=GEMM_N, runs=GEMM_RUNS):
    """FLOP/s of the fastest of ``runs`` float32 n x n x n GEMMs through
    scipy.linalg.blas.sgemm, with Fortran-ordered operands so nothing is copied."""
    from scipy.linalg.blas import sgemm

    rng = np.random.default_rng(SEED)
    a = np.asfortranarray(rng.standard_normal((n, n), dtype=np.float32))
    b = np.asfortranarray(rng.standard_normal((n, n), dtype=np.float32))
    c = np.zeros((n, n), dtype=np.float32, order="F")
    sgemm(1.0, a, b, beta=0.0, c=c, overwrite_c=True)  # warm-up: threads, pages
    best = np.inf
    for _ in range(runs):
        start = time.perf_counter()
        sgemm(1.0, a, b, beta=0.0, c=c, overwrite_c=True)
        best = min(best, time.perf_counter() - start)
    return 2.0 * n**3 / best


def _timed(function, *args):
    start = time.perf_counter()
    result = function(*args)
    return time.perf_counter() - start, result


def measure(workload, contender, repeat, predict_calls):
    """One row of results: fit, score, FLOP rate and predict times, as a dict
    (run() adds the FLOP rate as a percentage of the GEMM rate)."""
    X, y = dataset(workload, "float32")
    fit_seconds = []
    time.sleep(SETTLE_SECONDS)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ConvergenceWarning: the epochs are fixed
        # A first fit pays one-off costs (PyTorch's thread pool and kernel
        # selection above all: seconds); one batch of rows pays them untimed.
        contender.make(workload).fit(X[:workload.batch_size], y[:workload.batch_size])
        warm_until = time.perf_counter() + WARMUP_SECONDS
        while True:
            contender.make(workload).fit(X, y)
            if time.perf_counter() >= warm_until:
                break
        for _ in range(repeat):
            model = contender.make(workload)
            seconds, _ = _timed(model.fit, X, y)
            fit_seconds.append(seconds)
    fit_min = min(fit_seconds)
    flops = fit_gemm_flops(workload)

    predict_all = min(_timed(model.predict, X)[0] for _ in range(repeat))
    row = X[:1]
    for _ in range(5):
        model.predict(row)
    predict_one = statistics.median(_timed(model.predict, row)[0]
                                    for _ in range(predict_calls))
    return {
        "workload": workload.name,
        "n_samples": workload.n_samples,
        "n_features": workload.n_features,
        "hidden": list(workload.hidden),
        "n_outputs": workload.n_outputs,
        "epochs": workload.epochs,
        "batch_size": workload.batch_size,
        "contender": contender.name,
        "library": contender.library,
        "dtype": "float32",
        "fit_seconds": fit_seconds,
        "fit_min_seconds": fit_min,
        "n_iter": int(model.n_iter_),
        "train_score": float(model.score(X, y)),
        "score_metric": "r2" if workload.task == "regression" else "accuracy",
        "score_floor": workload.score_floor,
        "gemm_flops": flops,
        "gflops": flops / fit_min / 1e9,
        "predict_rows": workload.n_samples,
        "predict_all_seconds": predict_all,
        "predict_one_seconds": predict_one,
    }


def _best_fit(make, X, y, workload, repeat):
    """(smallest wall time of ``repeat`` fits, the last model), each fit of a fresh
    ``make()``, after the rest and the untimed warm-up fits of ``measure``."""
    time.sleep(SETTLE_SECONDS)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        make().fit(X[:workload.batch_size], y[:workload.batch_size])
        warm_until = time.perf_counter() + WARMUP_SECONDS
        while True:
            make().fit(X, y)
            if time.perf_counter() >= warm_until:
                break
        best, model = np.inf, None
        for _ in range(repeat):
            model = make()
            seconds, _ = _timed(model.fit, X, y)
            best = min(best, seconds)
    return best, model


def measure_activations(activations, scale, repeat, libraries, progress):
    """regression_mid's network with each hidden activation, float32 and float64:
    nnfast's fit time, and scikit-learn's for the activations it has. One dict
    per activation and dtype; "vs relu" is taken against nnfast's relu fit of the
    same dtype measured in the same run."""
    rows = []
    for dtype in ("float32", "float64"):
        for w in activation_workloads(scale, activations):
            X, y = dataset(w, dtype)
            seconds, model = _best_fit(lambda: make_nnfast(w, dtype), X, y, w, repeat)
            row = {"workload": w.name, "activation": w.activation, "dtype": dtype,
                   "n_samples": w.n_samples, "nnfast_seconds": seconds,
                   "train_score": float(model.score(X, y)), "score_floor": w.score_floor,
                   "sklearn_seconds": None}
            if "sklearn" in libraries and w.activation in SKLEARN_ACTIVATIONS:
                row["sklearn_seconds"], _ = _best_fit(lambda: _make_sklearn(w), X, y, w, repeat)
            rows.append(row)
            progress(f"{w.name:<24} {dtype} nnfast fit {seconds:.3f} s"
                     + (f", scikit-learn {row['sklearn_seconds']:.3f} s"
                        if row["sklearn_seconds"] else ""))
    relu = {r["dtype"]: r["nnfast_seconds"] for r in rows if r["activation"] == "relu"}
    for r in rows:
        r["vs_relu"] = r["nnfast_seconds"] / relu[r["dtype"]] if r["dtype"] in relu else None
    return rows


def activation_report(rows):
    """The per-activation table as text."""
    table = []
    for r in rows:
        sk = r["sklearn_seconds"]
        table.append([
            r["activation"], r["dtype"], f"{r['nnfast_seconds']:.3f}",
            f"{r['vs_relu']:.2f}x" if r["vs_relu"] else "-",
            f"{sk:.3f}" if sk else "-",
            f"{sk / r['nnfast_seconds']:.2f}x" if sk else "-",
            f"{r['train_score']:.4f}" + ("*" if r["train_score"] <= r["score_floor"] else ""),
        ])
    n = rows[0]["n_samples"]
    return (f"regression_mid's network ({n} x 50, (128, 64), 5 epochs) per hidden "
            "activation:\n" + _table(
                ["activation", "dtype", "nnfast s", "vs relu", "sklearn s",
                 "nnfast speedup", "train R^2"], table, "llrrrrr"))


def speedups(results):
    """Per workload: nnfast's fit time against the fastest other contender's."""
    out = {}
    for name in dict.fromkeys(r["workload"] for r in results):
        rows = [r for r in results if r["workload"] == name]
        ours = [r for r in rows if r["library"] == "nnfast"]
        others = [r for r in rows if r["library"] != "nnfast"]
        if ours and others:
            best = min(others, key=lambda r: r["fit_min_seconds"])
            out[name] = {
                "nnfast_seconds": ours[0]["fit_min_seconds"],
                "fastest_other": best["contender"],
                "fastest_other_seconds": best["fit_min_seconds"],
                "speedup": best["fit_min_seconds"] / ours[0]["fit_min_seconds"],
            }
    return out


# ---------------------------------------------------------------- report


def _table(headers, rows, align):
    """Plain-text table; ``align`` has one letter per column, "l" or "r"."""
    widths = [max(len(str(x)) for x in column) for column in zip(headers, *rows)]

    def line(cells):
        return "  ".join(str(c).ljust(w) if a == "l" else str(c).rjust(w)
                         for c, w, a in zip(cells, widths, align)).rstrip()

    return "\n".join([line(headers), line(["-" * w for w in widths])]
                     + [line(r) for r in rows])


def report(machine, results):
    """The tables as text: machine, fit, predict, speedup summary."""
    gemm = machine["gemm"]
    threads = ", ".join(f"{k}: {v}" for k, v in machine["blas_threads"].items()) or "unknown"
    lines = [
        f"nnfast bench: {machine['cpus']} CPUs; BLAS threads {threads}"
        + (f"; torch threads {machine['torch_threads']}" if machine.get("torch_threads") else ""),
        f"float32 GEMM {gemm['n']}x{gemm['n']}x{gemm['n']} (scipy.linalg.blas.sgemm): "
        f"{gemm['gflops']:.1f} GFLOP/s, the best of "
        f"{len(gemm['gflops_each_measurement'])} measurements of {gemm['runs']} runs "
        f"(lowest {min(gemm['gflops_each_measurement']):.1f})",
        f"scale {machine['scale']}, fit time = best of {machine['repeat']} fits, "
        f"1-row predict = median of {machine['predict_calls']} calls",
        "",
    ]
    nnfast_time = {r["workload"]: r["fit_min_seconds"]
                   for r in results if r["library"] == "nnfast"}
    fit_rows, predict_rows = [], []
    for r in results:
        ours = nnfast_time.get(r["workload"])
        short = r["train_score"] <= r["score_floor"] or r["n_iter"] != r["epochs"]
        fit_rows.append([
            r["workload"], r["n_samples"], r["contender"],
            f"{r['fit_min_seconds']:.3f}",
            f"{r['fit_min_seconds'] / ours:.2f}x" if ours else "-",
            f"{r['train_score']:.4f}" + ("*" if short else ""),
            f"{r['gflops']:.2f}",
            f"{r['percent_of_gemm']:.1f}",
        ])
        predict_rows.append([
            r["workload"], r["contender"], r["predict_rows"],
            f"{r['predict_all_seconds'] * 1e3:.2f}",
            f"{r['predict_one_seconds'] * 1e6:.1f}",
        ])
    lines.append(_table(["workload", "rows", "contender", "fit s", "vs nnfast",
                         "train score", "GFLOP/s", "% GEMM"], fit_rows, "lrlrrrrr"))
    if any(row[5].endswith("*") for row in fit_rows):
        lines.append("* at or below the workload's score floor, or not all epochs run: "
                     "a broken fit (or a --scale too small to learn)")
    lines += ["", _table(["workload", "contender", "rows", "predict rows ms",
                          "predict 1 row us"], predict_rows, "llrrr")]
    summary = speedups(results)
    if summary:
        lines += ["", _table(
            ["workload", "nnfast s", "fastest other", "its s", "nnfast speedup"],
            [[name, f"{s['nnfast_seconds']:.3f}", s["fastest_other"],
              f"{s['fastest_other_seconds']:.3f}", f"{s['speedup']:.2f}x"]
             for name, s in summary.items()],
            "lrlrr",
        )]
    return "\n".join(lines)


def _versions(libraries):
    import scipy
    import sklearn

    import nnfast

    versions = {"python": platform.python_version(), "numpy": np.__version__,
                "scipy": scipy.__version__, "scikit-learn": sklearn.__version__,
                "nnfast": nnfast.__version__}
    if "torch" in libraries:
        import torch

        versions["torch"] = torch.__version__
    return versions


# ---------------------------------------------------------------- command line


def _positive_float(text):
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be > 0, got {text!r}")
    return value


def _positive_int(text):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1, got {text!r}")
    return value


def _names(known):
    def parse(text):
        names = [n.strip() for n in text.split(",") if n.strip()]
        unknown = [n for n in names if n not in known]
        if unknown or not names:
            raise argparse.ArgumentTypeError(
                f"unknown {', '.join(map(repr, unknown)) or 'empty list'}; "
                f"choose from {', '.join(known)}")
        return names

    return parse


def _names_or_none(known):
    parse = _names(known)
    return lambda text: [] if text.strip() == "none" else parse(text)


def add_arguments(parser):
    """The options of the benchmark, on `parser` (shared with `nnfast bench`)."""
    workload_names = [w.name for w in WORKLOADS] + [STREAMING]
    parser.add_argument("--workloads", type=_names(workload_names), default=workload_names,
                        metavar="NAMES",
                        help=f"comma-separated workloads (default: all: "
                             f"{','.join(workload_names)})")
    parser.add_argument("--contenders", type=_names(LIBRARIES), default=list(LIBRARIES),
                        metavar="NAMES",
                        help="comma-separated libraries among nnfast,sklearn,torch (default: "
                             "all; torch only if installed)")
    parser.add_argument("--repeat", type=_positive_int, default=3,
                        help="fits per contender and workload; the fastest counts (default 3)")
    parser.add_argument("--scale", type=_positive_float, default=None,
                        help="multiply every workload's n_samples (default: "
                             "NNFAST_BENCH_SCALE or 1.0); e.g. 0.05 for a quick look")
    parser.add_argument("--predict-calls", type=_positive_int, default=200,
                        help="one-row predict calls whose median is reported (default 200)")
    parser.add_argument("--activations", type=_names_or_none(ACTIVATIONS),
                        default=list(ACTIVATIONS), metavar="NAMES",
                        help="hidden activations of the per-activation fits of regression_mid's "
                             f"network, float32 and float64 (default: all: {','.join(ACTIVATIONS)}"
                             "; 'none' to skip them)")
    parser.add_argument("--json", metavar="FILE", default=None,
                        help="also write every raw number to FILE as JSON")
    parser.add_argument("--quiet", action="store_true",
                        help="no progress lines on stderr, only the tables")


def run(args, out=sys.stdout, err=sys.stderr):
    """Run the benchmark as the parsed `args` say and print the tables.

    Returns the exit status: 0, or 2 if the --json file cannot be written (found
    out before measuring, not after minutes of it).
    """
    if args.json:
        try:
            with open(args.json, "a"):
                pass
        except OSError as exc:
            print(f"nnfast bench: error: cannot write {args.json}: {exc.strerror}", file=err)
            return 2
    scale = bench_scale() if args.scale is None else args.scale
    chosen = [w for w in workloads(scale) if w.name in args.workloads]
    competitors = contenders(args.contenders)
    if "torch" in args.contenders and not torch_available() and not args.quiet:
        print("PyTorch is not installed: its contender is left out", file=err)

    def progress(message):
        if not args.quiet:
            print(message, file=err, flush=True)

    def gemm():
        rate = gemm_rate()
        progress(f"float32 GEMM {GEMM_N}^3: {rate / 1e9:.1f} GFLOP/s")
        return rate

    rates = [gemm()]
    results = []
    streaming = run_streaming(args, scale, progress) if STREAMING in args.workloads else None
    for w in chosen:
        for c in competitors:
            r = measure(w, c, args.repeat, args.predict_calls)
            results.append(r)
            progress(f"{w.name:<15} {c.name:<16} fit {r['fit_min_seconds']:.3f} s, "
                     f"train score {r['train_score']:.4f}")
        rates.append(gemm())
    rate = max(rates)
    for r in results:
        r["percent_of_gemm"] = 100.0 * r["gflops"] * 1e9 / rate
    libraries = {c.library for c in competitors}
    machine = {
        "cpus": n_cpus(),
        "blas_threads": blas_threads(),
        "torch_threads": None,
        "gemm": {"n": GEMM_N, "runs": GEMM_RUNS, "gflops": rate / 1e9,
                 "gflops_each_measurement": [r / 1e9 for r in rates]},
        "scale": scale,
        "repeat": args.repeat,
        "predict_calls": args.predict_calls,
        "versions": _versions(libraries),
    }
    if "torch" in libraries:
        import torch

        machine["torch_threads"] = torch.get_num_threads()
    activation_rows = (measure_activations(args.activations, scale, args.repeat,
                                           libraries, progress)
                       if args.activations else [])
    print(report(machine, results), file=out)
    if streaming is not None:
        print("\n" + _streaming_workload.report(streaming), file=out)
    if activation_rows:
        print("\n" + activation_report(activation_rows), file=out)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"machine": machine, "results": results,
                       "speedups": speedups(results), "streaming": streaming,
                       "activations": activation_rows}, f, indent=2)
        print(f"\nraw numbers written to {args.json}", file=out)
    return 0


def run_streaming(args, scale, progress):
    """The streaming workload's numbers (partial_fit over chunks), measured
    before the fits; its library-contenders among --contenders (no PyTorch)."""
    time.sleep(SETTLE_SECONDS)
    results = _streaming_workload.measure(repeat=args.repeat, libraries=args.contenders,
                                          scale=scale)
    chunks = results["chunks"]
    progress(f"{STREAMING:<15} " + ", ".join(f"{name} {seconds:.3f} s"
                                             for name, seconds in chunks.items()))
    return results


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m nnfast.bench",
        description=__doc__.splitlines()[0].split(": ", 1)[1],
    )
    add_arguments(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
