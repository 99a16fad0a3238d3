/* wasi2_impl.h - internals of the WASI 0.2 host (src/wasi/p2/).
 *
 * The interfaces follow the WIT definitions of WebAssembly/WASI 0.2.x (wasi:cli, wasi:io,
 * wasi:clocks, wasi:random, wasi:filesystem, wasi:sockets). Every host function takes and returns component
 * values (weft_cval_t); the canonical ABI is done by the component layer.
 *
 * Resources: every object the host hands to a guest (streams, pollables, descriptors, ...)
 * lives in one table of the context; its representation (`rep`) is its slot index + 1. The
 * guest's handle tables map handles to reps; when the guest drops an own handle, the resource
 * type's destructor frees the slot (weft__wasi2_obj_drop). */
#ifndef WEFT_WASI2_IMPL_H
#define WEFT_WASI2_IMPL_H

#include <dirent.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <stdbool.h>
#include <stdint.h>

#include "util/alloc.h"
#include "util/error.h"
#include "wasi/wasi_impl.h"
#include "weft.h"

/* The kinds of host objects. */
enum {
    W2_FREE = 0,
    W2_ERROR,       /* wasi:io/error.error */
    W2_POLLABLE,    /* wasi:io/poll.pollable */
    W2_INPUT,       /* wasi:io/streams.input-stream */
    W2_OUTPUT,      /* wasi:io/streams.output-stream */
    W2_DESCRIPTOR,  /* wasi:filesystem/types.descriptor */
    W2_DIRSTREAM,   /* wasi:filesystem/types.directory-entry-stream */
    W2_TERM_IN,     /* wasi:cli/terminal-input.terminal-input */
    W2_TERM_OUT,    /* wasi:cli/terminal-output.terminal-output */
    W2_NETWORK,     /* wasi:sockets/network.network */
    W2_TCP,         /* wasi:sockets/tcp.tcp-socket */
    W2_UDP,         /* wasi:sockets/udp.udp-socket */
    W2_UDP_IN,      /* wasi:sockets/udp.incoming-datagram-stream */
    W2_UDP_OUT,     /* wasi:sockets/udp.outgoing-datagram-stream */
    W2_RESOLVE,     /* wasi:sockets/ip-name-lookup.resolve-address-stream */
};

/* Sources of input streams, sinks of output streams, kinds of pollables. */
enum { W2_SRC_FD, W2_SRC_BUF, W2_SRC_FILE, W2_SRC_SOCK };
enum { W2_SINK_FD, W2_SINK_BUF, W2_SINK_FILE, W2_SINK_APPEND, W2_SINK_SOCK };
/* W2_POLL_SOCK: readiness of the tcp-socket `link` in its current state (wasi2_tcp.c). */
enum { W2_POLL_READY, W2_POLL_TIMER, W2_POLL_FD, W2_POLL_SOCK };

/* descriptor-flags bits (wasi:filesystem/types, in declaration order). */
enum {
    W2_DF_READ = 1,
    W2_DF_WRITE = 2,
    W2_DF_FILE_SYNC = 4,
    W2_DF_DATA_SYNC = 8,
    W2_DF_REQ_SYNC = 16,
    W2_DF_MUTATE_DIR = 32,
};

/* descriptor-type cases. */
enum {
    W2_DT_UNKNOWN = 0,
    W2_DT_BLOCK,
    W2_DT_CHAR,
    W2_DT_DIRECTORY,
    W2_DT_FIFO,
    W2_DT_SYMLINK,
    W2_DT_REGULAR,
    W2_DT_SOCKET,
};

