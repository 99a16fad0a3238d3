/* wasi2_val.c - building and reading the component values of the WASI 0.2 interfaces, and
 * the mapping of host errors to wasi:filesystem/types.error-code. */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "wasi/p2/wasi2_impl.h"

weft_error_t *weft__wasi2_trap(weft_wasi2_t *w, const char *why)
{
    return weft__error_trap(&w->alloc, WEFT_TRAP_HOST, why);
}

weft_cval_t *weft__wasi2_case(weft_cval_arena_t *ar, weft_cval_t *v, uint8_t kind,
                              uint32_t index, bool payload)
{
    memset(v, 0, sizeof *v);
    v->kind = kind;
    v->u.var.index = index;
    if (!payload) return v;
    v->u.var.payload = weft_cval_alloc(ar, 1);
    return v->u.var.payload;
}

weft_cval_t *weft__wasi2_agg(weft_cval_arena_t *ar, weft_cval_t *v, uint8_t kind, uint32_t n)
{
    memset(v, 0, sizeof *v);
    v->kind = kind;
    v->u.agg.len = n;
    if (n == 0) return v;
    v->u.agg.items = weft_cval_alloc(ar, n);
    return v->u.agg.items;
}

void weft__wasi2_u64(weft_cval_t *v, uint64_t x)
{
    v->kind = WEFT_CVAL_U64;
    v->u.u = x;
}

void weft__wasi2_u32(weft_cval_t *v, uint32_t x)
{
    v->kind = WEFT_CVAL_U32;
    v->u.u = x;
}

void weft__wasi2_bool(weft_cval_t *v, bool b)
{
    v->kind = WEFT_CVAL_BOOL;
    v->u.b = b;
}

void weft__wasi2_own(weft_cval_t *v, uint32_t rep)
{
    v->kind = WEFT_CVAL_OWN;
    v->u.rep = rep;
}

void weft__wasi2_enum(weft_cval_t *v, uint32_t index)
{
    memset(v, 0, sizeof *v);
    v->kind = WEFT_CVAL_ENUM;
    v->u.var.index = index;
}

bool weft__wasi2_bytes(weft_cval_arena_t *ar, weft_cval_t *v, const uint8_t *p, size_t n)
{
    if (n > UINT32_MAX) return false;
    weft_cval_t *items = weft__wasi2_agg(ar, v, WEFT_CVAL_LIST, (uint32_t)n);
    if (!items) return false;
    for (size_t i = 0; i < n; i++) {
        items[i].kind = WEFT_CVAL_U8;
        items[i].u.u = p[i];
    }
    return true;
}

weft_error_t *weft__wasi2_list_bytes(weft_wasi2_t *w, const weft_cval_t *list, uint8_t **p,
                                     size_t *n)
{
    if (list->kind != WEFT_CVAL_LIST) return weft__wasi2_trap(w, "expected list<u8>");
    size_t len = list->u.agg.len;
    uint8_t *b = weft__malloc(&w->alloc, len + 1);
    if (!b) return weft__error_oom();
    for (size_t i = 0; i < len; i++) b[i] = (uint8_t)list->u.agg.items[i].u.u;
    *p = b;
    *n = len;
    return NULL;
}

bool weft__wasi2_str(weft_cval_arena_t *ar, const weft_cval_t *v, const char **s, size_t *n)
{
    return weft_cval_string_utf8(ar, v, s, n);
}

bool weft__wasi2_err_code(weft_cval_arena_t *ar, weft_cval_t *v, int code)
{
    weft_cval_t *e = weft__wasi2_case(ar, v, WEFT_CVAL_RESULT, 1, true);
    if (!e) return false;
    weft__wasi2_enum(e, (uint32_t)code);
    return true;
}

bool weft__wasi2_result_code(weft_cval_arena_t *ar, weft_cval_t *v, int code)
{
    if (code < 0) {
        weft__wasi2_case(ar, v, WEFT_CVAL_RESULT, 0, false);
        return true;
    }
    return weft__wasi2_err_code(ar, v, code);
}

