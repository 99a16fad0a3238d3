/* interp.c - the interpreter loop (Wasm core spec chapter 4, Execution) over the threaded
 * register code of compile.c (layout in interp.h). Dispatch is direct threading with computed
 * goto. All state of a call lives in its weft_call_t: wasm-to-wasm calls push a frame record
 * and move the frame pointer, never recursing on the C stack, so a call can be suspended by a
 * host function and resumed later. */
#include <math.h>
#include <string.h>

#include "core/interp.h"
#include "core/interrupt.h"
#include "core/simd.h"
#include "util/error.h"

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "the interpreter reads linear memory with host loads and needs a little-endian host"
#endif

static inline float f32_of(uint64_t s)
{
    uint32_t b = (uint32_t)s;
    float f;
    memcpy(&f, &b, sizeof f);
    return f;
}
static inline double f64_of(uint64_t s)
{
    double d;
    memcpy(&d, &s, sizeof d);
    return d;
}
static inline uint64_t bits32(float f)
{
    uint32_t b;
    memcpy(&b, &f, sizeof b);
    return b;
}
static inline uint64_t bits64(double d)
{
    uint64_t b;
    memcpy(&b, &d, sizeof b);
    return b;
}

/* min/max per Wasm core spec 4.3.3 fmin/fmax: NaN if either operand is NaN, and -0 < +0. */
static float fmin32(float a, float b)
{
    if (isnan(a) || isnan(b)) return a + b;
    if (a == 0.0f && b == 0.0f) return signbit(a) ? a : b;
    return a < b ? a : b;
}
static float fmax32(float a, float b)
{
    if (isnan(a) || isnan(b)) return a + b;
    if (a == 0.0f && b == 0.0f) return signbit(a) ? b : a;
    return a > b ? a : b;
}
static double fmin64(double a, double b)
{
    if (isnan(a) || isnan(b)) return a + b;
    if (a == 0.0 && b == 0.0) return signbit(a) ? a : b;
    return a < b ? a : b;
}
static double fmax64(double a, double b)
{
    if (isnan(a) || isnan(b)) return a + b;
    if (a == 0.0 && b == 0.0) return signbit(a) ? b : a;
    return a > b ? a : b;
}

static inline uint32_t rotl32(uint32_t a, uint32_t n)
{
    n &= 31;
    return (a << n) | (a >> ((32 - n) & 31));
}
static inline uint32_t rotr32(uint32_t a, uint32_t n)
{
    n &= 31;
    return (a >> n) | (a << ((32 - n) & 31));
}
static inline uint64_t rotl64(uint64_t a, uint64_t n)
{
    n &= 63;
    return (a << n) | (a >> ((64 - n) & 63));
}
static inline uint64_t rotr64(uint64_t a, uint64_t n)
{
    n &= 63;
    return (a >> n) | (a << ((64 - n) & 63));
}

/* Rounding: the C library may return a signalling NaN unchanged, but the result must be an
 * arithmetic (quiet) NaN (Wasm core spec 4.3.3 "NaN propagation"); x + x quiets it. */
static float ceil32(float x) { return isnan(x) ? x + x : ceilf(x); }
static float floor32(float x) { return isnan(x) ? x + x : floorf(x); }
static float trunc32(float x) { return isnan(x) ? x + x : truncf(x); }
static float nearest32(float x) { return isnan(x) ? x + x : nearbyintf(x); }
static double ceil64(double x) { return isnan(x) ? x + x : ceil(x); }
static double floor64(double x) { return isnan(x) ? x + x : floor(x); }
static double trunc64(double x) { return isnan(x) ? x + x : trunc(x); }
static double nearest64(double x) { return isnan(x) ? x + x : nearbyint(x); }

/* Saturating truncations (Wasm core spec 4.3.3 trunc_sat). */
static int32_t sat_i32_s(double x)
{
    if (isnan(x)) return 0;
    if (x <= -2147483648.0) return INT32_MIN;
    if (x >= 2147483648.0) return INT32_MAX;
    return (int32_t)x;
}
static uint32_t sat_i32_u(double x)
{
    if (isnan(x) || x <= -1.0) return 0;
    if (x >= 4294967296.0) return UINT32_MAX;
    return (uint32_t)x;
}
static int64_t sat_i64_s(double x)
{
    if (isnan(x)) return 0;
    if (x < -9223372036854775808.0) return INT64_MIN;
    if (x >= 9223372036854775808.0) return INT64_MAX;
    return (int64_t)x;
}
static uint64_t sat_i64_u(double x)
{
    if (isnan(x) || x <= -1.0) return 0;
    if (x >= 18446744073709551616.0) return UINT64_MAX;
    return (uint64_t)x;
}

/* Where the fast call path must stop pushing frame records: the end of the array or the depth
 * limit, whichever comes first. */
static weft_frame_rec_t *frame_limit(const weft_call_t *c)
{
    size_t lim = c->frames_cap;
    size_t depth_room = c->max_depth > 0 ? (size_t)c->max_depth - 1 : 0;
    if (depth_room < lim) lim = depth_room;
    return c->frames + lim;
}

/* Zeroes the declared locals of a new frame (4.4.10 Invocation). Most functions have a handful,
 * so small counts use overlapping fixed-size stores: a plain loop is turned by the compiler into
 * an inline `rep stos`, whose start-up cost dominated short calls. */
static inline void zero_locals(uint64_t *l, uint32_t n)
{
    if (n == 0) return;
    if (n <= 2) {
        l[0] = 0;
        l[n - 1] = 0;
    } else if (n <= 4) {
        l[0] = 0;
        l[1] = 0;
        l[n - 2] = 0;
        l[n - 1] = 0;
    } else if (n <= 8) {
        for (uint32_t k = 0; k < 4; k++) {
            l[k] = 0;
            l[n - 4 + k] = 0;
        }
    } else {
        memset(l, 0, (size_t)n * sizeof *l);
    }
}

static bool grow_frames(weft_call_t *c)
{
    size_t cap = c->frames_cap;
    void *p = c->frames;
    if (weft__grow(&c->alloc, &p, &cap, (size_t)c->nframes + 1, sizeof *c->frames) != 0)
        return false;
    c->frames = p;
    c->frames_cap = (uint32_t)(cap > UINT32_MAX ? UINT32_MAX : cap);
    return true;
}

#define W(i) (pc[2 + (i)])
#define S(i) (fp[W(i)])
#define U32(i) ((uint32_t)S(i))
#define I32(i) ((int32_t)(uint32_t)S(i))
#define U64(i) (S(i))
#define I64(i) ((int64_t)S(i))
#define F32(i) f32_of(S(i))
#define F64(i) f64_of(S(i))
#define DISPATCH()                                                                               \
    do {                                                                                         \
        const void *h_;                                                                          \
        memcpy(&h_, pc, sizeof h_);                                                              \
        goto *h_;                                                                                \
    } while (0)
#define NEXT(n)                                                                                  \
    do {                                                                                         \
        pc += 2 + (n);                                                                           \
        DISPATCH();                                                                              \
    } while (0)
/* One work unit for fuel and interruption (interrupt.h): every taken branch and every function
 * entry (so every loop iteration and every recursion) spends one; pc must already be where
 * execution continues. */
#define TICK()                                                                                   \
    do {                                                                                         \
        if (__builtin_expect(--budget < 0, 0)) goto tick_slow;                                   \
    } while (0)
#define JUMP(i)                                                                                  \
    do {                                                                                         \
        pc = &W(i) + (int32_t)W(i);                                                              \
        TICK();                                                                                  \
        DISPATCH();                                                                              \
    } while (0)
