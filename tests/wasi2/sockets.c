/* sockets.c - wasi:sockets 0.2 under `weft run` (tests/wasi2/run).
 *
 * wasi-libc's wasm32-wasip1 has no sockets, so this program calls the WASI 0.2 functions
 * directly through their canonical ABI core signatures (world tests/wasi2/sockets.wit, built
 * with `jco embed` and the preview 1 adapter); printf goes through the adapter. Everything
 * runs in one thread with non-blocking sockets and wasi:io/poll.
 *
 *   sockets echo   TCP echo on 127.0.0.1 (1 MiB through check-write / write / read with
 *                  poll, shutdown), the spec's error codes, UDP datagrams, name lookup
 *   sockets deny   what a guest without network permission gets
 *   sockets trap-write | trap-blocking   the two write preconditions of wasi:io/streams
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define IMPORT(mod, name) __attribute__((import_module(mod), import_name(name)))
#define NET "wasi:sockets/network@0.2.12"
#define INET "wasi:sockets/instance-network@0.2.12"
#define TCP "wasi:sockets/tcp@0.2.12"
#define TCPC "wasi:sockets/tcp-create-socket@0.2.12"
#define UDP "wasi:sockets/udp@0.2.12"
#define UDPC "wasi:sockets/udp-create-socket@0.2.12"
#define DNS "wasi:sockets/ip-name-lookup@0.2.12"
#define POLL "wasi:io/poll@0.2.12"
#define STREAMS "wasi:io/streams@0.2.12"

typedef int32_t h_t; /* a handle */

/* ip-socket-address flattened: case, then 11 i32 (the ipv6 case is the longest). */
#define ADDR_PARAMS int32_t, int32_t, int32_t, int32_t, int32_t, int32_t, int32_t, int32_t, \
                    int32_t, int32_t, int32_t, int32_t

