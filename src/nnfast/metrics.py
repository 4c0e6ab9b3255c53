"""Classification and regression metrics with scikit-learn's answers, counted in C.

Every function here has the signature of its namesake in ``sklearn.metrics`` and
returns the same value: the same counts exactly, the same float64 scores to within
rounding (1e-12), the same ``UndefinedMetricWarning`` in the same cases, and a
``ValueError`` for the inputs scikit-learn rejects. What differs is the cost: the
counting (confusion tables, per-class and per-label sums) and the regression sums
run in C (``csrc/metrics.c``) with the GIL released, and the label handling avoids
scikit-learn's generic checks where the input makes them unnecessary, so a metric
can be watched every epoch on a large validation set.

Where the time goes, and what is done instead
---------------------------------------------
On 10^6 integer labels, ``sklearn.metrics.f1_score`` spends nearly all of its time
finding the label set: ``np.unique`` runs five to seven times (``type_of_target``
on each array, ``unique_labels``, ``LabelEncoder``), then ``searchsorted`` encodes
both arrays; ``confusion_matrix`` does the same before building a COO matrix. Here,
integer (and integral float, and bool) labels are never sorted: one C pass finds
the smallest and largest label, and when that range is small a second pass counts
straight into a table indexed by ``label - min``; the classes are the rows and
columns of the table that saw a sample. Larger ranges count per class into arrays
over the range; only a range far larger than the data (or string labels) falls
back to ``np.unique``. Inputs that are not plain NumPy-convertible label vectors
(object arrays, sparse matrices, multilabel indicators, anything 2-D) go through
scikit-learn's own ``type_of_target`` and ``unique_labels``, so their errors are
scikit-learn's.

Known differences
-----------------
* float32 regression targets: scikit-learn accumulates in float32; nnfast always
  accumulates in float64 (the result is returned in float32 for ``raw_values``),
  so the two agree to float32 precision, not to 1e-12.
* Sums over samples (weighted scores, regression errors) may be added in another
  order than NumPy's pairwise summation; the difference is rounding, far below
  1e-12 relative. Weighted class counts are added in sample order, as
  ``np.bincount`` does, and match bit for bit.
* ``labels=`` whose kind differs from the data's (strings asked of integer labels
  and the reverse) select nothing; scikit-learn converts one to the other in some
  functions and compares numbers with strings in others.
"""

from __future__ import annotations

import numbers
import warnings
from typing import TYPE_CHECKING

import numpy as np
import scipy.sparse as sp
from sklearn.exceptions import UndefinedMetricWarning
from sklearn.utils import check_array, check_consistent_length
from sklearn.utils.multiclass import type_of_target

from nnfast import _metrics as _kernels
from nnfast._compat import column_or_1d, unique_labels

if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import Any

    from numpy.typing import ArrayLike, NDArray

    from nnfast._typing import Average, MatrixLike, MultiOutput, Normalize, ZeroDivision

    # A score per label (average=None) or per output (multioutput="raw_values"),
    # else one number.
    _Scores = float | NDArray[np.float64]

__all__ = [
    "accuracy_score",
    "classification_report",
    "confusion_matrix",
    "f1_score",
    "fbeta_score",
    "mean_absolute_error",
    "mean_squared_error",
    "precision_recall_fscore_support",
    "precision_score",
    "r2_score",
    "recall_score",
    "root_mean_squared_error",
]

# Integer labels spanning at most this many values are counted into a (range,
# range) table directly: the table fits in L1 cache and the counts need no
# encoding pass.
_TABLE_RANGE = 64
# Integer labels spanning at most max(_SPAN_RANGE, n_samples) values are counted
# per class over the range; wider ones are encoded with np.unique.
_SPAN_RANGE = 1 << 16

_AVERAGES = (None, "micro", "macro", "weighted", "samples")


# ---------------------------------------------------------------- validation


def _check_zero_division(zero_division):
    """The value a 0/0 score takes; ValueError for an option scikit-learn rejects."""
    if isinstance(zero_division, str):
        if zero_division == "warn":
            return np.float64(0.0)
    elif isinstance(zero_division, numbers.Real) and not isinstance(zero_division, bool):
        if zero_division in (0, 1):
            return np.float64(zero_division)
        if np.isnan(zero_division):
            return np.nan
    raise ValueError(
        "The 'zero_division' parameter must be a float among {0.0, 1.0}, a float "
        f"among {{nan}} or a str among {{'warn'}}. Got {zero_division!r} instead."
    )


def _check_average(average, allowed=("binary",) + _AVERAGES):
    if average not in allowed:
        raise ValueError(
            f"The 'average' parameter must be a str among {set(a for a in allowed if a)} "
            f"or None. Got {average!r} instead."
        )


def _check_sample_weight(sample_weight, n_samples):
    """float64 weights (N) or None, and whether the given ones were integers.

    scikit-learn's rules: finite, one dimension, one per sample, not all zero.
    """
    if sample_weight is None:
        return None, True
    if isinstance(sample_weight, numbers.Number) or isinstance(sample_weight, str):
        raise ValueError(
            f"The 'sample_weight' parameter must be an array-like or None. Got "
            f"{sample_weight!r} instead."
        )
    w = check_array(
        sample_weight, accept_sparse=False, ensure_2d=False, dtype=None,
        input_name="sample_weight",
    )
    if w.ndim != 1:
        raise ValueError(
            f"Sample weights must be 1D array or scalar, got {w.ndim}D array. Expected "
            f"either a scalar value or a 1D array of length {n_samples}."
        )
    if w.shape != (n_samples,):
        raise ValueError(f"sample_weight.shape == {w.shape}, expected {(n_samples,)}!")
    if not np.any(w != 0):
        raise ValueError("Sample weights must contain at least one non-zero number.")
    integral = w.dtype.kind in "iub"
    return np.ascontiguousarray(w, dtype=np.float64), integral


def _label_vector(y):
    """y as a 1-D ndarray of int, bool, float or str labels, or None when y needs
    scikit-learn's generic checks (sparse, object, multi-column, ragged, ...)."""
    if sp.issparse(y) or isinstance(y, str):
        return None
    if not isinstance(y, np.ndarray):
        if not (isinstance(y, (list, tuple)) or hasattr(y, "__array__")):
            return None
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error")
                y = np.asarray(y)
        except Exception:
            return None
    if y.dtype.kind not in "iubfU":
        return None
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    if y.ndim != 1:
        return None
    if y.dtype == np.uint64 and y.size and y.max() > np.iinfo(np.int64).max:
        return None
    return y


def _vector_type(y, name):
    """type_of_target of a 1-D label vector without np.unique: "continuous", or
    "labels" (binary or multiclass, told apart once the label set is known).
    Raises scikit-learn's error for NaN or infinity in non-integral floats."""
    if y.dtype.kind == "f" and y.size:
        if np.any(y != y.astype(np.int64).astype(y.dtype)):
            if not np.all(np.isfinite(y)):
                what = "NaN" if np.isnan(y).any() else (
                    f"infinity or a value too large for {y.dtype!r}"
                )
                raise ValueError(f"Input {name} contains {what}.")
            return "continuous"
    return "labels"


def _binary_or_multiclass(y):
    """type_of_target of valid labels; only needed for an error message."""
    return "multiclass" if np.unique(y).shape[0] > 2 else "binary"


