/*
 * Waiting between the threads of a training team (train_impl.h) for something
 * another thread changes: spin briefly, then sleep. A minibatch of a small
 * network takes tens of microseconds, too short for a sleep-and-wake round trip
 * each; a busy machine must not be burnt by spinning either, so the spin is
 * bounded by time (NNF_SPIN_NS).
 */
#ifndef NNFAST_EVENT_H
#define NNFAST_EVENT_H

#include <pthread.h>

#define NNF_SPIN_NS 50000

typedef struct {
    pthread_mutex_t mutex;
    pthread_cond_t cond;
} nnf_event;

/* 0 on success, else an errno value (nothing to destroy then). */
int nnf_event_init(nnf_event *e);
void nnf_event_destroy(nnf_event *e);
/* Wake the threads waiting on e; call it after changing what they wait for. */
void nnf_event_notify(nnf_event *e);
/* Return once ready(ctx) is nonzero (it reads what other threads change, with
 * acquire loads): spin up to NNF_SPIN_NS, then sleep until notified. */
void nnf_event_wait(nnf_event *e, int (*ready)(void *ctx), void *ctx);

/* Monotonic nanoseconds; a pause for spin loops. */
long long nnf_now_ns(void);
void nnf_cpu_relax(void);

/* The threads this process's training epochs use, counted while they run: an
 * epoch of T parts adds T at its start (nnf_claim_threads(T)) and takes them
 * off at its end. While they outnumber the CPUs the process may use
 * (nnf_usable_cpus), threads that spin waiting for one another would take
 * turns on the same cores, and each epoch does its parts on its own thread. */
void nnf_claim_threads(long n);
long nnf_claimed_threads(void);
long nnf_usable_cpus(void);

#endif /* NNFAST_EVENT_H */
