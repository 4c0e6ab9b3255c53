"""Fit time of regression_mid's network with each hidden activation (issue #21:
each within 1.3x of the relu fit, tanh and logistic well ahead of scikit-learn's).

One benchmark group per activation; nnfast in float32 and float64, scikit-learn
(float32 input) for the activations it has. As in test_fit.py, each fit runs the
workload's epochs and must beat its score floor, so the smoke run
(--benchmark-disable) checks every activation's fit.
"""

import pytest

from contenders import CONTENDERS, benchmark_fit, contender_params
from nnfast._workloads import activation_workloads

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
    benchmark.group = workload.name
    benchmark_fit(benchmark, workload, contender, fit_rounds, activation=workload.activation)
