/* canon_copy.c - the fused component-to-component copy: lower_flat_values(dst, ...,
 * lift_flat_values(src, ...)) without building host values (CanonicalABI.md "Lifting and
 * Lowering Values"; `canon lower` of a `canon lift`ed function).
 *
 * The spec lifts the whole tuple before lowering anything, so the copy runs in two passes:
 *   1. `check` walks the source exactly as lift_flat/load do, making every lifting check in
 *      the same order and performing lift_own/lift_borrow (their reps are queued);
 *   2. `copy` walks the source again and writes the destination exactly as lower_flat/store
 *      do (same realloc calls, same checks), taking the queued reps for handles.
 * Strings are transcoded straight from the source memory. When both sides share one memory
 * the destination's realloc could modify the source, so that case lifts into host values
 * first, as the spec does. */
#include "component/async_stream.h"
#include "component/canon.h"
#include "component/transcode.h"
#include "util/error.h"

typedef struct fuse {
    weft_canon_cx_t *src, *dst;
    uint32_t *reps;
    uint32_t nreps, cap, next;
    bool reps_inline; /* reps is the caller's inline array */
    /* Stream/future shared states and error contexts lifted by pass 1 (one reference each),
     * lowered by pass 2 (async_stream.h). */
    void **objs;
    uint32_t nobjs, objcap, objnext;
} fuse_t;

/* A source position: flat values (vals != NULL) or a memory address. */
typedef struct sloc {
    const weft_val_t *vals;
    uint32_t *pos;
    uint32_t ptr;
} sloc_t;
/* A destination position: flat values (out != NULL) or a memory address. */
typedef struct dloc {
    weft_val_t *out;
    uint32_t *pos;
    uint32_t ptr;
} dloc_t;

static uint64_t next_bits(const weft_val_t *vals, uint32_t *pos, uint8_t have)
{
    const weft_val_t *v = &vals[(*pos)++];
    switch (have) {
    case WEFT_T_I64: return (uint64_t)v->of.i64;
    case WEFT_T_F32: return v->of.f32;
    case WEFT_T_F64: return v->of.f64;
    default: return (uint32_t)v->of.i32;
    }
}

static void put(weft_val_t *out, uint32_t *pos, uint8_t kind, uint64_t bits)
{
    weft_val_t *o = &out[(*pos)++];
    memset(o, 0, sizeof *o);
    o->kind = kind;
    switch (kind) {
    case WEFT_T_I32: o->of.i32 = (int32_t)(uint32_t)bits; break;
    case WEFT_T_F32: o->of.f32 = (uint32_t)bits; break;
    case WEFT_T_F64: o->of.f64 = bits; break;
    default: o->of.i64 = (int64_t)bits; break;
    }
}

static uint64_t bits_of(const weft_val_t *v, uint8_t kind)
{
    switch (kind) {
    case WEFT_T_I32: return (uint32_t)v->of.i32;
    case WEFT_T_F32: return v->of.f32;
    case WEFT_T_F64: return v->of.f64;
    default: return (uint64_t)v->of.i64;
    }
}

static uint64_t sext(uint64_t v, uint32_t bits)
{
    uint64_t m = 1ull << (bits - 1);
    v &= (m << 1) - 1;
    return (v ^ m) - m;
}

/* The lifted value of a scalar (lift_flat / load): integers wrapped to the type (signed ones
 * sign-extended to 64 bits), bool 0/1, NaNs canonical, flags masked. */
static uint64_t read_scalar(fuse_t *f, const weft_ty_val_t *t, sloc_t s)
{
    uint64_t v;
    if (s.vals) {
        uint8_t have = t->kind == WEFT_TY_F32 ? WEFT_T_F32
                       : t->kind == WEFT_TY_F64 ? WEFT_T_F64
                       : (t->kind == WEFT_TY_S64 || t->kind == WEFT_TY_U64) ? WEFT_T_I64
                                                                            : WEFT_T_I32;
        v = next_bits(s.vals, s.pos, have);
    } else {
        v = weft__le_load(weft__canon_mem(f->src) + s.ptr, t->size32);
    }
    switch (t->kind) {
    case WEFT_TY_BOOL: return v != 0;
    case WEFT_TY_U8: return v & 0xff;
    case WEFT_TY_U16: return v & 0xffff;
    case WEFT_TY_S8: return sext(v, 8);
    case WEFT_TY_S16: return sext(v, 16);
    case WEFT_TY_S32: return sext(v, 32);
    case WEFT_TY_F32: return weft__canon_nan32((uint32_t)v);
    case WEFT_TY_F64: return weft__canon_nan64(v);
    case WEFT_TY_FLAGS: return t->count < 32 ? v & ((1u << t->count) - 1u) : (uint32_t)v;
    default: return v;
    }
}

