/* transcode.c - string loading, validation and transcoding (CanonicalABI.md
 * load_string_from_range, store_string_into_range, store_string_copy, store_string_to_utf8,
 * store_utf8_to_utf16, store_string_to_latin1_or_utf16,
 * store_probably_utf16_to_latin1_or_utf16). Every realloc call, its arguments and the checks
 * of its result are those of definitions.py, in the same order. */
#include "component/transcode.h"

#include "util/error.h"

/* The encoding of the code units themselves (latin1+utf16 resolved by the tag). */
enum { SIMPLE_UTF8, SIMPLE_UTF16, SIMPLE_LATIN1 };

static uint8_t simple_encoding(uint8_t encoding, uint32_t tagged, uint32_t *units)
{
    if (encoding == WEFT_STRENC_LATIN1_UTF16) {
        if (tagged & WEFT_UTF16_TAG) {
            *units = tagged ^ WEFT_UTF16_TAG;
            return SIMPLE_UTF16;
        }
        *units = tagged;
        return SIMPLE_LATIN1;
    }
    *units = tagged;
    return encoding == WEFT_STRENC_UTF16 ? SIMPLE_UTF16 : SIMPLE_UTF8;
}

static inline uint32_t rd16(const uint8_t *p) { return (uint32_t)p[0] | ((uint32_t)p[1] << 8); }
static inline void wr16(uint8_t *p, uint32_t u)
{
    p[0] = (uint8_t)u;
    p[1] = (uint8_t)(u >> 8);
}

/* ---- bulk runs ------------------------------------------------------------------------------
 * Most strings are mostly ASCII, which every encoding maps to itself code unit for code unit,
 * so runs of such units are checked 8 bytes at a time (a word loaded with memcpy, tested
 * against a mask of forbidden bits) and copied, widened or narrowed in bulk. Each helper stops
 * before the first unit it does not handle; the caller then takes one step of the exact scalar
 * code, so results (bytes, realloc calls, traps and their positions) are those of the scalar
 * code alone. The masks are built from byte arrays, so they do not depend on the host's byte
 * order; the copies are byte loops, which the compiler may vectorize. */

static inline uint64_t ld64(const uint8_t *p)
{
    uint64_t w;
    memcpy(&w, p, 8);
    return w;
}

/* A word mask from the two bytes of a little-endian code unit, repeated 4 times. */
static inline uint64_t unit_mask(uint8_t lo, uint8_t hi)
{
    const uint8_t b[8] = {lo, hi, lo, hi, lo, hi, lo, hi};
    return ld64(b);
}

#define ASCII_MASK 0x8080808080808080ull

/* Widens 16 bytes at s to 16 little-endian code units at o, and narrows 4 code units (the
 * word w loaded from s, each below 0x100) to 4 bytes at o: on little-endian hosts through
 * host-order 16-bit units (the compiler turns the widening loop into a few vector
 * instructions) and shifts, byte by byte elsewhere. */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ &&                  \
    !defined(WEFT_TRANSCODE_BYTEWISE)
static inline void widen16(uint8_t *restrict o, const uint8_t *restrict s)
{
    uint16_t u[16];
    for (uint32_t k = 0; k < 16; k++) u[k] = s[k];
    memcpy(o, u, sizeof u);
}

static inline void narrow4(uint8_t *o, uint64_t w, const uint8_t *s)
{
    (void)s;
    w &= 0x00ff00ff00ff00ffull;
    w = (w | (w >> 8)) & 0x0000ffff0000ffffull;
    uint32_t x = (uint32_t)(w | (w >> 16));
    memcpy(o, &x, 4);
}
#else
static inline void widen16(uint8_t *restrict o, const uint8_t *restrict s)
{
    for (uint32_t k = 0; k < 16; k++) {
        o[2 * k] = s[k];
        o[2 * k + 1] = 0;
    }
}

static inline void narrow4(uint8_t *o, uint64_t w, const uint8_t *s)
{
    (void)w;
    for (uint32_t k = 0; k < 4; k++) o[k] = s[2 * k];
}
#endif

