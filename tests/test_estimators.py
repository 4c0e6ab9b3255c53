"""Behaviour of MLPClassifier and MLPRegressor: each test names what it pins down."""

import pickle
import re
import warnings

import joblib
import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.base import clone
from sklearn.datasets import load_iris, make_classification, make_multilabel_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, cross_val_score, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import LabelBinarizer, StandardScaler

from nnfast import MLPClassifier, MLPRegressor
from sigint import interrupted_after

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

ESTIMATORS = [MLPClassifier, MLPRegressor]


def _classification(n_samples=120, n_classes=3, n_features=6, random_state=0):
    X, y = make_classification(
        n_samples=n_samples,
        n_features=n_features,
        n_informative=4,
        n_redundant=0,
        n_classes=n_classes,
        n_clusters_per_class=1,
        class_sep=1.5,
        random_state=random_state,
    )
    return StandardScaler().fit_transform(X), y


def _regression(n_samples=120, n_features=6, n_targets=1, random_state=0):
    rng = np.random.RandomState(random_state)
    X = rng.randn(n_samples, n_features)
    W = rng.randn(n_features, n_targets)
    y = np.tanh(X @ W) + 0.05 * rng.randn(n_samples, n_targets)
    return X, (y.ravel() if n_targets == 1 else y)


def _data_for(Estimator, **kwargs):
    return _classification(**kwargs) if Estimator is MLPClassifier else _regression(**kwargs)


def _forward_numpy(model, X):
    """The network's output for X computed in NumPy (relu hidden layers, identity output)."""
    a = np.asarray(X, dtype=np.float64)
    for i, (W, b) in enumerate(zip(model.coefs_, model.intercepts_)):
        a = a @ np.asarray(W, dtype=np.float64) + np.asarray(b, dtype=np.float64)
        if i < len(model.coefs_) - 1:
            a = np.maximum(a, 0)
    return a


# ---------------------------------------------------------------- partial_fit


def test_partial_fit_classifier_requires_classes_on_first_call():
    X, y = _classification()
    with pytest.raises(ValueError, match="classes must be passed on the first call"):
        MLPClassifier().partial_fit(X, y)


def test_partial_fit_keeps_classes_of_first_call():
    X, y = _classification()
    clf = MLPClassifier(random_state=0).partial_fit(X, y, classes=[0, 1, 2])
    clf.partial_fit(X[y != 2], y[y != 2])
    assert_array_equal(clf.classes_, [0, 1, 2])
    assert clf.predict_proba(X).shape == (len(X), 3)


@pytest.mark.parametrize("first_call", [True, False])
def test_partial_fit_rejects_labels_not_in_classes(first_call):
    X, y = _classification()
    clf = MLPClassifier(random_state=0)
    if not first_call:
        clf.partial_fit(X[y != 2], y[y != 2], classes=[0, 1])
    with pytest.raises(ValueError, match="has classes not in"):
        clf.partial_fit(X, y, classes=[0, 1] if first_call else None)


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_partial_fit_counts_samples_and_epochs_across_calls(Estimator):
    X, y = _data_for(Estimator)
    kwargs = {"classes": np.unique(y)} if Estimator is MLPClassifier else {}
    model = Estimator(random_state=0)
    for call in range(1, 4):
        model.partial_fit(X, y, **kwargs)
        kwargs = {}
        assert model.t_ == call * len(X)
        assert len(model.loss_curve_) == call
        # As in scikit-learn 1.9, n_iter_ counts the epochs of the last call.
        assert model.n_iter_ == 1


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_partial_fit_unavailable_for_lbfgs(Estimator):
    # scikit-learn's MLPRegressor(solver="lbfgs") exposes partial_fit; nnfast's does not.
    X, y = _data_for(Estimator)
    model = Estimator(solver="lbfgs")
    assert not hasattr(model, "partial_fit")
    with pytest.raises(AttributeError, match="partial_fit"):
        model.partial_fit(X, y)
    assert hasattr(Estimator(solver="sgd"), "partial_fit")
    assert hasattr(Estimator(solver="adam"), "partial_fit")


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_partial_fit_calls_reduce_training_loss(Estimator):
    X, y = _data_for(Estimator)
    kwargs = {"classes": np.unique(y)} if Estimator is MLPClassifier else {}
    model = Estimator(learning_rate_init=0.01, random_state=0)
    for _ in range(30):
        model.partial_fit(X, y, **kwargs)
    first, last = model.loss_curve_[0], model.loss_curve_[-1]
    assert last < 0.5 * first, f"loss went from {first:.4f} to {last:.4f} in 30 calls"


