"""The activations and losses nnfast adds to scikit-learn's, from kernel to estimator.

Kernels: leaky_relu, elu, gelu (exact), silu and softplus against NumPy/SciPy
references computed in float64 from the kernel's own inputs, forward and derivative,
also at inputs of magnitude up to 1000. The absolute-error and Huber output losses
against their definitions. Estimators: `activation` as one name per hidden layer,
the aliases 'sigmoid' and 'swish', and MLPRegressor's loss='absolute_error'/'huber'.
Their gradients are checked against finite differences in test_gradients.py.
"""

import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from scipy.special import softmax
from sklearn.datasets import make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier as SkMLPClassifier
from sklearn.preprocessing import StandardScaler

from nnfast import MLPClassifier, MLPRegressor, _core
from numpy_reference import activation, derivative

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

DTYPES = [np.float32, np.float64]
TOL = {np.float32: dict(rtol=1e-5, atol=1e-6), np.float64: dict(rtol=1e-12, atol=1e-13)}

# (activation, its parameter): None is the kernel's default, leaky_relu's slope 0.01
# and elu's alpha 1.
NEW_ACTIVATIONS = [
    ("leaky_relu", None),
    ("leaky_relu", 0.2),
    ("elu", None),
    ("elu", 0.5),
    ("gelu", None),
    ("silu", None),
    ("softplus", None),
]
def tol(dtype):
    return TOL[np.dtype(dtype).type]


def label(act, param, dtype):
    return f"{act}({'' if param is None else param}) {np.dtype(dtype).name}"


# ---------------------------------------------------------------- kernels


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("act, param", NEW_ACTIVATIONS)
def test_new_activation_forward_matches_numpy(dtype, act, param):
    rng = np.random.default_rng(0)
    z = rng.uniform(-4, 4, (6, 7)).astype(dtype)
    bias = rng.uniform(-1, 1, 7).astype(dtype)
    z_biased = z + bias  # the same float addition as the kernel's
    a = np.full_like(z, np.nan)
    _core.activation_forward(a, z, bias, act, param)
    assert_allclose(a, activation(act, z_biased.astype(np.float64), param), **tol(dtype),
                    err_msg=f"{label(act, param, dtype)}: forward differs from NumPy")


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("act, param", NEW_ACTIVATIONS)
def test_new_activation_backward_is_delta_times_derivative(dtype, act, param):
    rng = np.random.default_rng(1)
    z = rng.uniform(-4, 4, 40).astype(dtype)
    z64 = z.astype(np.float64)
    a = activation(act, z64, param).astype(dtype)
    delta = rng.normal(size=40).astype(dtype)
    got = delta.copy()
    _core.activation_backward(got, z, a, act, param)
    assert_allclose(got, delta * derivative(act, z64, param), **tol(dtype),
                    err_msg=f"{label(act, param, dtype)}: delta * act'(z) differs from the "
                            "analytic derivative")


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("act, param", [("leaky_relu", 0.2), ("elu", 0.5)])
def test_parameter_changes_only_the_negative_side(dtype, act, param):
    z = np.array([[-2.0, -0.5, 0.5, 2.0]], dtype)
    with_param, default = np.empty_like(z), np.empty_like(z)
    _core.activation_forward(with_param, z.copy(), np.empty(0, dtype), act, param)
    _core.activation_forward(default, z.copy(), np.empty(0, dtype), act)
    assert_array_equal(with_param[0, 2:], z[0, 2:], err_msg=f"{act}: positive side is not x")
    assert np.all(with_param[0, :2] != default[0, :2]), (
        f"{act}: parameter {param} gives {with_param[0, :2]}, the default {default[0, :2]}")


EXTREMES = [-1000.0, -100.0, -30.0, -1e-3, 0.0, 1e-3, 30.0, 100.0, 1000.0]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("act", ["leaky_relu", "elu", "gelu", "silu", "softplus"])
def test_new_activation_is_finite_and_exact_at_extreme_inputs(dtype, act):
    z = np.array([EXTREMES], dtype)
    z64 = z.astype(np.float64)
    a = np.empty_like(z)
    _core.activation_forward(a, z.copy(), np.empty(0, dtype), act)
    assert np.all(np.isfinite(a)), f"{act} {np.dtype(dtype).name}: forward of {EXTREMES} " \
        f"gave {a}"
    assert_allclose(a, activation(act, z64), **tol(dtype),
                    err_msg=f"{act}: forward at extreme inputs")
    delta = np.ones(len(EXTREMES), dtype)
    _core.activation_backward(delta, z[0], a[0], act)
    assert np.all(np.isfinite(delta)), f"{act}: derivative at {EXTREMES} gave {delta}"
    assert_allclose(delta, derivative(act, z64[0]), **tol(dtype),
                    err_msg=f"{act}: derivative at extreme inputs")


