/* test_decode.c - unit tests of the core binary decoder (src/core/decode*.c): hand-written
 * binaries covering every section kind, malformed binaries with their reason and byte offset,
 * the name section, and allocation failures at every step. Builds the module struct itself so
 * it depends only on the decoder and src/util. */
#include "core/module.h"
#include "core/runtime.h"
#include "test_binary.h"
#include "util/error.h"

/* The engine modules are decoded for: NULL (every feature), wasm2_engine, whose configuration
 * disables every feature past Wasm 2.0 (Wasm 2.0 rules), or unshared_engine (Wasm 3.0 without
 * the threads proposal's shared memories). */
static struct weft_engine wasm2_engine;
static struct weft_engine unshared_engine;
static weft_engine_t *cur_engine;

static void module_init(weft_module_t *m, counting_t *c, const buf_t *b)
{
    module_init_for(m, cur_engine, c, b);
}

/* Decodes b and expects failure with `reason` (a prefix of the message) at `offset`. */
static void expect_malformed(const char *what, const buf_t *b, const char *reason, uint64_t offset)
{
    counting_t c = {0, 0, 0};
    weft_module_t m;
    module_init(&m, &c, b);
    weft_error_t *e = weft__module_decode(&m);
    if (!e) {
        fprintf(stderr, "%s: decoded, expected \"%s\"\n", what, reason);
        failures++;
    } else {
        const char *msg = weft_error_message(e);
        if (weft_error_kind(e) != WEFT_ERROR_DECODE || strncmp(msg, reason, strlen(reason)) != 0 ||
            weft_error_offset(e) != offset) {
            fprintf(stderr, "%s: got \"%s\" (kind %d, offset %llu), expected \"%s\" at %llu\n",
                    what, msg, (int)weft_error_kind(e),
                    (unsigned long long)weft_error_offset(e), reason,
                    (unsigned long long)offset);
            failures++;
        }
        weft_error_delete(e);
    }
    weft__module_free(&m);
    if (c.live != 0) {
        fprintf(stderr, "%s: %ld allocations leaked\n", what, c.live);
        failures++;
    }
}

static void expect_ok(const char *what, const buf_t *b)
{
    counting_t c = {0, 0, 0};
    weft_module_t m;
    module_init(&m, &c, b);
    weft_error_t *e = weft__module_decode(&m);
    if (e) {
        fprintf(stderr, "%s: unexpected error \"%s\"\n", what, weft_error_message(e));
        failures++;
        weft_error_delete(e);
    }
    weft__module_free(&m);
    CHECK(c.live == 0);
}

/* ---- a module with every section ------------------------------------------------------------ */

