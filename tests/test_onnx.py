"""ONNX export: onnxruntime computes what nnfast computes.

Agreement, for every activation x every estimator kind x both compute dtypes, on
inputs like the training data and on inputs 100 times larger: labels equal;
probabilities within RTOL relative (1e-4 for float32 graphs, whose sums run in
another order than nnfast's, 1e-10 for float64 ones). Two exceptions, each
because the quantity has no relative digits to agree on in either program:
the first column of a binary classifier is 1 - p in both, so it agrees to
RTOL * p absolutely; regression outputs and hidden features are sums that may
cancel to near zero, so they agree to RTOL relative to the largest magnitude
of their column. Values below the dtype's smallest normal number (underflow)
agree absolutely to that number.
"""

import subprocess
import sys
import textwrap
import warnings

import numpy as np
import onnx
import onnxruntime as ort
import pandas as pd
import pytest
import skl2onnx
from skl2onnx.common.data_types import FloatTensorType, StringTensorType
from sklearn.compose import ColumnTransformer
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.neural_network import MLPClassifier as SklearnMLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

import nnfast.onnx
from nnfast import HiddenLayerTransformer, MLPClassifier, MLPRegressor, Perceptron
from nnfast.exceptions import GradientWarning
from nnfast.onnx import to_onnx

ACTIVATIONS = ["identity", "logistic", "tanh", "relu", "leaky_relu", "elu", "gelu", "silu",
               "softplus"]
DTYPES = ["float32", "float64"]
RTOL = {"float32": 1e-4, "float64": 1e-10}
N_FEATURES = 4


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        warnings.simplefilter("ignore", GradientWarning)  # tiny fits of deep nets
        yield


def _data(dtype, n=40, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, N_FEATURES)).astype(dtype)
    # Rows far outside the training range, where activations saturate.
    X_far = (rng.normal(size=(n, N_FEATURES)) * 100).astype(dtype)
    return X, X_far


def _session(model):
    options = ort.SessionOptions()
    options.log_severity_level = 3  # no notes about initializers it folds
    return ort.InferenceSession(model.SerializeToString(), options,
                                providers=["CPUExecutionProvider"])


def _run(model, **inputs):
    return _session(model).run(None, inputs)


def _assert_relative(actual, expected, dtype, what):
    rtol, tiny = RTOL[dtype], np.finfo(dtype).tiny
    actual, expected = np.asarray(actual, np.float64), np.asarray(expected, np.float64)
    bound = rtol * np.abs(expected) + tiny
    worst = np.max(np.abs(actual - expected) - bound)
    assert worst <= 0, f"{what}: onnxruntime differs from nnfast beyond {rtol} relative"


def _assert_scaled(actual, expected, dtype, what):
    rtol = RTOL[dtype]
    actual, expected = np.asarray(actual, np.float64), np.asarray(expected, np.float64)
    scale = np.abs(expected).max(axis=0) + np.finfo(dtype).tiny
    excess = np.abs(actual - expected) - rtol * np.maximum(np.abs(expected), scale)
    assert excess.max() <= 0, (f"{what}: onnxruntime differs from nnfast beyond {rtol} of "
                               "the column's scale")


def _assert_classifier_agrees(model, X, dtype, what):
    label, proba = _run(to_onnx(model, zipmap=False), X=X)
    expected = model.predict(X)
    assert label.shape == expected.shape
    np.testing.assert_array_equal(label, expected, err_msg=f"{what}: labels differ")
    expected_proba = model.predict_proba(X)
    assert proba.shape == expected_proba.shape and proba.dtype == np.dtype(dtype)
    if model.out_activation_ == "logistic" and expected_proba.shape[1] == 2 and \
            model.n_outputs_ == 1:
        _assert_relative(proba[:, 1], expected_proba[:, 1], dtype, what)
        # 1 - p in both: its error is p's, absolute.
        assert np.abs(proba[:, 0] - expected_proba[:, 0]).max() <= RTOL[dtype], what
    else:
        _assert_relative(proba, expected_proba, dtype, what)


