/* test_instance.c - unit tests of the engine, store, module loading, instantiation and linking
 * (Wasm core spec 4.5), and the memory/table/global API. The embedded modules were produced
 * with wat2wasm from the WAT text shown above each array.
 *
 * Every scenario runs on an engine with a counting allocator: when its store, modules and
 * engine are deleted, no block may remain. A final pass makes each allocation fail in turn to
 * check that every failure is reported and leaks nothing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/instance.h"
#include "weft.h"

static int failures;
static int checks;

#define CHECK(cond)                                                                        \
    do {                                                                                   \
        checks++;                                                                          \
        if (!(cond)) {                                                                     \
            failures++;                                                                    \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);      \
        }                                                                                  \
    } while (0)

/* ---- A counting allocator with failure injection ---- */

typedef struct counter {
    long long live_blocks;
    long long live_bytes;
    size_t nallocs;  /* allocations and reallocations attempted */
    size_t fail_at;  /* 0: never; n: the n-th attempt fails */
    bool failed;
} counter_t;

static void *count_alloc(void *ud, void *ptr, size_t old_size, size_t new_size)
{
    counter_t *c = ud;
    if (new_size == 0) {
        if (ptr) {
            c->live_blocks--;
            c->live_bytes -= (long long)old_size;
        }
        free(ptr);
        return NULL;
    }
    c->nallocs++;
    if (c->fail_at && c->nallocs == c->fail_at) {
        c->failed = true;
        return NULL;
    }
    void *p = realloc(ptr, new_size);
    if (!p) return NULL;
    if (!ptr) c->live_blocks++;
    c->live_bytes += (long long)new_size - (long long)(ptr ? old_size : 0);
    return p;
}

static weft_engine_t *counting_engine(counter_t *c, uint64_t max_memory_bytes)
{
    weft_config_t cfg;
    weft_config_init(&cfg);
    cfg.alloc = count_alloc;
    cfg.alloc_ud = c;
    cfg.max_memory_bytes = max_memory_bytes;
    return weft_engine_new(&cfg);
}

static bool starts_with(const weft_error_t *e, const char *prefix)
{
    return e && strncmp(weft_error_message(e), prefix, strlen(prefix)) == 0;
}

static weft_val_t vi32(int32_t x)
{
    weft_val_t v;
    memset(&v, 0, sizeof v);
    v.kind = WEFT_I32;
    v.of.i32 = x;
    return v;
}

static weft_val_t vi64(int64_t x)
{
    weft_val_t v;
    memset(&v, 0, sizeof v);
    v.kind = WEFT_I64;
    v.of.i64 = x;
    return v;
}

static weft_val_t vfunc(weft_func_t *f)
{
    weft_val_t v;
    memset(&v, 0, sizeof v);
    v.kind = WEFT_FUNCREF;
    v.of.funcref = f;
    return v;
}

static weft_val_t vextern(void *p)
{
    weft_val_t v;
    memset(&v, 0, sizeof v);
    v.kind = WEFT_EXTERNREF;
    v.of.externref = p;
    return v;
}

static weft_module_t *load(weft_engine_t *e, const uint8_t *b, size_t n)
{
    weft_module_t *m = NULL;
    weft_error_t *err = weft_module_new(e, b, n, &m);
    if (err) {
        fprintf(stderr, "module_new: %s\n", weft_error_message(err));
        weft_error_delete(err);
        return NULL;
    }
    return m;
}

static weft_func_t *export_func(weft_instance_t *inst, const char *name)
{
    weft_extern_t x;
    if (!weft_instance_export(inst, name, strlen(name), &x) || x.kind != WEFT_EXTERN_FUNC) {
        return NULL;
    }
    return x.of.func;
}

static weft_global_t *export_global(weft_instance_t *inst, const char *name)
{
    weft_extern_t x;
    if (!weft_instance_export(inst, name, strlen(name), &x) || x.kind != WEFT_EXTERN_GLOBAL) {
        return NULL;
    }
    return x.of.global;
}

static weft_table_t *export_table(weft_instance_t *inst, const char *name)
{
    weft_extern_t x;
    if (!weft_instance_export(inst, name, strlen(name), &x) || x.kind != WEFT_EXTERN_TABLE) {
        return NULL;
    }
    return x.of.table;
}

static weft_memory_t *export_memory(weft_instance_t *inst, const char *name)
{
    weft_extern_t x;
    if (!weft_instance_export(inst, name, strlen(name), &x) || x.kind != WEFT_EXTERN_MEMORY) {
        return NULL;
    }
    return x.of.memory;
}

/* Host function (i32, i32) -> i32 adding its arguments; env counts calls. */
static weft_error_t *host_add(void *env, weft_caller_t *caller, const weft_val_t *args,
                              size_t nargs, weft_val_t *results, size_t nresults)
{
    (void)caller;
    if (env) (*(int *)env)++;
    if (nargs != 2 || nresults != 1) return NULL;
    results[0].of.i32 = (int32_t)((uint32_t)args[0].of.i32 + (uint32_t)args[1].of.i32);
    return NULL;
}

/* Host function (i32) -> i32 returning its argument plus one. */
static weft_error_t *host_inc(void *env, weft_caller_t *caller, const weft_val_t *args,
                              size_t nargs, weft_val_t *results, size_t nresults)
{
    (void)env;
    (void)caller;
    if (nargs == 1 && nresults == 1) results[0].of.i32 = args[0].of.i32 + 1;
    return NULL;
}

static void env_release(void *env)
{
    (*(int *)env) += 1000;
}

/*
 * (module
 *   (import "env" "f" (func $f (param i32) (result i32)))
 *   (import "env" "mem" (memory 1 4))
 *   (import "env" "tab" (table 2 funcref))
 *   (import "env" "g" (global $g (mut i32)))
 *   (import "env" "c" (global $c i64))
 *   (global $d (export "d") i64 (global.get $c))
 *   (func $id (export "id") (param i32) (result i32) (local.get 0))
 *   (elem (i32.const 1) $id)
 *   (data (i32.const 3) "abc")
 *   (export "f" (func $f))
 *   (export "mem" (memory 0))
 *   (export "tab" (table 0))
 *   (export "g" (global $g)))
 */
