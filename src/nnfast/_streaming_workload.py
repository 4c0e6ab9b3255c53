"""The streaming benchmark workload: partial_fit over chunks, nnfast against scikit-learn.

Shared by ``python -m nnfast.bench`` (its "streaming" workload) and the
pytest-benchmark suite's ``bench/test_streaming.py``. Two loops, each timed
whole (the first call, which validates everything and builds the model,
included) on a fresh model, the best of ``repeat``:

* chunks: 200 ``partial_fit`` calls of 100 float32 rows (25 features, 3
  classes, seeded ``make_classification``) on a (64,) MLPClassifier with adam,
  scikit-learn's MLPClassifier on the same chunks;
* memmap: a float64 ``np.memmap`` file of 20000 x 25 rows (in a temporary
  folder) read in chunks of 100 to 1000 rows (seeded sizes) and fed to
  ``partial_fit``: a float64 nnfast model (the chunks need no conversion), a
  float32 one (each chunk converted), scikit-learn's (float64).

And the per-call overhead of ``partial_fit`` (what a call costs beyond the
C work of its minibatches): the chunks loop's later calls against the same
chunks through ``Network.train_epoch`` alone (the C epoch, with the same
threads and the BLAS limit entered once for the whole loop), with the
threads the machine gives a fit and with one thread (``threadpool_limits(1)``,
so no thread team and no BLAS limit to switch).
"""

import contextlib
import functools
import os
import tempfile
import time
import warnings

import numpy as np
from sklearn.datasets import make_classification

SEED = 0
N_FEATURES = 25
N_CLASSES = 3
HIDDEN = (64,)
CHUNK_ROWS = 100
N_CALLS = 200
MEMMAP_ROWS = 20000
MEMMAP_CHUNKS = (100, 1000)  # smallest and largest chunk of the memmap loop


@functools.lru_cache(maxsize=2)
def dataset(n_rows):
    """(X float64 (n_rows, N_FEATURES), y int labels), seeded, read-only."""
    X, y = make_classification(n_rows, N_FEATURES, n_informative=10, n_classes=N_CLASSES,
                               random_state=SEED)
    X.setflags(write=False)
    y.setflags(write=False)
    return X, y


def chunks(n_calls=N_CALLS):
    """The chunks loop's n_calls (X float32, y) chunks of CHUNK_ROWS rows."""
    X, y = dataset(n_calls * CHUNK_ROWS)
    X = X.astype(np.float32)
    return [(X[i:i + CHUNK_ROWS], y[i:i + CHUNK_ROWS])
            for i in range(0, n_calls * CHUNK_ROWS, CHUNK_ROWS)]


def memmap_bounds(n_rows=MEMMAP_ROWS):
    """Row ranges of the memmap loop's chunks: seeded sizes in MEMMAP_CHUNKS."""
    rng = np.random.default_rng(SEED)
    bounds, start = [], 0
    while start < n_rows:
        stop = min(n_rows, start + int(rng.integers(MEMMAP_CHUNKS[0], MEMMAP_CHUNKS[1] + 1)))
        bounds.append((start, stop))
        start = stop
    return bounds


def write_memmap(folder, n_rows=MEMMAP_ROWS):
    """Write the memmap loop's float64 rows to a file in folder; (path, y)."""
    X, y = dataset(n_rows)
    path = os.path.join(folder, "streaming_X.float64")
    writer = np.memmap(path, dtype=np.float64, mode="w+", shape=X.shape)
    writer[:] = X
    writer.flush()
    del writer
    return path, y


def read_memmap(path, n_rows=MEMMAP_ROWS):
    return np.memmap(path, dtype=np.float64, mode="r", shape=(n_rows, N_FEATURES))


def nnfast_model(dtype="float32"):
    import nnfast

    return nnfast.MLPClassifier(hidden_layer_sizes=HIDDEN, random_state=SEED, dtype=dtype)


def sklearn_model():
    from sklearn.neural_network import MLPClassifier

    return MLPClassifier(hidden_layer_sizes=HIDDEN, random_state=SEED)


# name -> (library, make the model); the memmap loop's models
MEMMAP_CONTENDERS = {
    "nnfast-float64": ("nnfast", lambda: nnfast_model("float64")),
    "nnfast-float32": ("nnfast", lambda: nnfast_model("float32")),
    "sklearn-float64": ("sklearn", sklearn_model),
}
CHUNK_CONTENDERS = {
    "nnfast-float32": ("nnfast", nnfast_model),
    "sklearn-float32": ("sklearn", sklearn_model),
}


def feed(model, batches, classes):
    """partial_fit on every (X, y) of batches, classes given on each call (as
    dask-ml's Incremental does); the model."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ConvergenceWarning of a one-epoch call
        for X, y in batches:
            model.partial_fit(X, y, classes=classes)
    return model


def memmap_batches(path, bounds):
    """The memmap loop's (X, y) chunks, X read from the file as it is fed."""
    X = read_memmap(path, bounds[-1][1])
    _, y = dataset(bounds[-1][1])
    return ((X[start:stop], y[start:stop]) for start, stop in bounds)


def timed(function, *args):
    start = time.perf_counter()
    function(*args)
    return time.perf_counter() - start


def both_clocks(function, *args):
    """(wall seconds, this thread's CPU seconds) of function(*args). The CPU
    time leaves out the time the thread waited for a core: on a busy machine
    it shows the cost of the Python code when the wall time cannot."""
    wall, cpu = time.perf_counter(), time.thread_time()
    function(*args)
    return time.perf_counter() - wall, time.thread_time() - cpu


