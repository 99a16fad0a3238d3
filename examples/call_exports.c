/* call_exports.c - a host that loads a component and calls its exports, passing and receiving
 * strings, records and lists as component values (weft_cval_t). The component is
 * call_exports.wat; see docs/embedding.md for a walk-through.
 *
 * usage: call_exports call_exports.wasm */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "example_util.h"
#include "weft.h"

/* Prints an error and frees it. */
static void report(const char *what, weft_error_t *err)
{
    print_error(what, err);
}

/* An exported function by name (the example's exports all exist). */
static weft_component_func_t *export_func(weft_component_instance_t *inst, const char *name)
{
    weft_component_func_t *fn = NULL;
    if (!weft_component_instance_func(inst, name, strlen(name), &fn)) {
        fprintf(stderr, "no export %s\n", name);
        exit(1);
    }
    return fn;
}

/* Lists the exports with their WIT parameter and result types. */
static void list_exports(weft_component_instance_t *inst, weft_cval_arena_t *arena)
{
    for (size_t i = 0; i < weft_component_instance_export_count(inst); i++) {
        const char *name;
        size_t len;
        weft_component_extern_kind_t kind;
        weft_component_func_t *fn;
        weft_component_instance_export_nth(inst, i, &name, &len, &kind);
        if (kind != WEFT_COMPONENT_EXTERN_FUNC ||
            !weft_component_instance_func(inst, name, len, &fn))
            continue;
        printf("export %.*s: func(", (int)len, name);
        for (size_t p = 0; p < weft_component_func_param_count(fn); p++) {
            const char *pname, *type;
            size_t plen, tlen;
            weft_component_func_param_name(fn, p, &pname, &plen);
            weft_error_t *err = weft_wave_print_type(arena, weft_component_func_param_type(fn, p),
                                                     &type, &tlen);
            if (err) {
                report("print type", err);
                continue;
            }
            printf("%s%.*s: %s", p ? ", " : "", (int)plen, pname, type);
        }
        printf(")");
        if (weft_component_func_result_count(fn) == 1) {
            const char *type;
            size_t tlen;
            weft_error_t *err = weft_wave_print_type(arena, weft_component_func_result_type(fn),
                                                     &type, &tlen);
            if (!err) printf(" -> %s", type);
            else report("print type", err);
        }
        printf("\n");
    }
}

/* greet: func(name: string) -> string */
static void call_greet(weft_store_t *store, weft_component_instance_t *inst,
                       weft_cval_arena_t *arena, const char *who)
{
    weft_component_func_t *greet = export_func(inst, "greet");
    weft_cval_t arg, result;
    if (!weft_cval_set_string(arena, who, strlen(who), &arg)) return;
    weft_error_t *err = weft_component_func_call(store, greet, &arg, 1, &result, 1, arena);
    if (err) {
        report("greet", err);
        return;
    }
    /* The result's bytes may be in any encoding the component chose: ask for UTF-8. */
    const char *text;
    size_t len;
    if (weft_cval_string_utf8(arena, &result, &text, &len))
        printf("greet(\"%s\") = \"%.*s\"\n", who, (int)len, text);
}

/* A record value `point { x, y }`: one item per field, in the type's order. */
static bool make_point(weft_cval_arena_t *arena, int32_t x, int32_t y, weft_cval_t *out)
{
    weft_cval_t *fields = weft_cval_alloc(arena, 2);
    if (!fields) return false;
    fields[0].kind = WEFT_CVAL_S32;
    fields[0].u.s = x;
    fields[1].kind = WEFT_CVAL_S32;
    fields[1].u.s = y;
    out->kind = WEFT_CVAL_RECORD;
    out->u.agg.len = 2;
    out->u.agg.items = fields;
    return true;
}

/* add-points: func(a: point, b: point) -> point */
static void call_add_points(weft_store_t *store, weft_component_instance_t *inst,
                            weft_cval_arena_t *arena)
{
    weft_component_func_t *add = export_func(inst, "add-points");
    weft_cval_t args[2], result;
    if (!make_point(arena, 1, 2, &args[0]) || !make_point(arena, 10, -20, &args[1])) return;
    weft_error_t *err = weft_component_func_call(store, add, args, 2, &result, 1, arena);
    if (err) {
        report("add-points", err);
        return;
    }
    printf("add-points({x: 1, y: 2}, {x: 10, y: -20}) = {x: %lld, y: %lld}\n",
           (long long)result.u.agg.items[0].u.s, (long long)result.u.agg.items[1].u.s);
}

