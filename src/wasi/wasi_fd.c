/* wasi_fd.c - the fd_* functions of WASI preview 1 (wasi_snapshot_preview1.witx).
 *
 * Each function returns the WASI errno as its i32 result. Guest structures are read and written
 * only after their whole range has been checked against the memory size; results are stored
 * only once the host operation succeeded, so a bad result pointer (EFAULT) is detected before
 * any side effect where that is possible. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "wasi/wasi_impl.h"

#define W ((weft_wasi_t *)env)
#define RET(e) return weft__wasi_ret(results, nresults, (e))
#define UNUSED_ARGS (void)nargs

/* Validates an iovec array (iovec/ciovec: buf u32 @0, buf_len u32 @4; 8 bytes each). */
static int check_iovs(const weft__wasi_mem_t *m, uint32_t iovs, uint32_t n)
{
    if (!weft__wasi_mem_ok(m, iovs, (uint64_t)n * 8)) return WASI_EFAULT;
    for (uint32_t i = 0; i < n; i++) {
        const uint8_t *e = m->data + iovs + (uint64_t)i * 8;
        if (!weft__wasi_mem_ok(m, weft__wasi_ld32(e), weft__wasi_ld32(e + 4))) return WASI_EFAULT;
    }
    return WASI_ESUCCESS;
}

/* Reads or writes the iovecs, at `offset` when positional (offset >= 0). A short transfer ends
 * the loop, as for readv/writev; an error after some bytes moved reports the bytes. */
static int transfer(const weft__wasi_mem_t *m, int fd, uint32_t iovs, uint32_t n, bool write_,
                    int64_t offset, uint32_t *done)
{
    uint64_t total = 0;
    for (uint32_t i = 0; i < n; i++) {
        const uint8_t *e = m->data + iovs + (uint64_t)i * 8;
        uint8_t *buf = m->data + weft__wasi_ld32(e);
        size_t len = weft__wasi_ld32(e + 4);
        if (len == 0) continue;
        if (total + len > UINT32_MAX) len = (size_t)(UINT32_MAX - total);
        size_t got = 0;
        while (got < len) {
            ssize_t r;
            if (offset >= 0) {
                off_t at = (off_t)(offset + (int64_t)total + (int64_t)got);
                r = write_ ? pwrite(fd, buf + got, len - got, at)
                           : pread(fd, buf + got, len - got, at);
            } else {
                r = write_ ? write(fd, buf + got, len - got) : read(fd, buf + got, len - got);
            }
            if (r < 0) {
                if (errno == EINTR) continue;
                if (total + got > 0) break;
                return weft__wasi_errno(errno);
            }
            if (r == 0) break;
            got += (size_t)r;
            if (!write_) break; /* a read returns what is available */
        }
        total += got;
        if (got < len || total >= UINT32_MAX) break;
    }
    *done = (uint32_t)total;
    return WASI_ESUCCESS;
}

static weft_error_t *rw(void *env, weft_caller_t *caller, const weft_val_t *args,
                        weft_val_t *results, size_t nresults, bool write_, bool positional)
{
    weft__wasi_fd_t *f = weft__wasi_fd_get(W, weft__wasi_u32(args, 0));
    if (!f) RET(WASI_EBADF);
    uint64_t need = write_ ? WASI_RIGHT_FD_WRITE : WASI_RIGHT_FD_READ;
    if (!(f->rights_base & need)) RET(WASI_EBADF);
    if (f->filetype == WASI_FILETYPE_DIRECTORY) RET(WASI_EISDIR);
    weft__wasi_mem_t m;
    if (!weft__wasi_mem_get(caller, &m)) RET(WASI_EFAULT);
    uint32_t iovs = weft__wasi_u32(args, 1), n = weft__wasi_u32(args, 2);
    int64_t offset = -1;
    uint32_t out = weft__wasi_u32(args, positional ? 4 : 3);
    if (positional) {
        uint64_t off = weft__wasi_u64(args, 3);
        if (off > INT64_MAX / 2) RET(WASI_EINVAL);
        offset = (int64_t)off;
    }
    int e = check_iovs(&m, iovs, n);
    if (!e && !weft__wasi_mem_ok(&m, out, 4)) e = WASI_EFAULT;
    if (e) RET(e);
    uint32_t done = 0;
    e = transfer(&m, f->host, iovs, n, write_, offset, &done);
    if (e) RET(e);
    RET(weft__wasi_put32(&m, out, done));
}

