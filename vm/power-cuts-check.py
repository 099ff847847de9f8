#!/usr/bin/env python3
"""Judges a vm/power-cuts.sh run (README "Board VM").

Usage: power-cuts-check.py --max-seq SUBSCRIBER_LOG      the highest event seq the host subscriber has
       power-cuts-check.py SUBSCRIBER_LOG HISTORY GUEST_INTEGRITY HOST_INTEGRITY ACKED CUTS

SUBSCRIBER_LOG: mosquitto_sub -v of everything ("topic payload"); HISTORY: `hoistwatch history --json` of the last
boot; *_INTEGRITY: PRAGMA integrity_check's output in the guest and on the host; ACKED: the highest seq the broker
had acknowledged before the last boot. Prints one PASS/FAIL line per check and the figures; exit 0 only if all pass.

Content is compared without `historical`: mqtt.md has the link add `"historical": true` to an event it sends from
the backlog (one still in the outbox when the connection came up, as after a cut), and the history renders the
event as it was live (docs/outbox.md), so a copy sent after a reboot differs from the history and from an earlier
live copy in that key alone, rightly. The figures count those events."""
import json
import sys

DELIVERY_KEYS = {"historical"}


def content(event):
    return {k: v for k, v in event.items() if k not in DELIVERY_KEYS}


def events(path):
    found = []
    for text in open(path, errors="replace"):
        topic, _, payload = text.partition(" ")
        if not topic.endswith("/event"):
            continue
        try:
            found.append(json.loads(payload))
        except ValueError:
            found.append({"unparsable": payload.strip()})
    return found


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--max-seq":
        print(max([e.get("seq", 0) for e in events(sys.argv[2])] or [0]))
        return 0
    if len(sys.argv) != 7:
        sys.exit(__doc__)
    sub, history_path, guest_integrity, host_integrity, acked, cuts = sys.argv[1:]
    acked = int(acked)
    got = events(sub)
    results = []

    def check(name, ok, detail):
        results.append(ok)
        print("%s: %s (%s)" % ("PASS" if ok else "FAIL", name, detail))

    bad = [e for e in got if "seq" not in e or "id" not in e]
    by_seq = {}
    for e in got:
        if "seq" in e:
            by_seq.setdefault(e["seq"], []).append(e)
    top = max(by_seq or [0])
    missing_acked = [s for s in range(1, acked + 1) if s not in by_seq]
    missing_all = [s for s in range(1, top + 1) if s not in by_seq]
    check("every seq up to the last acknowledged before the last boot arrived", not missing_acked and acked > 0,
          "1..%d, missing %s" % (acked, missing_acked[:20] or "none"))
    check("after the last boot, every seq up to the highest arrived", not missing_all,
          "1..%d, missing %s" % (top, missing_all[:20] or "none"))
    two_ids = {s: sorted({e["id"] for e in es}) for s, es in by_seq.items() if len({e["id"] for e in es}) > 1}
    check("each seq with one id", not two_ids and not bad,
          "%d seqs; %s" % (len(by_seq), "seqs with several ids: %s" % dict(list(two_ids.items())[:5]) if two_ids
                           else "%d unparsable or without seq/id" % len(bad) if bad else "none with two"))
    repeats = {s: es for s, es in by_seq.items() if len(es) > 1}
    differing = []
    for s, es in repeats.items():
        first = es[0]
        for e in es[1:]:
            if content(e) != content(first):
                differing.append((s, sorted(k for k in set(first) | set(e) - DELIVERY_KEYS if first.get(k) != e.get(k))))
    check("nothing twice with different content", not differing,
          "%d events, %d seqs received more than once (%d extra copies), %s" % (
              len(got), len(repeats), sum(len(es) - 1 for es in repeats.values()),
              "differing: %s" % differing[:5] if differing else "every copy identical"))

    history = []
    try:
        history_lines = open(history_path).readlines()
    except OSError:
        history_lines = []
    for text in history_lines:
        text = text.strip()
        if text:
            try:
                history.append(json.loads(text))
            except ValueError:
                history.append({"unparsable": text})
    hist_events = [h for h in history if "seq" in h and "type" in h]
    hist_by_seq = {}
    for h in hist_events:
        hist_by_seq.setdefault(h["seq"], []).append(h)
    not_in_history = [s for s in by_seq if s not in hist_by_seq]
    only_in_history = [s for s in hist_by_seq if s not in by_seq]
    twice_in_history = [s for s, hs in hist_by_seq.items() if len(hs) > 1]
    unlike = []
    for s, hs in hist_by_seq.items():
        if s in by_seq and content(hs[0]) != content(by_seq[s][0]):
            unlike.append((s, sorted(k for k in set(hs[0]) | set(by_seq[s][0]) - DELIVERY_KEYS
                                     if hs[0].get(k) != by_seq[s][0].get(k))))
    check("local history intact", hist_events and not not_in_history and not only_in_history and not twice_in_history
          and not unlike,
          "%d rows, %d events; at the broker but not in history: %s; in history only: %s; twice: %s; content "
          "differing: %s" % (len(history), len(hist_events), not_in_history[:10] or "none",
                             only_in_history[:10] or "none", twice_in_history[:10] or "none", unlike[:5] or "none"))
    def text(path):
        try:
            return open(path).read().strip()
        except OSError:
            return ""
    g, h = text(guest_integrity), text(host_integrity)
    check("outbox database integrity_check", g == "ok" and h == "ok", "in the guest: %s; on the host, read from "
          "the image: %s" % (g or "(nothing)", h or "(nothing)"))
    types = {}
    for s, es in by_seq.items():
        key = "%s %s" % (es[0].get("type"), es[0].get("transition"))
        types[key] = types.get(key, 0) + 1
    historical = sorted({e["seq"] for e in got if e.get("historical") is True and "seq" in e})
    print("figures: %s power cuts, %s boots; %d events at the broker (%d seqs, highest %d; %d acknowledged before the "
          "last boot), %d duplicate copies, %d sent from the backlog (historical: seq %s); by type: %s" % (
              cuts, int(cuts) + 1, len(got), len(by_seq), top, acked, sum(len(es) - 1 for es in repeats.values()),
              len(historical), ", ".join(map(str, historical[:20])) or "none",
              ", ".join("%s %d" % kv for kv in sorted(types.items()))))
    print("RESULT: %s" % ("PASS" if all(results) else "FAIL"))
    return 0 if all(results) else 1


sys.exit(main())
