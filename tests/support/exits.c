/* A process that exits by itself while vasmap reads it, for the exiting-process races.
 *
 * Usage: exits N
 * Maps one anonymous region of N pages with every other page read-only (N mappings more
 * than it started with), counts the lines of its own /proc/self/maps, prints
 * "ready PID COUNT", then reads a number of microseconds from stdin, sleeps that long and
 * exits (the whole address space goes at once, as in any exit).
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

int main(int argc, char **argv) {
    if (argc != 2) { fprintf(stderr, "usage: exits N\n"); return 2; }
    long n = atol(argv[1]);
    long page = sysconf(_SC_PAGESIZE);
    char *p = mmap(NULL, n * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) { perror("exits: mmap"); return 1; }
    for (long i = 1; i < n; i += 2) {
        if (mprotect(p + i * page, page, PROT_READ) != 0) { perror("exits: mprotect"); return 1; }
    }
    FILE *maps = fopen("/proc/self/maps", "r");
    if (!maps) { perror("exits: maps"); return 1; }
    long count = 0;
    int c;
    while ((c = fgetc(maps)) != EOF) {
        if (c == '\n') count++;
    }
    fclose(maps);
    printf("ready %d %ld\n", (int)getpid(), count);
    fflush(stdout);
    long us = 0;
    if (scanf("%ld", &us) != 1) return 0;
    usleep((useconds_t)us);
    _exit(0);
}
