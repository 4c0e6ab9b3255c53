"""Export of fitted nnfast models to ONNX, and their registration with skl2onnx.

:func:`to_onnx` turns a fitted :class:`~nnfast.MLPClassifier`,
:class:`~nnfast.MLPRegressor`, :class:`~nnfast.Perceptron` or
:class:`~nnfast.HiddenLayerTransformer` into an ``onnx.ModelProto`` built with the
onnx package's helpers from standard operators, which onnxruntime (or any ONNX
runtime) executes without nnfast, scikit-learn or Python.

Importing this module also registers those estimators with skl2onnx, so
``skl2onnx.to_onnx(pipeline, X[:1])`` converts a scikit-learn Pipeline or
ColumnTransformer that contains them. Both paths emit the network through one
function, so a model exports to the same nodes either way.

Inputs and outputs follow skl2onnx's converters for scikit-learn's estimators:
the input is ``X`` of shape (N, n_features); a classifier gives ``label`` (N,)
and ``probabilities`` (N, n_classes) -- or, with ZipMap, ``output_label`` and
``output_probability`` (a list of {class: probability} dicts); a regressor or
a transformer gives ``variable`` (N, n_outputs), 2-D even for one output.

What the graph computes, operator by operator, mirrors nnfast's C kernels rather
than the shortest ONNX spelling where the two would disagree: the logistic
function is computed from Exp as nnfast does (onnxruntime's Sigmoid clamps its
input at about +-18 in float32 and underflows early in float64, which makes
tiny probabilities wrong by orders of magnitude); in float64 graphs, where
onnxruntime has no double kernel for Erf, Elu, LeakyRelu or Softplus, those
are composed from elementary operators with float64 accuracy (erf from Cephes'
rational approximations, expm1 and log1p with Kahan's correction).

onnx, skl2onnx and onnxruntime are optional dependencies
(``pip install "nnfast[onnx]"``); only this module needs them, and ``import
nnfast`` never imports them.
"""

import numbers

import numpy as np
from sklearn.utils.validation import check_is_fitted

try:
    import onnx
    from onnx import TensorProto, helper, numpy_helper
    from skl2onnx import update_registered_converter
    from skl2onnx.common.data_types import (
        DoubleTensorType,
        FloatTensorType,
        Int64TensorType,
        StringTensorType,
    )
except ImportError as exc:
    raise ImportError(
        "nnfast.onnx needs onnx and skl2onnx, which are not installed. Install nnfast's "
        'ONNX extra with: pip install "nnfast[onnx]" (or: pip install onnx skl2onnx '
        "onnxruntime)"
    ) from exc

import nnfast
from nnfast._multilayer_perceptron import MLPClassifier, MLPRegressor
from nnfast._perceptron import Perceptron
from nnfast._transformer import HiddenLayerTransformer

__all__ = ["to_onnx"]

# The opset skl2onnx 1.20 writes for scikit-learn's MLPs; onnxruntime runs it
# from version 1.17 on.
DEFAULT_OPSET = 21
# Softmax over one axis (not a flattened 2-D view) and the opset-13 forms of
# Gemm, Gather, ArgMax, Erf and Reshape.
MIN_OPSET = 13
_ML_OPSET = 1  # ZipMap
_ELEM_TYPE = {np.dtype(np.float32): TensorProto.FLOAT, np.dtype(np.float64): TensorProto.DOUBLE}
_ESTIMATORS = (MLPClassifier, MLPRegressor, Perceptron, HiddenLayerTransformer)

# Cephes' rational approximations of erf and erfc (S. Moshier, ndtr.c, public
# domain), accurate to about 1e-16: erf(x) = x T(x^2) / U(x^2) for |x| < 1;
# erfc(a) = exp(-a^2) P(a) / Q(a) for 1 <= a < 8, exp(-a^2) R(a) / S(a) beyond.
# Highest degree first; U, Q and S have an implicit leading 1.
_ERF_T = (9.60497373987051638749e0, 9.00260197203842689217e1, 2.23200534594684319226e3,
          7.00332514112805075473e3, 5.55923013010394962768e4)
