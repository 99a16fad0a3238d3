/* async.h - the task side of the Component Model async ABI (CanonicalABI.md "Concurrency",
 * definitions.py Store / Task / Thread / Waitable / WaitableSet / Subtask): the contract
 * between the scheduler, tasks and waitable sets (async_task.c, async_lift.c, async_lower.c,
 * waitable.c, async_builtins.c) and the streams, futures and error contexts built on them
 * (async_stream.c, async_future.c, error_context.c, async_copy.c).
 *
 * Execution model. No thread has a C stack of its own. A definitions.py Thread owns a
 * weft_call_t (the core engine's suspendable call): a built-in that must block records what
 * the thread waits for (a ready condition and a function producing the built-in's core
 * results), calls weft_caller_suspend() and returns; the store's scheduler later resumes the
 * call with those results once the condition holds. A thread that cannot suspend (the
 * implicit thread of a synchronously-typed task running on the C stack) blocks "inline": the
 * built-in keeps resuming the other ready threads of its instance until the condition holds,
 * which is exactly what definitions.py canon_lift does for a non-`async` function type
 * (trapping "cannot block a synchronous task before returning" when none is ready).
 *
 * Every object is freed with the store (or earlier, when its last reference goes away). All
 * functions returning weft_error_t * return NULL on success and a trap (or OOM) otherwise. */
#ifndef WEFT_COMPONENT_ASYNC_H
#define WEFT_COMPONENT_ASYNC_H

#include <stdbool.h>
#include <stdint.h>

#include "component/handles.h"
#include "component/validate.h"
#include "weft.h"

typedef struct weft_cstate weft_cstate_t;
typedef struct weft_component_func weft_component_func_t;

typedef struct weft_asched weft_asched_t;     /* definitions.py Store (waiting threads) */
typedef struct weft_atask weft_atask_t;       /* definitions.py Task */
typedef struct weft_athread weft_athread_t;   /* definitions.py Thread */
typedef struct weft_waitable weft_waitable_t; /* definitions.py Waitable */
typedef struct weft_wset weft_wset_t;         /* definitions.py WaitableSet */
typedef struct weft_asubtask weft_asubtask_t; /* definitions.py Subtask */

/* ---- objects ---------------------------------------------------------------------------- */

/* Zeroed storage for an async object (task, thread, subtask, waitable set, stream or future
 * state, error context) owned by the store's scheduler: freed by weft__async_obj_free or with
 * the store, when `dtor` (may be NULL) runs first. NULL when out of memory. */
void *weft__async_obj_new(weft_store_t *store, size_t size, void (*dtor)(void *obj));
void weft__async_obj_free(weft_store_t *store, void *obj);

/* ---- constants (definitions.py EventCode, CopyResult, BLOCKED) ------------------------- */

typedef enum weft_event_code {
    WEFT_EVENT_NONE = 0,
    WEFT_EVENT_SUBTASK = 1,
    WEFT_EVENT_STREAM_READ = 2,
    WEFT_EVENT_STREAM_WRITE = 3,
    WEFT_EVENT_FUTURE_READ = 4,
    WEFT_EVENT_FUTURE_WRITE = 5,
    WEFT_EVENT_TASK_CANCELLED = 6,
} weft_event_code_t;

/* definitions.py BLOCKED: the result of an async operation that did not complete at once. */
#define WEFT_ASYNC_BLOCKED 0xffffffffu

/* An EventTuple (code, p1, p2). */
typedef struct weft_event {
    uint32_t code, p1, p2;
} weft_event_t;

/* ---- handle-table element kinds ------------------------------------------------------ */

/* Kinds of weft_handle_t entries beyond resources (definitions.py ComponentInstance.handles
 * holds them all in one index space). The entry's `obj` points at the object; for every
 * waitable kind that object starts with (or embeds) a weft_waitable_t reachable through
 * weft__async_waitable_of. */
typedef enum weft_ahandle_kind {
    WEFT_HANDLE_SUBTASK = WEFT_HANDLE_USER,    /* weft_asubtask_t (a waitable) */
    WEFT_HANDLE_STREAM_READABLE,               /* readable stream end (a waitable) */
    WEFT_HANDLE_STREAM_WRITABLE,               /* writable stream end (a waitable) */
    WEFT_HANDLE_FUTURE_READABLE,               /* readable future end (a waitable) */
    WEFT_HANDLE_FUTURE_WRITABLE,               /* writable future end (a waitable) */
    WEFT_HANDLE_WAITABLE_SET,                  /* weft_wset_t */
    WEFT_HANDLE_ERROR_CONTEXT,                 /* error context */
} weft_ahandle_kind_t;

