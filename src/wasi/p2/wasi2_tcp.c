/* wasi2_tcp.c - wasi:sockets/tcp and tcp-create-socket (WASI 0.2, sockets/wit/tcp.wit,
 * tcp-create-socket.wit).
 *
 * Every socket is a non-blocking host socket. The two-phase operations of the interface
 * (start-bind / finish-bind, start-connect / finish-connect, start-listen / finish-listen) map
 * to one host call in the start phase; only connect can still be under way afterwards, and
 * finish-connect then reports would-block until poll(2) says the socket is writable. The
 * socket's pollable waits for what its state awaits: connecting, writability; listening, an
 * incoming connection; otherwise it is ready. A connected socket's data flows through an
 * input-stream and an output-stream (wasi2_streams.c) that share its descriptor. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include "wasi/p2/wasi2_impl.h"

/* States (tcp.wit, "TCP socket states"). */
enum {
    T_UNBOUND = 0,
    T_BIND_STARTED,
    T_BOUND,
    T_LISTEN_STARTED,
    T_LISTENING,
    T_CONNECT_STARTED,
    T_CONNECTED,
    T_CLOSED,
};

/* pend_code of a connect: under way, or done without error; else the error-code. */
#define CONNECT_BUSY 0xFE
#define CONNECT_OK 0xFF

#define DEFAULT_BACKLOG 128

static weft_error_t *code(weft_cval_arena_t *ar, weft_cval_t *res, int c)
{
    return weft__wasi2_result_code(ar, res, c) ? NULL : W2_OOM;
}

static weft__wasi2_obj_t *sock(weft_wasi2_t *w, const weft_cval_t *args)
{
    weft__wasi2_obj_t *o = weft__wasi2_obj_get(w, args[0].u.rep, W2_TCP);
    return o && !o->orphan ? o : NULL;
}

#define SOCK(o)                                                                               \
    weft__wasi2_obj_t *o = sock(W2, args);                                                    \
    if (!o) return weft__wasi2_trap(W2, "tcp-socket: unknown handle")

static bool started(const weft__wasi2_obj_t *o)
{
    return o->state == T_BIND_STARTED || o->state == T_LISTEN_STARTED ||
           o->state == T_CONNECT_STARTED;
}

short weft__wasi2_tcp_events(weft_wasi2_t *w, uint32_t rep, int *fd)
{
    weft__wasi2_obj_t *o = weft__wasi2_obj_get(w, rep, W2_TCP);
    if (!o) return 0;
    *fd = o->fd;
    if (o->state == T_CONNECT_STARTED && o->pend_code == CONNECT_BUSY) return POLLOUT;
    if (o->state == T_LISTENING) return POLLIN;
    return 0;
}

/* ---- tcp-create-socket ----------------------------------------------------------------- */

static weft_error_t *new_socket(weft_wasi2_t *w, int fd, uint8_t family, uint8_t state,
                                uint32_t *rep)
{
    weft__wasi2_obj_t *o = weft__wasi2_sock_obj(w, W2_TCP, fd, family, rep);
    if (!o) return W2_OOM;
    o->state = state;
    o->backlog = DEFAULT_BACKLOG;
    o->pend_code = CONNECT_OK;
    return NULL;
}

W2_FN(create_tcp_socket)
{
    W2_UNUSED;
    uint8_t family = (uint8_t)args[0].u.var.index;
    int fd = weft__wasi2_socket(family, SOCK_STREAM);
    if (fd < 0) return code(ar, res, weft__wasi2_net_code(errno));
    uint32_t rep;
    weft_error_t *err = new_socket(W2, fd, family, T_UNBOUND, &rep);
    if (err) return err;
    weft_cval_t *ok = weft__wasi2_case(ar, res, WEFT_CVAL_RESULT, 0, true);
    if (!ok) return W2_OOM;
    weft__wasi2_own(ok, rep);
    return NULL;
}

/* ---- bind ------------------------------------------------------------------------------ */

