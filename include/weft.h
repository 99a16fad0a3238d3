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
typedef struct weft_tag weft_tag_t; /* an exception tag (Wasm 3.0 exception handling) */
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
    WEFT_TRAP_INTERRUPTED,          /* "interrupted" (deadline or weft_store_interrupt) */
    WEFT_TRAP_HOST,                 /* a host function failed; the message says why */
    WEFT_TRAP_UNCAUGHT_EXCEPTION,   /* "uncaught exception" (Wasm 3.0 exception handling) */
    WEFT_TRAP_CAST_FAILURE,         /* "cast failure" (Wasm 3.0 GC) */
    WEFT_TRAP_OUT_OF_FUEL,          /* "all fuel consumed" (weft_store_set_fuel) */
    WEFT_TRAP_TASK_LIMIT,           /* "too many tasks in flight" (weft_store_set_async_limits) */
    WEFT_TRAP_HANDLE_LIMIT,         /* "too many async handles" (weft_store_set_async_limits) */
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
    uint32_t disabled_features;  /* WEFT_FEATURE_* bits to reject; 0: every supported feature */
    /* 0: no limit beyond the table's own maximum. Else no table of the engine's stores (of a
     * module, a component's core module, or weft_table_new) holds more elements: making one
     * that starts larger fails (WEFT_ERROR_OOM, "table of N elements exceeds the limit ..."),
     * table.grow and weft_table_grow past it fail (-1), counted by
     * weft_store_table_limit_refusals(). */
    uint64_t max_table_elements;
    /* false (default): a module's function bodies are validated when it is made but translated
     * to the interpreter's code on each function's first call (a translation failure, such as
     * running out of memory, then fails that call); true: every body is translated up front. */
    bool eager_compile;
    /* 0: no limit. Else a store holds at most this many core module instances (those made by
     * weft_instance_new() and those a component instantiation makes for its core modules);
     * one more fails with WEFT_ERROR_OOM, "instance limit reached ...". */
    uint32_t max_instances;
} weft_config_t;

/* Wasm 3.0 features a module may use (weft_config_t.disabled_features turns them off; with
 * WEFT_FEATURES_POST_WASM2 all off the decoder and validator follow Wasm 2.0 exactly). */
#define WEFT_FEATURE_MULTI_MEMORY 0x01u  /* several memories, memory indices in instructions */
#define WEFT_FEATURE_EXCEPTIONS 0x02u    /* tags, throw, throw_ref, try_table, exnref */
#define WEFT_FEATURE_TAIL_CALL 0x04u     /* return_call, return_call_indirect */
#define WEFT_FEATURE_EXTENDED_CONST 0x08u /* i32/i64 add, sub, mul and more globals in constants */
#define WEFT_FEATURE_MEMORY64 0x10u      /* 64-bit memories and tables */
#define WEFT_FEATURE_LEGACY_EXCEPTIONS 0x20u /* try, catch, catch_all, delegate, rethrow */
#define WEFT_FEATURES_WASM3 0x3Fu
/* Past Wasm 3.0: shared memories of the threads proposal (limits flags 0x03, 0x07), typed and
 * linked as ordinary memories; atomic instructions stay unsupported. */
#define WEFT_FEATURE_SHARED_MEMORY 0x40u
/* Every feature past Wasm 2.0: disabling these makes the decoder and validator follow Wasm 2.0. */
#define WEFT_FEATURES_POST_WASM2 (WEFT_FEATURES_WASM3 | WEFT_FEATURE_SHARED_MEMORY)
/* Wasm 3.0 typed function references: (ref null? ht) value types, recursive type groups and
 * subtypes of function types, call_ref, return_call_ref, ref.as_non_null, br_on_null,
 * br_on_non_null, table initialisers. Also off whenever every WEFT_FEATURES_POST_WASM2 bit is. */
#define WEFT_FEATURE_FUNCTION_REFERENCES 0x80u

/* Fills `cfg` with the defaults. */
void weft_config_init(weft_config_t *cfg);
/* `cfg` may be NULL for the defaults; it is copied. Returns NULL only if allocation fails. */
weft_engine_t *weft_engine_new(const weft_config_t *cfg);
/* Every module and store of the engine must be deleted first. */
void weft_engine_delete(weft_engine_t *engine);

/* A store owns instances and every runtime object. Returns NULL if allocation fails. */
weft_store_t *weft_store_new(weft_engine_t *engine);
void weft_store_delete(weft_store_t *store);

/* Interruption of running wasm code. Every call into wasm of a store counts work units: one per
 * wasm-to-wasm call (and tail call) and one per taken branch, so every loop iteration and
 * every recursion counts; the entry of the outermost function of a call is not counted. The checks
 * cost one decrement-and-branch per unit; fuel, the deadline and the interrupt flag are
 * examined together every few thousand units (WEFT_INTERRUPT_CHECK_UNITS), which bounds how
 * late a deadline or an interrupt is noticed.
 *
 * Fuel: a budget of units for the store, shared by all its calls (nested and suspended ones
 * too); a fresh store has unlimited fuel (WEFT_FUEL_UNLIMITED). With fuel N, exactly N units
 * run and the next one traps with WEFT_TRAP_OUT_OF_FUEL ("all fuel consumed"); the remaining
 * fuel is exact whenever wasm is not running (between calls, in host functions, while a call
 * is suspended). Setting WEFT_FUEL_UNLIMITED turns metering off. */
#define WEFT_FUEL_UNLIMITED UINT64_MAX
#define WEFT_INTERRUPT_CHECK_UNITS 4096u
void weft_store_set_fuel(weft_store_t *store, uint64_t fuel);
/* Fuel left; WEFT_FUEL_UNLIMITED when metering is off. */
uint64_t weft_store_get_fuel(const weft_store_t *store);

/* How many memory.grow requests (from guests or weft_memory_grow) in the store failed only
 * because of the engine's max_memory_bytes limit, not the memory's own maximum: a host can tell
 * a guest that failed at the limit from one that failed for its own reasons. */
uint64_t weft_store_memory_limit_refusals(const weft_store_t *store);
/* The same for table.grow requests (from guests or weft_table_grow) that failed only because
 * of the engine's max_table_elements limit. */
uint64_t weft_store_table_limit_refusals(const weft_store_t *store);
/* Deadline: once weft_monotonic_ns() reaches `deadline_ns`, running wasm code of the store
 * traps with WEFT_TRAP_INTERRUPTED ("interrupted"), and so does every later call until the
 * deadline is changed. 0 removes the deadline (the default). */
void weft_store_set_deadline_ns(weft_store_t *store, uint64_t deadline_ns);
/* The clock deadlines are measured on: CLOCK_MONOTONIC, in nanoseconds. */
uint64_t weft_monotonic_ns(void);
/* Asks wasm code running in `store` to stop: it traps with WEFT_TRAP_INTERRUPTED, which
 * consumes the request. The only store function that may be called from any thread, at any
 * time (it sets an atomic flag), e.g. from a watchdog thread or a signal handler. A request
 * made while no wasm code runs stops the next call into the store; a store whose event loop
 * sleeps (weft_store_run, weft_task_wait) is woken, and the wait ends with that trap. */
