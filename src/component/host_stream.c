/* host_stream.c - stream and future ends held by the host (weft.h "Component Model async"):
 * made by the host (weft_stream_new / weft_future_new) or received from a component (a
 * readable end in a result or in the arguments of a host function), read and written with
 * partial progress, cancelled, dropped, and passed into calls.
 *
 * A host end is a definitions.py CopyEnd outside any handle table: its copies go through the
 * same shared state (SharedStreamImpl / SharedFutureImpl, async_stream_shared.c and
 * async_future.c) as a guest's, with a buffer of host values instead of linear memory. The
 * copy engine (async_copy.c weft__abuf_copy) hands copies touching such a buffer to
 * weft__ahost_buf_copy: elements are loaded from the guest's memory into host values (the
 * spec's load_list_from_valid_range) or stored from host values into it
 * (store_list_into_valid_range). Events (OnCopy / OnCopyDone) are kept until the host polls,
 * exactly as a guest end's pending event is kept until delivered. */
#include <string.h>

#include "component/async_internal.h"
#include "component/async_stream.h"
#include "component/host_async.h"
#include "util/error.h"

typedef struct hend {
    weft_hobj_t h;
    weft_hloop_t *l;
    weft_acopy_t copy;      /* copy.buf.host points back here */
    weft_ashared_t *shared; /* one reference; NULL once passed on */
    uint8_t akind;          /* WEFT_HANDLE_STREAM_READABLE .. WEFT_HANDLE_FUTURE_WRITABLE */
    uint8_t state;          /* WEFT_COPY_IDLE .. WEFT_COPY_DONE (async_stream.h) */
    uint8_t ev_result;      /* the pending event (CopyResult), while ev_pending */
    bool ev_pending, ev_reclaim, other_dropped;
    weft_cval_arena_t arena; /* the values of the current copy */
    weft_cval_t *vals;
} hend_t;

/* An error context held by the host (one reference). */
typedef struct hectx {
    weft_hobj_t h;
    void *obj;
} hectx_t;

#define END_KINDS                                                                             \
    ((1u << WEFT_HK_STREAM_READABLE) | (1u << WEFT_HK_STREAM_WRITABLE) |                      \
     (1u << WEFT_HK_FUTURE_READABLE) | (1u << WEFT_HK_FUTURE_WRITABLE))

static uint8_t hkind_of(uint8_t akind)
{
    switch (akind) {
    case WEFT_HANDLE_STREAM_READABLE: return WEFT_HK_STREAM_READABLE;
    case WEFT_HANDLE_STREAM_WRITABLE: return WEFT_HK_STREAM_WRITABLE;
    case WEFT_HANDLE_FUTURE_READABLE: return WEFT_HK_FUTURE_READABLE;
    default: return WEFT_HK_FUTURE_WRITABLE;
    }
}

static bool is_stream(const hend_t *e)
{
    return e->akind == WEFT_HANDLE_STREAM_READABLE || e->akind == WEFT_HANDLE_STREAM_WRITABLE;
}

static bool is_readable(const hend_t *e)
{
    return e->akind == WEFT_HANDLE_STREAM_READABLE || e->akind == WEFT_HANDLE_FUTURE_READABLE;
}

static hend_t *end_of_copy(weft_acopy_t *c)
{
    return (hend_t *)(void *)((char *)c - offsetof(hend_t, copy));
}

/* stream_copy.on_copy: elements moved, the buffer stays registered until the host polls. */
static void on_copy(weft_acopy_t *c)
{
    hend_t *e = end_of_copy(c);
    e->ev_result = WEFT_COPY_COMPLETED;
    e->ev_reclaim = true;
    e->ev_pending = true;
    weft__hloop_notify(e->l, &e->h);
}

/* stream_copy.on_copy_done / future_copy.on_copy_done */
static void on_copy_done(weft_acopy_t *c, uint8_t result)
{
    hend_t *e = end_of_copy(c);
    e->ev_result = result;
    e->ev_reclaim = false;
    e->ev_pending = true;
    weft__hloop_notify(e->l, &e->h);
}

