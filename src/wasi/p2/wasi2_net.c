/* wasi2_net.c - wasi:sockets/network, instance-network and ip-name-lookup (WASI 0.2,
 * sockets/wit/network.wit, instance-network.wit, ip-name-lookup.wit), the network policy, and
 * the conversions between ip-socket-address values and host addresses shared by tcp and udp.
 *
 * The policy is a list of allowed (protocol, address, port) patterns plus one switch for name
 * lookups; there is a single network, and every check happens where an address is used
 * (bind, connect, send), so a denied guest gets error-code access-denied from the call that
 * would have reached the network. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include "wasi/p2/wasi2_impl.h"

/* ---- policy ---------------------------------------------------------------------------- */

static weft_error_t *bad_pattern(weft_wasi2_t *w, const char *p)
{
    return weft__error_new(&w->alloc, WEFT_ERROR_INVALID_ARG, UINT64_MAX,
                           "network pattern '%s': expected HOST:PORT (HOST an IPv4 address, "
                           "[IPv6], localhost or *; PORT a number or *)",
                           p);
}

static weft_error_t *add_rule(weft_wasi2_t *w, const weft__wasi2_rule_t *r)
{
    void *p = w->rules;
    if (weft__grow(&w->alloc, &p, &w->rules_cap, w->nrules + 1, sizeof *w->rules) != 0)
        return weft__error_oom();
    w->rules = p;
    w->rules[w->nrules++] = *r;
    return NULL;
}

static weft_error_t *allow(weft_wasi2_t *w, uint8_t proto, const char *pat)
{
    if (!w || !pat) {
        const weft_alloc_t dflt = {weft__default_alloc, NULL};
        return weft__error_new(w ? &w->alloc : &dflt, WEFT_ERROR_INVALID_ARG, UINT64_MAX,
                               "weft_wasi2_allow_tcp/udp: invalid argument");
    }
    if (!strcmp(pat, "*")) pat = "*:*";
    const char *colon = strrchr(pat, ':');
    if (!colon || colon == pat) return bad_pattern(w, pat);
    weft__wasi2_rule_t r;
    memset(&r, 0, sizeof r);
    r.proto = proto;
    const char *port = colon + 1;
    if (!strcmp(port, "*")) {
        r.any_port = true;
    } else {
        unsigned long v = 0;
        if (!*port) return bad_pattern(w, pat);
        for (const char *c = port; *c; c++) {
            if (*c < '0' || *c > '9' || (v = v * 10 + (unsigned long)(*c - '0')) > 65535)
                return bad_pattern(w, pat);
        }
        r.port = (uint16_t)v;
    }
    char host[64];
    size_t hl = (size_t)(colon - pat);
    if (hl >= sizeof host) return bad_pattern(w, pat);
    memcpy(host, pat, hl);
    host[hl] = 0;
    if (!strcmp(host, "*")) {
        r.family = 2;
        return add_rule(w, &r);
    }
    if (!strcmp(host, "localhost")) {
        r.addr[0] = 127, r.addr[3] = 1;
        weft_error_t *err = add_rule(w, &r);
        if (err) return err;
        memset(r.addr, 0, sizeof r.addr);
        r.family = 1;
        r.addr[15] = 1;
        return add_rule(w, &r);
    }
    if (host[0] == '[' && hl > 2 && host[hl - 1] == ']') {
        host[hl - 1] = 0;
        if (inet_pton(AF_INET6, host + 1, r.addr) != 1) return bad_pattern(w, pat);
        r.family = 1;
        return add_rule(w, &r);
    }
    if (inet_pton(AF_INET, host, r.addr) != 1) return bad_pattern(w, pat);
    return add_rule(w, &r);
}

weft_error_t *weft_wasi2_allow_tcp(weft_wasi2_t *w, const char *pattern)
{
    return allow(w, W2_NET_TCP, pattern);
}

weft_error_t *weft_wasi2_allow_udp(weft_wasi2_t *w, const char *pattern)
{
    return allow(w, W2_NET_UDP, pattern);
}

void weft_wasi2_allow_ip_name_lookup(weft_wasi2_t *w, bool on)
{
    if (w) w->allow_lookup = on;
}