class _Targets:
    """Validated classification targets, in one of two forms.

    Label vectors (y_type "binary" or "multiclass"): ``yt``, ``yp`` are int64 (N)
    and a label's code is ``y - offset``, in [0, R). Either the labels themselves
    (integers whose range R is small: no encoding pass) or their positions in
    ``np.unique`` of both arrays (offset 0). ``classes`` holds the sorted labels
    present in either array, in the dtype scikit-learn's ``unique_labels`` gives
    them, and ``class_codes`` their codes.

    Multilabel indicators (y_type "multilabel-indicator"): ``Yt``, ``Yp`` are
    uint8 (N, L) with 1 where the input is nonzero; ``Yt_raw``, ``Yp_raw`` the
    inputs (dense) for the exact-match test of accuracy; ``classes`` is
    arange(L).

    ``raw_true``, ``raw_pred`` are the validated 1-D inputs. With
    ``_check_targets(encode=False)`` (accuracy), y_type is "labels" and only
    those and, for numbers, ``yt``, ``yp`` are set.

    ``sample_weight`` is float64 (N) or None; ``integral_weight`` says whether the
    weights given were integers (confusion_matrix then counts in int64).
    """

    stats = None  # unweighted (tp, true_sum, pred_sum) per code, when counted
    table = None  # unweighted (R, R) confusion counts, when counted


def _check_targets(y_true, y_pred, sample_weight=None, encode=True):
    """scikit-learn's _check_targets, fast for plain label vectors.

    Same checks in the same order: lengths, each target's type (NaN/infinity in
    floats), empty input, sample weights, a mix of types, a mix of strings and
    numbers. With encode=False, plain numeric label vectors are only made int64
    (y_type "labels", no classes): all accuracy needs.
    """
    check_consistent_length(y_true, y_pred, sample_weight)
    a, b = _label_vector(y_true), _label_vector(y_pred)
    if a is None or b is None:
        return _check_targets_generic(y_true, y_pred, sample_weight)
    type_true, type_pred = _vector_type(a, "y_true"), _vector_type(b, "y_pred")
    if a.shape[0] < 1 or b.shape[0] < 1:
        raise ValueError(
            "Found empty input array (e.g., `y_true` or `y_pred`) while a minimum "
            "of 1 sample is required."
        )
    T = _Targets()
    T.sample_weight, T.integral_weight = _check_sample_weight(sample_weight, a.shape[0])
    if "continuous" in (type_true, type_pred):
        if type_true != type_pred:
            type_true = type_true if type_true == "continuous" else _binary_or_multiclass(a)
            type_pred = type_pred if type_pred == "continuous" else _binary_or_multiclass(b)
            raise ValueError(
                f"Classification metrics can't handle a mix of {type_true} and "
                f"{type_pred} targets"
            )
        raise ValueError("continuous is not supported")
    if (a.dtype.kind == "U") != (b.dtype.kind == "U"):
        raise ValueError(
            "Mix of label input types (string and number); Got "
            f"{np.unique(a)} and {np.unique(b)}."
        )
    if not encode:
        T.y_type, T.raw_true, T.raw_pred = "labels", a, b
        if a.dtype.kind != "U":
            T.yt = np.ascontiguousarray(a, dtype=np.int64)
            T.yp = np.ascontiguousarray(b, dtype=np.int64)
        return T
    _encode_vectors(T, a, b)
    return T


def _check_targets_generic(y_true, y_pred, sample_weight):
    """scikit-learn's _check_targets through its public type_of_target and
    unique_labels, for inputs the fast path does not take."""
    type_true = type_of_target(y_true, input_name="y_true")
    type_pred = type_of_target(y_pred, input_name="y_pred")
    for y in (y_true, y_pred):
        n = y.shape[0] if hasattr(y, "shape") else len(y)
        if n < 1:
            raise ValueError(
                "Found empty input array (e.g., `y_true` or `y_pred`) while a "
                "minimum of 1 sample is required."
            )
    n = y_true.shape[0] if hasattr(y_true, "shape") else len(y_true)
    T = _Targets()
    T.sample_weight, T.integral_weight = _check_sample_weight(sample_weight, n)
    types = {type_true, type_pred}
    if types == {"binary", "multiclass"}:
        types = {"multiclass"}
    if len(types) > 1:
        raise ValueError(
            f"Classification metrics can't handle a mix of {type_true} and {type_pred} "
            "targets"
        )
    y_type = types.pop()
    if y_type not in ("binary", "multiclass", "multilabel-indicator"):
        raise ValueError(f"{y_type} is not supported")
    if y_type == "multilabel-indicator":
        classes = unique_labels(y_true, y_pred, ys_types={y_type})
        T.y_type = y_type
        T.classes = classes
        T.Yt_raw, T.Yt = _indicator(y_true)
        T.Yp_raw, T.Yp = _indicator(y_pred)
        return T
    a = column_or_1d(y_true, input_name="y_true")
    b = column_or_1d(y_pred, input_name="y_pred")
    classes = unique_labels(a, b, ys_types={y_type})
    fast_a, fast_b = _label_vector(a), _label_vector(b)
    if fast_a is not None and fast_b is not None:
        _encode_vectors(T, fast_a, fast_b)
        return T
    # Object labels: encode through a dict (equal numbers hash alike, as in
    # scikit-learn's unique_labels).
    index = {c: i for i, c in enumerate(classes.tolist())}
    T.y_type = "binary" if classes.shape[0] <= 2 else "multiclass"
    T.classes = classes
    T.yt = np.fromiter((index[v] for v in a.tolist()), np.int64, a.shape[0])
    T.yp = np.fromiter((index[v] for v in b.tolist()), np.int64, b.shape[0])
    T.offset, T.R = 0, classes.shape[0]
    T.class_codes = np.arange(T.R)
    T.raw_true, T.raw_pred = a, b
    return T


def _indicator(Y):
    """(dense input, uint8 (N, L) with 1 where it is nonzero)."""
    dense = Y.toarray() if sp.issparse(Y) else np.asarray(Y)
    return dense, np.ascontiguousarray(dense != 0).view(np.uint8)


def _encode_vectors(T, a, b):
    """Fill T's label-vector form from validated 1-D label arrays a (true), b (pred)."""
    T.raw_true, T.raw_pred = a, b
    numeric = a.dtype.kind != "U"
    if numeric:
        yt = a.astype(np.int64, copy=False)
        yp = b.astype(np.int64, copy=False)
        lo_t, hi_t = _kernels.label_range(np.ascontiguousarray(yt))
        lo_p, hi_p = _kernels.label_range(np.ascontiguousarray(yp))
        lo, hi = min(lo_t, lo_p), max(hi_t, hi_p)
        R = hi - lo + 1
        if R <= max(_SPAN_RANGE, a.shape[0]):
            T.yt, T.yp = np.ascontiguousarray(yt), np.ascontiguousarray(yp)
            T.offset, T.R = lo, R
            _class_stats_unweighted(T)
            in_true, in_pred = T.stats[1] > 0, T.stats[2] > 0
            T.class_codes = np.flatnonzero(in_true | in_pred)
            values = T.class_codes + lo
            _set_classes(T, values, a.dtype, b.dtype, np.any(in_pred & ~in_true))
            return
    # strings, or integers spread too wide to count over their range
    classes, inverse = np.unique(np.concatenate([a, b]), return_inverse=True)
    inverse = inverse.astype(np.int64, copy=False).reshape(-1)
    n = a.shape[0]
    T.yt, T.yp = np.ascontiguousarray(inverse[:n]), np.ascontiguousarray(inverse[n:])
    T.offset, T.R = 0, classes.shape[0]
    T.class_codes = np.arange(T.R)
    if numeric:
        in_true = np.bincount(T.yt, minlength=T.R) > 0
        _set_classes(T, classes, a.dtype, b.dtype, not np.all(in_true))
    else:
        T.classes = classes
        T.y_type = "binary" if classes.shape[0] <= 2 else "multiclass"


