/* wast_value.c - converting, matching and printing script values.
 *
 * wast2json writes every number as a decimal string of its bit pattern (unsigned), floats
 * included, so NaN payloads are exact; "nan:canonical" and "nan:arithmetic" are the result
 * patterns of the spec's script format (WebAssembly spec, interpreter/README "Scripts").
 * Scripts of Wasm 3.0 converted by tests/component/wast2json.mjs --core use the same
 * conventions, plus {"type":"ref","value":"null"} for `(ref.null)` (a null of any type) and
 * the names of reference types the public API cannot hold (anyref, exnref, i31ref, ...). */
#include "cli/wast_value.h"

#include <errno.h>
#include <stdarg.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void *weft__wast_extern_ref(unsigned long long n)
{
    return (void *)(uintptr_t)(n + 1u);
}

const char *weft__wast_kind_name(uint32_t kind)
{
    switch (kind) {
    case WEFT_I32: return "i32";
    case WEFT_I64: return "i64";
    case WEFT_F32: return "f32";
    case WEFT_F64: return "f64";
    case WEFT_V128: return "v128";
    case WEFT_FUNCREF: return "funcref";
    case WEFT_EXTERNREF: return "externref";
    default: return "?";
    }
}

static bool kind_of(const char *s, uint32_t *kind)
{
    static const struct {
        const char *name;
        uint32_t kind;
    } kinds[] = {
        {"i32", WEFT_I32},         {"i64", WEFT_I64},           {"f32", WEFT_F32},
        {"f64", WEFT_F64},         {"v128", WEFT_V128},         {"funcref", WEFT_FUNCREF},
        {"externref", WEFT_EXTERNREF},
    };
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
        if (strcmp(s, kinds[i].name) == 0) {
            *kind = kinds[i].kind;
            return true;
        }
    return false;
}

static bool lane_of(const char *s, wast_lane_t *lane)
{
    static const char *const names[] = {"i8", "i16", "i32", "i64", "f32", "f64"};
    for (size_t i = 0; i < 6; i++)
        if (strcmp(s, names[i]) == 0) {
            *lane = (wast_lane_t)(WAST_LANE_I8 + i);
            return true;
        }
    return false;
}

static unsigned lane_count(wast_lane_t l)
{
    switch (l) {
    case WAST_LANE_I8: return 16;
    case WAST_LANE_I16: return 8;
    case WAST_LANE_I32:
    case WAST_LANE_F32: return 4;
    case WAST_LANE_I64:
    case WAST_LANE_F64: return 2;
    default: return 0;
    }
}

static unsigned lane_bytes(wast_lane_t l)
{
    unsigned n = lane_count(l);
    return n ? 16 / n : 0;
}

/* Parses a decimal bit pattern (unsigned, or negative in two's complement) of `bits` bits. */
static bool parse_bits(const char *s, unsigned bits, uint64_t *out)
{
    if (!s || !*s) return false;
    char *end;
    errno = 0;
    uint64_t v;
    if (s[0] == '-') {
        long long sv = strtoll(s, &end, 10);
        if (errno || *end) return false;
        v = (uint64_t)sv;
    } else {
        unsigned long long uv = strtoull(s, &end, 10);
        if (errno || *end) return false;
        v = uv;
    }
    if (bits < 64) {
        uint64_t mask = ((uint64_t)1 << bits) - 1;
        /* Accept the value if it fits as unsigned or as sign-extended negative. */
        if ((v & ~mask) != 0 && (v | mask) != UINT64_MAX) return false;
        v &= mask;
    }
    *out = v;
    return true;
}

static wast_pat_t nan_pat(const char *s)
{
    if (strcmp(s, "nan:canonical") == 0) return WAST_PAT_NAN_CANONICAL;
    if (strcmp(s, "nan:arithmetic") == 0) return WAST_PAT_NAN_ARITHMETIC;
    return WAST_PAT_EXACT;
}

static void store_lane(uint8_t v128[16], wast_lane_t lane, unsigned i, uint64_t bits)
{
    unsigned nb = lane_bytes(lane);
    for (unsigned b = 0; b < nb; b++) v128[i * nb + b] = (uint8_t)(bits >> (8 * b));
}

