"""Minibatches shared by several threads of the C core (csrc/train_impl.h), and the
BLAS thread limit the estimators hold while they run (nnfast._threads).

The threaded epoch is checked against a NumPy simulation built on loss_grad, as
tests/test_kernels.py checks the one-thread epoch: the threads may change the
order of a sum, nothing else.
"""

import functools
import gc
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose, assert_array_equal
from threadpoolctl import threadpool_info, threadpool_limits

from nnfast import MLPClassifier, MLPRegressor, _core, _threads
from numpy_reference import BETA_1, BETA_2, EPSILON, MOMENTUM, simulate_epoch

MIN_ROWS = _core.MIN_ROWS_PER_THREAD
UNITS = (6, 7, 5, 3)
# 33313 parameters: enough for the threads to share the step (its sums of the
# parts' gradients and its update, range by range)
BIG_UNITS = (180, 150, 40, 3)


def make_problem(n, seed=0, weighted=True, dtype=np.float64, units=UNITS):
    rng = np.random.default_rng(seed)
    X = rng.uniform(-1, 1, (n, units[0]))
    X[rng.uniform(size=X.shape) < 0.3] = 0  # some zeros, for the CSR variant
    Y = np.eye(units[-1])[rng.integers(0, units[-1], n)]
    sw = rng.uniform(0.5, 2, n) if weighted else None
    n_params = sum(a * b for a, b in zip(units[:-1], units[1:])) + sum(units[1:])
    params = rng.uniform(-0.8, 0.8, n_params)
    cast = (lambda a: None if a is None else np.ascontiguousarray(a, dtype))
    return cast(X), cast(Y), cast(sw), cast(params)


def make_net(capacity, dtype=np.float64, dropout=None, units=UNITS):
    return _core.Network(list(units), ["relu", "tanh", "softmax"], "log_loss", dtype,
                         capacity, dropout=dropout)


@pytest.mark.parametrize("n_threads", [2, 3, 5])
@pytest.mark.parametrize("solver", ["sgd", "adam"])
@pytest.mark.parametrize("shuffle", [True, False])
@pytest.mark.parametrize("layout", ["dense", "csr"])
@pytest.mark.parametrize("weighted", [False, True])
def test_threaded_epoch_matches_the_numpy_simulation(n_threads, solver, shuffle, layout,
                                                     weighted):
    # 5 batches of 48 rows and a last one of 13: fewer rows than threads x 16, so the
    # last batch is cut differently from the others.
    n, batch, lr, alpha, t0 = 253, 48, 0.0625, 0.25, 2
    X, Y, sw, params = make_problem(n, seed=n_threads, weighted=weighted)
    net = make_net(batch)
    state = _core.seed_state(7)
    order = _core.shuffle_indices(n, state.copy()) if shuffle else np.arange(n)
    expected = simulate_epoch(make_net(batch), params, X, Y, sw, batch, order, solver, lr,
                              alpha, t0)

    got = params.copy()
    opt_state = np.zeros(net.n_params * (2 if solver == "adam" else 1))
    X_in = sp.csr_matrix(X) if layout == "csr" else X
    _, n_seen, n_batches, _ = net.train_epoch(
        got, opt_state, state, X_in, Y, sw, batch, shuffle, solver, lr, momentum=MOMENTUM,
        nesterov=True, beta_1=BETA_1, beta_2=BETA_2, epsilon=EPSILON, alpha=alpha, t=t0,
        n_threads=n_threads)

    assert (n_seen, n_batches) == (n, 6), f"saw {n_seen} rows in {n_batches} batches"
    assert_allclose(got, expected, rtol=1e-10, atol=1e-12,
                    err_msg=f"{n_threads} threads: the epoch differs from the simulation")


@pytest.mark.parametrize("n_threads", [2, 3])
@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_many_short_threaded_steps_match_the_simulation(n_threads, solver):
    # Hundreds of minibatches of a few microseconds each: the threads meet at
    # their barriers in ever other orders, which a race between a step and the
    # next minibatch's settings would not survive.
    n, batch = 3000, 16 * n_threads
    X, Y, sw, params = make_problem(n, seed=10 + n_threads)
    net = make_net(batch)
    state = _core.seed_state(3)
    order = _core.shuffle_indices(n, state.copy())
    expected = simulate_epoch(make_net(batch), params, X, Y, sw, batch, order, solver, 0.01,
                              0.5, 0)
    got = params.copy()
    opt_state = np.zeros(net.n_params * (2 if solver == "adam" else 1))
    net.train_epoch(got, opt_state, state, X, Y, sw, batch, True, solver, 0.01,
                    momentum=MOMENTUM, nesterov=True, beta_1=BETA_1, beta_2=BETA_2,
                    epsilon=EPSILON, alpha=0.5, n_threads=n_threads)
    assert_allclose(got, expected, rtol=1e-9, atol=1e-11)


