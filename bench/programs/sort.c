/*
 * sort - memory-heavy sorting of LCG-generated integers: an in-place quicksort (median of
 * three, insertion sort for short runs) and a bottom-up merge sort with a scratch buffer.
 * Measures loads/stores over a large linear memory and unpredictable branches.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static volatile uint32_t count_n = 1500000;

static uint32_t lcg_state;

static uint32_t lcg_next(void)
{
    lcg_state = lcg_state * 1664525u + 1013904223u;
    return lcg_state ^ (lcg_state >> 15);
}

static void insertion_sort(uint32_t *a, size_t n)
{
    for (size_t i = 1; i < n; i++) {
        uint32_t v = a[i];
        size_t j = i;
        while (j > 0 && a[j - 1] > v) {
            a[j] = a[j - 1];
            j--;
        }
        a[j] = v;
    }
}

static void swap_u32(uint32_t *a, uint32_t *b)
{
    uint32_t t = *a;
    *a = *b;
    *b = t;
}

static void quicksort(uint32_t *a, size_t n)
{
    while (n > 24) {
        size_t mid = n / 2;
        if (a[mid] < a[0])
            swap_u32(&a[mid], &a[0]);
        if (a[n - 1] < a[0])
            swap_u32(&a[n - 1], &a[0]);
        if (a[n - 1] < a[mid])
            swap_u32(&a[n - 1], &a[mid]);
        uint32_t pivot = a[mid];
        size_t i = 0, j = n - 1;
        for (;;) {
            while (a[i] < pivot)
                i++;
            while (a[j] > pivot)
                j--;
            if (i >= j)
                break;
            swap_u32(&a[i], &a[j]);
            i++;
            j--;
        }
        /* Recurse into the smaller half, loop on the larger one: bounded stack depth. */
        size_t left = j + 1;
        if (left < n - left) {
            quicksort(a, left);
            a += left;
            n -= left;
        } else {
            quicksort(a + left, n - left);
            n = left;
        }
    }
    insertion_sort(a, n);
}

static void merge_sort(int32_t *a, int32_t *tmp, size_t n)
{
    for (size_t width = 1; width < n; width *= 2) {
        for (size_t lo = 0; lo < n; lo += 2 * width) {
            size_t mid = lo + width < n ? lo + width : n;
            size_t hi = lo + 2 * width < n ? lo + 2 * width : n;
            size_t i = lo, j = mid, k = lo;
            while (i < mid && j < hi)
                tmp[k++] = a[i] <= a[j] ? a[i++] : a[j++];
            while (i < mid)
                tmp[k++] = a[i++];
            while (j < hi)
                tmp[k++] = a[j++];
        }
        int32_t *t = a;
        a = tmp;
        tmp = t;
    }
    (void)tmp;
}

static uint32_t digest(const uint32_t *a, size_t n)
{
    uint32_t h = 0;
    for (size_t i = 0; i < n; i += 7)
        h = h * 33u + a[i];
    return h;
}

int main(void)
{
    size_t n = count_n;
    uint32_t *a = malloc(n * sizeof *a);
    int32_t *b = malloc(n * sizeof *b);
    int32_t *tmp = malloc(n * sizeof *tmp);
    if (!a || !b || !tmp) {
        fputs("out of memory\n", stderr);
        return 1;
    }
    lcg_state = 12345;
    for (size_t i = 0; i < n; i++)
        a[i] = lcg_next();
    quicksort(a, n);
    for (size_t i = 1; i < n; i++)
        if (a[i - 1] > a[i]) {
            fputs("quicksort failed\n", stderr);
            return 1;
        }
    uint32_t h1 = digest(a, n);

    lcg_state = 987654321;
    for (size_t i = 0; i < n; i++)
        b[i] = (int32_t)(lcg_next() % 2000001u) - 1000000;
    merge_sort(b, tmp, n);
    /* The number of passes decides which buffer holds the result. */
    size_t passes = 0;
    for (size_t w = 1; w < n; w *= 2)
        passes++;
    const int32_t *sorted = (passes & 1) ? tmp : b;
    for (size_t i = 1; i < n; i++)
        if (sorted[i - 1] > sorted[i]) {
            fputs("merge sort failed\n", stderr);
            return 1;
        }
    uint32_t h2 = 0;
    for (size_t i = 0; i < n; i += 5)
        h2 = h2 * 31u + (uint32_t)sorted[i];
    printf("sort checksum: %08x %08x\n", (unsigned)h1, (unsigned)h2);
    free(a);
    free(b);
    free(tmp);
    return 0;
}
