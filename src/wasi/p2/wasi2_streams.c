/* wasi2_streams.c - wasi:io/streams (WASI 0.2, io/wit/streams.wit): input and output streams
 * over host descriptors (stdio), memory buffers (stdio configured as buffers) and files
 * (a descriptor's read-via-stream / write-via-stream / append-via-stream, at explicit offsets).
 *
 * Non-blocking operations never wait: `read` on a descriptor that poll(2) reports not readable
 * returns no bytes, `check-write` reports 0 when it is not writable. Files and buffers are
 * always ready. The blocking variants are async host functions (wasi2_wait.c): they finish at
 * once when they can, else the guest is suspended while the store's loop waits for the
 * descriptor (a read for input or the end, a write for room, a flush for the bytes held back
 * to go out). Writes never block the host thread: on a descriptor (stdio) or the socket of a
 * TCP connection (wasi2_tcp.c) a write sends what it takes now and holds the rest back, and
 * check-write permits nothing more until that went out (sink_put: how each kind of
 * descriptor is written without blocking).
 *
 * streams.wit makes two misuses traps: `write` (and `write-zeroes`) of more than the last
 * check-write permitted, and `blocking-write-and-flush` (and its zeroes twin) of more than
 * 4096 bytes. A stream that reached its end (or whose reader went away: EPIPE) reports
 * stream-error::closed; other failures report last-operation-failed with an error resource. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "wasi/p2/wasi2_impl.h"

/* The most bytes one read returns (the interface allows fewer than asked). */
#define STREAM_READ_MAX (64u * 1024u)
/* What check-write permits at once (sockets: about one send buffer). */
#define WRITE_BUDGET (1024u * 1024u)
#define SOCK_BUDGET (64u * 1024u)
/* streams.wit blocking-write-and-flush: "contents.len() <= 4096". */
#define BLOCKING_MAX 4096u

weft_error_t *weft__wasi2_stream_err(weft_wasi2_t *w, weft_cval_arena_t *ar, weft_cval_t *v,
                                     int e)
{
    weft_cval_t *se = weft__wasi2_case(ar, v, WEFT_CVAL_RESULT, 1, true);
    if (!se) return W2_OOM;
    if (e == 0 || e == EPIPE) {
        weft__wasi2_case(ar, se, WEFT_CVAL_VARIANT, 1, false); /* closed */
        return NULL;
    }
    weft_cval_t *p = weft__wasi2_case(ar, se, WEFT_CVAL_VARIANT, 0, true);
    if (!p) return W2_OOM;
    uint32_t rep;
    weft__wasi2_obj_t *o = weft__wasi2_obj_new(w, W2_ERROR, &rep);
    if (!o) return W2_OOM;
    o->err = e;
    o->code = (uint8_t)weft__wasi2_code_of_errno(e);
    weft__wasi2_own(p, rep);
    return NULL;
}

weft_error_t *weft__wasi2_stdio_stream(weft_wasi2_t *w, int which, uint32_t *rep)
{
    weft__wasi2_obj_t *o = weft__wasi2_obj_new(w, which == 0 ? W2_INPUT : W2_OUTPUT, rep);
    if (!o) return W2_OOM;
    o->which = which;
    if (w->stdio_buf[which]) {
        o->sub = which == 0 ? W2_SRC_BUF : W2_SINK_BUF;
    } else {
        o->sub = which == 0 ? W2_SRC_FD : W2_SINK_FD;
        o->fd = w->stdio_fd[which];
        /* How writes avoid blocking depends on what the descriptor is (sink_put). */
        struct stat st;
        o->dtype = fstat(o->fd, &st) == 0 ? weft__wasi2_dtype(st.st_mode) : W2_DT_UNKNOWN;
    }
    return NULL;
}

/* ---- input streams --------------------------------------------------------------------- */

/* Reads up to `len` bytes into buf; returns the count, 0 with *e == 0 at the end of the
 * stream, -1 with *e set, or -2 when nothing can be read now. Never blocks. */
