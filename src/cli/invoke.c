/* invoke.c - `weft run --invoke 'NAME(ARGS)' COMPONENT`: one call of a component export, with
 * the arguments and the result in WAVE (the WebAssembly Value Encoding, weft.h "WAVE"). An
 * async export runs as a task on the store's event loop, and the streams and futures of its
 * result are read by the host, their values printed as they arrive (weft.h "Component Model
 * async": weft_task_start/_wait/_results, weft_stream_read/_poll, weft_store_run). */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "component/host_async.h"
#include "component/instance.h"
#include "component/types.h"

static bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

/* Prints the text with a caret under character `col` (a scalar count) for a WAVE error. */
static void show_caret(const char *text, size_t byte_off)
{
    if (strchr(text, '\n')) return; /* a caret only helps on one line */
    fprintf(stderr, "  %s\n  ", text);
    size_t col = 0;
    for (size_t i = 0; i < byte_off && text[i]; i++)
        if (((unsigned char)text[i] & 0xC0) != 0x80) col++;
    for (size_t i = 0; i < col; i++) fputc(' ', stderr);
    fputs("^\n", stderr);
}

/* Lists the exported functions (and the functions of exported instances) on stderr. */
static void list_exports(const weft_component_instance_t *inst)
{
    size_t n = weft_component_instance_export_count(inst);
    int shown = 0;
    for (size_t i = 0; i < n; i++) {
        const char *name;
        size_t nl;
        weft_component_extern_kind_t k;
        if (!weft_component_instance_export_nth(inst, i, &name, &nl, &k)) continue;
        if (k == WEFT_COMPONENT_EXTERN_FUNC) {
            fprintf(stderr, "%s%.*s", shown++ ? ", " : "  exported functions: ", (int)nl, name);
        } else if (k == WEFT_COMPONENT_EXTERN_INSTANCE) {
            weft_component_instance_t *sub = NULL;
            if (!weft_component_instance_instance(inst, name, nl, &sub)) continue;
            size_t m = weft_component_instance_export_count(sub);
            for (size_t j = 0; j < m; j++) {
                const char *fn;
                size_t fl;
                weft_component_extern_kind_t fk;
                if (weft_component_instance_export_nth(sub, j, &fn, &fl, &fk) &&
                    fk == WEFT_COMPONENT_EXTERN_FUNC)
                    fprintf(stderr, "%s%.*s#%.*s", shown++ ? ", " : "  exported functions: ",
                            (int)nl, name, (int)fl, fn);
            }
        }
    }
    fputs(shown ? "\n" : "  the component exports no functions\n", stderr);
}

/* Finds NAME, or INSTANCE#...#NAME through exported instances. */
static bool find_func(weft_component_instance_t *inst, const char *name, size_t len,
                      weft_component_func_t **out)
{
    const char *hash = memchr(name, '#', len);
    while (hash) {
        weft_component_instance_t *sub = NULL;
        if (!weft_component_instance_instance(inst, name, (size_t)(hash - name), &sub))
            return false;
        inst = sub;
        len -= (size_t)(hash - name) + 1;
        name = hash + 1;
        hash = memchr(name, '#', len);
    }
    return weft_component_instance_func(inst, name, len, out);
}

/* Prints `v` (of type `t`) in WAVE on one line of stdout, after `prefix` (may be NULL). The
 * callers flush stdout after each batch of values, so that lines show as values arrive. */
static int print_value(weft_cval_arena_t *arena, const char *file, const weft_cval_type_t *t,
                       const weft_cval_t *v, const char *prefix)
{
    const char *text = "()";
    size_t len = 2;
    if (t) {
        weft_error_t *err = weft_wave_print(arena, t, v, &text, &len);
        if (err) {
            fprintf(stderr, "weft: %s: cannot print the result: %s\n", file,
                    weft_error_message(err));
            weft_error_delete(err);
            return WEFT_CLI_FAILURE;
        }
    }
    if (prefix) fputs(prefix, stdout);
    fwrite(text, 1, len, stdout);
    fputc('\n', stdout);
    return WEFT_CLI_OK;
}

