"""Bad input, one case per test id for every method of every estimator: each
either works correctly or raises ValueError/TypeError whose message names the
problem (never a crash, never NaN output)."""

import copy
import re
from dataclasses import dataclass, field

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_array_equal

from nnfast import MLPClassifier, MLPRegressor, Perceptron

pytestmark = [
    pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning"),
    pytest.mark.filterwarnings("ignore:invalid value encountered in cast:RuntimeWarning"),
    pytest.mark.filterwarnings("ignore:Got `batch_size` less than 1 or larger:UserWarning"),
]

RNG = np.random.RandomState(0)
X = RNG.randn(40, 3)
Y = {
    "MLPClassifier": np.arange(40) % 3,
    "MLPRegressor": X @ RNG.randn(3),
    "Perceptron": np.arange(40) % 3,
}
CLASSES = np.array([0, 1, 2])
ESTIMATORS = {
    "MLPClassifier": lambda **p: MLPClassifier(**{"hidden_layer_sizes": (5,), "max_iter": 5,
                                                  "random_state": 0, **p}),
    "MLPRegressor": lambda **p: MLPRegressor(**{"hidden_layer_sizes": (5,), "max_iter": 5,
                                                "random_state": 0, **p}),
    "Perceptron": lambda **p: Perceptron(**{"max_iter": 5, "random_state": 0, **p}),
}
# The methods each estimator offers.
METHODS = {
    "MLPClassifier": ("fit", "partial_fit", "predict", "predict_proba"),
    "MLPRegressor": ("fit", "partial_fit", "predict"),
    "Perceptron": ("fit", "predict"),
}
MLPS = ("MLPClassifier", "MLPRegressor")
CLASSIFIERS = ("MLPClassifier", "Perceptron")
ALL = tuple(ESTIMATORS)
TRAIN = ("fit", "partial_fit")
EVERY = ("fit", "partial_fit", "predict", "predict_proba")


@dataclass
class Case:
    """A bad input: X (and y, None for the estimator's good y), the methods and
    estimators it applies to, and the exception and message regex expected, or
    error=None and a check of the working result."""

    name: str
    X: object = None
    y: object = None
    methods: tuple = EVERY
    estimators: tuple = ALL
    error: type = ValueError
    match: str = ""
    params: dict = field(default_factory=dict)
    on_fitted: bool = False  # partial_fit after a fit on good data
    fit_y: object = None  # the y the model for predict is fitted on
    classes: object = None  # partial_fit's classes, when not CLASSES
    check: object = None


def _with(value, index, array):
    array = np.array(array, dtype=float)
    array[index] = value
    return array