_ERF_U = (1.0, 3.35617141647503099647e1, 5.21357949780152679795e2, 4.59432382970980127987e3,
          2.26290000613890934246e4, 4.92673942608635921086e4)
_ERFC_P = (2.46196981473530512524e-10, 5.64189564831068821977e-1, 7.46321056442269912687e0,
           4.86371970985681366614e1, 1.96520832956077098242e2, 5.26445194995477358631e2,
           9.34528527171957607540e2, 1.02755188689515710272e3, 5.57535335369399327526e2)
_ERFC_Q = (1.0, 1.32281951154744992508e1, 8.67072140885989742329e1, 3.54937778887819891062e2,
           9.75708501743205489753e2, 1.82390916687909736289e3, 2.24633760818710981792e3,
           1.65666309194161350182e3, 5.57535340817727675546e2)
_ERFC_R = (5.64189583547755073984e-1, 1.27536670759978104416e0, 5.01905042251180477414e0,
           6.16021097993053585195e0, 7.40974269950448939160e0, 2.97886665372100240670e0)
_ERFC_S = (1.0, 2.26052863220117276590e0, 9.39603524938001434673e0, 1.20489539808096656605e1,
           1.70814450747565897222e1, 9.60896809063285878198e0, 3.36907645100081516050e0)
# erfc(a) is 0 in float64 from a = 27.3 on; clamping there keeps the unused
# branches of the Where nodes finite (a degree-8 polynomial of 1e40 is not).
_ERFC_CLAMP = 30.0
# expm1(z) is -1 in float64 below z = -38; clamping keeps log(exp(z)) finite.
_EXPM1_CLAMP = -60.0


# ---------------------------------------------------------------- graph sinks
# The network is written once, against this small interface: `op` adds a node
# and returns its output's name (or writes to `out`), `const` adds an
# initializer. _Graph collects plain onnx protos for to_onnx; _ContainerGraph
# writes into skl2onnx's container during skl2onnx.to_onnx.


class _Graph:
    def __init__(self):
        self.nodes, self.initializers, self._names, self._consts = [], [], {"X"}, {}

    def name(self, hint):
        name, i = hint, 0
        while name in self._names:
            i += 1
            name = f"{hint}_{i}"
        self._names.add(name)
        return name

    def const(self, value, hint="const"):
        value = np.asarray(value)
        key = (value.dtype.str, value.shape, value.tobytes())
        if key not in self._consts:
            name = self.name(hint)
            self.initializers.append(numpy_helper.from_array(value, name))
            self._consts[key] = name
        return self._consts[key]

    def op(self, op_type, inputs, out=None, domain="", **attrs):
        out = out or self.name(op_type.lower())
        self.nodes.append(helper.make_node(op_type, list(inputs), [out], name=self.name(op_type),
                                           domain=domain, **attrs))
        return out


class _ContainerGraph:
    def __init__(self, scope, container):
        self.scope, self.container, self._consts = scope, container, {}

    def const(self, value, hint="const"):
        value = np.asarray(value)
        key = (value.dtype.str, value.shape, value.tobytes())
        if key not in self._consts:
            name = self.scope.get_unique_variable_name(hint)
            if value.dtype == object:
                self.container.add_initializer(name, TensorProto.STRING, list(value.shape),
                                               [s.encode("utf-8") for s in value.ravel()])
            else:
                self.container.add_initializer(name, None, None,
                                               numpy_helper.from_array(value, name))
            self._consts[key] = name
        return self._consts[key]

    def op(self, op_type, inputs, out=None, domain="", **attrs):
        out = out or self.scope.get_unique_variable_name(op_type.lower())
        self.container.add_node(op_type, list(inputs), [out], op_domain=domain,
                                name=self.scope.get_unique_operator_name(op_type), **attrs)
        return out


# ---------------------------------------------------------------- activations


def _scalar(g, value, dtype):
    return g.const(np.asarray(value, dtype=dtype), "scalar")