static void hend_dtor(void *p)
{
    hend_t *e = p;
    weft__cval_arena_reset(&e->arena);
    if (e->shared) weft__avalue_unref(e->shared);
    e->shared = NULL;
}

static void hectx_dtor(void *p)
{
    hectx_t *x = p;
    if (x->obj) weft__avalue_unref(x->obj);
    x->obj = NULL;
}

/* A host end of `akind` on shared (taking one reference, dropped on failure). */
static weft_error_t *hend_new(weft_hloop_t *l, uint8_t akind, weft_ashared_t *shared,
                              hend_t **out)
{
    hend_t *e = weft__async_obj_new(l->store, sizeof *e, hend_dtor);
    if (!e) {
        weft__avalue_unref(shared);
        return weft__error_oom();
    }
    e->l = l;
    e->shared = shared;
    e->akind = akind;
    e->state = WEFT_COPY_IDLE;
    e->h.kind = hkind_of(akind);
    e->copy.on_copy = on_copy;
    e->copy.on_copy_done = on_copy_done;
    weft__cval_arena_init(&e->arena, &l->alloc);
    weft_error_t *err = weft__hloop_add(l, &e->h);
    if (err) {
        weft__async_obj_free(l->store, e);
        return err;
    }
    *out = e;
    return NULL;
}

static void hend_free(hend_t *e)
{
    weft__hloop_release(e->l, &e->h);
    weft__async_obj_free(e->l->store, e);
}

/* ---- values crossing the boundary -------------------------------------------------------- */

weft_error_t *weft__ahost_adopt(weft_canon_cx_t *cx, const weft_ty_val_t *t, void *obj,
                                uint32_t *handle)
{
    const weft_cstate_t *inst = cx->inst;
    weft_hloop_t *l = weft__hloop(inst->store);
    if (!l) {
        weft__avalue_unref(obj);
        return weft__error_oom();
    }
    if (t->kind == WEFT_TY_ERROR_CONTEXT) {
        hectx_t *x = weft__async_obj_new(l->store, sizeof *x, hectx_dtor);
        if (!x) {
            weft__avalue_unref(obj);
            return weft__error_oom();
        }
        x->obj = obj;
        x->h.kind = WEFT_HK_ERROR_CONTEXT;
        weft_error_t *err = weft__hloop_add(l, &x->h);
        if (err) {
            weft__async_obj_free(l->store, x);
            return err;
        }
        *handle = x->h.handle;
        return NULL;
    }
    hend_t *e;
    weft_error_t *err = hend_new(l, t->kind == WEFT_TY_STREAM ? WEFT_HANDLE_STREAM_READABLE
                                                              : WEFT_HANDLE_FUTURE_READABLE,
                                 obj, &e);
    if (err) return err;
    *handle = e->h.handle;
    return NULL;
}

/* The host end of `handle` that may become a guest's readable end of type t (in view;
 * NULL: no type check). */
static weft_error_t *passable_end(weft_hloop_t *l, const weft_cstate_t *view,
                                  const weft_ty_val_t *t, uint32_t handle, hend_t **out)
{
    weft_hobj_t *o;
    bool stream = t->kind == WEFT_TY_STREAM;
    weft_error_t *err = weft__hloop_get(l, handle,
                                        1u << (stream ? WEFT_HK_STREAM_READABLE
                                                      : WEFT_HK_FUTURE_READABLE),
                                        stream ? "stream argument" : "future argument", &o);
    if (err) return err;
    hend_t *e = (hend_t *)o;
    if (e->state != WEFT_COPY_IDLE || e->ev_pending)
        return weft__hloop_misuse(l->store, "%s argument: handle %u is busy (a copy in progress "
                                            "or unpolled) or ended",
                                  stream ? "stream" : "future", handle);
    if (view && !weft__async_type_eq(e->shared->t, e->shared->view, t->elem, view))
        return weft__hloop_misuse(l->store, "%s argument: handle %u has another element type",
                                  stream ? "stream" : "future", handle);
    *out = e;
    return NULL;
}

