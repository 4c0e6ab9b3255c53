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

import contextlib
import functools
import threading

from threadpoolctl import ThreadpoolController

from nnfast._core import usable_cpus


@functools.lru_cache(maxsize=1)
def _blas():
    """The BLAS libraries of this process (SciPy's, which nnfast calls, among them)."""
    return ThreadpoolController().select(user_api="blas")


def _blas_limit():
    limits = [lib.num_threads for lib in _blas().lib_controllers]
    return min(limits) if limits else usable_cpus()


_lock = threading.Lock()
_active = 0        # fits inside single_threaded_blas
_restore = None    # [(library, its limit)] to restore when the last of them leaves
_outer_limit = 1   # BLAS's limit before the first of them entered


def fit_threads():
    """Threads for one fit: BLAS's thread limit (as it was before any running fit
    lowered it), at most the usable CPUs."""
    with _lock:
        limit = _outer_limit if _active else _blas_limit()
    return max(1, min(limit, usable_cpus()))


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


@contextlib.contextmanager
def single_threaded_blas():
    """BLAS on one thread while the block runs.

    Fits running concurrently in several threads share one limit: the first to
    enter sets it, the last to leave restores what was there before. The
    libraries' controllers are called directly, not through threadpoolctl's
    limit(), which also reads every library's full description: every
    partial_fit call enters this block (15.8 us of CPU against 12.9 here, two
    OpenBLAS libraries, timed in a loop of enter and leave).
    """
    global _active, _restore, _outer_limit
    with _lock:
        if _active == 0:
            limits = [(lib, lib.num_threads) for lib in _blas().lib_controllers]
            _outer_limit = min((n for _, n in limits), default=usable_cpus())
            _restore = [(lib, n) for lib, n in limits if n != 1]
            if _restore:
                _release_blas_control()
                for lib, _ in _restore:
                    lib.set_num_threads(1)
        _active += 1
    try:
        yield
    finally:
        with _lock:
            _active -= 1
            if _active == 0 and _restore:
                _release_blas_control()
                for lib, n in _restore:
                    lib.set_num_threads(n)
                _release_blas_control()
                _restore = None
