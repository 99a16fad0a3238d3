/* canon.h - the synchronous Canonical ABI (CanonicalABI.md; definitions.py is normative):
 * lifting and lowering of every value type between core values / linear memory and host
 * values (cvalue.h), and the fused component-to-component copy.
 *
 * Only 32-bit memories are supported (ptr = i32). Streams, futures and error contexts are the
 * async layer's: lifting or lowering them here traps with "unsupported".
 *
 * Every trap is a WEFT_ERROR_TRAP whose message contains the reference tests' wording. Where
 * the host-call and the component-to-component tests expect different texts for the same
 * condition, the message contains both (assert_trap matches a substring). */
#ifndef WEFT_COMPONENT_CANON_H
#define WEFT_COMPONENT_CANON_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "component/cvalue.h"
#include "component/handles.h"
#include "component/types.h"
#include "core/runtime.h"
#include "util/alloc.h"
#include "weft.h"

/* load_string_from_range / load_list_from_range limits. */
#define WEFT_MAX_STRING_BYTE_LENGTH ((1u << 28) - 1u)
#define WEFT_MAX_LIST_BYTE_LENGTH ((1u << 28) - 1u)
/* utf16_tag('i32') */
#define WEFT_UTF16_TAG (1u << 31)

/* Calls the guest's realloc(old_ptr, old_size, align, new_size) -> ptr. A trap in it is
 * returned as the error. */
typedef weft_error_t *(*weft_canon_realloc_fn)(void *env, uint32_t old_ptr, uint32_t old_size,
                                                uint32_t align, uint32_t new_size,
                                                uint32_t *result);
/* Maps a resource type node to the instance's runtime resource type. */
typedef const weft_rt_resource_t *(*weft_canon_resource_fn)(void *env,
                                                             const weft_ty_resource_t *r);

/* definitions.py LiftLowerContext: the options of one side of a call and its instance. */
typedef struct weft_canon_cx {
    const weft_alloc_t *alloc;   /* errors and scratch */
    weft_memory_t *memory;       /* NULL when the options have none; `data` may move on realloc */
    uint8_t string_encoding;     /* weft_ty_string_encoding_t */
    weft_canon_realloc_fn realloc;
    void *realloc_env;
    weft_handles_t *handles;     /* the instance's table */
    const void *inst;            /* the instance's identity (lower_borrow) */
    weft_canon_resource_fn resource;
    void *resource_env;
    weft_lends_t *lends;               /* lifting borrows: the lenders of this call */
    weft_borrow_scope_t *borrow_scope; /* lowering borrows: the callee's task */
    bool *may_leave;             /* cleared while realloc runs (may be NULL) */
} weft_canon_cx_t;

