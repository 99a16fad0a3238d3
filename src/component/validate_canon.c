/* validate_canon.c - canonical definitions (Binary.md "Canonical Definitions", CanonicalABI.md
 * canon_* validation): options, immediates and the core function type each produces. */
#include <stdio.h>
#include <string.h>

#include "component/validate_internal.h"

static const uint8_t I32 = WEFT_T_I32;

static const weft_ty_core_func_t *sig(vstate_t *st, uint32_t np, uint8_t p0, uint8_t p1,
                                      uint8_t p2, uint32_t nr, uint8_t r0)
{
    uint8_t p[3] = {p0, p1, p2}, r[1] = {r0};
    return weft__cv_core_func(st, np, p, nr, r);
}

static const weft_ty_core_func_t *core_func_at(vstate_t *st, vscope_t *sc, uint32_t i,
                                               uint32_t off)
{
    if (i >= sc->sp[WEFT_CSORT_CORE_FUNC].count) {
        weft__cv_fail(st, off, "unknown core func %u: function index out of bounds", i);
        return NULL;
    }
    return sc->sp[WEFT_CSORT_CORE_FUNC].items[i].core.func;
}

static bool same_sig(const weft_ty_core_func_t *f, uint32_t np, const uint8_t *p, uint32_t nr,
                     const uint8_t *r)
{
    if (!f || f->nparams != np || f->nresults != nr) return false;
    for (uint32_t i = 0; i < np; i++)
        if (f->params[i] != p[i]) return false;
    for (uint32_t i = 0; i < nr; i++)
        if (f->results[i] != r[i]) return false;
    return true;
}

/* "[I32, I64]": a core type list in the reference tests' wording. */
static void fmt_types(char *buf, size_t cap, const weft_valtype_t *types, uint32_t n)
{
    size_t len = (size_t)snprintf(buf, cap, "[");
    for (uint32_t i = 0; i < n && len + 16 < cap; i++) {
        const char *nm;
        switch (types[i] & 0xFFu) {
        case WEFT_T_I32: nm = "I32"; break;
        case WEFT_T_I64: nm = "I64"; break;
        case WEFT_T_F32: nm = "F32"; break;
        case WEFT_T_F64: nm = "F64"; break;
        case WEFT_T_V128: nm = "V128"; break;
        case WEFT_T_FUNCREF: nm = "FuncRef"; break;
        case WEFT_T_EXTERNREF: nm = "ExternRef"; break;
        default: nm = "Ref"; break;
        }
        len += (size_t)snprintf(buf + len, cap - len, "%s%s", i ? ", " : "", nm);
    }
    if (len + 2 <= cap) snprintf(buf + len, cap - len, "]");
}

/* Widens a flattened type list for fmt_types. */
static const weft_valtype_t *widen(weft_valtype_t *out, const uint8_t *in, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++) out[i] = in[i];
    return out;
}

static bool same_list(const weft_valtype_t *a, uint32_t na, const uint8_t *b, uint32_t nb)
{
    if (na != nb) return false;
    for (uint32_t i = 0; i < na; i++)
        if (a[i] != b[i]) return false;
    return true;
}

