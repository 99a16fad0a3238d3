/* validate_code.c - decoding and type checking of function bodies (Wasm core spec 3.3
 * Instructions, 3.4.1 Functions, 5.4 binary instructions), following the algorithm of the spec
 * appendix "Validation Algorithm": an operand stack of value types (with an "unknown" type for
 * the polymorphic stack after unreachable/br/return) and a control stack of block frames.
 *
 * The decoder keeps bodies as byte ranges, so the instruction stream is decoded here too:
 * malformed encodings are reported as WEFT_ERROR_DECODE, typing failures as
 * WEFT_ERROR_VALIDATE. Every encoding the decoder's scan rejects is rejected here as well,
 * which lets modules be loaded with one pass over their code (weft__module_decode_quick): this
 * loop is the hot path of loading a large module, so the commonest cases (numeric operators on
 * operands of the exact types, locals, plain loads and stores, one-byte immediates) are
 * handled inline and everything else out of line. Nothing is allocated per instruction: the
 * stacks grow geometrically and are reused across the functions of a module. */
#include "core/validate_internal.h"
#include "core/decode_types.h"
#include "core/leb_fast.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "util/leb.h"

/* A decoded memarg (5.4.6; Wasm 3.0 adds the memory index and 64-bit offsets). */
typedef struct vmemarg {
    uint32_t align; /* log2 of the alignment */
    uint32_t mem;   /* memory index */
    uint64_t offset;
} vmemarg_t;

/* The unknown type of the polymorphic stack (appendix: "Unknown"). */
#define T_ANY 0u

/* Above this many locals the types are looked up by binary search over the local groups
 * instead of being expanded into an array. */
#define FLAT_LOCALS_MAX 4096u

typedef struct vctrl {
    uint32_t op;     /* 0 for the function frame, else the opcode: block/loop/if/else,
                        try_table, and the legacy try/catch/catch_all */
    uint32_t nparams, nresults;
    const weft_valtype_t *params;  /* start types */
    const weft_valtype_t *results; /* end types; NULL means `single` */
    weft_valtype_t single;         /* the result of a block type that is one value type */
    size_t height;                 /* operand stack height at block entry */
    size_t init_height;            /* local initialisation log height at block entry */
    bool unreachable;
} vctrl_t;

struct weft_vcode {
    const weft_module_t *m;
    weft_alloc_t alloc;

    weft_valtype_t *vals;
    size_t nvals, capvals;
    vctrl_t *ctrls;
    size_t nctrls, capctrls;
    weft_valtype_t *tmp; /* br_table: values popped and pushed back */
    size_t captmp;

    /* Locals of the current function: params then declared locals, expanded when few. */
    weft_valtype_t *locals;
    size_t caplocals;
    uint64_t *group_end; /* otherwise: cumulative counts (params included) per group */
    size_t capgroups;
    const weft_body_t *body;
    const weft_functype_t *ftype;
    uint64_t nlocals; /* params + declared */
    bool flat;
    /* Wasm 3.0 local initialisation (3.4.1, 3.3.5): for functions with a non-defaultable local,
     * one flag per local and a log of the locals set since each block's entry, undone at the
     * block's end. */
    bool track_init;
    uint8_t *init;
    size_t capinit;
    uint32_t *init_log;
    size_t ninit_log, capinit_log;
    char tbuf[2][32]; /* names of typed references in messages */
    unsigned tbuf_k;

    /* The instruction being checked, for messages. */
    uint32_t func_index;
    uint32_t op;
    size_t insn_offset;

    uint32_t feat;       /* WEFT_FEATURE_* bits accepted */
    bool checking;       /* false: decode only */
    weft_error_t *verr;  /* the first validation error of this function */
    weft_error_t *fatal; /* out of memory */
};

/* ---- errors ------------------------------------------------------------------------------ */

static bool is_oom(const weft_error_t *e)
{
    return e->kind == WEFT_ERROR_OOM;
}

/* Records a validation error for the current instruction and switches to decode-only mode, so
 * the rest of the body is still checked for malformed encodings (they take precedence).
 * Always returns false. */
#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static bool
fail(weft_vcode_t *vc, const char *reason, const char *fmt, ...)
{
    if (!vc->checking) return false;
    vc->checking = false;
    char detail[160];
    detail[0] = 0;
    if (fmt) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(detail, sizeof detail, fmt, ap);
        va_end(ap);
    }
    weft_error_t *e = weft__error_new(&vc->alloc, WEFT_ERROR_VALIDATE, vc->insn_offset,
                                      "%s: in function %u at offset 0x%zx (%s)%s%s", reason,
                                      vc->func_index, vc->insn_offset,
                                      weft__validate_op_name(vc->op), detail[0] ? ": " : "",
                                      detail);
    if (is_oom(e)) vc->fatal = e;
    else vc->verr = e;
    return false;
}

static weft_error_t *decode_error(weft_vcode_t *vc, size_t offset, const char *reason)
{
    return weft__error_new(&vc->alloc, WEFT_ERROR_DECODE, offset,
                           "%s: in function %u at offset 0x%zx", reason, vc->func_index, offset);
}

static bool oom(weft_vcode_t *vc)
{
    if (!vc->fatal) vc->fatal = weft__error_oom();
    vc->checking = false;
    return false;
}

/* Type names for messages; two rotating buffers so one message can name two typed refs. */
static const char *tname_(weft_vcode_t *vc, weft_valtype_t t)
{
    if (!weft__valtype_is_typed(t)) return weft__validate_type_name(t);
    vc->tbuf_k ^= 1u;
    return weft__valtype_name(t, vc->tbuf[vc->tbuf_k], sizeof vc->tbuf[0]);
}
#define tname(t) tname_(vc, (t))

/* ---- the operand stack ------------------------------------------------------------------- */

#if defined(__GNUC__)
#define VC_COLD __attribute__((noinline, cold))
#define VC_LIKELY(x) __builtin_expect(!!(x), 1)
#else
#define VC_COLD
#define VC_LIKELY(x) (x)
#endif

static VC_COLD bool push_grow(weft_vcode_t *vc, weft_valtype_t t)
{
    if (weft__grow(&vc->alloc, (void **)&vc->vals, &vc->capvals, vc->nvals + 1, sizeof *vc->vals))
        return oom(vc);
    vc->vals[vc->nvals++] = t;
    return true;
}

static inline bool push(weft_vcode_t *vc, weft_valtype_t t)
{
    if (VC_LIKELY(vc->nvals < vc->capvals)) {
        vc->vals[vc->nvals++] = t;
        return true;
    }
    return push_grow(vc, t);
}

static bool push_n(weft_vcode_t *vc, const weft_valtype_t *ts, uint32_t n)
{
    if (n == 0) return true;
    if (vc->capvals - vc->nvals < n &&
        weft__grow(&vc->alloc, (void **)&vc->vals, &vc->capvals, vc->nvals + n, sizeof *vc->vals))
        return oom(vc);
    memcpy(vc->vals + vc->nvals, ts, (size_t)n * sizeof *ts);
    vc->nvals += n;
    return true;
}

/* Pops one operand that must have type `want` (T_ANY: any type); stores the actual type, which
 * is T_ANY when it came from the polymorphic part of the stack (appendix pop_val). */
#if defined(__GNUC__)
__attribute__((noinline))
#endif
static bool pop_expect_slow(weft_vcode_t *vc, weft_valtype_t want, weft_valtype_t *got)
{
    const vctrl_t *c = &vc->ctrls[vc->nctrls - 1];
    if (vc->nvals == c->height) {
        if (c->unreachable) {
            if (got) *got = T_ANY;
            return true;
        }
        return fail(vc, "type mismatch", "expected %s, found nothing", tname(want));
    }
    weft_valtype_t t = vc->vals[--vc->nvals];
    if (want != T_ANY && t != T_ANY && t != want && !weft__valtype_sub(vc->m, t, want))
        return fail(vc, "type mismatch", "expected %s, found %s", tname(want), tname(t));
    if (got) *got = t;
    return true;
}

/* The common case inline: an operand of exactly the wanted type (or any type wanted) above
 * the frame's base; everything else (subtyping, the polymorphic stack, errors) is out of
 * line. */
