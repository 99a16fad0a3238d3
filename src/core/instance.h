/* instance.h - internal helpers shared by the files that create and destroy runtime objects
 * (store.c, instance.c, memory.c, table.c, global.c, const_expr.c). The objects themselves are
 * defined in runtime.h. */
#ifndef WEFT_CORE_INSTANCE_H
#define WEFT_CORE_INSTANCE_H

#include "core/runtime.h"

/* Entries a table may hold at most, whatever its type says: growth past this fails (memory.grow
 * and table.grow may fail at any time, Wasm core spec 4.5.3.3), which keeps a hostile module from
 * asking for tens of gigabytes of table. */
#define WEFT_TABLE_MAX_ENTRIES 10000000u

/* Creates a memory / table / global of the given type in `store` (linked into its lists). The
 * table is filled with `init`, the global holds `init` (two slots for v128). Errors:
 * WEFT_ERROR_OOM, or WEFT_ERROR_INVALID_ARG when the type asks for more than the engine allows. */
weft_error_t *weft__memory_create(weft_store_t *store, const weft_memtype_t *type,
                                  weft_memory_t **out);
weft_error_t *weft__table_create(weft_store_t *store, const weft_tabletype_t *type, uint64_t init,
                                 weft_table_t **out);
weft_error_t *weft__global_create(weft_store_t *store, const weft_globaltype_t *type,
                                  const uint64_t init[2], weft_global_t **out);

/* Free one object (not unlinking it from the store's list). */
void weft__memory_free(weft_memory_t *mem);
void weft__table_free(weft_table_t *table);
void weft__global_free(weft_store_t *store, weft_global_t *global);
void weft__instance_free(weft_instance_t *inst);

/* Drops one reference to `module`, freeing it with the last one. */
void weft__module_release(weft_module_t *module);

/* Evaluates the constant expression `expr` of `inst`'s module (Wasm core spec 3.3.10, 4.5.4
 * "evaluation of constant expressions"): global.get reads inst->globals, ref.func reads
 * inst->funcs. Writes one slot (two for v128) to `out`. Returns NULL or an error (a malformed
 * expression is reported as WEFT_ERROR_VALIDATE; validation normally rules it out). */
weft_error_t *weft__const_expr_eval(const weft_instance_t *inst, weft_expr_t expr, uint64_t out[2]);

/* Structural equality of two function types (Wasm 2.0 type equivalence). */
bool weft__functype_equal(const weft_functype_t *a, const weft_functype_t *b);

#endif
