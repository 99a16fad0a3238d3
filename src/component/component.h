/* component.h - the decoded form of a WebAssembly component (Component Model, Binary.md, binary
 * version 0x0d, layer 1). Produced by decode*.c; read by the component validator, instantiation
 * and the canonical ABI.
 *
 * The representation is syntactic: it records what the binary says, in order, with every index
 * kept as written (relative to the scope it appears in). Resolving indices, checking types and
 * everything the spec calls "validation" belongs to the later stages. Every entity keeps the
 * absolute byte offset (from the start of the outermost binary) at which it starts, for errors.
 *
 * Ownership: the outermost weft_component_def_t owns a copy of the binary (`bytes`); names of
 * every nested definition point into it (weft_name_t, not NUL-terminated). Nested components are
 * child definitions owned by their parent. Nested core modules are weft_module_t objects
 * (src/core/module.h) with their own copy of their bytes, already decoded (not validated) by the
 * core decoder, with refcount 1 held by the definition; a user that keeps one beyond the
 * definition's life increments its refcount and releases it with weft__module_release().
 * Everything is freed by weft__component_def_free(). */
#ifndef WEFT_COMPONENT_COMPONENT_H
#define WEFT_COMPONENT_COMPONENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/module.h"
#include "util/alloc.h"
#include "weft.h"

/* Implementation limit on nesting: components within components plus component, instance and
 * module types within one another. Deeper input is reported as malformed. */
#define WEFT_COMPONENT_MAX_DEPTH 100u

/* ------------------------------------------------------------------------------------------
 * Sorts and index spaces (Binary.md "Instance Definitions": sort, core:sort)
 * ------------------------------------------------------------------------------------------ */

/* One value per index space: the 8 core ones, then the 5 component ones. */
typedef enum weft_csort {
    WEFT_CSORT_CORE_FUNC = 0,
    WEFT_CSORT_CORE_TABLE,
    WEFT_CSORT_CORE_MEMORY,
    WEFT_CSORT_CORE_GLOBAL,
    WEFT_CSORT_CORE_TAG,
    WEFT_CSORT_CORE_TYPE,
    WEFT_CSORT_CORE_MODULE,
    WEFT_CSORT_CORE_INSTANCE,
    WEFT_CSORT_FUNC,
    WEFT_CSORT_VALUE, /* 🪙 */
    WEFT_CSORT_TYPE,
    WEFT_CSORT_COMPONENT,
    WEFT_CSORT_INSTANCE,
    WEFT_CSORT_COUNT
} weft_csort_t;

static inline bool weft__csort_is_core(uint8_t sort) { return sort <= WEFT_CSORT_CORE_INSTANCE; }
/* A short name for messages ("core func", "instance", ...). */
const char *weft__csort_name(uint8_t sort);

typedef struct weft_csortidx {
    uint8_t sort; /* weft_csort_t */
    uint32_t index;
} weft_csortidx_t;

/* How an index-space entry was defined; `def` in weft_centry_t indexes the array named here. */
typedef enum weft_cdef_kind {
    WEFT_CDEF_IMPORT = 1,     /* imports[] */
    WEFT_CDEF_EXPORT,         /* exports[]: an export introduces a new index aliasing its item */
    WEFT_CDEF_ALIAS,          /* aliases[]: instance export, core instance export, or outer */
    WEFT_CDEF_CANON,          /* canons[]: lift -> func; every other canon -> core func */
    WEFT_CDEF_CORE_INSTANCE,  /* core_instances[] */
    WEFT_CDEF_INSTANCE,       /* instances[] */
    WEFT_CDEF_MODULE,         /* modules[] (nested core module section) */
    WEFT_CDEF_COMPONENT,      /* components[] (nested component section) */
    WEFT_CDEF_TYPE,           /* types[] (type section entry) */
    WEFT_CDEF_CORE_TYPE,      /* core_types[] (core type section entry) */
    WEFT_CDEF_START,          /* starts[]; `sub` = which result */
    WEFT_CDEF_VALUE,          /* values[] (value section, 🪙) */
} weft_cdef_kind_t;

