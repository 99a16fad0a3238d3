/* test_simd.c - unit tests of the SIMD lane semantics (src/core/simd.h) against hand-computed
 * vectors: opcode metadata, integer edge cases (wrapping, saturation, shifts by >= the lane
 * width), float NaN/-0 handling, conversions, shuffles, loads and lane stores. */
#include <stdio.h>
#include <string.h>

#include "core/simd.h"

static int failures;
static int checks;

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        checks++;                                                                                  \
        if (!(cond)) {                                                                             \
            failures++;                                                                            \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);               \
        }                                                                                          \
    } while (0)

/* ---- vector builders and comparisons ---------------------------------------------------- */

typedef struct {
    uint8_t b[16];
} vec_t;

static vec_t u8v(const uint8_t x[16])
{
    vec_t v;
    memcpy(v.b, x, 16);
    return v;
}
static vec_t u16v(uint16_t a, uint16_t b, uint16_t c, uint16_t d, uint16_t e, uint16_t f,
                  uint16_t g, uint16_t h)
{
    uint16_t x[8] = {a, b, c, d, e, f, g, h};
    vec_t v;
    memcpy(v.b, x, 16);
    return v;
}
static vec_t u32v(uint32_t a, uint32_t b, uint32_t c, uint32_t d)
{
    uint32_t x[4] = {a, b, c, d};
    vec_t v;
    memcpy(v.b, x, 16);
    return v;
}
static vec_t u64v(uint64_t a, uint64_t b)
{
    uint64_t x[2] = {a, b};
    vec_t v;
    memcpy(v.b, x, 16);
    return v;
}
static vec_t f32v(float a, float b, float c, float d)
{
    float x[4] = {a, b, c, d};
    vec_t v;
    memcpy(v.b, x, 16);
    return v;
}
static vec_t f64v(double a, double b)
{
    double x[2] = {a, b};
    vec_t v;
    memcpy(v.b, x, 16);
    return v;
}
static uint32_t lane32(vec_t v, int i)
{
    uint32_t x;
    memcpy(&x, v.b + 4 * i, 4);
    return x;
}
static uint64_t lane64(vec_t v, int i)
{
    uint64_t x;
    memcpy(&x, v.b + 8 * i, 8);
    return x;
}
static uint16_t lane16(vec_t v, int i)
{
    uint16_t x;
    memcpy(&x, v.b + 2 * i, 2);
    return x;
}

static bool same(vec_t a, vec_t b)
{
    return memcmp(a.b, b.b, 16) == 0;
}
static vec_t un(uint32_t op, vec_t a)
{
    vec_t r;
    weft__simd_unop(op, r.b, a.b);
    return r;
}
static vec_t bin(uint32_t op, vec_t a, vec_t b)
{
    vec_t r;
    weft__simd_binop(op, r.b, a.b, b.b);
    return r;
}
static vec_t shift(uint32_t op, vec_t a, uint32_t n)
{
    vec_t r;
    weft__simd_shift(op, r.b, a.b, n);
    return r;
}

static bool f32_canonical_nan(uint32_t x)
{
    return (x & 0x7FFFFFFFu) == 0x7FC00000u;
}
static bool f32_arith_nan(uint32_t x)
{
    return (x & 0x7FC00000u) == 0x7FC00000u;
}
static bool f64_canonical_nan(uint64_t x)
{
    return (x & 0x7FFFFFFFFFFFFFFFu) == 0x7FF8000000000000u;
}

/* ---- opcode metadata ------------------------------------------------------------------- */

