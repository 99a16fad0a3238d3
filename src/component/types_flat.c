/* types_flat.c - flatten_functype (CanonicalABI.md "Flattening") and resource substitution of
 * resolved types. */
#include "component/types.h"
#include "component/validate_internal.h"

#include <string.h>

#include "component/component.h"

void weft_ty_flatten_functype(const weft_ty_opts_t *opts, const weft_ty_func_t *ft,
                              weft_ty_context_t context, weft_ty_flat_sig_t *out)
{
    bool mem64 = opts && opts->mem64;
    bool is_async = opts && opts->is_async;
    uint8_t ptr = mem64 ? WEFT_T_I64 : WEFT_T_I32;
    memset(out, 0, sizeof *out);
    uint32_t np = 0;
    for (uint32_t i = 0; i < ft->nparams; i++) {
        uint32_t room = np < WEFT_MAX_FLAT_PARAMS + 1 ? WEFT_MAX_FLAT_PARAMS + 1 - np : 0;
        uint32_t k = weft_ty_flatten(ft->params[i].type, mem64, out->params + (room ? np : 0),
                                     room);
        np = np + k > WEFT_TY_FLAT_SAT ? WEFT_TY_FLAT_SAT : np + k;
    }
    uint32_t nr = 0;
    if (ft->result)
        nr = weft_ty_flatten(ft->result, mem64, out->results, WEFT_MAX_FLAT_PARAMS + 1);
    if (!is_async) {
        if (np > WEFT_MAX_FLAT_PARAMS) {
            out->params[0] = ptr;
            np = 1;
            out->params_indirect = true;
        }
        if (nr > WEFT_MAX_FLAT_RESULTS) {
            out->results_indirect = true;
            if (context == WEFT_TY_LIFT) {
                out->results[0] = ptr;
                nr = 1;
            } else {
                out->params[np++] = ptr;
                nr = 0;
            }
        }
    } else if (context == WEFT_TY_LIFT) {
        if (np > WEFT_MAX_FLAT_PARAMS) {
            out->params[0] = ptr;
            np = 1;
            out->params_indirect = true;
        }
        nr = 0;
        if (opts->has_callback) out->results[nr++] = WEFT_T_I32;
    } else {
        if (np > WEFT_MAX_FLAT_ASYNC_PARAMS) {
            out->params[0] = ptr;
            np = 1;
            out->params_indirect = true;
        }
        if (nr > 0) {
            out->params[np++] = ptr;
            out->results_indirect = true;
        }
        out->results[0] = WEFT_T_I32;
        nr = 1;
    }
    out->nparams = np;
    out->nresults = nr;
}

/* ---------------------------------------------------------------------------------------
 * Substitution
 * --------------------------------------------------------------------------------------- */

static uint32_t tag_get(const weft_ty_rmap_t *map, uint32_t tag)
{
    for (uint32_t i = 0; tag && i < map->ntags; i++)
        if (map->tag_from[i] == tag) return map->tag_to[i];
    return tag;
}

const weft_ty_val_t *weft_ty_subst_val(weft_ty_arena_t *arena, const weft_ty_rmap_t *map,
                                       const weft_ty_val_t *t)
{
    /* stream/future element types are not covered by the OWN/BORROW bits; the ASYNC bit
     * sends them through the walk too */
    if (!t || !map || (!map->count && !map->ntags) ||
        !(t->bits & (WEFT_TYB_OWN | WEFT_TYB_BORROW | WEFT_TYB_ASYNC | WEFT_TYB_TAGGED)))
        return t;
    uint32_t tag = tag_get(map, t->tag);
    weft_ty_field_t small[8], *f = NULL;
    switch (t->kind) {
    case WEFT_TY_OWN: case WEFT_TY_BORROW: {
        weft_ty_val_t p = *t;
        p.resource = weft_ty_rmap_get(map, t->resource);
        p.tag = tag;
        return weft_ty_intern(arena, &p);
    }
    case WEFT_TY_LIST: case WEFT_TY_FIXED_LIST: case WEFT_TY_OPTION: case WEFT_TY_STREAM:
    case WEFT_TY_FUTURE: {
        weft_ty_val_t p = *t;
        p.elem = weft_ty_subst_val(arena, map, t->elem);
        if (t->elem && !p.elem) return NULL;
        return weft_ty_intern(arena, &p);
    }
    case WEFT_TY_MAP: {
        weft_ty_val_t p = *t;
        p.key = weft_ty_subst_val(arena, map, t->key);
        p.value = weft_ty_subst_val(arena, map, t->value);
        if (!p.key || !p.value) return NULL;
        return weft_ty_intern(arena, &p);
    }
    case WEFT_TY_RECORD: case WEFT_TY_TUPLE: case WEFT_TY_VARIANT: case WEFT_TY_RESULT: {
        weft_ty_val_t p = *t;
        f = t->count <= 8 ? small : weft_ty_alloc(arena, (size_t)t->count * sizeof *f);
        if (!f) return NULL;
        for (uint32_t i = 0; i < t->count; i++) {
            f[i].label = t->fields[i].label;
            f[i].type = weft_ty_subst_val(arena, map, t->fields[i].type);
            if (t->fields[i].type && !f[i].type) return NULL;
        }
        p.fields = f;
        p.tag = tag;
        return weft_ty_intern(arena, &p);
    }
    case WEFT_TY_ENUM: case WEFT_TY_FLAGS:
        return weft__ty_retag(arena, t, tag);
    default:
        return t;
    }
}