static uint64_t load_lane(const uint8_t v128[16], wast_lane_t lane, unsigned i)
{
    unsigned nb = lane_bytes(lane);
    uint64_t v = 0;
    for (unsigned b = 0; b < nb; b++) v |= (uint64_t)v128[i * nb + b] << (8 * b);
    return v;
}

/* The common part of args and expectations; `allow_pat` admits NaN patterns. */
static bool parse_value(const json_t *v, wast_expect_t *out, bool allow_pat, char *err,
                        size_t errlen)
{
    memset(out, 0, sizeof *out);
    const char *type = weft__json_get_str(v, "type", NULL);
    if (allow_pat && type && strcmp(type, "ref") == 0) {
        const char *nv = weft__json_get_str(v, "value", NULL);
        if (!nv || strcmp(nv, "null") != 0) goto bad;
        out->pat = WAST_PAT_ANY_NULL;
        return true;
    }
    if (type && !kind_of(type, &out->val.kind) && strlen(type) > 3 &&
        strcmp(type + strlen(type) - 3, "ref") == 0) {
        snprintf(err, errlen, "%s values are not representable in Weft's public API", type);
        return false;
    }
    if (!type || !kind_of(type, &out->val.kind)) {
        snprintf(err, errlen, "unknown value type '%s'", type ? type : "(none)");
        return false;
    }
    const json_t *jv = weft__json_get(v, "value");
    if (!jv) {
        if (!allow_pat) {
            snprintf(err, errlen, "argument of type %s without a value", type);
            return false;
        }
        out->pat = WAST_PAT_ANY;
        return true;
    }
    switch (out->val.kind) {
    case WEFT_I32:
    case WEFT_I64:
    case WEFT_F32:
    case WEFT_F64: {
        if (jv->type != JSON_STRING) goto bad;
        unsigned bits = (out->val.kind == WEFT_I32 || out->val.kind == WEFT_F32) ? 32 : 64;
        wast_pat_t p = nan_pat(jv->str);
        if (p != WAST_PAT_EXACT) {
            if (!allow_pat || out->val.kind == WEFT_I32 || out->val.kind == WEFT_I64)
                goto bad;
            out->pat = p;
            return true;
        }
        uint64_t b;
        if (!parse_bits(jv->str, bits, &b)) goto bad;
        if (out->val.kind == WEFT_I32) out->val.of.i32 = (int32_t)(uint32_t)b;
        else if (out->val.kind == WEFT_I64) out->val.of.i64 = (int64_t)b;
        else if (out->val.kind == WEFT_F32) out->val.of.f32 = (uint32_t)b;
        else out->val.of.f64 = b;
        return true;
    }
    case WEFT_V128: {
        const char *lt = weft__json_get_str(v, "lane_type", NULL);
        if (!lt || !lane_of(lt, &out->lane)) {
            snprintf(err, errlen, "v128 with unknown lane_type '%s'", lt ? lt : "(none)");
            return false;
        }
        unsigned n = lane_count(out->lane);
        if (jv->type != JSON_ARRAY || jv->len != n) goto bad;
        for (unsigned i = 0; i < n; i++) {
            const json_t *e = jv->items[i];
            if (e->type != JSON_STRING) goto bad;
            wast_pat_t p = nan_pat(e->str);
            if (p != WAST_PAT_EXACT) {
                if (!allow_pat || (out->lane != WAST_LANE_F32 && out->lane != WAST_LANE_F64))
                    goto bad;
                out->lane_pat[i] = p;
                continue;
            }
            uint64_t b;
            if (!parse_bits(e->str, lane_bytes(out->lane) * 8, &b)) goto bad;
            store_lane(out->val.of.v128, out->lane, i, b);
        }
        return true;
    }
    case WEFT_FUNCREF:
    case WEFT_EXTERNREF: {
        if (jv->type != JSON_STRING) goto bad;
        if (strcmp(jv->str, "null") == 0) return true; /* NULL pointer */
        if (out->val.kind == WEFT_FUNCREF) {
            /* A script cannot name a function by value: any funcref expectation other than
             * null means "some function" (the spec's `(ref.func)` result pattern). */
            if (!allow_pat) goto bad;
            out->pat = WAST_PAT_NONNULL;
            return true;
        }
        uint64_t n;
        if (!parse_bits(jv->str, 64, &n) || n == UINT64_MAX) goto bad;
        out->val.of.externref = weft__wast_extern_ref(n);
        return true;
    }
    default:
        break;
    }
bad:
    snprintf(err, errlen, "bad %s value", type);
    return false;
}