static void write_scalar(fuse_t *f, const weft_ty_val_t *t, dloc_t d, uint64_t v)
{
    if (d.out) {
        uint8_t kind = t->kind == WEFT_TY_F32 ? WEFT_T_F32
                       : t->kind == WEFT_TY_F64 ? WEFT_T_F64
                       : (t->kind == WEFT_TY_S64 || t->kind == WEFT_TY_U64) ? WEFT_T_I64
                                                                            : WEFT_T_I32;
        put(d.out, d.pos, kind, kind == WEFT_T_I32 ? (uint32_t)v : v);
    } else {
        weft__le_store(weft__canon_mem(f->dst) + d.ptr, v, t->size32);
    }
}

static void read_pair(fuse_t *f, sloc_t s, uint32_t *a, uint32_t *b)
{
    if (s.vals) {
        *a = (uint32_t)next_bits(s.vals, s.pos, WEFT_T_I32);
        *b = (uint32_t)next_bits(s.vals, s.pos, WEFT_T_I32);
    } else {
        const uint8_t *m = weft__canon_mem(f->src) + s.ptr;
        *a = (uint32_t)weft__le_load(m, 4);
        *b = (uint32_t)weft__le_load(m + 4, 4);
    }
}

static void write_pair(fuse_t *f, dloc_t d, uint32_t a, uint32_t b)
{
    if (d.out) {
        put(d.out, d.pos, WEFT_T_I32, a);
        put(d.out, d.pos, WEFT_T_I32, b);
    } else {
        uint8_t *m = weft__canon_mem(f->dst) + d.ptr;
        weft__le_store(m, a, 4);
        weft__le_store(m + 4, b, 4);
    }
}

static weft_error_t *unsupported(weft_canon_cx_t *cx, const weft_ty_val_t *t)
{
    return weft__canon_trap(cx->alloc, "canonical ABI: copying %s is unsupported here",
                            weft_ty_kind_name(t->kind));
}

/* ---- pass 1: the lifting checks ------------------------------------------------------------ */

static weft_error_t *check(fuse_t *f, const weft_ty_val_t *t, sloc_t s);

/* load_list_from_range's checks, then each element */
static weft_error_t *check_list(fuse_t *f, const weft_ty_val_t *elem, uint32_t ptr, uint32_t len)
{
    weft_canon_cx_t *cx = f->src;
    uint64_t byte_length = (uint64_t)len * elem->size32;
    if (byte_length > WEFT_MAX_LIST_BYTE_LENGTH)
        return weft__canon_trap(cx->alloc, "list content out-of-bounds: list byte length "
                                           "%llu exceeds the maximum",
                                (unsigned long long)byte_length);
    if (ptr & (elem->align32 - 1u)) /* alignments are powers of two */
        return weft__canon_trap(cx->alloc, "unaligned pointer: list %u", ptr);
    if ((uint64_t)ptr + byte_length > weft__canon_memlen(cx))
        return weft__canon_trap(cx->alloc, "list content out-of-bounds: list pointer/length "
                                           "out of bounds of memory");
    /* Lists of plain scalars without validity rules need no walk. */
    if (elem->kind != WEFT_TY_CHAR && (elem->kind <= WEFT_TY_F64 || elem->kind == WEFT_TY_FLAGS))
        return NULL;
    for (uint32_t i = 0; i < len; i++) {
        sloc_t e = {NULL, NULL, ptr + i * elem->size32};
        weft_error_t *err = check(f, elem, e);
        if (err) return err;
    }
    return NULL;
}

static weft_error_t *push_rep(fuse_t *f, uint32_t rep)
{
    if (f->nreps == f->cap) {
        void *p = f->reps_inline ? NULL : f->reps;
        size_t cap = f->reps_inline ? 0 : f->cap;
        if (weft__grow(f->src->alloc, &p, &cap, (size_t)f->nreps + 1, sizeof *f->reps) != 0)
            return weft__error_oom();
        if (f->reps_inline) memcpy(p, f->reps, (size_t)f->nreps * sizeof *f->reps);
        f->reps = p;
        f->cap = (uint32_t)cap;
        f->reps_inline = false;
    }
    f->reps[f->nreps++] = rep;
    return NULL;
}

static weft_error_t *push_obj(fuse_t *f, void *obj)
{
    if (f->nobjs == f->objcap) {
        void *p = f->objs;
        size_t cap = f->objcap;
        if (weft__grow(f->src->alloc, &p, &cap, (size_t)f->nobjs + 1, sizeof *f->objs) != 0) {
            weft__avalue_unref(obj);
            return weft__error_oom();
        }
        f->objs = p;
        f->objcap = (uint32_t)cap;
    }
    f->objs[f->nobjs++] = obj;
    return NULL;
}

