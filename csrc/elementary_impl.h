/* The elementary functions of csrc/vmath.h over an array, compiled as the
 * activation loops are (NNF_HOT: the clone of the CPU the process runs on):
 * for the tests, which hold them against references in higher precision and
 * check that a result does not depend on where in an array it is computed.
 * Template: see core_impl.h. */

NNF_HOT int SFX(nnf_elementary)(REAL *y, const REAL *x, int fn, size_t n)
{
    /* x, y are (n); fn is an enum nnf_elementary */
    switch (fn) {
    case NNF_FN_EXP: for (size_t i = 0; i < n; i++) y[i] = R_EXP(x[i]); break;
    case NNF_FN_EXPM1: for (size_t i = 0; i < n; i++) y[i] = R_EXPM1(x[i]); break;
    case NNF_FN_LOG: for (size_t i = 0; i < n; i++) y[i] = R_LOG(x[i]); break;
    case NNF_FN_LOG1P: for (size_t i = 0; i < n; i++) y[i] = R_LOG1P(x[i]); break;
    case NNF_FN_TANH: for (size_t i = 0; i < n; i++) y[i] = R_TANH(x[i]); break;
    case NNF_FN_ERF: for (size_t i = 0; i < n; i++) y[i] = R_ERF(x[i]); break;
    case NNF_FN_LOGISTIC: for (size_t i = 0; i < n; i++) y[i] = R_LOGISTIC(x[i]); break;
    case NNF_FN_SOFTPLUS: for (size_t i = 0; i < n; i++) y[i] = R_SOFTPLUS(x[i]); break;
    default: return NNF_EINVAL;
    }
    return NNF_OK;
}
