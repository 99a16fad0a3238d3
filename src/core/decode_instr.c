/* decode_instr.c - the binary syntax of instructions (Wasm core spec 5.4), checked without
 * building anything: function bodies and constant expressions stay byte ranges in the module,
 * and the validator reads them again with types in hand. Checking the syntax here makes every
 * malformed instruction a decode error, as the spec requires (for example "illegal opcode",
 * "zero byte expected", "END opcode expected", an over-long LEB128 immediate), and finds the
 * exact end of each constant expression. (weft__module_decode_quick leaves function bodies to
 * the validator, which rejects the same encodings; a module that fails there is decoded again
 * with this scan, for the spec decoder's error.)
 *
 * The instruction set is that of Wasm 2.0 (MVP, sign extension, saturating conversions,
 * multi-value, bulk memory, reference types and fixed-width SIMD) plus, unless the engine
 * disables them, the Wasm 3.0 features multiple memories, exception handling (and its legacy
 * try/catch/delegate form), tail calls, memory64 and typed function references (call_ref,
 * return_call_ref, ref.as_non_null, br_on_null, br_on_non_null, heap types in ref.null, block
 * types and select). */
#include <stdio.h>

#include "core/decode_internal.h"
#include "core/decode_types.h"
#include "core/leb_fast.h"

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
    if (!weft__fast_u8(&d->r, &b)) return false;
    if (b != 0) {
        weft__decode_fail_at(d, pos, "zero byte expected");
        return false;
    }
    return true;
}

static bool u32_imm(weft_decoder_t *d)
{
    uint32_t v;
    return weft__fast_u32(&d->r, &v);
}

/* A memory index where Wasm 2.0 has a reserved zero byte (memory.size, memory.grow and the
 * bulk memory instructions): a u32 with multiple memories (Wasm 3.0 5.4.6). */
static bool mem_idx(weft_decoder_t *d)
{
    return weft__decode_has(d, WEFT_FEATURE_MULTI_MEMORY) ? u32_imm(d) : zero_byte(d);
}

/* 5.4.6 memarg: alignment flags, then an offset. With multiple memories, bit 6 of the flags
 * says a memory index follows them and flags of 128 and up are malformed; with memory64 the
 * offset is a u64 (the validator bounds it for 32-bit memories). */
static bool memarg(weft_decoder_t *d)
{
    size_t pos = weft__reader_offset(&d->r);
    uint32_t flags;
    if (!weft__fast_u32(&d->r, &flags)) return false;
    if (weft__decode_has(d, WEFT_FEATURE_MULTI_MEMORY)) {
        if (flags >= 0x80) {
            weft__decode_fail_at(d, pos, "malformed memop flags");
            return false;
        }
        if ((flags & 0x40) && !u32_imm(d)) return false;
    }
    if (weft__decode_has(d, WEFT_FEATURE_MEMORY64)) {
        uint64_t off;
        return weft__read_u64(&d->r, &off);
    }
    return u32_imm(d);
}

static bool skip_bytes(weft_decoder_t *d, size_t n)
{
    const uint8_t *p;
    return weft__read_bytes(&d->r, n, &p);
}

/* 5.4.1 block types: 0x40, a value type, or a type index as a signed 33-bit number. */
static bool blocktype(weft_decoder_t *d)
{
    if (weft__reader_eof(&d->r)) return weft__fast_u8(&d->r, &(uint8_t){0});
    uint8_t b = *d->r.p;
    if (b == 0x40) {
        d->r.p++;
        return true;
    }
    if ((b & 0xc0) == 0x40 || b == 0x63 || b == 0x64) {
        weft_valtype_t t;
        return weft__decode_valtype(d, &t);
    }
    int64_t idx;
    return weft__read_s33(&d->r, &idx);
}

/* Kinds of open blocks on the scanner's control stack. */
enum {
    CTL_BLOCK = 0,     /* block, loop, try_table, if after its else */
    CTL_IF = 1,        /* if that may still take an else */
    CTL_TRY = 2,       /* legacy try, no handler yet: catch, catch_all or delegate may follow */
    CTL_TRY_CATCH = 3, /* legacy try after a catch: more catches or catch_all may follow */
    CTL_TRY_ALL = 4,   /* legacy try after catch_all: only end */
};

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
    if (!weft__fast_u32(&d->r, &op)) return false;
    switch (op) {
    case 0: case 1: case 2: case 3: case 4: case 5: case 6: case 7:
        return true; /* i32/i64.trunc_sat_f32/f64_s/u */
    case 8: /* memory.init dataidx memidx */
        if (in_body) d->uses_datacount = true;
        return u32_imm(d) && mem_idx(d);
    case 9: /* data.drop dataidx */
        if (in_body) d->uses_datacount = true;
        return u32_imm(d);
    case 10: /* memory.copy memidx memidx */
        return mem_idx(d) && mem_idx(d);
    case 11: /* memory.fill memidx */
        return mem_idx(d);
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
    if (!weft__fast_u32(&d->r, &op)) return false;
    if (op <= 0x0b) return memarg(d); /* v128.load* and v128.store */
    if (op == 0x0c || op == 0x0d) return skip_bytes(d, 16); /* v128.const, i8x16.shuffle */
    if (op >= 0x15 && op <= 0x22) return skip_bytes(d, 1); /* extract/replace_lane */
    if (op >= 0x54 && op <= 0x5b) return memarg(d) && skip_bytes(d, 1); /* load/store_lane */
    if (op == 0x5c || op == 0x5d) return memarg(d); /* v128.load32/64_zero */
    if (simd_reserved(op)) return illegal(d, pos, 0xfd, op);
    return true;
}

