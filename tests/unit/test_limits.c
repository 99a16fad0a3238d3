/* test_limits.c - unit tests of the engine's max_table_elements and max_instances limits
 * (weft_config_t). Tables: creation beyond the limit is refused, table.grow (from wasm and
 * weft_table_grow) fails past it and is counted by weft_store_table_limit_refusals() only
 * when the table's own maximum would have allowed the growth; 0 means no limit. Instances: a
 * store holds at most max_instances core instances. The embedded modules were produced with wat2wasm from
 * the WAT text shown above each array. */
#include <stdio.h>
#include <string.h>

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

/* (module
 *   (table $t (export "t") 2 funcref)
 *   (func (export "tgrow") (param i32) (result i32)
 *     (table.grow $t (ref.null func) (local.get 0)))) */
static const uint8_t grow_wasm[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x06, 0x01, 0x60, 0x01, 0x7f,
    0x01, 0x7f, 0x03, 0x02, 0x01, 0x00, 0x04, 0x04, 0x01, 0x70, 0x00, 0x02, 0x07, 0x0d,
    0x02, 0x01, 0x74, 0x01, 0x00, 0x05, 0x74, 0x67, 0x72, 0x6f, 0x77, 0x00, 0x00, 0x0a,
    0x0b, 0x01, 0x09, 0x00, 0xd0, 0x70, 0x20, 0x00, 0xfc, 0x0f, 0x00, 0x0b};

/* (module (table 10 funcref)) */
static const uint8_t big_wasm[] = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
                                   0x04, 0x04, 0x01, 0x70, 0x00, 0x0a};

/* (module (table 2 4 funcref)
 *   (func (export "tgrow") (param i32) (result i32)
 *     (table.grow 0 (ref.null func) (local.get 0)))) */
static const uint8_t maxed_wasm[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x06, 0x01, 0x60, 0x01, 0x7f,
    0x01, 0x7f, 0x03, 0x02, 0x01, 0x00, 0x04, 0x05, 0x01, 0x70, 0x01, 0x02, 0x04, 0x07,
    0x09, 0x01, 0x05, 0x74, 0x67, 0x72, 0x6f, 0x77, 0x00, 0x00, 0x0a, 0x0b, 0x01, 0x09,
    0x00, 0xd0, 0x70, 0x20, 0x00, 0xfc, 0x0f, 0x00, 0x0b};

static weft_engine_t *engine_with_limit(uint64_t max_table_elements)
{
    weft_config_t cfg;
    weft_config_init(&cfg);
    cfg.max_table_elements = max_table_elements;
    return weft_engine_new(&cfg);
}

/* Instantiates `bytes` in a new store of `engine`; *err_out receives the error (or NULL). */
static weft_instance_t *instantiate(weft_engine_t *engine, weft_store_t *store,
                                    const uint8_t *bytes, size_t len, weft_module_t **mod,
                                    weft_error_t **err_out)
{
    weft_instance_t *inst = NULL;
    *err_out = weft_module_new(engine, bytes, len, mod);
    if (*err_out) return NULL;
    *err_out = weft_instance_new(store, *mod, NULL, 0, &inst);
    return inst;
}

static int32_t call_grow(weft_store_t *store, weft_instance_t *inst, int32_t delta)
{
    weft_extern_t ext;
    if (!weft_instance_export(inst, "tgrow", 5, &ext)) return -2;
    weft_val_t arg = {.kind = WEFT_I32, .of.i32 = delta};
    weft_val_t res = {.kind = WEFT_I32};
    weft_error_t *err = weft_func_call(store, ext.of.func, &arg, 1, &res, 1);
    if (err) {
        weft_error_delete(err);
        return -3;
    }
    return res.of.i32;
}

static void test_default_is_unlimited(void)
{
    weft_config_t cfg;
    weft_config_init(&cfg);
    CHECK(cfg.max_table_elements == 0);
    weft_engine_t *engine = weft_engine_new(NULL);
    weft_store_t *store = weft_store_new(engine);
    weft_module_t *mod = NULL;
    weft_error_t *err = NULL;
    weft_instance_t *inst = instantiate(engine, store, grow_wasm, sizeof grow_wasm, &mod, &err);
    CHECK(inst && !err);
    if (inst) CHECK(call_grow(store, inst, 1000) == 2);
    CHECK(weft_store_table_limit_refusals(store) == 0);
    weft_error_delete(err);
    weft_store_delete(store);
    weft_module_delete(mod);
    weft_engine_delete(engine);
}

