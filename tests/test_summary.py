"""summary(): the network as a text table.

One row per layer with its units, activation, weight shape and parameter count
(known once fitted); weight statistics when fitted; given X, activation
statistics per hidden layer with dead ReLU units (never active on X) and
saturated logistic/tanh units (within 1% of the range from a bound on at least
95% of the rows).
"""

import re

import numpy as np
import pytest
from sklearn.datasets import make_classification
from sklearn.exceptions import NotFittedError
from sklearn.preprocessing import StandardScaler

from nnfast import MLPClassifier, MLPRegressor

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def _data(n_classes=3):
    X, y = make_classification(n_samples=150, n_features=6, n_informative=4, n_redundant=0,
                               n_classes=n_classes, n_clusters_per_class=1, random_state=0)
    return StandardScaler().fit_transform(X), y


def _table(text, header_start):
    """The rows (lists of cells) of the table whose header starts with header_start."""
    lines = text.splitlines()
    starts = [i for i, line in enumerate(lines) if line.split()[:1] == [header_start]
              and i + 1 < len(lines) and set(lines[i + 1].replace(" ", "")) == {"-"}]
    assert starts, f"no table headed {header_start!r} in:\n{text}"
    rows = []
    for line in lines[starts[0] + 2:]:
        if not line.strip() or not line.split()[0].isdigit():
            break
        rows.append(line.split())
    return lines[starts[0]].split(), rows


def _layer_rows(text):
    header, rows = _table(text, "layer")
    assert header == ["layer", "units", "activation", "weights", "params"], header
    return rows


def _activation_rows(text):
    marker = text.index("activations over")
    header, rows = _table(text[marker:], "layer")
    assert header[-4:] == ["dead", "units", "saturated", "units"], header
    return rows


def _count(cell):
    """'3/50' -> (3, 50)."""
    dead, total = cell.split("/")
    return int(dead), int(total)


# ---------------------------------------------------------------- unfitted


def test_unfitted_summary_shows_hidden_sizes_and_activations():
    text = MLPClassifier(hidden_layer_sizes=(5, 4), activation=["tanh", "logistic"]).summary()
    assert "not fitted" in text
    rows = _layer_rows(text)
    assert [row[:3] for row in rows] == [["1", "5", "tanh"], ["2", "4", "logistic"],
                                         ["3", "?", "?"]], text
    assert [row[3] for row in rows] == ["?x5", "5x4", "4x?"], text
    assert all(row[4] == "?" for row in rows), "unfitted parameter counts are not unknown"


@pytest.mark.parametrize("hidden, expected", [(7, [["1", "7", "relu"], ["2", "?", "?"]]),
                                              ((), [["1", "?", "?"]])])
def test_unfitted_summary_of_an_int_or_empty_hidden_layer_sizes(hidden, expected):
    text = MLPRegressor(hidden_layer_sizes=hidden).summary()
    assert [row[:3] for row in _layer_rows(text)] == expected, text


def test_unfitted_summary_resolves_activation_aliases():
    text = MLPClassifier(hidden_layer_sizes=(3,), activation="sigmoid").summary()
    assert _layer_rows(text)[0][2] == "logistic", text


def test_summary_with_X_on_an_unfitted_model_raises_not_fitted():
    X, _ = _data()
    with pytest.raises(NotFittedError):
        MLPClassifier().summary(X)


# ---------------------------------------------------------------- fitted


@pytest.mark.parametrize("Estimator, hidden, n_classes", [
    (MLPClassifier, (50, 40), 3), (MLPClassifier, (1000,), 2), (MLPRegressor, (9, 8, 7), 3),
])
def test_fitted_parameter_counts_are_the_sizes_of_coefs_and_intercepts(Estimator, hidden,
                                                                       n_classes):
    X, y = _data(n_classes)
    model = Estimator(hidden_layer_sizes=hidden, max_iter=3, random_state=0).fit(X, y)
    text = model.summary()
    assert "(fitted, float32)" in text
    rows = _layer_rows(text)
    expected = [W.size + b.size for W, b in zip(model.coefs_, model.intercepts_)]
    counts = [int(row[4].replace(",", "")) for row in rows]
    assert counts == expected, f"parameter counts {counts}, coefs_/intercepts_ sizes {expected}"
    shapes = [row[3] for row in rows]
    assert shapes == [f"{W.shape[0]}x{W.shape[1]}" for W in model.coefs_], shapes
    total = re.search(r"total parameters: ([\d,]+)", text)
    assert total, text
    assert int(total.group(1).replace(",", "")) == sum(expected) == model._params.size


def test_fitted_summary_names_the_output_activation_and_dtype():
    X, y = _data()
    model = MLPClassifier(hidden_layer_sizes=(5,), activation="tanh", max_iter=3,
                          dtype="float64", random_state=0).fit(X, y)
    text = model.summary()
    assert text.splitlines()[0].endswith("(fitted, float64): 6 inputs, 1 hidden layer"), text
    assert [row[2] for row in _layer_rows(text)] == ["tanh", "softmax"]


