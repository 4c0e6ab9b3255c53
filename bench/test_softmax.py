"""The softmax output and log loss over 100 classes (issue #21: they use the
core's vectorised exp and log, csrc/vmath.h).

One minibatch of 200 rows x 100 classes through nnfast's fused output kernel
(softmax, the loss sum and the delta p - y, `_core.output_loss`) against the
same three results in NumPy/SciPy. Each round checks nnfast's against NumPy's,
so the smoke run (--benchmark-disable) is a correctness check too.
"""

import numpy as np
import pytest
from numpy.testing import assert_allclose
from scipy.special import log_softmax

from nnfast import _core

ROWS, CLASSES = 200, 100
TOLERANCE = {np.float32: 1e-5, np.float64: 1e-12}


def batch(dtype):
    rng = np.random.default_rng(0)
    z = (3 * rng.standard_normal((ROWS, CLASSES))).astype(dtype)
    y = np.eye(CLASSES, dtype=dtype)[rng.integers(0, CLASSES, ROWS)]
    return z, y


def nnfast_softmax_loss(z, y):
    p, delta = np.empty_like(z), np.empty_like(z)
    loss = _core.output_loss(delta, p, z, y, None, "log_loss", 1.0)
    return loss, p, delta


def numpy_softmax_loss(z, y):
    log_p = log_softmax(z, axis=1)
    p = np.exp(log_p)
    return float(-(y * log_p).sum()), p, p - y


@pytest.mark.parametrize("library", ["nnfast", "numpy"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
def test_softmax_log_loss_100_classes(benchmark, library, dtype):
    z, y = batch(dtype)
    benchmark.group = f"softmax + log loss, {ROWS} x {CLASSES}, {np.dtype(dtype).name}"
    run = nnfast_softmax_loss if library == "nnfast" else numpy_softmax_loss
    loss, p, delta = benchmark(run, z, y)

    ref_loss, ref_p, ref_delta = numpy_softmax_loss(z.astype(np.float64), y.astype(np.float64))
    rtol = TOLERANCE[dtype]
    assert loss == pytest.approx(ref_loss, rel=rtol), f"{library}: loss {loss} vs {ref_loss}"
    assert_allclose(p, ref_p, rtol=rtol, atol=rtol * 1e-3, err_msg=f"{library}: softmax")
    assert_allclose(delta, ref_delta, rtol=rtol, atol=rtol * 1e-3, err_msg=f"{library}: delta")
