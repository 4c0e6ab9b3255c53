"""The C kernels of nnfast._core, each held against a NumPy reference.

Every kernel runs in float32 and float64. References are computed in float64 from
the very inputs the kernel saw, so a tolerance only has to absorb the kernel's own
rounding: about 1e-5 relative for float32 on O(1) data, 1e-12 for float64.
Alphas, betas and learning rates are chosen exactly representable in float32, so the
C core's cast of them to float changes nothing.
"""

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose, assert_array_equal
from scipy.special import expit, softmax, xlogy

from numpy_reference import BETA_1, BETA_2, EPSILON, MOMENTUM, simulate_epoch
from nnfast import _core

DTYPES = [np.float32, np.float64]
RTOL = {np.float32: 1e-5, np.float64: 1e-12}
ATOL = {np.float32: 1e-5, np.float64: 1e-12}

# Few, reproducible examples; no example database written into the tree.
FEW_EXAMPLES = settings(max_examples=30, deadline=None, database=None, derandomize=True)


def tol(dtype):
    kind = np.dtype(dtype).type
    return {"rtol": RTOL[kind], "atol": ATOL[kind]}


def rtol(dtype):
    return RTOL[np.dtype(dtype).type]


def dtype_name(dtype):
    return np.dtype(dtype).name


# ---------------------------------------------------------------- gemm

GEMM_IMPLS = {"blas": False, "reference": True}


def run_gemm_check(dtype, impl, M, N, K, trans_a, trans_b, alpha, beta, seed=0,
                   nan_in_c=False):
    """Run one gemm and assert it is within a forward-error bound of NumPy.

    The bound is rtol * (|alpha| |op(a)| @ |op(b)| + |beta| |c|): the size of the
    terms summed, which is what floating-point error scales with.
    """
    rng = np.random.default_rng(seed)
    a = rng.uniform(-1, 1, (K, M) if trans_a else (M, K)).astype(dtype)
    b = rng.uniform(-1, 1, (N, K) if trans_b else (K, N)).astype(dtype)
    c = np.full((M, N), np.nan, dtype) if nan_in_c else rng.uniform(-1, 1, (M, N)).astype(dtype)
    A = (a.T if trans_a else a).astype(np.float64)
    B = (b.T if trans_b else b).astype(np.float64)
    expected = alpha * (A @ B)
    bound = abs(alpha) * (np.abs(A) @ np.abs(B))
    if beta != 0:
        expected = expected + beta * c.astype(np.float64)
        bound = bound + abs(beta) * np.abs(c.astype(np.float64))

    got = c.copy()
    _core.gemm(got, a, b, trans_a, trans_b, alpha, beta, reference=GEMM_IMPLS[impl])

    err = np.abs(got.astype(np.float64) - expected)
    limit = rtol(dtype) * bound + 1e-30
    where = f"{impl} gemm {dtype_name(dtype)} trans_a={trans_a} trans_b={trans_b} " \
            f"M,N,K={M},{N},{K} alpha={alpha} beta={beta}"
    assert np.all(np.isfinite(got)), f"{where}: non-finite entries in c"
    if err.size == 0:
        return
    worst = tuple(int(i) for i in np.unravel_index(np.argmax(err - limit), err.shape))
    assert np.all(err <= limit), (
        f"{where}: c{list(worst)} = {float(got[worst])!r}, NumPy gives "
        f"{float(expected[worst])!r} (error {err[worst]:.3g} > bound {limit[worst]:.3g})")


# One row with N >= 100 and N*K >= 10^4 goes through BLAS's gemv: (1, 130, 90).
GEMM_SHAPES = [(1, 1, 1), (1, 9, 4), (9, 1, 4), (5, 6, 1), (1, 1, 30), (37, 53, 19),
               (1, 130, 90)]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("impl", GEMM_IMPLS)
@pytest.mark.parametrize("trans_a", [False, True])
@pytest.mark.parametrize("trans_b", [False, True])
@pytest.mark.parametrize("M,N,K", GEMM_SHAPES)
def test_gemm_matches_numpy_for_every_transpose_and_odd_shape(dtype, impl, trans_a, trans_b,
                                                              M, N, K):
    run_gemm_check(dtype, impl, M, N, K, trans_a, trans_b, alpha=-0.5, beta=0.75)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("impl", GEMM_IMPLS)
@pytest.mark.parametrize("alpha", [1.0, -0.5, 2.5])
@pytest.mark.parametrize("beta", [0.0, 1.0, -2.0])
def test_gemm_scales_product_by_alpha_and_c_by_beta(dtype, impl, alpha, beta):
    run_gemm_check(dtype, impl, 7, 5, 3, True, False, alpha, beta, seed=1)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("impl", GEMM_IMPLS)
@pytest.mark.parametrize("trans_a", [False, True])
@pytest.mark.parametrize("trans_b", [False, True])
@pytest.mark.parametrize("M,N,K", [(6, 4, 5), (1, 130, 90)])
def test_gemm_with_beta_zero_ignores_nan_garbage_in_c(dtype, impl, trans_a, trans_b, M, N, K):
    run_gemm_check(dtype, impl, M, N, K, trans_a, trans_b, alpha=1.0, beta=0.0, seed=2,
                   nan_in_c=True)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("impl", GEMM_IMPLS)
