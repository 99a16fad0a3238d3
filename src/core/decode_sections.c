/* decode_sections.c - payloads of the non-custom sections (Wasm core spec 5.5.4-5.5.15) and
 * the value, reference, limit and global types they contain (5.3).
 *
 * Every vector count is checked against the bytes left before anything is allocated, so the
 * memory used is bounded by a small multiple of the input size. Arrays are allocated with their
 * count set at the same time, so weft__module_free() can release a partially decoded module. */
#include <string.h>

#include "core/decode_internal.h"
#include "core/decode_types.h"
#include "core/leb_fast.h"

/* ---- primitives --------------------------------------------------------------------------- */

bool weft__decode_len(weft_decoder_t *d, uint32_t *out)
{
    size_t pos = weft__reader_offset(&d->r);
    uint32_t n;
    if (!weft__fast_u32(&d->r, &n)) return false;
    /* The reference decoder compares with the bytes left from the start of the length itself. */
    if ((size_t)n > d->m->len - pos) {
        weft__decode_fail_at(d, pos, "length out of bounds");
        return false;
    }
    *out = n;
    return true;
}

bool weft__decode_name(weft_decoder_t *d, weft_name_t *out)
{
    size_t pos = weft__reader_offset(&d->r);
    uint32_t n;
    const uint8_t *s;
    if (!weft__decode_len(d, &n)) return false;
    if (!weft__read_bytes(&d->r, n, &s)) return false;
    if (!weft__utf8_valid(s, n)) {
        weft__decode_fail_at(d, pos, "malformed UTF-8 encoding");
        return false;
    }
    out->ptr = (const char *)s;
    out->len = n;
    return true;
}

/* Type codes are one-byte negative LEB128 numbers (5.3); a continuation bit makes the encoding
 * longer than the 7 bits allowed. */
static bool type_byte(weft_decoder_t *d, uint8_t *b, size_t *pos)
{
    *pos = weft__reader_offset(&d->r);
    if (!weft__read_u8(&d->r, b)) return false;
    if (*b & 0x80) {
        weft__decode_fail_at(d, *pos + 1, "integer representation too long");
        return false;
    }
    return true;
}

/* Value and reference types, with the Wasm 3.0 typed references (decode_types.c). */
static bool decode_type(weft_decoder_t *d, bool ref_only, const char *bad, weft_valtype_t *out)
{
    uint8_t b;
    size_t pos;
    if (!type_byte(d, &b, &pos)) return false;
    d->r.p--;
    if (!weft__read_valtype(&d->r, d->feat, ref_only, bad, out)) {
        weft__decode_fail_at(d, d->r.err_pos, d->r.err);
        return false;
    }
    return true;
}

bool weft__decode_valtype(weft_decoder_t *d, weft_valtype_t *out)
{
    return decode_type(d, false, "malformed value type", out);
}

bool weft__decode_reftype(weft_decoder_t *d, weft_valtype_t *out)
{
    return decode_type(d, true, "malformed reference type", out);
}

/* 5.3.7 Limits. Flags bit 0: a maximum follows; bit 2: 64-bit (memory64/table64, Wasm 3.0),
 * kept for the validator to accept or reject. Bit 1 marks a shared memory (threads proposal,
 * flags 0x02/0x03, with memory64 also 0x06/0x07); the validator rejects it on tables and
 * without a maximum. Without that feature bit 1 is not part of the format: Wasm 2.0 flags are a
 * 1-bit LEB128 number, and its spec tests expect "integer too large" for it. Flags past bit 2
 * use the Wasm 3.0 wording. With memory64 the flags are one byte of those bits (Wasm 3.0
 * 5.3.8), anything else is malformed. */
