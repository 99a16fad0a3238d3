/* decode_defs.c - the definition sections of the component decoder (Binary.md "Instance
 * Definitions", "Alias Definitions", "Type Definitions", "Canonical Definitions", "Start
 * Definitions", "Import and Export Definitions", "Value Definitions"). Each definition is
 * appended to its array, to the index space it defines into, and to the definition order. */
#include <string.h>

#include "component/decode_internal.h"

/* Appends the records of one definition: index space entry + order. */
static bool define(weft_cdecoder_t *d, weft_component_def_t *def, uint8_t sort, uint8_t how,
                   uint32_t index, uint32_t offset)
{
    return weft__cdec_define(d, def, sort, how, index, 0, offset) &&
           weft__cdec_order(d, def, how, index);
}

/* ------------------------------------------------------------------------------------------
 * Instances
 * ------------------------------------------------------------------------------------------ */

/* core:instance ::= 0x00 moduleidx vec(name 0x12 instanceidx) | 0x01 vec(name core:sortidx) */
static bool core_instance(weft_cdecoder_t *d, weft_component_def_t *def, weft_cinstance_t *ci)
{
    ci->offset = (uint32_t)weft__cdec_pos(d);
    if (!weft__cdec_u8(d, &ci->kind)) return false;
    if (ci->kind > 0x01) {
        weft__cdec_fail(d, ci->offset, "invalid leading byte (0x%x) for core instance",
                        ci->kind);
        return false;
    }
    if (ci->kind == WEFT_CINST_INSTANTIATE && !weft__cdec_u32(d, &ci->of)) return false;
    uint32_t n;
    if (!weft__cdec_count(d, &n)) return false;
    ci->args = weft__cdec_arena(d, def, n, sizeof *ci->args);
    if (!ci->args) return false;
    ci->nargs = n;
    for (uint32_t i = 0; i < n; i++) {
        weft_carg_t *a = &ci->args[i];
        a->offset = (uint32_t)weft__cdec_pos(d);
        a->name.offset = a->offset;
        if (!weft__cdec_name(d, &a->name.name)) return false;
        if (ci->kind == WEFT_CINST_INSTANTIATE) {
            uint8_t k;
            size_t at = weft__cdec_pos(d);
            if (!weft__cdec_u8(d, &k)) return false;
            if (k != 0x12) {
                weft__cdec_fail(d, at,
                                "invalid leading byte (0x%x) for instantiation arg kind", k);
                return false;
            }
            a->item.sort = WEFT_CSORT_CORE_INSTANCE;
            if (!weft__cdec_u32(d, &a->item.index)) return false;
        } else {
            /* core:sortidx: a core:sort byte and an index (no 0x00 prefix). */
            uint8_t k;
            size_t at = weft__cdec_pos(d);
            if (!weft__cdec_u8(d, &k)) return false;
            static const int8_t map[0x13] = {0, 1, 2, 3, 4, -1, -1, -1, -1, -1, -1, -1,
                                             -1, -1, -1, -1, 5, 6, 7};
            if (k >= 0x13 || map[k] < 0) {
                weft__cdec_fail(d, at, "invalid leading byte (0x%x) for core sort", k);
                return false;
            }
            a->item.sort = (uint8_t)map[k];
            if (!weft__cdec_u32(d, &a->item.index)) return false;
        }
    }
    return true;
}

bool weft__cdec_core_instance_section(weft_cdecoder_t *d, weft_component_def_t *def)
{
    uint32_t n;
    if (!weft__cdec_count(d, &n)) return false;
    for (uint32_t i = 0; i < n; i++) {
        weft_cinstance_t *ci = WEFT_CDEC_PUSH(d, def->core_instances);
        if (!ci || !core_instance(d, def, ci)) return false;
        if (!define(d, def, WEFT_CSORT_CORE_INSTANCE, WEFT_CDEF_CORE_INSTANCE,
                    def->core_instances.count - 1, ci->offset)) {
            return false;
        }
    }
    return true;
}

