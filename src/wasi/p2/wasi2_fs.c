/* wasi2_fs.c - wasi:filesystem of WASI 0.2 (filesystem/wit/types.wit, preopens.wit): the
 * descriptor methods that act on an open descriptor, directory-entry streams,
 * filesystem-error-code and wasi:filesystem/preopens. The *-at methods, which take paths, are
 * in wasi2_fs_path.c.
 *
 * Descriptor flags are the capability: reading needs `read`, writing `write` (else
 * bad-descriptor, as for a host descriptor opened without that access); changing a directory's
 * entries needs `mutate-directory`, which read-only preopens lack. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "wasi/p2/wasi2_impl.h"
#include "wasi/p2/wasi2_fs.h"

/* The most bytes one `read` returns (the interface allows fewer than asked). */
#define FILE_READ_MAX (1024u * 1024u)

weft__wasi2_obj_t *weft__wasi2_desc(weft_wasi2_t *w, const weft_cval_t *arg)
{
    return weft__wasi2_obj_get(w, arg->u.rep, W2_DESCRIPTOR);
}

weft_error_t *weft__wasi2_bad_handle(weft_wasi2_t *w)
{
    return weft__wasi2_trap(w, "wasi:filesystem: unknown descriptor handle");
}

/* option<datetime> of a host timespec. */
static bool opt_time(weft_cval_arena_t *ar, weft_cval_t *v, const struct timespec *ts)
{
    weft_cval_t *p = weft__wasi2_case(ar, v, WEFT_CVAL_OPTION, 1, true);
    if (!p) return false;
    weft_cval_t *f = weft__wasi2_agg(ar, p, WEFT_CVAL_RECORD, 2);
    if (!f) return false;
    weft__wasi2_u64(&f[0], ts->tv_sec < 0 ? 0 : (uint64_t)ts->tv_sec);
    weft__wasi2_u32(&f[1], (uint32_t)ts->tv_nsec);
    return true;
}

bool weft__wasi2_stat_value(weft_cval_arena_t *ar, weft_cval_t *v, const struct stat *st)
{
    weft_cval_t *f = weft__wasi2_agg(ar, v, WEFT_CVAL_RECORD, 6);
    if (!f) return false;
    weft__wasi2_enum(&f[0], weft__wasi2_dtype((unsigned)st->st_mode));
    weft__wasi2_u64(&f[1], (uint64_t)st->st_nlink);
    weft__wasi2_u64(&f[2], (uint64_t)st->st_size);
    return opt_time(ar, &f[3], &st->st_atim) && opt_time(ar, &f[4], &st->st_mtim) &&
           opt_time(ar, &f[5], &st->st_ctim);
}

bool weft__wasi2_hash_value(weft_cval_arena_t *ar, weft_cval_t *v, const struct stat *st)
{
    /* metadata-hash-value: equal for the same object (device and inode), with the two words
     * mixed (splitmix64 finalizer) so the value reveals neither directly. */
    uint64_t a = (uint64_t)st->st_dev, b = (uint64_t)st->st_ino;
    uint64_t x[2] = {a ^ (b * UINT64_C(0x9E3779B97F4A7C15)), b ^ (a * UINT64_C(0xC2B2AE3D27D4EB4F))};
    for (int i = 0; i < 2; i++) {
        x[i] ^= x[i] >> 30;
        x[i] *= UINT64_C(0xBF58476D1CE4E5B9);
        x[i] ^= x[i] >> 27;
        x[i] *= UINT64_C(0x94D049BB133111EB);
        x[i] ^= x[i] >> 31;
    }
    weft_cval_t *f = weft__wasi2_agg(ar, v, WEFT_CVAL_RECORD, 2);
    if (!f) return false;
    weft__wasi2_u64(&f[0], x[0]);
    weft__wasi2_u64(&f[1], x[1]);
    return true;
}