static inline bool pop_expect(weft_vcode_t *vc, weft_valtype_t want, weft_valtype_t *got)
{
    size_t n = vc->nvals;
    if (VC_LIKELY(n > vc->ctrls[vc->nctrls - 1].height)) {
        weft_valtype_t t = vc->vals[n - 1];
        if (VC_LIKELY(t == want || want == T_ANY)) {
            vc->nvals = n - 1;
            if (got) *got = t;
            return true;
        }
    }
    return pop_expect_slow(vc, want, got);
}

static bool pop_n(weft_vcode_t *vc, const weft_valtype_t *ts, uint32_t n)
{
    for (uint32_t i = n; i-- > 0;)
        if (!pop_expect(vc, ts[i], NULL)) return false;
    return true;
}

static void set_unreachable(weft_vcode_t *vc)
{
    vctrl_t *c = &vc->ctrls[vc->nctrls - 1];
    vc->nvals = c->height;
    c->unreachable = true;
}

/* ---- the control stack ------------------------------------------------------------------- */

static const weft_valtype_t *ctrl_results(const vctrl_t *c)
{
    return c->results ? c->results : &c->single;
}

/* The types a branch to frame `c` carries: a loop's parameters, else its results. */
static const weft_valtype_t *label_types(const vctrl_t *c)
{
    return c->op == 0x03 ? c->params : ctrl_results(c);
}
static uint32_t label_arity(const vctrl_t *c)
{
    return c->op == 0x03 ? c->nparams : c->nresults;
}

static vctrl_t *push_ctrl(weft_vcode_t *vc, uint32_t op)
{
    if (vc->nctrls == vc->capctrls &&
        weft__grow(&vc->alloc, (void **)&vc->ctrls, &vc->capctrls, vc->nctrls + 1,
                   sizeof *vc->ctrls)) {
        oom(vc);
        return NULL;
    }
    vctrl_t *c = &vc->ctrls[vc->nctrls++];
    memset(c, 0, sizeof *c);
    c->op = op;
    c->height = vc->nvals;
    c->init_height = vc->ninit_log;
    return c;
}

/* Checks that the top frame's results are on the stack and nothing else (appendix pop_ctrl,
 * without removing the frame). */
static bool check_frame_end(weft_vcode_t *vc)
{
    const vctrl_t *c = &vc->ctrls[vc->nctrls - 1];
    if (!pop_n(vc, ctrl_results(c), c->nresults)) return false;
    if (vc->nvals != c->height)
        return fail(vc, "type mismatch", "%zu value(s) left on the stack at the end of the block",
                    vc->nvals - c->height);
    return true;
}

/* ---- locals ------------------------------------------------------------------------------ */

/* A value type that names a type index must name an existing one. */
static bool check_valtype(weft_vcode_t *vc, weft_valtype_t t)
{
    if (weft__rt_has_idx(t) && weft__rt_idx(t) >= vc->m->ntypes) {
        char reason[40];
        snprintf(reason, sizeof reason, "unknown type %u", weft__rt_idx(t));
        return fail(vc, reason, NULL);
    }
    return true;
}

static bool setup_locals(weft_vcode_t *vc)
{
    const weft_body_t *b = vc->body;
    const weft_functype_t *ft = vc->ftype;
    uint64_t total = ft->nparams;
    bool track = false;
    for (uint32_t i = 0; i < b->nlocal_groups; i++) {
        total += b->local_groups[i].count;
        if (!check_valtype(vc, b->local_groups[i].type)) return true; /* decode-only now */
        if (!weft__valtype_defaultable(b->local_groups[i].type)) track = true;
    }
    vc->nlocals = total;
    if (track) {
        /* Parameters start set, declared locals unset (only non-defaultable ones are read). */
        if (vc->capinit < total &&
            weft__grow(&vc->alloc, (void **)&vc->init, &vc->capinit, (size_t)total, 1))
            return oom(vc);
        memset(vc->init, 1, ft->nparams);
        memset(vc->init + ft->nparams, 0, (size_t)(total - ft->nparams));
        vc->track_init = true;
    }
    vc->flat = total <= FLAT_LOCALS_MAX;
    if (vc->flat) {
        if (vc->caplocals < total &&
            weft__grow(&vc->alloc, (void **)&vc->locals, &vc->caplocals, (size_t)total,
                       sizeof *vc->locals))
            return oom(vc);
        size_t k = 0;
        if (ft->nparams) memcpy(vc->locals, ft->params, (size_t)ft->nparams * sizeof *ft->params);
        k = ft->nparams;
        for (uint32_t i = 0; i < b->nlocal_groups; i++)
            for (uint32_t j = 0; j < b->local_groups[i].count; j++)
                vc->locals[k++] = b->local_groups[i].type;
        return true;
    }
    if (vc->capgroups < b->nlocal_groups &&
        weft__grow(&vc->alloc, (void **)&vc->group_end, &vc->capgroups, b->nlocal_groups,
                   sizeof *vc->group_end))
        return oom(vc);
    uint64_t end = ft->nparams;
    for (uint32_t i = 0; i < b->nlocal_groups; i++) {
        end += b->local_groups[i].count;
        vc->group_end[i] = end;
    }
    return true;
}

static bool local_type(weft_vcode_t *vc, uint32_t x, weft_valtype_t *t)
{
    if (x >= vc->nlocals) {
        char reason[40];
        snprintf(reason, sizeof reason, "unknown local %u", x);
        return fail(vc, reason, NULL);
    }
    if (vc->flat) {
        *t = vc->locals[x];
        return true;
    }
    if (x < vc->ftype->nparams) {
        *t = vc->ftype->params[x];
        return true;
    }
    /* First group whose cumulative end exceeds x. */
    uint32_t lo = 0, hi = vc->body->nlocal_groups;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (vc->group_end[mid] > x) hi = mid;
        else lo = mid + 1;
    }
    *t = vc->body->local_groups[lo].type;
    return true;
}

/* Records that local x holds a value (local.set / local.tee), for the rest of the block. */
static bool set_local_init(weft_vcode_t *vc, uint32_t x)
{
    if (!vc->track_init || vc->init[x]) return true;
    if (vc->ninit_log == vc->capinit_log &&
        weft__grow(&vc->alloc, (void **)&vc->init_log, &vc->capinit_log, vc->ninit_log + 1,
                   sizeof *vc->init_log))
        return oom(vc);
    vc->init[x] = 1;
    vc->init_log[vc->ninit_log++] = x;
    return true;
}

/* Forgets the locals set inside the block whose entry log height is `height`. */
static void reset_local_init(weft_vcode_t *vc, size_t height)
{
    while (vc->ninit_log > height) vc->init[vc->init_log[--vc->ninit_log]] = 0;
}

/* ---- immediates -------------------------------------------------------------------------- */

static bool has(const weft_vcode_t *vc, uint32_t feature)
{
    return (vc->feat & feature) != 0;
}

static bool is_num_or_vec(weft_valtype_t t)
{
    return t == T_ANY || t == WEFT_T_I32 || t == WEFT_T_I64 || t == WEFT_T_F32 ||
           t == WEFT_T_F64 || t == WEFT_T_V128;
}

/* A block type (5.4.1): 0x40, a value type, or a non-negative s33 type index. Returns false on
 * a decode failure (the reader's error is set). The value-type form is stored in *vt. */
static bool read_blocktype(const weft_vcode_t *vc, weft_reader_t *r, int64_t *bt,
                           weft_valtype_t *vt)
{
    *vt = 0;
    if (r->p < r->end && *r->p == 0x40 && !r->err) { /* the empty block type, most common */
        r->p++;
        *bt = -64;
        return true;
    }
    if (!weft__read_s33(r, bt)) return false;
    if (*bt < 0) {
        /* One-byte negative forms: the low 7 bits are the type code. */
        uint8_t code = (uint8_t)((uint64_t)*bt & 0x7F);
        if (*bt < -64) {
            weft__reader_fail(r, "malformed value type");
            return false;
        }
        if (code != 0x40) return weft__read_blocktype_val(r, vc->feat, code, vt);
    }
    return true;
}