/* ---- async exports (weft.h "Component Model async") -------------------------------------
 * Every export is started as a task (weft_task_start) and the store's event loop runs until
 * it returns: an async one, one whose result holds streams or futures, or a synchronous one
 * whose WASI 0.2 imports wait (the guest is suspended meanwhile, not the thread). The stream and future
 * readable ends in its result then belong to the host, which reads them all at once: every
 * stream element and future value is printed on a line of its own as it arrives, until each
 * writer has dropped its end. The result itself is printed last, its streams and futures
 * shown as `stream(K)` / `future(K)`, K counting them from 1 in the order of the value. A
 * stream element or future value may itself hold streams or futures: they are read too,
 * numbered on from the last one found, and shown by their number in the line of the value
 * that carried them. When the result can hold several ends, or nested ones, each line starts
 * with `stream(K): ` / `future(K): ` naming the end it came from. */

/* One stream or future end the host reads. */
typedef struct rend {
    const weft_cval_type_t *elem; /* element type; NULL for stream / future without one */
    weft_async_handle_t h;
    bool future, done;
    char prefix[40];
} rend_t;

typedef struct rends {
    const weft_alloc_t *a;
    rend_t *v;
    size_t n, cap;
    bool prefixed; /* lines name their end */
} rends_t;

/* Adds end v (of type t) and renumbers v: the value then shows the end's number. */
static bool rends_push(rends_t *e, weft_cval_t *v, const weft_ty_val_t *t)
{
    if (e->n == e->cap) {
        size_t nc = e->cap ? e->cap * 2 : 4;
        rend_t *nv = weft__realloc(e->a, e->v, e->cap * sizeof *nv, nc * sizeof *nv);
        if (!nv) return false;
        e->v = nv;
        e->cap = nc;
    }
    rend_t *r = &e->v[e->n++];
    memset(r, 0, sizeof *r);
    r->elem = t->elem;
    r->h = v->u.handle;
    r->future = t->kind == WEFT_TY_FUTURE;
    snprintf(r->prefix, sizeof r->prefix, "%s(%zu): ", r->future ? "future" : "stream", e->n);
    v->u.handle = (uint32_t)e->n;
    /* Its values may carry more ends: lines must say where they come from. */
    if (r->elem && (r->elem->bits & WEFT_TYB_ASYNC)) e->prefixed = true;
    return true;
}

/* Collects the stream and future ends of value `v` of type `t`, in the order of the value
 * (the types say where they can be: WEFT_TYB_ASYNC marks the subtrees holding some). */
static bool collect_ends(rends_t *e, weft_cval_t *v, const weft_ty_val_t *t)
{
    if (!t || !(t->bits & WEFT_TYB_ASYNC)) return true;
    switch (t->kind) {
    case WEFT_TY_STREAM:
    case WEFT_TY_FUTURE:
        return v->kind == (t->kind == WEFT_TY_STREAM ? WEFT_CVAL_STREAM : WEFT_CVAL_FUTURE) &&
               rends_push(e, v, t);
    case WEFT_TY_LIST:
    case WEFT_TY_FIXED_LIST:
    case WEFT_TY_MAP:
        for (uint32_t i = 0; i < v->u.agg.len; i++)
            if (!collect_ends(e, &v->u.agg.items[i], t->elem)) return false;
        return true;
    case WEFT_TY_RECORD:
    case WEFT_TY_TUPLE:
        for (uint32_t i = 0; i < v->u.agg.len && i < t->count; i++)
            if (!collect_ends(e, &v->u.agg.items[i], t->fields[i].type)) return false;
        return true;
    case WEFT_TY_VARIANT:
    case WEFT_TY_OPTION:
    case WEFT_TY_RESULT:
        if (v->u.var.index < t->count && v->u.var.payload)
            return collect_ends(e, v->u.var.payload, t->fields[v->u.var.index].type);
        return true;
    default:
        return true;
    }
}

/* Starts the next read of end `r` (up to 64 elements of a stream, the value of a future). */
static weft_error_t *start_read(weft_store_t *store, const rend_t *r)
{
    return r->future ? weft_future_read(store, r->h) : weft_stream_read(store, r->h, 64);
}

