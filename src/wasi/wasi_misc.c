/* wasi_misc.c - arguments, environment, clocks, randomness, poll_oneoff, process and socket
 * functions of WASI preview 1 (wasi_snapshot_preview1.witx). */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "wasi/wasi_impl.h"

#define W ((weft_wasi_t *)env)
#define RET(e) return weft__wasi_ret(results, nresults, (e))

/* --- args and environ: an array of pointers into one buffer of NUL-terminated strings ------ */

static int strings_sizes(const weft__wasi_mem_t *m, char **v, size_t n, uint32_t count_ptr,
                         uint32_t size_ptr)
{
    uint64_t total = 0;
    for (size_t i = 0; i < n; i++) total += strlen(v[i]) + 1;
    if (n > UINT32_MAX || total > UINT32_MAX) return WASI_EOVERFLOW;
    if (!weft__wasi_mem_ok(m, count_ptr, 4) || !weft__wasi_mem_ok(m, size_ptr, 4))
        return WASI_EFAULT;
    weft__wasi_st32(m->data + count_ptr, (uint32_t)n);
    weft__wasi_st32(m->data + size_ptr, (uint32_t)total);
    return WASI_ESUCCESS;
}

static int strings_get(const weft__wasi_mem_t *m, char **v, size_t n, uint32_t ptrs,
                       uint32_t buf)
{
    uint64_t total = 0;
    for (size_t i = 0; i < n; i++) total += strlen(v[i]) + 1;
    if (!weft__wasi_mem_ok(m, ptrs, (uint64_t)n * 4) || !weft__wasi_mem_ok(m, buf, total))
        return WASI_EFAULT;
    uint64_t at = buf;
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(v[i]) + 1;
        weft__wasi_st32(m->data + ptrs + 4 * (uint64_t)i, (uint32_t)at);
        memcpy(m->data + at, v[i], len);
        at += len;
    }
    return WASI_ESUCCESS;
}

WEFT__WASI_FN(args_sizes_get)
{
    (void)nargs;
    weft__wasi_mem_t m;
    if (!weft__wasi_mem_get(caller, &m)) RET(WASI_EFAULT);
    RET(strings_sizes(&m, W->args, W->nargs, weft__wasi_u32(args, 0), weft__wasi_u32(args, 1)));
}

WEFT__WASI_FN(args_get)
{
    (void)nargs;
    weft__wasi_mem_t m;
    if (!weft__wasi_mem_get(caller, &m)) RET(WASI_EFAULT);
    RET(strings_get(&m, W->args, W->nargs, weft__wasi_u32(args, 0), weft__wasi_u32(args, 1)));
}

WEFT__WASI_FN(environ_sizes_get)
{
    (void)nargs;
    weft__wasi_mem_t m;
    if (!weft__wasi_mem_get(caller, &m)) RET(WASI_EFAULT);
    RET(strings_sizes(&m, W->env, W->nenv, weft__wasi_u32(args, 0), weft__wasi_u32(args, 1)));
}

WEFT__WASI_FN(environ_get)
{
    (void)nargs;
    weft__wasi_mem_t m;
    if (!weft__wasi_mem_get(caller, &m)) RET(WASI_EFAULT);
    RET(strings_get(&m, W->env, W->nenv, weft__wasi_u32(args, 0), weft__wasi_u32(args, 1)));
}

/* --- clocks: realtime 0, monotonic 1, process_cputime_id 2, thread_cputime_id 3 ------------ */

static bool host_clock(uint32_t id, clockid_t *out)
{
    switch (id) {
    case 0: *out = CLOCK_REALTIME; return true;
    case 1: *out = CLOCK_MONOTONIC; return true;
    case 2: *out = CLOCK_PROCESS_CPUTIME_ID; return true;
    case 3: *out = CLOCK_THREAD_CPUTIME_ID; return true;
    default: return false;
    }
}

static uint64_t ts_to_ns(const struct timespec *ts)
{
    if (ts->tv_sec < 0) return 0;
    return (uint64_t)ts->tv_sec * UINT64_C(1000000000) + (uint64_t)ts->tv_nsec;
}

WEFT__WASI_FN(clock_res_get)
{
    (void)env;
    (void)nargs;
    clockid_t id;
    if (!host_clock(weft__wasi_u32(args, 0), &id)) RET(WASI_EINVAL);
    weft__wasi_mem_t m;
    uint32_t out = weft__wasi_u32(args, 1);
    if (!weft__wasi_mem_get(caller, &m) || !weft__wasi_mem_ok(&m, out, 8)) RET(WASI_EFAULT);
    struct timespec ts;
    if (clock_getres(id, &ts) < 0) RET(weft__wasi_errno(errno));
    RET(weft__wasi_put64(&m, out, ts_to_ns(&ts)));
}

