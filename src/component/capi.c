/* capi.c - the public component API of weft.h: value arenas, value helpers, exports of
 * instances and calls. */
#include <string.h>

#include "component/instance.h"
#include "component/transcode.h"
#include "util/error.h"

/* The public value kinds are the type kinds of types.h. */
_Static_assert(WEFT_CVAL_BOOL == (int)WEFT_TY_BOOL && WEFT_CVAL_STRING == (int)WEFT_TY_STRING &&
                   WEFT_CVAL_LIST == (int)WEFT_TY_LIST && WEFT_CVAL_FLAGS == (int)WEFT_TY_FLAGS &&
                   WEFT_CVAL_OWN == (int)WEFT_TY_OWN && WEFT_CVAL_MAP == (int)WEFT_TY_MAP,
               "value kinds");
_Static_assert(WEFT_CSTRING_UTF8 == (int)WEFT_STRENC_UTF8 &&
                   WEFT_CSTRING_LATIN1_UTF16 == (int)WEFT_STRENC_LATIN1_UTF16,
               "string encodings");

/* ---- arenas and values ----------------------------------------------------------------- */

weft_cval_arena_t *weft_cval_arena_new(weft_engine_t *engine)
{
    if (!engine) return NULL;
    weft_cval_arena_t *ar = weft__calloc(&engine->alloc, 1, sizeof *ar);
    if (!ar) return NULL;
    weft__cval_arena_init(ar, &engine->alloc);
    return ar;
}

void weft_cval_arena_reset(weft_cval_arena_t *arena)
{
    if (arena) weft__cval_arena_reset(arena);
}

void weft_cval_arena_delete(weft_cval_arena_t *arena)
{
    if (!arena) return;
    weft__cval_arena_reset(arena);
    weft_alloc_t a = arena->alloc;
    weft__free(&a, arena, sizeof *arena);
}

weft_cval_t *weft_cval_alloc(weft_cval_arena_t *arena, size_t n)
{
    return arena ? weft__cval_nodes(arena, n) : NULL;
}

bool weft_cval_set_string(weft_cval_arena_t *arena, const char *utf8, size_t len,
                          weft_cval_t *out)
{
    if (!arena || !out || (!utf8 && len)) return false;
    return weft__cval_string_utf8(arena, utf8 ? utf8 : "", len, out);
}

/* Whether s is a well-formed string value: a known encoding, a length within the Canonical
 * ABI's maximum (CanonicalABI.md MAX_STRING_BYTE_LENGTH), bytes present and valid in their
 * encoding. Host strings are checked before use so that a bad one is the host's error
 * rather than a trap of the callee (which would poison it) or a read past its bytes. */
static bool string_ok(const weft_alloc_t *a, const weft_cstring_t *s)
{
    uint32_t tagged = s->tagged_code_units;
    if (s->encoding > WEFT_CSTRING_LATIN1_UTF16) return false;
    bool utf16 = s->encoding == WEFT_CSTRING_UTF16 ||
                 (s->encoding == WEFT_CSTRING_LATIN1_UTF16 && (tagged & (1u << 31)));
    uint32_t units = s->encoding == WEFT_CSTRING_LATIN1_UTF16 ? tagged & ~(1u << 31) : tagged;
    if (units > (utf16 ? WEFT_MAX_STRING_BYTE_LENGTH / 2 : WEFT_MAX_STRING_BYTE_LENGTH))
        return false;
    if (!units) return true;
    if (!s->bytes) return false;
    weft_error_t *err = weft__transcode_validate(a, s->encoding, s->bytes, tagged);
    weft_error_delete(err);
    return err == NULL;
}

