/* wast_common.h - what the two script runners of `weft wast` share: options, the script file
 * (a wast2json-style JSON command list), the expected-failures list and the accounting of
 * checks. The core runner (wast_core.c) and the component runner (wast_component.c) each run
 * one script; wast.c walks files and folders and converts .wast files first. */
#ifndef WEFT_CLI_WAST_COMMON_H
#define WEFT_CLI_WAST_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "cli/wast_json.h"
#include "weft.h"

typedef struct weft_wast_opts {
    const char *prog;          /* prefix of error messages ("weft wast", "weft-wast", ...) */
    bool verbose;              /* print every failing check with its line */
    bool wasm2;                /* core scripts: the Wasm 3.0 features off (the 2.0 suite) */
    const char *name;          /* display name; default: the script's source file name */
    const char *expected_path; /* expected-failures list, or NULL */
    const char *progress_path; /* core scripts: the per-check progress file, or NULL */
    bool count_only;           /* core scripts: print the number of checks and stop */
} weft_wast_opts_t;

/* The figures of one script. `failed` counts unexpected failures only; `xfail` the failures
 * the list expects, `xpass` listed checks that pass. */
typedef struct weft_wast_counts {
    unsigned long passed, failed, xfail, xpass;
} weft_wast_counts_t;

/* The expected failures of one script file: `FILE.wast:LINE` entries, or `FILE.wast:*`. */
typedef struct weft_wast_expect {
    long *lines;
    bool *seen; /* whether a check at that line ran */
    size_t count;
    bool whole_file;
} weft_wast_expect_t;

/* One script: the parsed JSON, its command array and the folder of its module files. */
typedef struct weft_wast_script {
    json_t *root;
    const json_t *commands;
    char *dir;
    const char *name; /* display name (options, else source_filename, else the path) */
} weft_wast_script_t;

/* The accounting of one script's checks. */
typedef struct weft_wast_tally {
    bool verbose;
    const char *name;
    weft_wast_expect_t expected;
    bool have_expected;
    FILE *progress; /* core scripts: "P|F|X|U LINE" per check */
    weft_wast_counts_t n;
} weft_wast_tally_t;

/* realloc that ends the process with status 2 when memory runs out (the runners are
 * command-line tools; a half-run script has no meaningful result). */
void *weft__wast_xrealloc(void *p, size_t n);
char *weft__wast_strdup(const char *s);
/* Appends printf output to the NUL-terminated `buf` of `len` bytes, truncating. */
void weft__wast_bprintf(char *buf, size_t len, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
/* Reads a whole file (free the buffer with free). False with errno set on failure. */
bool weft__wast_read_file(const char *path, uint8_t **out, size_t *len);
/* "DIR/FILE", to free. */
char *weft__wast_path(const char *dir, const char *file);
const char *weft__wast_error_kind_name(weft_error_kind_t k);
/* Appends "KIND: MESSAGE" of `err` to buf. */
void weft__wast_describe_error(const weft_error_t *err, char *buf, size_t len);

/* Reads and parses `json_path` into `s`; prints the problem and returns false on failure. */
bool weft__wast_script_load(const weft_wast_opts_t *o, const char *json_path,
                            weft_wast_script_t *s);
void weft__wast_script_free(weft_wast_script_t *s);
/* Whether the commands of a script are those of a component script (any `component...`
 * command or assertion on a component). */
bool weft__wast_script_is_component(const json_t *commands);

/* Loads the expected failures of file `file` from `path`; returns NULL or the message in err. */
const char *weft__wast_expect_load(weft_wast_expect_t *l, const char *path, const char *file,
                                   char *err, size_t errlen);
/* Whether `line` is listed (marks it seen). */
bool weft__wast_expect_has(weft_wast_expect_t *l, long line);
void weft__wast_expect_free(weft_wast_expect_t *l);

/* Starts the accounting of script `name` (loading the expected failures of o->expected_path).
 * Prints the problem and returns false on failure. */
bool weft__wast_tally_init(weft_wast_tally_t *t, const weft_wast_opts_t *o, const char *name);
/* Counts one check: passed (ok), an expected failure (listed) or a failure; with -v prints a
 * failure's line, what ran and `detail`, and always a listed check that passes now. */
void weft__wast_record(weft_wast_tally_t *t, long line, bool ok, const char *what,
                       const char *detail);
/* After the last check: reports list entries that matched no check. */
void weft__wast_tally_finish(weft_wast_tally_t *t);
void weft__wast_tally_free(weft_wast_tally_t *t);

/* Runs one converted script. Return: 0 no unexpected failure, 1 unexpected failures, 2 an
 * input error (printed). `out` receives the figures. */
int weft__wast_core_run(const weft_wast_opts_t *o, const char *json_path, weft_wast_counts_t *out);
int weft__wast_component_run(const weft_wast_opts_t *o, const char *json_path,
                             weft_wast_counts_t *out);

/* The single-script interface of the test programs build/weft-wast (component = false) and
 * build/weft-cwast (component = true): [-v] [--name NAME] [--expected-failures FILE]
 * [--progress FILE] [--count] [--wasm2] SCRIPT.json, printing only the script's result line.
 * Returns the exit status. */
int weft__wast_single_main(int argc, char **argv, bool component);

#endif
