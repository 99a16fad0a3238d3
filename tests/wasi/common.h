/* common.h - helpers for the WASI test programs. Each program is built both for
 * wasm32-wasip1 and natively, so errno values are printed by name (their numbers differ). */
#ifndef WEFT_TEST_WASI_COMMON_H
#define WEFT_TEST_WASI_COMMON_H

#include <errno.h>
#include <stdio.h>

static inline const char *errno_name(int e)
{
    switch (e) {
    case 0: return "OK";
    case ENOENT: return "ENOENT";
    case EEXIST: return "EEXIST";
    case ENOTDIR: return "ENOTDIR";
    case EISDIR: return "EISDIR";
    case ENOTEMPTY: return "ENOTEMPTY";
    case EBADF: return "EBADF";
    case EINVAL: return "EINVAL";
    case EACCES: return "EACCES";
    case EPERM: return "EPERM";
    case ELOOP: return "ELOOP";
    case EFAULT: return "EFAULT";
    case ESPIPE: return "ESPIPE";
    case ENAMETOOLONG: return "ENAMETOOLONG";
    case EXDEV: return "EXDEV";
    case EBUSY: return "EBUSY";
#ifdef ENOTCAPABLE
    case ENOTCAPABLE: return "ENOTCAPABLE";
#endif
    default: return "E?";
    }
}

/* Prints "label: OK" or "label: ENAME" for a call returning < 0 on failure. */
#define CHECK(label, expr)                                                   \
    do {                                                                     \
        errno = 0;                                                           \
        long check_r_ = (long)(expr);                                        \
        printf("%s: %s\n", (label), check_r_ < 0 ? errno_name(errno) : "OK"); \
    } while (0)

#endif
