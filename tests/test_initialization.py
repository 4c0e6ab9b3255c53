"""Initial weights: the `init` schemes against their theoretical distributions.

glorot_uniform (the default) is scikit-learn's scheme and draws; test_parity.py
checks that it reproduces scikit-learn's initial weights. Here every scheme's
weights of a wide layer are held against the variance it promises (glorot:
2 / (fan_in + fan_out), he: 2 / fan_in, lecun: 1 / fan_in; a uniform on [-b, b] has
variance b^2 / 3) and the shape of its distribution, and the new schemes' biases
start at zero. The weights come from the estimator's private _initial_weights,
which fit calls with the estimator's random_state.
"""

import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.exceptions import ConvergenceWarning

from nnfast import MLPClassifier, MLPRegressor

# Two wide layers with different fans: 120 000 and 60 000 weights, so the sample
# variance is within about 0.5 % (one standard error) of the true one.
UNITS = [400, 300, 200]
VARIANCE_RTOL = 0.03


def theoretical_variance(init, fan_in, fan_out):
    return {
        "glorot_uniform": 6 / (fan_in + fan_out) / 3,
        "glorot_normal": 2 / (fan_in + fan_out),
        "he_uniform": 6 / fan_in / 3,
        "he_normal": 2 / fan_in,
        "lecun_normal": 1 / fan_in,
    }[init]


def initial_weights(init, seed, units=UNITS, Estimator=MLPRegressor, **params):
    est = Estimator(init=init, **params)
    est._random_state = np.random.RandomState(seed)
    return est._initial_weights(units)


def excess_kurtosis(w):
    w = w.ravel() - w.mean()
    return np.mean(w**4) / np.mean(w**2) ** 2 - 3


INITS = ["glorot_uniform", "glorot_normal", "he_uniform", "he_normal", "lecun_normal"]


@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize("init", INITS)
def test_weight_variance_matches_theory_for_each_layer(init, seed):
    coefs, _ = initial_weights(init, seed)
    assert [W.shape for W in coefs] == list(zip(UNITS[:-1], UNITS[1:]))
    for layer, W in enumerate(coefs):
        fan_in, fan_out = W.shape
        expected = theoretical_variance(init, fan_in, fan_out)
        assert W.var() == pytest.approx(expected, rel=VARIANCE_RTOL), (
            f"{init}, layer {layer} ({fan_in} -> {fan_out}): weight variance {W.var():.4g}, "
            f"theory {expected:.4g}")
        assert abs(W.mean()) < 0.05 * np.sqrt(expected), (
            f"{init}, layer {layer}: weights are not centred, mean {W.mean():.3g}")


@pytest.mark.parametrize("init", INITS)
def test_uniform_schemes_are_uniform_and_normal_schemes_normal(init):
    coefs, _ = initial_weights(init, 0)
    W = coefs[0]
    kurtosis = excess_kurtosis(W)
    if init.endswith("uniform"):
        bound = np.sqrt(3 * theoretical_variance(init, *W.shape))
        assert np.abs(W).max() <= bound, f"{init}: a weight exceeds the bound {bound:.4g}"
        assert np.abs(W).max() > 0.999 * bound, f"{init}: the weights do not fill [-b, b]"
        assert kurtosis == pytest.approx(-1.2, abs=0.05), (
            f"{init}: excess kurtosis {kurtosis:.3f}, a uniform has -1.2")
    else:
        assert kurtosis == pytest.approx(0.0, abs=0.1), (
            f"{init}: excess kurtosis {kurtosis:.3f}, a normal has 0")


@pytest.mark.parametrize("init", ["glorot_normal", "he_uniform", "he_normal", "lecun_normal"])
def test_new_schemes_start_biases_at_zero(init):
    _, intercepts = initial_weights(init, 0)
    for layer, b in enumerate(intercepts):
        assert_array_equal(b, 0, err_msg=f"{init}: intercepts_[{layer}] do not start at 0")


def test_default_scheme_draws_biases_like_scikit_learn():
    coefs, intercepts = initial_weights("glorot_uniform", 0)
    for layer, (W, b) in enumerate(zip(coefs, intercepts)):
        bound = np.sqrt(6 / sum(W.shape))
        assert np.all(np.abs(b) <= bound) and np.std(b) > 0.3 * bound, (
            f"glorot_uniform: intercepts_[{layer}] are not uniform on [-{bound:.3g}, "
            f"{bound:.3g}]")


def test_glorot_uniform_narrows_for_logistic_as_scikit_learn():
    coefs, _ = initial_weights("glorot_uniform", 0, activation="logistic")
    for layer, W in enumerate(coefs):
        bound = np.sqrt(2 / sum(W.shape))
        assert np.abs(W).max() <= bound < 1.001 * np.abs(W).max(), (
            f"logistic layer {layer}: max |w| {np.abs(W).max():.4g}, bound {bound:.4g}")


@pytest.mark.parametrize("Estimator", [MLPClassifier, MLPRegressor])
@pytest.mark.parametrize("init", INITS)
def test_fit_starts_from_the_init_scheme(Estimator, init):
    # One sgd epoch at a learning rate of 1e-12 leaves the initial weights.
    rng = np.random.RandomState(0)
    X = rng.randn(30, 40)
    y = rng.randint(0, 2, 30) if Estimator is MLPClassifier else rng.randn(30)
    params = dict(hidden_layer_sizes=(50,), solver="sgd", learning_rate_init=1e-12,
                  max_iter=1, random_state=7, dtype="float64")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = Estimator(init=init, **params).fit(X, y)
    coefs, intercepts = initial_weights(init, 7, [40, 50, 1], Estimator)
    for layer, (a, b) in enumerate(zip(model.coefs_ + model.intercepts_, coefs + intercepts)):
        assert_allclose(a, b, rtol=1e-9, atol=1e-9,
                        err_msg=f"{Estimator.__name__}(init={init!r}): parameter array {layer} "
                                "after fit is not the scheme's initial draw")