/* The number of leading bytes of p[0..n) below 0x80: 64 bytes a step, then 8, then 1. */
static inline uint32_t ascii_run(const uint8_t *p, uint32_t n)
{
    uint32_t i = 0;
    while (n - i >= 64) {
        const uint8_t *q = p + i;
        uint64_t w = (ld64(q) | ld64(q + 8) | ld64(q + 16) | ld64(q + 24)) |
                     (ld64(q + 32) | ld64(q + 40) | ld64(q + 48) | ld64(q + 56));
        if (w & ASCII_MASK) break;
        i += 64;
    }
    while (n - i >= 8 && !(ld64(p + i) & ASCII_MASK)) i += 8;
    while (i < n && p[i] < 0x80) i++;
    return i;
}

/* Widens the leading bytes of s[0..n) below 0x80 to UTF-16 code units at o; returns their
 * count. */
static inline uint32_t widen_ascii(uint8_t *restrict o, const uint8_t *restrict s, uint32_t n)
{
    uint32_t i = 0;
    while (n - i >= 16) {
        uint64_t w0 = ld64(s + i), w1 = ld64(s + i + 8);
        if ((w0 | w1) & ASCII_MASK) break;
        widen16(o + 2 * i, s + i);
        i += 16;
    }
    while (i < n && s[i] < 0x80) {
        o[2 * i] = s[i];
        o[2 * i + 1] = 0;
        i++;
    }
    return i;
}

/* Widens n latin-1 bytes to UTF-16 code units. */
static inline void widen_all(uint8_t *restrict o, const uint8_t *restrict s, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++) {
        o[2 * i] = s[i];
        o[2 * i + 1] = 0;
    }
}

/* Narrows the leading UTF-16 code units of s[0..units) below `limit` (0x80 or 0x100) to bytes
 * at o; returns their count. */
static inline uint32_t narrow_run(uint8_t *restrict o, const uint8_t *restrict s, uint32_t units,
                                  uint32_t limit)
{
    uint64_t mask = unit_mask(limit == 0x80 ? 0x80 : 0, 0xff);
    uint32_t i = 0;
    while (units - i >= 8) {
        uint64_t w0 = ld64(s + 2 * i), w1 = ld64(s + 2 * i + 8);
        if ((w0 | w1) & mask) break;
        narrow4(o + i, w0, s + 2 * i);
        narrow4(o + i + 4, w1, s + 2 * i + 8);
        i += 8;
    }
    while (i < units && rd16(s + 2 * i) < limit) {
        o[i] = s[2 * i];
        i++;
    }
    return i;
}

/* memcpy that accepts n == 0 with any pointers. */
static inline void copy_bytes(uint8_t *restrict o, const uint8_t *restrict s, uint32_t n)
{
    if (n) memcpy(o, s, n);
}

/* True if none of the 8 UTF-16 code units at p is a surrogate (0xd800..0xdfff). */
static inline bool no_surrogate8(const uint8_t *p)
{
    bool any = false;
    for (uint32_t k = 0; k < 8; k++) any |= (p[2 * k + 1] & 0xf8) == 0xd8;
    return !any;
}

/* The number of leading UTF-16 code units of s[0..units) that are not high (leading)
 * surrogates: decoding and re-encoding such a unit gives the unit itself. */
static inline uint32_t no_lead_run(const uint8_t *s, uint32_t units)
{
    uint32_t i = 0;
    for (; units - i >= 8; i += 8) {
        bool any = false;
        for (uint32_t k = 0; k < 8; k++) any |= (s[2 * (i + k) + 1] & 0xfc) == 0xd8;
        if (any) break;
    }
    while (i < units && (s[2 * i + 1] & 0xfc) != 0xd8) i++;
    return i;
}

/* ---- validation (the `.decode(encoding)` of load_string_from_range) ---------------------- */

/* Strict UTF-8 (Unicode 3.9 Table 3-7): no overlongs, surrogates or values past U+10FFFF. A
 * valid prefix cut by the end of the string is reported as incomplete. p[0..start) is known
 * to be valid (positions in messages count from p). */
