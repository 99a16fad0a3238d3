/* async_task.c - the store's scheduler, threads and tasks of the async ABI (definitions.py
 * "Stack Switching", Thread, Task, Store.tick; CanonicalABI.md "Concurrency").
 *
 * A Thread's continuation is a weft_call_t (or, between two callback calls, nothing but the
 * thread's phase). Blocking records the ready condition and suspends the core call; the
 * scheduler resumes the first waiting thread (in the order threads started waiting) whose
 * condition holds: deterministic FIFO where the spec picks at random. */
#include <string.h>

#include "component/async_internal.h"
#include "component/async_stream.h"
#include "core/interp.h"
#include "util/error.h"

/* ---- objects ------------------------------------------------------------------------- */

typedef struct weft_aobj {
    struct weft_aobj *prev, *next;
    size_t size;
    void (*dtor)(void *obj);
    max_align_t data[];
} aobj_t;

static void sched_free(void *p)
{
    weft_asched_t *s = p;
    /* Every destructor first, while every object is still allocated (a subtask's looks at
     * its callee task and its waitable set), then the memory, then the per-instance
     * records. Destructors free nothing of the scheduler's. */
    s->closing = true;
    for (aobj_t *o = s->objs; o; o = o->next)
        if (o->dtor) o->dtor(o->data);
    for (aobj_t *o = s->objs, *n; o; o = n) {
        n = o->next;
        weft__free(&s->alloc, o, sizeof *o + o->size);
    }
    for (int k = 0; k < WEFT_ASYNC_POOL_CLASSES; k++)
        for (aobj_t *o = s->pool[k], *n; o; o = n) {
            n = o->next;
            weft__free(&s->alloc, o, sizeof *o + o->size);
        }
    weft__ashared_pool_free(s);
    for (weft_ainst_t *a = s->insts, *n; a; a = n) {
        n = a->next;
        /* a->st is not looked at: the store may have freed the instances first. */
        weft__handles_free(&a->threads);
        weft__free(&s->alloc, a, sizeof *a);
    }
    weft_alloc_t al = s->alloc;
    weft__free(&al, s, sizeof *s);
}

static weft_error_t *anchor_fn(void *env, weft_caller_t *caller, const weft_val_t *args,
                               size_t nargs, weft_val_t *results, size_t nresults)
{
    (void)env, (void)caller, (void)args, (void)nargs, (void)results, (void)nresults;
    return NULL;
}

weft_asched_t *weft__async_sched(weft_store_t *store)
{
    if (store->async_sched) return store->async_sched;
    weft_asched_t *s = weft__calloc(&store->alloc, 1, sizeof *s);
    if (!s) return NULL;
    s->store = store;
    s->alloc = store->alloc;
    /* The scheduler lives as long as the store: an uncallable host function owns it. */
    if (!weft_func_new(store, NULL, 0, NULL, 0, anchor_fn, s, sched_free)) return NULL;
    store->async_sched = s;
    return s;
}

void *weft__async_obj_new(weft_store_t *store, size_t size, void (*dtor)(void *obj))
{
    weft_asched_t *s = store->async_sched ? store->async_sched : weft__async_sched(store);
    if (!s || size > SIZE_MAX - sizeof(aobj_t)) return NULL;
    aobj_t *o = NULL;
    for (int k = 0; k < WEFT_ASYNC_POOL_CLASSES && !o; k++)
        if (s->pool_size[k] == size && s->pool[k]) {
            o = s->pool[k];
            s->pool[k] = o->next;
            s->pool_n[k]--;
        }
    if (!o) o = weft__malloc(&s->alloc, sizeof *o + size);
    if (!o) return NULL;
    memset(o, 0, sizeof *o + size);
    o->size = size;
    o->dtor = dtor;
    o->next = s->objs;
    if (s->objs) s->objs->prev = o;
    s->objs = o;
    return o->data;
}

