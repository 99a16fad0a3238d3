/* wasi_pathops.c - the path_* functions of WASI preview 1 (wasi_snapshot_preview1.witx).
 *
 * Every path goes through weft__wasi_path_resolve() first, so the operation itself only ever
 * sees a directory descriptor inside the sandbox and a single final name, which it uses with
 * the *at() calls without following symlinks. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "wasi/wasi_impl.h"

#define W ((weft_wasi_t *)env)
#define RET(e) return weft__wasi_ret(results, nresults, (e))

/* Resolves the guest path [ptr, ptr+len) beneath guest descriptor `fd`. */
static int begin(weft_wasi_t *w, const weft__wasi_mem_t *m, uint32_t fd, uint32_t ptr,
                 uint32_t len, bool follow, weft__wasi_path_t *p)
{
    weft__wasi_fd_t *f = weft__wasi_fd_get(w, fd);
    memset(p, 0, sizeof *p);
    p->alloc = &w->alloc;
    if (!f) return WASI_EBADF;
    if (!weft__wasi_mem_ok(m, ptr, len)) return WASI_EFAULT;
    return weft__wasi_path_resolve(w, f, (const char *)m->data + ptr, len, follow, p);
}

/* With a trailing slash the name must be a directory (POSIX 4.13 pathname resolution). */
static int check_trailing(const weft__wasi_path_t *p)
{
    if (!p->trailing_slash) return WASI_ESUCCESS;
    struct stat st;
    if (fstatat(p->dirfd, p->name, &st, AT_SYMLINK_NOFOLLOW) < 0) return weft__wasi_errno(errno);
    return S_ISDIR(st.st_mode) ? WASI_ESUCCESS : WASI_ENOTDIR;
}

WEFT__WASI_FN(path_open)
{
    (void)nargs;
    uint32_t fd = weft__wasi_u32(args, 0), dirflags = weft__wasi_u32(args, 1);
    uint32_t path = weft__wasi_u32(args, 2), path_len = weft__wasi_u32(args, 3);
    uint32_t oflags = weft__wasi_u32(args, 4) & 0xFFFF;
    uint64_t base = weft__wasi_u64(args, 5), inh = weft__wasi_u64(args, 6);
    uint32_t fdflags = weft__wasi_u32(args, 7) & 0xFFFF, out = weft__wasi_u32(args, 8);
    weft__wasi_mem_t m;
    if (!weft__wasi_mem_get(caller, &m) || !weft__wasi_mem_ok(&m, out, 4)) RET(WASI_EFAULT);
    weft__wasi_fd_t *dir = weft__wasi_fd_get(W, fd);
    if (!dir) RET(WASI_EBADF);
    uint64_t dir_inh = dir->rights_inheriting;
    /* O_CREAT|O_EXCL never follows a final symlink (POSIX open()). */
    bool follow = (dirflags & WASI_LOOKUP_SYMLINK_FOLLOW) &&
                  !((oflags & WASI_OFLAG_CREAT) && (oflags & WASI_OFLAG_EXCL));
    weft__wasi_path_t p;
    int e = begin(W, &m, fd, path, path_len, follow, &p);
    if (e) {
        weft__wasi_path_done(&p);
        RET(e);
    }
    /* The access mode follows the requested rights, as wasi-libc derives them from O_ACCMODE. */
    bool rd = base & (WASI_RIGHT_FD_READ | WASI_RIGHT_FD_READDIR);
    bool wr = base & (WASI_RIGHT_FD_DATASYNC | WASI_RIGHT_FD_WRITE | WASI_RIGHT_FD_ALLOCATE |
                      WASI_RIGHT_FD_FILESTAT_SET_SIZE);
    int flags = O_CLOEXEC | O_NOFOLLOW | O_NOCTTY;
    flags |= (rd && wr) ? O_RDWR : wr ? O_WRONLY : O_RDONLY;
    if (oflags & WASI_OFLAG_CREAT) flags |= O_CREAT;
    if (oflags & WASI_OFLAG_EXCL) flags |= O_EXCL;
    if (oflags & WASI_OFLAG_TRUNC) flags |= O_TRUNC;
    if ((oflags & WASI_OFLAG_DIRECTORY) || p.trailing_slash) flags |= O_DIRECTORY;
    if (fdflags & WASI_FDFLAG_APPEND) flags |= O_APPEND;
    if (fdflags & WASI_FDFLAG_NONBLOCK) flags |= O_NONBLOCK;
    if (fdflags & WASI_FDFLAG_SYNC) flags |= O_SYNC;
#if defined(O_DSYNC)
    if (fdflags & WASI_FDFLAG_DSYNC) flags |= O_DSYNC;
#endif
#if defined(O_RSYNC)
    if (fdflags & WASI_FDFLAG_RSYNC) flags |= O_RSYNC;
#endif
    int host = -1;
    if ((flags & O_CREAT) && p.trailing_slash)
        e = WASI_EISDIR; /* "name/" cannot be created as a file */
    else if ((host = openat(p.dirfd, p.name, flags, 0666)) < 0)
        e = weft__wasi_errno(errno);
    weft__wasi_path_done(&p);
    if (e) RET(e);
    struct stat st;
    if (fstat(host, &st) < 0) {
        e = weft__wasi_errno(errno);
        close(host);
        RET(e);
    }
    int64_t slot = weft__wasi_fd_insert(W, host, true, weft__wasi_filetype((unsigned)st.st_mode),
                                        base & dir_inh, inh & dir_inh);
    if (slot < 0) {
        close(host);
        RET(WASI_ENOMEM);
    }
    RET(weft__wasi_put32(&m, out, (uint32_t)slot));
}

