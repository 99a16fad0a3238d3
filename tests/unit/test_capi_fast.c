/* test_capi_fast.c - linker definitions by full import name ("instance#name") and the typed
 * scalar call path weft_component_func_call_scalar(): value checks, lifting rules, poisoning
 * and refusals. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "weft.h"
#include "test_util.h"

#define EXPECT_ERR(call, kind, part) CHECK(test_is_err((call), (kind), (part)))

/*
 * (component
 *   (import "t:x/y@0.1.0" (instance $i (export "get" (func (param "a" u32) (result u32)))))
 *   (import "top" (func $top (result u32)))
 *   (alias export $i "get" (func $get))
 *   (core func $cget (canon lower (func $get)))
 *   (core func $ctop (canon lower (func $top)))
 *   (core module $M
 *     (import "h" "get" (func $get (param i32) (result i32)))
 *     (import "h" "top" (func $top (result i32)))
 *     (func (export "id32") (param i32) (result i32) local.get 0)
 *     (func (export "inc") (param i32) (result i32) local.get 0 i32.const 1 i32.add)
 *     (func (export "id64") (param i64) (result i64) local.get 0)
 *     (func (export "f32") (param f32) (result f32) local.get 0)
 *     (func (export "f64") (param f64) (result f64) local.get 0)
 *     (func (export "badchr") (result i32) i32.const 0xD800)
 *     (func (export "boom") unreachable)
 *     (func (export "viaget") (param i32) (result i32) local.get 0 call $get call $top i32.add)
 *   )
 *   (core instance $h (export "get" (func $cget)) (export "top" (func $ctop)))
 *   (core instance $m (instantiate $M (with "h" (instance $h))))
 *   (func (export "chr") (param "c" char) (result char) (canon lift (core func $m "id32")))
 *   (func (export "bool") (param "b" bool) (result bool) (canon lift (core func $m "id32")))
 *   (func (export "s8inc") (param "v" s8) (result s8) (canon lift (core func $m "inc")))
 *   (func (export "u8inc") (param "v" u8) (result u8) (canon lift (core func $m "inc")))
 *   (func (export "u16id") (param "v" u16) (result u16) (canon lift (core func $m "id32")))
 *   (func (export "u64id") (param "v" u64) (result u64) (canon lift (core func $m "id64")))
 *   (func (export "f32id") (param "v" f32) (result f32) (canon lift (core func $m "f32")))
 *   (func (export "f64id") (param "v" f64) (result f64) (canon lift (core func $m "f64")))
 *   (func (export "badchr") (result char) (canon lift (core func $m "badchr")))
 *   (func (export "boom") (canon lift (core func $m "boom")))
 *   (func (export "viaget") (param "v" u32) (result u32) (canon lift (core func $m "viaget")))
 * ) */