typedef struct weft_centry {
    uint8_t how;     /* weft_cdef_kind_t */
    uint32_t def;    /* index into the array named by `how` */
    uint32_t sub;    /* WEFT_CDEF_START: result number; otherwise 0 */
    uint32_t offset; /* byte offset of the defining item */
} weft_centry_t;

typedef struct weft_cspace {
    uint32_t count, cap;
    weft_centry_t *entries;
} weft_cspace_t;

/* ------------------------------------------------------------------------------------------
 * Names (Binary.md "Import and Export Definitions": nameattributes)
 * ------------------------------------------------------------------------------------------ */

typedef enum weft_cattr_kind {
    WEFT_CATTR_IMPLEMENTS = 0x00,    /* 🏷️ interfacename */
    WEFT_CATTR_SEMVERSUFFIX = 0x01,  /* 🔗 */
    WEFT_CATTR_EXTERNAL_ID = 0x02,   /* 🏷️ */
} weft_cattr_kind_t;

typedef struct weft_cattr {
    uint8_t kind; /* weft_cattr_kind_t */
    weft_name_t value;
    uint32_t offset;
} weft_cattr_t;

/* An extern name with its attributes. Core names (core instantiate args, core inline exports,
 * alias names) use the same struct with form 0 and no attributes. Attributes are kept in
 * order, duplicates included (their uniqueness is a validation rule). */
typedef struct weft_cextname {
    weft_name_t name;
    uint8_t form;    /* the nameattributes prefix byte: 0x00, 0x01 or 0x02 */
    uint32_t nattrs;
    weft_cattr_t *attrs;
    uint32_t offset;
} weft_cextname_t;

/* ------------------------------------------------------------------------------------------
 * Component value types and defined types (Binary.md "Type Definitions")
 * ------------------------------------------------------------------------------------------ */

/* primvaltype codes (the binary's negative-SLEB bytes). */
enum {
    WEFT_CPRIM_BOOL = 0x7f,
    WEFT_CPRIM_S8 = 0x7e,
    WEFT_CPRIM_U8 = 0x7d,
    WEFT_CPRIM_S16 = 0x7c,
    WEFT_CPRIM_U16 = 0x7b,
    WEFT_CPRIM_S32 = 0x7a,
    WEFT_CPRIM_U32 = 0x79,
    WEFT_CPRIM_S64 = 0x78,
    WEFT_CPRIM_U64 = 0x77,
    WEFT_CPRIM_F32 = 0x76,
    WEFT_CPRIM_F64 = 0x75,
    WEFT_CPRIM_CHAR = 0x74,
    WEFT_CPRIM_STRING = 0x73,
    WEFT_CPRIM_ERROR_CONTEXT = 0x64, /* 📝 */
};

/* A valtype: a primitive (prim != 0) or a type index in the enclosing scope's type space. */
typedef struct weft_cvaltype {
    uint8_t prim;   /* WEFT_CPRIM_*, or 0 */
    uint32_t index; /* type index when prim == 0 */
} weft_cvaltype_t;

