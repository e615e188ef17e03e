/* A process with N threads besides its main one, each blocked in read() on a pipe that
 * is never written, for the system-call budget per thread (tests/budget.rs) and the
 * benchmark's 2,000-thread case.
 *
 * Usage: threads N
 * Prints "ready PID" once every thread runs, then waits until stdin is closed.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static int fds[2];

static void *idle(void *arg) {
    char c;
    (void)arg;
    while (read(fds[0], &c, 1) > 0) {
    }
    return NULL;
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: threads N\n");
        return 2;
    }
    long n = atol(argv[1]);
    if (pipe(fds) != 0) {
        perror("pipe");
        return 1;
    }
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, 64 * 1024);
    for (long i = 0; i < n; i++) {
        pthread_t t;
        if (pthread_create(&t, &attr, idle, NULL) != 0) {
            fprintf(stderr, "threads: thread %ld of %ld could not start\n", i, n);
            return 1;
        }
    }
    printf("ready %d\n", (int)getpid());
    fflush(stdout);
    char buf[64];
    while (read(0, buf, sizeof buf) > 0) {
    }
    return 0;
}
