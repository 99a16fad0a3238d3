/* wast_component.c - runs one Component Model test script, converted by
 * tests/component/wast2json.mjs (tests/component/README.md), against Weft's component API
 * (include/weft.h "Components"): `weft wast`, and the test program build/weft-cwast.
 *
 * Every command runs in order in one store. Checks are the commands that can fail: component
 * and module definitions and instantiations, bare actions and the assertions; `register` is
 * not one. An `assert_malformed` of a text or quote form that the text parser already rejected
 * (`parse_error`) passes: the text never became a binary, which is what the assertion asks of
 * a text form; those are counted and reported on a line of their own.
 *
 * A JSON value says neither case indices nor flag positions, so arguments and results are
 * converted with the component's function types: the runner reads them from the component's
 * own validated type (its export list), decoded and validated a second time by the internal
 * decoder and validator.
 *
 * Output: `PASS NAME (N assertions)` or `FAIL NAME (P passed, F failed)` (F: unexpected
 * failures when an expected-failures list is given), with -v each failing check with its
 * line. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/wast_common.h"
#include "cli/wast_cvalue.h"
#include "component/component.h"
#include "component/validate.h"
#include "weft.h"

/* A decoded component: the runtime object and its type (from the internal validator). */
typedef struct cdef {
    char *name; /* NULL when unnamed */
    weft_component_t *comp;
    weft_component_def_t *def;
    weft_cvalid_t *valid;
} cdef_t;

typedef struct cinst {
    char *name;
    weft_component_instance_t *inst; /* owned by the store */
    const cdef_t *def;
} cinst_t;

typedef struct runner {
    weft_wast_tally_t t; /* display name, verbosity, expected failures, figures */
    const char *dir;
    weft_engine_t *engine;
    weft_store_t *store;
    weft_component_linker_t *linker;
    weft_cval_arena_t *arena;
    cdef_t **defs;
    size_t ndefs;
    cinst_t *insts;
    size_t ninsts;
    long current; /* index into insts, -1 = none */
    weft_module_t **modules;
    size_t nmodules;
    unsigned long text_rejected;
} runner_t;

/* Whether a trap's message contains the expected text (a substring match, as the reference
 * runner does). The scripts carry wasmtime's rendering of a trap, "wasm trap: " + message,
 * so that prefix is optional here. */
static bool trap_matches(const weft_error_t *err, const char *text)
{
    static const char prefix[] = "wasm trap: ";
    /* wasmtime's wording of core traps where it differs from the core spec's. */
    static const struct {
        weft_trap_code_t code;
        const char *text;
    } core_words[] = {
        {WEFT_TRAP_UNREACHABLE, "wasm `unreachable` instruction executed"},
        {WEFT_TRAP_INDIRECT_CALL_TYPE, "indirect call type mismatch"},
        {WEFT_TRAP_UNINITIALIZED_ELEMENT, "uninitialized element"},
        {WEFT_TRAP_STACK_EXHAUSTED, "call stack exhausted"},
    };
    const char *msg = weft_error_message(err);
    if (!text) return true;
    if (strstr(msg, text)) return true;
    /* The remaining comparisons are against texts without the "wasm trap: " prefix. */
    if (strncmp(text, prefix, sizeof prefix - 1) == 0) {
        text += sizeof prefix - 1;
        if (strstr(msg, text)) return true;
    }
    weft_trap_code_t code = weft_error_trap_code(err);
    for (size_t i = 0; i < sizeof core_words / sizeof core_words[0]; i++)
        if (code == core_words[i].code && strstr(core_words[i].text, text)) return true;
    const char *cm = code != WEFT_TRAP_NONE && code != WEFT_TRAP_HOST ? weft_trap_code_message(code)
                                                                      : NULL;
    return cm && *cm && strstr(cm, text);
}

/* Consumes err: writes "expected X, got <error>" or "expected X, got success". */
static void expected_got(char *buf, size_t len, const char *want, weft_error_t *err)
{
    weft__wast_bprintf(buf, len, "expected %s, got ", want);
    if (err) weft__wast_describe_error(err, buf, len);
    else weft__wast_bprintf(buf, len, "success");
    weft_error_delete(err);
}