static weft_error_t *validate_utf8_from(const weft_alloc_t *a, const uint8_t *p, uint32_t n,
                                        uint32_t start)
{
    uint64_t i = start;
    while (i < n) {
        i += ascii_run(p + i, (uint32_t)(n - i));
        if (i >= n) break;
        uint8_t c = p[i];
        uint32_t need;
        uint8_t lo = 0x80, hi = 0xbf;
        if (c >= 0xc2 && c <= 0xdf) need = 1;
        else if (c >= 0xe0 && c <= 0xef) {
            need = 2;
            if (c == 0xe0) lo = 0xa0;
            if (c == 0xed) hi = 0x9f;
        } else if (c >= 0xf0 && c <= 0xf4) {
            need = 3;
            if (c == 0xf0) lo = 0x90;
            if (c == 0xf4) hi = 0x8f;
        } else
            return weft__canon_trap(a, "invalid utf-8 sequence at byte %llu",
                                    (unsigned long long)i);
        for (uint32_t k = 1; k <= need; k++) {
            if (i + k >= n)
                return weft__canon_trap(a, "invalid utf-8: incomplete utf-8 byte sequence");
            uint8_t d = p[i + k];
            if (d < lo || d > hi)
                return weft__canon_trap(a, "invalid utf-8 sequence at byte %llu",
                                        (unsigned long long)i);
            lo = 0x80;
            hi = 0xbf;
        }
        i += need + 1;
    }
    return NULL;
}

static weft_error_t *validate_utf16(const weft_alloc_t *a, const uint8_t *p, uint32_t units)
{
    for (uint64_t i = 0; i < units; i++) {
        while (units - i >= 8 && no_surrogate8(p + 2 * i)) i += 8;
        if (i >= units) break;
        uint32_t u = rd16(p + 2 * i);
        if (u >= 0xd800 && u <= 0xdbff) {
            if (i + 1 < units) {
                uint32_t v = rd16(p + 2 * (i + 1));
                if (v >= 0xdc00 && v <= 0xdfff) {
                    i++;
                    continue;
                }
            }
            return weft__canon_trap(a, "invalid utf-16: unpaired surrogate at code unit %llu",
                                    (unsigned long long)i);
        }
        if (u >= 0xdc00 && u <= 0xdfff)
            return weft__canon_trap(a, "invalid utf-16: unpaired surrogate at code unit %llu",
                                    (unsigned long long)i);
    }
    return NULL;
}

weft_error_t *weft__transcode_validate(const weft_alloc_t *a, uint8_t encoding,
                                       const uint8_t *bytes, uint32_t tagged_code_units)
{
    uint32_t units;
    switch (simple_encoding(encoding, tagged_code_units, &units)) {
    case SIMPLE_UTF8: return validate_utf8_from(a, bytes, units, 0);
    case SIMPLE_UTF16: return validate_utf16(a, bytes, units);
    default: return NULL; /* every byte is a latin-1 character */
    }
}

/* ---- load_string_from_range ---------------------------------------------------------------- */

weft_error_t *weft__load_string_from_range(weft_canon_cx_t *cx, uint32_t ptr,
                                           uint32_t tagged_code_units, weft_cstring_t *out)
{
    uint32_t alignment, units;
    uint8_t simple = simple_encoding(cx->string_encoding, tagged_code_units, &units);
    uint64_t byte_length = simple == SIMPLE_UTF16 ? 2 * (uint64_t)units : units;
    alignment = cx->string_encoding == WEFT_STRENC_UTF8 ? 1 : 2;
    if (byte_length > WEFT_MAX_STRING_BYTE_LENGTH)
        return weft__canon_trap(cx->alloc, "string content out-of-bounds: string byte length "
                                           "%llu exceeds the maximum",
                                (unsigned long long)byte_length);
    if (ptr & (alignment - 1u)) /* 1 or 2 */
        return weft__canon_trap(cx->alloc, "unaligned pointer: string %u", ptr);
    if ((uint64_t)ptr + byte_length > weft__canon_memlen(cx))
        return weft__canon_trap(cx->alloc, "string content out-of-bounds: string "
                                           "pointer/length out of bounds of memory");
    const uint8_t *bytes = cx->memory ? weft__canon_mem(cx) + ptr : (const uint8_t *)"";
    weft_error_t *err;
    if (simple == SIMPLE_UTF8) {
        /* An ASCII string, the usual one, is valid as soon as its run is checked. */
        uint32_t i = ascii_run(bytes, units);
        if (i < units && (err = validate_utf8_from(cx->alloc, bytes, units, i))) return err;
    } else if ((err = weft__transcode_validate(cx->alloc, cx->string_encoding, bytes,
                                               tagged_code_units))) {
        return err;
    }
    out->bytes = bytes;
    out->tagged_code_units = tagged_code_units;
    out->encoding = cx->string_encoding;
    return NULL;
}

/* ---- reading a valid source ---------------------------------------------------------------- */

