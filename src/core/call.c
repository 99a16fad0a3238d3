/* call.c - calls into wasm and host functions (Wasm core spec 4.4.10 Function Calls, 4.5.5
 * Invocation): the public call API, suspendable calls, the host-function bridge, value
 * conversions and trap backtraces. */
#include <string.h>

#include "core/interp.h"
#include "util/error.h"

/* Slots a new context starts with: small, so that many suspended calls stay cheap. */
#define INITIAL_STACK_SLOTS 128u
#define INITIAL_FRAMES 8u
/* Frames recorded in a trap backtrace at most (a deep recursion would otherwise add 100000). */
#define MAX_BACKTRACE 64u

/* ------------------------------------------------------------------------------------------ */
/* Values                                                                                      */

/* The conversions are inline here: every call through the API or the host bridge makes them. */
static inline void to_slots(const weft_val_t *v, uint64_t *slots)
{
    switch (v->kind) {
    case WEFT_I32: slots[0] = (uint32_t)v->of.i32; break;
    case WEFT_I64: slots[0] = (uint64_t)v->of.i64; break;
    case WEFT_F32: slots[0] = v->of.f32; break;
    case WEFT_F64: slots[0] = v->of.f64; break;
    case WEFT_V128: memcpy(slots, v->of.v128, 16); break;
    case WEFT_FUNCREF: slots[0] = (uint64_t)(uintptr_t)v->of.funcref; break;
    case WEFT_EXTERNREF: slots[0] = (uint64_t)(uintptr_t)v->of.externref; break;
    default: slots[0] = 0; break;
    }
}

static inline void from_slots(weft_val_t *v, weft_valtype_t type, const uint64_t *slots)
{
    memset(v, 0, sizeof *v);
    v->kind = type & 0xFF;
    switch (type & 0xFF) {
    case WEFT_T_I32: v->of.i32 = (int32_t)(uint32_t)slots[0]; break;
    case WEFT_T_I64: v->of.i64 = (int64_t)slots[0]; break;
    case WEFT_T_F32: v->of.f32 = (uint32_t)slots[0]; break;
    case WEFT_T_F64: v->of.f64 = slots[0]; break;
    case WEFT_T_V128: memcpy(v->of.v128, slots, 16); break;
    case WEFT_T_FUNCREF: v->of.funcref = (weft_func_t *)(uintptr_t)slots[0]; break;
    default: v->of.externref = (void *)(uintptr_t)slots[0]; break;
    }
}

void weft__val_to_slots(const weft_val_t *v, uint64_t *slots) { to_slots(v, slots); }

void weft__val_from_slots(weft_val_t *v, weft_valtype_t type, const uint64_t *slots)
{
    from_slots(v, type, slots);
}

/* ------------------------------------------------------------------------------------------ */
/* Function types                                                                              */

size_t weft_func_param_count(const weft_func_t *func) { return func->type->nparams; }
size_t weft_func_result_count(const weft_func_t *func) { return func->type->nresults; }

weft_valkind_t weft_func_param(const weft_func_t *func, size_t i)
{
    return i < func->type->nparams ? (weft_valkind_t)(func->type->params[i] & 0xFF)
                                   : (weft_valkind_t)0;
}

weft_valkind_t weft_func_result(const weft_func_t *func, size_t i)
{
    return i < func->type->nresults ? (weft_valkind_t)(func->type->results[i] & 0xFF)
                                    : (weft_valkind_t)0;
}

static weft_error_t *check_vals(const weft_alloc_t *a, const char *what, const weft_val_t *vals,
                                size_t n, const weft_valtype_t *types, uint32_t ntypes)
{
    if (n != ntypes)
        return weft__error_new(a, WEFT_ERROR_INVALID_ARG, UINT64_MAX,
                               "expected %u %s, got %zu", ntypes, what, n);
    if (n && !vals)
        return weft__error_new(a, WEFT_ERROR_INVALID_ARG, UINT64_MAX, "%s array is NULL", what);
    for (size_t i = 0; i < n; i++) {
        if (vals[i].kind != (types[i] & 0xFF))
            return weft__error_new(a, WEFT_ERROR_INVALID_ARG, UINT64_MAX,
                                   "%s %zu has kind 0x%02X, expected 0x%02X", what, i,
                                   (unsigned)vals[i].kind, (unsigned)(types[i] & 0xFF));
    }
    return NULL;
}

