/* wast_core.c - runs one core spec test script, converted by wast2json (wabt) or by
 * tests/component/wast2json.mjs --core, against Weft's public API (`weft wast`, and the test
 * program build/weft-wast).
 *
 * Every command of the script is executed in order in one store (the spec's script semantics:
 * instances link to each other's tables and memories). A check is a `module`, a bare action
 * or an assertion; `register` is not counted, nor are the text-format `assert_malformed` /
 * `assert_invalid` modules, which a binary-only runtime cannot take (they are reported as
 * "skipped (text format)").
 *
 * Output: `PASS NAME  (N assertions)` or `FAIL NAME  (P passed, F failed)`, and with -v each
 * failing check with its line, what was expected and what happened. With a progress file, one
 * line per check is appended to it as it completes ("P|F|X|U LINE": pass, fail, expected
 * failure, listed but passing; "S LINE" for a skipped text form), after a first line "total N"
 * and, at the end, a line "summary PASSED FAILED XFAIL XPASS SKIPPED MSGDIFF", so a caller
 * running the script in a child process can account for a crash. Scripts of Wasm 3.0 that
 * wast2json.mjs --core converted add the `module_definition` (decode only, a check) and
 * `module_instance` (instantiate a definition) commands and a "parse_error" on modules it
 * could not encode. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/wast_common.h"
#include "cli/wast_spectest.h"
#include "cli/wast_value.h"
#include "weft.h"

typedef struct binding {
    char *name;
    size_t len;
    weft_instance_t *inst;
} binding_t;

typedef struct runner {
    weft_wast_tally_t t;  /* display name, verbosity, expected failures, figures */
    const char *dir;      /* directory of the JSON file (module files are relative to it) */
    weft_engine_t *engine;
    weft_store_t *store;
    spectest_t spectest;
    weft_instance_t *current;
    binding_t *named;     /* `(module $name ...)` */
    size_t nnamed;
    binding_t *registered;/* `(register "name" ...)` */
    size_t nregistered;
    binding_t *defined;   /* `(module definition $name ...)`: the module, in `inst` unused */
    weft_module_t **defined_modules; /* parallel to `defined` (NULL: it did not decode) */
    size_t ndefined;
    weft_module_t **modules; /* every decoded module, deleted after the store */
    size_t nmodules;
    unsigned long skipped_text, msgdiff;
} runner_t;

/* Writes a name with non-printable bytes escaped. */
static void put_name(char *buf, size_t len, const char *s, size_t n)
{
    weft__wast_bprintf(buf, len, "\"");
    for (size_t i = 0; i < n && i < 64; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c < 0x7F && c != '"' && c != '\\') weft__wast_bprintf(buf, len, "%c", c);
        else weft__wast_bprintf(buf, len, "\\%02x", c);
    }
    if (n > 64) weft__wast_bprintf(buf, len, "...");
    weft__wast_bprintf(buf, len, "\"");
}

/* ------------------------------------------------------------------------------------------ */
/* Errors and their messages */

/* The spec's reference interpreter accepts an error whose message starts with the expected
 * text. Weft's messages carry the spec's wording, possibly with detail added, so the text may
 * appear anywhere; conversely a script may expect more detail than the spec requires (e.g.
 * "uninitialized element 2" names the element index), which the trap code's wording must then
 * begin. */
static bool message_matches(const weft_error_t *err, const char *text)
{
    if (strstr(weft_error_message(err), text)) return true;
    if (weft_error_kind(err) == WEFT_ERROR_TRAP) {
        weft_trap_code_t code = weft_error_trap_code(err);
        if (code != WEFT_TRAP_NONE && code != WEFT_TRAP_HOST) {
            const char *m = weft_trap_code_message(code);
            if (m && *m && (strstr(m, text) || strncmp(text, m, strlen(m)) == 0)) return true;
        }
    }
    return false;
}

/* ------------------------------------------------------------------------------------------ */
/* Instances by name */

static void bind(binding_t **list, size_t *n, const char *name, size_t len, weft_instance_t *inst)
{
    *list = weft__wast_xrealloc(*list, (*n + 1) * sizeof **list);
    char *copy = weft__wast_xrealloc(NULL, len + 1);
    memcpy(copy, name, len);
    copy[len] = '\0';
    (*list)[*n] = (binding_t){copy, len, inst};
    (*n)++;
}

