/* wasi_impl.h - internals of the WASI preview 1 host (src/wasi/).
 *
 * Constants and layouts follow the preview 1 interface definition
 * (WebAssembly/WASI, legacy/preview1/witx/typenames.witx and wasi_snapshot_preview1.witx).
 * Every guest pointer is checked against the memory size before use (wasi_mem.c), and every
 * path is resolved beneath a preopened directory (wasi_path.c). */
#ifndef WEFT_WASI_IMPL_H
#define WEFT_WASI_IMPL_H

#include <dirent.h>
#include <sys/stat.h>
#include <stdbool.h>
#include <stdint.h>

#include "util/alloc.h"
#include "util/error.h"
#include "weft.h"

/* errno (typenames.witx `$errno`, u16). Only the values this host produces are named. */
enum {
    WASI_ESUCCESS = 0,
    WASI_E2BIG = 1,
    WASI_EACCES = 2,
    WASI_EAGAIN = 6,
    WASI_EBADF = 8,
    WASI_EBUSY = 10,
    WASI_EEXIST = 20,
    WASI_EFAULT = 21,
    WASI_EFBIG = 22,
    WASI_EINTR = 27,
    WASI_EINVAL = 28,
    WASI_EIO = 29,
    WASI_EISDIR = 31,
    WASI_ELOOP = 32,
    WASI_EMFILE = 33,
    WASI_ENAMETOOLONG = 37,
    WASI_ENOENT = 44,
    WASI_ENOMEM = 48,
    WASI_ENOSPC = 51,
    WASI_ENOSYS = 52,
    WASI_ENOTDIR = 54,
    WASI_ENOTEMPTY = 55,
    WASI_ENOTSUP = 58,
    WASI_EOVERFLOW = 61,
    WASI_EPERM = 63,
    WASI_ESPIPE = 70,
    WASI_ENOTCAPABLE = 76,
};

/* filetype (u8) */
enum {
    WASI_FILETYPE_UNKNOWN = 0,
    WASI_FILETYPE_BLOCK_DEVICE = 1,
    WASI_FILETYPE_CHARACTER_DEVICE = 2,
    WASI_FILETYPE_DIRECTORY = 3,
    WASI_FILETYPE_REGULAR_FILE = 4,
    WASI_FILETYPE_SOCKET_DGRAM = 5,
    WASI_FILETYPE_SOCKET_STREAM = 6,
    WASI_FILETYPE_SYMBOLIC_LINK = 7,
};

/* fdflags (u16), oflags (u16), lookupflags (u32), fstflags (u16) */
enum {
    WASI_FDFLAG_APPEND = 1,
    WASI_FDFLAG_DSYNC = 2,
    WASI_FDFLAG_NONBLOCK = 4,
    WASI_FDFLAG_RSYNC = 8,
    WASI_FDFLAG_SYNC = 16,
    WASI_OFLAG_CREAT = 1,
    WASI_OFLAG_DIRECTORY = 2,
    WASI_OFLAG_EXCL = 4,
    WASI_OFLAG_TRUNC = 8,
    WASI_LOOKUP_SYMLINK_FOLLOW = 1,
    WASI_FST_ATIM = 1,
    WASI_FST_ATIM_NOW = 2,
    WASI_FST_MTIM = 4,
    WASI_FST_MTIM_NOW = 8,
};

/* rights (u64): bit positions from typenames.witx `$rights`. */
#define WASI_RIGHT_FD_DATASYNC (UINT64_C(1) << 0)
#define WASI_RIGHT_FD_READ (UINT64_C(1) << 1)
#define WASI_RIGHT_FD_SEEK (UINT64_C(1) << 2)
#define WASI_RIGHT_FD_FDSTAT_SET_FLAGS (UINT64_C(1) << 3)
#define WASI_RIGHT_FD_SYNC (UINT64_C(1) << 4)
#define WASI_RIGHT_FD_TELL (UINT64_C(1) << 5)
#define WASI_RIGHT_FD_WRITE (UINT64_C(1) << 6)
#define WASI_RIGHT_FD_ALLOCATE (UINT64_C(1) << 8)
#define WASI_RIGHT_PATH_OPEN (UINT64_C(1) << 13)
#define WASI_RIGHT_FD_READDIR (UINT64_C(1) << 14)
#define WASI_RIGHT_FD_FILESTAT_SET_SIZE (UINT64_C(1) << 22)
#define WASI_RIGHTS_ALL ((UINT64_C(1) << 30) - 1)
/* What a stdio stream that is a terminal may do: no seeking (wasi-libc's isatty() looks for a
 * character device without FD_SEEK and FD_TELL). */