static const uint8_t cfast[] = {
    0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00, 0x07, 0x13, 0x01, 0x42, 0x02, 0x01, 0x40, 0x01,
    0x01, 0x61, 0x79, 0x00, 0x79, 0x04, 0x00, 0x03, 0x67, 0x65, 0x74, 0x01, 0x00, 0x0a, 0x10, 0x01,
    0x00, 0x0b, 0x74, 0x3a, 0x78, 0x2f, 0x79, 0x40, 0x30, 0x2e, 0x31, 0x2e, 0x30, 0x05, 0x00, 0x07,
    0x05, 0x01, 0x40, 0x00, 0x00, 0x79, 0x0a, 0x08, 0x01, 0x00, 0x03, 0x74, 0x6f, 0x70, 0x01, 0x01,
    0x06, 0x08, 0x01, 0x01, 0x00, 0x00, 0x03, 0x67, 0x65, 0x74, 0x08, 0x09, 0x02, 0x01, 0x00, 0x01,
    0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0xcc, 0x01, 0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    0x01, 0x1c, 0x06, 0x60, 0x01, 0x7f, 0x01, 0x7f, 0x60, 0x00, 0x01, 0x7f, 0x60, 0x01, 0x7e, 0x01,
    0x7e, 0x60, 0x01, 0x7d, 0x01, 0x7d, 0x60, 0x01, 0x7c, 0x01, 0x7c, 0x60, 0x00, 0x00, 0x02, 0x11,
    0x02, 0x01, 0x68, 0x03, 0x67, 0x65, 0x74, 0x00, 0x00, 0x01, 0x68, 0x03, 0x74, 0x6f, 0x70, 0x00,
    0x01, 0x03, 0x09, 0x08, 0x00, 0x00, 0x02, 0x03, 0x04, 0x01, 0x05, 0x00, 0x07, 0x3a, 0x08, 0x04,
    0x69, 0x64, 0x33, 0x32, 0x00, 0x02, 0x03, 0x69, 0x6e, 0x63, 0x00, 0x03, 0x04, 0x69, 0x64, 0x36,
    0x34, 0x00, 0x04, 0x03, 0x66, 0x33, 0x32, 0x00, 0x05, 0x03, 0x66, 0x36, 0x34, 0x00, 0x06, 0x06,
    0x62, 0x61, 0x64, 0x63, 0x68, 0x72, 0x00, 0x07, 0x04, 0x62, 0x6f, 0x6f, 0x6d, 0x00, 0x08, 0x06,
    0x76, 0x69, 0x61, 0x67, 0x65, 0x74, 0x00, 0x09, 0x0a, 0x32, 0x08, 0x04, 0x00, 0x20, 0x00, 0x0b,
    0x07, 0x00, 0x20, 0x00, 0x41, 0x01, 0x6a, 0x0b, 0x04, 0x00, 0x20, 0x00, 0x0b, 0x04, 0x00, 0x20,
    0x00, 0x0b, 0x04, 0x00, 0x20, 0x00, 0x0b, 0x06, 0x00, 0x41, 0x80, 0xb0, 0x03, 0x0b, 0x03, 0x00,
    0x00, 0x0b, 0x09, 0x00, 0x20, 0x00, 0x10, 0x00, 0x10, 0x01, 0x6a, 0x0b, 0x00, 0x16, 0x04, 0x6e,
    0x61, 0x6d, 0x65, 0x00, 0x02, 0x01, 0x4d, 0x01, 0x0b, 0x02, 0x00, 0x03, 0x67, 0x65, 0x74, 0x01,
    0x03, 0x74, 0x6f, 0x70, 0x02, 0x16, 0x02, 0x01, 0x02, 0x03, 0x67, 0x65, 0x74, 0x00, 0x00, 0x03,
    0x74, 0x6f, 0x70, 0x00, 0x01, 0x00, 0x00, 0x01, 0x01, 0x68, 0x12, 0x00, 0x07, 0x08, 0x01, 0x40,
    0x01, 0x01, 0x63, 0x74, 0x00, 0x74, 0x06, 0x0a, 0x01, 0x00, 0x00, 0x01, 0x01, 0x04, 0x69, 0x64,
    0x33, 0x32, 0x08, 0x06, 0x01, 0x00, 0x00, 0x02, 0x00, 0x02, 0x07, 0x08, 0x01, 0x40, 0x01, 0x01,
    0x62, 0x7f, 0x00, 0x7f, 0x06, 0x0a, 0x01, 0x00, 0x00, 0x01, 0x01, 0x04, 0x69, 0x64, 0x33, 0x32,
    0x08, 0x06, 0x01, 0x00, 0x00, 0x03, 0x00, 0x03, 0x07, 0x08, 0x01, 0x40, 0x01, 0x01, 0x76, 0x7e,
    0x00, 0x7e, 0x06, 0x09, 0x01, 0x00, 0x00, 0x01, 0x01, 0x03, 0x69, 0x6e, 0x63, 0x08, 0x06, 0x01,
    0x00, 0x00, 0x04, 0x00, 0x04, 0x07, 0x08, 0x01, 0x40, 0x01, 0x01, 0x76, 0x7d, 0x00, 0x7d, 0x06,
    0x09, 0x01, 0x00, 0x00, 0x01, 0x01, 0x03, 0x69, 0x6e, 0x63, 0x08, 0x06, 0x01, 0x00, 0x00, 0x05,
    0x00, 0x05, 0x07, 0x08, 0x01, 0x40, 0x01, 0x01, 0x76, 0x7b, 0x00, 0x7b, 0x06, 0x0a, 0x01, 0x00,
    0x00, 0x01, 0x01, 0x04, 0x69, 0x64, 0x33, 0x32, 0x08, 0x06, 0x01, 0x00, 0x00, 0x06, 0x00, 0x06,
    0x07, 0x08, 0x01, 0x40, 0x01, 0x01, 0x76, 0x77, 0x00, 0x77, 0x06, 0x0a, 0x01, 0x00, 0x00, 0x01,
    0x01, 0x04, 0x69, 0x64, 0x36, 0x34, 0x08, 0x06, 0x01, 0x00, 0x00, 0x07, 0x00, 0x07, 0x07, 0x08,
    0x01, 0x40, 0x01, 0x01, 0x76, 0x76, 0x00, 0x76, 0x06, 0x09, 0x01, 0x00, 0x00, 0x01, 0x01, 0x03,
    0x66, 0x33, 0x32, 0x08, 0x06, 0x01, 0x00, 0x00, 0x08, 0x00, 0x08, 0x07, 0x08, 0x01, 0x40, 0x01,
    0x01, 0x76, 0x75, 0x00, 0x75, 0x06, 0x09, 0x01, 0x00, 0x00, 0x01, 0x01, 0x03, 0x66, 0x36, 0x34,
    0x08, 0x06, 0x01, 0x00, 0x00, 0x09, 0x00, 0x09, 0x07, 0x05, 0x01, 0x40, 0x00, 0x00, 0x74, 0x06,
    0x0c, 0x01, 0x00, 0x00, 0x01, 0x01, 0x06, 0x62, 0x61, 0x64, 0x63, 0x68, 0x72, 0x08, 0x06, 0x01,
    0x00, 0x00, 0x0a, 0x00, 0x0a, 0x07, 0x05, 0x01, 0x40, 0x00, 0x01, 0x00, 0x06, 0x0a, 0x01, 0x00,
    0x00, 0x01, 0x01, 0x04, 0x62, 0x6f, 0x6f, 0x6d, 0x08, 0x06, 0x01, 0x00, 0x00, 0x0b, 0x00, 0x0b,
    0x07, 0x08, 0x01, 0x40, 0x01, 0x01, 0x76, 0x79, 0x00, 0x79, 0x06, 0x0c, 0x01, 0x00, 0x00, 0x01,
    0x01, 0x06, 0x76, 0x69, 0x61, 0x67, 0x65, 0x74, 0x08, 0x06, 0x01, 0x00, 0x00, 0x0c, 0x00, 0x0c,
    0x0b, 0x6d, 0x0b, 0x00, 0x03, 0x63, 0x68, 0x72, 0x01, 0x02, 0x00, 0x00, 0x04, 0x62, 0x6f, 0x6f,
    0x6c, 0x01, 0x03, 0x00, 0x00, 0x05, 0x73, 0x38, 0x69, 0x6e, 0x63, 0x01, 0x04, 0x00, 0x00, 0x05,
    0x75, 0x38, 0x69, 0x6e, 0x63, 0x01, 0x05, 0x00, 0x00, 0x05, 0x75, 0x31, 0x36, 0x69, 0x64, 0x01,
    0x06, 0x00, 0x00, 0x05, 0x75, 0x36, 0x34, 0x69, 0x64, 0x01, 0x07, 0x00, 0x00, 0x05, 0x66, 0x33,
    0x32, 0x69, 0x64, 0x01, 0x08, 0x00, 0x00, 0x05, 0x66, 0x36, 0x34, 0x69, 0x64, 0x01, 0x09, 0x00,
    0x00, 0x06, 0x62, 0x61, 0x64, 0x63, 0x68, 0x72, 0x01, 0x0a, 0x00, 0x00, 0x04, 0x62, 0x6f, 0x6f,
    0x6d, 0x01, 0x0b, 0x00, 0x00, 0x06, 0x76, 0x69, 0x61, 0x67, 0x65, 0x74, 0x01, 0x0c, 0x00, 0x00,
    0x48, 0x0e, 0x63, 0x6f, 0x6d, 0x70, 0x6f, 0x6e, 0x65, 0x6e, 0x74, 0x2d, 0x6e, 0x61, 0x6d, 0x65,
    0x01, 0x0f, 0x00, 0x00, 0x02, 0x00, 0x04, 0x63, 0x67, 0x65, 0x74, 0x01, 0x04, 0x63, 0x74, 0x6f,
    0x70, 0x01, 0x06, 0x00, 0x11, 0x01, 0x00, 0x01, 0x4d, 0x01, 0x09, 0x00, 0x12, 0x02, 0x00, 0x01,
    0x68, 0x01, 0x01, 0x6d, 0x01, 0x0c, 0x01, 0x02, 0x00, 0x03, 0x74, 0x6f, 0x70, 0x01, 0x03, 0x67,
    0x65, 0x74, 0x01, 0x05, 0x05, 0x01, 0x00, 0x01, 0x69,
};

