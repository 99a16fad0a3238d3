/* wast_cvalue.c - JSON values of component test scripts <-> host component values (the
 * value forms of tests/component/README.md, which follow the wast crate's WastVal). */
#include "cli/wast_cvalue.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "component/transcode.h"

static bool name_eq(weft_name_t n, const char *s, size_t len)
{
    return n.len == len && (len == 0 || memcmp(n.ptr, s, len) == 0);
}

/* ------------------------------------------------------------------------------------------
 * Scalars
 * ------------------------------------------------------------------------------------------ */

typedef struct int_range {
    const char *name;
    bool is_signed;
    int64_t smin, smax;
    uint64_t umax;
} int_range_t;

/* The JSON name and range of an integer kind; NULL for other kinds. */
static const int_range_t *int_range(uint8_t kind)
{
    static const int_range_t ranges[] = {
        {"s8", true, INT8_MIN, INT8_MAX, 0},     {"u8", false, 0, 0, UINT8_MAX},
        {"s16", true, INT16_MIN, INT16_MAX, 0},  {"u16", false, 0, 0, UINT16_MAX},
        {"s32", true, INT32_MIN, INT32_MAX, 0},  {"u32", false, 0, 0, UINT32_MAX},
        {"s64", true, INT64_MIN, INT64_MAX, 0},  {"u64", false, 0, 0, UINT64_MAX},
    };
    if (kind < WEFT_TY_S8 || kind > WEFT_TY_U64) return NULL;
    return &ranges[kind - WEFT_TY_S8];
}

static bool parse_u64(const char *s, uint64_t *out)
{
    if (!s || !*s || *s == '-' || *s == '+' || *s == ' ') return false;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end) return false;
    *out = v;
    return true;
}

static bool parse_s64(const char *s, int64_t *out)
{
    if (!s || !*s || *s == '+' || *s == ' ') return false;
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || *end) return false;
    *out = v;
    return true;
}

/* The IEEE 754 pattern of a float value; `nan:canonical` and `nan:arithmetic` give the
 * positive canonical NaN (an argument can only be one pattern). */
static bool parse_float(const char *s, bool is64, uint64_t *out)
{
    if (s && (strcmp(s, "nan:canonical") == 0 || strcmp(s, "nan:arithmetic") == 0)) {
        *out = is64 ? UINT64_C(0x7ff8000000000000) : UINT64_C(0x7fc00000);
        return true;
    }
    if (!parse_u64(s, out)) return false;
    return is64 || *out <= UINT32_MAX;
}

/* Whether bit pattern `bits` matches the expected float text (a pattern or exact bits). */
static bool float_matches(const char *s, bool is64, uint64_t bits)
{
    uint64_t sign_off = is64 ? UINT64_C(0x7fffffffffffffff) : UINT64_C(0x7fffffff);
    uint64_t canon = is64 ? UINT64_C(0x7ff8000000000000) : UINT64_C(0x7fc00000);
    /* Spec core 4.3.3 "NaN propagation": canonical = only the quiet bit set in the payload;
     * arithmetic = the quiet bit set, any other payload bits. Either sign. */
    if (s && strcmp(s, "nan:canonical") == 0) return (bits & sign_off) == canon;
    if (s && strcmp(s, "nan:arithmetic") == 0) return (bits & canon) == canon;
    uint64_t want;
    return parse_float(s, is64, &want) && want == bits;
}

/* ------------------------------------------------------------------------------------------
 * JSON -> value
 * ------------------------------------------------------------------------------------------ */

/* The kind names the JSON uses for a type, for messages. */
static const char *json_kind_for(const weft_ty_val_t *t)
{
    const int_range_t *r = int_range(t->kind);
    if (r) return r->name;
    switch (t->kind) {
    case WEFT_TY_BOOL: return "bool";
    case WEFT_TY_F32: return "f32";
    case WEFT_TY_F64: return "f64";
    case WEFT_TY_CHAR: return "char";
    case WEFT_TY_STRING: return "string";
    case WEFT_TY_LIST: case WEFT_TY_FIXED_LIST: case WEFT_TY_MAP: return "list";
    case WEFT_TY_TUPLE: return "tuple";
    case WEFT_TY_RECORD: return "record";
    case WEFT_TY_VARIANT: return "variant";
    case WEFT_TY_ENUM: return "enum";
    case WEFT_TY_OPTION: return "option";
    case WEFT_TY_RESULT: return "result";
    case WEFT_TY_FLAGS: return "flags";
    default: return weft_ty_kind_name(t->kind);
    }
}

