"""Network.loss_grad's gradient against central finite differences of its own loss.

All in float64 on a small network (units [5, 4, 3, 3]) with an L2 penalty, for every
hidden activation x every loss with its output activation x with and without sample
weights. The workspace capacity is smaller than the data set, so the chunked
accumulation of loss_grad is part of what is checked. The loss itself is checked
against scikit-learn's objective computed in NumPy from Network.predict.

nnfast's own losses (absolute error, Huber) and the L1 penalty are checked the same
way, with their definitions computed in NumPy; cases sit away from every kink
(activations, residuals at 0 and +-delta, weights at 0), and the tests assert it.
"""

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from scipy.special import xlogy

from nnfast import _core
from numpy_reference import activation, n_params, unpack

UNITS = [5, 4, 3, 3]
N_SAMPLES = 12
CAPACITY = 5
ALPHA = 0.3
EPS = 1e-6
RTOL = 1e-5
ATOL = 1e-8  # central differences of an O(1) loss carry ~1e-10 of rounding error

HIDDEN = ["identity", "logistic", "tanh", "relu", "leaky_relu", "elu", "gelu", "silu",
          "softplus"]
OUTPUTS = {  # loss: output activation
    "squared_error": "identity",
    "poisson": "exp",
    "log_loss": "softmax",
    "binary_log_loss": "logistic",
}
ROBUST_OUTPUTS = {"absolute_error": "identity", "huber": "identity"}
HUBER_DELTA = 0.75
KINKED = {"relu", "leaky_relu", "elu"}  # elu (alpha 1) only in its second derivative
KINK_MARGIN = 1e-3
RESIDUAL_MARGIN = 1e-3
L1 = 0.2


def hidden_pre_activations(params, X, units, hidden, param=None):
    coefs, intercepts = unpack(params, units)
    act = lambda z: activation(hidden, z, param)
    a, zs = X, []
    for W, b in zip(coefs[:-1], intercepts[:-1]):
        z = a @ W + b
        zs.append(z)
        a = act(z)
    return zs


def make_targets(loss, rng, n, k):
    if loss in ("squared_error", "absolute_error", "huber"):
        return rng.normal(size=(n, k))
    if loss == "poisson":
        return rng.poisson(1.0, size=(n, k)).astype(np.float64)
    if loss == "log_loss":
        return np.eye(k)[rng.integers(0, k, n)]
    return rng.integers(0, 2, (n, k)).astype(np.float64)


def make_case(hidden, loss, weighted, seed=0, units=UNITS, param=None):
    rng = np.random.default_rng(seed)
    X = rng.uniform(-1, 1, (N_SAMPLES, units[0]))
    Y = make_targets(loss, rng, N_SAMPLES, units[-1])
    sw = rng.uniform(0.5, 2.0, N_SAMPLES) if weighted else None
    params = rng.uniform(-1, 1, n_params(units))
    n_hidden = len(units) - 2
    net = _core.Network(units, [hidden] * n_hidden + [{**OUTPUTS, **ROBUST_OUTPUTS}[loss]],
                        loss, np.float64, CAPACITY,
                        activation_params=[param] * n_hidden + [None],
                        loss_param=HUBER_DELTA if loss == "huber" else 1.0)
    return net, params, X, Y, sw


def central_differences(f, x, eps=EPS):
    grad = np.empty_like(x)
    for i in range(x.size):
        step = np.zeros_like(x)
        step[i] = eps
        grad[i] = (f(x + step) - f(x - step)) / (2 * eps)
    return grad


def assert_away_from_kinks(hidden, params, X, units=UNITS, param=None):
    if hidden not in KINKED:
        return
    zs = hidden_pre_activations(params, X, units, hidden, param)
    margin = min(np.abs(z).min() for z in zs)
    assert margin > KINK_MARGIN, (
        f"a {hidden} pre-activation is {margin:.2g} from the kink, where a derivative "
        "jumps; choose another seed")


