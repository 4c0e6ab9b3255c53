"""history_: one entry per epoch (sgd, adam) or iteration (lbfgs) for every key.

Keys: epoch, loss, val_loss, val_score, learning_rate, time, weight_grad_norm and
bias_grad_norm (per layer, the mean over the epoch's minibatches of each layer's
gradient norm, before clipping and without the penalty). partial_fit and warm_start
append to it; a fresh fit starts it over.
"""

import numpy as np
import pytest
from numpy.testing import assert_allclose
from sklearn.datasets import make_classification
from sklearn.preprocessing import StandardScaler

from nnfast import MLPClassifier, MLPRegressor

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

KEYS = {"epoch", "loss", "val_loss", "val_score", "val_metric", "learning_rate", "time", "weight_grad_norm",
        "bias_grad_norm"}


def _classification():
    X, y = make_classification(n_samples=120, n_features=6, n_informative=4, n_redundant=0,
                               n_classes=3, n_clusters_per_class=1, random_state=0)
    return StandardScaler().fit_transform(X), y


def _regression(n_samples=80):
    rng = np.random.RandomState(0)
    X = rng.randn(n_samples, 5)
    return X, np.tanh(X @ rng.randn(5)) + 0.05 * rng.randn(n_samples)


def _assert_one_entry_per_epoch(model, n_epochs, n_layers):
    history = model.history_
    assert set(history) == KEYS, f"history_ keys {sorted(history)}"
    lengths = {key: len(values) for key, values in history.items()}
    assert set(lengths.values()) == {n_epochs}, f"entries per key {lengths}, expected {n_epochs}"
    assert history["epoch"] == list(range(1, n_epochs + 1))
    for key in ("weight_grad_norm", "bias_grad_norm"):
        assert all(len(norms) == n_layers for norms in history[key]), (
            f"{key}: not one norm per layer ({n_layers})")


@pytest.mark.parametrize("solver", ["sgd", "adam"])
@pytest.mark.parametrize("Estimator", [MLPClassifier, MLPRegressor])
def test_history_has_one_entry_per_epoch_for_every_key(Estimator, solver):
    X, y = _classification() if Estimator is MLPClassifier else _regression()
    model = Estimator(hidden_layer_sizes=(8, 6), solver=solver, max_iter=7, tol=0,
                      random_state=0).fit(X, y)
    _assert_one_entry_per_epoch(model, 7, n_layers=3)
    history = model.history_
    assert history["loss"] == model.loss_curve_
    times = history["time"]
    assert times[0] > 0 and all(a < b for a, b in zip(times, times[1:])), (
        f"time is not increasing: {times}")
    norms = np.array(history["weight_grad_norm"] + history["bias_grad_norm"])
    assert np.all(np.isfinite(norms)) and np.all(norms > 0), f"gradient norms {norms}"


def test_lbfgs_history_has_one_entry_per_iteration_without_gradient_norms():
    X, y = _regression()
    model = MLPRegressor(hidden_layer_sizes=(8,), solver="lbfgs", max_iter=15,
                         random_state=0).fit(X, y)
    _assert_one_entry_per_epoch(model, model.n_iter_, n_layers=2)
    assert model.history_["loss"][-1] == pytest.approx(model.loss_, rel=1e-6)
    assert all(a >= b for a, b in zip(model.history_["loss"], model.history_["loss"][1:]))
    assert np.all(np.isnan(model.history_["weight_grad_norm"]))


def _initial_params(params, units):
    model = MLPRegressor(**params)
    model._random_state = np.random.RandomState(params["random_state"])
    coefs, intercepts = model._initial_weights(units)
    return np.concatenate([np.ravel(a) for a in coefs + intercepts])


def _layer_norms(grad, units):
    """(weight norms, bias norms) per layer of a flat gradient."""
    sizes = [a * b for a, b in zip(units[:-1], units[1:])]
    weights = np.split(grad[:sum(sizes)], np.cumsum(sizes)[:-1])
    biases = np.split(grad[sum(sizes):], np.cumsum(units[1:])[:-1])
    return [np.linalg.norm(w) for w in weights], [np.linalg.norm(b) for b in biases]


def test_gradient_norms_are_the_mean_over_minibatches_of_each_layers_norm():
    # Two minibatches of sgd without momentum, rows in order: the norms can be
    # recomputed from the model's own full-batch gradient on each half.
    X, y = _regression(n_samples=40)
    units, lr = [5, 7, 4, 1], 0.1
    params = dict(hidden_layer_sizes=(7, 4), solver="sgd", momentum=0, alpha=0.5,
                  batch_size=20, shuffle=False, learning_rate_init=lr, max_iter=1,
                  random_state=0, dtype="float64")
    model = MLPRegressor(**params).fit(X, y)
    net = model._network(20)
    p0 = _initial_params(params, units)
    _, g1 = net.loss_grad(p0, X[:20], y[:20, None], None, 0.0)  # no penalty in the norms
    _, g1_penalised = net.loss_grad(p0, X[:20], y[:20, None], None, 0.5)
    _, g2 = net.loss_grad(p0 - lr * g1_penalised, X[20:], y[20:, None], None, 0.0)
    w1, b1 = _layer_norms(g1, units)
    w2, b2 = _layer_norms(g2, units)
    assert_allclose(model.history_["weight_grad_norm"][0], (np.array(w1) + w2) / 2,
                    rtol=1e-10, err_msg="weight_grad_norm is not the mean of the batches' norms")
    assert_allclose(model.history_["bias_grad_norm"][0], (np.array(b1) + b2) / 2,
                    rtol=1e-10, err_msg="bias_grad_norm is not the mean of the batches' norms")


@pytest.mark.parametrize("Estimator", [MLPClassifier, MLPRegressor])
def test_partial_fit_appends_one_entry_per_call(Estimator):
    X, y = _classification() if Estimator is MLPClassifier else _regression()
    kwargs = {"classes": [0, 1, 2]} if Estimator is MLPClassifier else {}
    model = Estimator(hidden_layer_sizes=(8,), random_state=0)
    for call in range(1, 4):
        model.partial_fit(X, y, **kwargs)
        _assert_one_entry_per_epoch(model, call, n_layers=2)
    assert model.history_["loss"] == model.loss_curve_


def test_warm_start_appends_and_a_fresh_fit_starts_over():
    X, y = _regression()
    model = MLPRegressor(hidden_layer_sizes=(8,), max_iter=4, tol=0, warm_start=True,
                         random_state=0)
    model.fit(X, y).fit(X, y)
    _assert_one_entry_per_epoch(model, 8, n_layers=2)
    model.set_params(warm_start=False).fit(X, y)
    _assert_one_entry_per_epoch(model, 4, n_layers=2)


def test_history_of_early_stopping_fit_ends_at_the_stopping_epoch():
    X, y = _classification()
    model = MLPClassifier(hidden_layer_sizes=(30,), early_stopping=True, n_iter_no_change=3,
                          learning_rate_init=0.05, max_iter=300, random_state=0).fit(X, y)
    assert model.n_iter_ < 300
    _assert_one_entry_per_epoch(model, model.n_iter_, n_layers=2)
    assert np.all(np.isfinite(model.history_["val_score"]))
    assert model.history_["val_score"] == model.validation_scores_
