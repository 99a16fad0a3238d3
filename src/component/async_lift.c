/* async_lift.c - `canon lift` of async-typed functions (definitions.py canon_lift: the
 * implicit thread, Task.enter_implicit_thread with backpressure and the exclusive lock, the
 * callback loop's EXIT/YIELD/WAIT codes, stackful lifts), Task.return_/cancel,
 * Task.request_cancellation, `canon task.return`, `canon task.cancel`, and the host's entry
 * (Store.invoke followed by Store.tick until the task resolves). */
#include <string.h>

#include "component/async_internal.h"
#include "component/async_stream.h"
#include "util/error.h"

/* ---- call contexts ------------------------------------------------------------------- */

static weft_error_t *do_realloc(void *env, uint32_t old_ptr, uint32_t old_size, uint32_t align,
                                uint32_t new_size, uint32_t *result)
{
    weft_aside_t *s = env;
    weft_val_t a[4], r;
    memset(a, 0, sizeof a);
    for (int i = 0; i < 4; i++) a[i].kind = WEFT_I32;
    a[0].of.i32 = (int32_t)old_ptr;
    a[1].of.i32 = (int32_t)old_size;
    a[2].of.i32 = (int32_t)align;
    a[3].of.i32 = (int32_t)new_size;
    memset(&r, 0, sizeof r);
    r.kind = WEFT_I32;
    weft_error_t *err = weft_func_call(s->store, s->realloc, a, 4, &r, 1);
    *result = (uint32_t)r.of.i32;
    return err;
}

static const weft_rt_resource_t *do_resource(void *env, const weft_ty_resource_t *r)
{
    const weft_aside_t *s = env;
    const weft_crt_t *rt = weft__cstate_resource(s->resolver, r);
    return rt ? &rt->base : NULL;
}

void weft__aside_init(weft_aside_t *s, weft_cstate_t *st, const weft_cstate_t *resolver,
                      const weft_ty_opts_t *opts, weft_memory_t *memory, weft_func_t *realloc,
                      weft_lends_t *lends, weft_borrow_scope_t *scope)
{
    /* Every field is set (no memset: this runs several times per call). */
    s->store = st->store;
    s->realloc = realloc;
    s->resolver = resolver;
    s->cx.alloc = &st->root->alloc;
    s->cx.memory = memory;
    s->cx.string_encoding = opts ? opts->string_encoding : WEFT_STRENC_UTF8;
    s->cx.realloc = realloc ? do_realloc : NULL;
    s->cx.realloc_env = s;
    s->cx.handles = &st->handles;
    s->cx.inst = st;
    s->cx.resource = do_resource;
    s->cx.resource_env = s;
    s->cx.lends = lends;
    s->cx.borrow_scope = scope;
    s->cx.may_leave = &st->may_leave;
}

weft_func_t *weft__async_core_func(weft_cstate_t *st, const weft_ty_core_func_t *type,
                                   weft_host_fn fn, void *env)
{
    weft_valkind_t p[64], r[64];
    uint32_t np = type ? type->nparams : 0, nr = type ? type->nresults : 0;
    if (np > 64 || nr > 64) return NULL;
    for (uint32_t i = 0; i < np; i++) p[i] = weft__cvk(type->params[i]);
    for (uint32_t i = 0; i < nr; i++) r[i] = weft__cvk(type->results[i]);
    weft_func_t *f = weft_func_new(st->store, p, np, r, nr, fn, env, NULL);
    if (f) weft__abuiltin_use_slots(f);
    return f;
}

/* ---- Task ---------------------------------------------------------------------------- */

static bool needs_exclusive(const weft_atask_t *t)
{
    return t->ft_async && (!t->opts_async || t->f->opts.has_callback);
}

/* Task.return_ followed by on_resolve: the values are the callee's flat results (task.return
 * arguments, or a sync lift's core results) in the context src. */
