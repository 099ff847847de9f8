#!/usr/bin/env python3
"""Reads `mosquitto_sub -F '%t %x'` lines (topic, hex payload) and prints what a rescuer on the platform
would want to see: one readable line per alert, status changes, flight records. Demo tooling only."""
import json
import subprocess
import sys

# A flight record's payload is its trace as one Zstandard frame (README, "Flight records"); trace text starts with "{".
ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"


def record_trace(payload):
    """The trace text of a flight record payload: decompressed with the zstandard module if Python has it
    (python3-zstandard; Python 3.14's compression.zstd), else with the zstd command line tool."""
    if not payload.startswith(ZSTD_MAGIC):
        return payload
    try:
        from compression import zstd  # Python 3.14
        return zstd.decompress(payload)
    except ImportError:
        pass
    try:
        import zstandard
        return zstandard.ZstdDecompressor().decompress(payload)
    except ImportError:
        return subprocess.run(["zstd", "-dc"], input=payload, capture_output=True, check=True).stdout

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
    for line in sys.stdin:
        topic, _, hexed = line.strip().partition(" ")
        try:
            payload = bytes.fromhex(hexed)
        except ValueError:
            continue
        if "/record/" in topic:
            try:
                trace = record_trace(payload)
            except (OSError, subprocess.CalledProcessError, ValueError) as error:
                print(f"         (flight record on {topic} not decoded: {error})", flush=True)
                continue
            lines = trace.count(b"\n")
            packed = f", {len(payload) / 1000:.0f} kB compressed from {len(trace) / 1000:.0f} kB" \
                if len(trace) != len(payload) else ""
            print(f"         flight record for {topic.rsplit('/', 1)[-1][:13]}...: {lines - 1} input events{packed}",
                  flush=True)
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
