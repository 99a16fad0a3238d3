/* decode_sections.c - payloads of the non-custom sections (Wasm core spec 5.5.4-5.5.15) and
 * the value, reference, limit and global types they contain (5.3).
 *
 * Every vector count is checked against the bytes left before anything is allocated, so the
 * memory used is bounded by a small multiple of the input size. Arrays are allocated with their
 * count set at the same time, so weft__module_free() can release a partially decoded module. */
#include <string.h>

#include "core/decode_internal.h"

/* ---- primitives --------------------------------------------------------------------------- */

bool weft__decode_len(weft_decoder_t *d, uint32_t *out)
{
    size_t pos = weft__reader_offset(&d->r);
    uint32_t n;
    if (!weft__read_u32(&d->r, &n)) return false;
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

bool weft__decode_valtype(weft_decoder_t *d, weft_valtype_t *out)
{
    uint8_t b;
    size_t pos;
    if (!type_byte(d, &b, &pos)) return false;
    switch (b) {
    case WEFT_T_I32: case WEFT_T_I64: case WEFT_T_F32: case WEFT_T_F64: case WEFT_T_V128:
    case WEFT_T_FUNCREF: case WEFT_T_EXTERNREF:
        *out = b;
        return true;
    case WEFT_T_EXNREF: /* Wasm 3.0 exception handling */
        if (!weft__decode_has(d, WEFT_FEATURE_EXCEPTIONS)) break;
        *out = b;
        return true;
    default:
        break;
    }
    weft__decode_fail_at(d, pos, "malformed value type");
    return false;
}

bool weft__decode_reftype(weft_decoder_t *d, weft_valtype_t *out)
{
    uint8_t b;
    size_t pos;
    if (!type_byte(d, &b, &pos)) return false;
    if (b != WEFT_T_FUNCREF && b != WEFT_T_EXTERNREF &&
        !(b == WEFT_T_EXNREF && weft__decode_has(d, WEFT_FEATURE_EXCEPTIONS))) {
        weft__decode_fail_at(d, pos, "malformed reference type");
        return false;
    }
    *out = b;
    return true;
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

bool weft__decode_type_section(weft_decoder_t *d)
{
    weft_module_t *m = d->m;
    uint32_t n;
    if (!weft__decode_len(d, &n)) return false;
    m->types = alloc_array(d, n, sizeof *m->types);
    if (!m->types) return false;
    m->ntypes = n;
    for (uint32_t i = 0; i < n; i++) {
        uint8_t form;
        size_t pos;
        if (!type_byte(d, &form, &pos)) return false;
        if (form != 0x60) {
            weft__decode_fail_at(d, pos, "malformed function type");
            return false;
        }
        weft_functype_t *ft = &m->types[i];
        if (!decode_result_types(d, &ft->nparams, &ft->params, &ft->param_slots)) return false;
        if (!decode_result_types(d, &ft->nresults, &ft->results, &ft->result_slots)) return false;
    }
    return true;
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
    e->type = WEFT_T_FUNCREF;
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
    b->local_groups = alloc_array(d, ngroups, sizeof *b->local_groups);
    if (!b->local_groups) return false;
    b->nlocal_groups = ngroups;
    uint64_t total = 0;
    for (uint32_t i = 0; i < ngroups; i++) {
        weft_local_group_t *g = &b->local_groups[i];
        if (!weft__read_u32(&d->r, &g->count)) return false;
        if (!weft__decode_valtype(d, &g->type)) return false;
        total += g->count; /* at most 2^32 groups of < 2^32: no 64-bit overflow */
    }
    if (total > WEFT_DECODE_MAX_LOCALS) {
        weft__decode_fail_at(d, locals_at, "too many locals");
        return false;
    }
    b->nlocals = (uint32_t)total;

    b->code_offset = (uint32_t)weft__reader_offset(&d->r);
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
