/* test_capi_misuse.c - misuse of the public component API (weft.h "Components", "WAVE") is an
 * error, never a crash: wrong arity, result counts and value shapes, values that do not fit
 * their type, NULL arguments, handles used after they were dropped, borrows kept past a call,
 * functions of another store, calls into an instance poisoned by a trap, host functions that
 * return values of the wrong type. Run under ASan+UBSan (make SAN=1 unit) it also shows that
 * none of these reads or writes out of bounds.
 *
 * The binaries were made from the .wat texts in the comments with the pinned wasm-tools
 * parser (node bench/component/wat2wasm.mjs IN.wat OUT.wasm). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "weft.h"
#include "test_util.h"

#define EXPECT_ERR(call, kind, part) CHECK(test_is_err((call), (kind), (part)))
#define EXPECT_INVALID(call) EXPECT_ERR(call, WEFT_ERROR_INVALID_ARG, NULL)
#define EXPECT_TRAP(call, part) EXPECT_ERR(call, WEFT_ERROR_TRAP, part)


/* (component
 *   (type $R (resource (rep i32))) (export $R' "r" (type $R))
 *   (core func $rnew (canon resource.new $R)) ... resource.drop, resource.rep
 *   (core module $M  memory, bump realloc,
 *     add (i32.add), echo (returns its (ptr, len) through 16), pt (x + y), opt (payload or 99),
 *     lst (the length), id (its argument), boom (unreachable), make (resource.new 42),
 *     take (resource.drop), drop-twice (resource.drop twice),
 *     dropped (resource.drop, then resource.rep of the same handle))
 *   (type $point (record (field "x" s32) (field "y" s32))) (export "point" ...)
 *   (type $fl (flags "a" "b")) (type $en (enum "x" "y")), both exported
 *   (func (export "add") (param "a" u32) (param "b" u32) (result u32))
 *   (func (export "echo") (param "s" string) (result string))
 *   (func (export "pt") (param "p" $point') (result s32))
 *   (func (export "opt") (param "o" (option u32)) (result u32))
 *   (func (export "lst") (param "l" (list string)) (result u32))
 *   (func (export "chr") (param "c" char) (result u32))
 *   (func (export "flg") (param "f" $fl') (result u32))
 *   (func (export "enm") (param "e" $en') (result u32))
 *   (func (export "u8v") (param "v" u8) (result u32))
 *   (func (export "boom"))
 *   (func (export "make") (result (own $R')))
 *   (func (export "get") (param "r" (borrow $R')) (result u32))
 *   (func (export "take") (param "r" (own $R')))
 *   (func (export "drop-twice") (param "r" (own $R')))
 *   (func (export "dropped") (param "r" (own $R')) (result u32))) */
