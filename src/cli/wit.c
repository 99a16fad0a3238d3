/* wit.c - `weft wit FILE`: the world of a component (its imports and exports) in WIT text
 * (component-model WIT.md), from the component's validated type: interfaces with their type
 * definitions, resources and functions.
 *
 * The world comes first, as `npx jco wit` (wasm-tools `component wit`) prints it; the
 * interfaces it imports or exports by a package path (`ns:pkg/iface@1.0.0`) follow, grouped
 * into nested `package` blocks. Names of types come from the type exports of the interface
 * (or the world) that defines them; a type that has none is written structurally. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "component/instance.h"

/* A named type: a value type node or a resource, with the scope (interface) that names it. */
typedef struct named {
    const weft_ty_val_t *val;
    const weft_ty_resource_t *res;
    weft_name_t name;
    int scope; /* index of the interface, or -1 for the world */
} named_t;

typedef struct wit {
    FILE *out;
    const weft_alloc_t *a;
    named_t *names;
    size_t nnames, cap;
    int scope; /* the interface being printed */
    const weft_name_t *scope_names; /* the import/export name of each interface */
    bool oom;
} wit_t;

static void add_name(wit_t *w, const weft_ty_val_t *v, const weft_ty_resource_t *r,
                     weft_name_t name, int scope)
{
    if (w->nnames == w->cap) {
        void *p = w->names;
        size_t cap = w->cap;
        if (weft__grow(w->a, &p, &cap, w->nnames + 1, sizeof(named_t))) {
            w->oom = true;
            return;
        }
        w->names = p;
        w->cap = cap;
    }
    named_t *n = &w->names[w->nnames++];
    n->val = v;
    n->res = r;
    n->name = name;
    n->scope = scope;
}

static bool is_named_kind(uint8_t k)
{
    return k == WEFT_TY_RECORD || k == WEFT_TY_VARIANT || k == WEFT_TY_ENUM || k == WEFT_TY_FLAGS;
}

/* Two value types equal up to visibility tags (the type an instance exports and the one its
 * functions were lifted with are the same type under two tags). */
static bool same_type(const weft_ty_val_t *a, const weft_ty_val_t *b)
{
    return a == b || (a->kind == b->kind && weft_ty_val_sub(a, b, NULL, 0) &&
                      weft_ty_val_sub(b, a, NULL, 0));
}

static const named_t *lookup_val(const wit_t *w, const weft_ty_val_t *t)
{
    /* Only definitions have names in signatures; an alias such as `type size = u64` is
     * structurally its target, and interned, so naming every u64 after it would be wrong. */
    if (!is_named_kind(t->kind)) return NULL;
    for (size_t i = 0; i < w->nnames; i++)
        if (w->names[i].val == t) return &w->names[i];
    /* Structural match, preferring the current scope. */
    const named_t *any = NULL;
    for (size_t i = 0; i < w->nnames; i++) {
        if (!w->names[i].val || !same_type(w->names[i].val, t)) continue;
        if (w->names[i].scope == w->scope) return &w->names[i];
        if (!any) any = &w->names[i];
    }
    return any;
}

static const named_t *lookup_res(const wit_t *w, const weft_ty_resource_t *r)
{
    for (size_t i = 0; i < w->nnames; i++)
        if (w->names[i].res == r) return &w->names[i];
    return NULL;
}

static void put_name(wit_t *w, weft_name_t n)
{
    /* WIT keywords used as identifiers are written with `%`. */
    static const char *const kws[] = {
        "use", "type", "func", "u8", "u16", "u32", "u64", "s8", "s16", "s32", "s64", "f32",
        "f64", "char", "bool", "string", "option", "result", "list", "record", "variant",
        "enum", "flags", "resource", "own", "borrow", "tuple", "static", "interface", "world",
        "import", "export", "package", "include", "with", "constructor", "future", "stream",
        "async", "as", "from", "error-context", "map", "_"};
    for (size_t i = 0; i < sizeof kws / sizeof kws[0]; i++)
        if (n.len == strlen(kws[i]) && !memcmp(n.ptr, kws[i], n.len)) {
            fputc('%', w->out);
            break;
        }
    fprintf(w->out, "%.*s", (int)n.len, n.ptr);
}

static void put_type(wit_t *w, const weft_ty_val_t *t);

static void put_type_list(wit_t *w, const weft_ty_val_t *t)
{
    for (uint32_t i = 0; i < t->count; i++) {
        if (i) fputs(", ", w->out);
        put_type(w, t->fields[i].type);
    }
}

