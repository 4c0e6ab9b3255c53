/* The spin-then-sleep barrier of barrier.h. */
#include "barrier.h"

#include <time.h>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define NNF_CPU_RELAX() _mm_pause()
#else
#define NNF_CPU_RELAX() ((void)0)
#endif

int nnf_barrier_init(nnf_barrier *b, int n)
{
    int err = pthread_mutex_init(&b->mutex, NULL);
    if (err) return err;
    err = pthread_cond_init(&b->cond, NULL);
    if (err) {
        pthread_mutex_destroy(&b->mutex);
        return err;
    }
    b->n = n;
    b->arrived = 0;
    b->generation = 0;
    return 0;
}

void nnf_barrier_destroy(nnf_barrier *b)
{
    pthread_cond_destroy(&b->cond);
    pthread_mutex_destroy(&b->mutex);
}

void nnf_barrier_lower(nnf_barrier *b, int n)
{
    __atomic_store_n(&b->n, n, __ATOMIC_RELEASE);
}

static long long now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

void nnf_barrier_wait(nnf_barrier *b)
{
    unsigned gen = __atomic_load_n(&b->generation, __ATOMIC_ACQUIRE);
    if (__atomic_add_fetch(&b->arrived, 1, __ATOMIC_ACQ_REL) ==
        __atomic_load_n(&b->n, __ATOMIC_ACQUIRE)) {
        /* the last one: reset, then release the others (under the mutex, so that a
         * thread between its check and its sleep cannot miss the wake-up) */
        __atomic_store_n(&b->arrived, 0, __ATOMIC_RELAXED);
        pthread_mutex_lock(&b->mutex);
        __atomic_store_n(&b->generation, gen + 1, __ATOMIC_RELEASE);
        pthread_cond_broadcast(&b->cond);
        pthread_mutex_unlock(&b->mutex);
        return;
    }
    long long deadline = now_ns() + NNF_BARRIER_SPIN_NS;
    for (unsigned spins = 1;; spins++) {
        if (__atomic_load_n(&b->generation, __ATOMIC_ACQUIRE) != gen) return;
        NNF_CPU_RELAX();
        if (spins % 64 == 0 && now_ns() > deadline) break;
    }
    pthread_mutex_lock(&b->mutex);
    while (__atomic_load_n(&b->generation, __ATOMIC_ACQUIRE) == gen)
        pthread_cond_wait(&b->cond, &b->mutex);
    pthread_mutex_unlock(&b->mutex);
}
