# cython: language_level=3, boundscheck=False, wraparound=False, initializedcheck=False
"""Bridge between nnfast.metrics and the C kernels in csrc/metrics.c.

Each function takes contiguous arrays of the kernel's types, checks what it must
for the raw pointers to be safe (lengths, table sizes), allocates the outputs,
releases the GIL around the C call and returns NumPy arrays. Label semantics
(which codes are classes, what a sample weight means) live in metrics.py.
"""

import numpy as np

from libc.stdint cimport int64_t, uint8_t


cdef extern from "metrics.h" nogil:
    int NNF_OK
    int NNF_ENOMEM
    int NNF_ENONFINITE
    int nnf_label_range(int64_t *lo, int64_t *hi, const int64_t *y, size_t N)
    int nnf_confusion_count(int64_t *counts, double *wcm, const int64_t *y_true,
                            const int64_t *y_pred, const double *w, int64_t offset,
                            size_t N, size_t K)
    int nnf_class_sums(double *tp, double *true_sum, double *pred_sum, uint8_t *seen,
                       const int64_t *y_true, const int64_t *y_pred, const double *w,
                       int64_t offset, size_t N, size_t K)
    int nnf_count_equal(double *out, const int64_t *y_true, const int64_t *y_pred,
                        const double *w, size_t N)
    int nnf_multilabel_sums(double *tp, double *true_sum, double *pred_sum,
                            uint8_t *exact, const uint8_t *Y_true, const uint8_t *Y_pred,
                            const double *w, int samplewise, size_t N, size_t L)
    int nnf_regression_sums(double *sq, double *ab, double *dev, const double *y_true,
                            const double *y_pred, const double *w, const double *center,
                            size_t N, size_t O)

# A (K,K) table above this many cells is refused rather than allocated.
MAX_TABLE_CELLS = 1 << 28


cdef int _check(int status) except -1:
    if status == NNF_OK:
        return 0
    if status == NNF_ENOMEM:
        raise MemoryError("nnfast.metrics: out of memory in the C kernels")
    raise RuntimeError(f"nnfast.metrics: C kernel returned status {status}")


cdef inline const int64_t *_i64(const int64_t[::1] x) noexcept nogil:
    return &x[0] if x.shape[0] > 0 else NULL


cdef const double *_weights(object sample_weight, size_t n, list keep) except? NULL:
    """Pointer to float64 weights of length n, or NULL for None (weight 1)."""
    cdef const double[::1] w
    if sample_weight is None:
        return NULL
    w = sample_weight
    if <size_t>w.shape[0] != n:
        raise ValueError(f"sample_weight has {w.shape[0]} entries, expected {n}")
    keep.append(w)
    return &w[0] if n > 0 else NULL


cdef int _same_length(const int64_t[::1] a, const int64_t[::1] b) except -1:
    if a.shape[0] != b.shape[0]:
        raise ValueError(f"y_true has {a.shape[0]} labels and y_pred {b.shape[0]}")
    return 0


def label_range(const int64_t[::1] y):
    """(min, max) of a non-empty int64 array."""
    cdef int64_t lo = 0, hi = 0
    if y.shape[0] == 0:
        raise ValueError("label_range: empty array")
    with nogil:
        nnf_label_range(&lo, &hi, &y[0], y.shape[0])
    return lo, hi


def confusion_count(const int64_t[::1] y_true, const int64_t[::1] y_pred, sample_weight,
                    int64_t offset, size_t K, bint counts=True, bint weighted=False):
    """(counts, wcm): (K,K) int64 counts and (K,K) float64 weighted table over codes
    y - offset, samples with a code outside [0, K) skipped; each None unless asked."""
    cdef list keep = []
    cdef size_t N = y_true.shape[0]
    _same_length(y_true, y_pred)
    if K > 0 and K * K // K != K or K * K > MAX_TABLE_CELLS:
        raise ValueError(f"confusion_count: a {K}x{K} table is too large")
    cdef const double *w = _weights(sample_weight, N, keep)
    out_counts = np.zeros((K, K), dtype=np.int64) if counts else None
    out_wcm = np.zeros((K, K), dtype=np.float64) if weighted else None
    cdef int64_t[:, ::1] c
    cdef double[:, ::1] m
    cdef int64_t *cp = NULL
    cdef double *mp = NULL
    if counts and K:
        c = out_counts
        cp = &c[0, 0]
    if weighted and K:
        m = out_wcm
        mp = &m[0, 0]
    cdef int status
    with nogil:
        status = nnf_confusion_count(cp, mp, _i64(y_true), _i64(y_pred), w, offset, N, K)
    _check(status)
    return out_counts, out_wcm


