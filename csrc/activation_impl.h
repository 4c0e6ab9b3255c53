/* Activations: fused bias + activation forward, and the derivative applied to a
 * backpropagated delta. Template: see core_impl.h. */

/* z (B,OC) += bias (OC) when bias is non-NULL. */
static void SFX(add_bias)(REAL *z, const REAL *bias, size_t B, size_t OC)
{
    if (bias == NULL) return;
    for (size_t i = 0; i < B; i++) {
        REAL *zr = z + i * OC;
        for (size_t j = 0; j < OC; j++) zr[j] += bias[j];
    }
}

/* The sum of x (n) in eight interleaved partial sums (lane k adds x[k], x[k + 8],
 * ...), joined in a fixed order: the same additions whatever the vector width of
 * the clone or the alignment of x, so the result depends on x alone; vectorised
 * where a serial sum waits on each addition. */
static inline REAL SFX(sum8)(const REAL *x, size_t n)
{
    REAL acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    size_t j = 0;
    for (; j + 8 <= n; j += 8)
        for (size_t k = 0; k < 8; k++) acc[k] += x[j + k];
    for (size_t k = 0; j + k < n; k++) acc[k] += x[j + k];
    return ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
}

/* The largest of x (n >= 1) in eight lanes as sum8 (vectorised, and no vector
 * set-up for a short row); a NaN in x makes its softmax row NaN whatever it
 * returns. */
static inline REAL SFX(max8)(const REAL *x, size_t n)
{
    REAL m[8];
    for (size_t k = 0; k < 8; k++) m[k] = x[0];
    size_t j = 0;
    for (; j + 8 <= n; j += 8)
        for (size_t k = 0; k < 8; k++) m[k] = x[j + k] > m[k] ? x[j + k] : m[k];
    for (size_t k = 0; j + k < n; k++) m[k] = x[j + k] > m[k] ? x[j + k] : m[k];
    for (size_t w = 4; w > 0; w /= 2)
        for (size_t k = 0; k < w; k++) m[k] = m[k + w] > m[k] ? m[k + w] : m[k];
    return m[0];
}

/* p (B,OC) = softmax of each row of z (B,OC); p may alias z. The rows are
 * shifted by their maximum first and the exps taken in one loop over the
 * whole batch, so that they are vectorised whatever the number of classes
 * (a loop per row of 4 or 10 classes is too short for AVX-512's 16 lanes). */
static NNF_HOT void SFX(softmax_rows)(REAL *p, const REAL *z, size_t B, size_t OC)
{
    if (OC == 0) return;
    for (size_t i = 0; i < B; i++) {
        const REAL *zr = z + i * OC;
        REAL *pr = p + i * OC;
        REAL zmax = SFX(max8)(zr, OC);
        for (size_t j = 0; j < OC; j++) pr[j] = zr[j] - zmax;
    }
    size_t n = B * OC;
    for (size_t k = 0; k < n; k++) p[k] = R_EXP(p[k]);
    for (size_t i = 0; i < B; i++) {
        REAL *pr = p + i * OC;
        REAL inv = 1 / SFX(sum8)(pr, OC);
        for (size_t j = 0; j < OC; j++) pr[j] *= inv;
    }
}

#define NNF_SQRT1_2 0.70710678118654752440
#define NNF_INV_SQRT_2PI 0.39894228040143267794

NNF_HOT int SFX(nnf_activation_forward)(REAL *a, REAL *z, const REAL *bias, int act, double param,
                                size_t B, size_t OC)
{
    /* z is (B,OC), bias is (OC), a is (B,OC); param: leaky_relu's slope, elu's alpha */
    const REAL c = (REAL)param;
    size_t n = B * OC;
    SFX(add_bias)(z, bias, B, OC);
    switch (act) {
    case NNF_IDENTITY:
        if (a != z) memcpy(a, z, n * sizeof(REAL));
        break;
    case NNF_LOGISTIC:
        for (size_t i = 0; i < n; i++) a[i] = R_LOGISTIC(z[i]);
        break;
    case NNF_TANH:
        for (size_t i = 0; i < n; i++) a[i] = R_TANH(z[i]);
        break;
    case NNF_RELU:
        /* written so that NaN propagates instead of becoming 0 */
        for (size_t i = 0; i < n; i++) a[i] = z[i] < 0 ? 0 : z[i];
        break;
    case NNF_EXP:
        for (size_t i = 0; i < n; i++) a[i] = R_EXP(z[i]);
        break;
    case NNF_SOFTMAX:
        SFX(softmax_rows)(a, z, B, OC);
        break;
    case NNF_LEAKY_RELU:
        for (size_t i = 0; i < n; i++) a[i] = z[i] > 0 ? z[i] : c * z[i];
        break;
    case NNF_ELU:
        for (size_t i = 0; i < n; i++) a[i] = z[i] > 0 ? z[i] : c * R_EXPM1(z[i]);
        break;
    case NNF_GELU: /* the exact form, x * Phi(x), as PyTorch's default */
        for (size_t i = 0; i < n; i++)
            a[i] = (REAL)0.5 * z[i] * (1 + R_ERF(z[i] * (REAL)NNF_SQRT1_2));
        break;
    case NNF_SILU:
        for (size_t i = 0; i < n; i++) a[i] = z[i] * R_LOGISTIC(z[i]);
        break;
    case NNF_SOFTPLUS:
        for (size_t i = 0; i < n; i++) a[i] = R_SOFTPLUS(z[i]);
        break;
    case NNF_STEP:
        for (size_t i = 0; i < n; i++) a[i] = z[i] > 0 ? 1 : 0;
        break;
    default:
        return NNF_EINVAL;
    }
    return NNF_OK;
}

