"""How many threads a fit uses, and BLAS kept to one thread while they run.

A minibatch fit splits each minibatch's rows between threads of its own (see
csrc/train_impl.h); each of them calls BLAS on its part. BLAS's own threads would
then compete with them for the same cores, so they are switched off for the
duration of such a fit, and restored after it.

The number of threads follows BLAS's own setting, as scikit-learn's MLP does by
using BLAS: all the cores this process may use, unless BLAS was limited (the
environment variable ``OPENBLAS_NUM_THREADS`` or ``OMP_NUM_THREADS``, or
``threadpoolctl.threadpool_limits``), in which case a fit uses that many. So
``with threadpool_limits(1): GridSearchCV(..., n_jobs=2).fit(X, y)`` keeps each
fit on one core, as it does for scikit-learn.
"""

import functools
import threading

from threadpoolctl import ThreadpoolController

from nnfast._core import MIN_ROWS_PER_THREAD, usable_cpus


@functools.lru_cache(maxsize=1)
def _blas():
    """The BLAS libraries of this process (SciPy's, which nnfast calls, among them)."""
    return ThreadpoolController().select(user_api="blas")


class _Limit:
    """One BLAS library's thread limit, read and set.

    An OpenBLAS built with its own threads (threadpoolctl's "pthreads" layer)
    has one limit for the whole process: it is read and set here by
    OpenBLAS's own functions, which threadpoolctl resolves. threadpoolctl's
    methods on top of them add, from 3.8 on, a claim of the library by one
    thread (see _release_blas_control) that single_threaded_blas would have to
    clear around every change, and partial_fit enters it on every call:
    entering and leaving it took 15.8 us of CPU through threadpoolctl's
    limit(), 12.9 through its methods and 4.9 this way (two OpenBLAS
    libraries, a loop of 5000).
    Every other library, or a threadpoolctl that does not resolve the
    functions, goes through threadpoolctl's methods.
    """

    def __init__(self, lib):
        self.lib = lib
        symbol = getattr(lib, "_get_symbol", None)
        direct = (type(lib).__name__ == "OpenBLASController" and symbol is not None
                  and getattr(lib, "threading_layer", None) == "pthreads")
        self._get = symbol("openblas_get_num_threads") if direct else None
        self._set = symbol("openblas_set_num_threads") if direct else None
        self.claimed = self._get is None or self._set is None

    def get(self):
        return self.lib.num_threads if self.claimed else self._get()

    def set(self, n):
        if self.claimed:
            self.lib.set_num_threads(n)
        else:
            self._set(n)


@functools.lru_cache(maxsize=1)
def _limits():
    return [_Limit(lib) for lib in _blas().lib_controllers]


def _blas_limit():
    limits = [limit.get() for limit in _limits()]
    return min(limits) if limits else usable_cpus()


_lock = threading.Lock()
_active = 0        # fits inside single_threaded_blas
_restore = None    # [(_Limit, its value)] to restore when the last of them leaves
_outer_limit = 1   # BLAS's limit before the first of them entered


def fit_threads():
    """Threads for one fit: BLAS's thread limit (as it was before any running fit
    lowered it), at most the usable CPUs."""
    with _lock:
        limit = _outer_limit if _active else _blas_limit()
    return max(1, min(limit, usable_cpus()))


# Below this many multiply-adds of weights per epoch (rows x weights), an epoch
# runs on the calling thread alone. The team's helper sleeps while Python runs
# between two calls, and waking it costs more than it saves on a small epoch:
# 200 partial_fit calls of 100 rows on a (64,) classifier (0.17 M) took 85 us a
# call with two threads and 54 with one; 400 rows (0.67 M) 121 and 101 us; a
# (256,) network's 200 rows (1.3 M) 138 with two, 168 with one.
SMALL_EPOCH = 1_000_000


def epoch_threads(n_rows, batch_size, n_weights):
    """Threads of the C core for one epoch of n_rows rows in minibatches of
    batch_size on a network of n_weights weights: those of fit_threads(), at
    least MIN_ROWS_PER_THREAD rows of each minibatch apiece, and one for an
    epoch below SMALL_EPOCH."""
    if n_rows * n_weights < SMALL_EPOCH:
        return 1
    return max(1, min(fit_threads(), batch_size // MIN_ROWS_PER_THREAD))


def _release_blas_control():
    """Forget which thread threadpoolctl lets change OpenBLAS's limit.

    From threadpoolctl 3.8 on, only one live thread may change the limit of an
    OpenBLAS with its own thread pool (process-wide): the first that did, the
    others' calls are ignored. Concurrent fits set and restore the limit from
    whichever thread enters first and leaves last (under _lock), so they clear
    that claim around their changes; otherwise a fit in a worker thread after
    one in the main thread would run with BLAS's threads, and the last fit to
    leave could not restore the limit."""
    for lib in _blas().lib_controllers:
        clear = getattr(type(lib), "clear_controlling_thread", None)
        if clear is not None:
            clear(force=True)


def _set_all(limits):
    """Set each (_Limit, value); threadpoolctl's claims cleared around the
    changes made through its methods."""
    claimed = any(limit.claimed for limit, _ in limits)
    if claimed:
        _release_blas_control()
    for limit, n in limits:
        limit.set(n)
    if claimed:
        _release_blas_control()


class single_threaded_blas:
    """BLAS on one thread while the block (``with single_threaded_blas():``) runs.

    Fits running concurrently in several threads share one limit: the first to
    enter sets it, the last to leave restores what was there before. Every
    partial_fit call enters this block, so it touches only the libraries not
    at one thread already, through _Limit, and is a class rather than a
    generator-based context manager.
    """

    def __enter__(self):
        global _active, _restore, _outer_limit
        with _lock:
            if _active == 0:
                values = [(limit, limit.get()) for limit in _limits()]
                _outer_limit = min((n for _, n in values), default=usable_cpus())
                _restore = [(limit, n) for limit, n in values if n != 1]
                _set_all([(limit, 1) for limit, _ in _restore])
            _active += 1
        return self

    def __exit__(self, *exc_info):
        global _active, _restore
        with _lock:
            _active -= 1
            if _active == 0:
                _set_all(_restore)
                _restore = None