CLASSIFIER_TARGETS = {
    "binary_int": lambda X: (X[:, 0] > 0).astype(int) * 7 - 3,
    "binary_bool": lambda X: X[:, 0] + X[:, 1] > 0,
    "multiclass_str": lambda X: np.array(["ant", "bee", "cat"])[
        np.digitize(X[:, 0], [-0.5, 0.5])],
    "multilabel": lambda X: np.c_[X[:, 0] > 0, X[:, 1] > 0, X[:, 2] > 0].astype(int),
}


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("target", sorted(CLASSIFIER_TARGETS))
def test_classifier_agrees_with_nnfast(target, activation, dtype):
    X, X_far = _data(dtype)
    y = CLASSIFIER_TARGETS[target](X)
    model = MLPClassifier(hidden_layer_sizes=(6, 4), activation=activation, negative_slope=0.2,
                          max_iter=20, dtype=dtype, random_state=0).fit(X, y)
    for rows, name in ((X, "training range"), (X_far, "x100")):
        _assert_classifier_agrees(model, rows, dtype, f"{target} {activation} {name}")


def _assert_regressor_agrees(model, X, dtype, what):
    (values,) = _run(to_onnx(model), X=X)
    assert values.shape == (len(X), model.n_outputs_) and values.dtype == np.dtype(dtype)
    _assert_scaled(values, model.predict(X).reshape(len(X), -1), dtype, what)


REGRESSION_TARGETS = {
    "squared_error": lambda X: X[:, 0] * 2 - X[:, 1],
    "absolute_error": lambda X: np.c_[X[:, 0], X[:, 1] * X[:, 2]],
    "huber": lambda X: np.c_[X[:, 0], X[:, 1] ** 2, X[:, 3]],
    "poisson": lambda X: np.exp(np.c_[X[:, 0], X[:, 1]] / 2),
}


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("loss", sorted(REGRESSION_TARGETS))
def test_regressor_agrees_with_nnfast(loss, activation, dtype):
    X, X_far = _data(dtype)
    model = MLPRegressor(hidden_layer_sizes=(6, 4), activation=activation, loss=loss,
                         negative_slope=0.2, max_iter=20, dtype=dtype,
                         random_state=0).fit(X, REGRESSION_TARGETS[loss](X))
    assert model.out_activation_ == ("exp" if loss == "poisson" else "identity")
    _assert_regressor_agrees(model, X, dtype, f"{loss} {activation}")
    if loss != "poisson":
        _assert_regressor_agrees(model, X_far, dtype, f"{loss} {activation} x100")
        return
    # exp overflows for some far rows: nnfast refuses those rows, onnxruntime
    # gives inf there (and agrees on the others).
    (values,) = _run(to_onnx(model), X=X_far)
    for row, value in zip(X_far, values):
        try:
            expected = model.predict(row[None, :])
        except ValueError:
            assert not np.isfinite(value).all()
            continue
        _assert_relative(value, expected.ravel(), dtype, f"poisson {activation} x100")


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_hidden_layer_transformer_agrees_with_nnfast(activation, dtype):
    X, X_far = _data(dtype)
    network = MLPRegressor(hidden_layer_sizes=(6, 5, 4), activation=activation, max_iter=20,
                           dtype=dtype, random_state=0)
    for layer in (0, -1):
        model = HiddenLayerTransformer(network, layer=layer).fit(X, X[:, 0])
        for rows in (X, X_far):
            (features,) = _run(to_onnx(model), X=rows)
            expected = model.transform(rows)
            assert features.shape == expected.shape
            _assert_scaled(features, expected, dtype, f"{activation} layer {layer}")


@pytest.mark.parametrize("dtype", DTYPES)
def test_per_layer_activation_lists(dtype):
    X, X_far = _data(dtype)
    activations = ACTIVATIONS[::-1]
    sizes = (5,) * len(activations)
    classifier = MLPClassifier(hidden_layer_sizes=sizes, activation=activations, max_iter=20,
                               dtype=dtype, random_state=0).fit(X, X[:, 0] > 0)
    regressor = MLPRegressor(hidden_layer_sizes=sizes, activation=activations, max_iter=20,
                             dtype=dtype, random_state=0).fit(X, X[:, :2])
    for rows in (X, X_far):
        _assert_classifier_agrees(classifier, rows, dtype, "activation list")
        _assert_regressor_agrees(regressor, rows, dtype, "activation list")