/* Parses and checks the option list for duplicates and conflicts. */
static bool opts_parse(vstate_t *st, vscope_t *sc, const weft_canon_t *c, weft_ty_opts_t *o)
{
    static const char *const enc[] = {"utf8", "utf16", "latin1-utf16"};
    bool has_enc = false;
    memset(o, 0, sizeof *o);
    for (uint32_t i = 0; i < c->nopts; i++) {
        const weft_copt_t *op = &c->opts[i];
        switch (op->kind) {
        case WEFT_COPT_UTF8: case WEFT_COPT_UTF16: case WEFT_COPT_LATIN1_UTF16:
            if (has_enc) {
                uint8_t a = o->string_encoding, b = op->kind;
                if (a > b) { uint8_t t = a; a = b; b = t; }
                return weft__cv_fail(st, op->offset,
                                     "canonical encoding option `%s` conflicts with option `%s`",
                                     enc[a], enc[b]);
            }
            has_enc = true;
            o->string_encoding = op->kind;
            break;
        case WEFT_COPT_MEMORY:
            if (o->has_memory)
                return weft__cv_fail(st, op->offset,
                                     "canonical option `memory` is specified more than once");
            if (op->index >= sc->sp[WEFT_CSORT_CORE_MEMORY].count)
                return weft__cv_fail(st, op->offset,
                                     "unknown memory %u: memory index out of bounds", op->index);
            o->has_memory = true;
            o->memory = op->index;
            o->mem64 = sc->sp[WEFT_CSORT_CORE_MEMORY].items[op->index].core.limits.is64;
            break;
        case WEFT_COPT_REALLOC: case WEFT_COPT_POST_RETURN: case WEFT_COPT_CALLBACK: {
            const char *nm = op->kind == WEFT_COPT_REALLOC ? "realloc"
                             : op->kind == WEFT_COPT_POST_RETURN ? "post-return" : "callback";
            bool *has = op->kind == WEFT_COPT_REALLOC ? &o->has_realloc
                        : op->kind == WEFT_COPT_POST_RETURN ? &o->has_post_return
                                                            : &o->has_callback;
            uint32_t *idx = op->kind == WEFT_COPT_REALLOC ? &o->realloc
                            : op->kind == WEFT_COPT_POST_RETURN ? &o->post_return
                                                                : &o->callback;
            if (*has)
                return weft__cv_fail(st, op->offset,
                                     "canonical option `%s` is specified more than once", nm);
            if (!core_func_at(st, sc, op->index, op->offset)) return false;
            *has = true;
            *idx = op->index;
            break;
        }
        case WEFT_COPT_ASYNC:
            if (o->is_async)
                return weft__cv_fail(st, op->offset,
                                     "canonical option `async` is specified more than once");
            o->is_async = true;
            break;
        default:
            return weft__cv_fail(st, op->offset, "invalid canonical option");
        }
    }
    if (o->has_realloc && !o->has_memory)
        return weft__cv_fail(st, c->offset,
                             "canonical option `realloc` requires `memory` to also be specified");
    if (o->has_realloc) {
        const weft_ty_core_func_t *f = sc->sp[WEFT_CSORT_CORE_FUNC].items[o->realloc].core.func;
        uint8_t p[4] = {I32, I32, I32, I32}, r[1] = {I32};
        if (o->mem64) p[0] = p[1] = p[2] = p[3] = r[0] = WEFT_T_I64;
        if (!same_sig(f, 4, p, 1, r))
            return weft__cv_fail(st, c->offset,
                                 "canonical option `realloc` uses a core function with an "
                                 "incorrect signature");
    }
    if (o->has_callback) {
        const weft_ty_core_func_t *f = sc->sp[WEFT_CSORT_CORE_FUNC].items[o->callback].core.func;
        uint8_t p[3] = {I32, I32, I32}, r[1] = {I32};
        if (!same_sig(f, 3, p, 1, r))
            return weft__cv_fail(st, c->offset,
                                 "canonical option `callback` uses a core function with an "
                                 "incorrect signature");
    }
    return true;
}

/* Options allowed only for some canon forms. */
static bool opts_only(vstate_t *st, const weft_canon_t *c, const weft_ty_opts_t *o,
                      bool allow_realloc, bool allow_post, bool allow_async, bool allow_cb)
{
    if (o->has_post_return && !allow_post)
        return weft__cv_fail(st, c->offset, c->op == WEFT_CANON_LOWER
                                                ? "canonical option `post-return` cannot be "
                                                  "specified for lowerings"
                                                : "canonical option `post-return` is not "
                                                  "allowed here");
    if (o->has_realloc && !allow_realloc)
        return weft__cv_fail(st, c->offset, "canonical option `realloc` is not allowed here");
    if (o->is_async && !allow_async)
        return weft__cv_fail(st, c->offset, "canonical option `async` is not allowed here");
    if (o->has_callback && !allow_cb)
        return weft__cv_fail(st, c->offset, "canonical option `callback` is not allowed here");
    return true;
}

/* Memory/realloc requirements of lifting or lowering values of these types. */
static bool need_for(vstate_t *st, const weft_canon_t *c, const weft_ty_opts_t *o,
                     const weft_ty_val_t *t, bool lifting_into_core)
{
    if (!t) return true;
    if (t->bits & WEFT_TYB_STRING_LIST) {
        if (!o->has_memory)
            return weft__cv_fail(st, c->offset, "canonical option `memory` is required");
        if (lifting_into_core && !o->has_realloc)
            return weft__cv_fail(st, c->offset, "canonical option `realloc` is required");
    }
    return true;
}

