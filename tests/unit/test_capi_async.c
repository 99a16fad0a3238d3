/* test_capi_async.c - the async part of the public component API (weft.h "Component Model
 * async"): async host functions completed at once, later from the host's loop, failed and
 * cancelled from the guest; several tasks started by the host in flight, with their states,
 * results, errors (also a trap after a task returned), cancellation, waiting and deletion;
 * streams and futures written and read by
 * the host with partial progress, notifications and cancellation; the event loop (run modes,
 * next deadline, descriptor, cross-thread wake-up, timers), limits and their traps, and
 * misuse (unknown handles, wrong kinds, double completion, use after delete) as errors, never
 * crashes: under ASan+UBSan (make SAN=1 unit) none of it touches freed memory.
 *
 * The component and its text are in test_async_component.h. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "weft.h"
#include "test_async_component.h"

static int failures, checks;
#define CHECK(c)                                                                               \
    do {                                                                                       \
        checks++;                                                                              \
        if (!(c)) {                                                                            \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #c);              \
            failures++;                                                                        \
        }                                                                                      \
    } while (0)

/* Checks that err is an error of `kind` (and trap code, when kind is a trap and code is
 * not WEFT_TRAP_NONE) whose message contains `text`, and frees it. */
static void expect_err(weft_error_t *err, weft_error_kind_t kind, weft_trap_code_t code,
                       const char *text, int line)
{
    checks++;
    if (!err) {
        fprintf(stderr, "%s:%d: expected an error (%s)\n", __FILE__, line, text);
        failures++;
        return;
    }
    bool ok = weft_error_kind(err) == kind && (!text || strstr(weft_error_message(err), text)) &&
              (code == WEFT_TRAP_NONE || weft_error_trap_code(err) == code);
    if (!ok) {
        fprintf(stderr, "%s:%d: unexpected error %d/%d: %s (wanted %s)\n", __FILE__, line,
                (int)weft_error_kind(err), (int)weft_error_trap_code(err),
                weft_error_message(err), text);
        failures++;
    }
    weft_error_delete(err);
}
#define EXPECT_ERR(e, kind, code, text) expect_err((e), (kind), (code), (text), __LINE__)
#define MISUSE(e, text) EXPECT_ERR((e), WEFT_ERROR_INVALID_ARG, WEFT_TRAP_NONE, (text))

static void expect_ok(weft_error_t *err, int line)
{
    checks++;
    if (err) {
        fprintf(stderr, "%s:%d: unexpected error: %s\n", __FILE__, line, weft_error_message(err));
        failures++;
        weft_error_delete(err);
    }
}
#define OK(e) expect_ok((e), __LINE__)

/* ---- the host function `h: async func(x: u32) -> u32` ----------------------------------- */

enum { H_NOW, H_LATER, H_FAIL_NOW, H_ERROR };

typedef struct host {
    int mode;
    weft_async_handle_t calls[16];
    uint32_t args[16];
    int ncalls;
    int cancel_notes;
} host_t;

static void cancel_note(void *data, weft_store_t *store, weft_async_handle_t call)
{
    host_t *h = data;
    h->cancel_notes++;
    CHECK(weft_host_call_cancel_requested(store, call));
}

static weft_error_t *h_fn(void *env, weft_store_t *store, const weft_cval_t *args, size_t nargs,
                          weft_async_handle_t call)
{
    host_t *h = env;
    CHECK(nargs == 1 && args[0].kind == WEFT_CVAL_U32 && call != 0);
    uint32_t x = (uint32_t)args[0].u.u;
    switch (h->mode) {
    case H_NOW: {
        weft_cval_t r;
        r.kind = WEFT_CVAL_U32;
        r.u.u = x + 100;
        return weft_host_call_complete(store, call, &r, 1);
    }
    case H_FAIL_NOW:
        return weft_host_call_fail(store, call, "h failed at once");
    case H_ERROR:
        return weft_trap_new(store, "h refused");
    default:
        if (h->ncalls < 16) {
            h->calls[h->ncalls] = call;
            h->args[h->ncalls++] = x;
        }
        /* told (from the loop) when the caller asks to cancel */
        return weft_async_set_notify(store, call, cancel_note, h);
    }
}

static weft_error_t *complete_u32(weft_store_t *store, weft_async_handle_t call, uint32_t v)
{
    weft_cval_t r;
    r.kind = WEFT_CVAL_U32;
    r.u.u = v;
    return weft_host_call_complete(store, call, &r, 1);
}


