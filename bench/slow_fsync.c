/* A slower disk for benchmarks: every fsync/fdatasync of the process (SQLite's commits)
 * takes SLOW_FSYNC_US microseconds longer. Loaded with LD_PRELOAD by bench_issue.py
 * --fsync-ms, to show group commit where a commit's flush is expensive, as on the eMMC
 * or SATA disk of an office mini-PC (this machine's virtual disk flushes in ~0.1 ms). */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdlib.h>
#include <time.h>

static void slow_down(void) {
    const char *text = getenv("SLOW_FSYNC_US");
    long us = text ? atol(text) : 0;
    if (us > 0) {
        struct timespec ts = {us / 1000000, (us % 1000000) * 1000};
        nanosleep(&ts, NULL);
    }
}

/* fsync and fdatasync alike: call the real one, then wait. */
#define SLOWED(name)                                                   \
    int name(int fd) {                                                 \
        static int (*real)(int) = NULL;                                \
        if (!real) real = (int (*)(int))dlsym(RTLD_NEXT, #name);       \
        int rc = real(fd);                                             \
        slow_down();                                                   \
        return rc;                                                     \
    }

SLOWED(fsync)
SLOWED(fdatasync)