/* Resolves a block type into frame `c` (3.2.2 Block Types). */
static bool apply_blocktype(weft_vcode_t *vc, vctrl_t *c, int64_t bt, weft_valtype_t vt)
{
    if (bt >= 0) {
        if ((uint64_t)bt >= vc->m->ntypes)
            return fail(vc, "unknown type", "type %lld does not exist", (long long)bt);
        const weft_functype_t *ft = &vc->m->types[bt];
        c->params = ft->params;
        c->nparams = ft->nparams;
        c->results = ft->results;
        c->nresults = ft->nresults;
        return true;
    }
    if (vt != 0) {
        if (!check_valtype(vc, vt)) return false;
        c->single = vt;
        c->nresults = 1;
    }
    return true;
}

/* Reads a memarg (5.4.6). In Wasm 2.0 the alignment is a plain u32 exponent and the offset a
 * u32. With multiple memories (Wasm 3.0) bit 6 of the flags says a memory index follows and
 * flags from 128 up are malformed; with memory64 the offset is a u64. */
static inline bool read_memarg(const weft_vcode_t *vc, weft_reader_t *r, vmemarg_t *ma)
{
    const uint8_t *at = r->p;
    uint32_t flags = 0, off32 = 0;
    ma->mem = 0;
    ma->offset = 0;
    if (!weft__fast_u32(r, &flags)) return false;
    ma->align = flags;
    if (has(vc, WEFT_FEATURE_MULTI_MEMORY)) {
        if (flags >= 0x80) {
            r->p = at;
            weft__reader_fail(r, "malformed memop flags");
            return false;
        }
        ma->align = flags & 0x3F;
        if ((flags & 0x40) && !weft__fast_u32(r, &ma->mem)) return false;
    }
    if (has(vc, WEFT_FEATURE_MEMORY64)) return weft__fast_u64(r, &ma->offset);
    if (!weft__fast_u32(r, &off32)) return false;
    ma->offset = off32;
    return true;
}

static void read_zero(weft_reader_t *r)
{
    uint8_t b;
    if (weft__fast_u8(r, &b) && b != 0) {
        r->p--;
        weft__reader_fail(r, "zero byte expected");
    }
}

/* The memory index of memory.size/grow and the bulk memory instructions: a reserved zero byte
 * in Wasm 2.0, a u32 with multiple memories. */
static bool read_memidx(const weft_vcode_t *vc, weft_reader_t *r, uint32_t *mem)
{
    *mem = 0;
    if (has(vc, WEFT_FEATURE_MULTI_MEMORY)) return weft__fast_u32(r, mem);
    read_zero(r);
    return r->err == NULL;
}

/* ---- typing helpers ---------------------------------------------------------------------- */

/* Checks memory index `mem`; stores its address type (i64 for a memory64 memory). */
static bool need_memory(weft_vcode_t *vc, uint32_t mem, weft_valtype_t *at)
{
    if (mem >= vc->m->nmemories) {
        char reason[40];
        snprintf(reason, sizeof reason, "unknown memory %u", mem);
        return fail(vc, reason, NULL);
    }
    *at = vc->m->memories[mem].limits.is64 ? WEFT_T_I64 : WEFT_T_I32;
    return true;
}

/* The memarg's memory and offset (Wasm 3.0 3.3.7: the offset fits the address type). */
static bool need_memarg(weft_vcode_t *vc, const vmemarg_t *ma, weft_valtype_t *at)
{
    if (!need_memory(vc, ma->mem, at)) return false;
    if (*at == WEFT_T_I32 && ma->offset > UINT32_MAX)
        return fail(vc, "offset out of range", "offset %llu for a 32-bit memory",
                    (unsigned long long)ma->offset);
    return true;
}

/* The smaller of two address types (i32 if either is): the length operand of copies. */
static weft_valtype_t min_addr(weft_valtype_t a, weft_valtype_t b)
{
    return a == WEFT_T_I64 && b == WEFT_T_I64 ? WEFT_T_I64 : WEFT_T_I32;
}

static bool check_align(weft_vcode_t *vc, uint32_t align, uint32_t natural_log2)
{
    if (align > natural_log2)
        return fail(vc, "alignment must not be larger than natural",
                    "alignment 2**%u, natural 2**%u", align, natural_log2);
    return true;
}

/* Checks table index `x`; stores its element type and address type (i64 for table64). */
static bool need_table_at(weft_vcode_t *vc, uint32_t x, weft_valtype_t *elem, weft_valtype_t *at)
{
    if (x >= vc->m->ntables) {
        char reason[40];
        snprintf(reason, sizeof reason, "unknown table %u", x);
        return fail(vc, reason, NULL);
    }
    *elem = vc->m->tables[x].elem;
    *at = vc->m->tables[x].limits.is64 ? WEFT_T_I64 : WEFT_T_I32;
    return true;
}

static bool need_tag(weft_vcode_t *vc, uint32_t x, const weft_functype_t **ft)
{
    if (x >= vc->m->ntags || vc->m->tag_types[x] >= vc->m->ntypes) {
        char reason[40];
        snprintf(reason, sizeof reason, "unknown tag %u", x);
        return fail(vc, reason, NULL);
    }
    *ft = &vc->m->types[vc->m->tag_types[x]];
    return true;
}

static bool need_func(weft_vcode_t *vc, uint32_t x)
{
    if (x >= vc->m->nfuncs || vc->m->func_types[x] >= vc->m->ntypes) {
        char reason[40];
        snprintf(reason, sizeof reason, "unknown function %u", x);
        return fail(vc, reason, NULL);
    }
    return true;
}

static bool need_type(weft_vcode_t *vc, uint32_t x)
{
    if (x >= vc->m->ntypes) {
        char reason[40];
        snprintf(reason, sizeof reason, "unknown type %u", x);
        return fail(vc, reason, NULL);
    }
    return true;
}

static uint32_t data_count(const weft_module_t *m)
{
    return m->has_datacount ? m->datacount : m->ndatas;
}

static bool need_data(weft_vcode_t *vc, uint32_t x)
{
    if (x >= data_count(vc->m)) {
        char reason[48];
        snprintf(reason, sizeof reason, "unknown data segment %u", x);
        return fail(vc, reason, NULL);
    }
    return true;
}

static bool need_elem(weft_vcode_t *vc, uint32_t x)
{
    if (x >= vc->m->nelems) {
        char reason[48];
        snprintf(reason, sizeof reason, "unknown elem segment %u", x);
        return fail(vc, reason, NULL);
    }
    return true;
}

static bool need_label(weft_vcode_t *vc, uint32_t l, const vctrl_t **out)
{
    if (l >= vc->nctrls) {
        char reason[40];
        snprintf(reason, sizeof reason, "unknown label %u", l);
        return fail(vc, reason, NULL);
    }
    *out = &vc->ctrls[vc->nctrls - 1 - l];
    return true;
}

static bool call_type(weft_vcode_t *vc, const weft_functype_t *ft)
{
    return pop_n(vc, ft->params, ft->nparams) && push_n(vc, ft->results, ft->nresults);
}

/* br_table (3.3.8): every label must have the default's arity, and the operands must match
 * each label's types. Popped values are pushed back so unknown types keep flowing. */
static bool check_br_table(weft_vcode_t *vc, const uint8_t *targets, const uint8_t *end,
                           uint32_t count, uint32_t deflt)
{
    const vctrl_t *dc = NULL;
    if (!pop_expect(vc, WEFT_T_I32, NULL) || !need_label(vc, deflt, &dc)) return false;
    uint32_t arity = label_arity(dc);
    weft_reader_t r = {.base = vc->m->bytes, .p = targets, .end = end};
    for (uint32_t i = 0; i < count; i++) {
        uint32_t l = 0;
        const vctrl_t *c = NULL;
        weft__fast_u32(&r, &l); /* already decoded once: cannot fail */
        if (!need_label(vc, l, &c)) return false;
        if (label_arity(c) != arity)
            return fail(vc, "type mismatch", "br_table target %u has arity %u, default %u", l,
                        label_arity(c), arity);
        if (vc->captmp < arity &&
            weft__grow(&vc->alloc, (void **)&vc->tmp, &vc->captmp, arity, sizeof *vc->tmp))
            return oom(vc);
        const weft_valtype_t *ts = label_types(c);
        for (uint32_t k = arity; k-- > 0;)
            if (!pop_expect(vc, ts[k], &vc->tmp[k])) return false;
        if (!push_n(vc, vc->tmp, arity)) return false;
    }
    if (!pop_n(vc, label_types(dc), arity)) return false;
    set_unreachable(vc);
    return true;
}

