/* test_wasi_path.c - the WASI capability sandbox: weft__wasi_path_resolve() on a fixture of
 * directories and symlinks, checking that every escape is refused and in-sandbox paths
 * resolve to the right directory and name. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "wasi/wasi_impl.h"

static int failures;

static void mk(const char *root, const char *rel, const char *content)
{
    char p[1024];
    snprintf(p, sizeof p, "%s/%s", root, rel);
    if (!content) {
        if (mkdir(p, 0755) != 0) perror(p);
        return;
    }
    FILE *f = fopen(p, "w");
    if (!f) {
        perror(p);
        return;
    }
    fputs(content, f);
    fclose(f);
}

static void ln(const char *root, const char *target, const char *rel)
{
    char p[1024];
    snprintf(p, sizeof p, "%s/%s", root, rel);
    if (symlink(target, p) != 0) perror(p);
}

/* Resolves `path`; expects errno `want`, and for success that reading the result gives
 * `content` (NULL: only check that the name exists or is "."). */
static void check(weft_wasi_t *w, const char *path, bool follow, int want, const char *content)
{
    weft__wasi_path_t p;
    int e = weft__wasi_path_resolve(w, weft__wasi_fd_get(w, 3), path, strlen(path), follow, &p);
    bool good = e == want;
    char got[64] = "";
    if (good && e == 0 && content) {
        int fd = openat(p.dirfd, p.name, O_RDONLY | O_NOFOLLOW);
        ssize_t n = fd >= 0 ? read(fd, got, sizeof got - 1) : -1;
        if (n >= 0) got[n] = 0;
        if (fd >= 0) close(fd);
        good = strcmp(got, content) == 0;
    }
    if (e == 0) weft__wasi_path_done(&p);
    if (!good) {
        failures++;
        printf("FAIL %-34s follow=%d: errno %d (want %d) content [%s]\n", path, follow, e, want,
               got);
    }
}

int main(void)
{
    char tmpl[] = "/tmp/weft-wasi-path-XXXXXX";
    char *root = mkdtemp(tmpl);
    if (!root) {
        perror("mkdtemp");
        return 1;
    }
    char box[1024], abs_out[1024];
    snprintf(box, sizeof box, "%s/box", root);
    snprintf(abs_out, sizeof abs_out, "%s/outside", root);
    mk(root, "outside", NULL);
    mk(root, "outside/secret", "secret");
    mk(root, "box", NULL);
    mk(box, "a.txt", "A");
    mk(box, "d", NULL);
    mk(box, "d/e", NULL);
    mk(box, "d/e/f.txt", "F");
    ln(box, "../outside", "out");
    ln(box, abs_out, "abs");
    ln(box, "d/e", "in");
    ln(box, "d/e/f.txt", "fl");
    ln(box, "l2", "l1");
    ln(box, "l1", "l2");
    ln(box, "c2", "c1");
    ln(box, "d/../../outside", "c2");
    ln(box, "..", "d/up");
    ln(box, "../..", "d/upup");
    ln(box, "missing", "dangling");

    weft_wasi_t *w = weft_wasi_new(NULL);
    if (!w || weft_wasi_preopen(w, box, ".") != NULL) {
        printf("setup failed\n");
        return 1;
    }
    check(w, "a.txt", false, 0, "A");
    check(w, "./a.txt", false, 0, "A");
    check(w, "d/e/f.txt", false, 0, "F");
    check(w, "d//e///f.txt", false, 0, "F");
    check(w, "d/e/../../a.txt", false, 0, "A");
    check(w, "in/f.txt", false, 0, "F");
    check(w, "fl", true, 0, "F");
    check(w, "d/up/a.txt", false, 0, "A");
    check(w, "d/up/d/up/d/e/f.txt", true, 0, "F");
    check(w, ".", false, 0, NULL);
    check(w, "d/..", false, 0, NULL);
    check(w, "d/e/", false, 0, NULL);
    check(w, "dangling", true, 0, NULL);  /* resolves to "missing" inside */
    check(w, "nonexistent/x", false, 44, NULL);
    check(w, "a.txt/x", false, 54, NULL);
    check(w, "", false, 44, NULL);

    check(w, "..", false, 76, NULL);
    check(w, "../outside/secret", false, 76, NULL);
    check(w, "d/../../outside/secret", false, 76, NULL);
    check(w, "/etc/passwd", false, 76, NULL);
    check(w, "out/secret", false, 76, NULL);
    check(w, "out", true, 76, NULL);
    check(w, "out/../a.txt", false, 76, NULL);
    check(w, "abs/secret", false, 76, NULL);
    check(w, "abs", true, 76, NULL);
    check(w, "c1/secret", false, 76, NULL);
    check(w, "d/upup/outside/secret", false, 76, NULL);
    check(w, "l1", true, 32, NULL);
    check(w, "l1/x", false, 32, NULL);
    /* Without following, the final link itself is the result (inside the sandbox). */
    check(w, "out", false, 0, NULL);
    check(w, "abs", false, 0, NULL);
    check(w, "l1", false, 0, NULL);

    weft_wasi_delete(w);
    char cmd[1100];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
    if (system(cmd) != 0) printf("cleanup of %s failed\n", root);
    printf("test_wasi_path: %s (%d failures)\n", failures ? "FAIL" : "ok", failures);
    return failures ? 1 : 0;
}