static void build_full(buf_t *out)
{
    buf_t s;
    header(out);

    s.n = 0; /* a custom section before everything */
    str(&s, "first");
    bytes(&s, 3, 1, 2, 3);
    section(out, 0, &s);

    s.n = 0; /* types: 0 = (i32 i64) -> (f32), 1 = () -> (), 2 = (v128) -> (v128 i32) */
    uleb(&s, 3);
    bytes(&s, 6, 0x60, 2, 0x7f, 0x7e, 1, 0x7d);
    bytes(&s, 3, 0x60, 0, 0);
    bytes(&s, 6, 0x60, 1, 0x7b, 2, 0x7b, 0x7f);
    section(out, 1, &s);

    s.n = 0; /* imports: func, table, memory, global */
    uleb(&s, 4);
    str(&s, "env"); str(&s, "f"); bytes(&s, 2, 0x00, 0);
    str(&s, "env"); str(&s, "t"); bytes(&s, 5, 0x01, 0x70, 0x01, 1, 10);
    str(&s, "env"); str(&s, "m"); bytes(&s, 3, 0x02, 0x00, 1);
    str(&s, "env"); str(&s, "g"); bytes(&s, 3, 0x03, 0x7f, 0x00);
    section(out, 2, &s);

    s.n = 0; /* functions 1 and 2, type 1 */
    bytes(&s, 3, 2, 1, 1);
    section(out, 3, &s);

    s.n = 0; /* table 1: externref, min 0 */
    bytes(&s, 4, 1, 0x6f, 0x00, 0);
    section(out, 4, &s);

    s.n = 0; /* memory 1: 64-bit limits 2..3 (decodes; the validator decides) */
    bytes(&s, 4, 1, 0x05, 2, 3);
    section(out, 5, &s);

    s.n = 0; /* globals 1 (mutable i32 = 5), 2 (funcref = ref.func 1) */
    uleb(&s, 2);
    bytes(&s, 5, 0x7f, 0x01, 0x41, 5, 0x0b);
    bytes(&s, 5, 0x70, 0x00, 0xd2, 1, 0x0b);
    section(out, 6, &s);

    s.n = 0; /* exports */
    uleb(&s, 2);
    str(&s, "run"); bytes(&s, 2, 0x00, 2);
    str(&s, "mem"); bytes(&s, 2, 0x02, 0);
    section(out, 7, &s);

    s.n = 0; /* start: function 2 */
    uleb(&s, 2);
    section(out, 8, &s);

    s.n = 0; /* elements: all eight forms */
    uleb(&s, 8);
    bytes(&s, 6, 0, 0x41, 0, 0x0b, 1, 0);                    /* 0: active t0, funcs [0] */
    bytes(&s, 4, 1, 0x00, 1, 1);                             /* 1: passive, funcs [1] */
    bytes(&s, 7, 2, 0, 0x41, 1, 0x0b, 0x00, 0);              /* 2: active t0, kind, [] */
    bytes(&s, 4, 3, 0x00, 1, 2);                             /* 3: declarative, funcs [2] */
    bytes(&s, 8, 4, 0x41, 2, 0x0b, 1, 0xd2, 0, 0x0b);        /* 4: active t0, exprs */
    bytes(&s, 6, 5, 0x70, 1, 0xd0, 0x70, 0x0b);              /* 5: passive, exprs */
    bytes(&s, 9, 6, 1, 0x41, 0, 0x0b, 0x6f, 1, 0xd0, 0x6f);  /* 6: active t1, exprs ... */
    byte(&s, 0x0b);
    bytes(&s, 6, 7, 0x70, 1, 0x23, 0, 0x0b);                 /* 7: declarative, global.get */
    section(out, 9, &s);

    s.n = 0; /* data count */
    uleb(&s, 3);
    section(out, 12, &s);

    s.n = 0; /* code */
    uleb(&s, 2);
    {
        buf_t f;
        f.n = 0; /* function 1: locals 2 x i32, 1 x f64; structured control and prefixes */
        bytes(&f, 5, 2, 2, 0x7f, 1, 0x7c);
        bytes(&f, 4, 0x02, 0x40, 0x03, 0x7f);        /* block, loop (result i32) */
        bytes(&f, 2, 0x41, 1);                       /* i32.const 1 */
        bytes(&f, 4, 0x04, 0x40, 0x01, 0x05);        /* if nop else */
        bytes(&f, 2, 0x01, 0x0b);                    /* nop end */
        bytes(&f, 5, 0x0e, 1, 0, 1, 0x0b);           /* br_table [0] 1, end loop */
        bytes(&f, 2, 0x1a, 0x0b);                    /* drop, end block */
        bytes(&f, 3, 0x41, 0, 0x41);                 /* i32.const 0, i32.const 0 */
        bytes(&f, 3, 0, 0x41, 0);                    /* i32.const 0 */
        bytes(&f, 4, 0xfc, 8, 0, 0);                 /* memory.init 0 */
        bytes(&f, 3, 0xfc, 9, 1);                    /* data.drop 1 */
        byte(&f, 0xfd); byte(&f, 0x0c);              /* v128.const */
        for (int i = 0; i < 16; i++) byte(&f, (uint8_t)i);
        bytes(&f, 4, 0xfd, 0x15, 3, 0x1a);           /* i8x16.extract_lane_s 3, drop */
        bytes(&f, 3, 0x3f, 0x00, 0x1a);              /* memory.size, drop */
        bytes(&f, 4, 0x41, 0, 0x28, 2);              /* i32.const 0, i32.load align 2 */
        bytes(&f, 2, 0, 0x1a);                       /* offset 0, drop */
        byte(&f, 0x0b);
        uleb(&s, f.n);
        put(&s, f.b, f.n);
        f.n = 0; /* function 2: empty */
        bytes(&f, 2, 0, 0x0b);
        uleb(&s, f.n);
        put(&s, f.b, f.n);
    }
    section(out, 10, &s);

    s.n = 0; /* data: the three forms */
    uleb(&s, 3);
    bytes(&s, 6, 0, 0x41, 8, 0x0b, 2, 'h'); byte(&s, 'i');
    bytes(&s, 3, 1, 1, 'x');
    bytes(&s, 6, 2, 1, 0x42, 0, 0x0b, 0);
    section(out, 11, &s);

    s.n = 0; /* name section: module name, function names */
    str(&s, "name");
    {
        buf_t sub;
        sub.n = 0;
        str(&sub, "mod");
        byte(&s, 0); uleb(&s, sub.n); put(&s, sub.b, sub.n);
        sub.n = 0;
        uleb(&sub, 2);
        uleb(&sub, 0); str(&sub, "imported");
        uleb(&sub, 2); str(&sub, "run");
        byte(&s, 1); uleb(&s, sub.n); put(&s, sub.b, sub.n);
    }
    section(out, 0, &s);
}

static int name_is(weft_name_t n, const char *s)
{
    return n.ptr && n.len == strlen(s) && memcmp(n.ptr, s, n.len) == 0;
}

