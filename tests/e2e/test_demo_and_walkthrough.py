"""The demo data and the walkthrough against the whole system: the demo data
loads through the gateway, a second load creates nothing, and the documented
tour (docs/walkthrough.md) passes step by step, its confirmation mail
arriving in the local SMTP sink (the real one, in its own process)."""
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from gateway.runtime import reset_runtime
from nabo_common.cli import load_service_class
from nabo_common.persistence import db
from services.members.bootstrap import ensure_platform_admin
from tests.support.infra import free_port

ROOT = Path(__file__).resolve().parents[2]
ADMIN_EMAIL, ADMIN_PASSWORD = "admin@nabo.local", "platform-admin-demo-pw"


@pytest.fixture(scope="module")
def demo_system(system):
    """The session's system with generous write limits, and notifications sending to a fresh SMTP sink."""
    saved = {k: os.environ.get(k) for k in ("WRITE_RATE_LIMIT", "NOTIFICATIONS_SMTP_PORT")}
    smtp_port, http_port = free_port(), free_port()
    sink = subprocess.Popen([sys.executable, "scripts/smtp_sink.py", "--smtp-port", str(smtp_port),
                             "--http-port", str(http_port)], cwd=ROOT, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    mail_url = f"http://127.0.0.1:{http_port}/"
    deadline = time.monotonic() + 20
    while True:
        try:
            requests.get(mail_url, timeout=1)
            break
        except requests.ConnectionError:
            assert time.monotonic() < deadline, "the SMTP sink did not start"
            time.sleep(0.2)
    os.environ["WRITE_RATE_LIMIT"] = "100000/minute"
    os.environ["NOTIFICATIONS_SMTP_PORT"] = str(smtp_port)
    reset_runtime()  # the gateway reads its limits again at the next request
    restart_notifications(system)  # notifications reads the SMTP settings at start
    engine = db.make_engine(system.settings["members"].database_url)
    ensure_platform_admin(db.make_sessionmaker(engine), ADMIN_EMAIL, ADMIN_PASSWORD)
    engine.dispose()
    try:
        yield {"base_url": system.url("gateway"), "mail_url": mail_url}
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        reset_runtime()
        restart_notifications(system)
        sink.terminate()
        sink.wait(timeout=10)


def restart_notifications(system):
    if "notifications" in system.containers:
        settings = system.settings["notifications"]
        system.stop("notifications")
        system.start("notifications", load_service_class("notifications"), settings)


def run_script(name, *args, timeout=300):
    return subprocess.run(
        [sys.executable, str(ROOT / "scripts" / name), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def load_demo(base_url):
    result = run_script(
        "demo_data.py",
        "--base-url",
        base_url,
        "--admin-email",
        ADMIN_EMAIL,
        "--admin-password",
        ADMIN_PASSWORD,
    )
    assert result.returncode == 0, result.stderr + result.stdout
    totals = re.search(r"^TOTAL created=(\d+) present=(\d+)$", result.stdout, re.M)
    assert totals, result.stdout
    return int(totals[1]), int(totals[2]), result.stdout


def test_demo_data_loads_once_and_the_walkthrough_passes(demo_system, tmp_path):
    created, present, first = load_demo(demo_system["base_url"])
    assert created > 800 and present == 0, first
    assert re.search(r"^organisations\s+120\s+0$", first, re.M), first
    # the cluster event's meeting market: four participants, requests accepted, declined and pending
    assert re.search(r"^market participants\s+4\s+0$", first, re.M), first
    assert re.search(r"^meeting requests\s+4\s+0$", first, re.M), first
    assert "admin.nl@demo.nabo.local" in first and "demo-member-password" in first

    created_again, present_again, second = load_demo(demo_system["base_url"])
    assert created_again == 0, second
    assert present_again > 500

    api = demo_system["base_url"]
    nl = requests.get(f"{api}/v1/associations", params={"limit": 200}, timeout=10).json()["items"]
    assert {
        "ondernemers-drenthe",
        "unternehmerverband-emsland",
        "fjordby-erhverv",
        "destination-sjoland",
    } <= {a["slug"] for a in nl}
    directory = requests.get(f"{api}/v1/networks", params={"country": "SE", "limit": 200}, timeout=10).json()
    assert {n["name"].get("en") for n in directory["items"]} >= {
        "Sjöland kayak network",
        "Climbing network",
        "Fishing network",
        "Young entrepreneurs up to 30",
    }

    doc = tmp_path / "walkthrough.md"
    tour = run_script(
        "walkthrough.py", "--base-url", api, "--mail-url", demo_system["mail_url"], "--write-doc", str(doc)
    )
    assert tour.returncode == 0, tour.stderr + tour.stdout
    written = doc.read_text(encoding="utf-8")
    committed = (ROOT / "docs" / "walkthrough.md").read_text(encoding="utf-8")
    headings = [line for line in written.splitlines() if line.startswith("## ")]
    assert headings == [line for line in committed.splitlines() if line.startswith("## ")]
    assert "U bent aangemeld" in written and '"attendees": 9' in written


def test_demo_data_exits_with_one_line_when_the_gateway_is_unreachable():
    result = run_script(
        "demo_data.py",
        "--base-url",
        f"http://127.0.0.1:{free_port()}",
        "--admin-email",
        "a@b.dk",
        "--admin-password",
        "x",
        timeout=60,
    )
    assert result.returncode == 1
    assert result.stderr.strip().count("\n") == 0 and "cannot reach the gateway" in result.stderr


def test_every_request_body_in_the_api_document_has_an_example_its_schema_accepts(api):
    from gateway.http import ROUTES

    doc = api.get("/v1/openapi.json").json()
    bodies = [r for r in ROUTES if r.body is not None]
    assert len(bodies) > 40
    for route in bodies:
        example = doc["paths"][route.path][route.method.lower()]["requestBody"]["content"][
            "application/json"
        ]["example"]
        assert example, route.name
        assert route.body().validate(example) == {}, (route.name, example)
    person = doc["paths"]["/v1/persons"]["post"]["requestBody"]["content"]["application/json"]["example"]
    assert person["email"] == "anne.holm@example.dk" and person["language"] == "da"


def test_the_api_page_shows_parameters_examples_and_response_codes(api):
    page = api.get("/v1/docs")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    text = page.text
    assert text.count("Example body:") == sum(
        1 for _ in re.finditer(r'"requestBody"', api.get("/v1/openapi.json").text)
    )
    assert "<code>cross_border</code>" in text and "<code>limit</code>" in text  # query parameters listed
    assert "<code>422</code> Invalid fields" in text and "<code>201</code> Success" in text
    assert "Europe/Copenhagen" in text
