/* The one random generator of a fit (shuffling, dropout): xoshiro256**,
 * seeded through splitmix64 so that any 64-bit seed gives a good state. */
#include "nnfast.h"

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

void nnf_rng_seed(uint64_t state[4], uint64_t seed)
{
    for (int i = 0; i < 4; i++) state[i] = splitmix64(&seed);
}

static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

uint64_t nnf_rng_next(uint64_t s[4])
{
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

size_t nnf_rng_below(uint64_t state[4], size_t n)
{
    /* Rejection sampling: unbiased for every n. */
    uint64_t bound = (uint64_t)n;
    uint64_t limit = UINT64_MAX - (UINT64_MAX % bound);
    uint64_t r;
    do {
        r = nnf_rng_next(state);
    } while (r >= limit);
    return (size_t)(r % bound);
}

void nnf_shuffle(size_t *idx, uint64_t state[4], size_t n)
{
    for (size_t i = n; i > 1; i--) {
        size_t j = nnf_rng_below(state, i);
        size_t tmp = idx[i - 1];
        idx[i - 1] = idx[j];
        idx[j] = tmp;
    }
}
