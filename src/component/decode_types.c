/* decode_types.c - component and core type grammar of the component decoder (Binary.md "Type
 * Definitions", "Instance Definitions" sorts, "Alias Definitions", "Import and Export
 * Definitions" names and externtypes). */
#include <string.h>

#include "component/decode_internal.h"

/* ------------------------------------------------------------------------------------------
 * Sorts, value types, names, externtypes, aliases
 * ------------------------------------------------------------------------------------------ */

/* core:sort byte -> weft_csort_t, or -1. */
static int core_sort(uint8_t b)
{
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
}

bool weft__cdec_sort(weft_cdecoder_t *d, uint8_t *out)
{
    uint8_t b;
    size_t at = weft__cdec_pos(d);
    if (!weft__cdec_u8(d, &b)) return false;
    switch (b) {
    case 0x00: {
        at = weft__cdec_pos(d);
        if (!weft__cdec_u8(d, &b)) return false;
        int s = core_sort(b);
        if (s < 0) {
            weft__cdec_fail(d, at, "invalid leading byte (0x%x) for core sort", b);
            return false;
        }
        *out = (uint8_t)s;
        return true;
    }
    case 0x01: *out = WEFT_CSORT_FUNC; return true;
    case 0x02: *out = WEFT_CSORT_VALUE; return true;
    case 0x03: *out = WEFT_CSORT_TYPE; return true;
    case 0x04: *out = WEFT_CSORT_COMPONENT; return true;
    case 0x05: *out = WEFT_CSORT_INSTANCE; return true;
    default:
        weft__cdec_fail(d, at, "invalid leading byte (0x%x) for component external kind", b);
        return false;
    }
}

bool weft__cdec_sortidx(weft_cdecoder_t *d, weft_csortidx_t *out)
{
    return weft__cdec_sort(d, &out->sort) && weft__cdec_u32(d, &out->index);
}

static bool is_prim(uint8_t b) { return (b >= 0x73 && b <= 0x7f) || b == 0x64; }

/* valtype ::= typeidx | primvaltype. The type codes are negative SLEB128 bytes, so anything
 * else is read as an s33 that must be nonnegative. */
bool weft__cdec_valtype(weft_cdecoder_t *d, weft_cvaltype_t *out)
{
    size_t at = weft__cdec_pos(d);
    if (d->r.p < d->r.end && is_prim(*d->r.p)) {
        out->prim = *d->r.p++;
        out->index = 0;
        return true;
    }
    int64_t v;
    if (!weft__read_s33(&d->r, &v)) return false;
    if (v < 0) {
        weft__cdec_fail(d, at, "invalid leading byte (0x%x) for component value type",
                        (unsigned)d->r.base[at]);
        return false;
    }
    out->prim = 0;
    out->index = (uint32_t)v;
    return true;
}

/* resultlist ::= 0x00 valtype | 0x01 0x00; also <T>? ::= 0x00 | 0x01 T with has = second. */
bool weft__cdec_resultlist(weft_cdecoder_t *d, bool *has, weft_cvaltype_t *out)
{
    uint8_t b;
    size_t at = weft__cdec_pos(d);
    if (!weft__cdec_u8(d, &b)) return false;
    if (b == 0x00) {
        *has = true;
        return weft__cdec_valtype(d, out);
    }
    if (b != 0x01) {
        weft__cdec_fail(d, at, "invalid leading byte (0x%x) for component function results", b);
        return false;
    }
    at = weft__cdec_pos(d);
    if (!weft__cdec_u8(d, &b)) return false;
    if (b != 0x00) {
        weft__cdec_fail(d, at, "invalid leading byte (0x%x) for number of results", b);
        return false;
    }
    *has = false;
    memset(out, 0, sizeof *out);
    return true;
}

/* <valtype>? ::= 0x00 | 0x01 valtype */
static bool opt_valtype(weft_cdecoder_t *d, bool *has, weft_cvaltype_t *out, const char *what)
{
    uint8_t b;
    size_t at = weft__cdec_pos(d);
    if (!weft__cdec_u8(d, &b)) return false;
    if (b == 0x00) {
        *has = false;
        memset(out, 0, sizeof *out);
        return true;
    }
    if (b != 0x01) {
        weft__cdec_fail(d, at, "invalid leading byte (0x%x) for %s", b, what);
        return false;
    }
    *has = true;
    return weft__cdec_valtype(d, out);
}

