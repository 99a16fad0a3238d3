/* host_async.c - async host functions (calls that the host completes later from its own loop,
 * with guest-side cancellation reaching the host) and tasks started by the host (start, state,
 * results, cancel, wait, delete): weft.h "Component Model async".
 *
 * A call of an async host function is a definitions.py Subtask whose callee is the host: the
 * arguments are lifted when the call starts (canon_lower's on_start), and the result, given
 * by weft_host_call_complete(), is lowered into the caller when the loop next runs (its
 * on_resolve), after which the caller sees the subtask RETURNED. A task started by the host
 * is a Task whose caller is the host (definitions.py Store.invoke), made as the host entry of
 * async_lift.c makes it, but kept on the heap so that any number are in flight at once. */
#include <string.h>

#include "component/async_internal.h"
#include "component/host_async.h"
#include "util/error.h"

/* ---- values ---------------------------------------------------------------------------- */

bool weft__ahost_val_fits(const weft_ty_val_t *t, const weft_cval_t *v)
{
    if (!t || !v || v->kind != t->kind) return false;
    if (weft_ty_is_record_like(t)) {
        if (v->u.agg.len != t->count || (t->count && !v->u.agg.items)) return false;
        for (uint32_t i = 0; i < t->count; i++)
            if (!weft__ahost_val_fits(t->fields[i].type, &v->u.agg.items[i])) return false;
    } else if (t->kind == WEFT_TY_LIST || t->kind == WEFT_TY_MAP ||
               t->kind == WEFT_TY_FIXED_LIST) {
        if (t->kind == WEFT_TY_FIXED_LIST && v->u.agg.len != t->len) return false;
        if (v->u.agg.len && !v->u.agg.items) return false;
        for (uint32_t i = 0; i < v->u.agg.len; i++)
            if (!weft__ahost_val_fits(t->elem, &v->u.agg.items[i])) return false;
    } else if (weft_ty_is_variant_like(t)) {
        if (v->u.var.index >= t->count) return false;
        const weft_ty_val_t *pt = t->fields[v->u.var.index].type;
        if ((pt != NULL) != (v->u.var.payload != NULL)) return false;
        if (pt && !weft__ahost_val_fits(pt, v->u.var.payload)) return false;
    } else if (t->kind == WEFT_TY_STRING) {
        if (v->u.str.tagged_code_units && !v->u.str.bytes) return false;
    }
    return true;
}

static size_t string_bytes(const weft_cstring_t *s)
{
    uint32_t units = s->tagged_code_units;
    switch (s->encoding) {
    case WEFT_CSTRING_UTF16: return (size_t)units * 2;
    case WEFT_CSTRING_LATIN1_UTF16:
        return units & WEFT_UTF16_TAG ? (size_t)(units & ~WEFT_UTF16_TAG) * 2 : units;
    default: return units;
    }
}

bool weft__ahost_copy_val(weft_cval_arena_t *ar, const weft_cval_t *v, weft_cval_t *out)
{
    *out = *v;
    switch (v->kind) {
    case WEFT_CVAL_STRING: {
        size_t n = string_bytes(&v->u.str);
        if (n == 0) return true;
        uint8_t *b = weft__cval_alloc(ar, n);
        if (!b) return false;
        memcpy(b, v->u.str.bytes, n);
        out->u.str.bytes = b;
        return true;
    }
    case WEFT_CVAL_LIST: case WEFT_CVAL_FIXED_LIST: case WEFT_CVAL_RECORD: case WEFT_CVAL_TUPLE:
    case WEFT_CVAL_MAP: {
        if (v->u.agg.len == 0) return true;
        weft_cval_t *items = weft__cval_nodes(ar, v->u.agg.len);
        if (!items) return false;
        for (uint32_t i = 0; i < v->u.agg.len; i++)
            if (!weft__ahost_copy_val(ar, &v->u.agg.items[i], &items[i])) return false;
        out->u.agg.items = items;
        return true;
    }
    case WEFT_CVAL_VARIANT: case WEFT_CVAL_ENUM: case WEFT_CVAL_OPTION: case WEFT_CVAL_RESULT: {
        if (!v->u.var.payload) return true;
        weft_cval_t *p = weft__cval_nodes(ar, 1);
        if (!p || !weft__ahost_copy_val(ar, v->u.var.payload, p)) return false;
        out->u.var.payload = p;
        return true;
    }
    default:
        return true;
    }
}

