/* wast_spectest.c - the `spectest` module of the spec test scripts: print functions, four
 * immutable globals of value 666 / 666.6, a table of 10..20 funcref and a memory of 1..2 pages. */
#include "cli/wast_spectest.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cli/wast_value.h"

static weft_error_t *print_fn(void *env, weft_caller_t *caller, const weft_val_t *args,
                              size_t nargs, weft_val_t *results, size_t nresults)
{
    const spectest_t *st = env;
    (void)caller;
    (void)results;
    (void)nresults;
    if (!*st->verbose) return NULL;
    for (size_t i = 0; i < nargs; i++) {
        char buf[128];
        weft__wast_format_val(&args[i], WAST_LANE_NONE, buf, sizeof buf);
        printf("%s%s", i ? " " : "", buf);
    }
    printf(nargs ? "\n" : "(print)\n");
    return NULL;
}

static bool add(spectest_t *st, const char *name, weft_extern_t ext)
{
    if (st->count == SPECTEST_MAX_EXPORTS) return false;
    st->names[st->count] = name;
    st->externs[st->count] = ext;
    st->count++;
    return true;
}

static const char *add_func(spectest_t *st, weft_store_t *store, const char *name,
                            const weft_valkind_t *params, size_t nparams)
{
    weft_func_t *f = weft_func_new(store, params, nparams, NULL, 0, print_fn, st, NULL);
    if (!f) return "cannot create a spectest function";
    weft_extern_t e = {.kind = WEFT_EXTERN_FUNC};
    e.of.func = f;
    return add(st, name, e) ? NULL : "too many spectest exports";
}

static const char *add_global(spectest_t *st, weft_store_t *store, const char *name,
                              weft_val_t v)
{
    weft_global_t *g = NULL;
    weft_error_t *err = weft_global_new(store, (weft_valkind_t)v.kind, false, v, &g);
    if (err) {
        weft_error_delete(err);
        return "cannot create a spectest global";
    }
    weft_extern_t e = {.kind = WEFT_EXTERN_GLOBAL};
    e.of.global = g;
    return add(st, name, e) ? NULL : "too many spectest exports";
}

const char *weft__spectest_init(spectest_t *st, weft_store_t *store, const bool *verbose)
{
    memset(st, 0, sizeof *st);
    st->verbose = verbose;
    static const weft_valkind_t i32[] = {WEFT_I32}, i64[] = {WEFT_I64}, f32[] = {WEFT_F32},
                                f64[] = {WEFT_F64}, i32_f32[] = {WEFT_I32, WEFT_F32},
                                f64_f64[] = {WEFT_F64, WEFT_F64};
    const char *msg;
    if ((msg = add_func(st, store, "print", NULL, 0)) ||
        (msg = add_func(st, store, "print_i32", i32, 1)) ||
        (msg = add_func(st, store, "print_i64", i64, 1)) ||
        (msg = add_func(st, store, "print_f32", f32, 1)) ||
        (msg = add_func(st, store, "print_f64", f64, 1)) ||
        (msg = add_func(st, store, "print_i32_f32", i32_f32, 2)) ||
        (msg = add_func(st, store, "print_f64_f64", f64_f64, 2)))
        return msg;

    float f = 666.6f;
    double d = 666.6;
    weft_val_t v;
    memset(&v, 0, sizeof v);
    v.kind = WEFT_I32;
    v.of.i32 = 666;
    if ((msg = add_global(st, store, "global_i32", v))) return msg;
    memset(&v, 0, sizeof v);
    v.kind = WEFT_I64;
    v.of.i64 = 666;
    if ((msg = add_global(st, store, "global_i64", v))) return msg;
    memset(&v, 0, sizeof v);
    v.kind = WEFT_F32;
    memcpy(&v.of.f32, &f, 4);
    if ((msg = add_global(st, store, "global_f32", v))) return msg;
    memset(&v, 0, sizeof v);
    v.kind = WEFT_F64;
    memcpy(&v.of.f64, &d, 8);
    if ((msg = add_global(st, store, "global_f64", v))) return msg;

    weft_val_t null_func;
    memset(&null_func, 0, sizeof null_func);
    null_func.kind = WEFT_FUNCREF;
    weft_table_t *t = NULL;
    weft_error_t *err = weft_table_new(store, WEFT_FUNCREF, 10, 20, true, null_func, &t);
    if (err) {
        weft_error_delete(err);
        return "cannot create the spectest table";
    }
    weft_extern_t e = {.kind = WEFT_EXTERN_TABLE};
    e.of.table = t;
    if (!add(st, "table", e)) return "too many spectest exports";

    weft_memory_t *m = NULL;
    err = weft_memory_new(store, 1, 2, true, &m);
    if (err) {
        weft_error_delete(err);
        return "cannot create the spectest memory";
    }
    e.kind = WEFT_EXTERN_MEMORY;
    e.of.memory = m;
    if (!add(st, "memory", e)) return "too many spectest exports";
    return NULL;
}

bool weft__spectest_lookup(const spectest_t *st, const char *name, size_t len, weft_extern_t *out)
{
    for (size_t i = 0; i < st->count; i++)
        if (strlen(st->names[i]) == len && memcmp(st->names[i], name, len) == 0) {
            *out = st->externs[i];
            return true;
        }
    return false;
}
