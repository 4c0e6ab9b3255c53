"""nnfast.metrics against scikit-learn, its C kernels against NumPy, bad input.

(a) Every public function is called with the same hypothesis-drawn arguments as
    its sklearn.metrics namesake: the results must agree (counts exactly, float64
    scores within 1e-12), the same UndefinedMetricWarning/UserWarning messages
    must be emitted, and when scikit-learn raises, nnfast must raise the same
    exception type.
(b) Each kernel of nnfast._metrics is held against a naive NumPy reference.
(c) Bad input raises ValueError, as scikit-learn's does, one test id per case.

The label pools cover the encodings nnfast chooses between: small integer ranges
(counted into a table by value), wider integer ranges (counted per class over the
range), ranges far wider than the data and strings (np.unique), integral floats,
bools, and object arrays (scikit-learn's generic checks).
"""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
import sklearn
import sklearn.metrics as skm
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.lib import NumpyVersion
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.exceptions import UndefinedMetricWarning

from nnfast import _metrics as kernels
from nnfast import metrics

EXAMPLES = settings(max_examples=60, deadline=None, database=None, derandomize=True)
FEW = settings(max_examples=25, deadline=None, database=None, derandomize=True)
TOL = {"rtol": 1e-12, "atol": 1e-12}

# ---------------------------------------------------------------- comparison