bool weft__wast_parse_arg(const json_t *v, weft_val_t *out, char *err, size_t errlen)
{
    wast_expect_t e;
    if (!parse_value(v, &e, false, err, errlen)) return false;
    *out = e.val;
    return true;
}

bool weft__wast_parse_expect(const json_t *v, wast_expect_t *out, char *err, size_t errlen)
{
    return parse_value(v, out, true, err, errlen);
}

static bool match_float(wast_pat_t p, uint64_t bits, unsigned width)
{
    uint64_t sign = (uint64_t)1 << (width - 1);
    uint64_t quiet = width == 32 ? 0x00400000u : 0x0008000000000000u;
    uint64_t expo = width == 32 ? 0x7F800000u : 0x7FF0000000000000u;
    uint64_t mag = bits & ~sign;
    switch (p) {
    case WAST_PAT_NAN_CANONICAL: return mag == (expo | quiet);
    case WAST_PAT_NAN_ARITHMETIC: return (mag & (expo | quiet)) == (expo | quiet);
    default: return false;
    }
}

bool weft__wast_match(const wast_expect_t *exp, const weft_val_t *got)
{
    if (exp->pat == WAST_PAT_ANY_NULL)
        return (got->kind == WEFT_FUNCREF && !got->of.funcref) ||
               (got->kind == WEFT_EXTERNREF && !got->of.externref);
    if (got->kind != exp->val.kind) return false;
    if (exp->pat == WAST_PAT_ANY) return true;
    switch (exp->val.kind) {
    case WEFT_I32: return got->of.i32 == exp->val.of.i32;
    case WEFT_I64: return got->of.i64 == exp->val.of.i64;
    case WEFT_F32:
        if (exp->pat != WAST_PAT_EXACT) return match_float(exp->pat, got->of.f32, 32);
        return got->of.f32 == exp->val.of.f32;
    case WEFT_F64:
        if (exp->pat != WAST_PAT_EXACT) return match_float(exp->pat, got->of.f64, 64);
        return got->of.f64 == exp->val.of.f64;
    case WEFT_V128: {
        unsigned n = lane_count(exp->lane);
        for (unsigned i = 0; i < n; i++) {
            uint64_t g = load_lane(got->of.v128, exp->lane, i);
            if (exp->lane_pat[i] != WAST_PAT_EXACT) {
                if (!match_float(exp->lane_pat[i], g, lane_bytes(exp->lane) * 8)) return false;
            } else if (g != load_lane(exp->val.of.v128, exp->lane, i)) {
                return false;
            }
        }
        return true;
    }
    case WEFT_FUNCREF:
        if (exp->pat == WAST_PAT_NONNULL) return got->of.funcref != NULL;
        return got->of.funcref == exp->val.of.funcref;
    case WEFT_EXTERNREF:
        if (exp->pat == WAST_PAT_NONNULL) return got->of.externref != NULL;
        return got->of.externref == exp->val.of.externref;
    default: return false;
    }
}

/* Appends with snprintf semantics, never overflowing. */
static void app(char *buf, size_t len, size_t *pos, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;

static void app(char *buf, size_t len, size_t *pos, const char *fmt, ...)
{
    if (*pos >= len) return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf + *pos, len - *pos, fmt, ap);
    va_end(ap);
    if (n > 0) *pos += (size_t)n;
    if (*pos >= len) *pos = len - 1;
}

static void fmt_f32(char *buf, size_t len, size_t *pos, uint32_t bits)
{
    float f;
    memcpy(&f, &bits, 4);
    app(buf, len, pos, "%.9g (0x%08" PRIx32 ")", (double)f, bits);
}

