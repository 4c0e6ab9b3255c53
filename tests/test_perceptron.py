"""nnfast.Perceptron: Rosenblatt's step neurons trained by the perceptron rule.

Convergence on linearly separable data (and the lack of it on XOR), the decision
boundary given by coef_/intercept_, one-vs-rest for several classes, one epoch of
the rule against a NumPy implementation, and scikit-learn's estimator checks.
"""

import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.datasets import make_blobs
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils.estimator_checks import parametrize_with_checks

from nnfast import Perceptron

LOGIC_X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
LOGIC_GATES = {"or": [0, 1, 1, 1], "and": [0, 0, 0, 1], "nand": [1, 1, 1, 0]}


def _blobs(n_centers, random_state=0):
    centers = [[-6, -6], [6, -6], [0, 6]][:n_centers]
    return make_blobs(n_samples=150, centers=centers, cluster_std=1.0,
                      random_state=random_state)


def perceptron_rule_numpy(X, Y, learning_rate, epochs=1):
    """The perceptron rule over X's rows in order; Y holds one 0/1 column per neuron."""
    W = np.zeros((Y.shape[1], X.shape[1]))
    b = np.zeros(Y.shape[1])
    errors = []
    for _ in range(epochs):
        mistakes = 0
        for x, y in zip(X, Y):
            for k in range(len(b)):
                error = y[k] - (1.0 if W[k] @ x + b[k] > 0 else 0.0)
                if error:
                    mistakes += 1
                    W[k] += learning_rate * error * x
                    b[k] += learning_rate * error
        errors.append(mistakes)
    return W, b, errors


@pytest.mark.parametrize("gate", LOGIC_GATES)
@pytest.mark.parametrize("shuffle", [True, False])
def test_learns_linearly_separable_logic_gates(gate, shuffle):
    y = np.array(LOGIC_GATES[gate])
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        clf = Perceptron(shuffle=shuffle, random_state=0).fit(LOGIC_X, y)
    assert_array_equal(clf.predict(LOGIC_X), y, err_msg=f"{gate}: training predictions")
    assert clf.errors_[-1] == 0, f"{gate}: mistakes per epoch {clf.errors_}"
    assert clf.n_iter_ == len(clf.errors_) < clf.max_iter


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_reaches_zero_training_error_on_separable_blobs(seed):
    X, y = _blobs(2, random_state=seed)
    clf = Perceptron(random_state=seed).fit(X, y)
    assert clf.errors_[-1] == 0, f"mistakes per epoch {clf.errors_}"
    assert clf.score(X, y) == 1.0
    assert all(e > 0 for e in clf.errors_[:-1]), "training went on after an epoch without mistakes"


def test_xor_is_not_learned_and_warns():
    y = np.array([0, 1, 1, 0])
    with pytest.warns(ConvergenceWarning, match="mistakes remain"):
        clf = Perceptron(max_iter=50, random_state=0).fit(LOGIC_X, y)
    assert clf.n_iter_ == 50 == len(clf.errors_)
    assert min(clf.errors_) > 0, f"an epoch without mistakes on XOR: {clf.errors_}"
    assert clf.score(LOGIC_X, y) < 1.0


@pytest.mark.parametrize("n_classes", [2, 3])
def test_coef_and_intercept_define_the_decision_boundary(n_classes):
    X, y = _blobs(n_classes)
    clf = Perceptron(random_state=0).fit(X, y)
    n_neurons = 1 if n_classes == 2 else n_classes
    assert clf.coef_.shape == (n_neurons, 2) and clf.intercept_.shape == (n_neurons,)
    rng = np.random.RandomState(1)
    X_new = rng.uniform(-12, 12, (500, 2))  # also points far from the training data
    scores = X_new @ clf.coef_.T + clf.intercept_
    if n_classes == 2:
        expected = clf.classes_[(scores[:, 0] > 0).astype(int)]
        assert_allclose(clf.decision_function(X_new), scores[:, 0])
    else:
        expected = clf.classes_[np.argmax(scores, axis=1)]
        assert_allclose(clf.decision_function(X_new), scores)
    assert_array_equal(clf.predict(X_new), expected,
                       err_msg="predict is not the side of coef_ @ x + intercept_")


def test_one_vs_rest_separates_three_blobs_with_string_labels():
    X, y = _blobs(3)
    labels = np.array(["ant", "bee", "cat"])[y]
    clf = Perceptron(random_state=0).fit(X, labels)
    assert_array_equal(clf.classes_, ["ant", "bee", "cat"])
    assert clf.coef_.shape == (3, 2)
    assert clf.score(X, labels) == 1.0, f"training accuracy {clf.score(X, labels)}"
    assert clf.errors_[-1] == 0
    X_test, y_test = _blobs(3, random_state=5)
    assert clf.score(X_test, np.array(["ant", "bee", "cat"])[y_test]) > 0.98


@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.parametrize("learning_rate", [1.0, 0.3])
def test_one_epoch_is_the_perceptron_rule_in_row_order(n_classes, learning_rate):
    X, y = _blobs(n_classes, random_state=2)
    Y = np.eye(n_classes)[y][:, 1:] if n_classes == 2 else np.eye(n_classes)[y]
    W, b, errors = perceptron_rule_numpy(X, Y, learning_rate)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf = Perceptron(learning_rate=learning_rate, max_iter=1, shuffle=False).fit(X, y)
    assert errors[0] > 1, "the epoch must make several mistakes to check the rule"
    assert clf.errors_ == errors, f"mistakes {clf.errors_}, the NumPy rule makes {errors}"
    assert_allclose(clf.coef_, W, rtol=1e-12, atol=1e-12, err_msg="coef_ after one epoch")
    assert_allclose(clf.intercept_, b, rtol=1e-12, atol=1e-12,
                    err_msg="intercept_ after one epoch")


def test_unshuffled_training_follows_the_rule_to_convergence():
    y = np.array(LOGIC_GATES["and"])
    W, b, errors = perceptron_rule_numpy(LOGIC_X, y[:, None].astype(float), 1.0, epochs=20)
    clf = Perceptron(shuffle=False).fit(LOGIC_X, y)
    n = errors.index(0) + 1
    assert clf.errors_ == errors[:n]
    W, b, _ = perceptron_rule_numpy(LOGIC_X, y[:, None].astype(float), 1.0, epochs=n)
    assert_allclose(clf.coef_, W)
    assert_allclose(clf.intercept_, b)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_same_random_state_same_weights_other_state_other_order():
    X, y = _blobs(3, random_state=4)
    fits = [Perceptron(random_state=s, max_iter=3).fit(X, y) for s in (0, 0, 1)]
    assert_array_equal(fits[0].coef_, fits[1].coef_)
    assert fits[0].errors_ == fits[1].errors_
    assert not np.array_equal(fits[0].coef_, fits[2].coef_), "the seed does not shuffle"


def test_single_class_raises():
    with pytest.raises(ValueError, match="at least 2 classes"):
        Perceptron().fit(LOGIC_X, [1, 1, 1, 1])


@pytest.mark.parametrize("params", [dict(learning_rate=0), dict(max_iter=0)],
                         ids=lambda p: next(iter(p)))
def test_invalid_parameter_raises_value_error_naming_it(params):
    (name,) = params
    with pytest.raises(ValueError, match=name):
        Perceptron(**params).fit(LOGIC_X, LOGIC_GATES["or"])


@parametrize_with_checks([Perceptron()])
def test_sklearn_estimator_checks(estimator, check):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        check(estimator)
