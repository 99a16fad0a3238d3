/* validate.c - component validation driver (Explainer.md, Binary.md): replays the definitions
 * in binary order, growing the index spaces incrementally, resolving every index in the scope
 * it appears in, and type-checking instantiations, aliases, imports and exports. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "component/decode_internal.h"
#include "component/validate_internal.h"

/* ---------------------------------------------------------------------------------------
 * Helpers
 * --------------------------------------------------------------------------------------- */

bool weft__cv_fail(vstate_t *st, uint32_t offset, const char *fmt, ...)
{
    if (st->err) return false;
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (st->ctx[0])
        st->err = weft__error_new(&st->alloc, WEFT_ERROR_VALIDATE, offset, "%s: %s", st->ctx, buf);
    else
        st->err = weft__error_new(&st->alloc, WEFT_ERROR_VALIDATE, offset, "%s", buf);
    return false;
}

bool weft__cv_oom(vstate_t *st)
{
    if (!st->err) st->err = weft__error_oom();
    return false;
}

bool weft__cv_push_ptr(vstate_t *st, vptrs_t *v, const void *p)
{
    if (v->count == v->cap) {
        size_t cap = v->cap;
        if (weft__grow(&st->alloc, (void **)&v->items, &cap, (size_t)v->count + 1,
                       sizeof *v->items))
            return weft__cv_oom(st);
        v->cap = (uint32_t)cap;
    }
    v->items[v->count++] = p;
    return true;
}

bool weft__cv_has_ptr(const vptrs_t *v, const void *p)
{
    for (uint32_t i = 0; i < v->count; i++)
        if (v->items[i] == p) return true;
    return false;
}

#define PUSH(st, vec, out)                                                                   \
    do {                                                                                     \
        if ((vec).count == (vec).cap) {                                                      \
            size_t cap_ = (vec).cap;                                                         \
            if (weft__grow(&(st)->alloc, (void **)&(vec).items, &cap_, (size_t)(vec).count + 1, \
                           sizeof *(vec).items)) {                                           \
                weft__cv_oom(st);                                                            \
                (out) = NULL;                                                                \
                break;                                                                       \
            }                                                                                \
            (vec).cap = (uint32_t)cap_;                                                      \
        }                                                                                    \
        (out) = &(vec).items[(vec).count++];                                                 \
        memset((out), 0, sizeof *(out));                                                     \
    } while (0)

weft_cslot_t *weft__cv_push_slot(vstate_t *st, vscope_t *sc, uint8_t sort)
{
    weft_cslot_t *s;
    PUSH(st, sc->sp[sort], s);
    return s;
}

static bool push_named(vstate_t *st, vnamed_t *v, const weft_cextname_t *name,
                       const weft_ty_extern_t *t)
{
    weft_ty_named_t *n;
    PUSH(st, *v, n);
    if (!n) return false;
    if (!weft_ty_name_copy(st->arena, name->name, &n->name)) return weft__cv_oom(st);
    n->type = *t;
    return true;
}

void weft__cv_scope_free(vstate_t *st, vscope_t *sc)
{
    for (int i = 0; i < WEFT_CSORT_COUNT; i++)
        weft__free(&st->alloc, sc->sp[i].items, sc->sp[i].cap * sizeof *sc->sp[i].items);
    weft__free(&st->alloc, sc->imports.items, sc->imports.cap * sizeof *sc->imports.items);
    weft__free(&st->alloc, sc->exports.items, sc->exports.cap * sizeof *sc->exports.items);
    weft__free(&st->alloc, sc->import_names.items,
               sc->import_names.cap * sizeof *sc->import_names.items);
    weft__free(&st->alloc, sc->export_names.items,
               sc->export_names.cap * sizeof *sc->export_names.items);
    vptrs_t *ps[] = {&sc->resources, &sc->bound, &sc->fresh};
    for (size_t i = 0; i < sizeof ps / sizeof ps[0]; i++)
        weft__free(&st->alloc, ps[i]->items, ps[i]->cap * sizeof *ps[i]->items);
    weft__free(&st->alloc, sc->vis_imp.items, sc->vis_imp.cap * sizeof *sc->vis_imp.items);
    weft__free(&st->alloc, sc->vis_exp.items, sc->vis_exp.cap * sizeof *sc->vis_exp.items);
    memset(sc, 0, sizeof *sc);
}

static const char *const sort_unknown[WEFT_CSORT_COUNT][2] = {
    {"core func", "function"}, {"table", "table"}, {"memory", "memory"}, {"global", "global"},
    {"tag", "tag"}, {"core type", "type"}, {"module", "module"}, {"core instance", "instance"},
    {"function", "function"}, {"value", "value"}, {"type", "type"}, {"component", "component"},
    {"instance", "instance"}};

static const weft_cslot_t *slot_at(vstate_t *st, vscope_t *sc, uint8_t sort, uint32_t index,
                                   uint32_t offset)
{
    if (sort >= WEFT_CSORT_COUNT) {
        weft__cv_fail(st, offset, "invalid sort");
        return NULL;
    }
    if (index >= sc->sp[sort].count) {
        weft__cv_fail(st, offset, "unknown %s %u: %s index out of bounds", sort_unknown[sort][0],
                      index, sort_unknown[sort][1]);
        return NULL;
    }
    return &sc->sp[sort].items[index];
}

/* The extern type of an index-space entry of a component-level sort (or a core module). */
static bool slot_extern(const weft_cslot_t *s, uint8_t sort, weft_ty_extern_t *out)
{
    memset(out, 0, sizeof *out);
    switch (sort) {
    case WEFT_CSORT_CORE_MODULE: out->kind = WEFT_CEXT_MODULE; out->u.module = s->module; break;
    case WEFT_CSORT_FUNC: out->kind = WEFT_CEXT_FUNC; out->u.func = s->func; break;
    case WEFT_CSORT_VALUE: out->kind = WEFT_CEXT_VALUE; out->u.value = s->value; break;
    case WEFT_CSORT_TYPE: out->kind = WEFT_CEXT_TYPE; out->u.type = s->type; break;
    case WEFT_CSORT_COMPONENT:
        out->kind = WEFT_CEXT_COMPONENT;
        out->u.component = s->component;
        break;
    case WEFT_CSORT_INSTANCE: out->kind = WEFT_CEXT_INSTANCE; out->u.instance = s->instance; break;
    default: return false;
    }
    return true;
}

