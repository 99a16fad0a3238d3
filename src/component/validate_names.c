/* validate_names.c - import/export names (Explainer.md "Import and Export Definitions": the
 * externname grammar, annotations, attributes and strong uniqueness). */
#include <stdio.h>
#include <string.h>

#include "component/validate_internal.h"

static bool lower_c(char c) { return c >= 'a' && c <= 'z'; }
static bool upper_c(char c) { return c >= 'A' && c <= 'Z'; }
static bool digit_c(char c) { return c >= '0' && c <= '9'; }

bool weft__cv_is_kebab(weft_name_t n)
{
    if (n.len == 0) return false;
    uint32_t i = 0;
    bool first = true;
    while (i <= n.len) {
        /* one fragment: all lowercase+digits or all uppercase+digits; the first starts with
         * a letter */
        uint32_t s = i;
        int kase = 0; /* 1 lower, 2 upper */
        while (i < n.len && n.ptr[i] != '-') {
            char c = n.ptr[i];
            if (lower_c(c)) {
                if (kase == 2) return false;
                kase = 1;
            } else if (upper_c(c)) {
                if (kase == 1) return false;
                kase = 2;
            } else if (!digit_c(c)) {
                return false;
            } else if (i == s && first) {
                return false;
            }
            i++;
        }
        if (i == s) return false; /* empty fragment */
        first = false;
        if (i == n.len) return true;
        i++; /* '-' */
        if (i == n.len) return false;
    }
    return true;
}

static char lc(char c) { return upper_c(c) ? (char)(c - 'A' + 'a') : c; }

bool weft__cv_label_eq_ci(weft_name_t a, weft_name_t b)
{
    if (a.len != b.len) return false;
    for (uint32_t i = 0; i < a.len; i++)
        if (lc(a.ptr[i]) != lc(b.ptr[i])) return false;
    return true;
}

static weft_name_t sub(weft_name_t n, uint32_t from, uint32_t to)
{
    weft_name_t r = {n.ptr + from, to - from};
    return r;
}

static bool starts(weft_name_t n, const char *p)
{
    size_t l = strlen(p);
    return n.len >= l && memcmp(n.ptr, p, l) == 0;
}

/* Strong-uniqueness key: lowercased, `[method]l.l`/`[static]l.l` -> `l`, other annotations
 * except `[constructor]` stripped. Written to buf; returns its length. */
static uint32_t canon_key(weft_name_t n, char *buf, uint32_t cap)
{
    weft_name_t s = n;
    if (starts(n, "[method]") || starts(n, "[static]")) {
        s = sub(n, 8, n.len);
        const char *dot = memchr(s.ptr, '.', s.len);
        if (dot) {
            weft_name_t r = sub(s, 0, (uint32_t)(dot - s.ptr));
            weft_name_t f = sub(s, r.len + 1, s.len);
            if (weft__cv_label_eq_ci(r, f)) s = r;
        }
    }
    uint32_t l = s.len < cap ? s.len : cap;
    for (uint32_t i = 0; i < l; i++) buf[i] = lc(s.ptr[i]);
    return l;
}

static bool kebab_or_fail(vstate_t *st, uint32_t off, weft_name_t n)
{
    if (!weft__cv_is_kebab(n))
        return weft__cv_fail(st, off, "`%.*s` is not in kebab case", (int)n.len, n.ptr);
    return true;
}

static bool words_ok(weft_name_t n)
{
    /* words ::= first-word ('-' word)*: lowercase only */
    if (!weft__cv_is_kebab(n)) return false;
    for (uint32_t i = 0; i < n.len; i++)
        if (upper_c(n.ptr[i])) return false;
    return true;
}

static bool semver_ok(vstate_t *st, uint32_t off, weft_name_t v)
{
    /* major.minor.patch(-pre)?(+build)? with numeric identifiers without leading zeros */
    uint32_t i = 0;
    for (int part = 0; part < 3; part++) {
        uint32_t s = i;
        while (i < v.len && digit_c(v.ptr[i])) i++;
        if (i == s) {
            if (i >= v.len) return weft__cv_fail(st, off, "unexpected end of input");
            return weft__cv_fail(st, off, "unexpected character '%c'", v.ptr[i]);
        }
        if (i - s > 1 && v.ptr[s] == '0')
            return weft__cv_fail(st, off, "invalid leading zero");
        if (part < 2) {
            if (i >= v.len) return weft__cv_fail(st, off, "unexpected end of input");
            if (v.ptr[i] != '.')
                return weft__cv_fail(st, off, "unexpected character '%c'", v.ptr[i]);
            i++;
        }
    }
    if (i < v.len && v.ptr[i] != '-' && v.ptr[i] != '+')
        return weft__cv_fail(st, off, "unexpected character '%c'", v.ptr[i]);
    while (i < v.len) {
        char c = v.ptr[i++];
        if (!(lower_c(c) || upper_c(c) || digit_c(c) || c == '-' || c == '.' || c == '+'))
            return weft__cv_fail(st, off, "unexpected character '%c'", c);
        if (c == '.' && (i == v.len || v.ptr[i] == '.'))
            return weft__cv_fail(st, off, "empty identifier segment");
    }
    return true;
}

