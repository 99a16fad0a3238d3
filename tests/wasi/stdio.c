/* Copies stdin to stdout with ASCII letters upper-cased, then prints the byte count and a
 * checksum; writes a note on stderr. */
#include <ctype.h>
#include <stdio.h>
#include <unistd.h>

int main(void)
{
    unsigned char buf[777];
    unsigned long total = 0, sum = 0;
    ssize_t n;
    while ((n = read(0, buf, sizeof buf)) > 0) {
        for (ssize_t i = 0; i < n; i++) {
            sum = sum * 31 + buf[i];
            if (buf[i] < 128) buf[i] = (unsigned char)toupper(buf[i]);
        }
        fwrite(buf, 1, (size_t)n, stdout);
        total += (unsigned long)n;
    }
    printf("\nbytes=%lu sum=%lu\n", total, sum & 0xffffffffu);
    fprintf(stderr, "stderr works\n");
    return 0;
}
