/* table.c - table instances (Wasm core spec 4.2.7 Table Instances, 4.5.3.2 Growing tables) and
 * their public API. Entries are reference slots: a weft_func_t * or the host's externref
 * pointer, 0 for null (runtime.h). */
#include "core/instance.h"
#include "core/decode_types.h"

#include <string.h>

static size_t alloc_size(uint64_t cap)
{
    return cap ? (size_t)cap * sizeof(uint64_t) : sizeof(uint64_t);
}

weft_error_t *weft__table_create(weft_store_t *store, const weft_tabletype_t *type, uint64_t init,
                                 weft_table_t **out)
{
    *out = NULL;
    const weft_alloc_t *a = &store->alloc;
    uint64_t min = type->limits.min;
    if (min > WEFT_TABLE_MAX_ENTRIES) {
        return weft__error_new(a, WEFT_ERROR_OOM, UINT64_MAX,
                               "table of %llu entries exceeds the limit",
                               (unsigned long long)min);
    }
    uint64_t limit = store->engine->config.max_table_elements;
    if (limit && min > limit) {
        return weft__error_new(a, WEFT_ERROR_OOM, UINT64_MAX,
                               "table of %llu elements exceeds the limit of %llu "
                               "(max_table_elements)",
                               (unsigned long long)min, (unsigned long long)limit);
    }
    weft_table_t *t = weft__calloc(a, 1, sizeof *t);
    if (!t) return weft__error_oom();
    t->alloc = *a;
    t->limit = limit;
    t->limit_refusals = &store->table_limit_refusals;
    t->type = *type;
    uint64_t hard = type->limits.is64 ? UINT64_MAX : UINT32_MAX;
    t->max = type->limits.has_max && type->limits.max < hard ? type->limits.max : hard;
    t->elems = weft__malloc(a, alloc_size(min));
    if (!t->elems) {
        weft__free(a, t, sizeof *t);
        return weft__error_oom();
    }
    for (uint64_t i = 0; i < min; i++) t->elems[i] = init;
    t->size = t->cap = min;
    t->next = store->tables;
    store->tables = t;
    *out = t;
    return NULL;
}

void weft__table_free(weft_table_t *table)
{
    const weft_alloc_t a = table->alloc;
    weft__free(&a, table->elems, alloc_size(table->cap));
    weft__free(&a, table, sizeof *table);
}

int64_t weft__table_grow(weft_table_t *table, uint64_t delta, uint64_t init)
{
    uint64_t old = table->size;
    if (delta == 0) return (int64_t)old;
    uint64_t lim = table->max < WEFT_TABLE_MAX_ENTRIES ? table->max : WEFT_TABLE_MAX_ENTRIES;
    if (table->limit && table->limit < lim) lim = table->limit;
    if (old > lim || delta > lim - old) {
        /* Counted when the table's own type would have allowed the growth (Wasm 2.0 section
         * 4.4.6: table.grow then returns -1 like any failed growth). */
        if (table->limit && old <= table->max && delta <= table->max - old)
            (*table->limit_refusals)++;
        return -1;
    }
    uint64_t need = old + delta;
    if (need > table->cap) {
        /* Amortized doubling, never past the limit. */
        uint64_t ncap = table->cap * 2;
        if (ncap < need) ncap = need;
        if (ncap > lim) ncap = lim;
        uint64_t *ne = weft__realloc(&table->alloc, table->elems, alloc_size(table->cap),
                                     alloc_size(ncap));
        if (!ne) return -1;
        table->elems = ne;
        table->cap = ncap;
    }
    for (uint64_t i = old; i < need; i++) table->elems[i] = init;
    table->size = need;
    return (int64_t)old;
}

/* A value fits a table of type `elem`: the same kind of reference and, for the Wasm 3.0 typed
 * references (decode_types.h), not null in a non-nullable table and a function of the table's
 * type (its store-wide type id, see instance.c) in a table of a concrete function type. */
static bool ref_kind_matches(weft_valtype_t elem, const weft_val_t *v)
{
    if (v->kind != (elem & 0xFF)) return false;
    bool null = v->kind == WEFT_FUNCREF ? v->of.funcref == NULL : v->of.externref == NULL;
    if (null) return weft__rt_nullable(elem);
    if (elem & WEFT_T_BOTTOM) return false;
    if (v->kind == WEFT_FUNCREF && weft__rt_has_idx(elem))
        return v->of.funcref->type_id == weft__rt_idx(elem);
    return true;
}