/* ------------------------------------------------------------------------------------------ */
/* Components, instances, types */

static void cdef_free(cdef_t *d)
{
    if (!d) return;
    weft_component_delete(d->comp);
    weft__cvalid_free(d->valid);
    weft__component_def_free(d->def);
    free(d->name);
    free(d);
}

/* Decodes and validates the component of `file` with the public API and, for its types, with
 * the internal validator. Returns an error (the public API's) or NULL with *out set; a file
 * that cannot be read gives an I/O-free failure described in *why. */
static weft_error_t *load_component(runner_t *r, const char *file, cdef_t **out, char *why,
                                    size_t whylen)
{
    *out = NULL;
    uint8_t *bytes;
    size_t len;
    char *path = weft__wast_path(r->dir, file);
    bool ok = weft__wast_read_file(path, &bytes, &len);
    free(path);
    if (!ok) {
        weft__wast_bprintf(why, whylen, "cannot read %s: %s", file, strerror(errno));
        return NULL;
    }
    cdef_t *d = weft__wast_xrealloc(NULL, sizeof *d);
    memset(d, 0, sizeof *d);
    weft_error_t *err = weft_component_new(r->engine, bytes, len, &d->comp);
    if (!err) {
        weft_alloc_t a = {weft__default_alloc, NULL};
        weft_error_t *e2 = weft__component_decode(&a, r->engine, bytes, len, &d->def);
        if (!e2) e2 = weft__component_validate(d->def, &d->valid);
        if (e2) {
            weft__wast_bprintf(why, whylen, "types unavailable: ");
            weft__wast_describe_error(e2, why, whylen);
            weft_error_delete(e2);
            cdef_free(d);
            free(bytes);
            return NULL;
        }
    }
    free(bytes);
    if (err) {
        cdef_free(d);
        return err;
    }
    *out = d;
    return NULL;
}

static void add_def(runner_t *r, cdef_t *d, const char *name)
{
    d->name = weft__wast_strdup(name);
    r->defs = weft__wast_xrealloc(r->defs, (r->ndefs + 1) * sizeof *r->defs);
    r->defs[r->ndefs++] = d;
}

static const cdef_t *find_def(const runner_t *r, const char *name)
{
    for (size_t i = r->ndefs; i-- > 0;)
        if (r->defs[i]->name && strcmp(r->defs[i]->name, name) == 0) return r->defs[i];
    return NULL;
}

static weft_error_t *instantiate(runner_t *r, const cdef_t *d, const char *name)
{
    weft_component_instance_t *inst;
    weft_error_t *err = weft_component_instance_new(r->store, d->comp, r->linker, &inst);
    if (err) return err;
    r->insts = weft__wast_xrealloc(r->insts, (r->ninsts + 1) * sizeof *r->insts);
    r->insts[r->ninsts] = (cinst_t){weft__wast_strdup(name), inst, d};
    r->current = (long)r->ninsts++;
    return NULL;
}

static const cinst_t *find_inst(const runner_t *r, const char *name)
{
    if (!name) return r->current >= 0 ? &r->insts[r->current] : NULL;
    for (size_t i = r->ninsts; i-- > 0;)
        if (r->insts[i].name && strcmp(r->insts[i].name, name) == 0) return &r->insts[i];
    return NULL;
}

/* The type of export `name` of a component, if it is a function. */
static const weft_ty_func_t *export_func_type(const cdef_t *d, const char *name, size_t len)
{
    const weft_ty_component_t *ct = d->valid->type;
    for (uint32_t i = 0; i < ct->nexports; i++) {
        const weft_ty_named_t *e = &ct->exports[i];
        if (e->name.len == len && memcmp(e->name.ptr, name, len) == 0)
            return e->type.kind == WEFT_CEXT_FUNC ? e->type.u.func : NULL;
    }
    return NULL;
}

/* ------------------------------------------------------------------------------------------ */
/* Actions */

