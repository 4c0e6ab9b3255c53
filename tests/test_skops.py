"""skops persistence: nnfast models survive skops.io.dump / load, and skops asks
the user to trust nnfast's own types and nothing else."""

import warnings

import numpy as np
import pytest
import skops.io as sio
from sklearn.exceptions import ConvergenceWarning
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from nnfast import HiddenLayerTransformer, MLPClassifier, MLPRegressor, Perceptron
from nnfast.schedules import Cosine, ReduceOnPlateau

X = np.random.default_rng(0).normal(size=(60, 4)).astype(np.float32)
Y_CLASS = np.array(["ant", "bee", "cat"])[np.digitize(X[:, 0], [-0.5, 0.5])]
Y_REG = X[:, :2] * 2 - X[:, 2:3]


def _fit(model, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return model.fit(X, y)


# name -> (fitted model, the types skops must report as untrusted, the method to compare)
CASES = {
    "mlp_classifier": (
        lambda: _fit(MLPClassifier(hidden_layer_sizes=(6,), activation=["gelu"], max_iter=10,
                                   random_state=0), Y_CLASS),
        {"nnfast._multilayer_perceptron.MLPClassifier"}, "predict_proba"),
    "mlp_regressor_float64": (
        lambda: _fit(MLPRegressor(hidden_layer_sizes=(6, 3), loss="poisson", dtype="float64",
                                  max_iter=10, random_state=0), np.exp(Y_REG / 4)),
        {"nnfast._multilayer_perceptron.MLPRegressor"}, "predict"),
    "perceptron": (
        lambda: _fit(Perceptron(max_iter=10, random_state=0), Y_CLASS),
        {"nnfast._perceptron.Perceptron"}, "decision_function"),
    "hidden_layer_transformer": (
        lambda: _fit(HiddenLayerTransformer(MLPClassifier(hidden_layer_sizes=(5, 4), max_iter=10,
                                                          random_state=0), layer=0), Y_CLASS),
        {"nnfast._transformer.HiddenLayerTransformer",
         "nnfast._multilayer_perceptron.MLPClassifier"}, "transform"),
    "schedule_cosine": (
        lambda: _fit(MLPRegressor(hidden_layer_sizes=(5,), solver="sgd",
                                  learning_rate=Cosine(t_max=10, warmup=2), max_iter=10,
                                  random_state=0), Y_REG),
        {"nnfast._multilayer_perceptron.MLPRegressor", "nnfast.schedules.Cosine"}, "predict"),
    "schedule_reduce_on_plateau": (
        lambda: _fit(MLPClassifier(hidden_layer_sizes=(5,), learning_rate=ReduceOnPlateau(),
                                   max_iter=10, random_state=0), Y_CLASS),
        {"nnfast._multilayer_perceptron.MLPClassifier", "nnfast.schedules.ReduceOnPlateau"},
        "predict_proba"),
    "pipeline": (
        lambda: _fit(make_pipeline(StandardScaler(), MLPClassifier(
            hidden_layer_sizes=(5,), activation="silu", max_iter=10, random_state=0)), Y_CLASS),
        {"nnfast._multilayer_perceptron.MLPClassifier"}, "predict_proba"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_skops_round_trip(case, tmp_path):
    make, nnfast_types, method = CASES[case]
    model = make()
    path = tmp_path / "model.skops"
    sio.dump(model, path)
    untrusted = set(sio.get_untrusted_types(file=path))
    assert untrusted == nnfast_types, "skops should ask to trust nnfast's own types only"
    loaded = sio.load(path, trusted=sorted(untrusted))
    np.testing.assert_array_equal(getattr(loaded, method)(X), getattr(model, method)(X))
    if hasattr(model, "predict"):
        np.testing.assert_array_equal(loaded.predict(X), model.predict(X))
    assert loaded.get_params().keys() == model.get_params().keys()


def test_loaded_model_keeps_training():
    model = CASES["schedule_cosine"][0]()
    loaded = sio.loads(sio.dumps(model), trusted=sorted(CASES["schedule_cosine"][1]))
    # The optimizer state and the schedule travel with the model: the same
    # next epoch gives the same weights.
    model.partial_fit(X, Y_REG)
    loaded.partial_fit(X, Y_REG)
    for a, b in zip(model.coefs_, loaded.coefs_):
        np.testing.assert_array_equal(a, b)
    # coefs_ are views into one parameter block after loading too.
    assert all(np.shares_memory(c, loaded._params) for c in loaded.coefs_)


def test_untrusted_load_is_refused():
    model = CASES["mlp_classifier"][0]()
    with pytest.raises(sio.exceptions.UntrustedTypesFoundException, match="MLPClassifier"):
        sio.loads(sio.dumps(model))
