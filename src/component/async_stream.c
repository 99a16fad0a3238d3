/* async_stream.c - the ends of streams and futures and their built-ins (CanonicalABI.md
 * `canon stream.new/read/write/cancel-read/cancel-write/drop-readable/drop-writable` and the
 * `future.*` counterparts; definitions.py CopyEnd, ReadableStreamEnd, WritableStreamEnd,
 * ReadableFutureEnd, WritableFutureEnd, stream_copy, future_copy, cancel_copy, drop), and the
 * lifting and lowering of readable ends inside values (lift_stream/lift_future,
 * lower_stream/lower_future). The shared states are in async_stream_shared.c and
 * async_future.c, the element copies in async_copy.c. */
#include <string.h>

#include "component/async_internal.h"
#include "component/async_stream.h"
#include "component/instance.h"
#include "core/interp.h"
#include "util/error.h"

/* ---- ends ---------------------------------------------------------------------------------- */

static weft_aend_t *end_of_copy(weft_acopy_t *c)
{
    return (weft_aend_t *)(void *)((char *)c - offsetof(weft_aend_t, copy));
}

static weft_aend_t *end_of_waitable(weft_waitable_t *w)
{
    return (weft_aend_t *)(void *)((char *)w - offsetof(weft_aend_t, w));
}

static bool kind_is_stream(uint8_t kind)
{
    return kind == WEFT_HANDLE_STREAM_READABLE || kind == WEFT_HANDLE_STREAM_WRITABLE;
}

static bool kind_is_readable(uint8_t kind)
{
    return kind == WEFT_HANDLE_STREAM_READABLE || kind == WEFT_HANDLE_FUTURE_READABLE;
}

/* definitions.py stream_copy.stream_event / future_copy.future_event, evaluated when the
 * event is delivered. */
static void end_event(weft_waitable_t *w, weft_event_t *out)
{
    weft_aend_t *e = end_of_waitable(w);
    uint8_t result = e->ev_result;
    out->p1 = w->handle;
    if (kind_is_stream(e->kind)) {
        if (e->ev_reclaim) weft__ashared_reset_pending(e->shared);
        e->state = result == WEFT_COPY_DROPPED ? WEFT_COPY_DONE : WEFT_COPY_IDLE;
        out->code = e->kind == WEFT_HANDLE_STREAM_READABLE ? WEFT_EVENT_STREAM_READ
                                                           : WEFT_EVENT_STREAM_WRITE;
        out->p2 = result | (e->copy.buf.progress << 4);
    } else {
        e->state = result == WEFT_COPY_DROPPED || result == WEFT_COPY_COMPLETED ? WEFT_COPY_DONE
                                                                               : WEFT_COPY_IDLE;
        out->code = e->kind == WEFT_HANDLE_FUTURE_READABLE ? WEFT_EVENT_FUTURE_READ
                                                           : WEFT_EVENT_FUTURE_WRITE;
        out->p2 = result;
    }
}

/* stream_copy.on_copy: the event carries reclaim_buffer (= shared.reset_pending). */
static void end_on_copy(weft_acopy_t *c)
{
    weft_aend_t *e = end_of_copy(c);
    e->ev_result = WEFT_COPY_COMPLETED;
    e->ev_reclaim = true;
    weft__waitable_set_pending_event_inline(&e->w, end_event);
}

/* stream_copy.on_copy_done / future_copy.on_copy_done */
static void end_on_copy_done(weft_acopy_t *c, uint8_t result)
{
    weft_aend_t *e = end_of_copy(c);
    e->ev_result = result;
    e->ev_reclaim = false;
    weft__waitable_set_pending_event_inline(&e->w, end_event);
}

/* The end's reference to the shared state goes with it (also when the store frees it). */
static void aend_dtor(void *obj)
{
    weft_aend_t *e = obj;
    weft__ashared_release(e->sched, e->shared);
}

/* What weft__aend_add sets on a pooled end (the rest is as aend_free left it). */
static inline void end_init(weft_aend_t *e, struct weft_cstate *inst, uint8_t kind,
                            weft_ashared_t *shared)
{
    e->w.inst = inst; /* weft__waitable_init: the rest of the waitable is zero */
    e->shared = shared;
    e->t = shared->t;
    e->own_view = shared->view == inst;
    e->kind = kind;
    e->state = WEFT_COPY_IDLE;
}