static const uint8_t imports_wasm[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x06, 0x01, 0x60,
    0x01, 0x7f, 0x01, 0x7f, 0x02, 0x33, 0x05, 0x03, 0x65, 0x6e, 0x76, 0x01,
    0x66, 0x00, 0x00, 0x03, 0x65, 0x6e, 0x76, 0x03, 0x6d, 0x65, 0x6d, 0x02,
    0x01, 0x01, 0x04, 0x03, 0x65, 0x6e, 0x76, 0x03, 0x74, 0x61, 0x62, 0x01,
    0x70, 0x00, 0x02, 0x03, 0x65, 0x6e, 0x76, 0x01, 0x67, 0x03, 0x7f, 0x01,
    0x03, 0x65, 0x6e, 0x76, 0x01, 0x63, 0x03, 0x7e, 0x00, 0x03, 0x02, 0x01,
    0x00, 0x06, 0x06, 0x01, 0x7e, 0x00, 0x23, 0x01, 0x0b, 0x07, 0x1e, 0x06,
    0x01, 0x64, 0x03, 0x02, 0x02, 0x69, 0x64, 0x00, 0x01, 0x01, 0x66, 0x00,
    0x00, 0x03, 0x6d, 0x65, 0x6d, 0x02, 0x00, 0x03, 0x74, 0x61, 0x62, 0x01,
    0x00, 0x01, 0x67, 0x03, 0x00, 0x09, 0x07, 0x01, 0x00, 0x41, 0x01, 0x0b,
    0x01, 0x01, 0x0a, 0x06, 0x01, 0x04, 0x00, 0x20, 0x00, 0x0b, 0x0b, 0x09,
    0x01, 0x00, 0x41, 0x03, 0x0b, 0x03, 0x61, 0x62, 0x63,
};

/*
 * (module
 *   (type $v (func))
 *   (func $a (export "a"))
 *   (func $b (export "b"))
 *   (memory (export "mem") 1 2)
 *   (table (export "tab") 4 8 funcref)
 *   (global (export "gv") v128 (v128.const i32x4 1 2 3 4))
 *   (global (export "gf") funcref (ref.func $b))
 *   (global (export "gn") externref (ref.null extern))
 *   (global (export "gm") (mut f64) (f64.const 1.5))
 *   (elem (i32.const 0) $a $b)
 *   (elem (table 0) (i32.const 3) funcref (ref.func $b))
 *   (elem $p funcref (ref.func $a) (ref.null func))
 *   (elem declare func $a)
 *   (data (i32.const 16) "hello")
 *   (data (i32.const 65534) "xy")
 *   (data $q "passive"))
 */
static const uint8_t segments_wasm[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x04, 0x01, 0x60,
    0x00, 0x00, 0x03, 0x03, 0x02, 0x00, 0x00, 0x04, 0x05, 0x01, 0x70, 0x01,
    0x04, 0x08, 0x05, 0x04, 0x01, 0x01, 0x01, 0x02, 0x06, 0x2c, 0x04, 0x7b,
    0x00, 0xfd, 0x0c, 0x01, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x03,
    0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0x0b, 0x70, 0x00, 0xd2, 0x01,
    0x0b, 0x6f, 0x00, 0xd0, 0x6f, 0x0b, 0x7c, 0x01, 0x44, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0xf8, 0x3f, 0x0b, 0x07, 0x29, 0x08, 0x01, 0x61, 0x00,
    0x00, 0x01, 0x62, 0x00, 0x01, 0x03, 0x6d, 0x65, 0x6d, 0x02, 0x00, 0x03,
    0x74, 0x61, 0x62, 0x01, 0x00, 0x02, 0x67, 0x76, 0x03, 0x00, 0x02, 0x67,
    0x66, 0x03, 0x01, 0x02, 0x67, 0x6e, 0x03, 0x02, 0x02, 0x67, 0x6d, 0x03,
    0x03, 0x09, 0x1b, 0x04, 0x00, 0x41, 0x00, 0x0b, 0x02, 0x00, 0x01, 0x00,
    0x41, 0x03, 0x0b, 0x01, 0x01, 0x05, 0x70, 0x02, 0xd2, 0x00, 0x0b, 0xd0,
    0x70, 0x0b, 0x03, 0x00, 0x01, 0x00, 0x0a, 0x07, 0x02, 0x02, 0x00, 0x0b,
    0x02, 0x00, 0x0b, 0x0b, 0x1d, 0x03, 0x00, 0x41, 0x10, 0x0b, 0x05, 0x68,
    0x65, 0x6c, 0x6c, 0x6f, 0x00, 0x41, 0xfe, 0xff, 0x03, 0x0b, 0x02, 0x78,
    0x79, 0x01, 0x07, 0x70, 0x61, 0x73, 0x73, 0x69, 0x76, 0x65,
};

/*
 * (module
 *   (import "env" "mem" (memory 1))
 *   (import "env" "tab" (table 4 funcref))
 *   (func $f)
 *   (elem (i32.const 0) $f)
 *   (elem (i32.const 3) $f $f)
 *   (data (i32.const 0) "abc"))
 */
static const uint8_t partial_wasm[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x04, 0x01, 0x60,
    0x00, 0x00, 0x02, 0x18, 0x02, 0x03, 0x65, 0x6e, 0x76, 0x03, 0x6d, 0x65,
    0x6d, 0x02, 0x00, 0x01, 0x03, 0x65, 0x6e, 0x76, 0x03, 0x74, 0x61, 0x62,
    0x01, 0x70, 0x00, 0x04, 0x03, 0x02, 0x01, 0x00, 0x09, 0x0e, 0x02, 0x00,
    0x41, 0x00, 0x0b, 0x01, 0x00, 0x00, 0x41, 0x03, 0x0b, 0x02, 0x00, 0x00,
    0x0a, 0x04, 0x01, 0x02, 0x00, 0x0b, 0x0b, 0x09, 0x01, 0x00, 0x41, 0x00,
    0x0b, 0x03, 0x61, 0x62, 0x63,
};

/*
 * (module
 *   (import "env" "mem" (memory 1))
 *   (data (i32.const 0) "abc")
 *   (data (i32.const 65535) "zz"))
 */
static const uint8_t partial_data_wasm[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x02, 0x0c, 0x01, 0x03,
    0x65, 0x6e, 0x76, 0x03, 0x6d, 0x65, 0x6d, 0x02, 0x00, 0x01, 0x0b, 0x12,
    0x02, 0x00, 0x41, 0x00, 0x0b, 0x03, 0x61, 0x62, 0x63, 0x00, 0x41, 0xff,
    0xff, 0x03, 0x0b, 0x02, 0x7a, 0x7a,
};

/*
 * (module
 *   (memory (export "mem") 1)
 *   (global $g (export "g") (mut i32) (i32.const 0))
 *   (func $s (i32.store (i32.const 8) (i32.const 42)) (global.set $g (i32.const 7)))
 *   (start $s))
 */
static const uint8_t start_wasm[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x04, 0x01, 0x60,
    0x00, 0x00, 0x03, 0x02, 0x01, 0x00, 0x05, 0x03, 0x01, 0x00, 0x01, 0x06,
    0x06, 0x01, 0x7f, 0x01, 0x41, 0x00, 0x0b, 0x07, 0x0b, 0x02, 0x03, 0x6d,
    0x65, 0x6d, 0x02, 0x00, 0x01, 0x67, 0x03, 0x00, 0x08, 0x01, 0x00, 0x0a,
    0x0f, 0x01, 0x0d, 0x00, 0x41, 0x08, 0x41, 0x2a, 0x36, 0x02, 0x00, 0x41,
    0x07, 0x24, 0x00, 0x0b,
};

