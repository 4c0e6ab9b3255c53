/* The network: a workspace of reusable buffers, forward and backward passes over
 * one batch (with inverted dropout while training), every layer's values,
 * prediction, and the full-batch loss and gradient for L-BFGS.
 * Template: see core_impl.h. */

struct SFX(nnf_workspace) {
    size_t n_layers;       /* L */
    size_t *units;         /* (L+1) */
    int *activation;       /* (L) */
    double *act_param;     /* (L) */
    double *dropout;       /* (L) rates; dropout[l] acts on hidden layer l+1 */
    int loss;
    double loss_param;
    size_t capacity;       /* rows a batch may have */
    size_t *w_off, *b_off; /* (L) offsets of W_l and b_l in the parameter block */
    size_t n_weights, n_params;
    REAL **z, **a;         /* (L+1) each: z[l], a[l] are (capacity, units[l]), l >= 1 */
    REAL **h;              /* (L) h[l] is the input of weight layer l for this batch:
                              the batch rows for l = 0, else a[l] or its dropped copy */
    REAL **drop, **mask;   /* (L) for hidden layers with dropout: a[l] * mask[l] and
                              the mask (0 or 1/keep), (capacity, units[l]) each */
    int dropped;           /* whether the last forward pass applied dropout */
    REAL **d;              /* (L) for hidden layers whose activation keeps_grad
                              (activation_impl.h): f'(z[l]), (capacity, units[l]) */
    int grads_kept;        /* whether the last forward pass wrote d */
    REAL *delta[2];        /* (capacity, max units) each, used in turn going backward */
    REAL *wt;              /* (n_wt) a transposed copy of a weight matrix, for
                              backpropagating deltas (dense_backward), allocated
                              by the first backward pass */
    size_t n_wt;
    REAL *grad;            /* (P) */
    REAL *yb, *swb;        /* gathered targets (capacity,O) and weights (capacity) */
    REAL *xb;              /* gathered dense input (capacity,F), allocated on first use */
    size_t *rows;          /* (capacity) row indices of a batch */
    size_t *perm;          /* (n_perm) the shuffled order of the rows */
    size_t n_perm;
    REAL *block;           /* the one allocation behind z, a, drop, mask, delta, grad,
                              yb, swb */
    struct SFX(nnf_workspace) **helpers; /* (n_helpers) the workspaces of the other
                              threads of a training team (train_impl.h), made on
                              first use, each for helper_capacity rows */
    size_t n_helpers, helper_capacity;
    struct SFX(team) *team; /* the training team (train_impl.h): its helper threads
                              stay between epochs, until this workspace is freed */
};

static void SFX(team_free)(struct SFX(team) *tm);

void SFX(nnf_workspace_free)(SFX(nnf_workspace) *ws)
{
    if (ws == NULL) return;
    free(ws->units);
    free(ws->activation);
    free(ws->act_param);
    free(ws->dropout);
    free(ws->w_off);
    free(ws->b_off);
    free(ws->z);
    free(ws->a);
    free(ws->h);
    free(ws->drop);
    free(ws->mask);
    free(ws->d);
    free(ws->block);
    free(ws->xb);
    free(ws->wt);
    free(ws->rows);
    free(ws->perm);
    SFX(team_free)(ws->team); /* its threads stop before what they use is freed */
    for (size_t i = 0; i < ws->n_helpers; i++) SFX(nnf_workspace_free)(ws->helpers[i]);
    free(ws->helpers);
    free(ws);
}

