/* async_builtins.c - the thread built-ins (definitions.py canon_thread_index,
 * canon_thread_new_indirect, canon_thread_resume_later, canon_thread_suspend, canon_thread_yield,
 * canon_thread_{suspend,yield}_then_{resume,promote}) and the dispatch of every task built-in
 * to its maker. */
#include <string.h>

#include "component/async_internal.h"
#include "util/error.h"

typedef struct thenv {
    weft_cstate_t *st;
    uint8_t op;
    bool cancellable;
    weft_table_t *table;
} thenv_t;

/* The result of a thread switch: `cancelled` (Cancelled.TRUE / FALSE). */
static weft_error_t *cancelled_finish(void *env, bool cancelled, weft_val_t *results,
                                      size_t nresults)
{
    (void)env;
    if (nresults) results[0].of.i32 = cancelled ? 1 : 0;
    return NULL;
}

static weft_error_t *get_thread(weft_cstate_t *st, uint32_t i, weft_athread_t **out)
{
    weft_ainst_t *ai = weft__ainst(st);
    if (!ai) return weft__error_oom();
    weft_handle_t *h = NULL;
    weft_error_t *err = weft__handles_get(&ai->threads, i, &h);
    if (err) return err;
    *out = h->obj;
    return NULL;
}

/* Thread.resume_later */
static void resume_later(weft_athread_t *other)
{
    other->suspended = false;
    if (other->kind != WEFT_ATHREAD_CSTACK) weft__athread_wait(other, NULL, NULL);
}

/* Switches from th (which blocked, or not when a pending cancellation was delivered) to
 * other. */
static weft_error_t *switch_to(weft_athread_t *th, weft_athread_t *other)
{
    if (th->running) return NULL; /* the cancellation was delivered instead */
    if (other->waiting) weft__athread_unwait(other);
    other->suspended = false;
    ((weft_asched_t *)th->inst->store->async_sched)->switch_to = other;
    return NULL;
}

static weft_error_t *thread_fn(void *env, weft_caller_t *caller, const weft_val_t *args,
                               size_t nargs, weft_val_t *results, size_t nresults)
{
    (void)nargs;
    thenv_t *te = env;
    weft_cstate_t *st = te->st;
    if (!st->may_leave) return weft__async_trap(st, "cannot leave component instance");
    weft_athread_t *th = weft__async_current_thread(st);
    if (!th) return weft__error_oom();
    weft_error_t *err;
    weft_athread_t *other = NULL;
    switch (te->op) {
    case WEFT_CANON_THREAD_INDEX:
        if ((err = weft__athread_register(th))) return err;
        results[0].of.i32 = (int32_t)th->index;
        return NULL;
    case WEFT_CANON_THREAD_NEW_INDIRECT: {
        weft_val_t fv;
        memset(&fv, 0, sizeof fv);
        err = weft_table_get(te->table, (uint32_t)args[0].of.i32, &fv);
        if (err) {
            weft_error_delete(err);
            return weft__async_trap(st, "undefined element: out of bounds table access");
        }
        weft_func_t *f = fv.of.funcref;
        if (!f) return weft__async_trap(st, "uninitialized element");
        if (weft_func_param_count(f) != 1 || weft_func_param(f, 0) != WEFT_I32 ||
            weft_func_result_count(f) != 0)
            return weft__async_trap(st, "indirect call type mismatch");
        /* The spawning thread is registered first (its index is observable). */
        if ((err = weft__athread_register(th))) return err;
        weft_athread_t *nt = weft__athread_new(th->task, WEFT_ATHREAD_SPAWNED);
        if (!nt) return weft__error_oom();
        nt->entry = f;
        nt->entry_arg = (uint32_t)args[1].of.i32;
        nt->suspended = true;
        if ((err = weft__athread_register(nt))) return err;
        results[0].of.i32 = (int32_t)nt->index;
        return NULL;
    }
    case WEFT_CANON_THREAD_RESUME_LATER:
        if ((err = get_thread(st, (uint32_t)args[0].of.i32, &other))) return err;
        if (!other->suspended || other == th)
            return weft__async_trap(st, "cannot resume a thread that is not suspended");
        resume_later(other);
        return NULL;
    case WEFT_CANON_THREAD_SUSPEND:
        if (th->kind == WEFT_ATHREAD_CSTACK && (err = weft__async_may_block(th))) return err;
        return weft__athread_suspend(caller, th, cancelled_finish, NULL, te->cancellable,
                                     results, nresults);
    case WEFT_CANON_THREAD_YIELD:
        return weft__async_block(caller, th, NULL, cancelled_finish, NULL, te->cancellable,
                                 results, nresults);
    default:
        break;
    }
    /* the *-then-resume and *-then-promote forms */
    if ((err = get_thread(st, (uint32_t)args[0].of.i32, &other))) return err;
    bool resume = te->op == WEFT_CANON_THREAD_SUSPEND_THEN_RESUME ||
                  te->op == WEFT_CANON_THREAD_YIELD_THEN_RESUME;
    bool yield = te->op == WEFT_CANON_THREAD_YIELD_THEN_RESUME ||
                 te->op == WEFT_CANON_THREAD_YIELD_THEN_PROMOTE;
    if (resume && (!other->suspended || other == th))
        return weft__async_trap(st, "cannot resume a thread that is not suspended");
    if (!resume) {
        /* Thread.*_then_promote: switch only to a ready thread. */
        if (weft__atask_deliver_pending_cancel(th->task, te->cancellable))
            return cancelled_finish(NULL, true, results, nresults);
        if (!(other != th && weft__athread_ready(other))) {
            return yield ? weft__async_block(caller, th, NULL, cancelled_finish, NULL,
                                             te->cancellable, results, nresults)
                         : weft__athread_suspend(caller, th, cancelled_finish, NULL,
                                                 te->cancellable, results, nresults);
        }
        weft__athread_unwait(other);
        other->suspended = true;
    }
    if (th->kind == WEFT_ATHREAD_CSTACK || !th->call) {
        /* A thread on the C stack runs the other one nested, then blocks as asked. */
        if (weft__atask_deliver_pending_cancel(th->task, te->cancellable))
            return cancelled_finish(NULL, true, results, nresults);
        if (!yield) th->suspended = true;
        err = weft__athread_resume(other, false);
        if (err) return err;
        if (!yield && !th->suspended) return cancelled_finish(NULL, false, results, nresults);
        return yield ? weft__async_block(caller, th, NULL, cancelled_finish, NULL,
                                         te->cancellable, results, nresults)
                     : weft__athread_suspend(caller, th, cancelled_finish, NULL,
                                             te->cancellable, results, nresults);
    }
    err = yield ? weft__async_block(caller, th, NULL, cancelled_finish, NULL, te->cancellable,
                                    results, nresults)
                : weft__athread_suspend(caller, th, cancelled_finish, NULL, te->cancellable,
                                        results, nresults);
    if (err) return err;
    return switch_to(th, other);
}