/* A reference value as a slot; the caller has checked it is a reference kind. */
static uint64_t ref_slot(const weft_val_t *v)
{
    return v->kind == WEFT_FUNCREF ? (uint64_t)(uintptr_t)v->of.funcref
                                   : (uint64_t)(uintptr_t)v->of.externref;
}

weft_error_t *weft_table_new(weft_store_t *store, weft_valkind_t elem, uint64_t min, uint64_t max,
                             bool has_max, weft_val_t init, weft_table_t **out)
{
    const weft_alloc_t dflt = {weft__default_alloc, NULL};
    if (!store || !out) {
        return weft__error_new(store ? &store->alloc : &dflt, WEFT_ERROR_INVALID_ARG,
                               UINT64_MAX, "weft_table_new: invalid argument");
    }
    *out = NULL;
    if (elem != WEFT_FUNCREF && elem != WEFT_EXTERNREF) {
        return weft__error_new(&store->alloc, WEFT_ERROR_INVALID_ARG, UINT64_MAX,
                               "weft_table_new: element type must be a reference type");
    }
    if (!ref_kind_matches((weft_valtype_t)elem, &init)) {
        return weft__error_new(&store->alloc, WEFT_ERROR_INVALID_ARG, UINT64_MAX,
                               "weft_table_new: initial value has the wrong kind");
    }
    if (min > UINT32_MAX || (has_max && (max > UINT32_MAX || max < min))) {
        return weft__error_new(&store->alloc, WEFT_ERROR_INVALID_ARG, UINT64_MAX,
                               "weft_table_new: invalid limits");
    }
    weft_tabletype_t t;
    memset(&t, 0, sizeof t);
    t.elem = (weft_valtype_t)elem;
    t.limits.min = min;
    t.limits.max = has_max ? max : 0;
    t.limits.has_max = has_max;
    return weft__table_create(store, &t, ref_slot(&init), out);
}

uint64_t weft_table_size(const weft_table_t *table)
{
    return table ? table->size : 0;
}

weft_error_t *weft_table_get(weft_table_t *table, uint64_t index, weft_val_t *out)
{
    const weft_alloc_t dflt = {weft__default_alloc, NULL};
    if (!table || !out) {
        return weft__error_new(table ? &table->alloc : &dflt, WEFT_ERROR_INVALID_ARG,
                               UINT64_MAX, "weft_table_get: invalid argument");
    }
    if (index >= table->size) return weft__error_trap(&table->alloc, WEFT_TRAP_TABLE_OOB, NULL);
    uint64_t s = table->elems[index];
    memset(out, 0, sizeof *out);
    if ((table->type.elem & 0xFF) == WEFT_T_FUNCREF) {
        out->kind = WEFT_FUNCREF;
        out->of.funcref = (weft_func_t *)(uintptr_t)s;
    } else {
        out->kind = WEFT_EXTERNREF;
        out->of.externref = (void *)(uintptr_t)s;
    }
    return NULL;
}

weft_error_t *weft_table_set(weft_table_t *table, uint64_t index, weft_val_t val)
{
    const weft_alloc_t dflt = {weft__default_alloc, NULL};
    if (!table) {
        return weft__error_new(&dflt, WEFT_ERROR_INVALID_ARG, UINT64_MAX,
                               "weft_table_set: invalid argument");
    }
    if (!ref_kind_matches(table->type.elem, &val)) {
        return weft__error_new(&table->alloc, WEFT_ERROR_INVALID_ARG, UINT64_MAX,
                               "weft_table_set: value has the wrong kind");
    }
    if (index >= table->size) return weft__error_trap(&table->alloc, WEFT_TRAP_TABLE_OOB, NULL);
    table->elems[index] = ref_slot(&val);
    return NULL;
}

int64_t weft_table_grow(weft_table_t *table, uint64_t delta, weft_val_t init)
{
    if (!table || !ref_kind_matches(table->type.elem, &init)) return -1;
    return weft__table_grow(table, delta, ref_slot(&init));
}

uint64_t weft_store_table_limit_refusals(const weft_store_t *store)
{
    return store ? store->table_limit_refusals : 0;
}
