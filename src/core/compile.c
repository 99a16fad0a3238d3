/* compile.c - translation of validated function bodies into the interpreter's threaded register
 * code (see interp.h for the layout). Runs once per module after validation, so it trusts the
 * input's validity but never reads past a body's end.
 *
 * The translator keeps a model of the operand stack (Wasm core spec 3.3 typing) where every
 * entry has a fixed frame slot. Entries may be lazy: a pending `local.get` (the instruction reads
 * the local's slot directly) or a pending constant (an immediate form is used, or it is written
 * to its slot when needed). Lazy entries are written to their slots ("materialized") before a
 * block starts, before a call, and before the local they name is overwritten, so that every
 * control-flow join sees one consistent state. Labels have fixed result slots, so a branch only
 * copies values that are not already in place.
 *
 * Peephole folds, each undone by barrier() whenever a label is placed:
 *  - local.set/tee right after a producer retargets the producer's result slot to the local;
 *  - a comparison (or eqz) consumed by br_if/if becomes a compare-and-branch;
 *  - a constant operand selects an immediate form (i32, or i64 with a sign-extended 32 bits);
 *  - i32.add/sub of a constant feeding a load/store address becomes the _k addressing form
 *    (keeping the 32-bit wrap of the add), i32.shl by a constant feeding i32.add becomes shladd,
 *    and a constant stored value selects the _i store forms. */
#include <string.h>

#include "core/compile.h"
#include "core/interp.h"
#include "core/runtime.h"
#include "core/simd.h"
#include "util/error.h"
#include "util/leb.h"

#define NONE UINT32_MAX

enum { E_TEMP = 0, E_LOCAL, E_CONST };

typedef struct entry {
    uint8_t kind;
    weft_valtype_t type;
    uint32_t slot; /* the slot of this stack position */
    uint32_t src;  /* E_LOCAL: the local's slot */
    uint64_t val;  /* E_CONST: the bits */
} entry_t;

/* K_TRY: a legacy try's body; K_CATCH: one of its handlers (both branch like blocks). */
enum { K_FUNC = 0, K_BLOCK, K_LOOP, K_IF, K_ELSE, K_TRY, K_CATCH };

typedef struct ctl {
    uint8_t kind;
    bool unreachable;
    uint32_t height; /* stack entries below the block's params */
    uint32_t base;   /* slot of stack position `height` */
    uint32_t nparams, nresults;
    uint32_t type_index;   /* NONE for the short forms */
    weft_valtype_t single; /* the result of the one-value short form */
    uint32_t loop_pos;     /* K_LOOP: code position of the loop head */
    uint32_t patches;      /* chain of forward branch sites to the end */
    uint32_t else_patches; /* K_IF: the branch taken when the condition is false */
    uint32_t try_first, try_n; /* try_table: its catch clauses in comp_t.catches */
    /* Legacy try: where its clauses go in comp_t.catches (outer tries before inner ones),
     * how many it has, the body's code range, and in a handler the caught exnref's slot. */
    uint32_t legacy_first, legacy_n, body_start, body_end, exn_slot;
} ctl_t;

/* A branch condition, possibly a comparison folded into the branch. */
enum { C_NZ = 0, C_Z, C_I32, C_I32K, C_I64, C_I64K, C_AND };
enum { CMP_EQ = 0, CMP_NE, CMP_LT_S, CMP_LT_U, CMP_GT_S, CMP_GT_U, CMP_LE_S, CMP_LE_U, CMP_GE_S,
       CMP_GE_U };
static const uint8_t cmp_negate[10] = {CMP_NE,   CMP_EQ,   CMP_GE_S, CMP_GE_U, CMP_LE_S,
                                       CMP_LE_U, CMP_GT_S, CMP_GT_U, CMP_LT_S, CMP_LT_U};
static const uint8_t cmp_swap[10] = {CMP_EQ,   CMP_NE,   CMP_GT_S, CMP_GT_U, CMP_LT_S,
                                     CMP_LT_U, CMP_GE_S, CMP_GE_U, CMP_LE_S, CMP_LE_U};

typedef struct cond {
    uint8_t kind, cmp;
    uint32_t a, b;
} cond_t;

typedef struct comp {
    const weft_module_t *m;
    const weft_alloc_t *alloc;
    const void *const *labels;
    weft_reader_t r;
    uint32_t instr_off; /* wasm offset of the current instruction */

    uint32_t *code;
    size_t ncode, code_cap;
    weft_code_loc_t *locs;
    size_t nlocs, locs_cap;

    entry_t *stack;
    size_t sp, stack_cap;
    ctl_t *ctls;
    size_t nctl, ctl_cap;

    const weft_functype_t *ftype;
    uint32_t nlocals_total;
    weft_valtype_t *local_types;
    uint32_t *local_slots;
    uint32_t temp_base;
    uint32_t max_slot;

    /* The last emitted instruction when it is a plain producer: its result slot can be
     * retargeted by a following local.set/tee. */
    size_t prod_end;
    uint32_t prod_dst_pos, prod_slot;
    /* The last emitted instruction when it is a comparison: it can be folded into a branch. */
    size_t cmp_start, cmp_end;
    uint32_t cmp_slot;
    cond_t cmp_cond;
    /* The last emitted instruction when it is i32.add or i32.shl with an immediate: a load or
     * store (add) or an i32.add (shl) consuming its result absorbs it. */
    size_t ak_start, ak_end;
    uint32_t ak_slot, ak_a, ak_k;
    int ak_arith;

    uint32_t *scratch; /* br_table targets */
    size_t scratch_cap;
    uint32_t *stub_pos; /* br_table: stub per label depth */
    size_t stub_cap;

    weft_catch_t *catches; /* try_table clauses of the function being compiled */
    size_t ncatches, catches_cap;

    bool oom;
} comp_t;

/* ------------------------------------------------------------------------------------------ */
/* Emission                                                                                    */

static bool reserve(comp_t *c, size_t words)
{
    if (c->oom) return false;
    if (c->ncode + words <= c->code_cap) return true;
    void *p = c->code;
    if (weft__grow(c->alloc, &p, &c->code_cap, c->ncode + words, sizeof(uint32_t)) != 0) {
        c->oom = true;
        return false;
    }
    c->code = p;
    return true;
}

static void emit_w(comp_t *c, uint32_t w)
{
    if (!reserve(c, 1)) return;
    c->code[c->ncode++] = w;
}

static void emit_op(comp_t *c, int op)
{
    if (!reserve(c, 2)) return;
    if (c->nlocs == 0 || c->locs[c->nlocs - 1].wasm != c->instr_off) {
        if (c->nlocs == c->locs_cap) {
            void *p = c->locs;
            if (weft__grow(c->alloc, &p, &c->locs_cap, c->nlocs + 1, sizeof *c->locs) != 0) {
                c->oom = true;
                return;
            }
            c->locs = p;
        }
        c->locs[c->nlocs].pos = (uint32_t)c->ncode;
        c->locs[c->nlocs].wasm = c->instr_off;
        c->nlocs++;
    }
    const void *h = c->labels[op];
    memcpy(&c->code[c->ncode], &h, sizeof h);
    c->ncode += 2;
}

static void emit_w64(comp_t *c, uint64_t v)
{
    emit_w(c, (uint32_t)v);
    emit_w(c, (uint32_t)(v >> 32));
}

/* Forgets the folding candidates (called when a label is placed or code is rewound). */
static void barrier(comp_t *c)
{
    c->prod_end = SIZE_MAX;
    c->cmp_end = SIZE_MAX;
    c->ak_end = SIZE_MAX;
}

/* Drops the code emitted from `start` on (the instruction being folded into its consumer). */
static void rewind_to(comp_t *c, size_t start)
{
    c->ncode = start;
    while (c->nlocs > 0 && c->locs[c->nlocs - 1].pos >= c->ncode) c->nlocs--;
    barrier(c);
}

/* True if the entry is the result of the add/shl-immediate just emitted. */
static bool is_last_ak(const comp_t *c, const entry_t *e, int arith)
{
    return !c->oom && e->kind == E_TEMP && c->ak_end == c->ncode && c->ak_slot == e->slot &&
           c->ak_arith == arith;
}

/* Records that the instruction just emitted produced its result in the word at dst_pos. */
static void mark_producer_at(comp_t *c, size_t dst_pos, uint32_t slot)
{
    if (c->oom) return;
    c->prod_end = c->ncode;
    c->prod_dst_pos = (uint32_t)dst_pos;
    c->prod_slot = slot;
}

static void link_site(comp_t *c, uint32_t *head, size_t site)
{
    if (c->oom) return;
    c->code[site] = *head;
    *head = (uint32_t)site;
}

static void resolve_chain(comp_t *c, uint32_t head, size_t target)
{
    if (c->oom) return;
    while (head != NONE) {
        uint32_t next = c->code[head];
        c->code[head] = (uint32_t)(int32_t)((int64_t)target - (int64_t)head);
        head = next;
    }
}

static void place_label(comp_t *c, uint32_t head)
{
    resolve_chain(c, head, c->ncode);
    barrier(c);
}

/* ------------------------------------------------------------------------------------------ */
/* Operand stack model                                                                         */

static uint32_t next_slot(const comp_t *c)
{
    if (c->sp == 0) return c->temp_base;
    const entry_t *t = &c->stack[c->sp - 1];
    return t->slot + weft__valtype_slots(t->type);
}

static entry_t *push_entry(comp_t *c, weft_valtype_t type)
{
    if (c->sp == c->stack_cap) {
        void *p = c->stack;
        if (weft__grow(c->alloc, &p, &c->stack_cap, c->sp + 1, sizeof *c->stack) != 0) {
            c->oom = true;
            return NULL;
        }
        c->stack = p;
    }
    uint32_t slot = next_slot(c);
    entry_t *e = &c->stack[c->sp++];
    e->kind = E_TEMP;
    e->type = type;
    e->slot = slot;
    e->src = 0;
    e->val = 0;
    uint32_t top = slot + weft__valtype_slots(type);
    if (top > c->max_slot) c->max_slot = top;
    return e;
}

/* Pushes a temporary and returns its slot. */
static uint32_t push_temp(comp_t *c, weft_valtype_t type)
{
    entry_t *e = push_entry(c, type);
    return e ? e->slot : 0;
}

static entry_t pop(comp_t *c)
{
    /* Validation guarantees an operand in reachable code. */
    if (c->sp == 0) {
        entry_t z = {E_TEMP, WEFT_T_I32, c->temp_base, 0, 0};
        return z;
    }
    return c->stack[--c->sp];
}

static void emit_const_to(comp_t *c, uint32_t dst, uint64_t val)
{
    if (val >> 32) {
        emit_op(c, WEFT_IOP_const64);
        emit_w(c, dst);
        emit_w64(c, val);
    } else {
        emit_op(c, WEFT_IOP_const32);
        emit_w(c, dst);
        emit_w(c, (uint32_t)val);
    }
}

