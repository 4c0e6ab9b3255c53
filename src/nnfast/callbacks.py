"""Callbacks: scikit-learn's callback API on nnfast's fits, and checkpoints.

With scikit-learn >= 1.9, :class:`~nnfast.MLPClassifier`,
:class:`~nnfast.MLPRegressor` and :class:`~nnfast.Perceptron` take
``set_callbacks(...)`` of ``sklearn.callback``. A fit is the root task; each
epoch (sgd, adam, the perceptron rule) or iteration (lbfgs) is one subtask, named
``"epoch"`` or ``"iteration"``; a ``partial_fit`` call is one task of its own,
named ``"partial_fit"``. Every hook gets the estimator, its task's context and,
when the hook's signature asks for them, ``X``, ``y`` (the labels, not the
encoded targets), ``metadata`` (``{"sample_weight": ...}``, the weights the loss
uses, class weights included; None without weights) and ``fitted_estimator``.
Epoch tasks get the training rows (without the validation split).

``fitted_estimator`` is a copy of the model as it would be had the fit stopped
at that point (with ``restore_best_weights``, the best weights so far): its own
parameter block and optimizer state, ``history_`` and ``loss_curve_`` up to
that epoch. The estimator builds it only when a hook's signature names
``fitted_estimator``: it hands scikit-learn a function, not the attributes, as
``reconstruction_attributes``, and scikit-learn calls a function only for a hook
that takes the argument. A fit whose callbacks take only ``estimator`` and
``context`` (as ``sklearn.callback.ProgressBar`` does) copies nothing. A
fit without callbacks opens no context at all; its epoch loop pays one ``if``.

``on_fit_task_end`` of an epoch returning True stops the fit after that epoch,
leaving the state early stopping leaves. ``setup`` and ``teardown`` run once per
fit, also when the fit raises or is interrupted with Ctrl-C (scikit-learn's
``_fit_context`` tears down in a ``finally``).

:class:`ModelCheckpoint` follows the same protocol: it writes the model with
:func:`nnfast.save` so that a killed process leaves a complete file, and a fit
resumed from that file continues bit for bit (see its docstring).
"""

import math
import numbers
import os

try:
    from sklearn.callback import CallbackSupportMixin
except ImportError:
    CallbackSupportMixin = None

__all__ = ["ModelCheckpoint", "HAS_CALLBACK_API"]

#: True when the installed scikit-learn has the callback API (``sklearn.callback``,
#: scikit-learn >= 1.9); without it the estimators have no ``set_callbacks``.
HAS_CALLBACK_API = CallbackSupportMixin is not None

if not HAS_CALLBACK_API:  # scikit-learn < 1.9: nothing to support
    class CallbackSupportMixin:  # type: ignore[no-redef]
        """Stands in for scikit-learn's mixin where it does not exist (< 1.9)."""


EPOCH_TASKS = ("epoch", "iteration", "partial_fit")


def fit_tasks(estimator, task_name, max_subtasks, X, y, sample_weight):
    """The callback tasks of one fit (or partial_fit call), or None when the
    estimator has no callbacks: then the fit does no callback work at all.

    Opening the tasks calls the callbacks' ``setup`` (scikit-learn's
    ``_init_callback_context``) and the root task's ``on_fit_task_begin``.
    `y` may be a function returning the labels (called at most once)."""
    if not estimator.__dict__.get("_skl_callbacks"):
        return None
    return _FitTasks(estimator, task_name, max_subtasks, X, y, sample_weight)


class _Lazy:
    """A value computed on the first call, then kept: scikit-learn calls a
    callable hook argument once per hook call."""

    def __init__(self, compute):
        self.compute = compute

    def __call__(self):
        if self.compute is not None:
            self.value, self.compute = self.compute(), None
        return self.value


def _data(X, y, sample_weight):
    y = _Lazy(y) if callable(y) else y
    return X, y, None if sample_weight is None else {"sample_weight": sample_weight}