WEFT__WASI_FN(fd_write)
{
    UNUSED_ARGS;
    return rw(env, caller, args, results, nresults, true, false);
}

WEFT__WASI_FN(fd_read)
{
    UNUSED_ARGS;
    return rw(env, caller, args, results, nresults, false, false);
}

WEFT__WASI_FN(fd_pwrite)
{
    UNUSED_ARGS;
    return rw(env, caller, args, results, nresults, true, true);
}

WEFT__WASI_FN(fd_pread)
{
    UNUSED_ARGS;
    return rw(env, caller, args, results, nresults, false, true);
}

/* A descriptor without the seek rights: a terminal cannot seek anyway (ESPIPE, as the host
 * would say); anything else lacks the capability. */
static int seek_denied(const weft__wasi_fd_t *f)
{
    return f->filetype == WASI_FILETYPE_CHARACTER_DEVICE ? WASI_ESPIPE : WASI_ENOTCAPABLE;
}

WEFT__WASI_FN(fd_seek)
{
    UNUSED_ARGS;
    weft__wasi_fd_t *f = weft__wasi_fd_get(W, weft__wasi_u32(args, 0));
    if (!f) RET(WASI_EBADF);
    int64_t off = (int64_t)weft__wasi_u64(args, 1);
    uint32_t whence = weft__wasi_u32(args, 2) & 0xFF;
    uint32_t out = weft__wasi_u32(args, 3);
    /* whence: set 0, cur 1, end 2 (typenames.witx `$whence`) */
    int how = whence == 0 ? SEEK_SET : whence == 1 ? SEEK_CUR : whence == 2 ? SEEK_END : -1;
    if (how < 0) RET(WASI_EINVAL);
    /* fd_seek needs FD_SEEK, except that the query form (offset 0 from the current position)
     * is allowed by FD_TELL as well (witx `$rights`). */
    uint64_t need = (how == SEEK_CUR && off == 0) ? WASI_RIGHT_FD_SEEK | WASI_RIGHT_FD_TELL
                                                  : WASI_RIGHT_FD_SEEK;
    if (!(f->rights_base & need)) RET(seek_denied(f));
    weft__wasi_mem_t m;
    if (!weft__wasi_mem_get(caller, &m) || !weft__wasi_mem_ok(&m, out, 8)) RET(WASI_EFAULT);
    if (f->filetype == WASI_FILETYPE_DIRECTORY) RET(WASI_EISDIR);
    off_t r = lseek(f->host, (off_t)off, how);
    if (r < 0) RET(weft__wasi_errno(errno));
    RET(weft__wasi_put64(&m, out, (uint64_t)r));
}

WEFT__WASI_FN(fd_tell)
{
    UNUSED_ARGS;
    weft__wasi_fd_t *f = weft__wasi_fd_get(W, weft__wasi_u32(args, 0));
    if (!f) RET(WASI_EBADF);
    uint32_t out = weft__wasi_u32(args, 1);
    if (!(f->rights_base & WASI_RIGHT_FD_TELL)) RET(seek_denied(f));
    weft__wasi_mem_t m;
    if (!weft__wasi_mem_get(caller, &m) || !weft__wasi_mem_ok(&m, out, 8)) RET(WASI_EFAULT);
    off_t r = lseek(f->host, 0, SEEK_CUR);
    if (r < 0) RET(weft__wasi_errno(errno));
    RET(weft__wasi_put64(&m, out, (uint64_t)r));
}

WEFT__WASI_FN(fd_close)
{
    (void)caller;
    UNUSED_ARGS;
    weft__wasi_fd_t *f = weft__wasi_fd_get(W, weft__wasi_u32(args, 0));
    if (!f) RET(WASI_EBADF);
    weft__wasi_fd_release(W, f);
    RET(WASI_ESUCCESS);
}