bool weft__cdec_extname(weft_cdecoder_t *d, weft_component_def_t *def, weft_cextname_t *out)
{
    memset(out, 0, sizeof *out);
    out->offset = (uint32_t)weft__cdec_pos(d);
    uint8_t form;
    if (!weft__cdec_u8(d, &form)) return false;
    if (form > 0x02) {
        weft__cdec_fail(d, out->offset, "invalid leading byte (0x%x) for component name", form);
        return false;
    }
    out->form = form;
    if (!weft__cdec_name(d, &out->name)) return false;
    if (form != 0x02) return true;
    uint32_t n;
    if (!weft__cdec_count(d, &n)) return false;
    out->attrs = weft__cdec_arena(d, def, n, sizeof *out->attrs);
    if (!out->attrs) return false;
    out->nattrs = n;
    for (uint32_t i = 0; i < n; i++) {
        weft_cattr_t *at = &out->attrs[i];
        at->offset = (uint32_t)weft__cdec_pos(d);
        if (!weft__cdec_u8(d, &at->kind)) return false;
        if (at->kind > 0x02) {
            weft__cdec_fail(d, at->offset, "invalid leading byte (0x%x) for name option",
                            at->kind);
            return false;
        }
        /* All three forms are `len:u32 bytes` (external-id's `name` included). */
        if (!weft__cdec_name(d, &at->value)) return false;
    }
    return true;
}

bool weft__cdec_externtype(weft_cdecoder_t *d, weft_cextern_t *out)
{
    memset(out, 0, sizeof *out);
    out->offset = (uint32_t)weft__cdec_pos(d);
    uint8_t b;
    if (!weft__cdec_u8(d, &b)) return false;
    out->kind = b;
    switch (b) {
    case WEFT_CEXT_MODULE: {
        size_t at = weft__cdec_pos(d);
        if (!weft__cdec_u8(d, &b)) return false;
        if (b != 0x11) {
            weft__cdec_fail(d, at, "invalid leading byte (0x%x) for component external kind",
                            b);
            return false;
        }
        return weft__cdec_u32(d, &out->index);
    }
    case WEFT_CEXT_FUNC:
    case WEFT_CEXT_COMPONENT:
    case WEFT_CEXT_INSTANCE:
        return weft__cdec_u32(d, &out->index);
    case WEFT_CEXT_VALUE: {
        size_t at = weft__cdec_pos(d);
        if (!weft__cdec_u8(d, &out->bound)) return false;
        if (out->bound == 0x00) return weft__cdec_u32(d, &out->index);
        if (out->bound == 0x01) return weft__cdec_valtype(d, &out->valtype);
        weft__cdec_fail(d, at, "invalid leading byte (0x%x) for value bound", out->bound);
        return false;
    }
    case WEFT_CEXT_TYPE: {
        size_t at = weft__cdec_pos(d);
        if (!weft__cdec_u8(d, &out->bound)) return false;
        if (out->bound == 0x00) return weft__cdec_u32(d, &out->index);
        if (out->bound == 0x01) return true;
        weft__cdec_fail(d, at, "invalid leading byte (0x%x) for type bound", out->bound);
        return false;
    }
    default:
        weft__cdec_fail(d, out->offset, "invalid leading byte (0x%x) for component external kind",
                        b);
        return false;
    }
}