weft_error_t *weft__aend_add(struct weft_cstate *inst, uint8_t kind, weft_ashared_t *shared,
                             uint32_t *index)
{
    weft_asched_t *s = inst->store->async_sched;
    weft_aend_t *e = s ? s->end_pool : NULL;
    if (e) {
        /* A pooled end is as aend_free left it: out of any set, no pending event or waiter,
         * its scheduler and copy callbacks in place; only what names this end is set. */
        s->end_pool = e->pool_next;
        s->end_pool_n--;
    } else {
        if (!(e = weft__async_obj_new(inst->store, sizeof *e, aend_dtor))) return weft__error_oom();
        e->sched = inst->store->async_sched; /* made by weft__async_obj_new */
        e->copy.on_copy = end_on_copy;
        e->copy.on_copy_done = end_on_copy_done;
    }
    end_init(e, inst, kind, shared);
    if (!weft__handles_add_reuse(&inst->handles, kind, e, index)) {
        weft_error_t *err = weft__async_handle_add(inst, kind, e, index);
        if (err) {
            e->shared = NULL; /* the caller keeps its reference */
            weft__async_obj_free(inst->store, e);
            return err;
        }
    }
    e->w.handle = *index;
    return NULL;
}

/* weft__ashared_release, inline when another reference remains or the state goes back to the
 * pool (the steady state of a future made and dropped in a loop). */
static inline void shared_release(weft_asched_t *s, weft_ashared_t *x)
{
    if (!x) return;
    if (x->head.refs > 1) {
        x->head.refs--;
        return;
    }
    if (x->head.free || s->closing || s->shared_pool_n >= WEFT_ASYNC_POOL_MAX ||
        x->head.alloc.fn != s->alloc.fn || x->head.alloc.ud != s->alloc.ud) {
        weft__ashared_release(s, x);
        return;
    }
    x->head.refs = 0;
    x->pool_next = s->shared_pool;
    s->shared_pool = x;
    s->shared_pool_n++;
}

/* Frees an end that left its table (its set already left), with its shared reference unless
 * that moved elsewhere (e->shared cleared). */
static inline void aend_free(weft_aend_t *e)
{
    weft_asched_t *s = e->sched;
    if (s->closing || s->end_pool_n >= WEFT_ASYNC_POOL_MAX) {
        weft__async_obj_free(e->w.inst->store, e);
        return;
    }
    /* Kept for the next end: an end made and dropped in a loop (future.new, the copy, the
     * drops) then costs no allocation. Its destructor (at store teardown) finds no state.
     * The fields weft__aend_add does not set go back to their initial values here (the
     * waitable's set links are already clear: weft__waitable_drop). */
    shared_release(s, e->shared);
    e->shared = NULL;
    e->w.pending_event = NULL;
    e->w.handle = 0;
    e->w.has_sync_waiter = false;
    e->w.sync_thread = NULL;
    e->copy.buf.progress = 0;
    e->copy.buf.host = NULL;
    e->ev_result = 0;
    e->ev_reclaim = false;
    e->pool_next = s->end_pool;
    s->end_pool = e;
    s->end_pool_n++;
}

/* ---- built-ins ----------------------------------------------------------------------------- */

weft_error_t *weft__abuiltin_enter(const weft_abuiltin_t *b)
{
    if (!b->st->may_leave)
        return weft__canon_trap(&b->st->root->alloc, "cannot leave component instance");
    return NULL;
}

#define SLOTS_MAX 16u

static bool scalar_type(weft_valtype_t t)
{
    switch (t & 0xFF) {
    case WEFT_T_I32: case WEFT_T_I64: case WEFT_T_F32: case WEFT_T_F64: return true;
    default: return false;
    }
}

void weft__abuiltin_use_slots(weft_func_t *f)
{
    const weft_functype_t *t = f->type;
    if (t->nparams > SLOTS_MAX || t->nresults > SLOTS_MAX) return;
    for (uint32_t i = 0; i < t->nparams; i++)
        if (!scalar_type(t->params[i])) return;
    for (uint32_t i = 0; i < t->nresults; i++)
        if (!scalar_type(t->results[i])) return;
    f->host_slots = weft__abuiltin_slots;
}

/* One slot per scalar; the payloads share their storage (weft_val_t.of). */
weft_error_t *weft__abuiltin_slots(weft_func_t *f, weft_caller_t *caller, uint64_t *slots)
{
    const weft_functype_t *t = f->type;
    weft_val_t args[SLOTS_MAX], res[SLOTS_MAX];
    uint32_t np = t->nparams, nr = t->nresults;
    for (uint32_t i = 0; i < np; i++) {
        weft_valtype_t k = t->params[i] & 0xFF;
        args[i].kind = (weft_valkind_t)k;
        if (k == WEFT_T_I32 || k == WEFT_T_F32) args[i].of.i32 = (int32_t)(uint32_t)slots[i];
        else args[i].of.i64 = (int64_t)slots[i];
    }
    for (uint32_t i = 0; i < nr; i++) {
        res[i].kind = (weft_valkind_t)(t->results[i] & 0xFF);
        res[i].of.i64 = 0;
    }
    weft_error_t *e = f->host(f->env, caller, args, np, res, nr);
    if (e || caller->suspend) return e;
    for (uint32_t i = 0; i < nr; i++) {
        weft_valtype_t k = t->results[i] & 0xFF;
        slots[i] = k == WEFT_T_I32 || k == WEFT_T_F32 ? (uint64_t)(uint32_t)res[i].of.i32
                                                      : (uint64_t)res[i].of.i64;
    }
    return NULL;
}

