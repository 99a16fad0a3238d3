/* api.c - drives the WASI 0.2 host through the public API (include/weft.h "WASI 0.2").
 *
 *   api time FILE [N]      compiles and instantiates component FILE N times (default 20) and
 *                          prints the milliseconds of each step: the first time in the
 *                          process (cold: every page fresh) and the median
 *   api time-borrowed FILE [N]  the same with weft_component_new_borrowed (no copy)
 *   api stdio FILE         runs FILE with stdin from memory ("Hello, buffers!\n") and
 *                          stdout / stderr captured, then prints what was captured and the
 *                          exit status
 *   api readonly FILE DIR  runs FILE with DIR preopened read-only as "."
 *
 * Exit status: 0 when the steps succeeded (the guest's status is printed), 1 otherwise. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "weft.h"

static unsigned char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *b = n >= 0 ? malloc((size_t)n + 1) : NULL;
    if (b && fread(b, 1, (size_t)n, f) != (size_t)n) {
        free(b);
        b = NULL;
    }
    fclose(f);
    *len = (size_t)n;
    return b;
}

static int fail(const char *what, weft_error_t *err)
{
    fprintf(stderr, "api: %s: %s\n", what, err ? weft_error_message(err) : "failed");
    weft_error_delete(err);
    return 1;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Instantiates `comp` with a fresh context; runs it unless run is false. */
static int once(weft_engine_t *engine, const weft_component_t *comp, weft_wasi2_t *w, bool run,
                int *status, double *inst_ms)
{
    weft_store_t *store = weft_store_new(engine);
    weft_component_linker_t *l = weft_component_linker_new(engine);
    weft_component_instance_t *inst = NULL;
    int rc = 0;
    uint64_t t0 = weft_monotonic_ns();
    weft_error_t *err = weft_wasi2_link(w, l, comp);
    if (!err) err = weft_component_instance_new(store, comp, l, &inst);
    if (inst_ms) *inst_ms = (double)(weft_monotonic_ns() - t0) / 1e6;
    if (err) rc = fail("instantiate", err);
    if (!rc && run && (err = weft_wasi2_run(store, inst, status)) != NULL) rc = fail("run", err);
    weft_store_delete(store);
    weft_component_linker_delete(l);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fputs("usage: api time|stdio|readonly FILE [N|DIR]\n", stderr);
        return 2;
    }
    const char *mode = argv[1];
    size_t len;
    unsigned char *bytes = slurp(argv[2], &len);
    if (!bytes) return fail(argv[2], NULL);
    weft_engine_t *engine = weft_engine_new(NULL);
    weft_component_t *comp = NULL;
    int rc = 0, status = -1;
    const char *args[] = {argv[2]};

    bool borrowed = !strcmp(mode, "time-borrowed");
    if (borrowed || !strcmp(mode, "time")) {
        int n = argc > 3 ? atoi(argv[3]) : 20;
        if (n < 1) n = 1;
        double *c = calloc((size_t)n, sizeof *c), *in = calloc((size_t)n, sizeof *in);
        for (int i = 0; i < n && !rc; i++) {
            uint64_t t0 = weft_monotonic_ns();
            weft_error_t *err = borrowed ? weft_component_new_borrowed(engine, bytes, len, &comp)
                                         : weft_component_new(engine, bytes, len, &comp);
            c[i] = (double)(weft_monotonic_ns() - t0) / 1e6;
            if (err) {
                rc = fail("compile", err);
                break;
            }
            weft_wasi2_t *w = weft_wasi2_new(engine);
            rc = once(engine, comp, w, false, &status, &in[i]);
            weft_wasi2_delete(w);
            weft_component_delete(comp);
        }
        if (!rc) {
            double c0 = c[0], in0 = in[0];
            qsort(c, (size_t)n, sizeof *c, cmp_double);
            qsort(in, (size_t)n, sizeof *in, cmp_double);
            printf("%s: %zu bytes%s; compile %.2f ms, link+instantiate %.2f ms, total %.2f ms "
                   "(median of %d); first: %.2f + %.2f = %.2f ms\n",
                   argv[2], len, borrowed ? " (borrowed)" : "", c[n / 2], in[n / 2],
                   c[n / 2] + in[n / 2], n, c0, in0, c0 + in0);
        }
        free(c);
        free(in);
    } else {
        weft_error_t *err = weft_component_new(engine, bytes, len, &comp);
        weft_wasi2_t *w = weft_wasi2_new(engine);
        if (err) rc = fail("compile", err);
        if (!rc && (err = weft_wasi2_set_args(w, args, 1)) != NULL) rc = fail("args", err);
        if (!rc && !strcmp(mode, "stdio")) {
            static const char in[] = "Hello, buffers!\n";
            if ((err = weft_wasi2_stdin_bytes(w, (const uint8_t *)in, sizeof in - 1)) ||
                (err = weft_wasi2_capture_output(w, 1)) || (err = weft_wasi2_capture_output(w, 2)))
                rc = fail("stdio", err);
            if (!rc) rc = once(engine, comp, w, true, &status, NULL);
            if (!rc) {
                size_t n1, n2;
                const uint8_t *o = weft_wasi2_captured(w, 1, &n1);
                const uint8_t *e = weft_wasi2_captured(w, 2, &n2);
                printf("stdout[%zu]: ", n1);
                fwrite(o, 1, n1, stdout);
                printf("stderr[%zu]: ", n2);
                fwrite(e, 1, n2, stdout);
            }
        } else if (!rc && !strcmp(mode, "readonly") && argc > 3) {
            if ((err = weft_wasi2_preopen(w, argv[3], ".", true)) != NULL) rc = fail("preopen", err);
            if (!rc) rc = once(engine, comp, w, true, &status, NULL);
        } else if (!rc) {
            fprintf(stderr, "api: unknown mode %s\n", mode);
            rc = 2;
        }
        if (!rc) printf("status %d\n", status);
        weft_wasi2_delete(w);
        weft_component_delete(comp);
    }
    weft_engine_delete(engine);
    free(bytes);
    return rc;
}
