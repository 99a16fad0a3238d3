/* expect_list.c - reading an expected-failures list for one script file. */
#include "expect_list.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *add_line(expect_list_t *l, long line)
{
    long *nl = realloc(l->lines, (l->count + 1) * sizeof *nl);
    if (!nl) return "out of memory";
    l->lines = nl;
    bool *ns = realloc(l->seen, (l->count + 1) * sizeof *ns);
    if (!ns) return "out of memory";
    l->seen = ns;
    l->lines[l->count] = line;
    l->seen[l->count] = false;
    l->count++;
    return NULL;
}

const char *expect_list_load(expect_list_t *l, const char *path, const char *file, char *err,
                             size_t errlen)
{
    memset(l, 0, sizeof *l);
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
        return err;
    }
    char buf[4096];
    long lineno = 0;
    size_t flen = strlen(file);
    const char *msg = NULL;
    while (!msg && fgets(buf, sizeof buf, f)) {
        lineno++;
        char *s = buf;
        while (isspace((unsigned char)*s)) s++;
        if (*s == '\0' || *s == '#') continue;
        /* The entry ends at the first blank; the rest of the line is the reason. */
        char *end = s;
        while (*end && !isspace((unsigned char)*end)) end++;
        *end = '\0';
        char *colon = strrchr(s, ':');
        if (!colon) {
            snprintf(err, errlen, "%s:%ld: expected FILE:LINE", path, lineno);
            msg = err;
            break;
        }
        if ((size_t)(colon - s) != flen || memcmp(s, file, flen) != 0) continue;
        if (strcmp(colon + 1, "*") == 0) {
            l->whole_file = true;
            continue;
        }
        char *e;
        long line = strtol(colon + 1, &e, 10);
        if (*e || line <= 0) {
            snprintf(err, errlen, "%s:%ld: bad line number '%s'", path, lineno, colon + 1);
            msg = err;
            break;
        }
        msg = add_line(l, line);
    }
    fclose(f);
    if (msg) expect_list_free(l);
    return msg;
}

bool expect_list_has(expect_list_t *l, long line)
{
    bool found = false;
    for (size_t i = 0; i < l->count; i++)
        if (l->lines[i] == line) {
            l->seen[i] = true;
            found = true;
        }
    return found || l->whole_file;
}

void expect_list_free(expect_list_t *l)
{
    free(l->lines);
    free(l->seen);
    memset(l, 0, sizeof *l);
}
