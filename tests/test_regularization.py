"""Regularisation beyond scikit-learn's L2: the L1 penalty and dropout.

L1 (`l1`) is applied by sgd and adam as a proximal step that sets weights exactly to
zero, and enters lbfgs's objective as l1 * sum|W| / n_samples. Dropout (`dropout`,
one rate or one per hidden layer) acts while training only, drawn by the seeded C
generator. Finally the issue's promise: on a small noisy data set, dropout and L2
each raise the validation score of a network that overfits without them.
"""

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from scipy.special import softmax
from sklearn.datasets import make_classification
from sklearn.preprocessing import StandardScaler

from nnfast import MLPClassifier, MLPRegressor

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def _classification(n_samples=200, random_state=0):
    X, y = make_classification(n_samples=n_samples, n_features=10, n_informative=5,
                               n_redundant=0, n_classes=3, n_clusters_per_class=1,
                               random_state=random_state)
    return StandardScaler().fit_transform(X), y


def _regression(n_samples=80, random_state=0):
    rng = np.random.RandomState(random_state)
    X = rng.randn(n_samples, 6)
    return X, np.tanh(X @ rng.randn(6)) + 0.1 * rng.randn(n_samples)


def _all_equal(a, b):
    return all(np.array_equal(p, q) for p, q in zip(a.coefs_ + a.intercepts_,
                                                   b.coefs_ + b.intercepts_))


def _initial_params(model, seed, units):
    """The flat parameter block fit starts from: weights, then biases."""
    model._random_state = np.random.RandomState(seed)
    coefs, intercepts = model._initial_weights(units)
    return np.concatenate([np.ravel(a) for a in coefs + intercepts])


# ---------------------------------------------------------------- L1


L1_STRENGTHS = [0, 1, 3, 10]


@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize("solver, learning_rate_init", [("adam", 0.01), ("sgd", 0.1)])
def test_stronger_l1_sets_more_weights_exactly_to_zero(solver, learning_rate_init, seed):
    X, y = _classification()
    zeros, bias_zeros = [], []
    for l1 in L1_STRENGTHS:
        clf = MLPClassifier(hidden_layer_sizes=(20,), solver=solver, l1=l1,
                            learning_rate_init=learning_rate_init, max_iter=100, tol=0,
                            random_state=seed).fit(X, y)
        zeros.append(sum(int(np.sum(W == 0)) for W in clf.coefs_))
        bias_zeros.append(sum(int(np.sum(b == 0)) for b in clf.intercepts_))
    assert zeros[0] == 0, f"{solver}: {zeros[0]} weights are exactly zero without L1"
    assert all(a < b for a, b in zip(zeros, zeros[1:])), (
        f"{solver}: exact zeros in coefs_ for l1={L1_STRENGTHS}: {zeros}, expected increasing")
    assert bias_zeros == [0] * len(L1_STRENGTHS), (
        f"{solver}: L1 zeroed biases {bias_zeros}; it acts on the weights only")


def test_first_sgd_step_with_l1_is_a_gradient_step_then_soft_threshold():
    X, y = _regression()
    lr, l1 = 0.5, 2.0
    params = dict(hidden_layer_sizes=(8,), solver="sgd", momentum=0, batch_size="full",
                  shuffle=False, alpha=0, learning_rate_init=lr, max_iter=1, random_state=0,
                  dtype="float64")
    model = MLPRegressor(l1=l1, **params).fit(X, y)
    start = _initial_params(MLPRegressor(**params), 0, [6, 8, 1])
    net = model._network(len(X))
    _, grad = net.loss_grad(start, X, y.reshape(-1, 1), None, 0.0)
    stepped = start - lr * grad
    n_weights = sum(W.size for W in model.coefs_)
    shrink = lr * l1 / len(X)
    expected = stepped.copy()
    expected[:n_weights] = np.sign(stepped[:n_weights]) * np.maximum(
        np.abs(stepped[:n_weights]) - shrink, 0)
    assert np.sum(expected[:n_weights] == 0) > 0, "no weight within the threshold: no check"
    assert_allclose(model._params, expected, rtol=1e-12, atol=1e-15,
                    err_msg="sgd + l1: the first step is not soft_threshold(w - lr * g, "
                            "lr * l1 / n) on the weights, w - lr * g on the biases")


def test_lbfgs_objective_includes_l1_over_n_samples():
    X, y = _regression()
    alpha, l1 = 0.3, 0.2
    reg = MLPRegressor(hidden_layer_sizes=(8,), solver="lbfgs", alpha=alpha, l1=l1,
                       max_iter=30, random_state=0, dtype="float64").fit(X, y)
    W = reg.coefs_
    expected = (0.5 * np.mean((reg.predict(X) - y) ** 2)
                + (0.5 * alpha * sum(np.sum(w**2) for w in W)
                   + l1 * sum(np.sum(np.abs(w)) for w in W)) / len(X))
    assert reg.loss_ == pytest.approx(expected, rel=1e-10), (
        f"lbfgs loss_ {reg.loss_!r}, 0.5 mean sq. error + (alpha/2 |W|^2 + l1 |W|_1) / n "
        f"= {expected!r}")


# ---------------------------------------------------------------- dropout


def _dropout_fit(dropout, seed=0, **params):
    X, y = _classification()
    params = dict(hidden_layer_sizes=(16, 12), max_iter=15, learning_rate_init=0.01,
                  random_state=seed, dtype="float64") | params
    return MLPClassifier(dropout=dropout, **params).fit(X, y), X


def _relu_forward(model, X):
    a = X
    for W, b in zip(model.coefs_[:-1], model.intercepts_[:-1]):
        a = np.maximum(a @ W + b, 0)
    return softmax(a @ model.coefs_[-1] + model.intercepts_[-1], axis=1)