def _logistic(g, z, dtype):
    # As nnfast's logistic: 1 / (1 + e) for z >= 0, e / (1 + e) below, with
    # e = exp(-|z|), so exp never overflows and tiny values keep their digits.
    one = _scalar(g, 1, dtype)
    e = g.op("Exp", [g.op("Neg", [g.op("Abs", [z])])])
    denom = g.op("Add", [one, e])
    nonneg = g.op("GreaterOrEqual", [z, _scalar(g, 0, dtype)])
    return g.op("Where", [nonneg, g.op("Div", [one, denom]), g.op("Div", [e, denom])])


def _log1p(g, u, dtype):
    # Kahan: log(w) * u / (w - 1) with w = 1 + u is accurate to a few ulps,
    # where log(1 + u) alone loses every digit of a tiny u.
    one = _scalar(g, 1, dtype)
    w = g.op("Add", [one, u])
    ratio = g.op("Div", [g.op("Mul", [g.op("Log", [w]), u]), g.op("Sub", [w, one])])
    return g.op("Where", [g.op("Equal", [w, one]), u, ratio])


def _expm1(g, z, dtype):
    # Kahan: (u - 1) * z / log(u) with u = exp(z), exact where exp(z) - 1
    # cancels; z clamped from below so that log(u) stays finite.
    one = _scalar(g, 1, dtype)
    z = g.op("Max", [z, _scalar(g, _EXPM1_CLAMP, dtype)])
    u = g.op("Exp", [z])
    ratio = g.op("Div", [g.op("Mul", [g.op("Sub", [u, one]), z]), g.op("Log", [u])])
    return g.op("Where", [g.op("Equal", [u, one]), z, ratio])


def _polynomial(g, x, coefficients, dtype):
    """Horner's scheme, highest degree first."""
    acc = _scalar(g, coefficients[0], dtype)
    for c in coefficients[1:]:
        acc = g.op("Add", [g.op("Mul", [acc, x]), _scalar(g, c, dtype)])
    return acc


def _erf64(g, x, dtype):
    """erf from elementary operators (float64 graphs: onnxruntime has no double Erf)."""
    one = _scalar(g, 1, dtype)
    a = g.op("Min", [g.op("Abs", [x]), _scalar(g, _ERFC_CLAMP, dtype)])
    x2 = g.op("Mul", [a, a])
    small = g.op("Div", [g.op("Mul", [a, _polynomial(g, x2, _ERF_T, dtype)]),
                         _polynomial(g, x2, _ERF_U, dtype)])
    mid = g.op("Div", [_polynomial(g, a, _ERFC_P, dtype), _polynomial(g, a, _ERFC_Q, dtype)])
    far = g.op("Div", [_polynomial(g, a, _ERFC_R, dtype), _polynomial(g, a, _ERFC_S, dtype)])
    ratio = g.op("Where", [g.op("Less", [a, _scalar(g, 8, dtype)]), mid, far])
    erfc = g.op("Mul", [g.op("Exp", [g.op("Neg", [x2])]), ratio])
    erf_abs = g.op("Where", [g.op("Less", [a, one]), small, g.op("Sub", [one, erfc])])
    return g.op("Mul", [g.op("Sign", [x]), erf_abs])


