"""Learning-rate schedules for sgd and adam.

A schedule maps the state of training at the start of an epoch to the learning
rate of that epoch. Each one is a pure function of that state (epoch number,
samples seen, the history of losses so far), so a fit is reproducible and a
schedule object holds no hidden state between fits.

Pass a schedule as ``learning_rate=`` to MLPClassifier/MLPRegressor, by name
with its default settings (``"step"``, ``"exponential"``, ``"cosine"``,
``"plateau"``) or as an object for other settings, e.g.
``learning_rate=Cosine(warmup=5, eta_min=1e-5)``. A plain callable
``f(epoch) -> rate`` works too. scikit-learn's own strings ``"constant"``,
``"invscaling"`` and ``"adaptive"`` keep scikit-learn's meaning (they act on sgd
only); the objects :class:`InvScaling` and :class:`ReduceOnPlateau` give those
behaviours to adam as well.

The rate used in each epoch is recorded in ``history_["learning_rate"]``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from typing import Literal

    from nnfast._typing import RateFunction

__all__ = [
    "TrainingState",
    "Schedule",
    "Constant",
    "InvScaling",
    "Step",
    "Exponential",
    "Cosine",
    "ReduceOnPlateau",
    "FromCallable",
]


@dataclass
class TrainingState:
    """What a schedule sees at the start of an epoch.

    Attributes
    ----------
    epoch : int
        The epoch about to run, counting from 0 within this call to fit (a
        warm_start fit starts again from 0); partial_fit counts its calls from
        the first one.
    samples_seen : int
        Training samples seen so far (the estimator's ``t_``).
    max_iter : int
        The estimator's max_iter (the planned number of epochs).
    history : dict of lists
        The estimator's ``history_`` up to the previous epoch: "loss" (training
        loss) and, when validation data is used, "val_loss" and "val_score".
    """

    epoch: int
    samples_seen: int
    max_iter: int
    history: dict[str, list[float]] = field(default_factory=dict)


class Schedule:
    """Base class: ``rate(base_rate, state)`` gives the epoch's learning rate.

    A subclass stores its settings in ``__init__`` (they make its ``repr``,
    equality and hash, so that estimators holding it clone and compare) and
    implements ``rate`` as a pure function of its arguments.

    See Also
    --------
    TrainingState : What ``rate`` is given.

    Examples
    --------
    >>> from nnfast.schedules import Schedule, TrainingState
    >>> class Halving(Schedule):
    ...     def rate(self, base_rate, state):
    ...         return base_rate / 2 ** state.epoch
    >>> Halving().rate(0.1, TrainingState(epoch=3, samples_seen=0, max_iter=10))
    0.0125
    """

    def rate(self, base_rate: float, state: TrainingState) -> float:
        """The learning rate of the epoch about to run.

        Parameters
        ----------
        base_rate : float
            The estimator's ``learning_rate_init``.
        state : TrainingState
            The epoch about to run, samples seen so far, max_iter and the
            history of the previous epochs.

        Returns
        -------
        rate : float
            The epoch's learning rate: finite and >= 0.
        """
        raise NotImplementedError

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in vars(self).items())
        return f"{type(self).__name__}({args})"

    def __eq__(self, other: object) -> bool:
        return type(self) is type(other) and vars(self) == vars(other)

    def __hash__(self) -> int:
        return hash((type(self).__name__, tuple(sorted(vars(self).items()))))


class Constant(Schedule):
    """The initial rate throughout.

    Examples
    --------
    >>> from nnfast.schedules import Constant, TrainingState
    >>> Constant().rate(0.01, TrainingState(epoch=50, samples_seen=0, max_iter=100))
    0.01
    """

    def rate(self, base_rate: float, state: TrainingState) -> float:
        return base_rate


class InvScaling(Schedule):
    """scikit-learn's 'invscaling': ``base / (samples_seen + 1) ** power_t``.

    The first epoch runs at the base rate. As an object it acts on adam too
    (the string 'invscaling' acts on sgd only, as in scikit-learn).

    Parameters
    ----------
    power_t : float, default=0.5
        The exponent.
    """

    def __init__(self, power_t: float = 0.5) -> None:
        self.power_t = power_t

    def rate(self, base_rate: float, state: TrainingState) -> float:
        if state.epoch == 0:
            return base_rate
        return base_rate / (state.samples_seen + 1) ** self.power_t


class Step(Schedule):
    """Multiply the rate by ``gamma`` every ``step_size`` epochs.

    Parameters
    ----------
    step_size : int, default=10
        Epochs between two reductions.
    gamma : float, default=0.5
        The factor of each reduction.

    Examples
    --------
    >>> from nnfast.schedules import Step, TrainingState
    >>> [Step(step_size=2, gamma=0.5).rate(1.0, TrainingState(e, 0, 10)) for e in range(5)]
    [1.0, 1.0, 0.5, 0.5, 0.25]
    """

    def __init__(self, step_size: int = 10, gamma: float = 0.5) -> None:
        self.step_size = step_size
        self.gamma = gamma

    def rate(self, base_rate: float, state: TrainingState) -> float:
        return base_rate * self.gamma ** (state.epoch // self.step_size)


class Exponential(Schedule):
    """Multiply the rate by ``gamma`` every epoch: ``base * gamma ** epoch``.

    Parameters
    ----------
    gamma : float, default=0.95
        The factor per epoch.
    """

    def __init__(self, gamma: float = 0.95) -> None:
        self.gamma = gamma

    def rate(self, base_rate: float, state: TrainingState) -> float:
        return base_rate * self.gamma**state.epoch


class Cosine(Schedule):
    """Cosine annealing from the base rate to ``eta_min`` over ``t_max`` epochs
    (default: max_iter), after ``warmup`` epochs of linear warm-up from
    ``base / warmup`` to the base rate.

    Parameters
    ----------
    t_max : int or None, default=None
        The epoch at which the rate reaches eta_min (warm-up included) and
        stays; None: the estimator's max_iter.
    eta_min : float, default=0.0
        The final rate.
    warmup : int, default=0
        Epochs of linear warm-up: epoch e < warmup runs at
        ``base * (e + 1) / warmup``.

    Examples
    --------
    >>> from nnfast import MLPClassifier
    >>> from nnfast.schedules import Cosine
    >>> clf = MLPClassifier(learning_rate=Cosine(warmup=5, eta_min=1e-5))
    """

    def __init__(self, t_max: int | None = None, eta_min: float = 0.0, warmup: int = 0) -> None:
        self.t_max = t_max
        self.eta_min = eta_min
        self.warmup = warmup

    def rate(self, base_rate: float, state: TrainingState) -> float:
        if state.epoch < self.warmup:
            return base_rate * (state.epoch + 1) / self.warmup
        t_max = self.t_max if self.t_max is not None else state.max_iter
        span = max(t_max - self.warmup, 1)
        progress = min((state.epoch - self.warmup) / span, 1.0)
        return self.eta_min + (base_rate - self.eta_min) * 0.5 * (1 + math.cos(math.pi * progress))


class ReduceOnPlateau(Schedule):
    """Multiply the rate by ``factor`` whenever the monitored loss has not
    improved by more than ``threshold`` for ``patience`` epochs, down to
    ``min_rate``.

    Parameters
    ----------
    factor : float, default=0.2
        The factor of each reduction.
    patience : int, default=5
        Epochs without improvement tolerated before a reduction.
    threshold : float, default=1e-4
        The smallest decrease of the monitored loss that counts as an
        improvement.
    min_rate : float, default=1e-6
        The rate is never reduced below this.
    monitor : {"loss", "val_loss"}, default="loss"
        The training loss, or the validation loss (which falls back to the
        training loss when the fit has no validation data).
    """

    def __init__(
        self,
        factor: float = 0.2,
        patience: int = 5,
        threshold: float = 1e-4,
        min_rate: float = 1e-6,
        monitor: Literal["loss", "val_loss"] = "loss",
    ) -> None:
        self.factor = factor
        self.patience = patience
        self.threshold = threshold
        self.min_rate = min_rate
        self.monitor = monitor

    def rate(self, base_rate: float, state: TrainingState) -> float:
        values = state.history.get(self.monitor) or []
        if all(math.isnan(v) for v in values):  # history_ holds NaN without validation data
            values = state.history.get("loss", [])
        rate, best, waited = base_rate, math.inf, 0
        for value in values:
            if value < best - self.threshold:
                best, waited = value, 0
            else:
                waited += 1
                if waited > self.patience:
                    rate, waited = max(rate * self.factor, self.min_rate), 0
        return rate


class FromCallable(Schedule):
    """A user's function of the epoch (from 0) that returns the rate itself.

    Estimators wrap a plain callable ``learning_rate`` in this; the base rate
    is not applied.

    Parameters
    ----------
    function : callable
        ``function(epoch) -> rate``, epoch counting from 0.
    """

    def __init__(self, function: RateFunction) -> None:
        self.function = function

    def rate(self, base_rate: float, state: TrainingState) -> float:
        return float(self.function(state.epoch))


NAMED = {
    "step": Step,
    "exponential": Exponential,
    "cosine": Cosine,
    "plateau": ReduceOnPlateau,
}