/* A copy of err (owned by the caller) in the store's allocator. */
static weft_error_t *error_copy(const weft_alloc_t *a, const weft_error_t *err)
{
    weft_error_t *e = weft__error_new(a, weft_error_kind(err), weft_error_offset(err), "%s",
                                      weft_error_message(err));
    if (!e->is_static) {
        e->trap = weft_error_trap_code(err);
        e->exit_code = err->exit_code;
    }
    return e;
}

/* ---- async host functions -------------------------------------------------------------- */

typedef struct adef {
    weft_component_async_host_fn fn;
    void *env;
    void (*env_free)(void *);
    weft_alloc_t alloc;
} adef_t;

enum { CALL_PENDING = 0, CALL_COMPLETED, CALL_CANCELLED, CALL_FAILED };

/* A pending call of an async host function (the token the host completes). */
typedef struct weft_hcall {
    weft_hobj_t h;
    weft_hloop_t *l;
    const adef_t *def;
    weft_asubtask_t *s;        /* the caller's subtask; NULL for a direct call or detached */
    weft_alower_t *le;
    const weft_ty_func_t *ft;  /* the type as the caller sees it (NULL: direct call) */
    weft_cval_arena_t arena;   /* the arguments and the result */
    weft_cval_t result;
    weft_error_t *fail;        /* CALL_FAILED during the host function itself */
    uint8_t state;
    bool in_start, cancel_requested, counted, queued;
    struct weft_hcall *rq_next;
} hcall_t;

static void hcall_dtor(void *p)
{
    hcall_t *c = p;
    weft__cval_arena_reset(&c->arena);
    weft_error_delete(c->fail);
    c->fail = NULL;
    /* With the store going away the subtask may be freed after this object: it must not look
     * back at it. */
    if (c->s && c->s->host_call == c) c->s->host_call = NULL;
}

static void hcall_free(hcall_t *c)
{
    weft_hloop_t *l = c->l;
    weft__hloop_release(l, &c->h);
    if (c->counted) weft__hloop_task_end(l, true);
    c->counted = false;
    if (c->s && c->s->host_call == c) c->s->host_call = NULL;
    c->s = NULL;
    weft__async_obj_free(l->store, c);
}

static weft_error_t *trampoline(void *env, weft_store_t *store, const weft_cval_t *args,
                                size_t nargs, weft_cval_t *results, size_t nresults,
                                weft_cval_arena_t *arena);

bool weft__ahost_is_async(const weft_component_func_t *f)
{
    return f && f->kind == WEFT_CFUNC_HOST && f->host == trampoline;
}

static void adef_free(void *p)
{
    adef_t *d = p;
    if (d->env_free) d->env_free(d->env);
    weft_alloc_t a = d->alloc;
    weft__free(&a, d, sizeof *d);
}

weft_error_t *weft_component_linker_define_async_func(weft_component_linker_t *linker,
                                                      const char *instance, size_t instance_len,
                                                      const char *name, size_t name_len,
                                                      weft_component_async_host_fn fn,
                                                      void *env, void (*env_free)(void *))
{
    if (!linker || !fn) {
        if (env_free) env_free(env);
        return weft__hloop_misuse(NULL, "weft_component_linker_define_async_func: invalid "
                                        "argument");
    }
    adef_t *d = weft__calloc(&linker->alloc, 1, sizeof *d);
    if (!d) {
        if (env_free) env_free(env);
        return weft__error_oom();
    }
    d->fn = fn;
    d->env = env;
    d->env_free = env_free;
    d->alloc = linker->alloc;
    /* On failure define_func calls adef_free, which calls env_free. */
    return weft_component_linker_define_func(linker, instance, instance_len, name, name_len,
                                             trampoline, d, adef_free);
}