IMPORT(INET, "instance-network") h_t instance_network(void);
IMPORT(TCPC, "create-tcp-socket") void create_tcp(int32_t fam, void *ret);
IMPORT(TCP, "[method]tcp-socket.start-bind") void tcp_start_bind(h_t, h_t, ADDR_PARAMS, void *);
IMPORT(TCP, "[method]tcp-socket.finish-bind") void tcp_finish_bind(h_t, void *);
IMPORT(TCP, "[method]tcp-socket.start-connect") void tcp_start_connect(h_t, h_t, ADDR_PARAMS, void *);
IMPORT(TCP, "[method]tcp-socket.finish-connect") void tcp_finish_connect(h_t, void *);
IMPORT(TCP, "[method]tcp-socket.start-listen") void tcp_start_listen(h_t, void *);
IMPORT(TCP, "[method]tcp-socket.finish-listen") void tcp_finish_listen(h_t, void *);
IMPORT(TCP, "[method]tcp-socket.accept") void tcp_accept(h_t, void *);
IMPORT(TCP, "[method]tcp-socket.local-address") void tcp_local_address(h_t, void *);
IMPORT(TCP, "[method]tcp-socket.remote-address") void tcp_remote_address(h_t, void *);
IMPORT(TCP, "[method]tcp-socket.is-listening") int32_t tcp_is_listening(h_t);
IMPORT(TCP, "[method]tcp-socket.set-listen-backlog-size") void tcp_set_backlog(h_t, int64_t, void *);
IMPORT(TCP, "[method]tcp-socket.set-keep-alive-enabled") void tcp_set_keepalive(h_t, int32_t, void *);
IMPORT(TCP, "[method]tcp-socket.keep-alive-enabled") void tcp_keepalive(h_t, void *);
IMPORT(TCP, "[method]tcp-socket.set-keep-alive-idle-time") void tcp_set_idle(h_t, int64_t, void *);
IMPORT(TCP, "[method]tcp-socket.keep-alive-idle-time") void tcp_idle(h_t, void *);
IMPORT(TCP, "[method]tcp-socket.set-hop-limit") void tcp_set_hop_limit(h_t, int32_t, void *);
IMPORT(TCP, "[method]tcp-socket.set-send-buffer-size") void tcp_set_sndbuf(h_t, int64_t, void *);
IMPORT(TCP, "[method]tcp-socket.set-receive-buffer-size") void tcp_set_rcvbuf(h_t, int64_t, void *);
IMPORT(TCP, "[method]tcp-socket.subscribe") h_t tcp_subscribe(h_t);
IMPORT(TCP, "[method]tcp-socket.shutdown") void tcp_shutdown(h_t, int32_t, void *);
IMPORT(TCP, "[resource-drop]tcp-socket") void tcp_drop(h_t);
IMPORT(UDPC, "create-udp-socket") void create_udp(int32_t fam, void *ret);
IMPORT(UDP, "[method]udp-socket.start-bind") void udp_start_bind(h_t, h_t, ADDR_PARAMS, void *);
IMPORT(UDP, "[method]udp-socket.finish-bind") void udp_finish_bind(h_t, void *);
IMPORT(UDP, "[method]udp-socket.local-address") void udp_local_address(h_t, void *);
IMPORT(UDP, "[method]udp-socket.stream") void udp_stream(h_t, int32_t, ADDR_PARAMS, void *);
IMPORT(UDP, "[method]incoming-datagram-stream.receive") void udp_receive(h_t, int64_t, void *);
IMPORT(UDP, "[method]incoming-datagram-stream.subscribe") h_t udp_in_subscribe(h_t);
IMPORT(UDP, "[method]outgoing-datagram-stream.check-send") void udp_check_send(h_t, void *);
IMPORT(UDP, "[method]outgoing-datagram-stream.send") void udp_send(h_t, void *, int32_t, void *);
IMPORT(DNS, "resolve-addresses") void resolve_addresses(h_t, const char *, int32_t, void *);
IMPORT(DNS, "[method]resolve-address-stream.resolve-next-address") void resolve_next(h_t, void *);
IMPORT(DNS, "[method]resolve-address-stream.subscribe") h_t resolve_subscribe(h_t);
IMPORT(POLL, "[method]pollable.block") void pollable_block(h_t);
IMPORT(POLL, "poll") void poll_list(const h_t *, int32_t, void *);
IMPORT(POLL, "[resource-drop]pollable") void pollable_drop(h_t);
IMPORT(STREAMS, "[method]input-stream.read") void in_read(h_t, int64_t, void *);
IMPORT(STREAMS, "[method]input-stream.blocking-read") void in_blocking_read(h_t, int64_t, void *);
IMPORT(STREAMS, "[method]input-stream.subscribe") h_t in_subscribe(h_t);
IMPORT(STREAMS, "[method]output-stream.check-write") void out_check_write(h_t, void *);
IMPORT(STREAMS, "[method]output-stream.write") void out_write(h_t, const void *, int32_t, void *);
IMPORT(STREAMS, "[method]output-stream.blocking-write-and-flush")
void out_blocking_write_and_flush(h_t, const void *, int32_t, void *);
IMPORT(STREAMS, "[method]output-stream.blocking-flush") void out_blocking_flush(h_t, void *);
IMPORT(STREAMS, "[method]output-stream.subscribe") h_t out_subscribe(h_t);
IMPORT(STREAMS, "[resource-drop]input-stream") void in_drop(h_t);
IMPORT(STREAMS, "[resource-drop]output-stream") void out_drop(h_t);

/* Lists the host returns are allocated here (canonical ABI realloc). wasm-ld wraps every
 * export of a command but _start in calls of the constructors and destructors; the
 * destructors flush stdio, a call out that the canonical ABI forbids during realloc, so main
 * makes stdout unbuffered. */
__attribute__((export_name("cabi_realloc"))) void *cabi_realloc(void *old, size_t old_size,
                                                               size_t align, size_t size)
{
    (void)old_size, (void)align;
    return realloc(old, size);
}

