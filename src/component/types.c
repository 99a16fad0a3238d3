/* types.c - the type arena, hash-consing of value types and their canonical-ABI facts
 * (CanonicalABI.md "Despecialization", "Alignment", "Element Size", "Flattening"). */
#include "component/types.h"
#include "component/validate_internal.h"

#include <string.h>

#define CHUNK_SIZE 16384u

typedef struct chunk {
    struct chunk *next;
    size_t size, used;
    /* data follows, 16-byte aligned */
} chunk_t;

struct weft_ty_arena {
    weft_alloc_t alloc;
    chunk_t *chunks;
    /* open-addressing interning table of value types */
    const weft_ty_val_t **table;
    size_t table_cap, table_count;
    const weft_ty_val_t *prims[WEFT_TY_ERROR_CONTEXT + 1];
    uint32_t next_resource_id;
    uint32_t next_tag;
};

#define CHUNK_HDR ((sizeof(chunk_t) + 15u) & ~(size_t)15u)

weft_ty_arena_t *weft_ty_arena_new(const weft_alloc_t *a)
{
    weft_ty_arena_t *arena = weft__calloc(a, 1, sizeof *arena);
    if (!arena) return NULL;
    arena->alloc = *a;
    return arena;
}

void weft_ty_arena_free(weft_ty_arena_t *arena)
{
    if (!arena) return;
    chunk_t *c = arena->chunks;
    while (c) {
        chunk_t *next = c->next;
        weft__free(&arena->alloc, c, CHUNK_HDR + c->size);
        c = next;
    }
    weft__free(&arena->alloc, arena->table, arena->table_cap * sizeof *arena->table);
    weft_alloc_t a = arena->alloc;
    weft__free(&a, arena, sizeof *arena);
}

void *weft_ty_alloc(weft_ty_arena_t *arena, size_t n)
{
    n = (n + 15u) & ~(size_t)15u;
    if (n == 0) n = 16;
    chunk_t *c = arena->chunks;
    if (!c || c->size - c->used < n) {
        size_t size = n > CHUNK_SIZE / 4 ? n : CHUNK_SIZE;
        chunk_t *nc = weft__malloc(&arena->alloc, CHUNK_HDR + size);
        if (!nc) return NULL;
        nc->size = size;
        nc->used = 0;
        if (c && size != CHUNK_SIZE) {
            /* a big block: keep the current chunk in front for further small requests */
            nc->next = c->next;
            c->next = nc;
        } else {
            nc->next = c;
            arena->chunks = nc;
        }
        c = nc;
    }
    uint8_t *p = (uint8_t *)c + CHUNK_HDR + c->used;
    c->used += n;
    memset(p, 0, n);
    return p;
}

bool weft_ty_name_copy(weft_ty_arena_t *arena, weft_name_t in, weft_name_t *out)
{
    if (in.len == 0) {
        out->ptr = "";
        out->len = 0;
        return true;
    }
    char *p = weft_ty_alloc(arena, in.len);
    if (!p) return false;
    memcpy(p, in.ptr, in.len);
    out->ptr = p;
    out->len = in.len;
    return true;
}

weft_ty_resource_t *weft_ty_resource_new(weft_ty_arena_t *arena)
{
    weft_ty_resource_t *r = weft_ty_alloc(arena, sizeof *r);
    if (!r) return NULL;
    r->id = arena->next_resource_id++;
    r->rep = WEFT_T_I32;
    return r;
}

uint32_t weft__ty_next_resource_id(const weft_ty_arena_t *arena)
{
    return arena->next_resource_id;
}

uint32_t weft__ty_new_tag(weft_ty_arena_t *arena)
{
    /* 0 means "no tag"; wrapping would need 2^32 definitions, far beyond any input size */
    if (arena->next_tag == UINT32_MAX) return UINT32_MAX;
    return ++arena->next_tag;
}

