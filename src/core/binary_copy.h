/* binary_copy.h - the engine's own copy of a module or component binary. */
#ifndef WEFT_CORE_BINARY_COPY_H
#define WEFT_CORE_BINARY_COPY_H

#include <stddef.h>
#include <stdint.h>

#include "util/alloc.h"

/* A copy of bytes[0, len) from allocator `a` (free it with weft__free(a, p, len)); NULL when
 * the allocation fails. */
uint8_t *weft__binary_copy(const weft_alloc_t *a, const uint8_t *bytes, size_t len);

/* Marks the 2 MiB-aligned interior of [p, p + len) for transparent huge pages where the system
 * offers them on request (advice only: contents unchanged, refusals ignored), so that a large
 * block about to be filled faults in a few large pages instead of hundreds of small ones. */
void weft__advise_huge(uint8_t *p, size_t len);

#endif
