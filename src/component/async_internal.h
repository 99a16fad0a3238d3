/* async_internal.h - the records of the task side of the async ABI (definitions.py Store,
 * ComponentInstance's async fields, Task, Thread, WaitableSet, Subtask), private to
 * async_task.c, async_lift.c, async_lower.c, waitable.c and async_builtins.c. */
#ifndef WEFT_COMPONENT_ASYNC_INTERNAL_H
#define WEFT_COMPONENT_ASYNC_INTERNAL_H

#include "component/async.h"
#include "component/instance.h"

/* definitions.py Task.State */
typedef enum weft_atask_state {
    WEFT_TASK_INITIAL = 1,
    WEFT_TASK_STARTED,
    WEFT_TASK_PENDING_CANCEL,
    WEFT_TASK_CANCEL_DELIVERED,
    WEFT_TASK_RESOLVED,
} weft_atask_state_t;

/* definitions.py Subtask.State (values are visible to wasm) */
typedef enum weft_asubtask_state {
    WEFT_SUBTASK_STARTING = 0,
    WEFT_SUBTASK_STARTED = 1,
    WEFT_SUBTASK_RETURNED = 2,
    WEFT_SUBTASK_CANCELLED_BEFORE_STARTED = 3,
    WEFT_SUBTASK_CANCELLED_BEFORE_RETURNED = 4,
} weft_asubtask_state_t;

/* What a thread runs (the thread_func of definitions.py canon_lift, or of
 * canon_thread_new_indirect). */
typedef enum weft_athread_kind {
    WEFT_ATHREAD_CSTACK = 0, /* a synchronously-typed call running on the C stack */
    WEFT_ATHREAD_SYNC_LIFT,  /* implicit thread: async type, sync ABI lift */
    WEFT_ATHREAD_CALLBACK,   /* implicit thread: `async (callback ...)` */
    WEFT_ATHREAD_STACKFUL,   /* implicit thread: `async` without callback */
    WEFT_ATHREAD_SPAWNED,    /* thread.new-indirect */
} weft_athread_kind_t;

/* Where a thread is in its thread_func. */
typedef enum weft_athread_phase {
    WEFT_PHASE_NEW = 0,  /* not started (suspended before its first instruction) */
    WEFT_PHASE_ENTER,    /* waiting in Task.enter_implicit_thread (backpressure) */
    WEFT_PHASE_CALL,     /* inside a core call (the call is running or suspended) */
    WEFT_PHASE_CB_WAIT,  /* callback loop: waiting between two callback calls */
    WEFT_PHASE_EXITED,
} weft_athread_phase_t;

typedef struct weft_ainst {
    weft_cstate_t *st;
    struct weft_ainst *next;   /* the scheduler's list */
    weft_handles_t threads;    /* ComponentInstance.threads */
    weft_athread_t *exclusive; /* ComponentInstance.exclusive_thread */
    uint32_t num_waiting_to_enter;
    weft_athread_t *running;   /* the async thread running in the instance, else NULL */
    weft_athread_t *cstack;    /* the record of the C-stack call in progress, if made */
    /* Waiting threads found not ready because of the exclusive lock or backpressure (linked
     * by rnext, still `queued`): requeued when the lock is released. */
    weft_athread_t *lock_blocked;
} weft_ainst_t;

struct weft_athread {
    weft_atask_t *task;
    weft_cstate_t *inst;
    weft_asched_t *sched; /* inst's store's scheduler (spares three loads on hot paths) */
    weft_call_t *call;  /* the current core call, or NULL */
    uint8_t kind;       /* weft_athread_kind_t */
    uint8_t phase;      /* weft_athread_phase_t */
    bool running;       /* cont is None */
    bool waiting;       /* ready_func is set (in the scheduler's waiting list) */
    bool cancellable;
    bool in_callback;   /* the current call is the callback (not the first core call) */
    bool suspended;     /* blocked with no ready condition (Thread.suspended) */
    uint8_t nres;       /* the blocked built-in's result count (0 or 1) and kind */
    uint8_t rkind;
    bool queued;        /* in the scheduler's ready queue (rnext) */
    bool lock_wait;     /* its condition depends on the exclusive lock */
    bool handing_off;   /* waiting while a thread it handed off to runs on the C stack above
                         * it: never resumed by a scheduler */
    uint32_t index;     /* in inst's threads table (0: not registered) */
    uint32_t storage[WEFT_CONTEXT_SLOTS];
    weft_async_ready_fn ready; /* NULL with waiting set: always ready */
    void *ready_env;
    weft_async_finish_fn finish;
    void *finish_env;
    weft_waitable_t *sync_w;   /* the waitable whose has_sync_waiter the wait holds */
    void *wobj;                /* the blocked built-in's operands */
    weft_memory_t *wmem;
    uint32_t wptr;
    weft_athread_t *wprev, *wnext; /* the scheduler's waiting list */
    weft_athread_t *rnext;         /* the scheduler's ready queue (queued set) */
    weft_wset_t *wait_set;         /* the set whose events wake it while waiting, or NULL */
    weft_athread_t *wsnext;        /* wait_set->waiters */
    weft_athread_t *tprev, *tnext; /* the task's threads */
    weft_wset_t *cb_wset;          /* PHASE_CB_WAIT: the set waited on (NULL: yield) */
    weft_func_t *entry;            /* SPAWNED: the function and its argument */
    uint32_t entry_arg;
};