static ssize_t in_read(weft_wasi2_t *w, weft__wasi2_obj_t *o, uint8_t *buf, size_t len, int *e)
{
    *e = 0;
    if (o->closed) return 0;
    if (len == 0) return -2; /* nothing asked: succeed with no bytes */
    ssize_t n;
    switch (o->sub) {
    case W2_SRC_BUF: {
        size_t left = w->buf_len[0] - w->in_pos;
        n = (ssize_t)(left < len ? left : len);
        memcpy(buf, w->buf[0] + w->in_pos, (size_t)n);
        w->in_pos += (size_t)n;
        break;
    }
    case W2_SRC_FILE:
        do n = pread(o->fd, buf, len, (off_t)o->pos); while (n < 0 && errno == EINTR);
        if (n > 0) o->pos += (uint64_t)n;
        break;
    default:
        if (!weft__wasi2_fd_ready(o->fd, POLLIN)) return -2;
        do n = read(o->fd, buf, len); while (n < 0 && errno == EINTR);
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return -2;
        break;
    }
    if (n < 0) {
        *e = errno;
        return -1;
    }
    if (n == 0) o->closed = true;
    return n;
}

/* `read` / `skip`; *empty (when given) tells that nothing could be read yet from a source
 * that may have more later (the blocking variants then wait). */
static weft_error_t *do_read(weft_wasi2_t *w, const weft_cval_t *args, weft_cval_t *res,
                             weft_cval_arena_t *ar, bool skip, bool *empty)
{
    weft__wasi2_obj_t *o = weft__wasi2_obj_get(w, args[0].u.rep, W2_INPUT);
    if (!o) return weft__wasi2_trap(w, "input-stream: unknown handle");
    uint64_t want = args[1].u.u;
    size_t len = want > STREAM_READ_MAX ? STREAM_READ_MAX : (size_t)want;
    uint8_t *buf = weft__malloc(&w->alloc, len + 1);
    if (!buf) return W2_OOM;
    int e;
    ssize_t n = in_read(w, o, buf, len, &e);
    weft_error_t *err = NULL;
    if (n == 0 || n == -1) {
        err = weft__wasi2_stream_err(w, ar, res, e);
    } else {
        if (n == -2) {
            n = 0;
            if (empty) *empty = len > 0;
        }
        weft_cval_t *ok = weft__wasi2_case(ar, res, WEFT_CVAL_RESULT, 0, true);
        if (!ok) err = W2_OOM;
        else if (skip) weft__wasi2_u64(ok, (uint64_t)n);
        else if (!weft__wasi2_bytes(ar, ok, buf, (size_t)n)) err = W2_OOM;
    }
    weft__free(&w->alloc, buf, len + 1);
    return err;
}

W2_FN(in_read_fn) { W2_UNUSED; return do_read(W2, args, res, ar, false, NULL); }
W2_FN(in_skip) { W2_UNUSED; return do_read(W2, args, res, ar, true, NULL); }

/* blocking-read / blocking-skip: a read that waits (on the store's loop) until the source
 * has a byte or reached its end. */
static weft_error_t *try_read(weft__wasi2_wait_t *wt, weft_wasi2_t *w, const weft_cval_t *args,
                              weft_cval_t *res, weft_cval_arena_t *ar, bool *done, bool skip)
{
    weft__wasi2_obj_t *o = weft__wasi2_obj_get(w, args[0].u.rep, W2_INPUT);
    if (!o) return weft__wasi2_trap(w, "input-stream: unknown handle");
    int fd = o->fd;
    bool waits = (o->sub == W2_SRC_FD || o->sub == W2_SRC_SOCK) && !o->closed;
    if (waits && args[1].u.u > 0 && !weft__wasi2_fd_ready(fd, POLLIN))
        return weft__wasi2_wait_fd(wt, fd, POLLIN);
    bool empty = false;
    weft_error_t *err = do_read(w, args, res, ar, skip, &empty);
    if (err || !empty || !waits) {
        *done = true;
        return err;
    }
    return weft__wasi2_wait_fd(wt, fd, POLLIN); /* readiness went to another reader */
}

static weft_error_t *try_blocking_read(weft__wasi2_wait_t *wt, weft_wasi2_t *w,
                                       const weft_cval_t *args, weft_cval_t *res,
                                       weft_cval_arena_t *ar, bool *done)
{
    return try_read(wt, w, args, res, ar, done, false);
}

