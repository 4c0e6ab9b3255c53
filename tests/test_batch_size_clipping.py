"""Minibatch sizes ('full', an int, 1) and gradient clipping (clip_norm, clip_value).

The clipping tests take the first step of full-batch sgd without momentum or L2,
where the update is exactly -learning_rate * clip(gradient); the gradient at the
initial weights comes from the model's own Network.loss_grad (checked against
finite differences in test_gradients.py).
"""

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from nnfast import MLPClassifier, MLPRegressor

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def _regression(n_samples=250, random_state=0):
    rng = np.random.RandomState(random_state)
    X = rng.randn(n_samples, 4)
    return X, np.tanh(X @ rng.randn(4)) + 0.05 * rng.randn(n_samples)


def _initial_params(params, units):
    """The flat parameter block a fit with these params starts from."""
    model = MLPRegressor(**params)
    model._random_state = np.random.RandomState(params["random_state"])
    coefs, intercepts = model._initial_weights(units)
    return np.concatenate([np.ravel(a) for a in coefs + intercepts])


# ---------------------------------------------------------------- batch_size


@pytest.mark.parametrize("shuffle", [True, False])
@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_full_batch_equals_batch_size_n_samples(solver, shuffle):
    X, y = _regression()  # 250 rows: 'auto' would be minibatches of 200
    params = dict(hidden_layer_sizes=(6,), solver=solver, shuffle=shuffle, max_iter=5,
                  random_state=0, dtype="float64")
    full = MLPRegressor(batch_size="full", **params).fit(X, y)
    n = MLPRegressor(batch_size=len(X), **params).fit(X, y)
    auto = MLPRegressor(**params).fit(X, y)
    assert_array_equal(full._params, n._params, err_msg="'full' differs from batch_size=250")
    assert full.loss_curve_ == n.loss_curve_
    assert not np.allclose(full._params, auto._params), "'full' trains like 'auto' (200)"


def test_batch_size_one_makes_one_step_per_sample():
    # sgd without momentum over rows in order: the epoch is n single-row gradient steps.
    X, y = _regression(n_samples=20)
    lr = 0.05
    params = dict(hidden_layer_sizes=(5,), solver="sgd", momentum=0, alpha=0, shuffle=False,
                  learning_rate_init=lr, max_iter=1, random_state=0, dtype="float64")
    model = MLPRegressor(batch_size=1, **params).fit(X, y)
    net = model._network(1)
    expected = _initial_params(params, [4, 5, 1])
    for i in range(len(X)):
        _, grad = net.loss_grad(expected, X[i:i + 1], y[i:i + 1, None], None, 0.0)
        expected = expected - lr * grad
    assert_allclose(model._params, expected, rtol=1e-12, atol=1e-14,
                    err_msg="batch_size=1 is not one gradient step per row")
    assert model.t_ == len(X)


def test_batch_size_one_trains():
    X, y = _regression(n_samples=100)
    model = MLPRegressor(hidden_layer_sizes=(10,), batch_size=1, max_iter=30,
                         learning_rate_init=0.005, random_state=0).fit(X, y)
    assert model.loss_curve_[-1] < 0.2 * model.loss_curve_[0]
    assert model.score(X, y) > 0.9


# ---------------------------------------------------------------- clipping


LR = 0.1


def _first_step(**clip):
    """(parameters before, after one full-batch sgd step, full-batch gradient before)."""
    X, y = _regression(n_samples=60)
    params = dict(hidden_layer_sizes=(7, 5), solver="sgd", momentum=0, alpha=0,
                  batch_size="full", shuffle=False, learning_rate_init=LR, max_iter=1,
                  random_state=0, dtype="float64")
    model = MLPRegressor(**params, **clip).fit(X, y)
    before = _initial_params(params, [4, 7, 5, 1])
    _, grad = model._network(len(X)).loss_grad(before, X, y[:, None], None, 0.0)
    return before, model._params.copy(), grad


