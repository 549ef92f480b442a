// Tries to leave the sandbox in every way we know. Each attempt prints
// "blocked" with the error, or "ESCAPED" if it worked. The test checks
// that nothing outside the preopened directory was read or changed.
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void report(const char *what, int ok) {
    if (ok)
        printf("%s: ESCAPED\n", what);
    else
        printf("%s: blocked (%s)\n", what, strerror(errno));
}

static void try_open(const char *what, const char *path, int flags) {
    int fd = open(path, flags, 0644);
    report(what, fd >= 0);
    if (fd >= 0)
        close(fd);
}

int main(void) {
    try_open("open ../secret.txt", "../secret.txt", O_RDONLY);
    try_open("open /secret.txt", "/secret.txt", O_RDONLY);
    try_open("open /etc/passwd", "/etc/passwd", O_RDONLY);
    try_open("open sub/../../secret.txt", "sub/../../secret.txt", O_RDONLY);
    try_open("create ../created.txt", "../created.txt", O_CREAT | O_WRONLY);
    report("mkdir ../newdir", mkdir("../newdir", 0755) == 0);
    report("opendir ..", opendir("..") != NULL);

    // A symlink the host planted that points outside.
    try_open("open host symlink to outside", "outside-link", O_RDONLY);
    try_open("open through host dir symlink", "outside-dir-link/secret.txt", O_RDONLY);
    // Symlinks the guest makes itself.
    int made = symlink("../secret.txt", "my-link") == 0;
    printf("guest symlink to ../secret.txt created: %d\n", made);
    try_open("open guest symlink to outside", "my-link", O_RDONLY);
    report("guest symlink to /etc/passwd", symlink("/etc/passwd", "abs-link") == 0);
    try_open("open guest abs symlink", "abs-link", O_RDONLY);
    made = symlink("..", "up") == 0;
    try_open("open up/secret.txt", "up/secret.txt", O_RDONLY);
    struct stat st;
    report("stat ../secret.txt", stat("../secret.txt", &st) == 0);
    report("rename into parent", rename("inside.txt", "../moved.txt") == 0);
    report("link into parent", link("inside.txt", "../linked.txt") == 0);
    report("unlink ../secret.txt", unlink("../secret.txt") == 0);
    report("chdir ..", chdir("..") == 0 && open("secret.txt", O_RDONLY) >= 0);

    // inside.txt must still be readable: the sandbox is not just "deny all".
    FILE *f = fopen("inside.txt", "r");
    char buf[32] = {0};
    if (f && fgets(buf, sizeof buf, f))
        printf("inside.txt: %s", buf);
    printf("done\n");
    return 0;
}
