/* wast_common.c - the parts of the script runners of `weft wast` that do not depend on the kind
 * of script: files, messages, the expected-failures list and the accounting of checks. */
#include "cli/wast_common.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

void *weft__wast_xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q) {
        fputs("weft: out of memory\n", stderr);
        exit(2);
    }
    return q;
}

char *weft__wast_strdup(const char *s)
{
    if (!s) return NULL;
    size_t n = strlen(s) + 1;
    return memcpy(weft__wast_xrealloc(NULL, n), s, n);
}

void weft__wast_bprintf(char *buf, size_t len, const char *fmt, ...)
{
    size_t pos = strnlen(buf, len);
    if (pos + 1 >= len) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf + pos, len - pos, fmt, ap);
    va_end(ap);
}

bool weft__wast_read_file(const char *path, uint8_t **out, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return false;
    uint8_t *buf = NULL;
    size_t n = 0, cap = 0;
    for (;;) {
        if (n == cap) {
            cap = cap ? cap * 2 : 65536;
            buf = weft__wast_xrealloc(buf, cap);
        }
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0) break;
    }
    bool ok = !ferror(f);
    int saved = errno;
    fclose(f);
    if (!ok) {
        free(buf);
        errno = saved;
        return false;
    }
    *out = buf;
    *len = n;
    return true;
}

char *weft__wast_path(const char *dir, const char *file)
{
    size_t n = strlen(dir) + strlen(file) + 2;
    char *p = weft__wast_xrealloc(NULL, n);
    snprintf(p, n, "%s/%s", dir, file);
    return p;
}

const char *weft__wast_error_kind_name(weft_error_kind_t k)
{
    switch (k) {
    case WEFT_ERROR_DECODE: return "decode error";
    case WEFT_ERROR_VALIDATE: return "validation error";
    case WEFT_ERROR_LINK: return "link error";
    case WEFT_ERROR_TRAP: return "trap";
    case WEFT_ERROR_EXIT: return "exit";
    case WEFT_ERROR_OOM: return "out of memory";
    case WEFT_ERROR_INVALID_ARG: return "invalid argument";
    case WEFT_ERROR_IO: return "I/O error";
    default: return "unknown error";
    }
}

void weft__wast_describe_error(const weft_error_t *err, char *buf, size_t len)
{
    weft__wast_bprintf(buf, len, "%s: %s", weft__wast_error_kind_name(weft_error_kind(err)),
                       weft_error_message(err));
}

/* ------------------------------------------------------------------------------------------ */
/* Script files */

bool weft__wast_script_load(const weft_wast_opts_t *o, const char *json_path,
                            weft_wast_script_t *s)
{
    memset(s, 0, sizeof *s);
    uint8_t *text;
    size_t len;
    if (!weft__wast_read_file(json_path, &text, &len)) {
        fprintf(stderr, "%s: cannot read %s: %s\n", o->prog, json_path, strerror(errno));
        return false;
    }
    char jerr[256];
    s->root = weft__json_parse((const char *)text, len, jerr, sizeof jerr);
    free(text);
    s->commands = weft__json_get(s->root, "commands");
    if (!s->root || !s->commands || s->commands->type != JSON_ARRAY) {
        fprintf(stderr, "%s: %s: %s\n", o->prog, json_path, s->root ? "no commands" : jerr);
        weft__json_free(s->root);
        memset(s, 0, sizeof *s);
        return false;
    }
    /* The display name defaults to the script's file name. */
    s->name = o->name;
    if (!s->name) {
        const char *src = weft__json_get_str(s->root, "source_filename", NULL);
        const char *base = src ? src : json_path;
        const char *slash = strrchr(base, '/');
        s->name = slash ? slash + 1 : base;
    }
    /* Module files are named relative to the JSON file. */
    const char *slash = strrchr(json_path, '/');
    size_t dlen = slash ? (size_t)(slash - json_path) : 1;
    s->dir = weft__wast_xrealloc(NULL, dlen + 1);
    memcpy(s->dir, slash ? json_path : ".", dlen);
    s->dir[dlen] = '\0';
    return true;
}