static void test_grow_limit(void)
{
    weft_engine_t *engine = engine_with_limit(5);
    weft_store_t *store = weft_store_new(engine);
    weft_module_t *mod = NULL;
    weft_error_t *err = NULL;
    weft_instance_t *inst = instantiate(engine, store, grow_wasm, sizeof grow_wasm, &mod, &err);
    CHECK(inst && !err);
    if (inst) {
        CHECK(call_grow(store, inst, 4) == -1); /* 2 + 4 > 5 */
        CHECK(weft_store_table_limit_refusals(store) == 1);
        CHECK(call_grow(store, inst, 3) == 2); /* up to the limit exactly */
        CHECK(call_grow(store, inst, 0) == 5);
        CHECK(call_grow(store, inst, 1) == -1);
        CHECK(weft_store_table_limit_refusals(store) == 2);
        /* The public API obeys the same limit. */
        weft_extern_t ext;
        CHECK(weft_instance_export(inst, "t", 1, &ext) && ext.kind == WEFT_EXTERN_TABLE);
        weft_val_t null = {.kind = WEFT_FUNCREF, .of.funcref = NULL};
        CHECK(weft_table_grow(ext.of.table, 1, null) == -1);
        CHECK(weft_table_size(ext.of.table) == 5);
        CHECK(weft_store_table_limit_refusals(store) == 3);
    }
    weft_error_delete(err);
    weft_store_delete(store);
    weft_module_delete(mod);
    weft_engine_delete(engine);
}

static void test_own_maximum_not_counted(void)
{
    /* The table's own maximum (4) binds before the engine's limit (100): not a refusal. */
    weft_engine_t *engine = engine_with_limit(100);
    weft_store_t *store = weft_store_new(engine);
    weft_module_t *mod = NULL;
    weft_error_t *err = NULL;
    weft_instance_t *inst = instantiate(engine, store, maxed_wasm, sizeof maxed_wasm, &mod, &err);
    CHECK(inst && !err);
    if (inst) {
        CHECK(call_grow(store, inst, 3) == -1);
        CHECK(call_grow(store, inst, 2) == 2);
    }
    CHECK(weft_store_table_limit_refusals(store) == 0);
    weft_error_delete(err);
    weft_store_delete(store);
    weft_module_delete(mod);
    weft_engine_delete(engine);
}

static void test_creation_refused(void)
{
    weft_engine_t *engine = engine_with_limit(8);
    weft_store_t *store = weft_store_new(engine);
    weft_module_t *mod = NULL;
    weft_error_t *err = NULL;
    weft_instance_t *inst = instantiate(engine, store, big_wasm, sizeof big_wasm, &mod, &err);
    CHECK(!inst && err);
    if (err) {
        CHECK(weft_error_kind(err) == WEFT_ERROR_OOM);
        CHECK(strstr(weft_error_message(err), "table of 10 elements exceeds the limit") != NULL);
        CHECK(strstr(weft_error_message(err), "max_table_elements") != NULL);
    }
    weft_error_delete(err);
    /* weft_table_new too; at the limit it is fine. */
    weft_table_t *t = NULL;
    weft_val_t null = {.kind = WEFT_FUNCREF, .of.funcref = NULL};
    err = weft_table_new(store, WEFT_FUNCREF, 9, 0, false, null, &t);
    CHECK(err && weft_error_kind(err) == WEFT_ERROR_OOM && !t);
    weft_error_delete(err);
    err = weft_table_new(store, WEFT_FUNCREF, 8, 0, false, null, &t);
    CHECK(!err && t && weft_table_size(t) == 8);
    weft_error_delete(err);
    if (t) CHECK(weft_table_grow(t, 1, null) == -1);
    weft_store_delete(store);
    weft_module_delete(mod);
    weft_engine_delete(engine);
}

/* max_instances: a store holds at most that many core instances; the next one fails with a
 * message naming the limit, and another store of the engine still has its own budget. */
static void test_instance_limit(void)
{
    weft_config_t cfg;
    weft_config_init(&cfg);
    CHECK(cfg.max_instances == 0);
    cfg.max_instances = 2;
    weft_engine_t *engine = weft_engine_new(&cfg);
    weft_store_t *store = weft_store_new(engine);
    weft_module_t *mod = NULL;
    weft_error_t *err = weft_module_new(engine, big_wasm, sizeof big_wasm, &mod);
    CHECK(err == NULL);
    weft_instance_t *inst = NULL;
    for (int i = 0; i < 2 && mod; i++) {
        err = weft_instance_new(store, mod, NULL, 0, &inst);
        CHECK(err == NULL && inst != NULL);
        weft_error_delete(err);
    }
    err = mod ? weft_instance_new(store, mod, NULL, 0, &inst) : NULL;
    CHECK(err != NULL && weft_error_kind(err) == WEFT_ERROR_OOM);
    CHECK(err && strstr(weft_error_message(err), "instance limit") != NULL);
    CHECK(err && strstr(weft_error_message(err), "max_instances") != NULL);
    weft_error_delete(err);
    weft_store_t *other = weft_store_new(engine);
    err = mod ? weft_instance_new(other, mod, NULL, 0, &inst) : NULL;
    CHECK(err == NULL);
    weft_error_delete(err);
    weft_store_delete(other);
    weft_store_delete(store);
    weft_module_delete(mod);
    weft_engine_delete(engine);
}

int main(void)
{
    test_default_is_unlimited();
    test_grow_limit();
    test_own_maximum_not_counted();
    test_creation_refused();
    test_instance_limit();
    printf("test_limits: %d checks, %d failures\n", checks, failures);
    return failures ? 1 : 0;
}