static bool decode_limits(weft_decoder_t *d, weft_limits_t *out)
{
    size_t pos = weft__reader_offset(&d->r);
    uint8_t flags;
    if (!weft__read_u8(&d->r, &flags)) return false;
    bool shared_ok = weft__decode_has(d, WEFT_FEATURE_SHARED_MEMORY);
    uint32_t known = shared_ok ? 7u : 5u;
    if (weft__decode_has(d, WEFT_FEATURE_MEMORY64) && (flags & ~known) != 0) {
        weft__decode_fail_at(d, pos, "malformed limits flags");
        return false;
    }
    if ((flags & 0x7f) > 7) {
        weft__decode_fail_at(d, pos, "malformed limits flags");
        return false;
    }
    if ((flags & 2) && !shared_ok) {
        weft__decode_fail_at(d, pos, "integer too large");
        return false;
    }
    if (flags & 0x80) {
        weft__decode_fail_at(d, pos + 1, "integer representation too long");
        return false;
    }
    out->has_max = flags & 1;
    out->shared = (flags & 2) != 0;
    out->is64 = (flags & 4) != 0;
    out->max = 0;
    /* Wasm 3.0 reads every bound as a u64 and leaves the range to the validator ("memory
     * size", "table size"); Wasm 2.0 32-bit limits are u32. */
    if (out->is64 || weft__decode_has(d, WEFT_FEATURE_MEMORY64)) {
        if (!weft__read_u64(&d->r, &out->min)) return false;
        if (out->has_max && !weft__read_u64(&d->r, &out->max)) return false;
    } else {
        uint32_t v;
        if (!weft__read_u32(&d->r, &v)) return false;
        out->min = v;
        if (out->has_max) {
            if (!weft__read_u32(&d->r, &v)) return false;
            out->max = v;
        }
    }
    return true;
}

static bool decode_tabletype(weft_decoder_t *d, weft_tabletype_t *out)
{
    return weft__decode_reftype(d, &out->elem) && decode_limits(d, &out->limits);
}

static bool decode_globaltype(weft_decoder_t *d, weft_globaltype_t *out)
{
    if (!weft__decode_valtype(d, &out->type)) return false;
    size_t pos = weft__reader_offset(&d->r);
    uint8_t mut;
    if (!weft__read_u8(&d->r, &mut)) return false;
    if (mut > 1) {
        weft__decode_fail_at(d, pos, "malformed mutability");
        return false;
    }
    out->mut = mut == 1;
    return true;
}

/* Wasm 3.0 5.5.8 tag type: an attribute byte (0 = exception) and a function type index. */
static bool decode_tagtype(weft_decoder_t *d, uint32_t *type)
{
    size_t pos = weft__reader_offset(&d->r);
    uint8_t attr;
    if (!weft__read_u8(&d->r, &attr)) return false;
    if (attr != 0) {
        weft__decode_fail_at(d, pos, "malformed tag attribute");
        return false;
    }
    return weft__read_u32(&d->r, type);
}

static void *alloc_array(weft_decoder_t *d, size_t count, size_t size)
{
    void *p = weft__calloc(&d->m->alloc, count, size);
    if (!p) weft__decode_oom(d);
    return p;
}

void weft__decode_mark_ref(weft_decoder_t *d, uint32_t index)
{
    weft_module_t *m = d->m;
    if (index >= m->nfuncs) return; /* the validator reports the unknown function */
    if (!m->declared_funcs) {
        m->declared_funcs = alloc_array(d, ((size_t)m->nfuncs + 7) / 8, 1);
        if (!m->declared_funcs) return;
    }
    m->declared_funcs[index / 8] |= (uint8_t)(1u << (index % 8));
}

bool weft__decode_const_expr(weft_decoder_t *d, weft_expr_t *out)
{
    size_t start = weft__reader_offset(&d->r);
    if (!weft__decode_scan_instrs(d, false)) return false;
    out->offset = (uint32_t)start;
    out->len = (uint32_t)(weft__reader_offset(&d->r) - start);
    return true;
}

/* A count of imported plus defined entities, which must fit the 32-bit index space. */
static bool space_total(weft_decoder_t *d, uint32_t imported, uint32_t defined, uint32_t *out)
{
    uint64_t t = (uint64_t)imported + defined;
    if (t > UINT32_MAX) {
        weft__decode_fail_at(d, weft__reader_offset(&d->r), "too many definitions");
        return false;
    }
    *out = (uint32_t)t;
    return true;
}

/* ---- 5.5.4 type section ------------------------------------------------------------------- */

static bool decode_result_types(weft_decoder_t *d, uint32_t *count, weft_valtype_t **types,
                                uint32_t *slots)
{
    uint32_t n;
    if (!weft__decode_len(d, &n)) return false;
    weft_valtype_t *t = alloc_array(d, n, sizeof *t);
    if (!t) return false;
    *types = t;
    *count = n;
    uint64_t s = 0;
    for (uint32_t i = 0; i < n; i++) {
        if (!weft__decode_valtype(d, &t[i])) return false;
        s += weft__valtype_slots(t[i]);
    }
    *slots = s > UINT32_MAX ? UINT32_MAX : (uint32_t)s;
    return true;
}

