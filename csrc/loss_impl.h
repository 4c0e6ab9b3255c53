/* Output layer + loss, fused: the output activation, the weighted loss sum and
 * the delta dL/dz = (p - y) * w * scale, which is the same expression for all
 * four pairs (identity/squared, exp/poisson, softmax/log, logistic/binary log).
 * Template: see core_impl.h. */

/* log(p) with p clipped to [eps, 1 - eps], as scikit-learn's log losses do. */
static inline double SFX(clipped_log)(REAL p)
{
    const REAL lo = R_EPS, hi = 1 - R_EPS;
    p = p < lo ? lo : (p > hi ? hi : p);
    return log((double)p);
}

int SFX(nnf_output_loss)(REAL *delta, REAL *p, double *loss_sum, const REAL *z,
                         const REAL *y, const REAL *sw, int loss, double delta_scale,
                         size_t B, size_t O)
{
    /* z, y, p, delta are (B,O); sw is (B) or NULL */
    int out_act;
    switch (loss) {
    case NNF_LOSS_SQUARED: out_act = NNF_IDENTITY; break;
    case NNF_LOSS_POISSON: out_act = NNF_EXP; break;
    case NNF_LOSS_LOG: out_act = NNF_SOFTMAX; break;
    case NNF_LOSS_BINARY_LOG: out_act = NNF_LOGISTIC; break;
    default: return NNF_EINVAL;
    }
    int status = SFX(nnf_activation_forward)(p, (REAL *)z, NULL, out_act, B, O);
    if (status != NNF_OK) return status;

    double total = 0;
    for (size_t i = 0; i < B; i++) {
        const REAL *pr = p + i * O, *yr = y + i * O, *zr = z + i * O;
        double row = 0;
        switch (loss) {
        case NNF_LOSS_SQUARED:
            for (size_t j = 0; j < O; j++) {
                double d = (double)pr[j] - (double)yr[j];
                row += 0.5 * d * d;
            }
            break;
        case NNF_LOSS_POISSON:
            /* half Poisson deviance: y log(y/p) - y + p, with log p = z */
            for (size_t j = 0; j < O; j++) {
                double yj = yr[j];
                double ylogy = yj > 0 ? yj * (log(yj) - (double)zr[j]) : 0.0;
                row += ylogy - yj + (double)pr[j];
            }
            break;
        case NNF_LOSS_LOG:
            for (size_t j = 0; j < O; j++)
                if (yr[j] != 0) row -= (double)yr[j] * SFX(clipped_log)(pr[j]);
            break;
        case NNF_LOSS_BINARY_LOG:
            for (size_t j = 0; j < O; j++) {
                double yj = yr[j];
                if (yj != 0) row -= yj * SFX(clipped_log)(pr[j]);
                if (yj != 1) row -= (1 - yj) * SFX(clipped_log)(1 - pr[j]);
            }
            break;
        }
        double w = sw ? (double)sw[i] : 1.0;
        total += w * row;
        if (delta) {
            REAL s = (REAL)(w * delta_scale);
            REAL *dr = delta + i * O;
            for (size_t j = 0; j < O; j++) dr[j] = (pr[j] - yr[j]) * s;
        }
    }
    *loss_sum = total;
    return NNF_OK;
}