/*
 * (module
 *   (import "env" "mem" (memory 1))
 *   (data (i32.const 0) "z")
 *   (func $s (i32.store8 (i32.const 1) (i32.const 121)) unreachable)
 *   (start $s))
 */
static const uint8_t start_trap_wasm[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x04, 0x01, 0x60,
    0x00, 0x00, 0x02, 0x0c, 0x01, 0x03, 0x65, 0x6e, 0x76, 0x03, 0x6d, 0x65,
    0x6d, 0x02, 0x00, 0x01, 0x03, 0x02, 0x01, 0x00, 0x08, 0x01, 0x00, 0x0a,
    0x0d, 0x01, 0x0b, 0x00, 0x41, 0x01, 0x41, 0xf9, 0x00, 0x3a, 0x00, 0x00,
    0x00, 0x0b, 0x0b, 0x07, 0x01, 0x00, 0x41, 0x00, 0x0b, 0x01, 0x7a,
};

/*
 * (module
 *   (import "env" "add" (func $add (param i32 i32) (result i32)))
 *   (func (export "run") (param i32) (result i32)
 *     (call $add (local.get 0) (i32.const 100))))
 */
static const uint8_t hostcall_wasm[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x0c, 0x02, 0x60,
    0x02, 0x7f, 0x7f, 0x01, 0x7f, 0x60, 0x01, 0x7f, 0x01, 0x7f, 0x02, 0x0b,
    0x01, 0x03, 0x65, 0x6e, 0x76, 0x03, 0x61, 0x64, 0x64, 0x00, 0x00, 0x03,
    0x02, 0x01, 0x01, 0x07, 0x07, 0x01, 0x03, 0x72, 0x75, 0x6e, 0x00, 0x01,
    0x0a, 0x0b, 0x01, 0x09, 0x00, 0x20, 0x00, 0x41, 0xe4, 0x00, 0x10, 0x00,
    0x0b,
};

/* ---- Scenarios ---- */

static void test_config(void)
{
    weft_config_t c;
    memset(&c, 0xAB, sizeof c);
    weft_config_init(&c);
    CHECK(c.max_call_depth == WEFT_DEFAULT_MAX_CALL_DEPTH);
    CHECK(c.max_stack_bytes == WEFT_DEFAULT_MAX_STACK_BYTES);
    CHECK(c.max_memory_bytes == 0);

    /* Zeroed fields mean defaults; NULL config means defaults. */
    weft_config_t z;
    memset(&z, 0, sizeof z);
    weft_engine_t *e = weft_engine_new(&z);
    CHECK(e && e->config.alloc && e->config.max_call_depth == WEFT_DEFAULT_MAX_CALL_DEPTH &&
          e->config.max_stack_bytes == WEFT_DEFAULT_MAX_STACK_BYTES);
    weft_engine_delete(e);
    e = weft_engine_new(NULL);
    CHECK(e != NULL);
    weft_store_t *s = weft_store_new(e);
    CHECK(s != NULL);
    weft_store_delete(s);
    weft_engine_delete(e);
    weft_engine_delete(NULL);
    weft_store_delete(NULL);
    weft_module_delete(NULL);
}

static void test_module_info(weft_engine_t *e)
{
    weft_module_t *m = load(e, imports_wasm, sizeof imports_wasm);
    CHECK(m != NULL);
    if (!m) return;
    CHECK(weft_module_import_count(m) == 5);
    weft_extern_desc_t d;
    CHECK(weft_module_import(m, 1, &d) && d.kind == WEFT_EXTERN_MEMORY && d.module_len == 3 &&
          memcmp(d.module, "env", 3) == 0 && d.name_len == 3 && memcmp(d.name, "mem", 3) == 0);
    CHECK(weft_module_import(m, 4, &d) && d.kind == WEFT_EXTERN_GLOBAL);
    CHECK(!weft_module_import(m, 5, &d));
    CHECK(weft_module_export_count(m) == 6);
    CHECK(weft_module_export(m, 0, &d) && d.module == NULL && d.kind == WEFT_EXTERN_GLOBAL &&
          d.name_len == 1 && d.name[0] == 'd');
    CHECK(weft_module_export(m, 1, &d) && d.kind == WEFT_EXTERN_FUNC);
    CHECK(!weft_module_export(m, 6, &d));
    weft_module_delete(m);

    /* Decode errors come back unchanged and free everything. */
    static const uint8_t junk[] = {0x00, 0x61, 0x73, 0x6d, 0x02, 0x00, 0x00, 0x00};
    weft_module_t *bad = (weft_module_t *)1;
    weft_error_t *err = weft_module_new(e, junk, sizeof junk, &bad);
    CHECK(err && weft_error_kind(err) == WEFT_ERROR_DECODE && bad == NULL);
    weft_error_delete(err);
}

/* The import set of imports.wat, built from host objects. */
typedef struct env_set {
    weft_func_t *f;
    weft_memory_t *mem;
    weft_table_t *tab;
    weft_global_t *g, *c;
} env_set_t;

static const weft_valkind_t k_i32[] = {WEFT_I32, WEFT_I32};
static const weft_valkind_t k_i64[] = {WEFT_I64};

static bool make_env(weft_store_t *s, env_set_t *env)
{
    memset(env, 0, sizeof *env);
    env->f = weft_func_new(s, k_i32, 1, k_i32, 1, host_inc, NULL, NULL);
    weft_error_t *err = weft_memory_new(s, 1, 4, true, &env->mem);
    if (!err) err = weft_table_new(s, WEFT_FUNCREF, 2, 0, false, vfunc(NULL), &env->tab);
    if (!err) err = weft_global_new(s, WEFT_I32, true, vi32(5), &env->g);
    if (!err) err = weft_global_new(s, WEFT_I64, false, vi64(77), &env->c);
    weft_error_delete(err);
    return !err && env->f;
}

static void env_externs(const env_set_t *env, weft_extern_t x[5])
{
    x[0].kind = WEFT_EXTERN_FUNC;
    x[0].of.func = env->f;
    x[1].kind = WEFT_EXTERN_MEMORY;
    x[1].of.memory = env->mem;
    x[2].kind = WEFT_EXTERN_TABLE;
    x[2].of.table = env->tab;
    x[3].kind = WEFT_EXTERN_GLOBAL;
    x[3].of.global = env->g;
    x[4].kind = WEFT_EXTERN_GLOBAL;
    x[4].of.global = env->c;
}

/* Instantiates imports.wat with x[slot] replaced by `repl` and checks the link error. */
static void expect_link_error(weft_store_t *s, const weft_module_t *m, const env_set_t *env,
                              int slot, weft_extern_t repl, const char *msg)
{
    weft_extern_t x[5];
    env_externs(env, x);
    x[slot] = repl;
    weft_instance_t *inst = (weft_instance_t *)1;
    weft_error_t *err = weft_instance_new(s, m, x, 5, &inst);
    CHECK(err && weft_error_kind(err) == WEFT_ERROR_LINK && starts_with(err, msg) && !inst);
    if (err && !starts_with(err, msg)) fprintf(stderr, "  got: %s\n", weft_error_message(err));
    weft_error_delete(err);
}

