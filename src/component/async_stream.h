/* async_stream.h - streams, futures and error contexts of the async Canonical ABI
 * (CanonicalABI.md "Buffer State", "Stream State", "Future State", `canon stream.*`,
 * `canon future.*`, `canon error-context.*`; definitions.py BufferGuestImpl, SharedStreamImpl,
 * SharedFutureImpl, CopyEnd, ReadableStreamEnd, WritableStreamEnd, ReadableFutureEnd,
 * WritableFutureEnd, ErrorContext).
 *
 * Layers, bottom up:
 *   - weft_abuf_t (async_copy.c): a guest buffer of one stream/future copy and the copy engine
 *     that moves elements from one buffer to another (one memmove for plain integers, the
 *     fused copy of canon_copy.c for everything else, handles transferred);
 *   - weft_ashared_t (async_stream.c / async_future.c): the state shared by the two ends, the
 *     rendezvous of a pending copy with the other end's copy;
 *   - weft_aend_t (async_stream.c): one end in a handle table, a Waitable with CopyState;
 *   - the built-ins (weft__async_make_stream_builtin), error contexts (error_context.c).
 * Private to the component layer. */
#ifndef WEFT_COMPONENT_ASYNC_STREAM_H
#define WEFT_COMPONENT_ASYNC_STREAM_H

#include <stdbool.h>
#include <stdint.h>

#include "component/async.h"
#include "component/canon.h"
#include "component/types.h"
#include "weft.h"

struct weft_cstate;

/* definitions.py CopyResult */
enum { WEFT_COPY_COMPLETED = 0, WEFT_COPY_DROPPED = 1, WEFT_COPY_CANCELLED = 2 };
/* definitions.py CopyState */
enum { WEFT_COPY_IDLE = 1, WEFT_COPY_COPYING = 2, WEFT_COPY_CANCELLING = 3, WEFT_COPY_DONE = 4 };
/* Buffer.MAX_LENGTH */
#define WEFT_ABUF_MAX_LENGTH ((1u << 28) - 1u)

/* ---- buffers and the copy engine (async_copy.c) ---------------------------------------- */

/* definitions.py BufferGuestImpl: `length` elements of type `t` (NULL: no element type) at
 * `ptr` in the linear memory of the options of one stream.read/write or future.read/write.
 * The types of `t` are in the view of `view` (its resource types resolve there). */
typedef struct weft_abuf {
    const weft_ty_val_t *t;
    struct weft_cstate *inst;        /* the instance that issued the copy */
    const struct weft_cstate *view;
    weft_memory_t *memory;           /* NULL when the options have none */
    weft_func_t *realloc;            /* NULL when the options have none */
    uint8_t string_encoding;
    uint32_t ptr, progress, length;
    void *host; /* a host end's buffer of values (host_stream.c), NULL for a guest buffer */
} weft_abuf_t;

/* The options of one built-in: what a buffer made by it copies with. */
typedef struct weft_aopts {
    struct weft_cstate *inst;
    weft_memory_t *memory;
    weft_func_t *realloc;
    uint8_t string_encoding;
} weft_aopts_t;

/* BufferGuestImpl.__init__: traps if length exceeds MAX_LENGTH or, for a typed non-empty
 * buffer, ptr is unaligned or the elements run past the end of memory. */
weft_error_t *weft__abuf_init(weft_abuf_t *b, const weft_ty_val_t *t,
                              const struct weft_cstate *view, const weft_aopts_t *o,
                              uint32_t ptr, uint32_t length);
static inline uint32_t weft__abuf_remain(const weft_abuf_t *b) { return b->length - b->progress; }
static inline bool weft__abuf_is_zero_length(const weft_abuf_t *b) { return b->length == 0; }

/* dst.write(src.read(n)): moves n (<= both remains) elements from src's memory to dst's,
 * lifting from src (its checks, own handles removed, streams/futures taken out of src's
 * table) and lowering into dst (realloc for strings and lists, handles added to dst's
 * table); both buffers advance. The element types must be equal (the caller checked).
 * Plain integers move with one memmove and no intermediate buffer. */
weft_error_t *weft__abuf_copy(weft_abuf_t *dst, weft_abuf_t *src, uint32_t n);

/* Runtime type equality of the spec (`e.shared.t != stream_t.t`): structural, with resource
 * types compared as runtime types (a's resolved in view va, b's in vb). */
bool weft__async_type_eq(const weft_ty_val_t *a, const struct weft_cstate *va,
                         const weft_ty_val_t *b, const struct weft_cstate *vb);

