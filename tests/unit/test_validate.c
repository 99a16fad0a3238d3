/* test_validate.c - unit tests of the validator (src/core/validate*.c): small hand-assembled
 * modules, decoded with weft__module_decode and then validated, covering typing of every
 * instruction family, the polymorphic stack, module-level rules, constant expressions, the
 * exact wording of the spec test suite, error offsets and kinds, and allocation failures. */
#include "core/module.h"
#include "core/runtime.h"
#include "test_binary.h"
#include "util/error.h"

/* The engine modules are checked for: NULL (every feature) or wasm2_engine, whose
 * configuration disables every feature past Wasm 2.0 (Wasm 2.0 rules). */
static struct weft_engine wasm2_engine;
static weft_engine_t *cur_engine;

/* What a test module contains besides its one function. */
enum {
    WITH_MEMORY = 1,     /* (memory 1) */
    WITH_TABLE = 2,      /* (table 1 funcref) */
    WITH_GLOBALS = 4,    /* (global i32 (i32.const 0)) (global (mut i64) (i64.const 0)) */
    WITH_DECLARE = 8,    /* (elem declare func 0) */
    WITH_DATA = 16,      /* (data count 1) + one passive data segment */
    WITH_TWO_TYPES = 32, /* type 1 = [i32] -> [i32 i32] for block types */
};

/* A module whose function 0 has type `ft` (the bytes after 0x60) and body `body` (local
 * declarations, then the code with its final end). */
static void build(buf_t *b, const char *ft, size_t ftn, const char *body, size_t bodyn,
                  unsigned with)
{
    buf_t s;
    header(b);
    s.n = 0;
    uleb(&s, (with & WITH_TWO_TYPES) ? 2 : 1);
    byte(&s, 0x60);
    put(&s, ft, ftn);
    if (with & WITH_TWO_TYPES) put(&s, "\x60\x01\x7f\x02\x7f\x7f", 6);
    section(b, 1, &s);
    s.n = 0;
    put(&s, "\x01\x00", 2);
    section(b, 3, &s);
    if (with & WITH_TABLE) {
        s.n = 0;
        put(&s, "\x01\x70\x00\x01", 4);
        section(b, 4, &s);
    }
    if (with & WITH_MEMORY) {
        s.n = 0;
        put(&s, "\x01\x00\x01", 3);
        section(b, 5, &s);
    }
    if (with & WITH_GLOBALS) {
        s.n = 0;
        put(&s, "\x02\x7f\x00\x41\x00\x0b\x7e\x01\x42\x00\x0b", 11);
        section(b, 6, &s);
    }
    if (with & WITH_DECLARE) {
        s.n = 0;
        put(&s, "\x01\x03\x00\x01\x00", 5); /* declarative, elemkind funcref, [func 0] */
        section(b, 9, &s);
    }
    if (with & WITH_DATA) {
        s.n = 0;
        byte(&s, 1);
        section(b, 12, &s);
    }
    s.n = 0;
    byte(&s, 1);
    uleb(&s, bodyn);
    put(&s, body, bodyn);
    section(b, 10, &s);
    if (with & WITH_DATA) {
        s.n = 0;
        put(&s, "\x01\x01\x01\x37", 4); /* one passive segment of one byte */
        section(b, 11, &s);
    }
}

/* ---- decoding and validating with a counting allocator ---------------------------------- */

static void module_init(weft_module_t *m, counting_t *c, const buf_t *b)
{
    module_init_for(m, cur_engine, c, b);
}

/* Decodes and validates; returns the error (or NULL) and leaves the module freed. */
static weft_error_t *load(const buf_t *b, counting_t *c)
{
    weft_module_t m;
    module_init(&m, c, b);
    weft_error_t *e = weft__module_decode(&m);
    if (!e) e = weft__module_validate(&m);
    weft__module_free(&m);
    return e;
}

static void expect_valid(const char *what, const buf_t *b)
{
    counting_t c = {0, 0, 0};
    weft_error_t *e = load(b, &c);
    if (e) {
        fprintf(stderr, "%s: expected valid, got: %s\n", what, weft_error_message(e));
        weft_error_delete(e);
    }
    CHECK(e == NULL);
    CHECK(c.live == 0);
}

/* Expects an error of `kind` whose message contains every string in the NULL-terminated
 * list, and (unless UINT64_MAX) the byte offset `offset`. */
static void expect_error(const char *what, const buf_t *b, weft_error_kind_t kind,
                         uint64_t offset, ...)
{
    counting_t c = {0, 0, 0};
    weft_error_t *e = load(b, &c);
    if (!e) {
        fprintf(stderr, "%s: expected an error, module was accepted\n", what);
        CHECK(e != NULL);
        return;
    }
    const char *msg = weft_error_message(e);
    bool ok = weft_error_kind(e) == kind;
    if (offset != UINT64_MAX && weft_error_offset(e) != offset) ok = false;
    va_list ap;
    va_start(ap, offset);
    for (const char *s = va_arg(ap, const char *); s; s = va_arg(ap, const char *))
        if (!strstr(msg, s)) ok = false;
    va_end(ap);
    if (!ok)
        fprintf(stderr, "%s: got kind %d offset %llu: %s\n", what, (int)weft_error_kind(e),
                (unsigned long long)weft_error_offset(e), msg);
    CHECK(ok);
    weft_error_delete(e);
    CHECK(c.live == 0);
}

#define F(s) s, sizeof s - 1 /* a string literal as bytes + length */
#define VALID(what, ft, body, with)                                                            \
    do {                                                                                       \
        buf_t b_;                                                                              \
        build(&b_, F(ft), F(body), with);                                                      \
        expect_valid(what, &b_);                                                               \
    } while (0)
#define INVALID(what, ft, body, with, ...)                                                     \
    do {                                                                                       \
        buf_t b_;                                                                              \
        build(&b_, F(ft), F(body), with);                                                      \
        expect_error(what, &b_, WEFT_ERROR_VALIDATE, UINT64_MAX, __VA_ARGS__, (char *)NULL);   \
    } while (0)

