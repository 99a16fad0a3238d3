/* simd_arith.c - the lane-wise unary and binary SIMD operators (Wasm core spec 4.4.3.8-9,
 * 4.4.3.13-20, with the scalar numerics of 4.3.2-4.3.4 applied per lane).
 *
 * Lanes are moved between the byte vectors and typed local arrays with memcpy (no aliasing or
 * alignment assumptions, and r may alias a or b). Integer arithmetic that can wrap is done on
 * unsigned types; signed views are obtained by memcpy into intN_t arrays, which are two's
 * complement by definition. */
#include "core/simd.h"

#include <float.h>
#include <math.h>
#include <string.h>

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "the SIMD lane code assumes a little-endian host (lanes are memcpy'd from byte arrays)"
#endif
#if FLT_EVAL_METHOD != 0
#error "exact f32/f64 lane arithmetic needs FLT_EVAL_METHOD == 0 (e.g. SSE2 on x86)"
#endif

#define F32_QUIET 0x00400000u
#define F64_QUIET 0x0008000000000000u
#define F32_SIGN 0x80000000u
#define F64_SIGN 0x8000000000000000u

/* Loop over every lane index i, assigning the lane result to dst[i]. */
#define EACH(n, dst, expr)                                                                         \
    do {                                                                                           \
        for (int i = 0; i < (n); i++) (dst)[i] = (expr);                                           \
    } while (0)

