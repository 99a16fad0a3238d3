/* wast.c - `weft wast`: runs WebAssembly spec test scripts (core and Component Model) and
 * reports a line per script and the totals; also the single-script interface of the test
 * programs build/weft-wast and build/weft-cwast.
 *
 * A script is either the JSON command list that a converter wrote (wabt's wast2json for core
 * scripts, tests/component/wast2json.mjs for component scripts and the core scripts wabt
 * cannot read) or a .wast file, which is converted first into a temporary folder with those
 * same converters. Whether a script is a component script is read from its commands
 * (`component ...`) or, for a .wast, from its text (a `(component` form). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/wast_common.h"

extern char **environ;

typedef enum kind { KIND_AUTO, KIND_CORE, KIND_COMPONENT } kind_t;

typedef struct wast_cli {
    weft_wast_opts_t o;
    kind_t kind;
    const char **paths;
    size_t npaths;
    /* totals */
    unsigned long files, passed, failed, xfail, xpass;
    bool input_error;
} wast_cli_t;

static void usage(FILE *f)
{
    fputs("Usage: weft wast [options] FILE.json|FILE.wast|FOLDER...\n"
          "Runs WebAssembly spec test scripts: core scripts (the spec's test suite) and\n"
          "Component Model scripts. A FOLDER runs every .wast file under it (or, when it has\n"
          "none, every .json script), in name order. A .wast file is converted first: a core\n"
          "script with wabt's wast2json (then tests/component/wast2json.mjs --core when wabt\n"
          "cannot read it), a component script with tests/component/wast2json.mjs, which needs\n"
          "node and the pinned parser of scripts/install-node-deps ($WEFT_WAST2JSON_MJS names\n"
          "another copy of the converter). A .json file is a script such a converter wrote.\n"
          "\n"
          "Options:\n"
          "  --expected-failures FILE  the checks expected to fail: FILE.wast:LINE entries (or\n"
          "                       FILE.wast:* for a whole file), '#' comments. A listed check\n"
          "                       that fails is an expected failure; one that passes is\n"
          "                       reported (\"remove it from the list\")\n"
          "  --wasm2              core scripts: turn the features past Wasm 2.0 off (the 2.0\n"
          "                       suite expects some of their encodings to be malformed)\n"
          "  --core, --component  the kind of the scripts (default: read from each script)\n"
          "  -v, --verbose        print each failing check with its line, what was expected\n"
          "                       and what happened\n"
          "  -h, --help           show this help\n"
          "\n"
          "Output: a line per script, `PASS NAME (N assertions)` or `FAIL NAME (P passed, F\n"
          "failed)` (core scripts also count the text-format assertions a binary runtime\n"
          "skips), `SKIP NAME (...)` for a script no converter could convert; then, with\n"
          "--expected-failures, the expected and unexpected failures, and last\n"
          "`N passed, N failed` (checks; expected failures are included in \"failed\").\n"
          "Exit status: 0 when no check failed unexpectedly, 1 otherwise, 2 for a bad command\n"
          "line or an input that cannot be read or converted.\n",
          f);
}

/* ------------------------------------------------------------------------------------------ */
/* Converting .wast files */

static bool file_exists(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

/* Runs argv[0] (searched in PATH) with stdout and stderr into `log`; returns its exit status,
 * 127 when it cannot be started, 128 + N when killed by signal N. */
static int run_tool(char *const argv[], const char *log)
{
    posix_spawn_file_actions_t fa;
    if (posix_spawn_file_actions_init(&fa)) return 127;
    posix_spawn_file_actions_addopen(&fa, 1, log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&fa, 1, 2);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    pid_t pid;
    int rc = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc) return 127;
    int st;
    while (waitpid(pid, &st, 0) < 0)
        if (errno != EINTR) return 127;
    if (WIFEXITED(st)) return WEXITSTATUS(st);
    return WIFSIGNALED(st) ? 128 + WTERMSIG(st) : 127;
}

static bool in_path(const char *tool)
{
    const char *path = getenv("PATH");
    if (!path) return false;
    char buf[PATH_MAX];
    while (*path) {
        const char *end = strchr(path, ':');
        size_t n = end ? (size_t)(end - path) : strlen(path);
        if (n && n < sizeof buf - strlen(tool) - 2) {
            snprintf(buf, sizeof buf, "%.*s/%s", (int)n, path, tool);
            if (access(buf, X_OK) == 0) return true;
        }
        path += n + (end ? 1 : 0);
    }
    return false;
}

/* The converter tests/component/wast2json.mjs: $WEFT_WAST2JSON_MJS, else beside the weft
 * binary's source tree (BUILD/weft -> BUILD/../tests/component), else under the current
 * folder. Returns false with a reason when it or node or its packages are missing. */
