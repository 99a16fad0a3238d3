/* call.c - synchronous calls of component functions (CanonicalABI.md "canon lift",
 * "canon lower"; definitions.py canon_lift / canon_lower with sync options): from the host,
 * from a component to the host, and from a component to another component through the
 * fused copy. Also the instance rules: may_leave (no calls out while realloc or post-return
 * runs), may_enter (no reentrance) and poisoning after a trap. */
#include <string.h>

#include "component/async.h"
#include "component/instance.h"
#include "util/error.h"

/* Everything one side of a call needs; the context points into it, so it stays put. */
typedef struct side {
    weft_canon_cx_t cx;
    weft_store_t *store;
    weft_func_t *realloc;
    const weft_cstate_t *resolver; /* whose view the types of the call are in */
    weft_lends_t lends;
    weft_borrow_scope_t scope;
} side_t;

static weft_error_t *do_realloc(void *env, uint32_t old_ptr, uint32_t old_size, uint32_t align,
                                uint32_t new_size, uint32_t *result)
{
    side_t *s = env;
    return weft__canon_call_realloc(s->store, s->realloc, old_ptr, old_size, align, new_size,
                                    result);
}

static const weft_rt_resource_t *do_resource(void *env, const weft_ty_resource_t *r)
{
    const side_t *s = env;
    const weft_crt_t *rt = weft__cstate_resource(s->resolver, r);
    return rt ? &rt->base : NULL;
}

/* A context for instance st with the given options, resolving resource types in the view of
 * `resolver`. */
static void side_init(side_t *s, weft_cstate_t *st, const weft_cstate_t *resolver,
                      const weft_ty_opts_t *opts, weft_memory_t *memory, weft_func_t *realloc)
{
    /* Every field is set: no memset of the inline lends array on each call. */
    s->store = st->store;
    s->realloc = realloc;
    s->resolver = resolver;
    weft__lends_init(&s->lends);
    s->scope.num_borrows = 0;
    s->cx.alloc = &st->root->alloc;
    s->cx.memory = memory;
    s->cx.string_encoding = opts ? opts->string_encoding : WEFT_STRENC_UTF8;
    s->cx.realloc = realloc ? do_realloc : NULL;
    s->cx.realloc_env = s;
    s->cx.handles = &st->handles;
    s->cx.inst = st;
    s->cx.resource = do_resource;
    s->cx.resource_env = s;
    s->cx.lends = &s->lends;
    s->cx.borrow_scope = &s->scope;
    s->cx.may_leave = &st->may_leave;
}

/* Ends the loans of one side's call (a call lending nothing has nothing to release). */
static void side_release(side_t *s, weft_handles_t *handles)
{
    if (s->lends.count || s->lends.items != s->lends.inline_items)
        weft__lends_release(&s->lends, handles);
}

static weft_error_t *trap(weft_cstate_t *st, const char *msg)
{
    return weft__canon_trap(&st->root->alloc, "%s", msg);
}

/* True if a is b or one of b's ancestors (CanonicalABI.md "is_reflexive_ancestor_of"). */
static bool reflexive_ancestor(const weft_cstate_t *a, const weft_cstate_t *b)
{
    for (; b; b = b->parent)
        if (a == b) return true;
    return false;
}

/* CanonicalABI.md "call_might_be_recursive", the rule the reference tests
 * (test/async/trap-on-reenter.wast) follow:
 * - from a component: the call traps if the caller is a reflexive ancestor of the callee or
 *   the callee one of the caller (parent-to-child, child-to-parent and self calls), so that no
 *   recursion through a parent's `canon lower` of a child export ("donut wrapping") is
 *   possible;
 * - from the host: it traps if any instance on the caller's stack shares an ancestor with the
 *   callee. Ancestor chains meet exactly when they end at the same outermost instance, i.e.
 *   in the same weft_croot_t, and in synchronous execution every call in progress is on the
 *   stack, so that is "the callee's tree has a call in progress".
 * Two further traps: a poisoned instance (a trap happened inside it, definitions.py
 * trap-on-poison) and one already running a synchronous call (may_enter), which also covers
 * reentrance through two roots the host linked to each other. */