uint32_t weft__cstring_byte_length(const weft_cstring_t *s)
{
    uint32_t units;
    return simple_encoding(s->encoding, s->tagged_code_units, &units) == SIMPLE_UTF16
               ? 2 * units
               : units;
}

static uint32_t next_cp(uint8_t simple, const uint8_t *p, uint32_t *pos)
{
    uint32_t i = *pos;
    if (simple == SIMPLE_LATIN1) {
        *pos = i + 1;
        return p[i];
    }
    if (simple == SIMPLE_UTF16) {
        uint32_t u = rd16(p + i);
        if (u >= 0xd800 && u <= 0xdbff) {
            uint32_t v = rd16(p + i + 2);
            *pos = i + 4;
            return 0x10000 + ((u - 0xd800) << 10) + (v - 0xdc00);
        }
        *pos = i + 2;
        return u;
    }
    uint32_t c = p[i];
    if (c < 0x80) {
        *pos = i + 1;
        return c;
    }
    if (c < 0xe0) {
        *pos = i + 2;
        return ((c & 0x1f) << 6) | (p[i + 1] & 0x3fu);
    }
    if (c < 0xf0) {
        *pos = i + 3;
        return ((c & 0x0f) << 12) | ((p[i + 1] & 0x3fu) << 6) | (p[i + 2] & 0x3fu);
    }
    *pos = i + 4;
    return ((c & 0x07) << 18) | ((p[i + 1] & 0x3fu) << 12) | ((p[i + 2] & 0x3fu) << 6) |
           (p[i + 3] & 0x3fu);
}

uint32_t weft__cstring_next(const weft_cstring_t *s, uint32_t *pos)
{
    uint32_t units;
    return next_cp(simple_encoding(s->encoding, s->tagged_code_units, &units), s->bytes, pos);
}

static uint32_t put_utf8(uint8_t *o, uint32_t c)
{
    if (c < 0x80) {
        o[0] = (uint8_t)c;
        return 1;
    }
    if (c < 0x800) {
        o[0] = (uint8_t)(0xc0 | (c >> 6));
        o[1] = (uint8_t)(0x80 | (c & 0x3f));
        return 2;
    }
    if (c < 0x10000) {
        o[0] = (uint8_t)(0xe0 | (c >> 12));
        o[1] = (uint8_t)(0x80 | ((c >> 6) & 0x3f));
        o[2] = (uint8_t)(0x80 | (c & 0x3f));
        return 3;
    }
    o[0] = (uint8_t)(0xf0 | (c >> 18));
    o[1] = (uint8_t)(0x80 | ((c >> 12) & 0x3f));
    o[2] = (uint8_t)(0x80 | ((c >> 6) & 0x3f));
    o[3] = (uint8_t)(0x80 | (c & 0x3f));
    return 4;
}

static uint32_t put_utf16(uint8_t *o, uint32_t c)
{
    if (c < 0x10000) {
        wr16(o, c);
        return 2;
    }
    c -= 0x10000;
    wr16(o, 0xd800 + (c >> 10));
    wr16(o + 2, 0xdc00 + (c & 0x3ff));
    return 4;
}

/* ---- realloc result checks ----------------------------------------------------------------- */

static weft_error_t *check_align(weft_canon_cx_t *cx, uint32_t ptr, uint32_t alignment)
{
    if (ptr & (alignment - 1u))
        return weft__canon_trap(cx->alloc,
                                "unaligned pointer: realloc return: result not aligned");
    return NULL;
}

static weft_error_t *check_bounds(weft_canon_cx_t *cx, uint32_t ptr, uint64_t n)
{
    if ((uint64_t)ptr + n > weft__canon_memlen(cx))
        return weft__canon_trap(cx->alloc, "string content out-of-bounds: realloc return: "
                                           "beyond end of memory");
    return NULL;
}

/* A realloc call followed by the spec's checks (alignment only when `check_alignment`). */
static weft_error_t *realloc_checked(weft_canon_cx_t *cx, uint32_t old, uint32_t old_size,
                                     uint32_t alignment, uint32_t new_size, bool check_alignment,
                                     uint32_t *ptr)
{
    weft_error_t *err = weft__canon_realloc(cx, old, old_size, alignment, new_size, ptr);
    if (err) return err;
    if (check_alignment && (err = check_align(cx, *ptr, alignment))) return err;
    return check_bounds(cx, *ptr, new_size);
}

/* ---- storing ------------------------------------------------------------------------------- */

