/* weft_wast.c - runs one spec test script, converted by wast2json, against Weft's public API.
 *
 * Usage: weft-wast [-v] [--name NAME] [--expected-failures FILE] [--progress FILE] [--count]
 *                  SCRIPT.json
 *
 * Every command of the script is executed in order in one store (the spec's script semantics:
 * instances link to each other's tables and memories). A check is a `module`, a bare action
 * or an assertion; `register` is not counted, nor are the text-format `assert_malformed` /
 * `assert_invalid` modules, which a binary-only runtime cannot take (they are reported as
 * "skipped (text format)").
 *
 * Output: `PASS NAME  (N assertions)` or `FAIL NAME  (P passed, F failed)`, and with -v each
 * failing check with its line, what was expected and what happened. With --progress, one line
 * per check is appended to FILE as it completes ("P|F|X|U LINE": pass, fail, expected failure,
 * listed but passing), after a first line "total N" and, at the end, a line
 * "summary PASSED FAILED XFAIL XPASS SKIPPED MSGDIFF", so the caller can account for a crash.
 * Scripts that wabt cannot convert come from tests/component/wast2json.mjs --core, in the same
 * JSON plus the `module_definition` (decode only, a check) and `module_instance` (instantiate a
 * definition) commands of Wasm 3.0 scripts and a "parse_error" on modules it could not encode.
 * Exit status: 0 iff there was no unexpected failure; 2 for a usage or input error. */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "expect_list.h"
#include "json.h"
#include "spectest.h"
#include "wast_value.h"
#include "weft.h"

typedef struct binding {
    char *name;
    size_t len;
    weft_instance_t *inst;
} binding_t;

typedef struct runner {
    bool verbose;
    const char *name;     /* display name of the script */
    char *dir;            /* directory of the JSON file (module files are relative to it) */
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
    expect_list_t expected;
    bool have_expected;
    FILE *progress;
    unsigned long passed, failed, xfail, xpass, skipped_text, msgdiff;
} runner_t;

/* ------------------------------------------------------------------------------------------ */

static void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q) {
        fprintf(stderr, "weft-wast: out of memory\n");
        exit(2);
    }
    return q;
}

/* Appends printf output to a fixed buffer, truncating. */
static void bprintf(char *buf, size_t len, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
static void bprintf(char *buf, size_t len, const char *fmt, ...)
{
    size_t pos = strlen(buf);
    if (pos + 1 >= len) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf + pos, len - pos, fmt, ap);
    va_end(ap);
}

/* Writes a name with non-printable bytes escaped. */
static void put_name(char *buf, size_t len, const char *s, size_t n)
{
    bprintf(buf, len, "\"");
    for (size_t i = 0; i < n && i < 64; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c < 0x7F && c != '"' && c != '\\') bprintf(buf, len, "%c", c);
        else bprintf(buf, len, "\\%02x", c);
    }
    if (n > 64) bprintf(buf, len, "...");
    bprintf(buf, len, "\"");
}

static bool read_file(const char *path, uint8_t **out, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return false;
    uint8_t *buf = NULL;
    size_t n = 0, cap = 0;
    for (;;) {
        if (n == cap) {
            cap = cap ? cap * 2 : 65536;
            buf = xrealloc(buf, cap);
        }
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0) break;
    }
    bool ok = !ferror(f);
    fclose(f);
    if (!ok) {
        free(buf);
        return false;
    }
    *out = buf;
    *len = n;
    return true;
}

/* ------------------------------------------------------------------------------------------ */
/* Accounting */

static void record(runner_t *r, long line, bool ok, const char *what, const char *detail)
{
    bool listed = r->have_expected && expect_list_has(&r->expected, line);
    bool listed_line = listed && !r->expected.whole_file;
    char tag;
    if (ok) {
        r->passed++;
        tag = 'P';
        if (listed_line) {
            r->xpass++;
            tag = 'U';
            printf("  %s:%ld: %s: passes now; remove it from the expected-failures list\n",
                   r->name, line, what);
        }
    } else if (listed) {
        r->xfail++;
        tag = 'X';
        if (r->verbose)
            printf("  %s:%ld: %s: %s (expected failure)\n", r->name, line, what, detail);
    } else {
        r->failed++;
        tag = 'F';
        if (r->verbose) printf("  %s:%ld: %s: %s\n", r->name, line, what, detail);
    }
    if (r->progress) {
        fprintf(r->progress, "%c %ld\n", tag, line);
        fflush(r->progress);
    }
    fflush(stdout);
}