#define WASI_RIGHTS_TTY (WASI_RIGHTS_ALL & ~(WASI_RIGHT_FD_SEEK | WASI_RIGHT_FD_TELL))

/* One slot of the guest's descriptor table. */
typedef struct weft__wasi_fd {
    bool used;
    bool owned;            /* close `host` when the slot is released (false for host stdio) */
    int host;              /* the host descriptor */
    uint8_t filetype;
    uint64_t rights_base;
    uint64_t rights_inheriting;
    char *preopen;         /* guest name of a preopened directory (owned), or NULL */
    size_t preopen_len;
    /* fd_readdir state: a stream over a duplicate of `host` and the index (cookie) of the next
     * entry it will return. */
    DIR *dir;
    uint64_t dir_pos;
} weft__wasi_fd_t;

struct weft_wasi {
    weft_alloc_t alloc;
    char **args;   /* argc NUL-terminated copies */
    size_t nargs;
    char **env;    /* "KEY=VALUE" copies */
    size_t nenv;
    weft__wasi_fd_t *fds;
    size_t nfds;   /* slots in use or free */
    size_t fds_cap;
};

/* --- descriptor table (wasi_ctx.c) --------------------------------------------------------- */

/* The slot of guest descriptor `fd`, or NULL if it is not open. */
weft__wasi_fd_t *weft__wasi_fd_get(weft_wasi_t *w, uint32_t fd);
/* Places host descriptor `host` in the lowest free slot; returns the guest number or -1 when
 * allocation fails (the caller still owns `host` then). */
int64_t weft__wasi_fd_insert(weft_wasi_t *w, int host, bool owned, uint8_t filetype,
                             uint64_t base, uint64_t inheriting);
/* Closes the slot's host resources and marks it free. */
void weft__wasi_fd_release(weft_wasi_t *w, weft__wasi_fd_t *f);

/* --- guest memory (wasi_mem.c) ------------------------------------------------------------- */

typedef struct weft__wasi_mem {
    uint8_t *data;
    uint64_t size;
} weft__wasi_mem_t;

/* The calling instance's exported "memory" (or memory 0). False if it has none. */
bool weft__wasi_mem_get(weft_caller_t *caller, weft__wasi_mem_t *m);
/* True if [ptr, ptr+len) lies within the memory (64-bit arithmetic, no overflow). */
bool weft__wasi_mem_ok(const weft__wasi_mem_t *m, uint64_t ptr, uint64_t len);
/* Little-endian accessors; the caller has checked the range. */
uint16_t weft__wasi_ld16(const uint8_t *p);
uint32_t weft__wasi_ld32(const uint8_t *p);
uint64_t weft__wasi_ld64(const uint8_t *p);
void weft__wasi_st16(uint8_t *p, uint16_t v);
void weft__wasi_st32(uint8_t *p, uint32_t v);
void weft__wasi_st64(uint8_t *p, uint64_t v);
/* Checked stores of a result into guest memory; return an errno (EFAULT when out of range). */
int weft__wasi_put32(const weft__wasi_mem_t *m, uint32_t ptr, uint32_t v);
int weft__wasi_put64(const weft__wasi_mem_t *m, uint32_t ptr, uint64_t v);
/* Translates a host errno into a WASI errno. */
int weft__wasi_errno(int host_errno);
/* The WASI filetype of a host st_mode. */
uint8_t weft__wasi_filetype(unsigned mode);
/* Converts the host stat into a 64-byte `filestat` at `out`. */
void weft__wasi_filestat_store(uint8_t *out, const struct stat *st);
/* Builds the two timespecs of futimens/utimensat from WASI timestamps and `fstflags`; returns
 * an errno (EINVAL when a time is both given and "now"). */
int weft__wasi_times(uint64_t atim, uint64_t mtim, uint32_t fstflags, struct timespec ts[2]);

/* --- sandboxed path resolution (wasi_path.c) ----------------------------------------------- */

