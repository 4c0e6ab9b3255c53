"""forward, hidden_activations and HiddenLayerTransformer: the network's inside
as values and as features.

forward(X) returns every layer's (pre_activation, activation), the last being
what predict_proba / predict return, in X's float dtype. hidden_activations(X,
layer) is one hidden layer's activation. HiddenLayerTransformer fits a network
and transforms X into such a layer, so a network can feed a Pipeline.
"""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose, assert_array_equal
from scipy.special import expit, softmax
from sklearn.base import clone
from sklearn.datasets import load_digits, make_classification, make_multilabel_classification
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC
from sklearn.utils.estimator_checks import parametrize_with_checks

from nnfast import HiddenLayerTransformer, MLPClassifier, MLPRegressor

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

HIDDEN = {"relu": lambda z: np.maximum(z, 0), "tanh": np.tanh, "logistic": expit}
OUTPUT = {"softmax": lambda z: softmax(z, axis=1), "logistic": expit,
          "identity": lambda z: z}


def _classification(n_classes=3):
    X, y = make_classification(n_samples=90, n_features=6, n_informative=4, n_redundant=0,
                               n_classes=n_classes, n_clusters_per_class=1, random_state=0)
    return StandardScaler().fit_transform(X), y


def _problem(kind):
    """(Estimator, X, y, output activation) of each kind of output layer."""
    if kind == "multiclass":
        return (MLPClassifier, *_classification(3), "softmax")
    if kind == "binary":
        return (MLPClassifier, *_classification(2), "logistic")
    if kind == "multilabel":
        X, Y = make_multilabel_classification(n_samples=90, n_features=6, n_classes=3,
                                              random_state=0)
        return MLPClassifier, StandardScaler().fit_transform(X), Y, "logistic"
    X, _ = _classification()
    W = np.random.RandomState(0).randn(6, 2)
    y = np.tanh(X @ W)
    if kind == "regression":
        return MLPRegressor, X, y[:, 0], "identity"
    return MLPRegressor, X, y, "identity"  # two outputs


KINDS = ["multiclass", "binary", "multilabel", "regression", "multioutput"]


def _fitted(kind, activation="relu", hidden=(7, 5), dtype="float64", **params):
    Estimator, X, y, out = _problem(kind)
    model = Estimator(hidden_layer_sizes=hidden, activation=activation, max_iter=30,
                      random_state=0, dtype=dtype, **params).fit(X, y)
    return model, X, y, out


def _forward_numpy(model, X, hidden_activations, output):
    """[(z, a)] per layer, in float64 from coefs_/intercepts_."""
    a = np.asarray(X, dtype=np.float64)
    layers = []
    for i, (W, b) in enumerate(zip(model.coefs_, model.intercepts_)):
        z = a @ W.astype(np.float64) + b.astype(np.float64)
        last = i == len(model.coefs_) - 1
        a = OUTPUT[output](z) if last else HIDDEN[hidden_activations[i]](z)
        layers.append((z, a))
    return layers


def _assert_layers_close(got, expected, rtol, atol):
    assert len(got) == len(expected), f"{len(got)} layers, expected {len(expected)}"
    for i, (layer, (z, a)) in enumerate(zip(got, expected)):
        assert_allclose(layer.pre_activation, z, rtol=rtol, atol=atol,
                        err_msg=f"layer {i + 1}: pre_activation differs from NumPy's")
        assert_allclose(layer.activation, a, rtol=rtol, atol=atol,
                        err_msg=f"layer {i + 1}: activation differs from NumPy's")


# ---------------------------------------------------------------- forward


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("activation", ["relu", "tanh", "logistic"])
def test_forward_matches_a_numpy_forward_pass(kind, activation):
    model, X, _, out = _fitted(kind, activation)
    assert model.out_activation_ == out, f"{kind}: output activation {model.out_activation_}"
    expected = _forward_numpy(model, X, [activation] * 2, out)
    _assert_layers_close(model.forward(X), expected, rtol=1e-10, atol=1e-12)


def test_forward_with_one_activation_per_layer_matches_numpy():
    activations = ["tanh", "relu", "logistic"]
    model, X, _, out = _fitted("multiclass", activations, hidden=(7, 6, 5))
    _assert_layers_close(model.forward(X), _forward_numpy(model, X, activations, out),
                         rtol=1e-10, atol=1e-12)


