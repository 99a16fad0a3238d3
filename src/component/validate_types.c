/* validate_types.c - resolution and validation of component type definitions (Explainer.md
 * "Type Definitions", Binary.md "Type Definitions"): value types, resources, function types and
 * the bodies of component and instance types, each with its own index spaces. */
#include <string.h>

#include "component/validate_internal.h"

static uint8_t prim_kind(uint8_t prim)
{
    switch (prim) {
    case WEFT_CPRIM_BOOL: return WEFT_TY_BOOL;
    case WEFT_CPRIM_S8: return WEFT_TY_S8;
    case WEFT_CPRIM_U8: return WEFT_TY_U8;
    case WEFT_CPRIM_S16: return WEFT_TY_S16;
    case WEFT_CPRIM_U16: return WEFT_TY_U16;
    case WEFT_CPRIM_S32: return WEFT_TY_S32;
    case WEFT_CPRIM_U32: return WEFT_TY_U32;
    case WEFT_CPRIM_S64: return WEFT_TY_S64;
    case WEFT_CPRIM_U64: return WEFT_TY_U64;
    case WEFT_CPRIM_F32: return WEFT_TY_F32;
    case WEFT_CPRIM_F64: return WEFT_TY_F64;
    case WEFT_CPRIM_CHAR: return WEFT_TY_CHAR;
    case WEFT_CPRIM_STRING: return WEFT_TY_STRING;
    default: return WEFT_TY_ERROR_CONTEXT;
    }
}

const weft_ty_def_t *weft__cv_type_at(vstate_t *st, vscope_t *sc, uint32_t index,
                                      uint32_t offset)
{
    if (index >= sc->sp[WEFT_CSORT_TYPE].count) {
        weft__cv_fail(st, offset, "unknown type %u: type index out of bounds", index);
        return NULL;
    }
    return &sc->sp[WEFT_CSORT_TYPE].items[index].type;
}

const weft_ty_val_t *weft__cv_valtype(vstate_t *st, vscope_t *sc, weft_cvaltype_t vt,
                                      uint32_t offset)
{
    if (vt.prim) {
        const weft_ty_val_t *t = weft_ty_prim(st->arena, prim_kind(vt.prim));
        if (!t) weft__cv_oom(st);
        return t;
    }
    const weft_ty_def_t *d = weft__cv_type_at(st, sc, vt.index, offset);
    if (!d) return NULL;
    if (d->kind != WEFT_TYD_VAL) {
        weft__cv_fail(st, offset, "type index %u is not a defined type", vt.index);
        return NULL;
    }
    return d->u.val;
}

/* Labels of records, variants, flags, enums and parameters: non-empty, kebab-case and
 * strongly unique. */
static bool check_labels(vstate_t *st, const weft_name_t *names, size_t stride, uint32_t n,
                         const char *what, const char *prev_what, uint32_t offset)
{
    for (uint32_t i = 0; i < n; i++) {
        weft_name_t a = *(const weft_name_t *)((const char *)names + i * stride);
        if (a.len == 0) return weft__cv_fail(st, offset, "%s name cannot be empty", what);
        if (!weft__cv_is_kebab(a))
            return weft__cv_fail(st, offset, "%s name `%.*s` is not in kebab case", what,
                                 (int)a.len, a.ptr);
        for (uint32_t j = 0; j < i; j++) {
            weft_name_t b = *(const weft_name_t *)((const char *)names + j * stride);
            if (weft__cv_label_eq_ci(a, b))
                return weft__cv_fail(st, offset,
                                     "%s name `%.*s` conflicts with previous %s name `%.*s`",
                                     what, (int)a.len, a.ptr, prev_what, (int)b.len, b.ptr);
        }
    }
    return true;
}

static const weft_ty_val_t *opt_valtype(vstate_t *st, vscope_t *sc, bool has,
                                        weft_cvaltype_t vt, uint32_t offset, bool *ok)
{
    *ok = true;
    if (!has) return NULL;
    const weft_ty_val_t *t = weft__cv_valtype(st, sc, vt, offset);
    if (!t) *ok = false;
    return t;
}

