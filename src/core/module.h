/* module.h - the decoded form of a core WebAssembly module (Wasm core spec 2.5 Modules,
 * binary format chapter 5). Produced by decode.c, checked by validate.c, translated by
 * compile.c, instantiated by instance.c.
 *
 * Every array is allocated with the module's allocator and freed by weft__module_free().
 * Names and expressions point into `bytes`, the module's own copy of the binary. */
#ifndef WEFT_CORE_MODULE_H
#define WEFT_CORE_MODULE_H

#include <stdbool.h>
#include <stdint.h>

#include "util/alloc.h"
#include "weft.h"

/* A value type. The low 8 bits are the binary type code (0x7F i32, 0x7E i64, 0x7D f32,
 * 0x7C f64, 0x7B v128, 0x70 funcref, 0x6F externref). Higher bits are reserved for the
 * Wasm 3.0 typed references (heap type index, nullability) added later. */
typedef uint32_t weft_valtype_t;

enum {
    WEFT_T_I32 = 0x7F,
    WEFT_T_I64 = 0x7E,
    WEFT_T_F32 = 0x7D,
    WEFT_T_F64 = 0x7C,
    WEFT_T_V128 = 0x7B,
    WEFT_T_FUNCREF = 0x70,
    WEFT_T_EXTERNREF = 0x6F,
    WEFT_T_EXNREF = 0x69, /* Wasm 3.0 exception handling: a caught exception (nullable) */
};

static inline bool weft__valtype_is_ref(weft_valtype_t t)
{
    return (t & 0xFF) == WEFT_T_FUNCREF || (t & 0xFF) == WEFT_T_EXTERNREF ||
           (t & 0xFF) == WEFT_T_EXNREF;
}
/* Number of 64-bit interpreter slots a value of type t occupies (v128 takes two). */
static inline uint32_t weft__valtype_slots(weft_valtype_t t)
{
    return (t & 0xFF) == WEFT_T_V128 ? 2u : 1u;
}

typedef struct weft_name {
    const char *ptr; /* into module bytes; validated UTF-8; NOT NUL-terminated */
    uint32_t len;
} weft_name_t;

/* Wasm 3.0 typed references: a reference type keeps its hierarchy's top type code in the low 8
 * bits (0x70 func, 0x6F extern, 0x69 exn; so the two helpers above stay correct) and adds
 * WEFT_T_NONNULL for (ref ht), WEFT_T_BOTTOM for the hierarchy's bottom heap type (nofunc,
 * noextern, noexn), and a concrete type index + 1 from bit WEFT_T_IDX_SHIFT up. Plain funcref,
 * externref and exnref keep their one-byte codes. See core/decode_types.h. */
#define WEFT_T_NONNULL 0x100u
#define WEFT_T_BOTTOM 0x200u
#define WEFT_T_IDX_SHIFT 10u

/* Wasm 3.0 recursive types (2.3.8): the recursion group, declared supertype and finality of
 * each type, and `canon`, the smallest index of an equivalent type in the module (filled by the
 * validator, 3.2.x type equivalence of rolled-up recursive types). */
typedef struct weft_typeinfo {
    uint32_t group;     /* index of the first type of its recursion group */
    uint32_t group_len; /* number of types in that group */
    uint32_t super;     /* declared supertype index, UINT32_MAX for none */
    uint32_t canon;
    uint8_t kind;       /* 0x60 func; 0x5F struct and 0x5E array (decoded, not supported) */
    bool final;
} weft_typeinfo_t;

typedef struct weft_functype {
    uint32_t nparams;
    uint32_t nresults;
    weft_valtype_t *params;  /* nparams entries */
    weft_valtype_t *results; /* nresults entries */
    uint32_t param_slots;    /* sum of weft__valtype_slots over params */
    uint32_t result_slots;
} weft_functype_t;

typedef struct weft_limits {
    uint64_t min;
    uint64_t max;
    bool has_max;
    bool is64;   /* memory64 / table64 (Wasm 3.0) */
    bool shared; /* threads proposal: a type property (WEFT_FEATURE_SHARED_MEMORY); no atomics */
} weft_limits_t;