def test_weight_statistics_are_those_of_coefs_and_intercepts():
    X, y = _data()
    model = MLPClassifier(hidden_layer_sizes=(20,), max_iter=3, random_state=0).fit(X, y)
    model.coefs_[0][:3, :] = 0.0  # 3 of 6 input rows: half the first layer's weights
    _, rows = _table(model.summary().split("total parameters")[1], "layer")
    first = rows[0]
    W, b = model.coefs_[0], model.intercepts_[0]
    assert first[4] == "50.0%", f"'W == 0' column {first[4]}"
    assert float(first[1]) == pytest.approx(W.mean(), rel=1e-2, abs=1e-6)
    assert float(first[2]) == pytest.approx(W.std(), rel=1e-2)
    assert float(first[3]) == pytest.approx(np.abs(W).max(), rel=1e-2)
    assert float(first[5]) == pytest.approx(b.mean(), rel=1e-2, abs=1e-6)
    assert float(first[6]) == pytest.approx(b.std(), rel=1e-2)


def test_summary_without_X_has_no_activation_statistics():
    X, y = _data()
    model = MLPClassifier(hidden_layer_sizes=(5,), max_iter=3, random_state=0).fit(X, y)
    assert "activations over" not in model.summary()
    assert "activations over 150 rows of X" in model.summary(X)


# ---------------------------------------------------------------- dead and saturated units


def _relu_model():
    X, y = _data()
    model = MLPClassifier(hidden_layer_sizes=(50, 40), max_iter=30, random_state=0).fit(X, y)
    return model, X


@pytest.mark.parametrize("k", [0, 1, 7])
def test_summary_counts_exactly_the_relu_units_killed(k):
    model, X = _relu_model()
    alive = np.flatnonzero(np.any(model.forward(X)[0].pre_activation > 0, axis=0))
    assert alive.size == 50, "precondition: every first-layer unit is active on some row"
    model.coefs_[0][:, :k] = 0.0
    model.intercepts_[0][:k] = -10.0  # never active: these are views into the parameters
    rows = _activation_rows(model.summary(X))
    assert _count(rows[0][4]) == (k, 50), f"first layer dead units {rows[0][4]}, expected {k}/50"
    assert [row[5] for row in rows] == ["-", "-"], "relu units reported as saturated"


def test_a_unit_active_on_a_single_row_is_not_dead():
    model, X = _relu_model()
    model.coefs_[0][:, 0] = 0.0
    model.coefs_[0][0, 0] = 1.0
    model.intercepts_[0][0] = -X[:, 0].max() + 1e-3  # positive on the row of X[:, 0].max()
    assert np.sum(model.forward(X)[0].pre_activation[:, 0] > 0) == 1
    assert _count(_activation_rows(model.summary(X))[0][4]) == (0, 50)


@pytest.mark.parametrize("activation, bias", [("logistic", 10.0), ("logistic", -10.0),
                                              ("tanh", 10.0), ("tanh", -10.0)])
@pytest.mark.parametrize("k", [0, 4])
def test_summary_counts_exactly_the_units_pushed_to_a_bound(activation, bias, k):
    X, y = _data()
    model = MLPClassifier(hidden_layer_sizes=(30, 20), activation=activation, max_iter=30,
                          random_state=0).fit(X, y)
    assert _count(_activation_rows(model.summary(X))[0][5]) == (0, 30), (
        "precondition: no first-layer unit is saturated after fitting")
    model.coefs_[0][:, :k] = 0.0
    model.intercepts_[0][:k] = bias
    rows = _activation_rows(model.summary(X))
    assert _count(rows[0][5]) == (k, 30), f"saturated units {rows[0][5]}, expected {k}/30"
    assert [row[4] for row in rows] == ["-", "-"], f"{activation} units reported as dead"


@pytest.mark.parametrize("n_saturated, counted", [(94, 0), (95, 1), (100, 1)])
def test_a_unit_counts_as_saturated_from_95_percent_of_the_rows(n_saturated, counted):
    X, y = _data()
    model = MLPClassifier(hidden_layer_sizes=(30,), activation="logistic", max_iter=30,
                          random_state=0).fit(X, y)
    # unit 0 is sigmoid(10 - 10 x0): saturated where x0 = 0, 0.5 where x0 = 1
    model.coefs_[0][:, 0] = 0.0
    model.coefs_[0][0, 0] = -10.0
    model.intercepts_[0][0] = 10.0
    X_eval = X[:100].copy()
    X_eval[:, 0] = np.where(np.arange(100) < n_saturated, 0.0, 1.0)
    values = model.forward(X_eval)[0].activation[:, 0]
    assert np.sum(values >= 0.99) == n_saturated and np.all((values >= 0.99) | (values == 0.5))
    got = _count(_activation_rows(model.summary(X_eval))[0][5])[0]
    model.intercepts_[0][0] = 0.0  # unit 0 no longer saturated anywhere
    others = _count(_activation_rows(model.summary(X_eval))[0][5])[0]
    assert got == others + counted, (
        f"{n_saturated}/100 rows saturated: {got - others} counted, expected {counted}")


def test_mixed_activations_report_dead_and_saturated_per_layer():
    X, y = _data()
    model = MLPClassifier(hidden_layer_sizes=(10, 8, 6), activation=["relu", "tanh", "identity"],
                          max_iter=30, random_state=0).fit(X, y)
    model.coefs_[1][:, :2] = 0.0
    model.intercepts_[1][:2] = 10.0
    rows = _activation_rows(model.summary(X))
    assert [row[1] for row in rows] == ["relu", "tanh", "identity"]
    assert rows[0][5] == "-" and rows[1][4] == "-" and rows[2][4:] == ["-", "-"], rows
    assert _count(rows[1][5]) == (2, 8), f"tanh layer saturated units {rows[1][5]}"