SFX(nnf_workspace) *SFX(nnf_workspace_new)(const nnf_arch *arch, size_t capacity)
{
    size_t L = arch->n_layers;
    if (capacity == 0) capacity = 1;
    SFX(nnf_workspace) *ws = calloc(1, sizeof(*ws));
    if (ws == NULL) return NULL;
    ws->n_layers = L;
    ws->loss = arch->loss;
    ws->loss_param = arch->loss_param;
    ws->capacity = capacity;
    ws->units = malloc((L + 1) * sizeof(size_t));
    ws->activation = malloc(L * sizeof(int));
    ws->act_param = malloc(L * sizeof(double));
    ws->dropout = calloc(L, sizeof(double));
    ws->w_off = malloc(L * sizeof(size_t));
    ws->b_off = malloc(L * sizeof(size_t));
    ws->z = calloc(L + 1, sizeof(REAL *));
    ws->a = calloc(L + 1, sizeof(REAL *));
    ws->h = calloc(L, sizeof(REAL *));
    ws->drop = calloc(L, sizeof(REAL *));
    ws->mask = calloc(L, sizeof(REAL *));
    ws->d = calloc(L, sizeof(REAL *));
    ws->rows = malloc(capacity * sizeof(size_t));
    if (!ws->units || !ws->activation || !ws->act_param || !ws->dropout || !ws->w_off ||
        !ws->b_off || !ws->z || !ws->a || !ws->h || !ws->drop || !ws->mask || !ws->d || !ws->rows) {
        SFX(nnf_workspace_free)(ws);
        return NULL;
    }
    memcpy(ws->units, arch->units, (L + 1) * sizeof(size_t));
    memcpy(ws->activation, arch->activation, L * sizeof(int));
    memcpy(ws->act_param, arch->activation_param, L * sizeof(double));
    if (arch->dropout) memcpy(ws->dropout, arch->dropout, L * sizeof(double));
    ws->dropout[L - 1] = 0;
    ws->n_weights = nnf_n_weights(arch);
    ws->n_params = nnf_n_params(arch);
    size_t off = 0, max_units = 0;
    for (size_t l = 0; l < L; l++) {
        ws->w_off[l] = off;
        off += arch->units[l] * arch->units[l + 1];
    }
    for (size_t l = 0; l < L; l++) {
        ws->b_off[l] = off;
        off += arch->units[l + 1];
    }
    size_t total = 0;
    for (size_t l = 1; l <= L; l++) {
        total += 2 * capacity * arch->units[l];
        if (l < L && ws->dropout[l - 1] > 0) total += 2 * capacity * arch->units[l];
        if (l < L && SFX(keeps_grad)(arch->activation[l - 1])) total += capacity * arch->units[l];
        if (arch->units[l] > max_units) max_units = arch->units[l];
        /* for a batch of any size: if the copy pays for some, it pays for the
         * fewest rows it ever pays for */
        if (l < L &&
            SFX(transposed_copy_pays)(NNF_COPY_MIN_ROWS, arch->units[l], arch->units[l + 1]) &&
            arch->units[l] * arch->units[l + 1] > ws->n_wt)
            ws->n_wt = arch->units[l] * arch->units[l + 1];
    }
    size_t O = arch->units[L];
    total += 2 * capacity * max_units + ws->n_params + capacity * O + capacity;
    ws->block = malloc(total * sizeof(REAL));
    if (ws->block == NULL) {
        SFX(nnf_workspace_free)(ws);
        return NULL;
    }
    REAL *p = ws->block;
    for (size_t l = 1; l <= L; l++) {
        ws->z[l] = p; p += capacity * arch->units[l];
        ws->a[l] = p; p += capacity * arch->units[l];
        if (l < L && ws->dropout[l - 1] > 0) {
            ws->drop[l] = p; p += capacity * arch->units[l];
            ws->mask[l] = p; p += capacity * arch->units[l];
        }
        if (l < L && SFX(keeps_grad)(arch->activation[l - 1])) {
            ws->d[l] = p; p += capacity * arch->units[l];
        }
    }
    ws->delta[0] = p; p += capacity * max_units;
    ws->delta[1] = p; p += capacity * max_units;
    ws->grad = p; p += ws->n_params;
    ws->yb = p; p += capacity * O;
    ws->swb = p;
    return ws;
}

static int SFX(is_sparse)(const SFX(nnf_data) *data) { return data->X == NULL; }

