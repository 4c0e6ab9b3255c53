"""The training drivers of the MLP estimators: sgd and adam epochs, L-BFGS.

The estimators (``_multilayer_perceptron``) validate the settings and the data,
then hand the model to one driver per fit or partial_fit call:
``fit_stochastic`` (sgd, adam) or ``fit_lbfgs``. A driver trains the model's
flat parameter block in place and keeps its fitted attributes and its record
(``history_``, ``loss_curve_``, the validation scores) up to date after every
epoch, so that a callback or a checkpoint between two epochs sees the model as
fit would leave it there.

One sgd/adam epoch (``_StochasticFit.epoch``) reads as a training step: the
epoch's learning rate -> one epoch over every minibatch in C (GIL released)
-> the epoch's figures into the record -> early stopping and scikit-learn's
rate rules -> the callbacks -> stop or go on.
"""

from __future__ import annotations

import contextlib
import time
import warnings

import numpy as np
import scipy.optimize
from sklearn.base import is_classifier
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.utils.validation import validate_data

from nnfast import _core, _stream, _threads, metrics
from nnfast._compat import check_sample_weight
from nnfast.inspection import diagnose_gradients
from nnfast.schedules import NAMED as _NAMED_SCHEDULES
from nnfast.schedules import FromCallable, Schedule, TrainingState

# history_: one entry per epoch (sgd, adam). Validation entries are NaN when no
# validation data is used; gradient norms are per layer.
_HISTORY_KEYS = (
    "epoch", "loss", "val_loss", "val_score", "val_metric", "learning_rate", "time",
    "weight_grad_norm", "bias_grad_norm",
)
_NO_VALIDATION = (np.nan,) * 3
# The rates whose rules are scikit-learn's: kept in model._learning_rate, which
# invscaling and adaptive (sgd only) change after an epoch.
_SKLEARN_SCHEDULES = {"constant", "invscaling", "adaptive"}
# What `monitor` may name besides "score" and "loss": nnfast.metrics functions,
# as (function, keyword arguments, greater is better, for classifiers).
_MONITOR_METRICS = {
    "accuracy": (metrics.accuracy_score, {}, True, True),
    **{
        f"{name}{suffix}": (function, {"average": average}, True, True)
        for name, function in (("precision", metrics.precision_score),
                               ("recall", metrics.recall_score),
                               ("f1", metrics.f1_score))
        for suffix, average in (("", "binary"), ("_macro", "macro"), ("_micro", "micro"),
                                ("_weighted", "weighted"))
    },
    "r2": (metrics.r2_score, {}, True, False),
    "mean_squared_error": (metrics.mean_squared_error, {}, False, False),
    "root_mean_squared_error": (metrics.root_mean_squared_error, {}, False, False),
    "mean_absolute_error": (metrics.mean_absolute_error, {}, False, False),
}
_INTERRUPTED = "Training interrupted by user."


def fit_stochastic(model, X, y, sample_weight, incremental, validation_data, tasks=None,
                   resume=False):
    """Train `model` with sgd or adam: up to max_iter epochs, or one epoch when
    `incremental` (partial_fit). X, y and sample_weight are as the C core takes
    them; `tasks` are the callbacks' (callbacks.fit_tasks) or None; `resume`
    goes on with the fit a checkpoint interrupted."""
    _StochasticFit(model, X, y, sample_weight, incremental, validation_data, tasks,
                   resume).run()