/* Drops the references pass 2 did not take over, and the queue. */
static void release_objs(fuse_t *f)
{
    for (uint32_t i = f->objnext; i < f->nobjs; i++) weft__avalue_unref(f->objs[i]);
    if (f->objs) weft__free(f->src->alloc, f->objs, (size_t)f->objcap * sizeof *f->objs);
}

static weft_error_t *check(fuse_t *f, const weft_ty_val_t *t, sloc_t s)
{
    weft_canon_cx_t *cx = f->src;
    weft_error_t *err;
    switch (t->kind) {
    case WEFT_TY_STREAM: case WEFT_TY_FUTURE: case WEFT_TY_ERROR_CONTEXT: {
        /* lift_stream / lift_future / lift_error_context */
        uint32_t i = s.vals ? (uint32_t)next_bits(s.vals, s.pos, WEFT_T_I32)
                            : (uint32_t)weft__le_load(weft__canon_mem(cx) + s.ptr, 4);
        void *obj = NULL;
        err = t->kind == WEFT_TY_ERROR_CONTEXT ? weft__error_context_lift(cx, i, &obj)
                                               : weft__async_lift_end(cx, t, i, &obj);
        return err ? err : push_obj(f, obj);
    }
    case WEFT_TY_CHAR: {
        uint64_t c = read_scalar(f, t, s);
        if (c >= 0x110000 || (c >= 0xd800 && c <= 0xdfff))
            return weft__canon_trap(cx->alloc, "invalid `char` bit pattern: 0x%x", (unsigned)c);
        return NULL;
    }
    case WEFT_TY_STRING: {
        uint32_t ptr, units;
        weft_cstring_t str;
        read_pair(f, s, &ptr, &units);
        return weft__load_string_from_range(cx, ptr, units, &str);
    }
    case WEFT_TY_LIST: case WEFT_TY_MAP: {
        uint32_t ptr, len;
        read_pair(f, s, &ptr, &len);
        return check_list(f, t->elem, ptr, len);
    }
    case WEFT_TY_FIXED_LIST:
        for (uint32_t i = 0; i < t->len; i++) {
            sloc_t e = {s.vals, s.pos, s.ptr + i * t->elem->size32};
            if ((err = check(f, t->elem, e))) return err;
        }
        return NULL;
    case WEFT_TY_RECORD: case WEFT_TY_TUPLE: {
        uint32_t ptr = s.ptr;
        for (uint32_t i = 0; i < t->count; i++) {
            const weft_ty_val_t *ft = t->fields[i].type;
            ptr = weft__align_to(ptr, ft->align32);
            sloc_t e = {s.vals, s.pos, ptr};
            if ((err = check(f, ft, e))) return err;
            ptr += ft->size32;
        }
        return NULL;
    }
    case WEFT_TY_VARIANT: case WEFT_TY_ENUM: case WEFT_TY_OPTION: case WEFT_TY_RESULT: {
        uint32_t end = s.vals ? *s.pos + t->nflat : 0;
        uint32_t case_index = s.vals ? (uint32_t)next_bits(s.vals, s.pos, WEFT_T_I32)
                                     : (uint32_t)weft__le_load(weft__canon_mem(cx) + s.ptr,
                                                               t->disc_size);
        if (case_index >= t->count)
            return weft__canon_trap(cx->alloc, "invalid variant discriminant: %u", case_index);
        const weft_ty_val_t *ct = t->fields[case_index].type;
        if (ct) {
            if (s.vals) {
                /* CoerceValueIter: only the payload's own slots are read */
                weft_val_t tmp[WEFT_TY_FLAT_STORE];
                uint32_t k = 0;
                if (!t->flat || !ct->flat) return unsupported(cx, t);
                for (uint32_t j = 0; j < ct->nflat; j++) {
                    uint64_t x = next_bits(s.vals, s.pos, t->flat[1 + j]);
                    put(tmp, &k, ct->flat[j], ct->flat[j] == WEFT_T_I32 || ct->flat[j] == WEFT_T_F32
                                                  ? (uint32_t)x
                                                  : x);
                }
                k = 0;
                sloc_t e = {tmp, &k, 0};
                if ((err = check(f, ct, e))) return err;
            } else {
                sloc_t e = {NULL, NULL, s.ptr + t->payload_off32};
                if ((err = check(f, ct, e))) return err;
            }
        }
        if (s.vals) *s.pos = end;
        return NULL;
    }
    case WEFT_TY_OWN: case WEFT_TY_BORROW: { /* lift_own / lift_borrow */
        uint32_t i = s.vals ? (uint32_t)next_bits(s.vals, s.pos, WEFT_T_I32)
                            : (uint32_t)weft__le_load(weft__canon_mem(cx) + s.ptr, 4);
        const weft_rt_resource_t *rt = weft__canon_rt(cx, t);
        uint32_t rep;
        if (!cx->handles || !rt)
            return weft__canon_trap(cx->alloc, "canonical ABI: no handle table for %s",
                                    weft_ty_kind_name(t->kind));
        err = t->kind == WEFT_TY_OWN ? weft__handles_lift_own(cx->handles, rt, i, &rep)
                                     : weft__handles_lift_borrow(cx->handles, rt, i, cx->lends,
                                                                 &rep);
        return err ? err : push_rep(f, rep);
    }
    default:
        if (weft_ty_is_prim(t) && t->kind != WEFT_TY_ERROR_CONTEXT) {
            (void)read_scalar(f, t, s);
            return NULL;
        }
        if (t->kind == WEFT_TY_FLAGS) {
            (void)read_scalar(f, t, s);
            return NULL;
        }
        return unsupported(cx, t);
    }
}