/* Appends an entry of extern type t to its sort. */
static bool push_extern(vstate_t *st, vscope_t *sc, const weft_ty_extern_t *t)
{
    uint8_t sort = weft__cextern_sort(t->kind);
    weft_cslot_t *s = weft__cv_push_slot(st, sc, sort);
    if (!s) return false;
    switch (t->kind) {
    case WEFT_CEXT_MODULE: s->module = t->u.module; break;
    case WEFT_CEXT_FUNC: s->func = t->u.func; break;
    case WEFT_CEXT_VALUE: s->value = t->u.value; break;
    case WEFT_CEXT_TYPE: s->type = t->u.type; break;
    case WEFT_CEXT_COMPONENT: s->component = t->u.component; break;
    default: s->instance = t->u.instance; break;
    }
    return true;
}

/* ---------------------------------------------------------------------------------------
 * Core types
 * --------------------------------------------------------------------------------------- */

bool weft__cv_core_valtype(const weft_ccore_valtype_t *in, weft_valtype_t *out)
{
    if (in->code == WEFT_CCV_REF) {
        if (in->heap_code == 0x70 || in->heap_code == 0x73) *out = WEFT_T_FUNCREF;
        else if (in->heap_code == 0x6f || in->heap_code == 0x72) *out = WEFT_T_EXTERNREF;
        else *out = in->heap_code ? in->heap_code : 0x64;
        if (!in->nullable) *out |= 0x100u;
        return true;
    }
    *out = in->code;
    return true;
}

const weft_ty_core_func_t *weft__cv_core_func(vstate_t *st, uint32_t np, const uint8_t *p,
                                              uint32_t nr, const uint8_t *r)
{
    weft_ty_core_func_t *f = weft_ty_alloc(st->arena, sizeof *f);
    weft_valtype_t *ps = weft_ty_alloc(st->arena, (size_t)(np + nr) * sizeof *ps);
    if (!f || !ps) {
        weft__cv_oom(st);
        return NULL;
    }
    for (uint32_t i = 0; i < np; i++) ps[i] = p[i];
    for (uint32_t i = 0; i < nr; i++) ps[np + i] = r[i];
    f->nparams = np;
    f->nresults = nr;
    f->params = ps;
    f->results = ps + np;
    return f;
}

static const weft_ty_core_func_t *core_functype_of(vstate_t *st, const weft_functype_t *ft)
{
    weft_ty_core_func_t *f = weft_ty_alloc(st->arena, sizeof *f);
    weft_valtype_t *ps =
        weft_ty_alloc(st->arena, (size_t)(ft->nparams + ft->nresults) * sizeof *ps);
    if (!f || !ps) {
        weft__cv_oom(st);
        return NULL;
    }
    for (uint32_t i = 0; i < ft->nparams; i++) ps[i] = ft->params[i];
    for (uint32_t i = 0; i < ft->nresults; i++) ps[ft->nparams + i] = ft->results[i];
    f->nparams = ft->nparams;
    f->nresults = ft->nresults;
    f->params = ps;
    f->results = ps + ft->nparams;
    return f;
}

const weft_ty_module_t *weft__cv_module_type(vstate_t *st, const weft_module_t *m)
{
    weft_ty_module_t *t = weft_ty_alloc(st->arena, sizeof *t);
    weft_ty_core_named_t *im = weft_ty_alloc(st->arena, (size_t)m->nimports * sizeof *im);
    weft_ty_core_named_t *ex = weft_ty_alloc(st->arena, (size_t)m->nexports * sizeof *ex);
    if (!t || !im || !ex) {
        weft__cv_oom(st);
        return NULL;
    }
    for (uint32_t i = 0; i < m->nimports; i++) {
        const weft_import_t *in = &m->imports[i];
        im[i].module = in->module;
        im[i].name = in->name;
        weft_ty_core_extern_t *e = &im[i].type;
        e->kind = in->kind;
        switch (in->kind) {
        case WEFT_EXTERN_FUNC:
            if (!(e->func = core_functype_of(st, &m->types[in->desc.func_type]))) return NULL;
            break;
        case WEFT_EXTERN_TAG:
            if (!(e->func = core_functype_of(st, &m->types[in->desc.tag_type]))) return NULL;
            break;
        case WEFT_EXTERN_TABLE:
            e->val = in->desc.table.elem;
            e->limits = in->desc.table.limits;
            break;
        case WEFT_EXTERN_MEMORY: e->limits = in->desc.memory.limits; break;
        default:
            e->val = in->desc.global.type;
            e->mut = in->desc.global.mut;
            break;
        }
    }
    for (uint32_t i = 0; i < m->nexports; i++) {
        const weft_export_t *x = &m->exports[i];
        ex[i].name = x->name;
        weft_ty_core_extern_t *e = &ex[i].type;
        e->kind = x->kind;
        switch (x->kind) {
        case WEFT_EXTERN_FUNC:
            if (!(e->func = core_functype_of(st, &m->types[m->func_types[x->index]])))
                return NULL;
            break;
        case WEFT_EXTERN_TAG:
            if (!(e->func = core_functype_of(st, &m->types[m->tag_types[x->index]])))
                return NULL;
            break;
        case WEFT_EXTERN_TABLE:
            e->val = m->tables[x->index].elem;
            e->limits = m->tables[x->index].limits;
            break;
        case WEFT_EXTERN_MEMORY: e->limits = m->memories[x->index].limits; break;
        default:
            e->val = m->globals[x->index].type;
            e->mut = m->globals[x->index].mut;
            break;
        }
    }
    t->nimports = m->nimports;
    t->imports = im;
    t->nexports = m->nexports;
    t->exports = ex;
    return t;
}

/* Core imports of a module inside a component are checked to have unique two-level names: a
 * component-level linker mangles (module, name) into the single name "module:name" (see
 * the reference tests' "duplicate import name `m:n`"). Sorting keeps it O(n log n). */
typedef struct mangled {
    weft_name_t module, name;
} mangled_t;

/* The byte at position i of "module:name". */
static int mangled_at(const mangled_t *m, uint32_t i)
{
    if (i < m->module.len) return (unsigned char)m->module.ptr[i];
    if (i == m->module.len) return ':';
    i -= m->module.len + 1;
    return i < m->name.len ? (unsigned char)m->name.ptr[i] : -1;
}

static int mangled_cmp(const void *pa, const void *pb)
{
    const mangled_t *a = pa, *b = pb;
    for (uint32_t i = 0;; i++) {
        int x = mangled_at(a, i), y = mangled_at(b, i);
        if (x != y) return x < y ? -1 : 1;
        if (x < 0) return 0;
    }
}