/* drop (n) = a * mask with mask = 1/keep with probability keep = 1 - rate, else 0 */
static void SFX(dropout_forward)(REAL *drop, REAL *mask, const REAL *a, double rate,
                                 uint64_t rng[4], size_t n)
{
    const double keep = 1 - rate;
    const REAL scale = (REAL)(1 / keep);
    /* 24 random bits per unit: keep when u < keep, u uniform on [0, 1) */
    const uint64_t threshold = (uint64_t)(keep * 16777216.0);
    for (size_t i = 0; i < n; i++) {
        mask[i] = (nnf_rng_next(rng) >> 40) < threshold ? scale : 0;
        drop[i] = a[i] * mask[i];
    }
}

/* Forward through every layer for B rows. x is the dense batch input (B,F), or
 * NULL for CSR input, whose rows are `rows`. With rng non-NULL, dropout is
 * applied (training). With for_backward, the layers that keep their
 * activation's derivative write it to d. Leaves the output layer's
 * pre-activation in z[L] (bias added, no output activation). */
static int SFX(forward_batch)(SFX(nnf_workspace) *ws, const REAL *params, const REAL *x,
                              const SFX(nnf_data) *data, const size_t *rows, size_t B,
                              uint64_t *rng, int for_backward)
{
    size_t L = ws->n_layers;
    int status = NNF_OK;
    ws->h[0] = (REAL *)x;
    ws->dropped = rng != NULL;
    ws->grads_kept = for_backward;
    for (size_t l = 0; l < L && status == NNF_OK; l++) {
        const REAL *w = params + ws->w_off[l], *b = params + ws->b_off[l];
        int last = l == L - 1;
        int act = last ? NNF_IDENTITY : ws->activation[l];
        /* a layer keeping its derivative: z first, then a and d from it */
        REAL *d = !last && for_backward ? ws->d[l + 1] : NULL;
        REAL *z = ws->z[l + 1], *out = last || d ? z : ws->a[l + 1];
        int layer_act = d ? NNF_IDENTITY : act;
        if (l == 0 && x == NULL)
            status = SFX(nnf_sparse_dense_forward)(z, out, data, rows, w, b, layer_act,
                                                   ws->act_param[l], B, ws->units[1]);
        else
            status = SFX(nnf_dense_forward)(z, out, ws->h[l], w, b, layer_act,
                                            ws->act_param[l], B, ws->units[l],
                                            ws->units[l + 1]);
        if (last) break;
        if (d && status == NNF_OK)
            SFX(activation_forward_grad)(ws->a[l + 1], d, z, act, B * ws->units[l + 1]);
        ws->h[l + 1] = ws->a[l + 1];
        if (rng != NULL && ws->dropout[l] > 0) {
            SFX(dropout_forward)(ws->drop[l + 1], ws->mask[l + 1], ws->a[l + 1],
                                 ws->dropout[l], rng, B * ws->units[l + 1]);
            ws->h[l + 1] = ws->drop[l + 1];
        }
    }
    return status;
}

/* Backward from the output delta in delta[0] (B,O): writes every layer's weight
 * and bias gradient into ws->grad, or adds them to it when accumulate is set. */
