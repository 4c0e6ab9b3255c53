/*
 * Measures the error of csrc/vmath.h's functions in ulp, for every instruction
 * set they are built for (ulp_variant.c, compiled once per variant):
 *
 * float: exhaustively over every input where the function is neither constant
 *   nor x itself (the "dense" range of each function below), and every 256th bit
 *   pattern of all 2^32 elsewhere (which checks that it is that constant or x);
 *   reference: the double libm function (an error below 2^-29 float ulp).
 * double: 1.2e7 inputs per function, 40% uniform where the function bends, 40%
 *   with log-uniform magnitude over its whole range, 20% uniform over the bit
 *   patterns of that range; reference: the long double libm function.
 * both: special values (NaN, infinities, signed zeros, the limits), which must
 *   match libm exactly (NaN for NaN, the same infinity, the same signed zero).
 *
 * Prints one line per function, type and variant and exits 1 if an error is
 * above the bound: 2 ulp float, 4 ulp double. Run by .ci/stage-ulp.sh.
 */
#include <float.h>
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ulp_check.h"

extern const struct ulp_variant variant_baseline;
#ifdef HAVE_V3
extern const struct ulp_variant variant_v3;
#endif
#ifdef HAVE_V4
extern const struct ulp_variant variant_v4;
#endif

#define MAX_VARIANTS 3
static const struct ulp_variant *variants[MAX_VARIANTS];
static int n_variants;

static double logistic_ref(double x)
{
    return x >= 0 ? 1 / (1 + exp(-x)) : exp(x) / (1 + exp(x));
}

static double softplus_ref(double x)
{
    return x > 0 ? x + log1p(exp(-x)) : log1p(exp(x));
}

static long double logistic_refl(long double x)
{
    return x >= 0 ? 1 / (1 + expl(-x)) : expl(x) / (1 + expl(x));
}

static long double softplus_refl(long double x)
{
    return x > 0 ? x + log1pl(expl(-x)) : log1pl(expl(x));
}

struct spec {
    const char *name;
    double (*ref)(double);
    long double (*refl)(long double);
    /* float: dense over [lo, hi] with |x| >= tiny */
    float lo, hi, tiny;
    /* double: the range sampled and where the function bends */
    double lo64, hi64, bend_lo, bend_hi, tiny64;
};

static const struct spec SPECS[N_FUNCTIONS] = {
    {"exp", exp, expl, -104.0f, 89.0f, 0x1p-25f, -746, 710, -20, 20, 0x1p-60},
    {"expm1", expm1, expm1l, -18.0f, 89.0f, 0x1p-25f, -60, 710, -5, 5, 0x1p-60},
    {"log", log, logl, 0.0f, FLT_MAX, 0.0f, 0, DBL_MAX, 0, 4, 0x1p-1074},
    {"log1p", log1p, log1pl, -1.0f, FLT_MAX, 0x1p-25f, -1, DBL_MAX, -1, 4, 0x1p-60},
    {"tanh", tanh, tanhl, -9.5f, 9.5f, 0x1p-12f, -20, 20, -5, 5, 0x1p-60},
    {"erf", erf, erfl, -4.0f, 4.0f, 0.0f, -6.5, 6.5, -4, 4, 0x1p-60},
    {"logistic", logistic_ref, logistic_refl, -104.0f, 17.0f, 0x1p-26f, -746, 40, -20, 20, 0x1p-60},
    {"softplus", softplus_ref, softplus_refl, -104.0f, 17.0f, 0x1p-26f, -746, 40, -20, 20, 0x1p-60},
};

/* error of y against ref in ulp of the float format; infinite for a wrong
 * NaN, infinity or sign of zero */