def test_gemm_with_empty_inner_dimension_only_scales_c(dtype, impl):
    run_gemm_check(dtype, impl, 3, 4, 0, False, False, alpha=2.5, beta=-2.0, seed=3)
    run_gemm_check(dtype, impl, 3, 4, 0, True, True, alpha=1.0, beta=0.0, seed=3,
                   nan_in_c=True)


@FEW_EXAMPLES
@given(dtype=st.sampled_from(DTYPES), impl=st.sampled_from(list(GEMM_IMPLS)),
       M=st.integers(1, 40), N=st.integers(1, 40), K=st.integers(1, 40),
       trans_a=st.booleans(), trans_b=st.booleans(),
       alpha=st.sampled_from([1.0, -1.0, 0.5, 3.0]),
       beta=st.sampled_from([0.0, 1.0, -0.25]), nan_in_c=st.booleans(),
       seed=st.integers(0, 2**32 - 1))
def test_gemm_matches_numpy_on_random_shapes(dtype, impl, M, N, K, trans_a, trans_b, alpha,
                                             beta, nan_in_c, seed):
    run_gemm_check(dtype, impl, M, N, K, trans_a, trans_b, alpha, beta, seed,
                   nan_in_c=nan_in_c and beta == 0)


# ---------------------------------------------------------------- activations

def activation_reference(act, z):
    """act applied to float64 z, as scikit-learn's ACTIVATIONS define it."""
    return {
        "identity": lambda: z.copy(),
        "logistic": lambda: expit(z),
        "tanh": lambda: np.tanh(z),
        "relu": lambda: np.maximum(z, 0),
        "exp": lambda: np.exp(z),
        "softmax": lambda: softmax(z, axis=1),
    }[act]()


def derivative_reference(act, z):
    """d act / dz at float64 z (relu: 0 at the kink, as scikit-learn)."""
    return {
        "identity": lambda: np.ones_like(z),
        "logistic": lambda: expit(z) * (1 - expit(z)),
        "tanh": lambda: 1 - np.tanh(z) ** 2,
        "relu": lambda: (z > 0).astype(np.float64),
        "exp": lambda: np.exp(z),
    }[act]()


FORWARD_ACTS = ["identity", "logistic", "tanh", "relu", "exp", "softmax"]
BACKWARD_ACTS = ["identity", "logistic", "tanh", "relu", "exp"]


def run_activation_forward_check(dtype, act, B, OC, with_bias, in_place, seed):
    rng = np.random.default_rng(seed)
    z = rng.uniform(-4, 4, (B, OC)).astype(dtype)
    bias = rng.uniform(-1, 1, OC).astype(dtype) if with_bias else np.empty(0, dtype)
    z_biased = z + bias if with_bias else z.copy()  # same float addition as the kernel
    expected = activation_reference(act, z_biased.astype(np.float64))

    a = z if in_place else np.full((B, OC), np.nan, dtype)
    _core.activation_forward(a, z, bias, act)

    where = f"{act} {dtype_name(dtype)} B,OC={B},{OC} bias={with_bias} in_place={in_place}"
    if not in_place:
        assert_array_equal(z, z_biased, err_msg=f"{where}: z after the call is not z + bias")
    assert_allclose(a, expected, **tol(dtype), err_msg=f"{where}: a differs from NumPy")


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("act", FORWARD_ACTS)
@pytest.mark.parametrize("with_bias", [False, True])
@pytest.mark.parametrize("in_place", [False, True])
def test_activation_forward_adds_bias_and_applies_activation(dtype, act, with_bias, in_place):
    run_activation_forward_check(dtype, act, 3, 4, with_bias, in_place, seed=4)


@FEW_EXAMPLES
@given(dtype=st.sampled_from(DTYPES), act=st.sampled_from(FORWARD_ACTS),
       B=st.integers(1, 12), OC=st.integers(1, 12), with_bias=st.booleans(),
       in_place=st.booleans(), seed=st.integers(0, 2**32 - 1))
def test_activation_forward_matches_numpy_on_random_shapes(dtype, act, B, OC, with_bias,
                                                          in_place, seed):
    run_activation_forward_check(dtype, act, B, OC, with_bias, in_place, seed)


@pytest.mark.parametrize("dtype", DTYPES)
def test_logistic_does_not_overflow_for_huge_inputs(dtype):
    z = np.array([[-1000.0, 1000.0, -100.0, 100.0, 0.0]], dtype)
    a = np.empty_like(z)
    with np.errstate(all="raise"):
        _core.activation_forward(a, z, np.empty(0, dtype), "logistic")
    assert np.all(np.isfinite(a)), f"logistic gave non-finite values {a}"
    assert a[0, 0] == 0 and a[0, 1] == 1, f"logistic(-1000), logistic(1000) = {a[0, :2]}"
    assert_allclose(a[0, 2:], expit(z[0, 2:].astype(np.float64)), **tol(dtype))


