#!/usr/bin/env python3
"""The MQTT contract's machine-readable form (docs/schemas/*.schema.json, docs/asyncapi.yaml), checked.

  contract.py validate DIR [--require KIND ...]  every message a test saved in DIR, against the schemas
  contract.py readme [--write] [README]          the README's contract tables: generated from the schemas,
                                                 and an error when the README's differ (--write rewrites them)
  contract.py selfcheck                          the schemas are valid draft 2020-12, agree with each other and
                                                 with docs/asyncapi.yaml, and refuse known-bad payloads

A saved message (Tests/HoistWatchTestSupport/ContractSamples.swift) is one file: the topic, a newline, the payload.
Validation uses the `jsonschema` package (Debian's python3-jsonschema 4.10, or newer from pip).
"""
import argparse
import json
import os
import re
import subprocess
import sys

import jsonschema

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCHEMAS = os.path.join(ROOT, "docs", "schemas")
NAMES = ["common", "event", "status", "flight-record"]
KINDS = ["event", "status:birth", "status:periodic", "status:will", "record"]


def load_schemas():
    return {name: json.load(open(os.path.join(SCHEMAS, f"{name}.schema.json"))) for name in NAMES}


def validators(schemas):
    """One Draft 2020-12 validator per message schema, resolving the relative $refs between the files by their $id
    (with `referencing` where jsonschema has it, 4.18 and later; with RefResolver before)."""
    by_id = {schema["$id"]: schema for schema in schemas.values()}
    cls = jsonschema.Draft202012Validator
    try:
        from referencing import Registry, Resource
        from referencing.jsonschema import DRAFT202012

        registry = Registry().with_resources(
            (uri, Resource.from_contents(s, default_specification=DRAFT202012)) for uri, s in by_id.items())
        return {name: cls(schemas[name], registry=registry) for name in ["event", "status", "flight-record"]}
    except ImportError:
        return {
            name: cls(schemas[name], resolver=jsonschema.RefResolver(schemas[name]["$id"], schemas[name], store=by_id))
            for name in ["event", "status", "flight-record"]
        }


def errors_of(validator, value):
    return [f"{'/'.join(str(p) for p in e.absolute_path) or '(top)'}: {e.message}"
            for e in sorted(validator.iter_errors(value), key=lambda e: list(map(str, e.absolute_path)))]


