/* A process with mappings whose pages the `vasmap pages` tests know, page by page.
 *
 * Usage: pages DIR
 * Writes DIR/file (32 pages, so its pages are in the page cache) and maps:
 *   anon  64 pages, private anonymous, pages 0, 5 and 10 written;
 *   file  DIR/file, private and writable, one byte of page 8 read (fault-around maps
 *         up to 16 cached pages at once: the 16-page block of the address space holding
 *         page 8, cut to the mapping, so at least 9), then page 3 written (copy-on-write:
 *         an anonymous page of its own);
 *   zero  16 pages, private anonymous, pages 0 to 3 read, never written (the zero page);
 *   tib   1 TiB, PROT_NONE, never touched (a reservation);
 *   gib   1 GiB, private anonymous, pages 0, 1000 and 200000 written.
 * The file mapping sits inside one 2 MiB-aligned block; the anonymous ones carry
 * different madvise flags so that none merges with a neighbour (and no THP comes in).
 * Writes "NAME START END" for each (hex) to DIR/addrs, prints "ready PID" and waits for
 * stdin to close.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define PAGE 4096UL

static void die(const char *what) {
    fprintf(stderr, "pages: %s: %s\n", what, strerror(errno));
    exit(1);
}

static char *anon(size_t len, int prot) {
    char *p = mmap(NULL, len, prot, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED) die("mmap");
    return p;
}

/* madvise flags that make each anonymous mapping unlike any other (the kernel merges
 * neighbours with equal flags into one mapping), and keep transparent huge pages out
 * (with THP "always" a written page could bring 511 more). */
static void unlike(char *p, size_t len, int extra) {
    if (madvise(p, len, MADV_NOHUGEPAGE) != 0) die("madvise");
    if (extra && madvise(p, len, extra) != 0) die("madvise");
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: pages DIR\n");
        return 2;
    }
    char path[4096];
    snprintf(path, sizeof path, "%s/file", argv[1]);
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) die("open file");
    char page[PAGE];
    memset(page, 'x', sizeof page);
    for (int i = 0; i < 32; i++)
        if (write(fd, page, sizeof page) != (ssize_t)sizeof page) die("write file");
    /* Written back now: fault-around maps only cached pages that are not locked, and a
     * page under writeback is (a fault then maps that page alone). */
    if (fsync(fd) != 0) die("fsync file");

    char *a = anon(64 * PAGE, PROT_READ | PROT_WRITE);
    unlike(a, 64 * PAGE, 0);
    a[0] = a[5 * PAGE] = a[10 * PAGE] = 1;

    /* Inside one 2 MiB-aligned block: a large folio of the file that would straddle two
     * page tables is not mapped by fault-around at all (Linux 6.18, ext4), and the read
     * below would then make one page present instead of a block. */
    char *block = anon(4UL << 20, PROT_NONE);
    char *at = (char *)(((unsigned long)block + (2UL << 20) - 1) & ~((2UL << 20) - 1));
    char *f = mmap(at, 32 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_FIXED, fd, 0);
    if (f == MAP_FAILED) die("mmap file");
    volatile char c = f[8 * PAGE];
    (void)c;
    f[3 * PAGE] = 'y';
    close(fd);

    char *z = anon(16 * PAGE, PROT_READ | PROT_WRITE);
    unlike(z, 16 * PAGE, MADV_DONTFORK);
    for (int i = 0; i < 4; i++) c = z[i * PAGE];

    char *t = anon(1UL << 40, PROT_NONE);

    char *g = anon(1UL << 30, PROT_READ | PROT_WRITE);
    unlike(g, 1UL << 30, MADV_DONTDUMP);
    g[0] = g[1000 * PAGE] = g[200000 * PAGE] = 1;

    snprintf(path, sizeof path, "%s/addrs", argv[1]);
    FILE *out = fopen(path, "w");
    if (!out) die("open addrs");
    fprintf(out, "anon %lx %lx\n", (unsigned long)a, (unsigned long)(a + 64 * PAGE));
    fprintf(out, "file %lx %lx\n", (unsigned long)f, (unsigned long)(f + 32 * PAGE));
    fprintf(out, "zero %lx %lx\n", (unsigned long)z, (unsigned long)(z + 16 * PAGE));
    fprintf(out, "tib %lx %lx\n", (unsigned long)t, (unsigned long)(t + (1UL << 40)));
    fprintf(out, "gib %lx %lx\n", (unsigned long)g, (unsigned long)(g + (1UL << 30)));
    if (fclose(out) != 0) die("write addrs");

    printf("ready %d\n", (int)getpid());
    fflush(stdout);
    while (read(0, page, sizeof page) > 0) {
    }
    return 0;
}