/* The body of a record / variant / enum / flags definition (one item a line). */
static void put_body(wit_t *w, const weft_ty_val_t *t, const char *indent)
{
    for (uint32_t i = 0; i < t->count; i++) {
        fprintf(w->out, "%s  ", indent);
        if (t->kind == WEFT_TY_FLAGS) {
            put_name(w, t->labels[i]);
        } else {
            put_name(w, t->fields[i].label);
            if (t->kind == WEFT_TY_RECORD) {
                fputs(": ", w->out);
                put_type(w, t->fields[i].type);
            } else if (t->kind == WEFT_TY_VARIANT && t->fields[i].type) {
                fputc('(', w->out);
                put_type(w, t->fields[i].type);
                fputc(')', w->out);
            }
        }
        fputs(",\n", w->out);
    }
}

static void put_type(wit_t *w, const weft_ty_val_t *t)
{
    if (!t) {
        fputc('_', w->out);
        return;
    }
    const named_t *n = lookup_val(w, t);
    if (n) {
        put_name(w, n->name);
        return;
    }
    switch (t->kind) {
    case WEFT_TY_LIST:
        fputs("list<", w->out);
        put_type(w, t->elem);
        fputc('>', w->out);
        return;
    case WEFT_TY_FIXED_LIST:
        fputs("list<", w->out);
        put_type(w, t->elem);
        fprintf(w->out, ", %u>", (unsigned)t->len);
        return;
    case WEFT_TY_OPTION:
        fputs("option<", w->out);
        put_type(w, t->elem);
        fputc('>', w->out);
        return;
    case WEFT_TY_RESULT:
        fputs("result", w->out);
        if (t->fields[0].type || t->fields[1].type) {
            fputc('<', w->out);
            put_type(w, t->fields[0].type);
            if (t->fields[1].type) {
                fputs(", ", w->out);
                put_type(w, t->fields[1].type);
            }
            fputc('>', w->out);
        }
        return;
    case WEFT_TY_TUPLE:
        fputs("tuple<", w->out);
        put_type_list(w, t);
        fputc('>', w->out);
        return;
    case WEFT_TY_MAP:
        fputs("map<", w->out);
        put_type(w, t->key);
        fputs(", ", w->out);
        put_type(w, t->value);
        fputc('>', w->out);
        return;
    case WEFT_TY_OWN:
    case WEFT_TY_BORROW: {
        const named_t *r = lookup_res(w, t->resource);
        if (t->kind == WEFT_TY_BORROW) fputs("borrow<", w->out);
        if (r) put_name(w, r->name);
        else fputs("resource", w->out);
        if (t->kind == WEFT_TY_BORROW) fputc('>', w->out);
        return;
    }
    case WEFT_TY_STREAM:
    case WEFT_TY_FUTURE:
        fputs(t->kind == WEFT_TY_STREAM ? "stream" : "future", w->out);
        if (t->elem) {
            fputc('<', w->out);
            put_type(w, t->elem);
            fputc('>', w->out);
        }
        return;
    case WEFT_TY_RECORD:
    case WEFT_TY_VARIANT:
    case WEFT_TY_ENUM:
    case WEFT_TY_FLAGS:
        /* An unnamed definition (not valid WIT, but says what it is). */
        fprintf(w->out, "%s { ", weft_ty_kind_name(t->kind));
        for (uint32_t i = 0; i < t->count; i++) {
            if (i) fputs(", ", w->out);
            put_name(w, t->kind == WEFT_TY_FLAGS ? t->labels[i] : t->fields[i].label);
            if (t->kind == WEFT_TY_RECORD) {
                fputs(": ", w->out);
                put_type(w, t->fields[i].type);
            } else if (t->kind == WEFT_TY_VARIANT && t->fields[i].type) {
                fputc('(', w->out);
                put_type(w, t->fields[i].type);
                fputc(')', w->out);
            }
        }
        fputs(" }", w->out);
        return;
    default:
        fputs(weft_ty_kind_name(t->kind), w->out);
        return;
    }
}

/* `func(a: T, b: U) -> R` (skipping the first `skip` parameters: `self` of methods). */
static void put_func(wit_t *w, const weft_ty_func_t *f, uint32_t skip, bool is_ctor)
{
    if (!is_ctor) fputs(f->is_async ? "async func(" : "func(", w->out);
    else fputc('(', w->out);
    for (uint32_t i = skip; i < f->nparams; i++) {
        if (i > skip) fputs(", ", w->out);
        put_name(w, f->params[i].name);
        fputs(": ", w->out);
        put_type(w, f->params[i].type);
    }
    fputc(')', w->out);
    if (f->result && !is_ctor) {
        fputs(" -> ", w->out);
        put_type(w, f->result);
    }
}

