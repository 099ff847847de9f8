#!/usr/bin/env python3
"""Turns a trace (trace.md, e.g. from `hoistwatch simulate`) into the line driver's plan for the gpio-sim board.

Usage: hoistwatch-trace-to-lines TRACE PROFILE [--inputs a,b,...] > PLAN

The trace's levels are logical (1 = asserted); a sim line is set electrically (sim_gpioK/pull: pull-up = high),
so each level goes through the profile's active_low. The plan is text, one line each:
  I OFFSET LEVEL        initial electrical level of a line (the trace header's initial.levels; unnamed = 0)
  E T_NS OFFSET LEVEL   at T_NS after the start, set the line to LEVEL
Only the profile's inputs (or --inputs) are planned; ADC samples are left out (gpio-sim has no HX711)."""
import json
import sys
import tomllib


def main():
    args = sys.argv[1:]
    only = None
    if "--inputs" in args:
        i = args.index("--inputs")
        only = set(args[i + 1].split(","))
        del args[i:i + 2]
    if len(args) != 2:
        sys.exit(__doc__)
    trace, profile = args
    inputs = tomllib.load(open(profile, "rb"))["inputs"]
    if only is not None:
        inputs = {k: v for k, v in inputs.items() if k in only}
    out = sys.stdout
    with open(trace) as f:
        header = json.loads(f.readline())
        levels = header.get("initial", {}).get("levels", {})
        for name, line in sorted(inputs.items(), key=lambda kv: kv[1]["line"]):
            out.write("I %d %d\n" % (line["line"], levels.get(name, 0) ^ int(line["active_low"])))
        skipped = 0
        for text in f:
            event = json.loads(text)
            name = event.get("line")
            if name is None:
                continue
            line = inputs.get(name)
            if line is None:
                skipped += 1
                continue
            out.write("E %d %d %d\n" % (event["t_ns"], line["line"], event["level"] ^ int(line["active_low"])))
    if skipped:
        print("trace-to-lines: %d events of inputs not planned left out" % skipped, file=sys.stderr)


main()
