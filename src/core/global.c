/* global.c - global instances (Wasm core spec 4.2.9 Global Instances) and their public API.
 * A global holds one slot, or two for v128 (little-endian lanes: val[0] is bytes 0-7). */
#include "core/instance.h"

#include <string.h>

weft_error_t *weft__global_create(weft_store_t *store, const weft_globaltype_t *type,
                                  const uint64_t init[2], weft_global_t **out)
{
    *out = NULL;
    weft_global_t *g = weft__calloc(&store->alloc, 1, sizeof *g);
    if (!g) return weft__error_oom();
    g->alloc = store->alloc;
    g->type = *type;
    g->val[0] = init[0];
    g->val[1] = weft__valtype_slots(type->type) == 2 ? init[1] : 0;
    g->next = store->globals;
    store->globals = g;
    *out = g;
    return NULL;
}

void weft__global_free(weft_store_t *store, weft_global_t *global)
{
    (void)store;
    const weft_alloc_t a = global->alloc;
    weft__free(&a, global, sizeof *global);
}

static bool valid_kind(uint32_t k)
{
    switch (k) {
    case WEFT_I32: case WEFT_I64: case WEFT_F32: case WEFT_F64: case WEFT_V128:
    case WEFT_FUNCREF: case WEFT_EXTERNREF:
        return true;
    default:
        return false;
    }
}

/* The public value as slots. Written here rather than through the interpreter's converter so
 * the object API does not depend on the execution layer. */
static void val_to_slots(const weft_val_t *v, uint64_t s[2])
{
    s[0] = s[1] = 0;
    switch (v->kind) {
    case WEFT_I32: s[0] = (uint64_t)(uint32_t)v->of.i32; break;
    case WEFT_I64: s[0] = (uint64_t)v->of.i64; break;
    case WEFT_F32: s[0] = v->of.f32; break;
    case WEFT_F64: s[0] = v->of.f64; break;
    case WEFT_V128:
        memcpy(&s[0], v->of.v128, 8);
        memcpy(&s[1], v->of.v128 + 8, 8);
        break;
    case WEFT_FUNCREF: s[0] = (uint64_t)(uintptr_t)v->of.funcref; break;
    case WEFT_EXTERNREF: s[0] = (uint64_t)(uintptr_t)v->of.externref; break;
    default: break;
    }
}

weft_error_t *weft_global_new(weft_store_t *store, weft_valkind_t kind, bool mutable_,
                              weft_val_t init, weft_global_t **out)
{
    const weft_alloc_t dflt = {weft__default_alloc, NULL};
    if (!store || !out) {
        return weft__error_new(store ? &store->alloc : &dflt, WEFT_ERROR_INVALID_ARG,
                               UINT64_MAX, "weft_global_new: invalid argument");
    }
    *out = NULL;
    if (!valid_kind((uint32_t)kind) || init.kind != (uint32_t)kind) {
        return weft__error_new(&store->alloc, WEFT_ERROR_INVALID_ARG, UINT64_MAX,
                               "weft_global_new: value kind does not match the global");
    }
    weft_globaltype_t t = {.type = (weft_valtype_t)kind, .mut = mutable_};
    uint64_t s[2];
    val_to_slots(&init, s);
    return weft__global_create(store, &t, s, out);
}

void weft_global_get(const weft_global_t *global, weft_val_t *out)
{
    if (!out) return;
    memset(out, 0, sizeof *out);
    if (!global) return;
    uint32_t k = global->type.type & 0xFF;
    out->kind = k;
    switch (k) {
    case WEFT_I32: out->of.i32 = (int32_t)(uint32_t)global->val[0]; break;
    case WEFT_I64: out->of.i64 = (int64_t)global->val[0]; break;
    case WEFT_F32: out->of.f32 = (uint32_t)global->val[0]; break;
    case WEFT_F64: out->of.f64 = global->val[0]; break;
    case WEFT_V128:
        memcpy(out->of.v128, &global->val[0], 8);
        memcpy(out->of.v128 + 8, &global->val[1], 8);
        break;
    case WEFT_FUNCREF: out->of.funcref = (weft_func_t *)(uintptr_t)global->val[0]; break;
    case WEFT_EXTERNREF: out->of.externref = (void *)(uintptr_t)global->val[0]; break;
    default: break;
    }
}

weft_error_t *weft_global_set(weft_global_t *global, weft_val_t val)
{
    const weft_alloc_t dflt = {weft__default_alloc, NULL};
    if (!global) {
        return weft__error_new(&dflt, WEFT_ERROR_INVALID_ARG, UINT64_MAX,
                               "weft_global_set: invalid argument");
    }
    if (!global->type.mut) {
        return weft__error_new(&global->alloc, WEFT_ERROR_INVALID_ARG, UINT64_MAX,
                               "weft_global_set: global is immutable");
    }
    if (val.kind != (global->type.type & 0xFF)) {
        return weft__error_new(&global->alloc, WEFT_ERROR_INVALID_ARG, UINT64_MAX,
                               "weft_global_set: value kind does not match the global");
    }
    val_to_slots(&val, global->val);
    return NULL;
}
