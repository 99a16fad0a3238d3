/* expect_list.h - lists of known failures: lines `file.wast:LINE  # reason`, or `file.wast:*`
 * for every assertion of a file. Blank lines and lines starting with '#' are ignored. */
#ifndef WAST_EXPECT_LIST_H
#define WAST_EXPECT_LIST_H

#include <stdbool.h>
#include <stddef.h>

typedef struct expect_list {
    long *lines;     /* the listed lines of one file */
    bool *seen;      /* whether an assertion at that line was run */
    size_t count;
    bool whole_file; /* `file.wast:*` */
} expect_list_t;

/* Loads the entries of `path` that name `file`. Returns NULL or an error message written
 * into err. */
const char *expect_list_load(expect_list_t *l, const char *path, const char *file, char *err,
                             size_t errlen);
/* True iff `line` is listed (or the whole file is); marks the entry as seen. */
bool expect_list_has(expect_list_t *l, long line);
void expect_list_free(expect_list_t *l);

#endif