typedef struct weft_tabletype {
    weft_valtype_t elem;
    weft_limits_t limits;
} weft_tabletype_t;

typedef struct weft_memtype {
    weft_limits_t limits; /* in 64 KiB pages */
} weft_memtype_t;

typedef struct weft_globaltype {
    weft_valtype_t type;
    bool mut;
} weft_globaltype_t;

/* A constant expression, kept as its raw bytes (including the final 0x0B `end`). Validated by
 * validate.c and evaluated at instantiation by instance.c. */
typedef struct weft_expr {
    uint32_t offset; /* byte offset of the first instruction in the module binary */
    uint32_t len;    /* bytes, including the final end */
} weft_expr_t;

typedef struct weft_import {
    weft_name_t module;
    weft_name_t name;
    uint8_t kind; /* weft_extern_kind_t */
    union {
        uint32_t func_type; /* type index */
        weft_tabletype_t table;
        weft_memtype_t memory;
        weft_globaltype_t global;
        uint32_t tag_type; /* type index (Wasm 3.0 exceptions) */
    } desc;
    uint32_t offset; /* byte offset of the import entry, for errors */
} weft_import_t;

typedef struct weft_export {
    weft_name_t name;
    uint8_t kind; /* weft_extern_kind_t */
    uint32_t index;
} weft_export_t;

typedef struct weft_global_def {
    weft_globaltype_t type;
    weft_expr_t init;
} weft_global_def_t;

typedef enum weft_segment_mode {
    WEFT_SEG_ACTIVE = 0,
    WEFT_SEG_PASSIVE = 1,
    WEFT_SEG_DECLARATIVE = 2,
} weft_segment_mode_t;

typedef struct weft_elem {
    uint8_t mode;          /* weft_segment_mode_t */
    weft_valtype_t type;   /* element reference type (funcref for the index forms) */
    uint32_t table;        /* active only */
    weft_expr_t offset;    /* active only */
    uint32_t count;
    /* Exactly one of these is non-NULL when count > 0: plain function indices (flags 0-3), or
     * one constant expression per element (flags 4-7). */
    uint32_t *func_indices;
    weft_expr_t *exprs;
    uint32_t entry_offset; /* byte offset of the segment, for errors */
} weft_elem_t;

typedef struct weft_data {
    uint8_t mode;       /* WEFT_SEG_ACTIVE or WEFT_SEG_PASSIVE */
    uint32_t memory;    /* active only */
    weft_expr_t offset; /* active only */
    uint32_t data_offset; /* byte offset of the bytes in the module binary */
    uint32_t len;
} weft_data_t;

/* Local declarations of one function body: `count` locals of `type`. */
typedef struct weft_local_group {
    uint32_t count;
    weft_valtype_t type;
} weft_local_group_t;

typedef struct weft_body {
    uint32_t nlocal_groups;
    weft_local_group_t *local_groups;
    uint32_t nlocals;      /* total declared locals (parameters excluded); bounded by decoder */
    uint32_t code_offset;  /* byte offset of the first instruction (after the locals) */
    uint32_t code_end;     /* byte offset just past the final `end` */
    uint32_t body_offset;  /* byte offset of the body's size field, for errors */
} weft_body_t;

/* The compiled internal code of one function; defined by compile.h. */
typedef struct weft_code weft_code_t;

struct weft_module {
    weft_alloc_t alloc;
    weft_engine_t *engine;
    uint32_t refcount; /* the handle plus one per live instance */

    uint8_t *bytes; /* owned copy of the binary (but see bytes_borrowed) */
    size_t len;
    /* bytes point into a binary owned by someone else that outlives every use of the module (a
     * component's core module points into the component's copy of its binary, which the
     * component keeps until its last instance is gone), so they are not freed with it. */
    bool bytes_borrowed;

    uint32_t ntypes;
    weft_functype_t *types;

    uint32_t nimports;
    weft_import_t *imports;
    /* Imports counted per kind; imported entities come first in each index space. */
    uint32_t nfunc_imports, ntable_imports, nmemory_imports, nglobal_imports, ntag_imports;

