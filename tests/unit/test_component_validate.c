/* test_component_validate.c - component validator and resolved types on hand-made binaries. */
#include <stdio.h>
#include <string.h>

#include "component/component.h"
#include "component/validate.h"
#include "util/alloc.h"

static int failures;
#define CHECK(c)                                                         \
    do {                                                                 \
        if (!(c)) {                                                      \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #c); \
            failures++;                                                  \
        }                                                                \
    } while (0)

#define HDR 0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00

/* Decodes and validates; returns NULL on success or the error message (static copy). */
static const char *run(weft_engine_t *eng, const uint8_t *b, size_t n, weft_cvalid_t **keep)
{
    static char msg[256];
    weft_alloc_t a = {weft__default_alloc, NULL};
    weft_component_def_t *def = NULL;
    weft_error_t *e = weft__component_decode(&a, eng, b, n, &def);
    if (e) {
        snprintf(msg, sizeof msg, "decode: %s", weft_error_message(e));
        weft_error_delete(e);
        return msg;
    }
    weft_cvalid_t *v = NULL;
    e = weft__component_validate(def, &v);
    if (e) {
        snprintf(msg, sizeof msg, "%s", weft_error_message(e));
        weft_error_delete(e);
        weft__component_def_free(def);
        return msg;
    }
    if (keep) {
        *keep = v;
        return NULL;
    }
    weft__cvalid_free(v);
    weft__component_def_free(def);
    return NULL;
}