@pytest.mark.parametrize("dtype", DTYPES)
def test_softmax_is_stable_for_large_logits_and_rows_sum_to_one(dtype):
    z = np.array([[1000.0, 1001.0, 1002.0],
                  [-1000.0, 0.0, 1000.0],
                  [-5000.0, -5000.0, -5000.0],
                  [88.0, 89.0, -89.0]], dtype)
    shifted = z.astype(np.float64) - z.astype(np.float64).max(axis=1, keepdims=True)
    expected = np.exp(shifted) / np.exp(shifted).sum(axis=1, keepdims=True)
    p = np.empty_like(z)
    _core.activation_forward(p, z, np.empty(0, dtype), "softmax")
    assert np.all(np.isfinite(p)), f"softmax of large logits gave non-finite values:\n{p}"
    assert_allclose(p, expected, **tol(dtype), err_msg="softmax of large logits")
    assert_allclose(p.sum(axis=1), 1, **tol(dtype), err_msg="softmax rows do not sum to 1")


def run_activation_backward_check(dtype, act, n, seed):
    rng = np.random.default_rng(seed)
    z = rng.uniform(-3, 3, n).astype(dtype)
    if act == "relu":
        z[::4] = 0  # the kink itself: derivative 0, as in scikit-learn
    z64 = z.astype(np.float64)
    a = activation_reference(act, z64).astype(dtype)
    delta = rng.normal(size=n).astype(dtype)
    expected = delta.astype(np.float64) * derivative_reference(act, z64)

    got = delta.copy()
    _core.activation_backward(got, z, a, act)
    assert_allclose(got, expected, **tol(dtype),
                    err_msg=f"{act} {dtype_name(dtype)} n={n}: delta * act'(z) differs")


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("act", BACKWARD_ACTS)
def test_activation_backward_multiplies_delta_by_derivative(dtype, act):
    run_activation_backward_check(dtype, act, 17, seed=5)


@FEW_EXAMPLES
@given(dtype=st.sampled_from(DTYPES), act=st.sampled_from(BACKWARD_ACTS),
       n=st.integers(1, 60), seed=st.integers(0, 2**32 - 1))
def test_activation_backward_matches_derivative_on_random_sizes(dtype, act, n, seed):
    run_activation_backward_check(dtype, act, n, seed)


@pytest.mark.parametrize("dtype", DTYPES)
def test_activation_backward_rejects_softmax(dtype):
    x = np.ones(3, dtype)
    with pytest.raises(ValueError):
        _core.activation_backward(x, x.copy(), x.copy(), "softmax")


# ---------------------------------------------------------------- losses

# NumPy copies of scikit-learn's definitions (sklearn/neural_network/_base.py).

def sk_squared_loss(y_true, y_pred, sample_weight=None):
    return 0.5 * np.average((y_true - y_pred) ** 2, weights=sample_weight, axis=0).mean()


def sk_poisson_loss(y_true, y_pred, sample_weight=None):
    return np.average(xlogy(y_true, y_true / y_pred) - y_true + y_pred,
                      weights=sample_weight, axis=0).sum()


def sk_log_loss(y_true, y_prob, sample_weight=None, eps=None):
    eps = np.finfo(y_prob.dtype).eps if eps is None else eps
    y_prob = np.clip(y_prob, eps, 1 - eps)
    return -np.average(xlogy(y_true, y_prob), weights=sample_weight, axis=0).sum()


def sk_binary_log_loss(y_true, y_prob, sample_weight=None, eps=None):
    eps = np.finfo(y_prob.dtype).eps if eps is None else eps
    y_prob = np.clip(y_prob, eps, 1 - eps)
    return -np.average(xlogy(y_true, y_prob) + xlogy(1 - y_true, 1 - y_prob),
                       weights=sample_weight, axis=0).sum()


LOSS_TABLE = {  # loss: (output activation, scikit-learn loss)
    "squared_error": ("identity", sk_squared_loss),
    "poisson": ("exp", sk_poisson_loss),
    "log_loss": ("softmax", sk_log_loss),
    "binary_log_loss": ("logistic", sk_binary_log_loss),
}


def unnormalised_sk_loss(loss, y, p, sw, eps=None):
    """sum_i w_i loss_i: scikit-learn's weighted mean times sum(w) (and times the
    number of outputs for squared error, whose scikit-learn loss also averages
    over outputs)."""
    fn = LOSS_TABLE[loss][1]
    kwargs = {} if eps is None or loss in ("squared_error", "poisson") else {"eps": eps}
    w_sum = len(y) if sw is None else sw.sum()
    value = fn(y, p, sw, **kwargs) * w_sum
    return value * y.shape[1] if loss == "squared_error" else value


def make_targets(loss, rng, B, O):
    if loss == "squared_error":
        return rng.normal(size=(B, O))
    if loss == "poisson":
        return rng.poisson(1.5, size=(B, O)).astype(np.float64)
    if loss == "log_loss":
        return np.eye(O)[rng.integers(0, O, B)]
    return rng.integers(0, 2, (B, O)).astype(np.float64)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("loss", list(LOSS_TABLE))