def assert_gradient_matches_finite_differences(net, params, X, Y, sw, alpha, label, l1=0.0):
    loss, grad = net.loss_grad(params, X, Y, sw, alpha, l1)
    fd = central_differences(lambda p: net.loss_grad(p, X, Y, sw, alpha, l1)[0], params)
    assert np.all(np.isfinite(grad)) and np.isfinite(loss), f"{label}: non-finite loss/grad"
    assert np.abs(grad).max() > 1e-3, f"{label}: gradient vanishes, the check would be empty"
    assert_allclose(grad, fd, rtol=RTOL, atol=ATOL,
                    err_msg=f"{label}: loss_grad's gradient differs from central "
                            f"differences of its loss")


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("loss", list(OUTPUTS))
@pytest.mark.parametrize("hidden", HIDDEN)
def test_gradient_matches_finite_differences(hidden, loss, weighted):
    net, params, X, Y, sw = make_case(hidden, loss, weighted)
    assert_away_from_kinks(hidden, params, X)
    label = f"{hidden} hidden, {loss}/{OUTPUTS[loss]}, {'weighted' if weighted else 'unweighted'}"
    assert_gradient_matches_finite_differences(net, params, X, Y, sw, ALPHA, label)


# NumPy copies of scikit-learn's losses (sklearn/neural_network/_base.py).

def sk_loss(loss, y, p, sw):
    if loss == "squared_error":
        return 0.5 * np.average((y - p) ** 2, weights=sw, axis=0).mean()
    if loss == "poisson":
        return np.average(xlogy(y, y / p) - y + p, weights=sw, axis=0).sum()
    eps = np.finfo(p.dtype).eps
    p = np.clip(p, eps, 1 - eps)
    if loss == "log_loss":
        return -np.average(xlogy(y, p), weights=sw, axis=0).sum()
    return -np.average(xlogy(y, p) + xlogy(1 - y, 1 - p), weights=sw, axis=0).sum()


def l2_penalty(params, units, alpha, sw):
    coefs, _ = unpack(params, units)
    w_sum = N_SAMPLES if sw is None else sw.sum()
    return 0.5 * alpha * sum(np.sum(W**2) for W in coefs) / w_sum


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("loss", list(OUTPUTS))
def test_loss_is_scikit_learn_objective_of_the_predictions(loss, weighted):
    net, params, X, Y, sw = make_case("tanh", loss, weighted, seed=1)
    expected = sk_loss(loss, Y, net.predict(params, X), sw) + l2_penalty(params, UNITS,
                                                                          ALPHA, sw)
    loss_value, _ = net.loss_grad(params, X, Y, sw, ALPHA)
    assert loss_value == pytest.approx(expected, rel=1e-12), (
        f"{loss}: loss_grad's loss {loss_value!r}, scikit-learn's objective on "
        f"predict's output {expected!r}")


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("loss", list(OUTPUTS) + list(ROBUST_OUTPUTS))
def test_loss_pass_outputs_are_predict_outputs_bit_for_bit(loss, dtype):
    # A validation set's loss and predictions come from one pass (out=); they
    # must be the predictions of predict, in every chunk (capacity < rows).
    _, params, X, Y, sw = make_case("tanh", loss, True, seed=3)
    net = _core.Network(UNITS, ["tanh", "tanh", {**OUTPUTS, **ROBUST_OUTPUTS}[loss]], loss,
                        dtype, CAPACITY, loss_param=HUBER_DELTA if loss == "huber" else 1.0)
    params, X, Y, sw = (a.astype(dtype) for a in (params, X, Y, sw))
    out = np.full(Y.shape, np.nan, dtype)
    loss_value, grad = net.loss_grad(params, X, Y, sw, ALPHA, need_grad=False, out=out)
    assert grad is None
    assert_array_equal(out, net.predict(params, X), err_msg=f"{loss}: out= differs from predict")
    assert loss_value == net.loss_grad(params, X, Y, sw, ALPHA, need_grad=False)[0]
    with pytest.raises(ValueError, match="out"):
        net.loss_grad(params, X, Y, sw, ALPHA, out=np.empty((N_SAMPLES - 1, Y.shape[1]), dtype))
    other = np.float64 if dtype == np.float32 else np.float32
    with pytest.raises(TypeError, match="out must be"):
        net.loss_grad(params, X, Y, sw, ALPHA, out=np.empty(Y.shape, other))


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
def test_multi_output_squared_error_gradient_is_exact(weighted):
    """scikit-learn's lbfgs gradient is off by the number of outputs here (#8349):
    its loss averages over outputs, its gradient does not. nnfast's must be the
    gradient of the very loss it reports: 0.5 * mean((p - y)^2) + L2."""
    units = [5, 4, 3]
    net, params, X, Y, sw = make_case("tanh", "squared_error", weighted, seed=2, units=units)
    assert Y.shape[1] == 3
    p = net.predict(params, X)
    w = np.ones(N_SAMPLES) if sw is None else sw
    expected = (0.5 * np.sum(w[:, None] * (p - Y) ** 2) / (w.sum() * Y.shape[1])
                + l2_penalty(params, units, ALPHA, sw))
    loss_value, _ = net.loss_grad(params, X, Y, sw, ALPHA)
    assert loss_value == pytest.approx(expected, rel=1e-12), (
        f"squared-error loss {loss_value!r}, expected 0.5*mean((p-y)^2) + "
        f"alpha/2*|W|^2/sum(w) = {expected!r}")
    assert_gradient_matches_finite_differences(
        net, params, X, Y, sw, ALPHA, f"3-output squared error, weighted={weighted}")


