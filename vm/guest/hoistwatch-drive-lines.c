/*
 * The line driver of the board VM: plays a plan (hoistwatch-trace-to-lines) onto gpio-sim lines by writing
 * "pull-up" / "pull-down" to SYSFS/sim_gpioK/pull at the plan's times on CLOCK_MONOTONIC, so the kernel's
 * gpio-sim raises real edge interrupts for whoever requested the lines (the agent, through libgpiod).
 *
 * Usage: hoistwatch-drive-lines SYSFS PLAN [--init]     the initial levels (I), then the edges (E) unless --init
 *        hoistwatch-drive-lines SYSFS --storm OFFSET COUNT   COUNT edges on one line as fast as writes go
 *        hoistwatch-drive-lines SYSFS --storm-encoder A B COUNT   COUNT quadrature edges (up, then back down)
 * Prints one line of figures: edges written, how long it took, edges per second, how late the writes were, and
 * where the plan's time 0 was on CLOCK_MONOTONIC and CLOCK_REALTIME (start_mono_ns, start_real_ns: the tests put
 * the agent's events on the scenario's time with them).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAX_LINES 64

static int fds[MAX_LINES];
static int levels[MAX_LINES];
static const char *sysfs;

static long long now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* Opens line OFFSET's pull file once, and reads the level it has now (sim_gpioK/value), so that a write that
 * changes nothing is not counted as an edge. */
static void open_line(int offset) {
    if (offset < 0 || offset >= MAX_LINES) { fprintf(stderr, "drive-lines: line %d out of range\n", offset); exit(2); }
    if (fds[offset] >= 0) return;
    char path[512];
    snprintf(path, sizeof path, "%s/sim_gpio%d/pull", sysfs, offset);
    fds[offset] = open(path, O_WRONLY | O_CLOEXEC);
    if (fds[offset] < 0) { fprintf(stderr, "drive-lines: %s: %s\n", path, strerror(errno)); exit(1); }
    snprintf(path, sizeof path, "%s/sim_gpio%d/value", sysfs, offset);
    int vfd = open(path, O_RDONLY | O_CLOEXEC);
    char v[4] = "";
    if (vfd >= 0 && read(vfd, v, sizeof v - 1) > 0) levels[offset] = v[0] == '1';
    if (vfd >= 0) close(vfd);
}

static void set_line(int offset, int level) {
    open_line(offset);
    const char *text = level ? "pull-up" : "pull-down";
    if (pwrite(fds[offset], text, strlen(text), 0) < 0) {
        fprintf(stderr, "drive-lines: line %d: %s\n", offset, strerror(errno));
        exit(1);
    }
    levels[offset] = level;
}

static int cmp_ll(const void *a, const void *b) {
    long long x = *(const long long *)a, y = *(const long long *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv) {
    if (argc < 3) { fprintf(stderr, "usage: %s SYSFS PLAN [--init] | SYSFS --storm OFFSET COUNT\n", argv[0]); return 2; }
    sysfs = argv[1];
    for (int i = 0; i < MAX_LINES; i++) { fds[i] = -1; levels[i] = -1; }
    if (strcmp(argv[2], "--storm-encoder") == 0 && argc == 6) {
        /* COUNT quadrature steps on lines A and B: half of them up (A leads B), then as many down. */
        int a = atoi(argv[3]), b = atoi(argv[4]);
        long count = atol(argv[5]);
        static const int up[4][2] = {{0, 1}, {1, 1}, {0, 0}, {1, 0}}; /* (line A or B, level) */
        set_line(a, 0);
        set_line(b, 0);
        long long start = now_ns();
        for (long i = 0; i < count; i++) {
            const int *step = i < count / 2 ? up[i % 4] : up[3 - (i % 4)];
            int line = step[0] ? b : a, level = step[1];
            if (i >= count / 2) level = !level; /* down: the same steps undone, in reverse */
            set_line(line, level);
        }
        double s = (now_ns() - start) / 1e9;
        printf("drive-lines: storm-encoder lines=%d,%d edges=%ld seconds=%.3f edges_per_s=%.0f\n", a, b, count, s,
               count / s);
        return 0;
    }
    if (strcmp(argv[2], "--storm") == 0 && argc == 5) {
        int offset = atoi(argv[3]);
        long count = atol(argv[4]);
        set_line(offset, 1); /* then low, high, ...: an even COUNT ends high, where it began */
        long long start = now_ns();
        for (long i = 0; i < count; i++) set_line(offset, (int)(i & 1));
        double s = (now_ns() - start) / 1e9;
        printf("drive-lines: storm line=%d edges=%ld seconds=%.3f edges_per_s=%.0f\n", offset, count, s, count / s);
        return 0;
    }
    int init_only = argc > 3 && strcmp(argv[3], "--init") == 0;
    FILE *plan = fopen(argv[2], "r");
    if (!plan) { fprintf(stderr, "drive-lines: %s: %s\n", argv[2], strerror(errno)); return 1; }
    size_t cap = 1024, n = 0, repeats = 0;
    long long *late = malloc(cap * sizeof *late);
    char kind;
    long long start = 0, start_real = 0, t = 0, last_t = 0;
    int offset, level;
    char buf[128];
    while (fgets(buf, sizeof buf, plan)) {
        if (sscanf(buf, "I %d %d", &offset, &level) == 2) { set_line(offset, level); continue; }
        if (init_only) continue;
        if (sscanf(buf, "%c %lld %d %d", &kind, &t, &offset, &level) != 4 || kind != 'E') continue;
        if (start == 0) {
            struct timespec real;
            start = now_ns();
            clock_gettime(CLOCK_REALTIME, &real);
            start_real = (long long)real.tv_sec * 1000000000LL + real.tv_nsec;
        }
        long long due = start + t;
        if (due > now_ns()) {
            struct timespec ts = { .tv_sec = due / 1000000000LL, .tv_nsec = due % 1000000000LL };
            while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR) {}
        }
        open_line(offset);
        if (levels[offset] == level) { repeats++; continue; } /* no edge: the line is already there */
        set_line(offset, level);
        if (n == cap) { cap *= 2; late = realloc(late, cap * sizeof *late); }
        late[n++] = now_ns() - due;
        last_t = t;
    }
    if (init_only) { printf("drive-lines: initial levels set\n"); return 0; }
    qsort(late, n, sizeof *late, cmp_ll);
    double s = n ? last_t / 1e9 : 0;
    printf("drive-lines: edges=%zu repeats=%zu trace_s=%.3f wall_s=%.3f late_p50_ms=%.3f late_p99_ms=%.3f late_max_ms=%.3f start_mono_ns=%lld start_real_ns=%lld\n",
           n, repeats, s, start ? (now_ns() - start) / 1e9 : 0.0, n ? late[n / 2] / 1e6 : 0.0,
           n ? late[n * 99 / 100] / 1e6 : 0.0, n ? late[n - 1] / 1e6 : 0.0, start, start_real);
    return 0;
}