static int SFX(backward_batch)(SFX(nnf_workspace) *ws, const REAL *params,
                               const SFX(nnf_data) *data, const size_t *rows, size_t B,
                               int accumulate)
{
    size_t L = ws->n_layers;
    REAL *dout = ws->delta[0], *dinp = ws->delta[1];
    if (ws->wt == NULL && ws->n_wt > 0 && (ws->wt = malloc(ws->n_wt * sizeof(REAL))) == NULL)
        return NNF_ENOMEM;
    for (size_t l = L; l-- > 0;) {
        const REAL *w = params + ws->w_off[l];
        REAL *dw = ws->grad + ws->w_off[l], *db = ws->grad + ws->b_off[l];
        int status;
        if (l == 0 && ws->h[0] == NULL) {
            if (!accumulate) {
                memset(dw, 0, ws->units[0] * ws->units[1] * sizeof(REAL));
                memset(db, 0, ws->units[1] * sizeof(REAL));
            }
            status = SFX(nnf_sparse_dense_backward)(dw, db, dout, data, rows, B, ws->units[1]);
        } else {
            status = SFX(dense_backward)(l > 0 ? dinp : NULL, dw, db, dout, ws->h[l], w,
                                         ws->wt, B, ws->units[l], ws->units[l + 1],
                                         accumulate);
        }
        if (status != NNF_OK) return status;
        if (l == 0) break;
        size_t n = B * ws->units[l];
        if (ws->dropped && ws->dropout[l - 1] > 0) SFX(multiply_by)(dinp, ws->mask[l], n);
        if (ws->grads_kept && ws->d[l]) {
            SFX(multiply_by)(dinp, ws->d[l], n);
        } else {
            status = SFX(nnf_activation_backward)(dinp, ws->z[l], ws->a[l],
                                                  ws->activation[l - 1], ws->act_param[l - 1], n);
            if (status != NNF_OK) return status;
        }
        REAL *tmp = dout; dout = dinp; dinp = tmp;
    }
    return NNF_OK;
}

/* The number the weighted loss sum is divided by. The regression losses with an
 * identity output are means over outputs (as scikit-learn's squared error), and
 * the gradient uses the same divisor, so it is exact for several outputs too. */
static double SFX(loss_norm)(const SFX(nnf_workspace) *ws, double sw_sum)
{
    int per_output = ws->loss == NNF_LOSS_SQUARED || ws->loss == NNF_LOSS_ABSOLUTE ||
                     ws->loss == NNF_LOSS_HUBER;
    return per_output ? sw_sum * (double)ws->units[ws->n_layers] : sw_sum;
}

/* Fill ws->rows with first, first+1, ... (B) */
static const size_t *SFX(consecutive_rows)(SFX(nnf_workspace) *ws, size_t first, size_t B)
{
    for (size_t i = 0; i < B; i++) ws->rows[i] = first + i;
    return ws->rows;
}

/* Forward pass (no dropout) over the chunk of B rows starting at `start`. */
static int SFX(forward_chunk)(SFX(nnf_workspace) *ws, const REAL *params,
                              const SFX(nnf_data) *data, size_t start, size_t B,
                              const size_t **rows, int for_backward)
{
    const REAL *x = SFX(is_sparse)(data) ? NULL : data->X + start * data->n_features;
    *rows = x ? NULL : SFX(consecutive_rows)(ws, start, B);
    return SFX(forward_batch)(ws, params, x, data, *rows, B, NULL, for_backward);
}

/* ws->xb, the gathered input of up to ws->capacity rows of F features. */
static int SFX(ensure_xb)(SFX(nnf_workspace) *ws, size_t F)
{
    if (ws->xb == NULL) ws->xb = malloc((ws->capacity * F + 1) * sizeof(REAL));
    return ws->xb == NULL ? NNF_ENOMEM : NNF_OK;
}

/* ws->helpers: n workspaces of the same network for `capacity` rows each. */
static int SFX(ensure_helpers)(SFX(nnf_workspace) *ws, size_t n, size_t capacity)
{
    if (ws->n_helpers >= n && ws->helper_capacity >= capacity) return NNF_OK;
    for (size_t i = 0; i < ws->n_helpers; i++) SFX(nnf_workspace_free)(ws->helpers[i]);
    free(ws->helpers);
    ws->n_helpers = 0;
    ws->helpers = calloc(n, sizeof(*ws->helpers));
    if (ws->helpers == NULL) return NNF_ENOMEM;
    nnf_arch arch = {ws->n_layers, ws->units, ws->activation, ws->act_param,
                     ws->dropout, ws->loss, ws->loss_param};
    for (; ws->n_helpers < n; ws->n_helpers++) {
        SFX(nnf_workspace) *h = SFX(nnf_workspace_new)(&arch, capacity);
        if (h == NULL) return NNF_ENOMEM;
        ws->helpers[ws->n_helpers] = h;
    }
    ws->helper_capacity = capacity;
    return NNF_OK;
}