/* The result of resolving a guest path beneath a directory descriptor: `dirfd` is the host
 * directory that holds the final component `name` (never a symlink when the lookup followed
 * links; "." when the path names the directory itself). Release with weft__wasi_path_done(). */
typedef struct weft__wasi_path {
    int dirfd;
    char *name;
    size_t name_cap;
    bool trailing_slash; /* the guest path ended in '/' */
    /* internal: the stack of directories opened on the way (closing them in release) */
    int *stack;
    size_t depth;
    size_t stack_cap;
    const weft_alloc_t *alloc;
} weft__wasi_path_t;

/* Resolves guest path [path, path+len) beneath `base` (a directory slot). Absolute paths, ".."
 * above the base and symlinks leading outside fail with ENOTCAPABLE; more than a bounded number
 * of symlink expansions fails with ELOOP. `follow` resolves a final symlink too. Returns an
 * errno; on success `out` must be released. */
int weft__wasi_path_resolve(weft_wasi_t *w, weft__wasi_fd_t *base, const char *path, size_t len,
                            bool follow, weft__wasi_path_t *out);
void weft__wasi_path_done(weft__wasi_path_t *p);

/* --- the host functions, one per preview 1 import (wasi_fd.c, wasi_pathops.c, wasi_misc.c) - */

#define WEFT__WASI_FN(name)                                                                     \
    weft_error_t *weft__wasi_##name(void *env, weft_caller_t *caller, const weft_val_t *args, \
                                    size_t nargs, weft_val_t *results, size_t nresults)

WEFT__WASI_FN(args_get);
WEFT__WASI_FN(args_sizes_get);
WEFT__WASI_FN(environ_get);
WEFT__WASI_FN(environ_sizes_get);
WEFT__WASI_FN(clock_res_get);
WEFT__WASI_FN(clock_time_get);
WEFT__WASI_FN(fd_advise);
WEFT__WASI_FN(fd_allocate);
WEFT__WASI_FN(fd_close);
WEFT__WASI_FN(fd_datasync);
WEFT__WASI_FN(fd_fdstat_get);
WEFT__WASI_FN(fd_fdstat_set_flags);
WEFT__WASI_FN(fd_fdstat_set_rights);
WEFT__WASI_FN(fd_filestat_get);
WEFT__WASI_FN(fd_filestat_set_size);
WEFT__WASI_FN(fd_filestat_set_times);
WEFT__WASI_FN(fd_pread);
WEFT__WASI_FN(fd_prestat_get);
WEFT__WASI_FN(fd_prestat_dir_name);
WEFT__WASI_FN(fd_pwrite);
WEFT__WASI_FN(fd_read);
WEFT__WASI_FN(fd_readdir);
WEFT__WASI_FN(fd_renumber);
WEFT__WASI_FN(fd_seek);
WEFT__WASI_FN(fd_sync);
WEFT__WASI_FN(fd_tell);
WEFT__WASI_FN(fd_write);
WEFT__WASI_FN(path_create_directory);
WEFT__WASI_FN(path_filestat_get);
WEFT__WASI_FN(path_filestat_set_times);
WEFT__WASI_FN(path_link);
WEFT__WASI_FN(path_open);
WEFT__WASI_FN(path_readlink);
WEFT__WASI_FN(path_remove_directory);
WEFT__WASI_FN(path_rename);
WEFT__WASI_FN(path_symlink);
WEFT__WASI_FN(path_unlink_file);
WEFT__WASI_FN(poll_oneoff);
WEFT__WASI_FN(proc_exit);
WEFT__WASI_FN(proc_raise);
WEFT__WASI_FN(sched_yield);
WEFT__WASI_FN(random_get);
WEFT__WASI_FN(sock_accept);
WEFT__WASI_FN(sock_recv);
WEFT__WASI_FN(sock_send);
WEFT__WASI_FN(sock_shutdown);

/* Helpers shared by the host functions: argument access and the errno result. */
static inline uint32_t weft__wasi_u32(const weft_val_t *args, size_t i)
{
    return (uint32_t)args[i].of.i32;
}
static inline uint64_t weft__wasi_u64(const weft_val_t *args, size_t i)
{
    return (uint64_t)args[i].of.i64;
}
static inline weft_error_t *weft__wasi_ret(weft_val_t *results, size_t nresults, int err)
{
    if (nresults > 0) results[0].of.i32 = err;
    return NULL;
}

#endif