/* ---- pass 2: lowering into the destination ------------------------------------------------- */

static weft_error_t *copy(fuse_t *f, const weft_ty_val_t *t, sloc_t s, dloc_t d);

/* store_list_into_range, the elements read from the source list */
static weft_error_t *copy_list(fuse_t *f, const weft_ty_val_t *elem, uint32_t sptr, uint32_t len,
                               uint32_t *begin)
{
    weft_canon_cx_t *cx = f->dst;
    uint64_t byte_length = (uint64_t)len * elem->size32;
    uint32_t ptr;
    weft_error_t *err = weft__canon_realloc(cx, 0, 0, elem->align32, (uint32_t)byte_length, &ptr);
    if (err) return err;
    if (ptr & (elem->align32 - 1u))
        return weft__canon_trap(cx->alloc,
                                "unaligned pointer: realloc return: result not aligned");
    if ((uint64_t)ptr + byte_length > weft__canon_memlen(cx))
        return weft__canon_trap(cx->alloc, "list content out-of-bounds: realloc return: "
                                           "beyond end of memory");
    *begin = ptr;
    if (elem->kind <= WEFT_TY_CHAR && elem->kind != WEFT_TY_BOOL && elem->kind != WEFT_TY_F32 &&
        elem->kind != WEFT_TY_F64) {
        /* integers and chars: the bytes are the value (chars were checked in pass 1) */
        if (byte_length)
            memcpy(weft__canon_mem(cx) + ptr, weft__canon_mem(f->src) + sptr, byte_length);
        return NULL;
    }
    for (uint32_t i = 0; i < len; i++) {
        sloc_t se = {NULL, NULL, sptr + i * elem->size32};
        dloc_t de = {NULL, NULL, ptr + i * elem->size32};
        if ((err = copy(f, elem, se, de))) return err;
    }
    return NULL;
}

