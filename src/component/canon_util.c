/* canon_util.c - traps, the realloc call and tuple layout shared by the Canonical ABI files. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "component/canon.h"
#include "util/error.h"

weft_error_t *weft__canon_trap(const weft_alloc_t *a, const char *fmt, ...)
{
    char buf[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    weft_error_t *e = weft__error_new(a, WEFT_ERROR_TRAP, UINT64_MAX, "%s", buf);
    /* Canonical ABI traps are raised by the runtime on behalf of the component, outside any
     * core instruction: they carry the host trap code and the spec's reason as message. */
    if (!e->is_static) e->trap = WEFT_TRAP_HOST;
    return e;
}

/* LiftLowerContext.reallocate */
weft_error_t *weft__canon_realloc(weft_canon_cx_t *cx, uint32_t old_ptr, uint32_t old_size,
                                  uint32_t align, uint32_t new_size, uint32_t *ptr)
{
    if (!cx->realloc)
        return weft__canon_trap(cx->alloc, "canonical ABI: realloc needed but not provided");
    bool saved = true;
    if (cx->may_leave) {
        saved = *cx->may_leave;
        *cx->may_leave = false;
    }
    weft_error_t *err = cx->realloc(cx->realloc_env, old_ptr, old_size, align, new_size, ptr);
    if (cx->may_leave) *cx->may_leave = saved;
    return err;
}

/* ---- core calls made by the runtime ----------------------------------------------------
 * A component's lifted core function, realloc and post-return are called with values the
 * Canonical ABI produced in the function's own flat types (validation checked that the core
 * types match), so these calls take the engine's nested entry, which skips the public API's
 * checks and value conversions. Anything unexpected (a count or kind that differs, which the
 * public entry reports as an error) takes weft_func_call. */

/* A one-slot value's slot (the engine's representation, weft__val_to_slots) and back.
 * Flattened values are numbers; references are handled for completeness. */
static inline uint64_t num_bits(const weft_val_t *v)
{
    switch (v->kind) {
    case WEFT_I64: return (uint64_t)v->of.i64;
    case WEFT_F32: return v->of.f32;
    case WEFT_F64: return v->of.f64;
    case WEFT_FUNCREF: return (uint64_t)(uintptr_t)v->of.funcref;
    case WEFT_EXTERNREF: return (uint64_t)(uintptr_t)v->of.externref;
    default: return (uint32_t)v->of.i32;
    }
}

/* The kinds of num_bits / set_num: i32, i64, f32, f64 (0x7C..0x7F) and the references. */
static inline bool one_slot_kind(uint32_t k)
{
    return (k & ~3u) == 0x7Cu || k == WEFT_FUNCREF || k == WEFT_EXTERNREF;
}

static inline void set_num(weft_val_t *v, uint64_t bits)
{
    switch (v->kind) {
    case WEFT_I64: v->of.i64 = (int64_t)bits; break;
    case WEFT_F32: v->of.f32 = (uint32_t)bits; break;
    case WEFT_F64: v->of.f64 = bits; break;
    case WEFT_FUNCREF: v->of.funcref = (weft_func_t *)(uintptr_t)bits; break;
    case WEFT_EXTERNREF: v->of.externref = (void *)(uintptr_t)bits; break;
    default: v->of.i32 = (int32_t)(uint32_t)bits; break;
    }
}

weft_error_t *weft__canon_core_call(weft_store_t *store, weft_func_t *func,
                                    const weft_val_t *args, uint32_t nargs, weft_val_t *results,
                                    uint32_t nresults)
{
    const weft_functype_t *t = func->type;
    uint64_t slots[WEFT_CANON_CORE_CALL_MAX];
    /* One slot a value (no v128), every kind the function's own and one num_bits converts;
     * anything else is left to the checked entry, which reports it. */
    if (nargs != t->nparams || nresults != t->nresults || t->param_slots != nargs ||
        t->result_slots != nresults || nargs > WEFT_CANON_CORE_CALL_MAX ||
        nresults > WEFT_CANON_CORE_CALL_MAX)
        goto checked;
    const weft_valtype_t *pt = t->params, *rt = t->results;
    for (uint32_t i = 0; i < nargs; i++) {
        if (args[i].kind != (pt[i] & 0xFF) || !one_slot_kind(args[i].kind)) goto checked;
        slots[i] = num_bits(&args[i]);
    }
    for (uint32_t i = 0; i < nresults; i++)
        if (results[i].kind != (rt[i] & 0xFF) || !one_slot_kind(results[i].kind)) goto checked;
    weft_error_t *err = weft__func_call_slots(store, func, slots);
    if (err) return err;
    for (uint32_t i = 0; i < nresults; i++) set_num(&results[i], slots[i]);
    return NULL;
checked:
    return weft_func_call(store, func, args, nargs, results, nresults);
}

