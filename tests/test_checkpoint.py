"""ModelCheckpoint, and fits resumed from its file (issue 20, item 4).

The file is always a complete model, whenever the process is killed (SIGKILL at
random points); a fit resumed from it with ``warm_start=True`` (or partial_fit)
equals the uninterrupted fit bit for bit.
"""

import os
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest
from numpy.testing import assert_array_equal
from sklearn.datasets import make_regression

import nnfast
from nnfast import MLPClassifier, MLPRegressor, Perceptron
from nnfast.callbacks import HAS_CALLBACK_API, ModelCheckpoint
from small_problems import X_IRIS, X_REG, Y_IRIS, Y_REG, QuietHooks, data_for, quiet

needs_callbacks = pytest.mark.skipif(
    not HAS_CALLBACK_API, reason="scikit-learn < 1.9 has no callback API (sklearn.callback)")

class StopAt(QuietHooks):
    """Stops the fit after epoch `epoch` (1-based), as a killed process would."""

    def __init__(self, epoch):
        self.epoch = epoch

    def on_fit_task_end(self, estimator, context):
        return context.task_name == "epoch" and context.task_id + 1 == self.epoch


def assert_same_training(resumed, full):
    assert resumed.n_iter_ == full.n_iter_
    assert resumed.t_ == full.t_
    assert_array_equal(resumed._params, full._params)
    assert_array_equal(resumed._opt_state, full._opt_state)
    assert_array_equal(resumed._rng_state, full._rng_state)
    assert resumed._opt_t == full._opt_t
    assert resumed.loss_curve_ == full.loss_curve_
    for key, values in full.history_.items():
        if key != "time":
            assert_array_equal(resumed.history_[key], values, err_msg=key)


# ---------------------------------------------------------------- the callback


def test_checkpoint_refuses_bad_arguments():
    with pytest.raises(TypeError, match="path"):
        ModelCheckpoint(3)
    for every in (0, 1.5, True):
        with pytest.raises(ValueError, match="every"):
            ModelCheckpoint("m.npz", every=every)
    with pytest.raises(ValueError, match="monitor"):
        ModelCheckpoint("m.npz", monitor="accuracy")


@needs_callbacks
def test_checkpoint_refuses_a_monitor_the_model_does_not_record(tmp_path):
    model = Perceptron(max_iter=3).set_callbacks(ModelCheckpoint(tmp_path / "p", monitor="loss"))
    with pytest.raises(ValueError, match="not recorded by Perceptron"):
        model.fit(X_IRIS, Y_IRIS)
    model = MLPClassifier(max_iter=3).set_callbacks(ModelCheckpoint(tmp_path / "m",
                                                                    monitor="val_loss"))
    with pytest.raises(ValueError, match="validation_data or early_stopping"):
        quiet(model.fit, X_IRIS, Y_IRIS)


@needs_callbacks
def test_checkpoint_writes_every_n_epochs(tmp_path, monkeypatch):
    import nnfast.persistence

    written = []
    save = nnfast.persistence.save
    monkeypatch.setattr(nnfast.persistence, "save",
                        lambda model, path: written.append(len(model.history_["epoch"]))
                        or save(model, path))
    path = tmp_path / "model.npz"
    model = MLPClassifier(hidden_layer_sizes=(8,), max_iter=10, tol=0, random_state=0)
    quiet(model.set_callbacks(ModelCheckpoint(path, every=3)).fit, X_IRIS, Y_IRIS)
    assert written == [3, 6, 9]
    assert nnfast.load(path).n_iter_ == 9
    # partial_fit calls go on counting the model's epochs
    written.clear()
    for _ in range(4):
        model.partial_fit(X_IRIS, Y_IRIS)
    assert written == [12]