static bool contains_borrow_deep(const weft_ty_val_t *t)
{
    if (!t) return false;
    if (t->bits & WEFT_TYB_BORROW) return true;
    return false;
}

static bool defval(vstate_t *st, vscope_t *sc, const weft_ctype_t *ct, weft_ty_def_t *out)
{
    weft_ty_val_t p;
    memset(&p, 0, sizeof p);
    uint32_t off = ct->offset;
    bool ok = true;
    weft_ty_field_t *f = NULL;
    switch (ct->kind) {
    case WEFT_CT_PRIM: {
        weft_cvaltype_t vt = {ct->u.prim, 0};
        const weft_ty_val_t *t = weft__cv_valtype(st, sc, vt, off);
        if (!t) return false;
        out->kind = WEFT_TYD_VAL;
        out->u.val = t;
        return true;
    }
    case WEFT_CT_RECORD: case WEFT_CT_VARIANT: {
        bool rec = ct->kind == WEFT_CT_RECORD;
        uint32_t n = ct->u.fields.count;
        if (n == 0)
            return weft__cv_fail(st, off, rec ? "record type must have at least one field"
                                              : "variant type must have at least one case");
        if (!check_labels(st, &ct->u.fields.items[0].label, sizeof(weft_cfield_t), n,
                          rec ? "record field" : "variant case", rec ? "field" : "case", off))
            return false;
        f = weft_ty_alloc(st->arena, (size_t)n * sizeof *f);
        if (!f) return weft__cv_oom(st);
        for (uint32_t i = 0; i < n; i++) {
            const weft_cfield_t *cf = &ct->u.fields.items[i];
            f[i].label = cf->label;
            f[i].type = opt_valtype(st, sc, cf->has_type || rec, cf->type, off, &ok);
            if (!ok) return false;
        }
        p.kind = rec ? WEFT_TY_RECORD : WEFT_TY_VARIANT;
        p.count = n;
        p.fields = f;
        p.tag = weft__ty_new_tag(st->arena); /* each definition is a distinct entry */
        break;
    }
    case WEFT_CT_LIST: case WEFT_CT_FIXED_LIST: case WEFT_CT_OPTION:
        p.elem = weft__cv_valtype(st, sc, ct->u.list.elem, off);
        if (!p.elem) return false;
        p.kind = ct->kind == WEFT_CT_LIST ? WEFT_TY_LIST
                 : ct->kind == WEFT_CT_OPTION ? WEFT_TY_OPTION : WEFT_TY_FIXED_LIST;
        if (ct->kind == WEFT_CT_FIXED_LIST) {
            if (ct->u.list.len == 0)
                return weft__cv_fail(st, off, "fixed size list length must be nonzero");
            p.len = ct->u.list.len;
        }
        break;
    case WEFT_CT_TUPLE: {
        uint32_t n = ct->u.tuple.count;
        if (n == 0) return weft__cv_fail(st, off, "tuple type must have at least one type");
        f = weft_ty_alloc(st->arena, (size_t)n * sizeof *f);
        if (!f) return weft__cv_oom(st);
        for (uint32_t i = 0; i < n; i++)
            if (!(f[i].type = weft__cv_valtype(st, sc, ct->u.tuple.types[i], off))) return false;
        p.kind = WEFT_TY_TUPLE;
        p.count = n;
        p.fields = f;
        break;
    }
    case WEFT_CT_FLAGS: case WEFT_CT_ENUM: {
        bool fl = ct->kind == WEFT_CT_FLAGS;
        uint32_t n = ct->u.labels.count;
        if (n == 0)
            return weft__cv_fail(st, off, fl ? "flags must have at least one entry"
                                             : "enum type must have at least one variant");
        if (fl && n > 32) return weft__cv_fail(st, off, "cannot have more than 32 flags");
        if (!check_labels(st, ct->u.labels.names, sizeof(weft_name_t), n,
                          fl ? "flag" : "enum tag", fl ? "flag" : "tag", off))
            return false;
        p.kind = fl ? WEFT_TY_FLAGS : WEFT_TY_ENUM;
        p.count = n;
        p.labels = ct->u.labels.names;
        p.tag = weft__ty_new_tag(st->arena);
        break;
    }
    case WEFT_CT_RESULT: {
        weft_ty_field_t rf[2];
        memset(rf, 0, sizeof rf);
        rf[0].type = opt_valtype(st, sc, ct->u.result.has_ok, ct->u.result.ok, off, &ok);
        if (!ok) return false;
        rf[1].type = opt_valtype(st, sc, ct->u.result.has_err, ct->u.result.err, off, &ok);
        if (!ok) return false;
        p.kind = WEFT_TY_RESULT;
        p.count = 2;
        p.fields = rf;
        const weft_ty_val_t *t = weft_ty_intern(st->arena, &p);
        if (!t) return weft__cv_oom(st);
        out->kind = WEFT_TYD_VAL;
        out->u.val = t;
        return true;
    }
    case WEFT_CT_OWN: case WEFT_CT_BORROW: {
        const weft_ty_def_t *d = weft__cv_type_at(st, sc, ct->u.handle, off);
        if (!d) return false;
        if (d->kind != WEFT_TYD_RESOURCE)
            return weft__cv_fail(st, off, "type index %u is not a resource type", ct->u.handle);
        p.kind = ct->kind == WEFT_CT_OWN ? WEFT_TY_OWN : WEFT_TY_BORROW;
        p.resource = d->u.resource;
        p.tag = d->tag; /* the entry the handle was written with (external visibility) */
        break;
    }
    case WEFT_CT_STREAM: case WEFT_CT_FUTURE:
        p.kind = ct->kind == WEFT_CT_STREAM ? WEFT_TY_STREAM : WEFT_TY_FUTURE;
        p.elem = opt_valtype(st, sc, ct->u.async_.has_elem, ct->u.async_.elem, off, &ok);
        if (!ok) return false;
        if (p.elem && contains_borrow_deep(p.elem))
            return weft__cv_fail(st, off, "%s element type cannot contain a `borrow` type",
                                 ct->kind == WEFT_CT_STREAM ? "stream" : "future");
        if (p.kind == WEFT_TY_STREAM && p.elem && p.elem->kind == WEFT_TY_CHAR)
            return weft__cv_fail(st, off, "`stream<char>` is not valid at this time");
        break;
    case WEFT_CT_MAP:
        p.kind = WEFT_TY_MAP;
        if (!(p.key = weft__cv_valtype(st, sc, ct->u.map.key, off))) return false;
        if (!(p.value = weft__cv_valtype(st, sc, ct->u.map.value, off))) return false;
        if (!weft_ty_is_prim(p.key) || p.key->kind == WEFT_TY_F32 ||
            p.key->kind == WEFT_TY_F64 || p.key->kind == WEFT_TY_ERROR_CONTEXT)
            return weft__cv_fail(st, off, "map key type must be a primitive type");
        break;
    default:
        return weft__cv_fail(st, off, "invalid type");
    }
    const weft_ty_val_t *t = weft_ty_intern(st->arena, &p);
    if (!t) return weft__cv_oom(st);
    if (t->size64 >= WEFT_TY_MAX_SIZE)
        return weft__cv_fail(st, off, "value type exceeds maximum byte size of 2^28");
    out->kind = WEFT_TYD_VAL;
    out->u.val = t;
    return true;
}