static inline void vals_to_slots(const weft_val_t *vals, size_t n, uint64_t *slots)
{
    for (size_t i = 0; i < n; i++) {
        to_slots(&vals[i], slots);
        slots += vals[i].kind == WEFT_V128 ? 2 : 1;
    }
}

static inline void slots_to_vals(weft_val_t *vals, const weft_valtype_t *types, size_t n,
                                 const uint64_t *slots)
{
    for (size_t i = 0; i < n; i++) {
        from_slots(&vals[i], types[i], slots);
        slots += weft__valtype_slots(types[i]);
    }
}

/* ------------------------------------------------------------------------------------------ */
/* Contexts                                                                                    */

bool weft__call_grow_stack(weft_call_t *c, size_t need, bool *oom)
{
    *oom = false;
    if (need > c->max_slots) return false;
    size_t cap = c->stack_cap * 2;
    if (cap < need) cap = need;
    if (cap > c->max_slots) cap = c->max_slots;
    uint64_t *p = weft__realloc(&c->alloc, c->stack, c->stack_cap * sizeof *p, cap * sizeof *p);
    if (!p) {
        *oom = true;
        return false;
    }
    c->stack = p;
    c->stack_cap = cap;
    return true;
}

static void name_frame(weft_error_t *err, const weft_func_t *fn, const uint32_t *pc)
{
    const weft_module_t *m = fn->inst ? fn->inst->module : NULL;
    if (!m) {
        weft__error_add_frame(err, UINT32_MAX, NULL, UINT32_MAX);
        return;
    }
    uint32_t off = UINT32_MAX;
    if (fn->code && pc && pc >= fn->code->code && pc < fn->code->code + fn->code->ncode)
        off = weft__code_wasm_offset(fn->code, (uint32_t)(pc - fn->code->code));
    weft_name_t nm = weft__module_func_name(m, fn->index);
    char buf[128];
    const char *name = NULL;
    if (nm.len > 0 && nm.ptr) {
        size_t n = nm.len < sizeof buf - 1 ? nm.len : sizeof buf - 1;
        memcpy(buf, nm.ptr, n);
        buf[n] = '\0';
        name = buf;
    }
    weft__error_add_frame(err, fn->index, name, off);
}

void weft__call_backtrace(const weft_call_t *c, weft_error_t *err, const weft_func_t *fn,
                          const uint32_t *pc)
{
    if (!err || err->is_static) return;
    name_frame(err, fn, pc);
    uint32_t added = 1;
    for (uint32_t i = c->nframes; i-- > 0 && added < MAX_BACKTRACE; added++)
        name_frame(err, c->frames[i].func, c->frames[i].ret_pc - 1);
}

/* The general bridge: arguments and results converted to and from weft_val_t. Kept out of
 * line so that the raw-slot path of weft__call_host does not pay for its frame. */
#if defined(__GNUC__)
__attribute__((noinline))
#endif
static weft_error_t *call_host_vals(weft_call_t *call, weft_instance_t *caller_inst,
                                    weft_func_t *f, uint64_t *slots, bool *suspended)
{
    const weft_functype_t *t = f->type;
    weft_val_t argbuf[8], resbuf[8];
    weft_val_t *args = argbuf, *res = resbuf;
    if (t->nparams > 8) args = weft__malloc(&call->alloc, t->nparams * sizeof *args);
    if (t->nresults > 8) res = weft__malloc(&call->alloc, t->nresults * sizeof *res);
    weft_error_t *e = NULL;
    if (!args || !res) {
        e = weft__error_oom();
        goto out;
    }
    slots_to_vals(args, t->params, t->nparams, slots);
    for (uint32_t i = 0; i < t->nresults; i++) {
        memset(&res[i], 0, sizeof res[i]);
        res[i].kind = t->results[i] & 0xFF;
    }
    weft_caller_t caller = {call, caller_inst, call->store, false};
    e = f->host(f->env, &caller, args, t->nparams, res, t->nresults);
    if (e) goto out;
    if (caller.suspend) {
        if (call->sync) {
            e = weft__error_new(&call->alloc, WEFT_ERROR_INVALID_ARG, UINT64_MAX,
                                "host function suspended in a synchronous call");
            goto out;
        }
        *suspended = true;
        goto out;
    }
    for (uint32_t i = 0; i < t->nresults; i++) {
        if (res[i].kind != (t->results[i] & 0xFF)) {
            e = weft__error_trap(&call->alloc, WEFT_TRAP_HOST,
                                 "host function returned a result of the wrong kind");
            goto out;
        }
    }
    if (t->nresults == 1 && t->result_slots == 1) /* the usual single scalar result */
        to_slots(&res[0], slots);
    else
        vals_to_slots(res, t->nresults, slots);
out:
    if (args && args != argbuf) weft__free(&call->alloc, args, t->nparams * sizeof *args);
    if (res && res != resbuf) weft__free(&call->alloc, res, t->nresults * sizeof *res);
    return e;
}