@pytest.mark.parametrize("loss", list(OUTPUTS))
@pytest.mark.parametrize("hidden", ["logistic", "relu"])
def test_float32_gradient_agrees_with_float64(hidden, loss):
    net64, params, X, Y, sw = make_case(hidden, loss, True, seed=3)
    assert_away_from_kinks(hidden, params, X)
    net32 = _core.Network(UNITS, [hidden] * 2 + [OUTPUTS[loss]], loss, np.float32, CAPACITY)
    f32 = (lambda a: np.ascontiguousarray(a, np.float32))
    params32 = f32(params)
    # Compare against float64 at the float32-rounded point: only the arithmetic differs.
    loss64, grad64 = net64.loss_grad(params32.astype(np.float64), X.astype(np.float32)
                                     .astype(np.float64), Y, sw.astype(np.float32)
                                     .astype(np.float64), ALPHA)
    loss32, grad32 = net32.loss_grad(params32, f32(X), f32(Y), f32(sw), ALPHA)
    assert grad32.dtype == np.float32
    assert loss32 == pytest.approx(loss64, rel=1e-5), (
        f"{hidden}/{loss}: float32 loss {loss32!r}, float64 loss {loss64!r}")
    assert_allclose(grad32, grad64, rtol=1e-3, atol=1e-4 * np.abs(grad64).max(),
                    err_msg=f"{hidden}/{loss}: float32 gradient differs from float64")


@pytest.mark.parametrize("hidden, param", [("leaky_relu", 0.2), ("elu", 0.5)])
def test_gradient_with_non_default_activation_parameter(hidden, param):
    net, params, X, Y, sw = make_case(hidden, "squared_error", True, seed=4, param=param)
    assert_away_from_kinks(hidden, params, X, param=param)
    zs = hidden_pre_activations(params, X, UNITS, hidden, param)
    assert any((z < 0).any() for z in zs), f"{hidden}: no negative pre-activation, " \
        "the parameter would not be exercised"
    assert_gradient_matches_finite_differences(
        net, params, X, Y, sw, ALPHA, f"{hidden} with parameter {param}")
    coefs, intercepts = unpack(params, UNITS)
    a = X
    for W, b in zip(coefs[:-1], intercepts[:-1]):
        a = activation(hidden, a @ W + b, param)
    expected = a @ coefs[-1] + intercepts[-1]
    assert_allclose(net.predict(params, X), expected, rtol=1e-12, atol=1e-12,
                    err_msg=f"{hidden}: the network does not use the parameter {param}")


# nnfast's robust regression losses, defined in NumPy: means over samples (weighted)
# and outputs, like its squared error.

def robust_loss(loss, y, p, sw):
    r = np.abs(p - y)
    if loss == "absolute_error":
        per_entry = r
    else:
        per_entry = np.where(r <= HUBER_DELTA, 0.5 * r**2, HUBER_DELTA * (r - 0.5 * HUBER_DELTA))
    return np.average(per_entry, weights=sw, axis=0).mean()


