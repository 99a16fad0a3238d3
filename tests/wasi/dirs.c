/* Directory operations: mkdir, rmdir, listing (sorted; many long names so that fd_readdir
 * needs several calls and cookies), rewinddir, stat, nested paths. */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common.h"

static int cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Lists a directory sorted, without "." and "..", with a type letter. */
static int list(const char *path, int print)
{
    DIR *d = opendir(path);
    if (!d) {
        printf("opendir %s: %s\n", path, errno_name(errno));
        return -1;
    }
    char *names[512];
    int n = 0;
    struct dirent *de;
    while ((de = readdir(d)) && n < 512) {
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..")) continue;
        char t = de->d_type == DT_DIR ? 'd' : de->d_type == DT_REG ? 'f'
                 : de->d_type == DT_LNK ? 'l' : '?';
        size_t len = strlen(de->d_name);
        names[n] = malloc(len + 3);
        snprintf(names[n], len + 3, "%c %s", t, de->d_name);
        n++;
    }
    qsort(names, (size_t)n, sizeof *names, cmp);
    if (print) {
        printf("list %s: %d\n", path, n);
        for (int i = 0; i < n; i++) printf("  %s\n", names[i]);
    }
    /* rewinddir must give the same count again */
    rewinddir(d);
    int again = 0;
    while ((de = readdir(d)))
        if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..")) again++;
    if (again != n) printf("rewinddir mismatch %d != %d\n", again, n);
    closedir(d);
    for (int i = 0; i < n; i++) free(names[i]);
    return n;
}

int main(void)
{
    list(".", 1);
    CHECK("mkdir a", mkdir("a", 0755));
    CHECK("mkdir a again", mkdir("a", 0755));
    CHECK("mkdir a/b", mkdir("a/b", 0755));
    CHECK("mkdir x/y (missing parent)", mkdir("x/y", 0755));
    CHECK("mkdir a/b/c/", mkdir("a/b/c/", 0755));
    struct stat st;
    CHECK("stat a/b/c", stat("a/b/c", &st));
    printf("is dir: %d\n", S_ISDIR(st.st_mode));
    CHECK("rmdir a (not empty)", rmdir("a"));
    CHECK("rmdir hello.txt", rmdir("hello.txt"));
    CHECK("opendir hello.txt", opendir("hello.txt") ? 0 : -1);

    /* Enough long names to need several fd_readdir calls. */
    char name[200];
    for (int i = 0; i < 150; i++) {
        snprintf(name, sizeof name, "a/b/file_with_a_rather_long_name_to_fill_buffers_%03d", i);
        int fd = open(name, O_WRONLY | O_CREAT, 0644);
        if (fd < 0) {
            printf("create %s: %s\n", name, errno_name(errno));
            return 1;
        }
        close(fd);
    }
    printf("count a/b: %d\n", list("a/b", 0));
    list("a", 1);
    for (int i = 0; i < 150; i++) {
        snprintf(name, sizeof name, "a/b/file_with_a_rather_long_name_to_fill_buffers_%03d", i);
        if (unlink(name) != 0) printf("unlink %s: %s\n", name, errno_name(errno));
    }
    CHECK("rmdir a/b/c", rmdir("a/b/c"));
    CHECK("rmdir a/b", rmdir("a/b"));
    CHECK("rmdir a/", rmdir("a/"));
    CHECK("rmdir a again", rmdir("a"));
    /* telldir/seekdir: the cookie of a position gives the same entry again. */
    DIR *d = opendir(".");
    struct dirent *de = readdir(d);
    de = readdir(d);
    long pos = telldir(d);
    de = readdir(d);
    char first[256];
    snprintf(first, sizeof first, "%s", de ? de->d_name : "(end)");
    while (readdir(d)) {
    }
    seekdir(d, pos);
    de = readdir(d);
    printf("seekdir returns the same entry: %d\n", de && !strcmp(first, de->d_name));
    closedir(d);
    list("sub", 1);
    list("./sub/../sub/.", 1);
    return 0;
}
