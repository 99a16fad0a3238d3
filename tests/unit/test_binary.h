/* test_binary.h - assembling core module binaries by hand and loading them into a module
 * struct with a counting allocator (test_util.h), shared by the decoder and validator tests,
 * which depend only on src/core/decode*.c, validate*.c and src/util. */
#ifndef WEFT_TEST_BINARY_H
#define WEFT_TEST_BINARY_H

#include <stdarg.h>

#include "core/module.h"
#include "test_util.h"

typedef struct buf {
    uint8_t b[16384];
    size_t n;
} buf_t;

static inline void put(buf_t *b, const void *p, size_t n)
{
    if (b->n + n > sizeof b->b) {
        fprintf(stderr, "test buffer overflow\n");
        exit(2);
    }
    memcpy(b->b + b->n, p, n);
    b->n += n;
}
static inline void byte(buf_t *b, uint8_t v) { put(b, &v, 1); }
static inline void bytes(buf_t *b, size_t n, ...)
{
    va_list ap;
    va_start(ap, n);
    for (size_t i = 0; i < n; i++) byte(b, (uint8_t)va_arg(ap, int));
    va_end(ap);
}
static inline void uleb(buf_t *b, uint64_t v)
{
    do {
        uint8_t c = v & 0x7f;
        v >>= 7;
        if (v) c |= 0x80;
        byte(b, c);
    } while (v);
}
static inline void str(buf_t *b, const char *s)
{
    uleb(b, strlen(s));
    put(b, s, strlen(s));
}
/* Starts b over with the module preamble (magic and version 1). */
static inline void header(buf_t *b)
{
    b->n = 0;
    put(b, "\0asm\1\0\0\0", 8);
}
static inline void section(buf_t *b, uint8_t id, const buf_t *payload)
{
    byte(b, id);
    uleb(b, payload->n);
    put(b, payload->b, payload->n);
}

/* A module struct holding a copy of b's bytes, allocating through `c`, for `engine` (NULL:
 * every feature), ready for weft__module_decode. */
static inline void module_init_for(weft_module_t *m, weft_engine_t *engine, counting_t *c,
                                   const buf_t *b)
{
    memset(m, 0, sizeof *m);
    m->engine = engine;
    m->alloc.fn = counting_alloc;
    m->alloc.ud = c;
    m->refcount = 1;
    m->bytes = weft__malloc(&m->alloc, b->n);
    if (!m->bytes) {
        fprintf(stderr, "out of memory\n");
        exit(2);
    }
    memcpy(m->bytes, b->b, b->n);
    m->len = b->n;
}

#endif
