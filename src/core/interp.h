/* interp.h - the internal code produced by compile.c and executed by interp.c, and the execution
 * context of a call (call.c). Private to those three files.
 *
 * Design (register-style threaded code): every function has a frame of 64-bit slots holding its
 * parameters, then its declared locals, then the operand-stack temporaries at statically known
 * positions (a v128 takes two slots). An internal instruction is a handler address (two 32-bit
 * words, the address of a computed-goto label) followed by 32-bit operand words: slot indices
 * relative to the frame pointer, immediates, and branch offsets. A branch offset is relative to
 * the word that holds it. The callee's frame starts at the caller's first argument slot, so
 * arguments are never copied, and results come back in the callee's first slots.
 *
 * Slot conventions: i32 and f32 values are kept zero-extended in the low 32 bits; i64/f64 use all
 * 64 bits; references are pointer bits (0 = null); v128 uses two slots, low lanes first.
 *
 * Interruption (interrupt.h): every taken branch and every entry into a compiled function
 * (calls and tail calls) spends one work unit from a budget kept in a local of the interpreter
 * (TICK in interp.c); any new way of looping or entering a function must spend one too, so that
 * fuel, deadlines and weft_store_interrupt() stop all non-terminating code. */
#ifndef WEFT_CORE_INTERP_H
#define WEFT_CORE_INTERP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/runtime.h"

/* The numeric instructions 0x45..0xC4 keep the binary opcode order so compile.c maps them by
 * subtraction (Wasm core spec 5.4.7). */
#define WEFT_NUMERIC_OPS(X)                                                                      \
    X(i32_eqz) X(i32_eq) X(i32_ne) X(i32_lt_s) X(i32_lt_u) X(i32_gt_s) X(i32_gt_u) X(i32_le_s)   \
    X(i32_le_u) X(i32_ge_s) X(i32_ge_u)                                                          \
    X(i64_eqz) X(i64_eq) X(i64_ne) X(i64_lt_s) X(i64_lt_u) X(i64_gt_s) X(i64_gt_u) X(i64_le_s)   \
    X(i64_le_u) X(i64_ge_s) X(i64_ge_u)                                                          \
    X(f32_eq) X(f32_ne) X(f32_lt) X(f32_gt) X(f32_le) X(f32_ge)                                  \
    X(f64_eq) X(f64_ne) X(f64_lt) X(f64_gt) X(f64_le) X(f64_ge)                                  \
    X(i32_clz) X(i32_ctz) X(i32_popcnt) X(i32_add) X(i32_sub) X(i32_mul) X(i32_div_s)            \
    X(i32_div_u) X(i32_rem_s) X(i32_rem_u) X(i32_and) X(i32_or) X(i32_xor) X(i32_shl)            \
    X(i32_shr_s) X(i32_shr_u) X(i32_rotl) X(i32_rotr)                                            \
    X(i64_clz) X(i64_ctz) X(i64_popcnt) X(i64_add) X(i64_sub) X(i64_mul) X(i64_div_s)            \
    X(i64_div_u) X(i64_rem_s) X(i64_rem_u) X(i64_and) X(i64_or) X(i64_xor) X(i64_shl)            \
    X(i64_shr_s) X(i64_shr_u) X(i64_rotl) X(i64_rotr)                                            \
    X(f32_abs) X(f32_neg) X(f32_ceil) X(f32_floor) X(f32_trunc) X(f32_nearest) X(f32_sqrt)       \
    X(f32_add) X(f32_sub) X(f32_mul) X(f32_div) X(f32_min) X(f32_max) X(f32_copysign)            \
    X(f64_abs) X(f64_neg) X(f64_ceil) X(f64_floor) X(f64_trunc) X(f64_nearest) X(f64_sqrt)       \
    X(f64_add) X(f64_sub) X(f64_mul) X(f64_div) X(f64_min) X(f64_max) X(f64_copysign)            \
    X(i32_wrap_i64) X(i32_trunc_f32_s) X(i32_trunc_f32_u) X(i32_trunc_f64_s) X(i32_trunc_f64_u)  \
    X(i64_extend_i32_s) X(i64_extend_i32_u) X(i64_trunc_f32_s) X(i64_trunc_f32_u)                \
    X(i64_trunc_f64_s) X(i64_trunc_f64_u) X(f32_convert_i32_s) X(f32_convert_i32_u)              \
    X(f32_convert_i64_s) X(f32_convert_i64_u) X(f32_demote_f64) X(f64_convert_i32_s)             \
    X(f64_convert_i32_u) X(f64_convert_i64_s) X(f64_convert_i64_u) X(f64_promote_f32)            \
    X(i32_reinterpret_f32) X(i64_reinterpret_f64) X(f32_reinterpret_i32) X(f64_reinterpret_i64)  \
    X(i32_extend8_s) X(i32_extend16_s) X(i64_extend8_s) X(i64_extend16_s) X(i64_extend32_s)