def epoch_only_seconds(model, batches):
    """(wall, CPU) seconds of the C epochs of partial_fit calls on batches, alone: each
    batch converted as partial_fit converts it, given to Network.train_epoch
    with a copy of the model's fitted state and the threads partial_fit uses."""
    from nnfast import _threads

    dtype = model._params.dtype
    fed = [(np.ascontiguousarray(X, dtype=dtype), model._encode(y).astype(dtype))
           for X, y in batches]
    params, state = model._params.copy(), model._opt_state.copy()
    rng, t = model._rng_state.copy(), model._opt_t
    grad_norms = np.zeros(2 * len(model.coefs_))
    batch_size = min(200, len(fed[0][0]))
    net = model._network(batch_size, training=True)
    n_threads = _threads.epoch_threads(len(fed[0][0]), batch_size,
                                       sum(c.size for c in model.coefs_))
    limit = _threads.single_threaded_blas() if n_threads > 1 else contextlib.nullcontext()
    def epochs():
        nonlocal t
        for X, Y in fed:
            _, _, _, t = net.train_epoch(
                params, state, rng, X, Y, None, min(200, len(X)), True, "adam",
                model.learning_rate_init, t=t, grad_norms=grad_norms, n_threads=n_threads)

    with limit:
        return both_clocks(epochs)


def call_overhead(batches, classes, repeat):
    """Per-call seconds of partial_fit's later calls, of their C epochs alone,
    and the difference (the overhead); each the best of repeat loops, in wall
    time and in the calling thread's CPU time."""
    calls, epochs = [], []
    for _ in range(repeat):
        model = feed(nnfast_model(), batches[:1], classes)
        calls.append(both_clocks(feed, model, batches[1:], classes))
        epochs.append(epoch_only_seconds(model, batches[1:]))
    n = len(batches) - 1
    out = {}
    for clock, suffix in ((0, ""), (1, "_cpu")):
        call = min(c[clock] for c in calls) / n
        epoch = min(e[clock] for e in epochs) / n
        out.update({f"call_seconds{suffix}": call, f"epoch_seconds{suffix}": epoch,
                    f"overhead_seconds{suffix}": call - epoch})
    return out


def measure(repeat=3, libraries=("nnfast", "sklearn"), scale=1.0):
    """Every number of the workload, as a dict."""
    from threadpoolctl import threadpool_limits

    from nnfast import _threads

    n_calls = max(10, round(N_CALLS * scale))
    batches = chunks(n_calls)
    _, y = dataset(n_calls * CHUNK_ROWS)
    classes = np.unique(y)
    results = {"n_calls": n_calls, "chunk_rows": CHUNK_ROWS, "n_features": N_FEATURES,
               "hidden": list(HIDDEN), "repeat": repeat, "chunks": {}, "memmap": {}}
    for name, (library, make) in CHUNK_CONTENDERS.items():
        if library in libraries:
            feed(make(), batches[:3], classes)  # warm-up: imports, first allocations
            results["chunks"][name] = min(timed(feed, make(), batches, classes)
                                          for _ in range(repeat))
    if "nnfast" in libraries:
        results["overhead"] = {"threads": _threads.fit_threads(),
                               **call_overhead(batches, classes, repeat)}
        with threadpool_limits(1):
            results["overhead_one_thread"] = call_overhead(batches, classes, repeat)

    n_rows = max(10 * MEMMAP_CHUNKS[1], round(MEMMAP_ROWS * scale))
    bounds = memmap_bounds(n_rows)
    results["memmap"] = {"n_rows": n_rows, "n_chunks": len(bounds)}
    with tempfile.TemporaryDirectory(prefix="nnfast-streaming-") as folder:
        path, y = write_memmap(folder, n_rows)
        classes = np.unique(y)
        for name, (library, make) in MEMMAP_CONTENDERS.items():
            if library in libraries:
                results["memmap"][name] = min(
                    timed(feed, make(), memmap_batches(path, bounds), classes)
                    for _ in range(repeat))
    return results


def report(results):
    """The workload's table as text."""
    lines = [f"streaming: {results['n_calls']} partial_fit calls of {results['chunk_rows']} "
             f"rows x {results['n_features']} features, hidden {tuple(results['hidden'])}, "
             f"adam; best of {results['repeat']} loops"]
    chunk_times, memmap = results["chunks"], results["memmap"]
    ours = chunk_times.get("nnfast-float32")
    for name, seconds in chunk_times.items():
        ratio = f"{seconds / ours:.2f}x" if ours else "-"
        lines.append(f"  chunks  {name:<16} {seconds:8.4f} s  vs nnfast {ratio}")
    if "nnfast-float32" in memmap or "sklearn-float64" in memmap:
        lines.append(f"  memmap: float64 file of {memmap['n_rows']} rows in "
                     f"{memmap['n_chunks']} chunks of {MEMMAP_CHUNKS[0]}-{MEMMAP_CHUNKS[1]} rows")
    ours = memmap.get("nnfast-float64")
    for name in MEMMAP_CONTENDERS:
        if name in memmap:
            ratio = f"{memmap[name] / ours:.2f}x" if ours else "-"
            lines.append(f"  memmap  {name:<16} {memmap[name]:8.4f} s  vs nnfast-float64 {ratio}")
    for key, label in (("overhead", f"{results.get('overhead', {}).get('threads')} threads"),
                       ("overhead_one_thread", "1 thread")):
        if key in results:
            o = results[key]
            for suffix, clock in (("", "wall"), ("_cpu", "CPU")):
                lines.append(
                    f"  partial_fit call, {label}, {clock}: "
                    f"{o['call_seconds' + suffix] * 1e6:.1f} us = C epoch "
                    f"{o['epoch_seconds' + suffix] * 1e6:.1f} us + overhead "
                    f"{o['overhead_seconds' + suffix] * 1e6:.1f} us")
    return "\n".join(lines)