/* Kinds of defined types. The values are the binary's leading bytes, except WEFT_CT_PRIM. */
typedef enum weft_ctype_kind {
    WEFT_CT_PRIM = 0x01,         /* a primvaltype used as a deftype; u.prim */
    WEFT_CT_RECORD = 0x72,       /* u.fields (every field has a type) */
    WEFT_CT_VARIANT = 0x71,      /* u.fields (has_type per case) */
    WEFT_CT_LIST = 0x70,         /* u.list */
    WEFT_CT_FIXED_LIST = 0x67,   /* 🔧 u.list with len */
    WEFT_CT_TUPLE = 0x6f,        /* u.tuple */
    WEFT_CT_FLAGS = 0x6e,        /* u.labels */
    WEFT_CT_ENUM = 0x6d,         /* u.labels */
    WEFT_CT_OPTION = 0x6b,       /* u.list.elem */
    WEFT_CT_RESULT = 0x6a,       /* u.result */
    WEFT_CT_OWN = 0x69,          /* u.handle */
    WEFT_CT_BORROW = 0x68,       /* u.handle */
    WEFT_CT_STREAM = 0x66,       /* 🔀 u.async_ (element optional) */
    WEFT_CT_FUTURE = 0x65,       /* 🔀 u.async_ (element optional) */
    WEFT_CT_MAP = 0x63,          /* 🗺️ u.map */
    WEFT_CT_RESOURCE = 0x3f,     /* u.resource */
    WEFT_CT_FUNC = 0x40,         /* u.func (0x43 decodes to this kind with is_async) */
    WEFT_CT_COMPONENT = 0x41,    /* u.decls */
    WEFT_CT_INSTANCE = 0x42,     /* u.decls */
} weft_ctype_kind_t;

/* A record field, variant case or function parameter. */
typedef struct weft_cfield {
    weft_name_t label;
    bool has_type;        /* always true for record fields and parameters */
    weft_cvaltype_t type;
    uint32_t offset;
} weft_cfield_t;

typedef struct weft_cdecl weft_cdecl_t;

typedef struct weft_ctype {
    uint8_t kind; /* weft_ctype_kind_t */
    uint32_t offset;
    union {
        uint8_t prim;
        struct {
            uint32_t count;
            weft_cfield_t *items;
        } fields;
        struct {
            weft_cvaltype_t elem;
            uint32_t len; /* fixed-length lists only */
        } list;
        struct {
            uint32_t count;
            weft_cvaltype_t *types;
        } tuple;
        struct {
            uint32_t count;
            weft_name_t *names;
        } labels;
        struct {
            bool has_ok, has_err;
            weft_cvaltype_t ok, err;
        } result;
        uint32_t handle; /* own/borrow: type index of the resource */
        struct {
            bool has_elem;
            weft_cvaltype_t elem;
        } async_;
        struct {
            weft_cvaltype_t key, value;
        } map;
        struct {
            uint8_t rep;      /* core:valtype byte (0x7f i32, 0x7e i64 🐘) */
            bool has_dtor;
            uint32_t dtor;    /* core funcidx */
        } resource;
        struct {
            bool is_async;    /* encoded with 0x43 */
            uint32_t nparams;
            weft_cfield_t *params;
            bool has_result;
            weft_cvaltype_t result;
        } func;
        struct {
            uint32_t count;
            weft_cdecl_t *items;
        } decls;
    } u;
} weft_ctype_t;

/* ------------------------------------------------------------------------------------------
 * Core types inside components (Binary.md core:type = core:rectype | 0x00 0x50 subtype |
 * core:moduletype)
 * ------------------------------------------------------------------------------------------ */

/* A core value or storage type, normalized: every reference type shorthand (0x70 funcref,
 * 0x6f externref, ...) becomes code WEFT_CCV_REF with nullable = true and its abstract heap
 * type. */
enum {
    WEFT_CCV_I8 = 0x78,  /* packed storage types (struct/array fields only) */
    WEFT_CCV_I16 = 0x77,
    WEFT_CCV_REF = 0x64, /* (ref null? ht) */
};
typedef struct weft_ccore_valtype {
    uint8_t code;       /* 0x7f i32, 0x7e i64, 0x7d f32, 0x7c f64, 0x7b v128, WEFT_CCV_* */
    bool nullable;      /* references */
    uint8_t heap_code;  /* abstract heap type byte (0x70 func, 0x6f extern, 0x6e any, ...) or 0 */
    uint32_t heap_index;/* concrete heap type: core type index, when heap_code == 0 */
} weft_ccore_valtype_t;

