/* test_canon.c - unit tests of the synchronous Canonical ABI (src/component/canon*.c,
 * transcode.c, handles.c, cvalue.c): the exact realloc sequences and results of string
 * transcoding for all 9 encoding pairs (expected values computed by the spec's
 * definitions.py), lifting traps, handle-table index order, and round trips of values. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "component/canon.h"
#include "component/transcode.h"
#include "util/error.h"
#include "test_types.h"
#include "test_util.h"

static const weft_alloc_t dflt = {weft__default_alloc, NULL};

/* ---- a guest stand-in: a byte array memory and a bump realloc that logs its calls ------ */

#define MEM_SIZE 65536u
typedef struct bump {
    uint8_t bytes[MEM_SIZE];
    weft_memory_t mem;
    uint32_t next;
    int mode; /* 0 normal, 1 return out of bounds, 2 return misaligned (-1) */
    uint32_t ncalls;
    uint32_t calls[16][4];
} bump_t;

static weft_error_t *bump_realloc(void *env, uint32_t old, uint32_t old_size, uint32_t align,
                                  uint32_t new_size, uint32_t *result)
{
    bump_t *b = env;
    if (b->ncalls < 16) {
        b->calls[b->ncalls][0] = old;
        b->calls[b->ncalls][1] = old_size;
        b->calls[b->ncalls][2] = align;
        b->calls[b->ncalls][3] = new_size;
    }
    b->ncalls++;
    if (b->mode == 1) {
        *result = MEM_SIZE - (new_size ? 0 : 0) + 8;
        return NULL;
    }
    if (b->mode == 2) {
        *result = 0xffffffffu;
        return NULL;
    }
    if (old && new_size <= old_size) {
        *result = old;
        return NULL;
    }
    uint32_t p = (b->next + align - 1) / align * align;
    if (old) memmove(b->bytes + p, b->bytes + old, old_size < new_size ? old_size : new_size);
    b->next = p + new_size;
    *result = p;
    return NULL;
}

static void bump_init(bump_t *b, weft_canon_cx_t *cx, uint8_t enc)
{
    memset(b, 0, sizeof *b);
    b->mem.data = b->bytes;
    b->mem.size = MEM_SIZE;
    b->next = 16;
    memset(cx, 0, sizeof *cx);
    cx->alloc = &dflt;
    cx->memory = &b->mem;
    cx->string_encoding = enc;
    cx->realloc = bump_realloc;
    cx->realloc_env = b;
}

/* A trap whose message contains `want`; no error. Checked at `line` of this file. */
static void expect_trap(weft_error_t *e, const char *want, int line)
{
    test_check(test_is_err(e, WEFT_ERROR_TRAP, want), __FILE__, line, "expected trap");
}
#define EXPECT_TRAP(e, want) expect_trap((e), (want), __LINE__)

static void expect_ok(weft_error_t *e, int line)
{
    test_check(test_ok(e), __FILE__, line, "no error");
}
#define EXPECT_OK(e) expect_ok((e), __LINE__)

/* ---- transcoding: every encoding pair, byte for byte and call for call ------------------ */

typedef struct str_case {
    const char *src;
    uint32_t src_tagged;
    int src_enc, dst_enc;
    uint32_t ptr, tagged;
    const char *data;
    uint32_t ncalls;
    uint32_t calls[3][4];
} str_case_t;

