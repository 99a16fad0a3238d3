/* test_component_decode.c - unit tests of the component decoder (src/component/decode*.c):
 * hand-written binaries for every section and type constructor, every canonical built-in,
 * names with attributes, nested components and core modules, the name section; malformed
 * binaries with their byte offsets; nesting limits; allocation failure at every step; and
 * every truncation of a valid binary. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "component/component.h"
#include "util/error.h"
#include "test_util.h"

/* A binary written as a string literal (embedded NULs included). */
#define BIN(s) (const uint8_t *)(s), (sizeof(s) - 1)
#define PRE "\0asm\x0d\0\x01\0"
#define CORE_PRE "\0asm\x01\0\0\0"

static const weft_alloc_t dflt = {weft__default_alloc, NULL};

static weft_component_def_t *decode_ok(const uint8_t *b, size_t n, int line)
{
    weft_component_def_t *def = NULL;
    weft_error_t *e = weft__component_decode(&dflt, NULL, b, n, &def);
    if (e) {
        fprintf(stderr, "%s:%d: unexpected error: %s\n", __FILE__, line,
                weft_error_message(e));
        failures++;
        weft_error_delete(e);
        return NULL;
    }
    return def;
}
#define DECODE_OK(s) decode_ok(BIN(s), __LINE__)

/* Expects a decode error at `offset` whose message contains `why`. */
static void decode_bad(const uint8_t *b, size_t n, uint64_t offset, const char *why, int line)
{
    weft_component_def_t *def = NULL;
    weft_error_t *e = weft__component_decode(&dflt, NULL, b, n, &def);
    if (!e) {
        fprintf(stderr, "%s:%d: decoded, expected \"%s\"\n", __FILE__, line, why);
        failures++;
        weft__component_def_free(def);
        return;
    }
    if (weft_error_kind(e) != WEFT_ERROR_DECODE || weft_error_offset(e) != offset ||
        !strstr(weft_error_message(e), why)) {
        fprintf(stderr, "%s:%d: got \"%s\" (kind %d, offset %llu), expected \"%s\" at %llu\n",
                __FILE__, line, weft_error_message(e), (int)weft_error_kind(e),
                (unsigned long long)weft_error_offset(e), why, (unsigned long long)offset);
        failures++;
    }
    CHECK(def == NULL);
    weft_error_delete(e);
}
#define DECODE_BAD(s, off, why) decode_bad(BIN(s), (off), (why), __LINE__)

static bool name_is(weft_name_t n, const char *s)
{
    return n.len == strlen(s) && memcmp(n.ptr, s, n.len) == 0;
}


/* ---- assembling binaries with computed section sizes ------------------------------------- */

typedef struct buf {
    uint8_t b[8192];
    size_t n;
} buf_t;

static void put(buf_t *b, const uint8_t *p, size_t n)
{
    if (b->n + n > sizeof b->b) {
        fprintf(stderr, "test buffer overflow\n");
        exit(2);
    }
    memcpy(b->b + b->n, p, n);
    b->n += n;
}
static void put_leb(buf_t *b, uint32_t v)
{
    do {
        uint8_t c = (uint8_t)(v & 0x7f);
        v >>= 7;
        if (v) c |= 0x80;
        put(b, &c, 1);
    } while (v);
}
/* Appends section `id` with payload p[0..n). */
static void sec(buf_t *b, uint8_t id, const uint8_t *p, size_t n)
{
    put(b, &id, 1);
    put_leb(b, (uint32_t)n);
    put(b, p, n);
}
#define SEC(b, id, s) sec((b), (id), BIN(s))
static void start(buf_t *b)
{
    b->n = 0;
    put(b, BIN(PRE));
}

/* ---- preamble ------------------------------------------------------------------------------ */

static void test_preamble(void)
{
    CHECK(weft__is_component(BIN(PRE)));
    CHECK(!weft__is_component(BIN(CORE_PRE)));
    CHECK(!weft__is_component(BIN("\0asm\x0d\0\x01")));
    CHECK(!weft__is_component(NULL, 0));

    weft_component_def_t *def = DECODE_OK(PRE);
    if (def) {
        CHECK(def->len == 8 && def->parent == NULL && def->order.count == 0);
        for (unsigned s = 0; s < WEFT_CSORT_COUNT; s++) CHECK(def->spaces[s].count == 0);
        weft__component_def_free(def);
    }
    weft__component_def_free(NULL);

    DECODE_BAD("", 0, "unexpected end-of-file");
    DECODE_BAD("\0as", 3, "unexpected end-of-file");
    DECODE_BAD("\0asm\x0d\0\x01", 7, "unexpected end-of-file");
    DECODE_BAD("asm\0\x0d\0\x01\0", 0, "magic header not detected");
    DECODE_BAD("\0asm\x0c\0\x01\0", 4, "unknown binary version");
    DECODE_BAD("\0asm\x0d\0\x02\0", 4, "expected a version header for a component");
    DECODE_BAD(CORE_PRE, 4, "expected a version header for a component");
}

/* ---- sections ------------------------------------------------------------------------------ */