# ---------------------------------------------------------------- warm_start


def test_warm_start_second_fit_continues_from_first_fit_weights():
    # Full-batch sgd without momentum keeps no optimizer state between epochs,
    # so two warm fits of one epoch are one fit of two epochs.
    X, y = _regression()
    params = dict(
        solver="sgd",
        momentum=0,
        batch_size=len(X),
        shuffle=False,
        learning_rate_init=0.1,
        max_iter=1,
        random_state=0,
        dtype="float64",
    )
    warm = MLPRegressor(warm_start=True, **params).fit(X, y)
    after_first = [w.copy() for w in warm.coefs_]
    warm.fit(X, y)
    two_epochs = MLPRegressor(**{**params, "max_iter": 2}).fit(X, y)
    fresh = MLPRegressor(**params).fit(X, y)

    for a, b in zip(warm.coefs_, two_epochs.coefs_):
        assert_allclose(a, b, rtol=1e-10, atol=1e-12)
    assert not np.allclose(warm.coefs_[0], fresh.coefs_[0])
    assert_allclose(fresh.coefs_[0], after_first[0])
    assert len(warm.loss_curve_) == 2
    assert warm.loss_curve_[1] < warm.loss_curve_[0]


def test_without_warm_start_second_fit_starts_over():
    X, y = _regression()
    model = MLPRegressor(max_iter=5, random_state=0)
    first = model.fit(X, y).coefs_[0].copy()
    assert_array_equal(model.fit(X, y).coefs_[0], first)
    assert len(model.loss_curve_) == 5


def test_warm_start_with_different_classes_raises():
    X, y = _classification()
    clf = MLPClassifier(warm_start=True, max_iter=5, random_state=0).fit(X, y)
    with pytest.raises(ValueError, match="warm_start can only be used where `y` has the same"):
        clf.fit(X[y != 2], y[y != 2])


def test_warm_start_with_other_layer_sizes_raises():
    X, y = _regression()
    reg = MLPRegressor(warm_start=True, max_iter=2, random_state=0).fit(X, y)
    reg.set_params(hidden_layer_sizes=(7,))
    with pytest.raises(ValueError, match="layer sizes"):
        reg.fit(X, y)


# ---------------------------------------------------------------- sample_weight

# Full-batch training (lbfgs, or sgd/adam with n_samples <= 200 so that
# batch_size="auto" is the whole set) in float64: weighting is then exactly
# repetition, up to the order of floating-point sums.
FULL_BATCH_SOLVERS = [
    dict(solver="lbfgs", max_iter=50),
    dict(solver="sgd", shuffle=False, max_iter=30, learning_rate_init=0.05),
    dict(solver="adam", shuffle=False, max_iter=30, learning_rate_init=0.01),
]


