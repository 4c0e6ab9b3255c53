/* Dense layers: GEMM (BLAS and naive reference), forward with fused bias and
 * activation, backward with GEMMs for dw and dinp and a row sum for db, and the
 * CSR variants of the first layer. Template: see core_impl.h. */
#include <limits.h>

int SFX(nnf_gemm_ref)(REAL *c, const REAL *a, const REAL *b, int trans_a, int trans_b,
                      REAL alpha, REAL beta, size_t M, size_t N, size_t K)
{
    /* op(a) is (M,K), op(b) is (K,N), c is (M,N); all row-major, contiguous */
    for (size_t i = 0; i < M; i++) {
        for (size_t j = 0; j < N; j++) {
            double acc = 0;
            for (size_t p = 0; p < K; p++) {
                REAL av = trans_a ? a[p * M + i] : a[i * K + p];
                REAL bv = trans_b ? b[j * K + p] : b[p * N + j];
                acc += (double)av * (double)bv;
            }
            /* beta == 0 overwrites, so garbage (even NaN) in c is ignored, as in BLAS */
            double old = beta == 0 ? 0.0 : (double)beta * (double)c[i * N + j];
            c[i * N + j] = (REAL)((double)alpha * acc + old);
        }
    }
    return NNF_OK;
}

/* Whether c (1,N) = a (1,K) op(b) is faster as a matrix-vector product. With
 * SciPy's OpenBLAS 0.3.31 on the development machine (AMD EPYC, one thread),
 * gemv against a one-row gemm: (K,N) = (784,100) 3.0 vs 4.5 us, (100,784) 3.3 vs
 * 4.6, (256,128) 1.4 vs 1.6, (100,100) 0.43 vs 0.51, (32,512) 0.84 vs 1.0; but
 * narrow or small products lose: (784,32) 1.24 vs 0.95, (2000,10) 3.5 vs 2.2,
 * (128,64) 0.46 vs 0.34, (50,128) 0.29 vs 0.24. */
static int SFX(gemv_pays)(size_t N, size_t K)
{
    return N >= 100 && (double)N * (double)K >= 10000;
}

/* c (N) = alpha op(b) a + beta c for one row, op(b) (K,N) as in nnf_gemm; with
 * beta == 0, c's old contents are ignored (even NaN), as BLAS specifies */
static void SFX(gemv)(REAL *c, const REAL *a, const REAL *b, int trans_b, REAL alpha,
                      REAL beta, size_t N, size_t K)
{
    /* A row-major b (K,N) is a column-major (N,K) matrix: c = b_cm a. With
     * trans_b, b is (N,K) row-major, a column-major (K,N): c = b_cm^T a. */
    nnf_blas_int m = (nnf_blas_int)(trans_b ? K : N), n = (nnf_blas_int)(trans_b ? N : K);
    nnf_blas_int one = 1;
    char t = trans_b ? 'T' : 'N';
    R_BLAS_GEMV(&t, &m, &n, &alpha, (REAL *)b, &m, (REAL *)a, &one, &beta, c, &one);
}

