/* Clocks and sleeping (clock_time_get, clock_res_get, poll_oneoff via nanosleep). */
#include <poll.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

static long long ns(const struct timespec *t)
{
    return (long long)t->tv_sec * 1000000000LL + t->tv_nsec;
}

int main(void)
{
    struct timespec a, b, r;
    clock_gettime(CLOCK_REALTIME, &a);
    printf("realtime after 2020: %d\n", a.tv_sec > 1577836800);
    printf("time() agrees: %d\n", (long long)time(NULL) - (long long)a.tv_sec <= 1);
    printf("realtime res ok: %d\n", clock_getres(CLOCK_REALTIME, &r) == 0 && ns(&r) > 0);
    printf("monotonic res ok: %d\n", clock_getres(CLOCK_MONOTONIC, &r) == 0 && ns(&r) > 0);
    clock_gettime(CLOCK_MONOTONIC, &a);
    struct timespec req = {0, 20 * 1000000};
    nanosleep(&req, NULL);
    clock_gettime(CLOCK_MONOTONIC, &b);
    long long slept = ns(&b) - ns(&a);
    printf("nanosleep 20ms: %d\n", slept >= 20000000LL && slept < 2000000000LL);
    clock_gettime(CLOCK_MONOTONIC, &a);
    usleep(5000);
    clock_gettime(CLOCK_MONOTONIC, &b);
    printf("usleep 5ms: %d\n", ns(&b) - ns(&a) >= 5000000LL);
    struct timespec c0, c1;
    printf("cputime: %d\n", clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c0) == 0);
    volatile unsigned long x = 0;
    for (unsigned long i = 0; i < 3000000; i++) x += i;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c1);
    printf("cputime advances: %d\n", ns(&c1) > ns(&c0));
    /* poll(): a descriptor is ready at once; with none it sleeps for the timeout. */
    struct pollfd pfd = {0, POLLIN, 0};
    int pr = poll(&pfd, 1, 1000);
    printf("poll stdin: %d %d\n", pr, (pfd.revents & POLLIN) != 0);
    clock_gettime(CLOCK_MONOTONIC, &a);
    pr = poll(NULL, 0, 15);
    clock_gettime(CLOCK_MONOTONIC, &b);
    printf("poll timeout 15ms: %d %d\n", pr, ns(&b) - ns(&a) >= 15000000LL);
    return 0;
}
