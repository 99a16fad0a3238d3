/* fuzz_canon.c - libFuzzer target for the Canonical ABI (src/component/canon*.c, transcode.c,
 * handles.c). From the input bytes: a random value type (depth-limited) and a random value of
 * it; the value is lowered with each string encoding (flat and through memory), lifted back
 * and compared; the rest of the input is then used as guest memory and flat values, lifted as
 * that type (any outcome but a crash is fine), and copied component-to-component, which must
 * agree with lift-then-lower (same result, same destination memory, same realloc calls). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "component/canon.h"
#include "component/transcode.h"
#include "util/error.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

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

#define MEM (1u << 16)
typedef struct guest {
    weft_memory_t mem;
    uint32_t next, ncalls;
    uint32_t log[64][4];
} guest_t;

static weft_error_t *bump(void *env, uint32_t old, uint32_t old_size, uint32_t align,
                          uint32_t new_size, uint32_t *out)
{
    guest_t *g = env;
    if (g->ncalls < 64) {
        g->log[g->ncalls][0] = old;
        g->log[g->ncalls][1] = old_size;
        g->log[g->ncalls][2] = align;
        g->log[g->ncalls][3] = new_size;
    }
    g->ncalls++;
    uint64_t p = ((uint64_t)g->next + align - 1) / align * align;
    if (p + new_size > MEM) {
        *out = 0xfffffff0u; /* the checks must catch it */
        return NULL;
    }
    if (old) memmove(g->mem.data + p, g->mem.data + old, old_size < new_size ? old_size : new_size);
    g->next = (uint32_t)(p + new_size);
    *out = (uint32_t)p;
    return NULL;
}

static const weft_rt_resource_t fuzz_rt = {NULL};
static const weft_rt_resource_t *resolve(void *env, const weft_ty_resource_t *r)
{
    (void)env;
    (void)r;
    return &fuzz_rt;
}

