/* A process with a great many mappings, for vasmap's tests of huge address spaces.
 *
 * Usage: many_maps N
 * Maps one anonymous region of N pages and gives every other page a different protection
 * (read-write, read-only, ...), so that no two neighbours can merge and the process has
 * N mappings more than it started with (the kernel's default limit, vm.max_map_count, is
 * 65530 in all). Prints "ready PID" and waits for stdin to close.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int main(int argc, char **argv) {
    if (argc != 2) { fprintf(stderr, "usage: many_maps N\n"); return 2; }
    long n = atol(argv[1]);
    long page = sysconf(_SC_PAGESIZE);
    char *p = mmap(NULL, n * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) { fprintf(stderr, "many_maps: mmap: %s\n", strerror(errno)); return 1; }
    for (long i = 1; i < n; i += 2) {
        if (mprotect(p + i * page, page, PROT_READ) != 0) {
            fprintf(stderr, "many_maps: mprotect page %ld: %s\n", i, strerror(errno));
            return 1;
        }
    }
    printf("ready %d\n", (int)getpid());
    fflush(stdout);
    char c;
    while (read(0, &c, 1) > 0) {}
    return 0;
}