/* ------------------------------------------------------------------------------------------ */
/* Errors and their messages */

static const char *kind_name(weft_error_kind_t k)
{
    switch (k) {
    case WEFT_ERROR_DECODE: return "decode error";
    case WEFT_ERROR_VALIDATE: return "validation error";
    case WEFT_ERROR_LINK: return "link error";
    case WEFT_ERROR_TRAP: return "trap";
    case WEFT_ERROR_EXIT: return "exit";
    case WEFT_ERROR_OOM: return "out of memory";
    case WEFT_ERROR_INVALID_ARG: return "invalid argument";
    case WEFT_ERROR_IO: return "I/O error";
    default: return "unknown error";
    }
}

static void describe_error(const weft_error_t *err, char *buf, size_t len)
{
    bprintf(buf, len, "%s: %s", kind_name(weft_error_kind(err)), weft_error_message(err));
}

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
    *list = xrealloc(*list, (*n + 1) * sizeof **list);
    char *copy = xrealloc(NULL, len + 1);
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
    size_t plen = strlen(r->dir) + strlen(filename) + 2;
    char *path = xrealloc(NULL, plen);
    snprintf(path, plen, "%s/%s", r->dir, filename);
    uint8_t *bytes;
    size_t len;
    if (!read_file(path, &bytes, &len)) {
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
    r->modules = xrealloc(r->modules, (r->nmodules + 1) * sizeof *r->modules);
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
            have = spectest_lookup(&r->spectest, d.name, d.name_len, &imports[i]);
        if (!have) {
            snprintf(res->msg, sizeof res->msg, "unknown import ");
            put_name(res->msg, sizeof res->msg, d.module, d.module_len);
            bprintf(res->msg, sizeof res->msg, " ");
            put_name(res->msg, sizeof res->msg, d.name, d.name_len);
            return false;
        }
    }
    return true;
}

