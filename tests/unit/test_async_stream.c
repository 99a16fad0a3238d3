/* test_async_stream.c - unit tests of stream and future state (src/component/
 * async_stream_shared.c, async_future.c) and of the element copy engine (async_copy.c):
 * rendezvous in both orders, partial copies, zero-length copies, cancellation, drop, the
 * intra-component rule, and the copy of every kind of element between two memories
 * (integers in one memmove, floats with NaN canonicalization, bools, chars with their check,
 * records through the fused copy, own handles moved from one table to the other). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "component/async_stream.h"
#include "component/instance.h"
#include "util/error.h"

static int failures;

#define CHECK(cond)                                                                            \
    do {                                                                                       \
        if (!(cond)) {                                                                         \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);           \
            failures++;                                                                        \
        }                                                                                      \
    } while (0)

static const weft_alloc_t dflt = {weft__default_alloc, NULL};

static void expect_trap(weft_error_t *e, const char *want, int line)
{
    if (!e) {
        fprintf(stderr, "%s:%d: expected a trap containing \"%s\"\n", __FILE__, line, want);
        failures++;
        return;
    }
    if (weft_error_kind(e) != WEFT_ERROR_TRAP || !strstr(weft_error_message(e), want)) {
        fprintf(stderr, "%s:%d: expected a trap containing \"%s\", got \"%s\"\n", __FILE__,
                line, want, weft_error_message(e));
        failures++;
    }
    weft_error_delete(e);
}
#define EXPECT_TRAP(e, want) expect_trap((e), (want), __LINE__)

static void expect_ok(weft_error_t *e, int line)
{
    if (e) {
        fprintf(stderr, "%s:%d: unexpected error: %s\n", __FILE__, line, weft_error_message(e));
        failures++;
        weft_error_delete(e);
    }
}
#define EXPECT_OK(e) expect_ok((e), __LINE__)

/* ---- two stand-in instances, each with a memory and a handle table ---------------------- */

#define MEM_SIZE 4096u
typedef struct side {
    weft_croot_t root;
    weft_cstate_t st;
    weft_memory_t mem;
    uint8_t bytes[MEM_SIZE];
    weft_aopts_t opts;
} side_t;

static void side_init(side_t *s)
{
    memset(s, 0, sizeof *s);
    s->root.alloc = dflt;
    s->st.root = &s->root;
    s->st.may_leave = true;
    weft__handles_init(&s->st.handles, &dflt);
    s->mem.data = s->bytes;
    s->mem.size = MEM_SIZE;
    s->opts.inst = &s->st;
    s->opts.memory = &s->mem;
}

static void side_free(side_t *s)
{
    weft__handles_free(&s->st.handles);
}

/* A copy with recorded callbacks. */
typedef struct rec {
    weft_acopy_t c;
    int ncopy, ndone;
    int result;
} rec_t;

static void rec_on_copy(weft_acopy_t *c)
{
    ((rec_t *)(void *)c)->ncopy++;
}

static void rec_on_copy_done(weft_acopy_t *c, uint8_t result)
{
    rec_t *r = (rec_t *)(void *)c;
    r->ndone++;
    r->result = result;
}

static void rec_init(rec_t *r, side_t *s, const weft_ty_val_t *t, uint32_t ptr, uint32_t len)
{
    memset(r, 0, sizeof *r);
    r->result = -1;
    r->c.on_copy = rec_on_copy;
    r->c.on_copy_done = rec_on_copy_done;
    EXPECT_OK(weft__abuf_init(&r->c.buf, t, &s->st, &s->opts, ptr, len));
}

static weft_ty_arena_t *tya;

static const weft_ty_val_t *prim(uint8_t k) { return weft_ty_prim(tya, k); }