int weft__wasi2_timespec(const weft_cval_t *nt, struct timespec *ts)
{
    /* new-timestamp: no-change | now | timestamp(datetime) */
    switch (nt->u.var.index) {
    case 0: ts->tv_sec = 0; ts->tv_nsec = UTIME_OMIT; return -1;
    case 1: ts->tv_sec = 0; ts->tv_nsec = UTIME_NOW; return -1;
    default: {
        const weft_cval_t *f = nt->u.var.payload->u.agg.items;
        if (f[0].u.u > (uint64_t)INT64_MAX || f[1].u.u >= 1000000000u) return W2_E_INVALID;
        ts->tv_sec = (time_t)f[0].u.u;
        ts->tv_nsec = (long)f[1].u.u;
        return -1;
    }
    }
}

/* ok(own<resource>) for a new object. */
static weft_error_t *ok_own(weft_cval_arena_t *ar, weft_cval_t *res, uint32_t rep)
{
    weft_cval_t *p = weft__wasi2_case(ar, res, WEFT_CVAL_RESULT, 0, true);
    if (!p) return W2_OOM;
    weft__wasi2_own(p, rep);
    return NULL;
}

static weft_error_t *code_result(weft_cval_arena_t *ar, weft_cval_t *res, int code)
{
    return weft__wasi2_result_code(ar, res, code) ? NULL : W2_OOM;
}

/* The access a stream or data operation needs: bad-descriptor without it, is-directory for a
 * directory. Returns -1 when allowed. */
static int need(const weft__wasi2_obj_t *d, uint8_t flag)
{
    if (d->dtype == W2_DT_DIRECTORY) return W2_E_IS_DIRECTORY;
    return (d->dflags & flag) ? -1 : W2_E_BAD_DESCRIPTOR;
}

/* A stream over a duplicate of the descriptor, so it outlives the descriptor's handle. */
static weft_error_t *via_stream(weft_wasi2_t *w, const weft_cval_t *args, weft_cval_t *res,
                                weft_cval_arena_t *ar, uint8_t kind, uint8_t sub,
                                uint64_t offset)
{
    weft__wasi2_obj_t *d = weft__wasi2_desc(w, &args[0]);
    if (!d) return weft__wasi2_bad_handle(w);
    int code = need(d, kind == W2_INPUT ? W2_DF_READ : W2_DF_WRITE);
    if (code >= 0) return code_result(ar, res, code);
    int fd = fcntl(d->fd, F_DUPFD_CLOEXEC, 0);
    if (fd < 0) return code_result(ar, res, weft__wasi2_code_of_errno(errno));
    uint32_t rep;
    weft__wasi2_obj_t *s = weft__wasi2_obj_new(w, kind, &rep);
    if (!s) {
        close(fd);
        return W2_OOM;
    }
    s->sub = sub;
    s->fd = fd;
    s->owned = true;
    s->pos = offset;
    return ok_own(ar, res, rep);
}

W2_FN(read_via_stream)
{
    W2_UNUSED;
    return via_stream(W2, args, res, ar, W2_INPUT, W2_SRC_FILE, args[1].u.u);
}

W2_FN(write_via_stream)
{
    W2_UNUSED;
    return via_stream(W2, args, res, ar, W2_OUTPUT, W2_SINK_FILE, args[1].u.u);
}

W2_FN(append_via_stream)
{
    W2_UNUSED;
    return via_stream(W2, args, res, ar, W2_OUTPUT, W2_SINK_APPEND, 0);
}

W2_FN(advise)
{
    W2_UNUSED;
    weft__wasi2_obj_t *d = weft__wasi2_desc(W2, &args[0]);
    if (!d) return weft__wasi2_bad_handle(W2);
    if (d->dtype == W2_DT_DIRECTORY) return code_result(ar, res, W2_E_BAD_DESCRIPTOR);
    static const int advice[] = {POSIX_FADV_NORMAL, POSIX_FADV_SEQUENTIAL, POSIX_FADV_RANDOM,
                                 POSIX_FADV_WILLNEED, POSIX_FADV_DONTNEED, POSIX_FADV_NOREUSE};
    uint32_t a = args[3].u.var.index;
    if (args[1].u.u > (uint64_t)INT64_MAX || args[2].u.u > (uint64_t)INT64_MAX || a > 5)
        return code_result(ar, res, W2_E_INVALID);
    int e = posix_fadvise(d->fd, (off_t)args[1].u.u, (off_t)args[2].u.u, advice[a]);
    return code_result(ar, res, e ? weft__wasi2_code_of_errno(e) : -1);
}