static void instantiate(runner_t *r, weft_module_t *m, load_result_t *res)
{
    size_t n = weft_module_import_count(m);
    weft_extern_t *imports = xrealloc(NULL, (n ? n : 1) * sizeof *imports);
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
    case LOAD_OK: bprintf(buf, len, "the module was accepted"); break;
    case LOAD_FILE:
    case LOAD_UNRESOLVED: bprintf(buf, len, "%s", res->msg); break;
    case LOAD_MODULE:
    case LOAD_INSTANCE: describe_error(res->err, buf, len); break;
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
    const char *type = json_get_str(action, "type", NULL);
    size_t flen = 0;
    const char *field = json_get_str(action, "field", &flen);
    const char *mod = json_get_str(action, "module", NULL);
    bprintf(buf, len, "%s ", type ? type : "?");
    if (mod) bprintf(buf, len, "%s.", mod);
    if (field) put_name(buf, len, field, flen);
    const json_t *args = json_get(action, "args");
    if (type && strcmp(type, "invoke") == 0 && args && args->type == JSON_ARRAY) {
        bprintf(buf, len, "(");
        for (size_t i = 0; i < args->len; i++) {
            weft_val_t v;
            char vb[256] = "", err[128];
            if (wast_parse_arg(args->items[i], &v, err, sizeof err)) {
                const char *lt = json_get_str(args->items[i], "lane_type", NULL);
                wast_lane_t lane = WAST_LANE_NONE;
                if (lt) {
                    static const char *const ln[] = {"i8", "i16", "i32", "i64", "f32", "f64"};
                    for (int k = 0; k < 6; k++)
                        if (strcmp(lt, ln[k]) == 0) lane = (wast_lane_t)(WAST_LANE_I8 + k);
                }
                wast_format_val(&v, lane, vb, sizeof vb);
            } else {
                snprintf(vb, sizeof vb, "<%s>", err);
            }
            bprintf(buf, len, "%s%s", i ? ", " : "", vb);
        }
        bprintf(buf, len, ")");
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
    const char *type = json_get_str(action, "type", NULL);
    size_t flen = 0, mlen = 0;
    const char *field = json_get_str(action, "field", &flen);
    const char *mod = json_get_str(action, "module", &mlen);
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
        out->results = xrealloc(NULL, sizeof *out->results);
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
    const json_t *args = json_get(action, "args");
    size_t nargs = args && args->type == JSON_ARRAY ? args->len : 0;
    weft_val_t *argv = xrealloc(NULL, (nargs ? nargs : 1) * sizeof *argv);
    memset(argv, 0, (nargs ? nargs : 1) * sizeof *argv);
    for (size_t i = 0; i < nargs; i++) {
        char err[128];
        if (!wast_parse_arg(args->items[i], &argv[i], err, sizeof err)) {
            snprintf(out->msg, sizeof out->msg, "argument %zu: %s", i, err);
            free(argv);
            return;
        }
    }
    size_t nres = weft_func_result_count(ext.of.func);
    out->results = xrealloc(NULL, (nres ? nres : 1) * sizeof *out->results);
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
    const char *pe = json_get_str(c, "parse_error", NULL);
    char detail[768] = "no module file";
    if (pe) bprintf(detail, sizeof detail, " (the text did not parse: %s)", pe);
    record(r, line, false, what, detail);
}

/* `(module definition $name ...)` (Wasm 3.0 script format): decoded, not instantiated. */
static void cmd_module_definition(runner_t *r, const json_t *c, long line)
{
    const char *filename = json_get_str(c, "filename", NULL);
    size_t nlen = 0;
    const char *name = json_get_str(c, "name", &nlen);
    char what[256] = "module definition";
    if (name) bprintf(what, sizeof what, " %s", name);
    weft_module_t *m = NULL;
    load_result_t res;
    memset(&res, 0, sizeof res);
    char detail[1024] = "";
    if (!filename) no_module_file(r, c, line, what);
    else if (decode(r, filename, &res, &m) || res.stage != LOAD_OK) {
        describe_load(&res, detail, sizeof detail);
        weft_error_delete(res.err);
        m = NULL;
        record(r, line, false, what, detail);
    } else {
        record(r, line, true, what, "");
    }
    if (!name) return;
    bind(&r->defined, &r->ndefined, name, nlen, NULL);
    r->defined_modules = xrealloc(r->defined_modules, r->ndefined * sizeof *r->defined_modules);
    r->defined_modules[r->ndefined - 1] = m;
}

/* `(module instance $name? $definition)`: a new instance of a defined module, current. */
static void cmd_module_instance(runner_t *r, const json_t *c, long line)
{
    size_t nlen = 0, dlen = 0;
    const char *name = json_get_str(c, "name", &nlen);
    const char *def = json_get_str(c, "definition", &dlen);
    char what[256] = "module instance";
    if (name) bprintf(what, sizeof what, " %s", name);
    if (def) bprintf(what, sizeof what, " of %s", def);
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
        record(r, line, false, what, found ? "the definition did not decode" : "no such definition");
        return;
    }
    load_result_t res;
    memset(&res, 0, sizeof res);
    instantiate(r, m, &res);
    if (res.stage != LOAD_OK) {
        char detail[1024] = "";
        describe_load(&res, detail, sizeof detail);
        weft_error_delete(res.err);
        if (name) bind(&r->named, &r->nnamed, name, nlen, NULL);
        record(r, line, false, what, detail);
        return;
    }
    r->current = res.inst;
    if (name) bind(&r->named, &r->nnamed, name, nlen, res.inst);
    record(r, line, true, what, "");
}

static void cmd_module(runner_t *r, const json_t *c, long line)
{
    const char *filename = json_get_str(c, "filename", NULL);
    size_t nlen = 0;
    const char *name = json_get_str(c, "name", &nlen);
    const char *mt = json_get_str(c, "module_type", NULL);
    char what[256] = "module";
    if (name) bprintf(what, sizeof what, " %s", name);
    if (mt && strcmp(mt, "text") == 0) {
        /* A text module cannot be run by a binary runtime; later actions fail on it. */
        r->current = NULL;
        record(r, line, false, what, "module in text format");
        return;
    }
    if (!filename) {
        no_module_file(r, c, line, what);
        return;
    }
    load_result_t res;
    load_module(r, filename, &res);
    if (res.stage != LOAD_OK) {
        char detail[1024] = "";
        describe_load(&res, detail, sizeof detail);
        weft_error_delete(res.err);
        r->current = NULL;
        if (name) bind(&r->named, &r->nnamed, name, nlen, NULL);
        record(r, line, false, what, detail);
        return;
    }
    r->current = res.inst;
    if (name) bind(&r->named, &r->nnamed, name, nlen, res.inst);
    record(r, line, true, what, "");
}

