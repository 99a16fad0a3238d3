/* random_get through getentropy: two draws differ and are not all zero. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(void)
{
    unsigned char a[64], b[64], zero[64] = {0};
    int ra = getentropy(a, sizeof a), rb = getentropy(b, sizeof b);
    printf("getentropy: %d %d\n", ra, rb);
    printf("differ: %d\n", memcmp(a, b, sizeof a) != 0);
    printf("nonzero: %d\n", memcmp(a, zero, sizeof a) != 0);
    return 0;
}