static weft_error_t *do_sync(weft_wasi2_t *w, const weft_cval_t *args, weft_cval_t *res,
                          weft_cval_arena_t *ar, bool data)
{
    weft__wasi2_obj_t *d = weft__wasi2_desc(w, &args[0]);
    if (!d) return weft__wasi2_bad_handle(w);
    int r = data ? fdatasync(d->fd) : fsync(d->fd);
    /* A directory opened read-only may refuse to sync on some file systems: harmless. */
    if (r < 0 && d->dtype == W2_DT_DIRECTORY && (errno == EBADF || errno == EINVAL)) r = 0;
    return code_result(ar, res, r < 0 ? weft__wasi2_code_of_errno(errno) : -1);
}

W2_FN(sync_data) { W2_UNUSED; return do_sync(W2, args, res, ar, true); }
W2_FN(sync_fn) { W2_UNUSED; return do_sync(W2, args, res, ar, false); }

W2_FN(get_flags)
{
    W2_UNUSED;
    weft__wasi2_obj_t *d = weft__wasi2_desc(W2, &args[0]);
    if (!d) return weft__wasi2_bad_handle(W2);
    weft_cval_t *p = weft__wasi2_case(ar, res, WEFT_CVAL_RESULT, 0, true);
    if (!p) return W2_OOM;
    p->kind = WEFT_CVAL_FLAGS;
    p->u.flags = d->dflags;
    return NULL;
}

W2_FN(get_type)
{
    W2_UNUSED;
    weft__wasi2_obj_t *d = weft__wasi2_desc(W2, &args[0]);
    if (!d) return weft__wasi2_bad_handle(W2);
    weft_cval_t *p = weft__wasi2_case(ar, res, WEFT_CVAL_RESULT, 0, true);
    if (!p) return W2_OOM;
    weft__wasi2_enum(p, d->dtype);
    return NULL;
}

W2_FN(set_size)
{
    W2_UNUSED;
    weft__wasi2_obj_t *d = weft__wasi2_desc(W2, &args[0]);
    if (!d) return weft__wasi2_bad_handle(W2);
    int code = need(d, W2_DF_WRITE);
    if (code < 0 && args[1].u.u > (uint64_t)INT64_MAX) code = W2_E_FILE_TOO_LARGE;
    if (code < 0 && ftruncate(d->fd, (off_t)args[1].u.u) < 0)
        code = weft__wasi2_code_of_errno(errno);
    return code_result(ar, res, code);
}

W2_FN(set_times)
{
    W2_UNUSED;
    weft__wasi2_obj_t *d = weft__wasi2_desc(W2, &args[0]);
    if (!d) return weft__wasi2_bad_handle(W2);
    struct timespec ts[2];
    int code = weft__wasi2_timespec(&args[1], &ts[0]);
    if (code < 0) code = weft__wasi2_timespec(&args[2], &ts[1]);
    if (code < 0 && futimens(d->fd, ts) < 0) code = weft__wasi2_code_of_errno(errno);
    return code_result(ar, res, code);
}

/* read: (length, offset) -> tuple<list<u8>, bool end-of-file>. */
W2_FN(read_fn)
{
    W2_UNUSED;
    weft_wasi2_t *w = W2;
    weft__wasi2_obj_t *d = weft__wasi2_desc(w, &args[0]);
    if (!d) return weft__wasi2_bad_handle(w);
    int code = need(d, W2_DF_READ);
    uint64_t off = args[2].u.u;
    if (code < 0 && off > (uint64_t)INT64_MAX) code = W2_E_INVALID;
    if (code >= 0) return code_result(ar, res, code);
    size_t len = args[1].u.u > FILE_READ_MAX ? FILE_READ_MAX : (size_t)args[1].u.u;
    uint8_t *buf = weft__malloc(&w->alloc, len + 1);
    if (!buf) return W2_OOM;
    ssize_t n;
    do n = pread(d->fd, buf, len, (off_t)off); while (n < 0 && errno == EINTR);
    weft_error_t *err = NULL;
    if (n < 0) {
        err = code_result(ar, res, weft__wasi2_code_of_errno(errno));
    } else {
        weft_cval_t *p = weft__wasi2_case(ar, res, WEFT_CVAL_RESULT, 0, true);
        weft_cval_t *t = p ? weft__wasi2_agg(ar, p, WEFT_CVAL_TUPLE, 2) : NULL;
        if (!t || !weft__wasi2_bytes(ar, &t[0], buf, (size_t)n)) err = W2_OOM;
        else weft__wasi2_bool(&t[1], n == 0 && len > 0);
    }
    weft__free(&w->alloc, buf, len + 1);
    return err;
}

