/* A process the tests drive, to watch its address space change.
 *
 * Usage: driven (no arguments). Prints "ready PID", then reads one command a line:
 *   map PATH   map PATH read-only and private, touch a page; answers "ok ADDR"
 *   heap N     grow the heap by N bytes with sbrk and touch them; answers "ok OLD NEW"
 *   thread     start a thread that blocks in read(); answers "ok TID" once it is blocked
 *   quit       exit (so does end of input)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

static int tid_pipe[2];

static void *thread_main(void *arg) {
    (void)arg;
    pid_t tid = (pid_t)syscall(SYS_gettid);
    int fds[2];
    if (pipe(fds) != 0) return NULL;
    if (write(tid_pipe[1], &tid, sizeof tid) != sizeof tid) return NULL;
    char c;
    for (;;) if (read(fds[0], &c, 1) <= 0) pause();
    return NULL;
}

int main(void) {
    /* Make sure the heap exists before the first command. */
    free(malloc(64));
    if (pipe(tid_pipe) != 0) { perror("pipe"); return 1; }
    printf("ready %d\n", (int)getpid());
    fflush(stdout);
    char line[8192];
    while (fgets(line, sizeof line, stdin)) {
        line[strcspn(line, "\n")] = 0;
        if (strncmp(line, "map ", 4) == 0) {
            int fd = open(line + 4, O_RDONLY);
            struct stat st;
            if (fd < 0 || fstat(fd, &st) != 0) { printf("error %s\n", strerror(errno)); fflush(stdout); continue; }
            char *p = mmap(NULL, st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
            close(fd);
            if (p == MAP_FAILED) { printf("error %s\n", strerror(errno)); fflush(stdout); continue; }
            volatile char c = p[0]; (void)c;
            printf("ok %p\n", (void *)p);
        } else if (strncmp(line, "heap ", 5) == 0) {
            long n = atol(line + 5);
            char *old = sbrk(0);
            char *p = sbrk(n);
            if (p == (void *)-1) { printf("error %s\n", strerror(errno)); fflush(stdout); continue; }
            memset(p, 1, n);
            printf("ok %p %p\n", (void *)old, sbrk(0));
        } else if (strcmp(line, "thread") == 0) {
            pthread_t t;
            if (pthread_create(&t, NULL, thread_main, NULL) != 0) { printf("error pthread_create\n"); fflush(stdout); continue; }
            pid_t tid;
            if (read(tid_pipe[0], &tid, sizeof tid) != sizeof tid) return 1;
            usleep(20000); /* let it reach read() so its stack pointer can be seen */
            printf("ok %d\n", (int)tid);
        } else if (strcmp(line, "quit") == 0) {
            break;
        } else {
            printf("error unknown command\n");
        }
        fflush(stdout);
    }
    return 0;
}