/* True for the kinds whose object is a waitable. */
static inline bool weft__async_kind_is_waitable(uint8_t kind)
{
    return kind >= WEFT_HANDLE_SUBTASK && kind <= WEFT_HANDLE_FUTURE_WRITABLE;
}

/* Table.add of an async object: *index receives its index (index allocation as the spec's
 * Table: 0 reserved, last freed first). If obj is a waitable, set its `handle` field to the
 * index yourself (the table does not know the layout). */
weft_error_t *weft__async_handle_add(weft_cstate_t *inst, uint8_t kind, void *obj,
                                     uint32_t *index);
/* Table.get + isinstance check: traps "unknown handle index N" for a free or out-of-range
 * index and "handle index N used with the wrong type" when the entry's kind differs from
 * `kind`. */
weft_error_t *weft__async_handle_get(weft_cstate_t *inst, uint32_t i, uint8_t kind, void **obj);
/* Like weft__async_handle_get, then Table.remove. */
weft_error_t *weft__async_handle_remove(weft_cstate_t *inst, uint32_t i, uint8_t kind,
                                        void **obj);
/* Table.get of any waitable kind (waitable.join): *w is its Waitable base, *kind its kind. */
weft_error_t *weft__async_waitable_get(weft_cstate_t *inst, uint32_t i, weft_waitable_t **w,
                                       uint8_t *kind);

/* ---- Waitable ------------------------------------------------------------------------ */

/* definitions.py Waitable.pending_event: a closure evaluated when the event is delivered
 * (so a later state change is seen by it: events collapse). It receives the waitable and
 * fills the event; it may change the waitable's state (e.g. Subtask.deliver_resolve). It is
 * cleared before the call (get_pending_event). */
typedef void (*weft_event_fn)(weft_waitable_t *w, weft_event_t *out);

/* Embed as a member of every waitable object (subtasks, stream and future ends). Zero it, then
 * call weft__waitable_init. */
struct weft_waitable {
    weft_event_fn pending_event; /* NULL: none */
    weft_wset_t *wset;           /* the set it is in, or NULL */
    weft_waitable_t *set_prev, *set_next; /* membership in wset->elems, in join order */
    weft_cstate_t *inst;         /* the instance whose table holds it */
    uint32_t handle;             /* its index in inst's table (0: not in a table) */
    bool has_sync_waiter;
    weft_athread_t *sync_thread; /* the thread of that synchronous wait (woken by an event) */
};

void weft__waitable_init(weft_waitable_t *w, weft_cstate_t *inst);
/* Waitable.set_pending_event: replaces any pending event and wakes threads waiting on the
 * waitable or its set (the scheduler re-checks their conditions). */
void weft__waitable_set_pending_event(weft_waitable_t *w, weft_event_fn fn);
static inline bool weft__waitable_has_pending_event(const weft_waitable_t *w)
{
    return w->pending_event != NULL;
}
/* Waitable.get_pending_event: clears the pending event and evaluates it. Requires one. */
void weft__waitable_get_pending_event(weft_waitable_t *w, weft_event_t *out);
/* Waitable.join(wset) (NULL: leave the current set). Requires !has_sync_waiter. */
void weft__waitable_join(weft_waitable_t *w, weft_wset_t *wset);
/* Waitable.drop: leaves its set (the caller has already checked it may be dropped). */
void weft__waitable_drop(weft_waitable_t *w);

/* ---- the current thread and task of a built-in ----------------------------------------- */

/* definitions.py current_thread(): the thread running in `inst` (the instance a built-in
 * belongs to; every built-in's env knows it). A synchronously-typed call that runs on the C
 * stack has its thread record made on first use. NULL only when out of memory. */
weft_athread_t *weft__async_current_thread(weft_cstate_t *inst);
/* current_task() */
weft_atask_t *weft__async_thread_task(const weft_athread_t *th);
/* The store's scheduler (created on first use; NULL when out of memory). */
weft_asched_t *weft__async_sched(weft_store_t *store);

/* ---- blocking a thread ----------------------------------------------------------------- */

/* The ready condition of a waiting thread (definitions.py Thread.ready_func). Evaluated by
 * the scheduler whenever it looks for a thread to resume: keep it cheap and side-effect
 * free. */
typedef bool (*weft_async_ready_fn)(void *env);
/* Produces the blocked built-in's core results once the thread resumes: `cancelled` is true
 * when a cancellable wait was ended by cancellation (definitions.py Cancelled.TRUE) rather
 * than by the condition. May trap. `results` has the built-in's result count and kinds. */
