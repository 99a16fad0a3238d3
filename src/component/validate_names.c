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

/* One dot-separated identifier list of a semver pre-release ('-') or build ('+') suffix:
 * non-empty segments of [0-9A-Za-z-]; pre-release numeric segments have no leading zero.
 * Returns the index after the list. */
static bool semver_idents(vstate_t *st, uint32_t off, weft_name_t v, uint32_t *pi, bool pre)
{
    const char *what = pre ? "pre-release identifier" : "build metadata";
    uint32_t i = *pi;
    for (;;) {
        uint32_t s = i;
        bool numeric = true;
        while (i < v.len && (lower_c(v.ptr[i]) || upper_c(v.ptr[i]) || digit_c(v.ptr[i]) ||
                             v.ptr[i] == '-')) {
            if (!digit_c(v.ptr[i])) numeric = false;
            i++;
        }
        if (i == s) return weft__cv_fail(st, off, "empty identifier segment in %s", what);
        if (pre && numeric && i - s > 1 && v.ptr[s] == '0')
            return weft__cv_fail(st, off, "invalid leading zero in %s", what);
        if (i < v.len && v.ptr[i] == '.') {
            i++;
            continue;
        }
        *pi = i;
        return true;
    }
}

/* semver::Version: major.minor.patch(-pre)?(+build)? with numeric parts without leading
 * zeros (Explainer.md "Import and Export Definitions": `valid semver`). */
static bool semver_ok(vstate_t *st, uint32_t off, weft_name_t v)
{
    static const char *const part_name[3] = {"major", "minor", "patch"};
    if (v.len == 0) return weft__cv_fail(st, off, "empty string, expected a semver version");
    uint32_t i = 0;
    for (int part = 0; part < 3; part++) {
        uint32_t s = i;
        while (i < v.len && digit_c(v.ptr[i])) i++;
        if (i == s) {
            if (i >= v.len)
                return weft__cv_fail(st, off,
                                     "unexpected end of input while parsing %s version number",
                                     part_name[part]);
            return weft__cv_fail(st, off,
                                 "unexpected character '%c' while parsing %s version number",
                                 v.ptr[i], part_name[part]);
        }
        if (i - s > 1 && v.ptr[s] == '0')
            return weft__cv_fail(st, off, "invalid leading zero in %s version number",
                                 part_name[part]);
        if (part < 2) {
            if (i >= v.len)
                return weft__cv_fail(st, off,
                                     "unexpected end of input while parsing %s version number",
                                     part_name[part + 1]);
            if (v.ptr[i] != '.')
                return weft__cv_fail(st, off, "unexpected character '%c' after %s version number",
                                     v.ptr[i], part_name[part]);
            i++;
        }
    }
    if (i < v.len && v.ptr[i] == '-') {
        i++;
        if (!semver_idents(st, off, v, &i, true)) return false;
    }
    if (i < v.len && v.ptr[i] == '+') {
        i++;
        if (!semver_idents(st, off, v, &i, false)) return false;
    }
    if (i < v.len)
        return weft__cv_fail(st, off, "unexpected character '%c' after patch version number",
                             v.ptr[i]);
    return true;
}

/* The longest prefix of n from `i` made of [0-9A-Za-z-] (a kebab candidate). */
static weft_name_t take_word(weft_name_t n, uint32_t *pi)
{
    uint32_t s = *pi, i = s;
    while (i < n.len && (lower_c(n.ptr[i]) || upper_c(n.ptr[i]) || digit_c(n.ptr[i]) ||
                         n.ptr[i] == '-'))
        i++;
    *pi = i;
    return sub(n, s, i);
}

/* A namespace or package word: kebab-case and lowercase. */
static bool lowercase_word(vstate_t *st, uint32_t off, weft_name_t w)
{
    if (!kebab_or_fail(st, off, w)) return false;
    for (uint32_t i = 0; i < w.len; i++)
        if (upper_c(w.ptr[i]))
            return weft__cv_fail(st, off,
                                 "character `%c` is not lowercase in package name/namespace",
                                 w.ptr[i]);
    return true;
}

