"""Soak: thousands of partial_fit and predict calls on one model leave resident
memory where it was (no leak in the C core's buffers or the bridge)."""

import gc
import os
import time

import numpy as np
import pytest

from nnfast import MLPClassifier, MLPRegressor

pytestmark = pytest.mark.skipif(not os.path.exists("/proc/self/statm"),
                                reason="reads resident memory from /proc/self/statm")

PAGE = os.sysconf("SC_PAGE_SIZE")
RNG = np.random.RandomState(0)
X = RNG.randn(64, 10)
X_PREDICT = RNG.randn(300, 10)
# Resident memory may grow by this much: history_ and loss_curve_ gain an entry
# per partial_fit call (about 0.5 kB), the allocator keeps some slack.
BOUND_FIT = 20 * 2**20
BOUND_PREDICT = 2 * 2**20  # predict keeps nothing


def _resident():
    gc.collect()
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * PAGE


def _soak(model, y, kwargs, n_fit, n_predict, predict):
    for i in range(n_fit):
        model.partial_fit(X, y, **(kwargs if i == 0 else {}))
    for _ in range(n_predict):
        predict(X_PREDICT)


@pytest.mark.parametrize("estimator", ["MLPClassifier", "MLPRegressor"])
def test_partial_fit_and_predict_do_not_grow_resident_memory(estimator):
    if estimator == "MLPClassifier":
        model = MLPClassifier(hidden_layer_sizes=(32, 16), batch_size=16, dropout=0.2,
                              random_state=0)
        y, kwargs, predict = X[:, 0] > 0, {"classes": [False, True]}, model.predict_proba
    else:
        model = MLPRegressor(hidden_layer_sizes=(32, 16), batch_size=16, dtype="float64",
                             random_state=0)
        y, kwargs, predict = np.c_[X[:, 0], X[:, 1]], {}, model.predict
    _soak(model, y, kwargs, n_fit=200, n_predict=1000, predict=predict)  # warm up
    start = time.perf_counter()
    before = _resident()
    _soak(model, y, {}, n_fit=2000, n_predict=0, predict=predict)
    fit_growth = _resident() - before
    before = _resident()
    _soak(model, y, {}, n_fit=0, n_predict=10_000, predict=predict)
    predict_growth = _resident() - before
    elapsed = time.perf_counter() - start
    assert model.t_ == 2200 * len(X)
    assert np.all(np.isfinite(predict(X_PREDICT)))
    assert fit_growth < BOUND_FIT, (
        f"resident memory grew by {fit_growth / 2**20:.1f} MB over 2,000 partial_fit "
        f"calls ({elapsed:.1f} s in all)")
    assert predict_growth < BOUND_PREDICT, (
        f"resident memory grew by {predict_growth / 2**20:.1f} MB over 10,000 predict "
        f"calls ({elapsed:.1f} s in all)")