/* Comparisons in the order of the i32 opcodes 0x46..0x4F; used for the fused forms. */
#define WEFT_CMP_OPS(X, P) X(P##eq) X(P##ne) X(P##lt_s) X(P##lt_u) X(P##gt_s) X(P##gt_u) \
    X(P##le_s) X(P##le_u) X(P##ge_s) X(P##ge_u)
/* Binary operators that have a 32-bit immediate form (i32 imm, or i64 with a sign-extended one). */
#define WEFT_IMM_ARITH(X, P) X(P##add) X(P##sub) X(P##mul) X(P##and) X(P##or) X(P##xor) \
    X(P##shl) X(P##shr_s) X(P##shr_u) X(P##rotl) X(P##rotr)
/* Loads and stores; the _k forms add a 32-bit immediate to the address operand first (with
 * 32-bit wrap-around, exactly like the i32.add they replace); the _i stores take the stored
 * value as a sign-extended 32-bit immediate. */
#define WEFT_LOAD_OPS(X, S) X(ld32##S) X(ld64##S) X(ld8s32##S) X(ld8u##S) X(ld16s32##S) \
    X(ld16u##S) X(ld8s64##S) X(ld16s64##S) X(ld32s64##S)
#define WEFT_STORE_OPS(X, S) X(st8##S) X(st16##S) X(st32##S) X(st64##S)

#define WEFT_OPS(X)                                                                              \
    WEFT_NUMERIC_OPS(X)                                                                          \
    X(unreachable) X(br) X(br_if) X(br_unless) X(br_table) X(br_and_nz) X(br_and_z)                                       \
    WEFT_CMP_OPS(X, bri32_) WEFT_CMP_OPS(X, bri32k_) WEFT_CMP_OPS(X, bri64_)                     \
    WEFT_CMP_OPS(X, bri64k_)                                                                     \
    WEFT_CMP_OPS(X, i32k_) WEFT_IMM_ARITH(X, i32k_)                                              \
    WEFT_CMP_OPS(X, i64k_) WEFT_IMM_ARITH(X, i64k_)                                              \
    X(return0) X(return1) X(return128) X(returnN) X(call) X(call_local) X(call_indirect)                       \
    X(copy) X(copy128) X(const32) X(const64) X(const128) X(select) X(select128)                  \
    X(global_get) X(global_set) X(global_get128) X(global_set128) X(ref_func)                    \
    WEFT_LOAD_OPS(X, ) WEFT_STORE_OPS(X, ) WEFT_LOAD_OPS(X, _k) WEFT_STORE_OPS(X, _k)           \
    WEFT_STORE_OPS(X, _i)                                                                        \
    X(i32_shladd)                                                                                \
    X(memory_size) X(memory_grow) X(memory_init) X(data_drop) X(memory_copy) X(memory_fill)      \
    X(table_get) X(table_set) X(table_size) X(table_grow) X(table_fill) X(table_copy)            \
    X(table_init) X(elem_drop)                                                                   \
    X(i32_trunc_sat_f32_s) X(i32_trunc_sat_f32_u) X(i32_trunc_sat_f64_s)                         \
    X(i32_trunc_sat_f64_u) X(i64_trunc_sat_f32_s) X(i64_trunc_sat_f32_u)                         \
    X(i64_trunc_sat_f64_s) X(i64_trunc_sat_f64_u)                                                \
    X(v_load) X(v_store) X(v_load_lane) X(v_store_lane) X(v_shuffle) X(v_extract)                \
    X(v_replace) X(v_splat) X(v_unop) X(v_binop) X(v_ternop) X(v_shift) X(v_test)            \
    X(mem_sel) X(mem_sel0) X(memory_copy2) X(return_call) X(return_call_indirect)        \
    X(throw) X(throw_ref) X(call_ref) X(return_call_ref) X(ref_as_non_null) X(lazy_compile)

enum weft_iop {
#define WEFT_IOP_ENUM(n) WEFT_IOP_##n,
    WEFT_OPS(WEFT_IOP_ENUM)
#undef WEFT_IOP_ENUM
    WEFT_IOP_COUNT
};

/* Maps an internal code position back to the byte offset of its wasm instruction. */
typedef struct weft_code_loc {
    uint32_t pos;  /* word index in code */
    uint32_t wasm; /* byte offset in the module binary */
} weft_code_loc_t;

/* One catch clause of a try_table (Wasm 3.0 exception handling). The clauses of one try_table
 * are stored in reverse order after those of the enclosing ones, so a search from the end sees
 * the innermost try_table first and its clauses in order. A frame is inside the region when
 * start < pos <= end, pos being the word after the throw (or the caller's return position). */
typedef struct weft_catch {
    uint32_t start, end;
    uint32_t kind;  /* 0 catch, 1 catch_ref, 2 catch_all, 3 catch_all_ref; legacy exception
                       handling: 4 catch (exnref, then payload), 5 catch_all (exnref), 6 delegate
                       (`tag` is the target frame: clauses deeper than it are skipped) */
    uint32_t tag;   /* tag index (catch, catch_ref) */
    uint32_t pad;   /* code position of the landing pad, which branches to the label */
    uint32_t slot;  /* first slot receiving the payload, then the exnref */
    uint32_t depth; /* control-stack index of the try construct's frame */
} weft_catch_t;

/* Function bodies are translated on their first call (compile.c, weft__code_compile): until
 * then a function's weft_code_t is a stub whose `code` is its own one-instruction `lazy` body
 * (lazy_compile), with frame_slots == param_slots (the arguments already in place) and no
 * locals, so every way of entering it (calls, tail calls, call.c's entries) runs lazy_compile,
 * which translates the body in place and continues at its first instruction. */
struct weft_code {
    uint32_t *code;          /* ncode words (the stub: `lazy`, ncode 0) */
    uint32_t ncode;
    uint32_t func_index;     /* in the module's function index space */
    uint32_t param_slots;
    uint32_t local_slots;    /* declared locals only; zeroed at entry */
    uint32_t frame_slots;    /* params + locals + deepest operand stack */
    uint32_t nlocs;
    weft_code_loc_t *locs;   /* sorted by pos */
    uint32_t ncatches;
    weft_catch_t *catches;   /* try_table handlers, searched from the last one */
    uint32_t lazy[2];        /* the stub's body: the handler address of lazy_compile */
};

/* Translates the body of stub `code` (a function of `module`) in place; NULL on success (also
 * when it is already translated), else WEFT_ERROR_OOM or WEFT_ERROR_VALIDATE for an
 * implementation limit, the stub left as it was. */
weft_error_t *weft__code_compile(const weft_module_t *module, weft_code_t *code);
static inline bool weft__code_is_stub(const weft_code_t *code) { return code->code == code->lazy; }

/* The handler address of every internal op, indexed by enum weft_iop. */
const void *const *weft__interp_labels(void);

/* Wasm 3.0 subtyping at run time (instance.c): function f's type is the store-wide type `want`
 * or has it among its declared supertypes. Only called when the type ids differ. */
bool weft__func_type_matches(const weft_func_t *f, uint32_t want);

/* Wasm byte offset of the instruction at word `pos` of `code` (UINT32_MAX when unknown). */
uint32_t weft__code_wasm_offset(const weft_code_t *code, uint32_t pos);

/* A saved activation: where to continue in the caller. */
typedef struct weft_frame_rec {
    const uint32_t *ret_pc;
    size_t fp_off;           /* caller's frame pointer, in slots from the stack base */
    weft_func_t *func;       /* caller */
    weft_instance_t *inst;   /* caller's instance (func->inst, kept to spare a load) */
} weft_frame_rec_t;

typedef enum weft_ctx_state {
    WEFT_CTX_READY = 0,
    WEFT_CTX_RUNNING,
    WEFT_CTX_SUSPENDED,
    WEFT_CTX_DONE,
    WEFT_CTX_FAILED,
} weft_ctx_state_t;

/* An execution context: one per weft_call_t (weft_func_call uses a temporary one). Holds the
 * value stack and the frame records on the heap, so wasm-to-wasm calls never use the C stack
 * and a suspended call is just this object. */
struct weft_call {
    weft_store_t *store;
    weft_alloc_t alloc;
    weft_func_t *entry;      /* the function called */
    weft_ctx_state_t state;
    bool sync;               /* made by weft_func_call: suspending is an error */

    uint64_t *stack;         /* stack_cap slots */
    size_t stack_cap;
    size_t max_slots;        /* engine limit */

    weft_frame_rec_t *frames;
    uint32_t nframes, frames_cap;
    uint32_t max_depth;

    /* The point to continue from: current function, pc (NULL: nothing left to run after a
     * suspended top-level host function) and frame pointer. */
    weft_func_t *func;
    const uint32_t *pc;
    size_t fp_off;

    /* While suspended: the host function and the slot its results go to. */
    weft_func_t *susp_func;
    size_t susp_off;
};

struct weft_caller {
    weft_call_t *call;       /* NULL inside weft_func_call on a host function */
    weft_instance_t *inst;   /* the calling instance; NULL for a top-level host call */
    weft_store_t *store;
    bool suspend;
};

/* Runs `call` (state RUNNING, pc/fp_off/func set) until it returns from its entry frame, traps
 * or suspends. On DONE the results are in call->stack[0..]. */
weft_call_state_t weft__interp_run(weft_call_t *call, weft_error_t **err);

/* Grows the value stack to at least `need` slots; false past the limit or on allocation failure
 * (*oom tells which). */
bool weft__call_grow_stack(weft_call_t *call, size_t need, bool *oom);
/* Appends the backtrace of `call` to `err`: the innermost function `fn` at `pc`, then every saved
 * frame. */
void weft__call_backtrace(const weft_call_t *call, weft_error_t *err, const weft_func_t *fn,
                          const uint32_t *pc);
/* Calls host function `f` with arguments in `slots` (results written back there). Sets
 * *suspended when the host asked to suspend (only allowed when call != NULL). */
weft_error_t *weft__call_host(weft_call_t *call, weft_instance_t *caller_inst, weft_func_t *f,
                              uint64_t *slots, bool *suspended);

#endif
