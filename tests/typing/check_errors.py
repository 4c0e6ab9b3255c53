"""Calls a type checker must reject (mypy --strict --warn-unused-ignores).

Each wrong call carries ``# type: ignore[<code>]`` with the error mypy must
report on that line: with --warn-unused-ignores, an ignore that silences
nothing is itself an error, so this file passes only if every call here is
rejected with that code.
"""

import numpy as np

from nnfast import MLPClassifier, MLPRegressor, Perceptron, metrics

X = np.zeros((4, 3))
y = np.array([0, 1, 0, 1])

MLPClassifier(hidden_layer_sizes="100")  # type: ignore[arg-type]
MLPClassifier(hidden_layer_sizes=(100, "50"))  # type: ignore[arg-type]
MLPClassifier(solver="newton")  # type: ignore[arg-type]
MLPClassifier(activation="softmax")  # type: ignore[arg-type]
MLPClassifier(activation=["relu", "sine"])  # type: ignore[list-item]
MLPClassifier(dtype="float16")  # type: ignore[arg-type]
MLPClassifier(batch_size="half")  # type: ignore[arg-type]
MLPClassifier(100, "relu", "adam")  # type: ignore[call-arg]
MLPRegressor(loss="log_loss")  # type: ignore[arg-type]
MLPClassifier(learning_rat=0.1)  # type: ignore[call-arg]
Perceptron(max_iter="10")  # type: ignore[arg-type]

proba: "np.ndarray[tuple[int], np.dtype[np.int64]]"
proba = MLPClassifier().fit(X, y).predict_proba(X)  # type: ignore[assignment]
metrics.f1_score(y, y, average="mean")  # type: ignore[arg-type]
Perceptron().set_params(max_iter=5).fit(X, "labels", 1)  # type: ignore[call-arg]