static void fmt_f64(char *buf, size_t len, size_t *pos, uint64_t bits)
{
    double d;
    memcpy(&d, &bits, 8);
    app(buf, len, pos, "%.17g (0x%016" PRIx64 ")", d, bits);
}

static const char *pat_name(wast_pat_t p)
{
    return p == WAST_PAT_NAN_CANONICAL ? "nan:canonical" : "nan:arithmetic";
}

static void fmt_lanes(char *buf, size_t len, size_t *pos, const uint8_t v[16], wast_lane_t lane,
                      const wast_pat_t *pats)
{
    static const char *const names[] = {"", "i8x16", "i16x8", "i32x4", "i64x2", "f32x4", "f64x2"};
    unsigned n = lane_count(lane);
    app(buf, len, pos, "v128:%s", names[lane]);
    for (unsigned i = 0; i < n; i++) {
        uint64_t b = load_lane(v, lane, i);
        app(buf, len, pos, " ");
        if (pats && pats[i] != WAST_PAT_EXACT) app(buf, len, pos, "%s", pat_name(pats[i]));
        else if (lane == WAST_LANE_F32) fmt_f32(buf, len, pos, (uint32_t)b);
        else if (lane == WAST_LANE_F64) fmt_f64(buf, len, pos, b);
        else app(buf, len, pos, "%" PRIu64, b);
    }
}

void weft__wast_format_val(const weft_val_t *v, wast_lane_t lane, char *buf, size_t len)
{
    size_t pos = 0;
    buf[0] = '\0';
    switch (v->kind) {
    case WEFT_I32:
        app(buf, len, &pos, "i32:%" PRIu32, (uint32_t)v->of.i32);
        if (v->of.i32 < 0) app(buf, len, &pos, " (%" PRId32 ")", v->of.i32);
        break;
    case WEFT_I64:
        app(buf, len, &pos, "i64:%" PRIu64, (uint64_t)v->of.i64);
        if (v->of.i64 < 0) app(buf, len, &pos, " (%" PRId64 ")", v->of.i64);
        break;
    case WEFT_F32:
        app(buf, len, &pos, "f32:");
        fmt_f32(buf, len, &pos, v->of.f32);
        break;
    case WEFT_F64:
        app(buf, len, &pos, "f64:");
        fmt_f64(buf, len, &pos, v->of.f64);
        break;
    case WEFT_V128:
        fmt_lanes(buf, len, &pos, v->of.v128, lane ? lane : WAST_LANE_I32, NULL);
        break;
    case WEFT_FUNCREF:
        if (!v->of.funcref) app(buf, len, &pos, "ref.null func");
        else app(buf, len, &pos, "ref.func %p", (void *)v->of.funcref);
        break;
    case WEFT_EXTERNREF:
        if (!v->of.externref) app(buf, len, &pos, "ref.null extern");
        else app(buf, len, &pos, "ref.extern %llu",
                 (unsigned long long)((uintptr_t)v->of.externref - 1u));
        break;
    default:
        app(buf, len, &pos, "<kind 0x%02x>", (unsigned)v->kind);
        break;
    }
}

void weft__wast_format_expect(const wast_expect_t *e, char *buf, size_t len)
{
    size_t pos = 0;
    buf[0] = '\0';
    if (e->pat == WAST_PAT_ANY) {
        app(buf, len, &pos, "%s:any", weft__wast_kind_name(e->val.kind));
        return;
    }
    if (e->pat == WAST_PAT_ANY_NULL) {
        app(buf, len, &pos, "ref.null");
        return;
    }
    if (e->pat == WAST_PAT_NONNULL) {
        app(buf, len, &pos, "%s", e->val.kind == WEFT_FUNCREF ? "ref.func" : "ref.extern");
        return;
    }
    if (e->pat == WAST_PAT_NAN_CANONICAL || e->pat == WAST_PAT_NAN_ARITHMETIC) {
        app(buf, len, &pos, "%s:%s", weft__wast_kind_name(e->val.kind), pat_name(e->pat));
        return;
    }
    if (e->val.kind == WEFT_V128) {
        fmt_lanes(buf, len, &pos, e->val.of.v128, e->lane, e->lane_pat);
        return;
    }
    weft__wast_format_val(&e->val, WAST_LANE_NONE, buf, len);
}