W2_FN(start_bind)
{
    W2_UNUSED;
    SOCK(o);
    if (!weft__wasi2_obj_get(W2, args[1].u.rep, W2_NETWORK))
        return weft__wasi2_trap(W2, "start-bind: unknown network handle");
    if (started(o)) return code(ar, res, W2_N_CONCURRENCY_CONFLICT);
    if (o->state != T_UNBOUND) return code(ar, res, W2_N_INVALID_STATE);
    struct sockaddr_storage ss;
    socklen_t len;
    int c = weft__wasi2_addr_in(&args[2], o->family, &ss, &len);
    if (c >= 0) return code(ar, res, c);
    const struct sockaddr *sa = (const struct sockaddr *)&ss;
    if (!weft__wasi2_allowed(W2, W2_NET_TCP, sa)) return code(ar, res, W2_N_ACCESS_DENIED);
    /* tcp.wit start-bind: SO_REUSEADDR is set implicitly (a restarted server can bind its
     * port while old connections linger in TIME_WAIT). */
    int one = 1;
    if (weft__wasi2_addr_port(sa) != 0)
        (void)setsockopt(o->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(o->fd, sa, len) < 0) {
        int e = errno;
        return code(ar, res, e == EINVAL ? W2_N_INVALID_STATE : weft__wasi2_net_code(e));
    }
    o->state = T_BIND_STARTED;
    return code(ar, res, -1);
}

W2_FN(finish_bind)
{
    W2_UNUSED;
    SOCK(o);
    if (o->state != T_BIND_STARTED) return code(ar, res, W2_N_NOT_IN_PROGRESS);
    o->state = T_BOUND;
    return code(ar, res, -1);
}

/* ---- connect --------------------------------------------------------------------------- */

W2_FN(start_connect)
{
    W2_UNUSED;
    SOCK(o);
    if (!weft__wasi2_obj_get(W2, args[1].u.rep, W2_NETWORK))
        return weft__wasi2_trap(W2, "start-connect: unknown network handle");
    if (started(o)) return code(ar, res, W2_N_CONCURRENCY_CONFLICT);
    if (o->state != T_UNBOUND && o->state != T_BOUND) return code(ar, res, W2_N_INVALID_STATE);
    struct sockaddr_storage ss;
    socklen_t len;
    int c = weft__wasi2_addr_in(&args[2], o->family, &ss, &len);
    if (c >= 0) return code(ar, res, c);
    const struct sockaddr *sa = (const struct sockaddr *)&ss;
    /* tcp.wit start-connect: invalid-argument for the unspecified address and port 0. */
    if (weft__wasi2_addr_unspecified(sa) || weft__wasi2_addr_port(sa) == 0)
        return code(ar, res, W2_N_INVALID_ARGUMENT);
    if (!weft__wasi2_allowed(W2, W2_NET_TCP, sa)) return code(ar, res, W2_N_ACCESS_DENIED);
    int r;
    do r = connect(o->fd, sa, len); while (r < 0 && errno == EINTR);
    if (r < 0 && errno != EINPROGRESS) {
        int e = errno;
        o->state = T_CLOSED;
        return code(ar, res, weft__wasi2_net_code(e));
    }
    o->state = T_CONNECT_STARTED;
    o->pend_code = r == 0 ? CONNECT_OK : CONNECT_BUSY;
    return code(ar, res, -1);
}

static weft_error_t *two_streams(weft_wasi2_t *w, uint32_t sock_rep, weft_cval_t *items)
{
    int fd = w->objs[sock_rep - 1].fd;
    uint32_t in, out;
    weft_error_t *err = weft__wasi2_sock_stream(w, W2_INPUT, sock_rep, fd, &in);
    if (err) return err;
    err = weft__wasi2_sock_stream(w, W2_OUTPUT, sock_rep, fd, &out);
    if (err) {
        weft__wasi2_obj_drop(w, in);
        return err;
    }
    weft__wasi2_own(&items[0], in);
    weft__wasi2_own(&items[1], out);
    return NULL;
}