static const weft_ty_val_t *record2(const weft_ty_val_t *a, const weft_ty_val_t *b)
{
    weft_ty_val_t p;
    memset(&p, 0, sizeof p);
    p.kind = WEFT_TY_TUPLE;
    p.count = 2;
    weft_ty_field_t *f = weft_ty_alloc(tya, 2 * sizeof *f);
    f[0].type = a;
    f[1].type = b;
    p.fields = f;
    return weft_ty_intern(tya, &p);
}

/* ---- streams --------------------------------------------------------------------------- */

static void test_stream_partial(void)
{
    side_t *w = malloc(sizeof *w), *r = malloc(sizeof *r);
    side_init(w);
    side_init(r);
    const weft_ty_val_t *u8 = prim(WEFT_TY_U8);
    weft_ashared_t *s = weft__ashared_new(&dflt, u8, &w->st, false);
    for (int i = 0; i < 8; i++) w->bytes[100 + i] = (uint8_t)(i + 1);

    /* the reader goes first and waits for 3 */
    rec_t rd, wr;
    rec_init(&rd, r, u8, 200, 3);
    EXPECT_OK(weft__ashared_stream_read(s, &rd.c));
    CHECK(s->pending == &rd.c && rd.ndone == 0);
    /* a write of 8 fills the read: the reader is notified of a partial copy, the writer is
     * done with 3 of 8 */
    rec_init(&wr, w, u8, 100, 8);
    EXPECT_OK(weft__ashared_stream_write(s, &wr.c));
    CHECK(rd.ncopy == 1 && rd.c.buf.progress == 3);
    CHECK(wr.ndone == 1 && wr.result == WEFT_COPY_COMPLETED && wr.c.buf.progress == 3);
    CHECK(!memcmp(r->bytes + 200, "\1\2\3", 3));
    /* the reader's event reclaims its buffer */
    weft__ashared_reset_pending(s);

    /* the writer goes first with the rest (5), the reader takes 2 then 10 */
    rec_init(&wr, w, u8, 103, 5);
    EXPECT_OK(weft__ashared_stream_write(s, &wr.c));
    CHECK(s->pending == &wr.c);
    rec_init(&rd, r, u8, 300, 2);
    EXPECT_OK(weft__ashared_stream_read(s, &rd.c));
    CHECK(rd.ndone == 1 && rd.result == WEFT_COPY_COMPLETED && rd.c.buf.progress == 2);
    CHECK(wr.ncopy == 1 && wr.ndone == 0 && wr.c.buf.progress == 2);
    CHECK(s->pending == &wr.c); /* still pending until its event is delivered */
    rec_init(&rd, r, u8, 302, 10);
    EXPECT_OK(weft__ashared_stream_read(s, &rd.c));
    CHECK(rd.ndone == 1 && rd.c.buf.progress == 3);
    CHECK(wr.ncopy == 2 && wr.c.buf.progress == 5 && weft__abuf_remain(&wr.c.buf) == 0);
    CHECK(!memcmp(r->bytes + 300, "\4\5\6\7\10", 5));
    /* a reader arriving at an exhausted pending write completes it and becomes pending */
    rec_init(&rd, r, u8, 400, 4);
    EXPECT_OK(weft__ashared_stream_read(s, &rd.c));
    CHECK(wr.ndone == 1 && wr.result == WEFT_COPY_COMPLETED);
    CHECK(s->pending == &rd.c && rd.ndone == 0);

    /* the writer's end drops: the pending read completes with DROPPED, later copies too */
    weft__ashared_drop(s);
    CHECK(rd.ndone == 1 && rd.result == WEFT_COPY_DROPPED && !s->pending);
    rec_init(&rd, r, u8, 400, 4);
    EXPECT_OK(weft__ashared_stream_read(s, &rd.c));
    CHECK(rd.ndone == 1 && rd.result == WEFT_COPY_DROPPED);
    weft__avalue_unref(s);
    weft__avalue_unref(s);
    side_free(w);
    side_free(r);
    free(w);
    free(r);
}

