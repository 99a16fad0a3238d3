/* loop.c - the store's event loop for embedders (weft.h "Component Model async": run modes,
 * next deadline, wake-up descriptor, timers, limits) and the table of host handles.
 *
 * The loop drives the async scheduler (async_task.c, definitions.py Store.tick) the way the
 * host's own entry (weft__async_call_host) does, but without a task of its own to wait for:
 * one pass delivers the results of host calls to their callers, fires due timers, calls the
 * host's notifications, calls the watchers of ready descriptors (loop_fd.c) and resumes every
 * guest thread that can go on. Sleeping is one wait on the wake-up descriptor, the watched
 * descriptors and the nearest timer (or the store's deadline). Only the wake-up is
 * thread-safe: an atomic flag plus a write to an eventfd (a pipe where there is none). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#if defined(__linux__)
#include <sys/eventfd.h>
#else
#include <fcntl.h>
#endif

#include "component/async_internal.h"
#include "component/host_async.h"
#include "util/error.h"

#define DEFAULT_MAX_TASKS 65536u

typedef struct weft_htimer {
    weft_hobj_t h;
    uint64_t deadline, seq;
    weft_timer_fn fn;
    void *data;
    size_t at; /* index in the heap */
} htimer_t;

/* ---- the loop object ------------------------------------------------------------------- */

static void loop_dtor(void *p)
{
    weft_hloop_t *l = p;
    weft__free(&l->alloc, l->slots, l->cap * sizeof *l->slots);
    weft__free(&l->alloc, l->heap, l->heap_cap * sizeof *l->heap);
    weft__free(&l->alloc, l->notes, l->notes_cap * sizeof *l->notes);
    weft_error_delete(l->failed);
    weft__hloop_fd_close(l);
    if (l->rfd >= 0) close(l->rfd);
    if (l->wfd >= 0 && l->wfd != l->rfd) close(l->wfd);
}

static void open_fd(weft_hloop_t *l)
{
    l->rfd = l->wfd = -1;
#if defined(__linux__)
    l->rfd = l->wfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
#else
    int fds[2];
    if (pipe(fds) == 0) {
        for (int i = 0; i < 2; i++) {
            fcntl(fds[i], F_SETFL, fcntl(fds[i], F_GETFL) | O_NONBLOCK);
            fcntl(fds[i], F_SETFD, FD_CLOEXEC);
        }
        l->rfd = fds[0];
        l->wfd = fds[1];
    }
#endif
}

weft_hloop_t *weft__hloop_peek(const weft_store_t *store)
{
    const weft_asched_t *s = store ? store->async_sched : NULL;
    return s ? s->loop : NULL;
}

weft_hloop_t *weft__hloop(weft_store_t *store)
{
    weft_hloop_t *l = weft__hloop_peek(store);
    if (l) return l;
    weft_asched_t *s = weft__async_sched(store);
    if (!s) return NULL;
    l = weft__async_obj_new(store, sizeof *l, loop_dtor);
    if (!l) return NULL;
    l->store = store;
    l->alloc = store->alloc;
    l->max_handles = WEFT_HINDEX_MAX;
    l->max_tasks = DEFAULT_MAX_TASKS;
    l->nslots = 1;
    atomic_init(&l->woken, 0u);
    open_fd(l);
    weft__hloop_fd_open(l);
    s->loop = l;
    /* Published after the descriptors exist: weft_store_interrupt() may wake the loop from any
     * thread from now on. */
    atomic_store_explicit(&store->wake_hook, weft_store_wake, memory_order_release);
    return l;
}

weft_store_t *weft__hloop_store(const weft_hloop_t *l)
{
    return l->store;
}