@pytest.mark.parametrize("target", ["binary_bool", "multiclass_str"])
def test_perceptron_agrees_with_nnfast(target):
    X, X_far = _data("float64")
    model = Perceptron(max_iter=20, random_state=0).fit(X, CLASSIFIER_TARGETS[target](X))
    onnx_model = to_onnx(model)
    assert onnx_model.graph.input[0].type.tensor_type.elem_type == onnx.TensorProto.DOUBLE
    for rows in (X, X_far):
        label, scores = _run(onnx_model, X=rows)
        np.testing.assert_array_equal(label, model.predict(rows))
        expected = model.decision_function(rows)
        if expected.ndim == 1:  # one neuron: scores of the two classes, as skl2onnx's
            expected = np.c_[-expected, expected]
        _assert_scaled(scores, expected, "float64", target)


def test_graph_dtype_follows_the_model_or_the_dtype_argument():
    X, _ = _data("float64")
    model = MLPRegressor(hidden_layer_sizes=(5,), max_iter=20, dtype="float64",
                         random_state=0).fit(X, X[:, 0])
    for dtype, elem in ((None, onnx.TensorProto.DOUBLE), ("float32", onnx.TensorProto.FLOAT)):
        graph = to_onnx(model, dtype=dtype).graph
        assert graph.input[0].type.tensor_type.elem_type == elem
        assert graph.output[0].type.tensor_type.elem_type == elem
        assert {t.data_type for t in graph.initializer} == {elem}
    # A float32 graph of a float64 model agrees at float32's precision.
    (values,) = _run(to_onnx(model, dtype="float32"), X=X.astype(np.float32))
    _assert_scaled(values, model.predict(X).reshape(-1, 1), "float32", "float32 graph")


def test_zipmap_by_default_for_float32_classifiers_as_skl2onnx():
    X, _ = _data("float32")
    y = CLASSIFIER_TARGETS["multiclass_str"](X)
    model = MLPClassifier(hidden_layer_sizes=(5,), max_iter=20, random_state=0).fit(X, y)
    onnx_model = to_onnx(model)
    reference = skl2onnx.to_onnx(
        SklearnMLPClassifier(hidden_layer_sizes=(5,), max_iter=5).fit(X, y), X[:1])
    assert [o.name for o in onnx_model.graph.output] == [o.name for o in reference.graph.output]
    assert [o.type for o in onnx_model.graph.output] == [o.type for o in reference.graph.output]
    label, rows = _run(onnx_model, X=X)
    np.testing.assert_array_equal(label, model.predict(X))
    proba = model.predict_proba(X)
    for row, expected in zip(rows, proba):
        assert list(row) == list(model.classes_)
        _assert_relative(list(row.values()), expected, "float32", "ZipMap")
    # float64 graphs have no ZipMap (it takes float32 only) unless asked, which fails.
    model64 = MLPClassifier(hidden_layer_sizes=(5,), max_iter=20, dtype="float64",
                            random_state=0).fit(X, y)
    assert [o.name for o in to_onnx(model64).graph.output] == ["label", "probabilities"]
    with pytest.raises(ValueError, match="ZipMap takes float32"):
        to_onnx(model64, zipmap=True)


def test_graph_uses_standard_operators_only():
    X, _ = _data("float64")
    for dtype in DTYPES:
        model = MLPClassifier(hidden_layer_sizes=(3,) * len(ACTIVATIONS), activation=ACTIVATIONS,
                              max_iter=5, dtype=dtype, random_state=0).fit(X, X[:, 0] > 0)
        for node in to_onnx(model, zipmap=dtype == "float32").graph.node:
            assert onnx.defs.has(node.op_type, node.domain), node.op_type
            assert node.domain in ("", "ai.onnx.ml")