@pytest.mark.parametrize("weighted", [False, True])
def test_output_loss_matches_scikit_learn_loss_and_delta(dtype, loss, weighted):
    rng = np.random.default_rng(6)
    B, O, scale = 7, 3, 0.375
    z = rng.uniform(-2, 2, (B, O)).astype(dtype)
    y = make_targets(loss, rng, B, O).astype(dtype)
    sw = rng.uniform(0.5, 2, B).astype(dtype) if weighted else None
    z64, y64 = z.astype(np.float64), y.astype(np.float64)
    sw64 = None if sw is None else sw.astype(np.float64)
    p_expected = activation_reference(LOSS_TABLE[loss][0], z64)
    loss_expected = unnormalised_sk_loss(loss, y64, p_expected, sw64)
    w = np.ones(B) if sw is None else sw64
    delta_expected = (p_expected - y64) * w[:, None] * scale

    z_before = z.copy()
    p = np.full((B, O), np.nan, dtype)
    delta = np.full((B, O), np.nan, dtype)
    got = _core.output_loss(delta, p, z, y, sw, loss, scale)

    where = f"{loss} {dtype_name(dtype)} weighted={weighted}"
    assert_array_equal(z, z_before, err_msg=f"{where}: z was modified")
    assert_allclose(p, p_expected, **tol(dtype), err_msg=f"{where}: output activation")
    assert got == pytest.approx(loss_expected, rel=rtol(dtype)), (
        f"{where}: loss sum {got!r}, scikit-learn's definition gives {loss_expected!r}")
    assert_allclose(delta, delta_expected, **tol(dtype),
                    err_msg=f"{where}: delta differs from (p - y) * w * delta_scale")




@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("loss", [
    "squared_error",
    "poisson",
    "log_loss",
    "binary_log_loss",
])
def test_output_loss_with_p_aliasing_z_equals_out_of_place(dtype, loss):
    rng = np.random.default_rng(7)
    B, O = 5, 3
    z = rng.uniform(-2, 2, (B, O)).astype(dtype)
    y = make_targets(loss, rng, B, O).astype(dtype)
    sw = rng.uniform(0.5, 2, B).astype(dtype)
    p_sep, d_sep = np.empty_like(z), np.empty_like(z)
    expected = _core.output_loss(d_sep, p_sep, z, y, sw, loss, 0.5)
    z_alias, d_alias = z.copy(), np.empty_like(z)
    got = _core.output_loss(d_alias, z_alias, z_alias, y, sw, loss, 0.5)
    assert got == pytest.approx(expected, rel=rtol(dtype)), (
        f"{loss}: loss sum {got!r} with p aliasing z, {expected!r} with separate p")
    assert_array_equal(z_alias, p_sep, err_msg=f"{loss}: p differs when aliasing z")
    assert_array_equal(d_alias, d_sep, err_msg=f"{loss}: delta differs when p aliases z")


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("loss", ["log_loss", "binary_log_loss"])
def test_log_losses_clip_confident_mistakes_like_scikit_learn(dtype, loss):
    z = np.array([[1000.0, 0.0, -1000.0], [-1000.0, 1000.0, 0.0]], dtype)
    y = np.array([[0.0, 0.0, 1.0], [1.0, 0.0, 0.0]], dtype)
    p, delta = np.empty_like(z), np.empty_like(z)
    got = _core.output_loss(delta, p, z, y, None, loss, 1.0)
    eps = np.finfo(dtype).eps
    p_expected = activation_reference(LOSS_TABLE[loss][0], z.astype(np.float64))
    expected = unnormalised_sk_loss(loss, y.astype(np.float64), p_expected, None, eps=eps)
    assert np.isfinite(got), f"{loss}: confident mistakes gave loss {got}"
    assert got == pytest.approx(expected, rel=1e-6), (
        f"{loss}: loss {got!r}, scikit-learn's clipped definition gives {expected!r}")
    assert np.all(np.isfinite(delta)), f"{loss}: non-finite delta {delta}"


@pytest.mark.parametrize("dtype", DTYPES)
def test_binary_log_loss_takes_soft_targets(dtype):
    # Targets of 0 or 1 take one log per output, others both: mix the two kinds.
    rng = np.random.default_rng(11)
    B, O = 9, 2
    z = rng.uniform(-3, 3, (B, O)).astype(dtype)
    y = rng.uniform(0, 1, (B, O))
    y[::3, 0] = 1.0
    y[1::3, 1] = 0.0
    y = y.astype(dtype)
    p, delta = np.empty_like(z), np.empty_like(z)
    got = _core.output_loss(delta, p, z, y, None, "binary_log_loss", 0.5)
    p_expected = activation_reference("logistic", z.astype(np.float64))
    expected = unnormalised_sk_loss("binary_log_loss", y.astype(np.float64), p_expected, None)
    assert got == pytest.approx(expected, rel=rtol(dtype)), (
        f"soft targets: loss sum {got!r}, scikit-learn's definition gives {expected!r}")
    assert_allclose(delta, (p_expected - y) * 0.5, **tol(dtype))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("O", [1, 3])