/* Generated with definitions.py store_string_into_range and the same bump allocator. */
static const str_case_t str_cases[] = {
    {"", 0u, 0, 0, 16, 0u, "", 1, {{0,0,1,0}}},
    {"", 0u, 0, 1, 16, 0u, "", 1, {{0,0,2,0}}},
    {"", 0u, 0, 2, 16, 0u, "", 1, {{0,0,2,0}}},
    {"", 0u, 1, 0, 16, 0u, "", 1, {{0,0,1,0}}},
    {"", 0u, 1, 1, 16, 0u, "", 1, {{0,0,2,0}}},
    {"", 0u, 1, 2, 16, 0u, "", 1, {{0,0,2,0}}},
    {"", 0u, 2, 0, 16, 0u, "", 1, {{0,0,1,0}}},
    {"", 0u, 2, 1, 16, 0u, "", 1, {{0,0,2,0}}},
    {"", 0u, 2, 2, 16, 0u, "", 1, {{0,0,2,0}}},
    {"\x61\x62\x63", 3u, 0, 0, 16, 3u, "\x61\x62\x63", 1, {{0,0,1,3}}},
    {"\x61\x62\x63", 3u, 0, 1, 16, 3u, "\x61\x00\x62\x00\x63\x00", 1, {{0,0,2,6}}},
    {"\x61\x62\x63", 3u, 0, 2, 16, 3u, "\x61\x62\x63", 1, {{0,0,2,3}}},
    {"\x61\x00\x62\x00\x63\x00", 3u, 1, 0, 16, 3u, "\x61\x62\x63", 1, {{0,0,1,3}}},
    {"\x61\x00\x62\x00\x63\x00", 3u, 1, 1, 16, 3u, "\x61\x00\x62\x00\x63\x00", 1, {{0,0,2,6}}},
    {"\x61\x00\x62\x00\x63\x00", 3u, 1, 2, 16, 3u, "\x61\x62\x63", 1, {{0,0,2,3}}},
    {"\x61\x62\x63", 3u, 2, 0, 16, 3u, "\x61\x62\x63", 1, {{0,0,1,3}}},
    {"\x61\x62\x63", 3u, 2, 1, 16, 3u, "\x61\x00\x62\x00\x63\x00", 1, {{0,0,2,6}}},
    {"\x61\x62\x63", 3u, 2, 2, 16, 3u, "\x61\x62\x63", 1, {{0,0,2,3}}},
    {"\x61\xc3\xa9", 3u, 0, 0, 16, 3u, "\x61\xc3\xa9", 1, {{0,0,1,3}}},
    {"\x61\xc3\xa9", 3u, 0, 1, 16, 2u, "\x61\x00\xe9\x00", 2, {{0,0,2,6},{16,6,2,4}}},
    {"\x61\xc3\xa9", 3u, 0, 2, 16, 2u, "\x61\xe9", 2, {{0,0,2,3},{16,3,2,2}}},
    {"\x61\x00\xe9\x00", 2u, 1, 0, 18, 3u, "\x61\xc3\xa9", 3, {{0,0,1,2},{16,2,1,6},{18,6,1,3}}},
    {"\x61\x00\xe9\x00", 2u, 1, 1, 16, 2u, "\x61\x00\xe9\x00", 1, {{0,0,2,4}}},
    {"\x61\x00\xe9\x00", 2u, 1, 2, 16, 2u, "\x61\xe9", 1, {{0,0,2,2}}},
    {"\x61\xe9", 2u, 2, 0, 18, 3u, "\x61\xc3\xa9", 3, {{0,0,1,2},{16,2,1,4},{18,4,1,3}}},
    {"\x61\xe9", 2u, 2, 1, 16, 2u, "\x61\x00\xe9\x00", 1, {{0,0,2,4}}},
    {"\x61\xe9", 2u, 2, 2, 16, 2u, "\x61\xe9", 1, {{0,0,2,2}}},
    {"\x61\xe2\x82\xac\x62", 5u, 0, 0, 16, 5u, "\x61\xe2\x82\xac\x62", 1, {{0,0,1,5}}},
    {"\x61\xe2\x82\xac\x62", 5u, 0, 1, 16, 3u, "\x61\x00\xac\x20\x62\x00", 2, {{0,0,2,10},{16,10,2,6}}},
    {"\x61\xe2\x82\xac\x62", 5u, 0, 2, 22, 2147483651u, "\x61\x00\xac\x20\x62\x00", 3, {{0,0,2,5},{16,5,2,10},{22,10,2,6}}},
    {"\x61\x00\xac\x20\x62\x00", 3u, 1, 0, 19, 5u, "\x61\xe2\x82\xac\x62", 3, {{0,0,1,3},{16,3,1,9},{19,9,1,5}}},
    {"\x61\x00\xac\x20\x62\x00", 3u, 1, 1, 16, 3u, "\x61\x00\xac\x20\x62\x00", 1, {{0,0,2,6}}},
    {"\x61\x00\xac\x20\x62\x00", 3u, 1, 2, 20, 2147483651u, "\x61\x00\xac\x20\x62\x00", 2, {{0,0,2,3},{16,3,2,6}}},
    {"\x61\x00\xac\x20\x62\x00", 2147483651u, 2, 0, 19, 5u, "\x61\xe2\x82\xac\x62", 3, {{0,0,1,3},{16,3,1,9},{19,9,1,5}}},
    {"\x61\x00\xac\x20\x62\x00", 2147483651u, 2, 1, 16, 3u, "\x61\x00\xac\x20\x62\x00", 1, {{0,0,2,6}}},
    {"\x61\x00\xac\x20\x62\x00", 2147483651u, 2, 2, 16, 2147483651u, "\x61\x00\xac\x20\x62\x00", 1, {{0,0,2,6}}},
    {"\xf0\x9f\x98\x80\x78", 5u, 0, 0, 16, 5u, "\xf0\x9f\x98\x80\x78", 1, {{0,0,1,5}}},
    {"\xf0\x9f\x98\x80\x78", 5u, 0, 1, 16, 3u, "\x3d\xd8\x00\xde\x78\x00", 2, {{0,0,2,10},{16,10,2,6}}},
    {"\xf0\x9f\x98\x80\x78", 5u, 0, 2, 22, 2147483651u, "\x3d\xd8\x00\xde\x78\x00", 3, {{0,0,2,5},{16,5,2,10},{22,10,2,6}}},
    {"\x3d\xd8\x00\xde\x78\x00", 3u, 1, 0, 19, 5u, "\xf0\x9f\x98\x80\x78", 3, {{0,0,1,3},{16,3,1,9},{19,9,1,5}}},
    {"\x3d\xd8\x00\xde\x78\x00", 3u, 1, 1, 16, 3u, "\x3d\xd8\x00\xde\x78\x00", 1, {{0,0,2,6}}},
    {"\x3d\xd8\x00\xde\x78\x00", 3u, 1, 2, 20, 2147483651u, "\x3d\xd8\x00\xde\x78\x00", 2, {{0,0,2,3},{16,3,2,6}}},
    {"\x3d\xd8\x00\xde\x78\x00", 2147483651u, 2, 0, 19, 5u, "\xf0\x9f\x98\x80\x78", 3, {{0,0,1,3},{16,3,1,9},{19,9,1,5}}},
    {"\x3d\xd8\x00\xde\x78\x00", 2147483651u, 2, 1, 16, 3u, "\x3d\xd8\x00\xde\x78\x00", 1, {{0,0,2,6}}},
    {"\x3d\xd8\x00\xde\x78\x00", 2147483651u, 2, 2, 16, 2147483651u, "\x3d\xd8\x00\xde\x78\x00", 1, {{0,0,2,6}}},
    {"\xc3\xbf\xc3\xa9\x7a", 5u, 0, 0, 16, 5u, "\xc3\xbf\xc3\xa9\x7a", 1, {{0,0,1,5}}},
    {"\xc3\xbf\xc3\xa9\x7a", 5u, 0, 1, 16, 3u, "\xff\x00\xe9\x00\x7a\x00", 2, {{0,0,2,10},{16,10,2,6}}},
    {"\xc3\xbf\xc3\xa9\x7a", 5u, 0, 2, 16, 3u, "\xff\xe9\x7a", 2, {{0,0,2,5},{16,5,2,3}}},
    {"\xff\x00\xe9\x00\x7a\x00", 3u, 1, 0, 19, 5u, "\xc3\xbf\xc3\xa9\x7a", 3, {{0,0,1,3},{16,3,1,9},{19,9,1,5}}},
    {"\xff\x00\xe9\x00\x7a\x00", 3u, 1, 1, 16, 3u, "\xff\x00\xe9\x00\x7a\x00", 1, {{0,0,2,6}}},
    {"\xff\x00\xe9\x00\x7a\x00", 3u, 1, 2, 16, 3u, "\xff\xe9\x7a", 1, {{0,0,2,3}}},
    {"\xff\xe9\x7a", 3u, 2, 0, 19, 5u, "\xc3\xbf\xc3\xa9\x7a", 3, {{0,0,1,3},{16,3,1,6},{19,6,1,5}}},
    {"\xff\xe9\x7a", 3u, 2, 1, 16, 3u, "\xff\x00\xe9\x00\x7a\x00", 1, {{0,0,2,6}}},
    {"\xff\xe9\x7a", 3u, 2, 2, 16, 3u, "\xff\xe9\x7a", 1, {{0,0,2,3}}},
};

