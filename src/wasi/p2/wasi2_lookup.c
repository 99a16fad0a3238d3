/* wasi2_lookup.c - name resolution for wasi:sockets/ip-name-lookup without blocking the
 * store's loop.
 *
 * A numeric address is converted at once. A name is resolved by getaddrinfo on a short-lived
 * detached thread: it writes its answers into a record of its own, sets the record's `done`
 * flag and writes a byte into the record's pipe, whose read end is what the stream's pollable
 * waits for (the loop watches it like any descriptor). The record is shared by the thread and
 * the resolve-address-stream and freed by whichever lets go last, so dropping the stream while
 * the thread still runs is safe. No state outside the record is shared. */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>

#include "wasi/p2/wasi2_impl.h"

struct weft__wasi2_lookup {
    _Atomic unsigned refs;  /* the thread's and the stream's */
    _Atomic bool done;      /* the answers below are written (release / acquire) */
    weft_alloc_t alloc;
    int rfd, wfd;           /* the pipe signalling the end */
    char name[256];
    uint8_t code;           /* sockets error-code, 0xFF when none */
    uint8_t *mem;           /* W2_LOOKUP_SIZE bytes per answer */
    size_t cap, count;
    bool taken;             /* the stream took the answers (loop thread only) */
};

/* getaddrinfo into answers of W2_LOOKUP_SIZE bytes (family, then 4 or 16 address bytes);
 * `numeric` never consults the network (AI_NUMERICHOST). Returns false when out of memory. */
static bool resolve(const weft_alloc_t *a, const char *name, bool numeric, uint8_t *code,
                    uint8_t **mem, size_t *cap, size_t *count)
{
    struct addrinfo hints, *ai = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM; /* one answer per address, not per socket type */
    if (numeric) hints.ai_flags = AI_NUMERICHOST;
    int rc = getaddrinfo(name, NULL, &hints, &ai);
    *code = 0xFF;
    *mem = NULL;
    *cap = *count = 0;
    if (rc == EAI_NONAME) *code = W2_N_NAME_UNRESOLVABLE;
#ifdef EAI_NODATA
    else if (rc == EAI_NODATA) *code = W2_N_NAME_UNRESOLVABLE;
#endif
    else if (rc == EAI_AGAIN) *code = W2_N_TEMPORARY_RESOLVER_FAILURE;
    else if (rc == EAI_MEMORY) *code = W2_N_OUT_OF_MEMORY;
    else if (rc != 0) *code = W2_N_PERMANENT_RESOLVER_FAILURE;
    size_t n = 0;
    for (struct addrinfo *p = rc == 0 ? ai : NULL; p; p = p->ai_next) n++;
    uint8_t *m = n ? weft__malloc(a, n * W2_LOOKUP_SIZE) : NULL;
    if (n && !m) {
        freeaddrinfo(ai);
        return false;
    }
    size_t k = 0;
    for (struct addrinfo *p = rc == 0 ? ai : NULL; p; p = p->ai_next) {
        uint8_t *e = m + k * W2_LOOKUP_SIZE;
        memset(e, 0, W2_LOOKUP_SIZE);
        if (p->ai_family == AF_INET) {
            struct sockaddr_in in;
            memcpy(&in, p->ai_addr, sizeof in);
            e[0] = AF_INET;
            memcpy(e + 1, &in.sin_addr, 4);
        } else if (p->ai_family == AF_INET6) {
            struct sockaddr_in6 in6;
            memcpy(&in6, p->ai_addr, sizeof in6);
            e[0] = AF_INET6;
            memcpy(e + 1, &in6.sin6_addr, 16);
        } else {
            continue;
        }
        k++;
    }
    if (ai) freeaddrinfo(ai);
    *mem = m;
    *cap = n * W2_LOOKUP_SIZE;
    *count = k;
    return true;
}

