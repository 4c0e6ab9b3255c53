/*
 * The counting and reduction kernels of nnfast.metrics; see metrics.h for the
 * contract of each. Plain loops over the samples: one pass over the labels per
 * call, no allocation except the small per-output scratch of the regression sums.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "metrics.h"

int nnf_label_range(int64_t *lo, int64_t *hi, const int64_t *y, size_t N)
{
    /* y is (N), N > 0. Four independent running pairs, merged at the end: one pair
     * makes every comparison wait for the previous one. */
    int64_t a[4], b[4];
    for (int r = 0; r < 4; r++) a[r] = b[r] = y[0];
    size_t i = 0;
    for (; i + 4 <= N; i += 4)
        for (int r = 0; r < 4; r++) {
            int64_t v = y[i + r];
            a[r] = v < a[r] ? v : a[r];
            b[r] = v > b[r] ? v : b[r];
        }
    for (; i < N; i++) {
        a[0] = y[i] < a[0] ? y[i] : a[0];
        b[0] = y[i] > b[0] ? y[i] : b[0];
    }
    for (int r = 1; r < 4; r++) {
        a[0] = a[r] < a[0] ? a[r] : a[0];
        b[0] = b[r] > b[0] ? b[r] : b[0];
    }
    *lo = a[0];
    *hi = b[0];
    return NNF_OK;
}

/* Replicas of a small unweighted table: consecutive samples often fall in the
 * same cell (a binary problem has four), and one table makes every increment wait
 * for the previous one's store. Sample i counts into replica i % COUNT_REPLICAS. */
#define COUNT_REPLICAS 4
#define REPLICATE_MAX_CELLS 4096

static int count_replicated(int64_t *counts, const int64_t *y_true, const int64_t *y_pred,
                            int64_t offset, size_t N, size_t K)
{
    /* counts is (K,K), y_true (N), y_pred (N) */
    size_t cells = K * K;
    int64_t *rep = calloc(COUNT_REPLICAS * cells, sizeof(int64_t));
    if (!rep) return NNF_ENOMEM;
    size_t i = 0;
    for (; i + COUNT_REPLICAS <= N; i += COUNT_REPLICAS) {
        for (size_t r = 0; r < COUNT_REPLICAS; r++) {
            uint64_t t = (uint64_t)(y_true[i + r] - offset);
            uint64_t p = (uint64_t)(y_pred[i + r] - offset);
            if (t < K && p < K) rep[r * cells + t * K + p]++;
        }
    }
    for (; i < N; i++) {
        uint64_t t = (uint64_t)(y_true[i] - offset), p = (uint64_t)(y_pred[i] - offset);
        if (t < K && p < K) rep[t * K + p]++;
    }
    for (size_t r = 0; r < COUNT_REPLICAS; r++)
        for (size_t c = 0; c < cells; c++) counts[c] += rep[r * cells + c];
    free(rep);
    return NNF_OK;
}

int nnf_confusion_count(int64_t *counts, double *wcm, const int64_t *y_true,
                        const int64_t *y_pred, const double *w, int64_t offset, size_t N,
                        size_t K)
{
    /* counts (K,K) or NULL, wcm (K,K) or NULL, y_true (N), y_pred (N), w (N) or NULL */
    if (K == 0) return NNF_OK;
    if (counts && !wcm && K * K <= REPLICATE_MAX_CELLS)
        return count_replicated(counts, y_true, y_pred, offset, N, K);
    for (size_t i = 0; i < N; i++) {
        /* unsigned: a code below 0 wraps to a huge value and fails `< K` too */
        uint64_t t = (uint64_t)(y_true[i] - offset), p = (uint64_t)(y_pred[i] - offset);
        if (t >= K || p >= K) continue;
        size_t c = t * K + p;
        if (counts) counts[c]++;
        if (wcm) wcm[c] += w ? w[i] : 1.0;
    }
    return NNF_OK;
}