static weft_error_t *task_return(weft_atask_t *t, weft_canon_cx_t *src, uint32_t src_max,
                                 const weft_val_t *vals, uint32_t nvals)
{
    if (t->state == WEFT_TASK_RESOLVED)
        return weft__async_trap(t->inst, "cannot call task.return after the task resolved");
    if (t->scope.num_borrows > 0)
        return weft__async_trap(t->inst, "borrow handles still remain at the end of the call");
    weft_error_t *err = NULL;
    if (t->host) {
        weft_ahost_call_t *hc = t->host;
        if (t->f->type->result)
            err = weft__canon_lift_tuple(src, hc->arena, src_max, &t->f->plan.result, vals,
                                         nvals, hc->results);
        hc->done = true;
        t->host = NULL;
        if (hc->on_done) hc->on_done(hc, err);
    } else if (t->subtask && t->state != WEFT_TASK_RESOLVED) {
        err = weft__asubtask_on_resolve(t->subtask, t, src, src_max, vals, nvals, false);
    }
    t->state = WEFT_TASK_RESOLVED;
    /* A resolved holder of the exclusive lock that blocks no longer excludes others. */
    if (t->inst->async && t->inst->async->exclusive && t->inst->store->async_sched)
        weft__async_wake_inst(t->inst);
    return err;
}

/* Task.cancel */
weft_error_t *weft__atask_cancel(weft_atask_t *t)
{
    if (t->state != WEFT_TASK_CANCEL_DELIVERED)
        return weft__async_trap(t->inst, "cannot cancel a task before cancellation was "
                                         "requested and delivered");
    if (t->scope.num_borrows > 0)
        return weft__async_trap(t->inst, "borrow handles still remain at the end of the call");
    weft_error_t *err = NULL;
    if (t->host) {
        weft_ahost_call_t *hc = t->host;
        hc->done = true;
        hc->cancelled = true;
        t->host = NULL;
        if (hc->on_done) hc->on_done(hc, NULL);
    } else if (t->subtask) {
        err = weft__asubtask_on_resolve(t->subtask, t, NULL, 0, NULL, 0, true);
    }
    t->state = WEFT_TASK_RESOLVED;
    return err;
}

/* inst.exclusive_thread is not None, except that a holder whose task already resolved and
 * that is blocked in a synchronous built-in no longer excludes others: the reference tests
 * start a callback-lifted task while another one that returned is blocked in a synchronous
 * stream.write (async/sync-streams.wast, which definitions.py would answer with STARTING).
 * Nothing observable can depend on the returned task keeping the lock: its caller already
 * has its results, and the lock comes back to whichever task runs the callback next. */
static bool exclusive_held(const weft_ainst_t *ai)
{
    const weft_athread_t *x = ai->exclusive;
    return x && !(x->task->state == WEFT_TASK_RESOLVED && !x->running && x->waiting);
}

static bool enter_ready(void *env)
{
    weft_atask_t *t = env;
    weft_ainst_t *ai = t->inst->async;
    return !(t->inst->backpressure > 0 || (needs_exclusive(t) && exclusive_held(ai)));
}

/* definitions.py canon_lift thread_func up to the core call: Task.enter_implicit_thread,
 * Task.start (on_start lowers the arguments) and the call. */
weft_error_t *weft__alift_start(weft_athread_t *th, bool cancelled)
{
    weft_atask_t *t = th->task;
    weft_cstate_t *st = t->inst;
    weft_ainst_t *ai = weft__ainst(st);
    if (!ai) return weft__error_oom();
    if (th->phase == WEFT_PHASE_NEW) {
        if (t->ft_async && (!enter_ready(t) || ai->num_waiting_to_enter > 0)) {
            ai->num_waiting_to_enter++;
            th->phase = WEFT_PHASE_ENTER;
            th->cancellable = true;
            th->lock_wait = true;
            weft__athread_wait(th, enter_ready, t);
            th->running = false;
            return NULL;
        }
    } else {
        ai->num_waiting_to_enter--;
        if (cancelled) {
            /* Cancelled before starting: no arguments were lowered. */
            weft_error_t *err = weft__atask_cancel(t);
            th->phase = WEFT_PHASE_EXITED;
            weft_error_t *e2 = weft__athread_exit(th);
            return err ? err : e2;
        }
    }
    if (needs_exclusive(t)) ai->exclusive = th;
    weft_error_t *err = weft__athread_register(th);
    if (err) return err;
    t->state = WEFT_TASK_STARTED;
    weft_val_t flat[WEFT_MAX_FLAT_PARAMS + 1];
    uint32_t nflat = 0;
    if (t->host) {
        weft_component_func_t *f = t->f;
        weft_aside_t callee;
        weft_lends_t lends;
        weft__lends_init(&lends);
        weft__aside_init(&callee, st, st, &f->opts, f->memory, f->realloc, &lends, &t->scope);
        err = weft__canon_lower_tuple(&callee.cx, WEFT_MAX_FLAT_PARAMS, &f->plan.params,
                                      t->host->args, NULL, flat, &nflat);
    } else if (t->subtask) {
        err = weft__asubtask_on_start(t->subtask, t, flat, &nflat);
    }
    if (err) {
        weft__async_poison(st);
        return err;
    }
    return weft__athread_call(th, t->f->core, flat, nflat);
}

