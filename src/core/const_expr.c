/* const_expr.c - evaluation of constant expressions at instantiation (Wasm core spec 3.3.10
 * Constant Expressions, 4.5.4 Instantiation). Expressions are read straight from the module's
 * bytes; the validator has already checked them, so this evaluator only guards against
 * malformed input instead of type-checking again. Supports the Wasm 2.0 forms plus the
 * extended-constant i32/i64 add, sub and mul. */
#include "core/instance.h"

#include "util/leb.h"

#include <string.h>

/* Constant expressions are tiny in practice; a fixed operand stack keeps this allocation-free. */
#define STACK_MAX 64

typedef struct cval {
    uint64_t s[2];
} cval_t;

static weft_error_t *bad(const weft_instance_t *inst, const weft_reader_t *r, const char *why)
{
    return weft__error_new(&inst->store->alloc, WEFT_ERROR_VALIDATE,
                           (uint64_t)weft__reader_offset(r), "constant expression: %s", why);
}

weft_error_t *weft__const_expr_eval(const weft_instance_t *inst, weft_expr_t expr, uint64_t out[2])
{
    const weft_module_t *m = inst->module;
    out[0] = out[1] = 0;
    if ((uint64_t)expr.offset + expr.len > m->len) {
        return weft__error_new(&inst->store->alloc, WEFT_ERROR_VALIDATE, expr.offset,
                               "constant expression: out of range");
    }
    weft_reader_t r = {
        .base = m->bytes,
        .p = m->bytes + expr.offset,
        .end = m->bytes + expr.offset + expr.len,
    };
    cval_t st[STACK_MAX];
    size_t sp = 0;
    for (;;) {
        uint8_t op;
        if (!weft__read_u8(&r, &op)) return bad(inst, &r, "unexpected end");
        if (op == 0x0B) break; /* end */
        if (sp == STACK_MAX) return bad(inst, &r, "too deep");
        cval_t v = {{0, 0}};
        switch (op) {
        case 0x41: { /* i32.const */
            int32_t x;
            if (!weft__read_s32(&r, &x)) return bad(inst, &r, "bad immediate");
            v.s[0] = (uint64_t)(uint32_t)x;
            st[sp++] = v;
            break;
        }
        case 0x42: { /* i64.const */
            int64_t x;
            if (!weft__read_s64(&r, &x)) return bad(inst, &r, "bad immediate");
            v.s[0] = (uint64_t)x;
            st[sp++] = v;
            break;
        }
        case 0x43: { /* f32.const */
            uint32_t bits;
            if (!weft__read_f32(&r, &bits)) return bad(inst, &r, "bad immediate");
            v.s[0] = bits;
            st[sp++] = v;
            break;
        }
        case 0x44: /* f64.const */
            if (!weft__read_f64(&r, &v.s[0])) return bad(inst, &r, "bad immediate");
            st[sp++] = v;
            break;
        case 0xFD: { /* v128.const: 0xFD 12 followed by 16 bytes */
            uint32_t sub;
            const uint8_t *b;
            if (!weft__read_u32(&r, &sub) || sub != 12) return bad(inst, &r, "illegal opcode");
            if (!weft__read_bytes(&r, 16, &b)) return bad(inst, &r, "bad immediate");
            memcpy(&v.s[0], b, 8);
            memcpy(&v.s[1], b + 8, 8);
            st[sp++] = v;
            break;
        }
        case 0xD0: { /* ref.null ht: every null reference is the 0 slot */
            int64_t ht;
            if (!weft__read_s33(&r, &ht)) return bad(inst, &r, "bad immediate");
            st[sp++] = v;
            break;
        }
        case 0xD2: { /* ref.func x */
            uint32_t x;
            if (!weft__read_u32(&r, &x)) return bad(inst, &r, "bad immediate");
            if (x >= m->nfuncs || !inst->funcs[x]) return bad(inst, &r, "unknown function");
            v.s[0] = (uint64_t)(uintptr_t)inst->funcs[x];
            st[sp++] = v;
            break;
        }
        case 0x23: { /* global.get x: only globals initialised before this one are visible */
            uint32_t x;
            if (!weft__read_u32(&r, &x)) return bad(inst, &r, "bad immediate");
            if (x >= m->nglobals || !inst->globals[x]) return bad(inst, &r, "unknown global");
            v.s[0] = inst->globals[x]->val[0];
            v.s[1] = inst->globals[x]->val[1];
            st[sp++] = v;
            break;
        }
        case 0x6A: case 0x6B: case 0x6C:   /* i32.add, i32.sub, i32.mul */
        case 0x7C: case 0x7D: case 0x7E: { /* i64.add, i64.sub, i64.mul */
            if (sp < 2) return bad(inst, &r, "type mismatch");
            uint64_t b = st[--sp].s[0], a = st[sp - 1].s[0], res;
            switch (op) {
            case 0x6A: case 0x7C: res = a + b; break;
            case 0x6B: case 0x7D: res = a - b; break;
            default: res = a * b; break;
            }
            /* Unsigned arithmetic wraps as the spec requires; i32 keeps the low 32 bits. */
            if (op <= 0x6C) res = (uint32_t)res;
            st[sp - 1].s[0] = res;
            break;
        }
        default:
            return bad(inst, &r, "constant expression required");
        }
    }
    if (sp != 1) return bad(inst, &r, "type mismatch");
    out[0] = st[0].s[0];
    out[1] = st[0].s[1];
    return NULL;
}
