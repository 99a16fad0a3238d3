/* decode_names.c - the "name" custom section (Wasm core spec 7.4.1 Name Section): the module
 * name and the function names, for backtraces. The spec makes the section advisory, so a
 * malformed one is ignored as a whole and never fails the decode. */
#include <string.h>

#include "core/decode_internal.h"

static bool read_name(weft_reader_t *r, weft_name_t *out)
{
    uint32_t n;
    const uint8_t *s;
    if (!weft__read_u32(r, &n) || !weft__read_bytes(r, n, &s)) return false;
    if (!weft__utf8_valid(s, n)) return false;
    out->ptr = (const char *)s;
    out->len = n;
    return true;
}

/* Function names subsection: vec(funcidx name), indices strictly increasing. */
static bool read_func_names(weft_reader_t *r, weft_name_t *names, uint32_t nfuncs)
{
    uint32_t n;
    if (!weft__read_u32(r, &n)) return false;
    bool first = true;
    uint32_t prev = 0;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t idx;
        weft_name_t name;
        if (!weft__read_u32(r, &idx) || !read_name(r, &name)) return false;
        if (!first && idx <= prev) return false;
        if (idx >= nfuncs) return false;
        names[idx] = name;
        first = false;
        prev = idx;
    }
    return true;
}

void weft__decode_names(weft_decoder_t *d)
{
    weft_module_t *m = d->m;
    if (!d->has_name_section) return;
    weft_reader_t r = {
        .base = m->bytes,
        .p = m->bytes + d->name_start,
        .end = m->bytes + d->name_end,
    };
    weft_name_t module_name = {NULL, 0};
    weft_name_t *names = NULL;
    bool ok = true;
    int last_id = -1;
    while (ok && !weft__reader_eof(&r)) {
        uint8_t id;
        uint32_t size;
        const uint8_t *payload;
        if (!weft__read_u8(&r, &id) || !weft__read_u32(&r, &size) ||
            !weft__read_bytes(&r, size, &payload)) {
            ok = false;
            break;
        }
        /* Subsections appear at most once, in increasing id order. */
        if ((int)id <= last_id) {
            ok = false;
            break;
        }
        last_id = id;
        weft_reader_t sub = {.base = m->bytes, .p = payload, .end = payload + size};
        if (id == 0) {
            ok = read_name(&sub, &module_name) && weft__reader_eof(&sub);
        } else if (id == 1 && m->nfuncs > 0) {
            names = weft__calloc(&m->alloc, m->nfuncs, sizeof *names);
            if (!names) {
                ok = false; /* names are optional: an allocation failure just drops them */
                break;
            }
            ok = read_func_names(&sub, names, m->nfuncs) && weft__reader_eof(&sub);
        }
        /* Other subsections (local names and later additions) are skipped. */
    }
    if (!ok) {
        weft__free(&m->alloc, names, (size_t)m->nfuncs * sizeof *names);
        return;
    }
    m->module_name = module_name;
    if (names) {
        m->func_names = names;
        m->nfunc_names = m->nfuncs;
    }
}
