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
#include "fuzz_values.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

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
