#!/usr/bin/env python3
"""The test suites whose waits are bounded by the wall clock, one name a line: those that talk to a real broker, run
the agent as a child process or poll with `eventually`. `scripts/test-passes.sh` runs them in a `swift test` process
of their own, beside the process of all the others (README "Tests").

With `--alone`: those among them that run the whole agent in this process on a fake GPIO board paced by the real clock
(`AgentRuntime`): its reader threads must keep up with the board, which they did not beside the other wall-clock
suites' burst of brokers, certificates and agent processes at their start (the FIFO of a line overflowed), so they
run after them, in a process of their own.

A suite is a `struct` named after an `@Suite` attribute; its text runs to the next `@Suite` of the file."""
import pathlib
import re
import sys

ALONE = ("AgentRuntime(",)
MARKERS = ("eventually(", "eventuallyRetrying(", "MosquittoBroker(", "TestSubscriber(", "AgentProcess(")
# What a suite in that process must not do: compute for seconds on the cooperative pool it shares with them.
HEAVY = ("CPUBoundWork",)

arguments = sys.argv[1:]
alone = "--alone" in arguments
arguments = [argument for argument in arguments if argument != "--alone"]
root = pathlib.Path(arguments[0] if arguments else "Tests")
names = []
for path in sorted(root.rglob("*Tests.swift")):
    text = path.read_text(encoding="utf-8")
    starts = [m.start() for m in re.finditer(r"^@Suite\b", text, re.M)]
    for index, start in enumerate(starts):
        region = text[start : starts[index + 1] if index + 1 < len(starts) else len(text)]
        name = re.search(r"\b(?:final class|struct)\s+(\w+)", region)
        if not name or not any(marker in region for marker in MARKERS):
            continue
        if any(heavy in region for heavy in HEAVY):
            sys.exit(f"{path}: {name.group(1)} waits on the wall clock and computes on the pool: split it")
        if alone == any(marker in region for marker in ALONE):
            names.append(name.group(1))
if not names:
    sys.exit(f"no wall-clock suite found under {root}")
print("\n".join(names))
