/* callbench.c - times component calls through Weft's public component API (bench/component/
 * README.md): cross-component calls driven by a loop in wasm (calls.wat), with the loop's own
 * cost measured by the same loop over a plain core call and subtracted, and host->guest calls
 * through weft_component_func_call() (and weft_component_func_call_scalar()) timed from C.
 *
 * usage: callbench CALLS.wasm [LAST.txt]
 * Prints one line per case: ns/call, the target, and the ratio against LAST.txt (the previous
 * run, rewritten afterwards). Environment: BENCH_RUNS (repetitions, the minimum is kept;
 * default 5), BENCH_CLOCK (cpu = process CPU time, default; wall = monotonic), BENCH_SCALE
 * (iteration-count factor), BENCH_ONLY (run one case, by name, e.g. under a profiler; the
 * previous-run file is then left alone). */
#define BENCH_PROG "callbench"
#include "../common/driver.h"

typedef struct bench {
    weft_engine_t *engine;
    weft_store_t *store;
    weft_component_instance_t *inst;
    weft_cval_arena_t *arena;
    int runs;
    clockid_t clock;
} bench_t;

static double now_ns(const bench_t *b)
{
    return bench_now_ns(b->clock);
}

static weft_component_func_t *func(const bench_t *b, const char *name)
{
    return bench_func(b->inst, name);
}

static uint32_t call2(bench_t *b, weft_component_func_t *f, uint32_t x, uint32_t y)
{
    weft_cval_t args[2], res;
    memset(args, 0, sizeof args);
    memset(&res, 0, sizeof res);
    args[0].kind = WEFT_CVAL_U32;
    args[0].u.u = x;
    args[1].kind = WEFT_CVAL_U32;
    args[1].u.u = y;
    weft_error_t *err = weft_component_func_call(b->store, f, args, 2, &res, 1, b->arena);
    if (err)
        bench_die("call", err);
    if (res.kind != WEFT_CVAL_U32) {
        fprintf(stderr, "callbench: result kind %d, expected u32\n", res.kind);
        exit(1);
    }
    return (uint32_t)res.u.u;
}

/* Best time (ns) over b->runs calls of the wasm loop `f`(n, len), checking its checksum. */
static double time_loop(bench_t *b, weft_component_func_t *f, uint32_t n, uint32_t len,
                        uint32_t expect)
{
    double best = 0;
    for (int r = 0; r < b->runs; r++) {
        double t0 = now_ns(b);
        uint32_t got = call2(b, f, n, len);
        double dt = now_ns(b) - t0;
        if (got != expect) {
            fprintf(stderr, "callbench: CHECKSUM MISMATCH: got %u, expected %u\n", got, expect);
            exit(1);
        }
        if (r == 0 || dt < best)
            best = dt;
    }
    return best;
}

/* The cross-component loop over `run` with n calls and `len` units, net of the base loop. */
static void cross(bench_t *b, const char *run, uint32_t len, uint32_t n, double *net,
                  double *raw, double *loop)
{
    weft_component_func_t *base = func(b, "base"), *f = func(b, run);
    uint32_t expect = (uint32_t)((uint64_t)n * len);
    (void)time_loop(b, f, n / 10 + 1, len, (uint32_t)((uint64_t)(n / 10 + 1) * len)); /* warm */
    double t_run = time_loop(b, f, n, len, expect);
    double t_base = time_loop(b, base, n, len, expect);
    *raw = t_run / n;
    *loop = t_base / n;
    *net = *raw - *loop;
}

/* The same call through weft_component_func_call_scalar(): core-typed values, no arena. */
static uint32_t call2_scalar(bench_t *b, weft_component_func_t *f, uint32_t x, uint32_t y)
{
    weft_val_t args[2], res;
    args[0].kind = WEFT_I32;
    args[0].of.i32 = (int32_t)x;
    args[1].kind = WEFT_I32;
    args[1].of.i32 = (int32_t)y;
    weft_error_t *err = weft_component_func_call_scalar(b->store, f, args, 2, &res, 1);
    if (err)
        bench_die("scalar call", err);
    return (uint32_t)res.of.i32;
}

/* n host->guest calls of h(i, 1) (through the scalar path if `scalar`); best per-call time
 * over b->runs repetitions. */
static double host_calls(bench_t *b, uint32_t n, bool scalar)
{
    weft_component_func_t *h = func(b, "h");
    double best = 0;
    for (int r = 0; r <= b->runs; r++) { /* r == 0 warms up */
        uint32_t sum = 0;
        double t0 = now_ns(b);
        if (scalar) {
            for (uint32_t i = 0; i < n; i++)
                sum += call2_scalar(b, h, i, 1);
        } else {
            for (uint32_t i = 0; i < n; i++)
                sum += call2(b, h, i, 1);
        }
        double dt = now_ns(b) - t0;
        uint32_t expect = (uint32_t)((uint64_t)n * (n + 1) / 2);
        if (sum != expect) {
            fprintf(stderr, "callbench: CHECKSUM MISMATCH in h: %u, expected %u\n", sum, expect);
            exit(1);
        }
        if (r == 1 || (r > 1 && dt < best))
            best = dt;
    }
    return best / n;
}

