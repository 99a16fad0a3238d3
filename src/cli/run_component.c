/* run_component.c - `weft run FILE` when FILE is a component: instantiate it with the WASI 0.2
 * host and call its wasi:cli/run export (or, with --invoke 'NAME(ARGS)', that export: invoke.c),
 * with the same options as for core modules (--dir
 * HOST[::GUEST], --env KEY[=VALUE], ARGS after FILE) plus the network policy of wasi:sockets
 * (--allow-tcp HOST:PORT, --allow-udp HOST:PORT, --allow-ip-name-lookup; without them the
 * guest has no network: weft_wasi2_allow_tcp in weft.h). The exit status is 0 when run returns
 * ok, 1 for err, or the guest's wasi:cli/exit status; the other statuses are those of `weft
 * run` on modules. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "util/error.h"

int weft__cli_run_component(int argc, char **argv, const uint8_t *bytes, size_t len);

typedef struct copts {
    const char **dirs;
    size_t ndirs;
    const char **envs;
    size_t nenvs;
    const char **nets; /* --allow-tcp / --allow-udp patterns, in order */
    bool *net_udp;     /* nets[i] is for UDP */
    size_t nnets;
    bool lookup;
    const char *file;
    const char *invoke; /* --invoke 'NAME(ARGS)': call that export instead of wasi:cli/run */
    char **args;
    int nargs;
    weft_cli_limits_t limits; /* --fuel, --timeout, --max-* (common.c) */
} copts_t;

/* The options of run.c's parser (the command line was accepted there already). */
static int parse(int argc, char **argv, copts_t *o)
{
    int i = 0;
    for (; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--")) {
            i++;
            break;
        }
        if (a[0] != '-' || a[1] == 0) break;
        if (weft__cli_limits_option(&o->limits, argc, argv, &i) > 0) continue;
        if (!strcmp(a, "--allow-ip-name-lookup")) {
            o->lookup = true;
            continue;
        }
        const char *opts[] = {"--dir", "--env", "--invoke", "--allow-tcp", "--allow-udp"};
        for (int k = 0; k < 5; k++) {
            size_t n = strlen(opts[k]);
            if (strncmp(a, opts[k], n) != 0 || (a[n] != 0 && a[n] != '=')) continue;
            const char *val = a[n] == '=' ? a + n + 1 : (i + 1 < argc ? argv[++i] : NULL);
            if (!val) return WEFT_CLI_USAGE;
            if (k == 0) o->dirs[o->ndirs++] = val;
            if (k == 1) o->envs[o->nenvs++] = val;
            if (k == 3 || k == 4) {
                o->nets[o->nnets] = val;
                o->net_udp[o->nnets++] = k == 4;
            }
            if (k == 2) o->invoke = val;
        }
    }
    if (i >= argc) return WEFT_CLI_USAGE;
    o->file = argv[i];
    o->args = argv + i + 1;
    o->nargs = argc - i - 1;
    return 0;
}

/* The exit status of an error, printed: as weft__cli_report (common.c), and an I/O error (a
 * --dir that cannot be opened) exits with WEFT_CLI_IO. */
static int report(const char *file, weft_error_t *err)
{
    if (weft_error_kind(err) != WEFT_ERROR_IO) return weft__cli_report(file, err);
    fprintf(stderr, "weft: %s\n", weft_error_message(err));
    int status = weft__cli_limit_status(file, err, WEFT_CLI_IO);
    weft_error_delete(err);
    return status;
}

static int configure(weft_wasi2_t *w, const copts_t *o, const weft_alloc_t *a)
{
    size_t argc = (size_t)o->nargs + 1;
    const char **gargv = weft__calloc(a, argc, sizeof *gargv);
    if (!gargv) return WEFT_CLI_FAILURE;
    gargv[0] = o->file;
    for (int i = 0; i < o->nargs; i++) gargv[i + 1] = o->args[i];
    weft_error_t *err = weft_wasi2_set_args(w, gargv, argc);
    weft__free(a, gargv, argc * sizeof *gargv);
    if (err) return report(o->file, err);
    for (size_t i = 0; i < o->nenvs; i++) {
        const char *kv = o->envs[i], *eq = strchr(kv, '=');
        if (eq == kv) {
            fprintf(stderr, "weft: --env '%s': empty variable name\n", kv);
            return WEFT_CLI_USAGE;
        }
        if (!eq) {
            const char *host = getenv(kv);
            if (host && (err = weft_wasi2_add_env(w, kv, host)) != NULL)
                return report(o->file, err);
            continue;
        }
        size_t kl = (size_t)(eq - kv);
        char *key = weft__strndup(a, kv, kl);
        if (!key) return WEFT_CLI_FAILURE;
        err = weft_wasi2_add_env(w, key, eq + 1);
        weft__free(a, key, kl + 1);
        if (err) return report(o->file, err);
    }
    for (size_t i = 0; i < o->nnets; i++) {
        err = o->net_udp[i] ? weft_wasi2_allow_udp(w, o->nets[i])
                            : weft_wasi2_allow_tcp(w, o->nets[i]);
        if (err) {
            fprintf(stderr, "weft: --allow-%s: %s\n", o->net_udp[i] ? "udp" : "tcp",
                    weft_error_message(err));
            weft_error_delete(err);
            return WEFT_CLI_USAGE;
        }
    }
    weft_wasi2_allow_ip_name_lookup(w, o->lookup);
    for (size_t i = 0; i < o->ndirs; i++) {
        const char *spec = o->dirs[i], *sep = strstr(spec, "::");
        size_t hl = sep ? (size_t)(sep - spec) : strlen(spec);
        const char *guest = sep ? sep + 2 : spec;
        if (hl == 0 || *guest == 0) {
            fprintf(stderr, "weft: --dir '%s': expected HOST or HOST::GUEST\n", spec);
            return WEFT_CLI_USAGE;
        }
        char *host = weft__strndup(a, spec, hl);
        if (!host) return WEFT_CLI_FAILURE;
        err = weft_wasi2_preopen(w, host, guest, false);
        weft__free(a, host, hl + 1);
        if (err) {
            fprintf(stderr, "weft: --dir: %s\n", weft_error_message(err));
            int io = weft_error_kind(err) == WEFT_ERROR_IO;
            weft_error_delete(err);
            return io ? WEFT_CLI_IO : WEFT_CLI_FAILURE;
        }
    }
    return 0;
}

