"""lr_find: the learning-rate range test.

For n_rates geometric rates from start_rate to end_rate, a copy of the
estimator trains for a few epochs at that constant rate, every copy from the
same initial weights (the estimator's own when fitted, else its initialisation
from its random_state) and the same minibatch order; the result holds the rates,
the last epoch's training loss of each run (inf where it diverged) and the rate
with the lowest loss. The estimator passed in is left unchanged.
"""

import pickle
import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.datasets import load_digits
from sklearn.metrics import log_loss

from nnfast import LRFinderResult, MLPClassifier, MLPRegressor, lr_find


def _digits(scaled=True):
    X, y = load_digits(return_X_y=True)
    X, y = X[:400], y[:400]
    return (X / 16.0 if scaled else X), y


def _regression():
    X, _ = _digits()
    return X, X @ np.random.RandomState(0).randn(X.shape[1])


def _classifier(**params):
    return MLPClassifier(**{"hidden_layer_sizes": (32,), "solver": "sgd", "random_state": 0,
                            **params})


def _fitted_classifier(**params):
    X, y = _digits()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return _classifier(max_iter=30, learning_rate_init=0.1, **params).fit(X, y)


# ---------------------------------------------------------------- the result


def test_rates_are_geometric_and_increasing_from_start_to_end():
    X, y = _digits()
    result = lr_find(_classifier(), X, y, start_rate=1e-4, end_rate=10.0, n_rates=11)
    assert isinstance(result, LRFinderResult)
    assert len(result.rates) == len(result.losses) == 11
    assert result.rates[0] == pytest.approx(1e-4) and result.rates[-1] == pytest.approx(10.0)
    assert np.all(np.diff(result.rates) > 0), f"rates not increasing: {result.rates}"
    ratios = result.rates[1:] / result.rates[:-1]
    assert_allclose(ratios, 10 ** 0.5, rtol=1e-12, err_msg="rates are not geometric")


@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_losses_are_finite_at_small_rates_and_large_at_absurd_ones(solver):
    X, y = _digits()
    result = lr_find(_classifier(solver=solver), X, y, end_rate=1e3, n_rates=8)
    small = result.losses[result.rates <= 1e-2]
    assert np.all(np.isfinite(small)), f"losses at rates <= 1e-2: {small}"
    assert result.losses[-1] > 3 * result.losses[0], (
        f"loss at rate {result.rates[-1]:g} is {result.losses[-1]}, at "
        f"{result.rates[0]:g} {result.losses[0]}")


def test_a_run_that_diverges_has_an_infinite_loss():
    X, y = load_digits(return_X_y=True)  # rate 1e6 on raw pixels: the fit raises
    result = lr_find(_classifier(), X, y, start_rate=1e-5, end_rate=1e6, n_rates=4)
    assert np.isfinite(result.losses[0]), f"losses {result.losses}"
    assert result.losses[-1] == np.inf, f"losses {result.losses}"
    assert not np.isnan(result.losses).any(), f"losses {result.losses}"


def test_a_regressor_diverges_at_absurd_rates():
    X, y = _regression()
    result = lr_find(MLPRegressor(hidden_layer_sizes=(16,), solver="sgd", random_state=0),
                     X, y, end_rate=1e3, n_rates=8)
    assert np.all(np.isfinite(result.losses[:4])), f"losses {result.losses}"
    assert result.losses[-1] > 1e6 * result.losses[0], f"losses {result.losses}"


def test_suggested_rate_is_the_rate_with_the_lowest_loss():
    X, y = _digits()
    result = lr_find(_classifier(), X, y, end_rate=1e3, n_rates=10)
    best = int(np.argmin(result.losses))
    assert 0 < best < 9, f"the lowest loss is at an end of the range: {result.losses}"
    assert result.suggested_rate == result.rates[best]
    assert isinstance(result.suggested_rate, float)


def test_lr_find_is_reproducible_with_an_int_random_state():
    X, y = _digits()
    first = lr_find(_classifier(), X, y, n_rates=5)
    second = lr_find(_classifier(), X, y, n_rates=5)
    assert_array_equal(first.losses, second.losses)


def test_max_samples_uses_the_first_rows():
    X, y = _digits()
    subset = lr_find(_classifier(), X, y, n_rates=4, max_samples=150)
    sliced = lr_find(_classifier(), X[:150], y[:150], n_rates=4)
    assert_array_equal(subset.losses, sliced.losses)


def test_no_warning_escapes_even_from_diverging_runs():
    X, y = _digits(scaled=False)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        lr_find(_classifier(), X, y, end_rate=1e6, n_rates=3)