/* Thread exit of the implicit thread (Task.exit_implicit_thread). */
static weft_error_t *exit_implicit(weft_athread_t *th)
{
    return weft__athread_exit(th);
}

static weft_error_t *callback_loop(weft_athread_t *th, uint32_t packed);

/* The implicit thread's core call (the first call or a callback call) returned. */
weft_error_t *weft__alift_call_done(weft_athread_t *th, weft_call_t *call)
{
    weft_atask_t *t = th->task;
    weft_component_func_t *f = t->f;
    weft_cstate_t *st = t->inst;
    weft_val_t res[2];
    memset(res, 0, sizeof res);
    uint32_t nres = f->ncore_results;
    if (th->in_callback) nres = 1;
    for (uint32_t i = 0; i < nres && i < 2; i++)
        res[i].kind = th->in_callback ? WEFT_I32 : f->core_results[i];
    weft_error_t *err = nres <= 2 ? weft_call_results(call, res, nres) : NULL;
    weft__call_recycle(call);
    if (err) return err;
    switch (th->kind) {
    case WEFT_ATHREAD_SYNC_LIFT: {
        weft_aside_t callee;
        weft_lends_t lends;
        weft__lends_init(&lends);
        weft__aside_init(&callee, st, t->resolver, &f->opts, f->memory, f->realloc, &lends,
                         &t->scope);
        err = task_return(t, &callee.cx, WEFT_MAX_FLAT_RESULTS, res, nres);
        if (!err && f->post_return) {
            bool saved = st->may_leave;
            st->may_leave = false;
            err = weft_func_call(st->store, f->post_return, res, nres, NULL, 0);
            st->may_leave = saved;
        }
        if (err) {
            weft__async_poison(st);
            return err;
        }
        return exit_implicit(th);
    }
    case WEFT_ATHREAD_CALLBACK:
        return callback_loop(th, (uint32_t)res[0].of.i32);
    default:
        return exit_implicit(th);
    }
}

static bool cb_yield_ready(void *env)
{
    weft_athread_t *th = env;
    return !exclusive_held(th->inst->async);
}

static bool cb_wait_ready(void *env)
{
    weft_athread_t *th = env;
    return !exclusive_held(th->inst->async) && weft__wset_has_pending_event(th->cb_wset);
}

/* Calls the callback with an event, holding the exclusive lock again. */
static weft_error_t *call_callback(weft_athread_t *th, const weft_event_t *e)
{
    weft_atask_t *t = th->task;
    weft_cstate_t *st = t->inst;
    st->async->exclusive = th;
    weft_val_t a[3];
    memset(a, 0, sizeof a);
    a[0].kind = a[1].kind = a[2].kind = WEFT_I32;
    a[0].of.i32 = (int32_t)e->code;
    a[1].of.i32 = (int32_t)e->p1;
    a[2].of.i32 = (int32_t)e->p2;
    th->in_callback = true;
    return weft__athread_call(th, st->core_funcs[t->f->opts.callback], a, 3);
}

/* One turn of the callback loop: unpack_callback_result, then wait for the next event. */
static weft_error_t *callback_loop(weft_athread_t *th, uint32_t packed)
{
    weft_atask_t *t = th->task;
    weft_cstate_t *st = t->inst;
    uint32_t code = packed & 0xfu, si = packed >> 4;
    if (code > 2) {
        weft__async_poison(st);
        return weft__async_trap(st, "unsupported callback code");
    }
    if (code == 0) return exit_implicit(th); /* EXIT */
    weft_ainst_t *ai = st->async;
    if (code == 2) {
        void *obj = NULL;
        weft_error_t *err = weft__async_handle_get(st, si, WEFT_HANDLE_WAITABLE_SET, &obj);
        if (err) {
            weft__async_poison(st);
            return err;
        }
        th->cb_wset = obj;
        th->cb_wset->num_waiting++;
    } else {
        th->cb_wset = NULL;
    }
    if (ai->exclusive == th) ai->exclusive = NULL;
    th->phase = WEFT_PHASE_CB_WAIT;
    if (weft__atask_deliver_pending_cancel(t, true)) return weft__alift_cb_resume(th, true);
    th->cancellable = true;
    /* The lock was released: threads waiting for it may go on. */
    weft__async_wake_inst(st);
    if (code == 2) weft__athread_wait_set(th, th->cb_wset);
    th->lock_wait = true;
    weft__athread_wait(th, code == 2 ? cb_wait_ready : cb_yield_ready, th);
    th->running = false;
    return NULL;
}

