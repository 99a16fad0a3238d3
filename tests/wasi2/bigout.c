/* bigout.c - a large output to stdout, for a reader that is slow or never reads
 * (tests/wasi2/run). The bytes are a pseudo-random sequence, so a lost, repeated or reordered
 * piece changes the output.
 *
 *   bigout stdio N    N bytes through stdio (wasi-libc, the preview 1 adapter: fd_write is a
 *                     blocking-write-and-flush), in chunks of varying sizes
 *   bigout direct N   N bytes through wasi:io/streams called directly (world
 *                     tests/wasi2/bigout.wit): check-write, write of what it permits,
 *                     subscribe + pollable.block while it permits nothing, blocking-flush
 *
 * The native build (the expected output) writes the same bytes with fwrite in both modes. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint32_t state = 12345;

static void fill(uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        state = state * 1103515245u + 12345u;
        p[i] = (uint8_t)(state >> 16);
    }
}

static uint8_t chunk[70000];

static int by_stdio(size_t n)
{
    size_t sizes[] = {1, 4096, 65536, 7, 4097, 69999, 100, 8192, 3};
    for (size_t i = 0; n > 0; i++) {
        size_t k = sizes[i % (sizeof sizes / sizeof *sizes)];
        if (k > n) k = n;
        fill(chunk, k);
        if (fwrite(chunk, 1, k, stdout) != k) return 1;
        n -= k;
    }
    return fflush(stdout) != 0;
}

#ifdef __wasm__
#define IMPORT(mod, name) __attribute__((import_module(mod), import_name(name)))
#define POLL "wasi:io/poll@0.2.12"
#define STREAMS "wasi:io/streams@0.2.12"
typedef int32_t h_t;
IMPORT("wasi:cli/stdout@0.2.12", "get-stdout") h_t get_stdout(void);
IMPORT(POLL, "[method]pollable.block") void pollable_block(h_t);
IMPORT(POLL, "[resource-drop]pollable") void pollable_drop(h_t);
IMPORT(STREAMS, "[method]output-stream.check-write") void out_check_write(h_t, void *);
IMPORT(STREAMS, "[method]output-stream.write") void out_write(h_t, const void *, int32_t, void *);
IMPORT(STREAMS, "[method]output-stream.blocking-flush") void out_blocking_flush(h_t, void *);
IMPORT(STREAMS, "[method]output-stream.subscribe") h_t out_subscribe(h_t);
IMPORT(STREAMS, "[resource-drop]output-stream") void out_drop(h_t);

__attribute__((export_name("cabi_realloc"))) void *cabi_realloc(void *old, size_t old_size,
                                                               size_t align, size_t size)
{
    (void)old_size, (void)align;
    return realloc(old, size);
}

static _Alignas(8) uint8_t ret[16];

static int direct(size_t n)
{
    h_t out = get_stdout();
    size_t have = 0, at = 0; /* bytes of chunk generated, and written */
    while (n > 0 || at < have) {
        out_check_write(out, ret);
        if (ret[0] != 0) return 2;
        uint64_t permit;
        memcpy(&permit, ret + 8, sizeof permit);
        if (permit == 0) {
            h_t p = out_subscribe(out);
            pollable_block(p);
            pollable_drop(p);
            continue;
        }
        if (at == have) {
            have = n < sizeof chunk ? n : sizeof chunk;
            fill(chunk, have);
            n -= have;
            at = 0;
        }
        size_t k = have - at < permit ? have - at : (size_t)permit;
        out_write(out, chunk + at, (int32_t)k, ret);
        if (ret[0] != 0) return 3;
        at += k;
    }
    out_blocking_flush(out, ret);
    if (ret[0] != 0) return 4;
    out_drop(out);
    return 0;
}
#else
static int direct(size_t n)
{
    /* The same bytes: generated in the same pieces of at most sizeof chunk. */
    while (n > 0) {
        size_t k = n < sizeof chunk ? n : sizeof chunk;
        fill(chunk, k);
        if (fwrite(chunk, 1, k, stdout) != k) return 1;
        n -= k;
    }
    return fflush(stdout) != 0;
}
#endif

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: bigout stdio|direct N\n");
        return 2;
    }
    size_t n = (size_t)strtoul(argv[2], NULL, 10);
    if (strcmp(argv[1], "stdio") == 0) return by_stdio(n);
    if (strcmp(argv[1], "direct") == 0) return direct(n);
    return 2;
}