def _activation(g, name, z, dtype, negative_slope):
    """The nodes of nnfast's activation `name` (see csrc/activation_impl.h) on z."""
    double = np.dtype(dtype) == np.float64
    if name == "identity":
        return z
    if name == "relu":
        return g.op("Relu", [z])
    if name == "tanh":
        return g.op("Tanh", [z])
    if name == "exp":
        return g.op("Exp", [z])
    if name == "logistic":
        return _logistic(g, z, dtype)
    if name == "silu":
        return g.op("Mul", [z, _logistic(g, z, dtype)])
    if name == "softmax":
        return g.op("Softmax", [z], axis=1)
    if name == "leaky_relu":
        if not double:
            return g.op("LeakyRelu", [z], alpha=float(negative_slope))
        positive = g.op("Greater", [z, _scalar(g, 0, dtype)])
        return g.op("Where", [positive, z, g.op("Mul", [z, _scalar(g, negative_slope, dtype)])])
    if name == "elu":  # alpha 1, as nnfast's
        if not double:
            return g.op("Elu", [z], alpha=1.0)
        positive = g.op("Greater", [z, _scalar(g, 0, dtype)])
        return g.op("Where", [positive, z, _expm1(g, z, dtype)])
    if name == "softplus":
        if not double:
            return g.op("Softplus", [z])
        e = g.op("Exp", [g.op("Neg", [g.op("Abs", [z])])])
        return g.op("Add", [g.op("Relu", [z]), _log1p(g, e, dtype)])
    if name == "gelu":  # exact: 0.5 z (1 + erf(z / sqrt 2)), in nnfast's order
        scaled = g.op("Mul", [z, _scalar(g, np.sqrt(0.5), dtype)])
        erf = _erf64(g, scaled, dtype) if double else g.op("Erf", [scaled])
        half_z = g.op("Mul", [_scalar(g, 0.5, dtype), z])
        return g.op("Mul", [half_z, g.op("Add", [_scalar(g, 1, dtype), erf])])
    raise ValueError(f"nnfast.onnx cannot export the activation {name!r}: no ONNX form of it "
                     "is written here.")


# ---------------------------------------------------------------- networks


def _layers(g, mlp, x, dtype, n_layers):
    """The first n_layers weight layers of mlp on x, each with its activation."""
    n_hidden = len(mlp.coefs_) - 1
    names = mlp._hidden_activations(n_hidden) + [mlp.out_activation_]
    for i in range(n_layers):
        w = g.const(np.asarray(mlp.coefs_[i], dtype=dtype), f"coefficient{i}")
        b = g.const(np.asarray(mlp.intercepts_[i], dtype=dtype), f"intercepts{i}")
        x = _activation(g, names[i], g.op("Gemm", [x, w, b]), dtype, mlp.negative_slope)
    return x


def _label_table(classes):
    """classes_ as the constant the label output is gathered from: int64 for
    integer and boolean labels (and floats that are integers), strings for
    strings, as skl2onnx's classifiers give them."""
    classes = np.asarray(classes)
    if classes.dtype.kind in "biu":
        return classes.astype(np.int64)
    if classes.dtype.kind == "f" and np.array_equal(classes, np.round(classes)):
        return classes.astype(np.int64)
    if classes.dtype.kind in "UO" and all(isinstance(c, str) for c in classes):
        return classes.astype(object)
    raise ValueError(
        "nnfast.onnx cannot export class labels of this type: ONNX classifiers give "
        f"int64 or string labels, and classes_ is {classes!r}. Encode y as integers or "
        "strings before fitting."
    )


def _classifier_kind(model):
    if isinstance(model, Perceptron):
        return "perceptron"
    if len(model.classes_) < 2:
        raise ValueError(
            "nnfast.onnx cannot export a classifier fitted on a single class "
            f"({model.classes_[0]!r}): it has no network output to compute."
        )
    y_type = model._label_binarizer.y_type_
    if y_type == "multilabel-indicator":
        return "multilabel"
    return "multiclass" if model.out_activation_ == "softmax" else "binary"


