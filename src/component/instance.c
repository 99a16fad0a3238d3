/* instance.c - components (decode, validate, compile) and their roots: the storage of every
 * run-time object made by one instantiation, freed with the store. */
#include <string.h>

#include "component/instance.h"
#include "core/compile.h"
#include "core/module.h"
#include "util/error.h"

/* ---- components ------------------------------------------------------------------------ */

/* Nested core modules are decoded and validated with the component; compiling them here
 * makes them instantiable like modules from weft_module_new. */
static weft_error_t *compile_modules(const weft_component_def_t *def)
{
    for (uint32_t i = 0; i < def->modules.count; i++) {
        weft_module_t *m = def->modules.items[i].module;
        if (m && !m->codes) {
            weft_error_t *err = weft__module_compile(m);
            if (err) return err;
        }
    }
    for (uint32_t i = 0; i < def->components.count; i++) {
        weft_error_t *err = compile_modules(def->components.items[i].def);
        if (err) return err;
    }
    return NULL;
}

bool weft_is_component(const uint8_t *bytes, size_t len)
{
    return bytes && weft__is_component(bytes, len);
}

static weft_error_t *component_new(weft_engine_t *engine, const uint8_t *bytes, size_t len,
                                   bool borrow, const char *who, weft_component_t **out)
{
    const weft_alloc_t dflt = {weft__default_alloc, NULL};
    if (!engine || !out || (!bytes && len)) {
        return weft__error_new(engine ? &engine->alloc : &dflt, WEFT_ERROR_INVALID_ARG,
                               UINT64_MAX, "%s: invalid argument", who);
    }
    *out = NULL;
    weft_component_t *c = weft__calloc(&engine->alloc, 1, sizeof *c);
    if (!c) return weft__error_oom();
    c->alloc = engine->alloc;
    c->engine = engine;
    c->refcount = 1;
    weft_error_t *err = weft__component_decode_ex(&engine->alloc, engine, bytes, len, borrow,
                                                  &c->def);
    if (!err) err = weft__component_validate(c->def, &c->valid);
    if (!err) err = compile_modules(c->def);
    if (err) {
        c->refcount = 0;
        weft__cvalid_free(c->valid);
        weft__component_def_free(c->def);
        weft__free(&c->alloc, c, sizeof *c);
        return err;
    }
    *out = c;
    return NULL;
}

weft_error_t *weft_component_new(weft_engine_t *engine, const uint8_t *bytes, size_t len,
                                 weft_component_t **out)
{
    return component_new(engine, bytes, len, false, "weft_component_new", out);
}

weft_error_t *weft_component_new_borrowed(weft_engine_t *engine, const uint8_t *bytes,
                                          size_t len, weft_component_t **out)
{
    return component_new(engine, bytes, len, true, "weft_component_new_borrowed", out);
}

static void component_release(weft_component_t *c)
{
    if (!c || --c->refcount > 0) return;
    weft__cvalid_free(c->valid);
    weft__component_def_free(c->def);
    weft_alloc_t a = c->alloc;
    weft__free(&a, c, sizeof *c);
}

void weft_component_delete(weft_component_t *component)
{
    component_release(component);
}

/* ---- roots ----------------------------------------------------------------------------- */

struct weft_cblock {
    struct weft_cblock *next;
    size_t size;
    max_align_t data[];
};

void *weft__croot_alloc(weft_croot_t *root, size_t n)
{
    if (n == 0) n = 1;
    if (n > SIZE_MAX - sizeof(struct weft_cblock)) return NULL;
    struct weft_cblock *b = weft__malloc(&root->alloc, sizeof *b + n);
    if (!b) return NULL;
    b->next = root->blocks;
    b->size = n;
    root->blocks = b;
    memset(b->data, 0, n);
    return b->data;
}

/* env_free of the root's anchor function: runs when the store is deleted. */
static void root_free(void *p)
{
    weft_croot_t *root = p;
    for (weft_cstate_t *s = root->states; s; s = s->next_in_root) {
        weft__handles_free(&s->handles);
        if (s->rbind) weft__free(&root->alloc, s->rbind, s->caprbind * sizeof *s->rbind);
    }
    struct weft_cblock *b = root->blocks;
    while (b) {
        struct weft_cblock *next = b->next;
        weft__free(&root->alloc, b, sizeof *b + b->size);
        b = next;
    }
    component_release(root->component);
    weft_alloc_t a = root->alloc;
    weft__free(&a, root, sizeof *root);
}

static weft_error_t *anchor_fn(void *env, weft_caller_t *caller, const weft_val_t *args,
                               size_t nargs, weft_val_t *results, size_t nresults)
{
    (void)env, (void)caller, (void)args, (void)nargs, (void)results, (void)nresults;
    return NULL;
}

/* A root whose lifetime is the store's: an (uncallable from wasm) host function owns it. */
static weft_croot_t *root_new(weft_store_t *store, weft_component_t *c)
{
    weft_croot_t *root = weft__calloc(&store->alloc, 1, sizeof *root);
    if (!root) return NULL;
    root->alloc = store->alloc;
    root->store = store;
    if (!weft_func_new(store, NULL, 0, NULL, 0, anchor_fn, root, root_free)) return NULL;
    c->refcount++;
    root->component = c;
    return root;
}

/* ---- resource bindings ----------------------------------------------------------------- */

bool weft__cstate_bind(weft_cstate_t *st, const weft_ty_resource_t *node, const weft_crt_t *rt)
{
    if (!node || !rt) return true;
    for (uint32_t i = 0; i < st->nrbind; i++) {
        if (st->rbind[i].node == node) {
            st->rbind[i].rt = rt;
            return true;
        }
    }
    if (st->nrbind == st->caprbind) {
        size_t cap = st->caprbind;
        void *p = st->rbind;
        if (weft__grow(&st->root->alloc, &p, &cap, (size_t)st->nrbind + 1, sizeof *st->rbind))
            return false;
        st->rbind = p;
        st->caprbind = (uint32_t)cap;
    }
    st->rbind[st->nrbind].node = node;
    st->rbind[st->nrbind].rt = rt;
    st->nrbind++;
    return true;
}

const weft_crt_t *weft__cstate_resource(const weft_cstate_t *st, const weft_ty_resource_t *r)
{
    for (const weft_cstate_t *s = st; s; s = s->env) {
        for (uint32_t i = s->nrbind; i-- > 0;) {
            if (s->rbind[i].node == r) return s->rbind[i].rt;
        }
    }
    return NULL;
}

weft_croot_t *weft__croot_new(weft_store_t *store, weft_component_t *c)
{
    return root_new(store, c);
}
