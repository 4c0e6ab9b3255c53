"""MLPClassifier and MLPRegressor: scikit-learn's estimators, trained by the C core.

The constructor arguments, fitted attributes and behaviour follow
``sklearn.neural_network`` (1.9); what differs is where the work happens. This
module is the estimators' API: it validates the settings and the data, builds
the C network, predicts, and hands each fit to a driver of ``_training``
(sgd/adam epochs, L-BFGS), which runs the per-epoch logic (verbose output,
learning-rate schedule, early stopping, tolerance, callbacks); every minibatch
runs in C with the GIL released (see ``_core.Network.train_epoch``).

All weights and biases live in one flat array ``_params`` (all weights, then all
biases, as scikit-learn packs them); ``coefs_`` and ``intercepts_`` are views into
it. If a user replaces them, the block is rebuilt from them before it is used.
"""

from __future__ import annotations

import contextlib
import operator
from abc import ABC, abstractmethod
from collections import namedtuple
from numbers import Integral, Real
from typing import TYPE_CHECKING

import numpy as np
import scipy.sparse as sp
from sklearn.base import (
    BaseEstimator,
    ClassifierMixin,
    RegressorMixin,
    is_classifier,
)
from sklearn.metrics import accuracy_score, r2_score
from sklearn.preprocessing import LabelBinarizer
from sklearn.utils import check_random_state, column_or_1d
from sklearn.utils._param_validation import Interval, Options, StrOptions
from sklearn.utils.class_weight import compute_sample_weight
from sklearn.utils.multiclass import (
    _check_partial_fit_first_call,
    type_of_target,
    unique_labels,
)
from sklearn.utils.validation import check_is_fitted, validate_data

from nnfast import _core, _stream, _threads, _training, callbacks
from nnfast._compat import check_sample_weight
from nnfast._training import _HISTORY_KEYS, _MONITOR_METRICS, _SKLEARN_SCHEDULES
from nnfast.inspection import summary as _summary
from nnfast.schedules import NAMED as _NAMED_SCHEDULES
from nnfast.schedules import Schedule

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from typing import Any, Literal, Self

    from numpy.typing import ArrayLike, NDArray

    from nnfast._typing import (
        ComputeDtype,
        FloatArray,
        HiddenActivation,
        Init,
        LabelArray,
        LayerSizes,
        MatrixLike,
        Monitor,
        RandomState,
        RateFunction,
        RegressionLoss,
        ScheduleName,
        Solver,
    )
    from nnfast._typing import available_if
    from nnfast._typing import fit_context as _fit_context
else:
    from sklearn.base import _fit_context
    from sklearn.utils.metaestimators import available_if

_STOCHASTIC_SOLVERS = ("sgd", "adam")
_ACTIVATION_ALIASES = {"sigmoid": "logistic", "swish": "silu"}
_HIDDEN_ACTIVATIONS = {
    "identity", "logistic", "tanh", "relu", "leaky_relu", "elu", "gelu", "silu", "softplus",
} | set(_ACTIVATION_ALIASES)
_INITS = {"glorot_uniform", "glorot_normal", "he_uniform", "he_normal", "lecun_normal"}
# Rows per C call when predicting or computing the full-batch gradient: large
# enough for efficient GEMMs, small enough to keep the activations in cache.
# Predicting mnist_like's 60000 rows on 2 threads (best of 7, 3 rounds): 128
# rows 61.4-61.5 ms, 256 58.9-60.6, 384 58.8-62.9, 1024 63.3-66.4, 4096 69;
# the other workloads' predictions and an L-BFGS fit took the same at 256 as
# at 1024.
_CHUNK_ROWS = 256
_FAST_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


LayerOutput = namedtuple("LayerOutput", ["pre_activation", "activation"])
LayerOutput.__doc__ = """One layer's values from ``forward``: ``pre_activation`` is
z = a_prev @ W + b, ``activation`` is the layer's activation of z (for the
output layer, the output activation: probabilities for a classifier)."""


def _compute_dtype(name):
    return np.float32 if name == "float32" else np.float64


def _layer_views(block, shapes):
    """coefs_ and intercepts_ as views into the flat block: all weights, then
    all biases."""
    units = [shapes[0][0]] + [s[1] for s in shapes]
    coefs, intercepts, start = [], [], 0
    for fan_in, fan_out in zip(units[:-1], units[1:]):
        end = start + fan_in * fan_out
        coefs.append(block[start:end].reshape(fan_in, fan_out))
        start = end
    for fan_out in units[1:]:
        intercepts.append(block[start : start + fan_out])
        start += fan_out
    return coefs, intercepts


