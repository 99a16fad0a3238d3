/* handles.c - handle tables and resource handles (CanonicalABI.md "Table State", "Resource
 * State", `canon resource.new`, `canon resource.drop`, `canon resource.rep`). */
#include "component/handles.h"

#include "component/canon.h"
#include "util/error.h"

void weft__handles_init(weft_handles_t *t, const weft_alloc_t *a)
{
    memset(t, 0, sizeof *t);
    t->alloc = *a;
    t->len = 1; /* slot 0 is reserved: self.array = [None] */
}

void weft__handles_free(weft_handles_t *t)
{
    weft__free(&t->alloc, t->array, (size_t)t->cap * sizeof *t->array);
    t->array = NULL;
    t->cap = 0;
    t->len = 1;
    t->free_top = 0;
}

static weft_error_t *unknown_index(weft_handles_t *t, uint32_t i)
{
    return weft__canon_trap(&t->alloc, "unknown handle index %u", i);
}

/* Table.get */
weft_error_t *weft__handles_get(weft_handles_t *t, uint32_t i, weft_handle_t **out)
{
    if (i >= t->len || i == 0 || t->array[i].kind == WEFT_HANDLE_FREE) return unknown_index(t, i);
    *out = &t->array[i];
    return NULL;
}

/* Table.add: pop the free stack, else append (trapping past MAX_LENGTH). */
weft_error_t *weft__handles_add(weft_handles_t *t, const weft_handle_t *e, uint32_t *index)
{
    uint32_t i;
    if (t->free_top) {
        i = t->free_top;
        t->free_top = t->array[i].next_free;
    } else {
        i = t->len;
        if (i > WEFT_HANDLES_MAX_LENGTH)
            return weft__canon_trap(&t->alloc, "handle table full (%u entries)", i);
        if (i >= t->cap) {
            void *p = t->array;
            size_t cap = t->cap;
            if (weft__grow(&t->alloc, &p, &cap, (size_t)i + 1, sizeof *t->array) != 0)
                return weft__error_oom();
            t->array = p;
            t->cap = (uint32_t)(cap > WEFT_HANDLES_MAX_LENGTH + 1u ? WEFT_HANDLES_MAX_LENGTH + 1u
                                                                    : cap);
            if (t->len == 1) memset(&t->array[0], 0, sizeof t->array[0]);
        }
        t->len = i + 1;
    }
    t->array[i] = *e;
    t->array[i].next_free = 0;
    *index = i;
    return NULL;
}

/* Table.remove: the freed index goes on top of the free stack. */
weft_error_t *weft__handles_remove(weft_handles_t *t, uint32_t i, weft_handle_t *out)
{
    weft_handle_t *h = NULL;
    weft_error_t *err = weft__handles_get(t, i, &h);
    if (err) return err;
    if (out) *out = *h;
    memset(h, 0, sizeof *h);
    h->next_free = t->free_top;
    t->free_top = i;
    return NULL;
}

/* The resource checks shared by lift_own, lift_borrow, resource.drop and resource.rep:
 * trap_if(not isinstance(h, ResourceHandle)); trap_if(h.rt is not rt). */
static weft_error_t *check_resource(weft_handles_t *t, const weft_handle_t *h, uint32_t i,
                                    const weft_rt_resource_t *rt)
{
    if (h->kind != WEFT_HANDLE_RESOURCE)
        return weft__canon_trap(&t->alloc,
                                "handle index %u used with the wrong type, expected resource "
                                "but found a different kind of handle", i);
    if (h->rt != rt)
        return weft__canon_trap(&t->alloc,
                                "handle index %u used with the wrong type, expected "
                                "guest-defined resource but found a different guest-defined "
                                "resource", i);
    return NULL;
}

weft_error_t *weft__resource_new(weft_handles_t *t, const weft_rt_resource_t *rt, uint32_t rep,
                                 uint32_t *index)
{
    weft_handle_t h = {.kind = WEFT_HANDLE_RESOURCE, .own = true, .rep = rep, .rt = rt};
    return weft__handles_add(t, &h, index);
}

/* canon_resource_drop. The spec removes the entry before checking it; a failed check traps
 * (the instance is then unusable), so checking first and removing after gives the same
 * observable result while keeping the table consistent. */