@pytest.mark.parametrize("Estimator", ESTIMATORS)
@pytest.mark.parametrize("solver_params", FULL_BATCH_SOLVERS, ids=lambda p: p["solver"])
@pytest.mark.parametrize("weight", [2, 0])
def test_integer_sample_weight_equals_repeating_rows(Estimator, solver_params, weight):
    X, y = _data_for(Estimator, n_samples=60)
    sample_weight = np.ones(len(X))
    sample_weight[::3] = weight
    repeats = sample_weight.astype(int)
    params = dict(hidden_layer_sizes=(8,), random_state=0, dtype="float64", **solver_params)

    weighted = Estimator(**params).fit(X, y, sample_weight=sample_weight)
    repeated = Estimator(**params).fit(np.repeat(X, repeats, axis=0), np.repeat(y, repeats))

    for layer, (a, b) in enumerate(zip(weighted.coefs_, repeated.coefs_)):
        assert_allclose(a, b, rtol=1e-6, atol=1e-9, err_msg=f"coefs_[{layer}]")
    for layer, (a, b) in enumerate(zip(weighted.intercepts_, repeated.intercepts_)):
        assert_allclose(a, b, rtol=1e-6, atol=1e-9, err_msg=f"intercepts_[{layer}]")


def test_negative_sample_weight_raises():
    X, y = _regression()
    sample_weight = np.ones(len(X))
    sample_weight[0] = -1
    with pytest.raises(ValueError, match="[Nn]egative"):
        MLPRegressor(max_iter=2).fit(X, y, sample_weight=sample_weight)


# ---------------------------------------------------------------- dtype


@pytest.mark.parametrize(
    "X_dtype, dtype, expected",
    [
        (np.float32, "float32", np.float32),
        (np.float64, None, np.float32),  # the default computes in float32
        (np.float32, "float64", np.float64),
        (np.float64, "float64", np.float64),
    ],
)
def test_compute_dtype_sets_weight_dtype_and_outputs_follow_the_input(X_dtype, dtype, expected):
    # The weights are in the compute dtype; predictions come in the input's
    # float dtype, as scikit-learn's do.
    params = dict(max_iter=3, random_state=0) | ({} if dtype is None else {"dtype": dtype})
    X, y = _classification()
    X = X.astype(X_dtype)
    clf = MLPClassifier(**params).fit(X, y)
    assert {w.dtype for w in clf.coefs_ + clf.intercepts_} == {np.dtype(expected)}
    assert clf.predict_proba(X).dtype == X_dtype
    X_reg, y_reg = _regression()
    reg = MLPRegressor(**params).fit(X_reg.astype(X_dtype), y_reg)
    assert {w.dtype for w in reg.coefs_ + reg.intercepts_} == {np.dtype(expected)}
    assert reg.predict(X_reg.astype(X_dtype)).dtype == X_dtype
    assert reg.predict(X_reg.astype(np.int64)).dtype == np.float64


def test_default_dtype_is_float32():
    assert MLPClassifier().dtype == MLPRegressor().dtype == "float32"


# ---------------------------------------------------------------- classification


def _assert_probabilities(clf, X, n_columns, rows_sum_to_one):
    proba = clf.predict_proba(X)
    assert proba.shape == (len(X), n_columns)
    assert np.all((proba >= 0) & (proba <= 1))
    if rows_sum_to_one:
        assert_allclose(proba.sum(axis=1), 1, rtol=1e-5)
    with np.errstate(divide="ignore"):
        assert_allclose(clf.predict_log_proba(X), np.log(proba), rtol=1e-6)


def test_binary_classification_with_string_labels():
    X, y = _classification(n_classes=2)
    labels = np.array(["no", "yes"])[y]
    clf = MLPClassifier(max_iter=200, random_state=0).fit(X, labels)
    assert_array_equal(clf.classes_, ["no", "yes"])
    assert clf.out_activation_ == "logistic" and clf.n_outputs_ == 1
    _assert_probabilities(clf, X, 2, rows_sum_to_one=True)
    predicted = clf.predict(X)
    assert predicted.shape == (len(X),)
    assert set(predicted) <= {"no", "yes"}
    assert_array_equal(predicted, clf.classes_[clf.predict_proba(X).argmax(axis=1)])
    assert clf.score(X, labels) > 0.9