typedef struct weft_ccore_field {
    weft_ccore_valtype_t type;
    bool mut;
} weft_ccore_field_t;

/* A core extern type (core:externtype) as used by module type imports/exports. */
typedef struct weft_ccore_extern {
    uint8_t kind;              /* 0 func, 1 table, 2 memory, 3 global, 4 tag */
    uint32_t type;             /* func and tag: core type index */
    weft_ccore_valtype_t val;  /* table element type, global value type */
    bool mut;                  /* global */
    weft_limits_t limits;      /* table and memory */
} weft_ccore_extern_t;

typedef enum weft_cmoddecl_kind {
    WEFT_CMODDECL_IMPORT = 0x00,
    WEFT_CMODDECL_TYPE = 0x01,
    WEFT_CMODDECL_ALIAS = 0x02, /* outer alias of a core type */
    WEFT_CMODDECL_EXPORT = 0x03,
} weft_cmoddecl_kind_t;

typedef struct weft_cmoddecl {
    uint8_t kind; /* weft_cmoddecl_kind_t */
    uint32_t offset;
    weft_name_t module;         /* import */
    weft_name_t name;           /* import, export */
    weft_ccore_extern_t desc;   /* import, export */
    uint32_t type, ntypes;      /* type: core_types[type .. type+ntypes) (a rec group may hold
                                 * several types, or none) */
    uint32_t outer_count;       /* alias */
    uint32_t outer_index;
} weft_cmoddecl_t;

typedef enum weft_ccore_type_kind {
    WEFT_CCT_FUNC = 0x60,
    WEFT_CCT_STRUCT = 0x5f,
    WEFT_CCT_ARRAY = 0x5e,
    WEFT_CCT_MODULE = 0x50,
} weft_ccore_type_kind_t;

typedef struct weft_ccore_type {
    uint8_t kind; /* weft_ccore_type_kind_t */
    uint32_t offset;
    /* GC structure (Wasm 3.0 5.3.6): the rec group this type belongs to, as its position and
     * the group's size (1 for a lone subtype), and the subtype clause. */
    uint32_t rec_pos, rec_size;
    bool is_final;            /* true unless written as a non-final `sub` (0x00 0x50) */
    uint32_t nsupers;
    uint32_t *supers;         /* core type indices */
    union {
        struct {
            uint32_t nparams, nresults;
            weft_ccore_valtype_t *params, *results;
        } func;
        struct {
            uint32_t count;
            weft_ccore_field_t *fields;
        } struct_;
        weft_ccore_field_t array;
        struct {
            uint32_t count;
            weft_cmoddecl_t *decls;
        } module;
    } u;
} weft_ccore_type_t;

/* ------------------------------------------------------------------------------------------
 * Extern descriptors, aliases, component/instance type declarations
 * ------------------------------------------------------------------------------------------ */

/* externtype. The kind values are the binary's: */
typedef enum weft_cextern_kind {
    WEFT_CEXT_MODULE = 0x00,    /* index = core type index (0x00 0x11 i) */
    WEFT_CEXT_FUNC = 0x01,      /* index = type index */
    WEFT_CEXT_VALUE = 0x02,     /* 🪙 bound: 0 = (eq valueidx index), 1 = valtype */
    WEFT_CEXT_TYPE = 0x03,      /* bound: 0 = (eq typeidx index), 1 = (sub resource) */
    WEFT_CEXT_COMPONENT = 0x04, /* index = type index */
    WEFT_CEXT_INSTANCE = 0x05,  /* index = type index */
} weft_cextern_kind_t;

typedef struct weft_cextern {
    uint8_t kind;  /* weft_cextern_kind_t */
    uint8_t bound; /* WEFT_CEXT_TYPE / WEFT_CEXT_VALUE only */
    uint32_t index;
    weft_cvaltype_t valtype; /* WEFT_CEXT_VALUE with bound 1 */
    uint32_t offset;
} weft_cextern_t;