static void test_metadata(void)
{
    static const uint32_t gaps[] = {0x9A, 0xA2, 0xA5, 0xA6, 0xAF, 0xB0, 0xB2, 0xB3, 0xB4, 0xBB,
                                    0xC2, 0xC5, 0xC6, 0xCF, 0xD0, 0xD2, 0xD3, 0xD4, 0xE2, 0xEE};
    int valid = 0;
    for (uint32_t op = 0; op < 256; op++) valid += weft__simd_class(op) != WEFT_SIMD_INVALID;
    CHECK(valid == 236); /* the Wasm 2.0 fixed-width SIMD instruction count */
    for (size_t i = 0; i < sizeof gaps / sizeof gaps[0]; i++) {
        CHECK(weft__simd_class(gaps[i]) == WEFT_SIMD_INVALID);
        CHECK(weft__simd_mem_bytes(gaps[i]) == 0);
        CHECK(weft__simd_lane_count(gaps[i]) == 0);
        CHECK(weft__simd_scalar_type(gaps[i]) == 0);
    }
    CHECK(weft__simd_class(0x100) == WEFT_SIMD_INVALID);
    CHECK(weft__simd_class(0xFFFFFFFFu) == WEFT_SIMD_INVALID);

    CHECK(weft__simd_class(0x00) == WEFT_SIMD_LOAD && weft__simd_mem_bytes(0x00) == 16);
    CHECK(weft__simd_class(0x0B) == WEFT_SIMD_STORE && weft__simd_mem_bytes(0x0B) == 16);
    CHECK(weft__simd_mem_bytes(0x01) == 8 && weft__simd_mem_bytes(0x07) == 1);
    CHECK(weft__simd_mem_bytes(0x08) == 2 && weft__simd_mem_bytes(0x0A) == 8);
    CHECK(weft__simd_class(0x5C) == WEFT_SIMD_LOAD && weft__simd_mem_bytes(0x5C) == 4);
    CHECK(weft__simd_class(0x5D) == WEFT_SIMD_LOAD && weft__simd_mem_bytes(0x5D) == 8);
    CHECK(weft__simd_class(0x54) == WEFT_SIMD_LOAD_LANE && weft__simd_lane_count(0x54) == 16);
    CHECK(weft__simd_class(0x5B) == WEFT_SIMD_STORE_LANE && weft__simd_lane_count(0x5B) == 2);
    CHECK(weft__simd_mem_bytes(0x5B) == 8 && weft__simd_mem_bytes(0x58) == 1);
    CHECK(weft__simd_class(0x0C) == WEFT_SIMD_CONST);
    CHECK(weft__simd_class(0x0D) == WEFT_SIMD_SHUFFLE);
    CHECK(weft__simd_class(0x0E) == WEFT_SIMD_BINOP); /* swizzle */
    CHECK(weft__simd_class(0x12) == WEFT_SIMD_SPLAT && weft__simd_scalar_type(0x12) == 0x7E);
    CHECK(weft__simd_class(0x15) == WEFT_SIMD_EXTRACT_LANE && weft__simd_scalar_type(0x15) == 0x7F);
    CHECK(weft__simd_class(0x22) == WEFT_SIMD_REPLACE_LANE && weft__simd_scalar_type(0x22) == 0x7C);
    CHECK(weft__simd_lane_count(0x1F) == 4 && weft__simd_scalar_type(0x1F) == 0x7D);
    CHECK(weft__simd_lane_count(0x18) == 8 && weft__simd_lane_count(0x1D) == 2);
    CHECK(weft__simd_class(0x52) == WEFT_SIMD_TERNOP);
    CHECK(weft__simd_class(0x53) == WEFT_SIMD_TEST && weft__simd_class(0xC4) == WEFT_SIMD_TEST);
    CHECK(weft__simd_class(0x6B) == WEFT_SIMD_SHIFT && weft__simd_class(0xCD) == WEFT_SIMD_SHIFT);
    CHECK(weft__simd_class(0x5E) == WEFT_SIMD_UNOP && weft__simd_class(0xFF) == WEFT_SIMD_UNOP);
    CHECK(weft__simd_class(0xB8) == WEFT_SIMD_BINOP); /* i32x4.max_s */
    CHECK(weft__simd_class(0xBA) == WEFT_SIMD_BINOP); /* i32x4.dot_i16x8_s */
    CHECK(weft__simd_class(0xD6) == WEFT_SIMD_BINOP); /* i64x2.eq */
    CHECK(weft__simd_class(0x94) == WEFT_SIMD_UNOP);  /* f64x2.nearest */
    CHECK(weft__simd_scalar_type(0x00) == 0 && weft__simd_lane_count(0x6E) == 0);
}

/* ---- integer operators ----------------------------------------------------------------- */

