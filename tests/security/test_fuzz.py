"""Schemathesis against the running system's OpenAPI document, signed in as
each role: no 5xx, every status code, content type and body is the
documented one, and data that breaks the schema is rejected.

Every finding counts, read from the JUnit report: a failed check, and also a
dropped connection, a timeout or an answer that is not HTTP (schemathesis
reports those as errors). The document it is given names real resources of
the role's tenant as examples of every ``{id}``, so operations get past 404
into their logic, next to hostile ids (control characters, non-ASCII, very
long) that must come back as documented answers. The seed changes between
runs and is printed; NABO_FUZZ_SEED=<seed> repeats a run."""
import dataclasses
import json
import os
import random
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import pytest

from gateway.runtime import runtime
from tests.security.matrix import MATRIX
from tests.security.probe import build_world
from tests.support.api import Tenant

EXAMPLES = int(os.environ.get("NABO_FUZZ_EXAMPLES", "8"))
SEED = int(os.environ.get("NABO_FUZZ_SEED") or random.SystemRandom().randrange(2**31))
CHECKS = ("not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance,"
          "negative_data_rejection")
CONFIG = Path(__file__).with_name("schemathesis.toml")  # which answers count as rejecting bad data
HOSTILE_IDS = {"crlf": "a\r\nb", "non_ascii": "\u0100\u00e6\U0001F600", "control": "\x1b[2J\x07",
               "long": "f" * 2000}


def schemathesis(document, base_url, token, report):
    exe = shutil.which("st", path=os.path.dirname(sys.executable)) or shutil.which("st")
    assert exe, "schemathesis is not installed (requirements-dev.txt)"
    cmd = [exe, "--config-file", str(CONFIG), "run", str(document), "--url", base_url, "--checks", CHECKS,
           "--max-examples", str(EXAMPLES), "--seed", str(SEED), "--workers", "1", "--request-timeout", "45",
           "--suppress-health-check", "all", "--continue-on-failure", "--no-color",
           "--report", "junit", "--report-junit-path", str(report)]
    if token:
        cmd += ["--header", f"Authorization: Bearer {token}"]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=900, cwd=report.parent)


def document_with_ids(doc, world, own_keys=()):
    """The API document with, for every path parameter, the id of a real resource of the world as its
    example (but the caller's own person: erased, it would end the run), and hostile values besides."""
    doc = json.loads(json.dumps(doc))
    by_operation = {(op.method.lower(), op.path): op for op in MATRIX}
    for path, operations in doc["paths"].items():
        for method, operation in operations.items():
            op = by_operation.get((method, path))
            for parameter in operation.get("parameters", []):
                if parameter["in"] != "path":
                    continue
                name = parameter["name"]
                key = (op.resource if name == "id" else op.params.get(name)) if op else None
                examples = {name: {"value": value} for name, value in HOSTILE_IDS.items()}
                if key and key in world and key not in own_keys:
                    examples["real"] = {"value": world[key]}
                parameter["examples"] = examples
    return doc


def findings(report):
    """Every test case of the JUnit report that failed a check or could not complete (errors)."""
    assert report.exists(), "schemathesis wrote no report"
    cases = ElementTree.parse(report).getroot().iter("testcase")
    found, total = [], 0
    for case in cases:
        total += 1
        for outcome in list(case.findall("failure")) + list(case.findall("error")):
            text = (outcome.get("message") or "") + "\n" + (outcome.text or "")
            found.append(f"{case.get('name')}: {outcome.tag}: {text.strip()[:1500]}")
    assert total > 0, "the report names no operation"
    return found


@pytest.mark.timeout(900)
@pytest.mark.parametrize("role", ["anonymous", "member", "admin", "platform"])
def test_fuzzing_finds_no_5xx_no_dropped_answer_and_no_undocumented_answer(
    system, api, platform, role, tmp_path, monkeypatch
):
    # the write limit would answer most generated writes with 429 and hide the logic behind it
    rt = runtime()
    monkeypatch.setattr(rt, "config", dataclasses.replace(rt.config, write_limit="100000/minute"))
    # associations and a world of their own: the fuzzer cancels, deletes, erases and transitions what it is
    # given, which must not reach the session's tenants nor the next role's run
    owner, other = (
        Tenant(api, platform, "NL", "nl", "Europe/Amsterdam"),
        Tenant(api, platform, "DE", "de", "Europe/Berlin"),
    )
    world = build_world(api, platform, owner, other)
    token = {
        "anonymous": None,
        "member": owner.member.token,
        "admin": owner.admin.token,
        "platform": platform.token,
    }[role]
    own_keys = {"member": ("person",), "admin": ("admin_person",)}.get(role, ())
    doc = api.get("/v1/openapi.json").json()
    document = tmp_path / "openapi.json"
    document.write_text(json.dumps(document_with_ids(doc, world, own_keys)))
    report = tmp_path / "junit.xml"
    print(f"schemathesis seed {SEED} (repeat with NABO_FUZZ_SEED={SEED})")
    result = schemathesis(document, system.url("gateway"), token, report)
    output = result.stdout + result.stderr
    report_dir = os.environ.get("NABO_FUZZ_REPORT_DIR")
    (Path(report_dir) if report_dir else tmp_path).joinpath(f"schemathesis-{role}.txt").write_text(output)
    found = findings(report)
    assert not found and result.returncode == 0, (
        f"schemathesis as {role} (seed {SEED}, repeat with NABO_FUZZ_SEED={SEED}) found {len(found)}:\n"
        + "\n".join(found)[:20000]
        + f"\n{output[-5000:]}"
    )


def test_the_report_reader_counts_errors_as_findings(tmp_path):
    """A dropped connection is an <error>, not a <failure>, in schemathesis' report."""
    report = tmp_path / "junit.xml"
    report.write_text(
        '<testsuites><testsuite name="schemathesis"><testcase name="GET /v1/x">'
        '<error message="Connection aborted.">RemoteDisconnected</error></testcase>'
        '<testcase name="GET /v1/y"/></testsuite></testsuites>'
    )
    assert [re.sub(r"\s+", " ", f) for f in findings(report)] == [
        "GET /v1/x: error: Connection aborted. RemoteDisconnected"
    ]