/* The sort of the index space an extern of this kind adds to. */
uint8_t weft__cextern_sort(uint8_t extern_kind);

typedef enum weft_calias_target {
    WEFT_CALIAS_EXPORT = 0x00,      /* export `name` of component instance `instance` */
    WEFT_CALIAS_CORE_EXPORT = 0x01, /* export `name` of core instance `instance` */
    WEFT_CALIAS_OUTER = 0x02,       /* index `outer_index` of scope `outer_count` levels out */
} weft_calias_target_t;

typedef struct weft_calias {
    uint8_t sort;   /* weft_csort_t */
    uint8_t target; /* weft_calias_target_t */
    uint32_t instance;
    weft_name_t name;
    uint32_t outer_count, outer_index;
    uint32_t offset;
} weft_calias_t;

typedef enum weft_cdecl_kind {
    WEFT_CDECL_CORE_TYPE = 0x00, /* u.core: core_types[first .. first+count) */
    WEFT_CDECL_TYPE = 0x01,      /* u.type: types[] index */
    WEFT_CDECL_ALIAS = 0x02,     /* u.alias */
    WEFT_CDECL_IMPORT = 0x03,    /* u.ext (component types only) */
    WEFT_CDECL_EXPORT = 0x04,    /* u.ext */
} weft_cdecl_kind_t;

struct weft_cdecl {
    uint8_t kind; /* weft_cdecl_kind_t */
    uint32_t offset;
    union {
        struct {
            uint32_t first, count;
        } core;
        uint32_t type;
        weft_calias_t alias;
        struct {
            weft_cextname_t name;
            weft_cextern_t desc;
        } ext;
    } u;
};

/* ------------------------------------------------------------------------------------------
 * Definitions
 * ------------------------------------------------------------------------------------------ */

/* `with` argument of an instantiation, or one export of a bag of exports ("inline exports").
 * Core instantiation args always have sort WEFT_CSORT_CORE_INSTANCE (byte 0x12). */
typedef struct weft_carg {
    weft_cextname_t name;
    weft_csortidx_t item;
    uint32_t offset;
} weft_carg_t;

typedef enum weft_cinstance_kind {
    WEFT_CINST_INSTANTIATE = 0x00,
    WEFT_CINST_EXPORTS = 0x01,
} weft_cinstance_kind_t;

/* A core instance (core:instanceexpr) or a component instance (instanceexpr). */
typedef struct weft_cinstance {
    uint8_t kind;       /* weft_cinstance_kind_t */
    uint32_t of;        /* instantiate: module index (core) or component index */
    uint32_t nargs;     /* instantiate: with-args; exports: the exports */
    weft_carg_t *args;
    uint32_t offset;
} weft_cinstance_t;

/* Canonical options (canonopt); kind = the binary byte. */
typedef enum weft_copt_kind {
    WEFT_COPT_UTF8 = 0x00,
    WEFT_COPT_UTF16 = 0x01,
    WEFT_COPT_LATIN1_UTF16 = 0x02,
    WEFT_COPT_MEMORY = 0x03,      /* index = core memidx */
    WEFT_COPT_REALLOC = 0x04,     /* index = core funcidx */
    WEFT_COPT_POST_RETURN = 0x05, /* index = core funcidx */
    WEFT_COPT_ASYNC = 0x06,
    WEFT_COPT_CALLBACK = 0x07,    /* index = core funcidx */
} weft_copt_kind_t;

typedef struct weft_copt {
    uint8_t kind; /* weft_copt_kind_t */
    uint32_t index;
    uint32_t offset;
} weft_copt_t;

