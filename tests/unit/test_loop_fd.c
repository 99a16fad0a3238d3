/* test_loop_fd.c - descriptor watchers of the store's event loop (weft.h weft_fd_watch_new):
 * a pipe's read end watched for input (also twice at once), its write end for room, a
 * cancelled watcher that never runs, a regular file that is always ready, hang-up, the loop's
 * descriptor (weft_store_async_fd) readable exactly while a watched descriptor is ready,
 * WEFT_RUN_UNTIL_IDLE and weft_task_wait() waiting for a watcher instead of returning or
 * reporting a deadlock, and the store's deadline or weft_store_interrupt() (from another
 * thread) ending a loop asleep on a silent pipe.
 *
 * The component (an async export `call-h` calling the async host function `h`) is the one of
 * test_async_component.h. */
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "test_async_component.h"
#include "test_util.h"

static bool ok_err(weft_error_t *err, int line)
{
    if (!err) return true;
    fprintf(stderr, "%s:%d: unexpected error: %s\n", __FILE__, line, weft_error_message(err));
    weft_error_delete(err);
    return false;
}
#define OK(e) CHECK(ok_err((e), __LINE__))

typedef struct seen {
    int count;
    uint32_t events;
    weft_async_handle_t last;
} seen_t;

static void on_fd(void *data, weft_store_t *store, weft_async_handle_t watch, uint32_t events)
{
    (void)store;
    seen_t *s = data;
    s->count++;
    s->events |= events;
    s->last = watch;
}

static bool readable_now(int fd)
{
    struct pollfd p = {fd, POLLIN, 0};
    return poll(&p, 1, 0) == 1 && (p.revents & POLLIN);
}

typedef struct writer {
    int fd;
    long delay_ms;
} writer_t;