/* interfacename ::= namespace words projection interfaceversion? (🪺 nested allowed) */
static bool interface_ok(vstate_t *st, uint32_t off, weft_name_t n)
{
    const char *colon = memchr(n.ptr, ':', n.len);
    uint32_t c = (uint32_t)(colon - n.ptr);
    weft_name_t ns = sub(n, 0, c);
    if (!words_ok(ns))
        return weft__cv_fail(st, off, "`%.*s` is not in kebab case", (int)ns.len, ns.ptr);
    weft_name_t rest = sub(n, c + 1, n.len);
    const char *at = memchr(rest.ptr, '@', rest.len);
    weft_name_t path = at ? sub(rest, 0, (uint32_t)(at - rest.ptr)) : rest;
    const char *slash = memchr(path.ptr, '/', path.len);
    if (!slash) return weft__cv_fail(st, off, "expected `/` after package name");
    weft_name_t pkg = sub(path, 0, (uint32_t)(slash - path.ptr));
    if (memchr(pkg.ptr, ':', pkg.len)) {
        /* 🪺 nested namespaces are not enabled */
        return weft__cv_fail(st, off, "`%.*s` is not in kebab case", (int)pkg.len, pkg.ptr);
    }
    if (!words_ok(pkg))
        return weft__cv_fail(st, off, "`%.*s` is not in kebab case", (int)pkg.len, pkg.ptr);
    weft_name_t iface = sub(path, pkg.len + 1, path.len);
    const char *slash2 = memchr(iface.ptr, '/', iface.len);
    if (slash2) {
        weft_name_t tail = sub(iface, (uint32_t)(slash2 - iface.ptr), iface.len);
        return weft__cv_fail(st, off, "trailing characters found: `%.*s`", (int)tail.len,
                             tail.ptr);
    }
    if (!kebab_or_fail(st, off, iface)) return false;
    if (at) return semver_ok(st, off, sub(rest, (uint32_t)(at - rest.ptr) + 1, rest.len));
    return true;
}

static const weft_ty_resource_t *resource_named(vscope_t *sc, weft_name_t r)
{
    vnamed_t *lists[2] = {&sc->imports, &sc->exports};
    for (int k = 0; k < 2; k++)
        for (uint32_t i = 0; i < lists[k]->count; i++) {
            const weft_ty_named_t *n = &lists[k]->items[i];
            if (n->type.kind == WEFT_CEXT_TYPE && n->type.u.type.kind == WEFT_TYD_RESOURCE &&
                n->name.len == r.len && memcmp(n->name.ptr, r.ptr, r.len) == 0)
                return n->type.u.type.u.resource;
        }
    return NULL;
}