static double ulp_error32(float y, double ref)
{
    if (isnan(ref) || isnan(y)) return isnan(ref) && isnan(y) ? 0 : INFINITY;
    float rounded = (float)ref;
    if (isinf(y) || isinf(rounded)) {
        if (y == rounded) return 0;
        if (isinf(y)) return INFINITY;
    }
    if (ref == 0 && y == 0) return !signbit(ref) == !signbit(y) ? 0 : INFINITY;
    int e = 0;
    frexp(ref, &e);
    int ue = ref == 0 || e - 24 < -149 ? -149 : e - 24;
    return fabs((double)y - ref) / ldexp(1.0, ue);
}

static double ulp_error64(double y, long double ref)
{
    if (isnan(ref) || isnan(y)) return isnan(ref) && isnan(y) ? 0 : INFINITY;
    double rounded = (double)ref;
    if (isinf(y) || isinf(rounded)) {
        if (y == rounded) return 0;
        if (isinf(y)) return INFINITY;
    }
    if (ref == 0 && y == 0) return !signbit(ref) == !signbit(y) ? 0 : INFINITY;
    int e = 0;
    frexpl(ref, &e);
    int ue = ref == 0 || e - 53 < -1074 ? -1074 : e - 53;
    return (double)(fabsl((long double)y - ref) / ldexpl(1.0L, ue));
}

/* ------------------------------------------------------------ results */

struct worst {
    double ulp;
    double x;
    uint64_t count;
};

static struct worst results[N_FUNCTIONS][2][MAX_VARIANTS];
static pthread_mutex_t results_lock = PTHREAD_MUTEX_INITIALIZER;

static void merge(int fn, int type, const struct worst *mine)
{
    pthread_mutex_lock(&results_lock);
    for (int v = 0; v < n_variants; v++) {
        struct worst *w = &results[fn][type][v];
        w->count += mine[v].count;
        if (mine[v].ulp > w->ulp || (isnan(w->x) && !isnan(mine[v].x)) ||
            (mine[v].ulp == w->ulp && mine[v].count && w->count == mine[v].count)) {
            w->ulp = mine[v].ulp;
            w->x = mine[v].x;
        }
    }
    pthread_mutex_unlock(&results_lock);
}

enum { BLOCK = 4096 };

static void check_block32(int fn, const float *x, size_t n, struct worst *mine)
{
    float y[BLOCK];
    double ref[BLOCK];
    for (size_t i = 0; i < n; i++) ref[i] = SPECS[fn].ref((double)x[i]);
    for (int v = 0; v < n_variants; v++) {
        variants[v]->f32[fn](y, x, n);
        for (size_t i = 0; i < n; i++) {
            double e = ulp_error32(y[i], ref[i]);
            if (e > mine[v].ulp || mine[v].count == 0) {
                if (e >= mine[v].ulp) {
                    mine[v].ulp = e;
                    mine[v].x = x[i];
                }
            }
        }
        mine[v].count += n;
    }
}

static void check_block64(int fn, const double *x, size_t n, struct worst *mine)
{
    double y[BLOCK];
    long double ref[BLOCK];
    for (size_t i = 0; i < n; i++) ref[i] = SPECS[fn].refl((long double)x[i]);
    for (int v = 0; v < n_variants; v++) {
        variants[v]->f64[fn](y, x, n);
        for (size_t i = 0; i < n; i++) {
            double e = ulp_error64(y[i], ref[i]);
            if (e > mine[v].ulp || (mine[v].count == 0 && e >= mine[v].ulp)) {
                mine[v].ulp = e;
                mine[v].x = x[i];
            }
        }
        mine[v].count += n;
    }
}

/* ------------------------------------------------------------ float: work list */

/* Bit-pattern intervals [start, end) walked with a stride; chunks of them are
 * handed to the threads. */
struct interval {
    int fn;
    uint64_t start, end, stride;
};

static struct interval *work;
static size_t n_work, next_work;

static void add_interval(int fn, uint64_t start, uint64_t end, uint64_t stride)
{
    const uint64_t chunk = (uint64_t)BLOCK * 64 * stride;
    for (uint64_t s = start; s < end; s += chunk) {
        work = realloc(work, (n_work + 1) * sizeof *work);
        if (!work) abort();
        work[n_work++] = (struct interval){fn, s, s + chunk < end ? s + chunk : end, stride};
    }
}