weft_error_t *weft__call_enter_check(const weft_cstate_t *caller, const weft_cstate_t *callee)
{
    bool recursive = caller ? reflexive_ancestor(caller, callee) ||
                                  reflexive_ancestor(callee, caller)
                            : callee->root->active > 0;
    if (recursive || callee->poisoned || callee->entered)
        return weft__canon_trap(&callee->root->alloc,
                                "wasm trap: cannot enter component instance");
    return NULL;
}

void weft__call_enter(weft_cstate_t *st)
{
    st->entered = true;
    st->root->active++;
}

void weft__call_leave(weft_cstate_t *st)
{
    st->entered = false;
    st->root->active--;
    if (st->async) weft__async_sync_leave(st);
}

/* The fields of a function type's parameters and of its result. */
static const weft_ty_field_t *param_fields(const weft_ty_func_t *ft)
{
    return ft->params_tuple ? ft->params_tuple->fields : NULL;
}

/* A number or bool: one flat value, lifted by wrapping and lowered as is (no trap, no
 * memory, no handle). */
static bool is_plain_scalar(const weft_ty_val_t *t)
{
    return t->kind >= WEFT_TY_BOOL && t->kind <= WEFT_TY_F64;
}

void weft__call_plan_init(weft_cplan_t *plan, const weft_ty_opts_t *opts,
                          const weft_ty_func_t *ft)
{
    memset(plan, 0, sizeof *plan);
    weft__canon_tuple_init(&plan->params, param_fields(ft), ft->nparams);
    plan->result_field.type = ft->result;
    weft__canon_tuple_init(&plan->result, &plan->result_field, ft->result ? 1u : 0u);
    weft_ty_flat_sig_t sig;
    weft_ty_flatten_functype(opts, ft, WEFT_TY_LOWER, &sig);
    plan->results_indirect = sig.results_indirect;
    bool scalar = ft->nparams <= WEFT_MAX_FLAT_PARAMS && (!ft->result || is_plain_scalar(ft->result));
    for (uint32_t i = 0; scalar && i < ft->nparams; i++)
        scalar = is_plain_scalar(ft->params[i].type);
    plan->scalar = scalar;
}

void weft__call_prepare_lifted(weft_component_func_t *f)
{
    weft__call_plan_init(&f->plan, &f->opts, f->type);
    size_t n = weft_func_result_count(f->core);
    f->ncore_results = (uint32_t)n;
    for (size_t i = 0; i < n && i < 2; i++) f->core_results[i] = weft_func_result(f->core, i);
}

/* Zeroed result slots of the core function of lifted f. */
static uint32_t core_results(const weft_component_func_t *f, weft_val_t *out)
{
    uint32_t n = f->ncore_results;
    for (uint32_t i = 0; i < n && i < 2; i++) {
        memset(&out[i], 0, sizeof out[i]);
        out[i].kind = f->core_results[i];
    }
    return n;
}

/* post-return runs with may_leave cleared (definitions.py canon_lift). */
static weft_error_t *post_return(weft_component_func_t *f, const weft_val_t *res, uint32_t n)
{
    if (!f->post_return) return NULL;
    weft_cstate_t *st = f->inst;
    bool saved = st->may_leave;
    st->may_leave = false;
    weft_error_t *err = weft__canon_core_call(st->store, f->post_return, res, n, NULL, 0);
    st->may_leave = saved;
    return err;
}

/* ---- type checks of host values -------------------------------------------------------- */

static bool value_fits(const weft_ty_val_t *t, const weft_cval_t *v)
{
    if (!v || v->kind != t->kind) return false;
    if (weft_ty_is_record_like(t)) {
        if (v->u.agg.len != t->count || (t->count && !v->u.agg.items)) return false;
        for (uint32_t i = 0; i < t->count; i++)
            if (!value_fits(t->fields[i].type, &v->u.agg.items[i])) return false;
    } else if (t->kind == WEFT_TY_LIST || t->kind == WEFT_TY_MAP ||
               t->kind == WEFT_TY_FIXED_LIST) {
        if (t->kind == WEFT_TY_FIXED_LIST && v->u.agg.len != t->len) return false;
        if (v->u.agg.len && !v->u.agg.items) return false;
        for (uint32_t i = 0; i < v->u.agg.len; i++)
            if (!value_fits(t->elem, &v->u.agg.items[i])) return false;
    } else if (weft_ty_is_variant_like(t)) {
        if (v->u.var.index >= t->count) return false;
        const weft_ty_val_t *pt = t->fields[v->u.var.index].type;
        if ((pt != NULL) != (v->u.var.payload != NULL)) return false;
        if (pt && !value_fits(pt, v->u.var.payload)) return false;
    } else if (t->kind == WEFT_TY_STRING) {
        if (v->u.str.tagged_code_units && !v->u.str.bytes) return false;
    }
    return true;
}

