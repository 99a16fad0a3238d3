/* wasi2_fs_path.c - the descriptor methods of wasi:filesystem/types that take paths
 * (create-directory-at, stat-at, set-times-at, link-at, open-at, readlink-at,
 * remove-directory-at, rename-at, symlink-at, unlink-file-at, metadata-hash-at).
 *
 * Every path goes through the preview 1 host's sandboxed resolver (wasi_path.c): absolute
 * paths, ".." above the descriptor and symlinks leading outside it fail (error-code
 * not-permitted: 0.2 has no "not capable"), and the operation then acts on one final name in
 * a directory inside the sandbox with *at() calls that do not follow symlinks. Changing a
 * directory's entries needs the descriptor's mutate-directory flag (else read-only). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "wasi/p2/wasi2_fs.h"

#define LINK_MAX_LEN 4096

/* Resolves the path argument beneath directory descriptor d. Returns -1 on success (release
 * p with weft__wasi_path_done), else an error-code. */
static int resolve(weft_wasi2_t *w, const weft__wasi2_obj_t *d, const weft_cval_t *path,
                   weft_cval_arena_t *ar, bool follow, bool mutate, weft__wasi_path_t *p)
{
    if (d->dtype != W2_DT_DIRECTORY) return W2_E_NOT_DIRECTORY;
    if (mutate && !(d->dflags & W2_DF_MUTATE_DIR)) return W2_E_READ_ONLY;
    const char *s;
    size_t n;
    if (!weft__wasi2_str(ar, path, &s, &n)) return W2_E_INSUFFICIENT_MEMORY;
    weft__wasi_fd_t base;
    memset(&base, 0, sizeof base);
    base.used = true;
    base.host = d->fd;
    base.filetype = WASI_FILETYPE_DIRECTORY;
    base.rights_base = WASI_RIGHTS_ALL;
    int e = weft__wasi_path_resolve(&w->p1, &base, s, n, follow, p);
    return e ? weft__wasi2_code_of_p1(e) : -1;
}

static weft_error_t *path_result(weft_cval_arena_t *ar, weft_cval_t *res, int code)
{
    return weft__wasi2_result_code(ar, res, code) ? NULL : W2_OOM;
}

/* With a trailing slash the name must be a directory (POSIX 4.13 pathname resolution). */
static int check_trailing(const weft__wasi_path_t *p)
{
    if (!p->trailing_slash) return -1;
    struct stat st;
    if (fstatat(p->dirfd, p->name, &st, AT_SYMLINK_NOFOLLOW) < 0)
        return weft__wasi2_code_of_errno(errno);
    return S_ISDIR(st.st_mode) ? -1 : W2_E_NOT_DIRECTORY;
}

/* The common shape: resolve args[path_arg] beneath args[0], run op on the final name. */
typedef int (*path_op_t)(const weft__wasi_path_t *p, const weft_cval_t *args);

static weft_error_t *simple(void *env, const weft_cval_t *args, weft_cval_t *res,
                            weft_cval_arena_t *ar, size_t path_arg, bool follow, bool mutate,
                            path_op_t op)
{
    weft_wasi2_t *w = env;
    weft__wasi2_obj_t *d = weft__wasi2_desc(w, &args[0]);
    if (!d) return weft__wasi2_bad_handle(w);
    weft__wasi_path_t p;
    int code = resolve(w, d, &args[path_arg], ar, follow, mutate, &p);
    if (code >= 0) return path_result(ar, res, code);
    code = op(&p, args);
    weft__wasi_path_done(&p);
    return path_result(ar, res, code);
}

static int op_mkdir(const weft__wasi_path_t *p, const weft_cval_t *args)
{
    (void)args;
    return mkdirat(p->dirfd, p->name, 0777) < 0 ? weft__wasi2_code_of_errno(errno) : -1;
}

W2_FS_DECL(weft__wasi2_create_directory_at)
{
    W2_UNUSED;
    return simple(env, args, res, ar, 1, false, true, op_mkdir);
}