#define TRAP(code)                                                                               \
    do {                                                                                         \
        trap_code = (code);                                                                      \
        goto trap;                                                                               \
    } while (0)
/* Saves the caller's state, moves fp to the callee's frame and zeroes its locals. */
#define PUSH_FRAME()                                                                             \
    do {                                                                                         \
        fr_sp->ret_pc = ret_pc;                                                                  \
        fr_sp->fp_off = (size_t)(fp - stack);                                                    \
        fr_sp->func = fn;                                                                        \
        fr_sp->inst = inst;                                                                      \
        fr_sp++;                                                                                 \
        fp += call_base;                                                                         \
        zero_locals(fp + callee_code->param_slots, callee_code->local_slots);                    \
    } while (0)
#define SYNC_FRAMES() (c->nframes = (uint32_t)(fr_sp - c->frames))
#define RELOAD_MEM()                                                                             \
    do {                                                                                         \
        if (mem0) {                                                                              \
            mbase = mem0->data;                                                                  \
            msize = mem0->size;                                                                  \
        } else {                                                                                 \
            mbase = NULL;                                                                        \
            msize = 0;                                                                           \
        }                                                                                        \
    } while (0)
#define SET_INST(i_)                                                                             \
    do {                                                                                         \
        inst = (i_);                                                                             \
        mem0 = inst->module->nmemories ? inst->memories[0] : NULL;                               \
    } while (0)
/* Effective address (Wasm core spec 4.4.7): 33-bit sum, checked against the size. */
#define EA(var, addr_i, off_i, n)                                                                \
    uint64_t var = (uint64_t)U32(addr_i) + W(off_i);                                             \
    if (var + (n) > msize) TRAP(WEFT_TRAP_MEMORY_OOB)

/* The comparison operators, with their signedness. */
#define CMPS(X)                                                                                  \
    X(eq, ==, u) X(ne, !=, u) X(lt_s, <, s) X(lt_u, <, u) X(gt_s, >, s) X(gt_u, >, u)            \
    X(le_s, <=, s) X(le_u, <=, u) X(ge_s, >=, s) X(ge_u, >=, u)
#define A32s(i) I32(i)
#define A32u(i) U32(i)
#define A64s(i) I64(i)
#define A64u(i) U64(i)
#define K32s(i) ((int32_t)W(i))
#define K32u(i) (W(i))
#define K64s(i) ((int64_t)(int32_t)W(i))
#define K64u(i) ((uint64_t)(int64_t)(int32_t)W(i))

