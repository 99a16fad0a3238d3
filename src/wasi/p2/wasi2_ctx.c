/* wasi2_ctx.c - the WASI 0.2 context: its configuration (arguments, environment, preopened
 * directories, stdio) and the table of host objects that guests hold handles to. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/runtime.h"
#include "wasi/p2/wasi2_impl.h"

weft_wasi2_t *weft_wasi2_new(weft_engine_t *engine)
{
    weft_alloc_t a = engine ? engine->alloc : (weft_alloc_t){weft__default_alloc, NULL};
    weft_wasi2_t *w = weft__calloc(&a, 1, sizeof *w);
    if (!w) return NULL;
    w->alloc = a;
    w->p1.alloc = a;
    for (int i = 0; i < 3; i++) w->stdio_fd[i] = i;
    /* wasi:random/insecure-seed: one value per context (the interface asks for a fixed seed). */
    if (getrandom(w->seed, sizeof w->seed, 0) != (ssize_t)sizeof w->seed) {
        w->seed[0] = weft_monotonic_ns() ^ UINT64_C(0x9E3779B97F4A7C15);
        w->seed[1] = (uint64_t)getpid() * UINT64_C(0xBF58476D1CE4E5B9);
    }
    return w;
}

static void free_strings(const weft_alloc_t *a, char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (v[i]) weft__free(a, v[i], strlen(v[i]) + 1);
}

void weft_wasi2_delete(weft_wasi2_t *w)
{
    if (!w) return;
    weft__wasi2_waits_free(w);
    /* Drains of tcp sinks go with the store's loop too (their watchers never run). */
    for (size_t i = 0; i < w->nobjs; i++) weft__wasi2_drain_drop(w, &w->objs[i], false);
    for (size_t i = 0; i < w->nobjs; i++)
        if (w->objs[i].kind != W2_FREE) weft__wasi2_obj_drop(w, (uint32_t)i + 1);
    weft__free(&w->alloc, w->objs, w->objs_cap * sizeof *w->objs);
    free_strings(&w->alloc, w->args, w->nargs);
    weft__free(&w->alloc, w->args, w->nargs * sizeof *w->args);
    free_strings(&w->alloc, w->env, 2 * w->nenv);
    weft__free(&w->alloc, w->env, w->env_cap * sizeof *w->env);
    for (size_t i = 0; i < w->npre; i++) {
        close(w->pre[i].fd);
        weft__free(&w->alloc, w->pre[i].guest, w->pre[i].guest_len + 1);
    }
    weft__free(&w->alloc, w->pre, w->pre_cap * sizeof *w->pre);
    weft__free(&w->alloc, w->rules, w->rules_cap * sizeof *w->rules);
    for (int i = 0; i < 3; i++) weft__free(&w->alloc, w->buf[i], w->buf_cap[i]);
    weft_alloc_t a = w->alloc;
    weft__free(&a, w, sizeof *w);
}

static weft_error_t *bad_arg(weft_wasi2_t *w, const char *fn)
{
    const weft_alloc_t dflt = {weft__default_alloc, NULL};
    return weft__error_new(w ? &w->alloc : &dflt, WEFT_ERROR_INVALID_ARG, UINT64_MAX,
                           "%s: invalid argument", fn);
}

weft_error_t *weft_wasi2_set_args(weft_wasi2_t *w, const char *const *argv, size_t argc)
{
    if (!w || (argc && !argv)) return bad_arg(w, "weft_wasi2_set_args");
    char **v = argc ? weft__calloc(&w->alloc, argc, sizeof *v) : NULL;
    if (argc && !v) return weft__error_oom();
    for (size_t i = 0; i < argc; i++) {
        const char *s = argv[i] ? argv[i] : "";
        v[i] = weft__strndup(&w->alloc, s, strlen(s));
        if (!v[i]) {
            free_strings(&w->alloc, v, argc);
            weft__free(&w->alloc, v, argc * sizeof *v);
            return weft__error_oom();
        }
    }
    free_strings(&w->alloc, w->args, w->nargs);
    weft__free(&w->alloc, w->args, w->nargs * sizeof *w->args);
    w->args = v;
    w->nargs = argc;
    return NULL;
}

weft_error_t *weft_wasi2_add_env(weft_wasi2_t *w, const char *key, const char *value)
{
    if (!w || !key || !value) return bad_arg(w, "weft_wasi2_add_env");
    char *k = weft__strndup(&w->alloc, key, strlen(key));
    char *v = weft__strndup(&w->alloc, value, strlen(value));
    void *p = w->env;
    if (!k || !v || weft__grow(&w->alloc, &p, &w->env_cap, 2 * (w->nenv + 1), sizeof *w->env)) {
        if (k) weft__free(&w->alloc, k, strlen(k) + 1);
        if (v) weft__free(&w->alloc, v, strlen(v) + 1);
        return weft__error_oom();
    }
    w->env = p;
    w->env[2 * w->nenv] = k;
    w->env[2 * w->nenv + 1] = v;
    w->nenv++;
    return NULL;
}