static void emit_copy(comp_t *c, uint32_t dst, uint32_t src, weft_valtype_t type)
{
    if (dst == src) return;
    emit_op(c, weft__valtype_slots(type) == 2 ? WEFT_IOP_copy128 : WEFT_IOP_copy);
    emit_w(c, dst);
    emit_w(c, src);
}

/* Writes the value of entry `e` into slot `dst`, leaving the model unchanged. */
static void emit_entry_to(comp_t *c, uint32_t dst, const entry_t *e)
{
    switch (e->kind) {
    case E_CONST: emit_const_to(c, dst, e->val); break;
    case E_LOCAL: emit_copy(c, dst, e->src, e->type); break;
    default: emit_copy(c, dst, e->slot, e->type); break;
    }
}

static void materialize(comp_t *c, entry_t *e)
{
    if (e->kind == E_TEMP) return;
    emit_entry_to(c, e->slot, e);
    e->kind = E_TEMP;
    barrier(c);
}

/* The slot an instruction reads entry `e` from (materializing a constant). */
static uint32_t use(comp_t *c, entry_t *e)
{
    if (e->kind == E_LOCAL) return e->src;
    if (e->kind == E_CONST) {
        emit_const_to(c, e->slot, e->val);
        e->kind = E_TEMP;
    }
    return e->slot;
}

static void materialize_from(comp_t *c, size_t from)
{
    for (size_t i = from; i < c->sp; i++) materialize(c, &c->stack[i]);
}

static bool has_local_refs(const comp_t *c, uint32_t local_slot)
{
    for (size_t i = 0; i < c->sp; i++)
        if (c->stack[i].kind == E_LOCAL && c->stack[i].src == local_slot) return true;
    return false;
}

static void materialize_local_refs(comp_t *c, uint32_t local_slot)
{
    for (size_t i = 0; i < c->sp; i++)
        if (c->stack[i].kind == E_LOCAL && c->stack[i].src == local_slot)
            materialize(c, &c->stack[i]);
}

/* ------------------------------------------------------------------------------------------ */
/* Control                                                                                     */

static weft_valtype_t ctl_param(const comp_t *c, const ctl_t *b, uint32_t i)
{
    return c->m->types[b->type_index].params[i];
}

static weft_valtype_t ctl_result(const comp_t *c, const ctl_t *b, uint32_t i)
{
    if (b->type_index == NONE) return b->single;
    return c->m->types[b->type_index].results[i];
}

/* Values a branch to `b` carries: loop params or block results. */
static uint32_t label_arity(const ctl_t *b)
{
    return b->kind == K_LOOP ? b->nparams : b->nresults;
}

static ctl_t *push_ctl(comp_t *c, uint8_t kind, int64_t bt)
{
    if (c->nctl == c->ctl_cap) {
        void *p = c->ctls;
        if (weft__grow(c->alloc, &p, &c->ctl_cap, c->nctl + 1, sizeof *c->ctls) != 0) {
            c->oom = true;
            return NULL;
        }
        c->ctls = p;
    }
    ctl_t *b = &c->ctls[c->nctl++];
    memset(b, 0, sizeof *b);
    b->kind = kind;
    b->type_index = NONE;
    b->patches = NONE;
    b->else_patches = NONE;
    b->loop_pos = NONE;
    if (bt >= 0) {
        const weft_functype_t *t = &c->m->types[bt];
        b->type_index = (uint32_t)bt;
        b->nparams = t->nparams;
        b->nresults = t->nresults;
    } else if (bt != -64) {
        b->single = (weft_valtype_t)(bt + 128);
        b->nresults = 1;
    }
    size_t h = c->sp >= b->nparams ? c->sp - b->nparams : 0;
    b->height = (uint32_t)h;
    b->base = h < c->sp ? c->stack[h].slot : next_slot(c);
    return b;
}

/* Emits an unconditional jump to label depth `depth` (no value copies). */
static void emit_jump_to(comp_t *c, size_t depth)
{
    ctl_t *b = &c->ctls[c->nctl - 1 - depth];
    emit_op(c, WEFT_IOP_br);
    size_t site = c->ncode;
    emit_w(c, NONE);
    if (c->oom) return;
    if (b->kind == K_LOOP)
        c->code[site] = (uint32_t)(int32_t)((int64_t)b->loop_pos - (int64_t)site);
    else
        link_site(c, &b->patches, site);
}

/* Emits a conditional jump on `cond` (negated if `neg`) and returns the target word's
 * position. */
static size_t emit_cond_jump(comp_t *c, cond_t cond, bool neg)
{
    switch (cond.kind) {
    case C_NZ:
    case C_Z: {
        bool nz = (cond.kind == C_NZ) != neg;
        emit_op(c, nz ? WEFT_IOP_br_if : WEFT_IOP_br_unless);
        emit_w(c, cond.a);
        break;
    }
    case C_AND: /* (a & k) != 0 */
        emit_op(c, neg ? WEFT_IOP_br_and_z : WEFT_IOP_br_and_nz);
        emit_w(c, cond.a);
        emit_w(c, cond.b);
        break;
    default: {
        int cmp = neg ? cmp_negate[cond.cmp] : cond.cmp;
        int base = cond.kind == C_I32    ? WEFT_IOP_bri32_eq
                   : cond.kind == C_I32K ? WEFT_IOP_bri32k_eq
                   : cond.kind == C_I64  ? WEFT_IOP_bri64_eq
                                         : WEFT_IOP_bri64k_eq;
        emit_op(c, base + cmp);
        emit_w(c, cond.a);
        emit_w(c, cond.b);
        break;
    }
    }
    size_t site = c->ncode;
    emit_w(c, NONE);
    return site;
}

/* The function's return: copies the results on top of the stack to slot 0.. and leaves. */
static void emit_return(comp_t *c)
{
    uint32_t n = c->ftype->nresults;
    if (n == 0) {
        emit_op(c, WEFT_IOP_return0);
        return;
    }
    if (n == 1 && c->sp >= 1) {
        entry_t *e = &c->stack[c->sp - 1];
        if (e->kind == E_CONST) {
            emit_const_to(c, 0, e->val);
            emit_op(c, WEFT_IOP_return0);
            return;
        }
        uint32_t src = e->kind == E_LOCAL ? e->src : e->slot;
        emit_op(c, weft__valtype_slots(e->type) == 2 ? WEFT_IOP_return128 : WEFT_IOP_return1);
        emit_w(c, src);
        return;
    }
    /* Several results: they are materialized (by the caller) in consecutive temporaries at or
     * above slot 0, so an ascending copy is safe. */
    size_t first = c->sp >= n ? c->sp - n : 0;
    uint32_t src = first < c->sp ? c->stack[first].slot : c->temp_base;
    emit_op(c, WEFT_IOP_returnN);
    emit_w(c, src);
    emit_w(c, c->ftype->result_slots);
}

/* True if a branch to `b` needs to copy values (they are not already in the label's slots). */
static bool branch_needs_copies(const comp_t *c, const ctl_t *b)
{
    uint32_t n = label_arity(b);
    if (n == 0) return false;
    size_t first = c->sp - n;
    for (uint32_t i = 0; i < n; i++) {
        const entry_t *e = &c->stack[first + i];
        if (e->kind != E_TEMP) return true;
    }
    return c->stack[first].slot != b->base;
}

static void emit_branch_copies(comp_t *c, const ctl_t *b)
{
    uint32_t n = label_arity(b);
    size_t first = c->sp - n;
    uint32_t dst = b->base;
    for (uint32_t i = 0; i < n; i++) {
        const entry_t *e = &c->stack[first + i];
        emit_entry_to(c, dst, e);
        dst += weft__valtype_slots(e->type);
    }
}

/* The validator guarantees `n` values on the stack wherever a branch or return reads them; a
 * shorter model means the two disagree, which must be a compile error, never an out-of-bounds
 * read. Returns true (and sets the error) in that case. */
static bool stack_short(comp_t *c, size_t n)
{
    if (c->sp >= n) return false;
    c->r.err = "internal error: operand stack model shorter than the validated stack";
    return true;
}

/* br / br_if to relative depth `depth`; cond NULL for an unconditional branch. */
static void emit_branch(comp_t *c, size_t depth, const cond_t *cond)
{
    ctl_t *b = &c->ctls[c->nctl - 1 - depth];
    if (stack_short(c, b->kind == K_FUNC ? c->ftype->nresults : label_arity(b))) return;
    if (b->kind == K_FUNC) {
        if (c->ftype->nresults > 1 || (cond && c->ftype->nresults == 1))
            materialize_from(c, c->sp - c->ftype->nresults);
        if (!cond) {
            emit_return(c);
            return;
        }
        size_t skip = emit_cond_jump(c, *cond, true);
        emit_return(c);
        uint32_t head = NONE;
        link_site(c, &head, skip);
        place_label(c, head);
        return;
    }
    bool copies = branch_needs_copies(c, b);
    if (!cond) {
        if (copies) emit_branch_copies(c, b);
        emit_jump_to(c, depth);
        return;
    }
    if (!copies) {
        size_t site = emit_cond_jump(c, *cond, false);
        if (c->oom) return;
        if (b->kind == K_LOOP)
            c->code[site] = (uint32_t)(int32_t)((int64_t)b->loop_pos - (int64_t)site);
        else
            link_site(c, &b->patches, site);
        return;
    }
    size_t skip = emit_cond_jump(c, *cond, true);
    emit_branch_copies(c, b);
    emit_jump_to(c, depth);
    uint32_t head = NONE;
    link_site(c, &head, skip);
    place_label(c, head);
}

/* Pops a branch condition, folding the comparison just emitted when possible. */
static cond_t pop_cond(comp_t *c)
{
    entry_t e = pop(c);
    cond_t cd = {C_NZ, 0, 0, 0};
    if (e.kind == E_TEMP && c->cmp_end == c->ncode && c->cmp_slot == e.slot && !c->oom) {
        cd = c->cmp_cond;
        rewind_to(c, c->cmp_start);
        return cd;
    }
    if (e.kind == E_CONST) {
        /* A constant condition: compare the constant's materialized slot. */
        cd.a = use(c, &e);
        return cd;
    }
    cd.a = e.kind == E_LOCAL ? e.src : e.slot;
    return cd;
}

static void mark_cmp(comp_t *c, size_t start, uint32_t slot, cond_t cd)
{
    if (c->oom) return;
    c->cmp_start = start;
    c->cmp_end = c->ncode;
    c->cmp_slot = slot;
    c->cmp_cond = cd;
}

/* ------------------------------------------------------------------------------------------ */
/* Skipping unreachable code                                                                   */

static void skip_memarg(weft_reader_t *r)
{
    uint32_t align, mem;
    uint64_t off;
    weft__read_u32(r, &align);
    if (align & 0x40) weft__read_u32(r, &mem);
    weft__read_u64(r, &off);
}