static bool lift(vstate_t *st, vscope_t *sc, const weft_canon_t *c, weft_ccanon_info_t *info)
{
    weft_ty_opts_t *o = &info->opts;
    const weft_ty_core_func_t *core = core_func_at(st, sc, c->func, c->offset);
    if (!core && !st->err)
        return weft__cv_fail(st, c->offset, "core func %u is not a function", c->func);
    if (!core) return false;
    const weft_ty_def_t *d = weft__cv_type_at(st, sc, c->type, c->offset);
    if (!d) return false;
    if (d->kind != WEFT_TYD_FUNC)
        return weft__cv_fail(st, c->offset, "type index %u is not a function type", c->type);
    const weft_ty_func_t *ft = d->u.func;
    if (!opts_only(st, c, o, true, !o->is_async, true, true)) return false;
    if (o->is_async && !ft->is_async)
        return weft__cv_fail(st, c->offset,
                             "the `async` canonical option requires an async function type");
    if (o->has_callback && !o->is_async)
        return weft__cv_fail(st, c->offset, "cannot specify callback without async");
    weft_ty_flat_sig_t fs;
    weft_ty_flatten_functype(o, ft, WEFT_TY_LIFT, &fs);
    /* lifting: parameters are lowered into the callee (realloc), results lifted out */
    for (uint32_t i = 0; i < ft->nparams; i++)
        if (!need_for(st, c, o, ft->params[i].type, true)) return false;
    if (!need_for(st, c, o, ft->result, false)) return false;
    if ((fs.params_indirect || (fs.results_indirect && !o->is_async)) && !o->has_memory)
        return weft__cv_fail(st, c->offset, "canonical option `memory` is required");
    if (fs.params_indirect && !o->has_realloc)
        return weft__cv_fail(st, c->offset, "canonical option `realloc` is required");
    if (!same_list(core->params, core->nparams, fs.params, fs.nparams)) {
        char want[160], have[160];
        weft_valtype_t tmp[WEFT_MAX_FLAT_PARAMS + 1];
        fmt_types(want, sizeof want, widen(tmp, fs.params, fs.nparams), fs.nparams);
        fmt_types(have, sizeof have, core->params, core->nparams);
        return weft__cv_fail(st, c->offset,
                             "lowered parameter types `%s` do not match parameter types `%s` of "
                             "core function %u", want, have, c->func);
    }
    if (!same_list(core->results, core->nresults, fs.results, fs.nresults)) {
        char want[160], have[160];
        weft_valtype_t tmp[WEFT_MAX_FLAT_PARAMS + 1];
        fmt_types(want, sizeof want, widen(tmp, fs.results, fs.nresults), fs.nresults);
        fmt_types(have, sizeof have, core->results, core->nresults);
        return weft__cv_fail(st, c->offset,
                             "lowered result types `%s` do not match result types `%s` of core "
                             "function %u", want, have, c->func);
    }
    if (o->has_post_return) {
        const weft_ty_core_func_t *pr =
            sc->sp[WEFT_CSORT_CORE_FUNC].items[o->post_return].core.func;
        if (!same_sig(pr, fs.nresults, fs.results, 0, NULL))
            return weft__cv_fail(st, c->offset,
                                 "canonical option `post-return` uses a core function with an "
                                 "incorrect signature");
    }
    info->func = ft;
    info->core = core;
    weft_cslot_t *s = weft__cv_push_slot(st, sc, WEFT_CSORT_FUNC);
    if (!s) return false;
    s->func = ft;
    return true;
}

static bool push_core(vstate_t *st, vscope_t *sc, weft_ccanon_info_t *info,
                      const weft_ty_core_func_t *f)
{
    if (!f) return false;
    info->core = f;
    weft_cslot_t *s = weft__cv_push_slot(st, sc, WEFT_CSORT_CORE_FUNC);
    if (!s) return false;
    s->core.kind = WEFT_TYC_FUNC;
    s->core.func = f;
    return true;
}

