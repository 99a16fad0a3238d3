/* types.h - the resolved, index-free type representation of the Component Model, used at run
 * time by instantiation and the canonical ABI (Explainer.md "Type Definitions", CanonicalABI.md
 * "Despecialization", "Element Size", "Alignment", "Flattening").
 *
 * Produced by the component validator (weft__component_validate, validate.h) from the syntactic
 * form of component.h. Every type node lives in an arena (weft_ty_arena_t) owned by the
 * validated component tree (weft_cvalid_t); nodes are immutable once made.
 *
 * Value types are hash-consed: two value types are structurally equal iff their pointers are
 * equal (labels compared byte for byte; resource types compared by identity). Function,
 * instance, component and module types are not interned; compare them with the subtyping
 * functions below.
 *
 * Despecialization (CanonicalABI.md "Despecialization") is done by giving the specialized kinds
 * a record/variant/list *view*, precomputed when the node is made:
 *   - TUPLE has `fields` with empty labels, like a RECORD (weft_ty_is_record_like);
 *   - ENUM, OPTION ("none"/"some"), RESULT ("ok"/"error") have `cases`, like a VARIANT
 *     (weft_ty_is_variant_like); a case without a payload has type NULL;
 *   - MAP<K,V> has `elem` = the interned TUPLE<K,V>, like LIST<tuple<K,V>>.
 * The kinds themselves are kept so that lifting can build the right host value. The ABI facts
 * (size, alignment, flattening) are those of the despecialized type. */
#ifndef WEFT_COMPONENT_TYPES_H
#define WEFT_COMPONENT_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/module.h"
#include "util/alloc.h"
#include "weft.h"

/* CanonicalABI.md "Flattening". */
#define WEFT_MAX_FLAT_PARAMS 16u
#define WEFT_MAX_FLAT_RESULTS 1u
#define WEFT_MAX_FLAT_ASYNC_PARAMS 4u
/* Flat types are stored on a value type only when there are at most this many (callers never
 * need the list of a longer flattening: it is passed through memory instead). */
#define WEFT_TY_FLAT_STORE 16u
/* Flat counts saturate here (a fixed-length list can flatten to billions of values). */
#define WEFT_TY_FLAT_SAT 0x7fffffffu
/* Explainer.md "Type Definitions": every value type must have elem_size(t, 'i64') < 2^28. */
#define WEFT_TY_MAX_SIZE (1u << 28)

typedef struct weft_ty_arena weft_ty_arena_t;
typedef struct weft_ty_val weft_ty_val_t;
typedef struct weft_ty_resource weft_ty_resource_t;
typedef struct weft_ty_func weft_ty_func_t;
typedef struct weft_ty_instance weft_ty_instance_t;
typedef struct weft_ty_component weft_ty_component_t;
typedef struct weft_ty_core_func weft_ty_core_func_t;
typedef struct weft_ty_module weft_ty_module_t;
typedef struct weft_ty_core_instance weft_ty_core_instance_t;

/* ------------------------------------------------------------------------------------------
 * Value types
 * ------------------------------------------------------------------------------------------ */

typedef enum weft_ty_kind {
    WEFT_TY_BOOL = 1,
    WEFT_TY_S8,
    WEFT_TY_U8,
    WEFT_TY_S16,
    WEFT_TY_U16,
    WEFT_TY_S32,
    WEFT_TY_U32,
    WEFT_TY_S64,
    WEFT_TY_U64,
    WEFT_TY_F32,
    WEFT_TY_F64,
    WEFT_TY_CHAR,
    WEFT_TY_STRING,
    WEFT_TY_ERROR_CONTEXT,
    WEFT_TY_LIST,       /* elem */
    WEFT_TY_FIXED_LIST, /* elem, len */
    WEFT_TY_RECORD,     /* fields */
    WEFT_TY_TUPLE,      /* fields (labels empty) */
    WEFT_TY_VARIANT,    /* cases */
    WEFT_TY_ENUM,       /* cases (no payloads) */
    WEFT_TY_OPTION,     /* elem; cases "none", "some" */
    WEFT_TY_RESULT,     /* cases "ok", "error" (payloads optional) */
    WEFT_TY_FLAGS,      /* labels (count <= 32) */
    WEFT_TY_OWN,        /* resource */
    WEFT_TY_BORROW,     /* resource */
    WEFT_TY_STREAM,     /* elem (NULL = no element type) */
    WEFT_TY_FUTURE,     /* elem (NULL = no element type) */
    WEFT_TY_MAP,        /* key, value; elem = tuple<key, value> */
} weft_ty_kind_t;