void weft__async_obj_free(weft_store_t *store, void *obj)
{
    if (!obj) return;
    weft_asched_t *s = store->async_sched;
    aobj_t *o = (aobj_t *)((char *)obj - offsetof(aobj_t, data));
    if (o->prev) o->prev->next = o->next;
    else s->objs = o->next;
    if (o->next) o->next->prev = o->prev;
    if (o->dtor) o->dtor(o->data);
    /* Kept for the next object of its size: in the class of that size, else in an empty
     * class (which then takes that size), else freed. */
    int cls = -1;
    for (int k = 0; k < WEFT_ASYNC_POOL_CLASSES && cls < 0; k++)
        if (s->pool_size[k] == o->size) cls = k;
    for (int k = 0; k < WEFT_ASYNC_POOL_CLASSES && cls < 0; k++)
        if (s->pool_n[k] == 0) cls = k;
    if (cls < 0 || s->pool_n[cls] >= WEFT_ASYNC_POOL_MAX) {
        weft__free(&s->alloc, o, sizeof *o + o->size);
        return;
    }
    s->pool_size[cls] = o->size;
    o->next = s->pool[cls];
    s->pool[cls] = o;
    s->pool_n[cls]++;
}

/* ---- instances ----------------------------------------------------------------------- */

weft_ainst_t *weft__ainst(weft_cstate_t *st)
{
    if (st->async) return st->async;
    weft_asched_t *s = weft__async_sched(st->store);
    if (!s) return NULL;
    weft_ainst_t *a = weft__calloc(&s->alloc, 1, sizeof *a);
    if (!a) return NULL;
    a->st = st;
    weft__handles_init(&a->threads, &s->alloc);
    a->next = s->insts;
    s->insts = a;
    st->async = a;
    return a;
}

weft_error_t *weft__async_trap(weft_cstate_t *st, const char *msg)
{
    return weft__canon_trap(&st->root->alloc, "wasm trap: %s", msg);
}

void weft__async_poison(weft_cstate_t *inst)
{
    if (inst) inst->poisoned = true;
}

void weft__async_wake_inst(weft_cstate_t *inst)
{
    weft_ainst_t *ai = inst->async;
    weft_asched_t *s = inst->store->async_sched;
    if (!ai || !s || !ai->lock_blocked) return;
    /* The list joins the end of the ready queue as it is (its threads are still queued). */
    weft_athread_t *last = ai->lock_blocked;
    while (last->rnext) last = last->rnext;
    if (s->rqtail) s->rqtail->rnext = ai->lock_blocked;
    else s->rqhead = ai->lock_blocked;
    s->rqtail = last;
    ai->lock_blocked = NULL;
}

void weft__async_wake(weft_store_t *store)
{
    /* The scheduler re-checks every waiting thread once before its next choice. */
    weft_asched_t *s = store->async_sched;
    if (s) s->dirty = true;
}

/* ---- tasks and threads --------------------------------------------------------------- */

/* The ready condition of a synchronous wait for a waitable's event. */
static bool has_pending(void *env)
{
    return weft__waitable_has_pending_event(env);
}

static void thread_dtor(void *p)
{
    weft_athread_t *th = p;
    if (th->call) weft_call_delete(th->call);
    th->call = NULL;
}

weft_atask_t *weft__atask_new(weft_component_func_t *f, weft_cstate_t *inst)
{
    weft_atask_t *t = weft__async_obj_new(inst->store, sizeof *t, NULL);
    if (!t) return NULL;
    t->f = f;
    t->inst = inst;
    t->state = WEFT_TASK_INITIAL;
    t->ft_async = f && f->type->is_async;
    t->opts_async = f && f->opts.is_async;
    t->resolver = inst;
    return t;
}

weft_athread_t *weft__athread_new(weft_atask_t *task, uint8_t kind)
{
    weft_athread_t *th = weft__async_obj_new(task->inst->store, sizeof *th, thread_dtor);
    if (!th) return NULL;
    th->task = task;
    th->inst = task->inst;
    th->sched = task->inst->store->async_sched; /* made by weft__async_obj_new */
    th->kind = kind;
    th->phase = WEFT_PHASE_NEW;
    th->tnext = task->threads;
    if (task->threads) task->threads->tprev = th;
    task->threads = th;
    task->nthreads++;
    return th;
}