/* The latest binding wins: scripts may rebind a name. */
static weft_instance_t *lookup(const binding_t *list, size_t n, const char *name, size_t len,
                               bool *found)
{
    for (size_t i = n; i-- > 0;)
        if (list[i].len == len && memcmp(list[i].name, name, len) == 0) {
            *found = true;
            return list[i].inst;
        }
    *found = false;
    return NULL;
}

/* ------------------------------------------------------------------------------------------ */
/* Modules */

typedef enum load_stage {
    LOAD_OK = 0,
    LOAD_FILE,       /* the module file could not be read */
    LOAD_MODULE,     /* weft_module_new failed: err */
    LOAD_UNRESOLVED, /* an import names nothing registered: msg */
    LOAD_INSTANCE,   /* weft_instance_new failed: err */
} load_stage_t;

typedef struct load_result {
    load_stage_t stage;
    weft_error_t *err;
    weft_instance_t *inst;
    char msg[512];
} load_result_t;

static weft_error_t *decode(runner_t *r, const char *filename, load_result_t *res,
                            weft_module_t **out)
{
    char *path = weft__wast_path(r->dir, filename);
    uint8_t *bytes;
    size_t len;
    if (!weft__wast_read_file(path, &bytes, &len)) {
        res->stage = LOAD_FILE;
        snprintf(res->msg, sizeof res->msg, "cannot read %s: %s", path, strerror(errno));
        free(path);
        return NULL;
    }
    free(path);
    *out = NULL;
    weft_error_t *err = weft_module_new(r->engine, bytes, len, out);
    free(bytes);
    if (err) {
        res->stage = LOAD_MODULE;
        res->err = err;
        return err;
    }
    r->modules = weft__wast_xrealloc(r->modules, (r->nmodules + 1) * sizeof *r->modules);
    r->modules[r->nmodules++] = *out;
    return NULL;
}

/* Resolves the imports of `m` by module name against registered instances and spectest. */
static bool resolve_imports(runner_t *r, const weft_module_t *m, weft_extern_t *imports,
                            load_result_t *res)
{
    size_t n = weft_module_import_count(m);
    for (size_t i = 0; i < n; i++) {
        weft_extern_desc_t d;
        if (!weft_module_import(m, i, &d)) {
            snprintf(res->msg, sizeof res->msg, "unknown import: cannot describe import %zu", i);
            return false;
        }
        bool found = false, have = false;
        weft_instance_t *inst = lookup(r->registered, r->nregistered, d.module, d.module_len,
                                       &found);
        if (found) have = weft_instance_export(inst, d.name, d.name_len, &imports[i]);
        else if (d.module_len == 8 && memcmp(d.module, "spectest", 8) == 0)
            have = weft__spectest_lookup(&r->spectest, d.name, d.name_len, &imports[i]);
        if (!have) {
            snprintf(res->msg, sizeof res->msg, "unknown import ");
            put_name(res->msg, sizeof res->msg, d.module, d.module_len);
            weft__wast_bprintf(res->msg, sizeof res->msg, " ");
            put_name(res->msg, sizeof res->msg, d.name, d.name_len);
            return false;
        }
    }
    return true;
}

static void instantiate(runner_t *r, weft_module_t *m, load_result_t *res)
{
    size_t n = weft_module_import_count(m);
    weft_extern_t *imports = weft__wast_xrealloc(NULL, (n ? n : 1) * sizeof *imports);
    memset(imports, 0, (n ? n : 1) * sizeof *imports);
    if (!resolve_imports(r, m, imports, res)) {
        res->stage = LOAD_UNRESOLVED;
        free(imports);
        return;
    }
    weft_instance_t *inst = NULL;
    weft_error_t *err = weft_instance_new(r->store, m, imports, n, &inst);
    free(imports);
    if (err) {
        res->stage = LOAD_INSTANCE;
        res->err = err;
        return;
    }
    res->inst = inst;
}

static void load_module(runner_t *r, const char *filename, load_result_t *res)
{
    memset(res, 0, sizeof *res);
    weft_module_t *m;
    if (decode(r, filename, res, &m) || res->stage != LOAD_OK) return;
    instantiate(r, m, res);
}

