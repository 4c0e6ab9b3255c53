# cython: language_level=3, boundscheck=False, wraparound=False, initializedcheck=False
"""Bridge between Python and the C core in csrc/.

Python validates arrays and arguments; this module only checks what it needs to
hand raw pointers to C safely (dtype, contiguity, shapes), releases the GIL around
every C call that may take long, and turns C status codes into Python exceptions.
"""

import numpy as np

from libc.stdint cimport int64_t, uint64_t
from libc.math cimport isfinite
from libc.string cimport memset
from posix.time cimport CLOCK_MONOTONIC, clock_gettime, timespec
cimport scipy.linalg.cython_blas as blas

from nnfast._core cimport *

# The BLAS pointers are typed with `int` sizes in nnfast.h; if SciPy's signatures
# ever differ, this assignment fails to compile instead of being cast away.
cdef nnf_sgemm_fn _sgemm = blas.sgemm
cdef nnf_dgemm_fn _dgemm = blas.dgemm
cdef nnf_sgemv_fn _sgemv = blas.sgemv
cdef nnf_dgemv_fn _dgemv = blas.dgemv
nnf_set_blas(_sgemm, _dgemm, _sgemv, _dgemv)

ctypedef fused real:
    float
    double

ACTIVATIONS = {
    "identity": 0, "logistic": 1, "tanh": 2, "relu": 3, "exp": 4, "softmax": 5,
    "leaky_relu": 6, "elu": 7, "gelu": 8, "silu": 9, "softplus": 10, "step": 11,
}
# The parameter an activation takes when none is given: leaky_relu's negative
# slope and elu's alpha (PyTorch's defaults).
DEFAULT_ACTIVATION_PARAM = {"leaky_relu": 0.01, "elu": 1.0}
LOSSES = {
    "squared_error": 0, "poisson": 1, "log_loss": 2, "binary_log_loss": 3,
    "absolute_error": 4, "huber": 5,
}
SOLVERS = {"sgd": 0, "adam": 1}
# csrc/vmath.h's functions, as nnf_elementary numbers them (enum nnf_elementary)
ELEMENTARY = {
    "exp": 0, "expm1": 1, "log": 2, "log1p": 3, "tanh": 4, "erf": 5, "logistic": 6,
    "softplus": 7,
}
# Threads that share a training minibatch: at most MAX_THREADS, each with at
# least MIN_ROWS_PER_THREAD rows (csrc/nnfast.h).
MAX_THREADS = NNF_MAX_THREADS
MIN_ROWS_PER_THREAD = NNF_MIN_ROWS_PER_THREAD


def claim_threads(long n):
    """Count n more threads (fewer when negative) as busy beside the training
    epochs running in this process, which count their own while they run
    (csrc/event.h); returns the new count. While it exceeds ``usable_cpus()``, an
    epoch does every part of its minibatches on its own thread (the same
    result). For code that keeps threads of its own busy, and for the tests."""
    nnf_claim_threads(n)
    return nnf_claimed_threads()


def usable_cpus():
    """The CPUs this process may run on, as the C core counts them."""
    return nnf_usable_cpus()


class NonFiniteError(FloatingPointError):
    """A loss or gradient became NaN or infinite; the update was not applied."""


class NonFiniteInputError(ValueError):
    """An input value is NaN or infinite."""


cdef double _param(str act, param) except? -1:
    if act not in ACTIVATIONS:
        raise ValueError(f"unknown activation {act!r}")
    return DEFAULT_ACTIVATION_PARAM.get(act, 0.0) if param is None else param

cdef extern from "Python.h":
    int PyErr_CheckSignals() except -1


cdef int _check(int status) except -1:
    if status == NNF_OK:
        return 0
    if status == NNF_ENOMEM:
        raise MemoryError("nnfast: out of memory in the C core")
    if status == NNF_ENOBLAS:
        raise RuntimeError("nnfast: the BLAS pointers were not set")
    if status == NNF_ENONFINITE:
        raise NonFiniteError("nnfast: the loss or gradient became NaN or infinite")
    if status == NNF_EINPUT:
        raise NonFiniteInputError("Input X contains NaN or infinity.")
    if status == NNF_EINVAL:
        raise ValueError("nnfast: a size is out of the range the C core supports")
    raise RuntimeError(f"nnfast: C core returned status {status}")


cdef int _softmax_width(str what, str act, size_t width) except -1:
    # The C softmax reads each row's first entry: a row of no entries has none.
    if act == "softmax" and width == 0:
        raise ValueError(f"{what}: softmax needs at least one unit")
    return 0


cdef int _expect(str what, tuple shape, tuple expected) except -1:
    if shape != expected:
        raise ValueError(f"{what} has shape {shape}, expected {expected}")
    return 0


