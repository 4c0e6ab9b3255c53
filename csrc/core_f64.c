/* The float64 instance of the templated core. */
#include <float.h>
#include <math.h>
#include "nnfast.h"

#define REAL double
#define SFX(name) name##_f64
#define R_EXP exp
#define R_LOG log
#define R_EXPM1 expm1
#define R_LOG1P log1p
#define R_ERF erf
#define R_TANH tanh
#define R_SQRT sqrt
#define R_EPS DBL_EPSILON
#define R_BLAS_GEMM nnf_blas_dgemm
#define R_BLAS_GEMV nnf_blas_dgemv

#include "core_impl.h"
