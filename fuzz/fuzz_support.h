/* fuzz_support.h - shared by the fuzz targets: instantiate any module with made-up imports. */
#ifndef WEFT_FUZZ_SUPPORT_H
#define WEFT_FUZZ_SUPPORT_H

#include <stdint.h>
#include <string.h>

#include "core/module.h"
#include "core/runtime.h"
#include "weft.h"

/* A host function that writes zero results of the right kinds. */
static weft_error_t *fuzz_host_zero(void *env, weft_caller_t *caller, const weft_val_t *args,
                                    size_t nargs, weft_val_t *results, size_t nresults)
{
    (void)env;
    (void)caller;
    (void)args;
    (void)nargs;
    for (size_t i = 0; i < nresults; i++) {
        uint32_t k = results[i].kind;
        memset(&results[i], 0, sizeof results[i]);
        results[i].kind = k;
    }
    return NULL;
}

static weft_val_t fuzz_zero_val(weft_valtype_t t)
{
    weft_val_t v;
    memset(&v, 0, sizeof v);
    v.kind = t & 0xFF;
    return v;
}

/* Builds one extern per import of `m` in `store`. Returns 0 on success. */
static int fuzz_make_imports(weft_store_t *store, const weft_module_t *m, weft_extern_t *out)
{
    for (uint32_t i = 0; i < m->nimports; i++) {
        const weft_import_t *im = &m->imports[i];
        out[i].kind = (weft_extern_kind_t)im->kind;
        weft_error_t *err = NULL;
        switch (im->kind) {
        case WEFT_EXTERN_FUNC: {
            const weft_functype_t *ft = &m->types[im->desc.func_type];
            weft_valkind_t params[64], results[64];
            if (ft->nparams > 64 || ft->nresults > 64) return -1;
            for (uint32_t k = 0; k < ft->nparams; k++) params[k] = (weft_valkind_t)(ft->params[k] & 0xFF);
            for (uint32_t k = 0; k < ft->nresults; k++) results[k] = (weft_valkind_t)(ft->results[k] & 0xFF);
            out[i].of.func = weft_func_new(store, params, ft->nparams, results, ft->nresults,
                                           fuzz_host_zero, NULL, NULL);
            if (!out[i].of.func) return -1;
            break;
        }
        case WEFT_EXTERN_TABLE: {
            const weft_tabletype_t *tt = &im->desc.table;
            if (tt->limits.min > 100000) return -1;
            err = weft_table_new(store, (weft_valkind_t)(tt->elem & 0xFF), tt->limits.min,
                                 tt->limits.max, tt->limits.has_max, fuzz_zero_val(tt->elem),
                                 &out[i].of.table);
            break;
        }
        case WEFT_EXTERN_MEMORY: {
            const weft_limits_t *l = &im->desc.memory.limits;
            if (l->min > 256) return -1;
            err = weft_memory_new(store, l->min, l->max, l->has_max, &out[i].of.memory);
            break;
        }
        case WEFT_EXTERN_GLOBAL:
            err = weft_global_new(store, (weft_valkind_t)(im->desc.global.type & 0xFF),
                                  im->desc.global.mut, fuzz_zero_val(im->desc.global.type),
                                  &out[i].of.global);
            break;
        default:
            return -1;
        }
        if (err) {
            weft_error_delete(err);
            return -1;
        }
    }
    return 0;
}

#endif
