/* instance.h - run-time component instances (Explainer.md "Instance Definitions",
 * CanonicalABI.md "Runtime State", definitions.py ComponentInstance), their index spaces, the
 * linker and component functions. Private to instance*.c, link*.c, call*.c, resource*.c and
 * capi*.c. */
#ifndef WEFT_COMPONENT_INSTANCE_H
#define WEFT_COMPONENT_INSTANCE_H

#include <stdbool.h>
#include <stdint.h>

#include "component/canon.h"
#include "component/component.h"
#include "component/cvalue.h"
#include "component/handles.h"
#include "component/types.h"
#include "component/validate.h"
#include "core/runtime.h"
#include "util/alloc.h"
#include "weft.h"

typedef struct weft_cstate weft_cstate_t;

/* Context slots per task (CanonicalABI.md "canon context.get/set"). */
#define WEFT_CONTEXT_SLOTS 2u
typedef struct weft_croot weft_croot_t;

struct weft_component {
    weft_alloc_t alloc;
    weft_engine_t *engine;
    uint32_t refcount; /* the handle plus one per live instantiation */
    weft_component_def_t *def;
    weft_cvalid_t *valid;
};

/* A runtime resource type (definitions.py ResourceType); `base.impl` is the implementing
 * weft_cstate_t, or the linker entry of a host resource. */
typedef struct weft_crt {
    weft_rt_resource_t base;
    weft_cstate_t *impl;   /* NULL for host resources */
    weft_func_t *dtor;     /* core destructor in impl, or NULL */
    void (*host_dtor)(void *env, uint32_t rep);
    void *host_env;
} weft_crt_t;

typedef enum weft_cfunc_kind {
    WEFT_CFUNC_LIFTED = 1, /* canon lift of a core function */
    WEFT_CFUNC_HOST,       /* a host function of a linker */
} weft_cfunc_kind_t;

/* The type-derived facts of calls of one function type, computed once when the function is
 * lifted or lowered (call.c weft__call_plan_init) rather than on every call. The result tuple
 * points at `result_field`, so a plan is initialized in place and never copied. */
typedef struct weft_cplan {
    weft_canon_tuple_t params;
    weft_canon_tuple_t result; /* no fields when the function has no result */
    weft_ty_field_t result_field;
    /* flatten_functype(opts, ft, 'lower').results_indirect: the lowered core function's last
     * parameter is the results pointer. */
    bool results_indirect;
    /* Every parameter and the result are numbers or bools (one flat value each, no checks
     * when lifting or lowering) and the parameters fit in WEFT_MAX_FLAT_PARAMS values: a call
     * from the host lowers and lifts them directly. */
    bool scalar;
} weft_cplan_t;

/* A component function (the `func` index space). */
struct weft_component_func {
    uint8_t kind; /* weft_cfunc_kind_t */
    const weft_ty_func_t *type; /* in the view of the defining (lifting) component */
    /* lifted: the plan of `type` and the core function's result kinds */
    weft_cplan_t plan;
    uint32_t ncore_results;
    weft_valkind_t core_results[2];
    /* lifted */
    weft_cstate_t *inst;
    weft_func_t *core;
    weft_ty_opts_t opts;
    weft_memory_t *memory;
    weft_func_t *realloc, *post_return;
    /* host */
    weft_component_host_fn host;
    void *host_env;
};

/* One export of an instance. */
typedef struct weft_cexp {
    const char *name;
    uint32_t name_len;
    uint8_t sort; /* weft_csort_t */
    union {
        weft_component_func_t *func;
        weft_component_instance_t *instance;
        const weft_crt_t *rt;          /* a resource type; NULL for other types */
        weft_module_t *module;
        struct weft_cclosure *component;
    } u;
} weft_cexp_t;

/* A component instance as seen from outside: a bag of named exports. `state` is the instance
 * whose definitions these are (NULL for bags built from inline exports or host imports). */