def _emit(g, model, x, outputs, dtype):
    """Write `model`'s prediction on input x into the output names `outputs`:
    [label, probabilities] for a classifier, [values] otherwise."""
    if isinstance(model, HiddenLayerTransformer):
        mlp = model.estimator_
        n_layers = model.layer % (len(mlp.coefs_) - 1) + 1  # checked by _check_estimator
        g.op("Identity", [_layers(g, mlp, x, dtype, n_layers)], out=outputs[0])
        return
    if isinstance(model, MLPRegressor):
        g.op("Identity", [_layers(g, model, x, dtype, len(model.coefs_))], out=outputs[0])
        return

    label, probabilities = outputs
    kind = _classifier_kind(model)
    if kind == "multilabel":  # one indicator column per label, as predict gives it
        p = _layers(g, model, x, dtype, len(model.coefs_))
        g.op("Identity", [p], out=probabilities)
        g.op("Cast", [g.op("Greater", [p, _scalar(g, 0.5, dtype)])], out=label,
             to=TensorProto.INT64)
        return
    classes = g.const(_label_table(model.classes_), "classes")
    if kind == "perceptron":
        w = g.const(np.asarray(model.coef_, dtype=dtype), "coefficient")
        b = g.const(np.asarray(model.intercept_, dtype=dtype), "intercepts")
        scores = g.op("Gemm", [x, w, b], transB=1)
        if model.coef_.shape[0] == 1:
            # One neuron: it fires (second class) where its score is positive;
            # the scores of the two classes are -s and s, as skl2onnx gives them.
            g.op("Concat", [g.op("Neg", [scores]), scores], out=probabilities, axis=1)
            index = _flat_index(g, g.op("Greater", [scores, _scalar(g, 0, dtype)]))
            g.op("Gather", [classes, index], out=label, axis=0)
        else:
            g.op("Identity", [scores], out=probabilities)
            g.op("Gather", [classes, g.op("ArgMax", [scores], axis=1, keepdims=0)],
                 out=label, axis=0)
        return

    p = _layers(g, model, x, dtype, len(model.coefs_))
    if kind == "binary":
        # predict_proba's [1 - p, p], and predict's p > 0.5.
        g.op("Concat", [g.op("Sub", [_scalar(g, 1, dtype), p]), p], out=probabilities, axis=1)
        index = _flat_index(g, g.op("Greater", [p, _scalar(g, 0.5, dtype)]))
        g.op("Gather", [classes, index], out=label, axis=0)
    else:
        g.op("Identity", [p], out=probabilities)
        g.op("Gather", [classes, g.op("ArgMax", [p], axis=1, keepdims=0)], out=label, axis=0)


def _flat_index(g, mask):
    """A (N, 1) boolean as the (N,) int64 index of the class."""
    index = g.op("Cast", [mask], to=TensorProto.INT64)
    return g.op("Reshape", [index, g.const(np.array([-1], dtype=np.int64), "flat")])


# ---------------------------------------------------------------- to_onnx


def _check_estimator(estimator):
    if not isinstance(estimator, _ESTIMATORS):
        raise TypeError(
            "nnfast.onnx.to_onnx exports nnfast's MLPClassifier, MLPRegressor, Perceptron "
            f"and HiddenLayerTransformer, got {type(estimator).__name__}. For a Pipeline "
            "holding nnfast estimators, use skl2onnx.to_onnx after importing nnfast.onnx."
        )
    check_is_fitted(estimator)
    if isinstance(estimator, MLPClassifier):
        _classifier_kind(estimator)
    if isinstance(estimator, HiddenLayerTransformer):
        n_hidden = len(estimator.estimator_.coefs_) - 1
        if not -n_hidden <= estimator.layer < n_hidden:
            raise ValueError(
                f"nnfast.onnx cannot export this HiddenLayerTransformer: layer="
                f"{estimator.layer} is not one of the network's {n_hidden} hidden layers."
            )


def _compute_dtype(estimator):
    if isinstance(estimator, Perceptron):
        return np.dtype(np.float64)  # Perceptron computes in float64 only
    mlp = estimator.estimator_ if isinstance(estimator, HiddenLayerTransformer) else estimator
    return mlp._params.dtype


def _n_outputs(estimator):
    if isinstance(estimator, HiddenLayerTransformer):
        n_hidden = len(estimator.estimator_.coefs_) - 1
        return estimator.estimator_.coefs_[estimator.layer % n_hidden].shape[1]
    if isinstance(estimator, Perceptron):
        return len(estimator.classes_)
    return estimator.n_outputs_ if isinstance(estimator, MLPRegressor) else len(
        estimator.classes_)