static const uint8_t c1[] = {
    0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00, 0x07, 0x04, 0x01, 0x3f, 0x7f, 0x00, 0x0b, 0x07,
    0x01, 0x00, 0x01, 0x72, 0x03, 0x00, 0x00, 0x08, 0x07, 0x03, 0x02, 0x00, 0x03, 0x00, 0x04, 0x00,
    0x01, 0xf1, 0x02, 0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x1f, 0x06, 0x60, 0x01,
    0x7f, 0x01, 0x7f, 0x60, 0x01, 0x7f, 0x00, 0x60, 0x04, 0x7f, 0x7f, 0x7f, 0x7f, 0x01, 0x7f, 0x60,
    0x02, 0x7f, 0x7f, 0x01, 0x7f, 0x60, 0x00, 0x00, 0x60, 0x00, 0x01, 0x7f, 0x02, 0x1a, 0x03, 0x00,
    0x04, 0x72, 0x6e, 0x65, 0x77, 0x00, 0x00, 0x00, 0x05, 0x72, 0x64, 0x72, 0x6f, 0x70, 0x00, 0x01,
    0x00, 0x04, 0x72, 0x72, 0x65, 0x70, 0x00, 0x00, 0x03, 0x0d, 0x0c, 0x02, 0x03, 0x03, 0x03, 0x03,
    0x03, 0x00, 0x04, 0x05, 0x01, 0x01, 0x00, 0x05, 0x03, 0x01, 0x00, 0x01, 0x06, 0x07, 0x01, 0x7f,
    0x01, 0x41, 0x80, 0x08, 0x0b, 0x07, 0x60, 0x0d, 0x03, 0x6d, 0x65, 0x6d, 0x02, 0x00, 0x07, 0x72,
    0x65, 0x61, 0x6c, 0x6c, 0x6f, 0x63, 0x00, 0x03, 0x03, 0x61, 0x64, 0x64, 0x00, 0x04, 0x04, 0x65,
    0x63, 0x68, 0x6f, 0x00, 0x05, 0x02, 0x70, 0x74, 0x00, 0x06, 0x03, 0x6f, 0x70, 0x74, 0x00, 0x07,
    0x03, 0x6c, 0x73, 0x74, 0x00, 0x08, 0x02, 0x69, 0x64, 0x00, 0x09, 0x04, 0x62, 0x6f, 0x6f, 0x6d,
    0x00, 0x0a, 0x04, 0x6d, 0x61, 0x6b, 0x65, 0x00, 0x0b, 0x04, 0x74, 0x61, 0x6b, 0x65, 0x00, 0x0c,
    0x0a, 0x64, 0x72, 0x6f, 0x70, 0x2d, 0x74, 0x77, 0x69, 0x63, 0x65, 0x00, 0x0d, 0x07, 0x64, 0x72,
    0x6f, 0x70, 0x70, 0x65, 0x64, 0x00, 0x0e, 0x0a, 0x79, 0x0c, 0x17, 0x01, 0x01, 0x7f, 0x23, 0x00,
    0x21, 0x04, 0x23, 0x00, 0x20, 0x03, 0x41, 0x07, 0x6a, 0x41, 0x78, 0x71, 0x6a, 0x24, 0x00, 0x20,
    0x04, 0x0b, 0x07, 0x00, 0x20, 0x00, 0x20, 0x01, 0x6a, 0x0b, 0x12, 0x00, 0x41, 0x10, 0x20, 0x00,
    0x36, 0x02, 0x00, 0x41, 0x14, 0x20, 0x01, 0x36, 0x02, 0x00, 0x41, 0x10, 0x0b, 0x07, 0x00, 0x20,
    0x00, 0x20, 0x01, 0x6a, 0x0b, 0x0a, 0x00, 0x20, 0x01, 0x41, 0xe3, 0x00, 0x20, 0x00, 0x1b, 0x0b,
    0x04, 0x00, 0x20, 0x01, 0x0b, 0x04, 0x00, 0x20, 0x00, 0x0b, 0x03, 0x00, 0x00, 0x0b, 0x06, 0x00,
    0x41, 0x2a, 0x10, 0x00, 0x0b, 0x06, 0x00, 0x20, 0x00, 0x10, 0x01, 0x0b, 0x0a, 0x00, 0x20, 0x00,
    0x10, 0x01, 0x20, 0x00, 0x10, 0x01, 0x0b, 0x0a, 0x00, 0x20, 0x00, 0x10, 0x01, 0x20, 0x00, 0x10,
    0x02, 0x0b, 0x00, 0x30, 0x04, 0x6e, 0x61, 0x6d, 0x65, 0x00, 0x02, 0x01, 0x4d, 0x01, 0x14, 0x03,
    0x00, 0x04, 0x72, 0x6e, 0x65, 0x77, 0x01, 0x05, 0x72, 0x64, 0x72, 0x6f, 0x70, 0x02, 0x04, 0x72,
    0x72, 0x65, 0x70, 0x02, 0x06, 0x01, 0x03, 0x01, 0x04, 0x01, 0x70, 0x07, 0x07, 0x01, 0x00, 0x04,
    0x62, 0x75, 0x6d, 0x70, 0x02, 0x1f, 0x02, 0x01, 0x03, 0x04, 0x72, 0x6e, 0x65, 0x77, 0x00, 0x00,
    0x05, 0x72, 0x64, 0x72, 0x6f, 0x70, 0x00, 0x01, 0x04, 0x72, 0x72, 0x65, 0x70, 0x00, 0x02, 0x00,
    0x00, 0x01, 0x00, 0x12, 0x00, 0x07, 0x09, 0x01, 0x72, 0x02, 0x01, 0x78, 0x7a, 0x01, 0x79, 0x7a,
    0x0b, 0x0b, 0x01, 0x00, 0x05, 0x70, 0x6f, 0x69, 0x6e, 0x74, 0x03, 0x02, 0x00, 0x07, 0x07, 0x01,
    0x6e, 0x02, 0x01, 0x61, 0x01, 0x62, 0x0b, 0x08, 0x01, 0x00, 0x02, 0x66, 0x6c, 0x03, 0x04, 0x00,
    0x07, 0x07, 0x01, 0x6d, 0x02, 0x01, 0x78, 0x01, 0x79, 0x0b, 0x08, 0x01, 0x00, 0x02, 0x65, 0x6e,
    0x03, 0x06, 0x00, 0x07, 0x0b, 0x01, 0x40, 0x02, 0x01, 0x61, 0x79, 0x01, 0x62, 0x79, 0x00, 0x79,
    0x06, 0x09, 0x01, 0x00, 0x00, 0x01, 0x01, 0x03, 0x61, 0x64, 0x64, 0x08, 0x06, 0x01, 0x00, 0x00,
    0x03, 0x00, 0x08, 0x07, 0x08, 0x01, 0x40, 0x01, 0x01, 0x73, 0x73, 0x00, 0x73, 0x06, 0x1e, 0x03,
    0x00, 0x00, 0x01, 0x01, 0x04, 0x65, 0x63, 0x68, 0x6f, 0x00, 0x02, 0x01, 0x01, 0x03, 0x6d, 0x65,
    0x6d, 0x00, 0x00, 0x01, 0x01, 0x07, 0x72, 0x65, 0x61, 0x6c, 0x6c, 0x6f, 0x63, 0x08, 0x0a, 0x01,
    0x00, 0x00, 0x04, 0x02, 0x03, 0x00, 0x04, 0x05, 0x09, 0x07, 0x08, 0x01, 0x40, 0x01, 0x01, 0x70,
    0x03, 0x00, 0x7a, 0x06, 0x08, 0x01, 0x00, 0x00, 0x01, 0x01, 0x02, 0x70, 0x74, 0x08, 0x06, 0x01,
    0x00, 0x00, 0x06, 0x00, 0x0a, 0x07, 0x0a, 0x02, 0x6b, 0x79, 0x40, 0x01, 0x01, 0x6f, 0x0b, 0x00,
    0x79, 0x06, 0x09, 0x01, 0x00, 0x00, 0x01, 0x01, 0x03, 0x6f, 0x70, 0x74, 0x08, 0x06, 0x01, 0x00,
    0x00, 0x07, 0x00, 0x0c, 0x07, 0x0a, 0x02, 0x70, 0x73, 0x40, 0x01, 0x01, 0x6c, 0x0d, 0x00, 0x79,
    0x06, 0x1d, 0x03, 0x00, 0x00, 0x01, 0x01, 0x03, 0x6c, 0x73, 0x74, 0x00, 0x02, 0x01, 0x01, 0x03,
    0x6d, 0x65, 0x6d, 0x00, 0x00, 0x01, 0x01, 0x07, 0x72, 0x65, 0x61, 0x6c, 0x6c, 0x6f, 0x63, 0x08,
    0x0a, 0x01, 0x00, 0x00, 0x08, 0x02, 0x03, 0x01, 0x04, 0x09, 0x0e, 0x07, 0x08, 0x01, 0x40, 0x01,
    0x01, 0x63, 0x74, 0x00, 0x79, 0x06, 0x08, 0x01, 0x00, 0x00, 0x01, 0x01, 0x02, 0x69, 0x64, 0x08,
    0x06, 0x01, 0x00, 0x00, 0x0a, 0x00, 0x0f, 0x07, 0x08, 0x01, 0x40, 0x01, 0x01, 0x66, 0x05, 0x00,
    0x79, 0x06, 0x08, 0x01, 0x00, 0x00, 0x01, 0x01, 0x02, 0x69, 0x64, 0x08, 0x06, 0x01, 0x00, 0x00,
    0x0b, 0x00, 0x10, 0x07, 0x08, 0x01, 0x40, 0x01, 0x01, 0x65, 0x07, 0x00, 0x79, 0x06, 0x08, 0x01,
    0x00, 0x00, 0x01, 0x01, 0x02, 0x69, 0x64, 0x08, 0x06, 0x01, 0x00, 0x00, 0x0c, 0x00, 0x11, 0x07,
    0x08, 0x01, 0x40, 0x01, 0x01, 0x76, 0x7d, 0x00, 0x79, 0x06, 0x08, 0x01, 0x00, 0x00, 0x01, 0x01,
    0x02, 0x69, 0x64, 0x08, 0x06, 0x01, 0x00, 0x00, 0x0d, 0x00, 0x12, 0x07, 0x05, 0x01, 0x40, 0x00,
    0x01, 0x00, 0x06, 0x0a, 0x01, 0x00, 0x00, 0x01, 0x01, 0x04, 0x62, 0x6f, 0x6f, 0x6d, 0x08, 0x06,
    0x01, 0x00, 0x00, 0x0e, 0x00, 0x13, 0x07, 0x07, 0x02, 0x69, 0x01, 0x40, 0x00, 0x00, 0x14, 0x06,
    0x0a, 0x01, 0x00, 0x00, 0x01, 0x01, 0x04, 0x6d, 0x61, 0x6b, 0x65, 0x08, 0x06, 0x01, 0x00, 0x00,
    0x0f, 0x00, 0x15, 0x07, 0x0a, 0x02, 0x68, 0x01, 0x40, 0x01, 0x01, 0x72, 0x16, 0x00, 0x79, 0x06,
    0x08, 0x01, 0x00, 0x00, 0x01, 0x01, 0x02, 0x69, 0x64, 0x08, 0x06, 0x01, 0x00, 0x00, 0x10, 0x00,
    0x17, 0x07, 0x0a, 0x02, 0x69, 0x01, 0x40, 0x01, 0x01, 0x72, 0x18, 0x01, 0x00, 0x06, 0x0a, 0x01,
    0x00, 0x00, 0x01, 0x01, 0x04, 0x74, 0x61, 0x6b, 0x65, 0x08, 0x06, 0x01, 0x00, 0x00, 0x11, 0x00,
    0x19, 0x07, 0x0a, 0x02, 0x69, 0x01, 0x40, 0x01, 0x01, 0x72, 0x1a, 0x01, 0x00, 0x06, 0x10, 0x01,
    0x00, 0x00, 0x01, 0x01, 0x0a, 0x64, 0x72, 0x6f, 0x70, 0x2d, 0x74, 0x77, 0x69, 0x63, 0x65, 0x08,
    0x06, 0x01, 0x00, 0x00, 0x12, 0x00, 0x1b, 0x07, 0x0a, 0x02, 0x69, 0x01, 0x40, 0x01, 0x01, 0x72,
    0x1c, 0x00, 0x79, 0x06, 0x0d, 0x01, 0x00, 0x00, 0x01, 0x01, 0x07, 0x64, 0x72, 0x6f, 0x70, 0x70,
    0x65, 0x64, 0x08, 0x06, 0x01, 0x00, 0x00, 0x13, 0x00, 0x1d, 0x0b, 0x87, 0x01, 0x0f, 0x00, 0x03,
    0x61, 0x64, 0x64, 0x01, 0x00, 0x00, 0x00, 0x04, 0x65, 0x63, 0x68, 0x6f, 0x01, 0x01, 0x00, 0x00,
    0x02, 0x70, 0x74, 0x01, 0x02, 0x00, 0x00, 0x03, 0x6f, 0x70, 0x74, 0x01, 0x03, 0x00, 0x00, 0x03,
    0x6c, 0x73, 0x74, 0x01, 0x04, 0x00, 0x00, 0x03, 0x63, 0x68, 0x72, 0x01, 0x05, 0x00, 0x00, 0x03,
    0x66, 0x6c, 0x67, 0x01, 0x06, 0x00, 0x00, 0x03, 0x65, 0x6e, 0x6d, 0x01, 0x07, 0x00, 0x00, 0x03,
    0x75, 0x38, 0x76, 0x01, 0x08, 0x00, 0x00, 0x04, 0x62, 0x6f, 0x6f, 0x6d, 0x01, 0x09, 0x00, 0x00,
    0x04, 0x6d, 0x61, 0x6b, 0x65, 0x01, 0x0a, 0x00, 0x00, 0x03, 0x67, 0x65, 0x74, 0x01, 0x0b, 0x00,
    0x00, 0x04, 0x74, 0x61, 0x6b, 0x65, 0x01, 0x0c, 0x00, 0x00, 0x0a, 0x64, 0x72, 0x6f, 0x70, 0x2d,
    0x74, 0x77, 0x69, 0x63, 0x65, 0x01, 0x0d, 0x00, 0x00, 0x07, 0x64, 0x72, 0x6f, 0x70, 0x70, 0x65,
    0x64, 0x01, 0x0e, 0x00, 0x00, 0x63, 0x0e, 0x63, 0x6f, 0x6d, 0x70, 0x6f, 0x6e, 0x65, 0x6e, 0x74,
    0x2d, 0x6e, 0x61, 0x6d, 0x65, 0x01, 0x16, 0x00, 0x00, 0x03, 0x00, 0x04, 0x72, 0x6e, 0x65, 0x77,
    0x01, 0x05, 0x72, 0x64, 0x72, 0x6f, 0x70, 0x02, 0x04, 0x72, 0x72, 0x65, 0x70, 0x01, 0x06, 0x00,
    0x11, 0x01, 0x00, 0x01, 0x4d, 0x01, 0x06, 0x00, 0x12, 0x01, 0x01, 0x01, 0x6d, 0x01, 0x2a, 0x03,
    0x08, 0x00, 0x01, 0x52, 0x01, 0x02, 0x52, 0x27, 0x02, 0x05, 0x70, 0x6f, 0x69, 0x6e, 0x74, 0x03,
    0x06, 0x70, 0x6f, 0x69, 0x6e, 0x74, 0x27, 0x04, 0x02, 0x66, 0x6c, 0x05, 0x03, 0x66, 0x6c, 0x27,
    0x06, 0x02, 0x65, 0x6e, 0x07, 0x03, 0x65, 0x6e, 0x27,
};

