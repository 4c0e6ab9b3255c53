"""Gradient diagnostics: the warnings fit raises from history_'s gradient norms.

VanishingGradientWarning: the first layer's weight-gradient norm stays below
1e-3 of the last layer's for 3 epochs in a row (a shorter fit is judged on all
its epochs). ExplodingGradientWarning: a layer's norm reaches 1e4 or is
non-finite. Each is raised at most once per fit, names its remedies, and is a
GradientWarning (a UserWarning) so it can be filtered by class. After a
non-finite step the model keeps finite weights, whether fit raises or returns.
(What history_'s norms are is pinned in test_history.py.)
"""

import warnings

import numpy as np
import pytest
from sklearn.datasets import load_digits, make_classification, make_regression
from sklearn.exceptions import ConvergenceWarning
from sklearn.preprocessing import StandardScaler

from nnfast import MLPClassifier, MLPRegressor
from nnfast.exceptions import ExplodingGradientWarning, GradientWarning, VanishingGradientWarning
from nnfast.inspection import diagnose_gradients

DEEP = (16,) * 10


def _classification():
    X, y = make_classification(n_samples=300, n_features=10, n_informative=6, random_state=0)
    return StandardScaler().fit_transform(X), y


def _digits():
    # unscaled (pixels 0..16): large enough inputs for a huge rate to blow up
    return load_digits(return_X_y=True)