static void describe_load(const load_result_t *res, char *buf, size_t len)
{
    switch (res->stage) {
    case LOAD_OK: weft__wast_bprintf(buf, len, "the module was accepted"); break;
    case LOAD_FILE:
    case LOAD_UNRESOLVED: weft__wast_bprintf(buf, len, "%s", res->msg); break;
    case LOAD_MODULE:
    case LOAD_INSTANCE: weft__wast_describe_error(res->err, buf, len); break;
    }
}

/* ------------------------------------------------------------------------------------------ */
/* Actions */

typedef struct action_result {
    bool ok;              /* the action ran (err may still hold its trap) */
    char msg[512];        /* why it could not run */
    weft_error_t *err;    /* the call's error */
    weft_val_t *results;
    size_t nresults;
} action_result_t;

static void describe_action(const json_t *action, char *buf, size_t len)
{
    const char *type = weft__json_get_str(action, "type", NULL);
    size_t flen = 0;
    const char *field = weft__json_get_str(action, "field", &flen);
    const char *mod = weft__json_get_str(action, "module", NULL);
    weft__wast_bprintf(buf, len, "%s ", type ? type : "?");
    if (mod) weft__wast_bprintf(buf, len, "%s.", mod);
    if (field) put_name(buf, len, field, flen);
    const json_t *args = weft__json_get(action, "args");
    if (type && strcmp(type, "invoke") == 0 && args && args->type == JSON_ARRAY) {
        weft__wast_bprintf(buf, len, "(");
        for (size_t i = 0; i < args->len; i++) {
            weft_val_t v;
            char vb[256] = "", err[128];
            if (weft__wast_parse_arg(args->items[i], &v, err, sizeof err)) {
                const char *lt = weft__json_get_str(args->items[i], "lane_type", NULL);
                wast_lane_t lane = WAST_LANE_NONE;
                if (lt) {
                    static const char *const ln[] = {"i8", "i16", "i32", "i64", "f32", "f64"};
                    for (int k = 0; k < 6; k++)
                        if (strcmp(lt, ln[k]) == 0) lane = (wast_lane_t)(WAST_LANE_I8 + k);
                }
                weft__wast_format_val(&v, lane, vb, sizeof vb);
            } else {
                snprintf(vb, sizeof vb, "<%s>", err);
            }
            weft__wast_bprintf(buf, len, "%s%s", i ? ", " : "", vb);
        }
        weft__wast_bprintf(buf, len, ")");
    }
}

static void action_free(action_result_t *a)
{
    weft_error_delete(a->err);
    free(a->results);
    memset(a, 0, sizeof *a);
}

static void run_action(runner_t *r, const json_t *action, action_result_t *out)
{
    memset(out, 0, sizeof *out);
    const char *type = weft__json_get_str(action, "type", NULL);
    size_t flen = 0, mlen = 0;
    const char *field = weft__json_get_str(action, "field", &flen);
    const char *mod = weft__json_get_str(action, "module", &mlen);
    weft_instance_t *inst = r->current;
    if (mod) {
        bool found;
        inst = lookup(r->named, r->nnamed, mod, mlen, &found);
        if (!found) {
            snprintf(out->msg, sizeof out->msg, "no module named %s", mod);
            return;
        }
    }
    if (!inst) {
        snprintf(out->msg, sizeof out->msg, "no module instance to act on");
        return;
    }
    if (!type || !field) {
        snprintf(out->msg, sizeof out->msg, "malformed action");
        return;
    }
    weft_extern_t ext;
    if (!weft_instance_export(inst, field, flen, &ext)) {
        snprintf(out->msg, sizeof out->msg, "no export ");
        put_name(out->msg, sizeof out->msg, field, flen);
        return;
    }
    if (strcmp(type, "get") == 0) {
        if (ext.kind != WEFT_EXTERN_GLOBAL) {
            snprintf(out->msg, sizeof out->msg, "export is not a global");
            return;
        }
        out->results = weft__wast_xrealloc(NULL, sizeof *out->results);
        memset(out->results, 0, sizeof *out->results);
        weft_global_get(ext.of.global, &out->results[0]);
        out->nresults = 1;
        out->ok = true;
        return;
    }
    if (strcmp(type, "invoke") != 0) {
        snprintf(out->msg, sizeof out->msg, "unknown action type %s", type);
        return;
    }
    if (ext.kind != WEFT_EXTERN_FUNC) {
        snprintf(out->msg, sizeof out->msg, "export is not a function");
        return;
    }
    const json_t *args = weft__json_get(action, "args");
    size_t nargs = args && args->type == JSON_ARRAY ? args->len : 0;
    weft_val_t *argv = weft__wast_xrealloc(NULL, (nargs ? nargs : 1) * sizeof *argv);
    memset(argv, 0, (nargs ? nargs : 1) * sizeof *argv);
    for (size_t i = 0; i < nargs; i++) {
        char err[128];
        if (!weft__wast_parse_arg(args->items[i], &argv[i], err, sizeof err)) {
            snprintf(out->msg, sizeof out->msg, "argument %zu: %s", i, err);
            free(argv);
            return;
        }
    }
    size_t nres = weft_func_result_count(ext.of.func);
    out->results = weft__wast_xrealloc(NULL, (nres ? nres : 1) * sizeof *out->results);
    memset(out->results, 0, (nres ? nres : 1) * sizeof *out->results);
    for (size_t i = 0; i < nres; i++) out->results[i].kind = weft_func_result(ext.of.func, i);
    out->nresults = nres;
    out->err = weft_func_call(r->store, ext.of.func, argv, nargs, out->results, nres);
    free(argv);
    out->ok = true;
}