static weft_error_t *sync_common(void *env, const weft_val_t *args, weft_val_t *results,
                                 size_t nresults, bool data_only)
{
    weft__wasi_fd_t *f = weft__wasi_fd_get(W, weft__wasi_u32(args, 0));
    if (!f) RET(WASI_EBADF);
    int r = data_only ? fdatasync(f->host) : fsync(f->host);
    RET(r < 0 ? weft__wasi_errno(errno) : WASI_ESUCCESS);
}

WEFT__WASI_FN(fd_sync)
{
    (void)caller;
    UNUSED_ARGS;
    return sync_common(env, args, results, nresults, false);
}

WEFT__WASI_FN(fd_datasync)
{
    (void)caller;
    UNUSED_ARGS;
    return sync_common(env, args, results, nresults, true);
}

/* fdstat: fs_filetype u8 @0, fs_flags u16 @2, fs_rights_base u64 @8,
 * fs_rights_inheriting u64 @16; 24 bytes. */
WEFT__WASI_FN(fd_fdstat_get)
{
    UNUSED_ARGS;
    weft__wasi_fd_t *f = weft__wasi_fd_get(W, weft__wasi_u32(args, 0));
    if (!f) RET(WASI_EBADF);
    uint32_t out = weft__wasi_u32(args, 1);
    weft__wasi_mem_t m;
    if (!weft__wasi_mem_get(caller, &m) || !weft__wasi_mem_ok(&m, out, 24)) RET(WASI_EFAULT);
    int fl = fcntl(f->host, F_GETFL);
    if (fl < 0) RET(weft__wasi_errno(errno));
    uint16_t flags = 0;
    if (fl & O_APPEND) flags |= WASI_FDFLAG_APPEND;
    if (fl & O_NONBLOCK) flags |= WASI_FDFLAG_NONBLOCK;
#if defined(O_DSYNC)
    if ((fl & O_DSYNC) == O_DSYNC) flags |= WASI_FDFLAG_DSYNC;
#endif
    if ((fl & O_SYNC) == O_SYNC) flags |= WASI_FDFLAG_SYNC;
    uint8_t *p = m.data + out;
    memset(p, 0, 24);
    p[0] = f->filetype;
    weft__wasi_st16(p + 2, flags);
    weft__wasi_st64(p + 8, f->rights_base);
    weft__wasi_st64(p + 16, f->rights_inheriting);
    RET(WASI_ESUCCESS);
}

WEFT__WASI_FN(fd_fdstat_set_flags)
{
    (void)caller;
    UNUSED_ARGS;
    weft__wasi_fd_t *f = weft__wasi_fd_get(W, weft__wasi_u32(args, 0));
    if (!f) RET(WASI_EBADF);
    uint32_t flags = weft__wasi_u32(args, 1) & 0xFFFF;
    /* Linux cannot change the synchronisation flags of an open file. */
    if (flags & (WASI_FDFLAG_DSYNC | WASI_FDFLAG_RSYNC | WASI_FDFLAG_SYNC)) RET(WASI_ENOTSUP);
    int fl = fcntl(f->host, F_GETFL);
    if (fl < 0) RET(weft__wasi_errno(errno));
    fl &= ~(O_APPEND | O_NONBLOCK);
    if (flags & WASI_FDFLAG_APPEND) fl |= O_APPEND;
    if (flags & WASI_FDFLAG_NONBLOCK) fl |= O_NONBLOCK;
    if (fcntl(f->host, F_SETFL, fl) < 0) RET(weft__wasi_errno(errno));
    RET(WASI_ESUCCESS);
}

WEFT__WASI_FN(fd_fdstat_set_rights)
{
    (void)caller;
    UNUSED_ARGS;
    weft__wasi_fd_t *f = weft__wasi_fd_get(W, weft__wasi_u32(args, 0));
    if (!f) RET(WASI_EBADF);
    uint64_t base = weft__wasi_u64(args, 1), inh = weft__wasi_u64(args, 2);
    /* Rights can only be dropped, never gained. */
    if ((base & ~f->rights_base) || (inh & ~f->rights_inheriting)) RET(WASI_ENOTCAPABLE);
    f->rights_base = base;
    f->rights_inheriting = inh;
    RET(WASI_ESUCCESS);
}