static void test_int(void)
{
    static const uint8_t a8[16] = {0, 1, 127, 128, 255, 200, 100, 0x80, 5, 6, 7, 8, 9, 10, 11, 0xFF};
    static const uint8_t b8[16] = {0, 255, 1, 255, 1, 100, 100, 0x80, 1, 1, 1, 1, 1, 1, 1, 0xFF};
    vec_t a = u8v(a8), b = u8v(b8), r;

    r = bin(0x6E, a, b); /* i8x16.add wraps */
    CHECK(r.b[1] == 0 && r.b[2] == 128 && r.b[4] == 0 && r.b[7] == 0);
    r = bin(0x6F, a, b); /* add_sat_s: 127+1 = 127, -128 + -1 = -128, -128 + -128 = -128 */
    CHECK(r.b[2] == 127 && r.b[3] == 0x80 && r.b[7] == 0x80 && r.b[1] == 0);
    r = bin(0x70, a, b); /* add_sat_u */
    CHECK(r.b[1] == 255 && r.b[4] == 255 && r.b[5] == 255 && r.b[6] == 200);
    r = bin(0x72, a, b); /* sub_sat_s: 127 - 1 = 126, -128 - -1 = -127, 1 - -1 = 2 */
    CHECK(r.b[2] == 126 && r.b[3] == 0x81 && r.b[1] == 2);
    r = bin(0x73, a, b); /* sub_sat_u: 1 - 255 = 0 */
    CHECK(r.b[1] == 0 && r.b[5] == 100 && r.b[4] == 254);
    r = bin(0x7B, a, b); /* avgr_u rounds up: (1+255+1)/2 = 128, (255+255+1)/2 = 255 */
    CHECK(r.b[1] == 128 && r.b[15] == 255 && r.b[2] == 64);
    r = bin(0x76, a, b); /* min_s(1, -1) = -1 */
    CHECK(r.b[1] == 255 && r.b[3] == 128);
    r = bin(0x77, a, b); /* min_u(1, 255) = 1 */
    CHECK(r.b[1] == 1 && r.b[3] == 128);
    r = bin(0x78, a, b);
    CHECK(r.b[1] == 1 && r.b[3] == 255);
    r = bin(0x25, a, b); /* lt_s: 1 < -1 false; -128 < -1 true */
    CHECK(r.b[1] == 0 && r.b[3] == 0xFF && r.b[0] == 0);
    r = bin(0x26, a, b); /* lt_u: 1 < 255 true */
    CHECK(r.b[1] == 0xFF && r.b[3] == 0xFF && r.b[4] == 0);
    r = un(0x60, a); /* abs(-128) = -128, abs(-1) = 1 */
    CHECK(r.b[3] == 128 && r.b[4] == 1 && r.b[5] == 56);
    r = un(0x61, a);
    CHECK(r.b[1] == 255 && r.b[3] == 128 && r.b[0] == 0);
    r = un(0x62, a); /* popcnt */
    CHECK(r.b[0] == 0 && r.b[2] == 7 && r.b[4] == 8 && r.b[5] == 3);

    /* i16x8 */
    vec_t x = u16v(0x7FFF, 0x8000, 0x8000, 0xFFFF, 0x4000, 1, 65535, 300);
    vec_t y = u16v(1, 0xFFFF, 0x8000, 0xFFFF, 0x4000, 2, 2, 0xFED4 /* -300 */);
    r = bin(0x8F, x, y); /* add_sat_s */
    CHECK(lane16(r, 0) == 0x7FFF && lane16(r, 1) == 0x8000 && lane16(r, 2) == 0x8000);
    CHECK(lane16(r, 3) == 0xFFFE && lane16(r, 7) == 0);
    r = bin(0x90, x, y); /* add_sat_u */
    CHECK(lane16(r, 0) == 0x8000 && lane16(r, 6) == 65535);
    r = bin(0x93, x, y); /* sub_sat_u */
    CHECK(lane16(r, 5) == 0 && lane16(r, 0) == 0x7FFE);
    r = bin(0x95, x, y); /* mul wraps: 65535 * 2 = 0xFFFE */
    CHECK(lane16(r, 6) == 0xFFFE && lane16(r, 4) == 0 && lane16(r, 3) == 1);
    r = bin(0x82, x, y); /* q15mulr_sat_s: -1.0 * -1.0 saturates; 0.5 * 0.5 = 0.25 */
    CHECK(lane16(r, 2) == 0x7FFF && lane16(r, 4) == 0x2000 && lane16(r, 0) == 1);
    CHECK(lane16(r, 1) == 1); /* -32768 * -1 = 32768 / 2^15 = 1 */
    r = un(0x80, x); /* abs(-32768) = -32768 */
    CHECK(lane16(r, 1) == 0x8000 && lane16(r, 3) == 1);
    r = bin(0x9B, x, y);
    CHECK(lane16(r, 6) == 32769 && lane16(r, 3) == 0xFFFF);

    /* narrowing saturates the signed inputs */
    r = bin(0x65, x, y); /* i8x16.narrow_i16x8_s */
    CHECK(r.b[0] == 127 && r.b[1] == 0x80 && r.b[3] == 0xFF && r.b[7] == 127);
    CHECK(r.b[8] == 1 && r.b[9] == 0xFF && r.b[15] == 0x80);
    r = bin(0x66, x, y); /* _u: negative -> 0, > 255 -> 255 */
    CHECK(r.b[0] == 255 && r.b[1] == 0 && r.b[3] == 0 && r.b[5] == 1 && r.b[7] == 255);
    CHECK(r.b[15] == 0 && r.b[13] == 2);
    vec_t w = u32v(70000, 0xFFFFFFFFu, 0x80000000u, 40000);
    r = bin(0x85, w, w);
    CHECK(lane16(r, 0) == 0x7FFF && lane16(r, 1) == 0xFFFF && lane16(r, 2) == 0x8000);
    CHECK(lane16(r, 3) == 0x7FFF && lane16(r, 7) == 0x7FFF);
    r = bin(0x86, w, w);
    CHECK(lane16(r, 0) == 0xFFFF && lane16(r, 1) == 0 && lane16(r, 2) == 0 &&
          lane16(r, 3) == 40000);

    /* extension, pairwise addition, extended multiplication, dot product */
    r = un(0x87, a); /* extend_low_i8x16_s */
    CHECK(lane16(r, 3) == 0xFF80 && lane16(r, 2) == 127 && lane16(r, 4) == 0xFFFF);
    r = un(0x8A, a); /* extend_high_i8x16_u */
    CHECK(lane16(r, 7) == 0xFF && lane16(r, 0) == 9 - 4);
    r = un(0x7C, a); /* extadd_pairwise_s: 0+1, 127-128, -1-56, 100-128 */
    CHECK(lane16(r, 0) == 1 && lane16(r, 1) == 0xFFFF && lane16(r, 2) == (uint16_t)-57 &&
          lane16(r, 3) == (uint16_t)-28);
    r = un(0x7D, a);
    CHECK(lane16(r, 1) == 255 && lane16(r, 2) == 455);
    r = un(0x7F, u16v(65535, 65535, 1, 2, 0, 0, 0, 0)); /* i32x4.extadd_pairwise_u */
    CHECK(lane32(r, 0) == 131070 && lane32(r, 1) == 3);
    r = bin(0x9C, a, b); /* i16x8.extmul_low_i8x16_s: -128 * -1 = 128, -128*-128 */
    CHECK(lane16(r, 3) == 128 && lane16(r, 7) == 16384 && lane16(r, 1) == 0xFFFF);
    r = bin(0x9E, a, b); /* _u: 255 * 1, 128 * 128 */
    CHECK(lane16(r, 4) == 255 && lane16(r, 7) == 16384 && lane16(r, 1) == 255);
    r = bin(0xBE, u16v(0, 0, 0, 0, 65535, 2, 3, 4), u16v(0, 0, 0, 0, 65535, 3, 3, 3));
    CHECK(lane32(r, 0) == 0);
    r = bin(0xBF, u16v(0, 0, 0, 0, 65535, 2, 3, 4), u16v(0, 0, 0, 0, 65535, 3, 3, 3));
    CHECK(lane32(r, 0) == 0xFFFE0001u && lane32(r, 1) == 6 && lane32(r, 3) == 12);
    r = bin(0xDD, u32v(0, 0, 0x80000000u, 0xFFFFFFFFu), u32v(0, 0, 0x80000000u, 5));
    CHECK(lane64(r, 0) == 0x4000000000000000u && lane64(r, 1) == (uint64_t)-5);
    r = bin(0xDE, u32v(0xFFFFFFFFu, 3, 0, 0), u32v(0xFFFFFFFFu, 3, 0, 0));
    CHECK(lane64(r, 0) == 0xFFFFFFFE00000001u && lane64(r, 1) == 9);
    /* dot: (-32768)^2 * 2 = 2^31 wraps to INT32_MIN */
    r = bin(0xBA, u16v(0x8000, 0x8000, 1, 2, 0xFFFF, 3, 0, 0),
            u16v(0x8000, 0x8000, 3, 4, 5, 6, 0, 0));
    CHECK(lane32(r, 0) == 0x80000000u && lane32(r, 1) == 11 && lane32(r, 2) == 13);

    /* i32x4 / i64x2 */
    vec_t p = u32v(0x80000000u, 5, 0xFFFFFFFFu, 7);
    vec_t q = u32v(1, 0xFFFFFFFFu, 1, 7);
    r = bin(0xB6, p, q); /* min_s */
    CHECK(lane32(r, 0) == 0x80000000u && lane32(r, 1) == 0xFFFFFFFFu && lane32(r, 2) == 0xFFFFFFFFu);
    r = bin(0xB9, p, q); /* max_u */
    CHECK(lane32(r, 0) == 0x80000000u && lane32(r, 1) == 0xFFFFFFFFu && lane32(r, 3) == 7);
    r = bin(0xB5, p, q);
    CHECK(lane32(r, 0) == 0x80000000u && lane32(r, 1) == (uint32_t)-5);
    r = un(0xA0, p);
    CHECK(lane32(r, 0) == 0x80000000u && lane32(r, 2) == 1);
    r = bin(0x3F, p, q); /* ge_s */
    CHECK(lane32(r, 0) == 0 && lane32(r, 1) == 0xFFFFFFFFu && lane32(r, 3) == 0xFFFFFFFFu);
    vec_t m = u64v(0x8000000000000000u, 3), n = u64v(1, 0xFFFFFFFFFFFFFFFFu);
    r = bin(0xD5, m, n);
    CHECK(lane64(r, 0) == 0x8000000000000000u && lane64(r, 1) == (uint64_t)-3);
    r = bin(0xD8, m, n); /* lt_s */
    CHECK(lane64(r, 0) == ~0ull && lane64(r, 1) == 0);
    r = un(0xC0, m);
    CHECK(lane64(r, 0) == 0x8000000000000000u && lane64(r, 1) == 3);
    r = un(0xC7, p); /* i64x2.extend_low_i32x4_s */
    CHECK(lane64(r, 0) == 0xFFFFFFFF80000000u && lane64(r, 1) == 5);
    r = un(0xCA, p); /* extend_high_u */
    CHECK(lane64(r, 0) == 0xFFFFFFFFu && lane64(r, 1) == 7);
}

