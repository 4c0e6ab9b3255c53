/* The functions of csrc/vmath.h applied over arrays, compiled once per
 * instruction set by ulp_check's build (-DVARIANT=baseline, -march=...): the
 * loops vectorise as the core's activation loops do. */
#include <stddef.h>

#include "vmath.h"
#include "ulp_check.h"

#define LOOP32(fn) \
    static void fn##_loop(float *y, const float *x, size_t n) \
    { for (size_t i = 0; i < n; i++) y[i] = fn(x[i]); }
#define LOOP64(fn) \
    static void fn##_loop(double *y, const double *x, size_t n) \
    { for (size_t i = 0; i < n; i++) y[i] = fn(x[i]); }

LOOP32(nnf_expf) LOOP32(nnf_expm1f) LOOP32(nnf_logf) LOOP32(nnf_log1pf)
LOOP32(nnf_tanhf) LOOP32(nnf_erff) LOOP32(nnf_logisticf) LOOP32(nnf_softplusf)
LOOP64(nnf_exp) LOOP64(nnf_expm1) LOOP64(nnf_log) LOOP64(nnf_log1p)
LOOP64(nnf_tanh) LOOP64(nnf_erf) LOOP64(nnf_logistic) LOOP64(nnf_softplus)

#define CAT_(a, b) a##b
#define CAT(a, b) CAT_(a, b)
#define STR_(a) #a
#define STR(a) STR_(a)

const struct ulp_variant CAT(variant_, VARIANT) = {
    STR(VARIANT),
    {nnf_expf_loop, nnf_expm1f_loop, nnf_logf_loop, nnf_log1pf_loop, nnf_tanhf_loop,
     nnf_erff_loop, nnf_logisticf_loop, nnf_softplusf_loop},
    {nnf_exp_loop, nnf_expm1_loop, nnf_log_loop, nnf_log1p_loop, nnf_tanh_loop,
     nnf_erf_loop, nnf_logistic_loop, nnf_softplus_loop},
};