W2_FN(finish_connect)
{
    W2_UNUSED;
    SOCK(o);
    if (o->state != T_CONNECT_STARTED) return code(ar, res, W2_N_NOT_IN_PROGRESS);
    if (o->pend_code == CONNECT_BUSY) {
        struct pollfd p = {o->fd, POLLOUT, 0};
        if (poll(&p, 1, 0) == 0) return code(ar, res, W2_N_WOULD_BLOCK);
        int e = 0;
        socklen_t el = sizeof e;
        if (getsockopt(o->fd, SOL_SOCKET, SO_ERROR, &e, &el) < 0) e = errno;
        o->pend_code = e ? (uint8_t)weft__wasi2_net_code(e) : CONNECT_OK;
    }
    if (o->pend_code != CONNECT_OK) {
        /* tcp.wit: a failed connect leaves the socket closed. */
        o->state = T_CLOSED;
        return code(ar, res, o->pend_code);
    }
    o->state = T_CONNECTED;
    weft_cval_t *ok = weft__wasi2_case(ar, res, WEFT_CVAL_RESULT, 0, true);
    weft_cval_t *t = ok ? weft__wasi2_agg(ar, ok, WEFT_CVAL_TUPLE, 2) : NULL;
    if (!t) return W2_OOM;
    return two_streams(W2, args[0].u.rep, t);
}

/* ---- listen, accept -------------------------------------------------------------------- */

W2_FN(start_listen)
{
    W2_UNUSED;
    SOCK(o);
    if (started(o)) return code(ar, res, W2_N_CONCURRENCY_CONFLICT);
    /* tcp.wit start-listen: invalid-state when not bound (no implicit bind) or when already
     * listening or connected. */
    if (o->state != T_BOUND) return code(ar, res, W2_N_INVALID_STATE);
    if (listen(o->fd, (int)o->backlog) < 0) return code(ar, res, weft__wasi2_net_code(errno));
    o->state = T_LISTEN_STARTED;
    return code(ar, res, -1);
}

W2_FN(finish_listen)
{
    W2_UNUSED;
    SOCK(o);
    if (o->state != T_LISTEN_STARTED) return code(ar, res, W2_N_NOT_IN_PROGRESS);
    o->state = T_LISTENING;
    return code(ar, res, -1);
}

W2_FN(accept_fn)
{
    W2_UNUSED;
    SOCK(o);
    if (o->state != T_LISTENING) return code(ar, res, W2_N_INVALID_STATE);
    int fd;
    do fd = accept(o->fd, NULL, NULL);
    while (fd < 0 && errno == EINTR);
    if (fd < 0) return code(ar, res, weft__wasi2_net_code(errno));
    /* Linux does not pass O_NONBLOCK on to accepted sockets (accept4 is not POSIX). */
    if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) < 0 ||
        fcntl(fd, F_SETFD, FD_CLOEXEC) < 0) {
        int e = errno;
        close(fd);
        return code(ar, res, weft__wasi2_net_code(e));
    }
    uint8_t family = o->family;
    uint32_t rep;
    weft_error_t *err = new_socket(W2, fd, family, T_CONNECTED, &rep);
    if (err) return err;
    weft_cval_t *ok = weft__wasi2_case(ar, res, WEFT_CVAL_RESULT, 0, true);
    weft_cval_t *t = ok ? weft__wasi2_agg(ar, ok, WEFT_CVAL_TUPLE, 3) : NULL;
    if (!t) {
        weft__wasi2_obj_drop(W2, rep);
        return W2_OOM;
    }
    weft__wasi2_own(&t[0], rep);
    err = two_streams(W2, rep, &t[1]);
    if (err) weft__wasi2_obj_drop(W2, rep);
    return err;
}

/* ---- addresses and state --------------------------------------------------------------- */

static weft_error_t *address(weft_wasi2_t *w, const weft_cval_t *args, weft_cval_t *res,
                             weft_cval_arena_t *ar, bool remote)
{
    weft__wasi2_obj_t *o = sock(w, args);
    if (!o) return weft__wasi2_trap(w, "tcp-socket: unknown handle");
    bool ok_state = remote ? o->state == T_CONNECTED
                           : (o->state != T_UNBOUND && o->state != T_BIND_STARTED);
    if (!ok_state) return code(ar, res, W2_N_INVALID_STATE);
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    int r = remote ? getpeername(o->fd, (struct sockaddr *)&ss, &len)
                   : getsockname(o->fd, (struct sockaddr *)&ss, &len);
    if (r < 0) return code(ar, res, weft__wasi2_net_code(errno));
    weft_cval_t *ok = weft__wasi2_case(ar, res, WEFT_CVAL_RESULT, 0, true);
    if (!ok || !weft__wasi2_addr_out(ar, ok, (const struct sockaddr *)&ss)) return W2_OOM;
    return NULL;
}

