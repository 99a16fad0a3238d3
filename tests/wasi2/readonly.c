/* Guest program for a read-only preopen (run with its directory preopened read-only as "."):
 * reading works, every change to the directory or its files fails with EROFS. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void report(const char *label, int r)
{
    printf("%-28s %s\n", label, r < 0 ? (errno == EROFS ? "EROFS" : strerror(errno)) : "OK");
}

int main(void)
{
    char buf[64] = {0};
    int fd = open("hello.txt", O_RDONLY);
    ssize_t n = fd >= 0 ? read(fd, buf, sizeof buf - 1) : -1;
    printf("%-28s %s", "read hello.txt", n > 0 ? buf : "failed\n");
    if (fd >= 0) close(fd);
    errno = 0;
    report("create new.txt", open("new.txt", O_WRONLY | O_CREAT, 0644));
    report("open hello.txt for writing", open("hello.txt", O_WRONLY));
    report("truncate hello.txt", open("hello.txt", O_RDONLY | O_TRUNC));
    report("mkdir made", mkdir("made", 0755));
    report("unlink hello.txt", unlink("hello.txt"));
    report("rename hello.txt", rename("hello.txt", "moved.txt"));
    report("rmdir sub", rmdir("sub"));
    report("symlink", symlink("hello.txt", "link"));
    report("mkdir sub/deeper", mkdir("sub/deeper", 0755));
    struct stat st;
    report("stat sub/inner.txt", stat("sub/inner.txt", &st));
    return 0;
}
