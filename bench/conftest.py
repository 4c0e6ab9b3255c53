"""Options and report header of the benchmark suite.

``pytest bench --benchmark-disable`` is CI's smoke test: every benchmark runs once
and checks the fitted model. Real numbers come from a quiet run, for example::

    pytest bench --fit-rounds=5 --benchmark-save=NAME
    pytest bench --fit-rounds=5 --benchmark-compare --benchmark-columns=min,mean,rounds

Fits run ``--fit-rounds`` times (benchmark.pedantic: a fit of mnist_like takes
seconds, pytest-benchmark's calibration would repeat it dozens of times);
predictions use pytest-benchmark's own calibration and options.
NNFAST_BENCH_SCALE scales the number of rows (see workloads.py).

``python -m nnfast.bench`` runs the same workloads and contenders in one process
and prints one table of times, ratios and % of the GEMM rate.
"""

import pytest

from nnfast.bench import blas_threads, n_cpus
from workloads import bench_scale


def pytest_addoption(parser):
    group = parser.getgroup("nnfast bench")
    group.addoption(
        "--fit-rounds",
        type=int,
        default=3,
        help="rounds of every fit benchmark (default 3; --benchmark-disable runs it once)",
    )


def pytest_report_header(config):
    return (
        f"nnfast bench: NNFAST_BENCH_SCALE={bench_scale()}, {n_cpus()} CPUs, "
        f"BLAS threads {blas_threads()}"
    )


@pytest.fixture
def fit_rounds(request):
    return request.config.getoption("fit_rounds")
