# Stub of the compiled module _metrics.pyx (counting kernels of nnfast.metrics).
# Keep in step with the `def` signatures there: tests/test_typing.py runs
# mypy's stubtest on it.
from typing import Final

import numpy as np
from numpy.typing import NDArray

_I64 = NDArray[np.int64]
_F64 = NDArray[np.float64]
_Bool = NDArray[np.bool_]

MAX_TABLE_CELLS: Final[int]

def label_range(y: _I64) -> tuple[int, int]: ...
def confusion_count(
    y_true: _I64, y_pred: _I64, sample_weight: _F64 | None, offset: int, K: int,
    counts: bool = True, weighted: bool = False,
) -> tuple[_I64 | None, _F64 | None]: ...
def class_sums(
    y_true: _I64, y_pred: _I64, sample_weight: _F64 | None, offset: int, K: int,
    seen: bool = False,
) -> tuple[_F64, _F64, _F64, _Bool | None]: ...
def count_equal(y_true: _I64, y_pred: _I64, sample_weight: _F64 | None) -> float: ...
def multilabel_sums(
    Y_true: NDArray[np.uint8], Y_pred: NDArray[np.uint8], sample_weight: _F64 | None,
    samplewise: bool = False, exact: bool = False,
) -> tuple[_F64, _F64, _F64, _Bool | None]: ...
def regression_sums(
    y_true: _F64, y_pred: _F64, sample_weight: _F64 | None, center: _F64 | None = None,
    squared: bool = True, absolute: bool = False,
) -> tuple[_F64 | None, _F64 | None, _F64 | None] | None: ...
