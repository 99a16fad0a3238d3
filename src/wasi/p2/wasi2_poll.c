/* wasi2_poll.c - wasi:io/error and wasi:io/poll (WASI 0.2, io/wit/error.wit, poll.wit).
 *
 * A pollable is ready at once (regular files, memory buffers: they never block), at a
 * monotonic-clock instant (timers), or when a host descriptor is readable / writable. Waiting
 * is one poll(2) on the descriptors with the nearest timer as its timeout, so nothing spins.
 * A TCP socket's pollable waits for what the socket's state awaits at the time of the wait
 * (wasi2_tcp.c). */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <string.h>
#include <time.h>

#include "wasi/p2/wasi2_impl.h"

uint64_t weft__wasi2_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * UINT64_C(1000000000) + (uint64_t)ts.tv_nsec;
}

weft_error_t *weft__wasi2_pollable(weft_wasi2_t *w, uint8_t sub, int fd, short events,
                                   uint64_t deadline, weft_cval_t *out)
{
    uint32_t rep;
    weft__wasi2_obj_t *o = weft__wasi2_obj_new(w, W2_POLLABLE, &rep);
    if (!o) return W2_OOM;
    o->sub = sub;
    o->fd = fd; /* never owned: the stream it watches keeps it open */
    o->events = events;
    o->deadline = deadline;
    weft__wasi2_own(out, rep);
    return NULL;
}

/* ---- wasi:io/error --------------------------------------------------------------------- */

W2_FN(error_to_debug_string)
{
    W2_UNUSED;
    weft__wasi2_obj_t *o = weft__wasi2_obj_get(W2, args[0].u.rep, W2_ERROR);
    if (!o) return weft__wasi2_trap(W2, "error: unknown handle");
    char msg[256];
    const char *s = "error";
    if (o->err) {
        /* The XSI strerror_r (POSIX): thread-safe, fills msg. */
        if (strerror_r(o->err, msg, sizeof msg) == 0) s = msg;
    }
    return weft_cval_set_string(ar, s, strlen(s), res) ? NULL : W2_OOM;
}

/* ---- wasi:io/poll ---------------------------------------------------------------------- */

/* Waits until at least one of the n pollables is ready; marks them in `ready`. */
static weft_error_t *wait_any(weft_wasi2_t *w, const uint32_t *reps, size_t n, bool *ready,
                              bool block)
{
    struct pollfd *pfd = weft__calloc(&w->alloc, n + 1, sizeof *pfd);
    size_t *slot = weft__calloc(&w->alloc, n + 1, sizeof *slot); /* pollable -> pfd index + 1 */
    if (!pfd || !slot) {
        if (pfd) weft__free(&w->alloc, pfd, (n + 1) * sizeof *pfd);
        if (slot) weft__free(&w->alloc, slot, (n + 1) * sizeof *slot);
        return W2_OOM;
    }
    weft_error_t *err = NULL;
    for (;;) {
        uint64_t now = weft__wasi2_now();
        bool any = false;
        uint64_t nearest = UINT64_MAX;
        nfds_t nf = 0;
        for (size_t i = 0; i < n; i++) {
            weft__wasi2_obj_t *o = weft__wasi2_obj_get(w, reps[i], W2_POLLABLE);
            if (!o) {
                err = weft__wasi2_trap(w, "poll: unknown pollable handle");
                goto out;
            }
            ready[i] = false;
            slot[i] = 0;
            int fd = o->fd;
            short events = o->events;
            if (o->sub == W2_POLL_SOCK) events = weft__wasi2_tcp_events(w, o->link, &fd);
            if (o->sub == W2_POLL_READY || (o->sub == W2_POLL_FD && fd < 0) ||
                (o->sub == W2_POLL_SOCK && events == 0)) {
                ready[i] = any = true;
            } else if (o->sub == W2_POLL_TIMER) {
                if (now >= o->deadline) ready[i] = any = true;
                else if (o->deadline < nearest) nearest = o->deadline;
            } else {
                pfd[nf].fd = fd;
                pfd[nf].events = events;
                pfd[nf].revents = 0;
                slot[i] = ++nf;
            }
        }
        int timeout = -1;
        if (any || !block) {
            timeout = 0;
        } else if (nearest != UINT64_MAX) {
            uint64_t ms = (nearest - now + 999999) / 1000000;
            timeout = ms > INT_MAX ? INT_MAX : (int)ms;
        }
        if (nf || timeout != 0) {
            int r = poll(pfd, nf, timeout);
            if (r < 0 && errno != EINTR) {
                err = weft__wasi2_trap(w, "poll failed");
                goto out;
            }
            if (r > 0) {
                for (size_t i = 0; i < n; i++)
                    if (slot[i] && pfd[slot[i] - 1].revents) ready[i] = any = true;
            }
            if (!any && nearest != UINT64_MAX) {
                now = weft__wasi2_now();
                for (size_t i = 0; i < n; i++) {
                    weft__wasi2_obj_t *o = &w->objs[reps[i] - 1];
                    if (o->sub == W2_POLL_TIMER && now >= o->deadline) ready[i] = any = true;
                }
            }
        }
        if (any || !block) break;
    }
out:
    weft__free(&w->alloc, pfd, (n + 1) * sizeof *pfd);
    weft__free(&w->alloc, slot, (n + 1) * sizeof *slot);
    return err;
}

