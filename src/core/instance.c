/* instance.c - module instantiation (Wasm core spec 4.5.2 Import matching, 4.5.3 Allocation,
 * 4.5.4 Instantiation) and the instance's export API.
 *
 * Linking errors are found before anything is allocated. Once allocation starts, the instance is
 * registered in the store at once: with the Wasm 2.0 semantics, a segment that traps part-way
 * (or a trapping start function) fails the instantiation but the writes done before it stay
 * visible in imported tables and memories, and a table may then hold functions of the failed
 * instance, so the instance must live as long as the store. */
#include "core/instance.h"

#include <string.h>

#include "core/decode_types.h"
#include "core/interp.h"

/* Bytes of an array of `n` elements as weft__calloc allocated it (at least one byte). */
static size_t arr_bytes(size_t n, size_t size)
{
    return n ? n * size : 1u;
}

static void *arr_new(const weft_alloc_t *a, size_t n, size_t size)
{
    return weft__calloc(a, n, size);
}

/* ---- Canonical types (Wasm 3.0 type equivalence across modules) ---- */

/* A value type with its type index replaced by the store-wide id of that type, so types of
 * different modules compare by value. Ids past the encodable range never match anything. */
static weft_valtype_t canon_vt(const uint32_t *ids, const weft_module_t *m, weft_valtype_t t)
{
    if (!weft__rt_has_idx(t)) return t;
    uint32_t idx = weft__rt_idx(t);
    uint32_t id = idx < m->ntypes ? ids[idx] : WEFT_TYPE_IDX_LIMIT;
    if (id > WEFT_TYPE_IDX_LIMIT) id = WEFT_TYPE_IDX_LIMIT;
    return (t & ((1u << WEFT_T_IDX_SHIFT) - 1u)) | ((id + 1u) << WEFT_T_IDX_SHIFT);
}

/* True for a type that is equivalent to another exactly when the two are structurally equal
 * as Wasm 2.0 function types: alone in its recursion group, final, without supertype, and
 * naming no other type. These are interned as themselves, like host function types. */
static bool plain_type(const weft_module_t *m, uint32_t i)
{
    if (!m->typeinfo) return true;
    const weft_typeinfo_t *ti = &m->typeinfo[i];
    if (ti->group_len > 1 || !ti->final || ti->super != UINT32_MAX) return false;
    const weft_functype_t *ft = &m->types[i];
    for (uint32_t k = 0; k < ft->nparams; k++)
        if (weft__rt_has_idx(ft->params[k])) return false;
    for (uint32_t k = 0; k < ft->nresults; k++)
        if (weft__rt_has_idx(ft->results[k])) return false;
    return true;
}

typedef struct keybuf {
    const weft_alloc_t *a;
    uint32_t *w;
    size_t n, cap;
    bool oom;
} keybuf_t;

static void key_put(keybuf_t *k, uint32_t v)
{
    if (k->oom) return;
    if (k->n == k->cap && weft__grow(k->a, (void **)&k->w, &k->cap, k->n + 1, sizeof *k->w)) {
        k->oom = true;
        return;
    }
    k->w[k->n++] = v;
}

/* A reference to type idx from the group starting at g of length len: relative inside the
 * group, by store id outside it (those are interned already). */
static void key_ref(keybuf_t *k, const uint32_t *ids, uint32_t idx, uint32_t g, uint32_t len)
{
    bool in = idx >= g && idx - g < len;
    key_put(k, in ? 1u : 2u);
    key_put(k, in ? idx - g : ids[idx]);
}

static void key_vt(keybuf_t *k, const uint32_t *ids, weft_valtype_t t, uint32_t g, uint32_t len)
{
    if (!weft__rt_has_idx(t)) {
        key_put(k, t);
        return;
    }
    key_put(k, 0xFFFFFFFEu);
    key_put(k, t & ((1u << WEFT_T_IDX_SHIFT) - 1u));
    key_ref(k, ids, weft__rt_idx(t), g, len);
}