W2_FN(local_address) { W2_UNUSED; return address(W2, args, res, ar, false); }
W2_FN(remote_address) { W2_UNUSED; return address(W2, args, res, ar, true); }

W2_FN(is_listening)
{
    W2_UNUSED;
    SOCK(o);
    weft__wasi2_bool(res, o->state == T_LISTENING);
    return NULL;
}

W2_FN(address_family)
{
    W2_UNUSED;
    SOCK(o);
    weft__wasi2_enum(res, o->family);
    return NULL;
}

W2_FN(set_listen_backlog_size)
{
    W2_UNUSED;
    SOCK(o);
    uint64_t v = args[1].u.u;
    if (v == 0) return code(ar, res, W2_N_INVALID_ARGUMENT);
    if (o->state == T_CONNECT_STARTED || o->state == T_CONNECTED)
        return code(ar, res, W2_N_INVALID_STATE);
    o->backlog = v > INT_MAX ? INT_MAX : (uint32_t)v;
    /* Linux takes a new backlog from a second listen() on a listening socket. */
    if (o->state == T_LISTENING && listen(o->fd, (int)o->backlog) < 0)
        return code(ar, res, weft__wasi2_net_code(errno));
    return code(ar, res, -1);
}

/* ---- socket options -------------------------------------------------------------------- */

typedef enum { V_BOOL, V_U8, V_U32, V_U64, V_SECONDS } vkind_t;

/* getsockopt of an int option, put in the result as `k`. */
static weft_error_t *get_opt(weft_wasi2_t *w, const weft_cval_t *args, weft_cval_t *res,
                             weft_cval_arena_t *ar, int level, int name, vkind_t k)
{
    weft__wasi2_obj_t *o = sock(w, args);
    if (!o) return weft__wasi2_trap(w, "tcp-socket: unknown handle");
    int v = 0;
    socklen_t l = sizeof v;
    if (getsockopt(o->fd, level, name, &v, &l) < 0)
        return code(ar, res, weft__wasi2_net_code(errno));
    weft_cval_t *ok = weft__wasi2_case(ar, res, WEFT_CVAL_RESULT, 0, true);
    if (!ok) return W2_OOM;
    uint64_t u = v < 0 ? 0 : (uint64_t)v;
    switch (k) {
    case V_BOOL: weft__wasi2_bool(ok, v != 0); break;
    case V_U8: ok->kind = WEFT_CVAL_U8, ok->u.u = u > 255 ? 255 : u; break;
    case V_U32: weft__wasi2_u32(ok, (uint32_t)u); break;
    case V_U64: weft__wasi2_u64(ok, u); break;
    case V_SECONDS: weft__wasi2_u64(ok, u * UINT64_C(1000000000)); break;
    }
    return NULL;
}

/* setsockopt of an int option from the argument, which must be nonzero unless `k` is V_BOOL
 * (tcp.wit: invalid-argument for 0); durations round up to whole seconds and every value is
 * clamped to [1, max]. */
static weft_error_t *set_opt(weft_wasi2_t *w, const weft_cval_t *args, weft_cval_t *res,
                             weft_cval_arena_t *ar, int level, int name, vkind_t k, uint64_t max)
{
    weft__wasi2_obj_t *o = sock(w, args);
    if (!o) return weft__wasi2_trap(w, "tcp-socket: unknown handle");
    uint64_t u = k == V_BOOL ? (uint64_t)args[1].u.b : args[1].u.u;
    if (k != V_BOOL && u == 0) return code(ar, res, W2_N_INVALID_ARGUMENT);
    if (k == V_SECONDS) u = u / 1000000000u + (u % 1000000000u != 0);
    if (k != V_BOOL && u > max) u = max;
    int v = (int)u;
    if (setsockopt(o->fd, level, name, &v, sizeof v) < 0)
        return code(ar, res, weft__wasi2_net_code(errno));
    return code(ar, res, -1);
}

