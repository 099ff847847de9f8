#!/usr/bin/env python3
"""The storage's own fsync latency, for `make bench`'s end-to-end latency (scripts/bench-costs.sh latency): every
event is fsynced before it is published, so the disk's fsync tail is a floor under the event's. Writes 4 KiB into a
file of DIR (64 pages, in turn), fsyncs it and times the fsync, COUNT times, INTERVAL_MS apart (default 400 times,
10 ms apart: about the pace of the agent's commits when events come), and prints one key=value line.

Usage: scripts/fsync-probe.py DIR [COUNT] [INTERVAL_MS]
"""
import os
import sys
import time


def main():
    directory = sys.argv[1]
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 400
    interval = (float(sys.argv[3]) if len(sys.argv) > 3 else 10.0) / 1000
    path = os.path.join(directory, "fsync-probe.bin")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    times = []
    try:
        for index in range(count):
            os.pwrite(fd, os.urandom(4096), (index % 64) * 4096)
            start = time.perf_counter_ns()
            os.fsync(fd)
            times.append((time.perf_counter_ns() - start) / 1e6)
            time.sleep(interval)
    finally:
        os.close(fd)
        os.unlink(path)
    times.sort()

    def at(share):
        return times[min(len(times) - 1, int(len(times) * share + 0.5))]

    over = sum(1 for value in times if value > 5)
    print(f"latency_fsync=n={len(times)} p50={at(0.5):.2f} p99={at(0.99):.2f} max={times[-1]:.2f} ms, "
          f"{over} over 5 ms")


if __name__ == "__main__":
    main()