static void test_full(void)
{
    buf_t b;
    build_full(&b);
    counting_t c = {0, 0, 0};
    weft_module_t m;
    module_init(&m, &c, &b);
    weft_error_t *e = weft__module_decode(&m);
    if (e) {
        fprintf(stderr, "full module: %s\n", weft_error_message(e));
        failures++;
        weft_error_delete(e);
        weft__module_free(&m);
        return;
    }
    CHECK(m.ntypes == 3);
    CHECK(m.types[0].nparams == 2 && m.types[0].params[1] == WEFT_T_I64);
    CHECK(m.types[0].nresults == 1 && m.types[0].results[0] == WEFT_T_F32);
    CHECK(m.types[2].param_slots == 2 && m.types[2].result_slots == 3);
    CHECK(m.nimports == 4);
    CHECK(m.nfunc_imports == 1 && m.ntable_imports == 1 && m.nmemory_imports == 1);
    CHECK(m.nglobal_imports == 1);
    CHECK(name_is(m.imports[1].module, "env") && name_is(m.imports[1].name, "t"));
    CHECK(m.imports[1].kind == WEFT_EXTERN_TABLE);
    CHECK(m.imports[1].desc.table.limits.has_max && m.imports[1].desc.table.limits.max == 10);
    CHECK(m.nfuncs == 3 && m.func_types[0] == 0 && m.func_types[1] == 1 && m.func_types[2] == 1);
    CHECK(m.ntables == 2 && m.tables[0].elem == WEFT_T_FUNCREF);
    CHECK(m.tables[1].elem == WEFT_T_EXTERNREF && !m.tables[1].limits.has_max);
    CHECK(m.nmemories == 2 && m.memories[0].limits.min == 1 && !m.memories[0].limits.is64);
    CHECK(m.memories[1].limits.is64 && m.memories[1].limits.min == 2);
    CHECK(m.memories[1].limits.max == 3);
    CHECK(m.nglobals == 3 && !m.globals[0].mut && m.globals[1].mut);
    CHECK(m.globals[2].type == WEFT_T_FUNCREF);
    CHECK(m.global_inits[0].len == 3 && m.bytes[m.global_inits[0].offset] == 0x41);
    CHECK(m.nexports == 2 && name_is(m.exports[0].name, "run") && m.exports[0].index == 2);
    CHECK(m.exports[1].kind == WEFT_EXTERN_MEMORY);
    CHECK(m.has_start && m.start == 2);
    CHECK(m.nelems == 8);
    CHECK(m.elems[0].mode == WEFT_SEG_ACTIVE && m.elems[0].count == 1 && m.elems[0].func_indices);
    CHECK(m.elems[0].offset.len == 3);
    CHECK(m.elems[1].mode == WEFT_SEG_PASSIVE && m.elems[1].func_indices[0] == 1);
    CHECK(m.elems[2].mode == WEFT_SEG_ACTIVE && m.elems[2].count == 0);
    CHECK(!m.elems[2].func_indices && !m.elems[2].exprs);
    CHECK(m.elems[3].mode == WEFT_SEG_DECLARATIVE && m.elems[3].func_indices[0] == 2);
    CHECK(m.elems[4].exprs && m.elems[4].exprs[0].len == 3 && m.elems[4].type == WEFT_T_FUNCREF);
    CHECK(m.elems[5].mode == WEFT_SEG_PASSIVE && m.elems[5].exprs[0].len == 3);
    CHECK(m.elems[6].table == 1 && m.elems[6].type == WEFT_T_EXTERNREF);
    CHECK(m.elems[7].mode == WEFT_SEG_DECLARATIVE && m.elems[7].exprs[0].len == 3);
    CHECK(m.has_datacount && m.datacount == 3 && m.ndatas == 3);
    CHECK(m.datas[0].mode == WEFT_SEG_ACTIVE && m.datas[0].len == 2);
    CHECK(memcmp(m.bytes + m.datas[0].data_offset, "hi", 2) == 0);
    CHECK(m.datas[1].mode == WEFT_SEG_PASSIVE && m.bytes[m.datas[1].data_offset] == 'x');
    CHECK(m.datas[2].memory == 1 && m.datas[2].len == 0 && m.datas[2].offset.len == 3);
    CHECK(m.nbodies == 2 && m.bodies[0].nlocal_groups == 2 && m.bodies[0].nlocals == 3);
    CHECK(m.bodies[0].local_groups[1].type == WEFT_T_F64);
    CHECK(m.bytes[m.bodies[0].code_offset] == 0x02 && m.bytes[m.bodies[0].code_end - 1] == 0x0b);
    CHECK(m.bodies[1].code_end - m.bodies[1].code_offset == 1);
    /* C.refs: ref.func 1 in a global, export of 2, element indices 0..2. */
    CHECK(m.declared_funcs && m.declared_funcs[0] == 0x07);
    CHECK(name_is(m.module_name, "mod"));
    CHECK(m.nfunc_names == 3);
    CHECK(name_is(weft__module_func_name(&m, 0), "imported"));
    CHECK(weft__module_func_name(&m, 1).len == 0);
    CHECK(name_is(weft__module_func_name(&m, 2), "run"));
    CHECK(weft__module_func_name(&m, 99).len == 0);
    weft__module_free(&m);
    CHECK(c.live == 0);
}

/* Every allocation of the full module fails in turn: an out-of-memory error, no leak. */
static void test_alloc_failures(void)
{
    buf_t b;
    build_full(&b);
    for (long n = 2;; n++) { /* allocation 1 is the copy of the bytes */
        counting_t c = {0, 0, n};
        weft_module_t m;
        module_init(&m, &c, &b);
        weft_error_t *e = weft__module_decode(&m);
        bool done = c.calls < n; /* nothing failed: every allocation was tried */
        if (e) {
            CHECK(weft_error_kind(e) == WEFT_ERROR_OOM);
            weft_error_delete(e);
        } else {
            CHECK(done || m.nfunc_names == 0); /* only the optional names may be dropped */
        }
        weft__module_free(&m);
        if (c.live != 0) {
            fprintf(stderr, "allocation failure %ld: %ld leaked\n", n, c.live);
            failures++;
        }
        if (done) break;
    }
}