@pytest.mark.parametrize("n_threads", [2, 3])
@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_shared_step_matches_the_simulation(n_threads, solver):
    # Each thread sums the parts' gradients over its range of the parameters,
    # then steps there; the weights' L2 term and the biases' lack of one cross
    # the ranges' bounds. (Clipping by the global norm: train's comparisons.)
    n, batch = 150, 48
    X, Y, sw, params = make_problem(n, seed=20 + n_threads, units=BIG_UNITS)
    net = make_net(batch, units=BIG_UNITS)
    state = _core.seed_state(5)
    order = _core.shuffle_indices(n, state.copy())
    expected = simulate_epoch(make_net(batch, units=BIG_UNITS), params, X, Y, sw, batch,
                              order, solver, 0.01, 0.5, 1)
    got = params.copy()
    opt_state = np.zeros(net.n_params * (2 if solver == "adam" else 1))
    net.train_epoch(got, opt_state, state, X, Y, sw, batch, True, solver, 0.01,
                    momentum=MOMENTUM, nesterov=True, beta_1=BETA_1, beta_2=BETA_2,
                    epsilon=EPSILON, alpha=0.5, t=1, n_threads=n_threads)
    assert_allclose(got, expected, rtol=1e-9, atol=1e-11,
                    err_msg=f"{n_threads} threads sharing the step")


def train(n_threads, dropout=None, dtype=np.float64, batch=64, epochs=3, seed=0, units=UNITS):
    X, Y, sw, params = make_problem(300, dtype=dtype, units=units)
    net = make_net(batch, dtype, dropout, units)
    p, opt_state, state, t = params.copy(), np.zeros(2 * net.n_params, dtype), \
        _core.seed_state(seed), 0
    norms = np.zeros(2 * (len(units) - 1))
    losses = []
    for _ in range(epochs):
        loss_sum, _, _, t = net.train_epoch(p, opt_state, state, X, Y, sw, batch, True,
                                            "adam", 0.01, t=t, grad_norms=norms, alpha=0.5,
                                            clip_norm=1.0, n_threads=n_threads)
        losses.append(loss_sum)
    return p, opt_state, state, np.array(losses), norms


@pytest.mark.parametrize("dropout", [None, [0.5, 0.25, 0.0]])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("units", [UNITS, BIG_UNITS], ids=["small", "shared_step"])
def test_threaded_training_is_bit_identical_for_the_same_seed(dropout, dtype, units):
    first, second = train(2, dropout, dtype, units=units), train(2, dropout, dtype, units=units)
    for a, b, what in zip(first, second, ["params", "optimizer state", "generator",
                                          "losses", "gradient norms"]):
        assert_array_equal(a, b, err_msg=f"two threaded runs differ in their {what}")


def test_threaded_dropout_draws_differ_between_threads_and_seeds():
    plain = train(2)[3]
    dropped, other_seed = train(2, [0.5, 0.5, 0.0])[3], train(2, [0.5, 0.5, 0.0], seed=1)[3]
    assert not np.allclose(plain, dropped), "dropout had no effect with two threads"
    assert not np.array_equal(dropped, other_seed), "the dropout draws ignore the seed"


@pytest.mark.parametrize("units", [UNITS, BIG_UNITS], ids=["small", "shared_step"])
def test_a_busy_machine_changes_who_computes_a_part_not_the_result(units):
    # With the other core taken, the calling thread computes most parts (and
    # ranges of a shared step) itself; each part keeps its workspace and
    # generator, each range its bounds, so the weights are the same.
    quiet = train(2, [0.5, 0.25, 0.0], epochs=20, units=units)
    hog = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        busy = train(2, [0.5, 0.25, 0.0], epochs=20, units=units)
    finally:
        hog.kill()
        hog.wait()
    for a, b, what in zip(quiet, busy, ["params", "optimizer state", "generator",
                                        "losses", "gradient norms"]):
        assert_array_equal(a, b, err_msg=f"{what} differ on a busy machine")