static bool find_mjs(char *out, size_t outlen, char *why, size_t whylen)
{
    const char *env = getenv("WEFT_WAST2JSON_MJS");
    out[0] = '\0';
    if (env && *env) {
        snprintf(out, outlen, "%s", env);
    } else {
        char exe[PATH_MAX];
        ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
        if (n > 0) {
            exe[n] = '\0';
            char *slash = strrchr(exe, '/');
            if (slash) *slash = '\0';
            int k = snprintf(out, outlen, "%s/../tests/component/wast2json.mjs", exe);
            if (k < 0 || (size_t)k >= outlen) out[0] = '\0';
        }
        if (!out[0] || !file_exists(out)) snprintf(out, outlen, "tests/component/wast2json.mjs");
    }
    if (!file_exists(out)) {
        snprintf(why, whylen, "the converter tests/component/wast2json.mjs was not found (set "
                              "WEFT_WAST2JSON_MJS)");
        return false;
    }
    if (!in_path("node")) {
        snprintf(why, whylen, "node is not installed (the converter tests/component/"
                              "wast2json.mjs needs Node.js 20 or newer)");
        return false;
    }
    /* The pinned parser, installed by scripts/install-node-deps into the tree's node_modules
     * (two folders above the converter). */
    char parser[PATH_MAX + 96];
    const char *slash = strrchr(out, '/');
    snprintf(parser, sizeof parser,
             "%.*s%s../../node_modules/@bytecodealliance/jco-transpile/vendor/wasm-tools.js",
             slash ? (int)(slash - out) : 0, out, slash ? "/" : "");
    if (!file_exists(parser)) {
        snprintf(why, whylen, "the npm packages of the converter are not installed (run "
                              "scripts/install-node-deps)");
        return false;
    }
    return true;
}

/* The first non-empty line of a log file, for a message. */
static void first_line(const char *log, char *buf, size_t len)
{
    buf[0] = '\0';
    FILE *f = fopen(log, "r");
    if (!f) return;
    char line[512];
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = '\0';
        if (line[0]) {
            snprintf(buf, len, "%s", line);
            break;
        }
    }
    fclose(f);
}

/* Whether the text of a .wast file has a component form. */
static bool wast_is_component(const char *path)
{
    uint8_t *text;
    size_t len;
    if (!weft__wast_read_file(path, &text, &len)) return false;
    bool comp = false;
    for (size_t i = 0; i + 10 <= len && !comp; i++)
        comp = text[i] == '(' && memcmp(text + i + 1, "component", 9) == 0;
    free(text);
    return comp;
}

/* Converts `wast` into `json` (in a fresh folder). Returns 0, 1 when the converters reject the
 * script (reason in why), 2 when no converter is available (reason in why). */
static int convert(const char *wast, const char *json, bool component, char *why, size_t whylen)
{
    char log[PATH_MAX * 2 + 8], mjs[PATH_MAX], mwhy[256];
    int k = snprintf(log, sizeof log, "%s.log", json);
    if (k < 0 || (size_t)k >= sizeof log) {
        snprintf(why, whylen, "path too long");
        return 2;
    }
    if (!component && in_path("wast2json")) {
        /* The default features first: the flags of later proposals change how some Wasm 2.0
         * scripts convert. */
        char *a1[] = {"wast2json", (char *)wast, "-o", (char *)json, NULL};
        char *a2[] = {"wast2json", "--enable-all", (char *)wast, "-o", (char *)json, NULL};
        if (run_tool(a1, log) == 0 || run_tool(a2, log) == 0) return 0;
        first_line(log, why, whylen);
    } else if (!component) {
        snprintf(why, whylen, "wast2json (wabt) is not installed");
    }
    if (!find_mjs(mjs, sizeof mjs, mwhy, sizeof mwhy)) {
        if (component || !why[0]) snprintf(why, whylen, "%s", mwhy);
        else weft__wast_bprintf(why, whylen, "; fallback unavailable: %s", mwhy);
        return 2;
    }
    char *a3[] = {"node", mjs, "--core", (char *)wast, "-o", (char *)json, NULL};
    char *a4[] = {"node", mjs, (char *)wast, "-o", (char *)json, NULL};
    /* Status 1: some forms could not be encoded; their commands fail when run. */
    int rc = run_tool(component ? a4 : a3, log);
    if (rc <= 1 && file_exists(json)) return 0;
    char msg[256];
    first_line(log, msg, sizeof msg);
    if (why[0]) weft__wast_bprintf(why, whylen, "; wast2json.mjs%s: ", component ? "" : " --core");
    weft__wast_bprintf(why, whylen, "%s", msg[0] ? msg : "conversion failed");
    return 1;
}

/* Removes the converter's output folder. */
static void remove_tree(const char *dir)
{
    DIR *d = opendir(dir);
    if (d) {
        struct dirent *e;
        while ((e = readdir(d)) != NULL) {
            if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
            char *p = weft__wast_path(dir, e->d_name);
            unlink(p);
            free(p);
        }
        closedir(d);
    }
    rmdir(dir);
}

