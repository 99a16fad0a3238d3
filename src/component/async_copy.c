/* async_copy.c - the guest buffers of stream and future copies and the engine moving elements
 * between two of them (CanonicalABI.md "Buffer State"; definitions.py BufferGuestImpl,
 * ReadableBufferGuestImpl.read, WritableBufferGuestImpl.write).
 *
 * The spec loads the elements into values (load_list_from_valid_range) and stores them
 * (store_list_into_valid_range). Here the elements go straight from the writer's memory to the
 * reader's: plain integers with one memmove (their bytes are their values), floats, bools and
 * chars with the per-element rule of load/store, and every other type through the fused copy of
 * canon_copy.c (which lifts all n elements, checks and handle removals included, before storing
 * any, as the spec does). */
#include <string.h>

#include "component/async_stream.h"
#include "component/host_async.h"
#include "component/instance.h"
#include "util/error.h"

/* Element types whose bytes in memory are their values (no check, no normalization). */
static bool plain_bytes(const weft_ty_val_t *t)
{
    return t->kind >= WEFT_TY_S8 && t->kind <= WEFT_TY_U64;
}

bool weft__async_none_or_number(const weft_ty_val_t *t)
{
    return !t || (t->kind >= WEFT_TY_S8 && t->kind <= WEFT_TY_F64);
}

weft_error_t *weft__abuf_init(weft_abuf_t *b, const weft_ty_val_t *t,
                              const struct weft_cstate *view, const weft_aopts_t *o,
                              uint32_t ptr, uint32_t length)
{
    const weft_alloc_t *a = &o->inst->root->alloc;
    if (length > WEFT_ABUF_MAX_LENGTH)
        return weft__canon_trap(a, "buffer length %u exceeds the maximum", length);
    if (t && length > 0) {
        if (ptr % t->align32) return weft__canon_trap(a, "unaligned pointer: buffer %u", ptr);
        uint64_t end = (uint64_t)ptr + (uint64_t)length * t->size32;
        uint64_t memlen = o->memory ? o->memory->size : 0;
        if (end > memlen)
            return weft__canon_trap(a, "out of bounds memory access: buffer out of bounds "
                                       "of memory");
    }
    b->t = t;
    b->inst = o->inst;
    b->view = view;
    b->memory = o->memory;
    b->realloc = o->realloc;
    b->string_encoding = o->string_encoding;
    b->ptr = ptr;
    b->progress = 0;
    b->length = length;
    b->host = NULL;
    return NULL;
}

/* ---- runtime type equality --------------------------------------------------------------- */

typedef struct tview {
    weft_canon_resource_fn fn;
    void *env;
} tview_t;

static const weft_rt_resource_t *resolve_in(const tview_t *v, const weft_ty_resource_t *r)
{
    return v->fn ? v->fn(v->env, r) : NULL;
}

static bool names_eq(weft_name_t a, weft_name_t b)
{
    return a.len == b.len && (a.len == 0 || memcmp(a.ptr, b.ptr, a.len) == 0);
}

static bool teq(const weft_ty_val_t *a, const tview_t *va, const weft_ty_val_t *b,
                const tview_t *vb)
{
    if (!a || !b) return a == b;
    if (a == b && va->fn == vb->fn && va->env == vb->env) return true;
    if (a->kind != b->kind) return false;
    switch (a->kind) {
    case WEFT_TY_OWN: case WEFT_TY_BORROW: {
        const weft_rt_resource_t *ra = resolve_in(va, a->resource);
        const weft_rt_resource_t *rb = resolve_in(vb, b->resource);
        return ra ? ra == rb : a->resource == b->resource;
    }
    case WEFT_TY_LIST: case WEFT_TY_OPTION: case WEFT_TY_STREAM: case WEFT_TY_FUTURE:
        return teq(a->elem, va, b->elem, vb);
    case WEFT_TY_FIXED_LIST:
        return a->len == b->len && teq(a->elem, va, b->elem, vb);
    case WEFT_TY_MAP:
        return teq(a->key, va, b->key, vb) && teq(a->value, va, b->value, vb);
    case WEFT_TY_FLAGS:
        if (a->count != b->count) return false;
        for (uint32_t i = 0; i < a->count; i++)
            if (!names_eq(a->labels[i], b->labels[i])) return false;
        return true;
    case WEFT_TY_RECORD: case WEFT_TY_TUPLE: case WEFT_TY_VARIANT: case WEFT_TY_ENUM:
    case WEFT_TY_RESULT:
        if (a->count != b->count) return false;
        for (uint32_t i = 0; i < a->count; i++) {
            if (!names_eq(a->fields[i].label, b->fields[i].label)) return false;
            if (!teq(a->fields[i].type, va, b->fields[i].type, vb)) return false;
        }
        return true;
    default:
        return true; /* the primitive types */
    }
}

static const weft_rt_resource_t *resolve_cstate(void *env, const weft_ty_resource_t *r)
{
    const weft_crt_t *rt = weft__cstate_resource(env, r);
    return rt ? &rt->base : NULL;
}

bool weft__async_type_eq(const weft_ty_val_t *a, const struct weft_cstate *va,
                         const weft_ty_val_t *b, const struct weft_cstate *vb)
{
    tview_t x = {resolve_cstate, (void *)(uintptr_t)va};
    tview_t y = {resolve_cstate, (void *)(uintptr_t)vb};
    if (a == b && va == vb) return true;
    return teq(a, &x, b, &y);
}

