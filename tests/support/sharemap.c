/* A process that maps FILE twice, shared and private, and reads every page of both, for
 * the tests of `vasmap --all --name` (tests/all.rs): two of these share the file's pages,
 * so each one's PSS of it is half its RSS.
 *
 * Usage: sharemap FILE
 * Prints "ready PID" once every page is resident, then waits until stdin is closed.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: sharemap FILE\n");
        return 2;
    }
    int fd = open(argv[1], O_RDONLY);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0 || st.st_size == 0) {
        perror(argv[1]);
        return 1;
    }
    long page = sysconf(_SC_PAGESIZE);
    volatile char sink = 0;
    int flags[2] = {MAP_SHARED, MAP_PRIVATE};
    for (int m = 0; m < 2; m++) {
        char *p = mmap(NULL, st.st_size, PROT_READ, flags[m], fd, 0);
        if (p == MAP_FAILED) {
            perror("mmap");
            return 1;
        }
        for (off_t o = 0; o < st.st_size; o += page)
            sink += p[o];
    }
    printf("ready %d\n", (int)getpid());
    fflush(stdout);
    char c;
    while (read(0, &c, 1) > 0) {
    }
    return 0;
}