static void test_sections(void)
{
    /* Custom sections are skipped, sections interleave and repeat. */
    weft_component_def_t *def = DECODE_OK(PRE "\x00\x03\x02hi"
                                              "\x07\x02\x01\x73"
                                              "\x06\x05\x01\x03\x02\x00\x00"
                                              "\x00\x08\x07" "between"
                                              "\x07\x03\x01\x70\x01");
    if (def) {
        CHECK(def->spaces[WEFT_CSORT_TYPE].count == 3);
        const weft_centry_t *e = weft__component_entry(def, WEFT_CSORT_TYPE, 1);
        CHECK(e && e->how == WEFT_CDEF_ALIAS && e->def == 0 && e->offset == 20);
        CHECK(def->aliases.count == 1 && def->aliases.items[0].target == WEFT_CALIAS_OUTER);
        e = weft__component_entry(def, WEFT_CSORT_TYPE, 2);
        CHECK(e && e->how == WEFT_CDEF_TYPE);
        if (e) {
            const weft_ctype_t *t = &def->types.items[e->def];
            CHECK(t->kind == WEFT_CT_LIST && t->u.list.elem.prim == 0 &&
                  t->u.list.elem.index == 1 && t->offset == 37);
        }
        CHECK(weft__component_entry(def, WEFT_CSORT_TYPE, 3) == NULL);
        CHECK(def->order.count == 3 && def->order.items[1].kind == WEFT_CDEF_ALIAS);
        weft__component_def_free(def);
    }
    weft__component_def_free(DECODE_OK(PRE "\x07\x81\x80\x80\x80\x00\x00")); /* padded LEB */

    DECODE_BAD(PRE "\x00\x03\x05\x61\x62", 10, "unexpected end-of-file");
    DECODE_BAD(PRE "\x00\x03\x02\xff\xfe", 10, "malformed UTF-8 encoding");
    DECODE_BAD(PRE "\x0d\x00", 8, "malformed section id");
    DECODE_BAD(PRE "\xff", 8, "malformed section id");
    DECODE_BAD(PRE "\x07\x03\x00", 10, "unexpected end-of-file");
    DECODE_BAD(PRE "\x07\x01\x01\x73", 10, "unexpected end-of-file");
    DECODE_BAD(PRE "\x00\x80\x80", 11, "unexpected end-of-file");
    DECODE_BAD(PRE "\x00", 9, "unexpected end-of-file");
    DECODE_BAD(PRE "\x07\x81\x80\x80\x80\x70\x00", 14, "integer too large");
    DECODE_BAD(PRE "\x07\x04\xbf\x84\x3d\x73", 10, "unexpected end-of-file");
    DECODE_BAD(PRE "\x07\x02\x02\x73", 10, "unexpected end-of-file");
    DECODE_BAD(PRE "\x07\x03\x00\x73\x73", 11, "unexpected content in section 7");
}

/* ---- types --------------------------------------------------------------------------------- */

static void test_types(void)
{
    static buf_t b;
    start(&b);
    SEC(&b, 7, "\x16"
            "\x3f\x7f\x00"                           /* 0 resource (rep i32) */
            "\x72\x02\x01" "a" "\x7f\x01" "b" "\x7d" /* 1 record */
            "\x71\x02\x01" "x" "\x01\x7e\x00\x01" "y" "\x00\x00" /* 2 variant */
            "\x70\x7b"                               /* 3 list u16 */
            "\x6f\x02\x7c\x79"                       /* 4 tuple */
            "\x6e\x02\x02" "f1" "\x02" "f2"          /* 5 flags */
            "\x6d\x02\x02" "e1" "\x02" "e2"          /* 6 enum */
            "\x6b\x7a"                               /* 7 option s32 */
            "\x6a\x00\x00"                           /* 8 result */
            "\x6a\x01\x76\x01\x75"                   /* 9 result f32 (error f64) */
            "\x69\x00"                               /* 10 own 0 */
            "\x68\x00"                               /* 11 borrow 0 */
            "\x66\x01\x7d"                           /* 12 stream u8 */
            "\x65\x00"                               /* 13 future */
            "\x67\x7d\x03"                           /* 14 list u8 3 */
            "\x63\x73\x79"                           /* 15 map string u32 */
            "\x43\x01\x01" "p" "\x02\x00\x03"        /* 16 func async (p: type 2) -> type 3 */
            "\x40\x00\x01\x00"                       /* 17 func */
            "\x64"                                   /* 18 error-context */
            "\x73"                                   /* 19 string */
            "\x3f\x7e\x01\x05"                       /* 20 resource (rep i64) (dtor 5) */
            "\x70\x80\x01");                         /* 21 list <type 128> */
    weft_component_def_t *def = decode_ok(b.b, b.n, __LINE__);
    if (def) {
        CHECK(def->types.count == 22 && def->spaces[WEFT_CSORT_TYPE].count == 22);
        const weft_ctype_t *t = def->types.items;
        CHECK(t[0].kind == WEFT_CT_RESOURCE && t[0].u.resource.rep == 0x7f &&
              !t[0].u.resource.has_dtor && t[0].offset == 11);
        CHECK(t[1].kind == WEFT_CT_RECORD && t[1].u.fields.count == 2 &&
              name_is(t[1].u.fields.items[1].label, "b") &&
              t[1].u.fields.items[1].type.prim == WEFT_CPRIM_U8);
        CHECK(t[2].kind == WEFT_CT_VARIANT && t[2].u.fields.items[0].has_type &&
              t[2].u.fields.items[0].type.prim == WEFT_CPRIM_S8 &&
              !t[2].u.fields.items[1].has_type);
        CHECK(t[3].kind == WEFT_CT_LIST && t[3].u.list.elem.prim == WEFT_CPRIM_U16);
        CHECK(t[4].kind == WEFT_CT_TUPLE && t[4].u.tuple.count == 2 &&
              t[4].u.tuple.types[1].prim == WEFT_CPRIM_U32);
        CHECK(t[5].kind == WEFT_CT_FLAGS && t[5].u.labels.count == 2 &&
              name_is(t[5].u.labels.names[1], "f2"));
        CHECK(t[6].kind == WEFT_CT_ENUM && name_is(t[6].u.labels.names[0], "e1"));
        CHECK(t[7].kind == WEFT_CT_OPTION && t[7].u.list.elem.prim == WEFT_CPRIM_S32);
        CHECK(t[8].kind == WEFT_CT_RESULT && !t[8].u.result.has_ok && !t[8].u.result.has_err);
        CHECK(t[9].kind == WEFT_CT_RESULT && t[9].u.result.has_ok &&
              t[9].u.result.ok.prim == WEFT_CPRIM_F32 && t[9].u.result.err.prim == WEFT_CPRIM_F64);
        CHECK(t[10].kind == WEFT_CT_OWN && t[10].u.handle == 0);
        CHECK(t[11].kind == WEFT_CT_BORROW);
        CHECK(t[12].kind == WEFT_CT_STREAM && t[12].u.async_.has_elem &&
              t[12].u.async_.elem.prim == WEFT_CPRIM_U8);
        CHECK(t[13].kind == WEFT_CT_FUTURE && !t[13].u.async_.has_elem);
        CHECK(t[14].kind == WEFT_CT_FIXED_LIST && t[14].u.list.len == 3);
        CHECK(t[15].kind == WEFT_CT_MAP && t[15].u.map.key.prim == WEFT_CPRIM_STRING &&
              t[15].u.map.value.prim == WEFT_CPRIM_U32);
        CHECK(t[16].kind == WEFT_CT_FUNC && t[16].u.func.is_async && t[16].u.func.nparams == 1 &&
              t[16].u.func.params[0].type.prim == 0 && t[16].u.func.params[0].type.index == 2 &&
              t[16].u.func.has_result && t[16].u.func.result.index == 3);
        CHECK(t[17].kind == WEFT_CT_FUNC && !t[17].u.func.is_async && !t[17].u.func.has_result);
        CHECK(t[18].kind == WEFT_CT_PRIM && t[18].u.prim == WEFT_CPRIM_ERROR_CONTEXT);
        CHECK(t[19].kind == WEFT_CT_PRIM && t[19].u.prim == WEFT_CPRIM_STRING);
        CHECK(t[20].u.resource.rep == 0x7e && t[20].u.resource.has_dtor &&
              t[20].u.resource.dtor == 5);
        CHECK(t[21].u.list.elem.prim == 0 && t[21].u.list.elem.index == 128);
        weft__component_def_free(def);
    }

    /* Validation matters decode fine: empty record, 33 flags are not checked here. */
    def = DECODE_OK(PRE "\x07\x03\x01\x72\x00");
    weft__component_def_free(def);

    DECODE_BAD(PRE "\x07\x02\x01\x62", 11, "invalid leading byte (0x62) for component defined type");
    DECODE_BAD(PRE "\x07\x02\x01\x44", 11, "invalid leading byte (0x44)");
    DECODE_BAD(PRE "\x07\x02\x01\x3e", 11, "invalid leading byte (0x3e)");
    DECODE_BAD(PRE "\x07\x07\x01\x71\x01\x01" "c" "\x00\x01", 16, "zero byte required");
    DECODE_BAD(PRE "\x07\x05\x01\x40\x00\x01\x01", 14, "for number of results");
    DECODE_BAD(PRE "\x07\x05\x01\x40\x00\x02\x00", 13, "for component function results");
    DECODE_BAD(PRE "\x07\x03\x01\x70\x6c", 12, "for component value type");
    DECODE_BAD(PRE "\x07\x04\x01\x66\x02\x73", 12, "invalid leading byte (0x2)");
    DECODE_BAD(PRE "\x07\x04\x01\x3f\x7f\x02", 13, "optional destructor");
}