static hcall_t *hcall_new(weft_hloop_t *l, const adef_t *def, weft_error_t **err)
{
    if (!weft__hloop_task_begin(l, true)) {
        *err = weft__hloop_limit_trap(l, WEFT_TRAP_TASK_LIMIT);
        return NULL;
    }
    hcall_t *c = weft__async_obj_new(l->store, sizeof *c, hcall_dtor);
    if (!c) {
        weft__hloop_task_end(l, true);
        *err = weft__error_oom();
        return NULL;
    }
    c->l = l;
    c->def = def;
    c->counted = true;
    c->h.kind = WEFT_HK_CALL;
    weft__cval_arena_init(&c->arena, &l->alloc);
    if ((*err = weft__hloop_add(l, &c->h))) {
        hcall_free(c);
        return NULL;
    }
    return c;
}

/* The flat parameters of the caller (without the results pointer): async_lower.c's view. */
static uint32_t nparams_of(const weft_asubtask_t *s)
{
    return s->le->plan.results_indirect && s->nflat_args ? s->nflat_args - 1 : s->nflat_args;
}

/* on_resolve of a host call: the result is lowered into the caller (canon_lower's
 * on_resolve), or the cancellation recorded, and the subtask makes progress. */
static weft_error_t *deliver(hcall_t *c, bool from_queue)
{
    weft_asubtask_t *s = c->s;
    weft_error_t *err = NULL;
    if (s && !s->le->st->poisoned) {
        weft_alower_t *le = s->le;
        weft_cstate_t *S = le->st;
        if (c->state == CALL_CANCELLED) {
            s->state = WEFT_SUBTASK_CANCELLED_BEFORE_RETURNED;
        } else {
            const weft_ty_func_t *ft = le->info->func;
            if (ft->result) {
                weft_aside_t caller;
                weft__aside_init(&caller, S, S, &le->info->opts, le->memory, le->realloc,
                                 &s->lends, NULL);
                uint32_t outp = 0;
                const uint32_t *out_param = NULL;
                if (le->plan.results_indirect && s->nflat_args) {
                    outp = (uint32_t)s->flat_args[s->nflat_args - 1].of.i32;
                    out_param = &outp;
                }
                weft_val_t out[WEFT_MAX_FLAT_PARAMS + 1];
                uint32_t nout = 0;
                err = weft__canon_lower_tuple(&caller.cx, s->is_async ? 0u : WEFT_MAX_FLAT_RESULTS,
                                              &le->plan.result, &c->result, out_param, out,
                                              &nout);
                s->nflat_results = nout > 2 ? 2 : nout;
                memcpy(s->flat_results, out, s->nflat_results * sizeof *out);
            }
            if (!err) s->state = WEFT_SUBTASK_RETURNED;
        }
        s->host_call = NULL;
        if (err) {
            weft__async_poison(S);
            weft__ahost_note_trap(c->l, S, err);
        }
        else if (from_queue) weft__asubtask_progress(s);
    }
    hcall_free(c);
    return err;
}

weft_error_t *weft__ahost_start(weft_alower_t *le, weft_asubtask_t *s)
{
    weft_cstate_t *S = le->st;
    weft_hloop_t *l = weft__hloop(S->store);
    if (!l) return weft__error_oom();
    const adef_t *def = le->target->host_env;
    weft_error_t *err = NULL;
    hcall_t *c = hcall_new(l, def, &err);
    if (!c) return err;
    c->le = le;
    c->ft = le->info->func;
    const weft_ty_func_t *ft = c->ft;
    weft_aside_t caller;
    weft__aside_init(&caller, S, S, &le->info->opts, le->memory, le->realloc, &s->lends, NULL);
    weft_cval_t *argv = weft__cval_nodes(&c->arena, ft->nparams + 1u);
    if (!argv) err = weft__error_oom();
    if (!err)
        err = weft__canon_lift_tuple(&caller.cx, &c->arena,
                                     s->is_async ? 4u : WEFT_MAX_FLAT_PARAMS, &le->plan.params,
                                     s->flat_args, nparams_of(s), argv);
    if (err) {
        hcall_free(c);
        return err;
    }
    s->state = WEFT_SUBTASK_STARTED;
    c->s = s;
    s->host_call = c;
    c->in_start = true;
    err = def->fn(def->env, S->store, argv, ft->nparams, c->h.handle);
    c->in_start = false;
    if (err || c->state == CALL_FAILED) {
        if (!err) {
            err = c->fail;
            c->fail = NULL;
        }
        hcall_free(c);
        return err;
    }
    if (c->state == CALL_COMPLETED) return deliver(c, false);
    return NULL;
}