/* Bits of weft_ty_val_t.bits: what the type contains, transitively (through lists, records,
 * variants, ..., but not through stream/future element types, which are transferred by
 * separate copies). */
enum {
    WEFT_TYB_BORROW = 1u << 0,      /* a borrow<R> */
    WEFT_TYB_OWN = 1u << 1,         /* an own<R> */
    WEFT_TYB_STRING_LIST = 1u << 2, /* a string, list or map: lifting needs realloc */
    WEFT_TYB_ASYNC = 1u << 3,       /* a stream or future */
    WEFT_TYB_ERROR_CONTEXT = 1u << 4,
    WEFT_TYB_FLOAT = 1u << 5,       /* an f32/f64 (NaN canonicalization) */
    WEFT_TYB_TAGGED = 1u << 6,      /* a node with a nonzero `tag` (visibility substitution) */
};

typedef struct weft_ty_field {
    weft_name_t label;          /* record field / variant case; empty for tuple fields */
    const weft_ty_val_t *type;  /* NULL for a case without payload */
} weft_ty_field_t;

struct weft_ty_val {
    uint8_t kind;      /* weft_ty_kind_t */
    uint8_t bits;      /* WEFT_TYB_* */
    uint8_t disc_size; /* variant-like: discriminant size in bytes (1, 2 or 4) */
    /* CanonicalABI.md elem_size/alignment, for a 32-bit memory (ptr = 4) and for a 64-bit
     * memory (ptr = 8, 🐘). Sizes saturate at UINT32_MAX. */
    uint32_t size32, align32, size64, align64;
    /* Offset of the payload after the discriminant (variant-like) for a 32-bit memory. */
    uint32_t payload_off32, payload_off64;
    /* flatten_type(t) for a 32-bit memory: nflat values (saturated at WEFT_TY_FLAT_SAT); the
     * types themselves (WEFT_T_I32/I64/F32/F64) when nflat <= WEFT_TY_FLAT_STORE, else NULL.
     * For a 64-bit memory, weft_ty_flatten() computes them. */
    uint32_t nflat;
    const uint8_t *flat;
    uint32_t hash;

    const weft_ty_val_t *elem;   /* list, fixed list, option, stream, future, map (tuple) */
    uint32_t len;                /* fixed list */
    const weft_ty_val_t *key, *value; /* map */
    uint32_t count;              /* fields / cases / labels */
    const weft_ty_field_t *fields; /* record, tuple; also the variant view's cases */
    const weft_name_t *labels;   /* flags */
    const weft_ty_resource_t *resource; /* own, borrow */
    /* Explainer.md "External Visibility of Types": which type-index entry a record, variant,
     * enum or flags (or the resource of an own/borrow) was written with. Each definition and
     * each type import/export makes a new tag, so `$R` and the `$R'` an export of it creates
     * are distinct nodes; 0 for the other kinds. Interning distinguishes tags; subtyping and
     * the ABI ignore them. */
    uint32_t tag;
};

static inline bool weft_ty_is_record_like(const weft_ty_val_t *t)
{
    return t->kind == WEFT_TY_RECORD || t->kind == WEFT_TY_TUPLE;
}
static inline bool weft_ty_is_variant_like(const weft_ty_val_t *t)
{
    return t->kind == WEFT_TY_VARIANT || t->kind == WEFT_TY_ENUM || t->kind == WEFT_TY_OPTION ||
           t->kind == WEFT_TY_RESULT;
}
static inline bool weft_ty_is_list_like(const weft_ty_val_t *t)
{
    return t->kind == WEFT_TY_LIST || t->kind == WEFT_TY_MAP;
}
static inline bool weft_ty_is_handle(const weft_ty_val_t *t)
{
    return t->kind == WEFT_TY_OWN || t->kind == WEFT_TY_BORROW;
}
/* The primitive kinds BOOL..ERROR_CONTEXT (no components). */
static inline bool weft_ty_is_prim(const weft_ty_val_t *t)
{
    return t->kind <= WEFT_TY_ERROR_CONTEXT;
}
const char *weft_ty_kind_name(uint8_t kind);