static bool unique_imports(vstate_t *st, const weft_ty_core_named_t *im, uint32_t n,
                           uint32_t offset)
{
    if (n < 2) return true;
    mangled_t *v = weft__calloc(&st->alloc, n, sizeof *v);
    if (!v) return weft__cv_oom(st);
    for (uint32_t i = 0; i < n; i++) {
        v[i].module = im[i].module;
        v[i].name = im[i].name;
    }
    qsort(v, n, sizeof *v, mangled_cmp);
    bool ok = true;
    for (uint32_t i = 1; ok && i < n; i++)
        if (mangled_cmp(&v[i - 1], &v[i]) == 0)
            ok = weft__cv_fail(st, offset, "duplicate import name `%.*s:%.*s`",
                               (int)v[i].module.len, v[i].module.ptr, (int)v[i].name.len,
                               v[i].name.ptr);
    weft__free(&st->alloc, v, (size_t)n * sizeof *v);
    return ok;
}

static bool core_extern_of(vstate_t *st, vscope_t *sc, const weft_ccore_extern_t *d,
                           uint32_t offset, const weft_ty_core_func_t *const *types,
                           uint32_t ntypes, weft_ty_core_extern_t *out)
{
    (void)sc;
    memset(out, 0, sizeof *out);
    out->kind = d->kind;
    switch (d->kind) {
    case WEFT_TYC_FUNC: case WEFT_TYC_TAG:
        if (d->type >= ntypes)
            return weft__cv_fail(st, offset, "unknown type %u: type index out of bounds",
                                 d->type);
        if (!types[d->type])
            return weft__cv_fail(st, offset, "type index %u is not a function type", d->type);
        out->func = types[d->type];
        return true;
    case WEFT_TYC_TABLE:
        weft__cv_core_valtype(&d->val, &out->val);
        out->limits = d->limits;
        return true;
    case WEFT_TYC_MEMORY:
        out->limits = d->limits;
        if (!d->limits.is64 && d->limits.min > 65536u)
            return weft__cv_fail(st, offset, "memory size must be at most 65536 pages (4GiB)");
        return true;
    default:
        weft__cv_core_valtype(&d->val, &out->val);
        out->mut = d->mut;
        return true;
    }
}

/* A module type (core:moduletype) with its own core type space. */
static const weft_ty_module_t *module_type(vstate_t *st, vscope_t *sc,
                                           const weft_ccore_type_t *ct)
{
    WEFT_CVEC(const weft_ty_core_func_t *) types = {0, 0, NULL};
    vnamed_t dummy = {0, 0, NULL};
    (void)dummy;
    WEFT_CVEC(weft_ty_core_named_t) im = {0, 0, NULL}, ex = {0, 0, NULL};
    const weft_ty_module_t *res = NULL;
    bool ok = true;
    for (uint32_t i = 0; ok && i < ct->u.module.count; i++) {
        const weft_cmoddecl_t *d = &ct->u.module.decls[i];
        switch (d->kind) {
        case WEFT_CMODDECL_TYPE:
            for (uint32_t k = 0; ok && k < d->ntypes; k++) {
                const weft_ccore_type_t *t = &sc->def->core_types.items[d->type + k];
                const weft_ty_core_func_t **slot;
                PUSH(st, types, slot);
                if (!slot) { ok = false; break; }
                if (t->kind == WEFT_CCT_FUNC) {
                    uint8_t p[64], r[64];
                    (void)p; (void)r;
                    weft_ty_core_func_t *f = weft_ty_alloc(st->arena, sizeof *f);
                    weft_valtype_t *v = weft_ty_alloc(
                        st->arena, (size_t)(t->u.func.nparams + t->u.func.nresults) * sizeof *v);
                    if (!f || !v) { ok = weft__cv_oom(st); break; }
                    for (uint32_t j = 0; j < t->u.func.nparams; j++)
                        weft__cv_core_valtype(&t->u.func.params[j], &v[j]);
                    for (uint32_t j = 0; j < t->u.func.nresults; j++)
                        weft__cv_core_valtype(&t->u.func.results[j], &v[t->u.func.nparams + j]);
                    f->nparams = t->u.func.nparams;
                    f->nresults = t->u.func.nresults;
                    f->params = v;
                    f->results = v + f->nparams;
                    *slot = f;
                } else if (t->kind == WEFT_CCT_MODULE) {
                    ok = weft__cv_fail(st, t->offset,
                                        "invalid leading byte (0x50) for core type in a "
                                        "module type");
                }
            }
            break;
        case WEFT_CMODDECL_ALIAS: {
            if (d->outer_count != 1)
                ok = weft__cv_fail(st, d->offset, "invalid outer alias count of %u",
                                   d->outer_count);
            else if (d->outer_index >= sc->sp[WEFT_CSORT_CORE_TYPE].count)
                ok = weft__cv_fail(st, d->offset, "unknown type %u: type index out of bounds",
                                   d->outer_index);
            else {
                const weft_ty_core_func_t **slot;
                PUSH(st, types, slot);
                if (!slot) ok = false;
                else *slot = sc->sp[WEFT_CSORT_CORE_TYPE].items[d->outer_index].core_functype;
            }
            break;
        }
        case WEFT_CMODDECL_IMPORT: case WEFT_CMODDECL_EXPORT: {
            weft_ty_core_named_t *n;
            if (d->kind == WEFT_CMODDECL_IMPORT) PUSH(st, im, n);
            else PUSH(st, ex, n);
            if (!n) { ok = false; break; }
            if (d->kind == WEFT_CMODDECL_EXPORT)
                for (uint32_t j = 0; j + 1 < ex.count; j++)
                    if (ex.items[j].name.len == d->name.len &&
                        memcmp(ex.items[j].name.ptr, d->name.ptr, d->name.len) == 0) {
                        ok = weft__cv_fail(st, d->offset, "export name `%.*s` already defined",
                                           (int)d->name.len, d->name.ptr);
                        break;
                    }
            if (!ok) break;
            if (!weft_ty_name_copy(st->arena, d->module, &n->module) ||
                !weft_ty_name_copy(st->arena, d->name, &n->name)) {
                ok = weft__cv_oom(st);
                break;
            }
            ok = core_extern_of(st, sc, &d->desc, d->offset, types.items, types.count, &n->type);
            break;
        }
        default:
            ok = weft__cv_fail(st, d->offset, "invalid module type declaration");
        }
    }
    if (ok) ok = unique_imports(st, im.items, im.count, ct->offset);
    if (ok) {
        weft_ty_module_t *t = weft_ty_alloc(st->arena, sizeof *t);
        weft_ty_core_named_t *a = weft_ty_alloc(st->arena, im.count * sizeof *a);
        weft_ty_core_named_t *b = weft_ty_alloc(st->arena, ex.count * sizeof *b);
        if (!t || !a || !b) {
            weft__cv_oom(st);
        } else {
            weft__cv_copy(a, im.items, im.count * sizeof *a);
            weft__cv_copy(b, ex.items, ex.count * sizeof *b);
            t->nimports = im.count;
            t->imports = a;
            t->nexports = ex.count;
            t->exports = b;
            res = t;
        }
    }
    weft__free(&st->alloc, types.items, types.cap * sizeof *types.items);
    weft__free(&st->alloc, im.items, im.cap * sizeof *im.items);
    weft__free(&st->alloc, ex.items, ex.cap * sizeof *ex.items);
    return res;
}