static weft_call_state_t interp(weft_call_t *c, weft_error_t **err, const void *const **table)
{
    static const void *const labels[] = {
#define WEFT_LABEL_ADDR(n) &&L_##n,
        WEFT_OPS(WEFT_LABEL_ADDR)
#undef WEFT_LABEL_ADDR
    };
    if (table) {
        *table = labels;
        return WEFT_CALL_DONE;
    }

    weft_func_t *fn = c->func;
    weft_instance_t *inst = fn->inst;
    weft_memory_t *mem0 = inst->module->nmemories ? inst->memories[0] : NULL;
    const uint32_t *pc = c->pc;
    uint64_t *fp = c->stack + c->fp_off;
    uint8_t *mbase;
    uint64_t msize;
    RELOAD_MEM();
    weft_trap_code_t trap_code = WEFT_TRAP_NONE;
    const char *trap_detail = NULL; /* added to the trap's message when set */
    weft_func_t *callee = NULL;
    weft_exn_t *exn = NULL;
    const weft_code_t *callee_code = NULL;
    uint32_t call_base = 0;
    const uint32_t *ret_pc = NULL;
    weft_error_t *host_err = NULL; /* a host call's error, at host_stopped */
    /* The frame records and the stack bounds live in registers; c->nframes is brought up to
     * date (SYNC_FRAMES) before anything outside this function looks at them. */
    uint64_t *stack = c->stack;
    uint64_t *stack_end = stack + c->stack_cap;
    weft_frame_rec_t *fr_sp = c->frames + c->nframes;
    weft_frame_rec_t *fr_lim = frame_limit(c);
    /* Work units left in the chunk reserved from the store (interrupt.h). */
    int64_t budget = c->store->fuel_on ? weft__interrupt_reserve(c->store)
                                       : (int64_t)WEFT_INTERRUPT_CHECK_UNITS;

    DISPATCH();

    /* ---- i32 / i64 comparisons and arithmetic ---- */
L_i32_eqz: S(0) = U32(1) == 0; NEXT(2);
#define CMP32(n, o, sg) L_i32_##n: S(0) = A32##sg(1) o A32##sg(2); NEXT(3);
    CMPS(CMP32)
L_i64_eqz: S(0) = U64(1) == 0; NEXT(2);
#define CMP64(n, o, sg) L_i64_##n: S(0) = A64##sg(1) o A64##sg(2); NEXT(3);
    CMPS(CMP64)
#define CMP32K(n, o, sg) L_i32k_##n: S(0) = A32##sg(1) o K32##sg(2); NEXT(3);
    CMPS(CMP32K)
#define CMP64K(n, o, sg) L_i64k_##n: S(0) = A64##sg(1) o K64##sg(2); NEXT(3);
    CMPS(CMP64K)
#define BRI32(n, o, sg) L_bri32_##n: if (A32##sg(0) o A32##sg(1)) JUMP(2); NEXT(3);
    CMPS(BRI32)
#define BRI32K(n, o, sg) L_bri32k_##n: if (A32##sg(0) o K32##sg(1)) JUMP(2); NEXT(3);
    CMPS(BRI32K)
#define BRI64(n, o, sg) L_bri64_##n: if (A64##sg(0) o A64##sg(1)) JUMP(2); NEXT(3);
    CMPS(BRI64)
#define BRI64K(n, o, sg) L_bri64k_##n: if (A64##sg(0) o K64##sg(1)) JUMP(2); NEXT(3);
    CMPS(BRI64K)

L_f32_eq: S(0) = F32(1) == F32(2); NEXT(3);
L_f32_ne: S(0) = F32(1) != F32(2); NEXT(3);
L_f32_lt: S(0) = F32(1) < F32(2); NEXT(3);
L_f32_gt: S(0) = F32(1) > F32(2); NEXT(3);
L_f32_le: S(0) = F32(1) <= F32(2); NEXT(3);
L_f32_ge: S(0) = F32(1) >= F32(2); NEXT(3);
L_f64_eq: S(0) = F64(1) == F64(2); NEXT(3);
L_f64_ne: S(0) = F64(1) != F64(2); NEXT(3);
L_f64_lt: S(0) = F64(1) < F64(2); NEXT(3);
L_f64_gt: S(0) = F64(1) > F64(2); NEXT(3);
L_f64_le: S(0) = F64(1) <= F64(2); NEXT(3);
L_f64_ge: S(0) = F64(1) >= F64(2); NEXT(3);

L_i32_clz: { uint32_t a = U32(1); S(0) = a ? (uint32_t)__builtin_clz(a) : 32u; NEXT(2); }
L_i32_ctz: { uint32_t a = U32(1); S(0) = a ? (uint32_t)__builtin_ctz(a) : 32u; NEXT(2); }
L_i32_popcnt: S(0) = (uint32_t)__builtin_popcount(U32(1)); NEXT(2);
L_i32_add: S(0) = (uint32_t)(U32(1) + U32(2)); NEXT(3);
L_i32_sub: S(0) = (uint32_t)(U32(1) - U32(2)); NEXT(3);
L_i32_mul: S(0) = (uint32_t)(U32(1) * U32(2)); NEXT(3);
L_i32_div_s: {
    int32_t a = I32(1), b = I32(2);
    if (b == 0) TRAP(WEFT_TRAP_INT_DIV_ZERO);
    if (a == INT32_MIN && b == -1) TRAP(WEFT_TRAP_INT_OVERFLOW);
    S(0) = (uint32_t)(a / b);
    NEXT(3);
}
L_i32_div_u: {
    uint32_t a = U32(1), b = U32(2);
    if (b == 0) TRAP(WEFT_TRAP_INT_DIV_ZERO);
    S(0) = a / b;
    NEXT(3);
}
L_i32_rem_s: {
    int32_t a = I32(1), b = I32(2);
    if (b == 0) TRAP(WEFT_TRAP_INT_DIV_ZERO);
    S(0) = b == -1 ? 0u : (uint32_t)(a % b);
    NEXT(3);
}
L_i32_rem_u: {
    uint32_t a = U32(1), b = U32(2);
    if (b == 0) TRAP(WEFT_TRAP_INT_DIV_ZERO);
    S(0) = a % b;
    NEXT(3);
}
L_i32_and: S(0) = U32(1) & U32(2); NEXT(3);
L_i32_or: S(0) = U32(1) | U32(2); NEXT(3);
L_i32_xor: S(0) = U32(1) ^ U32(2); NEXT(3);
L_i32_shl: S(0) = (uint32_t)(U32(1) << (U32(2) & 31)); NEXT(3);
L_i32_shr_s: S(0) = (uint32_t)(I32(1) >> (U32(2) & 31)); NEXT(3);
L_i32_shr_u: S(0) = U32(1) >> (U32(2) & 31); NEXT(3);
L_i32_rotl: S(0) = rotl32(U32(1), U32(2)); NEXT(3);
L_i32_rotr: S(0) = rotr32(U32(1), U32(2)); NEXT(3);

L_i32k_add: S(0) = (uint32_t)(U32(1) + W(2)); NEXT(3);
L_i32k_sub: S(0) = (uint32_t)(U32(1) - W(2)); NEXT(3);
L_i32k_mul: S(0) = (uint32_t)(U32(1) * W(2)); NEXT(3);
L_i32k_and: S(0) = U32(1) & W(2); NEXT(3);
L_i32k_or: S(0) = U32(1) | W(2); NEXT(3);
L_i32k_xor: S(0) = U32(1) ^ W(2); NEXT(3);
L_i32k_shl: S(0) = (uint32_t)(U32(1) << (W(2) & 31)); NEXT(3);
L_i32k_shr_s: S(0) = (uint32_t)(I32(1) >> (W(2) & 31)); NEXT(3);
L_i32k_shr_u: S(0) = U32(1) >> (W(2) & 31); NEXT(3);
L_i32k_rotl: S(0) = rotl32(U32(1), W(2)); NEXT(3);
L_i32k_rotr: S(0) = rotr32(U32(1), W(2)); NEXT(3);

L_i64_clz: { uint64_t a = U64(1); S(0) = a ? (uint64_t)__builtin_clzll(a) : 64u; NEXT(2); }
L_i64_ctz: { uint64_t a = U64(1); S(0) = a ? (uint64_t)__builtin_ctzll(a) : 64u; NEXT(2); }
L_i64_popcnt: S(0) = (uint64_t)__builtin_popcountll(U64(1)); NEXT(2);
L_i64_add: S(0) = U64(1) + U64(2); NEXT(3);
L_i64_sub: S(0) = U64(1) - U64(2); NEXT(3);
L_i64_mul: S(0) = U64(1) * U64(2); NEXT(3);
L_i64_div_s: {
    int64_t a = I64(1), b = I64(2);
    if (b == 0) TRAP(WEFT_TRAP_INT_DIV_ZERO);
    if (a == INT64_MIN && b == -1) TRAP(WEFT_TRAP_INT_OVERFLOW);
    S(0) = (uint64_t)(a / b);
    NEXT(3);
}
L_i64_div_u: {
    uint64_t a = U64(1), b = U64(2);
    if (b == 0) TRAP(WEFT_TRAP_INT_DIV_ZERO);
    S(0) = a / b;
    NEXT(3);
}
L_i64_rem_s: {
    int64_t a = I64(1), b = I64(2);
    if (b == 0) TRAP(WEFT_TRAP_INT_DIV_ZERO);
    S(0) = b == -1 ? 0u : (uint64_t)(a % b);
    NEXT(3);
}
L_i64_rem_u: {
    uint64_t a = U64(1), b = U64(2);
    if (b == 0) TRAP(WEFT_TRAP_INT_DIV_ZERO);
    S(0) = a % b;
    NEXT(3);
}
L_i64_and: S(0) = U64(1) & U64(2); NEXT(3);
L_i64_or: S(0) = U64(1) | U64(2); NEXT(3);
L_i64_xor: S(0) = U64(1) ^ U64(2); NEXT(3);
L_i64_shl: S(0) = U64(1) << (U64(2) & 63); NEXT(3);
L_i64_shr_s: S(0) = (uint64_t)(I64(1) >> (U64(2) & 63)); NEXT(3);
L_i64_shr_u: S(0) = U64(1) >> (U64(2) & 63); NEXT(3);
L_i64_rotl: S(0) = rotl64(U64(1), U64(2)); NEXT(3);
L_i64_rotr: S(0) = rotr64(U64(1), U64(2)); NEXT(3);

L_i64k_add: S(0) = U64(1) + K64u(2); NEXT(3);
L_i64k_sub: S(0) = U64(1) - K64u(2); NEXT(3);
L_i64k_mul: S(0) = U64(1) * K64u(2); NEXT(3);
L_i64k_and: S(0) = U64(1) & K64u(2); NEXT(3);
L_i64k_or: S(0) = U64(1) | K64u(2); NEXT(3);
L_i64k_xor: S(0) = U64(1) ^ K64u(2); NEXT(3);
L_i64k_shl: S(0) = U64(1) << (W(2) & 63); NEXT(3);
L_i64k_shr_s: S(0) = (uint64_t)(I64(1) >> (W(2) & 63)); NEXT(3);
L_i64k_shr_u: S(0) = U64(1) >> (W(2) & 63); NEXT(3);
L_i64k_rotl: S(0) = rotl64(U64(1), W(2)); NEXT(3);
L_i64k_rotr: S(0) = rotr64(U64(1), W(2)); NEXT(3);

    /* ---- floating point (IEEE 754; sign operations are bitwise, 4.3.3) ---- */
L_f32_abs: S(0) = U32(1) & 0x7FFFFFFFu; NEXT(2);
L_f32_neg: S(0) = U32(1) ^ 0x80000000u; NEXT(2);
L_f32_ceil: S(0) = bits32(ceil32(F32(1))); NEXT(2);
L_f32_floor: S(0) = bits32(floor32(F32(1))); NEXT(2);
L_f32_trunc: S(0) = bits32(trunc32(F32(1))); NEXT(2);
L_f32_nearest: S(0) = bits32(nearest32(F32(1))); NEXT(2);
L_f32_sqrt: S(0) = bits32(sqrtf(F32(1))); NEXT(2);
L_f32_add: S(0) = bits32(F32(1) + F32(2)); NEXT(3);
L_f32_sub: S(0) = bits32(F32(1) - F32(2)); NEXT(3);
L_f32_mul: S(0) = bits32(F32(1) * F32(2)); NEXT(3);
L_f32_div: S(0) = bits32(F32(1) / F32(2)); NEXT(3);
L_f32_min: S(0) = bits32(fmin32(F32(1), F32(2))); NEXT(3);
L_f32_max: S(0) = bits32(fmax32(F32(1), F32(2))); NEXT(3);
L_f32_copysign: S(0) = (U32(1) & 0x7FFFFFFFu) | (U32(2) & 0x80000000u); NEXT(3);
L_f64_abs: S(0) = U64(1) & 0x7FFFFFFFFFFFFFFFull; NEXT(2);
L_f64_neg: S(0) = U64(1) ^ 0x8000000000000000ull; NEXT(2);
L_f64_ceil: S(0) = bits64(ceil64(F64(1))); NEXT(2);
L_f64_floor: S(0) = bits64(floor64(F64(1))); NEXT(2);
L_f64_trunc: S(0) = bits64(trunc64(F64(1))); NEXT(2);
L_f64_nearest: S(0) = bits64(nearest64(F64(1))); NEXT(2);
L_f64_sqrt: S(0) = bits64(sqrt(F64(1))); NEXT(2);
L_f64_add: S(0) = bits64(F64(1) + F64(2)); NEXT(3);
L_f64_sub: S(0) = bits64(F64(1) - F64(2)); NEXT(3);
L_f64_mul: S(0) = bits64(F64(1) * F64(2)); NEXT(3);
L_f64_div: S(0) = bits64(F64(1) / F64(2)); NEXT(3);
L_f64_min: S(0) = bits64(fmin64(F64(1), F64(2))); NEXT(3);
L_f64_max: S(0) = bits64(fmax64(F64(1), F64(2))); NEXT(3);
L_f64_copysign:
    S(0) = (U64(1) & 0x7FFFFFFFFFFFFFFFull) | (U64(2) & 0x8000000000000000ull);
    NEXT(3);

    /* ---- conversions (4.3.4): range checks come before every cast ---- */
L_i32_wrap_i64: S(0) = (uint32_t)U64(1); NEXT(2);
L_i32_trunc_f32_s: {
    float x = F32(1);
    if (isnan(x)) TRAP(WEFT_TRAP_INVALID_CONVERSION);
    if (!(x >= -2147483648.0f && x < 2147483648.0f)) TRAP(WEFT_TRAP_INT_OVERFLOW);
    S(0) = (uint32_t)(int32_t)x;
    NEXT(2);
}
L_i32_trunc_f32_u: {
    float x = F32(1);
    if (isnan(x)) TRAP(WEFT_TRAP_INVALID_CONVERSION);
    if (!(x > -1.0f && x < 4294967296.0f)) TRAP(WEFT_TRAP_INT_OVERFLOW);
    S(0) = (uint32_t)x;
    NEXT(2);
}
L_i32_trunc_f64_s: {
    double x = F64(1);
    if (isnan(x)) TRAP(WEFT_TRAP_INVALID_CONVERSION);
    if (!(x > -2147483649.0 && x < 2147483648.0)) TRAP(WEFT_TRAP_INT_OVERFLOW);
    S(0) = (uint32_t)(int32_t)x;
    NEXT(2);
}
L_i32_trunc_f64_u: {
    double x = F64(1);
    if (isnan(x)) TRAP(WEFT_TRAP_INVALID_CONVERSION);
    if (!(x > -1.0 && x < 4294967296.0)) TRAP(WEFT_TRAP_INT_OVERFLOW);
    S(0) = (uint32_t)x;
    NEXT(2);
}
L_i64_extend_i32_s: S(0) = (uint64_t)(int64_t)I32(1); NEXT(2);
L_i64_extend_i32_u: S(0) = U32(1); NEXT(2);
L_i64_trunc_f32_s: {
    float x = F32(1);
    if (isnan(x)) TRAP(WEFT_TRAP_INVALID_CONVERSION);
    if (!(x >= -9223372036854775808.0f && x < 9223372036854775808.0f))
        TRAP(WEFT_TRAP_INT_OVERFLOW);
    S(0) = (uint64_t)(int64_t)x;
    NEXT(2);
}
L_i64_trunc_f32_u: {
    float x = F32(1);
    if (isnan(x)) TRAP(WEFT_TRAP_INVALID_CONVERSION);
    if (!(x > -1.0f && x < 18446744073709551616.0f)) TRAP(WEFT_TRAP_INT_OVERFLOW);
    S(0) = (uint64_t)x;
    NEXT(2);
}
L_i64_trunc_f64_s: {
    double x = F64(1);
    if (isnan(x)) TRAP(WEFT_TRAP_INVALID_CONVERSION);
    if (!(x >= -9223372036854775808.0 && x < 9223372036854775808.0))
        TRAP(WEFT_TRAP_INT_OVERFLOW);
    S(0) = (uint64_t)(int64_t)x;
    NEXT(2);
}
L_i64_trunc_f64_u: {
    double x = F64(1);
    if (isnan(x)) TRAP(WEFT_TRAP_INVALID_CONVERSION);
    if (!(x > -1.0 && x < 18446744073709551616.0)) TRAP(WEFT_TRAP_INT_OVERFLOW);
    S(0) = (uint64_t)x;
    NEXT(2);
}
L_f32_convert_i32_s: S(0) = bits32((float)I32(1)); NEXT(2);
L_f32_convert_i32_u: S(0) = bits32((float)U32(1)); NEXT(2);
L_f32_convert_i64_s: S(0) = bits32((float)I64(1)); NEXT(2);
L_f32_convert_i64_u: S(0) = bits32((float)U64(1)); NEXT(2);
L_f32_demote_f64: S(0) = bits32((float)F64(1)); NEXT(2);
L_f64_convert_i32_s: S(0) = bits64((double)I32(1)); NEXT(2);
L_f64_convert_i32_u: S(0) = bits64((double)U32(1)); NEXT(2);
L_f64_convert_i64_s: S(0) = bits64((double)I64(1)); NEXT(2);
L_f64_convert_i64_u: S(0) = bits64((double)U64(1)); NEXT(2);
L_f64_promote_f32: S(0) = bits64((double)F32(1)); NEXT(2);
L_i32_reinterpret_f32: S(0) = U32(1); NEXT(2);
L_i64_reinterpret_f64: S(0) = U64(1); NEXT(2);
L_f32_reinterpret_i32: S(0) = U32(1); NEXT(2);
L_f64_reinterpret_i64: S(0) = U64(1); NEXT(2);
L_i32_extend8_s: S(0) = (uint32_t)(int32_t)(int8_t)(uint8_t)U32(1); NEXT(2);
L_i32_extend16_s: S(0) = (uint32_t)(int32_t)(int16_t)(uint16_t)U32(1); NEXT(2);
L_i64_extend8_s: S(0) = (uint64_t)(int64_t)(int8_t)(uint8_t)U64(1); NEXT(2);
L_i64_extend16_s: S(0) = (uint64_t)(int64_t)(int16_t)(uint16_t)U64(1); NEXT(2);
L_i64_extend32_s: S(0) = (uint64_t)(int64_t)(int32_t)(uint32_t)U64(1); NEXT(2);
L_i32_trunc_sat_f32_s: S(0) = (uint32_t)sat_i32_s(F32(1)); NEXT(2);
L_i32_trunc_sat_f32_u: S(0) = sat_i32_u(F32(1)); NEXT(2);
L_i32_trunc_sat_f64_s: S(0) = (uint32_t)sat_i32_s(F64(1)); NEXT(2);
L_i32_trunc_sat_f64_u: S(0) = sat_i32_u(F64(1)); NEXT(2);
L_i64_trunc_sat_f32_s: S(0) = (uint64_t)sat_i64_s(F32(1)); NEXT(2);
L_i64_trunc_sat_f32_u: S(0) = sat_i64_u(F32(1)); NEXT(2);
L_i64_trunc_sat_f64_s: S(0) = (uint64_t)sat_i64_s(F64(1)); NEXT(2);
L_i64_trunc_sat_f64_u: S(0) = sat_i64_u(F64(1)); NEXT(2);

    /* ---- control ---- */
L_unreachable: TRAP(WEFT_TRAP_UNREACHABLE);
L_br: JUMP(0);
L_br_if: if (U32(0)) JUMP(1); NEXT(2);
L_br_unless: if (!U32(0)) JUMP(1); NEXT(2);
L_br_and_nz: if (U32(0) & W(1)) JUMP(2); NEXT(3);
L_br_and_z: if (!(U32(0) & W(1))) JUMP(2); NEXT(3);
L_br_table: {
    uint32_t i = U32(0), n = W(1);
    if (i > n) i = n;
    JUMP(2 + i);
}
L_return1: fp[0] = S(0); goto do_return;
L_return128: {
    uint64_t lo = fp[W(0)], hi = fp[W(0) + 1];
    fp[0] = lo;
    fp[1] = hi;
    goto do_return;
}
L_returnN: {
    uint32_t src = W(0), n = W(1);
    for (uint32_t k = 0; k < n; k++) fp[k] = fp[src + k];
    goto do_return;
}
L_return0:
do_return:
    if (fr_sp == c->frames) {
        weft__interrupt_refund(c->store, budget);
        c->nframes = 0;
        c->state = WEFT_CTX_DONE;
        return WEFT_CALL_DONE;
    }
    fr_sp--;
    pc = fr_sp->ret_pc;
    fp = stack + fr_sp->fp_off;
    fn = fr_sp->func;
    /* mbase/msize stay current across a callee of the same instance: memory.grow, host calls
     * and instance changes reload them where they happen, so only a change of instance on the
     * way back needs a reload. */
    if (fr_sp->inst != inst) {
        SET_INST(fr_sp->inst);
        RELOAD_MEM();
    }
    DISPATCH();

L_call_local:
    /* A function defined by this module: same instance, compiled code. Its weft_code_t is in
     * the instruction (W(2), W(3)): the next dispatch depends on one load fewer. */
    callee_code = (const weft_code_t *)(uintptr_t)((uint64_t)W(2) | ((uint64_t)W(3) << 32));
    callee = inst->funcs[W(0)];
    call_base = W(1);
    ret_pc = pc + 6;
    if (fp + call_base + callee_code->frame_slots > stack_end || fr_sp == fr_lim)
        goto call_slow;
    PUSH_FRAME();
    fn = callee;
    pc = callee_code->code;
    TICK();
    DISPATCH();
L_call:
    callee = inst->funcs[W(0)];
    call_base = W(1);
    ret_pc = pc + 4;
    goto do_call;
L_call_indirect: {
    const weft_table_t *t = inst->tables[W(1)];
    uint32_t i = U32(2);
    if (i >= t->size) TRAP(WEFT_TRAP_UNDEFINED_ELEMENT);
    callee = (weft_func_t *)(uintptr_t)t->elems[i];
    if (!callee) TRAP(WEFT_TRAP_UNINITIALIZED_ELEMENT);
    if (callee->type_id != inst->type_ids[W(0)] &&
        !weft__func_type_matches(callee, inst->type_ids[W(0)]))
        TRAP(WEFT_TRAP_INDIRECT_CALL_TYPE);
    call_base = W(3);
    ret_pc = pc + 6;
    goto do_call;
}
L_return_call:
    callee = inst->funcs[W(0)];
    call_base = W(1);
    ret_pc = pc + 4;
    goto do_tail_call;
L_return_call_indirect: {
    const weft_table_t *t = inst->tables[W(1)];
    uint32_t i = U32(2);
    if (i >= t->size) TRAP(WEFT_TRAP_UNDEFINED_ELEMENT);
    callee = (weft_func_t *)(uintptr_t)t->elems[i];
    if (!callee) TRAP(WEFT_TRAP_UNINITIALIZED_ELEMENT);
    if (callee->type_id != inst->type_ids[W(0)] &&
        !weft__func_type_matches(callee, inst->type_ids[W(0)]))
        TRAP(WEFT_TRAP_INDIRECT_CALL_TYPE);
    call_base = W(3);
    ret_pc = pc + 6;
    goto do_tail_call;
}
L_call_ref:
    /* Typed function references: the callee is a reference in a slot. Validation makes its
     * type match; it is still checked (like call_indirect) because the host may have stored
     * any function in a typed global or argument. */
    callee = (weft_func_t *)(uintptr_t)S(0);
    if (!callee) goto null_callee;
    if (callee->type_id != inst->type_ids[W(2)] &&
        !weft__func_type_matches(callee, inst->type_ids[W(2)]))
        TRAP(WEFT_TRAP_INDIRECT_CALL_TYPE);
    call_base = W(1);
    ret_pc = pc + 5;
    goto do_call;
L_return_call_ref:
    callee = (weft_func_t *)(uintptr_t)S(0);
    if (!callee) goto null_callee;
    if (callee->type_id != inst->type_ids[W(2)] &&
        !weft__func_type_matches(callee, inst->type_ids[W(2)]))
        TRAP(WEFT_TRAP_INDIRECT_CALL_TYPE);
    call_base = W(1);
    ret_pc = pc + 5;
    goto do_tail_call;
null_callee:
    trap_detail = "null function reference"; /* the spec's wording for call_ref */
    TRAP(WEFT_TRAP_NULL_REFERENCE);
L_ref_as_non_null:
    if (!S(0)) TRAP(WEFT_TRAP_NULL_REFERENCE);
    NEXT(1);
L_lazy_compile: {
    /* The first entry into a function whose body is not translated yet (interp.h): fn is the
     * callee, already entered (its work unit spent), with its arguments at fp[0..]. Translate
     * it, make room for its whole frame, zero its locals and start it. */
    weft_code_t *cd = fn->inst->module->codes[fn->index - fn->inst->module->nfunc_imports];
    if (weft__code_is_stub(cd)) {
        SYNC_FRAMES();
        weft_error_t *e = weft__code_compile(fn->inst->module, cd);
        if (e) {
            if (weft_error_kind(e) == WEFT_ERROR_OOM) goto out_of_memory;
            weft__interrupt_refund(c->store, budget);
            c->fp_off = (size_t)(fp - stack);
            weft__call_backtrace(c, e, fn, pc);
            *err = e;
            c->state = WEFT_CTX_FAILED;
            return WEFT_CALL_FAILED;
        }
    }
    if (fp + cd->frame_slots > stack_end) {
        size_t off = (size_t)(fp - stack);
        bool oom = false;
        SYNC_FRAMES();
        if (!weft__call_grow_stack(c, off + cd->frame_slots, &oom)) {
            if (oom) goto out_of_memory;
            TRAP(WEFT_TRAP_STACK_EXHAUSTED);
        }
        stack = c->stack;
        stack_end = stack + c->stack_cap;
        fp = stack + off;
    }
    zero_locals(fp + cd->param_slots, cd->local_slots);
    pc = cd->code;
    DISPATCH();
}
do_tail_call:
    /* Wasm 3.0 return_call: a compiled callee replaces the current frame (its arguments move
     * down to slot 0), so tail recursion runs in constant stack. A host callee, or one that
     * needs the stack grown first, is called normally and returns to the return that follows. */
    callee_code = callee->code;
    if (!callee_code || fp + callee_code->frame_slots > stack_end) goto do_call;
    memmove(fp, fp + call_base, (size_t)callee_code->param_slots * sizeof *fp);
    if (callee_code->local_slots)
        memset(fp + callee_code->param_slots, 0, (size_t)callee_code->local_slots * sizeof *fp);
    fn = callee;
    if (callee->inst != inst) {
        SET_INST(callee->inst);
        RELOAD_MEM();
    }
    pc = callee_code->code;
    TICK();
    DISPATCH();
do_call:
    if (callee->code) {
        /* Wasm core spec 4.4.10 invocation: the callee's frame overlaps the caller's argument
         * slots; its locals are zeroed. */
        callee_code = callee->code;
        if (fp + call_base + callee_code->frame_slots > stack_end || fr_sp == fr_lim)
            goto call_slow;
    call_fast:
        PUSH_FRAME();
        fn = callee;
        if (callee->inst != inst) {
            SET_INST(callee->inst);
            RELOAD_MEM();
        }
        pc = callee_code->code;
        TICK();
        DISPATCH();
    call_slow:
        SYNC_FRAMES();
        if (c->nframes + 1 >= c->max_depth) TRAP(WEFT_TRAP_STACK_EXHAUSTED);
        if (fr_sp == c->frames + c->frames_cap) {
            if (!grow_frames(c)) goto out_of_memory;
            fr_sp = c->frames + c->nframes;
        }
        fr_lim = frame_limit(c);
        {
            size_t off = (size_t)(fp - stack);
            size_t need = off + call_base + callee_code->frame_slots;
            if (need > c->stack_cap) {
                bool oom = false;
                if (!weft__call_grow_stack(c, need, &oom)) {
                    if (oom) goto out_of_memory;
                    TRAP(WEFT_TRAP_STACK_EXHAUSTED);
                }
                stack = c->stack;
                stack_end = stack + c->stack_cap;
                fp = stack + off;
            }
        }
        goto call_fast;
    } else if (callee->host_slots) {
        /* weft__call_host's raw-slot case, inline: the runtime's own built-ins. They never
         * look at this call's frames or saved position (a thread they resume runs its own
         * call), so those are written only when the built-in stops this call (an error or a
         * suspension, host_stopped). Host code may read or set the fuel: with fuel metering
         * the unspent units go back first and a new chunk is taken afterwards; without it the
         * budget only paces the interruption checks (interrupt.h) and simply goes on. */
        weft_store_t *store = c->store;
        if (store->fuel_on) {
            weft__interrupt_refund(store, budget);
            budget = 0;
        }
        weft_caller_t caller = {c, inst, store, false};
        weft_error_t *e = callee->host_slots(callee, &caller, fp + call_base);
        if (__builtin_expect(e != NULL || caller.suspend, 0)) {
            SYNC_FRAMES();
            c->func = fn;
            c->pc = pc;
            c->fp_off = (size_t)(fp - stack);
            if (!e && c->sync)
                e = weft__error_new(&c->alloc, WEFT_ERROR_INVALID_ARG, UINT64_MAX,
                                    "host function suspended in a synchronous call");
            host_err = e;
            goto host_stopped;
        }
        RELOAD_MEM();
        pc = ret_pc;
        if (store->fuel_on) budget = weft__interrupt_reserve(store);
        DISPATCH();
    } else {
        SYNC_FRAMES();
        c->func = fn;
        c->pc = pc;
        c->fp_off = (size_t)(fp - stack);
        weft_store_t *store = c->store; /* as above */
        if (store->fuel_on) {
            weft__interrupt_refund(store, budget);
            budget = 0;
        }
        bool suspended = false;
        weft_error_t *e = weft__call_host(c, inst, callee, fp + call_base, &suspended);
        if (__builtin_expect(e != NULL || suspended, 0)) {
            host_err = e;
            goto host_stopped;
        }
        fp = stack + c->fp_off;
        RELOAD_MEM();
        pc = ret_pc;
        if (store->fuel_on) budget = weft__interrupt_reserve(store);
        DISPATCH();
    }
host_stopped:
    /* A host call ended this invocation (host_err set: an error; else a suspension), with
     * the call's frames and position saved. */
    if (host_err) {
        if (weft_error_kind(host_err) == WEFT_ERROR_TRAP)
            weft__call_backtrace(c, host_err, fn, pc);
        *err = host_err;
        c->state = WEFT_CTX_FAILED;
        return WEFT_CALL_FAILED;
    }
    c->pc = ret_pc;
    c->susp_func = callee;
    c->susp_off = c->fp_off + call_base;
    c->state = WEFT_CTX_SUSPENDED;
    return WEFT_CALL_SUSPENDED;

    /* ---- values, variables ---- */
L_copy: S(0) = S(1); NEXT(2);
L_copy128: {
    uint64_t lo = fp[W(1)], hi = fp[W(1) + 1];
    fp[W(0)] = lo;
    fp[W(0) + 1] = hi;
    NEXT(2);
}
L_const32: S(0) = W(1); NEXT(2);
L_const64: S(0) = (uint64_t)W(1) | ((uint64_t)W(2) << 32); NEXT(3);
L_const128:
    fp[W(0)] = (uint64_t)W(1) | ((uint64_t)W(2) << 32);
    fp[W(0) + 1] = (uint64_t)W(3) | ((uint64_t)W(4) << 32);
    NEXT(5);
L_select: S(0) = U32(3) ? S(1) : S(2); NEXT(4);
L_select128: {
    uint32_t src = U32(3) ? W(1) : W(2);
    uint64_t lo = fp[src], hi = fp[src + 1];
    fp[W(0)] = lo;
    fp[W(0) + 1] = hi;
    NEXT(4);
}
L_global_get: S(0) = inst->globals[W(1)]->val[0]; NEXT(2);
L_global_set: inst->globals[W(0)]->val[0] = S(1); NEXT(2);
L_global_get128: {
    const weft_global_t *g = inst->globals[W(1)];
    fp[W(0)] = g->val[0];
    fp[W(0) + 1] = g->val[1];
    NEXT(2);
}
L_global_set128: {
    weft_global_t *g = inst->globals[W(0)];
    g->val[0] = fp[W(1)];
    g->val[1] = fp[W(1) + 1];
    NEXT(2);
}
L_ref_func: S(0) = (uint64_t)(uintptr_t)inst->funcs[W(1)]; NEXT(2);

    /* ---- memory (4.4.7): little-endian host, unaligned access through memcpy ---- */
/* Effective address of a _k form: the folded i32.add wraps at 32 bits, then the offset adds. */
#define EAK(var, addr_i, off_i, k_i, n)                                                          \
    uint64_t var = (uint64_t)(uint32_t)(U32(addr_i) + W(k_i)) + W(off_i);                       \
    if (var + (n) > msize) TRAP(WEFT_TRAP_MEMORY_OOB)
#define LOAD_HANDLERS(SFX, EAX)                                                                    \
    L_ld32##SFX: { EAX(ea, 1, 2, 3, 4); uint32_t v; memcpy(&v, mbase + ea, 4); S(0) = v;         \
                 NEXT(3 + K_EXTRA); }                                                            \
    L_ld64##SFX: { EAX(ea, 1, 2, 3, 8); uint64_t v; memcpy(&v, mbase + ea, 8); S(0) = v;         \
                 NEXT(3 + K_EXTRA); }                                                            \
    L_ld8s32##SFX: { EAX(ea, 1, 2, 3, 1); S(0) = (uint32_t)(int32_t)(int8_t)mbase[ea];            \
                   NEXT(3 + K_EXTRA); }                                                          \
    L_ld8u##SFX: { EAX(ea, 1, 2, 3, 1); S(0) = mbase[ea]; NEXT(3 + K_EXTRA); }                    \
    L_ld16s32##SFX: { EAX(ea, 1, 2, 3, 2); uint16_t v; memcpy(&v, mbase + ea, 2);                \
                    S(0) = (uint32_t)(int32_t)(int16_t)v; NEXT(3 + K_EXTRA); }                   \
    L_ld16u##SFX: { EAX(ea, 1, 2, 3, 2); uint16_t v; memcpy(&v, mbase + ea, 2); S(0) = v;        \
                  NEXT(3 + K_EXTRA); }                                                           \
    L_ld8s64##SFX: { EAX(ea, 1, 2, 3, 1); S(0) = (uint64_t)(int64_t)(int8_t)mbase[ea];            \
                   NEXT(3 + K_EXTRA); }                                                          \
    L_ld16s64##SFX: { EAX(ea, 1, 2, 3, 2); uint16_t v; memcpy(&v, mbase + ea, 2);                \
                    S(0) = (uint64_t)(int64_t)(int16_t)v; NEXT(3 + K_EXTRA); }                   \
    L_ld32s64##SFX: { EAX(ea, 1, 2, 3, 4); uint32_t v; memcpy(&v, mbase + ea, 4);                \
                    S(0) = (uint64_t)(int64_t)(int32_t)v; NEXT(3 + K_EXTRA); }                   \
    L_st8##SFX: { EAX(ea, 0, 2, 3, 1); mbase[ea] = (uint8_t)S(1); NEXT(3 + K_EXTRA); }            \
    L_st16##SFX: { EAX(ea, 0, 2, 3, 2); uint16_t v = (uint16_t)S(1); memcpy(mbase + ea, &v, 2);  \
                 NEXT(3 + K_EXTRA); }                                                            \
    L_st32##SFX: { EAX(ea, 0, 2, 3, 4); uint32_t v = (uint32_t)S(1); memcpy(mbase + ea, &v, 4);  \
                 NEXT(3 + K_EXTRA); }                                                            \
    L_st64##SFX: { EAX(ea, 0, 2, 3, 8); uint64_t v = S(1); memcpy(mbase + ea, &v, 8);            \
                 NEXT(3 + K_EXTRA); }