/* Table-driven instructions (numeric, SIMD, plain loads and stores). */
static bool check_simple(weft_vcode_t *vc, const weft_vop_t *e, const vmemarg_t *ma, uint8_t lane)
{
    static const vmemarg_t none = {0, 0, 0};
    weft_valtype_t at = WEFT_T_I32;
    if (!ma) ma = &none;
    uint32_t align = ma->align;
    switch ((weft_vop_kind_t)e->kind) {
    case WEFT_VOP_UNARY:
        return pop_expect(vc, e->a, NULL) && push(vc, e->r);
    case WEFT_VOP_BINARY:
        return pop_expect(vc, e->b, NULL) && pop_expect(vc, e->a, NULL) && push(vc, e->r);
    case WEFT_VOP_TERNARY:
        return pop_expect(vc, e->a, NULL) && pop_expect(vc, e->a, NULL) &&
               pop_expect(vc, e->a, NULL) && push(vc, e->r);
    case WEFT_VOP_LOAD:
        return need_memarg(vc, ma, &at) && check_align(vc, align, e->imm) &&
               pop_expect(vc, at, NULL) && push(vc, e->r);
    case WEFT_VOP_STORE:
        return need_memarg(vc, ma, &at) && check_align(vc, align, e->imm) &&
               pop_expect(vc, e->a, NULL) && pop_expect(vc, at, NULL);
    case WEFT_VOP_LOAD_LANE:
    case WEFT_VOP_STORE_LANE:
        if (!need_memarg(vc, ma, &at) || !check_align(vc, align, e->imm)) return false;
        if (lane >= (16u >> e->imm))
            return fail(vc, "invalid lane index", "lane %u of %u", lane, 16u >> e->imm);
        if (!pop_expect(vc, WEFT_T_V128, NULL) || !pop_expect(vc, at, NULL)) return false;
        return e->kind == WEFT_VOP_STORE_LANE || push(vc, WEFT_T_V128);
    case WEFT_VOP_EXTRACT:
        if (lane >= e->imm) return fail(vc, "invalid lane index", "lane %u of %u", lane, e->imm);
        return pop_expect(vc, WEFT_T_V128, NULL) && push(vc, e->r);
    case WEFT_VOP_REPLACE:
        if (lane >= e->imm) return fail(vc, "invalid lane index", "lane %u of %u", lane, e->imm);
        return pop_expect(vc, e->b, NULL) && pop_expect(vc, WEFT_T_V128, NULL) &&
               push(vc, WEFT_T_V128);
    case WEFT_VOP_INVALID:
    case WEFT_VOP_SPECIAL:
        break;
    }
    return true;
}

/* ---- the instruction loop ---------------------------------------------------------------- */

#define CHK (vc->checking)

/* Instructions with the 0xFC prefix (5.4.1-5.4.7: saturating truncation, bulk memory, table
 * instructions). `r` is positioned after the sub-opcode. */
static void fc_insn(weft_vcode_t *vc, weft_reader_t *r, uint32_t sub)
{
    const weft_module_t *m = vc->m;
    uint32_t x = 0, y = 0;
    weft_valtype_t t1 = 0, t2 = 0, a1 = WEFT_T_I32, a2 = WEFT_T_I32;
    switch (sub) {
    case 0: case 1: case 2: case 3: case 4: case 5: case 6: case 7:
        if (CHK) check_simple(vc, weft__validate_op(WEFT_OP_FC + sub), NULL, 0);
        return;
    case 8: /* memory.init data x, memory y: [at i32 i32] -> [] */
        if (!weft__fast_u32(r, &x) || !read_memidx(vc, r, &y)) return;
        if (!m->has_datacount && m->ndatas > 0) weft__reader_fail(r, "data count section required");
        if (r->err || !CHK) return;
        if (need_memory(vc, y, &a1) && need_data(vc, x) && pop_expect(vc, WEFT_T_I32, NULL) &&
            pop_expect(vc, WEFT_T_I32, NULL))
            pop_expect(vc, a1, NULL);
        return;
    case 9: /* data.drop x */
        if (!weft__fast_u32(r, &x)) return;
        if (!m->has_datacount && m->ndatas > 0) weft__reader_fail(r, "data count section required");
        if (r->err || !CHK) return;
        need_data(vc, x);
        return;
    case 10: /* memory.copy dst x, src y: [at_x at_y min(at_x, at_y)] -> [] */
        if (!read_memidx(vc, r, &x) || !read_memidx(vc, r, &y) || !CHK) return;
        if (need_memory(vc, x, &a1) && need_memory(vc, y, &a2) &&
            pop_expect(vc, min_addr(a1, a2), NULL) && pop_expect(vc, a2, NULL))
            pop_expect(vc, a1, NULL);
        return;
    case 11: /* memory.fill x: [at i32 at] -> [] */
        if (!read_memidx(vc, r, &x) || !CHK) return;
        if (need_memory(vc, x, &a1) && pop_expect(vc, a1, NULL) && pop_expect(vc, WEFT_T_I32, NULL))
            pop_expect(vc, a1, NULL);
        return;
    case 12: /* table.init elem x, table y */
        if (!weft__fast_u32(r, &x) || !weft__fast_u32(r, &y) || !CHK) return;
        if (!need_table_at(vc, y, &t1, &a1) || !need_elem(vc, x)) return;
        if (!weft__valtype_sub(m, m->elems[x].type, t1)) {
            fail(vc, "type mismatch", "element segment %u has type %s, table %u has %s", x,
                 tname(m->elems[x].type), y, tname(t1));
            return;
        }
        if (pop_expect(vc, WEFT_T_I32, NULL) && pop_expect(vc, WEFT_T_I32, NULL))
            pop_expect(vc, a1, NULL);
        return;
    case 13: /* elem.drop x */
        if (!weft__fast_u32(r, &x) || !CHK) return;
        need_elem(vc, x);
        return;
    case 14: /* table.copy dst x, src y */
        if (!weft__fast_u32(r, &x) || !weft__fast_u32(r, &y) || !CHK) return;
        if (!need_table_at(vc, x, &t1, &a1) || !need_table_at(vc, y, &t2, &a2)) return;
        if (!weft__valtype_sub(m, t2, t1)) {
            fail(vc, "type mismatch", "table %u has type %s, table %u has %s", x, tname(t1), y,
                 tname(t2));
            return;
        }
        if (pop_expect(vc, min_addr(a1, a2), NULL) && pop_expect(vc, a2, NULL))
            pop_expect(vc, a1, NULL);
        return;
    case 15: /* table.grow x: [t at] -> [at] */
        if (!weft__fast_u32(r, &x) || !CHK) return;
        if (need_table_at(vc, x, &t1, &a1) && pop_expect(vc, a1, NULL) &&
            pop_expect(vc, t1, NULL))
            push(vc, a1);
        return;
    case 16: /* table.size x: [] -> [at] */
        if (!weft__fast_u32(r, &x) || !CHK) return;
        if (need_table_at(vc, x, &t1, &a1)) push(vc, a1);
        return;
    case 17: /* table.fill x: [at t at] -> [] */
        if (!weft__fast_u32(r, &x) || !CHK) return;
        if (need_table_at(vc, x, &t1, &a1) && pop_expect(vc, a1, NULL) && pop_expect(vc, t1, NULL))
            pop_expect(vc, a1, NULL);
        return;
    default:
        weft__reader_fail(r, "illegal opcode");
        return;
    }
}

