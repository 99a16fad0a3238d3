/*
 * loops - tight integer loops: a byte sieve of Eratosthenes, Collatz chain lengths with
 * 64-bit arithmetic, and a nested-loop modular sum. Measures branches, adds, shifts and
 * byte loads/stores with little call overhead.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static volatile uint32_t sieve_limit = 20000000;
static volatile uint32_t collatz_limit = 1500000;
static volatile uint32_t nested_n = 5000;

static uint32_t sieve(uint32_t limit, uint64_t *sum_out)
{
    uint8_t *composite = calloc(limit + 1, 1);
    if (!composite) {
        fputs("out of memory\n", stderr);
        exit(1);
    }
    for (uint32_t i = 2; (uint64_t)i * i <= limit; i++)
        if (!composite[i])
            for (uint32_t j = i * i; j <= limit; j += i)
                composite[j] = 1;
    uint32_t count = 0;
    uint64_t sum = 0;
    for (uint32_t i = 2; i <= limit; i++)
        if (!composite[i]) {
            count++;
            sum += i;
        }
    free(composite);
    *sum_out = sum;
    return count;
}

static uint32_t collatz(uint32_t limit, uint32_t *best_start)
{
    uint32_t best = 0;
    for (uint32_t start = 1; start < limit; start++) {
        uint64_t n = start;
        uint32_t steps = 0;
        while (n != 1) {
            n = (n & 1) ? 3 * n + 1 : n >> 1;
            steps++;
        }
        if (steps > best) {
            best = steps;
            *best_start = start;
        }
    }
    return best;
}

static uint32_t nested(uint32_t n)
{
    uint32_t acc = 0;
    for (uint32_t i = 1; i <= n; i++)
        for (uint32_t j = 1; j <= n; j++)
            acc += (i ^ j) * ((i + j) & 7) + ((i * j) >> 3);
    return acc;
}

int main(void)
{
    uint64_t psum = 0;
    uint32_t primes = sieve(sieve_limit, &psum);
    uint32_t best_start = 0;
    uint32_t best = collatz(collatz_limit, &best_start);
    uint32_t acc = nested(nested_n);
    uint32_t h = 2166136261u;
    uint32_t parts[5] = {primes, (uint32_t)psum, (uint32_t)(psum >> 32), best * 1000003u + best_start, acc};
    for (int i = 0; i < 5; i++)
        h = (h ^ parts[i]) * 16777619u;
    printf("loops checksum: %08x (primes %u, collatz %u@%u)\n", (unsigned)h, (unsigned)primes,
           (unsigned)best, (unsigned)best_start);
    return 0;
}
