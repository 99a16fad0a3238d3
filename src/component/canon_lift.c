/* canon_lift.c - lifting: core values and linear memory -> host values (CanonicalABI.md
 * "Loading" and "Flat Lifting": load, load_list_from_range, load_record, load_variant,
 * load_flags, lift_own, lift_borrow, lift_flat, lift_flat_variant, lift_flat_values). */
#include "component/async_stream.h"
#include "component/canon.h"
#include "component/host_async.h"
#include "component/transcode.h"
#include "util/error.h"

static weft_error_t *oom(void) { return weft__error_oom(); }

static weft_error_t *unsupported(weft_canon_cx_t *cx, const weft_ty_val_t *t)
{
    return weft__canon_trap(cx->alloc, "canonical ABI: lifting %s is unsupported here",
                            weft_ty_kind_name(t->kind));
}

/* convert_i32_to_char */
static weft_error_t *to_char(weft_canon_cx_t *cx, uint32_t i, weft_cval_t *out)
{
    if (i >= 0x110000 || (i >= 0xd800 && i <= 0xdfff))
        return weft__canon_trap(cx->alloc, "invalid `char` bit pattern: 0x%x", i);
    out->u.ch = i;
    return NULL;
}

/* load_string_from_range, then a copy of the code units into the arena (the memory may
 * change before the value is used). */
static weft_error_t *lift_string(weft_canon_cx_t *cx, weft_cval_arena_t *ar, uint32_t ptr,
                                 uint32_t tagged, weft_cval_t *out)
{
    weft_cstring_t s;
    weft_error_t *err = weft__load_string_from_range(cx, ptr, tagged, &s);
    if (err) return err;
    uint32_t n = weft__cstring_byte_length(&s);
    uint8_t *copy = weft__cval_alloc(ar, n);
    if (!copy) return oom();
    if (n) memcpy(copy, s.bytes, n);
    s.bytes = copy;
    out->u.str = s;
    return NULL;
}

static weft_error_t *load_list_from_valid_range(weft_canon_cx_t *cx, weft_cval_arena_t *ar,
                                                uint32_t ptr, uint32_t length,
                                                const weft_ty_val_t *elem, weft_cval_t *out)
{
    weft_cval_t *items = weft__cval_nodes(ar, length);
    if (!items) return oom();
    out->u.agg.len = length;
    out->u.agg.items = items;
    for (uint32_t i = 0; i < length; i++) {
        weft_error_t *err = weft__canon_load(cx, ar, elem, ptr + i * elem->size32, &items[i]);
        if (err) return err;
    }
    return NULL;
}

/* load_list_from_range */
static weft_error_t *load_list_from_range(weft_canon_cx_t *cx, weft_cval_arena_t *ar,
                                          uint32_t ptr, uint32_t length,
                                          const weft_ty_val_t *elem, weft_cval_t *out)
{
    uint64_t byte_length = (uint64_t)length * elem->size32;
    if (byte_length > WEFT_MAX_LIST_BYTE_LENGTH)
        return weft__canon_trap(cx->alloc, "list content out-of-bounds: list byte length "
                                           "%llu exceeds the maximum",
                                (unsigned long long)byte_length);
    if (ptr % elem->align32) return weft__canon_trap(cx->alloc, "unaligned pointer: list %u", ptr);
    if ((uint64_t)ptr + byte_length > weft__canon_memlen(cx))
        return weft__canon_trap(cx->alloc, "list content out-of-bounds: list pointer/length "
                                           "out of bounds of memory");
    return load_list_from_valid_range(cx, ar, ptr, length, elem, out);
}

static weft_error_t *lift_handle(weft_canon_cx_t *cx, const weft_ty_val_t *t, uint32_t i,
                                 weft_cval_t *out)
{
    const weft_rt_resource_t *rt = weft__canon_rt(cx, t);
    if (!cx->handles || !rt)
        return weft__canon_trap(cx->alloc, "canonical ABI: no handle table for %s",
                                weft_ty_kind_name(t->kind));
    if (t->kind == WEFT_TY_OWN) return weft__handles_lift_own(cx->handles, rt, i, &out->u.rep);
    return weft__handles_lift_borrow(cx->handles, rt, i, cx->lends, &out->u.rep);
}

/* lift_stream / lift_future / lift_error_context into a host value. The end leaves the table
 * (with every check of lift_async_value) and the host holds it under a handle of its store
 * (host_stream.c), to read, pass on or drop. */
