/* validate.c - module validation (Wasm core spec 3.4 Modules): types, imports, tables,
 * memories, globals, exports, start function, element and data segments, constant
 * expressions, then every function body (validate_code.c). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/validate_internal.h"
#include "util/leb.h"

/* Wasm 2.0 allows one memory; multi-memory (Wasm 3.0) lifts this. */
#define MAX_MEMORIES 1u
/* 3.2.8 Memory Types: at most 2^16 pages of 64 KiB in a 32-bit memory, 2^48 in a 64-bit
 * one (Wasm 3.0). */
#define MAX_MEMORY_PAGES 65536u
#define MAX_MEMORY64_PAGES (UINT64_C(1) << 48)
/* 3.2.7 Table Types: limits within 2^32 - 1. */
#define MAX_TABLE_SIZE 0xFFFFFFFFu

typedef struct vmod {
    const weft_module_t *m;
    weft_error_t *err;
    uint32_t feat; /* WEFT_FEATURE_* bits accepted */
    /* Operand types of the constant expression being checked (extended constants can nest). */
    weft_valtype_t *stack;
    size_t capstack;
} vmod_t;

static bool has(const vmod_t *v, uint32_t feature)
{
    return (v->feat & feature) != 0;
}

/* A module-level error: "<reason>: in <what> at offset 0x.. (<detail>)". Returns false. */
#if defined(__GNUC__)
__attribute__((format(printf, 5, 6)))
#endif
static bool
mfail(vmod_t *v, uint64_t offset, const char *reason, const char *where, const char *fmt, ...)
{
    if (v->err) return false;
    char detail[160];
    detail[0] = 0;
    if (fmt) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(detail, sizeof detail, fmt, ap);
        va_end(ap);
    }
    if (offset != UINT64_MAX)
        v->err = weft__error_new(&v->m->alloc, WEFT_ERROR_VALIDATE, offset,
                                 "%s: in %s at offset 0x%llx%s%s", reason, where,
                                 (unsigned long long)offset, detail[0] ? ": " : "", detail);
    else
        v->err = weft__error_new(&v->m->alloc, WEFT_ERROR_VALIDATE, offset, "%s: in %s%s%s",
                                 reason, where, detail[0] ? ": " : "", detail);
    return false;
}

static const char *tname(weft_valtype_t t)
{
    return weft__validate_type_name(t);
}

static bool known_valtype(const vmod_t *v, weft_valtype_t t)
{
    switch (t) {
    case WEFT_T_I32: case WEFT_T_I64: case WEFT_T_F32: case WEFT_T_F64: case WEFT_T_V128:
    case WEFT_T_FUNCREF: case WEFT_T_EXTERNREF:
        return true;
    case WEFT_T_EXNREF:
        return has(v, WEFT_FEATURE_EXCEPTIONS);
    default:
        return false;
    }
}

/* ---- types and limits -------------------------------------------------------------------- */

static bool check_types(vmod_t *v)
{
    const weft_module_t *m = v->m;
    for (uint32_t i = 0; i < m->ntypes; i++) {
        const weft_functype_t *ft = &m->types[i];
        for (uint32_t k = 0; k < ft->nparams + ft->nresults; k++) {
            weft_valtype_t t = k < ft->nparams ? ft->params[k] : ft->results[k - ft->nparams];
            char where[32];
            snprintf(where, sizeof where, "type %u", i);
            if (!known_valtype(v, t)) return mfail(v, UINT64_MAX, "malformed value type", where, NULL);
        }
    }
    return true;
}

/* 3.2.1 Limits: min and max within `range`, min <= max. */
static bool check_limits(vmod_t *v, const weft_limits_t *l, uint64_t range, const char *range_msg,
                         uint64_t offset, const char *where)
{
    if (l->is64 && !has(v, WEFT_FEATURE_MEMORY64))
        return mfail(v, offset, "64-bit limits are not supported", where, NULL);
    if (l->min > range) return mfail(v, offset, range_msg, where, NULL);
    if (l->has_max) {
        if (l->max > range) return mfail(v, offset, range_msg, where, NULL);
        if (l->min > l->max)
            return mfail(v, offset, "size minimum must not be greater than maximum", where,
                         "min %llu, max %llu", (unsigned long long)l->min,
                         (unsigned long long)l->max);
    }
    return true;
}

