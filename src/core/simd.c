/* simd.c - SIMD opcode metadata (class, memory width, lane count, scalar type) and the
 * data-movement instructions: splat, lane extract/replace, shuffle, loads, lane stores,
 * shifts, bitselect and the boolean reductions (Wasm core spec 4.4.3, binary format 5.4.8).
 * The arithmetic lane operations live in simd_arith.c. */
#include "core/simd.h"

#include <string.h>

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "the SIMD lane code assumes a little-endian host (lanes are memcpy'd from byte arrays)"
#endif

/* ---- opcode classification ---------------------------------------------------------------
 * One entry per sub-opcode 0x00..0xFF, written 16 to a row. `NO` marks numbers left
 * unassigned by the final Wasm 2.0 encoding (they belonged to withdrawn proposal opcodes). */
enum {
    NO = WEFT_SIMD_INVALID,
    LD = WEFT_SIMD_LOAD,
    ST = WEFT_SIMD_STORE,
    LL = WEFT_SIMD_LOAD_LANE,
    SL = WEFT_SIMD_STORE_LANE,
    CO = WEFT_SIMD_CONST,
    SH = WEFT_SIMD_SHUFFLE,
    EX = WEFT_SIMD_EXTRACT_LANE,
    RE = WEFT_SIMD_REPLACE_LANE,
    SP = WEFT_SIMD_SPLAT,
    U = WEFT_SIMD_UNOP,
    B = WEFT_SIMD_BINOP,
    T = WEFT_SIMD_TERNOP,
    SF = WEFT_SIMD_SHIFT,
    TS = WEFT_SIMD_TEST,
};

static const uint8_t simd_class_table[256] = {
    /* 0x00 */ LD, LD, LD, LD, LD, LD, LD, LD, LD, LD, LD, ST, CO, SH, B,  SP,
    /* 0x10 */ SP, SP, SP, SP, SP, EX, EX, RE, EX, EX, RE, EX, RE, EX, RE, EX,
    /* 0x20 */ RE, EX, RE, B,  B,  B,  B,  B,  B,  B,  B,  B,  B,  B,  B,  B,
    /* 0x30 */ B,  B,  B,  B,  B,  B,  B,  B,  B,  B,  B,  B,  B,  B,  B,  B,
    /* 0x40 */ B,  B,  B,  B,  B,  B,  B,  B,  B,  B,  B,  B,  B,  U,  B,  B,
    /* 0x50 */ B,  B,  T,  TS, LL, LL, LL, LL, SL, SL, SL, SL, LD, LD, U,  U,
    /* 0x60 */ U,  U,  U,  TS, TS, B,  B,  U,  U,  U,  U,  SF, SF, SF, B,  B,
    /* 0x70 */ B,  B,  B,  B,  U,  U,  B,  B,  B,  B,  U,  B,  U,  U,  U,  U,
    /* 0x80 */ U,  U,  B,  TS, TS, B,  B,  U,  U,  U,  U,  SF, SF, SF, B,  B,
    /* 0x90 */ B,  B,  B,  B,  U,  B,  B,  B,  B,  B,  NO, B,  B,  B,  B,  B,
    /* 0xA0 */ U,  U,  NO, TS, TS, NO, NO, U,  U,  U,  U,  SF, SF, SF, B,  NO,
    /* 0xB0 */ NO, B,  NO, NO, NO, B,  B,  B,  B,  B,  B,  NO, B,  B,  B,  B,
    /* 0xC0 */ U,  U,  NO, TS, TS, NO, NO, U,  U,  U,  U,  SF, SF, SF, B,  NO,
    /* 0xD0 */ NO, B,  NO, NO, NO, B,  B,  B,  B,  B,  B,  B,  B,  B,  B,  B,
    /* 0xE0 */ U,  U,  NO, U,  B,  B,  B,  B,  B,  B,  B,  B,  U,  U,  NO, U,
    /* 0xF0 */ B,  B,  B,  B,  B,  B,  B,  B,  U,  U,  U,  U,  U,  U,  U,  U,
};

weft_simd_class_t weft__simd_class(uint32_t op)
{
    return op < 256 ? (weft_simd_class_t)simd_class_table[op] : WEFT_SIMD_INVALID;
}