static weft_extern_t xmem(weft_memory_t *mm)
{
    weft_extern_t x = {.kind = WEFT_EXTERN_MEMORY, .of.memory = mm};
    return x;
}

static weft_extern_t xtab(weft_table_t *t)
{
    weft_extern_t x = {.kind = WEFT_EXTERN_TABLE, .of.table = t};
    return x;
}

static weft_extern_t xglob(weft_global_t *g)
{
    weft_extern_t x = {.kind = WEFT_EXTERN_GLOBAL, .of.global = g};
    return x;
}

static weft_extern_t xfunc(weft_func_t *f)
{
    weft_extern_t x = {.kind = WEFT_EXTERN_FUNC, .of.func = f};
    return x;
}

static void test_linking(weft_engine_t *e)
{
    weft_store_t *s = weft_store_new(e);
    weft_module_t *m = load(e, imports_wasm, sizeof imports_wasm);
    env_set_t env;
    CHECK(s && m && make_env(s, &env));
    if (!s || !m || !env.f) goto out;

    weft_extern_t x[5];
    env_externs(&env, x);
    weft_instance_t *inst = NULL;
    weft_error_t *err = weft_instance_new(s, m, x, 4, &inst);
    CHECK(err && weft_error_kind(err) == WEFT_ERROR_LINK && starts_with(err, "unknown import"));
    weft_error_delete(err);

    /* Kinds, then types (Wasm core spec 4.5.2). */
    expect_link_error(s, m, &env, 1, xtab(env.tab), "incompatible import type");
    expect_link_error(s, m, &env, 0, xfunc(NULL), "unknown import");
    expect_link_error(s, m, &env, 1, xmem(NULL), "unknown import");
    weft_func_t *f64 = weft_func_new(s, k_i64, 1, k_i32, 1, host_inc, NULL, NULL);
    weft_func_t *f2 = weft_func_new(s, k_i32, 2, k_i32, 1, host_add, NULL, NULL);
    weft_func_t *fnr = weft_func_new(s, k_i32, 1, NULL, 0, host_inc, NULL, NULL);
    expect_link_error(s, m, &env, 0, xfunc(f64), "incompatible import type");
    expect_link_error(s, m, &env, 0, xfunc(f2), "incompatible import type");
    expect_link_error(s, m, &env, 0, xfunc(fnr), "incompatible import type");

    weft_memory_t *m0, *m_nomax, *m_bigmax, *m_ok, *m_grown;
    weft_error_delete(weft_memory_new(s, 0, 4, true, &m0));
    weft_error_delete(weft_memory_new(s, 1, 0, false, &m_nomax));
    weft_error_delete(weft_memory_new(s, 1, 8, true, &m_bigmax));
    weft_error_delete(weft_memory_new(s, 2, 3, true, &m_ok));
    weft_error_delete(weft_memory_new(s, 0, 4, true, &m_grown));
    expect_link_error(s, m, &env, 1, xmem(m0), "incompatible import type");
    expect_link_error(s, m, &env, 1, xmem(m_nomax), "incompatible import type");
    expect_link_error(s, m, &env, 1, xmem(m_bigmax), "incompatible import type");

    weft_table_t *t_ext, *t_small, *t_max;
    weft_error_delete(weft_table_new(s, WEFT_EXTERNREF, 2, 0, false, vextern(NULL), &t_ext));
    weft_error_delete(weft_table_new(s, WEFT_FUNCREF, 1, 0, false, vfunc(NULL), &t_small));
    weft_error_delete(weft_table_new(s, WEFT_FUNCREF, 3, 5, true, vfunc(NULL), &t_max));
    expect_link_error(s, m, &env, 2, xtab(t_ext), "incompatible import type");
    expect_link_error(s, m, &env, 2, xtab(t_small), "incompatible import type");

    weft_global_t *g_imm, *g_i64, *c_mut;
    weft_error_delete(weft_global_new(s, WEFT_I32, false, vi32(1), &g_imm));
    weft_error_delete(weft_global_new(s, WEFT_I64, true, vi64(1), &g_i64));
    weft_error_delete(weft_global_new(s, WEFT_I64, true, vi64(1), &c_mut));
    expect_link_error(s, m, &env, 3, xglob(g_imm), "incompatible import type");
    expect_link_error(s, m, &env, 3, xglob(g_i64), "incompatible import type");
    expect_link_error(s, m, &env, 4, xglob(c_mut), "incompatible import type");

    /* A memory's current size counts, not its declared minimum. */
    CHECK(weft_memory_grow(m_grown, 1) == 0);
    x[1] = xmem(m_grown);
    err = weft_instance_new(s, m, x, 5, &inst);
    CHECK(!err && inst);
    weft_error_delete(err);
    CHECK(memcmp(weft_memory_data(m_grown) + 3, "abc", 3) == 0);

    /* A bigger table with a max within range, a memory with min 2 and max 3. */
    env_externs(&env, x);
    x[1] = xmem(m_ok);
    x[2] = xtab(t_max);
    err = weft_instance_new(s, m, x, 5, &inst);
    CHECK(!err && inst);
    weft_error_delete(err);

    /* The plain import set: segments, exports and re-exports. */
    env_externs(&env, x);
    inst = NULL;
    err = weft_instance_new(s, m, x, 5, &inst);
    CHECK(!err && inst);
    if (err) fprintf(stderr, "  %s\n", weft_error_message(err));
    weft_error_delete(err);
    if (!inst) goto out;
    CHECK(memcmp(weft_memory_data(env.mem) + 3, "abc", 3) == 0);
    weft_val_t v;
    weft_global_get(export_global(inst, "d"), &v);
    CHECK(v.kind == WEFT_I64 && v.of.i64 == 77);
    CHECK(export_func(inst, "f") == env.f);
    CHECK(export_memory(inst, "mem") == env.mem);
    CHECK(export_table(inst, "tab") == env.tab);
    CHECK(export_global(inst, "g") == env.g);
    weft_func_t *id = export_func(inst, "id");
    CHECK(id != NULL && id != env.f);
    CHECK(!weft_table_get(env.tab, 1, &v) && v.kind == WEFT_FUNCREF && v.of.funcref == id);
    CHECK(!weft_table_get(env.tab, 0, &v) && v.of.funcref == NULL);
    CHECK(weft_func_param_count(id) == 1 && weft_func_result_count(id) == 1);
    CHECK(!weft_instance_export(inst, "nope", 4, NULL));
    CHECK(!weft_instance_export(inst, "i", 1, NULL)); /* a prefix of "id" is not a match */
    CHECK(weft_instance_export_count(inst) == 6);
    const char *name;
    size_t name_len;
    weft_extern_t ex;
    CHECK(weft_instance_export_nth(inst, 1, &name, &name_len, &ex) && name_len == 2 &&
          memcmp(name, "id", 2) == 0 && ex.kind == WEFT_EXTERN_FUNC && ex.of.func == id);
    CHECK(!weft_instance_export_nth(inst, 6, &name, &name_len, &ex));
    /* Functions of one instance and host functions with the same type share a type id. */
    CHECK(id->type_id == env.f->type_id);

    weft_val_t r = vi32(0);
    weft_val_t arg = vi32(41);
    err = weft_func_call(s, id, &arg, 1, &r, 1);
    CHECK(!err && r.of.i32 == 41);
    weft_error_delete(err);
out:
    weft_store_delete(s);
    weft_module_delete(m);
}