weft_atask_t *weft__async_thread_task(const weft_athread_t *th)
{
    return th ? th->task : NULL;
}

void weft__atask_maybe_free(weft_atask_t *t)
{
    if (t->state != WEFT_TASK_RESOLVED || t->nthreads > 0) return;
    if (t->subtask && t->subtask->callee == t) t->subtask->callee = NULL;
    if (t->host && t->host->task == t) t->host->task = NULL;
    weft__async_obj_free(t->inst->store, t);
}

/* Task.register_thread */
weft_error_t *weft__athread_register(weft_athread_t *th)
{
    if (th->index) return NULL;
    weft_ainst_t *ai = weft__ainst(th->inst);
    if (!ai) return weft__error_oom();
    weft_handle_t h;
    memset(&h, 0, sizeof h);
    h.kind = WEFT_HANDLE_USER;
    h.obj = th;
    return weft__handles_add(&ai->threads, &h, &th->index);
}

/* The thread leaves its task (Task.unregister_thread) and is freed. */
weft_error_t *weft__athread_exit(weft_athread_t *th)
{
    weft_atask_t *t = th->task;
    weft_cstate_t *st = th->inst;
    weft__athread_unwait(th);
    if (th->queued) {
        /* Leaves the ready queue (or its instance's lock list) before being freed. */
        weft_asched_t *s = st->store->async_sched;
        weft_athread_t **pp = &s->rqhead, *prev = NULL;
        while (*pp && *pp != th) prev = *pp, pp = &(*pp)->rnext;
        if (*pp) {
            *pp = th->rnext;
            if (s->rqtail == th) s->rqtail = prev;
        } else if (st->async) {
            pp = &st->async->lock_blocked;
            while (*pp && *pp != th) pp = &(*pp)->rnext;
            if (*pp) *pp = th->rnext;
        }
        th->queued = false;
    }
    if (th->index && st->async) weft__handles_remove(&st->async->threads, th->index, NULL);
    if (st->async && st->async->exclusive == th) {
        st->async->exclusive = NULL;
        weft__async_wake_inst(st);
    }
    if (st->async && st->async->running == th) st->async->running = NULL;
    if (th->tprev) th->tprev->tnext = th->tnext;
    else t->threads = th->tnext;
    if (th->tnext) th->tnext->tprev = th->tprev;
    t->nthreads--;
    if (t->implicit == th) t->implicit = NULL;
    weft__async_obj_free(st->store, th);
    weft_error_t *err = NULL;
    /* trap_if(self.state != Task.State.RESOLVED) when the last thread leaves */
    if (t->nthreads == 0 && t->state != WEFT_TASK_RESOLVED) {
        err = weft__async_trap(st, "task ended without returning a value (async exit before "
                                   "task.return or task.cancel)");
        weft__async_poison(st);
    }
    weft__atask_maybe_free(t);
    return err;
}

void weft__athread_hint(weft_athread_t *th)
{
    weft__athread_hint_inline(th);
}

void weft__athread_wait_set(weft_athread_t *th, weft_wset_t *s)
{
    th->wait_set = s;
}

/* Thread.start_waiting_internal: joins the end of the store's waiting list, and the ready
 * queue (its condition may already hold: a yield, a resume-later). Later wake-ups come from
 * the events of the waitable or set it waits on (weft__waitable_set_pending_event), the
 * resolution of the subtask it waits for, or weft__async_wake. */
void weft__athread_wait(weft_athread_t *th, weft_async_ready_fn ready, void *env)
{
    weft_asched_t *s = th->sched;
    th->ready = ready;
    th->ready_env = env;
    if (!th->waiting) {
        th->waiting = true;
        th->wnext = NULL;
        th->wprev = s->wtail;
        if (s->wtail) s->wtail->wnext = th;
        else s->whead = th;
        s->wtail = th;
        if (th->wait_set) {
            th->wsnext = th->wait_set->waiters;
            th->wait_set->waiters = th;
        }
    }
    weft__athread_hint(th);
}

