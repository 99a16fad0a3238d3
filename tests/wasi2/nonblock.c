/* nonblock.c - runs a command with its stdout in non-blocking mode (O_NONBLOCK on the open
 * file description, which the command shares): `nonblock CMD ARGS...` (tests/wasi2/run). */
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    int fl = fcntl(1, F_GETFL);
    if (argc < 2 || fl < 0 || fcntl(1, F_SETFL, fl | O_NONBLOCK) < 0) {
        fprintf(stderr, "usage: nonblock CMD ARGS... (stdout must be open)\n");
        return 2;
    }
    execvp(argv[1], argv + 1);
    perror(argv[1]);
    return 127;
}