/* Traps leaving a component to the host read "wasm trap: REASON", the wording the reference
 * tests match. */
weft_error_t *weft__call_trap_prefix(weft_store_t *store, weft_error_t *err)
{
    static const char prefix[] = "wasm trap: ";
    if (!err || weft_error_kind(err) != WEFT_ERROR_TRAP) return err;
    const char *msg = weft_error_message(err);
    if (!strncmp(msg, prefix, sizeof prefix - 1)) return err;
    weft_error_t *e = weft__error_new(&store->alloc, WEFT_ERROR_TRAP, UINT64_MAX, "%s%s", prefix,
                                      msg);
    if (e == weft__error_oom()) return err;
    e->trap = weft_error_trap_code(err);
    for (size_t i = 0; i < weft_error_frame_count(err); i++) {
        const weft_frame_t *f = weft_error_frame(err, i);
        (void)weft__error_add_frame(e, f->func_index, f->name, f->code_offset);
    }
    weft_error_delete(err);
    return e;
}

/* Whether lifted function f can run as a synchronous call. An `async`-typed function lifted
 * without the `async` option uses the synchronous ABI (CanonicalABI.md "canon lift"), so it
 * runs like any other as long as it need not wait: only when its instance has backpressure
 * set would its task have to wait before starting (definitions.py Task.enter), and waiting
 * needs async execution. */
static weft_error_t *check_sync_entry(const weft_component_func_t *f)
{
    if (f->opts.is_async || (f->type->is_async && f->inst->backpressure > 0))
        return trap(f->inst, "async not yet supported");
    return NULL;
}

/* ---- calls from the host --------------------------------------------------------------- */

/* lower_flat of a plain scalar (canon_lower.c): integers in two's complement, NaNs
 * canonical. */
static void lower_scalar(uint8_t kind, const weft_cval_t *v, weft_val_t *o)
{
    memset(o, 0, sizeof *o);
    switch (kind) {
    case WEFT_TY_BOOL: o->kind = WEFT_I32; o->of.i32 = v->u.b ? 1 : 0; break;
    case WEFT_TY_U64: case WEFT_TY_S64: o->kind = WEFT_I64; o->of.i64 = (int64_t)v->u.u; break;
    case WEFT_TY_F32: o->kind = WEFT_F32; o->of.f32 = weft__canon_nan32(v->u.f32); break;
    case WEFT_TY_F64: o->kind = WEFT_F64; o->of.f64 = weft__canon_nan64(v->u.f64); break;
    default: o->kind = WEFT_I32; o->of.i32 = (int32_t)(uint32_t)v->u.u; break;
    }
}

/* lift_flat of a plain scalar (canon_lift.c): integers wrapped to the type, NaNs canonical. */
static void lift_scalar(uint8_t kind, const weft_val_t *v, weft_cval_t *out)
{
    uint32_t w = (uint32_t)v->of.i32;
    out->kind = kind;
    switch (kind) {
    case WEFT_TY_BOOL: out->u.b = w != 0; break;
    case WEFT_TY_U8: out->u.u = w & 0xff; break;
    case WEFT_TY_U16: out->u.u = w & 0xffff; break;
    case WEFT_TY_U32: out->u.u = w; break;
    case WEFT_TY_U64: out->u.u = (uint64_t)v->of.i64; break;
    case WEFT_TY_S8: out->u.s = (int8_t)(uint8_t)w; break;
    case WEFT_TY_S16: out->u.s = (int16_t)(uint16_t)w; break;
    case WEFT_TY_S32: out->u.s = (int32_t)w; break;
    case WEFT_TY_S64: out->u.s = v->of.i64; break;
    case WEFT_TY_F32: out->u.f32 = weft__canon_nan32(v->of.f32); break;
    default: out->u.f64 = weft__canon_nan64(v->of.f64); break;
    }
}