W2_FN(keep_alive_enabled)
{
    W2_UNUSED;
    return get_opt(W2, args, res, ar, SOL_SOCKET, SO_KEEPALIVE, V_BOOL);
}
W2_FN(set_keep_alive_enabled)
{
    W2_UNUSED;
    return set_opt(W2, args, res, ar, SOL_SOCKET, SO_KEEPALIVE, V_BOOL, 1);
}
/* Linux limits: TCP_KEEPIDLE and TCP_KEEPINTVL at most 32767 s, TCP_KEEPCNT at most 127. */
W2_FN(keep_alive_idle_time)
{
    W2_UNUSED;
    return get_opt(W2, args, res, ar, IPPROTO_TCP, TCP_KEEPIDLE, V_SECONDS);
}
W2_FN(set_keep_alive_idle_time)
{
    W2_UNUSED;
    return set_opt(W2, args, res, ar, IPPROTO_TCP, TCP_KEEPIDLE, V_SECONDS, 32767);
}
W2_FN(keep_alive_interval)
{
    W2_UNUSED;
    return get_opt(W2, args, res, ar, IPPROTO_TCP, TCP_KEEPINTVL, V_SECONDS);
}
W2_FN(set_keep_alive_interval)
{
    W2_UNUSED;
    return set_opt(W2, args, res, ar, IPPROTO_TCP, TCP_KEEPINTVL, V_SECONDS, 32767);
}
W2_FN(keep_alive_count)
{
    W2_UNUSED;
    return get_opt(W2, args, res, ar, IPPROTO_TCP, TCP_KEEPCNT, V_U32);
}
W2_FN(set_keep_alive_count)
{
    W2_UNUSED;
    return set_opt(W2, args, res, ar, IPPROTO_TCP, TCP_KEEPCNT, V_U32, 127);
}

static int hop_level(const weft_wasi2_t *w, const weft_cval_t *args, int *name)
{
    const weft__wasi2_obj_t *o = &w->objs[args[0].u.rep - 1];
    bool v6 = o->kind == W2_TCP && o->family == 1;
    *name = v6 ? IPV6_UNICAST_HOPS : IP_TTL;
    return v6 ? IPPROTO_IPV6 : IPPROTO_IP;
}

W2_FN(hop_limit)
{
    W2_UNUSED;
    if (!sock(W2, args)) return weft__wasi2_trap(W2, "tcp-socket: unknown handle");
    int name, level = hop_level(W2, args, &name);
    return get_opt(W2, args, res, ar, level, name, V_U8);
}
W2_FN(set_hop_limit)
{
    W2_UNUSED;
    if (!sock(W2, args)) return weft__wasi2_trap(W2, "tcp-socket: unknown handle");
    int name, level = hop_level(W2, args, &name);
    return set_opt(W2, args, res, ar, level, name, V_U8, 255);
}
W2_FN(receive_buffer_size)
{
    W2_UNUSED;
    return get_opt(W2, args, res, ar, SOL_SOCKET, SO_RCVBUF, V_U64);
}
W2_FN(set_receive_buffer_size)
{
    W2_UNUSED;
    return set_opt(W2, args, res, ar, SOL_SOCKET, SO_RCVBUF, V_U64, INT_MAX / 2);
}
W2_FN(send_buffer_size)
{
    W2_UNUSED;
    return get_opt(W2, args, res, ar, SOL_SOCKET, SO_SNDBUF, V_U64);
}
W2_FN(set_send_buffer_size)
{
    W2_UNUSED;
    return set_opt(W2, args, res, ar, SOL_SOCKET, SO_SNDBUF, V_U64, INT_MAX / 2);
}

/* ---- subscribe, shutdown --------------------------------------------------------------- */

W2_FN(tcp_subscribe)
{
    W2_UNUSED;
    SOCK(o);
    (void)o;
    uint32_t sock_rep = args[0].u.rep;
    weft_error_t *err = weft__wasi2_pollable(W2, W2_POLL_SOCK, -1, 0, 0, res);
    if (err) return err;
    weft__wasi2_link_to(W2, res->u.rep, sock_rep);
    return NULL;
}

