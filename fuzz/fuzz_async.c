/* fuzz_async.c - libFuzzer target for the async Canonical ABI: two components drive random
 * sequences of async built-ins against each other (fuzz/async_pair.wat). The input is the
 * program of A's `run` (a list<u8>): each op byte picks a built-in (stream/future new, read,
 * write, cancel, drop; waitable sets; subtasks; yield; context; backpressure; error contexts;
 * task.return) and the next bytes its operands; ops 28, 34 and 35 call B (stackful or callback
 * lift, async or sync lower) with two of A's handles and a slice of the program as B's program. Every outcome must be a resolved task or a spec trap
 * (a deadlock, a trap of the built-ins' rules, out of fuel, interrupted); any other error
 * aborts, and crashes, sanitizer reports and leaks are bugs.
 *
 * WEFT_FUZZ_ASYNC_SUMMARY=1 prints a histogram of the outcomes on stderr at exit (e.g. with
 * -runs=0 over the seed corpus). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "async_pair.h"
#include "weft.h"

/* Work units for one input (every task of both components), and a wall-clock backstop well
 * under libFuzzer's -timeout=10. */
#define FUEL 2000000u
#define DEADLINE_NS 3000000000ull

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The engine and compiled component live for the whole process (libFuzzer targets may keep
 * such state); every input gets a fresh store, instance and task. */
typedef struct fuzz_async_state {
    weft_engine_t *engine;
    weft_component_t *component;
    int summary;
    /* The outcome histogram: a label and its count. */
    struct {
        char label[96];
        unsigned long n;
    } outcomes[64];
    size_t noutcomes;
} fuzz_async_state_t;

static fuzz_async_state_t *fuzz_state;

static void fuzz_count(const char *kind, const char *msg)
{
    fuzz_async_state_t *s = fuzz_state;
    if (!s->summary) return;
    char label[96];
    snprintf(label, sizeof label, "%s%s%.80s", kind, msg ? ": " : "", msg ? msg : "");
    /* Messages may name handles or offsets after a colon; keep the stable prefix. */
    for (size_t i = 0; i < s->noutcomes; i++) {
        if (strcmp(s->outcomes[i].label, label) == 0) {
            s->outcomes[i].n++;
            return;
        }
    }
    if (s->noutcomes < sizeof s->outcomes / sizeof s->outcomes[0]) {
        memcpy(s->outcomes[s->noutcomes].label, label, sizeof label);
        s->outcomes[s->noutcomes].n = 1;
        s->noutcomes++;
    }
}

static void fuzz_print_summary(void)
{
    fuzz_async_state_t *s = fuzz_state;
    if (!s || !s->summary) return;
    fprintf(stderr, "fuzz_async outcomes:\n");
    for (size_t i = 0; i < s->noutcomes; i++)
        fprintf(stderr, "%8lu  %s\n", s->outcomes[i].n, s->outcomes[i].label);
}

static fuzz_async_state_t *fuzz_init(void)
{
    if (fuzz_state) return fuzz_state;
    fuzz_async_state_t *s = calloc(1, sizeof *s);
    if (!s) abort();
    weft_config_t cfg;
    weft_config_init(&cfg);
    cfg.max_memory_bytes = 64u << 20;
    cfg.max_call_depth = 1000;
    cfg.max_stack_bytes = 1u << 20;
    s->engine = weft_engine_new(&cfg);
    if (!s->engine) abort();
    weft_error_t *err = weft_component_new(s->engine, async_pair_wasm, sizeof async_pair_wasm,
                                           &s->component);
    if (err) {
        fprintf(stderr, "fuzz_async: component: %s\n", weft_error_message(err));
        abort();
    }
    const char *env = getenv("WEFT_FUZZ_ASYNC_SUMMARY");
    s->summary = env && *env && strcmp(env, "0") != 0;
    fuzz_state = s;
    if (s->summary) atexit(fuzz_print_summary);
    return s;
}

/* A trap is a defined outcome; OOM is tolerated (limits are small); anything else is a bug. */
static void fuzz_check_error(weft_error_t *err, const char *where)
{
    weft_error_kind_t kind = weft_error_kind(err);
    if (kind == WEFT_ERROR_TRAP) {
        char msg[112];
        snprintf(msg, sizeof msg, "[trap code %d] %s", (int)weft_error_trap_code(err),
                 weft_error_message(err));
        fuzz_count(where, msg);
    } else if (kind == WEFT_ERROR_OOM) {
        fuzz_count(where, "out of memory");
    } else {
        fprintf(stderr, "fuzz_async: %s: unexpected error kind %d: %s\n", where, (int)kind,
                weft_error_message(err));
        abort();
    }
    weft_error_delete(err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_async_state_t *s = fuzz_init();
    if (size > 4096) return 0; /* programs have no loops; longer ones add nothing */
    weft_store_t *store = weft_store_new(s->engine);
    if (!store) abort();
    weft_store_set_fuel(store, FUEL);
    weft_store_set_deadline_ns(store, weft_monotonic_ns() + DEADLINE_NS);
    weft_error_t *err = weft_store_set_async_limits(store, 64, 4096);
    if (err) abort();
    weft_component_instance_t *inst = NULL;
    err = weft_component_instance_new(store, s->component, NULL, &inst);
    if (err) {
        fprintf(stderr, "fuzz_async: instantiate: %s\n", weft_error_message(err));
        abort();
    }
    weft_component_func_t *run = NULL;
    if (!weft_component_instance_func(inst, "run", 3, &run)) abort();
    weft_cval_arena_t *arena = weft_cval_arena_new(s->engine);
    if (!arena) abort();
    weft_cval_t arg;
    memset(&arg, 0, sizeof arg);
    arg.kind = WEFT_CVAL_LIST;
    arg.u.agg.len = (uint32_t)size;
    arg.u.agg.items = size ? weft_cval_alloc(arena, size) : NULL;
    if (size && !arg.u.agg.items) abort();
    for (size_t i = 0; i < size; i++) {
        arg.u.agg.items[i].kind = WEFT_CVAL_U8;
        arg.u.agg.items[i].u.u = data[i];
    }
    weft_async_handle_t task = 0;
    err = weft_task_start(store, run, &arg, 1, &task);
    if (err) {
        fuzz_check_error(err, "start");
    } else {
        err = weft_task_wait(store, task);
        if (err) fuzz_check_error(err, "wait");
        weft_task_state_t st = weft_task_state(store, task);
        weft_error_t *terr = weft_task_error(store, task);
        switch (st) {
        case WEFT_TASK_PENDING: fuzz_count("pending", NULL); break;
        case WEFT_TASK_RETURNED: fuzz_count("returned", NULL); break;
        case WEFT_TASK_CANCELLED: fuzz_count("cancelled", NULL); break;
        case WEFT_TASK_FAILED: fuzz_count("failed", NULL); break;
        default: abort();
        }
        if (terr) fuzz_check_error(terr, "task");
        if (st != WEFT_TASK_PENDING && err == NULL && st != WEFT_TASK_RETURNED &&
            st != WEFT_TASK_CANCELLED && !terr)
            abort(); /* a failed task must say why */
        err = weft_task_delete(store, task);
        if (err) abort();
    }
    weft_cval_arena_delete(arena);
    weft_store_delete(store);
    return 0;
}