bool weft__cdec_alias(weft_cdecoder_t *d, weft_calias_t *out)
{
    memset(out, 0, sizeof *out);
    out->offset = (uint32_t)weft__cdec_pos(d);
    /* The sort is read by hand so an outer alias of a non-outer sort gets its own reason. */
    uint8_t b, cb = 0;
    if (!weft__cdec_u8(d, &b)) return false;
    int sort = -1;
    if (b == 0x00) {
        if (!weft__cdec_u8(d, &cb)) return false;
        sort = core_sort(cb);
    } else if (b >= 0x01 && b <= 0x05) {
        static const uint8_t sorts[6] = {0, WEFT_CSORT_FUNC, WEFT_CSORT_VALUE, WEFT_CSORT_TYPE,
                                         WEFT_CSORT_COMPONENT, WEFT_CSORT_INSTANCE};
        sort = sorts[b];
    }
    size_t tat = weft__cdec_pos(d);
    uint8_t target;
    if (!weft__cdec_u8(d, &target)) return false;
    if (target > 0x02) {
        weft__cdec_fail(d, tat, "invalid leading byte (0x%x) for alias", target);
        return false;
    }
    if (target == WEFT_CALIAS_OUTER) {
        bool ok = sort == WEFT_CSORT_CORE_MODULE || sort == WEFT_CSORT_CORE_TYPE ||
                  sort == WEFT_CSORT_TYPE || sort == WEFT_CSORT_COMPONENT;
        if (!ok) {
            weft__cdec_fail(d, out->offset,
                            "invalid leading byte (0x%x) for component outer alias kind",
                            b == 0x00 ? cb : b);
            return false;
        }
    } else if (sort < 0) {
        weft__cdec_fail(d, out->offset,
                        "invalid leading byte (0x%x) for component external kind",
                        b == 0x00 ? cb : b);
        return false;
    }
    out->sort = (uint8_t)sort;
    out->target = target;
    if (target == WEFT_CALIAS_OUTER) {
        return weft__cdec_u32(d, &out->outer_count) && weft__cdec_u32(d, &out->outer_index);
    }
    return weft__cdec_u32(d, &out->instance) && weft__cdec_name(d, &out->name);
}

/* ------------------------------------------------------------------------------------------
 * Core types (Wasm 3.0 5.3 for value, heap, composite and rec types)
 * ------------------------------------------------------------------------------------------ */

static bool is_abstract_heap(uint8_t b) { return b >= 0x69 && b <= 0x74; }

static bool heaptype(weft_cdecoder_t *d, weft_ccore_valtype_t *out)
{
    size_t at = weft__cdec_pos(d);
    if (d->r.p < d->r.end && is_abstract_heap(*d->r.p)) {
        out->heap_code = *d->r.p++;
        return true;
    }
    int64_t v;
    if (!weft__read_s33(&d->r, &v)) return false;
    if (v < 0) {
        weft__cdec_fail(d, at, "malformed heap type");
        return false;
    }
    out->heap_code = 0;
    out->heap_index = (uint32_t)v;
    return true;
}

static bool core_storage(weft_cdecoder_t *d, weft_ccore_valtype_t *out, bool packed_ok)
{
    memset(out, 0, sizeof *out);
    size_t at = weft__cdec_pos(d);
    uint8_t b;
    if (!weft__cdec_u8(d, &b)) return false;
    if (b >= 0x7b && b <= 0x7f) {
        out->code = b;
        return true;
    }
    if (packed_ok && (b == WEFT_CCV_I8 || b == WEFT_CCV_I16)) {
        out->code = b;
        return true;
    }
    if (b == 0x63 || b == 0x64) {
        out->code = WEFT_CCV_REF;
        out->nullable = b == 0x63;
        return heaptype(d, out);
    }
    if (is_abstract_heap(b)) {
        out->code = WEFT_CCV_REF;
        out->nullable = true;
        out->heap_code = b;
        return true;
    }
    weft__cdec_fail(d, at, "malformed value type");
    return false;
}

bool weft__cdec_core_valtype(weft_cdecoder_t *d, weft_ccore_valtype_t *out)
{
    return core_storage(d, out, false);
}

static bool core_field(weft_cdecoder_t *d, weft_ccore_field_t *out)
{
    if (!core_storage(d, &out->type, true)) return false;
    uint8_t m;
    size_t at = weft__cdec_pos(d);
    if (!weft__cdec_u8(d, &m)) return false;
    if (m > 1) {
        weft__cdec_fail(d, at, "malformed mutability");
        return false;
    }
    out->mut = m == 1;
    return true;
}

static bool core_valtypes(weft_cdecoder_t *d, weft_component_def_t *def, uint32_t *n,
                          weft_ccore_valtype_t **out)
{
    if (!weft__cdec_count(d, n)) return false;
    *out = weft__cdec_arena(d, def, *n, sizeof **out);
    if (!*out) return false;
    for (uint32_t i = 0; i < *n; i++) {
        if (!weft__cdec_core_valtype(d, &(*out)[i])) return false;
    }
    return true;
}