/* A heap type's s33 follows the value-type forms 0x63 / 0x64 (typed references). */
static void skip_heaptype_after(weft_reader_t *r, int64_t *s)
{
    if (*s == 0x63 - 128 || *s == 0x64 - 128) {
        int64_t ht;
        weft__read_s33(r, &ht);
        *s = WEFT_T_FUNCREF - 128; /* every reference takes one slot */
    }
}

/* A block type (validated): the s33, with a typed reference reported as funcref. */
static void read_blocktype(weft_reader_t *r, int64_t *s)
{
    weft__read_s33(r, s);
    skip_heaptype_after(r, s);
}

/* A value type (validated), as a code whose slot count is right. */
static weft_valtype_t read_valtype(weft_reader_t *r)
{
    uint8_t b = 0;
    weft__read_u8(r, &b);
    if (b == 0x63 || b == 0x64) {
        int64_t ht;
        weft__read_s33(r, &ht);
        return WEFT_T_FUNCREF;
    }
    return b;
}

/* Skips the immediates of `op` (already read). */
static void skip_immediates(weft_reader_t *r, uint8_t op)
{
    uint32_t u;
    int64_t s;
    const uint8_t *bytes;
    switch (op) {
    case 0x02: case 0x03: case 0x04: case 0x06: read_blocktype(r, &s); break;
    case 0x0C: case 0x0D: case 0x10: case 0x20: case 0x21: case 0x22: case 0x23: case 0x24:
    case 0x25: case 0x26: case 0xD2: case 0x14: case 0x15: case 0xD5: case 0xD6:
        weft__read_u32(r, &u);
        break;
    case 0x0E: {
        uint32_t n;
        weft__read_u32(r, &n);
        for (uint32_t i = 0; i <= n && !r->err; i++) weft__read_u32(r, &u);
        break;
    }
    case 0x11: case 0x13: weft__read_u32(r, &u); weft__read_u32(r, &u); break;
    case 0x12: case 0x08: weft__read_u32(r, &u); break;
    case 0x07: case 0x09: case 0x18: weft__read_u32(r, &u); break; /* catch, rethrow, delegate */
    case 0x1F: { /* try_table: block type, then (kind, [tag], label) clauses */
        uint32_t n;
        read_blocktype(r, &s);
        weft__read_u32(r, &n);
        for (uint32_t i = 0; i < n && !r->err; i++) {
            uint8_t k = 0;
            weft__read_u8(r, &k);
            if (k < 2) weft__read_u32(r, &u);
            weft__read_u32(r, &u);
        }
        break;
    }
    case 0x1C: {
        uint32_t n;
        weft__read_u32(r, &n);
        for (uint32_t i = 0; i < n && !r->err; i++) (void)read_valtype(r);
        break;
    }
    case 0x3F: case 0x40: weft__read_u32(r, &u); break;
    case 0x41: weft__read_s64(r, &s); break;
    case 0x42: weft__read_s64(r, &s); break;
    case 0x43: weft__read_bytes(r, 4, &bytes); break;
    case 0x44: weft__read_bytes(r, 8, &bytes); break;
    case 0xD0: weft__read_s33(r, &s); break;
    case 0xFC: {
        uint32_t sub;
        weft__read_u32(r, &sub);
        switch (sub) {
        case 8: case 12: case 14: weft__read_u32(r, &u); weft__read_u32(r, &u); break;
        case 9: case 11: case 13: case 15: case 16: case 17: weft__read_u32(r, &u); break;
        case 10: weft__read_u32(r, &u); weft__read_u32(r, &u); break;
        default: break;
        }
        break;
    }
    case 0xFD: {
        uint32_t sub;
        weft__read_u32(r, &sub);
        switch (weft__simd_class(sub)) {
        case WEFT_SIMD_LOAD: case WEFT_SIMD_STORE: skip_memarg(r); break;
        case WEFT_SIMD_LOAD_LANE: case WEFT_SIMD_STORE_LANE:
            skip_memarg(r);
            weft__read_bytes(r, 1, &bytes);
            break;
        case WEFT_SIMD_CONST: case WEFT_SIMD_SHUFFLE: weft__read_bytes(r, 16, &bytes); break;
        case WEFT_SIMD_EXTRACT_LANE: case WEFT_SIMD_REPLACE_LANE:
            weft__read_bytes(r, 1, &bytes);
            break;
        default: break;
        }
        break;
    }
    default:
        if (op >= 0x28 && op <= 0x3E) skip_memarg(r);
        break;
    }
}

/* Skips to the `else` or `end` that closes the current block; returns that opcode with the
 * reader just past it (0 at the end of input). */
static uint8_t skip_dead(comp_t *c)
{
    uint32_t depth = 0;
    while (!weft__reader_eof(&c->r) && !c->r.err) {
        c->instr_off = (uint32_t)weft__reader_offset(&c->r);
        uint8_t op;
        if (!weft__read_u8(&c->r, &op)) return 0;
        if (op == 0x0B) {
            if (depth == 0) return op;
            depth--;
        } else if (op == 0x05 || op == 0x07 || op == 0x19) {
            /* else, or a handler (catch, catch_all) of the current legacy try */
            if (depth == 0) return op;
            skip_immediates(&c->r, op);
        } else if (op == 0x18 && depth == 0) {
            return op;
        } else if (op == 0x18) {
            /* delegate closes a legacy try like end does. */
            skip_immediates(&c->r, op);
            depth--;
        } else {
            if (op == 0x02 || op == 0x03 || op == 0x04 || op == 0x06 || op == 0x1F) depth++;
            skip_immediates(&c->r, op);
        }
    }
    return 0;
}

/* ------------------------------------------------------------------------------------------ */
/* Instructions                                                                                */

static int i32_imm_arith(uint8_t op)
{
    switch (op) {
    case 0x6A: return 0; case 0x6B: return 1; case 0x6C: return 2; case 0x71: return 3;
    case 0x72: return 4; case 0x73: return 5; case 0x74: return 6; case 0x75: return 7;
    case 0x76: return 8; case 0x77: return 9; case 0x78: return 10;
    default: return -1;
    }
}

static bool imm_commutes(int arith_idx) { return arith_idx == 0 || (arith_idx >= 2 && arith_idx <= 5); }

/* Signature of the numeric opcodes 0x45..0xC4. */
static void numeric_sig(uint8_t op, unsigned *nin, weft_valtype_t *tin, weft_valtype_t *tout)
{
    static const uint8_t conv[30][2] = {
        {0x7E, 0x7F}, {0x7D, 0x7F}, {0x7D, 0x7F}, {0x7C, 0x7F}, {0x7C, 0x7F}, {0x7F, 0x7E},
        {0x7F, 0x7E}, {0x7D, 0x7E}, {0x7D, 0x7E}, {0x7C, 0x7E}, {0x7C, 0x7E}, {0x7F, 0x7D},
        {0x7F, 0x7D}, {0x7E, 0x7D}, {0x7E, 0x7D}, {0x7C, 0x7D}, {0x7F, 0x7C}, {0x7F, 0x7C},
        {0x7E, 0x7C}, {0x7E, 0x7C}, {0x7D, 0x7C}, {0x7D, 0x7F}, {0x7C, 0x7E}, {0x7F, 0x7D},
        {0x7E, 0x7C}, {0x7F, 0x7F}, {0x7F, 0x7F}, {0x7E, 0x7E}, {0x7E, 0x7E}, {0x7E, 0x7E},
    };
    if (op == 0x45) { *nin = 1; *tin = WEFT_T_I32; *tout = WEFT_T_I32; }
    else if (op <= 0x4F) { *nin = 2; *tin = WEFT_T_I32; *tout = WEFT_T_I32; }
    else if (op == 0x50) { *nin = 1; *tin = WEFT_T_I64; *tout = WEFT_T_I32; }
    else if (op <= 0x5A) { *nin = 2; *tin = WEFT_T_I64; *tout = WEFT_T_I32; }
    else if (op <= 0x60) { *nin = 2; *tin = WEFT_T_F32; *tout = WEFT_T_I32; }
    else if (op <= 0x66) { *nin = 2; *tin = WEFT_T_F64; *tout = WEFT_T_I32; }
    else if (op <= 0x69) { *nin = 1; *tin = WEFT_T_I32; *tout = WEFT_T_I32; }
    else if (op <= 0x78) { *nin = 2; *tin = WEFT_T_I32; *tout = WEFT_T_I32; }
    else if (op <= 0x7B) { *nin = 1; *tin = WEFT_T_I64; *tout = WEFT_T_I64; }
    else if (op <= 0x8A) { *nin = 2; *tin = WEFT_T_I64; *tout = WEFT_T_I64; }
    else if (op <= 0x91) { *nin = 1; *tin = WEFT_T_F32; *tout = WEFT_T_F32; }
    else if (op <= 0x98) { *nin = 2; *tin = WEFT_T_F32; *tout = WEFT_T_F32; }
    else if (op <= 0x9F) { *nin = 1; *tin = WEFT_T_F64; *tout = WEFT_T_F64; }
    else if (op <= 0xA6) { *nin = 2; *tin = WEFT_T_F64; *tout = WEFT_T_F64; }
    else { *nin = 1; *tin = conv[op - 0xA7][0]; *tout = conv[op - 0xA7][1]; }
}