static bool plain_name(vstate_t *st, vscope_t *sc, weft_name_t n, const weft_ty_extern_t *t,
                       uint32_t off)
{
    if (n.len && n.ptr[0] == '[') {
        bool ctor = starts(n, "[constructor]"), meth = starts(n, "[method]"),
             stat = starts(n, "[static]");
        if (!ctor && !meth && !stat)
            return weft__cv_fail(st, off, "`%.*s` is not a valid extern name", (int)n.len, n.ptr);
        if (t->kind != WEFT_CEXT_FUNC)
            return weft__cv_fail(st, off, "`%.*s` is not a func", (int)n.len, n.ptr);
        weft_name_t rest = sub(n, ctor ? 13 : 8, n.len), r = rest, f = {0, 0};
        if (!ctor) {
            const char *dot = memchr(rest.ptr, '.', rest.len);
            if (!dot) return weft__cv_fail(st, off, "failed to find `.` character");
            r = sub(rest, 0, (uint32_t)(dot - rest.ptr));
            f = sub(rest, r.len + 1, rest.len);
        }
        if (!kebab_or_fail(st, off, r)) return false;
        if (!ctor && !kebab_or_fail(st, off, f)) return false;
        const weft_ty_func_t *ft = t->u.func;
        const weft_ty_resource_t *res = resource_named(sc, r);
        if (ctor) {
            const weft_ty_val_t *rt = ft->result;
            if (rt && rt->kind == WEFT_TY_RESULT) rt = rt->fields[0].type;
            if (!rt || rt->kind != WEFT_TY_OWN)
                return weft__cv_fail(st, off,
                                     "function should return `(own $T)` or `(result (own $T))`");
            if (!res || rt->resource != res)
                return weft__cv_fail(st, off, "function does not match expected resource name "
                                              "`%.*s`", (int)r.len, r.ptr);
        } else if (meth) {
            if (ft->nparams == 0)
                return weft__cv_fail(st, off, "method should have at least one argument");
            if (ft->params[0].name.len != 4 || memcmp(ft->params[0].name.ptr, "self", 4) != 0)
                return weft__cv_fail(st, off, "method should have a first argument called `self`");
            const weft_ty_val_t *p = ft->params[0].type;
            if (p->kind != WEFT_TY_BORROW)
                return weft__cv_fail(st, off,
                                     "method should take a first argument of `(borrow $T)`");
            if (!res || p->resource != res)
                return weft__cv_fail(st, off, "function does not match expected resource name "
                                              "`%.*s`", (int)r.len, r.ptr);
        } else if (!res) {
            return weft__cv_fail(st, off, "static resource name is not known in this context");
        }
        return true;
    }
    return kebab_or_fail(st, off, n);
}

bool weft__cv_extern_name(vstate_t *st, vscope_t *sc, const weft_cextname_t *name,
                          const weft_ty_extern_t *t, bool is_import, uint32_t offset)
{
    weft_name_t n = name->name;
    const char *what = is_import ? "import" : "export";
    bool iface = memchr(n.ptr, ':', n.len) != NULL;
    /* attributes 🏷️ */
    bool seen[3] = {false, false, false};
    for (uint32_t i = 0; i < name->nattrs; i++) {
        const weft_cattr_t *a = &name->attrs[i];
        if (a->kind > 2 || seen[a->kind])
            return weft__cv_fail(st, a->offset, "duplicate attribute");
        seen[a->kind] = true;
        if (a->kind == WEFT_CATTR_IMPLEMENTS) {
            if (t->kind != WEFT_CEXT_INSTANCE)
                return weft__cv_fail(st, a->offset,
                                     "only instances can have an `implements` attribute");
            if (iface)
                return weft__cv_fail(st, a->offset, "name `%.*s` is not valid with `implements`",
                                     (int)n.len, n.ptr);
            if (!memchr(a->value.ptr, ':', a->value.len))
                return weft__cv_fail(st, a->offset, "`implements` value is not a valid name");
            if (!interface_ok(st, a->offset, a->value)) return false;
        }
    }
    if (n.len == 0) return weft__cv_fail(st, offset, "`` is not in kebab case");
    if (iface) {
        if (!interface_ok(st, offset, n)) return false;
    } else if (!plain_name(st, sc, n, t, offset)) {
        return false;
    }
    /* strong uniqueness against the previous names of the same list */
    vnames_t *seenv = is_import ? &sc->import_names : &sc->export_names;
    char k1[256], k2[256];
    uint32_t l1 = canon_key(n, k1, sizeof k1);
    for (uint32_t i = 0; i < seenv->count; i++) {
        weft_name_t p = seenv->items[i];
        uint32_t l2 = canon_key(p, k2, sizeof k2);
        if (l1 == l2 && memcmp(k1, k2, l1) == 0) {
            if (p.len == n.len && memcmp(p.ptr, n.ptr, n.len) == 0 && !is_import)
                return weft__cv_fail(st, offset,
                                     "export name `%.*s` already defined (conflicts with previous "
                                     "name `%.*s`)",
                                     (int)n.len, n.ptr, (int)p.len, p.ptr);
            return weft__cv_fail(st, offset, "%s name `%.*s` conflicts with previous name `%.*s`",
                                 what, (int)n.len, n.ptr, (int)p.len, p.ptr);
        }
    }
    if (seenv->count == seenv->cap) {
        size_t cap = seenv->cap;
        if (weft__grow(&st->alloc, (void **)&seenv->items, &cap, (size_t)seenv->count + 1,
                       sizeof *seenv->items))
            return weft__cv_oom(st);
        seenv->cap = (uint32_t)cap;
    }
    seenv->items[seenv->count++] = n;
    return true;
}