/* A trap with a printf-style message. */
weft_error_t *weft__canon_trap(const weft_alloc_t *a, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* LiftLowerContext.reallocate: may_leave is false during the call. The result is not
 * checked here (each caller checks alignment, then bounds, as the spec does). */
weft_error_t *weft__canon_realloc(weft_canon_cx_t *cx, uint32_t old_ptr, uint32_t old_size,
                                  uint32_t align, uint32_t new_size, uint32_t *ptr);

/* Calls core function `func` of a component with flat values in its own core types (a lifted
 * function's core function, a post-return): weft_func_call through the engine's nested entry.
 * `results` have their kinds set. */
#define WEFT_CANON_CORE_CALL_MAX (WEFT_MAX_FLAT_PARAMS + 2u)
weft_error_t *weft__canon_core_call(weft_store_t *store, weft_func_t *func,
                                    const weft_val_t *args, uint32_t nargs, weft_val_t *results,
                                    uint32_t nresults);
/* The call of a realloc function (i32, i32, i32, i32) -> i32. */
weft_error_t *weft__canon_call_realloc(weft_store_t *store, weft_func_t *func, uint32_t old_ptr,
                                       uint32_t old_size, uint32_t align, uint32_t new_size,
                                       uint32_t *result);

/* Memory accessors (the context's memory must exist). */
static inline uint8_t *weft__canon_mem(const weft_canon_cx_t *cx) { return cx->memory->data; }
static inline uint64_t weft__canon_memlen(const weft_canon_cx_t *cx)
{
    return cx->memory ? cx->memory->size : 0;
}

/* Little-endian memory access (load_int/store_int) of n bytes: a single access for the sizes
 * values have (1, 2, 4, 8) on little-endian hosts, byte by byte otherwise. */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define WEFT_CANON_LE_HOST 1
#else
#define WEFT_CANON_LE_HOST 0
#endif
static inline uint64_t weft__le_load(const uint8_t *p, uint32_t n)
{
    if (WEFT_CANON_LE_HOST) {
        uint8_t v8;
        uint16_t v16;
        uint32_t v32;
        uint64_t v64;
        switch (n) {
        case 1: memcpy(&v8, p, 1); return v8;
        case 2: memcpy(&v16, p, 2); return v16;
        case 4: memcpy(&v32, p, 4); return v32;
        case 8: memcpy(&v64, p, 8); return v64;
        default: break;
        }
    }
    uint64_t v = 0;
    for (uint32_t i = n; i-- > 0;) v = (v << 8) | p[i];
    return v;
}
static inline void weft__le_store(uint8_t *p, uint64_t v, uint32_t n)
{
    if (WEFT_CANON_LE_HOST) {
        uint8_t v8 = (uint8_t)v;
        uint16_t v16 = (uint16_t)v;
        uint32_t v32 = (uint32_t)v;
        switch (n) {
        case 1: memcpy(p, &v8, 1); return;
        case 2: memcpy(p, &v16, 2); return;
        case 4: memcpy(p, &v32, 4); return;
        case 8: memcpy(p, &v, 8); return;
        default: break;
        }
    }
    for (uint32_t i = 0; i < n; i++, v >>= 8) p[i] = (uint8_t)v;
}
/* canonicalize_nan32/64 (also the deterministic profile's maybe_scramble_nan32/64). */
static inline uint32_t weft__canon_nan32(uint32_t bits)
{
    return ((bits & 0x7f800000u) == 0x7f800000u && (bits & 0x007fffffu)) ? 0x7fc00000u : bits;
}
static inline uint64_t weft__canon_nan64(uint64_t bits)
{
    return ((bits & 0x7ff0000000000000ull) == 0x7ff0000000000000ull &&
            (bits & 0x000fffffffffffffull))
               ? 0x7ff8000000000000ull
               : bits;
}
/* The runtime resource type of an own/borrow type, or NULL (then the caller traps). */
static inline const weft_rt_resource_t *weft__canon_rt(const weft_canon_cx_t *cx,
                                                       const weft_ty_val_t *t)
{
    return cx->resource ? cx->resource(cx->resource_env, t->resource) : NULL;
}

/* The type-derived facts of a tuple of values (a function's parameters, or its result as a
 * one-field tuple) that lift_flat_values / lower_flat_values need: computed once when a
 * function is lifted or lowered, not on every call. */
typedef struct weft_canon_tuple {
    const weft_ty_field_t *fields;
    uint32_t nfields;
    uint32_t nflat;       /* len(flatten_types(ts)), saturated */
    uint32_t size, align; /* elem_size_record / alignment_record */
    /* Every field is a number or bool: one flat value each, lifted by wrapping, lowered as
     * is, never touching memory, handles or realloc. */
    bool scalar;
    /* Every field is a number, bool, char, string or list of integers: values that hold no
     * handles and need no recursive walk (the fused copy's direct path, canon_copy.c). */
    bool simple;
} weft_canon_tuple_t;

/* Fills t for `fields` (which must outlive t). */
void weft__canon_tuple_init(weft_canon_tuple_t *t, const weft_ty_field_t *fields, uint32_t n);

/* ---- lifting (canon_lift.c): core values / memory -> host values ----------------------- */

/* load(cx, ptr, t): ptr must be aligned and in bounds for t (the caller checked). */
weft_error_t *weft__canon_load(weft_canon_cx_t *cx, weft_cval_arena_t *ar,
                               const weft_ty_val_t *t, uint32_t ptr, weft_cval_t *out);
/* lift_flat(cx, vi, t): consumes t->nflat values from vals[*pos]. */
weft_error_t *weft__canon_lift_flat(weft_canon_cx_t *cx, weft_cval_arena_t *ar,
                                    const weft_ty_val_t *t, const weft_val_t *vals,
                                    uint32_t *pos, weft_cval_t *out);
/* lift_flat_values(cx, max_flat, vi, ts) for the types of `fields` (a function's
 * params_tuple->fields, or one field for a result): out receives nfields values. */
weft_error_t *weft__canon_lift_flat_values(weft_canon_cx_t *cx, weft_cval_arena_t *ar,
                                           uint32_t max_flat, const weft_ty_field_t *fields,
                                           uint32_t nfields, const weft_val_t *vals,
                                           uint32_t nvals, weft_cval_t *out);
/* The same with the tuple's facts precomputed. */
weft_error_t *weft__canon_lift_tuple(weft_canon_cx_t *cx, weft_cval_arena_t *ar,
                                     uint32_t max_flat, const weft_canon_tuple_t *tu,
                                     const weft_val_t *vals, uint32_t nvals, weft_cval_t *out);

/* ---- lowering (canon_lower.c): host values -> core values / memory --------------------- */

/* store(cx, v, t, ptr): ptr aligned and in bounds for t. */
weft_error_t *weft__canon_store(weft_canon_cx_t *cx, const weft_ty_val_t *t,
                                const weft_cval_t *v, uint32_t ptr);
/* lower_flat(cx, v, t): writes t->nflat values at out[*pos]. */
weft_error_t *weft__canon_lower_flat(weft_canon_cx_t *cx, const weft_ty_val_t *t,
                                     const weft_cval_t *v, weft_val_t *out, uint32_t *pos);
/* lower_flat_values(cx, max_flat, vs, ts, out_param): out has room for max_flat + 1 values;
 * *nout receives the count. With `out_param` non-NULL (a lowered call's results pointer) the
 * values go to that address and nothing is returned. */
weft_error_t *weft__canon_lower_flat_values(weft_canon_cx_t *cx, uint32_t max_flat,
                                            const weft_ty_field_t *fields, uint32_t nfields,
                                            const weft_cval_t *vs, const uint32_t *out_param,
                                            weft_val_t *out, uint32_t *nout);
/* The same with the tuple's facts precomputed. */
weft_error_t *weft__canon_lower_tuple(weft_canon_cx_t *cx, uint32_t max_flat,
                                      const weft_canon_tuple_t *tu, const weft_cval_t *vs,
                                      const uint32_t *out_param, weft_val_t *out,
                                      uint32_t *nout);

/* ---- the fused copy (canon_copy.c) ----------------------------------------------------- */

/* lower_flat_values(dst, dst_max_flat, lift_flat_values(src, src_max_flat, vals, ts), ts,
 * dst_out_param) without building host values: every lifting check (and every own handle
 * removal or borrow loan) of the whole tuple happens first, in the spec's order, then the
 * values are written to dst with the same realloc calls the spec makes. `out` has room for
 * dst_max_flat + 1 values. */
weft_error_t *weft__canon_copy_flat_values(weft_canon_cx_t *src, uint32_t src_max_flat,
                                           const weft_val_t *vals, uint32_t nvals,
                                           weft_canon_cx_t *dst, uint32_t dst_max_flat,
                                           const uint32_t *dst_out_param,
                                           const weft_ty_field_t *fields, uint32_t nfields,
                                           weft_val_t *out, uint32_t *nout);
/* The same with the tuple's facts precomputed. */
weft_error_t *weft__canon_copy_tuple(weft_canon_cx_t *src, uint32_t src_max_flat,
                                     const weft_val_t *vals, uint32_t nvals,
                                     weft_canon_cx_t *dst, uint32_t dst_max_flat,
                                     const uint32_t *dst_out_param, const weft_canon_tuple_t *tu,
                                     weft_val_t *out, uint32_t *nout);

/* A stream or future copy (async_copy.c): n elements of type `elem` from src's memory at sptr
 * to dst's at dptr, both ranges already checked (BufferGuestImpl). As
 * store_list_into_valid_range(dst, load_list_from_valid_range(src, ...)): every element is
 * lifted (checks, handle removals) before any is stored. */
weft_error_t *weft__canon_copy_elems(weft_canon_cx_t *src, uint32_t sptr, weft_canon_cx_t *dst,
                                     uint32_t dptr, const weft_ty_val_t *elem, uint32_t n);

/* ---- layout helpers (canon_util.c) ----------------------------------------------------- */

/* alignment/elem_size of the tuple of `fields` (alignment_record, elem_size_record). */
void weft__canon_tuple_layout(const weft_ty_field_t *fields, uint32_t n, uint32_t *size,
                              uint32_t *align);
/* len(flatten_types(ts)), saturated. */
uint32_t weft__canon_tuple_nflat(const weft_ty_field_t *fields, uint32_t n);
/* align_to(x, a) for a power-of-two alignment (every Canonical ABI alignment is one: 1, 2, 4
 * or 8), without a division. */
static inline uint32_t weft__align_to(uint32_t x, uint32_t a)
{
    return (uint32_t)(((uint64_t)x + a - 1) & ~((uint64_t)a - 1));
}

#endif