static void test_type_decls(void)
{
    static buf_t b;
    start(&b);
    SEC(&b, 7, "\x01\x73");
    SEC(&b, 7, "\x02"
            "\x41\x04"                       /* component type, 4 decls */
            "\x01\x73"                       /* type string */
            "\x03\x00\x01" "a" "\x03\x00\x00" /* import a (type (eq 0)) */
            "\x01\x40\x00\x01\x00"           /* type (func) */
            "\x04\x00\x01" "b" "\x01\x02"    /* export b (func (type 2)) */
            "\x42\x04"                       /* instance type, 4 decls */
            "\x00\x60\x00\x00"               /* core type */
            "\x02\x03\x02\x01\x00"           /* alias outer 1 0 (type) */
            "\x04\x00\x01" "t" "\x03\x01"    /* export t (type (sub resource)) */
            "\x04\x02\x01" "u" "\x01\x00\x01" "v" "\x03\x00\x00"); /* export u w/ attrs */
    weft_component_def_t *def = decode_ok(b.b, b.n, __LINE__);
    if (def) {
        CHECK(def->spaces[WEFT_CSORT_TYPE].count == 3);
        const weft_centry_t *e = weft__component_entry(def, WEFT_CSORT_TYPE, 1);
        const weft_ctype_t *ct = e ? &def->types.items[e->def] : NULL;
        CHECK(ct && ct->kind == WEFT_CT_COMPONENT && ct->u.decls.count == 4);
        if (ct && ct->u.decls.count == 4) {
            const weft_cdecl_t *dc = ct->u.decls.items;
            CHECK(dc[0].kind == WEFT_CDECL_TYPE &&
                  def->types.items[dc[0].u.type].u.prim == WEFT_CPRIM_STRING);
            CHECK(dc[1].kind == WEFT_CDECL_IMPORT && name_is(dc[1].u.ext.name.name, "a") &&
                  dc[1].u.ext.desc.kind == WEFT_CEXT_TYPE && dc[1].u.ext.desc.bound == 0);
            CHECK(dc[3].kind == WEFT_CDECL_EXPORT && dc[3].u.ext.desc.kind == WEFT_CEXT_FUNC &&
                  dc[3].u.ext.desc.index == 2);
        }
        e = weft__component_entry(def, WEFT_CSORT_TYPE, 2);
        const weft_ctype_t *it = e ? &def->types.items[e->def] : NULL;
        CHECK(it && it->kind == WEFT_CT_INSTANCE && it->u.decls.count == 4);
        if (it && it->u.decls.count == 4) {
            const weft_cdecl_t *dc = it->u.decls.items;
            CHECK(dc[0].kind == WEFT_CDECL_CORE_TYPE && dc[0].u.core.count == 1 &&
                  def->core_types.items[dc[0].u.core.first].kind == WEFT_CCT_FUNC);
            CHECK(dc[1].kind == WEFT_CDECL_ALIAS && dc[1].u.alias.outer_count == 1 &&
                  dc[1].u.alias.sort == WEFT_CSORT_TYPE);
            CHECK(dc[2].u.ext.desc.kind == WEFT_CEXT_TYPE && dc[2].u.ext.desc.bound == 1);
            CHECK(dc[3].u.ext.name.form == 2 && dc[3].u.ext.name.nattrs == 1 &&
                  dc[3].u.ext.name.attrs[0].kind == WEFT_CATTR_IMPLEMENTS &&
                  name_is(dc[3].u.ext.name.attrs[0].value, "v"));
        }
        /* Core types declared inside type declarations are not in the core type space. */
        CHECK(def->spaces[WEFT_CSORT_CORE_TYPE].count == 0);
        weft__component_def_free(def);
    }
    DECODE_BAD(PRE "\x07\x05\x01\x41\x01\x05\x73", 13, "for component or instance type declaration");
    DECODE_BAD(PRE "\x07\x09\x01\x42\x01\x03\x00\x01" "a" "\x03\x01", 13,
               "invalid leading byte (0x3) for component or instance type declaration");
    DECODE_BAD(PRE "\x07\x08\x01\x42\x01\x02\x01\x02\x00\x00", 14, "component outer alias kind");
}