/* The case index a variant-like JSON value names in t, or -1. option/result JSON cases are
 * "none"/"some" and "ok"/"err"; the type's views name them "none"/"some" and "ok"/"error". */
static long case_index(const json_t *v, const weft_ty_val_t *t)
{
    size_t len;
    const char *c = weft__json_get_str(v, "case", &len);
    if (!c) c = weft__json_get_str(v, "value", &len); /* enum */
    if (!c) return -1;
    if (t->kind == WEFT_TY_OPTION) {
        if (strcmp(c, "none") == 0) return 0;
        if (strcmp(c, "some") == 0) return 1;
        return -1;
    }
    if (t->kind == WEFT_TY_RESULT) {
        if (strcmp(c, "ok") == 0) return 0;
        if (strcmp(c, "err") == 0 || strcmp(c, "error") == 0) return 1;
        return -1;
    }
    for (uint32_t i = 0; i < t->count; i++)
        if (name_eq(t->fields[i].label, c, len)) return (long)i;
    return -1;
}

/* Whether the JSON kind of v may denote a value of type t. */
static bool kind_fits(const json_t *v, const weft_ty_val_t *t)
{
    const char *k = weft__json_get_str(v, "type", NULL);
    if (!k) return false;
    if (strcmp(k, json_kind_for(t)) == 0) return true;
    /* A variant.const may name the case of any variant-like type. */
    return strcmp(k, "variant") == 0 && weft_ty_is_variant_like(t);
}