static void release(struct weft__wasi2_lookup *lk)
{
    if (atomic_fetch_sub(&lk->refs, 1u) != 1u) return;
    if (lk->mem) weft__free(&lk->alloc, lk->mem, lk->cap);
    close(lk->rfd);
    close(lk->wfd);
    weft_alloc_t a = lk->alloc;
    weft__free(&a, lk, sizeof *lk);
}

static void *lookup_thread(void *p)
{
    struct weft__wasi2_lookup *lk = p;
    if (!resolve(&lk->alloc, lk->name, false, &lk->code, &lk->mem, &lk->cap, &lk->count))
        lk->code = W2_N_OUT_OF_MEMORY;
    atomic_store_explicit(&lk->done, true, memory_order_release);
    ssize_t r;
    do r = write(lk->wfd, "", 1); while (r < 0 && errno == EINTR);
    release(lk);
    return NULL;
}

bool weft__wasi2_lookup_begin(weft_wasi2_t *w, weft__wasi2_obj_t *o, const char *name,
                              size_t n)
{
    char buf[256];
    if (n >= sizeof buf) n = sizeof buf - 1;
    memcpy(buf, name, n);
    buf[n] = 0;
    uint8_t tmp[16];
    bool numeric = inet_pton(AF_INET, buf, tmp) == 1 || inet_pton(AF_INET6, buf, tmp) == 1;
    struct weft__wasi2_lookup *lk = numeric ? NULL : weft__calloc(&w->alloc, 1, sizeof *lk);
    int fds[2] = {-1, -1};
    if (lk && pipe(fds) == 0) {
        for (int i = 0; i < 2; i++) {
            (void)fcntl(fds[i], F_SETFD, FD_CLOEXEC);
            (void)fcntl(fds[i], F_SETFL, fcntl(fds[i], F_GETFL) | O_NONBLOCK);
        }
        lk->alloc = w->alloc;
        lk->rfd = fds[0];
        lk->wfd = fds[1];
        memcpy(lk->name, buf, n + 1);
        lk->code = 0xFF;
        atomic_init(&lk->refs, 2u);
        atomic_init(&lk->done, false);
        pthread_attr_t attr;
        pthread_t th;
        bool started = false;
        if (pthread_attr_init(&attr) == 0) {
            started = pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED) == 0 &&
                      pthread_create(&th, &attr, lookup_thread, lk) == 0;
            pthread_attr_destroy(&attr);
        }
        if (started) {
            o->lookup = lk;
            o->pend_code = 0xFF;
            return true;
        }
        atomic_init(&lk->refs, 1u);
        release(lk);
        lk = NULL;
    } else if (lk) {
        weft__free(&w->alloc, lk, sizeof *lk);
    }
    /* A numeric address (or no thread to be had: the resolver is then asked here). */
    return resolve(&w->alloc, buf, numeric, &o->pend_code, &o->mem, &o->mem_cap, &o->mem_len);
}

bool weft__wasi2_lookup_take(weft__wasi2_obj_t *o)
{
    struct weft__wasi2_lookup *lk = o->lookup;
    if (!lk || lk->taken) return true;
    if (!atomic_load_explicit(&lk->done, memory_order_acquire)) return false;
    /* The answers move to the stream (the record's allocator is the context's). */
    o->mem = lk->mem;
    o->mem_cap = lk->cap;
    o->mem_len = lk->count;
    o->pend_code = lk->code;
    lk->mem = NULL;
    lk->cap = 0;
    lk->taken = true;
    return true;
}

int weft__wasi2_lookup_fd(const weft__wasi2_obj_t *o)
{
    const struct weft__wasi2_lookup *lk = o->lookup;
    if (!lk || atomic_load_explicit(&lk->done, memory_order_acquire)) return -1;
    return lk->rfd;
}

void weft__wasi2_lookup_drop(weft__wasi2_obj_t *o)
{
    if (o->lookup) release(o->lookup);
    o->lookup = NULL;
}