/* ---- malformed binaries ------------------------------------------------------------------- */

static void test_malformed(void)
{
    buf_t b, s;

    b.n = 0;
    expect_malformed("empty", &b, "unexpected end", 0);
    put(&b, "\0as", 3);
    expect_malformed("short magic", &b, "unexpected end", 3);
    b.n = 0;
    put(&b, "\0asn\1\0\0\0", 8);
    expect_malformed("magic", &b, "magic header not detected", 0);
    b.n = 0;
    put(&b, "\0asm\2\0\0\0", 8);
    expect_malformed("version", &b, "unknown binary version", 4);
    b.n = 0;
    put(&b, "\0asm\1\0", 6);
    expect_malformed("short version", &b, "unexpected end", 6);

    header(&b);
    bytes(&b, 2, 0x0e, 0x00);
    expect_malformed("section id", &b, "malformed section id", 8);
    cur_engine = &wasm2_engine; /* the tag section (13) is Wasm 3.0 */
    header(&b);
    bytes(&b, 2, 0x0d, 0x00);
    expect_malformed("section id 2.0", &b, "malformed section id", 8);
    cur_engine = NULL;

    header(&b);
    bytes(&b, 3, 0x01, 0x05, 0x00); /* type section of 5 bytes, 1 given */
    expect_malformed("section too long", &b, "length out of bounds", 9);

    header(&b);
    bytes(&b, 5, 0x01, 0x02, 0x00, 0x08, 0x00); /* empty type vector in a 2-byte section */
    expect_malformed("size mismatch", &b, "section size mismatch", 10);

    header(&b);
    bytes(&b, 6, 0x03, 0x01, 0x00, 0x01, 0x01, 0x00);
    expect_malformed("order", &b, "unexpected content after last section", 11);

    header(&b);
    bytes(&b, 6, 0x08, 0x01, 0x00, 0x08, 0x01, 0x00);
    expect_malformed("duplicate", &b, "unexpected content after last section", 11);

    header(&b);
    bytes(&b, 3, 0x01, 0x01, 0x05); /* 5 types in a 1-byte section */
    expect_malformed("count", &b, "length out of bounds", 10);

    header(&b);
    bytes(&b, 7, 0x01, 0x05, 0x01, 0x60, 0x01, 0x80, 0x00);
    expect_malformed("value type leb", &b, "integer representation too long", 14);

    header(&b);
    bytes(&b, 6, 0x01, 0x04, 0x01, 0x60, 0x01, 0x6e);
    expect_malformed("value type", &b, "malformed value type", 13);

    header(&b);
    bytes(&b, 5, 0x01, 0x03, 0x01, 0x61, 0x00);
    expect_malformed("func type form", &b, "malformed function type", 11);

    header(&b);
    bytes(&b, 7, 0x02, 0x05, 0x01, 0x01, 0xff, 0x00, 0x00);
    expect_malformed("utf8", &b, "malformed UTF-8 encoding", 11);

    header(&b);
    bytes(&b, 7, 0x02, 0x05, 0x01, 0x00, 0x00, 0x05, 0x00);
    expect_malformed("import kind", &b, "malformed import kind", 13);
    cur_engine = &wasm2_engine;
    header(&b);
    bytes(&b, 7, 0x02, 0x05, 0x01, 0x00, 0x00, 0x04, 0x00);
    expect_malformed("import kind 2.0", &b, "malformed import kind", 13);
    cur_engine = NULL;
    header(&b);
    bytes(&b, 8, 0x02, 0x06, 0x01, 0x00, 0x00, 0x04, 0x01, 0x00);
    expect_malformed("tag attribute", &b, "malformed tag attribute", 14);

    header(&b);
    bytes(&b, 9, 0x06, 0x06, 0x01, 0x7f, 0x02, 0x41, 0x00, 0x0b, 0x00);
    expect_malformed("mutability", &b, "malformed mutability", 12);

    cur_engine = &wasm2_engine;
    header(&b);
    bytes(&b, 4, 0x05, 0x02, 0x01, 0x02);
    expect_malformed("shared limits", &b, "integer too large", 11);

    header(&b);
    bytes(&b, 6, 0x05, 0x04, 0x01, 0x81, 0x00, 0x00);
    expect_malformed("limits leb", &b, "integer representation too long", 12);
    cur_engine = NULL;
    header(&b);
    bytes(&b, 6, 0x05, 0x04, 0x01, 0x81, 0x00, 0x00);
    expect_malformed("limits leb 3.0", &b, "malformed limits flags", 11);
    header(&b);
    bytes(&b, 5, 0x05, 0x03, 0x01, 0x0b, 0x00);
    expect_malformed("limits flags 0x0b", &b, "malformed limits flags", 11);
    cur_engine = &unshared_engine;
    header(&b);
    bytes(&b, 5, 0x05, 0x03, 0x01, 0x03, 0x00);
    expect_malformed("shared limits 3.0", &b, "malformed limits flags", 11);
    cur_engine = NULL;

    header(&b);
    bytes(&b, 10, 0x06, 0x08, 0x01, 0x7f, 0x00, 0x41, 0x80, 0x80, 0x80, 0x80);
    bytes(&b, 2, 0x10, 0x0b);
    expect_malformed("const too large", &b, "integer too large", 19);

    header(&b);
    bytes(&b, 7, 0x06, 0x05, 0x01, 0x7f, 0x00, 0xf3, 0x0b);
    expect_malformed("illegal in const", &b, "illegal opcode f3", 13);

    header(&b);
    bytes(&b, 5, 0x09, 0x03, 0x01, 0x08, 0x00);
    expect_malformed("elem kind", &b, "malformed elements segment kind", 11);

    header(&b);
    bytes(&b, 6, 0x09, 0x04, 0x01, 0x01, 0x01, 0x00);
    expect_malformed("elem kind byte", &b, "malformed element kind", 12);

    header(&b);
    bytes(&b, 6, 0x09, 0x04, 0x01, 0x05, 0x7f, 0x00);
    expect_malformed("elem reftype", &b, "malformed reference type", 12);

    header(&b);
    bytes(&b, 5, 0x0b, 0x03, 0x01, 0x03, 0x00);
    expect_malformed("data kind", &b, "malformed data segment kind", 11);

    header(&b);
    bytes(&b, 6, 0x07, 0x04, 0x01, 0x00, 0x05, 0x00);
    expect_malformed("export kind", &b, "malformed export kind", 12);
    cur_engine = &wasm2_engine;
    header(&b);
    bytes(&b, 6, 0x07, 0x04, 0x01, 0x00, 0x04, 0x00);
    expect_malformed("export kind 2.0", &b, "malformed export kind", 12);
    cur_engine = NULL;

    /* Code: a type, one function, then a body. */
    const uint8_t pre[] = {0x01, 0x04, 0x01, 0x60, 0x00, 0x00, 0x03, 0x02, 0x01, 0x00};
    header(&b);
    put(&b, pre, sizeof pre);
    bytes(&b, 7, 0x0a, 0x05, 0x01, 0x03, 0x00, 0x05, 0x0b);
    expect_malformed("else at top", &b, "END opcode expected", 23);

    cur_engine = &wasm2_engine;
    header(&b);
    put(&b, pre, sizeof pre);
    bytes(&b, 9, 0x0a, 0x07, 0x01, 0x05, 0x00, 0x3f, 0x80, 0x00, 0x0b);
    expect_malformed("zero byte", &b, "zero byte expected", 24);
    cur_engine = NULL;
    /* Wasm 3.0: a memory index (any LEB128 form) decodes; the validator checks it. */
    header(&b);
    put(&b, pre, sizeof pre);
    bytes(&b, 10, 0x0a, 0x08, 0x01, 0x06, 0x00, 0x3f, 0x80, 0x00, 0x1a, 0x0b);
    expect_ok("memory index", &b);
    header(&b);
    put(&b, pre, sizeof pre);
    bytes(&b, 12, 0x0a, 0x0a, 0x01, 0x08, 0x00, 0x41, 0x00, 0x28, 0x80, 0x01, 0x00, 0x1a);
    byte(&b, 0x0b);
    expect_malformed("memop flags", &b, "malformed memop flags", 26);
    header(&b);
    put(&b, pre, sizeof pre);
    /* try_table (empty) with a catch clause of kind 4 */
    bytes(&b, 12, 0x0a, 0x0a, 0x01, 0x08, 0x00, 0x1f, 0x40, 0x01, 0x04, 0x00, 0x0b, 0x0b);
    expect_malformed("catch clause", &b, "malformed catch clause", 26);
    header(&b);
    put(&b, pre, sizeof pre);
    /* try ... catch_all ... catch: a catch after catch_all */
    bytes(&b, 12, 0x0a, 0x0a, 0x01, 0x08, 0x00, 0x06, 0x40, 0x19, 0x07, 0x00, 0x0b, 0x0b);
    expect_malformed("catch after catch_all", &b, "END opcode expected", 26);
    header(&b);
    put(&b, pre, sizeof pre);
    /* try ... catch 0 ... delegate: delegate only ends a try without handlers */
    bytes(&b, 13, 0x0a, 0x0b, 0x01, 0x09, 0x00, 0x06, 0x40, 0x07, 0x00, 0x18, 0x00, 0x0b, 0x0b);
    expect_malformed("delegate after catch", &b, "END opcode expected", 27);
    cur_engine = &wasm2_engine;
    header(&b);
    put(&b, pre, sizeof pre);
    bytes(&b, 8, 0x0a, 0x06, 0x01, 0x04, 0x00, 0x0a, 0x0b, 0x0b);
    expect_malformed("throw_ref 2.0", &b, "illegal opcode 0a", 23);
    cur_engine = NULL;

    header(&b);
    put(&b, pre, sizeof pre);
    bytes(&b, 9, 0x0a, 0x07, 0x01, 0x05, 0x00, 0xfc, 0x12, 0x1a, 0x0b);
    expect_malformed("illegal fc", &b, "illegal opcode fc 12", 23);

    header(&b);
    put(&b, pre, sizeof pre);
    bytes(&b, 8, 0x0a, 0x06, 0x01, 0x03, 0x00, 0x01, 0x01, 0x0b); /* body declares 3 of 4 */
    expect_malformed("body size", &b, "section size mismatch", 22);

    header(&b);
    put(&b, pre, sizeof pre);
    bytes(&b, 6, 0x0a, 0x04, 0x01, 0x02, 0x00, 0x01);
    expect_malformed("no end", &b, "unexpected end of section or function", 24);

    header(&b); /* 50001 locals */
    put(&b, pre, sizeof pre);
    bytes(&b, 11, 0x0a, 0x09, 0x01, 0x07, 0x02, 0x01, 0x7f, 0xd0, 0x86, 0x03, 0x7f);
    byte(&b, 0x0b);
    expect_malformed("locals limit", &b, "too many locals", 22);

    header(&b); /* 2^32 - 1 + 1 locals */
    put(&b, pre, sizeof pre);
    bytes(&b, 12, 0x0a, 0x0a, 0x01, 0x08, 0x02, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x7f, 0x01);
    bytes(&b, 2, 0x7e, 0x0b);
    expect_malformed("locals overflow", &b, "too many locals", 22);

    header(&b);
    put(&b, pre, sizeof pre);
    expect_malformed("no code", &b, "function and code section have inconsistent lengths", 18);

    header(&b);
    bytes(&b, 6, 0x0c, 0x01, 0x02, 0x0b, 0x01, 0x00);
    expect_malformed("data count", &b,
                     "data count and data section have inconsistent lengths", 14);

    header(&b);
    put(&b, pre, sizeof pre);
    bytes(&b, 8, 0x05, 0x03, 0x01, 0x00, 0x00, 0x0a, 0x07, 0x01);
    bytes(&b, 6, 0x05, 0x00, 0xfc, 0x09, 0x00, 0x0b);
    bytes(&b, 5, 0x0b, 0x03, 0x01, 0x01, 0x00);
    expect_malformed("data count required", &b, "data count section required", 37);

    header(&b);
    s.n = 0;
    str(&s, "x");
    bytes(&s, 1, 0);
    byte(&b, 0);
    uleb(&b, 1); /* the name runs past the section */
    put(&b, s.b, s.n);
    expect_malformed("custom name", &b, "unexpected end", 12);

    header(&b);
    bytes(&b, 5, 0x00, 0x03, 0x02, 0xc0, 0x80);
    expect_malformed("custom utf8", &b, "malformed UTF-8 encoding", 10);
}

