"""nnfast's own elementary functions (csrc/vmath.h): accuracy, special values,
and results that do not depend on where in an array they are computed.

The functions are reached through ``_core.elementary``, a test hook that runs
them over an array in the same NNF_HOT clone (instruction set) as the activation
loops use in this process, so what is checked here is what a fit computes.
The exhaustive float32 check (every input where the function is neither
constant nor x itself, for the baseline, x86-64-v3 and x86-64-v4 builds) is a C
program, tests/ulp/ulp_check.c, run by .ci/stage-ulp.sh: it takes minutes. Here
a dense sample of it: every 97th float32 bit pattern of each function's range.
"""

import pathlib
import subprocess
import sys

import numpy as np
import pytest
import scipy.special
from numpy.testing import assert_allclose

from nnfast import _core

FUNCTIONS = ["exp", "expm1", "log", "log1p", "tanh", "erf", "logistic", "softplus"]
BOUND = {np.float32: 2.0, np.float64: 4.0}
# (lo, hi) where each function is neither constant nor x itself in float32
RANGE32 = {
    "exp": (-104.0, 89.0), "expm1": (-18.0, 89.0), "log": (0.0, 3.4e38),
    "log1p": (-1.0, 3.4e38), "tanh": (-9.5, 9.5), "erf": (-4.0, 4.0),
    "logistic": (-104.0, 17.0), "softplus": (-104.0, 17.0),
}
RANGE64 = {
    "exp": (-746.0, 710.0), "expm1": (-60.0, 710.0), "log": (0.0, 1e308),
    "log1p": (-1.0, 1e308), "tanh": (-20.0, 20.0), "erf": (-6.5, 6.5),
    "logistic": (-746.0, 40.0), "softplus": (-746.0, 40.0),
}
EXTENDED = np.finfo(np.longdouble).nmant >= 63


def evaluate(name, x):
    y = np.empty_like(x)
    _core.elementary(y, x, name)
    return y


def reference(name, x):
    """name(x) in long double (float64 input) or double (float32 input)."""
    wide = np.longdouble if x.dtype == np.float64 else np.float64
    x = x.astype(wide)
    with np.errstate(all="ignore"):
        if name == "erf":  # SciPy has erf in double only: its own error is < 1 ulp
            return scipy.special.erf(x.astype(np.float64)).astype(wide)
        if name == "logistic":
            e = np.exp(-np.abs(x))
            return np.where(x >= 0, 1 / (1 + e), e / (1 + e))
        if name == "softplus":
            return np.logaddexp(wide(0), x)
        return getattr(np, name)(x)


def ulp_error(y, ref):
    """|y - ref| in units of the last place of y's type at ref."""
    info = np.finfo(y.dtype)
    wide = ref.dtype.type
    _, e = np.frexp(ref)
    exponent = np.maximum(e - info.nmant - 1, info.minexp - info.nmant)
    exponent = np.where(ref == 0, info.minexp - info.nmant, exponent)
    with np.errstate(invalid="ignore", over="ignore"):
        error = np.abs(y.astype(wide) - ref) / np.ldexp(wide(1), exponent)
        # the same value, infinities included, or ref rounds to y's infinity
        same = (y.astype(wide) == ref) | (np.isinf(y) & (ref.astype(y.dtype) == y))
    return np.where(same, 0.0, error)


def float32_sample(lo, hi, stride=97):
    """Every stride-th float32 in [lo, hi], both signs, as bit patterns."""
    def magnitudes(a, b):
        start = np.float32(a).view(np.uint32)
        stop = np.float32(b).view(np.uint32)
        return np.arange(start, stop + 1, stride, dtype=np.uint32).view(np.float32)

    parts = []
    if hi > 0:
        parts.append(magnitudes(max(lo, 0.0), hi))
    if lo < 0:
        parts.append(-magnitudes(max(-hi, 0.0), -lo))
    return np.concatenate(parts)


@pytest.mark.parametrize("name", FUNCTIONS)
def test_float32_dense_sample_within_2_ulp(name):
    x = float32_sample(*RANGE32[name])
    y = evaluate(name, x)
    error = ulp_error(y, reference(name, x))
    worst = int(np.nanargmax(error))
    assert error[worst] <= BOUND[np.float32], (
        f"{name}(float32 {x[worst]!r}) = {y[worst]!r}: {error[worst]:.2f} ulp")
    assert not np.isnan(error).any(), f"{name}: NaN for {x[np.isnan(error)][:5]}"


