/* alloc.h - the engine's allocator hook, threaded through every layer.
 * No process-global state: every allocation goes through a weft_alloc_t the caller passes. */
#ifndef WEFT_UTIL_ALLOC_H
#define WEFT_UTIL_ALLOC_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "weft.h"

typedef struct weft_alloc {
    weft_alloc_fn fn;
    void *ud;
} weft_alloc_t;

/* The default hook: realloc/free. */
void *weft__default_alloc(void *ud, void *ptr, size_t old_size, size_t new_size);

static inline void *weft__malloc(const weft_alloc_t *a, size_t n)
{
    return a->fn(a->ud, NULL, 0, n ? n : 1);
}
static inline void *weft__calloc(const weft_alloc_t *a, size_t count, size_t size)
{
    if (size && count > SIZE_MAX / size) return NULL;
    size_t n = count * size;
    /* With the default hook, libc's calloc: it hands out a large block as fresh zero pages
     * instead of writing zeros over it, so a big linear memory costs nothing until touched
     * (the block is still freed and resized by the hook's free/realloc). */
    if (a->fn == weft__default_alloc) return calloc(1, n ? n : 1);
    void *p = a->fn(a->ud, NULL, 0, n ? n : 1);
    if (p) memset(p, 0, n ? n : 1);
    return p;
}
/* Sizes of 0 are reported to the hook as 1, the size weft__malloc really asked for, so a hook
 * that tracks sizes sees every block freed with the size it was allocated with. */
static inline void *weft__realloc(const weft_alloc_t *a, void *p, size_t old_n, size_t new_n)
{
    return a->fn(a->ud, p, p && !old_n ? 1 : old_n, new_n ? new_n : 1);
}
static inline void weft__free(const weft_alloc_t *a, void *p, size_t n)
{
    if (p) a->fn(a->ud, p, n ? n : 1, 0);
}
/* Grows *p (an array of `elem` bytes with *cap elements) to hold at least `need` elements.
 * Returns 0 on success, -1 on allocation failure or overflow (then *p is unchanged). */
int weft__grow(const weft_alloc_t *a, void **p, size_t *cap, size_t need, size_t elem);
/* Copies len bytes and a NUL; NULL on failure. Free with weft__free(a, s, len + 1). */
char *weft__strndup(const weft_alloc_t *a, const char *s, size_t len);

#endif
