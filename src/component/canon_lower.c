/* canon_lower.c - lowering: host values -> core values and linear memory (CanonicalABI.md
 * "Storing" and "Flat Lowering": store, store_list_into_range, store_record, store_variant,
 * store_flags, lower_own, lower_borrow, lower_flat, lower_flat_variant, lower_flat_values).
 * NaNs are lowered canonically (the deterministic profile of maybe_scramble_nan32/64). */
#include "component/canon.h"
#include "component/host_async.h"
#include "component/transcode.h"
#include "util/error.h"

static weft_error_t *unsupported(weft_canon_cx_t *cx, const weft_ty_val_t *t)
{
    return weft__canon_trap(cx->alloc, "canonical ABI: lowering %s is unsupported here",
                            weft_ty_kind_name(t->kind));
}

static uint32_t pack_flags(const weft_ty_val_t *t, uint32_t v)
{
    return t->count < 32 ? v & ((1u << t->count) - 1u) : v;
}

static weft_error_t *lower_handle(weft_canon_cx_t *cx, const weft_ty_val_t *t, uint32_t rep,
                                  uint32_t *out)
{
    const weft_rt_resource_t *rt = weft__canon_rt(cx, t);
    if (!cx->handles || !rt)
        return weft__canon_trap(cx->alloc, "canonical ABI: no handle table for %s",
                                weft_ty_kind_name(t->kind));
    if (t->kind == WEFT_TY_OWN) return weft__handles_lower_own(cx->handles, rt, rep, out);
    return weft__handles_lower_borrow(cx->handles, rt, rep, cx->inst, cx->borrow_scope, out);
}

/* store_list_into_range: realloc(0, 0, alignment, byte_length) is made even for an empty
 * list; its result is checked for alignment, then bounds. */
static weft_error_t *store_list_into_range(weft_canon_cx_t *cx, const weft_ty_val_t *elem,
                                           const weft_cval_t *v, uint32_t *begin)
{
    uint64_t byte_length = (uint64_t)v->u.agg.len * elem->size32;
    if (byte_length > UINT32_MAX)
        return weft__canon_trap(cx->alloc, "list content out-of-bounds: list too long");
    uint32_t ptr;
    weft_error_t *err = weft__canon_realloc(cx, 0, 0, elem->align32, (uint32_t)byte_length, &ptr);
    if (err) return err;
    if (ptr % elem->align32)
        return weft__canon_trap(cx->alloc,
                                "unaligned pointer: realloc return: result not aligned");
    if ((uint64_t)ptr + byte_length > weft__canon_memlen(cx))
        return weft__canon_trap(cx->alloc, "list content out-of-bounds: realloc return: "
                                           "beyond end of memory");
    for (uint32_t i = 0; i < v->u.agg.len; i++) /* store_list_into_valid_range */
        if ((err = weft__canon_store(cx, elem, &v->u.agg.items[i], ptr + i * elem->size32)))
            return err;
    *begin = ptr;
    return NULL;
}

static weft_error_t *check_case(weft_canon_cx_t *cx, const weft_ty_val_t *t, const weft_cval_t *v)
{
    if (v->u.var.index >= t->count ||
        (t->fields[v->u.var.index].type && !v->u.var.payload))
        return weft__canon_trap(cx->alloc, "canonical ABI: host value does not match its type");
    return NULL;
}

