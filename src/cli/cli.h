/* cli.h - internals of the `weft` command (src/cli/). */
#ifndef WEFT_CLI_H
#define WEFT_CLI_H

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
    WEFT_CLI_FAILURE = 125,    /* the runtime itself failed (out of memory, ...) */
    WEFT_CLI_TRAP = 134,       /* the guest trapped (128 + SIGABRT, as an abort would report) */
};

/* Reads a whole file into a buffer from `a` (*len bytes; free with weft__free(a, buf,
 * *len + 1)). Prints the reason and returns NULL on failure. */
uint8_t *weft__cli_read_file(const weft_alloc_t *a, const char *path, size_t *len);
/* Prints a module-loading error (decode or validation) of `path` on stderr. */
void weft__cli_print_module_error(const char *path, const weft_error_t *err);
/* Prints a trap with its backtrace on stderr. */
void weft__cli_print_trap(const weft_error_t *err);

/* Prints an error of loading, instantiation or a call on stderr (a trap with its backtrace,
 * a link error naming the import, ...), frees it and returns the matching exit status. */
int weft__cli_report(const char *file, weft_error_t *err);

int weft__cli_run(int argc, char **argv);
int weft__cli_validate(int argc, char **argv);
int weft__cli_wit(int argc, char **argv);
int weft__cli_inspect(int argc, char **argv);
void weft__cli_run_usage(void *stream);

/* `weft run --invoke 'NAME(ARGS)' FILE` for a component (invoke.c): instantiates the component
 * `bytes` (without imports), calls its export NAME (`iface#func` reaches into an exported
 * instance) with the WAVE arguments, and prints the result in WAVE. `nextra` is the count of
 * ARGS after FILE, which a component call does not take. Returns the exit status. */
int weft__cli_invoke_component(const char *file, const uint8_t *bytes, size_t len,
                               const char *invoke, int nextra);

#endif