static void test_shift_and_bits(void)
{
    vec_t a = u8v((const uint8_t[16]){0x81, 1, 0x40, 0xFF, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x80});
    vec_t r;
    r = shift(0x6B, a, 9); /* shl by 9 == shl by 1 */
    CHECK(same(r, shift(0x6B, a, 1)) && r.b[0] == 2 && r.b[2] == 0x80);
    r = shift(0x6C, a, 8); /* shr_s by 8 == by 0 */
    CHECK(same(r, a));
    r = shift(0x6C, a, 7);
    CHECK(r.b[0] == 0xFF && r.b[1] == 0 && r.b[15] == 0xFF);
    r = shift(0x6D, a, 15); /* shr_u by 15 == by 7 */
    CHECK(r.b[0] == 1 && r.b[3] == 1 && r.b[2] == 0);
    vec_t h = u16v(0x8000, 1, 0xFFFF, 0x1234, 0, 0, 0, 0);
    r = shift(0x8C, h, 31); /* == 15 */
    CHECK(lane16(r, 0) == 0xFFFF && lane16(r, 1) == 0 && lane16(r, 2) == 0xFFFF);
    r = shift(0x8B, h, 16);
    CHECK(same(r, h));
    vec_t w = u32v(0x80000000u, 1, 0xF0000000u, 3);
    r = shift(0xAC, w, 33); /* shr_s by 1 */
    CHECK(lane32(r, 0) == 0xC0000000u && lane32(r, 2) == 0xF8000000u && lane32(r, 3) == 1);
    r = shift(0xAD, w, 32);
    CHECK(same(r, w));
    r = shift(0xAB, w, 0xFFFFFFFFu); /* by 31 */
    CHECK(lane32(r, 1) == 0x80000000u && lane32(r, 0) == 0);
    vec_t d = u64v(0x8000000000000000u, 2);
    r = shift(0xCC, d, 65);
    CHECK(lane64(r, 0) == 0xC000000000000000u && lane64(r, 1) == 1);
    r = shift(0xCD, d, 127);
    CHECK(lane64(r, 0) == 1 && lane64(r, 1) == 0);
    r = shift(0xCB, d, 64);
    CHECK(same(r, d));

    /* bitwise */
    vec_t x = u64v(0xFF00FF00FF00FF00u, 0x0123456789ABCDEFu);
    vec_t y = u64v(0x0F0F0F0F0F0F0F0Fu, 0xFFFFFFFF00000000u);
    CHECK(lane64(un(0x4D, x), 0) == 0x00FF00FF00FF00FFu);
    CHECK(lane64(bin(0x4E, x, y), 0) == 0x0F000F000F000F00u);
    CHECK(lane64(bin(0x4F, x, y), 0) == 0xF000F000F000F000u); /* a & ~b */
    CHECK(lane64(bin(0x50, x, y), 1) == 0xFFFFFFFF89ABCDEFu);
    CHECK(lane64(bin(0x51, x, y), 1) == 0xFEDCBA9889ABCDEFu);
    vec_t s;
    weft__simd_ternop(0x52, s.b, x.b, y.b, u64v(0xFFFFFFFF00000000u, 0x00000000FFFFFFFFu).b);
    CHECK(lane64(s, 0) == 0xFF00FF000F0F0F0Fu && lane64(s, 1) == 0xFFFFFFFF89ABCDEFu);

    /* boolean reductions */
    vec_t z = u64v(0, 0);
    CHECK(weft__simd_test(0x53, z.b) == 0 && weft__simd_test(0x53, u64v(0, 1ull << 63).b) == 1);
    vec_t ones = u8v((const uint8_t[16]){1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1});
    CHECK(weft__simd_test(0x63, ones.b) == 1 && weft__simd_test(0x83, ones.b) == 1);
    CHECK(weft__simd_test(0x63, u64v(~0ull, 0x00FFFFFFFFFFFFFFu).b) == 0);
    CHECK(weft__simd_test(0x83, u64v(~0ull, 0x00FFFFFFFFFFFFFFu).b) == 1);
    CHECK(weft__simd_test(0xA3, u32v(1, 2, 0, 4).b) == 0);
    CHECK(weft__simd_test(0xC3, u64v(1ull << 63, 1).b) == 1);
    CHECK(weft__simd_test(0x64, a.b) == (1 | 8 | 0x8000));
    CHECK(weft__simd_test(0x84, h.b) == (1 | 4));
    CHECK(weft__simd_test(0xA4, w.b) == (1 | 4));
    CHECK(weft__simd_test(0xC4, d.b) == 1);
    CHECK(weft__simd_test(0xC4, u64v(~0ull, ~0ull).b) == 3);
}

