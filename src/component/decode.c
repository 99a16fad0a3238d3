/* decode.c - the component decoder's top level (Component Model Binary.md "Component
 * Definitions"): preamble, sections in any order, nested core modules and components, the
 * decoder's shared helpers, and freeing a definition. Types are in decode_types.c, the other
 * definitions in decode_defs.c, the name section in decode_names.c. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "component/decode_internal.h"
#include "core/binary_copy.h"
#include "core/instance.h"
#include "util/error.h"

/* ------------------------------------------------------------------------------------------
 * Helpers shared by the decoder files
 * ------------------------------------------------------------------------------------------ */

void weft__cdec_fail(weft_cdecoder_t *d, size_t pos, const char *fmt, ...)
{
    if (d->r.err) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(d->msg, sizeof d->msg, fmt, ap);
    va_end(ap);
    d->r.err = d->msg;
    d->r.err_pos = pos;
    d->r.p = d->r.end;
}

void weft__cdec_oom(weft_cdecoder_t *d)
{
    d->oom = true;
    weft__cdec_fail(d, weft__cdec_pos(d), "out of memory");
}

bool weft__cdec_enter(weft_cdecoder_t *d)
{
    if (d->depth >= WEFT_COMPONENT_MAX_DEPTH) {
        weft__cdec_fail(d, weft__cdec_pos(d), "nesting too deep (limit %u)",
                        WEFT_COMPONENT_MAX_DEPTH);
        return false;
    }
    d->depth++;
    return true;
}

/* The arena: a list of chunks, each a header followed by its storage. */
struct weft_carena_chunk {
    weft_carena_chunk_t *next;
    size_t size, used; /* bytes of storage after the header */
};

#define ARENA_ALIGN 16u
#define ARENA_HEADER ((sizeof(weft_carena_chunk_t) + ARENA_ALIGN - 1) / ARENA_ALIGN * ARENA_ALIGN)
#define ARENA_CHUNK 8192u

void *weft__cdec_arena(weft_cdecoder_t *d, weft_component_def_t *def, size_t count, size_t size)
{
    if (size && count > (SIZE_MAX / 2) / size) {
        weft__cdec_oom(d);
        return NULL;
    }
    size_t n = (count * size + ARENA_ALIGN - 1) / ARENA_ALIGN * ARENA_ALIGN;
    if (n == 0) n = ARENA_ALIGN;
    weft_carena_chunk_t *c = def->arena;
    if (!c || c->size - c->used < n) {
        size_t cap = n > ARENA_CHUNK ? n : ARENA_CHUNK;
        c = weft__malloc(&def->alloc, ARENA_HEADER + cap);
        if (!c) {
            weft__cdec_oom(d);
            return NULL;
        }
        c->size = cap;
        c->used = 0;
        c->next = def->arena;
        def->arena = c;
    }
    void *p = (uint8_t *)c + ARENA_HEADER + c->used;
    c->used += n;
    memset(p, 0, n);
    return p;
}

void *weft__cdec_push(weft_cdecoder_t *d, void *items, uint32_t *count, uint32_t *cap,
                      size_t size)
{
    void *arr;
    memcpy(&arr, items, sizeof arr);
    if (*count == UINT32_MAX) {
        weft__cdec_oom(d);
        return NULL;
    }
    if (*count >= *cap) {
        uint32_t ncap = *cap ? (*cap > UINT32_MAX / 2 ? UINT32_MAX : *cap * 2) : 8;
        if ((size_t)ncap > SIZE_MAX / size) {
            weft__cdec_oom(d);
            return NULL;
        }
        void *n = weft__realloc(&d->alloc, arr, (size_t)*cap * size, (size_t)ncap * size);
        if (!n) {
            weft__cdec_oom(d);
            return NULL;
        }
        arr = n;
        *cap = ncap;
        memcpy(items, &arr, sizeof arr);
    }
    void *slot = (uint8_t *)arr + (size_t)*count * size;
    memset(slot, 0, size);
    (*count)++;
    return slot;
}

