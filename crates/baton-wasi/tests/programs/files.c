// Regular files: create, write, read back, seek/tell, pread/pwrite,
// append, truncate, stat, and reading a file the host put in the sandbox.
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CHECK(cond) do { if (!(cond)) { printf("FAILED line %d: %s (errno %d %s)\n", __LINE__, #cond, errno, strerror(errno)); return 1; } } while (0)

int main(void) {
    // A file the host prepared.
    FILE *in = fopen("input.txt", "r");
    CHECK(in != NULL);
    char line[128];
    while (fgets(line, sizeof line, in))
        printf("input: %s", line);
    fclose(in);

    // Create and write.
    int fd = open("out.txt", O_CREAT | O_TRUNC | O_WRONLY, 0644);
    CHECK(fd >= 0);
    CHECK(write(fd, "hello, ", 7) == 7);
    CHECK(write(fd, "world\n", 6) == 6);
    CHECK(lseek(fd, 0, SEEK_CUR) == 13);
    CHECK(close(fd) == 0);

    // Exclusive create of an existing file fails.
    CHECK(open("out.txt", O_CREAT | O_EXCL | O_WRONLY, 0644) < 0 && errno == EEXIST);

    // Read back with seeks and positioned I/O.
    fd = open("out.txt", O_RDWR);
    CHECK(fd >= 0);
    char buf[64] = {0};
    CHECK(read(fd, buf, sizeof buf) == 13);
    printf("read: %s", buf);
    CHECK(lseek(fd, 7, SEEK_SET) == 7);
    memset(buf, 0, sizeof buf);
    CHECK(read(fd, buf, 5) == 5);
    printf("after seek: %s\n", buf);
    CHECK(pwrite(fd, "W", 1, 7) == 1);
    memset(buf, 0, sizeof buf);
    CHECK(pread(fd, buf, 5, 7) == 5);
    printf("pread: %s\n", buf);
    CHECK(lseek(fd, -6, SEEK_END) == 7);
    CHECK(lseek(fd, 0, SEEK_CUR) == 7);
    CHECK(lseek(fd, -100, SEEK_SET) < 0 && errno == EINVAL);
    CHECK(close(fd) == 0);

    // Append mode.
    fd = open("out.txt", O_WRONLY | O_APPEND);
    CHECK(fd >= 0);
    CHECK(write(fd, "appended\n", 9) == 9);
    CHECK(close(fd) == 0);

    struct stat st;
    CHECK(stat("out.txt", &st) == 0);
    printf("size after append: %lld regular=%d\n", (long long)st.st_size, S_ISREG(st.st_mode));

    // Truncate.
    CHECK(truncate("out.txt", 5) == 0);
    CHECK(stat("out.txt", &st) == 0);
    printf("size after truncate: %lld\n", (long long)st.st_size);
    fd = open("out.txt", O_RDWR);
    CHECK(ftruncate(fd, 3) == 0);
    CHECK(fstat(fd, &st) == 0);
    printf("size after ftruncate: %lld\n", (long long)st.st_size);
    CHECK(fsync(fd) == 0);
    CHECK(close(fd) == 0);

    // Errors.
    CHECK(open("does-not-exist", O_RDONLY) < 0 && errno == ENOENT);
    CHECK(close(12345) < 0 && errno == EBADF);
    fd = open("out.txt", O_RDONLY);
    CHECK(write(fd, "x", 1) < 0 && errno == EBADF);
    close(fd);

    // stdio with a larger amount of data.
    FILE *f = fopen("big.txt", "w");
    CHECK(f != NULL);
    for (int i = 0; i < 10000; i++)
        fprintf(f, "line %d\n", i);
    fclose(f);
    f = fopen("big.txt", "r");
    long sum = 0;
    int lines = 0, v;
    while (fscanf(f, "line %d\n", &v) == 1) {
        sum += v;
        lines++;
    }
    fclose(f);
    printf("big: lines=%d sum=%ld\n", lines, sum);
    printf("ok\n");
    return 0;
}