/* Whether a training forward keeps f'(z) for its backward (activation_forward_grad):
 * the activations whose derivative needs an exp or an erf of its own, which the
 * forward has at hand. The others' derivatives are a few operations on z or a. */
static int SFX(keeps_grad)(int act)
{
    return act == NNF_GELU || act == NNF_SILU || act == NNF_SOFTPLUS;
}

/* a = f(z) and d = f'(z) (n) for an activation that keeps_grad, z's bias already
 * added. a is what nnf_activation_forward gives, to the bit; d is what
 * nnf_activation_backward multiplies by (silu's and softplus's to the bit,
 * gelu's with Phi(z) from the erf rather than a / z). */
static NNF_HOT void SFX(activation_forward_grad)(REAL *restrict a, REAL *restrict d,
                                                 const REAL *restrict z, int act, size_t n)
{
    switch (act) {
    case NNF_GELU:
        for (size_t i = 0; i < n; i++) {
            REAL e, erf = R_ERF_E(z[i] * (REAL)NNF_SQRT1_2, &e);
            REAL cdf = (REAL)0.5 * (1 + erf);
            a[i] = (REAL)0.5 * z[i] * (1 + erf);
            /* e = exp(-z^2 / 2), or 0 where the pdf term is below an ulp of
             * the derivative's 1 (so an infinite z does not make 0 * inf) */
            d[i] = cdf + (e > 0 ? z[i] * ((REAL)NNF_INV_SQRT_2PI * e) : 0);
        }
        break;
    case NNF_SILU:
        for (size_t i = 0; i < n; i++) {
            REAL s = R_LOGISTIC(z[i]);
            a[i] = z[i] * s;
            d[i] = s * (1 + z[i] * (1 - s));
        }
        break;
    case NNF_SOFTPLUS:
        for (size_t i = 0; i < n; i++) {
            REAL s;
            a[i] = R_SOFTPLUS_LOGISTIC(z[i], &s);
            d[i] = s;
        }
        break;
    default:
        break;
    }
}

/* delta (n) *= factor (n), element by element: a kept derivative, a dropout mask */
static NNF_HOT void SFX(multiply_by)(REAL *restrict delta, const REAL *restrict factor, size_t n)
{
    for (size_t i = 0; i < n; i++) delta[i] *= factor[i];
}

NNF_HOT int SFX(nnf_activation_backward)(REAL *delta, const REAL *z, const REAL *a, int act,
                                 double param, size_t n)
{
    /* delta, z, a are (n); param as in the forward */
    const REAL c = (REAL)param;
    switch (act) {
    case NNF_IDENTITY:
        break;
    case NNF_LOGISTIC:
        for (size_t i = 0; i < n; i++) delta[i] *= a[i] * (1 - a[i]);
        break;
    case NNF_TANH:
        for (size_t i = 0; i < n; i++) delta[i] *= 1 - a[i] * a[i];
        break;
    case NNF_RELU:
        for (size_t i = 0; i < n; i++) delta[i] = z[i] > 0 ? delta[i] : 0;
        break;
    case NNF_EXP:
        for (size_t i = 0; i < n; i++) delta[i] *= a[i];
        break;
    case NNF_LEAKY_RELU:
        for (size_t i = 0; i < n; i++) delta[i] *= z[i] > 0 ? 1 : c;
        break;
    case NNF_ELU:
        for (size_t i = 0; i < n; i++) delta[i] *= z[i] > 0 ? 1 : a[i] + c;
        break;
    case NNF_GELU:
        for (size_t i = 0; i < n; i++) {
            /* Phi(z) = a / z from the forward's a = z Phi(z): a division, not an
             * erf (Phi(0) = 1/2 where z is too small to divide by); the pdf
             * needs exp(-z^2 / 2) alone */
            REAL u = z[i] * (REAL)NNF_SQRT1_2;
            int tiny = z[i] < (REAL)1e-30 && z[i] > (REAL)-1e-30;
            REAL cdf = tiny ? (REAL)0.5 : a[i] / z[i];
            REAL pdf = (REAL)NNF_INV_SQRT_2PI * R_EXP(-(u * u));
            delta[i] *= cdf + z[i] * pdf;
        }
        break;
    case NNF_SILU:
        for (size_t i = 0; i < n; i++) {
            REAL s = R_LOGISTIC(z[i]);
            delta[i] *= s * (1 + z[i] * (1 - s));
        }
        break;
    case NNF_SOFTPLUS:
        for (size_t i = 0; i < n; i++) delta[i] *= R_LOGISTIC(z[i]);
        break;
    case NNF_STEP:
        for (size_t i = 0; i < n; i++) delta[i] = 0;
        break;
    default:
        return NNF_EINVAL; /* softmax only appears fused with its loss */
    }
    return NNF_OK;
}