/* Canonical definitions; op = the binary's leading byte (Binary.md "Canonical Definitions"). */
typedef enum weft_canon_op {
    WEFT_CANON_LIFT = 0x00,                 /* func, opts, type */
    WEFT_CANON_LOWER = 0x01,                /* func (component func), opts */
    WEFT_CANON_RESOURCE_NEW = 0x02,         /* type */
    WEFT_CANON_RESOURCE_DROP = 0x03,        /* type */
    WEFT_CANON_RESOURCE_REP = 0x04,         /* type */
    WEFT_CANON_TASK_CANCEL = 0x05,
    WEFT_CANON_SUBTASK_CANCEL = 0x06,       /* flag = async */
    WEFT_CANON_TASK_RETURN = 0x09,          /* has_result/result, opts */
    WEFT_CANON_CONTEXT_GET = 0x0a,          /* core_valtype, slot */
    WEFT_CANON_CONTEXT_SET = 0x0b,          /* core_valtype, slot */
    WEFT_CANON_THREAD_YIELD = 0x0c,         /* flag = cancellable */
    WEFT_CANON_SUBTASK_DROP = 0x0d,
    WEFT_CANON_STREAM_NEW = 0x0e,           /* type */
    WEFT_CANON_STREAM_READ = 0x0f,          /* type, opts */
    WEFT_CANON_STREAM_WRITE = 0x10,         /* type, opts */
    WEFT_CANON_STREAM_CANCEL_READ = 0x11,   /* type, flag = async */
    WEFT_CANON_STREAM_CANCEL_WRITE = 0x12,  /* type, flag = async */
    WEFT_CANON_STREAM_DROP_READABLE = 0x13, /* type */
    WEFT_CANON_STREAM_DROP_WRITABLE = 0x14, /* type */
    WEFT_CANON_FUTURE_NEW = 0x15,           /* type */
    WEFT_CANON_FUTURE_READ = 0x16,          /* type, opts */
    WEFT_CANON_FUTURE_WRITE = 0x17,         /* type, opts */
    WEFT_CANON_FUTURE_CANCEL_READ = 0x18,   /* type, flag = async */
    WEFT_CANON_FUTURE_CANCEL_WRITE = 0x19,  /* type, flag = async */
    WEFT_CANON_FUTURE_DROP_READABLE = 0x1a, /* type */
    WEFT_CANON_FUTURE_DROP_WRITABLE = 0x1b, /* type */
    WEFT_CANON_ERROR_CONTEXT_NEW = 0x1c,    /* 📝 opts */
    WEFT_CANON_ERROR_CONTEXT_DEBUG_MESSAGE = 0x1d, /* 📝 opts */
    WEFT_CANON_ERROR_CONTEXT_DROP = 0x1e,   /* 📝 */
    WEFT_CANON_WAITABLE_SET_NEW = 0x1f,
    WEFT_CANON_WAITABLE_SET_WAIT = 0x20,    /* flag = cancellable, memory */
    WEFT_CANON_WAITABLE_SET_POLL = 0x21,    /* flag = cancellable, memory */
    WEFT_CANON_WAITABLE_SET_DROP = 0x22,
    WEFT_CANON_WAITABLE_JOIN = 0x23,
    WEFT_CANON_BACKPRESSURE_INC = 0x24,
    WEFT_CANON_BACKPRESSURE_DEC = 0x25,
    WEFT_CANON_THREAD_INDEX = 0x26,         /* 🧵 */
    WEFT_CANON_THREAD_NEW_INDIRECT = 0x27,  /* 🧵 type = core typeidx, table */
    WEFT_CANON_THREAD_RESUME_LATER = 0x28,  /* 🧵 */
    WEFT_CANON_THREAD_SUSPEND = 0x29,       /* 🧵 flag = cancellable */
    WEFT_CANON_THREAD_SUSPEND_THEN_RESUME = 0x2a, /* 🧵 flag = cancellable */
    WEFT_CANON_THREAD_YIELD_THEN_RESUME = 0x2b,   /* 🧵 flag = cancellable */
    WEFT_CANON_THREAD_SUSPEND_THEN_PROMOTE = 0x2c,/* 🧵 flag = cancellable */
    WEFT_CANON_THREAD_YIELD_THEN_PROMOTE = 0x2d,  /* 🧵 flag = cancellable */
    WEFT_CANON_THREAD_SPAWN_REF = 0x40,     /* 🧵② flag = shared, type = core typeidx */
    WEFT_CANON_THREAD_SPAWN_INDIRECT = 0x41,/* 🧵② flag = shared, type = core typeidx, table */
    WEFT_CANON_THREAD_AVAILABLE_PARALLELISM = 0x42, /* 🧵② flag = shared */
} weft_canon_op_t;

