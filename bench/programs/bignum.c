/*
 * bignum - arbitrary-precision arithmetic on 32-bit limbs: computes n! by repeated small
 * multiplication, converts it to decimal by repeated division by 10^9, and squares a large
 * number with schoolbook multiplication. Measures 64-bit multiply/divide and carry chains.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static volatile uint32_t fact_n = 20000;
static volatile uint32_t square_limbs = 13000;

typedef struct big {
    uint32_t *limb; /* little-endian base 2^32 */
    size_t len, cap;
} big_t;

static void big_reserve(big_t *b, size_t cap)
{
    if (cap <= b->cap)
        return;
    uint32_t *p = realloc(b->limb, cap * sizeof *p);
    if (!p) {
        fputs("out of memory\n", stderr);
        exit(1);
    }
    b->limb = p;
    b->cap = cap;
}

static void big_mul_small(big_t *b, uint32_t m)
{
    uint64_t carry = 0;
    for (size_t i = 0; i < b->len; i++) {
        uint64_t v = (uint64_t)b->limb[i] * m + carry;
        b->limb[i] = (uint32_t)v;
        carry = v >> 32;
    }
    if (carry) {
        big_reserve(b, b->len + 1);
        b->limb[b->len++] = (uint32_t)carry;
    }
}

/* Divides in place, returns the remainder. */
static uint32_t big_div_small(big_t *b, uint32_t d)
{
    uint64_t rem = 0;
    for (size_t i = b->len; i-- > 0;) {
        uint64_t cur = rem << 32 | b->limb[i];
        b->limb[i] = (uint32_t)(cur / d);
        rem = cur % d;
    }
    while (b->len > 0 && b->limb[b->len - 1] == 0)
        b->len--;
    return (uint32_t)rem;
}

static void big_square(const big_t *a, big_t *out)
{
    big_reserve(out, 2 * a->len);
    for (size_t i = 0; i < 2 * a->len; i++)
        out->limb[i] = 0;
    for (size_t i = 0; i < a->len; i++) {
        uint64_t carry = 0, ai = a->limb[i];
        for (size_t j = 0; j < a->len; j++) {
            uint64_t v = ai * a->limb[j] + out->limb[i + j] + carry;
            out->limb[i + j] = (uint32_t)v;
            carry = v >> 32;
        }
        out->limb[i + a->len] = (uint32_t)carry;
    }
    out->len = 2 * a->len;
    while (out->len > 0 && out->limb[out->len - 1] == 0)
        out->len--;
}

int main(void)
{
    big_t f = {0};
    big_reserve(&f, 16);
    f.limb[0] = 1;
    f.len = 1;
    for (uint32_t i = 2; i <= fact_n; i++)
        big_mul_small(&f, i);
    size_t bits = f.len * 32;

    /* Square a pseudo-random number before the factorial is consumed by the conversion. */
    big_t s = {0}, sq = {0};
    big_reserve(&s, square_limbs);
    uint32_t x = 2463534242u;
    for (size_t i = 0; i < square_limbs; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        s.limb[i] = x;
    }
    s.len = square_limbs;
    big_square(&s, &sq);
    uint32_t sqh = 0;
    for (size_t i = 0; i < sq.len; i++)
        sqh = sqh * 31u + sq.limb[i];

    /* Decimal conversion: digit sum and the leading nine digits. */
    uint64_t digit_sum = 0;
    size_t digits = 0;
    uint32_t top = 0;
    while (f.len > 0) {
        uint32_t chunk = big_div_small(&f, 1000000000u);
        top = chunk;
        for (int k = 0; k < 9; k++) {
            digit_sum += chunk % 10;
            chunk /= 10;
            digits++;
        }
    }
    printf("bignum checksum: %08x (%u! has ~%zu bits, digit sum %llu, leading %u, %zu limbs squared)\n",
           (unsigned)(sqh ^ (uint32_t)digit_sum), (unsigned)fact_n, bits,
           (unsigned long long)digit_sum, (unsigned)top, s.len);
    free(f.limb);
    free(s.limb);
    free(sq.limb);
    (void)digits;
    return 0;
}
