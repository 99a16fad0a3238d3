/* test_types.h - building component value types in the tests (canonical ABI, WAVE): `tya`, the
 * type arena the test creates in main(), and builders over weft_ty_intern. */
#ifndef WEFT_TEST_TYPES_H
#define WEFT_TEST_TYPES_H

#include <string.h>

#include "component/types.h"

static weft_ty_arena_t *tya;

static inline const weft_ty_val_t *prim(uint8_t k) { return weft_ty_prim(tya, k); }

static inline weft_name_t nm(const char *s)
{
    weft_name_t n = {s, (uint32_t)strlen(s)};
    return n;
}

/* The interned type of `kind` over `elem` or `count` cases/fields (`types`, `labels`: NULL for
 * none); a fixed-size list takes its length from `count`. */
static inline const weft_ty_val_t *mk(uint8_t kind, const weft_ty_val_t *elem, uint32_t count,
                                      const weft_ty_val_t *const *types,
                                      const char *const *labels)
{
    weft_ty_val_t p;
    memset(&p, 0, sizeof p);
    p.kind = kind;
    p.elem = elem;
    p.count = count;
    weft_ty_field_t *f = weft_ty_alloc(tya, (count ? count : 1) * sizeof *f);
    weft_name_t *l = weft_ty_alloc(tya, (count ? count : 1) * sizeof *l);
    for (uint32_t i = 0; i < count; i++) {
        if (types) f[i].type = types[i];
        f[i].label = nm(labels ? labels[i] : "");
        l[i] = f[i].label;
    }
    if (kind == WEFT_TY_FLAGS || kind == WEFT_TY_ENUM) p.labels = l;
    else p.fields = f;
    if (kind == WEFT_TY_FIXED_LIST) p.len = count, p.count = 0, p.fields = NULL;
    return weft_ty_intern(tya, &p);
}

#endif