bool weft__cdec_define(weft_cdecoder_t *d, weft_component_def_t *def, uint8_t sort, uint8_t how,
                       uint32_t index, uint32_t sub, uint32_t offset)
{
    weft_cspace_t *s = &def->spaces[sort];
    weft_centry_t *e = weft__cdec_push(d, &s->entries, &s->count, &s->cap, sizeof *e);
    if (!e) return false;
    e->how = how;
    e->def = index;
    e->sub = sub;
    e->offset = offset;
    return true;
}

bool weft__cdec_order(weft_cdecoder_t *d, weft_component_def_t *def, uint8_t kind, uint32_t index)
{
    weft_citem_t *it = WEFT_CDEC_PUSH(d, def->order);
    if (!it) return false;
    it->kind = kind;
    it->index = index;
    return true;
}

bool weft__cdec_u8(weft_cdecoder_t *d, uint8_t *out) { return weft__read_u8(&d->r, out); }
bool weft__cdec_u32(weft_cdecoder_t *d, uint32_t *out) { return weft__read_u32(&d->r, out); }

bool weft__cdec_count(weft_cdecoder_t *d, uint32_t *out)
{
    size_t at = weft__cdec_pos(d);
    if (!weft__read_u32(&d->r, out)) return false;
    if (*out > (size_t)(d->r.end - d->r.p)) {
        weft__cdec_fail(d, at, "unexpected end-of-file");
        return false;
    }
    return true;
}

bool weft__cdec_name(weft_cdecoder_t *d, weft_name_t *out)
{
    uint32_t len;
    const uint8_t *p;
    size_t at = weft__cdec_pos(d);
    if (!weft__read_u32(&d->r, &len)) return false;
    if (len > (size_t)(d->r.end - d->r.p)) {
        weft__cdec_fail(d, at, "unexpected end-of-file");
        return false;
    }
    if (!weft__read_bytes(&d->r, len, &p)) return false;
    if (!weft__utf8_valid(p, len)) {
        weft__cdec_fail(d, at, "malformed UTF-8 encoding");
        return false;
    }
    out->ptr = (const char *)p;
    out->len = len;
    return true;
}

bool weft__cdec_bool(weft_cdecoder_t *d, bool *out)
{
    uint8_t b;
    size_t at = weft__cdec_pos(d);
    if (!weft__cdec_u8(d, &b)) return false;
    if (b > 1) {
        weft__cdec_fail(d, at, "invalid boolean value");
        return false;
    }
    *out = b == 1;
    return true;
}

const char *weft__csort_name(uint8_t sort)
{
    static const char *const names[WEFT_CSORT_COUNT] = {
        "core func", "core table", "core memory", "core global", "core tag", "core type",
        "core module", "core instance", "func", "value", "type", "component", "instance"};
    return sort < WEFT_CSORT_COUNT ? names[sort] : "unknown sort";
}

uint8_t weft__cextern_sort(uint8_t kind)
{
    switch (kind) {
    case WEFT_CEXT_MODULE: return WEFT_CSORT_CORE_MODULE;
    case WEFT_CEXT_FUNC: return WEFT_CSORT_FUNC;
    case WEFT_CEXT_VALUE: return WEFT_CSORT_VALUE;
    case WEFT_CEXT_TYPE: return WEFT_CSORT_TYPE;
    case WEFT_CEXT_COMPONENT: return WEFT_CSORT_COMPONENT;
    default: return WEFT_CSORT_INSTANCE;
    }
}

