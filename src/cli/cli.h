/* cli.h - internals of the `weft` command (src/cli/). */
#ifndef WEFT_CLI_H
#define WEFT_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/alloc.h"
#include "weft.h"

/* Exit statuses of the command (documented in `weft --help`). A guest's own exit status
 * (proc_exit, or 0 when _start returns) passes through unchanged otherwise. */
enum {
    WEFT_CLI_OK = 0,
    WEFT_CLI_INVALID = 1,      /* `weft validate`: the module is malformed or invalid */
    WEFT_CLI_USAGE = 2,        /* bad command line */
    WEFT_CLI_IO = 3,           /* a file or directory could not be read or opened */
    WEFT_CLI_BAD_MODULE = 4,   /* `weft run`: the module is malformed or invalid */
    WEFT_CLI_LINK = 5,         /* `weft run`: missing import, or no _start / --invoke export */
    WEFT_CLI_TABLE_LIMIT = 119, /* `weft run`: a table exceeds --max-table-elements */
    WEFT_CLI_OUT_OF_FUEL = 120, /* `weft run`: the --fuel budget ran out */
    WEFT_CLI_STACK_LIMIT = 121, /* `weft run`: call stack exhausted (--max-call-depth/--max-stack) */
    WEFT_CLI_MEMORY_LIMIT = 122, /* `weft run`: a memory would exceed --max-memory */
    WEFT_CLI_ASYNC_LIMIT = 123, /* `weft run`: --max-tasks or --max-handles reached */
    WEFT_CLI_TIMEOUT = 124,     /* `weft run`: the --timeout deadline passed */
    WEFT_CLI_FAILURE = 125,    /* the runtime itself failed (out of memory, ...) */
    WEFT_CLI_TRAP = 134,       /* the guest trapped (128 + SIGABRT, as an abort would report) */
};

/* Reads a whole file into a buffer from `a` (*len bytes; free with weft__free(a, buf,
 * *len + 1)). Prints the reason and returns NULL on failure. */
uint8_t *weft__cli_read_file(const weft_alloc_t *a, const char *path, size_t *len);
/* weft__cli_read_file, or for a regular file a read-only mapping of it (*mapped set): the
 * bytes are not copied. Release with weft__cli_unmap_file(a, bytes, *len, *mapped). */
uint8_t *weft__cli_map_file(const weft_alloc_t *a, const char *path, size_t *len, bool *mapped);
void weft__cli_unmap_file(const weft_alloc_t *a, uint8_t *bytes, size_t len, bool mapped);
/* Prints a module-loading error (decode or validation) of `path` on stderr. */
void weft__cli_print_module_error(const char *path, const weft_error_t *err);
/* Prints a trap with its backtrace on stderr. */
void weft__cli_print_trap(const weft_error_t *err);

/* Prints an error of loading, instantiation or a call on stderr (a trap with its backtrace,
 * a link error naming the import, ...), frees it and returns the matching exit status. */
int weft__cli_report(const char *file, weft_error_t *err);

/* The resource limits of `weft run` (--fuel, --timeout, --max-*), for modules and components
 * alike (common.c). 0 in a field: not limited by the command line (the engine's default). */
typedef struct weft_cli_limits {
    uint64_t fuel;               /* units (weft_store_set_fuel) */
    bool has_fuel;
    uint64_t timeout_ns;         /* deadline after the store is made (weft_store_set_deadline_ns) */
    uint64_t max_memory;         /* bytes per memory (weft_config_t.max_memory_bytes) */
    uint64_t max_table_elements; /* elements per table (weft_config_t.max_table_elements) */
    bool has_max_table;
    uint32_t max_call_depth;     /* wasm frames per call (weft_config_t.max_call_depth) */
    uint64_t max_stack;          /* value stack bytes per call (weft_config_t.max_stack_bytes) */
    uint32_t max_tasks, max_handles; /* components (weft_store_set_async_limits) */
} weft_cli_limits_t;

/* Reads the limit option at argv[*i] (`--fuel N` or `--fuel=N`, ...) into `l`, advancing *i past
 * its value. Returns 1 when it was one, 0 when argv[*i] is no limit option, -1 for a bad or
 * missing value (printed). */
int weft__cli_limits_option(weft_cli_limits_t *l, int argc, char **argv, int *i);
/* A new engine with the limits of the engine's configuration (NULL when out of memory). */
weft_engine_t *weft__cli_limits_engine(const weft_cli_limits_t *l);
/* Applies the limits of the store: fuel, the deadline (counted from now) and the async limits.
 * Returns 0 or an exit status (printed). */
int weft__cli_limits_apply(weft_store_t *store, const weft_cli_limits_t *l);
/* When `err` is a limit being hit, prints what was hit on stderr and returns its exit status;
 * otherwise returns `status`. */
int weft__cli_limit_status(const char *file, const weft_error_t *err, int status);
/* After a failed run (`status`): when the store refused a memory.grow or table.grow because
 * of --max-memory or --max-table-elements, the guest most likely failed for that reason: says
 * so and returns its status (122, 119); otherwise returns `status`. */
int weft__cli_limits_note(weft_store_t *store, const weft_cli_limits_t *l, const char *file,
                          int status);
/* The --help text of the limit options. */
void weft__cli_limits_usage(void *stream);

int weft__cli_run(int argc, char **argv);
int weft__cli_validate(int argc, char **argv);
int weft__cli_wit(int argc, char **argv);
int weft__cli_inspect(int argc, char **argv);
/* `weft wast` (wast.c): runs spec test scripts. */
int weft__cli_wast(int argc, char **argv);
void weft__cli_run_usage(void *stream);

/* `weft run --invoke 'NAME(ARGS)' FILE` for a component (invoke.c), called by the component
 * runner (run_component.c) once the instance exists with WASI 0.2 linked: calls its export
 * NAME (`iface#func` reaches into an exported instance) with the WAVE arguments and prints the
 * result in WAVE (streams and futures as they arrive). Returns the exit status. */
int weft__cli_invoke_call(weft_engine_t *engine, weft_store_t *store,
                          weft_component_instance_t *inst, const char *file, const char *invoke);

#endif
