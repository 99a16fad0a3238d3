/* wasi2_cli.c - wasi:cli (WASI 0.2, cli/wit): environment, exit, stdin / stdout / stderr and
 * the terminal-* interfaces. wasi:cli/run is an export of the guest (weft_wasi2_run). */
#include <string.h>
#include <unistd.h>

#include "wasi/p2/wasi2_impl.h"

/* ---- wasi:cli/environment -------------------------------------------------------------- */

W2_FN(get_environment)
{
    W2_UNUSED;
    weft_wasi2_t *w = W2;
    weft_cval_t *items = weft__wasi2_agg(ar, res, WEFT_CVAL_LIST, (uint32_t)w->nenv);
    if (!items) return W2_OOM;
    for (size_t i = 0; i < w->nenv; i++) {
        weft_cval_t *kv = weft__wasi2_agg(ar, &items[i], WEFT_CVAL_TUPLE, 2);
        if (!kv) return W2_OOM;
        const char *k = w->env[2 * i], *v = w->env[2 * i + 1];
        if (!weft_cval_set_string(ar, k, strlen(k), &kv[0]) ||
            !weft_cval_set_string(ar, v, strlen(v), &kv[1]))
            return W2_OOM;
    }
    return NULL;
}

W2_FN(get_arguments)
{
    W2_UNUSED;
    weft_wasi2_t *w = W2;
    weft_cval_t *items = weft__wasi2_agg(ar, res, WEFT_CVAL_LIST, (uint32_t)w->nargs);
    if (!items) return W2_OOM;
    for (size_t i = 0; i < w->nargs; i++)
        if (!weft_cval_set_string(ar, w->args[i], strlen(w->args[i]), &items[i])) return W2_OOM;
    return NULL;
}

/* initial-cwd: the guest has no current directory of the host (paths are relative to
 * preopens), so none. */
W2_FN(initial_cwd)
{
    W2_UNUSED;
    weft__wasi2_case(ar, res, WEFT_CVAL_OPTION, 0, false);
    return NULL;
}

/* ---- wasi:cli/exit --------------------------------------------------------------------- */

/* exit: func(status: result): ok is status 0, err status 1 (cli/wit/exit.wit). */
W2_FN(exit_fn)
{
    W2_UNUSED;
    return weft__error_exit(&W2->alloc, args[0].u.var.index == 0 ? 0 : 1);
}

/* exit-with-code: func(status-code: u8) (@unstable cli-exit-with-code). */
W2_FN(exit_with_code)
{
    W2_UNUSED;
    return weft__error_exit(&W2->alloc, (int)(args[0].u.u & 0xFF));
}

/* ---- wasi:cli/stdin, stdout, stderr ---------------------------------------------------- */

static weft_error_t *stdio(weft_wasi2_t *w, int which, weft_cval_t *res)
{
    uint32_t rep;
    weft_error_t *err = weft__wasi2_stdio_stream(w, which, &rep);
    if (err) return err;
    weft__wasi2_own(res, rep);
    return NULL;
}

W2_FN(get_stdin) { W2_UNUSED; return stdio(W2, 0, res); }
W2_FN(get_stdout) { W2_UNUSED; return stdio(W2, 1, res); }
W2_FN(get_stderr) { W2_UNUSED; return stdio(W2, 2, res); }

/* ---- wasi:cli/terminal-* ---------------------------------------------------------------- */

/* option<terminal-*>: some when the stdio stream is a host terminal. */
static weft_error_t *terminal(weft_wasi2_t *w, int which, weft_cval_t *res,
                              weft_cval_arena_t *ar)
{
    if (w->stdio_buf[which] || !isatty(w->stdio_fd[which])) {
        weft__wasi2_case(ar, res, WEFT_CVAL_OPTION, 0, false);
        return NULL;
    }
    weft_cval_t *p = weft__wasi2_case(ar, res, WEFT_CVAL_OPTION, 1, true);
    if (!p) return W2_OOM;
    uint32_t rep;
    if (!weft__wasi2_obj_new(w, which == 0 ? W2_TERM_IN : W2_TERM_OUT, &rep)) return W2_OOM;
    weft__wasi2_own(p, rep);
    return NULL;
}

W2_FN(get_terminal_stdin) { W2_UNUSED; return terminal(W2, 0, res, ar); }
W2_FN(get_terminal_stdout) { W2_UNUSED; return terminal(W2, 1, res, ar); }
W2_FN(get_terminal_stderr) { W2_UNUSED; return terminal(W2, 2, res, ar); }

static const weft__wasi2_fn_t env_fns[] = {
    {"get-environment", get_environment, NULL},
    {"get-arguments", get_arguments, NULL},
    {"initial-cwd", initial_cwd, NULL},
};
static const weft__wasi2_fn_t exit_fns[] = {
    {"exit", exit_fn, NULL},
    {"exit-with-code", exit_with_code, NULL},
};
static const char *const in_res[] = {"input-stream"};
static const char *const out_res[] = {"output-stream"};
static const weft__wasi2_fn_t stdin_fns[] = {{"get-stdin", get_stdin, NULL}};
static const weft__wasi2_fn_t stdout_fns[] = {{"get-stdout", get_stdout, NULL}};
static const weft__wasi2_fn_t stderr_fns[] = {{"get-stderr", get_stderr, NULL}};
static const char *const term_in_res[] = {"terminal-input"};
static const char *const term_out_res[] = {"terminal-output"};
static const weft__wasi2_fn_t tstdin_fns[] = {{"get-terminal-stdin", get_terminal_stdin, NULL}};
static const weft__wasi2_fn_t tstdout_fns[] = {{"get-terminal-stdout", get_terminal_stdout, NULL}};
static const weft__wasi2_fn_t tstderr_fns[] = {{"get-terminal-stderr", get_terminal_stderr, NULL}};

#define NELEM(a) (sizeof a / sizeof *a)
const weft__wasi2_iface_t weft__wasi2_cli_ifaces[] = {
    {"wasi:cli/environment", NULL, 0, env_fns, NELEM(env_fns)},
    {"wasi:cli/exit", NULL, 0, exit_fns, NELEM(exit_fns)},
    {"wasi:cli/stdin", in_res, 1, stdin_fns, NELEM(stdin_fns)},
    {"wasi:cli/stdout", out_res, 1, stdout_fns, NELEM(stdout_fns)},
    {"wasi:cli/stderr", out_res, 1, stderr_fns, NELEM(stderr_fns)},
    {"wasi:cli/terminal-input", term_in_res, 1, NULL, 0},
    {"wasi:cli/terminal-output", term_out_res, 1, NULL, 0},
    {"wasi:cli/terminal-stdin", term_in_res, 1, tstdin_fns, 1},
    {"wasi:cli/terminal-stdout", term_out_res, 1, tstdout_fns, 1},
    {"wasi:cli/terminal-stderr", term_out_res, 1, tstderr_fns, 1},
};
const size_t weft__wasi2_cli_nifaces = NELEM(weft__wasi2_cli_ifaces);