@pytest.mark.parametrize("dtype", DTYPES)
def test_softplus_does_not_overflow_at_plus_minus_1000(dtype):
    z = np.array([[-1000.0, 1000.0]], dtype)
    a = np.empty_like(z)
    _core.activation_forward(a, z.copy(), np.empty(0, dtype), "softplus")
    assert a[0, 1] == 1000 and 0 <= a[0, 0] < 1e-30, (
        f"softplus(-1000), softplus(1000) = {a[0]}, expected about 0 and exactly 1000")


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("act", ["gelu", "silu", "softplus"])
def test_kept_derivative_is_exactly_relus_far_from_zero(dtype, act):
    """Training keeps these activations' derivative from the forward pass
    (network_impl.h). With every pre-activation at |z| >= 1000 the activation is
    relu's (z or 0) and its derivative 1 or 0, exactly: the network's loss,
    gradient and a training step must be relu's to the bit (no 0 * inf, no tail
    term left over)."""
    x = np.array([[1.0], [-1.0], [2.0], [-3.0], [0.5], [-0.75]], dtype)
    y = np.array([[0.5], [-1.0], [2.0], [0.0], [1.0], [-0.5]], dtype)
    # W1 (1x3) scales every |x| >= 0.5 to |z| >= 1000, with b1 = 0; then W2, b2
    params = np.array([2000.0, -3000.0, 4000.0, 1e-3, -2e-3, 5e-4, 0.0, 0.0, 0.0, 0.1],
                      dtype)

    def run(hidden):
        net = _core.Network([1, 3, 1], [hidden, "identity"], "squared_error", dtype, len(x))
        loss, grad = net.loss_grad(params, x, y, None, 0.0)
        stepped = params.copy()
        net.train_epoch(stepped, np.zeros(len(params), dtype), _core.seed_state(0), x, y,
                        None, len(x), False, "sgd", 1e-4, momentum=0.0, nesterov=False)
        return loss, grad, stepped

    (loss, grad, stepped), (r_loss, r_grad, r_stepped) = run(act), run("relu")
    assert np.isfinite(loss) and np.all(np.isfinite(grad)), f"{act}: {loss}, {grad}"
    assert np.count_nonzero(r_grad[:3]) == 3, "the check needs every hidden unit live"
    assert loss == r_loss, f"{act} loss {loss!r}, relu's {r_loss!r}"
    assert_array_equal(grad, r_grad, err_msg=f"{act}: gradient differs from relu's")
    assert_array_equal(stepped, r_stepped, err_msg=f"{act}: training step differs from relu's")


# absolute error: |p - y|; Huber: 0.5 r^2 for |r| <= delta, delta (|r| - delta / 2) beyond.
def robust_entry_loss(loss, r, huber_delta):
    if loss == "absolute_error":
        return np.abs(r)
    return np.where(np.abs(r) <= huber_delta, 0.5 * r**2, huber_delta * (np.abs(r) - 0.5 *
                                                                         huber_delta))


def robust_entry_derivative(loss, r, huber_delta):
    if loss == "absolute_error":
        return np.sign(r)
    return np.clip(r, -huber_delta, huber_delta)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("loss", ["absolute_error", "huber"])
@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
def test_robust_output_loss_and_delta_match_their_definitions(dtype, loss, weighted):
    rng = np.random.default_rng(2)
    B, O, scale, huber_delta = 9, 3, 0.375, 0.75
    z = rng.uniform(-3, 3, (B, O)).astype(dtype)
    y = rng.uniform(-3, 3, (B, O)).astype(dtype)
    y[0, 0] = z[0, 0]  # a residual of exactly 0: the subgradient 0
    sw = rng.uniform(0.5, 2, B).astype(dtype) if weighted else None
    r = z.astype(np.float64) - y.astype(np.float64)
    assert 0 < np.sum(np.abs(r) < huber_delta) < r.size, "both Huber branches must be hit"
    w = np.ones(B) if sw is None else sw.astype(np.float64)
    expected_loss = np.sum(w[:, None] * robust_entry_loss(loss, r, huber_delta))
    expected_delta = robust_entry_derivative(loss, r, huber_delta) * w[:, None] * scale

    p, delta = np.full_like(z, np.nan), np.full_like(z, np.nan)
    got = _core.output_loss(delta, p, z, y, sw, loss, scale, huber_delta)
    where = f"{loss} {np.dtype(dtype).name} weighted={weighted}"
    assert_array_equal(p, z, err_msg=f"{where}: the output activation is not the identity")
    assert got == pytest.approx(expected_loss, rel=tol(dtype)["rtol"]), (
        f"{where}: loss sum {got!r}, the definition gives {expected_loss!r}")
    assert_allclose(delta, expected_delta, **tol(dtype),
                    err_msg=f"{where}: delta differs from dloss/dp * w * delta_scale")