/* call_lifted for a plan->scalar function: nothing reaches memory, handles or realloc, so no
 * lifting context is needed and the values are converted in place. */
static weft_error_t *call_lifted_scalar(weft_component_func_t *f, const weft_cval_t *args,
                                        weft_cval_t *results)
{
    weft_cstate_t *st = f->inst;
    const weft_ty_func_t *ft = f->type;
    weft__call_enter(st);
    memset(st->context, 0, sizeof st->context);
    weft_val_t flat[WEFT_MAX_FLAT_PARAMS];
    uint32_t np = ft->nparams;
    for (uint32_t i = 0; i < np; i++) lower_scalar(ft->params[i].type->kind, &args[i], &flat[i]);
    weft_val_t res[2];
    uint32_t nres = core_results(f, res);
    weft_error_t *err = weft__canon_core_call(st->store, f->core, flat, np, res, nres);
    if (!err && ft->result) {
        if (nres < 1)
            err = weft__canon_trap(&st->root->alloc, "canonical ABI: %u core values for %u",
                                   nres, 1u);
        else
            lift_scalar(ft->result->kind, &res[0], results);
    }
    if (!err) err = post_return(f, res, nres);
    weft__call_leave(st);
    if (err) st->poisoned = true;
    return err;
}

static weft_error_t *call_lifted(weft_component_func_t *f, const weft_cval_t *args,
                                 weft_cval_t *results, weft_cval_arena_t *ar)
{
    weft_cstate_t *st = f->inst;
    weft_error_t *err = weft__call_enter_check(NULL, st);
    if (err) return err;
    err = check_sync_entry(f);
    if (err) return err;
    if (f->plan.scalar) return call_lifted_scalar(f, args, results);
    side_t callee;
    side_init(&callee, st, st, &f->opts, f->memory, f->realloc);
    weft__call_enter(st);
    memset(st->context, 0, sizeof st->context);
    weft_val_t flat[WEFT_MAX_FLAT_PARAMS + 1];
    uint32_t nflat = 0;
    err = weft__canon_lower_tuple(&callee.cx, WEFT_MAX_FLAT_PARAMS, &f->plan.params, args, NULL,
                                  flat, &nflat);
    weft_val_t res[2];
    uint32_t nres = core_results(f, res);
    if (!err) err = weft__canon_core_call(st->store, f->core, flat, nflat, res, nres);
    if (!err && f->type->result)
        err = weft__canon_lift_tuple(&callee.cx, ar, WEFT_MAX_FLAT_RESULTS, &f->plan.result, res,
                                     nres, results);
    if (!err) err = post_return(f, res, nres);
    if (!err) err = weft__borrow_scope_check(&st->root->alloc, &callee.scope);
    side_release(&callee, &st->handles);
    weft__call_leave(st);
    if (err) st->poisoned = true;
    return err;
}

weft_error_t *weft__call_func(weft_store_t *store, weft_component_func_t *f,
                              const weft_cval_t *args, size_t nargs, weft_cval_t *results,
                              size_t nresults, weft_cval_arena_t *arena)
{
    const weft_ty_func_t *ft = f->type;
    size_t want = ft->result ? 1 : 0;
    if (nargs != ft->nparams || nresults < want || (nargs && !args) || (want && !results)) {
        return weft__error_new(&store->alloc, WEFT_ERROR_INVALID_ARG, UINT64_MAX,
                               "component call: expected %u arguments and %zu results, got %zu "
                               "and %zu",
                               ft->nparams, want, nargs, nresults);
    }
    for (size_t i = 0; i < nargs; i++) {
        if (!value_fits(ft->params[i].type, &args[i])) {
            return weft__error_new(&store->alloc, WEFT_ERROR_INVALID_ARG, UINT64_MAX,
                                   "component call: argument %zu does not match type %s", i,
                                   weft_ty_kind_name(ft->params[i].type->kind));
        }
    }
    weft_cval_arena_t local;
    bool own = !arena;
    if (own) {
        weft__cval_arena_init(&local, &store->alloc);
        arena = &local;
    }
    weft_error_t *err;
    if (f->kind == WEFT_CFUNC_HOST) {
        err = f->host(f->host_env, store, args, nargs, results, want, arena);
    } else if (f->type->is_async) {
        err = weft__async_call_host(store, f, args, results, arena);
    } else {
        err = call_lifted(f, args, results, arena);
    }
    if (own) weft__cval_arena_reset(&local);
    return weft__call_trap_prefix(store, err);
}