class BaseMultilayerPerceptron(callbacks.CallbackSupportMixin, BaseEstimator, ABC):
    """Base class for nnfast's MLP estimators. Use the subclasses."""

    _parameter_constraints: dict = {
        "hidden_layer_sizes": ["array-like", Interval(Integral, 1, None, closed="left")],
        "activation": [StrOptions(_HIDDEN_ACTIVATIONS), list, tuple],
        "solver": [StrOptions({"lbfgs", "sgd", "adam"})],
        "alpha": [Interval(Real, 0, None, closed="left")],
        "batch_size": [StrOptions({"auto", "full"}), Interval(Integral, 1, None, closed="left")],
        "learning_rate": [
            StrOptions(_SKLEARN_SCHEDULES | set(_NAMED_SCHEDULES)),
            Schedule,
            callable,
        ],
        "learning_rate_init": [Interval(Real, 0, None, closed="neither")],
        "power_t": [Interval(Real, 0, None, closed="left")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "shuffle": ["boolean"],
        "random_state": ["random_state"],
        "tol": [Interval(Real, 0, None, closed="left")],
        "verbose": ["verbose"],
        "warm_start": ["boolean"],
        "momentum": [Interval(Real, 0, 1, closed="both")],
        "nesterovs_momentum": ["boolean"],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="left")],
        "beta_1": [Interval(Real, 0, 1, closed="left")],
        "beta_2": [Interval(Real, 0, 1, closed="left")],
        "epsilon": [Interval(Real, 0, None, closed="neither")],
        "n_iter_no_change": [
            Interval(Integral, 1, None, closed="left"),
            Options(Real, {np.inf}),
        ],
        "max_fun": [Interval(Integral, 1, None, closed="left")],
        "dtype": [StrOptions({"float32", "float64"})],
        "init": [StrOptions(_INITS)],
        "negative_slope": [Interval(Real, 0, None, closed="left")],
        "l1": [Interval(Real, 0, None, closed="left")],
        "dropout": [Interval(Real, 0, 1, closed="left"), list, tuple],
        "clip_norm": [None, Interval(Real, 0, None, closed="neither")],
        "clip_value": [None, Interval(Real, 0, None, closed="neither")],
        "monitor": [StrOptions({"score", "loss"} | set(_MONITOR_METRICS))],
        "restore_best_weights": ["boolean"],
    }

    # Fitted attributes, for type checkers (see the class docstrings).
    coefs_: list[FloatArray]
    intercepts_: list[FloatArray]
    loss_: float
    best_loss_: float | None
    loss_curve_: list[float]
    validation_scores_: list[float] | None
    best_validation_score_: float | None
    t_: int
    n_features_in_: int
    feature_names_in_: NDArray[np.object_]
    n_iter_: int
    n_layers_: int
    n_outputs_: int
    out_activation_: str
    history_: dict[str, list[Any]]

    if TYPE_CHECKING:
        # scikit-learn's methods, as a type checker should see them.
        def get_params(self, deep: bool = True) -> dict[str, Any]: ...

        def score(
            self, X: MatrixLike, y: ArrayLike, sample_weight: ArrayLike | None = None
        ) -> float: ...

    @abstractmethod
    def __init__(
        self,
        hidden_layer_sizes: LayerSizes,
        activation: HiddenActivation | Sequence[HiddenActivation],
        solver: Solver,
        alpha: float,
        batch_size: int | Literal["auto", "full"],
        learning_rate: ScheduleName | Schedule | RateFunction,
        learning_rate_init: float,
        power_t: float,
        max_iter: int,
        loss: str,
        shuffle: bool,
        random_state: RandomState,
        tol: float,
        verbose: bool | int,
        warm_start: bool,
        momentum: float,
        nesterovs_momentum: bool,
        early_stopping: bool,
        validation_fraction: float,
        beta_1: float,
        beta_2: float,
        epsilon: float,
        n_iter_no_change: int | float,
        max_fun: int,
        dtype: ComputeDtype,
        init: Init,
        negative_slope: float,
        l1: float,
        dropout: float | Sequence[float],
        clip_norm: float | None,
        clip_value: float | None,
        monitor: Monitor,
        restore_best_weights: bool,
    ) -> None:
        self.activation = activation
        self.solver = solver
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.learning_rate_init = learning_rate_init
        self.power_t = power_t
        self.max_iter = max_iter
        self.loss = loss
        self.hidden_layer_sizes = hidden_layer_sizes
        self.shuffle = shuffle
        self.random_state = random_state
        self.tol = tol
        self.verbose = verbose
        self.warm_start = warm_start
        self.momentum = momentum
        self.nesterovs_momentum = nesterovs_momentum
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.n_iter_no_change = n_iter_no_change
        self.max_fun = max_fun
        self.dtype = dtype
        self.init = init
        self.negative_slope = negative_slope
        self.l1 = l1
        self.dropout = dropout
        self.clip_norm = clip_norm
        self.clip_value = clip_value
        self.monitor = monitor
        self.restore_best_weights = restore_best_weights

    # ------------------------------------------------------------ parameters

    def _layer_units(self):
        return [self.n_features_in_] + [c.shape[1] for c in self.coefs_]

    def _bind_views(self):
        """Point coefs_ and intercepts_ into the flat block _params."""
        coefs, intercepts = _layer_views(self._params, self._shapes)
        self.coefs_, self.intercepts_ = coefs, intercepts
        self._views = (tuple(coefs), tuple(intercepts))
        # The C networks predict uses, kept between calls: building one (its
        # buffers) costs more than a one-row forward pass. A caller takes one
        # out while it predicts, so that threads predicting with the model at
        # the same time never share buffers. Bound to this block: a new block,
        # fit and set_params start afresh; never pickled (__getstate__).
        self._predict_nets = []

    def _set_params_block(self, coefs, intercepts, dtype):
        self._shapes = [tuple(c.shape) for c in coefs]
        self._params = np.concatenate(
            [np.ravel(c) for c in coefs] + [np.ravel(b) for b in intercepts]
        ).astype(dtype, copy=False)
        self._bind_views()

    def _packed_params(self):
        """The flat parameter block, rebuilt if coefs_/intercepts_ were replaced."""
        views = self.__dict__.get("_views")
        coefs, intercepts = self.coefs_, self.intercepts_
        intact = (views is not None and len(views[0]) == len(coefs)
                  and len(views[1]) == len(intercepts)
                  and all(map(operator.is_, views[0], coefs))
                  and all(map(operator.is_, views[1], intercepts)))
        if not intact:
            dtype = self._params.dtype if hasattr(self, "_params") else np.float64
            self._set_params_block(list(self.coefs_), list(self.intercepts_), dtype)
        return self._params

    def __getstate__(self):
        if hasattr(self, "coefs_"):
            self._packed_params()
        # A copy: object.__getstate__ returns the instance's own __dict__.
        state = dict(super().__getstate__())
        # coefs_/intercepts_ are views into _params; pickle the block once.
        for key in ("coefs_", "intercepts_", "_views", "_predict_nets", "_train_net",
                    "_lent_train_nets"):
            state.pop(key, None)
        return state

    def __setstate__(self, state):
        super().__setstate__(state)
        # The C core writes into these; a model loaded from a read-only memory
        # map (joblib's mmap_mode="r") gets writable copies.
        for key in ("_params", "_opt_state", "_rng_state"):
            if getattr(self, key, None) is not None:
                setattr(self, key, np.require(getattr(self, key), requirements="CWE"))
        if "_params" in state:
            self._bind_views()

    # ------------------------------------------------------------ helpers

    def _hidden_activations(self, n_hidden):
        """One activation name per hidden layer, aliases resolved."""
        names = self.activation
        if isinstance(names, str):
            names = [names] * n_hidden
        names = list(names)
        if len(names) != n_hidden:
            raise ValueError(
                f"activation has {len(names)} entries, but there are {n_hidden} hidden "
                "layers: give one activation name, or one per hidden layer."
            )
        unknown = [a for a in names if a not in _HIDDEN_ACTIVATIONS]
        if unknown:
            raise ValueError(
                f"activation {unknown[0]!r} is not one of {sorted(_HIDDEN_ACTIVATIONS)}."
            )
        return [_ACTIVATION_ALIASES.get(a, a) for a in names]

    def _dropout_rates(self, n_hidden):
        """One dropout rate per hidden layer."""
        rates = self.dropout
        if np.isscalar(rates):
            rates = [rates] * n_hidden
        rates = [float(r) for r in rates]
        if len(rates) != n_hidden:
            raise ValueError(
                f"dropout has {len(rates)} entries, but there are {n_hidden} hidden layers."
            )
        if any(not 0 <= r < 1 for r in rates):
            raise ValueError(f"dropout rates must be in [0, 1), got {rates}.")
        return rates

    def _loss_name(self):
        if is_classifier(self):
            return "log_loss" if self.out_activation_ == "softmax" else "binary_log_loss"
        return self.loss

    def _loss_param(self):
        return getattr(self, "huber_delta", 1.0)

    def _network(self, capacity, training=False):
        """The C network of this model, with buffers for `capacity` rows; dropout
        only when training."""
        n_hidden = len(self.coefs_) - 1
        activations = self._hidden_activations(n_hidden) + [self.out_activation_]
        dropout = self._dropout_rates(n_hidden) + [0.0] if training else None
        return _core.Network(
            self._layer_units(),
            activations,
            self._loss_name(),
            self._params.dtype,
            capacity,
            activation_params=[self.negative_slope if a == "leaky_relu" else None
                               for a in activations],
            dropout=dropout,
            loss_param=self._loss_param(),
        )

    def _chunked_network(self, n_rows):
        """The C network (no dropout) for a pass over n_rows rows, which it
        takes in chunks of at most _CHUNK_ROWS: the full-batch loss and
        gradient, the validation set, forward."""
        return self._network(max(1, min(n_rows, _CHUNK_ROWS)))

    @staticmethod
    def _as_compute(X, dtype):
        """X as the C core takes it: C-contiguous dense, or CSR with int64
        indices, in dtype (converted once here, not per epoch)."""
        narrowing = X.dtype.itemsize > np.dtype(dtype).itemsize
        if sp.issparse(X):
            with np.errstate(over="ignore"):
                X = sp.csr_matrix(X, dtype=dtype, copy=False)
            if X.indices.dtype != np.int64 or X.indptr.dtype != np.int64:
                X = sp.csr_matrix(
                    (X.data, X.indices.astype(np.int64), X.indptr.astype(np.int64)),
                    shape=X.shape,
                )
        else:
            with np.errstate(over="ignore"):  # overflow is reported just below
                X = np.ascontiguousarray(X, dtype=dtype)
        if narrowing and not np.isfinite(X.data if sp.issparse(X) else X).all():
            raise ValueError(
                "X has values too large for the model's compute dtype float32 (beyond "
                "+-3.4e38): scale the data or use dtype='float64'."
            )
        return X

    def _forward_pass_fast(self, X, check_input=True):
        """Output activations (n_samples, n_outputs) for X. With check_input (the
        public methods), X is validated and a non-finite output raises."""
        if check_input:
            output = self._forward_unchecked_array(X)
            if output is not None:
                return output
            X = validate_data(
                self, X, accept_sparse=["csr", "csc"], dtype=(np.float64, np.float32), reset=False
            )
        params = self._packed_params()
        # Outputs come in the input's float dtype, as scikit-learn's do; the
        # network computes in its own (float32 by default).
        out_dtype = X.dtype if X.dtype in (np.float32, np.float64) else np.float64
        X = self._as_compute(X, params.dtype)
        output = self._predict_output(params, X)
        # Training scores a diverging model as NaN; a user never gets NaN outputs.
        if check_input and not np.isfinite(output).all():
            raise ValueError(
                "The network's output is NaN or infinite for some rows of X: X has "
                "values too large for this model (compute dtype "
                f"{params.dtype.name}), or its weights are. Scale the data."
            )
        return output.astype(out_dtype, copy=False)

    def _forward_unchecked_array(self, X):
        """The fast path of _forward_pass_fast, for a float NumPy array of the
        fitted width: scikit-learn's validation would only confirm it. None when
        X needs that validation (another type, or NaN/inf, whose error message
        is validate_data's) or the output is not finite."""
        if not (type(X) is np.ndarray and X.ndim == 2 and X.dtype in _FAST_DTYPES
                and X.shape[0] > 0 and X.shape[1] == self.n_features_in_
                and "feature_names_in_" not in self.__dict__):
            return None
        params = self._packed_params()
        if X.dtype == params.dtype:
            X_compute = np.ascontiguousarray(X)
        else:
            with np.errstate(over="ignore"):  # out of float32's range: inf, refused below
                X_compute = np.ascontiguousarray(X, dtype=params.dtype)
        try:
            output = self._predict_output(params, X_compute, finite=True)
        except (_core.NonFiniteInputError, _core.NonFiniteError):
            return None
        return output.astype(X.dtype, copy=False)

    def _predict_output(self, params, X, finite=False):
        """The network's output activations for X as the C core takes it (see
        _as_compute), with the model's cached network; big X in parallel.
        With `finite`, a NaN or infinite output raises _core.NonFiniteError."""
        n_rows = X.shape[0]
        capacity = min(n_rows, _CHUNK_ROWS)
        nets = self._predict_nets
        try:
            net = nets.pop()
        except IndexError:
            net = None
        if net is None or net.capacity < capacity:
            net = self._network(capacity)
        try:
            if n_rows <= net.capacity:
                return net.predict(params, X, finite=finite)
            n_threads = _threads.fit_threads()
            with _threads.single_threaded_blas() if n_threads > 1 else contextlib.nullcontext():
                return net.predict(params, X, n_threads=n_threads, finite=finite)
        finally:
            nets.append(net)

    def _initialize(self, y, layer_units, dtype):
        self.n_iter_ = 0
        self.t_ = 0
        self.n_outputs_ = y.shape[1]
        self.n_layers_ = len(layer_units)
        if not is_classifier(self):
            self.out_activation_ = "exp" if self.loss == "poisson" else "identity"
        elif self._label_binarizer.y_type_ == "multiclass":
            self.out_activation_ = "softmax"
        else:
            self.out_activation_ = "logistic"

        coefs, intercepts = self._initial_weights(layer_units)
        self._set_params_block(coefs, intercepts, dtype)
        self.history_ = {key: [] for key in _HISTORY_KEYS}

        self._best_monitored = -np.inf
        if self.solver in _STOCHASTIC_SOLVERS:
            self.loss_curve_ = []
            self._no_improvement_count = 0
            if self.early_stopping:
                self.validation_scores_ = []
                self.best_validation_score_ = -np.inf
                self.best_loss_ = None
            else:
                self.best_loss_ = np.inf
                self.validation_scores_ = None
                self.best_validation_score_ = None

    def _initial_weights(self, layer_units):
        """Weights and biases drawn from self._random_state by `init`.

        glorot_uniform is scikit-learn's scheme, drawn in its order (weights then
        bias, layer by layer, the bias from the same uniform; bound
        sqrt(6 / (fan_in + fan_out)), with 2 instead of 6 for logistic), so the
        same random_state gives scikit-learn's initial weights. The other schemes
        draw the weights as named and start the biases at zero.
        """
        rs = self._random_state
        names = [self.activation] if isinstance(self.activation, str) else list(self.activation)
        # A list of logistic layers is the network activation="logistic" names.
        logistic = bool(names) and all(_ACTIVATION_ALIASES.get(a, a) == "logistic" for a in names)
        coefs, intercepts = [], []
        for fan_in, fan_out in zip(layer_units[:-1], layer_units[1:]):
            shape = (fan_in, fan_out)
            if self.init == "glorot_uniform":
                factor = 2.0 if logistic else 6.0
                bound = np.sqrt(factor / (fan_in + fan_out))
                coefs.append(rs.uniform(-bound, bound, shape))
                intercepts.append(rs.uniform(-bound, bound, fan_out))
                continue
            if self.init == "glorot_normal":
                coefs.append(rs.normal(0.0, np.sqrt(2.0 / (fan_in + fan_out)), shape))
            elif self.init == "he_uniform":
                bound = np.sqrt(6.0 / fan_in)
                coefs.append(rs.uniform(-bound, bound, shape))
            elif self.init == "he_normal":
                coefs.append(rs.normal(0.0, np.sqrt(2.0 / fan_in), shape))
            else:  # lecun_normal
                coefs.append(rs.normal(0.0, np.sqrt(1.0 / fan_in), shape))
            intercepts.append(np.zeros(fan_out))
        return coefs, intercepts

    # ------------------------------------------------------------ fitting

    def _check_is_fitted(self):
        # check_is_fitted scans every attribute: longer than a one-row predict.
        # A fitted model always has its parameter block.
        if "_params" not in self.__dict__:
            check_is_fitted(self)

    def _drop_predict_nets(self):
        """Forget the kept prediction networks: the settings they were built
        with may have changed."""
        nets = self.__dict__.get("_predict_nets")
        if nets is not None:
            nets.clear()

    def set_params(self, **params: Any) -> Self:
        self._drop_predict_nets()
        return super().set_params(**params)

    def _fit(self, X, y, sample_weight=None, incremental=False, validation_data=None):
        self._drop_predict_nets()
        hidden_layer_sizes = self.hidden_layer_sizes
        if not hasattr(hidden_layer_sizes, "__iter__"):
            hidden_layer_sizes = [hidden_layer_sizes]
        hidden_layer_sizes = list(hidden_layer_sizes)
        if not all(isinstance(size, Integral) and size > 0 for size in hidden_layer_sizes):
            raise ValueError(
                f"hidden_layer_sizes must be integers > 0, got {hidden_layer_sizes}."
            )
        n_hidden = len(hidden_layer_sizes)
        if self.monitor in _MONITOR_METRICS and \
                _MONITOR_METRICS[self.monitor][3] != is_classifier(self):
            kind = "classifiers" if _MONITOR_METRICS[self.monitor][3] else "regressors"
            raise ValueError(f"monitor={self.monitor!r} is a metric for {kind}.")
        self._hidden_activations(n_hidden)
        dropout = self._dropout_rates(n_hidden)
        if self.solver == "lbfgs" and any(dropout):
            raise ValueError("dropout needs solver='sgd' or 'adam': lbfgs needs a "
                             "deterministic objective.")
        if incremental and validation_data is not None:
            raise ValueError("partial_fit takes no validation_data; pass it to fit.")

        first_pass = not hasattr(self, "coefs_") or (not self.warm_start and not incremental)
        X, y, class_weights = self._validate_input(X, y, incremental, reset=first_pass)
        dtype = _compute_dtype(self.dtype) if first_pass else self._params.dtype
        X = self._as_compute(X, dtype)
        if sample_weight is not None:
            sample_weight = check_sample_weight(
                sample_weight, X, dtype=dtype, ensure_non_negative=True
            )
        if class_weights is not None:
            sample_weight = class_weights * (1.0 if sample_weight is None else sample_weight)
        if sample_weight is not None:
            sample_weight = np.ascontiguousarray(sample_weight, dtype=dtype)
        if y.ndim == 1:
            y = y.reshape((-1, 1))
        with np.errstate(over="ignore"):
            y = np.ascontiguousarray(y, dtype=dtype)
        if not np.isfinite(y).all():
            raise ValueError(
                "y has values too large for the model's compute dtype float32 (beyond "
                "+-3.4e38): scale the targets or use dtype='float64'."
            )
        n_features = X.shape[1]
        self.n_outputs_ = y.shape[1]
        layer_units = [n_features] + hidden_layer_sizes + [self.n_outputs_]
        if not first_pass and self._layer_units() != layer_units:
            raise ValueError(
                "warm_start/partial_fit: the network has layer sizes "
                f"{self._layer_units()}, the data and hidden_layer_sizes ask for {layer_units}."
            )
        self._random_state = check_random_state(self.random_state)
        # A model saved during a fit that had epochs left (a checkpoint) resumes
        # that fit on warm_start; any other fit discards the mark.
        unfinished = self.__dict__.pop("_unfinished_fit", None)
        stochastic = self.solver in _STOCHASTIC_SOLVERS
        resume = (unfinished is not None and stochastic and self.warm_start
                  and not incremental and not first_pass and self.n_iter_ < self.max_iter)
        if first_pass:
            self._initialize(y, layer_units, dtype)
        elif resume and unfinished["first_pass"]:
            # The interrupted fit drew its initial weights from random_state
            # before its validation split: draw them again, unused, so that
            # this fit splits the same rows.
            self._initial_weights(layer_units)

        tasks = callbacks.fit_tasks(
            self, "partial_fit" if incremental else "fit",
            0 if incremental else self.max_iter - (self.n_iter_ if resume else 0),
            X, self._callback_labels(y), sample_weight)
        try:
            if stochastic:
                if not incremental:
                    self._unfinished_fit = unfinished if resume else {"first_pass": first_pass}
                _training.fit_stochastic(self, X, y, sample_weight, incremental,
                                         validation_data, tasks, resume)
            else:
                _training.fit_lbfgs(self, X, y, sample_weight, tasks)
        finally:
            self.__dict__.pop("_unfinished_fit", None)
        self._check_finite_weights()
        _stream.remember(self)
        if tasks is not None:
            tasks.finish()
        return self

    def _check_finite_weights(self):
        if not np.isfinite(self._packed_params()).all():
            raise ValueError(
                "Solver produced non-finite parameter weights. The input data may"
                " contain large values and need to be preprocessed."
            )
        return self

    def _callback_labels(self, y):
        """The targets as the user gave them (class labels), from the encoded
        y: a function, called only if a callback asks for y."""
        def labels():
            if is_classifier(self):
                return self._label_binarizer.inverse_transform(y)
            return y.ravel() if y.shape[1] == 1 else y
        return labels

    def _stopped_here(self):
        """The attributes callbacks' fitted_estimator gets (reconstruction
        attributes): this model as fit would leave it if it stopped now, with
        copies of everything training goes on changing. Built only when a
        callback's hook takes fitted_estimator."""
        params = self._params
        if (self.solver in _STOCHASTIC_SOLVERS and self.early_stopping
                and self.restore_best_weights and hasattr(self, "_best_params")):
            params = self._best_params
        block = params.copy()
        coefs, intercepts = _layer_views(block, self._shapes)
        attributes = {
            "_params": block, "coefs_": coefs, "intercepts_": intercepts,
            "_views": (tuple(coefs), tuple(intercepts)), "_predict_nets": [],
            "history_": {key: list(values) for key, values in self.history_.items()},
            "_unfinished_fit": None,
        }
        for key in ("loss_curve_", "validation_scores_"):
            if getattr(self, key, None) is not None:
                attributes[key] = list(getattr(self, key))
        for key in ("_opt_state", "_rng_state", "_best_params"):
            if getattr(self, key, None) is not None:
                attributes[key] = getattr(self, key).copy()
        return attributes

    def _score_with_function(self, X, y, sample_weight, score_function):
        y_pred = self._predict(X, check_input=False)
        if np.issubdtype(y_pred.dtype, np.floating) and not np.isfinite(y_pred).all():
            return np.nan
        return score_function(y, y_pred, sample_weight=sample_weight)

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(
        self,
        X: MatrixLike,
        y: ArrayLike,
        sample_weight: ArrayLike | None = None,
        validation_data: tuple[MatrixLike, ArrayLike]
        | tuple[MatrixLike, ArrayLike, ArrayLike | None]
        | None = None,
    ) -> Self:
        """Fit the model to data matrix X and target(s) y.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input data. Dense arrays, CSR/CSC matrices and DataFrames.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            The target values (class labels in classification, real numbers in
            regression).
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative sample weights; a weight of 2 counts like a repeated row.
        validation_data : tuple (X_val, y_val) or (X_val, y_val, sample_weight_val), default=None
            A validation set (sgd, adam). Its loss and score are recorded in
            ``history_`` every epoch; with ``early_stopping=True`` it replaces the
            ``validation_fraction`` split.

        Returns
        -------
        self : object
            The trained model.
        """
        return self._fit(X, y, sample_weight=sample_weight, incremental=False,
                         validation_data=validation_data)

    # ------------------------------------------------------------ inspection

    def forward(self, X: MatrixLike) -> list[LayerOutput]:
        """Every layer's values for X, computed by the C core (no dropout).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input data.

        Returns
        -------
        layers : list of LayerOutput, one per layer after the input
            ``layers[i].pre_activation`` and ``layers[i].activation`` are arrays
            of shape (n_samples, units of layer i + 1), in X's float dtype; the
            last is the output layer (its activation is what predict_proba /
            predict return).
        """
        check_is_fitted(self)
        X = validate_data(self, X, accept_sparse=["csr", "csc"],
                          dtype=(np.float64, np.float32), reset=False)
        params = self._packed_params()
        out_dtype = X.dtype  # as predict: values come in the input's float dtype
        X = self._as_compute(X, params.dtype)
        net = self._chunked_network(X.shape[0])
        layers = [LayerOutput(z.astype(out_dtype, copy=False), a.astype(out_dtype, copy=False))
                  for z, a in net.forward_all(params, X)]
        self._renormalized(layers[-1].activation)
        return layers

    def _renormalized(self, output):
        """Softmax rows cast from float32 to float64 sum to 1 only within float32's
        precision; renormalised in the output dtype, they do (scikit-learn's
        log_loss checks)."""
        if self.out_activation_ == "softmax" and output.dtype != self._params.dtype:
            output /= output.sum(axis=1, keepdims=True)
        return output

    def hidden_activations(self, X: MatrixLike, layer: int = -1) -> FloatArray:
        """A hidden layer's activations: the network as a feature extractor.

        In a Pipeline, wrap the network in :class:`nnfast.HiddenLayerTransformer`
        (the estimators themselves stay classifiers/regressors).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input data.
        layer : int, default=-1
            Which hidden layer, counting from 0; negative counts from the last
            hidden layer.

        Returns
        -------
        features : ndarray of shape (n_samples, hidden_layer_sizes[layer])
            That layer's activations (after its activation function).
        """
        check_is_fitted(self)
        n_hidden = len(self.coefs_) - 1
        if n_hidden == 0:
            raise ValueError("hidden_activations needs a network with a hidden layer.")
        if not isinstance(layer, Integral) or not -n_hidden <= layer < n_hidden:
            raise ValueError(f"layer must be an integer in [{-n_hidden}, {n_hidden - 1}], "
                             f"got {layer!r}.")
        return self.forward(X)[layer % n_hidden].activation

    def summary(self, X: MatrixLike | None = None) -> str:
        """A text table of the network: layer shapes, parameter counts and
        activations; weight statistics when fitted; given X, activation
        statistics with dead ReLU units (never active on X) and saturated
        logistic/tanh units (at a bound for 95% of the rows).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features), default=None
            Data to compute activation statistics on (fitted models only).

        Returns
        -------
        text : str
            The table; print it.
        """
        return _summary(self, X)

    def _check_solver(self):
        if self.solver not in _STOCHASTIC_SOLVERS:
            raise AttributeError(
                "partial_fit is only available for stochastic optimizers. "
                "%s is not stochastic." % self.solver
            )
        return True

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags


_DOC_PARAMS = """
    Parameters
    ----------
    hidden_layer_sizes : array-like of shape (n_layers - 2,), default=(100,)
        The ith element is the number of neurons in the ith hidden layer.
    activation : str or list of str, default='relu'
        Activation of the hidden layers, one name for all or one per hidden
        layer: 'identity', 'logistic' (alias 'sigmoid'), 'tanh', 'relu',
        'leaky_relu' (slope ``negative_slope``), 'elu' (alpha 1), 'gelu' (exact,
        x * Phi(x)), 'silu' (alias 'swish'), 'softplus'.
    solver : {'lbfgs', 'sgd', 'adam'}, default='adam'
        The weight optimizer: L-BFGS (scipy.optimize's L-BFGS-B on the exact
        full-batch gradient computed in C), stochastic gradient descent, or Adam.
        If the loss, the gradient or the weights become NaN or infinite, training
        stops and the model keeps finite weights: sgd and adam keep the last
        finite weights and raise ValueError, or with early stopping warn
        (ConvergenceWarning) and keep the best validation epoch's; lbfgs keeps
        the best finite point it tried (ConvergenceWarning when scipy stops
        early) and raises ValueError if the loss was never finite.
    alpha : float, default=0.0001
        Strength of the L2 penalty (weights only; divided by the batch's total
        sample weight, as in scikit-learn).
    batch_size : int, 'auto' or 'full', default='auto'
        Minibatch size for sgd and adam: 'auto' is min(200, n_samples), 'full'
        is batch gradient descent (all rows), 1 is stochastic gradient descent.
    learning_rate : str, Schedule or callable, default='constant'
        Learning-rate schedule. scikit-learn's 'constant', 'invscaling' and
        'adaptive' keep their meaning (they act on sgd only). 'step',
        'exponential', 'cosine' and 'plateau' (reduce on plateau), an object of
        :mod:`nnfast.schedules`, or a callable ``f(epoch) -> rate`` act on sgd and
        adam alike. The rate of each epoch is recorded in ``history_``.
    learning_rate_init : float, default=0.001
        Initial learning rate (sgd and adam): the base rate that the schedules
        scale.
    power_t : float, default=0.5
        Exponent of 'invscaling' (sgd): after each epoch the rate becomes
        ``learning_rate_init / (t_ + 1) ** power_t``.
    max_iter : int, default=200
        Maximum number of epochs (sgd, adam) or iterations (lbfgs).
    shuffle : bool, default=True
        Shuffle the rows every epoch (sgd, adam), with nnfast's C generator.
    random_state : int, RandomState instance or None, default=None
        Seeds the initial weights (drawn as scikit-learn draws them), the
        validation split, dropout and the C generator used for shuffling.
    tol : float, default=1e-4
        Minimum improvement. sgd and adam stop when the training loss (with
        early stopping: the monitored validation figure) has not improved by
        at least tol for n_iter_no_change epochs; lbfgs stops when the
        projected gradient is below tol.
    verbose : bool, default=False
        Print the loss of each epoch or iteration (and the validation score)
        to stdout.
    warm_start : bool, default=False
        Start the next fit from the current weights, and append to
        ``history_``, instead of drawing new initial weights.
    momentum : float, default=0.9
        Momentum of sgd, in [0, 1].
    nesterovs_momentum : bool, default=True
        Use Nesterov's momentum with sgd (when momentum > 0).
    early_stopping : bool, default=False
        Stop training when the validation figure named by ``monitor`` has not
        improved by at least tol for n_iter_no_change epochs (sgd, adam). The
        validation set is fit's ``validation_data``, or else a
        validation_fraction split of the training data (stratified for
        single-output classifiers). See also restore_best_weights.
    validation_fraction : float, default=0.1
        Fraction of the training data held out as the validation set when
        early_stopping is on and fit is given no validation_data.
    beta_1, beta_2 : float, default=0.9, 0.999
        Adam's decay rates of the first and second moment estimates, in [0, 1).
    epsilon : float, default=1e-8
        Adam's numerical-stability term.
    n_iter_no_change : int, default=10
        Epochs without an improvement of at least tol before stopping (sgd,
        adam): the patience.
    max_fun : int, default=15000
        Maximum number of loss evaluations (lbfgs).
    dtype : {'float32', 'float64'}, default='float32'
        The compute precision of the network. Input is converted to it once per
        fit; float32 input is never upcast with the default. Predictions come
        in the input's float dtype.
    init : str, default='glorot_uniform'
        Initial weights: 'glorot_uniform' (scikit-learn's scheme and draws),
        'glorot_normal', 'he_uniform', 'he_normal' or 'lecun_normal' (biases
        start at zero with these).
    negative_slope : float, default=0.01
        Slope of 'leaky_relu' for negative inputs.
    l1 : float, default=0.0
        Strength of the L1 penalty on the weights, scaled like alpha. sgd and
        adam apply it as a proximal step, which sets small weights exactly to
        zero; lbfgs uses its subgradient.
    dropout : float or list of float, default=0.0
        Inverted-dropout rate of the hidden layers (one rate, or one per hidden
        layer), drawn by nnfast's seeded generator while training (sgd, adam)
        and off at prediction.
    clip_norm : float or None, default=None
        Rescale each minibatch gradient to at most this global norm.
    clip_value : float or None, default=None
        Clamp each gradient entry to [-clip_value, clip_value].
    monitor : str, default='score'
        What early stopping watches on the validation data: 'score' (accuracy
        or R^2, scikit-learn's choice), 'loss', or a metric of
        :mod:`nnfast.metrics` by name — for classifiers 'accuracy',
        'precision', 'recall', 'f1' (binary) and their '_macro', '_micro',
        '_weighted' averages; for regressors 'r2', 'mean_squared_error',
        'root_mean_squared_error', 'mean_absolute_error'. The metric is
        recorded in ``history_["val_metric"]``. tol is the minimum
        improvement, n_iter_no_change the patience.
    restore_best_weights : bool, default=True
        With early stopping, end with the weights of the best validation epoch
        (scikit-learn's behaviour).
"""

