"""Property-based tests: every C kernel of nnfast._core on random shapes, dtypes and
data, held against NumPy references written from the formulas in csrc/.

Shapes start at 0 wherever the bridge accepts an empty dimension (rows, columns,
inner dimensions, parameters), so the empty cases run through the same assertions
as the rest. References are computed in float64 from the very inputs the kernel
saw; a tolerance only absorbs the kernel's own rounding. Hyperparameters are
exactly representable in float32, so the C core's casts of them change nothing.

The kernels take C-contiguous arrays of one float type. The last section checks
that the bridge refuses anything else with a Python exception, never a crash, and
refuses the zero sizes it cannot compute with (softmax over no units, a batch of no
rows) with a ValueError that says so. Odd-but-valid inputs at the estimator level
are test_input_layouts.py's.
"""

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose, assert_array_equal

from nnfast import _core
from numpy_reference import DEFAULT_PARAM, activation, derivative, n_params, unpack

DTYPES = [np.float32, np.float64]
RTOL = {np.float32: 1e-5, np.float64: 1e-12}

# Few, reproducible examples; no example database written into the tree. Tests
# parametrized by loss draw fewer examples per loss.
EXAMPLES = settings(max_examples=30, deadline=None, database=None, derandomize=True)
PER_LOSS = settings(EXAMPLES, max_examples=20)

dtypes = st.sampled_from(DTYPES)
seeds = st.integers(0, 2**32 - 1)


def rtol(dtype):
    return RTOL[np.dtype(dtype).type]


def name(dtype):
    return np.dtype(dtype).name


def f64(x):
    """A float64 copy (never a view: the kernels write their arguments in place)."""
    return None if x is None else np.array(x, np.float64)


def assert_within(got, expected, bound, where):
    """|got - expected| <= bound entrywise (bound: the rounding error allowed)."""
    got, expected = f64(got), f64(expected)
    assert got.shape == expected.shape, f"{where}: shape {got.shape}, expected {expected.shape}"
    assert np.all(np.isfinite(got) == np.isfinite(expected)), \
        f"{where}: non-finite entries differ:\n{got}\nexpected\n{expected}"
    err = np.abs(got - expected)
    bound = np.broadcast_to(bound, err.shape)
    if err.size and not np.all(err <= bound):
        i = np.unravel_index(np.argmax(err - bound), err.shape)
        raise AssertionError(f"{where}: entry {tuple(int(k) for k in i)} is "
                             f"{got[i]!r}, expected {expected[i]!r} (error {err[i]:.3g} > "
                             f"allowed {bound[i]:.3g})")


# ---------------------------------------------------------------- activations

HIDDEN = ["identity", "logistic", "tanh", "relu", "leaky_relu", "elu", "gelu", "silu",
          "softplus"]
ALL_ACTS = HIDDEN + ["exp", "softmax", "step"]
PARAMS = st.sampled_from([None, 0.25, 0.5, 2.0])  # leaky_relu's slope, elu's alpha


def act_param(act, param):
    return param if act in DEFAULT_PARAM else None


# ---------------------------------------------------------------- output_loss

LOSS_OUTPUT = {
    "squared_error": "identity",
    "poisson": "exp",
    "log_loss": "softmax",
    "binary_log_loss": "logistic",
    "absolute_error": "identity",
    "huber": "identity",
}
PER_OUTPUT_LOSSES = {"squared_error", "absolute_error", "huber"}  # means over outputs
HUBER_DELTAS = [0.25, 0.5, 1.0, 2.0]


def make_targets(loss, rng, n, k, soft=False):
    """Targets a loss takes: reals, counts, one-hot or 0/1 rows; soft=True draws
    fractional ones (rates, class probabilities) that the formulas accept too."""
    if loss in PER_OUTPUT_LOSSES:
        return rng.normal(size=(n, k))
    if loss == "poisson":
        return rng.uniform(0, 3, (n, k)) if soft else rng.poisson(1.0, (n, k)).astype(float)
    if loss == "log_loss":
        return rng.dirichlet(np.ones(k), n) if soft else np.eye(k)[rng.integers(0, k, n)]
    return rng.uniform(0, 1, (n, k)) if soft else rng.integers(0, 2, (n, k)).astype(float)


def entry_loss(loss, y, z, p, huber_delta, eps):
    """Each entry's loss (its sum over a row is the row's loss) and its magnitude,
    the size of the terms summed, which the rounding error scales with."""
    if loss == "squared_error":
        value = 0.5 * (p - y) ** 2
        return value, value + np.abs(p) * np.abs(p - y)
    if loss == "absolute_error":
        return np.abs(p - y), np.abs(p) + np.abs(y)
    if loss == "huber":
        r = np.abs(p - y)
        value = np.where(r <= huber_delta, 0.5 * r**2, huber_delta * (r - 0.5 * huber_delta))
        return value, value + (np.abs(p) + np.abs(y)) * np.minimum(r, huber_delta)
    if loss == "poisson":  # half the Poisson deviance, with log p = z
        ylogy = np.where(y > 0, y * (np.log(np.where(y > 0, y, 1)) - z), 0.0)
        return ylogy - y + p, np.abs(ylogy) + np.abs(y) * (1 + np.abs(z)) + p
    log_p = np.log(np.clip(p, eps, 1 - eps))
    if loss == "log_loss":
        value = np.where(y != 0, -y * log_p, 0.0)
    else:
        log_q = np.log(np.clip(1 - p, eps, 1 - eps))
        value = np.where(y != 0, -y * log_p, 0.0) + np.where(y != 1, -(1 - y) * log_q, 0.0)
    return value, np.abs(value) + np.abs(y)


def output_delta(loss, y, p, huber_delta):
    """dloss/dz per entry, before the weight and the scale."""
    if loss == "absolute_error":
        return np.sign(p - y)
    if loss == "huber":
        return np.clip(p - y, -huber_delta, huber_delta)
    return p - y