weft_error_t *weft__call_host(weft_call_t *call, weft_instance_t *caller_inst, weft_func_t *f,
                              uint64_t *slots, bool *suspended)
{
    if (!f->host_slots) return call_host_vals(call, caller_inst, f, slots, suspended);
    /* the runtime's own built-ins: no conversions */
    weft_caller_t caller = {call, caller_inst, call->store, false};
    weft_error_t *e = f->host_slots(f, &caller, slots);
    if (e || !caller.suspend) return e;
    if (call->sync)
        return weft__error_new(&call->alloc, WEFT_ERROR_INVALID_ARG, UINT64_MAX,
                               "host function suspended in a synchronous call");
    *suspended = true;
    return NULL;
}

/* The slots the entry frame of a call of `func` needs: its arguments, its results and, for a
 * wasm function, its whole frame. */
static size_t entry_slots(const weft_func_t *func)
{
    const weft_functype_t *t = func->type;
    size_t need = t->param_slots > t->result_slots ? t->param_slots : t->result_slots;
    if (func->code && func->code->frame_slots > need) need = func->code->frame_slots;
    return need;
}

/* Fills in every field of a context for a call of `func` except its stacks (stack, stack_cap,
 * frames, frames_cap): owner, entry, the engine's limits, which the entry frame (`need` slots)
 * always fits, and an empty, ready state. */
static void call_setup(weft_call_t *c, weft_store_t *store, weft_func_t *func, bool sync,
                       size_t need)
{
    c->store = store;
    c->alloc = store->alloc;
    c->entry = func;
    c->state = WEFT_CTX_READY;
    c->sync = sync;
    const weft_config_t *cfg = &store->engine->config;
    c->max_depth = cfg->max_call_depth ? cfg->max_call_depth : WEFT_DEFAULT_MAX_CALL_DEPTH;
    uint64_t bytes = cfg->max_stack_bytes ? cfg->max_stack_bytes : WEFT_DEFAULT_MAX_STACK_BYTES;
    c->max_slots = (size_t)(bytes / 8);
    if (need > c->max_slots) c->max_slots = need;
    c->nframes = 0;
    c->func = NULL;
    c->pc = NULL;
    c->fp_off = 0;
    c->susp_func = NULL;
    c->susp_off = 0;
}

/* Allocates a context with room for `need` slots. The value stack is left uninitialized: the
 * arguments are written in, weft_call_run and every frame push zero the declared locals
 * (4.4.10), and validation guarantees each operand slot is written before it is read. */
static weft_call_t *call_alloc(const weft_alloc_t *a, size_t need)
{
    weft_call_t *c = weft__calloc(a, 1, sizeof *c);
    if (!c) return NULL;
    c->stack_cap = need > INITIAL_STACK_SLOTS ? need : INITIAL_STACK_SLOTS;
    c->stack = weft__malloc(a, c->stack_cap * sizeof *c->stack);
    c->frames = weft__malloc(a, INITIAL_FRAMES * sizeof *c->frames);
    if (!c->stack || !c->frames) {
        weft__free(a, c->stack, c->stack_cap * sizeof *c->stack);
        weft__free(a, c->frames, INITIAL_FRAMES * sizeof *c->frames);
        weft__free(a, c, sizeof *c);
        return NULL;
    }
    c->frames_cap = INITIAL_FRAMES;
    return c;
}

