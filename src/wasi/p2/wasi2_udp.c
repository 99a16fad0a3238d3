/* wasi2_udp.c - wasi:sockets/udp and udp-create-socket (WASI 0.2, sockets/wit/udp.wit,
 * udp-create-socket.wit).
 *
 * A bound socket's `stream` call (optionally connecting it to one remote address) gives an
 * incoming-datagram-stream and an outgoing-datagram-stream sharing its non-blocking host
 * descriptor: `receive` takes what recvfrom has without waiting, `send` sends until the host
 * would block; their pollables wait for readability and writability. */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include "wasi/p2/wasi2_impl.h"

enum { U_UNBOUND = 0, U_BIND_STARTED, U_BOUND };

/* The most datagrams one receive returns, and what check-send permits. */
#define RECV_BATCH 64u
#define SEND_PERMIT 64u
/* The largest UDP payload (IPv4: 65535 - 8 - 20; IPv6 jumbograms are not supported). */
#define DGRAM_MAX 65535u

static weft_error_t *code(weft_cval_arena_t *ar, weft_cval_t *res, int c)
{
    return weft__wasi2_result_code(ar, res, c) ? NULL : W2_OOM;
}

static weft__wasi2_obj_t *sock(weft_wasi2_t *w, const weft_cval_t *args)
{
    weft__wasi2_obj_t *o = weft__wasi2_obj_get(w, args[0].u.rep, W2_UDP);
    return o && !o->orphan ? o : NULL;
}

#define SOCK(o)                                                                               \
    weft__wasi2_obj_t *o = sock(W2, args);                                                    \
    if (!o) return weft__wasi2_trap(W2, "udp-socket: unknown handle")

W2_FN(create_udp_socket)
{
    W2_UNUSED;
    uint8_t family = (uint8_t)args[0].u.var.index;
    int fd = weft__wasi2_socket(family, SOCK_DGRAM);
    if (fd < 0) return code(ar, res, weft__wasi2_net_code(errno));
    uint32_t rep;
    if (!weft__wasi2_sock_obj(W2, W2_UDP, fd, family, &rep)) return W2_OOM;
    weft_cval_t *ok = weft__wasi2_case(ar, res, WEFT_CVAL_RESULT, 0, true);
    if (!ok) return W2_OOM;
    weft__wasi2_own(ok, rep);
    return NULL;
}

W2_FN(start_bind)
{
    W2_UNUSED;
    SOCK(o);
    if (!weft__wasi2_obj_get(W2, args[1].u.rep, W2_NETWORK))
        return weft__wasi2_trap(W2, "start-bind: unknown network handle");
    if (o->state == U_BIND_STARTED) return code(ar, res, W2_N_CONCURRENCY_CONFLICT);
    if (o->state != U_UNBOUND) return code(ar, res, W2_N_INVALID_STATE);
    struct sockaddr_storage ss;
    socklen_t len;
    int c = weft__wasi2_addr_in(&args[2], o->family, &ss, &len);
    if (c >= 0) return code(ar, res, c);
    const struct sockaddr *sa = (const struct sockaddr *)&ss;
    if (!weft__wasi2_allowed(W2, W2_NET_UDP, sa)) return code(ar, res, W2_N_ACCESS_DENIED);
    if (bind(o->fd, sa, len) < 0) return code(ar, res, weft__wasi2_net_code(errno));
    o->state = U_BIND_STARTED;
    return code(ar, res, -1);
}

W2_FN(finish_bind)
{
    W2_UNUSED;
    SOCK(o);
    if (o->state != U_BIND_STARTED) return code(ar, res, W2_N_NOT_IN_PROGRESS);
    o->state = U_BOUND;
    return code(ar, res, -1);
}

/* %stream: connects the socket to the remote address (or disconnects it when none) and makes
 * the two datagram streams (udp.wit `stream`). */