def _set_classes(T, values, dtype_true, dtype_pred, pred_adds):
    """classes in scikit-learn's unique_labels dtype: a set of y_true's labels, then
    y_pred's not already in it, made an array; y_pred's dtype counts only if it
    added a label."""
    dtype = np.result_type(dtype_true, dtype_pred) if pred_adds else dtype_true
    T.classes = np.asarray(values).astype(dtype)
    T.y_type = "binary" if T.classes.shape[0] <= 2 else "multiclass"


def _match(labels, classes):
    """Index in classes of every entry of labels (-1 where none): equal values,
    numbers never equal to strings."""
    labels = np.asarray(labels)
    out = np.full(labels.shape[0], -1, dtype=np.int64)
    if labels.shape[0] == 0 or classes.shape[0] == 0:
        return out
    if (labels.dtype.kind in "US") != (classes.dtype.kind in "US"):
        return out
    if labels.dtype.kind == "O" or classes.dtype.kind == "O":
        index = {c: i for i, c in enumerate(classes.tolist())}
        for j, v in enumerate(labels.tolist()):
            try:
                out[j] = index.get(v, -1)
            except TypeError:
                pass
        return out
    pos = np.clip(np.searchsorted(classes, labels), 0, classes.shape[0] - 1)
    found = classes[pos] == labels
    out[found] = pos[found]
    return out


# ---------------------------------------------------------------- counting


def _class_stats(T):
    """(tp, true_sum, pred_sum) per code (R): int64 counts, or float64 weighted sums
    added in sample order (as np.bincount adds them)."""
    if T.sample_weight is None:
        return _class_stats_unweighted(T)
    tp, ts, ps, _ = _kernels.class_sums(T.yt, T.yp, T.sample_weight, T.offset, T.R)
    return tp, ts, ps


def _multilabel_stats(T, labels, samplewise):
    """(tp, true_sum, pred_sum) per label (L), or per sample (N) when samplewise,
    over the indicator columns `labels` (all when None)."""
    Yt, Yp = T.Yt, T.Yp
    if labels is not None:
        Yt = np.ascontiguousarray(Yt[:, labels])
        Yp = np.ascontiguousarray(Yp[:, labels])
    tp, ts, ps, _ = _kernels.multilabel_sums(Yt, Yp, T.sample_weight, samplewise)
    # scikit-learn's weighted sums are np.bincount's: float64, except that an empty
    # bincount is int64, and integer weights keep the rest of its arithmetic in
    # integers (all-zero indicators give int64 sums)
    integral = T.sample_weight is None or (
        T.integral_weight and (samplewise or not (Yt.any() or Yp.any()))
    )
    if integral:
        return tp.astype(np.int64), ts.astype(np.int64), ps.astype(np.int64)
    return tp, ts, ps


def _prf_labels(T, average, labels, pos_label):
    """scikit-learn's _check_set_wise_labels: the labels to score."""
    if average == "binary":
        if T.y_type == "binary":
            if pos_label not in T.classes:
                if len(T.classes) >= 2:
                    raise ValueError(
                        f"pos_label={pos_label} is not a valid label. It should be "
                        f"one of {T.classes}"
                    )
            return [pos_label]
        options = list(_AVERAGES)
        if T.y_type == "multiclass":
            options.remove("samples")
        raise ValueError(
            f"Target is {T.y_type} but average='binary'. Please choose another "
            f"average setting, one of {options!r}."
        )
    if pos_label not in (None, 1):
        warnings.warn(
            f"Note that pos_label (set to {pos_label!r}) is ignored when average != "
            f"'binary' (got {average!r}). You may use labels=[pos_label] to specify "
            "a single positive class.",
            UserWarning,
        )
    return labels


def _prf_sums(T, average, labels):
    """(tp_sum, pred_sum, true_sum) of scikit-learn's multilabel_confusion_matrix
    for the labels asked (all present labels when None), summed for "micro"."""
    samplewise = average == "samples"
    if T.y_type == "multilabel-indicator":
        cols = None
        if labels is not None:
            cols = np.asarray(labels)
            present = T.classes
            if cols.shape != present.shape or np.any(cols != present):
                if cols.size and np.max(cols) > np.max(present):
                    raise ValueError(
                        "All labels must be in [0, n labels) for multilabel targets. "
                        f"Got {np.max(cols)} > {np.max(present)}"
                    )
                if cols.size and np.min(cols) < 0:
                    raise ValueError(
                        "All labels must be in [0, n labels) for multilabel targets. "
                        f"Got {np.min(cols)} < 0"
                    )
        tp, ts, ps = _multilabel_stats(T, cols, samplewise)
    else:
        if samplewise:
            raise ValueError(
                "Samplewise metrics are not available outside of multilabel "
                "classification."
            )
        tp_all, ts_all, ps_all = _class_stats(T)
        if labels is None:
            codes = T.class_codes
            tp, ts, ps = tp_all[codes], ts_all[codes], ps_all[codes]
        else:
            idx = _match(labels, T.classes)
            hit = idx >= 0
            codes = T.class_codes[idx[hit]]
            tp, ts, ps = (np.zeros(idx.shape[0], dtype=tp_all.dtype) for _ in range(3))
            tp[hit], ts[hit], ps[hit] = tp_all[codes], ts_all[codes], ps_all[codes]
        if T.sample_weight is None and not np.any(_class_stats_unweighted(T)[0]):
            # scikit-learn's multilabel_confusion_matrix starts tp_sum as float
            # zeros when no sample is right, which makes every sum (and the
            # support returned) float64
            tp, ts, ps = (s.astype(np.float64) for s in (tp, ts, ps))
    # scikit-learn goes through the multilabel confusion matrix and back: its
    # sums are tp + (sum - tp), which rounding can move by an ulp from the sum
    ps = tp + (ps - tp)
    ts = tp + (ts - tp)
    if average == "micro":
        tp, ps, ts = (np.reshape(np.sum(s), (1,)) for s in (tp, ps, ts))
    return tp, ps, ts


def _prf_divide(numerator, denominator, metric, modifier, average, warn_for, zero_division):
    """numerator / denominator with scikit-learn's zero_division handling and warning."""
    mask = denominator == 0
    denominator = np.array(denominator, dtype=np.float64)
    denominator[mask] = 1
    result = np.asarray(numerator, dtype=np.float64) / denominator
    if not np.any(mask):
        return result
    result[mask] = _check_zero_division(zero_division)
    if zero_division != "warn" or metric not in warn_for:
        return result
    _warn_prf(average, modifier, f"{metric.capitalize()} is", result.shape[0])
    return result


def _warn_prf(average, modifier, msg_start, result_size):
    axis0, axis1 = "sample", "label"
    if average == "samples":
        axis0, axis1 = axis1, axis0
    msg = (
        f"{msg_start} ill-defined and being set to 0.0 {{0}} no {modifier} {axis0}s. "
        "Use `zero_division` parameter to control this behavior."
    )
    msg = msg.format("due to" if result_size == 1 else f"in {axis1}s with")
    warnings.warn(msg, UndefinedMetricWarning, stacklevel=4)