def to_onnx(estimator, X=None, *, target_opset=None, dtype=None, zipmap=None):
    """Export a fitted nnfast estimator as an ONNX model.

    Parameters
    ----------
    estimator : MLPClassifier, MLPRegressor, Perceptron or HiddenLayerTransformer
        The fitted model. (For a scikit-learn Pipeline or ColumnTransformer
        holding nnfast estimators use ``skl2onnx.to_onnx``: importing this
        module registers nnfast's converters with skl2onnx.)
    X : array-like of shape (n_samples, n_features), default=None
        Example input; only its number of columns is used, to check it against
        the model's. The input's type is set by ``dtype``, not by X.
    target_opset : int, default=None
        The ONNX opset of the graph, at least 13; None means 21.
    dtype : {'float32', 'float64'} or numpy dtype, default=None
        The type of the graph's input, weights, arithmetic and outputs; None
        means the model's compute dtype (``dtype`` of the MLP; float64 for
        Perceptron).
    zipmap : bool, default=None
        For classifiers: True adds ONNX-ML's ZipMap, so the outputs are
        ``output_label`` and ``output_probability`` (a list of {class: probability}
        dicts per row), as ``skl2onnx.to_onnx`` gives for scikit-learn's
        classifiers; False gives ``label`` and ``probabilities`` (an
        (N, n_classes) tensor). ZipMap takes float32 only, so None means True
        for a float32 graph and False for a float64 one. Ignored for regressors
        and transformers.

    Returns
    -------
    model : onnx.ModelProto
        Input ``X`` (N, n_features). Outputs: a classifier gives ``label``
        (N,) -- (N, n_labels) 0/1 int64 for multilabel models -- and
        ``probabilities`` (N, n_classes), for Perceptron its decision scores
        ([-s, s] for two classes); labels are int64 for integer and boolean
        classes, strings for strings. A regressor gives ``variable``
        (N, n_outputs); a HiddenLayerTransformer gives ``variable``
        (N, units of the layer).

    Raises
    ------
    TypeError
        If the estimator is not one of nnfast's.
    sklearn.exceptions.NotFittedError
        If it is not fitted.
    ValueError
        For what cannot be exported: a classifier fitted on one class, class
        labels that are neither integers nor strings, ZipMap on a float64
        graph, an opset below 13 or beyond the installed onnx's, an X of
        another width.
    """
    _check_estimator(estimator)
    dtype = _compute_dtype(estimator) if dtype is None else np.dtype(dtype)
    if dtype not in _ELEM_TYPE:
        raise ValueError(f"dtype must be float32 or float64, got {dtype}.")
    opset = DEFAULT_OPSET if target_opset is None else target_opset
    if (not isinstance(opset, numbers.Integral) or isinstance(opset, bool)
            or not MIN_OPSET <= opset <= onnx.defs.onnx_opset_version()):
        raise ValueError(
            f"target_opset must be an integer from {MIN_OPSET} to "
            f"{onnx.defs.onnx_opset_version()} (the installed onnx's latest), got {opset!r}."
        )
    n_features = estimator.n_features_in_
    if X is not None and np.shape(X)[-1] != n_features:
        raise ValueError(f"X has {np.shape(X)[-1]} features, but {type(estimator).__name__} "
                         f"was fitted with {n_features}.")
    classifier = isinstance(estimator, (MLPClassifier, Perceptron))
    if zipmap is None:
        zipmap = dtype == np.float32
    if classifier and zipmap and dtype != np.float32:
        raise ValueError(
            "ONNX's ZipMap takes float32 probabilities only, and the graph is float64: "
            "pass zipmap=False, or dtype='float32'."
        )

    g = _Graph()
    elem = _ELEM_TYPE[dtype]
    n_out = _n_outputs(estimator)
    if classifier:
        table = _label_table(estimator.classes_)
        label_elem = TensorProto.STRING if table.dtype == object else TensorProto.INT64
        multilabel = _classifier_kind(estimator) == "multilabel"
        label_shape = [None, n_out] if multilabel else [None]
        names = [g.name("label"), g.name("probabilities")]
        _emit(g, estimator, "X", names, dtype)
        if zipmap:
            g.op("Identity", [names[0]], out=g.name("output_label"))
            g.op("ZipMap", [names[1]], out=g.name("output_probability"), domain="ai.onnx.ml",
                 **({"classlabels_strings": list(table)} if label_elem == TensorProto.STRING
                    else {"classlabels_int64s": [int(c) for c in table]}))
            map_type = helper.make_map_type_proto(
                label_elem, helper.make_tensor_type_proto(TensorProto.FLOAT, None))
            outputs = [
                helper.make_tensor_value_info("output_label", label_elem, label_shape),
                helper.make_value_info("output_probability",
                                       helper.make_sequence_type_proto(map_type)),
            ]
        else:
            outputs = [helper.make_tensor_value_info(names[0], label_elem, label_shape),
                       helper.make_tensor_value_info(names[1], elem, [None, n_out])]
    else:
        name = g.name("variable")
        _emit(g, estimator, "X", [name], dtype)
        outputs = [helper.make_tensor_value_info(name, elem, [None, n_out])]

    graph = helper.make_graph(
        g.nodes, f"nnfast_{type(estimator).__name__}",
        [helper.make_tensor_value_info("X", elem, [None, n_features])], outputs,
        initializer=g.initializers,
    )
    opsets = [helper.make_opsetid("", opset)]
    if classifier and zipmap:
        opsets.append(helper.make_opsetid("ai.onnx.ml", _ML_OPSET))
    model = helper.make_model(graph, opset_imports=opsets, producer_name="nnfast",
                              producer_version=nnfast.__version__)
    # make_model stamps the installed onnx's newest IR version, which runtimes
    # older than that onnx refuse; the opsets need only this one.
    model.ir_version = helper.find_min_ir_version_for(opsets)
    onnx.checker.check_model(model, full_check=True)
    return model


