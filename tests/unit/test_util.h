/* test_util.h - what the unit tests share: the CHECK macro with its failure and check counts,
 * the end-of-run report, error expectations, allocators that count (and fail on request), and
 * reading a file.
 *
 * The Makefile builds each tests/unit/test_*.c as its own program, so this is a header of
 * static functions and macros (one copy in each test that includes it), not a library. */
#ifndef WEFT_TEST_UTIL_H
#define WEFT_TEST_UTIL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "weft.h"

static int failures, checks;

/* Counts one check, reporting it at file:line when it failed. */
static inline void test_check(bool ok, const char *file, int line, const char *what)
{
    checks++;
    if (!ok) {
        fprintf(stderr, "%s:%d: check failed: %s\n", file, line, what);
        failures++;
    }
}
#define CHECK(cond) test_check((cond) ? true : false, __FILE__, __LINE__, #cond)

/* The last line of a test program and its exit status. */
static inline int test_report(const char *name)
{
    if (failures) {
        fprintf(stderr, "%s: %d of %d checks failed\n", name, failures, checks);
        return 1;
    }
    if (checks)
        printf("%s: %d checks passed\n", name, checks);
    else
        printf("%s: ok\n", name);
    return 0;
}

/* True when err is NULL; otherwise reports and frees it. */
static inline bool test_ok(weft_error_t *err)
{
    if (!err) return true;
    fprintf(stderr, "  error: %s\n", weft_error_message(err));
    weft_error_delete(err);
    return false;
}

/* True if err is an error of `kind` whose message contains `part` (NULL: any); frees it. */
static inline bool test_is_err(weft_error_t *err, weft_error_kind_t kind, const char *part)
{
    if (!err) {
        fprintf(stderr, "  expected an error of kind %d containing \"%s\", got success\n",
                (int)kind, part ? part : "");
        return false;
    }
    bool r = weft_error_kind(err) == kind && (!part || strstr(weft_error_message(err), part));
    if (!r)
        fprintf(stderr, "  unexpected error (kind %d): %s (expected kind %d containing \"%s\")\n",
                (int)weft_error_kind(err), weft_error_message(err), (int)kind,
                part ? part : "");
    weft_error_delete(err);
    return r;
}

/* An engine allocator hook that keeps the live heap in bytes (`ud` points to a long long). */
static inline void *test_count_alloc(void *ud, void *ptr, size_t old_size, size_t new_size)
{
    long long *live = ud;
    if (new_size == 0) {
        *live -= (long long)old_size;
        free(ptr);
        return NULL;
    }
    void *p = realloc(ptr, new_size);
    if (p) *live += (long long)new_size - (long long)(ptr ? old_size : 0);
    return p;
}

/* An allocator hook that counts blocks and calls and makes allocation `fail_at` fail, for
 * testing that every allocation failure is handled (and nothing leaks). */
typedef struct counting {
    long live;    /* allocations not yet freed */
    long calls;   /* allocations made */
    long fail_at; /* the allocation (1-based) that fails, or 0 */
} counting_t;

static inline void *counting_alloc(void *ud, void *ptr, size_t old_size, size_t new_size)
{
    counting_t *c = ud;
    (void)old_size;
    if (new_size == 0) {
        if (ptr) c->live--;
        free(ptr);
        return NULL;
    }
    c->calls++;
    if (c->fail_at && c->calls == c->fail_at) return NULL;
    void *p = realloc(ptr, new_size);
    if (p && !ptr) c->live++;
    return p;
}

/* The whole file at `path` (malloc'd; the caller frees it), or NULL. */
static inline uint8_t *test_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    size_t cap = 1 << 16, n = 0;
    uint8_t *buf = malloc(cap);
    while (buf) {
        n += fread(buf + n, 1, cap - n, f);
        if (n < cap) break;
        uint8_t *nb = realloc(buf, cap * 2);
        if (!nb) {
            free(buf);
            buf = NULL;
            break;
        }
        buf = nb;
        cap *= 2;
    }
    fclose(f);
    *len = n;
    return buf;
}

#endif