def test_multiclass_classification_with_string_labels():
    X, y = _classification(n_classes=3)
    labels = np.array(["ant", "bee", "cat"])[y]
    clf = MLPClassifier(max_iter=200, random_state=0).fit(X, labels)
    assert_array_equal(clf.classes_, ["ant", "bee", "cat"])
    assert clf.out_activation_ == "softmax" and clf.n_outputs_ == 3
    _assert_probabilities(clf, X, 3, rows_sum_to_one=True)
    predicted = clf.predict(X)
    assert set(predicted) <= set(clf.classes_)
    assert_array_equal(predicted, clf.classes_[clf.predict_proba(X).argmax(axis=1)])
    assert clf.score(X, labels) > 0.9


def test_multilabel_classification_with_indicator_y():
    X, Y = make_multilabel_classification(n_samples=150, n_features=8, n_classes=4, random_state=0)
    clf = MLPClassifier(max_iter=300, random_state=0).fit(X, Y)
    assert clf.out_activation_ == "logistic" and clf.n_outputs_ == 4
    assert_array_equal(clf.classes_, [0, 1, 2, 3])
    _assert_probabilities(clf, X, 4, rows_sum_to_one=False)
    predicted = clf.predict(X)
    assert predicted.shape == Y.shape
    assert_array_equal(predicted, clf.predict_proba(X) > 0.5)
    assert clf.score(X, Y) > 0.5  # subset accuracy


@pytest.mark.parametrize("labels, fitted_on", [
    (np.array([1, 0, 1, 1, 0]), None),
    (np.array(["b", "a", "c", "a", "c"]), None),
    (np.array(["no", "yes", "no"], dtype=object), None),
    (np.array([True, False, False]), None),
    (np.array([0.0, 2.0, 1.0, 2.0]), None),
    (np.array([3, 7, 7]), [3, 5, 7]),         # partial_fit's classes: more than y has
    (np.array([[1, 0, 1], [0, 0, 1]]), None),  # multilabel: LabelBinarizer's own path
])
def test_targets_are_encoded_as_label_binarizer_encodes_them(labels, fitted_on):
    clf = MLPClassifier()
    clf._label_binarizer = LabelBinarizer().fit(labels if fitted_on is None else fitted_on)
    expected = clf._label_binarizer.transform(labels).astype(bool)
    got = clf._encode(labels)
    assert got.dtype == bool
    assert_array_equal(got, expected)


# ---------------------------------------------------------------- regression


def test_multi_output_regression_shapes():
    X, Y = _regression(n_targets=3)
    reg = MLPRegressor(hidden_layer_sizes=(10, 5), max_iter=50, random_state=0).fit(X, Y)
    assert reg.n_outputs_ == 3 and reg.n_layers_ == 4
    assert [w.shape for w in reg.coefs_] == [(6, 10), (10, 5), (5, 3)]
    assert [b.shape for b in reg.intercepts_] == [(10,), (5,), (3,)]
    assert reg.predict(X).shape == (len(X), 3)
    assert reg.predict(X[:1]).shape == (1, 3)
    single = MLPRegressor(max_iter=5, random_state=0).fit(X, Y[:, 0])
    assert single.predict(X).shape == (len(X),)


def test_poisson_loss_rejects_negative_targets():
    X, y = _regression()
    with pytest.raises(ValueError, match="non-negative"):
        MLPRegressor(loss="poisson", max_iter=5).fit(X, y)


def test_poisson_loss_predicts_positive_rates():
    rng = np.random.RandomState(0)
    X = rng.randn(200, 4)
    y = rng.poisson(np.exp(0.5 * X[:, 0] - 0.3 * X[:, 1])).astype(float)
    reg = MLPRegressor(loss="poisson", max_iter=200, random_state=0).fit(X, y)
    assert reg.out_activation_ == "exp"
    y_pred = reg.predict(X)
    assert np.all(y_pred > 0)
    assert np.corrcoef(y_pred, y)[0, 1] > 0.5


