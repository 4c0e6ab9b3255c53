"""scikit-learn's callback API on nnfast's fits (issue 20, items 1-3).

A fit is the root task and each epoch (lbfgs: iteration) a subtask; hooks get X,
y, metadata and a fitted_estimator that predicts as the model would had the fit
stopped there; on_fit_task_end returning True stops the fit as early stopping
does; setup and teardown run once whatever happens; scikit-learn's own
ProgressBar and ScoringMonitor work, also propagated from GridSearchCV and
Pipeline. ModelCheckpoint and resuming: tests/test_checkpoint.py.
"""

import warnings

import numpy as np
import pytest
from numpy.testing import assert_array_equal
from sklearn.exceptions import ConvergenceWarning

import nnfast
from nnfast import MLPClassifier, MLPRegressor, Perceptron
from nnfast.callbacks import HAS_CALLBACK_API
from sigint import interrupted_after
from small_problems import X_IRIS, X_REG, Y_IRIS, Y_REG, QuietHooks, data_for, quiet_fit

pytestmark = pytest.mark.skipif(
    not HAS_CALLBACK_API, reason="scikit-learn < 1.9 has no callback API (sklearn.callback)")

class Recorder:
    """Records every hook call; on_fit_task_end returns `stop_at(context)`."""

    def __init__(self, stop_at=None, keep=()):
        self.events = []
        self.stop_at = stop_at
        self.keep = keep  # what to keep of the hook arguments
        self.kept = []

    def setup(self, estimator, context):
        self.events.append("setup")

    def teardown(self, estimator, context):
        self.events.append("teardown")

    def on_fit_task_begin(self, estimator, context, *, X=None, y=None, metadata=None,
                          fitted_estimator=None):
        self.events.append(("begin", context.task_name, context.task_id))

    def on_fit_task_end(self, estimator, context, *, X=None, y=None, metadata=None,
                        fitted_estimator=None):
        self.events.append(("end", context.task_name, context.task_id))
        args = {"X": X, "y": y, "metadata": metadata, "fitted_estimator": fitted_estimator}
        self.kept.append((context.task_name, {k: args[k] for k in self.keep}))
        return bool(self.stop_at and self.stop_at(context))


class Light(QuietHooks):
    """A callback whose hooks take only estimator and context, as ProgressBar's."""

    def __init__(self):
        self.ends = 0

    def on_fit_task_end(self, estimator, context):
        self.ends += 1


CASES = {
    "adam": lambda: MLPClassifier(hidden_layer_sizes=(8,), max_iter=6, tol=0, random_state=0),
    "sgd": lambda: MLPRegressor(hidden_layer_sizes=(8,), solver="sgd", max_iter=6, tol=0,
                                momentum=0.9, random_state=0),
    "lbfgs": lambda: MLPClassifier(hidden_layer_sizes=(8,), solver="lbfgs", max_iter=6,
                                   random_state=0),
    "perceptron": lambda: Perceptron(max_iter=6, random_state=0),
}


# ---------------------------------------------------------------- the task tree


@pytest.mark.parametrize("case", CASES)
def test_fit_is_the_root_task_and_each_epoch_a_subtask(case):
    recorder = Recorder()
    model = CASES[case]().set_callbacks(recorder)
    quiet_fit(model, *data_for(model))
    unit = "iteration" if case == "lbfgs" else "epoch"
    epochs = []
    for i in range(model.n_iter_):
        epochs += [("begin", unit, i), ("end", unit, i)]
    assert recorder.events == ["setup", ("begin", "fit", 0), *epochs, ("end", "fit", 0),
                               "teardown"]
    assert model.n_iter_ >= 1


