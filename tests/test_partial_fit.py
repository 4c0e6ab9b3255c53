"""partial_fit's later calls: the cheap path (nnfast._stream) trains exactly as
the full path, and every bad input still gets the full path's error.

The reference for "the full path" is the same model with the cheap path
switched off (checked_batch returning None) and, for the weights, a fresh C
network built for every call, as partial_fit did before it kept one."""

import copy
import pickle
import re
import threading
import warnings

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from numpy.testing import assert_array_equal
from sklearn.exceptions import DataConversionWarning

import nnfast._multilayer_perceptron as mlp
from nnfast import MLPClassifier, MLPRegressor, _stream

pytestmark = [
    pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning"),
    pytest.mark.filterwarnings("ignore:Got `batch_size` less than 1 or larger:UserWarning"),
]

RNG = np.random.RandomState(0)
X = RNG.randn(240, 6)
Y_CLASSES = np.arange(240) % 3
Y_BINARY = np.where(X[:, 0] > 0, "yes", "no")
Y_TARGETS = X @ RNG.randn(6)
Y_TWO_TARGETS = np.c_[Y_TARGETS, np.tanh(X[:, 1])]
CHUNK = 40


def _chunks(n_rows=CHUNK, stop=len(X)):
    return [slice(start, start + n_rows) for start in range(0, stop, n_rows)]


def _classifier(**params):
    return MLPClassifier(**{"hidden_layer_sizes": (7,), "random_state": 0, **params})


def _regressor(**params):
    return MLPRegressor(**{"hidden_layer_sizes": (7,), "random_state": 0, **params})


@pytest.fixture
def full_path(monkeypatch):
    """Switch the cheap path off, and build the training network afresh for
    every call: partial_fit as it was before it had either."""
    def switch_off():
        monkeypatch.setattr(_stream, "checked_batch", lambda *args: None)
        monkeypatch.setattr(_stream, "training_network",
                            lambda model, capacity: model._network(capacity, training=True))
    return switch_off


def _state(model):
    return {
        "params": model._params.copy(), "opt_state": model._opt_state.copy(),
        "rng_state": model._rng_state.copy(), "t_": model.t_, "n_iter_": model.n_iter_,
        "loss_curve_": list(model.loss_curve_),
        "history_": {k: list(v) for k, v in model.history_.items() if k != "time"},
    }


def _assert_same_state(got, want, what):
    for key in want:
        if isinstance(want[key], np.ndarray):
            assert_array_equal(got[key], want[key], err_msg=f"{what}: {key} differs")
        else:
            assert got[key] == want[key], f"{what}: {key} differs"


