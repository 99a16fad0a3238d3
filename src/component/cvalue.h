/* cvalue.h - host-side component values (the values of CanonicalABI.md's lift/lower: Python
 * values in definitions.py), for host<->guest calls and the test runner.
 *
 * A value is a tagged node; aggregates point to arrays of nodes and strings to bytes, all
 * allocated from a weft_cval_arena_t freed at once (no allocation per value node).
 *
 * The shape follows the despecialized type (types.h): record/tuple -> `agg` with one item per
 * field; list/fixed list/map -> `agg` with one item per element (map elements are tuples);
 * variant/enum/option/result -> `var`; flags -> bit i = label i; own/borrow -> the rep
 * (lift_own/lift_borrow return the rep; the type names the resource). A string keeps the
 * spec's (str, encoding, tagged_code_units) triple: its bytes in `encoding`, so that lowering
 * transcodes with the exact realloc sizes of definitions.py. */
#ifndef WEFT_COMPONENT_CVALUE_H
#define WEFT_COMPONENT_CVALUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/alloc.h"
#include "weft.h"

typedef struct weft_cval weft_cval_t;

/* The value node (struct weft_cval) and definitions.py's `String = tuple[str, str, int]`
 * (weft_cstring_t) are the public weft_cval_t / weft_cstring_t of weft.h; their kinds are the
 * weft_ty_kind_t values (weft_cval_kind_t matches them) and their encodings the
 * weft_ty_string_encoding_t values. */

/* A bump arena of fixed-size chunks (larger requests get their own chunk). */
typedef struct weft_cval_chunk weft_cval_chunk_t;
typedef struct weft_cval_arena {
    weft_alloc_t alloc;
    weft_cval_chunk_t *head;
    size_t used, avail;
} weft_cval_arena_t;

void weft__cval_arena_init(weft_cval_arena_t *ar, const weft_alloc_t *a);
/* Frees every chunk; the arena is empty and reusable. */
void weft__cval_arena_reset(weft_cval_arena_t *ar);
/* 8-aligned storage, zero-filled; NULL on allocation failure. */
void *weft__cval_alloc(weft_cval_arena_t *ar, size_t n);
/* n zeroed nodes; NULL on failure (n may be 0: returns a non-NULL pointer). */
weft_cval_t *weft__cval_nodes(weft_cval_arena_t *ar, size_t n);
/* A string value from UTF-8 bytes, copied (not validated: see weft__transcode_validate). */
bool weft__cval_string_utf8(weft_cval_arena_t *ar, const char *s, size_t len, weft_cval_t *out);

struct weft_ty_val;
/* Structural equality of two values of type t: strings compare by their Unicode content
 * (whatever their encodings), floats by bit pattern. */
bool weft__cval_equal(const struct weft_ty_val *t, const weft_cval_t *a, const weft_cval_t *b);

#endif
