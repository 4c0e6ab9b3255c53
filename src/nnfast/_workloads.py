"""The benchmark workloads of DESIGN.md as data, their seeded data, and their FLOP counts.

Shared by ``python -m nnfast.bench`` (all contenders in one process, one table)
and the pytest-benchmark suite in the repository's ``bench/`` folder, whose
``workloads.py`` re-exports this module.

Every implementation does the same work on a workload: adam, alpha=1e-4, a fixed
number of epochs (tol=0, no early stopping, a patience longer than the fit), the
same batch size, shuffled minibatches, a fixed seed. ``estimator_params`` gives
those arguments for scikit-learn's and nnfast's estimators; the PyTorch contender
reads the same fields.

The data is synthetic and seeded, generated once per process and cached
read-only (``dataset``); float64 and float32 copies hold the same values up to
rounding. mnist_like uses a cheap numpy generator (noisy binary class prototypes
clipped to [0, 1], like pixels): ``make_classification`` takes several seconds
for 60000 x 784, which would dominate a smoke run.

Environment
-----------
NNFAST_BENCH_SCALE : float, default 1.0
    Multiplies every workload's n_samples (at least one batch is kept), for a
    slower machine or a quicker look; ``python -m nnfast.bench --scale`` overrides
    it. Epochs, batch size and layer sizes do not change, so a scaled workload is
    the same kind of fit on fewer rows. Results record n_samples, so scaled runs
    are not mistaken for full ones. The score floors hold down to 0.1; below that
    a fit has too few steps to pass them.

    The pytest smoke run (--benchmark-disable) keeps the full sizes rather than
    shrinking itself: all of it, scikit-learn's and PyTorch's fits included, takes
    about 30 s on 2 cores, and the full sizes are what the benchmarks claim to
    measure, so the smoke run checks exactly those fits.
"""

import dataclasses
import functools
import os

import numpy as np
from sklearn.datasets import make_classification, make_regression

SEED = 0
ALPHA = 1e-4
LEARNING_RATE = 1e-3


@dataclasses.dataclass(frozen=True)
class Workload:
    """One row of DESIGN.md's table of benchmark workloads.

    ``n_outputs`` is the number of classes for a classifier and of targets for a
    regressor. ``score_floor`` is the train score (accuracy or R^2) every
    contender must beat after the fit: far above chance, well below what a
    correct implementation reaches even at NNFAST_BENCH_SCALE=0.1 (at full size
    every contender reaches about 0.86, 0.98, 0.99 and 0.92), so that the smoke
    run catches a broken fit.
    """

    name: str
    n_samples: int
    n_features: int
    hidden: tuple
    n_outputs: int
    task: str  # "classification" or "regression"
    epochs: int
    batch_size: int
    score_floor: float
    activation: str = "relu"

    @property
    def layer_units(self):
        """Units per layer, input and output included, as the network has them.

        A binary classifier has one logistic output unit, as in scikit-learn.
        """
        out = 1 if self.task == "classification" and self.n_outputs == 2 else self.n_outputs
        return [self.n_features, *self.hidden, out]

    def estimator_params(self):
        """Arguments of scikit-learn's (and nnfast's) MLP estimators for this workload."""
        return dict(
            hidden_layer_sizes=self.hidden,
            activation=self.activation,
            solver="adam",
            alpha=ALPHA,
            learning_rate_init=LEARNING_RATE,
            batch_size=self.batch_size,
            max_iter=self.epochs,
            tol=0.0,
            n_iter_no_change=self.epochs + 1,
            early_stopping=False,
            shuffle=True,
            random_state=SEED,
        )

    def scaled(self, scale):
        """This workload on ``scale`` times the rows (at least one batch)."""
        if scale == 1.0:
            return self
        n_samples = max(self.batch_size, round(self.n_samples * scale))
        return dataclasses.replace(self, n_samples=n_samples)


WORKLOADS = [
    Workload("mnist_like", 60000, 784, (100,), 10, "classification", 2, 200, 0.4),
    Workload("tabular_small", 5000, 20, (64, 64), 2, "classification", 20, 200, 0.75),
    Workload("regression_mid", 20000, 50, (128, 64), 1, "regression", 5, 200, 0.8),
    Workload("deep_narrow", 10000, 32, (32, 32, 32, 32), 4, "classification", 10, 64, 0.6),
]


# The hidden activations of the per-activation workloads: regression_mid's network
# with each of them (issue #21: every activation within 1.3x of relu's fit).
# scikit-learn has the first four (with identity); the others are nnfast's own.
ACTIVATIONS = ("relu", "logistic", "tanh", "elu", "gelu", "silu", "softplus")
SKLEARN_ACTIVATIONS = ("identity", "logistic", "tanh", "relu")
# R^2 every contender beats after 5 epochs with each activation (at full size
# logistic, the slowest learner, reaches about 0.9; the others about 0.99)
ACTIVATION_SCORE_FLOOR = 0.6


