/* wast_value.h - the values of wast2json scripts: arguments, expected results (with the NaN
 * patterns of the spec's `assert_return`), matching and printing. */
#ifndef WAST_VALUE_H
#define WAST_VALUE_H

#include <stdbool.h>
#include <stddef.h>

#include "cli/wast_json.h"
#include "weft.h"

/* How one scalar (or one v128 lane) is to be matched. */
typedef enum wast_pat {
    WAST_PAT_EXACT = 0,     /* the bits must be equal */
    WAST_PAT_NAN_CANONICAL, /* nan:canonical: any sign, quiet bit only in the payload */
    WAST_PAT_NAN_ARITHMETIC,/* nan:arithmetic: any sign, quiet bit set, any other payload */
    WAST_PAT_NONNULL,       /* a reference that is not null (`(ref.func)`, `(ref.extern)`) */
    WAST_PAT_ANY,           /* only the kind is known (results of assert_trap etc.) */
    WAST_PAT_ANY_NULL,      /* `(ref.null)`: a null reference of any reference type */
} wast_pat_t;

/* The lane shape of a v128 expectation ("i8".."i64", "f32", "f64"). */
typedef enum wast_lane {
    WAST_LANE_NONE = 0,
    WAST_LANE_I8,
    WAST_LANE_I16,
    WAST_LANE_I32,
    WAST_LANE_I64,
    WAST_LANE_F32,
    WAST_LANE_F64,
} wast_lane_t;

typedef struct wast_expect {
    weft_val_t val;         /* kind and exact bits */
    wast_pat_t pat;         /* for scalars */
    wast_lane_t lane;       /* for v128 */
    wast_pat_t lane_pat[16];/* per lane (only the first lane count entries are used) */
} wast_expect_t;

/* Host pointers standing for `ref.extern N`: N + 1 as a pointer, so 0 is never null and the
 * value round-trips exactly through tables, globals and calls. */
void *weft__wast_extern_ref(unsigned long long n);

/* Converts an argument. Returns false (with a reason in err) if the JSON is not understood. */
bool weft__wast_parse_arg(const json_t *v, weft_val_t *out, char *err, size_t errlen);
/* Converts an expectation. */
bool weft__wast_parse_expect(const json_t *v, wast_expect_t *out, char *err, size_t errlen);
/* True iff `got` satisfies `exp`. */
bool weft__wast_match(const wast_expect_t *exp, const weft_val_t *got);

/* Printing, for failure reports. Each writes a NUL-terminated string into buf. */
void weft__wast_format_val(const weft_val_t *v, wast_lane_t lane, char *buf, size_t len);
void weft__wast_format_expect(const wast_expect_t *e, char *buf, size_t len);
const char *weft__wast_kind_name(uint32_t kind);

#endif
