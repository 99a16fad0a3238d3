/* test_suspend.c - suspendable calls: 10,000 calls suspended at once inside a host function,
 * resumed in shuffled and then reverse order, each finishing with its own correct result. Also
 * a host function suspended as the entry of a call, and resume misuse. The embedded module was
 * produced once with `wat2wasm --debug-names` from the WAT text in the comment above it.
 *
 * run(n) computes (2*(3n)+1) + 3n + (2n+1) = 11n + 2 when the host answers wait(x) with 2x+1;
 * the first wait happens one wasm frame deeper (in $helper), so suspended calls hold two wasm
 * frames on their heap stacks. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "weft.h"

static int failures;
static int checks;

#define CHECK(cond)                                                                        \
    do {                                                                                   \
        checks++;                                                                          \
        if (!(cond)) {                                                                     \
            failures++;                                                                    \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);      \
        }                                                                                  \
    } while (0)

typedef struct counter {
    long long live_blocks;
} counter_t;

static void *count_alloc(void *ud, void *ptr, size_t old_size, size_t new_size)
{
    counter_t *c = ud;
    (void)old_size;
    if (new_size == 0) {
        if (ptr) c->live_blocks--;
        free(ptr);
        return NULL;
    }
    void *p = realloc(ptr, new_size);
    if (p && !ptr) c->live_blocks++;
    return p;
}

/*
(module
  (import "env" "wait" (func $wait (param i32) (result i32)))
  (func $helper (param i32) (result i32)
    (call $wait (local.get 0)))
  (func (export "run") (param i32) (result i32) (local i32)
    (local.set 1 (i32.mul (local.get 0) (i32.const 3)))
    (i32.add
      (i32.add (call $helper (local.get 1)) (local.get 1))
      (call $wait (local.get 0)))))
*/
static const uint8_t suspend_wasm[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x06, 0x01, 0x60, 0x01, 0x7f, 0x01, 0x7f,
    0x02, 0x0c, 0x01, 0x03, 0x65, 0x6e, 0x76, 0x04, 0x77, 0x61, 0x69, 0x74, 0x00, 0x00, 0x03, 0x03,
    0x02, 0x00, 0x00, 0x07, 0x07, 0x01, 0x03, 0x72, 0x75, 0x6e, 0x00, 0x02, 0x0a, 0x20, 0x02, 0x06,
    0x00, 0x20, 0x00, 0x10, 0x00, 0x0b, 0x17, 0x01, 0x01, 0x7f, 0x20, 0x00, 0x41, 0x03, 0x6c, 0x21,
    0x01, 0x20, 0x01, 0x10, 0x01, 0x20, 0x01, 0x6a, 0x20, 0x00, 0x10, 0x00, 0x6a, 0x0b, 0x00, 0x1f,
    0x04, 0x6e, 0x61, 0x6d, 0x65, 0x01, 0x0f, 0x02, 0x00, 0x04, 0x77, 0x61, 0x69, 0x74, 0x01, 0x06,
    0x68, 0x65, 0x6c, 0x70, 0x65, 0x72, 0x02, 0x07, 0x03, 0x00, 0x00, 0x01, 0x00, 0x02, 0x00,
};

#define NCALLS 10000

/* The host records the argument of the wait that suspended the current call. */
typedef struct wait_env {
    int32_t last_arg;
    int calls;
} wait_env_t;

static weft_error_t *host_wait(void *env, weft_caller_t *caller, const weft_val_t *args,
                               size_t nargs, weft_val_t *results, size_t nresults)
{
    wait_env_t *w = env;
    (void)results;
    (void)nresults;
    CHECK(nargs == 1 && args[0].kind == WEFT_I32);
    w->last_arg = args[0].of.i32;
    w->calls++;
    weft_caller_suspend(caller);
    return NULL;
}

typedef struct pending {
    weft_call_t *call;
    int32_t n;
    int32_t waiting_on; /* the argument of the wait it is suspended in */
} pending_t;

/* Resumes p with the answer to its pending wait; records the next wait if it suspends again. */
static weft_call_state_t resume(pending_t *p, wait_env_t *w)
{
    weft_val_t r = {.kind = WEFT_I32};
    r.of.i32 = 2 * p->waiting_on + 1;
    weft_error_t *e = NULL;
    weft_call_state_t st = weft_call_resume(p->call, &r, 1, &e);
    if (e) {
        fprintf(stderr, "resume: %s\n", weft_error_message(e));
        weft_error_delete(e);
    }
    if (st == WEFT_CALL_SUSPENDED) p->waiting_on = w->last_arg;
    return st;
}

static void shuffle(size_t *order, size_t n, unsigned *seed)
{
    for (size_t i = n; i > 1; i--) {
        *seed = *seed * 1103515245u + 12345u;
        size_t j = (*seed >> 8) % i;
        size_t t = order[i - 1];
        order[i - 1] = order[j];
        order[j] = t;
    }
}

