/* decode_instr.c - the binary syntax of instructions (Wasm core spec 5.4), checked without
 * building anything: function bodies and constant expressions stay byte ranges in the module,
 * and the validator reads them again with types in hand. Checking the syntax here makes every
 * malformed instruction a decode error, as the spec requires (for example "illegal opcode",
 * "zero byte expected", "END opcode expected", an over-long LEB128 immediate), and finds the
 * exact end of each constant expression.
 *
 * The instruction set is that of Wasm 2.0: MVP, sign extension, saturating conversions,
 * multi-value, bulk memory, reference types and fixed-width SIMD. */
#include <stdio.h>

#include "core/decode_internal.h"

static bool illegal(weft_decoder_t *d, size_t pos, int prefix, uint32_t op)
{
    if (prefix < 0) snprintf(d->msg, sizeof d->msg, "illegal opcode %02x", (unsigned)op);
    else snprintf(d->msg, sizeof d->msg, "illegal opcode %02x %02x", (unsigned)prefix, (unsigned)op);
    weft__decode_fail_at(d, pos, d->msg);
    return false;
}

/* memory.size, memory.grow and the bulk memory instructions carry a reserved byte that must be
 * exactly 0x00 (not a longer LEB128 encoding of zero). */
static bool zero_byte(weft_decoder_t *d)
{
    size_t pos = weft__reader_offset(&d->r);
    uint8_t b;
    if (!weft__read_u8(&d->r, &b)) return false;
    if (b != 0) {
        weft__decode_fail_at(d, pos, "zero byte expected");
        return false;
    }
    return true;
}

static bool u32_imm(weft_decoder_t *d)
{
    uint32_t v;
    return weft__read_u32(&d->r, &v);
}

static bool memarg(weft_decoder_t *d)
{
    return u32_imm(d) && u32_imm(d); /* alignment exponent, offset */
}

static bool skip_bytes(weft_decoder_t *d, size_t n)
{
    const uint8_t *p;
    return weft__read_bytes(&d->r, n, &p);
}

/* 5.4.1 block types: 0x40, a value type, or a type index as a signed 33-bit number. */
static bool blocktype(weft_decoder_t *d)
{
    if (weft__reader_eof(&d->r)) return weft__read_u8(&d->r, &(uint8_t){0});
    uint8_t b = *d->r.p;
    if (b == 0x40) {
        d->r.p++;
        return true;
    }
    if ((b & 0xc0) == 0x40) {
        weft_valtype_t t;
        return weft__decode_valtype(d, &t);
    }
    int64_t idx;
    return weft__read_s33(&d->r, &idx);
}

static bool push_block(weft_decoder_t *d, size_t depth, uint8_t is_if)
{
    if (weft__grow(&d->m->alloc, (void **)&d->ctl, &d->ctl_cap, depth + 1, 1) != 0) {
        weft__decode_oom(d);
        return false;
    }
    d->ctl[depth] = is_if;
    return true;
}

/* 5.4.6-5.4.8 the 0xFC prefix: saturating truncation, bulk memory, table instructions. */
static bool prefix_fc(weft_decoder_t *d, size_t pos, bool in_body)
{
    uint32_t op;
    if (!weft__read_u32(&d->r, &op)) return false;
    switch (op) {
    case 0: case 1: case 2: case 3: case 4: case 5: case 6: case 7:
        return true; /* i32/i64.trunc_sat_f32/f64_s/u */
    case 8: /* memory.init dataidx 0x00 */
        if (in_body) d->uses_datacount = true;
        return u32_imm(d) && zero_byte(d);
    case 9: /* data.drop dataidx */
        if (in_body) d->uses_datacount = true;
        return u32_imm(d);
    case 10: /* memory.copy 0x00 0x00 */
        return zero_byte(d) && zero_byte(d);
    case 11: /* memory.fill 0x00 */
        return zero_byte(d);
    case 12: /* table.init elemidx tableidx */
    case 14: /* table.copy tableidx tableidx */
        return u32_imm(d) && u32_imm(d);
    case 13: /* elem.drop */
    case 15: /* table.grow */
    case 16: /* table.size */
    case 17: /* table.fill */
        return u32_imm(d);
    default:
        return illegal(d, pos, 0xfc, op);
    }
}

/* SIMD opcodes up to 0xFF that are unassigned in Wasm 2.0 (5.4.9). */
static bool simd_reserved(uint32_t op)
{
    switch (op) {
    case 0x9a: case 0xa2: case 0xa5: case 0xa6: case 0xaf: case 0xb0: case 0xb2: case 0xb3:
    case 0xb4: case 0xbb: case 0xc2: case 0xc5: case 0xc6: case 0xcf: case 0xd0: case 0xd2:
    case 0xd3: case 0xd4: case 0xe2: case 0xee:
        return true;
    default:
        return op > 0xff;
    }
}