static weft_error_t *h_get(void *env, weft_store_t *store, const weft_cval_t *args, size_t nargs,
                           weft_cval_t *results, size_t nresults, weft_cval_arena_t *arena)
{
    (void)env, (void)store, (void)nargs, (void)nresults, (void)arena;
    results[0].kind = WEFT_CVAL_U32;
    results[0].u.u = args[0].u.u * 10u;
    return NULL;
}

static weft_error_t *h_top(void *env, weft_store_t *store, const weft_cval_t *args, size_t nargs,
                           weft_cval_t *results, size_t nresults, weft_cval_arena_t *arena)
{
    (void)env, (void)store, (void)args, (void)nargs, (void)nresults, (void)arena;
    results[0].kind = WEFT_CVAL_U32;
    results[0].u.u = 7;
    return NULL;
}

static int frees;
static void count_free(void *env)
{
    (void)env;
    frees++;
}

#define S(lit) lit, sizeof lit - 1

static weft_component_linker_t *make_linker(weft_engine_t *engine)
{
    weft_component_linker_t *l = weft_component_linker_new(engine);
    if (!l) return NULL;
    CHECK(test_ok(weft_component_linker_define_func_full(l, S("t:x/y@0.1.0#get"), h_get, NULL,
                                                         NULL)));
    CHECK(test_ok(weft_component_linker_define_func_full(l, S("top"), h_top, NULL, NULL)));
    return l;
}

