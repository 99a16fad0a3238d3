/* async_stream_shared.c - the state shared by the two ends of a stream (CanonicalABI.md
 * "Stream State"; definitions.py SharedStreamImpl): the rendezvous of one end's pending copy
 * with the other end's copy, partial copies, zero-length copies, cancellation and drop. The
 * future's variant is in async_future.c. Independent of tasks and handle tables. */
#include <string.h>

#include "component/async_internal.h"
#include "component/async_stream.h"
#include "component/instance.h"
#include "util/error.h"

/* ---- SharedStreamImpl ------------------------------------------------------------------- */

weft_ashared_t *weft__ashared_new(const weft_alloc_t *a, const weft_ty_val_t *t,
                                  const struct weft_cstate *view, bool is_future)
{
    weft_ashared_t *s = weft__malloc(a, sizeof *s);
    if (!s) return NULL;
    memset(s, 0, sizeof *s);
    s->head.refs = 2;
    s->head.alloc = *a;
    s->head.free = NULL;
    s->t = t;
    s->view = view;
    s->is_future = is_future;
    return s;
}

/* A future or stream made and dropped in a loop reuses one shared state: the pool is the
 * scheduler's, and only states allocated with its allocator go back to it (a state created by
 * the host or another store is freed as usual). */
weft_ashared_t *weft__ashared_new_pooled(weft_asched_t *s, const weft_ty_val_t *t,
                                         const struct weft_cstate *view, bool is_future)
{
    weft_ashared_t *x = s->shared_pool;
    if (x) {
        s->shared_pool = x->pool_next;
        s->shared_pool_n--;
    } else if (!(x = weft__malloc(&s->alloc, sizeof *x))) {
        return NULL;
    }
    weft__ashared_init(x, &s->alloc, t, view, is_future);
    return x;
}

void weft__ashared_release(weft_asched_t *s, weft_ashared_t *x)
{
    if (!x) return;
    if (x->head.refs > 1 || x->head.free || !s || s->closing ||
        s->shared_pool_n >= WEFT_ASYNC_POOL_MAX || x->head.alloc.fn != s->alloc.fn ||
        x->head.alloc.ud != s->alloc.ud) {
        weft__avalue_unref(x);
        return;
    }
    x->head.refs = 0;
    x->pool_next = s->shared_pool;
    s->shared_pool = x;
    s->shared_pool_n++;
}

void weft__ashared_pool_free(weft_asched_t *s)
{
    for (weft_ashared_t *x = s->shared_pool, *n; x; x = n) {
        n = x->pool_next;
        weft__free(&s->alloc, x, sizeof *x);
    }
    s->shared_pool = NULL;
    s->shared_pool_n = 0;
}

void weft__avalue_unref(void *obj)
{
    weft_avalue_t *v = obj;
    if (!v || --v->refs > 0) return;
    weft_alloc_t a = v->alloc;
    if (v->free) v->free(obj);
    else weft__free(&a, obj, sizeof(weft_ashared_t));
}

void weft__ashared_notify_pending(weft_ashared_t *s, uint8_t result)
{
    weft_acopy_t *c = s->pending;
    s->pending = NULL;
    c->on_copy_done(c, result);
}

void weft__ashared_cancel(weft_ashared_t *s)
{
    weft__ashared_notify_pending(s, WEFT_COPY_CANCELLED);
}

void weft__ashared_drop(weft_ashared_t *s)
{
    if (!s->dropped) {
        s->dropped = true;
        if (s->pending) weft__ashared_notify_pending(s, WEFT_COPY_DROPPED);
    }
}

weft_error_t *weft__ashared_intra_check(const weft_ashared_t *s, const weft_acopy_t *c)
{
    if (c->buf.inst == s->pending->buf.inst && !weft__async_none_or_number(s->t))
        return weft__canon_trap(&s->head.alloc, "cannot read from and write to intra-component %s",
                                s->is_future ? "future" : "stream");
    return NULL;
}

weft_error_t *weft__ashared_stream_read(weft_ashared_t *s, weft_acopy_t *c)
{
    if (s->dropped) {
        c->on_copy_done(c, WEFT_COPY_DROPPED);
        return NULL;
    }
    if (!s->pending) {
        s->pending = c;
        return NULL;
    }
    weft_error_t *err = weft__ashared_intra_check(s, c);
    if (err) return err;
    weft_acopy_t *p = s->pending;
    if (weft__abuf_remain(&p->buf) > 0) {
        if (weft__abuf_remain(&c->buf) > 0) {
            uint32_t n = weft__abuf_remain(&c->buf);
            if (weft__abuf_remain(&p->buf) < n) n = weft__abuf_remain(&p->buf);
            if ((err = weft__abuf_copy(&c->buf, &p->buf, n))) return err;
            p->on_copy(p);
        }
        c->on_copy_done(c, WEFT_COPY_COMPLETED);
    } else {
        weft__ashared_notify_pending(s, WEFT_COPY_COMPLETED);
        s->pending = c;
    }
    return NULL;
}

weft_error_t *weft__ashared_stream_write(weft_ashared_t *s, weft_acopy_t *c)
{
    if (s->dropped) {
        c->on_copy_done(c, WEFT_COPY_DROPPED);
        return NULL;
    }
    if (!s->pending) {
        s->pending = c;
        return NULL;
    }
    weft_error_t *err = weft__ashared_intra_check(s, c);
    if (err) return err;
    weft_acopy_t *p = s->pending;
    if (weft__abuf_remain(&p->buf) > 0) {
        if (weft__abuf_remain(&c->buf) > 0) {
            uint32_t n = weft__abuf_remain(&c->buf);
            if (weft__abuf_remain(&p->buf) < n) n = weft__abuf_remain(&p->buf);
            if ((err = weft__abuf_copy(&p->buf, &c->buf, n))) return err;
            p->on_copy(p);
        }
        c->on_copy_done(c, WEFT_COPY_COMPLETED);
    } else if (weft__abuf_is_zero_length(&c->buf) && weft__abuf_is_zero_length(&p->buf)) {
        /* two zero-length copies: the writer completes, the reader stays pending */
        c->on_copy_done(c, WEFT_COPY_COMPLETED);
    } else {
        weft__ashared_notify_pending(s, WEFT_COPY_COMPLETED);
        s->pending = c;
    }
    return NULL;
}