def test_no_hidden_layer_is_a_linear_model():
    rng = np.random.RandomState(0)
    X = rng.randn(100, 4)
    y = X @ np.array([1.0, -2.0, 0.5, 3.0]) + 0.7
    reg = MLPRegressor(hidden_layer_sizes=(), solver="lbfgs", alpha=0, dtype="float64")
    reg.fit(X, y)
    assert [w.shape for w in reg.coefs_] == [(4, 1)]
    assert_allclose(reg.coefs_[0].ravel(), [1.0, -2.0, 0.5, 3.0], atol=1e-3)
    assert_allclose(reg.intercepts_[0], [0.7], atol=1e-3)


# ---------------------------------------------------------------- randomness


@pytest.mark.parametrize("solver", ["sgd", "adam", "lbfgs"])
def test_same_random_state_gives_identical_weights(solver):
    X, y = _classification()
    fits = [
        MLPClassifier(solver=solver, max_iter=20, random_state=seed).fit(X, y)
        for seed in (3, 3, 4)
    ]
    for a, b in zip(fits[0].coefs_ + fits[0].intercepts_, fits[1].coefs_ + fits[1].intercepts_):
        assert_array_equal(a, b)
    assert not np.array_equal(fits[0].coefs_[0], fits[2].coefs_[0])


# ---------------------------------------------------------------- sparse X


@pytest.mark.parametrize("Estimator", ESTIMATORS)
@pytest.mark.parametrize("container", [sp.csr_matrix, sp.csc_matrix, sp.csr_array])
@pytest.mark.parametrize("solver", ["adam", "lbfgs"])
def test_sparse_fit_equals_dense_fit(Estimator, container, solver):
    X, y = _data_for(Estimator)
    X[np.abs(X) < 0.8] = 0  # about 60 % zeros
    params = dict(solver=solver, max_iter=20, random_state=0, dtype="float64")
    dense = Estimator(**params).fit(X, y)
    sparse = Estimator(**params).fit(container(X), y)
    for layer, (a, b) in enumerate(zip(sparse.coefs_, dense.coefs_)):
        assert_allclose(a, b, rtol=1e-8, atol=1e-10, err_msg=f"coefs_[{layer}]")
    if Estimator is MLPClassifier:
        assert_array_equal(sparse.predict(container(X)), dense.predict(X))
        assert_allclose(sparse.predict_proba(container(X)), dense.predict_proba(X), rtol=1e-10)
    else:
        assert_allclose(sparse.predict(container(X)), dense.predict(X), rtol=1e-8, atol=1e-10)


# ---------------------------------------------------------------- pandas


def test_dataframe_feature_names_are_recorded_and_checked():
    pd = pytest.importorskip("pandas")
    X, y = _classification()
    columns = [f"feature_{i}" for i in range(X.shape[1])]
    clf = MLPClassifier(max_iter=20, random_state=0).fit(pd.DataFrame(X, columns=columns), y)
    assert_array_equal(clf.feature_names_in_, columns)
    assert clf.n_features_in_ == X.shape[1]
    predicted = clf.predict(pd.DataFrame(X, columns=columns))

    renamed = pd.DataFrame(X, columns=[f"other_{i}" for i in range(X.shape[1])])
    with pytest.raises(ValueError, match="feature names should match"):
        clf.predict(renamed)
    with pytest.warns(UserWarning, match="does not have valid feature names"):
        assert_array_equal(clf.predict(X), predicted)


def test_wrong_number_of_features_raises():
    X, y = _classification()
    clf = MLPClassifier(max_iter=2).fit(X, y)
    with pytest.raises(ValueError, match="features"):
        clf.predict(X[:, :-1])


