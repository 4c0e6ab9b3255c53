"""Learning-rate schedules: nnfast.schedules objects, and their use by sgd and adam.

The schedule objects are held against their documented formulas on a synthetic
TrainingState. Through the estimators, history_["learning_rate"] must be that
sequence for sgd and adam alike, and the recorded rate must be the one the
optimizer used. scikit-learn's strings keep scikit-learn's meaning: 'invscaling'
and 'adaptive' act on sgd only.
"""

import math

import numpy as np
import pytest
from numpy.testing import assert_allclose
from sklearn.base import clone
from sklearn.datasets import make_classification
from sklearn.preprocessing import StandardScaler

from nnfast import MLPClassifier, MLPRegressor
from nnfast.schedules import (
    Constant,
    Cosine,
    Exponential,
    FromCallable,
    InvScaling,
    ReduceOnPlateau,
    Step,
    TrainingState,
)

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

BASE = 0.01
SOLVERS = ["sgd", "adam"]


def _classification(n_samples=150):
    X, y = make_classification(n_samples=n_samples, n_features=6, n_informative=4,
                               n_redundant=0, n_classes=3, n_clusters_per_class=1,
                               random_state=0)
    return StandardScaler().fit_transform(X), y


def _rates(solver, learning_rate, max_iter=12, **params):
    """history_["learning_rate"] of a fit that runs all max_iter epochs."""
    X, y = _classification()
    params = dict(hidden_layer_sizes=(5,), solver=solver, learning_rate=learning_rate,
                  learning_rate_init=BASE, max_iter=max_iter, tol=0,
                  n_iter_no_change=np.inf, random_state=0) | params
    model = MLPClassifier(**params).fit(X, y)
    assert model.n_iter_ == len(model.history_["learning_rate"])
    return model.history_["learning_rate"], model


def _state(epoch, max_iter=20, samples_seen=0, history=None):
    return TrainingState(epoch=epoch, samples_seen=samples_seen, max_iter=max_iter,
                         history=history or {})


# ---------------------------------------------------------------- schedule objects


def test_step_multiplies_by_gamma_every_step_size_epochs():
    rates = [Step(step_size=3, gamma=0.1).rate(2.0, _state(e)) for e in range(8)]
    assert rates == pytest.approx([2, 2, 2, 0.2, 0.2, 0.2, 0.02, 0.02], rel=1e-12)


def test_exponential_multiplies_by_gamma_every_epoch():
    rates = [Exponential(gamma=0.5).rate(2.0, _state(e)) for e in range(5)]
    assert rates == pytest.approx([2, 1, 0.5, 0.25, 0.125], rel=1e-12)


def test_cosine_anneals_from_base_to_eta_min_over_t_max():
    schedule = Cosine(t_max=8, eta_min=0.1)
    rates = [schedule.rate(1.0, _state(e)) for e in range(11)]
    assert rates[0] == 1.0
    assert rates[4] == pytest.approx(0.55, rel=1e-12)  # halfway: the mean of both ends
    assert rates[8:] == pytest.approx([0.1] * 3, rel=1e-12), "not held at eta_min after t_max"
    assert all(a > b for a, b in zip(rates[:8], rates[1:9])), f"not decreasing: {rates}"
    assert rates[2] == pytest.approx(0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi / 4)), rel=1e-12)


def test_cosine_t_max_defaults_to_max_iter():
    rates = [Cosine().rate(1.0, _state(e, max_iter=10)) for e in range(10)]
    assert rates == pytest.approx([0.5 * (1 + math.cos(math.pi * e / 10)) for e in range(10)],
                                  rel=1e-12)


def test_cosine_warmup_rises_linearly_to_base_then_anneals():
    schedule = Cosine(warmup=4, t_max=12)
    rates = [schedule.rate(1.0, _state(e)) for e in range(12)]
    assert rates[:4] == pytest.approx([0.25, 0.5, 0.75, 1.0], rel=1e-12)
    expected = [0.5 * (1 + math.cos(math.pi * (e - 4) / 8)) for e in range(4, 12)]
    assert rates[4:] == pytest.approx(expected, rel=1e-12)