static bool starts(weft_name_t n, const char *p)
{
    size_t l = strlen(p);
    return n.len >= l && !memcmp(n.ptr, p, l);
}

/* The resource a `[constructor]r` / `[method]r.m` / `[static]r.m` function belongs to. */
static bool resource_func(weft_name_t fn, weft_name_t res, const char **kind, weft_name_t *m)
{
    static const char *const pre[] = {"[constructor]", "[method]", "[static]"};
    for (int k = 0; k < 3; k++) {
        if (!starts(fn, pre[k])) continue;
        size_t pl = strlen(pre[k]);
        weft_name_t rest = {fn.ptr + pl, fn.len - (uint32_t)pl};
        if (k == 0) {
            if (rest.len != res.len || memcmp(rest.ptr, res.ptr, res.len)) return false;
            *m = rest;
        } else {
            if (rest.len <= res.len + 1 || memcmp(rest.ptr, res.ptr, res.len) ||
                rest.ptr[res.len] != '.')
                return false;
            m->ptr = rest.ptr + res.len + 1;
            m->len = rest.len - res.len - 1;
        }
        *kind = pre[k];
        return true;
    }
    return false;
}

/* Registers the type exports of a list of named externs (an interface or the world). */
static void register_types(wit_t *w, const weft_ty_named_t *items, uint32_t n, int scope)
{
    for (uint32_t i = 0; i < n; i++) {
        const weft_ty_extern_t *e = &items[i].type;
        if (e->kind != WEFT_CEXT_TYPE) continue;
        if (e->u.type.kind == WEFT_TYD_VAL) {
            /* The first name of a type wins (a later one is an alias of it). */
            const weft_ty_val_t *v = e->u.type.u.val;
            bool known = false;
            for (size_t k = 0; k < w->nnames; k++)
                if (w->names[k].val == v && w->names[k].scope == scope) known = true;
            if (!known) add_name(w, v, NULL, items[i].name, scope);
        } else if (e->u.type.kind == WEFT_TYD_RESOURCE) {
            add_name(w, NULL, e->u.type.u.resource, items[i].name, scope);
        }
    }
}

/* A type export that names a type defined by an earlier interface: `use iface.{name};`. */
static bool put_use(wit_t *w, const weft_ty_extern_t *e, weft_name_t name)
{
    const named_t *first = NULL;
    for (size_t k = 0; k < w->nnames && !first; k++) {
        const named_t *n = &w->names[k];
        if (e->u.type.kind == WEFT_TYD_RESOURCE ? n->res == e->u.type.u.resource
                                                 : (n->val == e->u.type.u.val &&
                                                    is_named_kind(n->val->kind)))
            first = n;
    }
    if (!first || first->scope == w->scope || first->scope < 0 || !w->scope_names) return false;
    weft_name_t from = w->scope_names[first->scope];
    fputs("use ", w->out);
    /* within one package the interface name alone is enough */
    weft_name_t here = w->scope >= 0 ? w->scope_names[w->scope] : from;
    const char *fs = memchr(from.ptr, '/', from.len), *hs = memchr(here.ptr, '/', here.len);
    const char *fat = fs ? memchr(fs, '@', from.len - (size_t)(fs - from.ptr)) : NULL;
    const char *hat = hs ? memchr(hs, '@', here.len - (size_t)(hs - here.ptr)) : NULL;
    size_t fpl = fs ? (size_t)(fs - from.ptr) : 0, hpl = hs ? (size_t)(hs - here.ptr) : 0;
    size_t fvl = fat ? (size_t)(from.ptr + from.len - fat) : 0;
    size_t hvl = hat ? (size_t)(here.ptr + here.len - hat) : 0;
    if (fs && hs && fpl == hpl && !memcmp(from.ptr, here.ptr, fpl) && fvl == hvl &&
        (!fvl || !memcmp(fat, hat, fvl))) {
        const char *end = fat ? fat : from.ptr + from.len;
        fprintf(w->out, "%.*s", (int)(end - fs - 1), fs + 1);
    } else {
        fprintf(w->out, "%.*s", (int)from.len, from.ptr);
    }
    fputs(".{", w->out);
    put_name(w, first->name);
    if (first->name.len != name.len || memcmp(first->name.ptr, name.ptr, name.len)) {
        fputs(" as ", w->out);
        put_name(w, name);
    }
    fputs("};\n", w->out);
    return true;
}

