# The types nnfast's public signatures are written in: a stub with no module
# behind it. The other modules import it under ``typing.TYPE_CHECKING`` only
# (their annotations are strings: ``from __future__ import annotations``), so
# nothing here runs when nnfast is imported or called. The string options are
# ``Literal`` types of the values the estimators' parameter validation accepts.

from collections.abc import Callable, Sequence
from typing import Any, Literal, TypeAlias, TypeVar

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.sparse import sparray, spmatrix

# X: dense array-likes (lists, ndarrays, DataFrames) or a SciPy sparse matrix.
MatrixLike: TypeAlias = ArrayLike | spmatrix | sparray
# Outputs come in the input's float dtype (float32 stays float32) or float64.
FloatArray: TypeAlias = NDArray[np.floating[Any]]
# predict's labels take the dtype of the classes seen in fit.
LabelArray: TypeAlias = NDArray[Any]

HiddenActivation: TypeAlias = Literal[
    "identity", "logistic", "sigmoid", "tanh", "relu", "leaky_relu", "elu", "gelu",
    "silu", "swish", "softplus",
]
Solver: TypeAlias = Literal["lbfgs", "sgd", "adam"]
ScheduleName: TypeAlias = Literal[
    "constant", "invscaling", "adaptive", "step", "exponential", "cosine", "plateau",
]
Init: TypeAlias = Literal[
    "glorot_uniform", "glorot_normal", "he_uniform", "he_normal", "lecun_normal",
]
ComputeDtype: TypeAlias = Literal["float32", "float64"]
Monitor: TypeAlias = Literal[
    "score", "loss", "accuracy",
    "precision", "precision_macro", "precision_micro", "precision_weighted",
    "recall", "recall_macro", "recall_micro", "recall_weighted",
    "f1", "f1_macro", "f1_micro", "f1_weighted",
    "r2", "mean_squared_error", "root_mean_squared_error", "mean_absolute_error",
]
RegressionLoss: TypeAlias = Literal["squared_error", "poisson", "absolute_error", "huber"]
# An int seed, a NumPy RandomState, or None (scikit-learn's random_state).
RandomState: TypeAlias = int | np.random.RandomState | None
# A user's learning-rate function: epoch (from 0) -> rate.
RateFunction: TypeAlias = Callable[[int], float]
# An int for one hidden layer, else one int per hidden layer.
LayerSizes: TypeAlias = int | Sequence[int] | NDArray[np.integer[Any]]

# Averaging and multi-output options of nnfast.metrics.
Average: TypeAlias = Literal["binary", "micro", "macro", "weighted", "samples"]
MultiOutput: TypeAlias = Literal["raw_values", "uniform_average", "variance_weighted"]
ZeroDivision: TypeAlias = Literal["warn"] | float
Normalize: TypeAlias = Literal["true", "pred", "all"]

F = TypeVar("F", bound=Callable[..., Any])


# scikit-learn ships no type information; these two decorators keep the
# signature of what they wrap, which is how type checkers are told so.
def fit_context(*, prefer_skip_nested_validation: bool) -> Callable[[F], F]: ...


def available_if(check: Callable[[Any], Any]) -> Callable[[F], F]: ...