/* Makes room for type `i` in m->types and m->typeinfo. Both arrays always hold m->ntypes
 * zero-filled-or-decoded entries, so weft__module_free() releases a partial section. */
static bool reserve_type(weft_decoder_t *d, uint32_t i)
{
    weft_module_t *m = d->m;
    if (i < m->ntypes) return true;
    if (i >= WEFT_TYPE_IDX_LIMIT) {
        weft__decode_fail_at(d, weft__reader_offset(&d->r), "too many types");
        return false;
    }
    uint32_t cap = m->ntypes ? m->ntypes * 2 : 8;
    if (cap > WEFT_TYPE_IDX_LIMIT) cap = WEFT_TYPE_IDX_LIMIT;
    /* New blocks for both, so that a failure leaves the two arrays as they were. */
    weft_functype_t *t = weft__calloc(&m->alloc, cap, sizeof *t);
    weft_typeinfo_t *ti = weft__calloc(&m->alloc, cap, sizeof *ti);
    if (!t || !ti) {
        weft__free(&m->alloc, t, (size_t)cap * sizeof *t);
        weft__free(&m->alloc, ti, (size_t)cap * sizeof *ti);
        weft__decode_oom(d);
        return false;
    }
    if (m->ntypes) {
        memcpy(t, m->types, m->ntypes * sizeof *t);
        memcpy(ti, m->typeinfo, m->ntypes * sizeof *ti);
    }
    weft__free(&m->alloc, m->types, m->ntypes * sizeof *m->types);
    weft__free(&m->alloc, m->typeinfo, m->ntypes * sizeof *m->typeinfo);
    m->types = t;
    m->typeinfo = ti;
    m->ntypes = cap;
    return true;
}

/* Storage types of struct and array fields (Wasm 3.0 5.3.6): decoded, then not supported. */
static bool decode_fieldtype(weft_decoder_t *d)
{
    uint8_t b;
    size_t pos;
    if (!type_byte(d, &b, &pos)) return false;
    if (b != 0x78 && b != 0x77) { /* i8, i16 packed types */
        d->r.p--;
        weft_valtype_t t;
        if (!weft__decode_valtype(d, &t)) return false;
    }
    pos = weft__reader_offset(&d->r);
    uint8_t mut;
    if (!weft__read_u8(&d->r, &mut)) return false;
    if (mut > 1) {
        weft__decode_fail_at(d, pos, "malformed mutability");
        return false;
    }
    return true;
}

/* A composite type (Wasm 3.0 5.3.7): func, struct or array. */
static bool decode_comptype(weft_decoder_t *d, uint32_t i, uint8_t form, size_t pos)
{
    weft_module_t *m = d->m;
    m->typeinfo[i].kind = form;
    if (form == 0x60) {
        weft_functype_t *ft = &m->types[i];
        return decode_result_types(d, &ft->nparams, &ft->params, &ft->param_slots) &&
               decode_result_types(d, &ft->nresults, &ft->results, &ft->result_slots);
    }
    bool gc = weft__decode_has(d, WEFT_FEATURE_FUNCTION_REFERENCES);
    if (gc && form == 0x5F) { /* struct: vec(fieldtype) */
        uint32_t n;
        if (!weft__decode_len(d, &n)) return false;
        for (uint32_t k = 0; k < n; k++)
            if (!decode_fieldtype(d)) return false;
        return true;
    }
    if (gc && form == 0x5E) return decode_fieldtype(d); /* array */
    weft__decode_fail_at(d, pos, "malformed function type");
    return false;
}

/* A subtype (Wasm 3.0 5.3.8): `sub final? vec(typeidx) comptype` or a bare comptype (final,
 * no supertypes). At most one supertype is valid; more are reported by the validator. */
static bool decode_subtype(weft_decoder_t *d, uint32_t i, uint32_t group)
{
    weft_module_t *m = d->m;
    uint8_t form;
    size_t pos;
    if (!type_byte(d, &form, &pos)) return false;
    weft_typeinfo_t *ti = &m->typeinfo[i];
    ti->group = group;
    ti->super = UINT32_MAX;
    ti->final = true;
    ti->canon = i;
    if (weft__decode_has(d, WEFT_FEATURE_FUNCTION_REFERENCES) && (form == 0x50 || form == 0x4F)) {
        ti->final = form == 0x4F;
        uint32_t n;
        if (!weft__decode_len(d, &n)) return false;
        for (uint32_t k = 0; k < n; k++) {
            uint32_t s;
            if (!weft__read_u32(&d->r, &s)) return false;
            /* Several supertypes: remembered as an impossible one for the validator. */
            ti->super = k == 0 ? s : UINT32_MAX - 1;
        }
        if (!type_byte(d, &form, &pos)) return false;
    }
    return decode_comptype(d, i, form, pos);
}

