/* asyncbench.c - times the async canonical ABI through Weft's public component API
 * (bench/async/README.md): async component-to-component calls, task switches through
 * futures, many concurrently blocked tasks, and stream<u8> throughput against memcpy, all
 * driven by loops in wasm (async.wat).
 *
 * usage: asyncbench ASYNC.wasm [LAST.txt]
 * Prints one line per case: the figure, the target and the ratio against LAST.txt (the
 * previous run, rewritten afterwards). Environment: BENCH_RUNS (repetitions, the minimum is
 * kept; default 5), BENCH_CLOCK (cpu = process CPU time, default; wall = monotonic),
 * BENCH_SCALE (iteration-count factor), BENCH_ONLY (one case by name; the previous-run file
 * is then left alone), BENCH_TASKS (tasks of the many-tasks case; default 100000). */
#include <sys/resource.h>

#define BENCH_PROG "asyncbench"
#include "../common/driver.h"

/* The engine's allocator hook, counting the bytes in use and their peak. */
typedef struct counter {
    size_t cur, peak;
} counter_t;

static void *count_alloc(void *ud, void *ptr, size_t old_size, size_t new_size)
{
    counter_t *c = ud;
    if (new_size == 0) {
        free(ptr);
        c->cur -= old_size;
        return NULL;
    }
    void *p = realloc(ptr, new_size);
    if (!p)
        return NULL;
    c->cur = c->cur - (ptr ? old_size : 0) + new_size;
    if (c->cur > c->peak)
        c->peak = c->cur;
    return p;
}

typedef struct bench {
    weft_engine_t *engine;
    weft_component_t *comp;
    weft_store_t *store;
    weft_component_instance_t *inst;
    weft_cval_arena_t *arena;
    counter_t mem;
    int runs;
    clockid_t clock;
} bench_t;

/* The engine and component: with the counting allocator (`counted`, for the peak-bytes
 * figure) or with the default one (timing: no hook in the way). */
static void setup(bench_t *b, const uint8_t *bytes, size_t len, bool counted)
{
    if (b->store)
        weft_store_delete(b->store);
    b->store = NULL;
    weft_cval_arena_delete(b->arena);
    weft_component_delete(b->comp);
    weft_engine_delete(b->engine);
    weft_config_t cfg;
    weft_config_init(&cfg);
    if (counted) {
        cfg.alloc = count_alloc;
        cfg.alloc_ud = &b->mem;
    }
    b->engine = weft_engine_new(&cfg);
    b->arena = b->engine ? weft_cval_arena_new(b->engine) : NULL;
    if (!b->arena)
        bench_die("setup", NULL);
    weft_error_t *err = weft_component_new(b->engine, bytes, len, &b->comp);
    if (err)
        bench_die("component", err);
}

/* A fresh store and instance (the many-tasks case measures from a clean store). */
static void instantiate(bench_t *b)
{
    if (b->store)
        weft_store_delete(b->store);
    b->store = weft_store_new(b->engine);
    if (!b->store)
        bench_die("store", NULL);
    weft_error_t *err = weft_component_instance_new(b->store, b->comp, NULL, &b->inst);
    if (err)
        bench_die("instantiate", err);
}

static uint32_t call1(bench_t *b, const char *name, uint32_t x)
{
    weft_component_func_t *f = bench_func(b->inst, name);
    weft_cval_t arg, res;
    memset(&arg, 0, sizeof arg);
    memset(&res, 0, sizeof res);
    arg.kind = WEFT_CVAL_U32;
    arg.u.u = x;
    weft_error_t *err = weft_component_func_call(b->store, f, &arg, 1, &res, 1, b->arena);
    if (err)
        bench_die(name, err);
    weft_cval_arena_reset(b->arena);
    if (res.kind != WEFT_CVAL_U32) {
        fprintf(stderr, "asyncbench: %s: result kind %d, expected u32\n", name, res.kind);
        exit(1);
    }
    return (uint32_t)res.u.u;
}

/* Best time (ns) over b->runs calls of the wasm loop `name`(n), checking its result. */
static double time_loop(bench_t *b, const char *name, uint32_t n, uint32_t expect)
{
    double best = 0;
    (void)call1(b, name, n / 10 + 1); /* warm up (and grow the tables once) */
    for (int r = 0; r < b->runs; r++) {
        double t0 = bench_now_ns(b->clock);
        uint32_t got = call1(b, name, n);
        double dt = bench_now_ns(b->clock) - t0;
        if (got != expect) {
            fprintf(stderr, "asyncbench: %s: CHECKSUM MISMATCH: got %u, expected %u\n", name,
                    got, expect);
            exit(1);
        }
        if (r == 0 || dt < best)
            best = dt;
    }
    return best;
}

