/* wasi2_fs.h - what the two halves of wasi:filesystem/types (wasi2_fs.c: descriptor methods;
 * wasi2_fs_path.c: the *-at methods taking paths) share. */
#ifndef WEFT_WASI2_FS_H
#define WEFT_WASI2_FS_H

#include <sys/stat.h>
#include <time.h>

#include "wasi/p2/wasi2_impl.h"

/* The descriptor a borrow<descriptor> argument names, or NULL. */
weft__wasi2_obj_t *weft__wasi2_desc(weft_wasi2_t *w, const weft_cval_t *arg);
/* The trap for a handle the host did not make. */
weft_error_t *weft__wasi2_bad_handle(weft_wasi2_t *w);
/* descriptor-stat and metadata-hash-value records of a host stat. False on OOM. */
bool weft__wasi2_stat_value(weft_cval_arena_t *ar, weft_cval_t *v, const struct stat *st);
bool weft__wasi2_hash_value(weft_cval_arena_t *ar, weft_cval_t *v, const struct stat *st);
/* The timespec of a new-timestamp value (UTIME_OMIT, UTIME_NOW or the time); returns -1, or
 * error-code invalid for an unrepresentable time. */
int weft__wasi2_timespec(const weft_cval_t *nt, struct timespec *ts);

/* The *-at methods of descriptor (wasi2_fs_path.c). */
#define W2_FS_DECL(name)                                                                    \
    weft_error_t *name(void *env, weft_store_t *store, const weft_cval_t *args, size_t nargs, \
                       weft_cval_t *res, size_t nres, weft_cval_arena_t *ar)
W2_FS_DECL(weft__wasi2_create_directory_at);
W2_FS_DECL(weft__wasi2_stat_at);
W2_FS_DECL(weft__wasi2_set_times_at);
W2_FS_DECL(weft__wasi2_link_at);
W2_FS_DECL(weft__wasi2_open_at);
W2_FS_DECL(weft__wasi2_readlink_at);
W2_FS_DECL(weft__wasi2_remove_directory_at);
W2_FS_DECL(weft__wasi2_rename_at);
W2_FS_DECL(weft__wasi2_symlink_at);
W2_FS_DECL(weft__wasi2_unlink_file_at);
W2_FS_DECL(weft__wasi2_metadata_hash_at);

#endif