/* ---- floating point -------------------------------------------------------------------- */

static vec_t f32bits(uint32_t a, uint32_t b, uint32_t c, uint32_t d)
{
    return u32v(a, b, c, d);
}

static void test_float(void)
{
    const uint32_t NZ = 0x80000000u, PZ = 0, QNAN = 0x7FC00000u, SNAN = 0x7FA00001u;
    const uint32_t ONE = 0x3F800000u, NQNAN = 0xFFC00000u;
    vec_t r;

    /* min/max: -0 < +0, NaN operands give a NaN (canonical stays canonical, sNaN is quieted) */
    r = bin(0xE8, f32bits(NZ, PZ, QNAN, ONE), f32bits(PZ, NZ, ONE, SNAN));
    CHECK(lane32(r, 0) == NZ && lane32(r, 1) == NZ);
    CHECK(f32_canonical_nan(lane32(r, 2)) && f32_arith_nan(lane32(r, 3)));
    r = bin(0xE9, f32bits(NZ, PZ, NQNAN, ONE), f32bits(PZ, NZ, ONE, ONE));
    CHECK(lane32(r, 0) == PZ && lane32(r, 1) == PZ && f32_canonical_nan(lane32(r, 2)) &&
          lane32(r, 3) == ONE);
    r = bin(0xF4, f64v(-0.0, 1.0), f64v(0.0, -2.0));
    CHECK(lane64(r, 0) == 0x8000000000000000u && lane64(r, 1) == 0xC000000000000000u);
    r = bin(0xF5, u64v(0x7FF8000000000000u, 0x8000000000000000u), f64v(1.0, 0.0));
    CHECK(f64_canonical_nan(lane64(r, 0)) && lane64(r, 1) == 0);
    r = bin(0xF4, f64v(1.0, 1.0), u64v(0x7FF0000000000001u, 0x7FF8000000000000u));
    CHECK((lane64(r, 0) & 0x7FF8000000000000u) == 0x7FF8000000000000u);
    CHECK(f64_canonical_nan(lane64(r, 1)));

    /* pmin/pmax: b < a ? b : a, bits unchanged (NaN in a stays, NaN in b loses) */
    r = bin(0xEA, f32bits(SNAN, ONE, NZ, PZ), f32bits(ONE, SNAN, PZ, NZ));
    CHECK(lane32(r, 0) == SNAN && lane32(r, 1) == ONE && lane32(r, 2) == NZ && lane32(r, 3) == PZ);
    r = bin(0xEB, f32bits(SNAN, ONE, NZ, PZ), f32bits(ONE, SNAN, PZ, NZ));
    CHECK(lane32(r, 0) == SNAN && lane32(r, 1) == ONE && lane32(r, 2) == NZ && lane32(r, 3) == PZ);
    r = bin(0xF7, f64v(1.0, 3.0), f64v(2.0, -3.0));
    CHECK(lane64(r, 0) == lane64(f64v(2.0, 0), 0) && lane64(r, 1) == lane64(f64v(3.0, 0), 0));

    /* abs/neg touch only the sign, even of NaNs */
    r = un(0xE0, f32bits(0xFFA00001u, NZ, 0xBF800000u, ONE));
    CHECK(lane32(r, 0) == SNAN && lane32(r, 1) == 0 && lane32(r, 2) == ONE && lane32(r, 3) == ONE);
    r = un(0xE1, f32bits(SNAN, PZ, ONE, NZ));
    CHECK(lane32(r, 0) == 0xFFA00001u && lane32(r, 1) == NZ && lane32(r, 2) == 0xBF800000u &&
          lane32(r, 3) == 0);
    r = un(0xED, u64v(0x7FF0000000000001u, 0));
    CHECK(lane64(r, 0) == 0xFFF0000000000001u && lane64(r, 1) == 0x8000000000000000u);

    /* arithmetic */
    r = bin(0xE4, f32v(1.0f, 0.1f, 3e38f, -1.0f), f32v(2.0f, 0.2f, 3e38f, 1.0f));
    CHECK(lane32(r, 0) == 0x40400000u && lane32(r, 1) == 0x3E99999Au && lane32(r, 2) == 0x7F800000u &&
          lane32(r, 3) == 0);
    r = bin(0xE7, f32v(1.0f, 0.0f, -1.0f, 1.0f), f32v(0.0f, 0.0f, 0.0f, 3.0f));
    CHECK(lane32(r, 0) == 0x7F800000u && f32_canonical_nan(lane32(r, 1)) &&
          lane32(r, 2) == 0xFF800000u && lane32(r, 3) == 0x3EAAAAABu);
    r = bin(0xF2, f64v(0.1, 1e300), f64v(3.0, 1e300));
    CHECK(lane64(r, 0) == 0x3FD3333333333334u && lane64(r, 1) == 0x7FF0000000000000u);
    r = un(0xE3, f32v(4.0f, -1.0f, -0.0f, 2.0f));
    CHECK(lane32(r, 0) == 0x40000000u && f32_canonical_nan(lane32(r, 1)) && lane32(r, 2) == NZ &&
          lane32(r, 3) == 0x3FB504F3u);
    r = un(0xEF, f64v(-0.0, 2.0));
    CHECK(lane64(r, 0) == 0x8000000000000000u && lane64(r, 1) == 0x3FF6A09E667F3BCDu);

    /* comparisons: NaN is unordered (ne true, all others false) */
    r = bin(0x41, f32bits(QNAN, NZ, ONE, ONE), f32bits(QNAN, PZ, ONE, PZ));
    CHECK(lane32(r, 0) == 0 && lane32(r, 1) == ~0u && lane32(r, 2) == ~0u && lane32(r, 3) == 0);
    r = bin(0x42, f32bits(QNAN, NZ, ONE, ONE), f32bits(QNAN, PZ, ONE, PZ));
    CHECK(lane32(r, 0) == ~0u && lane32(r, 1) == 0 && lane32(r, 2) == 0 && lane32(r, 3) == ~0u);
    r = bin(0x45, f32bits(QNAN, NZ, ONE, ONE), f32bits(ONE, PZ, ONE, PZ));
    CHECK(lane32(r, 0) == 0 && lane32(r, 1) == ~0u && lane32(r, 2) == ~0u && lane32(r, 3) == 0);
    r = bin(0x49, f64v(-1.0, 0.0), u64v(0, 0x7FF8000000000000u));
    CHECK(lane64(r, 0) == ~0ull && lane64(r, 1) == 0);

    /* rounding: nearest is round-half-to-even; signs of zero are kept */
    r = un(0x6A, f32v(2.5f, 3.5f, -0.5f, -2.5f));
    CHECK(same(r, f32v(2.0f, 4.0f, -0.0f, -2.0f)) && lane32(r, 2) == NZ);
    r = un(0x67, f32v(-0.5f, 1.1f, -1.5f, 8388609.0f));
    CHECK(lane32(r, 0) == NZ && same(r, f32v(-0.0f, 2.0f, -1.0f, 8388609.0f)));
    r = un(0x68, f32v(-0.5f, 1.9f, -0.0f, 0.5f));
    CHECK(same(r, f32v(-1.0f, 1.0f, -0.0f, 0.0f)) && lane32(r, 2) == NZ);
    r = un(0x69, f32bits(0xBF000000u /* -0.5 */, SNAN, 0x3FF00000u /* 1.875 */, 0x7F800000u));
    CHECK(lane32(r, 0) == NZ && f32_arith_nan(lane32(r, 1)) && lane32(r, 2) == ONE &&
          lane32(r, 3) == 0x7F800000u);
    r = un(0x94, f64v(0.5, 4503599627370497.0));
    CHECK(lane64(r, 0) == 0 && lane64(r, 1) == lane64(f64v(4503599627370497.0, 0), 0));
    r = un(0x74, u64v(0x7FF4000000000000u, 0xBFE0000000000000u /* -0.5 */));
    CHECK((lane64(r, 0) & 0x7FF8000000000000u) == 0x7FF8000000000000u &&
          lane64(r, 1) == 0x8000000000000000u);

    /* saturating truncation */
    r = un(0xF8, f32bits(QNAN, 0x4F000000u /* 2^31 */, 0xCF000000u /* -2^31 */, 0xFF800000u));
    CHECK(lane32(r, 0) == 0 && lane32(r, 1) == 0x7FFFFFFFu && lane32(r, 2) == 0x80000000u &&
          lane32(r, 3) == 0x80000000u);
    r = un(0xF8, f32v(-1.9f, 1.9f, 2147483520.0f, -0.0f));
    CHECK(lane32(r, 0) == (uint32_t)-1 && lane32(r, 1) == 1 && lane32(r, 2) == 2147483520u &&
          lane32(r, 3) == 0);
    r = un(0xF9, f32v(-0.9f, -1.0f, 4294967040.0f, 4294967296.0f));
    CHECK(lane32(r, 0) == 0 && lane32(r, 1) == 0 && lane32(r, 2) == 4294967040u &&
          lane32(r, 3) == 0xFFFFFFFFu);
    r = un(0xFC, f64v(-2147483648.9, 2147483647.9));
    CHECK(lane32(r, 0) == 0x80000000u && lane32(r, 1) == 0x7FFFFFFFu && lane32(r, 2) == 0 &&
          lane32(r, 3) == 0);
    r = un(0xFC, f64v(-2147483649.0, 1e100));
    CHECK(lane32(r, 0) == 0x80000000u && lane32(r, 1) == 0x7FFFFFFFu);
    r = un(0xFD, f64v(4294967295.9, -0.99));
    CHECK(lane32(r, 0) == 0xFFFFFFFFu && lane32(r, 1) == 0 && lane32(r, 2) == 0);
    r = un(0xFD, u64v(0x7FF8000000000000u, 0x41F0000000000000u /* 2^32 */));
    CHECK(lane32(r, 0) == 0 && lane32(r, 1) == 0xFFFFFFFFu);

    /* int -> float conversions round to nearest even */
    r = un(0xFA, u32v(0x80000000u, 16777217u, 0xFFFFFFFFu, 7));
    CHECK(same(r, f32v(-2147483648.0f, 16777216.0f, -1.0f, 7.0f)));
    r = un(0xFB, u32v(0xFFFFFFFFu, 16777219u, 0x80000080u, 0));
    CHECK(same(r, f32v(4294967296.0f, 16777220.0f, 2147483648.0f, 0.0f)));
    r = un(0xFE, u32v(0xFFFFFFFFu, 0x80000000u, 9, 9));
    CHECK(same(r, f64v(-1.0, -2147483648.0)));
    r = un(0xFF, u32v(0xFFFFFFFFu, 0x80000000u, 9, 9));
    CHECK(same(r, f64v(4294967295.0, 2147483648.0)));

    /* demote / promote */
    r = un(0x5E, f64v(1e300, 0.1));
    CHECK(lane32(r, 0) == 0x7F800000u && lane32(r, 1) == 0x3DCCCCCDu && lane32(r, 2) == 0 &&
          lane32(r, 3) == 0);
    r = un(0x5E, u64v(0x7FF8000000000000u, 0x36A0000000000000u /* 2^-149 */));
    CHECK(f32_canonical_nan(lane32(r, 0)) && lane32(r, 1) == 1);
    r = un(0x5F, f32bits(QNAN, 0x00000001u, 7, 7));
    CHECK(f64_canonical_nan(lane64(r, 0)) && lane64(r, 1) == 0x36A0000000000000u);
}