def assert_residuals_away_from_kinks(loss, residuals):
    r = np.abs(residuals)
    kinks = {"absolute_error": [0.0], "huber": [HUBER_DELTA]}[loss]
    margin = min(np.abs(r - kink).min() for kink in kinks)
    assert margin > RESIDUAL_MARGIN, (
        f"{loss}: a residual is {margin:.2g} from a kink of the loss; choose another seed")
    if loss == "huber":
        inside = int((r < HUBER_DELTA).sum())
        assert 0 < inside < r.size, (
            f"huber: {inside} of {r.size} residuals inside delta; both the quadratic and "
            "the linear branch must be exercised")


ROBUST_CASES = [(hidden, loss) for loss in ROBUST_OUTPUTS for hidden in ["tanh", "gelu", "relu"]]


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("hidden, loss", ROBUST_CASES)
def test_robust_loss_gradient_matches_finite_differences(hidden, loss, weighted):
    net, params, X, Y, sw = make_case(hidden, loss, weighted, seed=1)
    assert_away_from_kinks(hidden, params, X)
    assert_residuals_away_from_kinks(loss, net.predict(params, X) - Y)
    label = f"{hidden} hidden, {loss}, {'weighted' if weighted else 'unweighted'}"
    assert_gradient_matches_finite_differences(net, params, X, Y, sw, ALPHA, label)


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("loss", list(ROBUST_OUTPUTS))
def test_robust_loss_is_its_definition_of_the_predictions(loss, weighted):
    net, params, X, Y, sw = make_case("tanh", loss, weighted, seed=1)
    expected = robust_loss(loss, Y, net.predict(params, X), sw) + l2_penalty(params, UNITS,
                                                                             ALPHA, sw)
    loss_value, _ = net.loss_grad(params, X, Y, sw, ALPHA)
    assert loss_value == pytest.approx(expected, rel=1e-12), (
        f"{loss}: loss_grad's loss {loss_value!r}, its definition (mean over samples and "
        f"outputs, huber delta {HUBER_DELTA}) gives {expected!r}")


def weights_away_from_zero(params, units, rng, low=0.1):
    """params with every weight's magnitude in [low, 1], signs kept random."""
    coefs, _ = unpack(params, units)
    n_weights = sum(W.size for W in coefs)
    params = params.copy()
    params[:n_weights] = rng.choice([-1.0, 1.0], n_weights) * rng.uniform(low, 1, n_weights)
    return params


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("loss", ["squared_error", "log_loss"])
def test_l1_penalty_gradient_matches_finite_differences(loss, weighted):
    net, params, X, Y, sw = make_case("tanh", loss, weighted, seed=5)
    params = weights_away_from_zero(params, UNITS, np.random.default_rng(5))
    coefs, _ = unpack(params, UNITS)
    smallest = min(np.abs(W).min() for W in coefs)
    assert smallest > 100 * EPS, f"a weight is {smallest:.2g} from 0, where |w| has its kink"
    label = f"{loss} with L1 {L1} and L2 {ALPHA}, {'weighted' if weighted else 'unweighted'}"
    assert_gradient_matches_finite_differences(net, params, X, Y, sw, ALPHA, label, l1=L1)


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
def test_l1_penalty_is_l1_times_sum_of_absolute_weights_over_total_weight(weighted):
    net, params, X, Y, sw = make_case("tanh", "squared_error", weighted, seed=6)
    params = weights_away_from_zero(params, UNITS, np.random.default_rng(6))
    coefs, _ = unpack(params, UNITS)
    n_weights = sum(W.size for W in coefs)
    w_sum = N_SAMPLES if sw is None else sw.sum()
    loss0, grad0 = net.loss_grad(params, X, Y, sw, ALPHA)
    loss1, grad1 = net.loss_grad(params, X, Y, sw, ALPHA, L1)
    expected = L1 * sum(np.abs(W).sum() for W in coefs) / w_sum
    assert loss1 - loss0 == pytest.approx(expected, rel=1e-10), (
        f"L1 adds {loss1 - loss0!r} to the loss, l1 * sum|W| / sum(w) = {expected!r}")
    expected_grad = np.zeros_like(params)
    expected_grad[:n_weights] = L1 * np.sign(params[:n_weights]) / w_sum
    assert_allclose(grad1 - grad0, expected_grad, rtol=1e-9, atol=1e-12,
                    err_msg="L1 gradient is not l1 * sign(W) / sum(w) on the weights and 0 "
                            "on the biases")
