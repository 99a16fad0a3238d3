/* wasi2_poll.c - wasi:io/error and wasi:io/poll (WASI 0.2, io/wit/error.wit, poll.wit).
 *
 * A pollable is ready at once (regular files, memory buffers: they never block), at a
 * monotonic-clock instant (timers), or when a host descriptor is readable / writable. A TCP
 * socket's pollable waits for what the socket's state awaits at the time of the wait
 * (wasi2_tcp.c). `poll` and `pollable.block` wait on the store's event loop (wasi2_wait.c):
 * one watcher per descriptor and a single timer for the nearest deadline, so a poll over
 * many pollables costs one registration each and nothing while it sleeps. */
#include <errno.h>
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

/* What pollable o waits for: *fd and *events (POLLIN / POLLOUT) for a descriptor, else -1.
 * True when it is ready without waiting (a ready-made pollable, a socket in a state that
 * waits for nothing). */
static bool pollable_source(weft_wasi2_t *w, const weft__wasi2_obj_t *o, int *fd, short *events)
{
    *fd = o->fd;
    *events = o->events;
    if (o->sub == W2_POLL_SOCK) *events = weft__wasi2_tcp_events(w, o->link, fd);
    if (o->sub == W2_POLL_READY || (o->sub == W2_POLL_FD && *fd < 0) ||
        (o->sub == W2_POLL_SOCK && *events == 0))
        return true;
    if (o->sub == W2_POLL_TIMER) *fd = -1;
    return false;
}

/* Marks in `ready` which of the n pollables are ready now (one poll(2) with no timeout);
 * *any when at least one. Never waits. */
static weft_error_t *check(weft_wasi2_t *w, const uint32_t *reps, size_t n, bool *ready,
                           bool *any)
{
    struct pollfd *pfd = weft__calloc(&w->alloc, n + 1, sizeof *pfd);
    size_t *slot = weft__calloc(&w->alloc, n + 1, sizeof *slot); /* pollable -> pfd index + 1 */
    weft_error_t *err = (pfd && slot) ? NULL : W2_OOM;
    uint64_t now = weft__wasi2_now();
    nfds_t nf = 0;
    *any = false;
    for (size_t i = 0; i < n && !err; i++) {
        weft__wasi2_obj_t *o = weft__wasi2_obj_get(w, reps[i], W2_POLLABLE);
        if (!o) {
            err = weft__wasi2_trap(w, "poll: unknown pollable handle");
            break;
        }
        ready[i] = false;
        slot[i] = 0;
        int fd;
        short events;
        if (pollable_source(w, o, &fd, &events)) {
            ready[i] = *any = true;
        } else if (o->sub == W2_POLL_TIMER) {
            if (now >= o->deadline) ready[i] = *any = true;
        } else {
            pfd[nf].fd = fd;
            pfd[nf].events = events;
            pfd[nf].revents = 0;
            slot[i] = ++nf;
        }
    }
    if (!err && nf) {
        int r;
        do r = poll(pfd, nf, 0); while (r < 0 && errno == EINTR);
        if (r < 0) err = weft__wasi2_trap(w, "poll failed");
        for (size_t i = 0; r > 0 && i < n; i++)
            if (slot[i] && pfd[slot[i] - 1].revents) ready[i] = *any = true;
    }
    if (pfd) weft__free(&w->alloc, pfd, (n + 1) * sizeof *pfd);
    if (slot) weft__free(&w->alloc, slot, (n + 1) * sizeof *slot);
    return err;
}

/* Registers what the n pollables (none ready) wait for with the store's loop: a watcher per
 * descriptor and one timer, the nearest (the others cannot be due before it). */