const weft_ty_val_t *weft__ty_retag(weft_ty_arena_t *arena, const weft_ty_val_t *t, uint32_t tag)
{
    if (t->tag == tag) return t;
    weft_ty_val_t p = *t;
    p.tag = tag;
    /* the node's views (enum cases, map tuple) are rebuilt by weft_ty_intern from the
     * original components */
    if (t->kind == WEFT_TY_RESULT) {
        weft_ty_field_t rf[2];
        rf[0].type = t->fields[0].type;
        rf[1].type = t->fields[1].type;
        p.fields = rf;
        return weft_ty_intern(arena, &p);
    }
    if (t->kind == WEFT_TY_ENUM) {
        weft_name_t *l = weft_ty_alloc(arena, (size_t)t->count * sizeof *l);
        if (!l) return NULL;
        for (uint32_t i = 0; i < t->count; i++) l[i] = t->fields[i].label;
        p.labels = l;
        p.fields = NULL;
        return weft_ty_intern(arena, &p);
    }
    return weft_ty_intern(arena, &p);
}

const char *weft_ty_kind_name(uint8_t kind)
{
    static const char *const names[] = {
        "?",       "bool",    "s8",     "u8",         "s16",    "u16",    "s32",
        "u32",     "s64",     "u64",    "f32",        "f64",    "char",   "string",
        "error-context", "list", "list", "record",    "tuple",  "variant", "enum",
        "option",  "result",  "flags",  "own",        "borrow", "stream", "future",
        "map",
    };
    return kind < sizeof names / sizeof names[0] ? names[kind] : "?";
}

/* ---------------------------------------------------------------------------------------
 * Hashing and equality of interned nodes
 * --------------------------------------------------------------------------------------- */

static uint32_t mix(uint32_t h, uint64_t v)
{
    h ^= (uint32_t)v + 0x9e3779b9u + (h << 6) + (h >> 2);
    h ^= (uint32_t)(v >> 32) + 0x9e3779b9u + (h << 6) + (h >> 2);
    return h;
}

static uint32_t mix_ptr(uint32_t h, const void *p) { return mix(h, (uint64_t)(uintptr_t)p); }

static uint32_t mix_name(uint32_t h, weft_name_t n)
{
    for (uint32_t i = 0; i < n.len; i++) h = h * 31u + (uint8_t)n.ptr[i];
    return mix(h, n.len);
}

static bool name_eq(weft_name_t a, weft_name_t b)
{
    return a.len == b.len && (a.len == 0 || memcmp(a.ptr, b.ptr, a.len) == 0);
}

static uint32_t hash_proto(const weft_ty_val_t *t)
{
    uint32_t h = mix(0, t->kind);
    h = mix_ptr(h, t->elem);
    h = mix(h, t->len);
    h = mix_ptr(h, t->key);
    h = mix_ptr(h, t->value);
    h = mix_ptr(h, t->resource);
    h = mix(h, t->count);
    h = mix(h, t->tag);
    if (t->fields)
        for (uint32_t i = 0; i < t->count; i++) {
            h = mix_name(h, t->fields[i].label);
            h = mix_ptr(h, t->fields[i].type);
        }
    if (t->labels)
        for (uint32_t i = 0; i < t->count; i++) h = mix_name(h, t->labels[i]);
    return h;
}

static bool proto_eq(const weft_ty_val_t *a, const weft_ty_val_t *b)
{
    if (a->kind != b->kind || a->elem != b->elem || a->len != b->len || a->key != b->key ||
        a->value != b->value || a->resource != b->resource || a->count != b->count ||
        a->tag != b->tag)
        return false;
    if (!a->fields != !b->fields || !a->labels != !b->labels) return false;
    if (a->fields)
        for (uint32_t i = 0; i < a->count; i++)
            if (a->fields[i].type != b->fields[i].type ||
                !name_eq(a->fields[i].label, b->fields[i].label))
                return false;
    if (a->labels)
        for (uint32_t i = 0; i < a->count; i++)
            if (!name_eq(a->labels[i], b->labels[i])) return false;
    return true;
}

/* ---------------------------------------------------------------------------------------
 * ABI facts
 * --------------------------------------------------------------------------------------- */

static uint32_t sat_add(uint32_t a, uint32_t b) { return a > UINT32_MAX - b ? UINT32_MAX : a + b; }
static uint32_t sat_mul(uint32_t a, uint32_t b)
{
    return b && a > UINT32_MAX / b ? UINT32_MAX : a * b;
}
static uint32_t align_to(uint32_t v, uint32_t align)
{
    uint32_t r = v % align;
    return r ? sat_add(v, align - r) : v;
}
static uint32_t flat_add(uint32_t a, uint32_t b)
{
    uint64_t s = (uint64_t)a + b;
    return s > WEFT_TY_FLAT_SAT ? WEFT_TY_FLAT_SAT : (uint32_t)s;
}