#define CHUNK 65536u

/* Best time (ns) over `runs` passes copying n chunks of 64 KiB from one buffer to another with
 * memcpy: the stream case's reference. Like run-stream, each chunk is stamped first and one
 * stamp is read back, so neither the stores nor the copies can be dropped. */
static double time_memcpy(uint32_t n, int runs, clockid_t clock)
{
    /* page-aligned, like the chunks in the two linear memories */
    uint8_t *src = aligned_alloc(4096, CHUNK), *dst = aligned_alloc(4096, CHUNK);
    if (!src || !dst) {
        fprintf(stderr, "asyncbench: out of memory\n");
        exit(1);
    }
    memset(src, 0x5a, CHUNK);
    memset(dst, 0, CHUNK);
    double best = 0;
    for (int r = -1; r < runs; r++) { /* r == -1: warm-up */
        uint32_t sum = 0;
        double t0 = bench_now_ns(clock);
        for (uint32_t i = 0; i < n; i++) {
            memcpy(src, &i, 4);
            memcpy(src + CHUNK - 4, &i, 4);
            memcpy(dst, src, CHUNK);
            uint32_t a, z;
            memcpy(&a, dst, 4);
            memcpy(&z, dst + CHUNK - 4, 4);
            sum += a + z;
        }
        double dt = bench_now_ns(clock) - t0;
        if (sum != (uint32_t)((uint64_t)n * (n - 1))) {
            fprintf(stderr, "asyncbench: memcpy: CHECKSUM MISMATCH\n");
            exit(1);
        }
        if (r == 0 || (r > 0 && dt < best))
            best = dt;
    }
    free(src);
    free(dst);
    return best;
}

static bench_result_t now[BENCH_MAX_CASES], prev[BENCH_MAX_CASES];
static size_t nnow, nprev;

/* One output line; `target` 0 means none. */
static void report(const char *name, double v, const char *unit, double target,
                   const char *extra)
{
    char tbuf[24] = "-", vbuf[32] = "";
    if (target > 0)
        snprintf(tbuf, sizeof tbuf, "<=%.0f", target);
    double p = bench_prev_of(prev, nprev, name);
    if (p > 0)
        snprintf(vbuf, sizeof vbuf, "vs previous: %.2fx", v / p);
    printf("%-24s %12.1f %-9s %9s   %s%s%s\n", name, v, unit, tbuf, vbuf,
           target > 0 && v > target ? "  (over target)" : "", extra);
    fflush(stdout);
    bench_record(now, &nnow, BENCH_MAX_CASES, name, v);
}

/* One output line for a throughput (higher is better) whose target is `min`. */
static void report_rate(const char *name, double v, const char *unit, double min,
                        const char *extra)
{
    char tbuf[24], vbuf[32] = "";
    snprintf(tbuf, sizeof tbuf, ">=%.1f", min);
    double p = bench_prev_of(prev, nprev, name);
    if (p > 0)
        snprintf(vbuf, sizeof vbuf, "vs previous: %.2fx", v / p);
    printf("%-24s %12.1f %-9s %9s   %s%s%s\n", name, v, unit, tbuf, vbuf,
           v < min ? "  (under target)" : "", extra);
    fflush(stdout);
    bench_record(now, &nnow, BENCH_MAX_CASES, name, v);
}