/* A direct call (weft_component_func_call of the host function, or any path that calls it
 * synchronously): it must complete before it returns. */
static weft_error_t *trampoline(void *env, weft_store_t *store, const weft_cval_t *args,
                                size_t nargs, weft_cval_t *results, size_t nresults,
                                weft_cval_arena_t *arena)
{
    const adef_t *def = env;
    weft_hloop_t *l = weft__hloop(store);
    if (!l) return weft__error_oom();
    weft_error_t *err = NULL;
    hcall_t *c = hcall_new(l, def, &err);
    if (!c) return err;
    c->in_start = true;
    err = def->fn(def->env, store, args, nargs, c->h.handle);
    c->in_start = false;
    if (!err && c->state == CALL_FAILED) {
        err = c->fail;
        c->fail = NULL;
    } else if (!err && c->state == CALL_COMPLETED) {
        if (nresults && !weft__ahost_copy_val(arena, &c->result, &results[0]))
            err = weft__error_oom();
    } else if (!err) {
        err = weft__hloop_misuse(store, "async host function did not complete during a "
                                        "synchronous call");
    }
    hcall_free(c);
    return err;
}

weft_error_t *weft__ahost_cancel_requested(void *host_call)
{
    hcall_t *c = host_call;
    if (c->state != CALL_PENDING || c->cancel_requested) return NULL;
    c->cancel_requested = true;
    weft__hloop_notify(c->l, &c->h);
    return NULL;
}

void weft__ahost_detach(void *host_call)
{
    hcall_t *c = host_call;
    c->s = NULL;
}

static void queue_resolution(hcall_t *c)
{
    weft_hloop_t *l = c->l;
    weft__hloop_release(l, &c->h); /* the token is spent */
    if (c->in_start) return;       /* weft__ahost_start delivers it */
    c->queued = true;
    c->rq_next = NULL;
    if (l->rq_tail) l->rq_tail->rq_next = c;
    else l->rq_head = c;
    l->rq_tail = c;
    weft__hloop_signal(l);
}

weft_error_t *weft__ahost_resolve_queued(weft_hloop_t *l, bool *progress)
{
    weft_error_t *first = NULL;
    while (l->rq_head) {
        hcall_t *c = l->rq_head;
        l->rq_head = c->rq_next;
        if (!l->rq_head) l->rq_tail = NULL;
        c->queued = false;
        *progress = true;
        weft_error_t *err = deliver(c, true);
        if (err && !first) first = err;
        else weft_error_delete(err);
    }
    return first;
}

static weft_error_t *get_call(weft_store_t *store, weft_async_handle_t h, const char *what,
                              hcall_t **out)
{
    weft_hobj_t *o;
    weft_error_t *err = weft__hloop_get(weft__hloop_peek(store), h, 1u << WEFT_HK_CALL, what, &o);
    if (!err) *out = (hcall_t *)o;
    return err;
}

weft_error_t *weft_host_call_complete(weft_store_t *store, weft_async_handle_t call,
                                      const weft_cval_t *results, size_t nresults)
{
    hcall_t *c;
    weft_error_t *err = get_call(store, call, "weft_host_call_complete", &c);
    if (err) return err;
    const weft_ty_val_t *rt = c->ft ? c->ft->result : NULL;
    size_t want = c->ft ? (rt ? 1u : 0u) : (nresults ? 1u : 0u);
    if (nresults < want || (want && !results))
        return weft__hloop_misuse(store, "weft_host_call_complete: expected %zu result(s), got "
                                         "%zu", want, nresults);
    if (rt && !weft__ahost_val_fits(rt, &results[0]))
        return weft__hloop_misuse(store, "weft_host_call_complete: the result does not match "
                                         "type %s", weft_ty_kind_name(rt->kind));
    if (want && !weft__ahost_copy_val(&c->arena, &results[0], &c->result))
        return weft__error_oom();
    c->state = CALL_COMPLETED;
    queue_resolution(c);
    return NULL;
}