/* (component
 *   (import "test:host/api" (instance $h
 *     (export "h" (type $H (sub resource)))
 *     (export "hget" (func (param "h" (borrow $H)) (result u32)))
 *     (export "hstr" (func (result string)))))
 *   ... a libc core instance (memory, bump realloc), canon lower of hget and hstr,
 *   canon resource.drop $H, and a core module with
 *     keep (returns without dropping its borrow), use (hget, then drops the borrow),
 *     stale (drops its own handle, then passes it to hget), callstr (hstr's string)
 *   (func (export "keep") (param "h" (borrow $H)))
 *   (func (export "use") (param "h" (borrow $H)) (result u32))
 *   (func (export "stale") (param "h" (own $H)) (result u32))
 *   (func (export "callstr") (result string))) */
static const uint8_t c2[] = {
    0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00, 0x07, 0x2b, 0x01, 0x42, 0x06, 0x04, 0x00, 0x01,
    0x68, 0x03, 0x01, 0x01, 0x68, 0x00, 0x01, 0x40, 0x01, 0x01, 0x68, 0x01, 0x00, 0x79, 0x04, 0x00,
    0x04, 0x68, 0x67, 0x65, 0x74, 0x01, 0x02, 0x01, 0x40, 0x00, 0x00, 0x73, 0x04, 0x00, 0x04, 0x68,
    0x73, 0x74, 0x72, 0x01, 0x03, 0x0a, 0x12, 0x01, 0x00, 0x0d, 0x74, 0x65, 0x73, 0x74, 0x3a, 0x68,
    0x6f, 0x73, 0x74, 0x2f, 0x61, 0x70, 0x69, 0x05, 0x00, 0x06, 0x06, 0x01, 0x03, 0x00, 0x00, 0x01,
    0x68, 0x01, 0x72, 0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x09, 0x01, 0x60, 0x04,
    0x7f, 0x7f, 0x7f, 0x7f, 0x01, 0x7f, 0x03, 0x02, 0x01, 0x00, 0x05, 0x03, 0x01, 0x00, 0x01, 0x06,
    0x07, 0x01, 0x7f, 0x01, 0x41, 0x80, 0x08, 0x0b, 0x07, 0x11, 0x02, 0x03, 0x6d, 0x65, 0x6d, 0x02,
    0x00, 0x07, 0x72, 0x65, 0x61, 0x6c, 0x6c, 0x6f, 0x63, 0x00, 0x00, 0x0a, 0x19, 0x01, 0x17, 0x01,
    0x01, 0x7f, 0x23, 0x00, 0x21, 0x04, 0x23, 0x00, 0x20, 0x03, 0x41, 0x07, 0x6a, 0x41, 0x78, 0x71,
    0x6a, 0x24, 0x00, 0x20, 0x04, 0x0b, 0x00, 0x1d, 0x04, 0x6e, 0x61, 0x6d, 0x65, 0x00, 0x05, 0x04,
    0x4c, 0x69, 0x62, 0x63, 0x02, 0x06, 0x01, 0x00, 0x01, 0x04, 0x01, 0x70, 0x07, 0x07, 0x01, 0x00,
    0x04, 0x62, 0x75, 0x6d, 0x70, 0x02, 0x04, 0x01, 0x00, 0x00, 0x00, 0x06, 0x09, 0x01, 0x01, 0x00,
    0x00, 0x04, 0x68, 0x67, 0x65, 0x74, 0x08, 0x05, 0x01, 0x01, 0x00, 0x00, 0x00, 0x06, 0x1d, 0x03,
    0x01, 0x00, 0x00, 0x04, 0x68, 0x73, 0x74, 0x72, 0x00, 0x02, 0x01, 0x00, 0x03, 0x6d, 0x65, 0x6d,
    0x00, 0x00, 0x01, 0x00, 0x07, 0x72, 0x65, 0x61, 0x6c, 0x6c, 0x6f, 0x63, 0x08, 0x0b, 0x02, 0x01,
    0x00, 0x01, 0x02, 0x03, 0x00, 0x04, 0x01, 0x03, 0x01, 0x01, 0xb1, 0x01, 0x00, 0x61, 0x73, 0x6d,
    0x01, 0x00, 0x00, 0x00, 0x01, 0x0e, 0x03, 0x60, 0x01, 0x7f, 0x01, 0x7f, 0x60, 0x01, 0x7f, 0x00,
    0x60, 0x00, 0x01, 0x7f, 0x02, 0x1a, 0x03, 0x00, 0x04, 0x68, 0x67, 0x65, 0x74, 0x00, 0x00, 0x00,
    0x04, 0x68, 0x73, 0x74, 0x72, 0x00, 0x01, 0x00, 0x05, 0x68, 0x64, 0x72, 0x6f, 0x70, 0x00, 0x01,
    0x03, 0x05, 0x04, 0x01, 0x00, 0x00, 0x02, 0x07, 0x20, 0x04, 0x04, 0x6b, 0x65, 0x65, 0x70, 0x00,
    0x03, 0x03, 0x75, 0x73, 0x65, 0x00, 0x04, 0x05, 0x73, 0x74, 0x61, 0x6c, 0x65, 0x00, 0x05, 0x07,
    0x63, 0x61, 0x6c, 0x6c, 0x73, 0x74, 0x72, 0x00, 0x06, 0x0a, 0x29, 0x04, 0x02, 0x00, 0x0b, 0x10,
    0x01, 0x01, 0x7f, 0x20, 0x00, 0x10, 0x00, 0x21, 0x01, 0x20, 0x00, 0x10, 0x02, 0x20, 0x01, 0x0b,
    0x0a, 0x00, 0x20, 0x00, 0x10, 0x02, 0x20, 0x00, 0x10, 0x00, 0x0b, 0x08, 0x00, 0x41, 0x10, 0x10,
    0x01, 0x41, 0x10, 0x0b, 0x00, 0x27, 0x04, 0x6e, 0x61, 0x6d, 0x65, 0x00, 0x02, 0x01, 0x4d, 0x01,
    0x14, 0x03, 0x00, 0x04, 0x68, 0x67, 0x65, 0x74, 0x01, 0x04, 0x68, 0x73, 0x74, 0x72, 0x02, 0x05,
    0x68, 0x64, 0x72, 0x6f, 0x70, 0x02, 0x06, 0x01, 0x04, 0x01, 0x01, 0x01, 0x76, 0x02, 0x1f, 0x02,
    0x01, 0x03, 0x04, 0x68, 0x67, 0x65, 0x74, 0x00, 0x00, 0x04, 0x68, 0x73, 0x74, 0x72, 0x00, 0x02,
    0x05, 0x68, 0x64, 0x72, 0x6f, 0x70, 0x00, 0x03, 0x00, 0x01, 0x01, 0x00, 0x12, 0x01, 0x07, 0x0a,
    0x02, 0x68, 0x01, 0x40, 0x01, 0x01, 0x68, 0x02, 0x01, 0x00, 0x06, 0x0a, 0x01, 0x00, 0x00, 0x01,
    0x02, 0x04, 0x6b, 0x65, 0x65, 0x70, 0x08, 0x06, 0x01, 0x00, 0x00, 0x04, 0x00, 0x03, 0x07, 0x0a,
    0x02, 0x68, 0x01, 0x40, 0x01, 0x01, 0x68, 0x04, 0x00, 0x79, 0x06, 0x09, 0x01, 0x00, 0x00, 0x01,
    0x02, 0x03, 0x75, 0x73, 0x65, 0x08, 0x06, 0x01, 0x00, 0x00, 0x05, 0x00, 0x05, 0x07, 0x0a, 0x02,
    0x69, 0x01, 0x40, 0x01, 0x01, 0x68, 0x06, 0x00, 0x79, 0x06, 0x0b, 0x01, 0x00, 0x00, 0x01, 0x02,
    0x05, 0x73, 0x74, 0x61, 0x6c, 0x65, 0x08, 0x06, 0x01, 0x00, 0x00, 0x06, 0x00, 0x07, 0x07, 0x05,
    0x01, 0x40, 0x00, 0x00, 0x73, 0x06, 0x15, 0x02, 0x00, 0x00, 0x01, 0x02, 0x07, 0x63, 0x61, 0x6c,
    0x6c, 0x73, 0x74, 0x72, 0x00, 0x02, 0x01, 0x00, 0x03, 0x6d, 0x65, 0x6d, 0x08, 0x08, 0x01, 0x00,
    0x00, 0x07, 0x01, 0x03, 0x01, 0x08, 0x0b, 0x28, 0x04, 0x00, 0x04, 0x6b, 0x65, 0x65, 0x70, 0x01,
    0x02, 0x00, 0x00, 0x03, 0x75, 0x73, 0x65, 0x01, 0x03, 0x00, 0x00, 0x05, 0x73, 0x74, 0x61, 0x6c,
    0x65, 0x01, 0x04, 0x00, 0x00, 0x07, 0x63, 0x61, 0x6c, 0x6c, 0x73, 0x74, 0x72, 0x01, 0x05, 0x00,
    0x00, 0x51, 0x0e, 0x63, 0x6f, 0x6d, 0x70, 0x6f, 0x6e, 0x65, 0x6e, 0x74, 0x2d, 0x6e, 0x61, 0x6d,
    0x65, 0x01, 0x16, 0x00, 0x00, 0x03, 0x00, 0x04, 0x68, 0x67, 0x65, 0x74, 0x02, 0x04, 0x68, 0x73,
    0x74, 0x72, 0x03, 0x05, 0x68, 0x64, 0x72, 0x6f, 0x70, 0x01, 0x0c, 0x00, 0x11, 0x02, 0x00, 0x04,
    0x4c, 0x69, 0x62, 0x63, 0x01, 0x01, 0x4d, 0x01, 0x0c, 0x00, 0x12, 0x02, 0x00, 0x04, 0x6c, 0x69,
    0x62, 0x63, 0x02, 0x01, 0x6d, 0x01, 0x05, 0x03, 0x01, 0x01, 0x01, 0x48, 0x01, 0x05, 0x05, 0x01,
    0x00, 0x01, 0x68,
};