/* Prints one value read from end k: its own ends are taken over first (numbered on, and read
 * from now on unless `last`), so the line shows their numbers. */
static int print_read(weft_store_t *store, weft_cval_arena_t *arena, const char *file,
                      rends_t *e, size_t k, const weft_cval_t *v, bool last)
{
    const weft_ty_val_t *t = e->v[k].elem;
    if (!t || !v || !(t->bits & WEFT_TYB_ASYNC))
        return print_value(arena, file, t, v, e->prefixed ? e->v[k].prefix : NULL);
    weft_cval_t *copy = weft_cval_alloc(arena, 1);
    size_t first = e->n;
    if (!copy || !weft__ahost_copy_val(arena, v, copy) || !collect_ends(e, copy, t)) {
        fputs("weft: out of memory\n", stderr);
        return WEFT_CLI_FAILURE;
    }
    int status = print_value(arena, file, t, copy, e->v[k].prefix);
    for (size_t i = first; i < e->n && !status && !last; i++) {
        weft_error_t *err = start_read(store, &e->v[i]);
        if (err) status = weft__cli_report(file, err);
    }
    return status;
}

/* Polls end k: prints what arrived, then starts the next read (unless `last`) or drops the
 * end once done. *progress is set when something arrived or ended. */
static int poll_end(weft_store_t *store, weft_cval_arena_t *arena, const char *file, rends_t *e,
                    size_t k, bool last, bool *progress)
{
    weft_stream_status_t st;
    weft_error_t *err = weft_stream_poll(store, e->v[k].h, &st);
    if (err) return weft__cli_report(file, err);
    if (st.state == WEFT_STREAM_PENDING || st.state == WEFT_STREAM_IDLE) return WEFT_CLI_OK;
    *progress = true;
    for (uint32_t i = 0; i < st.count; i++) {
        int status = print_read(store, arena, file, e, k, st.values ? &st.values[i] : NULL,
                                last);
        if (status) return status;
    }
    fflush(stdout);
    weft_cval_arena_reset(arena);
    rend_t *r = &e->v[k];
    if (st.state == WEFT_STREAM_COMPLETED && !r->future) {
        err = last ? NULL : start_read(store, r);
    } else {
        /* The writer dropped its end (a stream's end of data), or the future's value came. */
        r->done = true;
        err = weft_stream_drop(store, r->h);
    }
    return err ? weft__cli_report(file, err) : WEFT_CLI_OK;
}

/* Polls every end not done yet (ends found meanwhile included); *left receives how many are
 * still not done. */
static int poll_ends(weft_store_t *store, weft_cval_arena_t *arena, const char *file,
                     rends_t *e, bool last, bool *progress, size_t *left)
{
    int status = WEFT_CLI_OK;
    *left = 0;
    for (size_t i = 0; i < e->n; i++) {
        if (!status && !e->v[i].done) status = poll_end(store, arena, file, e, i, last, progress);
        *left += !e->v[i].done;
    }
    return status;
}

/* The trap of the task's instance after the task returned (weft_task_error), reported; or,
 * should there be none, a plain statement. */
static int report_late_trap(weft_store_t *store, weft_async_handle_t task, const char *file)
{
    weft_error_t *err = weft_task_error(store, task);
    if (err) return weft__cli_report(file, err);
    fputs("weft: trap: the component instance trapped after the task returned\n", stderr);
    return WEFT_CLI_TRAP;
}

static bool instance_poisoned(const weft_component_func_t *f)
{
    return f->kind == WEFT_CFUNC_LIFTED && f->inst && f->inst->poisoned;
}