/* Instructions with the 0xFD prefix (128-bit SIMD, 5.4.8). */
static void fd_insn(weft_vcode_t *vc, weft_reader_t *r, uint32_t sub)
{
    const weft_vop_t *e = weft__validate_op(WEFT_OP_FD + sub);
    vmemarg_t ma = {0, 0, 0};
    uint8_t lane = 0;
    const uint8_t *bytes;
    switch ((weft_vop_kind_t)e->kind) {
    case WEFT_VOP_INVALID:
        weft__reader_fail(r, "illegal opcode");
        return;
    case WEFT_VOP_SPECIAL:
        if (sub == 0x0C) { /* v128.const */
            if (!weft__read_bytes(r, 16, &bytes) || !CHK) return;
            push(vc, WEFT_T_V128);
            return;
        }
        /* i8x16.shuffle: 16 lane indices into the 32 lanes of the two operands. */
        if (!weft__read_bytes(r, 16, &bytes) || !CHK) return;
        for (int i = 0; i < 16; i++)
            if (bytes[i] >= 32) {
                fail(vc, "invalid lane index", "lane %u of 32", bytes[i]);
                return;
            }
        if (pop_expect(vc, WEFT_T_V128, NULL) && pop_expect(vc, WEFT_T_V128, NULL))
            push(vc, WEFT_T_V128);
        return;
    case WEFT_VOP_LOAD:
    case WEFT_VOP_STORE:
        if (!read_memarg(vc, r, &ma)) return;
        break;
    case WEFT_VOP_LOAD_LANE:
    case WEFT_VOP_STORE_LANE:
        if (!read_memarg(vc, r, &ma) || !weft__fast_u8(r, &lane)) return;
        break;
    case WEFT_VOP_EXTRACT:
    case WEFT_VOP_REPLACE:
        if (!weft__fast_u8(r, &lane)) return;
        break;
    case WEFT_VOP_UNARY:
    case WEFT_VOP_BINARY:
    case WEFT_VOP_TERNARY:
        break;
    }
    if (CHK) check_simple(vc, e, &ma, lane);
}

/* Structural instructions: the control stack is maintained in both modes so that decoding
 * after a validation error still finds the body's end correctly. */
/* Checks that label `l` (resolved before the try_table's own frame is pushed) takes the
 * values a catch clause delivers: the tag's parameters, then an exnref for the _ref forms. */
static bool check_catch(weft_vcode_t *vc, uint8_t kind, uint32_t tag, uint32_t l)
{
    const weft_functype_t *ft = NULL;
    const vctrl_t *c = NULL;
    if (kind < 2 && !need_tag(vc, tag, &ft)) return false;
    if (!need_label(vc, l, &c)) return false;
    uint32_t n = ft ? ft->nparams : 0;
    bool ref = kind == 1 || kind == 3;
    const weft_valtype_t *lt = label_types(c);
    bool same = label_arity(c) == n + (ref ? 1u : 0u);
    for (uint32_t i = 0; same && i < n; i++) same = weft__valtype_sub(vc->m, ft->params[i], lt[i]);
    /* catch_ref and catch_all_ref deliver a non-null (ref exn) (Wasm 3.0). */
    weft_valtype_t exn = has(vc, WEFT_FEATURE_FUNCTION_REFERENCES)
                             ? (weft_valtype_t)(WEFT_T_EXNREF | WEFT_T_NONNULL)
                             : WEFT_T_EXNREF;
    if (same && ref) same = weft__valtype_sub(vc->m, exn, lt[n]);
    if (!same)
        return fail(vc, "type mismatch", "catch clause values do not match label %u", l);
    return true;
}

/* try_table's vector of catch clauses (Wasm 3.0 5.4.1); each is checked when typing. */
static bool read_catches(weft_vcode_t *vc, weft_reader_t *r)
{
    uint32_t n = 0;
    if (!weft__fast_u32(r, &n)) return false;
    for (uint32_t i = 0; i < n; i++) {
        uint8_t kind = 0;
        uint32_t tag = 0, l = 0;
        if (!weft__fast_u8(r, &kind)) return false;
        if (kind > 3) {
            r->p--;
            weft__reader_fail(r, "malformed catch clause");
            return false;
        }
        if (kind < 2 && !weft__fast_u32(r, &tag)) return false;
        if (!weft__fast_u32(r, &l)) return false;
        if (CHK) check_catch(vc, kind, tag, l);
    }
    return true;
}

/* block (0x02), loop (0x03), if (0x04), legacy try (0x06), try_table (0x1F). */
static void block_insn(weft_vcode_t *vc, weft_reader_t *r, uint8_t op)
{
    int64_t bt = 0;
    weft_valtype_t vt = 0;
    if (!read_blocktype(vc, r, &bt, &vt)) return;
    if (op == 0x1F && !read_catches(vc, r)) return;
    vctrl_t tmp;
    memset(&tmp, 0, sizeof tmp);
    bool ok = CHK && apply_blocktype(vc, &tmp, bt, vt);
    if (ok && op == 0x04) ok = pop_expect(vc, WEFT_T_I32, NULL);
    if (ok) ok = pop_n(vc, tmp.params, tmp.nparams);
    vctrl_t *c = push_ctrl(vc, op);
    if (!c) return;
    if (!ok) return; /* decode-only from here: the frame's types do not matter */
    c->params = tmp.params;
    c->nparams = tmp.nparams;
    c->results = tmp.results;
    c->nresults = tmp.nresults;
    c->single = tmp.single;
    push_n(vc, c->params, c->nparams);
}

/* Returns false when the function's final `end` was reached. */
static bool end_insn(weft_vcode_t *vc)
{
    vctrl_t *c = &vc->ctrls[vc->nctrls - 1];
    if (CHK && check_frame_end(vc) && c->op == 0x04) {
        /* `if` without `else`: the missing else branch must turn params into results. */
        bool same = c->nparams == c->nresults;
        for (uint32_t i = 0; same && i < c->nparams; i++)
            same = weft__valtype_sub(vc->m, c->params[i], ctrl_results(c)[i]);
        if (!same) fail(vc, "type mismatch", "if without else must not change the stack types");
    }
    if (vc->track_init) reset_local_init(vc, c->init_height);
    vc->nctrls--;
    if (vc->nctrls == 0) return false;
    if (CHK) push_n(vc, ctrl_results(c), c->nresults);
    return true;
}

/* Legacy exception handling (Wasm 3.0 appendix): catch x (0x07) and catch_all (0x19) start
 * a handler of the innermost try, like else does for an if; delegate l (0x18) ends a try
 * without handlers. */
static void handler_insn(weft_vcode_t *vc, weft_reader_t *r, uint8_t op)
{
    vctrl_t *c = &vc->ctrls[vc->nctrls - 1];
    uint32_t x = 0;
    bool in_try = c->op == 0x06 || c->op == 0x07;
    if (op == 0x18 ? c->op != 0x06 : !in_try) {
        r->p--;
        weft__reader_fail(r, "END opcode expected");
        return;
    }
    if (op != 0x19 && !weft__fast_u32(r, &x)) return;
    if (CHK) check_frame_end(vc);
    if (vc->track_init) reset_local_init(vc, c->init_height);
    if (op == 0x18) {
        /* delegate: the label is counted from the frame around the try. */
        vc->nctrls--;
        const vctrl_t *target = NULL;
        if (!CHK || !need_label(vc, x, &target)) return;
        push_n(vc, ctrl_results(c), c->nresults);
        return;
    }
    c->op = op;
    if (!CHK) return;
    vc->nvals = c->height;
    c->unreachable = false;
    const weft_functype_t *ft = NULL;
    if (op == 0x07 && need_tag(vc, x, &ft)) push_n(vc, ft->params, ft->nparams);
}

/* throw x (0x08), rethrow l (0x09, legacy), throw_ref (0x0A): all end the block's reachable
 * code. */
static void throw_insn(weft_vcode_t *vc, weft_reader_t *r, uint8_t op)
{
    uint32_t x = 0;
    if (op != 0x0A && !weft__fast_u32(r, &x)) return;
    if (!CHK) return;
    if (op == 0x08) {
        const weft_functype_t *ft = NULL;
        if (need_tag(vc, x, &ft) && pop_n(vc, ft->params, ft->nparams)) set_unreachable(vc);
    } else if (op == 0x0A) {
        if (pop_expect(vc, WEFT_T_EXNREF, NULL)) set_unreachable(vc);
    } else {
        const vctrl_t *c = NULL;
        if (!need_label(vc, x, &c)) return;
        if (c->op != 0x07 && c->op != 0x19) {
            fail(vc, "invalid rethrow label", "label %u is not a catch block", x);
            return;
        }
        set_unreachable(vc);
    }
}

