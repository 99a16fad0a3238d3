/* wasi2_embed.c - a host that runs a WASI 0.2 command component (wasi2_embed.wat): one call
 * puts WASI 0.2 in a linker, and the context gives the guest its arguments, environment, a
 * read-only preopened directory, stdio captured in memory and a network policy (here: TCP to
 * and from 127.0.0.1 only, no UDP, no name lookups).
 *
 * usage: wasi2_embed wasi2_embed.wasm */
#include <stdio.h>
#include <stdlib.h>

#include "example_util.h"
#include "weft.h"

static bool check(const char *what, weft_error_t *err)
{
    if (!err) return true;
    fprintf(stderr, "%s: %s\n", what, weft_error_message(err));
    weft_error_delete(err);
    return false;
}

/* Prints a captured stream. */
static void show(const weft_wasi2_t *wasi, int stream, const char *name)
{
    size_t len;
    const uint8_t *bytes = weft_wasi2_captured(wasi, stream, &len);
    printf("%s (%zu bytes):\n%.*s", name, len, (int)len, (const char *)bytes);
}

/* The WASI 0.2 configuration. */
static bool configure(weft_wasi2_t *wasi)
{
    const char *argv[] = {"wasi2_embed", "--greeting", "hello"};
    return check("args", weft_wasi2_set_args(wasi, argv, 3)) &&
           check("env", weft_wasi2_add_env(wasi, "LANG", "C.UTF-8")) &&
           check("env", weft_wasi2_add_env(wasi, "MODE", "example")) &&
           /* The guest sees the host's "." as "/data" and cannot change it. */
           check("preopen", weft_wasi2_preopen(wasi, ".", "/data", true)) &&
           /* No stdin bytes; stdout and stderr are collected in memory. */
           check("stdin", weft_wasi2_stdin_bytes(wasi, NULL, 0)) &&
           check("stdout", weft_wasi2_capture_output(wasi, 1)) &&
           check("stderr", weft_wasi2_capture_output(wasi, 2)) &&
           /* wasi:sockets: TCP with 127.0.0.1 on any port; everything else is denied. */
           check("network", weft_wasi2_allow_tcp(wasi, "127.0.0.1:*"));
}

int main(int argc, char **argv)
{
    size_t len;
    uint8_t *bytes = read_wasm_arg(argc, argv, "wasi2_embed.wasm", &len);
    weft_engine_t *engine = weft_engine_new(NULL);
    weft_component_t *component = NULL;
    bool ok = engine && check("compile", weft_component_new(engine, bytes, len, &component));
    free(bytes);
    weft_store_t *store = ok ? weft_store_new(engine) : NULL;
    weft_wasi2_t *wasi = ok ? weft_wasi2_new(engine) : NULL;
    weft_component_linker_t *linker = ok ? weft_component_linker_new(engine) : NULL;
    ok = ok && store && wasi && linker && configure(wasi);
    /* One call defines every WASI 0.2 interface the component imports. */
    ok = ok && check("link", weft_wasi2_link(wasi, linker, component));
    weft_component_instance_t *instance = NULL;
    ok = ok && check("instantiate",
                     weft_component_instance_new(store, component, linker, &instance));
    int status = -1;
    ok = ok && check("run", weft_wasi2_run(store, instance, &status));
    if (ok) {
        show(wasi, 1, "stdout");
        show(wasi, 2, "stderr");
        printf("exit status %d\n", status);
    }
    /* The store's instances call into the linker's functions and the context: delete the
     * store first. */
    weft_store_delete(store);
    weft_component_linker_delete(linker);
    weft_wasi2_delete(wasi);
    weft_component_delete(component);
    weft_engine_delete(engine);
    return ok ? 0 : 1;
}
