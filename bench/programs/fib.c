/*
 * fib - call-heavy recursion: naive Fibonacci plus the Takeuchi function.
 * Measures the cost of function calls, returns and small-frame locals.
 */
#include <stdint.h>
#include <stdio.h>

/* Read through a volatile so the compiler cannot fold the workload at build time. */
static volatile uint32_t fib_n = 38;
static volatile int32_t tak_x = 30, tak_y = 20, tak_z = 10;

static uint32_t fib(uint32_t n)
{
    if (n < 2)
        return n;
    return fib(n - 1) + fib(n - 2);
}

static int32_t tak(int32_t x, int32_t y, int32_t z)
{
    if (y >= x)
        return z;
    return tak(tak(x - 1, y, z), tak(y - 1, z, x), tak(z - 1, x, y));
}

int main(void)
{
    uint32_t sum = 0;
    for (uint32_t i = 0; i < 3; i++)
        sum = sum * 31u + fib(fib_n - i);
    int32_t t = tak(tak_x, tak_y, tak_z);
    sum = sum * 31u + (uint32_t)t;
    printf("fib checksum: %08x\n", (unsigned)sum);
    return 0;
}