/* ---- helpers --------------------------------------------------------------------------- */

typedef struct fx {
    weft_store_t *store;
    weft_cval_arena_t *arena;
    weft_component_t *comp;
    weft_component_instance_t *inst;
} fx_t;

/* A store, an arena and an instance of `bytes` in it. */
static bool fx_open(fx_t *fx, weft_engine_t *engine, const uint8_t *bytes, size_t len,
                    const weft_component_linker_t *linker)
{
    memset(fx, 0, sizeof *fx);
    fx->store = weft_store_new(engine);
    fx->arena = weft_cval_arena_new(engine);
    if (!fx->store || !fx->arena) return false;
    if (!test_ok(weft_component_new(engine, bytes, len, &fx->comp))) return false;
    return test_ok(weft_component_instance_new(fx->store, fx->comp, linker, &fx->inst));
}

static void fx_close(fx_t *fx)
{
    weft_cval_arena_delete(fx->arena);
    weft_store_delete(fx->store);
    weft_component_delete(fx->comp);
    memset(fx, 0, sizeof *fx);
}

static weft_component_func_t *fn(const fx_t *fx, const char *name)
{
    weft_component_func_t *f = NULL;
    if (!weft_component_instance_func(fx->inst, name, strlen(name), &f))
        fprintf(stderr, "  no export %s\n", name);
    return f;
}

static weft_cval_t val_u(uint8_t kind, uint64_t x)
{
    weft_cval_t v;
    memset(&v, 0, sizeof v);
    v.kind = kind;
    v.u.u = x;
    return v;
}

static weft_cval_t val_s(uint8_t kind, int64_t x)
{
    weft_cval_t v;
    memset(&v, 0, sizeof v);
    v.kind = kind;
    v.u.s = x;
    return v;
}

static weft_cval_t val_str(const void *bytes, uint32_t units, uint8_t encoding)
{
    weft_cval_t v;
    memset(&v, 0, sizeof v);
    v.kind = WEFT_CVAL_STRING;
    v.u.str.bytes = bytes;
    v.u.str.tagged_code_units = units;
    v.u.str.encoding = encoding;
    return v;
}

static weft_cval_t val_agg(uint8_t kind, weft_cval_t *items, uint32_t len)
{
    weft_cval_t v;
    memset(&v, 0, sizeof v);
    v.kind = kind;
    v.u.agg.items = items;
    v.u.agg.len = len;
    return v;
}

static weft_cval_t val_var(uint8_t kind, uint32_t index, weft_cval_t *payload)
{
    weft_cval_t v;
    memset(&v, 0, sizeof v);
    v.kind = kind;
    v.u.var.index = index;
    v.u.var.payload = payload;
    return v;
}

/* Calls f with one argument. */
static weft_error_t *call1(const fx_t *fx, const char *name, weft_cval_t arg, weft_cval_t *res)
{
    weft_component_func_t *f = fn(fx, name);
    weft_cval_t dummy;
    return weft_component_func_call(fx->store, f, &arg, 1, res ? res : &dummy,
                                    weft_component_func_result_count(f), fx->arena);
}

/* f(arg) succeeds with an integer result `want`. */
static bool gives(const fx_t *fx, const char *name, weft_cval_t arg, uint64_t want)
{
    weft_cval_t res;
    memset(&res, 0, sizeof res);
    if (!test_ok(call1(fx, name, arg, &res))) return false;
    if (res.u.u != want) {
        fprintf(stderr, "  %s: got %llu, expected %llu\n", name, (unsigned long long)res.u.u,
                (unsigned long long)want);
        return false;
    }
    return true;
}