uint32_t weft__simd_mem_bytes(uint32_t op)
{
    switch (op) {
    case 0x00: /* v128.load */
    case 0x0B: /* v128.store */
        return 16;
    case 0x01: case 0x02: case 0x03: case 0x04: case 0x05: case 0x06: /* load8x8 .. load32x2 */
    case 0x0A: /* v128.load64_splat */
    case 0x57: case 0x5B: /* load64_lane, store64_lane */
    case 0x5D: /* v128.load64_zero */
        return 8;
    case 0x09: case 0x56: case 0x5A: case 0x5C: /* load32_splat, load32/store32_lane, load32_zero */
        return 4;
    case 0x08: case 0x55: case 0x59: /* load16_splat, load16_lane, store16_lane */
        return 2;
    case 0x07: case 0x54: case 0x58: /* load8_splat, load8_lane, store8_lane */
        return 1;
    default:
        return 0;
    }
}

uint32_t weft__simd_lane_count(uint32_t op)
{
    switch (op) {
    case 0x15: case 0x16: case 0x17: case 0x54: case 0x58:
        return 16;
    case 0x18: case 0x19: case 0x1A: case 0x55: case 0x59:
        return 8;
    case 0x1B: case 0x1C: case 0x1F: case 0x20: case 0x56: case 0x5A:
        return 4;
    case 0x1D: case 0x1E: case 0x21: case 0x22: case 0x57: case 0x5B:
        return 2;
    default:
        return 0;
    }
}

uint32_t weft__simd_scalar_type(uint32_t op)
{
    switch (op) {
    case 0x0F: case 0x10: case 0x11:                         /* i8x16/i16x8/i32x4.splat */
    case 0x15: case 0x16: case 0x17: case 0x18: case 0x19: /* i8x16/i16x8 lanes */
    case 0x1A: case 0x1B: case 0x1C:                         /* i32x4 lanes */
        return 0x7F;
    case 0x12: case 0x1D: case 0x1E:
        return 0x7E;
    case 0x13: case 0x1F: case 0x20:
        return 0x7D;
    case 0x14: case 0x21: case 0x22:
        return 0x7C;
    default:
        return 0;
    }
}

/* ---- splat / lanes / shuffle (4.4.3.2-4.4.3.7) ------------------------------------------ */

/* Byte width of the lanes of a splat/extract/replace/lane-memory op. */
static uint32_t lane_bytes(uint32_t op)
{
    switch (op) {
    case 0x0F: return 1;
    case 0x10: return 2;
    case 0x11: case 0x13: return 4;
    case 0x12: case 0x14: return 8;
    default: {
        uint32_t n = weft__simd_lane_count(op);
        return n ? 16 / n : 0;
    }
    }
}

void weft__simd_splat(uint32_t op, uint8_t r[16], uint64_t scalar)
{
    uint32_t w = lane_bytes(op);
    uint8_t bytes[8];
    if (w == 0) {
        memset(r, 0, 16);
        return;
    }
    /* The scalar's low `w` bytes, in little-endian order, repeated 16/w times. */
    for (uint32_t i = 0; i < 8; i++) bytes[i] = (uint8_t)(scalar >> (8 * i));
    for (uint32_t i = 0; i < 16; i += w) memcpy(r + i, bytes, w);
}

uint64_t weft__simd_extract_lane(uint32_t op, const uint8_t a[16], uint32_t lane)
{
    uint32_t n = weft__simd_lane_count(op);
    if (n == 0) return 0;
    lane &= n - 1; /* validated already; masking keeps a bad immediate in bounds */
    switch (op) {
    case 0x15: { /* i8x16.extract_lane_s: sign-extended to i32 */
        int8_t v;
        memcpy(&v, a + lane, 1);
        return (uint32_t)(int32_t)v;
    }
    case 0x16:
        return a[lane];
    case 0x18: {
        int16_t v;
        memcpy(&v, a + 2 * lane, 2);
        return (uint32_t)(int32_t)v;
    }
    case 0x19: {
        uint16_t v;
        memcpy(&v, a + 2 * lane, 2);
        return v;
    }
    case 0x1B: case 0x1F: {
        uint32_t v;
        memcpy(&v, a + 4 * lane, 4);
        return v;
    }
    default: { /* 0x1D, 0x21 */
        uint64_t v;
        memcpy(&v, a + 8 * lane, 8);
        return v;
    }
    }
}

void weft__simd_replace_lane(uint32_t op, uint8_t r[16], const uint8_t a[16], uint32_t lane,
                             uint64_t scalar)
{
    uint32_t n = weft__simd_lane_count(op);
    uint32_t w = n ? 16 / n : 0;
    uint8_t tmp[16], bytes[8];
    memcpy(tmp, a, 16);
    if (w) {
        lane &= n - 1;
        for (uint32_t i = 0; i < 8; i++) bytes[i] = (uint8_t)(scalar >> (8 * i));
        memcpy(tmp + w * lane, bytes, w);
    }
    memcpy(r, tmp, 16);
}

