/*
 * nbody - a gravitational n-body simulation (symplectic Euler) plus a Mandelbrot set
 * escape-count render. Measures f64 arithmetic with sqrt and divides, and data-dependent
 * floating-point loop exits. sqrt is correctly rounded in IEEE-754 and in Wasm, so the
 * output is bit-identical everywhere.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define BODIES 5

typedef struct body {
    double x, y, z, vx, vy, vz, mass;
} body_t;

static volatile uint32_t steps_n = 3000000;
static volatile uint32_t mandel_size = 600;
static volatile uint32_t mandel_iter = 200;

static void advance(body_t *b, int n, double dt)
{
    for (int i = 0; i < n; i++)
        for (int j = i + 1; j < n; j++) {
            double dx = b[i].x - b[j].x, dy = b[i].y - b[j].y, dz = b[i].z - b[j].z;
            double d2 = dx * dx + dy * dy + dz * dz;
            double dist = sqrt(d2);
            double mag = dt / (d2 * dist);
            b[i].vx -= dx * b[j].mass * mag;
            b[i].vy -= dy * b[j].mass * mag;
            b[i].vz -= dz * b[j].mass * mag;
            b[j].vx += dx * b[i].mass * mag;
            b[j].vy += dy * b[i].mass * mag;
            b[j].vz += dz * b[i].mass * mag;
        }
    for (int i = 0; i < n; i++) {
        b[i].x += dt * b[i].vx;
        b[i].y += dt * b[i].vy;
        b[i].z += dt * b[i].vz;
    }
}

static double energy(const body_t *b, int n)
{
    double e = 0.0;
    for (int i = 0; i < n; i++) {
        e += 0.5 * b[i].mass * (b[i].vx * b[i].vx + b[i].vy * b[i].vy + b[i].vz * b[i].vz);
        for (int j = i + 1; j < n; j++) {
            double dx = b[i].x - b[j].x, dy = b[i].y - b[j].y, dz = b[i].z - b[j].z;
            e -= b[i].mass * b[j].mass / sqrt(dx * dx + dy * dy + dz * dz);
        }
    }
    return e;
}

static uint32_t mandelbrot(uint32_t size, uint32_t max_iter)
{
    uint32_t total = 0;
    for (uint32_t py = 0; py < size; py++) {
        double ci = (double)py * 2.4 / size - 1.2;
        for (uint32_t px = 0; px < size; px++) {
            double cr = (double)px * 3.0 / size - 2.1;
            double zr = 0.0, zi = 0.0;
            uint32_t k = 0;
            while (k < max_iter && zr * zr + zi * zi <= 4.0) {
                double t = zr * zr - zi * zi + cr;
                zi = 2.0 * zr * zi + ci;
                zr = t;
                k++;
            }
            total = total * 3u + k;
        }
    }
    return total;
}

int main(void)
{
    /* A sun and four planets with made-up but stable-looking orbits. */
    body_t b[BODIES] = {
        {0, 0, 0, 0, 0, 0, 39.47},
        {4.84, -1.16, -0.10, 0.606, 2.81, -0.025, 0.037},
        {8.34, 4.12, -0.40, -1.01, 1.82, 0.008, 0.011},
        {12.89, -15.11, -0.22, 1.08, 0.868, -0.010, 0.0017},
        {15.37, -25.91, 0.179, 0.979, 0.594, -0.034, 0.0020},
    };
    double e0 = energy(b, BODIES);
    uint32_t steps = steps_n;
    for (uint32_t s = 0; s < steps; s++)
        advance(b, BODIES, 0.001);
    double e1 = energy(b, BODIES);
    uint64_t bits;
    memcpy(&bits, &e1, sizeof bits);
    uint32_t m = mandelbrot(mandel_size, mandel_iter);
    printf("nbody checksum: %016llx %08x (energy %.9f -> %.9f)\n", (unsigned long long)bits,
           (unsigned)m, e0, e1);
    return 0;
}