static bool limits(weft_cdecoder_t *d, weft_limits_t *out)
{
    uint8_t flags;
    size_t at = weft__cdec_pos(d);
    if (!weft__cdec_u8(d, &flags)) return false;
    if (flags > 0x07) {
        weft__cdec_fail(d, at, "malformed limits flags");
        return false;
    }
    out->has_max = flags & 1;
    out->shared = (flags & 2) != 0;
    out->is64 = (flags & 4) != 0;
    if (out->is64) {
        if (!weft__read_u64(&d->r, &out->min)) return false;
        if (out->has_max && !weft__read_u64(&d->r, &out->max)) return false;
    } else {
        uint32_t v;
        if (!weft__cdec_u32(d, &v)) return false;
        out->min = v;
        if (out->has_max) {
            if (!weft__cdec_u32(d, &v)) return false;
            out->max = v;
        }
    }
    return true;
}

/* core:externtype of a module type import or export. */
static bool core_extern(weft_cdecoder_t *d, weft_ccore_extern_t *out)
{
    memset(out, 0, sizeof *out);
    size_t at = weft__cdec_pos(d);
    if (!weft__cdec_u8(d, &out->kind)) return false;
    switch (out->kind) {
    case 0x00: return weft__cdec_u32(d, &out->type);
    case 0x01: return weft__cdec_core_valtype(d, &out->val) && limits(d, &out->limits);
    case 0x02: return limits(d, &out->limits);
    case 0x03: {
        if (!weft__cdec_core_valtype(d, &out->val)) return false;
        uint8_t m;
        size_t mat = weft__cdec_pos(d);
        if (!weft__cdec_u8(d, &m)) return false;
        if (m > 1) {
            weft__cdec_fail(d, mat, "malformed mutability");
            return false;
        }
        out->mut = m == 1;
        return true;
    }
    case 0x04: {
        uint8_t attr;
        size_t aat = weft__cdec_pos(d);
        if (!weft__cdec_u8(d, &attr)) return false;
        if (attr != 0) {
            weft__cdec_fail(d, aat, "invalid leading byte (0x%x) for tag attribute", attr);
            return false;
        }
        return weft__cdec_u32(d, &out->type);
    }
    default:
        weft__cdec_fail(d, at, "invalid leading byte (0x%x) for external kind", out->kind);
        return false;
    }
}

/* comptype into *t (kind and union). */
static bool comptype(weft_cdecoder_t *d, weft_component_def_t *def, weft_ccore_type_t *t)
{
    size_t at = weft__cdec_pos(d);
    uint8_t b;
    if (!weft__cdec_u8(d, &b)) return false;
    t->kind = b;
    switch (b) {
    case WEFT_CCT_FUNC:
        return core_valtypes(d, def, &t->u.func.nparams, &t->u.func.params) &&
               core_valtypes(d, def, &t->u.func.nresults, &t->u.func.results);
    case WEFT_CCT_STRUCT: {
        uint32_t n;
        if (!weft__cdec_count(d, &n)) return false;
        t->u.struct_.fields = weft__cdec_arena(d, def, n, sizeof *t->u.struct_.fields);
        if (!t->u.struct_.fields) return false;
        t->u.struct_.count = n;
        for (uint32_t i = 0; i < n; i++) {
            if (!core_field(d, &t->u.struct_.fields[i])) return false;
        }
        return true;
    }
    case WEFT_CCT_ARRAY: return core_field(d, &t->u.array);
    default:
        weft__cdec_fail(d, at, "invalid leading byte (0x%x) for type definition", b);
        return false;
    }
}

/* subtype within a rec group or at top level. `nonfinal_prefixed`: at the top level of a
 * component core type a non-final sub is written 0x00 0x50 (0x50 alone is a module type). */
static bool subtype(weft_cdecoder_t *d, weft_component_def_t *def, weft_ccore_type_t *t)
{
    t->offset = (uint32_t)weft__cdec_pos(d);
    t->is_final = true;
    uint8_t b = d->r.p < d->r.end ? *d->r.p : 0;
    if (b == 0x50 || b == 0x4f) {
        d->r.p++;
        t->is_final = b == 0x4f;
        uint32_t n;
        if (!weft__cdec_count(d, &n)) return false;
        t->supers = weft__cdec_arena(d, def, n, sizeof *t->supers);
        if (!t->supers) return false;
        t->nsupers = n;
        for (uint32_t i = 0; i < n; i++) {
            if (!weft__cdec_u32(d, &t->supers[i])) return false;
        }
    }
    return comptype(d, def, t);
}

