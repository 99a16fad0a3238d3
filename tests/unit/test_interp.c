/* test_interp.c - unit tests of the compiler and interpreter (Wasm core spec chapter 4,
 * Execution): integer and float edge cases, traps with their codes and backtraces, deep
 * recursion stopped by the engine's limits, host functions, reentrancy and misuse of the call
 * API. The embedded module was produced once with `wat2wasm --debug-names` from the WAT text in
 * the comment above it; the test needs no external tool.
 *
 * Every scenario runs on an engine with a counting allocator: once store, module and engine are
 * deleted, no block may remain. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "weft.h"

static int failures;
static int checks;

#define CHECK(cond)                                                                        \
    do {                                                                                   \
        checks++;                                                                          \
        if (!(cond)) {                                                                     \
            failures++;                                                                    \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);      \
        }                                                                                  \
    } while (0)

typedef struct counter {
    long long live_blocks;
} counter_t;

static void *count_alloc(void *ud, void *ptr, size_t old_size, size_t new_size)
{
    counter_t *c = ud;
    (void)old_size;
    if (new_size == 0) {
        if (ptr) c->live_blocks--;
        free(ptr);
        return NULL;
    }
    void *p = realloc(ptr, new_size);
    if (p && !ptr) c->live_blocks++;
    return p;
}

/*
(module
  (import "env" "add" (func $hadd (param i32 i32) (result i32)))
  (import "env" "fail" (func $hfail))
  (import "env" "reenter" (func $hre (param i32) (result i32)))
  (memory (export "mem") 1)
  (data (i32.const 4) "\78\56\34\12")
  (func (export "div_s") (param i32 i32) (result i32) (i32.div_s (local.get 0) (local.get 1)))
  (func (export "rem_s") (param i32 i32) (result i32) (i32.rem_s (local.get 0) (local.get 1)))
  (func (export "div_u64") (param i64 i64) (result i64) (i64.div_u (local.get 0) (local.get 1)))
  (func (export "shl") (param i32 i32) (result i32) (i32.shl (local.get 0) (local.get 1)))
  (func (export "shr_s64") (param i64 i64) (result i64) (i64.shr_s (local.get 0) (local.get 1)))
  (func (export "rotl") (param i32 i32) (result i32) (i32.rotl (local.get 0) (local.get 1)))
  (func (export "clz") (param i32) (result i32) (i32.clz (local.get 0)))
  (func (export "ctz64") (param i64) (result i64) (i64.ctz (local.get 0)))
  (func (export "popcnt") (param i32) (result i32) (i32.popcnt (local.get 0)))
  (func (export "ext8") (param i32) (result i32) (i32.extend8_s (local.get 0)))
  (func (export "i64_lt_k") (param i64) (result i32) (i64.lt_s (local.get 0) (i64.const 5)))
  (func (export "i64_ge_u_br") (param i64) (result i32)
    (if (result i32) (i64.ge_u (local.get 0) (i64.const -1)) (then (i32.const 1)) (else (i32.const 0))))
  (func (export "sub_k") (param i32) (result i32) (i32.sub (i32.const 10) (local.get 0)))
  (func (export "lt_k_left") (param i32) (result i32) (i32.lt_s (i32.const 10) (local.get 0)))
  (func (export "trunc") (param f64) (result i32) (i32.trunc_f64_s (local.get 0)))
  (func (export "trunc_u") (param f32) (result i32) (i32.trunc_f32_u (local.get 0)))
  (func (export "trunc_sat") (param f64) (result i64) (i64.trunc_sat_f64_u (local.get 0)))
  (func (export "nearest") (param f64) (result f64) (f64.nearest (local.get 0)))
  (func (export "fmin") (param f32 f32) (result f32) (f32.min (local.get 0) (local.get 1)))
  (func (export "fmax") (param f64 f64) (result f64) (f64.max (local.get 0) (local.get 1)))
  (func (export "neg") (param f32) (result f32) (f32.neg (local.get 0)))
  (func (export "load") (param i32) (result i32) (i32.load offset=4 (local.get 0)))
  (func (export "load8_s") (param i32) (result i64) (i64.load8_s offset=4 (local.get 0)))
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
  (func (export "size") (result i32) (memory.size))
  (func $fib (export "fib") (param i32) (result i32)
    (if (result i32) (i32.lt_u (local.get 0) (i32.const 2))
      (then (local.get 0))
      (else (i32.add (call $fib (i32.sub (local.get 0) (i32.const 1)))
                     (call $fib (i32.sub (local.get 0) (i32.const 2)))))))
  (func $deep (export "deep") (param i32) (result i32)
    (i32.add (call $deep (i32.add (local.get 0) (i32.const 1))) (i32.const 1)))
  (func $inner (unreachable))
  (func $middle (call $inner))
  (func (export "trap_nested") (call $middle))
  (func (export "call_add") (param i32 i32) (result i32)
    (i32.add (call $hadd (local.get 0) (local.get 1)) (i32.const 1)))
  (func (export "call_fail") (call $hfail))
  (func (export "call_reenter") (param i32) (result i32) (call $hre (local.get 0)))
  (func (export "multi") (param i32 i64) (result i64 i32) (local.get 1) (local.get 0))
  (func (export "swap_locals") (param i32 i32) (result i32)
    ;; local.get of a local that is overwritten while the read is still pending
    (local.get 0) (local.get 1) (local.set 0) (local.get 0) (i32.sub))
  (func (export "sum") (param i32) (result i32) (local i32)
    (block (loop
      (br_if 1 (i32.eqz (local.get 0)))
      (local.set 1 (i32.add (local.get 1) (local.get 0)))
      (local.set 0 (i32.sub (local.get 0) (i32.const 1)))
      (br 0)))
    (local.get 1))
  (func (export "switch") (param i32) (result i32)
    (block (result i32) (block (block (block
      (br_table 0 1 2 (local.get 0)))
      (br 2 (i32.const 100)))
      (br 1 (i32.const 101)))
      (i32.const 102)))
  (func (export "br_value") (param i32) (result i32)
    (block (result i32)
      (drop (br_if 0 (i32.const 7) (local.get 0)))
      (i32.const 8)))
  (func (export "load_wrap") (param i32) (result i32)
    ;; the folded address add must wrap at 32 bits before the offset is added
    (i32.load (i32.add (local.get 0) (i32.const 8))))
  (func (export "store_consts") (param i32)
    (i32.store8 offset=1 (i32.add (local.get 0) (i32.const 2)) (i32.const -1))
    (i64.store offset=8 (local.get 0) (i64.const 0x123456789))
    (i64.store offset=16 (local.get 0) (i64.const -2)))
  (func (export "load64") (param i32) (result i64) (i64.load (local.get 0)))
  (func (export "shladd") (param i32 i32) (result i32)
    (i32.add (local.get 1) (i32.shl (local.get 0) (i32.const 2))))
  (func (export "rotl_k") (param i32) (result i32) (i32.rotl (local.get 0) (i32.const 36)))
  (func (export "flag") (param i32) (result i32)
    (block (br_if 0 (i32.and (local.get 0) (i32.const 6))) (return (i32.const 10)))
    (if (result i32) (i32.and (local.get 0) (i32.const 4)) (then (i32.const 1)) (else (i32.const 2))))
)
*/
static const uint8_t interp_wasm[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x58, 0x11, 0x60, 0x02, 0x7f, 0x7f, 0x01,
    0x7f, 0x60, 0x00, 0x00, 0x60, 0x01, 0x7f, 0x01, 0x7f, 0x60, 0x02, 0x7e, 0x7e, 0x01, 0x7e, 0x60,
    0x01, 0x7e, 0x01, 0x7e, 0x60, 0x01, 0x7e, 0x01, 0x7f, 0x60, 0x01, 0x7c, 0x01, 0x7f, 0x60, 0x01,
    0x7d, 0x01, 0x7f, 0x60, 0x01, 0x7c, 0x01, 0x7e, 0x60, 0x01, 0x7c, 0x01, 0x7c, 0x60, 0x02, 0x7d,
    0x7d, 0x01, 0x7d, 0x60, 0x02, 0x7c, 0x7c, 0x01, 0x7c, 0x60, 0x01, 0x7d, 0x01, 0x7d, 0x60, 0x01,
    0x7f, 0x01, 0x7e, 0x60, 0x00, 0x01, 0x7f, 0x60, 0x02, 0x7f, 0x7e, 0x02, 0x7e, 0x7f, 0x60, 0x01,
    0x7f, 0x00, 0x02, 0x24, 0x03, 0x03, 0x65, 0x6e, 0x76, 0x03, 0x61, 0x64, 0x64, 0x00, 0x00, 0x03,
    0x65, 0x6e, 0x76, 0x04, 0x66, 0x61, 0x69, 0x6c, 0x00, 0x01, 0x03, 0x65, 0x6e, 0x76, 0x07, 0x72,
    0x65, 0x65, 0x6e, 0x74, 0x65, 0x72, 0x00, 0x02, 0x03, 0x2d, 0x2c, 0x00, 0x00, 0x03, 0x00, 0x03,
    0x00, 0x02, 0x04, 0x02, 0x02, 0x05, 0x05, 0x02, 0x02, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c,
    0x02, 0x0d, 0x02, 0x0e, 0x02, 0x02, 0x01, 0x01, 0x01, 0x00, 0x01, 0x02, 0x0f, 0x00, 0x02, 0x02,
    0x02, 0x02, 0x10, 0x0d, 0x00, 0x02, 0x02, 0x05, 0x03, 0x01, 0x00, 0x01, 0x07, 0x8c, 0x03, 0x2b,
    0x03, 0x6d, 0x65, 0x6d, 0x02, 0x00, 0x05, 0x64, 0x69, 0x76, 0x5f, 0x73, 0x00, 0x03, 0x05, 0x72,
    0x65, 0x6d, 0x5f, 0x73, 0x00, 0x04, 0x07, 0x64, 0x69, 0x76, 0x5f, 0x75, 0x36, 0x34, 0x00, 0x05,
    0x03, 0x73, 0x68, 0x6c, 0x00, 0x06, 0x07, 0x73, 0x68, 0x72, 0x5f, 0x73, 0x36, 0x34, 0x00, 0x07,
    0x04, 0x72, 0x6f, 0x74, 0x6c, 0x00, 0x08, 0x03, 0x63, 0x6c, 0x7a, 0x00, 0x09, 0x05, 0x63, 0x74,
    0x7a, 0x36, 0x34, 0x00, 0x0a, 0x06, 0x70, 0x6f, 0x70, 0x63, 0x6e, 0x74, 0x00, 0x0b, 0x04, 0x65,
    0x78, 0x74, 0x38, 0x00, 0x0c, 0x08, 0x69, 0x36, 0x34, 0x5f, 0x6c, 0x74, 0x5f, 0x6b, 0x00, 0x0d,
    0x0b, 0x69, 0x36, 0x34, 0x5f, 0x67, 0x65, 0x5f, 0x75, 0x5f, 0x62, 0x72, 0x00, 0x0e, 0x05, 0x73,
    0x75, 0x62, 0x5f, 0x6b, 0x00, 0x0f, 0x09, 0x6c, 0x74, 0x5f, 0x6b, 0x5f, 0x6c, 0x65, 0x66, 0x74,
    0x00, 0x10, 0x05, 0x74, 0x72, 0x75, 0x6e, 0x63, 0x00, 0x11, 0x07, 0x74, 0x72, 0x75, 0x6e, 0x63,
    0x5f, 0x75, 0x00, 0x12, 0x09, 0x74, 0x72, 0x75, 0x6e, 0x63, 0x5f, 0x73, 0x61, 0x74, 0x00, 0x13,
    0x07, 0x6e, 0x65, 0x61, 0x72, 0x65, 0x73, 0x74, 0x00, 0x14, 0x04, 0x66, 0x6d, 0x69, 0x6e, 0x00,
    0x15, 0x04, 0x66, 0x6d, 0x61, 0x78, 0x00, 0x16, 0x03, 0x6e, 0x65, 0x67, 0x00, 0x17, 0x04, 0x6c,
    0x6f, 0x61, 0x64, 0x00, 0x18, 0x07, 0x6c, 0x6f, 0x61, 0x64, 0x38, 0x5f, 0x73, 0x00, 0x19, 0x04,
    0x67, 0x72, 0x6f, 0x77, 0x00, 0x1a, 0x04, 0x73, 0x69, 0x7a, 0x65, 0x00, 0x1b, 0x03, 0x66, 0x69,
    0x62, 0x00, 0x1c, 0x04, 0x64, 0x65, 0x65, 0x70, 0x00, 0x1d, 0x0b, 0x74, 0x72, 0x61, 0x70, 0x5f,
    0x6e, 0x65, 0x73, 0x74, 0x65, 0x64, 0x00, 0x20, 0x08, 0x63, 0x61, 0x6c, 0x6c, 0x5f, 0x61, 0x64,
    0x64, 0x00, 0x21, 0x09, 0x63, 0x61, 0x6c, 0x6c, 0x5f, 0x66, 0x61, 0x69, 0x6c, 0x00, 0x22, 0x0c,
    0x63, 0x61, 0x6c, 0x6c, 0x5f, 0x72, 0x65, 0x65, 0x6e, 0x74, 0x65, 0x72, 0x00, 0x23, 0x05, 0x6d,
    0x75, 0x6c, 0x74, 0x69, 0x00, 0x24, 0x0b, 0x73, 0x77, 0x61, 0x70, 0x5f, 0x6c, 0x6f, 0x63, 0x61,
    0x6c, 0x73, 0x00, 0x25, 0x03, 0x73, 0x75, 0x6d, 0x00, 0x26, 0x06, 0x73, 0x77, 0x69, 0x74, 0x63,
    0x68, 0x00, 0x27, 0x08, 0x62, 0x72, 0x5f, 0x76, 0x61, 0x6c, 0x75, 0x65, 0x00, 0x28, 0x09, 0x6c,
    0x6f, 0x61, 0x64, 0x5f, 0x77, 0x72, 0x61, 0x70, 0x00, 0x29, 0x0c, 0x73, 0x74, 0x6f, 0x72, 0x65,
    0x5f, 0x63, 0x6f, 0x6e, 0x73, 0x74, 0x73, 0x00, 0x2a, 0x06, 0x6c, 0x6f, 0x61, 0x64, 0x36, 0x34,
    0x00, 0x2b, 0x06, 0x73, 0x68, 0x6c, 0x61, 0x64, 0x64, 0x00, 0x2c, 0x06, 0x72, 0x6f, 0x74, 0x6c,
    0x5f, 0x6b, 0x00, 0x2d, 0x04, 0x66, 0x6c, 0x61, 0x67, 0x00, 0x2e, 0x0a, 0xd5, 0x03, 0x2c, 0x07,
    0x00, 0x20, 0x00, 0x20, 0x01, 0x6d, 0x0b, 0x07, 0x00, 0x20, 0x00, 0x20, 0x01, 0x6f, 0x0b, 0x07,
    0x00, 0x20, 0x00, 0x20, 0x01, 0x80, 0x0b, 0x07, 0x00, 0x20, 0x00, 0x20, 0x01, 0x74, 0x0b, 0x07,
    0x00, 0x20, 0x00, 0x20, 0x01, 0x87, 0x0b, 0x07, 0x00, 0x20, 0x00, 0x20, 0x01, 0x77, 0x0b, 0x05,
    0x00, 0x20, 0x00, 0x67, 0x0b, 0x05, 0x00, 0x20, 0x00, 0x7a, 0x0b, 0x05, 0x00, 0x20, 0x00, 0x69,
    0x0b, 0x05, 0x00, 0x20, 0x00, 0xc0, 0x0b, 0x07, 0x00, 0x20, 0x00, 0x42, 0x05, 0x53, 0x0b, 0x0f,
    0x00, 0x20, 0x00, 0x42, 0x7f, 0x5a, 0x04, 0x7f, 0x41, 0x01, 0x05, 0x41, 0x00, 0x0b, 0x0b, 0x07,
    0x00, 0x41, 0x0a, 0x20, 0x00, 0x6b, 0x0b, 0x07, 0x00, 0x41, 0x0a, 0x20, 0x00, 0x48, 0x0b, 0x05,
    0x00, 0x20, 0x00, 0xaa, 0x0b, 0x05, 0x00, 0x20, 0x00, 0xa9, 0x0b, 0x06, 0x00, 0x20, 0x00, 0xfc,
    0x07, 0x0b, 0x05, 0x00, 0x20, 0x00, 0x9e, 0x0b, 0x07, 0x00, 0x20, 0x00, 0x20, 0x01, 0x96, 0x0b,
    0x07, 0x00, 0x20, 0x00, 0x20, 0x01, 0xa5, 0x0b, 0x05, 0x00, 0x20, 0x00, 0x8c, 0x0b, 0x07, 0x00,
    0x20, 0x00, 0x28, 0x02, 0x04, 0x0b, 0x07, 0x00, 0x20, 0x00, 0x30, 0x00, 0x04, 0x0b, 0x06, 0x00,
    0x20, 0x00, 0x40, 0x00, 0x0b, 0x04, 0x00, 0x3f, 0x00, 0x0b, 0x1c, 0x00, 0x20, 0x00, 0x41, 0x02,
    0x49, 0x04, 0x7f, 0x20, 0x00, 0x05, 0x20, 0x00, 0x41, 0x01, 0x6b, 0x10, 0x1c, 0x20, 0x00, 0x41,
    0x02, 0x6b, 0x10, 0x1c, 0x6a, 0x0b, 0x0b, 0x0c, 0x00, 0x20, 0x00, 0x41, 0x01, 0x6a, 0x10, 0x1d,
    0x41, 0x01, 0x6a, 0x0b, 0x03, 0x00, 0x00, 0x0b, 0x04, 0x00, 0x10, 0x1e, 0x0b, 0x04, 0x00, 0x10,
    0x1f, 0x0b, 0x0b, 0x00, 0x20, 0x00, 0x20, 0x01, 0x10, 0x00, 0x41, 0x01, 0x6a, 0x0b, 0x04, 0x00,
    0x10, 0x01, 0x0b, 0x06, 0x00, 0x20, 0x00, 0x10, 0x02, 0x0b, 0x06, 0x00, 0x20, 0x01, 0x20, 0x00,
    0x0b, 0x0b, 0x00, 0x20, 0x00, 0x20, 0x01, 0x21, 0x00, 0x20, 0x00, 0x6b, 0x0b, 0x21, 0x01, 0x01,
    0x7f, 0x02, 0x40, 0x03, 0x40, 0x20, 0x00, 0x45, 0x0d, 0x01, 0x20, 0x01, 0x20, 0x00, 0x6a, 0x21,
    0x01, 0x20, 0x00, 0x41, 0x01, 0x6b, 0x21, 0x00, 0x0c, 0x00, 0x0b, 0x0b, 0x20, 0x01, 0x0b, 0x22,
    0x00, 0x02, 0x7f, 0x02, 0x40, 0x02, 0x40, 0x02, 0x40, 0x20, 0x00, 0x0e, 0x02, 0x00, 0x01, 0x02,
    0x0b, 0x41, 0xe4, 0x00, 0x0c, 0x02, 0x0b, 0x41, 0xe5, 0x00, 0x0c, 0x01, 0x0b, 0x41, 0xe6, 0x00,
    0x0b, 0x0b, 0x0e, 0x00, 0x02, 0x7f, 0x41, 0x07, 0x20, 0x00, 0x0d, 0x00, 0x1a, 0x41, 0x08, 0x0b,
    0x0b, 0x0a, 0x00, 0x20, 0x00, 0x41, 0x08, 0x6a, 0x28, 0x02, 0x00, 0x0b, 0x1e, 0x00, 0x20, 0x00,
    0x41, 0x02, 0x6a, 0x41, 0x7f, 0x3a, 0x00, 0x01, 0x20, 0x00, 0x42, 0x89, 0xcf, 0x95, 0x9a, 0x12,
    0x37, 0x03, 0x08, 0x20, 0x00, 0x42, 0x7e, 0x37, 0x03, 0x10, 0x0b, 0x07, 0x00, 0x20, 0x00, 0x29,
    0x03, 0x00, 0x0b, 0x0a, 0x00, 0x20, 0x01, 0x20, 0x00, 0x41, 0x02, 0x74, 0x6a, 0x0b, 0x07, 0x00,
    0x20, 0x00, 0x41, 0x24, 0x77, 0x0b, 0x1c, 0x00, 0x02, 0x40, 0x20, 0x00, 0x41, 0x06, 0x71, 0x0d,
    0x00, 0x41, 0x0a, 0x0f, 0x0b, 0x20, 0x00, 0x41, 0x04, 0x71, 0x04, 0x7f, 0x41, 0x01, 0x05, 0x41,
    0x02, 0x0b, 0x0b, 0x0b, 0x0a, 0x01, 0x00, 0x41, 0x04, 0x0b, 0x04, 0x78, 0x56, 0x34, 0x12, 0x00,
    0x95, 0x01, 0x04, 0x6e, 0x61, 0x6d, 0x65, 0x01, 0x2d, 0x07, 0x00, 0x04, 0x68, 0x61, 0x64, 0x64,
    0x01, 0x05, 0x68, 0x66, 0x61, 0x69, 0x6c, 0x02, 0x03, 0x68, 0x72, 0x65, 0x1c, 0x03, 0x66, 0x69,
    0x62, 0x1d, 0x04, 0x64, 0x65, 0x65, 0x70, 0x1e, 0x05, 0x69, 0x6e, 0x6e, 0x65, 0x72, 0x1f, 0x06,
    0x6d, 0x69, 0x64, 0x64, 0x6c, 0x65, 0x02, 0x5f, 0x2f, 0x00, 0x00, 0x01, 0x00, 0x02, 0x00, 0x03,
    0x00, 0x04, 0x00, 0x05, 0x00, 0x06, 0x00, 0x07, 0x00, 0x08, 0x00, 0x09, 0x00, 0x0a, 0x00, 0x0b,
    0x00, 0x0c, 0x00, 0x0d, 0x00, 0x0e, 0x00, 0x0f, 0x00, 0x10, 0x00, 0x11, 0x00, 0x12, 0x00, 0x13,
    0x00, 0x14, 0x00, 0x15, 0x00, 0x16, 0x00, 0x17, 0x00, 0x18, 0x00, 0x19, 0x00, 0x1a, 0x00, 0x1b,
    0x00, 0x1c, 0x00, 0x1d, 0x00, 0x1e, 0x00, 0x1f, 0x00, 0x20, 0x00, 0x21, 0x00, 0x22, 0x00, 0x23,
    0x00, 0x24, 0x00, 0x25, 0x00, 0x26, 0x00, 0x27, 0x00, 0x28, 0x00, 0x29, 0x00, 0x2a, 0x00, 0x2b,
    0x00, 0x2c, 0x00, 0x2d, 0x00, 0x2e, 0x00,
};