void weft_store_interrupt(weft_store_t *store);

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
        weft_tag_t *tag; /* WEFT_EXTERN_TAG: linked by identity (and type) */
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

/* ---------------------------------------------------------------------------------------------
 * Components (the Component Model: Explainer.md, CanonicalABI.md; synchronous calls only)
 *
 * A component is decoded, validated and its core modules compiled by weft_component_new().
 * Instances live in a store like core instances (owned by it, freed by weft_store_delete()).
 * Functions take and return component values (weft_cval_t): tagged nodes whose strings and
 * aggregates live in an arena (weft_cval_arena_t) freed at once.
 * ------------------------------------------------------------------------------------------- */

typedef struct weft_component weft_component_t;
typedef struct weft_component_instance weft_component_instance_t;
typedef struct weft_component_func weft_component_func_t;
typedef struct weft_component_linker weft_component_linker_t;
typedef struct weft_cval_arena weft_cval_arena_t;
typedef struct weft_cval weft_cval_t;

/* The kind of a value = the kind of its (despecialized-aware) type. */
typedef enum weft_cval_kind {
    WEFT_CVAL_BOOL = 1,
    WEFT_CVAL_S8,
    WEFT_CVAL_U8,
    WEFT_CVAL_S16,
    WEFT_CVAL_U16,
    WEFT_CVAL_S32,
    WEFT_CVAL_U32,
    WEFT_CVAL_S64,
    WEFT_CVAL_U64,
    WEFT_CVAL_F32,
    WEFT_CVAL_F64,
    WEFT_CVAL_CHAR,
    WEFT_CVAL_STRING,
    WEFT_CVAL_ERROR_CONTEXT,
    WEFT_CVAL_LIST,       /* agg: the elements */
    WEFT_CVAL_FIXED_LIST, /* agg: the elements */
    WEFT_CVAL_RECORD,     /* agg: one item per field, in type order */
    WEFT_CVAL_TUPLE,      /* agg */
    WEFT_CVAL_VARIANT,    /* var: case index, payload or NULL */
    WEFT_CVAL_ENUM,       /* var (no payload) */
    WEFT_CVAL_OPTION,     /* var: 0 none, 1 some */
    WEFT_CVAL_RESULT,     /* var: 0 ok, 1 error */
    WEFT_CVAL_FLAGS,      /* flags: bit i = label i */
    WEFT_CVAL_OWN,        /* rep: the resource's representation */
    WEFT_CVAL_BORROW,     /* rep */
    WEFT_CVAL_STREAM,     /* handle (async; not supported by synchronous calls) */
    WEFT_CVAL_FUTURE,     /* handle (async) */
    WEFT_CVAL_MAP,        /* agg: tuple<key, value> elements */
} weft_cval_kind_t;

/* String encodings of weft_cstring_t (CanonicalABI.md string-encoding). */
typedef enum weft_cstring_encoding {
    WEFT_CSTRING_UTF8 = 0,
    WEFT_CSTRING_UTF16 = 1,        /* little-endian code units */
    WEFT_CSTRING_LATIN1_UTF16 = 2, /* latin1 unless tagged_code_units has bit 31 (then utf16) */
} weft_cstring_encoding_t;

/* A string: its code units in `encoding`; `tagged_code_units` counts code units (bytes for
 * UTF-8 and Latin-1, 16-bit units for UTF-16), with bit 31 set for UTF-16 under
 * WEFT_CSTRING_LATIN1_UTF16. The bytes need not be NUL-terminated. */
typedef struct weft_cstring {
    const uint8_t *bytes;
    uint32_t tagged_code_units;
    uint8_t encoding; /* weft_cstring_encoding_t */
} weft_cstring_t;

struct weft_cval {
    uint8_t kind; /* weft_cval_kind_t */
    union {
        bool b;
        int64_t s;       /* s8..s64 */
        uint64_t u;      /* u8..u64 */
        uint32_t f32;    /* bit pattern */
        uint64_t f64;    /* bit pattern */
        uint32_t ch;     /* a Unicode scalar value */
        uint32_t flags;  /* bit i = label i */
        uint32_t rep;    /* own, borrow */
        uint32_t handle; /* stream, future, error-context: opaque */
        weft_cstring_t str;
        struct {
            uint32_t len;
            weft_cval_t *items;
        } agg;           /* record, tuple, list, fixed list, map */
        struct {
            uint32_t index;       /* the case */
            weft_cval_t *payload; /* NULL when the case has no payload */
        } var;           /* variant, enum, option, result */
    } u;
};

/* An arena for values. NULL if allocation fails. Owned by the caller. */
weft_cval_arena_t *weft_cval_arena_new(weft_engine_t *engine);
/* Frees every value allocated from the arena; it stays usable. */
void weft_cval_arena_reset(weft_cval_arena_t *arena);
void weft_cval_arena_delete(weft_cval_arena_t *arena);
/* n zero-filled value nodes (for aggregates and payloads), living until the arena is reset or
 * deleted; NULL if allocation fails. */
weft_cval_t *weft_cval_alloc(weft_cval_arena_t *arena, size_t n);
/* Makes *out a string value holding a copy of the UTF-8 bytes (not checked here; lowering a
 * string that is not valid UTF-8 fails). False if allocation fails. */
bool weft_cval_set_string(weft_cval_arena_t *arena, const char *utf8, size_t len,
                          weft_cval_t *out);
/* The string value `v` as UTF-8, allocated in `arena` (NUL-terminated, *len excludes the NUL).
 * False if `v` is not a string or allocation fails. */
bool weft_cval_string_utf8(weft_cval_arena_t *arena, const weft_cval_t *v, const char **utf8,
                           size_t *len);
/* Structural equality: same kinds and contents; strings compare by their characters whatever
 * their encodings, floats by bit pattern except that any two NaNs are equal. */
bool weft_cval_equal(const weft_cval_t *a, const weft_cval_t *b);

/* True if `bytes` starts with a component preamble (rather than a core module's). */
bool weft_is_component(const uint8_t *bytes, size_t len);

/* Decodes and validates a component binary (copied) and compiles its core modules. On success
 * *out is owned by the caller; weft_component_delete() may be called while instances made from
 * it live (they keep a reference). Errors: WEFT_ERROR_DECODE (byte offset), WEFT_ERROR_VALIDATE
 * (byte offset, reason), WEFT_ERROR_OOM. */
weft_error_t *weft_component_new(weft_engine_t *engine, const uint8_t *bytes, size_t len,
                                 weft_component_t **out);
/* Like weft_component_new(), but without copying `bytes` (a binary of many megabytes then
 * costs neither the copy nor its page faults): the component refers to them, for its function
 * bodies (translated on first call) and names, so they must stay valid and unchanged until the
 * component and every instance made from it are deleted. Same errors. */
weft_error_t *weft_component_new_borrowed(weft_engine_t *engine, const uint8_t *bytes,
                                          size_t len, weft_component_t **out);
