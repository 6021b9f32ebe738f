"""How much of what the OpenAPI document allows the API accepts.

    python -m benchmarks.api_conformance [--examples 10] [--seed 1] [--markdown docs/api-conformance.md]

Starts the whole system (private RabbitMQ vhost and PostgreSQL databases), builds two associations with
one resource of every kind (tests/security/probe.py), and runs schemathesis in positive mode (phases
examples, coverage and fuzzing: only requests the document allows) over every operation, signed in as an
admin of the association; operations only platform admins may call are run as a platform admin, those
only a meeting's participants or a post's author may call as that member of the association. Every
``{id}`` in a path gets the id of a real resource of the association as its example.

A generated request counts as accepted when the answer is 2xx, or 404/409: a state the generator cannot
know (an id it made up, a name already taken, a transition the resource's state forbids). Everything else
(400, 401, 403, 422, 429) means the document allowed what the service refuses. Dropped connections,
timeouts and 5xx are counted apart and must be none.

Prints the share per operation and overall; ``--markdown`` writes the table with date and commit.
"""
import argparse
import collections
import json
import os
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ElementTree
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ACCEPTED = {404, 409}
BULK_CAP = 20
# generated writes come fast: rate limits would answer 429 and hide what the services think of the data
UNLIMITED = ("WRITE_RATE_LIMIT", "SIGN_IN_RATE_LIMIT", "SIGN_IN_IP_RATE_LIMIT", "REGISTRATION_RATE_LIMIT",
             "CAMPAIGN_SEND_RATE_LIMIT", "POST_RATE_LIMIT")


def accepted(status):
    return 200 <= status < 300 or status in ACCEPTED


# ids in bodies and queries name other resources: the generator cannot know which exist, so each such
# field is given the id of the world's resource of that kind as its only value
REFERENCES = {
    "association": ("association_id", "association_ids", "owner_association_id", "home_association_id"),
    "organisation": (
        "organisation_id", "organisation_ids", "host_organisation_id", "partner_organisation_ids"
    ),
    "person": ("person_id", "person_ids"),
    "network": ("network_id", "network_ids"),
    "programme": ("programme_id", "programme_ids"),
    "event": ("event_id", "event_ids"),
    "registration": ("registration_id",),
    "idea": ("idea_id", "idea_ids", "into_idea_id", "ideas"),
    "theme": ("theme_id", "themes"),
    "top_theme": ("parent_id",),
}


# values that are the world's state rather than ids: the panel's sub-themes
STATE_VALUES = {"sub_theme": ["green-funding"]}


def enrich(owner, world):
    """State the generated requests may rely on: the event has a place (so it may become hybrid), the
    programme has an event (so campaigns may address it) and the panel has a sub-theme."""
    from tests.support.api import check

    admin = owner.admin
    venue = {"venue": {"address": "Havnegade 1, 6000 Fjordby"}}
    event = check(admin.patch(f"/v1/events/{world['event']}", venue), 200)
    body = {key: event[key] for key in ("format", "languages", "time_zone", "starts_at", "ends_at")}
    body.update(title="Programme meeting", programme_id=world["programme"])
    made = check(admin.post("/v1/events", body), 201)
    check(admin.post(f"/v1/events/{made['id']}/transitions", {"to": "published"}), 200)
    sub_theme = {"key": "green-funding", "name": "Green funding"}
    check(admin.patch(f"/v1/panels/{world['panel']}", {"sub_themes": [sub_theme]}), 200)


def _is_id(schema):
    return schema.get("type") == "string" and schema.get("minLength") == 36 == schema.get("maxLength")


def _real_ids(schema, world):
    """Every id-valued property of ``schema`` (recursively) restricted to the world's resource."""
    if not isinstance(schema, dict):
        return
    for name, prop in (schema.get("properties") or {}).items():
        key = next((k for k, names in REFERENCES.items() if name in names), None)
        if name in STATE_VALUES and prop.get("type") == "string":
            prop.clear()
            prop.update({"type": "string", "enum": STATE_VALUES[name]})
        elif key and key in world:
            if _is_id(prop):
                prop.clear()
                prop.update({"type": "string", "enum": [world[key]]})
            elif prop.get("type") == "array" and _is_id(prop.get("items", {})):
                prop["items"] = {"type": "string", "enum": [world[key]]}
                prop["maxItems"] = 1
    for value in schema.values():
        if isinstance(value, dict):
            _real_ids(value, world)
        elif isinstance(value, list):
            for item in value:
                _real_ids(item, world)


