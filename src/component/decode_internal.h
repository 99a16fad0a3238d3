/* decode_internal.h - state shared by the pieces of the component decoder (decode.c,
 * decode_types.c, decode_defs.c, decode_names.c). Private to those files.
 *
 * One reader walks the outermost binary; its `end` is narrowed to the current section (and to
 * a nested component's bytes) so no item can read past the section it belongs to. Failures are
 * sticky: the first one is kept in the reader (reason + absolute offset) and every later read
 * fails, so callers may test once after a group of reads. */
#ifndef WEFT_COMPONENT_DECODE_INTERNAL_H
#define WEFT_COMPONENT_DECODE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "component/component.h"
#include "util/leb.h"

typedef struct weft_cdecoder {
    weft_alloc_t alloc;
    weft_engine_t *engine;
    weft_reader_t r;
    bool oom;
    weft_error_t *nested_err; /* a nested core module's decode error (offset made absolute) */
    uint32_t depth;           /* current nesting of components and types */
    char msg[112];            /* storage for a formatted reason */
    bool quick;               /* core modules by weft__module_decode_quick */
} weft_cdecoder_t;

/* weft__component_decode with every core module decoded in full (weft__module_decode), for
 * the validator: when validating a definition from weft__component_decode fails, the error of
 * the full decode (a malformed function body) or of its validation is the one to report. */
weft_error_t *weft__component_decode_full(const weft_alloc_t *a, weft_engine_t *engine,
                                          const uint8_t *bytes, size_t len,
                                          weft_component_def_t **out);

/* Records the first failure: a printf-style reason at absolute offset `pos`. */
void weft__cdec_fail(weft_cdecoder_t *d, size_t pos, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
void weft__cdec_oom(weft_cdecoder_t *d);
static inline bool weft__cdec_ok(const weft_cdecoder_t *d) { return d->r.err == NULL; }
static inline size_t weft__cdec_pos(const weft_cdecoder_t *d) { return weft__reader_offset(&d->r); }

/* Enters one nesting level (component, component/instance/module type); fails beyond the
 * limit. Every successful enter is paired with weft__cdec_leave. */
bool weft__cdec_enter(weft_cdecoder_t *d);
static inline void weft__cdec_leave(weft_cdecoder_t *d) { d->depth--; }

/* Zeroed storage from the definition's arena (freed with the definition). NULL (and the
 * decoder failed with out of memory) on failure. n may be 0. */
void *weft__cdec_arena(weft_cdecoder_t *d, weft_component_def_t *def, size_t count, size_t size);
/* Grows a WEFT_CVEC to hold one more item and returns a pointer to the new, zeroed item; NULL
 * (and out of memory) on failure. `items` is the address of the vector's item pointer. */
void *weft__cdec_push(weft_cdecoder_t *d, void *items, uint32_t *count, uint32_t *cap,
                      size_t size);
#define WEFT_CDEC_PUSH(d, vec) \
    weft__cdec_push((d), &(vec).items, &(vec).count, &(vec).cap, sizeof *(vec).items)
/* Appends an entry to the index space of `sort`. */
bool weft__cdec_define(weft_cdecoder_t *d, weft_component_def_t *def, uint8_t sort, uint8_t how,
                       uint32_t index, uint32_t sub, uint32_t offset);
/* Appends to the definition order list. */
bool weft__cdec_order(weft_cdecoder_t *d, weft_component_def_t *def, uint8_t kind, uint32_t index);

/* Primitive reads. */
bool weft__cdec_u8(weft_cdecoder_t *d, uint8_t *out);
bool weft__cdec_u32(weft_cdecoder_t *d, uint32_t *out);
/* A vector length, checked against the bytes left (every element takes at least one byte). */
bool weft__cdec_count(weft_cdecoder_t *d, uint32_t *out);
/* A name: length, bytes, UTF-8 check. */
bool weft__cdec_name(weft_cdecoder_t *d, weft_name_t *out);
/* A 0x00/0x01 flag ("invalid boolean value" otherwise). */
bool weft__cdec_bool(weft_cdecoder_t *d, bool *out);

/* Shared grammar pieces (decode_types.c). */
bool weft__cdec_sort(weft_cdecoder_t *d, uint8_t *out);
bool weft__cdec_sortidx(weft_cdecoder_t *d, weft_csortidx_t *out);
bool weft__cdec_valtype(weft_cdecoder_t *d, weft_cvaltype_t *out);
bool weft__cdec_resultlist(weft_cdecoder_t *d, bool *has, weft_cvaltype_t *out);
bool weft__cdec_extname(weft_cdecoder_t *d, weft_component_def_t *def, weft_cextname_t *out);
bool weft__cdec_externtype(weft_cdecoder_t *d, weft_cextern_t *out);
bool weft__cdec_alias(weft_cdecoder_t *d, weft_calias_t *out);
bool weft__cdec_core_valtype(weft_cdecoder_t *d, weft_ccore_valtype_t *out);
/* A type (deftype) appended to def->types; *index = its arena index. */
bool weft__cdec_type(weft_cdecoder_t *d, weft_component_def_t *def, uint32_t *index);
/* A core:type appended to def->core_types: a rec group adds `*count` types from `*first`. */
bool weft__cdec_core_type(weft_cdecoder_t *d, weft_component_def_t *def, uint32_t *first,
                          uint32_t *count);

/* Section payloads (decode_defs.c); each reads to the reader's end (the section's end). */
bool weft__cdec_core_instance_section(weft_cdecoder_t *d, weft_component_def_t *def);
bool weft__cdec_core_type_section(weft_cdecoder_t *d, weft_component_def_t *def);
bool weft__cdec_instance_section(weft_cdecoder_t *d, weft_component_def_t *def);
bool weft__cdec_alias_section(weft_cdecoder_t *d, weft_component_def_t *def);
bool weft__cdec_type_section(weft_cdecoder_t *d, weft_component_def_t *def);
bool weft__cdec_canon_section(weft_cdecoder_t *d, weft_component_def_t *def);
bool weft__cdec_start_section(weft_cdecoder_t *d, weft_component_def_t *def);
bool weft__cdec_import_section(weft_cdecoder_t *d, weft_component_def_t *def);
bool weft__cdec_export_section(weft_cdecoder_t *d, weft_component_def_t *def);
bool weft__cdec_value_section(weft_cdecoder_t *d, weft_component_def_t *def);

/* The "component-name" custom section payload [start, end): best effort, never fails. */
void weft__cdec_names(weft_cdecoder_t *d, weft_component_def_t *def, size_t start, size_t end);

#endif