static void compile_numeric(comp_t *c, uint8_t op)
{
    unsigned nin;
    weft_valtype_t tin, tout;
    numeric_sig(op, &nin, &tin, &tout);
    int iop = WEFT_IOP_i32_eqz + (op - 0x45);
    if (nin == 1) {
        entry_t a = pop(c);
        uint32_t sa = use(c, &a);
        size_t start = c->ncode;
        uint32_t d = push_temp(c, tout);
        if (op == 0x50) {
            /* i64.eqz as an i64 comparison with zero, so branches can fold it. */
            emit_op(c, WEFT_IOP_i64k_eq);
            emit_w(c, d);
            emit_w(c, sa);
            emit_w(c, 0);
            cond_t cd = {C_I64K, CMP_EQ, sa, 0};
            mark_producer_at(c, start + 2, d);
            mark_cmp(c, start, d, cd);
            return;
        }
        emit_op(c, iop);
        emit_w(c, d);
        emit_w(c, sa);
        mark_producer_at(c, start + 2, d);
        if (op == 0x45) {
            cond_t cd = {C_Z, 0, sa, 0};
            mark_cmp(c, start, d, cd);
        }
        return;
    }
    entry_t b = pop(c);
    entry_t a = pop(c);
    bool is_i32 = (op >= 0x46 && op <= 0x4F) || (op >= 0x6A && op <= 0x78);
    bool is_i64 = (op >= 0x51 && op <= 0x5A) || (op >= 0x7C && op <= 0x8A);
    bool is_cmp = (op >= 0x46 && op <= 0x4F) || (op >= 0x51 && op <= 0x5A);
    int cmp = is_cmp ? (op <= 0x4F ? op - 0x46 : op - 0x51) : -1;
    int arith = is_i32 ? i32_imm_arith(op) : is_i64 ? i32_imm_arith((uint8_t)(op - 0x12)) : -1;
    if ((is_i32 || is_i64) && (is_cmp || arith >= 0)) {
        entry_t *k = NULL, *x = NULL;
        bool swapped = false;
        if (b.kind == E_CONST) { k = &b; x = &a; }
        else if (a.kind == E_CONST && (is_cmp || imm_commutes(arith))) {
            k = &a; x = &b; swapped = true;
        }
        if (k && is_i64 && (int64_t)k->val != (int64_t)(int32_t)(uint32_t)k->val) k = NULL;
        if (k) {
            uint32_t sx = use(c, x);
            size_t start = c->ncode;
            uint32_t d = push_temp(c, tout);
            int kop;
            int kcmp = cmp;
            uint32_t kval = (uint32_t)k->val;
            if (arith == 1 && is_i32) {
                arith = 0; /* x - k == x + (-k) modulo 2^32 */
                kval = (uint32_t)(0u - kval);
            }
            if (is_cmp) {
                if (swapped) kcmp = cmp_swap[cmp];
                kop = (is_i32 ? WEFT_IOP_i32k_eq : WEFT_IOP_i64k_eq) + kcmp;
            } else {
                kop = (is_i32 ? WEFT_IOP_i32k_add : WEFT_IOP_i64k_add) + arith;
            }
            emit_op(c, kop);
            emit_w(c, d);
            emit_w(c, sx);
            emit_w(c, kval);
            mark_producer_at(c, start + 2, d);
            if (is_i32 && (arith == 0 || arith == 6) && !c->oom) {
                c->ak_start = start;
                c->ak_end = c->ncode;
                c->ak_slot = d;
                c->ak_a = sx;
                c->ak_k = kval;
                c->ak_arith = arith;
            }
            if (is_cmp) {
                cond_t cd = {is_i32 ? C_I32K : C_I64K, (uint8_t)kcmp, sx, (uint32_t)k->val};
                mark_cmp(c, start, d, cd);
            } else if (is_i32 && arith == 3) {
                cond_t cd = {C_AND, 0, sx, kval}; /* a flag test, for br_if/if */
                mark_cmp(c, start, d, cd);
            }
            return;
        }
    }
    if (op == 0x6A && (is_last_ak(c, &b, 6) || is_last_ak(c, &a, 6))) {
        /* (x << k) + y in one instruction, the usual array indexing. */
        entry_t *y = is_last_ak(c, &b, 6) ? &a : &b;
        if (y->kind != E_CONST) {
            uint32_t x = c->ak_a, k = c->ak_k;
            size_t start = c->ak_start;
            rewind_to(c, start);
            uint32_t sy = use(c, y);
            uint32_t d = push_temp(c, tout);
            emit_op(c, WEFT_IOP_i32_shladd);
            emit_w(c, d);
            emit_w(c, x);
            emit_w(c, k);
            emit_w(c, sy);
            mark_producer_at(c, start + 2, d);
            return;
        }
    }
    uint32_t sa = use(c, &a);
    uint32_t sb = use(c, &b);
    size_t start = c->ncode;
    uint32_t d = push_temp(c, tout);
    emit_op(c, iop);
    emit_w(c, d);
    emit_w(c, sa);
    emit_w(c, sb);
    mark_producer_at(c, start + 2, d);
    if (is_cmp) {
        cond_t cd = {op <= 0x4F ? C_I32 : C_I64, (uint8_t)cmp, sa, sb};
        mark_cmp(c, start, d, cd);
    }
}

static void read_memarg(comp_t *c, uint32_t *offset, uint32_t *mem)
{
    uint32_t align;
    uint64_t off = 0;
    *mem = 0;
    weft__read_u32(&c->r, &align);
    if (align & 0x40) weft__read_u32(&c->r, mem); /* Wasm 3.0 multi-memory memarg */
    weft__read_u64(&c->r, &off);
    *offset = (uint32_t)off;
}

/* Brackets an instruction on memory `mem` != 0 (see mem_sel in interp.c). */
static void mem_sel(comp_t *c, uint32_t mem)
{
    if (!mem) return;
    emit_op(c, WEFT_IOP_mem_sel);
    emit_w(c, mem);
}

static void mem_sel0(comp_t *c, uint32_t mem)
{
    if (mem) emit_op(c, WEFT_IOP_mem_sel0);
}

static void compile_memory(comp_t *c, uint8_t op)
{
    static const uint16_t load_ops[14] = {
        WEFT_IOP_ld32,   WEFT_IOP_ld64,    WEFT_IOP_ld32,   WEFT_IOP_ld64,   WEFT_IOP_ld8s32,
        WEFT_IOP_ld8u,   WEFT_IOP_ld16s32, WEFT_IOP_ld16u,  WEFT_IOP_ld8s64, WEFT_IOP_ld8u,
        WEFT_IOP_ld16s64, WEFT_IOP_ld16u,  WEFT_IOP_ld32s64, WEFT_IOP_ld32,
    };
    static const uint8_t load_types[14] = {0x7F, 0x7E, 0x7D, 0x7C, 0x7F, 0x7F, 0x7F,
                                           0x7F, 0x7E, 0x7E, 0x7E, 0x7E, 0x7E, 0x7E};
    static const uint16_t store_ops[9] = {WEFT_IOP_st32, WEFT_IOP_st64, WEFT_IOP_st32,
                                         WEFT_IOP_st64, WEFT_IOP_st8,  WEFT_IOP_st16,
                                         WEFT_IOP_st8,  WEFT_IOP_st16, WEFT_IOP_st32};
    uint32_t offset, mem;
    read_memarg(c, &offset, &mem);
    /* The _k forms follow the plain ones in the same order. */
    const int to_k = WEFT_IOP_ld32_k - WEFT_IOP_ld32;
    if (op <= 0x35) {
        entry_t a = pop(c);
        bool fold = is_last_ak(c, &a, 0);
        uint32_t sa, k = 0;
        if (fold) {
            sa = c->ak_a;
            k = c->ak_k;
            rewind_to(c, c->ak_start);
        } else {
            sa = use(c, &a);
        }
        mem_sel(c, mem);
        size_t start = c->ncode;
        uint32_t d = push_temp(c, load_types[op - 0x28]);
        emit_op(c, load_ops[op - 0x28] + (fold ? to_k : 0));
        emit_w(c, d);
        emit_w(c, sa);
        emit_w(c, offset);
        if (fold) emit_w(c, k);
        mem_sel0(c, mem);
        mark_producer_at(c, start + 2, d);
    } else {
        entry_t v = pop(c);
        entry_t a = pop(c);
        int sop = store_ops[op - 0x36];
        if (v.kind == E_CONST && (sop != WEFT_IOP_st64 ||
                                  (int64_t)v.val == (int64_t)(int32_t)(uint32_t)v.val)) {
            /* A constant value: 8/16/32-bit stores use its low bits, a 64-bit store needs it
             * to be a sign-extended 32-bit immediate. */
            uint32_t sa = use(c, &a);
            mem_sel(c, mem);
            emit_op(c, sop + (WEFT_IOP_st8_i - WEFT_IOP_st8));
            emit_w(c, sa);
            emit_w(c, (uint32_t)v.val);
            emit_w(c, offset);
            mem_sel0(c, mem);
            return;
        }
        bool fold = v.kind != E_CONST && is_last_ak(c, &a, 0);
        uint32_t sa, k = 0;
        if (fold) {
            sa = c->ak_a;
            k = c->ak_k;
            rewind_to(c, c->ak_start);
        } else {
            sa = use(c, &a);
        }
        uint32_t sv = use(c, &v);
        mem_sel(c, mem);
        emit_op(c, store_ops[op - 0x36] + (fold ? to_k : 0));
        emit_w(c, sa);
        emit_w(c, sv);
        emit_w(c, offset);
        if (fold) emit_w(c, k);
        mem_sel0(c, mem);
    }
}

/* local.set / local.tee */
static void compile_local_set(comp_t *c, uint32_t idx, bool tee)
{
    uint32_t ls = c->local_slots[idx];
    weft_valtype_t t = c->local_types[idx];
    entry_t v = pop(c);
    if (v.kind == E_LOCAL && v.src == ls) {
        /* local.get x; local.set x */
    } else if (v.kind == E_TEMP && c->prod_end == c->ncode && c->prod_slot == v.slot &&
               !c->oom && !has_local_refs(c, ls)) {
        c->code[c->prod_dst_pos] = ls; /* retarget the producer */
        barrier(c);
    } else {
        materialize_local_refs(c, ls);
        emit_entry_to(c, ls, &v);
        barrier(c);
    }
    if (tee) {
        entry_t *e = push_entry(c, t);
        if (e) {
            e->kind = E_LOCAL;
            e->src = ls;
        }
    }
}

static void compile_call(comp_t *c, uint32_t funcidx_or_type, bool indirect, uint32_t table,
                         bool tail)
{
    const weft_functype_t *t = indirect ? &c->m->types[funcidx_or_type]
                                        : &c->m->types[c->m->func_types[funcidx_or_type]];
    uint32_t idx_slot = 0;
    entry_t ie;
    if (indirect) {
        ie = pop(c);
        idx_slot = use(c, &ie);
    }
    size_t first = c->sp >= t->nparams ? c->sp - t->nparams : 0;
    materialize_from(c, first);
    uint32_t argbase = first < c->sp ? c->stack[first].slot : next_slot(c);
    c->sp = first;
    if (indirect) {
        emit_op(c, WEFT_IOP_call_indirect);
        emit_w(c, funcidx_or_type);
        emit_w(c, table);
        emit_w(c, idx_slot);
        emit_w(c, argbase);
    } else {
        /* Functions defined by the module run in the same instance with compiled code. */
        bool local = funcidx_or_type >= c->m->nfunc_imports;
        emit_op(c, local ? WEFT_IOP_call_local : WEFT_IOP_call);
        emit_w(c, funcidx_or_type);
        emit_w(c, argbase);
        /* call_local also carries the callee's weft_code_t (its address is fixed once the
         * module is compiled, stub or not: weft__module_compile), so the interpreter reaches
         * the callee's code without going through the instance's function table first. A
         * tail call's handler (compile_return_call) keeps the short form. */
        if (local && !tail)
            emit_w64(c, (uint64_t)(uintptr_t)c->m->codes[funcidx_or_type - c->m->nfunc_imports]);
    }
    for (uint32_t i = 0; i < t->nresults; i++) push_temp(c, t->results[i]);
    barrier(c);
}

/* return_call / return_call_indirect (Wasm 3.0 tail calls): compiled as the ordinary call with
 * a tail-call handler, followed by the function's return. The handler reuses the frame for a
 * compiled callee (never reaching the return); a host callee is called normally and comes back
 * to that return, which moves its results into place. */
