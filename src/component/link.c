/* link.c - the component linker: the host's definitions that satisfy a component's imports
 * (host functions, host resource types, instances and functions of other components). */
#include <string.h>

#include "component/instance.h"
#include "util/error.h"

weft_component_linker_t *weft_component_linker_new(weft_engine_t *engine)
{
    if (!engine) return NULL;
    weft_component_linker_t *l = weft__calloc(&engine->alloc, 1, sizeof *l);
    if (!l) return NULL;
    l->alloc = engine->alloc;
    l->engine = engine;
    return l;
}

static void entry_free(const weft_alloc_t *a, weft_clink_entry_t *e)
{
    if (e->env_free) e->env_free(e->env);
    if (e->instance) weft__free(a, e->instance, e->instance_len + 1);
    if (e->name) weft__free(a, e->name, e->name_len + 1);
    if (e->rt) weft__free(a, e->rt, sizeof *e->rt);
    weft__free(a, e, sizeof *e);
}

void weft_component_linker_delete(weft_component_linker_t *linker)
{
    if (!linker) return;
    for (size_t i = 0; i < linker->count; i++) entry_free(&linker->alloc, linker->entries[i]);
    if (linker->entries)
        weft__free(&linker->alloc, linker->entries, linker->cap * sizeof *linker->entries);
    weft_alloc_t a = linker->alloc;
    weft__free(&a, linker, sizeof *linker);
}

static bool eq(const char *a, size_t alen, const char *b, size_t blen)
{
    return alen == blen && (alen == 0 || memcmp(a, b, alen) == 0);
}

const weft_clink_entry_t *weft__linker_find(const weft_component_linker_t *l,
                                            const char *instance, size_t instance_len,
                                            const char *name, size_t name_len)
{
    if (!l) return NULL;
    for (size_t i = 0; i < l->count; i++) {
        const weft_clink_entry_t *e = l->entries[i];
        if (e->has_instance != (instance != NULL)) continue;
        if (instance && !eq(e->instance, e->instance_len, instance, instance_len)) continue;
        if (eq(e->name, e->name_len, name, name_len)) return e;
    }
    return NULL;
}

bool weft__linker_has_instance(const weft_component_linker_t *l, const char *instance,
                               size_t instance_len)
{
    if (!l) return false;
    for (size_t i = 0; i < l->count; i++) {
        const weft_clink_entry_t *e = l->entries[i];
        if (e->has_instance && eq(e->instance, e->instance_len, instance, instance_len))
            return true;
    }
    return false;
}

/* Adds (or replaces) the entry for (instance, name); *out receives it, zeroed but for the
 * names. */
static weft_error_t *add_entry(weft_component_linker_t *l, const char *instance,
                               size_t instance_len, const char *name, size_t name_len,
                               weft_clink_entry_t **out)
{
    if (!name && name_len) {
        return weft__error_new(&l->alloc, WEFT_ERROR_INVALID_ARG, UINT64_MAX,
                               "component linker: invalid name");
    }
    weft_clink_entry_t *e = weft__calloc(&l->alloc, 1, sizeof *e);
    if (!e) return weft__error_oom();
    e->name = weft__strndup(&l->alloc, name ? name : "", name_len);
    e->name_len = name_len;
    e->has_instance = instance != NULL;
    if (instance) {
        e->instance = weft__strndup(&l->alloc, instance, instance_len);
        e->instance_len = instance_len;
    }
    if (!e->name || (instance && !e->instance)) {
        entry_free(&l->alloc, e);
        return weft__error_oom();
    }
    for (size_t i = 0; i < l->count; i++) {
        weft_clink_entry_t *o = l->entries[i];
        if (o->has_instance == e->has_instance &&
            (!instance || eq(o->instance, o->instance_len, instance, instance_len)) &&
            eq(o->name, o->name_len, name, name_len)) {
            entry_free(&l->alloc, o);
            l->entries[i] = e;
            *out = e;
            return NULL;
        }
    }
    void *p = l->entries;
    if (weft__grow(&l->alloc, &p, &l->cap, l->count + 1, sizeof *l->entries)) {
        entry_free(&l->alloc, e);
        return weft__error_oom();
    }
    l->entries = p;
    l->entries[l->count++] = e;
    *out = e;
    return NULL;
}

weft_error_t *weft_component_linker_define_func(weft_component_linker_t *linker,
                                                const char *instance, size_t instance_len,
                                                const char *name, size_t name_len,
                                                weft_component_host_fn fn, void *env,
                                                void (*env_free)(void *))
{
    if (!linker || !fn) {
        if (env_free) env_free(env);
        const weft_alloc_t dflt = {weft__default_alloc, NULL};
        return weft__error_new(linker ? &linker->alloc : &dflt, WEFT_ERROR_INVALID_ARG,
                               UINT64_MAX, "weft_component_linker_define_func: invalid argument");
    }
    weft_clink_entry_t *e;
    weft_error_t *err = add_entry(linker, instance, instance_len, name, name_len, &e);
    if (err) {
        if (env_free) env_free(env);
        return err;
    }
    e->kind = WEFT_CLINK_HOST_FUNC;
    e->fn = fn;
    e->env = env;
    e->env_free = env_free;
    return NULL;
}

