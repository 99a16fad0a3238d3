/* common.c - file reading, error printing and the resource limits (--fuel, --timeout,
 * --max-*) shared by the `weft` subcommands. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <fcntl.h>

#include "cli/cli.h"

uint8_t *weft__cli_read_file(const weft_alloc_t *a, const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "weft: cannot open '%s': %s\n", path, strerror(errno));
        return NULL;
    }
    /* A regular file's size is known: one buffer of that size, so a large binary is neither
     * copied by regrowth nor read in pieces (a file that grows meanwhile still regrows). */
    struct stat st;
    size_t cap = 65536, n = 0;
    if (fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0 &&
        (uint64_t)st.st_size < SIZE_MAX / 2 - 1)
        cap = (size_t)st.st_size + 1; /* + 1: the read that finds the end */
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

uint8_t *weft__cli_map_file(const weft_alloc_t *a, const char *path, size_t *len, bool *mapped)
{
    *mapped = false;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0 &&
        (uint64_t)st.st_size <= SIZE_MAX) {
        /* Pages shared with the page cache, mapped ahead: no copy of a large binary. */
        void *p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
        if (p != MAP_FAILED) {
            close(fd);
            *len = (size_t)st.st_size;
            *mapped = true;
            return p;
        }
    }
    if (fd >= 0) close(fd);
    return weft__cli_read_file(a, path, len);
}

void weft__cli_unmap_file(const weft_alloc_t *a, uint8_t *bytes, size_t len, bool mapped)
{
    if (!bytes) return;
    if (mapped)
        munmap(bytes, len);
    else
        weft__free(a, bytes, len + 1);
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
    /* Component traps read "wasm trap: REASON" (the reference tests' wording): said once. */
    const char *msg = weft_error_message(err);
    if (strncmp(msg, "wasm trap: ", 11) == 0) msg += 11;
    fprintf(stderr, "weft: trap: %s\n", msg);
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
    status = weft__cli_limit_status(file, err, status);
    weft_error_delete(err);
    return status;
}

/* ------------------------------------------------------------------------------------------ */
/* Resource limits */

void weft__cli_limits_usage(void *stream)
{
    fputs("Limits (for modules and components; each limit hit prints what was hit on stderr\n"
          "and exits with its own status, see `weft --help`):\n"
          "  --fuel N             run at most N units of work (a unit: a call or a taken\n"
          "                       branch), then stop: \"out of fuel\", status 120\n"
          "  --timeout DURATION   stop the guest once DURATION has passed since it was loaded\n"
          "                       (N, Ns, Nms, Nm or Nh; fractions allowed): status 124\n"
          "  --max-memory BYTES   bound every linear memory (suffixes K, M, G: KiB, MiB, GiB);\n"
          "                       memory.grow fails past it; a memory that starts larger is\n"
          "                       refused and a run that fails at the limit reports it: 122\n"
          "  --max-table-elements N  bound every table (of a module, or of a component's\n"
          "                       core modules): table.grow fails past N; a table that\n"
          "                       starts larger is refused and a run that fails at the\n"
          "                       limit reports it: status 119\n"
          "  --max-call-depth N   at most N nested wasm calls (default 10000): past it \"call\n"
          "                       stack exhausted\", status 121\n"
          "  --max-stack BYTES    value stack of a call (default 64M): past it status 121\n"
          "  --max-tasks N, --max-handles N  (components) bound the async tasks in flight and\n"
          "                       the host's async handles: status 123\n",
          (FILE *)stream);
}

/* Parses an unsigned number with an optional binary size suffix (K, M, G, with or without
 * "iB"/"B") when `sizes`. */