/* instance ::= 0x00 componentidx vec(name sortidx) | 0x01 vec(nameattributes sortidx) */
static bool instance(weft_cdecoder_t *d, weft_component_def_t *def, weft_cinstance_t *in)
{
    in->offset = (uint32_t)weft__cdec_pos(d);
    if (!weft__cdec_u8(d, &in->kind)) return false;
    if (in->kind > 0x01) {
        weft__cdec_fail(d, in->offset, "invalid leading byte (0x%x) for instance", in->kind);
        return false;
    }
    if (in->kind == WEFT_CINST_INSTANTIATE && !weft__cdec_u32(d, &in->of)) return false;
    uint32_t n;
    if (!weft__cdec_count(d, &n)) return false;
    in->args = weft__cdec_arena(d, def, n, sizeof *in->args);
    if (!in->args) return false;
    in->nargs = n;
    for (uint32_t i = 0; i < n; i++) {
        weft_carg_t *a = &in->args[i];
        a->offset = (uint32_t)weft__cdec_pos(d);
        if (in->kind == WEFT_CINST_INSTANTIATE) {
            a->name.offset = a->offset;
            if (!weft__cdec_name(d, &a->name.name)) return false;
        } else if (!weft__cdec_extname(d, def, &a->name)) {
            return false;
        }
        if (!weft__cdec_sortidx(d, &a->item)) return false;
    }
    return true;
}

bool weft__cdec_instance_section(weft_cdecoder_t *d, weft_component_def_t *def)
{
    uint32_t n;
    if (!weft__cdec_count(d, &n)) return false;
    for (uint32_t i = 0; i < n; i++) {
        weft_cinstance_t *in = WEFT_CDEC_PUSH(d, def->instances);
        if (!in || !instance(d, def, in)) return false;
        if (!define(d, def, WEFT_CSORT_INSTANCE, WEFT_CDEF_INSTANCE, def->instances.count - 1,
                    in->offset)) {
            return false;
        }
    }
    return true;
}

/* ------------------------------------------------------------------------------------------
 * Aliases and types
 * ------------------------------------------------------------------------------------------ */

bool weft__cdec_alias_section(weft_cdecoder_t *d, weft_component_def_t *def)
{
    uint32_t n;
    if (!weft__cdec_count(d, &n)) return false;
    for (uint32_t i = 0; i < n; i++) {
        weft_calias_t al;
        if (!weft__cdec_alias(d, &al)) return false;
        weft_calias_t *slot = WEFT_CDEC_PUSH(d, def->aliases);
        if (!slot) return false;
        *slot = al;
        if (!define(d, def, al.sort, WEFT_CDEF_ALIAS, def->aliases.count - 1, al.offset)) {
            return false;
        }
    }
    return true;
}

bool weft__cdec_type_section(weft_cdecoder_t *d, weft_component_def_t *def)
{
    uint32_t n;
    if (!weft__cdec_count(d, &n)) return false;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t idx;
        if (!weft__cdec_type(d, def, &idx)) return false;
        if (!define(d, def, WEFT_CSORT_TYPE, WEFT_CDEF_TYPE, idx, def->types.items[idx].offset)) {
            return false;
        }
    }
    return true;
}

bool weft__cdec_core_type_section(weft_cdecoder_t *d, weft_component_def_t *def)
{
    uint32_t n;
    if (!weft__cdec_count(d, &n)) return false;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t first, count;
        if (!weft__cdec_core_type(d, def, &first, &count)) return false;
        for (uint32_t k = 0; k < count; k++) {
            if (!define(d, def, WEFT_CSORT_CORE_TYPE, WEFT_CDEF_CORE_TYPE, first + k,
                        def->core_types.items[first + k].offset)) {
                return false;
            }
        }
    }
    return true;
}

/* ------------------------------------------------------------------------------------------
 * Canonical definitions
 * ------------------------------------------------------------------------------------------ */