static uint8_t flat_join(uint8_t a, uint8_t b)
{
    if (a == b) return a;
    if ((a == WEFT_T_I32 && b == WEFT_T_F32) || (a == WEFT_T_F32 && b == WEFT_T_I32))
        return WEFT_T_I32;
    return WEFT_T_I64;
}

static uint8_t disc_size(uint32_t ncases)
{
    if (ncases <= 256u) return 1;
    if (ncases <= 65536u) return 2;
    return 4;
}

/* Fills size/alignment for one pointer width. */
static void layout(weft_ty_val_t *t, bool mem64, uint32_t *size, uint32_t *align,
                   uint32_t *payload_off)
{
    uint32_t ptr = mem64 ? 8u : 4u;
#define SZ(x) (mem64 ? (x)->size64 : (x)->size32)
#define AL(x) (mem64 ? (x)->align64 : (x)->align32)
    *payload_off = 0;
    switch (t->kind) {
    case WEFT_TY_BOOL: case WEFT_TY_S8: case WEFT_TY_U8: *size = *align = 1; return;
    case WEFT_TY_S16: case WEFT_TY_U16: *size = *align = 2; return;
    case WEFT_TY_S32: case WEFT_TY_U32: case WEFT_TY_F32: case WEFT_TY_CHAR:
    case WEFT_TY_ERROR_CONTEXT: case WEFT_TY_OWN: case WEFT_TY_BORROW: case WEFT_TY_STREAM:
    case WEFT_TY_FUTURE:
        *size = *align = 4;
        return;
    case WEFT_TY_S64: case WEFT_TY_U64: case WEFT_TY_F64: *size = *align = 8; return;
    case WEFT_TY_STRING: case WEFT_TY_LIST: case WEFT_TY_MAP:
        *size = 2 * ptr;
        *align = ptr;
        return;
    case WEFT_TY_FIXED_LIST:
        *size = sat_mul(SZ(t->elem), t->len);
        *align = AL(t->elem);
        return;
    case WEFT_TY_FLAGS:
        *size = *align = t->count <= 8 ? 1u : t->count <= 16 ? 2u : 4u;
        return;
    case WEFT_TY_RECORD: case WEFT_TY_TUPLE: {
        uint32_t s = 0, a = 1;
        for (uint32_t i = 0; i < t->count; i++) {
            const weft_ty_val_t *f = t->fields[i].type;
            s = sat_add(align_to(s, AL(f)), SZ(f));
            if (AL(f) > a) a = AL(f);
        }
        *size = align_to(s, a);
        *align = a;
        return;
    }
    default: { /* variant-like */
        uint32_t ca = 1, cs = 0;
        for (uint32_t i = 0; i < t->count; i++) {
            const weft_ty_val_t *f = t->fields[i].type;
            if (!f) continue;
            if (AL(f) > ca) ca = AL(f);
            if (SZ(f) > cs) cs = SZ(f);
        }
        uint32_t d = t->disc_size;
        uint32_t a = d > ca ? d : ca;
        uint32_t off = align_to(d, ca);
        *payload_off = off;
        *size = align_to(sat_add(off, cs), a);
        *align = a;
        return;
    }
    }
#undef SZ
#undef AL
}

