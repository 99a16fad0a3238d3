/* test_transcode.c - the bulk (8-bytes-at-a-time) paths of src/component/transcode.c against a
 * scalar reference: the code-point-at-a-time implementation of CanonicalABI.md
 * load_string_from_range (validation) and store_string_into_range, kept below verbatim. Every
 * case compares the trap (kind and message) or the result (ptr, tagged code units), the realloc
 * calls and their arguments, and the whole guest memory, on edge-case strings (ASCII runs of
 * every length 0..40 around the 8-byte blocks, followed by multibyte, invalid, overlong,
 * surrogate and truncated sequences) and random ones, in every encoding pair. Sources are
 * copied into exactly-sized heap buffers so that sanitizers catch any read past their end. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "component/canon.h"
#include "component/transcode.h"
#include "util/error.h"
#include "test_util.h"

static const weft_alloc_t dflt = {weft__default_alloc, NULL};

/* ==== the scalar reference (one code point at a time) ===================================== */

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

static weft_error_t *ref_validate(const weft_alloc_t *a, uint8_t encoding,
                                   const uint8_t *bytes, uint32_t tagged_code_units)
{
    uint32_t units;
    switch (simple_encoding(encoding, tagged_code_units, &units)) {
    case SIMPLE_UTF8: return validate_utf8(a, bytes, units);
    case SIMPLE_UTF16: return validate_utf16(a, bytes, units);
    default: return NULL; /* every byte is a latin-1 character */
    }
}

