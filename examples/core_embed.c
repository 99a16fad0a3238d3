/* core_embed.c - a host of a core WebAssembly module: an engine with its own allocator and
 * limits, host functions reading guest memory, calls, a trap with its backtrace, fuel, a
 * deadline, an interrupt, and a call suspended in a host function and resumed later. The
 * module is core_embed.wat; see docs/embedding.md for a walk-through.
 *
 * usage: core_embed core_embed.wasm */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "example_util.h"
#include "weft.h"

/* The allocator hook: realloc/free that keeps a count of the bytes in use. */
typedef struct heap {
    size_t in_use;
} heap_t;

static void *counting_alloc(void *ud, void *ptr, size_t old_size, size_t new_size)
{
    heap_t *heap = ud;
    if (new_size == 0) {
        free(ptr);
        heap->in_use -= old_size;
        return NULL;
    }
    void *p = realloc(ptr, new_size);
    if (p) heap->in_use = heap->in_use - old_size + new_size;
    return p;
}

/* host.log(ptr, len): prints guest memory. */
static weft_error_t *host_log(void *env, weft_caller_t *caller, const weft_val_t *args,
                              size_t nargs, weft_val_t *results, size_t nresults)
{
    (void)env, (void)nargs, (void)results, (void)nresults;
    weft_memory_t *memory = weft_caller_memory(caller, 0);
    uint32_t ptr = (uint32_t)args[0].of.i32, len = (uint32_t)args[1].of.i32;
    if (!memory || (uint64_t)ptr + len > weft_memory_size(memory))
        return weft_trap_new(weft_caller_store(caller), "log: out of bounds");
    printf("guest: %.*s\n", (int)len, (const char *)weft_memory_data(memory) + ptr);
    return NULL;
}

/* host.ask(x) -> y: suspends the calling wasm code; the host resumes it with the answer. */
static weft_error_t *host_ask(void *env, weft_caller_t *caller, const weft_val_t *args,
                              size_t nargs, weft_val_t *results, size_t nresults)
{
    (void)nargs, (void)results, (void)nresults;
    int32_t *question = env;
    *question = args[0].of.i32;
    weft_caller_suspend(caller);
    return NULL;
}

/* Prints an error (trap code and innermost function for a trap) and frees it. */
static void report(const char *what, weft_error_t *err)
{
    if (!err) {
        printf("%s: no error\n", what);
        return;
    }
    printf("%s: %s", what, weft_error_message(err));
    if (weft_error_kind(err) == WEFT_ERROR_TRAP) {
        printf(" [%s]", weft_trap_code_message(weft_error_trap_code(err)));
        /* The backtrace, innermost frame first; names come from the name section. */
        const weft_frame_t *top = weft_error_frame(err, 0);
        if (top && top->name) printf(" in %s", top->name);
        if (weft_error_frame_count(err) > 1) printf(" (and its callers)");
    }
    printf("\n");
    weft_error_delete(err);
}

static weft_func_t *export_func(weft_instance_t *instance, const char *name)
{
    weft_extern_t ext;
    if (!weft_instance_export(instance, name, strlen(name), &ext) ||
        ext.kind != WEFT_EXTERN_FUNC) {
        fprintf(stderr, "no function export %s\n", name);
        exit(1);
    }
    return ext.of.func;
}

/* Calls fib(n) and prints the result. */
static void call_fib(weft_store_t *store, weft_instance_t *instance, int32_t n)
{
    weft_val_t arg, result;
    arg.kind = WEFT_I32;
    arg.of.i32 = n;
    result.kind = WEFT_I32;
    weft_error_t *err = weft_func_call(store, export_func(instance, "fib"), &arg, 1, &result, 1);
    if (err) report("fib", err);
    else printf("fib(%d) = %d\n", (int)n, (int)result.of.i32);
}