static void test_transcode_table(void)
{
    static bump_t b;
    for (size_t k = 0; k < sizeof str_cases / sizeof str_cases[0]; k++) {
        const str_case_t *c = &str_cases[k];
        weft_canon_cx_t cx;
        bump_init(&b, &cx, (uint8_t)c->dst_enc);
        weft_cstring_t s = {(const uint8_t *)c->src, c->src_tagged, (uint8_t)c->src_enc};
        uint32_t ptr = 0, tagged = 0;
        weft_error_t *e = weft__store_string_into_range(&cx, &s, &ptr, &tagged);
        EXPECT_OK(e);
        int ok = ptr == c->ptr && tagged == c->tagged && b.ncalls == c->ncalls;
        for (uint32_t i = 0; ok && i < c->ncalls; i++)
            ok = memcmp(b.calls[i], c->calls[i], sizeof c->calls[i]) == 0;
        /* the stored bytes */
        weft_cstring_t d = {b.bytes + ptr, tagged, (uint8_t)c->dst_enc};
        uint32_t n = weft__cstring_byte_length(&d);
        ok = ok && memcmp(b.bytes + ptr, c->data, n) == 0;
        if (!ok) {
            fprintf(stderr, "transcode case %zu (%d -> %d): got ptr %u tagged %u, %u calls\n", k,
                    c->src_enc, c->dst_enc, ptr, tagged, b.ncalls);
            failures++;
        }
        /* lifting what was stored gives back the same string */
        weft_cstring_t back;
        EXPECT_OK(weft__load_string_from_range(&cx, ptr, tagged, &back));
        uint32_t pa = 0, pb = 0, na = weft__cstring_byte_length(&s), nb = n;
        while (pa < na && pb < nb)
            CHECK(weft__cstring_next(&s, &pa) == weft__cstring_next(&back, &pb));
        CHECK(pa == na && pb == nb);
    }
}

static void test_string_traps(void)
{
    static bump_t b;
    weft_canon_cx_t cx;
    weft_cstring_t s;
    bump_init(&b, &cx, WEFT_STRENC_UTF8);
    memcpy(b.bytes + 8, "\xff", 1);
    EXPECT_TRAP(weft__load_string_from_range(&cx, 8, 1, &s), "invalid utf-8");
    memcpy(b.bytes + 8, "\xc3", 1);
    EXPECT_TRAP(weft__load_string_from_range(&cx, 8, 1, &s), "incomplete utf-8 byte sequence");
    memcpy(b.bytes + 8, "\xed\xa0\x80", 3); /* an encoded surrogate */
    EXPECT_TRAP(weft__load_string_from_range(&cx, 8, 3, &s), "invalid utf-8");
    memcpy(b.bytes + 8, "\xc0\x80", 2); /* overlong */
    EXPECT_TRAP(weft__load_string_from_range(&cx, 8, 2, &s), "invalid utf-8");
    memcpy(b.bytes + 8, "\xf4\x90\x80\x80", 4); /* past U+10FFFF */
    EXPECT_TRAP(weft__load_string_from_range(&cx, 8, 4, &s), "invalid utf-8");
    memcpy(b.bytes + 8, "\xf0\x9f\x98\x80", 4);
    EXPECT_OK(weft__load_string_from_range(&cx, 8, 4, &s));
    /* bounds: the last bytes of memory are fine, one more traps */
    EXPECT_OK(weft__load_string_from_range(&cx, MEM_SIZE - 2, 2, &s));
    EXPECT_TRAP(weft__load_string_from_range(&cx, MEM_SIZE - 1, 2, &s),
                "string pointer/length out of bounds of memory");
    EXPECT_TRAP(weft__load_string_from_range(&cx, 0x80000000u, 1, &s),
                "string content out-of-bounds");
    EXPECT_TRAP(weft__load_string_from_range(&cx, 0, 1u << 28, &s), "out-of-bounds");
    /* utf16: alignment first (even for an empty string), then lone surrogates */
    bump_init(&b, &cx, WEFT_STRENC_UTF16);
    EXPECT_TRAP(weft__load_string_from_range(&cx, 9, 0, &s), "unaligned pointer");
    EXPECT_TRAP(weft__load_string_from_range(&cx, 0x7fffffffu, 0, &s), "unaligned pointer");
    memcpy(b.bytes + 8, "\x00\xd8\x41\x00", 4);
    EXPECT_TRAP(weft__load_string_from_range(&cx, 8, 2, &s), "invalid utf-16");
    memcpy(b.bytes + 8, "\x00\xdc", 2);
    EXPECT_TRAP(weft__load_string_from_range(&cx, 8, 1, &s), "invalid utf-16");
    memcpy(b.bytes + 8, "\x3d\xd8\x00\xde", 4);
    EXPECT_OK(weft__load_string_from_range(&cx, 8, 2, &s));
    /* latin1+utf16: the tag selects utf16 */
    bump_init(&b, &cx, WEFT_STRENC_LATIN1_UTF16);
    EXPECT_TRAP(weft__load_string_from_range(&cx, 1, 0, &s), "unaligned pointer");
    memcpy(b.bytes + 8, "\x00\xd8", 2);
    EXPECT_OK(weft__load_string_from_range(&cx, 8, 2, &s)); /* latin1: any bytes */
    EXPECT_TRAP(weft__load_string_from_range(&cx, 8, 1u | WEFT_UTF16_TAG, &s), "invalid utf-16");
    /* realloc results: misaligned (checked first), then out of bounds */
    weft_cstring_t src = {(const uint8_t *)"ab", 2, WEFT_STRENC_UTF8};
    uint32_t p, u;
    bump_init(&b, &cx, WEFT_STRENC_UTF16);
    b.mode = 2;
    EXPECT_TRAP(weft__store_string_into_range(&cx, &src, &p, &u),
                "realloc return: result not aligned");
    bump_init(&b, &cx, WEFT_STRENC_UTF8);
    b.mode = 1;
    EXPECT_TRAP(weft__store_string_into_range(&cx, &src, &p, &u),
                "realloc return: beyond end of memory");
    /* a realloc that traps: its error is returned as is, may_leave restored */
    bool may_leave = true;
    bump_init(&b, &cx, WEFT_STRENC_UTF8);
    cx.may_leave = &may_leave;
    EXPECT_OK(weft__store_string_into_range(&cx, &src, &p, &u));
    CHECK(may_leave);
}