@pytest.mark.parametrize("units", [UNITS, BIG_UNITS], ids=["small", "shared_step"])
def test_threads_change_only_the_order_of_sums(units):
    # With BIG_UNITS, two threads share the step: the penalty sums in the
    # losses and the gradient norms are summed range by range, and each range
    # is clipped by the global norm.
    one, two = train(1, units=units), train(2, units=units)
    assert_allclose(two[0], one[0], rtol=1e-9, atol=1e-11,
                    err_msg="two threads trained other weights than one")
    assert_allclose(two[3], one[3], rtol=1e-10, err_msg="epoch losses differ")
    assert_allclose(two[4], one[4], rtol=1e-9, err_msg="gradient norms differ")


def thread_cpu_ns(tids):
    """CPU time of the threads tids of this process, in ns (Linux's schedstat)."""
    return sum(int(open(f"/proc/self/task/{tid}/schedstat").read().split()[0]) for tid in tids)


@pytest.mark.skipif(not os.path.exists(f"/proc/self/task/{threading.get_native_id()}/schedstat"),
                    reason="reads the threads' CPU time in /proc")
@pytest.mark.parametrize("units", [UNITS, BIG_UNITS], ids=["small", "shared_step"])
def test_an_oversubscribed_process_does_every_part_on_the_calling_thread(units):
    # While the process's epochs (and whatever else claimed threads) want more
    # threads than it has CPUs, an epoch's helper gets no part and no range of
    # the step: it sleeps, and the result is the same.
    X, Y, sw, params = make_problem(300, units=units)

    def run(claim):
        net = make_net(64, dropout=[0.5, 0.25, 0.0], units=units)
        p, velocity, state = params.copy(), np.zeros(net.n_params), _core.seed_state(0)

        def epoch():
            net.train_epoch(p, velocity, state, X, Y, sw, 64, True, "sgd", 0.01, alpha=0.5,
                            n_threads=2)

        before = set(os.listdir("/proc/self/task"))
        epoch()  # starts the team's helper
        helpers = set(os.listdir("/proc/self/task")) - before
        assert len(helpers) == 1
        time.sleep(0.01)  # past the helper's spin (50 us), asleep
        _core.claim_threads(claim)
        try:
            helper, own = thread_cpu_ns(helpers), time.thread_time_ns()
            for _ in range(40):
                epoch()
            helper, own = thread_cpu_ns(helpers) - helper, time.thread_time_ns() - own
        finally:
            _core.claim_threads(-claim)
        return (p, velocity, state), helper, own

    shared, helper, own = run(0)
    # the control: the helper shares when nothing else claimed threads. Not
    # asserted for the small network: its parts take a few microseconds, the
    # calling thread takes a part itself after waiting that long, and a helper
    # still waking up, or not yet moved off the calling thread's core, gets none.
    if units is BIG_UNITS and _core.usable_cpus() >= 2:
        assert helper > 0.2 * own, "the helper did not share the minibatches"
    alone, helper, own = run(_core.usable_cpus())
    # A helper that takes parts runs about as long as this thread (> 0.2 above);
    # one that takes none still wakes at each epoch's start and end, which on a
    # loaded machine (context switches of tens of us) reached 2.4% of 40 small
    # epochs: 10% separates the two with room on either side.
    assert helper < 0.1 * own, f"the helper ran {helper} ns against this thread's {own} ns"
    for a, b, what in zip(shared, alone, ["params", "velocity", "generator"]):
        assert_array_equal(a, b, err_msg=f"{what} differ when one thread does every part")


def test_epochs_count_their_threads_only_while_they_run():
    before = _core.claim_threads(0)
    train(3)
    assert _core.claim_threads(0) == before
    X, Y, sw, params = make_problem(200)
    net = make_net(64)
    with pytest.raises(_core.NonFiniteError):
        net.train_epoch(params * 1e200, np.zeros(net.n_params), _core.seed_state(0),
                        X * 1e200, Y, sw, 64, True, "sgd", 0.1, n_threads=2)
    assert _core.claim_threads(0) == before, "a failed epoch kept its threads counted"


def test_batches_too_small_to_share_run_on_one_thread_bit_for_bit():
    batch = 2 * MIN_ROWS - 1
    one, many = train(1, batch=batch), train(8, batch=batch)
    assert_array_equal(many[0], one[0],
                       err_msg=f"a batch of {batch} rows was split between threads")


