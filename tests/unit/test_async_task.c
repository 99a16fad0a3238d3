/* test_async_task.c - unit tests of the async task machinery (src/component/async_task.c,
 * waitable.c): threads suspended through their core calls and resumed by the scheduler in
 * FIFO order, the heap held per suspended task (100,000 at once), blocking on the C stack
 * with nothing else to run ("cannot block a synchronous task before returning"), and pending
 * events evaluated at delivery (collapsing). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "component/async_internal.h"
#include "util/error.h"
#include "test_util.h"

/* (module (import "m" "h" (func (result i32))) (func (export "f") (param i32) call 0 drop)) */
static const uint8_t module_bytes[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x09, 0x02, 0x60, 0x00, 0x01,
    0x7f, 0x60, 0x01, 0x7f, 0x00, 0x02, 0x07, 0x01, 0x01, 0x6d, 0x01, 0x68, 0x00, 0x00,
    0x03, 0x02, 0x01, 0x01, 0x07, 0x05, 0x01, 0x01, 0x66, 0x00, 0x01, 0x0a, 0x07, 0x01,
    0x05, 0x00, 0x10, 0x00, 0x1a, 0x0b,
};

typedef struct fixture {
    weft_cstate_t *st;
    int gate;          /* the condition every blocked thread waits for */
    uint32_t finished; /* threads whose wait ended */
    uint32_t order_ok; /* finished in the order they blocked */
    uint32_t next_id;
} fixture_t;

typedef struct waiter {
    fixture_t *fx;
    uint32_t id;
} waiter_t;

static weft_error_t *gate_finish(void *env, bool cancelled, weft_val_t *results, size_t n)
{
    (void)cancelled;
    waiter_t *w = env;
    if (w->id == w->fx->finished) w->fx->order_ok++;
    w->fx->finished++;
    if (n) results[0].of.i32 = 7;
    return NULL;
}

static bool th_gate_open(void *env)
{
    weft_athread_t *th = env;
    return ((fixture_t *)th->wobj)->gate != 0;
}

static weft_error_t *th_gate_finish(void *env, bool cancelled, weft_val_t *results, size_t n)
{
    weft_athread_t *th = env;
    waiter_t w = {th->wobj, th->wptr};
    return gate_finish(&w, cancelled, results, n);
}

/* The host import "h": blocks its thread until the gate opens; the wait's operands live in
 * the thread record (no allocation per task beyond the thread and the task). */
static weft_error_t *host_h(void *env, weft_caller_t *caller, const weft_val_t *args,
                             size_t nargs, weft_val_t *results, size_t nresults)
{
    (void)args, (void)nargs;
    fixture_t *fx = env;
    weft_athread_t *th = weft__async_current_thread(fx->st);
    if (!th) return weft__error_oom();
    th->wobj = fx;
    th->wptr = fx->next_id++;
    return weft__async_block(caller, th, th_gate_open, th_gate_finish, th, false, results,
                             nresults);
}