void weft__simd_shuffle(uint8_t r[16], const uint8_t a[16], const uint8_t b[16],
                        const uint8_t lanes[16])
{
    uint8_t ab[32], tmp[16];
    memcpy(ab, a, 16);
    memcpy(ab + 16, b, 16);
    for (int i = 0; i < 16; i++) tmp[i] = ab[lanes[i] & 31];
    memcpy(r, tmp, 16);
}

/* ---- memory (4.4.7: v128.loadMxN, loadN_splat, loadN_zero, loadN_lane, storeN_lane) ------ */

void weft__simd_load(uint32_t op, uint8_t r[16], const uint8_t *src, const uint8_t a[16],
                     uint32_t lane)
{
    uint8_t tmp[16];
    switch (op) {
    case 0x01: case 0x02: { /* load8x8_s/u: 8 bytes widened to i16 lanes */
        for (int i = 0; i < 8; i++) {
            uint16_t v = src[i];
            if (op == 0x01 && (v & 0x80)) v |= 0xFF00;
            memcpy(tmp + 2 * i, &v, 2);
        }
        break;
    }
    case 0x03: case 0x04: {
        for (int i = 0; i < 4; i++) {
            uint16_t h;
            memcpy(&h, src + 2 * i, 2);
            uint32_t v = h;
            if (op == 0x03 && (v & 0x8000)) v |= 0xFFFF0000u;
            memcpy(tmp + 4 * i, &v, 4);
        }
        break;
    }
    case 0x05: case 0x06: {
        for (int i = 0; i < 2; i++) {
            uint32_t h;
            memcpy(&h, src + 4 * i, 4);
            uint64_t v = h;
            if (op == 0x05 && (v & 0x80000000u)) v |= 0xFFFFFFFF00000000u;
            memcpy(tmp + 8 * i, &v, 8);
        }
        break;
    }
    case 0x07: case 0x08: case 0x09: case 0x0A: { /* loadN_splat */
        uint32_t w = weft__simd_mem_bytes(op);
        for (uint32_t i = 0; i < 16; i += w) memcpy(tmp + i, src, w);
        break;
    }
    case 0x5C: case 0x5D: { /* loadN_zero */
        memset(tmp, 0, 16);
        memcpy(tmp, src, weft__simd_mem_bytes(op));
        break;
    }
    case 0x54: case 0x55: case 0x56: case 0x57: { /* loadN_lane */
        uint32_t w = weft__simd_mem_bytes(op);
        memcpy(tmp, a, 16);
        memcpy(tmp + w * (lane & (16 / w - 1)), src, w);
        break;
    }
    case 0x00:
        memcpy(tmp, src, 16);
        break;
    default:
        memset(tmp, 0, 16);
        break;
    }
    memcpy(r, tmp, 16);
}

void weft__simd_store_lane(uint32_t op, uint8_t *dst, const uint8_t a[16], uint32_t lane)
{
    uint32_t w = weft__simd_mem_bytes(op);
    if (w == 0 || w == 16) {
        if (w == 16) memcpy(dst, a, 16);
        return;
    }
    memcpy(dst, a + w * (lane & (16 / w - 1)), w);
}

/* ---- shifts (4.3.2 ishl/ishr_s/ishr_u; the count is taken modulo the lane width) -------- */

/* Arithmetic right shift without relying on implementation-defined `>>` of negatives. */
static inline int32_t sar32(int32_t x, unsigned n)
{
    return x < 0 ? ~(~x >> n) : x >> n;
}
static inline int64_t sar64(int64_t x, unsigned n)
{
    return x < 0 ? ~(~x >> n) : x >> n;
}