/* Appends scalar c as UTF-8 at p; returns the byte count. */
static size_t put_utf8(uint8_t *p, uint32_t c)
{
    if (c < 0x80) {
        p[0] = (uint8_t)c;
        return 1;
    }
    if (c < 0x800) {
        p[0] = (uint8_t)(0xC0 | (c >> 6));
        p[1] = (uint8_t)(0x80 | (c & 0x3F));
        return 2;
    }
    if (c < 0x10000) {
        p[0] = (uint8_t)(0xE0 | (c >> 12));
        p[1] = (uint8_t)(0x80 | ((c >> 6) & 0x3F));
        p[2] = (uint8_t)(0x80 | (c & 0x3F));
        return 3;
    }
    p[0] = (uint8_t)(0xF0 | (c >> 18));
    p[1] = (uint8_t)(0x80 | ((c >> 12) & 0x3F));
    p[2] = (uint8_t)(0x80 | ((c >> 6) & 0x3F));
    p[3] = (uint8_t)(0x80 | (c & 0x3F));
    return 4;
}

bool weft_cval_string_utf8(weft_cval_arena_t *arena, const weft_cval_t *v, const char **utf8,
                           size_t *len)
{
    if (!arena || !v || v->kind != WEFT_CVAL_STRING || !utf8 || !len) return false;
    const weft_cstring_t *s = &v->u.str;
    if (!string_ok(&arena->alloc, s)) return false;
    uint32_t blen = weft__cstring_byte_length(s);
    /* Every code unit becomes at most 3 UTF-8 bytes (4 for a surrogate pair of 4 bytes). */
    size_t cap = (size_t)blen * 2 + 1;
    uint8_t *p = weft__cval_alloc(arena, cap);
    if (!p) return false;
    size_t n = 0;
    if (s->encoding == WEFT_STRENC_UTF8) {
        if (blen) memcpy(p, s->bytes, blen);
        n = blen;
    } else {
        uint32_t pos = 0;
        while (pos < blen) n += put_utf8(p + n, weft__cstring_next(s, &pos));
    }
    p[n] = 0;
    *utf8 = (const char *)p;
    *len = n;
    return true;
}

static bool str_equal(const weft_cstring_t *a, const weft_cstring_t *b)
{
    uint32_t la = weft__cstring_byte_length(a), lb = weft__cstring_byte_length(b);
    uint32_t pa = 0, pb = 0;
    while (pa < la && pb < lb) {
        if (weft__cstring_next(a, &pa) != weft__cstring_next(b, &pb)) return false;
    }
    return pa >= la && pb >= lb;
}

static bool is_nan32(uint32_t x) { return (x & 0x7f800000u) == 0x7f800000u && (x & 0x7fffffu); }
static bool is_nan64(uint64_t x)
{
    return (x & 0x7ff0000000000000ull) == 0x7ff0000000000000ull && (x & 0xfffffffffffffull);
}

bool weft_cval_equal(const weft_cval_t *a, const weft_cval_t *b)
{
    if (!a || !b) return a == b;
    if (a->kind != b->kind) return false;
    switch (a->kind) {
    case WEFT_CVAL_BOOL: return a->u.b == b->u.b;
    case WEFT_CVAL_S8: case WEFT_CVAL_S16: case WEFT_CVAL_S32: case WEFT_CVAL_S64:
        return a->u.s == b->u.s;
    case WEFT_CVAL_U8: case WEFT_CVAL_U16: case WEFT_CVAL_U32: case WEFT_CVAL_U64:
        return a->u.u == b->u.u;
    case WEFT_CVAL_F32:
        return a->u.f32 == b->u.f32 || (is_nan32(a->u.f32) && is_nan32(b->u.f32));
    case WEFT_CVAL_F64:
        return a->u.f64 == b->u.f64 || (is_nan64(a->u.f64) && is_nan64(b->u.f64));
    case WEFT_CVAL_CHAR: return a->u.ch == b->u.ch;
    case WEFT_CVAL_STRING: return str_equal(&a->u.str, &b->u.str);
    case WEFT_CVAL_FLAGS: return a->u.flags == b->u.flags;
    case WEFT_CVAL_OWN: case WEFT_CVAL_BORROW: return a->u.rep == b->u.rep;
    case WEFT_CVAL_ERROR_CONTEXT: case WEFT_CVAL_STREAM: case WEFT_CVAL_FUTURE:
        return a->u.handle == b->u.handle;
    case WEFT_CVAL_VARIANT: case WEFT_CVAL_ENUM: case WEFT_CVAL_OPTION: case WEFT_CVAL_RESULT:
        if (a->u.var.index != b->u.var.index) return false;
        if (!a->u.var.payload || !b->u.var.payload) return a->u.var.payload == b->u.var.payload;
        return weft_cval_equal(a->u.var.payload, b->u.var.payload);
    default:
        if (a->u.agg.len != b->u.agg.len) return false;
        for (uint32_t i = 0; i < a->u.agg.len; i++)
            if (!weft_cval_equal(&a->u.agg.items[i], &b->u.agg.items[i])) return false;
        return true;
    }
}