_DOC_ATTRIBUTES = """
    Attributes
    ----------
    coefs_ : list of ndarray, one per layer after the input
        ``coefs_[i]`` is the weight matrix of shape (n_units_i, n_units_i+1)
        from layer i to layer i + 1 (layer 0 is the input, with ``n_features_in_``
        units). Views into one contiguous parameter block in the compute
        dtype; assigning new arrays is allowed (the block is rebuilt from them).
    intercepts_ : list of ndarray, one per layer after the input
        ``intercepts_[i]`` is the bias vector of shape (n_units_i+1,) of layer
        i + 1; views into the same block.
    loss_ : float
        The training loss at the end of fit, penalty included: the last epoch's
        mean minibatch loss (sgd, adam) or the final objective (lbfgs).
    best_loss_ : float or None
        The lowest training loss of all epochs (sgd, adam); None with
        early_stopping (see ``best_validation_score_``). Not set by lbfgs.
    loss_curve_ : list of float
        The training loss after each epoch (sgd, adam). Not set by lbfgs;
        ``history_["loss"]`` holds the loss of every lbfgs iteration.
    validation_scores_ : list of float or None
        The validation score (accuracy for classifiers, R^2 for regressors)
        after each epoch, when there is validation data (early_stopping or
        fit's validation_data); None otherwise. Not set by lbfgs.
    best_validation_score_ : float or None
        The best of ``validation_scores_``; None without validation data. Not set
        by lbfgs.
    t_ : int
        Number of training samples seen by the solver: n_samples per epoch
        (sgd, adam; 0 with lbfgs).
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (``n_features_in_``,)
        Names of the features seen during fit; defined only when X has feature
        names that are all strings (a pandas DataFrame).
    n_iter_ : int
        Number of epochs (sgd, adam) or iterations (lbfgs) the last call to fit
        ran.
    n_layers_ : int
        Number of layers, input and output included:
        ``len(hidden_layer_sizes) + 2``.
    n_outputs_ : int
        Number of output units.
    out_activation_ : str
        Output activation: 'softmax' (multiclass), 'logistic' (binary and
        multilabel), 'identity' (regression) or 'exp' (Poisson regression).
    history_ : dict of str to list
        One entry per epoch (sgd, adam; per iteration for lbfgs) in each list:
        'epoch', 'loss' (training), 'val_loss', 'val_score' and 'val_metric'
        (the monitored metric; NaN without validation data or when monitor is
        'score' or 'loss'; the validation loss has no penalty term),
        'learning_rate', 'time' (seconds since the fit started),
        'weight_grad_norm' and 'bias_grad_norm' (lists of one norm per layer,
        mean over the epoch's minibatches, before clipping). With lbfgs only
        'epoch', 'loss' and 'time' are recorded, the rest is NaN. partial_fit
        and warm_start append to it.
"""