/* 1 when every value of x (n) is finite: x * 0 is 0 for those, NaN otherwise */
static NNF_HOT int SFX(all_finite)(const REAL *x, size_t n)
{
    REAL acc = 0;
#pragma omp simd reduction(+ : acc)
    for (size_t i = 0; i < n; i++) acc += x[i] * 0;
    return acc == 0;
}

/* out rows [start, start + B) of nnf_predict, with ws's buffers */
static int SFX(predict_chunk)(REAL *out, SFX(nnf_workspace) *ws, const REAL *params,
                              const SFX(nnf_data) *data, size_t start, size_t B)
{
    size_t L = ws->n_layers, O = ws->units[L];
    int finite = SFX(is_sparse)(data)
        ? SFX(all_finite)(data->X_data + data->X_indptr[start],
                          (size_t)(data->X_indptr[start + B] - data->X_indptr[start]))
        : SFX(all_finite)(data->X + start * data->n_features, B * data->n_features);
    if (!finite) return NNF_EINPUT;
    const size_t *rows;
    int status = SFX(forward_chunk)(ws, params, data, start, B, &rows, 0);
    if (status != NNF_OK) return status;
    return SFX(nnf_activation_forward)(out + start * O, ws->z[L], NULL,
                                       ws->activation[L - 1], 0, B, O);
}

/* Chunks of ws->capacity rows handed out to the threads of a prediction in turn. */
typedef struct {
    REAL *out;
    const REAL *params;
    const SFX(nnf_data) *data;
    SFX(nnf_workspace) *ws[NNF_MAX_THREADS];
    size_t n_chunks, chunk_rows;
    size_t next;  /* the next chunk to take (atomic) */
    int status;   /* the first error (atomic) */
} SFX(predict_job);

typedef struct {
    SFX(predict_job) *job;
    size_t index;
} SFX(predict_member);

static void *SFX(predict_worker)(void *arg)
{
    SFX(predict_member) *member = arg;
    SFX(predict_job) *job = member->job;
    size_t N = job->data->n_samples;
    for (;;) {
        size_t c = __atomic_fetch_add(&job->next, 1, __ATOMIC_RELAXED);
        if (c >= job->n_chunks || __atomic_load_n(&job->status, __ATOMIC_RELAXED)) break;
        size_t start = c * job->chunk_rows;
        size_t B = N - start < job->chunk_rows ? N - start : job->chunk_rows;
        int status = SFX(predict_chunk)(job->out, job->ws[member->index], job->params,
                                        job->data, start, B);
        if (status != NNF_OK) {
            int ok = NNF_OK;
            __atomic_compare_exchange_n(&job->status, &ok, status, 0, __ATOMIC_RELAXED,
                                        __ATOMIC_RELAXED);
            break;
        }
    }
    return NULL;
}

int SFX(nnf_predict)(REAL *out, SFX(nnf_workspace) *ws, const REAL *params,
                     const SFX(nnf_data) *data, size_t n_threads)
{
    /* X of data is (N,F); out is (N,O) */
    size_t N = data->n_samples;
    SFX(predict_job) job = {out, params, data, {ws}, (N + ws->capacity - 1) / ws->capacity,
                            ws->capacity, 0, NNF_OK};
    size_t T = n_threads < job.n_chunks ? n_threads : job.n_chunks;
    if (T > NNF_MAX_THREADS) T = NNF_MAX_THREADS;
    if (T < 1) T = 1;
    if (T > 1 && SFX(ensure_helpers)(ws, T - 1, ws->capacity) != NNF_OK) T = 1;
    pthread_t threads[NNF_MAX_THREADS];
    SFX(predict_member) members[NNF_MAX_THREADS];
    size_t started = 1;
    for (; started < T; started++) {
        job.ws[started] = ws->helpers[started - 1];
        members[started].job = &job;
        members[started].index = started;
        if (pthread_create(&threads[started], NULL, SFX(predict_worker), &members[started]))
            break;
    }
    members[0].job = &job;
    members[0].index = 0;
    SFX(predict_worker)(&members[0]);
    for (size_t t = 1; t < started; t++) pthread_join(threads[t], NULL);
    return job.status;
}