bool weft__decode_type_section(weft_decoder_t *d)
{
    weft_module_t *m = d->m;
    uint32_t n;
    if (!weft__decode_len(d, &n)) return false;
    uint32_t count = 0;
    bool ok = true;
    for (uint32_t g = 0; ok && g < n; g++) {
        uint8_t b;
        size_t pos;
        if (weft__reader_eof(&d->r) || !type_byte(d, &b, &pos)) {
            ok = weft__read_u8(&d->r, &b);
            break;
        }
        uint32_t len = 1;
        if (b == 0x4E && weft__decode_has(d, WEFT_FEATURE_FUNCTION_REFERENCES)) {
            if (!weft__decode_len(d, &len)) return false; /* rec: vec(subtype) */
        } else {
            d->r.p--;
        }
        for (uint32_t k = 0; ok && k < len; k++) {
            ok = reserve_type(d, count) && decode_subtype(d, count, count - k);
            if (ok) count++;
        }
        for (uint32_t k = count - (ok ? len : 0); ok && k < count; k++)
            m->typeinfo[k].group_len = len;
    }
    /* Keep only the types decoded: the rest are zero-filled (a failed one is released here).
     * Exact copies are made, so a failure leaves both arrays as they were (and consistent). */
    if (m->ntypes > count) {
        for (uint32_t i = count; i < m->ntypes; i++) {
            weft__free(&m->alloc, m->types[i].params, m->types[i].nparams * sizeof(weft_valtype_t));
            weft__free(&m->alloc, m->types[i].results,
                       m->types[i].nresults * sizeof(weft_valtype_t));
            memset(&m->types[i], 0, sizeof m->types[i]);
        }
        weft_functype_t *t = NULL;
        weft_typeinfo_t *ti = NULL;
        if (count) {
            t = weft__malloc(&m->alloc, (size_t)count * sizeof *t);
            ti = weft__malloc(&m->alloc, (size_t)count * sizeof *ti);
            if (!t || !ti) {
                weft__free(&m->alloc, t, (size_t)count * sizeof *t);
                weft__free(&m->alloc, ti, (size_t)count * sizeof *ti);
                weft__decode_oom(d);
                return false;
            }
            memcpy(t, m->types, (size_t)count * sizeof *t);
            memcpy(ti, m->typeinfo, (size_t)count * sizeof *ti);
        }
        weft__free(&m->alloc, m->types, m->ntypes * sizeof *m->types);
        weft__free(&m->alloc, m->typeinfo, m->ntypes * sizeof *m->typeinfo);
        m->types = t;
        m->typeinfo = ti;
        m->ntypes = count;
    }
    return ok && weft__decode_ok(d);
}

/* ---- 5.5.5 import section ----------------------------------------------------------------- */

bool weft__decode_import_section(weft_decoder_t *d)
{
    weft_module_t *m = d->m;
    uint32_t n;
    if (!weft__decode_len(d, &n)) return false;
    m->imports = alloc_array(d, n, sizeof *m->imports);
    if (!m->imports) return false;
    m->nimports = n;
    for (uint32_t i = 0; i < n; i++) {
        weft_import_t *im = &m->imports[i];
        im->offset = (uint32_t)weft__reader_offset(&d->r);
        if (!weft__decode_name(d, &im->module) || !weft__decode_name(d, &im->name)) return false;
        size_t pos = weft__reader_offset(&d->r);
        uint8_t kind;
        if (!weft__read_u8(&d->r, &kind)) return false;
        im->kind = kind;
        switch (kind) {
        case WEFT_EXTERN_FUNC:
            if (!weft__read_u32(&d->r, &im->desc.func_type)) return false;
            m->nfunc_imports++;
            break;
        case WEFT_EXTERN_TABLE:
            if (!decode_tabletype(d, &im->desc.table)) return false;
            m->ntable_imports++;
            break;
        case WEFT_EXTERN_MEMORY:
            if (!decode_limits(d, &im->desc.memory.limits)) return false;
            m->nmemory_imports++;
            break;
        case WEFT_EXTERN_GLOBAL:
            if (!decode_globaltype(d, &im->desc.global)) return false;
            m->nglobal_imports++;
            break;
        case WEFT_EXTERN_TAG:
            if (!weft__decode_has(d, WEFT_FEATURE_EXCEPTIONS)) goto bad_kind;
            if (!decode_tagtype(d, &im->desc.tag_type)) return false;
            m->ntag_imports++;
            break;
        default:
        bad_kind:
            weft__decode_fail_at(d, pos, "malformed import kind");
            return false;
        }
    }
    /* Until a defining section says otherwise, the index spaces hold just the imports. The
     * arrays themselves are built by the defining section or weft__decode_finish_spaces(). */
    m->nfuncs = m->nfunc_imports;
    m->ntables = m->ntable_imports;
    m->nmemories = m->nmemory_imports;
    m->nglobals = m->nglobal_imports;
    m->ntags = m->ntag_imports;
    return true;
}

