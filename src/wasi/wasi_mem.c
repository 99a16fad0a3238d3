/* wasi_mem.c - guest memory access and host-to-WASI conversions for the WASI host.
 *
 * WASI passes every structure through the guest's linear memory, little-endian, at the offsets
 * of typenames.witx. A guest pointer is only ever dereferenced after weft__wasi_mem_ok() says
 * the whole range lies inside the memory; the check uses 64-bit arithmetic so ptr + len cannot
 * wrap. */
#include <errno.h>
#include <sys/stat.h>

#include "wasi/wasi_impl.h"

bool weft__wasi_mem_get(weft_caller_t *caller, weft__wasi_mem_t *m)
{
    weft_memory_t *mem = NULL;
    weft_extern_t ext;
    /* The WASI ABI names the exported "memory"; fall back to memory 0 for modules that do
     * not export it. */
    if (weft_caller_export(caller, "memory", 6, &ext) && ext.kind == WEFT_EXTERN_MEMORY)
        mem = ext.of.memory;
    else
        mem = weft_caller_memory(caller, 0);
    if (!mem) {
        m->data = NULL;
        m->size = 0;
        return false;
    }
    m->data = weft_memory_data(mem);
    m->size = weft_memory_size(mem);
    return true;
}

bool weft__wasi_mem_ok(const weft__wasi_mem_t *m, uint64_t ptr, uint64_t len)
{
    /* ptr and len come from 32-bit guest values, but are checked without assuming so. */
    if (ptr > m->size) return false;
    return len <= m->size - ptr;
}

uint16_t weft__wasi_ld16(const uint8_t *p)
{
    return (uint16_t)(p[0] | (unsigned)p[1] << 8);
}

uint32_t weft__wasi_ld32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

uint64_t weft__wasi_ld64(const uint8_t *p)
{
    return (uint64_t)weft__wasi_ld32(p) | (uint64_t)weft__wasi_ld32(p + 4) << 32;
}

void weft__wasi_st16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

void weft__wasi_st32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i));
}

void weft__wasi_st64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (8 * i));
}

int weft__wasi_put32(const weft__wasi_mem_t *m, uint32_t ptr, uint32_t v)
{
    if (!weft__wasi_mem_ok(m, ptr, 4)) return WASI_EFAULT;
    weft__wasi_st32(m->data + ptr, v);
    return WASI_ESUCCESS;
}

int weft__wasi_put64(const weft__wasi_mem_t *m, uint32_t ptr, uint64_t v)
{
    if (!weft__wasi_mem_ok(m, ptr, 8)) return WASI_EFAULT;
    weft__wasi_st64(m->data + ptr, v);
    return WASI_ESUCCESS;
}