static weft_error_t *copy(fuse_t *f, const weft_ty_val_t *t, sloc_t s, dloc_t d)
{
    weft_canon_cx_t *cx = f->dst;
    weft_error_t *err;
    switch (t->kind) {
    case WEFT_TY_STREAM: case WEFT_TY_FUTURE: case WEFT_TY_ERROR_CONTEXT: {
        /* lower_stream / lower_future / lower_error_context */
        if (s.vals) (*s.pos)++;
        void *obj = f->objs[f->objnext++];
        uint32_t i = 0;
        err = t->kind == WEFT_TY_ERROR_CONTEXT ? weft__error_context_lower(cx, obj, &i)
                                               : weft__async_lower_end(cx, t, obj, &i);
        if (err) return err;
        if (d.out) put(d.out, d.pos, WEFT_T_I32, i);
        else weft__le_store(weft__canon_mem(cx) + d.ptr, i, 4);
        return NULL;
    }
    case WEFT_TY_STRING: { /* lift_flat_string/load_string, then store_string */
        uint32_t ptr, units, begin, tagged;
        read_pair(f, s, &ptr, &units);
        const uint8_t *bytes = f->src->memory ? weft__canon_mem(f->src) + ptr : (const uint8_t *)"";
        weft_cstring_t str = {bytes, units, f->src->string_encoding};
        if ((err = weft__store_string_into_range(cx, &str, &begin, &tagged))) return err;
        write_pair(f, d, begin, tagged);
        return NULL;
    }
    case WEFT_TY_LIST: case WEFT_TY_MAP: {
        uint32_t ptr, len, begin = 0;
        read_pair(f, s, &ptr, &len);
        if ((err = copy_list(f, t->elem, ptr, len, &begin))) return err;
        write_pair(f, d, begin, len);
        return NULL;
    }
    case WEFT_TY_FIXED_LIST:
        for (uint32_t i = 0; i < t->len; i++) {
            sloc_t se = {s.vals, s.pos, s.ptr + i * t->elem->size32};
            dloc_t de = {d.out, d.pos, d.ptr + i * t->elem->size32};
            if ((err = copy(f, t->elem, se, de))) return err;
        }
        return NULL;
    case WEFT_TY_RECORD: case WEFT_TY_TUPLE: {
        uint32_t sp = s.ptr, dp = d.ptr;
        for (uint32_t i = 0; i < t->count; i++) {
            const weft_ty_val_t *ft = t->fields[i].type;
            sp = weft__align_to(sp, ft->align32);
            dp = weft__align_to(dp, ft->align32);
            sloc_t se = {s.vals, s.pos, sp};
            dloc_t de = {d.out, d.pos, dp};
            if ((err = copy(f, ft, se, de))) return err;
            sp += ft->size32;
            dp += ft->size32;
        }
        return NULL;
    }
    case WEFT_TY_VARIANT: case WEFT_TY_ENUM: case WEFT_TY_OPTION: case WEFT_TY_RESULT: {
        uint32_t send = s.vals ? *s.pos + t->nflat : 0;
        uint32_t case_index = s.vals ? (uint32_t)next_bits(s.vals, s.pos, WEFT_T_I32)
                                     : (uint32_t)weft__le_load(weft__canon_mem(f->src) + s.ptr,
                                                               t->disc_size);
        const weft_ty_val_t *ct = t->fields[case_index].type;
        /* source payload position */
        weft_val_t stmp[WEFT_TY_FLAT_STORE];
        uint32_t sk = 0;
        sloc_t se = {NULL, NULL, s.ptr + t->payload_off32};
        if (ct && s.vals) {
            for (uint32_t j = 0; j < ct->nflat; j++) {
                uint64_t x = next_bits(s.vals, s.pos, t->flat[1 + j]);
                put(stmp, &sk, ct->flat[j], ct->flat[j] == WEFT_T_I32 || ct->flat[j] == WEFT_T_F32
                                                ? (uint32_t)x
                                                : x);
            }
            sk = 0;
            se.vals = stmp;
            se.pos = &sk;
        }
        if (s.vals) *s.pos = send;
        if (!d.out) { /* store_variant */
            weft__le_store(weft__canon_mem(cx) + d.ptr, case_index, t->disc_size);
            if (!ct) return NULL;
            dloc_t de = {NULL, NULL, d.ptr + t->payload_off32};
            return copy(f, ct, se, de);
        }
        /* lower_flat_variant */
        if (!t->flat) return unsupported(cx, t);
        put(d.out, d.pos, WEFT_T_I32, case_index);
        uint32_t j = 0;
        if (ct) {
            weft_val_t dtmp[WEFT_TY_FLAT_STORE];
            uint32_t dk = 0;
            dloc_t de = {dtmp, &dk, 0};
            if ((err = copy(f, ct, se, de))) return err;
            for (; j < ct->nflat; j++) put(d.out, d.pos, t->flat[1 + j], bits_of(&dtmp[j], ct->flat[j]));
        }
        for (j += 1; j < t->nflat; j++) put(d.out, d.pos, t->flat[j], 0);
        return NULL;
    }
    case WEFT_TY_OWN: case WEFT_TY_BORROW: { /* lower_own / lower_borrow */
        if (s.vals) (*s.pos)++;
        uint32_t rep = f->reps[f->next++], i;
        const weft_rt_resource_t *rt = weft__canon_rt(cx, t);
        if (!cx->handles || !rt)
            return weft__canon_trap(cx->alloc, "canonical ABI: no handle table for %s",
                                    weft_ty_kind_name(t->kind));
        err = t->kind == WEFT_TY_OWN
                  ? weft__handles_lower_own(cx->handles, rt, rep, &i)
                  : weft__handles_lower_borrow(cx->handles, rt, rep, cx->inst, cx->borrow_scope,
                                               &i);
        if (err) return err;
        if (d.out) put(d.out, d.pos, WEFT_T_I32, i);
        else weft__le_store(weft__canon_mem(cx) + d.ptr, i, 4);
        return NULL;
    }
    default:
        if ((weft_ty_is_prim(t) && t->kind != WEFT_TY_ERROR_CONTEXT) ||
            t->kind == WEFT_TY_FLAGS) {
            write_scalar(f, t, d, read_scalar(f, t, s));
            return NULL;
        }
        return unsupported(cx, t);
    }
}

/* The spec's path through host values, for a source and destination sharing one memory. */
#if defined(__GNUC__)
__attribute__((noinline))
#endif
static weft_error_t *copy_through_values(weft_canon_cx_t *src, uint32_t src_max_flat,
                                         const weft_val_t *vals, uint32_t nvals,
                                         weft_canon_cx_t *dst, uint32_t dst_max_flat,
                                         const uint32_t *dst_out_param,
                                         const weft_canon_tuple_t *tu, weft_val_t *out,
                                         uint32_t *nout)
{
    weft_cval_arena_t ar;
    weft__cval_arena_init(&ar, src->alloc);
    weft_cval_t *vs = weft__cval_nodes(&ar, tu->nfields);
    weft_error_t *err = vs ? NULL : weft__error_oom();
    if (!err) err = weft__canon_lift_tuple(src, &ar, src_max_flat, tu, vals, nvals, vs);
    if (!err) err = weft__canon_lower_tuple(dst, dst_max_flat, tu, vs, dst_out_param, out, nout);
    weft__cval_arena_reset(&ar);
    return err;
}