static bool functype(vstate_t *st, vscope_t *sc, const weft_ctype_t *ct, weft_ty_def_t *out)
{
    uint32_t off = ct->offset, n = ct->u.func.nparams;
    if (n && !check_labels(st, &ct->u.func.params[0].label, sizeof(weft_cfield_t), n,
                           "function parameter", "parameter", off))
        return false;
    weft_ty_func_t *ft = weft_ty_alloc(st->arena, sizeof *ft);
    weft_ty_param_t *ps = weft_ty_alloc(st->arena, (size_t)n * sizeof *ps);
    weft_ty_field_t *tf = weft_ty_alloc(st->arena, (size_t)n * sizeof *tf);
    if (!ft || !ps || !tf) return weft__cv_oom(st);
    for (uint32_t i = 0; i < n; i++) {
        ps[i].name = ct->u.func.params[i].label;
        if (!weft_ty_name_copy(st->arena, ps[i].name, &ps[i].name)) return weft__cv_oom(st);
        if (!(ps[i].type = weft__cv_valtype(st, sc, ct->u.func.params[i].type, off)))
            return false;
        tf[i].type = ps[i].type;
    }
    ft->is_async = ct->u.func.is_async;
    ft->nparams = n;
    ft->params = ps;
    if (ct->u.func.has_result) {
        if (!(ft->result = weft__cv_valtype(st, sc, ct->u.func.result, off))) return false;
        if (ft->result->bits & WEFT_TYB_BORROW)
            return weft__cv_fail(st, off, "function result cannot contain a `borrow` type");
    }
    if (n) {
        weft_ty_val_t p;
        memset(&p, 0, sizeof p);
        p.kind = WEFT_TY_TUPLE;
        p.count = n;
        p.fields = tf;
        if (!(ft->params_tuple = weft_ty_intern(st->arena, &p))) return weft__cv_oom(st);
    }
    out->kind = WEFT_TYD_FUNC;
    out->u.func = ft;
    return true;
}

