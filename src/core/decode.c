/* decode.c - the core binary decoder's top level (Wasm core spec 5.5.2 Sections, 5.5.16
 * Modules): preamble, section order and sizes, the module-wide consistency checks, and freeing a
 * decoded module. The section payloads are in decode_sections.c, instructions in
 * decode_instr.c, the name section in decode_names.c. */
#include <string.h>

#include "core/compile.h"
#include "core/decode_internal.h"
#include "core/runtime.h"
#include "util/error.h"

uint32_t weft__module_features(const weft_module_t *m)
{
    uint32_t off = m->engine ? m->engine->config.disabled_features : 0;
    /* Typed function references go with the rest of Wasm 3.0: off in the Wasm 2.0 mode. */
    if ((off & WEFT_FEATURES_POST_WASM2) == WEFT_FEATURES_POST_WASM2)
        off |= WEFT_FEATURE_FUNCTION_REFERENCES;
    return (WEFT_FEATURES_POST_WASM2 | WEFT_FEATURE_FUNCTION_REFERENCES) & ~off;
}

void weft__decode_fail_at(weft_decoder_t *d, size_t pos, const char *why)
{
    if (!d->r.err) {
        d->r.err = why;
        d->r.err_pos = pos;
    }
    d->r.p = d->r.end;
}

void weft__decode_oom(weft_decoder_t *d)
{
    d->oom = true;
    weft__decode_fail_at(d, weft__reader_offset(&d->r), "out of memory");
}

/* Position of each non-custom section id in the required order (5.5.16): the data count
 * section (12) comes between element (9) and code (10), and the tag section (13, Wasm 3.0
 * exception handling) between memory (5) and global (6). 0 = not a known section. */
static unsigned section_rank(const weft_decoder_t *d, uint8_t id)
{
    static const uint8_t rank[14] = {0, 1, 2, 3, 4, 5, 7, 8, 9, 10, 12, 13, 11, 6};
    if (id == 13 && !weft__decode_has(d, WEFT_FEATURE_EXCEPTIONS)) return 0;
    return id < 14 ? rank[id] : 0;
}

static bool decode_custom(weft_decoder_t *d, size_t start, uint32_t size)
{
    weft_name_t name;
    if (!weft__decode_name(d, &name)) return false;
    size_t used = weft__reader_offset(&d->r) - start;
    if (used > size) {
        /* The name ran past the declared size. */
        weft__decode_fail_at(d, weft__reader_offset(&d->r), "unexpected end");
        return false;
    }
    size_t rest = size - used;
    const uint8_t *payload;
    size_t payload_at = weft__reader_offset(&d->r);
    if (!weft__read_bytes(&d->r, rest, &payload)) return false;
    if (!d->has_name_section && name.len == 4 && memcmp(name.ptr, "name", 4) == 0) {
        d->has_name_section = true;
        d->name_start = (uint32_t)payload_at;
        d->name_end = (uint32_t)(payload_at + rest);
    }
    return true;
}

static bool decode_section(weft_decoder_t *d, uint8_t id, size_t start, uint32_t size)
{
    switch (id) {
    case 0: return decode_custom(d, start, size);
    case 1: return weft__decode_type_section(d);
    case 2: return weft__decode_import_section(d);
    case 3: return weft__decode_func_section(d);
    case 4: return weft__decode_table_section(d);
    case 5: return weft__decode_memory_section(d);
    case 6: return weft__decode_global_section(d);
    case 7: return weft__decode_export_section(d);
    case 8: return weft__decode_start_section(d);
    case 9: return weft__decode_elem_section(d);
    case 10: return weft__decode_code_section(d);
    case 11: return weft__decode_data_section(d);
    case 12: return weft__decode_datacount_section(d);
    case 13: return weft__decode_tag_section(d);
    default: return false;
    }
}