# (name, make the model, X as fed, y, partial_fit's keyword arguments, chunks)
CASES = {
    "multiclass": (_classifier, X.astype(np.float32), Y_CLASSES,
                   {"classes": [0, 1, 2]}, _chunks()),
    "binary_strings": (_classifier, X.astype(np.float32), Y_BINARY,
                       {"classes": ["no", "yes"]}, _chunks()),
    "float64_input_float32_model": (_classifier, X, Y_CLASSES, {"classes": [0, 1, 2]},
                                    _chunks()),
    "float64_model": (lambda: _classifier(dtype="float64"), X, Y_CLASSES,
                      {"classes": [0, 1, 2]}, _chunks()),
    "varying_chunk_sizes": (_classifier, X.astype(np.float32), Y_CLASSES,
                            {"classes": [0, 1, 2]},
                            [slice(0, 30), slice(30, 130), slice(130, 137), slice(137, 240)]),
    "sgd_dropout_batch_16": (lambda: _classifier(solver="sgd", dropout=0.2, batch_size=16),
                             X.astype(np.float32), Y_CLASSES, {"classes": [0, 1, 2]},
                             _chunks()),
    "per_layer_activations": (lambda: _classifier(hidden_layer_sizes=(7, 5),
                                                  activation=["tanh", "leaky_relu"]),
                              X.astype(np.float32), Y_CLASSES, {"classes": [0, 1, 2]},
                              _chunks()),
    "regression": (_regressor, X.astype(np.float32), Y_TARGETS, {}, _chunks()),
    "two_outputs_huber": (lambda: _regressor(loss="huber"), X, Y_TWO_TARGETS, {}, _chunks()),
    "poisson_float64": (lambda: _regressor(loss="poisson", dtype="float64"), X,
                        np.exp(Y_TARGETS / 4), {}, _chunks()),
}


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "sample_weight"])
def test_cheap_path_trains_bit_identically_to_the_full_path(case, weighted, full_path,
                                                          monkeypatch):
    make, X_in, y, kwargs, chunks = CASES[case]
    weights = np.linspace(0.5, 2.0, len(X_in)) if weighted else None
    full_checks = []
    validate = mlp.validate_data
    monkeypatch.setattr(mlp, "validate_data",
                        lambda *a, **k: full_checks.append(1) or validate(*a, **k))

    def train(model):
        states = []
        for rows in chunks:
            sw = None if weights is None else weights[rows]
            model.partial_fit(X_in[rows], y[rows], sample_weight=sw, **kwargs)
            states.append(_state(model))
        return states

    cheap = train(make())
    assert len(full_checks) == 1, "later calls took the full path: the test compares nothing"
    full_path()
    full = train(make())
    assert len(full_checks) == 1 + len(chunks)
    for call, (got, want) in enumerate(zip(cheap, full)):
        _assert_same_state(got, want, f"{case}, call {call + 1}")


def test_later_plain_calls_skip_validate_data(monkeypatch):
    calls = []
    validate = mlp.validate_data
    monkeypatch.setattr(mlp, "validate_data",
                        lambda *a, **k: calls.append(1) or validate(*a, **k))
    model = _classifier()
    model.partial_fit(X[:CHUNK], Y_CLASSES[:CHUNK], classes=[0, 1, 2])
    assert len(calls) == 1
    for rows in _chunks()[1:]:
        model.partial_fit(X[rows], Y_CLASSES[rows], classes=[0, 1, 2])
        model.partial_fit(X[rows], Y_CLASSES[rows])
    assert len(calls) == 1, "a later call on a plain chunk took the full path"


def test_partial_fit_after_fit_takes_the_cheap_path_and_matches(full_path):
    def train():
        model = _regressor(max_iter=3).fit(X, Y_TARGETS)
        for rows in _chunks():
            model.partial_fit(X[rows], Y_TARGETS[rows])
        return _state(model)

    cheap = train()
    full_path()
    _assert_same_state(cheap, train(), "fit, then partial_fit")


def test_training_network_is_kept_between_calls_and_rebuilt_when_settings_change():
    model = _classifier()
    model.partial_fit(X[:CHUNK], Y_CLASSES[:CHUNK], classes=[0, 1, 2])
    net = model._train_net[1]
    model.partial_fit(X[CHUNK:2 * CHUNK], Y_CLASSES[CHUNK:2 * CHUNK])
    assert model._train_net[1] is net
    model.set_params(activation="tanh")
    model.partial_fit(X[:CHUNK], Y_CLASSES[:CHUNK])
    assert model._train_net[1] is not net


@pytest.mark.parametrize("change", ["set_params", "attribute", "list_in_place"])
def test_changed_settings_between_calls_train_as_the_full_path(change, full_path):
    def train():
        model = _classifier(hidden_layer_sizes=(7, 5), activation=["relu", "relu"])
        model.partial_fit(X[:CHUNK], Y_CLASSES[:CHUNK], classes=[0, 1, 2])
        model.partial_fit(X[CHUNK:2 * CHUNK], Y_CLASSES[CHUNK:2 * CHUNK])
        if change == "set_params":
            model.set_params(activation=["tanh", "relu"], negative_slope=0.1)
        elif change == "attribute":
            model.activation = ["tanh", "relu"]
        else:
            model.activation[0] = "tanh"
        for rows in _chunks()[2:]:
            model.partial_fit(X[rows], Y_CLASSES[rows])
        return _state(model)

    cheap = train()
    full_path()
    _assert_same_state(cheap, train(), f"activation changed by {change}")