def test_binary_log_loss_of_many_rows_is_the_sum_of_each_row_alone(dtype, O):
    # The elements are taken in chunks of 256 (rows of 3 outputs straddle them);
    # each row's loss and delta must still be what that row gives on its own,
    # and the sum is taken row after row in order: equal to the bit.
    rng = np.random.default_rng(13)
    B = 301
    z = rng.uniform(-4, 4, (B, O)).astype(dtype)
    y = rng.integers(0, 2, (B, O)).astype(np.float64)
    y[::7] = rng.uniform(0, 1, (len(y[::7]), O))
    y = y.astype(dtype)
    sw = rng.uniform(0.5, 2, B).astype(dtype)
    p, delta = np.empty_like(z), np.empty_like(z)
    got = _core.output_loss(delta, p, z, y, sw, "binary_log_loss", 0.25)
    total = 0.0
    for i in range(B):
        p_i, d_i = np.empty((1, O), dtype), np.empty((1, O), dtype)
        total += _core.output_loss(d_i, p_i, z[i:i + 1], y[i:i + 1], sw[i:i + 1],
                                   "binary_log_loss", 0.25)
        assert_array_equal(p[i], p_i[0], err_msg=f"row {i}: p differs from the row alone")
        assert_array_equal(delta[i], d_i[0], err_msg=f"row {i}: delta differs")
    assert got == total, f"loss sum {got!r} of {B} rows, {total!r} row by row"
    p_expected = activation_reference("logistic", z.astype(np.float64))
    expected = unnormalised_sk_loss("binary_log_loss", y.astype(np.float64), p_expected,
                                    sw.astype(np.float64))
    assert got == pytest.approx(expected, rel=rtol(dtype))


@pytest.mark.parametrize("dtype", DTYPES)
def test_binary_log_loss_output_is_the_logistic_activation_bit_for_bit(dtype):
    # The loss computes its own logistic; predict uses activation_forward's.
    # They must agree exactly, or a fit's loss and its predictions disagree.
    rng = np.random.default_rng(12)
    z = np.concatenate([rng.uniform(-30, 30, 500), [0.0, -0.0, 1e-30, -1e-30, 88.0, -88.0,
                                                     1000.0, -1000.0]]).astype(dtype)
    z = z.reshape(-1, 2)
    y = rng.integers(0, 2, z.shape).astype(dtype)
    p, delta = np.empty_like(z), np.empty_like(z)
    _core.output_loss(delta, p, z, y, None, "binary_log_loss", 1.0)
    a = np.empty_like(z)
    _core.activation_forward(a, z.copy(), np.empty(0, dtype), "logistic")
    assert_array_equal(p, a, err_msg="binary_log_loss's output differs from the logistic")


# ---------------------------------------------------------------- dense layers

# (1, 120, 110): one row, its products through gemv; (40, 9, 7): dinp through a
# transposed copy of w (32 rows or more, up to 10^6 multiply-adds).
DENSE_SHAPES = [(1, 1, 1), (6, 5, 4), (13, 1, 7), (2, 9, 1), (1, 120, 110), (40, 9, 7)]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("act", ["identity", "logistic", "tanh", "relu", "softmax"])
@pytest.mark.parametrize("with_bias", [False, True])
@pytest.mark.parametrize("B,C,OC", DENSE_SHAPES)
def test_dense_forward_is_affine_map_then_activation(dtype, act, with_bias, B, C, OC):
    rng = np.random.default_rng(8)
    inp = rng.uniform(-1, 1, (B, C)).astype(dtype)
    w = rng.uniform(-1, 1, (C, OC)).astype(dtype)
    b = rng.uniform(-1, 1, OC).astype(dtype) if with_bias else np.empty(0, dtype)
    z_expected = inp.astype(np.float64) @ w.astype(np.float64)
    if with_bias:
        z_expected += b
    a_expected = activation_reference(act, z_expected)

    z = np.full((B, OC), np.nan, dtype)  # overwritten, not accumulated
    a = np.full((B, OC), np.nan, dtype)
    _core.dense_forward(z, a, inp, w, b, act)

    where = f"{act} {dtype_name(dtype)} bias={with_bias} B,C,OC={B},{C},{OC}"
    assert_allclose(z, z_expected, **tol(dtype), err_msg=f"{where}: z = inp @ w + b")
    assert_allclose(a, a_expected, **tol(dtype), err_msg=f"{where}: a = act(z)")


