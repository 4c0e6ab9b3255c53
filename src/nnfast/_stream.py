"""The cheap path of a partial_fit call after the first: streaming training.

A partial_fit call trains one epoch over a small chunk (100 rows take ~30 us in
C), so what it costs is what runs around that epoch. The first call validates
the settings and the data as fit does (scikit-learn's validate_data, label
checks, the model's own checks of its settings); later calls come here first.

``checked_batch`` takes a chunk that plainly needs none of that validation: a
NumPy array of floats of the fitted width, finite, with targets the model
knows and the settings unchanged since the last full check (``remember``).
It returns the chunk as the C core takes it, converted exactly as the full
path converts it, so both paths train to bit-identical weights. For anything
else it returns None and the caller takes the full path, which gives every
error and warning it always gave: the cheap path never raises its own.

``training_network`` keeps the C network partial_fit trains with (its buffers
and its sleeping helper threads) between calls: building one per call and
joining its helper thread at the end was two thirds of a call's time (py-spy
over 3000 calls of 100 rows, 2 threads).

``python -m nnfast.bench --workloads streaming`` measures the calls, and their
overhead beyond the C epoch (nnfast._streaming_workload).
"""

from __future__ import annotations

import functools
import threading
from typing import TYPE_CHECKING, cast

import numpy as np
from sklearn.base import _fit_context

if TYPE_CHECKING:
    from nnfast._typing import F

# The settings the full path checks (or builds the training network from) on
# every call; partial_fit's other parameters are read where they are used.
_CHECKED_SETTINGS = (
    "hidden_layer_sizes", "activation", "dropout", "negative_slope", "solver", "monitor",
    "loss", "huber_delta",
)
_ARRAY_TYPES = (np.ndarray, np.memmap)  # exactly these: no matrix, masked array
_FLOATS = (np.dtype(np.float32), np.dtype(np.float64))


def _comparable(a, b):
    """Whether arrays a and b hold labels NumPy compares element by element:
    numbers with numbers, strings with strings of the same kind."""
    return (a.dtype.kind in "biuf" and b.dtype.kind in "biuf") or (
        a.dtype.kind in "US" and a.dtype.kind == b.dtype.kind)


def _settings(model):
    """The checked settings' values, lists and arrays as tuples: compared by
    value, and a list changed in place does not look like the one checked."""
    return tuple([tuple(v) if isinstance(v, (list, np.ndarray)) else v
                  for v in map(model.__dict__.get, _CHECKED_SETTINGS)])


def remember(model):
    """Record that the model's settings passed the full path's checks."""
    model._stream_settings = _settings(model)


def known_classes(model, kwargs):
    """Whether partial_fit's keyword arguments besides sample_weight need no
    check: none for a regressor; for a classifier with classes_, none or
    `classes` exactly classes_ (then scikit-learn's check, which sorts the
    labels of `classes` first, passes too)."""
    known = model.__dict__.get("classes_")
    if known is None or not kwargs:
        return not kwargs
    if kwargs.keys() != {"classes"}:
        return False
    classes = kwargs["classes"]
    if classes is None:
        return True
    classes = np.asarray(classes)
    return (classes.shape == known.shape and _comparable(classes, known)
            and bool((classes == known).all()))


def _class_targets(model, y, dtype):
    """The 0/1 target matrix of labels y (n_samples, n_outputs) in dtype, as the
    full path encodes it; None unless every label is one of classes_."""
    binarizer = model._label_binarizer
    classes = model.classes_
    if (y.ndim != 1 or not _comparable(y, classes) or len(classes) < 2
            or binarizer.y_type_ not in ("binary", "multiclass")):
        return None
    try:
        codes = np.searchsorted(classes, y)  # classes_ is sorted
    except TypeError:  # labels not comparable with the classes
        return None
    # a label above the last class has code len(classes): clipped, it is
    # compared with the last class, and differs
    if not (classes.take(codes, mode="clip") == y).all():
        return None
    return _target_rows(len(classes), binarizer.y_type_ == "binary", dtype).take(codes, axis=0)


@functools.lru_cache(maxsize=8)
def _target_rows(n_classes, binary, dtype):
    """Row k is class k's target row: one-hot, or the one 0/1 column of a
    binary problem."""
    rows = np.eye(n_classes, dtype=dtype)
    rows = rows[:, 1:] if binary else rows
    rows.flags.writeable = False
    return rows


def _regression_targets(model, y, dtype):
    """y as the (n_samples, n_outputs) targets in dtype; None unless numeric,
    shaped as fitted (a column for one output is the full path's, with its
    warning) and finite in dtype."""
    n_outputs = model.n_outputs_
    if y.dtype.kind not in "biuf" or not (
            (y.ndim == 1 and n_outputs == 1) or (y.ndim == 2 and y.shape[1] == n_outputs > 1)):
        return None
    if model.loss == "poisson" and (y < 0).any():
        return None
    with np.errstate(over="ignore"):  # beyond float32's range: inf, refused below
        Y = np.ascontiguousarray(y.reshape(y.shape[0], n_outputs), dtype=dtype)
    return Y if np.isfinite(Y).all() else None


def _weights(sample_weight, n_samples, dtype):
    """sample_weight in dtype; None unless a 1-D array of n_samples finite,
    non-negative numbers, not all zero."""
    if not (type(sample_weight) in _ARRAY_TYPES and sample_weight.ndim == 1
            and sample_weight.shape[0] == n_samples and sample_weight.dtype.kind in "iuf"):
        return None
    with np.errstate(over="ignore"):
        weights = np.ascontiguousarray(sample_weight, dtype=dtype)
    # with no negative value (NaN fails the test), a finite sum means every
    # weight is finite, and a positive one that not all are zero
    total = weights.sum()
    return weights if weights.min() >= 0 and np.isfinite(total) and total > 0 else None


def with_cheap_path(partial_fit: F) -> F:
    """partial_fit, whose later calls on plain chunks skip the full path.

    The full path is `partial_fit` inside scikit-learn's _fit_context, as any
    scikit-learn estimator's (on a fitted model it validates no parameter;
    it manages the callbacks' teardown). The cheap path trains on the chunk
    checked_batch returns: the same epoch, without that wrapper (11 us of
    CPU a call, timed on an estimator with a no-op partial_fit).
    """
    from nnfast._training import fit_stochastic  # _training imports this module

    full = _fit_context(prefer_skip_nested_validation=True)(partial_fit)

    @functools.wraps(partial_fit)
    def cheap_or_full(model, X, y, sample_weight=None, *args, **kwargs):
        try:
            if not args and known_classes(model, kwargs):
                batch = checked_batch(model, X, y, sample_weight)
                if batch is not None:
                    fit_stochastic(model, *batch, incremental=True, validation_data=None)
                    return model._check_finite_weights()
            return full(model, X, y, sample_weight, *args, **kwargs)
        finally:
            _give_back_network(model)

    return cast("F", cheap_or_full)


def checked_batch(model, X, y, sample_weight):
    """(X, Y, sample_weight) as the C core takes them, when partial_fit can
    skip the full checks; else None."""
    d = model.__dict__
    params = d.get("_params")
    if (params is None or d.get("_stream_settings") is None
            or d.get("_opt_state") is None or d.get("_rng_state") is None
            or "feature_names_in_" in d
            # callbacks (scikit-learn's set_callbacks) are run by the full path
            or d.get("_skl_callbacks")):
        return None
    dtype = params.dtype
    if not (type(X) in _ARRAY_TYPES and X.ndim == 2 and X.dtype in _FLOATS
            and X.shape[0] > 0 and X.shape[1] == d["n_features_in_"]
            and type(y) in _ARRAY_TYPES and y.ndim in (1, 2) and y.shape[0] == X.shape[0]):
        return None
    if d["_opt_state"].size != params.size * (2 if model.solver == "adam" else 1):
        return None  # another solver than the state's: the full path starts afresh
    if _settings(model) != d["_stream_settings"]:
        return None
    if (getattr(model, "class_weight", None) is not None or model.early_stopping
            or ("classes_" in d and model.warm_start)):
        return None
    if X.dtype == dtype:
        X = np.ascontiguousarray(X)
    else:
        with np.errstate(over="ignore"):  # beyond float32's range: inf, refused below
            X = np.ascontiguousarray(X, dtype=dtype)
    if not np.isfinite(X).all():
        return None
    if "classes_" in d:
        Y = _class_targets(model, y, dtype)
    else:
        Y = _regression_targets(model, y, dtype)
    if Y is None:
        return None
    if sample_weight is not None:
        sample_weight = _weights(sample_weight, X.shape[0], dtype)
        if sample_weight is None:
            return None
    return X, Y, sample_weight


def training_network(model, capacity):
    """The C network partial_fit trains with, for at least `capacity` rows:
    the one kept from an earlier call when it was built for the model's
    network as it is now (a larger capacity does not change the results),
    else a new one. It is lent to this call until the call returns (see
    with_cheap_path): a call on the same model from another thread meanwhile
    builds its own, since two epochs must never share the C buffers."""
    key = (tuple(model._layer_units()), model._params.dtype, _settings(model),
           model.out_activation_)
    kept = model.__dict__.pop("_train_net", None)  # one step under the GIL
    if kept is None or kept[0] != key or kept[1].capacity < capacity:
        kept = (key, model._network(capacity, training=True))
    model.__dict__.setdefault("_lent_train_nets", {})[threading.get_ident()] = kept
    return kept[1]


def _give_back_network(model):
    """Keep the network this thread's call trained with for the next call."""
    lent = model.__dict__.get("_lent_train_nets")
    kept = lent.pop(threading.get_ident(), None) if lent else None
    if kept is not None:
        model._train_net = kept