weft_error_t *weft_host_call_fail(weft_store_t *store, weft_async_handle_t call,
                                  const char *message)
{
    hcall_t *c;
    weft_error_t *err = get_call(store, call, "weft_host_call_fail", &c);
    if (err) return err;
    weft_error_t *e = weft__error_trap(&store->alloc, WEFT_TRAP_HOST,
                                       message ? message : "async host call failed");
    c->state = CALL_FAILED;
    if (c->in_start) {
        weft__hloop_release(c->l, &c->h);
        c->fail = e;
        return NULL;
    }
    /* The caller traps: its instance is poisoned and the error goes to the next run. */
    weft_hloop_t *l = c->l;
    if (c->s) {
        weft__async_poison(c->s->le->st);
        weft__ahost_note_trap(l, c->s->le->st, e);
    }
    if (!l->failed) l->failed = e;
    else weft_error_delete(e);
    hcall_free(c);
    weft__hloop_signal(l);
    return NULL;
}

bool weft_host_call_cancel_requested(const weft_store_t *store, weft_async_handle_t call)
{
    weft_hobj_t *o;
    weft_error_t *err = weft__hloop_get(weft__hloop_peek(store), call, 1u << WEFT_HK_CALL,
                                        "weft_host_call_cancel_requested", &o);
    if (err) {
        weft_error_delete(err);
        return false;
    }
    return ((hcall_t *)o)->cancel_requested;
}

weft_error_t *weft_host_call_cancel(weft_store_t *store, weft_async_handle_t call)
{
    hcall_t *c;
    weft_error_t *err = get_call(store, call, "weft_host_call_cancel", &c);
    if (err) return err;
    if (!c->cancel_requested)
        return weft__hloop_misuse(store, "weft_host_call_cancel: the caller did not request "
                                         "cancellation");
    c->state = CALL_CANCELLED;
    queue_resolution(c);
    return NULL;
}

/* ---- tasks started by the host ----------------------------------------------------------- */

typedef struct htask {
    weft_hobj_t h;
    weft_hloop_t *l;
    weft_ahost_call_t hc;
    weft_component_func_t *f;
    weft_cval_arena_t arena;
    weft_cval_t *args;
    weft_cval_t result;
    weft_error_t *err;
    uint8_t state; /* weft_task_state_t */
    bool deleted, counted, cancel_requested;
} htask_t;

static void htask_dtor(void *p)
{
    htask_t *t = p;
    weft__cval_arena_reset(&t->arena);
    weft_error_delete(t->err);
    t->err = NULL;
}

static void htask_uncount(htask_t *t)
{
    if (t->counted) weft__hloop_task_end(t->l, false);
    t->counted = false;
}

static void htask_free(htask_t *t)
{
    htask_uncount(t);
    weft__hloop_release(t->l, &t->h);
    weft__async_obj_free(t->l->store, t);
}

/* on_done of the task's host call record (async_lift.c task_return / Task.cancel). */
static void task_done(weft_ahost_call_t *hc, const weft_error_t *err)
{
    htask_t *t = (htask_t *)(void *)((char *)hc - offsetof(htask_t, hc));
    if (err) {
        t->state = WEFT_TASK_FAILED;
        if (!t->err) t->err = error_copy(&t->l->alloc, err);
    } else {
        t->state = hc->cancelled ? WEFT_TASK_CANCELLED : WEFT_TASK_RETURNED;
    }
    htask_uncount(t);
    if (t->deleted) {
        htask_free(t);
        return;
    }
    weft__hloop_notify(t->l, &t->h);
}