void weft_component_delete(weft_component_t *component);

/* A host function implementing a component function import. `args` holds one value per
 * parameter (of the import's types; strings and aggregates live only during the call). The
 * function writes its result, if the type has one, to results[0] (nresults is 0 or 1),
 * allocating strings and aggregates from `arena`. Returning an error makes the calling
 * component trap with it (its instance is then poisoned, as after any trap). */
typedef weft_error_t *(*weft_component_host_fn)(void *env, weft_store_t *store,
                                                const weft_cval_t *args, size_t nargs,
                                                weft_cval_t *results, size_t nresults,
                                                weft_cval_arena_t *arena);

/* An error for a host function (weft_component_host_fn or weft_host_fn) to return: a
 * WEFT_ERROR_TRAP with trap code WEFT_TRAP_HOST and a copy of the NUL-terminated `message`,
 * allocated with the allocator of `store` (NULL: the C library's). Never NULL: when allocation
 * fails it returns the out-of-memory error. */
weft_error_t *weft_trap_new(weft_store_t *store, const char *message);

/* The imports given to weft_component_instance_new(): named host functions, host resource
 * types and instances of other components. A linker is owned by the caller and may be used for
 * any number of instantiations (in stores of its engine); it must outlive the instances whose
 * host functions it defined unless those are only called while it lives. NULL on OOM. */
weft_component_linker_t *weft_component_linker_new(weft_engine_t *engine);
void weft_component_linker_delete(weft_component_linker_t *linker);
/* Defines a host function. `instance` (with `instance_len`) names the imported instance that
 * exports it ("wasi:cli/stdout", ...), or is NULL for a top-level function import named `name`.
 * `env_free` (may be NULL) is called on `env` when the linker is deleted. Redefining a name
 * replaces it. Errors: WEFT_ERROR_OOM (env_free is then called at once). */
weft_error_t *weft_component_linker_define_func(weft_component_linker_t *linker,
                                                const char *instance, size_t instance_len,
                                                const char *name, size_t name_len,
                                                weft_component_host_fn fn, void *env,
                                                void (*env_free)(void *));
/* Defines a host resource type (an import `(type (sub resource))`) named `name` in `instance`
 * (NULL: top level). Values of own/borrow of it carry the host's rep. `dtor` (may be NULL) runs
 * when a component drops an own handle of it. */
weft_error_t *weft_component_linker_define_resource(weft_component_linker_t *linker,
                                                    const char *instance, size_t instance_len,
                                                    const char *name, size_t name_len,
                                                    void (*dtor)(void *env, uint32_t rep),
                                                    void *env);
/* Defines a top-level import `name` satisfied by an instance of another component (or an
 * instance it exports): its exports supply the import's exports. The instance must be in the
 * store later given to weft_component_instance_new(). */
weft_error_t *weft_component_linker_define_instance(weft_component_linker_t *linker,
                                                    const char *name, size_t name_len,
                                                    weft_component_instance_t *instance);
/* Defines a function import (in `instance`, or top level when NULL) satisfied by a function of
 * another component instance. */
weft_error_t *weft_component_linker_define_component_func(weft_component_linker_t *linker,
                                                          const char *instance,
                                                          size_t instance_len, const char *name,
                                                          size_t name_len,
                                                          weft_component_func_t *func);

/* Instantiates `component` in `store` with the imports of `linker` (NULL: no imports), replaying
 * its definitions in order (core instantiations, nested component instantiations, canon
 * definitions, the start functions of core modules). On success *out is owned by the store.
 * Errors: WEFT_ERROR_LINK (a missing or mistyped import; the message names it), WEFT_ERROR_TRAP
 * (a trap during instantiation), WEFT_ERROR_OOM. */
weft_error_t *weft_component_instance_new(weft_store_t *store, const weft_component_t *component,
                                          const weft_component_linker_t *linker,
                                          weft_component_instance_t **out);

/* The kinds of a component instance's exports. */
typedef enum weft_component_extern_kind {
    WEFT_COMPONENT_EXTERN_MODULE = 0,
    WEFT_COMPONENT_EXTERN_FUNC = 1,
    WEFT_COMPONENT_EXTERN_VALUE = 2,
    WEFT_COMPONENT_EXTERN_TYPE = 3,
    WEFT_COMPONENT_EXTERN_COMPONENT = 4,
    WEFT_COMPONENT_EXTERN_INSTANCE = 5,
} weft_component_extern_kind_t;

size_t weft_component_instance_export_count(const weft_component_instance_t *instance);
/* The i-th export: its name (lives as long as the instance) and kind. False if out of range. */
bool weft_component_instance_export_nth(const weft_component_instance_t *instance, size_t i,
                                        const char **name, size_t *name_len,
                                        weft_component_extern_kind_t *kind);
/* An exported function by name; false if there is none (or the export is not a function). */
bool weft_component_instance_func(const weft_component_instance_t *instance, const char *name,
                                  size_t len, weft_component_func_t **out);
/* An exported instance by name (for nested lookups: instance, then function); false if none. */
bool weft_component_instance_instance(const weft_component_instance_t *instance,
                                      const char *name, size_t len,
                                      weft_component_instance_t **out);

/* The function's parameter count, and result count (0 or 1). */
size_t weft_component_func_param_count(const weft_component_func_t *func);
size_t weft_component_func_result_count(const weft_component_func_t *func);
/* The kind of parameter i / of the result (0 when out of range). */
weft_cval_kind_t weft_component_func_param_kind(const weft_component_func_t *func, size_t i);
weft_cval_kind_t weft_component_func_result_kind(const weft_component_func_t *func);

/* Calls a component function synchronously: `args` must match the parameter types (checked:
 * WEFT_ERROR_INVALID_ARG), `results` has room for nresults (>= the result count). Results'
 * strings and aggregates are allocated in `arena` (owned by the caller). The callee's
 * post-return function runs before this returns. Errors: WEFT_ERROR_TRAP (a trap, with the
 * Canonical ABI's message, e.g. "cannot enter component instance"; the instance is poisoned:
 * every later call into it traps), WEFT_ERROR_OOM, WEFT_ERROR_INVALID_ARG. */
weft_error_t *weft_component_func_call(weft_store_t *store, weft_component_func_t *func,
                                       const weft_cval_t *args, size_t nargs,
                                       weft_cval_t *results, size_t nresults,
                                       weft_cval_arena_t *arena);

