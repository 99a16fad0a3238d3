/* validate_internal.h - shared pieces of the validator (Wasm core spec chapter 3): the opcode
 * tables of validate_ops.c and the function-body checker of validate_code.c, used by the
 * module-level rules in validate.c. Private to src/core/validate*.c. */
#ifndef WEFT_CORE_VALIDATE_INTERNAL_H
#define WEFT_CORE_VALIDATE_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "core/module.h"
#include "util/error.h"

/* Instructions are numbered in one space: single-byte opcodes as themselves, 0xFC-prefixed
 * ones as WEFT_OP_FC + sub-opcode, 0xFD-prefixed (SIMD) ones as WEFT_OP_FD + sub-opcode. */
#define WEFT_OP_FC 0x100u
#define WEFT_OP_FD 0x200u
#define WEFT_OP_FC_COUNT 18u  /* 0xFC 0..17 exist in Wasm 2.0 */
#define WEFT_OP_FD_COUNT 256u /* 0xFD 0..255 (with holes) exist in Wasm 2.0 */

/* How an instruction is typed: the simple shapes are table-driven, the rest are handled case by
 * case in validate_code.c. */
typedef enum weft_vop_kind {
    WEFT_VOP_INVALID = 0, /* no such instruction ("illegal opcode") */
    WEFT_VOP_SPECIAL,     /* typed by hand */
    WEFT_VOP_UNARY,       /* [a] -> [r] */
    WEFT_VOP_BINARY,      /* [a b] -> [r] */
    WEFT_VOP_TERNARY,     /* [a a a] -> [r] (v128.bitselect) */
    WEFT_VOP_LOAD,        /* memarg; [i32] -> [r] */
    WEFT_VOP_STORE,       /* memarg; [i32 a] -> [] */
    WEFT_VOP_LOAD_LANE,   /* memarg, lane; [i32 v128] -> [v128] */
    WEFT_VOP_STORE_LANE,  /* memarg, lane; [i32 v128] -> [] */
    WEFT_VOP_EXTRACT,     /* lane; [v128] -> [r] */
    WEFT_VOP_REPLACE,     /* lane; [v128 a] -> [v128] */
} weft_vop_kind_t;

typedef struct weft_vop {
    const char *name;
    uint8_t kind;  /* weft_vop_kind_t */
    uint8_t a, b;  /* operand value types (binary codes), 0 when unused */
    uint8_t r;     /* result value type, 0 when none */
    uint8_t imm;   /* loads/stores: log2 of the natural access size; lane ops: lane count */
} weft_vop_t;

/* The entries of the single-byte opcodes, indexed by opcode, for the validator's inner loop;
 * unassigned opcodes have kind WEFT_VOP_INVALID (and no name: weft__validate_op gives the
 * named placeholder). */
extern const weft_vop_t weft__vops_single[256];
/* Information about instruction `op` (numbered as above); never NULL: unknown instructions
 * give an entry of kind WEFT_VOP_INVALID. */
const weft_vop_t *weft__validate_op(uint32_t op);
/* The instruction's text-format name, or "unknown instruction". */
const char *weft__validate_op_name(uint32_t op);
/* The text-format name of a value type, for messages ("i32", "funcref", ...). */
const char *weft__validate_type_name(weft_valtype_t t);

/* Reusable state of the function-body checker: growable stacks kept across functions so that
 * validating a module allocates O(1) times, not once per instruction or per function. */
typedef struct weft_vcode weft_vcode_t;

weft_vcode_t *weft__vcode_new(const weft_module_t *m);
void weft__vcode_free(weft_vcode_t *vc);
/* Checks the body of defined function `func_index` (Wasm core spec 3.4.1 Functions, 3.3
 * Instructions, using the algorithm of the appendix "Validation Algorithm"). Returns NULL or
 * an error: WEFT_ERROR_DECODE when the instruction stream is malformed, WEFT_ERROR_VALIDATE
 * when it is ill-typed, WEFT_ERROR_OOM. When `decode_only` is true, only the decoding rules are
 * checked (used after a validation error, because a malformed body anywhere in the module
 * takes precedence over an invalid one). */
weft_error_t *weft__vcode_check(weft_vcode_t *vc, uint32_t func_index, bool decode_only);

#endif