def test_forward_of_a_float32_network_matches_numpy_to_float32_precision():
    model, X, _, out = _fitted("multiclass", "tanh", dtype="float32")
    _assert_layers_close(model.forward(X), _forward_numpy(model, X, ["tanh"] * 2, out),
                         rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("kind", KINDS)
def test_forward_shapes_are_one_pair_per_layer_after_the_input(kind):
    model, X, _, _ = _fitted(kind, hidden=(7, 5, 4))
    layers = model.forward(X)
    widths = [7, 5, 4, model.n_outputs_]
    assert len(layers) == len(widths) == model.n_layers_ - 1, f"{len(layers)} layers"
    for i, (layer, width) in enumerate(zip(layers, widths)):
        for name in ("pre_activation", "activation"):
            shape = getattr(layer, name).shape
            assert shape == (len(X), width), f"layer {i + 1} {name}: shape {shape}"


def test_last_layer_is_predict_proba_for_multiclass_and_multilabel():
    for kind in ("multiclass", "multilabel"):
        model, X, _, _ = _fitted(kind, dtype="float32")
        assert_array_equal(model.forward(X)[-1].activation, model.predict_proba(X),
                           err_msg=f"{kind}: output layer != predict_proba")


def test_last_layer_of_a_binary_classifier_is_the_positive_class_probability():
    model, X, _, _ = _fitted("binary", dtype="float32")
    output = model.forward(X)[-1].activation
    assert output.shape == (len(X), 1)
    assert_array_equal(output[:, 0], model.predict_proba(X)[:, 1])


@pytest.mark.parametrize("kind", ["regression", "multioutput"])
def test_last_layer_is_predict_for_a_regressor(kind):
    model, X, _, _ = _fitted(kind, dtype="float32")
    output = model.forward(X)[-1].activation
    prediction = model.predict(X)
    assert_array_equal(output.reshape(prediction.shape), prediction)


@pytest.mark.parametrize("network_dtype", ["float32", "float64"])
@pytest.mark.parametrize("input_dtype, expected", [
    (np.float32, np.float32), (np.float64, np.float64), (np.int64, np.float64),
])
def test_forward_values_come_in_the_inputs_float_dtype(network_dtype, input_dtype, expected):
    model, X, _, _ = _fitted("multiclass", dtype=network_dtype)
    X = (np.round(X * 4) if input_dtype is np.int64 else X).astype(input_dtype)
    for i, layer in enumerate(model.forward(X)):
        for name in ("pre_activation", "activation"):
            dtype = getattr(layer, name).dtype
            assert dtype == expected, (
                f"{input_dtype.__name__} input, {network_dtype} network, layer {i + 1} "
                f"{name}: {dtype}, expected {expected.__name__}")


@pytest.mark.parametrize("fmt", ["csr", "csc"])
def test_forward_on_sparse_input_equals_dense(fmt):
    model, X, _, _ = _fitted("multiclass")
    X[np.abs(X) < 0.5] = 0
    dense, sparse = model.forward(X), model.forward(sp.csr_matrix(X).asformat(fmt))
    for i, (d, s) in enumerate(zip(dense, sparse)):
        assert_allclose(s.activation, d.activation, rtol=1e-12, atol=1e-14,
                        err_msg=f"layer {i + 1}: sparse != dense")


def test_forward_applies_no_dropout():
    model, X, _, out = _fitted("multiclass", dropout=0.5)
    first, second = model.forward(X), model.forward(X)
    for a, b in zip(first, second):
        assert_array_equal(a.activation, b.activation)
    _assert_layers_close(first, _forward_numpy(model, X, ["relu"] * 2, out),
                         rtol=1e-10, atol=1e-12)


def test_forward_reads_in_place_edits_of_coefs():
    model, X, _, _ = _fitted("multiclass")
    model.intercepts_[0][:] = 0.0
    model.coefs_[0][:] = 0.0
    first = model.forward(X)[0]
    assert_array_equal(first.pre_activation, 0.0)


def test_forward_on_an_unfitted_model_raises_not_fitted():
    X, _ = _classification()
    with pytest.raises(NotFittedError):
        MLPClassifier().forward(X)


def test_forward_checks_the_number_of_features():
    model, X, _, _ = _fitted("multiclass")
    with pytest.raises(ValueError, match="features"):
        model.forward(X[:, :3])


# ---------------------------------------------------------------- hidden_activations


@pytest.mark.parametrize("kind", ["multiclass", "regression"])
def test_hidden_activations_is_forwards_activation_for_every_layer_index(kind):
    model, X, _, _ = _fitted(kind, hidden=(7, 5, 4))
    layers = model.forward(X)
    for layer in range(-3, 3):
        assert_array_equal(model.hidden_activations(X, layer=layer), layers[layer % 3].activation,
                           err_msg=f"layer={layer}")
    assert_array_equal(model.hidden_activations(X), layers[2].activation,
                       err_msg="the default layer is not the last hidden layer")


def test_hidden_activations_accepts_numpy_integers():
    model, X, _, _ = _fitted("multiclass")
    assert_array_equal(model.hidden_activations(X, layer=np.int64(0)),
                       model.hidden_activations(X, layer=0))


@pytest.mark.parametrize("layer", [2, -3, 10, 1.0, "0", None])
def test_hidden_activations_rejects_a_layer_that_is_not_hidden(layer):
    model, X, _, _ = _fitted("multiclass")  # two hidden layers: -2 .. 1
    with pytest.raises(ValueError, match=r"layer must be an integer in \[-2, 1\]"):
        model.hidden_activations(X, layer=layer)


@pytest.mark.parametrize("Estimator", [MLPClassifier, MLPRegressor])
def test_hidden_activations_of_a_network_without_hidden_layers_raises(Estimator):
    X, y = _classification()
    model = Estimator(hidden_layer_sizes=(), max_iter=5, random_state=0).fit(X, y)
    assert len(model.forward(X)) == 1
    with pytest.raises(ValueError, match="hidden layer"):
        model.hidden_activations(X)


def test_hidden_activations_on_an_unfitted_model_raises_not_fitted():
    X, _ = _classification()
    with pytest.raises(NotFittedError):
        MLPClassifier().hidden_activations(X)


# ---------------------------------------------------------------- HiddenLayerTransformer


def _digits_split():
    X, y = load_digits(return_X_y=True)
    return train_test_split(X / 16.0, y, test_size=0.3, random_state=0, stratify=y)


@pytest.mark.parametrize("final", [LogisticRegression(max_iter=500), SVC()],
                         ids=["LogisticRegression", "SVC"])
def test_pipeline_with_a_hidden_layer_as_features_scores_well_on_digits(final):
    X_train, X_test, y_train, y_test = _digits_split()
    pipe = Pipeline([
        ("mlp", HiddenLayerTransformer(MLPClassifier(hidden_layer_sizes=(64,), max_iter=60,
                                                     random_state=0))),
        ("final", final),
    ]).fit(X_train, y_train)
    assert pipe[0].transform(X_test).shape == (len(X_test), 64)
    score = pipe.score(X_test, y_test)
    assert score > 0.9, f"test accuracy {score:.3f}"


@parametrize_with_checks([
    HiddenLayerTransformer(MLPClassifier(hidden_layer_sizes=(10,), max_iter=50,
                                         random_state=0)),
    HiddenLayerTransformer(MLPRegressor(hidden_layer_sizes=(10, 6), max_iter=50,
                                        random_state=0), layer=0),
])
def test_sklearn_estimator_checks(estimator, check):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # ConvergenceWarning among them
        check(estimator)


def test_transform_is_the_fitted_networks_hidden_activations():
    X, y = _classification()
    t = HiddenLayerTransformer(MLPClassifier(hidden_layer_sizes=(7, 5), max_iter=20,
                                             random_state=0), layer=0).fit(X, y)
    assert_array_equal(t.transform(X), t.estimator_.hidden_activations(X, layer=0))
    direct = MLPClassifier(hidden_layer_sizes=(7, 5), max_iter=20, random_state=0).fit(X, y)
    assert_array_equal(t.transform(X), direct.hidden_activations(X, layer=0),
                       err_msg="the transformer's network is not the one fit would give")
    assert t.n_features_in_ == X.shape[1]


def test_fit_params_reach_the_network():
    X, y = _classification()
    weights = np.linspace(0.1, 2.0, len(X))
    params = dict(hidden_layer_sizes=(7,), max_iter=20, random_state=0)
    t = HiddenLayerTransformer(MLPClassifier(**params)).fit(X, y, sample_weight=weights)
    direct = MLPClassifier(**params).fit(X, y, sample_weight=weights)
    unweighted = MLPClassifier(**params).fit(X, y)
    assert_array_equal(t.transform(X), direct.hidden_activations(X))
    assert not np.array_equal(t.transform(X), unweighted.hidden_activations(X)), (
        "sample_weight made no difference")


def test_fit_leaves_the_given_network_unfitted():
    X, y = _classification()
    network = MLPClassifier(hidden_layer_sizes=(7,), max_iter=5, random_state=0)
    t = HiddenLayerTransformer(network).fit(X, y)
    assert not hasattr(network, "coefs_"), "fit trained the estimator passed in"
    assert t.estimator_ is not network


@pytest.mark.parametrize("layer, units", [(-1, 5), (1, 5), (0, 7), (-2, 7)])
def test_feature_names_out_name_every_unit_of_the_chosen_layer(layer, units):
    X, y = _classification()
    t = HiddenLayerTransformer(MLPClassifier(hidden_layer_sizes=(7, 5), max_iter=5,
                                             random_state=0), layer=layer).fit(X, y)
    names = t.get_feature_names_out()
    assert len(names) == units == t.transform(X).shape[1], f"names {names}"
    index = layer % 2
    assert list(names) == [f"hidden{index}_{u}" for u in range(units)], f"names {names}"


@pytest.mark.parametrize("layer", [2, -3])
def test_feature_names_out_reject_a_layer_transform_rejects(layer):
    X, y = _classification()
    t = HiddenLayerTransformer(MLPClassifier(hidden_layer_sizes=(7, 5), max_iter=5,
                                             random_state=0), layer=layer).fit(X, y)
    with pytest.raises(ValueError, match="layer"):
        t.transform(X)
    with pytest.raises(ValueError, match="layer"):
        t.get_feature_names_out()


def test_feature_names_out_of_a_network_without_hidden_layers_raise():
    X, y = _classification()
    t = HiddenLayerTransformer(MLPClassifier(hidden_layer_sizes=(), max_iter=5,
                                             random_state=0)).fit(X, y)
    with pytest.raises(ValueError, match="hidden layer"):
        t.get_feature_names_out()


def test_feature_names_out_check_input_features_against_those_seen_in_fit():
    pd = pytest.importorskip("pandas")
    X, y = _classification()
    n = X.shape[1]
    network = MLPClassifier(hidden_layer_sizes=(7,), max_iter=5, random_state=0)
    expected = [f"hidden0_{u}" for u in range(7)]

    unnamed = HiddenLayerTransformer(network).fit(X, y)
    assert list(unnamed.get_feature_names_out([f"a{i}" for i in range(n)])) == expected, (
        "n_features_in_ names were not accepted, or changed the output names")
    with pytest.raises(ValueError, match=f"length equal to number of features \\({n}\\)"):
        unnamed.get_feature_names_out([f"a{i}" for i in range(n + 1)])

    columns = [f"f{i}" for i in range(n)]
    named = HiddenLayerTransformer(network).fit(pd.DataFrame(X, columns=columns), y)
    assert list(named.get_feature_names_out(columns)) == expected
    with pytest.raises(ValueError, match="input_features is not equal to feature_names_in_"):
        named.get_feature_names_out(columns[::-1])


def test_pandas_output_uses_the_feature_names():
    pd = pytest.importorskip("pandas")
    X, y = _classification()
    df = pd.DataFrame(X, columns=[f"f{i}" for i in range(X.shape[1])])
    t = HiddenLayerTransformer(MLPClassifier(hidden_layer_sizes=(7, 5), max_iter=5,
                                             random_state=0)).fit(df, y)
    assert list(t.feature_names_in_) == list(df.columns)
    out = t.set_output(transform="pandas").transform(df)
    assert list(out.columns) == list(t.get_feature_names_out())


def test_clone_gives_an_unfitted_copy_with_equal_parameters():
    X, y = _classification()
    t = HiddenLayerTransformer(MLPClassifier(hidden_layer_sizes=(7, 5), max_iter=5,
                                             random_state=0), layer=0).fit(X, y)
    copy = clone(t)
    assert not hasattr(copy, "estimator_")
    assert copy.layer == 0
    assert copy.estimator is not t.estimator
    assert copy.estimator.get_params() == t.estimator.get_params()
    assert_array_equal(copy.fit(X, y).transform(X), t.transform(X))