/* add(1, 2) == 3: the instance is usable. */
static bool usable(const fx_t *fx)
{
    weft_cval_t args[2] = {val_u(WEFT_CVAL_U32, 1), val_u(WEFT_CVAL_U32, 2)}, res;
    memset(&res, 0, sizeof res);
    return test_ok(weft_component_func_call(fx->store, fn(fx, "add"), args, 2, &res, 1, fx->arena)) &&
           res.u.u == 3;
}

/* ---- arity, result counts, NULL arguments of calls ------------------------------------ */

static void test_arity(weft_engine_t *engine)
{
    fx_t fx;
    CHECK(fx_open(&fx, engine, c1, sizeof c1, NULL));
    weft_component_func_t *add = fn(&fx, "add");
    weft_cval_t args[3] = {val_u(WEFT_CVAL_U32, 1), val_u(WEFT_CVAL_U32, 2),
                           val_u(WEFT_CVAL_U32, 3)};
    weft_cval_t res[2];
    memset(res, 0, sizeof res);
    EXPECT_INVALID(weft_component_func_call(fx.store, add, args, 1, res, 1, fx.arena));
    EXPECT_INVALID(weft_component_func_call(fx.store, add, args, 3, res, 1, fx.arena));
    EXPECT_INVALID(weft_component_func_call(fx.store, add, NULL, 0, res, 1, fx.arena));
    EXPECT_INVALID(weft_component_func_call(fx.store, add, NULL, 2, res, 1, fx.arena));
    EXPECT_INVALID(weft_component_func_call(fx.store, add, args, 2, res, 0, fx.arena));
    EXPECT_INVALID(weft_component_func_call(fx.store, add, args, 2, NULL, 1, fx.arena));
    EXPECT_INVALID(weft_component_func_call(fx.store, add, args, 2, res, 1, NULL));
    EXPECT_INVALID(weft_component_func_call(NULL, add, args, 2, res, 1, fx.arena));
    EXPECT_INVALID(weft_component_func_call(fx.store, NULL, args, 2, res, 1, fx.arena));
    /* More result slots than results is allowed. */
    CHECK(test_ok(weft_component_func_call(fx.store, add, args, 2, res, 2, fx.arena)) &&
          res[0].u.u == 3);
    /* A function without a result takes no result slots (and needs no arena). */
    weft_cval_t own;
    memset(&own, 0, sizeof own);
    CHECK(test_ok(weft_component_func_call(fx.store, fn(&fx, "make"), NULL, 0, &own, 1, fx.arena)));
    CHECK(own.kind == WEFT_CVAL_OWN);
    CHECK(test_ok(weft_component_func_call(fx.store, fn(&fx, "take"), &own, 1, NULL, 0, NULL)));
    /* None of the rejected calls entered the instance. */
    CHECK(usable(&fx));
    fx_close(&fx);
}

/* ---- values that do not fit their types ------------------------------------------------ */

static void test_types(weft_engine_t *engine)
{
    fx_t fx;
    CHECK(fx_open(&fx, engine, c1, sizeof c1, NULL));
    weft_component_func_t *add = fn(&fx, "add");
    weft_cval_t res;
    memset(&res, 0, sizeof res);

    /* Scalars: wrong kinds, kinds that do not exist, out-of-range numbers. */
    weft_cval_t args[2] = {val_str("x", 1, WEFT_CSTRING_UTF8), val_u(WEFT_CVAL_U32, 2)};
    EXPECT_INVALID(weft_component_func_call(fx.store, add, args, 2, &res, 1, fx.arena));
    args[0] = val_s(WEFT_CVAL_S32, 1);
    EXPECT_INVALID(weft_component_func_call(fx.store, add, args, 2, &res, 1, fx.arena));
    args[0] = val_u(0, 1);
    EXPECT_INVALID(weft_component_func_call(fx.store, add, args, 2, &res, 1, fx.arena));
    args[0] = val_u(200, 1);
    EXPECT_INVALID(weft_component_func_call(fx.store, add, args, 2, &res, 1, fx.arena));
    args[0] = val_u(WEFT_CVAL_U32, (uint64_t)1 << 32);
    EXPECT_INVALID(weft_component_func_call(fx.store, add, args, 2, &res, 1, fx.arena));
    EXPECT_INVALID(call1(&fx, "u8v", val_u(WEFT_CVAL_U8, 256), NULL));
    CHECK(gives(&fx, "u8v", val_u(WEFT_CVAL_U8, 255), 255));
    EXPECT_INVALID(call1(&fx, "chr", val_u(WEFT_CVAL_CHAR, 0xD800), NULL));
    EXPECT_INVALID(call1(&fx, "chr", val_u(WEFT_CVAL_CHAR, 0x110000), NULL));
    CHECK(gives(&fx, "chr", val_u(WEFT_CVAL_CHAR, 0x1F600), 0x1F600));
    EXPECT_INVALID(call1(&fx, "flg", val_u(WEFT_CVAL_FLAGS, 4), NULL));
    CHECK(gives(&fx, "flg", val_u(WEFT_CVAL_FLAGS, 3), 3));
    EXPECT_INVALID(call1(&fx, "enm", val_var(WEFT_CVAL_ENUM, 2, NULL), NULL));
    CHECK(gives(&fx, "enm", val_var(WEFT_CVAL_ENUM, 1, NULL), 1));

    /* Records: missing, extra, absent and mistyped fields. */
    weft_cval_t xy[3] = {val_s(WEFT_CVAL_S32, 40), val_s(WEFT_CVAL_S32, 2),
                         val_s(WEFT_CVAL_S32, 7)};
    EXPECT_INVALID(call1(&fx, "pt", val_agg(WEFT_CVAL_RECORD, xy, 1), NULL));
    EXPECT_INVALID(call1(&fx, "pt", val_agg(WEFT_CVAL_RECORD, xy, 3), NULL));
    EXPECT_INVALID(call1(&fx, "pt", val_agg(WEFT_CVAL_RECORD, NULL, 2), NULL));
    EXPECT_INVALID(call1(&fx, "pt", val_agg(WEFT_CVAL_TUPLE, xy, 2), NULL));
    xy[1] = val_s(WEFT_CVAL_S32, (int64_t)1 << 40);
    EXPECT_INVALID(call1(&fx, "pt", val_agg(WEFT_CVAL_RECORD, xy, 2), NULL));
    xy[1] = val_str("2", 1, WEFT_CSTRING_UTF8);
    EXPECT_INVALID(call1(&fx, "pt", val_agg(WEFT_CVAL_RECORD, xy, 2), NULL));
    xy[1] = val_s(WEFT_CVAL_S32, 2);
    CHECK(gives(&fx, "pt", val_agg(WEFT_CVAL_RECORD, xy, 2), 42));

    /* Options: unknown cases, missing and unexpected payloads. */
    weft_cval_t five = val_u(WEFT_CVAL_U32, 5);
    EXPECT_INVALID(call1(&fx, "opt", val_var(WEFT_CVAL_OPTION, 2, &five), NULL));
    EXPECT_INVALID(call1(&fx, "opt", val_var(WEFT_CVAL_OPTION, 1, NULL), NULL));
    EXPECT_INVALID(call1(&fx, "opt", val_var(WEFT_CVAL_OPTION, 0, &five), NULL));
    EXPECT_INVALID(call1(&fx, "opt", val_var(WEFT_CVAL_VARIANT, 1, &five), NULL));
    CHECK(gives(&fx, "opt", val_var(WEFT_CVAL_OPTION, 1, &five), 5));
    CHECK(gives(&fx, "opt", val_var(WEFT_CVAL_OPTION, 0, NULL), 99));

    /* Lists: absent items, mistyped elements, strings without bytes. */
    weft_cval_t words[2] = {val_str("ab", 2, WEFT_CSTRING_UTF8),
                            val_u(WEFT_CVAL_U32, 1)};
    EXPECT_INVALID(call1(&fx, "lst", val_agg(WEFT_CVAL_LIST, NULL, 3), NULL));
    EXPECT_INVALID(call1(&fx, "lst", val_agg(WEFT_CVAL_LIST, words, 2), NULL));
    words[1] = val_str(NULL, 4, WEFT_CSTRING_UTF8);
    EXPECT_INVALID(call1(&fx, "lst", val_agg(WEFT_CVAL_LIST, words, 2), NULL));
    words[1] = val_str(NULL, 0, WEFT_CSTRING_UTF8);
    CHECK(gives(&fx, "lst", val_agg(WEFT_CVAL_LIST, words, 2), 2));

    /* Strings: invalid UTF-8, unknown encodings, lone surrogates. */
    static const uint8_t bad_utf8[] = {'a', 0xff, 0xfe};
    static const uint8_t overlong[] = {0xc0, 0x80};
    static const uint8_t surrogate8[] = {0xed, 0xa0, 0x80};
    static const uint8_t lone16[] = {0x00, 0xd8, 'a', 0};
    static const uint8_t hi16[] = {'h', 0, 'i', 0};
    EXPECT_INVALID(call1(&fx, "echo", val_str(bad_utf8, 3, WEFT_CSTRING_UTF8), NULL));
    EXPECT_INVALID(call1(&fx, "echo", val_str(overlong, 2, WEFT_CSTRING_UTF8), NULL));
    EXPECT_INVALID(call1(&fx, "echo", val_str(surrogate8, 3, WEFT_CSTRING_UTF8), NULL));
    EXPECT_INVALID(call1(&fx, "echo", val_str(hi16, 2, 9), NULL));
    EXPECT_INVALID(call1(&fx, "echo", val_str(lone16, 2, WEFT_CSTRING_UTF16), NULL));
    EXPECT_INVALID(call1(&fx, "echo", val_str(hi16, 1u << 31, WEFT_CSTRING_UTF8), NULL));
    weft_cval_t s;
    memset(&s, 0, sizeof s);
    const char *text = NULL;
    size_t len = 0;
    CHECK(test_ok(call1(&fx, "echo", val_str(hi16, 2, WEFT_CSTRING_UTF16), &s)));
    CHECK(weft_cval_string_utf8(fx.arena, &s, &text, &len) && len == 2 && !memcmp(text, "hi", 2));
    CHECK(test_ok(call1(&fx, "echo", val_str(hi16, 2u | (1u << 31), WEFT_CSTRING_LATIN1_UTF16), &s)));
    CHECK(weft_cval_string_utf8(fx.arena, &s, &text, &len) && len == 2 && !memcmp(text, "hi", 2));

    /* Handles: an own where a borrow is expected. */
    EXPECT_INVALID(call1(&fx, "get", val_u(WEFT_CVAL_OWN, 1), NULL));

    /* No rejected value reached the instance. */
    CHECK(usable(&fx));
    fx_close(&fx);
}

