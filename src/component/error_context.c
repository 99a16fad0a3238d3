/* error_context.c - error contexts (CanonicalABI.md `canon error-context.new`,
 * `canon error-context.debug-message`, `canon error-context.drop`, lift_error_context,
 * lower_error_context; definitions.py ErrorContext).
 *
 * An error context is immutable and may sit in several handle tables at once (lifting it
 * leaves the handle in place, lowering adds it to another table), so it is reference counted:
 * one reference per table entry and per value in flight. Its debug message is the string
 * given to error-context.new, kept in the encoding it was given in (the spec allows any
 * host-defined transformation, including none). */
#include <string.h>

#include "component/async_stream.h"
#include "component/instance.h"
#include "component/transcode.h"
#include "util/error.h"

/* An object of the store (weft__async_obj_new), its message bytes following it. */
typedef struct errctx {
    weft_avalue_t head;
    weft_store_t *store;
    weft_cstring_t msg; /* bytes: msg_len of them, after the record */
    uint32_t msg_len;
} errctx_t;

void weft__error_context_free(void *obj)
{
    errctx_t *x = obj;
    weft__async_obj_free(x->store, x);
}

/* A lifting/lowering context for the built-in's options (no resources, no borrows). */
typedef struct ecx {
    weft_canon_cx_t cx;
    weft_store_t *store;
    weft_func_t *realloc;
} ecx_t;

static weft_error_t *ecx_realloc(void *env, uint32_t old_ptr, uint32_t old_size, uint32_t align,
                                 uint32_t new_size, uint32_t *result)
{
    ecx_t *e = env;
    return weft__canon_call_realloc(e->store, e->realloc, old_ptr, old_size, align, new_size,
                                    result);
}

static void ecx_init(ecx_t *e, const weft_abuiltin_t *b)
{
    weft_cstate_t *st = b->st;
    memset(e, 0, sizeof *e);
    e->store = st->store;
    e->realloc = b->opts.realloc;
    e->cx.alloc = &st->root->alloc;
    e->cx.memory = b->opts.memory;
    e->cx.string_encoding = b->opts.string_encoding;
    e->cx.realloc = b->opts.realloc ? ecx_realloc : NULL;
    e->cx.realloc_env = e;
    e->cx.handles = &st->handles;
    e->cx.inst = st;
    e->cx.may_leave = &st->may_leave;
}

/* canon_error_context_new */
static weft_error_t *ctx_new(const weft_abuiltin_t *b, const weft_val_t *args, size_t nargs,
                             weft_val_t *results, size_t nresults)
{
    const weft_alloc_t *a = &b->st->root->alloc;
    if (nargs < 2) return weft__canon_trap(a, "bad arguments");
    ecx_t e;
    ecx_init(&e, b);
    weft_cstring_t s;
    weft_error_t *err = weft__load_string_from_range(&e.cx, (uint32_t)args[0].of.i32,
                                                     (uint32_t)args[1].of.i32, &s);
    if (err) return err;
    uint32_t len = weft__cstring_byte_length(&s);
    errctx_t *x = weft__async_obj_new(b->st->store, sizeof *x + len, NULL);
    if (!x) return weft__error_oom();
    x->head.refs = 1;
    x->head.free = weft__error_context_free;
    x->head.alloc = *a;
    x->store = b->st->store;
    x->msg = s;
    x->msg_len = len;
    if (len) {
        uint8_t *copy = (uint8_t *)(x + 1);
        memcpy(copy, s.bytes, len);
        x->msg.bytes = copy;
    } else {
        x->msg.bytes = NULL;
    }
    uint32_t i = 0;
    if ((err = weft__async_handle_add(b->st, WEFT_HANDLE_ERROR_CONTEXT, x, &i))) {
        weft__error_context_free(x);
        return err;
    }
    if (nresults) results[0].of.i32 = (int32_t)i;
    return NULL;
}

/* canon_error_context_debug_message: store_string(cx, errctx.debug_message, ptr) */
static weft_error_t *ctx_debug_message(const weft_abuiltin_t *b, const weft_val_t *args,
                                       size_t nargs)
{
    const weft_alloc_t *a = &b->st->root->alloc;
    if (nargs < 2) return weft__canon_trap(a, "bad arguments");
    void *obj = NULL;
    weft_error_t *err = weft__async_handle_get(b->st, (uint32_t)args[0].of.i32,
                                               WEFT_HANDLE_ERROR_CONTEXT, &obj);
    if (err) return err;
    errctx_t *x = obj;
    ecx_t e;
    ecx_init(&e, b);
    weft_cstring_t msg = x->msg;
    if (!msg.bytes) msg.bytes = (const uint8_t *)"";
    uint32_t begin = 0, tagged = 0, ptr = (uint32_t)args[1].of.i32;
    x->head.refs++; /* realloc may run guest code that drops the handle */
    err = weft__store_string_into_range(&e.cx, &msg, &begin, &tagged);
    weft__avalue_unref(x);
    if (err) return err;
    if (ptr % 4) return weft__canon_trap(a, "unaligned pointer: %u", ptr);
    if ((uint64_t)ptr + 8 > weft__canon_memlen(&e.cx))
        return weft__canon_trap(a, "out of bounds memory access: pointer out of bounds of "
                                   "memory");
    weft__le_store(weft__canon_mem(&e.cx) + ptr, begin, 4);
    weft__le_store(weft__canon_mem(&e.cx) + ptr + 4, tagged, 4);
    return NULL;
}

/* canon_error_context_drop */
static weft_error_t *ctx_drop(const weft_abuiltin_t *b, const weft_val_t *args, size_t nargs)
{
    if (nargs < 1) return weft__canon_trap(&b->st->root->alloc, "bad arguments");
    void *obj = NULL;
    weft_error_t *err = weft__async_handle_remove(b->st, (uint32_t)args[0].of.i32,
                                                  WEFT_HANDLE_ERROR_CONTEXT, &obj);
    if (err) return err;
    weft__avalue_unref(obj);
    return NULL;
}

weft_error_t *weft__error_context_fn(void *env, weft_caller_t *caller, const weft_val_t *args,
                                     size_t nargs, weft_val_t *results, size_t nresults)
{
    (void)caller;
    const weft_abuiltin_t *b = env;
    weft_error_t *err = weft__abuiltin_enter(b);
    if (err) return err;
    switch (b->op) {
    case WEFT_CANON_ERROR_CONTEXT_NEW: return ctx_new(b, args, nargs, results, nresults);
    case WEFT_CANON_ERROR_CONTEXT_DEBUG_MESSAGE: return ctx_debug_message(b, args, nargs);
    default: return ctx_drop(b, args, nargs);
    }
}

weft_error_t *weft__error_context_lift(weft_canon_cx_t *cx, uint32_t i, void **obj)
{
    weft_cstate_t *inst = (weft_cstate_t *)(uintptr_t)cx->inst;
    weft_error_t *err = weft__async_handle_get(inst, i, WEFT_HANDLE_ERROR_CONTEXT, obj);
    if (err) return err;
    ((errctx_t *)*obj)->head.refs++;
    return NULL;
}

weft_error_t *weft__error_context_lower(weft_canon_cx_t *cx, void *obj, uint32_t *i)
{
    weft_cstate_t *inst = (weft_cstate_t *)(uintptr_t)cx->inst;
    weft_error_t *err = weft__async_handle_add(inst, WEFT_HANDLE_ERROR_CONTEXT, obj, i);
    if (err) weft__avalue_unref(obj);
    return err;
}