def sample_weights(rng, n, kind):
    """None, positive weights, or weights with zeros (at least one positive)."""
    if kind == "none":
        return None
    sw = rng.uniform(0.5, 2, n)
    if kind == "with_zeros":
        sw[rng.uniform(size=n) < 0.4] = 0
        if n and not sw.any():
            sw[rng.integers(n)] = 1.5
    return sw


@pytest.mark.parametrize("loss", list(LOSS_OUTPUT))
@PER_LOSS
@given(dtype=dtypes, B=st.integers(0, 9), O=st.integers(0, 6),
       weights=st.sampled_from(["none", "positive", "with_zeros"]), soft=st.booleans(),
       delta_scale=st.sampled_from([1.0, 0.375, -2.0, 0.0]),
       huber_delta=st.sampled_from(HUBER_DELTAS), in_place=st.booleans(), seed=seeds)
def test_output_loss_matches_numpy_loss_sum_and_delta(dtype, loss, B, O, weights, soft,
                                                      delta_scale, huber_delta, in_place,
                                                      seed):
    O = max(O, 1) if loss == "log_loss" else O  # softmax needs a unit; refused below
    rng = np.random.default_rng(seed)
    z = rng.uniform(-3, 3, (B, O)).astype(dtype)
    y = make_targets(loss, rng, B, O, soft).astype(dtype)
    sw = sample_weights(rng, B, weights)
    sw = None if sw is None else sw.astype(dtype)
    z64, y64 = f64(z), f64(y)
    w = np.ones(B) if sw is None else f64(sw)
    p_expected = activation(LOSS_OUTPUT[loss], z64)
    value, magnitude = entry_loss(loss, y64, z64, p_expected, huber_delta,
                                  np.finfo(dtype).eps)
    loss_expected = np.sum(w[:, None] * value)
    delta_expected = output_delta(loss, y64, p_expected, huber_delta) * w[:, None] * delta_scale

    z_before = z.copy()
    p = z if in_place else np.full((B, O), np.nan, dtype)
    delta = np.full((B, O), np.nan, dtype)
    got = _core.output_loss(delta, p, z, y, sw, loss, delta_scale, huber_delta)

    where = f"{loss} {name(dtype)} B,O={B},{O} weights={weights} in_place={in_place}"
    if not in_place:
        assert_array_equal(z, z_before, err_msg=f"{where}: z was modified")
    r = rtol(dtype)
    assert_within(p, p_expected, 4 * r * np.abs(p_expected) + r * 1e-3,
                  f"{where}: output activation p")
    assert_within(got, loss_expected, 8 * r * (np.sum(w[:, None] * magnitude) + 1e-3),
                  f"{where}: loss sum")
    size = np.abs(p_expected) + np.abs(y64) + 1
    assert_within(delta, delta_expected, 4 * r * size * np.abs(w[:, None] * delta_scale),
                  f"{where}: delta")


# ---------------------------------------------------------------- dense layers

@EXAMPLES
@given(dtype=dtypes, act=st.sampled_from(ALL_ACTS), param=PARAMS, B=st.integers(0, 9),
       C=st.integers(0, 9), OC=st.integers(0, 9), with_bias=st.booleans(),
       in_place=st.booleans(), seed=seeds)
def test_dense_forward_overwrites_z_with_affine_map_and_a_with_activation(
        dtype, act, param, B, C, OC, with_bias, in_place, seed):
    OC = max(OC, 1) if act == "softmax" else OC  # softmax needs a unit; refused below
    param = act_param(act, param)
    rng = np.random.default_rng(seed)
    inp = rng.uniform(-1, 1, (B, C)).astype(dtype)
    w = rng.uniform(-1, 1, (C, OC)).astype(dtype)
    b = rng.uniform(-1, 1, OC).astype(dtype) if with_bias else np.empty(0, dtype)
    z_expected = f64(inp) @ f64(w) + (f64(b) if with_bias else 0)
    size = np.abs(f64(inp)) @ np.abs(f64(w)) + (np.abs(f64(b)) if with_bias else 0)

    z = np.full((B, OC), np.nan, dtype)  # overwritten, never accumulated into
    a = z if in_place else np.full((B, OC), np.nan, dtype)
    _core.dense_forward(z, a, inp, w, b, act, param)

    where = f"{act}({param}) {name(dtype)} B,C,OC={B},{C},{OC} bias={with_bias} " \
            f"in_place={in_place}"
    if in_place:  # z now holds a: compare with act of the exact z, off step's jump
        a_expected = activation(act, z_expected, param)
        if act == "step":
            near_jump = np.abs(z_expected) <= 4 * rtol(dtype) * size
            a_expected[near_jump] = a[near_jump]
    else:
        assert_within(z, z_expected, 2 * rtol(dtype) * (size + 1e-30), f"{where}: z")
        a_expected = activation(act, f64(z), param)
    assert_allclose(a, a_expected, rtol=4 * rtol(dtype), atol=4 * rtol(dtype),
                    err_msg=f"{where}: a is not act(z)")


@EXAMPLES
@given(dtype=dtypes, B=st.integers(0, 9), C=st.integers(0, 9), OC=st.integers(0, 9),
       with_dinp=st.booleans(), seed=seeds)
