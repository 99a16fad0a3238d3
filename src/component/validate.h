/* validate.h - validation and type checking of a decoded component (Explainer.md, Binary.md,
 * definitions.py), producing the resolved types (types.h) of every index-space entry. */
#ifndef WEFT_COMPONENT_VALIDATE_H
#define WEFT_COMPONENT_VALIDATE_H

#include "component/component.h"
#include "component/types.h"

/* The resolved type of one index-space entry; which member is set depends on the sort. */
typedef struct weft_cslot {
    weft_ty_def_t type;                         /* WEFT_CSORT_TYPE */
    const weft_ty_func_t *func;                 /* WEFT_CSORT_FUNC */
    const weft_ty_val_t *value;                 /* WEFT_CSORT_VALUE 🪙 */
    const weft_ty_component_t *component;       /* WEFT_CSORT_COMPONENT */
    const weft_ty_instance_t *instance;         /* WEFT_CSORT_INSTANCE */
    const weft_ty_module_t *module;             /* WEFT_CSORT_CORE_MODULE; also a core type
                                                 * that is a module type */
    const weft_ty_core_instance_t *core_instance; /* WEFT_CSORT_CORE_INSTANCE */
    weft_ty_core_extern_t core;                 /* core func/table/memory/global/tag */
    const weft_ty_core_func_t *core_functype;   /* WEFT_CSORT_CORE_TYPE: a func type (else
                                                 * NULL and `module` or a GC type) */
} weft_cslot_t;

/* What a canon definition resolved to (per def->canons[i]). */
typedef struct weft_ccanon_info {
    weft_ty_opts_t opts;
    /* lift: the lifted function type; lower: the lowered component function's type;
     * task.return: a function type whose parameters are the results. */
    const weft_ty_func_t *func;
    /* resource.*: the resource; stream.* / future.*: the stream/future type (as a value). */
    const weft_ty_resource_t *resource;
    const weft_ty_val_t *val;
    /* The core function type the definition has (lift: that of the core callee). */
    const weft_ty_core_func_t *core;
} weft_ccanon_info_t;

typedef struct weft_cvalid weft_cvalid_t;
struct weft_cvalid {
    const weft_component_def_t *def;
    weft_ty_arena_t *arena;      /* shared by the whole tree, owned by the outermost */
    const weft_cvalid_t *parent;
    weft_cvalid_t **children;    /* children[i] validates def->components.items[i].def */
    /* slots[sort][i]: the resolved type of def->spaces[sort].entries[i] */
    weft_cslot_t *slots[WEFT_CSORT_COUNT];
    uint32_t nslots[WEFT_CSORT_COUNT];
    weft_ccanon_info_t *canons;  /* per def->canons.items[i] */
    const weft_ty_component_t *type; /* the component's own type: imports -> exports */
};

/* Validates `def` (and everything nested). On success *out is the validated tree (free with
 * weft__cvalid_free). Errors: WEFT_ERROR_VALIDATE with the byte offset and a reason worded
 * like the reference tests, WEFT_ERROR_OOM. Nested core modules are validated with
 * weft__module_validate. */
weft_error_t *weft__component_validate(const weft_component_def_t *def, weft_cvalid_t **out);
void weft__cvalid_free(weft_cvalid_t *v);

#endif
