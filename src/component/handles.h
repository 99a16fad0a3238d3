/* handles.h - the per-component-instance handle table and resource handle semantics
 * (CanonicalABI.md "Table State", "Resource State", `canon resource.new/drop/rep`, lift_own,
 * lift_borrow, lower_own, lower_borrow).
 *
 * One table per component instance holds every kind of handle (resources, and the waitables,
 * streams, futures, subtasks, waitable sets and error contexts of the async layer, which use
 * kinds >= WEFT_HANDLE_USER with an opaque object pointer). Index 0 is reserved; freed indices
 * are reused last-freed-first (the spec's `free` list is a stack), which tests observe. */
#ifndef WEFT_COMPONENT_HANDLES_H
#define WEFT_COMPONENT_HANDLES_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "util/alloc.h"
#include "weft.h"

/* Table.MAX_LENGTH */
#define WEFT_HANDLES_MAX_LENGTH ((1u << 28) - 1u)

/* A runtime resource type (definitions.py ResourceType): its identity is its address. The
 * instantiation layer creates one per instantiation of a defining component (embedding this
 * record in its own, which also holds the destructor). `impl` is the implementing component
 * instance (compared by identity in lower_borrow). */
typedef struct weft_rt_resource {
    const void *impl;
} weft_rt_resource_t;

/* The borrow scope of a task (definitions.py Task.num_borrows): borrow handles lowered into
 * the callee for one call. Returning with num_borrows > 0 traps (weft__handles_scope_check). */
typedef struct weft_borrow_scope {
    uint32_t num_borrows;
} weft_borrow_scope_t;

/* The lenders of one call made by an instance (definitions.py Subtask.lenders): the handle
 * indices whose num_lends was incremented by lift_borrow. Small calls use the inline array. */
#define WEFT_LENDS_INLINE 8u
typedef struct weft_lends {
    uint32_t count, cap;
    uint32_t *items;          /* inline or allocated */
    uint32_t inline_items[WEFT_LENDS_INLINE];
} weft_lends_t;

typedef enum weft_handle_kind {
    WEFT_HANDLE_FREE = 0,
    WEFT_HANDLE_RESOURCE = 1,
    WEFT_HANDLE_USER = 16, /* first kind available to the async layer */
} weft_handle_kind_t;

typedef struct weft_handle {
    uint8_t kind;   /* weft_handle_kind_t */
    bool own;       /* resource: own (true) or borrow */
    uint32_t rep;   /* resource: the representation */
    uint32_t num_lends;
    uint32_t next_free;                  /* free slots: the next free index (0 = none) */
    const weft_rt_resource_t *rt;        /* resource */
    weft_borrow_scope_t *borrow_scope;   /* borrow handles: the task that received it */
    void *obj;                           /* kinds >= WEFT_HANDLE_USER */
} weft_handle_t;

typedef struct weft_handles {
    weft_alloc_t alloc;
    uint32_t len, cap;        /* len = len(array), including the reserved slot 0 */
    uint32_t free_top;        /* top of the free stack (0 = empty) */
    weft_handle_t *array;
} weft_handles_t;

void weft__handles_init(weft_handles_t *t, const weft_alloc_t *a);
void weft__handles_free(weft_handles_t *t);

/* Table.get: traps "unknown handle index N" if i is past the end or free. */
weft_error_t *weft__handles_get(weft_handles_t *t, uint32_t i, weft_handle_t **out);
/* Table.add: the entry is copied in; *index receives its index. Traps when the table would
 * exceed MAX_LENGTH; OOM error when allocation fails. */
weft_error_t *weft__handles_add(weft_handles_t *t, const weft_handle_t *e, uint32_t *index);
/* Table.remove: the removed entry is copied to *out (may be NULL). */
weft_error_t *weft__handles_remove(weft_handles_t *t, uint32_t i, weft_handle_t *out);

/* Table.add of an object entry (kind >= WEFT_HANDLE_USER) reusing the top of the free stack,
 * inline; false (nothing done) when the stack is empty: weft__handles_add then appends. A
 * free entry is all zero but for next_free (weft__handles_remove). */
static inline bool weft__handles_add_reuse(weft_handles_t *t, uint8_t kind, void *obj,
                                           uint32_t *index)
{
    uint32_t i = t->free_top;
    if (!i) return false;
    weft_handle_t *h = &t->array[i];
    t->free_top = h->next_free;
    h->next_free = 0;
    h->kind = kind;
    h->obj = obj;
    *index = i;
    return true;
}

/* Table.remove of entry i, which the caller found in use (0 < i < len, not free). */
static inline void weft__handles_remove_used(weft_handles_t *t, uint32_t i)
{
    weft_handle_t *h = &t->array[i];
    memset(h, 0, sizeof *h);
    h->next_free = t->free_top;
    t->free_top = i;
}

/* canon resource.new: a fresh own handle. */
weft_error_t *weft__resource_new(weft_handles_t *t, const weft_rt_resource_t *rt, uint32_t rep,
                                 uint32_t *index);
/* canon resource.drop: removes handle i of type rt. For an own handle *run_dtor is set and
 * *rep receives the rep: the caller then runs rt's destructor (if any) as a sync call into the
 * implementing instance. For a borrow the loan ends (its scope's num_borrows decrements). */
weft_error_t *weft__resource_drop(weft_handles_t *t, const weft_rt_resource_t *rt, uint32_t i,
                                  bool *run_dtor, uint32_t *rep);
/* canon resource.rep */
weft_error_t *weft__resource_rep(weft_handles_t *t, const weft_rt_resource_t *rt, uint32_t i,
                                 uint32_t *rep);

/* lift_own: removes own handle i of type rt and returns its rep. */
weft_error_t *weft__handles_lift_own(weft_handles_t *t, const weft_rt_resource_t *rt, uint32_t i,
                                     uint32_t *rep);
/* lift_borrow: handle i (own or borrow) of type rt is lent for the duration of the call whose
 * lenders are `lends` (num_lends++ until weft__lends_release). */
weft_error_t *weft__handles_lift_borrow(weft_handles_t *t, const weft_rt_resource_t *rt,
                                        uint32_t i, weft_lends_t *lends, uint32_t *rep);
/* lower_own: a new own handle in the receiving instance. */
weft_error_t *weft__handles_lower_own(weft_handles_t *t, const weft_rt_resource_t *rt,
                                      uint32_t rep, uint32_t *index);
/* lower_borrow: when the receiving instance `inst` implements rt the rep itself is passed;
 * otherwise a borrow handle scoped to `scope` (scope->num_borrows++). */
weft_error_t *weft__handles_lower_borrow(weft_handles_t *t, const weft_rt_resource_t *rt,
                                         uint32_t rep, const void *inst,
                                         weft_borrow_scope_t *scope, uint32_t *out);
/* Task.return_/cancel: traps if borrow handles remain at the end of the call. */
weft_error_t *weft__borrow_scope_check(const weft_alloc_t *a, const weft_borrow_scope_t *scope);

void weft__lends_init(weft_lends_t *l);
/* Subtask.deliver_resolve: ends every loan of the call (num_lends--) and frees storage. */
void weft__lends_release(weft_lends_t *l, weft_handles_t *t);

#endif
