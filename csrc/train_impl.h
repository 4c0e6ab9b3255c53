/* The epoch loop: shuffle, then per minibatch gather -> forward (dropout) ->
 * backward -> gradient norms, non-finite guard and clipping -> optimizer step.
 *
 * With a team of T threads, each minibatch's rows are cut in T parts: a thread
 * takes a part, gathers, forwards and backpropagates it into the part's own
 * gradient, calling BLAS on matrices 1/T as tall, and takes the next part while
 * any is left; the calling thread then sums the parts' gradients in order and
 * takes the step (on bigger networks, the threads share the sums and the step,
 * range by range of the parameters). On small networks this is where a second
 * core pays off: a BLAS call on a 64x64 matrix is too short to be split by
 * BLAS's own threads, while whole half-batches are not. The parts (and the
 * ranges), not the threads, fix the result: it is the same whichever thread
 * computes which part, and when the machine is busy and a helper is not
 * running, the calling thread does its parts instead of waiting for it. Python
 * is not entered here (the check callback aside). Template: see core_impl.h. */


/* dst (B,cols) = src rows rows[0..B) of a (N,cols) array. Short rows (a few
 * features, one target) are copied by a loop: a memcpy call per row cost more
 * than the copy (3 us of a 78 us tabular_small minibatch). */