/* ---- traps and poisoning --------------------------------------------------------------- */

static void test_poison(weft_engine_t *engine)
{
    fx_t fx;
    CHECK(fx_open(&fx, engine, c1, sizeof c1, NULL));
    weft_error_t *err = weft_component_func_call(fx.store, fn(&fx, "boom"), NULL, 0, NULL, 0,
                                                 NULL);
    CHECK(err && weft_error_kind(err) == WEFT_ERROR_TRAP &&
          weft_error_trap_code(err) == WEFT_TRAP_UNREACHABLE);
    weft_error_delete(err);
    /* Every export of the poisoned instance now traps, but the store works on. */
    weft_cval_t args[2] = {val_u(WEFT_CVAL_U32, 1), val_u(WEFT_CVAL_U32, 2)}, res;
    EXPECT_TRAP(weft_component_func_call(fx.store, fn(&fx, "add"), args, 2, &res, 1, fx.arena),
                "cannot enter component instance");
    EXPECT_TRAP(call1(&fx, "echo", val_str("a", 1, WEFT_CSTRING_UTF8), NULL),
                "cannot enter component instance");
    EXPECT_TRAP(weft_component_func_call(fx.store, fn(&fx, "boom"), NULL, 0, NULL, 0, NULL),
                "cannot enter component instance");
    /* Argument errors are still reported as such. */
    EXPECT_INVALID(weft_component_func_call(fx.store, fn(&fx, "add"), args, 1, &res, 1,
                                            fx.arena));
    weft_component_instance_t *again = NULL;
    CHECK(test_ok(weft_component_instance_new(fx.store, fx.comp, NULL, &again)));
    weft_component_func_t *add2 = NULL;
    CHECK(weft_component_instance_func(again, "add", 3, &add2));
    CHECK(test_ok(weft_component_func_call(fx.store, add2, args, 2, &res, 1, fx.arena)) &&
          res.u.u == 3);
    fx_close(&fx);
}

/* ---- resources: dropped handles, handles of another instance --------------------------- */

static void test_resources(weft_engine_t *engine)
{
    fx_t fx;
    CHECK(fx_open(&fx, engine, c1, sizeof c1, NULL));
    weft_cval_t own;
    memset(&own, 0, sizeof own);
    CHECK(test_ok(weft_component_func_call(fx.store, fn(&fx, "make"), NULL, 0, &own, 1, fx.arena)));
    CHECK(own.kind == WEFT_CVAL_OWN && own.u.rep == 42);
    CHECK(gives(&fx, "get", val_u(WEFT_CVAL_BORROW, own.u.rep), 42));
    /* A rep is the host's to pass: the instance receives a new handle each time. */
    CHECK(test_ok(call1(&fx, "take", own, NULL)));
    /* Dropping a handle twice, or using it after the drop, traps. */
    EXPECT_TRAP(call1(&fx, "drop-twice", own, NULL), "unknown handle index");
    EXPECT_TRAP(call1(&fx, "get", val_u(WEFT_CVAL_BORROW, 1), NULL),
                "cannot enter component instance");
    fx_close(&fx);

    CHECK(fx_open(&fx, engine, c1, sizeof c1, NULL));
    EXPECT_TRAP(call1(&fx, "dropped", own, NULL), "unknown handle index");
    fx_close(&fx);

    /* A rep made by another instance is only a number to this one. */
    fx_t other;
    CHECK(fx_open(&fx, engine, c1, sizeof c1, NULL));
    CHECK(fx_open(&other, engine, c1, sizeof c1, NULL));
    CHECK(test_ok(weft_component_func_call(other.store, fn(&other, "make"), NULL, 0, &own, 1,
                                      other.arena)));
    CHECK(test_ok(call1(&fx, "take", own, NULL)));
    CHECK(usable(&fx) && usable(&other));

    /* A function of another store. */
    weft_cval_t args[2] = {val_u(WEFT_CVAL_U32, 1), val_u(WEFT_CVAL_U32, 2)}, res;
    EXPECT_INVALID(weft_component_func_call(fx.store, fn(&other, "add"), args, 2, &res, 1,
                                            fx.arena));
    CHECK(usable(&fx) && usable(&other));
    fx_close(&other);
    fx_close(&fx);
}

/* ---- host functions and host resources ------------------------------------------------- */

typedef struct host {
    int mode;        /* what hstr returns: see hstr() */
    int dtor_calls;
    uint32_t last_rep;
} host_t;

static void h_dtor(void *env, uint32_t rep)
{
    host_t *h = env;
    h->dtor_calls++;
    h->last_rep = rep;
}

static weft_error_t *hget(void *env, weft_store_t *store, const weft_cval_t *args, size_t nargs,
                          weft_cval_t *results, size_t nresults, weft_cval_arena_t *arena)
{
    (void)env, (void)store, (void)arena;
    if (nargs != 1 || nresults != 1 || args[0].kind != WEFT_CVAL_BORROW)
        return weft_trap_new(store, "hget: bad call");
    results[0] = val_u(WEFT_CVAL_U32, 1000u + args[0].u.rep);
    return NULL;
}