typedef struct outcome {
    weft_error_t *err;            /* the call failed (trap, ...) */
    bool setup_failed;            /* no call happened: `why` says what went wrong */
    const weft_ty_val_t *rtype;   /* the result type, or NULL */
    weft_cval_t result;
} outcome_t;

/* Runs an `invoke` action (results in r->arena, reset by the caller). */
static void run_action(runner_t *r, const json_t *action, outcome_t *o, char *why, size_t whylen)
{
    memset(o, 0, sizeof *o);
    o->setup_failed = true;
    const char *type = weft__json_get_str(action, "type", NULL);
    if (!type || strcmp(type, "invoke") != 0) {
        weft__wast_bprintf(why, whylen, "unsupported action %s", type ? type : "(none)");
        return;
    }
    const char *mod = weft__json_get_str(action, "module", NULL);
    size_t flen;
    const char *field = weft__json_get_str(action, "field", &flen);
    const cinst_t *ci = find_inst(r, mod);
    if (!ci || !field) {
        weft__wast_bprintf(why, whylen, "no instance %s", mod ? mod : "(current)");
        return;
    }
    weft_component_func_t *f;
    const weft_ty_func_t *ft = export_func_type(ci->def, field, flen);
    if (!weft_component_instance_func(ci->inst, field, flen, &f) || !ft) {
        weft__wast_bprintf(why, whylen, "no exported function \"%s\"", field);
        return;
    }
    const json_t *args = weft__json_get(action, "args");
    size_t nargs = args && args->type == JSON_ARRAY ? args->len : 0;
    if (nargs != ft->nparams) {
        weft__wast_bprintf(why, whylen, "%zu arguments for %" PRIu32 " parameters", nargs, ft->nparams);
        return;
    }
    weft_cval_t *av = weft__cval_nodes(r->arena, nargs);
    if (!av) {
        weft__wast_bprintf(why, whylen, "out of memory");
        return;
    }
    for (size_t i = 0; i < nargs; i++) {
        char err[256] = "";
        if (!weft__cw_value_from_json(args->items[i], ft->params[i].type, r->arena, &av[i], err,
                                sizeof err)) {
            weft__wast_bprintf(why, whylen, "argument %zu: %s", i, err);
            return;
        }
    }
    o->setup_failed = false;
    o->rtype = ft->result;
    o->err = weft_component_func_call(r->store, f, av, nargs, &o->result, ft->result ? 1 : 0,
                                      r->arena);
}

/* ------------------------------------------------------------------------------------------ */
/* Commands */

static void cmd_define(runner_t *r, const json_t *c, long line, const char *type, bool inst)
{
    char why[512] = "";
    const char *file = weft__json_get_str(c, "filename", NULL);
    const char *name = weft__json_get_str(c, "name", NULL);
    if (!file) {
        const char *pe = weft__json_get_str(c, "parse_error", NULL);
        weft__wast_bprintf(why, sizeof why, "not converted: %s", pe ? pe : "no binary");
        weft__wast_record(&r->t, line, false, type, why);
        return;
    }
    cdef_t *d;
    /* A failed component leaves no current instance: the assertions that follow it fail
     * rather than run against an earlier instance. */
    if (inst) r->current = -1;
    weft_error_t *err = load_component(r, file, &d, why, sizeof why);
    if (err || !d) {
        if (err) weft__wast_describe_error(err, why, sizeof why);
        weft_error_delete(err);
        weft__wast_record(&r->t, line, false, type, why);
        return;
    }
    add_def(r, d, name);
    if (inst && (err = instantiate(r, d, name))) {
        weft__wast_describe_error(err, why, sizeof why);
        weft_error_delete(err);
        weft__wast_record(&r->t, line, false, type, why);
        return;
    }
    weft__wast_record(&r->t, line, true, type, NULL);
}

static void cmd_instance(runner_t *r, const json_t *c, long line)
{
    char why[512] = "";
    const char *dname = weft__json_get_str(c, "definition", NULL);
    const cdef_t *d = dname ? find_def(r, dname) : NULL;
    r->current = -1;
    if (!d) {
        weft__wast_bprintf(why, sizeof why, "no definition %s", dname ? dname : "(none)");
        weft__wast_record(&r->t, line, false, "component_instance", why);
        return;
    }
    weft_error_t *err = instantiate(r, d, weft__json_get_str(c, "name", NULL));
    if (err) weft__wast_describe_error(err, why, sizeof why);
    weft_error_delete(err);
    weft__wast_record(&r->t, line, !err, "component_instance", why);
}