/* Reads every end of `e` until each is done, printing as values arrive. */
static int drain_ends(weft_store_t *store, weft_engine_t *engine,
                      const weft_component_func_t *f, weft_async_handle_t task, const char *file,
                      rends_t *e)
{
    weft_cval_arena_t *arena = weft_cval_arena_new(engine);
    if (!arena) {
        fputs("weft: out of memory\n", stderr);
        return WEFT_CLI_FAILURE;
    }
    int status = WEFT_CLI_OK;
    for (size_t i = 0; i < e->n && !status; i++) {
        weft_error_t *err = start_read(store, &e->v[i]);
        if (err) status = weft__cli_report(file, err);
    }
    size_t left = e->n;
    while (!status && left) {
        bool progress = false;
        status = poll_ends(store, arena, file, e, false, &progress, &left);
        if (status || !left || progress) continue;
        /* Nothing arrived: let the guest run until it is idle, then look again. */
        weft_error_t *err = weft_store_run(store, WEFT_RUN_UNTIL_IDLE);
        if (err) {
            /* What the guest wrote before it trapped is shown before the trap. */
            poll_ends(store, arena, file, e, true, &progress, &left);
            status = weft__cli_report(file, err);
            break;
        }
        status = poll_ends(store, arena, file, e, false, &progress, &left);
        if (status || !left || progress) continue;
        /* Every guest thread is blocked and no writer will come. When the task's instance
         * trapped after the task returned (before it first blocked, inside weft_task_start),
         * that trap is the reason; otherwise it is the same trap as a task that cannot finish
         * (weft_task_wait). */
        if (instance_poisoned(f)) {
            status = report_late_trap(store, task, file);
        } else {
            fputs("weft: trap: deadlock detected: event loop cannot make further progress\n",
                  stderr);
            for (size_t i = 0; i < e->n; i++)
                if (!e->v[i].done)
                    fprintf(stderr, "  the host was reading %s(%zu) of the result\n",
                            e->v[i].future ? "future" : "stream", i + 1);
            status = WEFT_CLI_TRAP;
        }
    }
    weft_cval_arena_delete(arena);
    return status;
}

/* Calls `f` as a task, streams its result's streams and futures, then prints the result. */
static int call_async(weft_engine_t *engine, weft_store_t *store, weft_component_func_t *f,
                      const char *file, const weft_cval_t *args, size_t np,
                      weft_cval_arena_t *arena)
{
    weft_async_handle_t task = 0;
    weft_error_t *err = weft_task_start(store, f, args, np, &task);
    if (err) return weft__cli_report(file, err);
    /* Runs the loop until the task returns (or traps, or nothing can run: a deadlock). */
    if ((err = weft_task_wait(store, task))) {
        weft_task_delete(store, task);
        return weft__cli_report(file, err);
    }
    weft_task_state_t state = weft_task_state(store, task);
    if (state == WEFT_TASK_FAILED) {
        err = weft_task_error(store, task);
        weft_task_delete(store, task);
        if (!err) {
            fprintf(stderr, "weft: %s: the task failed\n", file);
            return WEFT_CLI_TRAP;
        }
        return weft__cli_report(file, err);
    }
    if (state == WEFT_TASK_CANCELLED) {
        weft_task_delete(store, task);
        fprintf(stderr, "weft: %s: the task was cancelled before returning\n", file);
        return WEFT_CLI_FAILURE;
    }
    size_t nr = weft_component_func_result_count(f);
    weft_cval_t *res = weft_cval_alloc(arena, 1);
    if (!res) {
        weft_task_delete(store, task);
        fputs("weft: out of memory\n", stderr);
        return WEFT_CLI_FAILURE;
    }
    err = nr ? weft_task_results(store, task, res, nr, arena) : NULL;
    if (err) {
        weft_task_delete(store, task);
        return weft__cli_report(file, err);
    }

    /* The task's handle is kept until the end: a trap after it returned is its error. */
    const weft_ty_val_t *rt = weft_component_func_result_type(f);
    const weft_alloc_t a = {weft__default_alloc, NULL};
    rends_t ends = {&a, NULL, 0, 0, false};
    int status = WEFT_CLI_OK;
    if (nr && !collect_ends(&ends, res, rt)) {
        fputs("weft: out of memory\n", stderr);
        status = WEFT_CLI_FAILURE;
    }
    if (ends.n > 1) ends.prefixed = true;
    if (!status) status = drain_ends(store, engine, f, task, file, &ends);
    /* The task may go on after returning (and after its streams end): let it finish, so a
     * trap after the last value is reported too. */
    if (!status && (err = weft_store_run(store, WEFT_RUN_UNTIL_IDLE)))
        status = weft__cli_report(file, err);
    if (!status && instance_poisoned(f)) status = report_late_trap(store, task, file);
    if (!status && nr) {
        /* The host's handles are spent: the result shows each end by its number. */
        status = print_value(arena, file, rt, res, NULL);
        fflush(stdout);
    }
    weft_task_delete(store, task);
    weft__free(&a, ends.v, ends.cap * sizeof *ends.v);
    return status;
}

