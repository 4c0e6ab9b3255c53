/*
 * Typed part of the nnfast C API, included twice by nnfast.h: NNF_REAL is float
 * (suffix _f32) or double (suffix _f64). No include guard on purpose.
 */

/* A data set: dense X or CSR X, targets, optional sample weights. */
typedef struct {
    size_t n_samples;             /* N */
    size_t n_features;            /* F */
    const NNF_REAL *X;            /* (N,F) row-major, or NULL when X is CSR */
    const NNF_REAL *X_data;       /* CSR values (nnz) */
    const int64_t *X_indices;     /* CSR column of each value (nnz) */
    const int64_t *X_indptr;      /* CSR row starts (N+1) */
    const NNF_REAL *Y;            /* (N,O) targets; NULL when only predicting */
    const NNF_REAL *sample_weight;/* (N), or NULL for all ones */
} NNF_SFX(nnf_data);

/* ---- kernels ---- */

/* c (M,N) = alpha * op(a) @ op(b) + beta * c, all row-major and contiguous;
 * op(a) is (M,K), op(b) is (K,N). The BLAS version and its naive reference. */
int NNF_SFX(nnf_gemm)(NNF_REAL *c, const NNF_REAL *a, const NNF_REAL *b,
                      int trans_a, int trans_b, NNF_REAL alpha, NNF_REAL beta,
                      size_t M, size_t N, size_t K);
int NNF_SFX(nnf_gemm_ref)(NNF_REAL *c, const NNF_REAL *a, const NNF_REAL *b,
                          int trans_a, int trans_b, NNF_REAL alpha, NNF_REAL beta,
                          size_t M, size_t N, size_t K);

/* z (B,OC) += bias (OC, or NULL); a (B,OC) = act(z). a may alias z.
 * param is leaky_relu's negative slope or elu's alpha, unused otherwise. */
int NNF_SFX(nnf_activation_forward)(NNF_REAL *a, NNF_REAL *z, const NNF_REAL *bias,
                                    int act, double param, size_t B, size_t OC);
/* delta (B*OC) *= act'(z) where a = act(z); z and a are (B*OC). */
int NNF_SFX(nnf_activation_backward)(NNF_REAL *delta, const NNF_REAL *z,
                                     const NNF_REAL *a, int act, double param, size_t n);
/* y (n) = fn(x) (n), fn an enum nnf_elementary, as the activations compute it. */
int NNF_SFX(nnf_elementary)(NNF_REAL *y, const NNF_REAL *x, int fn, size_t n);
/* Output layer with its loss. p (B,O) = out_act(z); loss_sum = sum_i w_i loss_i;
 * delta (B,O) = dloss_i/dz * w_i * delta_scale, unless delta is NULL. w_i = sw[i],
 * or 1 when sw is NULL. loss_param is Huber's threshold. p may alias z. */
int NNF_SFX(nnf_output_loss)(NNF_REAL *delta, NNF_REAL *p, double *loss_sum,
                             const NNF_REAL *z, const NNF_REAL *y, const NNF_REAL *sw,
                             int loss, double loss_param, double delta_scale, size_t B,
                             size_t O);

/* Dense layer. Forward: z (B,OC) = inp (B,C) @ w (C,OC) + b; a = act(z).
 * Backward: dw (C,OC) += inp^T @ dout; db (OC) += column sums of dout (B,OC);
 * dinp (B,C) = dout @ w^T (overwritten; skipped when dinp is NULL). */
int NNF_SFX(nnf_dense_forward)(NNF_REAL *z, NNF_REAL *a, const NNF_REAL *inp,
                               const NNF_REAL *w, const NNF_REAL *b, int act,
                               double act_param, size_t B, size_t C, size_t OC);
int NNF_SFX(nnf_dense_backward)(NNF_REAL *dinp, NNF_REAL *dw, NNF_REAL *db,
                                const NNF_REAL *dout, const NNF_REAL *inp,
                                const NNF_REAL *w, size_t B, size_t C, size_t OC);
/* The first layer on CSR input: the rows rows[0..B) of data's CSR X.
 * Forward: z (B,OC) = X[rows] @ w (F,OC) + b, then act. Backward: dw += X[rows]^T @ dout. */
int NNF_SFX(nnf_sparse_dense_forward)(NNF_REAL *z, NNF_REAL *a,
                                      const NNF_SFX(nnf_data) *data, const size_t *rows,
                                      const NNF_REAL *w, const NNF_REAL *b, int act,
                                      double act_param, size_t B, size_t OC);
int NNF_SFX(nnf_sparse_dense_backward)(NNF_REAL *dw, NNF_REAL *db, const NNF_REAL *dout,
                                       const NNF_SFX(nnf_data) *data, const size_t *rows,
                                       size_t B, size_t OC);

/* Optimizer steps over the flat parameter block params (P); the first n_decay
 * entries (the weights) get the L2 term l2 * param added to their gradient and,
 * when l1 > 0, a proximal L1 step after the update (soft thresholding by the
 * entry's step size times l1, which sets small weights exactly to zero).
 * penalty[0], penalty[1] receive the sum of squares and the sum of absolute
 * values of those n_decay entries before the step. */
int NNF_SFX(nnf_sgd_step)(NNF_REAL *params, NNF_REAL *velocity, double penalty[2],
                          const NNF_REAL *grad, double lr, double momentum, int nesterov,
                          double l2, double l1, size_t P, size_t n_decay);