# dinp goes through BLAS's transposed operand above 10^6 multiply-adds: (3, 600, 600).
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("with_dinp", [True, False])
@pytest.mark.parametrize("B,C,OC", DENSE_SHAPES + [(3, 600, 600)])
def test_dense_backward_accumulates_dw_db_and_overwrites_dinp(dtype, with_dinp, B, C, OC):
    rng = np.random.default_rng(9)
    dout = rng.uniform(-1, 1, (B, OC)).astype(dtype)
    inp = rng.uniform(-1, 1, (B, C)).astype(dtype)
    w = rng.uniform(-1, 1, (C, OC)).astype(dtype)
    dw0 = rng.uniform(-1, 1, (C, OC)).astype(dtype)
    db0 = rng.uniform(-1, 1, OC).astype(dtype)
    f64 = np.float64
    dw_expected = dw0.astype(f64) + inp.astype(f64).T @ dout.astype(f64)
    db_expected = db0.astype(f64) + dout.astype(f64).sum(axis=0)
    dinp_expected = dout.astype(f64) @ w.astype(f64).T

    dw, db = dw0.copy(), db0.copy()
    dinp = np.full((B, C), np.nan, dtype) if with_dinp else None
    _core.dense_backward(dinp, dw, db, dout, inp, w)

    where = f"{dtype_name(dtype)} B,C,OC={B},{C},{OC} dinp={'array' if with_dinp else None}"
    assert_allclose(dw, dw_expected, **tol(dtype), err_msg=f"{where}: dw != dw0 + inp^T dout")
    assert_allclose(db, db_expected, **tol(dtype), err_msg=f"{where}: db != db0 + colsum(dout)")
    if with_dinp:
        assert_allclose(dinp, dinp_expected, **tol(dtype),
                        err_msg=f"{where}: dinp != dout @ w^T")


# ---------------------------------------------------------------- optimizers

P, N_DECAY = 12, 7


def optimizer_inputs(dtype, seed):
    rng = np.random.default_rng(seed)
    params = rng.uniform(-1, 1, P).astype(dtype)
    grad = rng.uniform(-1, 1, P).astype(dtype)
    return rng, params, grad


def with_l2(grad, params, l2, n_decay):
    """scikit-learn adds alpha * coef / n to the gradient of the weights only."""
    g = grad.astype(np.float64).copy()
    g[:n_decay] += l2 * params.astype(np.float64)[:n_decay]
    return g


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("momentum", [0.0, 0.875])
@pytest.mark.parametrize("nesterov", [False, True])
@pytest.mark.parametrize("n_decay", [0, N_DECAY, P])
def test_sgd_step_follows_scikit_learn_update_with_l2_on_weights(dtype, momentum, nesterov,
                                                                 n_decay):
    rng, params, grad = optimizer_inputs(dtype, 10)
    velocity = rng.uniform(-0.1, 0.1, P).astype(dtype)
    lr, l2 = 0.125, 0.0625
    g = with_l2(grad, params, l2, n_decay)
    v_expected = momentum * velocity.astype(np.float64) - lr * g  # SGDOptimizer._get_updates
    update = momentum * v_expected - lr * g if nesterov else v_expected
    p_expected = params.astype(np.float64) + update
    sumsq_expected = np.sum(params.astype(np.float64)[:n_decay] ** 2)

    sumsq = _core.sgd_step(params, velocity, grad, lr, momentum, nesterov, l2, n_decay)

    where = f"sgd {dtype_name(dtype)} momentum={momentum} nesterov={nesterov} n_decay={n_decay}"
    assert sumsq == pytest.approx(sumsq_expected, rel=1e-12, abs=0), (
        f"{where}: returned sum of squares {sumsq!r}, expected {sumsq_expected!r} "
        "(first n_decay params before the step)")
    assert_allclose(velocity, v_expected, **tol(dtype), err_msg=f"{where}: velocity")
    assert_allclose(params, p_expected, **tol(dtype), err_msg=f"{where}: params")


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("n_decay", [0, N_DECAY, P])
def test_adam_steps_follow_scikit_learn_update_with_l2_on_weights(dtype, n_decay):
    rng, params, _ = optimizer_inputs(dtype, 11)
    m = np.zeros(P, dtype)
    v = np.zeros(P, dtype)
    lr, b1, b2, eps, l2 = 0.0625, 0.875, 0.984375, 1e-8, 0.03125
    p_ref, m_ref, v_ref = params.astype(np.float64), np.zeros(P), np.zeros(P)
    where = f"adam {dtype_name(dtype)} n_decay={n_decay}"
    for t in range(1, 5):
        grad = rng.uniform(-1, 1, P).astype(dtype)
        # AdamOptimizer._get_updates, with the L2 term folded into the gradient
        g = with_l2(grad, p_ref, l2, n_decay)
        sumsq_expected = np.sum(p_ref[:n_decay] ** 2)
        m_ref = b1 * m_ref + (1 - b1) * g
        v_ref = b2 * v_ref + (1 - b2) * g**2
        step = lr * np.sqrt(1 - b2**t) / (1 - b1**t)
        p_ref = p_ref - step * m_ref / (np.sqrt(v_ref) + eps)

        sumsq = _core.adam_step(params, m, v, grad, lr, b1, b2, eps, t, l2, n_decay)

        assert sumsq == pytest.approx(sumsq_expected, rel=max(rtol(dtype), 1e-12), abs=0), (
            f"{where} t={t}: returned sum of squares {sumsq!r}, expected {sumsq_expected!r}")
        assert_allclose(m, m_ref, **tol(dtype), err_msg=f"{where} t={t}: first moment")
        assert_allclose(v, v_ref, **tol(dtype), err_msg=f"{where} t={t}: second moment")
        assert_allclose(params, p_ref, **tol(dtype), err_msg=f"{where} t={t}: params")


