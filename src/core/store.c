/* store.c - engine and store lifetime, the canonical function types of a store (Wasm core
 * spec 4.2.3 Store), and module loading (decode, validate, compile) with the module's reference
 * count. A store owns every runtime object made in it and frees them all at once. */
#include "core/instance.h"

#include "core/binary_copy.h"
#include "core/compile.h"

#include <string.h>

void weft_config_init(weft_config_t *cfg)
{
    if (!cfg) return;
    memset(cfg, 0, sizeof *cfg);
    cfg->alloc = weft__default_alloc;
    cfg->alloc_ud = NULL;
    cfg->max_call_depth = WEFT_DEFAULT_MAX_CALL_DEPTH;
    cfg->max_stack_bytes = WEFT_DEFAULT_MAX_STACK_BYTES;
    cfg->max_memory_bytes = 0;
}

weft_engine_t *weft_engine_new(const weft_config_t *cfg)
{
    weft_config_t c;
    if (cfg) {
        c = *cfg;
    } else {
        weft_config_init(&c);
    }
    if (!c.alloc) {
        c.alloc = weft__default_alloc;
        c.alloc_ud = NULL;
    }
    if (!c.max_call_depth) c.max_call_depth = WEFT_DEFAULT_MAX_CALL_DEPTH;
    if (!c.max_stack_bytes) c.max_stack_bytes = WEFT_DEFAULT_MAX_STACK_BYTES;

    const weft_alloc_t a = {c.alloc, c.alloc_ud};
    weft_engine_t *e = weft__calloc(&a, 1, sizeof *e);
    if (!e) return NULL;
    e->alloc = a;
    e->config = c;
    return e;
}

void weft_engine_delete(weft_engine_t *engine)
{
    if (!engine) return;
    const weft_alloc_t a = engine->alloc;
    weft__free(&a, engine, sizeof *engine);
}

weft_store_t *weft_store_new(weft_engine_t *engine)
{
    if (!engine) return NULL;
    weft_store_t *s = weft__calloc(&engine->alloc, 1, sizeof *s);
    if (!s) return NULL;
    s->engine = engine;
    s->alloc = engine->alloc;
    return s;
}

static void functype_free(const weft_alloc_t *a, weft_functype_t *t)
{
    weft__free(a, t->params, (size_t)t->nparams * sizeof *t->params);
    weft__free(a, t->results, (size_t)t->nresults * sizeof *t->results);
    t->params = t->results = NULL;
}

static void func_free(weft_store_t *store, weft_func_t *f)
{
    if (f->env_free) f->env_free(f->env);
    /* Host functions own their type's arrays (see weft_func_new). */
    if (!f->inst) functype_free(&store->alloc, &f->host_type);
    weft__free(&store->alloc, f, sizeof *f);
}

void weft_store_delete(weft_store_t *store)
{
    if (!store) return;
    weft__call_cache_free(store);
    /* Instances first: they refer to the other objects only through pointers, and dropping
     * their module references may free modules whose handles are already gone. */
    for (weft_instance_t *i = store->instances, *n; i; i = n) {
        n = i->next;
        weft__instance_free(i);
    }
    for (weft_func_t *f = store->funcs, *n; f; f = n) {
        n = f->next;
        func_free(store, f);
    }
    for (weft_memory_t *m = store->memories, *n; m; m = n) {
        n = m->next;
        weft__memory_free(m);
    }
    for (weft_table_t *t = store->tables, *n; t; t = n) {
        n = t->next;
        weft__table_free(t);
    }
    for (weft_global_t *g = store->globals, *n; g; g = n) {
        n = g->next;
        weft__global_free(store, g);
    }
    for (uint32_t i = 0; i < store->ncanon_types; i++) functype_free(&store->alloc,
                                                                     &store->canon_types[i]);
    weft__free(&store->alloc, store->canon_types, store->canon_cap * sizeof *store->canon_types);
    const weft_alloc_t a = store->alloc;
    weft__free(&a, store, sizeof *store);
}

bool weft__functype_equal(const weft_functype_t *a, const weft_functype_t *b)
{
    if (a->nparams != b->nparams || a->nresults != b->nresults) return false;
    for (uint32_t i = 0; i < a->nparams; i++) {
        if (a->params[i] != b->params[i]) return false;
    }
    for (uint32_t i = 0; i < a->nresults; i++) {
        if (a->results[i] != b->results[i]) return false;
    }
    return true;
}

static weft_valtype_t *copy_types(const weft_alloc_t *a, const weft_valtype_t *src, uint32_t n,
                                  bool *ok)
{
    *ok = true;
    if (!n) return NULL;
    weft_valtype_t *d = weft__malloc(a, (size_t)n * sizeof *d);
    if (!d) {
        *ok = false;
        return NULL;
    }
    memcpy(d, src, (size_t)n * sizeof *d);
    return d;
}

