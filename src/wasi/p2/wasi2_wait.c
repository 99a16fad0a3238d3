/* wasi2_wait.c - the WASI 0.2 functions that wait (poll, pollable.block, the blocking stream
 * operations) as async host functions on the store's event loop (weft.h "async host
 * functions", weft_fd_watch_new, weft_timer_new).
 *
 * Each call is tried at once: when it can finish, it completes inside the host function (no
 * loop round). Otherwise the attempt registers descriptor watchers and at most one timer for
 * what it waits for, the guest's thread is suspended, and the loop sleeps in epoll_wait until
 * one of them is ready; its callback cancels the others and tries again. A spurious wake-up
 * (the data went to another reader) just registers again. A guest that asks to cancel the
 * call (subtask.cancel) has it cancelled with its registrations. */
#include <poll.h>
#include <string.h>

#include "component/cvalue.h"
#include "wasi/p2/wasi2_impl.h"

typedef struct weft__wasi2_reg {
    weft_async_handle_t h;
    bool timer;
    int fd;
    uint32_t events;
} reg_t;

bool weft__wasi2_fd_ready(int fd, short events)
{
    struct pollfd p = {fd, events, 0};
    return poll(&p, 1, 0) != 0; /* ready, hung up, or an error the next call will report */
}

static void unlink_wait(weft__wasi2_wait_t *wt)
{
    weft_wasi2_t *w = wt->w;
    if (wt->prev) wt->prev->next = wt->next;
    else w->waits = wt->next;
    if (wt->next) wt->next->prev = wt->prev;
    wt->prev = wt->next = NULL;
}

static void wait_free(weft__wasi2_wait_t *wt)
{
    weft_wasi2_t *w = wt->w;
    unlink_wait(wt);
    weft__free(&w->alloc, wt->regs, wt->regs_cap * sizeof *wt->regs);
    weft__free(&w->alloc, wt, sizeof *wt);
}

void weft__wasi2_waits_free(weft_wasi2_t *w)
{
    /* The store (with the watchers, timers and calls) is gone or goes without running them. */
    while (w->waits) wait_free(w->waits);
}

/* Cancels what the last attempt registered, except `fired` (which already ran). */
static void cancel_regs(weft__wasi2_wait_t *wt, weft_async_handle_t fired)
{
    for (size_t i = 0; i < wt->nregs; i++) {
        reg_t *r = &wt->regs[i];
        if (r->h == fired) continue;
        weft_error_t *err = r->timer ? weft_timer_cancel(wt->store, r->h)
                                     : weft_fd_watch_cancel(wt->store, r->h);
        weft_error_delete(err);
    }
    wt->nregs = 0;
}

static weft_error_t *add_reg(weft__wasi2_wait_t *wt, weft_async_handle_t h, bool timer)
{
    void *p = wt->regs;
    if (weft__grow(&wt->w->alloc, &p, &wt->regs_cap, wt->nregs + 1, sizeof *wt->regs)) {
        weft_error_delete(timer ? weft_timer_cancel(wt->store, h)
                                : weft_fd_watch_cancel(wt->store, h));
        return W2_OOM;
    }
    wt->regs = p;
    wt->regs[wt->nregs].h = h;
    wt->regs[wt->nregs].fd = -1;
    wt->regs[wt->nregs].events = 0;
    wt->regs[wt->nregs++].timer = timer;
    return NULL;
}

static void attempt_later(weft__wasi2_wait_t *wt, weft_async_handle_t fired);

static void on_fd(void *data, weft_store_t *store, weft_async_handle_t watch, uint32_t events)
{
    (void)store, (void)events;
    attempt_later(data, watch);
}

static void on_timer(void *data, weft_store_t *store, weft_async_handle_t timer)
{
    (void)store;
    attempt_later(data, timer);
}