static uint32_t bits32(float x)
{
    uint32_t u;
    memcpy(&u, &x, sizeof u);
    return u;
}

/* the positive-magnitude bit interval of [a, b] (0 <= a <= b), as [start, end) */
static void add_magnitudes(int fn, float a, float b, uint32_t sign)
{
    if (!(a <= b)) return;
    uint64_t start = bits32(a), end = (uint64_t)bits32(b) + 1;
    if (start == 0 && sign) start = 1; /* -0 is a special value */
    add_interval(fn, sign | start, sign | end, 1);
}

static void plan_float(int fn)
{
    const struct spec *s = &SPECS[fn];
    float tiny = s->tiny > 0 ? s->tiny : 0x1p-149f;
    if (s->hi > 0) add_magnitudes(fn, s->lo > tiny ? s->lo : tiny, s->hi, 0);
    if (s->lo < 0) add_magnitudes(fn, s->hi < -tiny ? -s->hi : tiny, -s->lo, 0x80000000u);
    add_interval(fn, 0, (uint64_t)1 << 32, 256); /* everything else, sparsely */
}

static void *float_worker(void *arg)
{
    (void)arg;
    float x[BLOCK];
    for (;;) {
        size_t k = __atomic_fetch_add(&next_work, 1, __ATOMIC_RELAXED);
        if (k >= n_work) break;
        struct interval w = work[k];
        struct worst mine[MAX_VARIANTS] = {{0}};
        size_t n = 0;
        for (uint64_t b = w.start; b < w.end; b += w.stride) {
            uint32_t u = (uint32_t)b;
            memcpy(&x[n], &u, sizeof u);
            if (++n == BLOCK) {
                check_block32(w.fn, x, n, mine);
                n = 0;
            }
        }
        if (n) check_block32(w.fn, x, n, mine);
        merge(w.fn, 0, mine);
    }
    return NULL;
}

/* ------------------------------------------------------------ double: samples */

enum { SAMPLES64 = 12000000, CHUNKS64 = 48 };