#define EA3(var, a, o, k, n) EA(var, a, o, n)
#define K_EXTRA 0
    LOAD_HANDLERS(, EA3)
#undef K_EXTRA
#define K_EXTRA 1
    LOAD_HANDLERS(_k, EAK)
#undef K_EXTRA
L_st8_i: { EA(ea, 0, 2, 1); mbase[ea] = (uint8_t)W(1); NEXT(3); }
L_st16_i: { EA(ea, 0, 2, 2); uint16_t v = (uint16_t)W(1); memcpy(mbase + ea, &v, 2); NEXT(3); }
L_st32_i: { EA(ea, 0, 2, 4); uint32_t v = W(1); memcpy(mbase + ea, &v, 4); NEXT(3); }
L_st64_i: { EA(ea, 0, 2, 8); uint64_t v = K64u(1); memcpy(mbase + ea, &v, 8); NEXT(3); }
L_i32_shladd: S(0) = (uint32_t)(U32(3) + (U32(1) << (W(2) & 31))); NEXT(4);
L_memory_size: S(0) = (uint32_t)(msize / WEFT_PAGE_SIZE); NEXT(1);
L_memory_grow: {
    int64_t r = weft__memory_grow(mem0, U32(1));
    RELOAD_MEM();
    S(0) = (uint32_t)(int32_t)r;
    NEXT(2);
}
L_memory_fill: {
    uint64_t d = U32(0), n = U32(2);
    if (d + n > msize) TRAP(WEFT_TRAP_MEMORY_OOB);
    if (n) memset(mbase + d, (int)(uint8_t)S(1), (size_t)n);
    NEXT(5);
}
L_memory_copy: {
    uint64_t d = U32(0), s = U32(1), n = U32(2);
    if (s + n > msize || d + n > msize) TRAP(WEFT_TRAP_MEMORY_OOB);
    if (n) memmove(mbase + d, mbase + s, (size_t)n);
    NEXT(5);
}
L_memory_init: {
    uint64_t d = U32(0), s = U32(1), n = U32(2);
    uint32_t seg = W(3);
    const weft_module_t *m = inst->module;
    uint64_t len = inst->data_dropped[seg] ? 0 : m->datas[seg].len;
    if (s + n > len || d + n > msize) TRAP(WEFT_TRAP_MEMORY_OOB);
    if (n) memcpy(mbase + d, m->bytes + m->datas[seg].data_offset + s, (size_t)n);
    NEXT(5);
}
L_data_drop: inst->data_dropped[W(0)] = true; NEXT(1);
/* Multiple memories (Wasm 3.0): an access to memory k != 0 is compiled as mem_sel k, the
 * memory-0 instruction, mem_sel0; the bracketed instruction never calls, so the memory-0 fast
 * path keeps its registers and costs nothing extra. */
