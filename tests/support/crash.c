/* A process that crashes on purpose, for vasmap's core dump tests.
 *
 * Usage: crash MODE
 *   null    write to (int *)0x1234: SIGSEGV, SEGV_MAPERR, fault address 0x1234
 *   past    read 16 bytes past the end of an anonymous mapping of one page
 *   libc    write into the C library's code (r-xp): SIGSEGV, SEGV_ACCERR
 *   stack   recurse until the main stack overflows
 *   thread  recurse in a second thread until its stack reaches the guard page
 *   wait    map a file with a space in its name, shared memory and a thread, print
 *           "ready", wait for a line on stdin, then write to 0x1234
 * Prints "ready PID ADDR" (ADDR: the address it will fault on, in hex, or 0 when it
 * cannot know it in advance) and then crashes. Run it with a core size limit that
 * allows a core, in a directory it may write (core_pattern "core" puts it there).
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <unistd.h>

static void ready(uintptr_t addr) {
    printf("ready %d %lx\n", (int)getpid(), (unsigned long)addr);
    fflush(stdout);
}

/* The start of the C library's executable mapping, from /proc/self/maps. */
static uintptr_t libc_text(void) {
    FILE *f = fopen("/proc/self/maps", "r");
    char line[4096];
    uintptr_t start = 0;
    while (f && fgets(line, sizeof line, f)) {
        unsigned long s, e;
        char perms[5];
        if (sscanf(line, "%lx-%lx %4s", &s, &e, perms) == 3 && strcmp(perms, "r-xp") == 0 &&
            strstr(line, "/libc.so")) {
            start = s;
            break;
        }
    }
    if (f) fclose(f);
    return start;
}

__attribute__((noinline)) static int deep(int n) {
    volatile char frame[4096];
    frame[0] = (char)n;
    return deep(n + 1) + frame[0];
}

static void *overflow(void *arg) {
    (void)arg;
    deep(0);
    return NULL;
}

static void *idle(void *arg) {
    (void)arg;
    for (;;) pause();
    return NULL;
}

int main(int argc, char **argv) {
    if (argc != 2) { fprintf(stderr, "usage: crash MODE\n"); return 2; }
    const char *mode = argv[1];
    long page = sysconf(_SC_PAGESIZE);
    if (strcmp(mode, "null") == 0) {
        ready(0x1234);
        *(volatile int *)0x1234 = 1;
    } else if (strcmp(mode, "past") == 0) {
        char *p = mmap(NULL, 3 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED) return 1;
        munmap(p + page, 2 * page);
        p[0] = 1;
        ready((uintptr_t)(p + page + 16));
        (void)*(volatile char *)(p + page + 16);
    } else if (strcmp(mode, "libc") == 0) {
        uintptr_t text = libc_text();
        if (!text) { fprintf(stderr, "crash: no libc r-xp mapping\n"); return 1; }
        ready(text + 0x1f40);
        *(volatile char *)(text + 0x1f40) = 0;
    } else if (strcmp(mode, "stack") == 0) {
        ready(0);
        deep(0);
    } else if (strcmp(mode, "thread") == 0) {
        pthread_t t;
        ready(0);
        if (pthread_create(&t, NULL, overflow, NULL) != 0) return 1;
        pthread_join(t, NULL);
    } else if (strcmp(mode, "wait") == 0) {
        int fd = open("with space.txt", O_RDWR | O_CREAT | O_TRUNC, 0644);
        if (fd < 0 || ftruncate(fd, 2 * page) != 0) return 1;
        char *f = mmap(NULL, 2 * page, PROT_READ, MAP_PRIVATE, fd, 0);
        if (f == MAP_FAILED) return 1;
        (void)*(volatile char *)f;
        int shmid = shmget(IPC_PRIVATE, 3 * page, IPC_CREAT | 0600);
        if (shmid < 0) return 1;
        char *s = shmat(shmid, NULL, 0);
        shmctl(shmid, IPC_RMID, NULL);
        if (s == (void *)-1) return 1;
        s[0] = 1;
        char *sa = mmap(NULL, 4 * page, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
        if (sa == MAP_FAILED) return 1;
        sa[0] = 1;
        char *h = malloc(200000);
        memset(h, 1, 200000);
        pthread_t t;
        if (pthread_create(&t, NULL, idle, NULL) != 0) return 1;
        usleep(20000);
        ready(0x1234);
        char line[16];
        if (!fgets(line, sizeof line, stdin)) return 1;
        *(volatile int *)0x1234 = 1;
    } else {
        fprintf(stderr, "crash: unknown mode %s\n", mode);
        return 2;
    }
    return 0;
}