def test_n_threads_must_be_positive():
    X, Y, sw, params = make_problem(20)
    net = make_net(8)
    with pytest.raises(ValueError, match="n_threads must be at least 1"):
        net.train_epoch(params, np.zeros(net.n_params), _core.seed_state(0), X, Y, sw, 8,
                        True, "sgd", 0.1, n_threads=0)


def os_threads():
    return len(os.listdir("/proc/self/task"))


@pytest.mark.skipif(not os.path.isdir("/proc/self/task"), reason="counts threads in /proc")
def test_the_team_is_kept_between_epochs_and_stopped_with_the_network():
    X, Y, sw, params = make_problem(512)
    net = make_net(64)
    opt_state = np.zeros(net.n_params)

    def epoch(n_threads):
        net.train_epoch(params, opt_state, _core.seed_state(1), X, Y, sw, 64, True, "sgd",
                        0.01, n_threads=n_threads)

    epoch(1)
    gc.collect()  # models freed by it meanwhile (kept networks) would stop their helpers
    before = os_threads()
    epoch(3)
    assert os_threads() == before + 2, "an epoch of 3 parts should leave 2 helpers"
    epoch(3)
    assert os_threads() == before + 2, "a second epoch started helpers of its own"
    epoch(2)
    assert os_threads() == before + 1, "another number of parts kept the old helpers"
    del net
    gc.collect()
    assert os_threads() == before, "freeing the network left its helpers running"


