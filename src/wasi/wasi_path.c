/* wasi_path.c - resolution of guest paths beneath a preopened directory (capability sandbox).
 *
 * A WASI path is always relative to a directory descriptor, and the guest must never reach a
 * file outside the directory it was given. The host's own path lookup cannot be trusted with
 * that ("..", absolute symlink targets, symlinks in intermediate components), so the path is
 * walked one component at a time:
 *   - every intermediate directory is opened with openat(O_DIRECTORY | O_NOFOLLOW) relative to
 *     the previous one, and kept on a stack;
 *   - ".." pops the stack, and fails with ENOTCAPABLE when the stack is at the base;
 *   - a symlink (found with readlinkat when the open refuses to follow it) has its target
 *     spliced in front of the rest of the path; an absolute target fails with ENOTCAPABLE,
 *     and more than MAX_SYMLINKS expansions fail with ELOOP;
 *   - the final component is returned unresolved unless the lookup follows symlinks; the
 *     operations then act on it with *at() calls and O_NOFOLLOW / AT_SYMLINK_NOFOLLOW, so a
 *     symlink swapped in after resolution is not followed either. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <unistd.h>

#include "wasi/wasi_impl.h"

#define MAX_SYMLINKS 32
#define LINK_MAX_LEN 4096

static int push_dir(weft__wasi_path_t *p, int fd)
{
    void *s = p->stack;
    if (weft__grow(p->alloc, &s, &p->stack_cap, p->depth + 1, sizeof *p->stack) != 0)
        return -1;
    p->stack = s;
    p->stack[p->depth++] = fd;
    return 0;
}

void weft__wasi_path_done(weft__wasi_path_t *p)
{
    /* stack[0] is the base descriptor, owned by the descriptor table. */
    for (size_t i = 1; i < p->depth; i++) close(p->stack[i]);
    weft__free(p->alloc, p->stack, p->stack_cap * sizeof *p->stack);
    weft__free(p->alloc, p->name, p->name_cap);
    p->stack = NULL;
    p->name = NULL;
    p->depth = p->stack_cap = p->name_cap = 0;
    p->dirfd = -1;
}

static int set_name(weft__wasi_path_t *p, const char *s, size_t n)
{
    p->name = weft__strndup(p->alloc, s, n);
    if (!p->name) return WASI_ENOMEM;
    p->name_cap = n + 1;
    p->dirfd = p->stack[p->depth - 1];
    return WASI_ESUCCESS;
}

/* Replaces *rem (the remaining path, `*rem_len` bytes in a buffer of *rem_cap) with
 * target + "/" + rest, where rest starts at `rest` inside the old buffer. */
static int splice(weft__wasi_path_t *p, char **rem, size_t *rem_cap, const char *target,
                  size_t tlen, size_t rest_off, size_t rem_len, size_t *new_len)
{
    size_t rest_len = rem_len - rest_off;
    size_t n = tlen + 1 + rest_len;
    char *buf = weft__malloc(p->alloc, n + 1);
    if (!buf) return WASI_ENOMEM;
    memcpy(buf, target, tlen);
    size_t k = tlen;
    if (rest_len) {
        buf[k++] = '/';
        memcpy(buf + k, *rem + rest_off, rest_len);
        k += rest_len;
    }
    buf[k] = 0;
    weft__free(p->alloc, *rem, *rem_cap);
    *rem = buf;
    *rem_cap = n + 1;
    *new_len = k;
    return WASI_ESUCCESS;
}

static int resolve(weft__wasi_path_t *p, char **rem, size_t *rem_cap, size_t len, bool follow,
                   char *link)
{
    unsigned links = 0;
    size_t pos = 0;
    for (;;) {
        while (pos < len && (*rem)[pos] == '/') pos++;
        if (pos == len) return set_name(p, ".", 1); /* names the current directory */
        size_t start = pos;
        while (pos < len && (*rem)[pos] != '/') pos++;
        const char *comp = *rem + start;
        size_t clen = pos - start;
        size_t after = pos;
        while (after < len && (*rem)[after] == '/') after++;
        bool last = after == len;
        bool slash = pos < len; /* a '/' follows this component */

        if (clen == 1 && comp[0] == '.') {
            if (last) return set_name(p, ".", 1);
            continue;
        }
        if (clen == 2 && comp[0] == '.' && comp[1] == '.') {
            if (p->depth <= 1) return WASI_ENOTCAPABLE; /* would leave the base directory */
            close(p->stack[--p->depth]);
            if (last) return set_name(p, ".", 1);
            continue;
        }
        if (clen > NAME_MAX) return WASI_ENAMETOOLONG;
        char name[NAME_MAX + 1];
        memcpy(name, comp, clen);
        name[clen] = 0;
        int top = p->stack[p->depth - 1];

        if (last && !slash && !follow) {
            p->trailing_slash = false;
            return set_name(p, name, clen);
        }
        int open_errno = 0;
        if (!last) {
            int fd = openat(top, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            if (fd >= 0) {
                if (push_dir(p, fd) != 0) {
                    close(fd);
                    return WASI_ENOMEM;
                }
                continue;
            }
            open_errno = errno;
        }
        /* Either an intermediate component that is not a plain directory, or a final one to
         * follow: is it a symlink? */
        ssize_t n = readlinkat(top, name, link, LINK_MAX_LEN);
        if (n < 0) {
            if (last) {
                p->trailing_slash = slash;
                return set_name(p, name, clen);
            }
            return weft__wasi_errno(open_errno);
        }
        if (n >= LINK_MAX_LEN) return WASI_ENAMETOOLONG;
        if (++links > MAX_SYMLINKS) return WASI_ELOOP;
        if (n == 0) return WASI_ENOENT;
        if (link[0] == '/') return WASI_ENOTCAPABLE; /* absolute target: outside the sandbox */
        size_t new_len;
        int e = splice(p, rem, rem_cap, link, (size_t)n, pos, len, &new_len);
        if (e) return e;
        len = new_len;
        pos = 0;
    }
}

int weft__wasi_path_resolve(weft_wasi_t *w, weft__wasi_fd_t *base, const char *path, size_t len,
                            bool follow, weft__wasi_path_t *out)
{
    memset(out, 0, sizeof *out);
    out->alloc = &w->alloc;
    out->dirfd = -1;
    if (base->filetype != WASI_FILETYPE_DIRECTORY) return WASI_ENOTDIR;
    if (!(base->rights_base & WASI_RIGHT_PATH_OPEN)) return WASI_ENOTCAPABLE;
    if (len == 0) return WASI_ENOENT;
    if (memchr(path, 0, len)) return WASI_EINVAL;
    if (path[0] == '/') return WASI_ENOTCAPABLE; /* absolute paths name no capability */
    if (push_dir(out, base->host) != 0) return WASI_ENOMEM;
    size_t cap = len + 1;
    char *rem = weft__strndup(&w->alloc, path, len);
    char *link = weft__malloc(&w->alloc, LINK_MAX_LEN + 1);
    int e = (rem && link) ? resolve(out, &rem, &cap, len, follow, link) : WASI_ENOMEM;
    weft__free(&w->alloc, link, LINK_MAX_LEN + 1);
    weft__free(&w->alloc, rem, cap);
    if (e) weft__wasi_path_done(out);
    return e;
}
