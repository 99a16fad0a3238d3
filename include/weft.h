/*
 * weft.h - the public interface of Weft, a WebAssembly runtime.
 *
 * Conventions (they hold for every function below unless its comment says otherwise):
 *  - Functions that can fail return `weft_error_t *`: NULL means success; a non-NULL error is
 *    owned by the caller and released with weft_error_delete().
 *  - `_delete(NULL)` is a no-op.
 *  - Names are passed as pointer + length and need not be NUL-terminated.
 *  - Objects created in a store (functions, memories, tables, globals, instances) are owned by
 *    that store and stay valid until weft_store_delete(); the host never frees them itself.
 *  - Nothing here uses process-global mutable state. An engine, and every store made from it,
 *    must be used by one thread at a time; distinct engines are independent.
 *  - Floating-point values travel as their IEEE-754 bit patterns so NaN payloads are exact.
 *
 * Copyright 2026 the Weft authors. Licensed under the Apache License, Version 2.0.
 */
#ifndef WEFT_H
#define WEFT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define WEFT_VERSION "0.1.0"

typedef struct weft_engine weft_engine_t;
typedef struct weft_store weft_store_t;
typedef struct weft_module weft_module_t;
typedef struct weft_instance weft_instance_t;
typedef struct weft_func weft_func_t;
typedef struct weft_memory weft_memory_t;
typedef struct weft_table weft_table_t;
typedef struct weft_global weft_global_t;
typedef struct weft_error weft_error_t;
typedef struct weft_caller weft_caller_t;
typedef struct weft_call weft_call_t;

/* ---------------------------------------------------------------------------------------------
 * Errors
 * ------------------------------------------------------------------------------------------- */

typedef enum weft_error_kind {
    WEFT_ERROR_DECODE = 1,   /* malformed binary; weft_error_offset() gives the byte offset */
    WEFT_ERROR_VALIDATE,     /* invalid module; message names function and instruction offset */
    WEFT_ERROR_LINK,         /* instantiation: missing or incompatible import */
    WEFT_ERROR_TRAP,         /* a wasm trap; weft_error_trap_code() and a backtrace */
    WEFT_ERROR_EXIT,         /* the guest asked to exit (WASI proc_exit); weft_error_exit_code() */
    WEFT_ERROR_OOM,          /* an allocation failed */
    WEFT_ERROR_INVALID_ARG,  /* misuse of the API (wrong types, arity, state) */
    WEFT_ERROR_IO,           /* a host I/O failure (files, the command line tool) */
} weft_error_kind_t;

typedef enum weft_trap_code {
    WEFT_TRAP_NONE = 0,
    WEFT_TRAP_UNREACHABLE,          /* "unreachable" */
    WEFT_TRAP_MEMORY_OOB,           /* "out of bounds memory access" */
    WEFT_TRAP_TABLE_OOB,            /* "out of bounds table access" */
    WEFT_TRAP_UNDEFINED_ELEMENT,    /* "undefined element" (call_indirect index past the table) */
    WEFT_TRAP_UNINITIALIZED_ELEMENT,/* "uninitialized element" (call_indirect of a null entry) */
    WEFT_TRAP_INDIRECT_CALL_TYPE,   /* "indirect call type mismatch" */
    WEFT_TRAP_INT_DIV_ZERO,         /* "integer divide by zero" */
    WEFT_TRAP_INT_OVERFLOW,         /* "integer overflow" */
    WEFT_TRAP_INVALID_CONVERSION,   /* "invalid conversion to integer" */
    WEFT_TRAP_STACK_EXHAUSTED,      /* "call stack exhausted" */
    WEFT_TRAP_NULL_REFERENCE,       /* "null reference" (Wasm 3.0: call_ref, ref.as_non_null...) */
    WEFT_TRAP_INTERRUPTED,          /* "interrupted" (fuel or deadline) */
    WEFT_TRAP_HOST,                 /* a host function failed; the message says why */
    WEFT_TRAP_UNCAUGHT_EXCEPTION,   /* "uncaught exception" (Wasm 3.0 exception handling) */
    WEFT_TRAP_CAST_FAILURE,         /* "cast failure" (Wasm 3.0 GC) */
} weft_trap_code_t;

/* One frame of a trap backtrace, innermost first. `name` is from the name section or NULL;
 * it lives as long as the error. `code_offset` is the byte offset of the instruction in the
 * module binary (UINT32_MAX for host frames). */
typedef struct weft_frame {
    uint32_t func_index;
    const char *name;
    uint32_t code_offset;
} weft_frame_t;