static uint64_t splitmix(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

static double uniform(uint64_t *s)
{
    return (double)(splitmix(s) >> 11) * 0x1p-53;
}

static double sample64(const struct spec *s, uint64_t *state)
{
    for (;;) {
        double u = uniform(state), x;
        int kind = (int)(splitmix(state) % 5);
        if (kind < 2) {
            x = s->bend_lo + (s->bend_hi - s->bend_lo) * u;
        } else if (kind < 4) {
            double top = fmax(fabs(s->lo64), fabs(s->hi64));
            double lt = log2(s->tiny64), lh = log2(top);
            x = exp2(lt + (lh - lt) * u);
            if (splitmix(state) & 1) x = -x;
        } else {
            uint64_t b = splitmix(state) & 0x7fffffffffffffffu;
            memcpy(&x, &b, sizeof x);
            if (splitmix(state) & 1) x = -x;
        }
        if (x >= s->lo64 && x <= s->hi64 && isfinite(x)) return x;
    }
}

static size_t next_chunk64;

static void *double_worker(void *arg)
{
    (void)arg;
    double x[BLOCK];
    for (;;) {
        size_t k = __atomic_fetch_add(&next_chunk64, 1, __ATOMIC_RELAXED);
        if (k >= (size_t)N_FUNCTIONS * CHUNKS64) break;
        int fn = (int)(k / CHUNKS64);
        uint64_t state = 0x5eed0000u + k;
        struct worst mine[MAX_VARIANTS] = {{0}};
        for (size_t done = 0; done < SAMPLES64 / CHUNKS64;) {
            size_t n = SAMPLES64 / CHUNKS64 - done < BLOCK ? SAMPLES64 / CHUNKS64 - done : BLOCK;
            for (size_t i = 0; i < n; i++) x[i] = sample64(&SPECS[fn], &state);
            check_block64(fn, x, n, mine);
            done += n;
        }
        merge(fn, 1, mine);
    }
    return NULL;
}

/* ------------------------------------------------------------ special values */

static void check_specials(void)
{
    const double values[] = {NAN, -NAN, INFINITY, -INFINITY, 0.0, -0.0, 1.0, -1.0,
                             0.5, -0.5, 2.0, -2.0, 20.0, -20.0, 50.0, -50.0,
                             88.72, 89.0, -87.5, -103.9, -104.0, 709.7, 710.0, -745.0,
                             -746.0, FLT_MAX, -FLT_MAX, DBL_MAX, -DBL_MAX, FLT_MIN,
                             -FLT_MIN, DBL_MIN, -DBL_MIN, 0x1p-149, -0x1p-149,
                             0x1p-1074, -0x1p-1074, 1e-30, -1e-30};
    const size_t n = sizeof values / sizeof values[0];
    for (int fn = 0; fn < N_FUNCTIONS; fn++) {
        float x32[64];
        double x64[64];
        for (size_t i = 0; i < n; i++) {
            x32[i] = (float)values[i];
            x64[i] = values[i];
        }
        struct worst mine[MAX_VARIANTS] = {{0}};
        check_block32(fn, x32, n, mine);
        merge(fn, 0, mine);
        memset(mine, 0, sizeof mine);
        check_block64(fn, x64, n, mine);
        merge(fn, 1, mine);
    }
}

/* ------------------------------------------------------------ main */

static void run(void *(*worker)(void *), int n_threads)
{
    pthread_t threads[64];
    for (int t = 0; t < n_threads; t++)
        if (pthread_create(&threads[t], NULL, worker, NULL)) abort();
    for (int t = 0; t < n_threads; t++) pthread_join(threads[t], NULL);
}

int main(void)
{
    variants[n_variants++] = &variant_baseline;
#ifdef HAVE_V3
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
        variants[n_variants++] = &variant_v3;
    else
        printf("this CPU has no AVX2+FMA: the x86-64-v3 build is not checked\n");
#endif
#ifdef HAVE_V4
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
        __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl"))
        variants[n_variants++] = &variant_v4;
    else
        printf("this CPU has no AVX-512: the x86-64-v4 build is not checked\n");
#endif
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    int n_threads = cpus < 1 ? 1 : (cpus > 64 ? 64 : (int)cpus);
    for (int fn = 0; fn < N_FUNCTIONS; fn++)
        for (int t = 0; t < 2; t++)
            for (int v = 0; v < MAX_VARIANTS; v++) results[fn][t][v].x = NAN;

    check_specials();
    for (int fn = 0; fn < N_FUNCTIONS; fn++) plan_float(fn);
    run(float_worker, n_threads);
    run(double_worker, n_threads);

    int failed = 0;
    printf("%-9s %-7s %-9s %12s %9s  %s\n", "function", "type", "build", "inputs", "max ulp",
           "at x");
    for (int fn = 0; fn < N_FUNCTIONS; fn++)
        for (int t = 0; t < 2; t++)
            for (int v = 0; v < n_variants; v++) {
                const struct worst *w = &results[fn][t][v];
                double bound = t == 0 ? 2.0 : 4.0;
                int bad = !(w->ulp <= bound);
                failed |= bad;
                printf("%-9s %-7s %-9s %12llu %9.3f  %.17g%s\n", SPECS[fn].name,
                       t == 0 ? "float" : "double", variants[v]->name,
                       (unsigned long long)w->count, w->ulp, w->x,
                       bad ? "  ABOVE THE BOUND" : "");
            }
    printf(failed ? "FAILED: an error above 2 ulp (float) or 4 ulp (double)\n"
                  : "all within 2 ulp (float) and 4 ulp (double)\n");
    return failed;
}