class _FitTasks:
    """The root task of a fit and its subtasks, one at a time."""

    def __init__(self, estimator, task_name, max_subtasks, X, y, sample_weight):
        self.estimator = estimator
        self.max_subtasks = max_subtasks
        self.n_subtasks = 0
        self.current = None
        self.root_data = _data(X, y, sample_weight)
        self.data = self.root_data
        self.root = estimator._init_callback_context(task_name=task_name,
                                                     max_subtasks=max_subtasks)
        self._call(self.root.call_on_fit_task_begin, self.root_data, None)

    def _call(self, hook, data, fitted):
        X, y, metadata = data
        return hook(estimator=self.estimator, X=X, y=y, metadata=metadata,
                    reconstruction_attributes=fitted)

    def set_training_data(self, X, y, sample_weight):
        """The rows the epochs train on (after a validation split)."""
        self.data = _data(X, y, sample_weight)

    def can_begin(self):
        return self.current is None and self.n_subtasks < self.max_subtasks

    def begin(self, task_name, fitted):
        """Open a subtask; `fitted` returns the fitted_estimator's attributes."""
        self.current = self.root.subcontext(task_name=task_name)
        self.n_subtasks += 1
        self._call(self.current.call_on_fit_task_begin, self.data, fitted)

    def end(self, fitted):
        """Close the open subtask; True if a callback asks to stop."""
        context, self.current = self.current, None
        return bool(self._call(context.call_on_fit_task_end, self.data, fitted))

    def finish(self, fitted=None):
        """Close the root task: the fit returns. A subtask left open (lbfgs
        begins an iteration that scipy may not finish) ends empty, as
        scikit-learn's lbfgs bridge ends its last one."""
        if self.current is not None:
            context, self.current = self.current, None
            context.call_on_fit_task_end(estimator=self.estimator)
        return self._call(self.root.call_on_fit_task_end, self.root_data,
                          {} if fitted is None else fitted)


# ---------------------------------------------------------------- ModelCheckpoint


_LOWER_IS_BETTER = {"loss": True, "val_loss": True, "val_score": False, "errors": True}