/* The items of an interface (or world): type definitions, resources with their functions,
 * then the free functions. `prefix` is "import " / "export " in a world, "" in an interface. */
static void put_items(wit_t *w, const weft_ty_named_t *items, uint32_t n, const char *indent,
                      const char *prefix, bool world)
{
    int saved = w->scope;
    for (uint32_t i = 0; i < n; i++) {
        const weft_ty_extern_t *e = &items[i].type;
        if (e->kind != WEFT_CEXT_TYPE) continue;
        fputs(indent, w->out);
        if (put_use(w, e, items[i].name)) continue;
        if (e->u.type.kind == WEFT_TYD_RESOURCE) {
            if (world) fputs(prefix, w->out);
            fputs("resource ", w->out);
            put_name(w, items[i].name);
            /* its functions */
            bool any = false;
            for (uint32_t j = 0; j < n; j++) {
                const char *kind;
                weft_name_t m;
                if (items[j].type.kind != WEFT_CEXT_FUNC ||
                    !resource_func(items[j].name, items[i].name, &kind, &m))
                    continue;
                if (!any) fputs(" {\n", w->out);
                any = true;
                const weft_ty_func_t *f = items[j].type.u.func;
                fprintf(w->out, "%s  ", indent);
                if (kind[1] == 'c') {
                    fputs("constructor", w->out);
                    put_func(w, f, 0, true);
                } else {
                    put_name(w, m);
                    fputs(": ", w->out);
                    if (kind[1] == 's') fputs("static ", w->out);
                    put_func(w, f, kind[1] == 'm' ? 1 : 0, false);
                }
                fputs(";\n", w->out);
            }
            fprintf(w->out, any ? "%s}\n" : ";\n", indent);
            continue;
        }
        const weft_ty_val_t *t = e->u.type.u.val;
        const named_t *nm = NULL;
        for (size_t k = 0; k < w->nnames; k++)
            if (w->names[k].val == t && w->names[k].scope == w->scope) nm = &w->names[k];
        bool first = nm && nm->name.ptr == items[i].name.ptr;
        if (first && is_named_kind(t->kind)) {
            fprintf(w->out, "%s ", weft_ty_kind_name(t->kind));
            put_name(w, items[i].name);
            fputs(" {\n", w->out);
            put_body(w, t, indent);
            fprintf(w->out, "%s}\n", indent);
        } else {
            /* an alias, a type of another interface, or a structural type */
            fputs("type ", w->out);
            put_name(w, items[i].name);
            fputs(" = ", w->out);
            const named_t *other = NULL;
            if (!first) {
                other = lookup_val(w, t);
            } else {
                /* the same node named in another scope: a `use` of it */
                for (size_t k = 0; k < w->nnames; k++)
                    if (w->names[k].val == t && w->names[k].scope != w->scope &&
                        (!other || w->names[k].scope < other->scope))
                        other = &w->names[k];
            }
            if (other && other != nm) {
                put_name(w, other->name);
            } else {
                /* print the structure itself, not the name being defined */
                w->scope = -2;
                const named_t *hidden = nm;
                if (hidden) {
                    named_t save = *hidden;
                    ((named_t *)hidden)->val = NULL;
                    put_type(w, t);
                    *(named_t *)hidden = save;
                } else {
                    put_type(w, t);
                }
                w->scope = saved;
            }
            fputs(";\n", w->out);
        }
    }
    for (uint32_t i = 0; i < n; i++) {
        const weft_ty_extern_t *e = &items[i].type;
        if (e->kind != WEFT_CEXT_FUNC) continue;
        if (starts(items[i].name, "[constructor]") || starts(items[i].name, "[method]") ||
            starts(items[i].name, "[static]")) {
            /* printed with its resource, if that is here */
            bool placed = false;
            for (uint32_t j = 0; j < n; j++) {
                const char *k;
                weft_name_t m;
                if (items[j].type.kind == WEFT_CEXT_TYPE &&
                    items[j].type.u.type.kind == WEFT_TYD_RESOURCE &&
                    resource_func(items[i].name, items[j].name, &k, &m))
                    placed = true;
            }
            if (placed) continue;
        }
        fprintf(w->out, "%s%s", indent, prefix);
        put_name(w, items[i].name);
        fputs(": ", w->out);
        put_func(w, e->u.func, 0, false);
        fputs(";\n", w->out);
    }
}