static void test_segments(weft_engine_t *e)
{
    weft_store_t *s = weft_store_new(e);
    weft_module_t *m = load(e, segments_wasm, sizeof segments_wasm);
    CHECK(s && m);
    if (!s || !m) goto out;
    weft_instance_t *inst = NULL;
    weft_error_t *err = weft_instance_new(s, m, NULL, 0, &inst);
    CHECK(!err && inst);
    if (err) fprintf(stderr, "  %s\n", weft_error_message(err));
    weft_error_delete(err);
    if (!inst) goto out;

    weft_func_t *a = export_func(inst, "a"), *b = export_func(inst, "b");
    weft_table_t *t = export_table(inst, "tab");
    weft_memory_t *mem = export_memory(inst, "mem");
    CHECK(a && b && t && mem && a != b);
    if (!t || !mem) goto out;
    weft_val_t v;
    CHECK(weft_table_size(t) == 4);
    CHECK(!weft_table_get(t, 0, &v) && v.kind == WEFT_FUNCREF && v.of.funcref == a);
    CHECK(!weft_table_get(t, 1, &v) && v.of.funcref == b);
    CHECK(!weft_table_get(t, 2, &v) && v.of.funcref == NULL);
    CHECK(!weft_table_get(t, 3, &v) && v.of.funcref == b);
    CHECK(weft_memory_size(mem) == WEFT_PAGE_SIZE);
    CHECK(memcmp(weft_memory_data(mem) + 16, "hello", 5) == 0);
    CHECK(memcmp(weft_memory_data(mem) + 65534, "xy", 2) == 0);
    CHECK(weft_memory_data(mem)[15] == 0 && weft_memory_data(mem)[21] == 0);

    /* Active and declarative segments are dropped after instantiation; passive ones stay. */
    CHECK(inst->elem_sizes[0] == 0 && inst->elem_sizes[1] == 0 && inst->elem_sizes[2] == 2 &&
          inst->elem_sizes[3] == 0);
    CHECK(inst->elem_refs[2][0] == (uint64_t)(uintptr_t)a && inst->elem_refs[2][1] == 0);
    CHECK(inst->data_dropped[0] && inst->data_dropped[1] && !inst->data_dropped[2]);

    weft_global_get(export_global(inst, "gv"), &v);
    static const uint8_t lanes[16] = {1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 4, 0, 0, 0};
    CHECK(v.kind == WEFT_V128 && memcmp(v.of.v128, lanes, 16) == 0);
    weft_global_get(export_global(inst, "gf"), &v);
    CHECK(v.kind == WEFT_FUNCREF && v.of.funcref == b);
    weft_global_get(export_global(inst, "gn"), &v);
    CHECK(v.kind == WEFT_EXTERNREF && v.of.externref == NULL);
    weft_global_t *gm = export_global(inst, "gm");
    weft_global_get(gm, &v);
    CHECK(v.kind == WEFT_F64 && v.of.f64 == UINT64_C(0x3FF8000000000000));
    v.of.f64 = UINT64_C(0x7FF8000000000123); /* a NaN payload survives */
    CHECK(!weft_global_set(gm, v));
    weft_global_get(gm, &v);
    CHECK(v.of.f64 == UINT64_C(0x7FF8000000000123));
    err = weft_global_set(export_global(inst, "gn"), vextern(NULL));
    CHECK(err && weft_error_kind(err) == WEFT_ERROR_INVALID_ARG);
    weft_error_delete(err);

    /* A second instance of the same module gets its own objects. */
    weft_instance_t *inst2 = NULL;
    err = weft_instance_new(s, m, NULL, 0, &inst2);
    CHECK(!err && inst2 && export_table(inst2, "tab") != t);
    weft_error_delete(err);
out:
    weft_store_delete(s);
    weft_module_delete(m);
}

/* Wasm 2.0: segments applied before the failing one stay applied (linking.wast). */
static void test_partial_failure(weft_engine_t *e)
{
    weft_store_t *s = weft_store_new(e);
    weft_module_t *m = load(e, partial_wasm, sizeof partial_wasm);
    weft_module_t *md = load(e, partial_data_wasm, sizeof partial_data_wasm);
    CHECK(s && m && md);
    if (!s || !m || !md) goto out;
    weft_memory_t *mem = NULL;
    weft_table_t *tab = NULL;
    weft_error_delete(weft_memory_new(s, 1, 0, false, &mem));
    weft_error_delete(weft_table_new(s, WEFT_FUNCREF, 4, 0, false, vfunc(NULL), &tab));
    CHECK(mem && tab);
    if (!mem || !tab) goto out;
    weft_extern_t x[2] = {xmem(mem), xtab(tab)};
    weft_instance_t *inst = (weft_instance_t *)1;
    weft_error_t *err = weft_instance_new(s, m, x, 2, &inst);
    CHECK(err && weft_error_kind(err) == WEFT_ERROR_TRAP &&
          weft_error_trap_code(err) == WEFT_TRAP_TABLE_OOB &&
          strcmp(weft_error_message(err), "out of bounds table access") == 0 && inst == NULL);
    weft_error_delete(err);
    weft_val_t v;
    CHECK(!weft_table_get(tab, 0, &v) && v.of.funcref != NULL);
    CHECK(!weft_table_get(tab, 3, &v) && v.of.funcref == NULL);
    CHECK(weft_memory_data(mem)[0] == 0); /* data comes after the failing element segment */
    /* The failed instance's function stays callable through the table. */
    CHECK(!weft_table_get(tab, 0, &v) && v.of.funcref);
    if (v.of.funcref) {
        err = weft_func_call(s, v.of.funcref, NULL, 0, NULL, 0);
        CHECK(!err);
        weft_error_delete(err);
    }

    err = weft_instance_new(s, md, x, 1, &inst);
    CHECK(err && weft_error_trap_code(err) == WEFT_TRAP_MEMORY_OOB &&
          strcmp(weft_error_message(err), "out of bounds memory access") == 0);
    weft_error_delete(err);
    CHECK(memcmp(weft_memory_data(mem), "abc", 3) == 0);
    CHECK(weft_memory_data(mem)[65535] == 0);
out:
    weft_store_delete(s);
    weft_module_delete(m);
    weft_module_delete(md);
}