# ---------------------------------------------------------------- random numbers

def test_shuffle_indices_returns_a_permutation():
    for n in [0, 1, 2, 17, 1000]:
        perm = _core.shuffle_indices(n, _core.seed_state(3))
        assert perm.shape == (n,), f"n={n}: shape {perm.shape}"
        assert_array_equal(np.sort(perm), np.arange(n), err_msg=f"n={n}: not a permutation")


def test_shuffle_indices_is_reproducible_from_the_seed_state():
    first = _core.shuffle_indices(50, _core.seed_state(42))
    second = _core.shuffle_indices(50, _core.seed_state(42))
    assert_array_equal(first, second, err_msg="same seed state, different permutations")
    assert not np.array_equal(first, np.arange(50)), "shuffle left 50 indices in order"


def test_shuffle_indices_differs_between_seeds_and_advances_the_state():
    perms = {tuple(_core.shuffle_indices(50, _core.seed_state(s))) for s in range(5)}
    assert len(perms) == 5, f"5 seeds gave only {len(perms)} distinct permutations"
    state = _core.seed_state(42)
    first = _core.shuffle_indices(50, state)
    again = _core.shuffle_indices(50, state)
    assert not np.array_equal(first, again), "the state did not advance between shuffles"


def test_shuffle_indices_draws_every_ordering_equally_often():
    state = _core.seed_state(7)
    n_draws = 6000
    counts = {}
    for _ in range(n_draws):
        key = tuple(_core.shuffle_indices(3, state))
        counts[key] = counts.get(key, 0) + 1
    assert len(counts) == 6, f"only {len(counts)} of the 6 orderings of 3 items drawn"
    expected = n_draws / 6
    chi2 = sum((c - expected) ** 2 / expected for c in counts.values())
    # 5 degrees of freedom: P(chi2 > 25) < 2e-4
    assert chi2 < 25, f"orderings drawn unevenly (chi2={chi2:.1f}): {counts}"


# ---------------------------------------------------------------- the network

def make_problem(dtype, n=11, units=(6, 5, 4, 3), seed=12, weighted=True):
    rng = np.random.default_rng(seed)
    X = rng.uniform(-1, 1, (n, units[0]))
    Y = np.eye(units[-1])[rng.integers(0, units[-1], n)]
    sw = rng.uniform(0.5, 2, n) if weighted else None
    n_params = sum(a * b for a, b in zip(units[:-1], units[1:])) + sum(units[1:])
    params = rng.uniform(-0.8, 0.8, n_params)
    cast = (lambda x: None if x is None else np.ascontiguousarray(x, dtype))
    return cast(X), cast(Y), cast(sw), cast(params)


def make_net(dtype, capacity, units=(6, 5, 4, 3), hidden=("relu", "tanh"),
             output=("softmax", "log_loss")):
    return _core.Network(list(units), list(hidden) + [output[0]], output[1], dtype, capacity)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("capacity", [4, 64])
def test_sparse_input_gives_same_predictions_loss_and_gradient_as_dense(dtype, capacity):
    X, Y, sw, params = make_problem(dtype)
    rng = np.random.default_rng(13)
    X[rng.uniform(size=X.shape) < 0.5] = 0
    X[[0, 4, 10]] = 0  # rows without a nonzero, at both ends and in the middle
    X_csr = sp.csr_matrix(X)
    assert np.diff(X_csr.indptr)[[0, 4, 10]].tolist() == [0, 0, 0]
    net = make_net(dtype, capacity)

    assert_allclose(net.predict(params, X_csr), net.predict(params, X), **tol(dtype),
                    err_msg=f"capacity={capacity}: CSR predictions differ from dense")
    loss_sparse, grad_sparse = net.loss_grad(params, X_csr, Y, sw, 0.25)
    loss_dense, grad_dense = net.loss_grad(params, X, Y, sw, 0.25)
    assert loss_sparse == pytest.approx(loss_dense, rel=rtol(dtype)), (
        f"capacity={capacity}: CSR loss {loss_sparse!r}, dense loss {loss_dense!r}")
    assert_allclose(grad_sparse, grad_dense, **tol(dtype),
                    err_msg=f"capacity={capacity}: CSR gradient differs from dense")


@pytest.mark.parametrize("dtype", DTYPES)
def test_predict_in_chunks_of_capacity_equals_one_chunk(dtype):
    X, Y, sw, params = make_problem(dtype, n=10)
    small, large = make_net(dtype, 3), make_net(dtype, 100)
    assert_allclose(small.predict(params, X), large.predict(params, X), **tol(dtype),
                    err_msg="predictions with capacity 3 differ from capacity 100")
    loss_small, grad_small = small.loss_grad(params, X, Y, sw, 0.5)
    loss_large, grad_large = large.loss_grad(params, X, Y, sw, 0.5)
    assert loss_small == pytest.approx(loss_large, rel=rtol(dtype)), (
        f"loss with capacity 3 is {loss_small!r}, with capacity 100 {loss_large!r}")
    assert_allclose(grad_small, grad_large, **tol(dtype),
                    err_msg="gradient with capacity 3 differs from capacity 100")


