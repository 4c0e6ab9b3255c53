/* One build of csrc/vmath.h's functions, as array loops (see ulp_variant.c). */
#ifndef ULP_CHECK_H
#define ULP_CHECK_H
#include <stddef.h>

enum { N_FUNCTIONS = 8 }; /* exp expm1 log log1p tanh erf logistic softplus */

struct ulp_variant {
    const char *name;
    void (*f32[N_FUNCTIONS])(float *y, const float *x, size_t n);
    void (*f64[N_FUNCTIONS])(double *y, const double *x, size_t n);
};
#endif