/* ------------------------------------------------------------------------------------------ */
/* Commands */

/* A command without a binary: the converter (tests/component/wast2json.mjs) could not
 * encode the module and says why in "parse_error". */
static void no_module_file(runner_t *r, const json_t *c, long line, const char *what)
{
    const char *pe = weft__json_get_str(c, "parse_error", NULL);
    char detail[768] = "no module file";
    if (pe) weft__wast_bprintf(detail, sizeof detail, " (the text did not parse: %s)", pe);
    weft__wast_record(&r->t, line, false, what, detail);
}

/* Records the instantiation of a module (`module`, `module instance`): on success the instance
 * becomes the current one and takes the name; on failure there is no current instance and the
 * name is bound to none, so later actions on it fail. */
static void loaded(runner_t *r, load_result_t *res, const char *name, size_t nlen, long line,
                   const char *what)
{
    char detail[1024] = "";
    if (res->stage != LOAD_OK) {
        describe_load(res, detail, sizeof detail);
        weft_error_delete(res->err);
        res->err = NULL;
    }
    r->current = res->inst;
    if (name) bind(&r->named, &r->nnamed, name, nlen, res->inst);
    weft__wast_record(&r->t, line, res->stage == LOAD_OK, what, detail);
}

/* `(module definition $name ...)` (Wasm 3.0 script format): decoded, not instantiated. */
static void cmd_module_definition(runner_t *r, const json_t *c, long line)
{
    const char *filename = weft__json_get_str(c, "filename", NULL);
    size_t nlen = 0;
    const char *name = weft__json_get_str(c, "name", &nlen);
    char what[256] = "module definition";
    if (name) weft__wast_bprintf(what, sizeof what, " %s", name);
    weft_module_t *m = NULL;
    load_result_t res;
    memset(&res, 0, sizeof res);
    char detail[1024] = "";
    if (!filename) no_module_file(r, c, line, what);
    else if (decode(r, filename, &res, &m) || res.stage != LOAD_OK) {
        describe_load(&res, detail, sizeof detail);
        weft_error_delete(res.err);
        m = NULL;
        weft__wast_record(&r->t, line, false, what, detail);
    } else {
        weft__wast_record(&r->t, line, true, what, "");
    }
    if (!name) return;
    bind(&r->defined, &r->ndefined, name, nlen, NULL);
    r->defined_modules = weft__wast_xrealloc(r->defined_modules, r->ndefined * sizeof *r->defined_modules);
    r->defined_modules[r->ndefined - 1] = m;
}

