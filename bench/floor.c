/* The least reading a view needs, for the benchmark; nothing parsed, nothing printed.
 *
 * usage: floor PID       the table of a many-threaded process: its maps (open, read until
 *                        the end, close) and each thread's task/TID/syscall, where its
 *                        stack pointer is (open, one read: the file is one record, close)
 *        floor --rollups `vasmap --all`: the smaps_rollup of every process /proc lists,
 *                        as `cat /proc/[0-9]*\/smaps_rollup` reads them, but going on past
 *                        the ones that fail (kernel threads, processes that exit)
 * Writes the number of bytes read to stdout.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static char buf[128 * 1024];

static long slurp(int dir, const char *name, int once) {
    int fd = openat(dir, name, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    long total = 0;
    ssize_t n;
    while ((n = read(fd, buf, sizeof buf)) > 0) {
        total += n;
        if (once)
            break;
    }
    close(fd);
    return total;
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: floor PID\n");
        return 2;
    }
    if (argv[1][0] == '-') {
        int proc = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        DIR *d = proc < 0 ? NULL : fdopendir(proc);
        struct dirent *e;
        char name[300];
        long total = 0;
        while (d && (e = readdir(d))) {
            if (e->d_name[0] < '1' || e->d_name[0] > '9')
                continue;
            snprintf(name, sizeof name, "%s/smaps_rollup", e->d_name);
            total += slurp(proc, name, 0);
        }
        printf("%ld\n", total);
        return 0;
    }
    char path[64];
    snprintf(path, sizeof path, "/proc/%s", argv[1]);
    int dir = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (dir < 0) {
        perror(path);
        return 1;
    }
    long total = slurp(dir, "maps", 0);
    int task = openat(dir, "task", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    DIR *d = task < 0 ? NULL : fdopendir(task);
    struct dirent *e;
    char name[300];
    while (d && (e = readdir(d))) {
        if (e->d_name[0] < '0' || e->d_name[0] > '9')
            continue;
        snprintf(name, sizeof name, "task/%s/syscall", e->d_name);
        total += slurp(dir, name, 1);
    }
    printf("%ld\n", total);
    return 0;
}