static bool canon_opts(weft_cdecoder_t *d, weft_component_def_t *def, weft_canon_t *c)
{
    uint32_t n;
    if (!weft__cdec_count(d, &n)) return false;
    c->opts = weft__cdec_arena(d, def, n, sizeof *c->opts);
    if (!c->opts) return false;
    c->nopts = n;
    for (uint32_t i = 0; i < n; i++) {
        weft_copt_t *o = &c->opts[i];
        o->offset = (uint32_t)weft__cdec_pos(d);
        if (!weft__cdec_u8(d, &o->kind)) return false;
        switch (o->kind) {
        case WEFT_COPT_UTF8:
        case WEFT_COPT_UTF16:
        case WEFT_COPT_LATIN1_UTF16:
        case WEFT_COPT_ASYNC: break;
        case WEFT_COPT_MEMORY:
        case WEFT_COPT_REALLOC:
        case WEFT_COPT_POST_RETURN:
        case WEFT_COPT_CALLBACK:
            if (!weft__cdec_u32(d, &o->index)) return false;
            break;
        default:
            weft__cdec_fail(d, o->offset, "invalid leading byte (0x%x) for canonical option",
                            o->kind);
            return false;
        }
    }
    return true;
}

/* The 0x00 sort byte after lift/lower: the `func` sort (Binary.md note on canon). */
static bool func_sort_byte(weft_cdecoder_t *d, const char *what)
{
    uint8_t b;
    size_t at = weft__cdec_pos(d);
    if (!weft__cdec_u8(d, &b)) return false;
    if (b != 0x00) {
        weft__cdec_fail(d, at, "invalid leading byte (0x%x) for canonical function %s", b, what);
        return false;
    }
    return true;
}

static bool canon(weft_cdecoder_t *d, weft_component_def_t *def, weft_canon_t *c)
{
    c->offset = (uint32_t)weft__cdec_pos(d);
    if (!weft__cdec_u8(d, &c->op)) return false;
    switch (c->op) {
    case WEFT_CANON_LIFT:
        return func_sort_byte(d, "lift") && weft__cdec_u32(d, &c->func) &&
               canon_opts(d, def, c) && weft__cdec_u32(d, &c->type);
    case WEFT_CANON_LOWER:
        return func_sort_byte(d, "lower") && weft__cdec_u32(d, &c->func) && canon_opts(d, def, c);
    case WEFT_CANON_RESOURCE_NEW:
    case WEFT_CANON_RESOURCE_DROP:
    case WEFT_CANON_RESOURCE_REP:
    case WEFT_CANON_STREAM_NEW:
    case WEFT_CANON_STREAM_DROP_READABLE:
    case WEFT_CANON_STREAM_DROP_WRITABLE:
    case WEFT_CANON_FUTURE_NEW:
    case WEFT_CANON_FUTURE_DROP_READABLE:
    case WEFT_CANON_FUTURE_DROP_WRITABLE:
        return weft__cdec_u32(d, &c->type);
    case WEFT_CANON_BACKPRESSURE_INC:
    case WEFT_CANON_BACKPRESSURE_DEC:
    case WEFT_CANON_TASK_CANCEL:
    case WEFT_CANON_SUBTASK_DROP:
    case WEFT_CANON_ERROR_CONTEXT_DROP:
    case WEFT_CANON_WAITABLE_SET_NEW:
    case WEFT_CANON_WAITABLE_SET_DROP:
    case WEFT_CANON_WAITABLE_JOIN:
    case WEFT_CANON_THREAD_INDEX:
    case WEFT_CANON_THREAD_RESUME_LATER:
        return true;
    case WEFT_CANON_TASK_RETURN:
        return weft__cdec_resultlist(d, &c->has_result, &c->result) && canon_opts(d, def, c);
    case WEFT_CANON_CONTEXT_GET:
    case WEFT_CANON_CONTEXT_SET: {
        weft_ccore_valtype_t t;
        if (!weft__cdec_core_valtype(d, &t)) return false;
        c->core_valtype = t.code;
        return weft__cdec_u32(d, &c->slot);
    }
    case WEFT_CANON_SUBTASK_CANCEL:
    case WEFT_CANON_THREAD_YIELD:
    case WEFT_CANON_THREAD_SUSPEND:
    case WEFT_CANON_THREAD_SUSPEND_THEN_RESUME:
    case WEFT_CANON_THREAD_YIELD_THEN_RESUME:
    case WEFT_CANON_THREAD_SUSPEND_THEN_PROMOTE:
    case WEFT_CANON_THREAD_YIELD_THEN_PROMOTE:
    case WEFT_CANON_THREAD_AVAILABLE_PARALLELISM:
        return weft__cdec_bool(d, &c->flag);
    case WEFT_CANON_STREAM_READ:
    case WEFT_CANON_STREAM_WRITE:
    case WEFT_CANON_FUTURE_READ:
    case WEFT_CANON_FUTURE_WRITE:
        return weft__cdec_u32(d, &c->type) && canon_opts(d, def, c);
    case WEFT_CANON_STREAM_CANCEL_READ:
    case WEFT_CANON_STREAM_CANCEL_WRITE:
    case WEFT_CANON_FUTURE_CANCEL_READ:
    case WEFT_CANON_FUTURE_CANCEL_WRITE:
        return weft__cdec_u32(d, &c->type) && weft__cdec_bool(d, &c->flag);
    case WEFT_CANON_ERROR_CONTEXT_NEW:
    case WEFT_CANON_ERROR_CONTEXT_DEBUG_MESSAGE:
        return canon_opts(d, def, c);
    case WEFT_CANON_WAITABLE_SET_WAIT:
    case WEFT_CANON_WAITABLE_SET_POLL:
        return weft__cdec_bool(d, &c->flag) && weft__cdec_u32(d, &c->memory);
    case WEFT_CANON_THREAD_NEW_INDIRECT:
        return weft__cdec_u32(d, &c->type) && weft__cdec_u32(d, &c->table);
    case WEFT_CANON_THREAD_SPAWN_REF:
        return weft__cdec_bool(d, &c->flag) && weft__cdec_u32(d, &c->type);
    case WEFT_CANON_THREAD_SPAWN_INDIRECT:
        return weft__cdec_bool(d, &c->flag) && weft__cdec_u32(d, &c->type) &&
               weft__cdec_u32(d, &c->table);
    default:
        weft__cdec_fail(d, c->offset, "invalid leading byte (0x%x) for canonical function",
                        c->op);
        return false;
    }
}