/* ---- host functions ---- */

static weft_error_t *host_add(void *env, weft_caller_t *caller, const weft_val_t *args,
                              size_t nargs, weft_val_t *results, size_t nresults)
{
    int *count = env;
    (*count)++;
    CHECK(nargs == 2 && nresults == 1);
    CHECK(args[0].kind == WEFT_I32 && args[1].kind == WEFT_I32);
    CHECK(results[0].kind == WEFT_I32);
    CHECK(weft_caller_memory(caller, 0) != NULL);
    CHECK(weft_caller_memory(caller, 1) == NULL);
    results[0].of.i32 = args[0].of.i32 + args[1].of.i32;
    return NULL;
}

typedef struct fail_env {
    weft_alloc_fn alloc;
} fail_env_t;

static weft_error_t *host_fail(void *env, weft_caller_t *caller, const weft_val_t *args,
                               size_t nargs, weft_val_t *results, size_t nresults)
{
    (void)env;
    (void)args;
    (void)nargs;
    (void)results;
    (void)nresults;
    /* Reports a failure through the public API: calling a function with the wrong arity gives
     * an error the host returns as its own. */
    weft_extern_t ex;
    if (!weft_caller_export(caller, "fib", 3, &ex)) return NULL;
    return weft_func_call(weft_caller_store(caller), ex.of.func, NULL, 0, NULL, 0);
}

