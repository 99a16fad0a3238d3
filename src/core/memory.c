/* memory.c - memory instances (Wasm core spec 4.2.8 Memory Instances, 4.5.3.3 Growing memories)
 * and their public API. The data buffer always holds at least one byte so that `data` is never
 * NULL, even for a memory of size zero. */
#include "core/instance.h"
#include "core/binary_copy.h"

#include <string.h>

/* 32-bit memories hold at most 2^16 pages (4 GiB); 64-bit ones at most 2^48 pages, the
 * largest count whose byte size fits in 64 bits. */
#define MAX_PAGES_32 65536u
#define MAX_PAGES_64 (UINT64_C(1) << 48)
/* From this size on, a memory is marked for huge pages (weft__advise_huge). */
#define LARGE_MEMORY (UINT64_C(8) << 20)

static size_t alloc_size(uint64_t bytes)
{
    return bytes ? (size_t)bytes : 1u;
}

/* Largest number of pages the memory may ever reach under its type and the engine limit. */
static uint64_t page_limit(const weft_memory_t *mem)
{
    uint64_t lim = mem->max_pages;
    if (mem->limit_bytes) {
        uint64_t l = mem->limit_bytes / WEFT_PAGE_SIZE;
        if (l < lim) lim = l;
    }
    /* The buffer must be addressable in size_t. */
    uint64_t addressable = (uint64_t)(SIZE_MAX / WEFT_PAGE_SIZE);
    if (addressable < lim) lim = addressable;
    return lim;
}

weft_error_t *weft__memory_create(weft_store_t *store, const weft_memtype_t *type,
                                  weft_memory_t **out)
{
    *out = NULL;
    const weft_alloc_t *a = &store->alloc;
    weft_memory_t *mem = weft__calloc(a, 1, sizeof *mem);
    if (!mem) return weft__error_oom();
    mem->alloc = *a;
    mem->type = *type;
    uint64_t hard = type->limits.is64 ? MAX_PAGES_64 : MAX_PAGES_32;
    mem->max_pages = type->limits.has_max && type->limits.max < hard ? type->limits.max : hard;
    mem->limit_bytes = store->engine->config.max_memory_bytes;
    mem->limit_refusals = &store->memory_limit_refusals;

    uint64_t min = type->limits.min;
    if (min > page_limit(mem)) {
        weft__free(a, mem, sizeof *mem);
        return weft__error_new(a, WEFT_ERROR_OOM, UINT64_MAX,
                               "memory of %llu pages exceeds the limit",
                               (unsigned long long)min);
    }
    mem->size = min * WEFT_PAGE_SIZE;
    mem->data = weft__calloc(a, 1, alloc_size(mem->size));
    if (!mem->data) {
        weft__free(a, mem, sizeof *mem);
        return weft__error_oom();
    }
    /* A large memory is usually filled at once by its data segments (a language runtime's
     * heap image): huge pages make that a few faults rather than one per 4 KiB. */
    if (mem->size >= LARGE_MEMORY) weft__advise_huge(mem->data, alloc_size(mem->size));
    mem->next = store->memories;
    store->memories = mem;
    *out = mem;
    return NULL;
}

void weft__memory_free(weft_memory_t *mem)
{
    const weft_alloc_t a = mem->alloc;
    weft__free(&a, mem->data, alloc_size(mem->size));
    weft__free(&a, mem, sizeof *mem);
}

int64_t weft__memory_grow(weft_memory_t *mem, uint64_t delta)
{
    uint64_t old_pages = mem->size / WEFT_PAGE_SIZE;
    if (delta == 0) return (int64_t)old_pages;
    uint64_t lim = page_limit(mem);
    if (old_pages > lim || delta > lim - old_pages) {
        /* Counted when the memory's own type would have allowed the growth. */
        if (mem->limit_bytes && delta <= mem->max_pages - old_pages) (*mem->limit_refusals)++;
        return -1;
    }
    uint64_t new_size = (old_pages + delta) * WEFT_PAGE_SIZE;
    uint8_t *nd = weft__realloc(&mem->alloc, mem->data, alloc_size(mem->size),
                                (size_t)new_size);
    if (!nd) return -1;
    memset(nd + mem->size, 0, (size_t)(new_size - mem->size));
    mem->data = nd;
    mem->size = new_size;
    return (int64_t)old_pages;
}

weft_error_t *weft_memory_new(weft_store_t *store, uint64_t min, uint64_t max, bool has_max,
                              weft_memory_t **out)
{
    const weft_alloc_t dflt = {weft__default_alloc, NULL};
    if (!store || !out) {
        return weft__error_new(store ? &store->alloc : &dflt, WEFT_ERROR_INVALID_ARG,
                               UINT64_MAX, "weft_memory_new: invalid argument");
    }
    *out = NULL;
    if (min > MAX_PAGES_32 || (has_max && (max > MAX_PAGES_32 || max < min))) {
        return weft__error_new(&store->alloc, WEFT_ERROR_INVALID_ARG, UINT64_MAX,
                               "weft_memory_new: invalid limits");
    }
    weft_memtype_t t;
    memset(&t, 0, sizeof t);
    t.limits.min = min;
    t.limits.max = has_max ? max : 0;
    t.limits.has_max = has_max;
    return weft__memory_create(store, &t, out);
}

uint8_t *weft_memory_data(weft_memory_t *memory)
{
    return memory ? memory->data : NULL;
}

uint64_t weft_memory_size(const weft_memory_t *memory)
{
    return memory ? memory->size : 0;
}

int64_t weft_memory_grow(weft_memory_t *memory, uint64_t delta)
{
    return memory ? weft__memory_grow(memory, delta) : -1;
}

uint64_t weft_store_memory_limit_refusals(const weft_store_t *store)
{
    return store ? store->memory_limit_refusals : 0;
}