/* Store-wide id of type i of m (types before i are done). A non-plain type is interned as a
 * key function type that no real one equals (first word 0xFFFFFFFF): the serialized rolled-up
 * recursion group and the type's position in it (iso-recursive equivalence). */
static uint32_t intern_type(weft_store_t *store, const weft_module_t *m, const uint32_t *ids,
                            uint32_t i)
{
    if (plain_type(m, i)) return weft__store_intern_type(store, &m->types[i]);
    const weft_typeinfo_t *ti = &m->typeinfo[i];
    if (ti->canon < i) return ids[ti->canon];
    uint32_t g = ti->group, len = ti->group_len ? ti->group_len : 1;
    keybuf_t k = {&store->alloc, NULL, 0, 0, false};
    key_put(&k, 0xFFFFFFFFu);
    key_put(&k, i - g);
    key_put(&k, len);
    for (uint32_t j = g; j < g + len && j < m->ntypes; j++) {
        const weft_typeinfo_t *tj = &m->typeinfo[j];
        const weft_functype_t *ft = &m->types[j];
        key_put(&k, tj->kind);
        key_put(&k, tj->final);
        if (tj->super == UINT32_MAX) key_put(&k, 0);
        else key_ref(&k, ids, tj->super, g, len);
        key_put(&k, ft->nparams);
        key_put(&k, ft->nresults);
        for (uint32_t x = 0; x < ft->nparams; x++) key_vt(&k, ids, ft->params[x], g, len);
        for (uint32_t x = 0; x < ft->nresults; x++) key_vt(&k, ids, ft->results[x], g, len);
    }
    uint32_t id = UINT32_MAX;
    if (!k.oom && k.n <= UINT32_MAX) {
        weft_functype_t key = {(uint32_t)k.n, 0, k.w, NULL, 0, 0};
        id = weft__store_intern_type(store, &key);
    }
    weft__free(&store->alloc, k.w, k.cap * sizeof *k.w);
    return id;
}

/* The store ids of every type of m, in a new array (NULL when out of memory). */
static uint32_t *intern_types(weft_store_t *store, const weft_module_t *m)
{
    uint32_t *ids = arr_new(&store->alloc, m->ntypes, sizeof *ids);
    if (!ids) return NULL;
    for (uint32_t i = 0; i < m->ntypes; i++) {
        /* A group's types may name each other: give the ids of a group's earlier members
         * before the later ones are serialized (they are referenced relatively anyway). */
        ids[i] = intern_type(store, m, ids, i);
        if (ids[i] == UINT32_MAX) {
            weft__free(&store->alloc, ids, arr_bytes(m->ntypes, sizeof *ids));
            return NULL;
        }
    }
    return ids;
}

/* The store id of a tag's type. */
static uint32_t tag_type_id(weft_store_t *store, const weft_tag_t *t)
{
    const weft_instance_t *ti = t->inst;
    if (ti && ti->type_ids && t->type >= ti->module->types &&
        t->type < ti->module->types + ti->module->ntypes)
        return ti->type_ids[t->type - ti->module->types];
    return weft__store_intern_type(store, t->type);
}

/* A function's type matches the import's (Wasm 3.0 4.5.2): the same type, or one of its
 * declared supertypes. */
bool weft__func_type_matches(const weft_func_t *f, uint32_t want)
{
    if (f->type_id == want) return true;
    const weft_instance_t *fi = f->inst;
    if (!fi || !fi->module->typeinfo || !fi->type_ids) return false;
    const weft_module_t *fm = fi->module;
    if (f->type < fm->types || f->type >= fm->types + fm->ntypes) return false;
    uint32_t t = (uint32_t)(f->type - fm->types);
    for (uint32_t steps = 0; steps < fm->ntypes; steps++) {
        t = fm->typeinfo[t].super;
        if (t >= fm->ntypes) return false;
        if (fi->type_ids[t] == want) return true;
    }
    return false;
}

/* ---- Import matching (4.5.2) ---- */