/* `(module instance $name? $definition)`: a new instance of a defined module, current. */
static void cmd_module_instance(runner_t *r, const json_t *c, long line)
{
    size_t nlen = 0, dlen = 0;
    const char *name = weft__json_get_str(c, "name", &nlen);
    const char *def = weft__json_get_str(c, "definition", &dlen);
    char what[256] = "module instance";
    if (name) weft__wast_bprintf(what, sizeof what, " %s", name);
    if (def) weft__wast_bprintf(what, sizeof what, " of %s", def);
    weft_module_t *m = NULL;
    bool found = false;
    for (size_t i = r->ndefined; def && i-- > 0;)
        if (r->defined[i].len == dlen && memcmp(r->defined[i].name, def, dlen) == 0) {
            found = true;
            m = r->defined_modules[i];
            break;
        }
    r->current = NULL;
    if (!m) {
        if (name) bind(&r->named, &r->nnamed, name, nlen, NULL);
        weft__wast_record(&r->t, line, false, what, found ? "the definition did not decode" : "no such definition");
        return;
    }
    load_result_t res;
    memset(&res, 0, sizeof res);
    instantiate(r, m, &res);
    loaded(r, &res, name, nlen, line, what);
}

static void cmd_module(runner_t *r, const json_t *c, long line)
{
    const char *filename = weft__json_get_str(c, "filename", NULL);
    size_t nlen = 0;
    const char *name = weft__json_get_str(c, "name", &nlen);
    const char *mt = weft__json_get_str(c, "module_type", NULL);
    char what[256] = "module";
    if (name) weft__wast_bprintf(what, sizeof what, " %s", name);
    if (mt && strcmp(mt, "text") == 0) {
        /* A text module cannot be run by a binary runtime; later actions fail on it. */
        r->current = NULL;
        weft__wast_record(&r->t, line, false, what, "module in text format");
        return;
    }
    if (!filename) {
        no_module_file(r, c, line, what);
        return;
    }
    load_result_t res;
    load_module(r, filename, &res);
    loaded(r, &res, name, nlen, line, what);
}

static void cmd_register(runner_t *r, const json_t *c, long line)
{
    size_t alen = 0, nlen = 0;
    const char *as = weft__json_get_str(c, "as", &alen);
    const char *name = weft__json_get_str(c, "name", &nlen);
    weft_instance_t *inst = r->current;
    bool found = true;
    if (name) inst = lookup(r->named, r->nnamed, name, nlen, &found);
    if (!as || !found || !inst) {
        /* Not counted as a check, but a broken register makes later imports fail. */
        if (r->t.verbose)
            printf("  %s:%ld: register: no instance to register\n", r->t.name, line);
        return;
    }
    bind(&r->registered, &r->nregistered, as, alen, inst);
}

static void check_results(runner_t *r, const json_t *c, long line, const char *what,
                          const action_result_t *a)
{
    const json_t *expected = weft__json_get(c, "expected");
    const json_t *either = weft__json_get(c, "either");
    char detail[2048] = "";
    char eb[512], gb[512];
    if (either && either->type == JSON_ARRAY) {
        /* `(either v1 v2 ...)`: a single result that may be any of the alternatives. */
        bool ok = false;
        weft__wast_bprintf(detail, sizeof detail, "expected one of");
        for (size_t i = 0; i < either->len; i++) {
            wast_expect_t e;
            char err[128];
            if (!weft__wast_parse_expect(either->items[i], &e, err, sizeof err)) {
                weft__wast_record(&r->t, line, false, what, err);
                return;
            }
            weft__wast_format_expect(&e, eb, sizeof eb);
            weft__wast_bprintf(detail, sizeof detail, "%s %s", i ? " |" : "", eb);
            if (a->nresults == 1 && weft__wast_match(&e, &a->results[0])) ok = true;
        }
        weft__wast_bprintf(detail, sizeof detail, ", got");
        for (size_t i = 0; i < a->nresults; i++) {
            weft__wast_format_val(&a->results[i], WAST_LANE_NONE, gb, sizeof gb);
            weft__wast_bprintf(detail, sizeof detail, " %s", gb);
        }
        weft__wast_record(&r->t, line, ok, what, detail);
        return;
    }
    size_t nexp = expected && expected->type == JSON_ARRAY ? expected->len : 0;
    bool ok = nexp == a->nresults;
    char exps[1024] = "", gots[1024] = "";
    for (size_t i = 0; i < nexp; i++) {
        wast_expect_t e;
        char err[128];
        if (!weft__wast_parse_expect(expected->items[i], &e, err, sizeof err)) {
            weft__wast_record(&r->t, line, false, what, err);
            return;
        }
        weft__wast_format_expect(&e, eb, sizeof eb);
        weft__wast_bprintf(exps, sizeof exps, "%s%s", i ? ", " : "", eb);
        if (i < a->nresults) {
            if (!weft__wast_match(&e, &a->results[i])) ok = false;
            weft__wast_format_val(&a->results[i], e.val.kind == WEFT_V128 ? e.lane : WAST_LANE_NONE,
                            gb, sizeof gb);
            weft__wast_bprintf(gots, sizeof gots, "%s%s", i ? ", " : "", gb);
        }
    }
    for (size_t i = nexp; i < a->nresults; i++) {
        weft__wast_format_val(&a->results[i], WAST_LANE_NONE, gb, sizeof gb);
        weft__wast_bprintf(gots, sizeof gots, "%s%s", i ? ", " : "", gb);
    }
    weft__wast_bprintf(detail, sizeof detail, "expected (%s), got (%s)", exps, gots);
    weft__wast_record(&r->t, line, ok, what, detail);
}

