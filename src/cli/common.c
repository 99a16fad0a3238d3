/* common.c - file reading and error printing shared by the `weft` subcommands. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

uint8_t *weft__cli_read_file(const weft_alloc_t *a, const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "weft: cannot open '%s': %s\n", path, strerror(errno));
        return NULL;
    }
    size_t cap = 65536, n = 0;
    uint8_t *buf = weft__malloc(a, cap + 1);
    while (buf) {
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (n < cap) break;
        if (cap > SIZE_MAX / 2 - 1) {
            weft__free(a, buf, cap + 1);
            buf = NULL;
            break;
        }
        uint8_t *nb = weft__realloc(a, buf, cap + 1, cap * 2 + 1);
        if (!nb) {
            weft__free(a, buf, cap + 1);
            buf = NULL;
            break;
        }
        buf = nb;
        cap *= 2;
    }
    if (!buf) {
        fprintf(stderr, "weft: '%s': out of memory\n", path);
        fclose(f);
        return NULL;
    }
    if (ferror(f)) {
        fprintf(stderr, "weft: cannot read '%s': %s\n", path, strerror(errno));
        weft__free(a, buf, cap + 1);
        fclose(f);
        return NULL;
    }
    fclose(f);
    /* Shrink to the exact size so the caller frees with *len + 1. */
    uint8_t *exact = weft__realloc(a, buf, cap + 1, n + 1);
    if (!exact) {
        weft__free(a, buf, cap + 1);
        fprintf(stderr, "weft: '%s': out of memory\n", path);
        return NULL;
    }
    *len = n;
    return exact;
}

void weft__cli_print_module_error(const char *path, const weft_error_t *err)
{
    const char *what = weft_error_kind(err) == WEFT_ERROR_DECODE     ? "malformed module"
                       : weft_error_kind(err) == WEFT_ERROR_VALIDATE ? "invalid module"
                                                                     : "error";
    uint64_t off = weft_error_offset(err);
    const char *msg = weft_error_message(err);
    /* The offset is added unless the message already gives it. */
    if (off != UINT64_MAX && !strstr(msg, "offset"))
        fprintf(stderr, "weft: %s: %s: %s (at offset 0x%llx)\n", path, what, msg,
                (unsigned long long)off);
    else
        fprintf(stderr, "weft: %s: %s: %s\n", path, what, msg);
}

void weft__cli_print_trap(const weft_error_t *err)
{
    fprintf(stderr, "weft: trap: %s\n", weft_error_message(err));
    size_t n = weft_error_frame_count(err);
    for (size_t i = 0; i < n; i++) {
        const weft_frame_t *fr = weft_error_frame(err, i);
        if (!fr) break;
        fprintf(stderr, "  at func[%u]", fr->func_index);
        if (fr->name) fprintf(stderr, " %s", fr->name);
        if (fr->code_offset == UINT32_MAX)
            fputs(" <host>\n", stderr);
        else
            fprintf(stderr, " +0x%x\n", fr->code_offset);
    }
}

/* Maps an error of instantiation or of the call to the exit status, printing it. */
int weft__cli_report(const char *file, weft_error_t *err)
{
    int status;
    switch (weft_error_kind(err)) {
    case WEFT_ERROR_EXIT:
        status = weft_error_exit_code(err) & 0xFF;
        break;
    case WEFT_ERROR_TRAP:
        weft__cli_print_trap(err);
        status = WEFT_CLI_TRAP;
        break;
    case WEFT_ERROR_LINK:
        fprintf(stderr, "weft: %s: link error: %s\n", file, weft_error_message(err));
        status = WEFT_CLI_LINK;
        break;
    case WEFT_ERROR_DECODE:
    case WEFT_ERROR_VALIDATE:
        weft__cli_print_module_error(file, err);
        status = WEFT_CLI_BAD_MODULE;
        break;
    default:
        fprintf(stderr, "weft: %s: %s\n", file, weft_error_message(err));
        status = WEFT_CLI_FAILURE;
        break;
    }
    weft_error_delete(err);
    return status;
}