static const weft_alloc_t *balloc(const weft_abuiltin_t *b) { return &b->st->root->alloc; }

/* The end at index i of `kind` whose element type is b's (trap_if(not isinstance(e, EndT));
 * trap_if(e.shared.t != t)). */
static weft_error_t *get_end(const weft_abuiltin_t *b, uint32_t i, uint8_t kind, bool remove,
                             weft_aend_t **out)
{
    void *obj = NULL;
    weft_error_t *err = weft__async_handle_get(b->st, i, kind, &obj);
    if (err) return err;
    weft_aend_t *e = obj;
    if ((e->shared->t != b->t || e->shared->view != b->st) &&
        !weft__async_type_eq(e->shared->t, e->shared->view, b->t, b->st))
        return weft__canon_trap(balloc(b), "handle index %u used with the wrong type: the "
                                           "element types differ", i);
    if (remove && (err = weft__async_handle_remove(b->st, i, kind, &obj))) return err;
    *out = e;
    return NULL;
}

/* Waitable.get_pending_event of an end, whose event is end_event (called directly) unless
 * none is pending; the event's payload. */
static inline uint32_t end_take_event(weft_aend_t *e)
{
    weft_event_t ev;
    if (e->w.pending_event == end_event && !kind_is_stream(e->kind)) {
        /* future_copy.future_event: the end is done once COMPLETED or DROPPED */
        uint8_t result = e->ev_result;
        e->w.pending_event = NULL;
        e->state = result == WEFT_COPY_DROPPED || result == WEFT_COPY_COMPLETED ? WEFT_COPY_DONE
                                                                               : WEFT_COPY_IDLE;
        return result;
    }
    if (e->w.pending_event == end_event) {
        e->w.pending_event = NULL;
        end_event(&e->w, &ev);
        return ev.p2;
    }
    weft__waitable_get_pending_event(&e->w, &ev);
    return ev.p2;
}

/* The finish of a copy or cancel that waited: the end's event gives the payload. */
static weft_error_t *finish_event(void *env, bool cancelled, weft_val_t *results,
                                  size_t nresults)
{
    (void)cancelled;
    weft_aend_t *e = env;
    if (nresults) results[0].of.i32 = (int32_t)end_take_event(e);
    else end_take_event(e);
    return NULL;
}

/* The tail of stream_copy / future_copy / cancel_copy: the payload now, BLOCKED, or a
 * synchronous wait for the end's event. */
static weft_error_t *complete(const weft_abuiltin_t *b, bool async_, weft_caller_t *caller,
                              weft_aend_t *e, weft_val_t *results, size_t nresults)
{
    if (!weft__waitable_has_pending_event(&e->w)) {
        if (async_) {
            if (nresults) results[0].of.i32 = (int32_t)WEFT_ASYNC_BLOCKED;
            return NULL;
        }
        weft_athread_t *th = weft__async_current_thread(b->st);
        if (!th) return weft__error_oom();
        return weft__async_wait_pending(caller, th, &e->w, finish_event, e, results, nresults);
    }
    return finish_event(e, false, results, nresults);
}

/* The synchronous forms of copy and cancel block the current thread until their event. A task
 * that may not block (a synchronously-typed task that has not returned: definitions.py
 * canon_lift resumes other threads, and no thread can hold a stream rendezvous open for it)
 * traps before its operands are looked at, the order the reference tests observe
 * (async/trap-if-block-and-sync.wast). */
static weft_error_t *check_may_block(const weft_abuiltin_t *b)
{
    weft_athread_t *th = weft__async_current_thread(b->st);
    if (!th) return weft__error_oom();
    const weft_atask_t *t = th->task;
    if (t && !t->ft_async && t->state != WEFT_TASK_RESOLVED)
        return weft__canon_trap(balloc(b), "cannot block a synchronous task before returning");
    return NULL;
}

static const char *end_noun(uint8_t kind) { return kind_is_stream(kind) ? "stream" : "future"; }

