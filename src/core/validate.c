/* validate.c - module validation (Wasm core spec 3.4 Modules): types, imports, tables,
 * memories, globals, exports, start function, element and data segments, constant
 * expressions, then every function body (validate_code.c). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/validate_internal.h"
#include "core/decode_types.h"
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
    char tbuf[2][32]; /* names of typed references in messages */
    unsigned tbuf_k;
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

static const char *tname_(vmod_t *v, weft_valtype_t t)
{
    if (!weft__valtype_is_typed(t)) return weft__validate_type_name(t);
    v->tbuf_k ^= 1u;
    return weft__valtype_name(t, v->tbuf[v->tbuf_k], sizeof v->tbuf[0]);
}
#define tname(t) tname_(v, (t))

static bool known_valtype(const vmod_t *v, weft_valtype_t t)
{
    /* Typed references (decoded only with the feature): the index is checked by check_vt. */
    if (weft__valtype_is_typed(t)) return weft__valtype_is_ref(t);
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

/* A value type naming a type index must name one below `limit` (the module's types, or the
 * end of the recursion group being checked). */
static bool check_vt(vmod_t *v, weft_valtype_t t, uint32_t limit, uint64_t offset,
                     const char *where)
{
    if (!known_valtype(v, t)) return mfail(v, offset, "malformed value type", where, NULL);
    if (weft__rt_has_idx(t) && weft__rt_idx(t) >= limit) {
        char reason[40];
        snprintf(reason, sizeof reason, "unknown type %u", weft__rt_idx(t));
        return mfail(v, offset, reason, where, NULL);
    }
    return true;
}

/* ---- types and limits -------------------------------------------------------------------- */

/* Type equivalence of recursive types (Wasm 3.0 3.2.x / 3.3.x): two types are equivalent when
 * their recursion groups are structurally identical, with references inside a group compared
 * by relative position and references out of it by the canonical type they name, and they sit
 * at the same position. Groups are hashed with that encoding; typeinfo[i].canon becomes the
 * first type equivalent to i, so equivalence is one comparison afterwards. */
static uint32_t enc_ref(const weft_module_t *m, uint32_t idx, uint32_t group, uint32_t len,
                        bool *internal)
{
    *internal = idx >= group && idx - group < len;
    return *internal ? idx - group : m->typeinfo[idx].canon;
}

static uint32_t enc_vt(const weft_module_t *m, weft_valtype_t t, uint32_t group, uint32_t len)
{
    if (!weft__rt_has_idx(t)) return t;
    bool in;
    uint32_t e = enc_ref(m, weft__rt_idx(t), group, len, &in);
    return (t & 0x3FFu) ^ (e * 2654435761u) ^ (in ? 0x5bd1e995u : 0u);
}

static bool vt_equiv(const weft_module_t *m, weft_valtype_t a, uint32_t ga, weft_valtype_t b,
                     uint32_t gb, uint32_t len)
{
    if ((a & 0x3FFu) != (b & 0x3FFu) || weft__rt_has_idx(a) != weft__rt_has_idx(b)) return false;
    if (!weft__rt_has_idx(a)) return a == b;
    bool ia, ib;
    uint32_t ea = enc_ref(m, weft__rt_idx(a), ga, len, &ia);
    uint32_t eb = enc_ref(m, weft__rt_idx(b), gb, len, &ib);
    return ia == ib && ea == eb;
}

static uint32_t group_hash(const weft_module_t *m, uint32_t g, uint32_t len)
{
    uint32_t h = 2166136261u ^ len;
#define MIX(x) (h = (h ^ (uint32_t)(x)) * 16777619u)
    for (uint32_t i = g; i < g + len; i++) {
        const weft_typeinfo_t *ti = &m->typeinfo[i];
        const weft_functype_t *ft = &m->types[i];
        MIX(ti->kind);
        MIX(ti->final);
        if (ti->super != UINT32_MAX) {
            bool in;
            MIX(enc_ref(m, ti->super, g, len, &in));
            MIX(in);
        }
        MIX(ft->nparams);
        MIX(ft->nresults);
        for (uint32_t k = 0; k < ft->nparams; k++) MIX(enc_vt(m, ft->params[k], g, len));
        for (uint32_t k = 0; k < ft->nresults; k++) MIX(enc_vt(m, ft->results[k], g, len));
    }
#undef MIX
    return h;
}

static bool group_equiv(const weft_module_t *m, uint32_t ga, uint32_t gb, uint32_t len)
{
    for (uint32_t k = 0; k < len; k++) {
        const weft_typeinfo_t *a = &m->typeinfo[ga + k], *b = &m->typeinfo[gb + k];
        const weft_functype_t *fa = &m->types[ga + k], *fb = &m->types[gb + k];
        if (a->kind != b->kind || a->final != b->final || fa->nparams != fb->nparams ||
            fa->nresults != fb->nresults || (a->super == UINT32_MAX) != (b->super == UINT32_MAX))
            return false;
        if (a->super != UINT32_MAX) {
            bool ia, ib;
            uint32_t ea = enc_ref(m, a->super, ga, len, &ia);
            uint32_t eb = enc_ref(m, b->super, gb, len, &ib);
            if (ia != ib || ea != eb) return false;
        }
        for (uint32_t i = 0; i < fa->nparams; i++)
            if (!vt_equiv(m, fa->params[i], ga, fb->params[i], gb, len)) return false;
        for (uint32_t i = 0; i < fa->nresults; i++)
            if (!vt_equiv(m, fa->results[i], ga, fb->results[i], gb, len)) return false;
    }
    return true;
}

static bool compute_canon(vmod_t *v)
{
    weft_module_t *m = (weft_module_t *)v->m; /* the module being validated: canon is ours */
    if (!m->typeinfo || m->ntypes == 0) return true;
    size_t cap = 16;
    while (cap < (size_t)m->ntypes * 2) cap *= 2;
    uint32_t *slots = weft__malloc(&m->alloc, cap * sizeof *slots);
    if (!slots) {
        v->err = weft__error_oom();
        return false;
    }
    memset(slots, 0xFF, cap * sizeof *slots);
    for (uint32_t g = 0; g < m->ntypes;) {
        uint32_t len = m->typeinfo[g].group_len ? m->typeinfo[g].group_len : 1;
        if (len > m->ntypes - g) len = m->ntypes - g;
        uint32_t h = group_hash(m, g, len);
        size_t j = h & (cap - 1);
        uint32_t same = UINT32_MAX;
        for (; slots[j] != UINT32_MAX; j = (j + 1) & (cap - 1)) {
            uint32_t o = slots[j];
            uint32_t olen = m->typeinfo[o].group_len ? m->typeinfo[o].group_len : 1;
            if (olen == len && group_equiv(m, o, g, len)) {
                same = o;
                break;
            }
        }
        if (same == UINT32_MAX) slots[j] = g;
        for (uint32_t k = 0; k < len; k++)
            m->typeinfo[g + k].canon = same == UINT32_MAX ? g + k : same + k;
        g += len;
    }
    weft__free(&m->alloc, slots, cap * sizeof *slots);
    return true;
}

/* Function type a matches function type b (3.3.x): contravariant parameters, covariant
 * results. */
static bool functype_sub(const weft_module_t *m, const weft_functype_t *a,
                         const weft_functype_t *b)
{
    if (a->nparams != b->nparams || a->nresults != b->nresults) return false;
    for (uint32_t i = 0; i < a->nparams; i++)
        if (!weft__valtype_sub(m, b->params[i], a->params[i])) return false;
    for (uint32_t i = 0; i < a->nresults; i++)
        if (!weft__valtype_sub(m, a->results[i], b->results[i])) return false;
    return true;
}

static bool check_types(vmod_t *v)
{
    const weft_module_t *m = v->m;
    char where[32];
    for (uint32_t i = 0; i < m->ntypes; i++) {
        const weft_functype_t *ft = &m->types[i];
        const weft_typeinfo_t *ti = m->typeinfo ? &m->typeinfo[i] : NULL;
        /* A type may refer to every type up to the end of its own recursion group. */
        uint32_t limit = ti ? ti->group + (ti->group_len ? ti->group_len : 1) : m->ntypes;
        snprintf(where, sizeof where, "type %u", i);
        if (ti && ti->kind != 0x60)
            return mfail(v, UINT64_MAX, "unsupported GC type", where,
                         "struct and array types are not supported");
        for (uint32_t k = 0; k < ft->nparams + ft->nresults; k++) {
            weft_valtype_t t = k < ft->nparams ? ft->params[k] : ft->results[k - ft->nparams];
            if (!check_vt(v, t, limit, UINT64_MAX, where)) return false;
        }
        if (ti && ti->super != UINT32_MAX) {
            if (ti->super == UINT32_MAX - 1)
                return mfail(v, UINT64_MAX, "multiple supertypes", where, NULL);
            if (ti->super >= i) {
                char reason[40];
                snprintf(reason, sizeof reason, "unknown type %u", ti->super);
                return mfail(v, UINT64_MAX, reason, where, NULL);
            }
        }
    }
    if (!compute_canon(v)) return false;
    /* Declared supertypes (3.2.x "sub"): not final, and the subtype's structure matches. */
    for (uint32_t i = 0; m->typeinfo && i < m->ntypes; i++) {
        const weft_typeinfo_t *ti = &m->typeinfo[i];
        if (ti->super == UINT32_MAX) continue;
        snprintf(where, sizeof where, "type %u", i);
        if (m->typeinfo[ti->super].final)
            return mfail(v, UINT64_MAX, "sub type", where, "supertype %u is final", ti->super);
        if (!functype_sub(m, &m->types[i], &m->types[ti->super]))
            return mfail(v, UINT64_MAX, "sub type", where, "does not match supertype %u",
                         ti->super);
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
    if (!check_vt(v, t->elem, v->m->ntypes, offset, where)) return false;
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
            if (depth != 1 || !weft__valtype_sub(m, top, want))
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
        case 0xD0:
            if (!weft__read_heaptype(&r, v->feat, &t)) break;
            if (!check_vt(v, t, m->ntypes, at, where)) return false;
            break;
        case 0xD2:
            if (!weft__read_u32(&r, &x)) break;
            if (x >= m->nfuncs) {
                char reason[40];
                snprintf(reason, sizeof reason, "unknown function %u", x);
                return mfail(v, at, reason, where, NULL);
            }
            /* Wasm 3.0: the function's own type, non-null. */
            t = has(v, WEFT_FEATURE_FUNCTION_REFERENCES) && m->func_types[x] < m->ntypes
                    ? weft__rt_concrete(m->func_types[x], false)
                    : (weft_valtype_t)WEFT_T_FUNCREF;
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
            if (!check_vt(v, im->desc.global.type, m->ntypes, im->offset, where)) return false;
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
        /* Wasm 3.0 3.4.x: a table of a non-defaultable type needs an initialiser. */
        const weft_expr_t *init = m->table_inits ? &m->table_inits[i - m->ntable_imports] : NULL;
        if (init && init->len == 0) init = NULL;
        if (!init && !weft__valtype_defaultable(m->tables[i].elem))
            return mfail(v, UINT64_MAX, "type mismatch", where,
                         "a table of %s needs an initialiser", tname(m->tables[i].elem));
        /* Its initialiser sees the imported globals only (Wasm 3.0 3.4.x, context C'). */
        if (init && !check_const(v, init, m->tables[i].elem, m->nglobal_imports, where))
            return false;
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
        if (!check_vt(v, m->globals[i].type, m->ntypes, UINT64_MAX, where)) return false;
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
        if (!check_vt(v, el->type, m->ntypes, el->entry_offset, where)) return false;
        if (el->mode == WEFT_SEG_ACTIVE) {
            if (el->table >= m->ntables) {
                char reason[40];
                snprintf(reason, sizeof reason, "unknown table %u", el->table);
                return mfail(v, el->entry_offset, reason, where, NULL);
            }
            if (!weft__valtype_sub(m, el->type, m->tables[el->table].elem))
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