/* The typed fast path for hot calls of an exported (lifted, synchronous) function whose
 * parameters and result are all scalars: bool, s8..u64, f32, f64, char. Values are core-typed
 * weft_val_t, one per parameter and for the result: WEFT_I32 for bool, 8/16/32-bit integers
 * and char, WEFT_I64 for s64/u64, WEFT_F32/WEFT_F64 (bit patterns) for floats. Nothing is
 * allocated and no weft_cval_t or arena is involved. Arguments are checked as the Canonical
 * ABI would lower typed values: a u8/u16 must be in 0..255/0..65535, an s8/s16 in its signed
 * range (as int32), a char a Unicode scalar value; a bool is any i32 (nonzero is true, passed
 * as 1); NaNs are passed canonical. The result is lifted as the ABI does: integers wrapped to
 * their type (zero- or sign-extended in the i32), bools as 0/1, NaNs canonicalised, and a
 * char outside the Unicode scalar values traps. `args` and `result` are only read/written
 * during the call (nresults >= the result count, 0 or 1). Same entry rules as
 * weft_component_func_call(): a trap poisons the instance, a call into a poisoned instance or
 * one already entered traps ("cannot enter component instance"), post-return runs before this
 * returns. Same thread rules as every store function. Errors: WEFT_ERROR_INVALID_ARG (not a
 * lifted scalar function, an async function, wrong count, kind or range of an argument; no
 * call is made), WEFT_ERROR_TRAP, WEFT_ERROR_OOM. */
weft_error_t *weft_component_func_call_scalar(weft_store_t *store, weft_component_func_t *func,
                                              const weft_val_t *args, size_t nargs,
                                              weft_val_t *result, size_t nresults);
/* Whether weft_component_func_call_scalar() accepts `func`. */
bool weft_component_func_is_scalar(const weft_component_func_t *func);


/* ---------------------------------------------------------------------------------------------
 * Component Model async (CanonicalABI.md "Concurrency", Concurrency.md): host functions that
 * complete later, tasks the host starts and waits for, streams and futures the host reads and
 * writes, and the store's event loop.
 *
 * Handles. Every async object the host holds (a task it started, a pending call of one of its
 * async functions, a stream or future end, a timer, an error context) is named by a
 * weft_async_handle_t local to its store. 0 is never a valid handle. A handle becomes invalid
 * when its object is deleted, completed or fired (as each function says); using it afterwards,
 * or using a handle of another kind, fails with WEFT_ERROR_INVALID_ARG ("unknown async handle"
 * / "async handle of the wrong kind") rather than touching freed memory, until its slot has
 * been reused 4095 times. The stream/future/error-context values of weft_cval_t
 * (`u.handle`) carry these handles: a value the guest returns (or passes to a host function)
 * hands its readable end to the host, and a value the host passes into a call hands the end to
 * the guest (the host's handle is then invalid). Everything is freed with the store.
 *
 * Threads. All of it runs on the thread using the store ("the loop thread"), like the rest of
 * the store API; the one exception is weft_store_wake(), callable from any thread. Callbacks
 * (timers, notifications) are only ever called from inside weft_store_run(),
 * or weft_task_wait() on the loop thread, never from another thread and
 * never from inside a call into wasm; they may use every function of this section.
 *
 * Errors specific to this section: WEFT_ERROR_TRAP with WEFT_TRAP_TASK_LIMIT or
 * WEFT_TRAP_HANDLE_LIMIT when a limit of weft_store_set_async_limits() is reached (returned to
 * the host by the function that would exceed it, or trapping the guest whose action would).
 * ------------------------------------------------------------------------------------------- */

typedef uint32_t weft_async_handle_t;
struct weft_ty_val; /* a component value type: weft_cval_type_t (declared below) */

/* Called on the loop thread when the object of `handle` has news for the host (see
 * weft_async_set_notify). */
typedef void (*weft_async_notify_fn)(void *data, weft_store_t *store, weft_async_handle_t handle);

/* Registers `fn` (NULL: none) to be called with `data` when: a task resolves (returned,
 * cancelled or failed); the guest requests cancellation of a pending host call; a stream or
 * future copy of the host finishes or makes progress (weft_stream_poll then reports it). One
 * callback per handle; a later call replaces it. The call happens from the next
 * weft_store_run()/weft_task_wait() after the event, at most once per event. Errors:
 * WEFT_ERROR_INVALID_ARG (unknown handle, or a timer or error context). */
weft_error_t *weft_async_set_notify(weft_store_t *store, weft_async_handle_t handle,
                                    weft_async_notify_fn fn, void *data);

/* ---- async host functions ---------------------------------------------------------------- */

/* An async host function: called when a component calls the import (with `async` or not).
 * `args` (the import's parameter types) live until the call is completed, failed or
 * cancelled. `call` is the completion token: the function (now, or later from the host's loop)
 * calls exactly one of weft_host_call_complete(), weft_host_call_fail() or, after the guest
 * asked for cancellation, weft_host_call_cancel(). Returning an error instead makes the
 * calling component trap at once (the token is then invalid). A caller that used `canon lower
 * ... async` goes on meanwhile; a synchronous caller blocks (its other threads and tasks run).
 * Called directly by weft_component_func_call() the function must complete before it returns,
 * else that call fails with WEFT_ERROR_INVALID_ARG. */
typedef weft_error_t *(*weft_component_async_host_fn)(void *env, weft_store_t *store,
                                                      const weft_cval_t *args, size_t nargs,
                                                      weft_async_handle_t call);

/* Defines an async host function, like weft_component_linker_define_func() (same naming,
 * `env_free` and errors). */
weft_error_t *weft_component_linker_define_async_func(weft_component_linker_t *linker,
                                                      const char *instance, size_t instance_len,
                                                      const char *name, size_t name_len,
                                                      weft_component_async_host_fn fn,
                                                      void *env, void (*env_free)(void *));

/* Definitions by full import name: `full_name` (with `len`, not NUL-terminated, not retained)
 * is "INSTANCE#NAME", split at its last '#' (e.g. "wasi:cli/environment@0.2.0#get-environment"
 * defines get-environment in wasi:cli/environment@0.2.0), or, without '#', a top-level import
 * name. Otherwise exactly like weft_component_linker_define_func() / _async_func() /
 * _resource(): same ownership of `env` (`env_free`, when given, is called on every failure,
 * including a bad name), same lifetime and replacement rules. Like every linker function they
 * must not run concurrently with other uses of the same linker. Errors: WEFT_ERROR_INVALID_ARG
 * ("... empty instance name before '#'", "... empty function (after '#') name", "... empty
 * import name", NULL name with a nonzero length, NULL linker or fn), WEFT_ERROR_OOM. */
weft_error_t *weft_component_linker_define_func_full(weft_component_linker_t *linker,
                                                     const char *full_name, size_t len,
                                                     weft_component_host_fn fn, void *env,
                                                     void (*env_free)(void *));
weft_error_t *weft_component_linker_define_async_func_full(weft_component_linker_t *linker,
                                                           const char *full_name, size_t len,
                                                           weft_component_async_host_fn fn,
                                                           void *env, void (*env_free)(void *));
weft_error_t *weft_component_linker_define_resource_full(weft_component_linker_t *linker,
                                                         const char *full_name, size_t len,
                                                         void (*dtor)(void *env, uint32_t rep),
                                                         void *env);

/* Completes pending call `call` with its result (nresults is 1 when the import's type has a
 * result, else 0; the value is checked against the type and copied, so `results` need not
 * outlive this call). The result reaches the guest at the next weft_store_run() (or at once
 * when called from inside the host function). `call` is invalid afterwards. Errors:
 * WEFT_ERROR_INVALID_ARG (unknown handle, e.g. completed twice; wrong result count or type:
 * the call stays pending), WEFT_ERROR_OOM. */
