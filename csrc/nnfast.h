/*
 * nnfast C core: the kernels and the training loop of a multilayer perceptron.
 *
 * Plain C99 with no Python API. Every function returns an int status (NNF_OK = 0)
 * and never exits or prints. Arguments come outputs first, then inputs, then sizes.
 * Callers (the Cython bridge) validate everything; the core trusts its inputs.
 *
 * What this is not: a general tensor library. It knows dense layers, a fixed set
 * of activations and losses, SGD and Adam, and nothing else.
 *
 * Dimension letters used in the shape comments of every kernel:
 *   B = rows in a (mini)batch, N = rows in a data set, C = input units of a layer,
 *   OC = output units of a layer, O = network outputs, F = input features,
 *   P = parameters in the whole network.
 *
 * Every typed function exists twice, suffix _f32 (float) and _f64 (double), both
 * compiled from one source: core_f32.c and core_f64.c include the *_impl.h templates.
 */
#ifndef NNFAST_H
#define NNFAST_H

#include <stddef.h>
#include <stdint.h>

enum nnf_status {
    NNF_OK = 0,
    NNF_ENOMEM = 1,        /* an allocation failed */
    NNF_EINVAL = 2,        /* a size does not fit (e.g. above the BLAS int range) */
    NNF_EINTERRUPTED = 3,  /* the caller's check function asked to stop */
    NNF_ENOBLAS = 4,       /* nnf_set_blas was never called */
    NNF_ENONFINITE = 5,    /* a loss or gradient was NaN or infinite; the step that
                              would have applied it was not taken */
    NNF_EINPUT = 6         /* an input value was NaN or infinite */
};

/* Activations. EXP and SOFTMAX are output activations only; STEP (the
 * perceptron's) has a zero derivative. LEAKY_RELU's negative slope and ELU's
 * alpha come as the activation's parameter. */
enum nnf_activation {
    NNF_IDENTITY = 0,
    NNF_LOGISTIC = 1,
    NNF_TANH = 2,
    NNF_RELU = 3,
    NNF_EXP = 4,
    NNF_SOFTMAX = 5,
    NNF_LEAKY_RELU = 6,
    NNF_ELU = 7,
    NNF_GELU = 8,
    NNF_SILU = 9,
    NNF_SOFTPLUS = 10,
    NNF_STEP = 11
};

/* The elementary functions of csrc/vmath.h, by nnf_elementary (for tests). */
enum nnf_elementary {
    NNF_FN_EXP = 0,
    NNF_FN_EXPM1 = 1,
    NNF_FN_LOG = 2,
    NNF_FN_LOG1P = 3,
    NNF_FN_TANH = 4,
    NNF_FN_ERF = 5,
    NNF_FN_LOGISTIC = 6,
    NNF_FN_SOFTPLUS = 7
};

/* Losses, each fused with its output activation:
 * SQUARED, ABSOLUTE, HUBER (identity; means over outputs, HUBER's threshold is
 * the loss parameter), POISSON (exp), LOG (softmax cross-entropy),
 * BINARY_LOG (logistic cross-entropy, binary and multilabel). */
enum nnf_loss {
    NNF_LOSS_SQUARED = 0,
    NNF_LOSS_POISSON = 1,
    NNF_LOSS_LOG = 2,
    NNF_LOSS_BINARY_LOG = 3,
    NNF_LOSS_ABSOLUTE = 4,
    NNF_LOSS_HUBER = 5
};

enum nnf_solver { NNF_SGD = 0, NNF_ADAM = 1 };

/* ---- BLAS: SciPy's Fortran ?gemm and ?gemv, handed over once at import ------- */

/* The BLAS integer; csrc/check_blas_int.py fails the build unless SciPy's
 * cython_blas takes exactly this type. */
typedef int nnf_blas_int;
typedef void (*nnf_sgemm_fn)(char *transa, char *transb, nnf_blas_int *m, nnf_blas_int *n,
                             nnf_blas_int *k, float *alpha, float *a, nnf_blas_int *lda,
                             float *b, nnf_blas_int *ldb, float *beta, float *c,
                             nnf_blas_int *ldc);
typedef void (*nnf_dgemm_fn)(char *transa, char *transb, nnf_blas_int *m, nnf_blas_int *n,
                             nnf_blas_int *k, double *alpha, double *a, nnf_blas_int *lda,
                             double *b, nnf_blas_int *ldb, double *beta, double *c,
                             nnf_blas_int *ldc);