static void cmd_register(runner_t *r, const json_t *c, long line)
{
    size_t alen;
    const char *as = weft__json_get_str(c, "as", &alen);
    const cinst_t *ci = find_inst(r, weft__json_get_str(c, "name", NULL));
    weft_error_t *err = NULL;
    if (!as || !ci) {
        printf("  %s:%ld: register: no such instance\n", r->t.name, line);
        return;
    }
    err = weft_component_linker_define_instance(r->linker, as, alen, ci->inst);
    if (err) {
        char why[256] = "";
        weft__wast_describe_error(err, why, sizeof why);
        printf("  %s:%ld: register: %s\n", r->t.name, line, why);
        weft_error_delete(err);
    }
}

static void cmd_action(runner_t *r, const json_t *c, long line, const char *type)
{
    char why[2048] = "";
    outcome_t o;
    run_action(r, weft__json_get(c, "action"), &o, why, sizeof why);
    bool ok = false;
    if (o.setup_failed) {
        /* why is set */
    } else if (strcmp(type, "assert_trap") == 0) {
        const char *text = weft__json_get_str(c, "text", NULL);
        if (o.err && weft_error_kind(o.err) == WEFT_ERROR_TRAP && trap_matches(o.err, text)) {
            ok = true;
            weft_error_delete(o.err);
        } else {
            char want[300];
            snprintf(want, sizeof want, "trap \"%s\"", text ? text : "");
            if (!o.err) {
                weft__wast_bprintf(why, sizeof why, "expected %s, got ", want);
                if (o.rtype) weft__cw_value_print(o.rtype, &o.result, why, sizeof why);
                else weft__wast_bprintf(why, sizeof why, "success");
            } else {
                expected_got(why, sizeof why, want, o.err);
            }
        }
    } else if (o.err) {
        expected_got(why, sizeof why, "a result", o.err);
    } else if (strcmp(type, "assert_return") == 0) {
        const json_t *exp = weft__json_get(c, "expected");
        size_t n = exp && exp->type == JSON_ARRAY ? exp->len : 0;
        if (n != (o.rtype ? 1u : 0u)) {
            weft__wast_bprintf(why, sizeof why, "%zu expected values for %u results", n,
                       o.rtype ? 1u : 0u);
        } else {
            ok = n == 0 || weft__cw_value_match(exp->items[0], o.rtype, &o.result, why, sizeof why);
        }
    } else {
        ok = true; /* a bare action: the result is ignored */
    }
    weft__cval_arena_reset(r->arena);
    weft__wast_record(&r->t, line, ok, type, why);
}

/* Decodes the core module of `file` (NULL: none): false when there is no binary to read, else
 * *err is the decoder's error or NULL with *m set. */
static bool decode_module(runner_t *r, const char *file, weft_module_t **m, weft_error_t **err)
{
    uint8_t *bytes;
    size_t len;
    char *path = file ? weft__wast_path(r->dir, file) : NULL;
    bool rd = path && weft__wast_read_file(path, &bytes, &len);
    free(path);
    if (!rd) return false;
    *err = weft_module_new(r->engine, bytes, len, m);
    free(bytes);
    return true;
}