weft_error_t *weft__hloop_misuse(const weft_store_t *store, const char *fmt, ...)
{
    char buf[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    static const weft_alloc_t dflt = {weft__default_alloc, NULL};
    return weft__error_new(store ? &store->alloc : &dflt, WEFT_ERROR_INVALID_ARG, UINT64_MAX,
                           "%s", buf);
}

weft_error_t *weft__hloop_limit_trap(weft_hloop_t *l, weft_trap_code_t code)
{
    char detail[64];
    snprintf(detail, sizeof detail, "limit %u",
             code == WEFT_TRAP_TASK_LIMIT ? l->max_tasks : l->max_handles);
    return weft__error_trap(&l->alloc, code, detail);
}

/* ---- handles --------------------------------------------------------------------------- */

static uint32_t make_handle(uint32_t index, uint16_t gen)
{
    return ((uint32_t)gen << WEFT_HINDEX_BITS) | index;
}

weft_error_t *weft__hloop_add(weft_hloop_t *l, weft_hobj_t *o)
{
    if (l->live >= l->max_handles) return weft__hloop_limit_trap(l, WEFT_TRAP_HANDLE_LIMIT);
    uint32_t i = l->free_head;
    if (i) {
        l->free_head = l->slots[i].next_free;
    } else {
        if (l->nslots > WEFT_HINDEX_MAX) return weft__hloop_limit_trap(l, WEFT_TRAP_HANDLE_LIMIT);
        void *p = l->slots;
        if (weft__grow(&l->alloc, &p, &l->cap, (size_t)l->nslots + 1, sizeof *l->slots))
            return weft__error_oom();
        l->slots = p;
        i = l->nslots++;
        l->slots[i].gen = 1;
    }
    l->slots[i].obj = o;
    l->slots[i].next_free = 0;
    l->live++;
    o->handle = make_handle(i, l->slots[i].gen);
    o->noted = false;
    return NULL;
}

static weft_hobj_t *lookup(const weft_hloop_t *l, weft_async_handle_t h)
{
    uint32_t i = h & WEFT_HINDEX_MAX;
    if (!l || i == 0 || i >= l->nslots) return NULL;
    const weft_hslot_t *sl = &l->slots[i];
    if (!sl->obj || sl->gen != (h >> WEFT_HINDEX_BITS)) return NULL;
    return sl->obj;
}

weft_error_t *weft__hloop_get(const weft_hloop_t *l, weft_async_handle_t h, uint32_t kinds,
                              const char *what, weft_hobj_t **out)
{
    weft_hobj_t *o = lookup(l, h);
    if (!o)
        return weft__hloop_misuse(l ? l->store : NULL, "%s: unknown async handle %u (never "
                                                       "made, or already deleted/completed)",
                                  what, h);
    if (!(kinds & (1u << o->kind)))
        return weft__hloop_misuse(l->store, "%s: async handle %u of the wrong kind", what, h);
    *out = o;
    return NULL;
}

void weft__hloop_release(weft_hloop_t *l, weft_hobj_t *o)
{
    uint32_t i = o->handle & WEFT_HINDEX_MAX;
    if (!o->handle || i >= l->nslots || l->slots[i].obj != o) return;
    weft_hslot_t *sl = &l->slots[i];
    sl->obj = NULL;
    sl->gen = (uint16_t)(sl->gen >= WEFT_HGEN_MAX ? 1 : sl->gen + 1);
    sl->next_free = l->free_head;
    l->free_head = i;
    l->live--;
    o->handle = 0;
}

/* ---- notifications and the descriptor -------------------------------------------------- */

void weft__hloop_signal(weft_hloop_t *l)
{
    if (l->running || l->wfd < 0) return;
    uint64_t one = 1;
    ssize_t r = write(l->wfd, &one, l->wfd == l->rfd ? sizeof one : 1);
    (void)r; /* a full pipe or counter is readable already */
}

void weft__hloop_notify(weft_hloop_t *l, weft_hobj_t *o)
{
    if (!o->notify || o->noted || !o->handle) return;
    void *p = l->notes;
    if (weft__grow(&l->alloc, &p, &l->notes_cap, l->nnotes + 1, sizeof *l->notes))
        return; /* out of memory: the host still sees the state change when it polls */
    l->notes = p;
    l->notes[l->nnotes++] = o->handle;
    o->noted = true;
    weft__hloop_signal(l);
}

weft_error_t *weft_async_set_notify(weft_store_t *store, weft_async_handle_t handle,
                                    weft_async_notify_fn fn, void *data)
{
    weft_hobj_t *o;
    uint32_t kinds = ~((1u << WEFT_HK_TIMER) | (1u << WEFT_HK_ERROR_CONTEXT));
    weft_error_t *err = weft__hloop_get(weft__hloop_peek(store), handle, kinds,
                                        "weft_async_set_notify", &o);
    if (err) return err;
    o->notify = fn;
    o->notify_data = data;
    return NULL;
}

static bool deliver_notes(weft_hloop_t *l)
{
    if (l->nnotes == 0) return false;
    /* Notifications queued by the callbacks themselves are delivered in the same turn. */
    for (size_t i = 0; i < l->nnotes; i++) {
        weft_hobj_t *o = lookup(l, l->notes[i]);
        if (!o || !o->noted) continue;
        o->noted = false;
        if (o->notify) o->notify(o->notify_data, l->store, o->handle);
    }
    l->nnotes = 0;
    return true;
}

/* ---- timers: a binary heap by (deadline, creation order) ------------------------------- */

static bool timer_before(const htimer_t *a, const htimer_t *b)
{
    return a->deadline < b->deadline || (a->deadline == b->deadline && a->seq < b->seq);
}

static void heap_set(weft_hloop_t *l, size_t i, htimer_t *t)
{
    l->heap[i] = t;
    t->at = i;
}

static void heap_up(weft_hloop_t *l, size_t i)
{
    htimer_t *t = l->heap[i];
    while (i > 0 && timer_before(t, l->heap[(i - 1) / 2])) {
        heap_set(l, i, l->heap[(i - 1) / 2]);
        i = (i - 1) / 2;
    }
    heap_set(l, i, t);
}

static void heap_down(weft_hloop_t *l, size_t i)
{
    htimer_t *t = l->heap[i];
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= l->nheap) break;
        if (c + 1 < l->nheap && timer_before(l->heap[c + 1], l->heap[c])) c++;
        if (!timer_before(l->heap[c], t)) break;
        heap_set(l, i, l->heap[c]);
        i = c;
    }
    heap_set(l, i, t);
}