void weft__simd_shift(uint32_t op, uint8_t r[16], const uint8_t a[16], uint32_t count)
{
    switch (op) {
    case 0x6B: case 0x6C: case 0x6D: {
        unsigned s = count & 7;
        uint8_t u[16];
        int8_t v[16];
        memcpy(u, a, 16);
        memcpy(v, a, 16);
        if (op == 0x6B)
            for (int i = 0; i < 16; i++) u[i] = (uint8_t)(u[i] << s);
        else if (op == 0x6C)
            for (int i = 0; i < 16; i++) u[i] = (uint8_t)sar32(v[i], s);
        else
            for (int i = 0; i < 16; i++) u[i] = (uint8_t)(u[i] >> s);
        memcpy(r, u, 16);
        return;
    }
    case 0x8B: case 0x8C: case 0x8D: {
        unsigned s = count & 15;
        uint16_t u[8];
        int16_t v[8];
        memcpy(u, a, 16);
        memcpy(v, a, 16);
        if (op == 0x8B)
            for (int i = 0; i < 8; i++) u[i] = (uint16_t)(u[i] << s);
        else if (op == 0x8C)
            for (int i = 0; i < 8; i++) u[i] = (uint16_t)sar32(v[i], s);
        else
            for (int i = 0; i < 8; i++) u[i] = (uint16_t)(u[i] >> s);
        memcpy(r, u, 16);
        return;
    }
    case 0xAB: case 0xAC: case 0xAD: {
        unsigned s = count & 31;
        uint32_t u[4];
        int32_t v[4];
        memcpy(u, a, 16);
        memcpy(v, a, 16);
        if (op == 0xAB)
            for (int i = 0; i < 4; i++) u[i] <<= s;
        else if (op == 0xAC)
            for (int i = 0; i < 4; i++) u[i] = (uint32_t)sar32(v[i], s);
        else
            for (int i = 0; i < 4; i++) u[i] >>= s;
        memcpy(r, u, 16);
        return;
    }
    case 0xCB: case 0xCC: case 0xCD: {
        unsigned s = count & 63;
        uint64_t u[2];
        int64_t v[2];
        memcpy(u, a, 16);
        memcpy(v, a, 16);
        if (op == 0xCB)
            for (int i = 0; i < 2; i++) u[i] <<= s;
        else if (op == 0xCC)
            for (int i = 0; i < 2; i++) u[i] = (uint64_t)sar64(v[i], s);
        else
            for (int i = 0; i < 2; i++) u[i] >>= s;
        memcpy(r, u, 16);
        return;
    }
    default:
        memcpy(r, a, 16);
        return;
    }
}

/* ---- bitselect, any_true, all_true, bitmask (4.4.3.1, 4.4.3.10-12) ----------------------- */

void weft__simd_ternop(uint32_t op, uint8_t r[16], const uint8_t a[16], const uint8_t b[16],
                       const uint8_t c[16])
{
    uint64_t x[2], y[2], m[2];
    (void)op; /* v128.bitselect (0x52) is the only ternary operator */
    memcpy(x, a, 16);
    memcpy(y, b, 16);
    memcpy(m, c, 16);
    for (int i = 0; i < 2; i++) x[i] = (x[i] & m[i]) | (y[i] & ~m[i]);
    memcpy(r, x, 16);
}

int32_t weft__simd_test(uint32_t op, const uint8_t a[16])
{
    switch (op) {
    case 0x53: { /* v128.any_true */
        uint64_t x[2];
        memcpy(x, a, 16);
        return (x[0] | x[1]) != 0;
    }
    case 0x63: { /* i8x16.all_true */
        for (int i = 0; i < 16; i++)
            if (a[i] == 0) return 0;
        return 1;
    }
    case 0x83: {
        uint16_t v[8];
        memcpy(v, a, 16);
        for (int i = 0; i < 8; i++)
            if (v[i] == 0) return 0;
        return 1;
    }
    case 0xA3: {
        uint32_t v[4];
        memcpy(v, a, 16);
        for (int i = 0; i < 4; i++)
            if (v[i] == 0) return 0;
        return 1;
    }
    case 0xC3: {
        uint64_t v[2];
        memcpy(v, a, 16);
        return v[0] != 0 && v[1] != 0;
    }
    case 0x64: { /* i8x16.bitmask: bit i is the sign of lane i */
        uint32_t m = 0;
        for (int i = 0; i < 16; i++) m |= (uint32_t)(a[i] >> 7) << i;
        return (int32_t)m;
    }
    case 0x84: {
        uint16_t v[8];
        uint32_t m = 0;
        memcpy(v, a, 16);
        for (int i = 0; i < 8; i++) m |= (uint32_t)(v[i] >> 15) << i;
        return (int32_t)m;
    }
    case 0xA4: {
        uint32_t v[4], m = 0;
        memcpy(v, a, 16);
        for (int i = 0; i < 4; i++) m |= (v[i] >> 31) << i;
        return (int32_t)m;
    }
    case 0xC4: {
        uint64_t v[2];
        memcpy(v, a, 16);
        return (int32_t)((v[0] >> 63) | ((v[1] >> 63) << 1));
    }
    default:
        return 0;
    }
}