static void cmd_register(runner_t *r, const json_t *c, long line)
{
    size_t alen = 0, nlen = 0;
    const char *as = json_get_str(c, "as", &alen);
    const char *name = json_get_str(c, "name", &nlen);
    weft_instance_t *inst = r->current;
    bool found = true;
    if (name) inst = lookup(r->named, r->nnamed, name, nlen, &found);
    if (!as || !found || !inst) {
        /* Not counted as a check, but a broken register makes later imports fail. */
        if (r->verbose)
            printf("  %s:%ld: register: no instance to register\n", r->name, line);
        return;
    }
    bind(&r->registered, &r->nregistered, as, alen, inst);
}

static void check_results(runner_t *r, const json_t *c, long line, const char *what,
                          const action_result_t *a)
{
    const json_t *expected = json_get(c, "expected");
    const json_t *either = json_get(c, "either");
    char detail[2048] = "";
    char eb[512], gb[512];
    if (either && either->type == JSON_ARRAY) {
        /* `(either v1 v2 ...)`: a single result that may be any of the alternatives. */
        bool ok = false;
        bprintf(detail, sizeof detail, "expected one of");
        for (size_t i = 0; i < either->len; i++) {
            wast_expect_t e;
            char err[128];
            if (!wast_parse_expect(either->items[i], &e, err, sizeof err)) {
                record(r, line, false, what, err);
                return;
            }
            wast_format_expect(&e, eb, sizeof eb);
            bprintf(detail, sizeof detail, "%s %s", i ? " |" : "", eb);
            if (a->nresults == 1 && wast_match(&e, &a->results[0])) ok = true;
        }
        bprintf(detail, sizeof detail, ", got");
        for (size_t i = 0; i < a->nresults; i++) {
            wast_format_val(&a->results[i], WAST_LANE_NONE, gb, sizeof gb);
            bprintf(detail, sizeof detail, " %s", gb);
        }
        record(r, line, ok, what, detail);
        return;
    }
    size_t nexp = expected && expected->type == JSON_ARRAY ? expected->len : 0;
    bool ok = nexp == a->nresults;
    char exps[1024] = "", gots[1024] = "";
    for (size_t i = 0; i < nexp; i++) {
        wast_expect_t e;
        char err[128];
        if (!wast_parse_expect(expected->items[i], &e, err, sizeof err)) {
            record(r, line, false, what, err);
            return;
        }
        wast_format_expect(&e, eb, sizeof eb);
        bprintf(exps, sizeof exps, "%s%s", i ? ", " : "", eb);
        if (i < a->nresults) {
            if (!wast_match(&e, &a->results[i])) ok = false;
            wast_format_val(&a->results[i], e.val.kind == WEFT_V128 ? e.lane : WAST_LANE_NONE,
                            gb, sizeof gb);
            bprintf(gots, sizeof gots, "%s%s", i ? ", " : "", gb);
        }
    }
    for (size_t i = nexp; i < a->nresults; i++) {
        wast_format_val(&a->results[i], WAST_LANE_NONE, gb, sizeof gb);
        bprintf(gots, sizeof gots, "%s%s", i ? ", " : "", gb);
    }
    snprintf(detail, sizeof detail, "expected (%s), got (%s)", exps, gots);
    record(r, line, ok, what, detail);
}

