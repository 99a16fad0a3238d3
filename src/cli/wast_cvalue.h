/* wast_cvalue.h - component values of the converted test scripts (tests/component/README.md
 * "JSON values"): JSON value -> host component value of a given type, comparison of a result
 * with an expected JSON value, and printing of both for messages.
 *
 * A JSON value says its own kind but not the type's case indices or flag positions, so every
 * conversion is driven by the component type of the parameter or result (types.h): variant
 * cases, enum labels and flags are looked up by name in it. */
#ifndef CWAST_VALUE_H
#define CWAST_VALUE_H

#include <stdbool.h>
#include <stddef.h>

#include "component/cvalue.h"
#include "component/types.h"
#include "cli/wast_common.h"

/* Converts `v` to a value of type `t` in *out (aggregates and strings from `ar`). On failure
 * (a kind that does not fit the type, a value out of range, an unknown case or label, no
 * memory) returns false and writes the reason into err. */
bool weft__cw_value_from_json(const json_t *v, const weft_ty_val_t *t, weft_cval_arena_t *ar,
                        weft_cval_t *out, char *err, size_t errlen);

/* Whether `act` (of type t) matches the expected value `exp`: scalars exactly (floats by bit
 * pattern, or any canonical / arithmetic NaN for the patterns `nan:canonical` /
 * `nan:arithmetic`), strings by their code points, flags as sets. On a mismatch writes where
 * and why into why. */
bool weft__cw_value_match(const json_t *exp, const weft_ty_val_t *t, const weft_cval_t *act,
                    char *why, size_t whylen);

/* Appends a printed form (the script syntax) of a value to buf, truncating. */
void weft__cw_value_print(const weft_ty_val_t *t, const weft_cval_t *v, char *buf, size_t len);
void weft__cw_json_print(const json_t *v, char *buf, size_t len);


#endif