static weft_error_t *link_error(weft_store_t *store, const weft_import_t *im, const char *why)
{
    return weft__error_new(&store->alloc, WEFT_ERROR_LINK, UINT64_MAX, "%s: \"%.*s\" \"%.*s\"",
                           why, (int)im->module.len, im->module.ptr, (int)im->name.len,
                           im->name.ptr);
}

/* Limits {min1, max1} match {min2, max2} when min1 >= min2 and, if max2 exists, max1 exists and
 * max1 <= max2 (Wasm core spec 4.5.2, "Limits"). */
static bool limits_match(uint64_t min1, bool has_max1, uint64_t max1, const weft_limits_t *exp)
{
    if (min1 < exp->min) return false;
    if (exp->has_max && (!has_max1 || max1 > exp->max)) return false;
    return true;
}

static weft_error_t *check_import(weft_store_t *store, const weft_module_t *m,
                                  const uint32_t *ids, const weft_import_t *im,
                                  const weft_extern_t *ext)
{
    const char *incompatible = "incompatible import type";
    if (ext->kind != (weft_extern_kind_t)im->kind) return link_error(store, im, incompatible);
    switch (im->kind) {
    case WEFT_EXTERN_FUNC: {
        const weft_func_t *f = ext->of.func;
        if (!f) return link_error(store, im, "unknown import");
        if (im->desc.func_type >= m->ntypes || !weft__func_type_matches(f, ids[im->desc.func_type]))
            return link_error(store, im, incompatible);
        return NULL;
    }
    case WEFT_EXTERN_TABLE: {
        const weft_table_t *t = ext->of.table;
        if (!t) return link_error(store, im, "unknown import");
        const weft_tabletype_t *want = &im->desc.table;
        if (t->type.elem != canon_vt(ids, m, want->elem) ||
            t->type.limits.is64 != want->limits.is64 ||
            !limits_match(t->size, t->type.limits.has_max, t->type.limits.max, &want->limits)) {
            return link_error(store, im, incompatible);
        }
        return NULL;
    }
    case WEFT_EXTERN_MEMORY: {
        const weft_memory_t *mem = ext->of.memory;
        if (!mem) return link_error(store, im, "unknown import");
        const weft_memtype_t *want = &im->desc.memory;
        if (mem->type.limits.is64 != want->limits.is64 ||
            mem->type.limits.shared != want->limits.shared ||
            !limits_match(mem->size / WEFT_PAGE_SIZE, mem->type.limits.has_max,
                          mem->type.limits.max, &want->limits)) {
            return link_error(store, im, incompatible);
        }
        return NULL;
    }
    case WEFT_EXTERN_GLOBAL: {
        const weft_global_t *g = ext->of.global;
        if (!g) return link_error(store, im, "unknown import");
        /* Wasm 3.0: an immutable global may have a subtype of the import's type. */
        weft_valtype_t want = canon_vt(ids, m, im->desc.global.type);
        if (g->type.mut != im->desc.global.mut ||
            (g->type.mut ? g->type.type != want : !weft__valtype_sub_canon(g->type.type, want))) {
            return link_error(store, im, incompatible);
        }
        return NULL;
    }
    case WEFT_EXTERN_TAG: {
        /* Wasm 3.0 exception handling: a tag matches when its type is the same. */
        const weft_tag_t *t = ext->of.tag;
        if (!t) return link_error(store, im, "unknown import");
        if (im->desc.tag_type >= m->ntypes || tag_type_id(store, t) != ids[im->desc.tag_type])
            return link_error(store, im, incompatible);
        return NULL;
    }
    default:
        return link_error(store, im, incompatible);
    }
}

/* ---- Destruction ---- */

