#!/usr/bin/env python3
"""Reads `mosquitto_sub -F '%t %x'` lines (topic, hex payload) and prints what a rescuer on the platform
would want to see: one readable line per alert, status changes, flight records. Demo tooling only."""
import json
import sys

COLOURS = sys.stdout.isatty()


def paint(text, code):
    return f"\033[{code}m{text}\033[0m" if COLOURS else text


SEVERITY = {"alarm": ("ALARM  ", "1;31"), "warning": ("WARNING", "1;33"), "info": ("info   ", "36")}
DATA_NAMES = {
    "speed_mps": ("speed", "m/s"), "rated_speed_mps": ("rated", "m/s"), "position_m": ("at", "m"),
    "load_kg": ("load", "kg"), "rated_kg": ("rated", "kg"), "floor": ("floor", ""), "case": ("case", ""),
    "switch": ("switch", ""), "stopped_s": ("stopped", "s"), "wind_mps": ("wind", "m/s"),
}


def describe_data(data):
    parts = []
    for key, value in data.items():
        name, unit = DATA_NAMES.get(key, (key, ""))
        if isinstance(value, float):
            value = f"{value:.2f}".rstrip("0").rstrip(".")
        parts.append(f"{name} {value}{(' ' + unit) if unit else ''}")
    return ", ".join(parts)


def show_event(event):
    label, colour = SEVERITY.get(event.get("severity"), (event.get("severity", "?"), "0"))
    clock = event.get("time", "")[11:19]
    kind = event["type"].replace("_", " ")
    if event.get("transition") == "cleared":
        line = f"{clock}  {paint('cleared', '32')}  {kind} after {event.get('duration_s', 0):.1f} s"
    else:
        line = f"{clock}  {paint(label, colour)}  {kind.upper()}  {describe_data(event.get('data', {}))}"
    extra = " (catch-up)" if event.get("historical") else ""
    print(f"{line}   [seq {event['seq']}]{extra}", flush=True)


def show_status(status):
    if not status.get("online", False):
        print(paint(f"         board OFFLINE (session {status.get('session')})", "1;35"), flush=True)
        return
    active = ", ".join(f["type"] for f in status.get("active_faults", [])) or "none"
    outbox = status.get("outbox", {}).get("count", "?")
    kind = status.get("kind", "status")
    if kind == "birth":
        print(paint(f"         board ONLINE: {status.get('equipment')} {status.get('device_id')}, "
                    f"software {status.get('version')}, session {status.get('session')}, "
                    f"{len(status.get('detectors_on', []))} detectors on", "1;34"), flush=True)
    print(f"         status: active faults: {active}; outbox: {outbox} waiting; "
          f"trips {status.get('counters', {}).get('trips', '?')}", flush=True)


def main():
    parts = {}  # event id -> {part number: bytes}, for records split to fit the message size limit
    for line in sys.stdin:
        topic, _, hexed = line.strip().partition(" ")
        try:
            payload = bytes.fromhex(hexed)
        except ValueError:
            continue
        if "/record/" in topic:
            # record/{event_id}, or record/{event_id}/{part}/{parts}: join parts 1..n in order (README).
            levels = topic.split("/record/", 1)[1].split("/")
            event_id = levels[0]
            if len(levels) == 3:
                got = parts.setdefault(event_id, {})
                got[int(levels[1])] = payload
                if len(got) < int(levels[2]):
                    continue
                payload = b"".join(got[n] for n in sorted(got))
                del parts[event_id]
            lines = payload.count(b"\n")
            print(f"         flight record for {event_id[:13]}...: {lines - 1} input events", flush=True)
            continue
        try:
            body = json.loads(payload)
        except ValueError:
            print(f"         (unreadable message on {topic})", flush=True)
            continue
        if topic.endswith("/event"):
            show_event(body)
        elif topic.endswith("/status"):
            show_status(body)


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        pass
