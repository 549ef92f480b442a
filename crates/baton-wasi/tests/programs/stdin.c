// Reads all of stdin, echoes it upper-cased and counts lines and bytes.
#include <ctype.h>
#include <stdio.h>

int main(void) {
    int c, bytes = 0, lines = 0;
    while ((c = getchar()) != EOF) {
        bytes++;
        if (c == '\n')
            lines++;
        putchar(toupper(c));
    }
    printf("bytes=%d lines=%d\n", bytes, lines);
    // A second read after end-of-file keeps returning end-of-file.
    clearerr(stdin);
    printf("again=%d\n", getchar());
    return 0;
}