weft_error_t *weft__resource_drop(weft_handles_t *t, const weft_rt_resource_t *rt, uint32_t i,
                                  bool *run_dtor, uint32_t *rep)
{
    weft_handle_t *h = NULL;
    weft_error_t *err = weft__handles_get(t, i, &h);
    if (err) return err;
    if ((err = check_resource(t, h, i, rt))) return err;
    if (h->num_lends != 0)
        return weft__canon_trap(&t->alloc, "cannot remove owned resource while borrowed");
    weft_handle_t e;
    weft__handles_remove(t, i, &e);
    *rep = e.rep;
    *run_dtor = e.own;
    if (!e.own && e.borrow_scope) e.borrow_scope->num_borrows--;
    return NULL;
}

weft_error_t *weft__resource_rep(weft_handles_t *t, const weft_rt_resource_t *rt, uint32_t i,
                                 uint32_t *rep)
{
    weft_handle_t *h = NULL;
    weft_error_t *err = weft__handles_get(t, i, &h);
    if (err) return err;
    if ((err = check_resource(t, h, i, rt))) return err;
    *rep = h->rep;
    return NULL;
}

/* lift_own */
weft_error_t *weft__handles_lift_own(weft_handles_t *t, const weft_rt_resource_t *rt, uint32_t i,
                                     uint32_t *rep)
{
    weft_handle_t *h = NULL;
    weft_error_t *err = weft__handles_get(t, i, &h);
    if (err) return err;
    if ((err = check_resource(t, h, i, rt))) return err;
    if (h->num_lends != 0)
        return weft__canon_trap(&t->alloc, "cannot remove owned resource while borrowed");
    if (!h->own)
        return weft__canon_trap(&t->alloc, "handle index %u is a borrow, expected an own", i);
    *rep = h->rep;
    weft__handles_remove(t, i, NULL);
    return NULL;
}

/* lift_borrow + Subtask.add_lender */
weft_error_t *weft__handles_lift_borrow(weft_handles_t *t, const weft_rt_resource_t *rt,
                                        uint32_t i, weft_lends_t *lends, uint32_t *rep)
{
    weft_handle_t *h = NULL;
    weft_error_t *err = weft__handles_get(t, i, &h);
    if (err) return err;
    if ((err = check_resource(t, h, i, rt))) return err;
    if (lends) {
        if (lends->count == lends->cap) {
            uint32_t ncap = lends->cap * 2u;
            uint32_t *p = weft__malloc(&t->alloc, (size_t)ncap * sizeof *p);
            if (!p) return weft__error_oom();
            memcpy(p, lends->items, (size_t)lends->count * sizeof *p);
            if (lends->items != lends->inline_items)
                weft__free(&t->alloc, lends->items, (size_t)lends->cap * sizeof *p);
            lends->items = p;
            lends->cap = ncap;
        }
        lends->items[lends->count++] = i;
        h->num_lends++;
    }
    *rep = h->rep;
    return NULL;
}

weft_error_t *weft__handles_lower_own(weft_handles_t *t, const weft_rt_resource_t *rt,
                                      uint32_t rep, uint32_t *index)
{
    weft_handle_t h = {.kind = WEFT_HANDLE_RESOURCE, .own = true, .rep = rep, .rt = rt};
    return weft__handles_add(t, &h, index);
}

weft_error_t *weft__handles_lower_borrow(weft_handles_t *t, const weft_rt_resource_t *rt,
                                         uint32_t rep, const void *inst,
                                         weft_borrow_scope_t *scope, uint32_t *out)
{
    if (inst && rt && rt->impl == inst) {
        *out = rep;
        return NULL;
    }
    weft_handle_t h = {.kind = WEFT_HANDLE_RESOURCE, .own = false, .rep = rep, .rt = rt,
                       .borrow_scope = scope};
    weft_error_t *err = weft__handles_add(t, &h, out);
    if (err) return err;
    if (scope) scope->num_borrows++;
    return NULL;
}

weft_error_t *weft__borrow_scope_check(const weft_alloc_t *a, const weft_borrow_scope_t *scope)
{
    if (scope && scope->num_borrows > 0)
        return weft__canon_trap(a, "borrow handles still remain at the end of the call");
    return NULL;
}

void weft__lends_init(weft_lends_t *l)
{
    l->count = 0;
    l->cap = WEFT_LENDS_INLINE;
    l->items = l->inline_items;
}

void weft__lends_release(weft_lends_t *l, weft_handles_t *t)
{
    for (uint32_t k = 0; k < l->count; k++) {
        uint32_t i = l->items[k];
        /* A lent handle cannot be removed, so the index still names it. */
        if (i < t->len && t->array[i].num_lends > 0) t->array[i].num_lends--;
    }
    if (l->items && l->items != l->inline_items)
        weft__free(&t->alloc, l->items, (size_t)l->cap * sizeof *l->items);
    weft__lends_init(l);
}