bool weft__wasi2_addr_unspecified(const struct sockaddr *sa)
{
    static const uint8_t zero[16];
    if (sa->sa_family == AF_INET) {
        struct sockaddr_in in;
        memcpy(&in, sa, sizeof in);
        return in.sin_addr.s_addr == 0;
    }
    struct sockaddr_in6 in6;
    memcpy(&in6, sa, sizeof in6);
    return memcmp(&in6.sin6_addr, zero, 16) == 0;
}

uint16_t weft__wasi2_addr_port(const struct sockaddr *sa)
{
    if (sa->sa_family == AF_INET) {
        struct sockaddr_in in;
        memcpy(&in, sa, sizeof in);
        return ntohs(in.sin_port);
    }
    struct sockaddr_in6 in6;
    memcpy(&in6, sa, sizeof in6);
    return ntohs(in6.sin6_port);
}

bool weft__wasi2_allowed(const weft_wasi2_t *w, uint8_t proto, const struct sockaddr *sa)
{
    uint8_t fam = sa->sa_family == AF_INET ? 0 : 1;
    uint8_t addr[16];
    if (fam == 0) {
        struct sockaddr_in in;
        memcpy(&in, sa, sizeof in);
        memcpy(addr, &in.sin_addr, 4);
    } else {
        struct sockaddr_in6 in6;
        memcpy(&in6, sa, sizeof in6);
        memcpy(addr, &in6.sin6_addr, 16);
    }
    uint16_t port = weft__wasi2_addr_port(sa);
    for (size_t i = 0; i < w->nrules; i++) {
        const weft__wasi2_rule_t *r = &w->rules[i];
        if (r->proto != proto) continue;
        if (!r->any_port && r->port != port) continue;
        if (r->family == 2 || (r->family == fam && memcmp(r->addr, addr, fam ? 16 : 4) == 0))
            return true;
    }
    return false;
}

/* ---- addresses ------------------------------------------------------------------------- */

weft__wasi2_obj_t *weft__wasi2_sock_obj(weft_wasi2_t *w, uint8_t kind, int fd, uint8_t family,
                                        uint32_t *rep)
{
    weft__wasi2_obj_t *o = weft__wasi2_obj_new(w, kind, rep);
    if (!o) {
        close(fd);
        return NULL;
    }
    o->fd = fd;
    o->owned = true;
    o->family = family;
    return o;
}

int weft__wasi2_socket(uint8_t family, int type)
{
    int fd = socket(family ? AF_INET6 : AF_INET, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    if (family) {
        int one = 1;
        if (setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one) < 0) {
            int e = errno;
            close(fd);
            errno = e;
            return -1;
        }
    }
    return fd;
}

int weft__wasi2_addr_in(const weft_cval_t *v, uint8_t family, struct sockaddr_storage *ss,
                        socklen_t *len)
{
    memset(ss, 0, sizeof *ss);
    if (v->kind != WEFT_CVAL_VARIANT || !v->u.var.payload) return W2_N_INVALID_ARGUMENT;
    if (v->u.var.index != family) return W2_N_INVALID_ARGUMENT;
    const weft_cval_t *rec = v->u.var.payload;
    if (family == 0) {
        /* ipv4-socket-address { port, address: tuple<u8 x4> } */
        const weft_cval_t *a = rec->u.agg.items[1].u.agg.items;
        struct sockaddr_in in;
        memset(&in, 0, sizeof in);
        in.sin_family = AF_INET;
        in.sin_port = htons((uint16_t)rec->u.agg.items[0].u.u);
        uint8_t b[4];
        for (int i = 0; i < 4; i++) b[i] = (uint8_t)a[i].u.u;
        memcpy(&in.sin_addr, b, 4);
        memcpy(ss, &in, sizeof in);
        *len = sizeof in;
        return -1;
    }
    /* ipv6-socket-address { port, flow-info, address: tuple<u16 x8>, scope-id } */
    const weft_cval_t *it = rec->u.agg.items;
    struct sockaddr_in6 in6;
    memset(&in6, 0, sizeof in6);
    in6.sin6_family = AF_INET6;
    in6.sin6_port = htons((uint16_t)it[0].u.u);
    in6.sin6_flowinfo = htonl((uint32_t)it[1].u.u);
    uint8_t b[16];
    for (int i = 0; i < 8; i++) {
        uint16_t x = (uint16_t)it[2].u.agg.items[i].u.u;
        b[2 * i] = (uint8_t)(x >> 8);
        b[2 * i + 1] = (uint8_t)x;
    }
    static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF};
    if (memcmp(b, mapped, 12) == 0) return W2_N_INVALID_ARGUMENT;
    memcpy(&in6.sin6_addr, b, 16);
    in6.sin6_scope_id = (uint32_t)it[3].u.u;
    memcpy(ss, &in6, sizeof in6);
    *len = sizeof in6;
    return -1;
}