typedef weft_error_t *(*weft_async_finish_fn)(void *env, bool cancelled, weft_val_t *results,
                                              size_t nresults);

/* The blocking primitive of a built-in (definitions.py Thread.wait_until followed by the
 * built-in's remaining work). Called from inside a built-in's host function with its caller
 * and result array:
 * - if a pending cancellation is delivered first (cancellable) or the condition already
 *   holds, `finish` runs at once and fills `results`;
 * - if the thread can suspend, the wait is recorded and weft_caller_suspend(caller) is called:
 *   the built-in must then return NULL immediately, and `finish` runs when the scheduler
 *   resumes the thread (env must stay valid until then);
 * - a thread that cannot suspend blocks inline (see the top of this file), then finishes.
 * The function also applies the rules on when a task may block (a synchronously-typed task
 * that has not returned traps "cannot block a synchronous task before returning" if nothing
 * else can run). `ready` NULL means "always ready" (yield). */
weft_error_t *weft__async_block(weft_caller_t *caller, weft_athread_t *th,
                                weft_async_ready_fn ready, weft_async_finish_fn finish,
                                void *env, bool cancellable, weft_val_t *results,
                                size_t nresults);

/* Waitable.wait_for_pending_event for a synchronous built-in (sync stream/future read/write,
 * sync cancel-*, sync subtask.cancel): traps "waitable cannot be used synchronously while
 * added to a waitable set" if w is in a set; sets has_sync_waiter while waiting; then `finish`
 * runs as in weft__async_block (not cancellable). */
weft_error_t *weft__async_wait_pending(weft_caller_t *caller, weft_athread_t *th,
                                       weft_waitable_t *w, weft_async_finish_fn finish,
                                       void *env, weft_val_t *results, size_t nresults);

/* The check a synchronous (non-`async` ABI) built-in that may block makes first (sync stream/
 * future read/write/cancel, sync subtask.cancel, sync lower of an async-typed function): in a
 * task whose function type is not `async` and that has not returned, it traps "cannot block a
 * synchronous task before returning" unless another thread of the instance is ready. */
weft_error_t *weft__async_may_block(weft_athread_t *th);

/* Marks the scheduler's knowledge of `inst`'s threads stale after a change that may make a
 * waiting thread ready without a pending event being set (e.g. a copy that completes a
 * rendezvous). Cheap; call it whenever in doubt. */
void weft__async_wake(weft_store_t *store);

/* The exclusive lock or the backpressure of inst changed (backpressure.dec, a lock
 * released): the threads of inst that were found waiting for them are queued again. */
void weft__async_wake_inst(weft_cstate_t *inst);

/* Poisons inst after a trap inside it (every later entry traps "cannot enter component
 * instance"). */
void weft__async_poison(weft_cstate_t *inst);

/* The context slots (definitions.py Thread.storage) of the thread running in inst: an async
 * thread's own, else those of the synchronous call on the C stack (inst->context). */
uint32_t *weft__async_context(weft_cstate_t *inst);

/* ---- entry points used by call.c and instance_new.c ------------------------------------ */

/* Calls async-typed lifted function f from the host: runs the store's scheduler until the
 * task resolves; traps "deadlock detected: event loop cannot make further progress" when no
 * thread can make progress before then. */
weft_error_t *weft__async_call_host(weft_store_t *store, weft_component_func_t *f,
                                    const weft_cval_t *args, weft_cval_t *results,
                                    weft_cval_arena_t *arena);
/* The core function for `canon lower` of target when the lower is `async` or the target is
 * an async-typed function (the sync caller then waits for the subtask); NULL *out when this
 * path does not apply (the synchronous fast path handles it). */
weft_error_t *weft__async_make_lower(weft_cstate_t *st, const weft_ccanon_info_t *info,
                                     weft_component_func_t *target, weft_func_t **out);
/* The core functions of the task built-ins (task.return, task.cancel, subtask.*, waitable-
 * set.*, waitable.join, thread.*, context.get/set, backpressure.inc/dec); NULL *out for ops
 * handled elsewhere (streams, futures, error contexts). */
weft_error_t *weft__async_make_builtin(weft_cstate_t *st, uint32_t canon_index,
                                       weft_func_t **out);
/* Ends the thread record of a synchronously-typed call that ran on the C stack in inst, if
 * one was made (called when such a call leaves inst). */
void weft__async_sync_leave(weft_cstate_t *inst);

#endif