/* Function types, as the bytes after 0x60. */
#define FT_V "\x00\x00"             /* [] -> [] */
#define FT_I "\x00\x01\x7f"         /* [] -> [i32] */
#define FT_II_I "\x02\x7f\x7f\x01\x7f" /* [i32 i32] -> [i32] */

/* ---- tests ------------------------------------------------------------------------------- */

static void test_numeric(void)
{
    VALID("i32.add", FT_II_I, "\x00\x20\x00\x20\x01\x6a\x0b", 0);
    /* i32.const 1; i64.extend_i32_s; i64.popcnt; drop; f32.const 1; f64.promote_f32;
     * i32.trunc_f64_s; drop; f32.const 1; i32.trunc_sat_f32_s; drop; i32.const -1;
     * i32.extend8_s; drop */
    VALID("conversions", FT_V,
          "\x00\x41\x01\xac\x7b\x1a\x43\x00\x00\x80\x3f\xbb\xaa\x1a"
          "\x43\x00\x00\x80\x3f\xfc\x00\x1a\x41\x7f\xc0\x1a\x0b",
          0);
    /* Offsets: the body starts at a fixed place; check the message shape and the offset of
     * the failing instruction (i32.add after i32.const 0; i64.const 0). */
    buf_t b;
    build(&b, F(FT_V), F("\x00\x41\x00\x42\x00\x6a\x1a\x0b"), 0);
    size_t add_at = b.n - 3; /* ... 6a 1a 0b */
    char off[32];
    snprintf(off, sizeof off, "at offset 0x%zx", add_at);
    expect_error("i32.add on i64", &b, WEFT_ERROR_VALIDATE, add_at, "type mismatch",
                 "in function 0", off, "(i32.add)", "expected i32, found i64", (char *)NULL);
    INVALID("missing result", FT_I, "\x00\x0b", 0, "type mismatch");
    INVALID("extra value", FT_V, "\x00\x41\x00\x0b", 0, "type mismatch");
    INVALID("empty operand", FT_V, "\x00\x45\x1a\x0b", 0, "type mismatch", "(i32.eqz)");
}

static void test_polymorphic(void)
{
    VALID("unreachable then add", FT_I, "\x00\x00\x6a\x0b", 0);
    VALID("br then anything", FT_I, "\x00\x41\x00\x0c\x00\x6a\x45\x0b", 0);
    VALID("return in unreachable", FT_I, "\x00\x00\x0f\x0b", 0);
    INVALID("unreachable keeps known types", FT_I, "\x00\x00\x42\x00\x6a\x0b", 0,
            "type mismatch");
    /* select after unreachable: the unknown operand takes the other's type. */
    VALID("select bottom", FT_I, "\x00\x00\x41\x00\x41\x00\x1b\x0b", 0);
    INVALID("select ref", FT_V, "\x00\xd0\x70\xd0\x70\x41\x00\x1b\x1a\x0b", 0, "type mismatch");
    VALID("typed select ref", FT_V, "\x00\xd0\x70\xd0\x70\x41\x00\x1c\x01\x70\x1a\x0b", 0);
    INVALID("typed select arity", FT_V, "\x00\x41\x00\x41\x00\x41\x00\x1c\x02\x7f\x7f\x1a\x0b",
            0, "invalid result arity");
    /* br_table meeting two label types in unreachable code (unreached-valid.wast). */
    VALID("br_table bottom", FT_V,
          "\x00\x02\x7c\x02\x7d\x00\x41\x01\x0e\x02\x00\x01\x01\x0b\x1a\x44"
          "\x00\x00\x00\x00\x00\x00\x00\x00\x0b\x1a\x0b",
          0);
    INVALID("br_table arity", FT_V, "\x00\x02\x7f\x02\x40\x41\x00\x0e\x01\x00\x01\x0b\x41\x00\x0b\x1a\x0b",
            0, "type mismatch");
}

static void test_control(void)
{
    VALID("block result", FT_I, "\x00\x02\x7f\x41\x01\x0b\x0b", 0);
    VALID("if else", FT_I, "\x00\x41\x01\x04\x7f\x41\x01\x05\x41\x02\x0b\x0b", 0);
    INVALID("if without else changes types", FT_I, "\x00\x41\x01\x04\x7f\x41\x01\x0b\x0b", 0,
            "type mismatch");
    /* Multi-value block with a type index: type 1 = [i32] -> [i32 i32]. */
    VALID("block type index", FT_I, "\x00\x41\x05\x02\x01\x41\x06\x0b\x6a\x0b", WITH_TWO_TYPES);
    VALID("loop params", FT_I, "\x00\x41\x05\x03\x01\x41\x06\x0b\x6a\x0b", WITH_TWO_TYPES);
    INVALID("block type unknown", FT_V, "\x00\x02\x07\x0b\x0b", 0, "unknown type");
    INVALID("br unknown label", FT_V, "\x00\x0c\x03\x0b", 0, "unknown label");
    INVALID("br_if operand", FT_V, "\x00\x42\x00\x0d\x00\x0b", 0, "type mismatch", "(br_if)");
    INVALID("call unknown", FT_V, "\x00\x10\x05\x0b", 0, "unknown function 5");
    VALID("call self", FT_II_I, "\x00\x20\x00\x20\x01\x10\x00\x0b", 0);
    INVALID("call_indirect no table", FT_V, "\x00\x41\x00\x11\x00\x00\x0b", 0, "unknown table");
    VALID("call_indirect", FT_V, "\x00\x41\x00\x11\x00\x00\x0b", WITH_TABLE);
    INVALID("call_indirect type", FT_V, "\x00\x41\x00\x11\x04\x00\x0b", WITH_TABLE,
            "unknown type");
}