void weft__instance_free(weft_instance_t *inst)
{
    weft_module_t *m = inst->module;
    const weft_alloc_t a = inst->store->alloc;
    if (inst->elem_refs) {
        for (uint32_t i = 0; i < m->nelems; i++) {
            if (inst->elem_refs[i]) {
                weft__free(&a, inst->elem_refs[i], arr_bytes(m->elems[i].count, sizeof(uint64_t)));
            }
        }
    }
    weft__free(&a, inst->funcs, arr_bytes(m->nfuncs, sizeof *inst->funcs));
    weft__free(&a, inst->tables, arr_bytes(m->ntables, sizeof *inst->tables));
    weft__free(&a, inst->memories, arr_bytes(m->nmemories, sizeof *inst->memories));
    weft__free(&a, inst->globals, arr_bytes(m->nglobals, sizeof *inst->globals));
    weft__free(&a, inst->type_ids, arr_bytes(m->ntypes, sizeof *inst->type_ids));
    weft__free(&a, inst->elem_refs, arr_bytes(m->nelems, sizeof *inst->elem_refs));
    weft__free(&a, inst->elem_sizes, arr_bytes(m->nelems, sizeof *inst->elem_sizes));
    weft__free(&a, inst->data_dropped, arr_bytes(m->ndatas, sizeof *inst->data_dropped));
    weft__free(&a, inst->exports, arr_bytes(m->nexports, sizeof *inst->exports));
    weft__instance_free_tags(inst);
    weft__free(&a, inst, sizeof *inst);
    weft__module_release(m);
}

/* ---- Allocation (4.5.3) ---- */

static weft_error_t *alloc_arrays(weft_instance_t *inst)
{
    const weft_module_t *m = inst->module;
    const weft_alloc_t *a = &inst->store->alloc;
    inst->funcs = arr_new(a, m->nfuncs, sizeof *inst->funcs);
    inst->tables = arr_new(a, m->ntables, sizeof *inst->tables);
    inst->memories = arr_new(a, m->nmemories, sizeof *inst->memories);
    inst->globals = arr_new(a, m->nglobals, sizeof *inst->globals);
    inst->elem_refs = arr_new(a, m->nelems, sizeof *inst->elem_refs);
    inst->elem_sizes = arr_new(a, m->nelems, sizeof *inst->elem_sizes);
    inst->data_dropped = arr_new(a, m->ndatas, sizeof *inst->data_dropped);
    inst->exports = arr_new(a, m->nexports, sizeof *inst->exports);
    if (!inst->funcs || !inst->tables || !inst->memories || !inst->globals || !inst->type_ids ||
        !inst->elem_refs || !inst->elem_sizes || !inst->data_dropped || !inst->exports) {
        return weft__error_oom();
    }
    return NULL;
}

static void bind_imports(weft_instance_t *inst, const weft_extern_t *imports)
{
    const weft_module_t *m = inst->module;
    uint32_t nf = 0, nt = 0, nm = 0, ng = 0, nx = 0;
    for (uint32_t i = 0; i < m->nimports; i++) {
        switch (m->imports[i].kind) {
        case WEFT_EXTERN_FUNC: inst->funcs[nf++] = imports[i].of.func; break;
        case WEFT_EXTERN_TABLE: inst->tables[nt++] = imports[i].of.table; break;
        case WEFT_EXTERN_MEMORY: inst->memories[nm++] = imports[i].of.memory; break;
        case WEFT_EXTERN_GLOBAL: inst->globals[ng++] = imports[i].of.global; break;
        case WEFT_EXTERN_TAG:
            if (inst->tags) inst->tags[nx++] = imports[i].of.tag;
            break;
        default: break;
        }
    }
}

static weft_error_t *alloc_funcs(weft_instance_t *inst)
{
    weft_store_t *store = inst->store;
    const weft_module_t *m = inst->module;
    for (uint32_t i = m->nfunc_imports; i < m->nfuncs; i++) {
        weft_func_t *f = weft__calloc(&store->alloc, 1, sizeof *f);
        if (!f) return weft__error_oom();
        uint32_t ti = m->func_types[i];
        f->type = &m->types[ti];
        f->type_id = inst->type_ids[ti];
        f->inst = inst;
        f->index = i;
        f->code = m->codes ? m->codes[i - m->nfunc_imports] : NULL;
        f->next = store->funcs;
        store->funcs = f;
        inst->funcs[i] = f;
    }
    return NULL;
}