weft_error_t *weft_host_call_complete(weft_store_t *store, weft_async_handle_t call,
                                      const weft_cval_t *results, size_t nresults);
/* Fails pending call `call`: the calling component traps with a WEFT_TRAP_HOST error carrying
 * `message` (NUL-terminated, copied), which the next weft_store_run() returns; its instance
 * is poisoned. `call` is invalid afterwards. Errors: WEFT_ERROR_INVALID_ARG (unknown handle). */
weft_error_t *weft_host_call_fail(weft_store_t *store, weft_async_handle_t call,
                                  const char *message);
/* True once the caller asked to cancel `call` (`subtask.cancel`); false otherwise and for an
 * invalid handle. The host then either completes the call anyway or calls
 * weft_host_call_cancel(). */
bool weft_host_call_cancel_requested(const weft_store_t *store, weft_async_handle_t call);
/* Resolves `call` as cancelled before returning (the caller sees CANCELLED_BEFORE_RETURNED).
 * Only after cancellation was requested. `call` is invalid afterwards. Errors:
 * WEFT_ERROR_INVALID_ARG (unknown handle, or no cancellation requested). */
weft_error_t *weft_host_call_cancel(weft_store_t *store, weft_async_handle_t call);

/* ---- tasks started by the host ----------------------------------------------------------- */

typedef enum weft_task_state {
    WEFT_TASK_PENDING = 0,   /* started (or waiting to start: backpressure), not resolved */
    WEFT_TASK_RETURNED = 1,  /* the result is available: weft_task_results() */
    WEFT_TASK_CANCELLED = 2, /* resolved by cancellation (task.cancel) without a result */
    WEFT_TASK_FAILED = 3,    /* trapped (its instance is poisoned): weft_task_error() */
} weft_task_state_t;

/* Starts a call of `func` (an export of a component instance in `store`) and returns at the
 * first point where it blocks, or when it finished: *task receives its handle. Any number of
 * tasks may be in flight; they progress in weft_store_run() / weft_task_wait(). `args` are
 * checked (as weft_component_func_call) and copied. A synchronously-typed function runs here
 * until it returns or blocks on a call of an async host function that did not complete at once
 * (then it goes on, like an async one, once the host completes the call). A trap while starting makes the task WEFT_TASK_FAILED (not an error here); a
 * trap after it returned leaves it WEFT_TASK_RETURNED and is given by weft_task_error().
 * Errors: WEFT_ERROR_INVALID_ARG (arguments), WEFT_ERROR_TRAP ("cannot enter component
 * instance": the instance is poisoned or a synchronous call into it is in progress;
 * WEFT_TRAP_TASK_LIMIT, WEFT_TRAP_HANDLE_LIMIT), WEFT_ERROR_OOM. */
weft_error_t *weft_task_start(weft_store_t *store, weft_component_func_t *func,
                              const weft_cval_t *args, size_t nargs, weft_async_handle_t *task);
/* The state of `task`; WEFT_TASK_FAILED also for an invalid handle. Never blocks. */
weft_task_state_t weft_task_state(const weft_store_t *store, weft_async_handle_t task);
/* After WEFT_TASK_RETURNED: copies the result (nresults >= the function's result count) with
 * its strings and aggregates allocated in `arena`. Errors: WEFT_ERROR_INVALID_ARG (unknown
 * handle, task not returned, too few results), WEFT_ERROR_OOM. */
weft_error_t *weft_task_results(const weft_store_t *store, weft_async_handle_t task,
                                weft_cval_t *results, size_t nresults, weft_cval_arena_t *arena);
/* After WEFT_TASK_FAILED: a copy of the failure (owned by the caller). A task whose instance
 * trapped after it returned or was cancelled (its own code went on after task.return, or
 * another task of the instance trapped) stays WEFT_TASK_RETURNED / WEFT_TASK_CANCELLED, but
 * this gives that trap: the only report of a trap inside weft_task_start() after the task
 * returned (a trap inside weft_store_run() or weft_task_wait() is also their error). NULL
 * otherwise, and for an invalid handle. The copy has no backtrace. */
weft_error_t *weft_task_error(const weft_store_t *store, weft_async_handle_t task);
/* Requests cancellation of a pending task (Task.request_cancellation): the guest is told
 * (TASK_CANCELLED event, or the cancel of its blocking built-in) and either returns a value
 * or calls task.cancel. A no-op on a resolved task or a second request. Guest code may run
 * here. Errors: WEFT_ERROR_INVALID_ARG (unknown handle), WEFT_ERROR_TRAP (a trap in the guest
 * while it is told; the task then fails). */
weft_error_t *weft_task_cancel(weft_store_t *store, weft_async_handle_t task);
/* Runs the event loop (weft_store_run in WEFT_RUN_UNTIL_IDLE fashion: timers included) until
 * `task` resolves. Errors: WEFT_ERROR_INVALID_ARG (unknown handle), WEFT_ERROR_TRAP with the
 * spec's "deadlock detected: event loop cannot make further progress" when nothing can run,
 * no timer or descriptor watcher is pending and the task is not resolved (the task stays
 * pending: the host may complete its calls and wait again), WEFT_ERROR_TRAP with
 * WEFT_TRAP_INTERRUPTED when the store's deadline passes (or weft_store_interrupt() is called:
 * it also ends a sleep of the loop) while it waits, or a trap of any guest
 * code that ran. Returns NULL once the task is resolved, whatever its state. */
weft_error_t *weft_task_wait(weft_store_t *store, weft_async_handle_t task);
/* Releases `task`. A pending task is asked to cancel and goes on without an observer; its
 * records are freed when it resolves. `task` is invalid afterwards. Errors:
 * WEFT_ERROR_INVALID_ARG (unknown handle). */
weft_error_t *weft_task_delete(weft_store_t *store, weft_async_handle_t task);

/* ---- streams and futures held by the host ------------------------------------------------ */

/* The state of the host's last copy on an end, as weft_stream_poll() reports it. */
typedef enum weft_stream_state {
    WEFT_STREAM_IDLE = 0,      /* no copy started (or its result was already polled) */
    WEFT_STREAM_PENDING = 1,   /* started, waiting for the other end */
    WEFT_STREAM_COMPLETED = 2, /* `count` elements copied (a stream copy may be partial) */
    WEFT_STREAM_DROPPED = 3,   /* the other end was dropped (after `count` elements): no more */
    WEFT_STREAM_CANCELLED = 4, /* cancelled by weft_stream_cancel (after `count` elements) */
} weft_stream_state_t;

typedef struct weft_stream_status {
    weft_stream_state_t state;
    uint32_t count;            /* elements copied by the copy */
    const weft_cval_t *values; /* a read: the `count` elements read (NULL for a write or a
                                  stream without element type); they live until the next read
                                  on, or the drop of, this end */
} weft_stream_status_t;

