/* Optimizer steps: flat loops over the whole parameter block, with the L2
 * penalty folded into the gradient of the weights (the first n_decay entries;
 * the biases after them are not penalised). Template: see core_impl.h. */

/* params[i] for i in [begin, end) with gradient grad + lam * params */
static void SFX(sgd_range)(REAL *params, REAL *velocity, const REAL *grad, REAL eta,
                           REAL mu, int nesterov, REAL lam, size_t begin, size_t end)
{
    for (size_t i = begin; i < end; i++) {
        REAL g = grad[i] + lam * params[i];
        REAL vel = mu * velocity[i] - eta * g;
        velocity[i] = vel;
        params[i] += nesterov ? mu * vel - eta * g : vel;
    }
}

static void SFX(adam_range)(REAL *params, REAL *m, REAL *v, const REAL *grad, REAL step,
                            REAL b1, REAL b2, REAL eps, REAL lam, size_t begin, size_t end)
{
    for (size_t i = begin; i < end; i++) {
        REAL g = grad[i] + lam * params[i];
        REAL mi = b1 * m[i] + (1 - b1) * g;
        REAL vi = b2 * v[i] + (1 - b2) * g * g;
        m[i] = mi;
        v[i] = vi;
        params[i] -= step * mi / (R_SQRT(vi) + eps);
    }
}

static double SFX(sum_squares)(const REAL *x, size_t n)
{
    double ss = 0;
    for (size_t i = 0; i < n; i++) ss += (double)x[i] * (double)x[i];
    return ss;
}

int SFX(nnf_sgd_step)(REAL *params, REAL *velocity, double *sumsq, const REAL *grad,
                      double lr, double momentum, int nesterov, double l2, size_t P,
                      size_t n_decay)
{
    /* params, velocity, grad are (P); the first n_decay params are weights */
    *sumsq = SFX(sum_squares)(params, n_decay);
    SFX(sgd_range)(params, velocity, grad, (REAL)lr, (REAL)momentum, nesterov, (REAL)l2,
                   0, n_decay);
    SFX(sgd_range)(params, velocity, grad, (REAL)lr, (REAL)momentum, nesterov, 0,
                   n_decay, P);
    return NNF_OK;
}

int SFX(nnf_adam_step)(REAL *params, REAL *m, REAL *v, double *sumsq, const REAL *grad,
                       double lr, double beta_1, double beta_2, double epsilon, int64_t t,
                       double l2, size_t P, size_t n_decay)
{
    /* params, m, v, grad are (P); the first n_decay params are weights */
    REAL step = (REAL)(lr * sqrt(1 - pow(beta_2, (double)t)) / (1 - pow(beta_1, (double)t)));
    *sumsq = SFX(sum_squares)(params, n_decay);
    SFX(adam_range)(params, m, v, grad, step, (REAL)beta_1, (REAL)beta_2, (REAL)epsilon,
                    (REAL)l2, 0, n_decay);
    SFX(adam_range)(params, m, v, grad, step, (REAL)beta_1, (REAL)beta_2, (REAL)epsilon, 0,
                    n_decay, P);
    return NNF_OK;
}
