/* host_import.c - a host that implements a component's imports in C: a function
 * (example:demo/log `log`) and a resource type (example:demo/counters `counter`) with its
 * constructor, a method and a destructor. The component is host_import.wat; see
 * docs/embedding.md for a walk-through.
 *
 * usage: host_import host_import.wasm */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "example_util.h"
#include "weft.h"

/* The host's counters. A component sees a counter as a handle; the host sees its "rep", a
 * 32-bit number it chooses: here 1 + the counter's index in this table. */
#define MAX_COUNTERS 8
typedef struct counters {
    uint32_t value[MAX_COUNTERS];
    bool live[MAX_COUNTERS];
} counters_t;

/* Makes a counter; returns its rep, or 0 when the table is full. */
static uint32_t counter_new(counters_t *c, uint32_t start)
{
    for (uint32_t i = 0; i < MAX_COUNTERS; i++) {
        if (!c->live[i]) {
            c->live[i] = true;
            c->value[i] = start;
            return i + 1;
        }
    }
    return 0;
}

/* The counter of `rep`, or NULL if there is none. */
static uint32_t *counter_get(counters_t *c, uint32_t rep)
{
    return rep >= 1 && rep <= MAX_COUNTERS && c->live[rep - 1] ? &c->value[rep - 1] : NULL;
}

/* The destructor: runs when a component drops its last own handle of a counter. */
static void counter_dtor(void *env, uint32_t rep)
{
    counters_t *c = env;
    uint32_t *v = counter_get(c, rep);
    if (!v) return;
    printf("host: counter %u destroyed at %u\n", rep, *v);
    c->live[rep - 1] = false;
}

/* [constructor]counter: func(start: u32) -> own<counter> */
static weft_error_t *counter_constructor(void *env, weft_store_t *store,
                                         const weft_cval_t *args, size_t nargs,
                                         weft_cval_t *results, size_t nresults,
                                         weft_cval_arena_t *arena)
{
    (void)arena, (void)nargs, (void)nresults;
    uint32_t rep = counter_new(env, (uint32_t)args[0].u.u);
    if (!rep) return weft_trap_new(store, "too many counters");
    printf("host: counter %u created at %llu\n", rep, (unsigned long long)args[0].u.u);
    results[0].kind = WEFT_CVAL_OWN;
    results[0].u.rep = rep;
    return NULL;
}

/* [method]counter.increment: func(self: borrow<counter>, by: u32) -> u32 */
static weft_error_t *counter_increment(void *env, weft_store_t *store, const weft_cval_t *args,
                                       size_t nargs, weft_cval_t *results, size_t nresults,
                                       weft_cval_arena_t *arena)
{
    (void)arena, (void)nargs, (void)nresults;
    uint32_t *v = counter_get(env, args[0].u.rep);
    if (!v) return weft_trap_new(store, "no such counter");
    *v += (uint32_t)args[1].u.u;
    results[0].kind = WEFT_CVAL_U32;
    results[0].u.u = *v;
    return NULL;
}

/* example:demo/log log: func(msg: string) */
static weft_error_t *log_message(void *env, weft_store_t *store, const weft_cval_t *args,
                                 size_t nargs, weft_cval_t *results, size_t nresults,
                                 weft_cval_arena_t *arena)
{
    (void)env, (void)nargs, (void)results, (void)nresults;
    const char *text;
    size_t len;
    if (!weft_cval_string_utf8(arena, &args[0], &text, &len))
        return weft_trap_new(store, "not a string");
    printf("guest: %s\n", text);
    return NULL;
}

static bool check(const char *what, weft_error_t *err)
{
    if (!err) return true;
    print_error(what, err);
    return false;
}

/* Defines every import of host_import.wat in `linker`. Names are the full import names: the
 * interface ("example:demo/counters") and the name inside it ("[constructor]counter"). */