static int op_rmdir(const weft__wasi_path_t *p, const weft_cval_t *args)
{
    (void)args;
    return unlinkat(p->dirfd, p->name, AT_REMOVEDIR) < 0 ? weft__wasi2_code_of_errno(errno) : -1;
}

W2_FS_DECL(weft__wasi2_remove_directory_at)
{
    W2_UNUSED;
    return simple(env, args, res, ar, 1, false, true, op_rmdir);
}

static int op_unlink(const weft__wasi_path_t *p, const weft_cval_t *args)
{
    (void)args;
    if (p->trailing_slash) {
        /* "x/" names a directory, which unlink never removes. */
        int code = check_trailing(p);
        return code >= 0 ? code : W2_E_IS_DIRECTORY;
    }
    return unlinkat(p->dirfd, p->name, 0) < 0 ? weft__wasi2_code_of_errno(errno) : -1;
}

W2_FS_DECL(weft__wasi2_unlink_file_at)
{
    W2_UNUSED;
    return simple(env, args, res, ar, 1, false, true, op_unlink);
}

static int op_set_times(const weft__wasi_path_t *p, const weft_cval_t *args)
{
    struct timespec ts[2];
    int code = weft__wasi2_timespec(&args[3], &ts[0]);
    if (code < 0) code = weft__wasi2_timespec(&args[4], &ts[1]);
    if (code < 0 && utimensat(p->dirfd, p->name, ts, AT_SYMLINK_NOFOLLOW) < 0)
        code = weft__wasi2_code_of_errno(errno);
    return code;
}

W2_FS_DECL(weft__wasi2_set_times_at)
{
    W2_UNUSED;
    return simple(env, args, res, ar, 2, (args[1].u.flags & 1) != 0, true, op_set_times);
}

/* stat-at and metadata-hash-at: fstatat of the final name (a followed symlink was already
 * resolved inside the sandbox, so the host never follows one). */
static weft_error_t *stat_at(void *env, const weft_cval_t *args, weft_cval_t *res,
                             weft_cval_arena_t *ar, bool hash)
{
    weft_wasi2_t *w = env;
    weft__wasi2_obj_t *d = weft__wasi2_desc(w, &args[0]);
    if (!d) return weft__wasi2_bad_handle(w);
    weft__wasi_path_t p;
    int code = resolve(w, d, &args[2], ar, (args[1].u.flags & 1) != 0, false, &p);
    if (code >= 0) return path_result(ar, res, code);
    struct stat st;
    if (fstatat(p.dirfd, p.name, &st, AT_SYMLINK_NOFOLLOW) < 0)
        code = weft__wasi2_code_of_errno(errno);
    else if (p.trailing_slash && !S_ISDIR(st.st_mode))
        code = W2_E_NOT_DIRECTORY;
    weft__wasi_path_done(&p);
    if (code >= 0) return path_result(ar, res, code);
    weft_cval_t *ok = weft__wasi2_case(ar, res, WEFT_CVAL_RESULT, 0, true);
    if (!ok) return W2_OOM;
    bool good = hash ? weft__wasi2_hash_value(ar, ok, &st) : weft__wasi2_stat_value(ar, ok, &st);
    return good ? NULL : W2_OOM;
}

W2_FS_DECL(weft__wasi2_stat_at)
{
    W2_UNUSED;
    return stat_at(env, args, res, ar, false);
}

W2_FS_DECL(weft__wasi2_metadata_hash_at)
{
    W2_UNUSED;
    return stat_at(env, args, res, ar, true);
}

