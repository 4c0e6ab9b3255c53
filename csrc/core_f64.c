/* The float64 instance of the templated core. */
#include <float.h>
#include <math.h>
#include "nnfast.h"
#include "vmath.h"

#define REAL double
#define SFX(name) name##_f64
#define R_EXP nnf_exp
#define R_LOG nnf_log
#define R_EXPM1 nnf_expm1
#define R_LOG1P nnf_log1p
#define R_ERF nnf_erf
#define R_ERF_E nnf__erf_e
#define R_TANH nnf_tanh
#define R_LOGISTIC nnf_logistic
#define R_SOFTPLUS nnf_softplus
#define R_SOFTPLUS_LOGISTIC nnf__softplus_logistic
#define R_SQRT sqrt
#define R_EPS DBL_EPSILON
#define R_BLAS_GEMM nnf_blas_dgemm
#define R_BLAS_GEMV nnf_blas_dgemv

#include "core_impl.h"
