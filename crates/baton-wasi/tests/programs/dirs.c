// Directories: mkdir, readdir, rename, unlink, rmdir, symlinks, stat.
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CHECK(cond) do { if (!(cond)) { printf("FAILED line %d: %s (errno %d %s)\n", __LINE__, #cond, errno, strerror(errno)); return 1; } } while (0)

static int cmp(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

// Prints a directory's entries sorted, with a type marker.
static int list(const char *path) {
    DIR *d = opendir(path);
    if (!d) {
        printf("opendir %s: %s\n", path, strerror(errno));
        return 1;
    }
    char *names[256];
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) && n < 256) {
        char *s = malloc(strlen(e->d_name) + 3);
        char t = e->d_type == DT_DIR ? '/' : e->d_type == DT_LNK ? '@' : e->d_type == DT_REG ? ' ' : '?';
        sprintf(s, "%s%c", e->d_name, t);
        names[n++] = s;
    }
    closedir(d);
    qsort(names, n, sizeof names[0], cmp);
    printf("%s:", path);
    for (int i = 0; i < n; i++) {
        printf(" [%s]", names[i]);
        free(names[i]);
    }
    printf("\n");
    return 0;
}

int main(void) {
    CHECK(mkdir("a", 0755) == 0);
    CHECK(mkdir("a", 0755) < 0 && errno == EEXIST);
    CHECK(mkdir("a/b", 0755) == 0);
    FILE *f = fopen("a/one.txt", "w");
    CHECK(f);
    fputs("one\n", f);
    fclose(f);
    f = fopen("a/b/two.txt", "w");
    CHECK(f);
    fclose(f);
    // Many entries, to make readdir page through several buffers.
    char name[64];
    for (int i = 0; i < 100; i++) {
        sprintf(name, "a/b/file-with-a-long-name-%03d", i);
        int fd = open(name, O_CREAT | O_WRONLY, 0644);
        CHECK(fd >= 0);
        close(fd);
    }
    int count = 0;
    DIR *d = opendir("a/b");
    CHECK(d);
    while (readdir(d))
        count++;
    closedir(d);
    printf("a/b has %d entries\n", count);
    for (int i = 0; i < 100; i++) {
        sprintf(name, "a/b/file-with-a-long-name-%03d", i);
        CHECK(unlink(name) == 0);
    }
    CHECK(list("a") == 0);

    CHECK(rename("a/one.txt", "a/b/uno.txt") == 0);
    CHECK(access("a/one.txt", F_OK) < 0 && errno == ENOENT);
    CHECK(rename("a/b", "c") == 0);
    CHECK(list(".") == 0);
    CHECK(list("c") == 0);

    CHECK(symlink("uno.txt", "c/link") == 0);
    char target[64] = {0};
    CHECK(readlink("c/link", target, sizeof target - 1) == 7);
    printf("readlink: %s\n", target);
    f = fopen("c/link", "r");
    CHECK(f);
    char buf[16] = {0};
    CHECK(fgets(buf, sizeof buf, f));
    fclose(f);
    printf("through link: %s", buf);
    struct stat st;
    CHECK(lstat("c/link", &st) == 0 && S_ISLNK(st.st_mode));
    CHECK(stat("c/link", &st) == 0 && S_ISREG(st.st_mode) && st.st_size == 4);
    CHECK(stat("c", &st) == 0 && S_ISDIR(st.st_mode));
    CHECK(link("c/uno.txt", "hard.txt") == 0);
    CHECK(stat("hard.txt", &st) == 0);
    printf("nlink=%d\n", (int)st.st_nlink);
    CHECK(list("c") == 0);

    CHECK(rmdir("c") < 0 && errno == ENOTEMPTY);
    CHECK(unlink("c") < 0);
    CHECK(rmdir("c/uno.txt") < 0 && errno == ENOTDIR);
    CHECK(unlink("c/link") == 0);
    CHECK(unlink("c/uno.txt") == 0);
    CHECK(unlink("c/two.txt") == 0);
    CHECK(rmdir("c") == 0);
    CHECK(unlink("hard.txt") == 0);
    CHECK(rmdir("a") == 0);
    CHECK(list(".") == 0);

    // chdir is emulated by wasi-libc on top of the preopens.
    CHECK(mkdir("sub", 0755) == 0);
    CHECK(chdir("sub") == 0);
    f = fopen("rel.txt", "w");
    CHECK(f);
    fclose(f);
    CHECK(access("../sub/rel.txt", F_OK) == 0);
    CHECK(chdir("..") == 0);
    CHECK(unlink("sub/rel.txt") == 0);
    CHECK(rmdir("sub") == 0);
    printf("ok\n");
    return 0;
}