bool weft__cv_core_types(vstate_t *st, vscope_t *sc, uint32_t first, uint32_t count)
{
    for (uint32_t k = 0; k < count; k++) {
        const weft_ccore_type_t *t = &sc->def->core_types.items[first + k];
        weft_cslot_t *s = weft__cv_push_slot(st, sc, WEFT_CSORT_CORE_TYPE);
        if (!s) return false;
        if (t->kind == WEFT_CCT_FUNC) {
            weft_ty_core_func_t *f = weft_ty_alloc(st->arena, sizeof *f);
            weft_valtype_t *v = weft_ty_alloc(
                st->arena, (size_t)(t->u.func.nparams + t->u.func.nresults) * sizeof *v);
            if (!f || !v) return weft__cv_oom(st);
            for (uint32_t j = 0; j < t->u.func.nparams; j++)
                weft__cv_core_valtype(&t->u.func.params[j], &v[j]);
            for (uint32_t j = 0; j < t->u.func.nresults; j++)
                weft__cv_core_valtype(&t->u.func.results[j], &v[t->u.func.nparams + j]);
            f->nparams = t->u.func.nparams;
            f->nresults = t->u.func.nresults;
            f->params = v;
            f->results = v + f->nparams;
            s->core_functype = f;
        } else if (t->kind == WEFT_CCT_MODULE) {
            if (!(s->module = module_type(st, sc, t))) return false;
        }
    }
    return true;
}

/* ---------------------------------------------------------------------------------------
 * Aliases
 * --------------------------------------------------------------------------------------- */

static bool core_kind_matches(uint8_t sort, uint8_t kind)
{
    return sort <= WEFT_CSORT_CORE_TAG && sort == kind;
}

/* Whether a type mentions a resource (outer aliases may not carry them across components). */
static bool val_has_resource(const weft_ty_val_t *t)
{
    return t && (t->bits & (WEFT_TYB_OWN | WEFT_TYB_BORROW));
}

static bool def_has_resource(const weft_ty_def_t *d);

static bool named_has_resource(const weft_ty_named_t *v, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++) {
        const weft_ty_extern_t *e = &v[i].type;
        if (e->kind == WEFT_CEXT_TYPE && def_has_resource(&e->u.type) &&
            !(e->u.type.kind == WEFT_TYD_RESOURCE && e->u.type.u.resource->in_type))
            return true;
        if (e->kind == WEFT_CEXT_INSTANCE && named_has_resource(e->u.instance->exports,
                                                                e->u.instance->nexports))
            return true;
    }
    return false;
}

static bool def_has_resource(const weft_ty_def_t *d)
{
    switch (d->kind) {
    case WEFT_TYD_RESOURCE: return true;
    case WEFT_TYD_VAL: return val_has_resource(d->u.val);
    case WEFT_TYD_FUNC:
        for (uint32_t i = 0; i < d->u.func->nparams; i++)
            if (val_has_resource(d->u.func->params[i].type)) return true;
        return val_has_resource(d->u.func->result);
    case WEFT_TYD_INSTANCE:
        return named_has_resource(d->u.instance->exports, d->u.instance->nexports);
    default:
        return named_has_resource(d->u.component->imports, d->u.component->nimports) ||
               named_has_resource(d->u.component->exports, d->u.component->nexports);
    }
}

bool weft__cv_alias(vstate_t *st, vscope_t *sc, const weft_calias_t *al)
{
    uint32_t off = al->offset;
    /* Binary.md: aliases in component and instance type declarations may only produce types
     * (component or core) and instances. */
    if (sc->kind != VSCOPE_COMPONENT && al->sort != WEFT_CSORT_TYPE &&
        al->sort != WEFT_CSORT_CORE_TYPE && al->sort != WEFT_CSORT_INSTANCE)
        return weft__cv_fail(st, off, "aliases in type declarations may only refer to types or "
                                      "instances");
    switch (al->target) {
    case WEFT_CALIAS_CORE_EXPORT: {
        const weft_cslot_t *s = slot_at(st, sc, WEFT_CSORT_CORE_INSTANCE, al->instance, off);
        if (!s) return false;
        const weft_ty_core_instance_t *ci = s->core_instance;
        for (uint32_t i = 0; ci && i < ci->nexports; i++) {
            if (ci->exports[i].name.len != al->name.len ||
                memcmp(ci->exports[i].name.ptr, al->name.ptr, al->name.len) != 0)
                continue;
            if (!core_kind_matches(al->sort, ci->exports[i].type.kind))
                return weft__cv_fail(st, off, "export `%.*s` for core instance %u is not a %s",
                                     (int)al->name.len, al->name.ptr, al->instance,
                                     weft__csort_name(al->sort) + 5);
            weft_cslot_t *n = weft__cv_push_slot(st, sc, al->sort);
            if (!n) return false;
            n->core = ci->exports[i].type;
            return true;
        }
        return weft__cv_fail(st, off, "core instance %u has no export named `%.*s`",
                             al->instance, (int)al->name.len, al->name.ptr);
    }
    case WEFT_CALIAS_EXPORT: {
        const weft_cslot_t *s = slot_at(st, sc, WEFT_CSORT_INSTANCE, al->instance, off);
        if (!s) return false;
        const weft_ty_instance_t *it = s->instance;
        for (uint32_t i = 0; it && i < it->nexports; i++) {
            if (it->exports[i].name.len != al->name.len ||
                memcmp(it->exports[i].name.ptr, al->name.ptr, al->name.len) != 0)
                continue;
            const weft_ty_extern_t *e = &it->exports[i].type;
            if (weft__cextern_sort(e->kind) != al->sort)
                return weft__cv_fail(st, off, "export `%.*s` for instance %u is not a %s",
                                     (int)al->name.len, al->name.ptr, al->instance,
                                     al->sort == WEFT_CSORT_CORE_MODULE
                                         ? "module"
                                         : weft__csort_name(al->sort));
            return push_extern(st, sc, e);
        }
        return weft__cv_fail(st, off, "instance %u has no export named `%.*s`", al->instance,
                             (int)al->name.len, al->name.ptr);
    }
    default: {
        uint8_t sort = al->sort;
        if (sort != WEFT_CSORT_CORE_TYPE && sort != WEFT_CSORT_TYPE &&
            sort != WEFT_CSORT_CORE_MODULE && sort != WEFT_CSORT_COMPONENT)
            return weft__cv_fail(st, off,
                                 "outer aliases may only refer to types, modules, or "
                                 "components");
        vscope_t *t = sc;
        bool crosses = false;
        for (uint32_t i = 0; i < al->outer_count; i++) {
            if (!t->parent)
                return weft__cv_fail(st, off, "invalid outer alias count of %u",
                                     al->outer_count);
            if (t->kind == VSCOPE_COMPONENT) crosses = true;
            t = t->parent;
        }
        const weft_cslot_t *s = slot_at(st, t, sort, al->outer_index, off);
        if (!s) return false;
        if (sort == WEFT_CSORT_TYPE && crosses && def_has_resource(&s->type))
            return weft__cv_fail(st, off,
                                 "cannot alias outer type which transitively refers to "
                                 "resources not defined in the current component");
        weft_cslot_t copy = *s;
        weft_cslot_t *n = weft__cv_push_slot(st, sc, sort);
        if (!n) return false;
        *n = copy;
        return true;
    }
    }
}

