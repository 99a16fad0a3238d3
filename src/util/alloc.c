/* alloc.c - the default allocator hook and growth helpers. */
#include "util/alloc.h"

#include <stdlib.h>

void *weft__default_alloc(void *ud, void *ptr, size_t old_size, size_t new_size)
{
    (void)ud;
    (void)old_size;
    if (new_size == 0) {
        free(ptr);
        return NULL;
    }
    return realloc(ptr, new_size);
}

int weft__grow(const weft_alloc_t *a, void **p, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap) return 0;
    size_t ncap = *cap ? *cap : 8;
    while (ncap < need) {
        if (ncap > SIZE_MAX / 2) return -1;
        ncap *= 2;
    }
    if (elem && ncap > SIZE_MAX / elem) return -1;
    void *np = weft__realloc(a, *p, *cap * elem, ncap * elem);
    if (!np) return -1;
    *p = np;
    *cap = ncap;
    return 0;
}

char *weft__strndup(const weft_alloc_t *a, const char *s, size_t len)
{
    if (len == SIZE_MAX) return NULL;
    char *d = weft__malloc(a, len + 1);
    if (!d) return NULL;
    if (len) memcpy(d, s, len);
    d[len] = 0;
    return d;
}