cdef tuple _s1(const real[::1] x):
    return (x.shape[0],)


cdef tuple _s2(const real[:, ::1] x):
    return (x.shape[0], x.shape[1])


cdef inline real *_p1(real[::1] x) noexcept nogil:
    return &x[0] if x.shape[0] > 0 else NULL

cdef inline const real *_c1(const real[::1] x) noexcept nogil:
    return &x[0] if x.shape[0] > 0 else NULL

cdef inline real *_p2(real[:, ::1] x) noexcept nogil:
    return &x[0, 0] if x.shape[0] > 0 and x.shape[1] > 0 else NULL

cdef inline const real *_c2(const real[:, ::1] x) noexcept nogil:
    return &x[0, 0] if x.shape[0] > 0 and x.shape[1] > 0 else NULL


# ---------------------------------------------------------------- kernels
# Thin wrappers over single kernels, used by the tests to hold each one against
# its NumPy or naive-C reference.

def gemm(real[:, ::1] c, const real[:, ::1] a, const real[:, ::1] b, bint trans_a,
         bint trans_b, double alpha, double beta, bint reference=False):
    """c = alpha * op(a) @ op(b) + beta * c in place (row-major, contiguous)."""
    cdef size_t M = c.shape[0], N = c.shape[1]
    cdef size_t K = a.shape[0] if trans_a else a.shape[1]
    if (a.shape[1] if trans_a else a.shape[0]) != M:
        raise ValueError("gemm: op(a) rows differ from c rows")
    if (b.shape[1] if trans_b else b.shape[0]) != K or (b.shape[0] if trans_b else b.shape[1]) != N:
        raise ValueError("gemm: op(b) shape does not match")
    cdef int status
    with nogil:
        if real is float:
            if reference:
                status = nnf_gemm_ref_f32(_p2(c), _c2(a), _c2(b), trans_a, trans_b,
                                          <float>alpha, <float>beta, M, N, K)
            else:
                status = nnf_gemm_f32(_p2(c), _c2(a), _c2(b), trans_a, trans_b,
                                      <float>alpha, <float>beta, M, N, K)
        else:
            if reference:
                status = nnf_gemm_ref_f64(_p2(c), _c2(a), _c2(b), trans_a, trans_b,
                                          alpha, beta, M, N, K)
            else:
                status = nnf_gemm_f64(_p2(c), _c2(a), _c2(b), trans_a, trans_b,
                                      alpha, beta, M, N, K)
    _check(status)


def elementary(real[::1] y, const real[::1] x, str name):
    """y = name(x) by nnfast's own elementary function (csrc/vmath.h), in place."""
    if name not in ELEMENTARY:
        raise ValueError(f"unknown elementary function {name!r}; known: {sorted(ELEMENTARY)}")
    if y.shape[0] != x.shape[0]:
        raise ValueError("elementary: y and x differ in length")
    if real is float:
        _check(nnf_elementary_f32(_p1(y), _c1(x), ELEMENTARY[name], x.shape[0]))
    else:
        _check(nnf_elementary_f64(_p1(y), _c1(x), ELEMENTARY[name], x.shape[0]))


def activation_forward(real[:, ::1] a, real[:, ::1] z, const real[::1] bias, str act,
                       param=None):
    """z += bias (if bias has entries), a = act(z), in place."""
    cdef double c = _param(act, param)
    cdef int code = ACTIVATIONS[act]
    cdef const real *b = _c1(bias)
    if bias.shape[0] and bias.shape[0] != z.shape[1]:
        raise ValueError("activation_forward: bias length differs from z columns")
    if a.shape[0] != z.shape[0] or a.shape[1] != z.shape[1]:
        raise ValueError("activation_forward: a and z differ in shape")
    _softmax_width("activation_forward", act, z.shape[1])
    if real is float:
        _check(nnf_activation_forward_f32(_p2(a), _p2(z), b, code, c, z.shape[0], z.shape[1]))
    else:
        _check(nnf_activation_forward_f64(_p2(a), _p2(z), b, code, c, z.shape[0], z.shape[1]))


def activation_backward(real[::1] delta, const real[::1] z, const real[::1] a, str act,
                        param=None):
    """delta *= act'(z) in place, with a = act(z)."""
    cdef double c = _param(act, param)
    if not (delta.shape[0] == z.shape[0] == a.shape[0]):
        raise ValueError("activation_backward: arrays differ in length")
    if act == "softmax":
        raise ValueError("activation_backward: softmax's derivative is fused with the log loss")
    if real is float:
        _check(nnf_activation_backward_f32(_p1(delta), _c1(z), _c1(a), ACTIVATIONS[act], c,
                                           delta.shape[0]))
    else:
        _check(nnf_activation_backward_f64(_p1(delta), _c1(z), _c1(a), ACTIVATIONS[act], c,
                                           delta.shape[0]))