static weft_error_t *try_blocking_skip(weft__wasi2_wait_t *wt, weft_wasi2_t *w,
                                       const weft_cval_t *args, weft_cval_t *res,
                                       weft_cval_arena_t *ar, bool *done)
{
    return try_read(wt, w, args, res, ar, done, true);
}

#define W2_ASYNC(name, nres, try_fn)                                                          \
    static weft_error_t *name(void *env, weft_store_t *store, const weft_cval_t *args,        \
                              size_t nargs, weft_async_handle_t call)                         \
    {                                                                                         \
        (void)nargs;                                                                          \
        return weft__wasi2_async(env, store, args, call, nres, try_fn);                       \
    }

W2_ASYNC(in_blocking_read, 1, try_blocking_read)
W2_ASYNC(in_blocking_skip, 1, try_blocking_skip)

W2_FN(in_subscribe)
{
    W2_UNUSED;
    weft__wasi2_obj_t *o = weft__wasi2_obj_get(W2, args[0].u.rep, W2_INPUT);
    if (!o) return weft__wasi2_trap(W2, "input-stream: unknown handle");
    if ((o->sub == W2_SRC_FD || o->sub == W2_SRC_SOCK) && !o->closed) {
        uint32_t sock = o->link;
        weft_error_t *err = weft__wasi2_pollable(W2, W2_POLL_FD, o->fd, POLLIN, 0, res);
        if (!err && sock) weft__wasi2_link_to(W2, res->u.rep, sock);
        return err;
    }
    return weft__wasi2_pollable(W2, W2_POLL_READY, -1, 0, 0, res);
}

/* ---- output streams -------------------------------------------------------------------- */

weft_error_t *weft__wasi2_sock_stream(weft_wasi2_t *w, uint8_t kind, uint32_t sock, int fd,
                                      uint32_t *rep)
{
    weft__wasi2_obj_t *o = weft__wasi2_obj_new(w, kind, rep);
    if (!o) return W2_OOM;
    o->sub = kind == W2_INPUT ? W2_SRC_SOCK : W2_SINK_SOCK;
    o->fd = fd;
    weft__wasi2_link_to(w, *rep, sock);
    return NULL;
}

/* Writes up to n (> 0) bytes of sink o without blocking the thread: the count taken (0 when
 * the descriptor has no room now), or -1 with errno.
 *
 * Sockets: send(2) with MSG_DONTWAIT, which makes this one call non-blocking without
 * changing the descriptor's flags (a socket on stdio is shared with other processes). A
 * regular file (or block device) never waits for room: pwrite / write as they are. Any other
 * descriptor (pipe, FIFO, terminal) in blocking mode, which is not ours to make O_NONBLOCK:
 * pieces of at most PIPE_BUF bytes, each only while poll(2) reports POLLOUT (POSIX write():
 * a write of at most PIPE_BUF bytes to a pipe with room for it does not block, and poll's
 * POLLOUT on a pipe means at least PIPE_BUF bytes of room on Linux). An O_NONBLOCK descriptor
 * (the parent's choice) takes what it can. */
static ssize_t sink_put(weft__wasi2_obj_t *o, const uint8_t *p, size_t n)
{
    ssize_t k;
    if (o->sub == W2_SINK_SOCK || o->dtype == W2_DT_SOCKET) {
        do k = send(o->fd, p, n, MSG_DONTWAIT | MSG_NOSIGNAL); while (k < 0 && errno == EINTR);
        if (k < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return 0;
        return k;
    }
    if (o->dtype == W2_DT_REGULAR || o->dtype == W2_DT_BLOCK) {
        do k = write(o->fd, p, n); while (k < 0 && errno == EINTR);
        return k;
    }
    int fl = fcntl(o->fd, F_GETFL);
    bool nonblock = fl >= 0 && (fl & O_NONBLOCK);
    size_t done = 0;
    while (done < n) {
        size_t piece = n - done;
        if (!nonblock) {
            if (!weft__wasi2_fd_ready(o->fd, POLLOUT)) break;
            if (piece > PIPE_BUF) piece = PIPE_BUF;
        }
        do k = write(o->fd, p + done, piece); while (k < 0 && errno == EINTR);
        if (k < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK) break;
            if (done) break; /* the next write reports the error */
            return -1;
        }
        done += (size_t)k;
        if ((size_t)k < piece) break; /* no more room now */
    }
    return (ssize_t)done;
}