def test_invscaling_divides_by_samples_seen_plus_one_to_power_t():
    schedule = InvScaling(power_t=0.25)
    assert schedule.rate(1.0, _state(0)) == 1.0
    assert schedule.rate(1.0, _state(3, samples_seen=300)) == pytest.approx(301 ** -0.25)


# A training loss that drops, stalls for four epochs, drops once, then stalls.
PLATEAU_LOSSES = [1.0, 0.5, 0.5, 0.5, 0.5, 0.3, 0.3, 0.3, 0.3, 0.3, 0.3, 0.3]


def test_reduce_on_plateau_cuts_the_rate_after_patience_epochs_without_improvement():
    schedule = ReduceOnPlateau(factor=0.1, patience=2, threshold=0.01, min_rate=1e-6)
    rates = [schedule.rate(1.0, _state(e, history={"loss": PLATEAU_LOSSES[:e]}))
             for e in range(len(PLATEAU_LOSSES) + 1)]
    # After the third epoch in a row without improvement (more than patience), the
    # next epoch runs at a tenth of the rate; the count starts over after a cut.
    expected = [1, 1, 1, 1, 1, 0.1, 0.1, 0.1, 0.1, 0.01, 0.01, 0.01, 0.001]
    assert rates == pytest.approx(expected, rel=1e-12)


def test_reduce_on_plateau_stops_at_min_rate_and_ignores_changes_below_threshold():
    losses = [1.0] + [1.0 - 0.001 * i for i in range(1, 12)]  # improving by < threshold
    schedule = ReduceOnPlateau(factor=0.1, patience=1, threshold=0.01, min_rate=0.005)
    rates = [schedule.rate(1.0, _state(e, history={"loss": losses[:e]})) for e in range(12)]
    assert rates == pytest.approx([1, 1, 1, 0.1, 0.1, 0.01, 0.01, 0.005, 0.005, 0.005, 0.005,
                                   0.005], rel=1e-12)


def test_reduce_on_plateau_watches_val_loss_and_falls_back_to_loss_without_it():
    schedule = ReduceOnPlateau(factor=0.5, patience=0, threshold=0.0, monitor="val_loss")
    improving = [1.0, 0.9, 0.8, 0.7]
    stalling = [1.0, 1.0, 1.0, 1.0]
    with_val = {"loss": improving, "val_loss": stalling}
    assert schedule.rate(1.0, _state(4, history=with_val)) == 0.125
    # history_ holds NaN validation entries when there is no validation data.
    without_val = {"loss": improving, "val_loss": [math.nan] * 4}
    assert schedule.rate(1.0, _state(4, history=without_val)) == 1.0
    assert schedule.rate(1.0, _state(4, history={"loss": stalling})) == 0.125


def test_schedules_compare_by_settings_for_clone_and_grid_search():
    assert Cosine(warmup=3) == Cosine(warmup=3) != Cosine(warmup=2)
    assert hash(Step(5, 0.5)) == hash(Step(5, 0.5))
    assert "warmup=3" in repr(Cosine(warmup=3))
    model = MLPClassifier(learning_rate=Cosine(warmup=3))
    assert clone(model).get_params()["learning_rate"] == Cosine(warmup=3)


# ---------------------------------------------------------------- through the estimators


def cosine(e, max_iter, warmup=0):
    if e < warmup:
        return BASE * (e + 1) / warmup
    return BASE * 0.5 * (1 + math.cos(math.pi * (e - warmup) / (max_iter - warmup)))