/* definitions.py stream_copy and future_copy */
static weft_error_t *copy_fn(const weft_abuiltin_t *b, weft_caller_t *caller,
                             const weft_val_t *args, size_t nargs, weft_val_t *results,
                             size_t nresults)
{
    bool stream = b->op == WEFT_CANON_STREAM_READ || b->op == WEFT_CANON_STREAM_WRITE;
    bool read = b->op == WEFT_CANON_STREAM_READ || b->op == WEFT_CANON_FUTURE_READ;
    uint8_t kind = stream ? (read ? WEFT_HANDLE_STREAM_READABLE : WEFT_HANDLE_STREAM_WRITABLE)
                          : (read ? WEFT_HANDLE_FUTURE_READABLE : WEFT_HANDLE_FUTURE_WRITABLE);
    if (nargs < (stream ? 3u : 2u)) return weft__canon_trap(balloc(b), "bad arguments");
    uint32_t i = (uint32_t)args[0].of.i32, ptr = (uint32_t)args[1].of.i32;
    uint32_t n = stream ? (uint32_t)args[2].of.i32 : 1u;
    weft_aend_t *e;
    weft_error_t *err = b->async_ ? NULL : check_may_block(b);
    if (!err) err = get_end(b, i, kind, false, &e);
    if (err) return err;
    if (e->state != WEFT_COPY_IDLE) {
        if (e->state != WEFT_COPY_DONE)
            return weft__canon_trap(balloc(b), "cannot have concurrent operations active on a "
                                               "future/stream (%s %s while a copy is in "
                                               "progress)",
                                    read ? "read from" : "write to", end_noun(kind));
        if (stream)
            return weft__canon_trap(balloc(b), read ? "cannot read from stream after being "
                                                      "notified that the writable end dropped"
                                                    : "cannot write to stream after being "
                                                      "notified that the readable end dropped");
        return weft__canon_trap(balloc(b), read ? "cannot read from future after previous "
                                                  "read succeeded"
                                                : "cannot write to future after previous "
                                                  "write succeeded or readable end dropped");
    }
    if (e->w.wset && !b->async_)
        return weft__canon_trap(balloc(b), "waitable cannot be used synchronously while added "
                                           "to a waitable set");
    if ((err = weft__abuf_init(&e->copy.buf, b->t, b->st, &b->opts, ptr, n))) return err;
    e->state = WEFT_COPY_COPYING;
    weft_ashared_t *s = e->shared;
    if (stream)
        err = read ? weft__ashared_stream_read(s, &e->copy) : weft__ashared_stream_write(s, &e->copy);
    else
        err = read ? weft__ashared_future_read(s, &e->copy) : weft__ashared_future_write(s, &e->copy);
    if (err) return err;
    return complete(b, b->async_, caller, e, results, nresults);
}

/* definitions.py cancel_copy */
static weft_error_t *cancel_fn(const weft_abuiltin_t *b, weft_caller_t *caller,
                               const weft_val_t *args, size_t nargs, weft_val_t *results,
                               size_t nresults)
{
    uint8_t kind;
    switch (b->op) {
    case WEFT_CANON_STREAM_CANCEL_READ: kind = WEFT_HANDLE_STREAM_READABLE; break;
    case WEFT_CANON_STREAM_CANCEL_WRITE: kind = WEFT_HANDLE_STREAM_WRITABLE; break;
    case WEFT_CANON_FUTURE_CANCEL_READ: kind = WEFT_HANDLE_FUTURE_READABLE; break;
    default: kind = WEFT_HANDLE_FUTURE_WRITABLE; break;
    }
    if (nargs < 1) return weft__canon_trap(balloc(b), "bad arguments");
    uint32_t i = (uint32_t)args[0].of.i32;
    weft_aend_t *e;
    weft_error_t *err = b->async_ ? NULL : check_may_block(b);
    if (!err) err = get_end(b, i, kind, false, &e);
    if (err) return err;
    if (e->state != WEFT_COPY_COPYING || e->w.has_sync_waiter)
        return weft__canon_trap(balloc(b), "cannot cancel a %s %s that is not in progress",
                                end_noun(kind), kind_is_readable(kind) ? "read" : "write");
    if (e->w.wset && !b->async_)
        return weft__canon_trap(balloc(b), "waitable cannot be used synchronously while added "
                                           "to a waitable set");
    e->state = WEFT_COPY_CANCELLING;
    /* definitions.py cancels only when no event is pending. An undelivered partial-copy event
     * (on_copy) leaves the buffer registered with the shared state, i.e. the copy is still in
     * progress: it is cancelled too, so the result is CANCELLED with the progress made, which
     * the reference tests expect (async/cancel-stream.wast: "4+cancelled"). */
    if (!weft__waitable_has_pending_event(&e->w) || e->ev_reclaim) weft__ashared_cancel(e->shared);
    return complete(b, b->async_, caller, e, results, nresults);
}