int weft__wasi_errno(int e)
{
    switch (e) {
    case 0: return WASI_ESUCCESS;
    case E2BIG: return WASI_E2BIG;
    case EACCES: return WASI_EACCES;
    case EADDRINUSE: return 3;
    case EADDRNOTAVAIL: return 4;
    case EAFNOSUPPORT: return 5;
    case EAGAIN: return WASI_EAGAIN;
    case EALREADY: return 7;
    case EBADF: return WASI_EBADF;
    case EBADMSG: return 9;
    case EBUSY: return WASI_EBUSY;
    case ECANCELED: return 11;
    case ECHILD: return 12;
    case ECONNABORTED: return 13;
    case ECONNREFUSED: return 14;
    case ECONNRESET: return 15;
    case EDEADLK: return 16;
    case EDESTADDRREQ: return 17;
    case EDOM: return 18;
    case EDQUOT: return 19;
    case EEXIST: return WASI_EEXIST;
    case EFAULT: return WASI_EFAULT;
    case EFBIG: return WASI_EFBIG;
    case EHOSTUNREACH: return 23;
    case EIDRM: return 24;
    case EILSEQ: return 25;
    case EINPROGRESS: return 26;
    case EINTR: return WASI_EINTR;
    case EINVAL: return WASI_EINVAL;
    case EIO: return WASI_EIO;
    case EISCONN: return 30;
    case EISDIR: return WASI_EISDIR;
    case ELOOP: return WASI_ELOOP;
    case EMFILE: return WASI_EMFILE;
    case EMLINK: return 34;
    case EMSGSIZE: return 35;
    case EMULTIHOP: return 36;
    case ENAMETOOLONG: return WASI_ENAMETOOLONG;
    case ENETDOWN: return 38;
    case ENETRESET: return 39;
    case ENETUNREACH: return 40;
    case ENFILE: return 41;
    case ENOBUFS: return 42;
    case ENODEV: return 43;
    case ENOENT: return WASI_ENOENT;
    case ENOEXEC: return 45;
    case ENOLCK: return 46;
    case ENOLINK: return 47;
    case ENOMEM: return WASI_ENOMEM;
    case ENOMSG: return 49;
    case ENOPROTOOPT: return 50;
    case ENOSPC: return WASI_ENOSPC;
    case ENOSYS: return WASI_ENOSYS;
    case ENOTCONN: return 53;
    case ENOTDIR: return WASI_ENOTDIR;
    case ENOTEMPTY: return WASI_ENOTEMPTY;
    case ENOTRECOVERABLE: return 56;
    case ENOTSOCK: return 57;
#if defined(EOPNOTSUPP) && EOPNOTSUPP != ENOTSUP
    case EOPNOTSUPP: return WASI_ENOTSUP;
#endif
    case ENOTSUP: return WASI_ENOTSUP;
    case ENOTTY: return 59;
    case ENXIO: return 60;
    case EOVERFLOW: return WASI_EOVERFLOW;
    case EOWNERDEAD: return 62;
    case EPERM: return WASI_EPERM;
    case EPIPE: return 64;
    case EPROTO: return 65;
    case EPROTONOSUPPORT: return 66;
    case EPROTOTYPE: return 67;
    case ERANGE: return 68;
    case EROFS: return 69;
    case ESPIPE: return WASI_ESPIPE;
    case ESRCH: return 71;
    case ESTALE: return 72;
    case ETIMEDOUT: return 73;
    case ETXTBSY: return 74;
    case EXDEV: return 75;
    default: return WASI_EIO;
    }
}

uint8_t weft__wasi_filetype(unsigned mode)
{
    switch (mode & S_IFMT) {
    case S_IFREG: return WASI_FILETYPE_REGULAR_FILE;
    case S_IFDIR: return WASI_FILETYPE_DIRECTORY;
    case S_IFLNK: return WASI_FILETYPE_SYMBOLIC_LINK;
    case S_IFCHR: return WASI_FILETYPE_CHARACTER_DEVICE;
    case S_IFBLK: return WASI_FILETYPE_BLOCK_DEVICE;
    case S_IFSOCK: return WASI_FILETYPE_SOCKET_STREAM;
    default: return WASI_FILETYPE_UNKNOWN;
    }
}

static uint64_t ts_ns(struct timespec ts)
{
    if (ts.tv_sec < 0) return 0;
    return (uint64_t)ts.tv_sec * UINT64_C(1000000000) + (uint64_t)ts.tv_nsec;
}

/* filestat (typenames.witx): dev u64 @0, ino u64 @8, filetype u8 @16, nlink u64 @24,
 * size u64 @32, atim @40, mtim @48, ctim @56; 64 bytes. */
void weft__wasi_filestat_store(uint8_t *out, const struct stat *st)
{
    memset(out, 0, 64);
    weft__wasi_st64(out + 0, (uint64_t)st->st_dev);
    weft__wasi_st64(out + 8, (uint64_t)st->st_ino);
    out[16] = weft__wasi_filetype((unsigned)st->st_mode);
    weft__wasi_st64(out + 24, (uint64_t)st->st_nlink);
    weft__wasi_st64(out + 32, st->st_size < 0 ? 0 : (uint64_t)st->st_size);
    weft__wasi_st64(out + 40, ts_ns(st->st_atim));
    weft__wasi_st64(out + 48, ts_ns(st->st_mtim));
    weft__wasi_st64(out + 56, ts_ns(st->st_ctim));
}