def class_sums(const int64_t[::1] y_true, const int64_t[::1] y_pred, sample_weight,
               int64_t offset, size_t K, bint seen=False):
    """(tp, true_sum, pred_sum, seen): per-class float64 sums (K) over codes
    y - offset, and (if asked) a bool array (K) of the codes that occur."""
    cdef list keep = []
    cdef size_t N = y_true.shape[0]
    _same_length(y_true, y_pred)
    cdef const double *w = _weights(sample_weight, N, keep)
    tp = np.zeros(K, dtype=np.float64)
    true_sum = np.zeros(K, dtype=np.float64)
    pred_sum = np.zeros(K, dtype=np.float64)
    out_seen = np.zeros(K, dtype=np.uint8) if seen else None
    cdef double[::1] a = tp, b = true_sum, c = pred_sum
    cdef uint8_t[::1] s
    cdef uint8_t *sp = NULL
    if seen and K:
        s = out_seen
        sp = &s[0]
    if K == 0:
        return tp, true_sum, pred_sum, (out_seen.view(bool) if seen else None)
    cdef int status
    with nogil:
        status = nnf_class_sums(&a[0], &b[0], &c[0], sp, _i64(y_true), _i64(y_pred), w,
                                offset, N, K)
    _check(status)
    return tp, true_sum, pred_sum, (out_seen.view(bool) if seen else None)


def count_equal(const int64_t[::1] y_true, const int64_t[::1] y_pred, sample_weight):
    """Number (or total weight) of samples with y_true == y_pred."""
    cdef list keep = []
    cdef size_t N = y_true.shape[0]
    cdef double out = 0
    _same_length(y_true, y_pred)
    cdef const double *w = _weights(sample_weight, N, keep)
    with nogil:
        nnf_count_equal(&out, _i64(y_true), _i64(y_pred), w, N)
    return out


def multilabel_sums(const uint8_t[:, ::1] Y_true, const uint8_t[:, ::1] Y_pred,
                    sample_weight, bint samplewise=False, bint exact=False):
    """(tp, true_sum, pred_sum, exact) of 0/1 indicator matrices (N,L): per label
    (L), or per row (N) when samplewise; exact is a bool array (N) or None."""
    cdef list keep = []
    cdef size_t N = Y_true.shape[0], L = Y_true.shape[1]
    if Y_pred.shape[0] != Y_true.shape[0] or Y_pred.shape[1] != Y_true.shape[1]:
        raise ValueError("multilabel_sums: Y_true and Y_pred differ in shape")
    cdef const double *w = _weights(sample_weight, N, keep)
    cdef size_t M = N if samplewise else L
    tp = np.zeros(M, dtype=np.float64)
    true_sum = np.zeros(M, dtype=np.float64)
    pred_sum = np.zeros(M, dtype=np.float64)
    out_exact = np.zeros(N, dtype=np.uint8) if exact else None
    if N == 0 or L == 0:
        if exact:
            out_exact[:] = 1
        return tp, true_sum, pred_sum, (out_exact.view(bool) if exact else None)
    cdef double[::1] a = tp, b = true_sum, c = pred_sum
    cdef uint8_t[::1] e
    cdef uint8_t *ep = NULL
    if exact:
        e = out_exact
        ep = &e[0]
    cdef int status
    with nogil:
        status = nnf_multilabel_sums(&a[0], &b[0], &c[0], ep, &Y_true[0, 0], &Y_pred[0, 0],
                                     w, samplewise, N, L)
    _check(status)
    return tp, true_sum, pred_sum, (out_exact.view(bool) if exact else None)


def regression_sums(const double[:, ::1] y_true, const double[:, ::1] y_pred,
                    sample_weight, center=None, bint squared=True, bint absolute=False):
    """(sq, ab, dev) per output (O) of (N,O) targets: weighted sums of squared and
    absolute errors and, if center (O) is given, of squared deviations of y_true
    from it; each None unless asked. Returns None if an input is NaN or infinite."""
    cdef list keep = []
    cdef size_t N = y_true.shape[0], O = y_true.shape[1]
    if y_pred.shape[0] != y_true.shape[0] or y_pred.shape[1] != y_true.shape[1]:
        raise ValueError("regression_sums: y_true and y_pred differ in shape")
    cdef const double *w = _weights(sample_weight, N, keep)
    cdef const double[::1] ctr
    cdef const double *cp = NULL
    if center is not None:
        ctr = center
        if <size_t>ctr.shape[0] != O:
            raise ValueError("regression_sums: center must have one entry per output")
        keep.append(ctr)
        cp = &ctr[0] if O else NULL
    sq = np.zeros(O, dtype=np.float64) if squared else None
    ab = np.zeros(O, dtype=np.float64) if absolute else None
    dev = np.zeros(O, dtype=np.float64) if center is not None else None
    if N == 0 or O == 0:
        return sq, ab, dev
    cdef double[::1] a, b, d
    cdef double *ap = NULL
    cdef double *bp = NULL
    cdef double *dp = NULL
    if squared:
        a = sq
        ap = &a[0]
    if absolute:
        b = ab
        bp = &b[0]
    if center is not None:
        d = dev
        dp = &d[0]
    cdef int status
    with nogil:
        status = nnf_regression_sums(ap, bp, dp, &y_true[0, 0], &y_pred[0, 0], w, cp, N, O)
    if status == NNF_ENONFINITE:
        return None
    _check(status)
    return sq, ab, dev