/* Who called the task: the host (results lifted to values) or a lowered import (a subtask). */
typedef struct weft_ahost_call {
    const weft_cval_t *args;
    weft_cval_t *results;
    weft_cval_arena_t *arena;
    bool done, cancelled;
    struct weft_atask *task; /* until the task is freed */
    /* Called (may be NULL) once the task resolved (done set, task->host cleared), with the
     * error of lifting its result if that failed: host tasks of the embedding API
     * (host_async.c) learn of it here. */
    void (*on_done)(struct weft_ahost_call *hc, const weft_error_t *err);
} weft_ahost_call_t;

struct weft_atask {
    weft_component_func_t *f; /* NULL for a C-stack record */
    weft_cstate_t *inst;
    uint8_t state;            /* weft_atask_state_t */
    bool opts_async;
    bool ft_async;
    weft_borrow_scope_t scope; /* num_borrows */
    weft_athread_t *implicit;
    weft_athread_t *threads;   /* list of live threads */
    uint32_t nthreads;
    weft_asubtask_t *subtask;  /* the caller's subtask (until resolved) */
    weft_ahost_call_t *host;   /* or the host's call (until resolved) */
    const weft_cstate_t *resolver; /* the view the function type's resources resolve in */
};

/* The lowered import a subtask was made by (the caller's view). */
typedef struct weft_alower {
    weft_cstate_t *st;
    const weft_ccanon_info_t *info;
    weft_memory_t *memory;
    weft_func_t *realloc;
    weft_component_func_t *target;
    weft_cplan_t plan;
} weft_alower_t;

struct weft_asubtask {
    weft_waitable_t w;
    uint8_t state;       /* weft_asubtask_state_t */
    bool cancellation_requested;
    bool delivered;      /* resolve_delivered */
    bool is_async;       /* async lower */
    bool progress;       /* maybe_on_progress = on_progress */
    weft_atask_t *callee;
    weft_athread_t *waiter; /* a synchronous lower's caller waiting for the resolution */
    weft_alower_t *le;
    weft_lends_t lends;
    uint32_t nflat_results;
    weft_val_t flat_results[2];
    void *host_call; /* the pending call of an async host function (host_async.c), or NULL */
    uint32_t nflat_args;
    weft_val_t flat_args[]; /* the caller's flat arguments (<= MAX_FLAT_PARAMS + 1), sized
                             * when the subtask is made */
};

struct weft_wset {
    weft_waitable_t *head, *tail; /* elems, in join order */
    uint32_t num_waiting;
    weft_cstate_t *inst;
    weft_athread_t *waiters; /* threads waiting on it (linked by wsnext) */
};

#define WEFT_ASYNC_POOL_CLASSES 8
#define WEFT_ASYNC_POOL_MAX 256 /* objects kept per size */

struct weft_asched {
    weft_store_t *store;
    weft_alloc_t alloc;
    struct weft_aobj *objs;        /* every live object */
    weft_ainst_t *insts;
    weft_athread_t *whead, *wtail; /* waiting threads, in the order they started waiting */
    weft_athread_t *rqhead, *rqtail; /* the ready queue: waiting threads that may be ready */
    bool dirty;                    /* an instance condition changed: re-check every waiter */
    weft_athread_t *switch_to;     /* set by a built-in that switches to another thread */
    /* Freed objects kept for reuse, by size (tasks, threads, subtasks, ...), so that a call
     * or a task switch in a steady state allocates nothing. */
    struct weft_aobj *pool[WEFT_ASYNC_POOL_CLASSES];
    size_t pool_size[WEFT_ASYNC_POOL_CLASSES];
    uint32_t pool_n[WEFT_ASYNC_POOL_CLASSES];
    /* Freed shared states of streams and futures (linked by pool_next), reused by
     * stream.new/future.new; at most WEFT_ASYNC_POOL_MAX. */
    struct weft_ashared *shared_pool;
    uint32_t shared_pool_n;
    struct weft_aend *end_pool;    /* freed stream/future ends (still objects of objs) */
    uint32_t end_pool_n;
    bool closing;                  /* being freed: nothing goes back to a pool */
    /* Direct hand-off (weft__athread_park_event): the thread the host's Store.tick loop
     * (weft__async_call_host) is running (NULL outside that loop, and while a hand-off runs),
     * the loop's `done` flag, and the error of a thread run by a hand-off, which the loop
     * returns as if it had resumed that thread itself. */
    weft_athread_t *direct_top;
    const bool *direct_done;
    weft_error_t *direct_err;
    void *loop; /* the embedding's event loop (loop.c weft_hloop_t), NULL until used */
};

