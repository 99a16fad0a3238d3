/* test_interrupt.c - fuel, deadlines and asynchronous interrupts: an infinite loop stopped by
 * each of them with its own trap code, exact fuel accounting (N units run, unit N+1 traps),
 * infinite recursion still ending in "call stack exhausted", and fuel carried across a call
 * suspended in a host function. The embedded module was produced with `wat2wasm` from the WAT
 * text in the comment above it. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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

/*
(module
  (import "env" "pause" (func $pause))
  (func $spin (export "spin") (loop $l (br $l)))
  (func $rec (export "rec") (call $rec))
  (func $count (export "count") (param $n i32) (result i32) (local $i i32)
    (block $done
      (loop $l
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $l)))
    (local.get $i))
  (func (export "twice") (param $n i32) (result i32)
    (call $count (local.get $n))
    (call $pause)
    (call $count (local.get $n))
    (i32.add))
  (func (export "spin_pause") (call $pause) (loop $l (br $l))))
*/
static const uint8_t test_wasm[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x09, 0x02, 0x60, 0x00, 0x00, 0x60, 0x01,
    0x7f, 0x01, 0x7f, 0x02, 0x0d, 0x01, 0x03, 0x65, 0x6e, 0x76, 0x05, 0x70, 0x61, 0x75, 0x73, 0x65,
    0x00, 0x00, 0x03, 0x06, 0x05, 0x00, 0x00, 0x01, 0x01, 0x00, 0x07, 0x2b, 0x05, 0x04, 0x73, 0x70,
    0x69, 0x6e, 0x00, 0x01, 0x03, 0x72, 0x65, 0x63, 0x00, 0x02, 0x05, 0x63, 0x6f, 0x75, 0x6e, 0x74,
    0x00, 0x03, 0x05, 0x74, 0x77, 0x69, 0x63, 0x65, 0x00, 0x04, 0x0a, 0x73, 0x70, 0x69, 0x6e, 0x5f,
    0x70, 0x61, 0x75, 0x73, 0x65, 0x00, 0x05, 0x0a, 0x43, 0x05, 0x07, 0x00, 0x03, 0x40, 0x0c, 0x00,
    0x0b, 0x0b, 0x04, 0x00, 0x10, 0x02, 0x0b, 0x1c, 0x01, 0x01, 0x7f, 0x02, 0x40, 0x03, 0x40, 0x20,
    0x01, 0x20, 0x00, 0x4f, 0x0d, 0x01, 0x20, 0x01, 0x41, 0x01, 0x6a, 0x21, 0x01, 0x0c, 0x00, 0x0b,
    0x0b, 0x20, 0x01, 0x0b, 0x0d, 0x00, 0x20, 0x00, 0x10, 0x03, 0x10, 0x00, 0x20, 0x00, 0x10, 0x03,
    0x6a, 0x0b, 0x09, 0x00, 0x10, 0x00, 0x03, 0x40, 0x0c, 0x00, 0x0b, 0x0b,
};

/* The host function "pause": suspends when asked to, and records the fuel it sees. */
typedef struct pause_env {
    bool suspend;
    int calls;
    uint64_t fuel_seen;
} pause_env_t;

static weft_error_t *host_pause(void *env, weft_caller_t *caller, const weft_val_t *args,
                                size_t nargs, weft_val_t *results, size_t nresults)
{
    pause_env_t *p = env;
    (void)args;
    (void)nargs;
    (void)results;
    (void)nresults;
    p->calls++;
    p->fuel_seen = weft_store_get_fuel(weft_caller_store(caller));
    if (p->suspend) weft_caller_suspend(caller);
    return NULL;
}

typedef struct fixture {
    weft_engine_t *engine;
    weft_module_t *module;
    weft_store_t *store;
    weft_instance_t *inst;
    pause_env_t pause;
} fixture_t;