weft_error_t *weft_component_linker_define_resource(weft_component_linker_t *linker,
                                                    const char *instance, size_t instance_len,
                                                    const char *name, size_t name_len,
                                                    void (*dtor)(void *env, uint32_t rep),
                                                    void *env)
{
    if (!linker) return weft__error_oom();
    weft_crt_t *rt = weft__calloc(&linker->alloc, 1, sizeof *rt);
    if (!rt) return weft__error_oom();
    weft_clink_entry_t *e;
    weft_error_t *err = add_entry(linker, instance, instance_len, name, name_len, &e);
    if (err) {
        weft__free(&linker->alloc, rt, sizeof *rt);
        return err;
    }
    /* The identity of a host resource type is its linker entry. */
    rt->base.impl = rt;
    rt->host_dtor = dtor;
    rt->host_env = env;
    e->kind = WEFT_CLINK_RESOURCE;
    e->rt = rt;
    return NULL;
}

weft_error_t *weft_component_linker_define_instance(weft_component_linker_t *linker,
                                                    const char *name, size_t name_len,
                                                    weft_component_instance_t *instance)
{
    if (!linker || !instance) return weft__error_oom();
    weft_clink_entry_t *e;
    weft_error_t *err = add_entry(linker, NULL, 0, name, name_len, &e);
    if (err) return err;
    e->kind = WEFT_CLINK_INSTANCE;
    e->cinstance = instance;
    return NULL;
}

weft_error_t *weft_component_linker_define_component_func(weft_component_linker_t *linker,
                                                          const char *instance,
                                                          size_t instance_len, const char *name,
                                                          size_t name_len,
                                                          weft_component_func_t *func)
{
    if (!linker || !func) return weft__error_oom();
    weft_clink_entry_t *e;
    weft_error_t *err = add_entry(linker, instance, instance_len, name, name_len, &e);
    if (err) return err;
    e->kind = WEFT_CLINK_CFUNC;
    e->cfunc = func;
    return NULL;
}

/* ---- definitions by full name ------------------------------------------------------------ */

/* Splits "instance#name" at its last '#' (an interface name such as "wasi:cli/environment@0.2.0"
 * never contains one; a function name such as "[method]stream.read" may not either, so the
 * last '#' is the unambiguous boundary). Without '#' the name is a top-level import
 * (*instance NULL). Empty parts are the caller's error. */
static weft_error_t *split_full(const weft_alloc_t *a, const char *what, const char *full,
                                size_t len, const char **instance, size_t *instance_len,
                                const char **name, size_t *name_len)
{
    if (!full && len) {
        return weft__error_new(a, WEFT_ERROR_INVALID_ARG, UINT64_MAX,
                               "%s: NULL name with a nonzero length", what);
    }
    size_t hash = len;
    for (size_t i = len; i > 0; i--) {
        if (full[i - 1] == '#') {
            hash = i - 1;
            break;
        }
    }
    if (hash == len) {
        *instance = NULL;
        *instance_len = 0;
        *name = full;
        *name_len = len;
    } else {
        *instance = full;
        *instance_len = hash;
        *name = full + hash + 1;
        *name_len = len - hash - 1;
        if (hash == 0) {
            return weft__error_new(a, WEFT_ERROR_INVALID_ARG, UINT64_MAX,
                                   "%s: empty instance name before '#'", what);
        }
    }
    if (*name_len == 0) {
        return weft__error_new(a, WEFT_ERROR_INVALID_ARG, UINT64_MAX, "%s: empty %s name", what,
                               *instance ? "function (after '#')" : "import");
    }
    return NULL;
}

static const weft_alloc_t *linker_alloc(const weft_component_linker_t *l, weft_alloc_t *dflt)
{
    dflt->fn = weft__default_alloc;
    dflt->ud = NULL;
    return l ? &l->alloc : dflt;
}

weft_error_t *weft_component_linker_define_func_full(weft_component_linker_t *linker,
                                                     const char *full_name, size_t len,
                                                     weft_component_host_fn fn, void *env,
                                                     void (*env_free)(void *))
{
    weft_alloc_t dflt;
    const char *in, *nm;
    size_t in_len, nm_len;
    weft_error_t *err = split_full(linker_alloc(linker, &dflt),
                                   "weft_component_linker_define_func_full", full_name, len, &in,
                                   &in_len, &nm, &nm_len);
    if (err) {
        if (env_free) env_free(env);
        return err;
    }
    return weft_component_linker_define_func(linker, in, in_len, nm, nm_len, fn, env, env_free);
}

weft_error_t *weft_component_linker_define_async_func_full(weft_component_linker_t *linker,
                                                           const char *full_name, size_t len,
                                                           weft_component_async_host_fn fn,
                                                           void *env, void (*env_free)(void *))
{
    weft_alloc_t dflt;
    const char *in, *nm;
    size_t in_len, nm_len;
    weft_error_t *err = split_full(linker_alloc(linker, &dflt),
                                   "weft_component_linker_define_async_func_full", full_name, len,
                                   &in, &in_len, &nm, &nm_len);
    if (err) {
        if (env_free) env_free(env);
        return err;
    }
    return weft_component_linker_define_async_func(linker, in, in_len, nm, nm_len, fn, env,
                                                   env_free);
}

weft_error_t *weft_component_linker_define_resource_full(weft_component_linker_t *linker,
                                                         const char *full_name, size_t len,
                                                         void (*dtor)(void *env, uint32_t rep),
                                                         void *env)
{
    weft_alloc_t dflt;
    const char *in, *nm;
    size_t in_len, nm_len;
    weft_error_t *err = split_full(linker_alloc(linker, &dflt),
                                   "weft_component_linker_define_resource_full", full_name, len,
                                   &in, &in_len, &nm, &nm_len);
    if (err) return err;
    return weft_component_linker_define_resource(linker, in, in_len, nm, nm_len, dtor, env);
}