weft_error_t *weft__ahost_check_handle(weft_store_t *store, const weft_cstate_t *view,
                                       const weft_ty_val_t *t, uint32_t handle)
{
    weft_hloop_t *l = weft__hloop_peek(store);
    if (t->kind == WEFT_TY_ERROR_CONTEXT) {
        weft_hobj_t *o;
        return weft__hloop_get(l, handle, 1u << WEFT_HK_ERROR_CONTEXT, "error-context argument",
                               &o);
    }
    hend_t *e;
    if (!l) return weft__hloop_misuse(store, "stream/future argument: unknown handle %u", handle);
    return passable_end(l, view, t, handle, &e);
}

weft_error_t *weft__ahost_lower_handle(weft_canon_cx_t *cx, const weft_ty_val_t *t,
                                       uint32_t handle, uint32_t *index)
{
    const weft_cstate_t *inst = cx->inst;
    weft_hloop_t *l = weft__hloop_peek(inst->store);
    if (t->kind == WEFT_TY_ERROR_CONTEXT) {
        weft_hobj_t *o;
        weft_error_t *err = weft__hloop_get(l, handle, 1u << WEFT_HK_ERROR_CONTEXT,
                                            "error-context value", &o);
        if (err) return err;
        weft_avalue_t *v = ((hectx_t *)o)->obj;
        v->refs++; /* the host keeps its own */
        return weft__error_context_lower(cx, v, index);
    }
    if (!l) return weft__hloop_misuse(inst->store, "stream/future value: unknown handle %u", handle);
    hend_t *e;
    weft_error_t *err = passable_end(l, NULL, t, handle, &e);
    if (!err && !weft__async_type_eq_cx(e->shared->t, e->shared->view, t->elem, cx))
        err = weft__hloop_misuse(l->store, "stream/future value: handle %u has another element "
                                           "type", handle);
    if (err) return err;
    weft_ashared_t *s = e->shared;
    e->shared = NULL; /* the reference moves to the guest's end */
    hend_free(e);
    return weft__async_lower_end(cx, t, s, index);
}

/* ---- copies -------------------------------------------------------------------------------- */

typedef struct gside {
    weft_canon_cx_t cx;
    weft_store_t *store;
    weft_func_t *realloc;
    const weft_cstate_t *view;
} gside_t;

static weft_error_t *g_realloc(void *env, uint32_t old_ptr, uint32_t old_size, uint32_t align,
                               uint32_t new_size, uint32_t *result)
{
    gside_t *s = env;
    return weft__canon_call_realloc(s->store, s->realloc, old_ptr, old_size, align, new_size,
                                    result);
}

static const weft_rt_resource_t *g_resource(void *env, const weft_ty_resource_t *r)
{
    const gside_t *s = env;
    const weft_crt_t *rt = weft__cstate_resource(s->view, r);
    return rt ? &rt->base : NULL;
}

/* The lifting/lowering context of a guest buffer (its copy's options). */
static void gside_init(gside_t *s, const weft_abuf_t *b)
{
    weft_cstate_t *st = b->inst;
    memset(s, 0, sizeof *s);
    s->store = st->store;
    s->realloc = b->realloc;
    s->view = b->view;
    s->cx.alloc = &st->root->alloc;
    s->cx.memory = b->memory;
    s->cx.string_encoding = b->string_encoding;
    s->cx.realloc = b->realloc ? g_realloc : NULL;
    s->cx.realloc_env = s;
    s->cx.handles = &st->handles;
    s->cx.inst = st;
    s->cx.resource = g_resource;
    s->cx.resource_env = s;
    s->cx.may_leave = &st->may_leave;
}