weft_error_t *weft__alift_cb_resume(weft_athread_t *th, bool cancelled)
{
    weft_event_t e;
    memset(&e, 0, sizeof e);
    if (th->cb_wset) {
        if (cancelled) e.code = WEFT_EVENT_TASK_CANCELLED;
        else weft__wset_get_pending_event(th->cb_wset, &e);
        th->cb_wset->num_waiting--;
        th->cb_wset = NULL;
    } else if (cancelled) {
        e.code = WEFT_EVENT_TASK_CANCELLED;
    }
    return call_callback(th, &e);
}

weft_error_t *weft__alift_begin(weft_component_func_t *f, weft_ahost_call_t *host,
                                weft_asubtask_t *st, const weft_cstate_t *resolver,
                                weft_atask_t **out)
{
    weft_atask_t *t = weft__atask_new(f, f->inst);
    if (!t) return weft__error_oom();
    t->host = host;
    t->subtask = st;
    t->resolver = resolver;
    uint8_t kind = !f->opts.is_async      ? WEFT_ATHREAD_SYNC_LIFT
                   : f->opts.has_callback ? WEFT_ATHREAD_CALLBACK
                                          : WEFT_ATHREAD_STACKFUL;
    weft_athread_t *th = weft__athread_new(t, kind);
    if (!th) {
        weft__async_obj_free(f->inst->store, t);
        return weft__error_oom();
    }
    t->implicit = th;
    if (host) host->task = t;
    if (st) st->callee = t;
    if (out) *out = t;
    return weft__athread_resume(th, false);
}

/* Task.request_cancellation */
weft_error_t *weft__atask_request_cancellation(weft_atask_t *t, weft_cstate_t *caller)
{
    if (t->state == WEFT_TASK_INITIAL) {
        t->state = WEFT_TASK_CANCEL_DELIVERED;
        return t->implicit ? weft__athread_resume(t->implicit, true) : NULL;
    }
    weft_ainst_t *ai = weft__ainst(t->inst);
    if (!ai) return weft__error_oom();
    weft_athread_t *cand = NULL;
    bool skip_implicit = needs_exclusive(t) && ai->exclusive && ai->exclusive != t->implicit;
    /* The first candidate in thread creation order (the spec picks at random). */
    for (weft_athread_t *th = t->threads; th; th = th->tnext) {
        if (th->running || !th->cancellable) continue;
        if (th == t->implicit && skip_implicit) continue;
        cand = th;
    }
    weft_error_t *chk = cand ? weft__call_enter_check(caller, t->inst) : NULL;
    if (cand && !chk) {
        t->state = WEFT_TASK_CANCEL_DELIVERED;
        weft__call_enter(t->inst);
        weft_error_t *err = weft__athread_resume(cand, true);
        weft__call_leave(t->inst);
        return err;
    }
    weft_error_delete(chk);
    t->state = WEFT_TASK_PENDING_CANCEL;
    return NULL;
}

/* ---- task.return / task.cancel ------------------------------------------------------- */

typedef struct tenv {
    weft_cstate_t *st;
    uint8_t op;
    const weft_ccanon_info_t *info;
    weft_memory_t *memory;
} tenv_t;