def output_loss(real[:, ::1] delta, real[:, ::1] p, const real[:, ::1] z,
                const real[:, ::1] y, sample_weight, str loss, double delta_scale,
                double loss_param=1.0):
    """Output activation, weighted loss sum and output delta. Returns the loss sum."""
    cdef double loss_sum = 0
    cdef const real[::1] sw
    cdef const real *swp = NULL
    shape = _s2(z)
    _expect("output_loss: delta", _s2(delta), shape)
    _expect("output_loss: p", _s2(p), shape)
    _expect("output_loss: y", _s2(y), shape)
    if loss not in LOSSES:
        raise ValueError(f"output_loss: unknown loss {loss!r}")
    if loss == "log_loss":
        _softmax_width("output_loss", "softmax", z.shape[1])
    if sample_weight is not None:
        sw = sample_weight
        _expect("output_loss: sample_weight", _s1(sw), (z.shape[0],))
        swp = _c1(sw)
    if real is float:
        _check(nnf_output_loss_f32(_p2(delta), _p2(p), &loss_sum, _c2(z), _c2(y), swp,
                                   LOSSES[loss], loss_param, delta_scale, z.shape[0],
                                   z.shape[1]))
    else:
        _check(nnf_output_loss_f64(_p2(delta), _p2(p), &loss_sum, _c2(z), _c2(y), swp,
                                   LOSSES[loss], loss_param, delta_scale, z.shape[0],
                                   z.shape[1]))
    return loss_sum


def dense_forward(real[:, ::1] z, real[:, ::1] a, const real[:, ::1] inp,
                  const real[:, ::1] w, const real[::1] b, str act, param=None):
    """z = inp @ w + b, a = act(z)."""
    cdef double c = _param(act, param)
    _expect("dense_forward: z", _s2(z), (inp.shape[0], w.shape[1]))
    _expect("dense_forward: a", _s2(a), (inp.shape[0], w.shape[1]))
    if b.shape[0] != 0:  # an empty bias means none
        _expect("dense_forward: b", _s1(b), (w.shape[1],))
    if inp.shape[1] != w.shape[0]:
        raise ValueError("dense_forward: inp columns differ from w rows")
    _softmax_width("dense_forward", act, w.shape[1])
    if real is float:
        _check(nnf_dense_forward_f32(_p2(z), _p2(a), _c2(inp), _c2(w), _c1(b),
                                     ACTIVATIONS[act], c, inp.shape[0], w.shape[0],
                                     w.shape[1]))
    else:
        _check(nnf_dense_forward_f64(_p2(z), _p2(a), _c2(inp), _c2(w), _c1(b),
                                     ACTIVATIONS[act], c, inp.shape[0], w.shape[0],
                                     w.shape[1]))


def dense_backward(dinp, real[:, ::1] dw, real[::1] db, const real[:, ::1] dout,
                   const real[:, ::1] inp, const real[:, ::1] w):
    """dw += inp^T dout, db += colsum(dout), dinp = dout @ w^T (if dinp is not None)."""
    cdef real[:, ::1] di
    cdef real *dip = NULL
    _expect("dense_backward: dout", _s2(dout), (inp.shape[0], w.shape[1]))
    _expect("dense_backward: dw", _s2(dw), _s2(w))
    _expect("dense_backward: db", _s1(db), (w.shape[1],))
    if inp.shape[1] != w.shape[0]:
        raise ValueError("dense_backward: inp columns differ from w rows")
    if dinp is not None:
        di = dinp
        _expect("dense_backward: dinp", _s2(di), _s2(inp))
        dip = _p2(di)
    if real is float:
        _check(nnf_dense_backward_f32(dip, _p2(dw), _p1(db), _c2(dout), _c2(inp), _c2(w),
                                      inp.shape[0], w.shape[0], w.shape[1]))
    else:
        _check(nnf_dense_backward_f64(dip, _p2(dw), _p1(db), _c2(dout), _c2(inp), _c2(w),
                                      inp.shape[0], w.shape[0], w.shape[1]))