static bool push_core_type(weft_cdecoder_t *d, weft_component_def_t *def,
                           const weft_ccore_type_t *t)
{
    weft_ccore_type_t *slot = WEFT_CDEC_PUSH(d, def->core_types);
    if (!slot) return false;
    *slot = *t;
    return true;
}

static bool moduletype(weft_cdecoder_t *d, weft_component_def_t *def, weft_ccore_type_t *t)
{
    uint32_t n;
    if (!weft__cdec_count(d, &n)) return false;
    weft_cmoddecl_t *decls = weft__cdec_arena(d, def, n, sizeof *decls);
    if (!decls) return false;
    t->u.module.decls = decls;
    t->u.module.count = n;
    if (!weft__cdec_enter(d)) return false;
    for (uint32_t i = 0; i < n; i++) {
        weft_cmoddecl_t *md = &decls[i];
        md->offset = (uint32_t)weft__cdec_pos(d);
        if (!weft__cdec_u8(d, &md->kind)) break;
        switch (md->kind) {
        case WEFT_CMODDECL_IMPORT:
            if (weft__cdec_name(d, &md->module) && weft__cdec_name(d, &md->name)) {
                core_extern(d, &md->desc);
            }
            break;
        case WEFT_CMODDECL_TYPE:
            weft__cdec_core_type(d, def, &md->type, &md->ntypes);
            break;
        case WEFT_CMODDECL_ALIAS: {
            uint8_t b;
            size_t at = weft__cdec_pos(d);
            if (!weft__cdec_u8(d, &b)) break;
            if (b != 0x10) {
                weft__cdec_fail(d, at, "invalid leading byte (0x%x) for outer alias kind", b);
                break;
            }
            at = weft__cdec_pos(d);
            if (!weft__cdec_u8(d, &b)) break;
            if (b != 0x01) {
                weft__cdec_fail(d, at, "invalid leading byte (0x%x) for outer alias target", b);
                break;
            }
            if (weft__cdec_u32(d, &md->outer_count)) weft__cdec_u32(d, &md->outer_index);
            break;
        }
        case WEFT_CMODDECL_EXPORT:
            if (weft__cdec_name(d, &md->name)) core_extern(d, &md->desc);
            break;
        default:
            weft__cdec_fail(d, md->offset, "invalid leading byte (0x%x) for type definition",
                            md->kind);
            break;
        }
        if (!weft__cdec_ok(d)) break;
    }
    weft__cdec_leave(d);
    return weft__cdec_ok(d);
}

/* core:type ::= core:rectype | 0x00 0x50 subtype | core:moduletype (Binary.md: the 0x00 prefix
 * resolves the ambiguity of 0x50). */
bool weft__cdec_core_type(weft_cdecoder_t *d, weft_component_def_t *def, uint32_t *first,
                          uint32_t *count)
{
    size_t at = weft__cdec_pos(d);
    *first = def->core_types.count;
    *count = 0;
    if (d->r.p >= d->r.end) {
        weft__cdec_fail(d, at, "unexpected end-of-file");
        return false;
    }
    uint8_t b = *d->r.p;
    weft_ccore_type_t t;
    memset(&t, 0, sizeof t);
    t.offset = (uint32_t)at;
    t.rec_size = 1;
    if (b == 0x50) {
        d->r.p++;
        t.kind = WEFT_CCT_MODULE;
        t.is_final = true;
        if (!moduletype(d, def, &t)) return false;
        /* Nested type declarations were appended first: this type goes after them. */
        *first = def->core_types.count;
        *count = 1;
        return push_core_type(d, def, &t);
    }
    if (b == 0x00) {
        d->r.p++;
        if (d->r.p >= d->r.end || *d->r.p != 0x50) {
            weft__cdec_fail(d, at, "invalid leading byte (0x0) for type definition");
            return false;
        }
        if (!subtype(d, def, &t)) return false;
        t.offset = (uint32_t)at;
        *count = 1;
        return push_core_type(d, def, &t);
    }
    if (b == 0x4e) {
        d->r.p++;
        uint32_t n;
        if (!weft__cdec_count(d, &n)) return false;
        for (uint32_t i = 0; i < n; i++) {
            memset(&t, 0, sizeof t);
            t.rec_pos = i;
            t.rec_size = n;
            if (!subtype(d, def, &t) || !push_core_type(d, def, &t)) return false;
        }
        *count = n;
        return true;
    }
    if (!subtype(d, def, &t)) return false;
    t.rec_size = 1;
    *count = 1;
    return push_core_type(d, def, &t);
}