/* Thread.stop_waiting_internal */
static inline void thread_unwait(weft_athread_t *th)
{
    weft_asched_t *s = th->sched;
    if (th->wait_set) {
        weft_athread_t **pp = &th->wait_set->waiters;
        while (*pp && *pp != th) pp = &(*pp)->wsnext;
        if (*pp) *pp = th->wsnext;
        th->wsnext = NULL;
        th->wait_set = NULL;
    }
    if (!th->waiting) return;
    if (th->wprev) th->wprev->wnext = th->wnext;
    else s->whead = th->wnext;
    if (th->wnext) th->wnext->wprev = th->wprev;
    else s->wtail = th->wprev;
    th->wprev = th->wnext = NULL;
    th->waiting = false;
    th->lock_wait = false;
    th->ready = NULL;
}

void weft__athread_unwait(weft_athread_t *th)
{
    thread_unwait(th);
}

/* Thread.ready(); the condition of a synchronous wait for an event (the usual one) is tested
 * without an indirect call. */
static inline bool thread_ready(const weft_athread_t *th)
{
    if (!th->waiting) return false;
    if (th->ready == has_pending) return weft__waitable_has_pending_event(th->ready_env);
    return !th->ready || th->ready(th->ready_env);
}

bool weft__athread_ready(const weft_athread_t *th)
{
    return th->waiting && (!th->ready || th->ready(th->ready_env));
}

/* Task.deliver_pending_cancel */
bool weft__atask_deliver_pending_cancel(weft_atask_t *t, bool cancellable)
{
    if (cancellable && t->state == WEFT_TASK_PENDING_CANCEL) {
        t->state = WEFT_TASK_CANCEL_DELIVERED;
        return true;
    }
    return false;
}

/* A core call of th ended (done, failed or suspended). */
static weft_error_t *call_end(weft_athread_t *th, weft_call_state_t cs, weft_error_t *err)
{
    if (cs == WEFT_CALL_SUSPENDED) return NULL;
    weft_call_t *c = th->call;
    th->call = NULL;
    if (cs == WEFT_CALL_FAILED) {
        weft__call_recycle(c);
        weft__async_poison(th->inst);
        if (!err) err = weft__async_trap(th->inst, "call failed");
        return err;
    }
    th->phase = WEFT_PHASE_EXITED;
    if (th->kind == WEFT_ATHREAD_SPAWNED) {
        weft__call_recycle(c);
        return weft__athread_exit(th);
    }
    return weft__alift_call_done(th, c);
}

weft_error_t *weft__athread_call(weft_athread_t *th, weft_func_t *func, const weft_val_t *args,
                                 size_t nargs)
{
    weft_call_t *c = NULL;
    weft_error_t *err = weft__call_new_pooled(th->inst->store, func, args, nargs, &c);
    if (err) return err;
    th->call = c;
    th->phase = WEFT_PHASE_CALL;
    th->running = true;
    weft_call_state_t cs = weft_call_run(c, &err);
    return call_end(th, cs, err);
}

/* One resumption of th up to its next block or its end. */
static weft_error_t *thread_step(weft_athread_t *th, bool cancelled)
{
    switch (th->phase) {
    case WEFT_PHASE_NEW:
        if (th->kind == WEFT_ATHREAD_SPAWNED) {
            weft_val_t a;
            memset(&a, 0, sizeof a);
            a.kind = WEFT_I32;
            a.of.i32 = (int32_t)th->entry_arg;
            return weft__athread_call(th, th->entry, &a, 1);
        }
        return weft__alift_start(th, cancelled);
    case WEFT_PHASE_ENTER:
        return weft__alift_start(th, cancelled);
    case WEFT_PHASE_CALL: {
        weft_val_t r[1];
        r[0].kind = th->rkind;
        r[0].of.i64 = 0;
        weft_async_finish_fn fin = th->finish;
        th->finish = NULL;
        th->running = true;
        if (th->sync_w) {
            th->sync_w->has_sync_waiter = false;
            th->sync_w->sync_thread = NULL;
        }
        th->sync_w = NULL;
        weft_error_t *err = fin ? fin(th->finish_env, cancelled, r, th->nres) : NULL;
        if (err) {
            weft__async_poison(th->inst);
            return err;
        }
        /* the built-in's result (scalar) as its slot: weft__val_to_slots, inline */
        uint64_t slot = th->rkind == WEFT_I32 || th->rkind == WEFT_F32
                            ? (uint64_t)(uint32_t)r[0].of.i32
                            : (uint64_t)r[0].of.i64;
        weft_call_state_t cs = weft__call_resume_slots(th->call, &slot, th->nres, &err);
        return call_end(th, cs, err);
    }
    case WEFT_PHASE_CB_WAIT:
        return weft__alift_cb_resume(th, cancelled);
    default:
        return NULL;
    }
}