/* error-code from errno (wasi:filesystem/types `error-code`, whose cases mirror POSIX). */
int weft__wasi2_code_of_errno(int e)
{
    switch (e) {
    case EACCES: return W2_E_ACCESS;
    case EAGAIN: return W2_E_WOULD_BLOCK;
    case EALREADY: return W2_E_ALREADY;
    case EBADF: return W2_E_BAD_DESCRIPTOR;
    case EBUSY: return W2_E_BUSY;
    case EDEADLK: return W2_E_DEADLOCK;
    case EDQUOT: return W2_E_QUOTA;
    case EEXIST: return W2_E_EXIST;
    case EFBIG: return W2_E_FILE_TOO_LARGE;
    case EILSEQ: return W2_E_ILLEGAL_BYTE_SEQUENCE;
    case EINPROGRESS: return W2_E_IN_PROGRESS;
    case EINTR: return W2_E_INTERRUPTED;
    case EINVAL: return W2_E_INVALID;
    case EIO: return W2_E_IO;
    case EISDIR: return W2_E_IS_DIRECTORY;
    case ELOOP: return W2_E_LOOP;
    case EMLINK: return W2_E_TOO_MANY_LINKS;
    case EMSGSIZE: return W2_E_MESSAGE_SIZE;
    case ENAMETOOLONG: return W2_E_NAME_TOO_LONG;
    case ENODEV: return W2_E_NO_DEVICE;
    case ENOENT: return W2_E_NO_ENTRY;
    case ENOLCK: return W2_E_NO_LOCK;
    case ENOMEM: return W2_E_INSUFFICIENT_MEMORY;
    case ENOSPC: return W2_E_INSUFFICIENT_SPACE;
    case ENOTDIR: return W2_E_NOT_DIRECTORY;
    case ENOTEMPTY: return W2_E_NOT_EMPTY;
    case ENOTRECOVERABLE: return W2_E_NOT_RECOVERABLE;
    case ENOTSUP: return W2_E_UNSUPPORTED;
#if EOPNOTSUPP != ENOTSUP
    case EOPNOTSUPP: return W2_E_UNSUPPORTED;
#endif
    case ENOSYS: return W2_E_UNSUPPORTED;
    case ENOTTY: return W2_E_NO_TTY;
    case ENXIO: return W2_E_NO_SUCH_DEVICE;
    case EOVERFLOW: return W2_E_OVERFLOW;
    case EPERM: return W2_E_NOT_PERMITTED;
    case EPIPE: return W2_E_PIPE;
    case EROFS: return W2_E_READ_ONLY;
    case ESPIPE: return W2_E_INVALID_SEEK;
    case ETXTBSY: return W2_E_TEXT_FILE_BUSY;
    case EXDEV: return W2_E_CROSS_DEVICE;
    default: return W2_E_IO;
    }
}

/* The path resolver speaks preview 1 errno values. A path that would leave the sandbox has no
 * capability; 0.2 has no such code and names it not-permitted. */
int weft__wasi2_code_of_p1(int e)
{
    switch (e) {
    case WASI_EACCES: return W2_E_ACCESS;
    case WASI_EBADF: return W2_E_BAD_DESCRIPTOR;
    case WASI_EEXIST: return W2_E_EXIST;
    case WASI_EINVAL: return W2_E_INVALID;
    case WASI_EISDIR: return W2_E_IS_DIRECTORY;
    case WASI_ELOOP: return W2_E_LOOP;
    case WASI_ENAMETOOLONG: return W2_E_NAME_TOO_LONG;
    case WASI_ENOENT: return W2_E_NO_ENTRY;
    case WASI_ENOMEM: return W2_E_INSUFFICIENT_MEMORY;
    case WASI_ENOTDIR: return W2_E_NOT_DIRECTORY;
    case WASI_ENOTEMPTY: return W2_E_NOT_EMPTY;
    case WASI_EPERM: return W2_E_NOT_PERMITTED;
    case WASI_ENOTCAPABLE: return W2_E_NOT_PERMITTED;
    case WASI_EBUSY: return W2_E_BUSY;
    case WASI_EFBIG: return W2_E_FILE_TOO_LARGE;
    case WASI_ENOSPC: return W2_E_INSUFFICIENT_SPACE;
    case WASI_ENOTSUP: return W2_E_UNSUPPORTED;
    case WASI_ENOSYS: return W2_E_UNSUPPORTED;
    case WASI_EOVERFLOW: return W2_E_OVERFLOW;
    case WASI_ESPIPE: return W2_E_INVALID_SEEK;
    case WASI_EAGAIN: return W2_E_WOULD_BLOCK;
    case WASI_EINTR: return W2_E_INTERRUPTED;
    default: return W2_E_IO;
    }
}

uint8_t weft__wasi2_dtype(unsigned mode)
{
    if (S_ISREG(mode)) return W2_DT_REGULAR;
    if (S_ISDIR(mode)) return W2_DT_DIRECTORY;
    if (S_ISLNK(mode)) return W2_DT_SYMLINK;
    if (S_ISCHR(mode)) return W2_DT_CHAR;
    if (S_ISBLK(mode)) return W2_DT_BLOCK;
    if (S_ISFIFO(mode)) return W2_DT_FIFO;
    if (S_ISSOCK(mode)) return W2_DT_SOCKET;
    return W2_DT_UNKNOWN;
}