/* A malformed name section is ignored. */
static void test_bad_names(void)
{
    buf_t b, s;
    header(&b);
    s.n = 0;
    str(&s, "name");
    bytes(&s, 4, 1, 5, 1, 0, 7); /* function names claiming a 7-byte name in 5 bytes */
    section(&b, 0, &s);
    expect_ok("bad name section", &b);

    const uint8_t pre[] = {0x01, 0x04, 0x01, 0x60, 0x00, 0x00, 0x03, 0x02, 0x01, 0x00,
                           0x0a, 0x04, 0x01, 0x02, 0x00, 0x0b};
    header(&b);
    put(&b, pre, sizeof pre);
    s.n = 0;
    str(&s, "name");
    bytes(&s, 6, 1, 4, 1, 0, 1, 0xff); /* bad UTF-8 in a function name */
    section(&b, 0, &s);
    counting_t c = {0, 0, 0};
    weft_module_t m;
    module_init(&m, &c, &b);
    weft_error_t *e = weft__module_decode(&m);
    CHECK(e == NULL);
    if (e) weft_error_delete(e);
    CHECK(m.nfunc_names == 0 && weft__module_func_name(&m, 0).len == 0);
    weft__module_free(&m);
    CHECK(c.live == 0);
}

/* Wasm 3.0 constructs that decode: tags (imported, defined, exported), exnref, exception
 * and tail call instructions, memory indices, 64-bit limits. */