/* ---- calls from a component (canon lower) ---------------------------------------------- */

typedef struct lower_env {
    weft_cstate_t *st; /* the lowering (calling) instance */
    const weft_ccanon_info_t *info;
    weft_memory_t *memory;
    weft_func_t *realloc;
    weft_component_func_t *target;
    weft_cplan_t plan; /* of info->func, the caller's view */
} lower_env_t;

static weft_error_t *lower_to_host(lower_env_t *le, const weft_val_t *args, uint32_t nargs,
                                   const uint32_t *out_param, weft_val_t *out, uint32_t *nout)
{
    weft_cstate_t *S = le->st;
    const weft_ty_func_t *ft = le->info->func;
    side_t caller;
    side_init(&caller, S, S, &le->info->opts, le->memory, le->realloc);
    weft_cval_arena_t ar;
    weft__cval_arena_init(&ar, &S->root->alloc);
    /* The argument nodes: inline for the usual few parameters. */
    weft_cval_t argv_inline[8];
    weft_cval_t *argv = argv_inline;
    if (ft->nparams < 8u) memset(argv_inline, 0, sizeof argv_inline);
    else argv = weft__cval_nodes(&ar, ft->nparams + 1u);
    weft_cval_t result;
    memset(&result, 0, sizeof result);
    weft_error_t *err = argv ? NULL : weft__error_oom();
    if (!err)
        err = weft__canon_lift_tuple(&caller.cx, &ar, WEFT_MAX_FLAT_PARAMS, &le->plan.params,
                                     args, nargs, argv);
    if (!err) {
        err = le->target->host(le->target->host_env, S->store, argv, ft->nparams, &result,
                               ft->result ? 1 : 0, &ar);
    }
    if (!err && ft->result) {
        if (!value_fits(ft->result, &result)) {
            err = trap(S, "host function returned a value of the wrong type");
        } else {
            err = weft__canon_lower_tuple(&caller.cx, WEFT_MAX_FLAT_RESULTS, &le->plan.result,
                                          &result, out_param, out, nout);
        }
    }
    side_release(&caller, &S->handles);
    weft__cval_arena_reset(&ar);
    return err;
}

static weft_error_t *lower_to_lifted(lower_env_t *le, const weft_val_t *args, uint32_t nargs,
                                     const uint32_t *out_param, weft_val_t *out, uint32_t *nout)
{
    weft_cstate_t *S = le->st;
    weft_component_func_t *f = le->target;
    weft_cstate_t *T = f->inst;
    const weft_ty_func_t *ft = le->info->func;
    weft_error_t *err = weft__call_enter_check(S, T);
    if (err) return err;
    err = check_sync_entry(f);
    if (err) return err;
    /* Both sides use the caller's view of the function type (its resource types resolve in
     * S; the callee's view is a supertype naming the same runtime types). */
    side_t src, dst;
    side_init(&src, S, S, &le->info->opts, le->memory, le->realloc);
    side_init(&dst, T, S, &f->opts, f->memory, f->realloc);
    weft__call_enter(T);
    memset(T->context, 0, sizeof T->context);
    weft_val_t flat[WEFT_MAX_FLAT_PARAMS + 1];
    uint32_t nflat = 0;
    err = weft__canon_copy_tuple(&src.cx, WEFT_MAX_FLAT_PARAMS, args, nargs, &dst.cx,
                                 WEFT_MAX_FLAT_PARAMS, NULL, &le->plan.params, flat, &nflat);
    weft_val_t res[2];
    uint32_t nres = core_results(f, res);
    if (!err) err = weft__canon_core_call(T->store, f->core, flat, nflat, res, nres);
    /* Results flow back: the callee's context lifts, the caller's lowers. */
    if (!err && ft->result)
        err = weft__canon_copy_tuple(&dst.cx, WEFT_MAX_FLAT_RESULTS, res, nres, &src.cx,
                                     WEFT_MAX_FLAT_RESULTS, out_param, &le->plan.result, out,
                                     nout);
    if (!err) err = post_return(f, res, nres);
    if (!err) err = weft__borrow_scope_check(&T->root->alloc, &dst.scope);
    side_release(&src, &S->handles);
    side_release(&dst, &T->handles);
    weft__call_leave(T);
    if (err) T->poisoned = true;
    return err;
}