static void else_insn(weft_vcode_t *vc, weft_reader_t *r)
{
    vctrl_t *c = &vc->ctrls[vc->nctrls - 1];
    if (c->op != 0x04) {
        /* An else outside an if (or a second else) ends the instruction sequence where an
         * end is required. */
        r->p--;
        weft__reader_fail(r, "END opcode expected");
        return;
    }
    if (CHK) check_frame_end(vc);
    c->op = 0x05;
    if (vc->track_init) reset_local_init(vc, c->init_height);
    if (!CHK) return;
    vc->nvals = c->height;
    c->unreachable = false;
    push_n(vc, c->params, c->nparams);
}

/* local.get, local.set and local.tee with a one-byte index, in a function whose locals are
 * expanded and need no initialisation tracking, on operands of the exact type: the commonest
 * instructions, inline. Returns false (having read nothing) for the general path. */
static inline bool local_fast(weft_vcode_t *vc, weft_reader_t *r, uint8_t op)
{
    if (!CHK || !vc->flat || vc->track_init || r->p >= r->end || *r->p >= 0x80 || r->err)
        return false;
    uint32_t x = *r->p;
    if (x >= vc->nlocals) return false;
    weft_valtype_t t = vc->locals[x];
    size_t n = vc->nvals;
    if (op == 0x20) {
        if (n >= vc->capvals) return false;
        vc->vals[n] = t;
        vc->nvals = n + 1;
    } else {
        if (n <= vc->ctrls[vc->nctrls - 1].height || vc->vals[n - 1] != t) return false;
        if (op == 0x21) vc->nvals = n - 1;
    }
    r->p++;
    return true;
}

static void local_insn(weft_vcode_t *vc, weft_reader_t *r, uint8_t op)
{
    uint32_t x = 0;
    weft_valtype_t t = 0;
    if (!weft__fast_u32(r, &x) || !CHK || !local_type(vc, x, &t)) return;
    if (op == 0x20) {
        if (vc->track_init && !vc->init[x] && !weft__valtype_defaultable(t)) {
            fail(vc, "uninitialized local", "local %u", x);
            return;
        }
        push(vc, t);
    } else if (op == 0x21) {
        if (pop_expect(vc, t, NULL)) set_local_init(vc, x);
    } else if (pop_expect(vc, t, NULL) && set_local_init(vc, x)) {
        push(vc, t);
    }
}

static void global_insn(weft_vcode_t *vc, weft_reader_t *r, uint8_t op)
{
    uint32_t x = 0;
    if (!weft__fast_u32(r, &x) || !CHK) return;
    if (x >= vc->m->nglobals) {
        char reason[40];
        snprintf(reason, sizeof reason, "unknown global %u", x);
        fail(vc, reason, NULL);
        return;
    }
    const weft_globaltype_t *g = &vc->m->globals[x];
    if (op == 0x23) {
        push(vc, g->type);
        return;
    }
    if (!g->mut) {
        fail(vc, "global is immutable", "global %u", x);
        return;
    }
    pop_expect(vc, g->type, NULL);
}

static void select_insn(weft_vcode_t *vc, weft_reader_t *r, uint8_t op)
{
    weft_valtype_t want = T_ANY;
    uint32_t n = 1;
    if (op == 0x1C) {
        /* select t*: the types are decoded in full, then the arity is a validation rule. */
        if (!weft__fast_u32(r, &n)) return;
        for (uint32_t i = 0; i < n; i++) {
            weft_valtype_t b;
            if (!weft__read_valtype(r, vc->feat, false, "malformed value type", &b)) return;
            if (i == 0) want = b;
        }
    }
    if (!CHK) return;
    if (op == 0x1C) {
        if (n != 1) {
            fail(vc, "invalid result arity", "select with %u types", n);
            return;
        }
        if (!check_valtype(vc, want)) return;
        if (pop_expect(vc, WEFT_T_I32, NULL) && pop_expect(vc, want, NULL) &&
            pop_expect(vc, want, NULL))
            push(vc, want);
        return;
    }
    /* Untyped select: both operands numeric or vector and equal (3.3.4). */
    weft_valtype_t t1 = 0, t2 = 0;
    if (!pop_expect(vc, WEFT_T_I32, NULL)) return;
    if (!pop_expect(vc, T_ANY, &t1) || !pop_expect(vc, T_ANY, &t2)) return;
    if (!is_num_or_vec(t1) || !is_num_or_vec(t2)) {
        fail(vc, "type mismatch", "select without type needs numeric operands, found %s",
             tname(is_num_or_vec(t1) ? t2 : t1));
        return;
    }
    if (t1 != t2 && t1 != T_ANY && t2 != T_ANY) {
        fail(vc, "type mismatch", "select operands %s and %s differ", tname(t2), tname(t1));
        return;
    }
    push(vc, t1 == T_ANY ? t2 : t1);
}

/* Tail calls (Wasm 3.0 3.3.8 return_call): the callee's results must be the caller's. */
static bool tail_call_type(weft_vcode_t *vc, const weft_functype_t *ft)
{
    const weft_functype_t *self = vc->ftype;
    bool same = ft->nresults == self->nresults;
    for (uint32_t i = 0; same && i < ft->nresults; i++)
        same = weft__valtype_sub(vc->m, ft->results[i], self->results[i]);
    if (!same) return fail(vc, "type mismatch", "callee results differ from the caller's");
    if (!pop_n(vc, ft->params, ft->nparams)) return false;
    set_unreachable(vc);
    return true;
}

/* call (0x10), call_indirect (0x11), return_call (0x12), return_call_indirect (0x13). */
static void call_insn(weft_vcode_t *vc, weft_reader_t *r, uint8_t op)
{
    const weft_module_t *m = vc->m;
    uint32_t x = 0, y = 0;
    weft_valtype_t t = 0, at = WEFT_T_I32;
    bool tail = op == 0x12 || op == 0x13;
    if (op == 0x10 || op == 0x12) {
        if (!weft__fast_u32(r, &x) || !CHK || !need_func(vc, x)) return;
        const weft_functype_t *ft = &m->types[m->func_types[x]];
        if (tail) tail_call_type(vc, ft);
        else call_type(vc, ft);
        return;
    }
    /* call_indirect type y, table x: [t* at] -> [u*] */
    if (!weft__fast_u32(r, &y) || !weft__fast_u32(r, &x) || !CHK) return;
    if (!need_table_at(vc, x, &t, &at) || !need_type(vc, y)) return;
    if (!weft__valtype_sub(m, t, WEFT_T_FUNCREF)) {
        fail(vc, "type mismatch", "call_indirect through table %u of %s", x, tname(t));
        return;
    }
    if (!pop_expect(vc, at, NULL)) return;
    if (tail) tail_call_type(vc, &m->types[y]);
    else call_type(vc, &m->types[y]);
}

static void branch_insn(weft_vcode_t *vc, weft_reader_t *r, uint8_t op)
{
    uint32_t l = 0;
    const vctrl_t *c = NULL;
    if (!weft__fast_u32(r, &l) || !CHK || !need_label(vc, l, &c)) return;
    if (op == 0x0C) {
        if (pop_n(vc, label_types(c), label_arity(c))) set_unreachable(vc);
        return;
    }
    if (pop_expect(vc, WEFT_T_I32, NULL) && pop_n(vc, label_types(c), label_arity(c)))
        push_n(vc, label_types(c), label_arity(c));
}

static void br_table_insn(weft_vcode_t *vc, weft_reader_t *r)
{
    uint32_t n = 0, l = 0, deflt = 0;
    if (!weft__fast_u32(r, &n)) return;
    const uint8_t *targets = r->p;
    for (uint32_t i = 0; i < n; i++)
        if (!weft__fast_u32(r, &l)) return;
    const uint8_t *targets_end = r->p;
    if (!weft__fast_u32(r, &deflt) || !CHK) return;
    check_br_table(vc, targets, targets_end, n, deflt);
}

