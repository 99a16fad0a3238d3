/* Traps (unreachable) two calls deep; `weft run` must report it and exit with 134. */
#include <stdio.h>

__attribute__((noinline)) static void crash_here(int x)
{
    if (x > 0) __builtin_trap();
}

__attribute__((noinline)) void outer_function(int x)
{
    crash_here(x + 1);
}

int main(int argc, char **argv)
{
    (void)argv;
    printf("before trap\n");
    fflush(stdout);
    outer_function(argc);
    printf("not reached\n");
    return 0;
}