/* ------------------------------------------------------------------------------------------
 * Component types
 * ------------------------------------------------------------------------------------------ */

static bool labeled_list(weft_cdecoder_t *d, weft_component_def_t *def, uint32_t *n,
                         weft_cfield_t **out, bool variant)
{
    if (!weft__cdec_count(d, n)) return false;
    *out = weft__cdec_arena(d, def, *n, sizeof **out);
    if (!*out) return false;
    for (uint32_t i = 0; i < *n; i++) {
        weft_cfield_t *f = &(*out)[i];
        f->offset = (uint32_t)weft__cdec_pos(d);
        if (!weft__cdec_name(d, &f->label)) return false;
        if (!variant) {
            f->has_type = true;
            if (!weft__cdec_valtype(d, &f->type)) return false;
            continue;
        }
        if (!opt_valtype(d, &f->has_type, &f->type, "optional variant case type")) return false;
        /* case ::= label t? 0x00: the trailing byte is reserved and must be zero. */
        uint8_t z;
        size_t at = weft__cdec_pos(d);
        if (!weft__cdec_u8(d, &z)) return false;
        if (z != 0) {
            weft__cdec_fail(d, at, "invalid leading byte (0x%x) for zero byte required", z);
            return false;
        }
    }
    return true;
}

static bool label_list(weft_cdecoder_t *d, weft_component_def_t *def, uint32_t *n,
                       weft_name_t **out)
{
    if (!weft__cdec_count(d, n)) return false;
    *out = weft__cdec_arena(d, def, *n, sizeof **out);
    if (!*out) return false;
    for (uint32_t i = 0; i < *n; i++) {
        if (!weft__cdec_name(d, &(*out)[i])) return false;
    }
    return true;
}

/* componenttype / instancetype declarations. */
static bool decls(weft_cdecoder_t *d, weft_component_def_t *def, weft_ctype_t *t,
                  bool component)
{
    uint32_t n;
    if (!weft__cdec_count(d, &n)) return false;
    weft_cdecl_t *items = weft__cdec_arena(d, def, n, sizeof *items);
    if (!items) return false;
    t->u.decls.items = items;
    t->u.decls.count = n;
    if (!weft__cdec_enter(d)) return false;
    for (uint32_t i = 0; i < n; i++) {
        weft_cdecl_t *dc = &items[i];
        dc->offset = (uint32_t)weft__cdec_pos(d);
        if (!weft__cdec_u8(d, &dc->kind)) break;
        switch (dc->kind) {
        case WEFT_CDECL_CORE_TYPE:
            weft__cdec_core_type(d, def, &dc->u.core.first, &dc->u.core.count);
            break;
        case WEFT_CDECL_TYPE: weft__cdec_type(d, def, &dc->u.type); break;
        case WEFT_CDECL_ALIAS: weft__cdec_alias(d, &dc->u.alias); break;
        case WEFT_CDECL_IMPORT:
        case WEFT_CDECL_EXPORT:
            if (dc->kind == WEFT_CDECL_IMPORT && !component) {
                weft__cdec_fail(d, dc->offset,
                                "invalid leading byte (0x3) for component or instance type "
                                "declaration");
                break;
            }
            if (weft__cdec_extname(d, def, &dc->u.ext.name)) {
                weft__cdec_externtype(d, &dc->u.ext.desc);
            }
            break;
        default:
            weft__cdec_fail(d, dc->offset,
                            "invalid leading byte (0x%x) for component or instance type "
                            "declaration",
                            dc->kind);
            break;
        }
        if (!weft__cdec_ok(d)) break;
    }
    weft__cdec_leave(d);
    return weft__cdec_ok(d);
}