def test_dense_backward_accumulates_dw_db_and_overwrites_dinp(dtype, B, C, OC, with_dinp,
                                                              seed):
    rng = np.random.default_rng(seed)
    dout = rng.uniform(-1, 1, (B, OC)).astype(dtype)
    inp = rng.uniform(-1, 1, (B, C)).astype(dtype)
    w = rng.uniform(-1, 1, (C, OC)).astype(dtype)
    dw0 = rng.uniform(-1, 1, (C, OC)).astype(dtype)
    db0 = rng.uniform(-1, 1, OC).astype(dtype)
    D, X, W = f64(dout), f64(inp), f64(w)
    r = 2 * rtol(dtype)

    dw, db = dw0.copy(), db0.copy()
    dinp = np.full((B, C), np.nan, dtype) if with_dinp else None
    _core.dense_backward(dinp, dw, db, dout, inp, w)

    where = f"{name(dtype)} B,C,OC={B},{C},{OC} dinp={'array' if with_dinp else None}"
    assert_within(dw, f64(dw0) + X.T @ D, r * (np.abs(f64(dw0)) + np.abs(X).T @ np.abs(D)),
                  f"{where}: dw is not dw0 + inp^T dout")
    assert_within(db, f64(db0) + D.sum(axis=0), r * (np.abs(f64(db0)) + np.abs(D).sum(axis=0)),
                  f"{where}: db is not db0 + colsum(dout)")
    if with_dinp:
        assert_within(dinp, D @ W.T, r * (np.abs(D) @ np.abs(W).T),
                      f"{where}: dinp is not dout @ w^T")


# ---------------------------------------------------------------- optimizers

def soft_threshold(x, shrink):
    return np.sign(x) * np.maximum(np.abs(x) - shrink, 0)


def assert_l1_zeros(got, before_threshold, shrink, n_decay, where):
    """Weights the soft threshold clearly reaches are exactly 0, not just small."""
    clearly = np.abs(before_threshold[:n_decay]) < shrink[:n_decay] * (1 - 1e-3)
    assert np.all(got[:n_decay][clearly] == 0), (
        f"{where}: weights within the L1 threshold are not exactly 0: "
        f"{got[:n_decay][clearly]}")


LRS = st.sampled_from([0.5, 0.125, 0.0625])
L2S = st.sampled_from([0.0, 0.25, 0.0625])
L1S = st.sampled_from([0.0, 0.0625, 0.5, 2.0])


@EXAMPLES
@given(dtype=dtypes, P=st.integers(0, 30), decay_fraction=st.floats(0, 1), lr=LRS,
       momentum=st.sampled_from([0.0, 0.5, 0.875]), nesterov=st.booleans(), l2=L2S,
       l1=L1S, seed=seeds)
def test_sgd_step_matches_numpy_with_l2_and_l1_proximal_step_on_the_weights(
        dtype, P, decay_fraction, lr, momentum, nesterov, l2, l1, seed):
    n_decay = round(decay_fraction * P)
    rng = np.random.default_rng(seed)
    params = rng.uniform(-1, 1, P).astype(dtype)
    velocity = rng.uniform(-0.2, 0.2, P).astype(dtype)
    grad = rng.uniform(-1, 1, P).astype(dtype)
    p0, v0, g0 = f64(params), f64(velocity), f64(grad)
    decay = np.arange(P) < n_decay
    g = g0 + np.where(decay, l2 * p0, 0)
    v_expected = momentum * v0 - lr * g
    stepped = p0 + (momentum * v_expected - lr * g if nesterov else v_expected)
    shrink = np.where(decay & (l1 > 0), lr * l1, 0)
    p_expected = soft_threshold(stepped, shrink)

    sumsq = _core.sgd_step(params, velocity, grad, lr, momentum, nesterov, l2, n_decay, l1)

    where = f"sgd {name(dtype)} P={P} n_decay={n_decay} momentum={momentum} " \
            f"nesterov={nesterov} l2={l2} l1={l1}"
    assert sumsq == pytest.approx(np.sum(p0[:n_decay] ** 2), rel=1e-12, abs=0), (
        f"{where}: returned {sumsq!r}, not the first n_decay params' sum of squares")
    r = 4 * rtol(dtype)
    assert_within(velocity, v_expected, r * (np.abs(v0) + lr * (np.abs(g0) + l2)),
                  f"{where}: velocity")
    assert_within(params, p_expected, r * (1 + np.abs(p0) + np.abs(v0) + np.abs(g0)),
                  f"{where}: params")
    assert_l1_zeros(params, stepped, shrink, n_decay, where)


@EXAMPLES
@given(dtype=dtypes, P=st.integers(0, 30), decay_fraction=st.floats(0, 1), lr=LRS,
       beta_1=st.sampled_from([0.0, 0.5, 0.875]),
       beta_2=st.sampled_from([0.0, 0.75, 0.984375]), t=st.integers(1, 1000), l2=L2S,
       l1=L1S, seed=seeds)
def test_adam_step_matches_numpy_with_l2_and_per_entry_l1_proximal_step(
        dtype, P, decay_fraction, lr, beta_1, beta_2, t, l2, l1, seed):
    n_decay = round(decay_fraction * P)
    eps = 1e-8
    rng = np.random.default_rng(seed)
    params = rng.uniform(-1, 1, P).astype(dtype)
    m = rng.uniform(-0.5, 0.5, P).astype(dtype)
    v = rng.uniform(0, 0.5, P).astype(dtype)
    grad = rng.uniform(-1, 1, P).astype(dtype)
    p0, m0, v0, g0 = f64(params), f64(m), f64(v), f64(grad)
    decay = np.arange(P) < n_decay
    g = g0 + np.where(decay, l2 * p0, 0)
    m_expected = beta_1 * m0 + (1 - beta_1) * g
    v_expected = beta_2 * v0 + (1 - beta_2) * g**2
    step = lr * np.sqrt(1 - beta_2**t) / (1 - beta_1**t)
    scale = step / (np.sqrt(v_expected) + eps)
    stepped = p0 - scale * m_expected
    shrink = np.where(decay & (l1 > 0), scale * l1, 0)
    p_expected = soft_threshold(stepped, shrink)

    sumsq = _core.adam_step(params, m, v, grad, lr, beta_1, beta_2, eps, t, l2, n_decay, l1)

    where = f"adam {name(dtype)} P={P} n_decay={n_decay} beta_1={beta_1} beta_2={beta_2} " \
            f"t={t} l2={l2} l1={l1}"
    assert sumsq == pytest.approx(np.sum(p0[:n_decay] ** 2), rel=1e-12, abs=0), (
        f"{where}: returned {sumsq!r}, not the first n_decay params' sum of squares")
    r = 8 * rtol(dtype)
    assert_within(m, m_expected, r * (np.abs(m0) + np.abs(g)), f"{where}: first moment")
    assert_within(v, v_expected, r * (v0 + g**2), f"{where}: second moment")
    assert_within(params, p_expected,
                  r * (np.abs(p0) + scale * (np.abs(m_expected) + l1 * decay)),
                  f"{where}: params")
    assert_l1_zeros(params, stepped, shrink, n_decay, where)