static bool lower(vstate_t *st, vscope_t *sc, const weft_canon_t *c, weft_ccanon_info_t *info)
{
    weft_ty_opts_t *o = &info->opts;
    if (c->func >= sc->sp[WEFT_CSORT_FUNC].count)
        return weft__cv_fail(st, c->offset, "unknown function %u: function index out of bounds",
                             c->func);
    const weft_ty_func_t *ft = sc->sp[WEFT_CSORT_FUNC].items[c->func].func;
    if (!opts_only(st, c, o, true, false, true, false)) return false;
    if (o->is_async && !ft->is_async)
        return weft__cv_fail(st, c->offset,
                             "the `async` canonical option requires an async function type");
    weft_ty_flat_sig_t fs;
    weft_ty_flatten_functype(o, ft, WEFT_TY_LOWER, &fs);
    for (uint32_t i = 0; i < ft->nparams; i++)
        if (!need_for(st, c, o, ft->params[i].type, false)) return false;
    if (!need_for(st, c, o, ft->result, !o->is_async)) return false;
    if ((fs.params_indirect || fs.results_indirect) && !o->has_memory)
        return weft__cv_fail(st, c->offset, "canonical option `memory` is required");
    info->func = ft;
    return push_core(st, sc, info,
                     weft__cv_core_func(st, fs.nparams, fs.params, fs.nresults, fs.results));
}

static const weft_ty_resource_t *resource_arg(vstate_t *st, vscope_t *sc, const weft_canon_t *c,
                                              bool local)
{
    const weft_ty_def_t *d = weft__cv_type_at(st, sc, c->type, c->offset);
    if (!d) return NULL;
    if (d->kind != WEFT_TYD_RESOURCE) {
        weft__cv_fail(st, c->offset, "type index %u is not a resource type", c->type);
        return NULL;
    }
    if (local && !weft__cv_has_ptr(&sc->resources, d->u.resource)) {
        weft__cv_fail(st, c->offset, "type index %u is not a local resource", c->type);
        return NULL;
    }
    return d->u.resource;
}

static const weft_ty_val_t *async_arg(vstate_t *st, vscope_t *sc, const weft_canon_t *c,
                                      bool stream)
{
    const weft_ty_def_t *d = weft__cv_type_at(st, sc, c->type, c->offset);
    if (!d) return NULL;
    uint8_t want = stream ? WEFT_TY_STREAM : WEFT_TY_FUTURE;
    if (d->kind != WEFT_TYD_VAL || d->u.val->kind != want) {
        weft__cv_fail(st, c->offset, "type index %u is not a %s type", c->type,
                      stream ? "stream" : "future");
        return NULL;
    }
    return d->u.val;
}