int weft__cli_invoke_call(weft_engine_t *engine, weft_store_t *store,
                          weft_component_instance_t *inst, const char *file, const char *invoke)
{
    /* NAME(ARGS): the name ends at the first parenthesis (names never hold one). */
    const char *paren = strchr(invoke, '(');
    size_t nb = 0, ne = paren ? (size_t)(paren - invoke) : strlen(invoke);
    while (nb < ne && is_space(invoke[nb])) nb++;
    while (ne > nb && is_space(invoke[ne - 1])) ne--;
    if (ne == nb) {
        fprintf(stderr, "weft: --invoke '%s': expected NAME(ARGS)\n", invoke);
        return WEFT_CLI_USAGE;
    }
    weft_component_func_t *f = NULL;
    if (!find_func(inst, invoke + nb, ne - nb, &f)) {
        fprintf(stderr, "weft: %s: no exported function '%.*s'\n", file, (int)(ne - nb),
                invoke + nb);
        list_exports(inst);
        return WEFT_CLI_LINK;
    }
    size_t np = weft_component_func_param_count(f);
    for (size_t i = 0; i < np; i++) {
        /* A stream or future argument would be the readable end of one the host writes:
         * WAVE text cannot say what to write into it. */
        const weft_ty_val_t *pt = weft_component_func_param_type(f, i);
        if (pt && (pt->bits & WEFT_TYB_ASYNC)) {
            fprintf(stderr, "weft: --invoke '%.*s': parameter %zu holds a stream or future, "
                            "which cannot be given on the command line\n",
                    (int)(ne - nb), invoke + nb, i + 1);
            return WEFT_CLI_USAGE;
        }
    }
    weft_cval_arena_t *arena = weft_cval_arena_new(engine);
    if (!arena) {
        fputs("weft: out of memory\n", stderr);
        return WEFT_CLI_FAILURE;
    }
    int status = WEFT_CLI_OK;
    weft_cval_t *args = weft_cval_alloc(arena, np + 1);
    /* The arguments are parsed in place, the name blanked out, so that the character offsets
     * of errors count from the start of the whole --invoke text. */
    size_t tl = strlen(invoke);
    const weft_alloc_t a = {weft__default_alloc, NULL};
    char *argtext = paren ? weft__malloc(&a, tl + 1) : NULL;
    if (argtext) {
        memcpy(argtext, invoke, tl);
        memset(argtext, ' ', (size_t)(paren - invoke));
    }
    weft_error_t *err = NULL;
    if (!args || (paren && !argtext)) {
        fputs("weft: out of memory\n", stderr);
        status = WEFT_CLI_FAILURE;
    } else if ((err = weft_wave_parse_args(arena, f, argtext ? argtext : "()",
                                           argtext ? tl : 2, args, np))) {
        if (weft_error_kind(err) == WEFT_ERROR_OOM) {
            fputs("weft: out of memory\n", stderr);
            status = WEFT_CLI_FAILURE;
        } else {
            fprintf(stderr, "weft: --invoke '%.*s': %s\n", (int)(ne - nb), invoke + nb,
                    weft_error_message(err));
            uint64_t off = weft_error_offset(err);
            if (off != UINT64_MAX && paren) show_caret(invoke, (size_t)off);
            status = WEFT_CLI_USAGE;
        }
        weft_error_delete(err);
    } else {
        /* Always as a task: a WASI 0.2 import that waits (poll, blocking-read) suspends the
         * guest until the store's loop completes it (weft_task_start). */
        status = call_async(engine, store, f, file, args, np, arena);
    }
    weft__free(&a, argtext, tl + 1);
    weft_cval_arena_delete(arena);
    return status;
}
