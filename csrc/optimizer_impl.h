/* Optimizer steps: flat loops over the whole parameter block, with the L2
 * penalty folded into the gradient of the weights (the first n_decay entries;
 * the biases after them are not penalised) and L1 as a proximal step.
 * Gradient clipping. Template: see core_impl.h. */

/* w moved toward 0 by at most shrink, never across it */
static inline REAL SFX(soft_threshold)(REAL w, REAL shrink)
{
    return w > shrink ? w - shrink : (w < -shrink ? w + shrink : 0);
}

/* One step over params[begin, end) with gradient grad + lam * params; penalty
 * (when non-NULL) receives the sum of squares and of absolute values of those
 * params before the step: one pass over memory for both. */
static NNF_HOT void SFX(sgd_range)(REAL *restrict params, REAL *restrict velocity,
                                   const REAL *restrict grad, REAL eta, REAL mu,
                                   int nesterov, REAL lam, REAL l1, size_t begin,
                                   size_t end, double penalty[2])
{
    double ss = 0, sa = 0;
    const REAL shrink = eta * l1;
#pragma omp simd reduction(+ : ss, sa)
    for (size_t i = begin; i < end; i++) {
        REAL p = params[i];
        ss += (double)p * (double)p;
        sa += fabs((double)p);
        REAL g = grad[i] + lam * p;
        REAL vel = mu * velocity[i] - eta * g;
        velocity[i] = vel;
        p += nesterov ? mu * vel - eta * g : vel;
        params[i] = l1 > 0 ? SFX(soft_threshold)(p, shrink) : p;
    }
    if (penalty) {
        penalty[0] = ss;
        penalty[1] = sa;
    }
}

/* adam_range's loop, inlined with prox a constant: with L1 (prox), each entry's
 * own step size, as in proximal Adam; without, the vectorised loop must not
 * compute that second division for every entry (it took half the step's time). */
static inline __attribute__((always_inline)) void SFX(adam_loop)(
    REAL *restrict params, REAL *restrict m, REAL *restrict v, const REAL *restrict grad,
    REAL step, REAL b1, REAL b2, REAL eps, REAL lam, REAL l1, size_t begin, size_t end,
    const int prox, double penalty[2])
{
    double ss = 0, sa = 0;
#pragma omp simd reduction(+ : ss, sa)
    for (size_t i = begin; i < end; i++) {
        REAL p = params[i];
        ss += (double)p * (double)p;
        sa += fabs((double)p);
        REAL g = grad[i] + lam * p;
        REAL mi = b1 * m[i] + (1 - b1) * g;
        REAL vi = b2 * v[i] + (1 - b2) * g * g;
        m[i] = mi;
        v[i] = vi;
        REAL denom = R_SQRT(vi) + eps;
        p -= step * mi / denom;
        params[i] = prox ? SFX(soft_threshold)(p, step * l1 / denom) : p;
    }
    penalty[0] = ss;
    penalty[1] = sa;
}

static NNF_HOT void SFX(adam_range)(REAL *restrict params, REAL *restrict m,
                                    REAL *restrict v, const REAL *restrict grad, REAL step,
                                    REAL b1, REAL b2, REAL eps, REAL lam, REAL l1,
                                    size_t begin, size_t end, double penalty[2])
{
    double sums[2];
    if (l1 > 0)
        SFX(adam_loop)(params, m, v, grad, step, b1, b2, eps, lam, l1, begin, end, 1, sums);
    else
        SFX(adam_loop)(params, m, v, grad, step, b1, b2, eps, lam, l1, begin, end, 0, sums);
    if (penalty) {
        penalty[0] = sums[0];
        penalty[1] = sums[1];
    }
}

/* penalty[0] = sum of squares, penalty[1] = sum of absolute values of x (n) */
static NNF_HOT void SFX(penalty_sums)(double penalty[2], const REAL *x, size_t n)
{
    double ss = 0, sa = 0;
#pragma omp simd reduction(+ : ss, sa)
    for (size_t i = 0; i < n; i++) {
        ss += (double)x[i] * (double)x[i];
        sa += fabs((double)x[i]);
    }
    penalty[0] = ss;
    penalty[1] = sa;
}