bool weft__cdec_canon_section(weft_cdecoder_t *d, weft_component_def_t *def)
{
    uint32_t n;
    if (!weft__cdec_count(d, &n)) return false;
    for (uint32_t i = 0; i < n; i++) {
        weft_canon_t *c = WEFT_CDEC_PUSH(d, def->canons);
        if (!c || !canon(d, def, c)) return false;
        if (!define(d, def, weft__canon_sort(c->op), WEFT_CDEF_CANON, def->canons.count - 1,
                    c->offset)) {
            return false;
        }
    }
    return true;
}

/* ------------------------------------------------------------------------------------------
 * Start, imports, exports, values
 * ------------------------------------------------------------------------------------------ */

/* Implementation limit on the results of a start function (a component function has at most
 * one result today; the u32 is bounded so it cannot ask for unbounded index space). */
#define WEFT_CSTART_MAX_RESULTS 1000u

bool weft__cdec_start_section(weft_cdecoder_t *d, weft_component_def_t *def)
{
    weft_cstart_t st;
    memset(&st, 0, sizeof st);
    st.offset = (uint32_t)weft__cdec_pos(d);
    if (!weft__cdec_u32(d, &st.func)) return false;
    uint32_t n;
    if (!weft__cdec_count(d, &n)) return false;
    st.args = weft__cdec_arena(d, def, n, sizeof *st.args);
    if (!st.args) return false;
    st.nargs = n;
    for (uint32_t i = 0; i < n; i++) {
        if (!weft__cdec_u32(d, &st.args[i])) return false;
    }
    size_t at = weft__cdec_pos(d);
    if (!weft__cdec_u32(d, &st.nresults)) return false;
    if (st.nresults > WEFT_CSTART_MAX_RESULTS) {
        weft__cdec_fail(d, at, "too many start results");
        return false;
    }
    weft_cstart_t *slot = WEFT_CDEC_PUSH(d, def->starts);
    if (!slot) return false;
    *slot = st;
    uint32_t idx = def->starts.count - 1;
    for (uint32_t k = 0; k < st.nresults; k++) {
        if (!weft__cdec_define(d, def, WEFT_CSORT_VALUE, WEFT_CDEF_START, idx, k, st.offset)) {
            return false;
        }
    }
    return weft__cdec_order(d, def, WEFT_CDEF_START, idx);
}