int SFX(nnf_gemm)(REAL *c, const REAL *a, const REAL *b, int trans_a, int trans_b,
                  REAL alpha, REAL beta, size_t M, size_t N, size_t K)
{
    /* op(a) is (M,K), op(b) is (K,N), c is (M,N); all row-major, contiguous.
     * Fortran BLAS is column-major: a row-major c is a column-major c^T, so
     * compute c^T = op(b)^T op(a)^T, i.e. swap the operands. */
    if (R_BLAS_GEMM == NULL) return NNF_ENOBLAS;
    if (M == 0 || N == 0) return NNF_OK;
    if (M > INT_MAX || N > INT_MAX || K > INT_MAX) return NNF_EINVAL;
    if (K == 0) {
        for (size_t i = 0; i < M * N; i++) c[i] = beta == 0 ? 0 : beta * c[i];
        return NNF_OK;
    }
    if (M == 1 && R_BLAS_GEMV != NULL && SFX(gemv_pays)(N, K)) {
        /* one row: op(a) is a's K values either way */
        SFX(gemv)(c, a, b, trans_b, alpha, beta, N, K);
        return NNF_OK;
    }
    nnf_blas_int m = (nnf_blas_int)N, n = (nnf_blas_int)M, k = (nnf_blas_int)K;
    nnf_blas_int lda = (nnf_blas_int)(trans_b ? K : N);
    nnf_blas_int ldb = (nnf_blas_int)(trans_a ? M : K);
    nnf_blas_int ldc = (nnf_blas_int)N;
    char ta = trans_b ? 'T' : 'N', tb = trans_a ? 'T' : 'N';
    R_BLAS_GEMM(&ta, &tb, &m, &n, &k, &alpha, (REAL *)b, &lda, (REAL *)a, &ldb, &beta, c,
                &ldc);
    return NNF_OK;
}

int SFX(nnf_dense_forward)(REAL *z, REAL *a, const REAL *inp, const REAL *w,
                           const REAL *b, int act, double act_param, size_t B, size_t C,
                           size_t OC)
{
    /* inp is (B,C), w is (C,OC), b is (OC), z and a are (B,OC) */
    int status = SFX(nnf_gemm)(z, inp, w, 0, 0, 1, 0, B, OC, C);
    if (status != NNF_OK) return status;
    return SFX(nnf_activation_forward)(a, z, b, act, act_param, B, OC);
}

/* db (OC) = column sums of dout (B,OC), added to db when accumulate is set */
static NNF_HOT void SFX(bias_backward)(REAL *restrict db, const REAL *restrict dout, size_t B,
                                       size_t OC, int accumulate)
{
    if (!accumulate) memset(db, 0, OC * sizeof(REAL));
    for (size_t i = 0; i < B; i++) {
        const REAL *dr = dout + i * OC;
        for (size_t j = 0; j < OC; j++) db[j] += dr[j];
    }
}

/* dst (cols, rows) = src (rows, cols) transposed, in 16x16 tiles */
static void SFX(transpose)(REAL *restrict dst, const REAL *restrict src, size_t rows,
                           size_t cols)
{
    for (size_t i0 = 0; i0 < rows; i0 += 16) {
        size_t i1 = i0 + 16 < rows ? i0 + 16 : rows;
        for (size_t j0 = 0; j0 < cols; j0 += 16) {
            size_t j1 = j0 + 16 < cols ? j0 + 16 : cols;
            for (size_t j = j0; j < j1; j++)
                for (size_t i = i0; i < i1; i++) dst[j * rows + i] = src[i * cols + j];
        }
    }
}

/* Whether dinp = dout w^T (B rows, w C x OC) is better computed as dout times a
 * transposed copy of w. OpenBLAS's small-matrix kernels for AVX-512, which it
 * uses up to 10^6 multiply-adds, take only untransposed operands there; above,
 * its general path packs either form alike and the copy would be a pure cost.
 * Measured with SciPy's OpenBLAS 0.3.31 (SkylakeX kernels, one thread), 100
 * rows, w^T transposed vs plain: 64x64 w 11.1 vs 7.6 us (the copy: 1.2 us),
 * 100x100 23.1 vs 17.8, 128x128 36.3 vs 36.4, 512x512 569 vs 567 (the copy:
 * 87 us). With its Haswell kernels both forms take 10.1 us at 64x64. With
 * OC = 1, w already has w^T's layout. Below 32 rows the copy costs more than
 * it saves: 64x64 w, 16 rows 1.83 vs 1.22 us, 1 row 0.24 vs 0.15 (the copy:
 * 1.2 us); 32 rows 5.9 vs 2.7. (At 128x128 and 32 rows, 15.0 vs 10.5, its 7.7
 * us copy does not pay either; not worth a second bound.) */