void weft__ahost_note_trap(weft_hloop_t *l, const weft_cstate_t *inst, const weft_error_t *err)
{
    /* Traps are rare: a walk over the handle table is cheap enough. A task that has its own
     * failure (or an earlier trap of its instance) keeps it. */
    if (!l || !inst || !err) return;
    for (uint32_t i = 1; i < l->nslots; i++) {
        weft_hobj_t *o = l->slots[i].obj;
        if (!o || o->kind != WEFT_HK_TASK) continue;
        htask_t *t = (htask_t *)o;
        if (t->err || t->f->kind != WEFT_CFUNC_LIFTED || t->f->inst != inst) continue;
        t->err = error_copy(&l->alloc, err);
    }
}

/* Every stream, future and error-context value inside v (of type t) names a host handle that
 * can go to the guest: checked before a task starts, so that a misuse is the host's error and
 * not a trap of the callee. */
static weft_error_t *check_handles(weft_store_t *store, const weft_cstate_t *view,
                                   const weft_ty_val_t *t, const weft_cval_t *v)
{
    weft_error_t *err = NULL;
    switch (t->kind) {
    case WEFT_TY_STREAM: case WEFT_TY_FUTURE: case WEFT_TY_ERROR_CONTEXT:
        return weft__ahost_check_handle(store, view, t, v->u.handle);
    case WEFT_TY_LIST: case WEFT_TY_FIXED_LIST: case WEFT_TY_MAP:
        for (uint32_t i = 0; i < v->u.agg.len && !err; i++)
            err = check_handles(store, view, t->elem, &v->u.agg.items[i]);
        return err;
    default:
        break;
    }
    if (weft_ty_is_record_like(t)) {
        for (uint32_t i = 0; i < t->count && !err; i++)
            err = check_handles(store, view, t->fields[i].type, &v->u.agg.items[i]);
    } else if (weft_ty_is_variant_like(t) && v->u.var.payload) {
        err = check_handles(store, view, t->fields[v->u.var.index].type, v->u.var.payload);
    }
    return err;
}

static bool has_async_values(const weft_ty_val_t *t, uint32_t depth)
{
    if (!t || depth > 64) return t != NULL;
    switch (t->kind) {
    case WEFT_TY_STREAM: case WEFT_TY_FUTURE: case WEFT_TY_ERROR_CONTEXT: return true;
    case WEFT_TY_LIST: case WEFT_TY_FIXED_LIST: case WEFT_TY_OPTION:
        return has_async_values(t->elem, depth + 1);
    case WEFT_TY_MAP:
        return has_async_values(t->key, depth + 1) || has_async_values(t->value, depth + 1);
    default:
        break;
    }
    if (weft_ty_is_record_like(t) || weft_ty_is_variant_like(t))
        for (uint32_t i = 0; i < t->count; i++)
            if (has_async_values(t->fields[i].type, depth + 1)) return true;
    return false;
}