const char *weft__canon_name(uint8_t op)
{
    switch (op) {
    case WEFT_CANON_LIFT: return "canon lift";
    case WEFT_CANON_LOWER: return "canon lower";
    case WEFT_CANON_RESOURCE_NEW: return "resource.new";
    case WEFT_CANON_RESOURCE_DROP: return "resource.drop";
    case WEFT_CANON_RESOURCE_REP: return "resource.rep";
    case WEFT_CANON_TASK_CANCEL: return "task.cancel";
    case WEFT_CANON_SUBTASK_CANCEL: return "subtask.cancel";
    case WEFT_CANON_TASK_RETURN: return "task.return";
    case WEFT_CANON_CONTEXT_GET: return "context.get";
    case WEFT_CANON_CONTEXT_SET: return "context.set";
    case WEFT_CANON_THREAD_YIELD: return "thread.yield";
    case WEFT_CANON_SUBTASK_DROP: return "subtask.drop";
    case WEFT_CANON_STREAM_NEW: return "stream.new";
    case WEFT_CANON_STREAM_READ: return "stream.read";
    case WEFT_CANON_STREAM_WRITE: return "stream.write";
    case WEFT_CANON_STREAM_CANCEL_READ: return "stream.cancel-read";
    case WEFT_CANON_STREAM_CANCEL_WRITE: return "stream.cancel-write";
    case WEFT_CANON_STREAM_DROP_READABLE: return "stream.drop-readable";
    case WEFT_CANON_STREAM_DROP_WRITABLE: return "stream.drop-writable";
    case WEFT_CANON_FUTURE_NEW: return "future.new";
    case WEFT_CANON_FUTURE_READ: return "future.read";
    case WEFT_CANON_FUTURE_WRITE: return "future.write";
    case WEFT_CANON_FUTURE_CANCEL_READ: return "future.cancel-read";
    case WEFT_CANON_FUTURE_CANCEL_WRITE: return "future.cancel-write";
    case WEFT_CANON_FUTURE_DROP_READABLE: return "future.drop-readable";
    case WEFT_CANON_FUTURE_DROP_WRITABLE: return "future.drop-writable";
    case WEFT_CANON_ERROR_CONTEXT_NEW: return "error-context.new";
    case WEFT_CANON_ERROR_CONTEXT_DEBUG_MESSAGE: return "error-context.debug-message";
    case WEFT_CANON_ERROR_CONTEXT_DROP: return "error-context.drop";
    case WEFT_CANON_WAITABLE_SET_NEW: return "waitable-set.new";
    case WEFT_CANON_WAITABLE_SET_WAIT: return "waitable-set.wait";
    case WEFT_CANON_WAITABLE_SET_POLL: return "waitable-set.poll";
    case WEFT_CANON_WAITABLE_SET_DROP: return "waitable-set.drop";
    case WEFT_CANON_WAITABLE_JOIN: return "waitable.join";
    case WEFT_CANON_BACKPRESSURE_INC: return "backpressure.inc";
    case WEFT_CANON_BACKPRESSURE_DEC: return "backpressure.dec";
    case WEFT_CANON_THREAD_INDEX: return "thread.index";
    case WEFT_CANON_THREAD_NEW_INDIRECT: return "thread.new-indirect";
    case WEFT_CANON_THREAD_RESUME_LATER: return "thread.resume-later";
    case WEFT_CANON_THREAD_SUSPEND: return "thread.suspend";
    case WEFT_CANON_THREAD_SUSPEND_THEN_RESUME: return "thread.suspend-then-resume";
    case WEFT_CANON_THREAD_YIELD_THEN_RESUME: return "thread.yield-then-resume";
    case WEFT_CANON_THREAD_SUSPEND_THEN_PROMOTE: return "thread.suspend-then-promote";
    case WEFT_CANON_THREAD_YIELD_THEN_PROMOTE: return "thread.yield-then-promote";
    case WEFT_CANON_THREAD_SPAWN_REF: return "thread.spawn-ref";
    case WEFT_CANON_THREAD_SPAWN_INDIRECT: return "thread.spawn-indirect";
    case WEFT_CANON_THREAD_AVAILABLE_PARALLELISM: return "thread.available-parallelism";
    default: return "unknown canon";
    }
}

bool weft__is_component(const uint8_t *bytes, size_t len)
{
    return bytes && len >= 8 && memcmp(bytes, "\0asm", 4) == 0 && bytes[6] == 1 && bytes[7] == 0;
}

/* ------------------------------------------------------------------------------------------
 * Freeing
 * ------------------------------------------------------------------------------------------ */

#define VEC_FREE(a, vec) weft__free((a), (vec).items, (size_t)(vec).cap * sizeof *(vec).items)

