/* async_lower.c - `canon lower` through the async machinery (definitions.py canon_lower with
 * `async`, and a synchronous lower of an async-typed callee, whose caller then waits for the
 * subtask), Subtask (on_start, on_resolve, events, deliver_resolve), `canon subtask.drop` and
 * `canon subtask.cancel`. */
#include <string.h>

#include "component/async_internal.h"
#include "component/host_async.h"
#include "util/error.h"

static weft_asubtask_t *container(weft_waitable_t *w)
{
    return (weft_asubtask_t *)((char *)w - offsetof(weft_asubtask_t, w));
}

static bool resolved(const weft_asubtask_t *s)
{
    return s->state >= WEFT_SUBTASK_RETURNED;
}

/* Subtask.deliver_resolve: the caller has seen the resolution, the loans end. */
static void deliver_resolve(weft_asubtask_t *s)
{
    if (s->delivered) return;
    s->delivered = true;
    weft__lends_release(&s->lends, &s->le->st->handles);
}

static void subtask_event(weft_waitable_t *w, weft_event_t *out)
{
    weft_asubtask_t *s = container(w);
    if (resolved(s)) deliver_resolve(s);
    out->code = WEFT_EVENT_SUBTASK;
    out->p1 = w->handle;
    out->p2 = s->state;
}

/* maybe_on_progress; also wakes a synchronous caller waiting for the resolution. */
static void progress(weft_asubtask_t *s)
{
    if (s->progress) weft__waitable_set_pending_event(&s->w, subtask_event);
    if (s->waiter) weft__athread_hint(s->waiter);
}

void weft__asubtask_progress(weft_asubtask_t *s)
{
    progress(s);
}

static void subtask_dtor(void *p)
{
    weft_asubtask_t *s = p;
    if (s->callee && s->callee->subtask == s) s->callee->subtask = NULL;
    if (s->host_call) weft__ahost_detach(s->host_call);
    s->host_call = NULL;
    s->callee = NULL;
    weft__waitable_join(&s->w, NULL);
}

static void subtask_free(weft_asubtask_t *s)
{
    if (!s->delivered) weft__lends_release(&s->lends, &s->le->st->handles);
    weft__async_obj_free(s->le->st->store, s);
}

/* The caller's flat parameters (without the results pointer). */
static uint32_t nparams_of(const weft_asubtask_t *s)
{
    return s->le->plan.results_indirect && s->nflat_args ? s->nflat_args - 1 : s->nflat_args;
}

/* on_start: lift the caller's arguments and lower them into the callee (fused). */
weft_error_t *weft__asubtask_on_start(weft_asubtask_t *s, weft_atask_t *t, weft_val_t *flat,
                                      uint32_t *nflat)
{
    progress(s);
    s->state = WEFT_SUBTASK_STARTED;
    weft_alower_t *le = s->le;
    weft_component_func_t *f = t->f;
    weft_aside_t src, dst;
    weft_lends_t dummy;
    weft__lends_init(&dummy);
    weft__aside_init(&src, le->st, le->st, &le->info->opts, le->memory, le->realloc, &s->lends,
                     NULL);
    weft__aside_init(&dst, t->inst, le->st, &f->opts, f->memory, f->realloc, &dummy, &t->scope);
    uint32_t max = s->is_async ? 4u : WEFT_MAX_FLAT_PARAMS;
    return weft__canon_copy_tuple(&src.cx, max, s->flat_args, nparams_of(s), &dst.cx,
                                  WEFT_MAX_FLAT_PARAMS, NULL, &le->plan.params, flat, nflat);
}

/* on_resolve: the callee's results (in src) are lowered into the caller. */
weft_error_t *weft__asubtask_on_resolve(weft_asubtask_t *s, weft_atask_t *t,
                                        weft_canon_cx_t *src, uint32_t src_max,
                                        const weft_val_t *vals, uint32_t nvals, bool cancelled)
{
    (void)t;
    progress(s);
    if (cancelled) {
        s->state = s->state == WEFT_SUBTASK_STARTING ? WEFT_SUBTASK_CANCELLED_BEFORE_STARTED
                                                     : WEFT_SUBTASK_CANCELLED_BEFORE_RETURNED;
        return NULL;
    }
    weft_alower_t *le = s->le;
    weft_error_t *err = NULL;
    if (le->info->func->result) {
        weft_aside_t dst;
        weft_lends_t dummy;
        weft__lends_init(&dummy);
        weft__aside_init(&dst, le->st, le->st, &le->info->opts, le->memory, le->realloc, &dummy,
                         NULL);
        uint32_t outp = 0;
        const uint32_t *out_param = NULL;
        if (le->plan.results_indirect && s->nflat_args) {
            outp = (uint32_t)s->flat_args[s->nflat_args - 1].of.i32;
            out_param = &outp;
        }
        weft_val_t out[WEFT_MAX_FLAT_PARAMS + 1];
        uint32_t nout = 0;
        err = weft__canon_copy_tuple(src, src_max, vals, nvals, &dst.cx,
                                     s->is_async ? 0u : WEFT_MAX_FLAT_RESULTS, out_param,
                                     &le->plan.result, out, &nout);
        s->nflat_results = nout > 2 ? 2 : nout;
        memcpy(s->flat_results, out, s->nflat_results * sizeof *out);
    }
    s->state = WEFT_SUBTASK_RETURNED;
    return err;
}

