"""Validation data and early stopping.

fit(validation_data=(X_val, y_val)) records the validation loss and score of every
epoch in history_, with or without early stopping; with early_stopping=True the
user's set replaces the validation_fraction split. Early stopping watches the score
or (monitor='loss') the validation loss, with n_iter_no_change as the patience and tol
as the minimum improvement, and restores the weights of the best epoch unless
restore_best_weights=False. Losses are recomputed here in NumPy/scikit-learn from the
model's predictions: mean log loss for the classifier, half mean squared error for the
regressor, without the penalty term.
"""

import numpy as np
import pytest
from sklearn.datasets import make_classification
from sklearn.metrics import log_loss
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from nnfast import MLPClassifier, MLPRegressor

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

ESTIMATORS = [MLPClassifier, MLPRegressor]


def _classification(random_state=0):
    """Noisy labels, so a big network overfits and the validation loss turns up."""
    X, y = make_classification(n_samples=400, n_features=10, n_informative=5, n_redundant=0,
                               n_classes=3, n_clusters_per_class=1, flip_y=0.15,
                               random_state=random_state)
    X = StandardScaler().fit_transform(X)
    return X[:250], y[:250], X[250:], y[250:]


def _regression(random_state=0):
    rng = np.random.RandomState(random_state)
    X = rng.randn(300, 8)
    y = np.tanh(X @ rng.randn(8) / 2) + 0.3 * rng.randn(300)
    return X[:150], y[:150], X[150:], y[150:]


def _data_for(Estimator):
    return _classification() if Estimator is MLPClassifier else _regression()


def validation_loss(model, X, y):
    """The loss early stopping watches, from the model's predictions."""
    if isinstance(model, MLPClassifier):
        return log_loss(y, model.predict_proba(X), labels=model.classes_)
    return 0.5 * np.mean((model.predict(X) - y) ** 2)


def _fit(Estimator, X, y, validation_data=None, **params):
    params = dict(hidden_layer_sizes=(60,), learning_rate_init=0.01, max_iter=60,
                  random_state=0, dtype="float64") | params
    return Estimator(**params).fit(X, y, validation_data=validation_data)


def stopping_epoch(values, patience, tol, higher_is_better):
    """scikit-learn's rule: stop after more than `patience` epochs in a row that fail
    to beat the best value so far by tol. Returns the number of epochs run, or None."""
    best, waited = -np.inf, 0
    for epoch, value in enumerate(values, start=1):
        value = value if higher_is_better else -value
        waited = waited + 1 if value < best + tol else 0
        best = max(best, value)
        if waited > patience:
            return epoch
    return None


# ---------------------------------------------------------------- validation_data


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_validation_data_is_recorded_every_epoch_without_early_stopping(Estimator):
    X, y, X_val, y_val = _data_for(Estimator)
    model = _fit(Estimator, X, y, (X_val, y_val), max_iter=25, tol=0, n_iter_no_change=np.inf)
    history = model.history_
    assert len(history["val_loss"]) == len(history["val_score"]) == model.n_iter_ == 25
    assert np.all(np.isfinite(history["val_loss"])) and np.all(np.isfinite(history["val_score"]))
    assert history["val_score"][-1] == pytest.approx(model.score(X_val, y_val), rel=1e-12), (
        "the last epoch's val_score is not model.score on the validation data")
    assert history["val_loss"][-1] == pytest.approx(validation_loss(model, X_val, y_val),
                                                    rel=1e-9)
    assert model.validation_scores_ == history["val_score"]
    assert model.best_validation_score_ == max(history["val_score"])
    # Without early stopping, the model keeps training past the best epoch.
    assert model.n_iter_ == 25


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_without_validation_data_validation_history_is_nan(Estimator):
    X, y, _, _ = _data_for(Estimator)
    model = _fit(Estimator, X, y, max_iter=5)
    assert len(model.history_["val_loss"]) == 5
    assert np.all(np.isnan(model.history_["val_loss"]))
    assert np.all(np.isnan(model.history_["val_score"]))
    assert model.validation_scores_ is None