static weft_error_t *call_create(weft_store_t *store, weft_func_t *func, const weft_val_t *args,
                                 size_t nargs, bool sync, weft_call_t **out)
{
    *out = NULL;
    const weft_alloc_t dflt = {weft__default_alloc, NULL};
    if (!store || !func)
        return weft__error_new(store ? &store->alloc : &dflt, WEFT_ERROR_INVALID_ARG, UINT64_MAX,
                               "store and function must not be NULL");
    const weft_alloc_t *a = &store->alloc;
    const weft_functype_t *t = func->type;
    weft_error_t *e = check_vals(a, "arguments", args, nargs, t->params, t->nparams);
    if (e) return e;
    size_t need = entry_slots(func);
    weft_call_t *c = call_alloc(a, need);
    if (!c) return weft__error_oom();
    call_setup(c, store, func, sync, need);
    vals_to_slots(args, nargs, c->stack);
    c->state = WEFT_CTX_READY;
    *out = c;
    return NULL;
}

/* A cached context keeps at most this much stack (16 KiB) and frame room (4 KiB); a call that
 * grew it further gets it shrunk back when it is returned, so an idle store stays small. */
#define CACHE_MAX_STACK_SLOTS 2048u
#define CACHE_MAX_FRAMES 128u

/* A context for weft_func_call: from the store's cache when there is one (its stacks are
 * reused as they are), else a new one. NULL when out of memory. */
static weft_call_t *call_take(weft_store_t *store, weft_func_t *func)
{
    weft_call_t *c;
    size_t need = entry_slots(func);
    if (store->ncall_cache == 0) {
        c = call_alloc(&store->alloc, need);
        if (c) call_setup(c, store, func, true, need);
        return c;
    }
    c = store->call_cache[--store->ncall_cache];
    uint64_t *stack = c->stack;
    size_t stack_cap = c->stack_cap;
    weft_frame_rec_t *frames = c->frames;
    uint32_t frames_cap = c->frames_cap;
    memset(c, 0, sizeof *c); /* whatever the context holds, only its stacks are kept */
    c->stack = stack;
    c->stack_cap = stack_cap;
    c->frames = frames;
    c->frames_cap = frames_cap;
    call_setup(c, store, func, true, need);
    bool oom;
    if (need > c->stack_cap && !weft__call_grow_stack(c, need, &oom)) {
        weft_call_delete(c);
        return NULL;
    }
    return c;
}

/* Gives a context back to the store's cache, or frees it when the cache is full (nested calls)
 * or its stacks cannot be shrunk back. */
static void call_release(weft_store_t *store, weft_call_t *c)
{
    if (store->ncall_cache == WEFT_CALL_CACHE_MAX) {
        weft_call_delete(c);
        return;
    }
    if (c->stack_cap > CACHE_MAX_STACK_SLOTS) {
        uint64_t *p = weft__realloc(&c->alloc, c->stack, c->stack_cap * sizeof *p,
                                    INITIAL_STACK_SLOTS * sizeof *p);
        if (!p) {
            weft_call_delete(c);
            return;
        }
        c->stack = p;
        c->stack_cap = INITIAL_STACK_SLOTS;
    }
    if (c->frames_cap > CACHE_MAX_FRAMES) {
        weft_frame_rec_t *p = weft__realloc(&c->alloc, c->frames,
                                            (size_t)c->frames_cap * sizeof *p,
                                            INITIAL_FRAMES * sizeof *p);
        if (!p) {
            weft_call_delete(c);
            return;
        }
        c->frames = p;
        c->frames_cap = INITIAL_FRAMES;
    }
    store->call_cache[store->ncall_cache++] = c;
}

