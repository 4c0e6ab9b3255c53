/* The epoch loop: shuffle, then per minibatch gather -> forward (dropout) ->
 * backward -> gradient norms, non-finite guard and clipping -> optimizer step.
 *
 * With a team of T threads, each minibatch's rows are cut in T parts: every
 * thread gathers, forwards and backpropagates its part into its own gradient,
 * calling BLAS on matrices 1/T as tall; the calling thread then sums the
 * gradients and takes the step. On small networks this is where a second core
 * pays off: a BLAS call on a 64x64 matrix is too short to be split by BLAS's own
 * threads, while whole half-batches are not. Python is not entered here (the
 * check callback aside). Template: see core_impl.h. */


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


/* dst (n) += src (n) */
static NNF_HOT void SFX(add_into)(REAL *restrict dst, const REAL *restrict src, size_t n)
{
    for (size_t i = 0; i < n; i++) dst[i] += src[i];
}

/* What the threads of a team share for one epoch. */
typedef struct {
    const REAL *params;
    const SFX(nnf_data) *data;
    int shuffle;
    size_t n_threads;                        /* T */
    SFX(nnf_workspace) *ws[NNF_MAX_THREADS]; /* ws[0] is the caller's */
    uint64_t *rng[NNF_MAX_THREADS];          /* dropout generators; rng[0] the epoch's */
    uint64_t helper_rng[NNF_MAX_THREADS][4];
    nnf_barrier barrier;
    /* the current minibatch, set by the calling thread before the barrier */
    size_t start, B;
    const size_t *rows;                      /* (B) when shuffling, else NULL */
    double delta_scale;
    int quit;
    /* each thread's part of it */
    int status[NNF_MAX_THREADS];
    double loss_sum[NNF_MAX_THREADS];
    size_t part_rows[NNF_MAX_THREADS];
} SFX(team);

typedef struct {
    SFX(team) *team;
    size_t index;
} SFX(team_member);

/* Thread t's part of the current minibatch, rows [ceil(B t/T), ceil(B (t+1)/T)):
 * gather, forward with dropout, loss, backward into tm->ws[t]->grad (written,
 * not added to). Thread 0 has a row whenever the batch has one. */
static void SFX(batch_part)(SFX(team) *tm, size_t t)
{
    SFX(nnf_workspace) *ws = tm->ws[t];
    const SFX(nnf_data) *data = tm->data;
    size_t T = tm->n_threads, L = ws->n_layers;
    size_t lo = (tm->B * t + T - 1) / T, hi = (tm->B * (t + 1) + T - 1) / T, B = hi - lo;
    size_t F = data->n_features, O = ws->units[L];
    tm->part_rows[t] = B;
    tm->loss_sum[t] = 0;
    tm->status[t] = NNF_OK;
    if (B == 0) return;
    int sparse = SFX(is_sparse)(data);
    const REAL *x = NULL, *y, *sw = NULL;
    const size_t *rows;
    if (tm->shuffle) {
        rows = tm->rows + lo;
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
        size_t first = tm->start + lo;
        rows = SFX(consecutive_rows)(ws, first, B);
        x = sparse ? NULL : data->X + first * F;
        y = data->Y + first * O;
        sw = data->sample_weight ? data->sample_weight + first : NULL;
    }
    int status = SFX(forward_batch)(ws, tm->params, x, data, rows, B, tm->rng[t]);
    if (status == NNF_OK)
        status = SFX(nnf_output_loss)(ws->delta[0], ws->a[L], &tm->loss_sum[t], ws->z[L], y,
                                      sw, ws->loss, ws->loss_param, tm->delta_scale, B, O);
    if (status == NNF_OK) status = SFX(backward_batch)(ws, tm->params, data, rows, B, 0);
    tm->status[t] = status;
}

/* A helper thread: its part of every minibatch, until told to quit. */
static void *SFX(team_worker)(void *arg)
{
    SFX(team_member) *member = arg;
    SFX(team) *tm = member->team;
    for (;;) {
        nnf_barrier_wait(&tm->barrier);
        if (tm->quit) break;
        SFX(batch_part)(tm, member->index);
        nnf_barrier_wait(&tm->barrier);
    }
    return NULL;
}

/* Start the team's helper threads 1..T-1. If the system refuses some, the team is
 * smaller (tm->n_threads lowered); training goes on either way. */
static void SFX(team_start)(SFX(team) *tm, SFX(team_member) *members, pthread_t *threads)
{
    size_t T = tm->n_threads, started = 1;
    if (T < 2) return;
    if (nnf_barrier_init(&tm->barrier, (int)T) != 0) {
        tm->n_threads = 1;
        return;
    }
    for (; started < T; started++) {
        members[started].team = tm;
        members[started].index = started;
        if (pthread_create(&threads[started], NULL, SFX(team_worker), &members[started]))
            break;
    }
    if (started < T) {
        nnf_barrier_lower(&tm->barrier, (int)started);
        tm->n_threads = started;
    }
    if (started == 1) nnf_barrier_destroy(&tm->barrier);
}