/* flatten_type(t) with a 32-bit (mem64 false) or 64-bit memory: writes up to `cap` flat core
 * types to out and returns how many there are (saturated at WEFT_TY_FLAT_SAT; only the first
 * `cap` are written; `cap` at most WEFT_TY_FLAT_STORE + 1: callers only need the types of a
 * flattening that fits the limits, else they pass through memory). */
uint32_t weft_ty_flatten(const weft_ty_val_t *t, bool mem64, uint8_t *out, uint32_t cap);

/* ------------------------------------------------------------------------------------------
 * Resources (Explainer.md "Resource types"): generative. A resource node IS the type's
 * identity: each `(type (resource ...))` definition, each `(sub resource)` import and each
 * instantiation's exported resources are distinct nodes. Two own/borrow types are equal iff
 * they name the same node. At run time an instance maps its nodes to its runtime resource
 * types (a fresh one per instantiation of the defining component).
 * ------------------------------------------------------------------------------------------ */
struct weft_ty_resource {
    uint32_t id;      /* unique within the validated component tree, for debugging/hashing */
    bool is_abstract; /* imported ((sub resource)) or declared in a type: no rep, no dtor */
    bool is_local;    /* defined by a `resource` type definition of `scope` */
    bool in_type;     /* declared by `(sub resource)` inside a component or instance type:
                       * a placeholder that subtyping binds to the actual resource */
    uint8_t rep;      /* WEFT_T_I32 (or WEFT_T_I64 🐘) */
    bool has_dtor;
    uint32_t dtor;    /* core function index in the defining component */
    const void *scope;/* the weft_cvalid_t of the defining component (NULL if abstract) */
    weft_name_t name; /* the import/export name that introduced it, if known (messages) */
};

/* ------------------------------------------------------------------------------------------
 * Functions, externs, instances, components
 * ------------------------------------------------------------------------------------------ */

typedef struct weft_ty_param {
    weft_name_t name;
    const weft_ty_val_t *type;
} weft_ty_param_t;

struct weft_ty_func {
    bool is_async;               /* encoded 0x43 */
    uint32_t nparams;
    const weft_ty_param_t *params;
    const weft_ty_val_t *result; /* NULL: no result */
    const weft_ty_val_t *params_tuple; /* tuple of the parameter types (NULL if none) */
};

/* A type in the `type` index space: a value type, a resource, or a func/instance/component
 * type. */
typedef enum weft_ty_def_kind {
    WEFT_TYD_VAL = 1,
    WEFT_TYD_RESOURCE,
    WEFT_TYD_FUNC,
    WEFT_TYD_INSTANCE,
    WEFT_TYD_COMPONENT,
} weft_ty_def_kind_t;

typedef struct weft_ty_def {
    uint8_t kind; /* weft_ty_def_kind_t */
    union {
        const weft_ty_val_t *val;
        const weft_ty_resource_t *resource;
        const weft_ty_func_t *func;
        const weft_ty_instance_t *instance;
        const weft_ty_component_t *component;
    } u;
    uint32_t tag; /* RESOURCE: the visibility tag of this index entry (see weft_ty_val_t) */
} weft_ty_def_t;

/* An extern type (Explainer.md "externtype"): kind = WEFT_CEXT_* of component.h. */
typedef struct weft_ty_extern {
    uint8_t kind;
    union {
        const weft_ty_module_t *module;
        const weft_ty_func_t *func;
        const weft_ty_val_t *value;      /* 🪙 */
        weft_ty_def_t type;              /* (eq T) or (sub resource): the resource node */
        const weft_ty_component_t *component;
        const weft_ty_instance_t *instance;
    } u;
} weft_ty_extern_t;

typedef struct weft_ty_named {
    weft_name_t name; /* copied into the arena */
    weft_ty_extern_t type;
} weft_ty_named_t;

struct weft_ty_instance {
    uint32_t nexports;
    const weft_ty_named_t *exports;
};

/* A component type: ∀ imported resources. imports -> ∃ exported resources. exports.
 * `bound` lists the resources introduced by `(sub resource)` imports (substituted by the
 * arguments on instantiation); `fresh` those introduced by `(sub resource)` exports (fresh on
 * each instantiation). */
struct weft_ty_component {
    uint32_t nimports, nexports;
    const weft_ty_named_t *imports, *exports;
    uint32_t nbound, nfresh;
    const weft_ty_resource_t *const *bound;
    const weft_ty_resource_t *const *fresh;
};