CASES = [
    # ------------------------------------------------ X
    Case("nan_X", _with(np.nan, (3, 1), X), match="Input X contains NaN"),
    Case("inf_X", _with(np.inf, (3, 1), X), match="Input X contains infinity"),
    Case("neg_inf_X", _with(-np.inf, (0, 0), X), match="Input X contains infinity"),
    Case("empty_X", np.empty((0, 3)), match=r"Found array with 0 sample\(s\)"),
    Case("zero_features", np.empty((40, 0)), match=r"Found array with 0 feature\(s\)"),
    Case("X_1d", X[:, 0], match="Expected 2D array, got 1D array"),
    Case("X_3d", X.reshape(40, 3, 1), match="Found array with dim 3"),
    Case("ragged_X", [[1.0, 2.0, 3.0], [1.0]] * 20, match="inhomogeneous"),
    Case("object_X", np.array([[1.0, "a", None]] * 40, dtype=object),
         match="could not convert string to float: 'a'"),
    Case("object_X_of_dicts", np.array([[{}, 1.0, 2.0]] * 40, dtype=object), error=TypeError,
         match="float.. argument must be .*not 'dict'"),
    Case("string_X", np.array([["a", "b", "c"]] * 40), match="could not convert string to float"),
    Case("complex_X", X + 1j, match="Complex data not supported"),
    Case("X_beyond_float32", X * 1e39, estimators=MLPS,
         match="X has values too large for the model's compute dtype float32"),
    Case("sparse_nan_X", sp.csr_matrix(_with(np.nan, (2, 2), X)), estimators=MLPS,
         match="Input X contains NaN"),
    Case("sparse_X", sp.csr_matrix(X), estimators=("Perceptron",), error=TypeError,
         match="Sparse data was passed.*dense data is required"),
    Case("fewer_features", X[:, :2], methods=("partial_fit", "predict", "predict_proba"),
         on_fitted=True, match=r"X has 2 features, but \w+ is expecting 3 features"),
    Case("more_features", np.c_[X, X], methods=("partial_fit", "predict", "predict_proba"),
         on_fitted=True, match=r"X has 6 features, but \w+ is expecting 3 features"),
    # ------------------------------------------------ y
    Case("nan_y", X, _with(np.nan, 5, np.arange(40) % 3), methods=TRAIN,
         match="Input (y )?contains NaN"),
    Case("inf_y", X, _with(np.inf, 5, np.arange(40) % 3), methods=TRAIN,
         match="Input (y )?contains infinity"),
    Case("mismatched_lengths", X, np.arange(30) % 3, methods=TRAIN,
         match=r"inconsistent numbers of samples: \[40, 30\]"),
    Case("y_beyond_float32", X, np.full(40, 1e39), methods=TRAIN, estimators=("MLPRegressor",),
         match="y has values too large for the model's compute dtype float32"),
    Case("string_y", X, np.array(["a", "b"] * 20), methods=TRAIN, estimators=("MLPRegressor",),
         match="could not convert string to float"),
    Case("continuous_y", X, np.linspace(0, 1, 40), methods=TRAIN, estimators=CLASSIFIERS,
         match="Unknown label type"),
    Case("wrong_number_of_outputs", X, np.zeros((40, 2)), methods=("partial_fit",),
         estimators=("MLPRegressor",), on_fitted=True,
         match=r"the network has layer sizes \[3, 5, 1\].* ask for \[3, 5, 2\]"),
    Case("unseen_label", X, np.arange(40) % 4, methods=("partial_fit",),
         estimators=("MLPClassifier",), match="`y` has classes not in `self.classes_`"),
    Case("unseen_label_after_fit", X, np.arange(40) % 3 + 5, methods=("partial_fit",),
         estimators=("MLPClassifier",), on_fitted=True,
         match=r"`y` has classes not in `self.classes_`.*\[5 6 7\]"),
    Case("partial_fit_without_classes", X, methods=("partial_fit",),
         estimators=("MLPClassifier",), classes=False,
         match="classes must be passed on the first call to partial_fit"),
    Case("poisson_negative_targets", X, np.linspace(-1, 1, 40), methods=TRAIN,
         estimators=("MLPRegressor",), params={"loss": "poisson"},
         match="poisson.* requires non-negative targets"),
    Case("single_class", X, np.zeros(40, dtype=int), estimators=("Perceptron",), methods=TRAIN,
         match="at least 2 classes.*only one class"),
    # ------------------------------------------------ absurd hyperparameters
    Case("negative_layer_size", methods=TRAIN, estimators=MLPS,
         params={"hidden_layer_sizes": (5, -3)}, match=r"hidden_layer_sizes must be integers > 0"),
    Case("zero_layer_size", methods=TRAIN, estimators=MLPS, params={"hidden_layer_sizes": 0},
         match=r"'hidden_layer_sizes' parameter .* Got 0"),
    Case("fractional_layer_size", methods=TRAIN, estimators=MLPS,
         params={"hidden_layer_sizes": (2.5,)}, match=r"hidden_layer_sizes must be integers > 0"),
    Case("string_layer_sizes", methods=TRAIN, estimators=MLPS,
         params={"hidden_layer_sizes": "abc"}, match=r"'hidden_layer_sizes' parameter"),
    Case("zero_batch", methods=TRAIN, estimators=MLPS, params={"batch_size": 0},
         match=r"'batch_size' parameter .* Got 0"),
    Case("negative_batch", methods=TRAIN, estimators=MLPS, params={"batch_size": -5},
         match=r"'batch_size' parameter .* Got -5"),
    Case("rate_zero", methods=TRAIN, estimators=MLPS, params={"learning_rate_init": 0},
         match=r"'learning_rate_init' parameter .* Got 0"),
    Case("rate_negative", methods=TRAIN, estimators=MLPS, params={"learning_rate_init": -0.1},
         match=r"'learning_rate_init' parameter"),
    Case("rate_nan", methods=TRAIN, estimators=MLPS, params={"learning_rate_init": np.nan},
         match=r"'learning_rate_init' parameter .* Got nan"),
    Case("perceptron_rate_zero", methods=("fit",), estimators=("Perceptron",),
         params={"learning_rate": 0}, match=r"'learning_rate' parameter .* Got 0"),
    Case("perceptron_rate_inf", methods=("fit",), estimators=("Perceptron",),
         params={"learning_rate": np.inf}, match=r"'learning_rate' parameter .* Got inf"),
    Case("dropout_one", methods=TRAIN, estimators=MLPS, params={"dropout": 1.0},
         match=r"'dropout' parameter .* Got 1.0"),
    Case("dropout_list_one", methods=TRAIN, estimators=MLPS, params={"dropout": [1.0]},
         match=r"dropout rates must be in \[0, 1\)"),
    Case("dropout_wrong_length", methods=TRAIN, estimators=MLPS, params={"dropout": [0.1, 0.1]},
         match=r"dropout has 2 entries, but there are 1 hidden layers"),
    Case("max_iter_zero", methods=("fit",), params={"max_iter": 0},
         match=r"'max_iter' parameter .* Got 0"),
    Case("max_iter_negative", methods=("fit",), params={"max_iter": -1},
         match=r"'max_iter' parameter .* Got -1"),
    Case("alpha_negative", methods=TRAIN, estimators=MLPS, params={"alpha": -1.0},
         match=r"'alpha' parameter"),
    Case("momentum_above_one", methods=TRAIN, estimators=MLPS, params={"momentum": 2.0},
         match=r"'momentum' parameter"),
    Case("unknown_activation", methods=TRAIN, estimators=MLPS, params={"activation": "sine"},
         match=r"'activation' parameter"),
    Case("activation_list_wrong_length", methods=TRAIN, estimators=MLPS,
         params={"activation": ["relu", "tanh"]},
         match=r"activation has 2 entries, but there are 1 hidden layers"),
    Case("lbfgs_with_dropout", methods=("fit",), estimators=MLPS,
         params={"solver": "lbfgs", "dropout": 0.5}, match="dropout needs solver='sgd' or 'adam'"),
]