def test_target_opset():
    X, _ = _data("float32")
    model = MLPRegressor(hidden_layer_sizes=(3,), activation="gelu", max_iter=5,
                         random_state=0).fit(X, X[:, 0])
    onnx_model = to_onnx(model, target_opset=13)
    assert [(o.domain, o.version) for o in onnx_model.opset_import] == [("", 13)]
    (values,) = _run(onnx_model, X=X)
    _assert_scaled(values, model.predict(X)[:, None], "float32", "opset 13")
    for bad in (12, onnx.defs.onnx_opset_version() + 1, "21"):
        with pytest.raises(ValueError, match="target_opset"):
            to_onnx(model, target_opset=bad)


def test_what_cannot_be_exported_raises():
    X, _ = _data("float32")
    with pytest.raises(TypeError, match="SklearnMLPClassifier|MLPClassifier, MLPRegressor"):
        to_onnx(SklearnMLPClassifier(max_iter=5).fit(X, X[:, 0] > 0))
    with pytest.raises(NotFittedError):
        to_onnx(MLPClassifier())
    single = MLPClassifier(hidden_layer_sizes=(3,), max_iter=5).fit(X, np.zeros(len(X), int))
    with pytest.raises(ValueError, match="single class"):
        to_onnx(single)
    dates = MLPClassifier(hidden_layer_sizes=(3,), max_iter=5).fit(
        X, np.where(X[:, 0] > 0, np.datetime64("2020-01-01"), np.datetime64("2021-01-01")))
    with pytest.raises(ValueError, match="int64 or string labels"):
        to_onnx(dates)
    model = MLPRegressor(hidden_layer_sizes=(3,), max_iter=5).fit(X, X[:, 0])
    with pytest.raises(ValueError, match="float32 or float64"):
        to_onnx(model, dtype="float16")
    with pytest.raises(ValueError, match="X has 3 features"):
        to_onnx(model, X[:, :3])
    transformer = HiddenLayerTransformer(MLPRegressor(hidden_layer_sizes=(3,), max_iter=5),
                                         layer=1).fit(X, X[:, 0])
    with pytest.raises(ValueError, match="layer=1"):
        to_onnx(transformer)
    # Inside a pipeline, through skl2onnx, the same errors.
    with pytest.raises(ValueError, match="single class"):
        skl2onnx.to_onnx(make_pipeline(StandardScaler(), single).fit(X, np.zeros(len(X))), X[:1])


def test_float_labels_that_are_integers_are_exported_as_int64():
    X, _ = _data("float32")
    model = MLPClassifier(hidden_layer_sizes=(3,), max_iter=5).fit(
        X, np.where(X[:, 0] > 0, 2.0, -1.0))
    label, _ = _run(to_onnx(model), X=X)
    assert label.dtype == np.int64
    np.testing.assert_array_equal(label, model.predict(X))


def test_skl2onnx_converts_a_scaler_and_classifier_pipeline():
    X, X_far = _data("float32")
    y = CLASSIFIER_TARGETS["multiclass_str"](X)
    pipe = make_pipeline(StandardScaler(), MLPClassifier(
        hidden_layer_sizes=(6,), activation="gelu", max_iter=20, random_state=0)).fit(X, y)
    onnx_model = skl2onnx.to_onnx(pipe, X[:1], options={MLPClassifier: {"zipmap": False}})
    for rows in (X, X_far):
        label, proba = _run(onnx_model, X=rows)
        np.testing.assert_array_equal(label, pipe.predict(rows))
        _assert_relative(proba, pipe.predict_proba(rows), "float32", "pipeline")
    label, rows = _run(skl2onnx.to_onnx(pipe, X[:1]), X=X)  # default: ZipMap
    np.testing.assert_array_equal(label, pipe.predict(X))
    assert list(rows[0]) == list(pipe.classes_)