/* ---- handle tables ----------------------------------------------------------------------- */

static void test_handles(void)
{
    weft_handles_t t;
    weft__handles_init(&t, &dflt);
    weft_rt_resource_t r1 = {NULL}, r2 = {NULL};
    uint32_t i1, i2, i3, i, rep;
    bool dtor;
    EXPECT_OK(weft__resource_new(&t, &r1, 100, &i1));
    EXPECT_OK(weft__resource_new(&t, &r1, 200, &i2));
    EXPECT_OK(weft__resource_new(&t, &r1, 300, &i3));
    CHECK(i1 == 1 && i2 == 2 && i3 == 3);
    EXPECT_OK(weft__resource_drop(&t, &r1, 2, &dtor, &rep));
    CHECK(dtor && rep == 200);
    EXPECT_OK(weft__resource_new(&t, &r1, 201, &i));
    CHECK(i == 2);
    EXPECT_OK(weft__resource_drop(&t, &r1, 1, &dtor, &rep));
    EXPECT_OK(weft__resource_drop(&t, &r1, 2, &dtor, &rep));
    EXPECT_OK(weft__resource_drop(&t, &r1, 3, &dtor, &rep));
    EXPECT_OK(weft__resource_new(&t, &r1, 1, &i1));
    EXPECT_OK(weft__resource_new(&t, &r1, 2, &i2));
    EXPECT_OK(weft__resource_new(&t, &r1, 3, &i3));
    CHECK(i1 == 3 && i2 == 2 && i3 == 1);
    EXPECT_TRAP(weft__resource_drop(&t, &r1, 0, &dtor, &rep), "unknown handle index 0");
    EXPECT_TRAP(weft__resource_drop(&t, &r1, 5, &dtor, &rep), "unknown handle index 5");
    EXPECT_TRAP(weft__resource_rep(&t, &r1, 0xffffffffu, &rep),
                "unknown handle index 4294967295");
    EXPECT_TRAP(weft__resource_drop(&t, &r2, 1, &dtor, &rep),
                "handle index 1 used with the wrong type");
    EXPECT_OK(weft__resource_rep(&t, &r1, 1, &rep));
    CHECK(rep == 3);
    /* lending: a lent own cannot be lifted or dropped until the loan ends */
    weft_lends_t lends;
    weft__lends_init(&lends);
    for (int k = 0; k < 20; k++) EXPECT_OK(weft__handles_lift_borrow(&t, &r1, 1, &lends, &rep));
    EXPECT_TRAP(weft__handles_lift_own(&t, &r1, 1, &rep),
                "cannot remove owned resource while borrowed");
    EXPECT_TRAP(weft__resource_drop(&t, &r1, 1, &dtor, &rep),
                "cannot remove owned resource while borrowed");
    weft__lends_release(&lends, &t);
    EXPECT_OK(weft__handles_lift_own(&t, &r1, 1, &rep));
    CHECK(rep == 3);
    EXPECT_TRAP(weft__resource_rep(&t, &r1, 1, &rep), "unknown handle index 1");
    /* borrows: into the implementer the rep itself; elsewhere a scoped handle */
    weft_borrow_scope_t scope = {0};
    int impl_inst = 0, other_inst = 0;
    weft_rt_resource_t r3 = {&impl_inst};
    EXPECT_OK(weft__handles_lower_borrow(&t, &r3, 77, &impl_inst, &scope, &i));
    CHECK(i == 77 && scope.num_borrows == 0);
    EXPECT_OK(weft__handles_lower_borrow(&t, &r3, 77, &other_inst, &scope, &i));
    CHECK(i == 1 && scope.num_borrows == 1);
    EXPECT_TRAP(weft__borrow_scope_check(&dflt, &scope),
                "borrow handles still remain at the end of the call");
    EXPECT_TRAP(weft__handles_lift_own(&t, &r3, i, &rep), "borrow");
    EXPECT_OK(weft__resource_drop(&t, &r3, i, &dtor, &rep));
    CHECK(!dtor && scope.num_borrows == 0);
    EXPECT_OK(weft__borrow_scope_check(&dflt, &scope));
    weft__handles_free(&t);
}

