/*
 * A reusable barrier for the training team (train_impl.h): each thread spins
 * briefly, then sleeps on a condition variable. A minibatch of a small network
 * takes tens of microseconds, too short for a sleep-and-wake round trip on every
 * one; a busy machine must not be burnt by spinning forever either, so the spin
 * is bounded by time (NNF_BARRIER_SPIN_NS).
 */
#ifndef NNFAST_BARRIER_H
#define NNFAST_BARRIER_H

#include <pthread.h>

#define NNF_BARRIER_SPIN_NS 50000

typedef struct {
    pthread_mutex_t mutex;
    pthread_cond_t cond;
    int n;                /* threads that meet at the barrier (atomic: it may be
                             lowered before the first wait, see nnf_barrier_lower) */
    int arrived;          /* how many have arrived in this generation (atomic) */
    unsigned generation;  /* advanced when the last one arrives (atomic) */
} nnf_barrier;

/* 0 on success, else an errno value (nothing to destroy then). */
int nnf_barrier_init(nnf_barrier *b, int n);
void nnf_barrier_destroy(nnf_barrier *b);
/* Lower the count to n before the first generation completes, by a thread that
 * has not arrived yet: for when fewer threads than planned could be started. */
void nnf_barrier_lower(nnf_barrier *b, int n);
/* Blocks until b->n threads have called it; every write made before the call by
 * any of them is visible to all of them after it. */
void nnf_barrier_wait(nnf_barrier *b);

#endif /* NNFAST_BARRIER_H */