void weft__component_def_free(weft_component_def_t *def)
{
    if (!def) return;
    const weft_alloc_t a = def->alloc;
    for (uint32_t i = 0; i < def->modules.count; i++) {
        if (def->modules.items[i].module) weft__module_release(def->modules.items[i].module);
    }
    for (uint32_t i = 0; i < def->components.count; i++) {
        weft__component_def_free(def->components.items[i].def);
    }
    for (unsigned s = 0; s < WEFT_CSORT_COUNT; s++) {
        weft__free(&a, def->spaces[s].entries, (size_t)def->spaces[s].cap * sizeof(weft_centry_t));
    }
    VEC_FREE(&a, def->imports);
    VEC_FREE(&a, def->exports);
    VEC_FREE(&a, def->aliases);
    VEC_FREE(&a, def->canons);
    VEC_FREE(&a, def->core_instances);
    VEC_FREE(&a, def->instances);
    VEC_FREE(&a, def->modules);
    VEC_FREE(&a, def->components);
    VEC_FREE(&a, def->starts);
    VEC_FREE(&a, def->values);
    VEC_FREE(&a, def->types);
    VEC_FREE(&a, def->core_types);
    VEC_FREE(&a, def->order);
    weft_carena_chunk_t *c = def->arena;
    while (c) {
        weft_carena_chunk_t *next = c->next;
        weft__free(&a, c, ARENA_HEADER + c->size);
        c = next;
    }
    if (def->owns_bytes) weft__free(&a, (void *)(uintptr_t)def->bytes, def->bytes_len);
    weft__free(&a, def, sizeof *def);
}

/* ------------------------------------------------------------------------------------------
 * Sections
 * ------------------------------------------------------------------------------------------ */

static bool decode_component(weft_cdecoder_t *d, weft_component_def_t *def);

/* Section 1: one whole core module, decoded by the core decoder in place. */
static bool decode_module_section(weft_cdecoder_t *d, weft_component_def_t *def, size_t start,
                                  size_t size)
{
    weft_cmodule_t *cm = WEFT_CDEC_PUSH(d, def->modules);
    if (!cm) return false;
    uint32_t idx = def->modules.count - 1;
    cm->offset = (uint32_t)start;
    cm->len = (uint32_t)size;
    weft_module_t *m = weft__calloc(&d->alloc, 1, sizeof *m);
    if (!m) {
        weft__cdec_oom(d);
        return false;
    }
    m->alloc = d->alloc;
    m->engine = d->engine;
    m->refcount = 1;
    /* No copy: the module's bytes are the component's own copy of the binary (d->r.base),
     * which lives as long as the component and so outlives the module's every use. */
    m->bytes = (uint8_t *)(uintptr_t)(d->r.base + start);
    m->bytes_borrowed = true;
    m->len = size;
    cm->module = m;
    weft_error_t *err = d->quick ? weft__module_decode_quick(m) : weft__module_decode(m);
    if (err) {
        /* Restate the core decoder's error with the absolute offset; its message (which may
         * mention the module-relative offset) is kept, with the module's position. */
        if (err->kind == WEFT_ERROR_DECODE) {
            uint64_t at = err->offset != UINT64_MAX ? err->offset + start : start;
            const char *msg = err->message ? err->message : "malformed core module";
            const char *tail = strstr(msg, " at byte offset ");
            int keep = tail ? (int)(tail - msg) : (int)strlen(msg);
            weft_error_t *e2 = weft__error_new(
                &d->alloc, WEFT_ERROR_DECODE, at,
                "%.*s at byte offset %llu (in the core module at byte offset %zu)", keep, msg,
                (unsigned long long)at, start);
            if (e2 != weft__error_oom()) {
                weft_error_delete(err);
                err = e2;
            } else if (err->offset != UINT64_MAX) {
                err->offset += start;
            }
        }
        d->nested_err = err;
        weft__cdec_fail(d, start, "malformed core module");
        return false;
    }
    d->r.p = d->r.base + start + size;
    if (!weft__cdec_define(d, def, WEFT_CSORT_CORE_MODULE, WEFT_CDEF_MODULE, idx, 0,
                           (uint32_t)start)) {
        return false;
    }
    return weft__cdec_order(d, def, WEFT_CDEF_MODULE, idx);
}