/* definitions.py drop (stream.drop-readable/writable, future.drop-readable/writable) */
static weft_error_t *drop_fn(const weft_abuiltin_t *b, const weft_val_t *args, size_t nargs)
{
    uint8_t kind;
    switch (b->op) {
    case WEFT_CANON_STREAM_DROP_READABLE: kind = WEFT_HANDLE_STREAM_READABLE; break;
    case WEFT_CANON_STREAM_DROP_WRITABLE: kind = WEFT_HANDLE_STREAM_WRITABLE; break;
    case WEFT_CANON_FUTURE_DROP_READABLE: kind = WEFT_HANDLE_FUTURE_READABLE; break;
    default: kind = WEFT_HANDLE_FUTURE_WRITABLE; break;
    }
    if (nargs < 1) return weft__canon_trap(balloc(b), "bad arguments");
    uint32_t i = (uint32_t)args[0].of.i32;
    weft_aend_t *e;
    /* The spec removes the entry before its checks; a failed check traps (the instance is
     * then unusable), so checking first keeps the table consistent with the same outcome. */
    weft_error_t *err = get_end(b, i, kind, false, &e);
    if (err) return err;
    if (kind == WEFT_HANDLE_FUTURE_WRITABLE && e->state != WEFT_COPY_DONE) /* WritableFutureEnd.drop */
        return weft__canon_trap(balloc(b), "cannot drop future write end without first writing "
                                           "a value");
    if (weft__aend_copying(e)) /* CopyEnd.drop */
        return weft__canon_trap(balloc(b), "cannot drop busy %s (cannot remove busy %s end "
                                           "while a copy is in progress)",
                                end_noun(kind), end_noun(kind));
    void *obj;
    if ((err = weft__async_handle_remove(b->st, i, kind, &obj))) return err;
    weft__ashared_drop(e->shared);
    weft__waitable_drop(&e->w);
    aend_free(e);
    return NULL;
}

/* definitions.py canon_stream_new / canon_future_new */
static weft_error_t *new_fn(const weft_abuiltin_t *b, weft_val_t *results, size_t nresults)
{
    bool future = b->op == WEFT_CANON_FUTURE_NEW;
    weft_asched_t *sch = b->st->store->async_sched ? b->st->store->async_sched
                                                   : weft__async_sched(b->st->store);
    weft_ashared_t *s = sch ? weft__ashared_new_pooled(sch, b->t, b->st, future) : NULL;
    if (!s) return weft__error_oom();
    uint32_t ri = 0, wi = 0;
    weft_error_t *err = weft__aend_add(b->st, future ? WEFT_HANDLE_FUTURE_READABLE
                                                     : WEFT_HANDLE_STREAM_READABLE,
                                       s, &ri);
    if (err) {
        s->head.refs = 1;
        weft__ashared_release(sch, s);
        return err;
    }
    /* from here the readable end holds one reference, the writable end takes the other */
    err = weft__aend_add(b->st, future ? WEFT_HANDLE_FUTURE_WRITABLE : WEFT_HANDLE_STREAM_WRITABLE,
                         s, &wi);
    if (err) {
        /* undo the readable end: the table's free list gets ri back */
        void *obj;
        weft__ashared_release(sch, s);
        if (!weft__async_handle_remove(b->st, ri, future ? WEFT_HANDLE_FUTURE_READABLE
                                                         : WEFT_HANDLE_STREAM_READABLE,
                                       &obj))
            aend_free(obj);
        return err;
    }
    if (nresults) results[0].of.i64 = (int64_t)((uint64_t)ri | ((uint64_t)wi << 32));
    return NULL;
}

static weft_error_t *stream_fn(void *env, weft_caller_t *caller, const weft_val_t *args,
                               size_t nargs, weft_val_t *results, size_t nresults)
{
    const weft_abuiltin_t *b = env;
    weft_error_t *err = weft__abuiltin_enter(b);
    if (err) return err;
    switch (b->op) {
    case WEFT_CANON_STREAM_NEW: case WEFT_CANON_FUTURE_NEW:
        return new_fn(b, results, nresults);
    case WEFT_CANON_STREAM_READ: case WEFT_CANON_STREAM_WRITE:
    case WEFT_CANON_FUTURE_READ: case WEFT_CANON_FUTURE_WRITE:
        return copy_fn(b, caller, args, nargs, results, nresults);
    case WEFT_CANON_STREAM_CANCEL_READ: case WEFT_CANON_STREAM_CANCEL_WRITE:
    case WEFT_CANON_FUTURE_CANCEL_READ: case WEFT_CANON_FUTURE_CANCEL_WRITE:
        return cancel_fn(b, caller, args, nargs, results, nresults);
    default:
        return drop_fn(b, args, nargs);
    }
}

/* The end at index i of `kind` when it is there with b's element type, else NULL (the
 * general path then reports what is wrong). No side effects. */
static inline weft_aend_t *fast_end(const weft_abuiltin_t *b, uint32_t i, uint8_t kind)
{
    const weft_handles_t *t = &b->st->handles;
    if (i == 0 || i >= t->len) return NULL;
    const weft_handle_t *h = &t->array[i];
    if (h->kind != kind) return NULL;
    weft_aend_t *e = h->obj;
    return e->t == b->t && e->own_view ? e : NULL; /* e->w.inst is b->st: its table */
}

/* stream_fn on raw slots (weft_func_t.host_slots): every stream/future built-in has i32
 * parameters and at most one result, i64 for stream.new/future.new, else i32. */
