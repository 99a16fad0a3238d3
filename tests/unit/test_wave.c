/* test_wave.c - WAVE parsing and printing (src/component/wave.c): round trips for every value
 * type, canonical forms, edge cases (NaN, -0, escapes, surrogates) and errors with their
 * character offsets. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "component/instance.h"
#include "component/types.h"
#include "util/error.h"
#include "test_types.h"
#include "test_util.h"

static weft_cval_arena_t *ar;

static const weft_ty_val_t *list(const weft_ty_val_t *e) { return mk(WEFT_TY_LIST, e, 0, NULL, NULL); }
static const weft_ty_val_t *option(const weft_ty_val_t *e) { return mk(WEFT_TY_OPTION, e, 0, NULL, NULL); }
static const weft_ty_val_t *result(const weft_ty_val_t *ok, const weft_ty_val_t *err)
{
    const weft_ty_val_t *ts[2] = {ok, err};
    return mk(WEFT_TY_RESULT, NULL, 2, ts, NULL);
}

/* ---- helpers ---------------------------------------------------------------------------- */

static const char *print(const weft_ty_val_t *t, const weft_cval_t *v)
{
    const char *s = NULL;
    size_t n = 0;
    weft_error_t *e = weft_wave_print(ar, t, v, &s, &n);
    if (e) {
        fprintf(stderr, "print error: %s\n", weft_error_message(e));
        weft_error_delete(e);
        return NULL;
    }
    if (strlen(s) != n) return NULL;
    return s;
}

/* Parses `in`, prints it (must give `canon`), parses `canon` and checks that both values are
 * equal and that printing again gives `canon`. */
static void rt_at(int line, const weft_ty_val_t *t, const char *in, const char *canon)
{
    checks++;
    weft_cval_t a, b;
    weft_error_t *e = weft_wave_parse(ar, t, in, strlen(in), &a);
    if (e) {
        fprintf(stderr, "%s:%d: parse of %s failed: %s\n", __FILE__, line, in,
                weft_error_message(e));
        weft_error_delete(e);
        failures++;
        return;
    }
    const char *s = print(t, &a);
    if (!s || strcmp(s, canon)) {
        fprintf(stderr, "%s:%d: %s printed as %s, expected %s\n", __FILE__, line, in,
                s ? s : "(error)", canon);
        failures++;
        return;
    }
    e = weft_wave_parse(ar, t, s, strlen(s), &b);
    if (e) {
        fprintf(stderr, "%s:%d: reparse of %s failed: %s\n", __FILE__, line, s,
                weft_error_message(e));
        weft_error_delete(e);
        failures++;
        return;
    }
    const char *s2 = print(t, &b);
    if (!weft_cval_equal(&a, &b) || !s2 || strcmp(s2, canon)) {
        fprintf(stderr, "%s:%d: round trip of %s differs\n", __FILE__, line, in);
        failures++;
    }
}
#define RT(t, in, canon) rt_at(__LINE__, t, in, canon)
#define RT1(t, in) rt_at(__LINE__, t, in, in)

/* Parsing `in` must fail with a message containing `what` at character `at`. */
static void err_at(int line, const weft_ty_val_t *t, const char *in, const char *what, long at)
{
    checks++;
    weft_cval_t v;
    weft_error_t *e = weft_wave_parse(ar, t, in, strlen(in), &v);
    if (!e) {
        fprintf(stderr, "%s:%d: parse of %s succeeded, expected an error\n", __FILE__, line, in);
        failures++;
        return;
    }
    const char *m = weft_error_message(e);
    char want[64];
    snprintf(want, sizeof want, "(at character %ld)", at);
    if (weft_error_kind(e) != WEFT_ERROR_INVALID_ARG || !strstr(m, what) ||
        (at >= 0 && !strstr(m, want))) {
        fprintf(stderr, "%s:%d: parse of %s: got \"%s\", expected \"%s\" %s\n", __FILE__, line,
                in, m, what, want);
        failures++;
    }
    weft_error_delete(e);
}
#define ERR(t, in, what, at) err_at(__LINE__, t, in, what, at)

static weft_cval_t parse(const weft_ty_val_t *t, const char *in)
{
    weft_cval_t v;
    memset(&v, 0, sizeof v);
    weft_error_t *e = weft_wave_parse(ar, t, in, strlen(in), &v);
    CHECK(e == NULL);
    if (e) {
        fprintf(stderr, "  %s: %s\n", in, weft_error_message(e));
        weft_error_delete(e);
    }
    return v;
}