static void compile_return_call(comp_t *c, uint32_t funcidx_or_type, bool indirect,
                                uint32_t table)
{
    compile_call(c, funcidx_or_type, indirect, table, true);
    if (c->oom || c->r.err) return;
    size_t at = c->ncode - (indirect ? 6 : 4);
    const void *h = c->labels[indirect ? WEFT_IOP_return_call_indirect : WEFT_IOP_return_call];
    memcpy(&c->code[at], &h, sizeof h);
    emit_branch(c, c->nctl - 1, NULL);
}

/* throw x (Wasm 3.0 exception handling): the payload is materialized like call arguments. */
static void compile_throw(comp_t *c, uint32_t tag)
{
    const weft_functype_t *t = &c->m->types[c->m->tag_types[tag]];
    size_t first = c->sp >= t->nparams ? c->sp - t->nparams : 0;
    materialize_from(c, first);
    uint32_t argbase = first < c->sp ? c->stack[first].slot : next_slot(c);
    c->sp = first;
    emit_op(c, WEFT_IOP_throw);
    emit_w(c, tag);
    emit_w(c, argbase);
}

/* try_table bt clauses*: every clause gets a landing pad, emitted before the body and jumped
 * over, that branches to the clause's label with the values the unwinder stores in its
 * temporaries (payload, then exnref). Returns the block type through *bt. */
static void compile_try_table(comp_t *c, int64_t *bt)
{
    uint32_t n = 0;
    read_blocktype(&c->r, bt);
    weft__read_u32(&c->r, &n);
    if (c->r.err) return;
    materialize_from(c, 0);
    emit_op(c, WEFT_IOP_br);
    size_t over = c->ncode;
    emit_w(c, 0);
    size_t first = c->ncatches;
    for (uint32_t i = 0; i < n && !c->oom && !c->r.err; i++) {
        uint8_t kind = 0;
        uint32_t tag = 0, label = 0;
        weft__read_u8(&c->r, &kind);
        if (kind < 2) weft__read_u32(&c->r, &tag);
        weft__read_u32(&c->r, &label);
        if (c->r.err) return;
        if (c->ncatches == c->catches_cap) {
            void *p = c->catches;
            if (weft__grow(c->alloc, &p, &c->catches_cap, c->ncatches + 1,
                           sizeof *c->catches) != 0) {
                c->oom = true;
                return;
            }
            c->catches = p;
        }
        barrier(c);
        size_t sp0 = c->sp;
        uint32_t slot = next_slot(c);
        weft_catch_t *k = &c->catches[c->ncatches++];
        memset(k, 0, sizeof *k);
        k->kind = kind;
        k->tag = tag;
        k->pad = (uint32_t)c->ncode;
        k->slot = slot;
        k->depth = (uint32_t)c->nctl; /* the index its frame will have */
        if (kind < 2) {
            const weft_functype_t *t = &c->m->types[c->m->tag_types[tag]];
            for (uint32_t j = 0; j < t->nparams; j++) push_temp(c, t->params[j]);
        }
        if (kind & 1) push_temp(c, WEFT_T_EXNREF);
        emit_branch(c, label, NULL);
        c->sp = sp0;
    }
    if (c->oom || c->r.err) return;
    /* Reverse this try_table's clauses (see weft_catch_t). */
    for (size_t a = first, z = c->ncatches; a + 1 < z; a++, z--) {
        weft_catch_t tmp = c->catches[a];
        c->catches[a] = c->catches[z - 1];
        c->catches[z - 1] = tmp;
    }
    c->code[over] = (uint32_t)(int32_t)((int64_t)c->ncode - (int64_t)over);
    barrier(c);
    for (size_t j = first; j < c->ncatches; j++) c->catches[j].start = (uint32_t)c->ncode;
    ctl_t *b = push_ctl(c, K_BLOCK, *bt);
    if (b) {
        b->try_first = (uint32_t)first;
        b->try_n = (uint32_t)(c->ncatches - first);
    }
}

/* call_ref x / return_call_ref x (typed function references): the callee is the reference
 * on top of the stack; null traps. The tail form is patched like compile_return_call. */
static void compile_call_ref(comp_t *c, uint32_t type, bool tail)
{
    const weft_functype_t *t = &c->m->types[type];
    entry_t fe = pop(c);
    uint32_t fslot = use(c, &fe);
    size_t first = c->sp >= t->nparams ? c->sp - t->nparams : 0;
    materialize_from(c, first);
    uint32_t argbase = first < c->sp ? c->stack[first].slot : next_slot(c);
    c->sp = first;
    emit_op(c, tail ? WEFT_IOP_return_call_ref : WEFT_IOP_call_ref);
    emit_w(c, fslot);
    emit_w(c, argbase);
    emit_w(c, type);
    for (uint32_t i = 0; i < t->nresults; i++) push_temp(c, t->results[i]);
    barrier(c);
    if (tail && !c->oom && !c->r.err) emit_branch(c, c->nctl - 1, NULL);
}

/* Pushes back an entry just popped (same stack position, so the same slot). */
static void repush(comp_t *c, const entry_t *a)
{
    entry_t *e = push_entry(c, a->type);
    if (!e) return;
    e->kind = a->kind;
    e->src = a->src;
    e->val = a->val;
}

/* ---- Legacy exception handling (Wasm 3.0 appendix): try, catch, catch_all, delegate, rethrow.
 * A try's body is a block; each handler is registered as a weft_catch_t covering the body, of
 * kind 4 (catch: exnref, then payload), 5 (catch_all: exnref) or 6 (delegate: handlers of
 * frames deeper than `tag` are skipped). The caught exnref stays in the handler's first slot
 * for rethrow; the handler's results are moved to the try's slots like a br 0. Clauses of outer
 * tries are kept before those of inner ones, as the unwinder searches from the last. */
static void compile_try(comp_t *c)
{
    int64_t s = -64;
    read_blocktype(&c->r, &s);
    materialize_from(c, 0);
    ctl_t *b = push_ctl(c, K_TRY, s);
    if (!b) return;
    barrier(c);
    b->legacy_first = (uint32_t)c->ncatches;
    b->body_start = (uint32_t)c->ncode;
    b->body_end = (uint32_t)c->ncode;
}

/* A new clause of try `b`, inserted before its earlier ones (searched from the last). */
static weft_catch_t *insert_catch(comp_t *c, ctl_t *b)
{
    if (c->ncatches == c->catches_cap) {
        void *p = c->catches;
        if (weft__grow(c->alloc, &p, &c->catches_cap, c->ncatches + 1, sizeof *c->catches) != 0) {
            c->oom = true;
            return NULL;
        }
        c->catches = p;
    }
    weft_catch_t *k = &c->catches[b->legacy_first];
    memmove(k + 1, k, (c->ncatches - b->legacy_first) * sizeof *k);
    c->ncatches++;
    b->legacy_n++;
    memset(k, 0, sizeof *k);
    k->start = b->body_start;
    k->end = b->body_end;
    k->depth = (uint32_t)(c->nctl - 1);
    return k;
}

/* catch x (0x07) / catch_all (0x19): ends the body or the previous handler. */
static void compile_catch(comp_t *c, uint8_t op)
{
    ctl_t *b = &c->ctls[c->nctl - 1];
    uint32_t tag = 0;
    if (op == 0x07) weft__read_u32(&c->r, &tag);
    if (c->r.err || (b->kind != K_TRY && b->kind != K_CATCH)) {
        if (!c->r.err) c->r.err = "internal error: catch outside a try";
        return;
    }
    if (b->kind == K_TRY) {
        b->body_end = (uint32_t)c->ncode;
        if (!b->unreachable) {
            materialize_from(c, b->height);
            emit_jump_to(c, 0);
        }
    } else if (!b->unreachable) {
        emit_branch(c, 0, NULL);
    }
    barrier(c);
    b->kind = K_CATCH;
    b->unreachable = false;
    c->sp = b->height;
    uint32_t slot = push_temp(c, WEFT_T_EXNREF);
    b->exn_slot = slot;
    if (op == 0x07) {
        const weft_functype_t *t = &c->m->types[c->m->tag_types[tag]];
        for (uint32_t j = 0; j < t->nparams; j++) push_temp(c, t->params[j]);
    }
    weft_catch_t *k = insert_catch(c, b);
    if (!k) return;
    k->kind = op == 0x07 ? 4 : 5;
    k->tag = tag;
    k->pad = (uint32_t)c->ncode;
    k->slot = slot;
}

static void end_block(comp_t *c, uint8_t op);

/* delegate l (0x18): ends a try without handlers; exceptions of its body go to the handlers
 * around label l (counted from the frame around the try). */
static void compile_delegate(comp_t *c)
{
    ctl_t *b = &c->ctls[c->nctl - 1];
    uint32_t l = 0;
    weft__read_u32(&c->r, &l);
    if (c->r.err || b->kind != K_TRY) {
        if (!c->r.err) c->r.err = "internal error: delegate outside a try";
        return;
    }
    b->body_end = (uint32_t)c->ncode;
    uint32_t self = (uint32_t)(c->nctl - 1);
    weft_catch_t *k = insert_catch(c, b);
    if (!k) return;
    k->kind = 6;
    k->tag = self >= l + 1 ? self - 1 - l : 0; /* the target frame's index */
    end_block(c, 0x0B);
}

static void compile_br_table(comp_t *c)
{
    uint32_t n;
    weft__read_u32(&c->r, &n);
    if (c->r.err) return;
    if ((size_t)n + 1 > c->scratch_cap) {
        void *p = c->scratch;
        if (weft__grow(c->alloc, &p, &c->scratch_cap, (size_t)n + 1, sizeof(uint32_t)) != 0) {
            c->oom = true;
            return;
        }
        c->scratch = p;
    }
    for (uint32_t i = 0; i <= n; i++) weft__read_u32(&c->r, &c->scratch[i]);
    if (c->r.err) return;
    entry_t ie = pop(c);
    uint32_t idx_slot = use(c, &ie);
    uint32_t arity = label_arity(&c->ctls[c->nctl - 1 - c->scratch[n]]);
    if (stack_short(c, arity)) return;
    materialize_from(c, c->sp - arity);
    if (c->nctl > c->stub_cap) {
        void *p = c->stub_pos;
        if (weft__grow(c->alloc, &p, &c->stub_cap, c->nctl, sizeof(uint32_t)) != 0) {
            c->oom = true;
            return;
        }
        c->stub_pos = p;
    }
    for (size_t i = 0; i < c->nctl; i++) c->stub_pos[i] = NONE;
    emit_op(c, WEFT_IOP_br_table);
    emit_w(c, idx_slot);
    emit_w(c, n);
    size_t table = c->ncode;
    for (uint32_t i = 0; i <= n; i++) emit_w(c, NONE);
    if (c->oom) return;
    /* Direct targets first; the others go through a stub that copies values. */
    for (uint32_t i = 0; i <= n; i++) {
        uint32_t depth = c->scratch[i];
        ctl_t *b = &c->ctls[c->nctl - 1 - depth];
        size_t site = table + i;
        if (b->kind != K_FUNC && !branch_needs_copies(c, b)) {
            if (b->kind == K_LOOP)
                c->code[site] = (uint32_t)(int32_t)((int64_t)b->loop_pos - (int64_t)site);
            else
                link_site(c, &b->patches, site);
            continue;
        }
        if (c->stub_pos[depth] == NONE) {
            c->stub_pos[depth] = (uint32_t)c->ncode;
            emit_branch(c, depth, NULL);
            if (c->oom) return;
        }
        c->code[site] = (uint32_t)(int32_t)((int64_t)c->stub_pos[depth] - (int64_t)site);
    }
}