/* Wasm 3.0 5.4.1 try_table: block type, then vec(catch) where a catch is 0x00 tag label
 * (catch), 0x01 tag label (catch_ref), 0x02 label (catch_all) or 0x03 label
 * (catch_all_ref). */
static bool try_table(weft_decoder_t *d)
{
    uint32_t n;
    if (!blocktype(d) || !weft__decode_len(d, &n)) return false;
    for (uint32_t i = 0; i < n; i++) {
        size_t pos = weft__reader_offset(&d->r);
        uint8_t kind;
        if (!weft__fast_u8(&d->r, &kind)) return false;
        if (kind > 3) {
            weft__decode_fail_at(d, pos, "malformed catch clause");
            return false;
        }
        if (kind < 2 && !u32_imm(d)) return false;
        if (!u32_imm(d)) return false;
    }
    return true;
}

/* Whether single-byte opcode `op` belongs to a Wasm 3.0 feature the engine disabled. */
static bool op_disabled(const weft_decoder_t *d, uint8_t op)
{
    switch (op) {
    case 0x08: case 0x0a: case 0x1f: /* throw, throw_ref, try_table */
        return !weft__decode_has(d, WEFT_FEATURE_EXCEPTIONS);
    case 0x06: case 0x07: case 0x09: case 0x18: case 0x19: /* try catch rethrow delegate catch_all */
        return !weft__decode_has(d, WEFT_FEATURE_LEGACY_EXCEPTIONS);
    case 0x12: case 0x13: /* return_call, return_call_indirect */
        return !weft__decode_has(d, WEFT_FEATURE_TAIL_CALL);
    case 0x14: case 0xd4: case 0xd5: case 0xd6: /* call_ref, ref.as_non_null, br_on_(non_)null */
        return !weft__decode_has(d, WEFT_FEATURE_FUNCTION_REFERENCES);
    case 0x15: /* return_call_ref */
        return !weft__decode_has(d, WEFT_FEATURE_FUNCTION_REFERENCES) ||
               !weft__decode_has(d, WEFT_FEATURE_TAIL_CALL);
    default:
        return false;
    }
}

bool weft__decode_scan_instrs(weft_decoder_t *d, bool in_body)
{
    weft_reader_t *r = &d->r;
    size_t depth = 0; /* blocks open inside the body or expression */
    for (;;) {
        size_t pos = weft__reader_offset(r);
        uint8_t op;
        if (!weft__fast_u8(r, &op)) return false;
        bool ok = true;
        if (op_disabled(d, op)) return illegal(d, pos, -1, op);
        switch (op) {
        case 0x02: case 0x03: case 0x04: /* block, loop, if */
            ok = blocktype(d) && push_block(d, depth, op == 0x04 ? CTL_IF : CTL_BLOCK);
            depth++;
            break;
        case 0x06: /* try (legacy exception handling) */
            ok = blocktype(d) && push_block(d, depth, CTL_TRY);
            depth++;
            break;
        case 0x1f: /* try_table */
            ok = try_table(d) && push_block(d, depth, CTL_BLOCK);
            depth++;
            break;
        case 0x05: /* else: only directly inside an if that has not had one */
            if (depth == 0 || d->ctl[depth - 1] != CTL_IF) {
                weft__decode_fail_at(d, pos, "END opcode expected");
                return false;
            }
            d->ctl[depth - 1] = CTL_BLOCK;
            break;
        case 0x07: case 0x19: /* catch tagidx, catch_all: inside a try before its catch_all */
            if (depth == 0 || (d->ctl[depth - 1] != CTL_TRY && d->ctl[depth - 1] != CTL_TRY_CATCH)) {
                weft__decode_fail_at(d, pos, "END opcode expected");
                return false;
            }
            d->ctl[depth - 1] = op == 0x07 ? CTL_TRY_CATCH : CTL_TRY_ALL;
            if (op == 0x07) ok = u32_imm(d);
            break;
        case 0x18: /* delegate labelidx: ends a try that has no handler */
            if (depth == 0 || d->ctl[depth - 1] != CTL_TRY) {
                weft__decode_fail_at(d, pos, "END opcode expected");
                return false;
            }
            depth--;
            ok = u32_imm(d);
            break;
        case 0x0b: /* end */
            if (depth == 0) return true;
            depth--;
            break;
        case 0x00: case 0x01: case 0x0a: case 0x0f: case 0x1a: case 0x1b: case 0xd1:
        case 0xd4:
            break; /* unreachable, nop, throw_ref, return, drop, select, ref.is_null,
                      ref.as_non_null */
        case 0x0c: case 0x0d: /* br, br_if */
        case 0x10: /* call */
        case 0x08: case 0x09: /* throw tagidx, rethrow labelidx */
        case 0x12: /* return_call funcidx */
        case 0x14: case 0x15: /* call_ref typeidx, return_call_ref typeidx */
        case 0xd5: case 0xd6: /* br_on_null labelidx, br_on_non_null labelidx */
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
        case 0x13: /* return_call_indirect typeidx tableidx */
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
            ok = mem_idx(d);
            break;
        case 0x41: {
            int32_t v;
            ok = weft__fast_s32(r, &v);
            break;
        }
        case 0x42: {
            int64_t v;
            ok = weft__fast_s64(r, &v);
            break;
        }
        case 0x43:
            ok = skip_bytes(d, 4);
            break;
        case 0x44:
            ok = skip_bytes(d, 8);
            break;
        case 0xd0: { /* ref.null heaptype */
            weft_valtype_t t;
            ok = weft__read_heaptype(r, d->feat, &t);
            break;
        }
        case 0xd2: { /* ref.func funcidx; outside bodies it declares the function (C.refs) */
            uint32_t x;
            ok = weft__fast_u32(r, &x);
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
