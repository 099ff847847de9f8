// eventfd(2) and ppoll(2), which Glibc's Swift module leaves out: the detection loop's interruptible sleep
// (HoistWatchSystem's WakeSignal).
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <poll.h>
#include <sys/eventfd.h>
#include <time.h>

/// ppoll(2) on one descriptor for POLLIN, at most `timeout` (relative); the signal mask is left as it is.
static inline int hw_wait_readable(int fd, const struct timespec *timeout) {
    struct pollfd entry = {.fd = fd, .events = POLLIN, .revents = 0};
    return ppoll(&entry, 1, timeout, NULL);
}
