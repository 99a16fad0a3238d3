/* validate.c - `weft validate FILE`: decode and validate a module or a component. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "util/error.h"

int weft__cli_validate(int argc, char **argv)
{
    if (argc == 1 && (!strcmp(argv[0], "-h") || !strcmp(argv[0], "--help"))) {
        puts("Usage: weft validate FILE\n"
             "Decodes and validates the module or component FILE; prints \"valid\" and exits 0, or prints the error\n"
             "with its byte offset on stderr and exits 1 (3 if FILE cannot be read).");
        return WEFT_CLI_OK;
    }
    if (argc != 1) {
        fputs("weft: usage: weft validate FILE\n", stderr);
        return WEFT_CLI_USAGE;
    }
    const weft_alloc_t a = {weft__default_alloc, NULL};
    size_t len = 0;
    uint8_t *bytes = weft__cli_read_file(&a, argv[0], &len);
    if (!bytes) return WEFT_CLI_IO;
    weft_engine_t *engine = weft_engine_new(NULL);
    if (!engine) {
        weft__free(&a, bytes, len + 1);
        fputs("weft: out of memory\n", stderr);
        return WEFT_CLI_FAILURE;
    }
    /* A component is decoded and validated with its nested modules. */
    weft_module_t *module = NULL;
    weft_component_t *comp = NULL;
    weft_error_t *err = weft_is_component(bytes, len)
                            ? weft_component_new(engine, bytes, len, &comp)
                            : weft_module_new(engine, bytes, len, &module);
    weft__free(&a, bytes, len + 1);
    int status = WEFT_CLI_OK;
    if (err) {
        weft__cli_print_module_error(argv[0], err);
        status = weft_error_kind(err) == WEFT_ERROR_OOM ? WEFT_CLI_FAILURE : WEFT_CLI_INVALID;
        weft_error_delete(err);
    } else {
        puts("valid");
        weft_module_delete(module);
        weft_component_delete(comp);
    }
    weft_engine_delete(engine);
    return status;
}