/* Runs spin() under each way of stopping it. */
static void stop_spin(weft_store_t *store, weft_instance_t *instance)
{
    weft_func_t *spin = export_func(instance, "spin");

    weft_store_set_fuel(store, 10000);
    report("spin with fuel", weft_func_call(store, spin, NULL, 0, NULL, 0));
    printf("fuel left: %llu\n", (unsigned long long)weft_store_get_fuel(store));
    weft_store_set_fuel(store, WEFT_FUEL_UNLIMITED);

    weft_store_set_deadline_ns(store, weft_monotonic_ns() + 10 * 1000 * 1000); /* 10 ms */
    report("spin with a deadline", weft_func_call(store, spin, NULL, 0, NULL, 0));
    weft_store_set_deadline_ns(store, 0);

    /* Any thread may call weft_store_interrupt(); a request made while no wasm code runs
     * stops the next call. */
    weft_store_interrupt(store);
    report("spin after an interrupt", weft_func_call(store, spin, NULL, 0, NULL, 0));
}

/* twice(x) asks the host for a number: the call suspends, and the host resumes it. */
static void suspend_and_resume(weft_store_t *store, weft_instance_t *instance,
                               const int32_t *question)
{
    weft_val_t arg, answer, result;
    arg.kind = WEFT_I32;
    arg.of.i32 = 20;
    weft_call_t *call = NULL;
    weft_error_t *err = weft_call_new(store, export_func(instance, "twice"), &arg, 1, &call);
    if (err) {
        report("twice", err);
        return;
    }
    weft_call_state_t state = weft_call_run(call, &err);
    if (state == WEFT_CALL_SUSPENDED) {
        printf("twice suspended: the guest asks about %d\n", (int)*question);
        answer.kind = WEFT_I32;
        answer.of.i32 = *question + 1;
        state = weft_call_resume(call, &answer, 1, &err);
    }
    if (state == WEFT_CALL_DONE) {
        result.kind = WEFT_I32;
        err = weft_call_results(call, &result, 1);
        if (!err) printf("twice(20) = %d\n", (int)result.of.i32);
    }
    if (err) report("twice", err);
    weft_call_delete(call);
}

int main(int argc, char **argv)
{
    size_t len;
    uint8_t *bytes = read_wasm_arg(argc, argv, "core_embed.wasm", &len);

    heap_t heap = {0};
    weft_config_t cfg;
    weft_config_init(&cfg);
    cfg.alloc = counting_alloc;
    cfg.alloc_ud = &heap;
    cfg.max_call_depth = 1000; /* deeper recursion traps with "call stack exhausted" */
    cfg.max_memory_bytes = 16u << 20;
    weft_engine_t *engine = weft_engine_new(&cfg);
    weft_store_t *store = engine ? weft_store_new(engine) : NULL;
    weft_module_t *module = NULL;
    weft_instance_t *instance = NULL;
    int status = 1;
    if (!store) goto done;

    weft_error_t *err = weft_module_new(engine, bytes, len, &module);
    if (err) {
        report("compile", err);
        goto done;
    }
    /* One extern per import, in the module's import order: host.log, host.ask. */
    int32_t question = 0;
    const weft_valkind_t i32x2[] = {WEFT_I32, WEFT_I32};
    weft_extern_t imports[2];
    imports[0].kind = WEFT_EXTERN_FUNC;
    imports[0].of.func = weft_func_new(store, i32x2, 2, NULL, 0, host_log, NULL, NULL);
    imports[1].kind = WEFT_EXTERN_FUNC;
    imports[1].of.func = weft_func_new(store, i32x2, 1, i32x2, 1, host_ask, &question, NULL);
    if (!imports[0].of.func || !imports[1].of.func) goto done;
    if ((err = weft_instance_new(store, module, imports, 2, &instance))) {
        report("instantiate", err);
        goto done;
    }

    if ((err = weft_func_call(store, export_func(instance, "hello"), NULL, 0, NULL, 0)))
        report("hello", err);
    call_fib(store, instance, 20);

    weft_val_t depth;
    depth.kind = WEFT_I32;
    depth.of.i32 = 10;
    err = weft_func_call(store, export_func(instance, "down"), &depth, 1, NULL, 0);
    report("down(10)", err);
    depth.of.i32 = 5000;
    report("down(5000)", weft_func_call(store, export_func(instance, "down"), &depth, 1, NULL,
                                        0));

    stop_spin(store, instance);
    suspend_and_resume(store, instance, &question);
    status = 0;
done:
    free(bytes);
    weft_store_delete(store);
    weft_module_delete(module);
    weft_engine_delete(engine);
    printf("bytes still allocated: %zu\n", heap.in_use);
    return status;
}