static void test_start(weft_engine_t *e)
{
    weft_store_t *s = weft_store_new(e);
    weft_module_t *m = load(e, start_wasm, sizeof start_wasm);
    weft_module_t *mt = load(e, start_trap_wasm, sizeof start_trap_wasm);
    CHECK(s && m && mt);
    if (!s || !m || !mt) goto out;
    weft_instance_t *inst = NULL;
    weft_error_t *err = weft_instance_new(s, m, NULL, 0, &inst);
    CHECK(!err && inst);
    if (err) fprintf(stderr, "  %s\n", weft_error_message(err));
    weft_error_delete(err);
    if (inst) {
        weft_memory_t *mem = export_memory(inst, "mem");
        CHECK(mem && weft_memory_data(mem)[8] == 42);
        weft_val_t v;
        weft_global_get(export_global(inst, "g"), &v);
        CHECK(v.kind == WEFT_I32 && v.of.i32 == 7);
    }

    weft_memory_t *mem = NULL;
    weft_error_delete(weft_memory_new(s, 1, 0, false, &mem));
    if (!mem) goto out;
    weft_extern_t x = xmem(mem);
    inst = (weft_instance_t *)1;
    err = weft_instance_new(s, mt, &x, 1, &inst);
    CHECK(err && weft_error_kind(err) == WEFT_ERROR_TRAP &&
          weft_error_trap_code(err) == WEFT_TRAP_UNREACHABLE && inst == NULL);
    weft_error_delete(err);
    CHECK(weft_memory_data(mem)[0] == 'z' && weft_memory_data(mem)[1] == 'y');
out:
    weft_store_delete(s);
    weft_module_delete(m);
    weft_module_delete(mt);
}

static void test_host_call(weft_engine_t *e)
{
    int calls = 0;
    weft_store_t *s = weft_store_new(e);
    weft_module_t *m = load(e, hostcall_wasm, sizeof hostcall_wasm);
    CHECK(s && m);
    if (!s || !m) goto out;
    weft_func_t *add = weft_func_new(s, k_i32, 2, k_i32, 1, host_add, &calls, env_release);
    CHECK(add != NULL);
    weft_extern_t x = xfunc(add);
    weft_instance_t *inst = NULL;
    weft_error_t *err = weft_instance_new(s, m, &x, 1, &inst);
    CHECK(!err && inst);
    weft_error_delete(err);
    /* The module handle may go before the store: the instance keeps it alive. */
    weft_module_delete(m);
    m = NULL;
    if (!inst) goto out;
    weft_val_t arg = vi32(5), r = vi32(0);
    err = weft_func_call(s, export_func(inst, "run"), &arg, 1, &r, 1);
    CHECK(!err && r.of.i32 == 105 && calls == 1);
    weft_error_delete(err);
out:
    weft_store_delete(s);
    weft_module_delete(m);
    CHECK(calls == 1001); /* env_free ran once, at store deletion */
}

static void test_memory_api(weft_engine_t *e)
{
    weft_store_t *s = weft_store_new(e);
    CHECK(s != NULL);
    if (!s) return;
    weft_memory_t *mem = NULL;
    weft_error_t *err = weft_memory_new(s, 1, 2, true, &mem);
    CHECK(!err && mem && weft_memory_size(mem) == WEFT_PAGE_SIZE);
    weft_error_delete(err);
    if (mem) {
        weft_memory_data(mem)[100] = 9;
        CHECK(weft_memory_grow(mem, 0) == 1);
        CHECK(weft_memory_grow(mem, 1) == 1);
        CHECK(weft_memory_size(mem) == 2 * WEFT_PAGE_SIZE);
        CHECK(weft_memory_data(mem)[100] == 9);
        CHECK(weft_memory_data(mem)[WEFT_PAGE_SIZE + 5] == 0);
        CHECK(weft_memory_grow(mem, 1) == -1);
        CHECK(weft_memory_size(mem) == 2 * WEFT_PAGE_SIZE);
    }
    err = weft_memory_new(s, 3, 2, true, &mem);
    CHECK(err && weft_error_kind(err) == WEFT_ERROR_INVALID_ARG && mem == NULL);
    weft_error_delete(err);
    err = weft_memory_new(s, 65537, 0, false, &mem);
    CHECK(err && weft_error_kind(err) == WEFT_ERROR_INVALID_ARG);
    weft_error_delete(err);

    /* Without a max a 32-bit memory stops at 65536 pages. */
    err = weft_memory_new(s, 0, 0, false, &mem);
    CHECK(!err && mem && weft_memory_size(mem) == 0 && weft_memory_data(mem) != NULL);
    weft_error_delete(err);
    if (mem) {
        CHECK(weft_memory_grow(mem, 65537) == -1);
        CHECK(weft_memory_grow(mem, UINT64_MAX) == -1);
        CHECK(weft_memory_grow(mem, 1) == 0);
        CHECK(weft_memory_grow(mem, 65536) == -1);
        CHECK(weft_memory_size(mem) == WEFT_PAGE_SIZE);
    }
    CHECK(weft_memory_grow(NULL, 1) == -1);
    weft_store_delete(s);

    /* The engine's max_memory_bytes bounds growth and creation. */
    counter_t c = {0};
    weft_engine_t *le = counting_engine(&c, 3 * WEFT_PAGE_SIZE);
    s = weft_store_new(le);
    err = weft_memory_new(s, 1, 0, false, &mem);
    CHECK(!err && mem);
    weft_error_delete(err);
    if (mem) {
        CHECK(weft_memory_grow(mem, 2) == 1);
        CHECK(weft_memory_grow(mem, 1) == -1);
    }
    err = weft_memory_new(s, 4, 0, false, &mem);
    CHECK(err != NULL && mem == NULL);
    weft_error_delete(err);
    weft_store_delete(s);
    weft_engine_delete(le);
    CHECK(c.live_blocks == 0 && c.live_bytes == 0);
}