/* Fills the first entries of an index space from the imports of `kind`. */
static void fill_imported(const weft_module_t *m, uint8_t kind, void *space)
{
    uint32_t k = 0;
    for (uint32_t i = 0; i < m->nimports; i++) {
        const weft_import_t *im = &m->imports[i];
        if (im->kind != kind) continue;
        switch (kind) {
        case WEFT_EXTERN_FUNC: ((uint32_t *)space)[k++] = im->desc.func_type; break;
        case WEFT_EXTERN_TABLE: ((weft_tabletype_t *)space)[k++] = im->desc.table; break;
        case WEFT_EXTERN_MEMORY: ((weft_memtype_t *)space)[k++] = im->desc.memory; break;
        case WEFT_EXTERN_GLOBAL: ((weft_globaltype_t *)space)[k++] = im->desc.global; break;
        case WEFT_EXTERN_TAG: ((uint32_t *)space)[k++] = im->desc.tag_type; break;
        default: break;
        }
    }
}

/* ---- 5.5.6 function section --------------------------------------------------------------- */

bool weft__decode_func_section(weft_decoder_t *d)
{
    weft_module_t *m = d->m;
    uint32_t n, total;
    if (!weft__decode_len(d, &n)) return false;
    if (!space_total(d, m->nfunc_imports, n, &total)) return false;
    m->func_types = alloc_array(d, total, sizeof *m->func_types);
    if (!m->func_types) return false;
    m->nfuncs = total;
    fill_imported(m, WEFT_EXTERN_FUNC, m->func_types);
    for (uint32_t i = m->nfunc_imports; i < total; i++) {
        if (!weft__read_u32(&d->r, &m->func_types[i])) return false;
    }
    return true;
}

/* ---- 5.5.7 table section, 5.5.8 memory section -------------------------------------------- */

bool weft__decode_table_section(weft_decoder_t *d)
{
    weft_module_t *m = d->m;
    uint32_t n, total;
    if (!weft__decode_len(d, &n)) return false;
    if (!space_total(d, m->ntable_imports, n, &total)) return false;
    m->tables = alloc_array(d, total, sizeof *m->tables);
    if (!m->tables) return false;
    m->ntables = total;
    fill_imported(m, WEFT_EXTERN_TABLE, m->tables);
    for (uint32_t i = m->ntable_imports; i < total; i++) {
        /* Wasm 3.0 5.5.7: 0x40 0x00 tabletype expr gives the table an initialiser. */
        if (weft__decode_has(d, WEFT_FEATURE_FUNCTION_REFERENCES) && !weft__reader_eof(&d->r) &&
            *d->r.p == 0x40) {
            size_t pos = weft__reader_offset(&d->r);
            uint8_t b0, b1;
            if (!weft__read_u8(&d->r, &b0) || !weft__read_u8(&d->r, &b1)) return false;
            if (b1 != 0) {
                weft__decode_fail_at(d, pos + 1, "malformed table");
                return false;
            }
            if (!m->table_inits) {
                m->table_inits = alloc_array(d, total - m->ntable_imports, sizeof *m->table_inits);
                if (!m->table_inits) return false;
            }
            if (!decode_tabletype(d, &m->tables[i])) return false;
            if (!weft__decode_const_expr(d, &m->table_inits[i - m->ntable_imports])) return false;
            continue;
        }
        if (!decode_tabletype(d, &m->tables[i])) return false;
    }
    return true;
}