W2_FN(stream_fn)
{
    W2_UNUSED;
    weft_wasi2_t *w = W2;
    SOCK(o);
    if (o->state != U_BOUND) return code(ar, res, W2_N_INVALID_STATE);
    const weft_cval_t *opt = &args[1];
    int fd = o->fd;
    uint8_t family = o->family;
    if (opt->u.var.index == 1) {
        struct sockaddr_storage ss;
        socklen_t len;
        int c = weft__wasi2_addr_in(opt->u.var.payload, family, &ss, &len);
        if (c >= 0) return code(ar, res, c);
        const struct sockaddr *sa = (const struct sockaddr *)&ss;
        if (weft__wasi2_addr_unspecified(sa) || weft__wasi2_addr_port(sa) == 0)
            return code(ar, res, W2_N_INVALID_ARGUMENT);
        if (!weft__wasi2_allowed(w, W2_NET_UDP, sa)) return code(ar, res, W2_N_ACCESS_DENIED);
        if (connect(fd, sa, len) < 0) return code(ar, res, weft__wasi2_net_code(errno));
    } else {
        /* connect(2) with AF_UNSPEC dissolves an association. Only when there is one: on
         * Linux it also gives up a port the kernel picked at bind time. */
        struct sockaddr_storage peer;
        socklen_t pl = sizeof peer;
        struct sockaddr un;
        memset(&un, 0, sizeof un);
        un.sa_family = AF_UNSPEC;
        if (getpeername(fd, (struct sockaddr *)&peer, &pl) == 0 &&
            connect(fd, &un, sizeof un) < 0 && errno != EAFNOSUPPORT)
            return code(ar, res, weft__wasi2_net_code(errno));
    }
    uint32_t sock_rep = args[0].u.rep, in, out;
    weft__wasi2_obj_t *s = weft__wasi2_obj_new(w, W2_UDP_IN, &in);
    if (!s) return W2_OOM;
    s->fd = fd;
    s->family = family;
    weft__wasi2_link_to(w, in, sock_rep);
    s = weft__wasi2_obj_new(w, W2_UDP_OUT, &out);
    if (!s) {
        weft__wasi2_obj_drop(w, in);
        return W2_OOM;
    }
    s->fd = fd;
    s->family = family;
    weft__wasi2_link_to(w, out, sock_rep);
    weft_cval_t *ok = weft__wasi2_case(ar, res, WEFT_CVAL_RESULT, 0, true);
    weft_cval_t *t = ok ? weft__wasi2_agg(ar, ok, WEFT_CVAL_TUPLE, 2) : NULL;
    if (!t) {
        weft__wasi2_obj_drop(w, in);
        weft__wasi2_obj_drop(w, out);
        return W2_OOM;
    }
    weft__wasi2_own(&t[0], in);
    weft__wasi2_own(&t[1], out);
    return NULL;
}

static weft_error_t *address(weft_wasi2_t *w, const weft_cval_t *args, weft_cval_t *res,
                             weft_cval_arena_t *ar, bool remote)
{
    weft__wasi2_obj_t *o = sock(w, args);
    if (!o) return weft__wasi2_trap(w, "udp-socket: unknown handle");
    if (o->state != U_BOUND) return code(ar, res, W2_N_INVALID_STATE);
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    int r = remote ? getpeername(o->fd, (struct sockaddr *)&ss, &len)
                   : getsockname(o->fd, (struct sockaddr *)&ss, &len);
    if (r < 0) return code(ar, res, errno == ENOTCONN ? W2_N_INVALID_STATE
                                                      : weft__wasi2_net_code(errno));
    weft_cval_t *ok = weft__wasi2_case(ar, res, WEFT_CVAL_RESULT, 0, true);
    if (!ok || !weft__wasi2_addr_out(ar, ok, (const struct sockaddr *)&ss)) return W2_OOM;
    return NULL;
}

W2_FN(local_address) { W2_UNUSED; return address(W2, args, res, ar, false); }
W2_FN(remote_address) { W2_UNUSED; return address(W2, args, res, ar, true); }

W2_FN(address_family)
{
    W2_UNUSED;
    SOCK(o);
    weft__wasi2_enum(res, o->family);
    return NULL;
}

/* An int socket option: read (when `set` is false) or written from the argument, which must
 * be nonzero (udp.wit: invalid-argument for 0) and is clamped to max. */
