/* error.h - construction of weft_error_t, the one error type of every layer. */
#ifndef WEFT_UTIL_ERROR_H
#define WEFT_UTIL_ERROR_H

#include "util/alloc.h"
#include "weft.h"

struct weft_error {
    weft_alloc_t alloc;
    weft_error_kind_t kind;
    char *message;          /* NUL-terminated, owned (or static for the preallocated OOM error) */
    uint64_t offset;        /* UINT64_MAX when none */
    weft_trap_code_t trap;
    int exit_code;
    size_t nframes;
    weft_frame_t *frames;   /* names owned by the error */
    int is_static;          /* the preallocated out-of-memory error: never freed */
};

/* Makes an error with a printf-style message. Never returns NULL: if allocation fails it
 * returns the allocation-free out-of-memory error (weft__error_oom). */
weft_error_t *weft__error_new(const weft_alloc_t *a, weft_error_kind_t kind, uint64_t offset,
                              const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;
/* A trap error with the spec's message for `code` (and `detail` appended if non-NULL). */
weft_error_t *weft__error_trap(const weft_alloc_t *a, weft_trap_code_t code, const char *detail);
/* The exit of the guest with a status. */
weft_error_t *weft__error_exit(const weft_alloc_t *a, int code);
/* A static, allocation-free out-of-memory error; weft_error_delete() ignores it. */
weft_error_t *weft__error_oom(void);
/* Appends a backtrace frame (name copied; may be NULL). Returns -1 if allocation fails (the
 * error stays valid without the frame). */
int weft__error_add_frame(weft_error_t *err, uint32_t func_index, const char *name,
                          uint32_t code_offset);

#endif
