/*
 * nnfast metrics kernels: the counting and the reductions behind nnfast.metrics.
 *
 * Plain C99, no Python API, int status returns (NNF_OK = 0, from nnfast.h);
 * outputs first, then inputs, then sizes. Python (src/nnfast/metrics.py) validates
 * the inputs and turns labels into int64 values; these kernels trust what they get
 * and only count and sum.
 *
 * What this is not: a metrics library. The scores (precision, F1, R^2, ...) are
 * divisions of the sums made here, done in Python on arrays of a handful of entries.
 *
 * Dimension letters:
 *   N = samples, K = classes (a range of label codes), L = labels of a multilabel
 *   indicator matrix, O = outputs of a regression target.
 *
 * Label codes: the class kernels take int64 labels and an `offset`; a label y is
 * class code c = y - offset. A code outside [0, K) is not a class of the table:
 * such samples are skipped (confusion tables) or not counted on that side (class
 * sums). This lets Python count raw small integer labels without encoding them
 * (offset = min label, K = label range) and lets it leave out labels a user did not
 * ask for (code -1).
 *
 * Order of addition: weighted sums are accumulated sample by sample, in sample
 * order, into each cell, which is how numpy.bincount and scipy's COO-to-dense
 * conversion add them; so weighted counts come out bit-for-bit like
 * scikit-learn's. The outputs of the label kernels accumulate (+=): the caller
 * zeroes them; the regression sums are written (=).
 */
#ifndef NNFAST_METRICS_H
#define NNFAST_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "nnfast.h"

/* Smallest and largest of y (N), N > 0. */
int nnf_label_range(int64_t *lo, int64_t *hi, const int64_t *y, size_t N);

/* Confusion tables over label codes.
 * counts (K,K) int64 or NULL, wcm (K,K) or NULL, y_true (N), y_pred (N),
 * w (N) or NULL (weight 1).
 * counts[t,p] += 1 and wcm[t,p] += w[i] for every sample i whose true code t and
 * predicted code p both lie in [0, K). */
int nnf_confusion_count(int64_t *counts, double *wcm, const int64_t *y_true,
                        const int64_t *y_pred, const double *w, int64_t offset, size_t N,
                        size_t K);

/* Per-class sums: the diagonal, row sums and column sums of the weighted confusion
 * table, without the (K,K) table.
 * tp (K), true_sum (K), pred_sum (K) or NULL each; seen (K) uint8 or NULL;
 * y_true (N), y_pred (N), w (N) or NULL.
 * true_sum[t] += w[i] when the true code t is in [0,K); pred_sum[p] += w[i] when
 * the predicted code p is; tp[t] += w[i] when t == p; seen[c] = 1 for every code
 * that occurs on either side, whatever its weight. */
int nnf_class_sums(double *tp, double *true_sum, double *pred_sum, uint8_t *seen,
                   const int64_t *y_true, const int64_t *y_pred, const double *w,
                   int64_t offset, size_t N, size_t K);

/* Number (or total weight) of samples whose two labels are equal.
 * out (1), y_true (N), y_pred (N), w (N) or NULL. */
int nnf_count_equal(double *out, const int64_t *y_true, const int64_t *y_pred,
                    const double *w, size_t N);

/* Multilabel sums over 0/1 indicator matrices (any nonzero byte is a 1).
 * Y_true (N,L), Y_pred (N,L), w (N) or NULL.
 * samplewise == 0: tp, true_sum, pred_sum are (L): per label, the weight of the
 *   rows where both / the true / the predicted indicator is set.
 * samplewise != 0: they are (N): per row, the number of labels set (both / true /
 *   predicted) times the row's weight.
 * exact (N) uint8 or NULL: exact[i] = 1 when row i of Y_true equals row i of Y_pred. */
int nnf_multilabel_sums(double *tp, double *true_sum, double *pred_sum, uint8_t *exact,
                        const uint8_t *Y_true, const uint8_t *Y_pred, const double *w,
                        int samplewise, size_t N, size_t L);

/* Regression sums per output.
 * sq, ab, dev (O) or NULL each; y_true (N,O), y_pred (N,O), w (N) or NULL,
 * center (O) (read only when dev is wanted).
 * sq[o] = sum_i w_i (y_true[i,o] - y_pred[i,o])^2, ab[o] = sum_i w_i |...|,
 * dev[o] = sum_i w_i (y_true[i,o] - center[o])^2.
 * Sums are blocked (a plain sum over each block of rows, then compensated
 * addition of the block sums), so their error does not grow with N.
 * Returns NNF_ENONFINITE, leaving the outputs undefined, if y_true or y_pred
 * holds a NaN or an infinity and sq or ab is asked for (a NaN or infinity in
 * either array makes those sums non-finite; only then are the inputs scanned, so
 * finite inputs whose squares overflow give +inf, as NumPy does). */
int nnf_regression_sums(double *sq, double *ab, double *dev, const double *y_true,
                        const double *y_pred, const double *w, const double *center,
                        size_t N, size_t O);

#endif