# gelu, silu and softplus keep their derivative from the forward pass for the
# backward (network_impl.h): training and loss_grad take that path, predict does not
@pytest.mark.parametrize("hidden", ["tanh", "gelu", "silu", "softplus"])
@pytest.mark.parametrize("weighted", [False, True])
def test_full_batch_sgd_epoch_without_momentum_is_one_gradient_step(weighted, hidden):
    dtype, n, lr, alpha = np.float64, 9, 0.125, 0.5
    X, _, sw, params = make_problem(dtype, n=n, units=(4, 5, 2), weighted=weighted)
    Y = np.random.default_rng(14).normal(size=(n, 2))
    net = _core.Network([4, 5, 2], [hidden, "identity"], "squared_error", dtype, n)
    loss, grad = net.loss_grad(params, X, Y, sw, alpha)
    expected = params - lr * grad

    stepped, velocity = params.copy(), np.zeros(net.n_params)
    loss_sum, n_seen, n_batches, _ = net.train_epoch(
        stepped, velocity, _core.seed_state(0), X, Y, sw, n, False, "sgd", lr,
        momentum=0.0, nesterov=False, alpha=alpha)

    assert_allclose(stepped, expected, rtol=1e-12, atol=1e-14,
                    err_msg="one full-batch epoch differs from params - lr * loss_grad")
    assert (n_seen, n_batches) == (n, 1), f"saw {n_seen} rows in {n_batches} batches"
    assert loss_sum / n == pytest.approx(loss, rel=1e-12), (
        f"epoch loss {loss_sum / n!r} differs from loss_grad's loss {loss!r} at the start")


@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_shuffled_minibatch_epoch_steps_through_the_drawn_permutation(solver):
    """Simulate the epoch in NumPy: batches in the order shuffle_indices draws from the
    same state, each step from loss_grad on that batch and scikit-learn's optimizer."""
    dtype, n, batch, lr, alpha, t0 = np.float64, 10, 4, 0.0625, 0.25, 3
    X, Y, sw, params = make_problem(dtype, n=n, seed=15)
    net = make_net(dtype, batch)
    P_ = net.n_params
    state = _core.seed_state(99)
    perm = _core.shuffle_indices(n, state.copy())
    p_ref = simulate_epoch(net, params, X, Y, sw, batch, perm, solver, lr, alpha, t0)

    got = params.copy()
    opt_state = np.zeros(P_ * (2 if solver == "adam" else 1))
    rng_state = state.copy()
    _, n_seen, n_batches, t_after = net.train_epoch(
        got, opt_state, rng_state, X, Y, sw, batch, True, solver, lr, momentum=MOMENTUM,
        nesterov=True, beta_1=BETA_1, beta_2=BETA_2, epsilon=EPSILON, alpha=alpha, t=t0)

    assert (n_seen, n_batches) == (n, 3), f"saw {n_seen} rows in {n_batches} batches"
    if solver == "adam":
        assert t_after == t0 + 3, f"adam step count {t_after}, expected {t0 + 3}"
    assert_allclose(got, p_ref, rtol=1e-12, atol=1e-14,
                    err_msg=f"{solver}: shuffled epoch differs from the NumPy simulation")
    advanced = state.copy()
    _core.shuffle_indices(n, advanced)
    assert_array_equal(rng_state, advanced,
                       err_msg="the epoch advanced the generator differently from one shuffle")


def train_three_shuffled_epochs(net, seed, X, Y, sw, params):
    p = params.copy()
    opt_state = np.zeros(2 * net.n_params, net.dtype)
    rng_state = _core.seed_state(seed)
    t = 0
    for _ in range(3):
        _, _, _, t = net.train_epoch(p, opt_state, rng_state, X, Y, sw, 4, True, "adam",
                                     0.01, alpha=1e-3, t=t)
    return p, opt_state, rng_state


@pytest.mark.parametrize("dtype", DTYPES)
def test_shuffled_training_is_bit_identical_for_the_same_seed(dtype):
    X, Y, sw, params = make_problem(dtype, n=13, seed=16)
    first, second, other = (
        train_three_shuffled_epochs(make_net(dtype, 4), seed, X, Y, sw, params)
        for seed in (5, 5, 6))
    for name, a, b in zip(["params", "adam state", "generator state"], first, second):
        assert_array_equal(a, b, err_msg=f"{name} differ between two runs from seed 5")
    assert not np.array_equal(first[0], other[0]), \
        "seeds 5 and 6 trained to the same params: the shuffle had no effect"




@pytest.mark.parametrize("dtype", DTYPES)
def test_reusing_a_network_does_not_change_training_from_the_same_seed(dtype):
    X, Y, sw, params = make_problem(dtype, n=13, seed=16)
    net = make_net(dtype, 4)
    first = train_three_shuffled_epochs(net, 5, X, Y, sw, params)
    second = train_three_shuffled_epochs(net, 5, X, Y, sw, params)
    assert_array_equal(first[0], second[0],
                       err_msg="a second run from seed 5 on the same Network gave other params")
