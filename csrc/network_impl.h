/* The network: a workspace of reusable buffers, forward and backward passes over
 * one batch, prediction and the full-batch loss and gradient for L-BFGS.
 * Template: see core_impl.h. */

struct SFX(nnf_workspace) {
    size_t n_layers;       /* L */
    size_t *units;         /* (L+1) */
    int *activation;       /* (L) */
    int loss;
    size_t capacity;       /* rows a batch may have */
    size_t *w_off, *b_off; /* (L) offsets of W_l and b_l in the parameter block */
    size_t n_weights, n_params;
    REAL **z, **a;         /* (L+1) each: z[l], a[l] are (capacity, units[l]); a[0] is
                              the batch input, set per batch */
    REAL *delta[2];        /* (capacity, max units) each, used in turn going backward */
    REAL *grad;            /* (P) */
    REAL *yb, *swb;        /* gathered targets (capacity,O) and weights (capacity) */
    REAL *xb;              /* gathered dense input (capacity,F), allocated on first use */
    size_t *rows;          /* (capacity) row indices of a batch */
    size_t *perm;          /* (n_perm) the shuffled order of the rows */
    size_t n_perm;
    REAL *block;           /* the one allocation behind z, a, delta, grad, yb, swb */
};


void SFX(nnf_workspace_free)(SFX(nnf_workspace) *ws)
{
    if (ws == NULL) return;
    free(ws->units);
    free(ws->activation);
    free(ws->w_off);
    free(ws->b_off);
    free(ws->z);
    free(ws->a);
    free(ws->block);
    free(ws->xb);
    free(ws->rows);
    free(ws->perm);
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
    ws->capacity = capacity;
    ws->units = malloc((L + 1) * sizeof(size_t));
    ws->activation = malloc(L * sizeof(int));
    ws->w_off = malloc(L * sizeof(size_t));
    ws->b_off = malloc(L * sizeof(size_t));
    ws->z = calloc(L + 1, sizeof(REAL *));
    ws->a = calloc(L + 1, sizeof(REAL *));
    ws->rows = malloc(capacity * sizeof(size_t));
    if (!ws->units || !ws->activation || !ws->w_off || !ws->b_off || !ws->z || !ws->a ||
        !ws->rows) {
        SFX(nnf_workspace_free)(ws);
        return NULL;
    }
    memcpy(ws->units, arch->units, (L + 1) * sizeof(size_t));
    memcpy(ws->activation, arch->activation, L * sizeof(int));
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
        if (arch->units[l] > max_units) max_units = arch->units[l];
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
    }
    ws->delta[0] = p; p += capacity * max_units;
    ws->delta[1] = p; p += capacity * max_units;
    ws->grad = p; p += ws->n_params;
    ws->yb = p; p += capacity * O;
    ws->swb = p;
    return ws;
}

static int SFX(is_sparse)(const SFX(nnf_data) *data) { return data->X == NULL; }

/* Forward through every layer for B rows. x is the dense batch input (B,F), or
 * NULL for CSR input, whose rows are `rows`. Leaves the output layer's
 * pre-activation in z[L] (bias added, no output activation). */
static int SFX(forward_batch)(SFX(nnf_workspace) *ws, const REAL *params, const REAL *x,
                              const SFX(nnf_data) *data, const size_t *rows, size_t B)
{
    size_t L = ws->n_layers;
    int status = NNF_OK;
    ws->a[0] = (REAL *)x;
    for (size_t l = 0; l < L && status == NNF_OK; l++) {
        const REAL *w = params + ws->w_off[l], *b = params + ws->b_off[l];
        int last = l == L - 1;
        int act = last ? NNF_IDENTITY : ws->activation[l];
        REAL *out = last ? ws->z[l + 1] : ws->a[l + 1];
        if (l == 0 && x == NULL)
            status = SFX(nnf_sparse_dense_forward)(ws->z[1], out, data, rows, w, b, act, B,
                                                   ws->units[1]);
        else
            status = SFX(nnf_dense_forward)(ws->z[l + 1], out, ws->a[l], w, b, act, B,
                                            ws->units[l], ws->units[l + 1]);
    }
    return status;
}

/* Backward from the output delta in delta[0] (B,O): accumulates every layer's
 * weight and bias gradient into ws->grad. */