WEFT__WASI_FN(path_create_directory)
{
    (void)nargs;
    weft__wasi_mem_t m;
    if (!weft__wasi_mem_get(caller, &m)) RET(WASI_EFAULT);
    weft__wasi_path_t p;
    int e = begin(W, &m, weft__wasi_u32(args, 0), weft__wasi_u32(args, 1),
                  weft__wasi_u32(args, 2), false, &p);
    if (!e && mkdirat(p.dirfd, p.name, 0777) < 0) e = weft__wasi_errno(errno);
    weft__wasi_path_done(&p);
    RET(e);
}

WEFT__WASI_FN(path_remove_directory)
{
    (void)nargs;
    weft__wasi_mem_t m;
    if (!weft__wasi_mem_get(caller, &m)) RET(WASI_EFAULT);
    weft__wasi_path_t p;
    int e = begin(W, &m, weft__wasi_u32(args, 0), weft__wasi_u32(args, 1),
                  weft__wasi_u32(args, 2), false, &p);
    if (!e && unlinkat(p.dirfd, p.name, AT_REMOVEDIR) < 0) e = weft__wasi_errno(errno);
    weft__wasi_path_done(&p);
    RET(e);
}

WEFT__WASI_FN(path_unlink_file)
{
    (void)nargs;
    weft__wasi_mem_t m;
    if (!weft__wasi_mem_get(caller, &m)) RET(WASI_EFAULT);
    weft__wasi_path_t p;
    int e = begin(W, &m, weft__wasi_u32(args, 0), weft__wasi_u32(args, 1),
                  weft__wasi_u32(args, 2), false, &p);
    if (!e && p.trailing_slash) {
        /* "x/" names a directory, which unlink never removes. */
        e = check_trailing(&p);
        if (!e) e = WASI_EISDIR;
    }
    if (!e && unlinkat(p.dirfd, p.name, 0) < 0) e = weft__wasi_errno(errno);
    weft__wasi_path_done(&p);
    RET(e);
}

WEFT__WASI_FN(path_rename)
{
    (void)nargs;
    weft__wasi_mem_t m;
    if (!weft__wasi_mem_get(caller, &m)) RET(WASI_EFAULT);
    weft__wasi_path_t a, b;
    int e = begin(W, &m, weft__wasi_u32(args, 0), weft__wasi_u32(args, 1),
                  weft__wasi_u32(args, 2), false, &a);
    if (e) {
        weft__wasi_path_done(&a);
        RET(e);
    }
    e = begin(W, &m, weft__wasi_u32(args, 3), weft__wasi_u32(args, 4), weft__wasi_u32(args, 5),
              false, &b);
    if (!e && (a.trailing_slash || b.trailing_slash)) {
        struct stat st;
        if (fstatat(a.dirfd, a.name, &st, AT_SYMLINK_NOFOLLOW) < 0)
            e = weft__wasi_errno(errno);
        else if (!S_ISDIR(st.st_mode))
            e = WASI_ENOTDIR;
    }
    if (!e && renameat(a.dirfd, a.name, b.dirfd, b.name) < 0) e = weft__wasi_errno(errno);
    weft__wasi_path_done(&b);
    weft__wasi_path_done(&a);
    RET(e);
}

WEFT__WASI_FN(path_filestat_get)
{
    (void)nargs;
    uint32_t out = weft__wasi_u32(args, 4);
    weft__wasi_mem_t m;
    if (!weft__wasi_mem_get(caller, &m) || !weft__wasi_mem_ok(&m, out, 64)) RET(WASI_EFAULT);
    weft__wasi_path_t p;
    bool follow = weft__wasi_u32(args, 1) & WASI_LOOKUP_SYMLINK_FOLLOW;
    int e = begin(W, &m, weft__wasi_u32(args, 0), weft__wasi_u32(args, 2),
                  weft__wasi_u32(args, 3), follow, &p);
    struct stat st;
    if (!e && fstatat(p.dirfd, p.name, &st, AT_SYMLINK_NOFOLLOW) < 0) e = weft__wasi_errno(errno);
    if (!e && p.trailing_slash && !S_ISDIR(st.st_mode)) e = WASI_ENOTDIR;
    if (!e) weft__wasi_filestat_store(m.data + out, &st);
    weft__wasi_path_done(&p);
    RET(e);
}