class _StochasticFit:
    """One sgd/adam fit or partial_fit call: what is set up once (optimizer
    state, validation set, batch size, networks, threads), then the epochs."""

    __slots__ = (
        "model", "params", "X", "y", "sample_weight", "n_samples", "batch_size",
        "incremental", "early_stopping", "validation", "net", "eval_net", "grad_norms",
        "issued_warnings", "last_params", "last_state", "last_t", "n_threads", "tasks",
        "epoch_tasks", "start",
    )

    def __init__(self, model, X, y, sample_weight, incremental, validation_data, tasks,
                 resume):
        self.model = model
        self.params = params = model._packed_params()
        n_state = params.size * (2 if model.solver == "adam" else 1)
        # warm_start restarts the optimizer (scikit-learn's rule); partial_fit
        # and a resumed fit go on with it.
        fresh_optimizer = not (incremental or resume) or getattr(model, "_opt_state", None) is None
        if fresh_optimizer or model._opt_state.size != n_state:
            model._opt_state = np.zeros(n_state, dtype=params.dtype)
            model._opt_t = 0
            model._learning_rate = float(model.learning_rate_init)
        if model.early_stopping and incremental:
            raise ValueError("partial_fit does not support early_stopping=True")

        self.incremental = incremental
        self.early_stopping = model.early_stopping
        (X, y, sample_weight), validation = _validation_split(model, X, y, sample_weight,
                                                              validation_data)
        self.validation = validation
        if validation is not None:
            if not (resume and hasattr(model, "_best_params")):
                model._best_params = params.copy()
            if model.validation_scores_ is None:  # validation_data without early stopping
                model.validation_scores_ = []
                model.best_validation_score_ = -np.inf
            self.eval_net = model._chunked_network(validation[0].shape[0])
        else:
            self.eval_net = None

        if fresh_optimizer or getattr(model, "_rng_state", None) is None:
            model._rng_state = _core.seed_state(
                int(model._random_state.randint(np.iinfo(np.int32).max)))

        self.X, self.y, self.sample_weight = X, y, sample_weight
        self.n_samples = n_samples = X.shape[0]
        if model.batch_size == "auto":
            batch_size = min(200, n_samples)
        elif model.batch_size == "full":
            batch_size = n_samples
        else:
            if model.batch_size > n_samples:
                warnings.warn(
                    "Got `batch_size` less than 1 or larger than sample size. "
                    "It is going to be clipped"
                )
            batch_size = int(np.clip(model.batch_size, 1, n_samples))
        self.batch_size = batch_size

        self.net = (_stream.training_network(model, batch_size) if incremental
                    else model._network(batch_size, training=True))
        self.grad_norms = np.zeros(2 * len(model.coefs_))
        self.issued_warnings = set()
        # The C core refuses a non-finite gradient, but a finite step can still
        # overflow the weights (float32, huge rates): keep the epoch's start.
        self.last_params, self.last_state = params.copy(), model._opt_state.copy()
        self.last_t = model._opt_t
        # Each minibatch is shared by up to n_threads threads of the C core, each
        # calling BLAS on its part; BLAS's own threads would compete with them.
        self.n_threads = _threads.epoch_threads(n_samples, batch_size,
                                                sum(c.size for c in model.coefs_))
        self.tasks = tasks
        self.epoch_tasks = tasks is not None and not incremental
        # history_["time"] counts from the fit's start (run adds the clock's
        # reading); a resumed fit's goes on from its last epoch.
        self.start = -model.history_["time"][-1] if resume and model.history_["time"] else 0.0
        if not resume:
            model.n_iter_ = 0

    def run(self):
        """The epochs, until one says stop, then the weights training ends with."""
        model = self.model
        blas_limit = (_threads.single_threaded_blas() if self.n_threads > 1
                      else contextlib.nullcontext())
        with blas_limit:
            self.start += time.perf_counter()
            if self.tasks is not None:
                self.tasks.set_training_data(self.X, model._callback_labels(self.y),
                                             self.sample_weight)
            try:
                for _ in range(model.max_iter - model.n_iter_):
                    if self.epoch():
                        break
            except KeyboardInterrupt:
                warnings.warn(_INTERRUPTED)
            except FloatingPointError as exc:
                self.roll_back(exc)

        diagnose_gradients(model.history_, self.issued_warnings, final=True)
        if self.early_stopping and model.restore_best_weights:
            self.params[:] = model._best_params

    def epoch(self):
        """One epoch; True when training stops after it."""
        model, params = self.model, self.params
        if self.epoch_tasks:
            self.tasks.begin("epoch", model._stopped_here)
        # Each fit (warm_start too) runs its schedule from epoch 0; partial_fit's
        # calls are the epochs of one schedule; a resumed fit goes on with the
        # schedule of the fit it resumes.
        rate = _epoch_rate(model, len(model.history_["epoch"]) if self.incremental
                           else model.n_iter_)
        # roll_back's point, should a step of this epoch overflow the weights
        np.copyto(self.last_params, params)
        np.copyto(self.last_state, model._opt_state)
        self.last_t = model._opt_t

        loss_sum, _, _, model._opt_t = self.net.train_epoch(
            params,
            model._opt_state,
            model._rng_state,
            self.X,
            self.y,
            self.sample_weight,
            self.batch_size,
            model.shuffle,
            model.solver,
            rate,
            momentum=model.momentum,
            nesterov=model.nesterovs_momentum,
            beta_1=model.beta_1,
            beta_2=model.beta_2,
            epsilon=model.epsilon,
            alpha=model.alpha,
            l1=model.l1,
            clip_norm=model.clip_norm or 0.0,
            clip_value=model.clip_value or 0.0,
            t=model._opt_t,
            grad_norms=self.grad_norms,
            n_threads=self.n_threads,
        )
        if not (np.isfinite(params).all() and np.isfinite(model._opt_state).all()):
            raise _core.NonFiniteError("nnfast: the weights became NaN or infinite")

        model.loss_ = loss_sum / self.n_samples
        model.t_ += self.n_samples
        model.loss_curve_.append(model.loss_)
        _count_epoch(model, model.loss_)
        validation = (_NO_VALIDATION if self.validation is None
                      else _validation_figures(model, self.eval_net, self.validation))
        _record_epoch(model, model.loss_, rate, time.perf_counter() - self.start, validation,
                      self.grad_norms)
        diagnose_gradients(model.history_, self.issued_warnings)

        _update_no_improvement_count(model, self.validation is not None, self.early_stopping)
        if model.solver == "sgd" and model.learning_rate == "invscaling":
            model._learning_rate = model.learning_rate_init / (model.t_ + 1) ** model.power_t
        converged = _patience_ran_out(model, self.early_stopping)
        if converged or model.n_iter_ == model.max_iter:
            model.__dict__.pop("_unfinished_fit", None)  # a checkpoint now is final
        if self.epoch_tasks and self.tasks.end(model._stopped_here):
            return True
        if converged or self.incremental:
            return True
        if model.n_iter_ == model.max_iter:
            warnings.warn(
                "Stochastic Optimizer: Maximum iterations (%d) reached and the "
                "optimization hasn't converged yet." % model.max_iter,
                ConvergenceWarning,
            )
        return False

    def roll_back(self, exc):
        """After a non-finite loss, gradient or step: finite weights back, then
        ValueError, or with early stopping a warning (run goes on to the best
        epoch's weights)."""
        model, params = self.model, self.params
        # The C core stops before applying a non-finite loss or gradient, so the
        # weights are those of the last finite step, unless a step overflowed
        # them: then those of the epoch's start.
        if not (np.isfinite(params).all() and np.isfinite(model._opt_state).all()):
            params[:] = self.last_params
            model._opt_state[:] = self.last_state
            model._opt_t = self.last_t
        model.history_["weight_grad_norm"].append([np.inf] * len(model.coefs_))
        diagnose_gradients(model.history_, self.issued_warnings)
        model.history_["weight_grad_norm"].pop()
        if not self.early_stopping:
            raise ValueError(
                "Solver produced non-finite parameter weights. The input data may"
                " contain large values and need to be preprocessed. The model "
                "keeps the last finite weights; a smaller learning_rate_init, "
                "clip_norm or scaled inputs help."
            ) from exc
        warnings.warn(
            "Training stopped: the loss became non-finite. The weights of the "
            "best validation epoch are kept.",
            ConvergenceWarning,
        )


