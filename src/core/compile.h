/* compile.h - translation of validated function bodies into the interpreter's internal code
 * (resolved branch targets, no LEB128 at run time). The layout of weft_code_t is private to
 * compile.c and interp.c (see interp.h). */
#ifndef WEFT_CORE_COMPILE_H
#define WEFT_CORE_COMPILE_H

#include "core/module.h"

/* Compiles every defined function of a validated module into module->codes. Returns NULL, or
 * WEFT_ERROR_OOM, or WEFT_ERROR_VALIDATE for an implementation limit (message says which). */
weft_error_t *weft__module_compile(weft_module_t *module);
/* Frees module->codes (safe on a partially compiled module). */
void weft__module_free_codes(weft_module_t *module);

#endif