static weft_error_t *define_imports(weft_component_linker_t *linker, counters_t *counters)
{
    static const char log_iface[] = "example:demo/log";
    static const char ctr_iface[] = "example:demo/counters";
    weft_error_t *err;
    err = weft_component_linker_define_func(linker, log_iface, strlen(log_iface), "log", 3,
                                            log_message, NULL, NULL);
    if (!err)
        err = weft_component_linker_define_resource(linker, ctr_iface, strlen(ctr_iface),
                                                    "counter", 7, counter_dtor, counters);
    if (!err)
        err = weft_component_linker_define_func(
            linker, ctr_iface, strlen(ctr_iface), "[constructor]counter",
            strlen("[constructor]counter"), counter_constructor, counters, NULL);
    if (!err)
        err = weft_component_linker_define_func(
            linker, ctr_iface, strlen(ctr_iface), "[method]counter.increment",
            strlen("[method]counter.increment"), counter_increment, counters, NULL);
    return err;
}

/* Calls export `name` with one argument and prints its u32 result, if it has one. */
static bool call1(weft_store_t *store, weft_component_instance_t *inst,
                  weft_cval_arena_t *arena, const char *name, weft_cval_t arg)
{
    weft_component_func_t *fn;
    if (!weft_component_instance_func(inst, name, strlen(name), &fn)) return false;
    weft_cval_t result;
    size_t nresults = weft_component_func_result_count(fn);
    if (!check(name, weft_component_func_call(store, fn, &arg, 1, &result, nresults, arena)))
        return false;
    if (nresults) printf("%s returned %llu\n", name, (unsigned long long)result.u.u);
    else printf("%s returned\n", name);
    return true;
}

int main(int argc, char **argv)
{
    size_t len;
    uint8_t *bytes = read_wasm_arg(argc, argv, "host_import.wasm", &len);
    counters_t counters;
    memset(&counters, 0, sizeof counters);
    int status = 1;
    weft_engine_t *engine = weft_engine_new(NULL);
    weft_store_t *store = engine ? weft_store_new(engine) : NULL;
    weft_cval_arena_t *arena = engine ? weft_cval_arena_new(engine) : NULL;
    weft_component_linker_t *linker = engine ? weft_component_linker_new(engine) : NULL;
    weft_component_t *component = NULL;
    weft_component_instance_t *inst = NULL;
    if (!store || !arena || !linker) goto done;
    if (!check("compile", weft_component_new(engine, bytes, len, &component))) goto done;
    if (!check("link", define_imports(linker, &counters))) goto done;
    if (!check("instantiate", weft_component_instance_new(store, component, linker, &inst)))
        goto done;

    /* The component makes, uses and drops a counter of its own. */
    weft_cval_t n;
    n.kind = WEFT_CVAL_U32;
    n.u.u = 3;
    if (!call1(store, inst, arena, "run", n)) goto done;

    /* The host makes a counter and lends it to the component: a borrow<counter> value
     * carries the rep; the component's handle of it ends with the call. */
    weft_cval_t c;
    c.kind = WEFT_CVAL_BORROW;
    c.u.rep = counter_new(&counters, 7);
    printf("host: counter %u created at 7\n", c.u.rep);
    if (!call1(store, inst, arena, "bump", c)) goto done;
    if (!call1(store, inst, arena, "bump", c)) goto done;

    /* Then gives it away: an own<counter> moves it into the component, which drops it, and
     * the destructor runs. */
    c.kind = WEFT_CVAL_OWN;
    if (!call1(store, inst, arena, "consume", c)) goto done;
    printf("host: counter %u is %s\n", c.u.rep,
           counter_get(&counters, c.u.rep) ? "live" : "gone");

    /* A host function's error traps the calling component: lending a counter the host does
     * not have makes `increment` fail, and the instance is unusable afterwards. */
    c.kind = WEFT_CVAL_BORROW;
    c.u.rep = 42;
    if (call1(store, inst, arena, "bump", c)) goto done;
    if (call1(store, inst, arena, "run", n)) goto done;
    status = 0;
done:
    free(bytes);
    weft_cval_arena_delete(arena);
    weft_store_delete(store);
    weft_component_linker_delete(linker); /* after the instances using its functions */
    weft_component_delete(component);
    weft_engine_delete(engine);
    return status;
}
