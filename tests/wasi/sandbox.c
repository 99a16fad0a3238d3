/* Capability sandbox (WASI only; run with the fixture directory "sandbox" preopened as "."):
 * every attempt to reach a file outside the preopened directory must fail, while paths that
 * stay inside (even through "..", or symlinks that point inside) must work. argv[1] is the
 * absolute host path of a file outside the sandbox. */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common.h"

static void try_open(const char *label, const char *path, int flags)
{
    errno = 0;
    int fd = open(path, flags, 0644);
    if (fd < 0) {
        printf("%-40s %s\n", label, errno_name(errno));
        return;
    }
    char buf[64] = {0};
    ssize_t n = (flags & O_ACCMODE) == O_RDONLY ? read(fd, buf, sizeof buf - 1) : 0;
    if (n > 0 && buf[n - 1] == '\n') buf[n - 1] = 0;
    printf("%-40s OK [%s]\n", label, n > 0 ? buf : "");
    close(fd);
}

#define TRY(label, expr)                                                            \
    do {                                                                            \
        errno = 0;                                                                  \
        long r_ = (long)(expr);                                                     \
        printf("%-40s %s\n", (label), r_ < 0 ? errno_name(errno) : "OK");           \
    } while (0)

int main(int argc, char **argv)
{
    struct stat st;
    char buf[128];
    /* Legitimate access. */
    try_open("hello.txt", "hello.txt", O_RDONLY);
    try_open("./././hello.txt", "./././hello.txt", O_RDONLY);
    try_open("sub/../hello.txt", "sub/../hello.txt", O_RDONLY);
    try_open("sub/./../sub/inner.txt", "sub/./../sub/inner.txt", O_RDONLY);
    try_open("inside_link/inner.txt", "inside_link/inner.txt", O_RDONLY);
    try_open("inside_file_link", "inside_file_link", O_RDONLY);
    try_open("deep_ok (link via sub/..)", "deep_ok", O_RDONLY);
    try_open("sub/up/hello.txt (up -> ..)", "sub/up/hello.txt", O_RDONLY);
    TRY("lstat link_out (the link itself)", lstat("link_out", &st));
    errno = 0;
    ssize_t n = readlink("link_out", buf, sizeof buf - 1);
    printf("%-40s %s [%.*s]\n", "readlink link_out", n < 0 ? errno_name(errno) : "OK",
           n < 0 ? 0 : (int)n, buf);

    /* Escapes. */
    try_open("../outside/secret.txt", "../outside/secret.txt", O_RDONLY);
    try_open("sub/../../outside/secret.txt", "sub/../../outside/secret.txt", O_RDONLY);
    try_open("/etc/passwd", "/etc/passwd", O_RDONLY);
    if (argc > 1) try_open("absolute host path of secret", argv[1], O_RDONLY);
    try_open("link_out/secret.txt (-> ../outside)", "link_out/secret.txt", O_RDONLY);
    try_open("link_out/../hello.txt", "link_out/../hello.txt", O_RDONLY);
    TRY("stat link_out (follows)", stat("link_out", &st));
    try_open("abs_link/secret.txt (-> /abs/outside)", "abs_link/secret.txt", O_RDONLY);
    try_open("abs_file (-> /abs/outside/secret)", "abs_file", O_RDONLY);
    try_open("chain1/secret.txt (chain)", "chain1/secret.txt", O_RDONLY);
    try_open("sub/upup/outside/secret.txt", "sub/upup/outside/secret.txt", O_RDONLY);
    try_open("loop1 (symlink loop)", "loop1", O_RDONLY);
    try_open("..", "..", O_RDONLY | O_DIRECTORY);
    TRY("opendir ..", opendir("..") ? 0 : -1);
    TRY("mkdir ../escaped", mkdir("../escaped", 0755));
    TRY("mkdir link_out/escaped", mkdir("link_out/escaped", 0755));
    TRY("rename hello.txt ../stolen.txt", rename("hello.txt", "../stolen.txt"));
    TRY("unlink ../outside/secret.txt", unlink("../outside/secret.txt"));
    TRY("unlink link_out/secret.txt", unlink("link_out/secret.txt"));
    try_open("create ../created.txt", "../created.txt", O_WRONLY | O_CREAT);
    try_open("create link_out/created.txt", "link_out/created.txt", O_WRONLY | O_CREAT);
    TRY("symlink to absolute /etc/passwd", symlink("/etc/passwd", "newlink"));

    /* Symlinks created by the guest stay inside. */
    TRY("symlink hello.txt newlink", symlink("hello.txt", "newlink"));
    try_open("newlink", "newlink", O_RDONLY);
    TRY("unlink newlink", unlink("newlink"));
    TRY("symlink ../outside escape_link", symlink("../outside", "escape_link"));
    try_open("escape_link/secret.txt", "escape_link/secret.txt", O_RDONLY);
    TRY("unlink escape_link", unlink("escape_link"));
    /* A dangling link inside the sandbox: O_CREAT creates its target, inside. */
    try_open("create via dangling link", "dangling", O_WRONLY | O_CREAT);
    TRY("stat nothing_here", stat("nothing_here", &st));
    TRY("open O_NOFOLLOW on link", open("inside_file_link", O_RDONLY | O_NOFOLLOW));
    return 0;
}