static void test_variables(void)
{
    VALID("locals", FT_V, "\x01\x02\x7e\x20\x00\x21\x01\x0b", 0);
    INVALID("unknown local", FT_V, "\x01\x02\x7e\x20\x05\x1a\x0b", 0, "unknown local 5");
    INVALID("local.set type", FT_V, "\x01\x01\x7e\x41\x00\x21\x00\x0b", 0, "type mismatch");
    VALID("globals", FT_V, "\x00\x23\x00\x1a\x42\x01\x24\x01\x0b", WITH_GLOBALS);
    INVALID("global immutable", FT_V, "\x00\x41\x01\x24\x00\x0b", WITH_GLOBALS,
            "global is immutable");
    INVALID("unknown global", FT_V, "\x00\x23\x02\x1a\x0b", WITH_GLOBALS, "unknown global 2");
    /* Many locals: past the expanded-array limit they are found by binary search. */
    buf_t body;
    body.n = 0;
    byte(&body, 3);
    uleb(&body, 3000); byte(&body, 0x7f);
    uleb(&body, 3000); byte(&body, 0x7e);
    uleb(&body, 3000); byte(&body, 0x7d);
    put(&body, "\x20\xef\x2e\x50\x1a", 5);     /* local.get 5999; i64.eqz; drop */
    put(&body, "\x20\xa7\x17\x45\x1a\x0b", 6); /* local.get 2983 (i32); i32.eqz */
    buf_t b;
    build(&b, F(FT_V), (const char *)body.b, body.n, 0);
    expect_valid("many locals", &b);
    body.n -= 6;
    put(&body, "\x20\xf0\x2e\x50\x1a\x0b", 6); /* local 6000 is f32: i64.eqz fails */
    build(&b, F(FT_V), (const char *)body.b, body.n, 0);
    expect_error("many locals type", &b, WEFT_ERROR_VALIDATE, UINT64_MAX, "type mismatch",
                 "expected i64, found f32", (char *)NULL);
}

static void test_memory(void)
{
    VALID("load store", FT_V, "\x00\x41\x00\x41\x00\x28\x02\x00\x36\x02\x04\x0b", WITH_MEMORY);
    INVALID("no memory", FT_V, "\x00\x41\x00\x28\x02\x00\x1a\x0b", 0, "unknown memory 0");
    INVALID("alignment", FT_V, "\x00\x41\x00\x28\x03\x00\x1a\x0b", WITH_MEMORY,
            "alignment must not be larger than natural", "(i32.load)");
    INVALID("alignment 8", FT_V, "\x00\x41\x00\x30\x01\x00\x1a\x0b", WITH_MEMORY,
            "alignment must not be larger than natural");
    VALID("memory.size/grow", FT_V, "\x00\x3f\x00\x40\x00\x1a\x0b", WITH_MEMORY);
    VALID("bulk memory", FT_V,
          "\x00\x41\x00\x41\x00\x41\x01\xfc\x08\x00\x00\xfc\x09\x00"
          "\x41\x00\x41\x00\x41\x00\xfc\x0a\x00\x00\x41\x00\x41\x00\x41\x00\xfc\x0b\x00\x0b",
          WITH_MEMORY | WITH_DATA);
    INVALID("unknown data segment", FT_V, "\x00\xfc\x09\x01\x0b", WITH_MEMORY | WITH_DATA,
            "unknown data segment 1");
}

static void test_tables_refs(void)
{
    VALID("table ops", FT_V,
          "\x00\x41\x00\x25\x00\x1a\x41\x00\xd0\x70\x26\x00\xfc\x10\x00\x1a"
          "\xd0\x70\x41\x01\xfc\x0f\x00\x1a\x41\x00\xd0\x70\x41\x01\xfc\x11\x00\x0b",
          WITH_TABLE);
    INVALID("table.set type", FT_V, "\x00\x41\x00\xd0\x6f\x26\x00\x0b", WITH_TABLE,
            "type mismatch");
    INVALID("elem.drop unknown", FT_V, "\x00\xfc\x0d\x00\x0b", WITH_TABLE,
            "unknown elem segment 0");
    VALID("ref.func declared", FT_V, "\x00\xd2\x00\xd1\x1a\x0b", WITH_DECLARE);
    INVALID("ref.func undeclared", FT_V, "\x00\xd2\x00\x1a\x0b", 0,
            "undeclared function reference");
    INVALID("ref.is_null on i32", FT_V, "\x00\x41\x00\xd1\x1a\x0b", 0, "type mismatch");
}

static void test_simd(void)
{
    static const char zero16[] = "\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00";
    buf_t body;
    buf_t b;
    /* v128.const 0; i32x4.extract_lane 3; drop */
    body.n = 0;
    put(&body, "\x00\xfd\x0c", 3);
    put(&body, zero16, 16);
    put(&body, "\xfd\x1b\x03\x1a\x0b", 5);
    build(&b, F(FT_V), (const char *)body.b, body.n, 0);
    expect_valid("extract lane", &b);
    body.n -= 5;
    put(&body, "\xfd\x1b\x04\x1a\x0b", 5);
    build(&b, F(FT_V), (const char *)body.b, body.n, 0);
    expect_error("lane 4 of 4", &b, WEFT_ERROR_VALIDATE, UINT64_MAX, "invalid lane index",
                 "(i32x4.extract_lane)", (char *)NULL);
    /* shuffle lane 32 */
    body.n = 0;
    put(&body, "\x00\xfd\x0c", 3);
    put(&body, zero16, 16);
    put(&body, "\xfd\x0c", 2);
    put(&body, zero16, 16);
    put(&body, "\xfd\x0d", 2);
    put(&body, "\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x1f", 16);
    put(&body, "\x1a\x0b", 2);
    build(&b, F(FT_V), (const char *)body.b, body.n, 0);
    expect_valid("shuffle", &b);
    b.b[b.n - 3] = 0x20;
    expect_error("shuffle lane 32", &b, WEFT_ERROR_VALIDATE, UINT64_MAX, "invalid lane index",
                 (char *)NULL);
    /* i32.const 0; v128.load align 4; i16x8.splat of an i32; i8x16.add */
    VALID("load splat add", FT_V,
          "\x00\x41\x00\xfd\x00\x04\x00\x41\x07\xfd\x10\xfd\x6e\x1a\x0b", WITH_MEMORY);
    INVALID("v128 alignment", FT_V, "\x00\x41\x00\xfd\x00\x05\x00\x1a\x0b", WITH_MEMORY,
            "alignment must not be larger than natural");
    INVALID("splat type", FT_V, "\x00\x42\x00\xfd\x11\x1a\x0b", 0, "type mismatch",
            "(i32x4.splat)");
    /* i64x2.splat of an i64, then a shift whose count is an i64 instead of an i32. */
    INVALID("shift count", FT_V, "\x00\x42\x00\xfd\x12\x42\x01\xfd\x6b\x1a\x0b", 0,
            "type mismatch", "(i8x16.shl)");
    /* Load lane: v128.load8_lane lane 16 is out of range. */
    body.n = 0;
    put(&body, "\x00\x41\x00\xfd\x0c", 5);
    put(&body, zero16, 16);
    put(&body, "\xfd\x54\x00\x00\x10\x1a\x0b", 7);
    build(&b, F(FT_V), (const char *)body.b, body.n, WITH_MEMORY);
    expect_error("load lane", &b, WEFT_ERROR_VALIDATE, UINT64_MAX, "invalid lane index",
                 (char *)NULL);
    b.b[b.n - 3] = 0x0f;
    expect_valid("load lane 15", &b);
}