bool weft__decode_memory_section(weft_decoder_t *d)
{
    weft_module_t *m = d->m;
    uint32_t n, total;
    if (!weft__decode_len(d, &n)) return false;
    if (!space_total(d, m->nmemory_imports, n, &total)) return false;
    m->memories = alloc_array(d, total, sizeof *m->memories);
    if (!m->memories) return false;
    m->nmemories = total;
    fill_imported(m, WEFT_EXTERN_MEMORY, m->memories);
    for (uint32_t i = m->nmemory_imports; i < total; i++) {
        if (!decode_limits(d, &m->memories[i].limits)) return false;
    }
    return true;
}

/* ---- Wasm 3.0 5.5.9 tag section (id 13, between memory and global) --------------------- */

bool weft__decode_tag_section(weft_decoder_t *d)
{
    weft_module_t *m = d->m;
    uint32_t n, total;
    if (!weft__decode_len(d, &n)) return false;
    if (!space_total(d, m->ntag_imports, n, &total)) return false;
    m->tag_types = alloc_array(d, total, sizeof *m->tag_types);
    if (!m->tag_types) return false;
    m->ntags = total;
    fill_imported(m, WEFT_EXTERN_TAG, m->tag_types);
    for (uint32_t i = m->ntag_imports; i < total; i++) {
        if (!decode_tagtype(d, &m->tag_types[i])) return false;
    }
    return true;
}

/* ---- 5.5.9 global section ----------------------------------------------------------------- */

bool weft__decode_global_section(weft_decoder_t *d)
{
    weft_module_t *m = d->m;
    uint32_t n, total;
    if (!weft__decode_len(d, &n)) return false;
    if (!space_total(d, m->nglobal_imports, n, &total)) return false;
    weft_globaltype_t *g = alloc_array(d, total, sizeof *g);
    if (!g) return false;
    weft_expr_t *inits = alloc_array(d, n, sizeof *inits);
    if (!inits) {
        weft__free(&m->alloc, g, (size_t)total * sizeof *g);
        return false;
    }
    m->globals = g;
    m->global_inits = inits;
    m->nglobals = total;
    fill_imported(m, WEFT_EXTERN_GLOBAL, m->globals);
    for (uint32_t i = 0; i < n; i++) {
        if (!decode_globaltype(d, &g[m->nglobal_imports + i])) return false;
        if (!weft__decode_const_expr(d, &inits[i])) return false;
    }
    return true;
}

/* ---- 5.5.10 export section, 5.5.11 start section ------------------------------------------ */

bool weft__decode_export_section(weft_decoder_t *d)
{
    weft_module_t *m = d->m;
    uint32_t n;
    if (!weft__decode_len(d, &n)) return false;
    m->exports = alloc_array(d, n, sizeof *m->exports);
    if (!m->exports) return false;
    m->nexports = n;
    for (uint32_t i = 0; i < n; i++) {
        weft_export_t *ex = &m->exports[i];
        if (!weft__decode_name(d, &ex->name)) return false;
        size_t pos = weft__reader_offset(&d->r);
        uint8_t kind;
        if (!weft__read_u8(&d->r, &kind)) return false;
        if (kind > WEFT_EXTERN_TAG ||
            (kind == WEFT_EXTERN_TAG && !weft__decode_has(d, WEFT_FEATURE_EXCEPTIONS))) {
            weft__decode_fail_at(d, pos, "malformed export kind");
            return false;
        }
        ex->kind = kind;
        if (!weft__read_u32(&d->r, &ex->index)) return false;
        if (kind == WEFT_EXTERN_FUNC) weft__decode_mark_ref(d, ex->index);
    }
    return weft__decode_ok(d);
}

bool weft__decode_start_section(weft_decoder_t *d)
{
    if (!weft__read_u32(&d->r, &d->m->start)) return false;
    d->m->has_start = true;
    return true;
}

/* ---- 5.5.12 element section --------------------------------------------------------------- */