static bool subtask_resolved(void *env)
{
    return resolved(env);
}

/* The end of a synchronous lower whose callee blocked: its results become the core
 * results. */
static weft_error_t *sync_finish(void *env, bool cancelled, weft_val_t *results,
                                 size_t nresults)
{
    (void)cancelled;
    weft_asubtask_t *s = env;
    deliver_resolve(s);
    for (size_t i = 0; i < nresults && i < s->nflat_results; i++) {
        weft_valkind_t k = (weft_valkind_t)results[i].kind;
        results[i] = s->flat_results[i];
        results[i].kind = k;
    }
    subtask_free(s);
    return NULL;
}

/* A call of a host function through a lower handled here: the host function runs to
 * completion at once. */
static weft_error_t *call_host(weft_alower_t *le, weft_asubtask_t *s)
{
    weft_cstate_t *S = le->st;
    const weft_ty_func_t *ft = le->info->func;
    weft_aside_t caller;
    weft__aside_init(&caller, S, S, &le->info->opts, le->memory, le->realloc, &s->lends, NULL);
    weft_cval_arena_t ar;
    weft__cval_arena_init(&ar, &S->root->alloc);
    weft_cval_t *argv = weft__cval_nodes(&ar, ft->nparams + 1u);
    weft_cval_t result;
    memset(&result, 0, sizeof result);
    weft_error_t *err = argv ? NULL : weft__error_oom();
    s->state = WEFT_SUBTASK_STARTED;
    if (!err)
        err = weft__canon_lift_tuple(&caller.cx, &ar, s->is_async ? 4u : WEFT_MAX_FLAT_PARAMS,
                                     &le->plan.params, s->flat_args, nparams_of(s), argv);
    if (!err)
        err = le->target->host(le->target->host_env, S->store, argv, ft->nparams, &result,
                               ft->result ? 1 : 0, &ar);
    if (!err && ft->result) {
        uint32_t outp = 0;
        const uint32_t *out_param = NULL;
        if (le->plan.results_indirect && s->nflat_args) {
            outp = (uint32_t)s->flat_args[s->nflat_args - 1].of.i32;
            out_param = &outp;
        }
        weft_val_t out[WEFT_MAX_FLAT_PARAMS + 1];
        uint32_t nout = 0;
        err = weft__canon_lower_tuple(&caller.cx, s->is_async ? 0u : WEFT_MAX_FLAT_RESULTS,
                                      &le->plan.result, &result, out_param, out, &nout);
        s->nflat_results = nout > 2 ? 2 : nout;
        memcpy(s->flat_results, out, s->nflat_results * sizeof *out);
    }
    if (!err) s->state = WEFT_SUBTASK_RETURNED;
    weft__cval_arena_reset(&ar);
    return err;
}

static weft_error_t *lower_fn(void *env, weft_caller_t *caller, const weft_val_t *args,
                              size_t nargs, weft_val_t *results, size_t nresults)
{
    weft_alower_t *le = env;
    weft_cstate_t *S = le->st;
    if (!S->may_leave) return weft__async_trap(S, "cannot leave component instance");
    weft_athread_t *th = weft__async_current_thread(S);
    if (!th) return weft__error_oom();
    weft_error_t *err;
    if (!le->info->opts.is_async && le->target->kind == WEFT_CFUNC_LIFTED &&
        (err = weft__async_may_block(th)))
        return err;
    size_t nflat = nargs > WEFT_MAX_FLAT_PARAMS + 1 ? WEFT_MAX_FLAT_PARAMS + 1 : nargs;
    weft_asubtask_t *s =
        weft__async_obj_new(S->store, sizeof *s + nflat * sizeof *args, subtask_dtor);
    if (!s) return weft__error_oom();
    weft__waitable_init(&s->w, S);
    s->le = le;
    s->is_async = le->info->opts.is_async;
    s->state = WEFT_SUBTASK_STARTING;
    weft__lends_init(&s->lends);
    s->nflat_args = (uint32_t)nflat;
    memcpy(s->flat_args, args, s->nflat_args * sizeof *args);
    weft_component_func_t *f = le->target;
    if (f->kind == WEFT_CFUNC_HOST) {
        err = weft__ahost_is_async(f) ? weft__ahost_start(le, s) : call_host(le, s);
    } else {
        weft_cstate_t *T = f->inst;
        err = weft__call_enter_check(S, T);
        if (!err) {
            weft__call_enter(T);
            err = weft__alift_begin(f, NULL, s, S, NULL);
            weft__call_leave(T);
        }
    }
    if (err) {
        subtask_free(s);
        return err;
    }
    if (!s->is_async) {
        if (!resolved(s)) {
            s->waiter = th;
            return weft__async_block(caller, th, subtask_resolved, sync_finish, s, false, results,
                                     nresults);
        }
        return sync_finish(s, false, results, nresults);
    }
    if (resolved(s)) {
        deliver_resolve(s);
        subtask_free(s);
        results[0].of.i32 = WEFT_SUBTASK_RETURNED;
        return NULL;
    }
    uint32_t i = 0;
    err = weft__async_handle_add(S, WEFT_HANDLE_SUBTASK, s, &i);
    if (err) return err; /* the subtask stays with the store */
    s->w.handle = i;
    s->progress = true;
    results[0].of.i32 = (int32_t)((uint32_t)s->state | (i << 4));
    return NULL;
}

