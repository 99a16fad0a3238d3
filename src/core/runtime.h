/* runtime.h - the runtime objects of the core engine (Wasm core spec 4.2 Runtime Structure):
 * engine, store, function/table/memory/global instances and module instances. Shared by
 * instance.c/store.c (creation, linking), compile.c/interp.c (execution) and the public API.
 *
 * References (funcref, externref) are stored everywhere (slots, tables, globals) as a uint64_t
 * holding a pointer value: a weft_func_t * for funcref, the host's void * for externref, and 0
 * for null. */
#ifndef WEFT_CORE_RUNTIME_H
#define WEFT_CORE_RUNTIME_H

#include <stdbool.h>
#include <stdint.h>

#include "core/module.h"
#include "util/alloc.h"
#include "util/error.h"
#include "weft.h"

#define WEFT_PAGE_SIZE 65536u
#define WEFT_DEFAULT_MAX_CALL_DEPTH 100000u
#define WEFT_DEFAULT_MAX_STACK_BYTES (64u * 1024u * 1024u)
/* Idle execution contexts a store keeps for reuse (struct weft_store, call_cache). */
#define WEFT_CALL_CACHE_MAX 4u

struct weft_engine {
    weft_alloc_t alloc;
    weft_config_t config; /* defaults filled in */
};

/* A function ending a sleep of a store's event loop (struct weft_store, wake_hook). */
typedef void (*weft__store_wake_fn)(weft_store_t *store);

struct weft_store {
    weft_engine_t *engine;
    weft_alloc_t alloc;
    /* Every object made in the store, for weft_store_delete(). */
    weft_func_t *funcs;
    weft_memory_t *memories;
    weft_table_t *tables;
    weft_global_t *globals;
    weft_instance_t *instances;
    /* Interned function types: equal types (Wasm 2.0 structural equality) get equal ids, so
     * call_indirect compares two integers. */
    weft_functype_t *canon_types; /* deep copies, owned */
    uint32_t ncanon_types;
    size_t canon_cap;
    /* Interruption (interrupt.c). Zero-filled means: no fuel metering, no deadline, no
     * pending interrupt. `fuel` excludes the units a running interpreter has reserved. */
    uint64_t fuel;
    bool fuel_on;
    uint64_t deadline_ns;            /* weft_monotonic_ns() time; 0: none */
    _Atomic unsigned interrupt_flag; /* set by weft_store_interrupt() from any thread */
    /* Ends a sleep of the store's event loop (src/component/loop.c, weft_store_wake), so that
     * weft_store_interrupt() also stops a store waiting for timers or descriptors: published
     * once by the loop when it is made, called from any thread. NULL until then. */
    _Atomic(weft__store_wake_fn) wake_hook;
    /* Execution contexts kept by weft_func_call (call.c) for its next calls, with their value
     * and frame stacks, so a call allocates nothing; a nested call takes another one. */
    weft_call_t *call_cache[WEFT_CALL_CACHE_MAX];
    uint32_t ncall_cache;
    /* The Component Model async scheduler of the store (src/component/async_task.c), made on
     * first use and freed with the store; NULL until then. */
    void *async_sched;
    /* memory.grow requests refused because of the engine's max_memory_bytes (not the memory's
     * own maximum): weft_store_memory_limit_refusals(). */
    uint64_t memory_limit_refusals;
    /* Core instances made in the store (they live until it is deleted): max_instances. */
    uint32_t ninstances;
    /* table.grow requests refused because of the engine's max_table_elements:
     * weft_store_table_limit_refusals(). */
    uint64_t table_limit_refusals;
};

/* Frees the contexts cached by weft_func_call (weft_store_delete). */
void weft__call_cache_free(weft_store_t *store);
/* weft_call_new for the runtime's own suspendable calls (the component layer's task threads):
 * re-arms an idle context of the store's cache for `func` and `args` when there is one. */
weft_error_t *weft__call_new_pooled(weft_store_t *store, weft_func_t *func,
                                    const weft_val_t *args, size_t nargs, weft_call_t **out);
/* weft_call_resume for a call the runtime's own built-in suspended (state SUSPENDED): its
 * result slots (in the built-in's result types, nslots of them) are written as they are,
 * without the public API's checks. *err is set (else NULL) on failure. */
weft_call_state_t weft__call_resume_slots(weft_call_t *call, const uint64_t *slots,
                                          size_t nslots, weft_error_t **err);
/* Ends a call that is not suspended (done or failed): back to its store's cache or freed. */
void weft__call_recycle(weft_call_t *call);
/* weft_func_call for calls the runtime itself makes on values it has typed (a component's
 * realloc, lifted core function, post-return): without the public API's checks. `slots`
 * holds the arguments as interpreter slots (type->param_slots of them, in func's parameter
 * types) and receives the results (type->result_slots), so it has room for the larger. */
weft_error_t *weft__func_call_slots(weft_store_t *store, weft_func_t *func, uint64_t *slots);

/* Returns the canonical id of `t` in `store`, adding it if new; UINT32_MAX if allocation fails. */
uint32_t weft__store_intern_type(weft_store_t *store, const weft_functype_t *t);