static weft_error_t *lower_fn(void *env, weft_caller_t *caller, const weft_val_t *args,
                              size_t nargs, weft_val_t *results, size_t nresults)
{
    (void)caller;
    lower_env_t *le = env;
    weft_cstate_t *S = le->st;
    if (!S->may_leave) return trap(S, "wasm trap: cannot leave component instance");
    /* A synchronous lower of an `async`-typed import is an ordinary call as long as the
     * callee does not block (which needs async execution and traps where it would). */
    if (le->info->opts.is_async) return trap(S, "async not yet supported");
    uint32_t nparams = (uint32_t)nargs;
    uint32_t outp = 0;
    const uint32_t *out_param = NULL;
    if (le->plan.results_indirect && nargs > 0) {
        nparams--;
        outp = (uint32_t)args[nparams].of.i32;
        out_param = &outp;
    }
    weft_val_t out[WEFT_MAX_FLAT_PARAMS + 1];
    uint32_t nout = 0;
    weft_error_t *err = le->target->kind == WEFT_CFUNC_HOST
                            ? lower_to_host(le, args, nparams, out_param, out, &nout)
                            : lower_to_lifted(le, args, nparams, out_param, out, &nout);
    if (err) return err;
    for (size_t i = 0; i < nresults && i < nout; i++) {
        weft_valkind_t k = (weft_valkind_t)results[i].kind;
        results[i] = out[i];
        results[i].kind = k;
    }
    return NULL;
}

static weft_func_t *core_func_new(weft_cstate_t *st, const weft_ty_core_func_t *type,
                                  weft_host_fn fn, void *env)
{
    weft_valkind_t p[64], r[64];
    uint32_t np = type ? type->nparams : 0, nr = type ? type->nresults : 0;
    if (np > 64 || nr > 64) return NULL;
    for (uint32_t i = 0; i < np; i++) p[i] = weft__cvk(type->params[i]);
    for (uint32_t i = 0; i < nr; i++) r[i] = weft__cvk(type->results[i]);
    return weft_func_new(st->store, p, np, r, nr, fn, env, NULL);
}

weft_error_t *weft__call_make_lower(weft_cstate_t *st, const weft_ccanon_info_t *info,
                                    weft_component_func_t *target, weft_func_t **out)
{
    lower_env_t *le = weft__croot_alloc(st->root, sizeof *le);
    if (!le) return weft__error_oom();
    le->st = st;
    le->info = info;
    le->target = target;
    weft__call_plan_init(&le->plan, &info->opts, info->func);
    if (info->opts.has_memory) le->memory = st->core_memories[info->opts.memory];
    if (info->opts.has_realloc) le->realloc = st->core_funcs[info->opts.realloc];
    *out = core_func_new(st, info->core, lower_fn, le);
    return *out ? NULL : weft__error_oom();
}

typedef struct trap_env {
    weft_cstate_t *st;
    const char *msg;
} trap_env_t;

static weft_error_t *trap_fn(void *env, weft_caller_t *caller, const weft_val_t *args,
                             size_t nargs, weft_val_t *results, size_t nresults)
{
    (void)caller, (void)args, (void)nargs, (void)results, (void)nresults;
    trap_env_t *te = env;
    /* Every built-in checks may_leave first (definitions.py: trap_if(not inst.may_leave)). */
    if (!te->st->may_leave) return trap(te->st, "wasm trap: cannot leave component instance");
    return trap(te->st, te->msg);
}

weft_error_t *weft__call_make_trap(weft_cstate_t *st, const weft_ty_core_func_t *type,
                                   const char *msg, weft_func_t **out)
{
    trap_env_t *te = weft__croot_alloc(st->root, sizeof *te);
    if (!te) return weft__error_oom();
    te->st = st;
    te->msg = msg;
    *out = core_func_new(st, type, trap_fn, te);
    return *out ? NULL : weft__error_oom();
}