static bool setup(fixture_t *f)
{
    memset(f, 0, sizeof *f);
    f->engine = weft_engine_new(NULL);
    if (!f->engine) return false;
    weft_error_t *e = weft_module_new(f->engine, test_wasm, sizeof test_wasm, &f->module);
    if (e) {
        fprintf(stderr, "module: %s\n", weft_error_message(e));
        weft_error_delete(e);
        return false;
    }
    f->store = weft_store_new(f->engine);
    if (!f->store) return false;
    weft_extern_t imp;
    imp.kind = WEFT_EXTERN_FUNC;
    imp.of.func = weft_func_new(f->store, NULL, 0, NULL, 0, host_pause, &f->pause, NULL);
    if (!imp.of.func) return false;
    e = weft_instance_new(f->store, f->module, &imp, 1, &f->inst);
    if (e) {
        fprintf(stderr, "instance: %s\n", weft_error_message(e));
        weft_error_delete(e);
        return false;
    }
    return true;
}

static void teardown(fixture_t *f)
{
    weft_store_delete(f->store);
    weft_module_delete(f->module);
    weft_engine_delete(f->engine);
}

static weft_func_t *export_func(fixture_t *f, const char *name)
{
    weft_extern_t ext;
    if (!weft_instance_export(f->inst, name, strlen(name), &ext)) return NULL;
    return ext.kind == WEFT_EXTERN_FUNC ? ext.of.func : NULL;
}

/* Calls a () -> () export and returns the trap code (WEFT_TRAP_NONE on success). */
static weft_trap_code_t call0(fixture_t *f, const char *name)
{
    weft_func_t *fn = export_func(f, name);
    if (!fn) return (weft_trap_code_t)-1;
    weft_error_t *e = weft_func_call(f->store, fn, NULL, 0, NULL, 0);
    if (!e) return WEFT_TRAP_NONE;
    weft_trap_code_t code =
        weft_error_kind(e) == WEFT_ERROR_TRAP ? weft_error_trap_code(e) : (weft_trap_code_t)-1;
    weft_error_delete(e);
    return code;
}

/* Calls count(n); returns the trap code and stores the result. */
static weft_trap_code_t call_count(fixture_t *f, int32_t n, int32_t *out)
{
    weft_func_t *fn = export_func(f, "count");
    weft_val_t arg, res;
    memset(&arg, 0, sizeof arg);
    memset(&res, 0, sizeof res);
    arg.kind = WEFT_I32;
    arg.of.i32 = n;
    weft_error_t *e = weft_func_call(f->store, fn, &arg, 1, &res, 1);
    if (!e) {
        *out = res.of.i32;
        return WEFT_TRAP_NONE;
    }
    weft_trap_code_t code =
        weft_error_kind(e) == WEFT_ERROR_TRAP ? weft_error_trap_code(e) : (weft_trap_code_t)-1;
    weft_error_delete(e);
    return code;
}

static void test_fuel(void)
{
    fixture_t f;
    CHECK(setup(&f));
    CHECK(weft_store_get_fuel(f.store) == WEFT_FUEL_UNLIMITED);

    /* An infinite loop stops when the fuel runs out, and all of it is spent. */
    weft_store_set_fuel(f.store, 100000);
    CHECK(weft_store_get_fuel(f.store) == 100000);
    CHECK(call0(&f, "spin") == WEFT_TRAP_OUT_OF_FUEL);
    CHECK(weft_store_get_fuel(f.store) == 0);
    CHECK(call0(&f, "spin") == WEFT_TRAP_OUT_OF_FUEL);
    CHECK(strcmp(weft_trap_code_message(WEFT_TRAP_OUT_OF_FUEL), "all fuel consumed") == 0);

    /* Accounting is exact and deterministic: count(n) spends a fixed amount linear in n. */
    const uint64_t big = 1000000000ull;
    uint64_t used[3];
    int32_t r = 0;
    const int32_t ns[3] = {1000, 2000, 100000};
    for (int i = 0; i < 3; i++) {
        weft_store_set_fuel(f.store, big);
        CHECK(call_count(&f, ns[i], &r) == WEFT_TRAP_NONE && r == ns[i]);
        used[i] = big - weft_store_get_fuel(f.store);
    }
    CHECK(used[0] >= 1000 && used[0] < 4000);
    CHECK((used[2] - used[0]) * 1000 == (used[1] - used[0]) * 99000);
    /* Exactly enough fuel succeeds with none left; one unit less traps. */
    weft_store_set_fuel(f.store, used[2]);
    CHECK(call_count(&f, ns[2], &r) == WEFT_TRAP_NONE && r == ns[2]);
    CHECK(weft_store_get_fuel(f.store) == 0);
    weft_store_set_fuel(f.store, used[2] - 1);
    CHECK(call_count(&f, ns[2], &r) == WEFT_TRAP_OUT_OF_FUEL);
    CHECK(weft_store_get_fuel(f.store) == 0);

    /* Turning metering off again. */
    weft_store_set_fuel(f.store, WEFT_FUEL_UNLIMITED);
    CHECK(call_count(&f, 5000, &r) == WEFT_TRAP_NONE && r == 5000);
    CHECK(weft_store_get_fuel(f.store) == WEFT_FUEL_UNLIMITED);

    /* Infinite recursion still exhausts the call stack, with or without fuel. */
    CHECK(call0(&f, "rec") == WEFT_TRAP_STACK_EXHAUSTED);
    weft_store_set_fuel(f.store, big);
    CHECK(call0(&f, "rec") == WEFT_TRAP_STACK_EXHAUSTED);
    CHECK(weft_store_get_fuel(f.store) < big);
    teardown(&f);
}