/* Thread.resume, with the switch_to loop of the spec's resume(). */
weft_error_t *weft__athread_resume(weft_athread_t *th, bool cancelled)
{
    weft_asched_t *s = th->sched;
    while (th) {
        if (th->waiting) thread_unwait(th);
        th->suspended = false;
        if (th->kind == WEFT_ATHREAD_CSTACK) {
            /* Blocked on the C stack: its own loop sees it can go on. */
            th->cancellable = false;
            break;
        }
        weft_ainst_t *ai = th->inst->async ? th->inst->async : weft__ainst(th->inst);
        if (!ai) return weft__error_oom();
        weft_athread_t *prev = ai->running;
        ai->running = th;
        th->running = true;
        weft_error_t *err = thread_step(th, cancelled);
        ai->running = prev;
        if (err) {
            s->switch_to = NULL;
            return err;
        }
        th = s->switch_to;
        s->switch_to = NULL;
        cancelled = false;
    }
    return NULL;
}

/* ---- the current thread -------------------------------------------------------------- */

weft_athread_t *weft__async_current_thread(weft_cstate_t *inst)
{
    weft_ainst_t *ai = weft__ainst(inst);
    if (!ai) return NULL;
    if (ai->running) return ai->running;
    if (ai->cstack) return ai->cstack;
    /* A synchronously-typed call on the C stack: its task and thread records are made now
     * (registration in the threads table waits until an index is needed; nothing else in
     * the instance can register a thread before then, so indices are as the spec's). */
    weft_atask_t *t = weft__atask_new(NULL, inst);
    if (!t) return NULL;
    t->state = WEFT_TASK_STARTED;
    weft_athread_t *th = weft__athread_new(t, WEFT_ATHREAD_CSTACK);
    if (!th) {
        weft__async_obj_free(inst->store, t);
        return NULL;
    }
    th->running = true;
    t->implicit = th;
    ai->cstack = th;
    return th;
}

void weft__async_sync_leave(weft_cstate_t *inst)
{
    weft_ainst_t *ai = inst->async;
    if (!ai || !ai->cstack) return;
    weft_athread_t *th = ai->cstack;
    ai->cstack = NULL;
    weft_atask_t *t = th->task;
    t->state = WEFT_TASK_RESOLVED;
    (void)weft__athread_exit(th);
}

/* ---- blocking ------------------------------------------------------------------------ */

/* True for the implicit thread of a task that needs exclusive use of the instance's stack
 * (definitions.py Task.needs_exclusive: an async-typed function lifted with the sync ABI or
 * with a callback). While a synchronously-typed call blocks on the C stack such a thread is
 * never resumed, even when ready (the stack is the blocked call's): the behaviour the
 * reference tests observe (async/during-sync-call-no-exclusive-resume.wast). */
static bool thread_needs_stack(const weft_athread_t *th)
{
    return (th->kind == WEFT_ATHREAD_SYNC_LIFT || th->kind == WEFT_ATHREAD_CALLBACK) &&
           th->task->ft_async;
}

/* The trap of a synchronous call on the C stack that must block while no thread of its
 * instance can run: when some other thread of the same component tree is ready the event
 * loop is stuck (it could run, but not for this call), otherwise the task blocked with nothing
 * to wait for (the messages the reference tests expect: async/during-sync-call-no-sibling-
 * resume.wast, async/trap-if-block-and-sync.wast). */
static weft_error_t *stuck_trap(weft_asched_t *s, weft_athread_t *th);

/* The first waiting thread that is ready, in instance `only` (NULL: any), skipping `skip`,
 * threads of poisoned instances and (when only is set) the instance's exclusive thread. */