static bool check_table_type(vmod_t *v, const weft_tabletype_t *t, uint64_t offset,
                             const char *where)
{
    if (!weft__valtype_is_ref(t->elem) || !known_valtype(v, t->elem))
        return mfail(v, offset, "malformed reference type", where, NULL);
    /* Threads proposal: only memories can be shared. */
    if (t->limits.shared) return mfail(v, offset, "tables cannot be shared", where, NULL);
    if (t->limits.is64)
        return check_limits(v, &t->limits, UINT64_MAX, "table size", offset, where);
    return check_limits(v, &t->limits, MAX_TABLE_SIZE, "table size must be at most 2^32-1",
                        offset, where);
}

static bool check_mem_type(vmod_t *v, const weft_memtype_t *t, uint64_t offset,
                           const char *where)
{
    /* Threads proposal: a shared memory's size is bounded up front, since other threads may
     * hold its base address and it can never move. The decoder reads the flag only when the
     * feature is on. */
    if (t->limits.shared) {
        if (!has(v, WEFT_FEATURE_SHARED_MEMORY))
            return mfail(v, offset, "shared memories are not supported", where, NULL);
        if (!t->limits.has_max)
            return mfail(v, offset, "shared memory must have maximum", where, NULL);
    }
    if (t->limits.is64)
        return check_limits(v, &t->limits, MAX_MEMORY64_PAGES,
                            "memory size must be at most 2^48 pages", offset, where);
    return check_limits(v, &t->limits, MAX_MEMORY_PAGES,
                        "memory size must be at most 65536 pages (4GiB)", offset, where);
}

/* ---- constant expressions (3.3.10) ------------------------------------------------------- */

/* Checks that expression `e` is constant and has the single result type `want`. Only the first
 * `visible_globals` globals may be read, and they must be immutable: in Wasm 2.0 those are the
 * imported ones; with extended constants (Wasm 3.0 3.3.10) every global defined before the
 * expression's own, and i32/i64 add, sub and mul are constant too. Malformed bytes give a
 * decode error. */