/* Tables hold their element type with store-wide type ids (canon_vt), and start filled with
 * their initialiser's value (Wasm 3.0) or null. They come after the globals, which an
 * initialiser may read. */
static weft_error_t *alloc_tables(weft_instance_t *inst)
{
    const weft_module_t *m = inst->module;
    for (uint32_t i = m->ntable_imports; i < m->ntables; i++) {
        uint64_t v[2] = {0, 0};
        const weft_expr_t *init = m->table_inits ? &m->table_inits[i - m->ntable_imports] : NULL;
        if (init && init->len) {
            weft_error_t *err = weft__const_expr_eval(inst, *init, v);
            if (err) return err;
        }
        weft_tabletype_t tt = m->tables[i];
        tt.elem = canon_vt(inst->type_ids, m, tt.elem);
        weft_error_t *err = weft__table_create(inst->store, &tt, v[0], &inst->tables[i]);
        if (err) return err;
    }
    return NULL;
}

static weft_error_t *alloc_memories(weft_instance_t *inst)
{
    const weft_module_t *m = inst->module;
    for (uint32_t i = m->nmemory_imports; i < m->nmemories; i++) {
        weft_error_t *err = weft__memory_create(inst->store, &m->memories[i],
                                                &inst->memories[i]);
        if (err) return err;
    }
    return NULL;
}

/* Globals are initialised in order, so an initialiser sees imported globals and (extended
 * constant expressions) the defined globals before it. */
static weft_error_t *alloc_globals(weft_instance_t *inst)
{
    const weft_module_t *m = inst->module;
    for (uint32_t i = m->nglobal_imports; i < m->nglobals; i++) {
        uint64_t v[2];
        weft_error_t *err = weft__const_expr_eval(inst, m->global_inits[i - m->nglobal_imports],
                                                  v);
        weft_globaltype_t gt = m->globals[i];
        gt.type = canon_vt(inst->type_ids, m, gt.type);
        if (!err) err = weft__global_create(inst->store, &gt, v, &inst->globals[i]);
        if (err) return err;
    }
    return NULL;
}

/* Element segment instances: the references of every segment, evaluated before any segment is
 * applied (4.5.4 step "elemi"). */
static weft_error_t *eval_elems(weft_instance_t *inst)
{
    const weft_module_t *m = inst->module;
    const weft_alloc_t *a = &inst->store->alloc;
    for (uint32_t i = 0; i < m->nelems; i++) {
        const weft_elem_t *e = &m->elems[i];
        if (!e->count) continue;
        uint64_t *refs = arr_new(a, e->count, sizeof *refs);
        if (!refs) return weft__error_oom();
        inst->elem_refs[i] = refs;
        inst->elem_sizes[i] = e->count;
        for (uint32_t j = 0; j < e->count; j++) {
            if (e->func_indices) {
                uint32_t fi = e->func_indices[j];
                if (fi >= m->nfuncs) {
                    return weft__error_new(a, WEFT_ERROR_VALIDATE, e->entry_offset,
                                           "unknown function %u", fi);
                }
                refs[j] = (uint64_t)(uintptr_t)inst->funcs[fi];
            } else {
                uint64_t v[2];
                weft_error_t *err = weft__const_expr_eval(inst, e->exprs[j], v);
                if (err) return err;
                refs[j] = v[0];
            }
        }
    }
    return NULL;
}

/* An offset expression's value as an unsigned address: 32-bit for i32 tables and memories. */
static weft_error_t *eval_offset(weft_instance_t *inst, weft_expr_t e, bool is64, uint64_t *out)
{
    uint64_t v[2];
    weft_error_t *err = weft__const_expr_eval(inst, e, v);
    if (err) return err;
    *out = is64 ? v[0] : (uint64_t)(uint32_t)v[0];
    return NULL;
}

/* Active segments are applied in order with table.init / memory.init semantics (bounds checked
 * before any write), each followed by its drop; declarative segments are dropped (4.5.4). */