def _nanaverage(a, weights=None):
    """scikit-learn's _nanaverage: the (weighted) mean ignoring NaN."""
    if a.shape[0] == 0:
        return np.nan
    mask = np.isnan(a)
    if np.all(mask):
        return np.nan
    if weights is None:
        return np.nanmean(a)
    weights = np.asarray(weights)
    a, weights = a[~mask], weights[~mask]
    try:
        return np.average(a, weights=weights)
    except ZeroDivisionError:
        return np.average(a)


def _prf_scores(tp_sum, pred_sum, true_sum, beta, average, warn_for, zero_division,
                sample_weight):
    """precision, recall, F-beta, support from the sums, as scikit-learn divides
    and averages them."""
    beta2 = beta**2
    precision = _prf_divide(
        tp_sum, pred_sum, "precision", "predicted", average, warn_for, zero_division
    )
    recall = _prf_divide(tp_sum, true_sum, "recall", "true", average, warn_for, zero_division)
    if np.isposinf(beta):
        f_score = recall
    elif beta == 0:
        f_score = precision
    else:
        denom = beta2 * np.asarray(true_sum, dtype=np.float64) + np.asarray(
            pred_sum, dtype=np.float64
        )
        f_score = _prf_divide(
            (1 + beta2) * np.asarray(tp_sum, dtype=np.float64), denom, "f-score",
            "true nor predicted", average, warn_for, zero_division,
        )
    if average == "weighted":
        weights = true_sum
    elif average == "samples":
        weights = sample_weight
    else:
        weights = None
    if average is not None:
        precision = float(_nanaverage(precision, weights=weights))
        recall = float(_nanaverage(recall, weights=weights))
        f_score = float(_nanaverage(f_score, weights=weights))
        true_sum = None
    return precision, recall, f_score, true_sum


def _check_beta(beta):
    if (
        not isinstance(beta, numbers.Real)
        or isinstance(beta, bool)
        or np.isnan(beta)
        or beta < 0
    ):
        raise ValueError(
            f"The 'beta' parameter must be a float in the range [0.0, inf). Got {beta!r} "
            "instead."
        )


def _check_pos_label(pos_label):
    if pos_label is not None and not isinstance(pos_label, (numbers.Real, str, bool)):
        raise ValueError(
            "The 'pos_label' parameter must be an instance of 'numbers.Real', 'str', "
            f"'bool' or None. Got {pos_label!r} instead."
        )


# ---------------------------------------------------------------- classification


def accuracy_score(
    y_true: MatrixLike,
    y_pred: MatrixLike,
    *,
    normalize: bool = True,
    sample_weight: ArrayLike | None = None,
) -> float:
    """Accuracy: the fraction (or number) of samples whose label is predicted exactly.

    In multilabel classification this is the subset accuracy: a sample counts
    only when its whole row of labels matches.

    Parameters
    ----------
    y_true : {array-like, sparse matrix} of shape (n_samples,) or (n_samples, n_labels)
        Ground truth labels; for multilabel input, a label indicator matrix.
    y_pred : {array-like, sparse matrix} of shape (n_samples,) or (n_samples, n_labels)
        Predicted labels; for multilabel input, a label indicator matrix.
    normalize : bool, default=True
        Return the fraction of correct samples; if False, their number (or total
        weight).
    sample_weight : array-like of shape (n_samples,), default=None
        Sample weights.

    Returns
    -------
    score : float
        Same as ``sklearn.metrics.accuracy_score``.

    Notes
    -----
    Integer labels are compared in C without finding the label set at all: for
    accuracy it only matters which samples are right.
    """
    T = _check_targets(y_true, y_pred, sample_weight, encode=False)
    w = T.sample_weight
    if T.y_type == "multilabel-indicator":
        if T.Yt_raw.shape[1] and T.Yt_raw.shape == T.Yp_raw.shape:
            correct = np.all(T.Yt_raw == T.Yp_raw, axis=1)
        else:
            correct = np.ones(T.Yt_raw.shape[0], dtype=bool)
        n_correct = float(np.sum(correct)) if w is None else float(np.dot(correct, w))
    elif T.raw_true.dtype.kind == "U":
        correct = T.raw_true == T.raw_pred
        n_correct = float(np.sum(correct)) if w is None else float(np.dot(correct, w))
    else:
        n_correct = _kernels.count_equal(T.yt, T.yp, w)
    if not normalize:
        return float(n_correct)
    total = float(T.Yt.shape[0] if T.y_type == "multilabel-indicator" else T.raw_true.shape[0])
    if w is not None:
        total = float(np.sum(w))
        if total == 0:
            raise ZeroDivisionError("Weights sum to zero, can't be normalized")
    return float(n_correct / total)


def confusion_matrix(
    y_true: ArrayLike,
    y_pred: ArrayLike,
    *,
    labels: ArrayLike | None = None,
    sample_weight: ArrayLike | None = None,
    normalize: Normalize | None = None,
) -> NDArray[Any]:
    """Confusion matrix: C[i, j] counts samples of true class i predicted as j.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        Ground truth labels.
    y_pred : array-like of shape (n_samples,)
        Predicted labels.
    labels : array-like of shape (n_classes,), default=None
        The classes, in the order of the rows and columns. Samples whose true or
        predicted label is not among them are left out. Default: the sorted labels
        present in y_true or y_pred.
    sample_weight : array-like of shape (n_samples,), default=None
        Sample weights.
    normalize : {"true", "pred", "all"}, default=None
        Divide by the row sums, the column sums or the total (0/0 gives 0).

    Returns
    -------
    C : ndarray of shape (n_classes, n_classes)
        int64 counts, or float64 for float weights or normalize, as
        ``sklearn.metrics.confusion_matrix``.

    Notes
    -----
    The table is counted in C in one pass over the labels. For integer labels of a
    small range it is counted by label value and the classes are read off the
    table afterwards, so the labels are never sorted or encoded.
    """
    if normalize not in (None, "true", "pred", "all"):
        raise ValueError(
            "The 'normalize' parameter must be a str among {'true', 'pred', 'all'} or "
            f"None. Got {normalize!r} instead."
        )
    if sample_weight is None:
        # scikit-learn checks lengths against a weight of ones per y_true sample:
        # the same check, and the same message
        check_consistent_length(y_true, y_pred, y_true)
    T = _check_targets(y_true, y_pred, sample_weight)
    if T.y_type not in ("binary", "multiclass"):
        raise ValueError(f"{T.y_type} is not supported")
    if labels is None:
        sel = np.arange(T.classes.shape[0])
        rows = T.class_codes
    else:
        labels = np.asarray(labels)
        if labels.size == 0:
            raise ValueError("'labels' should contain at least one label.")
        idx = _match(labels, T.classes)
        # a dict from label to position in scikit-learn: the last duplicate wins
        winner = {}
        for j, i in enumerate(idx.tolist()):
            if i >= 0:
                winner[i] = j
        sel = np.array(sorted(winner.values()), dtype=np.int64)
        rows = T.class_codes[idx[sel]] if sel.size else np.zeros(0, dtype=np.int64)
        true_counts = _class_stats_unweighted(T)[1]
        if not np.any(true_counts[rows] > 0):
            raise ValueError("At least one label specified must be in y_true")
    n_out = sel.shape[0] if labels is None else labels.shape[0]
    weighted = T.sample_weight is not None
    integral = not weighted or T.integral_weight
    table = _confusion_table(T, rows)
    cm = np.zeros((n_out, n_out), dtype=np.int64 if integral else np.float64)
    if sel.size:
        cm[np.ix_(sel, sel)] = table
    with np.errstate(all="ignore"):
        if normalize == "true":
            cm = cm / cm.sum(axis=1, keepdims=True)
        elif normalize == "pred":
            cm = cm / cm.sum(axis=0, keepdims=True)
        elif normalize == "all":
            cm = cm / cm.sum()
        cm = np.nan_to_num(cm)
    if cm.shape == (1, 1):
        warnings.warn(
            "A single label was found in 'y_true' and 'y_pred'. For the confusion "
            "matrix to have the correct shape, use the 'labels' parameter to pass "
            "all known labels.",
            UserWarning,
        )
    return cm