/* assert_invalid / assert_malformed / assert_unlinkable / assert_uninstantiable. */
static void cmd_assert_module(runner_t *r, const json_t *c, long line, const char *type)
{
    char why[1024] = "";
    const char *kind = weft__json_get_str(c, "kind", NULL);
    const char *mtype = weft__json_get_str(c, "module_type", NULL);
    const char *file = weft__json_get_str(c, "filename", NULL);
    const char *text = weft__json_get_str(c, "text", NULL);
    bool malformed = strcmp(type, "assert_malformed") == 0;
    bool invalid = strcmp(type, "assert_invalid") == 0;
    if (!file && weft__json_get(c, "parse_error") && (malformed || invalid) && mtype &&
        strcmp(mtype, "binary") != 0) {
        /* The text parser rejected the form before any binary existed. */
        r->text_rejected++;
        weft__wast_record(&r->t, line, true, type, NULL);
        return;
    }
    if (kind && strcmp(kind, "module") == 0) {
        weft_module_t *m = NULL;
        weft_error_t *err;
        if (!decode_module(r, file, &m, &err)) {
            weft__wast_record(&r->t, line, false, type, "no binary");
            return;
        }
        weft_error_kind_t want = malformed ? WEFT_ERROR_DECODE : WEFT_ERROR_VALIDATE;
        bool ok = (malformed || invalid) && err && weft_error_kind(err) == want;
        if (!ok) expected_got(why, sizeof why, weft__wast_error_kind_name(want), err);
        else weft_error_delete(err);
        if (m) weft_module_delete(m);
        weft__wast_record(&r->t, line, ok, type, ok ? NULL : (malformed || invalid) ? why : "unsupported");
        return;
    }
    const cdef_t *d = NULL;
    cdef_t *own = NULL;
    weft_error_t *err = NULL;
    if (file) {
        err = load_component(r, file, &own, why, sizeof why);
        d = own;
        if (!err && !own) {
            weft__wast_record(&r->t, line, false, type, why);
            return;
        }
    } else {
        const char *dn = weft__json_get_str(c, "definition", NULL);
        d = dn ? find_def(r, dn) : NULL;
        if (!d) {
            weft__wast_bprintf(why, sizeof why, "no binary or definition");
            weft__wast_record(&r->t, line, false, type, why);
            return;
        }
    }
    bool ok;
    if (malformed || invalid) {
        weft_error_kind_t want = malformed ? WEFT_ERROR_DECODE : WEFT_ERROR_VALIDATE;
        ok = err && weft_error_kind(err) == want;
        if (!ok) expected_got(why, sizeof why, weft__wast_error_kind_name(want), err);
        else weft_error_delete(err);
    } else if (err) {
        expected_got(why, sizeof why, "a valid component", err);
        ok = false;
    } else {
        bool link = strcmp(type, "assert_unlinkable") == 0;
        weft_component_instance_t *inst;
        err = weft_component_instance_new(r->store, d->comp, r->linker, &inst);
        weft_error_kind_t want = link ? WEFT_ERROR_LINK : WEFT_ERROR_TRAP;
        ok = err && weft_error_kind(err) == want && (link || trap_matches(err, text));
        if (!ok) {
            char w[300];
            snprintf(w, sizeof w, "%s \"%s\"", weft__wast_error_kind_name(want), text ? text : "");
            expected_got(why, sizeof why, w, err);
        } else {
            weft_error_delete(err);
        }
    }
    cdef_free(own);
    weft__wast_record(&r->t, line, ok, type, why);
}

static void cmd_module(runner_t *r, const json_t *c, long line, const char *type)
{
    /* Core modules at the top level of a component script: instantiated without imports (the
     * reference tests have none). */
    char why[512] = "";
    const char *file = weft__json_get_str(c, "filename", NULL);
    weft_module_t *m = NULL;
    weft_error_t *err;
    if (!decode_module(r, file, &m, &err)) {
        weft__wast_record(&r->t, line, false, type, "no binary");
        return;
    }
    if (!err) {
        r->modules = weft__wast_xrealloc(r->modules, (r->nmodules + 1) * sizeof *r->modules);
        r->modules[r->nmodules++] = m;
        if (strcmp(type, "module") == 0) {
            weft_instance_t *inst;
            err = weft_instance_new(r->store, m, NULL, 0, &inst);
        }
    }
    if (err) weft__wast_describe_error(err, why, sizeof why);
    weft_error_delete(err);
    weft__wast_record(&r->t, line, !err, type, why);
}

