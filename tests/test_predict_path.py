"""The prediction path: NumPy input skips scikit-learn's validation (the C core
checks what it would), each model keeps its C network between calls, and big
inputs are cut in chunks shared by threads. None of it may change a result or
an error."""

import pickle
import threading

import numpy as np
import pytest
from numpy.testing import assert_array_equal
from threadpoolctl import threadpool_info, threadpool_limits

import nnfast
from nnfast import MLPClassifier, MLPRegressor
from nnfast import _multilayer_perceptron as mlp

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

RNG = np.random.default_rng(0)
X = RNG.normal(size=(300, 6)).astype(np.float32)
Y_CLASS = np.array(["a", "b", "c"])[RNG.integers(0, 3, 300)]
Y_BINARY = RNG.integers(0, 2, 300) * 5 - 1  # classes -1 and 4
Y_REG = X[:, 0] - 2 * X[:, 1]


def fitted(kind, **params):
    params = dict(hidden_layer_sizes=(8,), max_iter=20, random_state=0, **params)
    if kind == "regressor":
        return MLPRegressor(**params).fit(X, Y_REG)
    return MLPClassifier(**params).fit(X, Y_BINARY if kind == "binary" else Y_CLASS)


KINDS = ["multiclass", "binary", "regressor"]


@pytest.mark.parametrize("kind", KINDS)
def test_numpy_input_gives_what_validated_input_gives(kind):
    model = fitted(kind)
    X64 = X.astype(np.float64)  # a list gives float64 outputs, as float64 X does
    fast = model.predict(X64)
    validated = model.predict(X.tolist())  # a list: through validate_data
    assert_array_equal(fast, validated)
    assert fast.dtype == validated.dtype
    if kind != "regressor":
        assert_array_equal(model.predict_proba(X64), model.predict_proba(X.tolist()))


@pytest.mark.parametrize("kind", KINDS)
def test_one_row_predictions_are_the_rows_of_a_batch_prediction(kind):
    model = fitted(kind)
    batch = model.predict(X[:25])
    one_by_one = np.concatenate([model.predict(X[i:i + 1]) for i in range(25)])
    assert_array_equal(one_by_one, batch)


@pytest.mark.parametrize("bad, message", [
    (np.nan, "Input X contains NaN"),
    (np.inf, "Input X contains infinity"),
    (1e39, "too large for the model's compute dtype float32"),
])
@pytest.mark.parametrize("rows", [1, 3000])  # one chunk / several chunks and threads
def test_non_finite_or_oversized_input_raises_scikit_learns_errors(bad, message, rows):
    model = fitted("multiclass")
    X_bad = np.resize(X, (rows, X.shape[1])).astype(np.float64 if bad == 1e39 else np.float32)
    X_bad[-1, 2] = bad  # in the last chunk
    with pytest.raises(ValueError, match=message):
        model.predict(X_bad)


def test_refitting_or_new_parameters_are_not_hidden_by_the_kept_network():
    model = fitted("regressor", activation="relu")
    before = model.predict(X)
    model.set_params(activation="tanh").fit(X, Y_REG)
    reference = fitted("regressor", activation="tanh").predict(X)
    assert_array_equal(model.predict(X), reference)
    assert not np.array_equal(before, reference)

    model.partial_fit(X, Y_REG)
    assert not np.array_equal(model.predict(X), reference), "partial_fit not seen"


def test_replaced_or_edited_weights_are_used():
    model = fitted("regressor")
    model.predict(X)
    model.intercepts_[-1] += 1.0  # in place
    shifted = model.predict(X)
    model.intercepts_[-1] -= 1.0
    np.testing.assert_allclose(shifted - model.predict(X), 1.0, rtol=1e-5)
    model.coefs_ = [np.zeros_like(c) for c in model.coefs_]  # replaced
    assert_array_equal(model.predict(X), np.full(len(X), model.intercepts_[-1][0]))


def test_a_model_that_predicted_pickles_and_saves(tmp_path):
    model = fitted("multiclass")
    expected = model.predict(X)
    assert model._predict_nets, "no network was kept"
    assert_array_equal(pickle.loads(pickle.dumps(model)).predict(X), expected)
    nnfast.save(model, tmp_path / "m.npz")
    assert_array_equal(nnfast.load(tmp_path / "m.npz").predict(X), expected)


def test_threads_predicting_with_one_model_get_sequential_results():
    model = fitted("multiclass")
    expected = [model.predict_proba(X[i:i + 1]) for i in range(40)]
    results, errors = {}, []

    def work(k):
        try:
            for rep in range(20):
                for i in range(k, 40, 4):
                    results[(k, rep, i)] = model.predict_proba(X[i:i + 1])
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    for (k, rep, i), got in results.items():
        assert_array_equal(got, expected[i], err_msg=f"thread {k}, call {rep}, row {i}")


def blas_limits():
    return sorted(i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas")


def test_big_predictions_in_chunks_and_threads_equal_chunk_by_chunk():
    model = fitted("multiclass")
    chunk = mlp._CHUNK_ROWS
    X_big = np.resize(X, (3 * chunk + 17, X.shape[1]))
    with threadpool_limits(limits=2, user_api="blas"):
        before = blas_limits()
        whole = model.predict_proba(X_big)
        assert blas_limits() == before, "the BLAS limit was not restored"
    parts = [model.predict_proba(X_big[s:s + chunk]) for s in range(0, len(X_big), chunk)]
    assert_array_equal(whole, np.concatenate(parts))
