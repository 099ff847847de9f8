#!/usr/bin/env python3
"""The installer's hands for `hoistwatch selftest` in the board VM: reads selftest's standard output (piped in),
copies it to its own, and does what each prompt asks on the gpio-sim lines, as a person at the board would:
  "actuate NAME now ..."    the input's line changes level, stays 0.5 s (beyond any debounce), and changes back;
  "run the car UP now ..."  quadrature on enc_a / enc_b, A leading B (up), EDGES edges at RATE edges/s.
Lines are written as the line driver writes them (SYSFS/sim_gpioK/pull); which line is which comes from PROFILE.

Usage: hoistwatch selftest ... | hoistwatch-selftest-answer SYSFS PROFILE [EDGES [RATE]]"""
import re
import sys
import time
import tomllib


def main():
    if len(sys.argv) not in (3, 4, 5):
        sys.exit(__doc__)
    sysfs, profile = sys.argv[1], sys.argv[2]
    edges = int(sys.argv[3]) if len(sys.argv) > 3 else 400
    rate = float(sys.argv[4]) if len(sys.argv) > 4 else 200.0
    lines = {name: spec["line"] for name, spec in tomllib.load(open(profile, "rb"))["inputs"].items()}

    def level(offset):
        with open("%s/sim_gpio%d/value" % (sysfs, offset)) as f:
            return int(f.read().strip())

    def put(offset, value):
        with open("%s/sim_gpio%d/pull" % (sysfs, offset), "w") as f:
            f.write("pull-up" if value else "pull-down")

    for text in sys.stdin:
        sys.stdout.write(text)
        sys.stdout.flush()
        asked = re.match(r"actuate (\S+) now", text)
        if asked and asked.group(1) in lines:
            offset = lines[asked.group(1)]
            idle = level(offset)
            time.sleep(0.3)
            put(offset, 1 - idle)
            time.sleep(0.5)
            put(offset, idle)
            sys.stdout.write("  (answer: %s line %d %d -> %d -> %d)\n" % (asked.group(1), offset, idle, 1 - idle, idle))
        elif text.startswith("run the car UP now"):
            a, b = lines["enc_a"], lines["enc_b"]
            state = [level(a), level(b)]
            # A leads B going up: 00 -> 10 -> 11 -> 01 -> 00, one line changing per step.
            steps = {(0, 0): (1, 0), (1, 0): (1, 1), (1, 1): (0, 1), (0, 1): (0, 0)}
            start = time.monotonic()
            for n in range(edges):
                due = start + n / rate
                pause = due - time.monotonic()
                if pause > 0:
                    time.sleep(pause)
                new = steps[tuple(state)]
                if new[0] != state[0]:
                    put(a, new[0])
                else:
                    put(b, new[1])
                state = list(new)
            sys.stdout.write("  (answer: %d quadrature edges up, A leading B, in %.2f s)\n" % (
                edges, time.monotonic() - start))
        sys.stdout.flush()


main()
