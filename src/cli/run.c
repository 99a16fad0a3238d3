/* run.c - `weft run`: instantiate a module with WASI preview 1 and run it.
 *
 * A command module (wasm32-wasip1) is run by calling its "_start" export; the exit status is
 * the one it passes to proc_exit, or 0 when _start returns. `--invoke NAME` calls another
 * export instead, with ARGS converted to its parameter types, and prints the results. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "util/error.h"

void weft__cli_run_usage(void *stream)
{
    fputs("Usage: weft run [options] FILE [ARGS...]\n"
          "Runs the WebAssembly command module FILE with WASI preview 1: calls its _start\n"
          "export with ARGS as the guest's arguments (FILE is argument 0). FILE may also be a\n"
          "component, whose exports --invoke calls.\n"
          "\n"
          "Options:\n"
          "  --dir HOST[::GUEST]  give the guest the host directory HOST, named GUEST (default:\n"
          "                       HOST); the guest cannot reach anything outside it. Repeatable;\n"
          "                       the directories become descriptors 3, 4, ...\n"
          "  --env KEY=VALUE      set a guest environment variable (--env KEY passes the host's\n"
          "                       value). The guest sees no other environment. Repeatable.\n"
          "  --invoke NAME        call the export NAME instead of _start; ARGS are its arguments\n"
          "                       (integers or floats) and the results are printed one a line\n"
          "  --invoke 'NAME(ARGS)'  for a component: call its exported function NAME (or\n"
          "                       INSTANCE#NAME, a function of an exported instance) with ARGS\n"
          "                       in WAVE, the WebAssembly Value Encoding (e.g. 'greet(\"you\",\n"
          "                       [1, 2], some(3))'), and print the result in WAVE. An async\n"
          "                       export runs on the event loop: each element of a stream in\n"
          "                       its result, and each future's value, is printed on a line\n"
          "                       as it arrives, then the result (ends as stream(1), ...);\n"
          "                       streams and futures inside those values are read too,\n"
          "                       numbered on, and with several, each line starts with the\n"
          "                       end it came from ('stream(2): 7'). Not supported: functions\n"
          "                       taking stream or future arguments (the command line cannot\n"
          "                       give them). WASI 0.2 imports are linked as for a command\n"
          "                       (--dir, --env, --allow-*); other imports are not\n"
          "  --allow-tcp HOST:PORT  (components) let wasi:sockets TCP sockets bind and connect\n"
          "                       to HOST:PORT: HOST an IPv4 address, [IPv6], localhost or *\n"
          "                       (any, and 0.0.0.0 / [::] for a bind), PORT a number or *\n"
          "                       (any, and port 0 for a bind). Repeatable; '*' alone allows\n"
          "                       everything. Without it every bind and connect fails with\n"
          "                       access-denied.\n"
          "  --allow-udp HOST:PORT  (components) the same for UDP sockets: bind, and send to\n"
          "                       or stream with HOST:PORT\n"
          "  --allow-ip-name-lookup  (components) let wasi:sockets/ip-name-lookup resolve\n"
          "                       names with the host's resolver\n"
          "  --                   end of options\n"
          "  -h, --help           show this help\n"
          "\n",
          (FILE *)stream);
    weft__cli_limits_usage(stream);
    fputs("\n"
          "The exit status is the guest's (proc_exit, or 0 when _start returns); a trap prints\n"
          "\"weft: trap: MESSAGE\" and a backtrace on stderr and exits with 134 (`weft --help`\n"
          "lists the other statuses).\n",
          (FILE *)stream);
}

typedef struct run_opts {
    const char **dirs;
    size_t ndirs;
    const char **envs;
    size_t nenvs;
    const char *invoke;
    const char *file;
    char **args; /* after FILE */
    int nargs;
    weft_cli_limits_t limits;
} run_opts_t;