static void test_stream_zero_length(void)
{
    side_t *w = malloc(sizeof *w), *r = malloc(sizeof *r);
    side_init(w);
    side_init(r);
    const weft_ty_val_t *u8 = prim(WEFT_TY_U8);
    weft_ashared_t *s = weft__ashared_new(&dflt, u8, &w->st, false);
    rec_t rd, wr;
    /* zero-length write, then zero-length read: both pending in turn (a zero-length read
     * completes the zero-length write and waits) */
    rec_init(&wr, w, u8, 0xdeadbeef, 0);
    EXPECT_OK(weft__ashared_stream_write(s, &wr.c));
    CHECK(s->pending == &wr.c && wr.ndone == 0);
    rec_init(&rd, r, u8, 0xdeadbeef, 0);
    EXPECT_OK(weft__ashared_stream_read(s, &rd.c));
    CHECK(wr.ndone == 1 && wr.result == WEFT_COPY_COMPLETED && wr.c.buf.progress == 0);
    CHECK(s->pending == &rd.c && rd.ndone == 0);
    /* a zero-length write meeting a zero-length read completes at once; the read waits */
    rec_init(&wr, w, u8, 0, 0);
    EXPECT_OK(weft__ashared_stream_write(s, &wr.c));
    CHECK(wr.ndone == 1 && wr.result == WEFT_COPY_COMPLETED);
    CHECK(s->pending == &rd.c && rd.ndone == 0);
    /* a real write completes the zero-length read and waits itself */
    rec_init(&wr, w, u8, 0, 4);
    EXPECT_OK(weft__ashared_stream_write(s, &wr.c));
    CHECK(rd.ndone == 1 && rd.result == WEFT_COPY_COMPLETED && rd.c.buf.progress == 0);
    CHECK(s->pending == &wr.c);
    /* cancel: the pending write is notified with CANCELLED */
    weft__ashared_cancel(s);
    CHECK(wr.ndone == 1 && wr.result == WEFT_COPY_CANCELLED && !s->pending);
    /* a read pending when the reader cancels */
    rec_init(&rd, r, u8, 0, 4);
    EXPECT_OK(weft__ashared_stream_read(s, &rd.c));
    weft__ashared_cancel(s);
    CHECK(rd.result == WEFT_COPY_CANCELLED && !s->pending);
    /* the reader drops: a later write reports DROPPED */
    weft__ashared_drop(s);
    rec_init(&wr, w, u8, 0, 4);
    EXPECT_OK(weft__ashared_stream_write(s, &wr.c));
    CHECK(wr.ndone == 1 && wr.result == WEFT_COPY_DROPPED && wr.c.buf.progress == 0);
    weft__avalue_unref(s);
    weft__avalue_unref(s);
    side_free(w);
    side_free(r);
    free(w);
    free(r);
}

static void test_stream_rules(void)
{
    side_t *w = malloc(sizeof *w);
    side_init(w);
    const weft_ty_val_t *u32 = prim(WEFT_TY_U32), *ch = prim(WEFT_TY_CHAR);
    weft_abuf_t b;
    /* BufferGuestImpl: alignment, bounds, MAX_LENGTH (none checked for length 0) */
    EXPECT_TRAP(weft__abuf_init(&b, u32, &w->st, &w->opts, 2, 1), "unaligned");
    EXPECT_TRAP(weft__abuf_init(&b, u32, &w->st, &w->opts, MEM_SIZE - 4, 2), "out of bounds");
    EXPECT_TRAP(weft__abuf_init(&b, NULL, &w->st, &w->opts, 0, 1u << 28), "exceeds");
    EXPECT_OK(weft__abuf_init(&b, u32, &w->st, &w->opts, 3, 0));
    EXPECT_OK(weft__abuf_init(&b, NULL, &w->st, &w->opts, 0xffffffffu, 5));

    /* the intra-component rule: numbers may be copied within one instance, chars not */
    weft_ashared_t *s = weft__ashared_new(&dflt, u32, &w->st, false);
    rec_t a, c;
    w->bytes[0] = 7;
    rec_init(&a, w, u32, 0, 1);
    rec_init(&c, w, u32, 8, 1);
    EXPECT_OK(weft__ashared_stream_read(s, &c.c));
    EXPECT_OK(weft__ashared_stream_write(s, &a.c));
    CHECK(a.result == WEFT_COPY_COMPLETED && c.ncopy == 1 && w->bytes[8] == 7);
    weft__avalue_unref(s);
    weft__avalue_unref(s);
    s = weft__ashared_new(&dflt, ch, &w->st, true);
    rec_init(&a, w, ch, 0, 1);
    rec_init(&c, w, ch, 8, 1);
    EXPECT_OK(weft__ashared_future_read(s, &c.c));
    EXPECT_TRAP(weft__ashared_future_write(s, &a.c),
                "cannot read from and write to intra-component future");
    weft__avalue_unref(s);
    weft__avalue_unref(s);
    side_free(w);
    free(w);
}