static void compile_simd(comp_t *c)
{
    uint32_t sub;
    weft__read_u32(&c->r, &sub);
    const uint8_t *bytes = NULL;
    uint32_t offset = 0, mem = 0;
    switch (weft__simd_class(sub)) {
    case WEFT_SIMD_LOAD: {
        read_memarg(c, &offset, &mem);
        entry_t a = pop(c);
        uint32_t sa = use(c, &a);
        uint32_t d = push_temp(c, WEFT_T_V128);
        mem_sel(c, mem);
        emit_op(c, WEFT_IOP_v_load);
        emit_w(c, sub);
        emit_w(c, d);
        emit_w(c, sa);
        emit_w(c, offset);
        mem_sel0(c, mem);
        break;
    }
    case WEFT_SIMD_STORE: {
        read_memarg(c, &offset, &mem);
        entry_t v = pop(c);
        entry_t a = pop(c);
        uint32_t sa = use(c, &a);
        uint32_t sv = use(c, &v);
        mem_sel(c, mem);
        emit_op(c, WEFT_IOP_v_store);
        emit_w(c, sa);
        emit_w(c, sv);
        emit_w(c, offset);
        mem_sel0(c, mem);
        break;
    }
    case WEFT_SIMD_LOAD_LANE: {
        read_memarg(c, &offset, &mem);
        weft__read_bytes(&c->r, 1, &bytes);
        entry_t v = pop(c);
        entry_t a = pop(c);
        uint32_t sa = use(c, &a);
        uint32_t sv = use(c, &v);
        uint32_t d = push_temp(c, WEFT_T_V128);
        mem_sel(c, mem);
        emit_op(c, WEFT_IOP_v_load_lane);
        emit_w(c, sub);
        emit_w(c, d);
        emit_w(c, sa);
        emit_w(c, sv);
        emit_w(c, offset);
        emit_w(c, bytes ? bytes[0] : 0);
        mem_sel0(c, mem);
        break;
    }
    case WEFT_SIMD_STORE_LANE: {
        read_memarg(c, &offset, &mem);
        weft__read_bytes(&c->r, 1, &bytes);
        entry_t v = pop(c);
        entry_t a = pop(c);
        uint32_t sa = use(c, &a);
        uint32_t sv = use(c, &v);
        mem_sel(c, mem);
        emit_op(c, WEFT_IOP_v_store_lane);
        emit_w(c, sub);
        emit_w(c, sa);
        emit_w(c, sv);
        emit_w(c, offset);
        emit_w(c, bytes ? bytes[0] : 0);
        mem_sel0(c, mem);
        break;
    }
    case WEFT_SIMD_CONST: {
        weft__read_bytes(&c->r, 16, &bytes);
        uint32_t d = push_temp(c, WEFT_T_V128);
        emit_op(c, WEFT_IOP_const128);
        emit_w(c, d);
        for (int i = 0; i < 4; i++) {
            uint32_t w = 0;
            if (bytes) memcpy(&w, bytes + 4 * i, 4);
            emit_w(c, w);
        }
        break;
    }
    case WEFT_SIMD_SHUFFLE: {
        weft__read_bytes(&c->r, 16, &bytes);
        entry_t b = pop(c);
        entry_t a = pop(c);
        uint32_t sa = use(c, &a);
        uint32_t sb = use(c, &b);
        uint32_t d = push_temp(c, WEFT_T_V128);
        emit_op(c, WEFT_IOP_v_shuffle);
        emit_w(c, d);
        emit_w(c, sa);
        emit_w(c, sb);
        for (int i = 0; i < 4; i++) {
            uint32_t w = 0;
            if (bytes) memcpy(&w, bytes + 4 * i, 4);
            emit_w(c, w);
        }
        break;
    }
    case WEFT_SIMD_EXTRACT_LANE: {
        weft__read_bytes(&c->r, 1, &bytes);
        entry_t a = pop(c);
        uint32_t sa = use(c, &a);
        uint32_t d = push_temp(c, weft__simd_scalar_type(sub));
        emit_op(c, WEFT_IOP_v_extract);
        emit_w(c, sub);
        emit_w(c, d);
        emit_w(c, sa);
        emit_w(c, bytes ? bytes[0] : 0);
        break;
    }
    case WEFT_SIMD_REPLACE_LANE: {
        weft__read_bytes(&c->r, 1, &bytes);
        entry_t s = pop(c);
        entry_t a = pop(c);
        uint32_t sa = use(c, &a);
        uint32_t ss = use(c, &s);
        uint32_t d = push_temp(c, WEFT_T_V128);
        emit_op(c, WEFT_IOP_v_replace);
        emit_w(c, sub);
        emit_w(c, d);
        emit_w(c, sa);
        emit_w(c, ss);
        emit_w(c, bytes ? bytes[0] : 0);
        break;
    }
    case WEFT_SIMD_SPLAT:
    case WEFT_SIMD_UNOP:
    case WEFT_SIMD_TEST: {
        weft_simd_class_t k = weft__simd_class(sub);
        entry_t a = pop(c);
        uint32_t sa = use(c, &a);
        uint32_t d = push_temp(c, k == WEFT_SIMD_TEST ? WEFT_T_I32 : WEFT_T_V128);
        emit_op(c, k == WEFT_SIMD_SPLAT  ? WEFT_IOP_v_splat
                   : k == WEFT_SIMD_UNOP ? WEFT_IOP_v_unop
                                         : WEFT_IOP_v_test);
        emit_w(c, sub);
        emit_w(c, d);
        emit_w(c, sa);
        break;
    }
    case WEFT_SIMD_BINOP:
    case WEFT_SIMD_SHIFT: {
        entry_t b = pop(c);
        entry_t a = pop(c);
        uint32_t sa = use(c, &a);
        uint32_t sb = use(c, &b);
        uint32_t d = push_temp(c, WEFT_T_V128);
        emit_op(c, weft__simd_class(sub) == WEFT_SIMD_BINOP ? WEFT_IOP_v_binop : WEFT_IOP_v_shift);
        emit_w(c, sub);
        emit_w(c, d);
        emit_w(c, sa);
        emit_w(c, sb);
        break;
    }
    case WEFT_SIMD_TERNOP: {
        entry_t x = pop(c);
        entry_t b = pop(c);
        entry_t a = pop(c);
        uint32_t sa = use(c, &a);
        uint32_t sb = use(c, &b);
        uint32_t sx = use(c, &x);
        uint32_t d = push_temp(c, WEFT_T_V128);
        emit_op(c, WEFT_IOP_v_ternop);
        emit_w(c, sub);
        emit_w(c, d);
        emit_w(c, sa);
        emit_w(c, sb);
        emit_w(c, sx);
        break;
    }
    default: break;
    }
}

static void compile_fc(comp_t *c)
{
    uint32_t sub, x = 0, y = 0;
    weft__read_u32(&c->r, &sub);
    if (sub <= 7) {
        entry_t a = pop(c);
        uint32_t sa = use(c, &a);
        size_t start = c->ncode;
        uint32_t d = push_temp(c, sub < 4 ? WEFT_T_I32 : WEFT_T_I64);
        emit_op(c, WEFT_IOP_i32_trunc_sat_f32_s + (int)sub);
        emit_w(c, d);
        emit_w(c, sa);
        mark_producer_at(c, start + 2, d);
        return;
    }
    switch (sub) {
    case 8: case 12: case 14:
        weft__read_u32(&c->r, &x);
        weft__read_u32(&c->r, &y);
        break;
    case 10:
        weft__read_u32(&c->r, &x);
        weft__read_u32(&c->r, &y);
        break;
    default:
        weft__read_u32(&c->r, &x);
        break;
    }
    switch (sub) {
    case 8: case 10: case 11: case 12: case 14: case 17: {
        entry_t n = pop(c);
        entry_t s = pop(c);
        entry_t d = pop(c);
        uint32_t sd = use(c, &d), ss = use(c, &s), sn = use(c, &n);
        int op = sub == 8    ? WEFT_IOP_memory_init
                 : sub == 10 ? WEFT_IOP_memory_copy
                 : sub == 11 ? WEFT_IOP_memory_fill
                 : sub == 12 ? WEFT_IOP_table_init
                 : sub == 14 ? WEFT_IOP_table_copy
                             : WEFT_IOP_table_fill;
        /* The memory operand: memory.init y, memory.copy x (dst) and y (src), memory.fill x. */
        uint32_t mem = sub == 8 ? y : sub == 10 || sub == 11 ? x : 0;
        if (sub == 10 && x != y) op = WEFT_IOP_memory_copy2;
        else mem_sel(c, mem);
        emit_op(c, op);
        emit_w(c, sd);
        emit_w(c, ss);
        emit_w(c, sn);
        emit_w(c, x); /* segment / table */
        emit_w(c, y); /* table (table.init: x = segment, y = table; table.copy: x dst, y src) */
        if (op != WEFT_IOP_memory_copy2) mem_sel0(c, mem);
        break;
    }
    case 9: case 13:
        emit_op(c, sub == 9 ? WEFT_IOP_data_drop : WEFT_IOP_elem_drop);
        emit_w(c, x);
        break;
    case 15: {
        entry_t n = pop(c);
        entry_t v = pop(c);
        uint32_t sv = use(c, &v), sn = use(c, &n);
        uint32_t d = push_temp(c, WEFT_T_I32);
        emit_op(c, WEFT_IOP_table_grow);
        emit_w(c, d);
        emit_w(c, sv);
        emit_w(c, sn);
        emit_w(c, x);
        break;
    }
    case 16: {
        uint32_t d = push_temp(c, WEFT_T_I32);
        emit_op(c, WEFT_IOP_table_size);
        emit_w(c, d);
        emit_w(c, x);
        break;
    }
    default: break;
    }
}