static weft_error_t *opt(weft_wasi2_t *w, const weft_cval_t *args, weft_cval_t *res,
                         weft_cval_arena_t *ar, int level, int name, bool set, uint64_t max,
                         bool u8)
{
    weft__wasi2_obj_t *o = sock(w, args);
    if (!o) return weft__wasi2_trap(w, "udp-socket: unknown handle");
    if (level < 0) {
        level = o->family ? IPPROTO_IPV6 : IPPROTO_IP;
        name = o->family ? IPV6_UNICAST_HOPS : IP_TTL;
    }
    int v = 0;
    if (set) {
        uint64_t u = args[1].u.u;
        if (u == 0) return code(ar, res, W2_N_INVALID_ARGUMENT);
        v = (int)(u > max ? max : u);
        if (setsockopt(o->fd, level, name, &v, sizeof v) < 0)
            return code(ar, res, weft__wasi2_net_code(errno));
        return code(ar, res, -1);
    }
    socklen_t l = sizeof v;
    if (getsockopt(o->fd, level, name, &v, &l) < 0)
        return code(ar, res, weft__wasi2_net_code(errno));
    weft_cval_t *ok = weft__wasi2_case(ar, res, WEFT_CVAL_RESULT, 0, true);
    if (!ok) return W2_OOM;
    uint64_t u = v < 0 ? 0 : (uint64_t)v;
    if (u8) {
        ok->kind = WEFT_CVAL_U8;
        ok->u.u = u > 255 ? 255 : u;
    } else {
        weft__wasi2_u64(ok, u);
    }
    return NULL;
}

W2_FN(unicast_hop_limit) { W2_UNUSED; return opt(W2, args, res, ar, -1, 0, false, 255, true); }
W2_FN(set_unicast_hop_limit)
{
    W2_UNUSED;
    return opt(W2, args, res, ar, -1, 0, true, 255, true);
}
W2_FN(receive_buffer_size)
{
    W2_UNUSED;
    return opt(W2, args, res, ar, SOL_SOCKET, SO_RCVBUF, false, 0, false);
}
W2_FN(set_receive_buffer_size)
{
    W2_UNUSED;
    return opt(W2, args, res, ar, SOL_SOCKET, SO_RCVBUF, true, INT_MAX / 2, false);
}
W2_FN(send_buffer_size)
{
    W2_UNUSED;
    return opt(W2, args, res, ar, SOL_SOCKET, SO_SNDBUF, false, 0, false);
}
W2_FN(set_send_buffer_size)
{
    W2_UNUSED;
    return opt(W2, args, res, ar, SOL_SOCKET, SO_SNDBUF, true, INT_MAX / 2, false);
}

/* udp-socket.subscribe: binding completes at once, so the pollable is always ready. */
W2_FN(udp_subscribe)
{
    W2_UNUSED;
    SOCK(o);
    (void)o;
    return weft__wasi2_pollable(W2, W2_POLL_READY, -1, 0, 0, res);
}

/* ---- incoming-datagram-stream ---------------------------------------------------------- */