static void cmd_action(runner_t *r, const json_t *c, long line, const char *type)
{
    const json_t *action = weft__json_get(c, "action");
    char what[1024] = "";
    weft__wast_bprintf(what, sizeof what, "%s ", type);
    describe_action(action, what, sizeof what);
    action_result_t a;
    run_action(r, action, &a);
    char detail[1024] = "";
    if (!a.ok) {
        weft__wast_record(&r->t, line, false, what, a.msg);
        action_free(&a);
        return;
    }
    const char *text = weft__json_get_str(c, "text", NULL);
    if (strcmp(type, "assert_return") == 0 || strcmp(type, "action") == 0) {
        if (a.err) {
            weft__wast_describe_error(a.err, detail, sizeof detail);
            weft__wast_record(&r->t, line, false, what, detail);
        } else if (strcmp(type, "action") == 0) {
            weft__wast_record(&r->t, line, true, what, "");
        } else {
            check_results(r, c, line, what, &a);
        }
    } else {
        /* assert_trap, assert_exhaustion, assert_exception */
        bool ok = false;
        if (!a.err) {
            snprintf(detail, sizeof detail, "expected trap \"%s\", returned normally",
                     text ? text : "");
        } else {
            weft_trap_code_t code = weft_error_trap_code(a.err);
            if (weft_error_kind(a.err) != WEFT_ERROR_TRAP) ok = false;
            else if (strcmp(type, "assert_exhaustion") == 0)
                ok = code == WEFT_TRAP_STACK_EXHAUSTED ||
                     (text && message_matches(a.err, text));
            else if (strcmp(type, "assert_exception") == 0)
                ok = code == WEFT_TRAP_UNCAUGHT_EXCEPTION;
            else
                ok = text && message_matches(a.err, text);
            if (!ok) {
                snprintf(detail, sizeof detail, "expected trap \"%s\", got ",
                         text ? text : "uncaught exception");
                weft__wast_describe_error(a.err, detail, sizeof detail);
            }
        }
        weft__wast_record(&r->t, line, ok, what, detail);
    }
    action_free(&a);
}