static bool check_const(vmod_t *v, const weft_expr_t *e, weft_valtype_t want,
                        uint32_t visible_globals, const char *where)
{
    const weft_module_t *m = v->m;
    if (e->offset > m->len || e->len > m->len - e->offset) {
        v->err = weft__error_new(&m->alloc, WEFT_ERROR_DECODE, e->offset,
                                 "unexpected end: in %s", where);
        return false;
    }
    weft_reader_t r = {.base = m->bytes, .p = m->bytes + e->offset,
                       .end = m->bytes + e->offset + e->len};
    size_t depth = 0;
    for (;;) {
        size_t at = weft__reader_offset(&r);
        uint8_t op = 0;
        uint32_t x = 0;
        const uint8_t *bytes;
        weft_valtype_t t = 0;
        if (!weft__read_u8(&r, &op)) break;
        switch (op) {
        case 0x0B: { /* end */
            weft_valtype_t top = depth ? v->stack[depth - 1] : 0;
            if (depth != 1 || top != want)
                return mfail(v, at, "type mismatch", where, "expected a single %s, found %zu value(s)%s%s",
                             tname(want), depth, depth ? " ending with " : "", depth ? tname(top) : "");
            if (!weft__reader_eof(&r)) {
                v->err = weft__error_new(&m->alloc, WEFT_ERROR_DECODE, weft__reader_offset(&r),
                                         "section size mismatch: in %s", where);
                return false;
            }
            return true;
        }
        case 0x41: { int32_t k; weft__read_s32(&r, &k); t = WEFT_T_I32; break; }
        case 0x42: { int64_t k; weft__read_s64(&r, &k); t = WEFT_T_I64; break; }
        case 0x43: { uint32_t k; weft__read_f32(&r, &k); t = WEFT_T_F32; break; }
        case 0x44: { uint64_t k; weft__read_f64(&r, &k); t = WEFT_T_F64; break; }
        case 0x6A: case 0x6B: case 0x6C: /* i32.add, i32.sub, i32.mul */
        case 0x7C: case 0x7D: case 0x7E: /* i64.add, i64.sub, i64.mul */
            if (!has(v, WEFT_FEATURE_EXTENDED_CONST))
                return mfail(v, at, "constant expression required", where, "%s",
                             weft__validate_op_name(op));
            t = op <= 0x6C ? WEFT_T_I32 : WEFT_T_I64;
            if (depth < 2 || v->stack[depth - 1] != t || v->stack[depth - 2] != t)
                return mfail(v, at, "type mismatch", where, "%s needs two %s operands",
                             weft__validate_op_name(op), tname(t));
            depth -= 2;
            break;
        case 0xD0: {
            uint8_t b = 0;
            if (weft__read_u8(&r, &b) && b != WEFT_T_FUNCREF && b != WEFT_T_EXTERNREF &&
                !(b == WEFT_T_EXNREF && has(v, WEFT_FEATURE_EXCEPTIONS))) {
                r.p--;
                weft__reader_fail(&r, "malformed reference type");
            }
            t = b;
            break;
        }
        case 0xD2:
            if (!weft__read_u32(&r, &x)) break;
            if (x >= m->nfuncs) {
                char reason[40];
                snprintf(reason, sizeof reason, "unknown function %u", x);
                return mfail(v, at, reason, where, NULL);
            }
            t = WEFT_T_FUNCREF;
            break;
        case 0x23:
            if (!weft__read_u32(&r, &x)) break;
            if (x >= visible_globals || x >= m->nglobals) {
                char reason[40];
                snprintf(reason, sizeof reason, "unknown global %u", x);
                return mfail(v, at, reason, where, NULL);
            }
            if (m->globals[x].mut)
                return mfail(v, at, "constant expression required", where,
                             "global %u is mutable", x);
            t = m->globals[x].type;
            break;
        case 0xFD:
            if (!weft__read_u32(&r, &x)) break;
            if (x == 0x0C) {
                weft__read_bytes(&r, 16, &bytes);
                t = WEFT_T_V128;
                break;
            }
            if (x >= WEFT_OP_FD_COUNT || weft__validate_op(WEFT_OP_FD + x)->kind == WEFT_VOP_INVALID) {
                r.p = m->bytes + at;
                weft__reader_fail(&r, "illegal opcode");
                break;
            }
            return mfail(v, at, "constant expression required", where, "%s",
                         weft__validate_op_name(WEFT_OP_FD + x));
        case 0xFC:
            if (!weft__read_u32(&r, &x)) break;
            if (x >= WEFT_OP_FC_COUNT) {
                r.p = m->bytes + at;
                weft__reader_fail(&r, "illegal opcode");
                break;
            }
            return mfail(v, at, "constant expression required", where, "%s",
                         weft__validate_op_name(WEFT_OP_FC + x));
        default:
            if (weft__validate_op(op)->kind == WEFT_VOP_INVALID) {
                r.p--;
                weft__reader_fail(&r, "illegal opcode");
                break;
            }
            return mfail(v, at, "constant expression required", where, "%s",
                         weft__validate_op_name(op));
        }
        if (r.err) break;
        if (depth == v->capstack &&
            weft__grow(&m->alloc, (void **)&v->stack, &v->capstack, depth + 1, sizeof *v->stack)) {
            v->err = weft__error_oom();
            return false;
        }
        v->stack[depth++] = t;
    }
    v->err = weft__error_new(&m->alloc, WEFT_ERROR_DECODE, r.err_pos, "%s: in %s",
                             r.err ? r.err : "unexpected end", where);
    return false;
}

/* The globals a constant expression may read: imports only in Wasm 2.0; with extended
 * constants every global before `limit` (the expression's own global, or all of them). */
