/* The spin-then-sleep wait of event.h, and the count of the threads in use. */
#define _GNU_SOURCE /* sched_getaffinity */
#include "event.h"

#include <sched.h>
#include <time.h>
#include <unistd.h>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define NNF_CPU_RELAX() _mm_pause()
#else
#define NNF_CPU_RELAX() ((void)0)
#endif

int nnf_event_init(nnf_event *e)
{
    int err = pthread_mutex_init(&e->mutex, NULL);
    if (err) return err;
    err = pthread_cond_init(&e->cond, NULL);
    if (err) pthread_mutex_destroy(&e->mutex);
    return err;
}

void nnf_event_destroy(nnf_event *e)
{
    pthread_cond_destroy(&e->cond);
    pthread_mutex_destroy(&e->mutex);
}

void nnf_event_notify(nnf_event *e)
{
    /* under the mutex, so that a waiter between its last look and its sleep
     * cannot miss the wake-up */
    pthread_mutex_lock(&e->mutex);
    pthread_cond_broadcast(&e->cond);
    pthread_mutex_unlock(&e->mutex);
}

void nnf_cpu_relax(void) { NNF_CPU_RELAX(); }

long long nnf_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

void nnf_event_wait(nnf_event *e, int (*ready)(void *ctx), void *ctx)
{
    long long deadline = nnf_now_ns() + NNF_SPIN_NS;
    for (unsigned spins = 1;; spins++) {
        if (ready(ctx)) return;
        NNF_CPU_RELAX();
        if (spins % 64 == 0 && nnf_now_ns() > deadline) break;
    }
    pthread_mutex_lock(&e->mutex);
    while (!ready(ctx)) pthread_cond_wait(&e->cond, &e->mutex);
    pthread_mutex_unlock(&e->mutex);
}

static long claimed_threads;

void nnf_claim_threads(long n) { __atomic_add_fetch(&claimed_threads, n, __ATOMIC_RELAXED); }

long nnf_claimed_threads(void) { return __atomic_load_n(&claimed_threads, __ATOMIC_RELAXED); }

long nnf_usable_cpus(void)
{
#ifdef __linux__
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == 0) return CPU_COUNT(&set);
#endif
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? n : 1;
}