/* Makes a stream (weft_stream_new) or future (weft_future_new) of `type` (a stream<T> or
 * future<T> type, e.g. from weft_component_func_param_type) whose two ends the host holds:
 * *readable and *writable. Pass the readable end to a component as a stream/future argument
 * and write into the writable end (only readable ends move between the host and components).
 * Element types holding resource handles are not supported here. Errors:
 * WEFT_ERROR_INVALID_ARG (not a stream/future type, resource elements), WEFT_ERROR_TRAP
 * (WEFT_TRAP_HANDLE_LIMIT), WEFT_ERROR_OOM. */
weft_error_t *weft_stream_new(weft_store_t *store, const struct weft_ty_val *type,
                              weft_async_handle_t *readable, weft_async_handle_t *writable);
weft_error_t *weft_future_new(weft_store_t *store, const struct weft_ty_val *type,
                              weft_async_handle_t *readable, weft_async_handle_t *writable);
/* Starts writing n values (checked against the element type and copied) to writable stream
 * end `end`. When a reader is waiting the copy happens now; weft_stream_poll() reports the
 * outcome: COMPLETED with count <= n (a partial write: write the rest again), DROPPED (the
 * reader went away). n == 0 waits for a reader to be ready without moving anything. Errors:
 * WEFT_ERROR_INVALID_ARG (unknown handle or wrong kind, a copy already in progress or
 * unpolled, the stream ended, a value of the wrong type), WEFT_ERROR_TRAP (a guest-side
 * failure of the copy, e.g. its realloc trapped), WEFT_ERROR_OOM. */
weft_error_t *weft_stream_write(weft_store_t *store, weft_async_handle_t end,
                                const weft_cval_t *values, size_t n);
/* Starts reading up to max values from readable stream end `end`; weft_stream_poll() gives
 * them. Errors as weft_stream_write(). */
weft_error_t *weft_stream_read(weft_store_t *store, weft_async_handle_t end, size_t max);
/* weft_stream_write / weft_stream_read of exactly one value for a future's end (a future is
 * written once and read once). */
weft_error_t *weft_future_write(weft_store_t *store, weft_async_handle_t end,
                                const weft_cval_t *value);
weft_error_t *weft_future_read(weft_store_t *store, weft_async_handle_t end);
/* Reports the host's copy on stream or future end `end` (see weft_stream_status_t). A finished
 * copy is reported once: after that the end is IDLE again (ready for the next copy), or ended
 * for good when the other end was dropped. Never blocks. Errors: WEFT_ERROR_INVALID_ARG
 * (unknown handle or wrong kind). */
weft_error_t *weft_stream_poll(weft_store_t *store, weft_async_handle_t end,
                               weft_stream_status_t *out);
/* Cancels the host's pending copy on `end`: weft_stream_poll() then reports CANCELLED (or
 * COMPLETED when elements already moved). Errors: WEFT_ERROR_INVALID_ARG (unknown handle,
 * no copy pending). */
weft_error_t *weft_stream_cancel(weft_store_t *store, weft_async_handle_t end);
/* Drops stream or future end `end` (the other side then sees DROPPED). `end` is invalid
 * afterwards. Errors: WEFT_ERROR_INVALID_ARG (unknown handle, a copy pending, a future's
 * writable end before its value was written). */
weft_error_t *weft_stream_drop(weft_store_t *store, weft_async_handle_t end);

/* Drops an error context the host received (error contexts stay valid for the host until
 * dropped; passing one to a component does not give it away). Errors: WEFT_ERROR_INVALID_ARG
 * (unknown handle). */
weft_error_t *weft_error_context_drop(weft_store_t *store, weft_async_handle_t ctx);

/* ---- the event loop ---------------------------------------------------------------------- */

typedef enum weft_run_mode {
    /* Runs until no guest thread is ready and no timer or descriptor watcher is pending,
     * sleeping until the next timer or ready descriptor in between; returns early when woken
     * by weft_store_wake(). Sleeping ends with a WEFT_TRAP_INTERRUPTED trap once the store's
     * deadline (weft_store_set_deadline_ns) passed. */
    WEFT_RUN_UNTIL_IDLE = 0,
    /* Runs what is ready; if nothing was, first sleeps until something is (a timer, a
     * wake-up). May sleep forever when nothing can happen. */
    WEFT_RUN_ONCE = 1,
    /* Runs what is ready now (results of host calls, due timers, notifications, every guest
     * thread that can go on) and returns; never sleeps. */
    WEFT_RUN_NOWAIT = 2,
} weft_run_mode_t;

/* Runs the store's event loop in `mode`: delivers the results of completed host calls to
 * their callers, fires due timers, calls notifications, and resumes every guest thread that
 * can go on (in a deterministic FIFO order). Errors: a trap of guest code that ran (the
 * trapping instance is poisoned; its pending tasks fail; weft_task_error() of each of its
 * tasks, also of one that had returned, gives the trap; the loop can be run again for the
 * others),
 * the failure of a host call (weft_host_call_fail), WEFT_ERROR_OOM. */
weft_error_t *weft_store_run(weft_store_t *store, weft_run_mode_t mode);
/* The weft_monotonic_ns() time by which weft_store_run() should be called again: 0 when it
 * has work now, UINT64_MAX when it has none until something happens (a host action, a
 * wake-up), else the earliest timer. */
uint64_t weft_store_next_deadline_ns(weft_store_t *store);
/* A file descriptor that is readable whenever weft_store_run() has work that appeared
 * outside it (a host call completed or a copy started from a callback of the host's own loop,
 * weft_store_wake(), a descriptor of a pending watcher became ready): add it to an
 * epoll/poll/libuv loop and call weft_store_run(store, WEFT_RUN_NOWAIT) when it is readable
 * (weft_store_run consumes what made it readable), with weft_store_next_deadline_ns() as the
 * loop's timeout (0 also covers watchers of always-ready descriptors). On Linux it is the
 * loop's epoll instance (holding an eventfd and the watched descriptors), elsewhere an
 * eventfd or pipe (watched descriptors are then waited for only inside weft_store_run()).
 * Owned by the store (closed by weft_store_delete); -1 if it cannot be made (WEFT_ERROR_IO is
 * not reported). */
int weft_store_async_fd(weft_store_t *store);
/* Wakes the loop: makes the descriptor readable and ends a sleeping weft_store_run() or
 * weft_task_wait(). The only function of this section callable from any thread (and from a
 * signal handler), once the loop thread has called weft_store_async_fd() or weft_store_run()
 * and while the store lives. */
void weft_store_wake(weft_store_t *store);

/* A one-shot timer of the store's loop: `fn(data, store, timer)` runs inside the
 * weft_store_run() / weft_task_wait() that finds weft_monotonic_ns() >= deadline_ns (the
 * handle is invalid once it ran). Errors: WEFT_ERROR_INVALID_ARG (fn NULL), WEFT_ERROR_TRAP
 * (WEFT_TRAP_HANDLE_LIMIT), WEFT_ERROR_OOM. */
typedef void (*weft_timer_fn)(void *data, weft_store_t *store, weft_async_handle_t timer);
weft_error_t *weft_timer_new(weft_store_t *store, uint64_t deadline_ns, weft_timer_fn fn,
                             void *data, weft_async_handle_t *timer);
