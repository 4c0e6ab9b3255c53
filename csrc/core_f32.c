/* The float32 instance of the templated core. */
#include <float.h>
#include <math.h>
#include "nnfast.h"

#define REAL float
#define SFX(name) name##_f32
#define R_EXP expf
#define R_LOG logf
#define R_EXPM1 expm1f
#define R_LOG1P log1pf
#define R_ERF erff
#define R_TANH tanhf
#define R_SQRT sqrtf
#define R_EPS FLT_EPSILON
#define R_BLAS_GEMM nnf_blas_sgemm
#define R_BLAS_GEMV nnf_blas_sgemv

#include "core_impl.h"
