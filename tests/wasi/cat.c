/* Prints each file named on the command line, or "NAME: ERRNO" when it cannot be opened. Used
 * with preopens under other guest names (--dir HOST::GUEST). */
#include <stdio.h>

#include "common.h"

int main(int argc, char **argv)
{
    int status = 0;
    for (int i = 1; i < argc; i++) {
        errno = 0;
        FILE *f = fopen(argv[i], "r");
        if (!f) {
            printf("%s: %s\n", argv[i], errno_name(errno));
            status = 1;
            continue;
        }
        int c;
        while ((c = fgetc(f)) != EOF) putchar(c);
        fclose(f);
    }
    return status;
}