typedef void (*nnf_sgemv_fn)(char *trans, nnf_blas_int *m, nnf_blas_int *n, float *alpha,
                             float *a, nnf_blas_int *lda, float *x, nnf_blas_int *incx,
                             float *beta, float *y, nnf_blas_int *incy);
typedef void (*nnf_dgemv_fn)(char *trans, nnf_blas_int *m, nnf_blas_int *n, double *alpha,
                             double *a, nnf_blas_int *lda, double *x, nnf_blas_int *incx,
                             double *beta, double *y, nnf_blas_int *incy);
void nnf_set_blas(nnf_sgemm_fn sgemm, nnf_dgemm_fn dgemm, nnf_sgemv_fn sgemv,
                  nnf_dgemv_fn dgemv);
extern nnf_sgemm_fn nnf_blas_sgemm;
extern nnf_dgemm_fn nnf_blas_dgemm;
extern nnf_sgemv_fn nnf_blas_sgemv;
extern nnf_dgemv_fn nnf_blas_dgemv;

/* ---- Random numbers: xoshiro256** seeded by splitmix64 ---------------------- */

void nnf_rng_seed(uint64_t state[4], uint64_t seed);
uint64_t nnf_rng_next(uint64_t state[4]);
/* uniform integer in [0, n), n > 0 */
size_t nnf_rng_below(uint64_t state[4], size_t n);
/* Fisher-Yates shuffle of idx (N) */
void nnf_shuffle(size_t *idx, uint64_t state[4], size_t n);

/* ---- Network description (independent of the float type) -------------------- */

typedef struct {
    size_t n_layers;          /* weight layers L (hidden layers + 1) */
    const size_t *units;      /* (L+1): units[0] = F, units[L] = O */
    const int *activation;    /* (L): activation[l] follows weight layer l; the last
                                 one is the output activation */
    const double *activation_param; /* (L): leaky_relu's slope, elu's alpha; else unused */
    const double *dropout;    /* (L) or NULL: rate of inverted dropout on layer l's
                                 output while training; the output layer's must be 0 */
    int loss;                 /* enum nnf_loss, fused with activation[L-1] */
    double loss_param;        /* huber's threshold; else unused */
} nnf_arch;

/* The parameter block holds all weights, then all biases (scikit-learn's packing):
 * W_0 (C_0,OC_0), ..., W_{L-1}, b_0 (OC_0), ..., b_{L-1}. */
size_t nnf_n_weights(const nnf_arch *arch);
size_t nnf_n_params(const nnf_arch *arch);

typedef struct {
    int solver;               /* enum nnf_solver */
    double learning_rate;
    double momentum;          /* sgd */
    int nesterov;             /* sgd */
    double beta_1, beta_2, epsilon;  /* adam */
    double alpha;             /* L2 strength, on weights only */
    double l1;                /* L1 strength, on weights only (proximal step) */
    double clip_norm;         /* rescale the gradient to this global norm; <= 0: off */
    double clip_value;        /* clamp each gradient entry to +-this; <= 0: off */
    int64_t t;                /* adam step count, advanced by each step */
} nnf_optimizer;

/* Penalties are scaled like scikit-learn's alpha: divided by the batch's sum of
 * sample weights. */

typedef struct {
    double loss_sum;          /* sum over minibatches of batch loss * batch rows */
    size_t n_seen;            /* rows trained on */
    size_t n_batches;         /* minibatch updates made */
    double *grad_norms;       /* (2L) or NULL, caller-owned: the mean over minibatches
                                 of each layer's weight-gradient norm (first L) and
                                 bias-gradient norm (next L), before clipping */
} nnf_epoch_stats;

/* Threads sharing a minibatch in nnf_train_epoch: at most NNF_MAX_THREADS, and
 * each with at least NNF_MIN_ROWS_PER_THREAD rows (fewer and the split costs
 * more than it saves). */
#define NNF_MAX_THREADS 64
#define NNF_MIN_ROWS_PER_THREAD 16

/* Called between minibatches; nonzero stops training (Ctrl-C). */
typedef int (*nnf_check_fn)(void *ctx);

#define NNF_REAL float
#define NNF_SFX(name) name##_f32
#include "nnfast_typed.h"
#undef NNF_REAL
#undef NNF_SFX

#define NNF_REAL double
#define NNF_SFX(name) name##_f64
#include "nnfast_typed.h"
#undef NNF_REAL
#undef NNF_SFX

#endif /* NNFAST_H */