typedef struct weft_canon {
    uint8_t op;       /* weft_canon_op_t */
    uint32_t offset;
    uint32_t func;    /* lift: core funcidx; lower: component funcidx */
    uint32_t type;    /* lift: typeidx of the function type; resource.*, stream.*, future.*:
                       * typeidx; thread.new-indirect and thread.spawn-*: core typeidx */
    uint32_t table;   /* thread.new-indirect, thread.spawn-indirect: core tableidx */
    uint32_t memory;  /* waitable-set.wait/poll: core memidx */
    bool flag;        /* async? / cancel? / sh? immediate, as listed per op above */
    uint8_t core_valtype; /* context.get/set: core:valtype byte (0x7f i32) */
    uint32_t slot;        /* context.get/set: the context index */
    bool has_result;      /* task.return */
    weft_cvaltype_t result;
    uint32_t nopts;       /* in order, duplicates and conflicts included */
    weft_copt_t *opts;
} weft_canon_t;

/* The sort a canonical definition adds to: WEFT_CSORT_FUNC for lift, else core func. */
static inline uint8_t weft__canon_sort(uint8_t op)
{
    return op == WEFT_CANON_LIFT ? (uint8_t)WEFT_CSORT_FUNC : (uint8_t)WEFT_CSORT_CORE_FUNC;
}
/* The canon's text-format name ("canon lift", "stream.read", ...), for messages. */
const char *weft__canon_name(uint8_t op);

typedef struct weft_cimport {
    weft_cextname_t name;
    weft_cextern_t desc;
    uint32_t offset;
} weft_cimport_t;

typedef struct weft_cexport {
    weft_cextname_t name;
    weft_csortidx_t item;
    bool has_type;        /* optional ascribed externtype */
    weft_cextern_t type;
    uint32_t offset;
} weft_cexport_t;

/* 🪙 start: f(args...) producing nresults values. */
typedef struct weft_cstart {
    uint32_t func;
    uint32_t nargs;
    uint32_t *args; /* value indices */
    uint32_t nresults;
    uint32_t offset;
} weft_cstart_t;

/* 🪙 value definition: the value's bytes are kept undecoded (their grammar depends on the
 * resolved type); val(t) is bytes [data_offset, data_offset + len) of the outermost binary. */
typedef struct weft_cvalue {
    weft_cvaltype_t type;
    uint32_t data_offset;
    uint32_t len;
    uint32_t offset;
} weft_cvalue_t;

typedef struct weft_component_def weft_component_def_t;

typedef struct weft_cmodule {
    weft_module_t *module; /* decoded, not validated */
    uint32_t offset;       /* where the module's bytes start in the outermost binary */
    uint32_t len;
} weft_cmodule_t;

typedef struct weft_ccomponent {
    weft_component_def_t *def;
    uint32_t offset;
    uint32_t len;
} weft_ccomponent_t;

/* Every definition in binary order, so instantiation can replay them. `index` is the position
 * in the array for `kind` (a weft_cdef_kind_t; START and VALUE included). */
typedef struct weft_citem {
    uint8_t kind;
    uint32_t index;
} weft_citem_t;

/* The "component-name" custom section (best effort: parsed into what was well-formed; a
 * malformed section never fails the decode). */