static weft_athread_t *find_ready(weft_asched_t *s, weft_cstate_t *only, weft_athread_t *skip)
{
    for (weft_athread_t *th = s->whead; th; th = th->wnext) {
        if (th == skip || th->inst->poisoned || th->handing_off) continue;
        if (only && (th->inst != only || (only->async && only->async->exclusive == th) ||
                     thread_needs_stack(th)))
            continue;
        if (weft__athread_ready(th)) return th;
    }
    return NULL;
}

/* Store.tick's choice: the first thread of the ready queue whose condition holds (threads
 * found not ready leave the queue until their next wake-up), so a wake-up costs O(1). After
 * an instance condition changed (exclusive lock, backpressure: `dirty`) every waiting thread
 * is re-checked once; and when the queue runs dry the waiting list is scanned before
 * concluding that nothing can run (a deadlock, or a wake-up no hook reported). */
weft_athread_t *weft__asched_next(weft_asched_t *s)
{
    if (s->dirty) {
        s->dirty = false;
        for (weft_athread_t *th = s->whead; th; th = th->wnext)
            if (!th->queued && weft__athread_ready(th)) weft__athread_hint(th);
    }
    while (s->rqhead) {
        weft_athread_t *th = s->rqhead;
        s->rqhead = th->rnext;
        if (!s->rqhead) s->rqtail = NULL;
        th->rnext = NULL;
        if (th->waiting && th->lock_wait && th->inst->async && !th->inst->poisoned &&
            !weft__athread_ready(th)) {
            /* Waits for the lock (its event, if any, is still pending): parked until the
             * lock is released rather than re-checked at every wake-up. */
            th->rnext = th->inst->async->lock_blocked;
            th->inst->async->lock_blocked = th;
            continue;
        }
        th->queued = false;
        if (!th->inst->poisoned && !th->handing_off && thread_ready(th)) return th;
    }
    return find_ready(s, NULL, NULL);
}

static weft_error_t *stuck_trap(weft_asched_t *s, weft_athread_t *th)
{
    bool other = false;
    for (weft_athread_t *x = s->whead; x && !other; x = x->wnext)
        other = x != th && !x->inst->poisoned && x->inst->root == th->inst->root &&
                weft__athread_ready(x);
    weft__async_poison(th->inst);
    return weft__async_trap(th->inst, other ? "deadlock detected: event loop cannot make "
                                              "further progress"
                                            : "cannot block a synchronous task before "
                                              "returning");
}

/* Blocking on the C stack (definitions.py canon_lift for a non-async function type): the
 * other ready threads of the instance run until the condition holds. */
static weft_error_t *block_inline(weft_athread_t *th, weft_async_ready_fn ready, void *renv,
                                  weft_async_finish_fn finish, void *env, weft_val_t *results,
                                  size_t nresults)
{
    weft_asched_t *s = th->inst->store->async_sched;
    bool yielded = false;
    for (;;) {
        if (ready ? ready(renv) : yielded) break;
        weft_athread_t *x = find_ready(s, th->inst, th);
        if (!x) {
            if (!ready) break; /* yield with nothing else to run */
            return stuck_trap(s, th);
        }
        weft_error_t *err = weft__athread_resume(x, false);
        if (err) return err;
        yielded = true;
    }
    return finish ? finish(env, false, results, nresults) : NULL;
}

/* wait_until with separate environments for the condition and the results; sync_w is the
 * waitable whose has_sync_waiter ends with the wait. */
