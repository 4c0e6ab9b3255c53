"""NumPy references the tests check the C core against: activations and their
derivatives, scikit-learn's packing of the parameter block, and a training
epoch built from the network's loss_grad (tests/test_kernels.py,
tests/test_threads.py)."""

import numpy as np
from scipy.special import erf, expit, softmax

# leaky_relu's slope and elu's alpha when none is given, as in the C core
DEFAULT_PARAM = {"leaky_relu": 0.01, "elu": 1.0}
MOMENTUM, BETA_1, BETA_2, EPSILON = 0.875, 0.875, 0.984375, 1e-8


def activation(act, z, param=None):
    """act(z) in float64, with the C core's conventions at 0 (relu 0, step 0)."""
    c = DEFAULT_PARAM.get(act, 0.0) if param is None else param
    if act == "softmax":
        return softmax(z, axis=1) if z.size else z.copy()
    return {
        "identity": lambda: z.copy(),
        "logistic": lambda: expit(z),
        "tanh": lambda: np.tanh(z),
        "relu": lambda: np.maximum(z, 0),
        "leaky_relu": lambda: np.where(z > 0, z, c * z),
        "elu": lambda: np.where(z > 0, z, c * np.expm1(np.minimum(z, 0))),
        "gelu": lambda: 0.5 * z * (1 + erf(z / np.sqrt(2))),
        "silu": lambda: z * expit(z),
        "softplus": lambda: np.logaddexp(0, z),
        "exp": lambda: np.exp(z),
        "step": lambda: (z > 0).astype(np.float64),
    }[act]()


def derivative(act, z, param=None):
    """d act / dz in float64, from the calculus, not from the forward (relu and
    leaky_relu take the left side at 0)."""
    c = DEFAULT_PARAM.get(act, 0.0) if param is None else param
    pdf = np.exp(-0.5 * z**2) / np.sqrt(2 * np.pi)
    return {
        "identity": lambda: np.ones_like(z),
        "logistic": lambda: expit(z) * (1 - expit(z)),
        "tanh": lambda: 1 - np.tanh(z) ** 2,
        "relu": lambda: (z > 0).astype(np.float64),
        "leaky_relu": lambda: np.where(z > 0, 1.0, c),
        "elu": lambda: np.where(z > 0, 1.0, c * np.exp(np.minimum(z, 0))),
        "gelu": lambda: 0.5 * (1 + erf(z / np.sqrt(2))) + z * pdf,
        "silu": lambda: expit(z) * (1 + z * (1 - expit(z))),
        "softplus": lambda: expit(z),
    }[act]()


def n_params(units):
    return sum(a * b for a, b in zip(units[:-1], units[1:])) + sum(units[1:])


def unpack(params, units):
    """Weights (fan_in, fan_out) and biases, packed as scikit-learn packs them."""
    coefs, intercepts, offset = [], [], 0
    for fan_in, fan_out in zip(units[:-1], units[1:]):
        coefs.append(params[offset:offset + fan_in * fan_out].reshape(fan_in, fan_out))
        offset += fan_in * fan_out
    for fan_out in units[1:]:
        intercepts.append(params[offset:offset + fan_out])
        offset += fan_out
    assert offset == len(params), f"{len(params)} parameters for units {units}"
    return coefs, intercepts


def simulate_epoch(net, params, X, Y, sw, batch, order, solver, lr, alpha, t0):
    """The batches of `order`, each step computed from net.loss_grad on that
    batch, with scikit-learn's SGD (Nesterov momentum) or Adam."""
    p, vel, m, v, t = params.copy(), 0.0, 0.0, 0.0, t0
    for start in range(0, len(order), batch):
        rows = order[start:start + batch]
        _, g = net.loss_grad(p, X[rows], Y[rows], None if sw is None else sw[rows], alpha)
        if solver == "sgd":
            vel = MOMENTUM * vel - lr * g
            p = p + MOMENTUM * vel - lr * g
        else:
            t += 1
            m = BETA_1 * m + (1 - BETA_1) * g
            v = BETA_2 * v + (1 - BETA_2) * g**2
            p = p - lr * np.sqrt(1 - BETA_2**t) / (1 - BETA_1**t) * m / (np.sqrt(v) + EPSILON)
    return p