/* ------------------------------------------------------------------------------------------ */
/* Running scripts */

static void add_counts(wast_cli_t *c, const weft_wast_counts_t *n)
{
    c->passed += n->passed;
    c->failed += n->failed;
    c->xfail += n->xfail;
    c->xpass += n->xpass;
}

/* Runs a converted script; `name` is its display name (and its key in the expected-failures
 * list). */
static void run_json(wast_cli_t *c, const char *json, const char *name, kind_t kind)
{
    weft_wast_opts_t o = c->o;
    o.name = name;
    if (kind == KIND_AUTO) {
        weft_wast_script_t s;
        if (!weft__wast_script_load(&o, json, &s)) {
            c->input_error = true;
            return;
        }
        kind = weft__wast_script_is_component(s.commands) ? KIND_COMPONENT : KIND_CORE;
        weft__wast_script_free(&s);
    }
    weft_wast_counts_t n;
    int rc = kind == KIND_COMPONENT ? weft__wast_component_run(&o, json, &n)
                                    : weft__wast_core_run(&o, json, &n);
    if (rc == 2) c->input_error = true;
    c->files++;
    add_counts(c, &n);
}

static void run_wast(wast_cli_t *c, const char *wast, const char *name)
{
    bool component = c->kind == KIND_COMPONENT ||
                     (c->kind == KIND_AUTO && wast_is_component(wast));
    const char *tmp = getenv("TMPDIR");
    char dir[PATH_MAX];
    snprintf(dir, sizeof dir, "%s/weft-wast.XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(dir)) {
        fprintf(stderr, "%s: cannot make a temporary folder: %s\n", c->o.prog, strerror(errno));
        c->input_error = true;
        return;
    }
    /* The JSON takes the script's base name: the converters name the module files after it. */
    const char *base = strrchr(wast, '/');
    base = base ? base + 1 : wast;
    size_t bl = strlen(base);
    if (bl > 5 && !strcmp(base + bl - 5, ".wast")) bl -= 5;
    char json[PATH_MAX * 2];
    snprintf(json, sizeof json, "%s/%.*s.json", dir, (int)bl, base);
    char why[1024] = "";
    int rc = convert(wast, json, component, why, sizeof why);
    if (rc == 0) {
        /* Component scripts are named by their file name in the expected-failures list (as
         * tests/component/run does), core scripts by their path under the folder. */
        run_json(c, json, component ? base : name, component ? KIND_COMPONENT : KIND_CORE);
    } else {
        printf("SKIP %s  (cannot convert: %s)\n", name, why);
        if (rc == 2)
            fprintf(stderr, "%s: %s: %s\n", c->o.prog, wast, why);
        c->input_error = true;
    }
    fflush(stdout);
    remove_tree(dir);
}

static bool has_suffix(const char *s, const char *suf)
{
    size_t n = strlen(s), m = strlen(suf);
    return n >= m && !strcmp(s + n - m, suf);
}

typedef struct list {
    char **items;
    size_t n;
} list_t;

static void list_add(list_t *l, char *s)
{
    l->items = weft__wast_xrealloc(l->items, (l->n + 1) * sizeof *l->items);
    l->items[l->n++] = s;
}

/* Collects the files ending in `suffix` under `dir`, as paths relative to the walk's root. */
static void walk(const char *root, const char *rel, const char *suffix, list_t *out)
{
    char *dir = rel[0] ? weft__wast_path(root, rel) : weft__wast_strdup(root);
    DIR *d = opendir(dir);
    if (!d) {
        free(dir);
        return;
    }
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.') continue;
        char *sub = rel[0] ? weft__wast_path(rel, e->d_name) : weft__wast_strdup(e->d_name);
        char *full = weft__wast_path(root, sub);
        struct stat st;
        if (stat(full, &st) == 0 && S_ISDIR(st.st_mode)) {
            walk(root, sub, suffix, out);
            free(sub);
        } else if (S_ISREG(st.st_mode) && has_suffix(e->d_name, suffix)) {
            list_add(out, sub);
        } else {
            free(sub);
        }
        free(full);
    }
    closedir(d);
    free(dir);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void run_folder(wast_cli_t *c, const char *folder)
{
    list_t l = {NULL, 0};
    bool json = false;
    walk(folder, "", ".wast", &l);
    if (l.n == 0) {
        walk(folder, "", ".json", &l);
        json = true;
    }
    if (l.n == 0) fprintf(stderr, "%s: no .wast or .json files under %s\n", c->o.prog, folder);
    qsort(l.items, l.n, sizeof *l.items, cmp_str);
    for (size_t i = 0; i < l.n; i++) {
        char *full = weft__wast_path(folder, l.items[i]);
        if (json) run_json(c, full, NULL, c->kind);
        else run_wast(c, full, l.items[i]);
        free(full);
        free(l.items[i]);
    }
    free(l.items);
}