# ---------------------------------------------------------------- the estimator is left alone


def test_an_unfitted_estimator_stays_unfitted():
    X, y = _digits()
    estimator = _classifier()
    params, state = estimator.get_params(), dict(vars(estimator))
    lr_find(estimator, X, y, n_rates=3)
    assert not hasattr(estimator, "coefs_"), "lr_find fitted the estimator passed in"
    assert estimator.get_params() == params
    assert vars(estimator).keys() == state.keys(), (
        f"attributes added: {sorted(vars(estimator).keys() - state.keys())}")


def test_a_fitted_estimator_keeps_its_weights_and_state_bit_for_bit():
    X, y = _digits()
    estimator = _fitted_classifier()
    before = pickle.dumps(estimator)
    coefs = [W.copy() for W in estimator.coefs_ + estimator.intercepts_]
    params = estimator.get_params()
    lr_find(estimator, X, y, end_rate=1e3, n_rates=4, epochs=2)
    for before_array, after in zip(coefs, estimator.coefs_ + estimator.intercepts_):
        assert_array_equal(after, before_array, err_msg="lr_find changed the weights")
    assert estimator.get_params() == params
    assert pickle.dumps(estimator) == before, "lr_find changed the fitted estimator's state"


# ---------------------------------------------------------------- the same initial weights


def test_a_fitted_estimator_starts_every_run_from_its_own_weights():
    X, y = _digits()
    estimator = _fitted_classifier(dtype="float64")
    result = lr_find(estimator, X, y, start_rate=1e-12, end_rate=1e-11, n_rates=3)
    # at a negligible rate the epoch's loss is the loss at the fitted weights
    own_loss = log_loss(y, estimator.predict_proba(X))
    assert_allclose(result.losses, own_loss, rtol=1e-3,
                    err_msg="the runs did not start from the fitted weights")
    fresh = lr_find(_classifier(), X, y, start_rate=1e-12, end_rate=1e-11, n_rates=3)
    assert fresh.losses[0] > 10 * result.losses[0], (
        f"a fitted model's loss {result.losses[0]} vs a fresh one's {fresh.losses[0]}")


def test_an_unfitted_estimator_starts_every_run_from_its_initialisation():
    X, y = _digits()
    result = lr_find(_classifier(), X, y, start_rate=1e-12, end_rate=1e-11, n_rates=4)
    assert np.ptp(result.losses) <= 1e-6 * result.losses[0], (
        f"losses at negligible rates differ: {result.losses}")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        initial = _classifier(learning_rate_init=1e-12, max_iter=1).fit(X, y)
    assert_allclose(result.losses, initial.loss_, rtol=1e-5,
                    err_msg="the runs did not start from the random_state's initial weights")


@pytest.mark.parametrize("random_state", [0, np.random.RandomState(0), None],
                         ids=["int", "RandomState", "None"])
@pytest.mark.parametrize("fitted", [False, True])
def test_runs_at_the_same_rate_see_the_same_minibatches(random_state, fitted):
    # Three (almost) equal rates: equal losses unless the weights or the
    # minibatch order differ between the runs.
    X, y = _digits()
    estimator = _classifier(batch_size=50, random_state=random_state)
    if fitted:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            estimator.set_params(max_iter=3).fit(X, y)
    result = lr_find(estimator, X, y, start_rate=0.5, end_rate=0.5 * (1 + 1e-12), n_rates=3)
    assert np.ptp(result.losses) <= 1e-6 * result.losses[0], (
        f"losses at the same rate differ: {result.losses}")


# ---------------------------------------------------------------- bad arguments


def test_lbfgs_raises():
    X, y = _digits()
    with pytest.raises(ValueError, match="sgd' or 'adam"):
        lr_find(_classifier(solver="lbfgs"), X, y)


@pytest.mark.parametrize("kwargs, match", [
    (dict(start_rate=0.0), "start_rate"),
    (dict(start_rate=-1e-3), "start_rate"),
    (dict(start_rate=1.0, end_rate=1.0), "start_rate"),
    (dict(start_rate=1.0, end_rate=0.1), "start_rate"),
    (dict(n_rates=1), "n_rates"),
    (dict(epochs=0), "epochs"),
])
def test_bad_ranges_raise(kwargs, match):
    X, y = _digits()
    estimator = _classifier()
    with pytest.raises(ValueError, match=match):
        lr_find(estimator, X, y, **kwargs)
    assert not hasattr(estimator, "coefs_")
