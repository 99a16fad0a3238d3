/* wasi2_clocks.c - wasi:clocks (monotonic-clock, wall-clock) and wasi:random (random,
 * insecure, insecure-seed) of WASI 0.2 (clocks/wit, random/wit). */
#include <errno.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "wasi/p2/wasi2_impl.h"

/* The most bytes one get-random-bytes call returns; larger requests trap rather than exhaust
 * host memory (each byte is a value node until it is lowered). */
#define RANDOM_MAX (16u * 1024u * 1024u)

/* ---- wasi:clocks/monotonic-clock ------------------------------------------------------- */

W2_FN(mono_now)
{
    W2_UNUSED;
    (void)env;
    weft__wasi2_u64(res, weft__wasi2_now());
    return NULL;
}

W2_FN(mono_resolution)
{
    W2_UNUSED;
    (void)env;
    struct timespec ts;
    uint64_t ns = 1;
    if (clock_getres(CLOCK_MONOTONIC, &ts) == 0)
        ns = (uint64_t)ts.tv_sec * UINT64_C(1000000000) + (uint64_t)ts.tv_nsec;
    weft__wasi2_u64(res, ns ? ns : 1);
    return NULL;
}

W2_FN(mono_subscribe_instant)
{
    W2_UNUSED;
    return weft__wasi2_pollable(W2, W2_POLL_TIMER, -1, 0, args[0].u.u, res);
}

W2_FN(mono_subscribe_duration)
{
    W2_UNUSED;
    uint64_t now = weft__wasi2_now(), d = args[0].u.u;
    uint64_t when = d > UINT64_MAX - now ? UINT64_MAX : now + d;
    return weft__wasi2_pollable(W2, W2_POLL_TIMER, -1, 0, when, res);
}

/* ---- wasi:clocks/wall-clock ------------------------------------------------------------ */

/* datetime: record { seconds: u64, nanoseconds: u32 }. */
static weft_error_t *datetime(weft_cval_arena_t *ar, weft_cval_t *res, const struct timespec *ts)
{
    weft_cval_t *f = weft__wasi2_agg(ar, res, WEFT_CVAL_RECORD, 2);
    if (!f) return W2_OOM;
    weft__wasi2_u64(&f[0], ts->tv_sec < 0 ? 0 : (uint64_t)ts->tv_sec);
    weft__wasi2_u32(&f[1], (uint32_t)ts->tv_nsec);
    return NULL;
}

W2_FN(wall_now)
{
    W2_UNUSED;
    (void)env;
    struct timespec ts = {0, 0};
    clock_gettime(CLOCK_REALTIME, &ts);
    return datetime(ar, res, &ts);
}

W2_FN(wall_resolution)
{
    W2_UNUSED;
    (void)env;
    struct timespec ts = {0, 1};
    if (clock_getres(CLOCK_REALTIME, &ts) != 0) ts = (struct timespec){0, 1};
    return datetime(ar, res, &ts);
}

/* ---- wasi:random ----------------------------------------------------------------------- */

static bool fill(void *p, size_t n)
{
    uint8_t *b = p;
    while (n) {
        ssize_t k = getrandom(b, n, 0);
        if (k < 0) {
            if (errno == EINTR) continue;
            return false;
        }
        b += k;
        n -= (size_t)k;
    }
    return true;
}

static weft_error_t *random_bytes(weft_wasi2_t *w, const weft_cval_t *args, weft_cval_t *res,
                                  weft_cval_arena_t *ar)
{
    uint64_t len = args[0].u.u;
    if (len > RANDOM_MAX) return weft__wasi2_trap(w, "get-random-bytes: too many bytes at once");
    uint8_t *b = weft__malloc(&w->alloc, (size_t)len + 1);
    if (!b) return W2_OOM;
    weft_error_t *err = NULL;
    if (!fill(b, (size_t)len)) err = weft__wasi2_trap(w, "the host random source failed");
    else if (!weft__wasi2_bytes(ar, res, b, (size_t)len)) err = W2_OOM;
    weft__free(&w->alloc, b, (size_t)len + 1);
    return err;
}

static weft_error_t *random_u64(weft_wasi2_t *w, weft_cval_t *res)
{
    uint64_t x;
    if (!fill(&x, sizeof x)) return weft__wasi2_trap(w, "the host random source failed");
    weft__wasi2_u64(res, x);
    return NULL;
}

W2_FN(get_random_bytes) { W2_UNUSED; return random_bytes(W2, args, res, ar); }
W2_FN(get_random_u64) { W2_UNUSED; return random_u64(W2, res); }
/* The insecure variants draw from the same source: being unpredictable is allowed. */
W2_FN(get_insecure_random_bytes) { W2_UNUSED; return random_bytes(W2, args, res, ar); }
W2_FN(get_insecure_random_u64) { W2_UNUSED; return random_u64(W2, res); }

/* insecure-seed: tuple<u64, u64>, the same value for the context's whole life. */
W2_FN(insecure_seed)
{
    W2_UNUSED;
    weft_cval_t *t = weft__wasi2_agg(ar, res, WEFT_CVAL_TUPLE, 2);
    if (!t) return W2_OOM;
    weft__wasi2_u64(&t[0], W2->seed[0]);
    weft__wasi2_u64(&t[1], W2->seed[1]);
    return NULL;
}

static const char *const mono_res[] = {"pollable"}; /* `use wasi:io/poll.{pollable}` */
static const weft__wasi2_fn_t mono_fns[] = {
    {"now", mono_now, NULL},
    {"resolution", mono_resolution, NULL},
    {"subscribe-instant", mono_subscribe_instant, NULL},
    {"subscribe-duration", mono_subscribe_duration, NULL},
};
static const weft__wasi2_fn_t wall_fns[] = {
    {"now", wall_now, NULL},
    {"resolution", wall_resolution, NULL},
};
static const weft__wasi2_fn_t random_fns[] = {
    {"get-random-bytes", get_random_bytes, NULL},
    {"get-random-u64", get_random_u64, NULL},
};
static const weft__wasi2_fn_t insecure_fns[] = {
    {"get-insecure-random-bytes", get_insecure_random_bytes, NULL},
    {"get-insecure-random-u64", get_insecure_random_u64, NULL},
};
static const weft__wasi2_fn_t seed_fns[] = {{"insecure-seed", insecure_seed, NULL}};

#define NELEM(a) (sizeof a / sizeof *a)
const weft__wasi2_iface_t weft__wasi2_clock_ifaces[] = {
    {"wasi:clocks/monotonic-clock", mono_res, 1, mono_fns, NELEM(mono_fns)},
    {"wasi:clocks/wall-clock", NULL, 0, wall_fns, NELEM(wall_fns)},
    {"wasi:random/random", NULL, 0, random_fns, NELEM(random_fns)},
    {"wasi:random/insecure", NULL, 0, insecure_fns, NELEM(insecure_fns)},
    {"wasi:random/insecure-seed", NULL, 0, seed_fns, NELEM(seed_fns)},
};
const size_t weft__wasi2_clock_nifaces = NELEM(weft__wasi2_clock_ifaces);