static weft_error_t *stream_slots(weft_func_t *f, weft_caller_t *caller, uint64_t *slots)
{
    const weft_abuiltin_t *b = f->env;
    const weft_functype_t *t = f->type;
    weft_val_t args[3], res[1];
    uint32_t np = t->nparams < 3 ? t->nparams : 3, nr = t->nresults ? 1 : 0;
    for (uint32_t i = 0; i < np; i++) {
        args[i].kind = WEFT_I32;
        args[i].of.i32 = (int32_t)(uint32_t)slots[i];
    }
    bool wide = b->op == WEFT_CANON_STREAM_NEW || b->op == WEFT_CANON_FUTURE_NEW;
    res[0].kind = wide ? WEFT_I64 : WEFT_I32;
    res[0].of.i64 = 0;
    weft_error_t *err = stream_fn(f->env, caller, args, np, res, nr);
    if (err || caller->suspend || !nr) return err;
    slots[0] = wide ? (uint64_t)res[0].of.i64 : (uint64_t)(uint32_t)res[0].of.i32;
    return NULL;
}

/* The fast paths below cover future.read/write, future.drop-readable/writable and
 * future.new when every check passes, on raw slots (a task switch through a future is made
 * of them). Anything else goes to stream_slots, which repeats the checks (those made here have
 * no side effects) and reports the failing one. */

/* definitions.py future_copy (future.read / future.write) */
#if defined(__GNUC__)
__attribute__((always_inline))
#endif
static inline weft_error_t *future_copy(weft_func_t *f, weft_caller_t *caller, uint64_t *slots,
                                        bool read)
{
    const weft_abuiltin_t *b = f->env;
    weft_cstate_t *st = b->st;
    weft_athread_t *th = NULL;
    if (!st->may_leave) return stream_slots(f, caller, slots);
    if (!b->async_) {
        /* current_thread(), without making a C-stack record; the may-block rule */
        const weft_ainst_t *ai = st->async;
        th = ai ? (ai->running ? ai->running : ai->cstack) : NULL;
        if (!th) return stream_slots(f, caller, slots);
        const weft_atask_t *t = th->task;
        if (t && !t->ft_async && t->state != WEFT_TASK_RESOLVED)
            return stream_slots(f, caller, slots);
    }
    weft_aend_t *e = fast_end(b, (uint32_t)slots[0], read ? WEFT_HANDLE_FUTURE_READABLE
                                                          : WEFT_HANDLE_FUTURE_WRITABLE);
    if (!e || e->state != WEFT_COPY_IDLE || (e->w.wset && !b->async_))
        return stream_slots(f, caller, slots);
    uint32_t ptr = (uint32_t)slots[1];
    const weft_ty_val_t *t = b->t;
    if (t && (ptr % t->align32 || !b->opts.memory ||
              (uint64_t)ptr + t->size32 > b->opts.memory->size))
        return stream_slots(f, caller, slots);
    /* BufferGuestImpl(t, cx, ptr, 1): the checks above are weft__abuf_init's */
    weft_abuf_t *buf = &e->copy.buf;
    buf->t = t;
    buf->inst = st;
    buf->view = st;
    buf->memory = b->opts.memory;
    buf->realloc = b->opts.realloc;
    buf->string_encoding = b->opts.string_encoding;
    buf->ptr = ptr;
    buf->progress = 0;
    buf->length = 1;
    buf->host = NULL;
    e->state = WEFT_COPY_COPYING;
    weft_ashared_t *x = e->shared;
    weft_acopy_t *p = x->pending;
    weft_error_t *err = NULL;
    if (!t && p && !x->dropped && !p->buf.host) {
        /* SharedFutureImpl.read/write meeting the other end's pending copy of a future
         * without a payload: the copy moves no element (no intra-component trap either:
         * none_or_number_type(None)), both buffers advance and both ends complete. */
        p->buf.progress++;
        buf->progress++;
        x->pending = NULL;
        p->on_copy_done(p, WEFT_COPY_COMPLETED);
        if (!e->w.wset && !e->w.sync_thread) {
            /* on_copy_done(COMPLETED) then, below, the event taken at once: with no set and
             * no waiter to wake, only its outcome remains (future_event: the end is done) */
            e->w.pending_event = NULL;
            e->state = WEFT_COPY_DONE;
            slots[0] = WEFT_COPY_COMPLETED;
            return NULL;
        }
        end_on_copy_done(&e->copy, WEFT_COPY_COMPLETED);
    } else if (!p && (read || !x->dropped)) {
        x->pending = &e->copy; /* the first end to arrive waits for the other */
    } else {
        err = read ? weft__ashared_future_read(x, &e->copy)
                   : weft__ashared_future_write(x, &e->copy);
    }
    if (err) return err;
    if (e->w.pending_event) { /* complete: the payload now */
        slots[0] = end_take_event(e);
        return NULL;
    }
    if (!th) { /* async: BLOCKED */
        slots[0] = WEFT_ASYNC_BLOCKED;
        return NULL;
    }
    /* sync: the thread waits for the end's event (Waitable.wait_for_pending_event) */
    switch (weft__athread_park_event(caller, th, &e->w, finish_event, e, WEFT_I32)) {
    case WEFT_PARK_SUSPENDED:
        return NULL;
    case WEFT_PARK_READY: /* the event came while another thread ran: the payload */
        slots[0] = end_take_event(e);
        return NULL;
    default:
        break;
    }
    weft_val_t res[1];
    res[0].kind = WEFT_I32;
    res[0].of.i64 = 0;
    err = weft__async_wait_pending(caller, th, &e->w, finish_event, e, res, 1);
    if (err || caller->suspend) return err;
    slots[0] = (uint64_t)(uint32_t)res[0].of.i32;
    return NULL;
}