typedef struct weft_cname_assoc {
    uint32_t index;
    weft_name_t name;
} weft_cname_assoc_t;

typedef struct weft_cnames {
    bool has_name;
    weft_name_t name;
    uint32_t count[WEFT_CSORT_COUNT];
    weft_cname_assoc_t *map[WEFT_CSORT_COUNT];
} weft_cnames_t;

/* A growable array of T, used for every per-component list below. */
#define WEFT_CVEC(T) \
    struct {         \
        uint32_t count, cap; \
        T *items;    \
    }

typedef struct weft_carena_chunk weft_carena_chunk_t;

struct weft_component_def {
    weft_alloc_t alloc;
    weft_engine_t *engine;
    const weft_component_def_t *parent; /* NULL for the outermost */
    uint32_t depth;                     /* 0 for the outermost */

    /* The outermost binary (owned only by the outermost definition) and this component's part
     * of it: [offset, offset + len). */
    const uint8_t *bytes;
    size_t bytes_len;
    bool owns_bytes;
    uint32_t offset, len;

    /* The index spaces, indexed by weft_csort_t, in definition order. */
    weft_cspace_t spaces[WEFT_CSORT_COUNT];

    /* Definitions, each in order of appearance. */
    WEFT_CVEC(weft_cimport_t) imports;
    WEFT_CVEC(weft_cexport_t) exports;
    WEFT_CVEC(weft_calias_t) aliases;
    WEFT_CVEC(weft_canon_t) canons;
    WEFT_CVEC(weft_cinstance_t) core_instances;
    WEFT_CVEC(weft_cinstance_t) instances;
    WEFT_CVEC(weft_cmodule_t) modules;
    WEFT_CVEC(weft_ccomponent_t) components;
    WEFT_CVEC(weft_cstart_t) starts;
    WEFT_CVEC(weft_cvalue_t) values;
    /* Type arenas: every defined type of this component, including the ones declared inside
     * component, instance and module types (those are referenced by arena index from their
     * declarations, and belong to the declaring type's own index space, not to `spaces`). */
    WEFT_CVEC(weft_ctype_t) types;
    WEFT_CVEC(weft_ccore_type_t) core_types;

    WEFT_CVEC(weft_citem_t) order;

    weft_cnames_t names;

    weft_carena_chunk_t *arena; /* fixed-size sub-arrays of the records above */
};

/* True if `bytes` starts with a component preamble: the magic and layer 1 (any version). */
bool weft__is_component(const uint8_t *bytes, size_t len);

/* Decodes a component binary. The definition keeps a copy of the bytes. Returns NULL and sets
 * *out, or a WEFT_ERROR_DECODE error with the absolute byte offset and a reason ("unexpected
 * end-of-file", "malformed section id", "invalid leading byte (0x2) for instance", ...),
 * including errors of nested core modules (their offsets made absolute), or WEFT_ERROR_OOM. */
weft_error_t *weft__component_decode(const weft_alloc_t *a, weft_engine_t *engine,
                                     const uint8_t *bytes, size_t len,
                                     weft_component_def_t **out);

/* weft__component_decode, or with `borrow` without a copy: the definition then refers to
 * `bytes`, which must stay valid and unchanged until it is freed. */
weft_error_t *weft__component_decode_ex(const weft_alloc_t *a, weft_engine_t *engine,
                                        const uint8_t *bytes, size_t len, bool borrow,
                                        weft_component_def_t **out);

/* Frees a definition from weft__component_decode and everything it owns. NULL is a no-op. */
void weft__component_def_free(weft_component_def_t *def);

/* Resolves an index-space entry: NULL if `index` is out of range. */
static inline const weft_centry_t *weft__component_entry(const weft_component_def_t *def,
                                                         uint8_t sort, uint32_t index)
{
    if (sort >= WEFT_CSORT_COUNT || index >= def->spaces[sort].count) return NULL;
    return &def->spaces[sort].entries[index];
}

#endif