bool weft__cdec_import_section(weft_cdecoder_t *d, weft_component_def_t *def)
{
    uint32_t n;
    if (!weft__cdec_count(d, &n)) return false;
    for (uint32_t i = 0; i < n; i++) {
        weft_cimport_t im;
        memset(&im, 0, sizeof im);
        im.offset = (uint32_t)weft__cdec_pos(d);
        if (!weft__cdec_extname(d, def, &im.name) || !weft__cdec_externtype(d, &im.desc)) {
            return false;
        }
        weft_cimport_t *slot = WEFT_CDEC_PUSH(d, def->imports);
        if (!slot) return false;
        *slot = im;
        if (!define(d, def, weft__cextern_sort(im.desc.kind), WEFT_CDEF_IMPORT,
                    def->imports.count - 1, im.offset)) {
            return false;
        }
    }
    return true;
}

bool weft__cdec_export_section(weft_cdecoder_t *d, weft_component_def_t *def)
{
    uint32_t n;
    if (!weft__cdec_count(d, &n)) return false;
    for (uint32_t i = 0; i < n; i++) {
        weft_cexport_t ex;
        memset(&ex, 0, sizeof ex);
        ex.offset = (uint32_t)weft__cdec_pos(d);
        if (!weft__cdec_extname(d, def, &ex.name) || !weft__cdec_sortidx(d, &ex.item)) {
            return false;
        }
        uint8_t b;
        size_t at = weft__cdec_pos(d);
        if (!weft__cdec_u8(d, &b)) return false;
        if (b > 1) {
            weft__cdec_fail(d, at,
                            "invalid leading byte (0x%x) for optional component export type", b);
            return false;
        }
        ex.has_type = b == 1;
        if (ex.has_type && !weft__cdec_externtype(d, &ex.type)) return false;
        weft_cexport_t *slot = WEFT_CDEC_PUSH(d, def->exports);
        if (!slot) return false;
        *slot = ex;
        /* Binary.md: every export introduces a new index of the exported item's sort. */
        if (!define(d, def, ex.item.sort, WEFT_CDEF_EXPORT, def->exports.count - 1, ex.offset)) {
            return false;
        }
    }
    return true;
}

bool weft__cdec_value_section(weft_cdecoder_t *d, weft_component_def_t *def)
{
    uint32_t n;
    if (!weft__cdec_count(d, &n)) return false;
    for (uint32_t i = 0; i < n; i++) {
        weft_cvalue_t v;
        memset(&v, 0, sizeof v);
        v.offset = (uint32_t)weft__cdec_pos(d);
        if (!weft__cdec_valtype(d, &v.type)) return false;
        size_t at = weft__cdec_pos(d);
        if (!weft__cdec_u32(d, &v.len)) return false;
        if (v.len > (size_t)(d->r.end - d->r.p)) {
            weft__cdec_fail(d, at, "unexpected end-of-file");
            return false;
        }
        v.data_offset = (uint32_t)weft__cdec_pos(d);
        d->r.p += v.len;
        weft_cvalue_t *slot = WEFT_CDEC_PUSH(d, def->values);
        if (!slot) return false;
        *slot = v;
        if (!define(d, def, WEFT_CSORT_VALUE, WEFT_CDEF_VALUE, def->values.count - 1, v.offset)) {
            return false;
        }
    }
    return true;
}
