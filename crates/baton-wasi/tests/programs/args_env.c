// Arguments, environment and exit codes.
// Usage: args_env.wasm [words...]; exits with the value of $EXIT_CODE
// (or 0), through exit() unless $EXIT_VIA is "return".
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern char **environ;

int main(int argc, char **argv) {
    printf("argc=%d\n", argc);
    for (int i = 0; i < argc; i++)
        printf("argv[%d]=%s\n", i, argv[i]);
    int n = 0;
    for (char **e = environ; *e; e++)
        n++;
    printf("envc=%d\n", n);
    const char *greeting = getenv("GREETING");
    printf("GREETING=%s\n", greeting ? greeting : "(unset)");
    const char *missing = getenv("NOT_SET_ANYWHERE");
    printf("NOT_SET_ANYWHERE=%s\n", missing ? missing : "(unset)");
    fprintf(stderr, "this goes to stderr\n");
    const char *code = getenv("EXIT_CODE");
    int c = code ? atoi(code) : 0;
    const char *via = getenv("EXIT_VIA");
    fflush(stdout);
    if (via && strcmp(via, "return") == 0)
        return c;
    exit(c);
}