@EXAMPLES
@given(dtype=dtypes, P=st.integers(0, 40), magnitude=st.sampled_from([0.0, 0.01, 1.0, 10.0]),
       max_norm=st.sampled_from([0.0, -1.0, 0.5, 2.0, 1e9]),
       max_value=st.sampled_from([0.0, -1.0, 0.25, 1.0, 1e9]), seed=seeds)
def test_clip_grad_rescales_to_max_norm_then_clamps_to_max_value(dtype, P, magnitude,
                                                                 max_norm, max_value, seed):
    rng = np.random.default_rng(seed)
    grad = (magnitude * rng.normal(size=P)).astype(dtype)
    g = f64(grad)
    norm_expected = np.sqrt(np.sum(g**2))
    expected = g * (max_norm / norm_expected) if 0 < max_norm < norm_expected else g.copy()
    if max_value > 0:
        expected = np.clip(expected, -max_value, max_value)

    norm = _core.clip_grad(grad, max_norm, max_value)

    where = f"{name(dtype)} P={P} |g|~{magnitude} max_norm={max_norm} max_value={max_value}"
    assert norm == pytest.approx(norm_expected, rel=1e-12, abs=0), (
        f"{where}: returned norm {norm!r}, the gradient's norm is {norm_expected!r}")
    assert_within(grad, expected, 4 * rtol(dtype) * np.abs(g), f"{where}: clipped gradient")
    if P:
        if max_value > 0:
            assert np.abs(f64(grad)).max() <= max_value, f"{where}: an entry exceeds max_value"
        if max_norm > 0:
            assert np.sqrt(np.sum(f64(grad) ** 2)) <= max_norm * (1 + 4 * rtol(dtype)), \
                f"{where}: the clipped norm exceeds max_norm"


# ---------------------------------------------------------------- perceptron

def perceptron_reference(w, b, X, Y, order, lr):
    """Rosenblatt's rule row by row in the given order, K neurons at once."""
    w, b, errors = w.copy(), b.copy(), 0
    for row in order:
        for k in range(w.shape[0]):
            err = Y[row, k] - (1.0 if b[k] + w[k] @ X[row] > 0 else 0.0)
            if err:
                errors += 1
                w[k] += lr * err * X[row]
                b[k] += lr * err
    return w, b, errors


@EXAMPLES
@given(dtype=dtypes, N=st.integers(0, 15), F=st.integers(0, 6), K=st.integers(0, 4),
       lr=st.sampled_from([1.0, 0.5, 0.25]), repeats=st.booleans(), seed=seeds)
def test_perceptron_epoch_follows_the_perceptron_rule_in_the_given_order(dtype, N, F, K, lr,
                                                                         repeats, seed):
    # Small integers and dyadic rates keep every sum exact in both float types, so
    # the order of the additions cannot flip a prediction and results are equal.
    rng = np.random.default_rng(seed)
    X = rng.integers(-3, 4, (N, F)).astype(dtype)
    Y = rng.integers(0, 2, (N, K)).astype(dtype)
    w0 = (rng.integers(-4, 5, (K, F)) * 0.25).astype(dtype)
    b0 = (rng.integers(-4, 5, K) * 0.25).astype(dtype)
    order = (rng.integers(0, N, N) if repeats and N else rng.permutation(N)).astype(np.uintp)
    w_expected, b_expected, errors_expected = perceptron_reference(
        f64(w0), f64(b0), f64(X), f64(Y), order, lr)

    w, b = w0.copy(), b0.copy()
    errors = _core.perceptron_epoch(w, b, X, Y, order, lr)

    where = f"{name(dtype)} N,F,K={N},{F},{K} lr={lr} order={order.tolist()}"
    assert errors == errors_expected, f"{where}: {errors} mistakes, expected {errors_expected}"
    assert_array_equal(w, w_expected, err_msg=f"{where}: weights")
    assert_array_equal(b, b_expected, err_msg=f"{where}: biases")


# ---------------------------------------------------------------- shuffling

@settings(EXAMPLES, max_examples=40)
@given(n=st.one_of(st.integers(0, 3), st.integers(0, 500)), seed=st.integers(0, 2**64 - 1))
def test_shuffle_indices_draws_a_reproducible_permutation_for_every_n(n, seed):
    state = _core.seed_state(seed)
    again = state.copy()
    perm = _core.shuffle_indices(n, state)
    assert perm.dtype == np.uintp and perm.shape == (n,), \
        f"n={n}: got {perm.dtype} of shape {perm.shape}"
    assert_array_equal(np.sort(perm), np.arange(n), err_msg=f"n={n}: not a permutation")
    assert_array_equal(_core.shuffle_indices(n, again), perm,
                       err_msg=f"n={n}: the same state drew another permutation")
    assert_array_equal(again, state, err_msg=f"n={n}: equal draws left different states")


# ---------------------------------------------------------------- the network

@st.composite
def architectures(draw, loss):
    """1-4 weight layers of 1-9 units, any hidden activations (with or without a
    parameter), and the loss with its output activation."""
    n_layers = draw(st.integers(1, 4))
    units = draw(st.lists(st.integers(1, 9), min_size=n_layers + 1, max_size=n_layers + 1))
    hidden = draw(st.lists(st.sampled_from(HIDDEN), min_size=n_layers - 1,
                           max_size=n_layers - 1))
    params = [act_param(a, draw(PARAMS)) for a in hidden]
    huber_delta = draw(st.sampled_from(HUBER_DELTAS))
    return {"units": units, "hidden": hidden, "params": params, "loss": loss,
            "huber_delta": huber_delta}