/* Sets *v to the ip-address (no port) of family `fam` with the bytes b. */
static bool ip_out(weft_cval_arena_t *ar, weft_cval_t *v, int fam, const uint8_t *b)
{
    uint32_t n = fam == AF_INET ? 4 : 8;
    weft_cval_t *t = weft__wasi2_agg(ar, v, WEFT_CVAL_TUPLE, n);
    if (!t) return false;
    for (uint32_t i = 0; i < n; i++) {
        if (fam == AF_INET) {
            t[i].kind = WEFT_CVAL_U8;
            t[i].u.u = b[i];
        } else {
            t[i].kind = WEFT_CVAL_U16;
            t[i].u.u = (uint64_t)((unsigned)b[2 * i] << 8 | b[2 * i + 1]);
        }
    }
    return true;
}

bool weft__wasi2_addr_out(weft_cval_arena_t *ar, weft_cval_t *v, const struct sockaddr *sa)
{
    if (sa->sa_family == AF_INET) {
        struct sockaddr_in in;
        memcpy(&in, sa, sizeof in);
        weft_cval_t *p = weft__wasi2_case(ar, v, WEFT_CVAL_VARIANT, 0, true);
        weft_cval_t *f = p ? weft__wasi2_agg(ar, p, WEFT_CVAL_RECORD, 2) : NULL;
        if (!f) return false;
        f[0].kind = WEFT_CVAL_U16;
        f[0].u.u = ntohs(in.sin_port);
        uint8_t b[4];
        memcpy(b, &in.sin_addr, 4);
        return ip_out(ar, &f[1], AF_INET, b);
    }
    struct sockaddr_in6 in6;
    memcpy(&in6, sa, sizeof in6);
    weft_cval_t *p = weft__wasi2_case(ar, v, WEFT_CVAL_VARIANT, 1, true);
    weft_cval_t *f = p ? weft__wasi2_agg(ar, p, WEFT_CVAL_RECORD, 4) : NULL;
    if (!f) return false;
    f[0].kind = WEFT_CVAL_U16;
    f[0].u.u = ntohs(in6.sin6_port);
    weft__wasi2_u32(&f[1], ntohl(in6.sin6_flowinfo));
    weft__wasi2_u32(&f[3], in6.sin6_scope_id);
    uint8_t b[16];
    memcpy(b, &in6.sin6_addr, 16);
    return ip_out(ar, &f[2], AF_INET6, b);
}