class _StopFit(Exception):
    """A callback asked to stop an lbfgs fit at iterate `x` (loss `loss`)."""

    def __init__(self, x, loss):
        self.x, self.loss = x, loss


def fit_lbfgs(model, X, y, sample_weight, tasks=None):
    """Train `model` with scipy's L-BFGS-B on the exact full-batch loss and
    gradient from C; one history_ entry per iteration. A run that ends on a
    non-finite point keeps the best finite one it tried."""
    params = model._packed_params()
    net = model._chunked_network(X.shape[0])
    best = {"loss": np.inf, "x": params.copy()}
    start = time.perf_counter()

    def loss_grad(x):
        # An iteration's task begins with its first evaluation, so that
        # scipy's last iteration leaves no task that never ran.
        if tasks is not None and tasks.can_begin():
            tasks.begin("iteration", model._stopped_here)
        params[:] = x
        # Ctrl-C is looked at between chunks of the pass, not only between passes
        loss, grad = net.loss_grad(params, X, y, sample_weight, model.alpha, model.l1,
                                   interruptible=True)
        if loss < best["loss"] and np.isfinite(params).all():
            best["loss"], best["x"] = loss, params.copy()
        return loss, grad.astype(np.float64)

    def record(intermediate_result):
        _count_epoch(model, intermediate_result.fun)
        _record_epoch(model, intermediate_result.fun, np.nan, time.perf_counter() - start)
        if tasks is not None and tasks.current is not None:
            # params holds scipy's last evaluation, maybe a line-search
            # point; the callbacks see the iterate.
            params[:] = intermediate_result.x
            model.loss_ = float(intermediate_result.fun)
            if tasks.end(model._stopped_here):
                raise _StopFit(params.copy(), model.loss_)

    model.n_iter_ = 0
    try:
        result = scipy.optimize.minimize(
            loss_grad,
            params.astype(np.float64),
            method="L-BFGS-B",
            jac=True,
            callback=record,
            options={"maxfun": model.max_fun, "maxiter": model.max_iter, "gtol": model.tol},
        )
    except KeyboardInterrupt:
        warnings.warn(_INTERRUPTED)
        params[:] = best["x"]
        model.loss_ = best["loss"]
        return
    except _StopFit as stop:
        params[:] = stop.x
        model.loss_ = stop.loss
        return
    if not result.success:
        warnings.warn(
            "lbfgs failed to converge after %d iteration(s) (status=%d): %s. "
            "Increase the number of iterations (max_iter) or scale the data."
            % (result.nit, result.status, result.message),
            ConvergenceWarning,
        )
    model.n_iter_ = min(result.nit, model.max_iter)
    params[:] = result.x
    model.loss_ = float(result.fun)
    if not (np.isfinite(params).all() and np.isfinite(model.loss_)):
        # scipy tries points where the loss or the weights (cast to the
        # compute dtype) overflow and may end on one: keep the best finite one.
        params[:] = best["x"]
        model.loss_ = float(best["loss"])
    if not np.isfinite(model.loss_):
        raise ValueError(
            "Solver produced a non-finite loss at every point it tried (lbfgs); the "
            "model keeps the weights it started from. The input data may contain large "
            "values and need to be preprocessed."
        )