int weft__wasi2_sink_flush(weft_wasi2_t *w, weft__wasi2_obj_t *o)
{
    (void)w;
    while (o->mem_pos < o->mem_len) {
        ssize_t k = sink_put(o, o->mem + o->mem_pos, o->mem_len - o->mem_pos);
        if (k < 0) {
            int e = errno;
            o->closed = true;
            o->mem_pos = o->mem_len = 0;
            return e;
        }
        if (k == 0) return 0;
        o->mem_pos += (size_t)k;
    }
    o->mem_pos = o->mem_len = 0;
    return 0;
}

/* A descriptor or socket sink: writes what the descriptor takes now and holds the rest back
 * for later flushes (never behind bytes held back earlier). */
static int sink_write(weft_wasi2_t *w, weft__wasi2_obj_t *o, const uint8_t *p, size_t n)
{
    int e = weft__wasi2_sink_flush(w, o);
    if (e) return e;
    size_t done = 0;
    if (o->mem_len == 0) {
        while (done < n) {
            ssize_t k = sink_put(o, p + done, n - done);
            if (k < 0) {
                if (errno == EPIPE) o->closed = true;
                return errno;
            }
            if (k == 0) break;
            done += (size_t)k;
        }
    }
    if (done < n) {
        if (o->mem_pos) {
            memmove(o->mem, o->mem + o->mem_pos, o->mem_len - o->mem_pos);
            o->mem_len -= o->mem_pos;
            o->mem_pos = 0;
        }
        void *b = o->mem;
        if (weft__grow(&w->alloc, &b, &o->mem_cap, o->mem_len + (n - done), 1) != 0)
            return ENOMEM;
        o->mem = b;
        memcpy(o->mem + o->mem_len, p + done, n - done);
        o->mem_len += n - done;
    }
    return 0;
}

/* ---- tcp shutdown(send) after the held-back bytes ------------------------------------------
 * tcp.wit `shutdown` is not a blocking function, and for `send` says the output stream is
 * closed and a FIN is sent; the bytes a write already accepted come before the FIN (streams.wit
 * `write`: the contents were handed to the implementation). So shutdown returns at once: the
 * sink is closed to the guest, a watcher on the store's loop sends the held-back bytes as the
 * socket takes them, and shuts the sending side down after the last one. */
typedef struct weft__wasi2_drain {
    weft_wasi2_t *w;
    weft_store_t *store;
    weft_async_handle_t watch;
    uint32_t rep; /* the sink */
} drain_t;

static void drain_end(weft_wasi2_t *w, weft__wasi2_obj_t *o)
{
    drain_t *d = o->drain;
    o->drain = NULL;
    (void)shutdown(o->fd, SHUT_WR);
    weft__free(&w->alloc, d, sizeof *d);
}

void weft__wasi2_drain_drop(weft_wasi2_t *w, weft__wasi2_obj_t *o, bool cancel)
{
    if (!o->drain) return;
    if (cancel) weft_error_delete(weft_fd_watch_cancel(o->drain->store, o->drain->watch));
    drain_end(w, o);
}

static void on_drain(void *data, weft_store_t *store, weft_async_handle_t watch, uint32_t ev)
{
    (void)watch, (void)ev;
    drain_t *d = data;
    weft_wasi2_t *w = d->w;
    uint32_t rep = d->rep;
    weft__wasi2_obj_t *o = &w->objs[rep - 1];
    (void)weft__wasi2_sink_flush(w, o);
    if (o->mem_len) {
        weft_error_t *err = weft_fd_watch_new(store, o->fd, WEFT_FD_WRITABLE, on_drain, d,
                                              &d->watch);
        if (!err) return; /* more later */
        weft_error_delete(err);
    }
    /* All sent, the socket failed, or no watcher could be made: the end of the stream now. */
    drain_end(w, o);
    if (o->orphan) {
        o->orphan = false;
        weft__wasi2_obj_drop(w, rep);
    }
}