static weft_error_t *apply_elems(weft_instance_t *inst)
{
    const weft_module_t *m = inst->module;
    for (uint32_t i = 0; i < m->nelems; i++) {
        const weft_elem_t *e = &m->elems[i];
        if (e->mode == WEFT_SEG_ACTIVE) {
            if (e->table >= m->ntables || !inst->tables[e->table]) {
                return weft__error_new(&inst->store->alloc, WEFT_ERROR_VALIDATE, e->entry_offset,
                                       "unknown table %u", e->table);
            }
            weft_table_t *t = inst->tables[e->table];
            uint64_t off;
            weft_error_t *err = eval_offset(inst, e->offset, t->type.limits.is64, &off);
            if (err) return err;
            uint64_t n = inst->elem_sizes[i];
            if (off > t->size || n > t->size - off) {
                return weft__error_trap(&inst->store->alloc, WEFT_TRAP_TABLE_OOB, NULL);
            }
            if (n) memcpy(t->elems + off, inst->elem_refs[i], (size_t)n * sizeof(uint64_t));
            inst->elem_sizes[i] = 0;
        } else if (e->mode == WEFT_SEG_DECLARATIVE) {
            inst->elem_sizes[i] = 0;
        }
    }
    return NULL;
}

static weft_error_t *apply_datas(weft_instance_t *inst)
{
    const weft_module_t *m = inst->module;
    for (uint32_t i = 0; i < m->ndatas; i++) {
        const weft_data_t *d = &m->datas[i];
        if (d->mode != WEFT_SEG_ACTIVE) continue;
        if (d->memory >= m->nmemories || !inst->memories[d->memory]) {
            return weft__error_new(&inst->store->alloc, WEFT_ERROR_VALIDATE, d->data_offset,
                                   "unknown memory %u", d->memory);
        }
        weft_memory_t *mem = inst->memories[d->memory];
        uint64_t off;
        weft_error_t *err = eval_offset(inst, d->offset, mem->type.limits.is64, &off);
        if (err) return err;
        if (off > mem->size || d->len > mem->size - off) {
            return weft__error_trap(&inst->store->alloc, WEFT_TRAP_MEMORY_OOB, NULL);
        }
        if (d->len) memcpy(mem->data + off, m->bytes + d->data_offset, d->len);
        inst->data_dropped[i] = true;
    }
    return NULL;
}

static void resolve_exports(weft_instance_t *inst)
{
    const weft_module_t *m = inst->module;
    for (uint32_t i = 0; i < m->nexports; i++) {
        const weft_export_t *ex = &m->exports[i];
        weft_extern_t *out = &inst->exports[i];
        out->kind = (weft_extern_kind_t)ex->kind;
        switch (ex->kind) {
        case WEFT_EXTERN_FUNC:
            out->of.func = ex->index < m->nfuncs ? inst->funcs[ex->index] : NULL;
            break;
        case WEFT_EXTERN_TABLE:
            out->of.table = ex->index < m->ntables ? inst->tables[ex->index] : NULL;
            break;
        case WEFT_EXTERN_MEMORY:
            out->of.memory = ex->index < m->nmemories ? inst->memories[ex->index] : NULL;
            break;
        case WEFT_EXTERN_GLOBAL:
            out->of.global = ex->index < m->nglobals ? inst->globals[ex->index] : NULL;
            break;
        case WEFT_EXTERN_TAG:
            out->of.tag = ex->index < m->ntags && inst->tags ? inst->tags[ex->index] : NULL;
            break;
        default:
            out->of.func = NULL;
            break;
        }
    }
}