static weft_error_t *hstr(void *env, weft_store_t *store, const weft_cval_t *args, size_t nargs,
                          weft_cval_t *results, size_t nresults, weft_cval_arena_t *arena)
{
    (void)args, (void)nargs, (void)nresults;
    static const uint8_t bad[] = {0xff};
    host_t *h = env;
    switch (h->mode) {
    case 0: return weft_cval_set_string(arena, "hi", 2, &results[0]) ? NULL
                                                                      : weft_trap_new(store, "oom");
    case 1: results[0] = val_u(WEFT_CVAL_U32, 1); return NULL;     /* wrong type */
    case 2: return NULL;                                            /* no result */
    case 3: results[0] = val_str(bad, 1, WEFT_CSTRING_UTF8); return NULL;
    case 4: results[0] = val_str(NULL, 3, WEFT_CSTRING_UTF8); return NULL;
    case 5: results[0] = val_str(bad, 1, 9); return NULL;         /* unknown encoding */
    default: return weft_trap_new(store, "hstr failed on purpose");
    }
}

static weft_error_t *define_host(weft_component_linker_t *l, host_t *h, bool with_hstr)
{
    static const char api[] = "test:host/api";
    weft_error_t *err = weft_component_linker_define_resource(l, api, strlen(api), "h", 1,
                                                              h_dtor, h);
    if (!err) err = weft_component_linker_define_func(l, api, strlen(api), "hget", 4, hget, h,
                                                      NULL);
    if (!err && with_hstr)
        err = weft_component_linker_define_func(l, api, strlen(api), "hstr", 4, hstr, h, NULL);
    return err;
}

static void test_host(weft_engine_t *engine)
{
    host_t h;
    memset(&h, 0, sizeof h);
    weft_component_linker_t *l = weft_component_linker_new(engine);
    CHECK(l && test_ok(define_host(l, &h, true)));
    fx_t fx;
    CHECK(fx_open(&fx, engine, c2, sizeof c2, l));
    CHECK(gives(&fx, "use", val_u(WEFT_CVAL_BORROW, 7), 1007));
    weft_cval_t s;
    const char *text = NULL;
    size_t len = 0;
    CHECK(test_ok(weft_component_func_call(fx.store, fn(&fx, "callstr"), NULL, 0, &s, 1, fx.arena)));
    CHECK(weft_cval_string_utf8(fx.arena, &s, &text, &len) && len == 2 && !memcmp(text, "hi", 2));
    /* A borrow kept past the end of the call traps. */
    EXPECT_TRAP(call1(&fx, "keep", val_u(WEFT_CVAL_BORROW, 7), NULL),
                "borrow handles still remain");
    fx_close(&fx);

    /* A handle used after its drop: the destructor ran once, then the use traps. */
    CHECK(fx_open(&fx, engine, c2, sizeof c2, l));
    EXPECT_TRAP(call1(&fx, "stale", val_u(WEFT_CVAL_OWN, 9), NULL), "unknown handle index");
    CHECK(h.dtor_calls == 1 && h.last_rep == 9);
    fx_close(&fx);

    /* Host functions returning what the type does not allow make the caller trap. */
    static const char *const want[] = {NULL, "wrong type", "wrong type", NULL, "wrong type",
                                       NULL, "hstr failed on purpose"};
    for (int mode = 1; mode <= 6; mode++) {
        h.mode = mode;
        CHECK(fx_open(&fx, engine, c2, sizeof c2, l));
        weft_error_t *err = weft_component_func_call(fx.store, fn(&fx, "callstr"), NULL, 0, &s,
                                                     1, fx.arena);
        if (!test_is_err(err, WEFT_ERROR_TRAP, want[mode])) {
            fprintf(stderr, "  (hstr mode %d)\n", mode);
            CHECK(0);
        }
        fx_close(&fx);
    }
    weft_component_linker_delete(l);
}

/* ---- linking errors -------------------------------------------------------------------- */

static weft_error_t *unused_fn(void *env, weft_store_t *store, const weft_cval_t *args,
                               size_t nargs, weft_cval_t *results, size_t nresults,
                               weft_cval_arena_t *arena)
{
    (void)env, (void)args, (void)nargs, (void)results, (void)nresults, (void)arena;
    return weft_trap_new(store, "unused");
}

static int env_frees;
static void env_free(void *env)
{
    (void)env;
    env_frees++;
}

static void test_link(weft_engine_t *engine)
{
    static const char api[] = "test:host/api";
    host_t h;
    memset(&h, 0, sizeof h);
    weft_store_t *store = weft_store_new(engine);
    weft_component_t *comp = NULL;
    weft_component_instance_t *inst = NULL;
    CHECK(store && test_ok(weft_component_new(engine, c2, sizeof c2, &comp)));
    /* No linker, an incomplete one, and ones giving imports of the wrong kind or type. */
    EXPECT_ERR(weft_component_instance_new(store, comp, NULL, &inst), WEFT_ERROR_LINK,
               "test:host/api");
    weft_component_linker_t *l = weft_component_linker_new(engine);
    CHECK(l && test_ok(define_host(l, &h, false)));
    EXPECT_ERR(weft_component_instance_new(store, comp, l, &inst), WEFT_ERROR_LINK, NULL);
    CHECK(test_ok(weft_component_linker_define_resource(l, api, strlen(api), "hstr", 4, NULL,
                                                   NULL)));
    EXPECT_ERR(weft_component_instance_new(store, comp, l, &inst), WEFT_ERROR_LINK, NULL);
    weft_component_linker_delete(l);
    l = weft_component_linker_new(engine);
    CHECK(l && test_ok(define_host(l, &h, true)));
    CHECK(test_ok(weft_component_linker_define_func(l, api, strlen(api), "h", 1, unused_fn, NULL,
                                               NULL)));
    EXPECT_ERR(weft_component_instance_new(store, comp, l, &inst), WEFT_ERROR_LINK, NULL);
    /* The same names at the top level instead of in the instance. */
    weft_component_linker_delete(l);
    l = weft_component_linker_new(engine);
    CHECK(l && test_ok(weft_component_linker_define_resource(l, NULL, 0, "h", 1, NULL, NULL)));
    EXPECT_ERR(weft_component_instance_new(store, comp, l, &inst), WEFT_ERROR_LINK, NULL);
    /* A linker of another engine. */
    weft_engine_t *other = weft_engine_new(NULL);
    weft_component_linker_t *ol = other ? weft_component_linker_new(other) : NULL;
    CHECK(ol != NULL);
    EXPECT_INVALID(weft_component_instance_new(store, comp, ol, &inst));
    CHECK(inst == NULL);
    weft_component_linker_delete(ol);
    weft_engine_delete(other);

    /* NULL linkers, functions and names. */
    env_frees = 0;
    EXPECT_INVALID(weft_component_linker_define_func(NULL, NULL, 0, "f", 1, unused_fn, &h,
                                                     env_free));
    EXPECT_INVALID(weft_component_linker_define_func(l, NULL, 0, "f", 1, NULL, &h, env_free));
    EXPECT_INVALID(weft_component_linker_define_func(l, NULL, 0, NULL, 1, unused_fn, &h,
                                                     env_free));
    CHECK(env_frees == 3);
    weft_error_t *err = weft_component_linker_define_resource(NULL, NULL, 0, "r", 1, NULL, NULL);
    CHECK(err != NULL);
    weft_error_delete(err);
    err = weft_component_linker_define_instance(l, "i", 1, NULL);
    CHECK(err != NULL);
    weft_error_delete(err);
    err = weft_component_linker_define_component_func(l, NULL, 0, "f", 1, NULL);
    CHECK(err != NULL);
    weft_error_delete(err);
    CHECK(weft_component_linker_new(NULL) == NULL);
    weft_component_linker_delete(NULL);
    weft_component_linker_delete(l);
    weft_store_delete(store);
    weft_component_delete(comp);
}

/* ---- NULL and out-of-range arguments of the other functions ---------------------------- */

