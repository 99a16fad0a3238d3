/* example_util.h - the few helpers every embedding example needs and that are not the point of
 * any of them: reading the .wasm file named on the command line, and printing an error. Static
 * inline functions, so that each example stays a single C99 file built on its own. */
#ifndef WEFT_EXAMPLE_UTIL_H
#define WEFT_EXAMPLE_UTIL_H

#include <stdio.h>
#include <stdlib.h>

#include "weft.h"

/* Reads a whole file into a malloc'ed buffer; NULL if it cannot. */
static inline uint8_t *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    uint8_t *buf = NULL;
    if (fseek(f, 0, SEEK_END) == 0) {
        long n = ftell(f);
        if (n >= 0 && fseek(f, 0, SEEK_SET) == 0 && (buf = malloc((size_t)n + 1)) != NULL) {
            *len = fread(buf, 1, (size_t)n, f);
            if (*len != (size_t)n) {
                free(buf);
                buf = NULL;
            }
        }
    }
    fclose(f);
    return buf;
}

/* The bytes of the one argument, `usage: PROGRAM WASM_NAME`; exits when there is no such
 * argument (status 2) or it cannot be read (status 1). */
static inline uint8_t *read_wasm_arg(int argc, char **argv, const char *wasm_name, size_t *len)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s %s\n", argv[0], wasm_name);
        exit(2);
    }
    *len = 0;
    uint8_t *bytes = read_file(argv[1], len);
    if (!bytes) {
        fprintf(stderr, "cannot read %s\n", argv[1]);
        exit(1);
    }
    return bytes;
}

/* Prints an error (its kind, and for a trap the trap code's wording) and frees it. */
static inline void print_error(const char *what, weft_error_t *err)
{
    switch (weft_error_kind(err)) {
    case WEFT_ERROR_TRAP:
        printf("%s: trap (%s): %s\n", what, weft_trap_code_message(weft_error_trap_code(err)),
               weft_error_message(err));
        break;
    case WEFT_ERROR_INVALID_ARG:
        printf("%s: invalid argument: %s\n", what, weft_error_message(err));
        break;
    default:
        printf("%s: error %d: %s\n", what, (int)weft_error_kind(err), weft_error_message(err));
        break;
    }
    weft_error_delete(err);
}

#endif