uint32_t weft_ty_flatten(const weft_ty_val_t *t, bool mem64, uint8_t *out, uint32_t cap)
{
    uint8_t ptr = mem64 ? WEFT_T_I64 : WEFT_T_I32;
    switch (t->kind) {
    case WEFT_TY_S64: case WEFT_TY_U64:
        if (cap) out[0] = WEFT_T_I64;
        return 1;
    case WEFT_TY_F32:
        if (cap) out[0] = WEFT_T_F32;
        return 1;
    case WEFT_TY_F64:
        if (cap) out[0] = WEFT_T_F64;
        return 1;
    case WEFT_TY_STRING: case WEFT_TY_LIST: case WEFT_TY_MAP:
        for (uint32_t i = 0; i < 2 && i < cap; i++) out[i] = ptr;
        return 2;
    case WEFT_TY_FIXED_LIST: {
        uint8_t tmp[WEFT_TY_FLAT_STORE + 1];
        uint32_t k = weft_ty_flatten(t->elem, mem64, tmp, WEFT_TY_FLAT_STORE + 1);
        uint64_t total = (uint64_t)k * t->len;
        for (uint64_t i = 0; i < total && i < cap && k <= WEFT_TY_FLAT_STORE + 1; i++)
            out[i] = tmp[i % k];
        return total > WEFT_TY_FLAT_SAT ? WEFT_TY_FLAT_SAT : (uint32_t)total;
    }
    case WEFT_TY_RECORD: case WEFT_TY_TUPLE: {
        uint32_t n = 0;
        for (uint32_t i = 0; i < t->count; i++) {
            uint32_t room = n < cap ? cap - n : 0;
            n = flat_add(n, weft_ty_flatten(t->fields[i].type, mem64, out + (room ? n : 0),
                                            room));
        }
        return n;
    }
    case WEFT_TY_VARIANT: case WEFT_TY_ENUM: case WEFT_TY_OPTION: case WEFT_TY_RESULT: {
        uint8_t tmp[WEFT_TY_FLAT_STORE + 1];
        uint32_t n = 0; /* payload length */
        if (cap) out[0] = WEFT_T_I32;
        for (uint32_t i = 0; i < t->count; i++) {
            const weft_ty_val_t *f = t->fields[i].type;
            if (!f) continue;
            uint32_t k = weft_ty_flatten(f, mem64, tmp, WEFT_TY_FLAT_STORE + 1);
            for (uint32_t j = 0; j < k && j < WEFT_TY_FLAT_STORE + 1; j++) {
                if (1 + j >= cap) break;
                out[1 + j] = j < n ? flat_join(out[1 + j], tmp[j]) : tmp[j];
            }
            if (k > n) n = k;
        }
        return flat_add(1, n);
    }
    default:
        if (cap) out[0] = WEFT_T_I32;
        return 1;
    }
}

static uint8_t compute_bits(const weft_ty_val_t *t)
{
    switch (t->kind) {
    case WEFT_TY_F32: case WEFT_TY_F64: return WEFT_TYB_FLOAT;
    case WEFT_TY_STRING: return WEFT_TYB_STRING_LIST;
    case WEFT_TY_ERROR_CONTEXT: return WEFT_TYB_ERROR_CONTEXT;
    case WEFT_TY_OWN: return WEFT_TYB_OWN;
    case WEFT_TY_BORROW: return WEFT_TYB_BORROW;
    case WEFT_TY_STREAM: case WEFT_TY_FUTURE: return WEFT_TYB_ASYNC;
    case WEFT_TY_LIST: case WEFT_TY_MAP: return (uint8_t)(WEFT_TYB_STRING_LIST | t->elem->bits);
    case WEFT_TY_FIXED_LIST: return t->elem->bits;
    default: {
        uint8_t b = 0;
        for (uint32_t i = 0; i < t->count && t->fields; i++)
            if (t->fields[i].type) b |= t->fields[i].type->bits;
        return b;
    }
    }
}

static bool finish(weft_ty_arena_t *arena, weft_ty_val_t *t)
{
    if (weft_ty_is_variant_like(t)) t->disc_size = disc_size(t->count);
    layout(t, false, &t->size32, &t->align32, &t->payload_off32);
    layout(t, true, &t->size64, &t->align64, &t->payload_off64);
    t->bits = compute_bits(t);
    if (t->tag) t->bits |= WEFT_TYB_TAGGED;
    uint8_t tmp[WEFT_TY_FLAT_STORE];
    t->nflat = weft_ty_flatten(t, false, tmp, WEFT_TY_FLAT_STORE);
    if (t->nflat <= WEFT_TY_FLAT_STORE) {
        uint8_t *f = weft_ty_alloc(arena, t->nflat);
        if (!f) return false;
        memcpy(f, tmp, t->nflat);
        t->flat = f;
    }
    return true;
}

/* ---------------------------------------------------------------------------------------
 * Interning
 * --------------------------------------------------------------------------------------- */

static bool table_grow(weft_ty_arena_t *arena)
{
    size_t ncap = arena->table_cap ? arena->table_cap * 2 : 256;
    const weft_ty_val_t **nt = weft__calloc(&arena->alloc, ncap, sizeof *nt);
    if (!nt) return false;
    for (size_t i = 0; i < arena->table_cap; i++) {
        const weft_ty_val_t *t = arena->table[i];
        if (!t) continue;
        size_t j = t->hash & (ncap - 1);
        while (nt[j]) j = (j + 1) & (ncap - 1);
        nt[j] = t;
    }
    weft__free(&arena->alloc, arena->table, arena->table_cap * sizeof *arena->table);
    arena->table = nt;
    arena->table_cap = ncap;
    return true;
}