/* "ns:pkg/iface@ver": package "ns:pkg@ver", interface "iface"; false for a plain name. */
static bool split_iface(weft_name_t n, weft_name_t *pkg_ns, weft_name_t *iface, weft_name_t *ver)
{
    const char *colon = memchr(n.ptr, ':', n.len);
    const char *slash = memchr(n.ptr, '/', n.len);
    if (!colon || !slash || slash < colon) return false;
    const char *at = memchr(slash, '@', n.len - (size_t)(slash - n.ptr));
    pkg_ns->ptr = n.ptr;
    pkg_ns->len = (uint32_t)(slash - n.ptr);
    iface->ptr = slash + 1;
    iface->len = (uint32_t)((at ? at : n.ptr + n.len) - (slash + 1));
    ver->ptr = at ? at + 1 : NULL;
    ver->len = at ? (uint32_t)(n.ptr + n.len - at - 1) : 0;
    return true;
}

static bool name_eq(weft_name_t a, weft_name_t b)
{
    return a.len == b.len && (!a.len || !memcmp(a.ptr, b.ptr, a.len));
}

typedef struct iface_ref {
    const weft_ty_named_t *item;
    bool exported;
} iface_ref_t;

static int print_world(wit_t *w, const weft_ty_component_t *ct)
{
    /* Scopes: -1 the world, 0.. the instances in import-then-export order. */
    uint32_t total = ct->nimports + ct->nexports;
    iface_ref_t *ifs = weft__calloc(w->a, total + 1, sizeof *ifs);
    if (!ifs) return -1;
    uint32_t nifs = 0;
    for (uint32_t pass = 0; pass < 2; pass++) {
        const weft_ty_named_t *items = pass ? ct->exports : ct->imports;
        uint32_t n = pass ? ct->nexports : ct->nimports;
        for (uint32_t i = 0; i < n; i++)
            if (items[i].type.kind == WEFT_CEXT_INSTANCE) {
                ifs[nifs].item = &items[i];
                ifs[nifs].exported = pass == 1;
                nifs++;
            }
    }
    weft_name_t *snames = weft__calloc(w->a, nifs + 1, sizeof *snames);
    if (!snames) {
        weft__free(w->a, ifs, (total + 1) * sizeof *ifs);
        return -1;
    }
    for (uint32_t i = 0; i < nifs; i++) {
        const weft_ty_instance_t *it = ifs[i].item->type.u.instance;
        snames[i] = ifs[i].item->name;
        register_types(w, it->exports, it->nexports, (int)i);
    }
    w->scope_names = snames;
    register_types(w, ct->imports, ct->nimports, -1);
    register_types(w, ct->exports, ct->nexports, -1);
    if (w->oom) {
        weft__free(w->a, snames, (nifs + 1) * sizeof *snames);
        weft__free(w->a, ifs, (total + 1) * sizeof *ifs);
        return -1;
    }

    fputs("package root:component;\n\nworld root {\n", w->out);
    uint32_t k = 0;
    for (uint32_t pass = 0; pass < 2; pass++) {
        const weft_ty_named_t *items = pass ? ct->exports : ct->imports;
        uint32_t n = pass ? ct->nexports : ct->nimports;
        const char *prefix = pass ? "export " : "import ";
        if (pass == 1 && ct->nimports && ct->nexports) fputc('\n', w->out);
        for (uint32_t i = 0; i < n; i++) {
            weft_name_t pn, in, vn;
            if (items[i].type.kind != WEFT_CEXT_INSTANCE) continue;
            if (split_iface(items[i].name, &pn, &in, &vn)) {
                fprintf(w->out, "  %s", prefix);
                fprintf(w->out, "%.*s;\n", (int)items[i].name.len, items[i].name.ptr);
            } else {
                fprintf(w->out, "  %s", prefix);
                put_name(w, items[i].name);
                fputs(": interface {\n", w->out);
                w->scope = (int)k;
                const weft_ty_instance_t *it = items[i].type.u.instance;
                put_items(w, it->exports, it->nexports, "    ", "", false);
                w->scope = -1;
                fputs("  }\n", w->out);
            }
            k++;
        }
        /* world-level types and functions */
        w->scope = -1;
        put_items(w, items, n, "  ", prefix, true);
    }
    fputs("}\n", w->out);

    /* The interfaces named by package paths, grouped by package. */
    bool *done = weft__calloc(w->a, nifs + 1, sizeof *done);
    if (!done) {
        weft__free(w->a, snames, (nifs + 1) * sizeof *snames);
        weft__free(w->a, ifs, (total + 1) * sizeof *ifs);
        return -1;
    }
    for (uint32_t i = 0; i < nifs; i++) {
        weft_name_t pn, in, vn;
        if (done[i] || !split_iface(ifs[i].item->name, &pn, &in, &vn)) continue;
        fprintf(w->out, "\npackage %.*s", (int)pn.len, pn.ptr);
        if (vn.ptr) fprintf(w->out, "@%.*s", (int)vn.len, vn.ptr);
        fputs(" {\n", w->out);
        bool first = true;
        for (uint32_t j = i; j < nifs; j++) {
            weft_name_t pj, ij, vj;
            if (done[j] || !split_iface(ifs[j].item->name, &pj, &ij, &vj) ||
                !name_eq(pj, pn) || !name_eq(vj, vn))
                continue;
            /* the same interface imported and exported is printed once */
            bool dup = false;
            for (uint32_t q = i; q < j; q++)
                if (done[q] && name_eq(ifs[q].item->name, ifs[j].item->name)) dup = true;
            done[j] = true;
            if (dup) continue;
            if (!first) fputc('\n', w->out);
            first = false;
            fputs("  interface ", w->out);
            put_name(w, ij);
            fputs(" {\n", w->out);
            w->scope = (int)j;
            const weft_ty_instance_t *it = ifs[j].item->type.u.instance;
            put_items(w, it->exports, it->nexports, "    ", "", false);
            w->scope = -1;
            fputs("  }\n", w->out);
        }
        fputs("}\n", w->out);
    }
    weft__free(w->a, done, (nifs + 1) * sizeof *done);
    weft__free(w->a, snames, (nifs + 1) * sizeof *snames);
    weft__free(w->a, ifs, (total + 1) * sizeof *ifs);
    w->scope_names = NULL;
    return 0;
}