/* ---- tests ------------------------------------------------------------------------------ */

static void test_scalars(void)
{
    const weft_ty_val_t *b = prim(WEFT_TY_BOOL);
    RT1(b, "true");
    RT(b, "  false  // a comment\n", "false");
    ERR(b, "True", "invalid label `True`", 0);
    ERR(b, "%true", "expected bool value", 0);
    ERR(b, "true false", "unexpected `false` after the value", 5);

    RT1(prim(WEFT_TY_S8), "-128");
    RT1(prim(WEFT_TY_S8), "127");
    ERR(prim(WEFT_TY_S8), "128", "out of range for s8", 0);
    ERR(prim(WEFT_TY_S8), "-129", "out of range for s8", 0);
    RT1(prim(WEFT_TY_U8), "255");
    ERR(prim(WEFT_TY_U8), "256", "out of range for u8", 0);
    ERR(prim(WEFT_TY_U8), "-1", "out of range for u8", 0);
    RT1(prim(WEFT_TY_S16), "-32768");
    RT1(prim(WEFT_TY_U16), "65535");
    RT(prim(WEFT_TY_S32), "-0", "0");
    RT1(prim(WEFT_TY_S32), "-2147483648");
    RT1(prim(WEFT_TY_U32), "4294967295");
    ERR(prim(WEFT_TY_U32), "4294967296", "out of range", 0);
    RT1(prim(WEFT_TY_S64), "-9223372036854775808");
    RT1(prim(WEFT_TY_S64), "9223372036854775807");
    ERR(prim(WEFT_TY_S64), "9223372036854775808", "out of range for s64", 0);
    RT1(prim(WEFT_TY_U64), "18446744073709551615");
    ERR(prim(WEFT_TY_U64), "18446744073709551616", "out of range for u64", 0);
    ERR(prim(WEFT_TY_U64), "99999999999999999999999", "out of range for u64", 0);
    ERR(prim(WEFT_TY_U32), "1.5", "base-10 integer", 0);
    ERR(prim(WEFT_TY_U32), "1e3", "base-10 integer", 0);
    ERR(prim(WEFT_TY_U32), "01", "malformed number", 0);
    ERR(prim(WEFT_TY_U32), "0x10", "malformed number", 0);
    ERR(prim(WEFT_TY_U32), "+1", "unexpected character", 0);
    ERR(prim(WEFT_TY_U32), "", "found end of input", 0);
    ERR(prim(WEFT_TY_U32), "\"1\"", "expected u32 value", 0);

    const weft_ty_val_t *f64 = prim(WEFT_TY_F64), *f32 = prim(WEFT_TY_F32);
    RT1(f64, "3.14");
    RT(f64, "6.022e+23", "602200000000000000000000");
    RT(f64, "1E-7", "0.0000001");
    RT1(f64, "0.1");
    RT(f64, "5.0", "5");
    RT1(f64, "-0");
    RT1(f64, "nan");
    RT1(f64, "inf");
    RT1(f64, "-inf");
    RT(f64, "1e999", "inf");
    RT1(f64, "0.30000000000000004");
    RT(f64, "1.7976931348623157e308", "179769313486231570000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000");
    RT(f64, "5e-324", "0.000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000005");
    RT1(f32, "3.14");
    RT(f32, "16777217", "16777216");
    RT1(f32, "340282350000000000000000000000000000000");
    RT1(f32, "-0");
    RT1(f32, "nan");
    ERR(f64, "NaN", "invalid label", 0);
    ERR(f64, "nan1", "expected f64 value", 0);
    ERR(f64, "-nan", "expected a digit after `-`", 0);
    ERR(f64, ".5", "unexpected character", 0);
    ERR(f64, "1.", "expected a digit after `.`", 2);
    ERR(f64, "1e", "exponent", 2);
    ERR(f64, "%inf", "expected f64 value", 0);

    /* Bit patterns: -0 keeps its sign, nan parses to the canonical NaN. */
    weft_cval_t v = parse(f64, "-0");
    CHECK(v.kind == WEFT_CVAL_F64 && v.u.f64 == 0x8000000000000000ull);
    v = parse(f32, "nan");
    CHECK(v.u.f32 == 0x7FC00000u);
    v = parse(f64, "nan");
    CHECK(v.u.f64 == 0x7FF8000000000000ull);
    /* Any NaN prints as nan. */
    weft_cval_t n;
    memset(&n, 0, sizeof n);
    n.kind = WEFT_CVAL_F32;
    n.u.f32 = 0xFFA00001u;
    const char *s = print(f32, &n);
    CHECK(s && !strcmp(s, "nan"));
}

