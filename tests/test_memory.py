"""A fit on C-contiguous float32 X reads X in place: it allocates far less than a
copy of X (DESIGN.md's memory goal: peak below 25% of X's size)."""

import tracemalloc

import numpy as np
import pytest

from nnfast import MLPClassifier, MLPRegressor

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


@pytest.mark.parametrize("Estimator", [MLPClassifier, MLPRegressor])
def test_fit_on_float32_c_contiguous_x_makes_no_copy_of_it(Estimator):
    rng = np.random.default_rng(0)
    X = rng.random((20000, 200), dtype=np.float32)  # 16 MB
    y = rng.integers(0, 10, len(X)) if Estimator is MLPClassifier else rng.random(len(X))
    params = dict(hidden_layer_sizes=(32,), batch_size=200, max_iter=1, random_state=0)
    Estimator(**params).fit(X[:500], y[:500])  # imports and caches outside the measure
    tracemalloc.start()
    try:
        Estimator(**params).fit(X, y)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 0.25 * X.nbytes, (
        f"fit allocated {peak / 1e6:.1f} MB at its peak, {100 * peak / X.nbytes:.0f}% of X")
