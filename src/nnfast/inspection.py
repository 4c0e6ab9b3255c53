"""Looking inside a network: gradient diagnostics, summaries, the LR range test.

The estimators' ``forward``, ``transform`` and ``summary`` methods and the
gradient warnings raised during ``fit`` are built from the functions here;
``lr_find`` is public as ``nnfast.lr_find``.
"""

from __future__ import annotations

import copy
import math
import sys
import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from sklearn.base import _fit_context, clone
from sklearn.utils.validation import check_is_fitted

from nnfast.exceptions import ExplodingGradientWarning, VanishingGradientWarning

if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import Any

    from numpy.typing import ArrayLike, NDArray

    from nnfast._multilayer_perceptron import BaseMultilayerPerceptron
    from nnfast._typing import MatrixLike

__all__ = ["LRFinderResult", "lr_find", "diagnose_gradients", "summary"]

# A layer's mean weight-gradient norm at least this large is "exploding": with
# losses that are means over samples, healthy networks stay well below 10.
EXPLODING_NORM = 1e4
# The first layer's gradient below this fraction of the last layer's, for
# VANISHING_EPOCHS epochs in a row, is "vanishing".
VANISHING_RATIO = 1e-3
VANISHING_EPOCHS = 3
# The code of scikit-learn's _fit_context wrapper (one for every decorated method).
_FIT_WRAPPER_CODE = _fit_context(prefer_skip_nested_validation=True)(lambda self: self).__code__


def _caller_stacklevel():
    """The stacklevel for diagnose_gradients' warnings that points at the
    user's call: the first frame out of nnfast's private modules (the
    estimators' training code) and scikit-learn's fit wrapper. Counted, not
    fixed: fit and partial_fit's full and cheap paths have different depths."""
    frame, level = sys._getframe(2), 2  # diagnose_gradients' caller
    while frame.f_back is not None:
        module = frame.f_globals.get("__name__", "")
        internal = module.startswith("nnfast._") and not module.startswith("nnfast.__")
        if not internal and frame.f_code is not _FIT_WRAPPER_CODE:
            break
        frame, level = frame.f_back, level + 1
    return level


def diagnose_gradients(
    history: dict[str, list[Any]], issued: set[type[Warning]], final: bool = False
) -> None:
    """Warn about vanishing or exploding gradients from ``history_``'s norms.

    Called by ``fit`` after every epoch (sgd, adam). Exploding: the last epoch's
    weight-gradient norm of some layer is non-finite or at least
    ``EXPLODING_NORM``. Vanishing (networks of three or more layers of weights):
    the first layer's norm has been below ``VANISHING_RATIO`` times the last
    layer's for ``VANISHING_EPOCHS`` epochs in a row.

    Parameters
    ----------
    history : dict of str to list
        An estimator's ``history_``; only ``history["weight_grad_norm"]`` (one
        list of per-layer norms per epoch) is read.
    issued : set of type
        The warning classes already raised in this fit; each is raised at most
        once per fit, and added to the set when it is.
    final : bool, default=False
        The fit has ended: a fit shorter than VANISHING_EPOCHS is judged on all
        its epochs.

    Returns
    -------
    None
        Warns with :class:`nnfast.exceptions.ExplodingGradientWarning` or
        :class:`nnfast.exceptions.VanishingGradientWarning`.
    """
    norms = history["weight_grad_norm"]
    if not norms:
        return
    # plain Python over a few floats: called every epoch, where NumPy's calls
    # cost more than the arithmetic (9 us a call, 0.2 ms of a 20-epoch fit)
    last = [float(value) for value in norms[-1]]
    if ExplodingGradientWarning not in issued:
        bad = [layer for layer, value in enumerate(last)
               if not math.isfinite(value) or value >= EXPLODING_NORM]
        if bad:
            layer = bad[0]
            issued.add(ExplodingGradientWarning)
            warnings.warn(
                f"Exploding gradients: layer {layer + 1}'s weight-gradient norm was "
                f"{last[layer]:.3g} in epoch {len(norms)}. Lower learning_rate_init, "
                "set clip_norm (e.g. clip_norm=1.0), scale the inputs and targets "
                "(StandardScaler), or use a smaller init.",
                ExplodingGradientWarning,
                stacklevel=_caller_stacklevel(),
            )
    if VanishingGradientWarning in issued or len(last) < 3:
        return
    window = min(VANISHING_EPOCHS, len(norms)) if final else VANISHING_EPOCHS
    if len(norms) < window:
        return
    ratios = [_ratio(float(epoch[0]), float(epoch[-1])) for epoch in norms[-window:]]
    if all(ratio < VANISHING_RATIO for ratio in ratios):
        issued.add(VanishingGradientWarning)
        warnings.warn(
            f"Vanishing gradients: the first layer's weight gradients were "
            f"{max(ratios):.1e} times the last layer's or less for {window} epochs, "
            "so the early layers barely learn. Use activation='relu' (or "
            "'leaky_relu', 'gelu') with init='he_normal', fewer layers, or a larger "
            "learning_rate_init.",
            VanishingGradientWarning,
            stacklevel=_caller_stacklevel(),
        )