static void test_text(void)
{
    const weft_ty_val_t *c = prim(WEFT_TY_CHAR), *s = prim(WEFT_TY_STRING);
    RT1(c, "'x'");
    RT1(c, "'\xe2\x98\x83'"); /* U+2603 */
    RT1(c, "'\\''");
    RT(c, "'\"'", "'\\\"'");
    RT1(c, "'\\\\'");
    RT1(c, "'\\n'");
    RT1(c, "'\\t'");
    RT1(c, "'\\r'");
    RT(c, "'\\u{1F44B}'", "'\xf0\x9f\x91\x8b'");
    RT1(c, "'\\u{0}'");
    RT(c, "'\\u{7F}'", "'\\u{7f}'");
    RT(c, "'\\u{0041}'", "'A'");
    weft_cval_t v = parse(c, "'\\u{10FFFF}'");
    CHECK(v.u.ch == 0x10FFFF);
    ERR(c, "'\\u{D800}'", "not a Unicode scalar value (a surrogate)", 1);
    ERR(c, "'\\u{dfff}'", "surrogate", 1);
    ERR(c, "'\\u{110000}'", "not a Unicode scalar value", 1);
    ERR(c, "'\\u{1234567}'", "more than 6 digits", 1);
    ERR(c, "'\\u{}'", "empty", 1);
    ERR(c, "'\\u{12'", "invalid hexadecimal digit", 6);
    ERR(c, "'\\x41'", "unknown escape", 1);
    ERR(c, "'ab'", "exactly one character", 0);
    ERR(c, "''", "empty char literal", 0);
    ERR(c, "'''", "empty char literal", 0);
    ERR(c, "'\n'", "line break", 1);
    ERR(c, "'\xed\xa0\x80'", "invalid UTF-8", 1); /* an encoded surrogate */
    ERR(c, "\"x\"", "expected char value", 0);

    RT1(s, "\"abc\\t123\"");
    RT1(s, "\"\"");
    RT(s, "\"it's\"", "\"it\\'s\"");
    RT1(s, "\"quote \\\" backslash \\\\ nl \\n cr \\r\"");
    RT(s, "\"\\u{48}\\u{49} \\u{1f600} \\u{1b}\"", "\"HI \xf0\x9f\x98\x80 \\u{1b}\"");
    RT1(s, "\"\xe2\x98\x83 snow, \xc3\xa9t\xc3\xa9\"");
    ERR(s, "\"abc", "unterminated string", 0);
    ERR(s, "\"a\nb\"", "line break in a string", 2);
    ERR(s, "\"\\u{d800}\\u{dc00}\"", "surrogate", 1);
    ERR(s, "\"\xff\"", "invalid UTF-8", 1);
    /* The character offset counts scalars, not bytes: the bad escape is at character 3. */
    ERR(s, "\"\xe2\x98\x83\xe2\x98\x83\\q\"", "unknown escape", 3);

    /* Multiline strings (README "Multiline Strings"). */
    RT(s, "\"\"\"\nA single line\n\"\"\"", "\"A single line\"");
    RT(s, "\"\"\"\n    Indentation determined\n      by ending delimiter\n  \"\"\"",
       "\"  Indentation determined\\n    by ending delimiter\"");
    RT(s, "\"\"\"\n  Must escape carriage return at end of line: \\r\n  Must break up double "
          "quote triplets: \"\"\\\"\"\n  \"\"\"",
       "\"Must escape carriage return at end of line: \\r\\nMust break up double quote "
       "triplets: \\\"\\\"\\\"\\\"\"");
    RT(s, "\"\"\"\r\nwindows\r\nlines\r\n\"\"\"", "\"windows\\nlines\"");
    RT(s, "\"\"\"\n\"\"\"", "\"\"");
    ERR(s, "\"\"\"abc\"\"\"", "line break", 0);
    ERR(s, "\"\"\"\nabc\"\"\"", "own line", 7);
    ERR(s, "\"\"\"\n  a\n b\n  \"\"\"", "indented less", 8);
    ERR(s, "\"\"\"\nabc\n", "unterminated multiline string", 0);

    /* A UTF-16 string value (as lifted from a guest) prints like its UTF-8 twin. */
    static const uint8_t u16[] = {'h', 0, 'i', 0, 0x3D, 0xD8, 0x00, 0xDE};
    weft_cval_t w;
    memset(&w, 0, sizeof w);
    w.kind = WEFT_CVAL_STRING;
    w.u.str.bytes = u16;
    w.u.str.tagged_code_units = 4;
    w.u.str.encoding = WEFT_CSTRING_UTF16;
    const char *p = print(s, &w);
    CHECK(p && !strcmp(p, "\"hi\xf0\x9f\x98\x80\""));
    /* A host string that is not UTF-8 cannot be printed. */
    weft_cval_t bad;
    CHECK(weft_cval_set_string(ar, "\xc3(", 2, &bad));
    const char *t;
    size_t tl;
    weft_error_t *e = weft_wave_print(ar, s, &bad, &t, &tl);
    CHECK(e && strstr(weft_error_message(e), "not valid UTF-8"));
    weft_error_delete(e);
}