static void test_nulls(weft_engine_t *engine)
{
    weft_component_t *comp = NULL;
    EXPECT_INVALID(weft_component_new(NULL, c1, sizeof c1, &comp));
    EXPECT_INVALID(weft_component_new(engine, NULL, sizeof c1, &comp));
    EXPECT_INVALID(weft_component_new(engine, c1, sizeof c1, NULL));
    /* Truncated input: a decode error with its offset. */
    weft_error_t *err = weft_component_new(engine, c1, 40, &comp);
    CHECK(err && weft_error_kind(err) == WEFT_ERROR_DECODE && weft_error_offset(err) <= 40);
    weft_error_delete(err);
    /* A core module is not a component. */
    static const uint8_t core[] = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00};
    CHECK(!weft_is_component(core, sizeof core) && weft_is_component(c1, sizeof c1));
    CHECK(!weft_is_component(NULL, 0) && !weft_is_component(c1, 3));
    err = weft_component_new(engine, core, sizeof core, &comp);
    CHECK(err != NULL);
    weft_error_delete(err);
    weft_component_delete(NULL);

    fx_t fx;
    CHECK(fx_open(&fx, engine, c1, sizeof c1, NULL));
    weft_component_instance_t *inst = NULL;
    EXPECT_INVALID(weft_component_instance_new(NULL, fx.comp, NULL, &inst));
    EXPECT_INVALID(weft_component_instance_new(fx.store, NULL, NULL, &inst));
    EXPECT_INVALID(weft_component_instance_new(fx.store, fx.comp, NULL, NULL));

    /* Lookups. */
    weft_component_func_t *f = NULL;
    weft_component_instance_t *sub = NULL;
    CHECK(!weft_component_instance_func(NULL, "add", 3, &f));
    CHECK(!weft_component_instance_func(fx.inst, NULL, 3, &f));
    CHECK(!weft_component_instance_func(fx.inst, "nope", 4, &f));
    CHECK(!weft_component_instance_func(fx.inst, "point", 5, &f)); /* a type */
    CHECK(!weft_component_instance_instance(fx.inst, "add", 3, &sub));
    CHECK(!weft_component_instance_instance(NULL, "add", 3, &sub));
    CHECK(weft_component_instance_export_count(NULL) == 0);
    CHECK(!weft_component_instance_export_nth(fx.inst, 1000, NULL, NULL, NULL));
    CHECK(!weft_component_instance_export_nth(NULL, 0, NULL, NULL, NULL));
    CHECK(weft_component_instance_export_nth(fx.inst, 0, NULL, NULL, NULL));
    f = fn(&fx, "add");
    CHECK(weft_component_func_param_count(NULL) == 0);
    CHECK(weft_component_func_result_count(NULL) == 0);
    CHECK(weft_component_func_param_kind(f, 2) == 0);
    CHECK(weft_component_func_param_kind(NULL, 0) == 0);
    CHECK(weft_component_func_result_kind(fn(&fx, "take")) == 0);
    CHECK(weft_component_func_result_kind(NULL) == 0);
    CHECK(weft_component_func_param_type(f, 2) == NULL);
    CHECK(weft_component_func_param_type(NULL, 0) == NULL);
    CHECK(weft_component_func_result_type(fn(&fx, "take")) == NULL);
    CHECK(!weft_component_func_param_name(f, 2, NULL, NULL));

    /* Values and arenas. */
    weft_cval_t v = val_u(WEFT_CVAL_U32, 1), w;
    const char *text = NULL;
    size_t len = 0;
    CHECK(weft_cval_arena_new(NULL) == NULL);
    CHECK(weft_cval_alloc(NULL, 1) == NULL);
    CHECK(weft_cval_alloc(fx.arena, SIZE_MAX) == NULL);
    CHECK(weft_cval_alloc(fx.arena, SIZE_MAX / sizeof(weft_cval_t)) == NULL);
    CHECK(!weft_cval_set_string(NULL, "x", 1, &w));
    CHECK(!weft_cval_set_string(fx.arena, NULL, 1, &w));
    CHECK(!weft_cval_set_string(fx.arena, "x", 1, NULL));
    CHECK(!weft_cval_set_string(fx.arena, "x", SIZE_MAX, &w));
    CHECK(!weft_cval_string_utf8(fx.arena, &v, &text, &len));
    CHECK(!weft_cval_string_utf8(NULL, &v, &text, &len));
    CHECK(!weft_cval_string_utf8(fx.arena, NULL, &text, &len));
    w = val_str("x", 1, 9);
    CHECK(!weft_cval_string_utf8(fx.arena, &w, &text, &len));
    CHECK(weft_cval_equal(NULL, NULL) && !weft_cval_equal(&v, NULL));
    weft_cval_arena_reset(NULL);
    weft_cval_arena_delete(NULL);

    /* WAVE. */
    const weft_cval_type_t *u32 = weft_component_func_param_type(f, 0);
    weft_cval_t args[2];
    EXPECT_INVALID(weft_wave_parse(NULL, u32, "1", 1, &w));
    EXPECT_INVALID(weft_wave_parse(fx.arena, NULL, "1", 1, &w));
    EXPECT_INVALID(weft_wave_parse(fx.arena, u32, NULL, 1, &w));
    EXPECT_INVALID(weft_wave_parse(fx.arena, u32, "1", 1, NULL));
    EXPECT_INVALID(weft_wave_parse(fx.arena, u32, "\"1\"", 3, &w));
    EXPECT_INVALID(weft_wave_parse_args(fx.arena, f, "(1, 2)", 6, args, 1));
    EXPECT_INVALID(weft_wave_parse_args(fx.arena, f, "(1)", 3, args, 2));
    EXPECT_INVALID(weft_wave_parse_args(fx.arena, NULL, "(1, 2)", 6, args, 2));
    w = val_str("x", 1, WEFT_CSTRING_UTF8);
    EXPECT_INVALID(weft_wave_print(fx.arena, u32, &w, &text, &len));
    w = val_u(0, 0);
    EXPECT_INVALID(weft_wave_print(fx.arena, u32, &w, &text, &len));
    EXPECT_INVALID(weft_wave_print(fx.arena, u32, NULL, &text, &len));
    EXPECT_INVALID(weft_wave_print(NULL, u32, &v, &text, &len));
    EXPECT_INVALID(weft_wave_print_type(fx.arena, NULL, &text, &len));

    /* Host errors. */
    err = weft_trap_new(NULL, NULL);
    CHECK(weft_error_kind(err) == WEFT_ERROR_TRAP && weft_error_trap_code(err) == WEFT_TRAP_HOST);
    weft_error_delete(err);
    fx_close(&fx);
}

/* ---- lifetimes ------------------------------------------------------------------------- */

static void test_lifetimes(weft_engine_t *engine)
{
    /* Deleting the component while an instance lives is deferred. */
    fx_t fx;
    CHECK(fx_open(&fx, engine, c1, sizeof c1, NULL));
    weft_component_delete(fx.comp);
    fx.comp = NULL;
    CHECK(usable(&fx));
    weft_cval_t s;
    CHECK(test_ok(call1(&fx, "echo", val_str("abc", 3, WEFT_CSTRING_UTF8), &s)));
    /* Results live in the arena until it is reset; the instance is unaffected by the reset. */
    weft_cval_arena_reset(fx.arena);
    CHECK(usable(&fx));
    fx_close(&fx);

    /* A linker may go once the instances made with it no longer call its functions; its
     * resource types stay valid while instances use them. */
    host_t h;
    memset(&h, 0, sizeof h);
    weft_component_linker_t *l = weft_component_linker_new(engine);
    CHECK(l && test_ok(define_host(l, &h, true)));
    CHECK(fx_open(&fx, engine, c2, sizeof c2, l));
    CHECK(gives(&fx, "use", val_u(WEFT_CVAL_BORROW, 3), 1003));
    weft_component_linker_delete(l);
    fx_close(&fx);
}

int main(void)
{
    weft_engine_t *engine = weft_engine_new(NULL);
    if (!engine) return 1;
    test_arity(engine);
    test_types(engine);
    test_poison(engine);
    test_resources(engine);
    test_host(engine);
    test_link(engine);
    test_nulls(engine);
    test_lifetimes(engine);
    weft_engine_delete(engine);
    return test_report("test_capi_misuse");
}