weft_error_t *weft__ahost_buf_copy(weft_abuf_t *dst, weft_abuf_t *src, uint32_t n)
{
    hend_t *hd = dst->host, *hs = src->host;
    const weft_ty_val_t *t = hs ? dst->t : src->t; /* the guest's view when there is one */
    if (hd && hs) t = src->t;
    weft_error_t *err = NULL;
    if (t && n > 0) {
        if (hd && hs) {
            for (uint32_t i = 0; i < n; i++)
                if (!weft__ahost_copy_val(&hd->arena, &hs->vals[src->progress + i],
                                          &hd->vals[dst->progress + i]))
                    return weft__error_oom();
        } else if (hd) {
            /* load_list_from_valid_range of the writer's elements into host values */
            gside_t g;
            gside_init(&g, src);
            for (uint32_t i = 0; i < n && !err; i++)
                err = weft__canon_load(&g.cx, &hd->arena, t, src->ptr + i * t->size32,
                                       &hd->vals[dst->progress + i]);
            if (err) return err;
            src->ptr += n * t->size32;
        } else {
            /* store_list_into_valid_range of host values into the reader's memory */
            gside_t g;
            gside_init(&g, dst);
            for (uint32_t i = 0; i < n && !err; i++)
                err = weft__canon_store(&g.cx, t, &hs->vals[src->progress + i],
                                        dst->ptr + i * t->size32);
            if (err) return err;
            dst->ptr += n * t->size32;
        }
    }
    src->progress += n;
    dst->progress += n;
    return NULL;
}

/* ---- the host's API ---------------------------------------------------------------------- */

static bool has_resources(const weft_ty_val_t *t, uint32_t depth)
{
    if (!t) return false;
    if (depth > 64) return true;
    switch (t->kind) {
    case WEFT_TY_OWN: case WEFT_TY_BORROW: return true;
    case WEFT_TY_LIST: case WEFT_TY_FIXED_LIST: case WEFT_TY_OPTION: case WEFT_TY_STREAM:
    case WEFT_TY_FUTURE:
        return has_resources(t->elem, depth + 1);
    case WEFT_TY_MAP:
        return has_resources(t->key, depth + 1) || has_resources(t->value, depth + 1);
    default:
        break;
    }
    if (weft_ty_is_record_like(t) || weft_ty_is_variant_like(t))
        for (uint32_t i = 0; i < t->count; i++)
            if (has_resources(t->fields[i].type, depth + 1)) return true;
    return false;
}

static weft_error_t *make_pair(weft_store_t *store, const weft_ty_val_t *type, bool future,
                               weft_async_handle_t *readable, weft_async_handle_t *writable)
{
    const char *what = future ? "weft_future_new" : "weft_stream_new";
    if (!store || !type || !readable || !writable)
        return weft__hloop_misuse(store, "%s: invalid argument", what);
    if (type->kind != (future ? WEFT_TY_FUTURE : WEFT_TY_STREAM))
        return weft__hloop_misuse(store, "%s: not a %s type", what, future ? "future" : "stream");
    if (has_resources(type->elem, 0))
        return weft__hloop_misuse(store, "%s: element types with resource handles are not "
                                         "supported for host-made ends", what);
    weft_hloop_t *l = weft__hloop(store);
    if (!l) return weft__error_oom();
    weft_ashared_t *s = weft__ashared_new(&l->alloc, type->elem, NULL, future);
    if (!s) return weft__error_oom();
    hend_t *r, *w;
    weft_error_t *err = hend_new(l, future ? WEFT_HANDLE_FUTURE_READABLE
                                           : WEFT_HANDLE_STREAM_READABLE, s, &r);
    if (err) {
        weft__avalue_unref(s); /* the writable end's reference */
        return err;
    }
    err = hend_new(l, future ? WEFT_HANDLE_FUTURE_WRITABLE : WEFT_HANDLE_STREAM_WRITABLE, s, &w);
    if (err) {
        hend_free(r);
        return err;
    }
    *readable = r->h.handle;
    *writable = w->h.handle;
    return NULL;
}

weft_error_t *weft_stream_new(weft_store_t *store, const weft_ty_val_t *type,
                              weft_async_handle_t *readable, weft_async_handle_t *writable)
{
    return make_pair(store, type, false, readable, writable);
}

weft_error_t *weft_future_new(weft_store_t *store, const weft_ty_val_t *type,
                              weft_async_handle_t *readable, weft_async_handle_t *writable)
{
    return make_pair(store, type, true, readable, writable);
}