int weft__wasi2_sink_shutdown(weft_wasi2_t *w, weft_store_t *store, weft__wasi2_obj_t *o,
                              int how)
{
    if (o->drain) /* a second shutdown: the first one's drain sends the FIN */
        return how == SHUT_RDWR && shutdown(o->fd, SHUT_RD) < 0 ? errno : 0;
    int e = o->closed ? 0 : weft__wasi2_sink_flush(w, o);
    o->closed = true;
    o->permit = 0;
    if (e || o->mem_len == 0) {
        o->mem_pos = o->mem_len = 0;
        return shutdown(o->fd, how) < 0 ? errno : 0;
    }
    if (how == SHUT_RDWR && shutdown(o->fd, SHUT_RD) < 0) return errno;
    drain_t *d = weft__calloc(&w->alloc, 1, sizeof *d);
    if (!d) return ENOMEM;
    d->w = w;
    d->store = store;
    d->rep = (uint32_t)(o - w->objs) + 1;
    weft_error_t *err = weft_fd_watch_new(store, o->fd, WEFT_FD_WRITABLE, on_drain, d, &d->watch);
    if (err) {
        weft_error_delete(err);
        weft__free(&w->alloc, d, sizeof *d);
        return ENOMEM;
    }
    o->drain = d;
    return 0;
}

/* Writes all n bytes (a descriptor or socket sink: holding back what it cannot take now);
 * returns 0 or an errno. */
static int out_write(weft_wasi2_t *w, weft__wasi2_obj_t *o, const uint8_t *p, size_t n)
{
    if (o->closed) return EPIPE;
    if (o->sub == W2_SINK_SOCK || o->sub == W2_SINK_FD) return sink_write(w, o, p, n);
    if (o->sub == W2_SINK_BUF) {
        int k = o->which;
        void *b = w->buf[k];
        if (weft__grow(&w->alloc, &b, &w->buf_cap[k], w->buf_len[k] + n + 1, 1) != 0)
            return ENOMEM;
        w->buf[k] = b;
        if (n) memcpy(w->buf[k] + w->buf_len[k], p, n);
        w->buf_len[k] += n;
        return 0;
    }
    if (o->sub == W2_SINK_APPEND) {
        struct stat st;
        if (fstat(o->fd, &st) < 0) return errno;
        o->pos = (uint64_t)st.st_size;
    }
    size_t done = 0;
    while (done < n) {
        ssize_t k = pwrite(o->fd, p + done, n - done, (off_t)o->pos);
        if (k > 0) o->pos += (uint64_t)k;
        if (k < 0) {
            if (errno == EINTR) continue;
            if (errno == EPIPE) o->closed = true;
            return errno;
        }
        done += (size_t)k;
    }
    return 0;
}

static weft_error_t *out_result(weft_wasi2_t *w, weft_cval_arena_t *ar, weft_cval_t *res, int e)
{
    if (e == ENOMEM) return W2_OOM;
    if (e) return weft__wasi2_stream_err(w, ar, res, e);
    weft__wasi2_case(ar, res, WEFT_CVAL_RESULT, 0, false);
    return NULL;
}

static weft__wasi2_obj_t *out_get(weft_wasi2_t *w, const weft_cval_t *args)
{
    return weft__wasi2_obj_get(w, args[0].u.rep, W2_OUTPUT);
}