/* Handle reps queued by pass 1 for pass 2: a call passing few handles needs no allocation. */
#define INLINE_REPS 8u

/* ---- direct paths for flat tuples --------------------------------------------------------
 * Most calls pass a few numbers, strings or lists of integers as flat values on both sides
 * (`f(s: string) -> u32`). These paths make exactly the checks, realloc calls and writes of
 * the general walk, in the same order, without its per-value dispatch. */

/* lift_flat of a number, bool or char from its flat value (the checks of a char are pass 1's;
 * the value is returned as read_scalar returns it). */
static inline uint64_t lift_flat_scalar(uint8_t kind, const weft_val_t *v)
{
    uint32_t w = (uint32_t)v->of.i32;
    switch (kind) {
    case WEFT_TY_BOOL: return w != 0;
    case WEFT_TY_U8: return w & 0xff;
    case WEFT_TY_U16: return w & 0xffff;
    case WEFT_TY_S8: return sext(w, 8);
    case WEFT_TY_S16: return sext(w, 16);
    case WEFT_TY_S32: return sext(w, 32);
    case WEFT_TY_S64: case WEFT_TY_U64: return (uint64_t)v->of.i64;
    case WEFT_TY_F32: return weft__canon_nan32(v->of.f32);
    case WEFT_TY_F64: return weft__canon_nan64(v->of.f64);
    default: return w; /* u32, char */
    }
}

/* lower_flat of the same: the core value of its flat type. */
static inline void lower_flat_scalar(uint8_t kind, uint64_t bits, weft_val_t *o)
{
    memset(o, 0, sizeof *o);
    switch (kind) {
    case WEFT_TY_S64: case WEFT_TY_U64: o->kind = WEFT_T_I64; o->of.i64 = (int64_t)bits; break;
    case WEFT_TY_F32: o->kind = WEFT_T_F32; o->of.f32 = (uint32_t)bits; break;
    case WEFT_TY_F64: o->kind = WEFT_T_F64; o->of.f64 = bits; break;
    default: o->kind = WEFT_T_I32; o->of.i32 = (int32_t)(uint32_t)bits; break;
    }
}

static inline void put_i32(weft_val_t *o, uint32_t v)
{
    memset(o, 0, sizeof *o);
    o->kind = WEFT_T_I32;
    o->of.i32 = (int32_t)v;
}

static weft_error_t *too_few(weft_canon_cx_t *src, uint32_t nvals, uint32_t nflat)
{
    return weft__canon_trap(src->alloc, "canonical ABI: %u core values for %u", nvals, nflat);
}

/* Flat numbers to flat numbers: nothing to check, nothing in memory, so one pass. */
static void copy_flat_scalars(const weft_val_t *vals, const weft_canon_tuple_t *tu,
                              weft_val_t *out)
{
    for (uint32_t i = 0; i < tu->nfields; i++) {
        uint8_t kind = tu->fields[i].type->kind;
        lower_flat_scalar(kind, lift_flat_scalar(kind, &vals[i]), &out[i]);
    }
}

/* A tu->simple tuple, flat on both sides, between two memories (or none). Out of line, so
 * that the scalar path's caller saves no registers for it. */