weft_error_t *weft__athread_block(weft_caller_t *caller, weft_athread_t *th, weft_async_ready_fn ready,
                            void *renv, weft_async_finish_fn finish, void *env,
                            bool cancellable, weft_val_t *results, size_t nresults,
                            weft_waitable_t *sync_w)
{
    if (!th->inst->store->async_sched && !weft__async_sched(th->inst->store))
        return weft__error_oom();
    bool now = weft__atask_deliver_pending_cancel(th->task, cancellable);
    if (now || (ready && ready(renv))) {
        th->wait_set = NULL;
        if (sync_w) {
            sync_w->has_sync_waiter = false;
            sync_w->sync_thread = NULL;
        }
        return finish ? finish(env, now, results, nresults) : NULL;
    }
    if (caller && th->call && caller->call == th->call) {
        th->sync_w = sync_w;
        th->finish = finish;
        th->finish_env = env;
        th->nres = (uint8_t)(nresults > 0 ? 1 : 0);
        th->rkind = nresults > 0 ? (uint8_t)results[0].kind : (uint8_t)WEFT_I32;
        th->cancellable = cancellable;
        weft__athread_wait(th, ready, renv);
        th->running = false;
        weft_caller_suspend(caller);
        return NULL;
    }
    th->wait_set = NULL;
    weft_error_t *err = block_inline(th, ready, renv, finish, env, results, nresults);
    if (sync_w) {
        sync_w->has_sync_waiter = false;
        sync_w->sync_thread = NULL;
    }
    return err;
}

weft_error_t *weft__async_block(weft_caller_t *caller, weft_athread_t *th,
                                weft_async_ready_fn ready, weft_async_finish_fn finish,
                                void *env, bool cancellable, weft_val_t *results,
                                size_t nresults)
{
    return weft__athread_block(caller, th, ready, env, finish, env, cancellable, results, nresults, NULL);
}

weft_error_t *weft__async_wait_pending(weft_caller_t *caller, weft_athread_t *th,
                                       weft_waitable_t *w, weft_async_finish_fn finish,
                                       void *env, weft_val_t *results, size_t nresults)
{
    if (w->wset)
        return weft__async_trap(th->inst, "waitable cannot be used synchronously while added "
                                          "to a waitable set");
    if (weft__waitable_has_pending_event(w)) return finish(env, false, results, nresults);
    w->has_sync_waiter = true;
    w->sync_thread = th;
    weft_error_t *err = weft__athread_block(caller, th, has_pending, w, finish, env, false, results,
                               nresults, w);
    return err;
}

/* The thread the scheduler would resume next when th blocks (Store.tick's choice: the head
 * of the ready queue, when it is ready), if a direct hand-off to it applies: th runs directly
 * under the host's Store.tick loop, which has not finished, and both are stackful threads of
 * one instance with a suspended core call. NULL otherwise (th then suspends as usual). */
static weft_athread_t *handoff_target(weft_asched_t *s, weft_athread_t *th)
{
    weft_athread_t *x = s->rqhead;
    if (!x || x == th || s->direct_top != th || !s->direct_done || *s->direct_done ||
        s->dirty || x->handing_off || x->inst != th->inst || th->inst->poisoned ||
        x->phase != WEFT_PHASE_CALL || !x->call ||
        (x->kind != WEFT_ATHREAD_STACKFUL && x->kind != WEFT_ATHREAD_SPAWNED) ||
        (th->kind != WEFT_ATHREAD_STACKFUL && th->kind != WEFT_ATHREAD_SPAWNED) ||
        (x->waiting && x->lock_wait) || !thread_ready(x))
        return NULL;
    return x;
}