/* error-code cases (wasi:filesystem/types). */
enum {
    W2_E_ACCESS = 0, W2_E_WOULD_BLOCK, W2_E_ALREADY, W2_E_BAD_DESCRIPTOR, W2_E_BUSY,
    W2_E_DEADLOCK, W2_E_QUOTA, W2_E_EXIST, W2_E_FILE_TOO_LARGE, W2_E_ILLEGAL_BYTE_SEQUENCE,
    W2_E_IN_PROGRESS, W2_E_INTERRUPTED, W2_E_INVALID, W2_E_IO, W2_E_IS_DIRECTORY, W2_E_LOOP,
    W2_E_TOO_MANY_LINKS, W2_E_MESSAGE_SIZE, W2_E_NAME_TOO_LONG, W2_E_NO_DEVICE, W2_E_NO_ENTRY,
    W2_E_NO_LOCK, W2_E_INSUFFICIENT_MEMORY, W2_E_INSUFFICIENT_SPACE, W2_E_NOT_DIRECTORY,
    W2_E_NOT_EMPTY, W2_E_NOT_RECOVERABLE, W2_E_UNSUPPORTED, W2_E_NO_TTY, W2_E_NO_SUCH_DEVICE,
    W2_E_OVERFLOW, W2_E_NOT_PERMITTED, W2_E_PIPE, W2_E_READ_ONLY, W2_E_INVALID_SEEK,
    W2_E_TEXT_FILE_BUSY, W2_E_CROSS_DEVICE,
};

typedef struct weft__wasi2_obj {
    uint8_t kind;
    uint8_t sub;       /* source / sink / pollable kind */
    uint8_t code;      /* error: its error-code */
    uint8_t dtype;     /* descriptor: descriptor-type */
    uint8_t dflags;    /* descriptor: descriptor-flags */
    bool closed;       /* input: end of stream reached; output: the sink failed for good */
    bool owned;        /* close `fd` when the object is freed */
    short events;      /* pollable on a descriptor: POLLIN or POLLOUT */
    int fd;            /* host descriptor, -1 when none */
    int err;           /* error: the host errno */
    int which;         /* stdio buffer streams: 0 stdin, 1 stdout, 2 stderr */
    uint64_t pos;      /* file offset or buffer position */
    uint64_t deadline; /* timer pollable: monotonic nanoseconds */
    DIR *dir;          /* directory-entry-stream */
    /* Sockets. A socket's streams and pollables share its descriptor: they name it in `link`
     * and count in its `refs`, and a socket dropped while they live stays open (`orphan`)
     * until the last of them goes. */
    uint32_t link;     /* the socket object this one depends on, 0 when none */
    uint32_t refs;     /* socket: live objects linking to it */
    bool orphan;       /* socket: dropped by the guest, kept for its streams; tcp sink:
                        * dropped while its drain runs, freed when it ends */
    uint8_t state;     /* socket: W2_TCP_* / W2_UDP_* state */
    uint8_t family;    /* socket: ip-address-family (0 ipv4, 1 ipv6) */
    uint8_t pend_code; /* tcp: the sockets error-code of a finished connect, 0xFF none */
    /* Output streams on a descriptor or socket: bytes a write accepted that the descriptor
     * could not take without blocking, held back until it can (mem_pos: the first not sent);
     * resolve: addresses. */
    uint8_t *mem;
    size_t mem_len, mem_cap, mem_pos;
    uint32_t backlog;  /* tcp: listen backlog */
    uint64_t permit;   /* output stream: bytes the last check-write allowed, not yet written */
    struct weft__wasi2_lookup *lookup; /* resolve: the resolution in progress (wasi2_lookup.c) */
    /* tcp sink: a shutdown(send) waiting for the held-back bytes to go out (wasi2_streams.c). */
    struct weft__wasi2_drain *drain;
} weft__wasi2_obj_t;

/* A --allow-tcp / --allow-udp rule (weft_wasi2_allow_tcp). */
typedef struct weft__wasi2_rule {
    uint8_t proto;     /* W2_NET_TCP or W2_NET_UDP */
    uint8_t family;    /* 0 ipv4, 1 ipv6, 2 any address of both */
    bool any_port;
    uint16_t port;
    uint8_t addr[16];  /* ipv4 in the first 4 bytes */
} weft__wasi2_rule_t;
enum { W2_NET_TCP = 1, W2_NET_UDP = 2 };

typedef struct weft__wasi2_preopen {
    int fd;
    char *guest;
    size_t guest_len;
    bool read_only;
} weft__wasi2_preopen_t;