static const char *const CODES[] = {
    "unknown", "access-denied", "not-supported", "invalid-argument", "out-of-memory", "timeout",
    "concurrency-conflict", "not-in-progress", "would-block", "invalid-state",
    "new-socket-limit", "address-not-bindable", "address-in-use", "remote-unreachable",
    "connection-refused", "connection-reset", "connection-aborted", "datagram-too-large",
    "name-unresolvable", "temporary-resolver-failure", "permanent-resolver-failure",
};

static _Alignas(8) uint8_t ret[64];
static int failures;

/* "ok" or the error-code of a result<_, error-code> / result<T, error-code> in ret. */
static const char *outcome(void)
{
    if (ret[0] == 0) return "ok";
    return ret[1] < 21 ? CODES[ret[1]] : "?";
}
/* The error-code of result<T, error-code> whose payload is 4-aligned. */
static const char *outcome4(void)
{
    if (ret[0] == 0) return "ok";
    return ret[4] < 21 ? CODES[ret[4]] : "?";
}
static int32_t i32_at(int off)
{
    int32_t v;
    memcpy(&v, ret + off, 4);
    return v;
}

/* Folds the bytes of the list<u8> a read just returned (ret: pointer at 4, length at 8) into
 * *sum, frees them and returns their count. */
static size_t absorb_read(uint32_t *sum)
{
    uint8_t *p = (uint8_t *)(uintptr_t)i32_at(4);
    size_t k = (size_t)i32_at(8);
    for (size_t i = 0; i < k; i++) *sum = *sum * 31 + p[i];
    free(p);
    return k;
}
static uint64_t u64_at(int off)
{
    uint64_t v;
    memcpy(&v, ret + off, 8);
    return v;
}

static void expect(const char *what, const char *got, const char *want)
{
    printf("%s: %s\n", what, got);
    if (strcmp(got, want) != 0) {
        printf("  ^ expected %s\n", want);
        failures++;
    }
}

/* An ipv4 ip-socket-address, flattened. */
#define V4(a, b, c, d, port) 0, port, a, b, c, d, 0, 0, 0, 0, 0, 0
/* An ipv6 one ([::1]). */
#define V6_LOOPBACK(port) 1, port, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0

static h_t tcp_new(void)
{
    create_tcp(0, ret);
    if (ret[0] != 0) {
        printf("create-tcp-socket: %s\n", outcome4());
        exit(1);
    }
    return i32_at(4);
}

/* Waits for the pollable and drops it. */
static void wait_on(h_t p)
{
    pollable_block(p);
    pollable_drop(p);
}

/* The port of the ipv4 address in a result<ip-socket-address, error-code> in ret. */
static int port_of_result(void)
{
    uint16_t port;
    memcpy(&port, ret + 8, 2);
    return port;
}

static int tcp_port(h_t s)
{
    tcp_local_address(s, ret);
    return ret[0] == 0 && ret[4] == 0 ? port_of_result() : -1;
}

/* Reads until `len` bytes came or the stream ended; returns the count. */
static size_t read_all(h_t in, uint8_t *buf, size_t len)
{
    size_t got = 0;
    while (got < len) {
        in_blocking_read(in, (int64_t)(len - got), ret);
        if (ret[0] != 0) break;
        uint8_t *p = (uint8_t *)(uintptr_t)i32_at(4);
        size_t n = (size_t)i32_at(8);
        memcpy(buf + got, p, n);
        free(p);
        got += n;
    }
    return got;
}

/* shutdown(send) while the output stream holds back bytes the socket could not take: the
 * peer is this same program, which reads only after the shutdown, so a shutdown that waited
 * for the bytes to go out would never return. Small socket buffers on both sides make one
 * write of 64 KiB more than the connection takes at once. The bytes still arrive, then the
 * end of the stream, after the stream and the socket were dropped. */
