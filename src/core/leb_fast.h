/* leb_fast.h - inline fast paths of the byte reader (util/leb.h) for the decoder's and the
 * validator's passes over function bodies, which read an opcode and a few LEB128 immediates per
 * instruction: most immediates take one byte, and linkers pad relocated ones (function, global
 * and type indices, addresses) to five (Wasm core spec 5.2.2 allows up to ceil(N/7) bytes).
 * Encodings of up to five bytes whose value fits the width are decoded inline; anything else
 * (a continuation in the fifth byte, unused bits set, fewer than five bytes left before the
 * end, a reader that has already failed) goes to the full reader, which gives identical
 * results and errors. */
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

/* An unsigned LEB128 of two to five bytes at p (at least five readable): its length, or 0
 * when the fifth byte has the continuation bit. The value has at most 35 bits; whether it
 * fits the width being read is for the caller to check (a fifth byte carries bits 28-34). */
static inline unsigned weft__fast_uleb5(const uint8_t *p, uint64_t *v)
{
    uint64_t x = (uint64_t)(p[0] & 0x7f) | (uint64_t)(p[1] & 0x7f) << 7;
    if (p[1] < 0x80) {
        *v = x;
        return 2;
    }
    x |= (uint64_t)(p[2] & 0x7f) << 14;
    if (p[2] < 0x80) {
        *v = x;
        return 3;
    }
    x |= (uint64_t)(p[3] & 0x7f) << 21;
    if (p[3] < 0x80) {
        *v = x;
        return 4;
    }
    if (p[4] >= 0x80) return 0;
    *v = x | (uint64_t)p[4] << 28;
    return 5;
}

/* Sign-extends the n-byte (7n-bit) value x of weft__fast_uleb5. */
static inline int64_t weft__fast_sext(uint64_t x, unsigned n)
{
    unsigned bits = 7 * n;
    int64_t v = (int64_t)x;
    if (x >> (bits - 1)) v -= (int64_t)1 << bits;
    return v;
}

static inline bool weft__fast_u32(weft_reader_t *r, uint32_t *out)
{
    if (r->p < r->end && *r->p < 0x80 && !r->err) {
        *out = *r->p++;
        return true;
    }
    if (r->end - r->p >= 5 && !r->err) {
        uint64_t v;
        unsigned n = weft__fast_uleb5(r->p, &v);
        if (n && v <= UINT32_MAX) { /* else the full reader: "integer too large" */
            r->p += n;
            *out = (uint32_t)v;
            return true;
        }
    }
    return weft__read_u32(r, out);
}

static inline bool weft__fast_u64(weft_reader_t *r, uint64_t *out)
{
    if (r->p < r->end && *r->p < 0x80 && !r->err) {
        *out = *r->p++;
        return true;
    }
    if (r->end - r->p >= 5 && !r->err) {
        unsigned n = weft__fast_uleb5(r->p, out);
        if (n) {
            r->p += n;
            return true;
        }
    }
    return weft__read_u64(r, out);
}

/* One byte of a signed LEB128: 7 bits, bit 6 the sign. */
static inline bool weft__fast_s32(weft_reader_t *r, int32_t *out)
{
    if (r->p < r->end && *r->p < 0x80 && !r->err) {
        *out = (int32_t)(*r->p++ ^ 0x40u) - 0x40;
        return true;
    }
    if (r->end - r->p >= 5 && !r->err) {
        uint64_t x;
        unsigned n = weft__fast_uleb5(r->p, &x);
        /* A fifth byte holds bits 28-31 and three copies of the sign (bit 31): 0 or 0x78
         * under the mask; anything else is for the full reader ("integer too large"). */
        if (n && (n < 5 || (r->p[4] & 0x78) == 0 || (r->p[4] & 0x78) == 0x78)) {
            int64_t v = weft__fast_sext(x, n);
            r->p += n;
            *out = (int32_t)v; /* within int32 range by the check above */
            return true;
        }
    }
    return weft__read_s32(r, out);
}

static inline bool weft__fast_s64(weft_reader_t *r, int64_t *out)
{
    if (r->p < r->end && *r->p < 0x80 && !r->err) {
        *out = (int64_t)(*r->p++ ^ 0x40u) - 0x40;
        return true;
    }
    if (r->end - r->p >= 5 && !r->err) {
        uint64_t x;
        unsigned n = weft__fast_uleb5(r->p, &x);
        if (n) {
            r->p += n;
            *out = weft__fast_sext(x, n);
            return true;
        }
    }
    return weft__read_s64(r, out);
}

#endif