static void test_deadline(void)
{
    fixture_t f;
    CHECK(setup(&f));
    uint64_t t0 = weft_monotonic_ns();
    weft_store_set_deadline_ns(f.store, t0 + 50000000ull); /* 50 ms */
    CHECK(call0(&f, "spin") == WEFT_TRAP_INTERRUPTED);
    uint64_t t1 = weft_monotonic_ns();
    CHECK(t1 >= t0 + 50000000ull);
    CHECK(t1 < t0 + 2000000000ull);
    /* A passed deadline stops every later call; removing it lets code run again. */
    CHECK(call0(&f, "spin") == WEFT_TRAP_INTERRUPTED);
    weft_store_set_deadline_ns(f.store, 0);
    int32_t r = 0;
    CHECK(call_count(&f, 100000, &r) == WEFT_TRAP_NONE && r == 100000);
    /* Fuel and a deadline together: whichever comes first decides the trap. */
    weft_store_set_fuel(f.store, 50000);
    weft_store_set_deadline_ns(f.store, weft_monotonic_ns() + 60000000000ull);
    CHECK(call0(&f, "spin") == WEFT_TRAP_OUT_OF_FUEL);
    teardown(&f);
}

typedef struct interrupter {
    weft_store_t *store;
    unsigned delay_ms;
} interrupter_t;

static void *interrupt_later(void *arg)
{
    interrupter_t *it = arg;
    struct timespec ts = {0, (long)it->delay_ms * 1000000L};
    nanosleep(&ts, NULL);
    weft_store_interrupt(it->store);
    return NULL;
}

static void test_interrupt_thread(void)
{
    fixture_t f;
    CHECK(setup(&f));
    interrupter_t it = {f.store, 50};
    pthread_t th;
    uint64_t t0 = weft_monotonic_ns();
    CHECK(pthread_create(&th, NULL, interrupt_later, &it) == 0);
    CHECK(call0(&f, "spin") == WEFT_TRAP_INTERRUPTED);
    uint64_t t1 = weft_monotonic_ns();
    CHECK(pthread_join(th, NULL) == 0);
    CHECK(t1 - t0 < 2000000000ull);
    /* The trap consumed the request: the next call runs normally. */
    int32_t r = 0;
    CHECK(call_count(&f, 1000, &r) == WEFT_TRAP_NONE && r == 1000);
    /* A request made while nothing runs stops the next call. */
    weft_store_interrupt(f.store);
    CHECK(call0(&f, "spin") == WEFT_TRAP_INTERRUPTED);
    CHECK(call_count(&f, 1000, &r) == WEFT_TRAP_NONE && r == 1000);
    teardown(&f);
}

/* Fuel is shared by the store and exact across suspension: a call suspended in "pause" has
 * spent only the units before it; resuming continues from the store's remaining fuel. */