/* error-code of a host errno (network.wit lists the POSIX equivalent of each case). */
int weft__wasi2_net_code(int e)
{
    switch (e) {
    case EACCES: case EPERM: return W2_N_ACCESS_DENIED;
    case EOPNOTSUPP: case EPROTONOSUPPORT: case ENOPROTOOPT: case EAFNOSUPPORT:
        return W2_N_NOT_SUPPORTED;
    case EINVAL: case EDESTADDRREQ: return W2_N_INVALID_ARGUMENT;
    case ENOMEM: case ENOBUFS: return W2_N_OUT_OF_MEMORY;
    case ETIMEDOUT: return W2_N_TIMEOUT;
    case EALREADY: return W2_N_CONCURRENCY_CONFLICT;
    case EAGAIN: case EINPROGRESS: return W2_N_WOULD_BLOCK;
    case EISCONN: case ENOTCONN: return W2_N_INVALID_STATE;
    case EMFILE: case ENFILE: return W2_N_NEW_SOCKET_LIMIT;
    case EADDRNOTAVAIL: return W2_N_ADDRESS_NOT_BINDABLE;
    case EADDRINUSE: return W2_N_ADDRESS_IN_USE;
    case EHOSTUNREACH: case ENETUNREACH: case ENETDOWN: case EHOSTDOWN:
        return W2_N_REMOTE_UNREACHABLE;
    case ECONNREFUSED: return W2_N_CONNECTION_REFUSED;
    case ECONNRESET: case EPIPE: return W2_N_CONNECTION_RESET;
    case ECONNABORTED: return W2_N_CONNECTION_ABORTED;
    case EMSGSIZE: return W2_N_DATAGRAM_TOO_LARGE;
    default: return W2_N_UNKNOWN;
    }
}

/* ---- wasi:sockets/network, instance-network --------------------------------------------- */

W2_FN(network_error_code)
{
    W2_UNUSED;
    weft__wasi2_obj_t *o = weft__wasi2_obj_get(W2, args[0].u.rep, W2_ERROR);
    if (!o) return weft__wasi2_trap(W2, "network-error-code: unknown error handle");
    if (!o->err) {
        weft__wasi2_case(ar, res, WEFT_CVAL_OPTION, 0, false);
        return NULL;
    }
    weft_cval_t *p = weft__wasi2_case(ar, res, WEFT_CVAL_OPTION, 1, true);
    if (!p) return W2_OOM;
    weft__wasi2_enum(p, (uint32_t)weft__wasi2_net_code(o->err));
    return NULL;
}

/* network.noop (sockets 0.2.x, @unstable): nothing to do. */
W2_FN(network_noop)
{
    W2_UNUSED;
    if (!weft__wasi2_obj_get(W2, args[0].u.rep, W2_NETWORK))
        return weft__wasi2_trap(W2, "network: unknown handle");
    return NULL;
}

W2_FN(instance_network)
{
    W2_UNUSED;
    uint32_t rep;
    if (!weft__wasi2_obj_new(W2, W2_NETWORK, &rep)) return W2_OOM;
    weft__wasi2_own(res, rep);
    return NULL;
}

/* ---- wasi:sockets/ip-name-lookup --------------------------------------------------------- */

/* True if `name` is a syntactically valid host name (RFC 1123 labels) or an IP address. */
static bool valid_name(const char *s, size_t n)
{
    if (n == 0 || n > 253) return false;
    uint8_t tmp[16];
    char buf[256];
    memcpy(buf, s, n);
    buf[n] = 0;
    if (inet_pton(AF_INET, buf, tmp) == 1 || inet_pton(AF_INET6, buf, tmp) == 1) return true;
    size_t label = 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '.') {
            if (label == 0) return false;
            label = 0;
            continue;
        }
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '-' || c == '_';
        if (!ok || ++label > 63) return false;
    }
    return true;
}

/* resolve-addresses: returns at once. A numeric address is the answer itself; a name is
 * resolved by the host's resolver (getaddrinfo) on a thread of its own (wasi2_lookup.c), and
 * resolve-next-address reports would-block until it finished; the stream's pollable becomes
 * ready then. */
W2_FN(resolve_addresses)
{
    W2_UNUSED;
    weft_wasi2_t *w = W2;
    if (!weft__wasi2_obj_get(w, args[0].u.rep, W2_NETWORK))
        return weft__wasi2_trap(w, "resolve-addresses: unknown network handle");
    const char *name;
    size_t n;
    if (!weft__wasi2_str(ar, &args[1], &name, &n)) return W2_OOM;
    if (!w->allow_lookup) return weft__wasi2_err_code(ar, res, W2_N_ACCESS_DENIED) ? NULL : W2_OOM;
    /* Bracketed IPv6 literals ("[::1]") are names of URLs, not of the resolver. */
    if (!valid_name(name, n))
        return weft__wasi2_err_code(ar, res, W2_N_INVALID_ARGUMENT) ? NULL : W2_OOM;
    uint32_t rep;
    weft__wasi2_obj_t *o = weft__wasi2_obj_new(w, W2_RESOLVE, &rep);
    if (!o) return W2_OOM;
    o->pend_code = 0xFF;
    if (!weft__wasi2_lookup_begin(w, o, name, n)) {
        weft__wasi2_obj_drop(w, rep);
        return W2_OOM;
    }
    weft_cval_t *ok = weft__wasi2_case(ar, res, WEFT_CVAL_RESULT, 0, true);
    if (!ok) return W2_OOM;
    weft__wasi2_own(ok, rep);
    return NULL;
}

