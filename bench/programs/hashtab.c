/*
 * hashtab - an open-addressing hash table (linear probing, tombstones, growth by rehash) with
 * 64-bit keys: many inserts, lookups (hits and misses) and deletions driven by an LCG, then a
 * string-keyed chained table for a word-count. Measures random memory access, 64-bit hashing
 * and allocator traffic.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static volatile uint32_t ops_n = 4000000;
static volatile uint32_t words_n = 400000;

#define EMPTY 0u
#define TOMB 1u

typedef struct slot {
    uint64_t key; /* 0 = empty, 1 = tombstone; user keys are >= 2 */
    uint32_t value;
} slot_t;

typedef struct table {
    slot_t *slots;
    size_t cap, used, live;
} table_t;

static uint64_t hash64(uint64_t k)
{
    k ^= k >> 33;
    k *= 0xff51afd7ed558ccdull;
    k ^= k >> 33;
    k *= 0xc4ceb9fe1a85ec53ull;
    k ^= k >> 33;
    return k;
}

static void *xcalloc(size_t n, size_t size)
{
    void *p = calloc(n, size);
    if (!p) {
        fputs("out of memory\n", stderr);
        exit(1);
    }
    return p;
}

static void table_put(table_t *t, uint64_t key, uint32_t value);

static void table_grow(table_t *t)
{
    slot_t *old = t->slots;
    size_t old_cap = t->cap;
    /* Double only when live entries need it; otherwise rehash in place to drop tombstones. */
    t->cap = old_cap == 0 ? 1024 : t->live * 2 >= old_cap ? old_cap * 2 : old_cap;
    t->slots = xcalloc(t->cap, sizeof *t->slots);
    t->used = t->live = 0;
    for (size_t i = 0; i < old_cap; i++)
        if (old[i].key > TOMB)
            table_put(t, old[i].key, old[i].value);
    free(old);
}

static void table_put(table_t *t, uint64_t key, uint32_t value)
{
    if ((t->used + 1) * 4 >= t->cap * 3)
        table_grow(t);
    size_t mask = t->cap - 1, i = (size_t)hash64(key) & mask;
    size_t tomb = SIZE_MAX;
    for (;; i = (i + 1) & mask) {
        if (t->slots[i].key == key) {
            t->slots[i].value = value;
            return;
        }
        if (t->slots[i].key == TOMB && tomb == SIZE_MAX)
            tomb = i;
        if (t->slots[i].key == EMPTY)
            break;
    }
    if (tomb != SIZE_MAX)
        i = tomb;
    else
        t->used++;
    t->slots[i].key = key;
    t->slots[i].value = value;
    t->live++;
}

static slot_t *table_find(table_t *t, uint64_t key)
{
    if (t->cap == 0)
        return NULL;
    size_t mask = t->cap - 1;
    for (size_t i = (size_t)hash64(key) & mask;; i = (i + 1) & mask) {
        if (t->slots[i].key == key)
            return &t->slots[i];
        if (t->slots[i].key == EMPTY)
            return NULL;
    }
}

#define WORD_BUCKETS 65536

typedef struct word {
    struct word *next;
    uint32_t count;
    char text[16];
} word_t;

static uint32_t str_hash(const char *s)
{
    uint32_t h = 5381;
    while (*s)
        h = h * 33u + (uint8_t)*s++;
    return h;
}

int main(void)
{
    table_t t = {0};
    uint64_t x = 88172645463325252ull;
    uint32_t hits = 0, misses = 0, removed = 0;
    uint64_t vsum = 0;
    for (uint32_t i = 0; i < ops_n; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        uint64_t key = (x % 60000u) * 0x9e3779b97f4a7c15ull | 2u;
        switch (x >> 61) {
        case 0: case 1: case 2:
            table_put(&t, key, i);
            break;
        case 3: {
            slot_t *s = table_find(&t, key);
            if (s) {
                s->key = TOMB;
                t.live--;
                removed++;
            }
            break;
        }
        default: {
            slot_t *s = table_find(&t, key);
            if (s) {
                hits++;
                vsum += s->value;
            } else {
                misses++;
            }
            break;
        }
        }
    }

    /* Word count over generated pseudo-words in a chained table of WORD_BUCKETS buckets. */
    word_t **buckets = xcalloc(WORD_BUCKETS, sizeof *buckets);
    uint32_t y = 7;
    uint32_t distinct = 0;
    for (uint32_t i = 0; i < words_n; i++) {
        char w[16];
        y = y * 1103515245u + 12345u;
        uint32_t len = 3 + (y >> 28) % 5, r = y;
        for (uint32_t k = 0; k < len; k++) {
            w[k] = (char)('a' + r % 7);
            r /= 7;
        }
        w[len] = '\0';
        uint32_t b = str_hash(w) & (WORD_BUCKETS - 1);
        word_t *e = buckets[b];
        while (e && strcmp(e->text, w) != 0)
            e = e->next;
        if (!e) {
            e = xcalloc(1, sizeof *e);
            memcpy(e->text, w, len + 1);
            e->next = buckets[b];
            buckets[b] = e;
            distinct++;
        }
        e->count++;
    }
    uint32_t wh = 0;
    for (uint32_t b = 0; b < WORD_BUCKETS; b++)
        for (word_t *e = buckets[b], *next; e; e = next) {
            next = e->next;
            wh += e->count * str_hash(e->text);
            free(e);
        }
    free(buckets);
    printf("hashtab checksum: %08x (live %u, hits %u, misses %u, removed %u, words %u/%08x)\n",
           (unsigned)(vsum ^ (vsum >> 32) ^ t.live), (unsigned)t.live, (unsigned)hits,
           (unsigned)misses, (unsigned)removed, (unsigned)distinct, (unsigned)wh);
    free(t.slots);
    return 0;
}