int main(int argc, char **argv)
{
    if (argc < 2 || argc > 3) {
        fprintf(stderr, "usage: callbench CALLS.wasm [LAST.txt]\n");
        return 2;
    }
    bench_env_t env = bench_env_read();
    bench_t b;
    memset(&b, 0, sizeof b);
    b.runs = env.runs;
    b.clock = env.clock;

    size_t len;
    uint8_t *bytes = bench_read_file(argv[1], &len);
    b.engine = weft_engine_new(NULL);
    b.store = b.engine ? weft_store_new(b.engine) : NULL;
    b.arena = b.engine ? weft_cval_arena_new(b.engine) : NULL;
    if (!b.store || !b.arena)
        bench_die("setup", NULL);
    weft_component_t *comp;
    weft_error_t *err = weft_component_new(b.engine, bytes, len, &comp);
    free(bytes);
    if (err)
        bench_die(argv[1], err);
    if ((err = weft_component_instance_new(b.store, comp, NULL, &b.inst)))
        bench_die("instantiate", err);

    static const struct {
        const char *name, *run;
        uint32_t len, n;
        double target;
    } cases[] = {
        {"string-utf8-16B", "run-f8", 16, 2000000, 100},
        {"string-utf8-4KiB", "run-f8", 4096, 200000, 0},
        {"string-utf16-16B", "run-f16", 16, 2000000, 0},
        {"string-utf16-4KiB", "run-f16", 4096, 100000, 0},
        {"list-u32-1000", "run-g", 1000, 200000, 0},
    };
    const size_t ncases = sizeof cases / sizeof cases[0];
    bench_result_t prev[BENCH_MAX_CASES], now[BENCH_MAX_CASES];
    size_t nprev = bench_read_last(argc > 2 ? argv[2] : NULL, prev, BENCH_MAX_CASES), nnow = 0;
    double scale = env.scale; /* fewer iterations for quick checks */

    printf("best of %d, %s time; cross-component = wasm loop minus the same loop over a core "
           "call\n",
           b.runs, env.wall ? "wall" : "cpu");
    printf("%-26s %10s %10s %10s %8s   %s\n", "case", "ns/call", "target", "raw", "loop",
           "vs previous");
    for (size_t i = 0; i <= ncases + 1; i++) {
        double ns, raw = 0, loop = 0, target;
        const char *name = i < ncases    ? cases[i].name
                           : i == ncases ? "host-to-guest-u32x2"
                                         : "host-to-guest-u32x2-scalar";
        if (!bench_want(&env, name)) /* one case, e.g. for a profiler */
            continue;
        if (i < ncases) {
            uint32_t n = (uint32_t)(cases[i].n * scale) + 1;
            cross(&b, cases[i].run, cases[i].len, n, &ns, &raw, &loop);
            target = cases[i].target;
        } else {
            ns = host_calls(&b, (uint32_t)(2000000 * scale) + 1, i > ncases);
            target = 60;
        }
        char tbuf[16] = "-", rbuf[16] = "-", lbuf[16] = "-", vbuf[32] = "";
        if (target > 0)
            snprintf(tbuf, sizeof tbuf, "<=%.0f", target);
        if (i < ncases) {
            snprintf(rbuf, sizeof rbuf, "%.1f", raw);
            snprintf(lbuf, sizeof lbuf, "%.1f", loop);
        }
        double p = bench_prev_of(prev, nprev, name);
        if (p > 0)
            snprintf(vbuf, sizeof vbuf, "vs previous: %.2fx", ns / p);
        printf("%-26s %10.1f %10s %10s %8s   %s%s\n", name, ns, tbuf, rbuf, lbuf, vbuf,
               target > 0 && ns > target ? "  (over target)" : "");
        fflush(stdout);
        bench_record(now, &nnow, BENCH_MAX_CASES, name, ns);
    }

    if (argc > 2 && !env.only) {
        char header[64];
        snprintf(header, sizeof header, "case ns_per_call (best of %d, %s time)", b.runs,
                 env.wall ? "wall" : "cpu");
        bench_write_last(argv[2], header, now, nnow);
    }
    weft_cval_arena_delete(b.arena);
    weft_store_delete(b.store);
    weft_component_delete(comp);
    weft_engine_delete(b.engine);
    return 0;
}
