/* loop_fd.c - descriptor watchers of the store's loop (weft.h weft_fd_watch_new): one-shot
 * callbacks for host descriptors becoming readable or writable.
 *
 * Each watched descriptor has a record holding its pending watchers. On Linux the record's
 * descriptor is registered (level-triggered) in the loop's epoll instance with the union of
 * its watchers' events; the wake-up eventfd is in the same instance, so one epoll_wait sleeps
 * on everything and the epoll descriptor itself serves as weft_store_async_fd(). Interest is
 * added at once (a new watcher must be seen by a loop that is about to sleep) but dropped
 * lazily: a record whose watchers went away is marked dirty and brought up to date before the
 * next wait, so that a descriptor waited for again and again (a guest reading its input) is
 * registered once rather than once per wait. Elsewhere a poll(2) over the records with
 * watchers does the same job. Regular files cannot be waited for (epoll_ctl fails with EPERM):
 * their watchers are ready at once. */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>
#if defined(__linux__)
#include <sys/epoll.h>
#endif

#include "component/async_internal.h"
#include "component/host_async.h"
#include "util/error.h"

typedef struct weft_hwatch {
    weft_hobj_t h;
    int fd;
    uint32_t events, found;
    weft_fd_watch_fn fn;
    void *data;
    struct weft_hwatch *prev, *next; /* in its record's list, or in the ready queue */
    bool queued;                     /* in the ready queue */
} hwatch_t;

typedef struct weft_hfd {
    int fd;
    uint32_t armed;      /* events registered with the kernel (0: not registered) */
    bool always;         /* cannot be waited for: always ready */
    bool dirty;          /* in the loop's dirty list */
    struct weft_hfd *dnext;
    hwatch_t *head;      /* pending watchers not yet ready */
} hfd_t;

#define EVENTS_KNOWN (WEFT_FD_READABLE | WEFT_FD_WRITABLE)

/* ---- the wait primitive ---------------------------------------------------------------- */

void weft__hloop_fd_open(weft_hloop_t *l)
{
    l->epfd = -1;
#if defined(__linux__)
    if (l->rfd < 0) return;
    l->epfd = epoll_create1(EPOLL_CLOEXEC);
    if (l->epfd < 0) return;
    struct epoll_event ev;
    memset(&ev, 0, sizeof ev);
    ev.events = EPOLLIN;
    ev.data.fd = l->rfd;
    if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, l->rfd, &ev) != 0) {
        close(l->epfd);
        l->epfd = -1;
    }
#endif
}

void weft__hloop_fd_close(weft_hloop_t *l)
{
    for (size_t i = 0; i < l->fds_cap; i++)
        if (l->fds[i]) weft__free(&l->alloc, l->fds[i], sizeof *l->fds[i]);
    weft__free(&l->alloc, l->fds, l->fds_cap * sizeof *l->fds);
    l->fds = NULL;
    l->fds_cap = 0;
    if (l->epfd >= 0) close(l->epfd);
    l->epfd = -1;
}

int weft__hloop_fd_public(const weft_hloop_t *l)
{
    return l->epfd >= 0 ? l->epfd : l->rfd;
}

bool weft__hloop_fd_ready(const weft_hloop_t *l)
{
    return l && l->ready_head != NULL;
}

/* ---- the ready queue and the records' lists ---------------------------------------------- */

static void list_remove(hwatch_t **head, hwatch_t *w)
{
    if (w->prev) w->prev->next = w->next;
    else *head = w->next;
    if (w->next) w->next->prev = w->prev;
    w->prev = w->next = NULL;
}

static void queue_ready(weft_hloop_t *l, hwatch_t *w, uint32_t found)
{
    w->found = found;
    w->queued = true;
    w->next = NULL;
    w->prev = l->ready_tail;
    if (l->ready_tail) l->ready_tail->next = w;
    else l->ready_head = w;
    l->ready_tail = w;
}

static void unqueue(weft_hloop_t *l, hwatch_t *w)
{
    if (w->prev) w->prev->next = w->next;
    else l->ready_head = w->next;
    if (w->next) w->next->prev = w->prev;
    else l->ready_tail = w->prev;
    w->prev = w->next = NULL;
    w->queued = false;
}

static void mark_dirty(weft_hloop_t *l, hfd_t *r)
{
    if (r->dirty) return;
    r->dirty = true;
    r->dnext = l->dirty;
    l->dirty = r;
}

static uint32_t wanted(const hfd_t *r)
{
    uint32_t m = 0;
    for (const hwatch_t *w = r->head; w; w = w->next) m |= w->events;
    return m;
}

/* Moves the watchers of r that `found` (WEFT_FD_* bits) satisfies to the ready queue. */
static void dispatch(weft_hloop_t *l, hfd_t *r, uint32_t found)
{
    hwatch_t *w = r->head;
    while (w) {
        hwatch_t *next = w->next;
        uint32_t hit = found & (w->events | WEFT_FD_ERROR);
        if (hit) {
            list_remove(&r->head, w);
            queue_ready(l, w, hit);
        }
        w = next;
    }
    mark_dirty(l, r);
}

