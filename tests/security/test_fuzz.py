"""Schemathesis against the running system's /v1/openapi.json, signed in as
each role: no 5xx, every response conforms to the documented schema, and
data that breaks the schema is rejected. Bounded: a few examples per operation."""
import os
import shutil
import subprocess
import sys
from pathlib import Path

import dataclasses

import pytest

from gateway.runtime import runtime

EXAMPLES = int(os.environ.get("NABO_FUZZ_EXAMPLES", "4"))
CHECKS = "not_a_server_error,response_schema_conformance,negative_data_rejection"
CONFIG = Path(__file__).with_name("schemathesis.toml")  # which answers count as rejecting bad data


def schemathesis(base_url, token, report):
    exe = shutil.which("st", path=os.path.dirname(sys.executable)) or shutil.which("st")
    assert exe, "schemathesis is not installed (requirements-dev.txt)"
    cmd = [exe, "--config-file", str(CONFIG), "run", f"{base_url}/v1/openapi.json", "--url", base_url, "--checks", CHECKS,
           "--max-examples", str(EXAMPLES), "--seed", "20250101", "--workers", "1", "--request-timeout", "45",
           "--suppress-health-check", "all", "--continue-on-failure", "--no-color",
           "--report", "junit", "--report-junit-path", str(report)]
    if token:
        cmd += ["--header", f"Authorization: Bearer {token}"]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=600, cwd=report.parent)


@pytest.mark.parametrize("role", ["anonymous", "member", "admin", "platform"])
def test_fuzzing_finds_no_5xx_and_no_schema_violation(system, api, platform, tenant_a, world, role, tmp_path,
                                                      monkeypatch):
    # the write limit would answer most generated writes with 429 and hide the logic behind it
    rt = runtime()
    monkeypatch.setattr(rt, "config", dataclasses.replace(rt.config, write_limit="100000/minute"))
    token = {"anonymous": None, "member": tenant_a.member.token, "admin": tenant_a.admin.token,
             "platform": platform.token}[role]
    result = schemathesis(system.url("gateway"), token, tmp_path / "junit.xml")
    output = result.stdout + result.stderr
    report_dir = os.environ.get("NABO_FUZZ_REPORT_DIR")
    (Path(report_dir) if report_dir else tmp_path).joinpath(f"schemathesis-{role}.txt").write_text(output)
    assert result.returncode == 0, f"schemathesis as {role} failed:\n{output[-20000:]}"