static weft_error_t *get_end(weft_store_t *store, weft_async_handle_t h, uint32_t kinds,
                             const char *what, hend_t **out)
{
    weft_hobj_t *o;
    weft_error_t *err = weft__hloop_get(weft__hloop_peek(store), h, kinds, what, &o);
    if (!err) *out = (hend_t *)o;
    return err;
}

/* stream_copy / future_copy started by the host. */
static weft_error_t *start_copy(weft_store_t *store, weft_async_handle_t h, uint8_t hkind,
                                const char *what, const weft_cval_t *values, size_t n)
{
    hend_t *e;
    weft_error_t *err = get_end(store, h, 1u << hkind, what, &e);
    if (err) return err;
    bool read = is_readable(e), stream = is_stream(e);
    if (e->state != WEFT_COPY_IDLE || e->ev_pending) {
        if (e->state != WEFT_COPY_DONE)
            return weft__hloop_misuse(store, "%s: a copy is in progress or its result was not "
                                             "polled", what);
        return weft__hloop_misuse(store, "%s: the %s ended (%s)", what,
                                  stream ? "stream" : "future",
                                  e->other_dropped ? "the other end was dropped"
                                                   : "its value was already transferred");
    }
    if (n > WEFT_ABUF_MAX_LENGTH)
        return weft__hloop_misuse(store, "%s: %zu elements exceed the maximum", what, n);
    const weft_ty_val_t *t = e->shared->t;
    if (!read && t) {
        if (n && !values) return weft__hloop_misuse(store, "%s: values missing", what);
        for (size_t i = 0; i < n; i++)
            if (!weft__ahost_val_fits(t, &values[i]))
                return weft__hloop_misuse(store, "%s: value %zu does not match type %s", what, i,
                                          weft_ty_kind_name(t->kind));
    }
    weft__cval_arena_reset(&e->arena);
    e->vals = NULL;
    if (t) {
        e->vals = weft__cval_nodes(&e->arena, n);
        if (!e->vals) return weft__error_oom();
        for (size_t i = 0; !read && i < n; i++)
            if (!weft__ahost_copy_val(&e->arena, &values[i], &e->vals[i])) return weft__error_oom();
    }
    weft_abuf_t *b = &e->copy.buf;
    memset(b, 0, sizeof *b);
    b->t = t;
    b->view = e->shared->view;
    b->length = (uint32_t)n;
    b->host = e;
    e->state = WEFT_COPY_COPYING;
    weft_ashared_t *s = e->shared;
    bool saved = e->l->running;
    e->l->running = true; /* the copy's own events need no wake-up of the descriptor */
    if (stream)
        err = read ? weft__ashared_stream_read(s, &e->copy) : weft__ashared_stream_write(s, &e->copy);
    else
        err = read ? weft__ashared_future_read(s, &e->copy) : weft__ashared_future_write(s, &e->copy);
    e->l->running = saved;
    if (err) {
        e->state = WEFT_COPY_IDLE;
        e->ev_pending = false;
        return err;
    }
    /* A guest on the other side may now go on. */
    weft__async_wake(store);
    weft__hloop_signal(e->l);
    return NULL;
}

weft_error_t *weft_stream_write(weft_store_t *store, weft_async_handle_t end,
                                const weft_cval_t *values, size_t n)
{
    return start_copy(store, end, WEFT_HK_STREAM_WRITABLE, "weft_stream_write", values, n);
}

weft_error_t *weft_stream_read(weft_store_t *store, weft_async_handle_t end, size_t max)
{
    return start_copy(store, end, WEFT_HK_STREAM_READABLE, "weft_stream_read", NULL, max);
}

weft_error_t *weft_future_write(weft_store_t *store, weft_async_handle_t end,
                                const weft_cval_t *value)
{
    return start_copy(store, end, WEFT_HK_FUTURE_WRITABLE, "weft_future_write", value, 1);
}