/* ---------------------------------------------------------------------------------------
 * Imports and exports
 * --------------------------------------------------------------------------------------- */

bool weft__cv_extern_decl(vstate_t *st, vscope_t *sc, const weft_cextname_t *name,
                          const weft_ty_extern_t *t0, bool is_import, uint32_t offset)
{
    if (!weft__cv_extern_name(st, sc, name, t0, is_import, offset)) return false;
    /* instance types defer visibility until attached to a concrete import or export */
    if (sc->kind != VSCOPE_INSTANCE_TYPE && !weft__cv_all_named(sc, t0, is_import))
        return weft__cv_fail(st, offset, "%s not valid to be used as %s",
                             weft_ty_extern_kind_name(t0->kind), is_import ? "import" : "export");
    /* Explainer.md "External Visibility of Types": only the new type-index entry introduced
     * by the import/export is an externally-visible name, not the one passed into it */
    weft_ty_extern_t t = *t0;
    if (!weft__cv_retag(st, &t)) return false;
    if (!push_named(st, is_import ? &sc->imports : &sc->exports, name, &t)) return false;
    if (!weft__cv_add_named(st, sc, &t, is_import)) return false;
    return push_extern(st, sc, &t);
}

/* ---------------------------------------------------------------------------------------
 * Instances
 * --------------------------------------------------------------------------------------- */

static bool name_eq(weft_name_t a, weft_name_t b)
{
    return a.len == b.len && (a.len == 0 || memcmp(a.ptr, b.ptr, a.len) == 0);
}

static bool core_instance(vstate_t *st, vscope_t *sc, const weft_cinstance_t *ci)
{
    uint32_t off = ci->offset;
    weft_ty_core_instance_t *res = weft_ty_alloc(st->arena, sizeof *res);
    if (!res) return weft__cv_oom(st);
    if (ci->kind == WEFT_CINST_INSTANTIATE) {
        const weft_cslot_t *m = slot_at(st, sc, WEFT_CSORT_CORE_MODULE, ci->of, off);
        if (!m) return false;
        for (uint32_t i = 0; i < ci->nargs; i++) {
            for (uint32_t j = 0; j < i; j++)
                if (name_eq(ci->args[i].name.name, ci->args[j].name.name))
                    return weft__cv_fail(st, off,
                                         "duplicate module instantiation argument named `%.*s`",
                                         (int)ci->args[i].name.name.len,
                                         ci->args[i].name.name.ptr);
            if (!slot_at(st, sc, WEFT_CSORT_CORE_INSTANCE, ci->args[i].item.index, off))
                return false;
        }
        const weft_ty_module_t *mt = m->module;
        for (uint32_t k = 0; k < mt->nimports; k++) {
            const weft_ty_core_named_t *im = &mt->imports[k];
            const weft_carg_t *arg = NULL;
            for (uint32_t i = 0; i < ci->nargs && !arg; i++)
                if (name_eq(ci->args[i].name.name, im->module)) arg = &ci->args[i];
            if (!arg)
                return weft__cv_fail(st, off, "missing module instantiation argument named `%.*s`",
                                     (int)im->module.len, im->module.ptr);
            const weft_ty_core_instance_t *src =
                sc->sp[WEFT_CSORT_CORE_INSTANCE].items[arg->item.index].core_instance;
            const weft_ty_core_named_t *x = NULL;
            for (uint32_t j = 0; src && j < src->nexports && !x; j++)
                if (name_eq(src->exports[j].name, im->name)) x = &src->exports[j];
            if (!x)
                return weft__cv_fail(st, off,
                                     "module instantiation argument `%.*s` does not export an "
                                     "item named `%.*s`",
                                     (int)im->module.len, im->module.ptr, (int)im->name.len,
                                     im->name.ptr);
            if (!weft_ty_core_extern_sub(&x->type, &im->type, st->why, sizeof st->why))
                return weft__cv_fail(st, off,
                                     "type mismatch for export `%.*s` of module instantiation "
                                     "argument `%.*s`: %s",
                                     (int)im->name.len, im->name.ptr, (int)im->module.len,
                                     im->module.ptr, st->why);
        }
        res->nexports = mt->nexports;
        res->exports = mt->exports;
    } else {
        weft_ty_core_named_t *ex =
            weft_ty_alloc(st->arena, (size_t)ci->nargs * sizeof *ex);
        if (!ex) return weft__cv_oom(st);
        for (uint32_t i = 0; i < ci->nargs; i++) {
            const weft_carg_t *a = &ci->args[i];
            for (uint32_t j = 0; j < i; j++)
                if (name_eq(a->name.name, ci->args[j].name.name))
                    return weft__cv_fail(st, off, "export name `%.*s` already defined",
                                         (int)a->name.name.len, a->name.name.ptr);
            if (a->item.sort > WEFT_CSORT_CORE_TAG)
                return weft__cv_fail(st, off, "invalid core export sort");
            const weft_cslot_t *s = slot_at(st, sc, a->item.sort, a->item.index, off);
            if (!s) return false;
            if (!weft_ty_name_copy(st->arena, a->name.name, &ex[i].name)) return weft__cv_oom(st);
            ex[i].type = s->core;
        }
        res->nexports = ci->nargs;
        res->exports = ex;
    }
    weft_cslot_t *n = weft__cv_push_slot(st, sc, WEFT_CSORT_CORE_INSTANCE);
    if (!n) return false;
    n->core_instance = res;
    return true;
}

