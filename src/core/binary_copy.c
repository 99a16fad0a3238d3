/* binary_copy.c - the engine's own copy of a module or component binary.
 *
 * Binaries of several megabytes (a JavaScript engine compiled to a component is over 12 MB)
 * are copied into freshly allocated memory, and on first touch every 4 KiB page of it faults
 * into the kernel. Where the system offers transparent huge pages on request, the copy's
 * 2 MiB-aligned interior is marked for them first, so it faults in a few large pages instead
 * of hundreds of small ones. That is only advice: the contents and the allocation are the
 * same either way, and a refusal (an allocator handing out memory the kernel will not back
 * with huge pages) is ignored. */
#include "core/binary_copy.h"

#include <string.h>
#if defined(__linux__)
#include <sys/mman.h>
#endif

/* Below this size the few pages are not worth a system call. */
#define LARGE_COPY (4u << 20)

void weft__advise_huge(uint8_t *p, size_t len)
{
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    const uintptr_t huge = (uintptr_t)2 << 20;
    uintptr_t start = ((uintptr_t)p + huge - 1) & ~(huge - 1);
    uintptr_t end = ((uintptr_t)p + len) & ~(huge - 1);
    if (end > start) (void)madvise((void *)start, (size_t)(end - start), MADV_HUGEPAGE);
#else
    (void)p;
    (void)len;
#endif
}

uint8_t *weft__binary_copy(const weft_alloc_t *a, const uint8_t *bytes, size_t len)
{
    uint8_t *copy = weft__malloc(a, len);
    if (!copy) return NULL;
    if (len >= LARGE_COPY) weft__advise_huge(copy, len);
    if (len) memcpy(copy, bytes, len);
    return copy;
}