bool weft__cv_canon(vstate_t *st, vscope_t *sc, weft_cvalid_t *v, uint32_t i)
{
    const weft_canon_t *c = &v->def->canons.items[i];
    weft_ccanon_info_t *info = &v->canons[i];
    if (!opts_parse(st, sc, c, &info->opts)) return false;
    weft_ty_opts_t *o = &info->opts;
    switch (c->op) {
    case WEFT_CANON_LIFT: return lift(st, sc, c, info);
    case WEFT_CANON_LOWER: return lower(st, sc, c, info);
    case WEFT_CANON_RESOURCE_NEW:
        if (!(info->resource = resource_arg(st, sc, c, true))) return false;
        return push_core(st, sc, info, sig(st, 1, info->resource->rep, 0, 0, 1, I32));
    case WEFT_CANON_RESOURCE_REP:
        if (!(info->resource = resource_arg(st, sc, c, true))) return false;
        return push_core(st, sc, info, sig(st, 1, I32, 0, 0, 1, info->resource->rep));
    case WEFT_CANON_RESOURCE_DROP:
        if (!(info->resource = resource_arg(st, sc, c, false))) return false;
        return push_core(st, sc, info, sig(st, 1, I32, 0, 0, 0, 0));
    case WEFT_CANON_TASK_RETURN: {
        if (!opts_only(st, c, o, false, false, false, false)) return false;
        weft_ty_func_t *ft = weft_ty_alloc(st->arena, sizeof *ft);
        weft_ty_param_t *p = weft_ty_alloc(st->arena, sizeof *p);
        if (!ft || !p) return weft__cv_oom(st);
        if (c->has_result) {
            if (!(p->type = weft__cv_valtype(st, sc, c->result, c->offset))) return false;
            if (p->type->bits & WEFT_TYB_BORROW)
                return weft__cv_fail(st, c->offset,
                                     "function result cannot contain a `borrow` type");
            ft->nparams = 1;
            ft->params = p;
            ft->params_tuple = p->type;
        }
        info->func = ft;
        weft_ty_flat_sig_t fs;
        weft_ty_opts_t lo = *o;
        lo.is_async = false;
        weft_ty_flatten_functype(&lo, ft, WEFT_TY_LOWER, &fs);
        if ((fs.params_indirect || (c->has_result && (ft->params[0].type->bits &
                                                      WEFT_TYB_STRING_LIST))) &&
            !o->has_memory)
            return weft__cv_fail(st, c->offset, "canonical option `memory` is required");
        return push_core(st, sc, info, weft__cv_core_func(st, fs.nparams, fs.params, 0, NULL));
    }
    case WEFT_CANON_CONTEXT_GET: case WEFT_CANON_CONTEXT_SET:
        if (c->core_valtype != WEFT_T_I32)
            return weft__cv_fail(st, c->offset, "context type must be `i32`");
        if (c->slot >= 2)
            return weft__cv_fail(st, c->offset, "context index %u is out of bounds", c->slot);
        return push_core(st, sc, info,
                         c->op == WEFT_CANON_CONTEXT_GET ? sig(st, 0, 0, 0, 0, 1, I32)
                                                         : sig(st, 1, I32, 0, 0, 0, 0));
    case WEFT_CANON_BACKPRESSURE_INC: case WEFT_CANON_BACKPRESSURE_DEC:
    case WEFT_CANON_TASK_CANCEL:
        return push_core(st, sc, info, sig(st, 0, 0, 0, 0, 0, 0));
    case WEFT_CANON_SUBTASK_CANCEL:
        return push_core(st, sc, info, sig(st, 1, I32, 0, 0, 1, I32));
    case WEFT_CANON_SUBTASK_DROP: case WEFT_CANON_WAITABLE_SET_DROP:
    case WEFT_CANON_ERROR_CONTEXT_DROP: case WEFT_CANON_THREAD_RESUME_LATER:
        return push_core(st, sc, info, sig(st, 1, I32, 0, 0, 0, 0));
    case WEFT_CANON_WAITABLE_JOIN:
        return push_core(st, sc, info, sig(st, 2, I32, I32, 0, 0, 0));
    case WEFT_CANON_WAITABLE_SET_NEW: case WEFT_CANON_THREAD_INDEX:
    case WEFT_CANON_THREAD_AVAILABLE_PARALLELISM:
        return push_core(st, sc, info, sig(st, 0, 0, 0, 0, 1, I32));
    case WEFT_CANON_THREAD_YIELD: case WEFT_CANON_THREAD_SUSPEND:
        return push_core(st, sc, info, sig(st, 0, 0, 0, 0, 1, I32));
    case WEFT_CANON_THREAD_SUSPEND_THEN_RESUME: case WEFT_CANON_THREAD_YIELD_THEN_RESUME:
    case WEFT_CANON_THREAD_SUSPEND_THEN_PROMOTE: case WEFT_CANON_THREAD_YIELD_THEN_PROMOTE:
        return push_core(st, sc, info, sig(st, 1, I32, 0, 0, 1, I32));
    case WEFT_CANON_WAITABLE_SET_WAIT: case WEFT_CANON_WAITABLE_SET_POLL:
        if (c->memory >= sc->sp[WEFT_CSORT_CORE_MEMORY].count)
            return weft__cv_fail(st, c->offset, "unknown memory %u: memory index out of bounds",
                                 c->memory);
        return push_core(st, sc, info, sig(st, 2, I32, I32, 0, 1, I32));
    case WEFT_CANON_THREAD_NEW_INDIRECT: case WEFT_CANON_THREAD_SPAWN_INDIRECT: {
        if (c->type >= sc->sp[WEFT_CSORT_CORE_TYPE].count)
            return weft__cv_fail(st, c->offset, "unknown core type %u: type index out of bounds",
                                 c->type);
        const weft_ty_core_func_t *f = sc->sp[WEFT_CSORT_CORE_TYPE].items[c->type].core_functype;
        if (!f) return weft__cv_fail(st, c->offset, "core type index %u is not a function type",
                                     c->type);
        if (c->table >= sc->sp[WEFT_CSORT_CORE_TABLE].count)
            return weft__cv_fail(st, c->offset, "unknown table %u: table index out of bounds",
                                 c->table);
        return push_core(st, sc, info, sig(st, 2, I32, I32, 0, 1, I32));
    }
    case WEFT_CANON_THREAD_SPAWN_REF:
        return push_core(st, sc, info, sig(st, 2, WEFT_T_FUNCREF, I32, 0, 1, I32));
    case WEFT_CANON_STREAM_NEW: case WEFT_CANON_FUTURE_NEW:
        if (!(info->val = async_arg(st, sc, c, c->op == WEFT_CANON_STREAM_NEW))) return false;
        return push_core(st, sc, info, sig(st, 0, 0, 0, 0, 1, WEFT_T_I64));
    case WEFT_CANON_STREAM_READ: case WEFT_CANON_STREAM_WRITE: case WEFT_CANON_FUTURE_READ:
    case WEFT_CANON_FUTURE_WRITE: {
        bool stream = c->op == WEFT_CANON_STREAM_READ || c->op == WEFT_CANON_STREAM_WRITE;
        if (!(info->val = async_arg(st, sc, c, stream))) return false;
        if (!opts_only(st, c, o, true, false, true, false)) return false;
        const weft_ty_val_t *e = info->val->elem;
        if (e && !o->has_memory)
            return weft__cv_fail(st, c->offset, "canonical option `memory` is required");
        bool read = c->op == WEFT_CANON_STREAM_READ || c->op == WEFT_CANON_FUTURE_READ;
        if (e && read && (e->bits & WEFT_TYB_STRING_LIST) && !o->has_realloc)
            return weft__cv_fail(st, c->offset, "canonical option `realloc` is required");
        uint8_t ptr = o->mem64 ? WEFT_T_I64 : I32;
        return push_core(st, sc, info,
                         stream ? sig(st, 3, I32, ptr, ptr, 1, ptr) : sig(st, 2, I32, ptr, 0, 1, I32));
    }
    case WEFT_CANON_STREAM_CANCEL_READ: case WEFT_CANON_STREAM_CANCEL_WRITE:
    case WEFT_CANON_FUTURE_CANCEL_READ: case WEFT_CANON_FUTURE_CANCEL_WRITE: {
        bool stream = c->op <= WEFT_CANON_STREAM_CANCEL_WRITE;
        if (!(info->val = async_arg(st, sc, c, stream))) return false;
        return push_core(st, sc, info, sig(st, 1, I32, 0, 0, 1, I32));
    }
    case WEFT_CANON_STREAM_DROP_READABLE: case WEFT_CANON_STREAM_DROP_WRITABLE:
    case WEFT_CANON_FUTURE_DROP_READABLE: case WEFT_CANON_FUTURE_DROP_WRITABLE: {
        bool stream = c->op <= WEFT_CANON_STREAM_DROP_WRITABLE;
        if (!(info->val = async_arg(st, sc, c, stream))) return false;
        return push_core(st, sc, info, sig(st, 1, I32, 0, 0, 0, 0));
    }
    case WEFT_CANON_ERROR_CONTEXT_NEW:
        if (!o->has_memory)
            return weft__cv_fail(st, c->offset, "canonical option `memory` is required");
        return push_core(st, sc, info, sig(st, 2, I32, I32, 0, 1, I32));
    case WEFT_CANON_ERROR_CONTEXT_DEBUG_MESSAGE:
        if (!o->has_memory)
            return weft__cv_fail(st, c->offset, "canonical option `memory` is required");
        if (!o->has_realloc)
            return weft__cv_fail(st, c->offset, "canonical option `realloc` is required");
        return push_core(st, sc, info, sig(st, 2, I32, I32, 0, 0, 0));
    default:
        return weft__cv_fail(st, c->offset, "unknown canonical function");
    }
}