weft_error_kind_t weft_error_kind(const weft_error_t *err);
/* NUL-terminated; lives as long as `err`. */
const char *weft_error_message(const weft_error_t *err);
/* Byte offset in the input for decode and validation errors, or UINT64_MAX when none applies. */
uint64_t weft_error_offset(const weft_error_t *err);
weft_trap_code_t weft_error_trap_code(const weft_error_t *err);
/* The spec's wording for a trap code, e.g. "integer divide by zero". Static storage. */
const char *weft_trap_code_message(weft_trap_code_t code);
size_t weft_error_frame_count(const weft_error_t *err);
/* Returns NULL when i is out of range; the frame lives as long as `err`. */
const weft_frame_t *weft_error_frame(const weft_error_t *err, size_t i);
int weft_error_exit_code(const weft_error_t *err);
void weft_error_delete(weft_error_t *err);

/* ---------------------------------------------------------------------------------------------
 * Engine and store
 * ------------------------------------------------------------------------------------------- */

/* The one allocator hook (Lua's shape): new_size == 0 frees and returns NULL; otherwise it
 * behaves like realloc(ptr, new_size) and returns NULL on failure, leaving ptr intact. */
typedef void *(*weft_alloc_fn)(void *ud, void *ptr, size_t old_size, size_t new_size);

typedef struct weft_config {
    weft_alloc_fn alloc;         /* NULL: the C library's realloc/free */
    void *alloc_ud;
    uint32_t max_call_depth;     /* 0: default (10000) wasm frames per call; then "call stack exhausted" */
    uint64_t max_stack_bytes;    /* 0: default (64 MiB) of value stack per call */
    uint64_t max_memory_bytes;   /* 0: no limit beyond the module's own; memory.grow fails past it */
} weft_config_t;

/* Fills `cfg` with the defaults. */
void weft_config_init(weft_config_t *cfg);
/* `cfg` may be NULL for the defaults; it is copied. Returns NULL only if allocation fails. */
weft_engine_t *weft_engine_new(const weft_config_t *cfg);
/* Every module and store of the engine must be deleted first. */
void weft_engine_delete(weft_engine_t *engine);

/* A store owns instances and every runtime object. Returns NULL if allocation fails. */
weft_store_t *weft_store_new(weft_engine_t *engine);
void weft_store_delete(weft_store_t *store);

/* ---------------------------------------------------------------------------------------------
 * Values
 * ------------------------------------------------------------------------------------------- */

/* Value kinds use the binary encoding of the core value types. */
typedef enum weft_valkind {
    WEFT_I32 = 0x7F,
    WEFT_I64 = 0x7E,
    WEFT_F32 = 0x7D,
    WEFT_F64 = 0x7C,
    WEFT_V128 = 0x7B,
    WEFT_FUNCREF = 0x70,
    WEFT_EXTERNREF = 0x6F,
} weft_valkind_t;

typedef struct weft_val {
    uint32_t kind; /* a weft_valkind_t */
    union {
        int32_t i32;
        int64_t i64;
        uint32_t f32; /* bit pattern */
        uint64_t f64; /* bit pattern */
        uint8_t v128[16]; /* little-endian lane order */
        weft_func_t *funcref; /* NULL is ref.null func */
        void *externref;      /* NULL is ref.null extern; any other value is the host's */
    } of;
} weft_val_t;

/* ---------------------------------------------------------------------------------------------
 * Modules
 * ------------------------------------------------------------------------------------------- */

typedef enum weft_extern_kind {
    WEFT_EXTERN_FUNC = 0,
    WEFT_EXTERN_TABLE = 1,
    WEFT_EXTERN_MEMORY = 2,
    WEFT_EXTERN_GLOBAL = 3,
    WEFT_EXTERN_TAG = 4,
} weft_extern_kind_t;

/* Decodes and validates `bytes` (copied; the caller keeps its buffer). On success *out owns the
 * module; release it with weft_module_delete() after every instance made from it is gone
 * (instances keep a reference, so deleting earlier is allowed and deferred). Errors:
 * WEFT_ERROR_DECODE with the byte offset, WEFT_ERROR_VALIDATE naming function and offset. */
weft_error_t *weft_module_new(weft_engine_t *engine, const uint8_t *bytes, size_t len,
                              weft_module_t **out);
void weft_module_delete(weft_module_t *module);

/* Describes an import or export. Strings point into the module and live as long as it. */
typedef struct weft_extern_desc {
    const char *module; /* imports only; NULL for exports */
    size_t module_len;
    const char *name;
    size_t name_len;
    weft_extern_kind_t kind;
} weft_extern_desc_t;

