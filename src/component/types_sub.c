/* types_sub.c - subtyping of resolved component types (Explainer.md "Type checking",
 * "Subtyping") and resource substitution. Messages follow the reference tests' wording. */
#include "component/types.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "component/component.h"

typedef struct cx {
    weft_ty_rmap_t *map;
    char *why;
    size_t cap;
} cx_t;

static bool fail(cx_t *c, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
static bool fail(cx_t *c, const char *fmt, ...)
{
    if (c->why && c->cap) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(c->why, c->cap, fmt, ap);
        va_end(ap);
    }
    return false;
}

/* Prepends "ctx: " to the reason already written. */
static bool ctx(cx_t *c, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
static bool ctx(cx_t *c, const char *fmt, ...)
{
    if (!c->why || !c->cap) return false;
    char pre[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(pre, sizeof pre, fmt, ap);
    va_end(ap);
    size_t pl = strlen(pre), wl = strlen(c->why);
    if (pl + 2 + wl + 1 > c->cap) {
        if (pl + 2 >= c->cap) return false;
        wl = c->cap - pl - 3;
    }
    memmove(c->why + pl + 2, c->why, wl);
    memcpy(c->why, pre, pl);
    c->why[pl] = ':';
    c->why[pl + 1] = ' ';
    c->why[pl + 2 + wl] = '\0';
    return false;
}

const weft_ty_resource_t *weft_ty_rmap_get(const weft_ty_rmap_t *map,
                                           const weft_ty_resource_t *r)
{
    if (map)
        for (uint32_t i = 0; i < map->count; i++)
            if (map->from[i] == r) return map->to[i];
    return r;
}

static bool bind(cx_t *c, const weft_ty_resource_t *placeholder, const weft_ty_resource_t *r)
{
    if (!c->map) return placeholder == r;
    for (uint32_t i = 0; i < c->map->count; i++)
        if (c->map->from[i] == placeholder) return c->map->to[i] == r;
    if (c->map->count >= WEFT_TY_RMAP_MAX) return fail(c, "too many resource types");
    c->map->from[c->map->count] = placeholder;
    c->map->to[c->map->count++] = r;
    return true;
}

static void nm(char *buf, size_t cap, weft_name_t n)
{
    snprintf(buf, cap, "%.*s", (int)(n.len > 120 ? 120 : n.len), n.ptr);
}

static bool val_sub(cx_t *c, const weft_ty_val_t *a, const weft_ty_val_t *b);
static bool func_sub(cx_t *c, const weft_ty_func_t *a, const weft_ty_func_t *b);

static bool opt_sub(cx_t *c, const weft_ty_val_t *a, const weft_ty_val_t *b, const char *what)
{
    if (!a && !b) return true;
    if (a && b) return val_sub(c, a, b) || ctx(c, "type mismatch in %s%s", what,
                                                    what[0] == 'e' && what[1] == 'l' ? ""
                                                                                     : " variant");
    if (b) return fail(c, "expected %s type, but found none", what);
    return fail(c, "expected %s type to not be present", what);
}

static bool labels_eq(weft_name_t x, weft_name_t y)
{
    return x.len == y.len && (x.len == 0 || memcmp(x.ptr, y.ptr, x.len) == 0);
}

static bool val_sub(cx_t *c, const weft_ty_val_t *a, const weft_ty_val_t *b)
{
    if (a == b && !(a->bits & (WEFT_TYB_OWN | WEFT_TYB_BORROW | WEFT_TYB_ASYNC))) return true;
    char n1[128], n2[128];
    if (a->kind != b->kind) {
        if (weft_ty_is_prim(a) && weft_ty_is_prim(b))
            return fail(c, "expected primitive `%s` found primitive `%s`",
                        weft_ty_kind_name(b->kind), weft_ty_kind_name(a->kind));
        return fail(c, "expected %s, found %s", weft_ty_kind_name(b->kind),
                    weft_ty_kind_name(a->kind));
    }
    switch (a->kind) {
    case WEFT_TY_LIST:
        return val_sub(c, a->elem, b->elem) || ctx(c, "type mismatch in list element");
    case WEFT_TY_FIXED_LIST:
        if (a->len != b->len)
            return fail(c, "expected list of length %u, found %u", b->len, a->len);
        return val_sub(c, a->elem, b->elem) || ctx(c, "type mismatch in list element");
    case WEFT_TY_MAP:
        return (val_sub(c, a->key, b->key) || ctx(c, "type mismatch in map key")) &&
               (val_sub(c, a->value, b->value) || ctx(c, "type mismatch in map value"));
    case WEFT_TY_OPTION:
        return val_sub(c, a->elem, b->elem) || ctx(c, "type mismatch in option");
    case WEFT_TY_STREAM: case WEFT_TY_FUTURE:
        return opt_sub(c, a->elem, b->elem, "element");
    case WEFT_TY_RESULT:
        return opt_sub(c, a->fields[0].type, b->fields[0].type, "ok") &&
               opt_sub(c, a->fields[1].type, b->fields[1].type, "err");
    case WEFT_TY_TUPLE:
        if (a->count != b->count)
            return fail(c, "expected %u types, found %u", b->count, a->count);
        for (uint32_t i = 0; i < a->count; i++)
            if (!val_sub(c, a->fields[i].type, b->fields[i].type))
                return ctx(c, "type mismatch in tuple field %u", i);
        return true;
    case WEFT_TY_RECORD:
        if (a->count != b->count)
            return fail(c, "expected %u fields, found %u", b->count, a->count);
        for (uint32_t i = 0; i < a->count; i++) {
            nm(n2, sizeof n2, b->fields[i].label);
            if (!labels_eq(a->fields[i].label, b->fields[i].label)) {
                nm(n1, sizeof n1, a->fields[i].label);
                return fail(c, "expected field name `%s`, found `%s`", n2, n1);
            }
            if (!val_sub(c, a->fields[i].type, b->fields[i].type))
                return ctx(c, "type mismatch in record field `%s`", n2);
        }
        return true;
    case WEFT_TY_VARIANT:
        if (a->count != b->count)
            return fail(c, "expected %u cases, found %u", b->count, a->count);
        for (uint32_t i = 0; i < a->count; i++) {
            nm(n2, sizeof n2, b->fields[i].label);
            if (!labels_eq(a->fields[i].label, b->fields[i].label)) {
                nm(n1, sizeof n1, a->fields[i].label);
                return fail(c, "expected case named `%s`, found `%s`", n2, n1);
            }
            const weft_ty_val_t *x = a->fields[i].type, *y = b->fields[i].type;
            if (!x && y) return fail(c, "expected case `%s` to have a type, found none", n2);
            if (x && !y) return fail(c, "expected case `%s` to have no type", n2);
            if (x && !val_sub(c, x, y)) return ctx(c, "type mismatch in variant case `%s`", n2);
        }
        return true;
    case WEFT_TY_ENUM:
        if (a->count != b->count) return fail(c, "mismatch in enum elements");
        for (uint32_t i = 0; i < a->count; i++)
            if (!labels_eq(a->fields[i].label, b->fields[i].label))
                return fail(c, "mismatch in enum elements");
        return true;
    case WEFT_TY_FLAGS:
        if (a->count != b->count) return fail(c, "mismatch in flags elements");
        for (uint32_t i = 0; i < a->count; i++)
            if (!labels_eq(a->labels[i], b->labels[i]))
                return fail(c, "mismatch in flags elements");
        return true;
    case WEFT_TY_OWN: case WEFT_TY_BORROW: {
        /* Placeholders of either side may be bound: `b`'s while matching `(sub resource)`
         * exports, `a`'s while matching a component's imports contravariantly. */
        const weft_ty_resource_t *rb = weft_ty_rmap_get(c->map, b->resource);
        if (a->resource != rb && weft_ty_rmap_get(c->map, a->resource) != b->resource)
            return fail(c, "resource types are not the same");
        return true;
    }
    default:
        return true; /* same primitive */
    }
}

static bool def_sub(cx_t *c, const weft_ty_def_t *a, const weft_ty_def_t *b)
{
    static const char *const kinds[] = {"?", "defined type", "resource", "func", "instance",
                                        "component"};
    if (a->kind != b->kind) {
        bool ares = a->kind == WEFT_TYD_RESOURCE, bres = b->kind == WEFT_TYD_RESOURCE;
        if (ares != bres)
            return fail(c, "expected %s, found %s", bres ? "resource" : "defined type",
                        ares ? "resource" : "defined type");
        return fail(c, "expected %s type, found %s type", kinds[b->kind], kinds[a->kind]);
    }
    switch (a->kind) {
    case WEFT_TYD_VAL:
        if (weft_ty_is_prim(b->u.val) && !weft_ty_is_prim(a->u.val))
            return fail(c, "expected primitive, found %s", weft_ty_kind_name(a->u.val->kind));
        return val_sub(c, a->u.val, b->u.val);
    case WEFT_TYD_RESOURCE:
        if (b->u.resource->in_type && c->map) {
            if (!bind(c, b->u.resource, a->u.resource))
                return fail(c, "resource types are not the same");
            return true;
        }
        if (weft_ty_rmap_get(c->map, b->u.resource) != a->u.resource)
            return fail(c, "resource types are not the same");
        return true;
    case WEFT_TYD_FUNC: return func_sub(c, a->u.func, b->u.func);
    default: break;
    }
    /* instance/component types as types: compare both ways (equivalence) */
    weft_ty_extern_t ea, eb;
    ea.kind = eb.kind = a->kind == WEFT_TYD_INSTANCE ? WEFT_CEXT_INSTANCE : WEFT_CEXT_COMPONENT;
    if (a->kind == WEFT_TYD_INSTANCE) {
        ea.u.instance = a->u.instance;
        eb.u.instance = b->u.instance;
    } else {
        ea.u.component = a->u.component;
        eb.u.component = b->u.component;
    }
    return weft_ty_extern_sub_map(&ea, &eb, c->map, c->why, c->cap);
}

static bool func_sub(cx_t *c, const weft_ty_func_t *a, const weft_ty_func_t *b)
{
    if (a->is_async != b->is_async)
        return fail(c, "expected %s function, found %s function", b->is_async ? "async" : "sync",
                    a->is_async ? "async" : "sync");
    if (a->nparams != b->nparams)
        return fail(c, "expected %u parameters, found %u", b->nparams, a->nparams);
    char n1[128], n2[128];
    for (uint32_t i = 0; i < a->nparams; i++) {
        nm(n2, sizeof n2, b->params[i].name);
        if (!labels_eq(a->params[i].name, b->params[i].name)) {
            nm(n1, sizeof n1, a->params[i].name);
            return fail(c, "expected parameter named `%s`, found `%s`", n2, n1);
        }
        /* value types have no proper subtyping (equality), so the direction does not matter;
         * keep a/b in place so that bound placeholders of `b` are looked up on its side */
        if (!val_sub(c, a->params[i].type, b->params[i].type))
            return ctx(c, "type mismatch in function parameter `%s`", n2);
    }
    /* worded as the reference tests expect (the provided function is `a`) */
    if (a->result && !b->result) return fail(c, "expected a result, found none");
    if (!a->result && b->result) return fail(c, "expected no result, found one");
    if (a->result && !val_sub(c, a->result, b->result))
        return ctx(c, "type mismatch with result type");
    return true;
}

static const weft_ty_named_t *find(const weft_ty_named_t *v, uint32_t n, weft_name_t name)
{
    for (uint32_t i = 0; i < n; i++)
        if (labels_eq(v[i].name, name)) return &v[i];
    return NULL;
}

static bool extern_sub(cx_t *c, const weft_ty_extern_t *a, const weft_ty_extern_t *b);

static bool instance_sub(cx_t *c, const weft_ty_instance_t *a, const weft_ty_instance_t *b)
{
    char n[128];
    for (uint32_t i = 0; i < b->nexports; i++) {
        nm(n, sizeof n, b->exports[i].name);
        const weft_ty_named_t *x = find(a->exports, a->nexports, b->exports[i].name);
        if (!x) return fail(c, "missing expected export `%s`", n);
        if (!extern_sub(c, &x->type, &b->exports[i].type))
            return ctx(c, "type mismatch in instance export `%s`", n);
    }
    return true;
}

static bool component_sub(cx_t *c, const weft_ty_component_t *a, const weft_ty_component_t *b)
{
    char n[128];
    /* imports are contravariant: everything `a` imports, `b` must import too */
    for (uint32_t i = 0; i < a->nimports; i++) {
        nm(n, sizeof n, a->imports[i].name);
        const weft_ty_named_t *y = find(b->imports, b->nimports, a->imports[i].name);
        if (!y) return fail(c, "missing expected import `%s`", n);
        if (!extern_sub(c, &y->type, &a->imports[i].type))
            return ctx(c, "type mismatch in import `%s`", n);
    }
    for (uint32_t i = 0; i < b->nexports; i++) {
        nm(n, sizeof n, b->exports[i].name);
        const weft_ty_named_t *x = find(a->exports, a->nexports, b->exports[i].name);
        if (!x) return fail(c, "missing expected export `%s`", n);
        if (!extern_sub(c, &x->type, &b->exports[i].type))
            return ctx(c, "type mismatch in export `%s`", n);
    }
    return true;
}

const char *weft_ty_extern_kind_name(uint8_t kind)
{
    switch (kind) {
    case WEFT_CEXT_MODULE: return "module";
    case WEFT_CEXT_FUNC: return "func";
    case WEFT_CEXT_VALUE: return "value";
    case WEFT_CEXT_TYPE: return "type";
    case WEFT_CEXT_COMPONENT: return "component";
    case WEFT_CEXT_INSTANCE: return "instance";
    default: return "?";
    }
}

static bool extern_sub(cx_t *c, const weft_ty_extern_t *a, const weft_ty_extern_t *b)
{
    if (a->kind != b->kind)
        return fail(c, "expected %s, found %s", weft_ty_extern_kind_name(b->kind),
                    weft_ty_extern_kind_name(a->kind));
    switch (a->kind) {
    case WEFT_CEXT_MODULE: return weft_ty_module_sub(a->u.module, b->u.module, c->why, c->cap);
    case WEFT_CEXT_FUNC: return func_sub(c, a->u.func, b->u.func);
    case WEFT_CEXT_VALUE: return val_sub(c, a->u.value, b->u.value);
    case WEFT_CEXT_TYPE: return def_sub(c, &a->u.type, &b->u.type);
    case WEFT_CEXT_COMPONENT: return component_sub(c, a->u.component, b->u.component);
    case WEFT_CEXT_INSTANCE: return instance_sub(c, a->u.instance, b->u.instance);
    default: return fail(c, "unknown extern kind");
    }
}

/* ---------------------------------------------------------------------------------------
 * Core types
 * --------------------------------------------------------------------------------------- */

bool weft_ty_core_func_eq(const weft_ty_core_func_t *a, const weft_ty_core_func_t *b)
{
    if (a == b) return true;
    if (a->nparams != b->nparams || a->nresults != b->nresults) return false;
    for (uint32_t i = 0; i < a->nparams; i++)
        if (a->params[i] != b->params[i]) return false;
    for (uint32_t i = 0; i < a->nresults; i++)
        if (a->results[i] != b->results[i]) return false;
    return true;
}

static const char *core_kind_name(uint8_t k)
{
    static const char *const n[] = {"func", "table", "memory", "global", "tag"};
    return k < 5 ? n[k] : "?";
}

static const char *valtype_name(weft_valtype_t t)
{
    switch (t & 0xff) {
    case WEFT_T_I32: return "i32";
    case WEFT_T_I64: return "i64";
    case WEFT_T_F32: return "f32";
    case WEFT_T_F64: return "f64";
    case WEFT_T_V128: return "v128";
    case WEFT_T_FUNCREF: return "funcref";
    case WEFT_T_EXTERNREF: return "externref";
    default: return "ref";
    }
}

/* "(func (param i32) (result i64))" */
static void core_func_text(char *buf, size_t cap, const weft_ty_core_func_t *f)
{
    size_t len = (size_t)snprintf(buf, cap, "(func");
    if (f && f->nparams && len + 8 < cap) len += (size_t)snprintf(buf + len, cap - len, " (param");
    for (uint32_t i = 0; f && i < f->nparams && len + 16 < cap; i++)
        len += (size_t)snprintf(buf + len, cap - len, " %s%s", valtype_name(f->params[i]),
                                i + 1 == f->nparams ? ")" : "");
    if (f && f->nresults && len + 9 < cap)
        len += (size_t)snprintf(buf + len, cap - len, " (result");
    for (uint32_t i = 0; f && i < f->nresults && len + 16 < cap; i++)
        len += (size_t)snprintf(buf + len, cap - len, " %s%s", valtype_name(f->results[i]),
                                i + 1 == f->nresults ? ")" : "");
    if (len + 2 <= cap) snprintf(buf + len, cap - len, ")");
}

static bool limits_sub(const weft_limits_t *a, const weft_limits_t *b)
{
    if (a->min < b->min) return false;
    if (b->has_max) {
        if (!a->has_max || a->max > b->max) return false;
    }
    return true;
}

bool weft_ty_core_extern_sub(const weft_ty_core_extern_t *a, const weft_ty_core_extern_t *b,
                             char *why, size_t cap)
{
    cx_t c = {NULL, why, cap};
    if (a->kind != b->kind)
        return fail(&c, "expected %s, found %s", core_kind_name(b->kind),
                    core_kind_name(a->kind));
    switch (a->kind) {
    case WEFT_TYC_FUNC: case WEFT_TYC_TAG:
        if (!weft_ty_core_func_eq(a->func, b->func)) {
            char x[160], y[160];
            core_func_text(x, sizeof x, b->func);
            core_func_text(y, sizeof y, a->func);
            return fail(&c, "type mismatch: expected: %s, found: %s", x, y);
        }
        return true;
    case WEFT_TYC_TABLE:
        if (a->val != b->val)
            return fail(&c, "expected table element type %s, found %s", valtype_name(b->val),
                        valtype_name(a->val));
        if (a->limits.is64 != b->limits.is64 || !limits_sub(&a->limits, &b->limits))
            return fail(&c, "mismatch in table limits");
        return true;
    case WEFT_TYC_MEMORY:
        if (a->limits.shared != b->limits.shared)
            return fail(&c, "mismatch in the shared flag for memories");
        if (a->limits.is64 != b->limits.is64 || !limits_sub(&a->limits, &b->limits))
            return fail(&c, "mismatch in memory limits");
        return true;
    case WEFT_TYC_GLOBAL:
        if (a->mut != b->mut) return fail(&c, "global types differ in mutability");
        if (a->val != b->val)
            return fail(&c, "expected global type %s, found %s", valtype_name(b->val),
                        valtype_name(a->val));
        return true;
    default: return fail(&c, "unknown core extern kind");
    }
}

static bool core_names_eq(const weft_ty_core_named_t *x, const weft_ty_core_named_t *y,
                          bool with_module)
{
    return labels_eq(x->name, y->name) && (!with_module || labels_eq(x->module, y->module));
}

bool weft_ty_module_sub(const weft_ty_module_t *a, const weft_ty_module_t *b, char *why,
                        size_t cap)
{
    cx_t c = {NULL, why, cap};
    char n1[128], n2[128];
    for (uint32_t i = 0; i < a->nimports; i++) {
        const weft_ty_core_named_t *y = NULL;
        for (uint32_t j = 0; j < b->nimports && !y; j++)
            if (core_names_eq(&a->imports[i], &b->imports[j], true)) y = &b->imports[j];
        nm(n1, sizeof n1, a->imports[i].module);
        nm(n2, sizeof n2, a->imports[i].name);
        if (!y) return fail(&c, "missing expected import `%s::%s`", n1, n2);
        if (!weft_ty_core_extern_sub(&y->type, &a->imports[i].type, why, cap))
            return ctx(&c, "type mismatch in import `%s::%s`", n1, n2);
    }
    for (uint32_t i = 0; i < b->nexports; i++) {
        const weft_ty_core_named_t *x = NULL;
        for (uint32_t j = 0; j < a->nexports && !x; j++)
            if (core_names_eq(&a->exports[j], &b->exports[i], false)) x = &a->exports[j];
        nm(n2, sizeof n2, b->exports[i].name);
        if (!x) return fail(&c, "missing expected export `%s`", n2);
        if (!weft_ty_core_extern_sub(&x->type, &b->exports[i].type, why, cap))
            return ctx(&c, "type mismatch in export `%s`", n2);
    }
    return true;
}

/* ---------------------------------------------------------------------------------------
 * Entry points
 * --------------------------------------------------------------------------------------- */

bool weft_ty_val_sub(const weft_ty_val_t *a, const weft_ty_val_t *b, char *why, size_t cap)
{
    cx_t c = {NULL, why, cap};
    return val_sub(&c, a, b);
}
bool weft_ty_def_sub(const weft_ty_def_t *a, const weft_ty_def_t *b, char *why, size_t cap)
{
    cx_t c = {NULL, why, cap};
    return def_sub(&c, a, b);
}
bool weft_ty_func_sub(const weft_ty_func_t *a, const weft_ty_func_t *b, char *why, size_t cap)
{
    cx_t c = {NULL, why, cap};
    return func_sub(&c, a, b);
}
bool weft_ty_instance_sub(const weft_ty_instance_t *a, const weft_ty_instance_t *b, char *why,
                          size_t cap)
{
    weft_ty_rmap_t map;
    map.count = 0;
    cx_t c = {&map, why, cap};
    return instance_sub(&c, a, b);
}
bool weft_ty_component_sub(const weft_ty_component_t *a, const weft_ty_component_t *b,
                           char *why, size_t cap)
{
    weft_ty_rmap_t map;
    map.count = 0;
    cx_t c = {&map, why, cap};
    return component_sub(&c, a, b);
}
bool weft_ty_extern_sub(const weft_ty_extern_t *a, const weft_ty_extern_t *b, char *why,
                        size_t cap)
{
    weft_ty_rmap_t map;
    map.count = 0;
    cx_t c = {&map, why, cap};
    return extern_sub(&c, a, b);
}
bool weft_ty_extern_sub_map(const weft_ty_extern_t *a, const weft_ty_extern_t *b,
                            weft_ty_rmap_t *map, char *why, size_t cap)
{
    cx_t c = {map, why, cap};
    return extern_sub(&c, a, b);
}