weft_error_t *weft__call_new_pooled(weft_store_t *store, weft_func_t *func,
                                    const weft_val_t *args, size_t nargs, weft_call_t **out)
{
    *out = NULL;
    const weft_functype_t *t = func->type;
    weft_error_t *e = check_vals(&store->alloc, "arguments", args, nargs, t->params, t->nparams);
    if (e) return e;
    weft_call_t *c = call_take(store, func);
    if (!c) return weft__error_oom();
    c->sync = false;
    vals_to_slots(args, nargs, c->stack);
    *out = c;
    return NULL;
}

void weft__call_recycle(weft_call_t *call)
{
    if (!call) return;
    if (call->state == WEFT_CTX_SUSPENDED || call->state == WEFT_CTX_RUNNING) {
        weft_call_delete(call); /* its frames may still be referenced: never reused */
        return;
    }
    call_release(call->store, call);
}

void weft__call_cache_free(weft_store_t *store)
{
    while (store->ncall_cache > 0) weft_call_delete(store->call_cache[--store->ncall_cache]);
}

void weft_call_delete(weft_call_t *call)
{
    if (!call) return;
    weft_alloc_t a = call->alloc;
    weft__free(&a, call->stack, call->stack_cap * sizeof *call->stack);
    weft__free(&a, call->frames, (size_t)call->frames_cap * sizeof *call->frames);
    weft__free(&a, call, sizeof *call);
}

weft_error_t *weft_call_new(weft_store_t *store, weft_func_t *func, const weft_val_t *args,
                            size_t nargs, weft_call_t **out)
{
    if (!out) {
        const weft_alloc_t dflt = {weft__default_alloc, NULL};
        return weft__error_new(store ? &store->alloc : &dflt, WEFT_ERROR_INVALID_ARG,
                               UINT64_MAX, "out must not be NULL");
    }
    return call_create(store, func, args, nargs, false, out);
}

static weft_call_state_t finish(weft_call_state_t st, weft_error_t *e, weft_error_t **err)
{
    if (st == WEFT_CALL_FAILED) {
        if (err) *err = e;
        else weft_error_delete(e);
    }
    return st;
}

/* Runs a READY context to its end, a trap or a suspension: the part of weft_call_run after
 * the checks of its state. *err is set only on failure. */
static weft_call_state_t call_start(weft_call_t *c, weft_error_t **err)
{
    weft_func_t *f = c->entry;
    weft_error_t *e = NULL;
    if (!f->code) {
        bool suspended = false;
        c->state = WEFT_CTX_RUNNING;
        e = weft__call_host(c, NULL, f, c->stack, &suspended);
        if (e) {
            c->state = WEFT_CTX_FAILED;
            *err = e;
            return WEFT_CALL_FAILED;
        }
        if (suspended) {
            c->pc = NULL;
            c->susp_func = f;
            c->susp_off = 0;
            c->state = WEFT_CTX_SUSPENDED;
            return WEFT_CALL_SUSPENDED;
        }
        c->state = WEFT_CTX_DONE;
        return WEFT_CALL_DONE;
    }
    const weft_code_t *cd = f->code;
    if (cd->local_slots) /* declared locals start at zero (4.4.10) */
        memset(c->stack + cd->param_slots, 0, (size_t)cd->local_slots * sizeof *c->stack);
    c->func = f;
    c->pc = cd->code;
    c->fp_off = 0;
    c->nframes = 0;
    c->state = WEFT_CTX_RUNNING;
    return weft__interp_run(c, err);
}

weft_call_state_t weft_call_run(weft_call_t *c, weft_error_t **err)
{
    if (err) *err = NULL;
    if (!c) return WEFT_CALL_FAILED;
    if (c->state != WEFT_CTX_READY)
        return finish(WEFT_CALL_FAILED,
                      weft__error_new(&c->alloc, WEFT_ERROR_INVALID_ARG, UINT64_MAX,
                                      c->state == WEFT_CTX_SUSPENDED
                                          ? "call is suspended; use weft_call_resume"
                                          : "call has already run"),
                      err);
    weft_error_t *e = NULL;
    weft_call_state_t st = call_start(c, &e);
    return finish(st, e, err);
}