static void held_back_shutdown(h_t net)
{
    h_t s = tcp_new();
    tcp_set_rcvbuf(s, 4096, ret);
    tcp_start_bind(s, net, V4(127, 0, 0, 1, 0), ret);
    tcp_finish_bind(s, ret);
    tcp_start_listen(s, ret);
    tcp_finish_listen(s, ret);
    int port = tcp_port(s);
    h_t c = tcp_new();
    tcp_set_sndbuf(c, 4096, ret);
    tcp_start_connect(c, net, V4(127, 0, 0, 1, port), ret);
    wait_on(tcp_subscribe(c));
    tcp_finish_connect(c, ret);
    h_t cin = i32_at(4), cout = i32_at(8);
    wait_on(tcp_subscribe(s));
    tcp_accept(s, ret);
    h_t a = i32_at(4), ain = i32_at(8), aout = i32_at(12);
    enum { SIZE = 65536 };
    uint8_t *chunk = malloc(SIZE);
    uint32_t sum_out = 0, sum_in = 0;
    for (size_t i = 0; i < SIZE; i++) {
        chunk[i] = (uint8_t)(i * 13 + 5);
        sum_out = sum_out * 31 + chunk[i];
    }
    out_check_write(cout, ret);
    size_t sent = ret[0] == 0 && u64_at(8) >= SIZE ? SIZE : 0;
    if (sent) out_write(cout, chunk, SIZE, ret);
    expect("write of 64 KiB", sent && ret[0] == 0 ? "ok" : "not permitted", "ok");
    free(chunk);
    tcp_shutdown(c, 1, ret);
    expect("shutdown send with bytes held back", outcome(), "ok");
    out_drop(cout);
    in_drop(cin);
    tcp_drop(c);
    size_t recvd = 0;
    for (;;) {
        in_blocking_read(ain, 65536, ret);
        if (ret[0] != 0) break;
        size_t k = absorb_read(&sum_in);
        recvd += k;
    }
    expect("held-back bytes arrive, then the end",
           recvd == sent && sum_in == sum_out && ret[4] == 1 ? "yes" : "no", "yes");
    in_drop(ain);
    out_drop(aout);
    tcp_drop(a);
    tcp_drop(s);
}

