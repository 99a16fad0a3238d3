/* Prints the environment, sorted, and a few lookups. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern char **environ;

static int cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(void)
{
    size_t n = 0;
    while (environ[n]) n++;
    char **v = malloc((n + 1) * sizeof *v);
    if (!v) return 1;
    memcpy(v, environ, n * sizeof *v);
    qsort(v, n, sizeof *v, cmp);
    printf("count=%zu\n", n);
    for (size_t i = 0; i < n; i++) printf("%s\n", v[i]);
    const char *foo = getenv("FOO"), *missing = getenv("WEFT_NOT_SET");
    printf("FOO=%s\n", foo ? foo : "(null)");
    printf("WEFT_NOT_SET=%s\n", missing ? missing : "(null)");
    free(v);
    return 0;
}
