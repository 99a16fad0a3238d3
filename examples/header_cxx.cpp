// header_cxx.cpp - proves that weft.h is usable from C++ (C++17): it compiles as C++, its
// declarations have C linkage, and a few calls link against the C library.
#include "weft.h"

#include <cstdio>
#include <cstring>

int main()
{
    weft_config_t cfg;
    weft_config_init(&cfg);
    cfg.max_call_depth = 1000;
    weft_engine_t *engine = weft_engine_new(&cfg);
    if (!engine) return 1;
    weft_store_t *store = weft_store_new(engine);
    weft_cval_arena_t *arena = weft_cval_arena_new(engine);
    int status = 1;
    if (store && arena) {
        weft_cval_t a{}, b{};
        const char text[] = "weft";
        const char *utf8 = nullptr;
        size_t len = 0;
        if (weft_cval_set_string(arena, text, std::strlen(text), &a) &&
            weft_cval_set_string(arena, text, std::strlen(text), &b) && weft_cval_equal(&a, &b) &&
            weft_cval_string_utf8(arena, &a, &utf8, &len)) {
            weft_error_t *err = weft_trap_new(store, "from C++");
            std::printf("C++: %s, %s (%s)\n", utf8, weft_error_message(err),
                        weft_trap_code_message(weft_error_trap_code(err)));
            weft_error_delete(err);
            status = 0;
        }
    }
    weft_cval_arena_delete(arena);
    weft_store_delete(store);
    weft_engine_delete(engine);
    return status;
}
