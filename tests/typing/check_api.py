"""What a type checker sees of nnfast's public API (mypy --strict, tests/test_typing.py).

Nothing here runs: mypy checks the assert_type calls against the installed
package's annotations.
"""

from typing import Any, assert_type

import numpy as np
from matplotlib.axes import Axes
from numpy.typing import NDArray

import nnfast
from nnfast import (
    HiddenLayerTransformer,
    LRFinderResult,
    MLPClassifier,
    MLPRegressor,
    Perceptron,
    lr_find,
    metrics,
    schedules,
)
from nnfast._multilayer_perceptron import BaseMultilayerPerceptron
from nnfast.inspection import summary
from nnfast.plot import plot_confusion_matrix, plot_loss_curve

X = np.zeros((4, 3), dtype=np.float32)
y = np.array([0, 1, 0, 1])

# fit, partial_fit and set_params return the estimator's own class.
clf = MLPClassifier(hidden_layer_sizes=(8, 4), activation=["relu", "tanh"], max_iter=5)
assert_type(clf.fit(X, y), MLPClassifier)
assert_type(clf.partial_fit(X, y, classes=[0, 1]), MLPClassifier)
assert_type(clf.set_params(alpha=1e-3), MLPClassifier)
assert_type(MLPClassifier(8, "logistic", solver="sgd", learning_rate="cosine"), MLPClassifier)
# Probabilities come in X's float dtype (float32 here, float64 for integer X),
# so the annotation is "an array of floats", not one precision.
assert_type(clf.predict_proba(X), NDArray[np.floating[Any]])
assert_type(clf.predict_log_proba(X), NDArray[np.floating[Any]])
assert_type(clf.predict(X), NDArray[Any])
assert_type(clf.hidden_activations(X, layer=0), NDArray[np.floating[Any]])
assert_type(clf.summary(), str)
assert_type(clf.score(X, y), float)
assert_type(clf.get_params(), dict[str, Any])
assert_type(clf.coefs_, list[NDArray[np.floating[Any]]])
assert_type(clf.classes_, NDArray[Any])
assert_type(clf.n_iter_, int)
assert_type(clf.history_["loss"], list[Any])
assert_type(clf.best_loss_, float | None)

reg = MLPRegressor(loss="huber", learning_rate=schedules.Cosine(warmup=2), dtype="float64")
assert_type(reg.fit(X, y.astype(float), validation_data=(X, y)), MLPRegressor)
assert_type(reg.partial_fit(X, y), MLPRegressor)
assert_type(reg.predict(X), NDArray[np.floating[Any]])
assert_type(MLPRegressor(learning_rate=lambda epoch: 0.1 / (1 + epoch)), MLPRegressor)

perceptron = Perceptron(learning_rate=0.5, random_state=0)
assert_type(perceptron.fit(X, y), Perceptron)
assert_type(perceptron.set_params(max_iter=10), Perceptron)
assert_type(perceptron.score(X, y), float)
assert_type(perceptron.predict(X), NDArray[Any])
assert_type(perceptron.decision_function(X), NDArray[np.float64])
assert_type(perceptron.coef_, NDArray[np.float64])
assert_type(perceptron.errors_, list[int])

hidden = HiddenLayerTransformer(clf, layer=0)
assert_type(hidden.fit(X, y), HiddenLayerTransformer)
assert_type(hidden.set_params(layer=-1), HiddenLayerTransformer)
assert_type(hidden.fit_transform(X, y), NDArray[np.floating[Any]])
assert_type(hidden.transform(X), NDArray[np.floating[Any]])
assert_type(hidden.estimator_, BaseMultilayerPerceptron)
assert_type(hidden.get_feature_names_out(), NDArray[np.object_])

result = lr_find(MLPClassifier(), X, y, n_rates=4)
assert_type(result, LRFinderResult)
assert_type(result.suggested_rate, float)
assert_type(summary(clf, X), str)

assert_type(metrics.accuracy_score(y, y), float)
assert_type(metrics.confusion_matrix(y, y), NDArray[Any])
assert_type(metrics.f1_score(y, y, average="macro"), float | NDArray[np.float64])
assert_type(metrics.classification_report(y, y), str | dict[str, Any])
assert_type(metrics.r2_score(y, y), float | NDArray[np.float64])

state = schedules.TrainingState(epoch=0, samples_seen=0, max_iter=10)
assert_type(schedules.Step(step_size=5).rate(0.1, state), float)

assert_type(plot_loss_curve(clf), Axes)
assert_type(plot_confusion_matrix(y, y, normalize="true"), Axes)

nnfast.save(clf, "model.nnf")
assert_type(nnfast.load("model.nnf"), MLPClassifier | MLPRegressor | Perceptron)