int nnf_class_sums(double *tp, double *true_sum, double *pred_sum, uint8_t *seen,
                   const int64_t *y_true, const int64_t *y_pred, const double *w,
                   int64_t offset, size_t N, size_t K)
{
    /* tp, true_sum, pred_sum (K) or NULL, seen (K) or NULL, y_true (N), y_pred (N),
     * w (N) or NULL */
    for (size_t i = 0; i < N; i++) {
        uint64_t t = (uint64_t)(y_true[i] - offset), p = (uint64_t)(y_pred[i] - offset);
        double wi = w ? w[i] : 1.0;
        if (t < K) {
            if (true_sum) true_sum[t] += wi;
            if (seen) seen[t] = 1;
            /* a multiply, not a branch: t == p is unpredictable */
            if (tp) tp[t] += (double)(t == p) * wi;
        }
        if (p < K) {
            if (pred_sum) pred_sum[p] += wi;
            if (seen) seen[p] = 1;
        }
    }
    return NNF_OK;
}

int nnf_count_equal(double *out, const int64_t *y_true, const int64_t *y_pred,
                    const double *w, size_t N)
{
    /* out (1), y_true (N), y_pred (N), w (N) or NULL */
    if (!w) {
        size_t n = 0;
        for (size_t i = 0; i < N; i++) n += y_true[i] == y_pred[i];
        *out = (double)n;
        return NNF_OK;
    }
    double s = 0;
    for (size_t i = 0; i < N; i++)
        if (y_true[i] == y_pred[i]) s += w[i];
    *out = s;
    return NNF_OK;
}

int nnf_multilabel_sums(double *tp, double *true_sum, double *pred_sum, uint8_t *exact,
                        const uint8_t *Y_true, const uint8_t *Y_pred, const double *w,
                        int samplewise, size_t N, size_t L)
{
    /* Y_true (N,L), Y_pred (N,L), w (N) or NULL; tp, true_sum, pred_sum (L), or (N)
     * when samplewise; exact (N) or NULL */
    for (size_t i = 0; i < N; i++) {
        const uint8_t *yt = Y_true + i * L, *yp = Y_pred + i * L;
        double wi = w ? w[i] : 1.0;
        if (samplewise) {
            /* integer counts first, then one product: as scikit-learn's
             * count_nonzero(axis=1) * sample_weight */
            size_t nt = 0, np_ = 0, nb = 0;
            for (size_t l = 0; l < L; l++) {
                int a = yt[l] != 0, b = yp[l] != 0;
                nt += a;
                np_ += b;
                nb += a & b;
            }
            if (tp) tp[i] += (double)nb * wi;
            if (true_sum) true_sum[i] += (double)nt * wi;
            if (pred_sum) pred_sum[i] += (double)np_ * wi;
        } else {
            for (size_t l = 0; l < L; l++) {
                int a = yt[l] != 0, b = yp[l] != 0;
                if (a && true_sum) true_sum[l] += wi;
                if (b && pred_sum) pred_sum[l] += wi;
                if (a && b && tp) tp[l] += wi;
            }
        }
        if (exact) exact[i] = memcmp(yt, yp, L) == 0;
    }
    return NNF_OK;
}

/* Rows per block of the regression sums: small enough that a plain sum of a block
 * loses at most ~BLOCK ulps, large enough that the compensated addition of block
 * sums costs nothing. */
#define BLOCK 128

enum term_kind { SQUARED, ABSOLUTE, DEVIATION };

/* Neumaier's compensated addition of x into (*s, *c). */
static void add_compensated(double *s, double *c, double x)
{
    double t = *s + x;
    if (fabs(*s) >= fabs(x))
        *c += (*s - t) + x;
    else
        *c += (x - t) + *s;
    *s = t;
}

static inline double term(enum term_kind kind, double yt, double yp, double c)
{
    double d = kind == DEVIATION ? yt - c : yt - yp;
    return kind == ABSOLUTE ? fabs(d) : d * d;
}