struct weft_wasi2 {
    weft_alloc_t alloc;
    /* The preview 1 path resolver (wasi_path.c) is reused for every path; of this context it
     * only uses the allocator. */
    weft_wasi_t p1;
    char **args;
    size_t nargs;
    char **env; /* pairs: key, value, key, value, ... */
    size_t nenv; /* pairs */
    size_t env_cap; /* pointers */
    weft__wasi2_preopen_t *pre;
    size_t npre, pre_cap;
    int stdio_fd[3];          /* host descriptors of stdin, stdout, stderr (not owned) */
    bool stdio_buf[3];        /* the stream is a memory buffer instead */
    uint8_t *buf[3];          /* stdin: the input bytes; stdout/stderr: captured output */
    size_t buf_len[3], buf_cap[3];
    size_t in_pos;            /* stdin buffer: bytes consumed (shared by every stdin stream) */
    weft__wasi2_obj_t *objs;
    size_t nobjs, objs_cap;
    uint64_t seed[2];
    weft__wasi2_rule_t *rules;  /* network policy: what sockets may bind and reach */
    size_t nrules, rules_cap;
    bool allow_lookup;          /* ip-name-lookup permitted */
    struct weft__wasi2_wait *waits; /* calls waiting on the store's loop (wasi2_wait.c) */
};

/* --- objects (wasi2_ctx.c) ------------------------------------------------------------------ */

/* A new object of `kind` (fields zeroed, fd -1); *rep receives its representation. NULL when
 * allocation fails. The pointer is valid until the next allocation of an object. */
weft__wasi2_obj_t *weft__wasi2_obj_new(weft_wasi2_t *w, uint8_t kind, uint32_t *rep);
/* The live object `rep` of `kind`, or NULL. */
weft__wasi2_obj_t *weft__wasi2_obj_get(weft_wasi2_t *w, uint32_t rep, uint8_t kind);
/* Frees the object `rep` (closing what it owns). Resource destructor of every WASI type. */
void weft__wasi2_obj_drop(void *env, uint32_t rep);

/* --- values (wasi2_val.c) ------------------------------------------------------------------- */

/* The trap of a host function that received a handle it did not make, or similar misuse. */
weft_error_t *weft__wasi2_trap(weft_wasi2_t *w, const char *why);
/* Sets *v to a variant-like value (variant, option, result, enum) of case `index`; with
 * `payload` returns the new payload node, else v. NULL when allocation fails. */
weft_cval_t *weft__wasi2_case(weft_cval_arena_t *ar, weft_cval_t *v, uint8_t kind,
                              uint32_t index, bool payload);
/* Sets *v to an aggregate of `kind` with n zeroed items and returns them (v itself when n is
 * 0); NULL when allocation fails. */
weft_cval_t *weft__wasi2_agg(weft_cval_arena_t *ar, weft_cval_t *v, uint8_t kind, uint32_t n);
void weft__wasi2_u64(weft_cval_t *v, uint64_t x);
void weft__wasi2_u32(weft_cval_t *v, uint32_t x);
void weft__wasi2_bool(weft_cval_t *v, bool b);
void weft__wasi2_own(weft_cval_t *v, uint32_t rep);
void weft__wasi2_enum(weft_cval_t *v, uint32_t index);
/* A list<u8> of a copy of the bytes. False when allocation fails. */
bool weft__wasi2_bytes(weft_cval_arena_t *ar, weft_cval_t *v, const uint8_t *p, size_t n);
/* The bytes of a list<u8> argument, copied into a buffer from w's allocator (free with
 * weft__free(&w->alloc, *p, *n + 1)). NULL error on success. */
weft_error_t *weft__wasi2_list_bytes(weft_wasi2_t *w, const weft_cval_t *list, uint8_t **p,
                                     size_t *n);