static void *write_later(void *p)
{
    writer_t *w = p;
    struct timespec ts = {w->delay_ms / 1000, (w->delay_ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
    ssize_t r = write(w->fd, "x", 1);
    (void)r;
    return NULL;
}

typedef struct interrupter {
    weft_store_t *store;
    long delay_ms;
} interrupter_t;

static void *interrupt_later(void *p)
{
    interrupter_t *in = p;
    struct timespec ts = {in->delay_ms / 1000, (in->delay_ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
    weft_store_interrupt(in->store);
    return NULL;
}

static void test_pipe(void)
{
    weft_engine_t *engine = weft_engine_new(NULL);
    weft_store_t *store = weft_store_new(engine);
    int p[2];
    CHECK(pipe(p) == 0);
    seen_t r1 = {0, 0, 0}, r2 = {0, 0, 0}, w1 = {0, 0, 0}, c = {0, 0, 0};
    weft_async_handle_t hr1, hr2, hw, hc;
    OK(weft_fd_watch_new(store, p[0], WEFT_FD_READABLE, on_fd, &r1, &hr1));
    OK(weft_fd_watch_new(store, p[0], WEFT_FD_READABLE, on_fd, &r2, &hr2)); /* twice */
    OK(weft_fd_watch_new(store, p[0], WEFT_FD_READABLE, on_fd, &c, &hc));
    OK(weft_fd_watch_new(store, p[1], WEFT_FD_WRITABLE, on_fd, &w1, &hw));
    CHECK(hr1 && hr2 && hr1 != hr2);
    weft_async_stats_t st;
    weft_store_async_stats(store, &st);
    CHECK(st.handles == 4 && st.watches == 4);
    int afd = weft_store_async_fd(store);
    CHECK(afd >= 0);
    /* The write end has room: only that watcher runs. */
    OK(weft_store_run(store, WEFT_RUN_NOWAIT));
    CHECK(w1.count == 1 && w1.events == WEFT_FD_WRITABLE && w1.last == hw);
    CHECK(r1.count == 0 && r2.count == 0);
    CHECK(test_is_err(weft_fd_watch_cancel(store, hw), WEFT_ERROR_INVALID_ARG,
                      "unknown async handle"));
    /* Nothing to read: the loop's descriptor is not readable. */
    CHECK(!readable_now(afd));
    OK(weft_fd_watch_cancel(store, hc));
    CHECK(test_is_err(weft_fd_watch_cancel(store, hc), WEFT_ERROR_INVALID_ARG,
                      "unknown async handle"));
    CHECK(write(p[1], "a", 1) == 1);
    /* Input arrived: the loop's descriptor says so before anything runs. */
    CHECK(readable_now(afd));
    CHECK(weft_store_next_deadline_ns(store) == UINT64_MAX || readable_now(afd));
    OK(weft_store_run(store, WEFT_RUN_NOWAIT));
    CHECK(r1.count == 1 && r2.count == 1 && c.count == 0);
    CHECK(r1.events == WEFT_FD_READABLE && r1.last == hr1 && r2.last == hr2);
    /* No watcher is left: the unread byte does not keep the loop's descriptor readable. */
    CHECK(!readable_now(afd));
    weft_store_async_stats(store, &st);
    CHECK(st.handles == 0 && st.watches == 0);
    /* Watched again: the byte is still there, so ready at once. */
    OK(weft_fd_watch_new(store, p[0], WEFT_FD_READABLE, on_fd, &r1, &hr1));
    OK(weft_store_run(store, WEFT_RUN_ONCE));
    CHECK(r1.count == 2);
    char b;
    CHECK(read(p[0], &b, 1) == 1);

    /* RUN_UNTIL_IDLE sleeps until the watched pipe has input (another thread writes). */
    OK(weft_fd_watch_new(store, p[0], WEFT_FD_READABLE, on_fd, &r2, &hr2));
    writer_t wr = {p[1], 30};
    pthread_t th;
    CHECK(pthread_create(&th, NULL, write_later, &wr) == 0);
    uint64_t t0 = weft_monotonic_ns();
    OK(weft_store_run(store, WEFT_RUN_UNTIL_IDLE));
    uint64_t dt = weft_monotonic_ns() - t0;
    pthread_join(th, NULL);
    CHECK(r2.count == 2);
    CHECK(dt >= 20000000u);
    CHECK(read(p[0], &b, 1) == 1);

    /* The writer goes away: a reader's watcher sees the end of the stream. */
    OK(weft_fd_watch_new(store, p[0], WEFT_FD_READABLE, on_fd, &c, &hc));
    close(p[1]);
    OK(weft_store_run(store, WEFT_RUN_ONCE));
    CHECK(c.count == 1 && (c.events & WEFT_FD_READABLE));

    /* Misuse. */
    weft_async_handle_t h = 0;
    CHECK(test_is_err(weft_fd_watch_new(store, -1, WEFT_FD_READABLE, on_fd, &c, &h),
                      WEFT_ERROR_INVALID_ARG, "invalid argument"));
    CHECK(test_is_err(weft_fd_watch_new(store, p[0], 0, on_fd, &c, &h), WEFT_ERROR_INVALID_ARG,
                      "invalid argument"));
    CHECK(test_is_err(weft_fd_watch_new(store, p[0], WEFT_FD_READABLE, NULL, &c, &h),
                      WEFT_ERROR_INVALID_ARG, "invalid argument"));
    /* A watcher left pending is freed with the store. */
    OK(weft_fd_watch_new(store, p[0], WEFT_FD_READABLE, on_fd, &c, &h));
    weft_store_delete(store);
    close(p[0]);
    weft_engine_delete(engine);
}

static void test_regular_file(void)
{
    weft_engine_t *engine = weft_engine_new(NULL);
    weft_store_t *store = weft_store_new(engine);
    FILE *f = tmpfile();
    CHECK(f != NULL);
    int fd = f ? fileno(f) : 0;
    seen_t r = {0, 0, 0}, w = {0, 0, 0};
    weft_async_handle_t hr, hw;
    OK(weft_fd_watch_new(store, fd, WEFT_FD_READABLE, on_fd, &r, &hr));
    OK(weft_fd_watch_new(store, fd, WEFT_FD_WRITABLE, on_fd, &w, &hw));
    /* Work is due now (epoll cannot wait for a regular file). */
    CHECK(weft_store_next_deadline_ns(store) == 0);
    OK(weft_store_run(store, WEFT_RUN_UNTIL_IDLE));
    CHECK(r.count == 1 && r.events == WEFT_FD_READABLE);
    CHECK(w.count == 1 && w.events == WEFT_FD_WRITABLE);
    if (f) fclose(f);
    weft_store_delete(store);
    weft_engine_delete(engine);
}

/* ---- with a task waiting for an async host call ------------------------------------------ */

typedef struct fixture {
    weft_engine_t *engine;
    weft_store_t *store;
    weft_component_t *component;
    weft_component_linker_t *linker;
    weft_component_instance_t *inst;
    weft_cval_arena_t *arena;
    weft_async_handle_t call;
    int fd;
    seen_t seen;
} fixture_t;

static void complete_on_input(void *data, weft_store_t *store, weft_async_handle_t watch,
                              uint32_t events)
{
    fixture_t *fx = data;
    on_fd(&fx->seen, store, watch, events);
    char b;
    ssize_t n = read(fx->fd, &b, 1);
    weft_cval_t r;
    r.kind = WEFT_CVAL_U32;
    r.u.u = n == 1 ? (uint32_t)(unsigned char)b : 0u;
    OK(weft_host_call_complete(store, fx->call, &r, 1));
}

/* h(x): completes later, when fx->fd has input (the byte read is the result). */
static weft_error_t *h_fn(void *env, weft_store_t *store, const weft_cval_t *args, size_t nargs,
                          weft_async_handle_t call)
{
    (void)args, (void)nargs;
    fixture_t *fx = env;
    fx->call = call;
    weft_async_handle_t w;
    return weft_fd_watch_new(store, fx->fd, WEFT_FD_READABLE, complete_on_input, fx, &w);
}

static void setup(fixture_t *fx, int fd)
{
    memset(fx, 0, sizeof *fx);
    fx->fd = fd;
    fx->engine = weft_engine_new(NULL);
    fx->store = weft_store_new(fx->engine);
    fx->arena = weft_cval_arena_new(fx->engine);
    OK(weft_component_new(fx->engine, component_bytes, sizeof component_bytes, &fx->component));
    fx->linker = weft_component_linker_new(fx->engine);
    OK(weft_component_linker_define_async_func(fx->linker, NULL, 0, "h", 1, h_fn, fx, NULL));
    OK(weft_component_instance_new(fx->store, fx->component, fx->linker, &fx->inst));
}

static void teardown(fixture_t *fx)
{
    weft_cval_arena_delete(fx->arena);
    weft_store_delete(fx->store);
    weft_component_linker_delete(fx->linker);
    weft_component_delete(fx->component);
    weft_engine_delete(fx->engine);
}

static weft_async_handle_t start_call_h(fixture_t *fx)
{
    weft_component_func_t *f = NULL;
    CHECK(weft_component_instance_func(fx->inst, "call-h", 6, &f));
    weft_cval_t a;
    a.kind = WEFT_CVAL_U32;
    a.u.u = 1;
    weft_async_handle_t t = 0;
    OK(weft_task_start(fx->store, f, &a, 1, &t));
    return t;
}

static void test_task_wait(void)
{
    int p[2];
    CHECK(pipe(p) == 0);
    fixture_t fx;
    setup(&fx, p[0]);
    weft_async_handle_t t = start_call_h(&fx);
    CHECK(weft_task_state(fx.store, t) == WEFT_TASK_PENDING);
    /* A watcher is pending: the wait sleeps (no deadlock) until the input arrives. */
    writer_t wr = {p[1], 30};
    pthread_t th;
    CHECK(pthread_create(&th, NULL, write_later, &wr) == 0);
    OK(weft_task_wait(fx.store, t));
    pthread_join(th, NULL);
    CHECK(fx.seen.count == 1);
    CHECK(weft_task_state(fx.store, t) == WEFT_TASK_RETURNED);
    weft_cval_t r;
    memset(&r, 0, sizeof r);
    OK(weft_task_results(fx.store, t, &r, 1, fx.arena));
    CHECK(r.u.u == (uint32_t)'x' + 1); /* call-h returns h(x) + 1 */
    OK(weft_task_delete(fx.store, t));

    /* The store's deadline ends a wait on a pipe that stays silent. */
    t = start_call_h(&fx);
    weft_store_set_deadline_ns(fx.store, weft_monotonic_ns() + 40000000u);
    uint64_t t0 = weft_monotonic_ns();
    weft_error_t *err = weft_task_wait(fx.store, t);
    uint64_t dt = weft_monotonic_ns() - t0;
    CHECK(err && weft_error_trap_code(err) == WEFT_TRAP_INTERRUPTED);
    weft_error_delete(err);
    CHECK(dt >= 30000000u && dt < 2000000000u);
    CHECK(weft_task_state(fx.store, t) == WEFT_TASK_PENDING);

    /* weft_store_interrupt() from another thread ends the same wait (no deadline now): the
     * sleeping loop is woken, not left to the next descriptor event. */
    weft_store_set_deadline_ns(fx.store, 0);
    interrupter_t in = {fx.store, 30};
    CHECK(pthread_create(&th, NULL, interrupt_later, &in) == 0);
    t0 = weft_monotonic_ns();
    err = weft_task_wait(fx.store, t);
    dt = weft_monotonic_ns() - t0;
    pthread_join(th, NULL);
    CHECK(err && weft_error_trap_code(err) == WEFT_TRAP_INTERRUPTED);
    weft_error_delete(err);
    CHECK(dt >= 20000000u && dt < 2000000000u);
    CHECK(weft_task_state(fx.store, t) == WEFT_TASK_PENDING);
    teardown(&fx);
    close(p[0]);
    close(p[1]);
}

int main(void)
{
    test_pipe();
    test_regular_file();
    test_task_wait();
    return test_report("test_loop_fd");
}
