"""Network.loss_grad's gradient against central finite differences of its own loss.

All in float64 on a small network (units [5, 4, 3, 3]) with an L2 penalty, for every
hidden activation x every loss with its output activation x with and without sample
weights. The workspace capacity is smaller than the data set, so the chunked
accumulation of loss_grad is part of what is checked. The loss itself is checked
against scikit-learn's objective computed in NumPy from Network.predict.
"""

import numpy as np
import pytest
from numpy.testing import assert_allclose
from scipy.special import xlogy

from nnfast import _core

UNITS = [5, 4, 3, 3]
N_SAMPLES = 12
CAPACITY = 5
ALPHA = 0.3
EPS = 1e-6
RTOL = 1e-5
ATOL = 1e-8  # central differences of an O(1) loss carry ~1e-10 of rounding error

HIDDEN = ["identity", "logistic", "tanh", "relu"]
OUTPUTS = {  # loss: output activation
    "squared_error": "identity",
    "poisson": "exp",
    "log_loss": "softmax",
    "binary_log_loss": "logistic",
}
RELU_MARGIN = 1e-3


def n_params(units):
    return sum(a * b for a, b in zip(units[:-1], units[1:])) + sum(units[1:])


def unpack(params, units):
    """coefs (fan_in, fan_out) and intercepts, packed as scikit-learn packs them."""
    coefs, intercepts, offset = [], [], 0
    for fan_in, fan_out in zip(units[:-1], units[1:]):
        coefs.append(params[offset:offset + fan_in * fan_out].reshape(fan_in, fan_out))
        offset += fan_in * fan_out
    for fan_out in units[1:]:
        intercepts.append(params[offset:offset + fan_out])
        offset += fan_out
    assert offset == len(params)
    return coefs, intercepts


def hidden_pre_activations(params, X, units, hidden):
    coefs, intercepts = unpack(params, units)
    act = {"identity": lambda z: z, "logistic": lambda z: 1 / (1 + np.exp(-z)),
           "tanh": np.tanh, "relu": lambda z: np.maximum(z, 0)}[hidden]
    a, zs = X, []
    for W, b in zip(coefs[:-1], intercepts[:-1]):
        z = a @ W + b
        zs.append(z)
        a = act(z)
    return zs


def make_targets(loss, rng, n, k):
    if loss == "squared_error":
        return rng.normal(size=(n, k))
    if loss == "poisson":
        return rng.poisson(1.0, size=(n, k)).astype(np.float64)
    if loss == "log_loss":
        return np.eye(k)[rng.integers(0, k, n)]
    return rng.integers(0, 2, (n, k)).astype(np.float64)


def make_case(hidden, loss, weighted, seed=0, units=UNITS):
    rng = np.random.default_rng(seed)
    X = rng.uniform(-1, 1, (N_SAMPLES, units[0]))
    Y = make_targets(loss, rng, N_SAMPLES, units[-1])
    sw = rng.uniform(0.5, 2.0, N_SAMPLES) if weighted else None
    params = rng.uniform(-1, 1, n_params(units))
    net = _core.Network(units, [hidden] * (len(units) - 2) + [OUTPUTS[loss]], loss,
                        np.float64, CAPACITY)
    return net, params, X, Y, sw


def central_differences(f, x, eps=EPS):
    grad = np.empty_like(x)
    for i in range(x.size):
        step = np.zeros_like(x)
        step[i] = eps
        grad[i] = (f(x + step) - f(x - step)) / (2 * eps)
    return grad


def assert_away_from_relu_kink(hidden, params, X, units=UNITS):
    if hidden != "relu":
        return
    margin = min(np.abs(z).min() for z in hidden_pre_activations(params, X, units, hidden))
    assert margin > RELU_MARGIN, (
        f"a relu pre-activation is {margin:.2g} from the kink, where the gradient jumps; "
        "choose another seed")


def assert_gradient_matches_finite_differences(net, params, X, Y, sw, alpha, label):
    loss, grad = net.loss_grad(params, X, Y, sw, alpha)
    fd = central_differences(lambda p: net.loss_grad(p, X, Y, sw, alpha)[0], params)
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
    assert_away_from_relu_kink(hidden, params, X)
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
    assert_away_from_relu_kink(hidden, params, X)
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