/* The same with b's resource types resolved by a lifting context (lift_stream/lift_future). */
bool weft__async_type_eq_cx(const weft_ty_val_t *a, const struct weft_cstate *va,
                            const weft_ty_val_t *b, const weft_canon_cx_t *cx);

/* definitions.py none_or_number_type */
bool weft__async_none_or_number(const weft_ty_val_t *t);

/* ---- the shared state of a stream or future (async_stream_shared.c, async_future.c) ---- */

typedef struct weft_acopy weft_acopy_t;
/* One end's copy in progress: its buffer and the callbacks of definitions.py stream_copy /
 * future_copy. on_copy is OnCopy (a partial copy happened; the end's event then reclaims the
 * shared buffer when delivered); on_copy_done is OnCopyDone. */
struct weft_acopy {
    weft_abuf_t buf;
    void (*on_copy)(weft_acopy_t *c);
    void (*on_copy_done)(weft_acopy_t *c, uint8_t result);
};

/* The reference-counted head of the objects a value can carry from one handle table to
 * another (the shared state of a stream or future, an error context). */
typedef struct weft_avalue {
    uint32_t refs;
    void (*free)(void *obj); /* NULL: a weft_ashared_t */
    weft_alloc_t alloc;
} weft_avalue_t;
/* Drops one reference (the object is freed with the last one). */
void weft__avalue_unref(void *obj);

/* definitions.py SharedStreamImpl / SharedFutureImpl (the same fields). `head.refs` counts the
 * ends and values in flight that refer to it. */
typedef struct weft_ashared {
    weft_avalue_t head;
    const weft_ty_val_t *t;          /* the element type, NULL for none */
    const struct weft_cstate *view;  /* where t's resource types resolve */
    bool is_future;
    bool dropped;
    weft_acopy_t *pending;           /* pending_buffer/on_copy/on_copy_done; NULL: none */
    struct weft_ashared *pool_next;  /* in the scheduler's pool while free */
} weft_ashared_t;

/* (Re)initialises every field of shared state x for a new stream or future: one reference per
 * end (2), nothing pending, not dropped. */
static inline void weft__ashared_init(weft_ashared_t *x, const weft_alloc_t *a,
                                      const weft_ty_val_t *t, const struct weft_cstate *view,
                                      bool is_future)
{
    x->head.refs = 2;
    x->head.free = NULL;
    x->head.alloc = *a;
    x->t = t;
    x->view = view;
    x->is_future = is_future;
    x->dropped = false;
    x->pending = NULL;
    x->pool_next = NULL;
}
/* A new shared state with one reference per end (2); NULL on allocation failure. */
weft_ashared_t *weft__ashared_new(const weft_alloc_t *a, const weft_ty_val_t *t,
                                  const struct weft_cstate *view, bool is_future);
/* The same from the scheduler's pool (allocated with s's allocator when the pool is empty). */
weft_ashared_t *weft__ashared_new_pooled(weft_asched_t *s, const weft_ty_val_t *t,
                                         const struct weft_cstate *view, bool is_future);
/* Drops one reference of x (may be NULL); the last one returns it to s's pool when it came
 * from s's allocator and s is not being freed, else frees it. */
void weft__ashared_release(weft_asched_t *s, weft_ashared_t *x);
/* Frees the pool (the scheduler is being freed). */
void weft__ashared_pool_free(weft_asched_t *s);
/* SharedStreamImpl.reset_pending */
static inline void weft__ashared_reset_pending(weft_ashared_t *s) { s->pending = NULL; }
/* SharedStreamImpl/SharedFutureImpl.cancel */
void weft__ashared_cancel(weft_ashared_t *s);
/* SharedStreamImpl.drop / SharedFutureImpl.drop */
void weft__ashared_drop(weft_ashared_t *s);
/* SharedStreamImpl.reset_and_notify_pending */
void weft__ashared_notify_pending(weft_ashared_t *s, uint8_t result);
/* trap_if(inst is self.pending_inst and not none_or_number_type(self.t)) # temporary */
weft_error_t *weft__ashared_intra_check(const weft_ashared_t *s, const weft_acopy_t *c);
/* SharedStreamImpl.read / write. A trap (the intra-component rule, a failed element copy)
 * is returned; then nothing is pending for c. */
weft_error_t *weft__ashared_stream_read(weft_ashared_t *s, weft_acopy_t *c);
weft_error_t *weft__ashared_stream_write(weft_ashared_t *s, weft_acopy_t *c);
/* SharedFutureImpl.read / write (c's buffer has length 1). */
weft_error_t *weft__ashared_future_read(weft_ashared_t *s, weft_acopy_t *c);
weft_error_t *weft__ashared_future_write(weft_ashared_t *s, weft_acopy_t *c);

