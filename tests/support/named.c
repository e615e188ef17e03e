/* A process with a name of any bytes: it sets its command name (/proc/PID/comm, at most
 * 15 bytes) with prctl(PR_SET_NAME), optionally zeroes its own arguments so that its
 * command line is empty of text (vasmap then names it by its command name), prints
 * "ready PID" and waits for stdin to close.
 *
 * Usage: named HEX [zero]   HEX is the name's bytes in hexadecimal ("fffe" for \xff\xfe)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

int main(int argc, char **argv) {
    if (argc < 2) return 2;
    char name[16] = {0};
    size_t n = strlen(argv[1]) / 2;
    if (n > 15) n = 15;
    for (size_t i = 0; i < n; i++) {
        char byte[3] = {argv[1][2 * i], argv[1][2 * i + 1], 0};
        name[i] = (char)strtol(byte, NULL, 16);
    }
    if (prctl(PR_SET_NAME, name, 0, 0, 0) != 0) { perror("prctl"); return 1; }
    if (argc > 2 && strcmp(argv[2], "zero") == 0) {
        char *end = argv[argc - 1] + strlen(argv[argc - 1]);
        memset(argv[0], 0, (size_t)(end - argv[0]));
    }
    printf("ready %d\n", (int)getpid());
    fflush(stdout);
    char c;
    while (read(0, &c, 1) > 0) {}
    return 0;
}
