# Declarations of the C core (csrc/nnfast.h) for the Cython bridge.
from libc.stdint cimport int64_t, uint64_t

cdef extern from "event.h" nogil:
    void nnf_claim_threads(long n)
    long nnf_claimed_threads()
    long nnf_usable_cpus()

cdef extern from "nnfast.h" nogil:
    enum nnf_status:
        NNF_OK, NNF_ENOMEM, NNF_EINVAL, NNF_EINTERRUPTED, NNF_ENOBLAS, NNF_ENONFINITE,
        NNF_EINPUT

    const int NNF_MAX_THREADS
    const int NNF_MIN_ROWS_PER_THREAD

    ctypedef int nnf_blas_int
    ctypedef void (*nnf_sgemm_fn)(char *transa, char *transb, nnf_blas_int *m,
                                  nnf_blas_int *n, nnf_blas_int *k, float *alpha, float *a,
                                  nnf_blas_int *lda, float *b, nnf_blas_int *ldb,
                                  float *beta, float *c, nnf_blas_int *ldc) noexcept nogil
    ctypedef void (*nnf_dgemm_fn)(char *transa, char *transb, nnf_blas_int *m,
                                  nnf_blas_int *n, nnf_blas_int *k, double *alpha,
                                  double *a, nnf_blas_int *lda, double *b,
                                  nnf_blas_int *ldb, double *beta, double *c,
                                  nnf_blas_int *ldc) noexcept nogil
    ctypedef void (*nnf_sgemv_fn)(char *trans, nnf_blas_int *m, nnf_blas_int *n,
                                  float *alpha, float *a, nnf_blas_int *lda, float *x,
                                  nnf_blas_int *incx, float *beta, float *y,
                                  nnf_blas_int *incy) noexcept nogil
    ctypedef void (*nnf_dgemv_fn)(char *trans, nnf_blas_int *m, nnf_blas_int *n,
                                  double *alpha, double *a, nnf_blas_int *lda, double *x,
                                  nnf_blas_int *incx, double *beta, double *y,
                                  nnf_blas_int *incy) noexcept nogil
    void nnf_set_blas(nnf_sgemm_fn sgemm, nnf_dgemm_fn dgemm, nnf_sgemv_fn sgemv,
                      nnf_dgemv_fn dgemv)

    void nnf_rng_seed(uint64_t *state, uint64_t seed)
    void nnf_shuffle(size_t *idx, uint64_t *state, size_t n)

    ctypedef struct nnf_arch:
        size_t n_layers
        const size_t *units
        const int *activation
        const double *activation_param
        const double *dropout
        int loss
        double loss_param

    size_t nnf_n_weights(const nnf_arch *arch)
    size_t nnf_n_params(const nnf_arch *arch)

    ctypedef struct nnf_optimizer:
        int solver
        double learning_rate
        double momentum
        int nesterov
        double beta_1, beta_2, epsilon
        double alpha
        double l1
        double clip_norm
        double clip_value
        int64_t t

    ctypedef struct nnf_epoch_stats:
        double loss_sum
        size_t n_seen
        size_t n_batches
        double *grad_norms

    ctypedef int (*nnf_check_fn)(void *ctx) noexcept nogil

    ctypedef struct nnf_data_f32:
        size_t n_samples, n_features
        const float *X
        const float *X_data
        const int64_t *X_indices
        const int64_t *X_indptr
        const float *Y
        const float *sample_weight

    ctypedef struct nnf_data_f64:
        size_t n_samples, n_features
        const double *X
        const double *X_data
        const int64_t *X_indices
        const int64_t *X_indptr
        const double *Y
        const double *sample_weight

    ctypedef struct nnf_workspace_f32
    ctypedef struct nnf_workspace_f64

    int nnf_gemm_f32(float *c, const float *a, const float *b, int trans_a, int trans_b,
                     float alpha, float beta, size_t M, size_t N, size_t K)
    int nnf_gemm_f64(double *c, const double *a, const double *b, int trans_a,
                     int trans_b, double alpha, double beta, size_t M, size_t N, size_t K)
    int nnf_gemm_ref_f32(float *c, const float *a, const float *b, int trans_a,
                         int trans_b, float alpha, float beta, size_t M, size_t N, size_t K)
    int nnf_gemm_ref_f64(double *c, const double *a, const double *b, int trans_a,
                         int trans_b, double alpha, double beta, size_t M, size_t N,
                         size_t K)

    int nnf_elementary_f32(float *y, const float *x, int fn, size_t n)
    int nnf_elementary_f64(double *y, const double *x, int fn, size_t n)
    int nnf_activation_forward_f32(float *a, float *z, const float *bias, int act,
                                   double param, size_t B, size_t OC)
    int nnf_activation_forward_f64(double *a, double *z, const double *bias, int act,
                                   double param, size_t B, size_t OC)
    int nnf_activation_backward_f32(float *delta, const float *z, const float *a, int act,
                                    double param, size_t n)
    int nnf_activation_backward_f64(double *delta, const double *z, const double *a,
                                    int act, double param, size_t n)
    int nnf_output_loss_f32(float *delta, float *p, double *loss_sum, const float *z,
                            const float *y, const float *sw, int loss, double loss_param,
                            double delta_scale, size_t B, size_t O)
    int nnf_output_loss_f64(double *delta, double *p, double *loss_sum, const double *z,
                            const double *y, const double *sw, int loss,
                            double loss_param, double delta_scale, size_t B, size_t O)
    int nnf_dense_forward_f32(float *z, float *a, const float *inp, const float *w,
                              const float *b, int act, double act_param, size_t B,
                              size_t C, size_t OC)
    int nnf_dense_forward_f64(double *z, double *a, const double *inp, const double *w,
                              const double *b, int act, double act_param, size_t B,
                              size_t C, size_t OC)
    int nnf_dense_backward_f32(float *dinp, float *dw, float *db, const float *dout,
                               const float *inp, const float *w, size_t B, size_t C,
                               size_t OC)
    int nnf_dense_backward_f64(double *dinp, double *dw, double *db, const double *dout,
                               const double *inp, const double *w, size_t B, size_t C,
                               size_t OC)
    int nnf_sparse_dense_forward_f32(float *z, float *a, const nnf_data_f32 *data,
                                     const size_t *rows, const float *w, const float *b,
                                     int act, double act_param, size_t B, size_t OC)
    int nnf_sparse_dense_forward_f64(double *z, double *a, const nnf_data_f64 *data,
                                     const size_t *rows, const double *w, const double *b,
                                     int act, double act_param, size_t B, size_t OC)
    int nnf_sparse_dense_backward_f32(float *dw, float *db, const float *dout,
                                      const nnf_data_f32 *data, const size_t *rows,
                                      size_t B, size_t OC)
    int nnf_sparse_dense_backward_f64(double *dw, double *db, const double *dout,
                                      const nnf_data_f64 *data, const size_t *rows,
                                      size_t B, size_t OC)
    int nnf_sgd_step_f32(float *params, float *velocity, double *penalty, const float *grad,
                         double lr, double momentum, int nesterov, double l2, double l1,
                         size_t P, size_t n_decay)
    int nnf_sgd_step_f64(double *params, double *velocity, double *penalty,
                         const double *grad, double lr, double momentum, int nesterov,
                         double l2, double l1, size_t P, size_t n_decay)
    int nnf_adam_step_f32(float *params, float *m, float *v, double *penalty,
                          const float *grad, double lr, double beta_1, double beta_2,
                          double epsilon, int64_t t, double l2, double l1, size_t P,
                          size_t n_decay)
    int nnf_adam_step_f64(double *params, double *m, double *v, double *penalty,
                          const double *grad, double lr, double beta_1, double beta_2,
                          double epsilon, int64_t t, double l2, double l1, size_t P,
                          size_t n_decay)
    int nnf_clip_grad_f32(float *grad, double *norm, double max_norm, double max_value,
                          size_t P)
    int nnf_clip_grad_f64(double *grad, double *norm, double max_norm, double max_value,
                          size_t P)
    int nnf_perceptron_epoch_f32(float *w, float *b, size_t *n_errors, const float *X,
                                 const float *Y, const size_t *order, double lr, size_t N,
                                 size_t F, size_t K)
    int nnf_perceptron_epoch_f64(double *w, double *b, size_t *n_errors, const double *X,
                                 const double *Y, const size_t *order, double lr, size_t N,
                                 size_t F, size_t K)

    nnf_workspace_f32 *nnf_workspace_new_f32(const nnf_arch *arch, size_t capacity)
    nnf_workspace_f64 *nnf_workspace_new_f64(const nnf_arch *arch, size_t capacity)
    void nnf_workspace_free_f32(nnf_workspace_f32 *ws)
    void nnf_workspace_free_f64(nnf_workspace_f64 *ws)
    int nnf_predict_f32(float *out, nnf_workspace_f32 *ws, const float *params,
                        const nnf_data_f32 *data, size_t n_threads)
    int nnf_predict_f64(double *out, nnf_workspace_f64 *ws, const double *params,
                        const nnf_data_f64 *data, size_t n_threads)
    int nnf_forward_all_f32(float **out, nnf_workspace_f32 *ws, const float *params,
                            const nnf_data_f32 *data)
    int nnf_forward_all_f64(double **out, nnf_workspace_f64 *ws, const double *params,
                            const nnf_data_f64 *data)
    int nnf_loss_grad_f32(float *grad, double *loss, float *out, nnf_workspace_f32 *ws,
                          const float *params, const nnf_data_f32 *data, double alpha,
                          double l1, nnf_check_fn check, void *check_ctx)
    int nnf_loss_grad_f64(double *grad, double *loss, double *out, nnf_workspace_f64 *ws,
                          const double *params, const nnf_data_f64 *data, double alpha,
                          double l1, nnf_check_fn check, void *check_ctx)
    int nnf_train_epoch_f32(float *params, float *opt_state, nnf_optimizer *opt,
                            uint64_t *rng, nnf_epoch_stats *stats, nnf_workspace_f32 *ws,
                            const nnf_data_f32 *data, size_t batch_size, int shuffle,
                            size_t n_threads, nnf_check_fn check, void *check_ctx)
    int nnf_train_epoch_f64(double *params, double *opt_state, nnf_optimizer *opt,
                            uint64_t *rng, nnf_epoch_stats *stats, nnf_workspace_f64 *ws,
                            const nnf_data_f64 *data, size_t batch_size, int shuffle,
                            size_t n_threads, nnf_check_fn check, void *check_ctx)
