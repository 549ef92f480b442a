// poll_oneoff with clock and stdin/stdout subscriptions, used directly.
#include <stdio.h>
#include <string.h>
#include <wasi/api.h>

int main(void) {
    __wasi_subscription_t subs[3];
    __wasi_event_t evs[3];
    __wasi_size_t n = 0;
    memset(subs, 0, sizeof subs);
    subs[0].userdata = 1;
    subs[0].u.tag = __WASI_EVENTTYPE_CLOCK;
    subs[0].u.u.clock.id = __WASI_CLOCKID_MONOTONIC;
    subs[0].u.u.clock.timeout = 5 * 1000000;
    // A clock alone: sleeps, then reports it.
    __wasi_errno_t e = __wasi_poll_oneoff(subs, evs, 1, &n);
    printf("clock: errno=%d n=%d userdata=%d type=%d\n", e, (int)n, (int)evs[0].userdata, evs[0].type);

    // stdin readable (bytes given by the host) and stdout writable: both
    // are ready at once, so the long clock does not fire.
    subs[0].u.u.clock.timeout = 10ull * 1000000000ull;
    subs[1].userdata = 2;
    subs[1].u.tag = __WASI_EVENTTYPE_FD_READ;
    subs[1].u.u.fd_read.file_descriptor = 0;
    subs[2].userdata = 3;
    subs[2].u.tag = __WASI_EVENTTYPE_FD_WRITE;
    subs[2].u.u.fd_write.file_descriptor = 1;
    e = __wasi_poll_oneoff(subs, evs, 3, &n);
    printf("fds: errno=%d n=%d\n", e, (int)n);
    for (unsigned i = 0; i < n; i++)
        printf("  event userdata=%d type=%d error=%d nbytes=%d\n", (int)evs[i].userdata, evs[i].type,
               evs[i].error, (int)evs[i].fd_readwrite.nbytes);

    // A bad descriptor is reported in its event, not as the call's error.
    subs[1].u.u.fd_read.file_descriptor = 99;
    e = __wasi_poll_oneoff(subs + 1, evs, 1, &n);
    printf("bad fd: errno=%d n=%d error=%d\n", e, (int)n, evs[0].error);
    return 0;
}