static void test_malformed_bodies(void)
{
    buf_t b;
    build(&b, F(FT_V), F("\x00\xff\x0b"), 0);
    expect_error("illegal opcode", &b, WEFT_ERROR_DECODE, UINT64_MAX, "illegal opcode",
                 (char *)NULL);
    build(&b, F(FT_V), F("\x00\x3f\x01\x1a\x0b"), WITH_MEMORY);
    cur_engine = &wasm2_engine;
    expect_error("memory.size reserved", &b, WEFT_ERROR_DECODE, UINT64_MAX,
                 "zero byte expected", (char *)NULL);
    cur_engine = NULL;
    expect_error("memory.size index", &b, WEFT_ERROR_VALIDATE, UINT64_MAX, "unknown memory 1",
                 (char *)NULL);
    build(&b, F(FT_V), F("\x00\xfd\x9a\x01\x0b"), 0);
    expect_error("SIMD hole", &b, WEFT_ERROR_DECODE, UINT64_MAX, "illegal opcode",
                 (char *)NULL);
    build(&b, F(FT_V), F("\x00\x41\x80\x80\x80\x80\x80\x00\x1a\x0b"), 0);
    expect_error("long LEB", &b, WEFT_ERROR_DECODE, UINT64_MAX, "integer representation too long",
                 (char *)NULL);
}

/* A module from raw sections, for module-level rules. */
static void raw(buf_t *b, const char *sections, size_t n)
{
    b->n = 0;
    put(b, "\0asm\1\0\0\0", 8);
    put(b, sections, n);
}

static void test_module_rules(void)
{
    buf_t b;
    /* Two exports named "a". */
    raw(&b, F("\x01\x04\x01\x60\x00\x00\x03\x02\x01\x00\x07\x09\x02\x01\x61\x00\x00\x01\x61\x00\x00"
              "\x0a\x04\x01\x02\x00\x0b"));
    expect_error("duplicate export", &b, WEFT_ERROR_VALIDATE, UINT64_MAX, "duplicate export name",
                 (char *)NULL);
    /* Export of an unknown global. */
    raw(&b, F("\x07\x05\x01\x01\x61\x03\x00"));
    expect_error("export unknown global", &b, WEFT_ERROR_VALIDATE, UINT64_MAX,
                 "unknown global 0", (char *)NULL);
    /* Start function of type [i32] -> []. */
    raw(&b, F("\x01\x05\x01\x60\x01\x7f\x00\x03\x02\x01\x00\x08\x01\x00\x0a\x04\x01\x02\x00\x0b"));
    expect_error("start type", &b, WEFT_ERROR_VALIDATE, UINT64_MAX, "start function",
                 (char *)NULL);
    /* Memory limits. */
    raw(&b, F("\x05\x05\x01\x00\x81\x80\x04"));
    expect_error("memory pages", &b, WEFT_ERROR_VALIDATE, UINT64_MAX,
                 "memory size must be at most 65536 pages (4GiB)", (char *)NULL);
    raw(&b, F("\x05\x04\x01\x01\x02\x01"));
    expect_error("memory min > max", &b, WEFT_ERROR_VALIDATE, UINT64_MAX,
                 "size minimum must not be greater than maximum", (char *)NULL);
    raw(&b, F("\x05\x05\x02\x00\x01\x00\x01"));
    expect_valid("two memories", &b);
    cur_engine = &wasm2_engine;
    expect_error("two memories 2.0", &b, WEFT_ERROR_VALIDATE, UINT64_MAX, "multiple memories",
                 (char *)NULL);
    cur_engine = NULL;
    raw(&b, F("\x04\x05\x01\x70\x01\x02\x01"));
    expect_error("table min > max", &b, WEFT_ERROR_VALIDATE, UINT64_MAX,
                 "size minimum must not be greater than maximum", (char *)NULL);
    /* Import of an unknown type. */
    raw(&b, F("\x02\x07\x01\x01\x6d\x01\x66\x00\x00"));
    expect_error("import type", &b, WEFT_ERROR_VALIDATE, UINT64_MAX, "unknown type",
                 (char *)NULL);
}