static void cmd_assert_module(runner_t *r, const json_t *c, long line, const char *type)
{
    const char *filename = weft__json_get_str(c, "filename", NULL);
    const char *text = weft__json_get_str(c, "text", NULL);
    const char *mt = weft__json_get_str(c, "module_type", NULL);
    char what[256] = "";
    weft__wast_bprintf(what, sizeof what, "%s %s", type, filename ? filename : "?");
    if (mt && strcmp(mt, "text") == 0) {
        r->skipped_text++;
        if (r->t.progress) {
            fprintf(r->t.progress, "S %ld\n", line);
            fflush(r->t.progress);
        }
        return;
    }
    if (!filename) {
        no_module_file(r, c, line, what);
        return;
    }
    if (!text) text = "";
    bool malformed = strcmp(type, "assert_malformed") == 0;
    bool invalid = strcmp(type, "assert_invalid") == 0;
    load_result_t res;
    char detail[1024] = "";
    if (malformed || invalid) {
        memset(&res, 0, sizeof res);
        weft_module_t *m;
        decode(r, filename, &res, &m);
    } else {
        load_module(r, filename, &res);
    }
    bool ok = false;
    const char *want = "";
    switch (res.stage) {
    case LOAD_OK: break;
    case LOAD_FILE: break;
    case LOAD_MODULE:
        ok = (malformed && weft_error_kind(res.err) == WEFT_ERROR_DECODE) ||
             (invalid && weft_error_kind(res.err) == WEFT_ERROR_VALIDATE);
        if (ok && !message_matches(res.err, text)) {
            r->msgdiff++;
            if (r->t.verbose)
                printf("  %s:%ld: %s: message differs: expected \"%s\", got \"%s\"\n", r->t.name,
                       line, what, text, weft_error_message(res.err));
        }
        break;
    case LOAD_UNRESOLVED:
        /* The embedder's import resolution found nothing: the spec's "unknown import". */
        ok = strcmp(type, "assert_unlinkable") == 0;
        break;
    case LOAD_INSTANCE:
        if (strcmp(type, "assert_unlinkable") == 0)
            ok = weft_error_kind(res.err) == WEFT_ERROR_LINK;
        else if (strcmp(type, "assert_uninstantiable") == 0)
            ok = weft_error_kind(res.err) == WEFT_ERROR_TRAP && message_matches(res.err, text);
        break;
    }
    if (malformed) want = "decode error";
    else if (invalid) want = "validation error";
    else if (strcmp(type, "assert_unlinkable") == 0) want = "link error";
    else want = "trap";
    if (!ok) {
        snprintf(detail, sizeof detail, "expected %s \"%s\", got ", want, text);
        describe_load(&res, detail, sizeof detail);
    }
    /* Informational, like the decode/validate wording: an unlinkable module's message. */
    if (ok && res.stage == LOAD_INSTANCE && strcmp(type, "assert_unlinkable") == 0 &&
        !message_matches(res.err, text)) {
        r->msgdiff++;
        if (r->t.verbose)
            printf("  %s:%ld: %s: message differs: expected \"%s\", got \"%s\"\n", r->t.name, line,
                   what, text, weft_error_message(res.err));
    }
    weft_error_delete(res.err);
    weft__wast_record(&r->t, line, ok, what, detail);
}

/* True for the commands that count as checks (see the header comment). */
static bool is_check(const json_t *c)
{
    const char *type = weft__json_get_str(c, "type", NULL);
    if (!type || strcmp(type, "register") == 0) return false;
    const char *mt = weft__json_get_str(c, "module_type", NULL);
    if (mt && strcmp(mt, "text") == 0 && strncmp(type, "assert_", 7) == 0) return false;
    return true;
}

static void run_command(runner_t *r, const json_t *c)
{
    const char *type = weft__json_get_str(c, "type", NULL);
    long line = weft__json_get_int(c, "line", 0);
    if (!type) {
        weft__wast_record(&r->t, line, false, "?", "command without a type");
        return;
    }
    if (strcmp(type, "module") == 0) cmd_module(r, c, line);
    else if (strcmp(type, "module_definition") == 0) cmd_module_definition(r, c, line);
    else if (strcmp(type, "module_instance") == 0) cmd_module_instance(r, c, line);
    else if (strcmp(type, "register") == 0) cmd_register(r, c, line);
    else if (strcmp(type, "action") == 0 || strcmp(type, "assert_return") == 0 ||
             strcmp(type, "assert_trap") == 0 || strcmp(type, "assert_exhaustion") == 0 ||
             strcmp(type, "assert_exception") == 0)
        cmd_action(r, c, line, type);
    else if (strcmp(type, "assert_malformed") == 0 || strcmp(type, "assert_invalid") == 0 ||
             strcmp(type, "assert_unlinkable") == 0 ||
             strcmp(type, "assert_uninstantiable") == 0)
        cmd_assert_module(r, c, line, type);
    else {
        char detail[128];
        snprintf(detail, sizeof detail, "unsupported command type %s", type);
        weft__wast_record(&r->t, line, false, type, detail);
    }
}

/* ------------------------------------------------------------------------------------------ */