/* t is the step number after this step (1 for the first). */
int NNF_SFX(nnf_adam_step)(NNF_REAL *params, NNF_REAL *m, NNF_REAL *v, double penalty[2],
                           const NNF_REAL *grad, double lr, double beta_1, double beta_2,
                           double epsilon, int64_t t, double l2, double l1, size_t P,
                           size_t n_decay);
/* Gradient clipping of grad (P): rescale to global norm max_norm when its norm
 * exceeds it (max_norm > 0), then clamp entries to [-max_value, max_value]
 * (max_value > 0). norm receives the norm before clipping. */
int NNF_SFX(nnf_clip_grad)(NNF_REAL *grad, double *norm, double max_norm, double max_value,
                           size_t P);

/* The perceptron rule for K independent step neurons (one-vs-rest), one epoch
 * over the rows in `order`: for row x with targets y (K) in {0,1}, each neuron k
 * predicts step(w_k . x + b_k) and, when wrong, moves w_k += lr (y_k - pred) x,
 * b_k += lr (y_k - pred). w is (K,F), b (K), X (N,F), Y (N,K), order (N).
 * n_errors receives the number of wrong (row, neuron) predictions. */
int NNF_SFX(nnf_perceptron_epoch)(NNF_REAL *w, NNF_REAL *b, size_t *n_errors,
                                  const NNF_REAL *X, const NNF_REAL *Y, const size_t *order,
                                  double lr, size_t N, size_t F, size_t K);

/* ---- the network ---- */

/* Buffers for forward and backward passes over up to `capacity` rows, allocated once
 * and reused for every batch. NULL when out of memory. */
typedef struct NNF_SFX(nnf_workspace) NNF_SFX(nnf_workspace);
NNF_SFX(nnf_workspace) *NNF_SFX(nnf_workspace_new)(const nnf_arch *arch, size_t capacity);
void NNF_SFX(nnf_workspace_free)(NNF_SFX(nnf_workspace) *ws);

/* out (N,O) = the network's output activations on data's X, in chunks of the
 * workspace's capacity rows shared by up to n_threads threads (the caller should
 * keep BLAS to one thread meanwhile). NNF_EINPUT if a value of X is NaN or
 * infinite (out is then partly written). */
int NNF_SFX(nnf_predict)(NNF_REAL *out, NNF_SFX(nnf_workspace) *ws, const NNF_REAL *params,
                         const NNF_SFX(nnf_data) *data, size_t n_threads);

/* Every layer's pre-activation z_l and activation a_l (l = 1..L, a_L the output
 * activation) for data's rows, no dropout. out[2l-2] is z_l (N,units[l]) and
 * out[2l-1] is a_l (N,units[l]). */
int NNF_SFX(nnf_forward_all)(NNF_REAL **out, NNF_SFX(nnf_workspace) *ws,
                             const NNF_REAL *params, const NNF_SFX(nnf_data) *data);

/* Full-batch objective and its gradient (for L-BFGS), in chunks of the workspace's
 * capacity, without dropout: loss = weighted mean loss + (alpha/2 |W|^2 +
 * l1 |W|_1) / sum(w); grad (P) its exact gradient (a subgradient for L1, also
 * exact for several outputs). grad may be NULL to compute the loss only. out
 * (N,O), when non-NULL, gets the output activations (as nnf_predict's): a
 * validation set's loss and predictions from one forward pass. check, when
 * non-NULL, is called between chunks: nonzero stops the pass with
 * NNF_EINTERRUPTED (as nnf_train_epoch's). */
int NNF_SFX(nnf_loss_grad)(NNF_REAL *grad, double *loss, NNF_REAL *out,
                           NNF_SFX(nnf_workspace) *ws, const NNF_REAL *params,
                           const NNF_SFX(nnf_data) *data, double alpha, double l1,
                           nnf_check_fn check, void *check_ctx);

/* One epoch of minibatch training: (shuffle) -> per batch: gather -> forward
 * (with dropout) -> backward -> clip -> optimizer step. params (P) and opt_state
 * (P for sgd's velocity, 2P for adam's m then v) are updated in place, rng and
 * opt->t advance. Each minibatch is cut in up to n_threads parts of at least 16
 * rows, done by up to n_threads threads as they come free; the result depends
 * on the number of parts only through the order of a sum (and the dropout
 * draws), and is the same on every run for the same n_threads, whichever thread
 * did which part. While the process's running epochs want more threads than
 * it may use CPUs (nnf_claimed_threads, event.h), the calling thread does every
 * part itself, in order: the same work and result, on one core. The helper
 * threads are started by the first epoch and kept by the workspace for later
 * ones (asleep in between) until nnf_workspace_free or an epoch with another
 * number of parts. check is called between
 * minibatches by the calling thread; when it returns nonzero the epoch stops
 * after the current update and NNF_EINTERRUPTED is returned. A non-finite loss
 * or gradient stops the epoch before its update with NNF_ENONFINITE, so params
 * stay finite. */
int NNF_SFX(nnf_train_epoch)(NNF_REAL *params, NNF_REAL *opt_state, nnf_optimizer *opt,
                             uint64_t rng[4], nnf_epoch_stats *stats,
                             NNF_SFX(nnf_workspace) *ws, const NNF_SFX(nnf_data) *data,
                             size_t batch_size, int shuffle, size_t n_threads,
                             nnf_check_fn check, void *check_ctx);