def _class_stats_unweighted(T):
    """(tp, true_sum, pred_sum) int64 counts per code (R), counted once per _Targets:
    from the (R, R) table when R is small (one scattered increment per sample
    instead of three), else per class."""
    if T.stats is None:
        if T.R <= _TABLE_RANGE:
            if T.table is None:
                T.table, _ = _kernels.confusion_count(T.yt, T.yp, None, T.offset, T.R)
            T.stats = (np.diagonal(T.table).copy(), T.table.sum(axis=1), T.table.sum(axis=0))
        else:
            tp, ts, ps, _ = _kernels.class_sums(T.yt, T.yp, None, T.offset, T.R)
            T.stats = tuple(s.astype(np.int64) for s in (tp, ts, ps))
    return T.stats


def _confusion_table(T, rows):
    """The (k, k) confusion table between the codes `rows` (k): int64 counts, or
    float64 weighted sums, or int64 sums of integer weights."""
    w = T.sample_weight
    if T.table is not None and w is None:
        return T.table[np.ix_(rows, rows)]
    if T.R <= _TABLE_RANGE:
        _, wcm = _kernels.confusion_count(
            T.yt, T.yp, w, T.offset, T.R, counts=False, weighted=True
        )
        table = wcm[np.ix_(rows, rows)]
    else:
        # map the codes asked for to 0..k-1 and every other code out of the table
        lut = np.full(T.R, -1, dtype=np.int64)
        lut[rows] = np.arange(rows.shape[0])
        yt = lut[T.yt - T.offset] if T.offset else lut[T.yt]
        yp = lut[T.yp - T.offset] if T.offset else lut[T.yp]
        counts, wcm = _kernels.confusion_count(
            yt, yp, w, 0, rows.shape[0], counts=w is None, weighted=w is not None
        )
        table = counts if w is None else wcm
    if w is not None and T.integral_weight:
        table = table.astype(np.int64)
    return table


def precision_recall_fscore_support(
    y_true: MatrixLike,
    y_pred: MatrixLike,
    *,
    beta: float = 1.0,
    labels: ArrayLike | None = None,
    pos_label: int | float | str | None = 1,
    average: Average | None = None,
    warn_for: Sequence[str] = ("precision", "recall", "f-score"),
    sample_weight: ArrayLike | None = None,
    zero_division: ZeroDivision = "warn",
) -> tuple[_Scores, _Scores, _Scores, NDArray[Any] | None]:
    """Precision, recall, F-beta score and support, per class or averaged.

    Parameters
    ----------
    y_true : {array-like, sparse matrix} of shape (n_samples,) or (n_samples, n_labels)
        Ground truth labels; for multilabel input, a label indicator matrix.
    y_pred : {array-like, sparse matrix} of shape (n_samples,) or (n_samples, n_labels)
        Predicted labels; for multilabel input, a label indicator matrix.
    beta : float, default=1.0
        Weight of recall against precision in the F-score.
    labels : array-like of shape (n_labels,), default=None
        The labels to score (and their order) when ``average != "binary"``;
        default: all labels present, sorted. For multilabel input, column indices.
    pos_label : int, float, bool or str, default=1
        The class to score when ``average="binary"``; ignored (with a warning)
        otherwise.
    average : {"binary", "micro", "macro", "weighted", "samples"} or None, \
            default=None
        None: scores per label. "binary": the scores of ``pos_label`` (binary
        targets only). "micro": from the summed counts. "macro": the unweighted
        mean over labels. "weighted": the mean weighted by support. "samples": the
        mean over samples (multilabel only).
    warn_for : tuple or set, default=("precision", "recall", "f-score")
        Which of "precision", "recall" and "f-score" warn when their denominator
        is 0 and ``zero_division="warn"``; the others are set to 0.0 silently.
    sample_weight : array-like of shape (n_samples,), default=None
        Sample weights.
    zero_division : {"warn", 0.0, 1.0, np.nan}, default="warn"
        The value of a score whose denominator is 0; "warn" gives 0.0 and an
        ``UndefinedMetricWarning``.

    Returns
    -------
    precision : float or ndarray of shape (n_labels,)
    recall : float or ndarray of shape (n_labels,)
    fbeta_score : float or ndarray of shape (n_labels,)
    support : None or ndarray of shape (n_labels,)
        The number (int64) or total weight (float64) of true samples per label;
        None when averaged.

    Notes
    -----
    The per-class true-positive, true and predicted counts come from one C pass
    (for small integer label ranges, the diagonal and margins of the confusion
    table); only the divisions and the averaging, over a handful of classes, are
    done in NumPy, in scikit-learn's order of operations.
    """
    _check_zero_division(zero_division)
    _check_average(average)
    _check_beta(beta)
    _check_pos_label(pos_label)
    T = _check_targets(y_true, y_pred, sample_weight)
    labels = _prf_labels(T, average, labels, pos_label)
    tp, ps, ts = _prf_sums(T, average, labels)
    return _prf_scores(tp, ps, ts, beta, average, warn_for, zero_division, T.sample_weight)


def fbeta_score(
    y_true: MatrixLike,
    y_pred: MatrixLike,
    *,
    beta: float,
    labels: ArrayLike | None = None,
    pos_label: int | float | str | None = 1,
    average: Average | None = "binary",
    sample_weight: ArrayLike | None = None,
    zero_division: ZeroDivision = "warn",
) -> _Scores:
    """F-beta score: the weighted harmonic mean of precision and recall.

    Parameters
    ----------
    y_true : {array-like, sparse matrix} of shape (n_samples,) or (n_samples, n_labels)
        Ground truth labels; for multilabel input, a label indicator matrix.
    y_pred : {array-like, sparse matrix} of shape (n_samples,) or (n_samples, n_labels)
        Predicted labels; for multilabel input, a label indicator matrix.
    beta : float
        Weight of recall against precision: beta < 1 favours precision, beta > 1
        recall.
    labels : array-like of shape (n_labels,), default=None
        The labels to score (and their order) when ``average != "binary"``;
        default: all labels present, sorted. For multilabel input, column indices.
    pos_label : int, float, bool or str, default=1
        The class to score when ``average="binary"``; ignored (with a warning)
        otherwise.
    average : {"binary", "micro", "macro", "weighted", "samples"} or None, \
            default="binary"
        None: scores per label. "binary": the score of ``pos_label`` (binary
        targets only). "micro": from the summed counts. "macro": the unweighted
        mean over labels. "weighted": the mean weighted by support. "samples": the
        mean over samples (multilabel only).
    sample_weight : array-like of shape (n_samples,), default=None
        Sample weights.
    zero_division : {"warn", 0.0, 1.0, np.nan}, default="warn"
        The value of a score whose denominator is 0; "warn" gives 0.0 and an
        ``UndefinedMetricWarning``.

    Returns
    -------
    fbeta_score : float or ndarray of shape (n_labels,)
        An array when ``average=None``.
    """
    _, _, f, _ = precision_recall_fscore_support(
        y_true, y_pred, beta=beta, labels=labels, pos_label=pos_label, average=average,
        warn_for=("f-score",), sample_weight=sample_weight, zero_division=zero_division,
    )
    return f