L_mem_sel: mem0 = inst->memories[W(0)]; RELOAD_MEM(); NEXT(1);
L_mem_sel0: mem0 = inst->memories[0]; RELOAD_MEM(); NEXT(0);
L_memory_copy2: {
    const weft_memory_t *dm = inst->memories[W(3)], *sm = inst->memories[W(4)];
    uint64_t d = U32(0), s = U32(1), n = U32(2);
    if (s + n > sm->size || d + n > dm->size) TRAP(WEFT_TRAP_MEMORY_OOB);
    if (n) memmove(dm->data + d, sm->data + s, (size_t)n);
    NEXT(5);
}

    /* ---- tables (4.4.6) ---- */
L_table_get: {
    const weft_table_t *t = inst->tables[W(2)];
    uint32_t i = U32(1);
    if (i >= t->size) TRAP(WEFT_TRAP_TABLE_OOB);
    S(0) = t->elems[i];
    NEXT(3);
}
L_table_set: {
    weft_table_t *t = inst->tables[W(2)];
    uint32_t i = U32(0);
    if (i >= t->size) TRAP(WEFT_TRAP_TABLE_OOB);
    t->elems[i] = S(1);
    NEXT(3);
}
L_table_size: S(0) = (uint32_t)inst->tables[W(1)]->size; NEXT(2);
L_table_grow: {
    int64_t r = weft__table_grow(inst->tables[W(3)], U32(2), S(1));
    S(0) = (uint32_t)(int32_t)r;
    NEXT(4);
}
L_table_fill: {
    weft_table_t *t = inst->tables[W(3)];
    uint64_t i = U32(0), n = U32(2);
    uint64_t v = S(1);
    if (i + n > t->size) TRAP(WEFT_TRAP_TABLE_OOB);
    for (uint64_t k = 0; k < n; k++) t->elems[i + k] = v;
    NEXT(5);
}
L_table_copy: {
    weft_table_t *dt = inst->tables[W(3)];
    const weft_table_t *st = inst->tables[W(4)];
    uint64_t d = U32(0), s = U32(1), n = U32(2);
    if (s + n > st->size || d + n > dt->size) TRAP(WEFT_TRAP_TABLE_OOB);
    if (n) memmove(dt->elems + d, st->elems + s, (size_t)n * sizeof *dt->elems);
    NEXT(5);
}
L_table_init: {
    uint32_t seg = W(3);
    weft_table_t *t = inst->tables[W(4)];
    uint64_t d = U32(0), s = U32(1), n = U32(2);
    uint64_t len = inst->elem_sizes[seg];
    if (s + n > len || d + n > t->size) TRAP(WEFT_TRAP_TABLE_OOB);
    if (n) memcpy(t->elems + d, inst->elem_refs[seg] + s, (size_t)n * sizeof *t->elems);
    NEXT(5);
}
L_elem_drop: inst->elem_sizes[W(0)] = 0; NEXT(1);

    /* ---- SIMD (4.4.3): lane semantics live in simd.c ---- */