static void test_const_exprs(void)
{
    buf_t b;
    raw(&b, F("\x06\x06\x01\x7f\x00\x41\x05\x0b"));
    expect_valid("global const", &b);
    raw(&b, F("\x06\x06\x01\x7f\x00\x42\x05\x0b"));
    expect_error("global type", &b, WEFT_ERROR_VALIDATE, UINT64_MAX, "type mismatch",
                 (char *)NULL);
    raw(&b, F("\x06\x04\x01\x7f\x00\x0b"));
    expect_error("global empty", &b, WEFT_ERROR_VALIDATE, UINT64_MAX, "type mismatch",
                 (char *)NULL);
    raw(&b, F("\x06\x0b\x02\x7f\x00\x41\x00\x0b\x7f\x00\x23\x00\x0b"));
    expect_valid("global.get of an earlier global", &b);
    cur_engine = &wasm2_engine;
    expect_error("global.get of a defined global", &b, WEFT_ERROR_VALIDATE, UINT64_MAX,
                 "unknown global 0", (char *)NULL);
    cur_engine = NULL;
    raw(&b, F("\x06\x0b\x02\x7f\x00\x23\x01\x0b\x7f\x00\x41\x00\x0b"));
    expect_error("global.get of a later global", &b, WEFT_ERROR_VALIDATE, UINT64_MAX,
                 "unknown global 1", (char *)NULL);
    raw(&b, F("\x06\x09\x01\x7f\x00\x41\x00\x41\x00\x6a\x0b"));
    expect_valid("global add", &b);
    raw(&b, F("\x06\x09\x01\x7f\x00\x41\x00\x42\x00\x6a\x0b"));
    expect_error("global add i64", &b, WEFT_ERROR_VALIDATE, UINT64_MAX, "type mismatch",
                 (char *)NULL);
    raw(&b, F("\x06\x07\x01\x7f\x00\x41\x00\x6a\x0b"));
    expect_error("global add one operand", &b, WEFT_ERROR_VALIDATE, UINT64_MAX, "type mismatch",
                 (char *)NULL);
    raw(&b, F("\x06\x09\x01\x7f\x00\x41\x00\x41\x00\x6d\x0b"));
    expect_error("global div", &b, WEFT_ERROR_VALIDATE, UINT64_MAX,
                 "constant expression required", (char *)NULL);
    cur_engine = &wasm2_engine;
    raw(&b, F("\x06\x09\x01\x7f\x00\x41\x00\x41\x00\x6a\x0b"));
    expect_error("global add 2.0", &b, WEFT_ERROR_VALIDATE, UINT64_MAX,
                 "constant expression required", (char *)NULL);
    cur_engine = NULL;
    /* Imported mutable global read in an initializer. */
    raw(&b, F("\x02\x08\x01\x01\x6d\x01\x67\x03\x7f\x01\x06\x06\x01\x7f\x00\x23\x00\x0b"));
    expect_error("mutable import", &b, WEFT_ERROR_VALIDATE, UINT64_MAX,
                 "constant expression required", (char *)NULL);
    raw(&b, F("\x02\x08\x01\x01\x6d\x01\x67\x03\x7f\x00\x06\x06\x01\x7f\x00\x23\x00\x0b"));
    expect_valid("immutable import", &b);
    /* Data segment for a missing memory; offset of the wrong type. */
    raw(&b, F("\x0b\x07\x01\x00\x41\x00\x0b\x01\x61"));
    expect_error("data no memory", &b, WEFT_ERROR_VALIDATE, UINT64_MAX, "unknown memory 0",
                 (char *)NULL);
    raw(&b, F("\x05\x03\x01\x00\x01\x0b\x07\x01\x00\x42\x00\x0b\x01\x61"));
    expect_error("data offset type", &b, WEFT_ERROR_VALIDATE, UINT64_MAX, "type mismatch",
                 (char *)NULL);
    /* Element segment: active for table 0 that does not exist; function out of range. */
    raw(&b, F("\x09\x07\x01\x00\x41\x00\x0b\x01\x00"));
    expect_error("elem no table", &b, WEFT_ERROR_VALIDATE, UINT64_MAX, "unknown table 0",
              (char *)NULL);
    raw(&b, F("\x04\x04\x01\x70\x00\x01\x09\x07\x01\x00\x41\x00\x0b\x01\x03"));
    expect_error("elem function", &b, WEFT_ERROR_VALIDATE, UINT64_MAX, "unknown function 3",
                 (char *)NULL);
    /* externref segment into a funcref table. */
    raw(&b, F("\x04\x04\x01\x70\x00\x01\x09\x09\x01\x04\x41\x00\x0b\x01\xd0\x6f\x0b"));
    expect_error("elem expr type", &b, WEFT_ERROR_VALIDATE, UINT64_MAX, "type mismatch",
                 (char *)NULL);
}

/* Every allocation the validator makes may fail: it must report out-of-memory (never crash or
 * leak), and succeed once allocations succeed. */
static void test_alloc_failures(void)
{
    buf_t b;
    build(&b, F(FT_I), F("\x01\x02\x7e\x02\x7f\x41\x01\x04\x7f\x41\x02\x05\x41\x03\x0b\x0b\x0b"),
          WITH_MEMORY | WITH_GLOBALS);
    bool succeeded = false;
    for (long k = 1; k < 200 && !succeeded; k++) {
        counting_t c = {0, 0, 0};
        weft_module_t m;
        module_init(&m, &c, &b);
        weft_error_t *e = weft__module_decode(&m);
        CHECK(e == NULL);
        if (e) {
            weft_error_delete(e);
            weft__module_free(&m);
            return;
        }
        c.fail_at = c.calls + k;
        e = weft__module_validate(&m);
        if (e) {
            CHECK(weft_error_kind(e) == WEFT_ERROR_OOM);
            weft_error_delete(e);
        } else {
            succeeded = true;
        }
        weft__module_free(&m);
        CHECK(c.live == 0);
    }
    CHECK(succeeded);
}

/* A module with types 0 = [] -> [], 1 = [i32] -> [], 2 = [] -> [i32], tag 0 of type 1,
 * a 64-bit memory 0, a 32-bit memory 1, a table of funcref, and function 0 of type `ft`
 * (a type index) with `body`. */
static void build3(buf_t *b, uint8_t ft, const char *body, size_t bodyn)
{
    raw(b, F("\x01\x0c\x03\x60\x00\x00\x60\x01\x7f\x00\x60\x00\x01\x7f"));
    put(b, "\x03\x02\x01", 3);
    byte(b, ft);
    put(b, F("\x04\x04\x01\x70\x00\x01"));
    put(b, F("\x05\x05\x02\x04\x01\x00\x01"));
    put(b, F("\x0d\x03\x01\x00\x01"));
    buf_t s;
    s.n = 0;
    byte(&s, 1);
    uleb(&s, bodyn);
    put(&s, body, bodyn);
    section(b, 10, &s);
}

#define VALID3(what, ft, body)                                                                 \
    do {                                                                                       \
        buf_t b_;                                                                              \
        build3(&b_, ft, F(body));                                                              \
        expect_valid(what, &b_);                                                               \
    } while (0)
