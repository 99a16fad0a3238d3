/* waitable.c - waitables, waitable sets and the async handle table entries (definitions.py
 * Waitable, WaitableSet, canon waitable-set.new/wait/poll/drop, canon waitable.join). */
#include <string.h>

#include "component/async_internal.h"
#include "util/error.h"

/* ---- handle table -------------------------------------------------------------------- */

weft_error_t *weft__async_handle_add(weft_cstate_t *inst, uint8_t kind, void *obj,
                                     uint32_t *index)
{
    if (weft__handles_add_reuse(&inst->handles, kind, obj, index)) return NULL;
    weft_handle_t h;
    memset(&h, 0, sizeof h);
    h.kind = kind;
    h.obj = obj;
    return weft__handles_add(&inst->handles, &h, index);
}

static weft_error_t *wrong_type(weft_cstate_t *inst, uint32_t i)
{
    return weft__canon_trap(&inst->root->alloc, "wasm trap: handle index %u used with the "
                                                "wrong type", i);
}

weft_error_t *weft__async_handle_get(weft_cstate_t *inst, uint32_t i, uint8_t kind, void **obj)
{
    const weft_handles_t *t = &inst->handles;
    if (i != 0 && i < t->len && t->array[i].kind == kind) { /* the usual case, no call */
        *obj = t->array[i].obj;
        return NULL;
    }
    weft_handle_t *h = NULL;
    weft_error_t *err = weft__handles_get(&inst->handles, i, &h);
    if (err) return err;
    if (h->kind != kind) return wrong_type(inst, i);
    *obj = h->obj;
    return NULL;
}

weft_error_t *weft__async_handle_remove(weft_cstate_t *inst, uint32_t i, uint8_t kind,
                                        void **obj)
{
    weft_error_t *err = weft__async_handle_get(inst, i, kind, obj);
    if (err) return err;
    weft__handles_remove_used(&inst->handles, i);
    return NULL;
}

weft_error_t *weft__async_waitable_get(weft_cstate_t *inst, uint32_t i, weft_waitable_t **w,
                                       uint8_t *kind)
{
    weft_handle_t *h = NULL;
    weft_error_t *err = weft__handles_get(&inst->handles, i, &h);
    if (err) return err;
    if (!weft__async_kind_is_waitable(h->kind)) return wrong_type(inst, i);
    *w = h->obj;
    if (kind) *kind = h->kind;
    return NULL;
}

/* ---- Waitable ------------------------------------------------------------------------ */

void weft__waitable_init(weft_waitable_t *w, weft_cstate_t *inst)
{
    memset(w, 0, sizeof *w);
    w->inst = inst;
}

void weft__waitable_set_pending_event(weft_waitable_t *w, weft_event_fn fn)
{
    w->pending_event = fn;
    /* Wakes the threads the event may let go on: its synchronous waiter, or the threads
     * waiting on its set (the scheduler re-checks their conditions). */
    if (w->sync_thread) weft__athread_hint(w->sync_thread);
    if (w->wset)
        for (weft_athread_t *th = w->wset->waiters; th; th = th->wsnext) weft__athread_hint(th);
}

void weft__waitable_get_pending_event(weft_waitable_t *w, weft_event_t *out)
{
    weft_event_fn fn = w->pending_event;
    w->pending_event = NULL;
    memset(out, 0, sizeof *out);
    if (fn) fn(w, out);
}

void weft__waitable_join(weft_waitable_t *w, weft_wset_t *wset)
{
    weft_wset_t *old = w->wset;
    if (old) {
        if (w->set_prev) w->set_prev->set_next = w->set_next;
        else old->head = w->set_next;
        if (w->set_next) w->set_next->set_prev = w->set_prev;
        else old->tail = w->set_prev;
        w->set_prev = w->set_next = NULL;
    }
    w->wset = wset;
    if (wset) {
        w->set_prev = wset->tail;
        w->set_next = NULL;
        if (wset->tail) wset->tail->set_next = w;
        else wset->head = w;
        wset->tail = w;
    }
}

void weft__waitable_drop(weft_waitable_t *w)
{
    weft__waitable_join(w, NULL);
}

/* ---- WaitableSet --------------------------------------------------------------------- */

bool weft__wset_has_pending_event(const weft_wset_t *s)
{
    for (const weft_waitable_t *w = s->head; w; w = w->set_next)
        if (w->pending_event) return true;
    return false;
}

/* WaitableSet.get_pending_event: the spec picks at random; the first pending element in join
 * order is delivered, and it then moves to the end so that every element gets its turn. */
void weft__wset_get_pending_event(weft_wset_t *s, weft_event_t *out)
{
    for (weft_waitable_t *w = s->head; w; w = w->set_next) {
        if (!w->pending_event) continue;
        weft__waitable_join(w, s);
        weft__waitable_get_pending_event(w, out);
        return;
    }
    memset(out, 0, sizeof *out);
}

static bool wset_ready(void *env)
{
    return weft__wset_has_pending_event(env);
}

/* ---- built-ins ----------------------------------------------------------------------- */

typedef struct wenv {
    weft_cstate_t *st;
    uint8_t op;
    bool cancellable;
    weft_memory_t *memory;
} wenv_t;

/* unpack_event: p1 and p2 stored as u32 at ptr and ptr + 4. */
static weft_error_t *unpack_event(weft_cstate_t *st, weft_memory_t *mem, uint32_t ptr,
                                  const weft_event_t *e, weft_val_t *results, size_t nresults)
{
    if (!mem || (uint64_t)ptr + 8u > mem->size)
        return weft__async_trap(st, "out of bounds memory access");
    weft__le_store(mem->data + ptr, e->p1, 4);
    weft__le_store(mem->data + ptr + 4, e->p2, 4);
    if (nresults) results[0].of.i32 = (int32_t)e->code;
    return NULL;
}