/* Cancels a timer that has not run (`timer` is invalid afterwards). Errors:
 * WEFT_ERROR_INVALID_ARG (unknown handle, e.g. the timer already ran). */
weft_error_t *weft_timer_cancel(weft_store_t *store, weft_async_handle_t timer);

/* Descriptor watchers: the loop waits for host file descriptors together with its timers and
 * wake-ups (on Linux one epoll instance holds them all: a loop blocked on descriptors costs no
 * CPU). A watcher is one-shot, like a timer: `fn(data, store, watch, events)` runs once, inside
 * the weft_store_run() / weft_task_wait() (loop thread) that finds `fd` ready for one of the
 * `events` asked (WEFT_FD_READABLE, WEFT_FD_WRITABLE), and the handle is invalid once it ran.
 * `events` given to fn are those found: a subset of the ones asked, plus WEFT_FD_ERROR on an
 * error or hang-up condition (the next read or write on fd reports it). Any number of watchers
 * may watch the same descriptor; a descriptor stays registered with the kernel while any
 * watcher uses it, so the cost of a wait does not grow with the number of earlier waits. A
 * descriptor that cannot be waited for (a regular file: epoll refuses it) is always ready: its
 * watchers run in the next pass. `fd` is not owned: the host keeps it open until the watcher
 * ran or was cancelled (closing it earlier leaves the watcher pending, never firing). Pending
 * watchers are pending work, like timers: WEFT_RUN_UNTIL_IDLE waits for them and
 * weft_task_wait() does not report a deadlock while one is pending. Errors:
 * WEFT_ERROR_INVALID_ARG (fd < 0, no known event in `events`, fn NULL), WEFT_ERROR_TRAP
 * (WEFT_TRAP_HANDLE_LIMIT), WEFT_ERROR_OOM. */
#define WEFT_FD_READABLE 1u
#define WEFT_FD_WRITABLE 2u
#define WEFT_FD_ERROR 4u
typedef void (*weft_fd_watch_fn)(void *data, weft_store_t *store, weft_async_handle_t watch,
                                 uint32_t events);
weft_error_t *weft_fd_watch_new(weft_store_t *store, int fd, uint32_t events,
                                weft_fd_watch_fn fn, void *data, weft_async_handle_t *watch);
/* Cancels a watcher that has not run (`watch` is invalid afterwards). Errors:
 * WEFT_ERROR_INVALID_ARG (unknown handle, e.g. the watcher already ran). */
weft_error_t *weft_fd_watch_cancel(weft_store_t *store, weft_async_handle_t watch);

/* Limits of the async objects of a store (0 leaves a limit unchanged): `max_tasks` bounds the
 * tasks in flight that the host sees (tasks it started and has not deleted or seen resolve,
 * plus pending calls of its async host functions; default 65536); `max_handles` bounds the
 * host's handles of every kind (default and maximum 1048575). Reaching a limit traps with
 * WEFT_TRAP_TASK_LIMIT or WEFT_TRAP_HANDLE_LIMIT. Errors: WEFT_ERROR_OOM. */
weft_error_t *weft_store_set_async_limits(weft_store_t *store, uint32_t max_tasks,
                                          uint32_t max_handles);

/* Counts of the async objects of a store (for monitoring and leak checks). */
typedef struct weft_async_stats {
    uint32_t tasks;   /* tasks counted by max_tasks */
    uint32_t calls;   /* pending async host calls (included in `tasks`) */
    uint32_t handles; /* live host handles of every kind */
    uint32_t timers;  /* pending timers */
    uint32_t watches; /* pending descriptor watchers (weft_fd_watch_new) */
} weft_async_stats_t;
void weft_store_async_stats(weft_store_t *store, weft_async_stats_t *out);

/* ---------------------------------------------------------------------------------------------
 * WAVE: the WebAssembly Value Encoding (the text form of component values used by wasm-tools and
 * wasmtime: `42`, `"text"`, `['a', 'b']`, `{x: 1, y: none}`, `some(3)`, `ok`, `{read, write}`).
 *
 * Parsing is directed by a value type. Printing gives canonical text: the explicit forms
 * `some(..)` / `ok(..)`, record fields in type order with `none` fields left out (`{:}` when
 * all are), `nan`, `inf`, `-inf` and the shortest decimal that reads back to the same float,
 * `%` before variant and enum cases spelled like a keyword. WAVE leaves some types open; here
 * a fixed-length list is written like a list (of exactly its length), a map as a list of
 * `(key, value)` tuples, handles as `own(REP)` / `borrow(REP)` (the resource's representation),
 * and stream, future and error-context values as `stream(N)`, `future(N)`, `error-context(N)`.
 *
 * Errors are WEFT_ERROR_INVALID_ARG (WEFT_ERROR_OOM when allocation fails). A parse error's
 * message says what was expected and what was found, and where, as a character (Unicode scalar)
 * offset from the start of the text ("... (at character 12)"); weft_error_offset() gives the
 * byte offset of the same place.
 * ------------------------------------------------------------------------------------------- */

/* The type of a component value (opaque). Types belong to the component whose function uses
 * them and live as long as it (weft_component_delete() is deferred while instances live). */
typedef struct weft_ty_val weft_cval_type_t;

/* The type of parameter i / of the result of a component function; NULL when out of range (or
 * when the function has no result). Lives as long as the function. */
const weft_cval_type_t *weft_component_func_param_type(const weft_component_func_t *func,
                                                       size_t i);
const weft_cval_type_t *weft_component_func_result_type(const weft_component_func_t *func);
/* The name of parameter i (not NUL-terminated; lives as long as the function). False when out
 * of range. */
bool weft_component_func_param_name(const weft_component_func_t *func, size_t i,
                                    const char **name, size_t *len);

/* Parses the WAVE text text[0..len) (UTF-8; whitespace and `//` comments between tokens are
 * allowed) as one value of `type` into *out. Strings and aggregates of the value are allocated
 * in `arena` and live until it is reset or deleted; the text need not outlive the call. On
 * error *out is unspecified and what was allocated stays in the arena until its reset. */
weft_error_t *weft_wave_parse(weft_cval_arena_t *arena, const weft_cval_type_t *type,
                              const char *text, size_t len, weft_cval_t *out);

/* Parses a parenthesized argument list `(a, b, ...)` for `func` into args[0..nargs), nargs
 * being its parameter count. Trailing parameters of option type may be left out (they are
 * `none`), and a trailing comma is allowed. Allocation and errors as weft_wave_parse(). */
weft_error_t *weft_wave_parse_args(weft_cval_arena_t *arena, const weft_component_func_t *func,
                                   const char *text, size_t len, weft_cval_t *args,
                                   size_t nargs);

/* Prints `value` (of `type`) as canonical WAVE text: *text is NUL-terminated UTF-8 allocated in
 * `arena` (it lives until the arena is reset or deleted), *len excludes the NUL. Errors:
 * WEFT_ERROR_INVALID_ARG when the value does not have the type (the message names the place,
 * e.g. "field `b` of record: expected u32 value, found string"), or holds a string that is not
 * valid UTF-8; WEFT_ERROR_OOM. */