# ---------------------------------------------------------------- pickle


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_pickle_round_trip_predicts_identically(Estimator):
    X, y = _data_for(Estimator)
    model = Estimator(max_iter=20, random_state=0).fit(X, y)
    before = model.predict(X)
    loaded = pickle.loads(pickle.dumps(model))
    assert_array_equal(loaded.predict(X), before)
    # Pickling leaves the original intact.
    assert_array_equal(model.predict(X), before)
    for a, b in zip(loaded.coefs_ + loaded.intercepts_, model.coefs_ + model.intercepts_):
        assert_array_equal(a, b)


def test_unpickled_weights_are_views_into_one_block():
    X, y = _regression()
    model = MLPRegressor(hidden_layer_sizes=(5, 4), max_iter=5, random_state=0).fit(X, y)
    loaded = pickle.loads(pickle.dumps(model))
    arrays = loaded.coefs_ + loaded.intercepts_
    block = loaded.coefs_[0].base
    assert block is not None and block.ndim == 1
    assert block.size == sum(a.size for a in arrays)
    for a in arrays:
        assert np.shares_memory(a, block)
    # A write through a view is what predict uses.
    loaded.intercepts_[-1][:] += 1.0
    assert_allclose(loaded.predict(X), model.predict(X) + 1.0, rtol=1e-5)


def test_replaced_coefs_are_used_by_predict():
    X, y = _regression()
    model = MLPRegressor(hidden_layer_sizes=(5,), max_iter=5, random_state=0).fit(X, y)
    rng = np.random.RandomState(1)
    model.coefs_[0] = rng.randn(*model.coefs_[0].shape)
    model.intercepts_[-1] = np.array([3.0])
    expected = _forward_numpy(model, X).ravel()
    assert_allclose(model.predict(X), expected, rtol=1e-5, atol=1e-5)
    # ... and by a pickled copy.
    assert_allclose(pickle.loads(pickle.dumps(model)).predict(X), expected, rtol=1e-5, atol=1e-5)


def test_model_loaded_from_read_only_memmap_predicts_and_trains_on(tmp_path):
    X, y = _regression()
    model = MLPRegressor(max_iter=5, random_state=0).fit(X, y)
    joblib.dump(model, tmp_path / "model.joblib")
    loaded = joblib.load(tmp_path / "model.joblib", mmap_mode="r")
    assert_array_equal(loaded.predict(X), model.predict(X))
    loaded.partial_fit(X, y)
    assert loaded.t_ == model.t_ + len(X)


# ---------------------------------------------------------------- scikit-learn tools


def test_clone_gives_unfitted_copy_with_same_parameters():
    X, y = _classification()
    clf = MLPClassifier(hidden_layer_sizes=(7,), alpha=0.01, dtype="float64", max_iter=5)
    clf.fit(X, y)
    copy = clone(clf)
    assert copy.get_params() == clf.get_params()
    assert not hasattr(copy, "coefs_")


def test_pipeline_with_standard_scaler():
    X, y = _classification(n_samples=300)
    X = 10 * X + 5
    X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)
    pipe = make_pipeline(StandardScaler(), MLPClassifier(max_iter=300, random_state=0))
    assert pipe.fit(X_train, y_train).score(X_test, y_test) > 0.85


def test_grid_search_over_layer_sizes_and_alpha():
    X, y = _classification(n_samples=150)
    grid = {"hidden_layer_sizes": [(3,), (20,)], "alpha": [1e-4, 1.0]}
    search = GridSearchCV(MLPClassifier(max_iter=200, random_state=0), grid, cv=3).fit(X, y)
    assert search.best_params_["hidden_layer_sizes"] in grid["hidden_layer_sizes"]
    assert search.best_params_["alpha"] in grid["alpha"]
    assert len(search.cv_results_["params"]) == 4
    assert search.best_score_ > 0.8
    assert search.best_estimator_.coefs_[0].shape[1] == search.best_params_["hidden_layer_sizes"][0]


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_cross_val_score(Estimator):
    X, y = _data_for(Estimator, n_samples=150)
    scores = cross_val_score(Estimator(max_iter=200, random_state=0), X, y, cv=3)
    assert scores.shape == (3,)
    assert np.all(scores <= 1)
    if Estimator is MLPClassifier:
        assert np.all(scores >= 0) and scores.mean() > 0.8  # chance is 1/3
    else:
        assert scores.mean() > 0.5  # R^2; 0 is predicting the mean