W2_FN(out_check_write)
{
    W2_UNUSED;
    weft__wasi2_obj_t *o = out_get(W2, args);
    if (!o) return weft__wasi2_trap(W2, "output-stream: unknown handle");
    if (o->closed) return weft__wasi2_stream_err(W2, ar, res, 0);
    uint64_t n = WRITE_BUDGET;
    if (o->sub == W2_SINK_SOCK || o->sub == W2_SINK_FD) {
        /* Nothing more while bytes are held back (streams.wit flush: no writes accepted until
         * the flush completed); a pipe or terminal gets what it takes without blocking. */
        int e = weft__wasi2_sink_flush(W2, o);
        if (e) return weft__wasi2_stream_err(W2, ar, res, e);
        bool file = o->sub == W2_SINK_FD &&
                    (o->dtype == W2_DT_REGULAR || o->dtype == W2_DT_BLOCK);
        if (o->mem_len) n = 0;
        else if (!file && !weft__wasi2_fd_ready(o->fd, POLLOUT)) n = 0;
        else if (o->sub == W2_SINK_SOCK) n = SOCK_BUDGET;
        else if (!file) n = PIPE_BUF;
    }
    o->permit = n;
    weft_cval_t *ok = weft__wasi2_case(ar, res, WEFT_CVAL_RESULT, 0, true);
    if (!ok) return W2_OOM;
    weft__wasi2_u64(ok, n);
    return NULL;
}

/* The precondition of a write of n bytes: within what check-write permitted, or for the
 * blocking variants at most 4096 bytes (streams.wit: otherwise the call traps). */
static weft_error_t *permitted(weft_wasi2_t *w, weft__wasi2_obj_t *o, uint64_t n, bool block)
{
    if (block) {
        if (n > BLOCKING_MAX)
            return weft__wasi2_trap(w, "output-stream: blocking write of more than 4096 bytes");
        return NULL;
    }
    if (o->closed) return NULL; /* the call reports the closed stream */
    if (n > o->permit)
        return weft__wasi2_trap(w, "output-stream: write exceeds what check-write permitted");
    o->permit -= n;
    return NULL;
}

static weft_error_t *write_list(weft_wasi2_t *w, const weft_cval_t *args, weft_cval_t *res,
                                weft_cval_arena_t *ar, bool block)
{
    weft__wasi2_obj_t *o = out_get(w, args);
    if (!o) return weft__wasi2_trap(w, "output-stream: unknown handle");
    weft_error_t *err = permitted(w, o, args[1].u.agg.len, block);
    if (err) return err;
    uint8_t *p;
    size_t n;
    err = weft__wasi2_list_bytes(w, &args[1], &p, &n);
    if (err) return err;
    int e = out_write(w, o, p, n);
    weft__free(&w->alloc, p, n + 1);
    return out_result(w, ar, res, e);
}

W2_FN(out_write_fn) { W2_UNUSED; return write_list(W2, args, res, ar, false); }

static weft_error_t *zeroes(weft_wasi2_t *w, const weft_cval_t *args, weft_cval_t *res,
                            weft_cval_arena_t *ar, bool block);

/* flush; with `pending`, a socket that could not send everything sets it instead of
 * succeeding. */
static weft_error_t *flush(weft_wasi2_t *w, const weft_cval_t *args, weft_cval_t *res,
                           weft_cval_arena_t *ar, bool *pending)
{
    weft__wasi2_obj_t *o = out_get(w, args);
    if (!o) return weft__wasi2_trap(w, "output-stream: unknown handle");
    /* Writes go straight to the host descriptor or buffer, except what a descriptor or socket
     * could not take yet: a flush sends that (and a blocking one waits until it went). */
    o->permit = 0;
    if ((o->sub == W2_SINK_SOCK || o->sub == W2_SINK_FD) && !o->closed) {
        int e = weft__wasi2_sink_flush(w, o);
        if (e) return out_result(w, ar, res, e);
        if (o->mem_len && pending) {
            *pending = true;
            return NULL;
        }
    }
    return out_result(w, ar, res, o->closed ? EPIPE : 0);
}

W2_FN(out_flush) { W2_UNUSED; return flush(W2, args, res, ar, NULL); }

/* blocking-flush: waits (on the store's loop) until what a sink held back went out. */
static weft_error_t *try_flush(weft__wasi2_wait_t *wt, weft_wasi2_t *w, const weft_cval_t *args,
                               weft_cval_t *res, weft_cval_arena_t *ar, bool *done)
{
    bool pending = false;
    weft_error_t *err = flush(w, args, res, ar, &pending);
    if (err || !pending) {
        *done = true;
        return err;
    }
    weft__wasi2_obj_t *o = out_get(w, args);
    return weft__wasi2_wait_fd(wt, o->fd, POLLOUT);
}
W2_ASYNC(out_blocking_flush, 1, try_flush)