def test_hooks_get_the_training_rows_labels_and_weights():
    weights = np.linspace(0.5, 2.0, len(Y_IRIS))
    recorder = Recorder(keep=("X", "y", "metadata"))
    model = MLPClassifier(hidden_layer_sizes=(8,), max_iter=2, tol=0, random_state=0)
    quiet_fit(model.set_callbacks(recorder), X_IRIS, Y_IRIS, sample_weight=weights)
    assert [name for name, _ in recorder.kept] == ["epoch", "epoch", "fit"]
    for _, args in recorder.kept:
        assert_array_equal(args["X"], X_IRIS.astype(np.float32))
        assert_array_equal(args["y"], Y_IRIS)  # labels, not the one-hot targets
        assert_array_equal(args["metadata"]["sample_weight"], weights.astype(np.float32))


def test_epoch_tasks_get_the_rows_left_after_the_validation_split():
    recorder = Recorder(keep=("X", "y"))
    model = MLPClassifier(hidden_layer_sizes=(8,), max_iter=2, tol=0, early_stopping=True,
                          validation_fraction=0.2, random_state=0)
    quiet_fit(model.set_callbacks(recorder), X_IRIS, Y_IRIS)
    (_, epoch), (_, fit) = recorder.kept[0], recorder.kept[-1]
    assert len(fit["y"]) == 150 and len(epoch["y"]) == 120
    rows = {tuple(r) for r in X_IRIS.astype(np.float32)}
    assert all(tuple(r) in rows for r in epoch["X"])
    assert_array_equal(epoch["y"], [Y_IRIS[np.flatnonzero((X_IRIS.astype(np.float32) == r)
                                                          .all(1))[0]] for r in epoch["X"]])


def test_partial_fit_reports_one_task_per_call():
    recorder = Recorder(keep=("fitted_estimator",))
    model = MLPClassifier(hidden_layer_sizes=(8,), random_state=0).set_callbacks(recorder)
    model.partial_fit(X_IRIS, Y_IRIS, classes=[0, 1, 2])
    model.partial_fit(X_IRIS, Y_IRIS)
    one_call = ["setup", ("begin", "partial_fit", 0), ("end", "partial_fit", 0), "teardown"]
    assert recorder.events == one_call * 2
    assert_array_equal(recorder.kept[-1][1]["fitted_estimator"].predict_proba(X_IRIS),
                       model.predict_proba(X_IRIS))


# ---------------------------------------------------------------- fitted_estimator


@pytest.mark.parametrize("case", ["adam", "sgd", "perceptron"])
def test_fitted_estimator_predicts_as_a_fit_stopped_at_that_epoch(case):
    recorder = Recorder(keep=("fitted_estimator",))
    model = CASES[case]().set_callbacks(recorder)
    X, y = data_for(model)
    quiet_fit(model, X, y)
    assert model.n_iter_ == 6
    for k in (1, 3, 6):
        fitted = recorder.kept[k - 1][1]["fitted_estimator"]
        alone = quiet_fit(CASES[case]().set_params(max_iter=k), X, y)
        assert fitted.n_iter_ == k
        method = "decision_function" if case == "perceptron" else "predict"
        assert_array_equal(getattr(fitted, method)(X), getattr(alone, method)(X),
                           err_msg=f"epoch {k}")
        if case != "perceptron":
            assert fitted.loss_curve_ == alone.loss_curve_
            assert fitted.history_["loss"] == alone.history_["loss"]


def test_lbfgs_fitted_estimator_holds_the_iterate_and_its_loss():
    recorder = Recorder(keep=("fitted_estimator",))
    model = CASES["lbfgs"]().set_callbacks(recorder)
    quiet_fit(model, X_IRIS, Y_IRIS)
    fitted = [args["fitted_estimator"] for name, args in recorder.kept if name == "iteration"]
    assert [f.n_iter_ for f in fitted] == list(range(1, model.n_iter_ + 1))
    # The last iterate is the fit's result.
    assert_array_equal(fitted[-1]._params, model._params)
    losses = [f.history_["loss"][-1] for f in fitted]
    assert losses == model.history_["loss"]