static void test_full_names(weft_engine_t *engine)
{
    weft_component_linker_t *l = weft_component_linker_new(engine);
    CHECK(l != NULL);
    frees = 0;
    EXPECT_ERR(weft_component_linker_define_func_full(l, S("#get"), h_get, NULL, count_free),
               WEFT_ERROR_INVALID_ARG, "empty instance name");
    EXPECT_ERR(weft_component_linker_define_func_full(l, S("a:b/c#"), h_get, NULL, count_free),
               WEFT_ERROR_INVALID_ARG, "empty function");
    EXPECT_ERR(weft_component_linker_define_func_full(l, "", 0, h_get, NULL, count_free),
               WEFT_ERROR_INVALID_ARG, "empty import name");
    EXPECT_ERR(weft_component_linker_define_func_full(l, NULL, 3, h_get, NULL, count_free),
               WEFT_ERROR_INVALID_ARG, "NULL name");
    EXPECT_ERR(weft_component_linker_define_func_full(NULL, S("a#b"), h_get, NULL, count_free),
               WEFT_ERROR_INVALID_ARG, NULL);
    CHECK(frees == 5); /* env_free on every failure */
    EXPECT_ERR(weft_component_linker_define_resource_full(l, S("x#"), NULL, NULL),
               WEFT_ERROR_INVALID_ARG, "empty function");
    EXPECT_ERR(weft_component_linker_define_async_func_full(l, S("#f"), NULL, NULL, count_free),
               WEFT_ERROR_INVALID_ARG, "empty instance name");
    CHECK(frees == 6);
    /* The last '#' splits: "a#b#c" is function "c" of instance "a#b". */
    CHECK(test_ok(weft_component_linker_define_resource_full(l, S("a#b#c"), NULL, NULL)));
    weft_component_linker_delete(l);

    /* Full-name definitions satisfy an instance import and a top-level one. */
    l = make_linker(engine);
    weft_store_t *store = weft_store_new(engine);
    weft_component_t *comp = NULL;
    weft_component_instance_t *inst = NULL;
    CHECK(store && test_ok(weft_component_new(engine, cfast, sizeof cfast, &comp)));
    CHECK(test_ok(weft_component_instance_new(store, comp, l, &inst)));
    weft_component_func_t *f = NULL;
    CHECK(weft_component_instance_func(inst, S("viaget"), &f));
    weft_val_t a = {.kind = WEFT_I32, .of.i32 = 4}, r;
    CHECK(test_ok(weft_component_func_call_scalar(store, f, &a, 1, &r, 1)) && r.of.i32 == 47);
    weft_store_delete(store);
    weft_component_delete(comp);
    weft_component_linker_delete(l);
}