@needs_callbacks
@pytest.mark.parametrize("monitor", ["val_loss", "val_score"])
def test_checkpoint_with_monitor_writes_when_the_value_improves(monitor, tmp_path, monkeypatch):
    import nnfast.persistence

    written = []
    save = nnfast.persistence.save
    monkeypatch.setattr(nnfast.persistence, "save",
                        lambda model, path: written.append(model.n_iter_) or save(model, path))
    path = tmp_path / "model.npz"
    model = MLPClassifier(hidden_layer_sizes=(8,), max_iter=25, tol=0, learning_rate_init=0.05,
                          random_state=0)
    model.set_callbacks(ModelCheckpoint(path, monitor=monitor))
    X_val, y_val = X_IRIS[::3] + 0.3, Y_IRIS[::3]
    quiet(model.fit, X_IRIS, Y_IRIS, validation_data=(X_val, y_val))
    values = model.history_[monitor]
    lower = monitor == "val_loss"
    expected = [i + 1 for i, v in enumerate(values)
                if i == 0 or (v < min(values[:i]) if lower else v > max(values[:i]))]
    assert written == expected and 1 < len(written) < 25
    best = nnfast.load(path)
    assert best.history_[monitor][-1] == (min(values) if lower else max(values))


@needs_callbacks
def test_checkpoint_of_a_perceptron_loads_and_predicts(tmp_path):
    path = tmp_path / "p.npz"
    model = Perceptron(max_iter=5, random_state=0).set_callbacks(ModelCheckpoint(path))
    quiet(model.fit, X_IRIS, Y_IRIS)
    loaded = nnfast.load(path)
    assert loaded.n_iter_ == model.n_iter_ and loaded.errors_ == model.errors_
    assert_array_equal(loaded.predict(X_IRIS), model.predict(X_IRIS))


# ---------------------------------------------------------------- resuming


RESUMABLE = {
    "adam": lambda: MLPClassifier(hidden_layer_sizes=(16,), max_iter=12, tol=0, batch_size=32,
                                  random_state=0),
    "adam_dropout_early_stopping": lambda: MLPClassifier(
        hidden_layer_sizes=(16,), max_iter=12, tol=0, batch_size=32, dropout=0.2,
        early_stopping=True, n_iter_no_change=50, restore_best_weights=True,
        learning_rate="cosine", random_state=0),
    "sgd_nesterov_invscaling": lambda: MLPRegressor(
        hidden_layer_sizes=(16,), solver="sgd", momentum=0.9, nesterovs_momentum=True,
        learning_rate="invscaling", learning_rate_init=0.01, max_iter=12, tol=0,
        batch_size=16, random_state=0),
    "sgd_adaptive_float64": lambda: MLPRegressor(
        hidden_layer_sizes=(16,), solver="sgd", momentum=0.5, learning_rate="adaptive",
        n_iter_no_change=2, tol=1e-2, max_iter=12, batch_size=16, dtype="float64",
        random_state=0),
}


@needs_callbacks
@pytest.mark.parametrize("case", RESUMABLE)
@pytest.mark.parametrize("k", [1, 5])
def test_fit_resumed_from_a_checkpoint_equals_the_uninterrupted_fit(case, k, tmp_path):
    full = RESUMABLE[case]()
    X, y = data_for(full)
    quiet(full.fit, X, y)
    assert full.n_iter_ == 12

    path = tmp_path / "checkpoint.npz"
    interrupted = RESUMABLE[case]().set_callbacks(ModelCheckpoint(path), StopAt(k))
    quiet(interrupted.fit, X, y)
    assert interrupted.n_iter_ == k

    resumed = nnfast.load(path)
    assert resumed.n_iter_ == k
    quiet(resumed.set_params(warm_start=True).fit, X, y)
    assert_same_training(resumed, full)
    if full.early_stopping:
        assert resumed.validation_scores_ == full.validation_scores_