static void runner_free(runner_t *r)
{
    weft_store_delete(r->store);
    for (size_t i = 0; i < r->nmodules; i++) weft_module_delete(r->modules[i]);
    free(r->modules);
    weft_engine_delete(r->engine);
    for (size_t i = 0; i < r->nnamed; i++) free(r->named[i].name);
    for (size_t i = 0; i < r->nregistered; i++) free(r->registered[i].name);
    for (size_t i = 0; i < r->ndefined; i++) free(r->defined[i].name);
    free(r->defined);
    free(r->defined_modules);
    free(r->named);
    free(r->registered);
    weft__wast_tally_free(&r->t);
}

/* Runs the commands and prints the result line; returns the exit status. */
static int run_script(runner_t *r, const weft_wast_opts_t *o, const weft_wast_script_t *s,
                      size_t total)
{
    if (o->progress_path) {
        r->t.progress = fopen(o->progress_path, "w");
        if (!r->t.progress) {
            fprintf(stderr, "%s: cannot write %s: %s\n", o->prog, o->progress_path,
                    strerror(errno));
            return 2;
        }
        fprintf(r->t.progress, "total %zu\n%s", total,
                r->t.have_expected && r->t.expected.whole_file ? "whole-file-expected\n" : "");
        fflush(r->t.progress);
    }

    /* The Wasm 2.0 suite expects some encodings that Wasm 3.0 gives a meaning to (memory
     * indices, 64-bit limits) to be malformed: it runs with the 3.0 features off. */
    weft_config_t cfg;
    weft_config_init(&cfg);
    if (o->wasm2) cfg.disabled_features = WEFT_FEATURES_POST_WASM2;
    r->engine = weft_engine_new(&cfg);
    r->store = r->engine ? weft_store_new(r->engine) : NULL;
    const char *serr = r->store ? weft__spectest_init(&r->spectest, r->store, &r->t.verbose)
                                : "cannot create an engine and store";
    if (serr) {
        fprintf(stderr, "%s: %s: %s\n", o->prog, r->t.name, serr);
        return 2;
    }

    for (size_t i = 0; i < s->commands->len; i++) run_command(r, s->commands->items[i]);
    weft__wast_tally_finish(&r->t);

    const weft_wast_counts_t *n = &r->t.n;
    char extra[256] = "";
    if (n->xfail) weft__wast_bprintf(extra, sizeof extra, ", %lu expected failures", n->xfail);
    if (n->xpass) weft__wast_bprintf(extra, sizeof extra, ", %lu listed but passing", n->xpass);
    if (r->skipped_text)
        weft__wast_bprintf(extra, sizeof extra, ", %lu skipped (text format)", r->skipped_text);
    if (r->msgdiff) weft__wast_bprintf(extra, sizeof extra, ", %lu messages differ", r->msgdiff);
    if (n->failed == 0 && n->xfail == 0)
        printf("PASS %s  (%lu assertions%s)\n", r->t.name, n->passed, extra);
    else if (n->failed == 0)
        printf("PASS %s  (%lu passed, %lu failed%s)\n", r->t.name, n->passed, n->xfail, extra);
    else
        printf("FAIL %s  (%lu passed, %lu failed%s)\n", r->t.name, n->passed,
               n->failed + n->xfail, extra);
    if (r->t.progress) {
        fprintf(r->t.progress, "summary %lu %lu %lu %lu %lu %lu\n", n->passed, n->failed,
                n->xfail, n->xpass, r->skipped_text, r->msgdiff);
        fflush(r->t.progress);
    }
    return n->failed ? 1 : 0;
}

int weft__wast_core_run(const weft_wast_opts_t *o, const char *json_path, weft_wast_counts_t *out)
{
    memset(out, 0, sizeof *out);
    weft_wast_script_t s;
    if (!weft__wast_script_load(o, json_path, &s)) return 2;
    size_t total = 0;
    for (size_t i = 0; i < s.commands->len; i++) total += is_check(s.commands->items[i]);
    if (o->count_only) {
        printf("%zu\n", total);
        weft__wast_script_free(&s);
        return 0;
    }
    runner_t *r = weft__wast_xrealloc(NULL, sizeof *r);
    memset(r, 0, sizeof *r);
    r->dir = s.dir;
    int status = 2;
    if (weft__wast_tally_init(&r->t, o, s.name)) status = run_script(r, o, &s, total);
    *out = r->t.n;
    fflush(stdout);
    runner_free(r);
    free(r);
    weft__wast_script_free(&s);
    return status;
}