def _single_class_works(model, method, result):
    if method in TRAIN:
        result = model.predict(X)
        assert_array_equal(result, np.zeros(40, dtype=int))
    elif method == "predict":
        assert_array_equal(result, np.zeros(40, dtype=int))
    else:  # one class: certain, one column as classes_
        assert_array_equal(model.classes_, [0])
        assert_array_equal(result, np.ones((40, 1)))


def _batch_clipped_works(model, method, result):
    assert model.n_iter_ >= 1 and np.all(np.isfinite(model.predict(X)))


WORKING = [
    Case("single_class_mlp", X, np.zeros(40, dtype=int), estimators=("MLPClassifier",),
         fit_y=np.zeros(40, dtype=int), classes=np.array([0]), error=None,
         check=_single_class_works),
    Case("one_class_in_a_batch", X, np.zeros(40, dtype=int), methods=("partial_fit",),
         estimators=("MLPClassifier",), error=None,
         check=lambda model, method, result: np.all(np.isfinite(model.predict_proba(X)))),
    Case("batch_larger_than_data", methods=TRAIN, estimators=MLPS, params={"batch_size": 10**6},
         error=None, check=_batch_clipped_works),
]


def _params():
    for case in CASES + WORKING:
        for estimator in case.estimators:
            for method in METHODS[estimator]:
                if method in case.methods:
                    yield pytest.param(estimator, method, case,
                                       id=f"{estimator}-{method}-{case.name}")


@pytest.fixture(scope="module")
def fitted():
    return {name: make().fit(X, Y[name]) for name, make in ESTIMATORS.items()}


def _run(estimator, method, case, fitted):
    """(model, result) of calling `method` as the case says."""
    X_bad = X if case.X is None else case.X
    if method in TRAIN:
        y = Y[estimator] if case.y is None else case.y
        if case.on_fitted:
            model = copy.deepcopy(fitted[estimator]).set_params(**case.params)
        else:
            model = ESTIMATORS[estimator](**case.params)
        kwargs = {}
        if method == "partial_fit" and estimator == "MLPClassifier" and not case.on_fitted:
            classes = CLASSES if case.classes is None else case.classes
            kwargs = {} if classes is False else {"classes": classes}
        return model, getattr(model, method)(X_bad, y, **kwargs)
    model = fitted[estimator]
    if case.fit_y is not None:
        model = ESTIMATORS[estimator]().fit(X, case.fit_y)
    return model, getattr(model, method)(X_bad)


@pytest.mark.parametrize("estimator, method, case", list(_params()))
def test_bad_input(estimator, method, case, fitted):
    if case.error is None:
        model, result = _run(estimator, method, case, fitted)
        case.check(model, method, result)
        return
    before = fitted[estimator].predict(X)
    with pytest.raises(case.error, match=case.match) as info:
        _run(estimator, method, case, fitted)
    assert isinstance(info.value, (ValueError, TypeError))
    # The message names the problem, not an internal detail of the C core.
    assert not re.search(r"nnfast: |Network:|NonFinite", str(info.value)), str(info.value)
    # A refused call leaves the fitted model as it was.
    assert_array_equal(fitted[estimator].predict(X), before)


@pytest.mark.parametrize("estimator", MLPS)
def test_refused_partial_fit_leaves_the_model_unchanged(estimator, fitted):
    model = copy.deepcopy(fitted[estimator])
    weights = model._params.copy()
    for X_bad in (_with(np.nan, (0, 0), X), X[:, :2], X * 1e39):
        with pytest.raises(ValueError):
            model.partial_fit(X_bad, Y[estimator])
    assert_array_equal(model._params, weights)
    assert model.t_ == fitted[estimator].t_


@pytest.mark.parametrize("estimator", MLPS)
def test_a_layer_too_large_for_memory_raises_memory_error(estimator):
    # Not a ValueError: nothing is wrong with the value except this machine's
    # memory; the message says how much was asked for.
    with pytest.raises(MemoryError, match="Unable to allocate|cannot allocate"):
        ESTIMATORS[estimator](hidden_layer_sizes=(10**12,)).fit(X, Y[estimator])


@pytest.mark.parametrize("estimator", ["MLPRegressor", "Perceptron"])
def test_methods_an_estimator_lacks_are_absent(estimator):
    model = ESTIMATORS[estimator]()
    for method in set(EVERY) - set(METHODS[estimator]):
        assert not hasattr(model, method), method