# ---------------------------------------------------------------- early stopping


def _validation_split(X, y, random_state, hidden_layer_sizes, validation_fraction):
    """The held-out rows of an early-stopping fit: like scikit-learn, nnfast draws
    the initial weights from random_state, then splits with the same generator."""
    rng = np.random.RandomState(random_state)
    units = [X.shape[1], *hidden_layer_sizes, 1]
    for fan_in, fan_out in zip(units[:-1], units[1:]):
        rng.uniform(size=(fan_in, fan_out))
        rng.uniform(size=fan_out)
    _, X_val, _, y_val = train_test_split(
        X, y, random_state=rng, test_size=validation_fraction
    )
    return X_val, y_val


def test_early_stopping_restores_best_epoch_weights():
    X, y = _regression(n_samples=300)
    reg = MLPRegressor(
        hidden_layer_sizes=(30,),
        early_stopping=True,
        learning_rate_init=0.05,
        n_iter_no_change=5,
        max_iter=300,
        random_state=0,
        dtype="float64",
    ).fit(X, y)
    scores = reg.validation_scores_
    assert len(scores) == reg.n_iter_ < 300
    assert reg.best_validation_score_ == max(scores)
    assert scores[-1] < max(scores), "the last epoch is the best: nothing was restored"
    X_val, y_val = _validation_split(X, y, 0, (30,), 0.1)
    assert reg.score(X_val, y_val) == pytest.approx(reg.best_validation_score_, rel=1e-12)


def test_early_stopping_stops_before_max_iter_on_easy_problem():
    X, y = _classification(n_samples=300)
    clf = MLPClassifier(early_stopping=True, max_iter=500, random_state=0).fit(X, y)
    assert clf.n_iter_ < 500
    assert len(clf.validation_scores_) == clf.n_iter_
    assert clf.best_validation_score_ == max(clf.validation_scores_) > 0.9
    assert clf.best_loss_ is None


def test_early_stopping_is_not_allowed_with_partial_fit():
    X, y = _regression()
    with pytest.raises(ValueError, match="early_stopping"):
        MLPRegressor(early_stopping=True).partial_fit(X, y)


# ---------------------------------------------------------------- verbose


@pytest.mark.parametrize("solver", ["sgd", "adam", "lbfgs"])
def test_verbose_prints_loss_per_iteration(capsys, solver):
    X, y = _classification()
    clf = MLPClassifier(solver=solver, max_iter=3, verbose=True, random_state=0).fit(X, y)
    out = capsys.readouterr().out
    lines = re.findall(r"^Iteration (\d+), loss = (\d+\.\d{8})$", out, flags=re.M)
    assert [int(n) for n, _ in lines] == list(range(1, clf.n_iter_ + 1))
    assert len(lines) == 3
    if solver != "lbfgs":
        assert [float(loss) for _, loss in lines] == pytest.approx(clf.loss_curve_, abs=1e-8)
    assert float(lines[-1][1]) == pytest.approx(clf.loss_, abs=1e-8)


def test_not_verbose_prints_nothing(capsys):
    X, y = _classification()
    MLPClassifier(max_iter=3).fit(X, y)
    assert capsys.readouterr().out == ""


# ---------------------------------------------------------------- invalid input


INVALID_PARAMETERS = [
    dict(dtype="float16"),
    dict(hidden_layer_sizes=[0]),
    dict(hidden_layer_sizes=[5, -1]),
    dict(hidden_layer_sizes=[2.5]),
    dict(hidden_layer_sizes=0),
    dict(learning_rate_init=0),
    dict(solver="newton"),
    dict(activation="gelu_fast"),
    dict(alpha=-1),
    dict(batch_size=0),
    dict(max_iter=0),
    dict(momentum=1.5),
    dict(validation_fraction=1.0),
    dict(beta_1=1.0),
    dict(n_iter_no_change=0),
]