static void end_block(comp_t *c, uint8_t op)
{
    ctl_t *b = &c->ctls[c->nctl - 1];
    if (op == 0x05) { /* else */
        if (!b->unreachable) {
            materialize_from(c, b->height);
            emit_jump_to(c, 0);
        }
        place_label(c, b->else_patches);
        b->else_patches = NONE;
        b->kind = K_ELSE;
        b->unreachable = false;
        c->sp = b->height;
        for (uint32_t i = 0; i < b->nparams; i++) push_temp(c, ctl_param(c, b, i));
        return;
    }
    if (b->kind == K_FUNC) {
        if (!b->unreachable) {
            if (stack_short(c, c->ftype->nresults)) return;
            if (c->ftype->nresults > 1) materialize_from(c, c->sp - c->ftype->nresults);
            emit_return(c);
        }
        c->nctl--;
        return;
    }
    if (b->kind == K_CATCH && !b->unreachable) {
        /* A handler's values sit above the caught exnref: move them like a br 0. */
        emit_branch(c, 0, NULL);
        b->unreachable = true;
    }
    if (!b->unreachable) materialize_from(c, b->height);
    for (uint32_t i = 0; i < b->try_n && !c->oom; i++)
        c->catches[b->try_first + i].end = (uint32_t)c->ncode;
    if (b->kind == K_IF) resolve_chain(c, b->else_patches, c->ncode);
    if (b->kind != K_LOOP) resolve_chain(c, b->patches, c->ncode);
    barrier(c);
    c->sp = b->height;
    c->nctl--;
    for (uint32_t i = 0; i < b->nresults; i++) push_temp(c, ctl_result(c, b, i));
}

static void set_unreachable(comp_t *c)
{
    c->ctls[c->nctl - 1].unreachable = true;
    c->sp = c->ctls[c->nctl - 1].height;
}

static void compile_body(comp_t *c)
{
    while (c->nctl > 0 && !c->oom && !c->r.err && !weft__reader_eof(&c->r)) {
        uint8_t op;
        if (c->ctls[c->nctl - 1].unreachable) {
            op = skip_dead(c);
            if (op == 0) break;
            if (op == 0x07 || op == 0x19) compile_catch(c, op);
            else if (op == 0x18) compile_delegate(c);
            else end_block(c, op);
            continue;
        }
        c->instr_off = (uint32_t)weft__reader_offset(&c->r);
        if (!weft__read_u8(&c->r, &op)) break;
        uint32_t u = 0, v = 0;
        int64_t s = 0;
        switch (op) {
        case 0x00:
            emit_op(c, WEFT_IOP_unreachable);
            set_unreachable(c);
            break;
        case 0x01: break;
        case 0x02:
        case 0x03: {
            read_blocktype(&c->r, &s);
            materialize_from(c, 0);
            ctl_t *b = push_ctl(c, op == 0x02 ? K_BLOCK : K_LOOP, s);
            if (b && op == 0x03) {
                b->loop_pos = (uint32_t)c->ncode;
                barrier(c);
            }
            break;
        }
        case 0x04: {
            read_blocktype(&c->r, &s);
            cond_t cd = pop_cond(c);
            materialize_from(c, 0);
            size_t site = emit_cond_jump(c, cd, true);
            ctl_t *b = push_ctl(c, K_IF, s);
            if (b) link_site(c, &b->else_patches, site);
            break;
        }
        case 0x05:
        case 0x0B: end_block(c, op); break;
        case 0x0C:
            weft__read_u32(&c->r, &u);
            emit_branch(c, u, NULL);
            set_unreachable(c);
            break;
        case 0x0D: {
            weft__read_u32(&c->r, &u);
            cond_t cd = pop_cond(c);
            emit_branch(c, u, &cd);
            break;
        }
        case 0x0E:
            compile_br_table(c);
            set_unreachable(c);
            break;
        case 0x0F:
            emit_branch(c, c->nctl - 1, NULL);
            set_unreachable(c);
            break;
        case 0x10:
            weft__read_u32(&c->r, &u);
            compile_call(c, u, false, 0, false);
            break;
        case 0x11:
            weft__read_u32(&c->r, &u);
            weft__read_u32(&c->r, &v);
            compile_call(c, u, true, v, false);
            break;
        case 0x12:
            weft__read_u32(&c->r, &u);
            compile_return_call(c, u, false, 0);
            set_unreachable(c);
            break;
        case 0x13:
            weft__read_u32(&c->r, &u);
            weft__read_u32(&c->r, &v);
            compile_return_call(c, u, true, v);
            set_unreachable(c);
            break;
        case 0x08:
            weft__read_u32(&c->r, &u);
            compile_throw(c, u);
            set_unreachable(c);
            break;
        case 0x0A: {
            entry_t e = pop(c);
            uint32_t se = use(c, &e);
            emit_op(c, WEFT_IOP_throw_ref);
            emit_w(c, se);
            set_unreachable(c);
            break;
        }
        case 0x1F:
            compile_try_table(c, &s);
            break;
        case 0x06: compile_try(c); break;
        case 0x07: case 0x19: compile_catch(c, op); break;
        case 0x18: compile_delegate(c); break;
        case 0x09: /* rethrow l: throws the exnref of the handler at label l again */
            weft__read_u32(&c->r, &u);
            if (u < c->nctl && c->ctls[c->nctl - 1 - u].kind == K_CATCH) {
                emit_op(c, WEFT_IOP_throw_ref);
                emit_w(c, c->ctls[c->nctl - 1 - u].exn_slot);
            } else {
                c->r.err = "internal error: rethrow outside a catch handler";
            }
            set_unreachable(c);
            break;
        case 0x14:
        case 0x15:
            weft__read_u32(&c->r, &u);
            compile_call_ref(c, u, op == 0x15);
            if (op == 0x15) set_unreachable(c);
            break;
        case 0xD4: { /* ref.as_non_null: traps on null, the value is unchanged */
            entry_t a = pop(c);
            uint32_t sa = use(c, &a);
            emit_op(c, WEFT_IOP_ref_as_non_null);
            emit_w(c, sa);
            repush(c, &a);
            break;
        }
        case 0xD5: { /* br_on_null l: branch (without the reference) when it is null */
            weft__read_u32(&c->r, &u);
            entry_t a = pop(c);
            uint32_t sa = use(c, &a);
            cond_t cd = {C_I64K, CMP_EQ, sa, 0};
            emit_branch(c, u, &cd);
            repush(c, &a);
            break;
        }
        case 0xD6: { /* br_on_non_null l: branch with the reference when it is not null */
            weft__read_u32(&c->r, &u);
            if (c->sp == 0) break;
            uint32_t sa = use(c, &c->stack[c->sp - 1]);
            cond_t cd = {C_I64K, CMP_NE, sa, 0};
            emit_branch(c, u, &cd);
            (void)pop(c);
            break;
        }
        case 0x1A: (void)pop(c); break;
        case 0x1B:
        case 0x1C: {
            if (op == 0x1C) {
                uint32_t n;
                weft__read_u32(&c->r, &n);
                for (uint32_t i = 0; i < n; i++) (void)read_valtype(&c->r);
            }
            entry_t cnd = pop(c);
            entry_t b = pop(c);
            entry_t a = pop(c);
            uint32_t sa = use(c, &a), sb = use(c, &b), sc = use(c, &cnd);
            size_t start = c->ncode;
            uint32_t d = push_temp(c, a.type);
            bool wide = weft__valtype_slots(a.type) == 2;
            emit_op(c, wide ? WEFT_IOP_select128 : WEFT_IOP_select);
            emit_w(c, d);
            emit_w(c, sa);
            emit_w(c, sb);
            emit_w(c, sc);
            if (!wide) mark_producer_at(c, start + 2, d);
            break;
        }
        case 0x20: {
            weft__read_u32(&c->r, &u);
            entry_t *e = push_entry(c, c->local_types[u]);
            if (e) {
                e->kind = E_LOCAL;
                e->src = c->local_slots[u];
            }
            break;
        }
        case 0x21:
        case 0x22:
            weft__read_u32(&c->r, &u);
            compile_local_set(c, u, op == 0x22);
            break;
        case 0x23: {
            weft__read_u32(&c->r, &u);
            weft_valtype_t t = c->m->globals[u].type;
            size_t start = c->ncode;
            uint32_t d = push_temp(c, t);
            bool wide = weft__valtype_slots(t) == 2;
            emit_op(c, wide ? WEFT_IOP_global_get128 : WEFT_IOP_global_get);
            emit_w(c, d);
            emit_w(c, u);
            if (!wide) mark_producer_at(c, start + 2, d);
            break;
        }
        case 0x24: {
            weft__read_u32(&c->r, &u);
            entry_t a = pop(c);
            uint32_t sa = use(c, &a);
            emit_op(c, weft__valtype_slots(a.type) == 2 ? WEFT_IOP_global_set128
                                                         : WEFT_IOP_global_set);
            emit_w(c, u);
            emit_w(c, sa);
            break;
        }
        case 0x25: {
            weft__read_u32(&c->r, &u);
            entry_t i = pop(c);
            uint32_t si = use(c, &i);
            uint32_t d = push_temp(c, c->m->tables[u].elem);
            emit_op(c, WEFT_IOP_table_get);
            emit_w(c, d);
            emit_w(c, si);
            emit_w(c, u);
            break;
        }
        case 0x26: {
            weft__read_u32(&c->r, &u);
            entry_t val = pop(c);
            entry_t i = pop(c);
            uint32_t si = use(c, &i), sv = use(c, &val);
            emit_op(c, WEFT_IOP_table_set);
            emit_w(c, si);
            emit_w(c, sv);
            emit_w(c, u);
            break;
        }
        case 0x3F: {
            weft__read_u32(&c->r, &u);
            uint32_t d = push_temp(c, WEFT_T_I32);
            mem_sel(c, u);
            emit_op(c, WEFT_IOP_memory_size);
            emit_w(c, d);
            mem_sel0(c, u);
            break;
        }
        case 0x40: {
            weft__read_u32(&c->r, &u);
            entry_t a = pop(c);
            uint32_t sa = use(c, &a);
            uint32_t d = push_temp(c, WEFT_T_I32);
            mem_sel(c, u);
            emit_op(c, WEFT_IOP_memory_grow);
            emit_w(c, d);
            emit_w(c, sa);
            mem_sel0(c, u);
            break;
        }
        case 0x41: {
            int32_t k = 0;
            weft__read_s32(&c->r, &k);
            entry_t *e = push_entry(c, WEFT_T_I32);
            if (e) {
                e->kind = E_CONST;
                e->val = (uint32_t)k;
            }
            break;
        }
        case 0x42: {
            weft__read_s64(&c->r, &s);
            entry_t *e = push_entry(c, WEFT_T_I64);
            if (e) {
                e->kind = E_CONST;
                e->val = (uint64_t)s;
            }
            break;
        }
        case 0x43: {
            uint32_t bits = 0;
            weft__read_f32(&c->r, &bits);
            entry_t *e = push_entry(c, WEFT_T_F32);
            if (e) {
                e->kind = E_CONST;
                e->val = bits;
            }
            break;
        }
        case 0x44: {
            uint64_t bits = 0;
            weft__read_f64(&c->r, &bits);
            entry_t *e = push_entry(c, WEFT_T_F64);
            if (e) {
                e->kind = E_CONST;
                e->val = bits;
            }
            break;
        }
        case 0xD0: {
            weft__read_s33(&c->r, &s);
            /* Every null reference is the 0 slot; a type index is a function reference. */
            entry_t *e = push_entry(c, s >= 0 ? (weft_valtype_t)WEFT_T_FUNCREF
                                              : (weft_valtype_t)((uint64_t)s + 128) & 0xFF);
            if (e) {
                e->kind = E_CONST;
                e->val = 0;
            }
            break;
        }
        case 0xD1: {
            entry_t a = pop(c);
            uint32_t sa = use(c, &a);
            size_t start = c->ncode;
            uint32_t d = push_temp(c, WEFT_T_I32);
            emit_op(c, WEFT_IOP_i64k_eq);
            emit_w(c, d);
            emit_w(c, sa);
            emit_w(c, 0);
            mark_producer_at(c, start + 2, d);
            cond_t cd = {C_I64K, CMP_EQ, sa, 0};
            mark_cmp(c, start, d, cd);
            break;
        }
        case 0xD2: {
            weft__read_u32(&c->r, &u);
            uint32_t d = push_temp(c, WEFT_T_FUNCREF);
            emit_op(c, WEFT_IOP_ref_func);
            emit_w(c, d);
            emit_w(c, u);
            break;
        }
        case 0xFC: compile_fc(c); break;
        case 0xFD: compile_simd(c); break;
        default:
            if (op >= 0x28 && op <= 0x3E) compile_memory(c, op);
            else if (op >= 0x45 && op <= 0xC4) compile_numeric(c, op);
            else c->r.err = "unsupported instruction";
            break;
        }
    }
}