class ModelCheckpoint:
    """Write the model to a file during training, so that a killed fit can resume.

    A callback of scikit-learn's callback API (needs scikit-learn >= 1.9), set
    on an nnfast estimator with ``model.set_callbacks(ModelCheckpoint(path))``.
    At the end of every `every`-th epoch (the model's epoch count: partial_fit
    calls and resumed fits go on counting), it writes the model with
    :func:`nnfast.save`; with `monitor`, only when the monitored value is better
    than every earlier value of it in the model's ``history_``.

    Each write goes to a temporary file in the same folder, which is flushed and
    fsynced, then renamed over `path` (and the folder fsynced): whenever the
    process dies, even by SIGKILL or power loss, `path` holds a complete model
    or does not exist yet (a stray ``*.tmp`` file may be left beside it).

    A file written during a fit records that epochs were left. Load it with
    :func:`nnfast.load` and call ``fit`` with ``warm_start=True`` on the same
    data: the fit resumes where the file was written — the weights, the
    optimizer's moments and step count, the shuffling generator, the
    learning-rate schedule, the early-stopping counters and the validation
    split — and runs the remaining ``max_iter - n_iter_`` epochs; with the same
    ``random_state`` and thread count the result is bit for bit the
    uninterrupted fit. ``partial_fit`` on a loaded file continues the same way.

    Parameters
    ----------
    path : str or path-like
        The file to write (replaced at each write; no suffix is added).
    every : int, default=1
        Write (or check `monitor`) every `every` epochs.
    monitor : {"loss", "val_loss", "val_score", "val_metric", "errors"} or None, default=None
        Write only when this entry of ``history_`` improved: lower is better for
        the losses, higher for ``val_score``; ``val_metric`` follows the
        estimator's ``monitor`` metric; ``"errors"`` is a Perceptron's
        ``errors_`` (lower is better). The validation entries need validation
        data (``validation_data`` or ``early_stopping=True``).

    Notes
    -----
    A model whose parameters cannot be saved (a callable ``learning_rate``, a
    ``RandomState`` instance as ``random_state``) raises the error of
    :func:`nnfast.save` at the first write. lbfgs fits are checkpointed but
    resume as a ``warm_start`` fit: scipy's L-BFGS state cannot be saved. A
    Perceptron's checkpoint loads and predicts; the Perceptron has no
    ``warm_start``, so its fit starts over.

    Examples
    --------
    >>> import os, tempfile
    >>> from sklearn.datasets import load_iris
    >>> import nnfast
    >>> from nnfast.callbacks import ModelCheckpoint
    >>> X, y = load_iris(return_X_y=True)
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = os.path.join(folder, "model.npz")
    ...     model = nnfast.MLPClassifier(max_iter=20, tol=0, random_state=0)
    ...     _ = model.set_callbacks(ModelCheckpoint(path, every=5)).fit(X, y)
    ...     nnfast.load(path).n_iter_
    20
    """

    def __init__(self, path, every=1, monitor=None):
        if not isinstance(path, (str, bytes, os.PathLike)):
            raise TypeError(f"ModelCheckpoint: path must be a str or path-like, got {path!r}.")
        if isinstance(every, bool) or not isinstance(every, numbers.Integral) or every < 1:
            raise ValueError(f"ModelCheckpoint: every must be an integer >= 1, got {every!r}.")
        if monitor is not None and monitor not in (*_LOWER_IS_BETTER, "val_metric"):
            raise ValueError(
                f"ModelCheckpoint: monitor must be None or one of "
                f"{sorted([*_LOWER_IS_BETTER, 'val_metric'])}, got {monitor!r}."
            )
        self.path = path
        self.every = int(every)
        self.monitor = monitor

    def __repr__(self):
        return (f"ModelCheckpoint(path={os.fspath(self.path)!r}, every={self.every}, "
                f"monitor={self.monitor!r})")

    def setup(self, estimator, context):
        """Check, when the fit starts, that the model and `monitor` fit together.

        Parameters
        ----------
        estimator : MLPClassifier, MLPRegressor or nnfast.Perceptron
            The model being fitted.
        context : object
            scikit-learn's ``CallbackContext`` of the fit's root task.
        """
        from nnfast.persistence import _ESTIMATORS

        if _ESTIMATORS.get(type(estimator).__name__) is not type(estimator):
            raise TypeError(
                f"ModelCheckpoint: saves {', '.join(_ESTIMATORS)} models, not "
                f"{type(estimator).__name__}; set it on the nnfast estimator itself."
            )
        perceptron = type(estimator).__name__ == "Perceptron"
        if self.monitor is not None and perceptron != (self.monitor == "errors"):
            allowed = "'errors'" if perceptron else "'loss', 'val_loss', 'val_score', 'val_metric'"
            raise ValueError(f"ModelCheckpoint: monitor={self.monitor!r} is not recorded by "
                             f"{type(estimator).__name__}; use {allowed} or None.")

    def teardown(self, estimator, context):
        """Nothing to release: every write is complete when it returns.

        Parameters
        ----------
        estimator : MLPClassifier, MLPRegressor or nnfast.Perceptron
            The model that was fitted.
        context : object
            scikit-learn's ``CallbackContext`` of the fit's root task.
        """

    def on_fit_task_begin(self, estimator, context):
        """Nothing to do when a task begins.

        Parameters
        ----------
        estimator : MLPClassifier, MLPRegressor or nnfast.Perceptron
            The model being fitted.
        context : object
            scikit-learn's ``CallbackContext`` of the task beginning.
        """

    def on_fit_task_end(self, estimator, context):
        """At an epoch's end, write the model if it is due (see the class).

        Parameters
        ----------
        estimator : MLPClassifier, MLPRegressor or nnfast.Perceptron
            The model being fitted, as it stands at the end of the task.
        context : object
            scikit-learn's ``CallbackContext`` of the task ending: an epoch (``"epoch"``, ``"iteration"``) or a
            ``partial_fit`` call; other tasks are ignored.

        Returns
        -------
        stop : bool
            Always False: a checkpoint never stops the fit.
        """
        if context.task_name not in EPOCH_TASKS:
            return False
        values = estimator.errors_ if hasattr(estimator, "errors_") else None
        if values is None:
            values = estimator.history_[self.monitor or "loss"]
        if len(values) == 0 or len(values) % self.every:
            return False
        if self.monitor is not None and not self._improved(estimator, values):
            return False
        from nnfast.persistence import save

        save(estimator, self.path)
        return False

    def _improved(self, estimator, values):
        if self.monitor == "val_metric":
            from nnfast._multilayer_perceptron import _MONITOR_METRICS

            metric = _MONITOR_METRICS.get(estimator.monitor)
            lower_is_better = metric is not None and not metric[2]
        else:
            lower_is_better = _LOWER_IS_BETTER[self.monitor]
        current = float(values[-1])
        if math.isnan(current):
            raise ValueError(
                f"ModelCheckpoint: monitor={self.monitor!r} is NaN at epoch {len(values)}: "
                "the validation entries need validation_data or early_stopping=True "
                "(val_metric also a monitor metric)."
            )
        earlier = [float(v) for v in values[:-1] if not math.isnan(float(v))]
        if not earlier:
            return True
        return current < min(earlier) if lower_is_better else current > max(earlier)