#if defined(__linux__)
static uint32_t to_epoll(uint32_t m)
{
    return (m & WEFT_FD_READABLE ? (uint32_t)EPOLLIN : 0u) |
           (m & WEFT_FD_WRITABLE ? (uint32_t)EPOLLOUT : 0u);
}

static uint32_t from_epoll(uint32_t e)
{
    /* A hang-up lets a read go on without blocking (it reports the end). */
    return (e & (EPOLLIN | EPOLLRDHUP | EPOLLHUP) ? WEFT_FD_READABLE : 0u) |
           (e & EPOLLOUT ? WEFT_FD_WRITABLE : 0u) |
           (e & (EPOLLERR | EPOLLHUP) ? WEFT_FD_ERROR : 0u);
}

/* Registers `want` for r (an empty set unregisters). A descriptor the kernel refuses becomes
 * always ready (EPERM: a regular file or directory) or reports an error to its watchers. */
static void arm(weft_hloop_t *l, hfd_t *r, uint32_t want)
{
    if (l->epfd < 0 || r->always || want == r->armed) return;
    struct epoll_event ev;
    memset(&ev, 0, sizeof ev);
    ev.events = to_epoll(want);
    ev.data.fd = r->fd;
    int rc;
    if (want == 0) {
        /* A descriptor closed meanwhile left the set by itself (EBADF, ENOENT: ignored). */
        (void)epoll_ctl(l->epfd, EPOLL_CTL_DEL, r->fd, &ev);
        r->armed = 0;
        return;
    }
    if (r->armed) {
        rc = epoll_ctl(l->epfd, EPOLL_CTL_MOD, r->fd, &ev);
        /* Closed and the number reused since: the old registration went with the file. */
        if (rc != 0 && errno == ENOENT) rc = epoll_ctl(l->epfd, EPOLL_CTL_ADD, r->fd, &ev);
    } else {
        rc = epoll_ctl(l->epfd, EPOLL_CTL_ADD, r->fd, &ev);
        if (rc != 0 && errno == EEXIST) rc = epoll_ctl(l->epfd, EPOLL_CTL_MOD, r->fd, &ev);
    }
    if (rc == 0) {
        r->armed = want;
        return;
    }
    r->armed = 0;
    if (errno == EPERM) {
        r->always = true;
        dispatch(l, r, EVENTS_KNOWN);
    } else {
        dispatch(l, r, WEFT_FD_ERROR);
    }
}
#endif

void weft__hloop_fd_sync(weft_hloop_t *l)
{
    while (l->dirty) {
        hfd_t *r = l->dirty;
        l->dirty = r->dnext;
        r->dirty = false;
        uint32_t want = wanted(r);
        /* Unwatched, the number may be closed and reused for another kind of file: the next
         * watcher asks the kernel again. */
        if (want == 0) r->always = false;
#if defined(__linux__)
        arm(l, r, want);
#endif
    }
}

static hfd_t *record(const weft_hloop_t *l, int fd)
{
    return fd >= 0 && (size_t)fd < l->fds_cap ? l->fds[fd] : NULL;
}

void weft__hloop_fd_wait(weft_hloop_t *l, int timeout_ms)
{
    weft__hloop_fd_sync(l);
    if (l->ready_head) timeout_ms = 0;
#if defined(__linux__)
    if (l->epfd >= 0) {
        struct epoll_event evs[64];
        int n;
        do {
            n = epoll_wait(l->epfd, evs, 64, timeout_ms);
        } while (n < 0 && errno == EINTR && !atomic_load(&l->woken));
        for (int i = 0; i < n; i++) {
            hfd_t *r = evs[i].data.fd == l->rfd ? NULL : record(l, evs[i].data.fd);
            if (r) dispatch(l, r, from_epoll(evs[i].events));
        }
        /* A full batch: more may be ready; the next pass looks again without sleeping. */
        return;
    }
#endif
    /* poll(2): the wake-up descriptor and every record with watchers. */
    size_t n = 1;
    for (size_t i = 0; i < l->fds_cap; i++) n += l->fds[i] && l->fds[i]->head;
    struct pollfd one, *p = &one;
    if (n > 1 && !(p = weft__calloc(&l->alloc, n, sizeof *p))) {
        p = &one; /* out of memory: wait for the wake-up or the timeout only */
        n = 1;
    }
    p[0].fd = l->rfd;
    p[0].events = POLLIN;
    p[0].revents = 0;
    size_t k = 1;
    for (size_t i = 0; i < l->fds_cap && k < n; i++) {
        hfd_t *r = l->fds[i];
        if (!r || !r->head) continue;
        uint32_t m = wanted(r);
        p[k].fd = r->fd;
        p[k].events = (short)((m & WEFT_FD_READABLE ? POLLIN : 0) |
                              (m & WEFT_FD_WRITABLE ? POLLOUT : 0));
        p[k++].revents = 0;
    }
    int rc;
    do {
        rc = poll(p, (nfds_t)k, timeout_ms);
    } while (rc < 0 && errno == EINTR && !atomic_load(&l->woken));
    for (size_t i = 1; rc > 0 && i < k; i++) {
        short e = p[i].revents;
        if (!e) continue;
        uint32_t found = (e & (POLLIN | POLLHUP) ? WEFT_FD_READABLE : 0u) |
                         (e & POLLOUT ? WEFT_FD_WRITABLE : 0u) |
                         (e & (POLLERR | POLLHUP | POLLNVAL) ? WEFT_FD_ERROR : 0u);
        hfd_t *r = record(l, p[i].fd);
        if (r) dispatch(l, r, found);
    }
    if (p != &one) weft__free(&l->alloc, p, n * sizeof *p);
}