/* ---- ends (async_stream.c) --------------------------------------------------------------- */

/* definitions.py CopyEnd (ReadableStreamEnd, WritableStreamEnd, ReadableFutureEnd,
 * WritableFutureEnd by `kind`, a WEFT_HANDLE_* kind): a waitable in one instance's table. */
typedef struct weft_aend {
    weft_waitable_t w;
    weft_acopy_t copy;         /* the copy in progress (while state is COPYING/CANCELLING) */
    weft_ashared_t *shared;    /* one reference */
    weft_asched_t *sched;      /* the store's scheduler (for the shared state's pool) */
    union {
        /* while in a table: shared->t, so that the built-ins' type check (e.shared.t != t)
         * does not wait for the shared state */
        const weft_ty_val_t *t;
        struct weft_aend *pool_next; /* in the scheduler's pool of ends while free */
    };
    uint8_t kind;
    uint8_t state;             /* WEFT_COPY_IDLE .. WEFT_COPY_DONE */
    /* the pending event's arguments (definitions.py stream_event/future_event partials) */
    uint8_t ev_result;
    bool ev_reclaim;
    bool own_view;             /* shared->view is the instance whose table holds the end */
} weft_aend_t;

/* A new end of `kind` on shared (taking one of its references) added to inst's table. */
weft_error_t *weft__aend_add(struct weft_cstate *inst, uint8_t kind, weft_ashared_t *shared,
                             uint32_t *index);
/* CopyEnd.copying */
static inline bool weft__aend_copying(const weft_aend_t *e)
{
    return e->state == WEFT_COPY_COPYING || e->state == WEFT_COPY_CANCELLING;
}

/* The env of one stream/future/error-context built-in. */
typedef struct weft_abuiltin {
    struct weft_cstate *st;
    uint8_t op;                /* weft_canon_op_t */
    bool async_;               /* the `async` option (read/write) or immediate (cancel-*) */
    const weft_ty_val_t *t;    /* stream_t.t / future_t.t: the element type (NULL: none) */
    weft_aopts_t opts;
} weft_abuiltin_t;

/* The core function of a stream.*, future.* or error-context.* canon definition (canon
 * definition k of st); the single entry point instance_new.c calls. */
weft_error_t *weft__async_make_stream_builtin(struct weft_cstate *st, uint32_t k,
                                              weft_func_t **out);
/* The host function of the error-context built-ins (error_context.c), by env->op. */
weft_error_t *weft__error_context_fn(void *env, weft_caller_t *caller, const weft_val_t *args,
                                     size_t nargs, weft_val_t *results, size_t nresults);
/* The raw-slot entry (weft_func_t.host_slots) of a built-in whose core type has only scalar
 * (i32/i64/f32/f64) parameters and results, at most 16 each: calls its weft_host_fn
 * without the general host bridge's conversions and checks. */
weft_error_t *weft__abuiltin_slots(weft_func_t *f, weft_caller_t *caller, uint64_t *slots);
/* Makes weft__call_host use weft__abuiltin_slots for built-in f when its type allows. */
void weft__abuiltin_use_slots(weft_func_t *f);
/* Checks common to every built-in: trap_if(not inst.may_leave). */
weft_error_t *weft__abuiltin_enter(const weft_abuiltin_t *b);

/* ---- ends and error contexts inside values (canon_copy.c) -------------------------------- */

/* lift_stream / lift_future (lift_async_value): removes readable end i of type t (a stream or
 * future type, in cx's view) from cx's table; *obj receives its shared state (a reference). */
weft_error_t *weft__async_lift_end(weft_canon_cx_t *cx, const weft_ty_val_t *t, uint32_t i,
                                   void **obj);
/* lower_stream / lower_future: a new readable end on obj (taking the reference, dropped on
 * failure) in cx's table. */
weft_error_t *weft__async_lower_end(weft_canon_cx_t *cx, const weft_ty_val_t *t, void *obj,
                                    uint32_t *i);
/* lift_error_context: the error context at index i of cx's table (a new reference; the handle
 * stays). */
weft_error_t *weft__error_context_lift(weft_canon_cx_t *cx, uint32_t i, void **obj);
/* Frees an error context (its last reference went). */
void weft__error_context_free(void *obj);
/* lower_error_context: adds obj (taking the reference, dropped on failure) to cx's table. */
weft_error_t *weft__error_context_lower(weft_canon_cx_t *cx, void *obj, uint32_t *i);

#endif