static void test_wasm3(void)
{
    buf_t b, s;
    header(&b);
    s.n = 0; /* types: [i32] -> [], [] -> [exnref] */
    bytes(&s, 8, 0x02, 0x60, 0x01, 0x7f, 0x00, 0x60, 0x00, 0x01);
    byte(&s, 0x69);
    section(&b, 1, &s);
    s.n = 0; /* import "m" "t" tag 0, "m" "mem" memory64 min 1 */
    bytes(&s, 1, 0x02);
    str(&s, "m");
    str(&s, "t");
    bytes(&s, 3, 0x04, 0x00, 0x00);
    str(&s, "m");
    str(&s, "mem");
    bytes(&s, 3, 0x02, 0x04, 0x01);
    section(&b, 2, &s);
    s.n = 0;
    bytes(&s, 2, 0x01, 0x01);
    section(&b, 3, &s);
    s.n = 0; /* a second memory */
    bytes(&s, 3, 0x01, 0x00, 0x01);
    section(&b, 5, &s);
    s.n = 0; /* one defined tag */
    bytes(&s, 3, 0x01, 0x00, 0x00);
    section(&b, 13, &s);
    s.n = 0;
    bytes(&s, 1, 0x01);
    str(&s, "tag");
    bytes(&s, 2, 0x04, 0x01);
    section(&b, 7, &s);
    s.n = 0; /* body: block (result exnref) try_table (catch_all_ref 0) i32.const 0 throw 1 end
                unreachable end; memory.size 1; drop; i32.load 0x40 1 0 (memory 1) ... */
    buf_t body;
    body.n = 0;
    bytes(&body, 1, 0x00);
    bytes(&body, 2, 0x02, 0x69);
    bytes(&body, 6, 0x1f, 0x40, 0x01, 0x03, 0x00, 0x41);
    bytes(&body, 4, 0x00, 0x08, 0x01, 0x0b);
    bytes(&body, 2, 0x00, 0x0b);
    bytes(&body, 3, 0x3f, 0x01, 0x1a);
    bytes(&body, 7, 0x41, 0x00, 0x28, 0x42, 0x01, 0x00, 0x1a);
    bytes(&body, 2, 0x12, 0x00);
    bytes(&body, 1, 0x0b);
    bytes(&s, 2, 0x01, (uint8_t)body.n);
    put(&s, body.b, body.n);
    section(&b, 10, &s);

    counting_t c = {0, 0, 0};
    weft_module_t m;
    module_init(&m, &c, &b);
    weft_error_t *e = weft__module_decode(&m);
    CHECK(e == NULL);
    if (e) {
        fprintf(stderr, "wasm3: %s\n", weft_error_message(e));
        weft_error_delete(e);
    } else {
        CHECK(m.ntag_imports == 1 && m.ntags == 2);
        CHECK(m.tag_types && m.tag_types[0] == 0 && m.tag_types[1] == 0);
        CHECK(m.nmemories == 2 && m.memories[0].limits.is64 && !m.memories[1].limits.is64);
        CHECK(m.nexports == 1 && m.exports[0].kind == WEFT_EXTERN_TAG);
        CHECK(m.types[1].nresults == 1 && m.types[1].results[0] == WEFT_T_EXNREF);
    }
    weft__module_free(&m);
    CHECK(c.live == 0);

    /* The same module is malformed for a Wasm 2.0 engine. */
    cur_engine = &wasm2_engine;
    expect_malformed("wasm3 under 2.0", &b, "malformed value type", 18);
    cur_engine = NULL;
}