static bool decode_elem(weft_decoder_t *d, weft_elem_t *e)
{
    size_t pos = weft__reader_offset(&d->r);
    uint32_t flags;
    e->entry_offset = (uint32_t)pos;
    if (!weft__read_u32(&d->r, &flags)) return false;
    if (flags > 7) {
        weft__decode_fail_at(d, pos, "malformed elements segment kind");
        return false;
    }
    /* Bit 0: passive or declarative; bit 1: explicit table index (active) or declarative
     * (otherwise); bit 2: elements are expressions rather than function indices. */
    bool exprs = (flags & 4) != 0;
    /* Wasm 3.0 5.5.12: function indices are non-null (ref func); expressions without a type
     * are funcref. */
    e->type = WEFT_T_FUNCREF;
    if (!exprs && weft__decode_has(d, WEFT_FEATURE_FUNCTION_REFERENCES)) e->type |= WEFT_T_NONNULL;
    if (flags & 1) {
        e->mode = (flags & 2) ? WEFT_SEG_DECLARATIVE : WEFT_SEG_PASSIVE;
    } else {
        e->mode = WEFT_SEG_ACTIVE;
        e->table = 0;
        if ((flags & 2) && !weft__read_u32(&d->r, &e->table)) return false;
        if (!weft__decode_const_expr(d, &e->offset)) return false;
    }
    if (flags & 3) {
        if (exprs) {
            if (!weft__decode_reftype(d, &e->type)) return false;
        } else {
            size_t kpos = weft__reader_offset(&d->r);
            uint8_t kind;
            if (!weft__read_u8(&d->r, &kind)) return false;
            if (kind != 0x00) {
                weft__decode_fail_at(d, kpos, "malformed element kind");
                return false;
            }
        }
    }
    uint32_t n;
    if (!weft__decode_len(d, &n)) return false;
    if (n == 0) return true; /* module.h: neither array is kept for an empty segment */
    if (exprs) {
        e->exprs = alloc_array(d, n, sizeof *e->exprs);
        if (!e->exprs) return false;
        e->count = n;
        for (uint32_t i = 0; i < n; i++) {
            if (!weft__decode_const_expr(d, &e->exprs[i])) return false;
        }
    } else {
        e->func_indices = alloc_array(d, n, sizeof *e->func_indices);
        if (!e->func_indices) return false;
        e->count = n;
        for (uint32_t i = 0; i < n; i++) {
            if (!weft__read_u32(&d->r, &e->func_indices[i])) return false;
            weft__decode_mark_ref(d, e->func_indices[i]);
        }
    }
    return weft__decode_ok(d);
}

bool weft__decode_elem_section(weft_decoder_t *d)
{
    weft_module_t *m = d->m;
    uint32_t n;
    if (!weft__decode_len(d, &n)) return false;
    m->elems = alloc_array(d, n, sizeof *m->elems);
    if (!m->elems) return false;
    m->nelems = n;
    for (uint32_t i = 0; i < n; i++) {
        if (!decode_elem(d, &m->elems[i])) return false;
    }
    return true;
}

/* ---- 5.5.13 code section ------------------------------------------------------------------ */

static bool decode_body(weft_decoder_t *d, weft_body_t *b)
{
    b->body_offset = (uint32_t)weft__reader_offset(&d->r);
    uint32_t size;
    if (!weft__decode_len(d, &size)) return false;
    size_t start = weft__reader_offset(&d->r);

    size_t locals_at = start;
    uint32_t ngroups;
    if (!weft__decode_len(d, &ngroups)) return false;
    if (ngroups) { /* none is common: no allocation for it */
        b->local_groups = alloc_array(d, ngroups, sizeof *b->local_groups);
        if (!b->local_groups) return false;
        b->nlocal_groups = ngroups;
    }
    uint64_t total = 0;
    for (uint32_t i = 0; i < ngroups; i++) {
        weft_local_group_t *g = &b->local_groups[i];
        if (!weft__fast_u32(&d->r, &g->count)) return false;
        if (!weft__decode_valtype(d, &g->type)) return false;
        total += g->count; /* at most 2^32 groups of < 2^32: no 64-bit overflow */
    }
    if (total > WEFT_DECODE_MAX_LOCALS) {
        weft__decode_fail_at(d, locals_at, "too many locals");
        return false;
    }
    b->nlocals = (uint32_t)total;

    b->code_offset = (uint32_t)weft__reader_offset(&d->r);
    if (d->quick) {
        /* The validator reads the instructions up to the declared end and fails unless the
         * body's last `end` is exactly there; any failure makes the caller decode again with
         * the scan, which reports the spec decoder's error. */
        const uint8_t *skipped;
        if (b->code_offset > start + size) {
            weft__decode_fail_at(d, start, "section size mismatch");
            return false;
        }
        if (!weft__read_bytes(&d->r, start + size - b->code_offset, &skipped)) return false;
        b->code_end = (uint32_t)(start + size);
        return true;
    }
    if (!weft__decode_scan_instrs(d, true)) return false;
    b->code_end = (uint32_t)weft__reader_offset(&d->r);
    if (b->code_end != start + size) {
        weft__decode_fail_at(d, start, "section size mismatch");
        return false;
    }
    return true;
}