W2_FN(shutdown_fn)
{
    W2_UNUSED;
    SOCK(o);
    if (o->state != T_CONNECTED) return code(ar, res, W2_N_INVALID_STATE);
    uint32_t how = args[1].u.var.index; /* receive, send, both */
    uint32_t rep = args[0].u.rep;
    int h = how == 0 ? SHUT_RD : how == 1 ? SHUT_WR : SHUT_RDWR;
    if (how != 0) {
        /* What the output stream holds back goes out before the FIN: without waiting here
         * (tcp.wit shutdown does not block), from the store's loop (wasi2_streams.c). */
        for (size_t i = 0; i < W2->nobjs; i++) {
            weft__wasi2_obj_t *s = &W2->objs[i];
            if (s->kind == W2_OUTPUT && s->sub == W2_SINK_SOCK && s->link == rep) {
                int e = weft__wasi2_sink_shutdown(W2, store, s, h);
                if (e == ENOMEM) return W2_OOM;
                return code(ar, res, e ? weft__wasi2_net_code(e) : -1);
            }
        }
    }
    if (shutdown(o->fd, h) < 0) return code(ar, res, weft__wasi2_net_code(errno));
    return code(ar, res, -1);
}

static const char *const tcp_res[] = {"tcp-socket", "input-stream", "output-stream", "pollable",
                                      "network"};
static const weft__wasi2_fn_t tcp_fns[] = {
    {"[method]tcp-socket.start-bind", start_bind, NULL},
    {"[method]tcp-socket.finish-bind", finish_bind, NULL},
    {"[method]tcp-socket.start-connect", start_connect, NULL},
    {"[method]tcp-socket.finish-connect", finish_connect, NULL},
    {"[method]tcp-socket.start-listen", start_listen, NULL},
    {"[method]tcp-socket.finish-listen", finish_listen, NULL},
    {"[method]tcp-socket.accept", accept_fn, NULL},
    {"[method]tcp-socket.local-address", local_address, NULL},
    {"[method]tcp-socket.remote-address", remote_address, NULL},
    {"[method]tcp-socket.is-listening", is_listening, NULL},
    {"[method]tcp-socket.address-family", address_family, NULL},
    {"[method]tcp-socket.set-listen-backlog-size", set_listen_backlog_size, NULL},
    {"[method]tcp-socket.keep-alive-enabled", keep_alive_enabled, NULL},
    {"[method]tcp-socket.set-keep-alive-enabled", set_keep_alive_enabled, NULL},
    {"[method]tcp-socket.keep-alive-idle-time", keep_alive_idle_time, NULL},
    {"[method]tcp-socket.set-keep-alive-idle-time", set_keep_alive_idle_time, NULL},
    {"[method]tcp-socket.keep-alive-interval", keep_alive_interval, NULL},
    {"[method]tcp-socket.set-keep-alive-interval", set_keep_alive_interval, NULL},
    {"[method]tcp-socket.keep-alive-count", keep_alive_count, NULL},
    {"[method]tcp-socket.set-keep-alive-count", set_keep_alive_count, NULL},
    {"[method]tcp-socket.hop-limit", hop_limit, NULL},
    {"[method]tcp-socket.set-hop-limit", set_hop_limit, NULL},
    {"[method]tcp-socket.receive-buffer-size", receive_buffer_size, NULL},
    {"[method]tcp-socket.set-receive-buffer-size", set_receive_buffer_size, NULL},
    {"[method]tcp-socket.send-buffer-size", send_buffer_size, NULL},
    {"[method]tcp-socket.set-send-buffer-size", set_send_buffer_size, NULL},
    {"[method]tcp-socket.subscribe", tcp_subscribe, NULL},
    {"[method]tcp-socket.shutdown", shutdown_fn, NULL},
};
static const char *const create_res[] = {"tcp-socket", "network"};
static const weft__wasi2_fn_t create_fns[] = {
    {"create-tcp-socket", create_tcp_socket, NULL},
};

const weft__wasi2_iface_t weft__wasi2_tcp_ifaces[] = {
    {"wasi:sockets/tcp", tcp_res, 5, tcp_fns, sizeof tcp_fns / sizeof *tcp_fns},
    {"wasi:sockets/tcp-create-socket", create_res, 2, create_fns, 1},
};
const size_t weft__wasi2_tcp_nifaces = 2;