SEQUENCE_CASES = [  # (learning_rate, max_iter, expected rate of epoch e)
    pytest.param("step", 25, lambda e: BASE * 0.5 ** (e // 10), id="step"),
    pytest.param("exponential", 12, lambda e: BASE * 0.95**e, id="exponential"),
    pytest.param("cosine", 12, lambda e: cosine(e, 12), id="cosine"),
    pytest.param(Cosine(warmup=3), 12, lambda e: cosine(e, 12, warmup=3), id="Cosine(warmup=3)"),
    pytest.param(Step(step_size=4, gamma=0.3), 12, lambda e: BASE * 0.3 ** (e // 4),
                 id="Step(4,0.3)"),
    pytest.param(Exponential(gamma=0.8), 12, lambda e: BASE * 0.8**e, id="Exponential(0.8)"),
    pytest.param(Constant(), 12, lambda e: BASE, id="Constant()"),
    pytest.param("constant", 12, lambda e: BASE, id="constant"),
]


@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("learning_rate, max_iter, expected", SEQUENCE_CASES)
def test_history_records_the_documented_rate_sequence(learning_rate, max_iter, expected, solver):
    rates, _ = _rates(solver, learning_rate, max_iter=max_iter)
    assert rates == pytest.approx([expected(e) for e in range(max_iter)], rel=1e-12), (
        f"{solver}, learning_rate={learning_rate!r}: rates {rates}")


@pytest.mark.parametrize("solver", SOLVERS)
def test_callable_gives_the_rate_of_each_epoch(solver):
    def schedule(epoch):
        return 0.02 / (1 + epoch) if epoch % 2 else 0.005

    rates, _ = _rates(solver, schedule, max_iter=9)
    assert rates == [schedule(e) for e in range(9)]
    rates_wrapped, _ = _rates(solver, FromCallable(schedule), max_iter=9)
    assert rates_wrapped == rates


@pytest.mark.parametrize("solver", SOLVERS)
def test_invscaling_object_uses_samples_seen_before_each_epoch(solver):
    rates, model = _rates(solver, InvScaling(power_t=0.25))
    n = 150
    assert rates == pytest.approx([BASE / (e * n + 1) ** 0.25 for e in range(12)], rel=1e-12)


def test_sklearn_invscaling_acts_on_sgd_as_in_scikit_learn():
    rates, _ = _rates("sgd", "invscaling", power_t=0.4)
    n = 150
    assert rates == pytest.approx([BASE / (e * n + 1) ** 0.4 for e in range(12)], rel=1e-12)


def test_sklearn_adaptive_divides_the_sgd_rate_by_5_when_the_loss_stalls():
    # tol larger than any loss change: every epoch after the first is "no
    # improvement", so the rate is cut after every n_iter_no_change + 1 of them.
    rates, _ = _rates("sgd", "adaptive", max_iter=11, tol=100.0, n_iter_no_change=2)
    expected = [BASE] * 4 + [BASE / 5] * 3 + [BASE / 25] * 3 + [BASE / 125]
    assert rates == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("learning_rate", ["invscaling", "adaptive"])
def test_sklearn_schedule_strings_are_ignored_by_adam(learning_rate):
    rates, _ = _rates("adam", learning_rate)
    assert rates == [BASE] * 12


@pytest.mark.parametrize("solver", SOLVERS)
def test_plateau_cuts_the_rate_when_the_loss_stalls(solver):
    # A threshold of 0.05 on a loss that improves by less than that per epoch.
    schedule = ReduceOnPlateau(factor=0.5, patience=1, threshold=0.05)
    rates, model = _rates(solver, schedule, max_iter=25, learning_rate_init=BASE)
    losses = model.history_["loss"]
    expected = [schedule.rate(BASE, _state(e, history={"loss": losses[:e]}))
                for e in range(25)]
    assert rates == expected
    cuts = sum(b < a for a, b in zip(rates, rates[1:]))
    assert cuts >= 2, f"{solver}: the loss never stalled, the check is empty: {losses}"
    assert rates[0] == BASE and rates[-1] < BASE / 2


def test_plateau_on_validation_loss_follows_the_validation_data():
    X, y = _classification(300)
    schedule = ReduceOnPlateau(factor=0.5, patience=1, threshold=0.0, monitor="val_loss")
    model = MLPClassifier(hidden_layer_sizes=(30,), learning_rate=schedule,
                          learning_rate_init=0.05, max_iter=30, tol=0, n_iter_no_change=np.inf,
                          random_state=0).fit(X[:100], y[:100], validation_data=(X[100:],
                                                                                 y[100:]))
    history = model.history_
    expected = [schedule.rate(0.05, _state(e, history={k: history[k][:e] for k in history}))
                for e in range(30)]
    assert history["learning_rate"] == expected
    by_train_loss = ReduceOnPlateau(factor=0.5, patience=1, threshold=0.0)
    train_only = [by_train_loss.rate(0.05, _state(e, history={"loss": history["loss"][:e]}))
                  for e in range(30)]
    assert expected != train_only, "validation and training loss give the same cuts: no check"


@pytest.mark.parametrize("solver", SOLVERS)
def test_recorded_rate_is_the_rate_the_optimizer_used(solver):
    # Full-batch steps without momentum or L2: each sgd epoch is params -= rate * grad,
    # adam's first step moves every parameter by about the rate.
    X, y = _classification()
    rates = {0: 0.003, 1: 0.04}
    params = dict(hidden_layer_sizes=(5,), solver=solver, learning_rate=rates.get,
                  learning_rate_init=0.5, momentum=0, alpha=0, batch_size="full",
                  shuffle=False, random_state=0, dtype="float64")
    one = MLPClassifier(max_iter=1, **params).fit(X, y)
    two = MLPClassifier(max_iter=2, **params).fit(X, y)
    if solver == "adam":
        start = MLPClassifier(max_iter=1, **{**params, "learning_rate": lambda e: 1e-300})
        start = start.fit(X, y)._params
        assert np.abs(one._params - start).max() == pytest.approx(0.003, rel=1e-4), (
            "adam's first step does not move the parameters by the scheduled rate 0.003")
        return
    Y = one._label_binarizer.transform(y).astype(np.float64)
    _, grad = one._network(len(X)).loss_grad(one._params, X, Y, None, 0.0)
    assert_allclose(two._params, one._params - 0.04 * grad, rtol=1e-12, atol=1e-15,
                    err_msg="the second sgd epoch did not use the scheduled rate 0.04")


def test_warm_start_fit_runs_its_schedule_from_the_start():
    X, y = _classification()
    model = MLPClassifier(hidden_layer_sizes=(5,), learning_rate="cosine", warm_start=True,
                          max_iter=6, tol=0, random_state=0)
    model.fit(X, y).fit(X, y)
    rates = model.history_["learning_rate"]
    assert len(rates) == 12
    assert rates[6:] == rates[:6], f"the second fit did not restart the schedule: {rates}"


def test_partial_fit_calls_are_the_epochs_of_one_schedule():
    X, y = _classification()
    model = MLPClassifier(hidden_layer_sizes=(5,), learning_rate=Step(step_size=2, gamma=0.5),
                          learning_rate_init=BASE, random_state=0)
    for _ in range(5):
        model.partial_fit(X, y, classes=[0, 1, 2])
    assert model.history_["learning_rate"] == pytest.approx(
        [BASE, BASE, BASE / 2, BASE / 2, BASE / 4], rel=1e-12)


@pytest.mark.parametrize("bad", [-0.01, math.nan, math.inf])
@pytest.mark.parametrize("solver", SOLVERS)
def test_schedule_giving_a_negative_or_non_finite_rate_raises(solver, bad):
    X, y = _classification()
    model = MLPRegressor(solver=solver, learning_rate=lambda e: 0.01 if e < 2 else bad,
                         max_iter=5, random_state=0)
    with pytest.raises(ValueError, match="learning_rate schedule gave"):
        model.fit(X, y.astype(float))


@pytest.mark.parametrize("solver", SOLVERS)
def test_cosine_ending_before_max_iter_holds_eta_min_without_raising(solver):
    # A rate of 0 is a legitimate end of a schedule: the weights stop moving.
    X, y = _classification()
    model = MLPRegressor(solver=solver, learning_rate=Cosine(t_max=3),
                         max_iter=6, tol=0, n_iter_no_change=100, random_state=0)
    model.fit(X, y.astype(float))
    assert model.history_["learning_rate"][3:] == [0.0, 0.0, 0.0]
    assert model.n_iter_ == 6