# ---------------------------------------------------------------- per epoch


def _count_epoch(model, loss):
    """Count an epoch (lbfgs: an iteration); print its line when verbose."""
    model.n_iter_ += 1
    if model.verbose:
        print("Iteration %d, loss = %.8f" % (model.n_iter_, loss))


def _record_epoch(model, loss, rate, elapsed, validation=_NO_VALIDATION, grad_norms=None):
    """Append an epoch's (lbfgs: an iteration's) figures to history_."""
    history = model.history_
    history["epoch"].append(len(history["epoch"]) + 1)
    history["loss"].append(float(loss))
    history["val_loss"].append(float(validation[0]))
    history["val_score"].append(float(validation[1]))
    history["val_metric"].append(float(validation[2]))
    history["learning_rate"].append(float(rate))
    history["time"].append(elapsed)
    n_layers = len(model.coefs_)
    norms = np.full(2 * n_layers, np.nan) if grad_norms is None else grad_norms
    history["weight_grad_norm"].append(norms[:n_layers].tolist())
    history["bias_grad_norm"].append(norms[n_layers:].tolist())


def _epoch_rate(model, epoch):
    """The learning rate of the epoch about to run."""
    schedule = model.learning_rate
    if isinstance(schedule, str) and schedule in _SKLEARN_SCHEDULES:
        return model._learning_rate
    if isinstance(schedule, str):
        schedule = _NAMED_SCHEDULES[schedule]()
    elif not isinstance(schedule, Schedule):
        schedule = FromCallable(schedule)
    state = TrainingState(epoch=epoch, samples_seen=model.t_, max_iter=model.max_iter,
                          history=model.history_)
    rate = schedule.rate(model.learning_rate_init, state)
    if not np.isfinite(rate) or rate < 0:
        raise ValueError(f"learning_rate schedule gave {rate!r} for epoch {epoch}; "
                         "rates must be finite and >= 0.")
    return rate


def _validation_figures(model, net, validation):
    """(loss, score, monitored metric or NaN) on the validation set: the loss
    and the predictions from one C forward pass, metrics in C."""
    X_val, Y_val, y_true, sw_val = validation
    output = np.empty(Y_val.shape, dtype=model._params.dtype)
    loss, _ = net.loss_grad(model._params, X_val, Y_val, sw_val, 0.0, need_grad=False,
                            out=output)
    y_pred = model._predictions(output)
    if np.issubdtype(y_pred.dtype, np.floating) and not np.isfinite(y_pred).all():
        return loss, np.nan, np.nan
    score_function = metrics.accuracy_score if is_classifier(model) else metrics.r2_score
    score = score_function(y_true, y_pred, sample_weight=sw_val)
    metric = np.nan
    if model.monitor in _MONITOR_METRICS:
        function, kwargs, _, _ = _MONITOR_METRICS[model.monitor]
        metric = function(y_true, y_pred, sample_weight=sw_val, **kwargs)
    return loss, score, metric


def _monitored_value(model):
    """The last epoch's monitored validation figure, higher is better."""
    if model.monitor == "score":
        return model.history_["val_score"][-1]
    if model.monitor == "loss":
        return -model.history_["val_loss"][-1]
    greater_is_better = _MONITOR_METRICS[model.monitor][2]
    metric = model.history_["val_metric"][-1]
    return metric if greater_is_better else -metric