static bool resource(vstate_t *st, vscope_t *sc, const weft_ctype_t *ct, weft_ty_def_t *out)
{
    if (sc->kind != VSCOPE_COMPONENT)
        return weft__cv_fail(st, ct->offset,
                             "resources can only be defined within a concrete component");
    if (ct->u.resource.rep != WEFT_T_I32)
        return weft__cv_fail(st, ct->offset, "resources can only be represented by `i32`");
    weft_ty_resource_t *r = weft_ty_resource_new(st->arena);
    if (!r) return weft__cv_oom(st);
    r->is_local = true;
    r->rep = ct->u.resource.rep;
    if (ct->u.resource.has_dtor) {
        uint32_t fi = ct->u.resource.dtor;
        if (fi >= sc->sp[WEFT_CSORT_CORE_FUNC].count)
            return weft__cv_fail(st, ct->offset,
                                 "unknown core func %u: function index out of bounds", fi);
        const weft_ty_core_func_t *ft = sc->sp[WEFT_CSORT_CORE_FUNC].items[fi].core.func;
        if (!ft || ft->nparams != 1 || ft->params[0] != WEFT_T_I32 || ft->nresults != 0)
            return weft__cv_fail(st, ct->offset, "wrong signature for a destructor");
        r->has_dtor = true;
        r->dtor = fi;
    }
    if (!weft__cv_push_ptr(st, &sc->resources, r)) return false;
    out->kind = WEFT_TYD_RESOURCE;
    out->u.resource = r;
    out->tag = weft__ty_new_tag(st->arena);
    return true;
}

static bool note_range(vstate_t *st, const weft_ty_instance_t *t, uint32_t lo)
{
    uint32_t hi = weft__ty_next_resource_id(st->arena);
    if (lo == hi) return true; /* declares no resource */
    vinst_ranges_t *v = &st->inst_ranges;
    if (v->count == v->cap) {
        size_t cap = v->cap;
        if (weft__grow(&st->alloc, (void **)&v->items, &cap, (size_t)v->count + 1,
                       sizeof *v->items))
            return weft__cv_oom(st);
        v->cap = (uint32_t)cap;
    }
    vinst_range_t *r = &v->items[v->count++];
    r->type = t;
    r->lo = lo;
    r->hi = hi;
    return true;
}

/* Binds every resource declared by the instance type (ids in [lo, hi)) to a fresh copy. */
static bool fresh_map(vstate_t *st, const weft_ty_named_t *ex, uint32_t n, uint32_t lo,
                      uint32_t hi, weft_ty_rmap_t *map)
{
    for (uint32_t i = 0; i < n; i++) {
        const weft_ty_extern_t *e = &ex[i].type;
        if (e->kind == WEFT_CEXT_INSTANCE) {
            if (!fresh_map(st, e->u.instance->exports, e->u.instance->nexports, lo, hi, map))
                return false;
            continue;
        }
        if (e->kind != WEFT_CEXT_TYPE || e->u.type.kind != WEFT_TYD_RESOURCE) continue;
        const weft_ty_resource_t *r = e->u.type.u.resource;
        if (r->id < lo || r->id >= hi || weft_ty_rmap_get(map, r) != r) continue;
        if (map->count >= WEFT_TY_RMAP_MAX)
            return weft__cv_fail(st, 0, "too many resource types");
        weft_ty_resource_t *c = weft_ty_resource_new(st->arena);
        if (!c) return weft__cv_oom(st);
        uint32_t id = c->id;
        *c = *r;
        c->id = id;
        map->from[map->count] = r;
        map->to[map->count++] = c;
    }
    return true;
}