static void table_insn(weft_vcode_t *vc, weft_reader_t *r, uint8_t op)
{
    uint32_t x = 0;
    weft_valtype_t t = 0, at = WEFT_T_I32;
    if (!weft__fast_u32(r, &x) || !CHK || !need_table_at(vc, x, &t, &at)) return;
    if (op == 0x25) {
        if (pop_expect(vc, at, NULL)) push(vc, t);
    } else if (pop_expect(vc, t, NULL)) {
        pop_expect(vc, at, NULL);
    }
}

static void ref_insn(weft_vcode_t *vc, weft_reader_t *r, uint8_t op)
{
    const weft_module_t *m = vc->m;
    uint32_t x = 0;
    weft_valtype_t t = 0;
    switch (op) {
    case 0xD0: /* ref.null ht */
        if (!weft__read_heaptype(r, vc->feat, &t)) return;
        if (CHK && check_valtype(vc, t)) push(vc, t);
        return;
    case 0xD1: /* ref.is_null */
        if (!CHK || !pop_expect(vc, T_ANY, &t)) return;
        if (t != T_ANY && !weft__valtype_is_ref(t)) {
            fail(vc, "type mismatch", "expected a reference, found %s", tname(t));
            return;
        }
        push(vc, WEFT_T_I32);
        return;
    default: /* ref.func x: x must be in C.refs (3.4.10) */
        if (!weft__fast_u32(r, &x) || !CHK || !need_func(vc, x)) return;
        if (!m->declared_funcs || !(m->declared_funcs[x >> 3] & (1u << (x & 7)))) {
            fail(vc, "undeclared function reference", "function %u", x);
            return;
        }
        /* Wasm 3.0: the reference has the function's own type, and is never null. */
        push(vc, has(vc, WEFT_FEATURE_FUNCTION_REFERENCES)
                     ? weft__rt_concrete(m->func_types[x], false)
                     : (weft_valtype_t)WEFT_T_FUNCREF);
        return;
    }
}

/* Pops a reference operand (any reference type, or unknown); false after a failure. */
static bool pop_ref(weft_vcode_t *vc, weft_valtype_t *t)
{
    if (!pop_expect(vc, T_ANY, t)) return false;
    if (*t != T_ANY && !weft__valtype_is_ref(*t))
        return fail(vc, "type mismatch", "expected a reference, found %s", tname(*t));
    return true;
}

/* Typed function references (Wasm 3.0 3.3.x): ref.as_non_null (0xD4), br_on_null (0xD5),
 * br_on_non_null (0xD6). */
static void nonnull_insn(weft_vcode_t *vc, weft_reader_t *r, uint8_t op)
{
    uint32_t l = 0;
    weft_valtype_t t = 0;
    const vctrl_t *c = NULL;
    if (op != 0xD4 && !weft__fast_u32(r, &l)) return;
    if (!CHK) return;
    if (op != 0xD4 && !need_label(vc, l, &c)) return;
    if (!pop_ref(vc, &t)) return;
    weft_valtype_t nn = t == T_ANY ? T_ANY : (t | WEFT_T_NONNULL);
    if (op == 0xD4) {
        push(vc, nn);
        return;
    }
    uint32_t n = label_arity(c);
    const weft_valtype_t *lt = label_types(c);
    if (op == 0xD5) {
        /* br_on_null l: [t* (ref null ht)] -> [t* (ref ht)], l takes [t*]. */
        if (pop_n(vc, lt, n) && push_n(vc, lt, n)) push(vc, nn);
        return;
    }
    /* br_on_non_null l: [t* (ref null ht)] -> [t*], l takes [t* (ref ht)]. */
    if (n == 0) {
        fail(vc, "type mismatch", "br_on_non_null to label %u without values", l);
        return;
    }
    if (nn != T_ANY && !weft__valtype_sub(vc->m, nn, lt[n - 1])) {
        fail(vc, "type mismatch", "expected %s, found %s", tname(lt[n - 1]), tname(nn));
        return;
    }
    if (pop_n(vc, lt, n - 1)) push_n(vc, lt, n - 1);
}

/* call_ref x (0x14), return_call_ref x (0x15): [t1* (ref null $x)] -> [t2*]. */
static void call_ref_insn(weft_vcode_t *vc, weft_reader_t *r, uint8_t op)
{
    uint32_t x = 0;
    if (!weft__fast_u32(r, &x) || !CHK || !need_type(vc, x)) return;
    if (vc->m->typeinfo && vc->m->typeinfo[x].kind != 0x60) {
        fail(vc, "type mismatch", "type %u is not a function type", x);
        return;
    }
    if (!pop_expect(vc, weft__rt_concrete(x, true), NULL)) return;
    if (op == 0x15) tail_call_type(vc, &vc->m->types[x]);
    else call_type(vc, &vc->m->types[x]);
}

static void memory_insn(weft_vcode_t *vc, weft_reader_t *r, uint8_t op)
{
    const weft_vop_t *e = &weft__vops_single[op];
    vmemarg_t ma;
    if (op == 0x3F || op == 0x40) { /* memory.size x: [] -> [at]; memory.grow x: [at] -> [at] */
        uint32_t x = 0;
        weft_valtype_t at = WEFT_T_I32;
        if (!read_memidx(vc, r, &x) || !CHK || !need_memory(vc, x, &at)) return;
        if (op == 0x3F || pop_expect(vc, at, NULL)) push(vc, at);
        return;
    }
    if (!read_memarg(vc, r, &ma) || !CHK) return;
    /* Plain loads and stores on a 32-bit memory with a valid memarg, inline; the rest (and
     * every failure, for its message) through check_simple. */
    const weft_module_t *m = vc->m;
    if (ma.mem < m->nmemories && !m->memories[ma.mem].limits.is64 && ma.offset <= UINT32_MAX &&
        ma.align <= e->imm) {
        if (e->kind == WEFT_VOP_LOAD) {
            if (pop_expect(vc, WEFT_T_I32, NULL)) push(vc, e->r);
            return;
        }
        if (e->kind == WEFT_VOP_STORE) {
            if (pop_expect(vc, e->a, NULL)) pop_expect(vc, WEFT_T_I32, NULL);
            return;
        }
    }
    check_simple(vc, e, &ma, 0);
}

static void const_insn(weft_vcode_t *vc, weft_reader_t *r, uint8_t op)
{
    int32_t i32;
    int64_t i64;
    uint32_t f32;
    uint64_t f64;
    bool ok;
    weft_valtype_t t = 0;
    switch (op) {
    case 0x41: ok = weft__fast_s32(r, &i32); t = WEFT_T_I32; break;
    case 0x42: ok = weft__fast_s64(r, &i64); t = WEFT_T_I64; break;
    case 0x43:
        if (r->end - r->p >= 4 && !r->err) {
            r->p += 4; /* the value itself is not needed here */
            ok = true;
        } else {
            ok = weft__read_f32(r, &f32);
        }
        t = WEFT_T_F32;
        break;
    default:
        if (r->end - r->p >= 8 && !r->err) {
            r->p += 8;
            ok = true;
        } else {
            ok = weft__read_f64(r, &f64);
        }
        t = WEFT_T_F64;
        break;
    }
    if (ok && CHK) push(vc, t);
}

/* Decodes and checks one instruction whose first byte `op` was just read. Returns false when
 * the function's final `end` was consumed. */