typedef struct fx {
    weft_store_t *store;
    weft_component_t *comp;
    weft_component_instance_t *inst;
    weft_component_linker_t *linker;
} fx_t;

static bool fx_open(fx_t *fx, weft_engine_t *engine)
{
    memset(fx, 0, sizeof *fx);
    fx->store = weft_store_new(engine);
    fx->linker = make_linker(engine);
    if (!fx->store || !fx->linker) return false;
    if (!test_ok(weft_component_new(engine, cfast, sizeof cfast, &fx->comp))) return false;
    return test_ok(weft_component_instance_new(fx->store, fx->comp, fx->linker, &fx->inst));
}

static void fx_close(fx_t *fx)
{
    weft_store_delete(fx->store);
    weft_component_delete(fx->comp);
    weft_component_linker_delete(fx->linker);
}

static weft_component_func_t *fn(const fx_t *fx, const char *name)
{
    weft_component_func_t *f = NULL;
    if (!weft_component_instance_func(fx->inst, name, strlen(name), &f))
        fprintf(stderr, "  no export %s\n", name);
    return f;
}

static weft_val_t i32(int32_t x)
{
    weft_val_t v;
    memset(&v, 0, sizeof v);
    v.kind = WEFT_I32;
    v.of.i32 = x;
    return v;
}

/* Calls the one-parameter function `name` with `arg`; the result in *res. */
static weft_error_t *call1(const fx_t *fx, const char *name, weft_val_t arg, weft_val_t *res)
{
    memset(res, 0, sizeof *res);
    return weft_component_func_call_scalar(fx->store, fn(fx, name), &arg, 1, res, 1);
}