static void test_compound(void)
{
    const weft_ty_val_t *u8 = prim(WEFT_TY_U8), *u32 = prim(WEFT_TY_U32),
                        *str = prim(WEFT_TY_STRING);

    const weft_ty_val_t *lu8 = list(u8);
    RT(lu8, "[1, 2, 3,]", "[1, 2, 3]");
    RT(lu8, "[ ]", "[]");
    RT(lu8, "[1,2 ,3]", "[1, 2, 3]");
    RT(lu8, "[\n  1, // one\n  2 // two\n]", "[1, 2]");
    ERR(lu8, "[1 2]", "expected `,` or `]` in `[` (a list), found `2`", 3);
    ERR(lu8, "[1, 2, x]", "expected u8 value", 7);
    ERR(lu8, "[1,,]", "expected u8 value", 3);
    ERR(lu8, "[1, 2", "found end of input", 5);
    ERR(lu8, "(1, 2)", "expected `[` (a list)", 0);
    const weft_ty_val_t *lls = list(list(str));
    RT(lls, "[[\"a\"], [], [\"b\", \"c\",],]", "[[\"a\"], [], [\"b\", \"c\"]]");
    /* A big list grows the temporary array several times. */
    {
        char buf[8000];
        size_t n = 0;
        buf[n++] = '[';
        for (int i = 0; i < 1000; i++) n += (size_t)snprintf(buf + n, sizeof buf - n, "%s%d", i ? ", " : "", i % 256);
        buf[n++] = ']';
        buf[n] = 0;
        RT1(lu8, buf);
    }

    const weft_ty_val_t *fl = mk(WEFT_TY_FIXED_LIST, u32, 3, NULL, NULL);
    RT(fl, "[1,2,3]", "[1, 2, 3]");
    ERR(fl, "[1, 2]", "exactly 3 elements, found 2", 0);

    const weft_ty_val_t *tts[2] = {u8, str};
    const weft_ty_val_t *tup = mk(WEFT_TY_TUPLE, NULL, 2, tts, NULL);
    RT1(tup, "(123, \"abc\")");
    RT(tup, "(123, \"abc\",)", "(123, \"abc\")");
    ERR(tup, "(1)", "expected 2 tuple elements, found 1", 2);
    ERR(tup, "(1, \"a\", 2)", "expected `)` after 2 tuple elements", 9);

    const weft_ty_val_t *rts[2] = {u32, option(str)};
    static const char *const rls[2] = {"must-have", "optional"};
    const weft_ty_val_t *rec = mk(WEFT_TY_RECORD, NULL, 2, rts, rls);
    RT(rec, "{optional: \"x\", must-have: 1}", "{must-have: 1, optional: some(\"x\")}");
    RT(rec, "{must-have: 123, optional: none,}", "{must-have: 123}");
    RT(rec, "{%must-have: 7, optional: \"flat\"}", "{must-have: 7, optional: some(\"flat\")}");
    ERR(rec, "{optional: none}", "missing record field `must-have`", 15);
    ERR(rec, "{must-have: 1, must-have: 2}", "field `must-have` given twice", 15);
    ERR(rec, "{must-have: 1, other: 2}", "unknown record field `other`", 15);
    ERR(rec, "{must-have 1}", "expected `:` after the field name", 11);
    ERR(rec, "{must-have: 1 optional: none}", "expected `,` or `}` in a record", 14);
    const weft_ty_val_t *ots[1] = {option(u8)};
    static const char *const ols[1] = {"optional"};
    const weft_ty_val_t *allopt = mk(WEFT_TY_RECORD, NULL, 1, ots, ols);
    RT1(allopt, "{:}");
    RT(allopt, "{optional: none}", "{:}");
    RT(allopt, "{optional: 5}", "{optional: some(5)}");
    ERR(allopt, "{:optional: 1}", "expected `}` after `{:`", 2);

    const weft_ty_val_t *vts[3] = {NULL, lu8, str};
    static const char *const vls[3] = {"empty", "body", "err"};
    const weft_ty_val_t *var = mk(WEFT_TY_VARIANT, NULL, 3, vts, vls);
    RT1(var, "empty");
    RT1(var, "body([79, 75])");
    RT1(var, "%err(\"oops\")");
    RT(var, "%empty", "empty");
    ERR(var, "err(\"oops\")", "the variant case `err` is a keyword: write `%err`", 0);
    ERR(var, "body", "expected `(` and the payload of `body`", 4);
    ERR(var, "empty(1)", "the case `empty` has no payload", 5);
    ERR(var, "full", "unknown variant case `full`", 0);
    ERR(var, "body([1]", "expected `)` after the payload", 8);

    static const char *const els[2] = {"ok", "not-found"};
    const weft_ty_val_t *en = mk(WEFT_TY_ENUM, NULL, 2, NULL, els);
    RT1(en, "%ok");
    RT1(en, "not-found");
    ERR(en, "ok", "is a keyword", 0);
    ERR(en, "Not-Found", "invalid label", 0);
    ERR(en, "found", "unknown enum case", 0);

    const weft_ty_val_t *ou8 = option(u8);
    RT(ou8, "123", "some(123)");
    RT1(ou8, "some(1)");
    RT1(ou8, "none");
    ERR(ou8, "some", "expected `(` and the payload of `some`", 4);
    ERR(ou8, "%none", "expected u8 value", 0);
    const weft_ty_val_t *oou8 = option(ou8);
    RT1(oou8, "some(none)");
    RT1(oou8, "some(some(1))");
    RT1(oou8, "none");
    ERR(oou8, "1", "expected `some(...)` or `none`", 0);
    weft_cval_t v = parse(oou8, "some(none)");
    CHECK(v.u.var.index == 1 && v.u.var.payload && v.u.var.payload->u.var.index == 0);

    const weft_ty_val_t *r1 = result(u8, str), *r2 = result(NULL, str), *r3 = result(NULL, NULL);
    RT(r1, "123", "ok(123)");
    RT1(r1, "ok(1)");
    RT1(r1, "err(\"oops\")");
    ERR(r1, "err", "expected `(` and the payload of `err`", 3);
    RT1(r2, "ok");
    RT1(r2, "err(\"e\")");
    ERR(r2, "ok(1)", "this result's `ok` has no payload", 2);
    ERR(r2, "1", "expected `ok` or `err(...)`", 0);
    RT1(r3, "ok");
    RT1(r3, "err");
    const weft_ty_val_t *r4 = result(ou8, NULL);
    RT1(r4, "ok(some(1))");
    RT1(r4, "ok(none)");
    ERR(r4, "none", "expected `ok(...)` or `err`", 0);

    static const char *const fls[3] = {"read", "write", "exec"};
    const weft_ty_val_t *fg = mk(WEFT_TY_FLAGS, NULL, 3, NULL, fls);
    RT(fg, "{write, read,}", "{read, write}");
    RT1(fg, "{}");
    RT(fg, "{%exec}", "{exec}");
    RT1(fg, "{read, write, exec}");
    ERR(fg, "{read, read}", "flag `read` given twice", 7);
    ERR(fg, "{x}", "unknown flag `x`", 1);
    ERR(fg, "{read write}", "expected `,` or `}` in flags", 6);

    weft_ty_resource_t *res = weft_ty_resource_new(tya);
    weft_ty_val_t hp;
    memset(&hp, 0, sizeof hp);
    hp.kind = WEFT_TY_OWN;
    hp.resource = res;
    const weft_ty_val_t *own = weft_ty_intern(tya, &hp);
    hp.kind = WEFT_TY_BORROW;
    const weft_ty_val_t *borrow = weft_ty_intern(tya, &hp);
    RT1(own, "own(5)");
    RT(borrow, "borrow( 7 )", "borrow(7)");
    ERR(own, "borrow(1)", "expected `own(N)`", 0);
    ERR(own, "own(-1)", "expected a u32 handle value", 4);
    v = parse(own, "own(4294967295)");
    CHECK(v.kind == WEFT_CVAL_OWN && v.u.rep == 4294967295u);

    weft_ty_val_t mp;
    memset(&mp, 0, sizeof mp);
    mp.kind = WEFT_TY_MAP;
    mp.key = str;
    mp.value = u32;
    const weft_ty_val_t *map = weft_ty_intern(tya, &mp);
    if (map) RT(map, "[(\"a\", 1), (\"b\", 2),]", "[(\"a\", 1), (\"b\", 2)]");

    /* Deep nesting through every compound at once. */
    const weft_ty_val_t *nts[2] = {list(option(r1)), fg};
    static const char *const nls[2] = {"items", "flags"};
    const weft_ty_val_t *nest = list(mk(WEFT_TY_RECORD, NULL, 2, nts, nls));
    RT(nest, "[{items: [some(1), none, some(err(\"x\")), some(ok(2))], flags: {exec}}, {flags: {}, items: []}]",
       "[{items: [some(ok(1)), none, some(err(\"x\")), some(ok(2))], flags: {exec}}, "
       "{items: [], flags: {}}]");

    /* Type printing. */
    const weft_ty_val_t *lt_ts[2] = {u32, str};
    const char *tt;
    size_t tn;
    weft_error_t *e = weft_wave_print_type(ar, list(mk(WEFT_TY_TUPLE, NULL, 2, lt_ts, NULL)), &tt, &tn);
    CHECK(!e && !strcmp(tt, "list<tuple<u32, string>>"));
    e = weft_wave_print_type(ar, r2, &tt, &tn);
    CHECK(!e && !strcmp(tt, "result<_, string>"));
    e = weft_wave_print_type(ar, fg, &tt, &tn);
    CHECK(!e && !strcmp(tt, "flags { read, write, exec }"));
    e = weft_wave_print_type(ar, fl, &tt, &tn);
    CHECK(!e && !strcmp(tt, "list<u32, 3>"));
}