weft_error_t *weft_instance_new(weft_store_t *store, const weft_module_t *module,
                                const weft_extern_t *imports, size_t nimports,
                                weft_instance_t **out)
{
    const weft_alloc_t dflt = {weft__default_alloc, NULL};
    if (!store || !module || !out || (nimports && !imports)) {
        return weft__error_new(store ? &store->alloc : &dflt, WEFT_ERROR_INVALID_ARG,
                               UINT64_MAX, "weft_instance_new: invalid argument");
    }
    *out = NULL;
    if (module->engine != store->engine) {
        return weft__error_new(&store->alloc, WEFT_ERROR_INVALID_ARG, UINT64_MAX,
                               "weft_instance_new: module and store belong to different engines");
    }
    if (nimports != module->nimports) {
        return weft__error_new(&store->alloc, WEFT_ERROR_LINK, UINT64_MAX,
                               "unknown import: the module has %u imports, %zu were given",
                               module->nimports, nimports);
    }
    uint32_t max = store->engine->config.max_instances;
    if (max && store->ninstances >= max) {
        return weft__error_new(&store->alloc, WEFT_ERROR_OOM, UINT64_MAX,
                               "instance limit reached: the store holds %u instances "
                               "(max_instances)",
                               store->ninstances);
    }
    uint32_t *ids = intern_types(store, module);
    if (!ids) return weft__error_oom();
    for (uint32_t i = 0; i < module->nimports; i++) {
        weft_error_t *err = check_import(store, module, ids, &module->imports[i], &imports[i]);
        if (err) {
            weft__free(&store->alloc, ids, arr_bytes(module->ntypes, sizeof *ids));
            return err;
        }
    }

    weft_instance_t *inst = weft__calloc(&store->alloc, 1, sizeof *inst);
    if (!inst) {
        weft__free(&store->alloc, ids, arr_bytes(module->ntypes, sizeof *ids));
        return weft__error_oom();
    }
    /* The instance keeps the module alive; the handle passed in is const only to the caller. */
    weft_module_t *m = (weft_module_t *)module;
    m->refcount++;
    inst->store = store;
    inst->module = m;
    inst->type_ids = ids; /* owned by the instance from here */
    weft_error_t *err = alloc_arrays(inst);
    if (err) {
        weft__instance_free(inst);
        return err;
    }
    inst->next = store->instances;
    store->instances = inst;
    store->ninstances++;

    err = weft__instance_make_tags(inst);
    if (err) return err;
    bind_imports(inst, imports);
    err = alloc_funcs(inst);
    if (!err) err = alloc_memories(inst);
    if (!err) err = alloc_globals(inst);
    if (!err) err = alloc_tables(inst);
    if (!err) err = eval_elems(inst);
    if (!err) resolve_exports(inst);
    if (!err) err = apply_elems(inst);
    if (!err) err = apply_datas(inst);
    if (!err && m->has_start) {
        if (m->start >= m->nfuncs || !inst->funcs[m->start]) {
            err = weft__error_new(&store->alloc, WEFT_ERROR_VALIDATE, UINT64_MAX,
                                  "unknown start function %u", m->start);
        } else {
            err = weft_func_call(store, inst->funcs[m->start], NULL, 0, NULL, 0);
        }
    }
    if (err) return err;
    *out = inst;
    return NULL;
}

/* ---- Exports ---- */

bool weft_instance_export(const weft_instance_t *instance, const char *name, size_t len,
                          weft_extern_t *out)
{
    if (!instance || (!name && len)) return false;
    const weft_module_t *m = instance->module;
    for (uint32_t i = 0; i < m->nexports; i++) {
        const weft_name_t *n = &m->exports[i].name;
        if (n->len == len && (len == 0 || memcmp(n->ptr, name, len) == 0)) {
            if (out) *out = instance->exports[i];
            return true;
        }
    }
    return false;
}

size_t weft_instance_export_count(const weft_instance_t *instance)
{
    return instance ? instance->module->nexports : 0;
}

bool weft_instance_export_nth(const weft_instance_t *instance, size_t i, const char **name,
                              size_t *name_len, weft_extern_t *out)
{
    if (!instance || i >= instance->module->nexports) return false;
    const weft_export_t *ex = &instance->module->exports[i];
    if (name) *name = ex->name.ptr;
    if (name_len) *name_len = ex->name.len;
    if (out) *out = instance->exports[i];
    return true;
}
