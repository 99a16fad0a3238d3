/* validate_internal.h - state shared by the pieces of the component validator (validate.c,
 * validate_types.c, validate_canon.c, validate_names.c). Private to those files. */
#ifndef WEFT_COMPONENT_VALIDATE_INTERNAL_H
#define WEFT_COMPONENT_VALIDATE_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "component/validate.h"
#include "util/error.h"

/* The resources an instance type declares itself (`(sub resource)` exports): those with ids in
 * [lo, hi). Importing the type makes fresh copies of them (Explainer.md "Type checking": each
 * imported instance has its own abstract resource types). */
typedef struct vinst_range {
    const weft_ty_instance_t *type;
    uint32_t lo, hi;
} vinst_range_t;
typedef WEFT_CVEC(vinst_range_t) vinst_ranges_t;

typedef struct vstate {
    weft_alloc_t alloc;
    weft_ty_arena_t *arena;
    weft_error_t *err; /* the first failure */
    char why[320];     /* scratch for subtyping reasons */
    char ctx[160];     /* when non-empty, prefixed to the reason of a failure */
    vinst_ranges_t inst_ranges;
} vstate_t;

typedef enum vscope_kind {
    VSCOPE_COMPONENT = 0,
    VSCOPE_COMPONENT_TYPE,
    VSCOPE_INSTANCE_TYPE,
} vscope_kind_t;

typedef WEFT_CVEC(weft_cslot_t) vslots_t;
typedef WEFT_CVEC(weft_ty_named_t) vnamed_t;
typedef WEFT_CVEC(const void *) vptrs_t;
typedef WEFT_CVEC(weft_name_t) vnames_t;
typedef WEFT_CVEC(uint32_t) vtags_t;

/* One scope with its own index spaces: a component, or a component/instance type body. */
typedef struct vscope vscope_t;
struct vscope {
    vscope_t *parent;
    uint8_t kind;                      /* vscope_kind_t */
    const weft_component_def_t *def;   /* holds the types[]/core_types[] arenas */
    vslots_t sp[WEFT_CSORT_COUNT];
    vnamed_t imports, exports;         /* resolved, for the scope's own type */
    vnames_t import_names, export_names; /* for uniqueness (incl. attribute-less forms) */
    /* Explainer.md "External Visibility of Types": the tags (weft_ty_val_t.tag) of the
     * type-index entries introduced by imports (visible to imports and exports) and by
     * exports (visible to exports only) of this scope. */
    vtags_t vis_imp, vis_exp;
    vptrs_t resources;                 /* resources defined (component) or declared here */
    vptrs_t bound, fresh;              /* component types: (sub resource) imports/exports */
    int context_type;                  /* context.get/set: 0 unset, else the core valtype */
};

/* memcpy that accepts a NULL source when n is 0. */
static inline void weft__cv_copy(void *dst, const void *src, size_t n)
{
    if (n) memcpy(dst, src, n);
}

bool weft__cv_fail(vstate_t *st, uint32_t offset, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
bool weft__cv_oom(vstate_t *st);
bool weft__cv_push_ptr(vstate_t *st, vptrs_t *v, const void *p);
bool weft__cv_has_ptr(const vptrs_t *v, const void *p);
/* Appends a slot to sort `sort` of the scope; returns it (zeroed) or NULL (OOM recorded). */
weft_cslot_t *weft__cv_push_slot(vstate_t *st, vscope_t *sc, uint8_t sort);
void weft__cv_scope_free(vstate_t *st, vscope_t *sc);

/* Types (validate_types.c). */
const weft_ty_val_t *weft__cv_valtype(vstate_t *st, vscope_t *sc, weft_cvaltype_t vt,
                                      uint32_t offset);
/* Resolves def->types[index] (a type definition or declaration) in scope `sc`. */
bool weft__cv_deftype(vstate_t *st, vscope_t *sc, uint32_t index, weft_ty_def_t *out);
/* Resolves core_types[first..first+count) into the scope's core type space. */
bool weft__cv_core_types(vstate_t *st, vscope_t *sc, uint32_t first, uint32_t count);
/* Resolves an externtype in scope `sc`. For `(sub resource)` a new placeholder resource. */
bool weft__cv_externtype(vstate_t *st, vscope_t *sc, const weft_cextern_t *e,
                         weft_ty_extern_t *out, bool in_type);
/* The type slot for `index`, checked ("type index out of bounds"). */
const weft_ty_def_t *weft__cv_type_at(vstate_t *st, vscope_t *sc, uint32_t index,
                                      uint32_t offset);
/* An alias (export or outer) in scope `sc`: resolves and appends to its sort. */
bool weft__cv_alias(vstate_t *st, vscope_t *sc, const weft_calias_t *al);
/* An import or export declaration in a scope; adds to the index space and the scope's type. */
bool weft__cv_extern_decl(vstate_t *st, vscope_t *sc, const weft_cextname_t *name,
                          const weft_ty_extern_t *t, bool is_import, uint32_t offset);
/* Externally visible: every record/variant/enum/flags/resource reachable from t was written
 * with a type-index entry introduced by an import (or, for an export, an export). */
bool weft__cv_all_named(const vscope_t *sc, const weft_ty_extern_t *t, bool is_import);
/* A type import/export introduces a new index entry: gives it a fresh tag (OOM recorded). */
bool weft__cv_retag(vstate_t *st, weft_ty_extern_t *t);
/* Records the tags an import/export makes visible: those of a type, or every type an
 * instance exports (transitively). */
bool weft__cv_add_named(vstate_t *st, vscope_t *sc, const weft_ty_extern_t *t, bool is_import);
bool weft__cv_core_valtype(const weft_ccore_valtype_t *in, weft_valtype_t *out);
/* A core func type made of the given params and results. */
const weft_ty_core_func_t *weft__cv_core_func(vstate_t *st, uint32_t np, const uint8_t *p,
                                              uint32_t nr, const uint8_t *r);
/* The module type of a decoded core module. */
const weft_ty_module_t *weft__cv_module_type(vstate_t *st, const weft_module_t *m);

/* The id the next resource node of the arena will get (types.c). */
uint32_t weft__ty_next_resource_id(const weft_ty_arena_t *arena);
/* A new visibility tag (never 0). */
uint32_t weft__ty_new_tag(weft_ty_arena_t *arena);
/* `t` interned again with visibility tag `tag`; NULL on allocation failure. */
const weft_ty_val_t *weft__ty_retag(weft_ty_arena_t *arena, const weft_ty_val_t *t,
                                    uint32_t tag);

/* Canon definitions (validate_canon.c): validates canons[i] and appends its func/core func. */
bool weft__cv_canon(vstate_t *st, vscope_t *sc, weft_cvalid_t *v, uint32_t i);

/* Names (validate_names.c). `what` is "import" or "export" (or "instance export"). Checks the
 * name grammar, attributes and strong uniqueness against `seen`, then appends it. */
bool weft__cv_extern_name(vstate_t *st, vscope_t *sc, const weft_cextname_t *name,
                          const weft_ty_extern_t *t, bool is_import, uint32_t offset);
/* A label (record field, case, parameter, flag, enum tag): kebab-case. NULL if fine, else a
 * reason "is not in kebab case" style prefix filled in by the caller. */
bool weft__cv_is_kebab(weft_name_t n);
/* Case-insensitive equality of two labels. */
bool weft__cv_label_eq_ci(weft_name_t a, weft_name_t b);

#endif
