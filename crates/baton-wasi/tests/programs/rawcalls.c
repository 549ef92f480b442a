// Calls WASI directly with bad pointers, lengths, descriptors and flags:
// each must come back as an errno, never as a crash of the host.
#include <stdio.h>
#include <string.h>
#include <wasi/api.h>

// wasi-libc no longer declares proc_raise; import it by hand.
__attribute__((import_module("wasi_snapshot_preview1"), import_name("proc_raise")))
uint16_t raw_proc_raise(uint32_t sig);

__attribute__((import_module("wasi_snapshot_preview1"), import_name("path_open")))
uint16_t raw_path_open(uint32_t fd, uint32_t dirflags, uint32_t path, uint32_t path_len, uint32_t oflags,
                       uint64_t base, uint64_t inheriting, uint32_t fdflags, uint32_t out);

static void show(const char *what, __wasi_errno_t e) {
    printf("%s: %d\n", what, (int)e);
}

int main(void) {
    __wasi_size_t n;
    const uint8_t *bad = (const uint8_t *)0xfffffff0u;
    __wasi_ciovec_t iov = {bad, 100};
    show("fd_write bad buffer", __wasi_fd_write(1, &iov, 1, &n));
    show("fd_write bad iovec array", __wasi_fd_write(1, (const __wasi_ciovec_t *)bad, 4, &n));
    __wasi_ciovec_t ok = {(const uint8_t *)"x\n", 2};
    show("fd_write bad result ptr", __wasi_fd_write(1, &ok, 1, (__wasi_size_t *)0xfffffffcu));
    show("fd_write bad fd", __wasi_fd_write(77, &ok, 1, &n));
    __wasi_iovec_t riov = {(uint8_t *)0xffffff00u, 0x1000};
    show("fd_read bad buffer", __wasi_fd_read(0, &riov, 1, &n));
    show("args_sizes_get bad ptr", __wasi_args_sizes_get((__wasi_size_t *)0xfffffffeu, &n));
    __wasi_timestamp_t t;
    show("clock_time_get bad clock", __wasi_clock_time_get(99, 0, &t));
    show("clock_time_get bad ptr", __wasi_clock_time_get(0, 0, (__wasi_timestamp_t *)0xfffffffcu));
    show("random_get bad ptr", __wasi_random_get((uint8_t *)0xfffffff0u, 64));
    __wasi_fd_t fd;
    show("path_open bad out ptr", raw_path_open(3, 0, (uint32_t)"in.txt", 6, 0, 0, 0, 0, 0xfffffffeu));
    show("path_open bad path ptr", raw_path_open(3, 0, 0xfffffff0u, 100, 0, 0, 0, 0, (uint32_t)&fd));
    show("path_open bad fd", __wasi_path_open(99, 0, "x", 0, 0, 0, 0, &fd));
    show("path_open empty path", __wasi_path_open(3, 0, "", 0, 0, 0, 0, &fd));
    show("path_open on stdout", __wasi_path_open(1, 0, "x", 0, 0, 0, 0, &fd));
    show("path_open bad utf8", __wasi_path_open(3, 0, "\xff\xfe", 0, 0, 0, 0, &fd));
    show("fd_seek bad whence", __wasi_fd_seek(3, 0, 9, &t));
    show("fd_seek on stdout", __wasi_fd_seek(1, 0, __WASI_WHENCE_SET, &t));
    show("fd_prestat_get on stdin", __wasi_fd_prestat_get(0, (__wasi_prestat_t *)&t));
    char name[1];
    show("fd_prestat_dir_name short buffer", __wasi_fd_prestat_dir_name(3, (uint8_t *)name, 0));
    __wasi_subscription_t sub;
    __wasi_event_t ev;
    show("poll_oneoff zero subscriptions", __wasi_poll_oneoff(&sub, &ev, 0, &n));
    show("poll_oneoff bad ptr", __wasi_poll_oneoff((const __wasi_subscription_t *)0xfffffff0u, &ev, 1, &n));
    show("fd_advise bad advice", __wasi_fd_advise(0, 0, 0, 200));
    show("fd_renumber bad fd", __wasi_fd_renumber(50, 1));
    show("proc_raise", raw_proc_raise(15));
    show("proc_raise bad signal", raw_proc_raise(200));
    show("sock_shutdown on stdout", __wasi_sock_shutdown(1, __WASI_SDFLAGS_WR));
    show("sock_accept bad fd", __wasi_sock_accept(42, 0, &fd));
    show("fd_fdstat_set_rights grow", __wasi_fd_fdstat_set_rights(1, ~0ull, ~0ull));
    show("fd_readdir on stdout", __wasi_fd_readdir(1, (uint8_t *)name, 1, 0, &n));
    show("fd_close bad fd", __wasi_fd_close(1234));
    printf("survived\n");
    return 0;
}