int SFX(nnf_forward_all)(REAL **out, SFX(nnf_workspace) *ws, const REAL *params,
                         const SFX(nnf_data) *data)
{
    /* out[2l-2] is (N,units[l]), out[2l-1] is (N,units[l]) for l = 1..L */
    size_t N = data->n_samples, L = ws->n_layers;
    for (size_t start = 0; start < N; start += ws->capacity) {
        size_t B = N - start < ws->capacity ? N - start : ws->capacity;
        const size_t *rows;
        int status = SFX(forward_chunk)(ws, params, data, start, B, &rows, 0);
        if (status != NNF_OK) return status;
        for (size_t l = 1; l <= L; l++) {
            size_t U = ws->units[l];
            memcpy(out[2 * l - 2] + start * U, ws->z[l], B * U * sizeof(REAL));
            if (l < L) {
                memcpy(out[2 * l - 1] + start * U, ws->a[l], B * U * sizeof(REAL));
            } else {
                status = SFX(nnf_activation_forward)(out[2 * l - 1] + start * U, ws->z[L],
                                                     NULL, ws->activation[L - 1], 0, B, U);
                if (status != NNF_OK) return status;
            }
        }
    }
    return NNF_OK;
}

int SFX(nnf_loss_grad)(REAL *grad, double *loss, REAL *out, SFX(nnf_workspace) *ws,
                       const REAL *params, const SFX(nnf_data) *data, double alpha,
                       double l1, nnf_check_fn check, void *check_ctx)
{
    /* data is (N,F) with Y (N,O); grad is (P) or NULL; out is (N,O) or NULL */
    size_t N = data->n_samples, L = ws->n_layers, O = ws->units[L];
    double sw_sum = (double)N;
    if (data->sample_weight) {
        sw_sum = 0;
        for (size_t i = 0; i < N; i++) sw_sum += data->sample_weight[i];
    }
    double norm = SFX(loss_norm)(ws, sw_sum);
    double total = 0;
    if (grad) memset(ws->grad, 0, ws->n_params * sizeof(REAL));
    for (size_t start = 0; start < N; start += ws->capacity) {
        size_t B = N - start < ws->capacity ? N - start : ws->capacity;
        const REAL *sw = data->sample_weight ? data->sample_weight + start : NULL;
        const size_t *rows;
        double part;
        int status = SFX(forward_chunk)(ws, params, data, start, B, &rows, grad != NULL);
        if (status == NNF_OK)
            status = SFX(nnf_output_loss)(grad ? ws->delta[0] : NULL, ws->a[L], &part, ws->z[L],
                                          data->Y + start * O, sw, ws->loss, ws->loss_param,
                                          1.0 / norm, B, O);
        if (status == NNF_OK && grad) status = SFX(backward_batch)(ws, params, data, rows, B, 1);
        if (status != NNF_OK) return status;
        if (out) memcpy(out + start * O, ws->a[L], B * O * sizeof(REAL));
        total += part;
        if (check != NULL && start + B < N && check(check_ctx)) return NNF_EINTERRUPTED;
    }
    double penalty[2];
    SFX(penalty_sums)(penalty, params, ws->n_weights);
    *loss = total / norm + (0.5 * alpha * penalty[0] + l1 * penalty[1]) / sw_sum;
    if (grad == NULL) return NNF_OK;
    REAL decay = (REAL)(alpha / sw_sum), shrink = (REAL)(l1 / sw_sum);
    for (size_t i = 0; i < ws->n_weights; i++) {
        REAL w = params[i];
        ws->grad[i] += decay * w + (w > 0 ? shrink : (w < 0 ? -shrink : 0));
    }
    memcpy(grad, ws->grad, ws->n_params * sizeof(REAL));
    return NNF_OK;
}