weft_error_t *weft_future_read(weft_store_t *store, weft_async_handle_t end)
{
    return start_copy(store, end, WEFT_HK_FUTURE_READABLE, "weft_future_read", NULL, 1);
}

weft_error_t *weft_stream_poll(weft_store_t *store, weft_async_handle_t end,
                               weft_stream_status_t *out)
{
    hend_t *e;
    weft_error_t *err = get_end(store, end, END_KINDS, "weft_stream_poll", &e);
    if (err) return err;
    memset(out, 0, sizeof *out);
    if (!e->ev_pending) {
        if (e->state == WEFT_COPY_COPYING ||
            e->state == WEFT_COPY_CANCELLING)
            out->state = WEFT_STREAM_PENDING;
        else if (e->state == WEFT_COPY_DONE && e->other_dropped)
            out->state = WEFT_STREAM_DROPPED;
        else
            out->state = WEFT_STREAM_IDLE;
        return NULL;
    }
    /* The event is delivered (definitions.py stream_event / future_event). */
    uint8_t result = e->ev_result;
    e->ev_pending = false;
    if (is_stream(e)) {
        if (e->ev_reclaim) weft__ashared_reset_pending(e->shared);
        e->state = result == WEFT_COPY_DROPPED ? WEFT_COPY_DONE : WEFT_COPY_IDLE;
    } else {
        e->state = result == WEFT_COPY_DROPPED || result == WEFT_COPY_COMPLETED ? WEFT_COPY_DONE
                                                                               : WEFT_COPY_IDLE;
    }
    if (result == WEFT_COPY_DROPPED) e->other_dropped = true;
    out->state = result == WEFT_COPY_COMPLETED ? WEFT_STREAM_COMPLETED
                 : result == WEFT_COPY_DROPPED ? WEFT_STREAM_DROPPED
                                               : WEFT_STREAM_CANCELLED;
    out->count = e->copy.buf.progress;
    out->values = is_readable(e) && e->shared->t ? e->vals : NULL;
    return NULL;
}

weft_error_t *weft_stream_cancel(weft_store_t *store, weft_async_handle_t end)
{
    hend_t *e;
    weft_error_t *err = get_end(store, end, END_KINDS, "weft_stream_cancel", &e);
    if (err) return err;
    if (e->state != WEFT_COPY_COPYING)
        return weft__hloop_misuse(store, "weft_stream_cancel: no copy in progress");
    e->state = WEFT_COPY_CANCELLING;
    /* As cancel_copy (async_stream.c): a copy whose partial progress was not polled yet is
     * still registered with the shared state and is cancelled too. */
    if (!e->ev_pending || e->ev_reclaim) weft__ashared_cancel(e->shared);
    return NULL;
}

weft_error_t *weft_stream_drop(weft_store_t *store, weft_async_handle_t end)
{
    hend_t *e;
    weft_error_t *err = get_end(store, end, END_KINDS, "weft_stream_drop", &e);
    if (err) return err;
    if (e->akind == WEFT_HANDLE_FUTURE_WRITABLE && e->state != WEFT_COPY_DONE)
        return weft__hloop_misuse(store, "weft_stream_drop: cannot drop a future's writable end "
                                         "before its value was written (and polled)");
    if (e->state == WEFT_COPY_COPYING || e->state == WEFT_COPY_CANCELLING)
        return weft__hloop_misuse(store, "weft_stream_drop: a copy is in progress (cancel it "
                                         "and poll first)");
    weft__ashared_drop(e->shared);
    weft__async_wake(store);
    weft__hloop_signal(e->l);
    hend_free(e);
    return NULL;
}

weft_error_t *weft_error_context_drop(weft_store_t *store, weft_async_handle_t ctx)
{
    weft_hloop_t *l = weft__hloop_peek(store);
    weft_hobj_t *o;
    weft_error_t *err = weft__hloop_get(l, ctx, 1u << WEFT_HK_ERROR_CONTEXT,
                                        "weft_error_context_drop", &o);
    if (err) return err;
    weft__hloop_release(l, o);
    weft__async_obj_free(store, o);
    return NULL;
}