static void decode_module(weft_decoder_t *d)
{
    weft_module_t *m = d->m;
    weft_reader_t *r = &d->r;

    /* 5.5.16: magic and version, each four bytes. */
    if (m->len < 4) {
        weft__decode_fail_at(d, m->len, "unexpected end");
        return;
    }
    if (memcmp(m->bytes, "\0asm", 4) != 0) {
        weft__decode_fail_at(d, 0, "magic header not detected");
        return;
    }
    if (m->len < 8) {
        weft__decode_fail_at(d, m->len, "unexpected end");
        return;
    }
    if (memcmp(m->bytes + 4, "\1\0\0\0", 4) != 0) {
        weft__decode_fail_at(d, 4, "unknown binary version");
        return;
    }
    r->p += 8;

    unsigned last_rank = 0;
    while (!weft__reader_eof(r)) {
        size_t sec_at = weft__reader_offset(r);
        uint8_t id = *r->p;
        unsigned rank = section_rank(d, id);
        if (id != 0 && rank == 0) {
            weft__decode_fail_at(d, sec_at, "malformed section id");
            return;
        }
        if (id != 0) {
            /* A non-custom section out of order or repeated: the module ended before it. */
            if (rank <= last_rank) {
                weft__decode_fail_at(d, sec_at, "unexpected content after last section");
                return;
            }
            last_rank = rank;
        }
        r->p++;
        uint32_t size;
        if (!weft__decode_len(d, &size)) return;
        size_t start = weft__reader_offset(r);
        if (!decode_section(d, id, start, size)) return;
        if (weft__reader_offset(r) != start + size) {
            weft__decode_fail_at(d, start, "section size mismatch");
            return;
        }
    }

    /* Module-wide checks, in the reference decoder's order (5.5.16). */
    if (m->nfuncs - m->nfunc_imports != m->nbodies) {
        weft__decode_fail_at(d, m->len, "function and code section have inconsistent lengths");
        return;
    }
    if (m->has_datacount && m->datacount != m->ndatas) {
        weft__decode_fail_at(d, m->len, "data count and data section have inconsistent lengths");
        return;
    }
    /* memory.init and data.drop need a data count section (5.5.13). Without any data segment
     * the module is invalid anyway (the data index is unknown): that is left to the validator,
     * so that text-format tests compiled without a data count section keep their validation
     * error ("unknown data segment", "unknown memory"). */
    if (!m->has_datacount && d->uses_datacount && m->ndatas > 0) {
        weft__decode_fail_at(d, m->len, "data count section required");
        return;
    }
    if (!weft__decode_finish_spaces(d)) return;
    weft__decode_names(d);
}

static weft_error_t *module_decode(weft_module_t *m, bool quick)
{
    if (m->len > UINT32_MAX - 16) {
        return weft__error_new(&m->alloc, WEFT_ERROR_DECODE, 0,
                               "module too large (implementation limit) at byte offset 0");
    }
    weft_decoder_t d;
    memset(&d, 0, sizeof d);
    d.m = m;
    d.r.base = m->bytes;
    d.r.p = m->bytes;
    d.r.end = m->bytes + m->len;
    d.feat = weft__module_features(m);
    d.quick = quick;

    decode_module(&d);

    weft__free(&m->alloc, d.ctl, d.ctl_cap);
    if (d.oom) return weft__error_oom();
    if (!d.r.err) return NULL;
    const char *why = d.r.err;
    /* Every premature end is reported with the reference decoder's full wording. */
    if (strcmp(why, "unexpected end") == 0) why = "unexpected end of section or function";
    return weft__error_new(&m->alloc, WEFT_ERROR_DECODE, d.r.err_pos, "%s at byte offset %zu",
                           why, d.r.err_pos);
}

weft_error_t *weft__module_decode(weft_module_t *m)
{
    return module_decode(m, false);
}

weft_error_t *weft__module_decode_quick(weft_module_t *m)
{
    return module_decode(m, true);
}