static weft_error_t *task_fn(void *env, weft_caller_t *caller, const weft_val_t *args,
                             size_t nargs, weft_val_t *results, size_t nresults)
{
    (void)caller, (void)results, (void)nresults;
    tenv_t *te = env;
    weft_cstate_t *st = te->st;
    if (!st->may_leave) return weft__async_trap(st, "cannot leave component instance");
    weft_athread_t *th = weft__async_current_thread(st);
    if (!th) return weft__error_oom();
    weft_atask_t *t = th->task;
    if (!t->opts_async)
        return weft__async_trap(st, te->op == WEFT_CANON_TASK_RETURN
                                        ? "invalid task.return: the task was not lifted async"
                                        : "invalid task.cancel: the task was not lifted async");
    if (te->op == WEFT_CANON_TASK_CANCEL) return weft__atask_cancel(t);
    const weft_ty_func_t *rt = te->info->func;
    const weft_ty_val_t *result = rt && rt->nparams ? rt->params[0].type : NULL;
    weft_component_func_t *f = t->f;
    if (result != f->type->result)
        return weft__async_trap(st, "invalid task.return signature for the current task");
    /* LiftOptions.equal compares the memories by identity; a memory that one side does not
     * declare is not compared (the result's lifting cannot use a memory the lift lacks, and
     * validation made task.return declare the one its result needs): the reference tests
     * return from memory-carrying lifts through memory-less task.return built-ins. */
    if (te->info->opts.string_encoding != f->opts.string_encoding ||
        (te->memory && f->memory && te->memory != f->memory))
        return weft__async_trap(st, "invalid task.return options for the current task");
    weft_aside_t callee;
    weft_lends_t lends;
    weft__lends_init(&lends);
    weft__aside_init(&callee, st, t->resolver, &te->info->opts, te->memory, NULL, &lends,
                     &t->scope);
    return task_return(t, &callee.cx, WEFT_MAX_FLAT_PARAMS, args, (uint32_t)nargs);
}

static weft_error_t *make_task_builtin(weft_cstate_t *st, const weft_canon_t *c,
                                       const weft_ccanon_info_t *info, weft_func_t **out)
{
    tenv_t *te = weft__croot_alloc(st->root, sizeof *te);
    if (!te) return weft__error_oom();
    te->st = st;
    te->op = c->op;
    te->info = info;
    if (info->opts.has_memory) te->memory = st->core_memories[info->opts.memory];
    *out = weft__async_core_func(st, info->core, task_fn, te);
    return *out ? NULL : weft__error_oom();
}

weft_error_t *weft__alift_make_builtin(weft_cstate_t *st, const weft_canon_t *c,
                                       const weft_ccanon_info_t *info, weft_func_t **out)
{
    return make_task_builtin(st, c, info, out);
}

/* ---- the host's entry ---------------------------------------------------------------- */

weft_error_t *weft__async_call_host(weft_store_t *store, weft_component_func_t *f,
                                    const weft_cval_t *args, weft_cval_t *results,
                                    weft_cval_arena_t *arena)
{
    weft_cstate_t *st = f->inst;
    weft_error_t *err = weft__call_enter_check(NULL, st);
    if (err) return err;
    weft_asched_t *s = weft__async_sched(store);
    if (!s || !weft__ainst(st)) return weft__error_oom();
    weft_ahost_call_t hc;
    memset(&hc, 0, sizeof hc);
    hc.args = args;
    hc.results = results;
    hc.arena = arena;
    weft__call_enter(st);
    err = weft__alift_begin(f, &hc, NULL, st, NULL);
    weft__call_leave(st);
    /* Store.tick until the task resolves. The thread resumed may hand off directly to the
     * next one (weft__athread_park_event): direct_top and direct_done tell it that it runs
     * under this loop and when the loop is over; an error of a thread it ran comes back in
     * direct_err. */
    weft_athread_t *saved_top = s->direct_top;
    const bool *saved_done = s->direct_done;
    while (!err && !hc.done) {
        weft_athread_t *th = weft__asched_next(s);
        if (!th) {
            err = weft__async_trap(st, "deadlock detected: event loop cannot make further "
                                       "progress");
            break;
        }
        weft_cstate_t *ti = th->inst;
        weft__call_enter(ti);
        s->direct_top = th;
        s->direct_done = &hc.done;
        err = weft__athread_resume(th, false);
        s->direct_top = saved_top;
        s->direct_done = saved_done;
        if (s->direct_err) {
            if (err) weft_error_delete(s->direct_err);
            else err = s->direct_err;
            s->direct_err = NULL;
        }
        weft__call_leave(ti);
    }
    if (!hc.done && hc.task) hc.task->host = NULL;
    return err;
}