def test_fitted_estimator_is_built_only_when_a_hook_takes_it(monkeypatch):
    calls = []
    original = MLPClassifier._stopped_here
    monkeypatch.setattr(MLPClassifier, "_stopped_here",
                        lambda self: calls.append(1) or original(self))
    light = Light()
    model = MLPClassifier(hidden_layer_sizes=(8,), max_iter=4, tol=0, random_state=0)
    quiet_fit(model.set_callbacks(light), X_IRIS, Y_IRIS)
    assert light.ends == 5 and calls == []
    quiet_fit(model.set_callbacks(Recorder()), X_IRIS, Y_IRIS)
    # Once per epoch end and once per epoch begin (its hook takes it too).
    assert len(calls) == 8


def test_without_callbacks_no_context_is_opened(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("a fit without callbacks opened a callback context")

    for cls in (MLPClassifier, Perceptron):
        monkeypatch.setattr(cls, "_init_callback_context", refuse)
    quiet_fit(MLPClassifier(max_iter=3, random_state=0), X_IRIS, Y_IRIS)
    quiet_fit(MLPClassifier(solver="lbfgs", max_iter=3, random_state=0), X_IRIS, Y_IRIS)
    quiet_fit(Perceptron(max_iter=3, random_state=0), X_IRIS, Y_IRIS)
    MLPClassifier(random_state=0).partial_fit(X_IRIS, Y_IRIS, classes=[0, 1, 2])


def test_fitted_estimator_keeps_the_best_weights_with_restore_best_weights():
    recorder = Recorder(keep=("fitted_estimator",))
    model = MLPClassifier(hidden_layer_sizes=(8,), max_iter=8, tol=0, early_stopping=True,
                          n_iter_no_change=100, restore_best_weights=True,
                          learning_rate_init=0.05, random_state=0)
    quiet_fit(model.set_callbacks(recorder), X_IRIS, Y_IRIS)
    last_epoch = recorder.kept[-2][1]["fitted_estimator"]
    assert_array_equal(last_epoch._params, model._params)  # what the fit left


# ---------------------------------------------------------------- stopping


@pytest.mark.parametrize("case", ["adam", "sgd", "perceptron"])
def test_stopping_after_an_epoch_leaves_the_state_of_a_shorter_fit(case):
    stop_after = 3
    model = CASES[case]().set_params(max_iter=50).set_callbacks(
        Recorder(stop_at=lambda c: c.task_name == "epoch" and c.task_id == stop_after - 1))
    X, y = data_for(model)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)  # a stop is no failure
        model.fit(X, y)
    alone = quiet_fit(CASES[case]().set_params(max_iter=stop_after), X, y)
    assert model.n_iter_ == stop_after
    if case == "perceptron":
        assert model.errors_ == alone.errors_
        assert_array_equal(model.coef_, alone.coef_)
        return
    assert len(model.loss_curve_) == stop_after
    assert all(len(v) == stop_after for v in model.history_.values())
    assert model.loss_curve_ == alone.loss_curve_
    assert_array_equal(model._params, alone._params)


def test_stopping_with_early_stopping_restores_the_best_weights_as_early_stopping_does():
    model = MLPClassifier(hidden_layer_sizes=(8,), max_iter=50, tol=0, early_stopping=True,
                          n_iter_no_change=100, restore_best_weights=True,
                          learning_rate_init=0.05, random_state=0)
    model.set_callbacks(Recorder(stop_at=lambda c: c.task_id == 9 and c.task_name == "epoch"))
    quiet_fit(model, X_IRIS, Y_IRIS)
    assert model.n_iter_ == 10 and len(model.validation_scores_) == 10
    best_epoch = int(np.argmax(model.validation_scores_))
    replay = MLPClassifier(**{**model.get_params(), "max_iter": best_epoch + 1,
                              "restore_best_weights": False})
    quiet_fit(replay, X_IRIS, Y_IRIS)
    assert_array_equal(model._params, replay._params)