/* blocking-write-and-flush and blocking-write-zeroes-and-flush: the write, once the
 * descriptor has room, then the flush of what it could not take (waiting for room again). */
static weft_error_t *try_write(weft__wasi2_wait_t *wt, weft_wasi2_t *w, const weft_cval_t *args,
                               weft_cval_t *res, weft_cval_arena_t *ar, bool *done, bool zero)
{
    weft__wasi2_obj_t *o = out_get(w, args);
    if (!o) return weft__wasi2_trap(w, "output-stream: unknown handle");
    if (wt->phase == 0) {
        if (o->sub == W2_SINK_FD && !o->closed && !weft__wasi2_fd_ready(o->fd, POLLOUT))
            return weft__wasi2_wait_fd(wt, o->fd, POLLOUT);
        weft_error_t *err = zero ? zeroes(w, args, res, ar, true) : write_list(w, args, res, ar, true);
        o = out_get(w, args); /* the error object may have moved the table */
        if (err || res->u.var.index != 0 || o->mem_len == 0) {
            *done = true;
            return err;
        }
        wt->phase = 1;
    }
    return try_flush(wt, w, args, res, ar, done);
}

static weft_error_t *try_write_list(weft__wasi2_wait_t *wt, weft_wasi2_t *w,
                                    const weft_cval_t *args, weft_cval_t *res,
                                    weft_cval_arena_t *ar, bool *done)
{
    return try_write(wt, w, args, res, ar, done, false);
}
W2_ASYNC(out_blocking_write_and_flush, 1, try_write_list)

W2_FN(out_subscribe)
{
    W2_UNUSED;
    weft__wasi2_obj_t *o = out_get(W2, args);
    if (!o) return weft__wasi2_trap(W2, "output-stream: unknown handle");
    if ((o->sub == W2_SINK_FD || o->sub == W2_SINK_SOCK) && !o->closed) {
        uint32_t sock = o->link;
        weft_error_t *err = weft__wasi2_pollable(W2, W2_POLL_FD, o->fd, POLLOUT, 0, res);
        if (!err && sock) weft__wasi2_link_to(W2, res->u.rep, sock);
        return err;
    }
    return weft__wasi2_pollable(W2, W2_POLL_READY, -1, 0, 0, res);
}

static weft_error_t *zeroes(weft_wasi2_t *w, const weft_cval_t *args, weft_cval_t *res,
                            weft_cval_arena_t *ar, bool block)
{
    weft__wasi2_obj_t *o = out_get(w, args);
    if (!o) return weft__wasi2_trap(w, "output-stream: unknown handle");
    static const uint8_t zero[4096];
    uint64_t left = args[1].u.u;
    weft_error_t *err = permitted(w, o, left, block);
    if (err) return err;
    int e = 0;
    while (left && !e) {
        size_t k = left > sizeof zero ? sizeof zero : (size_t)left;
        e = out_write(w, o, zero, k);
        left -= k;
    }
    return out_result(w, ar, res, e);
}

W2_FN(out_write_zeroes) { W2_UNUSED; return zeroes(W2, args, res, ar, false); }

static weft_error_t *try_write_zeroes(weft__wasi2_wait_t *wt, weft_wasi2_t *w,
                                      const weft_cval_t *args, weft_cval_t *res,
                                      weft_cval_arena_t *ar, bool *done)
{
    return try_write(wt, w, args, res, ar, done, true);
}
W2_ASYNC(out_blocking_write_zeroes_and_flush, 1, try_write_zeroes)

