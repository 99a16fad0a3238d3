/* transcode.h - strings of the Canonical ABI (CanonicalABI.md "Loading" load_string*,
 * "Storing" store_string* and the transcoding functions), following definitions.py step by
 * step: the same realloc calls with the same arguments, and the same checks in the same order. */
#ifndef WEFT_COMPONENT_TRANSCODE_H
#define WEFT_COMPONENT_TRANSCODE_H

#include <stdint.h>

#include "component/canon.h"
#include "component/cvalue.h"

/* Checks that byte_length bytes are valid in `encoding` (the decode step of
 * load_string_from_range): `tagged_code_units` as in memory, so latin1+utf16 strings choose
 * latin1 or utf16 by the tag. Traps "invalid utf-8" / "invalid utf-16". */
weft_error_t *weft__transcode_validate(const weft_alloc_t *a, uint8_t encoding,
                                       const uint8_t *bytes, uint32_t tagged_code_units);

/* load_string_from_range(cx, ptr, tagged_code_units). On success out->bytes points INTO the
 * context's memory (copy it if the memory may change before use). */
weft_error_t *weft__load_string_from_range(weft_canon_cx_t *cx, uint32_t ptr,
                                           uint32_t tagged_code_units, weft_cstring_t *out);

/* store_string_into_range(cx, v): returns (ptr, tagged_code_units) of the string in cx's
 * encoding. src->bytes must stay valid while realloc runs (it must not point into cx's
 * memory). */
weft_error_t *weft__store_string_into_range(weft_canon_cx_t *cx, const weft_cstring_t *src,
                                            uint32_t *ptr, uint32_t *tagged_code_units);

/* The byte length of a string value's code units. */
uint32_t weft__cstring_byte_length(const weft_cstring_t *s);
/* Decodes the next scalar value of a valid string at *pos (bytes); returns it. */
uint32_t weft__cstring_next(const weft_cstring_t *s, uint32_t *pos);

#endif