/* ---- lanes, shuffles, loads and stores ------------------------------------------------- */

static void test_lanes(void)
{
    uint8_t seq[16], r[16];
    for (int i = 0; i < 16; i++) seq[i] = (uint8_t)(0x80 + i);

    /* splat uses the scalar's low bits */
    weft__simd_splat(0x0F, r, 0x1234);
    CHECK(r[0] == 0x34 && r[15] == 0x34);
    weft__simd_splat(0x10, r, 0xABCD1234u);
    CHECK(r[0] == 0x34 && r[1] == 0x12 && r[14] == 0x34 && r[15] == 0x12);
    weft__simd_splat(0x12, r, 0x0102030405060708u);
    CHECK(r[0] == 8 && r[7] == 1 && r[8] == 8 && r[15] == 1);
    weft__simd_splat(0x13, r, 0x3F800000u);
    CHECK(same(u8v(r), f32v(1.0f, 1.0f, 1.0f, 1.0f)));

    /* extract: _s sign-extends to i32 (upper 32 bits of the result clear), _u zero-extends */
    CHECK(weft__simd_extract_lane(0x15, seq, 0) == 0xFFFFFF80u);
    CHECK(weft__simd_extract_lane(0x16, seq, 0) == 0x80);
    CHECK(weft__simd_extract_lane(0x18, seq, 1) == 0xFFFF8382u);
    CHECK(weft__simd_extract_lane(0x19, seq, 7) == 0x8F8E);
    CHECK(weft__simd_extract_lane(0x1B, seq, 3) == 0x8F8E8D8Cu);
    CHECK(weft__simd_extract_lane(0x1D, seq, 1) == 0x8F8E8D8C8B8A8988u);
    CHECK(weft__simd_extract_lane(0x1F, seq, 0) == 0x83828180u);
    CHECK(weft__simd_extract_lane(0x21, seq, 0) == 0x8786858483828180u);

    /* replace, including in place */
    memcpy(r, seq, 16);
    weft__simd_replace_lane(0x17, r, r, 15, 0x1FF);
    CHECK(r[15] == 0xFF && r[14] == 0x8E);
    weft__simd_replace_lane(0x1A, r, r, 0, 0x7777);
    CHECK(r[0] == 0x77 && r[1] == 0x77 && r[2] == 0x82);
    weft__simd_replace_lane(0x22, r, r, 1, 0x1122334455667788u);
    CHECK(r[8] == 0x88 && r[15] == 0x11 && r[7] == 0x87);
    weft__simd_replace_lane(0x20, r, seq, 2, 0xDEADBEEFu);
    CHECK(r[8] == 0xEF && r[11] == 0xDE && r[12] == 0x8C && r[0] == 0x80);

    /* shuffle selects from a (0..15) then b (16..31); swizzle gives 0 for indices >= 16 */
    uint8_t b[16], lanes[16];
    for (int i = 0; i < 16; i++) {
        b[i] = (uint8_t)i;
        lanes[i] = (uint8_t)(31 - 2 * i);
    }
    weft__simd_shuffle(r, seq, b, lanes);
    CHECK(r[0] == 15 && r[7] == 1 && r[8] == 0x8F && r[15] == 0x81);
    memcpy(r, seq, 16);
    weft__simd_shuffle(r, r, b, (const uint8_t[16]){16, 0, 17, 1, 18, 2, 19, 3, 20, 4, 21, 5, 22,
                                                    6, 23, 7});
    CHECK(r[0] == 0 && r[1] == 0x80 && r[14] == 7 && r[15] == 0x87);
    vec_t sw = bin(0x0E, u8v(seq), u8v((const uint8_t[16]){0, 15, 16, 255, 0x80, 3, 3, 3, 1, 1, 1,
                                                           1, 17, 2, 14, 5}));
    CHECK(sw.b[0] == 0x80 && sw.b[1] == 0x8F && sw.b[2] == 0 && sw.b[3] == 0 && sw.b[4] == 0 &&
          sw.b[5] == 0x83 && sw.b[12] == 0 && sw.b[14] == 0x8E);

    /* loads: extend, splat, zero, lane */
    static const uint8_t mem[16] = {0xFF, 0x01, 0x80, 0x7F, 0x00, 0x80, 0x34, 0x12,
                                    9,    10,   11,   12,   13,   14,   15,   16};
    vec_t v, in = u8v(seq);
    weft__simd_load(0x01, v.b, mem, NULL, 0);
    CHECK(lane16(v, 0) == 0xFFFF && lane16(v, 1) == 1 && lane16(v, 2) == 0xFF80 && lane16(v, 7) == 0x12);
    weft__simd_load(0x02, v.b, mem, NULL, 0);
    CHECK(lane16(v, 0) == 0xFF && lane16(v, 2) == 0x80);
    weft__simd_load(0x03, v.b, mem, NULL, 0);
    CHECK(lane32(v, 0) == 0x1FF && lane32(v, 1) == 0x7F80 && lane32(v, 2) == 0xFFFF8000u &&
          lane32(v, 3) == 0x1234);
    weft__simd_load(0x04, v.b, mem, NULL, 0);
    CHECK(lane32(v, 2) == 0x8000);
    weft__simd_load(0x05, v.b, mem, NULL, 0);
    CHECK(lane64(v, 0) == 0x7F8001FFu && lane64(v, 1) == 0x12348000u);
    weft__simd_load(0x06, v.b, mem + 4, NULL, 0);
    CHECK(lane64(v, 0) == 0x12348000u && lane64(v, 1) == 0x0C0B0A09u);
    weft__simd_load(0x05, v.b, mem + 8, NULL, 0);
    CHECK(lane64(v, 0) == 0x0C0B0A09u && lane64(v, 1) == 0x100F0E0Du);
    uint8_t neg[8] = {0, 0, 0, 0x80, 0xFF, 0xFF, 0xFF, 0xFF};
    weft__simd_load(0x05, v.b, neg, NULL, 0);
    CHECK(lane64(v, 0) == 0xFFFFFFFF80000000u && lane64(v, 1) == ~0ull);
    weft__simd_load(0x07, v.b, mem + 2, NULL, 0);
    CHECK(v.b[0] == 0x80 && v.b[15] == 0x80);
    weft__simd_load(0x08, v.b, mem + 6, NULL, 0);
    CHECK(lane16(v, 0) == 0x1234 && lane16(v, 7) == 0x1234);
    weft__simd_load(0x09, v.b, mem + 4, NULL, 0);
    CHECK(lane32(v, 0) == 0x12348000u && lane32(v, 3) == 0x12348000u);
    weft__simd_load(0x0A, v.b, mem, NULL, 0);
    CHECK(lane64(v, 0) == lane64(u8v(mem), 0) && lane64(v, 1) == lane64(u8v(mem), 0));
    weft__simd_load(0x5C, v.b, mem + 4, NULL, 0);
    CHECK(same(v, u32v(0x12348000u, 0, 0, 0)));
    weft__simd_load(0x5D, v.b, mem, NULL, 0);
    CHECK(lane64(v, 0) == lane64(u8v(mem), 0) && lane64(v, 1) == 0);
    weft__simd_load(0x00, v.b, mem, NULL, 0);
    CHECK(same(v, u8v(mem)));
    weft__simd_load(0x54, v.b, mem + 3, in.b, 5);
    CHECK(v.b[5] == 0x7F && v.b[4] == 0x84 && v.b[6] == 0x86);
    weft__simd_load(0x55, v.b, mem + 6, in.b, 7);
    CHECK(lane16(v, 7) == 0x1234 && lane16(v, 6) == 0x8D8C);
    weft__simd_load(0x56, v.b, mem + 4, in.b, 0);
    CHECK(lane32(v, 0) == 0x12348000u && lane32(v, 1) == 0x87868584u);
    weft__simd_load(0x57, in.b, mem + 8, in.b, 1); /* in place */
    CHECK(lane64(in, 1) == 0x100F0E0D0C0B0A09u && lane64(in, 0) == 0x8786858483828180u);

    /* lane stores write exactly the lane's bytes */
    uint8_t out[9];
    memset(out, 0xAA, sizeof out);
    weft__simd_store_lane(0x58, out, seq, 9);
    CHECK(out[0] == 0x89 && out[1] == 0xAA);
    weft__simd_store_lane(0x59, out, seq, 7);
    CHECK(out[0] == 0x8E && out[1] == 0x8F && out[2] == 0xAA);
    weft__simd_store_lane(0x5A, out, seq, 1);
    CHECK(out[0] == 0x84 && out[3] == 0x87 && out[4] == 0xAA);
    weft__simd_store_lane(0x5B, out, seq, 1);
    CHECK(out[0] == 0x88 && out[7] == 0x8F && out[8] == 0xAA);
}

int main(void)
{
    test_metadata();
    test_int();
    test_shift_and_bits();
    test_float();
    test_lanes();
    if (failures) {
        fprintf(stderr, "test_simd: %d of %d checks failed\n", failures, checks);
        return 1;
    }
    printf("test_simd: %d checks passed\n", checks);
    return 0;
}