static void test_table_api(weft_engine_t *e)
{
    weft_store_t *s = weft_store_new(e);
    CHECK(s != NULL);
    if (!s) return;
    weft_func_t *f = weft_func_new(s, k_i32, 1, k_i32, 1, host_inc, NULL, NULL);
    weft_table_t *t = NULL;
    weft_error_t *err = weft_table_new(s, WEFT_FUNCREF, 1, 3, true, vfunc(NULL), &t);
    CHECK(!err && t && weft_table_size(t) == 1);
    weft_error_delete(err);
    weft_val_t v;
    if (t) {
        CHECK(weft_table_grow(t, 2, vfunc(f)) == 1);
        CHECK(weft_table_size(t) == 3);
        CHECK(!weft_table_get(t, 0, &v) && v.of.funcref == NULL);
        CHECK(!weft_table_get(t, 2, &v) && v.kind == WEFT_FUNCREF && v.of.funcref == f);
        CHECK(weft_table_grow(t, 1, vfunc(NULL)) == -1);
        err = weft_table_get(t, 3, &v);
        CHECK(err && weft_error_kind(err) == WEFT_ERROR_TRAP &&
              weft_error_trap_code(err) == WEFT_TRAP_TABLE_OOB);
        weft_error_delete(err);
        err = weft_table_set(t, 3, vfunc(f));
        CHECK(err && weft_error_trap_code(err) == WEFT_TRAP_TABLE_OOB);
        weft_error_delete(err);
        err = weft_table_set(t, 0, vextern(&v));
        CHECK(err && weft_error_kind(err) == WEFT_ERROR_INVALID_ARG);
        weft_error_delete(err);
        CHECK(!weft_table_set(t, 0, vfunc(f)));
        CHECK(!weft_table_get(t, 0, &v) && v.of.funcref == f);
        CHECK(weft_table_grow(t, 0, vextern(NULL)) == -1); /* wrong kind */
    }

    /* Without a max: growth is bounded by the implementation limit and 2^32 - 1. */
    int dummy;
    err = weft_table_new(s, WEFT_EXTERNREF, 0, 0, false, vextern(&dummy), &t);
    CHECK(!err && t);
    weft_error_delete(err);
    if (t) {
        CHECK(weft_table_grow(t, 0xFFFFFFF0u, vextern(NULL)) == -1);
        CHECK(weft_table_grow(t, UINT64_MAX, vextern(NULL)) == -1);
        CHECK(weft_table_grow(t, (uint64_t)WEFT_TABLE_MAX_ENTRIES + 1, vextern(NULL)) == -1);
        for (int i = 0; i < 20; i++) CHECK(weft_table_grow(t, 3, vextern(&dummy)) == 3 * i);
        CHECK(weft_table_size(t) == 60);
        CHECK(!weft_table_get(t, 59, &v) && v.kind == WEFT_EXTERNREF && v.of.externref == &dummy);
    }

    err = weft_table_new(s, WEFT_I32, 0, 0, false, vi32(0), &t);
    CHECK(err && weft_error_kind(err) == WEFT_ERROR_INVALID_ARG && t == NULL);
    weft_error_delete(err);
    err = weft_table_new(s, WEFT_FUNCREF, 0, 0, false, vextern(NULL), &t);
    CHECK(err && weft_error_kind(err) == WEFT_ERROR_INVALID_ARG);
    weft_error_delete(err);
    err = weft_table_new(s, WEFT_FUNCREF, 2, 1, true, vfunc(NULL), &t);
    CHECK(err && weft_error_kind(err) == WEFT_ERROR_INVALID_ARG);
    weft_error_delete(err);
    err = weft_table_new(s, WEFT_FUNCREF, (uint64_t)WEFT_TABLE_MAX_ENTRIES + 1, 0, false,
                         vfunc(NULL), &t);
    CHECK(err != NULL && t == NULL);
    weft_error_delete(err);
    weft_store_delete(s);
}

static void test_global_api(weft_engine_t *e)
{
    weft_store_t *s = weft_store_new(e);
    CHECK(s != NULL);
    if (!s) return;
    weft_global_t *g = NULL;
    weft_val_t v;
    weft_error_t *err = weft_global_new(s, WEFT_I32, false, vi32(-3), &g);
    CHECK(!err && g);
    weft_error_delete(err);
    weft_global_get(g, &v);
    CHECK(v.kind == WEFT_I32 && v.of.i32 == -3);
    err = weft_global_set(g, vi32(1));
    CHECK(err && weft_error_kind(err) == WEFT_ERROR_INVALID_ARG);
    weft_error_delete(err);

    err = weft_global_new(s, WEFT_I64, true, vi64(INT64_MIN), &g);
    CHECK(!err && g);
    weft_error_delete(err);
    weft_global_get(g, &v);
    CHECK(v.kind == WEFT_I64 && v.of.i64 == INT64_MIN);
    err = weft_global_set(g, vi32(1));
    CHECK(err && weft_error_kind(err) == WEFT_ERROR_INVALID_ARG);
    weft_error_delete(err);
    CHECK(!weft_global_set(g, vi64(12)));
    weft_global_get(g, &v);
    CHECK(v.of.i64 == 12);

    weft_val_t w;
    memset(&w, 0, sizeof w);
    w.kind = WEFT_V128;
    for (int i = 0; i < 16; i++) w.of.v128[i] = (uint8_t)(0xF0 + i);
    err = weft_global_new(s, WEFT_V128, true, w, &g);
    CHECK(!err && g);
    weft_error_delete(err);
    weft_global_get(g, &v);
    CHECK(v.kind == WEFT_V128 && memcmp(v.of.v128, w.of.v128, 16) == 0);
    CHECK(g && g->val[0] == UINT64_C(0xF7F6F5F4F3F2F1F0));

    int dummy;
    err = weft_global_new(s, WEFT_EXTERNREF, false, vextern(&dummy), &g);
    CHECK(!err && g);
    weft_error_delete(err);
    weft_global_get(g, &v);
    CHECK(v.kind == WEFT_EXTERNREF && v.of.externref == &dummy);

    err = weft_global_new(s, WEFT_F32, false, vi32(0), &g);
    CHECK(err && weft_error_kind(err) == WEFT_ERROR_INVALID_ARG && g == NULL);
    weft_error_delete(err);
    err = weft_global_new(s, (weft_valkind_t)0x55, false, vi32(0), &g);
    CHECK(err && weft_error_kind(err) == WEFT_ERROR_INVALID_ARG);
    weft_error_delete(err);
    weft_store_delete(s);
}

/* Evaluates one constant expression held in `code` against a hand-built instance with one
 * i32 global (5) and one function. Returns false on an evaluation error. */
static bool eval_expr(weft_store_t *s, const uint8_t *code, uint32_t len, uint64_t out[2])
{
    weft_module_t m;
    memset(&m, 0, sizeof m);
    m.bytes = (uint8_t *)code;
    m.len = len;
    m.nglobals = 1;
    m.nfuncs = 1;
    weft_global_t g;
    memset(&g, 0, sizeof g);
    g.type.type = WEFT_T_I32;
    g.val[0] = 5;
    weft_global_t *globals[1] = {&g};
    weft_func_t f;
    memset(&f, 0, sizeof f);
    weft_func_t *funcs[1] = {&f};
    weft_instance_t inst;
    memset(&inst, 0, sizeof inst);
    inst.store = s;
    inst.module = &m;
    inst.globals = globals;
    inst.funcs = funcs;
    weft_expr_t e = {.offset = 0, .len = len};
    weft_error_t *err = weft__const_expr_eval(&inst, e, out);
    bool ok = err == NULL;
    weft_error_delete(err);
    if (ok && len >= 2 && code[0] == 0xD2) CHECK(out[0] == (uint64_t)(uintptr_t)&f);
    return ok;
}

/* Constant expressions, including the extended-constant arithmetic the validator does not
 * accept yet (Wasm 3.0). */