weft_error_t *weft_wasi2_preopen(weft_wasi2_t *w, const char *host_path, const char *guest_path,
                                 bool read_only)
{
    if (!w || !host_path || !guest_path) return bad_arg(w, "weft_wasi2_preopen");
    int fd = open(host_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
        return weft__error_new(&w->alloc, WEFT_ERROR_IO, UINT64_MAX, "cannot open directory %s: %s",
                               host_path, strerror(errno));
    }
    void *p = w->pre;
    char *g = weft__strndup(&w->alloc, guest_path, strlen(guest_path));
    if (!g || weft__grow(&w->alloc, &p, &w->pre_cap, w->npre + 1, sizeof *w->pre) != 0) {
        if (g) weft__free(&w->alloc, g, strlen(g) + 1);
        close(fd);
        return weft__error_oom();
    }
    w->pre = p;
    w->pre[w->npre++] = (weft__wasi2_preopen_t){fd, g, strlen(g), read_only};
    return NULL;
}

weft_error_t *weft_wasi2_stdio_fd(weft_wasi2_t *w, int stream, int host_fd)
{
    if (!w || stream < 0 || stream > 2 || host_fd < 0) return bad_arg(w, "weft_wasi2_stdio_fd");
    w->stdio_fd[stream] = host_fd;
    w->stdio_buf[stream] = false;
    return NULL;
}

weft_error_t *weft_wasi2_stdin_bytes(weft_wasi2_t *w, const uint8_t *bytes, size_t len)
{
    if (!w || (len && !bytes)) return bad_arg(w, "weft_wasi2_stdin_bytes");
    uint8_t *b = weft__malloc(&w->alloc, len + 1);
    if (!b) return weft__error_oom();
    if (len) memcpy(b, bytes, len);
    weft__free(&w->alloc, w->buf[0], w->buf_cap[0]);
    w->buf[0] = b;
    w->buf_len[0] = len;
    w->buf_cap[0] = len + 1;
    w->stdio_buf[0] = true;
    return NULL;
}

weft_error_t *weft_wasi2_capture_output(weft_wasi2_t *w, int stream)
{
    if (!w || (stream != 1 && stream != 2)) return bad_arg(w, "weft_wasi2_capture_output");
    w->stdio_buf[stream] = true;
    w->buf_len[stream] = 0;
    return NULL;
}

const uint8_t *weft_wasi2_captured(const weft_wasi2_t *w, int stream, size_t *len)
{
    if (len) *len = 0;
    if (!w || (stream != 1 && stream != 2) || !w->stdio_buf[stream]) return NULL;
    if (len) *len = w->buf_len[stream];
    return w->buf[stream] ? w->buf[stream] : (const uint8_t *)"";
}

/* ---- the object table ------------------------------------------------------------------ */

weft__wasi2_obj_t *weft__wasi2_obj_new(weft_wasi2_t *w, uint8_t kind, uint32_t *rep)
{
    size_t i = 0;
    while (i < w->nobjs && w->objs[i].kind != W2_FREE) i++;
    if (i >= UINT32_MAX - 1) return NULL;
    if (i == w->nobjs) {
        void *p = w->objs;
        if (weft__grow(&w->alloc, &p, &w->objs_cap, w->nobjs + 1, sizeof *w->objs) != 0)
            return NULL;
        w->objs = p;
        w->nobjs++;
    }
    weft__wasi2_obj_t *o = &w->objs[i];
    memset(o, 0, sizeof *o);
    o->kind = kind;
    o->fd = -1;
    *rep = (uint32_t)i + 1;
    return o;
}

weft__wasi2_obj_t *weft__wasi2_obj_get(weft_wasi2_t *w, uint32_t rep, uint8_t kind)
{
    if (rep == 0 || rep > w->nobjs) return NULL;
    weft__wasi2_obj_t *o = &w->objs[rep - 1];
    return o->kind == kind ? o : NULL;
}

void weft__wasi2_obj_drop(void *env, uint32_t rep)
{
    weft_wasi2_t *w = env;
    if (!w || rep == 0 || rep > w->nobjs) return;
    weft__wasi2_obj_t *o = &w->objs[rep - 1];
    if (o->kind == W2_FREE) return;
    if ((o->kind == W2_TCP || o->kind == W2_UDP) && o->refs > 0) {
        /* Its streams and pollables still use the descriptor (sockets: see wasi2_impl.h). */
        o->orphan = true;
        return;
    }
    if (o->kind == W2_OUTPUT && o->drain) {
        /* A tcp sink still sending what it held back before its FIN: freed when that ends. */
        o->orphan = true;
        return;
    }
    /* streams.wit lets bytes not flushed before the drop be lost; those that the descriptor
     * takes without blocking still go out. */
    if (o->kind == W2_OUTPUT && o->mem_len && !o->closed) (void)weft__wasi2_sink_flush(w, o);
    uint32_t link = o->link;
    if (o->lookup) weft__wasi2_lookup_drop(o);
    if (o->dir) closedir(o->dir);
    if (o->owned && o->fd >= 0) close(o->fd);
    if (o->mem) weft__free(&w->alloc, o->mem, o->mem_cap);
    memset(o, 0, sizeof *o);
    o->kind = W2_FREE;
    o->fd = -1;
    if (link) weft__wasi2_unlink(w, link);
}

void weft__wasi2_link_to(weft_wasi2_t *w, uint32_t rep, uint32_t sock)
{
    w->objs[rep - 1].link = sock;
    w->objs[sock - 1].refs++;
}

void weft__wasi2_unlink(weft_wasi2_t *w, uint32_t rep)
{
    if (rep == 0 || rep > w->nobjs) return;
    weft__wasi2_obj_t *o = &w->objs[rep - 1];
    if (o->refs) o->refs--;
    if (o->refs == 0 && o->orphan) weft__wasi2_obj_drop(w, rep);
}