weft_error_t *weft_wave_print(weft_cval_arena_t *arena, const weft_cval_type_t *type,
                              const weft_cval_t *value, const char **text, size_t *len);

/* Prints `type` in WIT syntax (`list<tuple<u32, string>>`, `option<char>`, `own<R>`); types
 * that WIT names (records, variants, enums, flags, resources) are printed in their inline
 * structural form (`record { a: u32 }`, `flags { read, write }`, `resource`). *text as for
 * weft_wave_print(). Errors: WEFT_ERROR_OOM. */
weft_error_t *weft_wave_print_type(weft_cval_arena_t *arena, const weft_cval_type_t *type,
                                   const char **text, size_t *len);

/* ---------------------------------------------------------------------------------------------
 * WASI 0.2 (WebAssembly/WASI 0.2.x: wasi:cli, wasi:io, wasi:clocks, wasi:random,
 * wasi:filesystem and wasi:sockets for components)
 *
 * A weft_wasi2_t is the configuration of the host (arguments, environment, preopened
 * directories, stdio) and the state of the objects a component holds handles to (streams,
 * pollables, descriptors). It serves one component instance at a time, is owned by the caller
 * and must outlive the linker definitions made from it and every instance using them.
 * ------------------------------------------------------------------------------------------- */

typedef struct weft_wasi2 weft_wasi2_t;

/* A context with no arguments, no environment, no preopens and the host's descriptors 0, 1, 2
 * as stdin, stdout, stderr. NULL if allocation fails. */
weft_wasi2_t *weft_wasi2_new(weft_engine_t *engine);
/* Closes every descriptor the context opened (preopens, files the guest opened). Delete the
 * stores and linkers using it first. */
void weft_wasi2_delete(weft_wasi2_t *wasi);
/* wasi:cli/environment get-arguments (argv[0] is the program name by convention). The strings
 * are copied. Errors: WEFT_ERROR_OOM, WEFT_ERROR_INVALID_ARG. */
weft_error_t *weft_wasi2_set_args(weft_wasi2_t *wasi, const char *const *argv, size_t argc);
/* Appends one variable to get-environment (copied). Errors: WEFT_ERROR_OOM. */
weft_error_t *weft_wasi2_add_env(weft_wasi2_t *wasi, const char *key, const char *value);
/* Makes host directory `host_path` a preopen named `guest_path` (wasi:filesystem/preopens).
 * The guest reaches nothing outside it: absolute paths, ".." above it and symlinks leading out
 * fail with error-code not-permitted. With `read_only` the guest's descriptors of it lack
 * mutate-directory: creating, writing, renaming or removing fails with read-only. The
 * directory is opened now (the context owns the descriptor). Errors: WEFT_ERROR_IO when it
 * cannot be opened, WEFT_ERROR_OOM. */
weft_error_t *weft_wasi2_preopen(weft_wasi2_t *wasi, const char *host_path,
                                 const char *guest_path, bool read_only);
/* Connects stdio stream `stream` (0 stdin, 1 stdout, 2 stderr) to host descriptor `host_fd`
 * (not owned: the caller keeps it open while the guest runs, and closes it). */
weft_error_t *weft_wasi2_stdio_fd(weft_wasi2_t *wasi, int stream, int host_fd);
/* Makes stdin read from a copy of `bytes`, then reach its end. */
weft_error_t *weft_wasi2_stdin_bytes(weft_wasi2_t *wasi, const uint8_t *bytes, size_t len);
/* Makes stdout (1) or stderr (2) collect what the guest writes in memory (emptied now). */
weft_error_t *weft_wasi2_capture_output(weft_wasi2_t *wasi, int stream);
/* The bytes collected so far for a captured stream (*len of them; not NUL-terminated); NULL
 * if the stream is not captured. Valid until the guest writes again or the context dies. */
const uint8_t *weft_wasi2_captured(const weft_wasi2_t *wasi, int stream, size_t *len);
/* Network policy (wasi:sockets). A context allows no network use until told: sockets can be
 * created, but binding or connecting them fails with error-code access-denied, and
 * resolve-addresses fails with access-denied. Each call allows one pattern "HOST:PORT" for
 * TCP (bind, connect; connections accepted by a permitted listener are permitted) or UDP
 * (bind, and sending to or connecting a stream to the address): HOST is an IPv4 address, an
 * IPv6 address in brackets ("[::1]"), "localhost" (127.0.0.1 and [::1]) or "*" (any, and
 * the unspecified address 0.0.0.0 / [::] of a bind); PORT is a number or "*" (any, and the
 * port 0 of a bind, which picks a free port). "*" alone is "*:*". Errors:
 * WEFT_ERROR_INVALID_ARG (a malformed pattern), WEFT_ERROR_OOM. */
weft_error_t *weft_wasi2_allow_tcp(weft_wasi2_t *wasi, const char *pattern);
weft_error_t *weft_wasi2_allow_udp(weft_wasi2_t *wasi, const char *pattern);
/* Allows (or denies again) wasi:sockets/ip-name-lookup resolve-addresses, which asks the
 * host's resolver (getaddrinfo). */
void weft_wasi2_allow_ip_name_lookup(weft_wasi2_t *wasi, bool allow);
/* Defines in `linker`, for each import of `component` naming a WASI 0.2 interface at any
 * version 0.2.N (semver-compatible matching), every function and resource type of that
 * interface under the exact name imported; other imports are left to the caller. Interfaces:
 * wasi:cli/{environment, exit, stdin, stdout, stderr, terminal-input, terminal-output,
 * terminal-stdin, terminal-stdout, terminal-stderr}, wasi:io/{error, poll, streams},
 * wasi:clocks/{monotonic-clock, wall-clock}, wasi:random/{random, insecure, insecure-seed},
 * wasi:filesystem/{types, preopens}, wasi:sockets/{network, instance-network, tcp,
 * tcp-create-socket, udp, udp-create-socket, ip-name-lookup}. Call it before
 * weft_component_instance_new(); `wasi` is
 * the host functions' state. Errors: WEFT_ERROR_OOM, WEFT_ERROR_INVALID_ARG. */
weft_error_t *weft_wasi2_link(weft_wasi2_t *wasi, weft_component_linker_t *linker,
                              const weft_component_t *component);
/* Runs a command: calls the instance's export wasi:cli/run@0.2.N `run`. *exit_status (may be
 * NULL) receives 0 when it returns ok, 1 for err, or the status given to wasi:cli/exit (exit:
 * 0/1; exit-with-code: the code), which then is not an error. Errors: WEFT_ERROR_LINK when
 * there is no such export, WEFT_ERROR_TRAP (the guest trapped), WEFT_ERROR_OOM. */
weft_error_t *weft_wasi2_run(weft_store_t *store, weft_component_instance_t *instance,
                             int *exit_status);

#ifdef __cplusplus
}
#endif
#endif /* WEFT_H */