/* ---- value types ---------------------------------------------------------------------------- */

static const weft_rt_resource_t test_rt = {NULL};
static const weft_rt_resource_t *resolve(void *env, const weft_ty_resource_t *r)
{
    (void)env;
    (void)r;
    return &test_rt;
}

static weft_cval_t V(uint8_t kind, uint64_t u)
{
    weft_cval_t v;
    memset(&v, 0, sizeof v);
    v.kind = kind;
    v.u.u = u;
    return v;
}

/* lower_flat_values -> lift_flat_values, and store -> load, must give the value back. */
static void roundtrip(const weft_ty_val_t *t, const weft_cval_t *v, int line)
{
    static bump_t b;
    for (int enc = 0; enc < 3; enc++) {
        weft_canon_cx_t cx;
        weft_handles_t handles;
        weft__handles_init(&handles, &dflt);
        bump_init(&b, &cx, (uint8_t)enc);
        cx.handles = &handles;
        cx.resource = resolve;
        weft_ty_field_t field = {nm(""), t};
        weft_val_t flat[WEFT_MAX_FLAT_PARAMS + 1];
        uint32_t n = 0;
        weft_cval_arena_t ar;
        weft__cval_arena_init(&ar, &dflt);
        weft_cval_t back;
        weft_error_t *e = weft__canon_lower_flat_values(&cx, WEFT_MAX_FLAT_PARAMS, &field, 1, v,
                                                        NULL, flat, &n);
        expect_ok(e, line);
        if (!e) {
            expect_ok(e = weft__canon_lift_flat_values(&cx, &ar, WEFT_MAX_FLAT_PARAMS, &field, 1,
                                                       flat, n, &back),
                      line);
            if (!e && !weft__cval_equal(t, v, &back)) {
                fprintf(stderr, "%s:%d: flat round trip differs (encoding %d)\n", __FILE__,
                        line, enc);
                failures++;
            }
        }
        /* through memory, and with max_flat 0 (a pointer to the tuple) */
        uint32_t ptr = (b.next + 7) & ~7u;
        b.next = ptr + t->size32;
        expect_ok(e = weft__canon_store(&cx, t, v, ptr), line);
        if (!e) {
            expect_ok(e = weft__canon_load(&cx, &ar, t, ptr, &back), line);
            if (!e && !weft__cval_equal(t, v, &back)) {
                fprintf(stderr, "%s:%d: memory round trip differs (encoding %d)\n", __FILE__,
                        line, enc);
                failures++;
            }
        }
        expect_ok(e = weft__canon_lower_flat_values(&cx, 0, &field, 1, v, NULL, flat, &n), line);
        if (!e) {
            CHECK(n == 1);
            expect_ok(e = weft__canon_lift_flat_values(&cx, &ar, 0, &field, 1, flat, n, &back),
                      line);
            if (!e && !weft__cval_equal(t, v, &back)) {
                fprintf(stderr, "%s:%d: indirect round trip differs\n", __FILE__, line);
                failures++;
            }
        }
        weft__cval_arena_reset(&ar);
        weft__handles_free(&handles);
    }
}
#define ROUNDTRIP(t, v) roundtrip((t), (v), __LINE__)