WEFT__WASI_FN(fd_filestat_get)
{
    UNUSED_ARGS;
    weft__wasi_fd_t *f = weft__wasi_fd_get(W, weft__wasi_u32(args, 0));
    if (!f) RET(WASI_EBADF);
    uint32_t out = weft__wasi_u32(args, 1);
    weft__wasi_mem_t m;
    if (!weft__wasi_mem_get(caller, &m) || !weft__wasi_mem_ok(&m, out, 64)) RET(WASI_EFAULT);
    struct stat st;
    if (fstat(f->host, &st) < 0) RET(weft__wasi_errno(errno));
    weft__wasi_filestat_store(m.data + out, &st);
    RET(WASI_ESUCCESS);
}

WEFT__WASI_FN(fd_filestat_set_size)
{
    (void)caller;
    UNUSED_ARGS;
    weft__wasi_fd_t *f = weft__wasi_fd_get(W, weft__wasi_u32(args, 0));
    if (!f) RET(WASI_EBADF);
    uint64_t size = weft__wasi_u64(args, 1);
    if (size > INT64_MAX) RET(WASI_EINVAL);
    if (ftruncate(f->host, (off_t)size) < 0) RET(weft__wasi_errno(errno));
    RET(WASI_ESUCCESS);
}

int weft__wasi_times(uint64_t atim, uint64_t mtim, uint32_t fst, struct timespec ts[2])
{
    if ((fst & WASI_FST_ATIM) && (fst & WASI_FST_ATIM_NOW)) return WASI_EINVAL;
    if ((fst & WASI_FST_MTIM) && (fst & WASI_FST_MTIM_NOW)) return WASI_EINVAL;
    if (fst & ~UINT32_C(15)) return WASI_EINVAL;
    uint64_t t[2] = {atim, mtim};
    for (int i = 0; i < 2; i++) {
        uint32_t set = i == 0 ? WASI_FST_ATIM : WASI_FST_MTIM;
        uint32_t now = i == 0 ? WASI_FST_ATIM_NOW : WASI_FST_MTIM_NOW;
        if (fst & now) {
            ts[i].tv_sec = 0;
            ts[i].tv_nsec = UTIME_NOW;
        } else if (fst & set) {
            ts[i].tv_sec = (time_t)(t[i] / 1000000000u);
            ts[i].tv_nsec = (long)(t[i] % 1000000000u);
        } else {
            ts[i].tv_sec = 0;
            ts[i].tv_nsec = UTIME_OMIT;
        }
    }
    return WASI_ESUCCESS;
}

WEFT__WASI_FN(fd_filestat_set_times)
{
    (void)caller;
    UNUSED_ARGS;
    weft__wasi_fd_t *f = weft__wasi_fd_get(W, weft__wasi_u32(args, 0));
    if (!f) RET(WASI_EBADF);
    struct timespec ts[2];
    int e = weft__wasi_times(weft__wasi_u64(args, 1), weft__wasi_u64(args, 2),
                             weft__wasi_u32(args, 3) & 0xFFFF, ts);
    if (e) RET(e);
    if (futimens(f->host, ts) < 0) RET(weft__wasi_errno(errno));
    RET(WASI_ESUCCESS);
}