/* Calls back into the instance: fib(n) through the caller's export. */
static weft_error_t *host_reenter(void *env, weft_caller_t *caller, const weft_val_t *args,
                                  size_t nargs, weft_val_t *results, size_t nresults)
{
    (void)env;
    (void)nargs;
    (void)nresults;
    weft_extern_t ex;
    CHECK(weft_caller_export(caller, "fib", 3, &ex));
    CHECK(!weft_caller_export(caller, "nope", 4, &ex) || true);
    if (!weft_caller_export(caller, "fib", 3, &ex)) return NULL;
    weft_val_t r = {.kind = WEFT_I32};
    weft_error_t *e = weft_func_call(weft_caller_store(caller), ex.of.func, args, 1, &r, 1);
    if (e) return e;
    results[0].of.i32 = r.of.i32 + 1000;
    return NULL;
}

static weft_error_t *host_suspend(void *env, weft_caller_t *caller, const weft_val_t *args,
                                  size_t nargs, weft_val_t *results, size_t nresults)
{
    (void)env;
    (void)args;
    (void)nargs;
    (void)nresults;
    results[0].of.i32 = 0;
    weft_caller_suspend(caller);
    return NULL;
}

/* ---- fixture ---- */

typedef struct fixture {
    counter_t counter;
    weft_engine_t *engine;
    weft_store_t *store;
    weft_module_t *module;
    weft_instance_t *inst;
    int add_calls;
} fixture_t;

