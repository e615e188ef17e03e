/* A process whose main thread has exited while another thread runs on.
 *
 * Usage: leader_exits
 * Its main thread starts a thread, then calls pthread_exit: /proc/PID then shows a zombie
 * with an empty maps file, while the process lives on. The thread prints "ready PID" and
 * exits the process when stdin closes.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static void *run(void *arg) {
    (void)arg;
    usleep(50000); /* let the main thread exit first */
    printf("ready %d\n", (int)getpid());
    fflush(stdout);
    char c;
    while (read(0, &c, 1) > 0) {}
    exit(0);
}

int main(void) {
    pthread_t t;
    if (pthread_create(&t, NULL, run, NULL) != 0) return 1;
    pthread_exit(NULL);
}
