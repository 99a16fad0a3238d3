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
    int r = fstat(fd, &st);
    printf("fstat: %d size=%lld reg=%d\n", r, (long long)st.st_size, S_ISREG(st.st_mode));
    ssize_t rn = read(fd, &st, 1);
    printf("read on write-only: %zd %s\n", rn, errno_name(errno));
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
    long long off = (long long)lseek(fd, -100, SEEK_SET);
    printf("seek negative: %lld %s\n", off, errno_name(errno));
    close(fd);
    r = close(fd);
    printf("close again: %d %s\n", r, errno_name(errno));

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
    /* Timestamps: futimens and utimensat, with UTIME_OMIT. */
    fd = open("times.txt", O_WRONLY | O_CREAT, 0644);
    struct timespec ts[2] = {{1000000000, 250}, {1200000000, 500}};
    CHECK("futimens", futimens(fd, ts));
    fstat(fd, &st);
    printf("times: atime=%lld.%ld mtime=%lld.%ld\n", (long long)st.st_atim.tv_sec,
           st.st_atim.tv_nsec, (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
    ts[0].tv_nsec = UTIME_OMIT;
    ts[1].tv_sec = 1300000000;
    CHECK("utimensat omit atime", utimensat(AT_FDCWD, "times.txt", ts, 0));
    stat("times.txt", &st);
    printf("times: atime=%lld mtime=%lld\n", (long long)st.st_atim.tv_sec,
           (long long)st.st_mtim.tv_sec);
    /* fd_allocate, fd_advise, fd_sync, fd_datasync, fd_fdstat_set_flags */
    printf("posix_fallocate: %d\n", posix_fallocate(fd, 0, 100));
    fstat(fd, &st);
    printf("size after fallocate: %lld\n", (long long)st.st_size);
    printf("posix_fadvise: %d\n", posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL));
    CHECK("fsync", fsync(fd));
    CHECK("fdatasync", fdatasync(fd));
    CHECK("fcntl F_SETFL O_APPEND", fcntl(fd, F_SETFL, O_APPEND));
    printf("F_GETFL has O_APPEND: %d\n", (fcntl(fd, F_GETFL) & O_APPEND) != 0);
    lseek(fd, 0, SEEK_SET);
    printf("write with append: %zd\n", write(fd, "tail", 4));
    fstat(fd, &st);
    printf("size after append flag: %lld\n", (long long)st.st_size);
    close(fd);
    CHECK("unlink times.txt", unlink("times.txt"));

    /* Hard and symbolic links. */
    CHECK("link", link("hello.txt", "hard.txt"));
    stat("hello.txt", &st);
    printf("nlink: %ld\n", (long)st.st_nlink);
    show_file("hard.txt");
    CHECK("link existing", link("hello.txt", "hard.txt"));
    CHECK("unlink hard.txt", unlink("hard.txt"));
    CHECK("symlink", symlink("sub/inner.txt", "sl"));
    char target[64];
    ssize_t tl = readlink("sl", target, sizeof target);
    printf("readlink: %zd [%.*s]\n", tl, tl < 0 ? 0 : (int)tl, target);
    CHECK("lstat sl", lstat("sl", &st));
    printf("is link: %d\n", S_ISLNK(st.st_mode));
    CHECK("stat sl", stat("sl", &st));
    printf("target size: %lld\n", (long long)st.st_size);
    show_file("sl");
    CHECK("readlink of a file", readlink("hello.txt", target, sizeof target));
    CHECK("unlink sl", unlink("sl"));
    CHECK("access hello", access("hello.txt", F_OK));
    CHECK("access missing", access("missing.txt", F_OK));
    return 0;
}