/* ---- instances ------------------------------------------------------------------------- */

size_t weft_component_instance_export_count(const weft_component_instance_t *instance)
{
    return instance ? instance->nexports : 0;
}

static weft_component_extern_kind_t sort_kind(uint8_t sort)
{
    switch (sort) {
    case WEFT_CSORT_CORE_MODULE: return WEFT_COMPONENT_EXTERN_MODULE;
    case WEFT_CSORT_FUNC: return WEFT_COMPONENT_EXTERN_FUNC;
    case WEFT_CSORT_VALUE: return WEFT_COMPONENT_EXTERN_VALUE;
    case WEFT_CSORT_COMPONENT: return WEFT_COMPONENT_EXTERN_COMPONENT;
    case WEFT_CSORT_INSTANCE: return WEFT_COMPONENT_EXTERN_INSTANCE;
    default: return WEFT_COMPONENT_EXTERN_TYPE;
    }
}

bool weft_component_instance_export_nth(const weft_component_instance_t *instance, size_t i,
                                        const char **name, size_t *name_len,
                                        weft_component_extern_kind_t *kind)
{
    if (!instance || i >= instance->nexports) return false;
    const weft_cexp_t *x = &instance->exports[i];
    if (name) *name = x->name;
    if (name_len) *name_len = x->name_len;
    if (kind) *kind = sort_kind(x->sort);
    return true;
}

static const weft_cexp_t *find(const weft_component_instance_t *in, const char *name, size_t len)
{
    if (!in || (!name && len)) return NULL;
    for (uint32_t i = 0; i < in->nexports; i++) {
        const weft_cexp_t *x = &in->exports[i];
        if (x->name_len == len && (len == 0 || memcmp(x->name, name, len) == 0)) return x;
    }
    return NULL;
}

bool weft_component_instance_func(const weft_component_instance_t *instance, const char *name,
                                  size_t len, weft_component_func_t **out)
{
    const weft_cexp_t *x = find(instance, name, len);
    if (!x || x->sort != WEFT_CSORT_FUNC || !x->u.func) return false;
    if (out) *out = x->u.func;
    return true;
}

bool weft_component_instance_instance(const weft_component_instance_t *instance,
                                      const char *name, size_t len,
                                      weft_component_instance_t **out)
{
    const weft_cexp_t *x = find(instance, name, len);
    if (!x || x->sort != WEFT_CSORT_INSTANCE || !x->u.instance) return false;
    if (out) *out = x->u.instance;
    return true;
}

/* ---- functions ------------------------------------------------------------------------- */

size_t weft_component_func_param_count(const weft_component_func_t *func)
{
    return func && func->type ? func->type->nparams : 0;
}

size_t weft_component_func_result_count(const weft_component_func_t *func)
{
    return func && func->type && func->type->result ? 1 : 0;
}

weft_cval_kind_t weft_component_func_param_kind(const weft_component_func_t *func, size_t i)
{
    if (!func || !func->type || i >= func->type->nparams) return (weft_cval_kind_t)0;
    return (weft_cval_kind_t)func->type->params[i].type->kind;
}

weft_cval_kind_t weft_component_func_result_kind(const weft_component_func_t *func)
{
    if (!func || !func->type || !func->type->result) return (weft_cval_kind_t)0;
    return (weft_cval_kind_t)func->type->result->kind;
}