FORK_SCRIPT = """
import os, sys
import numpy as np
from nnfast import _core
sys.path.insert(0, {tests!r})
from test_threads import make_net, make_problem

X, Y, sw, params = make_problem(300)
net = make_net(64)

def epoch(p):
    p = p.copy()
    net.train_epoch(p, np.zeros(net.n_params), _core.seed_state(3), X, Y, sw, 64, True,
                    "sgd", 0.05, n_threads=2)
    return p

first = epoch(params)  # the team's helper is running (asleep) from here on
read_end, write_end = os.pipe()
pid = os.fork()
if pid == 0:
    # the child has no helper thread, only the team's memory: it must start its
    # own, and freeing the network must not wait for the parent's
    os.close(read_end)
    again = epoch(params)
    del net
    os.write(write_end, b"same" if np.array_equal(again, first) else b"diff")
    os._exit(0)
os.close(write_end)
answer = os.read(read_end, 16)
_, code = os.waitpid(pid, 0)
print(answer.decode(), code)
"""


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_a_forked_child_trains_without_the_parents_helpers():
    script = FORK_SCRIPT.format(tests=os.path.dirname(os.path.abspath(__file__)))
    # its own process group: a hung child is killed with its parent
    proc = subprocess.Popen([sys.executable, "-c", textwrap.dedent(script)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    try:
        out, err = proc.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, err = proc.communicate()
        pytest.fail("the forked child hung (waiting for helpers it does not have?)\n" + err)
    assert proc.returncode == 0, err
    assert out.split() == ["same", "0"], out + err


# ---------------------------------------------------------------- BLAS's limit


def blas_limits():
    return sorted(info["num_threads"] for info in threadpool_info()
                  if info["user_api"] == "blas")


def test_fit_threads_follows_the_blas_limit():
    with threadpool_limits(limits=1, user_api="blas"):
        assert _threads.fit_threads() == 1
    assert 1 <= _threads.fit_threads() <= _core.usable_cpus()


def test_single_threaded_blas_restores_the_limit_when_the_last_user_leaves():
    with threadpool_limits(limits=2, user_api="blas"):
        before = blas_limits()
        with _threads.single_threaded_blas():
            assert set(blas_limits()) == {1}
            with _threads.single_threaded_blas():  # a second fit, e.g. in another thread
                assert set(blas_limits()) == {1}
                assert _threads.fit_threads() == min(2, _core.usable_cpus()), (
                    "a fit started during another saw the lowered limit")
            assert set(blas_limits()) == {1}, "restored while a fit was still running"
        assert blas_limits() == before


def test_the_last_fit_to_leave_restores_the_limit_from_another_thread():
    # threadpoolctl 3.8 lets one live thread change OpenBLAS's limit and
    # ignores the others: the fit that leaves last may not be the one that set it
    entered, left = threading.Event(), threading.Event()
    inside = []

    def first():
        with _threads.single_threaded_blas():
            entered.set()
            left.wait()

    def last():
        entered.wait()
        with _threads.single_threaded_blas():
            left.set()
            inside.append(blas_limits())

    with threadpool_limits(limits=2, user_api="blas"):
        before = blas_limits()
        threads = [threading.Thread(target=first), threading.Thread(target=last)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert set(inside[0]) == {1}
        assert blas_limits() == before, "the limit stayed lowered after both fits"


def record_limits_inside(inside):
    """Append BLAS's limits as they read inside single_threaded_blas to inside."""
    with _threads.single_threaded_blas():
        inside.append(blas_limits())


def test_a_fit_in_a_worker_thread_limits_blas_after_the_main_thread_set_a_limit():
    inside = []
    fit = functools.partial(record_limits_inside, inside)

    with threadpool_limits(limits=2, user_api="blas"):  # this thread sets a limit first
        before = blas_limits()
        worker = threading.Thread(target=fit)
        worker.start()
        worker.join()
        assert set(inside[0]) == {1}, "BLAS kept its threads in a fit in a worker thread"
        assert blas_limits() == before


def test_single_threaded_blas_through_threadpoolctls_methods(monkeypatch):
    # the way of a library whose own functions threadpoolctl does not resolve
    limits = [_threads._Limit(lib) for lib in _threads._blas().lib_controllers]
    for limit in limits:
        limit.claimed = True
    monkeypatch.setattr(_threads, "_limits", lambda: limits)
    inside = []
    fit = functools.partial(record_limits_inside, inside)

    with threadpool_limits(limits=2, user_api="blas"):  # this thread sets a limit first
        before = blas_limits()
        fit()
        worker = threading.Thread(target=fit)
        worker.start()
        worker.join()
        assert set(inside[0]) == set(inside[1]) == {1}
        assert blas_limits() == before


@pytest.mark.parametrize("Estimator", [MLPClassifier, MLPRegressor])
def test_fit_restores_the_blas_limit_also_when_it_fails(Estimator):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(400, 5))
    y = rng.integers(0, 2, 400) if Estimator is MLPClassifier else rng.normal(size=400)
    with threadpool_limits(limits=2, user_api="blas"):
        before = blas_limits()
        # (64, 64): epochs large enough to share (_threads.SMALL_EPOCH)
        Estimator(hidden_layer_sizes=(64, 64), batch_size=64, max_iter=2).fit(X, y)
        assert blas_limits() == before
        with pytest.raises(ValueError, match="non-finite"):
            Estimator(hidden_layer_sizes=(64, 64), batch_size=64, max_iter=50, solver="sgd",
                      learning_rate_init=1e12, momentum=0.0).fit(X * 1e30, y)
        assert blas_limits() == before


def test_a_small_epoch_runs_on_the_calling_thread_and_a_large_one_is_shared(monkeypatch):
    rng = np.random.default_rng(2)
    X = rng.normal(size=(2000, 10))
    y = (X[:, 0] > 0).astype(int)
    entered = []
    original = _threads.single_threaded_blas
    monkeypatch.setattr(_threads, "single_threaded_blas",
                        lambda: entered.append(1) or original())
    with threadpool_limits(limits=2, user_api="blas"):
        # rows x weights below SMALL_EPOCH: one thread, BLAS left alone
        assert _threads.epoch_threads(100, 100, 176) == 1
        model = MLPClassifier(hidden_layer_sizes=(16,), random_state=0)
        for start in range(0, 500, 100):
            model.partial_fit(X[start:start + 100], y[start:start + 100], classes=[0, 1])
        assert entered == [], "a 100-row partial_fit call of a (16,) network woke the team"
        shared = min(2, _core.usable_cpus())
        assert _threads.epoch_threads(2000, 200, 4_864) == shared
        MLPClassifier(hidden_layer_sizes=(64, 64), max_iter=1).fit(X, y)
        assert len(entered) == (1 if shared > 1 else 0), (
            f"a 2000-row (64, 64) fit entered single_threaded_blas {len(entered)} times")


def test_concurrent_threaded_fits_agree_with_sequential_ones():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(2000, 10)).astype(np.float32)
    y = (X[:, 0] + X[:, 1] > 0).astype(int)
    params = dict(hidden_layer_sizes=(64, 64), batch_size=128, max_iter=3, random_state=0)
    sequential = [MLPClassifier(**params).fit(X, y).coefs_[0] for _ in range(2)]
    results = [None, None]

    def fit(i):
        results[i] = MLPClassifier(**params).fit(X, y).coefs_[0]

    workers = [threading.Thread(target=fit, args=(i,)) for i in range(2)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    for got, expected in zip(results, sequential):
        assert_array_equal(got, expected, err_msg="a fit in a thread trained differently")
