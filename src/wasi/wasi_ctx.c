/* wasi_ctx.c - the WASI context: arguments, environment and the guest descriptor table.
 *
 * Guest descriptors 0-2 are the host's stdio (never closed by the host side); preopened
 * directories follow from 3 in the order they were added, as wasi-libc expects when it scans
 * for preopens with fd_prestat_get. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/runtime.h"
#include "wasi/wasi_impl.h"

weft__wasi_fd_t *weft__wasi_fd_get(weft_wasi_t *w, uint32_t fd)
{
    if (fd >= w->nfds || !w->fds[fd].used) return NULL;
    return &w->fds[fd];
}

int64_t weft__wasi_fd_insert(weft_wasi_t *w, int host, bool owned, uint8_t filetype,
                             uint64_t base, uint64_t inheriting)
{
    size_t slot = 0;
    while (slot < w->nfds && w->fds[slot].used) slot++;
    if (slot >= (size_t)INT32_MAX) return -1;
    if (slot == w->nfds) {
        void *p = w->fds;
        if (weft__grow(&w->alloc, &p, &w->fds_cap, w->nfds + 1, sizeof *w->fds) != 0) return -1;
        w->fds = p;
        w->nfds++;
    }
    weft__wasi_fd_t *f = &w->fds[slot];
    memset(f, 0, sizeof *f);
    f->used = true;
    f->owned = owned;
    f->host = host;
    f->filetype = filetype;
    f->rights_base = base;
    f->rights_inheriting = inheriting;
    return (int64_t)slot;
}

void weft__wasi_fd_release(weft_wasi_t *w, weft__wasi_fd_t *f)
{
    if (!f->used) return;
    if (f->dir) closedir(f->dir);
    if (f->owned) close(f->host);
    if (f->preopen) weft__free(&w->alloc, f->preopen, f->preopen_len + 1);
    memset(f, 0, sizeof *f);
}

static uint64_t stdio_rights(int fd, uint8_t *filetype)
{
    struct stat st;
    *filetype = WASI_FILETYPE_UNKNOWN;
    if (fstat(fd, &st) == 0) *filetype = weft__wasi_filetype((unsigned)st.st_mode);
    return isatty(fd) ? WASI_RIGHTS_TTY : WASI_RIGHTS_ALL;
}

weft_wasi_t *weft_wasi_new(weft_engine_t *engine)
{
    weft_alloc_t a = engine ? engine->alloc : (weft_alloc_t){weft__default_alloc, NULL};
    weft_wasi_t *w = weft__calloc(&a, 1, sizeof *w);
    if (!w) return NULL;
    w->alloc = a;
    for (int i = 0; i < 3; i++) {
        uint8_t ft;
        uint64_t rights = stdio_rights(i, &ft);
        if (weft__wasi_fd_insert(w, i, false, ft, rights, 0) < 0) {
            weft_wasi_delete(w);
            return NULL;
        }
    }
    return w;
}

static void free_strings(const weft_alloc_t *a, char **v, size_t n)
{
    for (size_t i = 0; i < n; i++) weft__free(a, v[i], strlen(v[i]) + 1);
    weft__free(a, v, n * sizeof *v);
}

void weft_wasi_delete(weft_wasi_t *w)
{
    if (!w) return;
    for (size_t i = 0; i < w->nfds; i++) weft__wasi_fd_release(w, &w->fds[i]);
    weft__free(&w->alloc, w->fds, w->fds_cap * sizeof *w->fds);
    free_strings(&w->alloc, w->args, w->nargs);
    free_strings(&w->alloc, w->env, w->nenv);
    weft_alloc_t a = w->alloc;
    weft__free(&a, w, sizeof *w);
}

weft_error_t *weft_wasi_set_args(weft_wasi_t *w, const char *const *argv, size_t argc)
{
    if (argc > SIZE_MAX / sizeof(char *)) return weft__error_oom();
    char **v = NULL;
    if (argc && !(v = weft__calloc(&w->alloc, argc, sizeof *v))) return weft__error_oom();
    for (size_t i = 0; i < argc; i++) {
        const char *s = argv[i] ? argv[i] : "";
        v[i] = weft__strndup(&w->alloc, s, strlen(s));
        if (!v[i]) {
            free_strings(&w->alloc, v, i);
            return weft__error_oom();
        }
    }
    free_strings(&w->alloc, w->args, w->nargs);
    w->args = v;
    w->nargs = argc;
    return NULL;
}

weft_error_t *weft_wasi_add_env(weft_wasi_t *w, const char *key, const char *value)
{
    size_t kl = strlen(key), vl = strlen(value);
    if (kl > SIZE_MAX / 2 - vl - 2) return weft__error_oom();
    char *s = weft__malloc(&w->alloc, kl + vl + 2);
    if (!s) return weft__error_oom();
    memcpy(s, key, kl);
    s[kl] = '=';
    memcpy(s + kl + 1, value, vl);
    s[kl + vl + 1] = 0;
    char **v = weft__realloc(&w->alloc, w->env, w->nenv * sizeof *v, (w->nenv + 1) * sizeof *v);
    if (!v) {
        weft__free(&w->alloc, s, kl + vl + 2);
        return weft__error_oom();
    }
    v[w->nenv++] = s;
    w->env = v;
    return NULL;
}

weft_error_t *weft_wasi_preopen(weft_wasi_t *w, const char *host_path, const char *guest_path)
{
    int fd = open(host_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return weft__error_new(&w->alloc, WEFT_ERROR_IO, UINT64_MAX,
                               "cannot open directory '%s': %s", host_path, strerror(errno));
    size_t gl = strlen(guest_path);
    char *name = weft__strndup(&w->alloc, guest_path, gl);
    int64_t slot = name ? weft__wasi_fd_insert(w, fd, true, WASI_FILETYPE_DIRECTORY,
                                               WASI_RIGHTS_ALL, WASI_RIGHTS_ALL)
                        : -1;
    if (slot < 0) {
        if (name) weft__free(&w->alloc, name, gl + 1);
        close(fd);
        return weft__error_oom();
    }
    w->fds[slot].preopen = name;
    w->fds[slot].preopen_len = gl;
    return NULL;
}