static bool parse_count(const char *s, bool sizes, uint64_t *out)
{
    if (*s < '0' || *s > '9') return false;
    errno = 0;
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno) return false;
    uint64_t mul = 1;
    if (sizes && *end) {
        switch (*end) {
        case 'k': case 'K': mul = 1ull << 10; break;
        case 'm': case 'M': mul = 1ull << 20; break;
        case 'g': case 'G': mul = 1ull << 30; break;
        default: return false;
        }
        end++;
        if (!strcmp(end, "iB") || !strcmp(end, "B")) end += strlen(end);
    }
    if (*end || (mul > 1 && v > UINT64_MAX / mul)) return false;
    *out = (uint64_t)v * mul;
    return true;
}

/* A duration: a number (fractions allowed) with the unit ms, s (default), m or h. */
static bool parse_duration(const char *s, uint64_t *ns)
{
    if ((*s < '0' || *s > '9') && *s != '.') return false;
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || !(v >= 0)) return false;
    double unit = 1e9;
    if (!strcmp(end, "ms")) unit = 1e6;
    else if (!strcmp(end, "m")) unit = 60e9;
    else if (!strcmp(end, "h")) unit = 3600e9;
    else if (*end && strcmp(end, "s") != 0) return false;
    double t = v * unit;
    if (t >= 1.8e19) return false;
    *ns = t < 1 ? 1 : (uint64_t)t;
    return true;
}

int weft__cli_limits_option(weft_cli_limits_t *l, int argc, char **argv, int *i)
{
    static const char *const names[] = {"--fuel", "--timeout", "--max-memory",
                                        "--max-table-elements", "--max-call-depth",
                                        "--max-stack", "--max-tasks", "--max-handles"};
    const char *a = argv[*i];
    int k = -1;
    size_t n = 0;
    for (int j = 0; j < 8 && k < 0; j++) {
        n = strlen(names[j]);
        if (!strncmp(a, names[j], n) && (a[n] == 0 || a[n] == '=')) k = j;
    }
    if (k < 0) return 0;
    const char *val = a[n] == '=' ? a + n + 1 : NULL;
    if (!val) {
        if (*i + 1 >= argc) {
            fprintf(stderr, "weft: option '%s' needs a value\n", a);
            return -1;
        }
        val = argv[++*i];
    }
    uint64_t v = 0;
    bool ok;
    switch (k) {
    case 1: ok = parse_duration(val, &v); break;
    case 2: case 5: ok = parse_count(val, true, &v); break;
    default: ok = parse_count(val, false, &v); break;
    }
    /* Counts stored in 32 bits, and the limits where 0 would mean "the default", must fit. */
    if (ok && (k == 4 || k == 6 || k == 7) && (v == 0 || v > UINT32_MAX)) ok = false;
    if (ok && (k == 2 || k == 3 || k == 5) && v == 0) ok = false;
    if (!ok) {
        fprintf(stderr, "weft: %s: bad value '%s'\n", names[k], val);
        return -1;
    }
    switch (k) {
    case 0: l->fuel = v; l->has_fuel = true; break;
    case 1: l->timeout_ns = v; break;
    case 2: l->max_memory = v; break;
    case 3: l->max_table_elements = v; l->has_max_table = true; break;
    case 4: l->max_call_depth = (uint32_t)v; break;
    case 5: l->max_stack = v; break;
    case 6: l->max_tasks = (uint32_t)v; break;
    default: l->max_handles = (uint32_t)v; break;
    }
    return 1;
}

weft_engine_t *weft__cli_limits_engine(const weft_cli_limits_t *l)
{
    weft_config_t cfg;
    weft_config_init(&cfg);
    if (l->max_memory) cfg.max_memory_bytes = l->max_memory;
    if (l->max_call_depth) cfg.max_call_depth = l->max_call_depth;
    if (l->max_stack) cfg.max_stack_bytes = l->max_stack;
    if (l->has_max_table) cfg.max_table_elements = l->max_table_elements;
    return weft_engine_new(&cfg);
}

