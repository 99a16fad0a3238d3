/* async_host.c - a host running a component's async exports from its own epoll loop: an async
 * host function (example:demo/timer `sleep`, completed when a timerfd fires) and a stream of
 * numbers the host feeds a little at a time, while several guest tasks are in flight. The
 * component is async_host.wat; see docs/embedding.md ("Async: tasks, host functions that
 * complete later, streams, the event loop").
 *
 * usage: async_host async_host.wasm */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "example_util.h"
#include "weft.h"

#define NUMBERS 100 /* the host streams 1..NUMBERS */
#define BATCH 25    /* numbers that become available per tick of the feeder */

/* One pending `sleep` call: the completion token and the timerfd that ends it. */
typedef struct sleeper {
    weft_async_handle_t call;
    uint32_t ms;
    int fd;
} sleeper_t;

typedef struct host {
    weft_store_t *store;
    int epfd;
    /* the feeder: the stream's writable end, what is available and what the guest took */
    weft_async_handle_t writer;
    uint32_t available, written, in_flight;
    bool writer_dropped;
    weft_cval_t batch[NUMBERS];
} host_t;

static void die(weft_error_t *err, const char *what)
{
    fprintf(stderr, "%s: %s\n", what, weft_error_message(err));
    weft_error_delete(err);
    exit(1);
}

/* example:demo/timer `sleep: async func(ms: u32) -> u32`: starts a timerfd and returns; the
 * call stays pending until the epoll loop sees the timer fire. */
static weft_error_t *sleep_start(void *env, weft_store_t *store, const weft_cval_t *args,
                                 size_t nargs, weft_async_handle_t call)
{
    host_t *h = env;
    (void)nargs;
    sleeper_t *s = malloc(sizeof *s);
    if (!s) return weft_trap_new(store, "out of memory");
    s->call = call;
    s->ms = (uint32_t)args[0].u.u;
    s->fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
    struct itimerspec its;
    memset(&its, 0, sizeof its);
    its.it_value.tv_sec = s->ms / 1000;
    its.it_value.tv_nsec = (long)(s->ms % 1000) * 1000000L + 1;
    struct epoll_event ev;
    ev.events = EPOLLIN;
    ev.data.ptr = s;
    if (s->fd < 0 || timerfd_settime(s->fd, 0, &its, NULL) != 0 ||
        epoll_ctl(h->epfd, EPOLL_CTL_ADD, s->fd, &ev) != 0) {
        free(s);
        return weft_trap_new(store, "cannot start a timer");
    }
    return NULL;
}

/* The timer fired: the guest's call returns the number of milliseconds slept. */
static void sleep_done(host_t *h, sleeper_t *s)
{
    weft_cval_t result;
    result.kind = WEFT_CVAL_U32;
    result.u.u = s->ms;
    weft_error_t *err = weft_host_call_complete(h->store, s->call, &result, 1);
    if (err) die(err, "complete");
    epoll_ctl(h->epfd, EPOLL_CTL_DEL, s->fd, NULL);
    close(s->fd);
    free(s);
}

/* Offers the guest the numbers available but not yet written. A write may be taken in part
 * (the guest reads 16 at a time): feed_progress learns how many went and writes the rest. */
static void feed(host_t *h)
{
    if (h->in_flight || h->writer_dropped) return;
    if (h->written == NUMBERS) {
        weft_error_t *err = weft_stream_drop(h->store, h->writer);
        if (err) die(err, "drop");
        h->writer_dropped = true;
        return;
    }
    if (h->written == h->available) return;
    h->in_flight = h->available - h->written;
    weft_error_t *err = weft_stream_write(h->store, h->writer, &h->batch[h->written],
                                          h->in_flight);
    if (err) die(err, "write");
}

/* Notification of the writable end: the copy finished (completely or in part). */
static void feed_progress(void *data, weft_store_t *store, weft_async_handle_t end)
{
    host_t *h = data;
    weft_stream_status_t st;
    weft_error_t *err = weft_stream_poll(store, end, &st);
    if (err) die(err, "poll");
    if (st.state == WEFT_STREAM_PENDING || st.state == WEFT_STREAM_IDLE) return;
    h->written += st.count;
    h->in_flight = 0;
    feed(h);
}

/* A weft timer: BATCH more numbers become available every 2 ms. */
static void tick(void *data, weft_store_t *store, weft_async_handle_t timer)
{
    host_t *h = data;
    (void)timer;
    h->available = h->available + BATCH > NUMBERS ? NUMBERS : h->available + BATCH;
    feed(h);
    if (h->available < NUMBERS) {
        weft_async_handle_t next;
        weft_error_t *err = weft_timer_new(store, weft_monotonic_ns() + 2000000u, tick, h, &next);
        if (err) die(err, "timer");
    }
}