static void echo(h_t net)
{
    /* Errors before any connection. */
    h_t s = tcp_new();
    tcp_finish_bind(s, ret);
    expect("finish-bind without start-bind", outcome(), "not-in-progress");
    tcp_start_listen(s, ret);
    expect("start-listen unbound", outcome(), "invalid-state");
    tcp_local_address(s, ret);
    expect("local-address unbound", outcome4(), "invalid-state");
    tcp_start_connect(s, net, V4(0, 0, 0, 0, 80), ret);
    expect("connect to 0.0.0.0", outcome(), "invalid-argument");
    tcp_start_connect(s, net, V4(127, 0, 0, 1, 0), ret);
    expect("connect to port 0", outcome(), "invalid-argument");
    tcp_start_connect(s, net, V6_LOOPBACK(80), ret);
    expect("ipv6 address on an ipv4 socket", outcome(), "invalid-argument");
    tcp_set_backlog(s, 0, ret);
    expect("set-listen-backlog-size 0", outcome(), "invalid-argument");
    tcp_shutdown(s, 2, ret);
    expect("shutdown unconnected", outcome(), "invalid-state");
    tcp_set_keepalive(s, 1, ret);
    expect("set-keep-alive-enabled", outcome(), "ok");
    tcp_keepalive(s, ret);
    expect("keep-alive-enabled", ret[0] == 0 && ret[1] == 1 ? "true" : "false", "true");
    tcp_set_idle(s, 1500000000, ret); /* 1.5 s: rounds up to 2 s */
    tcp_idle(s, ret);
    expect("keep-alive-idle-time 1.5 s", u64_at(8) == 2000000000u ? "2 s" : "other", "2 s");
    tcp_set_hop_limit(s, 0, ret);
    expect("set-hop-limit 0", outcome(), "invalid-argument");

    /* A listener on an ephemeral port. */
    tcp_start_bind(s, net, V4(127, 0, 0, 1, 0), ret);
    expect("start-bind 127.0.0.1:0", outcome(), "ok");
    tcp_start_bind(s, net, V4(127, 0, 0, 1, 0), ret);
    expect("second start-bind", outcome(), "concurrency-conflict");
    tcp_finish_bind(s, ret);
    expect("finish-bind", outcome(), "ok");
    tcp_start_bind(s, net, V4(127, 0, 0, 1, 0), ret);
    expect("bind when bound", outcome(), "invalid-state");
    tcp_start_listen(s, ret);
    tcp_finish_listen(s, ret);
    expect("listen", outcome(), "ok");
    expect("is-listening", tcp_is_listening(s) ? "true" : "false", "true");
    int port = tcp_port(s);
    expect("local port assigned", port > 0 ? "yes" : "no", "yes");
    tcp_accept(s, ret);
    expect("accept with nobody connecting", outcome4(), "would-block");
    tcp_remote_address(s, ret);
    expect("remote-address of a listener", outcome4(), "invalid-state");

    /* A client connects; the listener's pollable wakes up for it. */
    h_t c = tcp_new();
    tcp_finish_connect(c, ret);
    expect("finish-connect before start", outcome4(), "not-in-progress");
    tcp_start_connect(c, net, V4(127, 0, 0, 1, port), ret);
    expect("start-connect", outcome(), "ok");
    wait_on(tcp_subscribe(c));
    tcp_finish_connect(c, ret);
    expect("finish-connect", outcome4(), "ok");
    h_t cin = i32_at(4), cout = i32_at(8);
    tcp_remote_address(c, ret);
    expect("remote-address = the listener's", port_of_result() == port ? "yes" : "no", "yes");
    wait_on(tcp_subscribe(s));
    tcp_accept(s, ret);
    expect("accept", outcome4(), "ok");
    h_t a = i32_at(4), ain = i32_at(8), aout = i32_at(12);

    /* Echo: client -> server -> client. */
    const char msg[] = "hello over wasi:sockets";
    out_blocking_write_and_flush(cout, msg, sizeof msg - 1, ret);
    expect("client write", ret[0] == 0 ? "ok" : "error", "ok");
    uint8_t buf[64];
    size_t n = read_all(ain, buf, sizeof msg - 1);
    out_blocking_write_and_flush(aout, buf, (int32_t)n, ret);
    n = read_all(cin, buf, sizeof msg - 1);
    buf[n] = 0;
    expect("echoed", (const char *)buf, msg);

    /* 1 MiB one way with check-write / write / non-blocking read and poll: the host holds
     * back what the socket cannot take and check-write permits nothing until it went. */
    enum { TOTAL = 1 << 20 };
    uint8_t *chunk = malloc(65536);
    size_t sent = 0, recvd = 0;
    uint32_t sum_out = 0, sum_in = 0;
    while (recvd < TOTAL) {
        int progress = 0;
        if (sent < TOTAL) {
            out_check_write(cout, ret);
            uint64_t permit = ret[0] == 0 ? u64_at(8) : 0;
            if (permit) {
                size_t k = TOTAL - sent;
                if (k > permit) k = (size_t)permit;
                if (k > 65536) k = 65536;
                for (size_t i = 0; i < k; i++) {
                    chunk[i] = (uint8_t)((sent + i) * 7 + 3);
                    sum_out = sum_out * 31 + chunk[i];
                }
                out_write(cout, chunk, (int32_t)k, ret);
                if (ret[0] != 0) break;
                sent += k;
                progress = 1;
                if (sent == TOTAL) {
                    out_blocking_flush(cout, ret);
                    tcp_shutdown(c, 1, ret); /* send */
                    expect("shutdown send", outcome(), "ok");
                }
            }
        }
        in_read(ain, 65536, ret);
        if (ret[0] != 0) break;
        size_t k = absorb_read(&sum_in);
        recvd += k;
        if (k) progress = 1;
        if (!progress) {
            h_t ps[2] = {in_subscribe(ain), out_subscribe(cout)};
            poll_list(ps, sent < TOTAL ? 2 : 1, ret);
            free((void *)(uintptr_t)i32_at(0));
            pollable_drop(ps[0]);
            pollable_drop(ps[1]);
        }
    }
    free(chunk);
    printf("1 MiB through the socket: %s\n",
           recvd == TOTAL && sum_in == sum_out ? "received intact" : "CORRUPTED");
    if (recvd != TOTAL || sum_in != sum_out) failures++;
    in_read(ain, 10, ret);
    expect("read after the peer's shutdown", ret[0] == 1 && ret[4] == 1 ? "closed" : "other",
           "closed");

    /* The socket may go before its streams; they keep working until dropped. */
    tcp_drop(a);
    out_blocking_write_and_flush(aout, "bye", 3, ret);
    n = read_all(cin, buf, 3);
    buf[n] = 0;
    expect("stream outlives its dropped socket", (const char *)buf, "bye");
    in_drop(ain);
    out_drop(aout);
    in_drop(cin);
    out_drop(cout);
    tcp_drop(c);

    held_back_shutdown(net);

    /* A refused connection: the listener goes, its port is closed. */
    tcp_drop(s);
    h_t r = tcp_new();
    tcp_start_connect(r, net, V4(127, 0, 0, 1, port), ret);
    if (ret[0] == 0) {
        wait_on(tcp_subscribe(r));
        tcp_finish_connect(r, ret);
        expect("connect to a closed port", outcome4(), "connection-refused");
    } else {
        expect("connect to a closed port", outcome(), "connection-refused");
    }
    tcp_finish_connect(r, ret);
    expect("finish-connect again", outcome4(), "not-in-progress");
    tcp_drop(r);

    /* UDP: two bound sockets, one datagram. */
    create_udp(0, ret);
    h_t u1 = i32_at(4);
    create_udp(0, ret);
    h_t u2 = i32_at(4);
    udp_stream(u1, 0, V4(0, 0, 0, 0, 0), ret);
    expect("udp stream unbound", outcome4(), "invalid-state");
    udp_start_bind(u1, net, V4(127, 0, 0, 1, 0), ret);
    udp_finish_bind(u1, ret);
    expect("udp bind", outcome(), "ok");
    udp_start_bind(u2, net, V4(127, 0, 0, 1, 0), ret);
    udp_finish_bind(u2, ret);
    udp_local_address(u2, ret);
    int p2 = port_of_result();
    udp_local_address(u1, ret);
    int p1 = port_of_result();
    udp_stream(u1, 0, V4(0, 0, 0, 0, 0), ret);
    h_t in1 = i32_at(4), out1 = i32_at(8);
    udp_stream(u2, 0, V4(0, 0, 0, 0, 0), ret);
    h_t in2 = i32_at(4), out2 = i32_at(8);
    /* outgoing-datagram { data: list<u8>, remote-address: option<ip-socket-address> } */
    _Alignas(4) uint8_t dg[44];
    memset(dg, 0, sizeof dg);
    static const char payload[] = "datagram!";
    int32_t dp = (int32_t)(uintptr_t)payload, dl = (int32_t)(sizeof payload - 1);
    memcpy(dg, &dp, 4);
    memcpy(dg + 4, &dl, 4);
    dg[8] = 1;  /* some */
    dg[12] = 0; /* ipv4 */
    uint16_t port16 = (uint16_t)p2;
    memcpy(dg + 16, &port16, 2);
    dg[18] = 127, dg[21] = 1;
    udp_check_send(out1, ret);
    expect("check-send", ret[0] == 0 && u64_at(8) > 0 ? "permits" : "nothing", "permits");
    udp_send(out1, dg, 1, ret);
    expect("send", ret[0] == 0 && u64_at(8) == 1 ? "1 datagram" : "failed", "1 datagram");
    wait_on(udp_in_subscribe(in2));
    udp_receive(in2, 10, ret);
    int ok = ret[0] == 0 && i32_at(8) == 1;
    if (ok) {
        uint8_t *d = (uint8_t *)(uintptr_t)i32_at(4); /* incoming-datagram[0] */
        int32_t ptr, len;
        uint16_t from;
        memcpy(&ptr, d, 4);
        memcpy(&len, d + 4, 4);
        memcpy(&from, d + 12, 2);
        ok = len == dl && memcmp((void *)(uintptr_t)ptr, payload, (size_t)len) == 0 &&
             from == p1 && d[8] == 0;
    }
    expect("udp datagram received from the sender", ok ? "yes" : "no", "yes");
    dg[8] = 0; /* no address on an unconnected stream */
    udp_check_send(out1, ret);
    udp_send(out1, dg, 1, ret);
    /* result<u64, error-code>: the payload is 8-aligned */
    expect("send without address, unconnected",
           ret[0] == 1 && ret[8] < 21 ? CODES[ret[8]] : "ok", "invalid-argument");
    (void)in1, (void)out2;

    /* Name lookup (allowed in this run). */
    resolve_addresses(net, "localhost", 9, ret);
    expect("resolve-addresses localhost", outcome4(), "ok");
    if (ret[0] == 0) {
        h_t rs = i32_at(4);
        int loopback = 0, count = 0;
        for (;;) {
            resolve_next(rs, ret);
            if (ret[0] != 0 && ret[2] == 8) {
                /* would-block: the name is being resolved; wait on the stream's pollable */
                h_t p = resolve_subscribe(rs);
                pollable_block(p);
                pollable_drop(p);
                continue;
            }
            if (ret[0] != 0 || ret[2] == 0) break;
            count++;
            if (ret[4] == 0 && ret[6] == 127) loopback = 1;
            if (ret[4] == 1) {
                uint16_t last;
                memcpy(&last, ret + 6 + 14, 2);
                if (last == 1) loopback = 1;
            }
        }
        expect("localhost is a loopback address", count && loopback ? "yes" : "no", "yes");
    }
    resolve_addresses(net, "not a name!", 11, ret);
    expect("resolve-addresses of a bad name", outcome4(), "invalid-argument");
}