/* out[o] = sum_i w_i term(y_true[i,o], y_pred[i,o], center[o]), blocked.
 * out (O), scratch (3O) zeroed, y_true (N,O), y_pred (N,O), w (N) or NULL. Inlined
 * with a constant kind, so each kind gets its own loop. */
static inline void blocked_sums(double *out, double *scratch, enum term_kind kind,
                                const double *y_true, const double *y_pred,
                                const double *w, const double *center, size_t N,
                                size_t O)
{
    double *block = scratch, *sum = scratch + O, *comp = scratch + 2 * O;
    for (size_t start = 0; start < N; start += BLOCK) {
        size_t stop = start + BLOCK < N ? start + BLOCK : N;
        if (O == 1) {
            /* four partial sums: a chain of dependent additions is the bottleneck */
            double c = center ? center[0] : 0, p[4] = {0, 0, 0, 0};
            size_t i = start;
            for (; i + 4 <= stop; i += 4)
                for (int r = 0; r < 4; r++)
                    p[r] += (w ? w[i + r] : 1.0) * term(kind, y_true[i + r], y_pred[i + r], c);
            for (; i < stop; i++) p[0] += (w ? w[i] : 1.0) * term(kind, y_true[i], y_pred[i], c);
            block[0] = (p[0] + p[1]) + (p[2] + p[3]);
        } else {
            memset(block, 0, O * sizeof(double));
            for (size_t i = start; i < stop; i++) {
                const double *yt = y_true + i * O, *yp = y_pred + i * O;
                double wi = w ? w[i] : 1.0;
                for (size_t o = 0; o < O; o++)
                    block[o] += wi * term(kind, yt[o], yp[o], center ? center[o] : 0);
            }
        }
        for (size_t o = 0; o < O; o++) add_compensated(&sum[o], &comp[o], block[o]);
    }
    /* an infinite sum makes the compensation NaN (inf - inf): the sum is the answer */
    for (size_t o = 0; o < O; o++) out[o] = isfinite(sum[o]) ? sum[o] + comp[o] : sum[o];
}

static int all_finite(const double *x, size_t n)
{
    /* x - x is 0 for a finite x and NaN for NaN or +-inf; NaN sticks */
    double acc = 0;
    for (size_t i = 0; i < n; i++) acc += x[i] - x[i];
    return acc == 0;
}

int nnf_regression_sums(double *sq, double *ab, double *dev, const double *y_true,
                        const double *y_pred, const double *w, const double *center,
                        size_t N, size_t O)
{
    /* sq, ab, dev (O) or NULL, y_true (N,O), y_pred (N,O), w (N) or NULL, center (O) */
    if (O == 0) return NNF_OK;
    double *scratch = calloc(3 * O, sizeof(double));
    if (!scratch) return NNF_ENOMEM;
    int finite = 1;
    double *outs[3] = {sq, ab, dev};
    for (int k = 0; k < 3; k++) {
        if (!outs[k]) continue;
        memset(scratch, 0, 3 * O * sizeof(double));
        if (k == SQUARED)
            blocked_sums(sq, scratch, SQUARED, y_true, y_pred, w, NULL, N, O);
        else if (k == ABSOLUTE)
            blocked_sums(ab, scratch, ABSOLUTE, y_true, y_pred, w, NULL, N, O);
        else
            blocked_sums(dev, scratch, DEVIATION, y_true, y_pred, w, center, N, O);
        for (size_t o = 0; o < O; o++) finite &= isfinite(outs[k][o]) != 0;
    }
    free(scratch);
    /* Finite sums of errors prove finite inputs (a NaN or infinity in either array
     * makes its error term NaN or infinite); only non-finite sums need the scan,
     * which tells an input NaN/infinity from an overflow of finite inputs. */
    if (!finite && !(all_finite(y_true, N * O) && all_finite(y_pred, N * O)))
        return NNF_ENONFINITE;
    return NNF_OK;
}