/* n_decay clamped to [lo, hi]: where the weights of params[lo, hi) end */
static size_t SFX(weights_end)(size_t n_decay, size_t lo, size_t hi)
{
    return n_decay < lo ? lo : (n_decay > hi ? hi : n_decay);
}

/* nnf_sgd_step on params[lo, hi) alone; penalty sums the weights among them */
static void SFX(sgd_step_range)(REAL *params, REAL *velocity, double penalty[2],
                                const REAL *grad, double lr, double momentum, int nesterov,
                                double l2, double l1, size_t lo, size_t hi, size_t n_decay)
{
    size_t mid = SFX(weights_end)(n_decay, lo, hi);
    SFX(sgd_range)(params, velocity, grad, (REAL)lr, (REAL)momentum, nesterov, (REAL)l2,
                   (REAL)l1, lo, mid, penalty);
    SFX(sgd_range)(params, velocity, grad, (REAL)lr, (REAL)momentum, nesterov, 0, 0, mid,
                   hi, NULL);
}

int SFX(nnf_sgd_step)(REAL *params, REAL *velocity, double penalty[2], const REAL *grad,
                      double lr, double momentum, int nesterov, double l2, double l1,
                      size_t P, size_t n_decay)
{
    /* params, velocity, grad are (P); the first n_decay params are weights */
    SFX(sgd_step_range)(params, velocity, penalty, grad, lr, momentum, nesterov, l2, l1, 0,
                        P, n_decay);
    return NNF_OK;
}

/* nnf_adam_step on params[lo, hi) alone; penalty sums the weights among them */
static void SFX(adam_step_range)(REAL *params, REAL *m, REAL *v, double penalty[2],
                                 const REAL *grad, double lr, double beta_1, double beta_2,
                                 double epsilon, int64_t t, double l2, double l1, size_t lo,
                                 size_t hi, size_t n_decay)
{
    REAL step = (REAL)(lr * sqrt(1 - pow(beta_2, (double)t)) / (1 - pow(beta_1, (double)t)));
    size_t mid = SFX(weights_end)(n_decay, lo, hi);
    SFX(adam_range)(params, m, v, grad, step, (REAL)beta_1, (REAL)beta_2, (REAL)epsilon,
                    (REAL)l2, (REAL)l1, lo, mid, penalty);
    SFX(adam_range)(params, m, v, grad, step, (REAL)beta_1, (REAL)beta_2, (REAL)epsilon, 0,
                    0, mid, hi, NULL);
}

int SFX(nnf_adam_step)(REAL *params, REAL *m, REAL *v, double penalty[2], const REAL *grad,
                       double lr, double beta_1, double beta_2, double epsilon, int64_t t,
                       double l2, double l1, size_t P, size_t n_decay)
{
    /* params, m, v, grad are (P); the first n_decay params are weights */
    SFX(adam_step_range)(params, m, v, penalty, grad, lr, beta_1, beta_2, epsilon, t, l2, l1,
                         0, P, n_decay);
    return NNF_OK;
}

static NNF_HOT double SFX(sum_sq)(const REAL *x, size_t n)
{
    double ss = 0;
#pragma omp simd reduction(+ : ss)
    for (size_t i = 0; i < n; i++) ss += (double)x[i] * (double)x[i];
    return ss;
}

static double SFX(norm2)(const REAL *x, size_t n) { return sqrt(SFX(sum_sq)(x, n)); }

/* Clip grad (P) whose global norm is `total` (see nnf_clip_grad). */
static void SFX(apply_clip)(REAL *grad, double total, double max_norm, double max_value,
                            size_t P)
{
    if (max_norm > 0 && total > max_norm) {
        REAL scale = (REAL)(max_norm / total);
        for (size_t i = 0; i < P; i++) grad[i] *= scale;
    }
    if (max_value > 0) {
        REAL c = (REAL)max_value;
        for (size_t i = 0; i < P; i++) grad[i] = grad[i] > c ? c : (grad[i] < -c ? -c : grad[i]);
    }
}

int SFX(nnf_clip_grad)(REAL *grad, double *norm, double max_norm, double max_value, size_t P)
{
    /* grad is (P) */
    *norm = SFX(norm2)(grad, P);
    SFX(apply_clip)(grad, *norm, max_norm, max_value, P);
    return NNF_OK;
}
