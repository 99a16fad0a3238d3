/* call_builtins.c - the task built-ins a synchronous call may use (CanonicalABI.md
 * "canon context.get/set", "canon backpressure.inc/dec"): the context slots of the current
 * task and the instance's backpressure counter. */
#include "component/async.h"
#include "component/instance.h"
#include "util/error.h"

typedef struct builtin_env {
    weft_cstate_t *st;
    uint8_t op;
    uint32_t slot;
} builtin_env_t;

static weft_error_t *builtin_fn(void *env, weft_caller_t *caller, const weft_val_t *args,
                                size_t nargs, weft_val_t *results, size_t nresults)
{
    (void)caller;
    builtin_env_t *be = env;
    weft_cstate_t *st = be->st;
    const weft_alloc_t *a = &st->root->alloc;
    switch (be->op) {
    case WEFT_CANON_CONTEXT_GET:
        if (nresults) results[0].of.i32 = (int32_t)weft__async_context(st)[be->slot];
        return NULL;
    case WEFT_CANON_CONTEXT_SET:
        if (nargs) weft__async_context(st)[be->slot] = (uint32_t)args[0].of.i32;
        return NULL;
    case WEFT_CANON_BACKPRESSURE_INC:
        if (st->backpressure == 0xffffu)
            return weft__canon_trap(a, "wasm trap: backpressure counter overflow");
        st->backpressure++;
        return NULL;
    default:
        if (st->backpressure == 0)
            return weft__canon_trap(a, "wasm trap: backpressure counter underflow");
        st->backpressure--;
        /* Tasks waiting to enter may go on (definitions.py Task.enter_implicit_thread). */
        weft__async_wake_inst(st);
        return NULL;
    }
}

weft_error_t *weft__call_make_builtin(weft_cstate_t *st, const weft_canon_t *c,
                                      weft_func_t **out)
{
    builtin_env_t *be = weft__croot_alloc(st->root, sizeof *be);
    if (!be) return weft__error_oom();
    be->st = st;
    be->op = c->op;
    be->slot = c->slot < WEFT_CONTEXT_SLOTS ? c->slot : 0;
    weft_valkind_t i32 = WEFT_I32;
    switch (c->op) {
    case WEFT_CANON_CONTEXT_GET:
        *out = weft_func_new(st->store, NULL, 0, &i32, 1, builtin_fn, be, NULL);
        break;
    case WEFT_CANON_CONTEXT_SET:
        *out = weft_func_new(st->store, &i32, 1, NULL, 0, builtin_fn, be, NULL);
        break;
    default:
        *out = weft_func_new(st->store, NULL, 0, NULL, 0, builtin_fn, be, NULL);
        break;
    }
    return *out ? NULL : weft__error_oom();
}