    /* The function index space: type index of every function, imports first. */
    uint32_t nfuncs;
    uint32_t *func_types;

    uint32_t ntables; /* total, imports first */
    weft_tabletype_t *tables;
    uint32_t nmemories;
    weft_memtype_t *memories;
    uint32_t nglobals;
    weft_globaltype_t *globals; /* type of every global, imports first */
    weft_expr_t *global_inits;  /* for defined globals: global_inits[i - nglobal_imports] */
    uint32_t ntags;       /* total, imports first (Wasm 3.0 exception handling) */
    uint32_t *tag_types;  /* type index of every tag; the type has no results */

    uint32_t nexports;
    weft_export_t *exports;

    bool has_start;
    uint32_t start;

    uint32_t nelems;
    weft_elem_t *elems;

    bool has_datacount;
    uint32_t datacount;
    uint32_t ndatas;
    weft_data_t *datas;

    /* Bodies of the defined functions: bodies[i] is function nfunc_imports + i. */
    uint32_t nbodies;
    weft_body_t *bodies;

    /* From the "name" custom section (best effort: a malformed name section is ignored, as the
     * spec allows). func_names[i] is NULL-ptr'd when absent; nfunc_names == nfuncs or 0. */
    uint32_t nfunc_names;
    weft_name_t *func_names;
    weft_name_t module_name;

    /* Functions referenced by ref.func outside function bodies (exports, elements, globals):
     * the validator's set C.refs. Bit i set = function i declared. nfuncs bits. */
    uint8_t *declared_funcs;

    /* Filled by compile.c after validation: codes[i] for defined function i. */
    weft_code_t **codes;

    /* Wasm 3.0: typeinfo[i] for every type (ntypes entries; NULL without a type section). */
    weft_typeinfo_t *typeinfo;
    /* Wasm 3.0 table initialisers: table_inits[i - ntable_imports] for defined tables; len 0
     * when the table has none (it starts filled with null). NULL when no table has one. */
    weft_expr_t *table_inits;
};

/* Decodes `bytes` (already copied into module->bytes by the caller) into `module`, whose
 * alloc/engine/bytes/len are set and everything else zero. Returns NULL or a
 * WEFT_ERROR_DECODE error with the byte offset and the spec's reason (for example "unexpected
 * end", "magic header not detected", "unknown binary version", "section size mismatch",
 * "malformed section id", "integer too large", "junk after last section", "function and code
 * section have inconsistent lengths", "data count and data section have inconsistent lengths",
 * "malformed UTF-8 encoding", "too many locals"). */
weft_error_t *weft__module_decode(weft_module_t *module);
/* The same, except that function bodies are only delimited by their declared sizes, not
 * scanned: one pass fewer over the code, for callers that validate next (the validator decodes
 * every instruction and fails on whatever the scan would reject). On success, and when
 * weft__module_validate then succeeds, the module is the one weft__module_decode gives. When
 * either fails (other than out of memory), the error may differ from the spec's first one: the
 * caller decodes again with weft__module_decode (and validates) to report that. */
weft_error_t *weft__module_decode_quick(weft_module_t *module);

/* Validates a decoded module per Wasm core spec chapter 3. Returns NULL or a
 * WEFT_ERROR_VALIDATE error whose message names the function index, the instruction offset and
 * the reason (using the spec test suite's wording, e.g. "type mismatch", "unknown local",
 * "unknown function", "duplicate export name"), with offset set to the instruction's byte
 * offset. */
weft_error_t *weft__module_validate(weft_module_t *module);

/* The WEFT_FEATURE_* bits the decoder and validator accept for `module`: every Wasm 3.0
 * feature implemented, minus the engine's disabled_features (all when engine is NULL). */
uint32_t weft__module_features(const weft_module_t *module);

/* Frees everything the module owns (not the struct itself). */
void weft__module_free(weft_module_t *module);

/* Name of function `index` for backtraces (NUL-terminated copy is not kept: returns the name
 * and its length, or len 0 when unknown). */
weft_name_t weft__module_func_name(const weft_module_t *module, uint32_t index);

#endif