static bool setup(fixture_t *fx, uint32_t max_depth, uint64_t max_stack)
{
    memset(fx, 0, sizeof *fx);
    weft_config_t cfg;
    weft_config_init(&cfg);
    cfg.alloc = count_alloc;
    cfg.alloc_ud = &fx->counter;
    cfg.max_call_depth = max_depth;
    cfg.max_stack_bytes = max_stack;
    fx->engine = weft_engine_new(&cfg);
    if (!fx->engine) return false;
    fx->store = weft_store_new(fx->engine);
    weft_error_t *e = weft_module_new(fx->engine, interp_wasm, sizeof interp_wasm, &fx->module);
    if (e) {
        fprintf(stderr, "module: %s\n", weft_error_message(e));
        weft_error_delete(e);
        return false;
    }
    const weft_valkind_t ii[2] = {WEFT_I32, WEFT_I32};
    weft_extern_t imports[3];
    imports[0].kind = WEFT_EXTERN_FUNC;
    imports[0].of.func = weft_func_new(fx->store, ii, 2, ii, 1, host_add, &fx->add_calls, NULL);
    imports[1].kind = WEFT_EXTERN_FUNC;
    imports[1].of.func = weft_func_new(fx->store, NULL, 0, NULL, 0, host_fail, NULL, NULL);
    imports[2].kind = WEFT_EXTERN_FUNC;
    imports[2].of.func = weft_func_new(fx->store, ii, 1, ii, 1, host_reenter, NULL, NULL);
    e = weft_instance_new(fx->store, fx->module, imports, 3, &fx->inst);
    if (e) {
        fprintf(stderr, "instance: %s\n", weft_error_message(e));
        weft_error_delete(e);
        return false;
    }
    return true;
}

static void teardown(fixture_t *fx)
{
    weft_store_delete(fx->store);
    weft_module_delete(fx->module);
    weft_engine_delete(fx->engine);
    CHECK(fx->counter.live_blocks == 0);
}

static weft_func_t *export_func(fixture_t *fx, const char *name)
{
    weft_extern_t ex;
    if (!weft_instance_export(fx->inst, name, strlen(name), &ex) ||
        ex.kind != WEFT_EXTERN_FUNC)
        return NULL;
    return ex.of.func;
}

static weft_val_t vi32(int32_t v) { weft_val_t x = {.kind = WEFT_I32}; x.of.i32 = v; return x; }
static weft_val_t vi64(int64_t v) { weft_val_t x = {.kind = WEFT_I64}; x.of.i64 = v; return x; }
static weft_val_t vf32(float f)
{
    weft_val_t x = {.kind = WEFT_F32};
    memcpy(&x.of.f32, &f, 4);
    return x;
}
static weft_val_t vf64(double d)
{
    weft_val_t x = {.kind = WEFT_F64};
    memcpy(&x.of.f64, &d, 8);
    return x;
}
static double as_f64(weft_val_t v)
{
    double d;
    memcpy(&d, &v.of.f64, 8);
    return d;
}

/* Calls export `name` with up to 2 arguments, expecting one result; returns the error (the
 * result in *out). */
static weft_error_t *call1(fixture_t *fx, const char *name, const weft_val_t *args, size_t nargs,
                           weft_val_t *out)
{
    weft_func_t *f = export_func(fx, name);
    CHECK(f != NULL);
    if (!f) return NULL;
    out->kind = weft_func_result(f, 0);
    return weft_func_call(fx->store, f, args, nargs, out, weft_func_result_count(f));
}

static int32_t ci32(fixture_t *fx, const char *name, weft_val_t a, weft_val_t b, size_t nargs)
{
    weft_val_t args[2] = {a, b}, r = {0};
    weft_error_t *e = call1(fx, name, args, nargs, &r);
    CHECK(e == NULL);
    if (e) {
        fprintf(stderr, "  %s: %s\n", name, weft_error_message(e));
        weft_error_delete(e);
    }
    return r.of.i32;
}

static int64_t ci64(fixture_t *fx, const char *name, weft_val_t a, weft_val_t b, size_t nargs)
{
    weft_val_t args[2] = {a, b}, r = {0};
    weft_error_t *e = call1(fx, name, args, nargs, &r);
    CHECK(e == NULL);
    weft_error_delete(e);
    return r.of.i64;
}

