/* The perceptron learning rule (Rosenblatt): step neurons, updated only on
 * mistakes. Template: see core_impl.h. */

int SFX(nnf_perceptron_epoch)(REAL *w, REAL *b, size_t *n_errors, const REAL *X,
                              const REAL *Y, const size_t *order, double lr, size_t N,
                              size_t F, size_t K)
{
    /* w is (K,F), b (K), X (N,F), Y (N,K), order (N) */
    const REAL eta = (REAL)lr;
    size_t errors = 0;
    for (size_t n = 0; n < N; n++) {
        const REAL *x = X + order[n] * F, *y = Y + order[n] * K;
        for (size_t k = 0; k < K; k++) {
            REAL *wk = w + k * F;
            double z = b[k];
            for (size_t f = 0; f < F; f++) z += (double)wk[f] * (double)x[f];
            REAL err = y[k] - (z > 0 ? 1 : 0);
            if (err == 0) continue;
            errors++;
            for (size_t f = 0; f < F; f++) wk[f] += eta * err * x[f];
            b[k] += eta * err;
        }
    }
    *n_errors = errors;
    return NNF_OK;
}
