/*
 * lz - an LZ77-style compressor with a hash-chain match finder and a byte-oriented token
 * format, plus its decompressor, over generated text with repetition. Measures byte loads,
 * match-length loops, hash lookups and memcpy-like copies with overlap.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static volatile uint32_t input_size = 8u << 20;
static volatile uint32_t chain_depth = 24;

#define WINDOW (1u << 16)
#define HASH_BITS 15
#define MIN_MATCH 4
#define MAX_MATCH 258

static const char *const VOCAB[] = {
    "the ", "quick ", "brown ", "fox ", "jumps ", "over ", "lazy ", "dog ", "and ", "then ",
    "runs ", "away ", "from ", "a ", "small ", "river ", "under ", "bright ", "stars, ", "while ",
    "wind ", "moves ", "through ", "tall ", "grass.\n",
};

static uint32_t hash4(const uint8_t *p)
{
    uint32_t v = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
    return (v * 2654435761u) >> (32 - HASH_BITS);
}

/* Token format: a control byte c; c < 128 means c+1 literal bytes follow; otherwise a match of
 * length (c - 128 + MIN_MATCH) (extended by one more byte when c == 255) at a 16-bit distance. */
static size_t compress(const uint8_t *in, size_t n, uint8_t *out, int32_t *head, int32_t *prev)
{
    for (size_t i = 0; i < (1u << HASH_BITS); i++)
        head[i] = -1;
    size_t o = 0, i = 0, lit_start = 0;
    uint32_t depth = chain_depth;
    while (i < n) {
        size_t best_len = 0, best_dist = 0;
        if (i + MIN_MATCH <= n) {
            uint32_t h = hash4(in + i);
            int32_t cand = head[h];
            uint32_t tries = depth;
            size_t max = n - i < MAX_MATCH ? n - i : MAX_MATCH;
            while (cand >= 0 && i - (size_t)cand < WINDOW && tries--) {
                const uint8_t *a = in + cand, *b = in + i;
                size_t len = 0;
                while (len < max && a[len] == b[len])
                    len++;
                if (len > best_len) {
                    best_len = len;
                    best_dist = i - (size_t)cand;
                    if (len == max)
                        break;
                }
                cand = prev[cand & (WINDOW - 1)];
            }
            prev[i & (WINDOW - 1)] = head[h];
            head[h] = (int32_t)i;
        }
        if (best_len >= MIN_MATCH) {
            while (lit_start < i) { /* flush pending literals */
                size_t run = i - lit_start < 128 ? i - lit_start : 128;
                out[o++] = (uint8_t)(run - 1);
                memcpy(out + o, in + lit_start, run);
                o += run;
                lit_start += run;
            }
            size_t code = best_len - MIN_MATCH;
            if (code >= 127) {
                out[o++] = 255;
                out[o++] = (uint8_t)(code - 127);
            } else {
                out[o++] = (uint8_t)(128 + code);
            }
            out[o++] = (uint8_t)best_dist;
            out[o++] = (uint8_t)(best_dist >> 8);
            /* Insert the skipped positions so later matches can find them. */
            for (size_t k = 1; k < best_len && i + k + MIN_MATCH <= n; k++) {
                uint32_t h = hash4(in + i + k);
                prev[(i + k) & (WINDOW - 1)] = head[h];
                head[h] = (int32_t)(i + k);
            }
            i += best_len;
            lit_start = i;
        } else {
            i++;
        }
    }
    while (lit_start < n) {
        size_t run = n - lit_start < 128 ? n - lit_start : 128;
        out[o++] = (uint8_t)(run - 1);
        memcpy(out + o, in + lit_start, run);
        o += run;
        lit_start += run;
    }
    return o;
}

static size_t decompress(const uint8_t *in, size_t n, uint8_t *out)
{
    size_t i = 0, o = 0;
    while (i < n) {
        uint8_t c = in[i++];
        if (c < 128) {
            memcpy(out + o, in + i, (size_t)c + 1);
            i += (size_t)c + 1;
            o += (size_t)c + 1;
        } else {
            size_t len = (size_t)(c - 128) + MIN_MATCH;
            if (c == 255)
                len += in[i++];
            size_t dist = (size_t)in[i] | (size_t)in[i + 1] << 8;
            i += 2;
            for (size_t k = 0; k < len; k++, o++) /* may overlap: copy forward byte by byte */
                out[o] = out[o - dist];
        }
    }
    return o;
}

int main(void)
{
    size_t n = input_size;
    uint8_t *in = malloc(n);
    uint8_t *comp = malloc(n + n / 64 + 16);
    uint8_t *back = malloc(n);
    int32_t *head = malloc(sizeof(int32_t) << HASH_BITS);
    int32_t *prev = malloc(sizeof(int32_t) * WINDOW);
    if (!in || !comp || !back || !head || !prev) {
        fputs("out of memory\n", stderr);
        return 1;
    }
    uint32_t x = 42;
    size_t p = 0;
    while (p < n) {
        x = x * 1664525u + 1013904223u;
        const char *w = VOCAB[(x >> 20) % (sizeof VOCAB / sizeof VOCAB[0])];
        if ((x >> 8) % 19 == 0) { /* sprinkle noise so not everything matches */
            in[p++] = (uint8_t)('0' + (x >> 3) % 10);
            continue;
        }
        for (; *w && p < n; w++)
            in[p++] = (uint8_t)*w;
    }
    size_t clen = compress(in, n, comp, head, prev);
    size_t dlen = decompress(comp, clen, back);
    if (dlen != n || memcmp(in, back, n) != 0) {
        fputs("round trip failed\n", stderr);
        return 1;
    }
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < clen; i++)
        h = (h ^ comp[i]) * 16777619u;
    printf("lz checksum: %08x (%zu -> %zu bytes)\n", (unsigned)h, n, clen);
    free(in);
    free(comp);
    free(back);
    free(head);
    free(prev);
    return 0;
}