struct weft_component_instance {
    uint32_t nexports;
    weft_cexp_t *exports;
    weft_cstate_t *state;
};

/* A component definition together with the run-time scope its outer aliases refer to. */
typedef struct weft_cclosure {
    const weft_component_def_t *def;
    const weft_cvalid_t *valid;
    weft_cstate_t *env; /* the instance in whose index space it was defined (NULL: top) */
} weft_cclosure_t;

/* A core instance: a bag of named core exports. */
typedef struct weft_ccore_inst {
    uint32_t count;
    const char **names;
    uint32_t *name_lens;
    weft_extern_t *items;
} weft_ccore_inst_t;

/* Binding of a resource type node (in some component's view) to its runtime type. */
typedef struct weft_crbind {
    const weft_ty_resource_t *node;
    const weft_crt_t *rt;
} weft_crbind_t;

/* definitions.py ComponentInstance, plus this instance's index spaces. */
struct weft_cstate {
    weft_croot_t *root;
    weft_store_t *store;
    const weft_component_def_t *def;
    const weft_cvalid_t *valid;
    weft_cstate_t *env; /* lexical parent (outer aliases) */
    /* The instance whose `instantiate` made this one (definitions.py ComponentInstance.parent);
     * NULL for the instance the host made. */
    weft_cstate_t *parent;
    weft_handles_t handles;
    bool may_leave;
    bool entered;  /* a synchronous call into this instance is in progress (may_enter) */
    bool poisoned; /* a trap happened inside: every later entry traps */
    uint32_t context[WEFT_CONTEXT_SLOTS]; /* context.get/set of the current (sync) task */
    uint32_t backpressure;
    /* The async state of the instance (async_task.c: threads table, exclusive lock, enter
     * queue, running thread); NULL until the instance first uses async features. */
    struct weft_ainst *async;
    /* index spaces */
    weft_func_t **core_funcs;
    weft_table_t **core_tables;
    weft_memory_t **core_memories;
    weft_global_t **core_globals;
    weft_tag_t **core_tags; /* Wasm 3.0 exception tags, by identity */
    weft_module_t **core_modules;
    weft_ccore_inst_t **core_instances;
    weft_component_func_t **funcs;
    weft_component_instance_t **instances;
    weft_cclosure_t **components;
    const weft_crt_t **types; /* resources only */
    uint32_t nrbind, caprbind;
    weft_crbind_t *rbind;
    weft_component_instance_t self; /* the exports */
    weft_cstate_t *next_in_root;
};

/* Everything made by one weft_component_instance_new: freed with the store. */
struct weft_croot {
    weft_alloc_t alloc;
    weft_store_t *store;
    weft_component_t *component; /* holds a reference */
    struct weft_cblock *blocks;
    weft_cstate_t *states;
    /* Calls in progress into any instance of this tree (every instance of a root shares one
     * outermost ancestor): what the reentrance check of a call from the host looks at. */
    uint32_t active;
};

/* A root owned by the store (freed by weft_store_delete), holding a reference to c; NULL on
 * allocation failure. */
weft_croot_t *weft__croot_new(weft_store_t *store, weft_component_t *c);
/* Zeroed storage living as long as the root; NULL on failure. */
void *weft__croot_alloc(weft_croot_t *root, size_t n);

/* ---- linker (link.c) ------------------------------------------------------------------- */

typedef enum weft_clink_kind {
    WEFT_CLINK_HOST_FUNC = 1,
    WEFT_CLINK_RESOURCE,
    WEFT_CLINK_INSTANCE,
    WEFT_CLINK_CFUNC,
} weft_clink_kind_t;

typedef struct weft_clink_entry {
    uint8_t kind;
    bool has_instance;
    char *instance;
    size_t instance_len;
    char *name;
    size_t name_len;
    weft_component_host_fn fn;
    void *env;
    void (*env_free)(void *);
    weft_crt_t *rt;                        /* resource */
    weft_component_instance_t *cinstance;  /* instance */
    weft_component_func_t *cfunc;          /* component func */
} weft_clink_entry_t;