def test_without_clipping_the_step_is_the_gradient_step():
    before, after, grad = _first_step()
    assert_allclose(after, before - LR * grad, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("clip_norm", [1e-3, 0.05])
def test_clip_norm_rescales_the_step_to_learning_rate_times_clip_norm(clip_norm):
    before, after, grad = _first_step(clip_norm=clip_norm)
    assert np.linalg.norm(grad) > 5 * clip_norm, "the gradient is not clipped: no check"
    step = after - before
    assert np.linalg.norm(step) == pytest.approx(LR * clip_norm, rel=1e-10), (
        f"global step norm {np.linalg.norm(step):.6g}, lr * clip_norm = {LR * clip_norm:.6g}")
    assert_allclose(step, -LR * clip_norm * grad / np.linalg.norm(grad), rtol=1e-9,
                    atol=1e-15, err_msg="the clipped step is not along the gradient")


def test_clip_norm_above_the_gradient_norm_changes_nothing():
    before, after, grad = _first_step(clip_norm=1e6)
    assert_allclose(after, before - LR * grad, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("clip_value", [0.1, 0.5])
def test_clip_value_bounds_each_parameter_step(clip_value):
    before, after, grad = _first_step(clip_value=clip_value)
    assert 0 < np.sum(np.abs(grad) > clip_value) < grad.size, (
        "the gradient must have entries on both sides of clip_value")
    step = after - before
    assert np.abs(step).max() <= LR * clip_value * (1 + 1e-12), (
        f"a parameter moved by {np.abs(step).max():.6g} > lr * clip_value = {LR * clip_value}")
    assert_allclose(step, -LR * np.clip(grad, -clip_value, clip_value), rtol=1e-10,
                    atol=1e-16, err_msg="step is not -lr * clip(gradient, -c, c)")


def test_grad_norm_history_is_recorded_before_clipping():
    _, _, grad = _first_step()
    X, y = _regression(n_samples=60)
    model = MLPRegressor(hidden_layer_sizes=(7, 5), solver="sgd", momentum=0, alpha=0,
                         batch_size="full", shuffle=False, learning_rate_init=LR, max_iter=1,
                         random_state=0, dtype="float64", clip_norm=1e-3).fit(X, y)
    unclipped = np.linalg.norm(grad)
    recorded = np.sqrt(np.sum(np.square(model.history_["weight_grad_norm"][0]))
                       + np.sum(np.square(model.history_["bias_grad_norm"][0])))
    assert recorded == pytest.approx(unclipped, rel=1e-10), (
        f"history_ gradient norm {recorded:.6g}, the unclipped gradient's {unclipped:.6g}")


@pytest.mark.parametrize("clip", [dict(clip_norm=1.0), dict(clip_value=0.1)])
def test_clipping_lets_a_diverging_sgd_fit_train(clip):
    rng = np.random.RandomState(0)
    X = 10 * rng.randn(200, 5)
    y = X @ rng.randn(5)
    params = dict(hidden_layer_sizes=(10,), solver="sgd", learning_rate_init=0.01,
                  max_iter=30, random_state=0)
    with pytest.raises(ValueError, match="non-finite"):
        MLPRegressor(**params).fit(X, y)
    model = MLPRegressor(**params, **clip).fit(X, y)
    assert np.all(np.isfinite(model.predict(X)))
    assert model.loss_curve_[-1] < model.loss_curve_[0]


def test_clipping_classifier_with_adam_trains():
    rng = np.random.RandomState(0)
    X = rng.randn(150, 4)
    y = (X[:, 0] + X[:, 1] > 0).astype(int)
    clf = MLPClassifier(hidden_layer_sizes=(8,), clip_norm=0.1, clip_value=0.05,
                        learning_rate_init=0.01, max_iter=100, random_state=0).fit(X, y)
    assert clf.score(X, y) > 0.9