static uint32_t const_globals(const vmod_t *v, uint32_t limit)
{
    return has(v, WEFT_FEATURE_EXTENDED_CONST) ? limit : v->m->nglobal_imports;
}

/* ---- sections ---------------------------------------------------------------------------- */

static bool check_imports(vmod_t *v)
{
    const weft_module_t *m = v->m;
    for (uint32_t i = 0; i < m->nimports; i++) {
        const weft_import_t *im = &m->imports[i];
        char where[40];
        snprintf(where, sizeof where, "import %u", i);
        switch (im->kind) {
        case WEFT_EXTERN_FUNC:
        case WEFT_EXTERN_TAG:
            if (im->desc.func_type >= m->ntypes) {
                char reason[40];
                snprintf(reason, sizeof reason, "unknown type %u", im->desc.func_type);
                return mfail(v, im->offset, reason, where, NULL);
            }
            break;
        case WEFT_EXTERN_TABLE:
            if (!check_table_type(v, &im->desc.table, im->offset, where)) return false;
            break;
        case WEFT_EXTERN_MEMORY:
            if (!check_mem_type(v, &im->desc.memory, im->offset, where)) return false;
            break;
        case WEFT_EXTERN_GLOBAL:
            if (!known_valtype(v, im->desc.global.type))
                return mfail(v, im->offset, "malformed value type", where, NULL);
            break;
        default:
            return mfail(v, im->offset, "malformed import kind", where, NULL);
        }
    }
    return true;
}

static bool check_funcs_tables_memories(vmod_t *v)
{
    const weft_module_t *m = v->m;
    char where[40];
    for (uint32_t i = 0; i < m->nfuncs; i++) {
        if (m->func_types[i] >= m->ntypes) {
            char reason[40];
            snprintf(reason, sizeof reason, "unknown type %u", m->func_types[i]);
            snprintf(where, sizeof where, "function %u", i);
            uint64_t off = UINT64_MAX;
            if (i >= m->nfunc_imports && i - m->nfunc_imports < m->nbodies)
                off = m->bodies[i - m->nfunc_imports].body_offset;
            return mfail(v, off, reason, where, NULL);
        }
    }
    for (uint32_t i = 0; i < m->ntags; i++) {
        if (m->tag_types[i] >= m->ntypes) {
            char reason[40];
            snprintf(reason, sizeof reason, "unknown type %u", m->tag_types[i]);
            snprintf(where, sizeof where, "tag %u", i);
            return mfail(v, UINT64_MAX, reason, where, NULL);
        }
        if (m->types[m->tag_types[i]].nresults != 0) {
            snprintf(where, sizeof where, "tag %u", i);
            return mfail(v, UINT64_MAX, "non-empty tag result type", where, NULL);
        }
    }
    for (uint32_t i = m->ntable_imports; i < m->ntables; i++) {
        snprintf(where, sizeof where, "table %u", i);
        if (!check_table_type(v, &m->tables[i], UINT64_MAX, where)) return false;
    }
    for (uint32_t i = m->nmemory_imports; i < m->nmemories; i++) {
        snprintf(where, sizeof where, "memory %u", i);
        if (!check_mem_type(v, &m->memories[i], UINT64_MAX, where)) return false;
    }
    if (m->nmemories > MAX_MEMORIES && !has(v, WEFT_FEATURE_MULTI_MEMORY)) {
        snprintf(where, sizeof where, "memory %u", MAX_MEMORIES);
        return mfail(v, UINT64_MAX, "multiple memories", where, "%u memories", m->nmemories);
    }
    return true;
}

static bool check_globals(vmod_t *v)
{
    const weft_module_t *m = v->m;
    for (uint32_t i = m->nglobal_imports; i < m->nglobals; i++) {
        char where[40];
        snprintf(where, sizeof where, "global %u", i);
        if (!known_valtype(v, m->globals[i].type))
            return mfail(v, UINT64_MAX, "malformed value type", where, NULL);
        if (!check_const(v, &m->global_inits[i - m->nglobal_imports], m->globals[i].type,
                         const_globals(v, i), where))
            return false;
    }
    return true;
}

