/* The epoch loop: shuffle, then per minibatch gather -> forward -> zero grad ->
 * backward -> optimizer step. Python is not entered here (the check callback
 * aside). Template: see core_impl.h. */

/* dst (B,cols) = src rows rows[0..B) of a (N,cols) array */
static void SFX(gather_rows)(REAL *dst, const REAL *src, const size_t *rows, size_t B,
                             size_t cols)
{
    for (size_t i = 0; i < B; i++)
        memcpy(dst + i * cols, src + rows[i] * cols, cols * sizeof(REAL));
}

static int SFX(ensure_perm)(SFX(nnf_workspace) *ws, size_t N)
{
    if (ws->n_perm == N) return NNF_OK;
    size_t *perm = realloc(ws->perm, (N ? N : 1) * sizeof(size_t));
    if (perm == NULL) return NNF_ENOMEM;
    for (size_t i = 0; i < N; i++) perm[i] = i;
    ws->perm = perm;
    ws->n_perm = N;
    return NNF_OK;
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
    int status = SFX(ensure_perm)(ws, N);
    if (status != NNF_OK) return status;
    if (shuffle) {
        nnf_shuffle(ws->perm, rng, N);
        if (!sparse && ws->xb == NULL) {
            ws->xb = malloc((ws->capacity * F + 1) * sizeof(REAL));
            if (ws->xb == NULL) return NNF_ENOMEM;
        }
    }

    for (size_t start = 0; start < N; start += batch_size) {
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
            double norm = SFX(loss_norm)(ws, sw_sum), loss_sum, sumsq;
            /* forward */
            status = SFX(forward_batch)(ws, params, x, data, rows, B);
            if (status == NNF_OK)
                status = SFX(nnf_output_loss)(ws->delta[0], ws->a[L], &loss_sum, ws->z[L],
                                              y, sw, ws->loss, 1.0 / norm, B, O);
            /* zero grad -> backward */
            memset(ws->grad, 0, P * sizeof(REAL));
            if (status == NNF_OK) status = SFX(backward_batch)(ws, params, data, rows, B);
            if (status != NNF_OK) return status;
            /* update */
            double l2 = opt->alpha / sw_sum;
            if (opt->solver == NNF_ADAM) {
                opt->t += 1;
                SFX(nnf_adam_step)(params, opt_state, opt_state + P, &sumsq, ws->grad,
                                   opt->learning_rate, opt->beta_1, opt->beta_2,
                                   opt->epsilon, opt->t, l2, P, ws->n_weights);
            } else {
                SFX(nnf_sgd_step)(params, opt_state, &sumsq, ws->grad, opt->learning_rate,
                                  opt->momentum, opt->nesterov, l2, P, ws->n_weights);
            }
            double batch_loss = loss_sum / norm + 0.5 * opt->alpha * sumsq / sw_sum;
            stats->loss_sum += batch_loss * (double)B;
        }
        stats->n_seen += B;
        stats->n_batches += 1;
        if (check != NULL && start + B < N && check(check_ctx)) return NNF_EINTERRUPTED;
    }
    return NNF_OK;
}