/* splice: reads up to len bytes from src and writes them (streams.wit `splice`). */
static weft_error_t *splice(weft_wasi2_t *w, const weft_cval_t *args, weft_cval_t *res,
                            weft_cval_arena_t *ar)
{
    weft__wasi2_obj_t *o = out_get(w, args);
    weft__wasi2_obj_t *in = weft__wasi2_obj_get(w, args[1].u.rep, W2_INPUT);
    if (!o || !in) return weft__wasi2_trap(w, "splice: unknown handle");
    if (o->closed) return weft__wasi2_stream_err(w, ar, res, 0);
    uint64_t want = args[2].u.u;
    size_t len = want > STREAM_READ_MAX ? STREAM_READ_MAX : (size_t)want;
    uint8_t *buf = weft__malloc(&w->alloc, len + 1);
    if (!buf) return W2_OOM;
    int e;
    ssize_t n = in_read(w, in, buf, len, &e);
    weft_error_t *err = NULL;
    if (n == 0 || n == -1) {
        err = weft__wasi2_stream_err(w, ar, res, e);
    } else {
        if (n == -2) n = 0;
        e = out_write(w, o, buf, (size_t)n);
        if (e == ENOMEM) {
            err = W2_OOM;
        } else if (e) {
            err = weft__wasi2_stream_err(w, ar, res, e);
        } else {
            weft_cval_t *ok = weft__wasi2_case(ar, res, WEFT_CVAL_RESULT, 0, true);
            if (!ok) err = W2_OOM;
            else weft__wasi2_u64(ok, (uint64_t)n);
        }
    }
    weft__free(&w->alloc, buf, len + 1);
    return err;
}

W2_FN(out_splice) { W2_UNUSED; return splice(W2, args, res, ar); }

/* blocking-splice: waits until the sink has room and the source has input (or its end). */
static weft_error_t *try_splice(weft__wasi2_wait_t *wt, weft_wasi2_t *w, const weft_cval_t *args,
                                weft_cval_t *res, weft_cval_arena_t *ar, bool *done)
{
    weft__wasi2_obj_t *o = out_get(w, args);
    weft__wasi2_obj_t *in = weft__wasi2_obj_get(w, args[1].u.rep, W2_INPUT);
    if (!o || !in) return weft__wasi2_trap(w, "splice: unknown handle");
    if (o->sub == W2_SINK_FD && !o->closed && !weft__wasi2_fd_ready(o->fd, POLLOUT))
        return weft__wasi2_wait_fd(wt, o->fd, POLLOUT);
    if ((in->sub == W2_SRC_FD || in->sub == W2_SRC_SOCK) && !in->closed && args[2].u.u > 0 &&
        !weft__wasi2_fd_ready(in->fd, POLLIN))
        return weft__wasi2_wait_fd(wt, in->fd, POLLIN);
    *done = true;
    return splice(w, args, res, ar);
}
W2_ASYNC(out_blocking_splice, 1, try_splice)

/* With the types the interface uses (`use error.{error}`, `use poll.{pollable}`): an instance
 * type exports them too, as equal to the other interface's, and the linker must name them. */
static const char *const streams_res[] = {"input-stream", "output-stream", "error", "pollable"};
static const weft__wasi2_fn_t streams_fns[] = {
    {"[method]input-stream.read", in_read_fn, NULL},
    {"[method]input-stream.blocking-read", NULL, in_blocking_read},
    {"[method]input-stream.skip", in_skip, NULL},
    {"[method]input-stream.blocking-skip", NULL, in_blocking_skip},
    {"[method]input-stream.subscribe", in_subscribe, NULL},
    {"[method]output-stream.check-write", out_check_write, NULL},
    {"[method]output-stream.write", out_write_fn, NULL},
    {"[method]output-stream.blocking-write-and-flush", NULL, out_blocking_write_and_flush},
    {"[method]output-stream.flush", out_flush, NULL},
    {"[method]output-stream.blocking-flush", NULL, out_blocking_flush},
    {"[method]output-stream.subscribe", out_subscribe, NULL},
    {"[method]output-stream.write-zeroes", out_write_zeroes, NULL},
    {"[method]output-stream.blocking-write-zeroes-and-flush",
     NULL, out_blocking_write_zeroes_and_flush},
    {"[method]output-stream.splice", out_splice, NULL},
    {"[method]output-stream.blocking-splice", NULL, out_blocking_splice},
};

const weft__wasi2_iface_t weft__wasi2_stream_ifaces[] = {
    {"wasi:io/streams", streams_res, 4, streams_fns, sizeof streams_fns / sizeof *streams_fns},
};
const size_t weft__wasi2_stream_nifaces = 1;