static weft_error_t *subscribe(weft__wasi2_wait_t *wt, weft_wasi2_t *w, const uint32_t *reps,
                               size_t n)
{
    uint64_t nearest = UINT64_MAX;
    for (size_t i = 0; i < n; i++) {
        weft__wasi2_obj_t *o = weft__wasi2_obj_get(w, reps[i], W2_POLLABLE);
        if (!o) return weft__wasi2_trap(w, "poll: unknown pollable handle");
        int fd;
        short events;
        if (pollable_source(w, o, &fd, &events)) continue;
        if (o->sub == W2_POLL_TIMER) {
            if (o->deadline < nearest) nearest = o->deadline;
            continue;
        }
        weft_error_t *err = weft__wasi2_wait_fd(wt, fd, events);
        if (err) return err;
    }
    return nearest == UINT64_MAX ? NULL : weft__wasi2_wait_until(wt, nearest);
}

W2_FN(pollable_ready)
{
    W2_UNUSED;
    uint32_t rep = args[0].u.rep;
    bool ready = false, any;
    weft_error_t *err = check(W2, &rep, 1, &ready, &any);
    if (err) return err;
    weft__wasi2_bool(res, ready);
    return NULL;
}

static weft_error_t *try_block(weft__wasi2_wait_t *wt, weft_wasi2_t *w, const weft_cval_t *args,
                               weft_cval_t *res, weft_cval_arena_t *ar, bool *done)
{
    (void)res, (void)ar;
    uint32_t rep = args[0].u.rep;
    bool ready = false;
    weft_error_t *err = check(w, &rep, 1, &ready, done);
    return err || *done ? err : subscribe(wt, w, &rep, 1);
}

static weft_error_t *pollable_block(void *env, weft_store_t *store, const weft_cval_t *args,
                                   size_t nargs, weft_async_handle_t call)
{
    (void)nargs;
    return weft__wasi2_async(env, store, args, call, 0, try_block);
}

/* poll: list<borrow<pollable>> -> list<u32>, the indices of the ready ones (poll.wit: traps
 * when the list is empty). */
static weft_error_t *try_poll(weft__wasi2_wait_t *wt, weft_wasi2_t *w, const weft_cval_t *args,
                              weft_cval_t *res, weft_cval_arena_t *ar, bool *done)
{
    const weft_cval_t *in = &args[0];
    size_t n = in->u.agg.len;
    if (n == 0) return weft__wasi2_trap(w, "poll: empty list of pollables");
    uint32_t *reps = weft__calloc(&w->alloc, n, sizeof *reps);
    bool *ready = weft__calloc(&w->alloc, n, sizeof *ready);
    weft_error_t *err = (reps && ready) ? NULL : W2_OOM;
    for (size_t i = 0; i < n && !err; i++) reps[i] = in->u.agg.items[i].u.rep;
    if (!err) err = check(w, reps, n, ready, done);
    if (!err && *done) {
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
    } else if (!err) {
        err = subscribe(wt, w, reps, n);
    }
    if (reps) weft__free(&w->alloc, reps, n * sizeof *reps);
    if (ready) weft__free(&w->alloc, ready, n * sizeof *ready);
    return err;
}

static weft_error_t *poll_poll(void *env, weft_store_t *store, const weft_cval_t *args,
                               size_t nargs, weft_async_handle_t call)
{
    (void)nargs;
    return weft__wasi2_async(env, store, args, call, 1, try_poll);
}

static const char *const error_res[] = {"error"};
static const weft__wasi2_fn_t error_fns[] = {
    {"[method]error.to-debug-string", error_to_debug_string, NULL},
};
static const char *const poll_res[] = {"pollable"};
static const weft__wasi2_fn_t poll_fns[] = {
    {"[method]pollable.ready", pollable_ready, NULL},
    {"[method]pollable.block", NULL, pollable_block},
    {"poll", NULL, poll_poll},
};

const weft__wasi2_iface_t weft__wasi2_io_ifaces[] = {
    {"wasi:io/error", error_res, 1, error_fns, sizeof error_fns / sizeof *error_fns},
    {"wasi:io/poll", poll_res, 1, poll_fns, sizeof poll_fns / sizeof *poll_fns},
};
const size_t weft__wasi2_io_nifaces = sizeof weft__wasi2_io_ifaces / sizeof *weft__wasi2_io_ifaces;
