"""Early stopping and history_ watch any nnfast.metrics metric by name."""

import warnings

import numpy as np
import pytest
from sklearn.datasets import load_digits, make_regression
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split

from nnfast import MLPClassifier, MLPRegressor, metrics
from nnfast._multilayer_perceptron import _MONITOR_METRICS

CLASSIFIER_METRICS = sorted(name for name, spec in _MONITOR_METRICS.items() if spec[3])
REGRESSOR_METRICS = sorted(name for name, spec in _MONITOR_METRICS.items() if not spec[3])


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        yield


def _digits(binary=False):
    X, y = load_digits(return_X_y=True)
    if binary:
        keep = y < 2
        X, y = X[keep], y[keep]
    return train_test_split(X / 16.0, y, test_size=0.3, random_state=0)


def _regression():
    X, y = make_regression(n_samples=400, n_features=8, noise=5.0, random_state=0)
    return train_test_split(X, y / y.std(), test_size=0.3, random_state=0)


@pytest.mark.parametrize("name", CLASSIFIER_METRICS)
def test_classifier_records_the_named_metric_of_its_final_weights(name):
    X_train, X_val, y_train, y_val = _digits(binary=name.split("_")[-1] in ("f1", "precision", "recall"))
    model = MLPClassifier(hidden_layer_sizes=(16,), max_iter=5, monitor=name, random_state=0,
                          dtype="float64").fit(X_train, y_train, validation_data=(X_val, y_val))
    function, kwargs, _, _ = _MONITOR_METRICS[name]
    expected = function(y_val, model.predict(X_val), **kwargs)
    assert model.history_["val_metric"][-1] == pytest.approx(expected, abs=1e-12), (
        f"history_ holds {model.history_['val_metric'][-1]} for {name}, "
        f"the final model scores {expected}")
    assert len(model.history_["val_metric"]) == model.n_iter_


@pytest.mark.parametrize("name", REGRESSOR_METRICS)
def test_regressor_records_the_named_metric_of_its_final_weights(name):
    X_train, X_val, y_train, y_val = _regression()
    model = MLPRegressor(hidden_layer_sizes=(16,), max_iter=5, monitor=name, random_state=0,
                         dtype="float64").fit(X_train, y_train, validation_data=(X_val, y_val))
    function, kwargs, _, _ = _MONITOR_METRICS[name]
    expected = function(y_val, model.predict(X_val), **kwargs)
    assert model.history_["val_metric"][-1] == pytest.approx(expected, abs=1e-12)


def test_early_stopping_on_an_error_metric_restores_its_lowest_epoch():
    X_train, X_val, y_train, y_val = _regression()
    model = MLPRegressor(hidden_layer_sizes=(32,), learning_rate_init=0.05, max_iter=200,
                         early_stopping=True, monitor="mean_absolute_error",
                         n_iter_no_change=5, random_state=0, dtype="float64")
    model.fit(X_train, y_train, validation_data=(X_val, y_val))
    history = model.history_["val_metric"]
    assert model.n_iter_ < 200, "early stopping never stopped"
    assert int(np.argmin(history)) < len(history) - 1, "the last epoch was the best: no restore tested"
    final = metrics.mean_absolute_error(y_val, model.predict(X_val))
    assert final == pytest.approx(min(history), abs=1e-12), (
        f"restored weights give MAE {final}, the best epoch had {min(history)}")


def test_early_stopping_on_f1_macro_restores_its_highest_epoch():
    X_train, X_val, y_train, y_val = _digits()
    model = MLPClassifier(hidden_layer_sizes=(16,), learning_rate_init=0.02, max_iter=200,
                          early_stopping=True, monitor="f1_macro", n_iter_no_change=3,
                          random_state=0, dtype="float64")
    model.fit(X_train, y_train, validation_data=(X_val, y_val))
    history = model.history_["val_metric"]
    final = metrics.f1_score(y_val, model.predict(X_val), average="macro")
    assert final == pytest.approx(max(history), abs=1e-12)


@pytest.mark.parametrize("monitor", ["score", "loss"])
def test_val_metric_is_nan_when_monitoring_score_or_loss(monitor):
    X_train, X_val, y_train, y_val = _digits()
    model = MLPClassifier(hidden_layer_sizes=(8,), max_iter=3, monitor=monitor,
                          random_state=0).fit(X_train, y_train, validation_data=(X_val, y_val))
    assert np.isnan(model.history_["val_metric"]).all()


@pytest.mark.parametrize("estimator, name", [
    (MLPRegressor, CLASSIFIER_METRICS[0]),
    (MLPClassifier, REGRESSOR_METRICS[0]),
])
def test_a_metric_of_the_other_kind_of_estimator_raises(estimator, name):
    X_train, _, y_train, _ = _digits()
    with pytest.raises(ValueError, match=f"monitor='{name}' is a metric for"):
        estimator(monitor=name, max_iter=2).fit(X_train, y_train)


def test_unknown_metric_name_raises_naming_the_parameter():
    X_train, _, y_train, _ = _digits()
    with pytest.raises(ValueError, match="monitor"):
        MLPClassifier(monitor="f2_score", max_iter=2).fit(X_train, y_train)