def f1_score(
    y_true: MatrixLike,
    y_pred: MatrixLike,
    *,
    labels: ArrayLike | None = None,
    pos_label: int | float | str | None = 1,
    average: Average | None = "binary",
    sample_weight: ArrayLike | None = None,
    zero_division: ZeroDivision = "warn",
) -> _Scores:
    """F1 score: the harmonic mean of precision and recall.

    Parameters
    ----------
    y_true : {array-like, sparse matrix} of shape (n_samples,) or (n_samples, n_labels)
        Ground truth labels; for multilabel input, a label indicator matrix.
    y_pred : {array-like, sparse matrix} of shape (n_samples,) or (n_samples, n_labels)
        Predicted labels; for multilabel input, a label indicator matrix.
    labels : array-like of shape (n_labels,), default=None
        The labels to score (and their order) when ``average != "binary"``;
        default: all labels present, sorted. For multilabel input, column indices.
    pos_label : int, float, bool or str, default=1
        The class to score when ``average="binary"``; ignored (with a warning)
        otherwise.
    average : {"binary", "micro", "macro", "weighted", "samples"} or None, \
            default="binary"
        None: scores per label. "binary": the score of ``pos_label`` (binary
        targets only). "micro": from the summed counts. "macro": the unweighted
        mean over labels. "weighted": the mean weighted by support. "samples": the
        mean over samples (multilabel only).
    sample_weight : array-like of shape (n_samples,), default=None
        Sample weights.
    zero_division : {"warn", 0.0, 1.0, np.nan}, default="warn"
        The value of a score whose denominator is 0; "warn" gives 0.0 and an
        ``UndefinedMetricWarning``.

    Returns
    -------
    f1_score : float or ndarray of shape (n_labels,)
        An array when ``average=None``.
    """
    return fbeta_score(
        y_true, y_pred, beta=1, labels=labels, pos_label=pos_label, average=average,
        sample_weight=sample_weight, zero_division=zero_division,
    )


def precision_score(
    y_true: MatrixLike,
    y_pred: MatrixLike,
    *,
    labels: ArrayLike | None = None,
    pos_label: int | float | str | None = 1,
    average: Average | None = "binary",
    sample_weight: ArrayLike | None = None,
    zero_division: ZeroDivision = "warn",
) -> _Scores:
    """Precision: tp / (tp + fp).

    Parameters
    ----------
    y_true : {array-like, sparse matrix} of shape (n_samples,) or (n_samples, n_labels)
        Ground truth labels; for multilabel input, a label indicator matrix.
    y_pred : {array-like, sparse matrix} of shape (n_samples,) or (n_samples, n_labels)
        Predicted labels; for multilabel input, a label indicator matrix.
    labels : array-like of shape (n_labels,), default=None
        The labels to score (and their order) when ``average != "binary"``;
        default: all labels present, sorted. For multilabel input, column indices.
    pos_label : int, float, bool or str, default=1
        The class to score when ``average="binary"``; ignored (with a warning)
        otherwise.
    average : {"binary", "micro", "macro", "weighted", "samples"} or None, \
            default="binary"
        None: scores per label. "binary": the score of ``pos_label`` (binary
        targets only). "micro": from the summed counts. "macro": the unweighted
        mean over labels. "weighted": the mean weighted by support. "samples": the
        mean over samples (multilabel only).
    sample_weight : array-like of shape (n_samples,), default=None
        Sample weights.
    zero_division : {"warn", 0.0, 1.0, np.nan}, default="warn"
        The value of a score whose denominator is 0; "warn" gives 0.0 and an
        ``UndefinedMetricWarning``.

    Returns
    -------
    precision : float or ndarray of shape (n_labels,)
        An array when ``average=None``.
    """
    p, _, _, _ = precision_recall_fscore_support(
        y_true, y_pred, labels=labels, pos_label=pos_label, average=average,
        warn_for=("precision",), sample_weight=sample_weight, zero_division=zero_division,
    )
    return p


def recall_score(
    y_true: MatrixLike,
    y_pred: MatrixLike,
    *,
    labels: ArrayLike | None = None,
    pos_label: int | float | str | None = 1,
    average: Average | None = "binary",
    sample_weight: ArrayLike | None = None,
    zero_division: ZeroDivision = "warn",
) -> _Scores:
    """Recall: tp / (tp + fn).

    Parameters
    ----------
    y_true : {array-like, sparse matrix} of shape (n_samples,) or (n_samples, n_labels)
        Ground truth labels; for multilabel input, a label indicator matrix.
    y_pred : {array-like, sparse matrix} of shape (n_samples,) or (n_samples, n_labels)
        Predicted labels; for multilabel input, a label indicator matrix.
    labels : array-like of shape (n_labels,), default=None
        The labels to score (and their order) when ``average != "binary"``;
        default: all labels present, sorted. For multilabel input, column indices.
    pos_label : int, float, bool or str, default=1
        The class to score when ``average="binary"``; ignored (with a warning)
        otherwise.
    average : {"binary", "micro", "macro", "weighted", "samples"} or None, \
            default="binary"
        None: scores per label. "binary": the score of ``pos_label`` (binary
        targets only). "micro": from the summed counts. "macro": the unweighted
        mean over labels. "weighted": the mean weighted by support. "samples": the
        mean over samples (multilabel only).
    sample_weight : array-like of shape (n_samples,), default=None
        Sample weights.
    zero_division : {"warn", 0.0, 1.0, np.nan}, default="warn"
        The value of a score whose denominator is 0; "warn" gives 0.0 and an
        ``UndefinedMetricWarning``.

    Returns
    -------
    recall : float or ndarray of shape (n_labels,)
        An array when ``average=None``.
    """
    _, r, _, _ = precision_recall_fscore_support(
        y_true, y_pred, labels=labels, pos_label=pos_label, average=average,
        warn_for=("recall",), sample_weight=sample_weight, zero_division=zero_division,
    )
    return r


