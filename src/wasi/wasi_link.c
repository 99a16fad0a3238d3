/* wasi_link.c - binds a module's "wasi_snapshot_preview1" imports to the host functions.
 *
 * The table lists every function of preview 1 with its core signature (from the witx, after
 * lowering: pointers, sizes, handles and flags are i32; 64-bit values are i64; every function
 * but proc_exit returns its errno as i32). Names a module imports but never calls still link. */
#include <string.h>

#include "util/error.h"
#include "wasi/wasi_impl.h"

typedef struct wasi_entry {
    const char *name;
    const char *sig; /* parameters then ':' and results; 'i' = i32, 'I' = i64 */
    weft_host_fn fn;
} wasi_entry_t;

#define E(n, s) {#n, s, weft__wasi_##n}
static const wasi_entry_t entries[] = {
    E(args_get, "ii:i"),
    E(args_sizes_get, "ii:i"),
    E(environ_get, "ii:i"),
    E(environ_sizes_get, "ii:i"),
    E(clock_res_get, "ii:i"),
    E(clock_time_get, "iIi:i"),
    E(fd_advise, "iIIi:i"),
    E(fd_allocate, "iII:i"),
    E(fd_close, "i:i"),
    E(fd_datasync, "i:i"),
    E(fd_fdstat_get, "ii:i"),
    E(fd_fdstat_set_flags, "ii:i"),
    E(fd_fdstat_set_rights, "iII:i"),
    E(fd_filestat_get, "ii:i"),
    E(fd_filestat_set_size, "iI:i"),
    E(fd_filestat_set_times, "iIIi:i"),
    E(fd_pread, "iiiIi:i"),
    E(fd_prestat_get, "ii:i"),
    E(fd_prestat_dir_name, "iii:i"),
    E(fd_pwrite, "iiiIi:i"),
    E(fd_read, "iiii:i"),
    E(fd_readdir, "iiiIi:i"),
    E(fd_renumber, "ii:i"),
    E(fd_seek, "iIii:i"),
    E(fd_sync, "i:i"),
    E(fd_tell, "ii:i"),
    E(fd_write, "iiii:i"),
    E(path_create_directory, "iii:i"),
    E(path_filestat_get, "iiiii:i"),
    E(path_filestat_set_times, "iiiiIIi:i"),
    E(path_link, "iiiiiii:i"),
    E(path_open, "iiiiiIIii:i"),
    E(path_readlink, "iiiiii:i"),
    E(path_remove_directory, "iii:i"),
    E(path_rename, "iiiiii:i"),
    E(path_symlink, "iiiii:i"),
    E(path_unlink_file, "iii:i"),
    E(poll_oneoff, "iiii:i"),
    E(proc_exit, "i:"),
    E(proc_raise, "i:i"),
    E(sched_yield, ":i"),
    E(random_get, "ii:i"),
    E(sock_accept, "iii:i"),
    E(sock_recv, "iiiiii:i"),
    E(sock_send, "iiiii:i"),
    E(sock_shutdown, "ii:i"),
};
#undef E

static const wasi_entry_t *lookup(const char *name, size_t len)
{
    for (size_t i = 0; i < sizeof entries / sizeof entries[0]; i++) {
        if (strlen(entries[i].name) == len && memcmp(entries[i].name, name, len) == 0)
            return &entries[i];
    }
    return NULL;
}

static weft_func_t *make_func(weft_wasi_t *w, weft_store_t *store, const wasi_entry_t *e)
{
    weft_valkind_t params[16], res[2];
    size_t np = 0, nr = 0;
    const char *s = e->sig;
    for (; *s != ':'; s++) params[np++] = *s == 'I' ? WEFT_I64 : WEFT_I32;
    for (s++; *s; s++) res[nr++] = *s == 'I' ? WEFT_I64 : WEFT_I32;
    return weft_func_new(store, params, np, res, nr, e->fn, w, NULL);
}

weft_error_t *weft_wasi_link(weft_wasi_t *w, weft_store_t *store, const weft_module_t *module,
                             weft_extern_t *imports)
{
    static const char wasi_module[] = "wasi_snapshot_preview1";
    size_t n = weft_module_import_count(module);
    for (size_t i = 0; i < n; i++) {
        weft_extern_desc_t d;
        if (!weft_module_import(module, i, &d)) continue;
        if (d.module_len != sizeof wasi_module - 1 ||
            memcmp(d.module, wasi_module, d.module_len) != 0) {
            imports[i].kind = d.kind;
            imports[i].of.func = NULL;
            continue;
        }
        const wasi_entry_t *e = d.kind == WEFT_EXTERN_FUNC ? lookup(d.name, d.name_len) : NULL;
        if (!e)
            return weft__error_new(&w->alloc, WEFT_ERROR_LINK, UINT64_MAX,
                                   "unknown import: %s::%.*s is not a WASI preview 1 function",
                                   wasi_module, (int)d.name_len, d.name);
        weft_func_t *f = make_func(w, store, e);
        if (!f) return weft__error_oom();
        imports[i].kind = WEFT_EXTERN_FUNC;
        imports[i].of.func = f;
    }
    return NULL;
}