/* FNV-1a over the name bytes. */
static uint32_t name_hash(const weft_name_t *n)
{
    uint32_t h = 2166136261u;
    for (uint32_t i = 0; i < n->len; i++) h = (h ^ (uint8_t)n->ptr[i]) * 16777619u;
    return h;
}

/* 3.4.10: export names must be distinct. Checked with an open-addressing hash set of export
 * indices so that modules with many exports stay linear. */
static bool check_export_names(vmod_t *v)
{
    const weft_module_t *m = v->m;
    if (m->nexports < 2) return true;
    size_t cap = 4;
    while (cap < (size_t)m->nexports * 2) cap *= 2;
    uint32_t *slots = weft__malloc(&m->alloc, cap * sizeof *slots);
    if (!slots) {
        v->err = weft__error_oom();
        return false;
    }
    memset(slots, 0xFF, cap * sizeof *slots);
    bool ok = true;
    for (uint32_t i = 0; i < m->nexports && ok; i++) {
        const weft_name_t *n = &m->exports[i].name;
        size_t s = name_hash(n) & (cap - 1);
        while (slots[s] != UINT32_MAX) {
            const weft_name_t *o = &m->exports[slots[s]].name;
            if (o->len == n->len && (n->len == 0 || memcmp(o->ptr, n->ptr, n->len) == 0)) {
                char where[40];
                snprintf(where, sizeof where, "export %u", i);
                ok = mfail(v, UINT64_MAX, "duplicate export name", where, "\"%.*s\"",
                           (int)(n->len > 64 ? 64 : n->len), n->ptr);
                break;
            }
            s = (s + 1) & (cap - 1);
        }
        if (ok) slots[s] = i;
    }
    weft__free(&m->alloc, slots, cap * sizeof *slots);
    return ok;
}

static bool check_exports(vmod_t *v)
{
    const weft_module_t *m = v->m;
    for (uint32_t i = 0; i < m->nexports; i++) {
        const weft_export_t *ex = &m->exports[i];
        const char *what;
        uint32_t limit;
        switch (ex->kind) {
        case WEFT_EXTERN_FUNC: what = "function"; limit = m->nfuncs; break;
        case WEFT_EXTERN_TABLE: what = "table"; limit = m->ntables; break;
        case WEFT_EXTERN_MEMORY: what = "memory"; limit = m->nmemories; break;
        case WEFT_EXTERN_GLOBAL: what = "global"; limit = m->nglobals; break;
        case WEFT_EXTERN_TAG: what = "tag"; limit = m->ntags; break;
        default: what = "export kind"; limit = 0; break;
        }
        if (ex->index >= limit) {
            char reason[48], where[40];
            snprintf(reason, sizeof reason, "unknown %s %u", what, ex->index);
            snprintf(where, sizeof where, "export %u", i);
            return mfail(v, UINT64_MAX, reason, where, NULL);
        }
    }
    return check_export_names(v);
}

static bool check_start(vmod_t *v)
{
    const weft_module_t *m = v->m;
    if (!m->has_start) return true;
    if (m->start >= m->nfuncs) {
        char reason[40];
        snprintf(reason, sizeof reason, "unknown function %u", m->start);
        return mfail(v, UINT64_MAX, reason, "start section", NULL);
    }
    const weft_functype_t *ft = &m->types[m->func_types[m->start]];
    if (ft->nparams || ft->nresults)
        return mfail(v, UINT64_MAX, "start function", "start section",
                     "function %u must have type [] -> []", m->start);
    return true;
}