static void heap_remove(weft_hloop_t *l, htimer_t *t)
{
    size_t i = t->at;
    htimer_t *last = l->heap[--l->nheap];
    if (last == t) return;
    heap_set(l, i, last);
    heap_up(l, i);
    heap_down(l, last->at);
}

bool weft__hloop_has_timers(const weft_hloop_t *l)
{
    return l && l->nheap > 0;
}

bool weft__hloop_has_waits(const weft_hloop_t *l)
{
    return l && (l->nheap > 0 || l->nwatch > 0);
}

weft_error_t *weft__hloop_stopped(weft_hloop_t *l)
{
    weft_store_t *s = l->store;
    bool stop = s->deadline_ns && weft_monotonic_ns() >= s->deadline_ns;
    /* A request is consumed by the trap it causes, as in running code (weft.h). */
    if (!stop && atomic_load(&s->interrupt_flag) && atomic_exchange(&s->interrupt_flag, 0u))
        stop = true;
    return stop ? weft__error_trap(&l->alloc, WEFT_TRAP_INTERRUPTED, NULL) : NULL;
}

weft_error_t *weft_timer_new(weft_store_t *store, uint64_t deadline_ns, weft_timer_fn fn,
                             void *data, weft_async_handle_t *timer)
{
    if (!store || !fn || !timer) return weft__hloop_misuse(store, "weft_timer_new: invalid argument");
    weft_hloop_t *l = weft__hloop(store);
    if (!l) return weft__error_oom();
    void *p = l->heap;
    if (weft__grow(&l->alloc, &p, &l->heap_cap, l->nheap + 1, sizeof *l->heap))
        return weft__error_oom();
    l->heap = p;
    htimer_t *t = weft__async_obj_new(store, sizeof *t, NULL);
    if (!t) return weft__error_oom();
    t->h.kind = WEFT_HK_TIMER;
    weft_error_t *err = weft__hloop_add(l, &t->h);
    if (err) {
        weft__async_obj_free(store, t);
        return err;
    }
    t->deadline = deadline_ns;
    t->seq = l->timer_seq++;
    t->fn = fn;
    t->data = data;
    l->heap[l->nheap] = t;
    t->at = l->nheap++;
    heap_up(l, t->at);
    *timer = t->h.handle;
    return NULL;
}