static bool deftype(weft_cdecoder_t *d, weft_component_def_t *def, weft_ctype_t *t)
{
    size_t at = weft__cdec_pos(d);
    t->offset = (uint32_t)at;
    uint8_t b;
    if (!weft__cdec_u8(d, &b)) return false;
    if (is_prim(b)) {
        t->kind = WEFT_CT_PRIM;
        t->u.prim = b;
        return true;
    }
    t->kind = b;
    switch (b) {
    case WEFT_CT_RECORD: return labeled_list(d, def, &t->u.fields.count, &t->u.fields.items, false);
    case WEFT_CT_VARIANT: return labeled_list(d, def, &t->u.fields.count, &t->u.fields.items, true);
    case WEFT_CT_LIST:
    case WEFT_CT_OPTION: return weft__cdec_valtype(d, &t->u.list.elem);
    case WEFT_CT_FIXED_LIST:
        return weft__cdec_valtype(d, &t->u.list.elem) && weft__cdec_u32(d, &t->u.list.len);
    case WEFT_CT_TUPLE: {
        uint32_t n;
        if (!weft__cdec_count(d, &n)) return false;
        t->u.tuple.types = weft__cdec_arena(d, def, n, sizeof *t->u.tuple.types);
        if (!t->u.tuple.types) return false;
        t->u.tuple.count = n;
        for (uint32_t i = 0; i < n; i++) {
            if (!weft__cdec_valtype(d, &t->u.tuple.types[i])) return false;
        }
        return true;
    }
    case WEFT_CT_FLAGS:
    case WEFT_CT_ENUM: return label_list(d, def, &t->u.labels.count, &t->u.labels.names);
    case WEFT_CT_RESULT:
        return opt_valtype(d, &t->u.result.has_ok, &t->u.result.ok, "optional result type") &&
               opt_valtype(d, &t->u.result.has_err, &t->u.result.err, "optional error type");
    case WEFT_CT_OWN:
    case WEFT_CT_BORROW: return weft__cdec_u32(d, &t->u.handle);
    case WEFT_CT_STREAM:
    case WEFT_CT_FUTURE:
        return opt_valtype(d, &t->u.async_.has_elem, &t->u.async_.elem, "optional element type");
    case WEFT_CT_MAP:
        return weft__cdec_valtype(d, &t->u.map.key) && weft__cdec_valtype(d, &t->u.map.value);
    case WEFT_CT_RESOURCE: {
        weft_ccore_valtype_t rep;
        if (!weft__cdec_core_valtype(d, &rep)) return false;
        t->u.resource.rep = rep.code;
        uint8_t o;
        size_t oat = weft__cdec_pos(d);
        if (!weft__cdec_u8(d, &o)) return false;
        if (o > 1) {
            weft__cdec_fail(d, oat, "invalid leading byte (0x%x) for optional destructor", o);
            return false;
        }
        t->u.resource.has_dtor = o == 1;
        return o == 0 || weft__cdec_u32(d, &t->u.resource.dtor);
    }
    case WEFT_CT_FUNC:
    case 0x43:
        t->kind = WEFT_CT_FUNC;
        t->u.func.is_async = b == 0x43;
        return labeled_list(d, def, &t->u.func.nparams, &t->u.func.params, false) &&
               weft__cdec_resultlist(d, &t->u.func.has_result, &t->u.func.result);
    case WEFT_CT_COMPONENT: return decls(d, def, t, true);
    case WEFT_CT_INSTANCE: return decls(d, def, t, false);
    default:
        weft__cdec_fail(d, at, "invalid leading byte (0x%x) for component defined type", b);
        return false;
    }
}

bool weft__cdec_type(weft_cdecoder_t *d, weft_component_def_t *def, uint32_t *index)
{
    weft_ctype_t t;
    memset(&t, 0, sizeof t);
    /* Decoded into a local first: declarations inside it append to def->types. */
    if (!deftype(d, def, &t)) return false;
    weft_ctype_t *slot = WEFT_CDEC_PUSH(d, def->types);
    if (!slot) return false;
    *slot = t;
    *index = def->types.count - 1;
    return true;
}