def sgd_step(real[::1] params, real[::1] velocity, const real[::1] grad, double lr,
             double momentum, bint nesterov, double l2, size_t n_decay, double l1=0.0):
    """One SGD step in place; returns the sum of squares of the first n_decay params."""
    cdef double penalty[2]
    _expect("sgd_step: velocity", _s1(velocity), _s1(params))
    _expect("sgd_step: grad", _s1(grad), _s1(params))
    if n_decay > <size_t>params.shape[0]:
        raise ValueError("sgd_step: n_decay exceeds the number of parameters")
    if real is float:
        _check(nnf_sgd_step_f32(_p1(params), _p1(velocity), penalty, _c1(grad), lr,
                                momentum, nesterov, l2, l1, params.shape[0], n_decay))
    else:
        _check(nnf_sgd_step_f64(_p1(params), _p1(velocity), penalty, _c1(grad), lr,
                                momentum, nesterov, l2, l1, params.shape[0], n_decay))
    return penalty[0]


def adam_step(real[::1] params, real[::1] m, real[::1] v, const real[::1] grad, double lr,
              double beta_1, double beta_2, double epsilon, int64_t t, double l2,
              size_t n_decay, double l1=0.0):
    """One Adam step (t counts from 1) in place; returns the weights' sum of squares."""
    cdef double penalty[2]
    _expect("adam_step: m", _s1(m), _s1(params))
    _expect("adam_step: v", _s1(v), _s1(params))
    _expect("adam_step: grad", _s1(grad), _s1(params))
    if n_decay > <size_t>params.shape[0]:
        raise ValueError("adam_step: n_decay exceeds the number of parameters")
    if t < 1:
        raise ValueError("adam_step: t counts steps from 1")
    if real is float:
        _check(nnf_adam_step_f32(_p1(params), _p1(m), _p1(v), penalty, _c1(grad), lr, beta_1,
                                 beta_2, epsilon, t, l2, l1, params.shape[0], n_decay))
    else:
        _check(nnf_adam_step_f64(_p1(params), _p1(m), _p1(v), penalty, _c1(grad), lr, beta_1,
                                 beta_2, epsilon, t, l2, l1, params.shape[0], n_decay))
    return penalty[0]


def clip_grad(real[::1] grad, double max_norm, double max_value):
    """Clip grad in place (global norm, then value); returns the norm before."""
    cdef double norm = 0
    if real is float:
        _check(nnf_clip_grad_f32(_p1(grad), &norm, max_norm, max_value, grad.shape[0]))
    else:
        _check(nnf_clip_grad_f64(_p1(grad), &norm, max_norm, max_value, grad.shape[0]))
    return norm


def perceptron_epoch(real[:, ::1] w, real[::1] b, const real[:, ::1] X,
                     const real[:, ::1] Y, const size_t[::1] order, double lr):
    """One epoch of the perceptron rule over X's rows in `order`, in place on w (K,F)
    and b (K); Y (N,K) holds 0/1 targets. Returns the number of mistakes."""
    cdef size_t N = X.shape[0], F = X.shape[1], K = w.shape[0], errors = 0
    if w.shape[1] != F or b.shape[0] != K or Y.shape[0] != N or Y.shape[1] != K:
        raise ValueError("perceptron_epoch: shapes of w, b, X and Y do not match")
    if order.shape[0] != N:
        raise ValueError("perceptron_epoch: order must have one entry per row")
    if N == 0:
        return 0
    for i in range(N):
        if order[i] >= N:
            raise ValueError("perceptron_epoch: order holds a row index out of range")
    with nogil:
        if real is float:
            nnf_perceptron_epoch_f32(_p2(w), _p1(b), &errors, _c2(X), _c2(Y), &order[0], lr,
                                     N, F, K)
        else:
            nnf_perceptron_epoch_f64(_p2(w), _p1(b), &errors, _c2(X), _c2(Y), &order[0], lr,
                                     N, F, K)
    return errors


def shuffle_indices(size_t n, uint64_t[::1] rng_state):
    """A permutation of range(n) drawn with the C generator (advances rng_state)."""
    if rng_state.shape[0] != 4:
        raise ValueError("shuffle_indices: rng_state must hold 4 uint64")
    cdef size_t[::1] idx = np.arange(n, dtype=np.uintp)
    if n:
        nnf_shuffle(&idx[0], &rng_state[0], n)
    return np.asarray(idx)


def seed_state(uint64_t seed):
    """The generator state (4 uint64) for a seed."""
    state = np.zeros(4, dtype=np.uint64)
    cdef uint64_t[::1] s = state
    nnf_rng_seed(&s[0], seed)
    return state


# ---------------------------------------------------------------- data sets

cdef class _Data:
    """A data set as the C core sees it; keeps the arrays it points into alive."""
    cdef nnf_data_f32 d32
    cdef nnf_data_f64 d64
    cdef object refs

    def __cinit__(self):
        memset(&self.d32, 0, sizeof(self.d32))
        memset(&self.d64, 0, sizeof(self.d64))


