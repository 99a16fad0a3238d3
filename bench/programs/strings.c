/*
 * strings - string building, searching, parsing and sorting: formats records into a large
 * text with hand-written number formatting and memcpy, scans it with strchr/strstr/strlen,
 * parses fields back with strtoul and strcmp, and sorts the words with qsort + strcmp.
 * Measures byte-at-a-time loops and the C library's string routines as compiled to the target.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static volatile uint32_t records_n = 60000;
static volatile uint32_t passes_n = 16;

static const char *const WORDS[] = {
    "amber", "basalt", "cobalt", "delta", "ember", "fjord", "garnet", "harbor", "indigo",
    "juniper", "kestrel", "lumen", "meadow", "nectar", "onyx", "pewter", "quartz", "russet",
    "saffron", "tundra", "umber", "velvet", "willow", "xenon", "yarrow", "zephyr",
};
#define NWORDS (sizeof WORDS / sizeof WORDS[0])

static size_t put_u32(char *out, uint32_t v)
{
    char tmp[10];
    size_t n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    for (size_t i = 0; i < n; i++)
        out[i] = tmp[n - 1 - i];
    return n;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static uint32_t one_pass(uint32_t seed, char *text, char **words, char *word_store)
{
    uint32_t n = records_n;
    uint32_t x = seed;
    char *p = text;
    /* Build: "w<idx>-<word><word>=<number>;" records. */
    for (uint32_t i = 0; i < n; i++) {
        x = x * 1103515245u + 12345u;
        const char *w1 = WORDS[(x >> 16) % NWORDS];
        const char *w2 = WORDS[(x >> 8) % NWORDS];
        *p++ = 'w';
        p += put_u32(p, i);
        *p++ = '-';
        size_t l1 = strlen(w1), l2 = strlen(w2);
        memcpy(p, w1, l1);
        p += l1;
        memcpy(p, w2, l2);
        p += l2;
        *p++ = '=';
        p += put_u32(p, x >> 4);
        *p++ = ';';
    }
    *p = '\0';
    uint32_t h = (uint32_t)strlen(text);

    /* Search: count needles with strstr. */
    static const char *const needles[] = {"quartzonyx", "=12", "emberember", "w999", "ow="};
    for (size_t k = 0; k < sizeof needles / sizeof needles[0]; k++) {
        uint32_t count = 0;
        for (const char *s = strstr(text, needles[k]); s; s = strstr(s + 1, needles[k]))
            count++;
        h = h * 31u + count;
    }

    /* Parse: split records, read the number, copy the word pair out for sorting. */
    char *ws = word_store;
    uint32_t idx = 0;
    for (char *rec = text; *rec; idx++) {
        char *semi = strchr(rec, ';');
        char *dash = strchr(rec, '-');
        char *eq = strchr(dash, '=');
        if (!semi || !dash || !eq || eq > semi) {
            fputs("parse error\n", stderr);
            exit(1);
        }
        unsigned long rec_idx = strtoul(rec + 1, NULL, 10);
        unsigned long val = strtoul(eq + 1, NULL, 10);
        if (rec_idx != idx) {
            fputs("index mismatch\n", stderr);
            exit(1);
        }
        size_t wl = (size_t)(eq - dash - 1);
        memcpy(ws, dash + 1, wl);
        ws[wl] = '\0';
        words[idx] = ws;
        ws += wl + 1;
        h ^= (uint32_t)val + (uint32_t)wl;
        h = (h << 5) | (h >> 27);
        rec = semi + 1;
    }
    qsort(words, idx, sizeof *words, cmp_str);
    uint32_t distinct = 1;
    for (uint32_t i = 1; i < idx; i++)
        if (strcmp(words[i - 1], words[i]) != 0)
            distinct++;
    for (uint32_t i = 0; i < idx; i += 97)
        for (const char *c = words[i]; *c; c++)
            h = h * 131u + (uint8_t)*c;
    return h * 7u + distinct;
}

int main(void)
{
    uint32_t n = records_n;
    char *text = malloc((size_t)n * 48 + 1);
    char **words = malloc((size_t)n * sizeof *words);
    char *word_store = malloc((size_t)n * 24);
    if (!text || !words || !word_store) {
        fputs("out of memory\n", stderr);
        return 1;
    }
    uint32_t h = 0;
    for (uint32_t pass = 0; pass < passes_n; pass++)
        h = h * 1000003u ^ one_pass(pass * 7919u + 1u, text, words, word_store);
    printf("strings checksum: %08x\n", (unsigned)h);
    free(text);
    free(words);
    free(word_store);
    return 0;
}