#define INVALID3(what, ft, body, ...)                                                          \
    do {                                                                                       \
        buf_t b_;                                                                              \
        build3(&b_, ft, F(body));                                                              \
        expect_error(what, &b_, WEFT_ERROR_VALIDATE, UINT64_MAX, __VA_ARGS__, (char *)NULL);   \
    } while (0)

static void test_wasm3(void)
{
    /* Exceptions: throw 0 takes an i32; try_table catch 0 -> label of [i32]. */
    VALID3("throw", 0, "\x00\x41\x01\x08\x00\x0b");
    INVALID3("throw no operand", 0, "\x00\x08\x00\x0b", "type mismatch");
    INVALID3("throw unknown tag", 0, "\x00\x08\x01\x0b", "unknown tag 1");
    /* block (result i32) try_table (catch 0 0) end unreachable end drop */
    VALID3("try_table catch", 0, "\x00\x02\x7f\x1f\x40\x01\x00\x00\x00\x0b\x00\x0b\x1a\x0b");
    /* the same with catch_ref: the label must also take an exnref */
    INVALID3("try_table catch_ref", 0,
             "\x00\x02\x7f\x1f\x40\x01\x01\x00\x00\x0b\x00\x0b\x1a\x0b", "type mismatch");
    /* block (result exnref) try_table (catch_all_ref 0) end unreachable end throw_ref */
    VALID3("catch_all_ref + throw_ref", 0,
           "\x00\x02\x69\x1f\x40\x01\x03\x00\x0b\x00\x0b\x0a\x0b");
    INVALID3("throw_ref i32", 0, "\x00\x41\x00\x0a\x0b", "type mismatch");
    INVALID3("catch label", 0, "\x00\x1f\x40\x01\x02\x01\x0b\x0b", "unknown label 1");
    /* legacy: try catch 0 drop catch_all end; try delegate 0; rethrow outside catch */
    VALID3("legacy try", 0, "\x00\x06\x40\x07\x00\x1a\x19\x0b\x06\x40\x18\x00\x0b");
    VALID3("rethrow", 0, "\x00\x06\x40\x19\x09\x00\x0b\x0b");
    INVALID3("rethrow label", 0, "\x00\x06\x40\x09\x00\x0b\x0b", "invalid rethrow label");
    INVALID3("delegate label", 0, "\x00\x06\x40\x18\x01\x0b", "unknown label 1");
    /* Tail calls. */
    VALID3("return_call", 0, "\x00\x12\x00\x0b");
    INVALID3("return_call results", 2, "\x00\x41\x00\x13\x00\x00\x0b", "type mismatch");
    VALID3("return_call_indirect", 0, "\x00\x41\x00\x13\x00\x00\x0b");
    /* Memories: memory 0 is 64-bit (i64 addresses), memory 1 32-bit. */
    VALID3("load64", 2, "\x00\x42\x00\x28\x02\x00\x0b");
    INVALID3("load64 i32 address", 2, "\x00\x41\x00\x28\x02\x00\x0b", "type mismatch");
    VALID3("load mem 1", 2, "\x00\x41\x00\x28\x42\x01\x00\x0b");
    INVALID3("load mem 2", 2, "\x00\x41\x00\x28\x42\x02\x00\x0b", "unknown memory 2");
    INVALID3("offset range", 2, "\x00\x41\x00\x28\x42\x01\x80\x80\x80\x80\x10\x0b",
             "offset out of range");
    VALID3("big offset64", 2, "\x00\x42\x00\x28\x02\x80\x80\x80\x80\x10\x0b");
    VALID3("memory.size", 0, "\x00\x3f\x00\x1a\x3f\x01\x1a\x0b");
    /* memory.copy 1 <- 0: [i32 i64 i32] */
    VALID3("memory.copy", 0, "\x00\x41\x00\x42\x00\x41\x00\xfc\x0a\x01\x00\x0b");
    INVALID3("memory.copy n", 0, "\x00\x41\x00\x42\x00\x42\x00\xfc\x0a\x01\x00\x0b",
             "type mismatch");
    /* Tags must not have results. */
    buf_t b;
    raw(&b, F("\x01\x05\x01\x60\x00\x01\x7f\x0d\x03\x01\x00\x00"));
    expect_error("tag results", &b, WEFT_ERROR_VALIDATE, UINT64_MAX, "non-empty tag result type",
                 (char *)NULL);
    raw(&b, F("\x01\x04\x01\x60\x00\x00\x07\x05\x01\x01\x74\x04\x00"));
    expect_error("export unknown tag", &b, WEFT_ERROR_VALIDATE, UINT64_MAX, "unknown tag 0",
                 (char *)NULL);
    /* Data segment of a 64-bit memory: i64 offset. */
    raw(&b, F("\x05\x03\x01\x04\x01\x0b\x07\x01\x00\x42\x00\x0b\x01\x61"));
    expect_valid("data64", &b);
    raw(&b, F("\x05\x03\x01\x04\x01\x0b\x07\x01\x00\x41\x00\x0b\x01\x61"));
    expect_error("data64 i32", &b, WEFT_ERROR_VALIDATE, UINT64_MAX, "type mismatch", (char *)NULL);
    cur_engine = &wasm2_engine;
    raw(&b, F("\x05\x03\x01\x04\x01"));
    expect_error("memory64 2.0", &b, WEFT_ERROR_VALIDATE, UINT64_MAX, "64-bit", (char *)NULL);
    cur_engine = NULL;
}

/* Threads proposal: shared memories need a maximum, tables cannot be shared, and atomic
 * instructions (prefix 0xfe) are not supported. */