#if defined(__GNUC__)
__attribute__((noinline))
#endif
static weft_error_t *copy_flat_simple(weft_canon_cx_t *src, const weft_val_t *vals,
                                      weft_canon_cx_t *dst, const weft_canon_tuple_t *tu,
                                      weft_val_t *out, uint32_t *nout)
{
    const weft_ty_field_t *fields = tu->fields;
    uint32_t nfields = tu->nfields, pos = 0;
    weft_error_t *err;
    /* pass 1: lift_flat_values' checks */
    for (uint32_t i = 0; i < nfields; i++) {
        const weft_ty_val_t *t = fields[i].type;
        if (t->kind == WEFT_TY_STRING) {
            weft_cstring_t str;
            err = weft__load_string_from_range(src, (uint32_t)vals[pos].of.i32,
                                               (uint32_t)vals[pos + 1].of.i32, &str);
            if (err) return err;
            pos += 2;
        } else if (t->kind == WEFT_TY_LIST) {
            fuse_t f = {.src = src, .dst = dst}; /* integers: no handles to queue */
            err = check_list(&f, t->elem, (uint32_t)vals[pos].of.i32,
                             (uint32_t)vals[pos + 1].of.i32);
            if (err) return err;
            pos += 2;
        } else {
            if (t->kind == WEFT_TY_CHAR) {
                uint32_t c = (uint32_t)vals[pos].of.i32;
                if (c >= 0x110000 || (c >= 0xd800 && c <= 0xdfff))
                    return weft__canon_trap(src->alloc, "invalid `char` bit pattern: 0x%x", c);
            }
            pos++;
        }
    }
    /* pass 2: lower_flat_values */
    pos = 0;
    for (uint32_t i = 0; i < nfields; i++) {
        const weft_ty_val_t *t = fields[i].type;
        if (t->kind == WEFT_TY_STRING) {
            uint32_t ptr = (uint32_t)vals[pos].of.i32, begin, tagged;
            const uint8_t *bytes = src->memory ? weft__canon_mem(src) + ptr : (const uint8_t *)"";
            weft_cstring_t str = {bytes, (uint32_t)vals[pos + 1].of.i32, src->string_encoding};
            if ((err = weft__store_string_into_range(dst, &str, &begin, &tagged))) return err;
            put_i32(&out[pos], begin);
            put_i32(&out[pos + 1], tagged);
            pos += 2;
        } else if (t->kind == WEFT_TY_LIST) {
            uint32_t len = (uint32_t)vals[pos + 1].of.i32, begin = 0;
            fuse_t f = {.src = src, .dst = dst};
            if ((err = copy_list(&f, t->elem, (uint32_t)vals[pos].of.i32, len, &begin)))
                return err;
            put_i32(&out[pos], begin);
            put_i32(&out[pos + 1], len);
            pos += 2;
        } else {
            lower_flat_scalar(t->kind, lift_flat_scalar(t->kind, &vals[pos]), &out[pos]);
            pos++;
        }
    }
    *nout = pos;
    return NULL;
}

/* The general two-pass walk, kept out of line: the direct paths need none of its state, and
 * its frame (inline reps, two passes) would otherwise be set up on every call. */
#if defined(__GNUC__)
__attribute__((noinline))
#endif
static weft_error_t *copy_walk(weft_canon_cx_t *src, uint32_t src_max_flat,
                               const weft_val_t *vals, uint32_t nvals, weft_canon_cx_t *dst,
                               uint32_t dst_max_flat, const uint32_t *dst_out_param,
                               const weft_canon_tuple_t *tu, weft_val_t *out, uint32_t *nout)
{
    const weft_ty_field_t *fields = tu->fields;
    uint32_t nfields = tu->nfields, nflat = tu->nflat, size = tu->size, align = tu->align;
    uint32_t inline_reps[INLINE_REPS];
    fuse_t f = {src, dst, inline_reps, 0, INLINE_REPS, 0, true, NULL, 0, 0, 0};
    weft_error_t *err = NULL;
    uint32_t spos = 0, sptr = 0;
    bool src_mem = nflat > src_max_flat, dst_mem = nflat > dst_max_flat;
    /* pass 1: lift_flat_values' checks */
    if (src_mem) {
        if (nvals < 1) return weft__canon_trap(src->alloc, "canonical ABI: missing pointer");
        sptr = (uint32_t)next_bits(vals, &spos, WEFT_T_I32);
        if (sptr & (align - 1u))
            return weft__canon_trap(src->alloc, "unaligned pointer: %u", sptr);
        if ((uint64_t)sptr + size > weft__canon_memlen(src))
            return weft__canon_trap(src->alloc, "out of bounds memory access: tuple pointer "
                                                "out of bounds of memory");
    } else if (nvals < nflat) {
        return weft__canon_trap(src->alloc, "canonical ABI: %u core values for %u", nvals, nflat);
    }
    {
        uint32_t p = spos, ptr = sptr;
        for (uint32_t i = 0; i < nfields && !err; i++) {
            const weft_ty_val_t *ft = fields[i].type;
            ptr = weft__align_to(ptr, ft->align32);
            sloc_t s = {src_mem ? NULL : vals, &p, ptr};
            err = check(&f, ft, s);
            ptr += ft->size32;
        }
    }
    /* pass 2: lower_flat_values */
    uint32_t dpos = 0, dptr = 0;
    if (!err && dst_mem) {
        if (!dst_out_param) {
            err = weft__canon_realloc(dst, 0, 0, align, size, &dptr);
            if (!err) put(out, &dpos, WEFT_T_I32, dptr);
        } else {
            dptr = *dst_out_param;
        }
        if (!err && (dptr & (align - 1u)))
            err = weft__canon_trap(dst->alloc, dst_out_param
                                                   ? "unaligned pointer: %u"
                                                   : "unaligned pointer: %u (realloc return: "
                                                     "result not aligned)",
                                   dptr);
        if (!err && (uint64_t)dptr + size > weft__canon_memlen(dst))
            err = weft__canon_trap(dst->alloc, dst_out_param
                                                   ? "out of bounds memory access: pointer "
                                                     "out of bounds of memory"
                                                   : "realloc return: beyond end of memory");
    }
    if (!err) {
        uint32_t p = spos, sp = sptr, dp = dptr;
        for (uint32_t i = 0; i < nfields && !err; i++) {
            const weft_ty_val_t *ft = fields[i].type;
            sp = weft__align_to(sp, ft->align32);
            dp = weft__align_to(dp, ft->align32);
            sloc_t s = {src_mem ? NULL : vals, &p, sp};
            dloc_t d = {dst_mem ? NULL : out, &dpos, dp};
            err = copy(&f, ft, s, d);
            sp += ft->size32;
            dp += ft->size32;
        }
    }
    if (!err) *nout = dpos;
    if (!f.reps_inline) weft__free(src->alloc, f.reps, (size_t)f.cap * sizeof *f.reps);
    release_objs(&f);
    return err;
}