def test_a_model_with_a_kept_network_pickles_and_copies():
    model = _classifier()
    for rows in _chunks()[:3]:
        model.partial_fit(X[rows], Y_CLASSES[rows], classes=[0, 1, 2])
    restored = pickle.loads(pickle.dumps(model))
    copied = copy.deepcopy(model)
    assert "_train_net" not in restored.__dict__ and "_train_net" not in copied.__dict__
    for rows in _chunks()[3:]:
        for each in (model, restored, copied):
            each.partial_fit(X[rows], Y_CLASSES[rows])
    assert_array_equal(restored._params, model._params)
    assert_array_equal(copied._params, model._params)


def test_concurrent_calls_on_one_model_never_share_a_network(monkeypatch):
    # Not a supported use (the calls race on the weights), but the C buffers
    # of one network must never serve two epochs at once: that could crash.
    model = _classifier(hidden_layer_sizes=(32,))
    model.partial_fit(X[:CHUNK], Y_CLASSES[:CHUNK], classes=[0, 1, 2])
    lock, in_use, overlaps = threading.Lock(), {}, []
    lend, give_back = _stream.training_network, _stream._give_back_network

    def lend_spy(m, capacity):
        net = lend(m, capacity)
        with lock:
            if in_use.get(id(net)):
                overlaps.append(net)
            in_use[id(net)] = threading.get_ident()
        return net

    def give_back_spy(m):
        with lock:
            for key, owner in list(in_use.items()):
                if owner == threading.get_ident():
                    del in_use[key]
        give_back(m)

    monkeypatch.setattr(_stream, "training_network", lend_spy)
    monkeypatch.setattr(_stream, "_give_back_network", give_back_spy)

    def train():
        for rows in _chunks() * 5:
            model.partial_fit(X[rows], Y_CLASSES[rows])

    threads = [threading.Thread(target=train) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not overlaps, "two calls trained with the same network at once"
    assert np.isfinite(model._params).all()
    assert "_train_net" in model.__dict__ and not model._lent_train_nets


# ---------------------------------------------------------------- bad input on a later call

X32 = X[:CHUNK].astype(np.float32)


def _with(value, index, array):
    array = np.array(array, dtype=float)
    array[index] = value
    return array


# name -> (estimator, X, y, keyword arguments, message regex)
BAD = {
    "fewer_features": ("MLPClassifier", X32[:, :4], Y_CLASSES[:CHUNK], {},
                       r"X has 4 features, but MLPClassifier is expecting 6 features"),
    "more_features": ("MLPRegressor", np.c_[X32, X32], Y_TARGETS[:CHUNK], {},
                      r"X has 12 features, but MLPRegressor is expecting 6 features"),
    "unknown_class": ("MLPClassifier", X32, np.arange(CHUNK) % 4, {},
                      r"`y` has classes not in `self.classes_`.*\[0 1 2 3\]"),
    "unknown_string_class": ("MLPClassifier", X32, np.array(["a", "b"] * 20), {},
                             r"`y` has classes not in `self.classes_`.*\[.a. .b.\]"),
    "label_above_the_classes": ("MLPClassifier", X32, np.full(CHUNK, 9), {},
                                r"`y` has classes not in `self.classes_`"),
    "continuous_y": ("MLPClassifier", X32, np.linspace(0, 1, CHUNK), {},
                     "Unknown label type"),
    "other_classes_argument": ("MLPClassifier", X32, Y_CLASSES[:CHUNK],
                               {"classes": [0, 1, 2, 3]},
                               "is not the same as on last call to partial_fit"),
    "nan_X": ("MLPClassifier", _with(np.nan, (3, 1), X32), Y_CLASSES[:CHUNK], {},
              "Input X contains NaN"),
    "inf_X_float32": ("MLPRegressor", _with(np.inf, (0, 0), X32).astype(np.float32),
                      Y_TARGETS[:CHUNK], {}, "Input X contains infinity"),
    "X_beyond_float32": ("MLPRegressor", X[:CHUNK] * 1e39, Y_TARGETS[:CHUNK], {},
                         "X has values too large for the model's compute dtype float32"),
    "nan_y": ("MLPRegressor", X32, _with(np.nan, 5, Y_TARGETS[:CHUNK]), {},
              "Input y contains NaN"),
    "nan_label": ("MLPClassifier", X32, _with(np.nan, 5, Y_CLASSES[:CHUNK]), {},
                  "Input y contains NaN"),
    "y_beyond_float32": ("MLPRegressor", X32, np.full(CHUNK, 1e39), {},
                         "y has values too large for the model's compute dtype float32"),
    "string_X": ("MLPClassifier", np.array([["a"] * 6] * CHUNK), Y_CLASSES[:CHUNK], {},
                 "could not convert string to float"),
    "complex_X": ("MLPRegressor", X32 + 1j, Y_TARGETS[:CHUNK], {}, "Complex data not supported"),
    "string_y": ("MLPRegressor", X32, np.array(["a", "b"] * 20), {},
                 "could not convert string to float"),
    "sparse_nan_X": ("MLPClassifier", sp.csr_matrix(_with(np.nan, (2, 2), X32)),
                     Y_CLASSES[:CHUNK], {}, "Input X contains NaN"),
    "sparse_fewer_features": ("MLPRegressor", sp.csr_matrix(X32[:, :4]), Y_TARGETS[:CHUNK], {},
                              "X has 4 features, but MLPRegressor is expecting 6 features"),
    "empty_X": ("MLPClassifier", X32[:0], Y_CLASSES[:0], {}, r"Found array with 0 sample\(s\)"),
    "X_1d": ("MLPRegressor", X32[:, 0], Y_TARGETS[:CHUNK], {}, "Expected 2D array, got 1D array"),
    "mismatched_lengths": ("MLPClassifier", X32, Y_CLASSES[:CHUNK - 1], {},
                           r"inconsistent numbers of samples: \[40, 39\]"),
    "sample_weight_too_short": ("MLPClassifier", X32, Y_CLASSES[:CHUNK],
                                {"sample_weight": np.ones(CHUNK - 1)},
                                r"sample_weight.shape == \(39,\), expected \(40,\)"),
    "sample_weight_2d": ("MLPRegressor", X32, Y_TARGETS[:CHUNK],
                         {"sample_weight": np.ones((CHUNK, 1))},
                         "Sample weights must be 1D array or scalar"),
    "sample_weight_negative": ("MLPRegressor", X32, Y_TARGETS[:CHUNK],
                               {"sample_weight": _with(-1.0, 3, np.ones(CHUNK))},
                               "Negative values in data passed to `sample_weight`"),
    "sample_weight_nan": ("MLPClassifier", X32, Y_CLASSES[:CHUNK],
                          {"sample_weight": _with(np.nan, 3, np.ones(CHUNK))},
                          "Input sample_weight contains NaN"),
    "sample_weight_inf": ("MLPRegressor", X32, Y_TARGETS[:CHUNK],
                          {"sample_weight": _with(np.inf, 3, np.ones(CHUNK))},
                          "Input sample_weight contains infinity"),
    "sample_weight_all_zero": ("MLPClassifier", X32, Y_CLASSES[:CHUNK],
                               {"sample_weight": np.zeros(CHUNK)},
                               "Sample weights must contain at least one non-zero number"),
    "wrong_number_of_outputs": ("MLPRegressor", X32, np.zeros((CHUNK, 2)), {},
                                r"the network has layer sizes \[6, 7, 1\].* ask for \[6, 7, 2\]"),
    "classes_to_a_regressor": ("MLPRegressor", X32, Y_TARGETS[:CHUNK], {"classes": [0, 1]},
                               "unexpected keyword argument 'classes'"),
}


def _later_call_error(estimator, X_bad, y_bad, kwargs):
    """The exception of a bad call after two good ones, and whether the model
    was left as it was."""
    if estimator == "MLPClassifier":
        model, y, first = _classifier(), Y_CLASSES, {"classes": [0, 1, 2]}
    else:
        model, y, first = _regressor(), Y_TARGETS, {}
    model.partial_fit(X[:CHUNK], y[:CHUNK], **first)
    model.partial_fit(X[CHUNK:2 * CHUNK], y[CHUNK:2 * CHUNK])
    before = _state(model)
    try:
        model.partial_fit(X_bad, y_bad, **kwargs)
    except (ValueError, TypeError) as exc:
        # without its traceback, whose frames would keep the model (and its
        # network's helper thread) alive until the cycle collector runs
        error = exc.with_traceback(None)
    else:
        pytest.fail("the bad call was accepted")
    after = _state(model)
    unchanged = all(np.array_equal(after[k], before[k]) if isinstance(before[k], np.ndarray)
                    else after[k] == before[k] for k in before)
    return error, unchanged


@pytest.mark.parametrize("case", BAD)
def test_a_later_call_with_bad_input_gets_the_full_paths_error(case, full_path):
    estimator, X_bad, y_bad, kwargs, match = BAD[case]
    error, unchanged = _later_call_error(estimator, X_bad, y_bad, kwargs)
    assert unchanged, f"{case}: a refused call changed the model"
    assert re.search(match, str(error)), f"{case}: {type(error).__name__}: {error}"
    full_path()
    expected, _ = _later_call_error(estimator, X_bad, y_bad, kwargs)
    assert (type(error), str(error)) == (type(expected), str(expected))


def test_a_later_call_with_negative_poisson_targets_is_refused():
    # -1e-50 is -0.0 in float32: the check is on the targets as given
    model = _regressor(loss="poisson")
    for rows in _chunks()[:2]:
        model.partial_fit(X[rows], np.abs(Y_TARGETS[rows]))
    weights = model._params.copy()
    with pytest.raises(ValueError, match="poisson.* requires non-negative targets"):
        model.partial_fit(X32, _with(-1e-50, 2, np.ones(CHUNK)))
    assert_array_equal(model._params, weights)


def test_settings_made_invalid_between_calls_are_refused():
    model = _classifier()
    model.partial_fit(X[:CHUNK], Y_CLASSES[:CHUNK], classes=[0, 1, 2])
    model.activation = "sine"
    with pytest.raises(ValueError, match="activation 'sine' is not one of"):
        model.partial_fit(X[:CHUNK], Y_CLASSES[:CHUNK])
    model.activation = "relu"
    model.set_params(early_stopping=True)
    with pytest.raises(ValueError, match="partial_fit does not support early_stopping=True"):
        model.partial_fit(X[:CHUNK], Y_CLASSES[:CHUNK])
    model.set_params(early_stopping=False, class_weight="balanced")
    with pytest.raises(ValueError, match="class_weight='balanced' is not supported"):
        model.partial_fit(X[:CHUNK], Y_CLASSES[:CHUNK])


def test_a_later_call_still_warns_as_the_full_path():
    model = _regressor()
    model.partial_fit(X[:CHUNK], Y_TARGETS[:CHUNK])
    with pytest.warns(DataConversionWarning, match="column-vector y was passed"):
        model.partial_fit(X[:CHUNK], Y_TARGETS[:CHUNK].reshape(-1, 1))
    frame = pd.DataFrame(X[:CHUNK], columns=[f"f{i}" for i in range(6)])
    named = _classifier().partial_fit(frame, Y_CLASSES[:CHUNK], classes=[0, 1, 2])
    with pytest.warns(UserWarning, match="X does not have valid feature names"):
        named.partial_fit(X[:CHUNK], Y_CLASSES[:CHUNK])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        named.partial_fit(frame, Y_CLASSES[:CHUNK])