# ---------------------------------------------------------------- estimators


def _classification(n_samples=150, random_state=0):
    X, y = make_classification(n_samples=n_samples, n_features=6, n_informative=4,
                               n_redundant=0, n_classes=3, n_clusters_per_class=1,
                               class_sep=1.5, random_state=random_state)
    return StandardScaler().fit_transform(X), y


def _forward_numpy(model, X, activations, negative_slope=0.01):
    """predict_proba of a softmax classifier computed in NumPy from coefs_/intercepts_,
    with activations[i] after hidden layer i (negative_slope: leaky_relu's slope)."""
    a = np.asarray(X, dtype=np.float64)
    n_hidden = len(model.coefs_) - 1
    for i, (W, b) in enumerate(zip(model.coefs_, model.intercepts_)):
        z = a @ W + b
        if i < n_hidden:
            param = negative_slope if activations[i] == "leaky_relu" else None
            a = activation(activations[i], z, param)
        else:
            a = z
    return softmax(a, axis=1)


@pytest.mark.parametrize("activations", [
    ["tanh", "relu"],
    ["relu", "tanh"],
    ["gelu", "softplus"],
    ["leaky_relu", "silu"],
    ["elu", "logistic"],
])
def test_activation_list_gives_each_hidden_layer_its_activation(activations):
    X, y = _classification()
    clf = MLPClassifier(hidden_layer_sizes=(7, 5), activation=activations, negative_slope=0.2,
                        max_iter=30, learning_rate_init=0.01, dtype="float64",
                        random_state=0).fit(X, y)
    expected = _forward_numpy(clf, X, activations, negative_slope=0.2)
    assert_allclose(clf.predict_proba(X), expected, rtol=1e-10, atol=1e-12,
                    err_msg=f"predict_proba is not the forward pass with {activations}")
    swapped = _forward_numpy(clf, X, activations[::-1], negative_slope=0.2)
    assert not np.allclose(expected, swapped, rtol=1e-4), (
        "the check cannot tell the layers' activations apart")


@pytest.mark.parametrize("alias, name", [("sigmoid", "logistic"), ("swish", "silu")])
@pytest.mark.parametrize("solver", ["adam", "lbfgs"])
def test_activation_alias_trains_like_its_name(alias, name, solver):
    X, y = _classification()
    params = dict(hidden_layer_sizes=(8, 6), solver=solver, max_iter=20, random_state=0)
    by_alias = MLPClassifier(activation=alias, **params).fit(X, y)
    by_name = MLPClassifier(activation=name, **params).fit(X, y)
    mixed = MLPClassifier(activation=[alias, "tanh"], **params).fit(X, y)
    named = MLPClassifier(activation=[name, "tanh"], **params).fit(X, y)
    for (a, b), what in [((by_alias, by_name), "one name"), ((mixed, named), "a list")]:
        for layer, (wa, wb) in enumerate(zip(a.coefs_ + a.intercepts_, b.coefs_ + b.intercepts_)):
            assert_array_equal(wa, wb, err_msg=f"{alias!r} vs {name!r} as {what}: parameter "
                                               f"array {layer} differs")


@pytest.mark.parametrize("name", ["logistic", "relu", "gelu"])
def test_list_repeating_one_activation_is_that_activation(name):
    X, y = _classification()
    params = dict(hidden_layer_sizes=(8, 6), max_iter=10, random_state=0)
    listed = MLPClassifier(activation=[name, name], **params).fit(X, y)
    named = MLPClassifier(activation=name, **params).fit(X, y)
    for layer, (a, b) in enumerate(zip(listed.coefs_, named.coefs_)):
        assert_array_equal(a, b, err_msg=f"[{name!r}, {name!r}] vs {name!r}: coefs_[{layer}]")