static inline int32_t clamp32(int32_t v, int32_t lo, int32_t hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

/* Arithmetic right shift without relying on implementation-defined `>>` of negatives. */
static inline int32_t sar32(int32_t x, unsigned n)
{
    return x < 0 ? ~(~x >> n) : x >> n;
}

static inline uint8_t popcnt8(uint8_t x)
{
    x = (uint8_t)(x - ((x >> 1) & 0x55));
    x = (uint8_t)((x & 0x33) + ((x >> 2) & 0x33));
    return (uint8_t)((x + (x >> 4)) & 0x0F);
}

/* ---- float helpers (4.3.3) ----------------------------------------------------------------
 * min/max: a NaN operand yields a NaN (here the operand itself, quieted: canonical stays
 * canonical, anything else becomes an arithmetic NaN); -0 is smaller than +0. */
static inline uint32_t f32_min(uint32_t a, uint32_t b, float x, float y)
{
    if (x != x) return a | F32_QUIET;
    if (y != y) return b | F32_QUIET;
    if (x == y) return a | b; /* equal values differ at most in the sign of a zero */
    return x < y ? a : b;
}
static inline uint32_t f32_max(uint32_t a, uint32_t b, float x, float y)
{
    if (x != x) return a | F32_QUIET;
    if (y != y) return b | F32_QUIET;
    if (x == y) return a & b;
    return x > y ? a : b;
}
static inline uint64_t f64_min(uint64_t a, uint64_t b, double x, double y)
{
    if (x != x) return a | F64_QUIET;
    if (y != y) return b | F64_QUIET;
    if (x == y) return a | b;
    return x < y ? a : b;
}
static inline uint64_t f64_max(uint64_t a, uint64_t b, double x, double y)
{
    if (x != x) return a | F64_QUIET;
    if (y != y) return b | F64_QUIET;
    if (x == y) return a & b;
    return x > y ? a : b;
}

/* Rounding to integral (fceil, ffloor, ftrunc, fnearest). NaN is handled here rather than by
 * the C library, since some libms return a signalling NaN unchanged. nearbyint rounds half to
 * even under the default rounding mode, which is the only mode a Wasm program can observe. */
enum { RND_CEIL, RND_FLOOR, RND_TRUNC, RND_NEAREST };

static void f32_round(uint8_t r[16], const uint8_t a[16], int mode)
{
    float f[4];
    uint32_t u[4];
    memcpy(f, a, 16);
    memcpy(u, a, 16);
    for (int i = 0; i < 4; i++) {
        float v = f[i];
        if (v != v) {
            u[i] |= F32_QUIET;
            continue;
        }
        switch (mode) {
        case RND_CEIL: v = ceilf(v); break;
        case RND_FLOOR: v = floorf(v); break;
        case RND_TRUNC: v = truncf(v); break;
        default: v = nearbyintf(v); break;
        }
        memcpy(&u[i], &v, 4);
    }
    memcpy(r, u, 16);
}

static void f64_round(uint8_t r[16], const uint8_t a[16], int mode)
{
    double f[2];
    uint64_t u[2];
    memcpy(f, a, 16);
    memcpy(u, a, 16);
    for (int i = 0; i < 2; i++) {
        double v = f[i];
        if (v != v) {
            u[i] |= F64_QUIET;
            continue;
        }
        switch (mode) {
        case RND_CEIL: v = ceil(v); break;
        case RND_FLOOR: v = floor(v); break;
        case RND_TRUNC: v = trunc(v); break;
        default: v = nearbyint(v); break;
        }
        memcpy(&u[i], &v, 8);
    }
    memcpy(r, u, 16);
}

/* Saturating float -> integer truncation (4.3.4 trunc_sat). The range checks come first so
 * that the C conversion is only applied to values whose truncation fits. */
static inline uint32_t trunc_sat_s32(double v)
{
    if (v != v) return 0;
    if (v <= -2147483649.0) return 0x80000000u;
    if (v >= 2147483648.0) return 0x7FFFFFFFu;
    return (uint32_t)(int32_t)v;
}
static inline uint32_t trunc_sat_u32(double v)
{
    if (v != v || v <= -1.0) return 0;
    if (v >= 4294967296.0) return 0xFFFFFFFFu;
    return (uint32_t)v;
}

/* ---- unary operators --------------------------------------------------------------------- */

static void unop_int(uint32_t op, uint8_t r[16], const uint8_t a[16])
{
    int8_t s8[16];
    uint8_t u8[16], r8[16];
    int16_t s16[8];
    uint16_t u16[8], r16[8];
    int32_t s32[4];
    uint32_t u32[4], r32[4];
    int64_t s64[2];
    uint64_t u64[2], r64[2];
    memcpy(s8, a, 16);
    memcpy(u8, a, 16);
    memcpy(s16, a, 16);
    memcpy(u16, a, 16);
    memcpy(s32, a, 16);
    memcpy(u32, a, 16);
    memcpy(s64, a, 16);
    memcpy(u64, a, 16);

    switch (op) {
    case 0x4D: EACH(2, r64, ~u64[i]); break; /* v128.not */
    /* i8x16 */
    case 0x60: EACH(16, r8, (uint8_t)(s8[i] < 0 ? 0u - u8[i] : u8[i])); goto out8;
    case 0x61: EACH(16, r8, (uint8_t)(0u - u8[i])); goto out8;
    case 0x62: EACH(16, r8, popcnt8(u8[i])); goto out8;
    /* extadd_pairwise */
    case 0x7C: EACH(8, r16, (uint16_t)(s8[2 * i] + s8[2 * i + 1])); goto out16;
    case 0x7D: EACH(8, r16, (uint16_t)(u8[2 * i] + u8[2 * i + 1])); goto out16;
    case 0x7E: EACH(4, r32, (uint32_t)((int32_t)s16[2 * i] + s16[2 * i + 1])); goto out32;
    case 0x7F: EACH(4, r32, (uint32_t)u16[2 * i] + u16[2 * i + 1]); goto out32;
    /* i16x8 */
    case 0x80: EACH(8, r16, (uint16_t)(s16[i] < 0 ? 0u - u16[i] : u16[i])); goto out16;
    case 0x81: EACH(8, r16, (uint16_t)(0u - u16[i])); goto out16;
    case 0x87: EACH(8, r16, (uint16_t)s8[i]); goto out16;
    case 0x88: EACH(8, r16, (uint16_t)s8[i + 8]); goto out16;
    case 0x89: EACH(8, r16, u8[i]); goto out16;
    case 0x8A: EACH(8, r16, u8[i + 8]); goto out16;
    /* i32x4 */
    case 0xA0: EACH(4, r32, s32[i] < 0 ? 0u - u32[i] : u32[i]); goto out32;
    case 0xA1: EACH(4, r32, 0u - u32[i]); goto out32;
    case 0xA7: EACH(4, r32, (uint32_t)s16[i]); goto out32;
    case 0xA8: EACH(4, r32, (uint32_t)s16[i + 4]); goto out32;
    case 0xA9: EACH(4, r32, u16[i]); goto out32;
    case 0xAA: EACH(4, r32, u16[i + 4]); goto out32;
    /* i64x2 */
    case 0xC0: EACH(2, r64, s64[i] < 0 ? 0u - u64[i] : u64[i]); break;
    case 0xC1: EACH(2, r64, 0u - u64[i]); break;
    case 0xC7: EACH(2, r64, (uint64_t)s32[i]); break;
    case 0xC8: EACH(2, r64, (uint64_t)s32[i + 2]); break;
    case 0xC9: EACH(2, r64, u32[i]); break;
    case 0xCA: EACH(2, r64, u32[i + 2]); break;
    default: EACH(2, r64, 0); break;
    }
    memcpy(r, r64, 16);
    return;
out8:
    memcpy(r, r8, 16);
    return;
out16:
    memcpy(r, r16, 16);
    return;
out32:
    memcpy(r, r32, 16);
}

static void unop_float(uint32_t op, uint8_t r[16], const uint8_t a[16])
{
    float f[4], rf[4];
    double d[2], rd[2];
    uint32_t u32[4], r32[4];
    uint64_t u64[2], r64[2];
    int32_t s32[4];
    memcpy(f, a, 16);
    memcpy(d, a, 16);
    memcpy(u32, a, 16);
    memcpy(u64, a, 16);
    memcpy(s32, a, 16);

    switch (op) {
    case 0x5E: /* f32x4.demote_f64x2_zero: the conversion quiets NaNs (4.3.4 demote) */
        rf[0] = (float)d[0];
        rf[1] = (float)d[1];
        rf[2] = 0.0f;
        rf[3] = 0.0f;
        memcpy(r, rf, 16);
        return;
    case 0x5F: /* f64x2.promote_low_f32x4 */
        EACH(2, rd, (double)f[i]);
        memcpy(r, rd, 16);
        return;
    case 0x67: f32_round(r, a, RND_CEIL); return;
    case 0x68: f32_round(r, a, RND_FLOOR); return;
    case 0x69: f32_round(r, a, RND_TRUNC); return;
    case 0x6A: f32_round(r, a, RND_NEAREST); return;
    case 0x74: f64_round(r, a, RND_CEIL); return;
    case 0x75: f64_round(r, a, RND_FLOOR); return;
    case 0x7A: f64_round(r, a, RND_TRUNC); return;
    case 0x94: f64_round(r, a, RND_NEAREST); return;
    /* abs and neg act on the sign bit only, NaN payloads included (4.3.3 fabs, fneg) */
    case 0xE0: EACH(4, r32, u32[i] & ~F32_SIGN); break;
    case 0xE1: EACH(4, r32, u32[i] ^ F32_SIGN); break;
    case 0xE3: EACH(4, rf, sqrtf(f[i])); memcpy(r, rf, 16); return;
    case 0xEC: EACH(2, r64, u64[i] & ~F64_SIGN); memcpy(r, r64, 16); return;
    case 0xED: EACH(2, r64, u64[i] ^ F64_SIGN); memcpy(r, r64, 16); return;
    case 0xEF: EACH(2, rd, sqrt(d[i])); memcpy(r, rd, 16); return;
    case 0xF8: EACH(4, r32, trunc_sat_s32(f[i])); break;
    case 0xF9: EACH(4, r32, trunc_sat_u32(f[i])); break;
    case 0xFA: EACH(4, rf, (float)s32[i]); memcpy(r, rf, 16); return;
    case 0xFB: EACH(4, rf, (float)u32[i]); memcpy(r, rf, 16); return;
    case 0xFC: /* i32x4.trunc_sat_f64x2_s_zero */
        r32[0] = trunc_sat_s32(d[0]);
        r32[1] = trunc_sat_s32(d[1]);
        r32[2] = r32[3] = 0;
        break;
    case 0xFD:
        r32[0] = trunc_sat_u32(d[0]);
        r32[1] = trunc_sat_u32(d[1]);
        r32[2] = r32[3] = 0;
        break;
    case 0xFE: EACH(2, rd, (double)s32[i]); memcpy(r, rd, 16); return;
    case 0xFF: EACH(2, rd, (double)u32[i]); memcpy(r, rd, 16); return;
    default: EACH(4, r32, 0); break;
    }
    memcpy(r, r32, 16);
}

void weft__simd_unop(uint32_t op, uint8_t r[16], const uint8_t a[16])
{
    switch (op) {
    case 0x5E: case 0x5F: case 0x67: case 0x68: case 0x69: case 0x6A: case 0x74: case 0x75:
    case 0x7A: case 0x94: case 0xE0: case 0xE1: case 0xE3: case 0xEC: case 0xED: case 0xEF:
    case 0xF8: case 0xF9: case 0xFA: case 0xFB: case 0xFC: case 0xFD: case 0xFE: case 0xFF:
        unop_float(op, r, a);
        return;
    default:
        unop_int(op, r, a);
        return;
    }
}

/* ---- binary operators -------------------------------------------------------------------- */

static void binop_i8(uint32_t op, uint8_t r[16], const uint8_t a[16], const uint8_t b[16])
{
    int8_t sa[16], sb[16];
    uint8_t ua[16], ub[16], ur[16];
    memcpy(sa, a, 16);
    memcpy(sb, b, 16);
    memcpy(ua, a, 16);
    memcpy(ub, b, 16);

    switch (op) {
    case 0x0E: EACH(16, ur, ub[i] < 16 ? ua[ub[i]] : 0); break; /* i8x16.swizzle */
    case 0x23: EACH(16, ur, ua[i] == ub[i] ? 0xFF : 0); break;
    case 0x24: EACH(16, ur, ua[i] != ub[i] ? 0xFF : 0); break;
    case 0x25: EACH(16, ur, sa[i] < sb[i] ? 0xFF : 0); break;
    case 0x26: EACH(16, ur, ua[i] < ub[i] ? 0xFF : 0); break;
    case 0x27: EACH(16, ur, sa[i] > sb[i] ? 0xFF : 0); break;
    case 0x28: EACH(16, ur, ua[i] > ub[i] ? 0xFF : 0); break;
    case 0x29: EACH(16, ur, sa[i] <= sb[i] ? 0xFF : 0); break;
    case 0x2A: EACH(16, ur, ua[i] <= ub[i] ? 0xFF : 0); break;
    case 0x2B: EACH(16, ur, sa[i] >= sb[i] ? 0xFF : 0); break;
    case 0x2C: EACH(16, ur, ua[i] >= ub[i] ? 0xFF : 0); break;
    case 0x6E: EACH(16, ur, (uint8_t)(ua[i] + ub[i])); break;
    case 0x6F: EACH(16, ur, (uint8_t)clamp32(sa[i] + sb[i], -128, 127)); break;
    case 0x70: EACH(16, ur, (uint8_t)clamp32(ua[i] + ub[i], 0, 255)); break;
    case 0x71: EACH(16, ur, (uint8_t)(ua[i] - ub[i])); break;
    case 0x72: EACH(16, ur, (uint8_t)clamp32(sa[i] - sb[i], -128, 127)); break;
    case 0x73: EACH(16, ur, (uint8_t)clamp32(ua[i] - ub[i], 0, 255)); break;
    case 0x76: EACH(16, ur, sa[i] < sb[i] ? ua[i] : ub[i]); break;
    case 0x77: EACH(16, ur, ua[i] < ub[i] ? ua[i] : ub[i]); break;
    case 0x78: EACH(16, ur, sa[i] > sb[i] ? ua[i] : ub[i]); break;
    case 0x79: EACH(16, ur, ua[i] > ub[i] ? ua[i] : ub[i]); break;
    case 0x7B: EACH(16, ur, (uint8_t)((ua[i] + ub[i] + 1u) >> 1)); break;
    default: EACH(16, ur, 0); break;
    }
    memcpy(r, ur, 16);
}

static void binop_i16(uint32_t op, uint8_t r[16], const uint8_t a[16], const uint8_t b[16])
{
    int16_t sa[8], sb[8];
    uint16_t ua[8], ub[8], ur[8];
    memcpy(sa, a, 16);
    memcpy(sb, b, 16);
    memcpy(ua, a, 16);
    memcpy(ub, b, 16);

    switch (op) {
    case 0x2D: EACH(8, ur, ua[i] == ub[i] ? 0xFFFF : 0); break;
    case 0x2E: EACH(8, ur, ua[i] != ub[i] ? 0xFFFF : 0); break;
    case 0x2F: EACH(8, ur, sa[i] < sb[i] ? 0xFFFF : 0); break;
    case 0x30: EACH(8, ur, ua[i] < ub[i] ? 0xFFFF : 0); break;
    case 0x31: EACH(8, ur, sa[i] > sb[i] ? 0xFFFF : 0); break;
    case 0x32: EACH(8, ur, ua[i] > ub[i] ? 0xFFFF : 0); break;
    case 0x33: EACH(8, ur, sa[i] <= sb[i] ? 0xFFFF : 0); break;
    case 0x34: EACH(8, ur, ua[i] <= ub[i] ? 0xFFFF : 0); break;
    case 0x35: EACH(8, ur, sa[i] >= sb[i] ? 0xFFFF : 0); break;
    case 0x36: EACH(8, ur, ua[i] >= ub[i] ? 0xFFFF : 0); break;
    case 0x82: /* i16x8.q15mulr_sat_s: (a*b + 2^14) >> 15, saturated (only -1 * -1 overflows) */
        EACH(8, ur, (uint16_t)clamp32(sar32(sa[i] * sb[i] + 0x4000, 15), -32768, 32767));
        break;
    case 0x8E: EACH(8, ur, (uint16_t)(ua[i] + ub[i])); break;
    case 0x8F: EACH(8, ur, (uint16_t)clamp32(sa[i] + sb[i], -32768, 32767)); break;
    case 0x90: EACH(8, ur, (uint16_t)clamp32(ua[i] + ub[i], 0, 65535)); break;
    case 0x91: EACH(8, ur, (uint16_t)(ua[i] - ub[i])); break;
    case 0x92: EACH(8, ur, (uint16_t)clamp32(sa[i] - sb[i], -32768, 32767)); break;
    case 0x93: EACH(8, ur, (uint16_t)clamp32(ua[i] - ub[i], 0, 65535)); break;
    case 0x95: EACH(8, ur, (uint16_t)((uint32_t)ua[i] * ub[i])); break;
    case 0x96: EACH(8, ur, sa[i] < sb[i] ? ua[i] : ub[i]); break;
    case 0x97: EACH(8, ur, ua[i] < ub[i] ? ua[i] : ub[i]); break;
    case 0x98: EACH(8, ur, sa[i] > sb[i] ? ua[i] : ub[i]); break;
    case 0x99: EACH(8, ur, ua[i] > ub[i] ? ua[i] : ub[i]); break;
    case 0x9B: EACH(8, ur, (uint16_t)((ua[i] + ub[i] + 1u) >> 1)); break;
    default: EACH(8, ur, 0); break;
    }
    memcpy(r, ur, 16);
}

static void binop_i32(uint32_t op, uint8_t r[16], const uint8_t a[16], const uint8_t b[16])
{
    int32_t sa[4], sb[4];
    uint32_t ua[4], ub[4], ur[4];
    memcpy(sa, a, 16);
    memcpy(sb, b, 16);
    memcpy(ua, a, 16);
    memcpy(ub, b, 16);

    switch (op) {
    case 0x37: EACH(4, ur, ua[i] == ub[i] ? 0xFFFFFFFFu : 0); break;
    case 0x38: EACH(4, ur, ua[i] != ub[i] ? 0xFFFFFFFFu : 0); break;
    case 0x39: EACH(4, ur, sa[i] < sb[i] ? 0xFFFFFFFFu : 0); break;
    case 0x3A: EACH(4, ur, ua[i] < ub[i] ? 0xFFFFFFFFu : 0); break;
    case 0x3B: EACH(4, ur, sa[i] > sb[i] ? 0xFFFFFFFFu : 0); break;
    case 0x3C: EACH(4, ur, ua[i] > ub[i] ? 0xFFFFFFFFu : 0); break;
    case 0x3D: EACH(4, ur, sa[i] <= sb[i] ? 0xFFFFFFFFu : 0); break;
    case 0x3E: EACH(4, ur, ua[i] <= ub[i] ? 0xFFFFFFFFu : 0); break;
    case 0x3F: EACH(4, ur, sa[i] >= sb[i] ? 0xFFFFFFFFu : 0); break;
    case 0x40: EACH(4, ur, ua[i] >= ub[i] ? 0xFFFFFFFFu : 0); break;
    case 0xAE: EACH(4, ur, ua[i] + ub[i]); break;
    case 0xB1: EACH(4, ur, ua[i] - ub[i]); break;
    case 0xB5: EACH(4, ur, ua[i] * ub[i]); break;
    case 0xB6: EACH(4, ur, sa[i] < sb[i] ? ua[i] : ub[i]); break;
    case 0xB7: EACH(4, ur, ua[i] < ub[i] ? ua[i] : ub[i]); break;
    case 0xB8: EACH(4, ur, sa[i] > sb[i] ? ua[i] : ub[i]); break;
    case 0xB9: EACH(4, ur, ua[i] > ub[i] ? ua[i] : ub[i]); break;
    default: EACH(4, ur, 0); break;
    }
    memcpy(r, ur, 16);
}

static void binop_i64(uint32_t op, uint8_t r[16], const uint8_t a[16], const uint8_t b[16])
{
    int64_t sa[2], sb[2];
    uint64_t ua[2], ub[2], ur[2];
    memcpy(sa, a, 16);
    memcpy(sb, b, 16);
    memcpy(ua, a, 16);
    memcpy(ub, b, 16);

    switch (op) {
    case 0x4E: EACH(2, ur, ua[i] & ub[i]); break;  /* v128.and */
    case 0x4F: EACH(2, ur, ua[i] & ~ub[i]); break; /* v128.andnot */
    case 0x50: EACH(2, ur, ua[i] | ub[i]); break;  /* v128.or */
    case 0x51: EACH(2, ur, ua[i] ^ ub[i]); break;  /* v128.xor */
    case 0xCE: EACH(2, ur, ua[i] + ub[i]); break;
    case 0xD1: EACH(2, ur, ua[i] - ub[i]); break;
    case 0xD5: EACH(2, ur, ua[i] * ub[i]); break;
    case 0xD6: EACH(2, ur, ua[i] == ub[i] ? ~0ull : 0); break;
    case 0xD7: EACH(2, ur, ua[i] != ub[i] ? ~0ull : 0); break;
    case 0xD8: EACH(2, ur, sa[i] < sb[i] ? ~0ull : 0); break;
    case 0xD9: EACH(2, ur, sa[i] > sb[i] ? ~0ull : 0); break;
    case 0xDA: EACH(2, ur, sa[i] <= sb[i] ? ~0ull : 0); break;
    case 0xDB: EACH(2, ur, sa[i] >= sb[i] ? ~0ull : 0); break;
    default: EACH(2, ur, 0); break;
    }
    memcpy(r, ur, 16);
}

/* Narrowing (4.3.2 narrow: saturate the signed input lanes), extended multiplication and the
 * dot product: operators whose result lanes are wider or narrower than their inputs. */
static void binop_mixed(uint32_t op, uint8_t r[16], const uint8_t a[16], const uint8_t b[16])
{
    switch (op) {
    case 0x65: case 0x66: { /* i8x16.narrow_i16x8_s/u */
        int16_t x[16];
        uint8_t o[16];
        int32_t lo = op == 0x65 ? -128 : 0, hi = op == 0x65 ? 127 : 255;
        memcpy(x, a, 16);
        memcpy(x + 8, b, 16);
        EACH(16, o, (uint8_t)clamp32(x[i], lo, hi));
        memcpy(r, o, 16);
        return;
    }
    case 0x85: case 0x86: { /* i16x8.narrow_i32x4_s/u */
        int32_t x[8];
        uint16_t o[8];
        int32_t lo = op == 0x85 ? -32768 : 0, hi = op == 0x85 ? 32767 : 65535;
        memcpy(x, a, 16);
        memcpy(x + 4, b, 16);
        EACH(8, o, (uint16_t)clamp32(x[i], lo, hi));
        memcpy(r, o, 16);
        return;
    }
    case 0x9C: case 0x9D: case 0x9E: case 0x9F: { /* i16x8.extmul_{low,high}_i8x16_{s,u} */
        int8_t sa[16], sb[16];
        uint8_t ua[16], ub[16];
        uint16_t o[8];
        int h = (op == 0x9D || op == 0x9F) ? 8 : 0;
        memcpy(sa, a, 16);
        memcpy(sb, b, 16);
        memcpy(ua, a, 16);
        memcpy(ub, b, 16);
        if (op <= 0x9D)
            EACH(8, o, (uint16_t)(sa[i + h] * sb[i + h]));
        else
            EACH(8, o, (uint16_t)(ua[i + h] * ub[i + h]));
        memcpy(r, o, 16);
        return;
    }
    case 0xBA: { /* i32x4.dot_i16x8_s: the sum of two products can reach 2^31, so wrap */
        int16_t sa[8], sb[8];
        uint32_t o[4];
        memcpy(sa, a, 16);
        memcpy(sb, b, 16);
        EACH(4, o,
             (uint32_t)((int64_t)sa[2 * i] * sb[2 * i] + (int64_t)sa[2 * i + 1] * sb[2 * i + 1]));
        memcpy(r, o, 16);
        return;
    }
    case 0xBC: case 0xBD: case 0xBE: case 0xBF: { /* i32x4.extmul_*_i16x8 */
        int16_t sa[8], sb[8];
        uint16_t ua[8], ub[8];
        uint32_t o[4];
        int h = (op == 0xBD || op == 0xBF) ? 4 : 0;
        memcpy(sa, a, 16);
        memcpy(sb, b, 16);
        memcpy(ua, a, 16);
        memcpy(ub, b, 16);
        if (op <= 0xBD)
            EACH(4, o, (uint32_t)((int32_t)sa[i + h] * sb[i + h]));
        else
            EACH(4, o, (uint32_t)ua[i + h] * ub[i + h]);
        memcpy(r, o, 16);
        return;
    }
    case 0xDC: case 0xDD: case 0xDE: case 0xDF: { /* i64x2.extmul_*_i32x4 */
        int32_t sa[4], sb[4];
        uint32_t ua[4], ub[4];
        uint64_t o[2];
        int h = (op == 0xDD || op == 0xDF) ? 2 : 0;
        memcpy(sa, a, 16);
        memcpy(sb, b, 16);
        memcpy(ua, a, 16);
        memcpy(ub, b, 16);
        if (op <= 0xDD)
            EACH(2, o, (uint64_t)((int64_t)sa[i + h] * sb[i + h]));
        else
            EACH(2, o, (uint64_t)ua[i + h] * ub[i + h]);
        memcpy(r, o, 16);
        return;
    }
    default:
        memset(r, 0, 16);
        return;
    }
}

static void binop_f32(uint32_t op, uint8_t r[16], const uint8_t a[16], const uint8_t b[16])
{
    float x[4], y[4], rf[4];
    uint32_t ua[4], ub[4], ur[4];
    memcpy(x, a, 16);
    memcpy(y, b, 16);
    memcpy(ua, a, 16);
    memcpy(ub, b, 16);

    switch (op) {
    case 0x41: EACH(4, ur, x[i] == y[i] ? 0xFFFFFFFFu : 0); break;
    case 0x42: EACH(4, ur, x[i] != y[i] ? 0xFFFFFFFFu : 0); break;
    case 0x43: EACH(4, ur, x[i] < y[i] ? 0xFFFFFFFFu : 0); break;
    case 0x44: EACH(4, ur, x[i] > y[i] ? 0xFFFFFFFFu : 0); break;
    case 0x45: EACH(4, ur, x[i] <= y[i] ? 0xFFFFFFFFu : 0); break;
    case 0x46: EACH(4, ur, x[i] >= y[i] ? 0xFFFFFFFFu : 0); break;
    case 0xE4: EACH(4, rf, x[i] + y[i]); memcpy(r, rf, 16); return;
    case 0xE5: EACH(4, rf, x[i] - y[i]); memcpy(r, rf, 16); return;
    case 0xE6: EACH(4, rf, x[i] * y[i]); memcpy(r, rf, 16); return;
    case 0xE7: EACH(4, rf, x[i] / y[i]); memcpy(r, rf, 16); return;
    case 0xE8: EACH(4, ur, f32_min(ua[i], ub[i], x[i], y[i])); break;
    case 0xE9: EACH(4, ur, f32_max(ua[i], ub[i], x[i], y[i])); break;
    /* pmin/pmax (4.4.3.8): the "pseudo" min/max b < a ? b : a, operand bits returned as-is */
    case 0xEA: EACH(4, ur, y[i] < x[i] ? ub[i] : ua[i]); break;
    case 0xEB: EACH(4, ur, x[i] < y[i] ? ub[i] : ua[i]); break;
    default: EACH(4, ur, 0); break;
    }
    memcpy(r, ur, 16);
}

static void binop_f64(uint32_t op, uint8_t r[16], const uint8_t a[16], const uint8_t b[16])
{
    double x[2], y[2], rd[2];
    uint64_t ua[2], ub[2], ur[2];
    memcpy(x, a, 16);
    memcpy(y, b, 16);
    memcpy(ua, a, 16);
    memcpy(ub, b, 16);

    switch (op) {
    case 0x47: EACH(2, ur, x[i] == y[i] ? ~0ull : 0); break;
    case 0x48: EACH(2, ur, x[i] != y[i] ? ~0ull : 0); break;
    case 0x49: EACH(2, ur, x[i] < y[i] ? ~0ull : 0); break;
    case 0x4A: EACH(2, ur, x[i] > y[i] ? ~0ull : 0); break;
    case 0x4B: EACH(2, ur, x[i] <= y[i] ? ~0ull : 0); break;
    case 0x4C: EACH(2, ur, x[i] >= y[i] ? ~0ull : 0); break;
    case 0xF0: EACH(2, rd, x[i] + y[i]); memcpy(r, rd, 16); return;
    case 0xF1: EACH(2, rd, x[i] - y[i]); memcpy(r, rd, 16); return;
    case 0xF2: EACH(2, rd, x[i] * y[i]); memcpy(r, rd, 16); return;
    case 0xF3: EACH(2, rd, x[i] / y[i]); memcpy(r, rd, 16); return;
    case 0xF4: EACH(2, ur, f64_min(ua[i], ub[i], x[i], y[i])); break;
    case 0xF5: EACH(2, ur, f64_max(ua[i], ub[i], x[i], y[i])); break;
    case 0xF6: EACH(2, ur, y[i] < x[i] ? ub[i] : ua[i]); break;
    case 0xF7: EACH(2, ur, x[i] < y[i] ? ub[i] : ua[i]); break;
    default: EACH(2, ur, 0); break;
    }
    memcpy(r, ur, 16);
}

void weft__simd_binop(uint32_t op, uint8_t r[16], const uint8_t a[16], const uint8_t b[16])
{
    switch (op) {
    case 0x0E:
    case 0x23: case 0x24: case 0x25: case 0x26: case 0x27: case 0x28: case 0x29: case 0x2A:
    case 0x2B: case 0x2C:
    case 0x6E: case 0x6F: case 0x70: case 0x71: case 0x72: case 0x73:
    case 0x76: case 0x77: case 0x78: case 0x79: case 0x7B:
        binop_i8(op, r, a, b);
        return;
    case 0x2D: case 0x2E: case 0x2F: case 0x30: case 0x31: case 0x32: case 0x33: case 0x34:
    case 0x35: case 0x36:
    case 0x82: case 0x8E: case 0x8F: case 0x90: case 0x91: case 0x92: case 0x93:
    case 0x95: case 0x96: case 0x97: case 0x98: case 0x99: case 0x9B:
        binop_i16(op, r, a, b);
        return;
    case 0x37: case 0x38: case 0x39: case 0x3A: case 0x3B: case 0x3C: case 0x3D: case 0x3E:
    case 0x3F: case 0x40:
    case 0xAE: case 0xB1: case 0xB5: case 0xB6: case 0xB7: case 0xB8: case 0xB9:
        binop_i32(op, r, a, b);
        return;
    case 0x41: case 0x42: case 0x43: case 0x44: case 0x45: case 0x46:
    case 0xE4: case 0xE5: case 0xE6: case 0xE7: case 0xE8: case 0xE9: case 0xEA: case 0xEB:
        binop_f32(op, r, a, b);
        return;
    case 0x47: case 0x48: case 0x49: case 0x4A: case 0x4B: case 0x4C:
    case 0xF0: case 0xF1: case 0xF2: case 0xF3: case 0xF4: case 0xF5: case 0xF6: case 0xF7:
        binop_f64(op, r, a, b);
        return;
    case 0x65: case 0x66: case 0x85: case 0x86: case 0x9C: case 0x9D: case 0x9E: case 0x9F:
    case 0xBA: case 0xBC: case 0xBD: case 0xBE: case 0xBF: case 0xDC: case 0xDD: case 0xDE:
    case 0xDF:
        binop_mixed(op, r, a, b);
        return;
    default:
        binop_i64(op, r, a, b);
        return;
    }
}