weft_error_t *weft__wasi2_block(weft_wasi2_t *w, uint32_t rep)
{
    bool ready = false;
    return wait_any(w, &rep, 1, &ready, true);
}

W2_FN(pollable_ready)
{
    W2_UNUSED;
    uint32_t rep = args[0].u.rep;
    bool ready = false;
    weft_error_t *err = wait_any(W2, &rep, 1, &ready, false);
    if (err) return err;
    weft__wasi2_bool(res, ready);
    return NULL;
}

W2_FN(pollable_block)
{
    W2_UNUSED;
    return weft__wasi2_block(W2, args[0].u.rep);
}

/* poll: list<borrow<pollable>> -> list<u32>, the indices of the ready ones (poll.wit: traps
 * when the list is empty). */
W2_FN(poll_poll)
{
    W2_UNUSED;
    weft_wasi2_t *w = W2;
    const weft_cval_t *in = &args[0];
    size_t n = in->u.agg.len;
    if (n == 0) return weft__wasi2_trap(w, "poll: empty list of pollables");
    uint32_t *reps = weft__calloc(&w->alloc, n, sizeof *reps);
    bool *ready = weft__calloc(&w->alloc, n, sizeof *ready);
    weft_error_t *err = (reps && ready) ? NULL : W2_OOM;
    for (size_t i = 0; i < n && !err; i++) reps[i] = in->u.agg.items[i].u.rep;
    if (!err) err = wait_any(w, reps, n, ready, true);
    if (!err) {
        uint32_t count = 0;
        for (size_t i = 0; i < n; i++) count += ready[i];
        weft_cval_t *items = weft__wasi2_agg(ar, res, WEFT_CVAL_LIST, count);
        if (!items) {
            err = W2_OOM;
        } else {
            uint32_t k = 0;
            for (size_t i = 0; i < n; i++)
                if (ready[i]) weft__wasi2_u32(&items[k++], (uint32_t)i);
        }
    }
    if (reps) weft__free(&w->alloc, reps, n * sizeof *reps);
    if (ready) weft__free(&w->alloc, ready, n * sizeof *ready);
    return err;
}

static const char *const error_res[] = {"error"};
static const weft__wasi2_fn_t error_fns[] = {
    {"[method]error.to-debug-string", error_to_debug_string},
};
static const char *const poll_res[] = {"pollable"};
static const weft__wasi2_fn_t poll_fns[] = {
    {"[method]pollable.ready", pollable_ready},
    {"[method]pollable.block", pollable_block},
    {"poll", poll_poll},
};

const weft__wasi2_iface_t weft__wasi2_io_ifaces[] = {
    {"wasi:io/error", error_res, 1, error_fns, sizeof error_fns / sizeof *error_fns},
    {"wasi:io/poll", poll_res, 1, poll_fns, sizeof poll_fns / sizeof *poll_fns},
};
const size_t weft__wasi2_io_nifaces = sizeof weft__wasi2_io_ifaces / sizeof *weft__wasi2_io_ifaces;