bool weft__async_type_eq_cx(const weft_ty_val_t *a, const struct weft_cstate *va,
                            const weft_ty_val_t *b, const weft_canon_cx_t *cx)
{
    tview_t x = {resolve_cstate, (void *)(uintptr_t)va};
    tview_t y = {cx->resource, cx->resource_env};
    return teq(a, &x, b, &y);
}

/* ---- the copy engine --------------------------------------------------------------------- */

/* The lifting/lowering context of one buffer, resolving resource types in `view` (the
 * writer's: the element type walked is the writer's). */
typedef struct aside {
    weft_canon_cx_t cx;
    weft_store_t *store;
    weft_func_t *realloc;
    const weft_cstate_t *view;
} aside_t;

static weft_error_t *aside_realloc(void *env, uint32_t old_ptr, uint32_t old_size, uint32_t align,
                                 uint32_t new_size, uint32_t *result)
{
    aside_t *s = env;
    return weft__canon_call_realloc(s->store, s->realloc, old_ptr, old_size, align, new_size,
                                    result);
}

static const weft_rt_resource_t *aside_resource(void *env, const weft_ty_resource_t *r)
{
    const aside_t *s = env;
    const weft_crt_t *rt = weft__cstate_resource(s->view, r);
    return rt ? &rt->base : NULL;
}

static void aside_init(aside_t *s, const weft_abuf_t *b, const weft_cstate_t *view)
{
    weft_cstate_t *st = b->inst;
    memset(s, 0, sizeof *s);
    s->store = st->store;
    s->realloc = b->realloc;
    s->view = view;
    s->cx.alloc = &st->root->alloc;
    s->cx.memory = b->memory;
    s->cx.string_encoding = b->string_encoding;
    s->cx.realloc = b->realloc ? aside_realloc : NULL;
    s->cx.realloc_env = s;
    s->cx.handles = &st->handles;
    s->cx.inst = st;
    s->cx.resource = aside_resource;
    s->cx.resource_env = s;
    /* Stream and future element types contain no borrows (validation): no loans, no scope. */
    s->cx.lends = NULL;
    s->cx.borrow_scope = NULL;
    s->cx.may_leave = &st->may_leave;
}

/* Per-element copies of the scalar types with a lifting rule (load then store). */
static weft_error_t *copy_scalars(const weft_ty_val_t *t, const weft_abuf_t *src,
                                  const weft_abuf_t *dst, uint32_t n)
{
    uint8_t *s = src->memory->data + src->ptr;
    uint8_t *d = dst->memory->data + dst->ptr;
    uint32_t size = t->size32;
    switch (t->kind) {
    case WEFT_TY_CHAR: /* convert_i32_to_char of every element first, then the same bits */
        for (uint32_t i = 0; i < n; i++) {
            uint32_t c = (uint32_t)weft__le_load(s + (size_t)i * 4, 4);
            if (c >= 0x110000 || (c >= 0xd800 && c <= 0xdfff))
                return weft__canon_trap(&src->inst->root->alloc,
                                        "invalid `char` bit pattern: 0x%x", c);
        }
        memmove(d, s, (size_t)n * 4);
        return NULL;
    case WEFT_TY_BOOL: /* convert_int_to_bool, stored as 0/1 */
        if (s == d) {
            for (uint32_t i = 0; i < n; i++) d[i] = s[i] != 0;
        } else {
            memmove(d, s, n);
            for (uint32_t i = 0; i < n; i++) d[i] = d[i] != 0;
        }
        return NULL;
    case WEFT_TY_F32: /* canonicalize_nan32 (the deterministic store keeps it canonical) */
        memmove(d, s, (size_t)n * 4);
        for (uint32_t i = 0; i < n; i++) {
            uint8_t *p = d + (size_t)i * 4;
            weft__le_store(p, weft__canon_nan32((uint32_t)weft__le_load(p, 4)), 4);
        }
        return NULL;
    default: /* F64: canonicalize_nan64 */
        memmove(d, s, (size_t)n * size);
        for (uint32_t i = 0; i < n; i++) {
            uint8_t *p = d + (size_t)i * 8;
            weft__le_store(p, weft__canon_nan64(weft__le_load(p, 8)), 8);
        }
        return NULL;
    }
}

weft_error_t *weft__abuf_copy(weft_abuf_t *dst, weft_abuf_t *src, uint32_t n)
{
    /* A host end's buffer holds values, not memory (host_stream.c). */
    if (dst->host || src->host) return weft__ahost_buf_copy(dst, src, n);
    const weft_ty_val_t *t = src->t;
    weft_error_t *err = NULL;
    if (t && n > 0) {
        if (plain_bytes(t)) {
            /* The hot path: one copy from the writer's memory to the reader's. memmove
             * because both buffers may be in one memory (the spec reads every element before
             * writing any, which is what memmove does). */
            memmove(dst->memory->data + dst->ptr, src->memory->data + src->ptr,
                    (size_t)n * t->size32);
        } else if (t->kind == WEFT_TY_BOOL || t->kind == WEFT_TY_CHAR ||
                   t->kind == WEFT_TY_F32 || t->kind == WEFT_TY_F64) {
            err = copy_scalars(t, src, dst, n);
        } else {
            aside_t s, d;
            aside_init(&s, src, src->view);
            aside_init(&d, dst, src->view);
            err = weft__canon_copy_elems(&s.cx, src->ptr, &d.cx, dst->ptr, t, n);
        }
        if (err) return err;
        src->ptr += n * t->size32;
        dst->ptr += n * t->size32;
    }
    src->progress += n;
    dst->progress += n;
    return NULL;
}