WEFT__WASI_FN(clock_time_get)
{
    (void)env;
    (void)nargs;
    clockid_t id;
    if (!host_clock(weft__wasi_u32(args, 0), &id)) RET(WASI_EINVAL);
    weft__wasi_mem_t m;
    uint32_t out = weft__wasi_u32(args, 2); /* args[1] is the precision, a hint */
    if (!weft__wasi_mem_get(caller, &m) || !weft__wasi_mem_ok(&m, out, 8)) RET(WASI_EFAULT);
    struct timespec ts;
    if (clock_gettime(id, &ts) < 0) RET(weft__wasi_errno(errno));
    RET(weft__wasi_put64(&m, out, ts_to_ns(&ts)));
}

/* --- random_get ---------------------------------------------------------------------------- */

static int fill_random(uint8_t *p, size_t n)
{
    size_t got = 0;
    while (got < n) {
        ssize_t r = getrandom(p + got, n - got, 0);
        if (r < 0) {
            if (errno == EINTR) continue;
            break;
        }
        got += (size_t)r;
    }
    if (got == n) return WASI_ESUCCESS;
    /* Kernels without getrandom(2): fall back to the device. */
    int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
    if (fd < 0) return weft__wasi_errno(errno);
    while (got < n) {
        ssize_t r = read(fd, p + got, n - got);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) {
            close(fd);
            return WASI_EIO;
        }
        got += (size_t)r;
    }
    close(fd);
    return WASI_ESUCCESS;
}

WEFT__WASI_FN(random_get)
{
    (void)env;
    (void)nargs;
    uint32_t buf = weft__wasi_u32(args, 0), len = weft__wasi_u32(args, 1);
    weft__wasi_mem_t m;
    if (!weft__wasi_mem_get(caller, &m) || !weft__wasi_mem_ok(&m, buf, len)) RET(WASI_EFAULT);
    RET(fill_random(m.data + buf, len));
}

/* --- poll_oneoff ----------------------------------------------------------------------------
 * subscription (48 bytes): userdata u64 @0, tag u8 @8, then @16 either
 *   clock: id u32 @16, timeout u64 @24, precision u64 @32, flags u16 @40 (1 = abstime), or
 *   fd_readwrite: fd u32 @16.
 * event (32 bytes): userdata u64 @0, error u16 @8, type u8 @10, nbytes u64 @16, flags u16 @24.
 * Descriptors are reported ready at once (regular files always are; stdio and pipes are
 * treated alike); clock subscriptions sleep until the earliest deadline. */

static void put_event(uint8_t *ev, uint64_t userdata, uint16_t error, uint8_t type,
                      uint64_t nbytes)
{
    memset(ev, 0, 32);
    weft__wasi_st64(ev, userdata);
    weft__wasi_st16(ev + 8, error);
    ev[10] = type;
    weft__wasi_st64(ev + 16, nbytes);
}

/* Nanoseconds from now until the clock subscription fires (0 if already due); false for an
 * unknown clock. */
static bool clock_delay(const uint8_t *sub, uint64_t *delay)
{
    clockid_t id;
    if (!host_clock(weft__wasi_ld32(sub + 16), &id)) return false;
    uint64_t timeout = weft__wasi_ld64(sub + 24);
    if (weft__wasi_ld16(sub + 40) & 1) {
        struct timespec ts;
        if (clock_gettime(id, &ts) < 0) return false;
        uint64_t now = ts_to_ns(&ts);
        *delay = timeout > now ? timeout - now : 0;
    } else {
        *delay = timeout;
    }
    return true;
}

static void sleep_ns(uint64_t ns)
{
    struct timespec req, rem;
    uint64_t sec = ns / 1000000000u;
    req.tv_sec = sec > INT32_MAX ? INT32_MAX : (time_t)sec;
    req.tv_nsec = (long)(ns % 1000000000u);
    while (nanosleep(&req, &rem) < 0 && errno == EINTR) req = rem;
}

