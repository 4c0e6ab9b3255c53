"""The GEMM floor times the products a fit counts, and prints its table."""

import numpy as np
import pytest

import gemm_floor
from nnfast import _workloads


@pytest.mark.parametrize("w", _workloads.WORKLOADS, ids=lambda w: w.name)
@pytest.mark.parametrize("rows", [1, 100, 200])
def test_products_are_the_fits_flops(w, rows):
    # the floor must time the GEMM FLOPs the bench rates fits by (nnfast._workloads)
    products = gemm_floor.minibatch_products(w.layer_units, rows)
    assert gemm_floor.flops(products) == rows * _workloads.gemm_flops_per_sample_epoch(w)


def test_products_have_the_shapes_of_backpropagation():
    shapes = gemm_floor.minibatch_products([5, 4, 3], 7)
    assert shapes == [
        (7, 4, 5, False, False), (7, 3, 4, False, False),  # forward
        (5, 4, 7, True, False),  # first layer's weight gradient: X^T @ deltas
        (4, 3, 7, True, False), (7, 4, 3, False, True),  # second: gradient, deltas back
    ]


def test_short_products_have_no_floor():
    assert gemm_floor._products_only(1.0, 10, 1e-3) == pytest.approx(0.99)
    assert np.isnan(gemm_floor._products_only(1.0, 100, 1e-3))


def test_table_has_a_fit_and_a_predict_row(monkeypatch, capsys):
    monkeypatch.setenv("NNFAST_BENCH_SCALE", "0.02")
    monkeypatch.setattr(gemm_floor.bench, "WARMUP_SECONDS", 0.0)
    monkeypatch.setattr(gemm_floor.bench, "SETTLE_SECONDS", 0.0)
    assert gemm_floor.main(["--workloads", "mnist_like", "--repeat", "1"]) == 0
    lines = capsys.readouterr().out.splitlines()
    rows = lines[lines.index(next(l for l in lines if l.startswith("---"))) + 1:]
    assert [r.split()[:2] for r in rows] == [["mnist_like", "fit"], ["mnist_like", "predict"]]
    for row in rows:
        goal = float(row.split("(/")[0].split()[-1])
        other = float(row.split("(/")[0].split()[-2])
        divisor = float(row.split("(/")[1].split(")")[0])
        assert goal == pytest.approx(other / divisor, abs=1e-4)