typedef struct fixture {
    weft_engine_t *engine;
    weft_store_t *store;
    weft_component_t *component;
    weft_component_linker_t *linker;
    weft_component_instance_t *inst;
    weft_cval_arena_t *arena;
    host_t host;
} fixture_t;

static void setup(fixture_t *fx)
{
    memset(fx, 0, sizeof *fx);
    fx->engine = weft_engine_new(NULL);
    fx->store = weft_store_new(fx->engine);
    fx->arena = weft_cval_arena_new(fx->engine);
    OK(weft_component_new(fx->engine, component_bytes, sizeof component_bytes, &fx->component));
    fx->linker = weft_component_linker_new(fx->engine);
    OK(weft_component_linker_define_async_func(fx->linker, NULL, 0, "h", 1, h_fn, &fx->host,
                                               NULL));
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

static weft_component_func_t *func(fixture_t *fx, const char *name)
{
    weft_component_func_t *f = NULL;
    CHECK(weft_component_instance_func(fx->inst, name, strlen(name), &f));
    return f;
}

static weft_async_handle_t start_u32(fixture_t *fx, const char *name, uint32_t x)
{
    weft_cval_t a;
    a.kind = WEFT_CVAL_U32;
    a.u.u = x;
    weft_async_handle_t t = 0;
    OK(weft_task_start(fx->store, func(fx, name), &a, 1, &t));
    return t;
}

static uint64_t result_of(fixture_t *fx, weft_async_handle_t t)
{
    weft_cval_t r;
    memset(&r, 0, sizeof r);
    OK(weft_task_results(fx->store, t, &r, 1, fx->arena));
    return r.u.u;
}

/* ---- async host functions ------------------------------------------------------------- */

static void test_host_now(void)
{
    fixture_t fx;
    setup(&fx);
    fx.host.mode = H_NOW;
    /* completed inside the host function: the guest sees RETURNED at once */
    weft_async_handle_t t = start_u32(&fx, "call-h", 7);
    CHECK(weft_task_state(fx.store, t) == WEFT_TASK_RETURNED);
    CHECK(result_of(&fx, t) == 108);
    OK(weft_task_delete(fx.store, t));
    /* the synchronous lower of the same function */
    t = start_u32(&fx, "sync-h", 8);
    CHECK(weft_task_state(fx.store, t) == WEFT_TASK_RETURNED);
    CHECK(result_of(&fx, t) == 109);
    OK(weft_task_delete(fx.store, t));
    weft_async_stats_t st;
    weft_store_async_stats(fx.store, &st);
    CHECK(st.tasks == 0 && st.calls == 0 && st.handles == 0);
    teardown(&fx);
}

static void test_host_later(void)
{
    fixture_t fx;
    setup(&fx);
    fx.host.mode = H_LATER;
    weft_async_handle_t t[3];
    for (int i = 0; i < 3; i++) t[i] = start_u32(&fx, "call-h", (uint32_t)i + 1);
    weft_async_handle_t ts = start_u32(&fx, "sync-h", 9);
    CHECK(fx.host.ncalls == 4);
    for (int i = 0; i < 3; i++) CHECK(weft_task_state(fx.store, t[i]) == WEFT_TASK_PENDING);
    weft_async_stats_t st;
    weft_store_async_stats(fx.store, &st);
    CHECK(st.tasks == 8 && st.calls == 4 && st.handles == 8);
    /* nothing can run: the loop returns at once */
    OK(weft_store_run(fx.store, WEFT_RUN_NOWAIT));
    OK(weft_store_run(fx.store, WEFT_RUN_UNTIL_IDLE));
    CHECK(weft_store_next_deadline_ns(fx.store) == UINT64_MAX);
    /* completions in reverse order */
    for (int i = 3; i >= 0; i--)
        OK(complete_u32(fx.store, fx.host.calls[i], fx.host.args[i] * 10));
    CHECK(weft_store_next_deadline_ns(fx.store) == 0);
    CHECK(weft_task_state(fx.store, t[0]) == WEFT_TASK_PENDING);
    OK(weft_store_run(fx.store, WEFT_RUN_NOWAIT));
    for (int i = 0; i < 3; i++) {
        CHECK(weft_task_state(fx.store, t[i]) == WEFT_TASK_RETURNED);
        CHECK(result_of(&fx, t[i]) == (uint64_t)(i + 1) * 10 + 1);
    }
    CHECK(weft_task_state(fx.store, ts) == WEFT_TASK_RETURNED);
    CHECK(result_of(&fx, ts) == 91);
    /* double completion and use of a spent token */
    MISUSE(complete_u32(fx.store, fx.host.calls[0], 1), "unknown async handle");
    MISUSE(weft_host_call_fail(fx.store, fx.host.calls[1], "x"), "unknown async handle");
    MISUSE(weft_host_call_cancel(fx.store, fx.host.calls[2]), "unknown async handle");
    CHECK(!weft_host_call_cancel_requested(fx.store, fx.host.calls[3]));
    for (int i = 0; i < 3; i++) OK(weft_task_delete(fx.store, t[i]));
    OK(weft_task_delete(fx.store, ts));
    weft_store_async_stats(fx.store, &st);
    CHECK(st.tasks == 0 && st.calls == 0 && st.handles == 0);

    /* a result of the wrong type or count leaves the call pending */
    fx.host.ncalls = 0;
    weft_async_handle_t t2 = start_u32(&fx, "call-h", 5);
    weft_cval_t bad;
    bad.kind = WEFT_CVAL_STRING;
    bad.u.str.bytes = NULL;
    bad.u.str.tagged_code_units = 0;
    bad.u.str.encoding = 0;
    MISUSE(weft_host_call_complete(fx.store, fx.host.calls[0], &bad, 1), "does not match");
    MISUSE(weft_host_call_complete(fx.store, fx.host.calls[0], NULL, 0), "expected 1 result");
    MISUSE(weft_host_call_cancel(fx.store, fx.host.calls[0]), "did not request cancellation");
    MISUSE(weft_task_results(fx.store, t2, &bad, 1, fx.arena), "has not returned");
    /* a task handle is not a call handle and the reverse */
    MISUSE(complete_u32(fx.store, t2, 1), "wrong kind");
    MISUSE(weft_task_cancel(fx.store, fx.host.calls[0]), "wrong kind");
    OK(complete_u32(fx.store, fx.host.calls[0], 50));
    OK(weft_task_wait(fx.store, t2));
    CHECK(result_of(&fx, t2) == 51);
    OK(weft_task_delete(fx.store, t2));
    /* use after delete */
    CHECK(weft_task_state(fx.store, t2) == WEFT_TASK_FAILED);
    MISUSE(weft_task_results(fx.store, t2, &bad, 1, fx.arena), "unknown async handle");
    MISUSE(weft_task_delete(fx.store, t2), "unknown async handle");
    MISUSE(weft_task_wait(fx.store, t2), "unknown async handle");
    CHECK(weft_task_error(fx.store, t2) == NULL);
    MISUSE(weft_task_delete(fx.store, 0), "unknown async handle");
    MISUSE(weft_task_delete(fx.store, 0xfffff), "unknown async handle");

    /* a task deleted while pending is freed when it resolves */
    fx.host.ncalls = 0;
    weft_async_handle_t t3 = start_u32(&fx, "call-h", 6);
    OK(weft_task_delete(fx.store, t3));
    weft_store_async_stats(fx.store, &st);
    CHECK(st.tasks == 2 && st.calls == 1);
    OK(complete_u32(fx.store, fx.host.calls[0], 1));
    OK(weft_store_run(fx.store, WEFT_RUN_NOWAIT));
    weft_store_async_stats(fx.store, &st);
    CHECK(st.tasks == 0 && st.handles == 0);
    teardown(&fx);
}

static void test_host_fail(void)
{
    fixture_t fx;
    setup(&fx);
    /* failed inside the host function: the guest traps at once */
    fx.host.mode = H_FAIL_NOW;
    weft_async_handle_t t = start_u32(&fx, "call-h", 1);
    CHECK(weft_task_state(fx.store, t) == WEFT_TASK_FAILED);
    weft_error_t *e = weft_task_error(fx.store, t);
    EXPECT_ERR(e, WEFT_ERROR_TRAP, WEFT_TRAP_HOST, "h failed at once");
    OK(weft_task_delete(fx.store, t));
    /* the instance is poisoned now */
    EXPECT_ERR(weft_task_start(fx.store, func(&fx, "call-h"), NULL, 0, &t),
               WEFT_ERROR_INVALID_ARG, WEFT_TRAP_NONE, "expected 1 arguments");
    weft_cval_t a;
    a.kind = WEFT_CVAL_U32;
    a.u.u = 1;
    EXPECT_ERR(weft_task_start(fx.store, func(&fx, "call-h"), &a, 1, &t), WEFT_ERROR_TRAP,
               WEFT_TRAP_NONE, "cannot enter component instance");
    teardown(&fx);

    /* failed later from the loop */
    setup(&fx);
    fx.host.mode = H_LATER;
    t = start_u32(&fx, "call-h", 2);
    OK(weft_host_call_fail(fx.store, fx.host.calls[0], "disk on fire"));
    MISUSE(complete_u32(fx.store, fx.host.calls[0], 1), "unknown async handle");
    EXPECT_ERR(weft_store_run(fx.store, WEFT_RUN_NOWAIT), WEFT_ERROR_TRAP, WEFT_TRAP_HOST,
               "disk on fire");
    CHECK(weft_task_state(fx.store, t) == WEFT_TASK_FAILED);
    OK(weft_store_run(fx.store, WEFT_RUN_NOWAIT));
    teardown(&fx);

    /* the host function returns an error */
    setup(&fx);
    fx.host.mode = H_ERROR;
    t = start_u32(&fx, "sync-h", 2);
    CHECK(weft_task_state(fx.store, t) == WEFT_TASK_FAILED);
    e = weft_task_error(fx.store, t);
    EXPECT_ERR(e, WEFT_ERROR_TRAP, WEFT_TRAP_NONE, "h refused");
    weft_async_stats_t st;
    weft_store_async_stats(fx.store, &st);
    CHECK(st.calls == 0);
    teardown(&fx);
}

static void test_host_cancel(void)
{
    fixture_t fx;
    setup(&fx);
    fx.host.mode = H_LATER;
    /* the guest cancels: the host is told and acknowledges */
    weft_async_handle_t t = start_u32(&fx, "cancel-h", 3);
    CHECK(fx.host.ncalls == 1);
    weft_async_handle_t call = fx.host.calls[0];
    CHECK(weft_host_call_cancel_requested(fx.store, call));
    CHECK(fx.host.cancel_notes == 0); /* notifications come from the loop */
    OK(weft_store_run(fx.store, WEFT_RUN_NOWAIT));
    CHECK(fx.host.cancel_notes == 1);
    CHECK(weft_task_state(fx.store, t) == WEFT_TASK_PENDING);
    OK(weft_host_call_cancel(fx.store, call));
    MISUSE(weft_host_call_cancel(fx.store, call), "unknown async handle");
    OK(weft_task_wait(fx.store, t));
    CHECK(result_of(&fx, t) == 4); /* CANCELLED_BEFORE_RETURNED */
    OK(weft_task_delete(fx.store, t));

    /* the host completes anyway */
    fx.host.ncalls = 0;
    t = start_u32(&fx, "cancel-h", 4);
    CHECK(weft_host_call_cancel_requested(fx.store, fx.host.calls[0]));
    OK(complete_u32(fx.store, fx.host.calls[0], 77));
    OK(weft_task_wait(fx.store, t));
    CHECK(result_of(&fx, t) == 77);
    OK(weft_task_delete(fx.store, t));
    teardown(&fx);
}

/* ---- tasks ------------------------------------------------------------------------------ */

static void test_tasks(void)
{
    fixture_t fx;
    setup(&fx);
    /* a trap */
    weft_async_handle_t t = 0;
    OK(weft_task_start(fx.store, func(&fx, "boom"), NULL, 0, &t));
    CHECK(weft_task_state(fx.store, t) == WEFT_TASK_FAILED);
    weft_error_t *e = weft_task_error(fx.store, t);
    EXPECT_ERR(e, WEFT_ERROR_TRAP, WEFT_TRAP_NONE, "unreachable");
    OK(weft_task_wait(fx.store, t)); /* resolved (failed): returns at once */
    OK(weft_task_delete(fx.store, t));
    teardown(&fx);

    setup(&fx);
    /* a deadlock: the task waits on an empty set, nothing else can happen */
    OK(weft_task_start(fx.store, func(&fx, "forever"), NULL, 0, &t));
    CHECK(weft_task_state(fx.store, t) == WEFT_TASK_PENDING);
    EXPECT_ERR(weft_task_wait(fx.store, t), WEFT_ERROR_TRAP, WEFT_TRAP_NONE,
               "deadlock detected: event loop cannot make further progress");
    CHECK(weft_task_state(fx.store, t) == WEFT_TASK_PENDING);
    /* cancelling a task blocked in a non-cancellable wait leaves it pending; twice is a no-op */
    OK(weft_task_cancel(fx.store, t));
    OK(weft_task_cancel(fx.store, t));
    CHECK(weft_task_state(fx.store, t) == WEFT_TASK_PENDING);
    CHECK(weft_task_error(fx.store, t) == NULL);
    /* arguments are checked */
    weft_cval_t a;
    a.kind = WEFT_CVAL_STRING;
    a.u.str.bytes = (const uint8_t *)"x";
    a.u.str.tagged_code_units = 1;
    a.u.str.encoding = 0;
    weft_async_handle_t t2;
    MISUSE(weft_task_start(fx.store, func(&fx, "call-h"), &a, 1, &t2), "does not match");
    MISUSE(weft_task_start(fx.store, NULL, &a, 1, &t2), "invalid argument");
    OK(weft_task_delete(fx.store, t));
    teardown(&fx);
}

/* A trap after the task returned (the rest of its code trapped) is not lost: the task stays
 * RETURNED with its result, and weft_task_error() gives the trap, whether it happened inside
 * weft_task_start() or later in weft_store_run() (which returns it too). Other tasks of the
 * poisoned instance report the same trap. */
static void test_late_trap(void)
{
    fixture_t fx;
    setup(&fx);
    weft_async_handle_t t = start_u32(&fx, "late", 5);
    CHECK(weft_task_state(fx.store, t) == WEFT_TASK_RETURNED);
    CHECK(result_of(&fx, t) == 5);
    EXPECT_ERR(weft_task_error(fx.store, t), WEFT_ERROR_TRAP, WEFT_TRAP_UNREACHABLE,
               "unreachable");
    EXPECT_ERR(weft_task_error(fx.store, t), WEFT_ERROR_TRAP, WEFT_TRAP_NONE, "unreachable");
    OK(weft_task_wait(fx.store, t)); /* resolved: at once */
    OK(weft_store_run(fx.store, WEFT_RUN_NOWAIT));
    OK(weft_task_delete(fx.store, t));
    teardown(&fx);

    setup(&fx);
    fx.host.mode = H_LATER;
    t = start_u32(&fx, "late-h", 6);
    weft_async_handle_t other = start_u32(&fx, "call-h", 7);
    CHECK(weft_task_state(fx.store, t) == WEFT_TASK_RETURNED);
    CHECK(result_of(&fx, t) == 6);
    CHECK(weft_task_error(fx.store, t) == NULL); /* it has not trapped yet */
    CHECK(weft_task_state(fx.store, other) == WEFT_TASK_PENDING);
    CHECK(fx.host.ncalls == 2 && fx.host.args[0] == 6);
    OK(complete_u32(fx.store, fx.host.calls[0], 1));
    EXPECT_ERR(weft_store_run(fx.store, WEFT_RUN_NOWAIT), WEFT_ERROR_TRAP,
               WEFT_TRAP_UNREACHABLE, "unreachable");
    CHECK(weft_task_state(fx.store, t) == WEFT_TASK_RETURNED);
    CHECK(result_of(&fx, t) == 6);
    EXPECT_ERR(weft_task_error(fx.store, t), WEFT_ERROR_TRAP, WEFT_TRAP_UNREACHABLE,
               "unreachable");
    /* the other task of the instance cannot finish now: it failed, for the same reason */
    CHECK(weft_task_state(fx.store, other) == WEFT_TASK_FAILED);
    EXPECT_ERR(weft_task_error(fx.store, other), WEFT_ERROR_TRAP, WEFT_TRAP_UNREACHABLE,
               "unreachable");
    OK(weft_store_run(fx.store, WEFT_RUN_NOWAIT)); /* reported once */
    OK(weft_task_delete(fx.store, t));
    OK(weft_task_delete(fx.store, other));
    teardown(&fx);
}

static void test_limits(void)
{
    fixture_t fx;
    setup(&fx);
    fx.host.mode = H_LATER;
    OK(weft_store_set_async_limits(fx.store, 3, 0));
    weft_async_handle_t t1 = start_u32(&fx, "call-h", 1); /* a task and a call */
    weft_async_handle_t t2 = 0;
    weft_cval_t a;
    a.kind = WEFT_CVAL_U32;
    a.u.u = 2;
    /* the third counts: the task starts, but its call of h exceeds the limit: it traps */
    OK(weft_task_start(fx.store, func(&fx, "call-h"), &a, 1, &t2));
    CHECK(weft_task_state(fx.store, t2) == WEFT_TASK_FAILED);
    EXPECT_ERR(weft_task_error(fx.store, t2), WEFT_ERROR_TRAP, WEFT_TRAP_TASK_LIMIT,
               "too many tasks in flight");
    teardown(&fx);

    setup(&fx);
    fx.host.mode = H_LATER;
    OK(weft_store_set_async_limits(fx.store, 2, 0));
    t1 = start_u32(&fx, "call-h", 1);
    EXPECT_ERR(weft_task_start(fx.store, func(&fx, "call-h"), &a, 1, &t2), WEFT_ERROR_TRAP,
               WEFT_TRAP_TASK_LIMIT, "too many tasks in flight");
    OK(complete_u32(fx.store, fx.host.calls[0], 1));
    OK(weft_task_wait(fx.store, t1));
    OK(weft_task_start(fx.store, func(&fx, "call-h"), &a, 1, &t2)); /* room again */
    /* handles: a task, its call, and no room for a timer */
    OK(weft_store_set_async_limits(fx.store, 0, 3));
    weft_async_handle_t tm;
    EXPECT_ERR(weft_timer_new(fx.store, 1, (weft_timer_fn)NULL, NULL, &tm),
               WEFT_ERROR_INVALID_ARG, WEFT_TRAP_NONE, "invalid argument");
    teardown(&fx);
}

/* ---- streams and futures ------------------------------------------------------------- */

typedef struct notes {
    int count;
    weft_async_handle_t last;
} notes_t;

static void note(void *data, weft_store_t *store, weft_async_handle_t h)
{
    (void)store;
    notes_t *n = data;
    n->count++;
    n->last = h;
}

static void test_stream_from_guest(void)
{
    fixture_t fx;
    setup(&fx);
    /* count(10) returns a stream, then writes 0..9 in one write the host takes 3 at a time */
    weft_async_handle_t t = start_u32(&fx, "count", 10);
    CHECK(weft_task_state(fx.store, t) == WEFT_TASK_RETURNED);
    weft_cval_t r;
    OK(weft_task_results(fx.store, t, &r, 1, fx.arena));
    CHECK(r.kind == WEFT_CVAL_STREAM && r.u.handle != 0);
    weft_async_handle_t s = r.u.handle;
    notes_t n = {0, 0};
    OK(weft_async_set_notify(fx.store, s, note, &n));
    weft_stream_status_t st;
    OK(weft_stream_poll(fx.store, s, &st));
    CHECK(st.state == WEFT_STREAM_IDLE);
    MISUSE(weft_stream_write(fx.store, s, NULL, 0), "wrong kind");
    MISUSE(weft_stream_cancel(fx.store, s), "no copy in progress");
    uint32_t got = 0, sum = 0;
    bool ended = false;
    for (int round = 0; round < 20 && !ended; round++) {
        OK(weft_stream_read(fx.store, s, 3));
        MISUSE(weft_stream_read(fx.store, s, 3), "a copy is in progress");
        MISUSE(weft_stream_drop(fx.store, s), "a copy is in progress");
        OK(weft_store_run(fx.store, WEFT_RUN_NOWAIT));
        OK(weft_stream_poll(fx.store, s, &st));
        CHECK(st.state == WEFT_STREAM_COMPLETED || st.state == WEFT_STREAM_DROPPED);
        CHECK(st.count <= 3);
        for (uint32_t i = 0; i < st.count; i++) {
            CHECK(st.values[i].kind == WEFT_CVAL_U32 && st.values[i].u.u == got + i);
            sum += (uint32_t)st.values[i].u.u;
        }
        got += st.count;
        ended = st.state == WEFT_STREAM_DROPPED;
    }
    CHECK(ended && got == 10 && sum == 45);
    CHECK(n.count > 0 && n.last == s);
    OK(weft_stream_poll(fx.store, s, &st));
    CHECK(st.state == WEFT_STREAM_DROPPED && st.count == 0);
    MISUSE(weft_stream_read(fx.store, s, 3), "ended");
    OK(weft_stream_drop(fx.store, s));
    MISUSE(weft_stream_poll(fx.store, s, &st), "unknown async handle");
    OK(weft_task_delete(fx.store, t));
    weft_async_stats_t stats;
    weft_store_async_stats(fx.store, &stats);
    CHECK(stats.handles == 0);

    /* the host cancels a pending read: CANCELLED with nothing read */
    t = start_u32(&fx, "count", 0);
    OK(weft_task_results(fx.store, t, &r, 1, fx.arena));
    s = r.u.handle;
    OK(weft_store_run(fx.store, WEFT_RUN_NOWAIT)); /* count(0) drops its end */
    OK(weft_stream_read(fx.store, s, 4));
    OK(weft_stream_poll(fx.store, s, &st));
    CHECK(st.state == WEFT_STREAM_DROPPED && st.count == 0);
    OK(weft_stream_drop(fx.store, s));
    OK(weft_task_delete(fx.store, t));
    teardown(&fx);
}

static void test_stream_to_guest(void)
{
    fixture_t fx;
    setup(&fx);
    weft_component_func_t *sum = func(&fx, "sum");
    weft_async_handle_t r, w;
    OK(weft_stream_new(fx.store, weft_component_func_param_type(sum, 0), &r, &w));
    MISUSE(weft_stream_new(fx.store, weft_component_func_result_type(sum), &r, &w),
           "not a stream type");
    weft_cval_t vals[40];
    for (int i = 0; i < 40; i++) {
        vals[i].kind = WEFT_CVAL_U32;
        vals[i].u.u = (uint64_t)i + 1;
    }
    /* a writable end cannot be passed; a readable one can, once */
    weft_cval_t arg;
    arg.kind = WEFT_CVAL_STREAM;
    arg.u.handle = w;
    weft_async_handle_t t;
    MISUSE(weft_task_start(fx.store, sum, &arg, 1, &t), "wrong kind");
    arg.u.handle = r;
    OK(weft_task_start(fx.store, sum, &arg, 1, &t));
    MISUSE(weft_task_start(fx.store, sum, &arg, 1, &t), "unknown async handle");
    /* the guest's read of 16 is pending: the write of 40 is partial */
    weft_stream_status_t st;
    OK(weft_stream_write(fx.store, w, vals, 40));
    OK(weft_stream_poll(fx.store, w, &st));
    CHECK(st.state == WEFT_STREAM_COMPLETED && st.count == 16 && st.values == NULL);
    uint32_t done = st.count;
    int rounds = 0;
    for (; rounds < 10 && done < 40; rounds++) {
        OK(weft_stream_write(fx.store, w, &vals[done], 40 - done));
        OK(weft_store_run(fx.store, WEFT_RUN_NOWAIT));
        OK(weft_stream_poll(fx.store, w, &st));
        CHECK(st.state == WEFT_STREAM_COMPLETED && st.count > 0);
        done += st.count;
    }
    CHECK(done == 40 && rounds >= 1);
    /* a value of the wrong type */
    weft_cval_t bad;
    bad.kind = WEFT_CVAL_S8;
    bad.u.s = 1;
    MISUSE(weft_stream_write(fx.store, w, &bad, 1), "does not match");
    /* a write cancelled by the host */
    OK(weft_stream_write(fx.store, w, vals, 0));
    OK(weft_store_run(fx.store, WEFT_RUN_NOWAIT));
    OK(weft_stream_poll(fx.store, w, &st));
    if (st.state == WEFT_STREAM_PENDING) {
        OK(weft_stream_cancel(fx.store, w));
        OK(weft_stream_poll(fx.store, w, &st));
        CHECK(st.state == WEFT_STREAM_CANCELLED && st.count == 0);
    } else {
        CHECK(st.state == WEFT_STREAM_COMPLETED && st.count == 0);
    }
    OK(weft_stream_drop(fx.store, w));
    OK(weft_task_wait(fx.store, t));
    weft_cval_t res;
    OK(weft_task_results(fx.store, t, &res, 1, fx.arena));
    CHECK(res.kind == WEFT_CVAL_U64 && res.u.u == 820);
    OK(weft_task_delete(fx.store, t));

    /* futures */
    weft_component_func_t *fut = func(&fx, "fut");
    OK(weft_future_new(fx.store, weft_component_func_param_type(fut, 0), &r, &w));
    MISUSE(weft_stream_drop(fx.store, w), "before its value was written");
    MISUSE(weft_future_read(fx.store, w), "wrong kind");
    arg.kind = WEFT_CVAL_FUTURE;
    arg.u.handle = r;
    OK(weft_task_start(fx.store, fut, &arg, 1, &t));
    CHECK(weft_task_state(fx.store, t) == WEFT_TASK_PENDING);
    weft_cval_t v;
    v.kind = WEFT_CVAL_U32;
    v.u.u = 4242;
    OK(weft_future_write(fx.store, w, &v));
    MISUSE(weft_future_write(fx.store, w, &v), "a copy is in progress or its result was not polled");
    OK(weft_stream_poll(fx.store, w, &st));
    CHECK(st.state == WEFT_STREAM_COMPLETED && st.count == 1);
    MISUSE(weft_future_write(fx.store, w, &v), "ended");
    OK(weft_stream_drop(fx.store, w));
    OK(weft_task_wait(fx.store, t));
    OK(weft_task_results(fx.store, t, &res, 1, fx.arena));
    CHECK(res.u.u == 4242);
    OK(weft_task_delete(fx.store, t));

    /* a host-made pair read and written by the host itself */
    OK(weft_stream_new(fx.store, weft_component_func_param_type(sum, 0), &r, &w));
    OK(weft_stream_read(fx.store, r, 5));
    OK(weft_stream_write(fx.store, w, vals, 8));
    OK(weft_stream_poll(fx.store, r, &st));
    CHECK(st.state == WEFT_STREAM_COMPLETED && st.count == 5 && st.values[4].u.u == 5);
    OK(weft_stream_poll(fx.store, w, &st));
    CHECK(st.state == WEFT_STREAM_COMPLETED && st.count == 5); /* the reader took 5 */
    OK(weft_stream_drop(fx.store, w));
    OK(weft_stream_read(fx.store, r, 5));
    OK(weft_stream_poll(fx.store, r, &st));
    CHECK(st.state == WEFT_STREAM_DROPPED);
    OK(weft_stream_drop(fx.store, r));
    weft_async_stats_t stats;
    weft_store_async_stats(fx.store, &stats);
    CHECK(stats.handles == 0 && stats.tasks == 0);
    teardown(&fx);
}

/* ---- the loop ------------------------------------------------------------------------- */

static void on_timer(void *data, weft_store_t *store, weft_async_handle_t timer)
{
    (void)store, (void)timer;
    int *fired = data;
    (*fired)++;
}

typedef struct waker {
    weft_store_t *store;
} waker_t;

static void *wake_later(void *p)
{
    waker_t *w = p;
    struct timespec ts = {0, 20 * 1000 * 1000};
    nanosleep(&ts, NULL);
    weft_store_wake(w->store);
    return NULL;
}

static void test_loop(void)
{
    fixture_t fx;
    setup(&fx);
    CHECK(weft_store_async_fd(fx.store) >= 0);
    CHECK(weft_store_next_deadline_ns(fx.store) == UINT64_MAX);
    int fired = 0;
    weft_async_handle_t t1, t2, t3;
    uint64_t now = weft_monotonic_ns();
    OK(weft_timer_new(fx.store, now + 5000000u, on_timer, &fired, &t1));
    OK(weft_timer_new(fx.store, now + 1000000u, on_timer, &fired, &t2));
    OK(weft_timer_new(fx.store, now + 3000000u, on_timer, &fired, &t3));
    CHECK(weft_store_next_deadline_ns(fx.store) == now + 1000000u);
    OK(weft_timer_cancel(fx.store, t3));
    MISUSE(weft_timer_cancel(fx.store, t3), "unknown async handle");
    MISUSE(weft_async_set_notify(fx.store, t1, note, NULL), "wrong kind");
    OK(weft_store_run(fx.store, WEFT_RUN_NOWAIT));
    CHECK(fired == 0);
    OK(weft_store_run(fx.store, WEFT_RUN_ONCE)); /* sleeps until the first timer */
    CHECK(fired >= 1);
    OK(weft_store_run(fx.store, WEFT_RUN_UNTIL_IDLE)); /* sleeps through the rest */
    CHECK(fired == 2);
    MISUSE(weft_timer_cancel(fx.store, t1), "unknown async handle");
    CHECK(weft_store_next_deadline_ns(fx.store) == UINT64_MAX);

    /* another thread wakes a loop sleeping in RUN_ONCE */
    waker_t w = {fx.store};
    pthread_t th;
    CHECK(pthread_create(&th, NULL, wake_later, &w) == 0);
    uint64_t t0 = weft_monotonic_ns();
    OK(weft_store_run(fx.store, WEFT_RUN_ONCE));
    CHECK(weft_monotonic_ns() - t0 >= 10000000u);
    pthread_join(th, NULL);

    /* a pending host call completed from a timer callback, while waiting for the task */
    fx.host.mode = H_LATER;
    weft_async_handle_t t = start_u32(&fx, "call-h", 3);
    CHECK(fx.host.ncalls == 1);
    OK(weft_timer_new(fx.store, weft_monotonic_ns() + 2000000u, on_timer, &fired, &t1));
    EXPECT_ERR(weft_task_wait(fx.store, t), WEFT_ERROR_TRAP, WEFT_TRAP_NONE, "deadlock detected");
    OK(complete_u32(fx.store, fx.host.calls[0], 9));
    OK(weft_task_wait(fx.store, t));
    CHECK(result_of(&fx, t) == 10);
    teardown(&fx);
}

int main(void)
{
    test_host_now();
    test_host_later();
    test_host_fail();
    test_host_cancel();
    test_tasks();
    test_late_trap();
    test_limits();
    test_stream_from_guest();
    test_stream_to_guest();
    test_loop();
    printf("test_capi_async: %d checks, %d failures\n", checks, failures);
    return failures ? 1 : 0;
}