weft_error_t *weft__athread_make_builtin(weft_cstate_t *st, const weft_canon_t *c,
                                         const weft_ccanon_info_t *info, weft_func_t **out)
{
    thenv_t *te = weft__croot_alloc(st->root, sizeof *te);
    if (!te) return weft__error_oom();
    te->st = st;
    te->op = c->op;
    te->cancellable = c->flag;
    if (c->op == WEFT_CANON_THREAD_NEW_INDIRECT) te->table = st->core_tables[c->table];
    *out = weft__async_core_func(st, info->core, thread_fn, te);
    return *out ? NULL : weft__error_oom();
}

weft_error_t *weft__async_make_builtin(weft_cstate_t *st, uint32_t canon_index,
                                       weft_func_t **out)
{
    const weft_canon_t *c = &st->def->canons.items[canon_index];
    const weft_ccanon_info_t *info = &st->valid->canons[canon_index];
    *out = NULL;
    switch (c->op) {
    case WEFT_CANON_TASK_RETURN:
    case WEFT_CANON_TASK_CANCEL:
        return weft__alift_make_builtin(st, c, info, out);
    case WEFT_CANON_SUBTASK_DROP:
    case WEFT_CANON_SUBTASK_CANCEL:
        return weft__alower_make_builtin(st, c, info, out);
    case WEFT_CANON_WAITABLE_SET_NEW:
    case WEFT_CANON_WAITABLE_SET_WAIT:
    case WEFT_CANON_WAITABLE_SET_POLL:
    case WEFT_CANON_WAITABLE_SET_DROP:
    case WEFT_CANON_WAITABLE_JOIN:
        return weft__waitable_make_builtin(st, c, out);
    case WEFT_CANON_THREAD_INDEX:
    case WEFT_CANON_THREAD_NEW_INDIRECT:
    case WEFT_CANON_THREAD_RESUME_LATER:
    case WEFT_CANON_THREAD_SUSPEND:
    case WEFT_CANON_THREAD_YIELD:
    case WEFT_CANON_THREAD_SUSPEND_THEN_RESUME:
    case WEFT_CANON_THREAD_YIELD_THEN_RESUME:
    case WEFT_CANON_THREAD_SUSPEND_THEN_PROMOTE:
    case WEFT_CANON_THREAD_YIELD_THEN_PROMOTE:
        return weft__athread_make_builtin(st, c, info, out);
    default:
        return NULL;
    }
}
