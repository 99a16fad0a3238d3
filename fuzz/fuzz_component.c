/* fuzz_component.c - libFuzzer target: decode arbitrary bytes as a component (and, through the
 * nested module sections, as core modules), walk the result, free it. Any outcome is fine
 * except a crash, a sanitizer report, a leak or a hang. */
#include <stdlib.h>

#include "component/component.h"
#include "util/error.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Touches every index-space entry so a dangling or out-of-range record is caught. */
static void walk(const weft_component_def_t *def)
{
    for (unsigned s = 0; s < WEFT_CSORT_COUNT; s++) {
        for (uint32_t i = 0; i < def->spaces[s].count; i++) {
            const weft_centry_t *e = weft__component_entry(def, (uint8_t)s, i);
            if (!e || e->offset > def->bytes_len) abort();
        }
    }
    for (uint32_t i = 0; i < def->components.count; i++) {
        if (!def->components.items[i].def) abort();
        walk(def->components.items[i].def);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    weft_config_t cfg;
    weft_config_init(&cfg);
    weft_engine_t *engine = weft_engine_new(&cfg);
    if (!engine) return 0;
    const weft_alloc_t a = {weft__default_alloc, NULL};
    weft_component_def_t *def = NULL;
    weft_error_t *err = weft__component_decode(&a, engine, data, size, &def);
    if (err) {
        /* Every error must carry a message, and decode errors an offset within the input. */
        if (!weft_error_message(err)) abort();
        if (weft_error_kind(err) == WEFT_ERROR_DECODE && weft_error_offset(err) > size) abort();
        weft_error_delete(err);
    } else {
        walk(def);
        weft__component_def_free(def);
    }
    weft_engine_delete(engine);
    return 0;
}