/* store_string_copy(cx, src, src_code_units, dst_code_unit_size, dst_alignment, dst_encoding) */
static weft_error_t *store_string_copy(weft_canon_cx_t *cx, uint8_t simple, const uint8_t *src,
                                       uint32_t src_code_units, uint32_t dst_code_unit_size,
                                       uint32_t dst_alignment, uint32_t *out_ptr)
{
    uint32_t dst_byte_length = dst_code_unit_size * src_code_units;
    uint32_t ptr;
    weft_error_t *err =
        realloc_checked(cx, 0, 0, dst_alignment, dst_byte_length, true, &ptr);
    if (err) return err;
    uint8_t *m = weft__canon_mem(cx) + ptr;
    if (simple == SIMPLE_LATIN1 && dst_code_unit_size == 2) {
        widen_all(m, src, src_code_units);
    } else if (dst_byte_length) {
        memcpy(m, src, dst_byte_length);
    }
    *out_ptr = ptr;
    return NULL;
}

/* Encodes src[pos..src_bytes) (utf16 or latin1) as UTF-8 at o; returns the byte count. */
static uint32_t encode_rest_utf8(uint8_t simple, const uint8_t *restrict src, uint32_t pos,
                                 uint32_t src_bytes, uint8_t *restrict o)
{
    uint32_t len = 0;
    while (pos < src_bytes) {
        uint32_t k;
        if (simple == SIMPLE_UTF16) {
            k = narrow_run(o + len, src + pos, (src_bytes - pos) / 2, 0x80);
            pos += 2 * k;
        } else {
            k = ascii_run(src + pos, src_bytes - pos);
            copy_bytes(o + len, src + pos, k);
            pos += k;
        }
        len += k;
        if (pos < src_bytes) len += put_utf8(o + len, next_cp(simple, src, &pos));
    }
    return len;
}

/* store_string_to_utf8(cx, src, src_code_units, worst_case_size), src in utf16 or latin1 */
static weft_error_t *store_string_to_utf8(weft_canon_cx_t *cx, uint8_t simple,
                                          const uint8_t *src, uint32_t src_code_units,
                                          uint32_t worst_case_size, uint32_t *out_ptr,
                                          uint32_t *out_units)
{
    uint32_t src_bytes = simple == SIMPLE_UTF16 ? 2 * src_code_units : src_code_units;
    uint32_t ptr;
    weft_error_t *err = realloc_checked(cx, 0, 0, 1, src_code_units, false, &ptr);
    if (err) return err;
    /* The code points below 0x80, stored as they come until the first other one. */
    uint8_t *m = weft__canon_mem(cx) + ptr;
    uint32_t i;
    if (simple == SIMPLE_UTF16) {
        i = narrow_run(m, src, src_code_units, 0x80);
    } else {
        i = ascii_run(src, src_code_units);
        copy_bytes(m, src, i);
    }
    if (i < src_code_units) {
        uint32_t pos = simple == SIMPLE_UTF16 ? 2 * i : i;
        uint32_t c = next_cp(simple, src, &pos);
        err = realloc_checked(cx, ptr, src_code_units, 1, worst_case_size, false, &ptr);
        if (err) return err;
        m = weft__canon_mem(cx) + ptr;
        uint32_t len = i + put_utf8(m + i, c);
        len += encode_rest_utf8(simple, src, pos, src_bytes, m + len);
        if (worst_case_size > len) {
            err = realloc_checked(cx, ptr, worst_case_size, 1, len, false, &ptr);
            if (err) return err;
        }
        *out_ptr = ptr;
        *out_units = len;
        return NULL;
    }
    *out_ptr = ptr;
    *out_units = src_code_units;
    return NULL;
}

/* Encodes UTF-8 src[pos..n) as UTF-16 at o; returns the byte count. */
static uint32_t encode_rest_utf16_from_utf8(const uint8_t *restrict src, uint32_t pos,
                                            uint32_t n, uint8_t *restrict o)
{
    uint32_t len = 0;
    while (pos < n) {
        uint32_t k = widen_ascii(o + len, src + pos, n - pos);
        pos += k;
        len += 2 * k;
        if (pos < n) len += put_utf16(o + len, next_cp(SIMPLE_UTF8, src, &pos));
    }
    return len;
}

/* Encodes UTF-16 src[pos..src_bytes) as UTF-16 at o (the same units, for a valid source);
 * returns the byte count. */