def document_for(doc, world, operations, own_keys):
    """The document reduced to ``operations`` (method, path), every path parameter with a real id of the
    world as its example (but the caller's own person: erased, it would end the run)."""
    from tests.security.matrix import MATRIX

    doc = json.loads(json.dumps(doc))
    by_operation = {(op.method.lower(), op.path): op for op in MATRIX}
    for path in list(doc["paths"]):
        items = doc["paths"][path]
        for method in list(items):
            if (method, path) not in operations:
                del items[method]
                continue
            op = by_operation.get((method, path))
            for parameter in items[method].get("parameters", []):
                if parameter["in"] != "path":
                    continue
                name = parameter["name"]
                key = (op.resource if name == "id" else op.params.get(name)) if op else None
                if key and key in world and key not in own_keys:
                    parameter["example"] = world[key]
            for parameter in items[method].get("parameters", []):
                _real_ids({"properties": {parameter["name"]: parameter.get("schema", {})}}, world)
        if not items:
            del doc["paths"][path]
    _real_ids(doc.get("components", {}), world)
    # a bulk registration of up to 1000 people takes most of a minute on a busy machine: smaller lists keep a
    # run to minutes and test the same rules
    bulk = doc["components"]["schemas"]["BulkRegistrationCreate"]["properties"]["registrations"]
    bulk["maxItems"] = BULK_CAP
    # the panel's sub-themes stay as the world set them: ideas name one, and a generated change of the
    # panel would otherwise leave every later idea naming a sub-theme the panel no longer has
    doc["components"]["schemas"]["PanelUpdate"]["properties"].pop("sub_themes", None)
    return doc


def run_schemathesis(document, base_url, token, workdir, examples, seed):
    exe = shutil.which("st", path=os.path.dirname(sys.executable)) or shutil.which("st")
    if not exe:
        sys.exit("schemathesis is not installed (requirements-dev.txt)")
    log, report = workdir / "answers.jsonl", workdir / "junit.xml"
    env = dict(os.environ, SCHEMATHESIS_HOOKS="benchmarks.conformance_hooks", NABO_CONFORMANCE_LOG=str(log),
               PYTHONPATH=str(ROOT))
    cmd = [exe, "run", str(document), "--url", base_url, "--phases", "examples,coverage,fuzzing",
           "--mode", "positive", "--checks", "not_a_server_error,record_answer", "--max-examples",
           str(examples), "--seed", str(seed), "--workers", "1", "--request-timeout", "90", "--no-shrink",
           "--suppress-health-check", "all", "--generation-allow-x00", "false",
           "--continue-on-failure", "--no-color", "--report", "junit",
           "--report-junit-path", str(report), "--header", f"Authorization: Bearer {token}"]
    result = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=workdir)
    (workdir / "output.txt").write_text(result.stdout + result.stderr)
    answers = [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []
    return answers, errors(report)


def errors(report):
    """Test cases that could not complete (dropped connection, timeout, not HTTP), by operation."""
    if not report.exists():
        return {}
    found = collections.Counter()
    for case in ElementTree.parse(report).getroot().iter("testcase"):
        found[case.get("name")] += len(case.findall("error"))
    return {name: count for name, count in found.items() if count}


def table(answers, dropped):
    """Rows (operation, requests, accepted, refused statuses, server errors) and the overall figures."""
    by_operation = collections.defaultdict(list)
    for answer in answers:
        by_operation[answer["operation"]].append(answer["status"])
    rows = []
    for operation in sorted(set(by_operation) | set(dropped)):
        statuses = by_operation.get(operation, [])
        refused = collections.Counter(s for s in statuses if not accepted(s) and s < 500)
        rows.append((operation, len(statuses), sum(accepted(s) for s in statuses), refused,
                     sum(s >= 500 for s in statuses) + dropped.get(operation, 0)))
    return rows


def share(part, whole):
    return 100.0 * part / whole if whole else 100.0


def render(rows, markdown=False):
    total = sum(r[1] for r in rows)
    ok = sum(r[2] for r in rows)
    server = sum(r[4] for r in rows)
    lines = []
    if markdown:
        lines += ["| operation | requests | accepted | share | refused (status: count) | 5xx/dropped |",
                  "|---|---:|---:|---:|---|---:|"]
    for operation, count, good, refused, errors_ in rows:
        refusals = ", ".join(f"{status}: {n}" for status, n in sorted(refused.items())) or "-"
        if markdown:
            lines.append(f"| `{operation}` | {count} | {good} | {share(good, count):.1f}% | {refusals} | "
                         f"{errors_} |")
        else:
            lines.append(f"{operation:<62} {count:>5} {good:>5} {share(good, count):6.1f}%  {refusals}"
                         + (f"  5xx/dropped: {errors_}" if errors_ else ""))
    summary = (f"overall: {ok} of {total} schema-valid requests accepted ({share(ok, total):.1f}%) over "
               f"{len(rows)} operations; 5xx and dropped connections: {server}")
    return "\n".join(lines), summary


def measure(examples, seed, workdir):
    for name in UNLIMITED:
        os.environ[name] = "100000/minute"
    from nabo_common.runtime import patch

    patch.apply()  # the system runs in this process, on eventlet like every nameko service
    from tests.e2e.conftest import E2E_COMPONENTS
    from tests.security.matrix import MATRIX, PLATFORM, SELF
    from tests.security.probe import build_world
    from tests.support.api import Api, Tenant, platform_admin_token
    from tests.support.infra import drop_databases, private_vhost, running_system

    overrides = {component: {"rpc_timeout": 60.0} for component in E2E_COMPONENTS}
    try:
        with private_vhost("conformance") as amqp, running_system(amqp, E2E_COMPONENTS, overrides) as system:
            api = Api(system.url("gateway"))
            platform = api.as_(platform_admin_token(system, api))
            owner = Tenant(api, platform, "NL", "nl", "Europe/Amsterdam")
            other = Tenant(api, platform, "DE", "de", "Europe/Berlin")
            world = build_world(api, platform, owner, other)
            enrich(owner, world)
            themes = api.get("/v1/themes", params={"limit": 200}).json()["items"]
            world["top_theme"] = next(t["id"] for t in themes if not t.get("parent_id"))
            doc = api.get("/v1/openapi.json").json()
            answers, dropped = [], {}
            platform_only = {(o.method.lower(), o.path) for o in MATRIX if o.access == PLATFORM}
            everything = {(o.method.lower(), o.path) for o in MATRIX}
            deletes = {(method, path) for method, path in everything if method == "delete"}
            # deletions last: an erased person or deleted resource would turn later operations into 404s
            # what only a meeting's participants or a post's author may do runs as that member
            participant = {(o.method.lower(), o.path) for o in MATRIX
                           if (o.access == SELF and o.resource in ("meeting", "post"))
                           or o.path.endswith("/meeting-market/suggestions")}
            runs = (
                ("admin", owner.admin.token, everything - platform_only - deletes - participant,
                 ("admin_person",)),
                ("participant", owner.member.token, participant - deletes, ("person",)),
                ("admin-deletions", owner.admin.token, deletes - platform_only - participant,
                 ("admin_person",)),
                ("participant-deletions", owner.member.token, participant & deletes, ("person",)),
                ("platform", platform.token, platform_only, ()),
            )
            for role, token, operations, own_keys in runs:
                folder = workdir / role
                folder.mkdir(parents=True, exist_ok=True)
                document = folder / "openapi.json"
                document.write_text(json.dumps(document_for(doc, world, operations, own_keys)))
                found, lost = run_schemathesis(document, system.url("gateway"), token, folder, examples, seed)
                answers += found
                dropped.update(lost)
            return answers, dropped
    finally:
        drop_databases()


def commit():
    result = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=ROOT)
    return result.stdout.strip() or "unknown"