bool weft__cw_value_from_json(const json_t *v, const weft_ty_val_t *t, weft_cval_arena_t *ar,
                        weft_cval_t *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    out->kind = t->kind;
    if (!kind_fits(v, t)) {
        const char *k = weft__json_get_str(v, "type", NULL);
        snprintf(err, errlen, "a %s value where the type is %s", k ? k : "(untyped)",
                 weft_ty_kind_name(t->kind));
        return false;
    }
    const json_t *val = weft__json_get(v, "value");
    const char *s = weft__json_get_str(v, "value", NULL);
    const int_range_t *r = int_range(t->kind);
    if (r) {
        if (r->is_signed) {
            int64_t x;
            if (!parse_s64(s, &x) || x < r->smin || x > r->smax) goto bad_scalar;
            out->u.s = x;
        } else {
            uint64_t x;
            if (!parse_u64(s, &x) || x > r->umax) goto bad_scalar;
            out->u.u = x;
        }
        return true;
    }
    switch (t->kind) {
    case WEFT_TY_BOOL:
        if (!s || (strcmp(s, "true") != 0 && strcmp(s, "false") != 0)) goto bad_scalar;
        out->u.b = strcmp(s, "true") == 0;
        return true;
    case WEFT_TY_F32: {
        uint64_t bits;
        if (!parse_float(s, false, &bits)) goto bad_scalar;
        out->u.f32 = (uint32_t)bits;
        return true;
    }
    case WEFT_TY_F64:
        if (!parse_float(s, true, &out->u.f64)) goto bad_scalar;
        return true;
    case WEFT_TY_CHAR: {
        uint64_t c;
        if (!parse_u64(s, &c) || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff)) goto bad_scalar;
        out->u.ch = (uint32_t)c;
        return true;
    }
    case WEFT_TY_STRING: {
        size_t len;
        const char *str = weft__json_get_str(v, "value", &len);
        if (!str || len > UINT32_MAX / 4) goto bad_scalar;
        if (!weft__cval_string_utf8(ar, str, len, out)) goto oom;
        out->kind = t->kind;
        return true;
    }
    case WEFT_TY_LIST: case WEFT_TY_FIXED_LIST: case WEFT_TY_MAP: case WEFT_TY_TUPLE: {
        if (!val || val->type != JSON_ARRAY) goto bad_scalar;
        size_t n = val->len;
        if (t->kind == WEFT_TY_FIXED_LIST && n != t->len) {
            snprintf(err, errlen, "%zu elements for a fixed list of %" PRIu32, n, t->len);
            return false;
        }
        if (t->kind == WEFT_TY_TUPLE && n != t->count) {
            snprintf(err, errlen, "%zu elements for a tuple of %" PRIu32, n, t->count);
            return false;
        }
        if (n > UINT32_MAX) goto bad_scalar;
        weft_cval_t *items = weft__cval_nodes(ar, n);
        if (!items) goto oom;
        for (size_t i = 0; i < n; i++) {
            const weft_ty_val_t *et = t->kind == WEFT_TY_TUPLE ? t->fields[i].type : t->elem;
            if (!weft__cw_value_from_json(val->items[i], et, ar, &items[i], err, errlen)) return false;
        }
        out->u.agg.len = (uint32_t)n;
        out->u.agg.items = items;
        return true;
    }
    case WEFT_TY_RECORD: {
        if (!val || val->type != JSON_ARRAY) goto bad_scalar;
        if (val->len != t->count) {
            snprintf(err, errlen, "%zu fields for a record of %" PRIu32, val->len, t->count);
            return false;
        }
        weft_cval_t *items = weft__cval_nodes(ar, t->count);
        if (!items) goto oom;
        /* Fields are matched by name (the script writes them in the type's order). */
        for (uint32_t i = 0; i < t->count; i++) {
            const json_t *fv = NULL;
            for (size_t j = 0; j < val->len && !fv; j++) {
                size_t nl;
                const char *nm = weft__json_get_str(val->items[j], "name", &nl);
                if (nm && name_eq(t->fields[i].label, nm, nl)) fv = weft__json_get(val->items[j], "value");
            }
            if (!fv) {
                snprintf(err, errlen, "record field `%.*s` missing", (int)t->fields[i].label.len,
                         t->fields[i].label.ptr);
                return false;
            }
            if (!weft__cw_value_from_json(fv, t->fields[i].type, ar, &items[i], err, errlen))
                return false;
        }
        out->u.agg.len = t->count;
        out->u.agg.items = items;
        return true;
    }
    case WEFT_TY_VARIANT: case WEFT_TY_ENUM: case WEFT_TY_OPTION: case WEFT_TY_RESULT: {
        long ci = case_index(v, t);
        if (ci < 0) {
            const char *c = weft__json_get_str(v, "case", NULL);
            snprintf(err, errlen, "unknown case `%s` of a %s", c ? c : (s ? s : "?"),
                     weft_ty_kind_name(t->kind));
            return false;
        }
        out->u.var.index = (uint32_t)ci;
        const weft_ty_val_t *pt = t->fields[ci].type;
        const json_t *pv = t->kind == WEFT_TY_ENUM ? NULL : val;
        if (!pt != !pv) {
            snprintf(err, errlen, "case `%.*s` %s a payload", (int)t->fields[ci].label.len,
                     t->fields[ci].label.ptr, pt ? "needs" : "has no");
            return false;
        }
        if (pt) {
            weft_cval_t *p = weft__cval_nodes(ar, 1);
            if (!p) goto oom;
            if (!weft__cw_value_from_json(pv, pt, ar, p, err, errlen)) return false;
            out->u.var.payload = p;
        }
        return true;
    }
    case WEFT_TY_FLAGS: {
        if (!val || val->type != JSON_ARRAY) goto bad_scalar;
        uint32_t bits = 0;
        for (size_t j = 0; j < val->len; j++) {
            const json_t *e = val->items[j];
            uint32_t i = 0;
            while (e->type == JSON_STRING && i < t->count && !name_eq(t->labels[i], e->str, e->len))
                i++;
            if (e->type != JSON_STRING || i == t->count || i >= 32) {
                snprintf(err, errlen, "unknown flag `%s`", e->type == JSON_STRING ? e->str : "?");
                return false;
            }
            bits |= UINT32_C(1) << i;
        }
        out->u.flags = bits;
        return true;
    }
    default:
        snprintf(err, errlen, "values of type %s cannot be written in a script",
                 weft_ty_kind_name(t->kind));
        return false;
    }
bad_scalar:
    snprintf(err, errlen, "malformed or out-of-range %s value", json_kind_for(t));
    return false;
oom:
    snprintf(err, errlen, "out of memory");
    return false;
}

/* ------------------------------------------------------------------------------------------
 * Matching a result
 * ------------------------------------------------------------------------------------------ */

static bool mismatch(const json_t *exp, const weft_ty_val_t *t, const weft_cval_t *act,
                     char *why, size_t whylen)
{
    if (why && whylen) {
        why[0] = 0;
        weft__wast_bprintf(why, whylen, "expected ");
        weft__cw_json_print(exp, why, whylen);
        weft__wast_bprintf(why, whylen, ", got ");
        weft__cw_value_print(t, act, why, whylen);
    }
    return false;
}