size_t weft_module_import_count(const weft_module_t *module);
bool weft_module_import(const weft_module_t *module, size_t i, weft_extern_desc_t *out);
size_t weft_module_export_count(const weft_module_t *module);
bool weft_module_export(const weft_module_t *module, size_t i, weft_extern_desc_t *out);

/* ---------------------------------------------------------------------------------------------
 * Externs, instances
 * ------------------------------------------------------------------------------------------- */

typedef struct weft_extern {
    weft_extern_kind_t kind;
    union {
        weft_func_t *func;
        weft_table_t *table;
        weft_memory_t *memory;
        weft_global_t *global;
    } of;
} weft_extern_t;

/* Instantiates `module` in `store`. `imports` gives one extern per import, in the module's
 * import order. Runs the start function. On success *out is owned by the store. Errors:
 * WEFT_ERROR_LINK (wrong count, kind or type; the message names the import), WEFT_ERROR_TRAP
 * (a segment out of bounds or a trap in the start function; the instance's effects on shared
 * tables and memories remain, as the spec requires), WEFT_ERROR_OOM. */
weft_error_t *weft_instance_new(weft_store_t *store, const weft_module_t *module,
                                const weft_extern_t *imports, size_t nimports,
                                weft_instance_t **out);
/* Looks an export up by name; false if there is none. */
bool weft_instance_export(const weft_instance_t *instance, const char *name, size_t len,
                          weft_extern_t *out);
size_t weft_instance_export_count(const weft_instance_t *instance);
/* The i-th export in module order; name lives as long as the instance. */
bool weft_instance_export_nth(const weft_instance_t *instance, size_t i, const char **name,
                              size_t *name_len, weft_extern_t *out);

/* ---------------------------------------------------------------------------------------------
 * Functions and calls
 * ------------------------------------------------------------------------------------------- */

/* A host function. `args` has the function's parameter count and kinds; it must write every
 * result into `results` (kinds preset by the caller). Return NULL on success, or an error that
 * becomes the call's error (a WEFT_ERROR_TRAP with WEFT_TRAP_HOST, or WEFT_ERROR_EXIT, ...).
 * To suspend the calling wasm code, call weft_caller_suspend() and return NULL: the results are
 * then supplied later by weft_call_resume(). */
typedef weft_error_t *(*weft_host_fn)(void *env, weft_caller_t *caller, const weft_val_t *args,
                                      size_t nargs, weft_val_t *results, size_t nresults);

/* Creates a host function in `store`. `env_free` (may be NULL) is called on `env` when the
 * store is deleted. Returns NULL if allocation fails (env_free is then called at once). */
weft_func_t *weft_func_new(weft_store_t *store, const weft_valkind_t *params, size_t nparams,
                           const weft_valkind_t *results, size_t nresults, weft_host_fn fn,
                           void *env, void (*env_free)(void *));

size_t weft_func_param_count(const weft_func_t *func);
size_t weft_func_result_count(const weft_func_t *func);
weft_valkind_t weft_func_param(const weft_func_t *func, size_t i);
weft_valkind_t weft_func_result(const weft_func_t *func, size_t i);

/* Calls `func` to completion on the calling thread. `args` must match the parameter types and
 * `results` have room for the results. A trap returns a WEFT_ERROR_TRAP error with a backtrace.
 * A host function that suspends during this call is an error (use weft_call_* instead). */
weft_error_t *weft_func_call(weft_store_t *store, weft_func_t *func, const weft_val_t *args,
                             size_t nargs, weft_val_t *results, size_t nresults);

/* Inside a host function: the calling instance's memory `index` (NULL if it has none). */
weft_memory_t *weft_caller_memory(weft_caller_t *caller, uint32_t index);
/* Inside a host function: an export of the calling instance by name. */
bool weft_caller_export(weft_caller_t *caller, const char *name, size_t len, weft_extern_t *out);
weft_store_t *weft_caller_store(weft_caller_t *caller);
/* Inside a host function called through weft_call_run(): suspend the calling wasm code when the
 * host function returns. The suspended call resumes with weft_call_resume(). */
void weft_caller_suspend(weft_caller_t *caller);

/* Suspendable calls. A call owns its own wasm stack on the heap, so any number of calls can be
 * suspended at once and resumed in any order. */