/* interfacename ::= namespace ':' package '/' interface ('@' valid-semver)? (nested namespaces
 * and projections 🪺 are not enabled). */
static bool interface_ok(vstate_t *st, uint32_t off, weft_name_t n)
{
    uint32_t i = 0;
    if (!lowercase_word(st, off, take_word(n, &i))) return false;
    if (i >= n.len || n.ptr[i] != ':')
        return weft__cv_fail(st, off, "expected `:` after namespace");
    i++;
    if (!lowercase_word(st, off, take_word(n, &i))) return false;
    if (i >= n.len || n.ptr[i] != '/')
        return weft__cv_fail(st, off, "expected `/` after package name");
    i++;
    if (!kebab_or_fail(st, off, take_word(n, &i))) return false;
    if (i < n.len && n.ptr[i] == '@') {
        uint32_t s = ++i;
        /* the version runs to the end of the name */
        return semver_ok(st, off, sub(n, s, n.len));
    }
    if (i < n.len) {
        weft_name_t tail = sub(n, i, n.len);
        return weft__cv_fail(st, off, "trailing characters found: `%.*s`", (int)tail.len,
                             tail.ptr);
    }
    return true;
}

/* The name under which resource `r` was imported (or exported) directly by the scope, or
 * NULL: annotated names resolve in the namespace of the name itself (Explainer.md "Import and
 * Export Definitions"). */
static const weft_name_t *resource_name(vscope_t *sc, const weft_ty_resource_t *r,
                                        bool is_import)
{
    vnamed_t *l = is_import ? &sc->imports : &sc->exports;
    for (uint32_t i = 0; i < l->count; i++) {
        const weft_ty_named_t *n = &l->items[i];
        if (n->type.kind == WEFT_CEXT_TYPE && n->type.u.type.kind == WEFT_TYD_RESOURCE &&
            n->type.u.type.u.resource == r)
            return &n->name;
    }
    return NULL;
}

static bool resource_named(vscope_t *sc, weft_name_t r, bool is_import)
{
    vnamed_t *l = is_import ? &sc->imports : &sc->exports;
    for (uint32_t i = 0; i < l->count; i++) {
        const weft_ty_named_t *n = &l->items[i];
        if (n->type.kind == WEFT_CEXT_TYPE && n->type.u.type.kind == WEFT_TYD_RESOURCE &&
            n->name.len == r.len && memcmp(n->name.ptr, r.ptr, r.len) == 0)
            return true;
    }
    return false;
}

/* The resource of an annotated function must be the one named by the annotation. */
static bool check_resource_name(vstate_t *st, vscope_t *sc, const weft_ty_resource_t *res,
                                weft_name_t want, bool is_import, uint32_t off)
{
    const weft_name_t *have = resource_name(sc, res, is_import);
    if (!have)
        return weft__cv_fail(st, off,
                             "resource used in function does not have a name in this context");
    if (have->len != want.len || memcmp(have->ptr, want.ptr, want.len) != 0)
        return weft__cv_fail(st, off, "function does not match expected resource name `%.*s`",
                             (int)have->len, have->ptr);
    return true;
}

static bool plain_name(vstate_t *st, vscope_t *sc, weft_name_t n, const weft_ty_extern_t *t,
                       bool is_import, uint32_t off)
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
        if (ctor) {
            const weft_ty_val_t *rt = ft->result;
            if (!rt) return weft__cv_fail(st, off, "function should return one value");
            if (rt->kind == WEFT_TY_RESULT) rt = rt->fields[0].type;
            if (!rt || rt->kind != WEFT_TY_OWN)
                return weft__cv_fail(st, off,
                                     "function should return `(own $T)` or `(result (own $T))`");
            return check_resource_name(st, sc, rt->resource, r, is_import, off);
        } else if (meth) {
            if (ft->nparams == 0)
                return weft__cv_fail(st, off, "method should have at least one argument");
            if (ft->params[0].name.len != 4 || memcmp(ft->params[0].name.ptr, "self", 4) != 0)
                return weft__cv_fail(st, off, "method should have a first argument called `self`");
            const weft_ty_val_t *p = ft->params[0].type;
            if (p->kind != WEFT_TY_BORROW)
                return weft__cv_fail(st, off,
                                     "method should take a first argument of `(borrow $T)`");
            return check_resource_name(st, sc, p->resource, r, is_import, off);
        } else if (!resource_named(sc, r, is_import)) {
            return weft__cv_fail(st, off, "static resource name is not known in this context");
        }
        return true;
    }
    return kebab_or_fail(st, off, n);
}

/* The externname grammar and attributes (Explainer.md "Import and Export Definitions"). */
static bool name_grammar(vstate_t *st, vscope_t *sc, const weft_cextname_t *name,
                         const weft_ty_extern_t *t, bool iface, bool is_import, uint32_t offset)
{
    static const char *const attr_name[3] = {"implements", "semversuffix", "external-id"};
    weft_name_t n = name->name;
    bool seen[3] = {false, false, false};
    for (uint32_t i = 0; i < name->nattrs; i++) {
        const weft_cattr_t *a = &name->attrs[i];
        if (a->kind > 2) return weft__cv_fail(st, a->offset, "invalid name attribute");
        if (seen[a->kind])
            return weft__cv_fail(st, a->offset, "duplicate '%s' option in name",
                                 attr_name[a->kind]);
        seen[a->kind] = true;
        if (a->kind == WEFT_CATTR_IMPLEMENTS) {
            if (t->kind != WEFT_CEXT_INSTANCE)
                return weft__cv_fail(st, a->offset,
                                     "only instances can have an `implements` attribute");
            if (iface)
                return weft__cv_fail(st, a->offset, "name `%.*s` is not valid with `implements`",
                                     (int)n.len, n.ptr);
            if (a->value.len == 0)
                return weft__cv_fail(st, a->offset, "`implements` value is not a valid name");
            if (!memchr(a->value.ptr, ':', a->value.len))
                return weft__cv_fail(st, a->offset,
                                     "`implements` value `%.*s` must be an interface name",
                                     (int)a->value.len, a->value.ptr);
            if (!interface_ok(st, a->offset, a->value)) return false;
        }
    }
    if (n.len == 0) return weft__cv_fail(st, offset, "`` is not in kebab case");
    if (iface) return interface_ok(st, offset, n);
    return plain_name(st, sc, n, t, is_import, offset);
}

bool weft__cv_extern_name(vstate_t *st, vscope_t *sc, const weft_cextname_t *name,
                          const weft_ty_extern_t *t, bool is_import, uint32_t offset)
{
    weft_name_t n = name->name;
    const char *what = is_import ? "import" : "export";
    bool iface = memchr(n.ptr, ':', n.len) != NULL;
    /* Name-grammar failures read "import name `x` is not a valid extern name: <reason>". */
    snprintf(st->ctx, sizeof st->ctx, "%s name `%.*s` is not a valid extern name", what,
             (int)(n.len > 64 ? 64 : n.len), n.ptr);
    bool ok = name_grammar(st, sc, name, t, iface, is_import, offset);
    st->ctx[0] = 0;
    if (!ok) return false;
    /* strong uniqueness against the previous names of the same list */
    vnames_t *seenv = is_import ? &sc->import_names : &sc->export_names;
    char k1[256], k2[256];
    uint32_t l1 = canon_key(n, k1, sizeof k1);
    for (uint32_t i = 0; i < seenv->count; i++) {
        weft_name_t p = seenv->items[i];
        uint32_t l2 = canon_key(p, k2, sizeof k2);
        if (l1 == l2 && memcmp(k1, k2, l1) == 0) {
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