int main(int argc, char **argv)
{
    if (argc < 2 || argc > 3) {
        fprintf(stderr, "usage: asyncbench ASYNC.wasm [LAST.txt]\n");
        return 2;
    }
    bench_env_t env = bench_env_read();
    bench_t b;
    memset(&b, 0, sizeof b);
    b.runs = env.runs;
    b.clock = env.clock;
    double scale = env.scale;
    const char *nt = getenv("BENCH_TASKS");
    uint32_t ntasks = nt && atol(nt) > 0 ? (uint32_t)atol(nt) : 100000;

    size_t len;
    uint8_t *bytes = bench_read_file(argv[1], &len);
    setup(&b, bytes, len, false);
    nprev = bench_read_last(argc > 2 ? argv[2] : NULL, prev, BENCH_MAX_CASES);

    printf("best of %d, %s time (many-tasks: one run, wall time)\n", b.runs,
           env.wall ? "wall" : "cpu");
    printf("%-24s %12s %-9s %9s   %s\n", "case", "value", "unit", "target", "vs previous");

    if (bench_want(&env, "async-call-returns")) {
        /* (a) run-call minus the same loop over a core call; sum of (i + 1) for i < n */
        instantiate(&b);
        uint32_t n = (uint32_t)(1000000 * scale) + 1;
        uint32_t expect = (uint32_t)((uint64_t)n * (n + 1) / 2);
        double t_run = time_loop(&b, "run-call", n, expect);
        double t_base = time_loop(&b, "base", n, expect);
        char extra[64];
        snprintf(extra, sizeof extra, "  (raw %.1f, loop %.1f)", t_run / n, t_base / n);
        report("async-call-returns", (t_run - t_base) / n, "ns/call", 200, extra);
    }
    if (bench_want(&env, "task-switch-future")) {
        /* (b) two tasks ping-ponging through futures: 2 switches a round */
        instantiate(&b);
        uint32_t n = (uint32_t)(200000 * scale) + 1;
        double t = time_loop(&b, "run-switch", n, n);
        report("task-switch-future", t / (2.0 * n), "ns/switch", 100, "");
    }
    if (bench_want(&env, "task-switch-yield")) {
        /* for comparison: two tasks switching by thread.yield, one built-in a switch */
        instantiate(&b);
        uint32_t n = (uint32_t)(200000 * scale) + 1;
        double t = time_loop(&b, "run-yield", n, n);
        report("task-switch-yield", t / (2.0 * n), "ns/switch", 0, "");
    }
    if (bench_want(&env, "many-tasks")) {
        /* (c) ntasks tasks blocked at once, then all released: wall time, and the engine's
         * allocated bytes at their peak above the idle instance */
        setup(&b, bytes, len, true);
        instantiate(&b);
        size_t base = b.mem.cur;
        b.mem.peak = base;
        double t0 = bench_now_ns(CLOCK_MONOTONIC);
        uint32_t got = call1(&b, "run-many", ntasks);
        double dt = bench_now_ns(CLOCK_MONOTONIC) - t0;
        if (got != ntasks) {
            fprintf(stderr, "asyncbench: run-many: %u tasks blocked, expected %u\n", got,
                    ntasks);
            exit(1);
        }
        size_t peak = b.mem.peak - base;
        struct rusage ru;
        memset(&ru, 0, sizeof ru);
        getrusage(RUSAGE_SELF, &ru);
        char extra[96];
        snprintf(extra, sizeof extra, "  (%u tasks; process max RSS %.1f MiB)", ntasks,
                 (double)ru.ru_maxrss / 1024.0);
        report("many-tasks-time", dt / 1e6, "ms", 0, extra);
        report("many-tasks-peak", (double)peak / (1024.0 * 1024.0), "MiB", 1024, "");
        report("many-tasks-per-task", (double)peak / ntasks, "B/task", 0, "");
    }
    if (bench_want(&env, "stream-u8-64k")) {
        /* (d) stream<u8> from A to B in 64 KiB chunks (a synchronous write matched by a
         * synchronous read each), against memcpy of as many 64 KiB chunks in this process */
        instantiate(&b);
        uint32_t n = (uint32_t)(16384 * scale) + 2; /* 1 GiB at scale 1 */
        uint32_t expect = (uint32_t)((uint64_t)n * (n - 1));
        double t = time_loop(&b, "run-stream", n, expect);
        double tm = time_memcpy(n, b.runs, b.clock);
        double total = (double)n * CHUNK;
        double gbs = total / t, mgbs = total / tm; /* bytes/ns = GB/s */
        char extra[96];
        snprintf(extra, sizeof extra, "  (target >= 0.5 x memcpy (%.1f GB/s); ratio %.2f)", mgbs,
                 gbs / mgbs);
        report_rate("stream-u8-64k", gbs, "GB/s", 0.5 * mgbs, extra);
        bench_record(now, &nnow, BENCH_MAX_CASES, "stream-u8-64k-memcpy", mgbs);
    }

    if (argc > 2 && !env.only) {
        char header[64];
        snprintf(header, sizeof header, "case value (best of %d, %s time)", b.runs,
                 env.wall ? "wall" : "cpu");
        bench_write_last(argv[2], header, now, nnow);
    }
    free(bytes);
    weft_store_delete(b.store);
    weft_cval_arena_delete(b.arena);
    weft_component_delete(b.comp);
    weft_engine_delete(b.engine);
    return 0;
}