static void test_roundtrips(void)
{
    weft_cval_arena_t ar;
    weft__cval_arena_init(&ar, &dflt);
    for (uint8_t k = WEFT_TY_BOOL; k <= WEFT_TY_F64; k++) {
        weft_cval_t v = V(k, 0x8123456789abcdefull);
        const weft_ty_val_t *t = prim(k);
        /* normalize to the type's range, as a host would give it */
        switch (k) {
        case WEFT_TY_BOOL: v.u.u = 0; v.u.b = true; break;
        case WEFT_TY_U8: v.u.u &= 0xff; break;
        case WEFT_TY_U16: v.u.u &= 0xffff; break;
        case WEFT_TY_U32: case WEFT_TY_F32: v.u.u &= 0xffffffff; break;
        case WEFT_TY_S8: v.u.s = -17; break;
        case WEFT_TY_S16: v.u.s = -1234; break;
        case WEFT_TY_S32: v.u.s = -123456789; break;
        default: break;
        }
        ROUNDTRIP(t, &v);
    }
    weft_cval_t c = V(WEFT_TY_CHAR, 0x1F600);
    ROUNDTRIP(prim(WEFT_TY_CHAR), &c);
    weft_cval_t s;
    CHECK(weft__cval_string_utf8(&ar, "h\xc3\xa9llo \xe2\x82\xac \xf0\x9f\x98\x80", 15, &s));
    ROUNDTRIP(prim(WEFT_TY_STRING), &s);
    weft_cval_t s2;
    CHECK(weft__cval_string_utf8(&ar, "latin \xc3\xbf", 8, &s2));
    ROUNDTRIP(prim(WEFT_TY_STRING), &s2);

    /* record { a: u8, b: string, c: list<u16>, d: f64 } */
    const weft_ty_val_t *lu16 = mk(WEFT_TY_LIST, prim(WEFT_TY_U16), 0, NULL, NULL);
    const weft_ty_val_t *rt[] = {prim(WEFT_TY_U8), prim(WEFT_TY_STRING), lu16, prim(WEFT_TY_F64)};
    const char *rl[] = {"a", "b", "c", "d"};
    const weft_ty_val_t *rec = mk(WEFT_TY_RECORD, NULL, 4, rt, rl);
    CHECK(rec->size32 == 32 && rec->align32 == 8 && rec->nflat == 6);
    weft_cval_t *items = weft__cval_nodes(&ar, 4), *elems = weft__cval_nodes(&ar, 3);
    items[0] = V(WEFT_TY_U8, 200);
    items[1] = s;
    for (int i = 0; i < 3; i++) elems[i] = V(WEFT_TY_U16, 1000u + (unsigned)i);
    items[2].kind = WEFT_TY_LIST;
    items[2].u.agg.len = 3;
    items[2].u.agg.items = elems;
    items[3] = V(WEFT_TY_F64, 0x400921fb54442d18ull);
    weft_cval_t r = {.kind = WEFT_TY_RECORD};
    r.u.agg.len = 4;
    r.u.agg.items = items;
    ROUNDTRIP(rec, &r);

    /* variant { a(u32), b(f32), c, d(u64), e(string) }: joined flat types i32, i64, i32 */
    const weft_ty_val_t *vt[] = {prim(WEFT_TY_U32), prim(WEFT_TY_F32), NULL, prim(WEFT_TY_U64),
                                 prim(WEFT_TY_STRING)};
    const char *vl[] = {"a", "b", "c", "d", "e"};
    const weft_ty_val_t *var = mk(WEFT_TY_VARIANT, NULL, 5, vt, vl);
    CHECK(var->nflat == 3 && var->flat[1] == WEFT_T_I64 && var->flat[2] == WEFT_T_I32);
    CHECK(var->size32 == 16 && var->align32 == 8 && var->payload_off32 == 8);
    weft_cval_t payloads[5] = {V(WEFT_TY_U32, 0xdeadbeef), V(WEFT_TY_F32, 0x3fc00000), V(0, 0),
                               V(WEFT_TY_U64, 0xffffffffffffffffull), s};
    for (uint32_t i = 0; i < 5; i++) {
        weft_cval_t vv = {.kind = WEFT_TY_VARIANT};
        vv.u.var.index = i;
        vv.u.var.payload = vt[i] ? &payloads[i] : NULL;
        ROUNDTRIP(var, &vv);
    }
    /* option<result<char, flags>>, enum, tuple, fixed list, own, borrow */
    const char *fl[] = {"f0", "f1", "f2", "f3", "f4", "f5", "f6", "f7", "f8", "f9"};
    const weft_ty_val_t *flags = mk(WEFT_TY_FLAGS, NULL, 10, NULL, fl);
    CHECK(flags->size32 == 2);
    const weft_ty_val_t *res_t[] = {prim(WEFT_TY_CHAR), flags};
    const weft_ty_val_t *res = mk(WEFT_TY_RESULT, NULL, 2, res_t, NULL);
    const weft_ty_val_t *opt = mk(WEFT_TY_OPTION, res, 0, NULL, NULL);
    weft_cval_t fv = V(WEFT_TY_FLAGS, 0x2a5), rv = {.kind = WEFT_TY_RESULT};
    rv.u.var.index = 1;
    rv.u.var.payload = &fv;
    weft_cval_t ov = {.kind = WEFT_TY_OPTION};
    ov.u.var.index = 1;
    ov.u.var.payload = &rv;
    ROUNDTRIP(opt, &ov);
    const weft_ty_val_t *fixed = mk(WEFT_TY_FIXED_LIST, prim(WEFT_TY_S16), 3, NULL, NULL);
    CHECK(fixed->size32 == 6 && fixed->nflat == 3);
    weft_cval_t fe[3] = {V(WEFT_TY_S16, 1), V(WEFT_TY_S16, 2), V(WEFT_TY_S16, 3)};
    fe[1].u.s = -2;
    weft_cval_t fxv = {.kind = WEFT_TY_FIXED_LIST};
    fxv.u.agg.len = 3;
    fxv.u.agg.items = fe;
    ROUNDTRIP(fixed, &fxv);
    /* list<list<string>> */
    const weft_ty_val_t *ls = mk(WEFT_TY_LIST, prim(WEFT_TY_STRING), 0, NULL, NULL);
    const weft_ty_val_t *lls = mk(WEFT_TY_LIST, ls, 0, NULL, NULL);
    weft_cval_t inner[2] = {{.kind = WEFT_TY_LIST}, {.kind = WEFT_TY_LIST}};
    weft_cval_t strs[2] = {s, s2};
    inner[0].u.agg.len = 2;
    inner[0].u.agg.items = strs;
    weft_cval_t outer = {.kind = WEFT_TY_LIST};
    outer.u.agg.len = 2;
    outer.u.agg.items = inner;
    ROUNDTRIP(lls, &outer);
    weft__cval_arena_reset(&ar);
}

/* ---- lifting traps and scalar lifting rules ------------------------------------------------ */

static weft_val_t I32(uint32_t x)
{
    weft_val_t v;
    memset(&v, 0, sizeof v);
    v.kind = WEFT_I32;
    v.of.i32 = (int32_t)x;
    return v;
}