W2_FN(resolve_next_address)
{
    W2_UNUSED;
    weft__wasi2_obj_t *o = weft__wasi2_obj_get(W2, args[0].u.rep, W2_RESOLVE);
    if (!o) return weft__wasi2_trap(W2, "resolve-address-stream: unknown handle");
    if (!weft__wasi2_lookup_take(o)) return weft__wasi2_err_code(ar, res, W2_N_WOULD_BLOCK) ? NULL : W2_OOM;
    if (o->pend_code != 0xFF) {
        /* The failure is reported once; the stream then ends. */
        int code = o->pend_code;
        o->pend_code = 0xFF;
        return weft__wasi2_err_code(ar, res, code) ? NULL : W2_OOM;
    }
    weft_cval_t *ok = weft__wasi2_case(ar, res, WEFT_CVAL_RESULT, 0, true);
    if (!ok) return W2_OOM;
    if (o->mem_pos >= o->mem_len) {
        weft__wasi2_case(ar, ok, WEFT_CVAL_OPTION, 0, false);
        return NULL;
    }
    const uint8_t *e = o->mem + o->mem_pos++ * W2_LOOKUP_SIZE;
    weft_cval_t *some = weft__wasi2_case(ar, ok, WEFT_CVAL_OPTION, 1, true);
    weft_cval_t *ip = some ? weft__wasi2_case(ar, some, WEFT_CVAL_VARIANT,
                                              e[0] == AF_INET ? 0 : 1, true)
                           : NULL;
    if (!ip || !ip_out(ar, ip, e[0], e + 1)) return W2_OOM;
    return NULL;
}

W2_FN(resolve_subscribe)
{
    W2_UNUSED;
    weft__wasi2_obj_t *o = weft__wasi2_obj_get(W2, args[0].u.rep, W2_RESOLVE);
    if (!o) return weft__wasi2_trap(W2, "resolve-address-stream: unknown handle");
    int fd = weft__wasi2_lookup_fd(o);
    if (fd >= 0) return weft__wasi2_pollable(W2, W2_POLL_FD, fd, POLLIN, 0, res);
    return weft__wasi2_pollable(W2, W2_POLL_READY, -1, 0, 0, res);
}

static const char *const network_res[] = {"network", "error"};
static const weft__wasi2_fn_t network_fns[] = {
    {"network-error-code", network_error_code, NULL},
    {"[method]network.noop", network_noop, NULL},
};
static const char *const inet_res[] = {"network"};
static const weft__wasi2_fn_t inet_fns[] = {
    {"instance-network", instance_network, NULL},
};
static const char *const lookup_res[] = {"resolve-address-stream", "pollable", "network"};
static const weft__wasi2_fn_t lookup_fns[] = {
    {"resolve-addresses", resolve_addresses, NULL},
    {"[method]resolve-address-stream.resolve-next-address", resolve_next_address, NULL},
    {"[method]resolve-address-stream.subscribe", resolve_subscribe, NULL},
};

const weft__wasi2_iface_t weft__wasi2_net_ifaces[] = {
    {"wasi:sockets/network", network_res, 2, network_fns, 2},
    {"wasi:sockets/instance-network", inet_res, 1, inet_fns, 1},
    {"wasi:sockets/ip-name-lookup", lookup_res, 3, lookup_fns, 3},
};
const size_t weft__wasi2_net_nifaces = sizeof weft__wasi2_net_ifaces / sizeof *weft__wasi2_net_ifaces;
