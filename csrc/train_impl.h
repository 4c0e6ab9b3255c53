/* The epoch loop: shuffle, then per minibatch gather -> forward (dropout) ->
 * zero grad -> backward -> gradient norms and clipping -> optimizer step. Python
 * is not entered here (the check callback aside). Template: see core_impl.h. */

/* dst (B,cols) = src rows rows[0..B) of a (N,cols) array */
static void SFX(gather_rows)(REAL *dst, const REAL *src, const size_t *rows, size_t B,
                             size_t cols)
{
    for (size_t i = 0; i < B; i++)
        memcpy(dst + i * cols, src + rows[i] * cols, cols * sizeof(REAL));
}

/* ws->perm = 0, 1, ..., N-1: every epoch shuffles from the same start, so the
 * order depends on the generator's state alone. */
static int SFX(reset_perm)(SFX(nnf_workspace) *ws, size_t N)
{
    if (ws->n_perm != N) {
        size_t *perm = realloc(ws->perm, (N ? N : 1) * sizeof(size_t));
        if (perm == NULL) return NNF_ENOMEM;
        ws->perm = perm;
        ws->n_perm = N;
    }
    for (size_t i = 0; i < N; i++) ws->perm[i] = i;
    return NNF_OK;
}

/* The global norm of ws->grad; adds each layer's weight and bias gradient norms
 * to norms (2L) when it is non-NULL. */
static double SFX(grad_norm)(SFX(nnf_workspace) *ws, double *norms)
{
    size_t L = ws->n_layers;
    double total = 0;
    for (size_t l = 0; l < L; l++) {
        size_t U = ws->units[l + 1];
        double w = SFX(sum_sq)(ws->grad + ws->w_off[l], ws->units[l] * U);
        double b = SFX(sum_sq)(ws->grad + ws->b_off[l], U);
        total += w + b;
        if (norms) {
            norms[l] += sqrt(w);
            norms[L + l] += sqrt(b);
        }
    }
    return sqrt(total);
}

int SFX(nnf_train_epoch)(REAL *params, REAL *opt_state, nnf_optimizer *opt,
                         uint64_t rng[4], nnf_epoch_stats *stats,
                         SFX(nnf_workspace) *ws, const SFX(nnf_data) *data,
                         size_t batch_size, int shuffle, nnf_check_fn check,
                         void *check_ctx)
{
    /* data is (N,F) with Y (N,O); params and grad are (P); opt_state is (P) or (2P) */
    size_t N = data->n_samples, F = data->n_features, L = ws->n_layers;
    size_t O = ws->units[L], P = ws->n_params;
    int sparse = SFX(is_sparse)(data);
    if (batch_size == 0 || batch_size > ws->capacity) return NNF_EINVAL;
    stats->loss_sum = 0;
    stats->n_seen = 0;
    stats->n_batches = 0;
    if (stats->grad_norms) memset(stats->grad_norms, 0, 2 * L * sizeof(double));
    int status = SFX(reset_perm)(ws, N);
    if (status != NNF_OK) return status;
    if (shuffle) {
        nnf_shuffle(ws->perm, rng, N);
        if (!sparse && ws->xb == NULL) {
            ws->xb = malloc((ws->capacity * F + 1) * sizeof(REAL));
            if (ws->xb == NULL) return NNF_ENOMEM;
        }
    }

    for (size_t start = 0; start < N && status == NNF_OK; start += batch_size) {
        size_t B = N - start < batch_size ? N - start : batch_size;
        /* next batch */
        const size_t *rows = shuffle ? ws->perm + start : SFX(consecutive_rows)(ws, start, B);
        const REAL *x = NULL, *y, *sw = NULL;
        if (shuffle) {
            if (!sparse) {
                SFX(gather_rows)(ws->xb, data->X, rows, B, F);
                x = ws->xb;
            }
            SFX(gather_rows)(ws->yb, data->Y, rows, B, O);
            y = ws->yb;
            if (data->sample_weight) {
                for (size_t i = 0; i < B; i++) ws->swb[i] = data->sample_weight[rows[i]];
                sw = ws->swb;
            }
        } else {
            x = sparse ? NULL : data->X + start * F;
            y = data->Y + start * O;
            sw = data->sample_weight ? data->sample_weight + start : NULL;
        }
        double sw_sum = (double)B;
        if (sw) {
            sw_sum = 0;
            for (size_t i = 0; i < B; i++) sw_sum += sw[i];
        }
        if (sw_sum > 0) {
            double norm = SFX(loss_norm)(ws, sw_sum), loss_sum, penalty[2];
            /* forward */
            status = SFX(forward_batch)(ws, params, x, data, rows, B, rng);
            if (status == NNF_OK)
                status = SFX(nnf_output_loss)(ws->delta[0], ws->a[L], &loss_sum, ws->z[L], y,
                                              sw, ws->loss, ws->loss_param, 1.0 / norm, B, O);
            /* zero grad -> backward */
            memset(ws->grad, 0, P * sizeof(REAL));
            if (status == NNF_OK) status = SFX(backward_batch)(ws, params, data, rows, B);
            if (status != NNF_OK) return status;
            double gnorm = SFX(grad_norm)(ws, stats->grad_norms);
            if (!isfinite(gnorm) || !isfinite(loss_sum)) {
                status = NNF_ENONFINITE;
                break;
            }
            SFX(apply_clip)(ws->grad, gnorm, opt->clip_norm, opt->clip_value, P);
            /* update */
            double l2 = opt->alpha / sw_sum, l1 = opt->l1 / sw_sum;
            if (opt->solver == NNF_ADAM) {
                opt->t += 1;
                SFX(nnf_adam_step)(params, opt_state, opt_state + P, penalty, ws->grad,
                                   opt->learning_rate, opt->beta_1, opt->beta_2,
                                   opt->epsilon, opt->t, l2, l1, P, ws->n_weights);
            } else {
                SFX(nnf_sgd_step)(params, opt_state, penalty, ws->grad, opt->learning_rate,
                                  opt->momentum, opt->nesterov, l2, l1, P, ws->n_weights);
            }
            double batch_loss = loss_sum / norm +
                                (0.5 * opt->alpha * penalty[0] + opt->l1 * penalty[1]) / sw_sum;
            stats->loss_sum += batch_loss * (double)B;
            stats->n_batches += 1;
        }
        stats->n_seen += B;
        if (check != NULL && start + B < N && check(check_ctx)) status = NNF_EINTERRUPTED;
    }
    if (stats->grad_norms && stats->n_batches > 0)
        for (size_t i = 0; i < 2 * L; i++) stats->grad_norms[i] /= (double)stats->n_batches;
    return status;
}