int weft__athread_park_event(weft_caller_t *caller, weft_athread_t *th, weft_waitable_t *w,
                             weft_async_finish_fn finish, void *env, uint8_t rkind)
{
    /* The case of weft__async_wait_pending where the thread suspends: a sync wait is not
     * cancellable (no pending cancellation is delivered), and the condition was just found
     * false, so the thread joins the waiting list without the ready queue (the event's
     * weft__waitable_set_pending_event queues it: Thread.wait_until's ready_func). */
    weft_asched_t *s = th->sched;
    if (!s || !th->call || caller->call != th->call || th->waiting || th->wait_set ||
        w->wset || w->pending_event)
        return WEFT_PARK_NO;
    w->has_sync_waiter = true;
    w->sync_thread = th;
    th->sync_w = w;
    th->finish = finish;
    th->finish_env = env;
    th->nres = 1;
    th->rkind = rkind;
    th->cancellable = false;
    th->ready = has_pending;
    th->ready_env = w;
    th->waiting = true;
    th->wnext = NULL;
    th->wprev = s->wtail;
    if (s->wtail) s->wtail->wnext = th;
    else s->whead = th;
    s->wtail = th;
    th->running = false;
    weft_athread_t *x = handoff_target(s, th);
    if (x) {
        /* Direct hand-off: Store.tick would now resume x (the host loop's next step, once
         * th's core call had unwound); x runs here instead, on top of th's stack, and th is
         * kept from every scheduler meanwhile. When x blocks, th goes on at once if it is in
         * turn the scheduler's next choice, as in a ping-pong through futures: then neither
         * the unwinding nor the loop's pass is paid. Otherwise th suspends as usual. */
        s->rqhead = x->rnext;
        if (!s->rqhead) s->rqtail = NULL;
        x->rnext = NULL;
        x->queued = false;
        th->handing_off = true;
        s->direct_top = NULL; /* no hand-off from x: one level of C stack at most */
        weft_error_t *err = weft__athread_resume(x, false);
        s->direct_top = th;
        th->handing_off = false;
        if (err) {
            /* x's error ends the host's loop as if the loop had resumed x (th stays
             * suspended, as it would have been) */
            if (s->direct_err) weft_error_delete(err);
            else s->direct_err = err;
        } else if (s->rqhead == th && !*s->direct_done && !s->dirty && !th->inst->poisoned &&
                   w->pending_event) {
            /* Store.tick's next choice is th, ready: its wait ends (Thread.resume) */
            s->rqhead = th->rnext;
            if (!s->rqhead) s->rqtail = NULL;
            th->rnext = NULL;
            th->queued = false;
            thread_unwait(th);
            th->suspended = false;
            th->running = true;
            th->finish = NULL;
            th->sync_w = NULL;
            w->has_sync_waiter = false;
            w->sync_thread = NULL;
            return WEFT_PARK_READY;
        }
    }
    caller->suspend = true;
    return WEFT_PARK_SUSPENDED;
}

weft_error_t *weft__athread_suspend(weft_caller_t *caller, weft_athread_t *th,
                                    weft_async_finish_fn finish, void *env, bool cancellable,
                                    weft_val_t *results, size_t nresults)
{
    if (!weft__async_sched(th->inst->store)) return weft__error_oom();
    bool inline_rest = th->suspended && !(caller && th->call && caller->call == th->call);
    if (!inline_rest && weft__atask_deliver_pending_cancel(th->task, cancellable))
        return finish(env, true, results, nresults);
    th->suspended = true;
    th->cancellable = cancellable;
    if (!inline_rest && caller && th->call && caller->call == th->call) {
        th->finish = finish;
        th->finish_env = env;
        th->nres = (uint8_t)(nresults > 0 ? 1 : 0);
        th->rkind = nresults > 0 ? (uint8_t)results[0].kind : (uint8_t)WEFT_I32;
        th->running = false;
        weft_caller_suspend(caller);
        return NULL;
    }
    /* On the C stack: other threads of the instance run until one resumes this one. */
    weft_asched_t *s = th->inst->store->async_sched;
    while (th->suspended) {
        weft_athread_t *x = find_ready(s, th->inst, th);
        if (!x) {
            th->suspended = false;
            return stuck_trap(s, th);
        }
        weft_error_t *err = weft__athread_resume(x, false);
        if (err) return err;
    }
    return finish(env, false, results, nresults);
}

uint32_t *weft__async_context(weft_cstate_t *inst)
{
    weft_ainst_t *ai = inst->async;
    if (ai && ai->running) return ai->running->storage;
    return inst->context;
}

/* The "may block" rule for a task whose function type is not async: blocking before it
 * returns is allowed only while another thread of the instance is ready to run (definitions.py
 * canon_lift's final loop), and is refused up front where it could not be undone. */
weft_error_t *weft__async_may_block(weft_athread_t *th)
{
    weft_atask_t *t = th->task;
    if (t->ft_async || t->state == WEFT_TASK_RESOLVED) return NULL;
    weft_asched_t *s = weft__async_sched(th->inst->store);
    if (!s) return weft__error_oom();
    if (find_ready(s, th->inst, th)) return NULL;
    return stuck_trap(s, th);
}
