"""Streaming training: partial_fit over chunks, nnfast against scikit-learn.

The workload is nnfast._streaming_workload's (also in ``python -m nnfast.bench``):

* streaming_chunks: 200 partial_fit calls of 100 float32 rows on a (64,)
  MLPClassifier (adam), the whole loop on a fresh model per round;
* streaming_memmap: a float64 memory-mapped file (20000 x 25, in pytest's
  temporary folder) read in chunks of 100-1000 rows, fed to a float64 nnfast
  model (no conversion), a float32 one (each chunk converted) and
  scikit-learn's;
* streaming_call: one later partial_fit call on a 100-row chunk against the
  C epoch of the same chunk alone (Network.train_epoch): their difference is
  the call's overhead.

After each loop the model's accuracy on the rows it saw must beat a floor, so
the smoke run (--benchmark-disable) checks every contender's training.
"""

import itertools

import numpy as np
import pytest

from nnfast import _core, _threads
from nnfast import _streaming_workload as stream

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

# Far above chance (1/3); the loops reach about 0.8.
ACCURACY_FLOOR = 0.6


def _accuracy_floor(model, X, y, name):
    accuracy = model.score(X, y)
    assert accuracy > ACCURACY_FLOOR, (
        f"{name}: accuracy {accuracy:.3f} on the rows it trained on is not above "
        f"{ACCURACY_FLOOR}")
    return accuracy


@pytest.mark.parametrize("name", stream.CHUNK_CONTENDERS)
def test_streaming_chunks(benchmark, name, fit_rounds):
    _, make = stream.CHUNK_CONTENDERS[name]
    batches = stream.chunks()
    X, y = stream.dataset(len(batches) * stream.CHUNK_ROWS)
    classes = np.unique(y)
    benchmark.group = "streaming_chunks"
    model = benchmark.pedantic(lambda: stream.feed(make(), batches, classes),
                               rounds=fit_rounds, iterations=1)
    benchmark.extra_info.update(
        contender=name, calls=len(batches), chunk_rows=stream.CHUNK_ROWS,
        n_features=stream.N_FEATURES, hidden=list(stream.HIDDEN), dtype="float32 input",
        train_accuracy=_accuracy_floor(model, X.astype(np.float32), y, name))


@pytest.fixture(scope="module")
def memmap_file(tmp_path_factory):
    return stream.write_memmap(str(tmp_path_factory.mktemp("streaming")))


@pytest.mark.parametrize("name", stream.MEMMAP_CONTENDERS)
def test_streaming_memmap(benchmark, name, memmap_file, fit_rounds):
    _, make = stream.MEMMAP_CONTENDERS[name]
    path, y = memmap_file
    bounds = stream.memmap_bounds()
    classes = np.unique(y)
    benchmark.group = "streaming_memmap"
    model = benchmark.pedantic(
        lambda: stream.feed(make(), stream.memmap_batches(path, bounds), classes),
        rounds=fit_rounds, iterations=1)
    benchmark.extra_info.update(
        contender=name, rows=stream.MEMMAP_ROWS, chunks=len(bounds),
        chunk_rows=list(stream.MEMMAP_CHUNKS), file_dtype="float64",
        train_accuracy=_accuracy_floor(model, stream.read_memmap(path), y, name))


@pytest.fixture(scope="module")
def fed_model():
    batches = stream.chunks()
    classes = np.unique(np.concatenate([y for _, y in batches]))
    return stream.feed(stream.nnfast_model(), batches, classes), batches


def test_streaming_call_partial_fit(benchmark, fed_model):
    model, batches = fed_model
    cycle = itertools.cycle(batches)
    benchmark.group = "streaming_call"
    benchmark(lambda: model.partial_fit(*next(cycle)))
    benchmark.extra_info.update(rows=stream.CHUNK_ROWS, threads=_threads.fit_threads(),
                                what="one later partial_fit call")
    assert np.isfinite(model._params).all()


def test_streaming_call_c_epoch_alone(benchmark, fed_model):
    model, batches = fed_model
    dtype = model._params.dtype
    fed = itertools.cycle([(np.ascontiguousarray(X, dtype=dtype),
                            model._encode(y).astype(dtype)) for X, y in batches])
    params, state, rng = model._params.copy(), model._opt_state.copy(), model._rng_state.copy()
    grad_norms = np.zeros(2 * len(model.coefs_))
    net = model._network(stream.CHUNK_ROWS, training=True)
    n_threads = max(1, min(_threads.fit_threads(),
                           stream.CHUNK_ROWS // _core.MIN_ROWS_PER_THREAD))
    losses = []

    def epoch():
        X, Y = next(fed)
        loss, _, _, _ = net.train_epoch(params, state, rng, X, Y, None, len(X), True, "adam",
                                        model.learning_rate_init, t=model._opt_t,
                                        grad_norms=grad_norms, n_threads=n_threads)
        losses.append(loss)

    benchmark.group = "streaming_call"
    with _threads.single_threaded_blas():
        benchmark(epoch)
    benchmark.extra_info.update(rows=stream.CHUNK_ROWS, threads=n_threads,
                                what="Network.train_epoch alone on the same chunks")
    assert np.isfinite(losses).all() and np.isfinite(params).all()