@pytest.mark.skipif(not EXTENDED, reason="long double is no wider than double here")
@pytest.mark.parametrize("name", FUNCTIONS)
def test_float64_sample_within_4_ulp(name):
    rng = np.random.default_rng(21)
    lo, hi = RANGE64[name]
    bend = rng.uniform(max(lo, -20.0), min(hi, 20.0), 100_000)
    spread = np.exp2(rng.uniform(-60, np.log2(max(abs(lo), abs(hi))), 100_000))
    spread *= rng.choice([-1.0, 1.0], spread.size)
    x = np.concatenate([bend, spread])
    x = x[(x > lo) & (x < hi)]
    y = evaluate(name, x)
    error = ulp_error(y, reference(name, x))
    # scipy's double erf adds up to an ulp of its own
    bound = BOUND[np.float64] + (1.0 if name == "erf" else 0.0)
    worst = int(np.argmax(error))
    assert error[worst] <= bound, (
        f"{name}(float64 {x[worst]!r}) = {y[worst]!r}: {float(error[worst]):.2f} ulp")


# (function, input, expected) exactly as libm (NaN: any NaN)
SPECIAL = [
    ("exp", np.inf, np.inf), ("exp", -np.inf, 0.0), ("exp", 1000.0, np.inf),
    ("exp", -1000.0, 0.0), ("exp", 0.0, 1.0), ("exp", -0.0, 1.0),
    ("expm1", np.inf, np.inf), ("expm1", -np.inf, -1.0), ("expm1", -1000.0, -1.0),
    ("expm1", 1000.0, np.inf), ("expm1", -0.0, -0.0), ("expm1", 0.0, 0.0),
    ("log", 0.0, -np.inf), ("log", -0.0, -np.inf), ("log", -1.0, np.nan),
    ("log", np.inf, np.inf), ("log", -np.inf, np.nan), ("log", 1.0, 0.0),
    ("log1p", -1.0, -np.inf), ("log1p", -2.0, np.nan), ("log1p", np.inf, np.inf),
    ("log1p", -0.0, -0.0), ("log1p", 0.0, 0.0),
    ("tanh", np.inf, 1.0), ("tanh", -np.inf, -1.0), ("tanh", 30.0, 1.0),
    ("tanh", -30.0, -1.0), ("tanh", -0.0, -0.0), ("tanh", 0.0, 0.0),
    ("erf", np.inf, 1.0), ("erf", -np.inf, -1.0), ("erf", 10.0, 1.0),
    ("erf", -10.0, -1.0), ("erf", -0.0, -0.0), ("erf", 0.0, 0.0),
    ("logistic", np.inf, 1.0), ("logistic", -np.inf, 0.0), ("logistic", 40.0, 1.0),
    ("logistic", 1000.0, 1.0), ("logistic", -1000.0, 0.0), ("logistic", 0.0, 0.5),
    ("logistic", -0.0, 0.5),
    ("softplus", np.inf, np.inf), ("softplus", -np.inf, 0.0), ("softplus", -1000.0, 0.0),
    ("softplus", 40.0, 40.0), ("softplus", 1000.0, 1000.0), ("softplus", 1e30, 1e30),
] + [(name, np.nan, np.nan) for name in FUNCTIONS]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name, x, expected", SPECIAL)
def test_special_values_as_libm(name, x, expected, dtype):
    got = evaluate(name, np.array([x], dtype=dtype))[0]
    if np.isnan(expected):
        assert np.isnan(got), f"{name}({x}) = {got}, expected NaN"
    else:
        assert got == expected and np.signbit(got) == np.signbit(expected), (
            f"{name}({x!r}) = {got!r}, expected {expected!r}")


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_logistic_saturates_to_exactly_0_and_1_and_softplus_to_x(dtype):
    x = np.linspace(-800, 800, 20001).astype(dtype)
    s = evaluate("logistic", x)
    assert not np.isnan(s).any()
    assert ((s >= 0) & (s <= 1)).all()
    large = x > (18 if dtype == np.float32 else 38)  # exp(-x) below half an ulp of 1
    assert (s[large] == 1).all()
    assert (s[x < (-104 if dtype == np.float32 else -746)] == 0).all()
    sp = evaluate("softplus", x)
    assert (sp[large] == x[large]).all()
    assert (sp >= 0).all() and not np.isnan(sp).any()