/* Returns -1 for --help, WEFT_CLI_USAGE on a bad command line, 0 otherwise. */
static int parse(int argc, char **argv, run_opts_t *o)
{
    int i = 0;
    for (; i < argc; i++) {
        const char *a = argv[i];
        const char *val = NULL;
        if (!strcmp(a, "--")) {
            i++;
            break;
        }
        if (a[0] != '-' || a[1] == 0) break;
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) return -1;
        /* The network options are read by run_component.c (components only). */
        if (!strcmp(a, "--allow-ip-name-lookup")) continue;
        int lim = weft__cli_limits_option(&o->limits, argc, argv, &i);
        if (lim < 0) return WEFT_CLI_USAGE;
        if (lim) continue;
        const char *opts[] = {"--dir", "--env", "--invoke", "--allow-tcp", "--allow-udp"};
        int which = -1;
        for (int k = 0; k < 5; k++) {
            size_t n = strlen(opts[k]);
            if (!strncmp(a, opts[k], n) && (a[n] == 0 || a[n] == '=')) {
                which = k;
                if (a[n] == '=') {
                    val = a + n + 1;
                } else if (i + 1 < argc) {
                    val = argv[++i];
                } else {
                    fprintf(stderr, "weft: option '%s' needs a value\n", a);
                    return WEFT_CLI_USAGE;
                }
            }
        }
        if (which < 0) {
            fprintf(stderr, "weft: unknown option '%s' (try 'weft run --help')\n", a);
            return WEFT_CLI_USAGE;
        }
        if (which == 0) o->dirs[o->ndirs++] = val;
        if (which == 1) o->envs[o->nenvs++] = val;
        if (which == 2) o->invoke = val;
    }
    if (i >= argc) {
        fputs("weft: run: no module file given (try 'weft run --help')\n", stderr);
        return WEFT_CLI_USAGE;
    }
    o->file = argv[i];
    o->args = argv + i + 1;
    o->nargs = argc - i - 1;
    return 0;
}

static int setup_wasi(weft_wasi_t *wasi, const run_opts_t *o, const weft_alloc_t *a)
{
    size_t argc = (size_t)o->nargs + 1;
    const char **gargv = weft__calloc(a, argc, sizeof *gargv);
    if (!gargv) return WEFT_CLI_FAILURE;
    gargv[0] = o->file;
    for (int i = 0; i < o->nargs; i++) gargv[i + 1] = o->args[i];
    weft_error_t *err = weft_wasi_set_args(wasi, gargv, argc);
    weft__free(a, gargv, argc * sizeof *gargv);
    if (err) return weft__cli_report(o->file, err);
    for (size_t i = 0; i < o->nenvs; i++) {
        const char *kv = o->envs[i];
        const char *eq = strchr(kv, '=');
        if (eq == kv) {
            fprintf(stderr, "weft: --env '%s': empty variable name\n", kv);
            return WEFT_CLI_USAGE;
        }
        if (!eq) {
            const char *host = getenv(kv);
            if (!host) continue;
            err = weft_wasi_add_env(wasi, kv, host);
        } else {
            size_t kl = (size_t)(eq - kv);
            char *key = weft__strndup(a, kv, kl);
            if (!key) return WEFT_CLI_FAILURE;
            err = weft_wasi_add_env(wasi, key, eq + 1);
            weft__free(a, key, kl + 1);
        }
        if (err) return weft__cli_report(o->file, err);
    }
    for (size_t i = 0; i < o->ndirs; i++) {
        const char *spec = o->dirs[i];
        const char *sep = strstr(spec, "::");
        size_t hl = sep ? (size_t)(sep - spec) : strlen(spec);
        const char *guest = sep ? sep + 2 : spec;
        if (hl == 0 || *guest == 0) {
            fprintf(stderr, "weft: --dir '%s': expected HOST or HOST::GUEST\n", spec);
            return WEFT_CLI_USAGE;
        }
        char *host = weft__strndup(a, spec, hl);
        if (!host) return WEFT_CLI_FAILURE;
        err = weft_wasi_preopen(wasi, host, guest);
        weft__free(a, host, hl + 1);
        if (err) {
            int io = weft_error_kind(err) == WEFT_ERROR_IO;
            fprintf(stderr, "weft: --dir: %s\n", weft_error_message(err));
            weft_error_delete(err);
            return io ? WEFT_CLI_IO : WEFT_CLI_FAILURE;
        }
    }
    return 0;
}

