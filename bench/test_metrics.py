"""Metric time on 10^6 samples: nnfast.metrics vs sklearn.metrics.

One group per metric, contenders "nnfast" and "scikit-learn"; the speedup is the
ratio of the two rows of a group (min against min). Labels are int64 as a
classifier's predict gives them: 10 classes (70 % predicted right) for the
multiclass groups, 0/1 for the binary one; regression targets are float64.
Every benchmark also checks that the two libraries give the same answer. Timing
uses pytest-benchmark's own calibration: one call takes milliseconds.
"""

import numpy as np
import pytest
import sklearn.metrics

import nnfast.metrics

N = 10**6
N_CLASSES = 10
SEED = 0

CONTENDERS = {"nnfast": nnfast.metrics, "scikit-learn": sklearn.metrics}


def _labels(n_classes):
    rng = np.random.default_rng(SEED)
    y_true = rng.integers(0, n_classes, N)
    right = rng.random(N) < 0.7
    y_pred = np.where(right, y_true, rng.integers(0, n_classes, N))
    return y_true, y_pred


def _targets():
    rng = np.random.default_rng(SEED)
    y_true = rng.normal(size=N)
    return y_true, y_true + rng.normal(scale=0.3, size=N)


@pytest.fixture(scope="module")
def data():
    return {"multiclass": _labels(N_CLASSES), "binary": _labels(2), "regression": _targets()}


# group -> (data set, metric, keyword arguments, how results must agree)
CASES = {
    "confusion_matrix 1e6": ("multiclass", "confusion_matrix", {}, "equal"),
    "f1_score macro 1e6": ("multiclass", "f1_score", {"average": "macro"}, "close"),
    "f1_score binary 1e6": ("binary", "f1_score", {}, "close"),
    "accuracy_score 1e6": ("multiclass", "accuracy_score", {}, "close"),
    "mean_squared_error 1e6": ("regression", "mean_squared_error", {}, "close"),
    "r2_score 1e6": ("regression", "r2_score", {}, "close"),
}


@pytest.mark.parametrize("contender", list(CONTENDERS))
@pytest.mark.parametrize("group", list(CASES))
def test_metric(benchmark, data, group, contender):
    kind, name, kwargs, agree = CASES[group]
    y_true, y_pred = data[kind]
    benchmark.group = group
    benchmark.extra_info.update(
        n=N, metric=name, contender=contender, kwargs=kwargs,
        n_classes=None if kind == "regression" else len(np.unique(y_true)),
    )

    result = benchmark(getattr(CONTENDERS[contender], name), y_true, y_pred, **kwargs)

    expected = getattr(sklearn.metrics, name)(y_true, y_pred, **kwargs)
    if agree == "equal":
        assert np.array_equal(result, expected), f"{group}: {contender} differs from scikit-learn"
    else:
        assert abs(result - expected) <= 1e-12 * max(1.0, abs(expected)), (
            f"{group}: {contender} gave {result!r}, scikit-learn {expected!r}"
        )
