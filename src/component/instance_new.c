/* instance_new.c - instantiation: replays a component's definitions in binary order
 * (Explainer.md "Instance Definitions", "Alias Definitions", "Canonical Definitions",
 * "Import and Export Definitions"), building each index space of the new instance. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "component/async_stream.h"
#include "component/async.h"
#include "component/instance.h"
#include "core/module.h"
#include "util/error.h"

/* Where the imports of an instantiation come from: a linker (top level) or the `with`
 * arguments of a nested instantiation, resolved in the parent instance. */
typedef struct args_src {
    const weft_component_linker_t *linker;
    weft_cstate_t *parent;
    const weft_cinstance_t *inst; /* parent's instantiate expression */
} args_src_t;

static weft_error_t *link_err(weft_cstate_t *st, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
static weft_error_t *link_err(weft_cstate_t *st, const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    return weft__error_new(&st->root->alloc, WEFT_ERROR_LINK, UINT64_MAX, "%s", buf);
}

static weft_error_t *oom(void) { return weft__error_oom(); }

static bool name_eq(const char *a, size_t alen, const char *b, size_t blen)
{
    return alen == blen && (alen == 0 || memcmp(a, b, alen) == 0);
}

static const weft_cexp_t *inst_export(const weft_component_instance_t *in, const char *name,
                                      size_t len)
{
    if (!in) return NULL;
    for (uint32_t i = 0; i < in->nexports; i++) {
        if (name_eq(in->exports[i].name, in->exports[i].name_len, name, len))
            return &in->exports[i];
    }
    return NULL;
}

/* Binds the resource types named in instance type `t` (this instance's view) to the runtime
 * types that `in` exports under the same names, recursively through nested instances. */
static bool bind_instance(weft_cstate_t *st, const weft_ty_instance_t *t,
                          const weft_component_instance_t *in)
{
    if (!t || !in) return true;
    for (uint32_t i = 0; i < t->nexports; i++) {
        const weft_ty_named_t *e = &t->exports[i];
        const weft_cexp_t *x = inst_export(in, e->name.ptr, e->name.len);
        if (!x) continue;
        if (e->type.kind == WEFT_CEXT_TYPE && e->type.u.type.kind == WEFT_TYD_RESOURCE &&
            x->sort == WEFT_CSORT_TYPE && x->u.rt) {
            if (!weft__cstate_bind(st, e->type.u.type.u.resource, x->u.rt)) return false;
        } else if (e->type.kind == WEFT_CEXT_INSTANCE && x->sort == WEFT_CSORT_INSTANCE) {
            if (!bind_instance(st, e->type.u.instance, x->u.instance)) return false;
        }
    }
    return true;
}

/* The runtime item at (sort, index) of st, as an export record. */
static bool item_of(weft_cstate_t *st, uint8_t sort, uint32_t index, weft_cexp_t *out)
{
    memset(out, 0, sizeof *out);
    out->sort = sort;
    switch (sort) {
    case WEFT_CSORT_FUNC: out->u.func = st->funcs[index]; return out->u.func != NULL;
    case WEFT_CSORT_INSTANCE: out->u.instance = st->instances[index]; return out->u.instance;
    case WEFT_CSORT_TYPE: out->u.rt = st->types[index]; return true;
    case WEFT_CSORT_CORE_MODULE: out->u.module = st->core_modules[index]; return out->u.module;
    case WEFT_CSORT_COMPONENT:
        out->u.component = st->components[index];
        return out->u.component != NULL;
    default: return false;
    }
}

static weft_cstate_t *outer_state(weft_cstate_t *st, uint32_t count)
{
    while (st && count-- > 0) st = st->env;
    return st;
}

static weft_error_t *instantiate(weft_croot_t *root, const weft_cclosure_t *cl,
                                 const args_src_t *src, weft_cstate_t **out);

/* ---- imports --------------------------------------------------------------------------- */

/* A component function for a host function of the linker, typed by the import. */
static weft_component_func_t *host_func(weft_cstate_t *st, const weft_clink_entry_t *e,
                                        const weft_ty_func_t *type)
{
    if (e->kind == WEFT_CLINK_CFUNC) return e->cfunc;
    if (e->kind != WEFT_CLINK_HOST_FUNC) return NULL;
    weft_component_func_t *f = weft__croot_alloc(st->root, sizeof *f);
    if (!f) return NULL;
    f->kind = WEFT_CFUNC_HOST;
    f->type = type;
    f->host = e->fn;
    f->host_env = e->env;
    return f;
}

/* An instance made of the linker's definitions in `name`, shaped by instance type t. */
static weft_error_t *linker_bag(weft_cstate_t *st, const weft_component_linker_t *l,
                                const char *name, size_t len, const weft_ty_instance_t *t,
                                weft_component_instance_t **out)
{
    weft_component_instance_t *in = weft__croot_alloc(st->root, sizeof *in);
    if (!in) return oom();
    in->exports = weft__croot_alloc(st->root, (t->nexports + 1) * sizeof *in->exports);
    if (!in->exports) return oom();
    for (uint32_t i = 0; i < t->nexports; i++) {
        const weft_ty_named_t *te = &t->exports[i];
        const weft_clink_entry_t *e = weft__linker_find(l, name, len, te->name.ptr, te->name.len);
        weft_cexp_t *x = &in->exports[in->nexports];
        x->name = te->name.ptr;
        x->name_len = te->name.len;
        if (te->type.kind == WEFT_CEXT_FUNC) {
            if (!e) {
                return link_err(st, "missing import: `%.*s` in instance `%.*s`",
                                (int)te->name.len, te->name.ptr, (int)len, name);
            }
            x->sort = WEFT_CSORT_FUNC;
            x->u.func = host_func(st, e, te->type.u.func);
            if (!x->u.func) {
                return link_err(st, "import `%.*s` in instance `%.*s` is not a function",
                                (int)te->name.len, te->name.ptr, (int)len, name);
            }
        } else if (te->type.kind == WEFT_CEXT_TYPE) {
            x->sort = WEFT_CSORT_TYPE;
            if (te->type.u.type.kind == WEFT_TYD_RESOURCE) {
                if (!e || e->kind != WEFT_CLINK_RESOURCE) {
                    return link_err(st, "missing resource import: `%.*s` in instance `%.*s`",
                                    (int)te->name.len, te->name.ptr, (int)len, name);
                }
                x->u.rt = e->rt;
            }
        } else {
            return link_err(st, "unsupported import kind in instance `%.*s`", (int)len, name);
        }
        in->nexports++;
    }
    *out = in;
    return NULL;
}

/* Resolves one import of st: *x receives the runtime item. */
static weft_error_t *resolve_import(weft_cstate_t *st, const args_src_t *src,
                                    const weft_cimport_t *im, uint8_t sort, uint32_t idx,
                                    weft_cexp_t *x)
{
    const weft_name_t *n = &im->name.name;
    memset(x, 0, sizeof *x);
    x->sort = sort;
    if (src->parent) {
        const weft_cinstance_t *ci = src->inst;
        for (uint32_t i = 0; i < ci->nargs; i++) {
            const weft_carg_t *a = &ci->args[i];
            if (!name_eq(a->name.name.ptr, a->name.name.len, n->ptr, n->len)) continue;
            if (!item_of(src->parent, a->item.sort, a->item.index, x) || x->sort != sort)
                return link_err(st, "import `%.*s`: argument of the wrong kind", (int)n->len,
                                n->ptr);
            return NULL;
        }
        return link_err(st, "missing import: `%.*s`", (int)n->len, n->ptr);
    }
    const weft_component_linker_t *l = src->linker;
    const weft_cslot_t *slot = &st->valid->slots[sort][idx];
    switch (sort) {
    case WEFT_CSORT_FUNC: {
        const weft_clink_entry_t *e = l ? weft__linker_find(l, NULL, 0, n->ptr, n->len) : NULL;
        if (!e) return link_err(st, "missing import: `%.*s`", (int)n->len, n->ptr);
        x->u.func = host_func(st, e, slot->func);
        if (!x->u.func)
            return link_err(st, "import `%.*s` is not a function", (int)n->len, n->ptr);
        return NULL;
    }
    case WEFT_CSORT_INSTANCE: {
        const weft_clink_entry_t *e = l ? weft__linker_find(l, NULL, 0, n->ptr, n->len) : NULL;
        if (e && e->kind == WEFT_CLINK_INSTANCE) {
            x->u.instance = e->cinstance;
            return NULL;
        }
        if (l && slot->instance && weft__linker_has_instance(l, n->ptr, n->len))
            return linker_bag(st, l, n->ptr, n->len, slot->instance, &x->u.instance);
        if (slot->instance && slot->instance->nexports == 0) {
            /* An instance with no exports needs nothing from the host. */
            x->u.instance = weft__croot_alloc(st->root, sizeof *x->u.instance);
            return x->u.instance ? NULL : oom();
        }
        return link_err(st, "missing import: `%.*s`", (int)n->len, n->ptr);
    }
    case WEFT_CSORT_TYPE: {
        if (slot->type.kind != WEFT_TYD_RESOURCE) return NULL;
        const weft_clink_entry_t *e = l ? weft__linker_find(l, NULL, 0, n->ptr, n->len) : NULL;
        if (!e || e->kind != WEFT_CLINK_RESOURCE)
            return link_err(st, "missing resource import: `%.*s`", (int)n->len, n->ptr);
        x->u.rt = e->rt;
        return NULL;
    }
    default:
        return link_err(st, "missing import: `%.*s` (%s imports need an enclosing component)",
                        (int)n->len, n->ptr, weft__csort_name(sort));
    }
}

/* ---- core instances -------------------------------------------------------------------- */

static weft_ccore_inst_t *bag_new(weft_cstate_t *st, uint32_t n)
{
    weft_ccore_inst_t *b = weft__croot_alloc(st->root, sizeof *b);
    if (!b) return NULL;
    b->names = weft__croot_alloc(st->root, (n + 1) * sizeof *b->names);
    b->name_lens = weft__croot_alloc(st->root, (n + 1) * sizeof *b->name_lens);
    b->items = weft__croot_alloc(st->root, (n + 1) * sizeof *b->items);
    if (!b->names || !b->name_lens || !b->items) return NULL;
    return b;
}

static const weft_extern_t *bag_find(const weft_ccore_inst_t *b, const char *name, size_t len)
{
    for (uint32_t i = 0; i < b->count; i++) {
        if (name_eq(b->names[i], b->name_lens[i], name, len)) return &b->items[i];
    }
    return NULL;
}

static bool core_item(weft_cstate_t *st, uint8_t sort, uint32_t index, weft_extern_t *out)
{
    switch (sort) {
    case WEFT_CSORT_CORE_FUNC: out->kind = WEFT_EXTERN_FUNC; out->of.func = st->core_funcs[index];
        return out->of.func != NULL;
    case WEFT_CSORT_CORE_TABLE: out->kind = WEFT_EXTERN_TABLE;
        out->of.table = st->core_tables[index]; return out->of.table != NULL;
    case WEFT_CSORT_CORE_MEMORY: out->kind = WEFT_EXTERN_MEMORY;
        out->of.memory = st->core_memories[index]; return out->of.memory != NULL;
    case WEFT_CSORT_CORE_GLOBAL: out->kind = WEFT_EXTERN_GLOBAL;
        out->of.global = st->core_globals[index]; return out->of.global != NULL;
    case WEFT_CSORT_CORE_TAG: out->kind = WEFT_EXTERN_TAG;
        out->of.tag = st->core_tags[index]; return out->of.tag != NULL;
    default: return false;
    }
}

static weft_error_t *core_instantiate(weft_cstate_t *st, const weft_cinstance_t *ci,
                                      weft_ccore_inst_t **out)
{
    if (ci->kind == WEFT_CINST_EXPORTS) {
        weft_ccore_inst_t *b = bag_new(st, ci->nargs);
        if (!b) return oom();
        for (uint32_t i = 0; i < ci->nargs; i++) {
            const weft_carg_t *a = &ci->args[i];
            if (!core_item(st, a->item.sort, a->item.index, &b->items[b->count]))
                return link_err(st, "unsupported core export `%.*s`", (int)a->name.name.len,
                                a->name.name.ptr);
            b->names[b->count] = a->name.name.ptr;
            b->name_lens[b->count] = a->name.name.len;
            b->count++;
        }
        *out = b;
        return NULL;
    }
    weft_module_t *m = st->core_modules[ci->of];
    if (!m) return link_err(st, "core module %u unavailable", ci->of);
    weft_extern_t *imports = weft__croot_alloc(st->root, (m->nimports + 1) * sizeof *imports);
    if (!imports) return oom();
    for (uint32_t i = 0; i < m->nimports; i++) {
        const weft_import_t *im = &m->imports[i];
        const weft_ccore_inst_t *arg = NULL;
        for (uint32_t j = 0; j < ci->nargs; j++) {
            const weft_carg_t *a = &ci->args[j];
            if (name_eq(a->name.name.ptr, a->name.name.len, im->module.ptr, im->module.len)) {
                arg = st->core_instances[a->item.index];
                break;
            }
        }
        const weft_extern_t *x = arg ? bag_find(arg, im->name.ptr, im->name.len) : NULL;
        if (!x) {
            return link_err(st, "unknown import: `%.*s::%.*s` has not been defined",
                            (int)im->module.len, im->module.ptr, (int)im->name.len,
                            im->name.ptr);
        }
        imports[i] = *x;
    }
    weft_instance_t *inst = NULL;
    weft_error_t *err = weft_instance_new(st->store, m, imports, m->nimports, &inst);
    if (err) return err;
    size_t n = weft_instance_export_count(inst);
    weft_ccore_inst_t *b = bag_new(st, (uint32_t)n);
    if (!b) return oom();
    for (size_t i = 0; i < n; i++) {
        const char *name;
        size_t len;
        if (!weft_instance_export_nth(inst, i, &name, &len, &b->items[b->count])) continue;
        b->names[b->count] = name;
        b->name_lens[b->count] = (uint32_t)len;
        b->count++;
    }
    *out = b;
    return NULL;
}

/* ---- canon definitions ----------------------------------------------------------------- */

static weft_error_t *canon_lift(weft_cstate_t *st, uint32_t k, weft_component_func_t **out)
{
    const weft_canon_t *c = &st->def->canons.items[k];
    const weft_ccanon_info_t *info = &st->valid->canons[k];
    weft_component_func_t *f = weft__croot_alloc(st->root, sizeof *f);
    if (!f) return oom();
    f->kind = WEFT_CFUNC_LIFTED;
    f->type = info->func;
    f->inst = st;
    f->core = st->core_funcs[c->func];
    f->opts = info->opts;
    if (info->opts.has_memory) f->memory = st->core_memories[info->opts.memory];
    if (info->opts.has_realloc) f->realloc = st->core_funcs[info->opts.realloc];
    if (info->opts.has_post_return) f->post_return = st->core_funcs[info->opts.post_return];
    weft__call_prepare_lifted(f);
    *out = f;
    return NULL;
}

static weft_error_t *canon_core(weft_cstate_t *st, uint32_t k, weft_func_t **out)
{
    const weft_canon_t *c = &st->def->canons.items[k];
    const weft_ccanon_info_t *info = &st->valid->canons[k];
    switch (c->op) {
    case WEFT_CANON_LOWER: {
        weft_component_func_t *target = st->funcs[c->func];
        if (!target) return link_err(st, "canon lower of an unavailable function");
        weft_error_t *err = weft__async_make_lower(st, info, target, out);
        if (err || *out) return err;
        return weft__call_make_lower(st, info, target, out);
    }
    case WEFT_CANON_RESOURCE_NEW:
    case WEFT_CANON_RESOURCE_DROP:
    case WEFT_CANON_RESOURCE_REP:
        return weft__resource_make_builtin(st, c->op, info, out);
    case WEFT_CANON_CONTEXT_GET:
    case WEFT_CANON_CONTEXT_SET:
        if (c->core_valtype != 0x7f) break;
        return weft__call_make_builtin(st, c, out);
    case WEFT_CANON_BACKPRESSURE_INC:
    case WEFT_CANON_BACKPRESSURE_DEC:
        return weft__call_make_builtin(st, c, out);
    case WEFT_CANON_STREAM_NEW: case WEFT_CANON_STREAM_READ: case WEFT_CANON_STREAM_WRITE:
    case WEFT_CANON_STREAM_CANCEL_READ: case WEFT_CANON_STREAM_CANCEL_WRITE:
    case WEFT_CANON_STREAM_DROP_READABLE: case WEFT_CANON_STREAM_DROP_WRITABLE:
    case WEFT_CANON_FUTURE_NEW: case WEFT_CANON_FUTURE_READ: case WEFT_CANON_FUTURE_WRITE:
    case WEFT_CANON_FUTURE_CANCEL_READ: case WEFT_CANON_FUTURE_CANCEL_WRITE:
    case WEFT_CANON_FUTURE_DROP_READABLE: case WEFT_CANON_FUTURE_DROP_WRITABLE:
    case WEFT_CANON_ERROR_CONTEXT_NEW: case WEFT_CANON_ERROR_CONTEXT_DEBUG_MESSAGE:
    case WEFT_CANON_ERROR_CONTEXT_DROP:
        return weft__async_make_stream_builtin(st, k, out);
    default: {
        weft_error_t *err = weft__async_make_builtin(st, k, out);
        if (err || *out) return err;
        break;
    }
    }
    {
        /* The async built-ins: instantiation succeeds, calling them traps. */
        return weft__call_make_trap(st, info->core, "async not yet supported", out);
    }
}

/* ---- the replay ------------------------------------------------------------------------ */

static weft_error_t *define_type(weft_cstate_t *st, uint32_t idx, const weft_crt_t *rt)
{
    st->types[idx] = rt;
    const weft_cslot_t *slot = &st->valid->slots[WEFT_CSORT_TYPE][idx];
    if (rt && slot->type.kind == WEFT_TYD_RESOURCE &&
        !weft__cstate_bind(st, slot->type.u.resource, rt))
        return oom();
    return NULL;
}

static weft_error_t *define_instance(weft_cstate_t *st, uint32_t idx,
                                     weft_component_instance_t *in)
{
    st->instances[idx] = in;
    if (!bind_instance(st, st->valid->slots[WEFT_CSORT_INSTANCE][idx].instance, in)) return oom();
    return NULL;
}

/* Stores runtime item x at index idx of its sort. */
static weft_error_t *define_item(weft_cstate_t *st, uint32_t idx, const weft_cexp_t *x)
{
    switch (x->sort) {
    case WEFT_CSORT_FUNC: st->funcs[idx] = x->u.func; return NULL;
    case WEFT_CSORT_INSTANCE: return define_instance(st, idx, x->u.instance);
    case WEFT_CSORT_TYPE: return define_type(st, idx, x->u.rt);
    case WEFT_CSORT_CORE_MODULE: st->core_modules[idx] = x->u.module; return NULL;
    case WEFT_CSORT_COMPONENT: st->components[idx] = x->u.component; return NULL;
    default: return NULL;
    }
}

static weft_error_t *do_alias(weft_cstate_t *st, const weft_calias_t *a, uint32_t idx)
{
    if (a->target == WEFT_CALIAS_CORE_EXPORT) {
        const weft_ccore_inst_t *b = st->core_instances[a->instance];
        const weft_extern_t *x = b ? bag_find(b, a->name.ptr, a->name.len) : NULL;
        if (!x) return link_err(st, "core export `%.*s` unavailable", (int)a->name.len, a->name.ptr);
        switch (a->sort) {
        case WEFT_CSORT_CORE_FUNC: st->core_funcs[idx] = x->of.func; break;
        case WEFT_CSORT_CORE_TABLE: st->core_tables[idx] = x->of.table; break;
        case WEFT_CSORT_CORE_MEMORY: st->core_memories[idx] = x->of.memory; break;
        case WEFT_CSORT_CORE_GLOBAL: st->core_globals[idx] = x->of.global; break;
        case WEFT_CSORT_CORE_TAG: st->core_tags[idx] = x->of.tag; break;
        default: break;
        }
        return NULL;
    }
    if (a->target == WEFT_CALIAS_EXPORT) {
        const weft_cexp_t *x = inst_export(st->instances[a->instance], a->name.ptr, a->name.len);
        if (!x) {
            if (a->sort == WEFT_CSORT_TYPE) return NULL; /* a non-resource type */
            return link_err(st, "instance export `%.*s` unavailable", (int)a->name.len,
                            a->name.ptr);
        }
        return define_item(st, idx, x);
    }
    /* outer */
    weft_cstate_t *o = outer_state(st, a->outer_count);
    if (!o) return NULL; /* an outer type alias beyond the run-time scope: no resources */
    weft_cexp_t x;
    if (a->sort == WEFT_CSORT_CORE_TYPE) return NULL;
    if (!item_of(o, a->sort, a->outer_index, &x)) return NULL;
    return define_item(st, idx, &x);
}

static weft_error_t *do_instance(weft_cstate_t *st, const weft_cinstance_t *ci, uint32_t idx)
{
    if (ci->kind == WEFT_CINST_EXPORTS) {
        weft_component_instance_t *in = weft__croot_alloc(st->root, sizeof *in);
        if (!in) return oom();
        in->exports = weft__croot_alloc(st->root, (ci->nargs + 1) * sizeof *in->exports);
        if (!in->exports) return oom();
        for (uint32_t i = 0; i < ci->nargs; i++) {
            weft_cexp_t *x = &in->exports[in->nexports];
            if (!item_of(st, ci->args[i].item.sort, ci->args[i].item.index, x)) continue;
            x->name = ci->args[i].name.name.ptr;
            x->name_len = ci->args[i].name.name.len;
            in->nexports++;
        }
        return define_instance(st, idx, in);
    }
    const weft_cclosure_t *cl = st->components[ci->of];
    if (!cl) return link_err(st, "component %u unavailable", ci->of);
    args_src_t src = {NULL, st, ci};
    weft_cstate_t *child = NULL;
    weft_error_t *err = instantiate(st->root, cl, &src, &child);
    if (err) return err;
    return define_instance(st, idx, &child->self);
}

static weft_error_t *fresh_resource(weft_cstate_t *st, uint32_t idx)
{
    const weft_cslot_t *slot = &st->valid->slots[WEFT_CSORT_TYPE][idx];
    if (slot->type.kind != WEFT_TYD_RESOURCE || slot->type.u.resource->is_abstract) return NULL;
    const weft_ty_resource_t *r = slot->type.u.resource;
    weft_crt_t *rt = weft__croot_alloc(st->root, sizeof *rt);
    if (!rt) return oom();
    rt->base.impl = st;
    rt->impl = st;
    if (r->has_dtor) rt->dtor = st->core_funcs[r->dtor];
    return define_type(st, idx, rt);
}

static weft_error_t *replay_one(weft_cstate_t *st, const args_src_t *src, const weft_citem_t *it,
                                uint32_t *counters)
{
    const weft_component_def_t *def = st->def;
    uint8_t sort;
    switch (it->kind) {
    case WEFT_CDEF_IMPORT: sort = weft__cextern_sort(def->imports.items[it->index].desc.kind); break;
    case WEFT_CDEF_EXPORT: sort = def->exports.items[it->index].item.sort; break;
    case WEFT_CDEF_ALIAS: sort = def->aliases.items[it->index].sort; break;
    case WEFT_CDEF_CANON: sort = weft__canon_sort(def->canons.items[it->index].op); break;
    case WEFT_CDEF_CORE_INSTANCE: sort = WEFT_CSORT_CORE_INSTANCE; break;
    case WEFT_CDEF_INSTANCE: sort = WEFT_CSORT_INSTANCE; break;
    case WEFT_CDEF_MODULE: sort = WEFT_CSORT_CORE_MODULE; break;
    case WEFT_CDEF_COMPONENT: sort = WEFT_CSORT_COMPONENT; break;
    case WEFT_CDEF_TYPE: sort = WEFT_CSORT_TYPE; break;
    case WEFT_CDEF_CORE_TYPE: sort = WEFT_CSORT_CORE_TYPE; break;
    case WEFT_CDEF_START: {
        const weft_cstart_t *s = &def->starts.items[it->index];
        counters[WEFT_CSORT_VALUE] += s->nresults;
        weft_component_func_t *f = st->funcs[s->func];
        if (s->nargs || s->nresults || !f) return link_err(st, "start with values unsupported");
        return weft__call_func(st->store, f, NULL, 0, NULL, 0, NULL);
    }
    case WEFT_CDEF_VALUE: counters[WEFT_CSORT_VALUE]++; return NULL;
    default: return NULL;
    }
    if (sort >= WEFT_CSORT_COUNT) return NULL;
    uint32_t idx = counters[sort]++;
    if (idx >= def->spaces[sort].count) return link_err(st, "index space mismatch");

    switch (it->kind) {
    case WEFT_CDEF_IMPORT: {
        weft_cexp_t x;
        weft_error_t *err = resolve_import(st, src, &def->imports.items[it->index], sort, idx, &x);
        if (err) return err;
        return define_item(st, idx, &x);
    }
    case WEFT_CDEF_EXPORT: {
        const weft_cexport_t *e = &def->exports.items[it->index];
        weft_cexp_t x;
        if (!item_of(st, e->item.sort, e->item.index, &x)) return NULL;
        return define_item(st, idx, &x);
    }
    case WEFT_CDEF_ALIAS: return do_alias(st, &def->aliases.items[it->index], idx);
    case WEFT_CDEF_CANON:
        if (sort == WEFT_CSORT_FUNC) return canon_lift(st, it->index, &st->funcs[idx]);
        return canon_core(st, it->index, &st->core_funcs[idx]);
    case WEFT_CDEF_CORE_INSTANCE:
        return core_instantiate(st, &def->core_instances.items[it->index],
                                &st->core_instances[idx]);
    case WEFT_CDEF_INSTANCE: return do_instance(st, &def->instances.items[it->index], idx);
    case WEFT_CDEF_MODULE: st->core_modules[idx] = def->modules.items[it->index].module; return NULL;
    case WEFT_CDEF_COMPONENT: {
        weft_cclosure_t *cl = weft__croot_alloc(st->root, sizeof *cl);
        if (!cl) return oom();
        cl->def = def->components.items[it->index].def;
        cl->valid = st->valid->children[it->index];
        cl->env = st;
        st->components[idx] = cl;
        return NULL;
    }
    case WEFT_CDEF_TYPE: return fresh_resource(st, idx);
    default: return NULL;
    }
}

static weft_error_t *build_exports(weft_cstate_t *st)
{
    const weft_component_def_t *def = st->def;
    st->self.state = st;
    st->self.exports = weft__croot_alloc(st->root, (def->exports.count + 1) * sizeof(weft_cexp_t));
    if (!st->self.exports) return oom();
    for (uint32_t i = 0; i < def->exports.count; i++) {
        const weft_cexport_t *e = &def->exports.items[i];
        weft_cexp_t *x = &st->self.exports[st->self.nexports];
        if (!item_of(st, e->item.sort, e->item.index, x)) continue;
        x->name = e->name.name.ptr;
        x->name_len = e->name.name.len;
        st->self.nexports++;
    }
    return NULL;
}

static weft_error_t *instantiate(weft_croot_t *root, const weft_cclosure_t *cl,
                                 const args_src_t *src, weft_cstate_t **out)
{
    const weft_component_def_t *def = cl->def;
    weft_cstate_t *st = weft__croot_alloc(root, sizeof *st);
    if (!st) return oom();
    st->root = root;
    st->store = root->store;
    st->def = def;
    st->valid = cl->valid;
    st->env = cl->env;
    st->parent = src->parent;
    st->may_leave = true;
    weft__handles_init(&st->handles, &root->alloc);
    st->next_in_root = root->states;
    root->states = st;
#define SPACE(field, sort)                                                                     \
    do {                                                                                       \
        st->field = weft__croot_alloc(root, (def->spaces[sort].count + 1) * sizeof *st->field); \
        if (!st->field) return oom();                                                          \
    } while (0)
    SPACE(core_funcs, WEFT_CSORT_CORE_FUNC);
    SPACE(core_tables, WEFT_CSORT_CORE_TABLE);
    SPACE(core_memories, WEFT_CSORT_CORE_MEMORY);
    SPACE(core_globals, WEFT_CSORT_CORE_GLOBAL);
    SPACE(core_tags, WEFT_CSORT_CORE_TAG);
    SPACE(core_modules, WEFT_CSORT_CORE_MODULE);
    SPACE(core_instances, WEFT_CSORT_CORE_INSTANCE);
    SPACE(funcs, WEFT_CSORT_FUNC);
    SPACE(instances, WEFT_CSORT_INSTANCE);
    SPACE(components, WEFT_CSORT_COMPONENT);
    SPACE(types, WEFT_CSORT_TYPE);
#undef SPACE
    uint32_t counters[WEFT_CSORT_COUNT] = {0};
    for (uint32_t i = 0; i < def->order.count; i++) {
        weft_error_t *err = replay_one(st, src, &def->order.items[i], counters);
        if (err) return err;
    }
    weft_error_t *err = build_exports(st);
    if (err) return err;
    *out = st;
    return NULL;
}

weft_error_t *weft_component_instance_new(weft_store_t *store, const weft_component_t *component,
                                          const weft_component_linker_t *linker,
                                          weft_component_instance_t **out)
{
    const weft_alloc_t dflt = {weft__default_alloc, NULL};
    if (!store || !component || !out) {
        return weft__error_new(store ? &store->alloc : &dflt, WEFT_ERROR_INVALID_ARG, UINT64_MAX,
                               "weft_component_instance_new: invalid argument");
    }
    *out = NULL;
    if (linker && linker->engine != store->engine) {
        return weft__error_new(&store->alloc, WEFT_ERROR_INVALID_ARG, UINT64_MAX,
                               "weft_component_instance_new: linker of another engine");
    }
    weft_croot_t *root = weft__croot_new(store, (weft_component_t *)component);
    if (!root) return oom();
    weft_cclosure_t cl = {component->def, component->valid, NULL};
    args_src_t src = {linker, NULL, NULL};
    weft_cstate_t *st = NULL;
    weft_error_t *err = instantiate(root, &cl, &src, &st);
    if (err) return err;
    *out = &st->self;
    return NULL;
}