/* Threads proposal limits: flag bit 1 marks a shared memory (0x02, 0x03, with memory64 0x06,
 * 0x07); the decoder keeps it and leaves "shared memory must have maximum" and "tables cannot
 * be shared" to the validator. */
static void test_shared(void)
{
    static const uint8_t flags[4] = {0x02, 0x03, 0x06, 0x07};
    buf_t b, s;
    header(&b);
    s.n = 0; /* import "m" "mem" memory flags 0x03 min 1 max 2 */
    bytes(&s, 1, 0x01);
    str(&s, "m");
    str(&s, "mem");
    bytes(&s, 4, 0x02, 0x03, 0x01, 0x02);
    section(&b, 2, &s);
    s.n = 0; /* a table with flags 0x03: decodes, rejected by the validator */
    bytes(&s, 5, 0x01, 0x70, 0x03, 0x00, 0x01);
    section(&b, 4, &s);
    s.n = 0;
    byte(&s, 4);
    for (int i = 0; i < 4; i++) {
        byte(&s, flags[i]);
        byte(&s, 1);
        if (flags[i] & 1) byte(&s, 5);
    }
    section(&b, 5, &s);

    counting_t c = {0, 0, 0};
    weft_module_t m;
    module_init(&m, &c, &b);
    weft_error_t *e = weft__module_decode(&m);
    CHECK(e == NULL);
    if (e) {
        fprintf(stderr, "shared: %s\n", weft_error_message(e));
        weft_error_delete(e);
    } else {
        CHECK(m.nimports == 1 && m.imports[0].desc.memory.limits.shared);
        CHECK(m.imports[0].desc.memory.limits.has_max && m.imports[0].desc.memory.limits.max == 2);
        CHECK(m.ntables == 1 && m.tables[0].limits.shared && m.tables[0].limits.max == 1);
        CHECK(m.nmemories == 5 && m.memories[0].limits.shared);
        for (uint32_t i = 0; i < 4 && m.nmemories == 5; i++) {
            const weft_limits_t *l = &m.memories[i + 1].limits;
            CHECK(l->shared && l->min == 1);
            CHECK(l->has_max == ((flags[i] & 1) != 0) && l->is64 == ((flags[i] & 4) != 0));
            CHECK(!l->has_max || l->max == 5);
        }
    }
    weft__module_free(&m);
    CHECK(c.live == 0);

    /* Wasm 2.0 reads the flags as a 1-bit LEB128 number. */
    cur_engine = &wasm2_engine;
    expect_malformed("shared under 2.0", &b, "integer too large", 18);
    cur_engine = NULL;
}

/* Wasm 3.0 typed function references: rec groups (0x4E), sub / sub final (0x50 / 0x4F),
 * (ref null? ht) value types, a table with an initialiser, (ref func) element segments, and the
 * byte offsets of their malformed forms. */
