"""The contenders every benchmark is parametrized over: nnfast, scikit-learn, PyTorch.

Each contender builds an estimator with ``fit``, ``predict``, ``score`` and
``n_iter_`` for a workload; the benchmarks never branch on the library. PyTorch is
optional: without it its contender is skipped with the reason, and everything else
runs. The PyTorch training loop lives in nnfast.bench, which ``python -m nnfast.bench``
runs too, so both measure the same code.
"""

import dataclasses
from typing import Callable, Optional

import pytest
import sklearn.neural_network

import nnfast
from nnfast.bench import TorchMLP, blas_threads
from workloads import dataset

try:
    import torch
except ImportError:
    torch = None


@dataclasses.dataclass(frozen=True)
class Contender:
    """A library at a compute dtype; ``make(workload)`` returns an unfitted estimator."""

    name: str
    library: str
    dtype: str
    make: Callable
    missing: Optional[str] = None  # why it cannot run here, or None

    def threads(self):
        """Thread counts that bear on this contender's speed."""
        if self.library == "torch":
            return {"torch": torch.get_num_threads()}
        return blas_threads()


def _sklearn_like(module, **extra):
    def make(workload):
        cls = module.MLPRegressor if workload.task == "regression" else module.MLPClassifier
        return cls(**workload.estimator_params(), **extra)

    return make


CONTENDERS = [
    Contender("nnfast-float32", "nnfast", "float32", _sklearn_like(nnfast, dtype="float32")),
    Contender("nnfast-float64", "nnfast", "float64", _sklearn_like(nnfast, dtype="float64")),
    Contender("sklearn-float32", "scikit-learn", "float32", _sklearn_like(sklearn.neural_network)),
    Contender("sklearn-float64", "scikit-learn", "float64", _sklearn_like(sklearn.neural_network)),
    Contender(
        "torch-float32",
        "torch",
        "float32",
        TorchMLP,
        missing=None if torch is not None else "PyTorch is not installed (optional contender)",
    ),
]


def contender_params(contenders=CONTENDERS):
    """pytest parameters for contenders; the ones that cannot run here skip, saying why."""
    return [
        pytest.param(c, id=c.name, marks=[pytest.mark.skip(reason=c.missing)] if c.missing else [])
        for c in contenders
    ]


def benchmark_fit(benchmark, workload, contender, fit_rounds, **extra_info):
    """Time ``fit_rounds`` fits of workload by contender, record them with
    extra_info, and check the last one: it ran the workload's epochs and its
    train score beats the workload's floor (so the smoke run checks every fit)."""
    X, y = dataset(workload, contender.dtype)
    model = benchmark.pedantic(
        lambda: contender.make(workload).fit(X, y), rounds=fit_rounds, iterations=1
    )
    score = model.score(X, y)
    benchmark.extra_info.update(
        workload=workload.name,
        n_samples=workload.n_samples,
        hidden=list(workload.hidden),
        epochs=workload.epochs,
        batch_size=workload.batch_size,
        dtype=contender.dtype,
        contender=contender.name,
        threads=contender.threads(),
        train_score=score,
        **extra_info,
    )
    assert model.n_iter_ == workload.epochs, (
        f"{contender.name} stopped after {model.n_iter_} of {workload.epochs} epochs"
    )
    metric = "R^2" if workload.task == "regression" else "accuracy"
    assert score > workload.score_floor, (
        f"{contender.name} on {workload.name}: train {metric} {score:.4f} "
        f"is not above the floor {workload.score_floor}"
    )
    return model