static int parse_arg(const char *s, weft_valkind_t kind, weft_val_t *v)
{
    char *end = NULL;
    errno = 0;
    v->kind = kind;
    switch (kind) {
    case WEFT_I32: {
        long long x = strtoll(s, &end, 0);
        if (x < INT32_MIN || x > (long long)UINT32_MAX) errno = ERANGE;
        v->of.i32 = (int32_t)(uint32_t)x;
        break;
    }
    case WEFT_I64:
        if (s[0] == '-') {
            v->of.i64 = strtoll(s, &end, 0);
        } else {
            v->of.i64 = (int64_t)strtoull(s, &end, 0);
        }
        break;
    case WEFT_F32: {
        float f = strtof(s, &end);
        memcpy(&v->of.f32, &f, 4);
        break;
    }
    case WEFT_F64: {
        double d = strtod(s, &end);
        memcpy(&v->of.f64, &d, 8);
        break;
    }
    default:
        return -1;
    }
    return (errno || !end || *end || end == s) ? -1 : 0;
}

static void print_result(const weft_val_t *v)
{
    switch (v->kind) {
    case WEFT_I32: printf("%" PRId32 "\n", v->of.i32); break;
    case WEFT_I64: printf("%" PRId64 "\n", v->of.i64); break;
    case WEFT_F32: {
        float f;
        memcpy(&f, &v->of.f32, 4);
        printf("%.9g\n", (double)f);
        break;
    }
    case WEFT_F64: {
        double d;
        memcpy(&d, &v->of.f64, 8);
        printf("%.17g\n", d);
        break;
    }
    default: printf("<%s>\n", v->kind == WEFT_V128 ? "v128" : "ref"); break;
    }
}

static int invoke(weft_store_t *store, weft_func_t *f, const run_opts_t *o,
                  const weft_alloc_t *a)
{
    size_t np = weft_func_param_count(f), nr = weft_func_result_count(f);
    if ((size_t)o->nargs != np) {
        fprintf(stderr, "weft: --invoke %s: expected %zu argument(s), got %d\n", o->invoke, np,
                o->nargs);
        return WEFT_CLI_USAGE;
    }
    weft_val_t *vals = weft__calloc(a, np + nr + 1, sizeof *vals);
    if (!vals) return WEFT_CLI_FAILURE;
    int status = 0;
    for (size_t i = 0; i < np && !status; i++) {
        if (parse_arg(o->args[i], weft_func_param(f, i), &vals[i]) != 0) {
            fprintf(stderr, "weft: --invoke %s: bad argument %zu '%s'\n", o->invoke, i + 1,
                    o->args[i]);
            status = WEFT_CLI_USAGE;
        }
    }
    for (size_t i = 0; i < nr; i++) vals[np + i].kind = weft_func_result(f, i);
    if (!status) {
        weft_error_t *err = weft_func_call(store, f, vals, np, vals + np, nr);
        if (err) {
            status = weft__cli_report(o->file, err);
        } else {
            for (size_t i = 0; i < nr; i++) print_result(&vals[np + i]);
            fflush(stdout);
        }
    }
    weft__free(a, vals, (np + nr + 1) * sizeof *vals);
    return status;
}

