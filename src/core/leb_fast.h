/* leb_fast.h - inline fast paths of the byte reader (util/leb.h) for the decoder's and the
 * validator's passes over function bodies, which read an opcode and a few LEB128 immediates per
 * instruction: most immediates fit in one byte (Wasm core spec 5.2.2), and those are handled
 * here without a call; anything else (longer encodings, the end of input, a reader that has
 * already failed) goes to the full reader, which gives identical results and errors. */
#ifndef WEFT_CORE_LEB_FAST_H
#define WEFT_CORE_LEB_FAST_H

#include "util/leb.h"

/* A failed reader has p == end (weft__reader_fail), so p < end means it can still read. */
static inline bool weft__fast_u8(weft_reader_t *r, uint8_t *out)
{
    if (r->p < r->end && !r->err) {
        *out = *r->p++;
        return true;
    }
    return weft__read_u8(r, out);
}

static inline bool weft__fast_u32(weft_reader_t *r, uint32_t *out)
{
    if (r->p < r->end && *r->p < 0x80 && !r->err) {
        *out = *r->p++;
        return true;
    }
    return weft__read_u32(r, out);
}

/* One byte of a signed LEB128: 7 bits, bit 6 the sign. */
static inline bool weft__fast_s32(weft_reader_t *r, int32_t *out)
{
    if (r->p < r->end && *r->p < 0x80 && !r->err) {
        *out = (int32_t)(*r->p++ ^ 0x40u) - 0x40;
        return true;
    }
    return weft__read_s32(r, out);
}

static inline bool weft__fast_s64(weft_reader_t *r, int64_t *out)
{
    if (r->p < r->end && *r->p < 0x80 && !r->err) {
        *out = (int64_t)(*r->p++ ^ 0x40u) - 0x40;
        return true;
    }
    return weft__read_s64(r, out);
}

#endif