L_v_load: {
    uint32_t op = W(0);
    uint32_t nb = weft__simd_mem_bytes(op);
    EA(ea, 2, 3, nb);
    uint8_t out[16];
    weft__simd_load(op, out, mbase + ea, out, 0);
    memcpy(&fp[W(1)], out, 16);
    NEXT(4);
}
L_v_store: {
    EA(ea, 0, 2, 16);
    memcpy(mbase + ea, &fp[W(1)], 16);
    NEXT(3);
}
L_v_load_lane: {
    uint32_t op = W(0);
    uint32_t nb = weft__simd_mem_bytes(op);
    EA(ea, 2, 4, nb);
    uint8_t in[16], out[16];
    memcpy(in, &fp[W(3)], 16);
    weft__simd_load(op, out, mbase + ea, in, W(5));
    memcpy(&fp[W(1)], out, 16);
    NEXT(6);
}
L_v_store_lane: {
    uint32_t op = W(0);
    uint32_t nb = weft__simd_mem_bytes(op);
    EA(ea, 1, 3, nb);
    uint8_t in[16];
    memcpy(in, &fp[W(2)], 16);
    weft__simd_store_lane(op, mbase + ea, in, W(4));
    NEXT(5);
}
L_v_shuffle: {
    uint8_t a[16], b[16], lanes[16], out[16];
    memcpy(a, &fp[W(1)], 16);
    memcpy(b, &fp[W(2)], 16);
    memcpy(lanes, &W(3), 16);
    weft__simd_shuffle(out, a, b, lanes);
    memcpy(&fp[W(0)], out, 16);
    NEXT(7);
}
L_v_extract: {
    uint8_t a[16];
    memcpy(a, &fp[W(2)], 16);
    S(1) = weft__simd_extract_lane(W(0), a, W(3));
    NEXT(4);
}
L_v_replace: {
    uint8_t a[16], out[16];
    memcpy(a, &fp[W(2)], 16);
    weft__simd_replace_lane(W(0), out, a, W(4), S(3));
    memcpy(&fp[W(1)], out, 16);
    NEXT(5);
}
L_v_splat: {
    uint8_t out[16];
    weft__simd_splat(W(0), out, S(2));
    memcpy(&fp[W(1)], out, 16);
    NEXT(3);
}
L_v_unop: {
    uint8_t a[16], out[16];
    memcpy(a, &fp[W(2)], 16);
    weft__simd_unop(W(0), out, a);
    memcpy(&fp[W(1)], out, 16);
    NEXT(3);
}
L_v_binop: {
    uint8_t a[16], b[16], out[16];
    memcpy(a, &fp[W(2)], 16);
    memcpy(b, &fp[W(3)], 16);
    weft__simd_binop(W(0), out, a, b);
    memcpy(&fp[W(1)], out, 16);
    NEXT(4);
}
L_v_ternop: {
    uint8_t a[16], b[16], x[16], out[16];
    memcpy(a, &fp[W(2)], 16);
    memcpy(b, &fp[W(3)], 16);
    memcpy(x, &fp[W(4)], 16);
    weft__simd_ternop(W(0), out, a, b, x);
    memcpy(&fp[W(1)], out, 16);
    NEXT(5);
}
L_v_shift: {
    uint8_t a[16], out[16];
    memcpy(a, &fp[W(2)], 16);
    weft__simd_shift(W(0), out, a, U32(3));
    memcpy(&fp[W(1)], out, 16);
    NEXT(4);
}
L_v_test: {
    uint8_t a[16];
    memcpy(a, &fp[W(2)], 16);
    S(1) = (uint32_t)weft__simd_test(W(0), a);
    NEXT(3);
}

    /* ---- exceptions (Wasm 3.0, 4.4.8 throw, throw_ref, try_table) ---- */