def test_validation_data_with_sample_weights_weights_the_validation_score():
    X, y, X_val, y_val = _classification()
    sw_val = np.random.RandomState(0).uniform(0, 2, len(y_val))
    model = _fit(MLPClassifier, X, y, (X_val, y_val, sw_val), max_iter=5)
    assert model.history_["val_score"][-1] == pytest.approx(
        model.score(X_val, y_val, sample_weight=sw_val), rel=1e-12)
    assert model.history_["val_score"][-1] != pytest.approx(model.score(X_val, y_val))


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_user_validation_set_replaces_the_split_with_early_stopping(Estimator):
    X, y, X_val, y_val = _data_for(Estimator)
    model = _fit(Estimator, X, y, (X_val, y_val), early_stopping=True, n_iter_no_change=5,
                 max_iter=200)
    # Every training row was used: no validation_fraction was held out.
    assert model.t_ == model.n_iter_ * len(X)
    assert model.validation_scores_ == model.history_["val_score"]
    assert model.score(X_val, y_val) == pytest.approx(model.best_validation_score_, rel=1e-12), (
        "the restored model's score on the user's validation set is not the best "
        "validation score")
    assert model.n_iter_ < 200


def test_validation_data_with_unseen_class_raises():
    X, y, X_val, y_val = _classification()
    y_val = y_val.copy()
    y_val[0] = 7
    with pytest.raises(ValueError, match="classes"):
        _fit(MLPClassifier, X, y, (X_val, y_val), max_iter=2)


def test_validation_data_rejected_by_partial_fit_and_malformed_tuples():
    X, y, X_val, y_val = _regression()
    with pytest.raises(ValueError, match="validation_data"):
        _fit(MLPRegressor, X, y, (X_val,), max_iter=2)
    with pytest.raises(ValueError, match="validation_data"):
        _fit(MLPRegressor, X, y, (X_val, y_val[:-1]), max_iter=2)
    with pytest.raises(ValueError, match="features"):
        _fit(MLPRegressor, X, y, (X_val[:, :-1], y_val), max_iter=2)


# ---------------------------------------------------------------- early stopping


@pytest.mark.parametrize("Estimator", ESTIMATORS)
@pytest.mark.parametrize("monitor", ["loss", "score"])
def test_early_stopping_stops_after_patience_on_the_monitored_figure(Estimator, monitor):
    X, y, X_val, y_val = _data_for(Estimator)
    model = _fit(Estimator, X, y, (X_val, y_val), early_stopping=True, monitor=monitor,
                 n_iter_no_change=4, tol=0, max_iter=300)
    history = model.history_
    values = history["val_loss"] if monitor == "loss" else history["val_score"]
    expected = stopping_epoch(values, 4, 0.0, higher_is_better=(monitor == "score"))
    assert expected is not None and model.n_iter_ == expected < 300, (
        f"monitor={monitor!r}: stopped after {model.n_iter_} epochs, the rule on "
        f"history_ says {expected}")


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_monitor_loss_restores_the_epoch_with_the_lowest_validation_loss(Estimator):
    X, y, X_val, y_val = _data_for(Estimator)
    model = _fit(Estimator, X, y, (X_val, y_val), early_stopping=True, monitor="loss",
                 n_iter_no_change=5, tol=0, max_iter=300)
    val_loss = model.history_["val_loss"]
    assert val_loss[-1] > min(val_loss), "the last epoch is the best: nothing was restored"
    assert validation_loss(model, X_val, y_val) == pytest.approx(min(val_loss), rel=1e-9), (
        f"validation loss after fit {validation_loss(model, X_val, y_val):.6f}, lowest in "
        f"history_ {min(val_loss):.6f} (epoch {int(np.argmin(val_loss)) + 1}), last "
        f"{val_loss[-1]:.6f}")


def test_monitor_loss_can_stop_where_monitor_score_would_not():
    # A classifier's accuracy and log loss peak at different epochs. (A regressor's
    # R^2 and squared error on a fixed set are one figure: 1 - MSE / variance.)
    X, y, X_val, y_val = _classification()
    params = dict(early_stopping=True, n_iter_no_change=5, tol=0, max_iter=300)
    by_loss = _fit(MLPClassifier, X, y, (X_val, y_val), monitor="loss", **params)
    by_score = _fit(MLPClassifier, X, y, (X_val, y_val), monitor="score", **params)
    assert by_loss.n_iter_ != by_score.n_iter_, "monitor has no effect on when training stops"


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_restore_best_weights_false_keeps_the_last_epoch(Estimator):
    X, y, X_val, y_val = _data_for(Estimator)
    model = _fit(Estimator, X, y, (X_val, y_val), early_stopping=True, monitor="loss",
                 n_iter_no_change=5, tol=0, max_iter=300, restore_best_weights=False)
    val_loss = model.history_["val_loss"]
    assert val_loss[-1] > min(val_loss)
    assert validation_loss(model, X_val, y_val) == pytest.approx(val_loss[-1], rel=1e-9), (
        "restore_best_weights=False did not keep the last epoch's weights")
    assert model.score(X_val, y_val) == pytest.approx(model.history_["val_score"][-1],
                                                      rel=1e-12)


