/* A process with thousands of mappings, for vasmap's layout fixture.
 *
 * Usage: many DIR OUT
 * Maps 300 small files from DIR (each between PROT_NONE neighbours so none merge),
 * 600 anonymous regions alternating with guard pages, starts 150 threads with small
 * stacks, then copies /proc/self/maps to OUT and exits.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static void die(const char *what) {
    fprintf(stderr, "many: %s: %s\n", what, strerror(errno));
    exit(1);
}

static pthread_barrier_t ready, done;

static void *idle(void *arg) {
    (void)arg;
    pthread_barrier_wait(&ready);
    pthread_barrier_wait(&done);
    return NULL;
}

int main(int argc, char **argv) {
    if (argc != 3) { fprintf(stderr, "usage: many DIR OUT\n"); return 2; }
    long page = sysconf(_SC_PAGESIZE);
    char path[4096];
    for (int i = 0; i < 300; i++) {
        snprintf(path, sizeof path, "%s/data-%03d.bin", argv[1], i);
        int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
        if (fd < 0) die(path);
        if (ftruncate(fd, 2 * page) != 0) die("ftruncate");
        if (mmap(NULL, page, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) == MAP_FAILED) die("mmap");
        if (mmap(NULL, 2 * page, PROT_READ, MAP_PRIVATE, fd, 0) == MAP_FAILED) die("mmap file");
        close(fd);
    }
    for (int i = 0; i < 600; i++) {
        char *p = mmap(NULL, 3 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED) die("mmap anon");
        mprotect(p, page, PROT_NONE);
    }
    enum { THREADS = 150 };
    pthread_t t[THREADS];
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, 64 * 1024);
    pthread_barrier_init(&ready, NULL, THREADS + 1);
    pthread_barrier_init(&done, NULL, THREADS + 1);
    for (int i = 0; i < THREADS; i++)
        if (pthread_create(&t[i], &attr, idle, NULL) != 0) die("pthread_create");
    pthread_barrier_wait(&ready);
    FILE *in = fopen("/proc/self/maps", "r");
    FILE *out = fopen(argv[2], "w");
    if (!in || !out) die("open maps/out");
    int c;
    while ((c = getc(in)) != EOF) putc(c, out);
    fclose(in);
    fclose(out);
    pthread_barrier_wait(&done);
    for (int i = 0; i < THREADS; i++) pthread_join(t[i], NULL);
    return 0;
}