# ---------------------------------------------------------------- skl2onnx


def _float_type(variable):
    return DoubleTensorType if isinstance(variable.type, DoubleTensorType) else FloatTensorType


def _skl2onnx_shapes(operator):
    """skl2onnx shape calculator: the output types of one nnfast operator."""
    model = operator.raw_operator
    _check_estimator(model)
    n_rows = operator.inputs[0].get_first_dimension()
    float_type = _float_type(operator.inputs[0])
    n_out = _n_outputs(model)
    if isinstance(model, (MLPClassifier, Perceptron)):
        strings = _label_table(model.classes_).dtype == object
        multilabel = _classifier_kind(model) == "multilabel"
        label_shape = [n_rows, n_out] if multilabel else [n_rows]
        operator.outputs[0].type = (StringTensorType if strings else Int64TensorType)(label_shape)
        operator.outputs[1].type = float_type([n_rows, n_out])
    else:
        operator.outputs[0].type = float_type([n_rows, n_out])


def _skl2onnx_convert(scope, operator, container):
    """skl2onnx converter: the nnfast model's nodes, computed in the input's
    float type (skl2onnx's convention: float64 X gives a float64 graph). A
    model fitted on a DataFrame gets one input per column; they are joined."""
    model = operator.raw_operator
    float_type = _float_type(operator.inputs[0])
    dtype = np.dtype(np.float64 if float_type is DoubleTensorType else np.float32)
    g = _ContainerGraph(scope, container)
    columns = []
    for variable in operator.inputs:
        if isinstance(variable.type, StringTensorType):
            raise ValueError(f"nnfast.onnx: the input {variable.onnx_name!r} of "
                             f"{type(model).__name__} holds strings; encode it first "
                             "(OneHotEncoder in a ColumnTransformer).")
        name = variable.full_name
        if not isinstance(variable.type, float_type):
            name = g.op("Cast", [name], to=_ELEM_TYPE[dtype])
        columns.append(name)
    x = columns[0] if len(columns) == 1 else g.op("Concat", columns, axis=1)
    _emit(g, model, x, [v.full_name for v in operator.outputs], dtype)


def _register():
    for cls in _ESTIMATORS:
        classifier = cls in (MLPClassifier, Perceptron)
        update_registered_converter(
            cls, f"Nnfast{cls.__name__}", _skl2onnx_shapes, _skl2onnx_convert,
            # nocl (class indices for labels) is skl2onnx's; only its default is honoured.
            options={"zipmap": [True, False, "columns"], "nocl": [False]} if classifier else None,
        )


_register()
