"""Fit time of regression_mid's network with each hidden activation (issue #21:
each within 1.3x of the relu fit, tanh and logistic well ahead of scikit-learn's).

One benchmark group per activation; nnfast in float32 and float64, scikit-learn
(float32 input) for the activations it has. As in test_fit.py, each fit runs the
workload's epochs and must beat its score floor, so the smoke run
(--benchmark-disable) checks every activation's fit.
"""

import pytest

from contenders import CONTENDERS, contender_params
from nnfast._workloads import activation_workloads
from workloads import dataset

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

# PyTorch's contender builds ReLU networks only. scikit-learn's fits take
# seconds each in the smoke run: its float32 fit of the two activations #21
# compares (python -m nnfast.bench times the rest).
SKLEARN_COMPARED = ("logistic", "tanh")
ACTIVATION_CONTENDERS = [c for c in CONTENDERS if c.name in
                         ("nnfast-float32", "nnfast-float64", "sklearn-float32")]


@pytest.mark.parametrize("contender", contender_params(ACTIVATION_CONTENDERS))
@pytest.mark.parametrize("workload", activation_workloads(), ids=lambda w: w.activation)
def test_fit_activation(benchmark, workload, contender, fit_rounds):
    if contender.library == "scikit-learn" and workload.activation not in SKLEARN_COMPARED:
        pytest.skip(f"scikit-learn is timed on {', '.join(SKLEARN_COMPARED)} here "
                    "(relu in test_fit.py)")
    X, y = dataset(workload, contender.dtype)
    benchmark.group = workload.name

    model = benchmark.pedantic(
        lambda: contender.make(workload).fit(X, y), rounds=fit_rounds, iterations=1
    )

    score = model.score(X, y)
    benchmark.extra_info.update(
        workload=workload.name,
        activation=workload.activation,
        n_samples=workload.n_samples,
        hidden=list(workload.hidden),
        epochs=workload.epochs,
        batch_size=workload.batch_size,
        dtype=contender.dtype,
        contender=contender.name,
        threads=contender.threads(),
        train_score=score,
    )
    assert model.n_iter_ == workload.epochs
    assert score > workload.score_floor, (
        f"{contender.name} with {workload.activation}: train R^2 {score:.4f} "
        f"is not above the floor {workload.score_floor}"
    )

