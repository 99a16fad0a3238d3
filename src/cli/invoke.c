/* invoke.c - `weft run --invoke 'NAME(ARGS)' COMPONENT`: one call of a component export, with
 * the arguments and the result in WAVE (the WebAssembly Value Encoding, weft.h "WAVE"). */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

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

static int call(weft_engine_t *engine, weft_store_t *store, weft_component_instance_t *inst,
                const char *file, const char *invoke)
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
    weft_cval_arena_t *arena = weft_cval_arena_new(engine);
    if (!arena) {
        fputs("weft: out of memory\n", stderr);
        return WEFT_CLI_FAILURE;
    }
    int status = WEFT_CLI_OK;
    size_t np = weft_component_func_param_count(f);
    weft_cval_t *args = weft_cval_alloc(arena, np + 1);
    weft_cval_t *res = weft_cval_alloc(arena, 1);
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
    if (!args || !res || (paren && !argtext)) {
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
        size_t nr = weft_component_func_result_count(f);
        err = weft_component_func_call(store, f, args, np, res, nr, arena);
        if (err) {
            status = weft__cli_report(file, err);
        } else if (nr) {
            const char *text;
            err = weft_wave_print(arena, weft_component_func_result_type(f), res, &text, &tl);
            if (err) {
                fprintf(stderr, "weft: %s: cannot print the result: %s\n", file,
                        weft_error_message(err));
                weft_error_delete(err);
                status = WEFT_CLI_FAILURE;
            } else {
                fwrite(text, 1, tl, stdout);
                fputc('\n', stdout);
                fflush(stdout);
            }
        }
    }
    weft__free(&a, argtext, tl + 1);
    weft_cval_arena_delete(arena);
    return status;
}

int weft__cli_invoke_component(const char *file, const uint8_t *bytes, size_t len,
                               const char *invoke, int nextra)
{
    if (nextra) {
        fprintf(stderr, "weft: --invoke on a component takes its arguments in the call, "
                        "e.g. --invoke 'add(1, 2)', not after FILE\n");
        return WEFT_CLI_USAGE;
    }
    weft_engine_t *engine = weft_engine_new(NULL);
    if (!engine) {
        fputs("weft: out of memory\n", stderr);
        return WEFT_CLI_FAILURE;
    }
    weft_component_t *comp = NULL;
    weft_error_t *err = weft_component_new(engine, bytes, len, &comp);
    int status = WEFT_CLI_OK;
    if (err) {
        status = weft__cli_report(file, err);
        weft_engine_delete(engine);
        return status;
    }
    weft_store_t *store = weft_store_new(engine);
    weft_component_linker_t *linker = weft_component_linker_new(engine);
    weft_component_instance_t *inst = NULL;
    if (!store || !linker) {
        fputs("weft: out of memory\n", stderr);
        status = WEFT_CLI_FAILURE;
    } else if ((err = weft_component_instance_new(store, comp, linker, &inst))) {
        status = weft__cli_report(file, err);
    } else {
        status = call(engine, store, inst, file, invoke);
    }
    weft_store_delete(store);
    weft_component_linker_delete(linker);
    weft_component_delete(comp);
    weft_engine_delete(engine);
    return status;
}