/* An instance type used by an import or an export declaration: its own resources are new for
 * this use. */
static bool instance_use(vstate_t *st, const weft_ty_instance_t *it, weft_ty_extern_t *out)
{
    const vinst_ranges_t *v = &st->inst_ranges;
    uint32_t i = 0;
    while (i < v->count && v->items[i].type != it) i++;
    out->u.instance = it;
    if (i == v->count) return true;
    weft_ty_rmap_t *map = weft__calloc(&st->alloc, 1, sizeof *map);
    if (!map) return weft__cv_oom(st);
    bool ok = fresh_map(st, it->exports, it->nexports, v->items[i].lo, v->items[i].hi, map);
    if (ok && map->count) {
        weft_ty_extern_t in = *out;
        if (!weft_ty_subst_extern(st->arena, map, &in, out)) ok = weft__cv_oom(st);
    }
    weft__free(&st->alloc, map, sizeof *map);
    return ok;
}

/* The body of a component or instance type: a new scope whose parent is `sc`. */
static bool decls(vstate_t *st, vscope_t *sc, const weft_ctype_t *ct, weft_ty_def_t *out)
{
    bool comp = ct->kind == WEFT_CT_COMPONENT;
    vscope_t inner;
    memset(&inner, 0, sizeof inner);
    inner.parent = sc;
    inner.kind = comp ? VSCOPE_COMPONENT_TYPE : VSCOPE_INSTANCE_TYPE;
    inner.def = sc->def;
    uint32_t first_id = weft__ty_next_resource_id(st->arena);
    bool ok = true;
    for (uint32_t i = 0; ok && i < ct->u.decls.count; i++) {
        const weft_cdecl_t *d = &ct->u.decls.items[i];
        switch (d->kind) {
        case WEFT_CDECL_CORE_TYPE:
            ok = weft__cv_core_types(st, &inner, d->u.core.first, d->u.core.count);
            break;
        case WEFT_CDECL_TYPE: {
            weft_ty_def_t td;
            ok = weft__cv_deftype(st, &inner, d->u.type, &td);
            weft_cslot_t *s = ok ? weft__cv_push_slot(st, &inner, WEFT_CSORT_TYPE) : NULL;
            if (s) s->type = td;
            else ok = false;
            break;
        }
        case WEFT_CDECL_ALIAS:
            ok = weft__cv_alias(st, &inner, &d->u.alias);
            break;
        case WEFT_CDECL_IMPORT: case WEFT_CDECL_EXPORT: {
            weft_ty_extern_t et;
            ok = weft__cv_externtype(st, &inner, &d->u.ext.desc, &et, true) &&
                 weft__cv_extern_decl(st, &inner, &d->u.ext.name, &et,
                                      d->kind == WEFT_CDECL_IMPORT, d->offset);
            break;
        }
        default:
            ok = weft__cv_fail(st, d->offset, "invalid declaration");
        }
    }
    if (ok) {
        if (comp) {
            weft_ty_component_t *t = weft_ty_alloc(st->arena, sizeof *t);
            const weft_ty_resource_t **b =
                weft_ty_alloc(st->arena, (size_t)inner.bound.count * sizeof *b);
            const weft_ty_resource_t **fr =
                weft_ty_alloc(st->arena, (size_t)inner.fresh.count * sizeof *fr);
            weft_ty_named_t *im = weft_ty_alloc(st->arena, inner.imports.count * sizeof *im);
            weft_ty_named_t *ex = weft_ty_alloc(st->arena, inner.exports.count * sizeof *ex);
            if (!t || !b || !fr || !im || !ex) {
                ok = weft__cv_oom(st);
            } else {
                weft__cv_copy(b, inner.bound.items, inner.bound.count * sizeof *b);
                weft__cv_copy(fr, inner.fresh.items, inner.fresh.count * sizeof *fr);
                weft__cv_copy(im, inner.imports.items, inner.imports.count * sizeof *im);
                weft__cv_copy(ex, inner.exports.items, inner.exports.count * sizeof *ex);
                t->nimports = inner.imports.count;
                t->imports = im;
                t->nexports = inner.exports.count;
                t->exports = ex;
                t->nbound = inner.bound.count;
                t->bound = b;
                t->nfresh = inner.fresh.count;
                t->fresh = fr;
                out->kind = WEFT_TYD_COMPONENT;
                out->u.component = t;
            }
        } else {
            weft_ty_instance_t *t = weft_ty_alloc(st->arena, sizeof *t);
            weft_ty_named_t *ex = weft_ty_alloc(st->arena, inner.exports.count * sizeof *ex);
            if (!t || !ex) {
                ok = weft__cv_oom(st);
            } else {
                weft__cv_copy(ex, inner.exports.items, inner.exports.count * sizeof *ex);
                t->nexports = inner.exports.count;
                t->exports = ex;
                out->kind = WEFT_TYD_INSTANCE;
                out->u.instance = t;
                ok = note_range(st, t, first_id);
            }
        }
    }
    weft__cv_scope_free(st, &inner);
    return ok;
}