static void test_lift_rules(void)
{
    static bump_t b;
    weft_canon_cx_t cx;
    bump_init(&b, &cx, WEFT_STRENC_UTF8);
    weft_cval_arena_t ar;
    weft__cval_arena_init(&ar, &dflt);
    weft_cval_t out;
    uint32_t pos;
    weft_val_t v[4];
    /* integers wrap, bool is nonzero, NaNs are canonical */
    v[0] = I32(0x1ff);
    pos = 0;
    EXPECT_OK(weft__canon_lift_flat(&cx, &ar, prim(WEFT_TY_U8), v, &pos, &out));
    CHECK(out.u.u == 0xff && pos == 1);
    pos = 0;
    EXPECT_OK(weft__canon_lift_flat(&cx, &ar, prim(WEFT_TY_S8), v, &pos, &out));
    CHECK(out.u.s == -1);
    v[0] = I32(0x18000);
    pos = 0;
    EXPECT_OK(weft__canon_lift_flat(&cx, &ar, prim(WEFT_TY_S16), v, &pos, &out));
    CHECK(out.u.s == -32768);
    v[0] = I32(2);
    pos = 0;
    EXPECT_OK(weft__canon_lift_flat(&cx, &ar, prim(WEFT_TY_BOOL), v, &pos, &out));
    CHECK(out.u.b);
    b.bytes[100] = 0x80;
    EXPECT_OK(weft__canon_load(&cx, &ar, prim(WEFT_TY_BOOL), 100, &out));
    CHECK(out.u.b);
    v[0].kind = WEFT_F32;
    v[0].of.f32 = 0xffc12345u;
    pos = 0;
    EXPECT_OK(weft__canon_lift_flat(&cx, &ar, prim(WEFT_TY_F32), v, &pos, &out));
    CHECK(out.u.f32 == 0x7fc00000u);
    v[0].kind = WEFT_F64;
    v[0].of.f64 = 0x7ff0000000000001ull;
    pos = 0;
    EXPECT_OK(weft__canon_lift_flat(&cx, &ar, prim(WEFT_TY_F64), v, &pos, &out));
    CHECK(out.u.f64 == 0x7ff8000000000000ull);
    /* char validity */
    v[0] = I32(0xd800);
    pos = 0;
    EXPECT_TRAP(weft__canon_lift_flat(&cx, &ar, prim(WEFT_TY_CHAR), v, &pos, &out),
                "invalid `char` bit pattern");
    v[0] = I32(0x110000);
    pos = 0;
    EXPECT_TRAP(weft__canon_lift_flat(&cx, &ar, prim(WEFT_TY_CHAR), v, &pos, &out),
                "invalid `char` bit pattern");
    /* flags: undefined high bits are ignored */
    const char *fl[] = {"a", "b", "c"};
    const weft_ty_val_t *flags = mk(WEFT_TY_FLAGS, NULL, 3, NULL, fl);
    v[0] = I32(0xff);
    pos = 0;
    EXPECT_OK(weft__canon_lift_flat(&cx, &ar, flags, v, &pos, &out));
    CHECK(out.u.flags == 7);
    /* variant discriminants */
    const weft_ty_val_t *en = mk(WEFT_TY_ENUM, NULL, 3, NULL, fl);
    v[0] = I32(3);
    pos = 0;
    EXPECT_TRAP(weft__canon_lift_flat(&cx, &ar, en, v, &pos, &out),
                "invalid variant discriminant");
    b.bytes[200] = 3;
    EXPECT_TRAP(weft__canon_load(&cx, &ar, en, 200, &out), "invalid variant discriminant");
    /* a variant payload wider than the case: i64 slot wrapped to the case's i32 */
    const weft_ty_val_t *vt[] = {prim(WEFT_TY_U32), prim(WEFT_TY_U64)};
    const char *vl[] = {"a", "b"};
    const weft_ty_val_t *var = mk(WEFT_TY_VARIANT, NULL, 2, vt, vl);
    v[0] = I32(0);
    v[1].kind = WEFT_I64;
    v[1].of.i64 = 0x1234567887654321ll;
    pos = 0;
    EXPECT_OK(weft__canon_lift_flat(&cx, &ar, var, v, &pos, &out));
    CHECK(out.u.var.index == 0 && out.u.var.payload->u.u == 0x87654321u && pos == 2);
    /* lists: alignment before bounds; lowering checks realloc's result the same way */
    const weft_ty_val_t *lu32 = mk(WEFT_TY_LIST, prim(WEFT_TY_U32), 0, NULL, NULL);
    v[0] = I32(2);
    v[1] = I32(1);
    pos = 0;
    EXPECT_TRAP(weft__canon_lift_flat(&cx, &ar, lu32, v, &pos, &out), "unaligned pointer");
    v[0] = I32(0xfffffffcu);
    pos = 0;
    EXPECT_TRAP(weft__canon_lift_flat(&cx, &ar, lu32, v, &pos, &out),
                "list content out-of-bounds");
    weft_cval_t e2[2] = {V(WEFT_TY_U32, 1), V(WEFT_TY_U32, 2)};
    weft_cval_t lv = {.kind = WEFT_TY_LIST};
    lv.u.agg.len = 2;
    lv.u.agg.items = e2;
    pos = 0;
    b.mode = 2;
    EXPECT_TRAP(weft__canon_lower_flat(&cx, lu32, &lv, v, &pos),
                "realloc return: result not aligned");
    b.mode = 1;
    lv.u.agg.len = 0;
    pos = 0;
    EXPECT_TRAP(weft__canon_lower_flat(&cx, lu32, &lv, v, &pos),
                "realloc return: beyond end of memory");
    CHECK(b.ncalls == 2 && b.calls[1][2] == 4 && b.calls[1][3] == 0);
    b.mode = 0;
    /* results pointer: unaligned */
    weft_ty_field_t f2[2] = {{nm(""), prim(WEFT_TY_U32)}, {nm(""), prim(WEFT_TY_U32)}};
    weft_cval_t two[2] = {V(WEFT_TY_U32, 1), V(WEFT_TY_U32, 2)};
    uint32_t n, outp = 2;
    EXPECT_TRAP(weft__canon_lower_flat_values(&cx, 1, f2, 2, two, &outp, v, &n),
                "unaligned pointer");
    v[0] = I32(6);
    EXPECT_TRAP(weft__canon_lift_flat_values(&cx, &ar, 1, f2, 2, v, 1, two), "unaligned pointer");
    /* own handles: lifting moves them out of the table */
    weft_handles_t t;
    weft__handles_init(&t, &dflt);
    cx.handles = &t;
    cx.resource = resolve;
    uint32_t idx;
    EXPECT_OK(weft__resource_new(&t, &test_rt, 42, &idx));
    weft_ty_val_t ownp;
    memset(&ownp, 0, sizeof ownp);
    ownp.kind = WEFT_TY_OWN;
    ownp.resource = weft_ty_resource_new(tya);
    const weft_ty_val_t *own = weft_ty_intern(tya, &ownp);
    v[0] = I32(idx);
    pos = 0;
    EXPECT_OK(weft__canon_lift_flat(&cx, &ar, own, v, &pos, &out));
    CHECK(out.u.rep == 42);
    pos = 0;
    EXPECT_TRAP(weft__canon_lift_flat(&cx, &ar, own, v, &pos, &out), "unknown handle index 1");
    weft__handles_free(&t);
    weft__cval_arena_reset(&ar);
}