weft_error_t *weft__async_make_lower(weft_cstate_t *st, const weft_ccanon_info_t *info,
                                     weft_component_func_t *target, weft_func_t **out)
{
    *out = NULL;
    bool lifted_async = (target->kind == WEFT_CFUNC_LIFTED && target->type->is_async) ||
                        weft__ahost_is_async(target);
    if (!info->opts.is_async && !lifted_async) return NULL;
    weft_alower_t *le = weft__croot_alloc(st->root, sizeof *le);
    if (!le) return weft__error_oom();
    le->st = st;
    le->info = info;
    le->target = target;
    weft__call_plan_init(&le->plan, &info->opts, info->func);
    if (info->opts.has_memory) le->memory = st->core_memories[info->opts.memory];
    if (info->opts.has_realloc) le->realloc = st->core_funcs[info->opts.realloc];
    *out = weft__async_core_func(st, info->core, lower_fn, le);
    return *out ? NULL : weft__error_oom();
}

/* ---- subtask.drop / subtask.cancel ----------------------------------------------------- */

typedef struct senv {
    weft_cstate_t *st;
    uint8_t op;
    bool async_;
} senv_t;

static weft_error_t *cancel_finish(void *env, bool cancelled, weft_val_t *results,
                                   size_t nresults)
{
    (void)cancelled;
    weft_asubtask_t *s = env;
    weft_event_t e;
    weft__waitable_get_pending_event(&s->w, &e);
    deliver_resolve(s);
    if (nresults) results[0].of.i32 = (int32_t)s->state;
    return NULL;
}

static weft_error_t *subtask_fn(void *env, weft_caller_t *caller, const weft_val_t *args,
                                size_t nargs, weft_val_t *results, size_t nresults)
{
    (void)nargs;
    senv_t *se = env;
    weft_cstate_t *st = se->st;
    if (!st->may_leave) return weft__async_trap(st, "cannot leave component instance");
    uint32_t i = (uint32_t)args[0].of.i32;
    void *obj = NULL;
    weft_error_t *err;
    if (se->op == WEFT_CANON_SUBTASK_CANCEL && !se->async_) {
        weft_athread_t *cur = weft__async_current_thread(st);
        if (!cur) return weft__error_oom();
        if ((err = weft__async_may_block(cur))) return err;
    }
    err = weft__async_handle_get(st, i, WEFT_HANDLE_SUBTASK, &obj);
    if (err) return err;
    weft_asubtask_t *s = obj;
    if (se->op == WEFT_CANON_SUBTASK_DROP) {
        if (!s->delivered)
            return weft__async_trap(st, "cannot drop a subtask which has not yet resolved");
        weft__handles_remove(&st->handles, i, NULL);
        subtask_free(s);
        return NULL;
    }
    /* canon_subtask_cancel */
    if (s->delivered)
        return weft__async_trap(st, "cannot cancel a subtask whose resolution was already "
                                    "delivered");
    if (s->cancellation_requested)
        return weft__async_trap(st, "cannot cancel a subtask twice");
    if (s->w.wset && !se->async_)
        return weft__async_trap(st, "waitable cannot be used synchronously while added to a "
                                    "waitable set");
    weft_athread_t *th = weft__async_current_thread(st);
    if (!th) return weft__error_oom();
    if (!resolved(s)) {
        s->cancellation_requested = true;
        if (s->callee) {
            err = weft__atask_request_cancellation(s->callee, st);
            if (err) return err;
        } else if (s->host_call) {
            err = weft__ahost_cancel_requested(s->host_call);
            if (err) return err;
        }
        if (!resolved(s)) {
            if (!se->async_)
                return weft__async_wait_pending(caller, th, &s->w, cancel_finish, s, results,
                                                nresults);
            results[0].of.i32 = (int32_t)WEFT_ASYNC_BLOCKED;
            return NULL;
        }
    }
    return cancel_finish(s, false, results, nresults);
}

weft_error_t *weft__alower_make_builtin(weft_cstate_t *st, const weft_canon_t *c,
                                        const weft_ccanon_info_t *info, weft_func_t **out)
{
    senv_t *se = weft__croot_alloc(st->root, sizeof *se);
    if (!se) return weft__error_oom();
    se->st = st;
    se->op = c->op;
    se->async_ = c->flag;
    *out = weft__async_core_func(st, info->core, subtask_fn, se);
    return *out ? NULL : weft__error_oom();
}
