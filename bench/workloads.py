"""The benchmark workloads: defined in the package (nnfast._workloads), so that
``python -m nnfast.bench`` and this pytest-benchmark suite measure the same fits."""

from nnfast._workloads import (  # noqa: F401
    ALPHA,
    LEARNING_RATE,
    SEED,
    WORKLOADS,
    Workload,
    bench_scale,
    dataset,
    fit_gemm_flops,
    gemm_flops_per_sample_epoch,
    workload,
    workloads,
)
