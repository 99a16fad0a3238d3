/* wast_spectest.h - the `spectest` host module every spec test script may import from
 * (WebAssembly spec, interpreter/host/spectest.ml defines its exports). */
#ifndef WAST_SPECTEST_H
#define WAST_SPECTEST_H

#include <stdbool.h>
#include <stddef.h>

#include "weft.h"

#define SPECTEST_MAX_EXPORTS 16

typedef struct spectest {
    size_t count;
    const char *names[SPECTEST_MAX_EXPORTS];
    weft_extern_t externs[SPECTEST_MAX_EXPORTS];
    const bool *verbose; /* the print functions print only when *verbose */
} spectest_t;

/* Creates the exports in `store`. Returns NULL on success or an error message (static). */
const char *weft__spectest_init(spectest_t *st, weft_store_t *store, const bool *verbose);
/* Looks an export up; false if there is none. */
bool weft__spectest_lookup(const spectest_t *st, const char *name, size_t len, weft_extern_t *out);

#endif