/* Resources of a component's exports that are new on each instantiation. */
static bool collect_fresh(vstate_t *st, const weft_ty_named_t *v, uint32_t n,
                          const vptrs_t *imported, vptrs_t *out)
{
    for (uint32_t i = 0; i < n; i++) {
        const weft_ty_extern_t *e = &v[i].type;
        if (e->kind == WEFT_CEXT_TYPE && e->u.type.kind == WEFT_TYD_RESOURCE) {
            const void *r = e->u.type.u.resource;
            if (!weft__cv_has_ptr(imported, r) && !weft__cv_has_ptr(out, r) &&
                !weft__cv_push_ptr(st, out, r))
                return false;
        } else if (e->kind == WEFT_CEXT_INSTANCE) {
            if (!collect_fresh(st, e->u.instance->exports, e->u.instance->nexports, imported,
                               out))
                return false;
        }
    }
    return true;
}

static bool collect_imported(vstate_t *st, const weft_ty_named_t *v, uint32_t n, vptrs_t *out)
{
    for (uint32_t i = 0; i < n; i++) {
        const weft_ty_extern_t *e = &v[i].type;
        if (e->kind == WEFT_CEXT_TYPE && e->u.type.kind == WEFT_TYD_RESOURCE) {
            if (!weft__cv_push_ptr(st, out, e->u.type.u.resource)) return false;
        } else if (e->kind == WEFT_CEXT_INSTANCE) {
            if (!collect_imported(st, e->u.instance->exports, e->u.instance->nexports, out))
                return false;
        }
    }
    return true;
}

/* The type imports of an instantiated component are bound to the arguments: the tags of the
 * imported entries become those of the arguments' (Explainer.md "External Visibility of
 * Types": a type the child imported is named in the parent by whatever the parent passed). */
static bool bind_tags(vstate_t *st, const weft_ty_extern_t *arg, const weft_ty_extern_t *im,
                      weft_ty_rmap_t *map, unsigned depth)
{
    if (arg->kind != im->kind || depth > 64) return true;
    if (im->kind == WEFT_CEXT_INSTANCE) {
        const weft_ty_instance_t *a = arg->u.instance, *b = im->u.instance;
        for (uint32_t k = 0; k < b->nexports; k++)
            for (uint32_t i = 0; i < a->nexports; i++)
                if (name_eq(a->exports[i].name, b->exports[k].name)) {
                    if (!bind_tags(st, &a->exports[i].type, &b->exports[k].type, map, depth + 1))
                        return false;
                    break;
                }
        return true;
    }
    if (im->kind != WEFT_CEXT_TYPE || arg->u.type.kind != im->u.type.kind) return true;
    uint32_t from = 0, to = 0;
    if (im->u.type.kind == WEFT_TYD_RESOURCE) {
        from = im->u.type.tag;
        to = arg->u.type.tag;
    } else if (im->u.type.kind == WEFT_TYD_VAL) {
        from = im->u.type.u.val->tag;
        to = arg->u.type.u.val->tag;
    }
    if (!from || from == to) return true;
    for (uint32_t i = 0; i < map->ntags; i++)
        if (map->tag_from[i] == from) return true;
    if (map->ntags >= WEFT_TY_RMAP_MAX) return weft__cv_fail(st, 0, "too many types");
    map->tag_from[map->ntags] = from;
    map->tag_to[map->ntags++] = to;
    return true;
}

static bool instance(vstate_t *st, vscope_t *sc, const weft_cinstance_t *ci)
{
    uint32_t off = ci->offset;
    weft_ty_instance_t *res = weft_ty_alloc(st->arena, sizeof *res);
    if (!res) return weft__cv_oom(st);
    if (ci->kind == WEFT_CINST_INSTANTIATE) {
        const weft_cslot_t *c = slot_at(st, sc, WEFT_CSORT_COMPONENT, ci->of, off);
        if (!c) return false;
        const weft_ty_component_t *ct = c->component;
        weft_ty_extern_t *args = weft_ty_alloc(st->arena, (size_t)ci->nargs * sizeof *args);
        if (!args) return weft__cv_oom(st);
        for (uint32_t i = 0; i < ci->nargs; i++) {
            const weft_carg_t *a = &ci->args[i];
            for (uint32_t j = 0; j < i; j++)
                if (weft__cv_label_eq_ci(a->name.name, ci->args[j].name.name))
                    return weft__cv_fail(st, off,
                                         "instantiation argument `%.*s` conflicts with previous "
                                         "argument `%.*s`",
                                         (int)a->name.name.len, a->name.name.ptr,
                                         (int)ci->args[j].name.name.len,
                                         ci->args[j].name.name.ptr);
            const weft_cslot_t *s = slot_at(st, sc, a->item.sort, a->item.index, off);
            if (!s) return false;
            if (!slot_extern(s, a->item.sort, &args[i]))
                return weft__cv_fail(st, off, "invalid instantiation argument sort");
        }
        weft_ty_rmap_t *map = weft__calloc(&st->alloc, 1, sizeof *map);
        if (!map) return weft__cv_oom(st);
        bool ok = true;
        for (uint32_t k = 0; ok && k < ct->nimports; k++) {
            const weft_ty_named_t *im = &ct->imports[k];
            uint32_t i = 0;
            while (i < ci->nargs && !name_eq(ci->args[i].name.name, im->name)) i++;
            if (i == ci->nargs) {
                ok = weft__cv_fail(st, off, "missing import named `%.*s`", (int)im->name.len,
                                   im->name.ptr);
                break;
            }
            if (!weft_ty_extern_sub_map(&args[i], &im->type, map, st->why, sizeof st->why))
                ok = weft__cv_fail(st, off,
                                   "type mismatch for component instantiation argument `%.*s`: "
                                   "%s",
                                   (int)im->name.len, im->name.ptr, st->why);
            else if (!bind_tags(st, &args[i], &im->type, map, 0))
                ok = false;
        }
        /* exported resources are fresh for this instantiation */
        for (uint32_t k = 0; ok && k < ct->nfresh; k++) {
            weft_ty_resource_t *r = weft_ty_resource_new(st->arena);
            if (!r) {
                ok = weft__cv_oom(st);
                break;
            }
            *r = *ct->fresh[k];
            r->in_type = false;
            r->is_abstract = true;
            if (map->count >= WEFT_TY_RMAP_MAX) {
                ok = weft__cv_fail(st, off, "too many resource types");
                break;
            }
            map->from[map->count] = ct->fresh[k];
            map->to[map->count++] = r;
        }
        weft_ty_named_t *ex = ok ? weft_ty_alloc(st->arena, ct->nexports * sizeof *ex) : NULL;
        if (ok && !ex) ok = weft__cv_oom(st);
        for (uint32_t k = 0; ok && k < ct->nexports; k++) {
            ex[k].name = ct->exports[k].name;
            if (!weft_ty_subst_extern(st->arena, map, &ct->exports[k].type, &ex[k].type))
                ok = weft__cv_oom(st);
        }
        weft__free(&st->alloc, map, sizeof *map);
        if (!ok) return false;
        res->nexports = ct->nexports;
        res->exports = ex;
    } else {
        vscope_t tmp;
        memset(&tmp, 0, sizeof tmp);
        tmp.parent = sc;
        tmp.kind = VSCOPE_INSTANCE_TYPE;
        tmp.def = sc->def;
        weft_ty_named_t *ex = weft_ty_alloc(st->arena, (size_t)ci->nargs * sizeof *ex);
        bool ok = ex != NULL;
        if (!ok) weft__cv_oom(st);
        for (uint32_t i = 0; ok && i < ci->nargs; i++) {
            const weft_carg_t *a = &ci->args[i];
            const weft_cslot_t *s = slot_at(st, sc, a->item.sort, a->item.index, off);
            weft_ty_extern_t t;
            if (!s) { ok = false; break; }
            if (!slot_extern(s, a->item.sort, &t)) {
                ok = weft__cv_fail(st, off, "invalid instance export sort");
                break;
            }
            ok = weft__cv_extern_name(st, &tmp, &a->name, &t, false, off);
            if (ok && !weft_ty_name_copy(st->arena, a->name.name, &ex[i].name))
                ok = weft__cv_oom(st);
            if (ok) ex[i].type = t;
        }
        weft__cv_scope_free(st, &tmp);
        if (!ok) return false;
        res->nexports = ci->nargs;
        res->exports = ex;
    }
    weft_cslot_t *n = weft__cv_push_slot(st, sc, WEFT_CSORT_INSTANCE);
    if (!n) return false;
    n->instance = res;
    return true;
}