bool weft__cw_value_match(const json_t *exp, const weft_ty_val_t *t, const weft_cval_t *act,
                    char *why, size_t whylen)
{
    if (!kind_fits(exp, t)) return mismatch(exp, t, act, why, whylen);
    const char *s = weft__json_get_str(exp, "value", NULL);
    const json_t *val = weft__json_get(exp, "value");
    switch (t->kind) {
    case WEFT_TY_F32:
        if (!float_matches(s, false, act->u.f32)) return mismatch(exp, t, act, why, whylen);
        return true;
    case WEFT_TY_F64:
        if (!float_matches(s, true, act->u.f64)) return mismatch(exp, t, act, why, whylen);
        return true;
    case WEFT_TY_LIST: case WEFT_TY_FIXED_LIST: case WEFT_TY_MAP: case WEFT_TY_TUPLE:
    case WEFT_TY_RECORD: {
        if (!val || val->type != JSON_ARRAY || val->len != act->u.agg.len)
            return mismatch(exp, t, act, why, whylen);
        for (uint32_t i = 0; i < act->u.agg.len; i++) {
            const weft_ty_val_t *et = t->elem;
            const json_t *ev = val->items[i];
            if (weft_ty_is_record_like(t)) {
                et = t->fields[i].type;
                if (t->kind == WEFT_TY_RECORD) {
                    size_t nl;
                    const char *nm = weft__json_get_str(ev, "name", &nl);
                    if (!nm || !name_eq(t->fields[i].label, nm, nl))
                        return mismatch(exp, t, act, why, whylen);
                    ev = weft__json_get(ev, "value");
                    if (!ev) return mismatch(exp, t, act, why, whylen);
                }
            }
            if (!weft__cw_value_match(ev, et, &act->u.agg.items[i], why, whylen)) return false;
        }
        return true;
    }
    case WEFT_TY_VARIANT: case WEFT_TY_ENUM: case WEFT_TY_OPTION: case WEFT_TY_RESULT: {
        long ci = case_index(exp, t);
        if (ci < 0 || (uint32_t)ci != act->u.var.index) return mismatch(exp, t, act, why, whylen);
        const weft_ty_val_t *pt = t->fields[ci].type;
        const json_t *pv = t->kind == WEFT_TY_ENUM ? NULL : val;
        if (!pt || !pv) return !pt && !pv ? true : mismatch(exp, t, act, why, whylen);
        return weft__cw_value_match(pv, pt, act->u.var.payload, why, whylen);
    }
    default: {
        /* Everything else compares as the converted expected value (flags as bit sets,
         * strings by code points whatever the encoding of the result). */
        weft_alloc_t a = {weft__default_alloc, NULL};
        weft_cval_arena_t ar;
        weft__cval_arena_init(&ar, &a);
        weft_cval_t e;
        char err[128];
        bool ok = weft__cw_value_from_json(exp, t, &ar, &e, err, sizeof err) &&
                  weft__cval_equal(t, &e, act);
        weft__cval_arena_reset(&ar);
        return ok ? true : mismatch(exp, t, act, why, whylen);
    }
    }
}

/* ------------------------------------------------------------------------------------------
 * Printing
 * ------------------------------------------------------------------------------------------ */

static void put_cp(char *buf, size_t len, uint32_t c)
{
    if (c == '"' || c == '\\') weft__wast_bprintf(buf, len, "\\%c", (char)c);
    else if (c < 0x20 || c == 0x7f) weft__wast_bprintf(buf, len, "\\u{%" PRIx32 "}", c);
    else if (c < 0x80) weft__wast_bprintf(buf, len, "%c", (char)c);
    else if (c < 0x800)
        weft__wast_bprintf(buf, len, "%c%c", (char)(0xc0 | (c >> 6)), (char)(0x80 | (c & 0x3f)));
    else if (c < 0x10000)
        weft__wast_bprintf(buf, len, "%c%c%c", (char)(0xe0 | (c >> 12)), (char)(0x80 | ((c >> 6) & 0x3f)),
                   (char)(0x80 | (c & 0x3f)));
    else
        weft__wast_bprintf(buf, len, "%c%c%c%c", (char)(0xf0 | (c >> 18)),
                   (char)(0x80 | ((c >> 12) & 0x3f)), (char)(0x80 | ((c >> 6) & 0x3f)),
                   (char)(0x80 | (c & 0x3f)));
}

