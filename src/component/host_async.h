/* host_async.h - the host's side of the async ABI (the public "Component Model async" section
 * of weft.h): the store's event loop and its handle table (loop.c), async host functions and
 * tasks started by the host (host_async.c), stream and future ends held by the host
 * (host_stream.c). Also the hooks the async ABI's own files call (async_lower.c for calls of
 * async host functions, async_copy.c for copies touching a host buffer, canon_lift.c and
 * canon_lower.c for stream/future/error-context values crossing the host boundary). */
#ifndef WEFT_COMPONENT_HOST_ASYNC_H
#define WEFT_COMPONENT_HOST_ASYNC_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "component/canon.h"
#include "component/cvalue.h"
#include "weft.h"

struct weft_abuf;
struct weft_cstate;
struct weft_asubtask;
struct weft_alower;
struct weft_component_func;

/* ---- the loop and its handles (loop.c) --------------------------------------------------- */

/* Kinds of host handles. */
enum {
    WEFT_HK_TASK = 1,
    WEFT_HK_CALL,
    WEFT_HK_STREAM_READABLE,
    WEFT_HK_STREAM_WRITABLE,
    WEFT_HK_FUTURE_READABLE,
    WEFT_HK_FUTURE_WRITABLE,
    WEFT_HK_TIMER,
    WEFT_HK_ERROR_CONTEXT,
    WEFT_HK_FD_WATCH,
};

/* The head of every object a host handle names. */
typedef struct weft_hobj {
    uint32_t handle; /* 0 once released */
    uint8_t kind;
    bool noted;      /* a notification is queued */
    weft_async_notify_fn notify;
    void *notify_data;
} weft_hobj_t;

typedef struct weft_hslot {
    weft_hobj_t *obj;   /* NULL: free */
    uint32_t next_free; /* the free list (0: end) */
    uint16_t gen;       /* 1..WEFT_HGEN_MAX, bumped on release */
} weft_hslot_t;

#define WEFT_HINDEX_BITS 20u
#define WEFT_HINDEX_MAX ((1u << WEFT_HINDEX_BITS) - 1u)
#define WEFT_HGEN_MAX 4095u

struct weft_htimer;
struct weft_hcall;
struct weft_hwatch;
struct weft_hfd;

/* The store's loop: a scheduler object (freed with the store), reached from the scheduler. */
typedef struct weft_hloop {
    weft_store_t *store;
    weft_alloc_t alloc;
    weft_hslot_t *slots;            /* slots[0] unused */
    size_t cap;
    uint32_t nslots, free_head, live;
    uint32_t max_handles, max_tasks, ntasks, ncalls;
    int rfd, wfd;                   /* the wake-up descriptor (equal for an eventfd), or -1 */
    _Atomic unsigned woken;         /* weft_store_wake() since the last pass */
    bool running;                   /* inside a pass: no need to signal the descriptor */
    struct weft_htimer **heap;      /* pending timers, a binary heap by (deadline, seq) */
    size_t nheap, heap_cap;
    uint64_t timer_seq;
    uint32_t *notes;                /* handles with a notification to deliver, in order */
    size_t nnotes, notes_cap;
    struct weft_hcall *rq_head, *rq_tail; /* host calls resolved, to deliver to their callers */
    weft_error_t *failed;           /* a host call's failure for the next pass to return */
    /* Descriptor watchers (loop_fd.c). On Linux every watched descriptor and the wake-up
     * descriptor are in one epoll instance (epfd), so that one epoll_wait sleeps on all. */
    int epfd;                       /* -1 when none (other systems: poll(2) over `fds`) */
    struct weft_hfd **fds;          /* by descriptor number; NULL: never watched */
    size_t fds_cap;
    struct weft_hfd *dirty;         /* records whose registration is to be brought up to date */
    struct weft_hwatch *ready_head, *ready_tail; /* watchers to call in the next pass */
    uint32_t nwatch;                /* pending watchers (ready ones included) */
} weft_hloop_t;

/* The loop of `store`, made on first use (NULL when out of memory). */
weft_hloop_t *weft__hloop(weft_store_t *store);
/* The loop if it exists (const stores: queries never allocate). */
weft_hloop_t *weft__hloop_peek(const weft_store_t *store);
weft_store_t *weft__hloop_store(const weft_hloop_t *l);
/* A new handle for o (o->kind set): traps WEFT_TRAP_HANDLE_LIMIT past the limit. */
weft_error_t *weft__hloop_add(weft_hloop_t *l, weft_hobj_t *o);
/* The object of handle h, of one of the kinds in `kinds` (a bit per kind: 1u << kind), or an
 * INVALID_ARG error naming `what`. */
weft_error_t *weft__hloop_get(const weft_hloop_t *l, weft_async_handle_t h, uint32_t kinds,
                              const char *what, weft_hobj_t **out);