static weft_error_t *future_read_slots(weft_func_t *f, weft_caller_t *caller, uint64_t *slots)
{
    return future_copy(f, caller, slots, true);
}

static weft_error_t *future_write_slots(weft_func_t *f, weft_caller_t *caller, uint64_t *slots)
{
    return future_copy(f, caller, slots, false);
}

/* definitions.py drop (future.drop-readable / future.drop-writable) */
static weft_error_t *future_drop_slots(weft_func_t *f, weft_caller_t *caller, uint64_t *slots)
{
    const weft_abuiltin_t *b = f->env;
    weft_cstate_t *st = b->st;
    bool readable = b->op == WEFT_CANON_FUTURE_DROP_READABLE;
    uint32_t i = (uint32_t)slots[0];
    weft_aend_t *e = st->may_leave ? fast_end(b, i, readable ? WEFT_HANDLE_FUTURE_READABLE
                                                              : WEFT_HANDLE_FUTURE_WRITABLE)
                                   : NULL;
    /* CopyEnd.drop: not while copying; WritableFutureEnd.drop: only once written */
    if (!e || (readable ? weft__aend_copying(e) : e->state != WEFT_COPY_DONE))
        return stream_slots(f, caller, slots);
    weft__handles_remove_used(&st->handles, i);
    weft_ashared_t *x = e->shared;
    if (!x->dropped) { /* SharedFutureImpl.drop */
        if (x->pending) weft__ashared_drop(x);
        else x->dropped = true;
    }
    if (e->w.wset) weft__waitable_drop(&e->w);
    aend_free(e);
    return NULL;
}

/* definitions.py canon_future_new */
static weft_error_t *future_new_slots(weft_func_t *f, weft_caller_t *caller, uint64_t *slots)
{
    const weft_abuiltin_t *b = f->env;
    weft_cstate_t *st = b->st;
    /* The scheduler through the caller's store (the instance's own: a component instance is
     * called only from its store), two loads nearer than through st. */
    weft_asched_t *s = caller->store->async_sched;
    if (!st->may_leave) return stream_slots(f, caller, slots);
    weft_handles_t *t = &st->handles;
    weft_aend_t *re, *we;
    if (s && s->shared_pool && (re = s->end_pool) && (we = re->pool_next) && t->free_top &&
        t->array[t->free_top].next_free) {
        /* The steady state: the shared state and both ends from the pools, two free table
         * slots (reused last-freed first, as Table.add): nothing can fail. */
        weft_ashared_t *x = s->shared_pool;
        s->shared_pool = x->pool_next;
        s->shared_pool_n--;
        weft__ashared_init(x, &s->alloc, b->t, st, true);
        s->end_pool = we->pool_next;
        s->end_pool_n -= 2;
        uint32_t ri = 0, wi = 0;
        end_init(re, st, WEFT_HANDLE_FUTURE_READABLE, x);
        (void)weft__handles_add_reuse(t, WEFT_HANDLE_FUTURE_READABLE, re, &ri);
        re->w.handle = ri;
        end_init(we, st, WEFT_HANDLE_FUTURE_WRITABLE, x);
        (void)weft__handles_add_reuse(t, WEFT_HANDLE_FUTURE_WRITABLE, we, &wi);
        we->w.handle = wi;
        slots[0] = (uint64_t)ri | ((uint64_t)wi << 32);
        return NULL;
    }
    weft_val_t res[1];
    res[0].kind = WEFT_I64;
    res[0].of.i64 = 0;
    weft_error_t *err = new_fn(b, res, 1);
    if (!err) slots[0] = (uint64_t)res[0].of.i64;
    return err;
}