static void SFX(team_stop)(SFX(team) *tm, pthread_t *threads)
{
    if (tm->n_threads < 2) return;
    tm->quit = 1;
    nnf_barrier_wait(&tm->barrier);
    for (size_t t = 1; t < tm->n_threads; t++) pthread_join(threads[t], NULL);
    nnf_barrier_destroy(&tm->barrier);
}

/* Everything an epoch needs before its first minibatch: helper workspaces,
 * gather buffers and dropout generators for T threads (tm->n_threads). */
static int SFX(team_prepare)(SFX(team) *tm, SFX(nnf_workspace) *ws, uint64_t rng[4],
                             size_t batch_size)
{
    size_t T = tm->n_threads;
    tm->ws[0] = ws;
    tm->rng[0] = rng;
    if (T > 1) {
        int status = SFX(ensure_helpers)(ws, T - 1, (batch_size + T - 1) / T);
        if (status != NNF_OK) return status;
        for (size_t t = 1; t < T; t++) {
            tm->ws[t] = ws->helpers[t - 1];
            /* seeded from the epoch's generator without advancing it, so that
             * the shuffles are the same for any number of threads */
            nnf_rng_seed(tm->helper_rng[t], rng[0] ^ (rng[1] << 1) ^ rng[2] ^ rng[3] ^ t);
            tm->rng[t] = tm->helper_rng[t];
        }
    }
    if (tm->shuffle && !SFX(is_sparse)(tm->data))
        for (size_t t = 0; t < T; t++)
            if (SFX(ensure_xb)(tm->ws[t], tm->data->n_features) != NNF_OK) return NNF_ENOMEM;
    return NNF_OK;
}

int SFX(nnf_train_epoch)(REAL *params, REAL *opt_state, nnf_optimizer *opt,
                         uint64_t rng[4], nnf_epoch_stats *stats,
                         SFX(nnf_workspace) *ws, const SFX(nnf_data) *data,
                         size_t batch_size, int shuffle, size_t n_threads,
                         nnf_check_fn check, void *check_ctx)
{
    /* data is (N,F) with Y (N,O); params and grad are (P); opt_state is (P) or (2P) */
    size_t N = data->n_samples, L = ws->n_layers, P = ws->n_params;
    if (batch_size == 0 || batch_size > ws->capacity) return NNF_EINVAL;
    stats->loss_sum = 0;
    stats->n_seen = 0;
    stats->n_batches = 0;
    if (stats->grad_norms) memset(stats->grad_norms, 0, 2 * L * sizeof(double));
    int status = SFX(reset_perm)(ws, N);
    if (status != NNF_OK) return status;
    if (shuffle) nnf_shuffle(ws->perm, rng, N);

    size_t T = batch_size / NNF_MIN_ROWS_PER_THREAD;
    if (T > n_threads) T = n_threads;
    if (T > NNF_MAX_THREADS) T = NNF_MAX_THREADS;
    if (T < 1) T = 1;
    SFX(team) *tm = calloc(1, sizeof(*tm));
    SFX(team_member) *members = calloc(T, sizeof(*members));
    pthread_t *threads = calloc(T, sizeof(*threads));
    if (tm == NULL || members == NULL || threads == NULL) {
        status = NNF_ENOMEM;
        goto done;
    }
    tm->params = params;
    tm->data = data;
    tm->shuffle = shuffle;
    tm->n_threads = T;
    status = SFX(team_prepare)(tm, ws, rng, batch_size);
    if (status != NNF_OK) goto done;
    SFX(team_start)(tm, members, threads);

    for (size_t start = 0; start < N && status == NNF_OK; start += batch_size) {
        size_t B = N - start < batch_size ? N - start : batch_size;
        const size_t *rows = shuffle ? ws->perm + start : NULL;
        double sw_sum = (double)B;
        if (data->sample_weight) {
            sw_sum = 0;
            for (size_t i = 0; i < B; i++)
                sw_sum += data->sample_weight[rows ? rows[i] : start + i];
        }
        if (sw_sum > 0) {
            double norm = SFX(loss_norm)(ws, sw_sum), loss_sum = 0, penalty[2];
            tm->start = start;
            tm->B = B;
            tm->rows = rows;
            tm->delta_scale = 1.0 / norm;
            /* every thread: gather -> forward -> loss -> backward of its part */
            if (tm->n_threads > 1) nnf_barrier_wait(&tm->barrier);
            SFX(batch_part)(tm, 0);
            if (tm->n_threads > 1) nnf_barrier_wait(&tm->barrier);
            for (size_t t = 0; t < tm->n_threads; t++) {
                if (status == NNF_OK) status = tm->status[t];
                loss_sum += tm->loss_sum[t];
                if (t > 0 && tm->part_rows[t] > 0)
                    SFX(add_into)(ws->grad, tm->ws[t]->grad, P);
            }
            if (status != NNF_OK) break;
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
    SFX(team_stop)(tm, threads);
    if (stats->grad_norms && stats->n_batches > 0)
        for (size_t i = 0; i < 2 * L; i++) stats->grad_norms[i] /= (double)stats->n_batches;
done:
    free(threads);
    free(members);
    free(tm);
    return status;
}