bool weft__cv_deftype(vstate_t *st, vscope_t *sc, uint32_t index, weft_ty_def_t *out)
{
    const weft_ctype_t *ct = &sc->def->types.items[index];
    switch (ct->kind) {
    case WEFT_CT_RESOURCE: return resource(st, sc, ct, out);
    case WEFT_CT_FUNC: return functype(st, sc, ct, out);
    case WEFT_CT_COMPONENT: case WEFT_CT_INSTANCE: return decls(st, sc, ct, out);
    default: return defval(st, sc, ct, out);
    }
}

/* ---------------------------------------------------------------------------------------
 * Extern types
 * --------------------------------------------------------------------------------------- */

bool weft__cv_externtype(vstate_t *st, vscope_t *sc, const weft_cextern_t *e,
                         weft_ty_extern_t *out, bool in_type)
{
    memset(out, 0, sizeof *out);
    out->kind = e->kind;
    uint32_t off = e->offset;
    switch (e->kind) {
    case WEFT_CEXT_MODULE: {
        if (e->index >= sc->sp[WEFT_CSORT_CORE_TYPE].count)
            return weft__cv_fail(st, off, "unknown core type %u: type index out of bounds",
                                 e->index);
        const weft_ty_module_t *m = sc->sp[WEFT_CSORT_CORE_TYPE].items[e->index].module;
        if (!m) return weft__cv_fail(st, off, "core type index %u is not a module type", e->index);
        out->u.module = m;
        return true;
    }
    case WEFT_CEXT_FUNC: case WEFT_CEXT_COMPONENT: case WEFT_CEXT_INSTANCE: {
        const weft_ty_def_t *d = weft__cv_type_at(st, sc, e->index, off);
        if (!d) return false;
        if (e->kind == WEFT_CEXT_FUNC) {
            if (d->kind != WEFT_TYD_FUNC)
                return weft__cv_fail(st, off, "type index %u is not a function type", e->index);
            out->u.func = d->u.func;
        } else if (e->kind == WEFT_CEXT_COMPONENT) {
            if (d->kind != WEFT_TYD_COMPONENT)
                return weft__cv_fail(st, off, "type index %u is not a component type",
                                     e->index);
            out->u.component = d->u.component;
        } else {
            if (d->kind != WEFT_TYD_INSTANCE)
                return weft__cv_fail(st, off, "type index %u is not an instance type", e->index);
            return instance_use(st, d->u.instance, out);
        }
        return true;
    }
    case WEFT_CEXT_VALUE:
        if (e->bound == 0) {
            if (e->index >= sc->sp[WEFT_CSORT_VALUE].count)
                return weft__cv_fail(st, off, "unknown value %u: value index out of bounds",
                                     e->index);
            out->u.value = sc->sp[WEFT_CSORT_VALUE].items[e->index].value;
            return true;
        }
        return (out->u.value = weft__cv_valtype(st, sc, e->valtype, off)) != NULL;
    case WEFT_CEXT_TYPE:
        if (e->bound == 0) {
            const weft_ty_def_t *d = weft__cv_type_at(st, sc, e->index, off);
            if (!d) return false;
            out->u.type = *d;
            return true;
        } else {
            weft_ty_resource_t *r = weft_ty_resource_new(st->arena);
            if (!r) return weft__cv_oom(st);
            r->is_abstract = true;
            r->in_type = in_type;
            out->u.type.kind = WEFT_TYD_RESOURCE;
            out->u.type.u.resource = r;
            return true;
        }
    default:
        return weft__cv_fail(st, off, "invalid extern type");
    }
}

