"""nnfast beyond one machine: a grid search on a Dask cluster through joblib's
dask backend, and dask-ml's Incremental training through partial_fit.

Dask workers run with one thread each, and nnfast then computes each minibatch
in one part (its thread count follows BLAS's limit), so the local references
here run under threadpool_limits(1): same seed, same thread count, the same
bits (see DESIGN.md, Threads).
"""

import warnings

import joblib
import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV
from threadpoolctl import threadpool_limits

from nnfast import MLPClassifier

_EXTRA = 'the dask extra is not installed (pip install "nnfast[dask]")'
da = pytest.importorskip("dask.array", reason=_EXTRA)
distributed = pytest.importorskip("distributed", reason=_EXTRA)
dask_ml_wrappers = pytest.importorskip("dask_ml.wrappers", reason=_EXTRA)

X = np.random.default_rng(0).normal(size=(240, 4)).astype(np.float32)
y = (X[:, 0] + X[:, 1] * X[:, 2] > 0).astype(int)


@pytest.fixture(scope="module")
def client():
    # Two worker processes, as a real cluster has: the estimators and data
    # travel to them pickled.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                           dashboard_address=None)
        client = distributed.Client(cluster)
        try:
            yield client
        finally:
            client.close()
            cluster.close()


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        yield


def test_grid_search_on_a_dask_cluster_matches_the_sequential_search(client):
    grid = {"hidden_layer_sizes": [(4,), (8, 4)], "activation": ["relu", "gelu"],
            "alpha": [1e-4, 1e-1]}
    search = GridSearchCV(MLPClassifier(max_iter=15, random_state=0), grid, cv=3)
    with threadpool_limits(1):
        sequential = search.fit(X, y)
        sequential_scores = {k: v for k, v in sequential.cv_results_.items()
                             if k.startswith(("split", "mean_test", "std_test", "rank"))}
        sequential_best = sequential.best_params_
    with joblib.parallel_backend("dask"):
        on_dask = GridSearchCV(search.estimator, grid, cv=3, n_jobs=-1).fit(X, y)
    assert on_dask.best_params_ == sequential_best
    for key, values in sequential_scores.items():
        np.testing.assert_array_equal(on_dask.cv_results_[key], values, err_msg=key)


def test_incremental_trains_through_partial_fit_in_chunk_order(client):
    Xd = da.from_array(X, chunks=(60, 4))
    yd = da.from_array(y, chunks=60)
    model = MLPClassifier(hidden_layer_sizes=(6,), shuffle=False, random_state=0)
    incremental = dask_ml_wrappers.Incremental(model, scoring="accuracy",
                                               shuffle_blocks=False)
    incremental.fit(Xd, yd, classes=[0, 1])

    by_hand = MLPClassifier(hidden_layer_sizes=(6,), shuffle=False, random_state=0)
    with threadpool_limits(1):
        for start in range(0, len(X), 60):
            by_hand.partial_fit(X[start:start + 60], y[start:start + 60], classes=[0, 1])
    trained = incremental.estimator_
    assert len(trained.history_["epoch"]) == len(by_hand.history_["epoch"]) == 4
    for a, b in zip(trained.coefs_ + trained.intercepts_, by_hand.coefs_ + by_hand.intercepts_):
        np.testing.assert_array_equal(a, b)
    predicted = incremental.predict(Xd)
    assert isinstance(predicted, da.Array)
    np.testing.assert_array_equal(predicted.compute(), by_hand.predict(X))
    assert incremental.score(Xd, yd) == pytest.approx(by_hand.score(X, y))