int main(void)
{
    weft_engine_t *eng = weft_engine_new(NULL);
    /* (type (record (field "a" u8) (field "b" u32))) (type (tuple string 0)) */
    static const uint8_t rec[] = {HDR, 0x07, 0x0d, 0x02, 0x72, 0x02, 0x01, 'a', 0x7d, 0x01, 'b',
                                  0x79, 0x6f, 0x02, 0x73, 0x00};
    weft_cvalid_t *v = NULL;
    CHECK(run(eng, rec, sizeof rec, &v) == NULL);
    if (v) {
        CHECK(v->nslots[WEFT_CSORT_TYPE] == 2);
        const weft_ty_val_t *r = v->slots[WEFT_CSORT_TYPE][0].type.u.val;
        CHECK(r->kind == WEFT_TY_RECORD && r->size32 == 8 && r->align32 == 4 && r->nflat == 2);
        const weft_ty_val_t *t = v->slots[WEFT_CSORT_TYPE][1].type.u.val;
        CHECK(t->kind == WEFT_TY_TUPLE && t->size32 == 16 && t->size64 == 24 && t->nflat == 4);
        CHECK(t->bits & WEFT_TYB_STRING_LIST);
        const weft_component_def_t *def = v->def;
        weft__cvalid_free(v);
        weft__component_def_free((weft_component_def_t *)def);
    }
    /* (type (record (field "A-b" u8) (field "a-B" u8))): not strongly unique */
    static const uint8_t dup[] = {HDR, 0x07, 0x0d, 0x01, 0x72, 0x02, 0x03, 'A', '-', 'b', 0x7d,
                                  0x03, 'a', '-', 'B', 0x7d};
    const char *m = run(eng, dup, sizeof dup, NULL);
    CHECK(m && strstr(m, "conflicts with previous field name"));
    /* (type (own 0)) with type 0 = u32: not a resource */
    static const uint8_t own[] = {HDR, 0x07, 0x05, 0x02, 0x7d, 0x69, 0x00, 0x00};
    (void)own;
    static const uint8_t own2[] = {HDR, 0x07, 0x04, 0x02, 0x79, 0x69, 0x00};
    m = run(eng, own2, sizeof own2, NULL);
    CHECK(m && strstr(m, "not a resource type"));
    /* (type (flags)) with no labels */
    static const uint8_t fl[] = {HDR, 0x07, 0x03, 0x01, 0x6e, 0x00};
    m = run(eng, fl, sizeof fl, NULL);
    CHECK(m && strstr(m, "flags must have at least one entry"));
    /* (type (variant (case "a") (case "b" u64))): disc u8, payload at 8, size 16, flat i32 i64 */
    static const uint8_t var[] = {HDR, 0x07, 0x0c, 0x01, 0x71, 0x02, 0x01, 'a', 0x00, 0x00, 0x01,
                                  'b', 0x01, 0x77, 0x00};
    v = NULL;
    m = run(eng, var, sizeof var, &v);
    CHECK(m == NULL);
    if (v) {
        const weft_ty_val_t *t = v->slots[WEFT_CSORT_TYPE][0].type.u.val;
        CHECK(t->disc_size == 1 && t->payload_off32 == 8 && t->size32 == 16 && t->nflat == 2);
        CHECK(t->flat && t->flat[0] == WEFT_T_I32 && t->flat[1] == WEFT_T_I64);
        const weft_component_def_t *def = v->def;
        weft__cvalid_free(v);
        weft__component_def_free((weft_component_def_t *)def);
    } else {
        fprintf(stderr, "variant: %s\n", m);
    }
    /* (import "a:b/c@" (func)): the version must be a valid semver */
    static const uint8_t sv[] = {HDR, 0x07, 0x05, 0x01, 0x40, 0x00, 0x01, 0x00, 0x0a, 0x0b,
                                 0x01, 0x00, 0x06, 'a', ':', 'b', '/', 'c', '@', 0x01, 0x00};
    m = run(eng, sv, sizeof sv, NULL);
    CHECK(m && strstr(m, "is not a valid extern name") && strstr(m, "empty string"));
    /* (import "A:b/c" (func)): namespaces are lowercase */
    static const uint8_t up[] = {HDR, 0x07, 0x05, 0x01, 0x40, 0x00, 0x01, 0x00, 0x0a, 0x0a,
                                 0x01, 0x00, 0x05, 'A', ':', 'b', '/', 'c', 0x01, 0x00};
    m = run(eng, up, sizeof up, NULL);
    CHECK(m && strstr(m, "character `A` is not lowercase"));
    /* (core type (module (type (func)) (import "" "" (func 0)) (import "" "" (func 0)))) */
    static const uint8_t dupi[] = {HDR, 0x03, 0x11, 0x01, 0x50, 0x03, 0x01, 0x60, 0x00, 0x00,
                                   0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00};
    m = run(eng, dupi, sizeof dupi, NULL);
    CHECK(m && strstr(m, "duplicate import name `:`"));
    /* External visibility (Explainer.md "External Visibility of Types"):
     * (type $R (resource (rep i32))) (export $R' "r" (type $R))
     * (import "f" (func (result (own $R')))): imports cannot depend on exports, even though
     * $R' and $R are the same resource */
    static const uint8_t vis1[] = {HDR, 0x07, 0x04, 0x01, 0x3f, 0x7f, 0x00,
                                   0x0b, 0x07, 0x01, 0x00, 0x01, 'r', 0x03, 0x00, 0x00,
                                   0x07, 0x07, 0x02, 0x69, 0x01, 0x40, 0x00, 0x00, 0x02,
                                   0x0a, 0x06, 0x01, 0x00, 0x01, 'f', 0x01, 0x03};
    m = run(eng, vis1, sizeof vis1, NULL);
    CHECK(m && strstr(m, "func not valid to be used as import"));
    /* (import "r" (type $R (sub resource))) (import "f" (func (result (own $R)))): fine */
    static const uint8_t vis2[] = {HDR, 0x0a, 0x06, 0x01, 0x00, 0x01, 'r', 0x03, 0x01,
                                   0x07, 0x07, 0x02, 0x69, 0x00, 0x40, 0x00, 0x00, 0x01,
                                   0x0a, 0x06, 0x01, 0x00, 0x01, 'f', 0x01, 0x02};
    m = run(eng, vis2, sizeof vis2, NULL);
    CHECK(m == NULL);
    if (m) fprintf(stderr, "vis2: %s\n", m);
    weft_engine_delete(eng);
    if (failures) {
        fprintf(stderr, "%d failure(s)\n", failures);
        return 1;
    }
    printf("test_component_validate: ok\n");
    return 0;
}