@needs_callbacks
def test_resuming_twice_equals_the_uninterrupted_fit(tmp_path):
    full = quiet(RESUMABLE["adam"]().fit, X_IRIS, Y_IRIS)
    path = tmp_path / "checkpoint.npz"
    model = RESUMABLE["adam"]().set_callbacks(ModelCheckpoint(path), StopAt(3))
    quiet(model.fit, X_IRIS, Y_IRIS)
    model = nnfast.load(path).set_params(warm_start=True)
    quiet(model.set_callbacks(ModelCheckpoint(path), StopAt(4)).fit, X_IRIS, Y_IRIS)
    assert model.n_iter_ == 7  # the resumed fit's epochs count on from 3
    model = nnfast.load(path).set_params(warm_start=True)
    quiet(model.fit, X_IRIS, Y_IRIS)
    assert_same_training(model, full)


@needs_callbacks
def test_partial_fit_continued_from_a_checkpoint_equals_the_uninterrupted_calls(tmp_path):
    def model():
        return MLPRegressor(hidden_layer_sizes=(16,), solver="sgd", momentum=0.9,
                            learning_rate="cosine", max_iter=8, batch_size=16, random_state=0)

    full = model()
    for _ in range(7):
        full.partial_fit(X_REG, Y_REG)
    path = tmp_path / "checkpoint.npz"
    first = model().set_callbacks(ModelCheckpoint(path))
    for _ in range(3):
        first.partial_fit(X_REG, Y_REG)
    resumed = nnfast.load(path)
    for _ in range(4):
        resumed.partial_fit(X_REG, Y_REG)
    assert_same_training(resumed, full)


@needs_callbacks
def test_warm_start_on_a_finished_fit_still_restarts_the_optimizer(tmp_path):
    # A checkpoint of the last epoch is a finished fit: warm_start then runs a
    # new fit of max_iter epochs with a fresh optimizer (scikit-learn's rule),
    # as it does on the model in memory.
    path = tmp_path / "checkpoint.npz"
    model = RESUMABLE["adam"]().set_callbacks(ModelCheckpoint(path))
    quiet(model.fit, X_IRIS, Y_IRIS)
    loaded = nnfast.load(path)
    assert not hasattr(loaded, "_unfinished_fit")
    for m in (model.set_callbacks(), loaded):
        quiet(m.set_params(warm_start=True).fit, X_IRIS, Y_IRIS)
    assert loaded.n_iter_ == 12
    assert_same_training(loaded, model)


@needs_callbacks
def test_a_checkpoint_fitted_without_warm_start_starts_over(tmp_path):
    path = tmp_path / "checkpoint.npz"
    quiet(RESUMABLE["adam"]().set_callbacks(ModelCheckpoint(path), StopAt(4)).fit,
          X_IRIS, Y_IRIS)
    fresh = quiet(RESUMABLE["adam"]().fit, X_IRIS, Y_IRIS)
    loaded = quiet(nnfast.load(path).fit, X_IRIS, Y_IRIS)
    assert_same_training(loaded, fresh)


def test_load_refuses_a_malformed_unfinished_fit_mark(tmp_path):
    import json
    import zipfile

    model = quiet(MLPClassifier(max_iter=2, random_state=0).fit, X_IRIS, Y_IRIS)
    model._unfinished_fit = {"first_pass": True}
    path = tmp_path / "m.npz"
    nnfast.save(model, path)
    with np.load(path) as archive:
        arrays = {name: archive[name] for name in archive.files}
    meta = json.loads(arrays["metadata"].tobytes())
    assert meta["fitted"]["unfinished_fit"] == {"first_pass": True}
    meta["fitted"]["unfinished_fit"] = {"first_pass": "yes"}
    arrays["metadata"] = np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)
    bad = tmp_path / "bad.npz"
    np.savez(bad, **arrays)
    assert zipfile.is_zipfile(bad)
    with pytest.raises(ValueError, match="unfinished_fit"):
        nnfast.load(bad)


# ---------------------------------------------------------------- SIGKILL