static weft_trap_code_t trap_of(fixture_t *fx, const char *name, weft_val_t a, weft_val_t b,
                                size_t nargs)
{
    weft_val_t args[2] = {a, b}, r = {0};
    weft_error_t *e = call1(fx, name, args, nargs, &r);
    if (!e) return WEFT_TRAP_NONE;
    weft_trap_code_t code = weft_error_kind(e) == WEFT_ERROR_TRAP ? weft_error_trap_code(e)
                                                                   : (weft_trap_code_t)-1;
    weft_error_delete(e);
    return code;
}

/* ---- tests ---- */

static void test_integers(void)
{
    fixture_t fx;
    CHECK(setup(&fx, 0, 0));
    weft_val_t z = vi32(0);
    CHECK(ci32(&fx, "div_s", vi32(7), vi32(-2), 2) == -3);
    CHECK(trap_of(&fx, "div_s", vi32(7), vi32(0), 2) == WEFT_TRAP_INT_DIV_ZERO);
    CHECK(trap_of(&fx, "div_s", vi32(INT32_MIN), vi32(-1), 2) == WEFT_TRAP_INT_OVERFLOW);
    CHECK(ci32(&fx, "rem_s", vi32(INT32_MIN), vi32(-1), 2) == 0);
    CHECK(ci32(&fx, "rem_s", vi32(-7), vi32(2), 2) == -1);
    CHECK(trap_of(&fx, "rem_s", vi32(1), vi32(0), 2) == WEFT_TRAP_INT_DIV_ZERO);
    CHECK((uint64_t)ci64(&fx, "div_u64", vi64(-1), vi64(2), 2) == UINT64_MAX / 2);
    CHECK(ci32(&fx, "shl", vi32(1), vi32(33), 2) == 2);
    CHECK(ci64(&fx, "shr_s64", vi64(INT64_MIN), vi64(127), 2) == -1);
    CHECK((uint32_t)ci32(&fx, "rotl", vi32((int32_t)0x80000001u), vi32(1), 2) == 3u);
    CHECK(ci32(&fx, "rotl", vi32(5), vi32(32), 2) == 5);
    CHECK(ci32(&fx, "clz", z, z, 1) == 32);
    CHECK(ci32(&fx, "clz", vi32(1), z, 1) == 31);
    CHECK(ci64(&fx, "ctz64", vi64(0), z, 1) == 64);
    CHECK(ci64(&fx, "ctz64", vi64(INT64_MIN), z, 1) == 63);
    CHECK(ci32(&fx, "popcnt", vi32(-1), z, 1) == 32);
    CHECK(ci32(&fx, "ext8", vi32(0x180), z, 1) == -128);
    /* Immediate forms: the full 64-bit operand must take part in the comparison. */
    CHECK(ci32(&fx, "i64_lt_k", vi64(0x100000000ll), z, 1) == 0);
    CHECK(ci32(&fx, "i64_lt_k", vi64(-0x100000000ll), z, 1) == 1);
    CHECK(ci32(&fx, "i64_lt_k", vi64(4), z, 1) == 1);
    CHECK(ci32(&fx, "i64_ge_u_br", vi64(-1), z, 1) == 1);
    CHECK(ci32(&fx, "i64_ge_u_br", vi64(0xFFFFFFFFll), z, 1) == 0);
    CHECK(ci32(&fx, "sub_k", vi32(3), z, 1) == 7);
    CHECK(ci32(&fx, "lt_k_left", vi32(11), z, 1) == 1);
    CHECK(ci32(&fx, "lt_k_left", vi32(10), z, 1) == 0);
    CHECK(ci32(&fx, "swap_locals", vi32(10), vi32(3), 2) == 7);
    CHECK(ci32(&fx, "sum", vi32(100), z, 1) == 5050);
    CHECK(ci32(&fx, "switch", vi32(0), z, 1) == 100);
    CHECK(ci32(&fx, "switch", vi32(1), z, 1) == 101);
    CHECK(ci32(&fx, "switch", vi32(2), z, 1) == 102);
    CHECK(ci32(&fx, "switch", vi32(-1), z, 1) == 102);
    CHECK(ci32(&fx, "flag", vi32(1), z, 1) == 10);
    CHECK(ci32(&fx, "flag", vi32(2), z, 1) == 2);
    CHECK(ci32(&fx, "flag", vi32(4), z, 1) == 1);
    CHECK(ci32(&fx, "br_value", vi32(1), z, 1) == 7);
    CHECK(ci32(&fx, "br_value", vi32(0), z, 1) == 8);
    CHECK(ci32(&fx, "fib", vi32(20), z, 1) == 6765);
    teardown(&fx);
}

static void test_floats_memory(void)
{
    fixture_t fx;
    CHECK(setup(&fx, 0, 0));
    weft_val_t z = vi32(0), r;
    CHECK(ci32(&fx, "trunc", vf64(-2147483648.9), z, 1) == INT32_MIN);
    CHECK(trap_of(&fx, "trunc", vf64(2147483648.0), z, 1) == WEFT_TRAP_INT_OVERFLOW);
    CHECK(trap_of(&fx, "trunc", vf64(NAN), z, 1) == WEFT_TRAP_INVALID_CONVERSION);
    CHECK(ci32(&fx, "trunc_u", vf32(-0.9f), z, 1) == 0);
    CHECK(trap_of(&fx, "trunc_u", vf32(-1.0f), z, 1) == WEFT_TRAP_INT_OVERFLOW);
    CHECK((uint64_t)ci64(&fx, "trunc_sat", vf64(1e30), z, 1) == UINT64_MAX);
    CHECK(ci64(&fx, "trunc_sat", vf64(-5.0), z, 1) == 0);
    weft_val_t a[2] = {vf64(2.5), z};
    CHECK(call1(&fx, "nearest", a, 1, &r) == NULL && as_f64(r) == 2.0);
    a[0] = vf64(-3.5);
    CHECK(call1(&fx, "nearest", a, 1, &r) == NULL && as_f64(r) == -4.0);
    weft_val_t mm[2] = {vf32(0.0f), vf32(-0.0f)};
    CHECK(call1(&fx, "fmin", mm, 2, &r) == NULL && r.of.f32 == 0x80000000u);
    weft_val_t mx[2] = {vf64(-0.0), vf64(0.0)};
    CHECK(call1(&fx, "fmax", mx, 2, &r) == NULL && r.of.f64 == 0);
    mx[1] = vf64(NAN);
    CHECK(call1(&fx, "fmax", mx, 2, &r) == NULL && isnan(as_f64(r)));
    weft_val_t nan = {.kind = WEFT_F32};
    nan.of.f32 = 0x7FA00001u; /* a signalling NaN: neg must only flip the sign bit */
    CHECK(call1(&fx, "neg", &nan, 1, &r) == NULL && r.of.f32 == 0xFFA00001u);

    CHECK(ci32(&fx, "load", vi32(0), z, 1) == 0x12345678);
    CHECK(ci64(&fx, "load8_s", vi32(3), z, 1) == 0x12);
    CHECK(ci64(&fx, "load8_s", vi32(0), z, 1) == 0x78);
    CHECK(trap_of(&fx, "load", vi32(65532), z, 1) == WEFT_TRAP_MEMORY_OOB);
    CHECK(trap_of(&fx, "load", vi32(-1), z, 1) == WEFT_TRAP_MEMORY_OOB);
    CHECK(ci32(&fx, "load", vi32(65528), z, 1) == 0);
    /* Address folding keeps the 32-bit wrap-around of the i32.add it replaces. */
    CHECK(ci32(&fx, "load_wrap", vi32(-4), z, 1) == 0x12345678);
    CHECK(ci32(&fx, "load_wrap", vi32(-8), z, 1) == 0);
    CHECK(trap_of(&fx, "load_wrap", vi32(65528), z, 1) == WEFT_TRAP_MEMORY_OOB);
    weft_val_t sa = vi32(100);
    CHECK(call1(&fx, "store_consts", &sa, 1, &r) == NULL);
    CHECK(ci64(&fx, "load64", vi32(100), z, 1) == 0xFF000000ll);
    CHECK(ci64(&fx, "load64", vi32(108), z, 1) == 0x123456789ll);
    CHECK(ci64(&fx, "load64", vi32(116), z, 1) == -2);
    CHECK(ci32(&fx, "shladd", vi32(3), vi32(100), 2) == 112);
    CHECK(ci32(&fx, "shladd", vi32(-1), vi32(0), 2) == -4);
    CHECK((uint32_t)ci32(&fx, "rotl_k", vi32((int32_t)0x80000001u), z, 1) == 0x18u);
    CHECK(ci32(&fx, "grow", vi32(1), z, 1) == 1);
    CHECK(ci32(&fx, "size", z, z, 0) == 2);
    CHECK(ci32(&fx, "load", vi32(65532), z, 1) == 0); /* in bounds after growing */
    CHECK(ci32(&fx, "grow", vi32(70000), z, 1) == -1);
    teardown(&fx);
}

