"""What callbacks cost a fit: mnist_like (2 epochs of 60000 x 784) fitted by
nnfast without callbacks, with scikit-learn's ProgressBar, and with nnfast's
ModelCheckpoint (a write per epoch). One benchmark group; compare the rows of
one run (issue 20 asks ProgressBar for at most 5% over no callback)::

    pytest bench/test_callbacks.py --fit-rounds=7 --benchmark-columns=min,median,rounds
"""

import pytest

import nnfast
from nnfast.callbacks import HAS_CALLBACK_API
from workloads import dataset, workload

pytestmark = [
    pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning"),
    pytest.mark.skipif(not HAS_CALLBACK_API,
                       reason="scikit-learn < 1.9 has no callback API (sklearn.callback)"),
]


def _progress_bar(tmp_path):
    pytest.importorskip("rich")
    from sklearn.callback import ProgressBar

    return [ProgressBar()]


CALLBACKS = {
    "none": lambda tmp_path: [],
    "progress_bar": _progress_bar,
    "model_checkpoint": lambda tmp_path: [
        nnfast.callbacks.ModelCheckpoint(tmp_path / "checkpoint.npz")],
}


@pytest.mark.parametrize("callbacks", CALLBACKS)
def test_fit_with_callbacks(benchmark, callbacks, fit_rounds, tmp_path):
    w = workload("mnist_like")
    X, y = dataset(w, "float32")
    chosen = CALLBACKS[callbacks](tmp_path)
    benchmark.group = f"callbacks-{w.name}"

    def fit():
        return nnfast.MLPClassifier(**w.estimator_params()).set_callbacks(*chosen).fit(X, y)

    model = benchmark.pedantic(fit, rounds=fit_rounds, iterations=1)
    assert model.n_iter_ == w.epochs and model.score(X, y) > w.score_floor
    benchmark.extra_info.update(workload=w.name, epochs=w.epochs, callbacks=callbacks)