static int execute(weft_engine_t *engine, const copts_t *o, const uint8_t *bytes, size_t len,
                   const weft_alloc_t *a)
{
    if (o->invoke && o->nargs) {
        fprintf(stderr, "weft: --invoke on a component takes its arguments in the call, "
                        "e.g. --invoke 'add(1, 2)', not after FILE\n");
        return WEFT_CLI_USAGE;
    }
    weft_component_t *comp = NULL;
    /* The file's bytes outlive the component (weft__cli_run_component's caller frees them). */
    weft_error_t *err = weft_component_new_borrowed(engine, bytes, len, &comp);
    if (err) return report(o->file, err);
    weft_store_t *store = weft_store_new(engine);
    weft_wasi2_t *w = weft_wasi2_new(engine);
    weft_component_linker_t *l = weft_component_linker_new(engine);
    int status = 0;
    if (!store || !w || !l) {
        fputs("weft: out of memory\n", stderr);
        status = WEFT_CLI_FAILURE;
    }
    if (!status) status = configure(w, o, a);
    if (!status) status = weft__cli_limits_apply(store, &o->limits);
    if (!status && (err = weft_wasi2_link(w, l, comp)) != NULL) status = report(o->file, err);
    weft_component_instance_t *inst = NULL;
    if (!status && (err = weft_component_instance_new(store, comp, l, &inst)) != NULL)
        status = weft__cli_limits_note(store, &o->limits, o->file, report(o->file, err));
    if (!status && o->invoke) {
        status = weft__cli_limits_note(store, &o->limits, o->file,
                                       weft__cli_invoke_call(engine, store, inst, o->file,
                                                             o->invoke));
    } else if (!status) {
        int code = 0;
        err = weft_wasi2_run(store, inst, &code);
        status = err ? report(o->file, err) : (code & 0xFF);
        status = weft__cli_limits_note(store, &o->limits, o->file, status);
    }
    /* The store's functions refer to the linker's host functions and the WASI context. */
    weft_store_delete(store);
    weft_component_linker_delete(l);
    weft_wasi2_delete(w);
    weft_component_delete(comp);
    return status;
}

int weft__cli_run_component(int argc, char **argv, const uint8_t *bytes, size_t len)
{
    const weft_alloc_t a = {weft__default_alloc, NULL};
    size_t cap = (size_t)argc + 1;
    copts_t o;
    memset(&o, 0, sizeof o);
    o.dirs = weft__calloc(&a, cap, sizeof *o.dirs);
    o.envs = weft__calloc(&a, cap, sizeof *o.envs);
    o.nets = weft__calloc(&a, cap, sizeof *o.nets);
    o.net_udp = weft__calloc(&a, cap, sizeof *o.net_udp);
    int status = (o.dirs && o.envs && o.nets && o.net_udp) ? parse(argc, argv, &o)
                                                          : WEFT_CLI_FAILURE;
    if (!status) {
        weft_engine_t *engine = weft__cli_limits_engine(&o.limits);
        if (!engine) {
            fputs("weft: out of memory\n", stderr);
            status = WEFT_CLI_FAILURE;
        } else {
            status = execute(engine, &o, bytes, len, &a);
            weft_engine_delete(engine);
        }
    }
    weft__free(&a, o.dirs, cap * sizeof *o.dirs);
    weft__free(&a, o.envs, cap * sizeof *o.envs);
    weft__free(&a, o.nets, cap * sizeof *o.nets);
    weft__free(&a, o.net_udp, cap * sizeof *o.net_udp);
    return status;
}