def call(f, *args, **kwargs):
    """(result or exception, warnings) of f(*args, **kwargs); the warnings are the
    (category, message) of every UndefinedMetricWarning and UserWarning."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            out = f(*args, **kwargs)
        except Exception as e:  # noqa: BLE001 - the exception is the outcome
            out = e
    seen = [
        (w.category.__name__, str(w.message))
        for w in caught
        if issubclass(w.category, (UndefinedMetricWarning, UserWarning))
    ]
    return out, seen


def assert_same_value(ours, theirs, what, exact=False):
    if isinstance(theirs, tuple):
        assert isinstance(ours, tuple) and len(ours) == len(theirs), what
        for i, (a, b) in enumerate(zip(ours, theirs)):
            assert_same_value(a, b, f"{what}[{i}]", exact)
    elif isinstance(theirs, dict):
        assert isinstance(ours, dict) and list(ours) == list(theirs), f"{what}: keys differ"
        for k in theirs:
            assert_same_value(ours[k], theirs[k], f"{what}[{k!r}]", exact)
    elif theirs is None or isinstance(theirs, str):
        assert ours == theirs, f"{what}: {ours!r} != {theirs!r}"
    elif isinstance(theirs, np.ndarray):
        assert isinstance(ours, np.ndarray), f"{what}: {type(ours)} is not an array"
        assert ours.shape == theirs.shape, f"{what}: shape {ours.shape} != {theirs.shape}"
        if theirs.dtype.kind in "iub" or exact:
            assert ours.dtype == theirs.dtype, f"{what}: dtype {ours.dtype} != {theirs.dtype}"
            assert_array_equal(ours, theirs, err_msg=what)
        else:
            assert ours.dtype.kind == "f", f"{what}: dtype {ours.dtype}"
            assert_allclose(ours, theirs, equal_nan=True, err_msg=what, **TOL)
    else:
        assert type(ours) is type(theirs), f"{what}: {type(ours)} != {type(theirs)}"
        assert_allclose(ours, theirs, equal_nan=True, err_msg=what, **TOL)


def assert_same(name, *args, exact=False, **kwargs):
    """nnfast.metrics.<name> and sklearn.metrics.<name> agree on these arguments."""
    ours, our_warnings = call(getattr(metrics, name), *args, **kwargs)
    theirs, their_warnings = call(getattr(skm, name), *args, **kwargs)
    what = f"{name}(**{kwargs})"
    if isinstance(theirs, Exception):
        assert isinstance(ours, Exception), f"{what}: scikit-learn raised {theirs!r}, nnfast returned {ours!r}"
        assert isinstance(ours, type(theirs)) or (
            isinstance(theirs, ValueError) and isinstance(ours, ValueError)
        ), f"{what}: scikit-learn raised {theirs!r}, nnfast {ours!r}"
        return None
    if isinstance(ours, Exception):
        raise AssertionError(f"{what}: nnfast raised {ours!r}, scikit-learn returned {theirs!r}")
    assert_same_value(ours, theirs, what, exact)
    assert our_warnings == their_warnings, f"{what}: warnings differ"
    return theirs


# ---------------------------------------------------------------- strategies

# Label pools: each exercises one of nnfast's label encodings.
POOLS = {
    "small_int": [0, 1, 2, 3, 4],
    "negative_int": [-3, -1, 0, 2],
    "wide_int": [-70, 5, 300, 70000],  # range above the table, below 2**16 + ...
    "huge_int": [0, 10**12, -(10**12)],  # np.unique
    "float": [0.0, 1.0, 2.0, 7.0],
    "bool": [False, True],
    "str": ["bird", "cat", "dog", "eel"],
    "binary_int": [0, 1],
    "binary_str": ["neg", "pos"],
}


@st.composite
def label_vectors(draw, pools=tuple(POOLS)):
    """(y_true, y_pred, pool, sample_weight) of one label kind."""
    name = draw(st.sampled_from(pools))
    pool = POOLS[name]
    n = draw(st.integers(1, 25))
    # classes missing from one side or the other: each side draws from a subset
    true_pool = draw(st.lists(st.sampled_from(pool), min_size=1, unique=True))
    pred_pool = draw(st.lists(st.sampled_from(pool), min_size=1, unique=True))
    y_true = draw(st.lists(st.sampled_from(true_pool), min_size=n, max_size=n))
    y_pred = draw(st.lists(st.sampled_from(pred_pool), min_size=n, max_size=n))
    form = draw(st.sampled_from(["array", "list", "column", "object"]))
    y_true, y_pred = (as_form(y, form, name) for y in (y_true, y_pred))
    if form == "array" and name != "str" and name != "binary_str":
        # numbers of two dtypes: the classes take scikit-learn's unique_labels dtype
        # (casts that wrap or round only change the labels, the same for both)
        dtype_true, dtype_pred = draw(st.sampled_from(
            [(None, None), (None, np.float64), (np.float32, None), (np.int32, np.int64),
             (np.int8, np.float64)]
        ))
        if dtype_true is not None:
            y_true = y_true.astype(dtype_true)
        if dtype_pred is not None:
            y_pred = y_pred.astype(dtype_pred)
    return y_true, y_pred, pool, draw(weights(n))


def as_form(y, form, pool_name):
    if form == "list":
        return list(y)
    if form == "object" and pool_name == "str":
        return np.array(y, dtype=object)
    arr = np.array(y)
    if pool_name == "float":
        arr = arr.astype(np.float64)
    return arr.reshape(-1, 1) if form == "column" else arr


@st.composite
def weights(draw, n=None):
    kind = draw(st.sampled_from(["none", "float", "int", "zeros_some"]))
    if kind == "none":
        return None
    if kind == "int":
        w = draw(st.lists(st.integers(0, 3), min_size=n, max_size=n))
    else:
        w = draw(st.lists(st.floats(0.0, 4.0, allow_subnormal=False), min_size=n, max_size=n))
    w = np.array(w)
    if kind == "zeros_some" and n > 1:
        w[: n // 2] = 0
    if not np.any(w != 0):
        w[-1] = 1
    return w


ZERO_DIVISIONS = ["warn", 0.0, 1.0, np.nan]
AVERAGES = [None, "binary", "micro", "macro", "weighted", "samples"]


def labels_arg(draw, pool):
    """None, or some pool labels (possibly absent from the data) in any order."""
    if draw(st.booleans()):
        return None
    return draw(st.lists(st.sampled_from(pool), min_size=1, max_size=len(pool) + 1))


# ---------------------------------------------------------------- (a) vs scikit-learn


@EXAMPLES
@given(data=st.data())
def test_precision_recall_fscore_support_matches_sklearn(data):
    y_true, y_pred, pool, w = data.draw(label_vectors())
    kwargs = dict(
        beta=data.draw(st.sampled_from([1.0, 0.5, 2.0, 0.0, np.inf])),
        labels=labels_arg(data.draw, pool),
        pos_label=data.draw(st.sampled_from([1] + pool)),
        average=data.draw(st.sampled_from(AVERAGES)),
        sample_weight=w,
        zero_division=data.draw(st.sampled_from(ZERO_DIVISIONS)),
    )
    assert_same("precision_recall_fscore_support", y_true, y_pred, **kwargs)


@EXAMPLES
@given(data=st.data())
def test_f1_precision_recall_fbeta_match_sklearn(data):
    y_true, y_pred, pool, w = data.draw(label_vectors())
    kwargs = dict(
        labels=labels_arg(data.draw, pool),
        pos_label=data.draw(st.sampled_from([1] + pool)),
        average=data.draw(st.sampled_from(AVERAGES)),
        sample_weight=w,
        zero_division=data.draw(st.sampled_from(ZERO_DIVISIONS)),
    )
    for name in ("f1_score", "precision_score", "recall_score"):
        assert_same(name, y_true, y_pred, **kwargs)
    assert_same("fbeta_score", y_true, y_pred, beta=0.5, **kwargs)


@EXAMPLES
@given(data=st.data())
def test_confusion_matrix_matches_sklearn(data):
    y_true, y_pred, pool, w = data.draw(label_vectors())
    labels = labels_arg(data.draw, pool)
    normalize = data.draw(st.sampled_from([None, "true", "pred", "all"]))
    # weighted sums are added in sample order, as scikit-learn's COO matrix adds them
    assert_same(
        "confusion_matrix", y_true, y_pred, labels=labels, sample_weight=w,
        normalize=normalize, exact=normalize is None,
    )


@EXAMPLES
@given(data=st.data())
def test_accuracy_score_matches_sklearn(data):
    y_true, y_pred, _, w = data.draw(label_vectors())
    for normalize in (True, False):
        assert_same("accuracy_score", y_true, y_pred, normalize=normalize, sample_weight=w)


@FEW
@given(data=st.data())
def test_classification_report_matches_sklearn(data):
    y_true, y_pred, pool, w = data.draw(label_vectors())
    labels = labels_arg(data.draw, pool)
    kwargs = dict(
        labels=labels,
        sample_weight=w,
        digits=data.draw(st.integers(0, 5)),
        zero_division=data.draw(st.sampled_from(ZERO_DIVISIONS)),
    )
    if labels is not None and data.draw(st.booleans()):
        kwargs["target_names"] = [f"class {i}" for i in range(len(labels))]
    assert_same("classification_report", y_true, y_pred, **kwargs)
    assert_same("classification_report", y_true, y_pred, output_dict=True, **kwargs)


@st.composite
def multilabel(draw):
    n = draw(st.integers(1, 12))
    L = draw(st.integers(2, 5))
    cells = st.lists(st.integers(0, 1), min_size=n * L, max_size=n * L)
    Y_true = np.array(draw(cells)).reshape(n, L)
    Y_pred = np.array(draw(cells)).reshape(n, L)
    if draw(st.booleans()):
        Y_true, Y_pred = sp.csr_matrix(Y_true), sp.csr_matrix(Y_pred)
    return Y_true, Y_pred, L, draw(weights(n))


@EXAMPLES
@given(data=st.data())
def test_multilabel_scores_match_sklearn(data):
    Y_true, Y_pred, L, w = data.draw(multilabel())
    labels = None
    if data.draw(st.booleans()):
        labels = data.draw(st.lists(st.integers(0, L - 1), min_size=1, max_size=L))
    kwargs = dict(
        labels=labels,
        average=data.draw(st.sampled_from(AVERAGES)),
        sample_weight=w,
        zero_division=data.draw(st.sampled_from(ZERO_DIVISIONS)),
    )
    assert_same("precision_recall_fscore_support", Y_true, Y_pred, **kwargs)
    assert_same("f1_score", Y_true, Y_pred, **kwargs)
    assert_same("accuracy_score", Y_true, Y_pred, sample_weight=w)
    assert_same("confusion_matrix", Y_true, Y_pred)  # multilabel: an error in both


@FEW
@given(data=st.data())
def test_multilabel_classification_report_matches_sklearn(data):
    Y_true, Y_pred, _, w = data.draw(multilabel())
    zero_division = data.draw(st.sampled_from(ZERO_DIVISIONS))
    for output_dict in (False, True):
        assert_same(
            "classification_report", Y_true, Y_pred, sample_weight=w,
            zero_division=zero_division, output_dict=output_dict,
        )


finite = st.floats(-100, 100, allow_nan=False, allow_subnormal=False)


@st.composite
def regression_targets(draw):
    n = draw(st.integers(1, 20))
    O = draw(st.sampled_from([None, 1, 2, 3]))
    shape = (n,) if O is None else (n, O)
    size = n * (O or 1)
    cells = st.lists(finite, min_size=size, max_size=size)
    y_true = np.array(draw(cells)).reshape(shape)
    if draw(st.booleans()):
        # near and exact hits: the zero-numerator and constant-target branches of R²
        y_pred = y_true + np.array(draw(st.lists(st.sampled_from([0.0, 0.0, 1e-3, -2.0]),
                                                 min_size=size, max_size=size))).reshape(shape)
    else:
        y_pred = np.array(draw(cells)).reshape(shape)
    if draw(st.booleans()):
        y_true = np.full(shape, draw(finite))  # constant target
    if draw(st.booleans()):
        y_true, y_pred = y_true.tolist(), y_pred.tolist()
    multioutput = draw(st.sampled_from(["raw_values", "uniform_average", "weights"]))
    if multioutput == "weights":
        multioutput = np.array(draw(st.lists(st.floats(0.1, 3.0), min_size=O or 1,
                                             max_size=O or 1)))
    return y_true, y_pred, draw(weights(n)), multioutput


@EXAMPLES
@given(args=regression_targets())
def test_regression_metrics_match_sklearn(args):
    y_true, y_pred, w, multioutput = args
    for name in ("mean_squared_error", "root_mean_squared_error", "mean_absolute_error"):
        assert_same(name, y_true, y_pred, sample_weight=w, multioutput=multioutput)


@EXAMPLES
@given(args=regression_targets(), force_finite=st.booleans(),
       variance_weighted=st.booleans())
def test_r2_score_matches_sklearn(args, force_finite, variance_weighted):
    y_true, y_pred, w, multioutput = args
    if variance_weighted:
        multioutput = "variance_weighted"
    assert_same("r2_score", y_true, y_pred, sample_weight=w, multioutput=multioutput,
                force_finite=force_finite)


def test_large_labels_match_sklearn():
    """The 10^5-sample paths: table, per-class range and np.unique encodings."""
    rng = np.random.default_rng(0)
    n = 100_000
    for high, offset in [(10, 0), (500, -250), (10**9, 0)]:
        y_true = rng.integers(0, high, n) + offset
        y_pred = np.where(rng.random(n) < 0.6, y_true, rng.integers(0, high, n) + offset)
        w = rng.random(n)
        assert_same("f1_score", y_true, y_pred, average="macro")
        assert_same("precision_recall_fscore_support", y_true, y_pred, sample_weight=w,
                    exact=False)
        if high <= 500:
            assert_same("confusion_matrix", y_true, y_pred, exact=True)
            assert_same("confusion_matrix", y_true, y_pred, sample_weight=w, exact=True)
        assert_same("accuracy_score", y_true, y_pred, sample_weight=w)


def test_float32_regression_agrees_to_float32_precision():
    """scikit-learn accumulates float32 targets in float32, nnfast in float64."""
    rng = np.random.default_rng(1)
    y_true = rng.random((1000, 2)).astype(np.float32)
    y_pred = rng.random((1000, 2)).astype(np.float32)
    for name in ("mean_squared_error", "mean_absolute_error", "r2_score"):
        ours = getattr(metrics, name)(y_true, y_pred, multioutput="raw_values")
        theirs = getattr(skm, name)(y_true, y_pred, multioutput="raw_values")
        assert ours.dtype == theirs.dtype == np.float32
        assert_allclose(ours, theirs, rtol=1e-5)


def test_support_and_weighted_counts_are_exact():
    """Integer counts, and weighted counts too: added in the same order as
    np.bincount adds them, so bit for bit."""
    rng = np.random.default_rng(2)
    y_true = rng.integers(0, 7, 5000)
    y_pred = rng.integers(0, 7, 5000)
    w = rng.random(5000) * 1e3
    ours = metrics.precision_recall_fscore_support(y_true, y_pred, sample_weight=w)[3]
    theirs = skm.precision_recall_fscore_support(y_true, y_pred, sample_weight=w)[3]
    assert_array_equal(ours, theirs)
    ours = metrics.precision_recall_fscore_support(y_true, y_pred)[3]
    theirs = skm.precision_recall_fscore_support(y_true, y_pred)[3]
    assert ours.dtype == theirs.dtype and np.array_equal(ours, theirs)


def test_classification_report_text_is_sklearns():
    y_true = ["cat", "dog", "dog", "eel", "cat", "cat"]
    y_pred = ["cat", "cat", "dog", "dog", "cat", "bird"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UndefinedMetricWarning)
        ours = metrics.classification_report(y_true, y_pred, digits=3)
        theirs = skm.classification_report(y_true, y_pred, digits=3)
    assert ours == theirs, f"\n{ours}\n!=\n{theirs}"


def test_public_names():
    import nnfast

    assert nnfast.metrics is metrics
    for name in metrics.__all__:
        assert callable(getattr(metrics, name)) and hasattr(skm, name)


# ---------------------------------------------------------------- (b) kernels


def naive_table(y_true, y_pred, w, offset, K):
    counts = np.zeros((K, K), dtype=np.int64)
    wcm = np.zeros((K, K))
    for i, (t, p) in enumerate(zip(y_true - offset, y_pred - offset)):
        if 0 <= t < K and 0 <= p < K:
            counts[t, p] += 1
            wcm[t, p] += 1.0 if w is None else w[i]
    return counts, wcm


@pytest.mark.parametrize("K", [1, 2, 10, 64, 65, 300], ids=lambda k: f"K{k}")
@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
def test_confusion_count_kernel(K, weighted):
    """Replicated small tables (K*K <= 4096, unweighted) and the plain loop; codes
    out of [0, K) on either side skip the sample."""
    rng = np.random.default_rng(K)
    n = 2003
    offset = -5
    y_true = rng.integers(-2, K + 2, n) + offset
    y_pred = rng.integers(-2, K + 2, n) + offset
    w = rng.random(n) if weighted else None
    counts, wcm = kernels.confusion_count(y_true, y_pred, w, offset, K, counts=True,
                                          weighted=True)
    ref_counts, ref_wcm = naive_table(y_true, y_pred, w, offset, K)
    assert_array_equal(counts, ref_counts)
    assert_array_equal(wcm, ref_wcm)  # same order of addition: exact


def test_label_range_kernel():
    rng = np.random.default_rng(3)
    for n in (1, 2, 3, 4, 5, 1001):
        y = rng.integers(-(10**15), 10**15, n)
        assert kernels.label_range(y) == (y.min(), y.max())
    with pytest.raises(ValueError):
        kernels.label_range(np.zeros(0, dtype=np.int64))


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
def test_class_sums_kernel(weighted):
    rng = np.random.default_rng(4)
    n, K, offset = 3001, 40, 7
    y_true = rng.integers(-3, K + 3, n) + offset
    y_pred = rng.integers(-3, K + 3, n) + offset
    w = rng.random(n) if weighted else None
    tp, ts, ps, seen = kernels.class_sums(y_true, y_pred, w, offset, K, seen=True)
    ww = np.ones(n) if w is None else w
    t, p = y_true - offset, y_pred - offset
    in_t, in_p = (t >= 0) & (t < K), (p >= 0) & (p < K)
    assert_array_equal(ts, np.bincount(t[in_t], weights=ww[in_t], minlength=K))
    assert_array_equal(ps, np.bincount(p[in_p], weights=ww[in_p], minlength=K))
    hit = in_t & (t == p)
    assert_array_equal(tp, np.bincount(t[hit], weights=ww[hit], minlength=K))
    expected_seen = np.zeros(K, dtype=bool)
    expected_seen[t[in_t]] = True
    expected_seen[p[in_p]] = True
    assert_array_equal(seen, expected_seen)


def test_count_equal_kernel():
    rng = np.random.default_rng(5)
    y_true, y_pred = rng.integers(0, 3, 999), rng.integers(0, 3, 999)
    w = rng.random(999)
    assert kernels.count_equal(y_true, y_pred, None) == np.sum(y_true == y_pred)
    assert_allclose(kernels.count_equal(y_true, y_pred, w), np.dot(y_true == y_pred, w), **TOL)


@pytest.mark.parametrize("samplewise", [False, True], ids=["per_label", "per_sample"])
@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
def test_multilabel_sums_kernel(samplewise, weighted):
    rng = np.random.default_rng(6)
    n, L = 301, 7
    Y_true = (rng.random((n, L)) < 0.4).astype(np.uint8) * rng.integers(1, 4, (n, L)).astype(np.uint8)
    Y_pred = (rng.random((n, L)) < 0.4).astype(np.uint8)
    Y_pred[:20] = Y_true[:20] != 0
    w = rng.random(n) if weighted else None
    tp, ts, ps, exact = kernels.multilabel_sums(Y_true, Y_pred, w, samplewise, exact=True)
    a, b = Y_true != 0, Y_pred != 0
    ww = np.ones(n) if w is None else w
    if samplewise:
        assert_array_equal(tp, (a & b).sum(axis=1) * ww)
        assert_array_equal(ts, a.sum(axis=1) * ww)
        assert_array_equal(ps, b.sum(axis=1) * ww)
    else:
        assert_allclose(tp, ((a & b) * ww[:, None]).sum(axis=0), **TOL)
        assert_allclose(ts, (a * ww[:, None]).sum(axis=0), **TOL)
        assert_allclose(ps, (b * ww[:, None]).sum(axis=0), **TOL)
    assert_array_equal(exact, np.all(Y_true == Y_pred, axis=1))


@pytest.mark.parametrize("O", [1, 3], ids=["O1", "O3"])
@pytest.mark.parametrize("n", [1, 5, 128, 129, 10_000], ids=lambda n: f"N{n}")
@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
def test_regression_sums_kernel(O, n, weighted):
    rng = np.random.default_rng(n + O)
    y_true = rng.normal(3, 2, (n, O))
    y_pred = rng.normal(3, 2, (n, O))
    w = rng.random(n) if weighted else None
    center = y_true.mean(axis=0)
    sq, ab, dev = kernels.regression_sums(y_true, y_pred, w, center=center, absolute=True)
    ww = (np.ones(n) if w is None else w)[:, None]
    assert_allclose(sq, np.sum(ww * (y_true - y_pred) ** 2, axis=0), **TOL)
    assert_allclose(ab, np.sum(ww * np.abs(y_true - y_pred), axis=0), **TOL)
    assert_allclose(dev, np.sum(ww * (y_true - center) ** 2, axis=0), **TOL)


def test_regression_sums_kernel_accuracy_does_not_grow_with_n():
    """Blocked, compensated sums: 10^6 terms still within a few ulps of math.fsum."""
    import math

    rng = np.random.default_rng(7)
    y_true = rng.random((1_000_000, 1)) * 1e3
    y_pred = np.zeros_like(y_true)
    sq, _, _ = kernels.regression_sums(y_true, y_pred, None)
    exact = math.fsum((y_true[:, 0] ** 2).tolist())
    assert abs(sq[0] - exact) <= 1e-14 * exact


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf], ids=["nan", "inf", "-inf"])
def test_regression_sums_kernel_reports_non_finite_input(bad):
    y_true = np.ones((10, 2))
    y_pred = np.ones((10, 2))
    y_pred[7, 1] = bad
    assert kernels.regression_sums(y_true, y_pred, None) is None
    assert kernels.regression_sums(y_pred, y_true, None, squared=False, absolute=True) is None


def test_regression_sums_kernel_overflow_is_not_an_input_error():
    """Finite inputs whose squared error overflows give inf, as NumPy does."""
    y_true = np.array([[1e200], [0.0]])
    y_pred = np.array([[-1e200], [0.0]])
    sq, _, _ = kernels.regression_sums(y_true, y_pred, None)
    assert np.isposinf(sq[0])


def test_kernels_release_the_gil_safely_from_threads():
    """The kernels run outside the GIL; threads calling them get their own answers."""
    from concurrent.futures import ThreadPoolExecutor

    rng = np.random.default_rng(8)
    y_true = rng.integers(0, 5, 200_000)
    y_pred = rng.integers(0, 5, 200_000)
    expected = skm.confusion_matrix(y_true, y_pred)
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda _: metrics.confusion_matrix(y_true, y_pred), range(8)))
    for cm in results:
        assert_array_equal(cm, expected)


# ---------------------------------------------------------------- (c) bad input

BAD_INPUT = {
    "mismatched_lengths": ("f1_score", ([0, 1, 1], [0, 1]), {}),
    "mismatched_lengths_confusion_matrix": ("confusion_matrix", ([0, 1, 1], [0, 1]), {}),
    "mismatched_lengths_regression": ("mean_squared_error", ([0.0, 1.0, 1.0], [0.0, 1.0]), {}),
    "sample_weight_length": ("accuracy_score", ([0, 1], [0, 1]), {"sample_weight": [1.0]}),
    "sample_weight_nan": ("f1_score", ([0, 1], [0, 1]), {"sample_weight": [1.0, np.nan]}),
    "sample_weight_all_zero": ("confusion_matrix", ([0, 1], [0, 1]), {"sample_weight": [0, 0]}),
    "sample_weight_2d": ("accuracy_score", ([0, 1], [0, 1]), {"sample_weight": [[1.0, 1.0]]}),
    "mixed_string_and_int_labels": ("f1_score", (["a", "b"], [0, 1]), {}),
    "mixed_labels_confusion_matrix": ("confusion_matrix", (np.array(["a", "b"]), np.array([0, 1])), {}),
    "mixed_labels_object_array": ("accuracy_score", (np.array(["a", "b"], dtype=object), np.array([0, 1])), {}),
    "continuous_labels": ("accuracy_score", ([0, 1, 1], [0.5, 1.0, 1.0]), {}),
    "continuous_both": ("f1_score", ([0.5, 1.5], [0.5, 1.0]), {"average": "macro"}),
    "nan_in_labels": ("confusion_matrix", ([0.0, np.nan], [0.0, 1.0]), {}),
    "inf_in_labels": ("accuracy_score", ([0.0, 1.0], [np.inf, 1.0]), {}),
    "empty_labels": ("accuracy_score", ([], []), {}),
    "empty_confusion_matrix": ("confusion_matrix", (np.array([], dtype=int), np.array([], dtype=int)), {}),
    "empty_f1": ("f1_score", (np.array([]), np.array([])), {}),
    "multiclass_with_binary_average": ("f1_score", ([0, 1, 2], [0, 1, 2]), {}),
    "pos_label_not_present": ("f1_score", (["a", "b"], ["a", "b"]), {}),
    "bad_average": ("f1_score", ([0, 1], [0, 1]), {"average": "mean"}),
    "bad_zero_division": ("f1_score", ([0, 1], [0, 1]), {"zero_division": 2}),
    "bad_beta": ("fbeta_score", ([0, 1], [0, 1]), {"beta": -1.0}),
    "samples_average_multiclass": ("f1_score", ([0, 1, 2], [0, 1, 2]), {"average": "samples"}),
    "multilabel_and_multiclass": ("f1_score", (np.array([[0, 1], [1, 1]]), [0, 1]), {"average": "macro"}),
    "multilabel_label_out_of_range": (
        "f1_score", (np.array([[0, 1], [1, 1]]), np.array([[0, 1], [1, 0]])),
        {"average": "macro", "labels": [0, 2]},
    ),
    "multiclass_multioutput": ("accuracy_score", (np.array([[0, 2], [1, 1]]), np.array([[0, 2], [1, 1]])), {}),
    "confusion_matrix_multilabel": ("confusion_matrix", (np.array([[0, 1], [1, 1]]), np.array([[0, 1], [1, 0]])), {}),
    "confusion_matrix_empty_labels": ("confusion_matrix", ([0, 1], [0, 1]), {"labels": []}),
    "confusion_matrix_labels_not_in_y_true": ("confusion_matrix", ([0, 1], [0, 1]), {"labels": [5, 6]}),
    "confusion_matrix_bad_normalize": ("confusion_matrix", ([0, 1], [0, 1]), {"normalize": "rows"}),
    "report_target_names_size": ("classification_report", ([0, 1], [0, 1]), {"target_names": ["a"]}),
    "nan_in_regression_y_true": ("mean_squared_error", ([0.0, np.nan], [0.0, 1.0]), {}),
    "nan_in_regression_y_pred_array": ("r2_score", (np.array([0.0, 1.0, 2.0]), np.array([0.0, 1.0, np.nan])), {}),
    "inf_in_regression": ("mean_absolute_error", (np.array([[0.0, 1.0]]), np.array([[np.inf, 1.0]])), {}),
    "empty_regression": ("mean_squared_error", (np.array([]), np.array([])), {}),
    "regression_outputs_differ": ("mean_squared_error", (np.ones((3, 2)), np.ones((3, 3))), {}),
    "regression_bad_multioutput": ("mean_absolute_error", ([0.0, 1.0], [0.0, 1.0]), {"multioutput": "variance_weighted"}),
    "regression_multioutput_weights_length": (
        "mean_squared_error", (np.ones((3, 2)), np.ones((3, 2))), {"multioutput": [1.0, 2.0, 3.0]},
    ),
    "regression_string_targets": ("mean_squared_error", (["a", "b"], [0.0, 1.0]), {}),
    "regression_3d": ("r2_score", (np.ones((2, 2, 2)), np.ones((2, 2, 2))), {}),
}


# nnfast's checks and messages are scikit-learn 1.9's. Older releases (1.6, the
# floor) word these differently, raise a TypeError, or accept the input; nnfast
# refuses it all the same, so there only its ValueError is held.
CHANGED_BY_SKLEARN_1_9 = {
    "mismatched_lengths_confusion_matrix", "sample_weight_nan", "sample_weight_all_zero",
    "mixed_string_and_int_labels", "mixed_labels_confusion_matrix", "mixed_labels_object_array",
    "empty_labels", "empty_confusion_matrix", "empty_f1", "pos_label_not_present",
    "confusion_matrix_empty_labels",
}
assert CHANGED_BY_SKLEARN_1_9 <= BAD_INPUT.keys()
SKLEARN_BEFORE_1_9 = NumpyVersion(sklearn.__version__) < "1.9.0"


@pytest.mark.parametrize("case", list(BAD_INPUT), ids=list(BAD_INPUT))
def test_bad_input_raises_value_error_like_sklearn(case):
    name, args, kwargs = BAD_INPUT[case]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(ValueError) as ours:
            getattr(metrics, name)(*args, **kwargs)
        if SKLEARN_BEFORE_1_9 and case in CHANGED_BY_SKLEARN_1_9:
            return
        with pytest.raises(ValueError) as theirs:
            getattr(skm, name)(*args, **kwargs)
    # the same complaint: scikit-learn's message, except for parameter validation,
    # which names scikit-learn's function
    if type(theirs.value).__name__ != "InvalidParameterError":
        assert str(ours.value) == str(theirs.value)


# ---------------------------------------------------------------- warnings


WARNING_CASES = {
    "precision_no_predicted": ("precision_score", ([0, 1, 1], [0, 0, 0]), {}),
    "recall_no_true": ("recall_score", ([0, 0, 0], [0, 1, 0]), {}),
    "f_no_true_nor_predicted": ("f1_score", ([0, 0], [0, 0]), {}),
    "labels_without_samples": ("f1_score", ([0, 1, 2], [0, 1, 1]), {"average": "macro", "labels": [0, 1, 2, 5]}),
    "per_label_arrays": ("precision_recall_fscore_support", ([0, 1, 2], [0, 0, 0]), {}),
    "samples_average": ("f1_score", (np.array([[0, 1], [0, 0]]), np.array([[0, 1], [0, 0]])), {"average": "samples"}),
    "pos_label_ignored": ("f1_score", ([0, 1, 2], [0, 1, 1]), {"average": "macro", "pos_label": 2}),
    "single_label_confusion_matrix": ("confusion_matrix", ([3, 3], [3, 3]), {}),
    "report": ("classification_report", ([0, 1, 2], [0, 0, 0]), {}),
    "r2_one_sample": ("r2_score", ([1.0], [2.0]), {}),
    "zero_division_silences": ("f1_score", ([0, 0], [0, 0]), {"zero_division": 1.0}),
}


@pytest.mark.parametrize("case", list(WARNING_CASES), ids=list(WARNING_CASES))
def test_warnings_are_sklearns(case):
    name, args, kwargs = WARNING_CASES[case]
    assert_same(name, *args, **kwargs)
    _, ours = call(getattr(metrics, name), *args, **kwargs)
    if case != "zero_division_silences":
        assert ours, "expected a warning"
