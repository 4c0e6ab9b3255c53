"""The contenders every benchmark is parametrized over: nnfast, scikit-learn, PyTorch.

Each contender builds an estimator with ``fit``, ``predict``, ``score`` and
``n_iter_`` for a workload; the benchmarks never branch on the library. PyTorch is
optional: without it its contender is skipped with the reason, and everything else
runs.
"""

import dataclasses
import os
import warnings
from typing import Callable, Optional

import pytest
import sklearn.neural_network
from sklearn.metrics import accuracy_score, r2_score
from threadpoolctl import threadpool_info

import nnfast
from workloads import ALPHA, LEARNING_RATE, SEED

try:
    import torch
except ImportError:
    torch = None


def n_cpus():
    """CPUs this process may run on."""
    return len(os.sched_getaffinity(0))


def blas_threads():
    """Threads of every BLAS loaded in the process, keyed "folder/file" of the library.

    nnfast calls SciPy's BLAS, scikit-learn NumPy's (in wheels: scipy.libs/...
    and numpy.libs/...); both are listed when they are different libraries.
    """
    return {
        os.path.join(*lib["filepath"].split(os.sep)[-2:]): lib["num_threads"]
        for lib in threadpool_info()
        if lib["user_api"] == "blas"
    }


class TorchMLP:
    """The workload's network in PyTorch, trained as scikit-learn trains it.

    Linear+ReLU layers with scikit-learn's Glorot-uniform initialisation; Adam
    with scikit-learn's defaults (lr 1e-3, betas 0.9/0.999, eps 1e-8); the same
    loss (cross-entropy, binary cross-entropy on one logit, or half the squared
    error); a fresh permutation per epoch and a plain loop over index slices (no
    DataLoader); all CPUs. scikit-learn adds alpha/(2 * batch) * ||W||^2 to each
    minibatch loss, weights only, so Adam's coupled weight_decay is alpha /
    batch_size on the weights and 0 on the biases (the shorter last batch of an
    epoch differs slightly).
    """

    def __init__(self, workload):
        self.workload = workload

    def _network(self, generator):
        units = self.workload.layer_units
        layers = []
        for fan_in, fan_out in zip(units[:-1], units[1:]):
            linear = torch.nn.Linear(fan_in, fan_out)
            bound = (6.0 / (fan_in + fan_out)) ** 0.5
            torch.nn.init.uniform_(linear.weight, -bound, bound, generator=generator)
            torch.nn.init.uniform_(linear.bias, -bound, bound, generator=generator)
            layers += [linear, torch.nn.ReLU()]
        return torch.nn.Sequential(*layers[:-1])

    def _loss(self):
        w = self.workload
        if w.task == "regression":
            mse = torch.nn.MSELoss()
            return lambda out, target: 0.5 * mse(out, target)
        if w.n_outputs == 2:
            return torch.nn.BCEWithLogitsLoss()
        return torch.nn.CrossEntropyLoss()

    def _targets(self, y):
        w = self.workload
        y = _tensor(y)
        if w.task == "regression":
            return y.reshape(len(y), -1)
        if w.n_outputs == 2:
            return y.to(torch.float32).reshape(-1, 1)
        return y

    def fit(self, X, y):
        w = self.workload
        torch.set_num_threads(n_cpus())
        generator = torch.Generator().manual_seed(SEED)
        X, y = _tensor(X), self._targets(y)
        self.model_ = model = self._network(generator)
        weights = [layer.weight for layer in model if isinstance(layer, torch.nn.Linear)]
        biases = [layer.bias for layer in model if isinstance(layer, torch.nn.Linear)]
        optimizer = torch.optim.Adam(
            [
                {"params": weights, "weight_decay": ALPHA / w.batch_size},
                {"params": biases, "weight_decay": 0.0},
            ],
            lr=LEARNING_RATE,
            betas=(0.9, 0.999),
            eps=1e-8,
        )
        loss_fn = self._loss()
        n = X.shape[0]
        for _ in range(w.epochs):
            order = torch.randperm(n, generator=generator)
            for start in range(0, n, w.batch_size):
                batch = order[start : start + w.batch_size]
                optimizer.zero_grad(set_to_none=True)
                loss_fn(model(X[batch]), y[batch]).backward()
                optimizer.step()
        self.n_iter_ = w.epochs
        return self

    def predict(self, X):
        with torch.inference_mode():
            out = self.model_(_tensor(X))
        w = self.workload
        if w.task == "regression":
            return out.numpy().ravel() if w.n_outputs == 1 else out.numpy()
        if w.n_outputs == 2:
            return (out[:, 0] > 0).long().numpy()
        return out.argmax(dim=1).numpy()

    def score(self, X, y):
        metric = r2_score if self.workload.task == "regression" else accuracy_score
        return metric(y, self.predict(X))


def _tensor(a):
    """A tensor sharing a's memory; the cached arrays are read-only and are never
    written through it, which PyTorch warns about on every call."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="The given NumPy array is not writable")
        return torch.from_numpy(a)


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