static void test_many_suspended(void)
{
    long long live = 0;
    weft_config_t cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.alloc = test_count_alloc;
    cfg.alloc_ud = &live;
    weft_engine_t *engine = weft_engine_new(&cfg);
    weft_store_t *store = weft_store_new(engine);
    weft_module_t *m = NULL;
    CHECK(!weft_module_new(engine, module_bytes, sizeof module_bytes, &m));
    fixture_t fx;
    memset(&fx, 0, sizeof fx);
    /* A bare instance record: what the scheduler needs of one (store, allocator, flags). */
    weft_croot_t root;
    memset(&root, 0, sizeof root);
    root.alloc = store->alloc;
    root.store = store;
    weft_cstate_t st;
    memset(&st, 0, sizeof st);
    st.root = &root;
    st.store = store;
    st.may_leave = true;
    weft__handles_init(&st.handles, &store->alloc);
    fx.st = &st;
    weft_valkind_t i32 = WEFT_I32;
    weft_func_t *h = weft_func_new(store, NULL, 0, &i32, 1, host_h, &fx, NULL);
    weft_extern_t imp;
    memset(&imp, 0, sizeof imp);
    imp.kind = WEFT_EXTERN_FUNC;
    imp.of.func = h;
    weft_instance_t *inst = NULL;
    CHECK(!weft_instance_new(store, m, &imp, 1, &inst));
    weft_extern_t fexp;
    CHECK(inst && weft_instance_export(inst, "f", 1, &fexp));
    CHECK(weft__ainst(&st) != NULL);

    enum { N = 100000 };
    /* Warm up the scheduler's own records so they are not counted per task. */
    long long before = live;
    uint32_t started = 0;
    for (uint32_t i = 0; i < N; i++) {
        weft_atask_t *t = weft__atask_new(NULL, &st);
        if (!t) break;
        t->state = WEFT_TASK_RESOLVED; /* a returned task whose thread keeps running */
        weft_athread_t *th = weft__athread_new(t, WEFT_ATHREAD_SPAWNED);
        if (!th) break;
        th->entry = fexp.of.func;
        th->entry_arg = i;
        weft_error_t *e = weft__athread_resume(th, false);
        if (e) {
            fprintf(stderr, "resume: %s\n", weft_error_message(e));
            weft_error_delete(e);
            failures++;
            break;
        }
        started++;
    }
    CHECK(started == N);
    CHECK(fx.finished == 0);
    long long per = (live - before) / (long long)(started ? started : 1);
    printf("async tasks: %u suspended at once, %lld bytes of heap per suspended task "
           "(%.1f MiB in all)\n", started, per, (double)(live - before) / (1024.0 * 1024.0));
    CHECK((live - before) < (1ll << 30));
    /* Nothing is ready yet: the scheduler has no thread to run. */
    weft_asched_t *s = weft__async_sched(store);
    CHECK(weft__asched_next(s) == NULL);
    fx.gate = 1;
    weft_athread_t *th;
    while ((th = weft__asched_next(s)) != NULL) {
        weft_error_t *e = weft__athread_resume(th, false);
        if (e) {
            fprintf(stderr, "resume: %s\n", weft_error_message(e));
            weft_error_delete(e);
            failures++;
            break;
        }
    }
    CHECK(fx.finished == N);
    CHECK(fx.order_ok == N); /* FIFO */
    /* Every task and thread was freed, or kept for reuse in the scheduler's bounded pools. */
    CHECK(live - before < 4096 + (long long)WEFT_ASYNC_POOL_MAX *
                                     (long long)(sizeof(weft_atask_t) + sizeof(weft_athread_t) +
                                                 2 * 64));

    /* Blocking on the C stack with nothing else to run traps. */
    fx.gate = 0;
    weft_athread_t *cs = weft__async_current_thread(&st);
    CHECK(cs && cs->kind == WEFT_ATHREAD_CSTACK);
    if (cs) {
        cs->wobj = &fx;
        weft_val_t r;
        memset(&r, 0, sizeof r);
        r.kind = WEFT_I32;
        weft_error_t *e = weft__async_block(NULL, cs, th_gate_open, th_gate_finish, cs, false,
                                            &r, 1);
        CHECK(e && strstr(weft_error_message(e),
                          "cannot block a synchronous task before returning"));
        weft_error_delete(e);
        weft__async_sync_leave(&st);
    }
    weft__handles_free(&st.handles);
    weft_store_delete(store);
    weft_module_delete(m);
    weft_engine_delete(engine);
    CHECK(live == 0);
}

static int evaluated;
static void count_event(weft_waitable_t *w, weft_event_t *out)
{
    (void)w;
    evaluated++;
    out->code = WEFT_EVENT_SUBTASK;
    out->p1 = 1;
    out->p2 = 2;
}

/* Pending events are closures evaluated at delivery: setting one twice delivers once. */
static void test_event_collapse(void)
{
    weft_wset_t set;
    memset(&set, 0, sizeof set);
    weft_waitable_t a, b;
    weft__waitable_init(&a, NULL);
    weft__waitable_init(&b, NULL);
    weft__waitable_join(&a, &set);
    weft__waitable_join(&b, &set);
    CHECK(!weft__wset_has_pending_event(&set));
    weft__waitable_set_pending_event(&b, count_event);
    weft__waitable_set_pending_event(&b, count_event);
    CHECK(weft__wset_has_pending_event(&set));
    weft_event_t e;
    weft__wset_get_pending_event(&set, &e);
    CHECK(e.code == WEFT_EVENT_SUBTASK && e.p1 == 1 && e.p2 == 2);
    CHECK(evaluated == 1);
    CHECK(!weft__wset_has_pending_event(&set));
    weft__waitable_join(&a, NULL);
    CHECK(set.head == &b && set.tail == &b && !a.wset);
    weft__waitable_drop(&b);
    CHECK(!set.head && !set.tail);
}

int main(void)
{
    test_event_collapse();
    test_many_suspended();
    return test_report("test_async_task");
}