static void test_traps(void)
{
    fixture_t fx;
    CHECK(setup(&fx, 0, 0));
    weft_val_t r;
    weft_error_t *e = call1(&fx, "trap_nested", NULL, 0, &r);
    CHECK(e && weft_error_kind(e) == WEFT_ERROR_TRAP);
    CHECK(e && weft_error_trap_code(e) == WEFT_TRAP_UNREACHABLE);
    CHECK(e && strcmp(weft_error_message(e), "unreachable") == 0);
    CHECK(e && weft_error_frame_count(e) == 3);
    const weft_frame_t *f0 = e ? weft_error_frame(e, 0) : NULL;
    const weft_frame_t *f1 = e ? weft_error_frame(e, 1) : NULL;
    CHECK(f0 && f0->name && strcmp(f0->name, "inner") == 0);
    CHECK(f1 && f1->name && strcmp(f1->name, "middle") == 0);
    /* The offsets point at the trapping instruction and at the call in the caller. */
    CHECK(f0 && f0->code_offset < sizeof interp_wasm && interp_wasm[f0->code_offset] == 0x00);
    CHECK(f1 && f1->code_offset < sizeof interp_wasm && interp_wasm[f1->code_offset] == 0x10);
    CHECK(f0 && f1 && f1->func_index == f0->func_index + 1);
    weft_error_delete(e);

    /* Division trap offset points at the div instruction. */
    weft_val_t args[2] = {vi32(1), vi32(0)};
    e = call1(&fx, "div_s", args, 2, &r);
    f0 = e ? weft_error_frame(e, 0) : NULL;
    CHECK(f0 && interp_wasm[f0->code_offset] == 0x6D);
    weft_error_delete(e);
    teardown(&fx);
}

static void test_recursion_limits(void)
{
    /* Default limits: the recursion ends in a trap, never in a C stack overflow. */
    fixture_t fx;
    CHECK(setup(&fx, 0, 0));
    weft_val_t a = vi32(0), r;
    weft_error_t *e = call1(&fx, "deep", &a, 1, &r);
    CHECK(e && weft_error_trap_code(e) == WEFT_TRAP_STACK_EXHAUSTED);
    CHECK(e && strcmp(weft_error_message(e), "call stack exhausted") == 0);
    CHECK(e && weft_error_frame_count(e) >= 1);
    weft_error_delete(e);
    /* The instance stays usable after the trap. */
    CHECK(ci32(&fx, "fib", vi32(15), vi32(0), 1) == 610);
    teardown(&fx);

    /* A small depth limit. */
    CHECK(setup(&fx, 50, 0));
    CHECK(ci32(&fx, "fib", vi32(20), vi32(0), 1) == 6765); /* depth 20 is fine */
    e = call1(&fx, "deep", &a, 1, &r);
    CHECK(e && weft_error_trap_code(e) == WEFT_TRAP_STACK_EXHAUSTED);
    weft_error_delete(e);
    teardown(&fx);

    /* A small value-stack limit. */
    CHECK(setup(&fx, 0, 4096));
    e = call1(&fx, "deep", &a, 1, &r);
    CHECK(e && weft_error_trap_code(e) == WEFT_TRAP_STACK_EXHAUSTED);
    weft_error_delete(e);
    teardown(&fx);
}

static void test_host(void)
{
    fixture_t fx;
    CHECK(setup(&fx, 0, 0));
    CHECK(ci32(&fx, "call_add", vi32(40), vi32(1), 2) == 42);
    CHECK(fx.add_calls == 1);
    /* Reentrancy: host -> wasm (fib) while wasm -> host is on the stack. */
    CHECK(ci32(&fx, "call_reenter", vi32(10), vi32(0), 1) == 1055);
    /* A host error becomes the call's error. */
    weft_val_t r;
    weft_error_t *e = call1(&fx, "call_fail", NULL, 0, &r);
    CHECK(e && weft_error_kind(e) == WEFT_ERROR_INVALID_ARG);
    weft_error_delete(e);

    /* Host functions called directly. */
    weft_extern_t ex;
    CHECK(weft_instance_export(fx.inst, "call_add", 8, &ex));
    const weft_valkind_t i1[1] = {WEFT_I32};
    weft_func_t *h = weft_func_new(fx.store, i1, 1, i1, 1, host_suspend, NULL, NULL);
    CHECK(h != NULL);
    weft_val_t arg = vi32(1);
    r.kind = WEFT_I32;
    e = weft_func_call(fx.store, h, &arg, 1, &r, 1);
    CHECK(e && weft_error_kind(e) == WEFT_ERROR_INVALID_ARG);
    CHECK(e && strstr(weft_error_message(e), "suspended") != NULL);
    weft_error_delete(e);
    teardown(&fx);
}

static void test_api_misuse(void)
{
    fixture_t fx;
    CHECK(setup(&fx, 0, 0));
    weft_func_t *f = export_func(&fx, "div_s");
    CHECK(weft_func_param_count(f) == 2 && weft_func_result_count(f) == 1);
    CHECK(weft_func_param(f, 0) == WEFT_I32 && weft_func_result(f, 0) == WEFT_I32);
    weft_val_t args[2] = {vi32(1), vi64(2)}, r = {.kind = WEFT_I32};
    weft_error_t *e = weft_func_call(fx.store, f, args, 2, &r, 1);
    CHECK(e && weft_error_kind(e) == WEFT_ERROR_INVALID_ARG);
    weft_error_delete(e);
    e = weft_func_call(fx.store, f, args, 1, &r, 1);
    CHECK(e && weft_error_kind(e) == WEFT_ERROR_INVALID_ARG);
    weft_error_delete(e);
    args[1] = vi32(2);
    e = weft_func_call(fx.store, f, args, 2, &r, 0);
    CHECK(e && weft_error_kind(e) == WEFT_ERROR_INVALID_ARG);
    weft_error_delete(e);

    /* Multiple results. */
    weft_func_t *m = export_func(&fx, "multi");
    weft_val_t margs[2] = {vi32(5), vi64(-6)}, mres[2];
    e = weft_func_call(fx.store, m, margs, 2, mres, 2);
    CHECK(!e && mres[0].kind == WEFT_I64 && mres[0].of.i64 == -6);
    CHECK(!e && mres[1].kind == WEFT_I32 && mres[1].of.i32 == 5);
    weft_error_delete(e);

    /* The call object's state machine. */
    weft_call_t *call = NULL;
    args[0] = vi32(9);
    args[1] = vi32(3);
    CHECK(weft_call_new(fx.store, f, args, 2, &call) == NULL);
    e = weft_call_results(call, &r, 1);
    CHECK(e != NULL); /* not run yet */
    weft_error_delete(e);
    CHECK(weft_call_run(call, &e) == WEFT_CALL_DONE && e == NULL);
    CHECK(weft_call_results(call, &r, 1) == NULL && r.of.i32 == 3);
    CHECK(weft_call_run(call, &e) == WEFT_CALL_FAILED && e != NULL);
    weft_error_delete(e);
    CHECK(weft_call_resume(call, NULL, 0, &e) == WEFT_CALL_FAILED && e != NULL);
    weft_error_delete(e);
    CHECK(weft_call_memory_usage(call) > 0);
    weft_call_delete(call);
    weft_call_delete(NULL);
    teardown(&fx);
}