/* A host function on raw value slots: the arguments in slots[0..param_slots), its results
 * written to slots[0..result_slots) (after it read its arguments) unless it suspends. */
typedef weft_error_t *(*weft__host_slots_fn)(struct weft_func *f, weft_caller_t *caller,
                                             uint64_t *slots);

struct weft_func {
    weft_func_t *next;              /* store list */
    const weft_functype_t *type;    /* into the module, or &host_type */
    uint32_t type_id;               /* canonical id in the store */
    weft_instance_t *inst;          /* owning instance; NULL for host functions */
    uint32_t index;                 /* function index in inst->module */
    const weft_code_t *code;        /* compiled body; NULL for host functions */
    weft_host_fn host;
    void *env;
    void (*env_free)(void *);
    weft_functype_t host_type;      /* owned storage for host function types */
    /* Optional (NULL but for the runtime's own built-ins): the host function on raw slots,
     * called by weft__call_host instead of `host` without converting to weft_val_t. */
    weft__host_slots_fn host_slots;
};

struct weft_memory {
    weft_memory_t *next;
    weft_alloc_t alloc;
    uint8_t *data;          /* size bytes, zero-filled; may move on grow */
    uint64_t size;          /* bytes; a multiple of WEFT_PAGE_SIZE */
    uint64_t max_pages;     /* from the type, capped at 65536 for 32-bit memories */
    uint64_t limit_bytes;   /* the engine's max_memory_bytes (0 = none) */
    uint64_t *limit_refusals; /* the store's count of growths refused by that limit */
    weft_memtype_t type;
};

/* Grows by `delta` pages, zero-filling; returns the old size in pages or -1 (the memory is
 * unchanged on failure). */
int64_t weft__memory_grow(weft_memory_t *mem, uint64_t delta);

struct weft_table {
    weft_table_t *next;
    weft_alloc_t alloc;
    uint64_t *elems;  /* size entries */
    uint64_t size;
    uint64_t cap;
    uint64_t max;     /* UINT32_MAX-capped for 32-bit tables when the type has no max */
    weft_tabletype_t type;
    uint64_t limit;   /* the engine's max_table_elements (0 = none) */
    uint64_t *limit_refusals; /* the store's count of growths refused by that limit */
};

/* Grows by `delta` entries set to `init`; returns the old size or -1. */
int64_t weft__table_grow(weft_table_t *table, uint64_t delta, uint64_t init);

struct weft_global {
    weft_global_t *next;
    weft_globaltype_t type;
    uint64_t val[2]; /* val[0] for scalars and refs; both for v128 (little-endian lanes) */
    weft_alloc_t alloc; /* the store's, for errors of the global API */
};

struct weft_instance {
    weft_instance_t *next;
    weft_store_t *store;
    weft_module_t *module;       /* holds a reference */
    weft_func_t **funcs;         /* module->nfuncs, imports first */
    weft_table_t **tables;       /* module->ntables */
    weft_memory_t **memories;    /* module->nmemories */
    weft_global_t **globals;     /* module->nglobals */
    uint32_t *type_ids;          /* canonical id of each module type (module->ntypes) */
    /* Element segment instances: refs evaluated at instantiation; elem.drop (and active or
     * declarative segments after instantiation) sets elem_sizes[i] to 0. */
    uint64_t **elem_refs;
    uint32_t *elem_sizes;
    /* Data segments: data.drop (and active segments after instantiation) sets this. */
    bool *data_dropped;
    weft_extern_t *exports;      /* module->nexports, resolved */
    /* Wasm 3.0 exception handling: the tag index space (imports first); the defined tags are
     * owned (own_tags), and every exception thrown by this instance's code lives until the
     * instance is freed (exns list). */
    weft_tag_t **tags;           /* module->ntags */
    weft_tag_t *own_tags;        /* module->ntags - module->ntag_imports */
    struct weft_exn *exns;
};

/* A tag instance (Wasm 3.0, 4.2 "tag instances"): identity is the object's address. */
struct weft_tag {
    const weft_functype_t *type; /* parameters are the payload; no results */
    weft_instance_t *inst;
};

/* An exception (exnref value): its tag and payload slots. */
typedef struct weft_exn {
    struct weft_exn *next;
    weft_tag_t *tag;
    uint32_t nslots;
    uint64_t slots[];
} weft_exn_t;

/* tag.c: creates the defined tags of `inst` (after its imported tags are bound); frees its tags
 * and exceptions; allocates an exception owned by `inst` (NULL on allocation failure). */
weft_error_t *weft__instance_make_tags(weft_instance_t *inst);
void weft__instance_free_tags(weft_instance_t *inst);
weft_exn_t *weft__exn_new(weft_instance_t *inst, weft_tag_t *tag, const uint64_t *slots);

/* Converts between the public value and a slot (or two for v128). */
void weft__val_to_slots(const weft_val_t *v, uint64_t *slots);
void weft__val_from_slots(weft_val_t *v, weft_valtype_t type, const uint64_t *slots);

#endif
