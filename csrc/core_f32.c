/* The float32 instance of the templated core. */
#include <float.h>
#include <math.h>
#include "nnfast.h"
#include "vmath.h"

#define REAL float
#define SFX(name) name##_f32
#define R_EXP nnf_expf
#define R_LOG nnf_logf
#define R_EXPM1 nnf_expm1f
#define R_LOG1P nnf_log1pf
#define R_ERF nnf_erff
#define R_ERF_E nnf__erf_ef
#define R_TANH nnf_tanhf
#define R_LOGISTIC nnf_logisticf
#define R_SOFTPLUS nnf_softplusf
#define R_SOFTPLUS_LOGISTIC nnf__softplus_logisticf
#define R_SQRT sqrtf
#define R_EPS FLT_EPSILON
#define R_BLAS_GEMM nnf_blas_sgemm
#define R_BLAS_GEMV nnf_blas_sgemv

#include "core_impl.h"