WEFT__WASI_FN(path_filestat_set_times)
{
    (void)nargs;
    weft__wasi_mem_t m;
    if (!weft__wasi_mem_get(caller, &m)) RET(WASI_EFAULT);
    struct timespec ts[2];
    int e = weft__wasi_times(weft__wasi_u64(args, 4), weft__wasi_u64(args, 5),
                             weft__wasi_u32(args, 6) & 0xFFFF, ts);
    if (e) RET(e);
    weft__wasi_path_t p;
    bool follow = weft__wasi_u32(args, 1) & WASI_LOOKUP_SYMLINK_FOLLOW;
    e = begin(W, &m, weft__wasi_u32(args, 0), weft__wasi_u32(args, 2), weft__wasi_u32(args, 3),
              follow, &p);
    if (!e) e = check_trailing(&p);
    if (!e && utimensat(p.dirfd, p.name, ts, AT_SYMLINK_NOFOLLOW) < 0)
        e = weft__wasi_errno(errno);
    weft__wasi_path_done(&p);
    RET(e);
}

WEFT__WASI_FN(path_readlink)
{
    (void)nargs;
    uint32_t buf = weft__wasi_u32(args, 3), buf_len = weft__wasi_u32(args, 4);
    uint32_t out = weft__wasi_u32(args, 5);
    weft__wasi_mem_t m;
    if (!weft__wasi_mem_get(caller, &m) || !weft__wasi_mem_ok(&m, buf, buf_len) ||
        !weft__wasi_mem_ok(&m, out, 4))
        RET(WASI_EFAULT);
    weft__wasi_path_t p;
    int e = begin(W, &m, weft__wasi_u32(args, 0), weft__wasi_u32(args, 1),
                  weft__wasi_u32(args, 2), false, &p);
    ssize_t n = 0;
    /* readlinkat truncates to the buffer, which is what preview 1 specifies. */
    if (!e && (n = readlinkat(p.dirfd, p.name, (char *)m.data + buf, buf_len)) < 0)
        e = weft__wasi_errno(errno);
    weft__wasi_path_done(&p);
    if (e) RET(e);
    RET(weft__wasi_put32(&m, out, (uint32_t)n));
}

WEFT__WASI_FN(path_symlink)
{
    (void)nargs;
    uint32_t target = weft__wasi_u32(args, 0), target_len = weft__wasi_u32(args, 1);
    weft__wasi_mem_t m;
    if (!weft__wasi_mem_get(caller, &m) || !weft__wasi_mem_ok(&m, target, target_len))
        RET(WASI_EFAULT);
    const char *t = (const char *)m.data + target;
    if (target_len == 0 || memchr(t, 0, target_len)) RET(target_len ? WASI_EINVAL : WASI_ENOENT);
    /* Resolution never follows an absolute target, so such a link could only ever fail inside
     * the sandbox; refusing it keeps host paths from being planted in the directory. */
    if (t[0] == '/') RET(WASI_ENOTCAPABLE);
    char *copy = weft__strndup(&W->alloc, t, target_len);
    if (!copy) RET(WASI_ENOMEM);
    weft__wasi_path_t p;
    int e = begin(W, &m, weft__wasi_u32(args, 2), weft__wasi_u32(args, 3),
                  weft__wasi_u32(args, 4), false, &p);
    if (!e && symlinkat(copy, p.dirfd, p.name) < 0) e = weft__wasi_errno(errno);
    weft__wasi_path_done(&p);
    weft__free(&W->alloc, copy, (size_t)target_len + 1);
    RET(e);
}

WEFT__WASI_FN(path_link)
{
    (void)nargs;
    weft__wasi_mem_t m;
    if (!weft__wasi_mem_get(caller, &m)) RET(WASI_EFAULT);
    weft__wasi_path_t a, b;
    bool follow = weft__wasi_u32(args, 1) & WASI_LOOKUP_SYMLINK_FOLLOW;
    int e = begin(W, &m, weft__wasi_u32(args, 0), weft__wasi_u32(args, 2),
                  weft__wasi_u32(args, 3), follow, &a);
    if (e) {
        weft__wasi_path_done(&a);
        RET(e);
    }
    e = begin(W, &m, weft__wasi_u32(args, 4), weft__wasi_u32(args, 5), weft__wasi_u32(args, 6),
              false, &b);
    if (!e && linkat(a.dirfd, a.name, b.dirfd, b.name, 0) < 0) e = weft__wasi_errno(errno);
    weft__wasi_path_done(&b);
    weft__wasi_path_done(&a);
    RET(e);
}