def test_stopping_an_lbfgs_fit_keeps_that_iterate():
    recorder = Recorder(keep=("fitted_estimator",),
                        stop_at=lambda c: c.task_name == "iteration" and c.task_id == 3)
    model = MLPClassifier(hidden_layer_sizes=(8,), solver="lbfgs", max_iter=200,
                          random_state=0).set_callbacks(recorder)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        model.fit(X_IRIS, Y_IRIS)
    assert model.n_iter_ == 4 and len(model.history_["loss"]) == 4
    at_stop = recorder.kept[3][1]["fitted_estimator"]
    assert_array_equal(model._params, at_stop._params)
    assert model.loss_ == model.history_["loss"][-1]


# ---------------------------------------------------------------- setup and teardown


class Failing(Recorder):
    def __init__(self, exception, at_epoch):
        super().__init__()
        self.exception, self.at_epoch = exception, at_epoch

    def on_fit_task_end(self, estimator, context):
        self.events.append(("end", context.task_name, context.task_id))
        if context.task_name == "epoch" and context.task_id == self.at_epoch:
            raise self.exception


def test_teardown_runs_once_when_fit_raises():
    failing = Failing(RuntimeError("callback failed"), at_epoch=1)
    model = MLPClassifier(max_iter=10, random_state=0).set_callbacks(failing)
    with pytest.raises(RuntimeError, match="callback failed"):
        model.fit(X_IRIS, Y_IRIS)
    assert failing.events.count("setup") == 1 and failing.events[-1] == "teardown"
    assert failing.events.count("teardown") == 1
    model.set_callbacks()
    assert not hasattr(model, "_callback_fit_ctx")


def test_ctrl_c_between_epochs_ends_the_fit_and_tears_down_once():
    interrupt = Failing(KeyboardInterrupt(), at_epoch=2)
    model = MLPClassifier(max_iter=10, tol=0, random_state=0).set_callbacks(interrupt)
    with pytest.warns(UserWarning, match="interrupted"):
        model.fit(X_IRIS, Y_IRIS)
    assert model.n_iter_ == 3
    assert interrupt.events.count("setup") == 1 and interrupt.events.count("teardown") == 1
    assert interrupt.events[-2:] == [("end", "fit", 0), "teardown"]


def test_sigint_during_a_long_fit_tears_down_once():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(20000, 50))
    y = (X[:, 0] > 0).astype(int)
    recorder = Recorder()
    model = MLPClassifier(hidden_layer_sizes=(256, 256), max_iter=1000, tol=0,
                          random_state=0).set_callbacks(recorder)
    caught, seconds = interrupted_after(0.5, lambda: model.fit(X, y))
    assert any("interrupted" in str(w.message) for w in caught)
    assert model.n_iter_ < 1000  # the first epoch may be the one interrupted
    assert recorder.events.count("setup") == 1 and recorder.events[-1] == "teardown"
    assert recorder.events.count("teardown") == 1
    # Every task that began ended (the interrupted epoch ends empty).
    begins = [e[1:] for e in recorder.events if e[0] == "begin"]
    ends = [e[1:] for e in recorder.events if e[0] == "end"]
    assert sorted(begins) == sorted(ends)


# ---------------------------------------------------------------- scikit-learn's callbacks


@pytest.fixture
def progress_events(monkeypatch):
    """The messages ProgressBar sends to its display thread."""
    pytest.importorskip("rich")
    from sklearn.callback import _progressbar

    events = []
    send = _progressbar.send
    monkeypatch.setattr(_progressbar, "send",
                        lambda handle, message: events.append(dict(message))
                        or send(handle, message))
    return events


def test_progress_bar_draws_a_bar_over_the_epochs(progress_events, capsys):
    from sklearn.callback import ProgressBar

    model = MLPClassifier(hidden_layer_sizes=(8,), max_iter=7, tol=0, random_state=0)
    quiet_fit(model.set_callbacks(ProgressBar()), X_IRIS, Y_IRIS)
    out = capsys.readouterr().out
    assert "MLPClassifier - fit" in out and "100%" in out
    begins = [e for e in progress_events if e["event"] == "begin"]
    assert len(begins) == 1 and begins[0]["max_subtasks"] == 7
    epoch_ends = [e for e in progress_events if e["event"] == "end" and len(e["path"]) == 2]
    assert len(epoch_ends) == model.n_iter_ == 7