# A server process imports nnfast once, then forks one fit per trial, so that a
# trial costs a fork rather than an interpreter start. The fit writes a
# checkpoint every epoch; the model is large enough (257 kB) that most of an
# epoch is the write, so most kills land inside one.
SERVER = textwrap.dedent("""
    import os, sys, warnings
    import numpy as np
    import nnfast
    from nnfast.callbacks import ModelCheckpoint
    sys.path.insert(0, {tests!r})
    from test_checkpoint import KILL_DATA, kill_model

    warnings.simplefilter("ignore")
    X, y = KILL_DATA()
    print("ready", flush=True)
    for line in sys.stdin:
        pid = os.fork()
        if pid == 0:
            kill_model().set_callbacks(ModelCheckpoint(line.strip())).fit(X, y)
            os._exit(0)
        print(pid, flush=True)
        _, status = os.waitpid(pid, 0)
        print(status, flush=True)
""")


def KILL_DATA():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 20))
    return X, (X[:, 0] + X[:, 1] > 0).astype(int)


def kill_model():
    return MLPClassifier(hidden_layer_sizes=(128, 128), batch_size=32, max_iter=150, tol=0,
                         random_state=0)


@needs_callbacks
@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork and SIGKILL (POSIX)")
def test_sigkill_at_random_points_leaves_a_loadable_checkpoint_or_none(tmp_path):
    trials, budget = 24, 120.0
    X, y = KILL_DATA()
    full = quiet(kill_model().fit, X, y)
    server = subprocess.Popen(
        [sys.executable, "-c", SERVER.format(tests=os.path.dirname(__file__))],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    rng = np.random.default_rng(20)
    outcomes = {"absent": 0, "loaded": 0}
    resumed_epochs = []
    start = time.monotonic()
    try:
        assert server.stdout.readline().strip() == "ready"
        for trial in range(trials):
            if time.monotonic() - start > budget:
                break
            path = tmp_path / f"trial{trial}.npz"
            server.stdin.write(f"{path}\n")
            server.stdin.flush()
            pid = int(server.stdout.readline())
            time.sleep(rng.uniform(0.0, 0.5))
            os.kill(pid, signal.SIGKILL)
            status = int(server.stdout.readline())
            assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL, (
                f"trial {trial}: the fit ended before the kill")
            if not path.exists():
                outcomes["absent"] += 1
                continue
            model = nnfast.load(path)  # raises on a partial or corrupt file
            assert 1 <= model.n_iter_ == len(model.loss_curve_) == len(model.history_["loss"])
            assert model.predict(X).shape == y.shape
            outcomes["loaded"] += 1
            if len(resumed_epochs) < 4:  # the resumed fit is the uninterrupted one
                resumed_epochs.append(model.n_iter_)
                quiet(model.set_params(warm_start=True).fit, X, y)
                assert_same_training(model, full)
    finally:
        server.stdin.close()
        server.kill()
        server.wait()
    done = outcomes["absent"] + outcomes["loaded"]
    print(f"\nSIGKILL trials: {done} in {time.monotonic() - start:.1f} s, {outcomes}, "
          f"resumed bit for bit from epochs {resumed_epochs}")
    assert done >= 20


# ---------------------------------------------------------------- the CLI


def cli(*args):
    return subprocess.Popen([sys.executable, "-m", "nnfast", *map(str, args)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def finished(process, timeout=300):
    out, err = process.communicate(timeout=timeout)
    return process.returncode, out, err


@pytest.fixture(scope="module")
def regression_csv(tmp_path_factory):
    X, y = make_regression(n_samples=3000, n_features=10, noise=5.0, random_state=1)
    path = tmp_path_factory.mktemp("cli") / "reg.csv"
    header = ",".join([f"x{i}" for i in range(10)] + ["y"])
    rows = [",".join(repr(float(v)) for v in [*x, t / y.std()]) for x, t in zip(X, y)]
    path.write_text("\n".join([header, *rows]) + "\n")
    return path


# About 0.1 s an epoch and 30 epochs (then the tol rule stops it): time to kill
# it after its second checkpoint.
TRAIN = ("--target", "y", "--hidden-layer-sizes", "256,256", "--batch-size", 4,
         "--max-iter", 150, "--random-state", 3)


@needs_callbacks
def test_cli_resumes_a_killed_training_to_the_uninterrupted_model(regression_csv, tmp_path):
    checkpoint = tmp_path / "checkpoint.npz"
    killed = cli("train", regression_csv, *TRAIN, "--checkpoint", checkpoint,
                 "--output", tmp_path / "never.npz")
    uninterrupted = cli("train", regression_csv, *TRAIN, "--output", tmp_path / "full.npz")
    deadline = time.monotonic() + 120
    try:
        while time.monotonic() < deadline:
            if checkpoint.exists() and nnfast.load(checkpoint).n_iter_ >= 2:
                break
            assert killed.poll() is None, "the training ended before it was killed"
            time.sleep(0.02)
        else:
            pytest.fail("no checkpoint after 120 s")
    finally:
        killed.send_signal(signal.SIGKILL)
        killed.communicate()
    epoch = nnfast.load(checkpoint).n_iter_
    assert epoch < 150
    code, out, err = finished(uninterrupted)
    assert code == 0, err

    code, out, err = finished(cli("train", regression_csv, *TRAIN, "--resume", checkpoint,
                                  "--output", tmp_path / "resumed.npz"))
    assert code == 0, f"{out}\n{err}"
    assert f"resuming its fit at epoch {epoch + 1} of 150" in out, out
    resumed, full = nnfast.load(tmp_path / "resumed.npz"), nnfast.load(tmp_path / "full.npz")
    # The progress lines go on from the checkpoint to the epoch the
    # uninterrupted fit stopped at (its tol rule, whose counters were saved).
    assert f"epoch {epoch + 1:>4}  train loss" in out, out
    assert f"epoch {full.n_iter_:>4}  train loss" in out, out
    assert f"epoch {epoch:>4}  train loss" not in out, out
    assert list(resumed.feature_names_in_) == [f"x{i}" for i in range(10)]
    assert_same_training(resumed, full)


@needs_callbacks
def test_cli_checkpoint_holds_the_last_epoch(regression_csv, tmp_path):
    checkpoint = tmp_path / "checkpoint.npz"
    code, out, err = finished(cli("train", regression_csv, "--target", "y", "--max-iter", 4,
                                  "--checkpoint", checkpoint, "--output", tmp_path / "m.npz"))
    assert code == 0, err
    assert "epoch    4  train loss" in out, out
    saved, final = nnfast.load(checkpoint), nnfast.load(tmp_path / "m.npz")
    assert saved.n_iter_ == 4 and not hasattr(saved, "_unfinished_fit")
    assert_array_equal(saved._params, final._params)


@pytest.mark.parametrize("args, message", [
    (("--resume", "{tmp}/missing.npz"), "cannot read the checkpoint"),
    (("--resume", "{tmp}/m.npz", "--alpha", "0.1"), "--alpha 0.1 (the checkpoint has 0.0001)"),
    (("--resume", "{tmp}/p.npz"), "holds a Perceptron"),
])
def test_cli_resume_mistakes_exit_2_naming_them(args, message, regression_csv, tmp_path):
    X, y = make_regression(n_samples=50, n_features=10, random_state=0)
    nnfast.save(quiet(MLPRegressor(max_iter=2, random_state=0).fit, X, y), tmp_path / "m.npz")
    nnfast.save(Perceptron(max_iter=2).fit(X, y > 0), tmp_path / "p.npz")
    code, out, err = finished(cli("train", regression_csv, "--target", "y",
                                  *[a.format(tmp=tmp_path) for a in args]))
    assert code == 2 and message in err and "Traceback" not in err, err