W2_FN(receive)
{
    W2_UNUSED;
    weft_wasi2_t *w = W2;
    weft__wasi2_obj_t *o = weft__wasi2_obj_get(w, args[0].u.rep, W2_UDP_IN);
    if (!o) return weft__wasi2_trap(w, "incoming-datagram-stream: unknown handle");
    uint64_t max = args[1].u.u;
    uint32_t cap = max > RECV_BATCH ? RECV_BATCH : (uint32_t)max;
    weft_cval_t *ok = weft__wasi2_case(ar, res, WEFT_CVAL_RESULT, 0, true);
    weft_cval_t *items = cap ? weft_cval_alloc(ar, cap) : NULL;
    uint8_t *buf = weft__malloc(&w->alloc, DGRAM_MAX);
    weft_error_t *err = (!ok || (cap && !items) || !buf) ? W2_OOM : NULL;
    uint32_t n = 0;
    while (!err && n < cap) {
        struct sockaddr_storage ss;
        socklen_t sl = sizeof ss;
        ssize_t k = recvfrom(o->fd, buf, DGRAM_MAX, MSG_DONTWAIT, (struct sockaddr *)&ss, &sl);
        if (k < 0) {
            if (errno == EINTR) continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK) break;
            /* An error after some datagrams is reported by the next call. */
            if (n == 0 && !weft__wasi2_err_code(ar, res, weft__wasi2_net_code(errno)))
                err = W2_OOM;
            if (n == 0) goto out;
            break;
        }
        weft_cval_t *f = weft__wasi2_agg(ar, &items[n], WEFT_CVAL_RECORD, 2);
        if (!f || !weft__wasi2_bytes(ar, &f[0], buf, (size_t)k) ||
            !weft__wasi2_addr_out(ar, &f[1], (const struct sockaddr *)&ss)) {
            err = W2_OOM;
            break;
        }
        n++;
    }
    if (!err) {
        ok->kind = WEFT_CVAL_LIST;
        ok->u.agg.len = n;
        ok->u.agg.items = items;
    }
out:
    if (buf) weft__free(&w->alloc, buf, DGRAM_MAX);
    return err;
}

static weft_error_t *stream_subscribe(weft_wasi2_t *w, const weft_cval_t *args, weft_cval_t *res,
                                      uint8_t kind, short events)
{
    weft__wasi2_obj_t *o = weft__wasi2_obj_get(w, args[0].u.rep, kind);
    if (!o) return weft__wasi2_trap(w, "datagram stream: unknown handle");
    uint32_t sock_rep = o->link;
    weft_error_t *err = weft__wasi2_pollable(w, W2_POLL_FD, o->fd, events, 0, res);
    if (err) return err;
    weft__wasi2_link_to(w, res->u.rep, sock_rep);
    return NULL;
}

W2_FN(in_subscribe) { W2_UNUSED; return stream_subscribe(W2, args, res, W2_UDP_IN, POLLIN); }
W2_FN(out_subscribe) { W2_UNUSED; return stream_subscribe(W2, args, res, W2_UDP_OUT, POLLOUT); }

/* ---- outgoing-datagram-stream ---------------------------------------------------------- */

W2_FN(check_send)
{
    W2_UNUSED;
    weft__wasi2_obj_t *o = weft__wasi2_obj_get(W2, args[0].u.rep, W2_UDP_OUT);
    if (!o) return weft__wasi2_trap(W2, "outgoing-datagram-stream: unknown handle");
    struct pollfd p = {o->fd, POLLOUT, 0};
    o->permit = poll(&p, 1, 0) > 0 ? SEND_PERMIT : 0;
    weft_cval_t *ok = weft__wasi2_case(ar, res, WEFT_CVAL_RESULT, 0, true);
    if (!ok) return W2_OOM;
    weft__wasi2_u64(ok, o->permit);
    return NULL;
}

/* send: udp.wit traps when the list is longer than check-send permitted; each datagram's
 * remote address must agree with the stream's (invalid-argument), be of the socket's family
 * and be allowed (access-denied). Sends until the host would block and returns the count;
 * an error before the first datagram went is the call's error. */
