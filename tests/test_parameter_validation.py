"""Every parameter nnfast adds to scikit-learn's MLPs rejects bad values with a
ValueError that names the parameter, in fit and in partial_fit, before training.

(scikit-learn's own parameters are covered in test_estimators.py.)
"""

import numpy as np
import pytest
from sklearn.datasets import make_classification

from nnfast import MLPClassifier, MLPRegressor

BAD_PARAMETERS = [
    dict(init="xavier"),
    dict(init=None),
    dict(negative_slope=-1),
    dict(l1=-1),
    dict(l1=np.nan),
    dict(dropout=1.0),
    dict(dropout=-0.5),
    dict(dropout=[0.5]),  # two hidden layers
    dict(dropout=[0.5, 0.1, 0.1]),
    dict(dropout="high"),
    dict(clip_norm=0),
    dict(clip_norm=-1.0),
    dict(clip_value=-1),
    dict(clip_value=0),
    dict(monitor="f1x"),
    dict(restore_best_weights="yes"),
    dict(batch_size="half"),
    dict(learning_rate="linear"),
    dict(learning_rate=5),
    dict(activation=["relu"]),  # two hidden layers
    dict(activation=["relu", "tanhh"]),
    dict(activation="step"),  # the Perceptron's, not a hidden activation
]
CLASSIFIER_ONLY = [dict(class_weight="auto"), dict(class_weight=[1, 2])]
REGRESSOR_ONLY = [dict(huber_delta=0), dict(huber_delta=-1.0), dict(loss="hinge")]


def _ids(params):
    (name, value), = params.items()
    return f"{name}={value!r}"


def _data(Estimator):
    X, y = make_classification(n_samples=60, n_features=5, random_state=0)
    return (X, y) if Estimator is MLPClassifier else (X, y.astype(float))


def _cases():
    for params in BAD_PARAMETERS:
        yield MLPClassifier, params
        yield MLPRegressor, params
    for params in CLASSIFIER_ONLY:
        yield MLPClassifier, params
    for params in REGRESSOR_ONLY:
        yield MLPRegressor, params


CASES = list(_cases())


@pytest.mark.parametrize("Estimator, params", CASES,
                         ids=[f"{E.__name__}-{_ids(p)}" for E, p in CASES])
def test_bad_value_raises_value_error_naming_the_parameter(Estimator, params):
    X, y = _data(Estimator)
    (name,) = params
    model = Estimator(hidden_layer_sizes=(5, 4), max_iter=3, **params)
    with pytest.raises(ValueError, match=name):
        model.fit(X, y)
    assert not hasattr(model, "coefs_"), "the model was trained before the error"


@pytest.mark.parametrize("params", [dict(init="xavier"), dict(dropout=[0.5]), dict(l1=-1),
                                    dict(clip_norm=0)], ids=_ids)
def test_partial_fit_validates_the_same_parameters(params):
    X, y = _data(MLPRegressor)
    (name,) = params
    with pytest.raises(ValueError, match=name):
        MLPRegressor(hidden_layer_sizes=(5, 4), **params).partial_fit(X, y)


GOOD_PARAMETERS = [
    dict(init="he_normal"),
    dict(negative_slope=0.0, activation="leaky_relu"),
    dict(l1=0.0),
    dict(dropout=0.0),
    dict(dropout=(0.2, 0.0)),
    dict(clip_norm=None, clip_value=None),
    dict(clip_norm=1e-6, clip_value=1e9),
    dict(monitor="loss", early_stopping=True),
    dict(batch_size="full"),
    dict(batch_size=1),
    dict(activation=("sigmoid", "swish")),
]


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("params", GOOD_PARAMETERS, ids=lambda p: ",".join(map(str, p.items())))
@pytest.mark.parametrize("Estimator", [MLPClassifier, MLPRegressor])
def test_boundary_values_are_accepted(Estimator, params):
    X, y = _data(Estimator)
    model = Estimator(hidden_layer_sizes=(5, 4), max_iter=3, **params).fit(X, y)
    assert model.n_iter_ >= 1