/* ---- async_task.c ------------------------------------------------------------------------ */

weft_ainst_t *weft__ainst(weft_cstate_t *st);
weft_athread_t *weft__athread_new(weft_atask_t *task, uint8_t kind);
weft_atask_t *weft__atask_new(weft_component_func_t *f, weft_cstate_t *inst);
/* Task.register_thread / unregister_thread (the latter traps when the last thread of an
 * unresolved task exits, and frees the thread). */
weft_error_t *weft__athread_register(weft_athread_t *th);
weft_error_t *weft__athread_exit(weft_athread_t *th);
/* Thread.resume(cancelled), with the spec's switch_to loop. */
weft_error_t *weft__athread_resume(weft_athread_t *th, bool cancelled);
/* Thread.start_waiting_internal / stop_waiting_internal */
void weft__athread_wait(weft_athread_t *th, weft_async_ready_fn ready, void *env);
void weft__athread_unwait(weft_athread_t *th);
/* Queues a waiting thread whose condition may have become true (O(1); the scheduler
 * re-checks the condition when it takes the thread from the queue). */
void weft__athread_hint(weft_athread_t *th);
static inline void weft__athread_hint_inline(weft_athread_t *th)
{
    weft_asched_t *s = th->sched;
    if (!th->waiting || th->queued) return;
    th->queued = true;
    th->rnext = NULL;
    if (s->rqtail) s->rqtail->rnext = th;
    else s->rqhead = th;
    s->rqtail = th;
}
/* weft__waitable_set_pending_event, inline (the event of a copy's end). */
static inline void weft__waitable_set_pending_event_inline(weft_waitable_t *w, weft_event_fn fn)
{
    w->pending_event = fn;
    if (w->sync_thread) weft__athread_hint_inline(w->sync_thread);
    if (w->wset) weft__waitable_set_pending_event(w, fn);
}
/* Makes th's next wait wake on events of set s (waitable-set.wait, callback WAIT). */
void weft__athread_wait_set(weft_athread_t *th, weft_wset_t *s);
bool weft__athread_ready(const weft_athread_t *th);
/* Store.tick's choice: the first waiting thread that is ready (NULL: none). */
weft_athread_t *weft__asched_next(weft_asched_t *s);
/* weft__async_block with separate environments for the condition and the results; sync_w
 * (may be NULL) is the waitable whose has_sync_waiter the wait holds. */
weft_error_t *weft__athread_block(weft_caller_t *caller, weft_athread_t *th,
                                  weft_async_ready_fn ready, void *renv,
                                  weft_async_finish_fn finish, void *env, bool cancellable,
                                  weft_val_t *results, size_t nresults, weft_waitable_t *sync_w);
/* weft__async_wait_pending's suspension in its usual case (th is the thread of caller's
 * call, w is in no set and has no pending event): th waits for w's event with `finish`
 * (results of kind rkind, one). Returns WEFT_PARK_NO when that case does not apply (nothing
 * done); WEFT_PARK_SUSPENDED when caller was suspended; WEFT_PARK_READY when the thread may
 * go on at once: a direct hand-off ran the thread the scheduler would have resumed next,
 * which made w's event pending, and th is again the scheduler's next choice (it is running
 * again, its wait ended: the caller takes w's event itself, without `finish`). */
enum { WEFT_PARK_NO = 0, WEFT_PARK_SUSPENDED, WEFT_PARK_READY };
int weft__athread_park_event(weft_caller_t *caller, weft_athread_t *th, weft_waitable_t *w,
                             weft_async_finish_fn finish, void *env, uint8_t rkind);
/* Thread.suspend for a built-in: the thread blocks until resumed explicitly (resume-later or
 * a switch); finish(env, cancelled) produces the results. */