weft_call_state_t weft_call_resume(weft_call_t *c, const weft_val_t *host_results,
                                   size_t nresults, weft_error_t **err)
{
    if (err) *err = NULL;
    if (!c) return WEFT_CALL_FAILED;
    if (c->state != WEFT_CTX_SUSPENDED)
        return finish(WEFT_CALL_FAILED,
                      weft__error_new(&c->alloc, WEFT_ERROR_INVALID_ARG, UINT64_MAX,
                                      "call is not suspended"),
                      err);
    const weft_functype_t *t = c->susp_func->type;
    weft_error_t *e = check_vals(&c->alloc, "results", host_results, nresults, t->results,
                                 t->nresults);
    if (e) return finish(WEFT_CALL_FAILED, e, err); /* stays suspended: misuse only */
    vals_to_slots(host_results, nresults, c->stack + c->susp_off);
    c->susp_func = NULL;
    if (!c->pc) {
        c->state = WEFT_CTX_DONE;
        return WEFT_CALL_DONE;
    }
    c->state = WEFT_CTX_RUNNING;
    weft_call_state_t st = weft__interp_run(c, &e);
    return finish(st, e, err);
}

weft_call_state_t weft__call_resume_slots(weft_call_t *c, const uint64_t *slots, size_t nslots,
                                          weft_error_t **err)
{
    *err = NULL;
    if (c->state != WEFT_CTX_SUSPENDED) {
        *err = weft__error_new(&c->alloc, WEFT_ERROR_INVALID_ARG, UINT64_MAX,
                               "call is not suspended");
        return WEFT_CALL_FAILED;
    }
    /* The runtime's own built-ins suspend with results it produced in their declared types:
     * weft_call_resume's checks and conversions would only repeat what is known. */
    for (size_t i = 0; i < nslots; i++) c->stack[c->susp_off + i] = slots[i];
    c->susp_func = NULL;
    if (!c->pc) {
        c->state = WEFT_CTX_DONE;
        return WEFT_CALL_DONE;
    }
    c->state = WEFT_CTX_RUNNING;
    return weft__interp_run(c, err);
}

weft_error_t *weft_call_results(const weft_call_t *c, weft_val_t *results, size_t nresults)
{
    const weft_alloc_t dflt = {weft__default_alloc, NULL};
    if (!c) return weft__error_new(&dflt, WEFT_ERROR_INVALID_ARG, UINT64_MAX, "call is NULL");
    if (c->state != WEFT_CTX_DONE)
        return weft__error_new(&c->alloc, WEFT_ERROR_INVALID_ARG, UINT64_MAX,
                               "call has not finished");
    const weft_functype_t *t = c->entry->type;
    if (nresults != t->nresults || (nresults && !results))
        return weft__error_new(&c->alloc, WEFT_ERROR_INVALID_ARG, UINT64_MAX,
                               "expected room for %u results, got %zu", t->nresults, nresults);
    slots_to_vals(results, t->results, nresults, c->stack);
    return NULL;
}

size_t weft_call_memory_usage(const weft_call_t *c)
{
    if (!c) return 0;
    return sizeof *c + c->stack_cap * sizeof *c->stack +
           (size_t)c->frames_cap * sizeof *c->frames;
}

weft_error_t *weft_func_call(weft_store_t *store, weft_func_t *func, const weft_val_t *args,
                             size_t nargs, weft_val_t *results, size_t nresults)
{
    const weft_alloc_t dflt = {weft__default_alloc, NULL};
    if (!store || !func)
        return weft__error_new(store ? &store->alloc : &dflt, WEFT_ERROR_INVALID_ARG, UINT64_MAX,
                               "store and function must not be NULL");
    const weft_functype_t *t = func->type;
    weft_error_t *e = check_vals(&store->alloc, "arguments", args, nargs, t->params, t->nparams);
    if (e) return e;
    if (nresults != t->nresults || (nresults && !results))
        return weft__error_new(&store->alloc, WEFT_ERROR_INVALID_ARG, UINT64_MAX,
                               "expected room for %u results, got %zu", t->nresults, nresults);
    weft_call_t *c = call_take(store, func);
    if (!c) return weft__error_oom();
    vals_to_slots(args, nargs, c->stack);
    weft_call_state_t st = call_start(c, &e);
    if (st == WEFT_CALL_DONE) slots_to_vals(results, t->results, nresults, c->stack);
    else if (st == WEFT_CALL_SUSPENDED && !e)
        e = weft__error_new(&store->alloc, WEFT_ERROR_INVALID_ARG, UINT64_MAX,
                            "host function suspended in a synchronous call");
    call_release(store, c);
    return e;
}

