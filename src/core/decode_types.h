/* decode_types.h - Wasm 3.0 value types with typed references (5.3.3 heap types, 5.3.4 value
 * types) and the subtyping between them (3.3.x "Matching"), shared by the decoder, the
 * validator, the compiler, constant expressions and instantiation.
 *
 * The encoding of a reference type in a weft_valtype_t is described in module.h (WEFT_T_NONNULL,
 * WEFT_T_BOTTOM, WEFT_T_IDX_SHIFT). */
#ifndef WEFT_CORE_DECODE_TYPES_H
#define WEFT_CORE_DECODE_TYPES_H

#include <stdbool.h>
#include <stdint.h>

#include "core/module.h"
#include "util/leb.h"

/* Type indices a value type can name: larger ones are clamped to this, which no module reaches
 * (the decoder rejects more types), so the validator reports "unknown type" for them. */
#define WEFT_TYPE_IDX_LIMIT 0x3FFFFEu

static inline bool weft__rt_has_idx(weft_valtype_t t)
{
    return (t >> WEFT_T_IDX_SHIFT) != 0;
}
static inline uint32_t weft__rt_idx(weft_valtype_t t)
{
    return (t >> WEFT_T_IDX_SHIFT) - 1u;
}
/* (ref null? $idx) for a function type index. */
static inline weft_valtype_t weft__rt_concrete(uint32_t idx, bool nullable)
{
    return (weft_valtype_t)WEFT_T_FUNCREF | ((idx + 1u) << WEFT_T_IDX_SHIFT) |
           (nullable ? 0u : WEFT_T_NONNULL);
}
static inline bool weft__rt_nullable(weft_valtype_t t)
{
    return (t & WEFT_T_NONNULL) == 0;
}
/* A type that has a default value (3.2: numbers, vectors, nullable references). */
static inline bool weft__valtype_defaultable(weft_valtype_t t)
{
    return (t & WEFT_T_NONNULL) == 0;
}
/* True when the type is not one of the Wasm 2.0 one-byte codes. */
static inline bool weft__valtype_is_typed(weft_valtype_t t)
{
    return (t & ~(weft_valtype_t)0xFF) != 0;
}

/* Reads a heap type (Wasm 3.0 5.3.3; s33: an abstract heap type code or a type index) and stores
 * the nullable reference type to it. Without WEFT_FEATURE_FUNCTION_REFERENCES only the one-byte
 * funcref / externref (/ exnref) codes are accepted ("malformed reference type"). On failure
 * the reader's error is set at the type's first byte. */
bool weft__read_heaptype(weft_reader_t *r, uint32_t feat, weft_valtype_t *out);
/* Reads a value type (5.3.4), including `ref null? ht` (0x63 / 0x64) and the one-byte
 * abbreviations; `ref_only` accepts reference types only. `bad` is the reason on failure
 * ("malformed value type", "malformed reference type"). */
bool weft__read_valtype(weft_reader_t *r, uint32_t feat, bool ref_only, const char *bad,
                        weft_valtype_t *out);
/* A block type's value-type form (5.4.1) whose first byte `code` (the s33's low 7 bits) was
 * already consumed as the s33 -64..-1: returns the value type, reading the heap type of
 * 0x63/0x64 from r. */
bool weft__read_blocktype_val(weft_reader_t *r, uint32_t feat, uint8_t code, weft_valtype_t *out);

/* Type index a is a subtype of type index b (3.3.x: equivalent rolled-up types, or b is on a's
 * chain of declared supertypes). Uses m->typeinfo[].canon, filled by the validator. */
bool weft__type_sub(const weft_module_t *m, uint32_t a, uint32_t b);
/* Value type a matches value type b in module m (Wasm 3.0 3.3.x "Matching"). */
bool weft__valtype_sub(const weft_module_t *m, weft_valtype_t a, weft_valtype_t b);
/* Reference-type subtyping between canonical types (type indices replaced by store-wide ids,
 * no declared supertypes): used when linking. */
bool weft__valtype_sub_canon(weft_valtype_t a, weft_valtype_t b);

/* The text-format name of a value type into buf ("i32", "funcref", "(ref null 3)", ...). */
const char *weft__valtype_name(weft_valtype_t t, char *buf, size_t size);

#endif