static void wit_usage(FILE *f)
{
    fputs("Usage: weft wit FILE\n"
          "Prints the world of the component FILE in WIT: its imports and exports, the\n"
          "interfaces they name (in `package` blocks), with their type definitions, resources\n"
          "and functions. Exit status: 0, 1 if FILE is not a valid component (or is a core\n"
          "module), 3 if it cannot be read.\n",
          f);
}

int weft__cli_wit(int argc, char **argv)
{
    if (argc == 1 && (!strcmp(argv[0], "-h") || !strcmp(argv[0], "--help"))) {
        wit_usage(stdout);
        return WEFT_CLI_OK;
    }
    if (argc != 1 || (argv[0][0] == '-' && argv[0][1])) {
        if (argc == 1) fprintf(stderr, "weft: wit: unknown option '%s'\n", argv[0]);
        wit_usage(stderr);
        return WEFT_CLI_USAGE;
    }
    const weft_alloc_t a = {weft__default_alloc, NULL};
    size_t len = 0;
    uint8_t *bytes = weft__cli_read_file(&a, argv[0], &len);
    if (!bytes) return WEFT_CLI_IO;
    if (!weft_is_component(bytes, len)) {
        fprintf(stderr, "weft: %s: not a component (a core module has no WIT world; try "
                        "'weft inspect')\n", argv[0]);
        weft__free(&a, bytes, len + 1);
        return WEFT_CLI_INVALID;
    }
    weft_engine_t *engine = weft_engine_new(NULL);
    weft_component_t *comp = NULL;
    weft_error_t *err = engine ? weft_component_new(engine, bytes, len, &comp) : NULL;
    weft__free(&a, bytes, len + 1);
    int status = WEFT_CLI_OK;
    if (!engine) {
        fputs("weft: out of memory\n", stderr);
        return WEFT_CLI_FAILURE;
    }
    if (err) {
        weft__cli_print_module_error(argv[0], err);
        status = weft_error_kind(err) == WEFT_ERROR_OOM ? WEFT_CLI_FAILURE : WEFT_CLI_INVALID;
        weft_error_delete(err);
    } else {
        wit_t w;
        memset(&w, 0, sizeof w);
        w.out = stdout;
        w.a = &a;
        w.scope = -1;
        if (print_world(&w, comp->valid->type) != 0) {
            fputs("weft: out of memory\n", stderr);
            status = WEFT_CLI_FAILURE;
        }
        weft__free(&a, w.names, w.cap * sizeof *w.names);
        weft_component_delete(comp);
    }
    weft_engine_delete(engine);
    return status;
}