#define NNF_COPY_MIN_ROWS 32
static int SFX(transposed_copy_pays)(size_t B, size_t C, size_t OC)
{
    return OC > 1 && B >= NNF_COPY_MIN_ROWS && (double)B * (double)C * (double)OC <= 1e6;
}

/* nnf_dense_backward, writing dw and db (accumulate = 0, as every minibatch of
 * training does, so the gradient needs no zeroing) or adding to them (1).
 * wt (C*OC) takes w's transposed copy when transposed_copy_pays. */
static int SFX(dense_backward)(REAL *dinp, REAL *dw, REAL *db, const REAL *dout,
                               const REAL *inp, const REAL *w, REAL *wt, size_t B, size_t C,
                               size_t OC, int accumulate)
{
    int status = SFX(nnf_gemm)(dw, inp, dout, 1, 0, 1, accumulate ? 1 : 0, C, OC, B);
    if (status != NNF_OK) return status;
    SFX(bias_backward)(db, dout, B, OC, accumulate);
    if (dinp == NULL) return NNF_OK;
    if (SFX(transposed_copy_pays)(B, C, OC)) {
        SFX(transpose)(wt, w, C, OC);
        return SFX(nnf_gemm)(dinp, dout, wt, 0, 0, 1, 0, B, C, OC);
    }
    return SFX(nnf_gemm)(dinp, dout, w, 0, OC > 1, 1, 0, B, C, OC);
}

int SFX(nnf_dense_backward)(REAL *dinp, REAL *dw, REAL *db, const REAL *dout,
                            const REAL *inp, const REAL *w, size_t B, size_t C, size_t OC)
{
    /* dout is (B,OC), inp is (B,C), w is (C,OC); dw is (C,OC), db (OC), dinp (B,C) */
    REAL *wt = NULL;
    if (dinp != NULL && SFX(transposed_copy_pays)(B, C, OC) &&
        (wt = malloc(C * OC * sizeof(REAL))) == NULL)
        return NNF_ENOMEM;
    int status = SFX(dense_backward)(dinp, dw, db, dout, inp, w, wt, B, C, OC, 1);
    free(wt);
    return status;
}

int SFX(nnf_sparse_dense_forward)(REAL *z, REAL *a, const SFX(nnf_data) *data,
                                  const size_t *rows, const REAL *w, const REAL *b,
                                  int act, double act_param, size_t B, size_t OC)
{
    /* rows (B) index data's CSR X (N,F); w is (F,OC), b (OC), z and a (B,OC) */
    memset(z, 0, B * OC * sizeof(REAL));
    for (size_t i = 0; i < B; i++) {
        size_t r = rows[i];
        REAL *zr = z + i * OC;
        for (int64_t p = data->X_indptr[r]; p < data->X_indptr[r + 1]; p++) {
            const REAL *wr = w + (size_t)data->X_indices[p] * OC;
            REAL v = data->X_data[p];
            for (size_t j = 0; j < OC; j++) zr[j] += v * wr[j];
        }
    }
    return SFX(nnf_activation_forward)(a, z, b, act, act_param, B, OC);
}

int SFX(nnf_sparse_dense_backward)(REAL *dw, REAL *db, const REAL *dout,
                                   const SFX(nnf_data) *data, const size_t *rows,
                                   size_t B, size_t OC)
{
    /* rows (B) index data's CSR X (N,F); dout is (B,OC); dw is (F,OC), db (OC) */
    for (size_t i = 0; i < B; i++) {
        size_t r = rows[i];
        const REAL *dr = dout + i * OC;
        for (int64_t p = data->X_indptr[r]; p < data->X_indptr[r + 1]; p++) {
            REAL *dwr = dw + (size_t)data->X_indices[p] * OC;
            REAL v = data->X_data[p];
            for (size_t j = 0; j < OC; j++) dwr[j] += v * dr[j];
        }
    }
    SFX(bias_backward)(db, dout, B, OC, 1);
    return NNF_OK;
}