/* reverse: func(l: list<u32>) -> list<u32> */
static void call_reverse(weft_store_t *store, weft_component_instance_t *inst,
                         weft_cval_arena_t *arena)
{
    weft_component_func_t *reverse = export_func(inst, "reverse");
    static const uint32_t input[] = {1, 2, 3, 5, 8};
    const uint32_t n = sizeof input / sizeof input[0];
    weft_cval_t arg, result;
    weft_cval_t *items = weft_cval_alloc(arena, n);
    if (!items) return;
    for (uint32_t i = 0; i < n; i++) {
        items[i].kind = WEFT_CVAL_U32;
        items[i].u.u = input[i];
    }
    arg.kind = WEFT_CVAL_LIST;
    arg.u.agg.len = n;
    arg.u.agg.items = items;
    weft_error_t *err = weft_component_func_call(store, reverse, &arg, 1, &result, 1, arena);
    if (err) {
        report("reverse", err);
        return;
    }
    printf("reverse([1, 2, 3, 5, 8]) = [");
    for (uint32_t i = 0; i < result.u.agg.len; i++)
        printf("%s%llu", i ? ", " : "", (unsigned long long)result.u.agg.items[i].u.u);
    printf("]\n");
}

/* summarize: func(words: list<string>) -> stats, with the arguments parsed from WAVE text and
 * the result printed as WAVE text. */
static void call_summarize(weft_store_t *store, weft_component_instance_t *inst,
                           weft_cval_arena_t *arena)
{
    weft_component_func_t *summarize = export_func(inst, "summarize");
    static const char text[] = "([\"weft\", \"warp\", \"shuttle\", \"loom\"])";
    weft_cval_t arg, result;
    weft_error_t *err = weft_wave_parse_args(arena, summarize, text, strlen(text), &arg, 1);
    if (!err) err = weft_component_func_call(store, summarize, &arg, 1, &result, 1, arena);
    const char *out;
    size_t len;
    if (!err)
        err = weft_wave_print(arena, weft_component_func_result_type(summarize), &result, &out,
                              &len);
    if (err) {
        report("summarize", err);
        return;
    }
    printf("summarize%s = %s\n", text, out);
}

/* divide: func(a: u32, b: u32) -> u32. Dividing by zero traps; the instance is then poisoned
 * and every later call into it fails. */
static void call_divide(weft_store_t *store, weft_component_instance_t *inst,
                        weft_cval_arena_t *arena, uint32_t a, uint32_t b)
{
    weft_component_func_t *divide = export_func(inst, "divide");
    weft_cval_t args[2], result;
    args[0].kind = WEFT_CVAL_U32;
    args[0].u.u = a;
    args[1].kind = WEFT_CVAL_U32;
    args[1].u.u = b;
    weft_error_t *err = weft_component_func_call(store, divide, args, 2, &result, 1, arena);
    if (err) {
        char what[64];
        snprintf(what, sizeof what, "divide(%u, %u)", a, b);
        report(what, err);
        return;
    }
    printf("divide(%u, %u) = %llu\n", a, b, (unsigned long long)result.u.u);
}

int main(int argc, char **argv)
{
    size_t len;
    uint8_t *bytes = read_wasm_arg(argc, argv, "call_exports.wasm", &len);
    int status = 1;
    weft_engine_t *engine = weft_engine_new(NULL);
    weft_store_t *store = engine ? weft_store_new(engine) : NULL;
    weft_cval_arena_t *arena = engine ? weft_cval_arena_new(engine) : NULL;
    weft_component_t *component = NULL;
    weft_component_instance_t *inst = NULL;
    if (!store || !arena) goto done;

    weft_error_t *err = weft_component_new(engine, bytes, len, &component);
    free(bytes); /* the component keeps its own copy */
    bytes = NULL;
    if (err) {
        report("compile", err);
        goto done;
    }
    /* No imports: no linker. */
    if ((err = weft_component_instance_new(store, component, NULL, &inst))) {
        report("instantiate", err);
        goto done;
    }
    list_exports(inst, arena);
    call_greet(store, inst, arena, "world");
    call_greet(store, inst, arena, "Wébassembly");
    call_add_points(store, inst, arena);
    call_reverse(store, inst, arena);
    weft_cval_arena_reset(arena); /* frees every value made so far */
    call_summarize(store, inst, arena);
    call_divide(store, inst, arena, 84, 2);
    call_divide(store, inst, arena, 1, 0);
    call_divide(store, inst, arena, 84, 2);
    status = 0;
done:
    free(bytes);
    weft_cval_arena_delete(arena);
    weft_store_delete(store); /* frees the instance */
    weft_component_delete(component);
    weft_engine_delete(engine);
    return status;
}