def bench_scale():
    """NNFAST_BENCH_SCALE as a float (default 1.0); a clear error if it is not one."""
    raw = os.environ.get("NNFAST_BENCH_SCALE", "1.0")
    try:
        scale = float(raw)
    except ValueError:
        raise ValueError(f"NNFAST_BENCH_SCALE must be a positive float, got {raw!r}") from None
    if not scale > 0:
        raise ValueError(f"NNFAST_BENCH_SCALE must be a positive float, got {raw!r}")
    return scale


def workloads(scale=None):
    """The workloads, scaled by ``scale`` (default: NNFAST_BENCH_SCALE)."""
    scale = bench_scale() if scale is None else scale
    return [w.scaled(scale) for w in WORKLOADS]


def workload(name, scale=None):
    """The workload called ``name``, scaled as in ``workloads``."""
    for w in workloads(scale):
        if w.name == name:
            return w
    raise KeyError(f"no workload {name!r}; known: {[w.name for w in WORKLOADS]}")


def activation_workloads(scale=None, activations=ACTIVATIONS):
    """regression_mid's workload once per hidden activation, named
    "regression_mid/<activation>", scaled as in ``workloads``."""
    base = workload("regression_mid", scale)
    return [dataclasses.replace(base, name=f"{base.name}/{a}", activation=a,
                                score_floor=ACTIVATION_SCORE_FLOOR)
            for a in activations]


# ---------------------------------------------------------------- data


def _mnist_like(n_samples, n_features, n_classes, seed):
    """Pixel-like float32 data: a shared binary image, 5% of its pixels flipped
    per class, plus strong Gaussian noise, clipped to [0, 1]. Two epochs of the
    (100,) network reach about 0.86 train accuracy: learnable, not trivial."""
    rng = np.random.default_rng(seed)
    base = rng.random(n_features, dtype=np.float32) < 0.2
    prototypes = (base ^ (rng.random((n_classes, n_features), dtype=np.float32) < 0.05))
    y = rng.integers(0, n_classes, n_samples)
    X = rng.standard_normal((n_samples, n_features), dtype=np.float32)
    X *= np.float32(2.0)
    X += prototypes.astype(np.float32)[y]
    np.clip(X, 0.0, 1.0, out=X)
    return X, y


def _generate(w):
    """(X, y) of workload w in the generator's own dtype."""
    if w.name == "mnist_like":
        return _mnist_like(w.n_samples, w.n_features, w.n_outputs, SEED)
    if w.task == "classification":
        return make_classification(
            n_samples=w.n_samples,
            n_features=w.n_features,
            n_informative=w.n_features // 2,
            n_redundant=w.n_features // 4,
            n_classes=w.n_outputs,
            random_state=SEED,
        )
    X, y = make_regression(
        n_samples=w.n_samples,
        n_features=w.n_features,
        n_informative=w.n_features // 2,
        n_targets=w.n_outputs,
        noise=10.0,
        random_state=SEED,
    )
    # make_regression's targets have a standard deviation in the hundreds; an
    # unscaled target would make the five epochs a test of the learning rate.
    return X, (y - y.mean(axis=0)) / y.std(axis=0)


@functools.lru_cache(maxsize=None)
def _generated(w):
    return _generate(w)


def _data_key(w):
    """The fields that decide a workload's data (not its activation or floor)."""
    return dataclasses.replace(w, name=w.name.split("/")[0], activation="relu", score_floor=0.0)


@functools.lru_cache(maxsize=None)
def dataset(w, dtype):
    """Read-only (X, y) of workload w, X in ``dtype`` ("float32" or "float64").

    Generated once per process and cached per dtype. y holds integer labels
    0..n_classes-1 for a classifier and targets in ``dtype`` for a regressor.
    """
    X, y = _generated(_data_key(w))
    X = np.ascontiguousarray(X, dtype=dtype)
    y = y.astype(dtype) if w.task == "regression" else y.astype(np.int64)
    X.flags.writeable = False
    y.flags.writeable = False
    return X, y


# ---------------------------------------------------------------- FLOPs


def gemm_flops_per_sample_epoch(w):
    """GEMM FLOPs of one training sample in one epoch of workload w.

    Forward: 2 * fan_in * fan_out per layer. Backward: the same for the weight
    gradient and for the input gradient of every layer but the first (the data
    needs no gradient). Elementwise work (bias, activation, loss, optimizer) is
    not counted: it is O(units), not O(weights).
    """
    units = w.layer_units
    weights = [a * b for a, b in zip(units[:-1], units[1:])]
    forward = 2 * sum(weights)
    backward = 2 * sum(weights) + 2 * sum(weights[1:])
    return forward + backward


def fit_gemm_flops(w, n_samples=None):
    """GEMM FLOPs of a whole fit of workload w (epochs x samples x per-sample).

    ``n_samples`` defaults to the workload's; pass the n_samples a benchmark
    recorded to rate a scaled run.
    """
    n_samples = w.n_samples if n_samples is None else n_samples
    return w.epochs * n_samples * gemm_flops_per_sample_epoch(w)