weft_error_t *weft_task_start(weft_store_t *store, weft_component_func_t *func,
                              const weft_cval_t *args, size_t nargs, weft_async_handle_t *task)
{
    if (!store || !func || !task)
        return weft__hloop_misuse(store, "weft_task_start: invalid argument");
    const weft_ty_func_t *ft = func->type;
    if (nargs != ft->nparams || (nargs && !args))
        return weft__hloop_misuse(store, "weft_task_start: expected %u arguments, got %zu",
                                  ft->nparams, nargs);
    const weft_cstate_t *view = func->kind == WEFT_CFUNC_LIFTED ? func->inst : NULL;
    for (size_t i = 0; i < nargs; i++) {
        const weft_ty_val_t *pt = ft->params[i].type;
        if (!weft__ahost_val_fits(pt, &args[i]))
            return weft__hloop_misuse(store, "weft_task_start: argument %zu does not match "
                                             "type %s", i, weft_ty_kind_name(pt->kind));
        if (has_async_values(pt, 0)) {
            weft_error_t *err = check_handles(store, view, pt, &args[i]);
            if (err) return err;
        }
    }
    weft_hloop_t *l = weft__hloop(store);
    if (!l) return weft__error_oom();
    /* Every lifted function runs as a task of its own (definitions.py canon_lift), so that a
     * synchronously-typed one blocked on an async host call suspends instead of failing. */
    bool lifted = func->kind == WEFT_CFUNC_LIFTED;
    weft_error_t *err = NULL;
    if (lifted && (err = weft__call_enter_check(NULL, func->inst))) return err;
    if (!weft__hloop_task_begin(l, false)) return weft__hloop_limit_trap(l, WEFT_TRAP_TASK_LIMIT);
    htask_t *t = weft__async_obj_new(store, sizeof *t, htask_dtor);
    if (!t) {
        weft__hloop_task_end(l, false);
        return weft__error_oom();
    }
    t->l = l;
    t->f = func;
    t->counted = true;
    t->h.kind = WEFT_HK_TASK;
    t->state = WEFT_TASK_PENDING;
    weft__cval_arena_init(&t->arena, &l->alloc);
    if ((err = weft__hloop_add(l, &t->h))) {
        htask_free(t);
        return err;
    }
    t->args = weft__cval_nodes(&t->arena, nargs + 1);
    for (size_t i = 0; t->args && i < nargs; i++)
        if (!weft__ahost_copy_val(&t->arena, &args[i], &t->args[i])) t->args = NULL;
    if (!t->args) {
        htask_free(t);
        return weft__error_oom();
    }
    *task = t->h.handle;
    if (!lifted) {
        /* A host function runs to its end now. */
        err = weft_component_func_call(store, func, t->args, nargs, &t->result,
                                       ft->result ? 1 : 0, &t->arena);
        t->state = err ? WEFT_TASK_FAILED : WEFT_TASK_RETURNED;
        t->err = err;
        htask_uncount(t);
        return NULL;
    }
    /* definitions.py Store.invoke: the task runs up to its first block. */
    t->hc.args = t->args;
    t->hc.results = &t->result;
    t->hc.arena = &t->arena;
    t->hc.on_done = task_done;
    weft_cstate_t *st = func->inst;
    weft__call_enter(st);
    err = weft__alift_begin(func, &t->hc, NULL, st, NULL);
    weft__call_leave(st);
    if (err) {
        weft__async_poison(st);
        if (t->state == WEFT_TASK_PENDING) {
            t->state = WEFT_TASK_FAILED;
            htask_uncount(t);
        }
        /* This task keeps the trap even when it had returned already (a trap after
         * task.return), and so do the other tasks of the instance (weft_task_error). */
        if (!t->err) {
            t->err = err;
            err = NULL;
        }
        weft__ahost_note_trap(l, st, err ? err : t->err);
        weft_error_delete(err);
    }
    return NULL;
}

static htask_t *find_task(const weft_store_t *store, weft_async_handle_t h, const char *what,
                          weft_error_t **err)
{
    weft_hobj_t *o = NULL;
    *err = weft__hloop_get(weft__hloop_peek(store), h, 1u << WEFT_HK_TASK, what, &o);
    return *err ? NULL : (htask_t *)o;
}

/* A pending task whose instance trapped (poisoned) never resolves: it failed. */
static bool task_failed(const htask_t *t)
{
    return t->state == WEFT_TASK_FAILED ||
           (t->state == WEFT_TASK_PENDING && t->f->kind == WEFT_CFUNC_LIFTED &&
            t->f->inst->poisoned);
}

weft_task_state_t weft_task_state(const weft_store_t *store, weft_async_handle_t task)
{
    weft_error_t *err;
    htask_t *t = find_task(store, task, "weft_task_state", &err);
    if (!t) {
        weft_error_delete(err);
        return WEFT_TASK_FAILED;
    }
    return task_failed(t) ? WEFT_TASK_FAILED : (weft_task_state_t)t->state;
}