static const weft_ty_func_t *subst_func(weft_ty_arena_t *arena, const weft_ty_rmap_t *map,
                                        const weft_ty_func_t *ft)
{
    weft_ty_func_t *n = weft_ty_alloc(arena, sizeof *n);
    weft_ty_param_t *ps = weft_ty_alloc(arena, (size_t)ft->nparams * sizeof *ps);
    if (!n || !ps) return NULL;
    *n = *ft;
    for (uint32_t i = 0; i < ft->nparams; i++) {
        ps[i].name = ft->params[i].name;
        ps[i].type = weft_ty_subst_val(arena, map, ft->params[i].type);
        if (!ps[i].type) return NULL;
    }
    n->params = ps;
    if (ft->result && !(n->result = weft_ty_subst_val(arena, map, ft->result))) return NULL;
    if (ft->params_tuple &&
        !(n->params_tuple = weft_ty_subst_val(arena, map, ft->params_tuple)))
        return NULL;
    return n;
}

static bool subst_named(weft_ty_arena_t *arena, const weft_ty_rmap_t *map, uint32_t n,
                        const weft_ty_named_t *in, const weft_ty_named_t **out)
{
    weft_ty_named_t *v = weft_ty_alloc(arena, (size_t)n * sizeof *v);
    if (!v) return false;
    for (uint32_t i = 0; i < n; i++) {
        v[i].name = in[i].name;
        if (!weft_ty_subst_extern(arena, map, &in[i].type, &v[i].type)) return false;
    }
    *out = v;
    return true;
}

bool weft_ty_subst_extern(weft_ty_arena_t *arena, const weft_ty_rmap_t *map,
                          const weft_ty_extern_t *in, weft_ty_extern_t *out)
{
    *out = *in;
    if (!map || (!map->count && !map->ntags)) return true;
    switch (in->kind) {
    case WEFT_CEXT_FUNC:
        return (out->u.func = subst_func(arena, map, in->u.func)) != NULL;
    case WEFT_CEXT_VALUE:
        return (out->u.value = weft_ty_subst_val(arena, map, in->u.value)) != NULL;
    case WEFT_CEXT_TYPE:
        switch (in->u.type.kind) {
        case WEFT_TYD_VAL:
            return (out->u.type.u.val = weft_ty_subst_val(arena, map, in->u.type.u.val)) !=
                   NULL;
        case WEFT_TYD_RESOURCE:
            out->u.type.u.resource = weft_ty_rmap_get(map, in->u.type.u.resource);
            out->u.type.tag = tag_get(map, in->u.type.tag);
            return true;
        case WEFT_TYD_FUNC:
            return (out->u.type.u.func = subst_func(arena, map, in->u.type.u.func)) != NULL;
        default:
            return true; /* instance/component types as types: closed */
        }
    case WEFT_CEXT_INSTANCE: {
        weft_ty_instance_t *it = weft_ty_alloc(arena, sizeof *it);
        if (!it) return false;
        it->nexports = in->u.instance->nexports;
        if (!subst_named(arena, map, it->nexports, in->u.instance->exports, &it->exports))
            return false;
        out->u.instance = it;
        return true;
    }
    case WEFT_CEXT_COMPONENT: {
        weft_ty_component_t *ct = weft_ty_alloc(arena, sizeof *ct);
        if (!ct) return false;
        *ct = *in->u.component;
        if (!subst_named(arena, map, ct->nimports, in->u.component->imports, &ct->imports) ||
            !subst_named(arena, map, ct->nexports, in->u.component->exports, &ct->exports))
            return false;
        out->u.component = ct;
        return true;
    }
    default:
        return true;
    }
}