static bool insn(weft_vcode_t *vc, weft_reader_t *r, uint8_t op)
{
    uint32_t sub = 0;
    vc->op = op;
    switch (op) {
    case 0x00: /* unreachable */
        if (CHK) set_unreachable(vc);
        return true;
    case 0x01: /* nop */
        return true;
    case 0x02: case 0x03: case 0x04:
        block_insn(vc, r, op);
        return true;
    case 0x06: /* try (legacy) */
        if (!has(vc, WEFT_FEATURE_LEGACY_EXCEPTIONS)) break;
        block_insn(vc, r, op);
        return true;
    case 0x1F: /* try_table */
        if (!has(vc, WEFT_FEATURE_EXCEPTIONS)) break;
        block_insn(vc, r, op);
        return true;
    case 0x07: case 0x18: case 0x19: /* catch, delegate, catch_all (legacy) */
        if (!has(vc, WEFT_FEATURE_LEGACY_EXCEPTIONS)) break;
        handler_insn(vc, r, op);
        return true;
    case 0x08: case 0x0A: /* throw, throw_ref */
        if (!has(vc, WEFT_FEATURE_EXCEPTIONS)) break;
        throw_insn(vc, r, op);
        return true;
    case 0x09: /* rethrow (legacy) */
        if (!has(vc, WEFT_FEATURE_LEGACY_EXCEPTIONS)) break;
        throw_insn(vc, r, op);
        return true;
    case 0x12: case 0x13: /* return_call, return_call_indirect */
        if (!has(vc, WEFT_FEATURE_TAIL_CALL)) break;
        call_insn(vc, r, op);
        return true;
    case 0x05:
        else_insn(vc, r);
        return true;
    case 0x0B:
        return end_insn(vc);
    case 0x0C: case 0x0D:
        branch_insn(vc, r, op);
        return true;
    case 0x0E:
        br_table_insn(vc, r);
        return true;
    case 0x0F: /* return */
        if (CHK && pop_n(vc, vc->ftype->results, vc->ftype->nresults)) set_unreachable(vc);
        return true;
    case 0x10: case 0x11:
        call_insn(vc, r, op);
        return true;
    case 0x1A: /* drop */
        if (CHK) pop_expect(vc, T_ANY, NULL);
        return true;
    case 0x1B: case 0x1C:
        select_insn(vc, r, op);
        return true;
    case 0x20: case 0x21: case 0x22:
        if (!local_fast(vc, r, op)) local_insn(vc, r, op);
        return true;
    case 0x23: case 0x24:
        global_insn(vc, r, op);
        return true;
    case 0x25: case 0x26:
        table_insn(vc, r, op);
        return true;
    case 0x41: case 0x42: case 0x43: case 0x44:
        const_insn(vc, r, op);
        return true;
    case 0xD0: case 0xD1: case 0xD2:
        ref_insn(vc, r, op);
        return true;
    case 0xD4: case 0xD5: case 0xD6:
        if (!has(vc, WEFT_FEATURE_FUNCTION_REFERENCES)) break;
        nonnull_insn(vc, r, op);
        return true;
    case 0x14: case 0x15: /* call_ref, return_call_ref */
        if (!has(vc, WEFT_FEATURE_FUNCTION_REFERENCES) ||
            (op == 0x15 && !has(vc, WEFT_FEATURE_TAIL_CALL)))
            break;
        call_ref_insn(vc, r, op);
        return true;
    case 0xFC:
        if (!weft__fast_u32(r, &sub)) return true;
        vc->op = sub < WEFT_OP_FC_COUNT ? WEFT_OP_FC + sub : op;
        fc_insn(vc, r, sub);
        return true;
    case 0xFD:
        if (!weft__fast_u32(r, &sub)) return true;
        vc->op = sub < WEFT_OP_FD_COUNT ? WEFT_OP_FD + sub : op;
        if (sub >= WEFT_OP_FD_COUNT) {
            weft__reader_fail(r, "illegal opcode");
            return true;
        }
        fd_insn(vc, r, sub);
        return true;
    default:
        break;
    }
    if (op >= 0x28 && op <= 0x40) {
        memory_insn(vc, r, op);
        return true;
    }
    /* Numeric instructions: the operands already of the exact types, inline. */
    const weft_vop_t *e = &weft__vops_single[op];
    if (e->kind == WEFT_VOP_BINARY) {
        if (!CHK) return true;
        size_t n = vc->nvals;
        if (n >= vc->ctrls[vc->nctrls - 1].height + 2 && vc->vals[n - 1] == e->b &&
            vc->vals[n - 2] == e->a) {
            vc->vals[n - 2] = e->r;
            vc->nvals = n - 1;
            return true;
        }
        check_simple(vc, e, NULL, 0);
        return true;
    }
    if (e->kind == WEFT_VOP_UNARY) {
        if (!CHK) return true;
        size_t n = vc->nvals;
        if (n > vc->ctrls[vc->nctrls - 1].height && vc->vals[n - 1] == e->a) {
            vc->vals[n - 1] = e->r;
            return true;
        }
        check_simple(vc, e, NULL, 0);
        return true;
    }
    r->p--;
    weft__reader_fail(r, "illegal opcode");
    return true;
}

/* ---- entry points ------------------------------------------------------------------------ */

weft_vcode_t *weft__vcode_new(const weft_module_t *m)
{
    weft_vcode_t *vc = weft__calloc(&m->alloc, 1, sizeof *vc);
    if (!vc) return NULL;
    vc->m = m;
    vc->alloc = m->alloc;
    vc->feat = weft__module_features(m);
    return vc;
}

void weft__vcode_free(weft_vcode_t *vc)
{
    if (!vc) return;
    weft_alloc_t a = vc->alloc;
    weft__free(&a, vc->vals, vc->capvals * sizeof *vc->vals);
    weft__free(&a, vc->ctrls, vc->capctrls * sizeof *vc->ctrls);
    weft__free(&a, vc->tmp, vc->captmp * sizeof *vc->tmp);
    weft__free(&a, vc->locals, vc->caplocals * sizeof *vc->locals);
    weft__free(&a, vc->group_end, vc->capgroups * sizeof *vc->group_end);
    weft__free(&a, vc->init, vc->capinit);
    weft__free(&a, vc->init_log, vc->capinit_log * sizeof *vc->init_log);
    weft__free(&a, vc, sizeof *vc);
}

weft_error_t *weft__vcode_check(weft_vcode_t *vc, uint32_t func_index, bool decode_only)
{
    const weft_module_t *m = vc->m;
    vc->func_index = func_index;
    vc->verr = NULL;
    vc->fatal = NULL;
    vc->nvals = 0;
    vc->nctrls = 0;
    vc->op = 0;
    if (func_index < m->nfunc_imports || func_index - m->nfunc_imports >= m->nbodies ||
        func_index >= m->nfuncs)
        return weft__error_new(&vc->alloc, WEFT_ERROR_VALIDATE, UINT64_MAX,
                               "unknown function %u: no body", func_index);
    const weft_body_t *b = &m->bodies[func_index - m->nfunc_imports];
    vc->body = b;
    vc->insn_offset = b->code_offset;
    if (b->code_offset > b->code_end || b->code_end > m->len)
        return decode_error(vc, b->body_offset, "unexpected end");
    uint32_t tidx = m->func_types[func_index];
    vc->checking = !decode_only && tidx < m->ntypes;
    vc->ftype = tidx < m->ntypes ? &m->types[tidx] : NULL;

    vc->track_init = false;
    vc->ninit_log = 0;
    if (vc->checking && !setup_locals(vc)) return vc->fatal;
    vctrl_t *fc = push_ctrl(vc, 0);
    if (!fc) return vc->fatal;
    if (vc->ftype) {
        fc->results = vc->ftype->results;
        fc->nresults = vc->ftype->nresults;
    }

    weft_reader_t r = {.base = m->bytes, .p = m->bytes + b->code_offset, .end = m->bytes + b->code_end};
    weft_error_t *derr = NULL;
    for (;;) {
        vc->insn_offset = weft__reader_offset(&r);
        if (weft__reader_eof(&r)) {
            /* The body ended inside a block. The spec's decoder would read on into what
             * follows: at the very end of the module that is "unexpected end", otherwise the
             * next byte is not the expected end. */
            derr = decode_error(vc, vc->insn_offset,
                                b->code_end >= m->len ? "unexpected end of section or function"
                                                      : "END opcode expected");
            break;
        }
        uint8_t op = *r.p++;
        bool more = insn(vc, &r, op);
        if (r.err) {
            derr = decode_error(vc, r.err_pos, r.err);
            break;
        }
        if (vc->fatal) break;
        if (!more) {
            if (!weft__reader_eof(&r))
                derr = decode_error(vc, weft__reader_offset(&r), "section size mismatch");
            break;
        }
    }
    if (vc->fatal) {
        if (derr) weft_error_delete(derr);
        if (vc->verr) weft_error_delete(vc->verr);
        return vc->fatal;
    }
    if (derr) {
        if (vc->verr) weft_error_delete(vc->verr);
        return derr;
    }
    return vc->verr;
}