int main(int argc, char **argv)
{
    size_t len;
    uint8_t *bytes = read_wasm_arg(argc, argv, "async_host.wasm", &len);
    weft_engine_t *engine = weft_engine_new(NULL);
    weft_store_t *store = weft_store_new(engine);
    weft_component_t *component;
    weft_error_t *err = weft_component_new(engine, bytes, len, &component);
    free(bytes);
    if (err) die(err, "component");

    host_t h;
    memset(&h, 0, sizeof h);
    h.store = store;
    h.epfd = epoll_create1(EPOLL_CLOEXEC);
    for (uint32_t i = 0; i < NUMBERS; i++) {
        h.batch[i].kind = WEFT_CVAL_U32;
        h.batch[i].u.u = i + 1;
    }

    weft_component_linker_t *linker = weft_component_linker_new(engine);
    const char *timer = "example:demo/timer";
    err = weft_component_linker_define_async_func(linker, timer, strlen(timer), "sleep", 5,
                                                  sleep_start, &h, NULL);
    if (err) die(err, "define");
    weft_component_instance_t *instance;
    err = weft_component_instance_new(store, component, linker, &instance);
    if (err) die(err, "instantiate");
    weft_component_func_t *run, *sum;
    if (!weft_component_instance_func(instance, "run", 3, &run) ||
        !weft_component_instance_func(instance, "sum", 3, &sum)) {
        fprintf(stderr, "missing export\n");
        return 1;
    }

    /* Weft's descriptor joins the host's epoll set: it becomes readable when the store has
     * work that appeared outside weft_store_run (data.ptr NULL marks it). */
    struct epoll_event ev;
    ev.events = EPOLLIN;
    ev.data.ptr = NULL;
    epoll_ctl(h.epfd, EPOLL_CTL_ADD, weft_store_async_fd(store), &ev);

    /* Three tasks sleeping 30, 10 and 20 ms, all in flight at once. */
    weft_async_handle_t tasks[4];
    for (uint32_t id = 1; id <= 3; id++) {
        weft_cval_t args[2];
        args[0].kind = WEFT_CVAL_U32;
        args[0].u.u = id;
        args[1].kind = WEFT_CVAL_U32;
        args[1].u.u = id == 1 ? 30 : id * 5;
        err = weft_task_start(store, run, args, 2, &tasks[id - 1]);
        if (err) die(err, "start");
    }

    /* A stream made by the host: the guest gets its readable end, the host writes. */
    weft_async_handle_t reader;
    err = weft_stream_new(store, weft_component_func_param_type(sum, 0), &reader, &h.writer);
    if (err) die(err, "stream");
    err = weft_async_set_notify(store, h.writer, feed_progress, &h);
    if (err) die(err, "notify");
    weft_cval_t arg;
    arg.kind = WEFT_CVAL_STREAM;
    arg.u.handle = reader; /* the reader leaves the host with the call */
    err = weft_task_start(store, sum, &arg, 1, &tasks[3]);
    if (err) die(err, "start");
    weft_async_handle_t first_tick;
    err = weft_timer_new(store, weft_monotonic_ns(), tick, &h, &first_tick);
    if (err) die(err, "timer");

    /* The host's loop: run what is ready, then sleep in epoll until a descriptor is ready
     * or the store's next deadline (its next timer) comes. */
    for (;;) {
        err = weft_store_run(store, WEFT_RUN_NOWAIT);
        if (err) die(err, "run");
        int pending = 0;
        for (int i = 0; i < 4; i++) pending += weft_task_state(store, tasks[i]) == WEFT_TASK_PENDING;
        if (!pending) break;
        uint64_t deadline = weft_store_next_deadline_ns(store), now = weft_monotonic_ns();
        int timeout = deadline == UINT64_MAX ? -1
                      : deadline <= now      ? 0
                                             : (int)((deadline - now + 999999u) / 1000000u);
        struct epoll_event events[8];
        int n = epoll_wait(h.epfd, events, 8, timeout);
        for (int i = 0; i < n; i++) {
            sleeper_t *s = events[i].data.ptr;
            if (s) sleep_done(&h, s); /* else: weft's descriptor (drained by weft_store_run) */
        }
    }

    weft_cval_arena_t *arena = weft_cval_arena_new(engine);
    for (int i = 0; i < 4; i++) {
        weft_cval_t result;
        err = weft_task_results(store, tasks[i], &result, 1, arena);
        if (err) die(err, "results");
        printf("%s task %d returned %llu\n", i < 3 ? "run" : "sum", i + 1,
               (unsigned long long)result.u.u);
        weft_task_delete(store, tasks[i]);
    }
    weft_async_stats_t stats;
    weft_store_async_stats(store, &stats);
    printf("host: %u tasks and %u handles left\n", stats.tasks, stats.handles);

    weft_cval_arena_delete(arena);
    close(h.epfd);
    weft_component_linker_delete(linker);
    weft_store_delete(store);
    weft_component_delete(component);
    weft_engine_delete(engine);
    return 0;
}
