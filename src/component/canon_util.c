/* canon_util.c - traps, the realloc call and tuple layout shared by the Canonical ABI files. */
#include <stdarg.h>
#include <stdio.h>

#include "component/canon.h"
#include "util/error.h"

weft_error_t *weft__canon_trap(const weft_alloc_t *a, const char *fmt, ...)
{
    char buf[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    weft_error_t *e = weft__error_new(a, WEFT_ERROR_TRAP, UINT64_MAX, "%s", buf);
    /* Canonical ABI traps are raised by the runtime on behalf of the component, outside any
     * core instruction: they carry the host trap code and the spec's reason as message. */
    if (!e->is_static) e->trap = WEFT_TRAP_HOST;
    return e;
}

/* LiftLowerContext.reallocate */
weft_error_t *weft__canon_realloc(weft_canon_cx_t *cx, uint32_t old_ptr, uint32_t old_size,
                                  uint32_t align, uint32_t new_size, uint32_t *ptr)
{
    if (!cx->realloc)
        return weft__canon_trap(cx->alloc, "canonical ABI: realloc needed but not provided");
    bool saved = true;
    if (cx->may_leave) {
        saved = *cx->may_leave;
        *cx->may_leave = false;
    }
    weft_error_t *err = cx->realloc(cx->realloc_env, old_ptr, old_size, align, new_size, ptr);
    if (cx->may_leave) *cx->may_leave = saved;
    return err;
}

/* alignment_record / elem_size_record over the fields' types. */
void weft__canon_tuple_layout(const weft_ty_field_t *fields, uint32_t n, uint32_t *size,
                              uint32_t *align)
{
    uint64_t s = 0;
    uint32_t a = 1;
    for (uint32_t i = 0; i < n; i++) {
        const weft_ty_val_t *t = fields[i].type;
        if (t->align32 > a) a = t->align32;
        s = (s + t->align32 - 1) / t->align32 * t->align32;
        s += t->size32;
    }
    s = (s + a - 1) / a * a;
    *size = s > UINT32_MAX ? UINT32_MAX : (uint32_t)s;
    *align = a;
}

uint32_t weft__canon_tuple_nflat(const weft_ty_field_t *fields, uint32_t n)
{
    uint64_t c = 0;
    for (uint32_t i = 0; i < n; i++) c += fields[i].type->nflat;
    return c > WEFT_TY_FLAT_SAT ? WEFT_TY_FLAT_SAT : (uint32_t)c;
}

void weft__canon_tuple_init(weft_canon_tuple_t *t, const weft_ty_field_t *fields, uint32_t n)
{
    t->fields = fields;
    t->nfields = n;
    t->nflat = weft__canon_tuple_nflat(fields, n);
    weft__canon_tuple_layout(fields, n, &t->size, &t->align);
    t->scalar = true;
    for (uint32_t i = 0; i < n && t->scalar; i++)
        t->scalar = fields[i].type->kind >= WEFT_TY_BOOL && fields[i].type->kind <= WEFT_TY_F64;
}