void weft__module_free(weft_module_t *m)
{
    const weft_alloc_t *a = &m->alloc;
    weft__module_free_codes(m);

    if (m->types) {
        for (uint32_t i = 0; i < m->ntypes; i++) {
            weft__free(a, m->types[i].params, m->types[i].nparams * sizeof(weft_valtype_t));
            weft__free(a, m->types[i].results, m->types[i].nresults * sizeof(weft_valtype_t));
        }
    }
    weft__free(a, m->types, m->ntypes * sizeof *m->types);
    if (m->typeinfo) weft__free(a, m->typeinfo, m->ntypes * sizeof *m->typeinfo);
    if (m->table_inits) {
        weft__free(a, m->table_inits, (m->ntables - m->ntable_imports) * sizeof *m->table_inits);
    }
    m->typeinfo = NULL;
    m->table_inits = NULL;
    weft__free(a, m->imports, m->nimports * sizeof *m->imports);
    weft__free(a, m->func_types, m->nfuncs * sizeof *m->func_types);
    weft__free(a, m->tables, m->ntables * sizeof *m->tables);
    weft__free(a, m->memories, m->nmemories * sizeof *m->memories);
    weft__free(a, m->globals, m->nglobals * sizeof *m->globals);
    if (m->global_inits) { /* allocated together with nglobals = imports + defined */
        weft__free(a, m->global_inits,
                   (m->nglobals - m->nglobal_imports) * sizeof *m->global_inits);
    }
    weft__free(a, m->tag_types, m->ntags * sizeof *m->tag_types);
    weft__free(a, m->exports, m->nexports * sizeof *m->exports);
    if (m->elems) {
        for (uint32_t i = 0; i < m->nelems; i++) {
            weft__free(a, m->elems[i].func_indices, m->elems[i].count * sizeof(uint32_t));
            weft__free(a, m->elems[i].exprs, m->elems[i].count * sizeof(weft_expr_t));
        }
    }
    weft__free(a, m->elems, m->nelems * sizeof *m->elems);
    weft__free(a, m->datas, m->ndatas * sizeof *m->datas);
    if (m->bodies) {
        for (uint32_t i = 0; i < m->nbodies; i++) {
            weft__free(a, m->bodies[i].local_groups,
                       m->bodies[i].nlocal_groups * sizeof(weft_local_group_t));
        }
    }
    weft__free(a, m->bodies, m->nbodies * sizeof *m->bodies);
    weft__free(a, m->func_names, m->nfunc_names * sizeof *m->func_names);
    weft__free(a, m->declared_funcs, ((size_t)m->nfuncs + 7) / 8);
    if (!m->bytes_borrowed) weft__free(a, m->bytes, m->len);

    m->types = NULL;
    m->ntypes = 0;
    m->imports = NULL;
    m->nimports = 0;
    m->nfunc_imports = m->ntable_imports = m->nmemory_imports = 0;
    m->nglobal_imports = m->ntag_imports = 0;
    m->func_types = NULL;
    m->nfuncs = 0;
    m->tables = NULL;
    m->ntables = 0;
    m->memories = NULL;
    m->nmemories = 0;
    m->globals = NULL;
    m->global_inits = NULL;
    m->nglobals = 0;
    m->tag_types = NULL;
    m->ntags = 0;
    m->exports = NULL;
    m->nexports = 0;
    m->elems = NULL;
    m->nelems = 0;
    m->datas = NULL;
    m->ndatas = 0;
    m->bodies = NULL;
    m->nbodies = 0;
    m->func_names = NULL;
    m->nfunc_names = 0;
    m->module_name.ptr = NULL;
    m->module_name.len = 0;
    m->declared_funcs = NULL;
    m->bytes = NULL;
    m->len = 0;
}

weft_name_t weft__module_func_name(const weft_module_t *m, uint32_t index)
{
    weft_name_t none = {NULL, 0};
    if (!m->func_names || index >= m->nfunc_names) return none;
    return m->func_names[index];
}