static void test_many_suspended(void)
{
    counter_t counter = {0};
    weft_config_t cfg;
    weft_config_init(&cfg);
    cfg.alloc = count_alloc;
    cfg.alloc_ud = &counter;
    weft_engine_t *engine = weft_engine_new(&cfg);
    weft_store_t *store = weft_store_new(engine);
    weft_module_t *module = NULL;
    weft_error_t *e = weft_module_new(engine, suspend_wasm, sizeof suspend_wasm, &module);
    CHECK(e == NULL);
    if (e) {
        fprintf(stderr, "%s\n", weft_error_message(e));
        return;
    }
    wait_env_t w = {0, 0};
    const weft_valkind_t i1[1] = {WEFT_I32};
    weft_extern_t imp = {.kind = WEFT_EXTERN_FUNC};
    imp.of.func = weft_func_new(store, i1, 1, i1, 1, host_wait, &w, NULL);
    weft_instance_t *inst = NULL;
    CHECK(weft_instance_new(store, module, &imp, 1, &inst) == NULL);
    weft_extern_t ex;
    CHECK(weft_instance_export(inst, "run", 3, &ex));

    pending_t *calls = calloc(NCALLS, sizeof *calls);
    size_t *order = calloc(NCALLS, sizeof *order);
    if (!calls || !order) {
        CHECK(!"out of memory");
        return;
    }
    size_t usage = 0;
    for (size_t i = 0; i < NCALLS; i++) {
        calls[i].n = (int32_t)i;
        weft_val_t arg = {.kind = WEFT_I32};
        arg.of.i32 = calls[i].n;
        CHECK(weft_call_new(store, ex.of.func, &arg, 1, &calls[i].call) == NULL);
        weft_call_state_t st = weft_call_run(calls[i].call, &e);
        CHECK(st == WEFT_CALL_SUSPENDED && e == NULL);
        CHECK(w.last_arg == 3 * calls[i].n);
        calls[i].waiting_on = w.last_arg;
        usage += weft_call_memory_usage(calls[i].call);
        order[i] = i;
    }
    printf("test_suspend: %d calls suspended at once, %zu bytes of heap each on average\n",
           NCALLS, usage / NCALLS);
    CHECK(usage / NCALLS < 4096);

    /* Misuse while suspended: run again, wrong arity, wrong kind. */
    CHECK(weft_call_run(calls[0].call, &e) == WEFT_CALL_FAILED && e != NULL);
    weft_error_delete(e);
    CHECK(weft_call_resume(calls[0].call, NULL, 0, &e) == WEFT_CALL_FAILED && e != NULL);
    weft_error_delete(e);
    weft_val_t bad = {.kind = WEFT_I64};
    CHECK(weft_call_resume(calls[0].call, &bad, 1, &e) == WEFT_CALL_FAILED && e != NULL);
    weft_error_delete(e);

    /* First resumption in shuffled order: every call suspends again in its second wait. */
    unsigned seed = 12345;
    shuffle(order, NCALLS, &seed);
    for (size_t k = 0; k < NCALLS; k++) {
        pending_t *p = &calls[order[k]];
        CHECK(resume(p, &w) == WEFT_CALL_SUSPENDED);
        CHECK(p->waiting_on == p->n);
    }
    /* Second resumption in reverse order: every call finishes. */
    int wrong = 0;
    for (size_t k = NCALLS; k-- > 0;) {
        pending_t *p = &calls[k];
        if (resume(p, &w) != WEFT_CALL_DONE) {
            wrong++;
            continue;
        }
        weft_val_t r = {.kind = WEFT_I32};
        CHECK(weft_call_results(p->call, &r, 1) == NULL);
        if (r.of.i32 != 11 * p->n + 2) wrong++;
    }
    CHECK(wrong == 0);
    CHECK(w.calls == 2 * NCALLS);
    for (size_t i = 0; i < NCALLS; i++) weft_call_delete(calls[i].call);
    free(calls);
    free(order);

    /* A host function as the entry of a call: it suspends, resume supplies its results. */
    weft_call_t *hc = NULL;
    weft_val_t arg = {.kind = WEFT_I32};
    arg.of.i32 = 4;
    CHECK(weft_call_new(store, imp.of.func, &arg, 1, &hc) == NULL);
    CHECK(weft_call_run(hc, &e) == WEFT_CALL_SUSPENDED);
    weft_val_t r = {.kind = WEFT_I32};
    r.of.i32 = 77;
    CHECK(weft_call_resume(hc, &r, 1, &e) == WEFT_CALL_DONE);
    r.of.i32 = 0;
    CHECK(weft_call_results(hc, &r, 1) == NULL && r.of.i32 == 77);
    weft_call_delete(hc);

    /* A suspended call may be deleted without being resumed. */
    CHECK(weft_call_new(store, ex.of.func, &arg, 1, &hc) == NULL);
    CHECK(weft_call_run(hc, &e) == WEFT_CALL_SUSPENDED);
    weft_call_delete(hc);

    weft_store_delete(store);
    weft_module_delete(module);
    weft_engine_delete(engine);
    CHECK(counter.live_blocks == 0);
}

int main(void)
{
    test_many_suspended();
    printf("test_suspend: %d checks, %d failures\n", checks, failures);
    return failures ? 1 : 0;
}