/* Regression (fuzz_module): in unreachable code, the compiler's skipper must nest the legacy
 * `try` like any block. It once closed the enclosing block at the try's `end`, and its operand
 * stack model then fell short of the validator's (an out-of-bounds read on a later branch).
 *   (func (export "f") (result i32)
 *     (block (result i32)
 *       (block (result i32) (block unreachable (try (result i32) (do unreachable)) br 1)
 *         unreachable)))                                                                       */
static void test_dead_legacy_try(void)
{
    static const unsigned char wasm[] = {
        0x00, 0x61, 0x73, 0x6D, 0x01, 0x00, 0x00, 0x00, 0x01, 0x05, 0x01, 0x60, 0x00, 0x01,
        0x7F, 0x03, 0x02, 0x01, 0x00, 0x07, 0x05, 0x01, 0x01, 0x66, 0x00, 0x00, 0x0A, 0x15,
        0x01, 0x13, 0x00, 0x02, 0x7F, 0x02, 0x7F, 0x02, 0x40, 0x00, 0x06, 0x7F, 0x00, 0x0B,
        0x0C, 0x01, 0x0B, 0x00, 0x0B, 0x0B, 0x0B,
    };
    weft_engine_t *engine = weft_engine_new(NULL);
    weft_store_t *store = weft_store_new(engine);
    weft_module_t *module = NULL;
    weft_instance_t *inst = NULL;
    weft_error_t *e = weft_module_new(engine, wasm, sizeof wasm, &module);
    CHECK(e == NULL);
    weft_error_delete(e);
    if (module) {
        e = weft_instance_new(store, module, NULL, 0, &inst);
        CHECK(e == NULL);
        weft_error_delete(e);
    }
    weft_extern_t ex;
    if (inst && weft_instance_export(inst, "f", 1, &ex) && ex.kind == WEFT_EXTERN_FUNC) {
        weft_val_t r;
        e = weft_func_call(store, ex.of.func, NULL, 0, &r, 1);
        CHECK(e && weft_error_trap_code(e) == WEFT_TRAP_UNREACHABLE);
        weft_error_delete(e);
    } else {
        CHECK(!"export f");
    }
    weft_store_delete(store);
    weft_module_delete(module);
    weft_engine_delete(engine);
}

/* Typed function references (call_ref, return_call_ref, ref.as_non_null, br_on_null,
 * br_on_non_null, a table of (ref null $ii) with an initialiser) and legacy exception handling
 * (try, catch, catch_all, rethrow, delegate). Assembled once from this text:
 * (module
 *   (type $ii (func (param i32) (result i32)))
 *   (tag $e (param i32))
 *   (func $inc (type $ii) (i32.add (local.get 0) (i32.const 1)))
 *   (elem declare func $inc)
 *   (table $t 1 (ref null $ii) (ref.func $inc))
 *   (func (export "call_ref") (param i32) (result i32)
 *     (call_ref $ii (local.get 0) (table.get $t (i32.const 0))))
 *   (func (export "call_null") (param i32) (result i32)
 *     (call_ref $ii (local.get 0) (ref.null $ii)))
 *   (func $tail (param i32) (result i32)
 *     (return_call_ref $ii (local.get 0) (ref.func $inc)))
 *   (func (export "tail") (param i32) (result i32) (call $tail (local.get 0)))
 *   (func (export "as_non_null") (param i32) (result i32)
 *     (local $f (ref $ii))
 *     (local.set $f (ref.as_non_null (table.get $t (local.get 0))))
 *     (call_ref $ii (i32.const 41) (local.get $f)))
 *   (func (export "on_null") (param i32) (result i32)
 *     (block $null
 *       (return (call_ref $ii (i32.const 1)
 *         (br_on_null $null (select (result (ref null $ii)) (ref.func $inc) (ref.null $ii) (local.get 0))))))
 *     (i32.const -1))
 *   (func (export "on_non_null") (param i32) (result i32)
 *     (i32.const 7)
 *     (block $some (result (ref $ii))
 *       (br_on_non_null $some (select (result (ref null $ii)) (ref.func $inc) (ref.null $ii) (local.get 0)))
 *       (return (i32.const -1)))
 *     (call_ref $ii))
 *   (func (export "non_null_trap") (drop (ref.as_non_null (ref.null $ii))))
 *   (func (export "legacy") (param i32) (result i32)
 *     try (result i32)
 *       try (result i32)
 *         (if (local.get 0) (then (throw $e (i32.const 5))))
 *         (i32.const 0)
 *       catch $e
 *         (i32.add (i32.const 100))
 *         drop
 *         rethrow 0
 *       end
 *     catch $e
 *       (i32.add (i32.const 1000))
 *     catch_all
 *       (i32.const -2)
 *     end)
 *   (func (export "delegate") (param i32) (result i32)
 *     try (result i32)
 *       block (result i32)
 *         try (result i32)
 *           try (result i32)
 *             (throw $e (local.get 0))
 *           delegate 1
 *         catch $e
 *           drop (i32.const -3)
 *         end
 *       end
 *     catch $e
 *       (i32.const 1)
 *       i32.add
 *     end)
 * )
 */