WEFT__WASI_FN(fd_advise)
{
    (void)caller;
    UNUSED_ARGS;
    weft__wasi_fd_t *f = weft__wasi_fd_get(W, weft__wasi_u32(args, 0));
    if (!f) RET(WASI_EBADF);
    uint64_t off = weft__wasi_u64(args, 1), len = weft__wasi_u64(args, 2);
    uint32_t advice = weft__wasi_u32(args, 3) & 0xFF;
    /* advice: normal 0, sequential 1, random 2, willneed 3, dontneed 4, noreuse 5 */
    static const int map[6] = {POSIX_FADV_NORMAL, POSIX_FADV_SEQUENTIAL, POSIX_FADV_RANDOM,
                               POSIX_FADV_WILLNEED, POSIX_FADV_DONTNEED, POSIX_FADV_NOREUSE};
    if (advice > 5 || off > INT64_MAX || len > INT64_MAX) RET(WASI_EINVAL);
    if (f->filetype == WASI_FILETYPE_DIRECTORY) RET(WASI_EBADF);
    /* Advice is only a hint: its failure on a file that accepts no advice is not reported. */
    int r = posix_fadvise(f->host, (off_t)off, (off_t)len, map[advice]);
    RET(r == ESPIPE ? WASI_ESPIPE : WASI_ESUCCESS);
}

WEFT__WASI_FN(fd_allocate)
{
    (void)caller;
    UNUSED_ARGS;
    weft__wasi_fd_t *f = weft__wasi_fd_get(W, weft__wasi_u32(args, 0));
    if (!f) RET(WASI_EBADF);
    uint64_t off = weft__wasi_u64(args, 1), len = weft__wasi_u64(args, 2);
    if (off > INT64_MAX || len > (uint64_t)INT64_MAX - off) RET(WASI_EFBIG);
    struct stat st;
    if (fstat(f->host, &st) < 0) RET(weft__wasi_errno(errno));
    if (S_ISDIR(st.st_mode)) RET(WASI_EBADF);
    if (!S_ISREG(st.st_mode)) RET(WASI_ESPIPE);
    /* Only the size matters to the guest: extend the file (sparse) when the range ends past it. */
    if ((uint64_t)st.st_size < off + len && ftruncate(f->host, (off_t)(off + len)) < 0)
        RET(weft__wasi_errno(errno));
    RET(WASI_ESUCCESS);
}

/* prestat: tag u8 @0 (0 = dir), pr_name_len u32 @4; 8 bytes. */
WEFT__WASI_FN(fd_prestat_get)
{
    UNUSED_ARGS;
    weft__wasi_fd_t *f = weft__wasi_fd_get(W, weft__wasi_u32(args, 0));
    if (!f || !f->preopen) RET(WASI_EBADF);
    uint32_t out = weft__wasi_u32(args, 1);
    weft__wasi_mem_t m;
    if (!weft__wasi_mem_get(caller, &m) || !weft__wasi_mem_ok(&m, out, 8)) RET(WASI_EFAULT);
    memset(m.data + out, 0, 8);
    weft__wasi_st32(m.data + out + 4, (uint32_t)f->preopen_len);
    RET(WASI_ESUCCESS);
}

WEFT__WASI_FN(fd_prestat_dir_name)
{
    UNUSED_ARGS;
    weft__wasi_fd_t *f = weft__wasi_fd_get(W, weft__wasi_u32(args, 0));
    if (!f || !f->preopen) RET(WASI_EBADF);
    uint32_t out = weft__wasi_u32(args, 1), len = weft__wasi_u32(args, 2);
    if (len < f->preopen_len) RET(WASI_ENAMETOOLONG);
    weft__wasi_mem_t m;
    if (!weft__wasi_mem_get(caller, &m) || !weft__wasi_mem_ok(&m, out, f->preopen_len))
        RET(WASI_EFAULT);
    memcpy(m.data + out, f->preopen, f->preopen_len);
    RET(WASI_ESUCCESS);
}

WEFT__WASI_FN(fd_renumber)
{
    (void)caller;
    UNUSED_ARGS;
    uint32_t from = weft__wasi_u32(args, 0), to = weft__wasi_u32(args, 1);
    weft__wasi_fd_t *a = weft__wasi_fd_get(W, from), *b = weft__wasi_fd_get(W, to);
    if (!a || !b) RET(WASI_EBADF);
    if (from == to) RET(WASI_ESUCCESS);
    weft__wasi_fd_release(W, b);
    *b = *a;
    memset(a, 0, sizeof *a);
    RET(WASI_ESUCCESS);
}

