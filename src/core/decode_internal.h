/* decode_internal.h - state shared by the pieces of the core binary decoder (decode.c,
 * decode_sections.c, decode_instr.c, decode_names.c). Private to those files.
 *
 * The decoder reads the whole binary with one reader whose end is the end of the module, as the
 * spec's reference decoder does: a section or function body is read to its natural end and only
 * then compared with its declared size ("section size mismatch"). That keeps the reasons reported
 * for malformed input identical to the ones the spec test suite expects, and it is still safe:
 * the reader never goes past the end of the binary. */
#ifndef WEFT_CORE_DECODE_INTERNAL_H
#define WEFT_CORE_DECODE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/module.h"
#include "util/leb.h"

/* Implementation limit on the declared locals of one function (parameters excluded). */
#define WEFT_DECODE_MAX_LOCALS 50000u

typedef struct weft_decoder {
    weft_module_t *m;
    weft_reader_t r;  /* over the whole binary; r.err holds the first failure */
    bool oom;         /* an allocation failed; reported as WEFT_ERROR_OOM */
    char msg[64];     /* storage for a formatted reason ("illegal opcode fd 123") */

    /* Control stack of the instruction scanner: one byte per open block, 1 for an `if` that
     * may still take an `else`. Reused across bodies. */
    uint8_t *ctl;
    size_t ctl_cap;

    uint32_t feat;       /* WEFT_FEATURE_* bits accepted (weft__module_features) */
    /* Function bodies are only delimited (by their declared sizes), not scanned: the validator
     * decodes every instruction anyway (weft__module_decode_quick). */
    bool quick;
    bool uses_datacount; /* a function body uses memory.init or data.drop */
    bool has_name_section;
    uint32_t name_start, name_end; /* payload of the first "name" custom section */
} weft_decoder_t;

/* Records the first failure at byte offset `pos` and stops every later read. */
void weft__decode_fail_at(weft_decoder_t *d, size_t pos, const char *why);
/* Records an allocation failure. */
void weft__decode_oom(weft_decoder_t *d);
static inline bool weft__decode_ok(const weft_decoder_t *d) { return d->r.err == NULL && !d->oom; }

/* Reads a vector length and checks it against the bytes left in the binary, as the spec's
 * reference decoder does ("length out of bounds"). Every vector element takes at least one
 * byte, so this also bounds every allocation by the size of the input. */
bool weft__decode_len(weft_decoder_t *d, uint32_t *out);
/* A name: length, bytes, UTF-8 check ("malformed UTF-8 encoding"). */
bool weft__decode_name(weft_decoder_t *d, weft_name_t *out);
/* A value type byte (5.3.4); "malformed value type" for unknown ones. */
bool weft__decode_valtype(weft_decoder_t *d, weft_valtype_t *out);
/* A reference type byte (5.3.3); "malformed reference type" for others. */
bool weft__decode_reftype(weft_decoder_t *d, weft_valtype_t *out);
/* Marks function `index` as referenced outside function bodies (C.refs). */
void weft__decode_mark_ref(weft_decoder_t *d, uint32_t index);

static inline bool weft__decode_has(const weft_decoder_t *d, uint32_t feature)
{
    return (d->feat & feature) != 0;
}

/* Scans one instruction sequence starting at the reader's position, through the `end` that
 * closes it, checking the binary syntax of every instruction (5.4) without keeping anything.
 * `in_body`: a function body (memory.init and data.drop note the need for a data count
 * section); otherwise a constant expression, whose ref.func indices go into C.refs. */
bool weft__decode_scan_instrs(weft_decoder_t *d, bool in_body);
/* Scans a constant expression and records its byte range. */
bool weft__decode_const_expr(weft_decoder_t *d, weft_expr_t *out);

/* Section payload decoders (5.5). Each starts after the section size and reads the payload. */
bool weft__decode_type_section(weft_decoder_t *d);
bool weft__decode_import_section(weft_decoder_t *d);
bool weft__decode_func_section(weft_decoder_t *d);
bool weft__decode_table_section(weft_decoder_t *d);
bool weft__decode_memory_section(weft_decoder_t *d);
bool weft__decode_global_section(weft_decoder_t *d);
bool weft__decode_export_section(weft_decoder_t *d);
bool weft__decode_start_section(weft_decoder_t *d);
bool weft__decode_elem_section(weft_decoder_t *d);
bool weft__decode_datacount_section(weft_decoder_t *d);
bool weft__decode_code_section(weft_decoder_t *d);
bool weft__decode_data_section(weft_decoder_t *d);
bool weft__decode_tag_section(weft_decoder_t *d);
/* Builds the index spaces that only imports populate (no defining section present). */
bool weft__decode_finish_spaces(weft_decoder_t *d);

/* Parses the "name" custom section recorded in d (best effort, never fails the decode). */
void weft__decode_names(weft_decoder_t *d);

#endif