def _bits(a):
    return a.view(np.uint32 if a.dtype == np.float32 else np.uint64)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", FUNCTIONS)
def test_result_does_not_depend_on_offset_or_length(name, dtype):
    # vectorised body, peeled and scalar remainder must give the same bits
    rng = np.random.default_rng(5)
    x = (rng.standard_normal(300) * np.exp2(rng.integers(-8, 6, 300))).astype(dtype)
    if name in ("log", "log1p"):
        x = np.abs(x)
    whole = evaluate(name, x)
    for start in range(0, 17):
        for length in (1, 3, 7, 8, 15, 16, 17, 33, 100, 300 - start):
            part = evaluate(name, x[start:start + length])  # other alignments
            assert np.array_equal(_bits(part), _bits(whole[start:start + length])), (
                f"{name}: x[{start}:{start + length}] differs from the whole array's")


ACTIVATIONS = ["logistic", "tanh", "elu", "gelu", "silu", "softplus", "exp", "softmax"]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("act", ACTIVATIONS)
def test_activation_rows_do_not_depend_on_the_rows_around_them(act, dtype):
    rng = np.random.default_rng(3)
    z = (rng.standard_normal((37, 13)) * 3).astype(dtype)
    whole = np.empty_like(z)
    _core.activation_forward(whole, z.copy(), np.zeros(0, dtype), act)
    for start, stop in [(0, 1), (1, 2), (5, 36), (3, 37), (11, 12)]:
        part = np.empty((stop - start, 13), dtype)
        _core.activation_forward(part, z[start:stop].copy(), np.zeros(0, dtype), act)
        assert np.array_equal(_bits(part), _bits(whole[start:stop])), (
            f"{act}: rows {start}:{stop} differ when computed alone")
    if act != "softmax":
        delta = np.ones(z.size, dtype)
        _core.activation_backward(delta, z.ravel(), whole.ravel(), act)
        part = np.ones(z.size - 5, dtype)
        _core.activation_backward(part, z.ravel()[5:], whole.ravel()[5:], act)
        assert np.array_equal(_bits(part), _bits(delta[5:])), f"{act}' depends on offset"


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("width", [7, 8, 100, 101])
def test_softmax_rows_do_not_depend_on_their_alignment(width, dtype):
    # each row's sum is taken in eight interleaved lanes (activation_impl.h): the
    # same additions at any address, in any clone
    rng = np.random.default_rng(4)
    z = (rng.standard_normal((6, width)) * 4).astype(dtype)
    whole = np.empty_like(z)
    _core.activation_forward(whole, z.copy(), np.zeros(0, dtype), "softmax")
    for shift in (1, 3, 5):
        buffer = np.zeros(z.size + shift, dtype)
        shifted = buffer[shift:].reshape(z.shape)
        shifted[...] = z
        _core.activation_forward(shifted, shifted, np.zeros(0, dtype), "softmax")
        assert np.array_equal(_bits(shifted), _bits(whole)), (
            f"softmax over {width} classes differs {shift} elements off its alignment")
    assert_allclose(whole.sum(axis=1), 1, rtol=8 * np.finfo(dtype).eps)


def test_unknown_function_is_a_value_error():
    with pytest.raises(ValueError, match="unknown elementary function 'sin'"):
        _core.elementary(np.zeros(1), np.zeros(1), "sin")


def test_the_polynomial_header_is_what_its_generator_writes():
    # csrc/vmath_poly.h says "do not edit": it must be tools/vmath_coefficients.py's
    # output exactly (coefficients and Estrin's order of evaluation), so that the
    # fits and the header never drift apart. Needs the source tree and mpmath.
    root = pathlib.Path(__file__).resolve().parent.parent
    generator = root / "tools" / "vmath_coefficients.py"
    if not generator.exists():
        pytest.skip("tools/vmath_coefficients.py is not here (an installed sdist's tests)")
    pytest.importorskip("mpmath")
    out = subprocess.run([sys.executable, str(generator)], capture_output=True, text=True,
                         check=True).stdout
    assert out == (root / "csrc" / "vmath_poly.h").read_text(), (
        "csrc/vmath_poly.h differs from `python tools/vmath_coefficients.py`'s output")
