#!/usr/bin/env python3
"""Compares events with a scenario's [[expect]] list, as Scenario.verify does (HoistWatchSimulator): every
expectation must match exactly `count` events (type, transition, `case` / `cause` when given, and the time window
at_s_min..at_s_max), and every event must be accounted for by one expectation.

Usage: hoistwatch-check-expect SCENARIO EVENTS --zero-ns MONO_NS [--slack-s S]

EVENTS: the events, one a line: the `event` payloads of mqtt.md as JSON, or mosquitto_sub -v lines ("topic {...}").
An event's time in the scenario is its mono_ns minus MONO_NS (where the scenario's time 0 was on CLOCK_MONOTONIC:
the line driver's start_mono_ns for a live run, the offset of the recording for a replay). --slack-s widens every
window by S seconds on both sides (default 0). Prints each event with its time, then one line per unmet expectation
and unexpected event, or "all expectations met"; exit 0 only then."""
import json
import sys
import tomllib


def main():
    args = sys.argv[1:]
    opts = {"--zero-ns": None, "--slack-s": "0"}
    for name in list(opts):
        if name in args:
            i = args.index(name)
            opts[name] = args[i + 1]
            del args[i:i + 2]
    if len(args) != 2 or opts["--zero-ns"] is None:
        sys.exit(__doc__)
    scenario, events_path = args
    zero = int(opts["--zero-ns"])
    slack = float(opts["--slack-s"])
    expectations = tomllib.load(open(scenario, "rb")).get("expect", [])
    events = []
    for text in open(events_path):
        if "{" not in text:
            continue
        try:
            event = json.loads(text[text.index("{"):])
        except ValueError:
            continue
        if "type" in event and "transition" in event and "mono_ns" in event:
            events.append(event)
    matched = [0] * len(expectations)
    unexpected = []
    for event in events:
        at_s = (event["mono_ns"] - zero) / 1e9
        data = event.get("data") or {}
        print("  event at %.3f s: %s %s%s%s" % (
            at_s, event["type"], event["transition"],
            " (case %s)" % data["case"] if "case" in data else "",
            " (causes %s)" % ",".join(data["causes"]) if "causes" in data else ""))
        for i, e in enumerate(expectations):
            if matched[i] >= e.get("count", 1) or e["type"] != event["type"] or e["transition"] != event["transition"]:
                continue
            if "case" in e and data.get("case") != e["case"]:
                continue
            if "cause" in e and e["cause"] not in data.get("causes", []):
                continue
            if not (e["at_s_min"] - slack <= at_s <= e["at_s_max"] + slack):
                continue
            matched[i] += 1
            break
        else:
            unexpected.append((at_s, event))
    problems = []
    for i, e in enumerate(expectations):
        if matched[i] != e.get("count", 1):
            problems.append("expect[%d]: expected %d %s %s%s between %s s and %s s, found %d" % (
                i, e.get("count", 1), e["type"], e["transition"], " (case %s)" % e["case"] if "case" in e else "",
                e["at_s_min"], e["at_s_max"], matched[i]))
    for at_s, event in unexpected:
        problems.append("unexpected %s %s at %.3f s" % (event["type"], event["transition"], at_s))
    print("\n".join(problems) if problems else "all expectations met (%d events)" % len(events))
    sys.exit(1 if problems else 0)


main()