static void test_shared(void)
{
    buf_t b;
    raw(&b, F("\x05\x04\x01\x03\x01\x02"));
    expect_valid("shared memory", &b);
    raw(&b, F("\x05\x04\x01\x07\x01\x02"));
    expect_valid("shared memory64", &b);
    raw(&b, F("\x02\x0b\x01\x01m\x03mem\x02\x03\x01\x01"));
    expect_valid("shared memory import", &b);
    raw(&b, F("\x05\x03\x01\x02\x01"));
    expect_error("shared no max", &b, WEFT_ERROR_VALIDATE, UINT64_MAX,
                 "shared memory must have maximum", (char *)NULL);
    raw(&b, F("\x05\x03\x01\x06\x01"));
    expect_error("shared64 no max", &b, WEFT_ERROR_VALIDATE, UINT64_MAX,
                 "shared memory must have maximum", (char *)NULL);
    raw(&b, F("\x02\x0a\x01\x01m\x03mem\x02\x02\x01"));
    expect_error("shared import no max", &b, WEFT_ERROR_VALIDATE, UINT64_MAX,
                 "shared memory must have maximum", (char *)NULL);
    raw(&b, F("\x05\x04\x01\x03\x02\x01"));
    expect_error("shared min > max", &b, WEFT_ERROR_VALIDATE, UINT64_MAX,
                 "size minimum must not be greater than maximum", (char *)NULL);
    raw(&b, F("\x05\x06\x01\x03\x01\x81\x80\x04"));
    expect_error("shared max range", &b, WEFT_ERROR_VALIDATE, UINT64_MAX,
                 "memory size must be at most 65536 pages", (char *)NULL);
    raw(&b, F("\x04\x05\x01\x70\x03\x00\x01"));
    expect_error("shared table", &b, WEFT_ERROR_VALIDATE, UINT64_MAX, "tables cannot be shared",
                 (char *)NULL);
    /* atomic.fence in a module with a shared memory */
    raw(&b, F("\x01\x04\x01\x60\x00\x00\x03\x02\x01\x00\x05\x04\x01\x03\x01\x01"
              "\x0a\x07\x01\x05\x00\xfe\x03\x00\x0b"));
    expect_error("atomic.fence", &b, WEFT_ERROR_DECODE, UINT64_MAX, "illegal opcode",
                 (char *)NULL);
    cur_engine = &wasm2_engine;
    raw(&b, F("\x05\x04\x01\x03\x01\x02"));
    expect_error("shared memory 2.0", &b, WEFT_ERROR_DECODE, 11, "integer too large",
                 (char *)NULL);
    cur_engine = NULL;
}

/* ---- typed function references (Wasm 3.0) --------------------------------------------- */

/* A module of the type section payload `types` and one function of type `ft` with body
 * `body` (locals, then code). With a type section of n bytes (n < 128), the body starts at byte
 * offset 18 + n. */
static void build_fr(buf_t *b, const char *types, size_t ntypes, uint8_t ft, const char *body,
                     size_t bodyn)
{
    buf_t s;
    b->n = 0;
    put(b, "\0asm\1\0\0\0", 8);
    s.n = 0;
    put(&s, types, ntypes);
    section(b, 1, &s);
    s.n = 0;
    byte(&s, 1);
    byte(&s, ft);
    section(b, 3, &s);
    s.n = 0;
    byte(&s, 1);
    uleb(&s, bodyn);
    put(&s, body, bodyn);
    section(b, 10, &s);
}

#define FR_VALID(what, types, ft, body)                                                         \
    do {                                                                                       \
        buf_t b_;                                                                              \
        build_fr(&b_, F(types), ft, F(body));                                                  \
        expect_valid(what, &b_);                                                               \
    } while (0)
#define FR_INVALID(what, types, ft, body, offset, ...)                                          \
    do {                                                                                       \
        buf_t b_;                                                                              \
        build_fr(&b_, F(types), ft, F(body));                                                  \
        expect_error(what, &b_, WEFT_ERROR_VALIDATE, offset, __VA_ARGS__, (char *)NULL);       \
    } while (0)

/* type 0 = [] -> [] */
#define T1 "\x01\x60\x00\x00"
/* type 0 = [] -> [], type 1 = [(ref null 0)] -> [] */
#define T2 "\x02\x60\x00\x00\x60\x01\x63\x00\x00"

