/* resource.c - the resource built-ins `canon resource.new`, `resource.drop` and
 * `resource.rep` (CanonicalABI.md "canon resource.new/drop/rep") as core functions of the
 * defining instance, and destructor calls. */
#include <string.h>

#include "component/instance.h"
#include "util/error.h"

typedef struct res_env {
    weft_cstate_t *st;
    uint8_t op;
    const weft_ty_resource_t *node;
} res_env_t;

weft_error_t *weft__resource_run_dtor(weft_store_t *store, const weft_crt_t *rt, uint32_t rep,
                                      const weft_cstate_t *caller)
{
    if (rt->host_dtor) {
        rt->host_dtor(rt->host_env, rep);
        return NULL;
    }
    weft_cstate_t *impl = rt->impl;
    /* Dropping an owned handle of another instance's resource is a call into the
     * implementation (CanonicalABI.md "canon resource.drop"), checked for reentrance even
     * when there is no destructor to run; one of the dropping instance itself is an ordinary
     * internal call. */
    bool enter = impl && impl != caller;
    weft_error_t *err = enter ? weft__call_enter_check(caller, impl) : NULL;
    if (err || !rt->dtor) return err;
    if (enter) weft__call_enter(impl);
    weft_val_t a;
    a.kind = WEFT_I32;
    a.of.i32 = (int32_t)rep;
    err = weft_func_call(store, rt->dtor, &a, 1, NULL, 0);
    if (enter) weft__call_leave(impl);
    if (err && enter) impl->poisoned = true;
    return err;
}

static weft_error_t *res_fn(void *env, weft_caller_t *caller, const weft_val_t *args,
                            size_t nargs, weft_val_t *results, size_t nresults)
{
    (void)caller;
    res_env_t *re = env;
    weft_cstate_t *st = re->st;
    const weft_alloc_t *a = &st->root->alloc;
    if (nargs < 1) return weft__canon_trap(a, "resource built-in: bad arguments");
    const weft_crt_t *rt = weft__cstate_resource(st, re->node);
    if (!rt) return weft__canon_trap(a, "resource type unavailable");
    uint32_t x = (uint32_t)args[0].of.i32, out = 0;
    weft_error_t *err = NULL;
    switch (re->op) {
    case WEFT_CANON_RESOURCE_NEW:
        if (!st->may_leave) return weft__canon_trap(a, "cannot leave component instance");
        err = weft__resource_new(&st->handles, &rt->base, x, &out);
        break;
    case WEFT_CANON_RESOURCE_REP:
        err = weft__resource_rep(&st->handles, &rt->base, x, &out);
        break;
    default: {
        if (!st->may_leave) return weft__canon_trap(a, "cannot leave component instance");
        bool run = false;
        uint32_t rep = 0;
        err = weft__resource_drop(&st->handles, &rt->base, x, &run, &rep);
        if (!err && run) err = weft__resource_run_dtor(st->store, rt, rep, st);
        break;
    }
    }
    if (err) return err;
    if (nresults > 0) results[0].of.i32 = (int32_t)out;
    return NULL;
}

weft_error_t *weft__resource_make_builtin(weft_cstate_t *st, uint8_t op,
                                          const weft_ccanon_info_t *info, weft_func_t **out)
{
    res_env_t *re = weft__croot_alloc(st->root, sizeof *re);
    if (!re) return weft__error_oom();
    re->st = st;
    re->op = op;
    re->node = info->resource;
    weft_valkind_t i32 = WEFT_I32;
    weft_valkind_t rep = info->resource && info->resource->rep == WEFT_T_I64 ? WEFT_I64 : WEFT_I32;
    if (op == WEFT_CANON_RESOURCE_NEW)
        *out = weft_func_new(st->store, &rep, 1, &i32, 1, res_fn, re, NULL);
    else if (op == WEFT_CANON_RESOURCE_REP)
        *out = weft_func_new(st->store, &i32, 1, &rep, 1, res_fn, re, NULL);
    else
        *out = weft_func_new(st->store, &i32, 1, NULL, 0, res_fn, re, NULL);
    return *out ? NULL : weft__error_oom();
}