cdef int _fill_dense(_Data d, const real[:, ::1] X) except -1:
    if real is float:
        d.d32.X = _c2(X)
    else:
        d.d64.X = _c2(X)
    return 0


cdef int _fill_csr(_Data d, const real[::1] data, const int64_t[::1] indices,
                   const int64_t[::1] indptr) except -1:
    cdef const int64_t *ind = &indices[0] if indices.shape[0] else NULL
    if real is float:
        d.d32.X_data = _c1(data)
        d.d32.X_indices = ind
        d.d32.X_indptr = &indptr[0]
    else:
        d.d64.X_data = _c1(data)
        d.d64.X_indices = ind
        d.d64.X_indptr = &indptr[0]
    return 0


cdef int _fill_targets(_Data d, const real[:, ::1] Y, sample_weight) except -1:
    cdef const real[::1] sw
    if real is float:
        d.d32.Y = _c2(Y)
    else:
        d.d64.Y = _c2(Y)
    if sample_weight is not None:
        sw = sample_weight
        if real is float:
            d.d32.sample_weight = _c1(sw)
        else:
            d.d64.sample_weight = _c1(sw)
    return 0


cdef int _check_csr(data, indices, indptr, n, f) except -1:
    """The C core follows indptr and indices without checks; SciPy builds a CSR
    matrix from given arrays without checking its column indices."""
    if indptr.shape != (n + 1,) or indptr[0] != 0 or np.any(np.diff(indptr) < 0):
        raise ValueError("nnfast: CSR indptr must start at 0, not decrease and hold n + 1 entries")
    nnz = indptr[n]
    if nnz > min(data.shape[0], indices.shape[0]):
        raise ValueError("nnfast: CSR indptr points past the end of data or indices")
    if nnz and (indices[:nnz].min() < 0 or indices[:nnz].max() >= f):
        raise ValueError(f"nnfast: CSR column index out of range for {f} features")
    return 0


cdef _Data _make_data(X, Y, sample_weight, object dtype):
    """X: C-contiguous 2-D array or CSR matrix of `dtype`; Y: (N,O) or None.
    (Written for one-row predictions too: no Python-level call is spent on a
    dense X beyond what the checks need.)"""
    cdef _Data d = _Data()
    cdef bint f32 = dtype.itemsize == 4
    refs = (X, Y, sample_weight)
    n, f = X.shape
    if not isinstance(X, np.ndarray):  # CSR
        data = np.ascontiguousarray(X.data, dtype=dtype)
        indices = np.ascontiguousarray(X.indices, dtype=np.int64)
        indptr = np.ascontiguousarray(X.indptr, dtype=np.int64)
        _check_csr(data, indices, indptr, n, f)
        refs += (data, indices, indptr)
        if f32:
            _fill_csr[float](d, data, indices, indptr)
        else:
            _fill_csr[double](d, data, indices, indptr)
    elif f32:
        _fill_dense[float](d, X)
    else:
        _fill_dense[double](d, X)
    if Y is not None:
        if Y.shape[0] != n:
            raise ValueError("nnfast: X and Y differ in rows")
        if f32:
            _fill_targets[float](d, Y, sample_weight)
        else:
            _fill_targets[double](d, Y, sample_weight)
    d.d32.n_samples = d.d64.n_samples = n
    d.d32.n_features = d.d64.n_features = f
    d.refs = refs
    return d


# ---------------------------------------------------------------- the network

# Seconds between two looks at Python's signal handlers during an epoch: taking
# the GIL after every minibatch would cost more than the minibatch on small
# networks, and serialise fits running in several threads.
cdef double CHECK_INTERVAL = 0.005

cdef struct _CheckContext:
    void *pending        # a list: what a signal handler raised
    double next_check    # monotonic seconds


cdef double _monotonic() noexcept nogil:
    cdef timespec ts
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return ts.tv_sec + 1e-9 * ts.tv_nsec


cdef int _check_signals(void *ctx) noexcept nogil:
    """Between minibatches, at most every CHECK_INTERVAL seconds: run Python's
    signal handlers; remember what they raise."""
    cdef _CheckContext *c = <_CheckContext *>ctx
    cdef double now = _monotonic()
    if now < c.next_check:
        return 0
    c.next_check = now + CHECK_INTERVAL
    with gil:
        try:
            PyErr_CheckSignals()
        except BaseException as exc:
            (<list>c.pending).append(exc)
            return 1
    return 0


cdef nnf_check_fn _signal_check(_CheckContext *ctx, list pending, bint interruptible):
    """ctx set up for _check_signals, which puts what a handler raises in
    pending; the check to hand the C core, NULL when not interruptible."""
    ctx.pending = <void *>pending
    ctx.next_check = _monotonic() + CHECK_INTERVAL
    if interruptible:
        return _check_signals
    return NULL