/* The string argument `v` as a NUL-free UTF-8 byte range allocated in `ar`. */
bool weft__wasi2_str(weft_cval_arena_t *ar, const weft_cval_t *v, const char **s, size_t *n);
/* result<_, error-code>: ok when code < 0. False when allocation fails. */
bool weft__wasi2_result_code(weft_cval_arena_t *ar, weft_cval_t *v, int code);
/* Sets *v to result::err(error-code). False when allocation fails. */
bool weft__wasi2_err_code(weft_cval_arena_t *ar, weft_cval_t *v, int code);
/* error-code of a host errno, and of a preview 1 errno (the path resolver's). */
int weft__wasi2_code_of_errno(int host_errno);
int weft__wasi2_code_of_p1(int p1_errno);
/* descriptor-type of a host st_mode. */
uint8_t weft__wasi2_dtype(unsigned mode);

/* --- streams and pollables (wasi2_streams.c, wasi2_poll.c) --------------------------------- */

/* A new input / output stream on stdio `which` (0..2); *rep receives it. Errno-style 0 or an
 * error. */
weft_error_t *weft__wasi2_stdio_stream(weft_wasi2_t *w, int which, uint32_t *rep);
/* Makes result::err(stream-error::last-operation-failed(error)) for host errno `e`, or
 * stream-error::closed when e is 0. */
weft_error_t *weft__wasi2_stream_err(weft_wasi2_t *w, weft_cval_arena_t *ar, weft_cval_t *v,
                                     int e);
/* A new pollable: ready at once, a timer, or readiness of a host descriptor. */
weft_error_t *weft__wasi2_pollable(weft_wasi2_t *w, uint8_t sub, int fd, short events,
                                   uint64_t deadline, weft_cval_t *out);
uint64_t weft__wasi2_now(void);

/* --- waiting on the store's loop (wasi2_wait.c) -------------------------------------------- */

/* A call of a WASI function that waits: an async host call that completes when its attempt
 * succeeds. An attempt either finishes (*done: `res` holds the result, built in `ar`) or
 * registers what it waits for (weft__wasi2_wait_fd / _until) and is made again when one of
 * those is ready. Nothing blocks the thread: the store's loop sleeps meanwhile. */
typedef struct weft__wasi2_wait weft__wasi2_wait_t;
typedef weft_error_t *(*weft__wasi2_try_fn)(weft__wasi2_wait_t *wt, weft_wasi2_t *w,
                                            const weft_cval_t *args, weft_cval_t *res,
                                            weft_cval_arena_t *ar, bool *done);
struct weft__wasi2_wait {
    weft_wasi2_t *w;
    weft_store_t *store;
    weft_async_handle_t call;
    const weft_cval_t *args;      /* live until the call completes (weft.h) */
    weft__wasi2_try_fn fn;
    size_t nres;
    uint64_t phase;               /* for the attempt's own use */
    struct weft__wasi2_reg *regs; /* watchers and timers registered by the last attempt */
    size_t nregs, regs_cap;
    struct weft__wasi2_wait *prev, *next; /* in the context's list of pending waits */
};
/* Runs fn for async host call `call` now, and again whenever what it waits for is ready,
 * until it finishes (the entry of every WASI function that waits). */
weft_error_t *weft__wasi2_async(weft_wasi2_t *w, weft_store_t *store, const weft_cval_t *args,
                                weft_async_handle_t call, size_t nres, weft__wasi2_try_fn fn);
/* The attempt waits for host descriptor fd to have one of `events` (POLLIN / POLLOUT). */
weft_error_t *weft__wasi2_wait_fd(weft__wasi2_wait_t *wt, int fd, short events);
/* The attempt waits for the monotonic clock to reach `deadline`. */
weft_error_t *weft__wasi2_wait_until(weft__wasi2_wait_t *wt, uint64_t deadline);
/* Frees the pending waits of the context (weft_wasi2_delete). */
void weft__wasi2_waits_free(weft_wasi2_t *w);
/* Whether host descriptor fd is ready for `events` now (or has an error to report). */
bool weft__wasi2_fd_ready(int fd, short events);

/* --- sockets (wasi2_net.c, wasi2_tcp.c, wasi2_udp.c) -------------------------------------- */