weft_error_t *weft__wasi2_wait_fd(weft__wasi2_wait_t *wt, int fd, short events)
{
    if (fd < 0) return NULL;
    uint32_t ev = (events & POLLIN ? WEFT_FD_READABLE : 0u) |
                  (events & POLLOUT ? WEFT_FD_WRITABLE : 0u);
    if (!ev) ev = WEFT_FD_READABLE;
    /* Pollables of one descriptor next to each other in a poll list (a guest polling its
     * input many times) share a watcher. */
    for (size_t i = wt->nregs, k = 0; i-- > 0 && k < 8; k++)
        if (!wt->regs[i].timer && wt->regs[i].fd == fd && wt->regs[i].events == ev) return NULL;
    weft_async_handle_t h;
    weft_error_t *err = weft_fd_watch_new(wt->store, fd, ev, on_fd, wt, &h);
    if (err) return err;
    if ((err = add_reg(wt, h, false))) return err;
    wt->regs[wt->nregs - 1].fd = fd;
    wt->regs[wt->nregs - 1].events = ev;
    return NULL;
}

weft_error_t *weft__wasi2_wait_until(weft__wasi2_wait_t *wt, uint64_t deadline)
{
    weft_async_handle_t h;
    weft_error_t *err = weft_timer_new(wt->store, deadline, on_timer, wt, &h);
    return err ? err : add_reg(wt, h, true);
}

/* One attempt: NULL with the call completed or still waiting (*finished tells), or the error
 * of the attempt (the call is then neither). */
static weft_error_t *attempt(weft__wasi2_wait_t *wt, bool *finished)
{
    weft_wasi2_t *w = wt->w;
    weft_cval_arena_t ar;
    weft__cval_arena_init(&ar, &w->alloc);
    weft_cval_t res;
    memset(&res, 0, sizeof res);
    bool done = false;
    weft_error_t *err = wt->fn(wt, w, wt->args, &res, &ar, &done);
    if (!err && !done && wt->nregs == 0)
        err = weft__wasi2_trap(w, "internal error: a WASI call waits for nothing");
    if (err) cancel_regs(wt, 0);
    if (!err && done) {
        cancel_regs(wt, 0);
        err = weft_host_call_complete(wt->store, wt->call, &res, wt->nres);
    }
    weft__cval_arena_reset(&ar);
    *finished = done || err;
    return err;
}

static void attempt_later(weft__wasi2_wait_t *wt, weft_async_handle_t fired)
{
    cancel_regs(wt, fired);
    bool finished;
    weft_error_t *err = attempt(wt, &finished);
    if (err) {
        /* The guest traps, as it would have at once (weft_store_run reports it). */
        weft_error_delete(weft_host_call_fail(wt->store, wt->call, weft_error_message(err)));
        weft_error_delete(err);
    }
    if (finished) wait_free(wt);
}

static void on_cancel(void *data, weft_store_t *store, weft_async_handle_t call)
{
    weft__wasi2_wait_t *wt = data;
    if (!weft_host_call_cancel_requested(store, call)) return;
    cancel_regs(wt, 0);
    weft_error_delete(weft_host_call_cancel(store, call));
    wait_free(wt);
}

weft_error_t *weft__wasi2_async(weft_wasi2_t *w, weft_store_t *store, const weft_cval_t *args,
                                weft_async_handle_t call, size_t nres, weft__wasi2_try_fn fn)
{
    weft__wasi2_wait_t *wt = weft__calloc(&w->alloc, 1, sizeof *wt);
    if (!wt) return W2_OOM;
    wt->w = w;
    wt->store = store;
    wt->call = call;
    wt->args = args;
    wt->fn = fn;
    wt->nres = nres;
    wt->next = w->waits;
    if (w->waits) w->waits->prev = wt;
    w->waits = wt;
    bool finished;
    weft_error_t *err = attempt(wt, &finished);
    if (!err && !finished) err = weft_async_set_notify(store, call, on_cancel, wt);
    if (err) {
        cancel_regs(wt, 0);
        finished = true;
    }
    if (finished) wait_free(wt);
    return err;
}
