/* A process with N separate mappings, for the benchmark (bench/run.sh).
 *
 * usage: mapper N DIR
 *
 * Mappings are one page each, one page apart (the gap keeps the kernel from merging
 * neighbours), with permissions cycling r--, rw-, r-x, rw- so that even without the gap
 * two neighbours would differ. Every fourth mapping is a private map of a file in DIR
 * (at a varying offset); every third mapping has its page touched (written when it is
 * writable, read otherwise), so smaps has non-zero Rss, Pss, Dirty figures to print.
 * Prints "ready PID COUNT" once all exist, then waits until stdin is closed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: mapper N DIR\n");
        return 2;
    }
    long n = strtol(argv[1], NULL, 10);
    long page = sysconf(_SC_PAGESIZE);
    const long file_pages = 64;
    char path[4096];
    snprintf(path, sizeof path, "%s/mapped-file.bin", argv[2]);
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
    if (fd < 0 || ftruncate(fd, file_pages * page) != 0) {
        perror(path);
        return 1;
    }
    char *base = (char *)0x200000000000UL;
    static const int prots[4] = {PROT_READ, PROT_READ | PROT_WRITE, PROT_READ | PROT_EXEC,
                                 PROT_READ | PROT_WRITE};
    volatile char sink = 0;
    for (long i = 0; i < n; i++) {
        char *want = base + i * 2 * page;
        int prot = prots[i % 4];
        void *p;
        if (i % 4 == 0) {
            p = mmap(want, page, prot, MAP_PRIVATE | MAP_FIXED_NOREPLACE, fd,
                     (i / 4 % file_pages) * page);
        } else {
            p = mmap(want, page, prot, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
        }
        if (p == MAP_FAILED || p != want) {
            fprintf(stderr, "mapper: mmap %ld of %ld failed: %s\n", i, n, strerror(errno));
            return 1;
        }
        if (i % 3 == 0) {
            if (prot & PROT_WRITE)
                *(volatile char *)p = 1;
            else
                sink += *(volatile char *)p;
        }
    }
    printf("ready %d %ld\n", (int)getpid(), n);
    fflush(stdout);
    char buf[64];
    while (read(0, buf, sizeof buf) > 0) {
    }
    return 0;
}