def _ratio(first: float, last: float) -> float:
    """first / last as IEEE division gives it (inf or NaN for a zero last)."""
    if last == 0:
        return math.nan if first == 0 or math.isnan(first) else math.copysign(math.inf, first)
    return first / last


# ---------------------------------------------------------------- summary

_BOUNDED = {"logistic": (0.0, 1.0), "tanh": (-1.0, 1.0)}


def _unit_statistics(activation: str, values: NDArray[Any],
                     pre_activation: NDArray[Any]) -> tuple[int | None, int | None]:
    """(dead units, saturated units) of one hidden layer over X's rows."""
    dead = saturated = None
    if activation in ("relu",):
        dead = int(np.sum(np.all(pre_activation <= 0, axis=0)))
    if activation in _BOUNDED:
        low, high = _BOUNDED[activation]
        margin = 0.01 * (high - low)
        near = (values <= low + margin) | (values >= high - margin)
        # saturated: at a bound for at least 95% of the rows
        saturated = int(np.sum(near.mean(axis=0) >= 0.95))
    return dead, saturated


def summary(estimator: BaseMultilayerPerceptron, X: MatrixLike | None = None) -> str:
    """A text table of the network's layers (the estimators' ``summary``).

    Parameters
    ----------
    estimator : MLPClassifier or MLPRegressor
        Fitted or not: without fitting, the table has the hidden layers only.
    X : {array-like, sparse matrix} of shape (n_samples, n_features), default=None
        Data to compute activation statistics on, with the dead ReLU units
        and the saturated logistic/tanh units of each hidden layer (fitted
        estimators only).

    Returns
    -------
    text : str
        The table; print it.
    """
    name = type(estimator).__name__
    hidden = estimator.hidden_layer_sizes
    hidden = list(hidden) if hasattr(hidden, "__iter__") else [hidden]
    fitted = hasattr(estimator, "coefs_")
    if fitted:
        units: list[Any] = [estimator.coefs_[0].shape[0]] + [c.shape[1] for c in estimator.coefs_]
        activations = estimator._hidden_activations(len(units) - 2) + [estimator.out_activation_]
        dtype = estimator._params.dtype.name
    else:
        units = ["?"] + hidden + ["?"]
        activations = estimator._hidden_activations(len(hidden)) + ["?"]
        dtype = estimator.dtype
    rows = [("layer", "units", "activation", "weights", "params")]
    total = 0
    for i in range(1, len(units)):
        fan_in, fan_out = units[i - 1], units[i]
        if fitted:
            n = fan_in * fan_out + fan_out
            total += n
            rows.append((str(i), str(fan_out), activations[i - 1], f"{fan_in}x{fan_out}", f"{n:,}"))
        else:
            rows.append((str(i), str(fan_out), activations[i - 1], f"{fan_in}x{fan_out}", "?"))
    lines = [f"{name} ({'fitted' if fitted else 'not fitted'}, {dtype}): "
             f"{units[0]} inputs, {len(units) - 2} hidden "
             f"layer{'' if len(units) == 3 else 's'}"]
    lines += _table(rows)
    if fitted:
        lines.append(f"total parameters: {total:,}")
        lines.append("")
        stats = [("layer", "W mean", "W std", "|W| max", "W == 0", "b mean", "b std")]
        for i, (W, b) in enumerate(zip(estimator.coefs_, estimator.intercepts_), start=1):
            stats.append((str(i), f"{W.mean():.3g}", f"{W.std():.3g}", f"{np.abs(W).max():.3g}",
                          f"{np.mean(W == 0):.1%}", f"{b.mean():.3g}", f"{b.std():.3g}"))
        lines += _table(stats)
    if X is not None:
        check_is_fitted(estimator)
        layers = estimator.forward(X)
        lines.append("")
        lines.append(f"activations over {len(layers[0].activation)} rows of X:")
        act_rows = [("layer", "activation", "mean", "std", "dead units", "saturated units")]
        for i, layer in enumerate(layers[:-1], start=1):
            dead, saturated = _unit_statistics(activations[i - 1], layer.activation,
                                               layer.pre_activation)
            act_rows.append((str(i), activations[i - 1], f"{layer.activation.mean():.3g}",
                             f"{layer.activation.std():.3g}",
                             "-" if dead is None else f"{dead}/{units[i]}",
                             "-" if saturated is None else f"{saturated}/{units[i]}"))
        lines += _table(act_rows)
    return "\n".join(lines)


def _table(rows: Sequence[tuple[str, ...]]) -> list[str]:
    widths = [max(len(row[c]) for row in rows) for c in range(len(rows[0]))]
    out = ["  ".join(cell.rjust(w) for cell, w in zip(row, widths)) for row in rows]
    out.insert(1, "  ".join("-" * w for w in widths))
    return out


