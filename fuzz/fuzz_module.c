/* fuzz_module.c - libFuzzer target: decode, validate, compile and instantiate arbitrary bytes.
 * Any outcome is fine except a crash, a sanitizer report, a leak or a hang (start functions run
 * with a fuel budget and a deadline). */
#include <stdlib.h>

#include "fuzz_support.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    weft_config_t cfg;
    weft_config_init(&cfg);
    cfg.max_memory_bytes = 64u << 20;
    cfg.max_call_depth = 2000;
    cfg.eager_compile = true; /* translate every body, not only those a start function calls */
    weft_engine_t *engine = weft_engine_new(&cfg);
    if (!engine) return 0;
    weft_module_t *module = NULL;
    weft_error_t *err = weft_module_new(engine, data, size, &module);
    if (err) {
        /* Every error must carry a message. */
        if (!weft_error_message(err)) abort();
        weft_error_delete(err);
        weft_engine_delete(engine);
        return 0;
    }
    weft_store_t *store = weft_store_new(engine);
    if (store) {
        /* A start function may loop forever: bound it by fuel and a deadline, so it traps. */
        weft_store_set_fuel(store, 1000000);
        weft_store_set_deadline_ns(store, weft_monotonic_ns() + 3000000000u);
        size_t n = module->nimports;
        weft_extern_t *imports = calloc(n ? n : 1, sizeof *imports);
        if (imports && fuzz_make_imports(store, module, imports) == 0) {
            weft_instance_t *inst = NULL;
            err = weft_instance_new(store, module, imports, n, &inst);
            weft_error_delete(err);
        }
        free(imports);
        weft_store_delete(store);
    }
    weft_module_delete(module);
    weft_engine_delete(engine);
    return 0;
}