/* Nesting: instance types nested `levels` deep. */
static size_t nested_types(uint8_t *b, size_t cap, unsigned levels)
{
    size_t n = 0;
    memcpy(b, PRE, 8);
    n = 8;
    /* payload: 01 (count), then levels x (42 01 01) then 42 00. */
    size_t payload = 1 + 3 * (size_t)levels + 2;
    b[n++] = 0x07;
    b[n++] = (uint8_t)(0x80 | (payload & 0x7f));
    b[n++] = (uint8_t)(payload >> 7);
    b[n++] = 0x01;
    for (unsigned i = 0; i < levels && n + 5 < cap; i++) {
        b[n++] = 0x42;
        b[n++] = 0x01;
        b[n++] = 0x01;
    }
    b[n++] = 0x42;
    b[n++] = 0x00;
    return n;
}

static void test_depth(void)
{
    static uint8_t b[4096];
    size_t n = nested_types(b, sizeof b, WEFT_COMPONENT_MAX_DEPTH - 1);
    weft_component_def_t *def = decode_ok(b, n, __LINE__);
    if (def) {
        CHECK(def->types.count == WEFT_COMPONENT_MAX_DEPTH);
        weft__component_def_free(def);
    }
    n = nested_types(b, sizeof b, 1000);
    weft_component_def_t *d2 = NULL;
    weft_error_t *e = weft__component_decode(&dflt, NULL, b, n, &d2);
    CHECK(e && strstr(weft_error_message(e), "nesting too deep"));
    weft_error_delete(e);

    /* Nested components: each level is a component section holding the next. */
    size_t len = 8;
    memcpy(b, PRE, 8);
    for (unsigned i = 0; i < 150; i++) {
        /* wrap: PRE 04 size(len) [b] -- built from the inside out */
        size_t body = len;
        uint8_t hdr[12];
        size_t h = 0;
        memcpy(hdr, PRE, 8);
        h = 8;
        hdr[h++] = 0x04;
        hdr[h++] = (uint8_t)(0x80 | (body & 0x7f));
        hdr[h++] = (uint8_t)(body >> 7);
        memmove(b + h, b, body);
        memcpy(b, hdr, h);
        len = body + h;
    }
    e = weft__component_decode(&dflt, NULL, b, len, &d2);
    CHECK(e && strstr(weft_error_message(e), "nesting too deep"));
    weft_error_delete(e);
}

/* ---- core modules, core instances, aliases, nested components ------------------------------ */

#define MOD_F CORE_PRE "\x01\x04\x01\x60\x00\x00" "\x03\x02\x01\x00" "\x07\x05\x01\x01" "f" "\x00\x00" "\x0a\x04\x01\x02\x00\x0b"

static void test_modules_instances(void)
{
    weft_component_def_t *def = DECODE_OK(
        PRE "\x01\x1f" MOD_F
            "\x02\x06\x02\x00\x00\x00\x01\x00"         /* core instances: instantiate, bag */
            "\x06\x07\x01\x00\x00\x01\x00\x01" "f"     /* alias core export 0 "f" (core func) */
            "\x02\x08\x01\x01\x01\x02" "f2" "\x00\x00" /* bag exporting core func 0 */
            "\x04\x08" PRE                             /* nested empty component */
            "\x05\x0b\x02\x00\x00\x01\x01" "x" "\x00\x12\x02" "\x01\x00"); /* instances */
    if (def) {
        CHECK(def->modules.count == 1 && def->modules.items[0].offset == 10 &&
              def->modules.items[0].len == 31);
        const weft_module_t *m = def->modules.items[0].module;
        CHECK(m && m->nfuncs == 1 && m->nexports == 1);
        CHECK(def->spaces[WEFT_CSORT_CORE_INSTANCE].count == 3);
        CHECK(def->core_instances.items[0].kind == WEFT_CINST_INSTANTIATE &&
              def->core_instances.items[0].of == 0);
        CHECK(def->core_instances.items[2].kind == WEFT_CINST_EXPORTS &&
              def->core_instances.items[2].nargs == 1 &&
              name_is(def->core_instances.items[2].args[0].name.name, "f2") &&
              def->core_instances.items[2].args[0].item.sort == WEFT_CSORT_CORE_FUNC);
        const weft_centry_t *e = weft__component_entry(def, WEFT_CSORT_CORE_FUNC, 0);
        CHECK(e && e->how == WEFT_CDEF_ALIAS);
        CHECK(def->aliases.items[0].target == WEFT_CALIAS_CORE_EXPORT &&
              name_is(def->aliases.items[0].name, "f"));
        CHECK(def->components.count == 1 && def->components.items[0].def &&
              def->components.items[0].def->parent == def &&
              def->components.items[0].def->depth == 1 &&
              def->components.items[0].def->offset == 70);
        CHECK(def->spaces[WEFT_CSORT_INSTANCE].count == 2);
        const weft_cinstance_t *in = &def->instances.items[0];
        CHECK(in->kind == WEFT_CINST_INSTANTIATE && in->nargs == 1 &&
              in->args[0].item.sort == WEFT_CSORT_CORE_INSTANCE && in->args[0].item.index == 2);
        CHECK(def->order.count == 8 && def->order.items[0].kind == WEFT_CDEF_MODULE &&
              def->order.items[5].kind == WEFT_CDEF_COMPONENT);
        weft__component_def_free(def);
    }

    /* A malformed nested module is reported with its absolute offset. */
    DECODE_BAD(PRE "\x01\x11" CORE_PRE "\x01\x01\x00" "\x0b\x01\x00" "\x01\x01\x00", 24,
               "(in the core module at byte offset 10)");
    DECODE_BAD(PRE "\x01\x08" PRE, 14, "in the core module");
    DECODE_BAD(PRE "\x04\x08\0asm\x0c\0\x01\0", 14, "unknown binary version");
    DECODE_BAD(PRE "\x04\x08" CORE_PRE, 14, "expected a version header for a component");
    DECODE_BAD(PRE "\x04\x0a" PRE "\x07\x00", 20, "unexpected end-of-file");
    DECODE_BAD(PRE "\x02\x04\x01\x02\x00\x00", 11, "invalid leading byte (0x2) for core instance");
    DECODE_BAD(PRE "\x02\x08\x01\x00\x00\x01\x01" "i" "\x00\x00", 16,
               "for instantiation arg kind");
    DECODE_BAD(PRE "\x05\x04\x01\x02\x00\x00", 11, "invalid leading byte (0x2) for instance");
    DECODE_BAD(PRE "\x06\x05\x01\x03\x03\x00\x00", 12, "invalid leading byte (0x3) for alias");
    DECODE_BAD(PRE "\x06\x05\x01\x06\x02\x00\x00", 11, "component outer alias kind");
    DECODE_BAD(PRE "\x06\x06\x01\x00\x05\x02\x00\x00", 11, "(0x5) for component outer alias kind");
    DECODE_BAD(PRE "\x06\x05\x01\x01\x02\x00\x00", 11, "(0x1) for component outer alias kind");
}

