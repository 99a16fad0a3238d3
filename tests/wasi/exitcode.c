/* exit(argv[1]) when given, otherwise return 7 from main. */
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
    printf("exiting\n");
    if (argc > 1) exit(atoi(argv[1]));
    return 7;
}
