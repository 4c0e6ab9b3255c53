"""Threads and seeds: eight threads predicting with one model agree with one
thread; fits in parallel threads do not disturb each other; the same
random_state and thread count give bit-identical weights."""

import threading

import numpy as np
import pytest
from numpy.testing import assert_array_equal
from threadpoolctl import threadpool_limits

from nnfast import MLPClassifier, MLPRegressor, Perceptron

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

RNG = np.random.RandomState(0)
X = RNG.randn(3000, 12)
Y_CLASSES = (X[:, 0] > 0).astype(int) + (X[:, 1] > 0.5)
Y_TARGETS = np.c_[np.tanh(X @ RNG.randn(12)), X[:, 2] * X[:, 3]]


def _run_in_threads(functions):
    """Run each function in its own thread, all released at once; their results
    (an exception is re-raised here)."""
    results = [None] * len(functions)
    errors = []
    barrier = threading.Barrier(len(functions))

    def run(i):
        try:
            barrier.wait()
            results[i] = functions[i]()
        except BaseException as exc:  # noqa: BLE001 - re-raised below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(functions))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return results


# ---------------------------------------------------------------- predicting


PREDICTORS = {
    "MLPClassifier.predict_proba": (
        lambda: MLPClassifier(hidden_layer_sizes=(64, 32), max_iter=5, random_state=0)
        .fit(X, Y_CLASSES), "predict_proba"),
    "MLPClassifier.predict": (
        lambda: MLPClassifier(hidden_layer_sizes=(64,), max_iter=5, dtype="float64",
                              random_state=0).fit(X, Y_CLASSES), "predict"),
    "MLPRegressor.predict": (
        lambda: MLPRegressor(hidden_layer_sizes=(64, 32), max_iter=5, random_state=0)
        .fit(X, Y_TARGETS), "predict"),
    "Perceptron.predict": (lambda: Perceptron(random_state=0).fit(X, Y_CLASSES), "predict"),
}


@pytest.mark.parametrize("predictor", PREDICTORS)
def test_eight_threads_predict_as_one(predictor):
    make, method = PREDICTORS[predictor]
    model = make()
    # Row blocks of different sizes, some above the C core's 2048-row chunk.
    blocks = [X[:2500], X[100:2900], X[7:8], X[::3], X[500:1500], X, X[2000:], X[::-1]]
    expected = [getattr(model, method)(block) for block in blocks]
    for _ in range(3):
        got = _run_in_threads([
            (lambda block=block: [getattr(model, method)(block) for _ in range(5)])
            for block in blocks
        ])
        for outputs, want in zip(got, expected):
            for output in outputs:
                assert_array_equal(output, want)


def test_threads_predicting_while_another_model_trains():
    model = MLPRegressor(hidden_layer_sizes=(32,), max_iter=5, random_state=0).fit(X, Y_TARGETS)
    expected = model.predict(X)
    trainee = MLPRegressor(hidden_layer_sizes=(32,), max_iter=20, random_state=1)
    got = _run_in_threads([lambda: trainee.fit(X, Y_TARGETS)]
                          + [lambda: model.predict(X) for _ in range(6)])
    for output in got[1:]:
        assert_array_equal(output, expected)


# ---------------------------------------------------------------- training


FITS = {
    "adam": lambda seed: MLPClassifier(hidden_layer_sizes=(32, 16), max_iter=8,
                                       random_state=seed),
    "sgd_dropout": lambda seed: MLPRegressor(hidden_layer_sizes=(32,), solver="sgd",
                                             dropout=0.3, max_iter=8, random_state=seed),
    "lbfgs": lambda seed: MLPRegressor(hidden_layer_sizes=(16,), solver="lbfgs", max_iter=30,
                                       dtype="float64", random_state=seed),
    "perceptron": lambda seed: Perceptron(max_iter=20, random_state=seed),
}


def _fit(name, seed):
    model = FITS[name](seed)
    y = Y_TARGETS if isinstance(model, MLPRegressor) else Y_CLASSES
    return model.fit(X, y)