static const weft_ty_val_t *intern_raw(weft_ty_arena_t *arena, const weft_ty_val_t *proto)
{
    if ((arena->table_count + 1) * 2 > arena->table_cap && !table_grow(arena)) return NULL;
    uint32_t h = hash_proto(proto);
    size_t mask = arena->table_cap - 1, j = h & mask;
    for (; arena->table[j]; j = (j + 1) & mask)
        if (arena->table[j]->hash == h && proto_eq(arena->table[j], proto))
            return arena->table[j];
    weft_ty_val_t *t = weft_ty_alloc(arena, sizeof *t);
    if (!t) return NULL;
    *t = *proto;
    t->hash = h;
    t->flat = NULL;
    if (proto->fields) {
        weft_ty_field_t *f = weft_ty_alloc(arena, (size_t)proto->count * sizeof *f);
        if (!f) return NULL;
        for (uint32_t i = 0; i < proto->count; i++) {
            f[i].type = proto->fields[i].type;
            if (!weft_ty_name_copy(arena, proto->fields[i].label, &f[i].label)) return NULL;
        }
        t->fields = f;
    }
    if (proto->labels) {
        weft_name_t *l = weft_ty_alloc(arena, (size_t)proto->count * sizeof *l);
        if (!l) return NULL;
        for (uint32_t i = 0; i < proto->count; i++)
            if (!weft_ty_name_copy(arena, proto->labels[i], &l[i])) return NULL;
        t->labels = l;
    }
    if (!finish(arena, t)) return NULL;
    arena->table[j] = t;
    arena->table_count++;
    return t;
}

const weft_ty_val_t *weft_ty_prim(weft_ty_arena_t *arena, uint8_t kind)
{
    if (kind < WEFT_TY_BOOL || kind > WEFT_TY_ERROR_CONTEXT) return NULL;
    if (!arena->prims[kind]) {
        weft_ty_val_t p;
        memset(&p, 0, sizeof p);
        p.kind = kind;
        arena->prims[kind] = intern_raw(arena, &p);
    }
    return arena->prims[kind];
}

static weft_name_t lit(const char *s)
{
    weft_name_t n = {s, (uint32_t)strlen(s)};
    return n;
}

const weft_ty_val_t *weft_ty_intern(weft_ty_arena_t *arena, const weft_ty_val_t *proto)
{
    weft_ty_val_t p = *proto;
    weft_ty_field_t cases[2];
    p.flat = NULL;
    switch (p.kind) {
    case WEFT_TY_OPTION:
        cases[0].label = lit("none");
        cases[0].type = NULL;
        cases[1].label = lit("some");
        cases[1].type = p.elem;
        p.count = 2;
        p.fields = cases;
        p.labels = NULL;
        break;
    case WEFT_TY_RESULT:
        cases[0].label = lit("ok");
        cases[0].type = proto->fields[0].type;
        cases[1].label = lit("error");
        cases[1].type = proto->fields[1].type;
        p.count = 2;
        p.fields = cases;
        p.labels = NULL;
        break;
    case WEFT_TY_ENUM: {
        /* the variant view: one payload-less case per label */
        weft_ty_field_t *f = weft_ty_alloc(arena, (size_t)p.count * sizeof *f);
        if (!f && p.count) return NULL;
        for (uint32_t i = 0; i < p.count; i++) f[i].label = p.labels[i];
        p.fields = f;
        p.labels = NULL;
        break;
    }
    case WEFT_TY_MAP: {
        weft_ty_field_t kv[2];
        weft_ty_val_t tup;
        memset(&tup, 0, sizeof tup);
        tup.kind = WEFT_TY_TUPLE;
        kv[0].label = lit("");
        kv[0].type = p.key;
        kv[1].label = lit("");
        kv[1].type = p.value;
        tup.count = 2;
        tup.fields = kv;
        p.elem = intern_raw(arena, &tup);
        if (!p.elem) return NULL;
        p.fields = NULL;
        p.labels = NULL;
        p.count = 0;
        break;
    }
    default:
        break;
    }
    return intern_raw(arena, &p);
}