static void run_command(runner_t *r, const json_t *c)
{
    const char *type = weft__json_get_str(c, "type", NULL);
    long line = weft__json_get_int(c, "line", 0);
    if (!type) return;
    if (strcmp(type, "component") == 0) cmd_define(r, c, line, type, true);
    else if (strcmp(type, "component_definition") == 0) cmd_define(r, c, line, type, false);
    else if (strcmp(type, "component_instance") == 0) cmd_instance(r, c, line);
    else if (strcmp(type, "register") == 0) cmd_register(r, c, line);
    else if (strcmp(type, "action") == 0 || strcmp(type, "assert_return") == 0 ||
             strcmp(type, "assert_trap") == 0)
        cmd_action(r, c, line, type);
    else if (strcmp(type, "assert_invalid") == 0 || strcmp(type, "assert_malformed") == 0 ||
             strcmp(type, "assert_unlinkable") == 0 || strcmp(type, "assert_uninstantiable") == 0)
        cmd_assert_module(r, c, line, type);
    else if (strcmp(type, "module") == 0 || strcmp(type, "module_definition") == 0)
        cmd_module(r, c, line, type);
    else {
        char detail[256];
        const char *e = weft__json_get_str(c, "error", NULL);
        snprintf(detail, sizeof detail, "unsupported command %s%s%s", type, e ? ": " : "",
                 e ? e : "");
        weft__wast_record(&r->t, line, false, type, detail);
    }
}

/* ------------------------------------------------------------------------------------------ */

static void runner_free(runner_t *r)
{
    if (r->store) weft_store_delete(r->store);
    for (size_t i = 0; i < r->ninsts; i++) free(r->insts[i].name);
    free(r->insts);
    for (size_t i = 0; i < r->ndefs; i++) cdef_free(r->defs[i]);
    free(r->defs);
    for (size_t i = 0; i < r->nmodules; i++) weft_module_delete(r->modules[i]);
    free(r->modules);
    if (r->arena) weft_cval_arena_delete(r->arena);
    if (r->linker) weft_component_linker_delete(r->linker);
    if (r->engine) weft_engine_delete(r->engine);
    weft__wast_tally_free(&r->t);
}

/* Runs the commands and prints the result line; returns the exit status. */
static int run_script(runner_t *r, const weft_wast_opts_t *o, const weft_wast_script_t *s)
{
    r->engine = weft_engine_new(NULL);
    r->store = r->engine ? weft_store_new(r->engine) : NULL;
    r->linker = r->engine ? weft_component_linker_new(r->engine) : NULL;
    r->arena = r->engine ? weft_cval_arena_new(r->engine) : NULL;
    if (!r->store || !r->linker || !r->arena) {
        fprintf(stderr, "%s: cannot create an engine, store, linker and arena\n", o->prog);
        return 2;
    }

    for (size_t i = 0; i < s->commands->len; i++) run_command(r, s->commands->items[i]);
    weft__wast_tally_finish(&r->t);

    const weft_wast_counts_t *n = &r->t.n;
    if (r->text_rejected)
        printf("  %s: %lu text forms rejected by the text parser (counted as passed)\n",
               r->t.name, r->text_rejected);
    if (n->xfail) printf("  %s: %lu expected failures\n", r->t.name, n->xfail);
    if (n->failed == 0)
        printf("PASS %s (%lu assertions)\n", r->t.name, n->passed);
    else
        printf("FAIL %s (%lu passed, %lu failed)\n", r->t.name, n->passed, n->failed);
    return n->failed ? 1 : 0;
}

int weft__wast_component_run(const weft_wast_opts_t *o, const char *json_path,
                             weft_wast_counts_t *out)
{
    memset(out, 0, sizeof *out);
    weft_wast_script_t s;
    if (!weft__wast_script_load(o, json_path, &s)) return 2;
    runner_t *r = weft__wast_xrealloc(NULL, sizeof *r);
    memset(r, 0, sizeof *r);
    r->current = -1;
    r->dir = s.dir;
    int status = 2;
    if (weft__wast_tally_init(&r->t, o, s.name)) status = run_script(r, o, &s);
    *out = r->t.n;
    fflush(stdout);
    runner_free(r);
    free(r);
    weft__wast_script_free(&s);
    return status;
}
