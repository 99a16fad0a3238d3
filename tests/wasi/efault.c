/* Calls the WASI imports directly with pointers at and past the end of linear memory: every
 * out-of-bounds range must give EFAULT (21), in-bounds edges must work, and the module must
 * keep running. WASI only. */
#include <stdint.h>
#include <stdio.h>

#define IMPORT(name) __attribute__((import_module("wasi_snapshot_preview1"), import_name(#name)))

int32_t w_fd_write(int32_t, int32_t, int32_t, int32_t) IMPORT(fd_write);
int32_t w_fd_read(int32_t, int32_t, int32_t, int32_t) IMPORT(fd_read);
int32_t w_args_sizes_get(int32_t, int32_t) IMPORT(args_sizes_get);
int32_t w_args_get(int32_t, int32_t) IMPORT(args_get);
int32_t w_clock_time_get(int32_t, int64_t, int32_t) IMPORT(clock_time_get);
int32_t w_random_get(int32_t, int32_t) IMPORT(random_get);
int32_t w_path_open(int32_t, int32_t, int32_t, int32_t, int32_t, int64_t, int64_t, int32_t,
                    int32_t) IMPORT(path_open);
int32_t w_fd_prestat_dir_name(int32_t, int32_t, int32_t) IMPORT(fd_prestat_dir_name);
int32_t w_fd_readdir(int32_t, int32_t, int32_t, int64_t, int32_t) IMPORT(fd_readdir);
int32_t w_poll_oneoff(int32_t, int32_t, int32_t, int32_t) IMPORT(poll_oneoff);
int32_t w_fd_seek(int32_t, int64_t, int32_t, int32_t) IMPORT(fd_seek);
int32_t w_fd_filestat_get(int32_t, int32_t) IMPORT(fd_filestat_get);
int32_t w_path_filestat_get(int32_t, int32_t, int32_t, int32_t, int32_t) IMPORT(path_filestat_get);
int32_t w_sock_accept(int32_t, int32_t, int32_t) IMPORT(sock_accept);
int32_t w_proc_raise(int32_t) IMPORT(proc_raise);
int32_t w_fd_renumber(int32_t, int32_t) IMPORT(fd_renumber);
int32_t w_fd_close(int32_t) IMPORT(fd_close);
int32_t w_fd_tell(int32_t, int32_t) IMPORT(fd_tell);
int32_t w_fd_fdstat_set_rights(int32_t, int64_t, int64_t) IMPORT(fd_fdstat_set_rights);

static uint32_t P(const void *p) { return (uint32_t)(uintptr_t)p; }

