"""Numerical faults: when training diverges (huge learning rates, huge targets,
inputs near the float range), fit stops with finite weights and says so.

The documented outcome (the ``solver`` parameter's docstring): sgd and adam keep
the last finite weights and raise ValueError, or with early stopping warn
ConvergenceWarning and keep the best validation epoch's weights; lbfgs keeps the
best finite point it tried (ConvergenceWarning) and raises ValueError when the
loss was never finite. Afterwards predict gives finite numbers or raises a
ValueError saying the output is not finite; no model holds a NaN or inf weight.
"""

import re
import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning

from nnfast import MLPClassifier, MLPRegressor, Perceptron

pytestmark = [
    pytest.mark.filterwarnings("ignore::nnfast.exceptions.GradientWarning"),
    pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning"),
    pytest.mark.filterwarnings("ignore:overflow encountered:RuntimeWarning"),
    pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning"),
]

RNG = np.random.RandomState(0)
X = RNG.randn(200, 5)
Y_CLASSES = (X[:, 0] > 0).astype(int) + (X[:, 1] > 0)
Y_TARGETS = X @ RNG.randn(5)
ESTIMATORS = {
    "MLPClassifier": (MLPClassifier, Y_CLASSES),
    "MLPRegressor": (MLPRegressor, Y_TARGETS),
}
DIVERGED = r"non-finite.*(smaller learning_rate_init|preprocessed)"


def _assert_all_weights_finite(model):
    for name in ("_params", "_opt_state"):
        block = getattr(model, name, None)
        assert block is None or np.all(np.isfinite(block)), f"{name} holds NaN or inf"
    for array in model.coefs_ + model.intercepts_:
        assert np.all(np.isfinite(array)), "coefs_/intercepts_ hold NaN or inf"
    assert np.shares_memory(model.coefs_[0], model._params), "coefs_ no longer a view"


def _assert_predicts_finite_or_refuses(model, X):
    """predict (and predict_proba) give finite numbers, or raise naming the problem."""
    try:
        outputs = [model.predict(X)]
        if hasattr(model, "predict_proba"):
            outputs.append(model.predict_proba(X))
    except ValueError as exc:
        assert "NaN or infinite" in str(exc) and "Scale the data" in str(exc), str(exc)
        return
    for output in outputs:
        assert np.all(np.isfinite(np.asarray(output, dtype=float)))