static weft_error_t *lift_async(weft_canon_cx_t *cx, const weft_ty_val_t *t, uint32_t i,
                                weft_cval_t *out)
{
    void *obj = NULL;
    weft_error_t *err = t->kind == WEFT_TY_ERROR_CONTEXT ? weft__error_context_lift(cx, i, &obj)
                                                         : weft__async_lift_end(cx, t, i, &obj);
    if (err) return err;
    return weft__ahost_adopt(cx, t, obj, &out->u.handle);
}

/* load(cx, ptr, t) */
weft_error_t *weft__canon_load(weft_canon_cx_t *cx, weft_cval_arena_t *ar,
                               const weft_ty_val_t *t, uint32_t ptr, weft_cval_t *out)
{
    const uint8_t *m = weft__canon_mem(cx) + ptr;
    out->kind = t->kind;
    switch (t->kind) {
    case WEFT_TY_BOOL: out->u.b = m[0] != 0; return NULL;
    case WEFT_TY_U8: out->u.u = m[0]; return NULL;
    case WEFT_TY_U16: out->u.u = weft__le_load(m, 2); return NULL;
    case WEFT_TY_U32: out->u.u = weft__le_load(m, 4); return NULL;
    case WEFT_TY_U64: out->u.u = weft__le_load(m, 8); return NULL;
    case WEFT_TY_S8: out->u.s = (int8_t)m[0]; return NULL;
    case WEFT_TY_S16: out->u.s = (int16_t)(uint16_t)weft__le_load(m, 2); return NULL;
    case WEFT_TY_S32: out->u.s = (int32_t)(uint32_t)weft__le_load(m, 4); return NULL;
    case WEFT_TY_S64: out->u.s = (int64_t)weft__le_load(m, 8); return NULL;
    case WEFT_TY_F32: out->u.f32 = weft__canon_nan32((uint32_t)weft__le_load(m, 4)); return NULL;
    case WEFT_TY_F64: out->u.f64 = weft__canon_nan64(weft__le_load(m, 8)); return NULL;
    case WEFT_TY_CHAR: return to_char(cx, (uint32_t)weft__le_load(m, 4), out);
    case WEFT_TY_STRING: /* load_string */
        return lift_string(cx, ar, (uint32_t)weft__le_load(m, 4), (uint32_t)weft__le_load(m + 4, 4),
                           out);
    case WEFT_TY_LIST: case WEFT_TY_MAP: /* load_list */
        return load_list_from_range(cx, ar, (uint32_t)weft__le_load(m, 4),
                                    (uint32_t)weft__le_load(m + 4, 4), t->elem, out);
    case WEFT_TY_FIXED_LIST:
        return load_list_from_valid_range(cx, ar, ptr, t->len, t->elem, out);
    case WEFT_TY_RECORD: case WEFT_TY_TUPLE: { /* load_record */
        weft_cval_t *items = weft__cval_nodes(ar, t->count);
        if (!items) return oom();
        out->u.agg.len = t->count;
        out->u.agg.items = items;
        for (uint32_t i = 0; i < t->count; i++) {
            const weft_ty_val_t *ft = t->fields[i].type;
            ptr = weft__align_to(ptr, ft->align32);
            weft_error_t *err = weft__canon_load(cx, ar, ft, ptr, &items[i]);
            if (err) return err;
            ptr += ft->size32;
        }
        return NULL;
    }
    case WEFT_TY_VARIANT: case WEFT_TY_ENUM: case WEFT_TY_OPTION: case WEFT_TY_RESULT: {
        /* load_variant */
        uint32_t case_index = (uint32_t)weft__le_load(m, t->disc_size);
        if (case_index >= t->count)
            return weft__canon_trap(cx->alloc, "invalid variant discriminant: %u", case_index);
        out->u.var.index = case_index;
        out->u.var.payload = NULL;
        const weft_ty_val_t *ct = t->fields[case_index].type;
        if (!ct) return NULL;
        weft_cval_t *p = weft__cval_nodes(ar, 1);
        if (!p) return oom();
        out->u.var.payload = p;
        return weft__canon_load(cx, ar, ct, ptr + t->payload_off32, p);
    }
    case WEFT_TY_FLAGS: /* load_flags: undefined high bits are ignored */
        out->u.flags = (uint32_t)weft__le_load(m, t->size32);
        if (t->count < 32) out->u.flags &= (1u << t->count) - 1u;
        return NULL;
    case WEFT_TY_OWN: case WEFT_TY_BORROW:
        return lift_handle(cx, t, (uint32_t)weft__le_load(m, 4), out);
    case WEFT_TY_STREAM: case WEFT_TY_FUTURE: case WEFT_TY_ERROR_CONTEXT:
        return lift_async(cx, t, (uint32_t)weft__le_load(m, 4), out);
    default: return unsupported(cx, t);
    }
}

/* CoreValueIter.next: the value of core type `have` at vals[*pos] as raw bits. */
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