cdef bint _all_finite(const real[:, ::1] a) noexcept nogil:
    cdef Py_ssize_t i, j
    for i in range(a.shape[0]):
        for j in range(a.shape[1]):
            if not isfinite(a[i, j]):
                return False
    return True


cdef class Network:
    """A network's shape plus reusable C buffers for batches of up to `capacity` rows.

    Parameters live outside, in one flat array laid out as scikit-learn packs them
    (all weights, then all biases); this object only computes with them.
    activation_params gives leaky_relu's slope or elu's alpha per layer (None:
    the defaults); dropout the rate on each layer's output while training.
    """
    cdef nnf_arch arch
    cdef size_t[::1] units
    cdef int[::1] activation
    cdef double[::1] activation_param
    cdef double[::1] dropout
    cdef nnf_workspace_f32 *ws32
    cdef nnf_workspace_f64 *ws64
    cdef readonly object dtype
    cdef readonly size_t capacity
    cdef readonly size_t n_params
    cdef readonly size_t n_weights

    def __cinit__(self, units, activations, str loss, dtype, size_t capacity,
                  activation_params=None, dropout=None, double loss_param=1.0):
        n_layers = len(units) - 1
        if len(activations) != n_layers or n_layers < 1:
            raise ValueError("Network: need one activation per weight layer")
        if activation_params is None:
            activation_params = [None] * n_layers
        if dropout is None:
            dropout = [0.0] * n_layers
        if len(activation_params) != n_layers or len(dropout) != n_layers:
            raise ValueError("Network: need one activation parameter and dropout rate per layer")
        rates = [float(r) for r in dropout]
        if min(rates) < 0 or max(rates) >= 1 or rates[n_layers - 1] != 0:
            raise ValueError("Network: dropout rates must be in [0, 1), 0 on the output layer")
        if loss not in LOSSES:
            raise ValueError(f"Network: unknown loss {loss!r}")
        self.units = np.asarray(units, dtype=np.uintp).copy()
        for l in range(n_layers):
            _softmax_width("Network", activations[l], self.units[l + 1])
        if any(a in ("softmax", "exp") for a in activations[:n_layers - 1]):
            raise ValueError("Network: softmax and exp are output activations only")
        self.activation = np.asarray([ACTIVATIONS[a] for a in activations], dtype=np.intc)
        self.activation_param = np.asarray(
            [_param(a, c) for a, c in zip(activations, activation_params)], dtype=np.float64)
        self.dropout = np.asarray(rates, dtype=np.float64)
        self.arch.n_layers = n_layers
        self.arch.units = &self.units[0]
        self.arch.activation = &self.activation[0]
        self.arch.activation_param = &self.activation_param[0]
        self.arch.dropout = &self.dropout[0]
        self.arch.loss = LOSSES[loss]
        self.arch.loss_param = loss_param
        self.dtype = np.dtype(dtype)
        self.capacity = capacity if capacity > 0 else 1
        self.n_params = nnf_n_params(&self.arch)
        self.n_weights = nnf_n_weights(&self.arch)
        if self.dtype == np.float32:
            self.ws32 = nnf_workspace_new_f32(&self.arch, self.capacity)
            if self.ws32 == NULL:
                raise MemoryError("nnfast: cannot allocate the training buffers")
        elif self.dtype == np.float64:
            self.ws64 = nnf_workspace_new_f64(&self.arch, self.capacity)
            if self.ws64 == NULL:
                raise MemoryError("nnfast: cannot allocate the training buffers")
        else:
            raise TypeError(f"Network: dtype must be float32 or float64, got {dtype}")

    def __dealloc__(self):
        nnf_workspace_free_f32(self.ws32)
        nnf_workspace_free_f64(self.ws64)

    cdef _Data _data(self, X, Y, sample_weight):
        """The data set, after checking its shapes against the network."""
        cdef size_t L = self.arch.n_layers
        if X.ndim != 2 or X.shape[1] != self.units[0]:
            raise ValueError(f"Network: X has shape {X.shape}, expected (n, {self.units[0]})")
        if Y is not None and (Y.ndim != 2 or Y.shape != (X.shape[0], self.units[L])):
            raise ValueError(
                f"Network: Y has shape {Y.shape}, expected ({X.shape[0]}, {self.units[L]})")
        if sample_weight is not None and sample_weight.shape != (X.shape[0],):
            raise ValueError(
                f"Network: sample_weight has shape {sample_weight.shape}, expected ({X.shape[0]},)")
        return _make_data(X, Y, sample_weight, self.dtype)

    cdef int _check_params(self, params) except -1:
        dtype = params.dtype
        # (NumPy's dtypes of the native float types are singletons: `is` first)
        if ((dtype is not self.dtype and dtype != self.dtype) or params.ndim != 1
                or params.shape[0] != self.n_params):
            raise ValueError("Network: parameter block has the wrong dtype or size")
        if not params.flags.c_contiguous:
            raise ValueError("Network: parameter block must be contiguous")
        return 0

    def predict(self, params, X, size_t n_threads=1, bint finite=False):
        """The output activations (N, O) for X (dense C-contiguous or CSR), in
        chunks of `capacity` rows shared by up to n_threads threads (keep BLAS
        to one thread meanwhile). NonFiniteInputError if X holds NaN or inf;
        with `finite`, NonFiniteError if an output is NaN or inf."""
        self._check_params(params)
        cdef _Data d = self._data(X, None, None)
        out = np.empty((X.shape[0], self.units[self.arch.n_layers]), dtype=self.dtype)
        cdef int status
        cdef const float[::1] p32
        cdef const double[::1] p64
        cdef float[:, ::1] o32
        cdef double[:, ::1] o64
        if self.ws32 != NULL:
            p32 = params
            o32 = out
            with nogil:
                status = nnf_predict_f32(_p2(o32), self.ws32, &p32[0], &d.d32, n_threads)
        else:
            p64 = params
            o64 = out
            with nogil:
                status = nnf_predict_f64(_p2(o64), self.ws64, &p64[0], &d.d64, n_threads)
        _check(status)
        if finite and not (_all_finite(o32) if self.ws32 != NULL else _all_finite(o64)):
            raise NonFiniteError("nnfast: an output is NaN or infinite")
        return out

    def forward_all(self, params, X):
        """[(z_1, a_1), ..., (z_L, a_L)]: every layer's pre-activation and
        activation for X (no dropout); a_L is the output activation."""
        self._check_params(params)
        cdef _Data d = self._data(X, None, None)
        cdef size_t L = self.arch.n_layers, n = X.shape[0]
        arrays = [np.empty((n, self.units[l // 2 + 1]), dtype=self.dtype) for l in range(2 * L)]
        cdef size_t[::1] addresses = np.asarray(
            [a.__array_interface__["data"][0] for a in arrays], dtype=np.uintp)
        cdef const float[::1] p32
        cdef const double[::1] p64
        cdef int status = NNF_OK
        if n == 0:
            return [(arrays[2 * l], arrays[2 * l + 1]) for l in range(L)]
        if self.ws32 != NULL:
            p32 = params
            with nogil:
                status = nnf_forward_all_f32(<float **>&addresses[0], self.ws32, &p32[0], &d.d32)
        else:
            p64 = params
            with nogil:
                status = nnf_forward_all_f64(<double **>&addresses[0], self.ws64, &p64[0],
                                             &d.d64)
        _check(status)
        return [(arrays[2 * l], arrays[2 * l + 1]) for l in range(L)]

    def loss_grad(self, params, X, Y, sample_weight, double alpha, double l1=0.0,
                  bint need_grad=True, out=None, bint interruptible=False):
        """Full-batch (loss, gradient) at params (no dropout), for L-BFGS; the
        gradient is None when need_grad is False. `out` (N, O), when given,
        receives the output activations of the same forward pass. With
        `interruptible`, a signal handler that raises between chunks (Ctrl-C)
        stops the pass, and its exception is re-raised."""
        self._check_params(params)
        total_weight = X.shape[0] if sample_weight is None else float(np.sum(sample_weight))
        if not total_weight > 0:
            raise ValueError("Network.loss_grad: the rows' total sample weight must be > 0")
        cdef _Data d = self._data(X, Y, sample_weight)
        grad = np.empty(self.n_params, dtype=self.dtype) if need_grad else None
        cdef double loss = 0
        cdef int status
        cdef const float[::1] p32
        cdef const double[::1] p64
        cdef float[::1] g32
        cdef double[::1] g64
        cdef float[:, ::1] o32
        cdef double[:, ::1] o64
        cdef float *gp32 = NULL
        cdef double *gp64 = NULL
        cdef float *op32 = NULL
        cdef double *op64 = NULL
        cdef list pending = []
        cdef _CheckContext check_ctx
        cdef nnf_check_fn check = _signal_check(&check_ctx, pending, interruptible)
        if out is not None:
            _expect("Network.loss_grad: out", out.shape,
                    (X.shape[0], int(self.units[self.arch.n_layers])))
            if out.dtype != self.dtype:
                raise TypeError(f"Network.loss_grad: out must be {self.dtype}, got {out.dtype}")
        if self.ws32 != NULL:
            p32 = params
            if need_grad:
                g32 = grad
                gp32 = &g32[0]
            if out is not None:
                o32 = out
                op32 = _p2(o32)
            with nogil:
                status = nnf_loss_grad_f32(gp32, &loss, op32, self.ws32, &p32[0], &d.d32,
                                           alpha, l1, check, &check_ctx)
        else:
            p64 = params
            if need_grad:
                g64 = grad
                gp64 = &g64[0]
            if out is not None:
                o64 = out
                op64 = _p2(o64)
            with nogil:
                status = nnf_loss_grad_f64(gp64, &loss, op64, self.ws64, &p64[0], &d.d64,
                                           alpha, l1, check, &check_ctx)
        if status == NNF_EINTERRUPTED and pending:
            raise pending[0]
        _check(status)
        return loss, grad

    def train_epoch(self, params, opt_state, uint64_t[::1] rng_state, X, Y, sample_weight,
                    size_t batch_size, bint shuffle, str solver, double learning_rate,
                    double momentum=0.9, bint nesterov=True, double beta_1=0.9,
                    double beta_2=0.999, double epsilon=1e-8, double alpha=0.0,
                    double l1=0.0, double clip_norm=0.0, double clip_value=0.0,
                    int64_t t=0, grad_norms=None, bint interruptible=True,
                    size_t n_threads=1):
        """One epoch of minibatch training, GIL released.

        Up to n_threads threads share each minibatch (see nnf_train_epoch); the
        caller should keep BLAS to one thread meanwhile.

        Updates params, opt_state, rng_state and grad_norms (2L floats, or None)
        in place. Returns (loss_sum, n_seen, n_batches, t). If a signal handler
        raises between minibatches (Ctrl-C), the epoch stops after the current
        update and the exception is re-raised with the parameters in a consistent
        state. A non-finite loss or gradient raises NonFiniteError before it is
        applied, so params stay finite.
        """
        self._check_params(params)
        if solver not in SOLVERS:
            raise ValueError(f"Network.train_epoch: solver must be one of {sorted(SOLVERS)}, "
                             f"got {solver!r}")
        cdef size_t state_size = self.n_params * (2 if solver == "adam" else 1)
        if opt_state.dtype != self.dtype or opt_state.shape != (state_size,):
            raise ValueError("Network: optimizer state has the wrong dtype or size")
        if batch_size < 1 or batch_size > self.capacity:
            raise ValueError("Network: batch_size must be in [1, capacity]")
        if rng_state.shape[0] != 4:
            raise ValueError("Network: rng_state must hold 4 uint64")
        cdef _Data d = self._data(X, Y, sample_weight)
        cdef nnf_optimizer opt
        opt.solver = SOLVERS[solver]
        opt.learning_rate = learning_rate
        opt.momentum = momentum
        opt.nesterov = nesterov
        opt.beta_1 = beta_1
        opt.beta_2 = beta_2
        opt.epsilon = epsilon
        opt.alpha = alpha
        opt.l1 = l1
        opt.clip_norm = clip_norm
        opt.clip_value = clip_value
        opt.t = t
        cdef nnf_epoch_stats stats
        cdef double[::1] norms
        stats.grad_norms = NULL
        if grad_norms is not None:
            norms = grad_norms
            if norms.shape[0] != 2 * self.arch.n_layers:
                raise ValueError("Network: grad_norms must hold 2 floats per layer")
            stats.grad_norms = &norms[0]
        if n_threads < 1:
            raise ValueError("Network: n_threads must be at least 1")
        cdef list pending = []
        cdef _CheckContext check_ctx
        cdef nnf_check_fn check = _signal_check(&check_ctx, pending, interruptible)
        cdef int status
        cdef float[::1] p32, s32
        cdef double[::1] p64, s64
        if self.ws32 != NULL:
            p32 = params
            s32 = opt_state
            with nogil:
                status = nnf_train_epoch_f32(&p32[0], &s32[0], &opt, &rng_state[0], &stats,
                                             self.ws32, &d.d32, batch_size, shuffle, n_threads,
                                             check, &check_ctx)
        else:
            p64 = params
            s64 = opt_state
            with nogil:
                status = nnf_train_epoch_f64(&p64[0], &s64[0], &opt, &rng_state[0], &stats,
                                             self.ws64, &d.d64, batch_size, shuffle, n_threads,
                                             check, &check_ctx)
        if status == NNF_EINTERRUPTED and pending:
            raise pending[0]
        _check(status)
        return stats.loss_sum, stats.n_seen, stats.n_batches, opt.t