def _fit_recording(model, X, y):
    """(model, the warnings fit raised); fit's ValueError is swallowed so the
    model can be inspected either way."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            model.fit(X, y)
        except ValueError:
            pass
    return model, caught


def _of(caught, category):
    return [w for w in caught if issubclass(w.category, category)]


def _names(caught):
    return [w.category.__name__ for w in caught]


def _assert_finite_model(model):
    for name in ("coefs_", "intercepts_"):
        for i, values in enumerate(getattr(model, name)):
            bad = np.sum(~np.isfinite(values))
            assert bad == 0, f"{name}[{i}] has {bad} non-finite entries"


# ---------------------------------------------------------------- vanishing


@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_deep_logistic_network_with_default_init_warns_vanishing_gradients(solver):
    X, y = _classification()
    model, caught = _fit_recording(
        MLPClassifier(hidden_layer_sizes=DEEP, activation="logistic", solver=solver,
                      max_iter=20, random_state=0), X, y)
    assert len(_of(caught, VanishingGradientWarning)) == 1, f"warnings: {_names(caught)}"
    assert not _of(caught, ExplodingGradientWarning), f"warnings: {_names(caught)}"
    norms = np.array(model.history_["weight_grad_norm"])
    ratios = norms[:, 0] / norms[:, -1]
    assert np.all(ratios < 1e-3), f"first/last layer gradient ratios {ratios}"


@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_relu_with_he_init_on_the_same_data_does_not_warn(solver):
    X, y = _classification()
    model, caught = _fit_recording(
        MLPClassifier(hidden_layer_sizes=DEEP, activation="relu", init="he_normal",
                      solver=solver, max_iter=20, random_state=0), X, y)
    assert not _of(caught, GradientWarning), (
        f"gradient warnings: {[str(w.message) for w in _of(caught, GradientWarning)]}")
    norms = np.array(model.history_["weight_grad_norm"])
    assert np.all(norms[:, 0] / norms[:, -1] > 0.1), "relu + he_normal gradients vanished"


def test_vanishing_warning_is_raised_once_per_fit_not_once_per_epoch():
    X, y = _classification()
    model = MLPClassifier(hidden_layer_sizes=DEEP, activation="logistic", solver="sgd",
                          max_iter=30, tol=0, random_state=0)
    model, caught = _fit_recording(model, X, y)
    assert model.n_iter_ == 30, f"fit stopped after {model.n_iter_} epochs"
    assert len(_of(caught, VanishingGradientWarning)) == 1, f"warnings: {_names(caught)}"
    # a second fit is a new fit: it warns again, once
    model.set_params(warm_start=True)
    model, caught = _fit_recording(model, X, y)
    assert len(_of(caught, VanishingGradientWarning)) == 1, f"warnings: {_names(caught)}"


@pytest.mark.parametrize("max_iter", [1, 2])
def test_fit_shorter_than_the_window_is_judged_on_all_its_epochs(max_iter):
    X, y = _classification()
    _, caught = _fit_recording(
        MLPClassifier(hidden_layer_sizes=DEEP, activation="logistic", solver="sgd",
                      max_iter=max_iter, random_state=0), X, y)
    assert len(_of(caught, VanishingGradientWarning)) == 1, f"warnings: {_names(caught)}"


def test_vanishing_message_names_the_remedies():
    X, y = _classification()
    _, caught = _fit_recording(
        MLPClassifier(hidden_layer_sizes=DEEP, activation="logistic", max_iter=5,
                      random_state=0), X, y)
    (warning,) = _of(caught, VanishingGradientWarning)
    message = str(warning.message)
    for remedy in ("relu", "he_normal", "learning_rate_init", "fewer layers"):
        assert remedy in message, f"{remedy!r} not in the message: {message}"


# ---------------------------------------------------------------- the rule itself


def _history(ratios, last=1.0):
    """A 3-layer history_ whose first/last weight-gradient ratio per epoch is given."""
    return {"weight_grad_norm": [[r * last, 0.5, last] for r in ratios]}


def _diagnosed(history, final=False):
    issued = set()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        diagnose_gradients(history, issued, final=final)
    return [w.category for w in caught], issued


@pytest.mark.parametrize("ratios, expected", [
    ([1e-4, 1e-4, 1e-4], [VanishingGradientWarning]),
    ([1e-2, 1e-4, 1e-4, 1e-4], [VanishingGradientWarning]),  # the last 3 epochs count
    ([1e-4, 1e-4, 1e-2], []),                                  # recovered
    ([1e-4, 1e-2, 1e-4], []),                                  # not persistent
    ([1e-4, 1e-4], []),                                        # not yet 3 epochs
    ([1e-3, 1e-3, 1e-3], []),                                  # the threshold is strict
])
def test_vanishing_needs_three_consecutive_epochs_below_one_thousandth(ratios, expected):
    categories, _ = _diagnosed(_history(ratios))
    assert categories == expected, f"ratios {ratios}: warned {categories}, expected {expected}"


def test_the_final_check_judges_a_short_fit_on_its_epochs():
    categories, _ = _diagnosed(_history([1e-4, 1e-4]), final=True)
    assert categories == [VanishingGradientWarning], f"two vanishing epochs: warned {categories}"
    categories, _ = _diagnosed(_history([1e-4, 1e-2]), final=True)
    assert categories == [], f"one vanishing epoch of two: warned {categories}"


def test_a_network_with_fewer_than_three_layers_never_warns_vanishing():
    categories, _ = _diagnosed({"weight_grad_norm": [[1e-9, 1.0]] * 5})
    assert categories == [], f"a 2-layer network warned {categories}"


@pytest.mark.parametrize("last_norms, expected", [
    ([1.0, 9999.0, 1.0], []),
    ([1.0, 1e4, 1.0], [ExplodingGradientWarning]),
    ([np.inf, 1.0, 1.0], [ExplodingGradientWarning]),
    ([1.0, 1.0, np.nan], [ExplodingGradientWarning]),
])
def test_exploding_means_a_norm_of_1e4_or_a_non_finite_one(last_norms, expected):
    categories, _ = _diagnosed({"weight_grad_norm": [[1.0, 1.0, 1.0], last_norms]})
    assert categories == expected, f"norms {last_norms}: warned {categories}, expected {expected}"


def test_a_warning_already_issued_in_the_fit_is_not_repeated():
    history = {"weight_grad_norm": [[1e-9, 1e5, 1.0]] * 3}
    issued = set()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for _ in range(4):
            diagnose_gradients(history, issued)
        diagnose_gradients(history, issued, final=True)
    categories = sorted(w.category.__name__ for w in caught)
    assert categories == ["ExplodingGradientWarning", "VanishingGradientWarning"], categories
    assert issued == {ExplodingGradientWarning, VanishingGradientWarning}


def test_lbfgs_fits_are_not_diagnosed():
    # lbfgs records no gradient norms (NaN in history_)
    X, y = _classification()
    _, caught = _fit_recording(
        MLPClassifier(hidden_layer_sizes=DEEP, activation="logistic", solver="lbfgs",
                      max_iter=20, random_state=0), X, y)
    assert not _of(caught, GradientWarning), f"warnings: {_names(caught)}"


# ---------------------------------------------------------------- exploding


def test_huge_learning_rate_warns_exploding_once_and_leaves_no_nan():
    X, y = _digits()
    model, caught = _fit_recording(
        MLPClassifier(hidden_layer_sizes=(32,), solver="sgd", learning_rate_init=10.0,
                      max_iter=10, random_state=0), X, y)
    assert model.n_iter_ == 10, "fit was expected to run all its epochs"
    assert len(_of(caught, ExplodingGradientWarning)) == 1, f"warnings: {_names(caught)}"
    first_epoch = max(model.history_["weight_grad_norm"][0])
    assert first_epoch >= 1e4, f"largest first-epoch norm {first_epoch}"
    _assert_finite_model(model)
    assert np.isfinite(model.predict_proba(X)).all(), "non-finite probabilities"


def test_exploding_message_names_the_remedies():
    X, y = _digits()
    _, caught = _fit_recording(
        MLPClassifier(hidden_layer_sizes=(32,), solver="sgd", learning_rate_init=10.0,
                      max_iter=2, random_state=0), X, y)
    (warning,) = _of(caught, ExplodingGradientWarning)
    message = str(warning.message)
    for remedy in ("learning_rate_init", "clip_norm", "StandardScaler", "init"):
        assert remedy in message, f"{remedy!r} not in the message: {message}"


_REGRESSION = make_regression(n_samples=200, n_features=10, random_state=0)

# Fits stopped by the C core's non-finite guard (all raise ValueError). The last
# one's huge float32 update overflows the weights themselves before the guard
# sees a non-finite gradient.
NON_FINITE_FITS = {
    "digits-sgd-1e6-float32": (MLPClassifier, *_digits(),
                               dict(learning_rate_init=1e6, dtype="float32")),
    "digits-sgd-1e6-float64": (MLPClassifier, *_digits(),
                               dict(learning_rate_init=1e6, dtype="float64")),
    "regression-sgd-1e3-float64": (MLPRegressor, _REGRESSION[0], _REGRESSION[1] * 1e3,
                                   dict(learning_rate_init=1e3, dtype="float64")),
    "regression-sgd-1e5-float32-overflow": (MLPRegressor, _REGRESSION[0] * np.sqrt(1e3),
                                            _REGRESSION[1] * 1e3,
                                            dict(learning_rate_init=1e5, dtype="float32")),
}


@pytest.mark.parametrize("case", list(NON_FINITE_FITS))
def test_non_finite_gradients_warn_exploding_and_keep_finite_weights(case):
    Estimator, X, y, params = NON_FINITE_FITS[case]
    model = Estimator(hidden_layer_sizes=(32,), solver="sgd", max_iter=10, random_state=0,
                      **params)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pytest.raises(ValueError, match="non-finite") as raised:
            model.fit(X, y)
    for remedy in ("learning_rate_init", "clip_norm"):
        assert remedy in str(raised.value), f"{remedy!r} not in the error: {raised.value}"
    (warning,) = _of(caught, ExplodingGradientWarning)
    assert warning.filename == __file__, f"warning attributed to {warning.filename}"
    assert model.n_iter_ < 10, "the fit ran all its epochs"
    _assert_finite_model(model)
    # the epoch that failed is not recorded
    losses = model.history_["loss"]
    assert len(losses) == model.n_iter_, f"{len(losses)} losses for {model.n_iter_} epochs"
    assert np.isfinite(losses).all(), f"recorded losses {losses}"


@pytest.mark.parametrize("restore_best_weights", [True, False])
@pytest.mark.parametrize("case", ["digits-sgd-1e6-float32", "regression-sgd-1e5-float32-overflow"])
def test_non_finite_gradients_with_early_stopping_return_finite_weights(case,
                                                                        restore_best_weights):
    Estimator, X, y, params = NON_FINITE_FITS[case]
    model = Estimator(hidden_layer_sizes=(32,), solver="sgd", max_iter=10, random_state=0,
                      early_stopping=True, restore_best_weights=restore_best_weights,
                      **params)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.fit(X, y)
    assert len(_of(caught, ExplodingGradientWarning)) == 1, f"warnings: {_names(caught)}"
    stopped = [w for w in _of(caught, ConvergenceWarning) if "non-finite" in str(w.message)]
    assert len(stopped) == 1, f"warnings: {[str(w.message) for w in caught]}"
    _assert_finite_model(model)


def test_clip_norm_keeps_a_huge_learning_rate_finite_but_still_warns():
    # The norms in history_ (and so the diagnostics) are measured before
    # clipping: clip_norm bounds every step, the warning still reports the
    # gradients' size.
    X, y = _digits()
    model, caught = _fit_recording(
        MLPClassifier(hidden_layer_sizes=(32,), solver="sgd", learning_rate_init=1e6,
                      clip_norm=1.0, max_iter=10, random_state=0), X, y)
    assert model.n_iter_ == 10, "clip_norm was expected to keep the fit running"
    _assert_finite_model(model)
    assert np.isfinite(model.predict_proba(X)).all(), "non-finite probabilities"
    norms = np.max(model.history_["weight_grad_norm"], axis=1)
    assert np.all(norms >= 1e4), f"per-epoch max norms {norms}"
    assert len(_of(caught, ExplodingGradientWarning)) == 1, f"warnings: {_names(caught)}"


# ---------------------------------------------------------------- filtering


def test_warning_classes_are_user_warnings_under_one_base():
    for category in (VanishingGradientWarning, ExplodingGradientWarning):
        assert issubclass(category, GradientWarning)
        assert issubclass(category, UserWarning)
    assert not issubclass(VanishingGradientWarning, ExplodingGradientWarning)
    assert not issubclass(ExplodingGradientWarning, VanishingGradientWarning)


def test_gradient_warnings_can_be_turned_into_errors_by_class():
    X, y = _classification()
    model = MLPClassifier(hidden_layer_sizes=DEEP, activation="logistic", max_iter=5,
                          random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        warnings.simplefilter("error", GradientWarning)
        with pytest.raises(VanishingGradientWarning):
            model.fit(X, y)


def test_ignoring_one_class_keeps_the_other_warnings():
    X, y = _classification()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        warnings.filterwarnings("ignore", category=VanishingGradientWarning)
        MLPClassifier(hidden_layer_sizes=DEEP, activation="logistic", max_iter=5,
                      random_state=0).fit(X, y)
    assert not _of(caught, VanishingGradientWarning), f"warnings: {_names(caught)}"
    assert _of(caught, ConvergenceWarning), f"warnings: {_names(caught)}"


def test_gradient_warnings_point_at_the_callers_line():
    # so that the displayed source line and module-based filters are the user's
    X, y = _classification()
    model = MLPClassifier(hidden_layer_sizes=DEEP, activation="logistic", max_iter=3,
                          random_state=0)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.fit(X, y)
        model.partial_fit(X, y)
    found = _of(caught, VanishingGradientWarning)
    assert len(found) == 2, f"warnings: {_names(caught)}"
    for w in found:
        assert w.filename == __file__, f"warning attributed to {w.filename}:{w.lineno}"
