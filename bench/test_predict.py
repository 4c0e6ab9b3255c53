"""Prediction time of an mnist_like network (784-100-10): all its rows, and one row.

The networks are fitted once per contender on the first N_FIT rows (prediction
costs the same whatever the weights), then predict the whole data set, whose
accuracy must beat the workload's floor, and a single row, which must get the
label the batch gave it. Timing uses pytest-benchmark's own calibration: a
prediction is short enough to repeat.
"""

import numpy as np
import pytest

from contenders import contender_params
from workloads import dataset, workload

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

MNIST = workload("mnist_like")
N_FIT = min(MNIST.n_samples, 10000)


@pytest.fixture(scope="module")
def fitted():
    """fitted(contender) -> that contender's mnist_like model, fitted once."""
    models = {}

    def get(contender):
        if contender.name not in models:
            X, y = dataset(MNIST, contender.dtype)
            models[contender.name] = contender.make(MNIST).fit(X[:N_FIT], y[:N_FIT])
        return models[contender.name]

    return get


def _record(benchmark, contender, n_rows):
    benchmark.extra_info.update(
        workload=MNIST.name,
        n_samples=n_rows,
        n_features=MNIST.n_features,
        hidden=list(MNIST.hidden),
        n_outputs=MNIST.n_outputs,
        dtype=contender.dtype,
        contender=contender.name,
        threads=contender.threads(),
    )


@pytest.mark.parametrize("contender", contender_params())
def test_predict_all_rows(benchmark, contender, fitted):
    model = fitted(contender)
    X, y = dataset(MNIST, contender.dtype)
    benchmark.group = f"predict {MNIST.name} {MNIST.n_samples} rows"

    labels = benchmark(model.predict, X)

    accuracy = float(np.mean(labels == y))
    _record(benchmark, contender, len(X))
    benchmark.extra_info["accuracy"] = accuracy
    assert accuracy > MNIST.score_floor, (
        f"{contender.name}: accuracy {accuracy:.4f} on {len(X)} rows is not above "
        f"the floor {MNIST.score_floor}"
    )


@pytest.mark.parametrize("contender", contender_params())
def test_predict_one_row(benchmark, contender, fitted):
    model = fitted(contender)
    X, _ = dataset(MNIST, contender.dtype)
    row = X[:1]
    benchmark.group = f"predict {MNIST.name} 1 row"

    label = benchmark(model.predict, row)

    _record(benchmark, contender, 1)
    expected = model.predict(X[:1000])[0]
    assert label.shape == (1,) and label[0] == expected, (
        f"{contender.name}: one-row predict gave {label}, the batch gave {expected}"
    )