weft_error_t *weft__athread_suspend(weft_caller_t *caller, weft_athread_t *th,
                                    weft_async_finish_fn finish, void *env, bool cancellable,
                                    weft_val_t *results, size_t nresults);
/* True when the current built-in call of th suspended it (the built-in must return). */
static inline bool weft__athread_blocked(const weft_athread_t *th)
{
    return !th->running;
}
/* Task.deliver_pending_cancel */
bool weft__atask_deliver_pending_cancel(weft_atask_t *t, bool cancellable);
/* Runs a core call for thread th (a new call of func with args), handling its end. */
weft_error_t *weft__athread_call(weft_athread_t *th, weft_func_t *func, const weft_val_t *args,
                                 size_t nargs);
/* A trap with the "wasm trap: " prefix the reference tests match. */
weft_error_t *weft__async_trap(weft_cstate_t *st, const char *msg);
/* Drops a task record when it is resolved and has no thread left. */
void weft__atask_maybe_free(weft_atask_t *t);

/* ---- async_lift.c ------------------------------------------------------------------------ */

/* The implicit thread's steps (called by the scheduler). */
weft_error_t *weft__alift_start(weft_athread_t *th, bool cancelled);
weft_error_t *weft__alift_call_done(weft_athread_t *th, weft_call_t *call);
weft_error_t *weft__alift_cb_resume(weft_athread_t *th, bool cancelled);
/* canon_lift up to the first block: a task for f started by the host (host != NULL) or by
 * subtask st. */
weft_error_t *weft__alift_begin(weft_component_func_t *f, weft_ahost_call_t *host,
                                weft_asubtask_t *st, const weft_cstate_t *resolver,
                                weft_atask_t **out);
/* Task.request_cancellation */
weft_error_t *weft__atask_request_cancellation(weft_atask_t *t, weft_cstate_t *caller);
/* Task.cancel: on_resolve(None) */
weft_error_t *weft__atask_cancel(weft_atask_t *t);
/* task.return, task.cancel */
weft_error_t *weft__alift_make_builtin(weft_cstate_t *st, const weft_canon_t *c,
                                       const weft_ccanon_info_t *info, weft_func_t **out);

/* ---- async_lower.c ----------------------------------------------------------------------- */

/* on_start / on_resolve of a subtask (definitions.py canon_lower). */
weft_error_t *weft__asubtask_on_start(weft_asubtask_t *s, weft_atask_t *t, weft_val_t *flat,
                                      uint32_t *nflat);
/* maybe_on_progress of a subtask (its event, and the wake-up of a synchronous caller), for a
 * resolution made outside async_lower.c (a completed async host call, host_async.c). */
void weft__asubtask_progress(weft_asubtask_t *s);
weft_error_t *weft__asubtask_on_resolve(weft_asubtask_t *s, weft_atask_t *t,
                                        weft_canon_cx_t *src, uint32_t src_max,
                                        const weft_val_t *vals, uint32_t nvals, bool cancelled);

/* ---- waitable.c -------------------------------------------------------------------------- */

bool weft__wset_has_pending_event(const weft_wset_t *s);
void weft__wset_get_pending_event(weft_wset_t *s, weft_event_t *out);
weft_error_t *weft__waitable_make_builtin(weft_cstate_t *st, const weft_canon_t *c,
                                          weft_func_t **out);

/* ---- async_lower.c, async_builtins.c -------------------------------------------------- */

weft_error_t *weft__alower_make_builtin(weft_cstate_t *st, const weft_canon_t *c,
                                        const weft_ccanon_info_t *info, weft_func_t **out);
weft_error_t *weft__athread_make_builtin(weft_cstate_t *st, const weft_canon_t *c,
                                         const weft_ccanon_info_t *info, weft_func_t **out);

/* ---- contexts (async_lift.c) --------------------------------------------------------------- */

/* One side of a call (definitions.py LiftLowerContext). */
typedef struct weft_aside {
    weft_canon_cx_t cx;
    weft_store_t *store;
    weft_func_t *realloc;
    const weft_cstate_t *resolver;
} weft_aside_t;

void weft__aside_init(weft_aside_t *s, weft_cstate_t *st, const weft_cstate_t *resolver,
                      const weft_ty_opts_t *opts, weft_memory_t *memory, weft_func_t *realloc,
                      weft_lends_t *lends, weft_borrow_scope_t *scope);

/* A core function of instance st calling fn with env. */
weft_func_t *weft__async_core_func(weft_cstate_t *st, const weft_ty_core_func_t *type,
                                   weft_host_fn fn, void *env);

#endif