/* lift_flat_variant's CoerceValueIter: the payload's flat values as the case's own types. */
static void coerce(uint8_t have, uint8_t want, uint64_t x, weft_val_t *o)
{
    o->kind = want;
    switch (want) {
    case WEFT_T_I32: o->of.i32 = (int32_t)(uint32_t)x; break; /* wrap_i64_to_i32 */
    case WEFT_T_F32: o->of.f32 = weft__canon_nan32((uint32_t)x); break;
    case WEFT_T_F64: o->of.f64 = weft__canon_nan64(x); break;
    default: o->of.i64 = (int64_t)x; break;
    }
    (void)have;
}

static weft_error_t *lift_flat_list(weft_canon_cx_t *cx, weft_cval_arena_t *ar,
                                    const weft_ty_val_t *t, const weft_val_t *vals,
                                    uint32_t *pos, weft_cval_t *out)
{
    weft_cval_t *items = weft__cval_nodes(ar, t->len);
    if (!items) return oom();
    out->u.agg.len = t->len;
    out->u.agg.items = items;
    for (uint32_t i = 0; i < t->len; i++) {
        weft_error_t *err = weft__canon_lift_flat(cx, ar, t->elem, vals, pos, &items[i]);
        if (err) return err;
    }
    return NULL;
}

/* lift_flat(cx, vi, t) */
weft_error_t *weft__canon_lift_flat(weft_canon_cx_t *cx, weft_cval_arena_t *ar,
                                    const weft_ty_val_t *t, const weft_val_t *vals,
                                    uint32_t *pos, weft_cval_t *out)
{
    out->kind = t->kind;
    switch (t->kind) {
    case WEFT_TY_BOOL: out->u.b = next_bits(vals, pos, WEFT_T_I32) != 0; return NULL;
    /* lift_flat_unsigned / lift_flat_signed: wrap to the type's width */
    case WEFT_TY_U8: out->u.u = next_bits(vals, pos, WEFT_T_I32) & 0xff; return NULL;
    case WEFT_TY_U16: out->u.u = next_bits(vals, pos, WEFT_T_I32) & 0xffff; return NULL;
    case WEFT_TY_U32: out->u.u = next_bits(vals, pos, WEFT_T_I32); return NULL;
    case WEFT_TY_U64: out->u.u = next_bits(vals, pos, WEFT_T_I64); return NULL;
    case WEFT_TY_S8: out->u.s = (int8_t)(uint8_t)next_bits(vals, pos, WEFT_T_I32); return NULL;
    case WEFT_TY_S16:
        out->u.s = (int16_t)(uint16_t)next_bits(vals, pos, WEFT_T_I32);
        return NULL;
    case WEFT_TY_S32:
        out->u.s = (int32_t)(uint32_t)next_bits(vals, pos, WEFT_T_I32);
        return NULL;
    case WEFT_TY_S64: out->u.s = (int64_t)next_bits(vals, pos, WEFT_T_I64); return NULL;
    case WEFT_TY_F32:
        out->u.f32 = weft__canon_nan32((uint32_t)next_bits(vals, pos, WEFT_T_F32));
        return NULL;
    case WEFT_TY_F64:
        out->u.f64 = weft__canon_nan64(next_bits(vals, pos, WEFT_T_F64));
        return NULL;
    case WEFT_TY_CHAR: return to_char(cx, (uint32_t)next_bits(vals, pos, WEFT_T_I32), out);
    case WEFT_TY_STRING: { /* lift_flat_string */
        uint32_t ptr = (uint32_t)next_bits(vals, pos, WEFT_T_I32);
        uint32_t units = (uint32_t)next_bits(vals, pos, WEFT_T_I32);
        return lift_string(cx, ar, ptr, units, out);
    }
    case WEFT_TY_LIST: case WEFT_TY_MAP: { /* lift_flat_list */
        uint32_t ptr = (uint32_t)next_bits(vals, pos, WEFT_T_I32);
        uint32_t length = (uint32_t)next_bits(vals, pos, WEFT_T_I32);
        return load_list_from_range(cx, ar, ptr, length, t->elem, out);
    }
    case WEFT_TY_FIXED_LIST: return lift_flat_list(cx, ar, t, vals, pos, out);
    case WEFT_TY_RECORD: case WEFT_TY_TUPLE: { /* lift_flat_record */
        weft_cval_t *items = weft__cval_nodes(ar, t->count);
        if (!items) return oom();
        out->u.agg.len = t->count;
        out->u.agg.items = items;
        for (uint32_t i = 0; i < t->count; i++) {
            weft_error_t *err = weft__canon_lift_flat(cx, ar, t->fields[i].type, vals, pos,
                                                      &items[i]);
            if (err) return err;
        }
        return NULL;
    }
    case WEFT_TY_VARIANT: case WEFT_TY_ENUM: case WEFT_TY_OPTION: case WEFT_TY_RESULT: {
        /* lift_flat_variant */
        if (!t->flat) return unsupported(cx, t);
        uint32_t end = *pos + t->nflat;
        uint32_t case_index = (uint32_t)next_bits(vals, pos, WEFT_T_I32);
        if (case_index >= t->count)
            return weft__canon_trap(cx->alloc, "invalid variant discriminant: %u", case_index);
        out->u.var.index = case_index;
        out->u.var.payload = NULL;
        const weft_ty_val_t *ct = t->fields[case_index].type;
        if (ct) {
            weft_val_t tmp[WEFT_TY_FLAT_STORE];
            if (!ct->flat || ct->nflat > WEFT_TY_FLAT_STORE) return unsupported(cx, t);
            for (uint32_t j = 0; j < ct->nflat; j++) {
                uint8_t have = t->flat[1 + j];
                coerce(have, ct->flat[j], next_bits(vals, pos, have), &tmp[j]);
            }
            weft_cval_t *p = weft__cval_nodes(ar, 1);
            if (!p) return oom();
            out->u.var.payload = p;
            uint32_t k = 0;
            weft_error_t *err = weft__canon_lift_flat(cx, ar, ct, tmp, &k, p);
            if (err) return err;
        }
        *pos = end; /* the unused slots are ignored */
        return NULL;
    }
    case WEFT_TY_FLAGS: /* lift_flat_flags */
        out->u.flags = (uint32_t)next_bits(vals, pos, WEFT_T_I32);
        if (t->count < 32) out->u.flags &= (1u << t->count) - 1u;
        return NULL;
    case WEFT_TY_OWN: case WEFT_TY_BORROW:
        return lift_handle(cx, t, (uint32_t)next_bits(vals, pos, WEFT_T_I32), out);
    case WEFT_TY_STREAM: case WEFT_TY_FUTURE: case WEFT_TY_ERROR_CONTEXT:
        return lift_async(cx, t, (uint32_t)next_bits(vals, pos, WEFT_T_I32), out);
    default: return unsupported(cx, t);
    }
}