/* The end of waitable-set.wait (WaitableSet.wait_for_event), when the thread resumes. */
static weft_error_t *wait_finish(void *env, bool cancelled, weft_val_t *results,
                                 size_t nresults)
{
    weft_athread_t *th = env;
    weft_wset_t *s = th->wobj;
    weft_event_t e;
    memset(&e, 0, sizeof e);
    if (cancelled) e.code = WEFT_EVENT_TASK_CANCELLED;
    else weft__wset_get_pending_event(s, &e);
    s->num_waiting--;
    return unpack_event(th->inst, th->wmem, th->wptr, &e, results, nresults);
}

static void wset_dtor(void *p)
{
    weft_wset_t *s = p;
    while (s->head) weft__waitable_join(s->head, NULL);
}

static weft_error_t *wset_fn(void *env, weft_caller_t *caller, const weft_val_t *args,
                             size_t nargs, weft_val_t *results, size_t nresults)
{
    (void)nargs;
    wenv_t *we = env;
    weft_cstate_t *st = we->st;
    if (!st->may_leave) return weft__async_trap(st, "cannot leave component instance");
    weft_error_t *err;
    void *obj = NULL;
    switch (we->op) {
    case WEFT_CANON_WAITABLE_SET_NEW: {
        weft_wset_t *s = weft__async_obj_new(st->store, sizeof *s, wset_dtor);
        if (!s) return weft__error_oom();
        s->inst = st;
        uint32_t i = 0;
        err = weft__async_handle_add(st, WEFT_HANDLE_WAITABLE_SET, s, &i);
        if (err) {
            weft__async_obj_free(st->store, s);
            return err;
        }
        results[0].of.i32 = (int32_t)i;
        return NULL;
    }
    case WEFT_CANON_WAITABLE_SET_WAIT:
    case WEFT_CANON_WAITABLE_SET_POLL: {
        err = weft__async_handle_get(st, (uint32_t)args[0].of.i32, WEFT_HANDLE_WAITABLE_SET,
                                     &obj);
        if (err) return err;
        weft_wset_t *s = obj;
        weft_athread_t *th = weft__async_current_thread(st);
        if (!th) return weft__error_oom();
        uint32_t ptr = (uint32_t)args[1].of.i32;
        if (we->op == WEFT_CANON_WAITABLE_SET_POLL) {
            weft_event_t e;
            memset(&e, 0, sizeof e);
            if (weft__atask_deliver_pending_cancel(th->task, we->cancellable))
                e.code = WEFT_EVENT_TASK_CANCELLED;
            else if (weft__wset_has_pending_event(s))
                weft__wset_get_pending_event(s, &e);
            return unpack_event(st, we->memory, ptr, &e, results, nresults);
        }
        s->num_waiting++;
        th->wobj = s;
        th->wmem = we->memory;
        th->wptr = ptr;
        weft__athread_wait_set(th, s);
        return weft__athread_block(caller, th, wset_ready, s, wait_finish, th, we->cancellable,
                                   results, nresults, NULL);
    }
    case WEFT_CANON_WAITABLE_SET_DROP: {
        uint32_t i = (uint32_t)args[0].of.i32;
        err = weft__async_handle_get(st, i, WEFT_HANDLE_WAITABLE_SET, &obj);
        if (err) return err;
        weft_wset_t *s = obj;
        if (s->head) return weft__async_trap(st, "cannot drop waitable set with members");
        if (s->num_waiting)
            return weft__async_trap(st, "cannot drop waitable set with waiters");
        weft__handles_remove(&st->handles, i, NULL);
        weft__async_obj_free(st->store, s);
        return NULL;
    }
    default: { /* waitable.join */
        weft_waitable_t *w = NULL;
        err = weft__async_waitable_get(st, (uint32_t)args[0].of.i32, &w, NULL);
        if (err) return err;
        if (w->has_sync_waiter)
            return weft__async_trap(st, "waitable cannot be used synchronously while added to a "
                                        "waitable set (it has a synchronous waiter)");
        uint32_t si = (uint32_t)args[1].of.i32;
        if (si == 0) {
            weft__waitable_join(w, NULL);
            return NULL;
        }
        err = weft__async_handle_get(st, si, WEFT_HANDLE_WAITABLE_SET, &obj);
        if (err) return err;
        weft__waitable_join(w, obj);
        if (w->pending_event)
            for (weft_athread_t *x = ((weft_wset_t *)obj)->waiters; x; x = x->wsnext)
                weft__athread_hint(x);
        return NULL;
    }
    }
}

weft_error_t *weft__waitable_make_builtin(weft_cstate_t *st, const weft_canon_t *c,
                                          weft_func_t **out)
{
    wenv_t *we = weft__croot_alloc(st->root, sizeof *we);
    if (!we) return weft__error_oom();
    we->st = st;
    we->op = c->op;
    we->cancellable = c->flag;
    if (c->op == WEFT_CANON_WAITABLE_SET_WAIT || c->op == WEFT_CANON_WAITABLE_SET_POLL)
        we->memory = st->core_memories[c->memory];
    const weft_ccanon_info_t *info = &st->valid->canons[c - st->def->canons.items];
    *out = weft__async_core_func(st, info->core, wset_fn, we);
    return *out ? NULL : weft__error_oom();
}