/* ---- futures --------------------------------------------------------------------------- */

static void test_future(void)
{
    side_t *w = malloc(sizeof *w), *r = malloc(sizeof *r);
    side_init(w);
    side_init(r);
    const weft_ty_val_t *u64 = prim(WEFT_TY_U64);
    weft_ashared_t *s = weft__ashared_new(&dflt, u64, &w->st, true);
    rec_t rd, wr;
    memcpy(w->bytes + 16, "ABCDEFGH", 8);
    /* writer first: the read completes both */
    rec_init(&wr, w, u64, 16, 1);
    EXPECT_OK(weft__ashared_future_write(s, &wr.c));
    CHECK(s->pending == &wr.c);
    rec_init(&rd, r, u64, 32, 1);
    EXPECT_OK(weft__ashared_future_read(s, &rd.c));
    CHECK(wr.result == WEFT_COPY_COMPLETED && rd.result == WEFT_COPY_COMPLETED);
    CHECK(!memcmp(r->bytes + 32, "ABCDEFGH", 8) && !s->pending);
    weft__avalue_unref(s);
    weft__avalue_unref(s);

    /* reader first, cancelled, then again; the write completes it */
    s = weft__ashared_new(&dflt, u64, &w->st, true);
    rec_init(&rd, r, u64, 40, 1);
    EXPECT_OK(weft__ashared_future_read(s, &rd.c));
    weft__ashared_cancel(s);
    CHECK(rd.result == WEFT_COPY_CANCELLED && rd.c.buf.progress == 0);
    rec_init(&rd, r, u64, 40, 1);
    EXPECT_OK(weft__ashared_future_read(s, &rd.c));
    rec_init(&wr, w, u64, 16, 1);
    EXPECT_OK(weft__ashared_future_write(s, &wr.c));
    CHECK(rd.result == WEFT_COPY_COMPLETED && wr.result == WEFT_COPY_COMPLETED);
    CHECK(!memcmp(r->bytes + 40, "ABCDEFGH", 8));
    weft__avalue_unref(s);
    weft__avalue_unref(s);

    /* the reader drops: the write reports DROPPED */
    s = weft__ashared_new(&dflt, u64, &w->st, true);
    weft__ashared_drop(s);
    rec_init(&wr, w, u64, 16, 1);
    EXPECT_OK(weft__ashared_future_write(s, &wr.c));
    CHECK(wr.result == WEFT_COPY_DROPPED);
    weft__avalue_unref(s);
    weft__avalue_unref(s);
    side_free(w);
    side_free(r);
    free(w);
    free(r);
}

/* ---- the copy engine ------------------------------------------------------------------- */

static void copy_n(side_t *w, side_t *r, const weft_ty_val_t *t, uint32_t sp, uint32_t dp,
                   uint32_t n, weft_error_t **err)
{
    weft_abuf_t src, dst;
    EXPECT_OK(weft__abuf_init(&src, t, &w->st, &w->opts, sp, n));
    EXPECT_OK(weft__abuf_init(&dst, t, &r->st, &r->opts, dp, n));
    *err = weft__abuf_copy(&dst, &src, n);
    if (!*err) CHECK(src.progress == n && dst.progress == n && src.ptr == sp + n * t->size32);
}