/* Releases o's handle (o->handle becomes 0). */
void weft__hloop_release(weft_hloop_t *l, weft_hobj_t *o);
/* Queues o's notification (delivered by the loop) and wakes the loop's descriptor. */
void weft__hloop_notify(weft_hloop_t *l, weft_hobj_t *o);
/* Wakes the descriptor when work appeared outside weft_store_run. */
void weft__hloop_signal(weft_hloop_t *l);
/* Task accounting against max_tasks: false (and nothing counted) past the limit. */
bool weft__hloop_task_begin(weft_hloop_t *l, bool is_call);
void weft__hloop_task_end(weft_hloop_t *l, bool is_call);
/* A WEFT_TRAP_TASK_LIMIT / WEFT_TRAP_HANDLE_LIMIT error. */
weft_error_t *weft__hloop_limit_trap(weft_hloop_t *l, weft_trap_code_t code);
/* An INVALID_ARG error of the store. */
weft_error_t *weft__hloop_misuse(const weft_store_t *store, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/* One pass of the loop: resolutions, timers, notifications, ready threads. *progress tells
 * whether anything happened. */
weft_error_t *weft__hloop_pass(weft_hloop_t *l, bool *progress);
/* Sleeps until the next timer, a ready watched descriptor, a wake-up or the store's deadline
 * (nothing pending and !forever: returns at once). */
void weft__hloop_sleep(weft_hloop_t *l, bool forever);
/* Whether a timer is pending. */
bool weft__hloop_has_timers(const weft_hloop_t *l);
/* Whether a timer or a descriptor watcher is pending: something the loop can wait for. */
bool weft__hloop_has_waits(const weft_hloop_t *l);
/* The trap that ends a wait of the loop when the store's deadline passed or an interrupt was
 * requested (weft_store_set_deadline_ns, weft_store_interrupt), else NULL. */
weft_error_t *weft__hloop_stopped(weft_hloop_t *l);

/* ---- descriptor watchers (loop_fd.c) ------------------------------------------------------ */

/* Makes the loop's epoll instance holding the wake-up descriptor (Linux; -1 elsewhere). */
void weft__hloop_fd_open(weft_hloop_t *l);
/* Frees the records and closes the epoll instance (the loop's destructor). */
void weft__hloop_fd_close(weft_hloop_t *l);
/* Waits up to timeout_ms (-1: no limit, 0: just looks) for the wake-up descriptor or a watched
 * descriptor; ready watchers are queued for weft__hloop_fd_fire. */
void weft__hloop_fd_wait(weft_hloop_t *l, int timeout_ms);
/* Calls the watchers queued as ready: true when any. */
bool weft__hloop_fd_fire(weft_hloop_t *l);
/* Brings the registrations of changed descriptors up to date (no stale interest remains). */
void weft__hloop_fd_sync(weft_hloop_t *l);
/* Whether watchers are queued as ready. */
bool weft__hloop_fd_ready(const weft_hloop_t *l);
/* The descriptor to give as weft_store_async_fd(). */
int weft__hloop_fd_public(const weft_hloop_t *l);

/* ---- async host functions and host tasks (host_async.c) -------------------------------- */

/* Whether f is an async host function (its calls go through the async lower). */
bool weft__ahost_is_async(const struct weft_component_func *f);
/* The call of async host function le->target by subtask s (async_lower.c lower_fn): lifts the
 * arguments, calls the host. Returns with s RETURNED when the host completed at once, else
 * with s STARTED and the call pending (s->host_call set). */
weft_error_t *weft__ahost_start(struct weft_alower *le, struct weft_asubtask *s);
/* subtask.cancel of a subtask whose callee is a pending host call. */
weft_error_t *weft__ahost_cancel_requested(void *host_call);
/* The subtask of a pending host call is freed (the store goes away). */
void weft__ahost_detach(void *host_call);
/* Instance `inst` trapped with `err` (it is poisoned): every host task of it without an error
 * of its own keeps a copy as the reason weft_task_error() gives, also a task that returned. */
void weft__ahost_note_trap(weft_hloop_t *l, const struct weft_cstate *inst,
                           const weft_error_t *err);
/* The failure kept by host task `task` itself (with its backtrace and exit status, unlike the
 * copy weft_task_error() makes), moved to the caller; NULL when none. */
weft_error_t *weft__ahost_task_take_error(weft_store_t *store, weft_async_handle_t task);
/* Processes the queued resolutions of host calls (loop.c): *progress set when any. */
weft_error_t *weft__ahost_resolve_queued(weft_hloop_t *l, bool *progress);
/* The deep copy of host value v into arena (strings and aggregates copied). */
bool weft__ahost_copy_val(weft_cval_arena_t *ar, const weft_cval_t *v, weft_cval_t *out);
/* Whether host value v has type t (the shape weft_component_func_call checks). */
bool weft__ahost_val_fits(const struct weft_ty_val *t, const weft_cval_t *v);

/* ---- host stream and future ends (host_stream.c) ----------------------------------------- */

/* async_copy.c weft__abuf_copy when dst or src is a host buffer (b->host set). */
weft_error_t *weft__ahost_buf_copy(struct weft_abuf *dst, struct weft_abuf *src, uint32_t n);
/* canon_lift.c: a stream/future readable end (obj: its shared state) or an error context
 * (obj: a new reference) lifted into a host value of type t: the host gets a handle for it
 * (*handle). Takes obj's reference (dropped on failure). */
weft_error_t *weft__ahost_adopt(weft_canon_cx_t *cx, const struct weft_ty_val *t, void *obj,
                                uint32_t *handle);
/* Whether host handle `handle` can be lowered as a value of type t (a stream, future or error
 * context type in `view`, which may be NULL for a host function): INVALID_ARG if not. */
weft_error_t *weft__ahost_check_handle(weft_store_t *store, const struct weft_cstate *view,
                                       const struct weft_ty_val *t, uint32_t handle);
/* canon_lower.c: a host value of type t (stream, future, error context) with host handle
 * `handle` lowered into cx's instance: *index receives the guest's handle index. A stream or
 * future end leaves the host. */
weft_error_t *weft__ahost_lower_handle(weft_canon_cx_t *cx, const struct weft_ty_val *t,
                                       uint32_t handle, uint32_t *index);

#endif