static void put_label(char *buf, size_t len, weft_name_t n)
{
    weft__wast_bprintf(buf, len, "\"%.*s\"", (int)n.len, n.ptr);
}

void weft__cw_value_print(const weft_ty_val_t *t, const weft_cval_t *v, char *buf, size_t len)
{
    const int_range_t *r = int_range(t->kind);
    if (r) {
        if (r->is_signed) weft__wast_bprintf(buf, len, "(%s.const %" PRId64 ")", r->name, v->u.s);
        else weft__wast_bprintf(buf, len, "(%s.const %" PRIu64 ")", r->name, v->u.u);
        return;
    }
    switch (t->kind) {
    case WEFT_TY_BOOL: weft__wast_bprintf(buf, len, "(bool.const %s)", v->u.b ? "true" : "false"); return;
    case WEFT_TY_F32: weft__wast_bprintf(buf, len, "(f32.const bits:0x%08" PRIx32 ")", v->u.f32); return;
    case WEFT_TY_F64: weft__wast_bprintf(buf, len, "(f64.const bits:0x%016" PRIx64 ")", v->u.f64); return;
    case WEFT_TY_CHAR:
        weft__wast_bprintf(buf, len, "(char.const \"");
        put_cp(buf, len, v->u.ch);
        weft__wast_bprintf(buf, len, "\")");
        return;
    case WEFT_TY_STRING: {
        weft__wast_bprintf(buf, len, "(str.const \"");
        uint32_t n = weft__cstring_byte_length(&v->u.str), pos = 0;
        while (pos < n && strnlen(buf, len) + 16 < len) put_cp(buf, len, weft__cstring_next(&v->u.str, &pos));
        weft__wast_bprintf(buf, len, "\")");
        return;
    }
    case WEFT_TY_LIST: case WEFT_TY_FIXED_LIST: case WEFT_TY_MAP: case WEFT_TY_TUPLE:
    case WEFT_TY_RECORD: {
        weft__wast_bprintf(buf, len, "(%s.const", t->kind == WEFT_TY_RECORD  ? "record"
                                          : t->kind == WEFT_TY_TUPLE ? "tuple"
                                                                     : "list");
        for (uint32_t i = 0; i < v->u.agg.len; i++) {
            weft__wast_bprintf(buf, len, " ");
            if (t->kind == WEFT_TY_RECORD) {
                weft__wast_bprintf(buf, len, "(field ");
                put_label(buf, len, t->fields[i].label);
                weft__wast_bprintf(buf, len, " ");
            }
            weft__cw_value_print(weft_ty_is_record_like(t) ? t->fields[i].type : t->elem,
                           &v->u.agg.items[i], buf, len);
            if (t->kind == WEFT_TY_RECORD) weft__wast_bprintf(buf, len, ")");
        }
        weft__wast_bprintf(buf, len, ")");
        return;
    }
    case WEFT_TY_VARIANT: case WEFT_TY_ENUM: case WEFT_TY_OPTION: case WEFT_TY_RESULT: {
        uint32_t i = v->u.var.index;
        if (i >= t->count) {
            weft__wast_bprintf(buf, len, "(%s case %" PRIu32 "?)", weft_ty_kind_name(t->kind), i);
            return;
        }
        if (t->kind == WEFT_TY_OPTION) weft__wast_bprintf(buf, len, i ? "(option.some" : "(option.none");
        else if (t->kind == WEFT_TY_RESULT) weft__wast_bprintf(buf, len, i ? "(result.err" : "(result.ok");
        else {
            weft__wast_bprintf(buf, len, "(%s.const ", t->kind == WEFT_TY_ENUM ? "enum" : "variant");
            put_label(buf, len, t->fields[i].label);
        }
        if (t->fields[i].type && v->u.var.payload) {
            weft__wast_bprintf(buf, len, " ");
            weft__cw_value_print(t->fields[i].type, v->u.var.payload, buf, len);
        }
        weft__wast_bprintf(buf, len, ")");
        return;
    }
    case WEFT_TY_FLAGS:
        weft__wast_bprintf(buf, len, "(flags.const");
        for (uint32_t i = 0; i < t->count && i < 32; i++)
            if (v->u.flags & (UINT32_C(1) << i)) {
                weft__wast_bprintf(buf, len, " ");
                put_label(buf, len, t->labels[i]);
            }
        weft__wast_bprintf(buf, len, ")");
        return;
    case WEFT_TY_OWN: case WEFT_TY_BORROW:
        weft__wast_bprintf(buf, len, "(%s rep %" PRIu32 ")", weft_ty_kind_name(t->kind), v->u.rep);
        return;
    default:
        weft__wast_bprintf(buf, len, "(%s %" PRIu32 ")", weft_ty_kind_name(t->kind), v->u.handle);
        return;
    }
}