static uint8_t dirent_type(DIR *d, const struct dirent *de)
{
#if defined(DT_UNKNOWN)
    switch (de->d_type) {
    case DT_REG: return WASI_FILETYPE_REGULAR_FILE;
    case DT_DIR: return WASI_FILETYPE_DIRECTORY;
    case DT_LNK: return WASI_FILETYPE_SYMBOLIC_LINK;
    case DT_CHR: return WASI_FILETYPE_CHARACTER_DEVICE;
    case DT_BLK: return WASI_FILETYPE_BLOCK_DEVICE;
    case DT_SOCK: return WASI_FILETYPE_SOCKET_STREAM;
    default: break;
    }
#endif
    struct stat st;
    if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0)
        return weft__wasi_filetype((unsigned)st.st_mode);
    return WASI_FILETYPE_UNKNOWN;
}

/* fd_readdir fills the buffer with dirent records (d_next u64 @0, d_ino u64 @8, d_namlen u32
 * @16, d_type u8 @20; 24 bytes, then the name without NUL). The cookie of an entry is its index
 * in the directory stream, and d_next is the cookie of the entry after it. The last record may
 * be cut at the end of the buffer; a full buffer tells the guest to call again from the last
 * complete entry's d_next. */
WEFT__WASI_FN(fd_readdir)
{
    UNUSED_ARGS;
    weft__wasi_fd_t *f = weft__wasi_fd_get(W, weft__wasi_u32(args, 0));
    if (!f) RET(WASI_EBADF);
    if (f->filetype != WASI_FILETYPE_DIRECTORY) RET(WASI_ENOTDIR);
    uint32_t buf = weft__wasi_u32(args, 1), buf_len = weft__wasi_u32(args, 2);
    uint64_t cookie = weft__wasi_u64(args, 3);
    uint32_t out = weft__wasi_u32(args, 4);
    weft__wasi_mem_t m;
    if (!weft__wasi_mem_get(caller, &m) || !weft__wasi_mem_ok(&m, buf, buf_len) ||
        !weft__wasi_mem_ok(&m, out, 4))
        RET(WASI_EFAULT);
    if (!f->dir) {
        /* A separate open file description, so reading does not move the directory handle
         * the guest uses for *at operations. */
        int d = openat(f->host, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (d < 0) RET(weft__wasi_errno(errno));
        f->dir = fdopendir(d);
        if (!f->dir) {
            int e = errno;
            close(d);
            RET(weft__wasi_errno(e));
        }
        f->dir_pos = 0;
    }
    if (cookie < f->dir_pos) {
        rewinddir(f->dir);
        f->dir_pos = 0;
    }
    while (f->dir_pos < cookie) {
        if (!readdir(f->dir)) RET(weft__wasi_put32(&m, out, 0));
        f->dir_pos++;
    }
    uint32_t used = 0;
    while (used < buf_len) {
        long loc = telldir(f->dir);
        errno = 0;
        struct dirent *de = readdir(f->dir);
        if (!de) {
            if (errno) RET(weft__wasi_errno(errno));
            break;
        }
        f->dir_pos++;
        size_t namelen = strlen(de->d_name);
        uint8_t hdr[24];
        memset(hdr, 0, sizeof hdr);
        weft__wasi_st64(hdr, f->dir_pos);
        weft__wasi_st64(hdr + 8, (uint64_t)de->d_ino);
        weft__wasi_st32(hdr + 16, (uint32_t)namelen);
        hdr[20] = dirent_type(f->dir, de);
        uint32_t room = buf_len - used;
        uint32_t n = room < 24 ? room : 24;
        memcpy(m.data + buf + used, hdr, n);
        used += n;
        room -= n;
        uint32_t k = namelen < room ? (uint32_t)namelen : room;
        memcpy(m.data + buf + used, de->d_name, k);
        used += k;
        if (n < 24 || k < namelen) {
            /* Cut short: step back so the next call from this entry's cookie continues here
             * without rescanning the stream. */
            seekdir(f->dir, loc);
            f->dir_pos--;
            break;
        }
    }
    RET(weft__wasi_put32(&m, out, used));
}