/* The events a tcp-socket pollable waits for now (POLLIN / POLLOUT), or 0 when it is ready. */
short weft__wasi2_tcp_events(weft_wasi2_t *w, uint32_t sock_rep, int *fd);
/* Releases one reference to socket `rep` (its stream or pollable went away). */
void weft__wasi2_unlink(weft_wasi2_t *w, uint32_t rep);
/* Links object `rep` to socket `sock` (counted in its refs). */
void weft__wasi2_link_to(weft_wasi2_t *w, uint32_t rep, uint32_t sock);
/* A new input (W2_INPUT) or output (W2_OUTPUT) stream over the connected socket `sock`. */
weft_error_t *weft__wasi2_sock_stream(weft_wasi2_t *w, uint8_t kind, uint32_t sock, int fd,
                                      uint32_t *rep);
/* Sends what a descriptor or socket sink holds back, as much as it takes without blocking;
 * 0 (o->mem_len tells whether some is left) or an errno (the sink is then closed). */
int weft__wasi2_sink_flush(weft_wasi2_t *w, weft__wasi2_obj_t *o);
/* tcp shutdown(send) of the socket of sink o (connected socket fd, `how` SHUT_WR or
 * SHUT_RDWR): at once when nothing is held back, else SHUT_RD now (for SHUT_RDWR) and SHUT_WR
 * once the held-back bytes went out, flushed from the store's loop. The sink is closed to
 * further writes either way. 0 or an errno. */
int weft__wasi2_sink_shutdown(weft_wasi2_t *w, weft_store_t *store, weft__wasi2_obj_t *o,
                              int how);
/* Lets go of the drain of sink o (its object is freed; shuts the socket down at once). */
void weft__wasi2_drain_drop(weft_wasi2_t *w, weft__wasi2_obj_t *o, bool cancel);
/* sockets error-code of a host errno. */
int weft__wasi2_net_code(int host_errno);
/* An ip-socket-address value as a host address of the socket's family. Returns -1 on success,
 * or the error-code: invalid-argument when the family differs or an ipv6 socket is given an
 * IPv4-mapped address (sockets 0.2: IPv4 traffic on IPv6 sockets is not supported). */
int weft__wasi2_addr_in(const weft_cval_t *v, uint8_t family, struct sockaddr_storage *ss,
                        socklen_t *len);
/* Sets *v to the ip-socket-address of a host address. False when allocation fails. */
bool weft__wasi2_addr_out(weft_cval_arena_t *ar, weft_cval_t *v, const struct sockaddr *sa);
/* True if the network policy lets sockets of `proto` bind or reach `sa`. */
bool weft__wasi2_allowed(const weft_wasi2_t *w, uint8_t proto, const struct sockaddr *sa);
/* True when the address is the unspecified one (0.0.0.0, ::). */
bool weft__wasi2_addr_unspecified(const struct sockaddr *sa);
/* The port of a host address. */
uint16_t weft__wasi2_addr_port(const struct sockaddr *sa);
/* A new owned socket object of `kind` (W2_TCP, W2_UDP) over the host socket `fd` of `family`;
 * NULL when allocation fails, having closed fd. */
weft__wasi2_obj_t *weft__wasi2_sock_obj(weft_wasi2_t *w, uint8_t kind, int fd, uint8_t family,
                                        uint32_t *rep);
/* A new host socket of `family` (0 ipv4, 1 ipv6) and `type`, non-blocking, close-on-exec,
 * ipv6 sockets IPv6-only. -1 with errno on failure. */
int weft__wasi2_socket(uint8_t family, int type);

/* Name lookup (wasi2_lookup.c). A resolve-address-stream holds its answers in `mem`,
 * W2_LOOKUP_SIZE bytes each (family byte, then 4 or 16 address bytes), or the error-code in
 * `pend_code`. */
#define W2_LOOKUP_SIZE 17
/* Starts resolving `name` (n bytes, a valid host name or address) for stream o: a numeric
 * address is converted now, a name on a thread of its own. False when out of memory. */
