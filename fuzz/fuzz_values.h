/* fuzz_values.h - shared by the fuzz targets of component values: a reader of the input bytes
 * and generators of a random (depth-limited) value type and of a random value of a type. */
#ifndef WEFT_FUZZ_VALUES_H
#define WEFT_FUZZ_VALUES_H

#include <stdint.h>
#include <string.h>

#include "component/canon.h"
#include "component/cvalue.h"
#include "component/types.h"

typedef struct rd {
    const uint8_t *p;
    size_t n, i;
} rd_t;

static uint32_t byte(rd_t *r) { return r->i < r->n ? r->p[r->i++] : 0; }
static uint64_t word(rd_t *r, uint32_t nbytes)
{
    uint64_t v = 0;
    for (uint32_t k = 0; k < nbytes; k++) v |= (uint64_t)byte(r) << (8 * k);
    return v;
}

static const char *const labels[] = {"a", "b", "c", "d", "e", "f", "g", "h", "i",
                                     "j", "k", "l", "m", "n", "o", "p", "q", "r"};

static weft_name_t nm(const char *s)
{
    weft_name_t n = {s, (uint32_t)strlen(s)};
    return n;
}

static const weft_ty_resource_t *the_resource;

static const weft_ty_val_t *gen_type(weft_ty_arena_t *a, rd_t *r, int depth)
{
    uint32_t k = byte(r) % (depth > 3 ? 13 : 24);
    if (k < 13) return weft_ty_prim(a, (uint8_t)(WEFT_TY_BOOL + k));
    weft_ty_val_t p;
    memset(&p, 0, sizeof p);
    uint32_t count = 1 + byte(r) % 5;
    switch (k) {
    case 13: case 14: p.kind = WEFT_TY_LIST; p.elem = gen_type(a, r, depth + 1); break;
    case 15: p.kind = WEFT_TY_FIXED_LIST; p.elem = gen_type(a, r, depth + 1); p.len = count; break;
    case 16: case 17: case 18: {
        p.kind = k == 16 ? WEFT_TY_RECORD : k == 17 ? WEFT_TY_TUPLE : WEFT_TY_VARIANT;
        weft_ty_field_t *f = weft_ty_alloc(a, count * sizeof *f);
        if (!f) return NULL;
        for (uint32_t i = 0; i < count; i++) {
            f[i].label = nm(p.kind == WEFT_TY_TUPLE ? "" : labels[i]);
            f[i].type = (p.kind == WEFT_TY_VARIANT && byte(r) % 3 == 0) ? NULL
                                                                         : gen_type(a, r, depth + 1);
            if (!f[i].type && p.kind != WEFT_TY_VARIANT) return NULL;
        }
        p.count = count;
        p.fields = f;
        break;
    }
    case 19: case 20: {
        p.kind = k == 19 ? WEFT_TY_FLAGS : WEFT_TY_ENUM;
        count = 1 + byte(r) % 18;
        weft_name_t *l = weft_ty_alloc(a, count * sizeof *l);
        if (!l) return NULL;
        for (uint32_t i = 0; i < count; i++) l[i] = nm(labels[i]);
        p.count = count;
        p.labels = l;
        break;
    }
    case 21: p.kind = WEFT_TY_OPTION; p.elem = gen_type(a, r, depth + 1); break;
    case 22: {
        weft_ty_field_t f[2] = {{nm("ok"), NULL}, {nm("error"), NULL}};
        if (byte(r) & 1) f[0].type = gen_type(a, r, depth + 1);
        if (byte(r) & 1) f[1].type = gen_type(a, r, depth + 1);
        p.kind = WEFT_TY_RESULT;
        p.count = 2;
        p.fields = f;
        return weft_ty_intern(a, &p);
    }
    default:
        p.kind = (byte(r) & 1) ? WEFT_TY_OWN : WEFT_TY_BORROW;
        p.resource = the_resource;
        break;
    }
    if ((p.kind == WEFT_TY_LIST || p.kind == WEFT_TY_FIXED_LIST || p.kind == WEFT_TY_OPTION) &&
        !p.elem)
        return NULL;
    return weft_ty_intern(a, &p);
}