def _update_no_improvement_count(model, validating, early_stopping):
    """scikit-learn's patience rule on the training loss, or with early
    stopping on the monitored validation figure (min_delta is tol)."""
    if validating:
        score = model.history_["val_score"][-1]
        model.validation_scores_.append(score)
        if model.verbose:
            print("Validation score: %f" % score)
        if score > model.best_validation_score_:
            model.best_validation_score_ = score
        value = _monitored_value(model)
        best = getattr(model, "_best_monitored", -np.inf)
        if early_stopping:
            if value < best + model.tol:
                model._no_improvement_count += 1
            else:
                model._no_improvement_count = 0
        if value > best:
            model._best_monitored = value
            model._best_params = model._params.copy()
        if early_stopping:
            return
    if model.loss_curve_[-1] > model.best_loss_ - model.tol:
        model._no_improvement_count += 1
    else:
        model._no_improvement_count = 0
    if model.loss_curve_[-1] < model.best_loss_:
        model.best_loss_ = model.loss_curve_[-1]


def _patience_ran_out(model, early_stopping):
    """Whether training stops after n_iter_no_change epochs without improvement;
    scikit-learn's rule: adaptive sgd divides the rate by 5 instead, and stops
    once the rate is at most 1e-6."""
    if model._no_improvement_count <= model.n_iter_no_change:
        return False
    if early_stopping:
        msg = ("Validation %s did not improve more than tol=%f for %d consecutive epochs."
               % (model.monitor, model.tol, model.n_iter_no_change))
    else:
        msg = ("Training loss did not improve more than tol=%f for %d consecutive epochs."
               % (model.tol, model.n_iter_no_change))
    if model.solver != "sgd" or model.learning_rate != "adaptive":
        if model.verbose:
            print(msg + " Stopping.")
        return True
    if model._learning_rate <= 1e-6:
        if model.verbose:
            print(msg + " Learning rate too small. Stopping.")
        return True
    model._learning_rate /= 5.0
    if model.verbose:
        print(msg + " Setting learning rate to %f" % model._learning_rate)
    model._no_improvement_count = 0
    return False


def _validation_split(model, X, y, sample_weight, validation_data):
    """(train X, y, weights), then the validation set as (X, encoded Y,
    labels or targets for scoring, weights), or None."""
    if validation_data is not None:
        if len(validation_data) not in (2, 3):
            raise ValueError("validation_data must be (X_val, y_val) or "
                             "(X_val, y_val, sample_weight_val).")
        X_val, y_val = validation_data[0], validation_data[1]
        sw_val = validation_data[2] if len(validation_data) == 3 else None
        X_val = validate_data(model, X_val, accept_sparse=["csr", "csc"],
                              dtype=(np.float64, np.float32), reset=False)
        Y_val, y_score = model._encode_validation_targets(y_val)
        if Y_val.shape[0] != X_val.shape[0]:
            raise ValueError("validation_data: X_val and y_val differ in length.")
        if sw_val is not None:
            sw_val = check_sample_weight(sw_val, X_val, ensure_non_negative=True)
    elif model.early_stopping:
        # Stratify on the user's labels, not the internal 0./1. encoding: the
        # partition is the same, and an error names the label the user knows.
        stratify = (model._label_binarizer.inverse_transform(y)
                    if is_classifier(model) and model.n_outputs_ == 1 else None)
        arrays = (X, y) if sample_weight is None else (X, y, sample_weight)
        split = train_test_split(
            *arrays,
            random_state=model._random_state,
            test_size=model.validation_fraction,
            stratify=stratify,
        )
        X, X_val, y, Y_val = split[:4]
        sample_weight, sw_val = split[4:] if sample_weight is not None else (None, None)
        if X_val.shape[0] < 2:
            raise ValueError(
                "The validation set is too small. Increase 'validation_fraction' "
                "or the size of your dataset."
            )
        y = np.ascontiguousarray(y)
        if sample_weight is not None:
            sample_weight = np.ascontiguousarray(sample_weight)
        y_score = (model._label_binarizer.inverse_transform(Y_val)
                   if is_classifier(model) else Y_val)
    else:
        return (X, y, sample_weight), None
    dtype = model._params.dtype
    X, X_val = model._as_compute(X, dtype), model._as_compute(X_val, dtype)
    Y_val = np.ascontiguousarray(np.asarray(Y_val).reshape(X_val.shape[0], -1), dtype=dtype)
    if sw_val is not None:
        sw_val = np.ascontiguousarray(sw_val, dtype=dtype)
    if y_score.ndim == 2 and y_score.shape[1] == 1:
        y_score = y_score.ravel()
    return (X, y, sample_weight), (X_val, Y_val, y_score, sw_val)
