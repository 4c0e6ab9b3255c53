/* How long moving data from one core to another takes, second by second.
 *
 * A threaded fit hands each minibatch's parameters and gradients from one core
 * to the other, so its speed depends on how far apart the two cores are (one
 * shared cache, or none). On a virtual machine that distance can change while
 * the program runs, when the host moves the virtual CPUs. This probe shows it:
 * two threads, pinned to two CPUs, take turns reading a 32 KiB buffer the other
 * has just written, and every half second it prints the median time per cache
 * line moved.
 *
 *     cc -O2 -pthread bench/core_to_core.c -o /tmp/core_to_core
 *     /tmp/core_to_core [seconds=10] [cpu_a=0] [cpu_b=1]
 *
 * Linux only (thread affinity). Exits 1 when a thread cannot be pinned.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define LINES 512   /* 32 KiB of 64-byte lines: fits any L1 and L2 */
#define SAMPLES 65536

static struct { volatile long v; char pad[56]; } turn __attribute__((aligned(64)));
static volatile long buf[LINES * 8] __attribute__((aligned(64)));
static volatile int stop;

static long long now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000000000LL + t.tv_nsec;
}

static int pin(int cpu)
{
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    return pthread_setaffinity_np(pthread_self(), sizeof set, &set);
}

static int cmp_ll(const void *a, const void *b)
{
    long long x = *(const long long *)a, y = *(const long long *)b;
    return (x > y) - (x < y);
}

/* Wait for turn `mine`, read every line (the other core wrote them), write
 * every line, pass the turn on; returns the time the reads took. */
static long long take_turn(long mine)
{
    while (turn.v != mine)
        if (stop) return 0;
    long long t = now_ns();
    long sum = 0;
    for (int i = 0; i < LINES; i++) sum += buf[i * 8];
    t = now_ns() - t;
    for (int i = 0; i < LINES; i++) buf[i * 8] = sum + i;
    turn.v = mine + 1;
    return t;
}

static int cpu_b;
static volatile int b_pinned = -1;

static void *other(void *arg)
{
    (void)arg;
    b_pinned = pin(cpu_b) == 0;
    for (long mine = 1; !stop; mine += 2) take_turn(mine);
    return NULL;
}

int main(int argc, char **argv)
{
    double seconds = argc > 1 ? atof(argv[1]) : 10;
    int cpu_a = argc > 2 ? atoi(argv[2]) : 0;
    cpu_b = argc > 3 ? atoi(argv[3]) : 1;
    if (pin(cpu_a) != 0) {
        fprintf(stderr, "core_to_core: cannot run on CPU %d\n", cpu_a);
        return 1;
    }
    static long long reads[SAMPLES];
    pthread_t thread;
    if (pthread_create(&thread, NULL, other, NULL) != 0) return 1;
    printf("CPU %d reading %d cache lines just written on CPU %d: ns per line\n", cpu_a,
           LINES, cpu_b);
    long long start = now_ns(), window = start;
    int n = 0, status = 0;
    for (long mine = 0; now_ns() - start < seconds * 1e9; mine += 2) {
        long long t = take_turn(mine);
        if (b_pinned == 0) {
            fprintf(stderr, "core_to_core: cannot run on CPU %d\n", cpu_b);
            status = 1;
            break;
        }
        if (mine > 0 && n < SAMPLES) reads[n++] = t;
        if (now_ns() - window >= 500000000LL && n > 0) {
            qsort(reads, n, sizeof reads[0], cmp_ll);
            printf("%6.1f s  median %5.1f  (p10 %5.1f, p90 %5.1f; %d rounds)\n",
                   (now_ns() - start) / 1e9, (double)reads[n / 2] / LINES,
                   (double)reads[n / 10] / LINES, (double)reads[n * 9 / 10] / LINES, n);
            fflush(stdout);
            n = 0;
            window = now_ns();
        }
    }
    stop = 1;
    pthread_join(thread, NULL);
    return status;
}