def test_skl2onnx_converts_a_column_transformer_and_regressor_pipeline():
    rng = np.random.default_rng(0)
    df = pd.DataFrame({"city": rng.choice(["Lyon", "Oslo", "Rome"], 60),
                       "x1": rng.normal(size=60).astype(np.float32),
                       "x2": rng.normal(size=60).astype(np.float32)})
    y = df.x1 * 2 + (df.city == "Oslo") - df.x2
    columns = ColumnTransformer([("city", OneHotEncoder(), ["city"]),
                                 ("numbers", StandardScaler(), ["x1", "x2"])])
    pipe = make_pipeline(columns, MLPRegressor(hidden_layer_sizes=(6,), activation="silu",
                                               max_iter=30, random_state=0)).fit(df, y)
    onnx_model = skl2onnx.to_onnx(pipe, initial_types=[
        ("city", StringTensorType([None, 1])), ("x1", FloatTensorType([None, 1])),
        ("x2", FloatTensorType([None, 1]))])
    (values,) = _run(onnx_model, **{c: df[[c]].to_numpy() for c in df})
    _assert_scaled(values, pipe.predict(df)[:, None], "float32", "column transformer")


def test_skl2onnx_and_to_onnx_compute_the_same():
    X, X_far = _data("float32")
    transformer = HiddenLayerTransformer(MLPClassifier(
        hidden_layer_sizes=(5, 4), activation="elu", max_iter=20, random_state=0))
    pipe = make_pipeline(transformer, LogisticRegression()).fit(X, X[:, 0] > 0)
    (direct,) = _run(to_onnx(pipe[0]), X=X_far)
    features = skl2onnx.to_onnx(pipe[:1], X[:1])
    (through_skl2onnx,) = _run(features, X=X_far)
    np.testing.assert_array_equal(direct, through_skl2onnx)
    label, _ = _run(skl2onnx.to_onnx(pipe, X[:1]), X=X)
    np.testing.assert_array_equal(label, pipe.predict(X))


def test_skl2onnx_with_double_input_computes_in_double():
    X, X_far = _data("float64")
    pipe = make_pipeline(StandardScaler(), MLPClassifier(
        hidden_layer_sizes=(5,), activation="softplus", max_iter=20, dtype="float64",
        random_state=0)).fit(X, X[:, 0] > X[:, 1])
    onnx_model = skl2onnx.to_onnx(pipe, X[:1], options={MLPClassifier: {"zipmap": False}})
    label, proba = _run(onnx_model, X=X_far)
    np.testing.assert_array_equal(label, pipe.predict(X_far))
    _assert_relative(proba[:, 1], pipe.predict_proba(X_far)[:, 1], "float64", "double pipeline")


def test_importing_nnfast_onnx_without_onnx_names_the_extra():
    # A fresh interpreter, in which onnx and skl2onnx cannot be imported.
    code = textwrap.dedent("""
        import sys
        for name in ("onnx", "skl2onnx", "onnxruntime"):
            sys.modules[name] = None
        import nnfast
        from nnfast import MLPClassifier
        MLPClassifier(max_iter=2).fit([[0.0], [1.0]], [0, 1])
        try:
            import nnfast.onnx
        except ImportError as exc:
            print(exc)
        else:
            raise SystemExit("nnfast.onnx imported without onnx")
    """)
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=False)
    assert result.returncode == 0, result.stderr
    assert 'pip install "nnfast[onnx]"' in result.stdout


def test_importing_nnfast_does_not_import_onnx():
    code = ("import sys, nnfast; "
            "print(sorted({'onnx', 'skl2onnx', 'onnxruntime'} & set(sys.modules)))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True)
    assert result.stdout.strip() == "[]"


def test_module_exports():
    assert nnfast.onnx.__all__ == ["to_onnx"]


def test_skl2onnx_joins_the_columns_of_a_dataframe():
    X, _ = _data("float32")
    df = pd.DataFrame(X, columns=["a", "b", "c", "d"])
    model = MLPClassifier(hidden_layer_sizes=(5,), max_iter=20, random_state=0).fit(
        df, CLASSIFIER_TARGETS["multilabel"](X))
    onnx_model = skl2onnx.to_onnx(model, df[:1], options={MLPClassifier: {"zipmap": False}})
    assert [i.name for i in onnx_model.graph.input] == list(df.columns)
    label, proba = _run(onnx_model, **{c: df[[c]].to_numpy() for c in df})
    np.testing.assert_array_equal(label, model.predict(df))
    _assert_relative(proba, model.predict_proba(df), "float32", "DataFrame columns")