static bool check_elems(vmod_t *v)
{
    const weft_module_t *m = v->m;
    for (uint32_t i = 0; i < m->nelems; i++) {
        const weft_elem_t *el = &m->elems[i];
        char where[48];
        snprintf(where, sizeof where, "element segment %u", i);
        if (!weft__valtype_is_ref(el->type) || !known_valtype(v, el->type))
            return mfail(v, el->entry_offset, "malformed reference type", where, NULL);
        if (el->mode == WEFT_SEG_ACTIVE) {
            if (el->table >= m->ntables) {
                char reason[40];
                snprintf(reason, sizeof reason, "unknown table %u", el->table);
                return mfail(v, el->entry_offset, reason, where, NULL);
            }
            if (m->tables[el->table].elem != el->type)
                return mfail(v, el->entry_offset, "type mismatch", where,
                             "segment of %s for table %u of %s", tname(el->type), el->table,
                             tname(m->tables[el->table].elem));
            weft_valtype_t at = m->tables[el->table].limits.is64 ? WEFT_T_I64 : WEFT_T_I32;
            if (!check_const(v, &el->offset, at, const_globals(v, m->nglobals), where))
                return false;
        }
        for (uint32_t k = 0; k < el->count; k++) {
            if (el->func_indices) {
                if (el->func_indices[k] >= m->nfuncs) {
                    char reason[40];
                    snprintf(reason, sizeof reason, "unknown function %u", el->func_indices[k]);
                    return mfail(v, el->entry_offset, reason, where, NULL);
                }
            } else if (el->exprs) {
                if (!check_const(v, &el->exprs[k], el->type, const_globals(v, m->nglobals), where))
                    return false;
            }
        }
    }
    return true;
}

static bool check_datas(vmod_t *v)
{
    const weft_module_t *m = v->m;
    for (uint32_t i = 0; i < m->ndatas; i++) {
        const weft_data_t *d = &m->datas[i];
        if (d->mode != WEFT_SEG_ACTIVE) continue;
        char where[40];
        snprintf(where, sizeof where, "data segment %u", i);
        if (d->memory >= m->nmemories) {
            char reason[40];
            snprintf(reason, sizeof reason, "unknown memory %u", d->memory);
            return mfail(v, d->data_offset, reason, where, NULL);
        }
        weft_valtype_t at = m->memories[d->memory].limits.is64 ? WEFT_T_I64 : WEFT_T_I32;
        if (!check_const(v, &d->offset, at, const_globals(v, m->nglobals), where)) return false;
    }
    return true;
}

/* Scans bodies [from, nbodies) for malformed encodings only. Returns a decode (or OOM) error,
 * or NULL. */
static weft_error_t *scan_rest(weft_vcode_t *vc, const weft_module_t *m, uint32_t from)
{
    for (uint32_t i = from; i < m->nbodies; i++) {
        weft_error_t *e = weft__vcode_check(vc, m->nfunc_imports + i, true);
        if (e) return e;
    }
    return NULL;
}

weft_error_t *weft__module_validate(weft_module_t *module)
{
    const weft_module_t *m = module;
    vmod_t v = {.m = m, .err = NULL, .feat = weft__module_features(m)};
    weft_vcode_t *vc = weft__vcode_new(m);
    if (!vc) return weft__error_oom();

    /* Module-level rules first, in section order (3.4.10). */
    bool ok = check_types(&v) && check_imports(&v) && check_funcs_tables_memories(&v) &&
              check_globals(&v) && check_exports(&v) && check_start(&v) && check_elems(&v) &&
              check_datas(&v);
    uint32_t next = 0;
    if (ok) {
        for (; next < m->nbodies; next++) {
            weft_error_t *e = weft__vcode_check(vc, m->nfunc_imports + next, false);
            if (e) {
                v.err = e;
                next++;
                break;
            }
        }
    }
    /* A malformed body later in the module takes precedence over an invalid construct: the
     * binary is decoded in full before it is validated (chapter 5 before chapter 3). */
    if (v.err && v.err->kind == WEFT_ERROR_VALIDATE) {
        weft_error_t *d = scan_rest(vc, m, next);
        if (d) {
            weft_error_delete(v.err);
            v.err = d;
        }
    }
    weft__vcode_free(vc);
    weft__free(&m->alloc, v.stack, v.capstack * sizeof *v.stack);
    return v.err;
}