static void SFX(gather_rows)(REAL *restrict dst, const REAL *restrict src,
                             const size_t *rows, size_t B, size_t cols)
{
    if (cols == 1) {
        for (size_t i = 0; i < B; i++) dst[i] = src[rows[i]];
    } else if (cols < 64) {
        for (size_t i = 0; i < B; i++) {
            const REAL *s = src + rows[i] * cols;
            for (size_t j = 0; j < cols; j++) dst[i * cols + j] = s[j];
        }
    } else {
        for (size_t i = 0; i < B; i++)
            memcpy(dst + i * cols, src + rows[i] * cols, cols * sizeof(REAL));
    }
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

/* dst (n) += src (n); returns the sum of squares of the new dst */
static NNF_HOT double SFX(add_sum_sq)(REAL *restrict dst, const REAL *restrict src, size_t n)
{
    double ss = 0;
#pragma omp simd reduction(+ : ss)
    for (size_t i = 0; i < n; i++) {
        REAL g = dst[i] + src[i];
        dst[i] = g;
        ss += (double)g * (double)g;
    }
    return ss;
}

/* The squares of x (n) summed, after adding add (n) into x when it is non-NULL */
static double SFX(added_sum_sq)(REAL *x, const REAL *add, size_t n)
{
    return add ? SFX(add_sum_sq)(x, add, n) : SFX(sum_sq)(x, n);
}

/* The sum of squares of ws->grad[begin, end) within [lo, hi), after adding add
 * there into it when add is non-NULL; 0 when the two do not meet. */
static double SFX(block_sum_sq)(SFX(nnf_workspace) *ws, const REAL *add, size_t begin,
                                size_t end, size_t lo, size_t hi)
{
    size_t a = begin > lo ? begin : lo, b = end < hi ? end : hi;
    return a < b ? SFX(added_sum_sq)(ws->grad + a, add ? add + a : NULL, b - a) : 0;
}

/* sq (2L): the sums of squares of each layer's weight gradient (sq[l]) and
 * bias gradient (sq[L + l]) within ws->grad[lo, hi), after adding add (P)
 * there into ws->grad when it is non-NULL (the last part's gradient: one pass
 * for the sum and the squares, not two). */
static void SFX(grad_sum_sq)(SFX(nnf_workspace) *ws, const REAL *add, size_t lo, size_t hi,
                             double *sq)
{
    size_t L = ws->n_layers;
    for (size_t l = 0; l < L; l++) {
        size_t U = ws->units[l + 1], wo = ws->w_off[l], bo = ws->b_off[l];
        sq[l] = SFX(block_sum_sq)(ws, add, wo, wo + ws->units[l] * U, lo, hi);
        sq[L + l] = SFX(block_sum_sq)(ws, add, bo, bo + U, lo, hi);
    }
}

/* The global gradient norm from the sums of squares of R ranges (sq: R times
 * 2L, as grad_sum_sq gives them); adds each layer's weight and bias gradient
 * norms to norms (2L) when it is non-NULL. */
static double SFX(grad_norm)(const double *sq, size_t R, size_t L, double *norms)
{
    double total = 0;
    for (size_t l = 0; l < L; l++) {
        double w = 0, b = 0;
        for (size_t r = 0; r < R; r++) {
            w += sq[r * 2 * L + l];
            b += sq[r * 2 * L + L + l];
        }
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

/* Store to every cache line of x (n) without changing it, so that this core
 * owns the lines before a step rewrites them. The helpers read the parameters in
 * their parts and keep shared copies; the step's stores would then wait on the
 * invalidation of each line in turn, a pass of plain stores asks for all of
 * them at once. Measured on tabular_small (5569 parameters, 2 threads): the
 * Adam step took 6.5 us after the parts, 1.8 us after this 1 us pass. */
static void SFX(own_lines)(REAL *x, size_t n)
{
    volatile REAL *v = x;
    for (size_t i = 0; i < n; i += 64 / sizeof(REAL)) v[i] = v[i];
    if (n) v[n - 1] = v[n - 1];
}

/* From this many parameters on, the step is shared between the threads: each
 * sums the parts' gradients, then clips and steps, over its own range of the
 * parameters (two rounds of tasks, like the parts). 2 threads, epochs
 * alternating between a shared and a one-thread step in one process, median
 * of the paired differences per minibatch: mnist_like (79510 parameters) -32
 * us of 500 (18 of 20 pairs faster), regression_mid (14849) -2.7 of 106 (35 of
 * 40); tabular_small (5569) +0.2 of 46 and deep_narrow (4356) -0.3 of 23 gain
 * nothing from the extra hand-overs. With a busy loop on the other core, the
 * shared step made mnist_like's minibatches slower (+154 us of 925): the
 * helper, working more, loses its core more often. */
#define NNF_SHARED_STEP_MIN_PARAMS 8192

/* What the tasks on offer to a team are: parts of the minibatch, or ranges of
 * the shared step (sums of the gradients, then updates). */
enum { NNF_TASK_PART, NNF_TASK_SUM, NNF_TASK_STEP };

/* What the threads of a team share; the epoch's fields are set by the calling
 * thread before it publishes the epoch's first minibatch. */
typedef struct SFX(team) {
    pid_t pid;                               /* the process whose threads they are */
    pthread_t threads[NNF_MAX_THREADS - 1];  /* the helpers (n_helpers) */
    uint64_t number;                         /* minibatches published so far */
    const REAL *params;
    const SFX(nnf_data) *data;
    int shuffle;
    size_t n_parts;                          /* T: the parts of a minibatch, which
                                                fix the result (one per thread) */
    SFX(nnf_workspace) *ws[NNF_MAX_THREADS]; /* part t's; ws[0] is the caller's */
    uint64_t *rng[NNF_MAX_THREADS];          /* part t's dropout generator; rng[0] is
                                                the epoch's */
    uint64_t part_rng[NNF_MAX_THREADS][4];
    /* the current minibatch, set by the calling thread before it publishes it */
    size_t start, B;
    const size_t *rows;                      /* (B) when shuffling, else NULL */
    double delta_scale;
    /* the parts on offer (atomic): the minibatch's number << 32 | the next part
     * to take; parts done (atomic); set to stop the helpers (atomic) */
    uint64_t next;
    unsigned done;
    int quit;
    nnf_event work, finished;                /* a minibatch published; a part done */
    int events;                              /* whether work and finished exist */
    size_t n_helpers;                        /* helper threads running */
    /* each part of it */
    int status[NNF_MAX_THREADS];
    double loss_sum[NNF_MAX_THREADS];
    size_t part_rows[NNF_MAX_THREADS];
    /* the tasks on offer (NNF_TASK_*), set before they are published */
    int task;
    /* the step: its settings for this minibatch, its ranges (1 or as many as
     * parts), and for each range its sums of squares (2L) and penalty sums */
    size_t n_ranges;
    REAL *opt_state;
    const nnf_optimizer *opt;
    double gnorm, l2, l1;
    double *range_sq;
    double range_penalty[NNF_MAX_THREADS][2];
} SFX(team);

/* Part t of the current minibatch, rows [ceil(B t/T), ceil(B (t+1)/T)), with
 * workspace ws[t] and dropout generator rng[t]: gather, forward with dropout,
 * loss, backward into tm->ws[t]->grad (written, not added to). Part 0 has a row
 * whenever the batch has one. */
static void SFX(batch_part)(SFX(team) *tm, size_t t)
{
    SFX(nnf_workspace) *ws = tm->ws[t];
    const SFX(nnf_data) *data = tm->data;
    size_t T = tm->n_parts, L = ws->n_layers;
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
    int status = SFX(forward_batch)(ws, tm->params, x, data, rows, B, tm->rng[t], 1);
    if (status == NNF_OK)
        status = SFX(nnf_output_loss)(ws->delta[0], ws->a[L], &tm->loss_sum[t], ws->z[L], y,
                                      sw, ws->loss, ws->loss_param, tm->delta_scale, B, O);
    if (status == NNF_OK) status = SFX(backward_batch)(ws, tm->params, data, rows, B, 0);
    tm->status[t] = status;
}

/* Sum the parts' gradients over ws->grad[lo, hi) in order (ws is part 0's),
 * the last one in the pass of the sums of squares, into sq (2L). */
static void SFX(sum_range)(SFX(team) *tm, size_t lo, size_t hi, double *sq)
{
    SFX(nnf_workspace) *ws = tm->ws[0];
    const REAL *last = NULL;
    for (size_t t = 1; t < tm->n_parts; t++) {
        if (tm->part_rows[t] == 0) continue;
        if (last) SFX(add_into)(ws->grad + lo, last + lo, hi - lo);
        last = tm->ws[t]->grad;
    }
    SFX(grad_sum_sq)(ws, last, lo, hi, sq);
}

/* Clip ws->grad[lo, hi) and step params[lo, hi) (ws is part 0's); penalty
 * receives the sums of squares and absolute values of the weights there. */
static void SFX(step_range)(SFX(team) *tm, size_t lo, size_t hi, double penalty[2])
{
    SFX(nnf_workspace) *ws = tm->ws[0];
    const nnf_optimizer *opt = tm->opt;
    REAL *params = (REAL *)tm->params, *grad = ws->grad;
    size_t P = ws->n_params;
    if (tm->n_helpers) SFX(own_lines)(params + lo, hi - lo);
    SFX(apply_clip)(grad + lo, tm->gnorm, opt->clip_norm, opt->clip_value, hi - lo);
    if (opt->solver == NNF_ADAM)
        SFX(adam_step_range)(params, tm->opt_state, tm->opt_state + P, penalty, grad,
                             opt->learning_rate, opt->beta_1, opt->beta_2, opt->epsilon,
                             opt->t, tm->l2, tm->l1, lo, hi, ws->n_weights);
    else
        SFX(sgd_step_range)(params, tm->opt_state, penalty, grad, opt->learning_rate,
                            opt->momentum, opt->nesterov, tm->l2, tm->l1, lo, hi,
                            ws->n_weights);
}

/* Task t of the kind on offer; a step's range t is [P t/R, P (t+1)/R) of the
 * P parameters. */
static void SFX(do_task)(SFX(team) *tm, size_t t)
{
    if (tm->task == NNF_TASK_PART) {
        SFX(batch_part)(tm, t);
        return;
    }
    size_t L = tm->ws[0]->n_layers, P = tm->ws[0]->n_params, R = tm->n_ranges;
    size_t lo = P * t / R, hi = P * (t + 1) / R;
    if (tm->task == NNF_TASK_SUM)
        SFX(sum_range)(tm, lo, hi, tm->range_sq + t * 2 * L);
    else
        SFX(step_range)(tm, lo, hi, tm->range_penalty[t]);
}

static int SFX(task_on_offer)(void *ctx)
{
    SFX(team) *tm = ctx;
    return __atomic_load_n(&tm->quit, __ATOMIC_ACQUIRE) ||
           (__atomic_load_n(&tm->next, __ATOMIC_ACQUIRE) & 0xffffffffu) < tm->n_parts;
}

static int SFX(all_tasks_done)(void *ctx)
{
    SFX(team) *tm = ctx;
    return __atomic_load_n(&tm->done, __ATOMIC_ACQUIRE) == tm->n_parts;
}

/* Take one of the published tasks and do it; 0 when none was left. */
static int SFX(do_one_task)(SFX(team) *tm)
{
    uint64_t v = __atomic_load_n(&tm->next, __ATOMIC_ACQUIRE);
    do {
        if ((v & 0xffffffffu) >= tm->n_parts) return 0;
        /* the minibatch's number in the high bits: a part of a minibatch that is
         * over can never be taken by a thread that looked at it too late */
    } while (!__atomic_compare_exchange_n(&tm->next, &v, v + 1, 0, __ATOMIC_ACQ_REL,
                                          __ATOMIC_ACQUIRE));
    SFX(do_task)(tm, (size_t)(v & 0xffffffffu));
    __atomic_add_fetch(&tm->done, 1, __ATOMIC_RELEASE);
    if (tm->events) nnf_event_notify(&tm->finished);
    return 1;
}

/* A helper thread: parts of every minibatch, until told to quit. */
static void *SFX(team_worker)(void *arg)
{
    SFX(team) *tm = arg;
    for (;;) {
        nnf_event_wait(&tm->work, SFX(task_on_offer), tm);
        if (__atomic_load_n(&tm->quit, __ATOMIC_ACQUIRE)) break;
        while (SFX(do_one_task)(tm)) continue;
    }
    return NULL;
}

/* The published tasks (the minibatch's parts, its fields set, or the step's
 * ranges), by the calling thread and the helpers; returns when every task is
 * done. The calling thread does a task, then gives the helpers as long as that
 * task took to take each task still left before it does that task itself: a
 * helper a little late costs a little wait, not a whole task done twice as
 * slowly; a helper without a core (a busy machine) costs one task's time.
 * Returns whether the helpers kept up: they did every other task and finished
 * within a quarter of this thread's task after it. */
static int SFX(team_run)(SFX(team) *tm)
{
    __atomic_store_n(&tm->done, 0, __ATOMIC_RELAXED);
    __atomic_store_n(&tm->next, tm->number++ << 32, __ATOMIC_RELEASE);
    if (tm->n_helpers) nnf_event_notify(&tm->work);
    long long start = nnf_now_ns(), grace = 0;
    size_t own = 0;
    if (SFX(do_one_task)(tm)) {
        grace = nnf_now_ns() - start;
        for (own = 1;; own++) {
            long long deadline = nnf_now_ns() + grace;
            while (SFX(task_on_offer)(tm) && nnf_now_ns() < deadline) nnf_cpu_relax();
            if (!SFX(do_one_task)(tm)) break;
        }
    }
    long long waiting = nnf_now_ns();
    nnf_event_wait(&tm->finished, SFX(all_tasks_done), tm);
    return own == 1 && tm->n_parts > 1 && 4 * (nnf_now_ns() - waiting) <= grace;
}

/* The R tasks of a kind: published to the team when `share`, else all done by
 * the calling thread, in order. Either way each task is the same work, so the
 * result does not depend on who does it. Returns whether the helpers kept up. */
static int SFX(run_tasks)(SFX(team) *tm, int task, size_t R, int share)
{
    tm->task = task;
    if (share) return SFX(team_run)(tm);
    for (size_t r = 0; r < R; r++) SFX(do_task)(tm, r);
    return 0;
}

/* Start up to T-1 helper threads for the T parts (tm->n_helpers counts those the
 * system gave; with none, the calling thread does every part). */
static void SFX(team_start)(SFX(team) *tm)
{
    size_t T = tm->n_parts;
    tm->next = (uint64_t)T; /* nothing on offer */
    if (T < 2) return;
    if (nnf_event_init(&tm->work) != 0) return;
    if (nnf_event_init(&tm->finished) != 0) {
        nnf_event_destroy(&tm->work);
        return;
    }
    tm->events = 1;
    while (tm->n_helpers < T - 1 &&
           pthread_create(&tm->threads[tm->n_helpers], NULL, SFX(team_worker), tm) == 0)
        tm->n_helpers++;
}

/* Stop the helpers and free the team. In a child forked while the team lived,
 * its helpers do not exist: there is nothing to stop, and the events may have
 * been copied mid-use, so they are left alone. */
static void SFX(team_free)(SFX(team) *tm)
{
    if (tm == NULL) return;
    free(tm->range_sq);
    if (tm->events && tm->pid == getpid()) {
        __atomic_store_n(&tm->quit, 1, __ATOMIC_RELEASE);
        nnf_event_notify(&tm->work);
        for (size_t i = 0; i < tm->n_helpers; i++) pthread_join(tm->threads[i], NULL);
        nnf_event_destroy(&tm->work);
        nnf_event_destroy(&tm->finished);
    }
    free(tm);
}

/* ws's team for T parts: the one kept from an earlier epoch when it has T parts,
 * else a new one with its helpers started. NULL when out of memory. Starting
 * threads costs about 60 us an epoch, a few percent of a small network's. */
static SFX(team) *SFX(team_for)(SFX(nnf_workspace) *ws, size_t T)
{
    SFX(team) *tm = ws->team;
    if (tm != NULL && tm->n_parts == T && tm->pid == getpid()) return tm;
    SFX(team_free)(tm);
    ws->team = tm = calloc(1, sizeof(*tm));
    if (tm == NULL) return NULL;
    tm->pid = getpid();
    tm->n_parts = T;
    tm->range_sq = malloc(T * 2 * ws->n_layers * sizeof(double));
    if (tm->range_sq == NULL) {
        free(tm);
        ws->team = NULL;
        return NULL;
    }
    SFX(team_start)(tm);
    return tm;
}

/* Everything an epoch needs before its first minibatch: a workspace, gather
 * buffer and dropout generator for each of the T parts (tm->n_parts). */
static int SFX(team_prepare)(SFX(team) *tm, SFX(nnf_workspace) *ws, uint64_t rng[4],
                             size_t batch_size)
{
    size_t T = tm->n_parts;
    tm->ws[0] = ws;
    tm->rng[0] = rng;
    if (T > 1) {
        int status = SFX(ensure_helpers)(ws, T - 1, (batch_size + T - 1) / T);
        if (status != NNF_OK) return status;
        for (size_t t = 1; t < T; t++) {
            tm->ws[t] = ws->helpers[t - 1];
            /* seeded from the epoch's generator without advancing it, so that
             * the shuffles are the same for any number of threads */
            nnf_rng_seed(tm->part_rng[t], rng[0] ^ (rng[1] << 1) ^ rng[2] ^ rng[3] ^ t);
            tm->rng[t] = tm->part_rng[t];
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
    SFX(team) *tm = SFX(team_for)(ws, T);
    if (tm == NULL) return NNF_ENOMEM;
    tm->params = params;
    tm->data = data;
    tm->shuffle = shuffle;
    tm->opt = opt;
    tm->opt_state = opt_state;
    status = SFX(team_prepare)(tm, ws, rng, batch_size);
    if (status != NNF_OK) return status;
    /* the step in T ranges, or in one */
    size_t R = T > 1 && P >= NNF_SHARED_STEP_MIN_PARAMS ? T : 1;
    tm->n_ranges = R;
    long cpus = nnf_usable_cpus();
    nnf_claim_threads((long)T);

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
            /* each part: gather -> forward -> loss -> backward; all on this
             * thread while the process's epochs want more threads than CPUs */
            int share = T > 1 && nnf_claimed_threads() <= cpus;
            int kept_up = SFX(run_tasks)(tm, NNF_TASK_PART, T, share);
            for (size_t t = 0; t < T; t++) {
                if (status == NNF_OK) status = tm->status[t];
                loss_sum += tm->loss_sum[t];
            }
            if (status != NNF_OK) break;
            /* the parts' gradients summed in order into ws->grad, range by range,
             * shared only with helpers that kept up: one that has lost its core
             * to another process could hold a range for a whole time slice */
            kept_up = SFX(run_tasks)(tm, NNF_TASK_SUM, R, R > 1 && kept_up);
            tm->gnorm = SFX(grad_norm)(tm->range_sq, R, L, stats->grad_norms);
            if (!isfinite(tm->gnorm) || !isfinite(loss_sum)) {
                status = NNF_ENONFINITE;
                break;
            }
            /* clip and update */
            tm->l2 = opt->alpha / sw_sum;
            tm->l1 = opt->l1 / sw_sum;
            if (opt->solver == NNF_ADAM) opt->t += 1;
            SFX(run_tasks)(tm, NNF_TASK_STEP, R, R > 1 && kept_up);
            penalty[0] = penalty[1] = 0;
            for (size_t r = 0; r < R; r++) {
                penalty[0] += tm->range_penalty[r][0];
                penalty[1] += tm->range_penalty[r][1];
            }
            double batch_loss = loss_sum / norm +
                                (0.5 * opt->alpha * penalty[0] + opt->l1 * penalty[1]) / sw_sum;
            stats->loss_sum += batch_loss * (double)B;
            stats->n_batches += 1;
        }
        stats->n_seen += B;
        if (check != NULL && start + B < N && check(check_ctx)) status = NNF_EINTERRUPTED;
    }
    nnf_claim_threads(-(long)T);
    if (stats->grad_norms && stats->n_batches > 0)
        for (size_t i = 0; i < 2 * L; i++) stats->grad_norms[i] /= (double)stats->n_batches;
    return status;
}