static void test_fuel_suspend(void)
{
    fixture_t f;
    CHECK(setup(&f));
    weft_func_t *twice = export_func(&f, "twice");
    weft_val_t arg, res;
    memset(&arg, 0, sizeof arg);
    memset(&res, 0, sizeof res);
    arg.kind = WEFT_I32;
    arg.of.i32 = 30000;
    const uint64_t big = 1000000000ull;

    /* Reference: the synchronous run. */
    weft_store_set_fuel(f.store, big);
    weft_error_t *e = weft_func_call(f.store, twice, &arg, 1, &res, 1);
    CHECK(!e && res.of.i32 == 60000);
    weft_error_delete(e);
    uint64_t total = big - weft_store_get_fuel(f.store);
    uint64_t before_pause = big - f.pause.fuel_seen;
    CHECK(before_pause > 30000 && before_pause < total);

    /* Suspended: the same amounts, split around the suspension. */
    f.pause.suspend = true;
    weft_store_set_fuel(f.store, big);
    weft_call_t *call = NULL;
    e = weft_call_new(f.store, twice, &arg, 1, &call);
    CHECK(!e && call);
    CHECK(weft_call_run(call, &e) == WEFT_CALL_SUSPENDED && !e);
    CHECK(weft_store_get_fuel(f.store) == big - before_pause);
    /* Other work in the store while suspended spends the same fuel. */
    int32_t r = 0;
    CHECK(call_count(&f, 1000, &r) == WEFT_TRAP_NONE);
    uint64_t other = big - before_pause - weft_store_get_fuel(f.store);
    CHECK(weft_call_resume(call, NULL, 0, &e) == WEFT_CALL_DONE && !e);
    CHECK(!weft_call_results(call, &res, 1) && res.of.i32 == 60000);
    CHECK(big - weft_store_get_fuel(f.store) == total + other);
    weft_call_delete(call);

    /* Resuming with too little fuel traps out of fuel in the second half. */
    weft_store_set_fuel(f.store, big);
    e = weft_call_new(f.store, twice, &arg, 1, &call);
    CHECK(!e && call);
    CHECK(weft_call_run(call, &e) == WEFT_CALL_SUSPENDED && !e);
    weft_store_set_fuel(f.store, (total - before_pause) - 1);
    CHECK(weft_call_resume(call, NULL, 0, &e) == WEFT_CALL_FAILED);
    CHECK(e && weft_error_kind(e) == WEFT_ERROR_TRAP &&
          weft_error_trap_code(e) == WEFT_TRAP_OUT_OF_FUEL);
    weft_error_delete(e);
    CHECK(weft_store_get_fuel(f.store) == 0);
    weft_call_delete(call);

    /* Exactly enough finishes. */
    weft_store_set_fuel(f.store, big);
    e = weft_call_new(f.store, twice, &arg, 1, &call);
    CHECK(!e && call);
    CHECK(weft_call_run(call, &e) == WEFT_CALL_SUSPENDED && !e);
    weft_store_set_fuel(f.store, total - before_pause);
    CHECK(weft_call_resume(call, NULL, 0, &e) == WEFT_CALL_DONE && !e);
    CHECK(weft_store_get_fuel(f.store) == 0);
    weft_call_delete(call);

    /* An interrupt arriving while a call is suspended stops it after it resumes. */
    weft_store_set_fuel(f.store, WEFT_FUEL_UNLIMITED);
    weft_func_t *sp = export_func(&f, "spin_pause");
    e = weft_call_new(f.store, sp, NULL, 0, &call);
    CHECK(!e && call);
    CHECK(weft_call_run(call, &e) == WEFT_CALL_SUSPENDED && !e);
    weft_store_interrupt(f.store);
    CHECK(weft_call_resume(call, NULL, 0, &e) == WEFT_CALL_FAILED);
    CHECK(e && weft_error_trap_code(e) == WEFT_TRAP_INTERRUPTED);
    weft_error_delete(e);
    weft_call_delete(call);
    teardown(&f);
}

int main(void)
{
    test_fuel();
    test_deadline();
    test_interrupt_thread();
    test_fuel_suspend();
    printf("test_interrupt: %d checks, %d failures\n", checks, failures);
    return failures ? 1 : 0;
}