weft_error_t *weft__async_make_stream_builtin(struct weft_cstate *st, uint32_t k,
                                              weft_func_t **out)
{
    const weft_canon_t *c = &st->def->canons.items[k];
    const weft_ccanon_info_t *info = &st->valid->canons[k];
    weft_abuiltin_t *b = weft__croot_alloc(st->root, sizeof *b);
    if (!b) return weft__error_oom();
    b->st = st;
    b->op = c->op;
    b->t = info->val ? info->val->elem : NULL;
    b->opts.inst = st;
    b->opts.string_encoding = info->opts.string_encoding;
    if (info->opts.has_memory) b->opts.memory = st->core_memories[info->opts.memory];
    if (info->opts.has_realloc) b->opts.realloc = st->core_funcs[info->opts.realloc];
    switch (c->op) {
    case WEFT_CANON_STREAM_CANCEL_READ: case WEFT_CANON_STREAM_CANCEL_WRITE:
    case WEFT_CANON_FUTURE_CANCEL_READ: case WEFT_CANON_FUTURE_CANCEL_WRITE:
        b->async_ = c->flag;
        break;
    default:
        b->async_ = info->opts.is_async;
        break;
    }
    weft_host_fn fn = c->op >= WEFT_CANON_ERROR_CONTEXT_NEW && c->op <= WEFT_CANON_ERROR_CONTEXT_DROP
                          ? weft__error_context_fn
                          : stream_fn;
    const weft_ty_core_func_t *type = info->core;
    weft_valkind_t p[8], r[8];
    uint32_t np = type ? type->nparams : 0, nr = type ? type->nresults : 0;
    if (np > 8 || nr > 8) return weft__canon_trap(&st->root->alloc, "bad built-in type");
    for (uint32_t i = 0; i < np; i++) p[i] = weft__cvk(type->params[i]);
    for (uint32_t i = 0; i < nr; i++) r[i] = weft__cvk(type->results[i]);
    *out = weft_func_new(st->store, p, np, r, nr, fn, b, NULL);
    if (!*out) return weft__error_oom();
    bool i32_params = true;
    for (uint32_t i = 0; i < np; i++) i32_params = i32_params && p[i] == WEFT_I32;
    if (fn == stream_fn && np <= 3 && i32_params && nr <= 1 &&
        (nr == 0 || r[0] == (c->op == WEFT_CANON_STREAM_NEW || c->op == WEFT_CANON_FUTURE_NEW
                                 ? WEFT_I64 : WEFT_I32)))
        switch (c->op) {
        case WEFT_CANON_FUTURE_READ:
            (*out)->host_slots = nr == 1 ? future_read_slots : stream_slots;
            break;
        case WEFT_CANON_FUTURE_WRITE:
            (*out)->host_slots = nr == 1 ? future_write_slots : stream_slots;
            break;
        case WEFT_CANON_FUTURE_DROP_READABLE: case WEFT_CANON_FUTURE_DROP_WRITABLE:
            (*out)->host_slots = future_drop_slots;
            break;
        case WEFT_CANON_FUTURE_NEW:
            (*out)->host_slots = nr == 1 ? future_new_slots : stream_slots;
            break;
        default:
            (*out)->host_slots = stream_slots;
            break;
        }
    else
        weft__abuiltin_use_slots(*out);
    return NULL;
}

/* ---- ends inside values ---------------------------------------------------------------------- */

weft_error_t *weft__async_lift_end(weft_canon_cx_t *cx, const weft_ty_val_t *t, uint32_t i,
                                   void **obj)
{
    weft_cstate_t *inst = (weft_cstate_t *)(uintptr_t)cx->inst;
    bool stream = t->kind == WEFT_TY_STREAM;
    uint8_t kind = stream ? WEFT_HANDLE_STREAM_READABLE : WEFT_HANDLE_FUTURE_READABLE;
    void *o = NULL;
    weft_error_t *err = weft__async_handle_get(inst, i, kind, &o);
    if (err) return err;
    weft_aend_t *e = o;
    if (!weft__async_type_eq_cx(e->shared->t, e->shared->view, t->elem, cx))
        return weft__canon_trap(cx->alloc, "handle index %u used with the wrong type: the "
                                           "element types differ", i);
    if (e->state != WEFT_COPY_IDLE) {
        if (e->state == WEFT_COPY_DONE)
            return weft__canon_trap(cx->alloc, stream ? "cannot lift stream after being "
                                                        "notified that the writable end dropped"
                                                      : "cannot lift future after previous "
                                                        "read succeeded");
        return weft__canon_trap(cx->alloc, "cannot lift %s while a copy is in progress",
                                stream ? "stream" : "future");
    }
    if (e->w.wset)
        return weft__canon_trap(cx->alloc, "cannot lift %s while it's in a waitable set",
                                stream ? "stream" : "future");
    if ((err = weft__async_handle_remove(inst, i, kind, &o))) return err;
    *obj = e->shared;
    e->shared = NULL; /* the reference moves to the value */
    weft__waitable_drop(&e->w);
    aend_free(e);
    return NULL;
}

weft_error_t *weft__async_lower_end(weft_canon_cx_t *cx, const weft_ty_val_t *t, void *obj,
                                    uint32_t *i)
{
    weft_cstate_t *inst = (weft_cstate_t *)(uintptr_t)cx->inst;
    uint8_t kind = t->kind == WEFT_TY_STREAM ? WEFT_HANDLE_STREAM_READABLE
                                             : WEFT_HANDLE_FUTURE_READABLE;
    weft_error_t *err = weft__aend_add(inst, kind, obj, i);
    if (err) weft__avalue_unref(obj);
    return err;
}