/* Section 4: a nested component, with its own preamble. */
static bool decode_component_section(weft_cdecoder_t *d, weft_component_def_t *def,
                                     size_t start, size_t size)
{
    weft_ccomponent_t *cc = WEFT_CDEC_PUSH(d, def->components);
    if (!cc) return false;
    uint32_t idx = def->components.count - 1;
    cc->offset = (uint32_t)start;
    cc->len = (uint32_t)size;
    weft_component_def_t *child = weft__calloc(&d->alloc, 1, sizeof *child);
    if (!child) {
        weft__cdec_oom(d);
        return false;
    }
    child->alloc = d->alloc;
    child->engine = d->engine;
    child->parent = def;
    child->depth = def->depth + 1;
    child->bytes = def->bytes;
    child->bytes_len = def->bytes_len;
    child->offset = (uint32_t)start;
    child->len = (uint32_t)size;
    cc->def = child;
    if (!weft__cdec_enter(d)) return false;
    bool ok = decode_component(d, child);
    weft__cdec_leave(d);
    if (!ok) return false;
    if (!weft__cdec_define(d, def, WEFT_CSORT_COMPONENT, WEFT_CDEF_COMPONENT, idx, 0,
                           (uint32_t)start)) {
        return false;
    }
    return weft__cdec_order(d, def, WEFT_CDEF_COMPONENT, idx);
}

static bool decode_custom(weft_cdecoder_t *d, weft_component_def_t *def)
{
    weft_name_t name;
    if (!weft__cdec_name(d, &name)) return false;
    size_t start = weft__cdec_pos(d);
    size_t end = (size_t)(d->r.end - d->r.base);
    if (name.len == 14 && memcmp(name.ptr, "component-name", 14) == 0 && !def->names.has_name &&
        def->names.count[0] == 0) {
        bool any = false;
        for (unsigned s = 0; s < WEFT_CSORT_COUNT; s++) any = any || def->names.map[s];
        if (!any) weft__cdec_names(d, def, start, end);
    }
    d->r.p = d->r.end; /* other custom sections, and the rest of this one, are skipped */
    return weft__cdec_ok(d);
}

static bool decode_section(weft_cdecoder_t *d, weft_component_def_t *def, uint8_t id,
                           size_t start, size_t size)
{
    switch (id) {
    case 0: return decode_custom(d, def);
    case 1: return decode_module_section(d, def, start, size);
    case 2: return weft__cdec_core_instance_section(d, def);
    case 3: return weft__cdec_core_type_section(d, def);
    case 4: return decode_component_section(d, def, start, size);
    case 5: return weft__cdec_instance_section(d, def);
    case 6: return weft__cdec_alias_section(d, def);
    case 7: return weft__cdec_type_section(d, def);
    case 8: return weft__cdec_canon_section(d, def);
    case 9: return weft__cdec_start_section(d, def);
    case 10: return weft__cdec_import_section(d, def);
    case 11: return weft__cdec_export_section(d, def);
    case 12: return weft__cdec_value_section(d, def);
    default: return false;
    }
}

/* Decodes def's bytes [def->offset, def->offset + def->len): preamble then sections. The
 * reader's end is restored afterwards. */
static bool decode_component(weft_cdecoder_t *d, weft_component_def_t *def)
{
    weft_reader_t *r = &d->r;
    const uint8_t *outer_end = r->end;
    const uint8_t *begin = r->base + def->offset;
    r->p = begin;
    r->end = begin + def->len;

    /* Binary.md: preamble ::= magic version layer. */
    size_t avail = def->len;
    if (avail < 4 || memcmp(begin, "\0asm", 4) != 0) {
        weft__cdec_fail(d, def->offset + (avail < 4 ? avail : 0),
                        avail < 4 ? "unexpected end-of-file" : "magic header not detected");
        return false;
    }
    if (avail < 8) {
        weft__cdec_fail(d, def->offset + avail, "unexpected end-of-file");
        return false;
    }
    if (begin[6] != 1 || begin[7] != 0) {
        weft__cdec_fail(d, def->offset + 4, "expected a version header for a component");
        return false;
    }
    if (begin[4] != 0x0d || begin[5] != 0) {
        weft__cdec_fail(d, def->offset + 4, "unknown binary version");
        return false;
    }
    r->p += 8;

    while (r->p < r->end) {
        size_t sec_at = weft__cdec_pos(d);
        uint8_t id = *r->p++;
        if (id > 12) {
            weft__cdec_fail(d, sec_at, "malformed section id");
            return false;
        }
        uint32_t size;
        if (!weft__cdec_u32(d, &size)) return false;
        size_t start = weft__cdec_pos(d);
        if (size > (size_t)(r->end - r->p)) {
            weft__cdec_fail(d, start, "unexpected end-of-file");
            return false;
        }
        const uint8_t *comp_end = r->end;
        r->end = r->p + size;
        if (!decode_section(d, def, id, start, size)) return false;
        if (r->p != r->end) {
            weft__cdec_fail(d, weft__cdec_pos(d), "unexpected content in section %u", id);
            return false;
        }
        r->end = comp_end;
    }
    r->end = outer_end;
    return true;
}