/* lift_flat_values(cx, max_flat, vi, ts) */
weft_error_t *weft__canon_lift_tuple(weft_canon_cx_t *cx, weft_cval_arena_t *ar,
                                     uint32_t max_flat, const weft_canon_tuple_t *tu,
                                     const weft_val_t *vals, uint32_t nvals, weft_cval_t *out)
{
    const weft_ty_field_t *fields = tu->fields;
    uint32_t nfields = tu->nfields, nflat = tu->nflat;
    uint32_t pos = 0;
    if (nflat > max_flat) {
        if (nvals < 1) return weft__canon_trap(cx->alloc, "canonical ABI: missing pointer");
        uint32_t ptr = (uint32_t)next_bits(vals, &pos, WEFT_T_I32);
        if (ptr % tu->align) return weft__canon_trap(cx->alloc, "unaligned pointer: %u", ptr);
        if ((uint64_t)ptr + tu->size > weft__canon_memlen(cx))
            return weft__canon_trap(cx->alloc, "out of bounds memory access: tuple pointer "
                                               "out of bounds of memory");
        for (uint32_t i = 0; i < nfields; i++) { /* load(cx, ptr, tuple_type) */
            const weft_ty_val_t *ft = fields[i].type;
            ptr = weft__align_to(ptr, ft->align32);
            weft_error_t *err = weft__canon_load(cx, ar, ft, ptr, &out[i]);
            if (err) return err;
            ptr += ft->size32;
        }
        return NULL;
    }
    if (nvals < nflat)
        return weft__canon_trap(cx->alloc, "canonical ABI: %u core values for %u", nvals, nflat);
    for (uint32_t i = 0; i < nfields; i++) {
        weft_error_t *err = weft__canon_lift_flat(cx, ar, fields[i].type, vals, &pos, &out[i]);
        if (err) return err;
    }
    return NULL;
}

weft_error_t *weft__canon_lift_flat_values(weft_canon_cx_t *cx, weft_cval_arena_t *ar,
                                           uint32_t max_flat, const weft_ty_field_t *fields,
                                           uint32_t nfields, const weft_val_t *vals,
                                           uint32_t nvals, weft_cval_t *out)
{
    weft_canon_tuple_t tu;
    weft__canon_tuple_init(&tu, fields, nfields);
    return weft__canon_lift_tuple(cx, ar, max_flat, &tu, vals, nvals, out);
}