static void test_copy_elements(void)
{
    side_t *w = malloc(sizeof *w), *r = malloc(sizeof *r);
    side_init(w);
    side_init(r);
    weft_error_t *err;
    /* floats: NaNs canonical */
    const weft_ty_val_t *f32 = prim(WEFT_TY_F32), *f64 = prim(WEFT_TY_F64);
    weft__le_store(w->bytes + 0, 0x7fa00001u, 4);
    weft__le_store(w->bytes + 4, 0x3f800000u, 4);
    copy_n(w, r, f32, 0, 64, 2, &err);
    EXPECT_OK(err);
    CHECK(weft__le_load(r->bytes + 64, 4) == 0x7fc00000u);
    CHECK(weft__le_load(r->bytes + 68, 4) == 0x3f800000u);
    weft__le_store(w->bytes + 8, 0xfff0000000000001ull, 8);
    copy_n(w, r, f64, 8, 72, 1, &err);
    EXPECT_OK(err);
    CHECK(weft__le_load(r->bytes + 72, 8) == 0x7ff8000000000000ull);
    /* bools: 0/1 */
    w->bytes[16] = 0;
    w->bytes[17] = 5;
    copy_n(w, r, prim(WEFT_TY_BOOL), 16, 80, 2, &err);
    EXPECT_OK(err);
    CHECK(r->bytes[80] == 0 && r->bytes[81] == 1);
    /* chars: every element checked before any is stored */
    weft__le_store(w->bytes + 20, 0x41, 4);
    weft__le_store(w->bytes + 24, 0xd800, 4);
    memset(r->bytes + 88, 0xee, 8);
    copy_n(w, r, prim(WEFT_TY_CHAR), 20, 88, 2, &err);
    EXPECT_TRAP(err, "invalid `char`");
    CHECK(r->bytes[88] == 0xee);
    /* a tuple<u8, u32> through the fused copy */
    const weft_ty_val_t *tu = record2(prim(WEFT_TY_U8), prim(WEFT_TY_U32));
    CHECK(tu && tu->size32 == 8);
    memset(w->bytes + 32, 0xff, 16);
    w->bytes[32] = 9;
    weft__le_store(w->bytes + 36, 0x01020304, 4);
    w->bytes[40] = 10;
    weft__le_store(w->bytes + 44, 0x05060708, 4);
    memset(r->bytes + 96, 0, 16);
    copy_n(w, r, tu, 32, 96, 2, &err);
    EXPECT_OK(err);
    CHECK(r->bytes[96] == 9 && weft__le_load(r->bytes + 100, 4) == 0x01020304);
    CHECK(r->bytes[104] == 10 && weft__le_load(r->bytes + 108, 4) == 0x05060708);
    /* the same within one memory (through values) */
    copy_n(w, w, tu, 32, 128, 2, &err);
    EXPECT_OK(err);
    CHECK(w->bytes[128] == 9 && weft__le_load(w->bytes + 140, 4) == 0x05060708);
    /* overlapping integers in one memory: as if every element were read first */
    for (int i = 0; i < 8; i++) w->bytes[200 + i] = (uint8_t)i;
    copy_n(w, w, prim(WEFT_TY_U8), 200, 202, 6, &err);
    EXPECT_OK(err);
    CHECK(!memcmp(w->bytes + 202, "\0\1\2\3\4\5", 6));
    side_free(w);
    side_free(r);
    free(w);
    free(r);
}