/* ---------------------------------------------------------------------------------------
 * External visibility (Explainer.md "External Visibility of Types"). Records, variants, enums,
 * flags and the resources of own/borrow carry the tag of the type-index entry they were
 * written with; an import/export may only mention tags its scope made visible.
 * --------------------------------------------------------------------------------------- */

static bool is_nameable(const weft_ty_val_t *t)
{
    return t->kind == WEFT_TY_RECORD || t->kind == WEFT_TY_VARIANT || t->kind == WEFT_TY_ENUM ||
           t->kind == WEFT_TY_FLAGS;
}

/* Where a check looks for visible tags: the scope's, and those of the type exports of the
 * instance types being checked (an instance type's exports may use its own type exports). */
typedef struct vis {
    const vscope_t *sc;
    bool is_import;
    const struct vis *outer; /* enclosing instance type, or NULL */
    const weft_ty_instance_t *inst;
} vis_t;

static bool has_tag(const vtags_t *v, uint32_t tag)
{
    for (uint32_t i = 0; i < v->count; i++)
        if (v->items[i] == tag) return true;
    return false;
}

static uint32_t extern_tag(const weft_ty_extern_t *e)
{
    if (e->kind != WEFT_CEXT_TYPE) return 0;
    if (e->u.type.kind == WEFT_TYD_RESOURCE) return e->u.type.tag;
    if (e->u.type.kind == WEFT_TYD_VAL) return e->u.type.u.val->tag;
    return 0;
}

static bool inst_declares(const weft_ty_instance_t *it, uint32_t tag, unsigned depth)
{
    if (depth > 64) return false;
    for (uint32_t i = 0; i < it->nexports; i++) {
        const weft_ty_extern_t *e = &it->exports[i].type;
        if (extern_tag(e) == tag) return true;
        if (e->kind == WEFT_CEXT_INSTANCE && inst_declares(e->u.instance, tag, depth + 1))
            return true;
    }
    return false;
}

static bool visible(const vis_t *v, uint32_t tag)
{
    if (!tag) return false;
    if (has_tag(&v->sc->vis_imp, tag)) return true;
    if (!v->is_import && has_tag(&v->sc->vis_exp, tag)) return true;
    for (const vis_t *o = v; o; o = o->outer)
        if (o->inst && inst_declares(o->inst, tag, 0)) return true;
    return false;
}

static bool val_named(const vis_t *v, const weft_ty_val_t *t)
{
    if (!t) return true;
    switch (t->kind) {
    case WEFT_TY_RECORD: case WEFT_TY_VARIANT: case WEFT_TY_ENUM: case WEFT_TY_FLAGS:
    case WEFT_TY_OWN: case WEFT_TY_BORROW:
        return visible(v, t->tag);
    case WEFT_TY_TUPLE: case WEFT_TY_RESULT: case WEFT_TY_OPTION:
        for (uint32_t i = 0; i < t->count; i++)
            if (!val_named(v, t->fields[i].type)) return false;
        return true;
    case WEFT_TY_LIST: case WEFT_TY_FIXED_LIST: case WEFT_TY_STREAM: case WEFT_TY_FUTURE:
        return val_named(v, t->elem);
    case WEFT_TY_MAP:
        return val_named(v, t->key) && val_named(v, t->value);
    default:
        return true;
    }
}