static void cmd_action(runner_t *r, const json_t *c, long line, const char *type)
{
    const json_t *action = json_get(c, "action");
    char what[1024] = "";
    bprintf(what, sizeof what, "%s ", type);
    describe_action(action, what, sizeof what);
    action_result_t a;
    run_action(r, action, &a);
    char detail[1024] = "";
    if (!a.ok) {
        record(r, line, false, what, a.msg);
        action_free(&a);
        return;
    }
    const char *text = json_get_str(c, "text", NULL);
    if (strcmp(type, "assert_return") == 0 || strcmp(type, "action") == 0) {
        if (a.err) {
            describe_error(a.err, detail, sizeof detail);
            record(r, line, false, what, detail);
        } else if (strcmp(type, "action") == 0) {
            record(r, line, true, what, "");
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
                describe_error(a.err, detail, sizeof detail);
            }
        }
        record(r, line, ok, what, detail);
    }
    action_free(&a);
}

static void cmd_assert_module(runner_t *r, const json_t *c, long line, const char *type)
{
    const char *filename = json_get_str(c, "filename", NULL);
    const char *text = json_get_str(c, "text", NULL);
    const char *mt = json_get_str(c, "module_type", NULL);
    char what[256] = "";
    bprintf(what, sizeof what, "%s %s", type, filename ? filename : "?");
    if (mt && strcmp(mt, "text") == 0) {
        r->skipped_text++;
        if (r->progress) {
            fprintf(r->progress, "S %ld\n", line);
            fflush(r->progress);
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
            if (r->verbose)
                printf("  %s:%ld: %s: message differs: expected \"%s\", got \"%s\"\n", r->name,
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
        if (r->verbose)
            printf("  %s:%ld: %s: message differs: expected \"%s\", got \"%s\"\n", r->name, line,
                   what, text, weft_error_message(res.err));
    }
    weft_error_delete(res.err);
    record(r, line, ok, what, detail);
}

/* True for the commands that count as checks (see the header comment). */
static bool is_check(const json_t *c)
{
    const char *type = json_get_str(c, "type", NULL);
    if (!type || strcmp(type, "register") == 0) return false;
    const char *mt = json_get_str(c, "module_type", NULL);
    if (mt && strcmp(mt, "text") == 0 && strncmp(type, "assert_", 7) == 0) return false;
    return true;
}

static void run_command(runner_t *r, const json_t *c)
{
    const char *type = json_get_str(c, "type", NULL);
    long line = json_get_int(c, "line", 0);
    if (!type) {
        record(r, line, false, "?", "command without a type");
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
        record(r, line, false, type, detail);
    }
}

/* ------------------------------------------------------------------------------------------ */

static int usage(void)
{
    fprintf(stderr, "usage: weft-wast [-v] [--name NAME] [--expected-failures FILE] "
                    "[--progress FILE] [--count] SCRIPT.json\n");
    return 2;
}

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
    free(r->dir);
    expect_list_free(&r->expected);
    if (r->progress) fclose(r->progress);
}

int main(int argc, char **argv)
{
    runner_t *r = calloc(1, sizeof *r);
    if (!r) return 2;
    const char *json_path = NULL, *expected_path = NULL, *progress_path = NULL;
    bool count_only = false;
    bool wasm2_only = false;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-v") == 0 || strcmp(argv[i], "--verbose") == 0) r->verbose = true;
        else if (strcmp(argv[i], "--count") == 0) count_only = true;
        /* The Wasm 2.0 suite expects some encodings that Wasm 3.0 gives a meaning to (memory
         * indices, 64-bit limits) to be malformed: run it with the 3.0 features off. */
        else if (strcmp(argv[i], "--wasm2") == 0) wasm2_only = true;
        else if (strcmp(argv[i], "--name") == 0 && i + 1 < argc) r->name = argv[++i];
        else if (strcmp(argv[i], "--expected-failures") == 0 && i + 1 < argc)
            expected_path = argv[++i];
        else if (strcmp(argv[i], "--progress") == 0 && i + 1 < argc) progress_path = argv[++i];
        else if (argv[i][0] == '-' || json_path) {
            free(r);
            return usage();
        } else json_path = argv[i];
    }
    if (!json_path) {
        free(r);
        return usage();
    }

    uint8_t *text;
    size_t len;
    if (!read_file(json_path, &text, &len)) {
        fprintf(stderr, "weft-wast: cannot read %s: %s\n", json_path, strerror(errno));
        free(r);
        return 2;
    }
    char jerr[256];
    json_t *script = json_parse((const char *)text, len, jerr, sizeof jerr);
    free(text);
    const json_t *commands = json_get(script, "commands");
    if (!script || !commands || commands->type != JSON_ARRAY) {
        fprintf(stderr, "weft-wast: %s: %s\n", json_path, script ? "no commands" : jerr);
        json_free(script);
        free(r);
        return 2;
    }
    size_t total = 0;
    for (size_t i = 0; i < commands->len; i++) total += is_check(commands->items[i]);
    if (count_only) {
        printf("%zu\n", total);
        json_free(script);
        free(r);
        return 0;
    }

    /* The display name defaults to the script's file name. */
    const char *src = json_get_str(script, "source_filename", NULL);
    if (!r->name) {
        const char *base = src ? src : json_path;
        const char *slash = strrchr(base, '/');
        r->name = slash ? slash + 1 : base;
    }
    const char *slash = strrchr(json_path, '/');
    size_t dlen = slash ? (size_t)(slash - json_path) : 1;
    r->dir = xrealloc(NULL, dlen + 1);
    memcpy(r->dir, slash ? json_path : ".", dlen);
    r->dir[dlen] = '\0';

    int status = 0;
    char lerr[512];
    if (expected_path) {
        if (expect_list_load(&r->expected, expected_path, r->name, lerr, sizeof lerr)) {
            fprintf(stderr, "weft-wast: %s\n", lerr);
            status = 2;
            goto out;
        }
        r->have_expected = true;
    }
    if (progress_path) {
        r->progress = fopen(progress_path, "w");
        if (!r->progress) {
            fprintf(stderr, "weft-wast: cannot write %s: %s\n", progress_path, strerror(errno));
            status = 2;
            goto out;
        }
        fprintf(r->progress, "total %zu\n%s", total,
                r->have_expected && r->expected.whole_file ? "whole-file-expected\n" : "");
        fflush(r->progress);
    }

    weft_config_t cfg;
    weft_config_init(&cfg);
    if (wasm2_only) cfg.disabled_features = WEFT_FEATURES_POST_WASM2;
    r->engine = weft_engine_new(&cfg);
    r->store = r->engine ? weft_store_new(r->engine) : NULL;
    const char *serr = r->store ? spectest_init(&r->spectest, r->store, &r->verbose)
                                : "cannot create an engine and store";
    if (serr) {
        fprintf(stderr, "weft-wast: %s: %s\n", r->name, serr);
        status = 2;
        goto out;
    }

    for (size_t i = 0; i < commands->len; i++) run_command(r, commands->items[i]);

    if (r->have_expected) {
        for (size_t i = 0; i < r->expected.count; i++)
            if (!r->expected.seen[i])
                printf("  %s:%ld: listed as an expected failure but no check is on that line; "
                       "remove it from the list\n",
                       r->name, r->expected.lines[i]);
        if (r->expected.whole_file && r->failed == 0 && r->xfail == 0)
            printf("  %s: listed as failing as a whole but every check passes; remove %s:* "
                   "from the list\n",
                   r->name, r->name);
    }

    char extra[256] = "";
    if (r->xfail) bprintf(extra, sizeof extra, ", %lu expected failures", r->xfail);
    if (r->xpass) bprintf(extra, sizeof extra, ", %lu listed but passing", r->xpass);
    if (r->skipped_text) bprintf(extra, sizeof extra, ", %lu skipped (text format)", r->skipped_text);
    if (r->msgdiff) bprintf(extra, sizeof extra, ", %lu messages differ", r->msgdiff);
    if (r->failed == 0 && r->xfail == 0)
        printf("PASS %s  (%lu assertions%s)\n", r->name, r->passed, extra);
    else if (r->failed == 0)
        printf("PASS %s  (%lu passed, %lu failed%s)\n", r->name, r->passed, r->xfail, extra);
    else
        printf("FAIL %s  (%lu passed, %lu failed%s)\n", r->name, r->passed,
               r->failed + r->xfail, extra);
    if (r->progress) {
        fprintf(r->progress, "summary %lu %lu %lu %lu %lu %lu\n", r->passed, r->failed, r->xfail,
                r->xpass, r->skipped_text, r->msgdiff);
        fflush(r->progress);
    }
    status = r->failed ? 1 : 0;
out:
    fflush(stdout);
    runner_free(r);
    json_free(script);
    free(r);
    return status;
}
