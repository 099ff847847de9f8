#!/usr/bin/env python3
"""The MQTT contract's machine-readable form (docs/schemas/*.schema.json, docs/asyncapi.yaml), checked.

  contract.py validate DIR [--require KIND ...]  every message a test saved in DIR, against the schemas
  contract.py readme [--write] [README]          the README's contract tables: generated from the schemas,
                                                 and an error when the README's differ (--write rewrites them)
  contract.py selfcheck                          the schemas are valid draft 2020-12, agree with each other and
                                                 with docs/asyncapi.yaml, and refuse known-bad payloads;
                                                 docs/asyncapi.yaml is valid against the official AsyncAPI 3.0.0
                                                 and MQTT 0.2.0 binding schemas (docs/vendor/asyncapi, draft-07,
                                                 offline) and the spec's rules the schema cannot say, and
                                                 known-bad AsyncAPI documents are refused

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
    except (ImportError, TypeError):  # TypeError: a jsonschema older than `referencing` beside a newer `referencing`
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
    asyncapi, refused = asyncapi_selfcheck()
    problems += asyncapi
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
        print(f"contract: schemas valid and consistent; {len(BAD_EVENTS)} bad events refused; asyncapi.yaml valid "
              f"against the official AsyncAPI 3.0.0 and MQTT 0.2.0 binding schemas and agrees with the schemas; "
              f"{refused} bad AsyncAPI documents refused")
    return 1 if problems else 0


def load_asyncapi():
    import yaml

    return yaml.safe_load(open(os.path.join(ROOT, "docs", "asyncapi.yaml")))


def asyncapi_problems(doc):
    """Our own rules for docs/asyncapi.yaml, beside the official schema (asyncapi_schema_problems): AsyncAPI 3.x, every
    $ref (to this file or to a schema file) resolves, and its channels are the topics of mqtt.md with the QoS and
    retain flags of the contract."""
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
    addresses = {c.get("address"): name for name, c in (doc.get("channels") or {}).items()}
    for address, (qos, retain) in expected.items():
        if address not in addresses:
            problems.append(f"asyncapi.yaml: no channel {address}")
            continue
        channel = addresses[address]
        operations = [o for o in (doc.get("operations") or {}).values()
                      if (o.get("channel") or {}).get("$ref") == f"#/channels/{channel}"]
        if not operations:
            problems.append(f"asyncapi.yaml: no operation sends on {address}")
        for operation in operations:
            binding = (operation.get("bindings") or {}).get("mqtt") or {}
            if binding.get("qos") != qos or binding.get("retain") != retain:
                problems.append(f"asyncapi.yaml: {address}: qos {binding.get('qos')} retain {binding.get('retain')}, "
                                f"the contract says qos {qos} retain {retain}")
    return problems


# The official AsyncAPI schemas (docs/vendor/asyncapi, README there: source, commit, license), draft-07.

VENDOR = os.path.join(ROOT, "docs", "vendor", "asyncapi")
BINDING_KINDS = ["server", "operation", "message"]


def vendored_problems():
    """The vendored files are the ones their README names (sha256), unchanged, and valid draft-07 schemas."""
    import hashlib

    problems = []
    readme = open(os.path.join(VENDOR, "README.md")).read()
    listed = dict(re.findall(r"^\| `([^`]+)` \|.*\| `([0-9a-f]{64})` \|$", readme, re.M))
    for path in ["3.0.0.json"] + [f"bindings/mqtt/0.2.0/{kind}.json" for kind in BINDING_KINDS]:
        full = os.path.join(VENDOR, path)
        digest = hashlib.sha256(open(full, "rb").read()).hexdigest()
        if listed.get(path) != digest:
            problems.append(f"docs/vendor/asyncapi/{path}: sha256 {digest}, its README lists {listed.get(path)}")
        try:
            jsonschema.Draft7Validator.check_schema(json.load(open(full)))
        except jsonschema.SchemaError as error:
            problems.append(f"docs/vendor/asyncapi/{path} is not a valid draft-07 schema: {error.message}")
    return problems


def asyncapi_validators():
    """A Draft-07 validator of the AsyncAPI 3.0.0 document format, and one per MQTT 0.2.0 binding (server, operation,
    message), all resolving their $refs (absolute http://asyncapi.com/... URIs) among the vendored files only: every
    definition the bundle embeds under its $id is registered, and a $ref to anything else is an error, never a
    download (`referencing` without a retriever where jsonschema has it, 4.18 and later; RefResolver with the http and
    https handlers refusing before)."""
    spec = json.load(open(os.path.join(VENDOR, "3.0.0.json")))
    bindings = {kind: json.load(open(os.path.join(VENDOR, "bindings", "mqtt", "0.2.0", f"{kind}.json")))
                for kind in BINDING_KINDS}
    resources = {spec["$id"]: spec}
    for uri, definition in spec["definitions"].items():
        resources[definition.get("$id", uri).rstrip("#")] = definition
    for binding in bindings.values():
        resources[binding["$id"]] = binding
    cls = jsonschema.Draft7Validator
    try:
        from referencing import Registry, Resource
        from referencing.jsonschema import DRAFT7

        registry = Registry().with_resources(
            (uri, Resource.from_contents(s, default_specification=DRAFT7)) for uri, s in resources.items())
        cls({}, registry=registry)  # a jsonschema older than `referencing` (TypeError) takes the other way

        def make(schema):
            return cls(schema, registry=registry)
    except (ImportError, TypeError):
        def offline(uri):
            raise jsonschema.RefResolutionError(f"{uri} is not vendored (docs/vendor/asyncapi); not fetched")

        def make(schema):
            resolver = jsonschema.RefResolver(schema["$id"], schema, store=dict(resources),
                                              handlers={"http": offline, "https": offline})
            return cls(schema, resolver=resolver)
    return make(spec), {kind: make(schema) for kind, schema in bindings.items()}


def short_errors(validator, value, base=""):
    """Each error of `value`, as where it is and what is wrong. Where AsyncAPI allows a Reference or an object (a
    oneOf) and neither fits, the errors of the object branch are the ones that say what is wrong (not having a `$ref`
    is not the problem); otherwise jsonschema's best_match inside the error. The instance is cut short."""
    def explained(error):
        if error.context:
            branches = {}
            for inner in error.context:
                branches.setdefault(inner.relative_schema_path[0], []).append(inner)
            real = [errors for errors in branches.values()
                    if not any(e.validator == "required" and e.message.startswith("'$ref'") for e in errors)]
            if len(real) == 1:
                return [found for inner in real[0] for found in explained(inner)]
        return [jsonschema.exceptions.best_match([error])]

    problems = []
    try:
        errors = sorted(validator.iter_errors(value), key=lambda e: list(map(str, e.absolute_path)))
    except Exception as error:  # an unresolvable $ref: the vendored files are incomplete
        return [f"(the schema) cannot be applied (a $ref to a file not in docs/vendor/asyncapi?): "
                f"{type(error).__name__}: {error}"]
    for error in errors:
        for best in explained(error):
            path = "/".join([base] * bool(base) + [str(p) for p in best.absolute_path]) or "(top)"
            message = best.message if len(best.message) <= 160 else best.message[:157] + "..."
            problems.append(f"{path}: {message}")
    return problems


def mqtt_bindings(doc):
    """(where, kind, binding) for every MQTT binding object of the document: servers', operations', messages' (in
    channels and components), their traits', and the reusable ones of components; a $ref to this document resolved."""
    def resolved(node):
        ref = node.get("$ref") if isinstance(node, dict) else None
        if isinstance(ref, str) and ref.startswith("#/"):
            for part in ref[2:].split("/"):
                node = node.get(part.replace("~1", "/").replace("~0", "~")) if isinstance(node, dict) else None
        return node if isinstance(node, dict) else None

    def of(objects, where, kind):
        for name, thing in (objects or {}).items() if isinstance(objects, dict) else []:
            thing = resolved(thing)
            bindings = resolved((thing or {}).get("bindings"))
            if bindings and isinstance(bindings.get("mqtt"), dict):
                yield f"{where}/{name}/bindings/mqtt", kind, resolved(bindings["mqtt"])
            traits = (thing or {}).get("traits")
            if isinstance(traits, list):
                yield from of(dict(enumerate(traits)), f"{where}/{name}/traits", kind)

    components = doc.get("components") or {}
    yield from of(doc.get("servers"), "servers", "server")
    yield from of(doc.get("operations"), "operations", "operation")
    for name, channel in (doc.get("channels") or {}).items():
        yield from of((resolved(channel) or {}).get("messages"), f"channels/{name}/messages", "message")
    yield from of(components.get("servers"), "components/servers", "server")
    yield from of(components.get("operations"), "components/operations", "operation")
    yield from of(components.get("messages"), "components/messages", "message")
    yield from of(components.get("operationTraits"), "components/operationTraits", "operation")
    yield from of(components.get("messageTraits"), "components/messageTraits", "message")
    for kind in BINDING_KINDS:
        for name, bindings in (components.get(f"{kind}Bindings") or {}).items():
            if isinstance(bindings, dict) and isinstance(bindings.get("mqtt"), dict):
                yield f"components/{kind}Bindings/{name}/mqtt", kind, resolved(bindings["mqtt"])


def asyncapi_schema_problems(doc, checkers):
    """docs/asyncapi.yaml against the official AsyncAPI 3.0.0 schema, and each MQTT binding in it against the
    official schema of its kind (the bundle checks them too, through its bindings objects; this names the binding)."""
    document, bindings = checkers
    problems = [f"asyncapi.yaml {p} (AsyncAPI 3.0.0 schema)" for p in short_errors(document, doc)]
    for where, kind, binding in mqtt_bindings(doc):
        problems += [f"asyncapi.yaml {p} (MQTT 0.2.0 {kind} binding schema)"
                     for p in short_errors(bindings[kind], binding, where)]
    return problems


def asyncapi_rule_problems(doc):
    """What the AsyncAPI 3.0.0 specification requires and its JSON Schema cannot say: the parameters of a channel are
    the `{name}` expressions of its address, a server's variables those of its host and pathname, an operation's
    channel is a channel of this document, and its messages are messages of that channel."""
    problems = []
    names = re.compile(r"\{([^{}]+)\}")
    for name, channel in (doc.get("channels") or {}).items():
        if not isinstance(channel, dict) or not isinstance(channel.get("address"), str):
            continue
        used, declared = set(names.findall(channel["address"])), set(channel.get("parameters") or {})
        for missing in sorted(used - declared):
            problems.append(f"asyncapi.yaml channels/{name}: address parameter {{{missing}}} is not in its parameters")
        for extra in sorted(declared - used):
            problems.append(f"asyncapi.yaml channels/{name}: parameter {extra} is not in its address")
    for name, server in (doc.get("servers") or {}).items():
        if not isinstance(server, dict):
            continue
        used = set(names.findall(str(server.get("host", "")) + str(server.get("pathname", ""))))
        declared = set(server.get("variables") or {})
        for missing in sorted(used - declared):
            problems.append(f"asyncapi.yaml servers/{name}: host variable {{{missing}}} is not in its variables")
        for extra in sorted(declared - used):
            problems.append(f"asyncapi.yaml servers/{name}: variable {extra} is not in its host or pathname")
    channels = doc.get("channels") or {}
    for name, operation in (doc.get("operations") or {}).items():
        if not isinstance(operation, dict):
            continue
        ref = (operation.get("channel") or {}).get("$ref", "")
        channel = ref[len("#/channels/"):] if ref.startswith("#/channels/") else None
        if channel not in channels:
            problems.append(f"asyncapi.yaml operations/{name}: channel {ref!r} is not a channel of this document")
            continue
        for message in operation.get("messages") or []:
            mref = (message or {}).get("$ref", "")
            prefix = f"#/channels/{channel}/messages/"
            if not mref.startswith(prefix) or mref[len(prefix):] not in (channels[channel].get("messages") or {}):
                problems.append(f"asyncapi.yaml operations/{name}: message {mref!r} is not a message of its channel "
                                f"{channel}")
    return problems


def spoiled(doc, path, value=None, delete=False):
    """A copy of doc with the value at path (keys separated by /) replaced, or deleted."""
    bad = json.loads(json.dumps(doc))
    node = bad
    keys = path.split("/")
    for key in keys[:-1]:
        node = node[int(key)] if isinstance(node, list) else node[key]
    if delete:
        del node[keys[-1]]
    else:
        node[keys[-1]] = value
    return bad


# Known-bad AsyncAPI documents: docs/asyncapi.yaml with one thing spoilt, and which check must refuse it.
BAD_ASYNCAPI = {
    "no `asyncapi` field": ("schema", lambda d: spoiled(d, "asyncapi", delete=True)),
    "`asyncapi: 2.6.0`": ("schema", lambda d: spoiled(d, "asyncapi", "2.6.0")),
    "a server without `protocol`": ("schema", lambda d: spoiled(d, "servers/site-broker/protocol", delete=True)),
    "an operation with the AsyncAPI 2 action `publish`":
        ("schema", lambda d: spoiled(d, "operations/sendEvent/action", "publish")),
    "an unknown key in a channel": ("schema", lambda d: spoiled(d, "channels/event/topic", "x")),
    "an MQTT binding of version 0.1.0":
        ("schema", lambda d: spoiled(d, "operations/sendEvent/bindings/mqtt/bindingVersion", "0.1.0")),
    "an MQTT operation with qos 3": ("binding", lambda d: spoiled(d, "operations/sendEvent/bindings/mqtt/qos", 3)),
    "an MQTT operation with retain as a string":
        ("binding", lambda d: spoiled(d, "operations/sendStatus/bindings/mqtt/retain", "yes")),
    "a last will with qos 3":
        ("binding", lambda d: spoiled(d, "servers/site-broker/bindings/mqtt/lastWill/qos", 3)),
    "an MQTT server binding with an unknown key":
        ("binding", lambda d: spoiled(d, "servers/site-broker/bindings/mqtt/will", {})),
    "an MQTT message binding with an unknown key":
        ("binding", lambda d: spoiled(d, "components/messages/event/bindings", {"mqtt": {"qos": 1}})),
    "a channel without the parameter its address names":
        ("rule", lambda d: spoiled(d, "channels/event/parameters/device_id", delete=True)),
    "a server variable its host does not use":
        ("rule", lambda d: spoiled(d, "servers/site-broker/variables/path", {"default": "x"})),
    "an operation sending another channel's message":
        ("rule", lambda d: spoiled(d, "operations/sendEvent/messages/0/$ref", "#/channels/status/messages/status")),
}


def asyncapi_selfcheck():
    """(problems, how many bad documents were refused): docs/asyncapi.yaml passes the official schema, our rules and
    our own checks, and each document of BAD_ASYNCAPI is refused by the check it names."""
    doc = load_asyncapi()
    problems = vendored_problems()
    checkers = asyncapi_validators()
    problems += asyncapi_schema_problems(doc, checkers) + asyncapi_rule_problems(doc) + asyncapi_problems(doc)
    for what, (check, spoil) in BAD_ASYNCAPI.items():
        bad = spoil(doc)
        if check == "rule":
            found = asyncapi_rule_problems(bad)
        else:
            found = [p for p in asyncapi_schema_problems(bad, checkers)
                     if p.endswith("(AsyncAPI 3.0.0 schema)" if check == "schema" else "binding schema)")]
        if not found:
            problems.append(f"an AsyncAPI document with {what} is accepted (by the {check} check)")
    return problems, len(BAD_ASYNCAPI)


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