static uint32_t encode_rest_utf16_from_utf16(const uint8_t *restrict src, uint32_t pos,
                                             uint32_t src_bytes, uint8_t *restrict o)
{
    uint32_t len = 0;
    while (pos < src_bytes) {
        uint32_t k = 2 * no_lead_run(src + pos, (src_bytes - pos) / 2);
        copy_bytes(o + len, src + pos, k);
        pos += k;
        len += k;
        if (pos < src_bytes) len += put_utf16(o + len, next_cp(SIMPLE_UTF16, src, &pos));
    }
    return len;
}

/* store_utf8_to_utf16(cx, src, src_code_units) */
static weft_error_t *store_utf8_to_utf16(weft_canon_cx_t *cx, const uint8_t *src,
                                         uint32_t src_code_units, uint32_t *out_ptr,
                                         uint32_t *out_units)
{
    uint32_t worst_case_size = 2 * src_code_units;
    uint32_t ptr;
    weft_error_t *err = realloc_checked(cx, 0, 0, 2, worst_case_size, true, &ptr);
    if (err) return err;
    uint8_t *m = weft__canon_mem(cx) + ptr;
    uint32_t len = encode_rest_utf16_from_utf8(src, 0, src_code_units, m);
    if (len < worst_case_size) {
        err = realloc_checked(cx, ptr, worst_case_size, 2, len, true, &ptr);
        if (err) return err;
    }
    *out_ptr = ptr;
    *out_units = len / 2;
    return NULL;
}

/* store_string_to_latin1_or_utf16(cx, src, src_code_units), src in utf8 or utf16 */
static weft_error_t *store_string_to_latin1_or_utf16(weft_canon_cx_t *cx, uint8_t simple,
                                                     const uint8_t *src, uint32_t src_code_units,
                                                     uint32_t *out_ptr, uint32_t *out_units)
{
    uint32_t src_bytes = simple == SIMPLE_UTF16 ? 2 * src_code_units : src_code_units;
    uint32_t ptr;
    weft_error_t *err = realloc_checked(cx, 0, 0, 2, src_code_units, true, &ptr);
    if (err) return err;
    uint8_t *m = weft__canon_mem(cx) + ptr;
    uint32_t dst_byte_length = 0, pos = 0;
    while (pos < src_bytes) {
        /* A run of code points below 0x100 (0x80 for utf8, where larger ones take 2 bytes),
         * then one code point by the scalar decoder. */
        uint32_t k;
        if (simple == SIMPLE_UTF16) {
            k = narrow_run(m + dst_byte_length, src + pos, (src_bytes - pos) / 2, 0x100);
            pos += 2 * k;
        } else {
            k = ascii_run(src + pos, src_bytes - pos);
            copy_bytes(m + dst_byte_length, src + pos, k);
            pos += k;
        }
        dst_byte_length += k;
        if (pos >= src_bytes) break;
        uint32_t c = next_cp(simple, src, &pos);
        if (c < 0x100) {
            m[dst_byte_length] = (uint8_t)c;
            dst_byte_length++;
            continue;
        }
        uint32_t worst_case_size = 2 * src_code_units;
        err = realloc_checked(cx, ptr, src_code_units, 2, worst_case_size, true, &ptr);
        if (err) return err;
        m = weft__canon_mem(cx) + ptr;
        /* Inflate the latin-1 prefix in place, from the end. */
        for (uint32_t j = dst_byte_length; j-- > 0;) {
            m[2 * j] = m[j];
            m[2 * j + 1] = 0;
        }
        uint32_t len = 2 * dst_byte_length + put_utf16(m + 2 * dst_byte_length, c);
        len += simple == SIMPLE_UTF16 ? encode_rest_utf16_from_utf16(src, pos, src_bytes, m + len)
                                      : encode_rest_utf16_from_utf8(src, pos, src_bytes, m + len);
        if (worst_case_size > len) {
            err = realloc_checked(cx, ptr, worst_case_size, 2, len, true, &ptr);
            if (err) return err;
        }
        *out_ptr = ptr;
        *out_units = (len / 2) | WEFT_UTF16_TAG;
        return NULL;
    }
    if (dst_byte_length < src_code_units) {
        err = realloc_checked(cx, ptr, src_code_units, 2, dst_byte_length, true, &ptr);
        if (err) return err;
    }
    *out_ptr = ptr;
    *out_units = dst_byte_length;
    return NULL;
}