static void deny(h_t net)
{
    h_t s = tcp_new();
    tcp_start_bind(s, net, V4(127, 0, 0, 1, 0), ret);
    expect("bind without permission", outcome(), "access-denied");
    tcp_start_connect(s, net, V4(127, 0, 0, 1, 9), ret);
    expect("connect without permission", outcome(), "access-denied");
    tcp_drop(s);
    create_udp(0, ret);
    h_t u = i32_at(4);
    udp_start_bind(u, net, V4(127, 0, 0, 1, 0), ret);
    expect("udp bind without permission", outcome(), "access-denied");
    resolve_addresses(net, "localhost", 9, ret);
    expect("name lookup without permission", outcome4(), "access-denied");
}

static void trap_write(h_t net, int blocking)
{
    h_t s = tcp_new();
    tcp_start_bind(s, net, V4(127, 0, 0, 1, 0), ret);
    tcp_finish_bind(s, ret);
    tcp_start_listen(s, ret);
    tcp_finish_listen(s, ret);
    int port = tcp_port(s);
    h_t c = tcp_new();
    tcp_start_connect(c, net, V4(127, 0, 0, 1, port), ret);
    wait_on(tcp_subscribe(c));
    tcp_finish_connect(c, ret);
    h_t cout = i32_at(8);
    static uint8_t big[5000];
    printf("before the bad write\n");
    fflush(stdout);
    if (blocking) {
        out_blocking_write_and_flush(cout, big, 4096, ret); /* the limit: fine */
        out_blocking_write_and_flush(cout, big, 4097, ret);
    } else {
        out_write(cout, big, 10, ret); /* no check-write: permits nothing */
    }
    printf("not reached\n");
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "echo";
    setvbuf(stdout, NULL, _IONBF, 0);
    h_t net = instance_network();
    if (!strcmp(mode, "echo")) echo(net);
    else if (!strcmp(mode, "deny")) deny(net);
    else if (!strcmp(mode, "trap-write")) trap_write(net, 0);
    else if (!strcmp(mode, "trap-blocking")) trap_write(net, 1);
    printf("%d failures\n", failures);
    return failures != 0;
}
