"""Fit time of every workload by every contender; one benchmark group per workload.

Each fit does the workload's fixed number of epochs; afterwards the train score
must beat the workload's floor, so that the smoke run (--benchmark-disable) is a
correctness check of every contender on every workload.
"""

import pytest

from contenders import benchmark_fit, contender_params
from workloads import fit_gemm_flops, workloads

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


@pytest.mark.parametrize("contender", contender_params())
@pytest.mark.parametrize("workload", workloads(), ids=lambda w: w.name)
def test_fit(benchmark, workload, contender, fit_rounds):
    benchmark.group = workload.name
    benchmark_fit(benchmark, workload, contender, fit_rounds,
                  n_features=workload.n_features, n_outputs=workload.n_outputs,
                  gemm_flops=fit_gemm_flops(workload))