weft_error_t *weft__canon_call_realloc(weft_store_t *store, weft_func_t *func, uint32_t old_ptr,
                                       uint32_t old_size, uint32_t align, uint32_t new_size,
                                       uint32_t *result)
{
    /* The signature is (i32, i32, i32, i32) -> i32 (validation checked it; CanonicalABI.md
     * "canonical options"): anything else (a 64-bit realloc) takes the checked entry. */
    const weft_functype_t *t = func->type;
    if (t->nparams == 4 && t->nresults == 1 && (t->params[0] & 0xFF) == WEFT_T_I32 &&
        (t->params[1] & 0xFF) == WEFT_T_I32 && (t->params[2] & 0xFF) == WEFT_T_I32 &&
        (t->params[3] & 0xFF) == WEFT_T_I32 && (t->results[0] & 0xFF) == WEFT_T_I32) {
        uint64_t slots[4] = {old_ptr, old_size, align, new_size};
        weft_error_t *err = weft__func_call_slots(store, func, slots);
        *result = err ? 0 : (uint32_t)slots[0];
        return err;
    }
    weft_val_t a[4], r;
    memset(a, 0, sizeof a);
    memset(&r, 0, sizeof r);
    a[0].kind = a[1].kind = a[2].kind = a[3].kind = WEFT_I32;
    a[0].of.i32 = (int32_t)old_ptr;
    a[1].of.i32 = (int32_t)old_size;
    a[2].of.i32 = (int32_t)align;
    a[3].of.i32 = (int32_t)new_size;
    r.kind = WEFT_I32;
    weft_error_t *err = weft_func_call(store, func, a, 4, &r, 1);
    *result = (uint32_t)r.of.i32;
    return err;
}

/* alignment_record / elem_size_record over the fields' types. */
void weft__canon_tuple_layout(const weft_ty_field_t *fields, uint32_t n, uint32_t *size,
                              uint32_t *align)
{
    uint64_t s = 0;
    uint32_t a = 1;
    for (uint32_t i = 0; i < n; i++) {
        const weft_ty_val_t *t = fields[i].type;
        if (t->align32 > a) a = t->align32;
        s = (s + t->align32 - 1) / t->align32 * t->align32;
        s += t->size32;
    }
    s = (s + a - 1) / a * a;
    *size = s > UINT32_MAX ? UINT32_MAX : (uint32_t)s;
    *align = a;
}

uint32_t weft__canon_tuple_nflat(const weft_ty_field_t *fields, uint32_t n)
{
    uint64_t c = 0;
    for (uint32_t i = 0; i < n; i++) c += fields[i].type->nflat;
    return c > WEFT_TY_FLAT_SAT ? WEFT_TY_FLAT_SAT : (uint32_t)c;
}

void weft__canon_tuple_init(weft_canon_tuple_t *t, const weft_ty_field_t *fields, uint32_t n)
{
    t->fields = fields;
    t->nfields = n;
    t->nflat = weft__canon_tuple_nflat(fields, n);
    weft__canon_tuple_layout(fields, n, &t->size, &t->align);
    t->scalar = true;
    for (uint32_t i = 0; i < n && t->scalar; i++)
        t->scalar = fields[i].type->kind >= WEFT_TY_BOOL && fields[i].type->kind <= WEFT_TY_F64;
    t->simple = true;
    for (uint32_t i = 0; i < n && t->simple; i++) {
        const weft_ty_val_t *ft = fields[i].type;
        t->simple = (ft->kind >= WEFT_TY_BOOL && ft->kind <= WEFT_TY_STRING) ||
                    (ft->kind == WEFT_TY_LIST && ft->elem->kind >= WEFT_TY_S8 &&
                     ft->elem->kind <= WEFT_TY_U64);
    }
}