/* ---- core types -------------------------------------------------------------------------- */

static void test_core_types(void)
{
    static buf_t b;
    start(&b);
    SEC(&b, 3, "\x01\x60\x00\x00");                      /* func */
    SEC(&b, 3, "\x01\x00\x50\x00\x60\x00\x00");          /* non-final sub */
    SEC(&b, 3, "\x01\x4e\x02"                             /* rec group of 2 */
               "\x50\x01\x01\x5f\x02\x7f\x01\x78\x00"   /*   sub 1 (struct i32 mut, i8) */
               "\x5e\x63\x00\x00");                       /*   array (ref null 0) */
    SEC(&b, 3, "\x01\x50\x04"                             /* module type, 4 decls */
               "\x01\x60\x00\x00"
               "\x00\x01" "a" "\x01" "b" "\x00\x00"
               "\x02\x10\x01\x01\x00"
               "\x03\x01" "e" "\x00\x00");
    weft_component_def_t *def = decode_ok(b.b, b.n, __LINE__);
    if (def) {
        CHECK(def->spaces[WEFT_CSORT_CORE_TYPE].count == 5);
        const weft_ccore_type_t *t = def->core_types.items;
        const weft_centry_t *e;
        e = weft__component_entry(def, WEFT_CSORT_CORE_TYPE, 0);
        CHECK(e && t[e->def].kind == WEFT_CCT_FUNC && t[e->def].is_final);
        e = weft__component_entry(def, WEFT_CSORT_CORE_TYPE, 1);
        CHECK(e && t[e->def].kind == WEFT_CCT_FUNC && !t[e->def].is_final);
        e = weft__component_entry(def, WEFT_CSORT_CORE_TYPE, 2);
        if (e) {
            const weft_ccore_type_t *s = &t[e->def];
            CHECK(s->kind == WEFT_CCT_STRUCT && s->rec_size == 2 && s->rec_pos == 0 &&
                  s->nsupers == 1 && s->supers[0] == 1 && s->u.struct_.count == 2 &&
                  s->u.struct_.fields[0].mut && s->u.struct_.fields[1].type.code == WEFT_CCV_I8);
        }
        e = weft__component_entry(def, WEFT_CSORT_CORE_TYPE, 3);
        if (e) {
            const weft_ccore_type_t *a = &t[e->def];
            CHECK(a->kind == WEFT_CCT_ARRAY && a->rec_pos == 1 &&
                  a->u.array.type.code == WEFT_CCV_REF && a->u.array.type.nullable &&
                  a->u.array.type.heap_code == 0 && a->u.array.type.heap_index == 0);
        }
        e = weft__component_entry(def, WEFT_CSORT_CORE_TYPE, 4);
        if (e) {
            const weft_ccore_type_t *mt = &t[e->def];
            CHECK(mt->kind == WEFT_CCT_MODULE && mt->u.module.count == 4);
            if (mt->u.module.count == 4) {
                const weft_cmoddecl_t *md = mt->u.module.decls;
                CHECK(md[0].kind == WEFT_CMODDECL_TYPE && md[0].ntypes == 1);
                CHECK(md[1].kind == WEFT_CMODDECL_IMPORT && name_is(md[1].module, "a") &&
                      name_is(md[1].name, "b") && md[1].desc.kind == 0);
                CHECK(md[2].kind == WEFT_CMODDECL_ALIAS && md[2].outer_count == 1);
                CHECK(md[3].kind == WEFT_CMODDECL_EXPORT && name_is(md[3].name, "e"));
            }
        }
        weft__component_def_free(def);
    }
    /* A module type nested in a module type decodes (rejecting it is validation). */
    def = DECODE_OK(PRE "\x03\x0a\x01\x50\x02\x01\x50\x00\x01\x60\x00\x00");
    weft__component_def_free(def);
    DECODE_BAD(PRE "\x03\x07\x01\x50\x01\x04\x60\x00\x00", 13, "(0x4) for type definition");
    DECODE_BAD(PRE "\x03\x08\x01\x50\x01\x02\x00\x01\x01\x00", 14, "(0x0) for outer alias kind");
    DECODE_BAD(PRE "\x03\x08\x01\x50\x01\x02\x10\x00\x01\x00", 15, "(0x0) for outer alias target");
    DECODE_BAD(PRE "\x03\x04\x01\x60\x01\x40\x00", 13, "malformed value type");
}

/* ---- canonical definitions ----------------------------------------------------------------- */