static void put_json_str(char *buf, size_t len, const char *s, size_t n)
{
    weft__wast_bprintf(buf, len, "\"");
    for (size_t i = 0; i < n && strnlen(buf, len) + 16 < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c == 0x7f) weft__wast_bprintf(buf, len, "\\u{%x}", c);
        else if (c == '"' || c == '\\') weft__wast_bprintf(buf, len, "\\%c", c);
        else weft__wast_bprintf(buf, len, "%c", c);
    }
    weft__wast_bprintf(buf, len, "\"");
}

void weft__cw_json_print(const json_t *v, char *buf, size_t len)
{
    const char *k = weft__json_get_str(v, "type", NULL);
    size_t sl;
    const char *s = weft__json_get_str(v, "value", &sl);
    const json_t *val = weft__json_get(v, "value");
    if (!k) {
        weft__wast_bprintf(buf, len, "(?)");
        return;
    }
    if (strcmp(k, "string") == 0) {
        weft__wast_bprintf(buf, len, "(str.const ");
        put_json_str(buf, len, s ? s : "", s ? sl : 0);
        weft__wast_bprintf(buf, len, ")");
    } else if (strcmp(k, "char") == 0) {
        uint64_t c = 0;
        weft__wast_bprintf(buf, len, "(char.const \"");
        if (parse_u64(s, &c) && c <= 0x10ffff) put_cp(buf, len, (uint32_t)c);
        weft__wast_bprintf(buf, len, "\")");
    } else if ((strcmp(k, "f32") == 0 || strcmp(k, "f64") == 0) && s && s[0] != 'n') {
        uint64_t b = 0;
        parse_u64(s, &b);
        weft__wast_bprintf(buf, len, "(%s.const bits:0x%" PRIx64 ")", k, b);
    } else if (strcmp(k, "option") == 0 || strcmp(k, "result") == 0 ||
               strcmp(k, "variant") == 0) {
        const char *c = weft__json_get_str(v, "case", NULL);
        if (strcmp(k, "variant") == 0) weft__wast_bprintf(buf, len, "(variant.const \"%s\"", c ? c : "?");
        else weft__wast_bprintf(buf, len, "(%s.%s", k, c ? c : "?");
        if (val) {
            weft__wast_bprintf(buf, len, " ");
            weft__cw_json_print(val, buf, len);
        }
        weft__wast_bprintf(buf, len, ")");
    } else if (strcmp(k, "enum") == 0) {
        weft__wast_bprintf(buf, len, "(enum.const \"%s\")", s ? s : "?");
    } else if (val && val->type == JSON_ARRAY) {
        bool rec = strcmp(k, "record") == 0, flags = strcmp(k, "flags") == 0;
        weft__wast_bprintf(buf, len, "(%s.const", k);
        for (size_t i = 0; i < val->len; i++) {
            const json_t *e = val->items[i];
            weft__wast_bprintf(buf, len, " ");
            if (flags) {
                put_json_str(buf, len, e->type == JSON_STRING ? e->str : "?",
                             e->type == JSON_STRING ? e->len : 1);
            } else if (rec) {
                size_t nl;
                const char *nm = weft__json_get_str(e, "name", &nl);
                weft__wast_bprintf(buf, len, "(field ");
                put_json_str(buf, len, nm ? nm : "?", nm ? nl : 1);
                weft__wast_bprintf(buf, len, " ");
                const json_t *fv = weft__json_get(e, "value");
                if (fv) weft__cw_json_print(fv, buf, len);
                weft__wast_bprintf(buf, len, ")");
            } else {
                weft__cw_json_print(e, buf, len);
            }
        }
        weft__wast_bprintf(buf, len, ")");
    } else {
        weft__wast_bprintf(buf, len, "(%s.const %s)", k, s ? s : "?");
    }
}