@pytest.mark.parametrize("dropout", [0.5, [0.5, 0.2]])
def test_dropout_is_off_at_prediction(dropout):
    clf, X = _dropout_fit(dropout)
    first = clf.predict_proba(X)
    assert_array_equal(clf.predict_proba(X), first, err_msg="two predict_proba calls differ")
    assert_allclose(first, _relu_forward(clf, X), rtol=1e-10, atol=1e-12,
                    err_msg="predict_proba is not the full network's forward pass")


@pytest.mark.parametrize("solver", ["adam", "sgd"])
@pytest.mark.parametrize("dropout", [0.5, [0.3, 0.6]])
def test_dropout_training_is_reproducible_from_random_state(solver, dropout):
    a, _ = _dropout_fit(dropout, solver=solver)
    b, _ = _dropout_fit(dropout, solver=solver)
    assert _all_equal(a, b), "two fits with the same random_state differ"
    assert a.loss_curve_ == b.loss_curve_
    c, _ = _dropout_fit(dropout, seed=1, solver=solver)
    assert not np.array_equal(a.coefs_[0], c.coefs_[0])


def test_dropout_changes_training():
    # Without shuffling, the only randomness after the initial weights is dropout's.
    plain, _ = _dropout_fit(0.0, shuffle=False)
    dropped, _ = _dropout_fit(0.5, shuffle=False)
    assert not np.allclose(plain.coefs_[0], dropped.coefs_[0]), "dropout=0.5 trains like 0"
    assert dropped.loss_curve_[-1] > plain.loss_curve_[-1], (
        "training loss with dropout should stay above the plain network's: "
        f"{dropped.loss_curve_[-1]:.4f} vs {plain.loss_curve_[-1]:.4f}")


def test_one_rate_is_that_rate_on_every_hidden_layer():
    one, _ = _dropout_fit(0.4)
    per_layer, _ = _dropout_fit([0.4, 0.4])
    assert _all_equal(one, per_layer), "dropout=0.4 differs from dropout=[0.4, 0.4]"
    zero, _ = _dropout_fit(0.0)
    zeros, _ = _dropout_fit([0.0, 0.0])
    assert _all_equal(zero, zeros), "dropout=0 differs from dropout=[0, 0]"


def test_per_layer_rates_act_on_their_own_layer():
    fits = {str(rates): _dropout_fit(rates)[0] for rates in ([0.5, 0.0], [0.0, 0.5], [0.0, 0.0])}
    names = list(fits)
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            assert not np.allclose(fits[a].coefs_[0], fits[b].coefs_[0]), (
                f"dropout={a} and dropout={b} train identically")


@pytest.mark.parametrize("Estimator", [MLPClassifier, MLPRegressor])
def test_dropout_with_lbfgs_raises(Estimator):
    X, y = _regression()
    if Estimator is MLPClassifier:
        y = (y > 0).astype(int)
    with pytest.raises(ValueError, match="dropout"):
        Estimator(solver="lbfgs", dropout=0.2).fit(X, y)
    Estimator(solver="lbfgs", dropout=0.0, max_iter=5).fit(X, y)  # no dropout: fine


@pytest.mark.parametrize("dropout", [[0.5, 1.0], [0.2, -0.1], [0.5, np.nan], [1.5, 0.0]])
def test_per_layer_rates_outside_zero_one_raise(dropout):
    X, y = _classification()
    with pytest.raises(ValueError, match="dropout"):
        MLPClassifier(hidden_layer_sizes=(5, 4), dropout=dropout).fit(X, y)


def test_dropout_in_partial_fit_is_reproducible():
    X, y = _classification()
    models = [MLPClassifier(hidden_layer_sizes=(16,), dropout=0.5, random_state=3)
              for _ in range(2)]
    for model in models:
        for _ in range(3):
            model.partial_fit(X, y, classes=[0, 1, 2])
    assert _all_equal(*models)


# ---------------------------------------------------------------- overfitting


def _small_noisy_regression(seed):
    """80 training rows of a smooth target in 3 of 10 features, with noise of
    standard deviation 0.7; 500 clean-protocol validation rows."""
    rng = np.random.RandomState(seed)
    X = rng.randn(580, 10)
    y = np.sin(1.5 * X[:, 0]) + X[:, 1] * X[:, 2] + 0.7 * rng.randn(580)
    return X[:80], y[:80], X[80:], y[80:]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_dropout_and_l2_each_beat_an_overfitting_network_on_validation_data(seed):
    X, y, X_val, y_val = _small_noisy_regression(seed)
    params = dict(hidden_layer_sizes=(100,), learning_rate_init=0.01, max_iter=300, tol=0,
                  n_iter_no_change=np.inf, random_state=seed)
    plain = MLPRegressor(alpha=0, dropout=0, **params).fit(X, y)
    scores = {
        "unregularised": plain.score(X_val, y_val),
        "L2 (alpha=2)": MLPRegressor(alpha=2.0, **params).fit(X, y).score(X_val, y_val),
        "dropout 0.8": MLPRegressor(alpha=0, dropout=0.8, **params).fit(X, y)
        .score(X_val, y_val),
    }
    train_score = plain.score(X, y)
    assert train_score > 0.95 and train_score > scores["unregularised"] + 0.3, (
        f"seed {seed}: the unregularised network should overfit: training R^2 "
        f"{train_score:.3f}, validation R^2 {scores['unregularised']:.3f}")
    for name in ["L2 (alpha=2)", "dropout 0.8"]:
        assert scores[name] > scores["unregularised"] + 0.03, (
            f"seed {seed}: {name} does not raise the validation R^2 by 0.03: {scores}")