static void test_canons(void)
{
    static const char canons[] =
        "\x35"
        "\x00\x00\x00\x00\x00"
        "\x00\x00\x01\x03\x00\x03\x00\x04\x05\x01"
        "\x00\x00\x02\x02\x06\x07\x03\x02"
        "\x00\x00\x00\x01\x05\x00\x00"
        "\x01\x00\x00\x01\x01"
        "\x01\x00\x00\x01\x02"
        "\x02\x05" "\x03\x05" "\x04\x05" "\x24" "\x25"
        "\x09\x01\x00\x00" "\x09\x00\x79\x01\x03\x00"
        "\x05" "\x0a\x7f\x00" "\x0b\x7f\x01"
        "\x06\x00" "\x06\x01" "\x0d"
        "\x0e\x03" "\x0f\x03\x02\x03\x00\x04\x05" "\x10\x03\x00"
        "\x11\x03\x00" "\x12\x03\x01" "\x13\x03" "\x14\x03"
        "\x15\x04" "\x16\x04\x01\x06" "\x17\x04\x00" "\x18\x04\x00" "\x19\x04\x01"
        "\x1a\x04" "\x1b\x04"
        "\x1c\x01\x03\x00" "\x1d\x00" "\x1e"
        "\x1f" "\x20\x00\x00" "\x21\x01\x02" "\x22" "\x23"
        "\x26" "\x27\x00\x07" "\x28" "\x29\x00" "\x0c\x01"
        "\x2a\x00" "\x2b\x00" "\x2c\x00" "\x2d\x01"
        "\x40\x01\x09" "\x41\x00\x02\x03" "\x42\x01";
    static buf_t b;
    start(&b);
    sec(&b, 8, BIN(canons));
    weft_component_def_t *def = decode_ok(b.b, b.n, __LINE__);
    if (!def) return;
    CHECK(def->canons.count == 0x35);
    CHECK(def->spaces[WEFT_CSORT_FUNC].count == 4);
    CHECK(def->spaces[WEFT_CSORT_CORE_FUNC].count == 0x35 - 4);
    const weft_canon_t *c = def->canons.items;
    CHECK(c[0].op == WEFT_CANON_LIFT && c[0].nopts == 0 && c[0].offset == 12);
    CHECK(c[1].nopts == 3 && c[1].opts[1].kind == WEFT_COPT_MEMORY &&
          c[1].opts[2].kind == WEFT_COPT_REALLOC && c[1].opts[2].index == 5 && c[1].type == 1 &&
          c[1].opts[2].offset == 24);
    CHECK(c[2].func == 2 && c[2].opts[0].kind == WEFT_COPT_ASYNC &&
          c[2].opts[1].kind == WEFT_COPT_CALLBACK && c[2].opts[1].index == 3);
    CHECK(c[3].opts[0].kind == WEFT_COPT_POST_RETURN);
    CHECK(c[4].op == WEFT_CANON_LOWER && c[4].opts[0].kind == WEFT_COPT_UTF16);
    CHECK(c[5].opts[0].kind == WEFT_COPT_LATIN1_UTF16);
    CHECK(c[6].op == WEFT_CANON_RESOURCE_NEW && c[6].type == 5);
    CHECK(c[9].op == WEFT_CANON_BACKPRESSURE_INC && c[10].op == WEFT_CANON_BACKPRESSURE_DEC);
    CHECK(c[11].op == WEFT_CANON_TASK_RETURN && !c[11].has_result);
    CHECK(c[12].has_result && c[12].result.prim == WEFT_CPRIM_U32 && c[12].nopts == 1);
    CHECK(c[14].op == WEFT_CANON_CONTEXT_GET && c[14].core_valtype == 0x7f && c[14].slot == 0);
    CHECK(c[15].op == WEFT_CANON_CONTEXT_SET && c[15].slot == 1);
    CHECK(c[16].op == WEFT_CANON_SUBTASK_CANCEL && !c[16].flag && c[17].flag);
    CHECK(c[20].op == WEFT_CANON_STREAM_READ && c[20].nopts == 2);
    CHECK(c[23].op == WEFT_CANON_STREAM_CANCEL_WRITE && c[23].flag);
    CHECK(c[27].op == WEFT_CANON_FUTURE_READ && c[27].opts[0].kind == WEFT_COPT_ASYNC);
    CHECK(c[33].op == WEFT_CANON_ERROR_CONTEXT_NEW && c[33].nopts == 1);
    CHECK(c[34].op == WEFT_CANON_ERROR_CONTEXT_DEBUG_MESSAGE);
    CHECK(c[35].op == WEFT_CANON_ERROR_CONTEXT_DROP);
    CHECK(c[37].op == WEFT_CANON_WAITABLE_SET_WAIT && !c[37].flag && c[37].memory == 0);
    CHECK(c[38].op == WEFT_CANON_WAITABLE_SET_POLL && c[38].flag && c[38].memory == 2);
    CHECK(c[41].op == WEFT_CANON_THREAD_INDEX);
    CHECK(c[42].op == WEFT_CANON_THREAD_NEW_INDIRECT && c[42].type == 0 && c[42].table == 7);
    CHECK(c[45].op == WEFT_CANON_THREAD_YIELD && c[45].flag);
    CHECK(c[46].op == WEFT_CANON_THREAD_SUSPEND_THEN_RESUME);
    CHECK(c[48].op == WEFT_CANON_THREAD_SUSPEND_THEN_PROMOTE);
    /* The 🧵② built-ins come last. */
    CHECK(c[0x35 - 3].op == WEFT_CANON_THREAD_SPAWN_REF && c[0x35 - 3].flag &&
          c[0x35 - 3].type == 9);
    CHECK(c[0x35 - 2].op == WEFT_CANON_THREAD_SPAWN_INDIRECT && !c[0x35 - 2].flag &&
          c[0x35 - 2].type == 2 && c[0x35 - 2].table == 3);
    CHECK(c[0x35 - 1].op == WEFT_CANON_THREAD_AVAILABLE_PARALLELISM && c[0x35 - 1].flag);
    for (uint32_t i = 0; i < def->canons.count; i++) {
        CHECK(strcmp(weft__canon_name(c[i].op), "unknown canon") != 0);
    }
    weft__component_def_free(def);

    DECODE_BAD(PRE "\x08\x02\x01\x07", 11, "invalid leading byte (0x7) for canonical function");
    DECODE_BAD(PRE "\x08\x02\x01\x08", 11, "invalid leading byte (0x8) for canonical function");
    DECODE_BAD(PRE "\x08\x02\x01\x2e", 11, "(0x2e) for canonical function");
    DECODE_BAD(PRE "\x08\x02\x01\x43", 11, "(0x43) for canonical function");
    DECODE_BAD(PRE "\x08\x06\x01\x00\x01\x00\x00\x00", 12, "for canonical function lift");
    DECODE_BAD(PRE "\x08\x05\x01\x01\x01\x00\x00", 12, "for canonical function lower");
    DECODE_BAD(PRE "\x08\x06\x01\x01\x00\x00\x01\x0a", 15, "(0xa) for canonical option");
    DECODE_BAD(PRE "\x08\x03\x01\x0c\x02", 12, "invalid boolean value");
    DECODE_BAD(PRE "\x08\x04\x01\x20\x02\x00", 12, "invalid boolean value");
    DECODE_BAD(PRE "\x08\x04\x01\x40\x02\x00", 12, "invalid boolean value");
}