W2_FS_DECL(weft__wasi2_readlink_at)
{
    W2_UNUSED;
    weft_wasi2_t *w = env;
    weft__wasi2_obj_t *d = weft__wasi2_desc(w, &args[0]);
    if (!d) return weft__wasi2_bad_handle(w);
    weft__wasi_path_t p;
    int code = resolve(w, d, &args[1], ar, false, false, &p);
    if (code >= 0) return path_result(ar, res, code);
    char *buf = weft__malloc(&w->alloc, LINK_MAX_LEN + 1);
    ssize_t n = -1;
    if (!buf) code = W2_E_INSUFFICIENT_MEMORY;
    else if ((n = readlinkat(p.dirfd, p.name, buf, LINK_MAX_LEN)) < 0)
        code = weft__wasi2_code_of_errno(errno);
    else if (n >= LINK_MAX_LEN)
        code = W2_E_NAME_TOO_LONG;
    weft__wasi_path_done(&p);
    weft_error_t *err = NULL;
    if (code >= 0) {
        err = path_result(ar, res, code);
    } else {
        weft_cval_t *ok = weft__wasi2_case(ar, res, WEFT_CVAL_RESULT, 0, true);
        if (!ok || !weft_cval_set_string(ar, buf, (size_t)n, ok)) err = W2_OOM;
    }
    if (buf) weft__free(&w->alloc, buf, LINK_MAX_LEN + 1);
    return err;
}

W2_FS_DECL(weft__wasi2_symlink_at)
{
    W2_UNUSED;
    weft_wasi2_t *w = env;
    weft__wasi2_obj_t *d = weft__wasi2_desc(w, &args[0]);
    if (!d) return weft__wasi2_bad_handle(w);
    const char *target;
    size_t tlen;
    if (!weft__wasi2_str(ar, &args[1], &target, &tlen)) return W2_OOM;
    /* An absolute target names no capability; a relative one is checked whenever it is
     * followed. */
    if (tlen && target[0] == '/') return path_result(ar, res, W2_E_NOT_PERMITTED);
    if (memchr(target, 0, tlen)) return path_result(ar, res, W2_E_INVALID);
    weft__wasi_path_t p;
    int code = resolve(w, d, &args[2], ar, false, true, &p);
    if (code >= 0) return path_result(ar, res, code);
    if (symlinkat(target, p.dirfd, p.name) < 0) code = weft__wasi2_code_of_errno(errno);
    weft__wasi_path_done(&p);
    return path_result(ar, res, code);
}

/* Two paths: link-at (old-path-flags, old-path, new-descriptor, new-path) and rename-at
 * (old-path, new-descriptor, new-path). */
static weft_error_t *two_paths(void *env, const weft_cval_t *args, weft_cval_t *res,
                               weft_cval_arena_t *ar, bool link)
{
    weft_wasi2_t *w = env;
    size_t k = link ? 1 : 0;
    weft__wasi2_obj_t *od = weft__wasi2_desc(w, &args[0]);
    weft__wasi2_obj_t *nd = weft__wasi2_desc(w, &args[k + 2]);
    if (!od || !nd) return weft__wasi2_bad_handle(w);
    bool follow = link && (args[1].u.flags & 1) != 0;
    weft__wasi_path_t a, b;
    int code = resolve(w, od, &args[k + 1], ar, follow, !link, &a);
    if (code >= 0) return path_result(ar, res, code);
    code = resolve(w, nd, &args[k + 3], ar, false, true, &b);
    if (code >= 0) {
        weft__wasi_path_done(&a);
        return path_result(ar, res, code);
    }
    int r;
    if (link) {
        r = (a.trailing_slash || b.trailing_slash) ? (errno = EPERM, -1)
                                                    : linkat(a.dirfd, a.name, b.dirfd, b.name, 0);
    } else {
        code = check_trailing(&a);
        r = code >= 0 ? 0 : renameat(a.dirfd, a.name, b.dirfd, b.name);
    }
    if (code < 0 && r < 0) code = weft__wasi2_code_of_errno(errno);
    weft__wasi_path_done(&a);
    weft__wasi_path_done(&b);
    return path_result(ar, res, code);
}

W2_FS_DECL(weft__wasi2_link_at)
{
    W2_UNUSED;
    return two_paths(env, args, res, ar, true);
}

W2_FS_DECL(weft__wasi2_rename_at)
{
    W2_UNUSED;
    return two_paths(env, args, res, ar, false);
}