static int SFX(backward_batch)(SFX(nnf_workspace) *ws, const REAL *params,
                               const SFX(nnf_data) *data, const size_t *rows, size_t B)
{
    size_t L = ws->n_layers;
    REAL *dout = ws->delta[0], *dinp = ws->delta[1];
    for (size_t l = L; l-- > 0;) {
        const REAL *w = params + ws->w_off[l];
        REAL *dw = ws->grad + ws->w_off[l], *db = ws->grad + ws->b_off[l];
        int status;
        if (l == 0 && ws->a[0] == NULL)
            status = SFX(nnf_sparse_dense_backward)(dw, db, dout, data, rows, B, ws->units[1]);
        else
            status = SFX(nnf_dense_backward)(l > 0 ? dinp : NULL, dw, db, dout, ws->a[l], w,
                                             B, ws->units[l], ws->units[l + 1]);
        if (status != NNF_OK) return status;
        if (l > 0) {
            status = SFX(nnf_activation_backward)(dinp, ws->z[l], ws->a[l],
                                                  ws->activation[l - 1], B * ws->units[l]);
            if (status != NNF_OK) return status;
            REAL *tmp = dout; dout = dinp; dinp = tmp;
        }
    }
    return NNF_OK;
}

/* The number the weighted loss sum is divided by. For squared error this includes
 * the number of outputs (scikit-learn's loss is a mean over outputs), and the
 * gradient uses the same divisor, so it is exact for several outputs too. */
static double SFX(loss_norm)(const SFX(nnf_workspace) *ws, double sw_sum)
{
    return ws->loss == NNF_LOSS_SQUARED ? sw_sum * (double)ws->units[ws->n_layers] : sw_sum;
}

/* Fill ws->rows with first, first+1, ... (B) */
static const size_t *SFX(consecutive_rows)(SFX(nnf_workspace) *ws, size_t first, size_t B)
{
    for (size_t i = 0; i < B; i++) ws->rows[i] = first + i;
    return ws->rows;
}

int SFX(nnf_predict)(REAL *out, SFX(nnf_workspace) *ws, const REAL *params,
                     const SFX(nnf_data) *data)
{
    /* X of data is (N,F); out is (N,O) */
    size_t N = data->n_samples, F = data->n_features, L = ws->n_layers;
    size_t O = ws->units[L];
    for (size_t start = 0; start < N; start += ws->capacity) {
        size_t B = N - start < ws->capacity ? N - start : ws->capacity;
        const REAL *x = SFX(is_sparse)(data) ? NULL : data->X + start * F;
        const size_t *rows = x ? NULL : SFX(consecutive_rows)(ws, start, B);
        int status = SFX(forward_batch)(ws, params, x, data, rows, B);
        if (status == NNF_OK)
            status = SFX(nnf_activation_forward)(out + start * O, ws->z[L], NULL,
                                                 ws->activation[L - 1], B, O);
        if (status != NNF_OK) return status;
    }
    return NNF_OK;
}

int SFX(nnf_loss_grad)(REAL *grad, double *loss, SFX(nnf_workspace) *ws,
                       const REAL *params, const SFX(nnf_data) *data, double alpha)
{
    /* data is (N,F) with Y (N,O); grad is (P) */
    size_t N = data->n_samples, F = data->n_features, L = ws->n_layers;
    size_t O = ws->units[L];
    double sw_sum = (double)N;
    if (data->sample_weight) {
        sw_sum = 0;
        for (size_t i = 0; i < N; i++) sw_sum += data->sample_weight[i];
    }
    double norm = SFX(loss_norm)(ws, sw_sum);
    double total = 0;
    memset(ws->grad, 0, ws->n_params * sizeof(REAL));
    for (size_t start = 0; start < N; start += ws->capacity) {
        size_t B = N - start < ws->capacity ? N - start : ws->capacity;
        const REAL *x = SFX(is_sparse)(data) ? NULL : data->X + start * F;
        const size_t *rows = x ? NULL : SFX(consecutive_rows)(ws, start, B);
        const REAL *sw = data->sample_weight ? data->sample_weight + start : NULL;
        double part;
        int status = SFX(forward_batch)(ws, params, x, data, rows, B);
        if (status == NNF_OK)
            status = SFX(nnf_output_loss)(ws->delta[0], ws->a[L], &part, ws->z[L],
                                          data->Y + start * O, sw, ws->loss, 1.0 / norm, B, O);
        if (status == NNF_OK) status = SFX(backward_batch)(ws, params, data, rows, B);
        if (status != NNF_OK) return status;
        total += part;
    }
    double sumsq = SFX(sum_squares)(params, ws->n_weights);
    REAL decay = (REAL)(alpha / sw_sum);
    for (size_t i = 0; i < ws->n_weights; i++) ws->grad[i] += decay * params[i];
    memcpy(grad, ws->grad, ws->n_params * sizeof(REAL));
    *loss = total / norm + 0.5 * alpha * sumsq / sw_sum;
    return NNF_OK;
}