/* ------------------------------------------------------------------------------------------
 * Core types
 * ------------------------------------------------------------------------------------------ */

/* Core value types are weft_valtype_t codes (module.h): i32/i64/f32/f64/v128 and references
 * (the low byte is the heap type shorthand code; concrete GC types are not distinguished). */
struct weft_ty_core_func {
    uint32_t nparams, nresults;
    const weft_valtype_t *params, *results;
};

typedef enum weft_ty_core_extern_kind {
    WEFT_TYC_FUNC = 0,
    WEFT_TYC_TABLE = 1,
    WEFT_TYC_MEMORY = 2,
    WEFT_TYC_GLOBAL = 3,
    WEFT_TYC_TAG = 4,
} weft_ty_core_extern_kind_t;

typedef struct weft_ty_core_extern {
    uint8_t kind;                    /* weft_ty_core_extern_kind_t */
    const weft_ty_core_func_t *func; /* func, tag */
    weft_valtype_t val;              /* table element, global value */
    bool mut;                        /* global */
    weft_limits_t limits;            /* table, memory */
} weft_ty_core_extern_t;

typedef struct weft_ty_core_named {
    weft_name_t module; /* imports only */
    weft_name_t name;
    weft_ty_core_extern_t type;
} weft_ty_core_named_t;

struct weft_ty_module {
    uint32_t nimports, nexports;
    const weft_ty_core_named_t *imports, *exports;
};

struct weft_ty_core_instance {
    uint32_t nexports;
    const weft_ty_core_named_t *exports;
};

/* ------------------------------------------------------------------------------------------
 * Arena and interning
 * ------------------------------------------------------------------------------------------ */

/* Makes an empty arena; NULL on allocation failure. */
weft_ty_arena_t *weft_ty_arena_new(const weft_alloc_t *a);
void weft_ty_arena_free(weft_ty_arena_t *arena);
/* Zeroed storage that lives as long as the arena (n may be 0); NULL on allocation failure. */
void *weft_ty_alloc(weft_ty_arena_t *arena, size_t n);
/* Copies a name into the arena; false on allocation failure. */
bool weft_ty_name_copy(weft_ty_arena_t *arena, weft_name_t in, weft_name_t *out);

/* The interned primitive type of `kind` (BOOL..ERROR_CONTEXT); NULL on allocation failure. */
const weft_ty_val_t *weft_ty_prim(weft_ty_arena_t *arena, uint8_t kind);
/* Interns a compound type. `proto` gives kind and components (elem, len, key, value, count,
 * fields or labels, resource); labels must be arena-owned or outlive the arena (they are
 * copied only if `proto` is new). The ABI facts are computed here. NULL on allocation
 * failure. For OPTION/RESULT/ENUM the `fields` (cases) are built here from elem / the
 * ok-error pair in fields[0..1] / labels; give RESULT as count 2 with fields[0].type = ok,
 * fields[1].type = err. MAP: give key and value. */
const weft_ty_val_t *weft_ty_intern(weft_ty_arena_t *arena, const weft_ty_val_t *proto);
/* A new resource node (not interned: generative). */
weft_ty_resource_t *weft_ty_resource_new(weft_ty_arena_t *arena);

/* ------------------------------------------------------------------------------------------
 * Subtyping (Explainer.md "Type checking"). Value types are compared structurally (the spec has
 * no width subtyping for them), resource types by identity. Each returns true if `a` is a
 * subtype of `b`; otherwise it writes a reason ("type mismatch in export `f`: expected u32,
 * found string") to why[0..cap) (NUL-terminated; why may be NULL).
 * ------------------------------------------------------------------------------------------ */
bool weft_ty_val_sub(const weft_ty_val_t *a, const weft_ty_val_t *b, char *why, size_t cap);
bool weft_ty_def_sub(const weft_ty_def_t *a, const weft_ty_def_t *b, char *why, size_t cap);
bool weft_ty_func_sub(const weft_ty_func_t *a, const weft_ty_func_t *b, char *why, size_t cap);
bool weft_ty_instance_sub(const weft_ty_instance_t *a, const weft_ty_instance_t *b, char *why,
                          size_t cap);
bool weft_ty_component_sub(const weft_ty_component_t *a, const weft_ty_component_t *b,
                           char *why, size_t cap);
