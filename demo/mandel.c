/* mandel.c - the demo guest: a C program built for wasm32-wasip1 that draws the Mandelbrot set,
 * reads its arguments and environment, and writes a file in a preopened directory. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
    int width = argc > 1 ? atoi(argv[1]) : 72;
    int height = argc > 2 ? atoi(argv[2]) : 24;
    if (width < 8 || width > 400) width = 72;
    if (height < 4 || height > 200) height = 24;
    const char *shades = " .:-=+*#%@";
    unsigned long total = 0;
    for (int y = 0; y < height; y++) {
        char line[401];
        for (int x = 0; x < width; x++) {
            double cr = -2.2 + 3.0 * x / width, ci = -1.2 + 2.4 * y / height;
            double zr = 0, zi = 0;
            int it = 0;
            while (it < 200 && zr * zr + zi * zi < 4.0) {
                double t = zr * zr - zi * zi + cr;
                zi = 2 * zr * zi + ci;
                zr = t;
                it++;
            }
            total += (unsigned long)it;
            line[x] = shades[it == 200 ? 9 : it % 9];
        }
        line[width] = 0;
        puts(line);
    }
    const char *who = getenv("WHO");
    printf("hello from wasm, %s: %d x %d, %lu iterations\n", who ? who : "stranger", width, height,
           total);
    FILE *f = fopen("/out/mandel.txt", "w");
    if (f) {
        fprintf(f, "iterations %lu\n", total);
        fclose(f);
        puts("wrote /out/mandel.txt in the preopened directory");
    }
    return 0;
}