/* ---- imports, exports, start, values, names ---------------------------------------------- */

static void test_imports_exports(void)
{
    static buf_t b;
    start(&b);
    SEC(&b, 3, "\x01\x50\x00");
    SEC(&b, 7, "\x03\x40\x00\x01\x00\x42\x00\x73");
    SEC(&b, 10, "\x07"
            "\x00\x01" "m" "\x00\x11\x00"
            "\x01\x01" "f" "\x01\x00"
            "\x00\x02" "t1" "\x03\x00\x02"
            "\x00\x02" "t2" "\x03\x01"
            "\x02\x01" "i" "\x03\x00\x05" "a:b/c" "\x01\x02" "-x" "\x02\x02" "id" "\x05\x01"
            "\x00\x01" "v" "\x02\x01\x79"
            "\x00\x01" "w" "\x02\x00\x00");
    SEC(&b, 11, "\x02"
            "\x00\x01" "e" "\x01\x00\x00"
            "\x00\x01" "g" "\x01\x00\x01\x01\x00");
    weft_component_def_t *def = decode_ok(b.b, b.n, __LINE__);
    if (def) {
        CHECK(def->imports.count == 7);
        const weft_cimport_t *im = def->imports.items;
        CHECK(im[0].desc.kind == WEFT_CEXT_MODULE && im[0].desc.index == 0);
        CHECK(im[1].name.form == 1 && im[1].desc.kind == WEFT_CEXT_FUNC);
        CHECK(im[2].desc.kind == WEFT_CEXT_TYPE && im[2].desc.bound == 0 && im[2].desc.index == 2);
        CHECK(im[3].desc.bound == 1);
        CHECK(im[4].name.form == 2 && im[4].name.nattrs == 3 &&
              im[4].name.attrs[0].kind == WEFT_CATTR_IMPLEMENTS &&
              name_is(im[4].name.attrs[0].value, "a:b/c") &&
              im[4].name.attrs[1].kind == WEFT_CATTR_SEMVERSUFFIX &&
              im[4].name.attrs[2].kind == WEFT_CATTR_EXTERNAL_ID &&
              name_is(im[4].name.attrs[2].value, "id") && im[4].desc.kind == WEFT_CEXT_INSTANCE);
        CHECK(im[5].desc.kind == WEFT_CEXT_VALUE && im[5].desc.bound == 1 &&
              im[5].desc.valtype.prim == WEFT_CPRIM_U32);
        CHECK(im[6].desc.bound == 0 && im[6].desc.index == 0);
        CHECK(def->spaces[WEFT_CSORT_CORE_MODULE].count == 1);
        CHECK(def->spaces[WEFT_CSORT_FUNC].count == 3); /* import f + 2 exports */
        CHECK(def->spaces[WEFT_CSORT_TYPE].count == 5);
        CHECK(def->spaces[WEFT_CSORT_INSTANCE].count == 1);
        CHECK(def->spaces[WEFT_CSORT_VALUE].count == 2);
        CHECK(def->exports.count == 2 && !def->exports.items[0].has_type &&
              def->exports.items[1].has_type &&
              def->exports.items[1].type.kind == WEFT_CEXT_FUNC);
        const weft_centry_t *e = weft__component_entry(def, WEFT_CSORT_FUNC, 2);
        CHECK(e && e->how == WEFT_CDEF_EXPORT && e->def == 1);
        weft__component_def_free(def);
    }
    DECODE_BAD(PRE "\x0a\x06\x01\x03\x01" "a" "\x01\x00", 11, "(0x3) for component name");
    DECODE_BAD(PRE "\x0a\x0a\x01\x02\x01" "a" "\x01\x03\x01" "x" "\x01\x00", 15,
               "(0x3) for name option");
    DECODE_BAD(PRE "\x0a\x06\x01\x00\x01" "t" "\x03\x02", 15, "(0x2) for type bound");
    DECODE_BAD(PRE "\x0a\x06\x01\x00\x01" "x" "\x06\x00", 14, "(0x6) for component external kind");
    DECODE_BAD(PRE "\x0a\x06\x01\x00\x01" "m" "\x00\x00", 15, "(0x0) for component external kind");
    DECODE_BAD(PRE "\x0a\x05\x01\x00\x7f\x61\x62", 12, "unexpected end-of-file");
    DECODE_BAD(PRE "\x0a\x07\x01\x00\x02\xff\xfe\x01\x00", 12, "malformed UTF-8 encoding");
    DECODE_BAD(PRE "\x0b\x07\x01\x00\x01" "e" "\x01\x00\x02", 16,
               "optional component export type");
    DECODE_BAD(PRE "\x0b\x07\x01\x00\x01" "e" "\x06\x00\x00", 14, "component external kind");
}