int main(void)
{
    uint32_t end = (uint32_t)(__builtin_wasm_memory_size(0) * 65536u);
    static char msg[] = "edge\n";
    static uint32_t iov[2];
    static uint32_t n;
    static uint8_t big[64];
    iov[0] = P(msg);
    iov[1] = 5;
    printf("memory end: %s\n", end >= 65536 ? "ok" : "bad");
    printf("fd_write ok: %d\n", w_fd_write(1, P(iov), 1, P(&n)));
    fflush(stdout);
    printf("fd_write iovs past end: %d\n", w_fd_write(1, end - 4, 1, P(&n)));
    printf("fd_write iovs huge count: %d\n", w_fd_write(1, P(iov), 0x20000000, P(&n)));
    iov[0] = end - 2;
    iov[1] = 4;
    printf("fd_write buf past end: %d\n", w_fd_write(1, P(iov), 1, P(&n)));
    iov[0] = 0xFFFFFFF0u;
    iov[1] = 0x20;
    printf("fd_write buf wraps: %d\n", w_fd_write(1, P(iov), 1, P(&n)));
    iov[0] = P(msg);
    iov[1] = 5;
    printf("fd_write nwritten past end: %d\n", w_fd_write(1, P(iov), 1, end - 3));
    iov[0] = end - 4;
    iov[1] = 4;
    printf("fd_read into last bytes (stdin empty): %d\n", w_fd_read(0, P(iov), 1, P(&n)));
    printf("args_sizes_get bad: %d\n", w_args_sizes_get(end, P(&n)));
    printf("args_get bad buf: %d\n", w_args_get(P(big), 0xFFFFFFFFu));
    printf("clock_time_get at end-8: %d\n", w_clock_time_get(1, 0, end - 8));
    printf("clock_time_get at end-4: %d\n", w_clock_time_get(1, 0, end - 4));
    printf("clock bad id: %d\n", w_clock_time_get(99, 0, P(big)));
    printf("random_get to end: %d\n", w_random_get(end - 16, 16));
    printf("random_get past end: %d\n", w_random_get(end - 16, 17));
    printf("path_open bad path: %d\n", w_path_open(3, 0, end - 2, 10, 0, 2, 0, 0, P(&n)));
    printf("path_open bad out: %d\n", w_path_open(3, 0, P("hello.txt"), 9, 0, 2, 0, 0, end));
    printf("path_open bad fd: %d\n", w_path_open(42, 0, P("hello.txt"), 9, 0, 2, 0, 0, P(&n)));
    printf("path_open on a file fd: %d\n", w_path_open(1, 0, P("x"), 1, 0, 2, 0, 0, P(&n)));
    printf("prestat_dir_name bad: %d\n", w_fd_prestat_dir_name(3, end, 10));
    printf("prestat_dir_name at end-1: %d\n", w_fd_prestat_dir_name(3, end - 1, 10));
    printf("prestat_dir_name short: %d\n", w_fd_prestat_dir_name(3, P(big), 0));
    printf("fd_readdir bad buf: %d\n", w_fd_readdir(3, end - 10, 100, 0, P(&n)));
    printf("fd_readdir on stdout: %d\n", w_fd_readdir(1, P(big), 64, 0, P(&n)));
    printf("poll_oneoff none: %d\n", w_poll_oneoff(P(big), P(big), 0, P(&n)));
    printf("poll_oneoff bad in: %d\n", w_poll_oneoff(end - 40, P(big), 1, P(&n)));
    printf("fd_seek bad whence: %d\n", w_fd_seek(3, 0, 7, P(big)));
    printf("fd_seek bad fd: %d\n", w_fd_seek(77, 0, 0, P(big)));
    printf("fd_filestat_get bad: %d\n", w_fd_filestat_get(3, end - 63));
    printf("path_filestat_get bad: %d\n", w_path_filestat_get(3, 0, P("."), 1, end - 8));
    printf("sock_accept: %d\n", w_sock_accept(3, 0, P(&n)));
    printf("proc_raise: %d\n", w_proc_raise(6));

    /* fd_renumber moves a descriptor onto another (closing it); the old number is free. */
    static uint32_t fa, fb;
    static uint64_t pos;
    int32_t ra = w_path_open(3, 0, P("hello.txt"), 9, 0, 2 | 32 | 4, 0, 0, P(&fa));
    int32_t rb = w_path_open(3, 0, P("sub/inner.txt"), 13, 0, 2, 0, 0, P(&fb));
    printf("open hello.txt: %d\nopen sub/inner.txt: %d\n", ra, rb);
    printf("renumber: %d\n", w_fd_renumber(fa, fb));
    iov[0] = P(big);
    iov[1] = 5;
    printf("read renumbered: %d", w_fd_read(fb, P(iov), 1, P(&n)));
    printf(" [%.*s]\n", (int)n, (const char *)big);
    printf("fd_tell: %d %d\n", w_fd_tell(fb, P(&pos)), (int)pos);
    printf("close old number: %d\n", w_fd_close(fa));
    printf("renumber onto closed: %d\n", w_fd_renumber(fb, fa));
    printf("drop rights: %d\n", w_fd_fdstat_set_rights(fb, 2, 0));
    printf("regain rights: %d\n", w_fd_fdstat_set_rights(fb, 2 | 4, 0));
    printf("fd_tell without right: %d\n", w_fd_tell(fb, P(&pos)));
    printf("close: %d %d\n", w_fd_close(fb), w_fd_close(fb));
    printf("still running\n");
    return 0;
}