static weft_error_t *component_decode(const weft_alloc_t *a, weft_engine_t *engine,
                                      const uint8_t *bytes, size_t len, bool quick,
                                      bool borrow, weft_component_def_t **out)
{
    if (!a || !out || (!bytes && len)) {
        const weft_alloc_t dflt = {weft__default_alloc, NULL};
        return weft__error_new(a ? a : &dflt, WEFT_ERROR_INVALID_ARG, UINT64_MAX,
                               "weft__component_decode: invalid argument");
    }
    *out = NULL;
    /* Offsets are 32-bit throughout the representation. */
    if (len > UINT32_MAX) {
        return weft__error_new(a, WEFT_ERROR_DECODE, UINT32_MAX, "component too large");
    }
    weft_component_def_t *def = weft__calloc(a, 1, sizeof *def);
    if (!def) return weft__error_oom();
    def->alloc = *a;
    def->engine = engine;
    /* Borrowed: the caller keeps the bytes alive and unchanged for the definition's life. */
    const uint8_t *copy = borrow ? bytes : weft__binary_copy(a, bytes, len);
    if (!copy) {
        weft__free(a, def, sizeof *def);
        return weft__error_oom();
    }
    def->bytes = copy;
    def->bytes_len = len;
    def->owns_bytes = !borrow;
    def->offset = 0;
    def->len = (uint32_t)len;

    weft_cdecoder_t d;
    memset(&d, 0, sizeof d);
    d.alloc = *a;
    d.engine = engine;
    d.r.base = copy;
    d.r.p = copy;
    d.r.end = copy + len;
    d.quick = quick;

    bool ok = decode_component(&d, def);
    if (ok && d.r.err == NULL) {
        *out = def;
        return NULL;
    }
    weft__component_def_free(def);
    if (d.nested_err) return d.nested_err;
    if (d.oom) return weft__error_oom();
    const char *why = d.r.err ? d.r.err : "malformed component";
    /* The shared reader says "unexpected end"; the component tests' wording adds "-of-file". */
    if (strcmp(why, "unexpected end") == 0) why = "unexpected end-of-file";
    return weft__error_new(a, WEFT_ERROR_DECODE, d.r.err_pos, "%s at byte offset %zu", why,
                           d.r.err_pos);
}

weft_error_t *weft__component_decode_full(const weft_alloc_t *a, weft_engine_t *engine,
                                          const uint8_t *bytes, size_t len,
                                          weft_component_def_t **out)
{
    /* Only ever for a binary another definition holds, while it is alive: no copy. */
    return component_decode(a, engine, bytes, len, false, true, out);
}

weft_error_t *weft__component_decode(const weft_alloc_t *a, weft_engine_t *engine,
                                     const uint8_t *bytes, size_t len,
                                     weft_component_def_t **out)
{
    return weft__component_decode_ex(a, engine, bytes, len, false, out);
}

weft_error_t *weft__component_decode_ex(const weft_alloc_t *a, weft_engine_t *engine,
                                        const uint8_t *bytes, size_t len, bool borrow,
                                        weft_component_def_t **out)
{
    /* Core modules are decoded without scanning their function bodies, which their
     * validation decodes anyway (weft__module_decode_quick). A failure may then be reported
     * at another place than the spec's first error, so it is decoded again in full. */
    weft_error_t *err = component_decode(a, engine, bytes, len, true, borrow, out);
    if (!err || err->kind == WEFT_ERROR_OOM || err->kind == WEFT_ERROR_INVALID_ARG) return err;
    weft_error_delete(err);
    return component_decode(a, engine, bytes, len, false, borrow, out);
}