static void test_scalar(weft_engine_t *engine)
{
    fx_t fx;
    CHECK(fx_open(&fx, engine));
    weft_val_t r;
    /* integers wrap to their type on lift */
    CHECK(test_ok(call1(&fx, "u8inc", i32(255), &r)) && r.kind == WEFT_I32 && r.of.i32 == 0);
    CHECK(test_ok(call1(&fx, "s8inc", i32(127), &r)) && r.of.i32 == -128);
    CHECK(test_ok(call1(&fx, "s8inc", i32(-2), &r)) && r.of.i32 == -1);
    CHECK(test_ok(call1(&fx, "u16id", i32(65535), &r)) && r.of.i32 == 65535);
    /* bools are normalised both ways */
    CHECK(test_ok(call1(&fx, "bool", i32(42), &r)) && r.of.i32 == 1);
    CHECK(test_ok(call1(&fx, "bool", i32(0), &r)) && r.of.i32 == 0);
    /* chars */
    CHECK(test_ok(call1(&fx, "chr", i32(0x1F600), &r)) && r.of.i32 == 0x1F600);
    /* 64-bit and floats; NaNs canonical */
    weft_val_t v = {.kind = WEFT_I64, .of.i64 = INT64_MIN};
    CHECK(test_ok(call1(&fx, "u64id", v, &r)) && r.kind == WEFT_I64 && r.of.i64 == INT64_MIN);
    v.kind = WEFT_F32;
    v.of.f32 = 0x7fa00001u; /* a signalling NaN with payload */
    CHECK(test_ok(call1(&fx, "f32id", v, &r)) && r.kind == WEFT_F32 && r.of.f32 == 0x7fc00000u);
    v.of.f32 = 0x3f800000u;
    CHECK(test_ok(call1(&fx, "f32id", v, &r)) && r.of.f32 == 0x3f800000u);
    v.kind = WEFT_F64;
    v.of.f64 = 0xfff0000000000001ull;
    CHECK(test_ok(call1(&fx, "f64id", v, &r)) && r.of.f64 == 0x7ff8000000000000ull);

    /* argument errors: no call is made, the instance stays usable */
    EXPECT_ERR(call1(&fx, "u8inc", i32(256), &r), WEFT_ERROR_INVALID_ARG, "argument 0");
    EXPECT_ERR(call1(&fx, "u8inc", i32(-1), &r), WEFT_ERROR_INVALID_ARG, "u8");
    EXPECT_ERR(call1(&fx, "s8inc", i32(128), &r), WEFT_ERROR_INVALID_ARG, NULL);
    EXPECT_ERR(call1(&fx, "u16id", i32(65536), &r), WEFT_ERROR_INVALID_ARG, NULL);
    EXPECT_ERR(call1(&fx, "chr", i32(0xD800), &r), WEFT_ERROR_INVALID_ARG, "char");
    EXPECT_ERR(call1(&fx, "chr", i32(0x110000), &r), WEFT_ERROR_INVALID_ARG, NULL);
    v.kind = WEFT_I32;
    EXPECT_ERR(call1(&fx, "u64id", v, &r), WEFT_ERROR_INVALID_ARG, NULL); /* kind mismatch */
    weft_val_t two[2] = {i32(1), i32(2)};
    EXPECT_ERR(weft_component_func_call_scalar(fx.store, fn(&fx, "u8inc"), two, 2, &r, 1),
               WEFT_ERROR_INVALID_ARG, "expected 1 arguments");
    EXPECT_ERR(weft_component_func_call_scalar(fx.store, fn(&fx, "u8inc"), two, 1, NULL, 0),
               WEFT_ERROR_INVALID_ARG, NULL);
    EXPECT_ERR(weft_component_func_call_scalar(NULL, fn(&fx, "u8inc"), two, 1, &r, 1),
               WEFT_ERROR_INVALID_ARG, NULL);
    EXPECT_ERR(weft_component_func_call_scalar(fx.store, NULL, two, 1, &r, 1),
               WEFT_ERROR_INVALID_ARG, "scalar");
    CHECK(weft_component_func_is_scalar(fn(&fx, "chr")));
    CHECK(!weft_component_func_is_scalar(NULL));
    /* another store */
    weft_store_t *other = weft_store_new(engine);
    EXPECT_ERR(weft_component_func_call_scalar(other, fn(&fx, "u8inc"), two, 1, &r, 1),
               WEFT_ERROR_INVALID_ARG, "another store");
    weft_store_delete(other);
    CHECK(test_ok(call1(&fx, "u8inc", i32(1), &r)) && r.of.i32 == 2);
    /* the same function through both paths agrees */
    weft_cval_t ca, cr;
    memset(&ca, 0, sizeof ca);
    ca.kind = WEFT_CVAL_U8;
    ca.u.u = 9;
    weft_cval_arena_t *ar0 = weft_cval_arena_new(engine);
    CHECK(test_ok(weft_component_func_call(fx.store, fn(&fx, "u8inc"), &ca, 1, &cr, 1, ar0)) &&
          cr.u.u == 10);
    weft_cval_arena_delete(ar0);
    CHECK(test_ok(call1(&fx, "u8inc", i32(9), &r)) && r.of.i32 == 10);

    /* a char result outside the scalar values traps and poisons */
    EXPECT_ERR(weft_component_func_call_scalar(fx.store, fn(&fx, "badchr"), NULL, 0, &r, 1),
               WEFT_ERROR_TRAP, "invalid `char` bit pattern");
    EXPECT_ERR(call1(&fx, "u8inc", i32(1), &r), WEFT_ERROR_TRAP,
               "cannot enter component instance");
    fx_close(&fx);

    /* a trap poisons for both call paths */
    CHECK(fx_open(&fx, engine));
    weft_error_t *err = weft_component_func_call_scalar(fx.store, fn(&fx, "boom"), NULL, 0, NULL,
                                                        0);
    CHECK(err && weft_error_kind(err) == WEFT_ERROR_TRAP &&
          weft_error_trap_code(err) == WEFT_TRAP_UNREACHABLE &&
          strncmp(weft_error_message(err), "wasm trap: ", 11) == 0);
    weft_error_delete(err);
    ca.u.u = 1;
    weft_cval_arena_t *ar = weft_cval_arena_new(engine);
    EXPECT_ERR(weft_component_func_call(fx.store, fn(&fx, "u8inc"), &ca, 1, &cr, 1, ar),
               WEFT_ERROR_TRAP, "cannot enter component instance");
    EXPECT_ERR(call1(&fx, "u8inc", i32(1), &r), WEFT_ERROR_TRAP,
               "cannot enter component instance");
    weft_cval_arena_delete(ar);
    fx_close(&fx);
}