# ---------------------------------------------------------------- LR range test


@dataclass
class LRFinderResult:
    """The learning-rate range test's outcome.

    Attributes
    ----------
    rates : ndarray of shape (n_rates,)
        The learning rates tried, increasing geometrically.
    losses : ndarray of shape (n_rates,)
        The training loss after the short run at each rate (inf where the run
        diverged).
    suggested_rate : float
        The rate with the lowest loss.

    See Also
    --------
    lr_find : Runs the test and returns this.
    nnfast.plot.plot_lr_find : Plots it.
    """

    rates: NDArray[np.floating[Any]]
    losses: NDArray[np.floating[Any]]
    suggested_rate: float


def lr_find(estimator: BaseMultilayerPerceptron, X: MatrixLike, y: ArrayLike, *,
            start_rate: float = 1e-5, end_rate: float = 1.0, n_rates: int = 30,
            epochs: int = 1, max_samples: int | None = None) -> LRFinderResult:
    """The learning-rate range test.

    For each of ``n_rates`` rates between ``start_rate`` and ``end_rate``
    (geometric), trains a copy of the estimator for ``epochs`` epochs at that
    constant rate, every copy from the same initial weights (the estimator's own
    when it is fitted, else its initialisation with its random_state) and with
    the same minibatch order, and records the training loss of the last epoch.
    The estimator itself is left unchanged.

    Parameters
    ----------
    estimator : MLPClassifier or MLPRegressor
        With solver 'sgd' or 'adam'.
    X : {array-like, sparse matrix} of shape (n_samples, n_features)
        Training data.
    y : array-like of shape (n_samples,) or (n_samples, n_outputs)
        Targets.
    start_rate, end_rate : float, default=1e-5, 1.0
        The range of rates.
    n_rates : int, default=30
        How many rates to try.
    epochs : int, default=1
        Length of each short run.
    max_samples : int or None, default=None
        Use only the first max_samples rows, for speed.

    Returns
    -------
    result : LRFinderResult
        ``rates``, ``losses`` and ``suggested_rate``.

    See Also
    --------
    nnfast.plot.plot_lr_find : Plot the losses against the rates.
    nnfast.schedules : Learning-rate schedules, for the rate during training.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from nnfast import MLPClassifier, lr_find
    >>> X, y = load_digits(return_X_y=True)
    >>> result = lr_find(MLPClassifier(random_state=0), X / 16, y, n_rates=8)
    >>> result.rates.shape, result.losses.shape
    ((8,), (8,))
    >>> clf = MLPClassifier(learning_rate_init=result.suggested_rate, random_state=0)
    """
    if estimator.solver not in ("sgd", "adam"):
        raise ValueError("lr_find needs solver='sgd' or 'adam'.")
    if not 0 < start_rate < end_rate:
        raise ValueError(f"lr_find needs 0 < start_rate < end_rate, got {start_rate}, {end_rate}.")
    if n_rates < 2 or epochs < 1:
        raise ValueError("lr_find needs n_rates >= 2 and epochs >= 1.")
    if max_samples is not None:
        # ArrayLike admits scalars too; fit rejects those with a clear message.
        X, y = X[:max_samples], y[:max_samples]  # type: ignore[index]

    fixed = dict(max_iter=epochs, tol=0.0, n_iter_no_change=epochs + 1,
                 early_stopping=False, verbose=False)
    if hasattr(estimator, "coefs_"):
        start = copy.deepcopy(estimator)
        start.set_params(warm_start=True, **fixed)
    else:
        # One epoch at rate 0 initialises the weights without moving them.
        start = clone(estimator).set_params(learning_rate=_ConstantRate(0.0),
                                            **dict(fixed, max_iter=1))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            start.fit(X, y)
        start.set_params(warm_start=True, **fixed)
    if start.random_state is None:
        # one seed for all the copies, so that they see the same minibatches
        start.set_params(random_state=np.random.randint(np.iinfo(np.int32).max))

    rates = np.geomspace(start_rate, end_rate, n_rates)
    losses = np.empty(n_rates)
    for i, rate in enumerate(rates):
        model = copy.deepcopy(start).set_params(learning_rate=_ConstantRate(rate))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                model.fit(X, y)
                losses[i] = model.history_["loss"][-1]
            except ValueError:  # diverged: non-finite loss or weights
                losses[i] = np.inf
        if not np.isfinite(losses[i]):
            losses[i] = np.inf
    best = int(np.argmin(losses))
    return LRFinderResult(rates=rates, losses=losses, suggested_rate=float(rates[best]))


class _ConstantRate:
    """A picklable constant schedule (a lambda would not deepcopy cleanly)."""

    def __init__(self, rate: float) -> None:
        self.rate = rate

    def __call__(self, epoch: int) -> float:
        return self.rate