def make_network(arch, dtype, capacity):
    return _core.Network(arch["units"], arch["hidden"] + [LOSS_OUTPUT[arch["loss"]]],
                         arch["loss"], dtype, capacity,
                         activation_params=arch["params"] + [None],
                         loss_param=arch["huber_delta"])


def describe(arch):
    layers = " -> ".join(f"{u}" + (f" {a}({c})" if c is not None else f" {a}")
                         for u, a, c in zip(arch["units"][1:-1], arch["hidden"], arch["params"]))
    return (f"{arch['units'][0]} -> {layers + ' -> ' if layers else ''}{arch['units'][-1]} "
            f"{LOSS_OUTPUT[arch['loss']]}/{arch['loss']}")


def make_params(arch, rng, dtype):
    """Weights scaled by 1/sqrt(fan_in), so activations stay O(1) through the layers."""
    units = arch["units"]
    params = rng.uniform(-1, 1, n_params(units))
    coefs, intercepts = unpack(params, units)
    for W in coefs:
        W *= 1.5 / np.sqrt(W.shape[0])
    for b in intercepts:
        b *= 0.5
    return params.astype(dtype)


def make_inputs(rng, n, f, density, dtype):
    """Dense X and its CSR copy; density 0 gives rows without a single entry."""
    X_csr = sp.random(n, f, density=density, format="csr", dtype=np.float64, random_state=rng,
                      data_rvs=lambda k: rng.uniform(-1, 1, k)).astype(dtype)
    return np.ascontiguousarray(X_csr.toarray()), X_csr


def numpy_forward(arch, params, X):
    """[(z, a)] of every layer in float64; the last a is the output activation."""
    coefs, intercepts = unpack(params, arch["units"])
    acts = arch["hidden"] + [LOSS_OUTPUT[arch["loss"]]]
    layers, h = [], X
    for W, b, act, param in zip(coefs, intercepts, acts, arch["params"] + [None]):
        z = h @ W + b
        h = activation(act, z, param)
        layers.append((z, h))
    return layers


def numpy_loss_grad(arch, params, X, Y, sw, alpha, l1, dtype):
    """nnfast's full-batch objective and its gradient, from network_impl.h:
    sum_i w_i loss_i / norm + (alpha/2 |W|^2 + l1 |W|_1) / sum(w), norm = sum(w),
    times the outputs for the losses that average over outputs. The log losses
    clip probabilities at the machine epsilon of the network's dtype.

    Returns (loss, grad, loss_size, grad_size): the sizes are the same sums and
    backward pass over absolute values, what rounding errors scale with even
    where the terms cancel (a gradient of 1e-18 from signs that balance)."""
    units, loss = arch["units"], arch["loss"]
    coefs, _ = unpack(params, units)
    layers = numpy_forward(arch, params, X)
    z_out, p = layers[-1]
    w = np.ones(len(X)) if sw is None else sw
    norm = w.sum() * (units[-1] if loss in PER_OUTPUT_LOSSES else 1)
    value, size = entry_loss(loss, Y, z_out, p, arch["huber_delta"], np.finfo(dtype).eps)
    weights_flat = np.concatenate([W.ravel() for W in coefs])
    penalty = (0.5 * alpha * np.sum(weights_flat**2) + l1 * np.sum(np.abs(weights_flat)))
    total = np.sum(w[:, None] * value) / norm + penalty / w.sum()
    loss_size = np.sum(w[:, None] * size) / norm + penalty / w.sum()

    delta = output_delta(loss, Y, p, arch["huber_delta"]) * w[:, None] / norm
    delta_size = (np.abs(p) + np.abs(Y) + 1) * w[:, None] / norm
    grads, sizes = {}, {}
    for l in range(len(coefs) - 1, -1, -1):
        h = X if l == 0 else layers[l - 1][1]
        decay = (alpha * coefs[l] + l1 * np.sign(coefs[l])) / w.sum()
        grads["w", l], sizes["w", l] = h.T @ delta + decay, np.abs(h).T @ delta_size + np.abs(decay)
        grads["b", l], sizes["b", l] = delta.sum(axis=0), delta_size.sum(axis=0)
        if l:
            d = derivative(arch["hidden"][l - 1], layers[l - 1][0], arch["params"][l - 1])
            delta = (delta @ coefs[l].T) * d
            delta_size = (delta_size @ np.abs(coefs[l]).T) * np.abs(d)
    packing = [("w", l) for l in range(len(coefs))] + [("b", l) for l in range(len(coefs))]
    return (total, np.concatenate([grads[k].ravel() for k in packing]), loss_size,
            np.concatenate([sizes[k].ravel() for k in packing]))


# float32 runs whole networks (several layers, transcendental functions) in float
NET_RTOL = {np.float32: 1e-4, np.float64: 1e-10}


def net_tol(dtype, scale=1.0):
    r = NET_RTOL[np.dtype(dtype).type]
    return {"rtol": r, "atol": r * scale}


DENSITIES = st.sampled_from([0.0, 0.2, 0.6, 1.0])


@pytest.mark.parametrize("loss", list(LOSS_OUTPUT))
@PER_LOSS
@given(data=st.data(), dtype=dtypes, n=st.integers(0, 12), capacity=st.integers(1, 15),
       density=DENSITIES, seed=seeds)
def test_predict_and_forward_all_match_numpy_for_dense_and_csr_input(loss, data, dtype, n,
                                                                     capacity, density, seed):
    arch = data.draw(architectures(loss), label="arch")
    rng = np.random.default_rng(seed)
    params = make_params(arch, rng, dtype)
    X, X_csr = make_inputs(rng, n, arch["units"][0], density, dtype)
    net = make_network(arch, dtype, capacity)
    expected = numpy_forward(arch, f64(params), f64(X))

    for layout, inputs in [("dense", X), ("CSR", X_csr)]:
        where = f"{describe(arch)} {name(dtype)} n={n} capacity={capacity} " \
                f"density={density} {layout}"
        out = net.predict(params, inputs)
        assert out.dtype == dtype, f"{where}: predict returned {out.dtype}"
        assert_allclose(out, expected[-1][1], **net_tol(dtype),
                        err_msg=f"{where}: predict differs from the NumPy forward pass")
        layers = net.forward_all(params, inputs)
        assert len(layers) == len(expected), f"{where}: {len(layers)} layers returned"
        for l, ((z, a), (z_ref, a_ref)) in enumerate(zip(layers, expected)):
            assert_allclose(z, z_ref, **net_tol(dtype), err_msg=f"{where}: layer {l + 1} z")
            assert_allclose(a, a_ref, **net_tol(dtype), err_msg=f"{where}: layer {l + 1} a")
        assert_array_equal(layers[-1][1], out,
                           err_msg=f"{where}: forward_all's output differs from predict")


@pytest.mark.parametrize("loss", list(LOSS_OUTPUT))
@PER_LOSS
@given(data=st.data(), dtype=dtypes, n=st.integers(1, 12), capacity=st.integers(1, 15),
       density=DENSITIES, weights=st.sampled_from(["none", "positive", "with_zeros"]),
       alpha=st.sampled_from([0.0, 0.5]), l1=st.sampled_from([0.0, 0.25]), seed=seeds)
def test_loss_grad_matches_numpy_objective_and_backprop_for_dense_and_csr_input(
        loss, data, dtype, n, capacity, density, weights, alpha, l1, seed):
    arch = data.draw(architectures(loss), label="arch")
    rng = np.random.default_rng(seed)
    params = make_params(arch, rng, dtype)
    X, X_csr = make_inputs(rng, n, arch["units"][0], density, dtype)
    Y = make_targets(arch["loss"], rng, n, arch["units"][-1]).astype(dtype)
    sw = sample_weights(rng, n, weights)
    sw = None if sw is None else sw.astype(dtype)
    net = make_network(arch, dtype, capacity)
    loss_expected, grad_expected, loss_size, grad_size = numpy_loss_grad(
        arch, f64(params), f64(X), f64(Y), f64(sw), alpha, l1, dtype)
    r = NET_RTOL[np.dtype(dtype).type]

    for layout, inputs in [("dense", X), ("CSR", X_csr)]:
        where = f"{describe(arch)} {name(dtype)} n={n} capacity={capacity} " \
                f"density={density} weights={weights} alpha={alpha} l1={l1} {layout}"
        value, grad = net.loss_grad(params, inputs, Y, sw, alpha, l1)
        assert grad.dtype == dtype, f"{where}: gradient of dtype {grad.dtype}"
        assert_within(value, loss_expected, r * loss_size, f"{where}: loss")
        assert_within(grad, grad_expected, r * grad_size,
                      f"{where}: gradient (against NumPy backprop)")
        value_only, none = net.loss_grad(params, inputs, Y, sw, alpha, l1, need_grad=False)
        assert none is None and value_only == value, \
            f"{where}: need_grad=False gave ({value_only!r}, {none!r}), not ({value!r}, None)"


@pytest.mark.parametrize("loss", list(LOSS_OUTPUT))
@PER_LOSS
@given(data=st.data(), dtype=dtypes, n=st.integers(1, 10), extra=st.integers(0, 3),
       density=st.sampled_from([None, 0.0, 0.5]),
       weights=st.sampled_from(["none", "positive", "with_zeros"]),
       lr=st.sampled_from([0.5, 0.125]), alpha=st.sampled_from([0.0, 0.5]),
       l1=st.sampled_from([0.0, 0.25, 2.0]), nesterov=st.booleans(), seed=seeds)
def test_full_batch_sgd_epoch_is_a_loss_grad_step_then_the_l1_proximal_step(
        loss, data, dtype, n, extra, density, weights, lr, alpha, l1, nesterov, seed):
    arch = data.draw(architectures(loss), label="arch")
    rng = np.random.default_rng(seed)
    params = make_params(arch, rng, dtype)
    X, X_csr = make_inputs(rng, n, arch["units"][0], 0.5 if density is None else density,
                           dtype)
    inputs = X if density is None else X_csr
    Y = make_targets(arch["loss"], rng, n, arch["units"][-1]).astype(dtype)
    sw = sample_weights(rng, n, weights)
    sw = None if sw is None else sw.astype(dtype)
    net = make_network(arch, dtype, n + extra)
    w_sum = n if sw is None else float(np.sum(f64(sw)))
    _, grad = net.loss_grad(params, inputs, Y, sw, alpha)
    value, _ = net.loss_grad(params, inputs, Y, sw, alpha, l1)
    stepped = f64(params) - lr * f64(grad)
    shrink = np.where(np.arange(net.n_params) < net.n_weights, lr * l1 / w_sum, 0)
    expected = soft_threshold(stepped, shrink)

    got, velocity, rng_state = params.copy(), np.zeros(net.n_params, dtype), _core.seed_state(0)
    loss_sum, n_seen, n_batches, t = net.train_epoch(
        got, velocity, rng_state, inputs, Y, sw, n, False, "sgd", lr, momentum=0.0,
        nesterov=nesterov, alpha=alpha, l1=l1)

    where = f"{describe(arch)} {name(dtype)} n={n} capacity={n + extra} " \
            f"{'dense' if density is None else f'CSR density={density}'} weights={weights} " \
            f"lr={lr} alpha={alpha} l1={l1}"
    assert (n_seen, n_batches, t) == (n, 1, 0), \
        f"{where}: (n_seen, n_batches, t) = {(n_seen, n_batches, t)}, expected ({n}, 1, 0)"
    scale = 1 + np.abs(f64(params)).max()
    assert_allclose(got, expected, **net_tol(dtype, scale),
                    err_msg=f"{where}: params after the epoch differ from params - lr * grad "
                            "then the L1 soft threshold on the weights")
    assert_l1_zeros(got, stepped, shrink, net.n_weights, where)
    assert_allclose(velocity, -lr * f64(grad), **net_tol(dtype, scale),
                    err_msg=f"{where}: the velocity is not -lr * grad")
    assert loss_sum / n == pytest.approx(value, rel=NET_RTOL[np.dtype(dtype).type],
                                         abs=1e-12), (
        f"{where}: epoch loss {loss_sum / n!r}, loss_grad's {value!r} at the start")
    assert_array_equal(rng_state, _core.seed_state(0),
                       err_msg=f"{where}: an unshuffled epoch without dropout drew numbers")


