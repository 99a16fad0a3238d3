/* simd.h - the lane semantics of the 128-bit SIMD instructions (Wasm core spec 4.4.3 Vector
 * Instructions), as plain functions the interpreter calls. `op` is the u32 sub-opcode that
 * follows the 0xFD prefix. Vectors are 16 bytes in little-endian lane order; pointers may alias
 * (r == a is allowed). These functions never trap; memory access is done by the caller. */
#ifndef WEFT_CORE_SIMD_H
#define WEFT_CORE_SIMD_H

#include <stdbool.h>
#include <stdint.h>

typedef enum weft_simd_class {
    WEFT_SIMD_INVALID = 0,
    WEFT_SIMD_LOAD,         /* v128.load, load8x8_s..load32x2_u, loadN_splat, load32/64_zero */
    WEFT_SIMD_STORE,        /* v128.store */
    WEFT_SIMD_LOAD_LANE,    /* v128.loadN_lane (memarg + lane) */
    WEFT_SIMD_STORE_LANE,   /* v128.storeN_lane (memarg + lane) */
    WEFT_SIMD_CONST,        /* v128.const (16 bytes) */
    WEFT_SIMD_SHUFFLE,      /* i8x16.shuffle (16 lane bytes) */
    WEFT_SIMD_EXTRACT_LANE, /* v128 -> scalar, lane immediate */
    WEFT_SIMD_REPLACE_LANE, /* v128, scalar -> v128, lane immediate */
    WEFT_SIMD_SPLAT,        /* scalar -> v128 */
    WEFT_SIMD_UNOP,         /* v128 -> v128 */
    WEFT_SIMD_BINOP,        /* v128, v128 -> v128 */
    WEFT_SIMD_TERNOP,       /* v128, v128, v128 -> v128 (bitselect) */
    WEFT_SIMD_SHIFT,        /* v128, i32 -> v128 */
    WEFT_SIMD_TEST,         /* v128 -> i32 (any_true, all_true, bitmask) */
} weft_simd_class_t;

/* Operand-stack effect of each class (Wasm core spec 3.3.3, validation of vector instructions);
 * "addr" is the memory's address type (i32 for 32-bit memories), popped first-pushed-first:
 *   LOAD          [addr] -> [v128]          memarg
 *   STORE         [addr v128] -> []         memarg
 *   LOAD_LANE     [addr v128] -> [v128]     memarg, lane < weft__simd_lane_count(op)
 *   STORE_LANE    [addr v128] -> []         memarg, lane < weft__simd_lane_count(op)
 *   CONST         [] -> [v128]              16 immediate bytes
 *   SHUFFLE       [v128 v128] -> [v128]     16 lane bytes, each < 32
 *   EXTRACT_LANE  [v128] -> [t]             lane; t = weft__simd_scalar_type(op)
 *   REPLACE_LANE  [v128 t] -> [v128]        lane; t = weft__simd_scalar_type(op)
 *   SPLAT         [t] -> [v128]             t = weft__simd_scalar_type(op)
 *   UNOP          [v128] -> [v128]
 *   BINOP         [v128 v128] -> [v128]     (includes i8x16.swizzle, narrow, extmul, dot)
 *   TERNOP        [v128 v128 v128] -> [v128]
 *   SHIFT         [v128 i32] -> [v128]
 *   TEST          [v128] -> [i32]
 * The memarg alignment exponent must be <= log2(weft__simd_mem_bytes(op)). Sub-opcodes above
 * 0xFF and the unassigned numbers inside 0x00..0xFF classify as WEFT_SIMD_INVALID, with 0 from
 * the three queries below. weft__simd_extract_lane returns i32 results (extract_lane_s/_u,
 * i32x4 and f32x4 lanes) zero-extended in the low 32 bits. */

/* Classifies a Wasm 2.0 SIMD sub-opcode; WEFT_SIMD_INVALID for unknown ones. */
weft_simd_class_t weft__simd_class(uint32_t op);
/* For loads/stores: the number of bytes accessed in memory (16, 8, 4, 2 or 1) and the
 * maximum alignment exponent the validator allows (log2 of that natural size). */
uint32_t weft__simd_mem_bytes(uint32_t op);
/* For lane ops (extract/replace/load_lane/store_lane): the lane count (16, 8, 4, 2). */
uint32_t weft__simd_lane_count(uint32_t op);
/* The scalar value type involved (0x7F i32, 0x7E i64, 0x7D f32, 0x7C f64) for splat, extract
 * and replace lane; 0 for others. */
uint32_t weft__simd_scalar_type(uint32_t op);

void weft__simd_unop(uint32_t op, uint8_t r[16], const uint8_t a[16]);
void weft__simd_binop(uint32_t op, uint8_t r[16], const uint8_t a[16], const uint8_t b[16]);
void weft__simd_ternop(uint32_t op, uint8_t r[16], const uint8_t a[16], const uint8_t b[16],
                       const uint8_t c[16]);
void weft__simd_shift(uint32_t op, uint8_t r[16], const uint8_t a[16], uint32_t count);
int32_t weft__simd_test(uint32_t op, const uint8_t a[16]);
/* `scalar` holds the value's bits in the low bits (i32/f32 in the low 32). */
void weft__simd_splat(uint32_t op, uint8_t r[16], uint64_t scalar);
uint64_t weft__simd_extract_lane(uint32_t op, const uint8_t a[16], uint32_t lane);
void weft__simd_replace_lane(uint32_t op, uint8_t r[16], const uint8_t a[16], uint32_t lane,
                             uint64_t scalar);
void weft__simd_shuffle(uint8_t r[16], const uint8_t a[16], const uint8_t b[16],
                        const uint8_t lanes[16]);
/* Builds the loaded vector from `src`, which holds weft__simd_mem_bytes(op) bytes read from
 * memory (for load_lane, `a` is the input vector and `lane` the lane; otherwise ignored). */
void weft__simd_load(uint32_t op, uint8_t r[16], const uint8_t *src, const uint8_t a[16],
                     uint32_t lane);
/* For store_lane: copies the lane's bytes into dst (weft__simd_mem_bytes(op) bytes). */
void weft__simd_store_lane(uint32_t op, uint8_t *dst, const uint8_t a[16], uint32_t lane);

#endif
