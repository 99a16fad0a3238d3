/* error.c - the one error type. */
#include "util/error.h"

#include <stdarg.h>
#include <stdio.h>

/* Immutable: the out-of-memory error must be reportable without allocating. Const data is not
 * mutable global state; the pointer cast below never leads to a write (is_static guards it). */
static const struct weft_error oom_error = {
    .kind = WEFT_ERROR_OOM,
    .message = (char *)"out of memory",
    .offset = UINT64_MAX,
    .is_static = 1,
};

weft_error_t *weft__error_oom(void)
{
    return (weft_error_t *)&oom_error;
}

static weft_error_t *error_alloc(const weft_alloc_t *a, weft_error_kind_t kind)
{
    weft_error_t *e = weft__calloc(a, 1, sizeof *e);
    if (!e) return NULL;
    e->alloc = *a;
    e->kind = kind;
    e->offset = UINT64_MAX;
    return e;
}

weft_error_t *weft__error_new(const weft_alloc_t *a, weft_error_kind_t kind, uint64_t offset,
                              const char *fmt, ...)
{
    weft_error_t *e = error_alloc(a, kind);
    if (!e) return weft__error_oom();
    e->offset = offset;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0) n = 0;
    e->message = weft__malloc(a, (size_t)n + 1);
    if (!e->message) {
        weft__free(a, e, sizeof *e);
        return weft__error_oom();
    }
    va_start(ap, fmt);
    vsnprintf(e->message, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return e;
}

const char *weft_trap_code_message(weft_trap_code_t code)
{
    switch (code) {
    case WEFT_TRAP_NONE: return "no trap";
    case WEFT_TRAP_UNREACHABLE: return "unreachable";
    case WEFT_TRAP_MEMORY_OOB: return "out of bounds memory access";
    case WEFT_TRAP_TABLE_OOB: return "out of bounds table access";
    case WEFT_TRAP_UNDEFINED_ELEMENT: return "undefined element";
    case WEFT_TRAP_UNINITIALIZED_ELEMENT: return "uninitialized element";
    case WEFT_TRAP_INDIRECT_CALL_TYPE: return "indirect call type mismatch";
    case WEFT_TRAP_INT_DIV_ZERO: return "integer divide by zero";
    case WEFT_TRAP_INT_OVERFLOW: return "integer overflow";
    case WEFT_TRAP_INVALID_CONVERSION: return "invalid conversion to integer";
    case WEFT_TRAP_STACK_EXHAUSTED: return "call stack exhausted";
    case WEFT_TRAP_NULL_REFERENCE: return "null reference";
    case WEFT_TRAP_INTERRUPTED: return "interrupted";
    case WEFT_TRAP_HOST: return "host function failed";
    case WEFT_TRAP_UNCAUGHT_EXCEPTION: return "uncaught exception";
    case WEFT_TRAP_CAST_FAILURE: return "cast failure";
    case WEFT_TRAP_OUT_OF_FUEL: return "all fuel consumed";
    case WEFT_TRAP_TASK_LIMIT: return "too many tasks in flight";
    case WEFT_TRAP_HANDLE_LIMIT: return "too many async handles";
    }
    return "unknown trap";
}

weft_error_t *weft__error_trap(const weft_alloc_t *a, weft_trap_code_t code, const char *detail)
{
    weft_error_t *e = detail ? weft__error_new(a, WEFT_ERROR_TRAP, UINT64_MAX, "%s: %s",
                                               weft_trap_code_message(code), detail)
                             : weft__error_new(a, WEFT_ERROR_TRAP, UINT64_MAX, "%s",
                                               weft_trap_code_message(code));
    if (!e->is_static) e->trap = code;
    return e;
}

weft_error_t *weft__error_exit(const weft_alloc_t *a, int code)
{
    weft_error_t *e = weft__error_new(a, WEFT_ERROR_EXIT, UINT64_MAX, "exit with status %d", code);
    if (!e->is_static) e->exit_code = code;
    return e;
}

int weft__error_add_frame(weft_error_t *err, uint32_t func_index, const char *name,
                          uint32_t code_offset)
{
    if (!err || err->is_static) return -1;
    const weft_alloc_t *a = &err->alloc;
    weft_frame_t *nf = weft__realloc(a, err->frames, err->nframes * sizeof *nf,
                                     (err->nframes + 1) * sizeof *nf);
    if (!nf) return -1;
    err->frames = nf;
    char *copy = NULL;
    if (name) {
        copy = weft__strndup(a, name, strlen(name));
        if (!copy) return -1;
    }
    nf[err->nframes].func_index = func_index;
    nf[err->nframes].name = copy;
    nf[err->nframes].code_offset = code_offset;
    err->nframes++;
    return 0;
}

weft_error_kind_t weft_error_kind(const weft_error_t *err) { return err->kind; }
const char *weft_error_message(const weft_error_t *err) { return err->message; }
uint64_t weft_error_offset(const weft_error_t *err) { return err->offset; }
weft_trap_code_t weft_error_trap_code(const weft_error_t *err) { return err->trap; }
size_t weft_error_frame_count(const weft_error_t *err) { return err->nframes; }
int weft_error_exit_code(const weft_error_t *err) { return err->exit_code; }

const weft_frame_t *weft_error_frame(const weft_error_t *err, size_t i)
{
    return i < err->nframes ? &err->frames[i] : NULL;
}

void weft_error_delete(weft_error_t *err)
{
    if (!err || err->is_static) return;
    const weft_alloc_t a = err->alloc;
    for (size_t i = 0; i < err->nframes; i++) {
        if (err->frames[i].name) weft__free(&a, (void *)err->frames[i].name,
                                            strlen(err->frames[i].name) + 1);
    }
    weft__free(&a, err->frames, err->nframes * sizeof *err->frames);
    if (err->message) weft__free(&a, err->message, strlen(err->message) + 1);
    weft__free(&a, err, sizeof *err);
}