def check_message(checkers, topic, payload):
    """The problems of one message (empty: valid) and its kind (`event`, `status:birth`, ..., `record`)."""
    parts = topic.split("/")
    if len(parts) >= 6 and parts[-4] == "record":
        return [f"a record part must be joined with its others first: {topic}"], "record"
    if len(parts) >= 4 and parts[-2] == "record":
        return check_record(checkers, parts[-3], parts[-1], payload), "record"
    if len(parts) < 3 or parts[-1] not in ("event", "status", "birth"):
        return [f"not a topic of the contract: {topic}"], None
    try:
        body = json.loads(payload.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as error:
        return [f"not JSON: {error}"], None
    # {prefix}/{device_id}/birth (main's link part): the birth, retained on a topic of its own; a status payload.
    name = "status" if parts[-1] == "birth" else parts[-1]
    problems = errors_of(checkers[name], body)
    if parts[-1] == "birth" and isinstance(body, dict) and body.get("kind") != "birth":
        problems.append(f"kind {body.get('kind')!r} on the birth topic")
    if isinstance(body, dict) and body.get("device_id") != parts[-2]:
        problems.append(f"device_id {body.get('device_id')!r} is not the topic's {parts[-2]!r}")
    kind = name if name == "event" else f"status:{body.get('kind') if isinstance(body, dict) else '?'}"
    return problems, kind


ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"


def decoded_record(payload):
    """A record's trace text: the payload itself, or the one Zstandard frame it is (README "Flight records"), decoded
    with the zstd command as a platform would with its own decoder. Returns (text, problems)."""
    if not payload.startswith(ZSTD_MAGIC):
        return payload, []
    run = subprocess.run(["zstd", "-d", "-c", "-q"], input=payload, capture_output=True)
    if run.returncode != 0:
        return b"", [f"a Zstandard frame that does not decode: {run.stderr.decode('utf-8', 'replace').strip()}"]
    return run.stdout, []


def check_record(checkers, device_id, event_id, payload):
    payload, problems = decoded_record(payload)
    if not re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", event_id):
        problems.append(f"the topic's event id {event_id!r} is not a UUID")
    if not payload.endswith(b"\n"):
        problems.append("the last line does not end in a newline")
    last_t = -1
    for number, line in enumerate(payload.decode("utf-8", "replace").splitlines(), start=1):
        try:
            value = json.loads(line)
        except ValueError as error:
            problems.append(f"line {number}: not JSON: {error}")
            continue
        problems += [f"line {number}: {p}" for p in errors_of(checkers["flight-record"], value)]
        if number == 1:
            if not isinstance(value, dict) or "format" not in value:
                problems.append("line 1 is not the header")
            elif value.get("device_id") != device_id:
                problems.append(f"header device_id {value.get('device_id')!r} is not the topic's {device_id!r}")
        elif isinstance(value, dict) and isinstance(value.get("t_ns"), int):
            if value["t_ns"] < last_t:
                problems.append(f"line {number}: t_ns {value['t_ns']} is smaller than the line before")
            last_t = value["t_ns"]
        if len(problems) > 20:
            break
    if payload.count(b"\n") < 1:
        problems.append("no header line")
    return problems


def validate(args):
    checkers = validators(load_schemas())
    seen = {kind: 0 for kind in KINDS}
    failures = 0
    files = sorted(f for f in os.listdir(args.dir) if f.endswith(".msg"))
    messages, split = [], {}
    for file in files:
        with open(os.path.join(args.dir, file), "rb") as handle:
            topic, _, payload = handle.read().partition(b"\n")
        topic = topic.decode("utf-8", "replace")
        levels = topic.split("/")
        # record/{event_id}/{part}/{n}: a flight record split to fit the message size limit; parts 1 to n joined in
        # order are the record (a retransmitted part counts once).
        if len(levels) >= 6 and levels[-4] == "record" and levels[-2].isdigit() and levels[-1].isdigit():
            key = ("/".join(levels[:-2]), int(levels[-1]), file.split("-")[0])
            split.setdefault(key, {})[int(levels[-2])] = payload
            continue
        messages.append((file, topic, payload))
    for (whole_topic, count, process), parts in split.items():
        if sorted(parts) != list(range(1, count + 1)):
            messages.append((f"{whole_topic} (split)", whole_topic, None))
        else:
            messages.append((f"{whole_topic} ({count} parts)", whole_topic, b"".join(parts[n] for n in range(1, count + 1))))
    for file, topic, payload in messages:
        if payload is None:
            problems, kind = [f"parts missing of a split record: {topic}"], "record"
        else:
            problems, kind = check_message(checkers, topic, payload)
        if kind in seen:
            seen[kind] += 1
        if problems:
            failures += 1
            if failures <= 20:
                print(f"invalid: {file} ({topic}):", file=sys.stderr)
                for problem in problems[:10]:
                    print(f"    {problem}", file=sys.stderr)
    summary = ", ".join(f"{count} {kind}" for kind, count in seen.items())
    print(f"contract: {len(files)} messages saved by the tests, {len(messages)} after joining split records "
          f"({summary}): {failures} invalid")
    missing = [kind for kind in args.require if seen.get(kind, 0) == 0]
    if missing:
        print(f"error: no {', '.join(missing)} message was saved: the validation would prove nothing", file=sys.stderr)
    return 1 if failures or missing else 0


# README tables, generated from the schemas. Each sits between `<!-- contract:NAME -->` and `<!-- /contract:NAME -->`.


def ref_name(schema):
    return schema["$ref"].rsplit("/", 1)[-1]


def event_types_table(schemas):
    event = schemas["event"]
    rows = ["| `type` | severity | `data` keys |", "|---|---|---|"]
    for name, spec in event["$defs"]["types"].items():
        severity = " or ".join(spec["properties"]["severity"]["enum"])
        keys = ", ".join(f"`{k}`" for k in spec["properties"]["data"]["properties"])
        rows.append(f"| `{name}` | {severity} | {keys} |")
    return rows


def data_keys_table(schemas):
    rows = ["| `data` key | meaning |", "|---|---|"]
    for key, spec in schemas["event"]["$defs"]["reading"].items():
        rows.append(f"| `{key}` | {spec.get('description', '')} |")
    return rows


def event_fields_table(schemas):
    event = schemas["event"]
    required = set(event["required"])
    rows = ["| key | always | meaning |", "|---|---|---|"]
    common = schemas["common"]["$defs"]
    for key, spec in event["properties"].items():
        meaning = spec.get("description") or common.get(ref_name(spec) if "$ref" in spec else "", {}).get("description", "")
        rows.append(f"| `{key}` | {'yes' if key in required else 'no'} | {meaning} |")
    return rows


def status_table(schemas):
    status = schemas["status"]
    kinds = {rule["if"]["properties"]["kind"]["const"]: set(rule["then"]["required"]) for rule in status["allOf"]}
    common = schemas["common"]["$defs"]
    rows = ["| key | in | meaning |", "|---|---|---|"]
    for key, spec in status["properties"].items():
        where = ", ".join(kind for kind, required in kinds.items() if key in required) or spec.get("x-in", "")
        meaning = spec.get("description") or common.get(ref_name(spec) if "$ref" in spec else "", {}).get("description", "")
        sub = spec.get("properties") or spec.get("items", {}).get("properties")
        if sub:
            meaning += " (" + ", ".join(f"`{k}`" for k in sub) + ")"
        rows.append(f"| `{key}` | {where} | {meaning} |")
    return rows


TABLES = {
    "event-fields": event_fields_table,
    "event-types": event_types_table,
    "data-keys": data_keys_table,
    "status": status_table,
}


def readme(args):
    schemas = load_schemas()
    text = open(args.readme).read()
    new = text
    for name, table in TABLES.items():
        pattern = re.compile(rf"(<!-- contract:{name} [^\n]*-->\n)(.*?)(<!-- /contract:{name} -->)", re.S)
        if not pattern.search(new):
            print(f"error: {args.readme} has no <!-- contract:{name} ... --> table", file=sys.stderr)
            return 1
        new = pattern.sub(lambda m: m.group(1) + "\n".join(table(schemas)) + "\n" + m.group(3), new)
    if new == text:
        print(f"contract: the tables of {os.path.relpath(args.readme)} match docs/schemas")
        return 0
    if args.write:
        open(args.readme, "w").write(new)
        print(f"contract: rewrote the tables of {args.readme} from docs/schemas")
        return 0
    import difflib

    sys.stderr.writelines(difflib.unified_diff(
        text.splitlines(True), new.splitlines(True), args.readme, "generated from docs/schemas"))
    print(f"error: the MQTT tables of {args.readme} differ from docs/schemas (above); "
          "`python3 scripts/contract.py readme --write` regenerates them", file=sys.stderr)
    return 1


# Self-check: what must hold between the files, and payloads the schemas must refuse.

GOOD_EVENT = {
    "schema": "hoistwatch.event/1", "id": "0193a5c2-7d1e-7b3a-9c4f-2b1e5d6f7a80", "device_id": "37010000000000000001",
    "seq": 1042, "type": "overspeed", "transition": "raised", "severity": "alarm", "mono_ns": 81234567890,
    "boot_id": "5f0c1a2b-3c4d-4e5f-8a9b-0c1d2e3f4a5b", "time": "2026-11-22T08:00:00.123Z", "time_synced": True,
    "data": {"speed_mps": 2.21, "rated_speed_mps": 1.75, "position_m": 7.9},
}
BAD_EVENTS = {
    "no seq": lambda e: e.pop("seq"),
    "an unknown top-level key": lambda e: e.update(extra=1),
    "an unknown type": lambda e: e.update(type="earthquake"),
    "a data key the type does not send": lambda e: e["data"].update(load_kg=3.0),
    "the wrong severity for the type": lambda e: e.update(severity="info"),
    "cleared without raised_id": lambda e: e.update(transition="cleared", duration_s=1.0),
    "historical false (sent only as true)": lambda e: e.update(historical=False),
    "a time without milliseconds": lambda e: e.update(time="2026-11-22T08:00:00Z"),
    "a boolean for an integer level": lambda e: e.update(type="power_failure", severity="warning", data={"mains_ok": True}),
}


def selfcheck(_args):
    schemas = load_schemas()
    problems = []
    for name, schema in schemas.items():
        try:
            jsonschema.Draft202012Validator.check_schema(schema)
        except jsonschema.SchemaError as error:
            problems.append(f"{name}.schema.json is not a valid draft 2020-12 schema: {error.message}")
    event = schemas["event"]
    enum = event["properties"]["type"]["enum"]
    defined = list(event["$defs"]["types"])
    dispatched = [r["if"]["properties"]["type"]["const"] for r in event["allOf"] if "type" in r["if"]["properties"]]
    if not enum == defined == dispatched:
        problems.append(f"event types disagree: properties.type.enum {enum}, $defs/types {defined}, allOf {dispatched}")
    for type_name, spec in event["$defs"]["types"].items():
        for key, ref in spec["properties"]["data"]["properties"].items():
            if ref.get("$ref") != f"#/$defs/reading/{key}":
                problems.append(f"event type {type_name}: data key {key} is not a $ref to $defs/reading/{key}")
    used = {k for spec in event["$defs"]["types"].values() for k in spec["properties"]["data"]["properties"]}
    for unused in set(event["$defs"]["reading"]) - used:
        problems.append(f"event reading {unused} is sent by no type")
    status = schemas["status"]
    for rule in status["allOf"]:
        for key in rule["then"]["required"]:
            if key not in status["properties"]:
                problems.append(f"status kind {rule['if']['properties']['kind']['const']} requires unknown key {key}")
    problems += asyncapi_problems()
    checkers = validators(schemas)
    if errors_of(checkers["event"], GOOD_EVENT):
        problems.append(f"the example event of mqtt.md is refused: {errors_of(checkers['event'], GOOD_EVENT)}")
    for what, spoil in BAD_EVENTS.items():
        bad = json.loads(json.dumps(GOOD_EVENT))
        spoil(bad)
        if not errors_of(checkers["event"], bad):
            problems.append(f"an event with {what} is accepted")
    for problem in problems:
        print(f"error: {problem}", file=sys.stderr)
    if not problems:
        print(f"contract: schemas valid and consistent; {len(BAD_EVENTS)} bad events refused; asyncapi.yaml agrees")
    return 1 if problems else 0


def asyncapi_problems():
    """docs/asyncapi.yaml: AsyncAPI 3.0, every $ref to a schema file resolves, and its channels are the topics of
    mqtt.md with the QoS and retain flags of the contract. (Not a full AsyncAPI validation: no AsyncAPI validator
    is packaged for Debian.)"""
    import yaml

    path = os.path.join(ROOT, "docs", "asyncapi.yaml")
    doc = yaml.safe_load(open(path))
    problems = []
    if not str(doc.get("asyncapi", "")).startswith("3."):
        problems.append("asyncapi.yaml: not AsyncAPI 3.x")

    def walk(node, where):
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str):
                file, _, pointer = ref.partition("#")
                target = doc if not file else json.load(open(os.path.join(ROOT, "docs", file)))
                for part in [p for p in pointer.split("/") if p]:
                    part = part.replace("~1", "/").replace("~0", "~")
                    if not isinstance(target, dict) or part not in target:
                        problems.append(f"asyncapi.yaml {where}: $ref {ref} does not resolve")
                        break
                    target = target[part]
            for key, value in node.items():
                walk(value, f"{where}/{key}")
        elif isinstance(node, list):
            for index, value in enumerate(node):
                walk(value, f"{where}/{index}")

    walk(doc, "")
    expected = {"{prefix}/{device_id}/event": (1, False), "{prefix}/{device_id}/status": (1, True),
                "{prefix}/{device_id}/record/{event_id}": (1, False)}
    addresses = {c.get("address"): name for name, c in doc.get("channels", {}).items()}
    for address, (qos, retain) in expected.items():
        if address not in addresses:
            problems.append(f"asyncapi.yaml: no channel {address}")
            continue
        channel = addresses[address]
        operations = [o for o in doc.get("operations", {}).values() if o.get("channel", {}).get("$ref") == f"#/channels/{channel}"]
        if not operations:
            problems.append(f"asyncapi.yaml: no operation sends on {address}")
        for operation in operations:
            binding = operation.get("bindings", {}).get("mqtt", {})
            if binding.get("qos") != qos or binding.get("retain") != retain:
                problems.append(f"asyncapi.yaml: {address}: qos {binding.get('qos')} retain {binding.get('retain')}, "
                                f"the contract says qos {qos} retain {retain}")
    return problems


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    one = commands.add_parser("validate")
    one.add_argument("dir")
    one.add_argument("--require", nargs="*", default=[], choices=KINDS)
    one.set_defaults(run=validate)
    two = commands.add_parser("readme")
    two.add_argument("readme", nargs="?", default=os.path.join(ROOT, "README.md"))
    two.add_argument("--write", action="store_true")
    two.set_defaults(run=readme)
    three = commands.add_parser("selfcheck")
    three.set_defaults(run=selfcheck)
    args = parser.parse_args()
    sys.exit(args.run(args))


if __name__ == "__main__":
    main()
