/* A process with every awkward kind of mapping, for vasmap's live tests.
 *
 * Usage: awkward DIR
 * With AWKWARD_4000=1 in the environment, also maps a file whose path is exactly 4000
 * bytes long (PATH_MAX is 4096).
 * Creates files under DIR with hostile names, maps them, adds a deleted file, a memfd,
 * SysV shm, shared anonymous memory, named anonymous memory, a W+X mapping, a guard page
 * and a thread, touches some pages, prints "ready PID" and waits for stdin to close.
 * Everything it creates is removed by the test (DIR) or by the kernel at exit (shm).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef PR_SET_VMA
#define PR_SET_VMA 0x53564d41
#define PR_SET_VMA_ANON_NAME 0
#endif

static void die(const char *what) {
    fprintf(stderr, "awkward: %s: %s\n", what, strerror(errno));
    exit(1);
}

/* Create DIR/NAME holding `pages` pages of text and map it private, read-only. */
static void *map_file(const char *dir, const char *name, int pages, int touch) {
    char path[8192];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) die(path);
    long page = sysconf(_SC_PAGESIZE);
    char *buf = malloc(page);
    memset(buf, 'x', page);
    for (int i = 0; i < pages; i++)
        if (write(fd, buf, page) != page) die("write");
    free(buf);
    char *p = mmap(NULL, pages * page, PROT_READ, MAP_PRIVATE, fd, 0);
    if (p == MAP_FAILED) die("mmap file");
    close(fd);
    if (touch) { volatile char c = p[0]; (void)c; }
    return p;
}

static void *thread_main(void *arg) {
    (void)arg;
    char buf[1];
    /* Block in read() on a pipe nobody writes: the stack pointer is then readable. */
    int fds[2];
    if (pipe(fds) != 0) return NULL;
    for (;;) if (read(fds[0], buf, 1) <= 0) pause();
    return NULL;
}

int main(int argc, char **argv) {
    if (argc != 2) { fprintf(stderr, "usage: awkward DIR\n"); return 2; }
    const char *dir = argv[1];
    long page = sysconf(_SC_PAGESIZE);
    /* Mappings are placed at fixed-looking distances apart by the kernel; separate each
     * pair with a PROT_NONE gap so neighbours never merge. */
    map_file(dir, "plain.txt", 2, 1);
    map_file(dir, "with space", 1, 0);
    map_file(dir, "two  spaces and trailing ", 1, 0);
    map_file(dir, "new\nline", 1, 0);
    map_file(dir, "esc\033[31mred", 1, 0);
    map_file(dir, "bad\xff\xfeutf8", 1, 0);
    map_file(dir, "h\xc3\xa9llo w\xc3\xb6rld", 1, 0);
    map_file(dir, "rtl\xe2\x80\xaetxt.exe", 1, 0);
    map_file(dir, "back\\slash", 1, 0);
    map_file(dir, "[heap]", 1, 0);
    map_file(dir, "libfake.so.1", 1, 0);
    map_file(dir, "tab\there del\x7f", 1, 0);

    /* A path of about 2000 bytes: eight nested directories of 240 bytes each.
     * Left out when AWKWARD_NO_LONG_NAME is set (pmap 4.0.2 splits such a row). */
    const char *no_long = getenv("AWKWARD_NO_LONG_NAME");
    char longdir[4096];
    snprintf(longdir, sizeof longdir, "%s", dir);
    for (int i = 0; i < 8 && !(no_long && *no_long); i++) {
        size_t n = strlen(longdir);
        longdir[n] = '/';
        memset(longdir + n + 1, 'a' + i, 240);
        longdir[n + 241] = 0;
        if (mkdir(longdir, 0755) != 0 && errno != EEXIST) die("mkdir long");
    }
    if (!(no_long && *no_long)) map_file(longdir, "long-name.txt", 1, 0);

    /* With AWKWARD_4000: a path of exactly 4000 bytes, directories of 250 bytes, then a
     * file name that makes up the rest (at most 255 bytes). */
    const char *p4000_wanted = getenv("AWKWARD_4000");
    if (p4000_wanted && *p4000_wanted) {
        static char p4000[4096];
        snprintf(p4000, sizeof p4000, "%s", dir);
        for (int i = 0; strlen(p4000) + 1 + 255 < 4000; i++) {
            size_t n = strlen(p4000);
            p4000[n] = '/';
            memset(p4000 + n + 1, 'A' + i % 26, 250);
            p4000[n + 251] = 0;
            if (mkdir(p4000, 0755) != 0 && errno != EEXIST) die("mkdir 4000");
        }
        size_t n = strlen(p4000);
        size_t rest = 4000 - n - 1; /* the name after the '/' */
        char name[256];
        memset(name, 'z', rest);
        if (rest >= 8) memcpy(name + rest - 8, "4000.txt", 8);
        name[rest] = 0;
        map_file(p4000, name, 1, 0);
    }

    /* A file deleted after it was mapped. */
    map_file(dir, "deleted.txt", 1, 1);
    char del[8192];
    snprintf(del, sizeof del, "%s/deleted.txt", dir);
    unlink(del);

    /* A memfd, mapped shared and written. */
    int mfd = memfd_create("vasmap-memfd", 0);
    if (mfd < 0) die("memfd_create");
    if (ftruncate(mfd, 2 * page) != 0) die("ftruncate memfd");
    char *m = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE, MAP_SHARED, mfd, 0);
    if (m == MAP_FAILED) die("mmap memfd");
    m[0] = 1;

    /* SysV shared memory, removed at once so it goes when we exit. */
    int shmid = shmget(IPC_PRIVATE, 3 * page, IPC_CREAT | 0600);
    if (shmid < 0) die("shmget");
    char *s = shmat(shmid, NULL, 0);
    if (s == (void *)-1) die("shmat");
    shmctl(shmid, IPC_RMID, NULL);
    s[0] = 1;

    /* Shared anonymous memory: /dev/zero (deleted). */
    char *sa = mmap(NULL, 4 * page, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (sa == MAP_FAILED) die("mmap shared anon");
    sa[0] = 1;

    /* Named anonymous memory (needs CONFIG_ANON_VMA_NAME; ignored where absent). */
    char *na = mmap(NULL, 5 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (na == MAP_FAILED) die("mmap named anon");
    prctl(PR_SET_VMA, PR_SET_VMA_ANON_NAME, (unsigned long)na, 5 * page, "vasmap test");
    na[0] = 1;

    /* A writable and executable mapping, and a private anonymous one with a guard page. */
    char *wx = mmap(NULL, page, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (wx == MAP_FAILED) die("mmap wx");
    wx[0] = (char)0xc3;
    char *g = mmap(NULL, 8 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (g == MAP_FAILED) die("mmap guarded");
    mprotect(g, page, PROT_NONE);
    memset(g + page, 7, 3 * page);

    /* Grow the heap a little. */
    char *h = malloc(100000);
    memset(h, 1, 100000);

    pthread_t t;
    if (pthread_create(&t, NULL, thread_main, NULL) != 0) die("pthread_create");
    usleep(20000); /* let the thread reach its read() */

    printf("ready %d\n", (int)getpid());
    fflush(stdout);
    char c;
    while (read(0, &c, 1) > 0) {}
    return 0;
}
