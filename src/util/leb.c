/* leb.c - LEB128 and fixed-width reads (Wasm core spec 5.2.2 Integers, 5.2.3 Floats). */
#include "util/leb.h"

#include <string.h>

void weft__reader_fail(weft_reader_t *r, const char *why)
{
    if (!r->err) {
        r->err = why;
        r->err_pos = (size_t)(r->p - r->base);
    }
    r->p = r->end;
}

bool weft__read_u8(weft_reader_t *r, uint8_t *out)
{
    if (r->err) return false;
    if (r->p >= r->end) {
        weft__reader_fail(r, "unexpected end");
        return false;
    }
    *out = *r->p++;
    return true;
}

static bool read_uleb(weft_reader_t *r, unsigned bits, uint64_t *out)
{
    uint64_t result = 0;
    unsigned shift = 0;
    if (r->err) return false;
    for (;;) {
        if (r->p >= r->end) {
            weft__reader_fail(r, "unexpected end");
            return false;
        }
        uint8_t b = *r->p++;
        if (shift + 7 >= bits && shift < 64) {
            /* Last permitted byte: no continuation, and the unused high bits must be zero. */
            unsigned used = bits - shift;
            if (b & 0x80) {
                weft__reader_fail(r, "integer representation too long");
                return false;
            }
            if (used < 7 && (b >> used) != 0) {
                weft__reader_fail(r, "integer too large");
                return false;
            }
            result |= (uint64_t)b << shift;
            break;
        }
        result |= (uint64_t)(b & 0x7f) << shift;
        shift += 7;
        if (!(b & 0x80)) break;
    }
    *out = result;
    return true;
}

static bool read_sleb(weft_reader_t *r, unsigned bits, int64_t *out)
{
    uint64_t result = 0;
    unsigned shift = 0;
    uint8_t b;
    if (r->err) return false;
    for (;;) {
        if (r->p >= r->end) {
            weft__reader_fail(r, "unexpected end");
            return false;
        }
        b = *r->p++;
        if (shift + 7 >= bits) {
            unsigned used = bits - shift; /* 1..7 significant bits in this byte */
            if (b & 0x80) {
                weft__reader_fail(r, "integer representation too long");
                return false;
            }
            /* The unused bits must all equal the sign bit (bit used-1). */
            int sign = (b >> (used - 1)) & 1;
            uint8_t rest = (uint8_t)((b & 0x7f) >> used);
            uint8_t want = sign ? (uint8_t)(0x7f >> used) : 0;
            if (rest != want) {
                weft__reader_fail(r, "integer too large");
                return false;
            }
            result |= (uint64_t)(b & 0x7f) << shift;
            shift += 7;
            break;
        }
        result |= (uint64_t)(b & 0x7f) << shift;
        shift += 7;
        if (!(b & 0x80)) break;
    }
    if (shift < 64 && (b & 0x40)) result |= ~(uint64_t)0 << shift;
    memcpy(out, &result, sizeof result);
    return true;
}

bool weft__read_u32(weft_reader_t *r, uint32_t *out)
{
    uint64_t v;
    if (!read_uleb(r, 32, &v)) return false;
    *out = (uint32_t)v;
    return true;
}
bool weft__read_u64(weft_reader_t *r, uint64_t *out) { return read_uleb(r, 64, out); }
bool weft__read_s32(weft_reader_t *r, int32_t *out)
{
    int64_t v;
    if (!read_sleb(r, 32, &v)) return false;
    *out = (int32_t)v;
    return true;
}
bool weft__read_s33(weft_reader_t *r, int64_t *out) { return read_sleb(r, 33, out); }
bool weft__read_s64(weft_reader_t *r, int64_t *out) { return read_sleb(r, 64, out); }

bool weft__read_bytes(weft_reader_t *r, size_t n, const uint8_t **out)
{
    if (r->err) return false;
    if ((size_t)(r->end - r->p) < n) {
        weft__reader_fail(r, "unexpected end");
        return false;
    }
    *out = r->p;
    r->p += n;
    return true;
}

bool weft__read_f32(weft_reader_t *r, uint32_t *bits)
{
    const uint8_t *b;
    if (!weft__read_bytes(r, 4, &b)) return false;
    *bits = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
    return true;
}

bool weft__read_f64(weft_reader_t *r, uint64_t *bits)
{
    const uint8_t *b;
    if (!weft__read_bytes(r, 8, &b)) return false;
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--) v = v << 8 | b[i];
    *bits = v;
    return true;
}

bool weft__utf8_valid(const uint8_t *s, size_t len)
{
    size_t i = 0;
    while (i < len) {
        uint8_t c = s[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t n;
        uint32_t cp;
        if ((c & 0xE0) == 0xC0) { n = 2; cp = c & 0x1F; }
        else if ((c & 0xF0) == 0xE0) { n = 3; cp = c & 0x0F; }
        else if ((c & 0xF8) == 0xF0) { n = 4; cp = c & 0x07; }
        else return false;
        if (len - i < n) return false;
        for (size_t k = 1; k < n; k++) {
            if ((s[i + k] & 0xC0) != 0x80) return false;
            cp = cp << 6 | (s[i + k] & 0x3F);
        }
        if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000)) return false;
        if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
        i += n;
    }
    return true;
}