MARKDOWN = """# API conformance

How much of what `/v1/openapi.json` allows the API accepts, measured by
`python -m benchmarks.api_conformance --examples {examples} --seed {seed} --markdown docs/api-conformance.md`
on {date} at commit `{commit}`.

## How it is measured

schemathesis (pinned in `requirements-dev.txt`) generates only requests the document allows
(positive mode; phases examples, coverage and fuzzing; at most {examples} generated cases per
operation and phase) for every operation, against the whole system started by the script, signed in
as an admin of an association that owns one resource of every kind (`tests/security/probe.py`);
operations only platform admins may call run as a platform admin, those only a meeting's participants
or a post's author may call as that member, and deletions run last. What the
generator cannot know is given to it: each `{{id}}` in a path, and each id in a body or query that
names another resource (`association_id`, `organisation_ids`, `person_id`, `programme_ids`, ...),
names the association's own resource; the panel has a sub-theme (which generated panel changes leave
as it is), the event a venue and the programme an event. Text never holds NUL characters (the
document says so in its description). Bulk registrations are generated with at most {bulk} entries
(the document allows 1000) to keep a run to minutes.

A request counts as accepted when the answer is 2xx, or 404/409 (a state the generator cannot know:
an id it made up, a name already taken, a transition the resource's state forbids). Anything else
means the document allowed what the service refused. What is left is state or a rule JSON Schema
cannot state, each named in the fields' and operations' descriptions:

- moments in order (`ends_at` after `starts_at`, a registration window, a membership's dates after
  its start), check digits of registry numbers (CVR, org.nr) and the register courts of HRA/HRB;
- what the caller's role may change: a password is set by the person themself, the shared
  taxonomy's labels and places by platform admins (403);
- state: a person registers under their own e-mail address, only participants support ideas, the
  ideas and attendees a request names must belong to the panel or event, signed links
  (`/v1/unsubscribe`, `/v1/cancel-registration`) and credentials (`/v1/auth/token`) must be real
  ones, a calendar feed takes a bearer token or a feed token, not both (400);
- CSV tables whose header must name certain columns.

**{summary}**

{table}
"""


def main(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--examples", type=int, default=10, help="schemathesis' --max-examples per operation")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--markdown", type=Path, help="also write the table to this file")
    parser.add_argument("--keep", type=Path, help="keep schemathesis' documents, answers and output here")
    args = parser.parse_args(argv)
    workdir = args.keep or Path(tempfile.mkdtemp(prefix="nabo-conformance-"))
    answers, dropped = measure(args.examples, args.seed, workdir)
    rows = table(answers, dropped)
    text, summary = render(rows)
    print(text)
    print(summary)
    if args.markdown:
        body, _ = render(rows, markdown=True)
        today = datetime.now(timezone.utc).strftime("%Y-%m-%d")
        args.markdown.write_text(MARKDOWN.format(
            examples=args.examples, seed=args.seed, bulk=BULK_CAP, date=today, commit=commit(),
            summary=summary, table=body))
    return 0 if all(r[4] == 0 for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
