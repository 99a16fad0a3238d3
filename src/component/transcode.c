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

/* ---- validation (the `.decode(encoding)` of load_string_from_range) ---------------------- */

/* Strict UTF-8 (Unicode 3.9 Table 3-7): no overlongs, surrogates or values past U+10FFFF. A
 * valid prefix cut by the end of the string is reported as incomplete. */
static weft_error_t *validate_utf8(const weft_alloc_t *a, const uint8_t *p, uint64_t n)
{
    uint64_t i = 0;
    while (i < n) {
        uint8_t c = p[i];
        if (c < 0x80) {
            i++;
            continue;
        }
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

static weft_error_t *validate_utf16(const weft_alloc_t *a, const uint8_t *p, uint64_t units)
{
    for (uint64_t i = 0; i < units; i++) {
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
    case SIMPLE_UTF8: return validate_utf8(a, bytes, units);
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
    if (ptr % alignment) return weft__canon_trap(cx->alloc, "unaligned pointer: string %u", ptr);
    if ((uint64_t)ptr + byte_length > weft__canon_memlen(cx))
        return weft__canon_trap(cx->alloc, "string content out-of-bounds: string "
                                           "pointer/length out of bounds of memory");
    const uint8_t *bytes = cx->memory ? weft__canon_mem(cx) + ptr : (const uint8_t *)"";
    weft_error_t *err = weft__transcode_validate(cx->alloc, cx->string_encoding, bytes,
                                                 tagged_code_units);
    if (err) return err;
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
    if (ptr % alignment)
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
        for (uint32_t i = 0; i < src_code_units; i++) wr16(m + 2 * i, src[i]);
    } else if (dst_byte_length) {
        memcpy(m, src, dst_byte_length);
    }
    *out_ptr = ptr;
    return NULL;
}

/* store_string_to_utf8(cx, src, src_code_units, worst_case_size) */
static weft_error_t *store_string_to_utf8(weft_canon_cx_t *cx, uint8_t simple,
                                          const uint8_t *src, uint32_t src_code_units,
                                          uint32_t worst_case_size, uint32_t *out_ptr,
                                          uint32_t *out_units)
{
    uint32_t src_bytes = simple == SIMPLE_UTF16 ? 2 * src_code_units : src_code_units;
    uint32_t ptr;
    weft_error_t *err = realloc_checked(cx, 0, 0, 1, src_code_units, false, &ptr);
    if (err) return err;
    uint32_t i = 0, pos = 0;
    while (pos < src_bytes) {
        uint32_t c = next_cp(simple, src, &pos);
        if (c < 0x80) {
            weft__canon_mem(cx)[ptr + i] = (uint8_t)c;
            i++;
            continue;
        }
        err = realloc_checked(cx, ptr, src_code_units, 1, worst_case_size, false, &ptr);
        if (err) return err;
        uint8_t *m = weft__canon_mem(cx) + ptr;
        uint32_t len = i + put_utf8(m + i, c);
        while (pos < src_bytes) len += put_utf8(m + len, next_cp(simple, src, &pos));
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
    uint32_t len = 0, pos = 0;
    while (pos < src_code_units) len += put_utf16(m + len, next_cp(SIMPLE_UTF8, src, &pos));
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
    uint32_t dst_byte_length = 0, pos = 0;
    while (pos < src_bytes) {
        uint32_t c = next_cp(simple, src, &pos);
        if (c < 0x100) {
            weft__canon_mem(cx)[ptr + dst_byte_length] = (uint8_t)c;
            dst_byte_length++;
            continue;
        }
        uint32_t worst_case_size = 2 * src_code_units;
        err = realloc_checked(cx, ptr, src_code_units, 2, worst_case_size, true, &ptr);
        if (err) return err;
        uint8_t *m = weft__canon_mem(cx) + ptr;
        /* Inflate the latin-1 prefix in place, from the end. */
        for (uint32_t j = dst_byte_length; j-- > 0;) {
            m[2 * j] = m[j];
            m[2 * j + 1] = 0;
        }
        uint32_t len = 2 * dst_byte_length + put_utf16(m + 2 * dst_byte_length, c);
        while (pos < src_bytes) len += put_utf16(m + len, next_cp(simple, src, &pos));
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
    for (uint32_t i = 0; i < src_code_units; i++) {
        if (rd16(m + 2 * i) >= 0x100) {
            *out_ptr = ptr;
            *out_units = src_code_units | WEFT_UTF16_TAG;
            return NULL;
        }
    }
    uint32_t latin1_size = src_code_units;
    for (uint32_t i = 0; i < latin1_size; i++) m[i] = m[2 * i];
    err = realloc_checked(cx, ptr, src_byte_length, 1, latin1_size, false, &ptr);
    if (err) return err;
    *out_ptr = ptr;
    *out_units = latin1_size;
    return NULL;
}

/* store_string_into_range(cx, v) */
weft_error_t *weft__store_string_into_range(weft_canon_cx_t *cx, const weft_cstring_t *v,
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