struct weft_component_linker {
    weft_alloc_t alloc;
    weft_engine_t *engine;
    size_t count, cap;
    weft_clink_entry_t **entries;
};

/* The entry for (instance, name); instance NULL for top level. */
const weft_clink_entry_t *weft__linker_find(const weft_component_linker_t *l,
                                            const char *instance, size_t instance_len,
                                            const char *name, size_t name_len);
/* True if some entry is in `instance`. */
bool weft__linker_has_instance(const weft_component_linker_t *l, const char *instance,
                               size_t instance_len);

/* ---- instances (instance*.c) ----------------------------------------------------------- */

/* The runtime type bound to node r in st (searching st, then its lexical parents); NULL if
 * none. */
const weft_crt_t *weft__cstate_resource(const weft_cstate_t *st, const weft_ty_resource_t *r);
bool weft__cstate_bind(weft_cstate_t *st, const weft_ty_resource_t *node, const weft_crt_t *rt);

/* ---- calls (call*.c) ------------------------------------------------------------------- */

/* Computes the plan of calls of ft with options opts (NULL: none) into *plan, in place. */
void weft__call_plan_init(weft_cplan_t *plan, const weft_ty_opts_t *opts,
                          const weft_ty_func_t *ft);
/* Completes a lifted function (kind, type, inst, core, opts set): its plan and core result
 * kinds. */
void weft__call_prepare_lifted(weft_component_func_t *f);
/* The core host function implementing `canon lower` of `target` in instance st. */
weft_error_t *weft__call_make_lower(weft_cstate_t *st, const weft_ccanon_info_t *info,
                                    weft_component_func_t *target, weft_func_t **out);
/* A core function that traps with `msg` when called (unsupported built-ins). */
weft_error_t *weft__call_make_trap(weft_cstate_t *st, const weft_ty_core_func_t *type,
                                   const char *msg, weft_func_t **out);
/* context.get/set, backpressure.inc/dec (call_builtins.c). */
weft_error_t *weft__call_make_builtin(weft_cstate_t *st, const weft_canon_t *c,
                                      weft_func_t **out);
/* Calls a component function from the host. */
weft_error_t *weft__call_func(weft_store_t *store, weft_component_func_t *f,
                              const weft_cval_t *args, size_t nargs, weft_cval_t *results,
                              size_t nresults, weft_cval_arena_t *arena);
/* "cannot enter component instance" if a call from `caller` (NULL: the host) into `callee`
 * may not start: callee is poisoned or already on the stack, or the call might be recursive
 * (call.c, CanonicalABI.md "call_might_be_recursive"). */
weft_error_t *weft__call_enter_check(const weft_cstate_t *caller, const weft_cstate_t *callee);
/* Marks a call into st as started / finished (pairs with a successful enter check). */
void weft__call_enter(weft_cstate_t *st);
/* Traps leaving a component to the host read "wasm trap: REASON" (the wording the reference
 * tests match): returns err with that prefix (err itself when it has it or is no trap). */
weft_error_t *weft__call_trap_prefix(weft_store_t *store, weft_error_t *err);
void weft__call_leave(weft_cstate_t *st);

/* ---- resources (resource.c) ------------------------------------------------------------ */

weft_error_t *weft__resource_make_builtin(weft_cstate_t *st, uint8_t op,
                                          const weft_ccanon_info_t *info, weft_func_t **out);
/* Runs the destructor of rt for `rep` (a sync call into its implementation). */
weft_error_t *weft__resource_run_dtor(weft_store_t *store, const weft_crt_t *rt, uint32_t rep,
                                      const weft_cstate_t *caller);

/* weft_valkind_t of a core value type. */
static inline weft_valkind_t weft__cvk(weft_valtype_t t)
{
    return (weft_valkind_t)(t & 0xFF);
}

#endif
