// Clocks, sleeping (poll_oneoff), random bytes, sched_yield.
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define CHECK(cond) do { if (!(cond)) { printf("FAILED line %d: %s (errno %d %s)\n", __LINE__, #cond, errno, strerror(errno)); return 1; } } while (0)

static long long ns(struct timespec t) { return t.tv_sec * 1000000000LL + t.tv_nsec; }

int main(void) {
    struct timespec t0, t1, real, res;
    CHECK(clock_gettime(CLOCK_REALTIME, &real) == 0);
    printf("realtime after 2020: %d\n", real.tv_sec > 1577836800);
    CHECK(time(NULL) > 1577836800);
    CHECK(clock_getres(CLOCK_MONOTONIC, &res) == 0);
    printf("monotonic resolution <= 1ms: %d\n", ns(res) > 0 && ns(res) <= 1000000);

    CHECK(clock_gettime(CLOCK_MONOTONIC, &t0) == 0);
    struct timespec req = {0, 20 * 1000000};
    CHECK(nanosleep(&req, NULL) == 0);
    CHECK(clock_gettime(CLOCK_MONOTONIC, &t1) == 0);
    long long slept = ns(t1) - ns(t0);
    printf("slept at least 20ms: %d\n", slept >= 20000000);
    printf("slept less than 2s: %d\n", slept < 2000000000LL);
    CHECK(usleep(1000) == 0);
    CHECK(clock() >= 0);
    CHECK(sched_yield() == 0);

    unsigned char a[32], b[32];
    CHECK(getentropy(a, sizeof a) == 0);
    CHECK(getentropy(b, sizeof b) == 0);
    printf("random buffers differ: %d\n", memcmp(a, b, sizeof a) != 0);
    int zeros = 0;
    for (int i = 0; i < 32; i++)
        zeros += a[i] == 0;
    printf("random not all zero: %d\n", zeros < 32);
    printf("ok\n");
    return 0;
}