static void setup(guest_t *g, uint8_t *bytes, weft_canon_cx_t *cx, weft_handles_t *h,
                  const weft_alloc_t *a, uint8_t enc)
{
    memset(g, 0, sizeof *g);
    g->mem.data = bytes;
    g->mem.size = MEM;
    g->next = 8;
    memset(cx, 0, sizeof *cx);
    cx->alloc = a;
    cx->memory = &g->mem;
    cx->string_encoding = enc;
    cx->realloc = bump;
    cx->realloc_env = g;
    cx->handles = h;
    cx->resource = resolve;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const weft_alloc_t a = {weft__default_alloc, NULL};
    rd_t r = {data, size, 0};
    weft_ty_arena_t *ta = weft_ty_arena_new(&a);
    if (!ta) return 0;
    weft_ty_resource_t *res = weft_ty_resource_new(ta);
    the_resource = res;
    const weft_ty_val_t *t = res ? gen_type(ta, &r, 0) : NULL;
    uint8_t *m1 = calloc(1, MEM), *m2 = calloc(1, MEM), *m3 = calloc(1, MEM);
    weft_cval_arena_t ar;
    weft__cval_arena_init(&ar, &a);
    weft_handles_t h1, h2, h3;
    weft__handles_init(&h1, &a);
    weft__handles_init(&h2, &a);
    weft__handles_init(&h3, &a);
    if (!t || !m1 || !m2 || !m3 || t->size32 > 4096 || t->nflat > WEFT_MAX_FLAT_PARAMS) goto out;
    weft_ty_field_t field = {nm(""), t};
    weft_cval_t v, back;
    if (!gen_value(&ar, t, &r, &v, 0)) goto out;
    /* 1. round trips with each encoding, flat and through memory */
    for (uint8_t enc = 0; enc < 3; enc++)
        for (uint32_t max_flat = 0; max_flat <= WEFT_MAX_FLAT_PARAMS; max_flat += 16) {
            guest_t g;
            weft_canon_cx_t cx;
            memset(m1, 0, MEM);
            setup(&g, m1, &cx, &h1, &a, enc);
            weft_val_t flat[WEFT_MAX_FLAT_PARAMS + 1];
            uint32_t n = 0;
            weft_error_t *e = weft__canon_lower_flat_values(&cx, max_flat, &field, 1, &v, NULL,
                                                            flat, &n);
            if (!e) e = weft__canon_lift_flat_values(&cx, &ar, max_flat, &field, 1, flat, n, &back);
            if (e) {
                /* only running out of the fuzz memory may fail */
                if (!strstr(weft_error_message(e), "realloc return")) {
                    fprintf(stderr, "round trip failed: %s\n", weft_error_message(e));
                    abort();
                }
                weft_error_delete(e);
            } else if (!weft__cval_equal(t, &v, &back)) {
                fprintf(stderr, "round trip differs (encoding %u)\n", enc);
                abort();
            }
        }
    /* 2. lifting arbitrary memory and flat values, and the fused copy against lift+lower */
    size_t rest = r.i < size ? size - r.i : 0;
    uint8_t senc = (uint8_t)(byte(&r) % 3), denc = (uint8_t)(byte(&r) % 3);
    uint32_t max_flat = (byte(&r) & 1) ? WEFT_MAX_FLAT_PARAMS : 0;
    weft_val_t flat[WEFT_MAX_FLAT_PARAMS + 1];
    for (uint32_t i = 0; i <= WEFT_MAX_FLAT_PARAMS; i++) {
        uint8_t kind = (t->flat && i < t->nflat) ? t->flat[i] : WEFT_T_I32;
        memset(&flat[i], 0, sizeof flat[i]);
        flat[i].kind = kind;
        uint64_t x = word(&r, 3);
        if (kind == WEFT_T_I32) flat[i].of.i32 = (int32_t)(uint32_t)(x % 0x200);
        else flat[i].of.i64 = (int64_t)x;
    }
    memset(m1, 0, MEM);
    for (size_t i = 0; i < rest && i < MEM; i++) m1[i] = data[r.i + i < size ? r.i + i : 0];
    for (int pass = 0; pass < 2; pass++) {
        /* the handle tables hold own handles 1..4 for lifting */
        weft__handles_free(&h1);
        weft__handles_init(&h1, &a);
        for (uint32_t i = 0; i < 4; i++) {
            uint32_t idx;
            weft_error_delete(weft__resource_new(&h1, &fuzz_rt, 100 + i, &idx));
        }
        guest_t gs, gd;
        weft_canon_cx_t sc, dc;
        setup(&gs, m1, &sc, &h1, &a, senc);
        memset(pass ? m3 : m2, 0, MEM);
        setup(&gd, pass ? m3 : m2, &dc, pass ? &h3 : &h2, &a, denc);
        weft_val_t out[WEFT_MAX_FLAT_PARAMS + 1];
        uint32_t n = 0;
        weft_error_t *e;
        static char msg[2][300];
        static uint32_t ncalls[2], nout[2];
        static weft_val_t outs[2][WEFT_MAX_FLAT_PARAMS + 1];
        if (pass == 0) {
            e = weft__canon_copy_flat_values(&sc, max_flat, flat, WEFT_MAX_FLAT_PARAMS + 1, &dc,
                                             max_flat, NULL, &field, 1, out, &n);
        } else {
            e = weft__canon_lift_flat_values(&sc, &ar, max_flat, &field, 1, flat,
                                             WEFT_MAX_FLAT_PARAMS + 1, &back);
            if (!e)
                e = weft__canon_lower_flat_values(&dc, max_flat, &field, 1, &back, NULL, out, &n);
        }
        snprintf(msg[pass], sizeof msg[pass], "%s", e ? weft_error_message(e) : "");
        weft_error_delete(e);
        ncalls[pass] = gd.ncalls;
        nout[pass] = e ? 0 : n;
        memcpy(outs[pass], out, sizeof out);
        if (pass == 1) {
            bool same = !strcmp(msg[0], msg[1]) && ncalls[0] == ncalls[1] &&
                        memcmp(m2, m3, MEM) == 0 && nout[0] == nout[1];
            for (uint32_t i = 0; same && i < nout[0]; i++)
                same = outs[0][i].kind == outs[1][i].kind && outs[0][i].of.i64 == outs[1][i].of.i64;
            if (!same) {
                fprintf(stderr, "fused copy differs: \"%s\" vs \"%s\"\n", msg[0], msg[1]);
                abort();
            }
        }
    }
out:
    weft__handles_free(&h1);
    weft__handles_free(&h2);
    weft__handles_free(&h3);
    weft__cval_arena_reset(&ar);
    free(m1);
    free(m2);
    free(m3);
    weft_ty_arena_free(ta);
    return 0;
}