static void test_print_errors(void)
{
    const weft_ty_val_t *u32 = prim(WEFT_TY_U32);
    weft_cval_t v;
    memset(&v, 0, sizeof v);
    v.kind = WEFT_CVAL_BOOL;
    const char *s;
    size_t n;
    weft_error_t *e = weft_wave_print(ar, u32, &v, &s, &n);
    CHECK(e && weft_error_kind(e) == WEFT_ERROR_INVALID_ARG &&
          strstr(weft_error_message(e), "expected u32 value, found bool"));
    weft_error_delete(e);

    const weft_ty_val_t *rts[2] = {u32, prim(WEFT_TY_STRING)};
    static const char *const rls[2] = {"a", "b"};
    const weft_ty_val_t *rec = mk(WEFT_TY_RECORD, NULL, 2, rts, rls);
    weft_cval_t *items = weft_cval_alloc(ar, 2);
    items[0].kind = WEFT_CVAL_U32;
    items[1].kind = WEFT_CVAL_U32;
    v.kind = WEFT_CVAL_RECORD;
    v.u.agg.len = 2;
    v.u.agg.items = items;
    e = weft_wave_print(ar, rec, &v, &s, &n);
    CHECK(e && strstr(weft_error_message(e), "field `b` of record: expected string value, found u32"));
    weft_error_delete(e);

    memset(&v, 0, sizeof v);
    v.kind = WEFT_CVAL_CHAR;
    v.u.ch = 0xD800;
    e = weft_wave_print(ar, prim(WEFT_TY_CHAR), &v, &s, &n);
    CHECK(e && strstr(weft_error_message(e), "not a Unicode scalar value"));
    weft_error_delete(e);

    e = weft_wave_parse(ar, NULL, "1", 1, &v);
    CHECK(e && weft_error_kind(e) == WEFT_ERROR_INVALID_ARG);
    weft_error_delete(e);
    /* The byte offset of an error is available too. */
    e = weft_wave_parse(ar, list(prim(WEFT_TY_STRING)), "[\"\xe2\x98\x83\", 1]", 11, &v);
    CHECK(e && weft_error_offset(e) == 8 && strstr(weft_error_message(e), "(at character 6)"));
    weft_error_delete(e);
}

