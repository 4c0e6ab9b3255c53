"""Fit time of every workload by every contender; one benchmark group per workload.

Each fit does the workload's fixed number of epochs; afterwards the train score
must beat the workload's floor, so that the smoke run (--benchmark-disable) is a
correctness check of every contender on every workload.
"""

import pytest

from contenders import contender_params
from workloads import dataset, fit_gemm_flops, workloads

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


@pytest.mark.parametrize("contender", contender_params())
@pytest.mark.parametrize("workload", workloads(), ids=lambda w: w.name)
def test_fit(benchmark, workload, contender, fit_rounds):
    X, y = dataset(workload, contender.dtype)
    benchmark.group = workload.name

    model = benchmark.pedantic(
        lambda: contender.make(workload).fit(X, y), rounds=fit_rounds, iterations=1
    )

    score = model.score(X, y)
    benchmark.extra_info.update(
        workload=workload.name,
        n_samples=workload.n_samples,
        n_features=workload.n_features,
        hidden=list(workload.hidden),
        n_outputs=workload.n_outputs,
        epochs=workload.epochs,
        batch_size=workload.batch_size,
        dtype=contender.dtype,
        contender=contender.name,
        threads=contender.threads(),
        gemm_flops=fit_gemm_flops(workload),
        train_score=score,
    )
    assert model.n_iter_ == workload.epochs, (
        f"{contender.name} stopped after {model.n_iter_} of {workload.epochs} epochs"
    )
    metric = "R^2" if workload.task == "regression" else "accuracy"
    assert score > workload.score_floor, (
        f"{contender.name} on {workload.name}: train {metric} {score:.4f} "
        f"is not above the floor {workload.score_floor}"
    )