/* 5.4.9 the 0xFD prefix: vector instructions. */
static bool prefix_fd(weft_decoder_t *d, size_t pos)
{
    uint32_t op;
    if (!weft__read_u32(&d->r, &op)) return false;
    if (op <= 0x0b) return memarg(d); /* v128.load* and v128.store */
    if (op == 0x0c || op == 0x0d) return skip_bytes(d, 16); /* v128.const, i8x16.shuffle */
    if (op >= 0x15 && op <= 0x22) return skip_bytes(d, 1); /* extract/replace_lane */
    if (op >= 0x54 && op <= 0x5b) return memarg(d) && skip_bytes(d, 1); /* load/store_lane */
    if (op == 0x5c || op == 0x5d) return memarg(d); /* v128.load32/64_zero */
    if (simd_reserved(op)) return illegal(d, pos, 0xfd, op);
    return true;
}

bool weft__decode_scan_instrs(weft_decoder_t *d, bool in_body)
{
    weft_reader_t *r = &d->r;
    size_t depth = 0; /* blocks open inside the body or expression */
    for (;;) {
        size_t pos = weft__reader_offset(r);
        uint8_t op;
        if (!weft__read_u8(r, &op)) return false;
        bool ok = true;
        switch (op) {
        case 0x02: case 0x03: case 0x04: /* block, loop, if */
            ok = blocktype(d) && push_block(d, depth, op == 0x04);
            depth++;
            break;
        case 0x05: /* else: only directly inside an if that has not had one */
            if (depth == 0 || d->ctl[depth - 1] != 1) {
                weft__decode_fail_at(d, pos, "END opcode expected");
                return false;
            }
            d->ctl[depth - 1] = 0;
            break;
        case 0x0b: /* end */
            if (depth == 0) return true;
            depth--;
            break;
        case 0x00: case 0x01: case 0x0f: case 0x1a: case 0x1b: case 0xd1:
            break; /* unreachable, nop, return, drop, select, ref.is_null */
        case 0x0c: case 0x0d: /* br, br_if */
        case 0x10: /* call */
        case 0x20: case 0x21: case 0x22: case 0x23: case 0x24: /* local.*, global.* */
        case 0x25: case 0x26: /* table.get, table.set */
            ok = u32_imm(d);
            break;
        case 0x0e: { /* br_table vec(labelidx) labelidx */
            uint32_t n;
            ok = weft__decode_len(d, &n);
            for (uint32_t i = 0; ok && i < n; i++) ok = u32_imm(d);
            ok = ok && u32_imm(d);
            break;
        }
        case 0x11: /* call_indirect typeidx tableidx */
            ok = u32_imm(d) && u32_imm(d);
            break;
        case 0x1c: { /* select vec(valtype) */
            uint32_t n;
            weft_valtype_t t;
            ok = weft__decode_len(d, &n);
            for (uint32_t i = 0; ok && i < n; i++) ok = weft__decode_valtype(d, &t);
            break;
        }
        case 0x3f: case 0x40: /* memory.size, memory.grow */
            ok = zero_byte(d);
            break;
        case 0x41: {
            int32_t v;
            ok = weft__read_s32(r, &v);
            break;
        }
        case 0x42: {
            int64_t v;
            ok = weft__read_s64(r, &v);
            break;
        }
        case 0x43:
            ok = skip_bytes(d, 4);
            break;
        case 0x44:
            ok = skip_bytes(d, 8);
            break;
        case 0xd0: { /* ref.null reftype */
            weft_valtype_t t;
            ok = weft__decode_reftype(d, &t);
            break;
        }
        case 0xd2: { /* ref.func funcidx; outside bodies it declares the function (C.refs) */
            uint32_t x;
            ok = weft__read_u32(r, &x);
            if (ok && !in_body) weft__decode_mark_ref(d, x);
            break;
        }
        case 0xfc:
            ok = prefix_fc(d, pos, in_body);
            break;
        case 0xfd:
            ok = prefix_fd(d, pos);
            break;
        default:
            if (op >= 0x28 && op <= 0x3e) ok = memarg(d); /* loads and stores */
            else if (op >= 0x45 && op <= 0xc4) ok = true; /* numeric, no immediates */
            else return illegal(d, pos, -1, op);
            break;
        }
        if (!ok || !weft__decode_ok(d)) return false;
    }
}