def _fit(model, X, y):
    """(exception or None, warnings) of model.fit(X, y)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            model.fit(X, y)
        except ValueError as exc:
            return exc, caught
    return None, caught


# ---------------------------------------------------------------- sgd, adam


@pytest.mark.parametrize("rate", [1e10, 1e200])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("solver", ["sgd", "adam"])
@pytest.mark.parametrize("estimator", ESTIMATORS)
def test_huge_learning_rate_raises_and_keeps_finite_weights(estimator, solver, dtype, rate):
    Estimator, y = ESTIMATORS[estimator]
    model = Estimator(hidden_layer_sizes=(8,), solver=solver, learning_rate_init=rate,
                      max_iter=50, dtype=dtype, random_state=0)
    error, _ = _fit(model, X, y)
    # The log-loss's gradient is bounded, and adam's steps are: 1e10 may be survived.
    assert error is not None or rate == 1e10, "no divergence"
    if error is not None:
        assert "Solver produced non-finite parameter weights" in str(error)
        assert "learning_rate_init" in str(error) and "clip_norm" in str(error)
        assert model.n_iter_ < 50
    _assert_all_weights_finite(model)
    _assert_predicts_finite_or_refuses(model, X)


class _WatchedNetwork:
    """A C network whose train_epoch records whether the weights were finite
    when it returned or raised."""

    def __init__(self, network, finite):
        self.network, self.finite = network, finite

    def __getattr__(self, name):
        return getattr(self.network, name)

    def train_epoch(self, params, *args, **kwargs):
        try:
            return self.network.train_epoch(params, *args, **kwargs)
        finally:
            self.finite.append(bool(np.all(np.isfinite(params))))


@pytest.mark.parametrize("estimator, solver", [("MLPClassifier", "sgd"),
                                               ("MLPRegressor", "sgd"), ("MLPRegressor", "adam")])
def test_a_step_that_overflows_float32_weights_is_undone(estimator, solver):
    # Each gradient is finite (the C core's check passes), but a step times 1e10
    # overflows float32 weights: the model ends with those from before the epoch.
    Estimator, y = ESTIMATORS[estimator]
    y = (X[:, 0] > 0).astype(int) if estimator == "MLPClassifier" else y
    model = Estimator(hidden_layer_sizes=(8,), solver=solver, learning_rate_init=1e10,
                      max_iter=50, random_state=0)
    finite = []
    network = model._network
    model._network = lambda *args, **kwargs: _WatchedNetwork(network(*args, **kwargs), finite)
    with pytest.raises(ValueError, match="keeps the last finite weights"):
        model.fit(X, y)
    del model._network
    assert finite[-1] is False, "the C core left finite weights: not the case under test"
    _assert_all_weights_finite(model)
    _assert_predicts_finite_or_refuses(model, X)


@pytest.mark.parametrize("scale", [1e30, 1e300])
@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_huge_targets_never_leave_non_finite_weights(solver, scale):
    model = MLPRegressor(hidden_layer_sizes=(8,), solver=solver, max_iter=30, dtype="float64",
                         random_state=0)
    error, _ = _fit(model, X, Y_TARGETS * scale)
    if error is not None:
        assert "non-finite" in str(error), str(error)
    _assert_all_weights_finite(model)
    _assert_predicts_finite_or_refuses(model, X)


@pytest.mark.parametrize("solver", ["sgd", "adam", "lbfgs"])
@pytest.mark.parametrize("estimator", ESTIMATORS)
def test_inputs_of_1e30_never_leave_non_finite_weights(estimator, solver):
    Estimator, y = ESTIMATORS[estimator]
    model = Estimator(hidden_layer_sizes=(8,), solver=solver, max_iter=30, random_state=0)
    error, caught = _fit(model, X * 1e30, y)
    if error is not None:
        assert re.search(DIVERGED, str(error)), str(error)
    elif solver == "lbfgs":
        assert any(issubclass(w.category, ConvergenceWarning) for w in caught)
    _assert_all_weights_finite(model)
    _assert_predicts_finite_or_refuses(model, X * 1e30)
    _assert_predicts_finite_or_refuses(model, X)


def test_targets_beyond_float32_are_refused_before_training():
    model = MLPRegressor(hidden_layer_sizes=(8,), max_iter=5, random_state=0)
    with pytest.raises(ValueError, match="y has values too large.*dtype='float64'"):
        model.fit(X, np.full(len(X), 1e39))
    assert not hasattr(model, "coefs_")


@pytest.mark.parametrize("estimator", ESTIMATORS)
def test_inputs_beyond_float32_are_refused_before_training(estimator):
    Estimator, y = ESTIMATORS[estimator]
    model = Estimator(hidden_layer_sizes=(8,), max_iter=5, random_state=0)
    with pytest.raises(ValueError, match="X has values too large.*dtype='float64'"):
        model.fit(X * 1e39, y)
    assert not hasattr(model, "coefs_")
    # A float64 network takes them.
    model.set_params(dtype="float64", solver="lbfgs")
    error, _ = _fit(model, X * 1e39, y)
    assert error is None or "non-finite" in str(error)
    _assert_all_weights_finite(model)


@pytest.mark.parametrize("solver", ["sgd", "adam"])
@pytest.mark.parametrize("estimator", ESTIMATORS)
def test_divergence_with_early_stopping_warns_and_keeps_best_weights(estimator, solver):
    Estimator, y = ESTIMATORS[estimator]
    model = Estimator(hidden_layer_sizes=(8,), solver=solver, learning_rate_init=1e200,
                      max_iter=50, early_stopping=True, random_state=0)
    error, caught = _fit(model, X, y)
    assert error is None
    messages = [str(w.message) for w in caught if issubclass(w.category, ConvergenceWarning)]
    assert any("loss became non-finite" in m and "best validation epoch" in m
               for m in messages), messages
    _assert_all_weights_finite(model)
    # Diverging in the first epoch, the best weights are the initial ones.
    assert model.best_validation_score_ == -np.inf or np.isfinite(model.best_validation_score_)
    _assert_predicts_finite_or_refuses(model, X)


@pytest.mark.parametrize("estimator", ESTIMATORS)
def test_diverging_partial_fit_keeps_the_model_usable(estimator):
    Estimator, y = ESTIMATORS[estimator]
    model = Estimator(hidden_layer_sizes=(8,), solver="sgd", learning_rate_init=1e200,
                      random_state=0)
    kwargs = {"classes": [0, 1, 2]} if estimator == "MLPClassifier" else {}
    with pytest.raises(ValueError, match="non-finite"):
        model.partial_fit(X, y, **kwargs)
    _assert_all_weights_finite(model)
    _assert_predicts_finite_or_refuses(model, X)
    # The next call is refused the same way, from finite weights.
    with pytest.raises(ValueError, match="non-finite"):
        model.partial_fit(X, y)
    _assert_all_weights_finite(model)


# ---------------------------------------------------------------- lbfgs


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_lbfgs_that_overflows_keeps_the_best_finite_point(dtype):
    # scipy's line search tries points whose loss overflows and stops there.
    X_big, y_big = X * 1e10, Y_TARGETS * (1e20 if dtype == "float32" else 1e150)
    model = MLPRegressor(hidden_layer_sizes=(8,), solver="lbfgs", max_iter=50, dtype=dtype,
                         random_state=0)
    error, caught = _fit(model, X_big, y_big)
    if error is None:
        assert any(issubclass(w.category, ConvergenceWarning) for w in caught)
        assert np.isfinite(model.loss_)
    else:
        assert "non-finite loss at every point" in str(error)
    _assert_all_weights_finite(model)
    _assert_predicts_finite_or_refuses(model, X_big)


def test_lbfgs_whose_loss_is_never_finite_raises_and_keeps_its_start():
    model = MLPRegressor(hidden_layer_sizes=(8,), solver="lbfgs", dtype="float64", max_iter=20,
                         random_state=0)
    _fit(model, X, Y_TARGETS)
    start = model._params.copy()
    error, _ = _fit(model.set_params(warm_start=True), X, Y_TARGETS * 1e300)
    assert error is not None
    assert "non-finite loss at every point it tried (lbfgs)" in str(error)
    assert "preprocessed" in str(error)
    _assert_all_weights_finite(model)
    np.testing.assert_array_equal(model._params, start)


@pytest.mark.parametrize("estimator", ESTIMATORS)
def test_lbfgs_with_huge_inputs_warns_and_stays_finite(estimator):
    Estimator, y = ESTIMATORS[estimator]
    model = Estimator(hidden_layer_sizes=(8,), solver="lbfgs", dtype="float64", max_iter=30,
                      random_state=0)
    error, _ = _fit(model, X * 1e150, y)
    assert error is None or "non-finite" in str(error)
    _assert_all_weights_finite(model)
    _assert_predicts_finite_or_refuses(model, X)


# ---------------------------------------------------------------- predict, Perceptron


@pytest.mark.parametrize("estimator", ESTIMATORS)
def test_predict_refuses_rather_than_returning_nan(estimator):
    Estimator, y = ESTIMATORS[estimator]
    model = Estimator(hidden_layer_sizes=(8,), max_iter=5, random_state=0).fit(X, y)
    # Finite in float64, infinite in the float32 network.
    with pytest.raises(ValueError, match="X has values too large.*float32"):
        model.predict(X * 1e39)
    # Finite in float32 too, but the hidden layer overflows.
    with pytest.raises(ValueError, match="output is NaN or infinite.*Scale the data"):
        model.predict(np.clip(X * 3e38, -3.3e38, 3.3e38))
    # A user's non-finite weights: refused as well.
    model.intercepts_[-1][0] = np.nan  # (relu would turn a NaN hidden weight into 0)
    with pytest.raises(ValueError, match="output is NaN or infinite.*or its weights are"):
        model.predict(X)


def test_perceptron_with_overflowing_weights_raises_and_keeps_finite_weights():
    model = Perceptron(learning_rate=1e300, max_iter=20, random_state=0)
    with pytest.raises(ValueError, match="weights became NaN or infinite.*smaller learning_rate"):
        model.fit(X * 1e150, Y_CLASSES)
    assert np.all(np.isfinite(model.coef_)) and np.all(np.isfinite(model.intercept_))
    assert np.all(np.isin(model.predict(X), [0, 1, 2]))
