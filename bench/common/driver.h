/* driver.h - what the benchmark drivers (bench/component/callbench.c, bench/async/
 * asyncbench.c) share: the environment settings, the clock, error exits, reading the .wasm
 * file, and the previous-run file (one "name value" line a case, '#' lines are comments) with
 * the ratio against it.
 *
 * A header of static functions, so that each driver stays one self-contained program built by
 * its own run script. Define BENCH_PROG (the program's name, for messages) before including. */
#ifndef WEFT_BENCH_DRIVER_H
#define WEFT_BENCH_DRIVER_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "weft.h"

#ifndef BENCH_PROG
#error "define BENCH_PROG before including bench/common/driver.h"
#endif

#define BENCH_MAX_CASES 16
#define BENCH_NAME_MAX_LEN 32

typedef struct bench_result {
    char name[BENCH_NAME_MAX_LEN];
    double v;
} bench_result_t;

/* The settings every driver reads: BENCH_RUNS (default 5), BENCH_CLOCK (cpu|wall),
 * BENCH_SCALE (iteration-count factor, default 1) and BENCH_ONLY (one case, or NULL). */
typedef struct bench_env {
    int runs;
    bool wall;
    clockid_t clock;
    double scale;
    const char *only;
} bench_env_t;

static inline bench_env_t bench_env_read(void)
{
    bench_env_t e;
    const char *runs = getenv("BENCH_RUNS");
    e.runs = runs && atoi(runs) > 0 ? atoi(runs) : 5;
    const char *clk = getenv("BENCH_CLOCK");
    e.wall = clk && strcmp(clk, "wall") == 0;
    e.clock = e.wall ? CLOCK_MONOTONIC : CLOCK_PROCESS_CPUTIME_ID;
    e.scale = 1;
    const char *sc = getenv("BENCH_SCALE");
    if (sc && atof(sc) > 0)
        e.scale = atof(sc);
    e.only = getenv("BENCH_ONLY");
    if (e.only && !*e.only)
        e.only = NULL;
    return e;
}

/* Whether case `name` runs under BENCH_ONLY. */
static inline bool bench_want(const bench_env_t *e, const char *name)
{
    return !e->only || strcmp(e->only, name) == 0;
}

static inline double bench_now_ns(clockid_t clk)
{
    struct timespec ts;
    clock_gettime(clk, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static inline void bench_die(const char *what, weft_error_t *err)
{
    fprintf(stderr, BENCH_PROG ": %s: %s\n", what, err ? weft_error_message(err) : "failed");
    if (err)
        weft_error_delete(err);
    exit(1);
}

static inline weft_component_func_t *bench_func(weft_component_instance_t *inst,
                                                 const char *name)
{
    weft_component_func_t *f;
    if (!weft_component_instance_func(inst, name, strlen(name), &f)) {
        fprintf(stderr, BENCH_PROG ": no export %s\n", name);
        exit(1);
    }
    return f;
}

/* The whole file at `path` (malloc'd; the caller frees it); exits on failure. */
static inline uint8_t *bench_read_file(const char *path, size_t *len)
{
    FILE *fp = fopen(path, "rb");
    if (!fp) {
        fprintf(stderr, BENCH_PROG ": %s: %s\n", path, strerror(errno));
        exit(1);
    }
    size_t cap = 1 << 16, n = 0;
    uint8_t *buf = malloc(cap);
    while (buf) {
        n += fread(buf + n, 1, cap - n, fp);
        if (n < cap)
            break;
        uint8_t *nb = realloc(buf, cap * 2);
        if (!nb) {
            free(buf);
            buf = NULL;
            break;
        }
        buf = nb;
        cap *= 2;
    }
    fclose(fp);
    if (!buf) {
        fprintf(stderr, BENCH_PROG ": out of memory\n");
        exit(1);
    }
    *len = n;
    return buf;
}

/* The previous run's results from `path` (NULL or missing: none). */
static inline size_t bench_read_last(const char *path, bench_result_t *prev, size_t max)
{
    size_t k = 0;
    FILE *fp = path ? fopen(path, "r") : NULL;
    if (!fp)
        return 0;
    char line[256];
    while (k < max && fgets(line, sizeof line, fp)) {
        if (line[0] == '#')
            continue;
        char name[BENCH_NAME_MAX_LEN];
        double v;
        if (sscanf(line, "%31s %lf", name, &v) == 2) {
            memcpy(prev[k].name, name, sizeof name);
            prev[k].v = v;
            k++;
        }
    }
    fclose(fp);
    return k;
}

static inline double bench_prev_of(const bench_result_t *prev, size_t nprev, const char *name)
{
    for (size_t i = 0; i < nprev; i++)
        if (strcmp(prev[i].name, name) == 0)
            return prev[i].v;
    return 0;
}

/* Appends one result (dropped past `max`). */
static inline void bench_record(bench_result_t *now, size_t *nnow, size_t max, const char *name,
                                double v)
{
    if (*nnow < max) {
        snprintf(now[*nnow].name, sizeof now[*nnow].name, "%s", name);
        now[(*nnow)++].v = v;
    }
}

/* Rewrites the previous-run file `path` with this run's results (through path.tmp, so that an
 * interrupted run leaves the old file), under the comment line `header`. */
static inline void bench_write_last(const char *path, const char *header,
                                    const bench_result_t *now, size_t nnow)
{
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *fp = fopen(tmp, "w");
    if (fp) {
        fprintf(fp, "# %s\n", header);
        for (size_t i = 0; i < nnow; i++)
            fprintf(fp, "%s %.2f\n", now[i].name, now[i].v);
        if (fclose(fp) != 0 || rename(tmp, path) != 0)
            fprintf(stderr, BENCH_PROG ": cannot write %s\n", path);
    }
}

#endif