static void test_start_values_names(void)
{
    static buf_t b;
    start(&b);
    SEC(&b, 12, "\x02"
                "\x79\x01\x05"         /* value u32 5 */
                "\x73\x03\x02" "hi");  /* value string "hi" */
    SEC(&b, 9, "\x00\x02\x00\x01\x02"); /* start func 0 (value 0, value 1) -> 2 results */
    SEC(&b, 0, "\x0e" "component-name"
               "\x00\x03\x02" "me"     /* component name */
               "\x01\x09\x01\x02\x00\x01" "f" "\x02\x02" "zz" /* func names */
               "\x07\x00");             /* unknown subsection */
    weft_component_def_t *def = decode_ok(b.b, b.n, __LINE__);
    if (def) {
        CHECK(def->values.count == 2 && def->values.items[1].type.prim == WEFT_CPRIM_STRING &&
              def->values.items[1].len == 3 && def->values.items[1].data_offset == 16);
        CHECK(def->starts.count == 1 && def->starts.items[0].nargs == 2 &&
              def->starts.items[0].args[1] == 1 && def->starts.items[0].nresults == 2);
        CHECK(def->spaces[WEFT_CSORT_VALUE].count == 4);
        const weft_centry_t *e = weft__component_entry(def, WEFT_CSORT_VALUE, 3);
        CHECK(e && e->how == WEFT_CDEF_START && e->sub == 1);
        CHECK(def->names.has_name && name_is(def->names.name, "me"));
        CHECK(def->names.count[WEFT_CSORT_FUNC] == 2 &&
              def->names.map[WEFT_CSORT_FUNC][1].index == 2 &&
              name_is(def->names.map[WEFT_CSORT_FUNC][1].name, "zz"));
        weft__component_def_free(def);
    }
    /* A malformed name section is never an error. */
    def = DECODE_OK(PRE "\x00\x12\x0e" "component-name" "\xff\xfe\x01"
                        "\x00\x10\x0e" "component-name" "\x99");
    weft__component_def_free(def);
    DECODE_BAD(PRE "\x0c\x04\x01\x79\x05\x01", 12, "unexpected end-of-file");
    DECODE_BAD(PRE "\x09\x04\x00\x00\x90\x4e", 12, "too many start results");
}

/* ---- robustness: allocation failures, truncation, mutation --------------------------------- */

typedef struct fail_alloc {
    long budget; /* allocations left before failing; < 0: never fail */
    long live;
    size_t bytes;
} fail_alloc_t;

static void *failing_alloc(void *ud, void *ptr, size_t old_size, size_t new_size)
{
    fail_alloc_t *f = ud;
    if (new_size == 0) {
        if (ptr) {
            f->live--;
            f->bytes -= old_size;
        }
        free(ptr);
        return NULL;
    }
    if (f->budget == 0) return NULL;
    if (f->budget > 0) f->budget--;
    void *p = realloc(ptr, new_size);
    if (!p) return NULL;
    if (!ptr) f->live++;
    f->bytes += new_size - old_size;
    return p;
}

static const char sample[] =
    PRE "\x01\x1f" MOD_F
        "\x02\x04\x01\x00\x00\x00"
        "\x06\x07\x01\x00\x00\x01\x00\x01" "f"
        "\x07\x14\x03\x40\x00\x01\x00\x41\x02\x01\x73\x04\x00\x01" "b" "\x03\x00\x00"
        "\x3f\x7f\x01\x00"
        "\x03\x09\x01\x4e\x02\x60\x00\x00\x5e\x7f\x01"
        "\x08\x0a\x02\x00\x00\x00\x01\x03\x00\x00\x02\x02"
        "\x04\x0f" PRE "\x07\x05\x01\x6e\x01\x01" "a"
        "\x0b\x07\x01\x00\x01" "e" "\x01\x00\x00"
        "\x00\x15\x0e" "component-name" "\x00\x04\x03" "top";

static void test_alloc_failures(void)
{
    weft_component_def_t *def = DECODE_OK(sample);
    CHECK(def != NULL);
    weft__component_def_free(def);
    bool succeeded = false;
    for (long budget = 0; budget < 1000 && !succeeded; budget++) {
        fail_alloc_t f = {budget, 0, 0};
        weft_alloc_t a = {failing_alloc, &f};
        weft_component_def_t *d = NULL;
        weft_error_t *e = weft__component_decode(&a, NULL, BIN(sample), &d);
        if (e) {
            CHECK(weft_error_kind(e) == WEFT_ERROR_OOM);
            CHECK(d == NULL);
            weft_error_delete(e);
        } else {
            succeeded = true;
            weft__component_def_free(d);
        }
        CHECK(f.live == 0 && f.bytes == 0);
    }
    CHECK(succeeded);
}

static void test_truncation_and_mutation(void)
{
    size_t n = sizeof sample - 1;
    uint8_t *b = malloc(n);
    if (!b) return;
    for (size_t len = 0; len < n; len++) {
        memcpy(b, sample, len);
        weft_component_def_t *d = NULL;
        weft_error_t *e = weft__component_decode(&dflt, NULL, b, len, &d);
        /* Every prefix ending inside a section is malformed. */
        if (e) {
            CHECK(weft_error_kind(e) == WEFT_ERROR_DECODE);
            CHECK(weft_error_offset(e) <= len);
            weft_error_delete(e);
        }
        weft__component_def_free(d);
    }
    /* Every byte replaced by a few values: no crash, and offsets stay within the input. */
    static const uint8_t vals[] = {0x00, 0x01, 0x02, 0x40, 0x7f, 0x80, 0xff};
    for (size_t i = 8; i < n; i++) {
        for (size_t v = 0; v < sizeof vals; v++) {
            memcpy(b, sample, n);
            b[i] = vals[v];
            weft_component_def_t *d = NULL;
            weft_error_t *e = weft__component_decode(&dflt, NULL, b, n, &d);
            if (e) {
                CHECK(weft_error_offset(e) <= n);
                weft_error_delete(e);
            }
            weft__component_def_free(d);
        }
    }
    free(b);
}

int main(void)
{
    test_preamble();
    test_sections();
    test_types();
    test_type_decls();
    test_depth();
    test_modules_instances();
    test_core_types();
    test_canons();
    test_imports_exports();
    test_start_values_names();
    test_alloc_failures();
    test_truncation_and_mutation();
    return test_report("test_component_decode");
}