weft_error_t *weft__canon_copy_tuple(weft_canon_cx_t *src, uint32_t src_max_flat,
                                     const weft_val_t *vals, uint32_t nvals,
                                     weft_canon_cx_t *dst, uint32_t dst_max_flat,
                                     const uint32_t *dst_out_param, const weft_canon_tuple_t *tu,
                                     weft_val_t *out, uint32_t *nout)
{
    bool flat = tu->nflat <= src_max_flat && tu->nflat <= dst_max_flat;
    if (flat && tu->scalar) {
        if (nvals < tu->nflat) return too_few(src, nvals, tu->nflat);
        copy_flat_scalars(vals, tu, out);
        *nout = tu->nflat;
        return NULL;
    }
    if (src->memory && src->memory == dst->memory)
        return copy_through_values(src, src_max_flat, vals, nvals, dst, dst_max_flat,
                                   dst_out_param, tu, out, nout);
    if (flat && tu->simple) {
        if (nvals < tu->nflat) return too_few(src, nvals, tu->nflat);
        return copy_flat_simple(src, vals, dst, tu, out, nout);
    }
    return copy_walk(src, src_max_flat, vals, nvals, dst, dst_max_flat, dst_out_param, tu, out,
                     nout);
}

weft_error_t *weft__canon_copy_flat_values(weft_canon_cx_t *src, uint32_t src_max_flat,
                                           const weft_val_t *vals, uint32_t nvals,
                                           weft_canon_cx_t *dst, uint32_t dst_max_flat,
                                           const uint32_t *dst_out_param,
                                           const weft_ty_field_t *fields, uint32_t nfields,
                                           weft_val_t *out, uint32_t *nout)
{
    weft_canon_tuple_t tu;
    weft__canon_tuple_init(&tu, fields, nfields);
    return weft__canon_copy_tuple(src, src_max_flat, vals, nvals, dst, dst_max_flat,
                                  dst_out_param, &tu, out, nout);
}

weft_error_t *weft__canon_copy_elems(weft_canon_cx_t *src, uint32_t sptr, weft_canon_cx_t *dst,
                                     uint32_t dptr, const weft_ty_val_t *elem, uint32_t n)
{
    uint32_t size = elem->size32;
    weft_error_t *err = NULL;
    if (src->memory && src->memory == dst->memory) {
        /* One memory: dst's realloc may overwrite the source, so lift into values first. */
        weft_cval_arena_t ar;
        weft__cval_arena_init(&ar, src->alloc);
        weft_cval_t *vs = weft__cval_nodes(&ar, n);
        if (!vs) err = weft__error_oom();
        for (uint32_t i = 0; i < n && !err; i++)
            err = weft__canon_load(src, &ar, elem, sptr + i * size, &vs[i]);
        for (uint32_t i = 0; i < n && !err; i++)
            err = weft__canon_store(dst, elem, &vs[i], dptr + i * size);
        weft__cval_arena_reset(&ar);
        return err;
    }
    uint32_t inline_reps[INLINE_REPS];
    fuse_t f = {src, dst, inline_reps, 0, INLINE_REPS, 0, true, NULL, 0, 0, 0};
    for (uint32_t i = 0; i < n && !err; i++) {
        sloc_t s = {NULL, NULL, sptr + i * size};
        err = check(&f, elem, s);
    }
    for (uint32_t i = 0; i < n && !err; i++) {
        sloc_t s = {NULL, NULL, sptr + i * size};
        dloc_t d = {NULL, NULL, dptr + i * size};
        err = copy(&f, elem, s, d);
    }
    if (!f.reps_inline) weft__free(src->alloc, f.reps, (size_t)f.cap * sizeof *f.reps);
    release_objs(&f);
    return err;
}