bool weft__wasi2_lookup_begin(weft_wasi2_t *w, weft__wasi2_obj_t *o, const char *name,
                              size_t n);
/* Moves the answers of a finished resolution into o: false while it is still running. */
bool weft__wasi2_lookup_take(weft__wasi2_obj_t *o);
/* The descriptor that becomes readable when o's resolution ends, or -1 when it has. */
int weft__wasi2_lookup_fd(const weft__wasi2_obj_t *o);
/* Lets go of o's resolution (the stream is dropped; a running thread frees it at its end). */
void weft__wasi2_lookup_drop(weft__wasi2_obj_t *o);

/* sockets error-code cases (wasi:sockets/network). */
enum {
    W2_N_UNKNOWN = 0, W2_N_ACCESS_DENIED, W2_N_NOT_SUPPORTED, W2_N_INVALID_ARGUMENT,
    W2_N_OUT_OF_MEMORY, W2_N_TIMEOUT, W2_N_CONCURRENCY_CONFLICT, W2_N_NOT_IN_PROGRESS,
    W2_N_WOULD_BLOCK, W2_N_INVALID_STATE, W2_N_NEW_SOCKET_LIMIT, W2_N_ADDRESS_NOT_BINDABLE,
    W2_N_ADDRESS_IN_USE, W2_N_REMOTE_UNREACHABLE, W2_N_CONNECTION_REFUSED,
    W2_N_CONNECTION_RESET, W2_N_CONNECTION_ABORTED, W2_N_DATAGRAM_TOO_LARGE,
    W2_N_NAME_UNRESOLVABLE, W2_N_TEMPORARY_RESOLVER_FAILURE, W2_N_PERMANENT_RESOLVER_FAILURE,
};

/* --- interfaces (one table each; wasi2_link.c puts them in a linker) ------------------------ */

typedef struct weft__wasi2_fn {
    const char *name;
    weft_component_host_fn fn;
    /* Functions that wait are async host functions instead (fn NULL): a guest blocked in one
     * is suspended while the store's loop waits (wasi2_wait.c). */
    weft_component_async_host_fn afn;
} weft__wasi2_fn_t;

typedef struct weft__wasi2_iface {
    const char *name;             /* "wasi:io/streams", without the version */
    const char *const *resources; /* resource types the interface defines */
    size_t nresources;
    const weft__wasi2_fn_t *fns;
    size_t nfns;
} weft__wasi2_iface_t;

extern const weft__wasi2_iface_t weft__wasi2_cli_ifaces[];
extern const size_t weft__wasi2_cli_nifaces;
extern const weft__wasi2_iface_t weft__wasi2_io_ifaces[];
extern const size_t weft__wasi2_io_nifaces;
extern const weft__wasi2_iface_t weft__wasi2_stream_ifaces[];
extern const size_t weft__wasi2_stream_nifaces;
extern const weft__wasi2_iface_t weft__wasi2_clock_ifaces[];
extern const size_t weft__wasi2_clock_nifaces;
extern const weft__wasi2_iface_t weft__wasi2_fs_ifaces[];
extern const size_t weft__wasi2_fs_nifaces;
extern const weft__wasi2_iface_t weft__wasi2_net_ifaces[];
extern const size_t weft__wasi2_net_nifaces;
extern const weft__wasi2_iface_t weft__wasi2_tcp_ifaces[];
extern const size_t weft__wasi2_tcp_nifaces;
extern const weft__wasi2_iface_t weft__wasi2_udp_ifaces[];
extern const size_t weft__wasi2_udp_nifaces;

/* The signature of every host function. */
#define W2_FN(name)                                                                           \
    static weft_error_t *name(void *env, weft_store_t *store, const weft_cval_t *args,        \
                              size_t nargs, weft_cval_t *res, size_t nres,                   \
                              weft_cval_arena_t *ar)
#define W2_UNUSED (void)env, (void)store, (void)nargs, (void)nres, (void)args, (void)res, (void)ar
#define W2 ((weft_wasi2_t *)env)
#define W2_OOM weft__error_oom()

#endif
