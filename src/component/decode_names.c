/* decode_names.c - the "component-name" custom section (Binary.md "Name Section"). Validity
 * of this section is not required: it is parsed with a private reader over its payload and
 * anything malformed simply ends the parse, keeping what was well-formed so far. */
#include <string.h>

#include "component/decode_internal.h"

static bool name_at(weft_reader_t *r, weft_name_t *out)
{
    uint32_t len;
    const uint8_t *p;
    if (!weft__read_u32(r, &len) || !weft__read_bytes(r, len, &p)) return false;
    if (!weft__utf8_valid(p, len)) return false;
    out->ptr = (const char *)p;
    out->len = len;
    return true;
}

static int sort_at(weft_reader_t *r)
{
    uint8_t b;
    if (!weft__read_u8(r, &b)) return -1;
    switch (b) {
    case 0x00:
        if (!weft__read_u8(r, &b)) return -1;
        switch (b) {
        case 0x00: return WEFT_CSORT_CORE_FUNC;
        case 0x01: return WEFT_CSORT_CORE_TABLE;
        case 0x02: return WEFT_CSORT_CORE_MEMORY;
        case 0x03: return WEFT_CSORT_CORE_GLOBAL;
        case 0x04: return WEFT_CSORT_CORE_TAG;
        case 0x10: return WEFT_CSORT_CORE_TYPE;
        case 0x11: return WEFT_CSORT_CORE_MODULE;
        case 0x12: return WEFT_CSORT_CORE_INSTANCE;
        default: return -1;
        }
    case 0x01: return WEFT_CSORT_FUNC;
    case 0x02: return WEFT_CSORT_VALUE;
    case 0x03: return WEFT_CSORT_TYPE;
    case 0x04: return WEFT_CSORT_COMPONENT;
    case 0x05: return WEFT_CSORT_INSTANCE;
    default: return -1;
    }
}

void weft__cdec_names(weft_cdecoder_t *d, weft_component_def_t *def, size_t start, size_t end)
{
    weft_reader_t r;
    memset(&r, 0, sizeof r);
    r.base = d->r.base;
    r.p = d->r.base + start;
    r.end = d->r.base + end;
    weft_cnames_t *nm = &def->names;
    while (r.p < r.end) {
        uint8_t id;
        uint32_t size;
        if (!weft__read_u8(&r, &id) || !weft__read_u32(&r, &size)) return;
        if (size > (size_t)(r.end - r.p)) return;
        weft_reader_t sub = r;
        sub.end = r.p + size;
        r.p += size;
        if (id == 0) {
            weft_name_t n;
            if (!nm->has_name && name_at(&sub, &n) && sub.p == sub.end) {
                nm->name = n;
                nm->has_name = true;
            }
            continue;
        }
        if (id != 1) continue; /* unknown subsections are skipped */
        int s = sort_at(&sub);
        uint32_t count;
        if (s < 0 || nm->map[s] || !weft__read_u32(&sub, &count)) continue;
        /* Each association takes at least two bytes. */
        if (count > (size_t)(sub.end - sub.p) / 2) continue;
        weft_cname_assoc_t *map = weft__cdec_arena(d, def, count, sizeof *map);
        if (!map) return; /* out of memory is still reported */
        uint32_t got = 0;
        while (got < count) {
            if (!weft__read_u32(&sub, &map[got].index) || !name_at(&sub, &map[got].name)) break;
            got++;
        }
        nm->map[s] = map;
        nm->count[s] = got;
    }
}