/* Instantiates and runs; the objects are cleaned up by the caller. */
static int execute(weft_engine_t *engine, weft_store_t *store, weft_wasi_t *wasi,
                   weft_module_t *module, const run_opts_t *o, const weft_alloc_t *a)
{
    (void)engine;
    size_t n = weft_module_import_count(module);
    weft_extern_t *imports = weft__calloc(a, n + 1, sizeof *imports);
    if (!imports) return WEFT_CLI_FAILURE;
    int status = 0;
    weft_error_t *err = weft_wasi_link(wasi, store, module, imports);
    if (err) status = weft__cli_report(o->file, err);
    for (size_t i = 0; i < n && !status; i++) {
        weft_extern_desc_t d;
        if (weft_module_import(module, i, &d) && !imports[i].of.func) {
            fprintf(stderr, "weft: %s: link error: unknown import %.*s::%.*s\n", o->file,
                    (int)d.module_len, d.module, (int)d.name_len, d.name);
            status = WEFT_CLI_LINK;
        }
    }
    weft_instance_t *inst = NULL;
    if (!status && (err = weft_instance_new(store, module, imports, n, &inst)) != NULL)
        status = weft__cli_report(o->file, err);
    weft__free(a, imports, (n + 1) * sizeof *imports);
    if (status) return status;
    const char *name = o->invoke ? o->invoke : "_start";
    weft_extern_t ext;
    if (!weft_instance_export(inst, name, strlen(name), &ext) || ext.kind != WEFT_EXTERN_FUNC) {
        fprintf(stderr, "weft: %s: no exported function '%s'\n", o->file, name);
        return WEFT_CLI_LINK;
    }
    if (o->invoke) return weft__cli_limits_note(store, &o->limits, o->file,
                                                invoke(store, ext.of.func, o, a));
    if (weft_func_param_count(ext.of.func) || weft_func_result_count(ext.of.func)) {
        fprintf(stderr, "weft: %s: _start must take and return nothing\n", o->file);
        return WEFT_CLI_LINK;
    }
    err = weft_func_call(store, ext.of.func, NULL, 0, NULL, 0);
    return weft__cli_limits_note(store, &o->limits, o->file,
                                 err ? weft__cli_report(o->file, err) : WEFT_CLI_OK);
}

int weft__cli_run(int argc, char **argv)
{
    const weft_alloc_t a = {weft__default_alloc, NULL};
    size_t cap = (size_t)argc + 1;
    run_opts_t o;
    memset(&o, 0, sizeof o);
    o.dirs = weft__calloc(&a, cap, sizeof *o.dirs);
    o.envs = weft__calloc(&a, cap, sizeof *o.envs);
    int status = (o.dirs && o.envs) ? parse(argc, argv, &o) : WEFT_CLI_FAILURE;
    if (status < 0) {
        weft__cli_run_usage(stdout);
        status = WEFT_CLI_OK;
        goto out;
    }
    if (status) goto out;

    size_t len = 0;
    bool mapped = false;
    uint8_t *bytes = weft__cli_map_file(&a, o.file, &len, &mapped);
    if (!bytes) {
        status = WEFT_CLI_IO;
        goto out;
    }
    if (weft_is_component(bytes, len)) {
        /* A component: --invoke calls one of its exports with WAVE arguments; running a
         * WASI command component goes to its own runner. */
        int weft__cli_run_component(int, char **, const uint8_t *, size_t);
        status = weft__cli_run_component(argc, argv, bytes, len); /* run_component.c */
        weft__cli_unmap_file(&a, bytes, len, mapped);
        goto out;
    }
    weft_engine_t *engine = weft__cli_limits_engine(&o.limits);
    weft_module_t *module = NULL;
    weft_error_t *err = engine ? weft_module_new(engine, bytes, len, &module) : NULL;
    weft__cli_unmap_file(&a, bytes, len, mapped);
    if (!engine) {
        fputs("weft: out of memory\n", stderr);
        status = WEFT_CLI_FAILURE;
        goto out;
    }
    if (err) {
        status = weft__cli_report(o.file, err);
    } else {
        weft_store_t *store = weft_store_new(engine);
        weft_wasi_t *wasi = weft_wasi_new(engine);
        if (!store || !wasi) {
            fputs("weft: out of memory\n", stderr);
            status = WEFT_CLI_FAILURE;
        } else {
            status = setup_wasi(wasi, &o, &a);
            if (!status) status = weft__cli_limits_apply(store, &o.limits);
            if (!status) status = execute(engine, store, wasi, module, &o, &a);
        }
        /* The store's functions refer to the WASI context: delete the store first. */
        weft_store_delete(store);
        weft_wasi_delete(wasi);
        weft_module_delete(module);
    }
    weft_engine_delete(engine);
out:
    weft__free(&a, o.dirs, cap * sizeof *o.dirs);
    weft__free(&a, o.envs, cap * sizeof *o.envs);
    return status;
}
