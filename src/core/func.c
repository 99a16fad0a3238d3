/* func.c - host function objects (Wasm core spec 4.2.6 Function Instances: host functions). */
#include "core/runtime.h"

static bool valkind_ok(weft_valkind_t k)
{
    switch (k) {
    case WEFT_I32: case WEFT_I64: case WEFT_F32: case WEFT_F64: case WEFT_V128:
    case WEFT_FUNCREF: case WEFT_EXTERNREF:
        return true;
    }
    return false;
}

static weft_valtype_t *copy_kinds(const weft_alloc_t *a, const weft_valkind_t *src, size_t n,
                                  uint32_t *slots, bool *ok)
{
    *ok = true;
    *slots = 0;
    if (!n) return NULL;
    weft_valtype_t *d = weft__calloc(a, n, sizeof *d);
    if (!d) {
        *ok = false;
        return NULL;
    }
    for (size_t i = 0; i < n; i++) {
        if (!valkind_ok(src[i])) *ok = false;
        d[i] = (weft_valtype_t)src[i];
        *slots += weft__valtype_slots(d[i]);
    }
    return d;
}

weft_func_t *weft_func_new(weft_store_t *store, const weft_valkind_t *params, size_t nparams,
                           const weft_valkind_t *results, size_t nresults, weft_host_fn fn,
                           void *env, void (*env_free)(void *))
{
    const weft_alloc_t *a = &store->alloc;
    weft_func_t *f = NULL;
    if (!fn || nparams > 1000 || nresults > 1000) goto fail;
    f = weft__calloc(a, 1, sizeof *f);
    if (!f) goto fail;
    bool ok_p, ok_r;
    f->host_type.nparams = (uint32_t)nparams;
    f->host_type.nresults = (uint32_t)nresults;
    f->host_type.params = copy_kinds(a, params, nparams, &f->host_type.param_slots, &ok_p);
    f->host_type.results = copy_kinds(a, results, nresults, &f->host_type.result_slots, &ok_r);
    if (!ok_p || !ok_r) goto fail;
    f->type = &f->host_type;
    f->type_id = weft__store_intern_type(store, &f->host_type);
    if (f->type_id == UINT32_MAX) goto fail;
    f->host = fn;
    f->env = env;
    f->env_free = env_free;
    f->next = store->funcs;
    store->funcs = f;
    return f;
fail:
    if (f) {
        weft__free(a, f->host_type.params, nparams * sizeof(weft_valtype_t));
        weft__free(a, f->host_type.results, nresults * sizeof(weft_valtype_t));
        weft__free(a, f, sizeof *f);
    }
    if (env_free) env_free(env);
    return NULL;
}