/* ---- reading a valid source ---------------------------------------------------------------- */

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
static weft_error_t *ref_store(weft_canon_cx_t *cx, const weft_cstring_t *v,
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

/* ==== a guest stand-in: a heap memory and a bump realloc that logs its calls ============== */

#define MEM_SIZE (1u << 18)
#define MAX_CALLS 8

typedef struct guest {
    uint8_t *bytes;
    weft_memory_t mem;
    uint32_t next;
    uint32_t high;     /* end of the highest block handed out: memory past it is untouched */
    uint32_t fail_at;  /* 1-based index of the realloc call that misbehaves; 0: none */
    int fail_mode;     /* 1: a result past the end of memory, 2: a misaligned result */
    bool always_move;  /* every realloc of an old block moves it */
    uint32_t ncalls;
    uint32_t calls[MAX_CALLS][4];
} guest_t;

static weft_error_t *guest_realloc(void *env, uint32_t old, uint32_t old_size, uint32_t align,
                                   uint32_t new_size, uint32_t *result)
{
    guest_t *g = env;
    if (g->ncalls < MAX_CALLS) {
        g->calls[g->ncalls][0] = old;
        g->calls[g->ncalls][1] = old_size;
        g->calls[g->ncalls][2] = align;
        g->calls[g->ncalls][3] = new_size;
    }
    g->ncalls++;
    if (g->ncalls == g->fail_at) {
        *result = g->fail_mode == 1 ? MEM_SIZE - new_size / 2 : g->next | 1u;
        if (*result + (uint64_t)new_size <= MEM_SIZE && *result + new_size > g->high)
            g->high = *result + new_size;
        return NULL;
    }
    if (old && new_size <= old_size && !g->always_move) {
        *result = old;
        return NULL;
    }
    uint32_t p = (g->next + align - 1) / align * align;
    if (p + new_size > MEM_SIZE) {
        *result = MEM_SIZE; /* the tests never get here: their strings are small */
        return NULL;
    }
    if (old) memmove(g->bytes + p, g->bytes + old, old_size < new_size ? old_size : new_size);
    g->next = p + new_size;
    if (g->next > g->high) g->high = g->next;
    *result = p;
    return NULL;
}

static void guest_reset(guest_t *g, weft_canon_cx_t *cx, uint8_t enc, uint32_t fail_at,
                        int fail_mode, bool always_move)
{
    memset(g->bytes, 0xa5, g->high);
    g->mem.data = g->bytes;
    g->mem.size = MEM_SIZE;
    g->next = 24;
    g->high = 24;
    g->fail_at = fail_at;
    g->fail_mode = fail_mode;
    g->always_move = always_move;
    g->ncalls = 0;
    memset(g->calls, 0, sizeof g->calls);
    memset(cx, 0, sizeof *cx);
    cx->alloc = &dflt;
    cx->memory = &g->mem;
    cx->string_encoding = enc;
    cx->realloc = guest_realloc;
    cx->realloc_env = g;
}

/* Two errors are the same outcome: both absent, or traps of the same kind and message. */
static bool same_error(weft_error_t *a, weft_error_t *b)
{
    if (!a || !b) return !a && !b;
    return weft_error_kind(a) == weft_error_kind(b) &&
           strcmp(weft_error_message(a), weft_error_message(b)) == 0;
}

static void describe(const char *what, const uint8_t *s, uint32_t n)
{
    fprintf(stderr, "  %s (%u bytes):", what, n);
    for (uint32_t i = 0; i < n && i < 64; i++) fprintf(stderr, " %02x", s[i]);
    fprintf(stderr, n > 64 ? " ...\n" : "\n");
}

/* An exactly-sized heap copy of n bytes (never NULL). */
static uint8_t *dup_exact(const uint8_t *s, uint32_t n)
{
    uint8_t *p = malloc(n ? n : 1);
    if (!p) {
        fprintf(stderr, "out of memory\n");
        exit(2);
    }
    if (n) memcpy(p, s, n);
    return p;
}

static uint64_t nvalidate, nstore;

/* weft__transcode_validate against the reference for `encoding` and tagged code units. */
static void compare_validate(uint8_t encoding, const uint8_t *bytes, uint32_t nbytes,
                             uint32_t tagged)
{
    uint8_t *p = dup_exact(bytes, nbytes);
    weft_error_t *want = ref_validate(&dflt, encoding, p, tagged);
    weft_error_t *got = weft__transcode_validate(&dflt, encoding, p, tagged);
    nvalidate++;
    if (!same_error(want, got)) {
        fprintf(stderr, "validate mismatch (encoding %u, tagged %#x): want \"%s\", got \"%s\"\n",
                encoding, tagged, want ? weft_error_message(want) : "ok",
                got ? weft_error_message(got) : "ok");
        describe("string", bytes, nbytes);
        failures++;
    }
    weft_error_delete(want);
    weft_error_delete(got);
    free(p);
}

/* Validation of bytes as utf8, as utf16 (whole units) and as latin1+utf16 with both tags. */
static void compare_validate_all(const uint8_t *bytes, uint32_t n)
{
    compare_validate(WEFT_CSTRING_UTF8, bytes, n, n);
    compare_validate(WEFT_CSTRING_UTF16, bytes, n & ~1u, n / 2);
    compare_validate(WEFT_CSTRING_LATIN1_UTF16, bytes, n & ~1u, (n / 2) | WEFT_UTF16_TAG);
    compare_validate(WEFT_CSTRING_LATIN1_UTF16, bytes, n, n);
}

/* store_string_into_range of one source into `dst_enc` under one realloc behaviour. */
static void compare_store_once(guest_t *ga, guest_t *gb, const weft_cstring_t *src,
                               uint8_t dst_enc, uint32_t fail_at, int fail_mode, bool move)
{
    weft_canon_cx_t ca, cb;
    guest_reset(ga, &ca, dst_enc, fail_at, fail_mode, move);
    guest_reset(gb, &cb, dst_enc, fail_at, fail_mode, move);
    uint32_t pa = 0, ta = 0, pb = 0, tb = 0;
    weft_error_t *want = ref_store(&ca, src, &pa, &ta);
    weft_error_t *got = weft__store_string_into_range(&cb, src, &pb, &tb);
    nstore++;
    bool same = same_error(want, got) && ga->ncalls == gb->ncalls &&
                memcmp(ga->calls, gb->calls, sizeof ga->calls) == 0 &&
                memcmp(ga->bytes, gb->bytes, ga->high > gb->high ? ga->high : gb->high) == 0 &&
                (want || (pa == pb && ta == tb));
    if (!same) {
        fprintf(stderr, "store mismatch (%u -> %u, fail_at %u mode %d move %d): want \"%s\" "
                        "ptr %u tagged %#x calls %u, got \"%s\" ptr %u tagged %#x calls %u\n",
                src->encoding, dst_enc, fail_at, fail_mode, move,
                want ? weft_error_message(want) : "ok", pa, ta, ga->ncalls,
                got ? weft_error_message(got) : "ok", pb, tb, gb->ncalls);
        uint32_t tagged = src->tagged_code_units;
        uint32_t units = tagged & ~WEFT_UTF16_TAG;
        bool u16 = src->encoding == WEFT_CSTRING_UTF16 ||
                   (src->encoding == WEFT_CSTRING_LATIN1_UTF16 && (tagged & WEFT_UTF16_TAG));
        describe("source", src->bytes, u16 ? 2 * units : units);
        failures++;
    }
    weft_error_delete(want);
    weft_error_delete(got);
}

/* Every destination encoding and realloc behaviour for one (valid) source. */
static void compare_store(guest_t *ga, guest_t *gb, uint8_t src_enc, const uint8_t *bytes,
                          uint32_t nbytes, uint32_t tagged, unsigned variant)
{
    uint8_t *p = dup_exact(bytes, nbytes);
    weft_cstring_t src = {p, tagged, src_enc};
    for (uint8_t dst = 0; dst < 3; dst++) {
        compare_store_once(ga, gb, &src, dst, 0, 0, false);
        compare_store_once(ga, gb, &src, dst, 0, 0, true);
        /* a misbehaving realloc at each of the (at most 3) calls, in turn */
        uint32_t k = 1 + variant % 3;
        compare_store_once(ga, gb, &src, dst, k, 1 + (int)(variant / 3 % 2), variant & 8);
    }
    free(p);
}

/* ---- building strings ------------------------------------------------------------------- */

typedef struct buf {
    uint8_t b[4096];
    uint32_t n;
} buf_t;

static void put8(buf_t *o, uint32_t c)
{
    if (o->n + 4 > sizeof o->b) return;
    if (c < 0x80) {
        o->b[o->n++] = (uint8_t)c;
    } else if (c < 0x800) {
        o->b[o->n++] = (uint8_t)(0xc0 | (c >> 6));
        o->b[o->n++] = (uint8_t)(0x80 | (c & 0x3f));
    } else if (c < 0x10000) {
        o->b[o->n++] = (uint8_t)(0xe0 | (c >> 12));
        o->b[o->n++] = (uint8_t)(0x80 | ((c >> 6) & 0x3f));
        o->b[o->n++] = (uint8_t)(0x80 | (c & 0x3f));
    } else {
        o->b[o->n++] = (uint8_t)(0xf0 | (c >> 18));
        o->b[o->n++] = (uint8_t)(0x80 | ((c >> 12) & 0x3f));
        o->b[o->n++] = (uint8_t)(0x80 | ((c >> 6) & 0x3f));
        o->b[o->n++] = (uint8_t)(0x80 | (c & 0x3f));
    }
}

static void unit16(buf_t *o, uint32_t u)
{
    if (o->n + 2 > sizeof o->b) return;
    o->b[o->n++] = (uint8_t)u;
    o->b[o->n++] = (uint8_t)(u >> 8);
}

static void put16(buf_t *o, uint32_t c)
{
    if (c < 0x10000) {
        unit16(o, c);
        return;
    }
    if (o->n + 4 > sizeof o->b) return;
    c -= 0x10000;
    unit16(o, 0xd800 + (c >> 10));
    unit16(o, 0xdc00 + (c & 0x3ff));
}

/* A code point sequence, stored from every source encoding that can hold it. */
typedef struct cps {
    uint32_t c[1024];
    uint32_t n;
} cps_t;

static void cps_push(cps_t *s, uint32_t c)
{
    if (s->n < sizeof s->c / sizeof s->c[0]) s->c[s->n++] = c;
}

static void store_cps(guest_t *ga, guest_t *gb, const cps_t *s, unsigned variant)
{
    buf_t u8, u16, l1;
    u8.n = u16.n = l1.n = 0;
    bool latin1 = true;
    for (uint32_t i = 0; i < s->n; i++) {
        put8(&u8, s->c[i]);
        put16(&u16, s->c[i]);
        if (s->c[i] < 0x100) l1.b[l1.n++] = (uint8_t)s->c[i];
        else latin1 = false;
    }
    compare_store(ga, gb, WEFT_CSTRING_UTF8, u8.b, u8.n, u8.n, variant);
    compare_store(ga, gb, WEFT_CSTRING_UTF16, u16.b, u16.n, u16.n / 2, variant);
    compare_store(ga, gb, WEFT_CSTRING_LATIN1_UTF16, u16.b, u16.n, (u16.n / 2) | WEFT_UTF16_TAG,
                  variant);
    if (latin1) compare_store(ga, gb, WEFT_CSTRING_LATIN1_UTF16, l1.b, l1.n, l1.n, variant);
    /* the same code units also checked by validation */
    compare_validate_all(u8.b, u8.n);
    compare_validate(WEFT_CSTRING_UTF16, u16.b, u16.n, u16.n / 2);
}

/* ---- edge cases ------------------------------------------------------------------------- */

static const uint32_t special_cps[] = {0x80,   0xa9,   0xe9,    0xff,    0x100,   0x7ff,
                                       0x800,  0x20ac, 0xd7ff,  0xe000,  0xfffd,  0xffff,
                                       0x10000, 0x1f600, 0x10fffe, 0x10ffff};
#define NSPECIAL (sizeof special_cps / sizeof special_cps[0])

/* An ASCII run of every length 0..40, one special code point, an ASCII run, maybe another. */
static void test_store_edges(guest_t *ga, guest_t *gb)
{
    static const uint32_t tails[] = {0, 1, 7, 8, 9, 16, 17, 33};
    cps_t s;
    unsigned variant = 0;
    for (uint32_t len = 0; len <= 40; len++)
        for (uint32_t k = 0; k <= NSPECIAL; k++)
            for (uint32_t t = 0; t < sizeof tails / sizeof tails[0]; t++) {
                s.n = 0;
                for (uint32_t i = 0; i < len; i++) cps_push(&s, 'a' + (i % 26));
                if (k < NSPECIAL) cps_push(&s, special_cps[k]);
                for (uint32_t i = 0; i < tails[t]; i++) cps_push(&s, '0' + (i % 10));
                if (t & 1) cps_push(&s, special_cps[(k + t) % NSPECIAL]);
                store_cps(ga, gb, &s, variant++);
            }
}

/* UTF-8 byte sequences: valid, invalid, overlong, surrogate, out of range, truncated. */
static const char *const utf8_tails[] = {
    "\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80", "\xf4\x8f\xbf\xbf", "\xc2\x80",
    "\xdf\xbf", "\xe0\xa0\x80", "\xed\x9f\xbf", "\xee\x80\x80", "\xf0\x90\x80\x80",
    "\x80", "\xbf", "\xc0\x80", "\xc1\xbf", "\xe0\x80\x80", "\xe0\x9f\xbf", "\xf0\x80\x80\x80",
    "\xf0\x8f\xbf\xbf", "\xed\xa0\x80", "\xed\xbf\xbf", "\xf4\x90\x80\x80", "\xf5\x80\x80\x80",
    "\xf8\x88\x80\x80\x80", "\xfe", "\xff", "\xc3", "\xe2\x82", "\xe2", "\xf0\x9f\x98",
    "\xf0\x9f", "\xf0", "\xc3\x41", "\xe2\x41\x82", "\xf0\x9f\x41\x80", "\xc3\xc3\xa9",
};
#define NUTF8_TAILS (sizeof utf8_tails / sizeof utf8_tails[0])

static void test_validate_edges(void)
{
    static const uint32_t tails[] = {0, 1, 7, 8, 9, 15, 16, 17, 40};
    buf_t s;
    for (uint32_t len = 0; len <= 40; len++)
        for (uint32_t k = 0; k < NUTF8_TAILS; k++)
            for (uint32_t t = 0; t < sizeof tails / sizeof tails[0]; t++) {
                s.n = 0;
                for (uint32_t i = 0; i < len; i++) s.b[s.n++] = (uint8_t)(0x20 + i % 0x5f);
                size_t tl = strlen(utf8_tails[k]);
                memcpy(s.b + s.n, utf8_tails[k], tl);
                s.n += (uint32_t)tl;
                for (uint32_t i = 0; i < tails[t]; i++) s.b[s.n++] = (uint8_t)('A' + i % 26);
                if (t & 1) {
                    const char *x = utf8_tails[(k + t) % NUTF8_TAILS];
                    memcpy(s.b + s.n, x, strlen(x));
                    s.n += (uint32_t)strlen(x);
                }
                compare_validate_all(s.b, s.n);
                /* every prefix ending inside or right after the tail (truncations) */
                for (uint32_t cut = len; cut < len + tl; cut++) compare_validate_all(s.b, cut);
            }
    /* UTF-16: ASCII-like units, then lone, paired and reversed surrogates, then more units */
    static const uint32_t units16[][2] = {
        {0xd800, 0xdc00}, {0xdbff, 0xdfff}, {0xd800, 0}, {0xdc00, 0}, {0xdfff, 0xd800},
        {0xd7ff, 0}, {0xe000, 0}, {0xd800, 0x41}, {0xffff, 0}, {0x100, 0}, {0xd8ff, 0xdcff},
    };
    for (uint32_t len = 0; len <= 40; len++)
        for (uint32_t k = 0; k < sizeof units16 / sizeof units16[0]; k++)
            for (uint32_t t = 0; t < sizeof tails / sizeof tails[0]; t++) {
                s.n = 0;
                for (uint32_t i = 0; i < len; i++) unit16(&s, 0x20 + (i * 0x1357) % 0xd000);
                unit16(&s, units16[k][0]);
                if (units16[k][1]) unit16(&s, units16[k][1]);
                for (uint32_t i = 0; i < tails[t]; i++) unit16(&s, 0x41 + i);
                compare_validate_all(s.b, s.n);
                compare_validate_all(s.b, 2 * len + 2); /* cut after the first special unit */
            }
}

/* ---- random strings ----------------------------------------------------------------------- */

typedef struct rng {
    uint64_t s;
} rng_t;

static uint32_t rnd(rng_t *r, uint32_t n)
{
    r->s ^= r->s << 13;
    r->s ^= r->s >> 7;
    r->s ^= r->s << 17;
    return (uint32_t)((r->s >> 11) % n);
}

static uint32_t random_cp(rng_t *r)
{
    switch (rnd(r, 6)) {
    case 0: return rnd(r, 0x80);
    case 1: return 0x80 + rnd(r, 0x80);
    case 2: return 0x100 + rnd(r, 0x700);
    case 3: {
        uint32_t c = 0x800 + rnd(r, 0xf800 - 0x800);
        return c >= 0xd800 ? c + 0x800 : c; /* no surrogates */
    }
    case 4: return 0x10000 + rnd(r, 0x100000);
    default: return special_cps[rnd(r, NSPECIAL)];
    }
}

static void test_random(guest_t *ga, guest_t *gb, uint32_t iterations)
{
    rng_t r = {0x9e3779b97f4a7c15ull};
    cps_t s;
    buf_t b;
    for (uint32_t it = 0; it < iterations; it++) {
        s.n = 0;
        uint32_t pieces = rnd(&r, 8);
        bool wide = rnd(&r, 2); /* only code points below 0x100, or any */
        for (uint32_t p = 0; p < pieces; p++) {
            uint32_t run = rnd(&r, 4) ? rnd(&r, 70) : rnd(&r, 300);
            for (uint32_t i = 0; i < run; i++) cps_push(&s, 0x20 + rnd(&r, 0x5f));
            uint32_t burst = 1 + rnd(&r, 4);
            for (uint32_t i = 0; i < burst; i++) {
                uint32_t c = random_cp(&r);
                cps_push(&s, wide ? c : c & 0xff);
            }
        }
        store_cps(ga, gb, &s, it);
        /* random corruption of the UTF-8 form for validation */
        b.n = 0;
        for (uint32_t i = 0; i < s.n; i++) put8(&b, s.c[i]);
        if (b.n) {
            uint32_t flips = 1 + rnd(&r, 3);
            for (uint32_t f = 0; f < flips; f++) b.b[rnd(&r, b.n)] = (uint8_t)rnd(&r, 256);
            compare_validate_all(b.b, b.n);
            compare_validate_all(b.b, rnd(&r, b.n + 1));
        }
        /* and of the UTF-16 form */
        b.n = 0;
        for (uint32_t i = 0; i < s.n; i++) put16(&b, s.c[i]);
        if (b.n >= 2) {
            uint32_t at = rnd(&r, b.n / 2);
            static const uint32_t bad[] = {0xd800, 0xdbff, 0xdc00, 0xdfff, 0xd7ff, 0xe000};
            b.b[2 * at] = (uint8_t)bad[rnd(&r, 6)];
            b.b[2 * at + 1] = (uint8_t)(bad[rnd(&r, 6)] >> 8);
            compare_validate(WEFT_CSTRING_UTF16, b.b, b.n, b.n / 2);
            compare_validate_all(b.b, b.n);
        }
    }
}

/* Plain bytes of every value in runs, for validation only. */
static void test_random_bytes(uint32_t iterations)
{
    rng_t r = {0x243f6a8885a308d3ull};
    buf_t b;
    for (uint32_t it = 0; it < iterations; it++) {
        b.n = 0;
        uint32_t n = rnd(&r, 200);
        for (uint32_t i = 0; i < n; i++)
            b.b[b.n++] = (uint8_t)(rnd(&r, 16) ? rnd(&r, 0x80) : rnd(&r, 256));
        compare_validate_all(b.b, b.n);
    }
}

int main(void)
{
    guest_t *ga = calloc(1, sizeof *ga), *gb = calloc(1, sizeof *gb);
    if (!ga || !gb || !(ga->bytes = malloc(MEM_SIZE)) || !(gb->bytes = malloc(MEM_SIZE))) {
        fprintf(stderr, "out of memory\n");
        return 2;
    }
    ga->high = gb->high = MEM_SIZE; /* the first reset fills the whole memory */
    test_validate_edges();
    test_store_edges(ga, gb);
    test_random(ga, gb, 3000);
    test_random_bytes(20000);
    printf("test_transcode: %llu validations, %llu stores compared\n",
           (unsigned long long)nvalidate, (unsigned long long)nstore);
    free(ga->bytes);
    free(gb->bytes);
    free(ga);
    free(gb);
    return test_report("test_transcode");
}
