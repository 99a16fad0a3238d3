/* fuzz_wave.c - libFuzzer target for the WAVE text decoder and printer (src/component/wave.c).
 * From the input bytes: a random value type (depth-limited), then
 *  1. a random value of that type, printed, parsed back and printed again: both texts must be
 *     equal (printing is canonical and parsing accepts what printing gives);
 *  2. the rest of the input parsed as WAVE text against the type (any error is fine); when it
 *     parses, the canonical text of the value must itself parse and print to the same text.
 * A mismatch aborts, which libFuzzer reports with the input. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_values.h"
#include "weft.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *what, const char *a, size_t alen, const char *b, size_t blen)
{
    fprintf(stderr, "fuzz_wave: %s\n  first:  %.*s\n  second: %.*s\n", what, (int)alen, a,
            (int)blen, b);
    abort();
}

/* Prints v, parses the text back and prints again: the texts must agree. A value the printer
 * rejects (a type the generator can build but WAVE cannot write) ends the check. */
static void round_trip(weft_cval_arena_t *ar, const weft_ty_val_t *t, const weft_cval_t *v)
{
    const char *t1 = NULL, *t2 = NULL;
    size_t n1 = 0, n2 = 0;
    weft_error_t *e = weft_wave_print(ar, t, v, &t1, &n1);
    if (e) {
        weft_error_delete(e);
        return;
    }
    weft_cval_t back;
    e = weft_wave_parse(ar, t, t1, n1, &back);
    if (e) {
        fail(weft_error_message(e), t1, n1, "", 0);
        weft_error_delete(e);
        return;
    }
    e = weft_wave_print(ar, t, &back, &t2, &n2);
    if (e) {
        fail(weft_error_message(e), t1, n1, "", 0);
        weft_error_delete(e);
        return;
    }
    if (n1 != n2 || memcmp(t1, t2, n1) != 0) fail("print/parse/print differs", t1, n1, t2, n2);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const weft_alloc_t a = {weft__default_alloc, NULL};
    rd_t r = {data, size, 0};
    weft_ty_arena_t *ta = weft_ty_arena_new(&a);
    if (!ta) return 0;
    weft_ty_resource_t *res = weft_ty_resource_new(ta);
    the_resource = res;
    const weft_ty_val_t *t = res ? gen_type(ta, &r, 0) : NULL;
    weft_cval_arena_t ar;
    weft__cval_arena_init(&ar, &a);
    if (t) {
        weft_cval_t v;
        size_t mark = r.i;
        if (gen_value(&ar, t, &r, &v, 0)) round_trip(&ar, t, &v);
        /* The text part starts where the type ended, so one input exercises both checks. */
        r.i = mark;
        weft__cval_arena_reset(&ar);
        weft_cval_t parsed;
        weft_error_t *e =
            weft_wave_parse(&ar, t, (const char *)data + r.i, size - r.i, &parsed);
        if (e) weft_error_delete(e);
        else round_trip(&ar, t, &parsed);
    }
    weft__cval_arena_reset(&ar);
    weft_ty_arena_free(ta);
    return 0;
}
