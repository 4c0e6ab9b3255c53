/* Output layer + loss, fused: the output activation, the weighted loss sum and
 * the delta dL/dz. For the canonical pairs (identity/squared, exp/poisson,
 * softmax/log, logistic/binary log) that delta is (p - y) * w * scale; absolute
 * error and Huber use sign(p - y) and clip(p - y, -delta, delta) instead.
 * Template: see core_impl.h. */

/* log(p) with p clipped to [eps, 1 - eps], as scikit-learn's log losses do. */
static inline double SFX(clipped_log)(REAL p)
{
    const REAL lo = R_EPS, hi = 1 - R_EPS;
    p = p < lo ? lo : (p > hi ? hi : p);
    return nnf_log((double)p);
}

/* The binary log loss's elements, n of them in a loop the compiler vectorises:
 * p = logistic(z) and the term log(p) or log(1 - p) (p clipped) for a target of
 * 1 or 0, y log(p) + (1 - y) log(1 - p) for a soft one; both logs are taken and
 * one selected, the same value the two-branch scalar loop gave. Rows of one
 * output (every binary classifier's) are too short for a vector loop of their
 * own: _core.output_loss on 100 float32 rows took 3.25 us a call as a loop over
 * rows, 1.58 us so (about 1 us of it Python's call). */
static NNF_HOT void SFX(binary_log_terms)(REAL *p, REAL *restrict term, const REAL *z,
                                          const REAL *y, size_t n)
{
    const REAL lo = R_EPS, hi = 1 - R_EPS;
    for (size_t j = 0; j < n; j++) {
        REAL pj = R_LOGISTIC(z[j]), yj = y[j];
        REAL pc = pj < lo ? lo : (pj > hi ? hi : pj);
        REAL l1 = R_LOG(pc), l0 = R_LOG(1 - pc);
        term[j] = yj == 1 ? l1 : (yj == 0 ? l0 : yj * l1 + (1 - yj) * l0);
        p[j] = pj;
    }
}

/* nnf_output_loss for the binary log loss: the logistic output, the clipped
 * loss and the delta, the elements a chunk at a time (binary_log_terms), then
 * each row's sum and delta in order. */
static double SFX(binary_log_loss)(REAL *delta, REAL *p, const REAL *z, const REAL *y,
                                   const REAL *sw, double delta_scale, size_t B, size_t O)
{
    enum { CHUNK = 256 };
    REAL term[CHUNK], s = 0;
    double total = 0, row = 0, w = 1;
    size_t i = 0, col = 0, n = B * O;
    for (size_t start = 0; start < n; start += CHUNK) {
        size_t m = n - start < CHUNK ? n - start : CHUNK;
        SFX(binary_log_terms)(p + start, term, z + start, y + start, m);
        for (size_t k = 0; k < m; k++) {
            size_t j = start + k;
            if (col == 0) { /* row i starts */
                w = sw ? (double)sw[i] : 1.0;
                s = (REAL)(w * delta_scale);
            }
            row -= term[k];
            if (delta) delta[j] = (p[j] - y[j]) * s;
            if (++col == O) {
                total += w * row;
                row = 0;
                col = 0;
                i++;
            }
        }
    }
    return total;
}

/* Not NNF_HOT: a cloned build if-converts the log loss's one log per row (the
 * class of the target) into a vector log of every class, 59 -> 125 us for 200
 * rows of 100 float64 classes (bench/test_softmax.py); its activation is cloned. */
int SFX(nnf_output_loss)(REAL *delta, REAL *p, double *loss_sum, const REAL *z,
                         const REAL *y, const REAL *sw, int loss, double loss_param,
                         double delta_scale, size_t B, size_t O)
{
    /* z, y, p, delta are (B,O); sw is (B) or NULL; loss_param is Huber's threshold */
    int out_act;
    const double h = loss_param;
    switch (loss) {
    case NNF_LOSS_SQUARED:
    case NNF_LOSS_ABSOLUTE:
    case NNF_LOSS_HUBER: out_act = NNF_IDENTITY; break;
    case NNF_LOSS_POISSON: out_act = NNF_EXP; break;
    case NNF_LOSS_LOG: out_act = NNF_SOFTMAX; break;
    case NNF_LOSS_BINARY_LOG: out_act = NNF_LOGISTIC; break;
    default: return NNF_EINVAL;
    }
    if (loss == NNF_LOSS_BINARY_LOG) {
        *loss_sum = SFX(binary_log_loss)(delta, p, z, y, sw, delta_scale, B, O);
        return NNF_OK;
    }
    /* Poisson's loss needs z = log p: its activation is applied row by row below,
     * reading z before p (which may alias it) is written. */
    if (loss != NNF_LOSS_POISSON) {
        int status = SFX(nnf_activation_forward)(p, (REAL *)z, NULL, out_act, 0, B, O);
        if (status != NNF_OK) return status;
    }

    double total = 0;
    for (size_t i = 0; i < B; i++) {
        REAL *pr = p + i * O;
        const REAL *yr = y + i * O, *zr = z + i * O;
        double row = 0;
        switch (loss) {
        case NNF_LOSS_SQUARED:
            for (size_t j = 0; j < O; j++) {
                double d = (double)pr[j] - (double)yr[j];
                row += 0.5 * d * d;
            }
            break;
        case NNF_LOSS_ABSOLUTE:
            for (size_t j = 0; j < O; j++) row += fabs((double)pr[j] - (double)yr[j]);
            break;
        case NNF_LOSS_HUBER:
            for (size_t j = 0; j < O; j++) {
                double d = fabs((double)pr[j] - (double)yr[j]);
                row += d <= h ? 0.5 * d * d : h * (d - 0.5 * h);
            }
            break;
        case NNF_LOSS_POISSON:
            /* half Poisson deviance: y log(y/p) - y + p, with log p = z */
            for (size_t j = 0; j < O; j++) {
                double yj = yr[j], zj = zr[j];
                REAL pj = R_EXP(zr[j]);
                pr[j] = pj;
                double ylogy = yj > 0 ? yj * (nnf_log(yj) - zj) : 0.0;
                row += ylogy - yj + (double)pj;
            }
            break;
        case NNF_LOSS_LOG:
            for (size_t j = 0; j < O; j++)
                if (yr[j] != 0) row -= (double)yr[j] * SFX(clipped_log)(pr[j]);
            break;
        }
        double w = sw ? (double)sw[i] : 1.0;
        total += w * row;
        if (delta) {
            REAL s = (REAL)(w * delta_scale);
            REAL *dr = delta + i * O;
            if (loss == NNF_LOSS_ABSOLUTE) {
                for (size_t j = 0; j < O; j++)
                    dr[j] = pr[j] > yr[j] ? s : (pr[j] < yr[j] ? -s : 0);
            } else if (loss == NNF_LOSS_HUBER) {
                const REAL hr = (REAL)h;
                for (size_t j = 0; j < O; j++) {
                    REAL d = pr[j] - yr[j];
                    dr[j] = (d > hr ? hr : (d < -hr ? -hr : d)) * s;
                }
            } else {
                for (size_t j = 0; j < O; j++) dr[j] = (pr[j] - yr[j]) * s;
            }
        }
    }
    *loss_sum = total;
    return NNF_OK;
}