bool weft__decode_code_section(weft_decoder_t *d)
{
    weft_module_t *m = d->m;
    uint32_t n;
    if (!weft__decode_len(d, &n)) return false;
    m->bodies = alloc_array(d, n, sizeof *m->bodies);
    if (!m->bodies) return false;
    m->nbodies = n;
    for (uint32_t i = 0; i < n; i++) {
        if (!decode_body(d, &m->bodies[i])) return false;
    }
    return true;
}

/* ---- 5.5.14 data section, 5.5.15 data count section --------------------------------------- */

static bool decode_data(weft_decoder_t *d, weft_data_t *s)
{
    size_t pos = weft__reader_offset(&d->r);
    uint32_t flags;
    if (!weft__read_u32(&d->r, &flags)) return false;
    switch (flags) {
    case 0:
    case 2:
        s->mode = WEFT_SEG_ACTIVE;
        s->memory = 0;
        if (flags == 2 && !weft__read_u32(&d->r, &s->memory)) return false;
        if (!weft__decode_const_expr(d, &s->offset)) return false;
        break;
    case 1:
        s->mode = WEFT_SEG_PASSIVE;
        break;
    default:
        weft__decode_fail_at(d, pos, "malformed data segment kind");
        return false;
    }
    uint32_t n;
    const uint8_t *bytes;
    if (!weft__decode_len(d, &n)) return false;
    s->data_offset = (uint32_t)weft__reader_offset(&d->r);
    if (!weft__read_bytes(&d->r, n, &bytes)) return false;
    s->len = n;
    return true;
}

bool weft__decode_data_section(weft_decoder_t *d)
{
    weft_module_t *m = d->m;
    uint32_t n;
    if (!weft__decode_len(d, &n)) return false;
    m->datas = alloc_array(d, n, sizeof *m->datas);
    if (!m->datas) return false;
    m->ndatas = n;
    for (uint32_t i = 0; i < n; i++) {
        if (!decode_data(d, &m->datas[i])) return false;
    }
    return true;
}

bool weft__decode_datacount_section(weft_decoder_t *d)
{
    if (!weft__read_u32(&d->r, &d->m->datacount)) return false;
    d->m->has_datacount = true;
    return true;
}

/* ---- after the last section --------------------------------------------------------------- */

bool weft__decode_finish_spaces(weft_decoder_t *d)
{
    weft_module_t *m = d->m;
    if (!m->func_types && m->nfuncs) {
        m->func_types = alloc_array(d, m->nfuncs, sizeof *m->func_types);
        if (!m->func_types) return false;
        fill_imported(m, WEFT_EXTERN_FUNC, m->func_types);
    }
    if (!m->tables && m->ntables) {
        m->tables = alloc_array(d, m->ntables, sizeof *m->tables);
        if (!m->tables) return false;
        fill_imported(m, WEFT_EXTERN_TABLE, m->tables);
    }
    if (!m->memories && m->nmemories) {
        m->memories = alloc_array(d, m->nmemories, sizeof *m->memories);
        if (!m->memories) return false;
        fill_imported(m, WEFT_EXTERN_MEMORY, m->memories);
    }
    if (!m->globals && m->nglobals) {
        m->globals = alloc_array(d, m->nglobals, sizeof *m->globals);
        if (!m->globals) return false;
        fill_imported(m, WEFT_EXTERN_GLOBAL, m->globals);
    }
    if (!m->tag_types && m->ntags) {
        m->tag_types = alloc_array(d, m->ntags, sizeof *m->tag_types);
        if (!m->tag_types) return false;
        fill_imported(m, WEFT_EXTERN_TAG, m->tag_types);
    }
    if (!m->declared_funcs) {
        m->declared_funcs = alloc_array(d, ((size_t)m->nfuncs + 7) / 8, 1);
        if (!m->declared_funcs) return false;
    }
    return true;
}