/* open-at: (path-flags, path, open-flags, descriptor-flags) -> result<descriptor>.
 * open-flags bits: create 1, directory 2, exclusive 4, truncate 8 (types.wit). */
W2_FS_DECL(weft__wasi2_open_at)
{
    W2_UNUSED;
    weft_wasi2_t *w = env;
    weft__wasi2_obj_t *d = weft__wasi2_desc(w, &args[0]);
    if (!d) return weft__wasi2_bad_handle(w);
    uint32_t oflags = args[3].u.flags, flags = args[4].u.flags;
    uint8_t parent_flags = d->dflags;
    /* types.wit open-at: write or mutate-directory through a descriptor without
     * mutate-directory fails with read-only; so does creating or truncating. */
    bool mutate = (flags & (W2_DF_WRITE | W2_DF_MUTATE_DIR)) || (oflags & (1u | 8u));
    if (mutate && !(parent_flags & W2_DF_MUTATE_DIR) && d->dtype == W2_DT_DIRECTORY)
        return path_result(ar, res, W2_E_READ_ONLY);
    /* O_CREAT|O_EXCL never follows a final symlink (POSIX open()). */
    bool follow = (args[1].u.flags & 1) && !((oflags & 1u) && (oflags & 4u));
    weft__wasi_path_t p;
    int code = resolve(w, d, &args[2], ar, follow, false, &p);
    if (code >= 0) return path_result(ar, res, code);
    bool rd = flags & W2_DF_READ, wr = flags & W2_DF_WRITE;
    int of = O_CLOEXEC | O_NOFOLLOW | O_NOCTTY;
    of |= (rd && wr) ? O_RDWR : wr ? O_WRONLY : O_RDONLY;
    if (oflags & 1u) of |= O_CREAT;
    if (oflags & 4u) of |= O_EXCL;
    if (oflags & 8u) of |= O_TRUNC;
    if ((oflags & 2u) || p.trailing_slash) of |= O_DIRECTORY;
    if (flags & W2_DF_FILE_SYNC) of |= O_SYNC;
#if defined(O_DSYNC)
    if (flags & W2_DF_DATA_SYNC) of |= O_DSYNC;
#endif
#if defined(O_RSYNC)
    if (flags & W2_DF_REQ_SYNC) of |= O_RSYNC;
#endif
    int fd = -1;
    if ((of & O_CREAT) && p.trailing_slash) code = W2_E_IS_DIRECTORY;
    else if ((fd = openat(p.dirfd, p.name, of, 0666)) < 0) code = weft__wasi2_code_of_errno(errno);
    weft__wasi_path_done(&p);
    if (code >= 0) return path_result(ar, res, code);
    struct stat st;
    if (fstat(fd, &st) < 0) {
        code = weft__wasi2_code_of_errno(errno);
        close(fd);
        return path_result(ar, res, code);
    }
    uint32_t rep;
    weft__wasi2_obj_t *o = weft__wasi2_obj_new(w, W2_DESCRIPTOR, &rep);
    if (!o) {
        close(fd);
        return W2_OOM;
    }
    o->fd = fd;
    o->owned = true;
    o->dtype = weft__wasi2_dtype((unsigned)st.st_mode);
    o->dflags = (uint8_t)(flags & (W2_DF_READ | W2_DF_WRITE | W2_DF_FILE_SYNC | W2_DF_DATA_SYNC |
                                   W2_DF_REQ_SYNC));
    /* A directory opened beneath a mutable one may change its own entries too. */
    if (o->dtype == W2_DT_DIRECTORY && (parent_flags & W2_DF_MUTATE_DIR))
        o->dflags |= W2_DF_MUTATE_DIR;
    weft_cval_t *ok = weft__wasi2_case(ar, res, WEFT_CVAL_RESULT, 0, true);
    if (!ok) return W2_OOM;
    weft__wasi2_own(ok, rep);
    return NULL;
}