typedef enum weft_call_state {
    WEFT_CALL_DONE = 0,      /* finished; results available */
    WEFT_CALL_SUSPENDED = 1, /* a host function suspended; resume with weft_call_resume() */
    WEFT_CALL_FAILED = 2,    /* trapped or failed; the error was returned */
} weft_call_state_t;

/* Prepares a call of `func` with `args` (copied). *out is owned by the caller. */
weft_error_t *weft_call_new(weft_store_t *store, weft_func_t *func, const weft_val_t *args,
                            size_t nargs, weft_call_t **out);
/* Runs the call until it finishes, fails or suspends. On failure *err receives the error. */
weft_call_state_t weft_call_run(weft_call_t *call, weft_error_t **err);
/* Supplies the results of the host function that suspended the call and runs it on, like
 * weft_call_run(). Misuse (not suspended, wrong arity or kinds) fails with INVALID_ARG. */
weft_call_state_t weft_call_resume(weft_call_t *call, const weft_val_t *host_results,
                                   size_t nresults, weft_error_t **err);
/* After WEFT_CALL_DONE: copies the results out. */
weft_error_t *weft_call_results(const weft_call_t *call, weft_val_t *results, size_t nresults);
/* Bytes of heap a (suspended) call holds. */
size_t weft_call_memory_usage(const weft_call_t *call);
void weft_call_delete(weft_call_t *call);

/* ---------------------------------------------------------------------------------------------
 * Memories, tables, globals
 * ------------------------------------------------------------------------------------------- */

/* Creates a memory of `min` pages (64 KiB) and at most `max` pages (`has_max`). */
weft_error_t *weft_memory_new(weft_store_t *store, uint64_t min, uint64_t max, bool has_max,
                              weft_memory_t **out);
/* The base of linear memory. Valid until the memory grows (any call into wasm may grow it). */
uint8_t *weft_memory_data(weft_memory_t *memory);
uint64_t weft_memory_size(const weft_memory_t *memory); /* bytes */
/* Grows by `delta` pages; returns the old size in pages, or -1 on failure. */
int64_t weft_memory_grow(weft_memory_t *memory, uint64_t delta);

weft_error_t *weft_table_new(weft_store_t *store, weft_valkind_t elem, uint64_t min, uint64_t max,
                             bool has_max, weft_val_t init, weft_table_t **out);
uint64_t weft_table_size(const weft_table_t *table);
weft_error_t *weft_table_get(weft_table_t *table, uint64_t index, weft_val_t *out);
weft_error_t *weft_table_set(weft_table_t *table, uint64_t index, weft_val_t val);
/* Returns the old size, or -1 on failure. */
int64_t weft_table_grow(weft_table_t *table, uint64_t delta, weft_val_t init);

weft_error_t *weft_global_new(weft_store_t *store, weft_valkind_t kind, bool mutable_,
                              weft_val_t init, weft_global_t **out);
void weft_global_get(const weft_global_t *global, weft_val_t *out);
/* Fails on an immutable global or a kind mismatch. */
weft_error_t *weft_global_set(weft_global_t *global, weft_val_t val);

/* ---------------------------------------------------------------------------------------------
 * WASI preview 1
 * ------------------------------------------------------------------------------------------- */

typedef struct weft_wasi weft_wasi_t;

/* A WASI preview 1 context: arguments, environment, preopened directories, stdio. Owned by the
 * caller; must outlive every instance that imports from it. Returns NULL if allocation fails. */
weft_wasi_t *weft_wasi_new(weft_engine_t *engine);
void weft_wasi_delete(weft_wasi_t *wasi);
/* Copies the strings. Errors: WEFT_ERROR_OOM. */
weft_error_t *weft_wasi_set_args(weft_wasi_t *wasi, const char *const *argv, size_t argc);
weft_error_t *weft_wasi_add_env(weft_wasi_t *wasi, const char *key, const char *value);
/* Makes host directory `host_path` visible to the guest as `guest_path`. Errors: WEFT_ERROR_IO
 * if it cannot be opened. */
weft_error_t *weft_wasi_preopen(weft_wasi_t *wasi, const char *host_path, const char *guest_path);
/* Builds, for each import of `module` from "wasi_snapshot_preview1", the matching host
 * function in `store`, and for other imports leaves imports[i].of.func NULL. `imports` must
 * have weft_module_import_count() entries. Errors: WEFT_ERROR_LINK for an unknown WASI name. */
weft_error_t *weft_wasi_link(weft_wasi_t *wasi, weft_store_t *store, const weft_module_t *module,
                             weft_extern_t *imports);

#ifdef __cplusplus
}
#endif
#endif /* WEFT_H */