# ---------------------------------------------------------------- what the bridge refuses

def kernel_calls(dtype):
    """Each kernel wrapper as (function, its arrays, the other arguments, which
    arrays it writes), with valid arrays of `dtype`."""
    e = lambda *shape: np.zeros(shape, dtype)  # noqa: E731
    return {
        "gemm": (_core.gemm, [e(3, 4), e(3, 2), e(2, 4)], (False, False, 1.0, 0.0), {0}),
        "activation_forward": (_core.activation_forward, [e(3, 4), e(3, 4), e(4)], ("tanh",),
                               {0, 1}),
        "activation_backward": (_core.activation_backward, [e(6), e(6), e(6)], ("tanh",), {0}),
        "output_loss": (_core.output_loss, [e(3, 4), e(3, 4), e(3, 4), e(3, 4), e(3)],
                        ("squared_error", 1.0), {0, 1}),
        "dense_forward": (_core.dense_forward, [e(3, 4), e(3, 4), e(3, 2), e(2, 4), e(4)],
                          ("tanh",), {0, 1}),
        "dense_backward": (_core.dense_backward,
                           [e(3, 2), e(2, 4), e(4), e(3, 4), e(3, 2), e(2, 4)], (), {0, 1, 2}),
        "sgd_step": (_core.sgd_step, [e(6), e(6), e(6)], (0.1, 0.5, True, 0.1, 3), {0, 1}),
        "adam_step": (_core.adam_step, [e(6), e(6), e(6), e(6)],
                      (0.1, 0.9, 0.99, 1e-8, 1, 0.1, 3), {0, 1, 2}),
        "clip_grad": (_core.clip_grad, [e(6)], (1.0, 0.0), {0}),
        "perceptron_epoch": (_core.perceptron_epoch,
                             [e(2, 3), e(2), e(4, 3), e(4, 2), np.arange(4, dtype=np.uintp)],
                             (1.0,), {0, 1}),
    }


def strided(a):
    """A view of a's values that is not C-contiguous (every other element of a
    buffer twice as long in the last axis)."""
    wide = np.zeros(a.shape[:-1] + (2 * a.shape[-1],), a.dtype)
    wide[..., ::2] = a
    return wide[..., ::2]


def other_float(dtype):
    return np.float32 if dtype == np.float64 else np.float64


KERNEL_ARGS = [(kernel, i) for kernel, (_, arrays, _, _) in kernel_calls(np.float64).items()
               for i in range(len(arrays))]
# Cython picks the float32 or float64 version of a kernel from the dtype of its
# first typed array; when that dtype is neither, no version matches and Cython
# raises TypeError("No matching signature found"). Anywhere else a wrong dtype is
# a ValueError ("Buffer dtype mismatch").
WRONG_DTYPE = (ValueError, TypeError)


def call_with(kernel, dtype, i, replace):
    fn, arrays, rest, _ = kernel_calls(dtype)[kernel]
    arrays[i] = replace(arrays[i])
    return lambda: fn(*arrays, *rest)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("kernel, i", KERNEL_ARGS)
def test_kernels_refuse_non_contiguous_arrays(kernel, i, dtype):
    with pytest.raises(ValueError, match="contiguous"):
        call_with(kernel, dtype, i, strided)()
    if kernel_calls(dtype)[kernel][1][i].ndim == 2:
        with pytest.raises(ValueError, match="contiguous"):
            call_with(kernel, dtype, i, np.asfortranarray)()


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("kernel, i", KERNEL_ARGS)
def test_kernels_refuse_arrays_of_another_dtype(kernel, i, dtype):
    with pytest.raises(WRONG_DTYPE, match=r"dtype|signature|format"):
        call_with(kernel, dtype, i, lambda a: a.astype(np.int64))()
    with pytest.raises(WRONG_DTYPE, match=r"dtype|signature|format"):
        call_with(kernel, dtype, i, lambda a: a.astype(np.float16))()
    if len(kernel_calls(dtype)[kernel][1]) > 1:  # a float32/float64 mix
        with pytest.raises(ValueError, match="dtype mismatch"):
            call_with(kernel, dtype, i, lambda a: a.astype(other_float(dtype)))()


@pytest.mark.parametrize("kernel, i", [(k, i) for k, i in KERNEL_ARGS
                                       if i in kernel_calls(np.float64)[k][3]])
def test_kernels_refuse_read_only_arrays_they_write(kernel, i):
    def read_only(a):
        a.flags.writeable = False
        return a
    with pytest.raises(ValueError, match="read-only"):
        call_with(kernel, np.float64, i, read_only)()


def test_shuffle_indices_refuses_a_generator_state_of_other_than_four_uint64():
    for state in [np.zeros(0, np.uint64), np.zeros(1, np.uint64), np.zeros(5, np.uint64)]:
        with pytest.raises(ValueError, match="4 uint64"):
            _core.shuffle_indices(50, state)
    with pytest.raises(ValueError, match="contiguous"):
        _core.shuffle_indices(50, strided(_core.seed_state(0)))
    with pytest.raises(ValueError, match="dtype mismatch"):
        _core.shuffle_indices(50, _core.seed_state(0).astype(np.int64))