/* A linear search: stores hold few distinct types, and interning happens only when functions
 * are created, never on the call path. */
uint32_t weft__store_intern_type(weft_store_t *store, const weft_functype_t *t)
{
    for (uint32_t i = 0; i < store->ncanon_types; i++) {
        if (weft__functype_equal(&store->canon_types[i], t)) return i;
    }
    if (store->ncanon_types == UINT32_MAX - 1) return UINT32_MAX;
    void *arr = store->canon_types;
    if (weft__grow(&store->alloc, &arr, &store->canon_cap, (size_t)store->ncanon_types + 1,
                   sizeof *store->canon_types) != 0) {
        return UINT32_MAX;
    }
    store->canon_types = arr;
    weft_functype_t c = *t;
    bool ok_p, ok_r;
    c.params = copy_types(&store->alloc, t->params, t->nparams, &ok_p);
    c.results = copy_types(&store->alloc, t->results, t->nresults, &ok_r);
    if (!ok_p || !ok_r) {
        functype_free(&store->alloc, &c);
        return UINT32_MAX;
    }
    store->canon_types[store->ncanon_types] = c;
    return store->ncanon_types++;
}

/* ---- Modules: loading orchestration and the module's public accessors. ---- */

/* Frees a module and everything it owns. */
static void module_destroy(weft_module_t *m)
{
    const weft_alloc_t a = m->alloc;
    weft__module_free(m);
    weft__free(&a, m, sizeof *m);
}

/* Copies, decodes, validates and compiles one module. `quick`: bodies are decoded by the
 * validator only (weft__module_decode_quick). */
static weft_error_t *module_build(weft_engine_t *engine, const uint8_t *bytes, size_t len,
                                  bool quick, weft_module_t **out)
{
    weft_module_t *m = weft__calloc(&engine->alloc, 1, sizeof *m);
    if (!m) return weft__error_oom();
    m->alloc = engine->alloc;
    m->engine = engine;
    m->refcount = 1;
    m->bytes = weft__binary_copy(&m->alloc, bytes, len);
    if (!m->bytes) {
        weft__free(&m->alloc, m, sizeof *m);
        return weft__error_oom();
    }
    m->len = len;

    weft_error_t *err = quick ? weft__module_decode_quick(m) : weft__module_decode(m);
    if (!err) err = weft__module_validate(m);
    if (!err) err = weft__module_compile(m);
    if (err) {
        module_destroy(m);
        return err;
    }
    *out = m;
    return NULL;
}

weft_error_t *weft_module_new(weft_engine_t *engine, const uint8_t *bytes, size_t len,
                              weft_module_t **out)
{
    const weft_alloc_t dflt = {weft__default_alloc, NULL};
    if (!engine || !out || (!bytes && len)) {
        return weft__error_new(engine ? &engine->alloc : &dflt, WEFT_ERROR_INVALID_ARG,
                               UINT64_MAX, "weft_module_new: invalid argument");
    }
    *out = NULL;
    /* Byte offsets in the decoded module are 32-bit. */
    if (len > UINT32_MAX) {
        return weft__error_new(&engine->alloc, WEFT_ERROR_DECODE, UINT32_MAX,
                               "module too large");
    }
    /* Valid modules take one pass over their code (the validator's). A module that fails is
     * decoded again in full, so that a malformed body is reported as the decoder's error even
     * when something else fails first in the quick pass (chapter 5 precedes chapter 3). */
    weft_error_t *err = module_build(engine, bytes, len, true, out);
    if (!err || err->kind == WEFT_ERROR_OOM) return err;
    weft_error_delete(err);
    return module_build(engine, bytes, len, false, out);
}

void weft__module_release(weft_module_t *module)
{
    if (!module) return;
    if (--module->refcount == 0) module_destroy(module);
}

void weft_module_delete(weft_module_t *module)
{
    weft__module_release(module);
}

size_t weft_module_import_count(const weft_module_t *module)
{
    return module ? module->nimports : 0;
}

bool weft_module_import(const weft_module_t *module, size_t i, weft_extern_desc_t *out)
{
    if (!module || !out || i >= module->nimports) return false;
    const weft_import_t *im = &module->imports[i];
    out->module = im->module.ptr;
    out->module_len = im->module.len;
    out->name = im->name.ptr;
    out->name_len = im->name.len;
    out->kind = (weft_extern_kind_t)im->kind;
    return true;
}

size_t weft_module_export_count(const weft_module_t *module)
{
    return module ? module->nexports : 0;
}

bool weft_module_export(const weft_module_t *module, size_t i, weft_extern_desc_t *out)
{
    if (!module || !out || i >= module->nexports) return false;
    const weft_export_t *ex = &module->exports[i];
    out->module = NULL;
    out->module_len = 0;
    out->name = ex->name.ptr;
    out->name_len = ex->name.len;
    out->kind = (weft_extern_kind_t)ex->kind;
    return true;
}