/* Whether host value v is a value of type t: the shape the call itself checks, and what it
 * leaves to lowering: integers within their type's range (lowering would wrap them), chars
 * that are Unicode scalar values and well-formed strings (lowering would trap inside the
 * callee and poison it), flags without bits past their labels. The depth is bounded by the
 * type's, which is finite. */
static bool value_ok(const weft_alloc_t *a, const weft_ty_val_t *t, const weft_cval_t *v)
{
    if (!v || v->kind != t->kind) return false;
    switch (t->kind) {
    case WEFT_TY_BOOL: return true;
    case WEFT_TY_U8: return v->u.u <= UINT8_MAX;
    case WEFT_TY_U16: return v->u.u <= UINT16_MAX;
    case WEFT_TY_U32: return v->u.u <= UINT32_MAX;
    case WEFT_TY_S8: return v->u.s >= INT8_MIN && v->u.s <= INT8_MAX;
    case WEFT_TY_S16: return v->u.s >= INT16_MIN && v->u.s <= INT16_MAX;
    case WEFT_TY_S32: return v->u.s >= INT32_MIN && v->u.s <= INT32_MAX;
    case WEFT_TY_CHAR:
        return v->u.ch <= 0x10FFFF && (v->u.ch < 0xD800 || v->u.ch > 0xDFFF);
    case WEFT_TY_STRING: return string_ok(a, &v->u.str);
    case WEFT_TY_FLAGS: return t->count >= 32 || (v->u.flags >> t->count) == 0;
    case WEFT_TY_LIST: case WEFT_TY_FIXED_LIST: case WEFT_TY_MAP:
        if (t->kind == WEFT_TY_FIXED_LIST && v->u.agg.len != t->len) return false;
        if (v->u.agg.len && !v->u.agg.items) return false;
        for (uint32_t i = 0; i < v->u.agg.len; i++)
            if (!value_ok(a, t->elem, &v->u.agg.items[i])) return false;
        return true;
    default: break;
    }
    if (weft_ty_is_record_like(t)) {
        if (v->u.agg.len != t->count || (t->count && !v->u.agg.items)) return false;
        for (uint32_t i = 0; i < t->count; i++)
            if (!value_ok(a, t->fields[i].type, &v->u.agg.items[i])) return false;
        return true;
    }
    if (weft_ty_is_variant_like(t)) {
        if (v->u.var.index >= t->count) return false;
        const weft_ty_val_t *pt = t->fields[v->u.var.index].type;
        if ((pt != NULL) != (v->u.var.payload != NULL)) return false;
        return !pt || value_ok(a, pt, v->u.var.payload);
    }
    return true; /* 64-bit integers, floats, handles: every bit pattern is a value */
}

weft_error_t *weft_component_func_call(weft_store_t *store, weft_component_func_t *func,
                                       const weft_cval_t *args, size_t nargs,
                                       weft_cval_t *results, size_t nresults,
                                       weft_cval_arena_t *arena)
{
    const weft_alloc_t dflt = {weft__default_alloc, NULL};
    if (!store || !func || !func->type) {
        return weft__error_new(store ? &store->alloc : &dflt, WEFT_ERROR_INVALID_ARG,
                               UINT64_MAX, "weft_component_func_call: invalid argument");
    }
    if (func->kind == WEFT_CFUNC_LIFTED && func->inst->store != store) {
        return weft__error_new(&store->alloc, WEFT_ERROR_INVALID_ARG, UINT64_MAX,
                               "weft_component_func_call: function of another store");
    }
    if (nresults && !arena && func->type->result) {
        return weft__error_new(&store->alloc, WEFT_ERROR_INVALID_ARG, UINT64_MAX,
                               "weft_component_func_call: results need an arena");
    }
    for (size_t i = 0; args && i < nargs && i < func->type->nparams; i++) {
        const weft_ty_val_t *t = func->type->params[i].type;
        if (!value_ok(&store->alloc, t, &args[i]))
            return weft__error_new(&store->alloc, WEFT_ERROR_INVALID_ARG, UINT64_MAX,
                                   "component call: argument %zu is not a value of type %s", i,
                                   weft_ty_kind_name(t->kind));
    }
    return weft__call_func(store, func, args, nargs, results, nresults, arena);
}