weft_error_t *weft_timer_cancel(weft_store_t *store, weft_async_handle_t timer)
{
    weft_hloop_t *l = weft__hloop_peek(store);
    weft_hobj_t *o;
    weft_error_t *err = weft__hloop_get(l, timer, 1u << WEFT_HK_TIMER, "weft_timer_cancel", &o);
    if (err) return err;
    htimer_t *t = (htimer_t *)o;
    heap_remove(l, t);
    weft__hloop_release(l, o);
    weft__async_obj_free(store, t);
    return NULL;
}

static bool fire_timers(weft_hloop_t *l)
{
    if (l->nheap == 0) return false;
    uint64_t now = weft_monotonic_ns();
    bool any = false;
    while (l->nheap > 0 && l->heap[0]->deadline <= now) {
        htimer_t *t = l->heap[0];
        heap_remove(l, t);
        weft_async_handle_t h = t->h.handle;
        weft_timer_fn fn = t->fn;
        void *data = t->data;
        weft__hloop_release(l, &t->h);
        weft__async_obj_free(l->store, t);
        fn(data, l->store, h);
        any = true;
    }
    return any;
}

/* ---- limits and counts ----------------------------------------------------------------- */

bool weft__hloop_task_begin(weft_hloop_t *l, bool is_call)
{
    if (l->ntasks >= l->max_tasks) return false;
    l->ntasks++;
    if (is_call) l->ncalls++;
    return true;
}

void weft__hloop_task_end(weft_hloop_t *l, bool is_call)
{
    if (l->ntasks) l->ntasks--;
    if (is_call && l->ncalls) l->ncalls--;
}

weft_error_t *weft_store_set_async_limits(weft_store_t *store, uint32_t max_tasks,
                                          uint32_t max_handles)
{
    weft_hloop_t *l = weft__hloop(store);
    if (!l) return weft__error_oom();
    if (max_tasks) l->max_tasks = max_tasks;
    if (max_handles) l->max_handles = max_handles > WEFT_HINDEX_MAX ? WEFT_HINDEX_MAX : max_handles;
    return NULL;
}

void weft_store_async_stats(weft_store_t *store, weft_async_stats_t *out)
{
    const weft_hloop_t *l = weft__hloop_peek(store);
    memset(out, 0, sizeof *out);
    if (!l) return;
    out->tasks = l->ntasks;
    out->calls = l->ncalls;
    out->handles = l->live;
    out->timers = (uint32_t)l->nheap;
    out->watches = l->nwatch;
}

/* ---- running --------------------------------------------------------------------------- */

static void drain_fd(weft_hloop_t *l)
{
    if (l->rfd < 0) return;
    uint64_t buf[8];
    while (read(l->rfd, buf, l->rfd == l->wfd ? sizeof buf[0] : sizeof buf) > 0) {
    }
}

weft_error_t *weft__hloop_pass(weft_hloop_t *l, bool *progress)
{
    bool saved = l->running;
    l->running = true;
    drain_fd(l);
    atomic_store(&l->woken, 0u);
    weft_error_t *err = weft__ahost_resolve_queued(l, progress);
    if (!err && l->failed) {
        err = l->failed;
        l->failed = NULL;
    }
    if (!err) {
        if (fire_timers(l)) *progress = true;
        if (l->nwatch) {
            weft__hloop_fd_wait(l, 0);
            if (weft__hloop_fd_fire(l)) *progress = true;
        }
        if (deliver_notes(l)) *progress = true;
        /* A callback may have completed host calls: their results go out in this pass. */
        err = weft__ahost_resolve_queued(l, progress);
    }
    weft_asched_t *s = l->store->async_sched;
    weft_athread_t *th;
    while (!err && s && (th = weft__asched_next(s))) {
        /* Store.tick: one thread resumed up to its next block. */
        weft_cstate_t *ti = th->inst;
        weft__call_enter(ti);
        err = weft__athread_resume(th, false);
        weft__call_leave(ti);
        *progress = true;
        if (err) {
            weft__async_poison(ti);
            /* The host's tasks of the instance keep the reason (weft_task_error). */
            weft__ahost_note_trap(l, ti, err);
        }
    }
    /* Interest dropped in this pass leaves the kernel before anyone waits on the descriptor. */
    if (l->dirty) weft__hloop_fd_sync(l);
    l->running = saved;
    return err;
}

