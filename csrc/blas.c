/* The BLAS entry points, taken from SciPy's cython_blas by the Cython bridge. */
#include "nnfast.h"

nnf_sgemm_fn nnf_blas_sgemm = NULL;
nnf_dgemm_fn nnf_blas_dgemm = NULL;
nnf_sgemv_fn nnf_blas_sgemv = NULL;
nnf_dgemv_fn nnf_blas_dgemv = NULL;

void nnf_set_blas(nnf_sgemm_fn sgemm, nnf_dgemm_fn dgemm, nnf_sgemv_fn sgemv,
                  nnf_dgemv_fn dgemv)
{
    nnf_blas_sgemm = sgemm;
    nnf_blas_dgemm = dgemm;
    nnf_blas_sgemv = sgemv;
    nnf_blas_dgemv = dgemv;
}

/* Parameter counts do not depend on the float type, so they live here. */
size_t nnf_n_weights(const nnf_arch *arch)
{
    size_t n = 0;
    for (size_t l = 0; l < arch->n_layers; l++) n += arch->units[l] * arch->units[l + 1];
    return n;
}

size_t nnf_n_params(const nnf_arch *arch)
{
    size_t n = nnf_n_weights(arch);
    for (size_t l = 0; l < arch->n_layers; l++) n += arch->units[l + 1];
    return n;
}