/* The nested entry. A wasm function with a cached context is the common case (a component's
 * realloc, core function or post-return, called while its caller's context runs). A cached
 * context was set up by call_take for this store (store, alloc and max_depth, which depend
 * only on the store and its engine, are already right) and ended DONE or FAILED, so only the
 * fields a call changes are set again: those call_setup and call_start set. A field added
 * to struct weft_call that a call changes must be reset here too. */
weft_error_t *weft__func_call_slots(weft_store_t *store, weft_func_t *func, uint64_t *slots)
{
    const weft_functype_t *t = func->type;
    const weft_code_t *cd = func->code;
    weft_call_t *c;
    weft_error_t *e = NULL;
    weft_call_state_t st;
    size_t need = t->param_slots > t->result_slots ? t->param_slots : t->result_slots;
    if (cd && cd->frame_slots > need) need = cd->frame_slots;
    if (cd && store->ncall_cache > 0 &&
        need <= store->call_cache[store->ncall_cache - 1]->stack_cap) {
        c = store->call_cache[--store->ncall_cache];
        c->entry = func;
        c->sync = true;
        const weft_config_t *cfg = &store->engine->config;
        uint64_t bytes = cfg->max_stack_bytes ? cfg->max_stack_bytes : WEFT_DEFAULT_MAX_STACK_BYTES;
        c->max_slots = (size_t)(bytes / 8);
        if (need > c->max_slots) c->max_slots = need;
        c->susp_func = NULL;
        c->susp_off = 0;
        uint64_t *stack = c->stack;
        for (uint32_t i = 0, n = t->param_slots; i < n; i++) stack[i] = slots[i];
        if (cd->local_slots) /* declared locals start at zero (4.4.10) */
            memset(stack + cd->param_slots, 0, (size_t)cd->local_slots * sizeof *stack);
        c->func = func;
        c->pc = cd->code;
        c->fp_off = 0;
        c->nframes = 0;
        c->state = WEFT_CTX_RUNNING;
        st = weft__interp_run(c, &e);
    } else {
        c = call_take(store, func);
        if (!c) return weft__error_oom();
        for (uint32_t i = 0; i < t->param_slots; i++) c->stack[i] = slots[i];
        st = call_start(c, &e);
    }
    if (st == WEFT_CALL_DONE) {
        const uint64_t *stack = c->stack;
        for (uint32_t i = 0, n = t->result_slots; i < n; i++) slots[i] = stack[i];
    } else if (st == WEFT_CALL_SUSPENDED && !e) {
        e = weft__error_new(&store->alloc, WEFT_ERROR_INVALID_ARG, UINT64_MAX,
                            "host function suspended in a synchronous call");
    }
    /* call_release's common case inline: back to the cache with its stacks as they are. */
    if (store->ncall_cache < WEFT_CALL_CACHE_MAX && c->stack_cap <= CACHE_MAX_STACK_SLOTS &&
        c->frames_cap <= CACHE_MAX_FRAMES)
        store->call_cache[store->ncall_cache++] = c;
    else
        call_release(store, c);
    return e;
}

/* ------------------------------------------------------------------------------------------ */
/* The caller handle given to host functions                                                   */

weft_memory_t *weft_caller_memory(weft_caller_t *caller, uint32_t index)
{
    if (!caller || !caller->inst || index >= caller->inst->module->nmemories) return NULL;
    return caller->inst->memories[index];
}

bool weft_caller_export(weft_caller_t *caller, const char *name, size_t len, weft_extern_t *out)
{
    if (!caller || !caller->inst) return false;
    return weft_instance_export(caller->inst, name, len, out);
}

weft_store_t *weft_caller_store(weft_caller_t *caller) { return caller ? caller->store : NULL; }

void weft_caller_suspend(weft_caller_t *caller)
{
    if (caller) caller->suspend = true;
}