/* write: (buffer, offset) -> filesize written. */
W2_FN(write_fn)
{
    W2_UNUSED;
    weft_wasi2_t *w = W2;
    weft__wasi2_obj_t *d = weft__wasi2_desc(w, &args[0]);
    if (!d) return weft__wasi2_bad_handle(w);
    int code = need(d, W2_DF_WRITE);
    uint64_t off = args[2].u.u;
    if (code < 0 && off > (uint64_t)INT64_MAX) code = W2_E_INVALID;
    if (code >= 0) return code_result(ar, res, code);
    uint8_t *p;
    size_t n;
    weft_error_t *err = weft__wasi2_list_bytes(w, &args[1], &p, &n);
    if (err) return err;
    ssize_t k;
    do k = pwrite(d->fd, p, n, (off_t)off); while (k < 0 && errno == EINTR);
    weft__free(&w->alloc, p, n + 1);
    if (k < 0) return code_result(ar, res, weft__wasi2_code_of_errno(errno));
    weft_cval_t *ok = weft__wasi2_case(ar, res, WEFT_CVAL_RESULT, 0, true);
    if (!ok) return W2_OOM;
    weft__wasi2_u64(ok, (uint64_t)k);
    return NULL;
}

W2_FN(read_directory)
{
    W2_UNUSED;
    weft_wasi2_t *w = W2;
    weft__wasi2_obj_t *d = weft__wasi2_desc(w, &args[0]);
    if (!d) return weft__wasi2_bad_handle(w);
    if (d->dtype != W2_DT_DIRECTORY) return code_result(ar, res, W2_E_NOT_DIRECTORY);
    /* A fresh open file description, so the listing starts at the beginning and does not
     * share its position with other listings. */
    int fd = openat(d->fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return code_result(ar, res, weft__wasi2_code_of_errno(errno));
    DIR *dir = fdopendir(fd);
    if (!dir) {
        int e = errno;
        close(fd);
        return code_result(ar, res, weft__wasi2_code_of_errno(e));
    }
    uint32_t rep;
    weft__wasi2_obj_t *s = weft__wasi2_obj_new(w, W2_DIRSTREAM, &rep);
    if (!s) {
        closedir(dir);
        return W2_OOM;
    }
    s->dir = dir;
    return ok_own(ar, res, rep);
}

W2_FN(stat_fn)
{
    W2_UNUSED;
    weft__wasi2_obj_t *d = weft__wasi2_desc(W2, &args[0]);
    if (!d) return weft__wasi2_bad_handle(W2);
    struct stat st;
    if (fstat(d->fd, &st) < 0) return code_result(ar, res, weft__wasi2_code_of_errno(errno));
    weft_cval_t *p = weft__wasi2_case(ar, res, WEFT_CVAL_RESULT, 0, true);
    return p && weft__wasi2_stat_value(ar, p, &st) ? NULL : W2_OOM;
}

W2_FN(is_same_object)
{
    W2_UNUSED;
    weft__wasi2_obj_t *a = weft__wasi2_desc(W2, &args[0]), *b = weft__wasi2_desc(W2, &args[1]);
    if (!a || !b) return weft__wasi2_bad_handle(W2);
    struct stat sa, sb;
    bool same = fstat(a->fd, &sa) == 0 && fstat(b->fd, &sb) == 0 && sa.st_dev == sb.st_dev &&
                sa.st_ino == sb.st_ino;
    weft__wasi2_bool(res, same);
    return NULL;
}

W2_FN(metadata_hash)
{
    W2_UNUSED;
    weft__wasi2_obj_t *d = weft__wasi2_desc(W2, &args[0]);
    if (!d) return weft__wasi2_bad_handle(W2);
    struct stat st;
    if (fstat(d->fd, &st) < 0) return code_result(ar, res, weft__wasi2_code_of_errno(errno));
    weft_cval_t *p = weft__wasi2_case(ar, res, WEFT_CVAL_RESULT, 0, true);
    return p && weft__wasi2_hash_value(ar, p, &st) ? NULL : W2_OOM;
}

/* ---- directory-entry-stream ------------------------------------------------------------ */

static uint8_t dirent_type(DIR *dir, const struct dirent *e)
{
    switch (e->d_type) {
    case DT_REG: return W2_DT_REGULAR;
    case DT_DIR: return W2_DT_DIRECTORY;
    case DT_LNK: return W2_DT_SYMLINK;
    case DT_CHR: return W2_DT_CHAR;
    case DT_BLK: return W2_DT_BLOCK;
    case DT_FIFO: return W2_DT_FIFO;
    case DT_SOCK: return W2_DT_SOCKET;
    default: {
        struct stat st;
        if (fstatat(dirfd(dir), e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) return W2_DT_UNKNOWN;
        return weft__wasi2_dtype((unsigned)st.st_mode);
    }
    }
}

/* read-directory-entry: result<option<directory-entry>, error-code>; "." and ".." are not
 * entries (types.wit read-directory). */
W2_FN(read_directory_entry)
{
    W2_UNUSED;
    weft__wasi2_obj_t *s = weft__wasi2_obj_get(W2, args[0].u.rep, W2_DIRSTREAM);
    if (!s) return weft__wasi2_trap(W2, "directory-entry-stream: unknown handle");
    struct dirent *e;
    for (;;) {
        errno = 0;
        e = readdir(s->dir);
        if (!e) break;
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) break;
    }
    if (!e && errno) return code_result(ar, res, weft__wasi2_code_of_errno(errno));
    weft_cval_t *p = weft__wasi2_case(ar, res, WEFT_CVAL_RESULT, 0, true);
    if (!p) return W2_OOM;
    if (!e) {
        weft__wasi2_case(ar, p, WEFT_CVAL_OPTION, 0, false);
        return NULL;
    }
    weft_cval_t *rec = weft__wasi2_case(ar, p, WEFT_CVAL_OPTION, 1, true);
    weft_cval_t *f = rec ? weft__wasi2_agg(ar, rec, WEFT_CVAL_RECORD, 2) : NULL;
    if (!f) return W2_OOM;
    weft__wasi2_enum(&f[0], dirent_type(s->dir, e));
    return weft_cval_set_string(ar, e->d_name, strlen(e->d_name), &f[1]) ? NULL : W2_OOM;
}

/* filesystem-error-code: the error-code of a stream error, when it has one. */
W2_FN(filesystem_error_code)
{
    W2_UNUSED;
    weft__wasi2_obj_t *o = weft__wasi2_obj_get(W2, args[0].u.rep, W2_ERROR);
    if (!o) return weft__wasi2_trap(W2, "error: unknown handle");
    if (!o->err) {
        weft__wasi2_case(ar, res, WEFT_CVAL_OPTION, 0, false);
        return NULL;
    }
    weft_cval_t *p = weft__wasi2_case(ar, res, WEFT_CVAL_OPTION, 1, true);
    if (!p) return W2_OOM;
    weft__wasi2_enum(p, o->code);
    return NULL;
}

/* ---- wasi:filesystem/preopens ---------------------------------------------------------- */

/* get-directories: list<tuple<descriptor, string>>, a new descriptor (over a duplicate of the
 * host directory) for each preopen, in the order they were added. */
W2_FN(get_directories)
{
    W2_UNUSED;
    weft_wasi2_t *w = W2;
    weft_cval_t *items = weft__wasi2_agg(ar, res, WEFT_CVAL_LIST, (uint32_t)w->npre);
    if (!items) return W2_OOM;
    for (size_t i = 0; i < w->npre; i++) {
        const weft__wasi2_preopen_t *p = &w->pre[i];
        weft_cval_t *t = weft__wasi2_agg(ar, &items[i], WEFT_CVAL_TUPLE, 2);
        if (!t) return W2_OOM;
        int fd = fcntl(p->fd, F_DUPFD_CLOEXEC, 0);
        if (fd < 0) return weft__wasi2_trap(w, "cannot duplicate a preopened directory");
        uint32_t rep;
        weft__wasi2_obj_t *d = weft__wasi2_obj_new(w, W2_DESCRIPTOR, &rep);
        if (!d) {
            close(fd);
            return W2_OOM;
        }
        d->fd = fd;
        d->owned = true;
        d->dtype = W2_DT_DIRECTORY;
        d->dflags = W2_DF_READ | (p->read_only ? 0 : W2_DF_MUTATE_DIR);
        weft__wasi2_own(&t[0], rep);
        if (!weft_cval_set_string(ar, p->guest, p->guest_len, &t[1])) return W2_OOM;
    }
    return NULL;
}

/* With the resources types.wit uses from wasi:io/streams. */
static const char *const types_res[] = {"descriptor", "directory-entry-stream", "input-stream",
                                        "output-stream", "error"};
static const char *const preopens_res[] = {"descriptor"};
static const weft__wasi2_fn_t types_fns[] = {
    {"[method]descriptor.read-via-stream", read_via_stream, NULL},
    {"[method]descriptor.write-via-stream", write_via_stream, NULL},
    {"[method]descriptor.append-via-stream", append_via_stream, NULL},
    {"[method]descriptor.advise", advise, NULL},
    {"[method]descriptor.sync-data", sync_data, NULL},
    {"[method]descriptor.get-flags", get_flags, NULL},
    {"[method]descriptor.get-type", get_type, NULL},
    {"[method]descriptor.set-size", set_size, NULL},
    {"[method]descriptor.set-times", set_times, NULL},
    {"[method]descriptor.read", read_fn, NULL},
    {"[method]descriptor.write", write_fn, NULL},
    {"[method]descriptor.read-directory", read_directory, NULL},
    {"[method]descriptor.sync", sync_fn, NULL},
    {"[method]descriptor.create-directory-at", weft__wasi2_create_directory_at, NULL},
    {"[method]descriptor.stat", stat_fn, NULL},
    {"[method]descriptor.stat-at", weft__wasi2_stat_at, NULL},
    {"[method]descriptor.set-times-at", weft__wasi2_set_times_at, NULL},
    {"[method]descriptor.link-at", weft__wasi2_link_at, NULL},
    {"[method]descriptor.open-at", weft__wasi2_open_at, NULL},
    {"[method]descriptor.readlink-at", weft__wasi2_readlink_at, NULL},
    {"[method]descriptor.remove-directory-at", weft__wasi2_remove_directory_at, NULL},
    {"[method]descriptor.rename-at", weft__wasi2_rename_at, NULL},
    {"[method]descriptor.symlink-at", weft__wasi2_symlink_at, NULL},
    {"[method]descriptor.unlink-file-at", weft__wasi2_unlink_file_at, NULL},
    {"[method]descriptor.is-same-object", is_same_object, NULL},
    {"[method]descriptor.metadata-hash", metadata_hash, NULL},
    {"[method]descriptor.metadata-hash-at", weft__wasi2_metadata_hash_at, NULL},
    {"[method]directory-entry-stream.read-directory-entry", read_directory_entry, NULL},
    {"filesystem-error-code", filesystem_error_code, NULL},
};
static const weft__wasi2_fn_t preopens_fns[] = {{"get-directories", get_directories, NULL}};

const weft__wasi2_iface_t weft__wasi2_fs_ifaces[] = {
    {"wasi:filesystem/types", types_res, 5, types_fns, sizeof types_fns / sizeof *types_fns},
    {"wasi:filesystem/preopens", preopens_res, 1, preopens_fns, 1},
};
const size_t weft__wasi2_fs_nifaces = sizeof weft__wasi2_fs_ifaces / sizeof *weft__wasi2_fs_ifaces;
