/* leb.h - a bounds-checked byte reader with LEB128 decoding (Wasm core spec 5.2.2). */
#ifndef WEFT_UTIL_LEB_H
#define WEFT_UTIL_LEB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Reads never go past `end`. On failure `err` is set to a static reason and `err_pos` to the
 * offset of the failure relative to `base`; every later read fails too, so callers may check
 * once after a group of reads. */
typedef struct weft_reader {
    const uint8_t *base; /* start of the whole binary, for offsets */
    const uint8_t *p;
    const uint8_t *end;
    const char *err;
    size_t err_pos;
} weft_reader_t;

static inline size_t weft__reader_offset(const weft_reader_t *r) { return (size_t)(r->p - r->base); }
static inline bool weft__reader_eof(const weft_reader_t *r) { return r->p >= r->end; }
void weft__reader_fail(weft_reader_t *r, const char *why);
bool weft__read_u8(weft_reader_t *r, uint8_t *out);
/* Unsigned/signed LEB128 of at most N bits; rejects over-long encodings and unused bits set
 * ("integer representation too long", "integer too large"). */
bool weft__read_u32(weft_reader_t *r, uint32_t *out);
bool weft__read_u64(weft_reader_t *r, uint64_t *out);
bool weft__read_s32(weft_reader_t *r, int32_t *out);
bool weft__read_s33(weft_reader_t *r, int64_t *out);
bool weft__read_s64(weft_reader_t *r, int64_t *out);
bool weft__read_bytes(weft_reader_t *r, size_t n, const uint8_t **out);
bool weft__read_f32(weft_reader_t *r, uint32_t *bits);
bool weft__read_f64(weft_reader_t *r, uint64_t *bits);

/* True if [s, s+len) is well-formed UTF-8 (no overlongs, surrogates or values > 0x10FFFF). */
bool weft__utf8_valid(const uint8_t *s, size_t len);

#endif