static void test_args(void)
{
    const weft_ty_val_t *u32 = prim(WEFT_TY_U32), *str = prim(WEFT_TY_STRING);
    weft_ty_param_t ps[3] = {{nm("a"), u32}, {nm("s"), str}, {nm("c"), option(u32)}};
    weft_ty_func_t ft;
    memset(&ft, 0, sizeof ft);
    ft.nparams = 3;
    ft.params = ps;
    ft.result = u32;
    struct weft_component_func f;
    memset(&f, 0, sizeof f);
    f.type = &ft;
    CHECK(weft_component_func_param_type(&f, 1) == str);
    CHECK(weft_component_func_param_type(&f, 3) == NULL);
    CHECK(weft_component_func_result_type(&f) == u32);
    const char *pn;
    size_t pl;
    CHECK(weft_component_func_param_name(&f, 2, &pn, &pl) && pl == 1 && pn[0] == 'c');

    weft_cval_t args[3];
    const char *in = "(1, \"x\", 3)";
    weft_error_t *e = weft_wave_parse_args(ar, &f, in, strlen(in), args, 3);
    CHECK(!e && args[0].u.u == 1 && args[2].u.var.index == 1 && args[2].u.var.payload->u.u == 3);
    weft_error_delete(e);
    in = " ( 1 , \"x\" , ) ";
    e = weft_wave_parse_args(ar, &f, in, strlen(in), args, 3);
    CHECK(!e && args[2].kind == WEFT_CVAL_OPTION && args[2].u.var.index == 0);
    weft_error_delete(e);
    in = "(1)";
    e = weft_wave_parse_args(ar, &f, in, strlen(in), args, 3);
    CHECK(e && strstr(weft_error_message(e), "missing argument 2 (`s: string`)"));
    weft_error_delete(e);
    in = "(1, \"x\", 3, 4)";
    e = weft_wave_parse_args(ar, &f, in, strlen(in), args, 3);
    CHECK(e && strstr(weft_error_message(e), "too many arguments") &&
          strstr(weft_error_message(e), "(at character 12)"));
    weft_error_delete(e);
    in = "(1, 2)";
    e = weft_wave_parse_args(ar, &f, in, strlen(in), args, 3);
    CHECK(e && strstr(weft_error_message(e), "argument 2 (`s`): expected string value") &&
          strstr(weft_error_message(e), "(at character 4)"));
    weft_error_delete(e);
    in = "1, 2";
    e = weft_wave_parse_args(ar, &f, in, strlen(in), args, 3);
    CHECK(e && strstr(weft_error_message(e), "expected `(` and the arguments"));
    weft_error_delete(e);
    in = "(1, \"x\") x";
    e = weft_wave_parse_args(ar, &f, in, strlen(in), args, 3);
    CHECK(e && strstr(weft_error_message(e), "after the arguments"));
    weft_error_delete(e);
    e = weft_wave_parse_args(ar, &f, "()", 2, args, 2);
    CHECK(e && weft_error_kind(e) == WEFT_ERROR_INVALID_ARG);
    weft_error_delete(e);
}

int main(void)
{
    const weft_alloc_t dflt = {weft__default_alloc, NULL};
    weft_engine_t *engine = weft_engine_new(NULL);
    tya = weft_ty_arena_new(&dflt);
    ar = weft_cval_arena_new(engine);
    if (!engine || !tya || !ar) {
        fprintf(stderr, "setup failed\n");
        return 1;
    }
    test_scalars();
    test_text();
    test_compound();
    test_print_errors();
    test_args();
    weft_cval_arena_delete(ar);
    weft_ty_arena_free(tya);
    weft_engine_delete(engine);
    return test_report("test_wave");
}
