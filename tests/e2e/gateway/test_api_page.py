"""The API page in a real browser: Swagger UI from the gateway's own files, signing in through the page and
trying an operation with the token it got."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.browser import CHROMIUM

ARTIFACTS = Path(os.environ.get("NABO_ARTIFACTS", ".nabo/artifacts"))


def browser_or_fail():
    if os.path.exists(CHROMIUM):
        return
    # only a machine that says it has no browser may skip; CI never does
    if os.environ.get("NABO_NO_BROWSER") and not os.environ.get("CI"):
        pytest.skip("NABO_NO_BROWSER is set: no browser on this machine")
    pytest.fail(f"{CHROMIUM} is missing: apt-get install -y chromium (.ci/run installs it)")


def test_the_api_page_signs_in_and_tries_an_operation_with_no_outside_request(system, tenant_a):
    browser_or_fail()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    screenshot = ARTIFACTS / "api-page.png"
    walk = subprocess.run(
        [sys.executable, "-m", "tests.support.api_page_walk", system.url("gateway"), tenant_a.admin_email,
         tenant_a.admin_password, str(screenshot)],
        capture_output=True, text=True, timeout=240,
    )
    assert walk.returncode == 0, walk.stderr[-3000:]
    seen = json.loads(walk.stdout.strip().splitlines()[-1])
    print(f"API page screenshot: {screenshot.resolve()}")

    assert seen["console_errors"] == [] and seen["page_errors"] == [], seen
    assert seen["foreign_requests"] == []
    assert seen["title"].startswith("nabo API")
    assert seen["sign_in"]["status"] == "200", seen["sign_in"]
    token = json.loads(seen["sign_in"]["body"])["access_token"]
    assert seen["authorized"], "signing in through the page did not authorize it"
    assert seen["events"]["status"] == "200", seen["events"]
    assert "items" in json.loads(seen["events"]["body"])
    searches = [r for r in seen["requests"] if r["method"] == "GET" and "/v1/events" in r["url"]]
    assert searches and searches[-1]["authorization"] == f"Bearer {token}"
    assert screenshot.stat().st_size > 0
