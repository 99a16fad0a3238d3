/* cvalue.c - the arena of host-side component values, and value equality. */
#include "component/cvalue.h"

#include "component/transcode.h"
#include "component/types.h"

#define CHUNK_SIZE 4096u

struct weft_cval_chunk {
    weft_cval_chunk_t *next;
    size_t size; /* bytes of data */
    uint64_t data[];
};

void weft__cval_arena_init(weft_cval_arena_t *ar, const weft_alloc_t *a)
{
    ar->alloc = *a;
    ar->head = NULL;
    ar->used = ar->avail = 0;
}

void weft__cval_arena_reset(weft_cval_arena_t *ar)
{
    weft_cval_chunk_t *c = ar->head;
    while (c) {
        weft_cval_chunk_t *next = c->next;
        weft__free(&ar->alloc, c, sizeof *c + c->size);
        c = next;
    }
    ar->head = NULL;
    ar->used = ar->avail = 0;
}

void *weft__cval_alloc(weft_cval_arena_t *ar, size_t n)
{
    n = (n + 7) & ~(size_t)7;
    if (n == 0) n = 8;
    if (!ar->head || ar->avail - ar->used < n) {
        size_t size = n > CHUNK_SIZE ? n : CHUNK_SIZE;
        if (size > SIZE_MAX - sizeof(weft_cval_chunk_t)) return NULL;
        weft_cval_chunk_t *c = weft__malloc(&ar->alloc, sizeof *c + size);
        if (!c) return NULL;
        c->size = size;
        if (n > CHUNK_SIZE && ar->head) {
            /* A large block: keep the current chunk's room for later requests. */
            c->next = ar->head->next;
            ar->head->next = c;
            memset(c->data, 0, n);
            return c->data;
        }
        c->next = ar->head;
        ar->head = c;
        ar->used = 0;
        ar->avail = size;
    }
    uint8_t *p = (uint8_t *)ar->head->data + ar->used;
    ar->used += n;
    memset(p, 0, n);
    return p;
}

weft_cval_t *weft__cval_nodes(weft_cval_arena_t *ar, size_t n)
{
    if (n > SIZE_MAX / sizeof(weft_cval_t)) return NULL;
    return weft__cval_alloc(ar, n * sizeof(weft_cval_t));
}

bool weft__cval_string_utf8(weft_cval_arena_t *ar, const char *s, size_t len, weft_cval_t *out)
{
    if (len > UINT32_MAX) return false;
    uint8_t *p = weft__cval_alloc(ar, len);
    if (!p) return false;
    if (len) memcpy(p, s, len);
    out->kind = WEFT_TY_STRING;
    out->u.str.bytes = p;
    out->u.str.tagged_code_units = (uint32_t)len;
    out->u.str.encoding = WEFT_STRENC_UTF8;
    return true;
}

static bool string_equal(const weft_cstring_t *a, const weft_cstring_t *b)
{
    uint32_t na = weft__cstring_byte_length(a), nb = weft__cstring_byte_length(b);
    uint32_t pa = 0, pb = 0;
    while (pa < na && pb < nb)
        if (weft__cstring_next(a, &pa) != weft__cstring_next(b, &pb)) return false;
    return pa == na && pb == nb;
}

bool weft__cval_equal(const weft_ty_val_t *t, const weft_cval_t *a, const weft_cval_t *b)
{
    switch (t->kind) {
    case WEFT_TY_BOOL: return a->u.b == b->u.b;
    case WEFT_TY_S8: case WEFT_TY_S16: case WEFT_TY_S32: case WEFT_TY_S64:
        return a->u.s == b->u.s;
    case WEFT_TY_U8: case WEFT_TY_U16: case WEFT_TY_U32: case WEFT_TY_U64:
        return a->u.u == b->u.u;
    case WEFT_TY_F32: return a->u.f32 == b->u.f32;
    case WEFT_TY_F64: return a->u.f64 == b->u.f64;
    case WEFT_TY_CHAR: return a->u.ch == b->u.ch;
    case WEFT_TY_STRING: return string_equal(&a->u.str, &b->u.str);
    case WEFT_TY_FLAGS: return a->u.flags == b->u.flags;
    case WEFT_TY_OWN: case WEFT_TY_BORROW: return a->u.rep == b->u.rep;
    case WEFT_TY_ERROR_CONTEXT: case WEFT_TY_STREAM: case WEFT_TY_FUTURE:
        return a->u.handle == b->u.handle;
    case WEFT_TY_LIST: case WEFT_TY_FIXED_LIST: case WEFT_TY_MAP:
        if (a->u.agg.len != b->u.agg.len) return false;
        for (uint32_t i = 0; i < a->u.agg.len; i++)
            if (!weft__cval_equal(t->elem, &a->u.agg.items[i], &b->u.agg.items[i])) return false;
        return true;
    case WEFT_TY_RECORD: case WEFT_TY_TUPLE:
        for (uint32_t i = 0; i < t->count; i++)
            if (!weft__cval_equal(t->fields[i].type, &a->u.agg.items[i], &b->u.agg.items[i]))
                return false;
        return true;
    default: { /* variant-like */
        if (a->u.var.index != b->u.var.index || a->u.var.index >= t->count) return false;
        const weft_ty_val_t *ct = t->fields[a->u.var.index].type;
        if (!ct) return true;
        return weft__cval_equal(ct, a->u.var.payload, b->u.var.payload);
    }
    }
}
