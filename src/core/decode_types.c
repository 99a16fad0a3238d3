/* decode_types.c - reading Wasm 3.0 value and heap types (5.3.3, 5.3.4) and reference-type
 * subtyping (3.3.x "Matching"). See decode_types.h. */
#include "core/decode_types.h"

#include <stdio.h>

#define FR WEFT_FEATURE_FUNCTION_REFERENCES

static bool fail_at(weft_reader_t *r, const uint8_t *at, const char *why)
{
    r->p = at;
    weft__reader_fail(r, why);
    return false;
}

/* An abstract heap type code (5.3.3) as the nullable reference type to it; false for codes not
 * supported (the GC proposal's any/eq/i31/struct/array/none are not implemented). */
static bool abstract_heap(uint32_t feat, uint8_t code, weft_valtype_t *out)
{
    bool exn = (feat & WEFT_FEATURE_EXCEPTIONS) != 0;
    bool fr = (feat & FR) != 0;
    switch (code) {
    case 0x70: *out = WEFT_T_FUNCREF; return true;
    case 0x6F: *out = WEFT_T_EXTERNREF; return true;
    case 0x69: *out = WEFT_T_EXNREF; return exn;
    case 0x73: *out = WEFT_T_FUNCREF | WEFT_T_BOTTOM; return fr;   /* nofunc */
    case 0x72: *out = WEFT_T_EXTERNREF | WEFT_T_BOTTOM; return fr; /* noextern */
    case 0x74: *out = WEFT_T_EXNREF | WEFT_T_BOTTOM; return fr && exn; /* noexn */
    default: return false;
    }
}

bool weft__read_heaptype(weft_reader_t *r, uint32_t feat, weft_valtype_t *out)
{
    const uint8_t *at = r->p;
    if (!(feat & FR)) {
        uint8_t b;
        if (!weft__read_u8(r, &b)) return false;
        if (b == 0x70 || b == 0x6F || (b == 0x69 && (feat & WEFT_FEATURE_EXCEPTIONS))) {
            *out = b;
            return true;
        }
        return fail_at(r, at, "malformed reference type");
    }
    int64_t v;
    if (!weft__read_s33(r, &v)) return false;
    if (v >= 0) {
        uint32_t idx = v >= (int64_t)WEFT_TYPE_IDX_LIMIT ? WEFT_TYPE_IDX_LIMIT : (uint32_t)v;
        *out = weft__rt_concrete(idx, true);
        return true;
    }
    if (v >= -64 && abstract_heap(feat, (uint8_t)((uint64_t)v & 0x7F), out)) return true;
    return fail_at(r, at, "malformed heap type");
}

bool weft__read_valtype(weft_reader_t *r, uint32_t feat, bool ref_only, const char *bad,
                        weft_valtype_t *out)
{
    const uint8_t *at = r->p;
    uint8_t b;
    if (!weft__read_u8(r, &b)) return false;
    switch (b) {
    case WEFT_T_I32: case WEFT_T_I64: case WEFT_T_F32: case WEFT_T_F64: case WEFT_T_V128:
        if (ref_only) break;
        *out = b;
        return true;
    case 0x63: case 0x64: /* ref null ht, ref ht */
        if (!(feat & FR)) break;
        if (!weft__read_heaptype(r, feat, out)) return false;
        if (b == 0x64) *out |= WEFT_T_NONNULL;
        return true;
    default:
        if (abstract_heap(feat, b, out)) return true;
        break;
    }
    return fail_at(r, at, bad);
}

bool weft__read_blocktype_val(weft_reader_t *r, uint32_t feat, uint8_t code, weft_valtype_t *out)
{
    const uint8_t *at = r->p - 1;
    switch (code) {
    case WEFT_T_I32: case WEFT_T_I64: case WEFT_T_F32: case WEFT_T_F64: case WEFT_T_V128:
        *out = code;
        return true;
    case 0x63: case 0x64:
        if (!(feat & FR)) break;
        if (!weft__read_heaptype(r, feat, out)) return false;
        if (code == 0x64) *out |= WEFT_T_NONNULL;
        return true;
    default:
        if (abstract_heap(feat, code, out)) return true;
        break;
    }
    return fail_at(r, at, "malformed value type");
}

bool weft__type_sub(const weft_module_t *m, uint32_t a, uint32_t b)
{
    if (a == b) return true;
    const weft_typeinfo_t *ti = m->typeinfo;
    if (!ti || a >= m->ntypes || b >= m->ntypes) return false;
    uint32_t cb = ti[b].canon;
    /* Declared supertypes have smaller indices (validated), so the chain ends. */
    for (uint32_t steps = 0; a < m->ntypes && steps <= m->ntypes; steps++) {
        if (ti[a].canon == cb) return true;
        a = ti[a].super;
    }
    return false;
}

/* The common part of both subtyping relations; `concrete` decides between two type indices. */
static bool ref_sub(weft_valtype_t a, weft_valtype_t b, const weft_module_t *m)
{
    if ((a & 0xFF) != (b & 0xFF)) return false;
    if (weft__rt_nullable(a) && !weft__rt_nullable(b)) return false;
    if (a & WEFT_T_BOTTOM) return true;     /* the bottom type is below every heap type */
    if (b & WEFT_T_BOTTOM) return false;
    if (!weft__rt_has_idx(b)) return true;  /* the abstract top (func, extern, exn) */
    if (!weft__rt_has_idx(a)) return false;
    uint32_t ia = weft__rt_idx(a), ib = weft__rt_idx(b);
    return m ? weft__type_sub(m, ia, ib) : ia == ib;
}

bool weft__valtype_sub(const weft_module_t *m, weft_valtype_t a, weft_valtype_t b)
{
    if (a == b) return true;
    if (!weft__valtype_is_ref(a) || !weft__valtype_is_ref(b)) return false;
    return ref_sub(a, b, m);
}

bool weft__valtype_sub_canon(weft_valtype_t a, weft_valtype_t b)
{
    if (a == b) return true;
    if (!weft__valtype_is_ref(a) || !weft__valtype_is_ref(b)) return false;
    return ref_sub(a, b, NULL);
}

const char *weft__valtype_name(weft_valtype_t t, char *buf, size_t size)
{
    static const char *const tops[3][2] = {{"func", "nofunc"}, {"extern", "noextern"},
                                           {"exn", "noexn"}};
    const char *base;
    switch (t & 0xFF) {
    case WEFT_T_I32: return "i32";
    case WEFT_T_I64: return "i64";
    case WEFT_T_F32: return "f32";
    case WEFT_T_F64: return "f64";
    case WEFT_T_V128: return "v128";
    case WEFT_T_FUNCREF: base = tops[0][(t & WEFT_T_BOTTOM) != 0]; break;
    case WEFT_T_EXTERNREF: base = tops[1][(t & WEFT_T_BOTTOM) != 0]; break;
    case WEFT_T_EXNREF: base = tops[2][(t & WEFT_T_BOTTOM) != 0]; break;
    default: return t == 0 ? "unknown" : "invalid type";
    }
    const char *null = weft__rt_nullable(t) ? "null " : "";
    if (weft__rt_has_idx(t)) snprintf(buf, size, "(ref %s%u)", null, weft__rt_idx(t));
    else snprintf(buf, size, "(ref %s%s)", null, base);
    return buf;
}