def _weights(model):
    if isinstance(model, Perceptron):
        return [model.coef_, model.intercept_]
    return model.coefs_ + model.intercepts_


@pytest.mark.parametrize("name", FITS)
def test_two_fits_in_two_threads_match_sequential_fits(name):
    expected = [_fit(name, 0), _fit(name, 1)]
    got = _run_in_threads([lambda: _fit(name, 0), lambda: _fit(name, 1)])
    for model, want in zip(got, expected):
        for a, b in zip(_weights(model), _weights(want)):
            assert_array_equal(a, b)


def test_partial_fits_of_two_models_in_threads_match_sequential_ones():
    def train(seed):
        model = MLPClassifier(hidden_layer_sizes=(32,), random_state=seed)
        for start in range(0, len(X), 300):
            model.partial_fit(X[start:start + 300], Y_CLASSES[start:start + 300],
                              classes=[0, 1, 2])
        return model

    expected = [train(0), train(1)]
    got = _run_in_threads([lambda: train(0), lambda: train(1)])
    for model, want in zip(got, expected):
        assert_array_equal(model._params, want._params)


# ---------------------------------------------------------------- determinism


DETERMINISTIC = {
    "adam_shuffle": dict(solver="adam", shuffle=True),
    "sgd_nesterov_no_shuffle": dict(solver="sgd", shuffle=False),
    "adam_dropout": dict(solver="adam", dropout=[0.5, 0.2]),
    "sgd_dropout_float64": dict(solver="sgd", dropout=0.3, dtype="float64"),
    "early_stopping": dict(solver="adam", early_stopping=True, n_iter_no_change=3),
    "lbfgs": dict(solver="lbfgs"),
    "clipped_l1": dict(solver="sgd", clip_norm=0.5, l1=1e-3, learning_rate="cosine"),
}


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("config", DETERMINISTIC)
@pytest.mark.parametrize("Estimator", [MLPClassifier, MLPRegressor])
def test_same_seed_and_threads_give_bit_identical_weights(Estimator, config, threads):
    y = Y_CLASSES if Estimator is MLPClassifier else Y_TARGETS
    params = dict(hidden_layer_sizes=(48, 24), max_iter=6, random_state=42,
                  **DETERMINISTIC[config])
    with threadpool_limits(limits=threads, user_api="blas"):
        first = Estimator(**params).fit(X, y)
        second = Estimator(**params).fit(X, y)
    for a, b in zip(_weights(first), _weights(second)):
        assert_array_equal(a, b, err_msg=f"{config}: two fits with one seed differ")
    assert first.loss_ == second.loss_
    assert first.history_["loss"] == second.history_["loss"]


@pytest.mark.parametrize("config", ["adam_shuffle", "adam_dropout", "sgd_dropout_float64"])
def test_another_seed_gives_other_weights(config):
    params = dict(hidden_layer_sizes=(48, 24), max_iter=3, **DETERMINISTIC[config])
    first = MLPRegressor(random_state=0, **params).fit(X, Y_TARGETS)
    second = MLPRegressor(random_state=1, **params).fit(X, Y_TARGETS)
    assert not np.array_equal(first._params, second._params)


def test_shuffle_and_dropout_draws_depend_only_on_the_seed():
    # Same initial weights (init is drawn first), different C generator states:
    # a RandomState instance in the same state reproduces an int seed's fit.
    params = dict(hidden_layer_sizes=(32,), max_iter=4, dropout=0.4)
    by_int = MLPRegressor(random_state=7, **params).fit(X, Y_TARGETS)
    by_instance = MLPRegressor(random_state=np.random.RandomState(7), **params).fit(X, Y_TARGETS)
    assert_array_equal(by_int._params, by_instance._params)


def test_perceptron_is_deterministic():
    first = Perceptron(random_state=3, max_iter=30).fit(X, Y_CLASSES)
    second = Perceptron(random_state=3, max_iter=30).fit(X, Y_CLASSES)
    assert_array_equal(first.coef_, second.coef_)
    assert first.errors_ == second.errors_