void weft__hloop_sleep(weft_hloop_t *l, bool forever)
{
    if (atomic_load(&l->woken) || l->ready_head) return;
    int timeout = -1;
    uint64_t now = weft_monotonic_ns();
    if (l->nheap > 0) {
        uint64_t d = l->heap[0]->deadline;
        uint64_t ms = d <= now ? 0 : (d - now + 999999u) / 1000000u;
        timeout = ms > 60000u ? 60000 : (int)ms;
    } else if (!forever && l->nwatch == 0) {
        return;
    }
    /* The store's deadline ends the sleep too: the caller then reports it (hloop_stopped). */
    uint64_t dl = l->store->deadline_ns;
    if (dl) {
        uint64_t ms = dl <= now ? 0 : (dl - now + 999999u) / 1000000u;
        if (timeout < 0 || ms < (uint64_t)timeout) timeout = ms > 60000u ? 60000 : (int)ms;
    }
    weft__hloop_fd_wait(l, timeout);
}

static weft_error_t *run_ready(weft_hloop_t *l, bool *any)
{
    for (;;) {
        bool p = false;
        weft_error_t *err = weft__hloop_pass(l, &p);
        if (err) return err;
        if (!p) return NULL;
        *any = true;
    }
}

weft_error_t *weft_store_run(weft_store_t *store, weft_run_mode_t mode)
{
    if (!store) return weft__hloop_misuse(NULL, "weft_store_run: invalid argument");
    weft_hloop_t *l = weft__hloop(store);
    if (!l) return weft__error_oom();
    bool any = false;
    weft_error_t *err = run_ready(l, &any);
    if (err || mode == WEFT_RUN_NOWAIT) return err;
    if (mode == WEFT_RUN_ONCE) {
        if (any) return NULL;
        if ((err = weft__hloop_stopped(l))) return err;
        weft__hloop_sleep(l, true);
        return run_ready(l, &any);
    }
    /* WEFT_RUN_UNTIL_IDLE */
    while (weft__hloop_has_waits(l)) {
        if ((err = weft__hloop_stopped(l))) return err;
        weft__hloop_sleep(l, false);
        if (atomic_load(&l->woken)) return run_ready(l, &any);
        if ((err = run_ready(l, &any))) return err;
    }
    return NULL;
}

uint64_t weft_store_next_deadline_ns(weft_store_t *store)
{
    const weft_hloop_t *l = weft__hloop_peek(store);
    const weft_asched_t *s = store ? store->async_sched : NULL;
    if (l && (l->rq_head || l->nnotes || l->failed || l->ready_head || atomic_load(&l->woken)))
        return 0;
    if (s && (s->rqhead || s->dirty)) return 0;
    if (l && l->nheap) return l->heap[0]->deadline;
    return UINT64_MAX;
}

int weft_store_async_fd(weft_store_t *store)
{
    weft_hloop_t *l = store ? weft__hloop(store) : NULL;
    return l ? weft__hloop_fd_public(l) : -1;
}

void weft_store_wake(weft_store_t *store)
{
    /* Any thread: only the flag and the descriptor are touched, both made by the loop thread
     * before this may be called. */
    weft_asched_t *s = store ? store->async_sched : NULL;
    weft_hloop_t *l = s ? s->loop : NULL;
    if (!l) return;
    atomic_store(&l->woken, 1u);
    if (l->wfd >= 0) {
        uint64_t one = 1;
        ssize_t r = write(l->wfd, &one, l->wfd == l->rfd ? sizeof one : 1);
        (void)r;
    }
}