class MLPClassifier(ClassifierMixin, BaseMultilayerPerceptron):
    __doc__ = (
        """Multi-layer perceptron classifier trained in C.

    A drop-in replacement for ``sklearn.neural_network.MLPClassifier``: the same
    arguments, attributes and methods, plus nnfast's own (``dtype``, ``init``,
    ``l1``, ``dropout``, ``clip_norm``, ``clip_value``, ``monitor``,
    ``restore_best_weights``, ``class_weight``; more activations and
    learning-rate schedules; ``history_``, ``forward``, ``hidden_activations``,
    ``summary``). Binary (logistic output), multiclass (softmax) and multilabel
    (logistic outputs) classification with the log-loss.
"""
        + _DOC_PARAMS
        + """    class_weight : dict, 'balanced' or None, default=None
        Weights of the classes, multiplied into sample_weight ('balanced':
        n_samples / (n_classes * count of the class)).
"""
        + _DOC_ATTRIBUTES
        + """    classes_ : ndarray of shape (n_classes,)
        The class labels, sorted; for multilabel y (an indicator matrix), the
        column indices 0 .. n_labels - 1.

    See Also
    --------
    MLPRegressor : The same network for regression.
    Perceptron : One layer of step neurons trained by the perceptron rule.
    HiddenLayerTransformer : A fitted network's hidden layer as features.
    nnfast.lr_find : Choose learning_rate_init by a learning-rate range test.
    sklearn.neural_network.MLPClassifier : The estimator this one replaces.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from nnfast import MLPClassifier
    >>> X, y = load_digits(return_X_y=True)
    >>> clf = MLPClassifier(random_state=0).fit(X / 16, y)
    >>> clf.score(X / 16, y) > 0.95
    True
    """
    )

    def __init__(
        self,
        hidden_layer_sizes: LayerSizes = (100,),
        activation: HiddenActivation | Sequence[HiddenActivation] = "relu",
        *,
        solver: Solver = "adam",
        alpha: float = 0.0001,
        batch_size: int | Literal["auto", "full"] = "auto",
        learning_rate: ScheduleName | Schedule | RateFunction = "constant",
        learning_rate_init: float = 0.001,
        power_t: float = 0.5,
        max_iter: int = 200,
        shuffle: bool = True,
        random_state: RandomState = None,
        tol: float = 1e-4,
        verbose: bool | int = False,
        warm_start: bool = False,
        momentum: float = 0.9,
        nesterovs_momentum: bool = True,
        early_stopping: bool = False,
        validation_fraction: float = 0.1,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        epsilon: float = 1e-8,
        n_iter_no_change: int | float = 10,
        max_fun: int = 15000,
        dtype: ComputeDtype = "float32",
        init: Init = "glorot_uniform",
        negative_slope: float = 0.01,
        l1: float = 0.0,
        dropout: float | Sequence[float] = 0.0,
        clip_norm: float | None = None,
        clip_value: float | None = None,
        monitor: Monitor = "score",
        restore_best_weights: bool = True,
        class_weight: Mapping[Any, float] | Literal["balanced"] | None = None,
    ) -> None:
        super().__init__(
            hidden_layer_sizes=hidden_layer_sizes,
            activation=activation,
            solver=solver,
            alpha=alpha,
            batch_size=batch_size,
            learning_rate=learning_rate,
            learning_rate_init=learning_rate_init,
            power_t=power_t,
            max_iter=max_iter,
            loss="log_loss",
            shuffle=shuffle,
            random_state=random_state,
            tol=tol,
            verbose=verbose,
            warm_start=warm_start,
            momentum=momentum,
            nesterovs_momentum=nesterovs_momentum,
            early_stopping=early_stopping,
            validation_fraction=validation_fraction,
            beta_1=beta_1,
            beta_2=beta_2,
            epsilon=epsilon,
            n_iter_no_change=n_iter_no_change,
            max_fun=max_fun,
            dtype=dtype,
            init=init,
            negative_slope=negative_slope,
            l1=l1,
            dropout=dropout,
            clip_norm=clip_norm,
            clip_value=clip_value,
            monitor=monitor,
            restore_best_weights=restore_best_weights,
        )
        self.class_weight = class_weight

    _parameter_constraints: dict = {
        **BaseMultilayerPerceptron._parameter_constraints,
        "class_weight": [None, StrOptions({"balanced"}), dict],
    }
    classes_: NDArray[Any]

    def _validate_input(self, X, y, incremental, reset):
        X, y = validate_data(
            self,
            X,
            y,
            accept_sparse=["csr", "csc"],
            multi_output=True,
            dtype=(np.float64, np.float32),
            reset=reset,
        )
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        class_weights = None
        if self.class_weight is not None:
            if incremental and self.class_weight == "balanced":
                raise ValueError("class_weight='balanced' is not supported by partial_fit: "
                                 "the class frequencies of one batch are not the data's. "
                                 "Pass a dict of weights instead.")
            class_weights = compute_sample_weight(self.class_weight, y)
            if not np.all(np.isfinite(class_weights) & (class_weights >= 0)):
                raise ValueError("class_weight must give finite, non-negative weights, got "
                                 f"{self.class_weight!r}.")

        # Refit the label binarizer on a fresh fit; partial_fit and warm_start
        # keep it (partial_fit's first call sets it from `classes`).
        if (not hasattr(self, "classes_")) or (not self.warm_start and not incremental):
            self._label_binarizer = LabelBinarizer()
            self._label_binarizer.fit(y)
            self.classes_ = self._label_binarizer.classes_
        else:
            classes = unique_labels(y)
            if self.warm_start:
                if set(classes) != set(self.classes_):
                    raise ValueError(
                        "warm_start can only be used where `y` has the same classes as "
                        f"in the previous call to fit. Previously got {self.classes_}, "
                        f"`y` has {classes}"
                    )
            elif len(np.setdiff1d(classes, self.classes_, assume_unique=True)):
                raise ValueError(
                    "`y` has classes not in `self.classes_`. "
                    f"`self.classes_` has {self.classes_}. 'y' has {classes}."
                )
        return X, self._encode(y), class_weights

    def _encode_validation_targets(self, y_val):
        """(0/1 indicator matrix for the loss, labels for the score)."""
        y_val = np.asarray(y_val)
        if y_val.ndim == 2 and y_val.shape[1] == 1:
            y_val = y_val.ravel()
        unseen = np.setdiff1d(unique_labels(y_val), self.classes_)
        if len(unseen):
            raise ValueError(f"validation_data has classes not in classes_: {unseen}.")
        return self._encode(y_val), y_val

    def predict(self, X: MatrixLike) -> LabelArray:
        """Predict using the multi-layer perceptron classifier.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input data.

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_classes)
            The predicted classes.
        """
        self._check_is_fitted()
        return self._predict(X)

    def _predict(self, X, check_input=True):
        return self._predictions(self._forward_pass_fast(X, check_input=check_input))

    def _predictions(self, output):
        """Classes for the output activations (n_samples, n_outputs)."""
        return self._decode(output.ravel() if self.n_outputs_ == 1 else output)

    def _encode(self, y):
        """The 0/1 indicator matrix (bool) of labels y, as
        LabelBinarizer.transform gives it. Labels that are all among classes_
        are encoded here: transform checks the target's type three times and
        builds a sparse matrix first, 1 ms for tabular_small's 5000 labels (4% of
        its fit). Anything else (multilabel y, unknown labels) goes to transform,
        with its errors."""
        binarizer = self._label_binarizer
        classes = binarizer.classes_
        if binarizer.y_type_ in ("binary", "multiclass") and y.ndim == 1 and len(classes) > 1:
            try:
                codes = np.searchsorted(classes, y)  # classes_ is sorted
            except TypeError:  # labels not comparable with the classes
                codes = None
            if (codes is not None and codes.max() < len(classes)
                    and np.array_equal(classes.take(codes), y)):
                if binarizer.y_type_ == "binary":
                    return (codes == 1).reshape(-1, 1)
                indicator = np.zeros((y.shape[0], len(classes)), dtype=bool)
                indicator[np.arange(y.shape[0]), codes] = True
                return indicator
        return binarizer.transform(y).astype(bool)

    def _decode(self, y_pred):
        """Classes for output activations, as LabelBinarizer.inverse_transform
        gives them (threshold 0.5, or the first largest), without its checks."""
        binarizer = self._label_binarizer
        classes = binarizer.classes_
        if binarizer.y_type_ == "binary" and y_pred.ndim == 1 and len(classes) == 2:
            return classes[(y_pred > 0.5).astype(np.intp)]
        if binarizer.y_type_ == "multiclass" and y_pred.ndim == 2:
            return classes.take(y_pred.argmax(axis=1))
        return binarizer.inverse_transform(y_pred)

    def _score(self, X, y, sample_weight=None):
        return self._score_with_function(X, y, sample_weight, accuracy_score)

    @available_if(lambda est: est._check_solver())
    @_stream.with_cheap_path
    def partial_fit(
        self,
        X: MatrixLike,
        y: ArrayLike,
        sample_weight: ArrayLike | None = None,
        classes: ArrayLike | None = None,
    ) -> Self:
        """Update the model with a single epoch over the given data.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input data.
        y : array-like of shape (n_samples,) or (n_samples, n_classes)
            The target values.
        sample_weight : array-like of shape (n_samples,), default=None
            Sample weights.
        classes : array of shape (n_classes,), default=None
            All classes across calls to partial_fit; required on the first call.

        Returns
        -------
        self : object
            The updated model.
        """
        if _check_partial_fit_first_call(self, classes):
            self._label_binarizer = LabelBinarizer()
            if type_of_target(y).startswith("multilabel"):
                self._label_binarizer.fit(y)
            else:
                self._label_binarizer.fit(classes)
        return self._fit(X, y, sample_weight=sample_weight, incremental=True)

    def predict_log_proba(self, X: MatrixLike) -> FloatArray:
        """Log of the probability estimates, ``log(predict_proba(X))``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input data.

        Returns
        -------
        log_y_prob : ndarray of shape (n_samples, n_classes)
            Log-probability of each class, ordered as in ``classes_``.
        """
        y_prob = self.predict_proba(X)
        with np.errstate(divide="ignore"):
            return np.log(y_prob)

    def predict_proba(self, X: MatrixLike) -> FloatArray:
        """Probability estimates.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input data.

        Returns
        -------
        y_prob : ndarray of shape (n_samples, n_classes)
            Probability of each class, ordered as in ``classes_``.
        """
        self._check_is_fitted()
        y_pred = self._forward_pass_fast(X)
        if len(self.classes_) == 1:  # fitted on one class: it is certain
            return np.ones((y_pred.shape[0], 1), dtype=y_pred.dtype)
        if self.n_outputs_ == 1:
            y_pred = y_pred.ravel()
        if y_pred.ndim == 1:
            return np.vstack([1 - y_pred, y_pred]).T
        return self._renormalized(y_pred)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        return tags


