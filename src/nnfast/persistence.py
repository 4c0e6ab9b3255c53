"""Saving fitted models in a file that runs no code when it is read.

``save(model, path)`` writes one ``.npz`` file (NumPy's zip of ``.npy`` arrays,
uncompressed) holding only numbers and text: the parameter block, the optimizer
state, the class labels, the feature names, and a JSON document (member
``metadata``, UTF-8 bytes as a uint8 array) with the format's name and version,
the estimator's class, its ``get_params()`` and its fitted scalars.

``load(path)`` reads it with ``allow_pickle=False`` and checks everything before
building the model: the format and version, the class against an allow-list,
every member's dtype and shape against the layer sizes (from the ``.npy``
headers, before any data is read), finiteness, and the parameters against the
estimator's constraints. Anything off raises ``ValueError("nnfast.load: ...")``;
a pickle or an object array is never unpickled.

Unlike pickle, the file does not depend on nnfast's private attributes, so it
can be read by later versions of nnfast. The optimizer state (Adam's moments,
sgd's velocity, the shuffling generator) is kept, so ``partial_fit`` and
``warm_start`` go on as they would have on the saved model. A model saved
during a fit (by :class:`nnfast.callbacks.ModelCheckpoint`) also records that
the fit had epochs left and, with validation, its best weights so far
(member ``best_params``): ``fit`` with ``warm_start=True`` on the loaded model
resumes that fit bit for bit. Files without these (older ones) load as before.

The file is written to a temporary file in the same folder, flushed and fsynced,
then renamed over ``path``: a reader, or a process killed while writing, sees
the old file or the new one, never part of one. Parameters that are
not plain values cannot be saved: a callable ``learning_rate`` (use a
:mod:`nnfast.schedules` object or a name) or a ``RandomState`` instance as
``random_state`` (use an int or None).
"""

from __future__ import annotations

import json
import math
import numbers
import os
import zipfile
from typing import TYPE_CHECKING

import numpy as np
from sklearn.preprocessing import LabelBinarizer
from sklearn.utils.validation import check_is_fitted

from nnfast import schedules
from nnfast._multilayer_perceptron import _HISTORY_KEYS, MLPClassifier, MLPRegressor
from nnfast._perceptron import Perceptron

if TYPE_CHECKING:
    from os import PathLike
    from typing import Any

__all__ = ["save", "load", "FORMAT", "FORMAT_VERSION"]

FORMAT = "nnfast-model"
FORMAT_VERSION = 1

_ESTIMATORS = {cls.__name__: cls for cls in (MLPClassifier, MLPRegressor, Perceptron)}
# Schedule objects saved by class name and constructor arguments (FromCallable
# holds a function and cannot be saved).
_SCHEDULES = {
    cls.__name__: cls
    for cls in (schedules.Constant, schedules.InvScaling, schedules.Step,
                schedules.Exponential, schedules.Cosine, schedules.ReduceOnPlateau)
}
_MLP_MEMBERS = {"metadata", "params", "opt_state", "rng_state", "best_params", "classes",
                "feature_names_in"}
_PERCEPTRON_MEMBERS = {"metadata", "coef", "intercept", "classes", "feature_names_in"}
_CLASS_KINDS = "biufU"  # bool, integers, floats, unicode: no objects
_MAX_METADATA_BYTES = 64 << 20
_MAX_HEADER_BYTES = 10_000
_OUT_ACTIVATIONS = {"identity", "exp", "logistic", "softmax"}
_Y_TYPES = {"binary", "multiclass", "multilabel-indicator"}


# ---------------------------------------------------------------- save


def save(model: MLPClassifier | MLPRegressor | Perceptron, path: str | PathLike[str]) -> None:
    """Write a fitted model to ``path`` as an ``.npz`` file that loads without pickle.

    Parameters
    ----------
    model : MLPClassifier, MLPRegressor or Perceptron
        A fitted model (not a subclass).
    path : str or path-like
        The file to write (replaced atomically if it exists); no suffix is added.

    Raises
    ------
    ValueError
        If the model is not one of the three classes, or a parameter is not a
        plain value (a callable learning_rate, a RandomState random_state).
    NotFittedError
        If the model is not fitted.

    See Also
    --------
    load : Read the file back.

    Examples
    --------
    >>> import os, tempfile
    >>> from sklearn.datasets import load_iris
    >>> from nnfast import MLPClassifier, load, save
    >>> X, y = load_iris(return_X_y=True)
    >>> model = MLPClassifier(solver="lbfgs", max_iter=500, random_state=0).fit(X, y)
    >>> with tempfile.TemporaryDirectory() as directory:
    ...     path = os.path.join(directory, "model.npz")
    ...     save(model, path)
    ...     bool((load(path).predict(X) == model.predict(X)).all())
    True
    """
    name = type(model).__name__
    if _ESTIMATORS.get(name) is not type(model):
        raise ValueError(
            f"nnfast.save: can save {', '.join(_ESTIMATORS)} models, got {type(model)!r}."
        )
    check_is_fitted(model)
    params = {key: _encode(value, key) for key, value in model.get_params(deep=False).items()}
    meta = {
        "format": FORMAT,
        "version": FORMAT_VERSION,
        "estimator": name,
        "params": params,
    }
    arrays: dict[str, Any] = {}
    if isinstance(model, Perceptron):
        meta["fitted"] = {
            "n_features_in_": int(model.n_features_in_),
            "n_iter_": int(model.n_iter_),
            "errors_": [int(e) for e in model.errors_],
        }
        arrays["coef"] = np.ascontiguousarray(model.coef_, dtype=np.float64)
        arrays["intercept"] = np.ascontiguousarray(model.intercept_, dtype=np.float64)
    else:
        meta["fitted"] = _mlp_fitted(model, arrays)
    if hasattr(model, "classes_"):
        arrays["classes"] = _plain_classes(model.classes_)
    if hasattr(model, "feature_names_in_"):
        arrays["feature_names_in"] = np.asarray([str(f) for f in model.feature_names_in_],
                                                dtype=np.str_)
    document = json.dumps(meta, allow_nan=True).encode("utf-8")
    arrays["metadata"] = np.frombuffer(document, dtype=np.uint8)

    _write_atomically(os.fspath(path), arrays)


def _write_atomically(path, arrays):
    """`arrays` as an .npz at `path`, durably: the data reach the disk before
    the rename makes them the file, and the rename reaches it too."""
    temporary = f"{path}.{os.getpid()}.tmp"
    try:
        with open(temporary, "wb") as f:
            np.savez(f, **arrays)
            f.flush()
            os.fsync(f.fileno())
        os.replace(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.remove(temporary)
    if os.name == "posix":  # a folder cannot be opened (nor fsynced) on Windows
        folder = os.open(os.path.dirname(os.path.abspath(path)), os.O_RDONLY)
        try:
            os.fsync(folder)
        finally:
            os.close(folder)


def _mlp_fitted(model, arrays):
    """The fitted scalars of an MLP as JSON values; its arrays go into `arrays`."""
    params = model._packed_params()
    units = [int(model.coefs_[0].shape[0])] + [int(c.shape[1]) for c in model.coefs_]
    fitted = {"dtype": params.dtype.name, "layer_units": units}
    for key in _MLP_FITTED:
        if hasattr(model, key):
            fitted[key] = _plain(getattr(model, key), key)
    arrays["params"] = np.ascontiguousarray(params)
    if getattr(model, "_opt_state", None) is not None:
        arrays["opt_state"] = np.ascontiguousarray(model._opt_state)
    if getattr(model, "_rng_state", None) is not None:
        arrays["rng_state"] = np.ascontiguousarray(model._rng_state, dtype=np.uint64)
    unfinished = getattr(model, "_unfinished_fit", None)
    if unfinished is not None:
        fitted["unfinished_fit"] = {"first_pass": bool(unfinished["first_pass"])}
        if getattr(model, "_best_params", None) is not None:
            arrays["best_params"] = np.ascontiguousarray(model._best_params, dtype=params.dtype)
    if hasattr(model, "_label_binarizer"):
        binarizer = model._label_binarizer
        fitted["label_binarizer"] = {
            "y_type": str(binarizer.y_type_),
            "sparse_input": bool(binarizer.sparse_input_),
        }
    return fitted


def _plain_classes(classes):
    classes = np.asarray(classes)
    if classes.dtype.kind not in _CLASS_KINDS or classes.ndim != 1:
        raise ValueError(
            f"nnfast.save: classes_ of dtype {classes.dtype} cannot be saved; class labels "
            "must be booleans, numbers or strings."
        )
    return classes


_NOT_SCALAR = object()


def _json_scalar(value):
    """None, a bool, a string or a number as a plain JSON scalar; _NOT_SCALAR
    for anything else."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        return float(value)
    return _NOT_SCALAR


def _plain(value, where):
    """A fitted attribute as plain JSON values (numbers, lists, dicts of str)."""
    scalar = _json_scalar(value)
    if scalar is not _NOT_SCALAR:
        return scalar
    if isinstance(value, (list, tuple, np.ndarray)):
        return [_plain(v, where) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v, where) for k, v in value.items()}
    raise ValueError(f"nnfast.save: fitted attribute {where} holds {type(value).__name__}.")


def _encode(value, where):
    """A constructor parameter as JSON; tuples, dicts and schedules are tagged
    objects ({"tuple": [...]}, {"dict": [[key, value], ...]}, {"schedule": ...})."""
    scalar = _json_scalar(value)
    if scalar is not _NOT_SCALAR:
        return scalar
    if isinstance(value, tuple):
        return {"tuple": [_encode(v, where) for v in value]}
    if isinstance(value, (list, np.ndarray)):
        return [_encode(v, where) for v in value]
    if isinstance(value, dict):
        return {"dict": [[_encode(k, where), _encode(v, where)] for k, v in value.items()]}
    if _SCHEDULES.get(type(value).__name__) is type(value):
        return {"schedule": type(value).__name__,
                "args": {k: _encode(v, where) for k, v in vars(value).items()}}
    hint = ""
    if where == "learning_rate":
        hint = " Use a schedule name or a nnfast.schedules object instead of a callable."
    elif where == "random_state":
        hint = " Set random_state to an int or None before saving."
    raise ValueError(
        f"nnfast.save: parameter {where}={value!r} is not a plain value and cannot be "
        f"saved.{hint}"
    )


# ---------------------------------------------------------------- load


def load(path: str | PathLike[str]) -> MLPClassifier | MLPRegressor | Perceptron:
    """Read a model written by :func:`save`.

    The file is read with ``allow_pickle=False`` and checked before the model is
    built; nothing in it is executed.

    Parameters
    ----------
    path : str or path-like
        The file.

    Returns
    -------
    model : MLPClassifier, MLPRegressor or Perceptron
        The fitted model; it predicts as the saved one did.

    Raises
    ------
    ValueError
        If the file is not a valid nnfast model file (truncated, corrupted,
        another format or version, inconsistent or non-finite contents).
    OSError
        If the file cannot be opened.

    See Also
    --------
    save : Write the file; its example saves and loads a model.
    """
    with open(path, "rb") as f:  # a missing file is an OSError, not a bad file
        try:
            return _load(f)
        except _Invalid as exc:
            raise ValueError(f"nnfast.load: {os.fspath(path)}: {exc}") from None
        except Exception as exc:
            raise ValueError(
                f"nnfast.load: {os.fspath(path)} is not a readable nnfast model file "
                f"({type(exc).__name__}: {exc})"
            ) from exc


class _Invalid(Exception):
    """A check failed; load turns it into its ValueError."""


def _load(f):
    size = os.fstat(f.fileno()).st_size
    try:
        archive = np.load(f, allow_pickle=False)
    except ValueError as exc:
        raise _Invalid(f"not an .npz archive ({exc})") from None
    if not isinstance(archive, np.lib.npyio.NpzFile):
        raise _Invalid("not an .npz archive (a single .npy array)")
    with archive:
        members = _Members(archive, size)
        meta = _parse_metadata(members.read("metadata", np.uint8, (None,)))
        cls = _ESTIMATORS[meta["estimator"]]
        members.allow(_PERCEPTRON_MEMBERS if cls is Perceptron else _MLP_MEMBERS)
        model = cls()
        _set_params(model, meta["params"])
        fitted = _field(meta, "fitted", dict)
        if cls is Perceptron:
            _load_perceptron(model, fitted, members)
        else:
            _load_mlp(model, fitted, members)
        if "feature_names_in" in members:
            names = members.read("feature_names_in", _Kinds("U"), (model.n_features_in_,))
            model.feature_names_in_ = np.asarray(names.tolist(), dtype=object)
    return model


class _Kinds:
    """Any native dtype of these kinds (numpy kind letters)."""

    def __init__(self, kinds):
        self.kinds = kinds

    def __repr__(self):
        return f"a dtype of kind {'/'.join(self.kinds)}"


class _Members:
    """The archive's arrays, each checked from its .npy header (dtype, shape,
    size, no compression) before its data is read."""

    def __init__(self, archive, file_size):
        self.archive = archive
        self.file_size = file_size
        names = archive.zip.namelist()
        if len(set(names)) != len(names):
            raise _Invalid("the archive has duplicate members")
        bad = [n for n in names if not n.endswith(".npy")]
        if bad:
            raise _Invalid(f"unexpected member {bad[0]!r}")
        self.names = {n[: -len(".npy")] for n in names}

    def __contains__(self, name):
        return name in self.names

    def allow(self, allowed):
        unknown = sorted(self.names - allowed)
        if unknown:
            raise _Invalid(f"unexpected member {unknown[0]!r}")

    def read(self, name, dtype, shape):
        """The array `name`; dtype a dtype or a _Kinds, shape with None for
        any length."""
        if name not in self.names:
            raise _Invalid(f"the member {name!r} is missing")
        info = self.archive.zip.getinfo(name + ".npy")
        if info.compress_type != zipfile.ZIP_STORED:
            raise _Invalid(f"the member {name!r} is compressed; nnfast.save stores arrays "
                           "uncompressed")
        if info.file_size > self.file_size:
            raise _Invalid(f"the member {name!r} claims to be larger than the file")
        with self.archive.zip.open(info) as member:
            version = np.lib.format.read_magic(member)
            if version == (1, 0):
                header = np.lib.format.read_array_header_1_0(
                    member, max_header_size=_MAX_HEADER_BYTES)
            elif version == (2, 0):
                header = np.lib.format.read_array_header_2_0(
                    member, max_header_size=_MAX_HEADER_BYTES)
            else:
                raise _Invalid(f"the member {name!r} has .npy format version {version}")
        stored_shape, _, stored_dtype = header
        if stored_dtype.hasobject or stored_dtype.kind in "OV":
            raise _Invalid(f"the member {name!r} holds Python objects or records; nnfast "
                           "files hold only numbers and text")
        if isinstance(dtype, _Kinds):
            ok = stored_dtype.kind in dtype.kinds and stored_dtype.isnative
        else:
            ok = stored_dtype == np.dtype(dtype)
        if not ok:
            raise _Invalid(f"the member {name!r} has dtype {stored_dtype}, expected {dtype}")
        if len(stored_shape) != len(shape) or any(
            want is not None and got != want for got, want in zip(stored_shape, shape)
        ):
            expected = tuple("n" if s is None else s for s in shape)
            raise _Invalid(f"the member {name!r} has shape {stored_shape}, expected {expected}")
        if math.prod(stored_shape) * stored_dtype.itemsize > info.file_size:
            raise _Invalid(f"the member {name!r} is shorter than its header says")
        array = self.archive[name]
        if array.dtype.kind == "f" and not np.isfinite(array).all():
            raise _Invalid(f"the member {name!r} contains NaN or infinity")
        return np.ascontiguousarray(array)


def _parse_metadata(raw):
    if raw.size > _MAX_METADATA_BYTES:
        raise _Invalid("the metadata is too large")
    try:
        meta = json.loads(raw.tobytes().decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise _Invalid(f"the metadata is not JSON ({exc})") from None
    if not isinstance(meta, dict):
        raise _Invalid("the metadata is not a JSON object")
    if meta.get("format") != FORMAT:
        raise _Invalid(f"not an nnfast model file (format {meta.get('format')!r}, "
                       f"expected {FORMAT!r})")
    version = meta.get("version")
    if not _is_int(version):
        raise _Invalid(f"the format version {version!r} is not an integer")
    if version > FORMAT_VERSION:
        raise _Invalid(f"format version {version} is newer than this nnfast reads "
                       f"({FORMAT_VERSION}); upgrade nnfast")
    if version < 1:
        raise _Invalid(f"unknown format version {version}")
    name = meta.get("estimator")
    if not isinstance(name, str) or name not in _ESTIMATORS:
        raise _Invalid(f"unknown estimator {name!r}; nnfast files hold "
                       f"{', '.join(_ESTIMATORS)}")
    _field(meta, "params", dict)
    return meta


def _set_params(model, encoded):
    known = model.get_params(deep=False)
    unknown = sorted(set(encoded) - set(known))
    if unknown:
        raise _Invalid(f"unknown parameter {unknown[0]!r} for {type(model).__name__}")
    params = {key: _decode(value, key) for key, value in encoded.items()}
    model.set_params(**params)
    try:
        model._validate_params()
    except ValueError as exc:
        raise _Invalid(f"invalid parameter: {exc}") from None


def _decode(value, where):
    if value is None or isinstance(value, (bool, str, int, float)):
        return value
    if isinstance(value, list):
        return [_decode(v, where) for v in value]
    if isinstance(value, dict) and set(value) == {"tuple"} and isinstance(value["tuple"], list):
        return tuple(_decode(v, where) for v in value["tuple"])
    if isinstance(value, dict) and set(value) == {"dict"} and isinstance(value["dict"], list):
        pairs = value["dict"]
        if not all(isinstance(p, list) and len(p) == 2 for p in pairs):
            raise _Invalid(f"parameter {where}: a dict must be a list of [key, value] pairs")
        keys = [_decode(k, where) for k, _ in pairs]
        if not all(k is None or isinstance(k, (bool, str, int, float)) for k in keys):
            raise _Invalid(f"parameter {where}: dict keys must be plain values")
        return {k: _decode(v, where) for k, (_, v) in zip(keys, pairs)}
    if isinstance(value, dict) and set(value) == {"schedule", "args"}:
        cls = _SCHEDULES.get(value["schedule"]) if isinstance(value["schedule"], str) else None
        if cls is None or not isinstance(value["args"], dict):
            raise _Invalid(f"parameter {where}: unknown schedule {value['schedule']!r}")
        args = {k: _decode(v, where) for k, v in value["args"].items()}
        if not all(a is None or isinstance(a, (bool, str, int, float)) for a in args.values()):
            raise _Invalid(f"parameter {where}: schedule arguments must be plain values")
        try:
            return cls(**args)
        except TypeError as exc:
            raise _Invalid(f"parameter {where}: {exc}") from None
    raise _Invalid(f"parameter {where}: cannot decode {value!r}")


# ---------------------------------------------------------------- fitted state


def _is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _count(value, where, minimum=0):
    if not _is_int(value) or value < minimum:
        raise _Invalid(f"{where} must be an integer >= {minimum}, got {value!r}")
    return value


def _number(value, where):
    if not _is_number(value):
        raise _Invalid(f"{where} must be a number, got {value!r}")
    return float(value)


def _number_or_none(value, where):
    return None if value is None else _number(value, where)


def _numbers(value, where):
    if not isinstance(value, list):
        raise _Invalid(f"{where} must be a list of numbers")
    return [_number(v, where) for v in value]


def _numbers_or_none(value, where):
    return None if value is None else _numbers(value, where)


def _history(value, where):
    if not isinstance(value, dict) or not set(value) <= set(_HISTORY_KEYS):
        raise _Invalid(f"{where} must be a dict with keys among {list(_HISTORY_KEYS)}")
    history = {}
    for key, entries in value.items():
        if not isinstance(entries, list):
            raise _Invalid(f"{where}[{key!r}] must be a list")
        history[key] = [_numbers(e, f"{where}[{key!r}]") if isinstance(e, list)
                        else (int(e) if key == "epoch" and _is_int(e)
                              else _number(e, f"{where}[{key!r}]"))
                        for e in entries]
    return {key: history.get(key, []) for key in _HISTORY_KEYS}


def _out_activation(value, where):
    if value not in _OUT_ACTIVATIONS:
        raise _Invalid(f"{where} must be one of {sorted(_OUT_ACTIVATIONS)}, got {value!r}")
    return value


# Fitted attributes of the MLPs saved in the metadata: name -> (check, required).
_MLP_FITTED = {
    "n_features_in_": (lambda v, w: _count(v, w, 1), True),
    "n_outputs_": (lambda v, w: _count(v, w, 1), True),
    "n_layers_": (lambda v, w: _count(v, w, 2), True),
    "out_activation_": (_out_activation, True),
    "n_iter_": (_count, True),
    "t_": (_count, True),
    "loss_": (_number, False),
    "best_loss_": (_number_or_none, False),
    "loss_curve_": (_numbers, False),
    "validation_scores_": (_numbers_or_none, False),
    "best_validation_score_": (_number_or_none, False),
    "history_": (_history, False),
    "_best_monitored": (_number, False),
    "_no_improvement_count": (_count, False),
    "_learning_rate": (_number, False),
    "_opt_t": (_count, False),
}


def _field(meta, key, kind, where="metadata"):
    if key not in meta:
        raise _Invalid(f"{where} lacks {key!r}")
    if not isinstance(meta[key], kind) or (kind is int and isinstance(meta[key], bool)):
        raise _Invalid(f"{where} field {key!r} has the wrong type")
    return meta[key]


def _load_mlp(model, fitted, members):
    values = {}
    for key, (check, required) in _MLP_FITTED.items():
        if key in fitted:
            values[key] = check(fitted[key], key)
        elif required:
            raise _Invalid(f"the fitted state lacks {key!r}")
    dtype = _field(fitted, "dtype", str, "the fitted state")
    if dtype not in ("float32", "float64"):
        raise _Invalid(f"the parameter dtype must be float32 or float64, got {dtype!r}")
    units = _field(fitted, "layer_units", list, "the fitted state")
    if len(units) < 2 or not all(_is_int(u) and u >= 1 for u in units):
        raise _Invalid(f"layer_units must be at least two integers >= 1, got {units!r}")
    if (units[0], units[-1], len(units)) != (
        values["n_features_in_"], values["n_outputs_"], values["n_layers_"]
    ):
        raise _Invalid(f"layer_units {units} disagree with n_features_in_, n_outputs_ "
                       "or n_layers_")
    n_params = sum(a * b for a, b in zip(units[:-1], units[1:])) + sum(units[1:])

    params = members.read("params", dtype, (n_params,))
    coefs, intercepts, start = [], [], 0
    for fan_in, fan_out in zip(units[:-1], units[1:]):
        coefs.append(params[start : start + fan_in * fan_out].reshape(fan_in, fan_out))
        start += fan_in * fan_out
    for fan_out in units[1:]:
        intercepts.append(params[start : start + fan_out])
        start += fan_out
    model._set_params_block(coefs, intercepts, np.dtype(dtype))
    for key, value in values.items():
        setattr(model, key, value)
    if "opt_state" in members:
        state = members.read("opt_state", dtype, (None,))
        if state.size not in (n_params, 2 * n_params):
            raise _Invalid(f"the optimizer state has {state.size} entries for {n_params} "
                           "parameters")
        model._opt_state = state
    if "rng_state" in members:
        model._rng_state = members.read("rng_state", np.uint64, (4,))
    if "unfinished_fit" in fitted:
        unfinished = fitted["unfinished_fit"]
        if not (isinstance(unfinished, dict) and set(unfinished) == {"first_pass"}
                and isinstance(unfinished["first_pass"], bool)):
            raise _Invalid(f"unfinished_fit must be {{'first_pass': bool}}, got {unfinished!r}")
        model._unfinished_fit = unfinished
    if "best_params" in members:
        model._best_params = members.read("best_params", dtype, (n_params,))

    is_classifier = isinstance(model, MLPClassifier)
    if is_classifier != ("label_binarizer" in fitted):
        raise _Invalid("the label binarizer's state does not match the estimator")
    if is_classifier:
        _load_labels(model, fitted["label_binarizer"], members)
    elif model.out_activation_ not in ("identity", "exp"):
        raise _Invalid(f"a regressor's output activation is {model.out_activation_!r}")
    try:
        model._network(1)  # activations per layer, dtype: what predict will need
    except (ValueError, TypeError) as exc:
        raise _Invalid(f"the parameters do not describe this network: {exc}") from None


def _load_labels(model, state, members):
    """classes_ and the label binarizer that predict uses."""
    if not isinstance(state, dict):
        raise _Invalid("the label binarizer's state is not an object")
    y_type = state.get("y_type")
    if y_type not in _Y_TYPES or not isinstance(state.get("sparse_input"), bool):
        raise _Invalid(f"the label binarizer's state is invalid: {state!r}")
    classes = members.read("classes", _Kinds(_CLASS_KINDS), (None,))
    if len(classes) == 0 or not np.array_equal(np.unique(classes), classes):
        raise _Invalid("classes must be distinct and sorted")
    n_outputs = model.n_outputs_
    expected_outputs = len(classes) if y_type != "binary" else 1
    if y_type == "binary" and len(classes) > 2 or n_outputs != expected_outputs:
        raise _Invalid(f"{len(classes)} classes of type {y_type!r} do not fit "
                       f"{n_outputs} outputs")
    expected_activation = "softmax" if y_type == "multiclass" else "logistic"
    if model.out_activation_ != expected_activation:
        raise _Invalid(f"a {y_type} classifier's output activation is "
                       f"{model.out_activation_!r}, expected {expected_activation!r}")
    binarizer = LabelBinarizer()
    if y_type == "multilabel-indicator":
        if len(classes) < 2 or np.any(classes != np.arange(len(classes))):
            raise _Invalid("multilabel classes must be 0, 1, ..., n_labels - 1")
        binarizer.fit(np.eye(len(classes), dtype=int))
    else:
        binarizer.fit(classes)
    if binarizer.y_type_ != y_type or not np.array_equal(binarizer.classes_, classes):
        raise _Invalid(f"classes {classes.tolist()} are not of type {y_type!r}")
    binarizer.sparse_input_ = state["sparse_input"]
    model._label_binarizer = binarizer
    model.classes_ = binarizer.classes_


def _load_perceptron(model, fitted, members):
    n_features = _count(fitted.get("n_features_in_"), "n_features_in_", 1)
    n_iter = _count(fitted.get("n_iter_"), "n_iter_")
    errors = fitted.get("errors_")
    if not isinstance(errors, list) or not all(_is_int(e) and e >= 0 for e in errors):
        raise _Invalid("errors_ must be a list of counts")
    classes = members.read("classes", _Kinds(_CLASS_KINDS), (None,))
    if len(classes) < 2 or not np.array_equal(np.unique(classes), classes):
        raise _Invalid("a Perceptron has at least two distinct, sorted classes")
    n_neurons = 1 if len(classes) == 2 else len(classes)
    model.coef_ = members.read("coef", np.float64, (n_neurons, n_features))
    model.intercept_ = members.read("intercept", np.float64, (n_neurons,))
    model.classes_ = classes
    model.n_features_in_ = n_features
    model.n_iter_ = n_iter
    model.errors_ = errors