static const unsigned char funcref_wasm[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x0d, 0x03, 0x60, 0x01, 0x7f, 0x01, 0x7f,
    0x60, 0x01, 0x7f, 0x00, 0x60, 0x00, 0x00, 0x03, 0x0c, 0x0b, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x02, 0x00, 0x00, 0x04, 0x0a, 0x01, 0x40, 0x00, 0x63, 0x00, 0x00, 0x01, 0xd2, 0x00,
    0x0b, 0x0d, 0x03, 0x01, 0x00, 0x01, 0x07, 0x69, 0x09, 0x08, 0x63, 0x61, 0x6c, 0x6c, 0x5f, 0x72,
    0x65, 0x66, 0x00, 0x01, 0x09, 0x63, 0x61, 0x6c, 0x6c, 0x5f, 0x6e, 0x75, 0x6c, 0x6c, 0x00, 0x02,
    0x04, 0x74, 0x61, 0x69, 0x6c, 0x00, 0x04, 0x0b, 0x61, 0x73, 0x5f, 0x6e, 0x6f, 0x6e, 0x5f, 0x6e,
    0x75, 0x6c, 0x6c, 0x00, 0x05, 0x07, 0x6f, 0x6e, 0x5f, 0x6e, 0x75, 0x6c, 0x6c, 0x00, 0x06, 0x0b,
    0x6f, 0x6e, 0x5f, 0x6e, 0x6f, 0x6e, 0x5f, 0x6e, 0x75, 0x6c, 0x6c, 0x00, 0x07, 0x0d, 0x6e, 0x6f,
    0x6e, 0x5f, 0x6e, 0x75, 0x6c, 0x6c, 0x5f, 0x74, 0x72, 0x61, 0x70, 0x00, 0x08, 0x06, 0x6c, 0x65,
    0x67, 0x61, 0x63, 0x79, 0x00, 0x09, 0x08, 0x64, 0x65, 0x6c, 0x65, 0x67, 0x61, 0x74, 0x65, 0x00,
    0x0a, 0x09, 0x05, 0x01, 0x03, 0x00, 0x01, 0x00, 0x0a, 0xbe, 0x01, 0x0b, 0x07, 0x00, 0x20, 0x00,
    0x41, 0x01, 0x6a, 0x0b, 0x0a, 0x00, 0x20, 0x00, 0x41, 0x00, 0x25, 0x00, 0x14, 0x00, 0x0b, 0x08,
    0x00, 0x20, 0x00, 0xd0, 0x00, 0x14, 0x00, 0x0b, 0x08, 0x00, 0x20, 0x00, 0xd2, 0x00, 0x15, 0x00,
    0x0b, 0x06, 0x00, 0x20, 0x00, 0x10, 0x03, 0x0b, 0x12, 0x01, 0x01, 0x64, 0x00, 0x20, 0x00, 0x25,
    0x00, 0xd4, 0x21, 0x01, 0x41, 0x29, 0x20, 0x01, 0x14, 0x00, 0x0b, 0x18, 0x00, 0x02, 0x40, 0x41,
    0x01, 0xd2, 0x00, 0xd0, 0x00, 0x20, 0x00, 0x1c, 0x01, 0x63, 0x00, 0xd5, 0x00, 0x14, 0x00, 0x0f,
    0x0b, 0x41, 0x7f, 0x0b, 0x19, 0x00, 0x41, 0x07, 0x02, 0x64, 0x00, 0xd2, 0x00, 0xd0, 0x00, 0x20,
    0x00, 0x1c, 0x01, 0x63, 0x00, 0xd6, 0x00, 0x41, 0x7f, 0x0f, 0x0b, 0x14, 0x00, 0x0b, 0x06, 0x00,
    0xd0, 0x00, 0xd4, 0x1a, 0x0b, 0x25, 0x00, 0x06, 0x7f, 0x06, 0x7f, 0x20, 0x00, 0x04, 0x40, 0x41,
    0x05, 0x08, 0x00, 0x0b, 0x41, 0x00, 0x07, 0x00, 0x41, 0xe4, 0x00, 0x6a, 0x1a, 0x09, 0x00, 0x0b,
    0x07, 0x00, 0x41, 0xe8, 0x07, 0x6a, 0x19, 0x41, 0x7e, 0x0b, 0x0b, 0x1d, 0x00, 0x06, 0x7f, 0x02,
    0x7f, 0x06, 0x7f, 0x06, 0x7f, 0x20, 0x00, 0x08, 0x00, 0x18, 0x01, 0x07, 0x00, 0x1a, 0x41, 0x7d,
    0x0b, 0x0b, 0x07, 0x00, 0x41, 0x01, 0x6a, 0x0b, 0x0b, 0x00, 0x41, 0x04, 0x6e, 0x61, 0x6d, 0x65,
    0x01, 0x0c, 0x02, 0x00, 0x03, 0x69, 0x6e, 0x63, 0x03, 0x04, 0x74, 0x61, 0x69, 0x6c, 0x02, 0x06,
    0x01, 0x05, 0x01, 0x01, 0x01, 0x66, 0x03, 0x11, 0x02, 0x06, 0x01, 0x00, 0x04, 0x6e, 0x75, 0x6c,
    0x6c, 0x07, 0x01, 0x00, 0x04, 0x73, 0x6f, 0x6d, 0x65, 0x04, 0x05, 0x01, 0x00, 0x02, 0x69, 0x69,
    0x05, 0x04, 0x01, 0x00, 0x01, 0x74, 0x0b, 0x04, 0x01, 0x00, 0x01, 0x65,
};

static void test_funcrefs_legacy_eh(void)
{
    weft_engine_t *engine = weft_engine_new(NULL);
    weft_store_t *store = weft_store_new(engine);
    weft_module_t *module = NULL;
    weft_instance_t *inst = NULL;
    weft_error_t *e = weft_module_new(engine, funcref_wasm, sizeof funcref_wasm, &module);
    CHECK(e == NULL);
    if (e) fprintf(stderr, "  funcref module: %s\n", weft_error_message(e));
    weft_error_delete(e);
    if (module) {
        e = weft_instance_new(store, module, NULL, 0, &inst);
        CHECK(e == NULL);
        weft_error_delete(e);
    }
    static const struct {
        const char *name;
        int32_t arg;
        bool has_arg;
        int32_t want;
        weft_trap_code_t trap; /* WEFT_TRAP_NONE: returns `want` */
        const char *msg;       /* part of the trap's message */
    } cases[] = {
        {"call_ref", 5, true, 6, WEFT_TRAP_NONE, NULL},
        {"call_null", 1, true, 0, WEFT_TRAP_NULL_REFERENCE, "null function reference"},
        {"tail", 1, true, 2, WEFT_TRAP_NONE, NULL},
        {"as_non_null", 0, true, 42, WEFT_TRAP_NONE, NULL},
        {"non_null_trap", 0, false, 0, WEFT_TRAP_NULL_REFERENCE, "null reference"},
        {"on_null", 0, true, -1, WEFT_TRAP_NONE, NULL},
        {"on_null", 1, true, 2, WEFT_TRAP_NONE, NULL},
        {"on_non_null", 0, true, -1, WEFT_TRAP_NONE, NULL},
        {"on_non_null", 1, true, 8, WEFT_TRAP_NONE, NULL},
        {"legacy", 0, true, 0, WEFT_TRAP_NONE, NULL},
        {"legacy", 1, true, 1005, WEFT_TRAP_NONE, NULL},
        {"delegate", 7, true, 8, WEFT_TRAP_NONE, NULL},
    };
    for (size_t i = 0; inst && i < sizeof cases / sizeof cases[0]; i++) {
        weft_extern_t ex;
        bool found = weft_instance_export(inst, cases[i].name, strlen(cases[i].name), &ex) &&
                     ex.kind == WEFT_EXTERN_FUNC;
        CHECK(found);
        if (!found) continue;
        weft_val_t arg = {0}, r = {0};
        arg.kind = WEFT_I32;
        arg.of.i32 = cases[i].arg;
        size_t nres = weft_func_result_count(ex.of.func);
        r.kind = WEFT_I32;
        e = weft_func_call(store, ex.of.func, &arg, cases[i].has_arg ? 1 : 0, &r, nres);
        if (cases[i].trap == WEFT_TRAP_NONE) {
            CHECK(e == NULL && r.of.i32 == cases[i].want);
            if (e || r.of.i32 != cases[i].want)
                fprintf(stderr, "  %s(%d): %s %d\n", cases[i].name, cases[i].arg,
                        e ? weft_error_message(e) : "returned", r.of.i32);
        } else {
            CHECK(e && weft_error_kind(e) == WEFT_ERROR_TRAP &&
                  weft_error_trap_code(e) == cases[i].trap &&
                  strstr(weft_error_message(e), cases[i].msg) != NULL);
        }
        weft_error_delete(e);
    }
    weft_store_delete(store);
    weft_module_delete(module);
    weft_engine_delete(engine);
}

int main(void)
{
    test_integers();
    test_floats_memory();
    test_traps();
    test_recursion_limits();
    test_host();
    test_api_misuse();
    test_dead_legacy_try();
    test_funcrefs_legacy_eh();
    printf("test_interp: %d checks, %d failures\n", checks, failures);
    return failures ? 1 : 0;
}