static void test_funcrefs(void)
{
    /* call_ref 0 on a (ref null 0) parameter; body at 27 */
    FR_VALID("call_ref", T2, 1, "\x00\x20\x00\x14\x00\x0b");
    FR_INVALID("call_ref i32", T2, 1, "\x00\x41\x00\x14\x00\x0b", 30, "type mismatch",
               "(call_ref)", "expected (ref null 0), found i32");
    FR_INVALID("call_ref unknown type", T2, 1, "\x00\x20\x00\x14\x05\x0b", 30, "unknown type 5");
    FR_VALID("return_call_ref", T2, 1, "\x00\x20\x00\x15\x00\x0b");
    /* Non-defaultable locals (3.4.1): (local (ref 0)); body at 22 */
    FR_INVALID("uninitialized local", T1, 0, "\x01\x01\x64\x00\x20\x00\x1a\x0b", 26,
               "uninitialized local", "(local.get)");
    FR_VALID("initialized local", T1, 0,
             "\x01\x01\x64\x00\xd0\x00\xd4\x21\x00\x20\x00\x1a\x0b");
    /* set inside a block: unset again after its end */
    FR_INVALID("local set in block", T1, 0,
               "\x01\x01\x64\x00\x02\x40\xd0\x00\xd4\x21\x00\x0b\x20\x00\x1a\x0b", 34,
               "uninitialized local");
    FR_VALID("local.tee in block", T1, 0,
             "\x01\x01\x64\x00\x02\x40\xd0\x00\xd4\x22\x00\x20\x00\x1a\x1a\x0b\x0b");
    FR_INVALID("unknown type in local", T1, 0, "\x01\x01\x64\x07\x0b", UINT64_MAX,
               "unknown type 7");
    /* br_on_null / br_on_non_null / ref.as_non_null */
    FR_VALID("br_on_null", T1, 0, "\x00\xd0\x00\xd5\x00\x1a\x0b");
    FR_INVALID("br_on_non_null arity", T1, 0, "\x00\xd0\x00\xd6\x00\x0b", 25, "type mismatch",
               "(br_on_non_null)");
    /* block (result (ref 0)) ref.null 0 br_on_non_null 0 unreachable end drop */
    FR_VALID("br_on_non_null", T1, 0, "\x00\x02\x64\x00\xd0\x00\xd6\x00\x00\x0b\x1a\x0b");
    FR_INVALID("ref.as_non_null i32", T1, 0, "\x00\x41\x00\xd4\x1a\x0b", 25, "type mismatch",
               "expected a reference");
    /* Subtyping: (ref 0) <: funcref, not externref; (ref null 0) is not (ref 0). */
    FR_VALID("ref <: funcref", "\x02\x60\x00\x00\x60\x00\x01\x70", 1, "\x00\xd0\x00\xd4\x0b");
    FR_INVALID("ref </: externref", "\x02\x60\x00\x00\x60\x00\x01\x6f", 1,
               "\x00\xd0\x00\xd4\x0b", UINT64_MAX, "type mismatch",
               "expected externref, found (ref 0)");
    FR_INVALID("null </: non-null", "\x02\x60\x00\x00\x60\x00\x02\x64\x00\x7f", 1,
               "\x00\xd0\x00\x41\x00\x0b", UINT64_MAX, "type mismatch",
               "found (ref null 0)");
    /* ref.func has the function's own type: valid as (ref 0) once declared */
    buf_t b;
    raw(&b, F("\x01\x08\x02\x60\x00\x00\x60\x00\x01\x70\x03\x03\x02\x00\x01"
              "\x09\x05\x01\x03\x00\x01\x00"
              "\x0a\x09\x02\x02\x00\x0b\x04\x00\xd2\x00\x0b"));
    expect_valid("ref.func typed", &b);

    /* Recursive types and subtypes (module level). */
    raw(&b, F("\x01\x0c\x02\x50\x00\x60\x00\x00\x50\x01\x00\x60\x00\x00"));
    expect_valid("sub", &b);
    raw(&b, F("\x01\x0c\x02\x4f\x00\x60\x00\x00\x50\x01\x00\x60\x00\x00"));
    expect_error("sub of final", &b, WEFT_ERROR_VALIDATE, UINT64_MAX, "sub type", "type 1",
                 "supertype 0 is final", (char *)NULL);
    raw(&b, F("\x01\x0d\x02\x50\x00\x60\x00\x00\x50\x01\x00\x60\x01\x7f\x00"));
    expect_error("sub mismatch", &b, WEFT_ERROR_VALIDATE, UINT64_MAX, "sub type",
                 "does not match supertype 0", (char *)NULL);
    raw(&b, F("\x01\x07\x01\x50\x01\x00\x60\x00\x00"));
    expect_error("sub of itself", &b, WEFT_ERROR_VALIDATE, UINT64_MAX, "unknown type 0",
                 (char *)NULL);
    raw(&b, F("\x01\x09\x02\x60\x01\x64\x01\x00\x60\x00\x00"));
    expect_error("forward reference", &b, WEFT_ERROR_VALIDATE, UINT64_MAX, "unknown type 1",
                 (char *)NULL);
    raw(&b, F("\x01\x0b\x01\x4e\x02\x60\x01\x64\x01\x00\x60\x00\x00"));
    expect_valid("reference within rec", &b);
    raw(&b, F("\x01\x03\x01\x5f\x00"));
    expect_error("struct", &b, WEFT_ERROR_VALIDATE, UINT64_MAX, "unsupported GC type",
                 (char *)NULL);
    /* Type equivalence: two rec groups of the same shape give equivalent types, so a
     * (ref null 0) parameter takes (ref null 2) (iso-recursive equivalence). */
    raw(&b, F("\x01\x16\x03\x4e\x02\x60\x00\x00\x60\x00\x00\x4e\x02\x60\x00\x00\x60\x00\x00"
              "\x60\x01\x63\x00\x00\x03\x02\x01\x04"
              "\x0a\x08\x01\x06\x00\xd0\x02\x14\x00\x0b"));
    expect_valid("equivalent groups", &b);
    /* ... but not at another position of the group: (ref null 3) is not (ref null 0) */
    raw(&b, F("\x01\x16\x03\x4e\x02\x60\x00\x00\x60\x00\x00\x4e\x02\x60\x00\x00\x60\x00\x00"
              "\x60\x01\x63\x00\x00\x03\x02\x01\x04"
              "\x0a\x08\x01\x06\x00\xd0\x03\x14\x00\x0b"));
    expect_error("other position", &b, WEFT_ERROR_VALIDATE, 43, "type mismatch", (char *)NULL);
    /* A table of a non-defaultable type needs an initialiser. */
    raw(&b, F("\x01\x04\x01\x60\x00\x00\x04\x05\x01\x64\x00\x00\x01"));
    expect_error("table no init", &b, WEFT_ERROR_VALIDATE, UINT64_MAX, "type mismatch",
                 "needs an initialiser", (char *)NULL);
    raw(&b, F("\x01\x04\x01\x60\x00\x00\x04\x0a\x01\x40\x00\x63\x00\x00\x01\xd0\x00\x0b"));
    expect_valid("table init", &b);
    raw(&b, F("\x01\x04\x01\x60\x00\x00\x04\x0a\x01\x40\x00\x64\x00\x00\x01\xd0\x00\x0b"));
    expect_error("table init null", &b, WEFT_ERROR_VALIDATE, UINT64_MAX, "type mismatch",
                 (char *)NULL);

    /* Under Wasm 2.0 the new opcodes and types are malformed. */
    cur_engine = &wasm2_engine;
    build_fr(&b, F(T1), 0, F("\x00\xd0\x70\xd4\x0b"));
    expect_error("ref.as_non_null 2.0", &b, WEFT_ERROR_DECODE, 25, "illegal opcode",
                 (char *)NULL);
    build_fr(&b, F(T2), 1, F("\x00\x0b"));
    expect_error("ref null 2.0", &b, WEFT_ERROR_DECODE, 16, "malformed value type",
                 (char *)NULL);
    cur_engine = NULL;
}

int main(void)
{
    wasm2_engine.config.disabled_features = WEFT_FEATURES_POST_WASM2;
    test_wasm3();
    test_shared();
    test_funcrefs();
    test_numeric();
    test_polymorphic();
    test_control();
    test_variables();
    test_memory();
    test_tables_refs();
    test_simd();
    test_malformed_bodies();
    test_module_rules();
    test_const_exprs();
    test_alloc_failures();
    return test_report("test_validate");
}