@pytest.mark.parametrize("Estimator", ESTIMATORS)
@pytest.mark.parametrize(
    "params", INVALID_PARAMETERS, ids=lambda p: "{}={!r}".format(*next(iter(p.items())))
)
def test_invalid_parameter_raises_value_error_naming_it(Estimator, params):
    X, y = _data_for(Estimator)
    (name,) = params
    with pytest.raises(ValueError, match=name):
        Estimator(**params).fit(X, y)


def test_invalid_regression_loss_raises_value_error_naming_it():
    X, y = _regression()
    with pytest.raises(ValueError, match="loss"):
        MLPRegressor(loss="log_loss").fit(X, y)


@pytest.mark.parametrize("Estimator", ESTIMATORS)
@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_non_finite_input_raises_value_error(Estimator, bad):
    X, y = _data_for(Estimator)
    X[3, 2] = bad
    with pytest.raises(ValueError, match="NaN|infinity"):
        Estimator(max_iter=2).fit(X, y)
    model = Estimator(max_iter=2).fit(*_data_for(Estimator))
    with pytest.raises(ValueError, match="NaN|infinity"):
        model.predict(X)


# ---------------------------------------------------------------- divergence


def test_diverging_training_raises_value_error_naming_the_cause():
    rng = np.random.RandomState(0)
    X = 1e3 * rng.randn(100, 5)
    y = 1e6 * rng.randn(100)
    reg = MLPRegressor(solver="sgd", learning_rate_init=10, max_iter=50, random_state=0)
    with pytest.raises(ValueError, match="Solver produced non-finite parameter weights"):
        reg.fit(X, y)


def test_diverging_training_with_early_stopping_keeps_best_finite_weights():
    # scikit-learn's non-regression test for its issue #29504.
    X, y = load_iris(return_X_y=True)
    reg = MLPRegressor(
        hidden_layer_sizes=100,
        activation="identity",
        solver="sgd",
        learning_rate_init=1,
        max_iter=20,
        early_stopping=True,
        random_state=0,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        reg.fit(X, y)
    assert np.all(np.isfinite(reg.predict(X)))
    assert np.isfinite(reg.best_validation_score_)


# ---------------------------------------------------------------- Ctrl-C


@pytest.mark.parametrize("Estimator", ESTIMATORS)
@pytest.mark.parametrize("solver", ["sgd", "adam", "lbfgs"])
def test_keyboard_interrupt_stops_fit_with_usable_model(Estimator, solver):
    # Uninterrupted, these fits take minutes; the interrupt comes after 0.3 s.
    rng = np.random.RandomState(0)
    X = rng.randn(4000, 30)
    y = rng.randint(0, 3, 4000) if Estimator is MLPClassifier else rng.randn(4000)
    model = Estimator(
        hidden_layer_sizes=(128, 128),
        solver=solver,
        batch_size=32,
        max_iter=100_000,
        max_fun=10**9,
        tol=0,
        n_iter_no_change=np.inf,
        random_state=0,
    )
    caught, elapsed = interrupted_after(0.3, lambda: model.fit(X, y))

    interrupted = [w for w in caught if str(w.message) == "Training interrupted by user."]
    assert len(interrupted) == 1, [str(w.message) for w in caught]
    assert interrupted[0].category is UserWarning
    assert not [w for w in caught if issubclass(w.category, ConvergenceWarning)]
    assert elapsed < 10, f"fit returned {elapsed:.1f} s after start, 0.3 s after Ctrl-C expected"
    output = model.predict_proba(X) if Estimator is MLPClassifier else model.predict(X)
    assert np.all(np.isfinite(output))