/* ---------------------------------------------------------------------------------------
 * Components
 * --------------------------------------------------------------------------------------- */

static bool component(vstate_t *st, vscope_t *parent, const weft_component_def_t *def,
                      weft_cvalid_t *v);

static bool export_def(vstate_t *st, vscope_t *sc, const weft_cexport_t *ex)
{
    uint32_t off = ex->offset;
    const weft_cslot_t *s = slot_at(st, sc, ex->item.sort, ex->item.index, off);
    if (!s) return false;
    weft_ty_extern_t t;
    if (!slot_extern(s, ex->item.sort, &t))
        return weft__cv_fail(st, off, "core items cannot be exported other than modules");
    if (ex->has_type) {
        weft_ty_extern_t asc;
        if (!weft__cv_externtype(st, sc, &ex->type, &asc, false)) return false;
        if (!weft_ty_extern_sub(&t, &asc, st->why, sizeof st->why))
            return weft__cv_fail(st, off, "ascribed type of export is not compatible with item's "
                                          "type: %s", st->why);
        if (!(asc.kind == WEFT_CEXT_TYPE && asc.u.type.kind == WEFT_TYD_RESOURCE)) t = asc;
    }
    return weft__cv_extern_decl(st, sc, &ex->name, &t, false, off);
}

static bool item(vstate_t *st, vscope_t *sc, weft_cvalid_t *v, const weft_citem_t *it)
{
    const weft_component_def_t *def = v->def;
    switch (it->kind) {
    case WEFT_CDEF_IMPORT: {
        const weft_cimport_t *im = &def->imports.items[it->index];
        weft_ty_extern_t t;
        return weft__cv_externtype(st, sc, &im->desc, &t, true) &&
               weft__cv_extern_decl(st, sc, &im->name, &t, true, im->offset);
    }
    case WEFT_CDEF_EXPORT: return export_def(st, sc, &def->exports.items[it->index]);
    case WEFT_CDEF_ALIAS: return weft__cv_alias(st, sc, &def->aliases.items[it->index]);
    case WEFT_CDEF_CANON: return weft__cv_canon(st, sc, v, it->index);
    case WEFT_CDEF_CORE_INSTANCE:
        return core_instance(st, sc, &def->core_instances.items[it->index]);
    case WEFT_CDEF_INSTANCE: return instance(st, sc, &def->instances.items[it->index]);
    case WEFT_CDEF_MODULE: {
        const weft_cmodule_t *m = &def->modules.items[it->index];
        weft_error_t *e = weft__module_validate(m->module);
        if (e) {
            if (!st->err) {
                st->err = e;
                if (e->offset != UINT64_MAX) e->offset += m->offset;
            } else {
                weft_error_delete(e);
            }
            return false;
        }
        weft_cslot_t *s = weft__cv_push_slot(st, sc, WEFT_CSORT_CORE_MODULE);
        if (!s) return false;
        if (!(s->module = weft__cv_module_type(st, m->module))) return false;
        return unique_imports(st, s->module->imports, s->module->nimports, m->offset);
    }
    case WEFT_CDEF_COMPONENT: {
        const weft_ccomponent_t *c = &def->components.items[it->index];
        weft_cvalid_t *child = weft__calloc(&st->alloc, 1, sizeof *child);
        if (!child) return weft__cv_oom(st);
        v->children[it->index] = child;
        child->def = c->def;
        child->arena = st->arena;
        child->parent = v;
        if (!component(st, sc, c->def, child)) return false;
        weft_cslot_t *s = weft__cv_push_slot(st, sc, WEFT_CSORT_COMPONENT);
        if (!s) return false;
        s->component = child->type;
        return true;
    }
    case WEFT_CDEF_TYPE: {
        weft_ty_def_t td;
        if (!weft__cv_deftype(st, sc, it->index, &td)) return false;
        weft_cslot_t *s = weft__cv_push_slot(st, sc, WEFT_CSORT_TYPE);
        if (!s) return false;
        s->type = td;
        return true;
    }
    case WEFT_CDEF_CORE_TYPE: {
        /* one core:type entry; a rec group is several consecutive entries */
        return weft__cv_core_types(st, sc, it->index, 1);
    }
    case WEFT_CDEF_START: {
        const weft_cstart_t *s = &def->starts.items[it->index];
        if (!slot_at(st, sc, WEFT_CSORT_FUNC, s->func, s->offset)) return false;
        for (uint32_t i = 0; i < s->nargs; i++)
            if (!slot_at(st, sc, WEFT_CSORT_VALUE, s->args[i], s->offset)) return false;
        for (uint32_t i = 0; i < s->nresults; i++)
            if (!weft__cv_push_slot(st, sc, WEFT_CSORT_VALUE)) return false;
        return true;
    }
    case WEFT_CDEF_VALUE: {
        const weft_cvalue_t *val = &def->values.items[it->index];
        const weft_ty_val_t *t = weft__cv_valtype(st, sc, val->type, val->offset);
        if (!t) return false;
        weft_cslot_t *s = weft__cv_push_slot(st, sc, WEFT_CSORT_VALUE);
        if (!s) return false;
        s->value = t;
        return true;
    }
    default: return weft__cv_fail(st, 0, "unknown definition kind");
    }
}

