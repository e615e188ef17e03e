/* A process whose command line is all NULs: it zeroes its own argument strings (the
 * area /proc/PID/cmdline reads), prints "ready PID" and waits for stdin to close.
 *
 * Usage: noargs [ARG...]   (the arguments only make the area longer)
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv) {
    char *start = argv[0];
    char *end = argv[argc - 1] + strlen(argv[argc - 1]);
    memset(start, 0, (size_t)(end - start));
    printf("ready %d\n", (int)getpid());
    fflush(stdout);
    char c;
    while (read(0, &c, 1) > 0) {}
    return 0;
}