/* ---- the fused copy gives what lift-then-lower gives ----------------------------------------- */

static bump_t cs, cd1, cd2;

static void copy_case(const weft_ty_field_t *fields, uint32_t n, const weft_cval_t *vs,
                      uint32_t max_flat, int line)
{
    for (int se = 0; se < 3; se++)
        for (int de = 0; de < 3; de++) {
            weft_canon_cx_t src, d1, d2;
            bump_init(&cs, &src, (uint8_t)se);
            bump_init(&cd1, &d1, (uint8_t)de);
            bump_init(&cd2, &d2, (uint8_t)de);
            weft_val_t flat[WEFT_MAX_FLAT_PARAMS + 1], o1[WEFT_MAX_FLAT_PARAMS + 1],
                o2[WEFT_MAX_FLAT_PARAMS + 1];
            uint32_t nf = 0, n1 = 0, n2 = 0;
            expect_ok(weft__canon_lower_flat_values(&src, max_flat, fields, n, vs, NULL, flat,
                                                    &nf),
                      line);
            weft_error_t *e1 = weft__canon_copy_flat_values(&src, max_flat, flat, nf, &d1,
                                                            max_flat, NULL, fields, n, o1, &n1);
            weft_cval_arena_t ar;
            weft__cval_arena_init(&ar, &dflt);
            weft_cval_t back[8];
            weft_error_t *e2 = weft__canon_lift_flat_values(&src, &ar, max_flat, fields, n, flat,
                                                            nf, back);
            if (!e2)
                e2 = weft__canon_lower_flat_values(&d2, max_flat, fields, n, back, NULL, o2, &n2);
            int same = (!e1) == (!e2) && n1 == n2 && cd1.ncalls == cd2.ncalls &&
                       memcmp(cd1.calls, cd2.calls, sizeof cd1.calls) == 0 &&
                       memcmp(cd1.bytes, cd2.bytes, MEM_SIZE) == 0;
            for (uint32_t i = 0; same && i < n1; i++)
                same = o1[i].kind == o2[i].kind && o1[i].of.i64 == o2[i].of.i64;
            if (e1 && e2) same = same && !strcmp(weft_error_message(e1), weft_error_message(e2));
            if (!same) {
                fprintf(stderr, "%s:%d: fused copy differs from lift+lower (%d -> %d)\n",
                        __FILE__, line, se, de);
                failures++;
            }
            weft_error_delete(e1);
            weft_error_delete(e2);
            weft__cval_arena_reset(&ar);
        }
}

static void test_copy(void)
{
    weft_cval_arena_t ar;
    weft__cval_arena_init(&ar, &dflt);
    weft_cval_t s, s2;
    CHECK(weft__cval_string_utf8(&ar, "h\xc3\xa9llo \xe2\x82\xac \xf0\x9f\x98\x80", 15, &s));
    CHECK(weft__cval_string_utf8(&ar, "caf\xc3\xa9", 5, &s2));
    const weft_ty_val_t *ls = mk(WEFT_TY_LIST, prim(WEFT_TY_STRING), 0, NULL, NULL);
    const weft_ty_val_t *vt[] = {prim(WEFT_TY_U32), prim(WEFT_TY_F32), NULL, prim(WEFT_TY_U64),
                                 prim(WEFT_TY_STRING)};
    const char *vl[] = {"a", "b", "c", "d", "e"};
    const weft_ty_val_t *var = mk(WEFT_TY_VARIANT, NULL, 5, vt, vl);
    const weft_ty_val_t *lvar = mk(WEFT_TY_LIST, var, 0, NULL, NULL);
    weft_cval_t strs[3] = {s, s2, s};
    weft_cval_t lsv = {.kind = WEFT_TY_LIST};
    lsv.u.agg.len = 3;
    lsv.u.agg.items = strs;
    weft_cval_t pay[5] = {V(WEFT_TY_U32, 7), V(WEFT_TY_F32, 0x7fc00000), V(0, 0),
                          V(WEFT_TY_U64, 1ull << 40), s2};
    weft_cval_t vars[5];
    for (uint32_t i = 0; i < 5; i++) {
        vars[i] = V(WEFT_TY_VARIANT, 0);
        vars[i].u.var.index = i;
        vars[i].u.var.payload = vt[i] ? &pay[i] : NULL;
    }
    weft_cval_t lvv = {.kind = WEFT_TY_LIST};
    lvv.u.agg.len = 5;
    lvv.u.agg.items = vars;
    weft_ty_field_t fields[4] = {{nm(""), prim(WEFT_TY_STRING)}, {nm(""), ls}, {nm(""), var},
                                 {nm(""), lvar}};
    weft_cval_t vs[4] = {s, lsv, vars[4], lvv};
    copy_case(fields, 4, vs, WEFT_MAX_FLAT_PARAMS, __LINE__);
    copy_case(fields, 4, vs, 1, __LINE__);
    for (uint32_t i = 0; i < 5; i++) {
        vs[2] = vars[i];
        copy_case(fields, 3, vs, WEFT_MAX_FLAT_PARAMS, __LINE__);
        copy_case(fields + 2, 1, vs + 2, 1, __LINE__);
    }
    weft__cval_arena_reset(&ar);
}

int main(void)
{
    tya = weft_ty_arena_new(&dflt);
    if (!tya) return 1;
    test_transcode_table();
    test_string_traps();
    test_handles();
    test_roundtrips();
    test_lift_rules();
    test_copy();
    weft_ty_arena_free(tya);
    return test_report("test_canon");
}