W2_FN(send_fn)
{
    W2_UNUSED;
    weft_wasi2_t *w = W2;
    weft__wasi2_obj_t *o = weft__wasi2_obj_get(w, args[0].u.rep, W2_UDP_OUT);
    if (!o) return weft__wasi2_trap(w, "outgoing-datagram-stream: unknown handle");
    const weft_cval_t *list = &args[1];
    uint32_t n = list->u.agg.len;
    if (n > o->permit) return weft__wasi2_trap(w, "send: more datagrams than check-send permitted");
    o->permit = 0;
    struct sockaddr_storage peer;
    socklen_t pl = sizeof peer;
    bool connected = getpeername(o->fd, (struct sockaddr *)&peer, &pl) == 0;
    uint32_t sent = 0;
    int fail = -1;
    for (uint32_t i = 0; i < n && fail < 0; i++) {
        const weft_cval_t *d = list->u.agg.items[i].u.agg.items; /* data, remote-address */
        struct sockaddr_storage ss;
        socklen_t sl = 0;
        const struct sockaddr *to = NULL;
        if (d[1].u.var.index == 1) {
            int c = weft__wasi2_addr_in(d[1].u.var.payload, o->family, &ss, &sl);
            if (c >= 0) {
                fail = c;
                break;
            }
            to = (const struct sockaddr *)&ss;
            if (weft__wasi2_addr_unspecified(to) || weft__wasi2_addr_port(to) == 0 ||
                (connected && (sl != pl || memcmp(&ss, &peer, sl) != 0))) {
                fail = W2_N_INVALID_ARGUMENT;
                break;
            }
            if (!weft__wasi2_allowed(w, W2_NET_UDP, to)) {
                fail = W2_N_ACCESS_DENIED;
                break;
            }
            if (connected) to = NULL, sl = 0;
        } else if (!connected) {
            fail = W2_N_INVALID_ARGUMENT;
            break;
        }
        uint8_t *p;
        size_t len;
        weft_error_t *err = weft__wasi2_list_bytes(w, &d[0], &p, &len);
        if (err) return err;
        ssize_t k;
        do k = sendto(o->fd, p, len, MSG_DONTWAIT | MSG_NOSIGNAL, to, sl);
        while (k < 0 && errno == EINTR);
        int e = errno;
        weft__free(&w->alloc, p, len + 1);
        if (k < 0) {
            if (e != EAGAIN && e != EWOULDBLOCK) fail = weft__wasi2_net_code(e);
            break;
        }
        sent++;
    }
    if (fail >= 0 && sent == 0) return code(ar, res, fail);
    weft_cval_t *ok = weft__wasi2_case(ar, res, WEFT_CVAL_RESULT, 0, true);
    if (!ok) return W2_OOM;
    weft__wasi2_u64(ok, sent);
    return NULL;
}

static const char *const udp_res[] = {"udp-socket", "incoming-datagram-stream",
                                      "outgoing-datagram-stream", "pollable", "network"};
static const weft__wasi2_fn_t udp_fns[] = {
    {"[method]udp-socket.start-bind", start_bind, NULL},
    {"[method]udp-socket.finish-bind", finish_bind, NULL},
    {"[method]udp-socket.stream", stream_fn, NULL},
    {"[method]udp-socket.local-address", local_address, NULL},
    {"[method]udp-socket.remote-address", remote_address, NULL},
    {"[method]udp-socket.address-family", address_family, NULL},
    {"[method]udp-socket.unicast-hop-limit", unicast_hop_limit, NULL},
    {"[method]udp-socket.set-unicast-hop-limit", set_unicast_hop_limit, NULL},
    {"[method]udp-socket.receive-buffer-size", receive_buffer_size, NULL},
    {"[method]udp-socket.set-receive-buffer-size", set_receive_buffer_size, NULL},
    {"[method]udp-socket.send-buffer-size", send_buffer_size, NULL},
    {"[method]udp-socket.set-send-buffer-size", set_send_buffer_size, NULL},
    {"[method]udp-socket.subscribe", udp_subscribe, NULL},
    {"[method]incoming-datagram-stream.receive", receive, NULL},
    {"[method]incoming-datagram-stream.subscribe", in_subscribe, NULL},
    {"[method]outgoing-datagram-stream.check-send", check_send, NULL},
    {"[method]outgoing-datagram-stream.send", send_fn, NULL},
    {"[method]outgoing-datagram-stream.subscribe", out_subscribe, NULL},
};
static const char *const create_res[] = {"udp-socket", "network"};
static const weft__wasi2_fn_t create_fns[] = {
    {"create-udp-socket", create_udp_socket, NULL},
};

const weft__wasi2_iface_t weft__wasi2_udp_ifaces[] = {
    {"wasi:sockets/udp", udp_res, 5, udp_fns, sizeof udp_fns / sizeof *udp_fns},
    {"wasi:sockets/udp-create-socket", create_res, 2, create_fns, 1},
};
const size_t weft__wasi2_udp_nifaces = 2;