/* weft_component_new_borrowed: the component reads the caller's bytes (function bodies are
 * translated on their first call, after the component was made) until it and its instances
 * are gone; the buffer is freed only then, so ASan sees any later use. */
static void test_borrowed(weft_engine_t *engine)
{
    uint8_t *bytes = malloc(sizeof cfast);
    CHECK(bytes != NULL);
    if (!bytes) return;
    memcpy(bytes, cfast, sizeof cfast);
    weft_component_linker_t *l = make_linker(engine);
    weft_store_t *store = weft_store_new(engine);
    weft_component_t *comp = NULL;
    weft_component_instance_t *inst = NULL;
    CHECK(store && test_ok(weft_component_new_borrowed(engine, bytes, sizeof cfast, &comp)));
    CHECK(test_ok(weft_component_instance_new(store, comp, l, &inst)));
    weft_component_delete(comp); /* the instance keeps it, and so the bytes stay in use */
    weft_component_func_t *f = NULL;
    CHECK(weft_component_instance_func(inst, S("viaget"), &f));
    weft_val_t a = {.kind = WEFT_I32, .of.i32 = 4}, r;
    CHECK(test_ok(weft_component_func_call_scalar(store, f, &a, 1, &r, 1)) && r.of.i32 == 47);
    weft_store_delete(store);
    weft_component_linker_delete(l);
    free(bytes);

    /* Errors as weft_component_new's: arguments, and a truncated binary (decoded again in
     * full for its error, still without a copy). */
    comp = NULL;
    weft_error_t *err = weft_component_new_borrowed(NULL, cfast, sizeof cfast, &comp);
    CHECK(err && weft_error_kind(err) == WEFT_ERROR_INVALID_ARG && !comp);
    weft_error_delete(err);
    err = weft_component_new_borrowed(engine, NULL, 4, &comp);
    CHECK(err && weft_error_kind(err) == WEFT_ERROR_INVALID_ARG && !comp);
    weft_error_delete(err);
    weft_error_t *e2 = weft_component_new(engine, cfast, sizeof cfast - 3, &comp);
    err = weft_component_new_borrowed(engine, cfast, sizeof cfast - 3, &comp);
    CHECK(err && e2 && weft_error_kind(err) == weft_error_kind(e2) && !comp &&
          weft_error_offset(err) == weft_error_offset(e2) &&
          strcmp(weft_error_message(err), weft_error_message(e2)) == 0);
    weft_error_delete(err);
    weft_error_delete(e2);
}

int main(void)
{
    weft_engine_t *engine = weft_engine_new(NULL);
    if (!engine) return 1;
    test_full_names(engine);
    test_scalar(engine);
    test_borrowed(engine);
    weft_engine_delete(engine);
    return test_report("test_capi_fast");
}