/* A type import/export names the type itself; what it refers to must be visible. */
static bool val_inner_named(const vis_t *v, const weft_ty_val_t *t)
{
    switch (t->kind) {
    case WEFT_TY_RECORD: case WEFT_TY_VARIANT:
        for (uint32_t i = 0; i < t->count; i++)
            if (!val_named(v, t->fields[i].type)) return false;
        return true;
    case WEFT_TY_ENUM: case WEFT_TY_FLAGS: return true;
    default: return val_named(v, t);
    }
}

static bool extern_named(const vis_t *v, const weft_ty_extern_t *t, unsigned depth);

static bool func_named(const vis_t *v, const weft_ty_func_t *f)
{
    for (uint32_t i = 0; i < f->nparams; i++)
        if (!val_named(v, f->params[i].type)) return false;
    return val_named(v, f->result);
}

static bool instance_named(const vis_t *v, const weft_ty_instance_t *it, unsigned depth)
{
    if (depth > 64) return false;
    vis_t in = {v->sc, v->is_import, v, it};
    for (uint32_t i = 0; i < it->nexports; i++)
        if (!extern_named(&in, &it->exports[i].type, depth + 1)) return false;
    return true;
}

static bool extern_named(const vis_t *v, const weft_ty_extern_t *t, unsigned depth)
{
    switch (t->kind) {
    case WEFT_CEXT_INSTANCE: return instance_named(v, t->u.instance, depth);
    case WEFT_CEXT_FUNC: return func_named(v, t->u.func);
    case WEFT_CEXT_VALUE: return val_named(v, t->u.value);
    case WEFT_CEXT_TYPE:
        switch (t->u.type.kind) {
        case WEFT_TYD_VAL: return val_inner_named(v, t->u.type.u.val);
        case WEFT_TYD_FUNC: return func_named(v, t->u.type.u.func);
        /* instance types defer their check to the import/export using them */
        case WEFT_TYD_INSTANCE: return instance_named(v, t->u.type.u.instance, depth);
        default: return true; /* resources; component types were checked eagerly */
        }
    default: return true;
    }
}

bool weft__cv_all_named(const vscope_t *sc, const weft_ty_extern_t *t, bool is_import)
{
    vis_t v = {sc, is_import, NULL, NULL};
    return extern_named(&v, t, 0);
}

bool weft__cv_retag(vstate_t *st, weft_ty_extern_t *t)
{
    if (t->kind != WEFT_CEXT_TYPE) return true;
    if (t->u.type.kind == WEFT_TYD_RESOURCE) {
        t->u.type.tag = weft__ty_new_tag(st->arena);
    } else if (t->u.type.kind == WEFT_TYD_VAL && is_nameable(t->u.type.u.val)) {
        const weft_ty_val_t *n =
            weft__ty_retag(st->arena, t->u.type.u.val, weft__ty_new_tag(st->arena));
        if (!n) return weft__cv_oom(st);
        t->u.type.u.val = n;
    }
    return true;
}

static bool push_tag(vstate_t *st, vtags_t *v, uint32_t tag)
{
    if (!tag || has_tag(v, tag)) return true;
    if (v->count == v->cap) {
        size_t cap = v->cap;
        if (weft__grow(&st->alloc, (void **)&v->items, &cap, (size_t)v->count + 1,
                       sizeof *v->items))
            return weft__cv_oom(st);
        v->cap = (uint32_t)cap;
    }
    v->items[v->count++] = tag;
    return true;
}

static bool add_named(vstate_t *st, vtags_t *set, const weft_ty_extern_t *t, unsigned depth)
{
    if (t->kind == WEFT_CEXT_INSTANCE && depth < 64) {
        /* types aliased out of an imported/exported instance have a name */
        for (uint32_t i = 0; i < t->u.instance->nexports; i++)
            if (!add_named(st, set, &t->u.instance->exports[i].type, depth + 1)) return false;
        return true;
    }
    return push_tag(st, set, extern_tag(t));
}

bool weft__cv_add_named(vstate_t *st, vscope_t *sc, const weft_ty_extern_t *t, bool is_import)
{
    return add_named(st, is_import ? &sc->vis_imp : &sc->vis_exp, t, 0);
}