bool weft_ty_module_sub(const weft_ty_module_t *a, const weft_ty_module_t *b, char *why,
                        size_t cap);
bool weft_ty_extern_sub(const weft_ty_extern_t *a, const weft_ty_extern_t *b, char *why,
                        size_t cap);
bool weft_ty_core_extern_sub(const weft_ty_core_extern_t *a, const weft_ty_core_extern_t *b,
                             char *why, size_t cap);
bool weft_ty_core_func_eq(const weft_ty_core_func_t *a, const weft_ty_core_func_t *b);
/* A binding of placeholder resources (in_type) to actual ones, grown while matching. */
#define WEFT_TY_RMAP_MAX 512u
typedef struct weft_ty_rmap {
    uint32_t count;
    const weft_ty_resource_t *from[WEFT_TY_RMAP_MAX];
    const weft_ty_resource_t *to[WEFT_TY_RMAP_MAX];
    /* visibility tags substituted along (type imports bound by instantiation arguments) */
    uint32_t ntags;
    uint32_t tag_from[WEFT_TY_RMAP_MAX];
    uint32_t tag_to[WEFT_TY_RMAP_MAX];
} weft_ty_rmap_t;
/* weft_ty_extern_sub with an explicit binding: placeholders of `b` met while matching a
 * `(sub resource)` are bound to the resource of `a` in `map`, and later uses of them in `b`
 * compare with what they are bound to. */
bool weft_ty_extern_sub_map(const weft_ty_extern_t *a, const weft_ty_extern_t *b,
                            weft_ty_rmap_t *map, char *why, size_t cap);
const weft_ty_resource_t *weft_ty_rmap_get(const weft_ty_rmap_t *map,
                                           const weft_ty_resource_t *r);

/* Substitution: a copy of `t` where every resource r bound in `map` is replaced by its image
 * (types are re-interned; unchanged parts are shared). NULL on allocation failure. */
const weft_ty_val_t *weft_ty_subst_val(weft_ty_arena_t *arena, const weft_ty_rmap_t *map,
                                       const weft_ty_val_t *t);
bool weft_ty_subst_extern(weft_ty_arena_t *arena, const weft_ty_rmap_t *map,
                          const weft_ty_extern_t *in, weft_ty_extern_t *out);

/* "func", "instance", "type", ... for an extern kind (WEFT_CEXT_*). */
const char *weft_ty_extern_kind_name(uint8_t kind);

/* ------------------------------------------------------------------------------------------
 * Canonical options and function flattening (CanonicalABI.md "Flattening")
 * ------------------------------------------------------------------------------------------ */

typedef enum weft_ty_string_encoding {
    WEFT_STRENC_UTF8 = 0,
    WEFT_STRENC_UTF16 = 1,
    WEFT_STRENC_LATIN1_UTF16 = 2,
} weft_ty_string_encoding_t;

/* The validated canonical options of a canon definition (indices in the defining component's
 * core index spaces). */
typedef struct weft_ty_opts {
    uint8_t string_encoding; /* weft_ty_string_encoding_t */
    bool has_memory, has_realloc, has_post_return, has_callback;
    bool is_async;
    bool mem64;              /* the memory is a 64-bit memory 🐘 */
    uint32_t memory, realloc, post_return, callback;
} weft_ty_opts_t;

typedef enum weft_ty_context { WEFT_TY_LIFT = 0, WEFT_TY_LOWER = 1 } weft_ty_context_t;

/* The flattened core signature of a function. */
typedef struct weft_ty_flat_sig {
    uint32_t nparams, nresults;
    uint8_t params[WEFT_MAX_FLAT_PARAMS + 1];
    uint8_t results[WEFT_MAX_FLAT_PARAMS + 1];
    bool params_indirect;  /* the parameters are passed through a pointer */
    bool results_indirect; /* results through a pointer (returned on lift, appended on lower) */
} weft_ty_flat_sig_t;

/* flatten_functype(opts, ft, context) (CanonicalABI.md). For an async lift, the results are
 * those of the core function (an i32 with a callback, none without); for an async lower the
 * core function returns one i32 (the subtask state). */
void weft_ty_flatten_functype(const weft_ty_opts_t *opts, const weft_ty_func_t *ft,
                              weft_ty_context_t context, weft_ty_flat_sig_t *out);

#endif