/* ------------------------------------------------------------------------------------------ */

/* A translated body lives in one block: its code words, then its locs, then its catches (all
 * arrays of 32-bit words, so each part stays aligned). */
static size_t code_block_size(size_t ncode, size_t nlocs, size_t ncatches)
{
    return ncode * sizeof(uint32_t) + nlocs * sizeof(weft_code_loc_t) +
           ncatches * sizeof(weft_catch_t);
}

static void code_free(const weft_alloc_t *a, weft_code_t *code)
{
    if (weft__code_is_stub(code)) return;
    weft__free(a, code->code, code_block_size(code->ncode, code->nlocs, code->ncatches));
}

/* Translates defined function i into `code`, which is left unchanged on failure. */
static weft_error_t *compile_func(comp_t *c, uint32_t i, weft_code_t *code)
{
    const weft_module_t *m = c->m;
    const weft_body_t *body = &m->bodies[i];
    uint32_t fidx = m->nfunc_imports + i;
    c->ftype = &m->types[m->func_types[fidx]];
    uint32_t np = c->ftype->nparams;
    uint32_t total = np + body->nlocals;
    /* Per-function arrays of locals; reused across functions. */
    weft_valtype_t *types = weft__malloc(c->alloc, (size_t)total * sizeof *types);
    uint32_t *slots = weft__malloc(c->alloc, (size_t)total * sizeof *slots);
    if (!types || !slots) {
        weft__free(c->alloc, types, (size_t)total * sizeof *types);
        weft__free(c->alloc, slots, (size_t)total * sizeof *slots);
        return weft__error_oom();
    }
    uint64_t slot = 0;
    for (uint32_t k = 0; k < np; k++) {
        types[k] = c->ftype->params[k];
        slots[k] = (uint32_t)slot;
        slot += weft__valtype_slots(types[k]);
    }
    uint32_t param_slots = (uint32_t)slot;
    uint32_t k = np;
    for (uint32_t g = 0; g < body->nlocal_groups; g++) {
        for (uint32_t j = 0; j < body->local_groups[g].count && k < total; j++, k++) {
            types[k] = body->local_groups[g].type;
            slots[k] = (uint32_t)slot;
            slot += weft__valtype_slots(types[k]);
        }
    }
    for (; k < total; k++) {
        types[k] = WEFT_T_I32;
        slots[k] = (uint32_t)slot;
    }
    c->local_types = types;
    c->local_slots = slots;
    c->nlocals_total = total;
    c->temp_base = (uint32_t)slot;
    c->max_slot = c->temp_base;
    c->ncode = 0;
    c->nlocs = 0;
    c->ncatches = 0;
    c->sp = 0;
    c->nctl = 0;
    c->oom = false;
    barrier(c);
    c->r.base = m->bytes;
    c->r.p = m->bytes + body->code_offset;
    c->r.end = m->bytes + body->code_end;
    c->r.err = NULL;
    c->r.err_pos = 0;
    c->instr_off = body->code_offset;

    ctl_t *f = push_ctl(c, K_FUNC, -64);
    if (f) {
        f->nresults = c->ftype->nresults;
        f->type_index = m->func_types[fidx];
        f->nparams = 0;
        compile_body(c);
    }
    uint32_t local_slots = (uint32_t)(slot - param_slots);
    weft__free(c->alloc, types, (size_t)total * sizeof *types);
    weft__free(c->alloc, slots, (size_t)total * sizeof *slots);
    c->local_types = NULL;
    c->local_slots = NULL;
    if (c->oom) return weft__error_oom();
    if (c->r.err || slot > (1u << 28) || c->ncode > (1u << 30))
        return weft__error_new(c->alloc, WEFT_ERROR_VALIDATE, c->instr_off,
                               "function %u: cannot compile (%s)", fidx,
                               c->r.err ? c->r.err : "function too large");

    uint32_t *block = weft__malloc(c->alloc, code_block_size(c->ncode, c->nlocs, c->ncatches));
    if (!block) return weft__error_oom();
    memcpy(block, c->code, c->ncode * sizeof *c->code);
    weft_code_loc_t *locs = (weft_code_loc_t *)(void *)(block + c->ncode);
    if (c->nlocs) memcpy(locs, c->locs, c->nlocs * sizeof *c->locs);
    weft_catch_t *catches = (weft_catch_t *)(void *)(locs + c->nlocs);
    if (c->ncatches) memcpy(catches, c->catches, c->ncatches * sizeof *c->catches);
    code->code = block;
    code->ncode = (uint32_t)c->ncode;
    code->locs = locs;
    code->nlocs = (uint32_t)c->nlocs;
    code->catches = catches;
    code->ncatches = (uint32_t)c->ncatches;
    code->func_index = fidx;
    code->param_slots = param_slots;
    code->local_slots = local_slots;
    uint32_t fs = c->max_slot;
    if (fs < c->ftype->result_slots) fs = c->ftype->result_slots;
    code->frame_slots = fs;
    return NULL;
}

static void comp_init(comp_t *c, const weft_module_t *m)
{
    memset(c, 0, sizeof *c);
    c->m = m;
    c->alloc = &m->alloc;
    c->labels = weft__interp_labels();
}

static void comp_free(comp_t *c)
{
    const weft_alloc_t *a = c->alloc;
    weft__free(a, c->code, c->code_cap * sizeof *c->code);
    weft__free(a, c->locs, c->locs_cap * sizeof *c->locs);
    weft__free(a, c->stack, c->stack_cap * sizeof *c->stack);
    weft__free(a, c->ctls, c->ctl_cap * sizeof *c->ctls);
    weft__free(a, c->scratch, c->scratch_cap * sizeof *c->scratch);
    weft__free(a, c->stub_pos, c->stub_cap * sizeof *c->stub_pos);
    weft__free(a, c->catches, c->catches_cap * sizeof *c->catches);
}

weft_error_t *weft__code_compile(const weft_module_t *m, weft_code_t *code)
{
    if (!weft__code_is_stub(code)) return NULL;
    comp_t c;
    comp_init(&c, m);
    weft_error_t *err = compile_func(&c, code->func_index - m->nfunc_imports, code);
    comp_free(&c);
    return err;
}

/* Validation has checked every body (the spec reports invalid code at load time, 3.4), so the
 * translation of a body can wait for the function's first call: a large module whose code runs
 * only in part (a language runtime, say) then loads in a fraction of the time. Each function
 * gets a stub (interp.h) in one array, m->codes[i] pointing at its entry. Translating in place
 * on first use is safe because a module belongs to one engine, which is used by one thread at a
 * time (weft.h). The engine's eager_compile translates everything here instead. */
weft_error_t *weft__module_compile(weft_module_t *m)
{
    if (m->nbodies == 0) return NULL;
    const weft_alloc_t *a = &m->alloc;
    /* The interpreter implements 32-bit memories and tables (any number of them). Refuse the
     * Wasm 3.0 64-bit extensions rather than run them wrongly. */
    for (uint32_t i = 0; i < m->nmemories; i++)
        if (m->memories[i].limits.is64)
            return weft__error_new(a, WEFT_ERROR_VALIDATE, UINT64_MAX,
                                   "implementation limit: 64-bit memories are not supported");
    for (uint32_t i = 0; i < m->ntables; i++)
        if (m->tables[i].limits.is64)
            return weft__error_new(a, WEFT_ERROR_VALIDATE, UINT64_MAX,
                                   "implementation limit: 64-bit tables are not supported");
    weft_code_t **codes = weft__malloc(a, (size_t)m->nbodies * sizeof *codes);
    weft_code_t *stubs = weft__calloc(a, m->nbodies, sizeof *stubs);
    if (!codes || !stubs) {
        weft__free(a, codes, (size_t)m->nbodies * sizeof *codes);
        weft__free(a, stubs, (size_t)m->nbodies * sizeof *stubs);
        return weft__error_oom();
    }
    const void *lazy = weft__interp_labels()[WEFT_IOP_lazy_compile];
    for (uint32_t i = 0; i < m->nbodies; i++) {
        weft_code_t *cd = &stubs[i];
        uint32_t fidx = m->nfunc_imports + i;
        memcpy(cd->lazy, &lazy, sizeof lazy);
        cd->code = cd->lazy;
        cd->func_index = fidx;
        cd->param_slots = m->types[m->func_types[fidx]].param_slots;
        cd->frame_slots = cd->param_slots;
        codes[i] = cd;
    }
    m->codes = codes;
    if (!m->engine || !m->engine->config.eager_compile) return NULL;
    comp_t c;
    comp_init(&c, m);
    weft_error_t *err = NULL;
    for (uint32_t i = 0; i < m->nbodies && !err; i++) err = compile_func(&c, i, codes[i]);
    comp_free(&c);
    return err;
}

void weft__module_free_codes(weft_module_t *m)
{
    if (!m->codes) return;
    for (uint32_t i = 0; i < m->nbodies; i++) code_free(&m->alloc, m->codes[i]);
    /* codes[0] is the start of the one array of every function's weft_code_t. */
    weft__free(&m->alloc, m->codes[0], (size_t)m->nbodies * sizeof *m->codes[0]);
    weft__free(&m->alloc, m->codes, (size_t)m->nbodies * sizeof *m->codes);
    m->codes = NULL;
}

uint32_t weft__code_wasm_offset(const weft_code_t *code, uint32_t pos)
{
    if (!code || code->nlocs == 0) return UINT32_MAX;
    uint32_t lo = 0, hi = code->nlocs; /* first loc with pos > target */
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (code->locs[mid].pos <= pos) lo = mid + 1;
        else hi = mid;
    }
    return lo == 0 ? code->locs[0].wasm : code->locs[lo - 1].wasm;
}
