"""MLPClassifier's class_weight: class weights are sample weights.

'balanced' and a dict must train exactly like the sample weights scikit-learn's
compute_sample_weight gives for them (and multiply a user's sample_weight); partial_fit
cannot compute 'balanced' from one batch and refuses it.
"""

import numpy as np
import pytest
from numpy.testing import assert_allclose
from sklearn.datasets import make_classification
from sklearn.metrics import recall_score
from sklearn.utils.class_weight import compute_sample_weight

from nnfast import MLPClassifier

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

SOLVERS = [
    dict(solver="lbfgs", max_iter=40),
    dict(solver="adam", max_iter=20, learning_rate_init=0.01),
    dict(solver="sgd", max_iter=20, learning_rate_init=0.05),
]


def _imbalanced(n_classes=3, random_state=0):
    weights = [0.7, 0.2, 0.1][:n_classes] if n_classes == 3 else [0.85, 0.15]
    return make_classification(n_samples=150, n_features=6, n_informative=4, n_redundant=0,
                               n_classes=n_classes, n_clusters_per_class=1, weights=weights,
                               random_state=random_state)


def _assert_same_fit(a, b, what):
    for layer, (p, q) in enumerate(zip(a.coefs_ + a.intercepts_, b.coefs_ + b.intercepts_)):
        assert_allclose(p, q, rtol=1e-12, atol=1e-14,
                        err_msg=f"{what}: parameter array {layer} differs")


@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.parametrize("class_weight", ["balanced", {0: 1.0, 1: 3.0}],
                         ids=["balanced", "dict"])
@pytest.mark.parametrize("solver_params", SOLVERS, ids=lambda p: p["solver"])
def test_class_weight_trains_like_the_matching_sample_weight(class_weight, solver_params,
                                                             n_classes):
    X, y = _imbalanced(n_classes)
    params = dict(hidden_layer_sizes=(8,), random_state=0, dtype="float64", **solver_params)
    weighted = MLPClassifier(class_weight=class_weight, **params).fit(X, y)
    expected_weights = compute_sample_weight(class_weight, y)
    assert len(np.unique(expected_weights)) > 1, "the weights must differ between classes"
    by_sample = MLPClassifier(**params).fit(X, y, sample_weight=expected_weights)
    _assert_same_fit(weighted, by_sample, f"class_weight={class_weight!r}")
    unweighted = MLPClassifier(**params).fit(X, y)
    assert not np.allclose(weighted.coefs_[0], unweighted.coefs_[0]), (
        "class_weight had no effect")


def test_class_weight_multiplies_sample_weight():
    X, y = _imbalanced()
    sample_weight = np.random.RandomState(1).uniform(0.5, 2, len(y))
    params = dict(hidden_layer_sizes=(8,), solver="lbfgs", max_iter=40, random_state=0,
                  dtype="float64")
    both = MLPClassifier(class_weight="balanced", **params).fit(X, y, sample_weight=sample_weight)
    product = MLPClassifier(**params).fit(
        X, y, sample_weight=sample_weight * compute_sample_weight("balanced", y))
    _assert_same_fit(both, product, "class_weight with sample_weight")


def test_balanced_class_weight_raises_minority_recall():
    # Over several data sets: on one of them alone, an optimizer's path can tie.
    params = dict(hidden_layer_sizes=(8,), solver="lbfgs", alpha=1.0, max_iter=200,
                  random_state=0)
    recalls = []
    for data_seed in range(5):
        X, y = _imbalanced(n_classes=2, random_state=data_seed)
        plain = MLPClassifier(**params).fit(X, y)
        balanced = MLPClassifier(class_weight="balanced", **params).fit(X, y)
        recalls.append([recall_score(y, m.predict(X), pos_label=1) for m in (plain, balanced)])
    recalls = np.array(recalls)
    assert (recalls[:, 1] >= recalls[:, 0]).all(), f"minority recall plain/balanced: {recalls}"
    assert recalls[:, 1].mean() > recalls[:, 0].mean() + 0.02, (
        f"minority recall plain/balanced: {recalls}")


def test_balanced_class_weight_with_partial_fit_raises():
    X, y = _imbalanced()
    with pytest.raises(ValueError, match="class_weight='balanced'.*partial_fit"):
        MLPClassifier(class_weight="balanced").partial_fit(X, y, classes=[0, 1, 2])


def test_dict_class_weight_with_partial_fit_weights_the_samples():
    X, y = _imbalanced()
    class_weight = {0: 1.0, 1: 2.0, 2: 4.0}
    params = dict(hidden_layer_sizes=(8,), random_state=0, dtype="float64")
    a = MLPClassifier(class_weight=class_weight, **params)
    b = MLPClassifier(**params)
    for _ in range(3):
        a.partial_fit(X, y, classes=[0, 1, 2])
        b.partial_fit(X, y, classes=[0, 1, 2],
                      sample_weight=compute_sample_weight(class_weight, y))
    _assert_same_fit(a, b, "partial_fit with a class_weight dict")


@pytest.mark.parametrize("class_weight", [{0: 1.0, 1: -1.0}, {0: 1.0, 1: np.nan}])
def test_negative_or_nan_class_weight_raises(class_weight):
    X, y = _imbalanced(n_classes=2)
    with pytest.raises(ValueError, match="class_weight"):
        MLPClassifier(class_weight=class_weight, max_iter=5).fit(X, y)