def classification_report(
    y_true: MatrixLike,
    y_pred: MatrixLike,
    *,
    labels: ArrayLike | None = None,
    target_names: Sequence[str] | None = None,
    sample_weight: ArrayLike | None = None,
    digits: int = 2,
    output_dict: bool = False,
    zero_division: ZeroDivision = "warn",
) -> str | dict[str, Any]:
    """Text (or dict) report of precision, recall, F1 and support per class.

    Parameters
    ----------
    y_true : {array-like, sparse matrix} of shape (n_samples,) or (n_samples, n_labels)
        Ground truth labels; for multilabel input, a label indicator matrix.
    y_pred : {array-like, sparse matrix} of shape (n_samples,) or (n_samples, n_labels)
        Predicted labels; for multilabel input, a label indicator matrix.
    labels : array-like of shape (n_labels,), default=None
        The labels in the report.
    target_names : array-like of shape (n_labels,), default=None
        Display names of the labels.
    sample_weight : array-like of shape (n_samples,), default=None
        Sample weights.
    digits : int, default=2
        Digits of the floats in the text report.
    output_dict : bool, default=False
        Return a dict instead of text.
    zero_division : {"warn", 0.0, 1.0, np.nan}, default="warn"
        As in :func:`precision_recall_fscore_support`.

    Returns
    -------
    report : str or dict
        Character for character (or key for key) ``sklearn.metrics.
        classification_report``.

    Notes
    -----
    The targets are validated and counted once; each row of averages is then
    divided from those counts, emitting the warnings scikit-learn's separate calls
    emit.
    """
    if not isinstance(digits, numbers.Integral) or isinstance(digits, bool) or digits < 0:
        raise ValueError(
            f"The 'digits' parameter must be an int in the range [0, inf). Got {digits!r} "
            "instead."
        )
    _check_zero_division(zero_division)
    T = _check_targets(y_true, y_pred, sample_weight)
    if labels is None:
        labels = T.classes
        labels_given = False
    else:
        labels = np.asarray(labels)
        labels_given = True
    micro_is_accuracy = (T.y_type in ("multiclass", "binary")) and (
        not labels_given or set(labels) >= set(T.classes)
    )
    if target_names is not None and len(labels) != len(target_names):
        if labels_given:
            warnings.warn(
                f"labels size, {len(labels)}, does not match size of target_names, "
                f"{len(target_names)}"
            )
        else:
            raise ValueError(
                f"Number of classes, {len(labels)}, does not match size of "
                f"target_names, {len(target_names)}. Try specifying the labels "
                "parameter"
            )
    if target_names is None:
        target_names = ["%s" % label for label in labels]
    headers = ["precision", "recall", "f1-score", "support"]
    warn_for = ("precision", "recall", "f-score")
    w = T.sample_weight

    def scores(average):
        tp, ps, ts = _prf_sums(T, average, labels)
        return _prf_scores(tp, ps, ts, 1.0, average, warn_for, zero_division, w)

    p, r, f1, s = scores(None)
    rows = zip(target_names, p, r, f1, s)
    if T.y_type == "multilabel-indicator":
        average_options = ("micro", "macro", "weighted", "samples")
    else:
        average_options = ("micro", "macro", "weighted")
    if output_dict:
        report_dict = {label[0]: label[1:] for label in rows}
        for label, row in report_dict.items():
            report_dict[label] = dict(zip(headers, [float(i) for i in row]))
    else:
        longest_last_line_heading = "weighted avg"
        name_width = max(len(cn) for cn in target_names)
        width = max(name_width, len(longest_last_line_heading), digits)
        head_fmt = "{:>{width}s} " + " {:>9}" * len(headers)
        report = head_fmt.format("", *headers, width=width)
        report += "\n\n"
        row_fmt = "{:>{width}s} " + " {:>9.{digits}f}" * 3 + " {:>9}\n"
        for row in rows:
            report += row_fmt.format(*row, width=width, digits=digits)
        report += "\n"
    for average in average_options:
        if average.startswith("micro") and micro_is_accuracy:
            line_heading = "accuracy"
        else:
            line_heading = average + " avg"
        avg_p, avg_r, avg_f1, _ = scores(average)
        avg = [avg_p, avg_r, avg_f1, np.sum(s)]
        if output_dict:
            report_dict[line_heading] = dict(zip(headers, [float(i) for i in avg]))
        elif line_heading == "accuracy":
            row_fmt_accuracy = (
                "{:>{width}s} " + " {:>9.{digits}}" * 2 + " {:>9.{digits}f}" + " {:>9}\n"
            )
            report += row_fmt_accuracy.format(
                line_heading, "", "", *avg[2:], width=width, digits=digits
            )
        else:
            report += row_fmt.format(line_heading, *avg, width=width, digits=digits)
    if output_dict:
        if "accuracy" in report_dict.keys():
            report_dict["accuracy"] = report_dict["accuracy"]["precision"]
        return report_dict
    return report


# ---------------------------------------------------------------- regression


def _float_target(y):
    """y as a C-contiguous float64 (N, O) array, or None when it needs
    scikit-learn's check_array (non-arrays, other dtypes, empty, other shapes)."""
    if not isinstance(y, np.ndarray) or y.dtype.kind not in "fiub":
        return None
    if y.ndim not in (1, 2) or y.shape[0] < 1 or (y.ndim == 2 and y.shape[1] < 1):
        return None
    y = y.reshape(-1, 1) if y.ndim == 1 else y
    return np.ascontiguousarray(y, dtype=np.float64)


def _float_dtype(*arrays):
    """The float dtype scikit-learn computes in: the widest float input, else float64."""
    floats = [
        np.asarray(a).dtype for a in arrays
        if a is not None and hasattr(a, "dtype") and np.asarray(a).dtype.kind == "f"
    ]
    return np.result_type(*floats) if floats else np.dtype(np.float64)


def _check_reg_targets(y_true, y_pred, sample_weight, multioutput, allowed):
    """scikit-learn's _check_reg_targets: float64 (N, O) targets, weights (N) or
    None, the multioutput option or weights (O), and the dtype of raw results."""
    if multioutput is None and "variance_weighted" not in allowed:
        raise ValueError(
            f"The 'multioutput' parameter must be a str among {set(allowed)} or an "
            "array-like. Got None instead."
        )
    if isinstance(multioutput, str) and multioutput not in allowed:
        raise ValueError(
            f"Allowed 'multioutput' string values are {allowed}. You provided "
            f"multioutput={multioutput!r}"
        )
    check_consistent_length(y_true, y_pred, sample_weight)
    dtype = _float_dtype(y_true, y_pred, sample_weight)
    yt, yp = _float_target(y_true), _float_target(y_pred)
    if yt is None or yp is None:
        yt = check_array(y_true, ensure_2d=False, dtype=np.float64)
        yp = check_array(y_pred, ensure_2d=False, dtype=np.float64)
        yt = np.ascontiguousarray(yt.reshape(-1, 1) if yt.ndim == 1 else yt)
        yp = np.ascontiguousarray(yp.reshape(-1, 1) if yp.ndim == 1 else yp)
    w = None
    if sample_weight is not None:
        w, _ = _check_sample_weight(sample_weight, yt.shape[0])
    if yt.shape[1] != yp.shape[1]:
        raise ValueError(
            "y_true and y_pred have different number of output "
            f"({yt.shape[1]}!={yp.shape[1]})"
        )
    n_outputs = yt.shape[1]
    if not isinstance(multioutput, str) and multioutput is not None:
        multioutput = check_array(multioutput, ensure_2d=False)
        if n_outputs == 1:
            raise ValueError("Custom weights are useful only in multi-output cases.")
        if n_outputs != multioutput.shape[0]:
            raise ValueError(
                f"There must be equally many custom weights ({multioutput.shape[0]}) as "
                f"outputs ({n_outputs})."
            )
    return yt, yp, w, multioutput, dtype


def _regression_sums(y_true, y_pred, yt, yp, w, **what):
    """The C sums, or scikit-learn's error if an input holds NaN or infinity."""
    sums = _kernels.regression_sums(yt, yp, w, **what)
    if sums is None:
        check_array(y_true, ensure_2d=False, dtype=np.float64)
        check_array(y_pred, ensure_2d=False, dtype=np.float64)
        raise ValueError("Input contains NaN or infinity.")
    return sums


def _mean_over_samples(sums, n, w):
    """Per-output weighted mean from per-output sums, as np.average divides."""
    if w is None:
        return sums / n
    scale = np.sum(w)
    if scale == 0:
        raise ZeroDivisionError("Weights sum to zero, can't be normalized")
    return sums / scale