int weft__cli_limits_apply(weft_store_t *store, const weft_cli_limits_t *l)
{
    if (l->has_fuel) weft_store_set_fuel(store, l->fuel);
    if (l->timeout_ns) {
        uint64_t now = weft_monotonic_ns();
        weft_store_set_deadline_ns(store, now > UINT64_MAX - l->timeout_ns ? UINT64_MAX
                                                                          : now + l->timeout_ns);
    }
    if (l->max_tasks || l->max_handles) {
        weft_error_t *err = weft_store_set_async_limits(store, l->max_tasks, l->max_handles);
        if (err) {
            fprintf(stderr, "weft: %s\n", weft_error_message(err));
            weft_error_delete(err);
            return WEFT_CLI_FAILURE;
        }
    }
    return 0;
}

int weft__cli_limit_status(const char *file, const weft_error_t *err, int status)
{
    const char *what = NULL;
    int code = status;
    if (weft_error_kind(err) == WEFT_ERROR_TRAP) {
        switch (weft_error_trap_code(err)) {
        case WEFT_TRAP_OUT_OF_FUEL:
            what = "out of fuel: the --fuel budget is spent";
            code = WEFT_CLI_OUT_OF_FUEL;
            break;
        case WEFT_TRAP_INTERRUPTED:
            what = "time limit reached: the --timeout deadline passed";
            code = WEFT_CLI_TIMEOUT;
            break;
        case WEFT_TRAP_STACK_EXHAUSTED:
            what = "call stack limit reached (--max-call-depth frames or --max-stack bytes)";
            code = WEFT_CLI_STACK_LIMIT;
            break;
        case WEFT_TRAP_TASK_LIMIT:
            what = "async task limit reached (--max-tasks)";
            code = WEFT_CLI_ASYNC_LIMIT;
            break;
        case WEFT_TRAP_HANDLE_LIMIT:
            what = "async handle limit reached (--max-handles)";
            code = WEFT_CLI_ASYNC_LIMIT;
            break;
        default:
            break;
        }
    } else if (weft_error_kind(err) == WEFT_ERROR_OOM &&
               strstr(weft_error_message(err), "exceeds the limit")) {
        /* A table or memory whose initial size is above the engine's max_table_elements or
         * max_memory_bytes (table.c, memory.c). */
        if (!strncmp(weft_error_message(err), "table ", 6)) {
            what = "table limit reached: a table starts above --max-table-elements";
            code = WEFT_CLI_TABLE_LIMIT;
        } else {
            what = "memory limit reached: a memory starts above --max-memory";
            code = WEFT_CLI_MEMORY_LIMIT;
        }
    }
    if (what) fprintf(stderr, "weft: %s: %s\n", file, what);
    return code;
}

int weft__cli_limits_note(weft_store_t *store, const weft_cli_limits_t *l, const char *file,
                          int status)
{
    /* Limits with a status of their own were reported already; so was a table or memory
     * refused at its creation. */
    if (status == WEFT_CLI_OK || status == WEFT_CLI_OUT_OF_FUEL || status == WEFT_CLI_TIMEOUT ||
        status == WEFT_CLI_STACK_LIMIT || status == WEFT_CLI_ASYNC_LIMIT ||
        status == WEFT_CLI_MEMORY_LIMIT || status == WEFT_CLI_TABLE_LIMIT || !store)
        return status;
    uint64_t mem = l->max_memory ? weft_store_memory_limit_refusals(store) : 0;
    uint64_t tab = l->has_max_table ? weft_store_table_limit_refusals(store) : 0;
    if (mem) {
        fprintf(stderr, "weft: %s: memory limit reached: %" PRIu64 " memory.grow request(s) "
                        "refused at --max-memory %" PRIu64 "\n",
                file, mem, l->max_memory);
        return WEFT_CLI_MEMORY_LIMIT;
    }
    if (tab) {
        fprintf(stderr, "weft: %s: table limit reached: %" PRIu64 " table.grow request(s) "
                        "refused at --max-table-elements %" PRIu64 "\n",
                file, tab, l->max_table_elements);
        return WEFT_CLI_TABLE_LIMIT;
    }
    return status;
}
