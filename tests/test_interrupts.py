"""Ctrl-C (a SIGINT from a timer thread) during training leaves a usable model.

tests/test_estimators.py covers fit of both MLPs with sgd, adam and lbfgs; this
file covers partial_fit, fits with validation data, the Perceptron, and that an
interrupted model trains on and survives a round trip through nnfast.save.
"""

import numpy as np
import pytest

import nnfast
from nnfast import MLPClassifier, MLPRegressor, Perceptron, _core
from sigint import interrupted_after, sigint_after

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

INTERRUPTED = "Training interrupted by user."
RNG = np.random.RandomState(0)
X = RNG.randn(100_000, 20)
Y = {"MLPClassifier": RNG.randint(0, 3, len(X)), "MLPRegressor": RNG.randn(len(X))}
ESTIMATORS = {"MLPClassifier": MLPClassifier, "MLPRegressor": MLPRegressor}


def _assert_interrupted_once(caught, elapsed):
    messages = [str(w.message) for w in caught]
    assert messages.count(INTERRUPTED) == 1, messages
    # Generous: other processes may share the machine's cores.
    assert elapsed < 10, f"training returned {elapsed:.1f} s after it started, 0.3 s expected"


def _assert_usable(model, X):
    output = model.predict_proba(X) if hasattr(model, "predict_proba") else model.predict(X)
    assert np.all(np.isfinite(np.asarray(output, dtype=float)))
    for block in (getattr(model, "_params", None), getattr(model, "_opt_state", None)):
        assert block is None or np.all(np.isfinite(block))


@pytest.mark.parametrize("solver", ["sgd", "adam"])
@pytest.mark.parametrize("estimator", ESTIMATORS)
def test_interrupted_partial_fit_leaves_a_usable_model(estimator, solver):
    # One epoch of 100,000 single-row steps takes seconds; Ctrl-C comes at 0.3 s.
    model = ESTIMATORS[estimator](hidden_layer_sizes=(64, 64), solver=solver, batch_size=1,
                                  random_state=0)
    kwargs = {"classes": [0, 1, 2]} if estimator == "MLPClassifier" else {}
    caught, elapsed = interrupted_after(
        0.3, lambda: model.partial_fit(X, Y[estimator], **kwargs))
    _assert_interrupted_once(caught, elapsed)
    _assert_usable(model, X[:100])
    # ... and it trains on.
    t = model.t_
    model.partial_fit(X[:500], Y[estimator][:500])
    assert model.t_ == t + 500
    _assert_usable(model, X[:100])


@pytest.mark.parametrize("estimator", ESTIMATORS)
def test_interrupted_fit_with_validation_data_keeps_the_best_weights(estimator):
    model = ESTIMATORS[estimator](hidden_layer_sizes=(64,), batch_size=8, max_iter=10_000,
                                  tol=0, n_iter_no_change=np.inf, early_stopping=True,
                                  random_state=0)
    caught, elapsed = interrupted_after(0.3, lambda: model.fit(X[:20_000], Y[estimator][:20_000]))
    _assert_interrupted_once(caught, elapsed)
    _assert_usable(model, X[:100])
    if model.validation_scores_:
        assert np.array_equal(model._params, model._best_params)


def test_interrupted_lbfgs_warm_start_keeps_its_best_point():
    model = MLPRegressor(hidden_layer_sizes=(64, 64), solver="lbfgs", max_iter=5,
                         random_state=0).fit(X[:2000], Y["MLPRegressor"][:2000])
    model.set_params(warm_start=True, max_iter=100_000, max_fun=10**9, tol=0)
    caught, elapsed = interrupted_after(
        0.3, lambda: model.fit(X[:20_000], Y["MLPRegressor"][:20_000]))
    _assert_interrupted_once(caught, elapsed)
    _assert_usable(model, X[:100])


def test_ctrl_c_stops_a_full_batch_pass_between_its_chunks():
    # lbfgs's objective is one C pass over all rows; Ctrl-C must not wait for its
    # end. A pass of ~130 GFLOP (about a second here) in 80 chunks, SIGINT at
    # 0.2 s: the pass stops with rows not yet computed.
    rng = np.random.default_rng(0)
    units = [64, 1024, 1024, 1]
    net = _core.Network(units, ["relu", "relu", "identity"], "squared_error", np.float32, 256)
    n_params = sum(a * b + b for a, b in zip(units, units[1:]))
    params = (rng.standard_normal(n_params) * 0.03).astype(np.float32)
    X = rng.standard_normal((20_000, 64), dtype=np.float32)
    Y = rng.standard_normal((20_000, 1), dtype=np.float32)
    out = np.full((20_000, 1), np.nan, np.float32)
    with pytest.raises(KeyboardInterrupt), sigint_after(0.2):
        net.loss_grad(params, X, Y, None, 0.0, out=out, interruptible=True)
    done = ~np.isnan(out[:, 0])
    assert done[0] and not done[-1], f"{done.sum()} of 20000 rows computed"
    assert done.sum() % 256 == 0, "the pass stopped inside a chunk"


def test_interrupted_perceptron_leaves_a_usable_model():
    # Labels at random: never separable, so the rule runs all max_iter epochs.
    y = Y["MLPClassifier"][:20_000]
    model = Perceptron(max_iter=10**9, random_state=0)
    caught, elapsed = interrupted_after(0.3, lambda: model.fit(X[:20_000], y))
    _assert_interrupted_once(caught, elapsed)
    assert model.n_iter_ == len(model.errors_) >= 1
    assert set(np.unique(model.predict(X[:1000]))) <= {0, 1, 2}
    assert np.all(np.isfinite(model.coef_))


def test_interrupted_model_saves_and_loads(tmp_path):
    model = MLPClassifier(hidden_layer_sizes=(64, 64), batch_size=1, random_state=0)
    caught, elapsed = interrupted_after(
        0.3, lambda: model.partial_fit(X, Y["MLPClassifier"], classes=[0, 1, 2]))
    _assert_interrupted_once(caught, elapsed)
    nnfast.save(model, tmp_path / "model.npz")
    loaded = nnfast.load(tmp_path / "model.npz")
    assert np.array_equal(loaded.predict_proba(X[:100]), model.predict_proba(X[:100]))