def test_logistic_layers_start_from_scikit_learns_initial_weights():
    # scikit-learn draws logistic networks' weights from a narrower uniform
    # (bound sqrt(2 / (fan_in + fan_out))); a list of logistic layers is the same network.
    X, y = _classification()
    params = dict(hidden_layer_sizes=(9, 7), solver="sgd", learning_rate_init=1e-12,
                  max_iter=1, shuffle=False, random_state=3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        theirs = SkMLPClassifier(activation="logistic", **params).fit(X, y)
    for spelling in ["logistic", ["logistic", "sigmoid"]]:
        ours = MLPClassifier(activation=spelling, dtype="float64", **params).fit(X, y)
        for layer, (a, b) in enumerate(zip(ours.coefs_, theirs.coefs_)):
            assert_allclose(a, b, rtol=1e-9, atol=1e-9,
                            err_msg=f"activation={spelling!r}: coefs_[{layer}] differ from "
                                    "scikit-learn's initial weights")


@pytest.mark.parametrize("activation", [["tanh"], ["tanh", "relu", "relu"], []])
def test_activation_list_of_wrong_length_raises(activation):
    X, y = _classification()
    with pytest.raises(ValueError, match="activation"):
        MLPClassifier(hidden_layer_sizes=(5, 4), activation=activation).fit(X, y)


def test_activation_list_with_unknown_name_raises():
    X, y = _classification()
    with pytest.raises(ValueError, match="activation 'tanhh'"):
        MLPClassifier(hidden_layer_sizes=(5, 4), activation=["relu", "tanhh"]).fit(X, y)


@pytest.mark.parametrize("activation", ["identity", "logistic", "tanh", "relu", "leaky_relu",
                                        "elu", "gelu", "silu", "softplus"])
def test_every_activation_trains_a_classifier(activation):
    X, y = _classification()
    clf = MLPClassifier(hidden_layer_sizes=(16,), activation=activation, max_iter=150,
                        learning_rate_init=0.01, random_state=0).fit(X, y)
    assert clf.loss_curve_[-1] < 0.5 * clf.loss_curve_[0], (
        f"{activation}: loss went from {clf.loss_curve_[0]:.3f} to {clf.loss_curve_[-1]:.3f}")
    assert clf.score(X, y) > 0.9, f"{activation}: training accuracy {clf.score(X, y):.3f}"


# ---------------------------------------------------------------- regression losses


def _regression_with_outliers(seed, n_outliers=10):
    """A smooth target with little noise; n_outliers training targets pushed up by 30-40."""
    rng = np.random.RandomState(seed)
    X = rng.randn(400, 5)
    y = 2 * np.tanh(X @ rng.randn(5) / 2) + 0.1 * rng.randn(400)
    X_train, y_train, X_test, y_test = X[:200], y[:200].copy(), X[200:], y[200:]
    outliers = rng.choice(200, n_outliers, replace=False)
    y_train[outliers] += 30 + 10 * rng.rand(n_outliers)
    return X_train, y_train, X_test, y_test


def _fit_regressor(loss, X, y, seed, **params):
    params = dict(hidden_layer_sizes=(20,), learning_rate_init=0.01, max_iter=300,
                  random_state=seed) | params
    return MLPRegressor(loss=loss, **params).fit(X, y)


@pytest.mark.parametrize("loss", ["absolute_error", "huber"])
def test_robust_loss_training_reduces_its_loss(loss):
    X, y, _, _ = _regression_with_outliers(0)
    reg = _fit_regressor(loss, X, y, 0)
    curve = reg.loss_curve_
    assert curve[-1] < 0.7 * curve[0], f"{loss}: loss went from {curve[0]:.3f} to {curve[-1]:.3f}"
    assert min(curve[-10:]) < min(curve[:10]), f"{loss}: no progress after the first epochs"


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_robust_losses_ignore_outliers_that_squared_error_follows(seed):
    X, y, X_test, y_test = _regression_with_outliers(seed)
    r2 = {loss: _fit_regressor(loss, X, y, seed).score(X_test, y_test)
          for loss in ["squared_error", "absolute_error", "huber"]}
    assert r2["absolute_error"] > 0.8 and r2["huber"] > 0.8, (
        f"seed {seed}: robust losses score R^2 {r2} on clean test data")
    assert min(r2["absolute_error"], r2["huber"]) > r2["squared_error"] + 0.3, (
        f"seed {seed}: squared error should be pulled by the outliers, R^2 {r2}")


def test_huber_with_delta_beyond_every_residual_is_squared_error():
    X, y, _, _ = _regression_with_outliers(0, n_outliers=0)
    params = dict(max_iter=20, dtype="float64")
    huber = _fit_regressor("huber", X, y, 0, huber_delta=1e6, **params)
    squared = _fit_regressor("squared_error", X, y, 0, **params)
    for layer, (a, b) in enumerate(zip(huber.coefs_, squared.coefs_)):
        assert_allclose(a, b, rtol=1e-12, atol=1e-14,
                        err_msg=f"huber with delta 1e6 vs squared error: coefs_[{layer}]")
    small_delta = _fit_regressor("huber", X, y, 0, huber_delta=0.1, **params)
    assert not np.allclose(small_delta.coefs_[0], squared.coefs_[0]), (
        "huber_delta=0.1 trains like squared error: the delta is not used")


def test_default_regression_loss_is_squared_error():
    reg = MLPRegressor()
    assert reg.loss == "squared_error" and reg.huber_delta == 1.0
    X, y, _, _ = _regression_with_outliers(0, n_outliers=0)
    default = MLPRegressor(hidden_layer_sizes=(20,), max_iter=5, random_state=0).fit(X, y)
    explicit = _fit_regressor("squared_error", X, y, 0, max_iter=5, learning_rate_init=0.001)
    assert default.loss_curve_ == explicit.loss_curve_
    assert default.out_activation_ == "identity"