def test_scoring_monitor_records_one_score_per_epoch():
    from sklearn.callback import ScoringMonitor

    monitor = ScoringMonitor(scoring="accuracy")
    model = MLPClassifier(hidden_layer_sizes=(8,), max_iter=4, tol=0, random_state=0)
    quiet_fit(model.set_callbacks(monitor), X_IRIS, Y_IRIS)
    rows = monitor.get_logs().data
    epochs = [r for r in rows if r["task_name"] == "epoch"]
    assert [r["task_id"] for r in epochs] == [0, 1, 2, 3]
    for k, row in enumerate(epochs, start=1):
        alone = quiet_fit(MLPClassifier(**{**model.get_params(), "max_iter": k}), X_IRIS, Y_IRIS)
        assert row["accuracy"] == alone.score(X_IRIS, Y_IRIS), f"epoch {k}"
    (root,) = [r for r in rows if r["task_name"] == "fit"]
    assert root["accuracy"] == model.score(X_IRIS, Y_IRIS)


def test_progress_bar_on_a_grid_search_reaches_every_nnfast_fit(progress_events):
    from sklearn.callback import ProgressBar
    from sklearn.model_selection import GridSearchCV

    search = GridSearchCV(
        MLPClassifier(hidden_layer_sizes=(8,), max_iter=3, tol=0, random_state=0),
        {"alpha": [1e-4, 1e-2]}, cv=2)
    quiet_fit(search.set_callbacks(ProgressBar()), X_IRIS, Y_IRIS)
    mlp_bars = [e for e in progress_events
                if e["event"] == "begin" and e["estimator_name"] == "MLPClassifier"]
    assert len(mlp_bars) == 2 * 2 + 1  # candidates x folds, and the refit
    assert all(e["source_estimator_name"] == "GridSearchCV" and e["max_subtasks"] == 3
               for e in mlp_bars)
    # An epoch's path runs search -> candidate fit -> epoch: 4 levels below the root.
    epoch_ends = [e for e in progress_events if e["event"] == "end" and len(e["path"]) == 4]
    refit_epochs = [e for e in progress_events if e["event"] == "end" and len(e["path"]) == 3
                    and e["path"][1] == 1]
    assert len(epoch_ends) == 4 * 3 and len(refit_epochs) == 3


def test_progress_bar_on_a_pipeline_reaches_the_nnfast_step(progress_events):
    from sklearn.callback import ProgressBar
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    pipeline = make_pipeline(StandardScaler(),
                             MLPRegressor(hidden_layer_sizes=(8,), max_iter=5, tol=0,
                                          random_state=0))
    quiet_fit(pipeline.set_callbacks(ProgressBar()), X_REG, Y_REG)
    (bar,) = [e for e in progress_events
              if e["event"] == "begin" and e["estimator_name"] == "MLPRegressor"]
    assert bar["max_subtasks"] == 5 and bar["source_estimator_name"] == "Pipeline"
    epoch_ends = [e for e in progress_events if e["event"] == "end" and len(e["path"]) == 3]
    assert len(epoch_ends) == pipeline[-1].n_iter_ == 5


def test_a_callback_changes_nothing_in_the_fit():
    plain = quiet_fit(MLPClassifier(max_iter=5, tol=0, random_state=0), X_IRIS, Y_IRIS)
    watched = MLPClassifier(max_iter=5, tol=0, random_state=0).set_callbacks(
        Recorder(keep=("fitted_estimator",)))
    quiet_fit(watched, X_IRIS, Y_IRIS)
    assert_array_equal(watched._params, plain._params)
    assert watched.loss_curve_ == plain.loss_curve_


def test_saved_model_does_not_carry_callbacks(tmp_path):
    model = quiet_fit(MLPClassifier(max_iter=3, random_state=0).set_callbacks(Light()),
                      X_IRIS, Y_IRIS)
    nnfast.save(model, tmp_path / "m.npz")
    assert not hasattr(nnfast.load(tmp_path / "m.npz"), "_skl_callbacks")