class MLPRegressor(RegressorMixin, BaseMultilayerPerceptron):
    __doc__ = (
        """Multi-layer perceptron regressor trained in C.

    A drop-in replacement for ``sklearn.neural_network.MLPRegressor``: the same
    arguments, attributes and methods, plus nnfast's own (``dtype``, ``init``,
    ``l1``, ``dropout``, ``clip_norm``, ``clip_value``, ``monitor``,
    ``restore_best_weights``, the absolute-error and Huber losses with
    ``huber_delta``; more activations and learning-rate schedules;
    ``history_``, ``forward``, ``hidden_activations``, ``summary``). Single- and
    multi-output regression with the (half) squared error, the absolute error,
    the Huber loss or the (half) Poisson deviance.

    Unlike scikit-learn (bug #8349), the gradient is the exact gradient of the
    reported loss for several outputs too: the squared error is averaged over
    outputs in both.
"""
        + _DOC_PARAMS.replace(
            "    Parameters\n    ----------\n",
            "    Parameters\n    ----------\n"
            "    loss : {'squared_error', 'poisson', 'absolute_error', 'huber'}, "
            "default='squared_error'\n"
            "        Half squared error, absolute error or Huber loss (identity output,\n"
            "        means over outputs) or half Poisson deviance (exponential output,\n"
            "        non-negative targets).\n",
        )
        + """    huber_delta : float, default=1.0
        Where the Huber loss turns from quadratic to linear.
"""
        + _DOC_ATTRIBUTES
        + """
    See Also
    --------
    MLPClassifier : The same network for classification.
    HiddenLayerTransformer : A fitted network's hidden layer as features.
    nnfast.lr_find : Choose learning_rate_init by a learning-rate range test.
    sklearn.neural_network.MLPRegressor : The estimator this one replaces.

    Examples
    --------
    >>> from sklearn.datasets import make_regression
    >>> from nnfast import MLPRegressor
    >>> X, y = make_regression(n_samples=200, n_features=10, random_state=1)
    >>> reg = MLPRegressor(max_iter=2000, tol=0.1, random_state=1).fit(X, y)
    >>> reg.score(X, y) > 0.9
    True
    """
    )

    _parameter_constraints: dict = {
        **BaseMultilayerPerceptron._parameter_constraints,
        "loss": [StrOptions({"squared_error", "poisson", "absolute_error", "huber"})],
        "huber_delta": [Interval(Real, 0, None, closed="neither")],
    }

    def __init__(
        self,
        loss: RegressionLoss = "squared_error",
        hidden_layer_sizes: LayerSizes = (100,),
        activation: HiddenActivation | Sequence[HiddenActivation] = "relu",
        *,
        solver: Solver = "adam",
        alpha: float = 0.0001,
        batch_size: int | Literal["auto", "full"] = "auto",
        learning_rate: ScheduleName | Schedule | RateFunction = "constant",
        learning_rate_init: float = 0.001,
        power_t: float = 0.5,
        max_iter: int = 200,
        shuffle: bool = True,
        random_state: RandomState = None,
        tol: float = 1e-4,
        verbose: bool | int = False,
        warm_start: bool = False,
        momentum: float = 0.9,
        nesterovs_momentum: bool = True,
        early_stopping: bool = False,
        validation_fraction: float = 0.1,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        epsilon: float = 1e-8,
        n_iter_no_change: int | float = 10,
        max_fun: int = 15000,
        dtype: ComputeDtype = "float32",
        init: Init = "glorot_uniform",
        negative_slope: float = 0.01,
        l1: float = 0.0,
        dropout: float | Sequence[float] = 0.0,
        clip_norm: float | None = None,
        clip_value: float | None = None,
        monitor: Monitor = "score",
        restore_best_weights: bool = True,
        huber_delta: float = 1.0,
    ) -> None:
        super().__init__(
            hidden_layer_sizes=hidden_layer_sizes,
            activation=activation,
            solver=solver,
            alpha=alpha,
            batch_size=batch_size,
            learning_rate=learning_rate,
            learning_rate_init=learning_rate_init,
            power_t=power_t,
            max_iter=max_iter,
            loss=loss,
            shuffle=shuffle,
            random_state=random_state,
            tol=tol,
            verbose=verbose,
            warm_start=warm_start,
            momentum=momentum,
            nesterovs_momentum=nesterovs_momentum,
            early_stopping=early_stopping,
            validation_fraction=validation_fraction,
            beta_1=beta_1,
            beta_2=beta_2,
            epsilon=epsilon,
            n_iter_no_change=n_iter_no_change,
            max_fun=max_fun,
            dtype=dtype,
            init=init,
            negative_slope=negative_slope,
            l1=l1,
            dropout=dropout,
            clip_norm=clip_norm,
            clip_value=clip_value,
            monitor=monitor,
            restore_best_weights=restore_best_weights,
        )
        self.huber_delta = huber_delta

    def predict(self, X: MatrixLike) -> FloatArray:
        """Predict using the multi-layer perceptron model.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input data.

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_outputs)
            The predicted values.
        """
        self._check_is_fitted()
        return self._predict(X)

    def _predict(self, X, check_input=True):
        return self._predictions(self._forward_pass_fast(X, check_input=check_input))

    @staticmethod
    def _predictions(output):
        """Predicted targets for the output activations (n_samples, n_outputs)."""
        return output.ravel() if output.shape[1] == 1 else output

    def _score(self, X, y, sample_weight=None):
        return self._score_with_function(X, y, sample_weight, r2_score)

    def _validate_input(self, X, y, incremental, reset):
        X, y = validate_data(
            self,
            X,
            y,
            accept_sparse=["csr", "csc"],
            multi_output=True,
            y_numeric=True,
            dtype=(np.float64, np.float32),
            reset=reset,
        )
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        if self.loss == "poisson" and np.any(y < 0):
            raise ValueError("loss='poisson' requires non-negative targets y.")
        return X, y, None

    def _encode_validation_targets(self, y_val):
        """(targets as a 2-D array for the loss, targets for the score)."""
        y_val = np.asarray(y_val, dtype=np.float64)
        if not np.isfinite(y_val).all():
            raise ValueError("validation_data: y_val contains NaN or infinity.")
        Y_val = y_val.reshape(len(y_val), -1)
        if Y_val.shape[1] != self.n_outputs_:
            raise ValueError(f"validation_data: y_val has {Y_val.shape[1]} outputs, the "
                             f"model {self.n_outputs_}.")
        return Y_val, y_val

    @available_if(lambda est: est._check_solver())
    @_stream.with_cheap_path
    def partial_fit(
        self, X: MatrixLike, y: ArrayLike, sample_weight: ArrayLike | None = None
    ) -> Self:
        """Update the model with a single epoch over the given data.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input data.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            The target values.
        sample_weight : array-like of shape (n_samples,), default=None
            Sample weights.

        Returns
        -------
        self : object
            The updated model.
        """
        return self._fit(X, y, sample_weight=sample_weight, incremental=True)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags
