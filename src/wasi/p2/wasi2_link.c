/* wasi2_link.c - puts the WASI 0.2 interfaces in a component linker, and runs a command's
 * wasi:cli/run export.
 *
 * Versions: WIT packages follow semver, and an import of `wasi:io/streams@0.2.N` is satisfied
 * by any host implementing 0.2.M with M >= N (Component Model Explainer, "Import and export
 * definitions": semver-compatible matching). This host implements every function of the 0.2
 * series, so each import whose version is 0.2.N (no pre-release tag) is defined under the
 * exact name the component uses.
 *
 * Pre-release versions (0.2.0-rc-2023-11-10) are not semver-compatible with anything but
 * themselves (the Explainer's canonicalized version of a pre-release is the whole version;
 * semver 2.0.0 §9, §11), and the release candidates of WASI 0.2 differ from the release, so
 * this host does not serve them: linking fails with a message naming the import. Build
 * metadata (+...) is ignored for matching (semver §10). */
#include <string.h>

#include "component/component.h"
#include "component/host_async.h"
#include "component/instance.h"
#include "wasi/p2/wasi2_impl.h"

typedef struct iface_set {
    const weft__wasi2_iface_t *ifaces;
    const size_t *n;
} iface_set_t;

static const iface_set_t SETS[] = {
    {weft__wasi2_cli_ifaces, &weft__wasi2_cli_nifaces},
    {weft__wasi2_io_ifaces, &weft__wasi2_io_nifaces},
    {weft__wasi2_stream_ifaces, &weft__wasi2_stream_nifaces},
    {weft__wasi2_clock_ifaces, &weft__wasi2_clock_nifaces},
    {weft__wasi2_fs_ifaces, &weft__wasi2_fs_nifaces},
    {weft__wasi2_net_ifaces, &weft__wasi2_net_nifaces},
    {weft__wasi2_tcp_ifaces, &weft__wasi2_tcp_nifaces},
    {weft__wasi2_udp_ifaces, &weft__wasi2_udp_nifaces},
};

enum { V_OTHER, V_RELEASE, V_PRERELEASE };

/* Dot-separated identifiers of [0-9A-Za-z-] in v[i..n) up to `stop` (or the end); numeric
 * ones without leading zeros when `numeric_rule` (pre-release, semver §9). Returns the index
 * where it stopped, or n + 1 when malformed. */
static size_t idents(const char *v, size_t i, size_t n, char stop, bool numeric_rule)
{
    for (;;) {
        size_t start = i;
        bool digits_only = true;
        while (i < n && v[i] != '.' && v[i] != stop) {
            char c = v[i];
            bool digit = c >= '0' && c <= '9';
            if (!digit && !(c >= 'a' && c <= 'z') && !(c >= 'A' && c <= 'Z') && c != '-')
                return n + 1;
            digits_only &= digit;
            i++;
        }
        if (i == start) return n + 1;
        if (numeric_rule && digits_only && i - start > 1 && v[start] == '0') return n + 1;
        if (i < n && v[i] == '.') {
            i++;
            continue;
        }
        return i;
    }
}

/* Classifies v[0..n): "0.2.N" (N decimal without leading zeros) is a release, "0.2.N-PRE" a
 * pre-release, either optionally followed by "+BUILD"; anything else is V_OTHER. */
static int version_02(const char *v, size_t n)
{
    if (n < 5 || memcmp(v, "0.2.", 4) != 0) return V_OTHER;
    size_t i = 4, digits = 0;
    while (i < n && v[i] >= '0' && v[i] <= '9') i++, digits++;
    if (digits == 0 || (digits > 1 && v[4] == '0')) return V_OTHER;
    int kind = V_RELEASE;
    if (i < n && v[i] == '-') {
        kind = V_PRERELEASE;
        i = idents(v, i + 1, n, '+', true);
        if (i > n) return V_OTHER;
    }
    if (i < n && v[i] == '+') {
        i = idents(v, i + 1, n, 0, false);
        if (i > n) return V_OTHER;
    }
    return i == n ? kind : V_OTHER;
}

/* The interface a versioned import name "ns:pkg/iface@0.2.N" names, or NULL; *pre is set
 * when the name is one of this host's interfaces at a 0.2 pre-release version. */
static const weft__wasi2_iface_t *lookup(const char *name, size_t len, bool *pre)
{
    *pre = false;
    const char *at = memchr(name, '@', len);
    if (!at) return NULL;
    size_t base = (size_t)(at - name);
    int kind = version_02(at + 1, len - base - 1);
    if (kind == V_OTHER) return NULL;
    for (size_t s = 0; s < sizeof SETS / sizeof *SETS; s++) {
        for (size_t i = 0; i < *SETS[s].n; i++) {
            const weft__wasi2_iface_t *f = &SETS[s].ifaces[i];
            if (strlen(f->name) != base || memcmp(f->name, name, base) != 0) continue;
            if (kind == V_RELEASE) return f;
            *pre = true;
            return NULL;
        }
    }
    return NULL;
}

static weft_error_t *define(weft_wasi2_t *w, weft_component_linker_t *l,
                            const weft__wasi2_iface_t *f, const char *name, size_t len)
{
    for (size_t i = 0; i < f->nresources; i++) {
        const char *r = f->resources[i];
        weft_error_t *err = weft_component_linker_define_resource(l, name, len, r, strlen(r),
                                                                  weft__wasi2_obj_drop, w);
        if (err) return err;
    }
    for (size_t i = 0; i < f->nfns; i++) {
        const char *fn = f->fns[i].name;
        weft_error_t *err =
            f->fns[i].afn
                ? weft_component_linker_define_async_func(l, name, len, fn, strlen(fn),
                                                          f->fns[i].afn, w, NULL)
                : weft_component_linker_define_func(l, name, len, fn, strlen(fn), f->fns[i].fn,
                                                    w, NULL);
        if (err) return err;
    }
    return NULL;
}

weft_error_t *weft_wasi2_link(weft_wasi2_t *w, weft_component_linker_t *linker,
                              const weft_component_t *component)
{
    if (!w || !linker || !component || !component->def) {
        const weft_alloc_t dflt = {weft__default_alloc, NULL};
        return weft__error_new(w ? &w->alloc : &dflt, WEFT_ERROR_INVALID_ARG, UINT64_MAX,
                               "weft_wasi2_link: invalid argument");
    }
    const weft_component_def_t *def = component->def;
    for (uint32_t i = 0; i < def->imports.count; i++) {
        const weft_name_t *n = &def->imports.items[i].name.name;
        bool pre;
        const weft__wasi2_iface_t *f = lookup(n->ptr, n->len, &pre);
        if (pre) {
            return weft__error_new(&w->alloc, WEFT_ERROR_LINK, UINT64_MAX,
                                   "import `%.*s`: a pre-release version matches only itself "
                                   "(semver); this host implements the WASI 0.2.x releases",
                                   (int)n->len, n->ptr);
        }
        if (!f) continue; /* not WASI 0.2: left to the caller's own definitions */
        weft_error_t *err = define(w, linker, f, n->ptr, n->len);
        if (err) return err;
    }
    return NULL;
}

/* Finds the export "wasi:cli/run@0.2.N" of the instance and its function "run". */
static bool find_run(weft_component_instance_t *inst, weft_component_func_t **out)
{
    static const char prefix[] = "wasi:cli/run@";
    size_t n = weft_component_instance_export_count(inst);
    for (size_t i = 0; i < n; i++) {
        const char *name;
        size_t len;
        weft_component_extern_kind_t kind;
        if (!weft_component_instance_export_nth(inst, i, &name, &len, &kind)) continue;
        if (kind != WEFT_COMPONENT_EXTERN_INSTANCE || len < sizeof prefix ||
            memcmp(name, prefix, sizeof prefix - 1) != 0 ||
            version_02(name + sizeof prefix - 1, len - (sizeof prefix - 1)) != V_RELEASE)
            continue;
        weft_component_instance_t *ri;
        if (weft_component_instance_instance(inst, name, len, &ri) &&
            weft_component_instance_func(ri, "run", 3, out))
            return true;
    }
    return false;
}

weft_error_t *weft_wasi2_run(weft_store_t *store, weft_component_instance_t *instance,
                             int *exit_status)
{
    const weft_alloc_t dflt = {weft__default_alloc, NULL};
    if (exit_status) *exit_status = 0;
    if (!store || !instance) {
        return weft__error_new(&dflt, WEFT_ERROR_INVALID_ARG, UINT64_MAX,
                               "weft_wasi2_run: invalid argument");
    }
    weft_component_func_t *run;
    if (!find_run(instance, &run) || weft_component_func_param_count(run) != 0 ||
        weft_component_func_result_count(run) != 1 ||
        weft_component_func_result_kind(run) != WEFT_CVAL_RESULT) {
        return weft__error_new(&store->alloc, WEFT_ERROR_LINK, UINT64_MAX,
                               "the component exports no wasi:cli/run@0.2.x with "
                               "`run: func() -> result`");
    }
    weft_cval_arena_t *ar = weft_cval_arena_new(store->engine);
    if (!ar) return weft__error_oom();
    weft_cval_t result;
    memset(&result, 0, sizeof result);
    /* A task rather than a plain call: `run` blocked in a WASI function (those that wait are
     * async host functions) suspends, and the store's loop sleeps on the descriptors and
     * timers it waits for until it can go on. */
    weft_async_handle_t task = 0;
    weft_error_t *err = weft_task_start(store, run, NULL, 0, &task);
    if (!err) err = weft_task_wait(store, task);
    if (!err) {
        weft_task_state_t st = weft_task_state(store, task);
        if (st == WEFT_TASK_RETURNED) err = weft_task_results(store, task, &result, 1, ar);
        else if (!(err = weft__ahost_task_take_error(store, task))) err = weft_task_error(store, task);
        if (!err && st != WEFT_TASK_RETURNED)
            err = weft__error_new(&store->alloc, WEFT_ERROR_TRAP, UINT64_MAX,
                                  "wasm trap: wasi:cli/run did not return");
    }
    if (task) {
        weft_error_t *e = weft_task_delete(store, task);
        weft_error_delete(e);
    }
    err = weft__call_trap_prefix(store, err);
    int status = 0;
    if (!err) {
        status = result.u.var.index == 0 ? 0 : 1;
    } else if (weft_error_kind(err) == WEFT_ERROR_EXIT) {
        status = weft_error_exit_code(err);
        weft_error_delete(err);
        err = NULL;
    }
    weft_cval_arena_delete(ar);
    if (exit_status) *exit_status = status;
    return err;
}