def test_tol_is_the_minimum_improvement():
    X, y, X_val, y_val = _classification()
    params = dict(early_stopping=True, monitor="loss", n_iter_no_change=3, max_iter=300)
    strict = _fit(MLPClassifier, X, y, (X_val, y_val), tol=0, **params)
    # No epoch lowers the validation loss by 10: the first epoch sets the best, the
    # next n_iter_no_change + 1 fail to beat it.
    lenient = _fit(MLPClassifier, X, y, (X_val, y_val), tol=10.0, **params)
    assert lenient.n_iter_ == 1 + 3 + 1
    assert strict.n_iter_ > lenient.n_iter_
    # Whichever epoch had the lowest loss is restored, however small its improvement.
    val_loss = lenient.history_["val_loss"]
    assert validation_loss(lenient, X_val, y_val) == pytest.approx(min(val_loss), rel=1e-9)


@pytest.mark.parametrize("patience", [2, 6])
def test_n_iter_no_change_is_the_patience(patience):
    X, y, X_val, y_val = _classification()
    model = _fit(MLPClassifier, X, y, (X_val, y_val), early_stopping=True, monitor="loss",
                 n_iter_no_change=patience, tol=0, max_iter=300)
    best_epoch = int(np.argmin(model.history_["val_loss"])) + 1
    assert model.n_iter_ == best_epoch + patience + 1, (
        f"best epoch {best_epoch}, stopped at {model.n_iter_}: expected patience "
        f"{patience} + 1 epochs without improvement, as scikit-learn counts")


# ---------------------------------------------------------------- validation_fraction split


def held_out_rows(X, y, random_state, hidden_layer_sizes, validation_fraction, n_outputs,
                  stratify):
    """The rows an early-stopping fit holds out: nnfast draws the initial weights
    (glorot_uniform: weights then biases, layer by layer) from random_state, then
    splits with the same generator, as scikit-learn does (which stratifies only
    single-output classification: binary, not multiclass)."""
    rng = np.random.RandomState(random_state)
    units = [X.shape[1], *hidden_layer_sizes, n_outputs]
    for fan_in, fan_out in zip(units[:-1], units[1:]):
        rng.uniform(size=(fan_in, fan_out))
        rng.uniform(size=fan_out)
    _, X_val, _, y_val = train_test_split(X, y, random_state=rng,
                                          test_size=validation_fraction,
                                          stratify=y if stratify else None)
    return X_val, y_val


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_validation_fraction_split_with_monitor_loss_restores_the_best_epoch(Estimator):
    X, y, X_more, y_more = _data_for(Estimator)
    X, y = np.vstack([X, X_more]), np.concatenate([y, y_more])
    model = _fit(Estimator, X, y, early_stopping=True, monitor="loss", validation_fraction=0.2,
                 n_iter_no_change=5, tol=0, max_iter=300)
    classifier = Estimator is MLPClassifier
    X_val, y_val = held_out_rows(X, y, 0, (60,), 0.2, 3 if classifier else 1, stratify=False)
    val_loss = model.history_["val_loss"]
    assert np.all(np.isfinite(val_loss)) and len(val_loss) == model.n_iter_ < 300
    assert model.t_ == model.n_iter_ * (len(X) - len(X_val))
    assert val_loss[-1] > min(val_loss), "the last epoch is the best: nothing was restored"
    assert validation_loss(model, X_val, y_val) == pytest.approx(min(val_loss), rel=1e-9), (
        "the weights after fit are not those of the epoch with the lowest validation loss")


@pytest.mark.parametrize("y, named, internal", [
    ([0, 0, 0, 1], "[1]", "1.0"),
    (["a", "a", "a", "b"], "['b']", "1.0"),
    ([5, 5, 5, 7], "[7]", "1.0"),
])
def test_a_class_too_small_to_split_is_named_by_the_users_label(y, named, internal):
    # The stratified split used to see the internal 0./1. encoding and named '1.0'.
    X = np.arange(8.0).reshape(4, 2)
    with pytest.raises(ValueError, match="too few") as error:
        MLPClassifier(early_stopping=True, random_state=0).fit(X, y)
    message = str(error.value)
    # scikit-learn names the classes from 1.9 on ("Classes with too few members
    # are: [...]"); before, its message names none ("The least populated class
    # in y has only 1 member, which is too few.").
    if "Classes with too few members" in message:
        assert message.endswith(named), message
    assert internal not in message, message