static bool gen_value(weft_cval_arena_t *ar, const weft_ty_val_t *t, rd_t *r, weft_cval_t *v,
                      int depth)
{
    memset(v, 0, sizeof *v);
    v->kind = t->kind;
    switch (t->kind) {
    case WEFT_TY_BOOL: v->u.b = byte(r) & 1; return true;
    case WEFT_TY_U8: case WEFT_TY_U16: case WEFT_TY_U32: case WEFT_TY_U64:
        v->u.u = word(r, t->size32);
        return true;
    case WEFT_TY_S8: case WEFT_TY_S16: case WEFT_TY_S32: case WEFT_TY_S64: {
        uint32_t bits = 8 * t->size32;
        uint64_t x = word(r, t->size32), m = 1ull << (bits - 1);
        v->u.u = bits == 64 ? x : (x ^ m) - m;
        return true;
    }
    case WEFT_TY_F32: v->u.f32 = weft__canon_nan32((uint32_t)word(r, 4)); return true;
    case WEFT_TY_F64: v->u.f64 = weft__canon_nan64(word(r, 8)); return true;
    case WEFT_TY_CHAR: {
        uint32_t c = (uint32_t)word(r, 3) % 0x110000;
        if (c >= 0xd800 && c <= 0xdfff) c = 0x41;
        v->u.ch = c;
        return true;
    }
    case WEFT_TY_STRING: {
        uint32_t n = byte(r) % 12, len = 0;
        uint8_t *b = weft__cval_alloc(ar, 4 * n);
        if (!b) return false;
        for (uint32_t i = 0; i < n; i++) {
            uint32_t sel = byte(r) % 4, c;
            c = sel == 0 ? byte(r) % 0x80 : sel == 1 ? 0x80 + byte(r) : sel == 2 ? 0x100 + (uint32_t)word(r, 2) % 0xd700 : 0x10000 + (uint32_t)word(r, 3) % 0x100000;
            if (c < 0x80) b[len++] = (uint8_t)c;
            else if (c < 0x800) { b[len++] = (uint8_t)(0xc0 | (c >> 6)); b[len++] = (uint8_t)(0x80 | (c & 0x3f)); }
            else if (c < 0x10000) { b[len++] = (uint8_t)(0xe0 | (c >> 12)); b[len++] = (uint8_t)(0x80 | ((c >> 6) & 0x3f)); b[len++] = (uint8_t)(0x80 | (c & 0x3f)); }
            else { b[len++] = (uint8_t)(0xf0 | (c >> 18)); b[len++] = (uint8_t)(0x80 | ((c >> 12) & 0x3f)); b[len++] = (uint8_t)(0x80 | ((c >> 6) & 0x3f)); b[len++] = (uint8_t)(0x80 | (c & 0x3f)); }
        }
        v->u.str.bytes = b;
        v->u.str.tagged_code_units = len;
        v->u.str.encoding = WEFT_STRENC_UTF8;
        return true;
    }
    case WEFT_TY_LIST: case WEFT_TY_FIXED_LIST: {
        uint32_t n = t->kind == WEFT_TY_FIXED_LIST ? t->len : byte(r) % (depth > 2 ? 2 : 5);
        v->u.agg.len = n;
        v->u.agg.items = weft__cval_nodes(ar, n);
        if (!v->u.agg.items) return false;
        for (uint32_t i = 0; i < n; i++)
            if (!gen_value(ar, t->elem, r, &v->u.agg.items[i], depth + 1)) return false;
        return true;
    }
    case WEFT_TY_RECORD: case WEFT_TY_TUPLE:
        v->u.agg.len = t->count;
        v->u.agg.items = weft__cval_nodes(ar, t->count);
        if (!v->u.agg.items) return false;
        for (uint32_t i = 0; i < t->count; i++)
            if (!gen_value(ar, t->fields[i].type, r, &v->u.agg.items[i], depth + 1)) return false;
        return true;
    case WEFT_TY_FLAGS: v->u.flags = (uint32_t)word(r, 4); if (t->count < 32) v->u.flags &= (1u << t->count) - 1; return true;
    case WEFT_TY_OWN: case WEFT_TY_BORROW: v->u.rep = (uint32_t)word(r, 4); return true;
    default: {
        v->u.var.index = byte(r) % t->count;
        const weft_ty_val_t *ct = t->fields[v->u.var.index].type;
        if (!ct) return true;
        v->u.var.payload = weft__cval_nodes(ar, 1);
        return v->u.var.payload && gen_value(ar, ct, r, v->u.var.payload, depth + 1);
    }
    }
}

#endif
