/*
 * matmul - dense double-precision matrix multiply (i-k-j order) followed by a few rounds of
 * Jacobi-style relaxation on a grid. Measures f64 loads, multiplies and adds in tight loops.
 * Only +, -, * and / are used, so the result is bit-identical on every IEEE-754 target.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static volatile uint32_t mat_n = 560;
static volatile uint32_t grid_n = 400;
static volatile uint32_t relax_rounds = 400;

static uint64_t bits_of(double d)
{
    uint64_t u;
    memcpy(&u, &d, sizeof u);
    return u;
}

static uint64_t mix(uint64_t h, double d)
{
    h ^= bits_of(d);
    h *= 0x100000001b3ull;
    return h;
}

int main(void)
{
    size_t n = mat_n;
    double *a = malloc(n * n * sizeof *a);
    double *b = malloc(n * n * sizeof *b);
    double *c = calloc(n * n, sizeof *c);
    if (!a || !b || !c) {
        fputs("out of memory\n", stderr);
        return 1;
    }
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++) {
            a[i * n + j] = (double)((i * 7 + j * 3) % 17) / 8.0 - 1.0;
            b[i * n + j] = (double)((i * 5 + j * 11) % 13) / 4.0 - 1.5;
        }
    for (int rep = 0; rep < 2; rep++) {
        for (size_t i = 0; i < n; i++)
            for (size_t k = 0; k < n; k++) {
                double aik = a[i * n + k];
                for (size_t j = 0; j < n; j++)
                    c[i * n + j] += aik * b[k * n + j];
            }
        /* Feed the product back so the second round depends on the first. */
        for (size_t i = 0; i < n * n; i++)
            a[i] = c[i] / 64.0;
    }
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < n * n; i += 3)
        h = mix(h, c[i]);

    size_t g = grid_n;
    double *u = calloc(g * g, sizeof *u);
    double *v = calloc(g * g, sizeof *v);
    if (!u || !v) {
        fputs("out of memory\n", stderr);
        return 1;
    }
    for (size_t i = 0; i < g; i++) {
        u[i] = v[i] = 1.0;                     /* top edge held hot */
        u[i * g] = v[i * g] = 0.5;             /* left edge warm */
    }
    for (uint32_t r = 0; r < relax_rounds; r++) {
        for (size_t i = 1; i + 1 < g; i++)
            for (size_t j = 1; j + 1 < g; j++)
                v[i * g + j] = 0.25 * (u[(i - 1) * g + j] + u[(i + 1) * g + j] +
                                       u[i * g + j - 1] + u[i * g + j + 1]);
        double *t = u;
        u = v;
        v = t;
    }
    double total = 0.0;
    for (size_t i = 0; i < g * g; i++)
        total += u[i];
    h = mix(h, total);
    printf("matmul checksum: %016llx (grid sum %.6f)\n", (unsigned long long)h, total);
    free(a);
    free(b);
    free(c);
    free(u);
    free(v);
    return 0;
}
