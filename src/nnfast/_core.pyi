# Stub of the compiled module _core.pyx (the Cython bridge to the C core).
# Keep in step with the `def` signatures there: tests/test_typing.py runs
# mypy's stubtest on it. Memoryview arguments take float32 or float64 arrays
# (a Cython fused type: all arrays of one call share the dtype).
from collections.abc import Sequence
from typing import Any, Final

import numpy as np
from numpy.typing import NDArray
from scipy.sparse import csr_matrix
from typing_extensions import disjoint_base

_Float = np.float32 | np.float64
_Real = NDArray[np.float32] | NDArray[np.float64]
# Dense C-contiguous rows, or CSR with int64 indices, in the network's dtype.
_Rows = _Real | csr_matrix

ACTIVATIONS: dict[str, int]
DEFAULT_ACTIVATION_PARAM: dict[str, float]
LOSSES: dict[str, int]
SOLVERS: dict[str, int]
ELEMENTARY: dict[str, int]
MAX_THREADS: Final[int]
MIN_ROWS_PER_THREAD: Final[int]

class NonFiniteError(FloatingPointError): ...
class NonFiniteInputError(ValueError): ...

def claim_threads(n: int) -> int: ...
def usable_cpus() -> int: ...
def gemm(
    c: _Real, a: _Real, b: _Real, trans_a: bool, trans_b: bool, alpha: float, beta: float,
    reference: bool = False,
) -> None: ...
def elementary(y: _Real, x: _Real, name: str) -> None: ...
def activation_forward(
    a: _Real, z: _Real, bias: _Real, act: str, param: float | None = None
) -> None: ...
def activation_backward(
    delta: _Real, z: _Real, a: _Real, act: str, param: float | None = None
) -> None: ...
def output_loss(
    delta: _Real, p: _Real, z: _Real, y: _Real, sample_weight: _Real | None, loss: str,
    delta_scale: float, loss_param: float = 1.0,
) -> float: ...
def dense_forward(
    z: _Real, a: _Real, inp: _Real, w: _Real, b: _Real, act: str, param: float | None = None
) -> None: ...
def dense_backward(
    dinp: _Real | None, dw: _Real, db: _Real, dout: _Real, inp: _Real, w: _Real
) -> None: ...
def sgd_step(
    params: _Real, velocity: _Real, grad: _Real, lr: float, momentum: float, nesterov: bool,
    l2: float, n_decay: int, l1: float = 0.0,
) -> float: ...
def adam_step(
    params: _Real, m: _Real, v: _Real, grad: _Real, lr: float, beta_1: float, beta_2: float,
    epsilon: float, t: int, l2: float, n_decay: int, l1: float = 0.0,
) -> float: ...
def clip_grad(grad: _Real, max_norm: float, max_value: float) -> float: ...
def perceptron_epoch(
    w: _Real, b: _Real, X: _Real, Y: _Real, order: NDArray[np.uintp], lr: float
) -> int: ...
def shuffle_indices(n: int, rng_state: NDArray[np.uint64]) -> NDArray[np.uintp]: ...
def seed_state(seed: int) -> NDArray[np.uint64]: ...

# cdef classes: their C layout rules out sharing a subclass with another such
# class (PEP 800).
@disjoint_base
class _Data: ...

@disjoint_base
class Network:
    """A network's shape plus reusable C buffers for batches of up to `capacity` rows."""

    @property
    def dtype(self) -> np.dtype[_Float]: ...
    @property
    def capacity(self) -> int: ...
    @property
    def n_params(self) -> int: ...
    @property
    def n_weights(self) -> int: ...
    def __init__(
        self,
        units: Sequence[int],
        activations: Sequence[str],
        loss: str,
        dtype: Any,
        capacity: int,
        activation_params: Sequence[float | None] | None = None,
        dropout: Sequence[float] | None = None,
        loss_param: float = 1.0,
    ) -> None: ...
    def predict(
        self, params: _Real, X: _Rows, n_threads: int = 1, finite: bool = False
    ) -> NDArray[Any]: ...
    def forward_all(self, params: _Real, X: _Rows) -> list[tuple[NDArray[Any], NDArray[Any]]]: ...
    def loss_grad(
        self,
        params: _Real,
        X: _Rows,
        Y: _Real,
        sample_weight: _Real | None,
        alpha: float,
        l1: float = 0.0,
        need_grad: bool = True,
        out: _Real | None = None,
        interruptible: bool = False,
    ) -> tuple[float, NDArray[Any] | None]: ...
    def train_epoch(
        self,
        params: _Real,
        opt_state: _Real,
        rng_state: NDArray[np.uint64],
        X: _Rows,
        Y: _Real,
        sample_weight: _Real | None,
        batch_size: int,
        shuffle: bool,
        solver: str,
        learning_rate: float,
        momentum: float = 0.9,
        nesterov: bool = True,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        epsilon: float = 1e-8,
        alpha: float = 0.0,
        l1: float = 0.0,
        clip_norm: float = 0.0,
        clip_value: float = 0.0,
        t: int = 0,
        grad_norms: NDArray[np.float64] | None = None,
        interruptible: bool = True,
        n_threads: int = 1,
    ) -> tuple[float, int, int, int]: ...