static bool finish_component(vstate_t *st, vscope_t *sc, weft_cvalid_t *v)
{
    weft_ty_component_t *t = weft_ty_alloc(st->arena, sizeof *t);
    weft_ty_named_t *im = weft_ty_alloc(st->arena, sc->imports.count * sizeof *im);
    weft_ty_named_t *ex = weft_ty_alloc(st->arena, sc->exports.count * sizeof *ex);
    if (!t || !im || !ex) return weft__cv_oom(st);
    weft__cv_copy(im, sc->imports.items, sc->imports.count * sizeof *im);
    weft__cv_copy(ex, sc->exports.items, sc->exports.count * sizeof *ex);
    t->nimports = sc->imports.count;
    t->imports = im;
    t->nexports = sc->exports.count;
    t->exports = ex;
    vptrs_t imported = {0, 0, NULL}, fresh = {0, 0, NULL};
    bool ok = collect_imported(st, im, t->nimports, &imported) &&
              collect_fresh(st, ex, t->nexports, &imported, &fresh);
    if (ok) {
        const weft_ty_resource_t **b = weft_ty_alloc(st->arena, imported.count * sizeof *b);
        const weft_ty_resource_t **f = weft_ty_alloc(st->arena, fresh.count * sizeof *f);
        if (!b || !f) {
            ok = weft__cv_oom(st);
        } else {
            weft__cv_copy(b, imported.items, imported.count * sizeof *b);
            weft__cv_copy(f, fresh.items, fresh.count * sizeof *f);
            t->nbound = imported.count;
            t->bound = b;
            t->nfresh = fresh.count;
            t->fresh = f;
        }
    }
    weft__free(&st->alloc, imported.items, imported.cap * sizeof *imported.items);
    weft__free(&st->alloc, fresh.items, fresh.cap * sizeof *fresh.items);
    if (!ok) return false;
    v->type = t;
    /* keep the resolved index spaces */
    for (int s = 0; s < WEFT_CSORT_COUNT; s++) {
        v->nslots[s] = sc->sp[s].count;
        v->slots[s] = weft_ty_alloc(st->arena, sc->sp[s].count * sizeof *v->slots[s]);
        if (!v->slots[s]) return weft__cv_oom(st);
        weft__cv_copy(v->slots[s], sc->sp[s].items, sc->sp[s].count * sizeof *v->slots[s]);
    }
    return true;
}

static bool component(vstate_t *st, vscope_t *parent, const weft_component_def_t *def,
                      weft_cvalid_t *v)
{
    vscope_t sc;
    memset(&sc, 0, sizeof sc);
    sc.parent = parent;
    sc.kind = VSCOPE_COMPONENT;
    sc.def = def;
    v->children = weft__calloc(&st->alloc, def->components.count + 1, sizeof *v->children);
    v->canons = weft_ty_alloc(st->arena, (size_t)def->canons.count * sizeof *v->canons);
    bool ok = v->children && v->canons;
    if (!ok) weft__cv_oom(st);
    for (uint32_t i = 0; ok && i < def->order.count; i++)
        ok = item(st, &sc, v, &def->order.items[i]);
    if (ok) ok = finish_component(st, &sc, v);
    weft__cv_scope_free(st, &sc);
    return ok;
}

void weft__cvalid_free(weft_cvalid_t *v)
{
    if (!v) return;
    weft_alloc_t a = v->def->alloc;
    if (v->children) {
        for (uint32_t i = 0; i < v->def->components.count; i++)
            weft__cvalid_free(v->children[i]);
        weft__free(&a, v->children, (v->def->components.count + 1) * sizeof *v->children);
    }
    if (!v->parent) weft_ty_arena_free(v->arena);
    weft__free(&a, v, sizeof *v);
}

static weft_error_t *validate_def(const weft_component_def_t *def, weft_cvalid_t **out)
{
    *out = NULL;
    vstate_t st;
    memset(&st, 0, sizeof st);
    st.alloc = def->alloc;
    weft_cvalid_t *v = weft__calloc(&st.alloc, 1, sizeof *v);
    if (!v) return weft__error_oom();
    v->def = def;
    v->arena = st.arena = weft_ty_arena_new(&st.alloc);
    if (!st.arena) {
        weft__free(&st.alloc, v, sizeof *v);
        return weft__error_oom();
    }
    bool ok = component(&st, NULL, def, v);
    weft__free(&st.alloc, st.inst_ranges.items, st.inst_ranges.cap * sizeof *st.inst_ranges.items);
    if (!ok) {
        weft__cvalid_free(v);
        return st.err ? st.err : weft__error_oom();
    }
    *out = v;
    return NULL;
}

weft_error_t *weft__component_validate(const weft_component_def_t *def, weft_cvalid_t **out)
{
    weft_error_t *err = validate_def(def, out);
    if (!err || err->kind == WEFT_ERROR_OOM || def->parent || !def->bytes) return err;
    /* The core modules of `def` may have been decoded without a scan of their function bodies
     * (weft__component_decode): decoding the binary again in full finds a malformed body,
     * which takes precedence over any validation error (chapter 5 before chapter 3); without
     * one, the full definition's own validation error is the one to report. */
    weft_component_def_t *full = NULL;
    weft_error_t *ferr = weft__component_decode_full(&def->alloc, def->engine, def->bytes,
                                                     def->bytes_len, &full);
    if (!ferr) {
        weft_cvalid_t *v = NULL;
        ferr = validate_def(full, &v);
        weft__cvalid_free(v);
        weft__component_def_free(full);
    }
    if (!ferr || ferr->kind == WEFT_ERROR_OOM) {
        /* Not expected (the same binary); keep the first error. */
        if (ferr) weft_error_delete(ferr);
        return err;
    }
    weft_error_delete(err);
    return ferr;
}