static void run_path(wast_cli_t *c, const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        fprintf(stderr, "%s: cannot open '%s': %s\n", c->o.prog, path, strerror(errno));
        c->input_error = true;
        return;
    }
    if (S_ISDIR(st.st_mode)) {
        run_folder(c, path);
    } else if (has_suffix(path, ".wast")) {
        const char *base = strrchr(path, '/');
        run_wast(c, path, base ? base + 1 : path);
    } else {
        run_json(c, path, NULL, c->kind);
    }
}

/* ------------------------------------------------------------------------------------------ */
/* Command lines */

/* Parses the options shared by `weft wast` and the test programs. Returns 0, -1 for --help,
 * 2 for a bad command line (printed). */
static int parse(int argc, char **argv, wast_cli_t *c, bool single)
{
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        const char **val = NULL;
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) return -1;
        else if (!strcmp(a, "-v") || !strcmp(a, "--verbose")) c->o.verbose = true;
        else if (!strcmp(a, "--wasm2")) c->o.wasm2 = true;
        else if (!strcmp(a, "--core") && !single) c->kind = KIND_CORE;
        else if (!strcmp(a, "--component") && !single) c->kind = KIND_COMPONENT;
        else if (!strcmp(a, "--count") && single) c->o.count_only = true;
        else if (!strcmp(a, "--expected-failures")) val = &c->o.expected_path;
        else if (!strcmp(a, "--name") && single) val = &c->o.name;
        else if (!strcmp(a, "--progress") && single) val = &c->o.progress_path;
        else if (!strcmp(a, "--")) {
            for (i++; i < argc; i++) c->paths[c->npaths++] = argv[i];
            break;
        } else if (a[0] == '-' && a[1]) {
            fprintf(stderr, "%s: unknown option '%s'%s\n", c->o.prog, a,
                    single ? "" : " (try 'weft wast --help')");
            return 2;
        } else {
            c->paths[c->npaths++] = a;
        }
        if (val) {
            if (i + 1 >= argc) {
                fprintf(stderr, "%s: option '%s' needs a value\n", c->o.prog, a);
                return 2;
            }
            *val = argv[++i];
        }
    }
    return 0;
}

int weft__wast_single_main(int argc, char **argv, bool component)
{
    const char *prog = component ? "weft-cwast" : "weft-wast";
    const char **paths = calloc((size_t)argc + 1, sizeof *paths);
    if (!paths) return 2;
    wast_cli_t c;
    memset(&c, 0, sizeof c);
    c.o.prog = prog;
    c.paths = paths;
    int st = parse(argc - 1, argv + 1, &c, true);
    if (st || c.npaths != 1) {
        fprintf(stderr, "usage: %s [-v] [--name NAME] [--expected-failures FILE]%s SCRIPT.json\n",
                prog, component ? "" : " [--progress FILE] [--count] [--wasm2]");
        free(paths);
        return 2;
    }
    weft_wast_counts_t n;
    st = component ? weft__wast_component_run(&c.o, paths[0], &n)
                   : weft__wast_core_run(&c.o, paths[0], &n);
    free(paths);
    return st;
}

int weft__cli_wast(int argc, char **argv)
{
    const char **paths = calloc((size_t)argc + 1, sizeof *paths);
    if (!paths) {
        fputs("weft: out of memory\n", stderr);
        return WEFT_CLI_FAILURE;
    }
    wast_cli_t c;
    memset(&c, 0, sizeof c);
    c.o.prog = "weft wast";
    c.paths = paths;
    int st = parse(argc, argv, &c, false);
    if (st < 0) {
        usage(stdout);
        free(paths);
        return WEFT_CLI_OK;
    }
    if (!st && c.npaths == 0) {
        fputs("weft wast: no script or folder given (try 'weft wast --help')\n", stderr);
        st = WEFT_CLI_USAGE;
    }
    if (!st && c.o.expected_path && !file_exists(c.o.expected_path)) {
        fprintf(stderr, "weft wast: cannot open '%s'\n", c.o.expected_path);
        st = WEFT_CLI_USAGE;
    }
    if (st) {
        free(paths);
        return WEFT_CLI_USAGE;
    }
    for (size_t i = 0; i < c.npaths; i++) run_path(&c, paths[i]);
    free(paths);
    if (c.o.expected_path)
        printf("expected failures: %lu; unexpected failures: %lu; listed but passing now: %lu\n",
               c.xfail, c.failed, c.xpass);
    printf("%lu passed, %lu failed\n", c.passed, c.failed + c.xfail);
    fflush(stdout);
    if (c.input_error) return 2;
    return c.failed ? 1 : 0;
}
