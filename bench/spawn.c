/* Run one command and report its wall time and peak memory, for bench/bench.py.
 *
 * usage: spawn COMMAND [ARG...]
 *
 * The command's stdout goes to /dev/null; stdin and stderr are inherited. On file
 * descriptor 3 (which the caller opens; stderr when it is not open) this prints
 * "NANOSECONDS MAXRSS_KIB EXIT_STATUS CPU_NANOSECONDS\n" (CPU: user plus system time,
 * which a busy machine disturbs much less than the wall time).
 *
 * Why a separate small program: the kernel counts the peak RSS of a forked child from
 * the parent's memory image until exec (exec_mmap() records the old mm's high-water mark
 * into the child's maxrss), so a child forked from Python reports Python's ~12 MiB as a
 * floor. Forked from this program it starts at well under 1 MiB.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: spawn COMMAND [ARG...]\n");
        return 2;
    }
    int report = fcntl(3, F_GETFD) == -1 ? 2 : 3;
    int devnull = open("/dev/null", O_WRONLY);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    pid_t pid = fork();
    if (pid == 0) {
        dup2(devnull, 1);
        if (report == 3)
            close(3);
        execvp(argv[1], argv + 1);
        _exit(127);
    }
    int status = 0;
    struct rusage ru;
    if (pid < 0 || wait4(pid, &status, 0, &ru) < 0) {
        perror("spawn");
        return 1;
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    long long ns = (t1.tv_sec - t0.tv_sec) * 1000000000LL + (t1.tv_nsec - t0.tv_nsec);
    int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    long long cpu = (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000000LL +
                    (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1000LL;
    dprintf(report, "%lld %ld %d %lld\n", ns, ru.ru_maxrss, code, cpu);
    return 0;
}