L_throw: {
    exn = weft__exn_new(inst, inst->tags[W(0)], fp + W(1));
    if (!exn) goto out_of_memory;
    goto do_throw;
}
L_throw_ref:
    exn = (weft_exn_t *)(uintptr_t)S(0);
    if (!exn) TRAP(WEFT_TRAP_NULL_REFERENCE);
do_throw: {
    /* Unwind the frames on the heap stack until a try_table clause of the frame's code covers
     * its position: the throwing instruction, then each caller's call. */
    uint32_t pos = (uint32_t)(pc - fn->code->code) + 1;
    for (;;) {
        const weft_code_t *cd = fn->code;
        uint32_t max_depth = UINT32_MAX; /* lowered by legacy delegate clauses */
        for (uint32_t i = cd->ncatches; i-- > 0;) {
            const weft_catch_t *k = &cd->catches[i];
            if (!(k->start < pos && pos <= k->end) || k->depth > max_depth) continue;
            if (k->kind >= 4) { /* legacy try: catch, catch_all, delegate */
                if (k->kind == 6) {
                    if (k->tag < max_depth) max_depth = k->tag;
                    continue;
                }
                if (k->kind == 4 && inst->tags[k->tag] != exn->tag) continue;
                fp[k->slot] = (uint64_t)(uintptr_t)exn;
                if (k->kind == 4 && exn->nslots)
                    memcpy(fp + k->slot + 1, exn->slots, (size_t)exn->nslots * sizeof *fp);
                pc = cd->code + k->pad;
                DISPATCH();
            }
            if (k->kind < 2 && inst->tags[k->tag] != exn->tag) continue;
            uint32_t at = k->slot;
            if (k->kind < 2) {
                if (exn->nslots) memcpy(fp + at, exn->slots, (size_t)exn->nslots * sizeof *fp);
                at += exn->nslots;
            }
            if (k->kind & 1) fp[at] = (uint64_t)(uintptr_t)exn;
            pc = cd->code + k->pad;
            DISPATCH();
        }
        if (fr_sp == c->frames) TRAP(WEFT_TRAP_UNCAUGHT_EXCEPTION);
        fr_sp--;
        pc = fr_sp->ret_pc;
        fp = stack + fr_sp->fp_off;
        fn = fr_sp->func;
        if (fr_sp->inst != inst) SET_INST(fr_sp->inst);
        RELOAD_MEM();
        pos = (uint32_t)(pc - fn->code->code);
    }
}

tick_slow:
    budget = weft__interrupt_refill(c->store, &trap_code);
    if (budget < 0) {
        budget = 0;
        goto trap;
    }
    DISPATCH();
trap: {
    weft__interrupt_refund(c->store, budget);
    SYNC_FRAMES();
    c->fp_off = (size_t)(fp - stack);
    weft_error_t *e = weft__error_trap(&c->alloc, trap_code, trap_detail);
    weft__call_backtrace(c, e, fn, pc);
    *err = e;
    c->state = WEFT_CTX_FAILED;
    return WEFT_CALL_FAILED;
}
out_of_memory:
    weft__interrupt_refund(c->store, budget);
    SYNC_FRAMES();
    *err = weft__error_oom();
    c->state = WEFT_CTX_FAILED;
    return WEFT_CALL_FAILED;
}

const void *const *weft__interp_labels(void)
{
    const void *const *table = NULL;
    interp(NULL, NULL, &table);
    return table;
}

weft_call_state_t weft__interp_run(weft_call_t *call, weft_error_t **err)
{
    return interp(call, err, NULL);
}