def _average_outputs(errors, multioutput, dtype):
    if isinstance(multioutput, str):
        if multioutput == "raw_values":
            return errors.astype(dtype, copy=False)
        multioutput = None
    return float(np.average(errors, weights=multioutput))


def mean_squared_error(
    y_true: ArrayLike,
    y_pred: ArrayLike,
    *,
    sample_weight: ArrayLike | None = None,
    multioutput: MultiOutput | ArrayLike = "uniform_average",
) -> _Scores:
    """Mean squared error.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,) or (n_samples, n_outputs)
        Ground truth targets.
    y_pred : array-like of shape (n_samples,) or (n_samples, n_outputs)
        Predicted targets.
    sample_weight : array-like of shape (n_samples,), default=None
        Sample weights.
    multioutput : {"raw_values", "uniform_average"} or array-like of shape \
            (n_outputs,), default="uniform_average"
        One error per output, their mean, or their weighted mean.

    Returns
    -------
    loss : float or ndarray of shape (n_outputs,)

    Notes
    -----
    The squared errors are summed in C in one pass without a temporary array,
    block by block with compensated addition of the block sums.
    """
    yt, yp, w, multioutput, dtype = _check_reg_targets(
        y_true, y_pred, sample_weight, multioutput, ("raw_values", "uniform_average")
    )
    sq, _, _ = _regression_sums(y_true, y_pred, yt, yp, w)
    errors = _mean_over_samples(sq, yt.shape[0], w)
    return _average_outputs(errors, multioutput, dtype)


def root_mean_squared_error(
    y_true: ArrayLike,
    y_pred: ArrayLike,
    *,
    sample_weight: ArrayLike | None = None,
    multioutput: MultiOutput | ArrayLike = "uniform_average",
) -> _Scores:
    """Root mean squared error: the square root of each output's MSE.

    With several outputs the roots are averaged (not the root of the average).

    Parameters
    ----------
    y_true : array-like of shape (n_samples,) or (n_samples, n_outputs)
        Ground truth targets.
    y_pred : array-like of shape (n_samples,) or (n_samples, n_outputs)
        Predicted targets.
    sample_weight : array-like of shape (n_samples,), default=None
        Sample weights.
    multioutput : {"raw_values", "uniform_average"} or array-like of shape \
            (n_outputs,), default="uniform_average"
        One error per output, their mean, or their weighted mean.

    Returns
    -------
    loss : float or ndarray of shape (n_outputs,)
        An ndarray with ``multioutput="raw_values"``.
    """
    allowed = ("raw_values", "uniform_average")
    if multioutput is None or (isinstance(multioutput, str) and multioutput not in allowed):
        raise ValueError(
            f"The 'multioutput' parameter must be a str among {set(allowed)} or an "
            f"array-like. Got {multioutput!r} instead."
        )
    # scikit-learn takes the per-output MSE first, so custom output weights are
    # not checked against the number of outputs here
    yt, yp, w, _, dtype = _check_reg_targets(
        y_true, y_pred, sample_weight, "raw_values", allowed
    )
    sq, _, _ = _regression_sums(y_true, y_pred, yt, yp, w)
    errors = np.sqrt(_mean_over_samples(sq, yt.shape[0], w).astype(dtype))
    return _average_outputs(errors, multioutput, dtype)


def mean_absolute_error(
    y_true: ArrayLike,
    y_pred: ArrayLike,
    *,
    sample_weight: ArrayLike | None = None,
    multioutput: MultiOutput | ArrayLike = "uniform_average",
) -> _Scores:
    """Mean absolute error.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,) or (n_samples, n_outputs)
        Ground truth targets.
    y_pred : array-like of shape (n_samples,) or (n_samples, n_outputs)
        Predicted targets.
    sample_weight : array-like of shape (n_samples,), default=None
        Sample weights.
    multioutput : {"raw_values", "uniform_average"} or array-like of shape \
            (n_outputs,), default="uniform_average"
        One error per output, their mean, or their weighted mean.

    Returns
    -------
    loss : float or ndarray of shape (n_outputs,)
        An ndarray with ``multioutput="raw_values"``.
    """
    yt, yp, w, multioutput, dtype = _check_reg_targets(
        y_true, y_pred, sample_weight, multioutput, ("raw_values", "uniform_average")
    )
    _, ab, _ = _regression_sums(y_true, y_pred, yt, yp, w, squared=False, absolute=True)
    errors = _mean_over_samples(ab, yt.shape[0], w)
    return _average_outputs(errors, multioutput, dtype)


def r2_score(
    y_true: ArrayLike,
    y_pred: ArrayLike,
    *,
    sample_weight: ArrayLike | None = None,
    multioutput: MultiOutput | ArrayLike | None = "uniform_average",
    force_finite: bool = True,
) -> _Scores:
    """R² (coefficient of determination): 1 - SS_res / SS_tot.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,) or (n_samples, n_outputs)
        Ground truth targets.
    y_pred : array-like of shape (n_samples,) or (n_samples, n_outputs)
        Predicted targets.
    sample_weight : array-like of shape (n_samples,), default=None
        Sample weights.
    multioutput : {"raw_values", "uniform_average", "variance_weighted"}, \
            array-like of shape (n_outputs,) or None, default="uniform_average"
        One score per output, their mean, their mean weighted by each output's
        variance, or their mean weighted by the given weights.
    force_finite : bool, default=True
        Replace the NaN and -inf of constant targets by 1.0 (perfect prediction)
        or 0.0.

    Returns
    -------
    z : float or ndarray of shape (n_outputs,)

    Notes
    -----
    The mean of y_true is taken with ``np.average``, as scikit-learn takes it: for a
    (nearly) constant target SS_tot is a difference of almost equal numbers, and
    only the same mean gives the same answer. Both sums of squares are then made
    in one C pass.
    """
    yt, yp, w, multioutput, dtype = _check_reg_targets(
        y_true, y_pred, sample_weight, multioutput,
        ("raw_values", "uniform_average", "variance_weighted"),
    )
    if yp.shape[0] < 2:
        warnings.warn(
            "R^2 score is not well-defined with less than two samples.",
            UndefinedMetricWarning,
        )
        return float("nan")
    center = np.ascontiguousarray(np.average(yt, axis=0, weights=w), dtype=np.float64)
    numerator, _, denominator = _regression_sums(y_true, y_pred, yt, yp, w, center=center)
    n_outputs = yt.shape[1]
    nonzero_denominator = denominator != 0
    if not force_finite:
        with np.errstate(divide="ignore", invalid="ignore"):
            output_scores = 1 - (numerator / denominator)
    else:
        nonzero_numerator = numerator != 0
        output_scores = np.ones([n_outputs], dtype=np.float64)
        valid_score = nonzero_denominator & nonzero_numerator
        output_scores[valid_score] = 1 - (numerator[valid_score] / denominator[valid_score])
        output_scores[nonzero_numerator & ~nonzero_denominator] = 0.0
    if isinstance(multioutput, str):
        if multioutput == "raw_values":
            return output_scores.astype(dtype, copy=False)
        if multioutput == "uniform_average":
            avg_weights = None
        else:
            avg_weights = denominator
            if not np.any(nonzero_denominator):
                avg_weights = None
    else:
        avg_weights = multioutput
    return float(np.average(output_scores, weights=avg_weights))
