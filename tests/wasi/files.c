/* File operations relative to the working directory (natively) or the preopened "." (WASI):
 * create, write, read, seek, stat, truncate, append, pread/pwrite, rename, unlink, errors. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include "common.h"

static void show_file(const char *path)
{
    char buf[256];
    int fd = open(path, O_RDONLY);
    if (fd < 0) {
        printf("read %s: %s\n", path, errno_name(errno));
        return;
    }
    ssize_t n = read(fd, buf, sizeof buf - 1);
    buf[n < 0 ? 0 : n] = 0;
    printf("read %s: %zd [%s]\n", path, n, buf);
    close(fd);
}

int main(void)
{
    show_file("hello.txt");

    int fd = open("new.txt", O_WRONLY | O_CREAT | O_TRUNC, 0644);
    printf("create: %s\n", fd >= 0 ? "OK" : errno_name(errno));
    printf("write: %zd\n", write(fd, "0123456789", 10));
    printf("lseek end: %lld\n", (long long)lseek(fd, 0, SEEK_END));
    printf("lseek set 4: %lld\n", (long long)lseek(fd, 4, SEEK_SET));
    printf("write: %zd\n", write(fd, "abc", 3));
    printf("lseek cur: %lld\n", (long long)lseek(fd, 0, SEEK_CUR));
    struct stat st;
    printf("fstat: %d size=%lld reg=%d\n", fstat(fd, &st), (long long)st.st_size,
           S_ISREG(st.st_mode));
    printf("read on write-only: %zd %s\n", read(fd, &st, 1), errno_name(errno));
    close(fd);
    show_file("new.txt");

    CHECK("create excl existing", open("new.txt", O_WRONLY | O_CREAT | O_EXCL, 0644));
    CHECK("open missing", open("missing.txt", O_RDONLY));
    CHECK("open dir for writing", open("sub", O_WRONLY));
    CHECK("open file as dir", open("hello.txt", O_RDONLY | O_DIRECTORY));
    CHECK("open through file", open("hello.txt/x", O_RDONLY));

    fd = open("new.txt", O_RDWR);
    char b[8] = {0};
    printf("pread: %zd [%.4s]\n", pread(fd, b, 4, 3), b);
    printf("pwrite: %zd\n", pwrite(fd, "XY", 2, 8));
    printf("pos after p*: %lld\n", (long long)lseek(fd, 0, SEEK_CUR));
    printf("ftruncate: %d\n", ftruncate(fd, 6));
    fstat(fd, &st);
    printf("size after truncate: %lld\n", (long long)st.st_size);
    printf("ftruncate grow: %d\n", ftruncate(fd, 12));
    fstat(fd, &st);
    printf("size after grow: %lld\n", (long long)st.st_size);
    printf("seek negative: %lld %s\n", (long long)lseek(fd, -100, SEEK_SET), errno_name(errno));
    close(fd);
    printf("close again: %d %s\n", close(fd), errno_name(errno));

    fd = open("new.txt", O_WRONLY | O_APPEND);
    printf("append: %zd\n", write(fd, "END", 3));
    close(fd);
    stat("new.txt", &st);
    printf("size after append: %lld\n", (long long)st.st_size);

    FILE *f = fopen("stdio.txt", "w+");
    fprintf(f, "line %d\nline %d\n", 1, 2);
    rewind(f);
    char line[64];
    while (fgets(line, sizeof line, f)) printf("fgets: %s", line);
    fclose(f);

    CHECK("rename", rename("stdio.txt", "renamed.txt"));
    CHECK("stat old name", stat("stdio.txt", &st));
    CHECK("stat new name", stat("renamed.txt", &st));
    CHECK("rename missing", rename("nope.txt", "nope2.txt"));
    CHECK("rename into sub", rename("renamed.txt", "sub/moved.txt"));
    show_file("sub/moved.txt");
    CHECK("unlink", unlink("sub/moved.txt"));
    CHECK("unlink again", unlink("sub/moved.txt"));
    CHECK("unlink dir", unlink("sub"));
    CHECK("unlink new", unlink("new.txt"));
    CHECK("access hello", access("hello.txt", F_OK));
    CHECK("access missing", access("missing.txt", F_OK));
    return 0;
}