/* ---- host errors ----------------------------------------------------------------------- */

weft_error_t *weft_trap_new(weft_store_t *store, const char *message)
{
    const weft_alloc_t dflt = {weft__default_alloc, NULL};
    weft_error_t *err = weft__error_new(store ? &store->alloc : &dflt, WEFT_ERROR_TRAP,
                                        UINT64_MAX, "%s", message ? message : "host error");
    if (err != weft__error_oom()) err->trap = WEFT_TRAP_HOST;
    return err;
}

/* ---- the typed scalar fast path -------------------------------------------------------- */

static bool fast_kind(uint8_t k) { return k >= WEFT_TY_BOOL && k <= WEFT_TY_CHAR; }

bool weft_component_func_is_scalar(const weft_component_func_t *func)
{
    if (!func || !func->type || func->kind != WEFT_CFUNC_LIFTED || !func->core) return false;
    const weft_ty_func_t *ft = func->type;
    if (ft->is_async || func->opts.is_async || ft->nparams > WEFT_MAX_FLAT_PARAMS) return false;
    if (ft->result && !fast_kind(ft->result->kind)) return false;
    if (func->ncore_results != (ft->result ? 1u : 0u)) return false;
    for (uint32_t i = 0; i < ft->nparams; i++)
        if (!fast_kind(ft->params[i].type->kind)) return false;
    return true;
}

/* The core value kind of a scalar type (flatten_type, CanonicalABI.md "Flattening"). */
static uint32_t flat_kind(uint8_t k)
{
    switch (k) {
    case WEFT_TY_S64: case WEFT_TY_U64: return WEFT_I64;
    case WEFT_TY_F32: return WEFT_F32;
    case WEFT_TY_F64: return WEFT_F64;
    default: return WEFT_I32;
    }
}

/* A host argument as lower_flat would produce it from a value of type k; false if it is not
 * a value of k (the host's error, found before entering the callee). */
static bool lower_fast(uint8_t k, const weft_val_t *v, weft_val_t *o)
{
    if (v->kind != flat_kind(k)) return false;
    *o = *v;
    int32_t i = v->of.i32;
    switch (k) {
    case WEFT_TY_BOOL: o->of.i32 = i != 0; return true;
    case WEFT_TY_U8: return i >= 0 && i <= UINT8_MAX;
    case WEFT_TY_U16: return i >= 0 && i <= UINT16_MAX;
    case WEFT_TY_S8: return i >= INT8_MIN && i <= INT8_MAX;
    case WEFT_TY_S16: return i >= INT16_MIN && i <= INT16_MAX;
    case WEFT_TY_CHAR: {
        uint32_t c = (uint32_t)i;
        return c <= 0x10FFFF && (c < 0xD800 || c > 0xDFFF);
    }
    case WEFT_TY_F32: o->of.f32 = weft__canon_nan32(v->of.f32); return true;
    case WEFT_TY_F64: o->of.f64 = weft__canon_nan64(v->of.f64); return true;
    default: return true;
    }
}

/* lift_flat of a scalar of type k (canon_lift.c): integers wrapped, NaNs canonical, chars
 * checked (convert_i32_to_char). */