weft_error_t *weft_task_results(const weft_store_t *store, weft_async_handle_t task,
                                weft_cval_t *results, size_t nresults, weft_cval_arena_t *arena)
{
    weft_error_t *err;
    htask_t *t = find_task(store, task, "weft_task_results", &err);
    if (!t) return err;
    if (t->state != WEFT_TASK_RETURNED)
        return weft__hloop_misuse(store, "weft_task_results: the task has not returned");
    size_t want = t->f->type->result ? 1 : 0;
    if (nresults < want || (want && (!results || !arena)))
        return weft__hloop_misuse(store, "weft_task_results: expected room for %zu result(s)",
                                  want);
    if (want && !weft__ahost_copy_val(arena, &t->result, &results[0])) return weft__error_oom();
    return NULL;
}

weft_error_t *weft__ahost_task_take_error(weft_store_t *store, weft_async_handle_t task)
{
    weft_error_t *err;
    htask_t *t = find_task(store, task, "weft_task_error", &err);
    weft_error_delete(err);
    if (!t || !t->err) return NULL;
    err = t->err;
    t->err = NULL;
    return err;
}

weft_error_t *weft_task_error(const weft_store_t *store, weft_async_handle_t task)
{
    weft_error_t *err;
    htask_t *t = find_task(store, task, "weft_task_error", &err);
    weft_error_delete(err);
    if (!t) return NULL;
    /* A task that returned (or was cancelled) and whose instance trapped afterwards reports
     * that trap too: it would otherwise be lost when it happened in weft_task_start. */
    if (t->err) return error_copy(&t->l->alloc, t->err);
    if (!task_failed(t)) return NULL;
    return weft__error_new(&t->l->alloc, WEFT_ERROR_TRAP, UINT64_MAX,
                           "wasm trap: cannot enter component instance (the task's instance "
                           "trapped)");
}

static weft_error_t *request_cancel(htask_t *t)
{
    if (t->state != WEFT_TASK_PENDING || t->cancel_requested || !t->hc.task) return NULL;
    t->cancel_requested = true;
    weft_atask_t *at = t->hc.task;
    return weft__atask_request_cancellation(at, NULL);
}

weft_error_t *weft_task_cancel(weft_store_t *store, weft_async_handle_t task)
{
    weft_error_t *err;
    htask_t *t = find_task(store, task, "weft_task_cancel", &err);
    if (!t) return err;
    if (task_failed(t)) return NULL;
    bool saved = t->l->running;
    t->l->running = true;
    err = request_cancel(t);
    t->l->running = saved;
    if (err) {
        weft__async_poison(t->f->inst);
        weft__ahost_note_trap(t->l, t->f->inst, err);
    }
    return err;
}

weft_error_t *weft_task_wait(weft_store_t *store, weft_async_handle_t task)
{
    weft_hloop_t *l = weft__hloop(store);
    if (!l) return weft__error_oom();
    for (;;) {
        weft_error_t *err;
        htask_t *t = find_task(store, task, "weft_task_wait", &err);
        if (!t) return err;
        if (t->state != WEFT_TASK_PENDING || task_failed(t)) return NULL;
        bool progress = false;
        if ((err = weft__hloop_pass(l, &progress))) return err;
        if (progress) continue;
        /* Pending timers and descriptor watchers are work to come: not a deadlock. */
        if (!weft__hloop_has_waits(l))
            return weft__error_new(&l->alloc, WEFT_ERROR_TRAP, UINT64_MAX,
                                   "wasm trap: deadlock detected: event loop cannot make "
                                   "further progress");
        if ((err = weft__hloop_stopped(l))) return err;
        weft__hloop_sleep(l, false);
    }
}

weft_error_t *weft_task_delete(weft_store_t *store, weft_async_handle_t task)
{
    weft_error_t *err;
    htask_t *t = find_task(store, task, "weft_task_delete", &err);
    if (!t) return err;
    weft__hloop_release(t->l, &t->h);
    if (t->state != WEFT_TASK_PENDING || task_failed(t)) {
        htask_free(t);
        return NULL;
    }
    /* Unobserved from now on: freed when it resolves (task_done), maybe right here. */
    weft_hloop_t *l = t->l;
    t->deleted = true;
    bool saved = l->running;
    l->running = true;
    err = request_cancel(t);
    l->running = saved;
    return err;
}