/* store_probably_utf16_to_latin1_or_utf16(cx, src, src_code_units) */
static weft_error_t *store_probably_utf16_to_latin1_or_utf16(weft_canon_cx_t *cx,
                                                             const uint8_t *src,
                                                             uint32_t src_code_units,
                                                             uint32_t *out_ptr,
                                                             uint32_t *out_units)
{
    uint32_t src_byte_length = 2 * src_code_units;
    uint32_t ptr;
    weft_error_t *err = realloc_checked(cx, 0, 0, 2, src_byte_length, true, &ptr);
    if (err) return err;
    uint8_t *m = weft__canon_mem(cx) + ptr;
    if (src_byte_length) memcpy(m, src, src_byte_length);
    uint64_t high = unit_mask(0, 0xff);
    uint32_t i = 0;
    while (src_code_units - i >= 4 && !(ld64(m + 2 * i) & high)) i += 4;
    for (; i < src_code_units; i++) {
        if (rd16(m + 2 * i) >= 0x100) {
            *out_ptr = ptr;
            *out_units = src_code_units | WEFT_UTF16_TAG;
            return NULL;
        }
    }
    uint32_t latin1_size = src_code_units;
    for (i = 0; i < latin1_size; i++) m[i] = m[2 * i];
    err = realloc_checked(cx, ptr, src_byte_length, 1, latin1_size, false, &ptr);
    if (err) return err;
    *out_ptr = ptr;
    *out_units = latin1_size;
    return NULL;
}

/* store_string_into_range(cx, v) for every pair of encodings; out of line, so that the
 * UTF-8 to UTF-8 copy below sets up none of its frame. */
#if defined(__GNUC__)
__attribute__((noinline))
#endif
static weft_error_t *store_string_any(weft_canon_cx_t *cx, const weft_cstring_t *v,
                                      uint32_t *ptr, uint32_t *tagged_code_units)
{
    uint32_t n;
    uint8_t simple = simple_encoding(v->encoding, v->tagged_code_units, &n);
    const uint8_t *src = v->bytes;
    switch (cx->string_encoding) {
    case WEFT_STRENC_UTF8:
        *tagged_code_units = n;
        if (simple == SIMPLE_UTF8) return store_string_copy(cx, simple, src, n, 1, 1, ptr);
        if (simple == SIMPLE_UTF16)
            return store_string_to_utf8(cx, simple, src, n, n * 3, ptr, tagged_code_units);
        return store_string_to_utf8(cx, simple, src, n, n * 2, ptr, tagged_code_units);
    case WEFT_STRENC_UTF16:
        if (simple == SIMPLE_UTF8) return store_utf8_to_utf16(cx, src, n, ptr, tagged_code_units);
        *tagged_code_units = n;
        return store_string_copy(cx, simple, src, n, 2, 2, ptr);
    default:
        if (v->encoding != WEFT_STRENC_LATIN1_UTF16)
            return store_string_to_latin1_or_utf16(cx, simple, src, n, ptr, tagged_code_units);
        if (simple == SIMPLE_LATIN1) {
            *tagged_code_units = n;
            return store_string_copy(cx, simple, src, n, 1, 2, ptr);
        }
        return store_probably_utf16_to_latin1_or_utf16(cx, src, n, ptr, tagged_code_units);
    }
}

/* store_string_into_range(cx, v). UTF-8 to UTF-8, the usual case, is store_string_copy(cx,
 * src, n, 1, 1, 'utf8') written out: one realloc, its alignment check (alignment 1 always
 * holds), the bounds check, the copy. */
weft_error_t *weft__store_string_into_range(weft_canon_cx_t *cx, const weft_cstring_t *v,
                                            uint32_t *ptr, uint32_t *tagged_code_units)
{
    if (cx->string_encoding != WEFT_STRENC_UTF8 || v->encoding != WEFT_STRENC_UTF8)
        return store_string_any(cx, v, ptr, tagged_code_units);
    uint32_t n = v->tagged_code_units, p;
    *tagged_code_units = n;
    weft_error_t *err = weft__canon_realloc(cx, 0, 0, 1, n, &p);
    if (err) return err;
    if ((err = check_bounds(cx, p, n))) return err;
    copy_bytes(weft__canon_mem(cx) + p, v->bytes, n);
    *ptr = p;
    return NULL;
}
