"""Parity with scikit-learn: same hyperparameters, same quality; same seed, same start.

nnfast shuffles with its own C generator, so its trajectory differs from
scikit-learn's; the held-out scores must still agree within 0.02.
"""

import functools
import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose
from sklearn.datasets import load_breast_cancer, load_digits, make_regression
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier as SkMLPClassifier
from sklearn.neural_network import MLPRegressor as SkMLPRegressor
from sklearn.preprocessing import StandardScaler

from nnfast import MLPClassifier, MLPRegressor

SCORE_TOLERANCE = 0.02

# name -> test_size. breast_cancer holds out half of its 569 rows so that 0.02 is
# several test rows, not one or two.
DATASETS = {"digits": 0.25, "breast_cancer": 0.5, "regression": 0.25}

SOLVER_PARAMS = {
    "adam": dict(solver="adam"),
    "sgd": dict(solver="sgd", learning_rate_init=0.01),
    "lbfgs": dict(solver="lbfgs"),
}


@functools.cache
def _split(name):
    """Standardized train/test split; the regression target is standardized too."""
    if name == "digits":
        X, y = load_digits(return_X_y=True)
    elif name == "breast_cancer":
        X, y = load_breast_cancer(return_X_y=True)
    else:
        X, y = make_regression(
            n_samples=1000, n_features=20, n_informative=10, noise=10, random_state=0
        )
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=DATASETS[name], random_state=0
    )
    scaler = StandardScaler().fit(X_train)
    X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)
    if name == "regression":
        mean, std = y_train.mean(), y_train.std()
        y_train, y_test = (y_train - mean) / std, (y_test - mean) / std
    return X_train, X_test, y_train, y_test


def _params(solver):
    return dict(hidden_layer_sizes=(50,), max_iter=200, random_state=0, **SOLVER_PARAMS[solver])


def _test_score(estimator, name):
    X_train, X_test, y_train, y_test = _split(name)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        estimator.fit(X_train, y_train)
    return estimator.score(X_test, y_test)


@functools.cache
def _sklearn_score(name, solver):
    Estimator = SkMLPRegressor if name == "regression" else SkMLPClassifier
    return _test_score(Estimator(**_params(solver)), name)


# float32 (the default) on every dataset; float64 on one dataset per solver.
CASES = [(name, solver, "float32") for name in DATASETS for solver in SOLVER_PARAMS] + [
    ("digits", "adam", "float64"),
    ("breast_cancer", "sgd", "float64"),
    ("regression", "lbfgs", "float64"),
]


@pytest.mark.parametrize("name, solver, dtype", CASES)
def test_test_score_matches_sklearn(name, solver, dtype):
    Estimator = MLPRegressor if name == "regression" else MLPClassifier
    ours = _test_score(Estimator(dtype=dtype, **_params(solver)), name)
    theirs = _sklearn_score(name, solver)
    assert theirs > 0.9, f"{name}, {solver}: the reference model itself scores {theirs:.4f}"
    assert abs(ours - theirs) <= SCORE_TOLERANCE, (
        f"{name}, {solver}, {dtype}: nnfast scores {ours:.4f} on the test split, "
        f"scikit-learn {theirs:.4f}"
    )


@pytest.mark.parametrize(
    "Ours, Theirs, name",
    [(MLPClassifier, SkMLPClassifier, "digits"), (MLPRegressor, SkMLPRegressor, "regression")],
)
@pytest.mark.parametrize("random_state", [0, 7])
def test_initial_weights_match_sklearn_for_same_random_state(Ours, Theirs, name, random_state):
    # One sgd epoch at a learning rate of 1e-12 moves no weight measurably, so
    # the fitted weights are the initial ones.
    X_train, _, y_train, _ = _split(name)
    params = dict(
        hidden_layer_sizes=(30, 20),
        solver="sgd",
        learning_rate_init=1e-12,
        max_iter=1,
        shuffle=False,
        random_state=random_state,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ours = Ours(dtype="float64", **params).fit(X_train, y_train)
        theirs = Theirs(**params).fit(X_train, y_train)
    assert len(ours.coefs_) == len(theirs.coefs_) == 3
    for layer, (a, b) in enumerate(zip(ours.coefs_, theirs.coefs_)):
        assert_allclose(a, b, rtol=1e-9, atol=1e-9, err_msg=f"coefs_[{layer}] differ")
    for layer, (a, b) in enumerate(zip(ours.intercepts_, theirs.intercepts_)):
        assert_allclose(a, b, rtol=1e-9, atol=1e-9, err_msg=f"intercepts_[{layer}] differ")


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_lbfgs_multi_output_regression_converges_with_exact_loss(dtype):
    # scikit-learn's lbfgs gradient is off by the number of outputs (#8349);
    # nnfast's is the gradient of the loss it reports, so L-BFGS converges.
    X, y = make_regression(n_samples=300, n_features=8, n_targets=3, noise=5, random_state=0)
    X = StandardScaler().fit_transform(X)
    y = (y - y.mean(axis=0)) / y.std(axis=0)
    alpha = 1e-3
    reg = MLPRegressor(
        hidden_layer_sizes=(20,), solver="lbfgs", alpha=alpha, max_iter=500, random_state=0,
        dtype=dtype,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        reg.fit(X, y)

    assert reg.n_iter_ < 500
    assert reg.score(X, y) > 0.99
    y_pred = reg.predict(X).astype(np.float64)
    assert y_pred.shape == y.shape
    penalty = sum(np.sum(np.asarray(w, dtype=np.float64) ** 2) for w in reg.coefs_)
    expected = 0.5 * np.mean((y_pred - y) ** 2) + 0.5 * alpha * penalty / X.shape[0]
    rtol = 1e-5 if dtype == "float32" else 1e-10
    assert reg.loss_ == pytest.approx(expected, rel=rtol)