NETWORK_METHODS = ["predict", "forward_all", "loss_grad", "train_epoch"]
NETWORK_ARRAYS = {  # argument: the methods that take it
    "params": NETWORK_METHODS, "X": NETWORK_METHODS, "Y": ["loss_grad", "train_epoch"],
    "sample_weight": ["loss_grad", "train_epoch"], "opt_state": ["train_epoch"],
    "rng_state": ["train_epoch"], "grad_norms": ["train_epoch"],
}


def network_call(method, dtype, replace_name, replace):
    net = _core.Network([3, 4, 2], ["tanh", "identity"], "squared_error", dtype, 5)
    a = {"params": np.zeros(net.n_params, dtype), "X": np.zeros((5, 3), dtype),
         "Y": np.zeros((5, 2), dtype), "sample_weight": np.ones(5, dtype),
         "opt_state": np.zeros(net.n_params, dtype), "rng_state": _core.seed_state(0),
         "grad_norms": np.zeros(4)}
    a[replace_name] = replace(a[replace_name])
    return {
        "predict": lambda: net.predict(a["params"], a["X"]),
        "forward_all": lambda: net.forward_all(a["params"], a["X"]),
        "loss_grad": lambda: net.loss_grad(a["params"], a["X"], a["Y"], a["sample_weight"], 0.1),
        "train_epoch": lambda: net.train_epoch(
            a["params"], a["opt_state"], a["rng_state"], a["X"], a["Y"], a["sample_weight"], 5,
            True, "sgd", 0.1, grad_norms=a["grad_norms"]),
    }[method]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("method, argument", [(m, a) for a, methods in NETWORK_ARRAYS.items()
                                              for m in methods])
def test_network_refuses_non_contiguous_or_wrongly_typed_arrays(method, argument, dtype):
    with pytest.raises(ValueError, match="contiguous"):
        network_call(method, dtype, argument, strided)()
    with pytest.raises(ValueError, match="dtype"):
        network_call(method, dtype, argument, lambda a: a.astype(np.int16))()


def malformed_csr(kind):
    """A (2, 3) CSR matrix whose arrays SciPy accepts without a full check."""
    data, indices, indptr = np.ones(2), np.array([0, 2]), np.array([0, 1, 2])
    if kind == "column out of range":
        indices = np.array([0, 1000000])
    elif kind == "negative column":
        indices = np.array([0, -1])
    else:
        X = sp.csr_matrix((data, indices, indptr), shape=(2, 3))
        X.indptr = {"decreasing indptr": np.array([0, 2, 1]),
                    "indptr past the data": np.array([0, 1, 5])}[kind]
        return X
    return sp.csr_matrix((data, indices, indptr), shape=(2, 3))


@pytest.mark.parametrize("kind", ["column out of range", "negative column",
                                  "decreasing indptr", "indptr past the data"])
@pytest.mark.parametrize("method", NETWORK_METHODS)
def test_network_refuses_malformed_csr_input_instead_of_reading_out_of_bounds(method, kind):
    net = _core.Network([3, 2], ["identity"], "squared_error", np.float64, 4)
    params, X, Y = np.zeros(net.n_params), malformed_csr(kind), np.zeros((2, 2))
    call = {
        "predict": lambda: net.predict(params, X),
        "forward_all": lambda: net.forward_all(params, X),
        "loss_grad": lambda: net.loss_grad(params, X, Y, None, 0.0),
        "train_epoch": lambda: net.train_epoch(params, np.zeros(net.n_params),
                                               _core.seed_state(0), X, Y, None, 2, True,
                                               "sgd", 0.1),
    }[method]
    with pytest.raises(ValueError, match="CSR"):
        call()


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("B", [0, 3])
def test_softmax_over_zero_units_is_refused(dtype, B):
    e = lambda *shape: np.zeros(shape, dtype)  # noqa: E731
    with pytest.raises(ValueError, match="softmax needs at least one unit"):
        _core.activation_forward(e(B, 0), e(B, 0), e(0), "softmax")
    with pytest.raises(ValueError, match="softmax needs at least one unit"):
        _core.dense_forward(e(B, 0), e(B, 0), e(B, 2), e(2, 0), e(0), "softmax")
    with pytest.raises(ValueError, match="softmax needs at least one unit"):
        _core.output_loss(e(B, 0), e(B, 0), e(B, 0), e(B, 0), None, "log_loss", 1.0)
    with pytest.raises(ValueError, match="softmax needs at least one unit"):
        _core.Network([3, 0], ["softmax"], "log_loss", dtype, 4)


@pytest.mark.parametrize("dtype", DTYPES)
def test_empty_batches_networks_and_orders_are_refused(dtype):
    net = _core.Network([3, 2], ["identity"], "squared_error", dtype, 4)
    params, X, Y = np.zeros(net.n_params, dtype), np.zeros((4, 3), dtype), np.zeros((4, 2), dtype)
    for batch_size in [0, 5]:
        with pytest.raises(ValueError, match=r"batch_size must be in \[1, capacity\]"):
            net.train_epoch(params, np.zeros(net.n_params, dtype), _core.seed_state(0), X, Y,
                            None, batch_size, False, "sgd", 0.1)
    for units in [[], [3]]:
        with pytest.raises(ValueError, match="one activation per weight layer"):
            _core.Network(units, [], "squared_error", dtype, 4)
    with pytest.raises(ValueError, match="one entry per row"):
        _core.perceptron_epoch(np.zeros((1, 3), dtype), np.zeros(1, dtype), X,
                               np.zeros((4, 1), dtype), np.arange(0, dtype=np.uintp), 1.0)