static void test_funcrefs(void)
{
    buf_t b, s;
    header(&b);
    /* rec (type (func (param (ref 1)))) (type (sub (func (result (ref null func))))) end;
     * (type (sub final 1 (func (result (ref null nofunc))))) */
    s.n = 0;
    bytes(&s, 2, 0x02, 0x4e);
    bytes(&s, 6, 0x02, 0x60, 0x01, 0x64, 0x01, 0x00);
    bytes(&s, 7, 0x50, 0x00, 0x60, 0x00, 0x01, 0x63, 0x70);
    bytes(&s, 7, 0x4f, 0x01, 0x01, 0x60, 0x00, 0x01, 0x73);
    section(&b, 1, &s);
    s.n = 0; /* (table 1 (ref 0) (ref.null 0)) in the 0x40 0x00 form; (table 1 funcref) */
    bytes(&s, 12, 0x02, 0x40, 0x00, 0x64, 0x00, 0x00, 0x01, 0xd0, 0x00, 0x0b, 0x70, 0x00);
    byte(&s, 0x01);
    section(&b, 4, &s);
    s.n = 0; /* (elem declare func) with no functions: type (ref func) */
    bytes(&s, 4, 0x01, 0x03, 0x00, 0x00);
    section(&b, 9, &s);

    counting_t c = {0, 0, 0};
    weft_module_t m;
    module_init(&m, &c, &b);
    weft_error_t *e = weft__module_decode(&m);
    CHECK(e == NULL);
    if (e) {
        fprintf(stderr, "funcrefs: %s\n", weft_error_message(e));
        weft_error_delete(e);
    } else {
        CHECK(m.ntypes == 3 && m.typeinfo != NULL);
        CHECK(m.typeinfo[0].group == 0 && m.typeinfo[0].group_len == 2 && m.typeinfo[0].final);
        CHECK(m.typeinfo[1].group == 0 && !m.typeinfo[1].final &&
              m.typeinfo[1].super == UINT32_MAX);
        CHECK(m.typeinfo[2].group == 2 && m.typeinfo[2].group_len == 1 &&
              m.typeinfo[2].final && m.typeinfo[2].super == 1);
        /* (ref 1): funcref code, non-null, index 1 + 1 above WEFT_T_IDX_SHIFT */
        CHECK(m.types[0].nparams == 1 &&
              m.types[0].params[0] == (WEFT_T_FUNCREF | WEFT_T_NONNULL | (2u << WEFT_T_IDX_SHIFT)));
        CHECK(m.types[1].results[0] == WEFT_T_FUNCREF);
        CHECK(m.types[2].results[0] == (WEFT_T_FUNCREF | WEFT_T_BOTTOM));
        CHECK(m.ntables == 2 && m.table_inits != NULL && m.table_inits[0].len == 3 &&
              m.table_inits[1].len == 0);
        CHECK(m.tables[0].elem == (WEFT_T_FUNCREF | WEFT_T_NONNULL | (1u << WEFT_T_IDX_SHIFT)));
        CHECK(m.nelems == 1 && m.elems[0].type == (WEFT_T_FUNCREF | WEFT_T_NONNULL));
    }
    weft__module_free(&m);
    CHECK(c.live == 0);

    /* The same module is malformed for a Wasm 2.0 engine: 0x4e is not a function type. */
    cur_engine = &wasm2_engine;
    expect_malformed("rec under 2.0", &b, "malformed function type", 11);
    cur_engine = NULL;

    /* (ref <bad heap type 0x40>) in a function type: the heap type's offset. */
    header(&b);
    s.n = 0;
    bytes(&s, 6, 0x01, 0x60, 0x01, 0x64, 0x40, 0x00);
    section(&b, 1, &s);
    expect_malformed("bad heap type", &b, "malformed heap type", 14);
    /* an unknown value type code after sub */
    header(&b);
    s.n = 0;
    bytes(&s, 7, 0x01, 0x50, 0x00, 0x60, 0x01, 0x42, 0x00);
    section(&b, 1, &s);
    expect_malformed("bad value type", &b, "malformed value type", 15);
    /* a composite type code that is neither func, struct nor array */
    header(&b);
    s.n = 0;
    bytes(&s, 4, 0x01, 0x50, 0x00, 0x5d);
    section(&b, 1, &s);
    expect_malformed("bad composite type", &b, "malformed function type", 13);
    /* a table initialiser form whose second byte is not zero */
    header(&b);
    s.n = 0;
    bytes(&s, 7, 0x01, 0x40, 0x01, 0x70, 0x00, 0x01, 0x0b);
    section(&b, 4, &s);
    expect_malformed("table init form", &b, "malformed table", 12);
}

int main(void)
{
    wasm2_engine.config.disabled_features = WEFT_FEATURES_POST_WASM2;
    unshared_engine.config.disabled_features = WEFT_FEATURE_SHARED_MEMORY;
    test_full();
    test_wasm3();
    test_shared();
    test_funcrefs();
    test_alloc_failures();
    test_malformed();
    test_bad_names();
    return test_report("test_decode");
}
