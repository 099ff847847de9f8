// eventfd(2), ppoll(2) and pthread_setname_np(3), which Glibc's Swift module leaves out: the interruptible sleeps of
// the detection loop and of the MQTT network loop (HoistWatchSystem's WakeSignal), and the names of threads of our own
// (PosixThread); and the GPIO reader's wait on its lines' descriptors and its own wake-up (HoistWatchBoard's
// `GpiodFunctions.waitReadable`).
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <poll.h>
#include <stdint.h>
#include <pthread.h>
#include <sys/eventfd.h>
#include <time.h>

/// ppoll(2) on one descriptor for POLLIN, at most `timeout` (relative); the signal mask is left as it is.
static inline int hw_wait_readable(int fd, const struct timespec *timeout) {
    struct pollfd entry = {.fd = fd, .events = POLLIN, .revents = 0};
    return ppoll(&entry, 1, timeout, NULL);
}

/// ppoll(2) on `count` descriptors (their `events` set by the caller) for at most `timeout_ns` nanoseconds
/// (negative: no limit); what ppoll returns, `revents` filled in.
static inline int hw_poll_ns(struct pollfd *fds, unsigned long count, int64_t timeout_ns) {
    if (timeout_ns < 0) return ppoll(fds, (nfds_t)count, NULL, NULL);
    struct timespec timeout = {.tv_sec = timeout_ns / 1000000000, .tv_nsec = timeout_ns % 1000000000};
    return ppoll(fds, (nfds_t)count, &timeout, NULL);
}

/// ppoll(2) on `count` descriptors, at most `timeout` (relative; NULL: no limit); the signal mask is left as it is.
static inline int hw_poll(struct pollfd *entries, nfds_t count, const struct timespec *timeout) {
    return ppoll(entries, count, timeout, NULL);
}

/// Names the calling thread (at most 15 bytes are kept), as `top -H` and /proc/PID/task/TID/comm show it.
static inline void hw_name_this_thread(const char *name) {
    pthread_setname_np(pthread_self(), name);
}