bool weft__hloop_fd_fire(weft_hloop_t *l)
{
    /* Watchers queued by the callbacks run in the next pass (no unbounded turn). */
    hwatch_t *last = l->ready_tail;
    bool any = false;
    while (last && l->ready_head) {
        hwatch_t *w = l->ready_head;
        bool end = w == last;
        unqueue(l, w);
        weft_async_handle_t h = w->h.handle;
        weft_fd_watch_fn fn = w->fn;
        void *data = w->data;
        uint32_t found = w->found;
        weft__hloop_release(l, &w->h);
        weft__async_obj_free(l->store, w);
        l->nwatch--;
        fn(data, l->store, h, found);
        any = true;
        if (end) break;
    }
    return any;
}

/* ---- the public functions ---------------------------------------------------------------- */

weft_error_t *weft_fd_watch_new(weft_store_t *store, int fd, uint32_t events,
                                weft_fd_watch_fn fn, void *data, weft_async_handle_t *watch)
{
    if (!store || fd < 0 || !(events & EVENTS_KNOWN) || !fn || !watch)
        return weft__hloop_misuse(store, "weft_fd_watch_new: invalid argument");
    weft_hloop_t *l = weft__hloop(store);
    if (!l) return weft__error_oom();
    if ((size_t)fd >= l->fds_cap) {
        void *p = l->fds;
        size_t cap = l->fds_cap;
        if (weft__grow(&l->alloc, &p, &cap, (size_t)fd + 1, sizeof *l->fds))
            return weft__error_oom();
        memset((hfd_t **)p + l->fds_cap, 0, (cap - l->fds_cap) * sizeof *l->fds);
        l->fds = p;
        l->fds_cap = cap;
    }
    hfd_t *r = l->fds[fd];
    if (!r) {
        r = weft__calloc(&l->alloc, 1, sizeof *r);
        if (!r) return weft__error_oom();
        r->fd = fd;
        l->fds[fd] = r;
    }
    hwatch_t *w = weft__async_obj_new(store, sizeof *w, NULL);
    if (!w) return weft__error_oom();
    w->h.kind = WEFT_HK_FD_WATCH;
    weft_error_t *err = weft__hloop_add(l, &w->h);
    if (err) {
        weft__async_obj_free(store, w);
        return err;
    }
    w->fd = fd;
    w->events = events & EVENTS_KNOWN;
    w->fn = fn;
    w->data = data;
    w->next = r->head;
    if (r->head) r->head->prev = w;
    r->head = w;
    l->nwatch++;
    *watch = w->h.handle;
    if (r->always) {
        dispatch(l, r, EVENTS_KNOWN);
    } else {
#if defined(__linux__)
        /* Interest grows at once: a loop about to sleep must see this descriptor. */
        uint32_t want = r->armed | w->events;
        if (l->epfd >= 0) arm(l, r, want);
        else dispatch(l, r, WEFT_FD_ERROR);
#endif
    }
    if (l->ready_head) weft__hloop_signal(l);
    return NULL;
}

weft_error_t *weft_fd_watch_cancel(weft_store_t *store, weft_async_handle_t watch)
{
    weft_hloop_t *l = weft__hloop_peek(store);
    weft_hobj_t *o;
    weft_error_t *err = weft__hloop_get(l, watch, 1u << WEFT_HK_FD_WATCH, "weft_fd_watch_cancel",
                                        &o);
    if (err) return err;
    hwatch_t *w = (hwatch_t *)o;
    if (w->queued) {
        unqueue(l, w);
    } else {
        hfd_t *r = record(l, w->fd);
        if (r) {
            list_remove(&r->head, w);
            mark_dirty(l, r);
        }
    }
    weft__hloop_release(l, o);
    weft__async_obj_free(store, w);
    l->nwatch--;
    /* Outside the loop no later pass would drop the interest before the host's own wait. */
    if (!l->running) weft__hloop_fd_sync(l);
    return NULL;
}