/* own<R> elements: the handles move from the writer's table to the reader's. */
static void test_copy_handles(void)
{
    side_t *w = malloc(sizeof *w), *r = malloc(sizeof *r);
    side_init(w);
    side_init(r);
    weft_ty_resource_t *node = weft_ty_resource_new(tya);
    weft_ty_val_t p;
    memset(&p, 0, sizeof p);
    p.kind = WEFT_TY_OWN;
    p.resource = node;
    const weft_ty_val_t *own = weft_ty_intern(tya, &p);
    weft_crt_t rt;
    memset(&rt, 0, sizeof rt);
    weft_crbind_t bind = {node, &rt};
    w->st.rbind = &bind;
    w->st.nrbind = 1;
    uint32_t h1, h2, h3;
    EXPECT_OK(weft__resource_new(&w->st.handles, &rt.base, 100, &h1));
    EXPECT_OK(weft__resource_new(&w->st.handles, &rt.base, 200, &h2));
    EXPECT_OK(weft__resource_new(&r->st.handles, &rt.base, 300, &h3));
    weft__le_store(w->bytes + 0, h1, 4);
    weft__le_store(w->bytes + 4, h2, 4);
    weft_error_t *err;
    copy_n(w, r, own, 0, 16, 2, &err);
    EXPECT_OK(err);
    uint32_t d1 = (uint32_t)weft__le_load(r->bytes + 16, 4);
    uint32_t d2 = (uint32_t)weft__le_load(r->bytes + 20, 4);
    uint32_t rep = 0;
    CHECK(d1 == 2 && d2 == 3);
    EXPECT_OK(weft__resource_rep(&r->st.handles, &rt.base, d1, &rep));
    CHECK(rep == 100);
    EXPECT_OK(weft__resource_rep(&r->st.handles, &rt.base, d2, &rep));
    CHECK(rep == 200);
    /* gone from the writer's table */
    EXPECT_TRAP(weft__resource_rep(&w->st.handles, &rt.base, h1, &rep), "unknown handle index");
    /* copying a handle twice: the second lift traps before anything is stored */
    EXPECT_OK(weft__resource_new(&w->st.handles, &rt.base, 400, &h1));
    weft__le_store(w->bytes + 0, h1, 4);
    weft__le_store(w->bytes + 4, h1, 4);
    memset(r->bytes + 32, 0xee, 8);
    copy_n(w, r, own, 0, 32, 2, &err);
    EXPECT_TRAP(err, "unknown handle index");
    CHECK(r->bytes[32] == 0xee);
    side_free(w);
    side_free(r);
    free(w);
    free(r);
}

static void test_type_eq(void)
{
    side_t *w = malloc(sizeof *w);
    side_init(w);
    const weft_ty_val_t *a = record2(prim(WEFT_TY_U8), prim(WEFT_TY_U32));
    const weft_ty_val_t *b = record2(prim(WEFT_TY_U8), prim(WEFT_TY_U32));
    const weft_ty_val_t *c = record2(prim(WEFT_TY_U32), prim(WEFT_TY_U8));
    CHECK(weft__async_type_eq(a, &w->st, b, &w->st));
    CHECK(!weft__async_type_eq(a, &w->st, c, &w->st));
    CHECK(weft__async_type_eq(NULL, &w->st, NULL, &w->st));
    CHECK(!weft__async_type_eq(NULL, &w->st, a, &w->st));
    CHECK(weft__async_none_or_number(NULL) && weft__async_none_or_number(prim(WEFT_TY_F64)));
    CHECK(!weft__async_none_or_number(prim(WEFT_TY_BOOL)));
    CHECK(!weft__async_none_or_number(prim(WEFT_TY_CHAR)));
    side_free(w);
    free(w);
}

int main(void)
{
    tya = weft_ty_arena_new(&dflt);
    if (!tya) return 1;
    test_stream_partial();
    test_stream_zero_length();
    test_stream_rules();
    test_future();
    test_copy_elements();
    test_copy_handles();
    test_type_eq();
    weft_ty_arena_free(tya);
    if (failures) {
        fprintf(stderr, "test_async_stream: %d failures\n", failures);
        return 1;
    }
    printf("test_async_stream: ok\n");
    return 0;
}