static weft_error_t *lift_fast(const weft_alloc_t *a, uint8_t k, const weft_val_t *v,
                               weft_val_t *o)
{
    uint32_t w = (uint32_t)v->of.i32;
    memset(o, 0, sizeof *o);
    o->kind = flat_kind(k);
    switch (k) {
    case WEFT_TY_BOOL: o->of.i32 = w != 0; break;
    case WEFT_TY_U8: o->of.i32 = (int32_t)(w & 0xff); break;
    case WEFT_TY_U16: o->of.i32 = (int32_t)(w & 0xffff); break;
    case WEFT_TY_S8: o->of.i32 = (int8_t)(uint8_t)w; break;
    case WEFT_TY_S16: o->of.i32 = (int16_t)(uint16_t)w; break;
    case WEFT_TY_S64: case WEFT_TY_U64: o->of.i64 = v->of.i64; break;
    case WEFT_TY_F32: o->of.f32 = weft__canon_nan32(v->of.f32); break;
    case WEFT_TY_F64: o->of.f64 = weft__canon_nan64(v->of.f64); break;
    case WEFT_TY_CHAR:
        if (w > 0x10FFFF || (w >= 0xD800 && w <= 0xDFFF))
            return weft__canon_trap(a, "invalid `char` bit pattern: 0x%x", w);
        o->of.i32 = (int32_t)w;
        break;
    default: o->of.i32 = (int32_t)w; break;
    }
    return NULL;
}

weft_error_t *weft_component_func_call_scalar(weft_store_t *store, weft_component_func_t *func,
                                              const weft_val_t *args, size_t nargs,
                                              weft_val_t *result, size_t nresults)
{
    const weft_alloc_t dflt = {weft__default_alloc, NULL};
    const weft_alloc_t *a = store ? &store->alloc : &dflt;
    if (!store || !weft_component_func_is_scalar(func)) {
        return weft__error_new(a, WEFT_ERROR_INVALID_ARG, UINT64_MAX,
                               "weft_component_func_call_scalar: %s",
                               store ? "not a synchronous function of scalar types"
                                     : "invalid argument");
    }
    if (func->inst->store != store) {
        return weft__error_new(a, WEFT_ERROR_INVALID_ARG, UINT64_MAX,
                               "weft_component_func_call_scalar: function of another store");
    }
    const weft_ty_func_t *ft = func->type;
    size_t want = ft->result ? 1 : 0;
    if (nargs != ft->nparams || nresults < want || (nargs && !args) || (want && !result)) {
        return weft__error_new(a, WEFT_ERROR_INVALID_ARG, UINT64_MAX,
                               "component call: expected %u arguments and %zu results, got %zu "
                               "and %zu",
                               ft->nparams, want, nargs, nresults);
    }
    weft_val_t flat[WEFT_MAX_FLAT_PARAMS];
    for (uint32_t i = 0; i < ft->nparams; i++) {
        uint8_t k = ft->params[i].type->kind;
        if (!lower_fast(k, &args[i], &flat[i]))
            return weft__error_new(a, WEFT_ERROR_INVALID_ARG, UINT64_MAX,
                                   "component call: argument %u is not a value of type %s", i,
                                   weft_ty_kind_name(k));
    }
    weft_cstate_t *st = func->inst;
    weft_error_t *err = weft__call_enter_check(NULL, st);
    if (err) return weft__call_trap_prefix(store, err);
    /* A synchronously-lifted function of an instance with backpressure set would have to
     * wait (definitions.py Task.enter): as weft_component_func_call, refuse with a trap. */
    if (ft->is_async && st->backpressure > 0)
        return weft__call_trap_prefix(store, weft__canon_trap(&st->root->alloc, "async not yet supported"));
    weft__call_enter(st);
    memset(st->context, 0, sizeof st->context);
    weft_val_t res[1];
    memset(res, 0, sizeof res);
    if (want) res[0].kind = func->core_results[0];
    err = weft__canon_core_call(store, func->core, flat, ft->nparams, res, (uint32_t)want);
    if (!err && want) err = lift_fast(&st->root->alloc, ft->result->kind, &res[0], result);
    if (!err && func->post_return) {
        /* post-return runs with may_leave cleared (definitions.py canon_lift). */
        bool saved = st->may_leave;
        st->may_leave = false;
        err = weft__canon_core_call(store, func->post_return, res, (uint32_t)want, NULL, 0);
        st->may_leave = saved;
    }
    weft__call_leave(st);
    if (err) st->poisoned = true;
    return weft__call_trap_prefix(store, err);
}