void weft__wast_script_free(weft_wast_script_t *s)
{
    weft__json_free(s->root);
    free(s->dir);
    memset(s, 0, sizeof *s);
}

bool weft__wast_script_is_component(const json_t *commands)
{
    for (size_t i = 0; commands && i < commands->len; i++) {
        const char *type = weft__json_get_str(commands->items[i], "type", NULL);
        const char *kind = weft__json_get_str(commands->items[i], "kind", NULL);
        if ((type && strncmp(type, "component", 9) == 0) || (kind && !strcmp(kind, "component")))
            return true;
    }
    return false;
}

/* ------------------------------------------------------------------------------------------ */
/* Expected failures */

static const char *expect_add(weft_wast_expect_t *l, long line)
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

const char *weft__wast_expect_load(weft_wast_expect_t *l, const char *path, const char *file,
                                   char *err, size_t errlen)
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
        msg = expect_add(l, line);
    }
    fclose(f);
    if (msg) weft__wast_expect_free(l);
    return msg;
}

bool weft__wast_expect_has(weft_wast_expect_t *l, long line)
{
    bool found = false;
    for (size_t i = 0; i < l->count; i++)
        if (l->lines[i] == line) {
            l->seen[i] = true;
            found = true;
        }
    return found || l->whole_file;
}

void weft__wast_expect_free(weft_wast_expect_t *l)
{
    free(l->lines);
    free(l->seen);
    memset(l, 0, sizeof *l);
}

/* ------------------------------------------------------------------------------------------ */
/* Accounting */

bool weft__wast_tally_init(weft_wast_tally_t *t, const weft_wast_opts_t *o, const char *name)
{
    memset(t, 0, sizeof *t);
    t->verbose = o->verbose;
    t->name = name;
    if (o->expected_path) {
        char lerr[512];
        if (weft__wast_expect_load(&t->expected, o->expected_path, name, lerr, sizeof lerr)) {
            fprintf(stderr, "%s: %s\n", o->prog, lerr);
            return false;
        }
        t->have_expected = true;
    }
    return true;
}

void weft__wast_record(weft_wast_tally_t *t, long line, bool ok, const char *what,
                       const char *detail)
{
    bool listed = t->have_expected && weft__wast_expect_has(&t->expected, line);
    bool listed_line = listed && !t->expected.whole_file;
    char tag;
    if (!detail) detail = "";
    if (ok) {
        t->n.passed++;
        tag = 'P';
        if (listed_line) {
            t->n.xpass++;
            tag = 'U';
            printf("  %s:%ld: %s: passes now; remove it from the expected-failures list\n",
                   t->name, line, what);
        }
    } else if (listed) {
        t->n.xfail++;
        tag = 'X';
        if (t->verbose)
            printf("  %s:%ld: %s: %s (expected failure)\n", t->name, line, what, detail);
    } else {
        t->n.failed++;
        tag = 'F';
        if (t->verbose) printf("  %s:%ld: %s: %s\n", t->name, line, what, detail);
    }
    if (t->progress) {
        fprintf(t->progress, "%c %ld\n", tag, line);
        fflush(t->progress);
    }
    fflush(stdout);
}

void weft__wast_tally_finish(weft_wast_tally_t *t)
{
    if (!t->have_expected) return;
    for (size_t i = 0; i < t->expected.count; i++)
        if (!t->expected.seen[i])
            printf("  %s:%ld: listed as an expected failure but no check is on that line; "
                   "remove it from the list\n",
                   t->name, t->expected.lines[i]);
    if (t->expected.whole_file && t->n.failed == 0 && t->n.xfail == 0)
        printf("  %s: listed as failing as a whole but every check passes; remove %s:* "
               "from the list\n",
               t->name, t->name);
}

void weft__wast_tally_free(weft_wast_tally_t *t)
{
    weft__wast_expect_free(&t->expected);
    if (t->progress) fclose(t->progress);
    t->progress = NULL;
}