/* store(cx, v, t, ptr). The memory base is re-read after anything that may call realloc. */
weft_error_t *weft__canon_store(weft_canon_cx_t *cx, const weft_ty_val_t *t,
                                const weft_cval_t *v, uint32_t ptr)
{
    weft_error_t *err;
    switch (t->kind) {
    case WEFT_TY_BOOL: weft__canon_mem(cx)[ptr] = v->u.b ? 1 : 0; return NULL;
    case WEFT_TY_U8: case WEFT_TY_S8: case WEFT_TY_U16: case WEFT_TY_S16: case WEFT_TY_U32:
    case WEFT_TY_S32: case WEFT_TY_U64: case WEFT_TY_S64:
        weft__le_store(weft__canon_mem(cx) + ptr, v->u.u, t->size32);
        return NULL;
    case WEFT_TY_F32: weft__le_store(weft__canon_mem(cx) + ptr, weft__canon_nan32(v->u.f32), 4);
        return NULL;
    case WEFT_TY_F64: weft__le_store(weft__canon_mem(cx) + ptr, weft__canon_nan64(v->u.f64), 8);
        return NULL;
    case WEFT_TY_CHAR: weft__le_store(weft__canon_mem(cx) + ptr, v->u.ch, 4); return NULL;
    case WEFT_TY_STRING: { /* store_string */
        uint32_t begin, units;
        if ((err = weft__store_string_into_range(cx, &v->u.str, &begin, &units))) return err;
        weft__le_store(weft__canon_mem(cx) + ptr, begin, 4);
        weft__le_store(weft__canon_mem(cx) + ptr + 4, units, 4);
        return NULL;
    }
    case WEFT_TY_LIST: case WEFT_TY_MAP: { /* store_list */
        uint32_t begin;
        if ((err = store_list_into_range(cx, t->elem, v, &begin))) return err;
        weft__le_store(weft__canon_mem(cx) + ptr, begin, 4);
        weft__le_store(weft__canon_mem(cx) + ptr + 4, v->u.agg.len, 4);
        return NULL;
    }
    case WEFT_TY_FIXED_LIST:
        if (v->u.agg.len != t->len)
            return weft__canon_trap(cx->alloc, "canonical ABI: fixed-length list of %u "
                                               "elements, expected %u", v->u.agg.len, t->len);
        for (uint32_t i = 0; i < t->len; i++)
            if ((err = weft__canon_store(cx, t->elem, &v->u.agg.items[i],
                                         ptr + i * t->elem->size32)))
                return err;
        return NULL;
    case WEFT_TY_RECORD: case WEFT_TY_TUPLE: /* store_record */
        for (uint32_t i = 0; i < t->count; i++) {
            const weft_ty_val_t *ft = t->fields[i].type;
            ptr = weft__align_to(ptr, ft->align32);
            if ((err = weft__canon_store(cx, ft, &v->u.agg.items[i], ptr))) return err;
            ptr += ft->size32;
        }
        return NULL;
    case WEFT_TY_VARIANT: case WEFT_TY_ENUM: case WEFT_TY_OPTION: case WEFT_TY_RESULT: {
        /* store_variant */
        if ((err = check_case(cx, t, v))) return err;
        weft__le_store(weft__canon_mem(cx) + ptr, v->u.var.index, t->disc_size);
        const weft_ty_val_t *ct = t->fields[v->u.var.index].type;
        if (ct) return weft__canon_store(cx, ct, v->u.var.payload, ptr + t->payload_off32);
        return NULL;
    }
    case WEFT_TY_FLAGS: /* store_flags */
        weft__le_store(weft__canon_mem(cx) + ptr, pack_flags(t, v->u.flags), t->size32);
        return NULL;
    case WEFT_TY_OWN: case WEFT_TY_BORROW: {
        uint32_t i;
        if ((err = lower_handle(cx, t, v->u.rep, &i))) return err;
        weft__le_store(weft__canon_mem(cx) + ptr, i, 4);
        return NULL;
    }
    case WEFT_TY_STREAM: case WEFT_TY_FUTURE: case WEFT_TY_ERROR_CONTEXT: {
        /* lower_stream / lower_future / lower_error_context of a host-held value */
        uint32_t i;
        if ((err = weft__ahost_lower_handle(cx, t, v->u.handle, &i))) return err;
        weft__le_store(weft__canon_mem(cx) + ptr, i, 4);
        return NULL;
    }
    default: return unsupported(cx, t);
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

/* lower_flat(cx, v, t) */
weft_error_t *weft__canon_lower_flat(weft_canon_cx_t *cx, const weft_ty_val_t *t,
                                     const weft_cval_t *v, weft_val_t *out, uint32_t *pos)
{
    weft_error_t *err;
    switch (t->kind) {
    case WEFT_TY_BOOL: put(out, pos, WEFT_T_I32, v->u.b ? 1 : 0); return NULL;
    case WEFT_TY_U8: case WEFT_TY_U16: case WEFT_TY_U32: case WEFT_TY_S8: case WEFT_TY_S16:
    case WEFT_TY_S32: /* lower_flat_signed: two's complement in 32 bits */
        put(out, pos, WEFT_T_I32, (uint32_t)v->u.u);
        return NULL;
    case WEFT_TY_U64: case WEFT_TY_S64: put(out, pos, WEFT_T_I64, v->u.u); return NULL;
    case WEFT_TY_F32: put(out, pos, WEFT_T_F32, weft__canon_nan32(v->u.f32)); return NULL;
    case WEFT_TY_F64: put(out, pos, WEFT_T_F64, weft__canon_nan64(v->u.f64)); return NULL;
    case WEFT_TY_CHAR: put(out, pos, WEFT_T_I32, v->u.ch); return NULL;
    case WEFT_TY_STRING: { /* lower_flat_string */
        uint32_t begin, units;
        if ((err = weft__store_string_into_range(cx, &v->u.str, &begin, &units))) return err;
        put(out, pos, WEFT_T_I32, begin);
        put(out, pos, WEFT_T_I32, units);
        return NULL;
    }
    case WEFT_TY_LIST: case WEFT_TY_MAP: { /* lower_flat_list */
        uint32_t begin;
        if ((err = store_list_into_range(cx, t->elem, v, &begin))) return err;
        put(out, pos, WEFT_T_I32, begin);
        put(out, pos, WEFT_T_I32, v->u.agg.len);
        return NULL;
    }
    case WEFT_TY_FIXED_LIST:
        if (v->u.agg.len != t->len)
            return weft__canon_trap(cx->alloc, "canonical ABI: fixed-length list of %u "
                                               "elements, expected %u", v->u.agg.len, t->len);
        for (uint32_t i = 0; i < t->len; i++)
            if ((err = weft__canon_lower_flat(cx, t->elem, &v->u.agg.items[i], out, pos)))
                return err;
        return NULL;
    case WEFT_TY_RECORD: case WEFT_TY_TUPLE: /* lower_flat_record */
        for (uint32_t i = 0; i < t->count; i++)
            if ((err = weft__canon_lower_flat(cx, t->fields[i].type, &v->u.agg.items[i], out,
                                              pos)))
                return err;
        return NULL;
    case WEFT_TY_VARIANT: case WEFT_TY_ENUM: case WEFT_TY_OPTION: case WEFT_TY_RESULT: {
        /* lower_flat_variant */
        if (!t->flat) return unsupported(cx, t);
        if ((err = check_case(cx, t, v))) return err;
        put(out, pos, WEFT_T_I32, v->u.var.index);
        const weft_ty_val_t *ct = t->fields[v->u.var.index].type;
        uint32_t j = 0;
        if (ct) {
            weft_val_t tmp[WEFT_TY_FLAT_STORE];
            uint32_t k = 0;
            if (!ct->flat || ct->nflat > WEFT_TY_FLAT_STORE) return unsupported(cx, t);
            if ((err = weft__canon_lower_flat(cx, ct, v->u.var.payload, tmp, &k))) return err;
            /* ('f32','i32') -> bits; ('i32'|'f32'|'f64', 'i64') -> zero-extended bits */
            for (; j < ct->nflat; j++) put(out, pos, t->flat[1 + j], bits_of(&tmp[j], ct->flat[j]));
        }
        for (j += 1; j < t->nflat; j++) put(out, pos, t->flat[j], 0);
        return NULL;
    }
    case WEFT_TY_FLAGS: put(out, pos, WEFT_T_I32, pack_flags(t, v->u.flags)); return NULL;
    case WEFT_TY_OWN: case WEFT_TY_BORROW: {
        uint32_t i;
        if ((err = lower_handle(cx, t, v->u.rep, &i))) return err;
        put(out, pos, WEFT_T_I32, i);
        return NULL;
    }
    case WEFT_TY_STREAM: case WEFT_TY_FUTURE: case WEFT_TY_ERROR_CONTEXT: {
        uint32_t i;
        if ((err = weft__ahost_lower_handle(cx, t, v->u.handle, &i))) return err;
        put(out, pos, WEFT_T_I32, i);
        return NULL;
    }
    default: return unsupported(cx, t);
    }
}

/* lower_flat_values(cx, max_flat, vs, ts, out_param) */
weft_error_t *weft__canon_lower_tuple(weft_canon_cx_t *cx, uint32_t max_flat,
                                      const weft_canon_tuple_t *tu, const weft_cval_t *vs,
                                      const uint32_t *out_param, weft_val_t *out,
                                      uint32_t *nout)
{
    const weft_ty_field_t *fields = tu->fields;
    uint32_t nfields = tu->nfields;
    weft_error_t *err;
    uint32_t pos = 0;
    if (tu->nflat > max_flat) {
        uint32_t size = tu->size, align = tu->align, ptr;
        if (!out_param) {
            if ((err = weft__canon_realloc(cx, 0, 0, align, size, &ptr))) return err;
            put(out, &pos, WEFT_T_I32, ptr);
        } else {
            ptr = *out_param;
        }
        if (ptr % align)
            return weft__canon_trap(cx->alloc, out_param ? "unaligned pointer: %u"
                                                         : "unaligned pointer: %u (realloc "
                                                           "return: result not aligned)",
                                    ptr);
        if ((uint64_t)ptr + size > weft__canon_memlen(cx))
            return weft__canon_trap(cx->alloc, out_param
                                                   ? "out of bounds memory access: pointer "
                                                     "out of bounds of memory"
                                                   : "realloc return: beyond end of memory");
        for (uint32_t i = 0; i < nfields; i++) { /* store(cx, tuple_value, tuple_type, ptr) */
            const weft_ty_val_t *ft = fields[i].type;
            ptr = weft__align_to(ptr, ft->align32);
            if ((err = weft__canon_store(cx, ft, &vs[i], ptr))) return err;
            ptr += ft->size32;
        }
        *nout = pos;
        return NULL;
    }
    for (uint32_t i = 0; i < nfields; i++)
        if ((err = weft__canon_lower_flat(cx, fields[i].type, &vs[i], out, &pos))) return err;
    *nout = pos;
    return NULL;
}

weft_error_t *weft__canon_lower_flat_values(weft_canon_cx_t *cx, uint32_t max_flat,
                                            const weft_ty_field_t *fields, uint32_t nfields,
                                            const weft_cval_t *vs, const uint32_t *out_param,
                                            weft_val_t *out, uint32_t *nout)
{
    weft_canon_tuple_t tu;
    weft__canon_tuple_init(&tu, fields, nfields);
    return weft__canon_lower_tuple(cx, max_flat, &tu, vs, out_param, out, nout);
}