WEFT__WASI_FN(poll_oneoff)
{
    (void)nargs;
    uint32_t in = weft__wasi_u32(args, 0), out = weft__wasi_u32(args, 1);
    uint32_t n = weft__wasi_u32(args, 2), nevents = weft__wasi_u32(args, 3);
    if (n == 0) RET(WASI_EINVAL);
    weft__wasi_mem_t m;
    if (!weft__wasi_mem_get(caller, &m) || !weft__wasi_mem_ok(&m, in, (uint64_t)n * 48) ||
        !weft__wasi_mem_ok(&m, out, (uint64_t)n * 32) || !weft__wasi_mem_ok(&m, nevents, 4))
        RET(WASI_EFAULT);
    uint32_t count = 0;
    bool have_clock = false;
    uint64_t min_delay = UINT64_MAX;
    /* First pass: descriptors and errors are ready now; find the earliest clock. */
    for (uint32_t i = 0; i < n; i++) {
        const uint8_t *sub = m.data + in + (uint64_t)i * 48;
        uint64_t ud = weft__wasi_ld64(sub);
        uint8_t tag = sub[8];
        uint8_t *ev = m.data + out + (uint64_t)count * 32;
        if (tag == 0) {
            uint64_t d;
            if (!clock_delay(sub, &d)) {
                put_event(ev, ud, WASI_EINVAL, 0, 0);
                count++;
            } else {
                have_clock = true;
                if (d < min_delay) min_delay = d;
            }
        } else if (tag == 1 || tag == 2) {
            weft__wasi_fd_t *f = weft__wasi_fd_get(W, weft__wasi_ld32(sub + 16));
            uint64_t nbytes = 0;
            if (f && tag == 1) {
                struct stat st;
                off_t pos = lseek(f->host, 0, SEEK_CUR);
                if (fstat(f->host, &st) == 0 && S_ISREG(st.st_mode) && pos >= 0 &&
                    st.st_size > pos)
                    nbytes = (uint64_t)(st.st_size - pos);
            }
            put_event(ev, ud, f ? WASI_ESUCCESS : WASI_EBADF, tag, nbytes);
            count++;
        } else {
            put_event(ev, ud, WASI_EINVAL, tag, 0);
            count++;
        }
    }
    if (have_clock) {
        /* Sleep only when nothing else is ready; then every clock due by then fires. A
         * relative clock is due when its timeout is the earliest; an absolute one when its
         * deadline has passed. */
        bool slept = count == 0;
        if (slept) sleep_ns(min_delay);
        for (uint32_t i = 0; i < n; i++) {
            const uint8_t *sub = m.data + in + (uint64_t)i * 48;
            uint64_t d;
            if (sub[8] != 0 || !clock_delay(sub, &d)) continue;
            bool abs = weft__wasi_ld16(sub + 40) & 1;
            bool due = slept && !abs ? d <= min_delay : d == 0;
            if (due) {
                put_event(m.data + out + (uint64_t)count * 32, weft__wasi_ld64(sub), 0, 0, 0);
                count++;
            }
        }
    }
    weft__wasi_st32(m.data + nevents, count);
    RET(WASI_ESUCCESS);
}

/* --- process ------------------------------------------------------------------------------- */

WEFT__WASI_FN(proc_exit)
{
    (void)caller;
    (void)nargs;
    (void)results;
    (void)nresults;
    /* Unwinds the whole call: the embedder reads the status with weft_error_exit_code(). */
    return weft__error_exit(&W->alloc, (int)weft__wasi_u32(args, 0));
}

WEFT__WASI_FN(proc_raise)
{
    (void)env;
    (void)caller;
    (void)args;
    (void)nargs;
    RET(WASI_ENOSYS);
}

WEFT__WASI_FN(sched_yield)
{
    (void)env;
    (void)caller;
    (void)args;
    (void)nargs;
    sched_yield();
    RET(WASI_ESUCCESS);
}

/* --- sockets: no socket is ever handed to the guest, so each call fails ------------------- */

static weft_error_t *no_socket(void *env, const weft_val_t *args, weft_val_t *results,
                               size_t nresults)
{
    if (!weft__wasi_fd_get(W, weft__wasi_u32(args, 0))) RET(WASI_EBADF);
    RET(WASI_ENOTSUP);
}

WEFT__WASI_FN(sock_accept)
{
    (void)caller;
    (void)nargs;
    return no_socket(env, args, results, nresults);
}

WEFT__WASI_FN(sock_recv)
{
    (void)caller;
    (void)nargs;
    return no_socket(env, args, results, nresults);
}

WEFT__WASI_FN(sock_send)
{
    (void)caller;
    (void)nargs;
    return no_socket(env, args, results, nresults);
}

WEFT__WASI_FN(sock_shutdown)
{
    (void)caller;
    (void)nargs;
    return no_socket(env, args, results, nresults);
}
