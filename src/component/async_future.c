/* async_future.c - the state shared by the two ends of a future (CanonicalABI.md "Future
 * State"; definitions.py SharedFutureImpl.read/write). A future is a stream of exactly one
 * value with extra rules: each end copies at most once successfully, and the writable end may
 * only be dropped after its value was written or the reader went away (those rules live with
 * the ends and built-ins of both kinds in async_stream.c). */
#include <string.h>

#include "component/async_stream.h"
#include "component/instance.h"
#include "util/error.h"

/* ---- SharedFutureImpl ------------------------------------------------------------------- */

/* The cancel and drop of SharedFutureImpl are those of SharedStreamImpl
 * (weft__ashared_cancel, weft__ashared_drop): only a reader can be pending when the writable
 * end drops, since dropping it requires its write to be done. */

weft_error_t *weft__ashared_future_read(weft_ashared_t *s, weft_acopy_t *c)
{
    if (!s->pending) {
        s->pending = c;
        return NULL;
    }
    weft_error_t *err = weft__ashared_intra_check(s, c);
    if (err) return err;
    if ((err = weft__abuf_copy(&c->buf, &s->pending->buf, 1))) return err;
    weft__ashared_notify_pending(s, WEFT_COPY_COMPLETED);
    c->on_copy_done(c, WEFT_COPY_COMPLETED);
    return NULL;
}

weft_error_t *weft__ashared_future_write(weft_ashared_t *s, weft_acopy_t *c)
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
    if ((err = weft__abuf_copy(&s->pending->buf, &c->buf, 1))) return err;
    weft__ashared_notify_pending(s, WEFT_COPY_COMPLETED);
    c->on_copy_done(c, WEFT_COPY_COMPLETED);
    return NULL;
}