static void test_const_expr(weft_engine_t *e)
{
    weft_store_t *s = weft_store_new(e);
    CHECK(s != NULL);
    if (!s) return;
    uint64_t v[2];
    static const uint8_t add32[] = {0x41, 0xFF, 0xFF, 0xFF, 0xFF, 0x07, 0x41, 0x01, 0x6A, 0x0B};
    CHECK(eval_expr(s, add32, sizeof add32, v) && v[0] == 0x80000000u);
    static const uint8_t mul32[] = {0x41, 0x80, 0x80, 0x04, 0x41, 0x80, 0x80, 0x04, 0x6C, 0x0B};
    CHECK(eval_expr(s, mul32, sizeof mul32, v) && v[0] == 0);
    static const uint8_t mul64[] = {0x42, 0x7E, 0x42, 0x07, 0x7E, 0x0B};
    CHECK(eval_expr(s, mul64, sizeof mul64, v) && v[0] == (uint64_t)INT64_C(-14));
    static const uint8_t sub64[] = {0x42, 0x00, 0x42, 0x01, 0x7D, 0x0B};
    CHECK(eval_expr(s, sub64, sizeof sub64, v) && v[0] == UINT64_MAX);
    static const uint8_t gsub[] = {0x23, 0x00, 0x41, 0x03, 0x6B, 0x0B};
    CHECK(eval_expr(s, gsub, sizeof gsub, v) && v[0] == 2);
    static const uint8_t neg32[] = {0x41, 0x7F, 0x0B}; /* i32 -1 is kept zero-extended */
    CHECK(eval_expr(s, neg32, sizeof neg32, v) && v[0] == 0xFFFFFFFFu);
    static const uint8_t f32c[] = {0x43, 0x00, 0x00, 0xC0, 0x7F, 0x0B};
    CHECK(eval_expr(s, f32c, sizeof f32c, v) && v[0] == 0x7FC00000u);
    static const uint8_t f64c[] = {0x44, 1, 0, 0, 0, 0, 0, 0xF8, 0x7F, 0x0B};
    CHECK(eval_expr(s, f64c, sizeof f64c, v) && v[0] == UINT64_C(0x7FF8000000000001));
    static const uint8_t v128c[] = {0xFD, 0x0C, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14,
                                    15, 16, 0x0B};
    CHECK(eval_expr(s, v128c, sizeof v128c, v) && v[0] == UINT64_C(0x0807060504030201) &&
          v[1] == UINT64_C(0x100F0E0D0C0B0A09));
    static const uint8_t rnull[] = {0xD0, 0x70, 0x0B};
    CHECK(eval_expr(s, rnull, sizeof rnull, v) && v[0] == 0);
    static const uint8_t rfunc[] = {0xD2, 0x00, 0x0B};
    CHECK(eval_expr(s, rfunc, sizeof rfunc, v));

    /* Malformed input is an error, never a crash. */
    static const uint8_t underflow[] = {0x41, 0x01, 0x6A, 0x0B};
    CHECK(!eval_expr(s, underflow, sizeof underflow, v));
    static const uint8_t two[] = {0x41, 0x01, 0x41, 0x02, 0x0B};
    CHECK(!eval_expr(s, two, sizeof two, v));
    static const uint8_t noend[] = {0x41, 0x01};
    CHECK(!eval_expr(s, noend, sizeof noend, v));
    static const uint8_t local[] = {0x20, 0x00, 0x0B};
    CHECK(!eval_expr(s, local, sizeof local, v));
    static const uint8_t badglobal[] = {0x23, 0x01, 0x0B};
    CHECK(!eval_expr(s, badglobal, sizeof badglobal, v));
    static const uint8_t badfunc[] = {0xD2, 0x05, 0x0B};
    CHECK(!eval_expr(s, badfunc, sizeof badfunc, v));
    static const uint8_t empty[] = {0x0B};
    CHECK(!eval_expr(s, empty, sizeof empty, v));
    uint8_t deep[200];
    for (int i = 0; i < 99; i++) {
        deep[2 * i] = 0x41;
        deep[2 * i + 1] = 0x00;
    }
    deep[198] = 0x0B;
    CHECK(!eval_expr(s, deep, 199, v));
    weft_store_delete(s);
}

/* Runs a representative sequence, giving up at the first error. Used with failure injection:
 * whatever fails, the error must be reported and nothing may leak. */
static void oom_scenario(weft_engine_t *e)
{
    weft_store_t *s = weft_store_new(e);
    if (!s) return;
    weft_module_t *m = NULL, *ms = NULL, *mst = NULL;
    weft_error_t *err = weft_module_new(e, imports_wasm, sizeof imports_wasm, &m);
    if (!err) err = weft_module_new(e, segments_wasm, sizeof segments_wasm, &ms);
    if (!err) err = weft_module_new(e, start_wasm, sizeof start_wasm, &mst);
    env_set_t env;
    if (!err && !make_env(s, &env)) err = weft__error_oom();
    weft_instance_t *inst = NULL;
    if (!err) {
        weft_extern_t x[5];
        env_externs(&env, x);
        err = weft_instance_new(s, m, x, 5, &inst);
    }
    if (!err) {
        weft_val_t arg = vi32(3), r = vi32(0);
        err = weft_func_call(s, export_func(inst, "id"), &arg, 1, &r, 1);
    }
    if (!err) err = weft_instance_new(s, ms, NULL, 0, &inst);
    if (!err) {
        weft_table_t *t = export_table(inst, "tab");
        (void)weft_table_grow(t, 2, vfunc(NULL));
        (void)weft_memory_grow(export_memory(inst, "mem"), 1);
    }
    weft_instance_t *sinst = NULL;
    if (!err) err = weft_instance_new(s, mst, NULL, 0, &sinst);
    weft_error_delete(err);
    weft_store_delete(s);
    weft_module_delete(m);
    weft_module_delete(ms);
    weft_module_delete(mst);
}

static void test_oom(void)
{
    size_t n;
    for (n = 1; n < 100000; n++) {
        counter_t c = {0};
        c.fail_at = n;
        weft_engine_t *e = counting_engine(&c, 0);
        if (e) {
            oom_scenario(e);
            weft_engine_delete(e);
        }
        if (c.live_blocks != 0) {
            fprintf(stderr, "oom: failing allocation %zu leaks %lld blocks\n", n, c.live_blocks);
            failures++;
            break;
        }
        if (!c.failed) break; /* the whole scenario ran without reaching allocation n */
    }
    checks++;
    printf("  failure injection: %zu allocation points\n", n - 1);
}

int main(void)
{
    test_config();
    counter_t c = {0};
    weft_engine_t *e = counting_engine(&c, 0);
    CHECK(e != NULL);
    if (!e) return 1;
    test_module_info(e);
    test_linking(e);
    test_segments(e);
    test_partial_failure(e);
    test_start(e);
    test_host_call(e);
    test_memory_api(e);
    test_table_api(e);
    test_global_api(e);
    test_const_expr(e);
    weft_engine_delete(e);
    CHECK(c.live_blocks == 0);
    CHECK(c.live_bytes == 0);
    if (c.live_blocks || c.live_bytes) {
        fprintf(stderr, "  leaked %lld blocks, %lld bytes\n", c.live_blocks, c.live_bytes);
    }
    test_oom();
    printf("test_instance: %d checks, %d failures\n", checks, failures);
    return failures ? 1 : 0;
}
