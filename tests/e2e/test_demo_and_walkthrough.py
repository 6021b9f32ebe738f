"""The demo data and the walkthrough against the whole system: the demo data
loads through the gateway, a second load creates nothing, and the documented
tour (docs/walkthrough.md) passes step by step, its confirmation mail
arriving in the local SMTP sink (the real one, in its own process)."""
import json
import os
import re
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import pytest
import requests

from gateway.runtime import reset_runtime
from nabo_common.cli import load_service_class
from nabo_common.persistence import db
from services.members.bootstrap import ensure_platform_admin
from tests.e2e.session_mail import SINK
from tests.support.api import Api, check
from tests.support.browser import open_page
from tests.support.charts import bars, chart, values
from tests.support.infra import environment, free_port

ROOT = Path(__file__).resolve().parents[2]
ADMIN_EMAIL, ADMIN_PASSWORD = "admin@nabo.local", "platform-admin-demo-pw"
DEMO_PROGRAMME = "Virtuelle netværksmøder 2024"
# where to keep the browser's picture of the demo programme's report (docs/images/programme-report.png)
SCREENSHOT_DIR = os.environ.get("NABO_REPORT_SCREENSHOT_DIR")


@pytest.fixture(scope="module")
def demo_system(system):
    """The session's system with generous write limits, and notifications sending to a fresh SMTP sink."""
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
    try:
        with environment(WRITE_RATE_LIMIT="100000/minute", NOTIFICATIONS_SMTP_PORT=str(smtp_port)):
            reset_runtime()  # the gateway reads its limits again at the next request
            restart_notifications(system)  # notifications reads the SMTP settings at start
            engine = db.make_engine(system.settings["members"].database_url)
            ensure_platform_admin(db.make_sessionmaker(engine), ADMIN_EMAIL, ADMIN_PASSWORD)
            engine.dispose()
            yield {"base_url": system.url("gateway"), "mail_url": mail_url}
    finally:
        reset_runtime()
        with environment(NOTIFICATIONS_SMTP_PORT=str(SINK.port)):  # back to the session's own sink
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


def give_the_dormant_networks_their_past(system):
    """What scripts/run-local.sh runs after the demo data, as its own process on the members database."""
    env = dict(os.environ, MEMBERS_DATABASE_URL=system.settings["members"].database_url)
    result = subprocess.run([sys.executable, "-m", "services.members.demo_history", "--association",
                             "destination-sjoland"], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stderr + result.stdout


def test_demo_data_loads_once_and_the_walkthrough_passes(demo_system, system, tmp_path):
    # another test of the session's system may have loaded it first (docs/conversations.md's walk does):
    # then this load finds it all present
    created, present, first = load_demo(demo_system["base_url"])
    assert (created > 800 and present == 0) or (created == 0 and present > 600), first

    def total(row):
        found = re.search(rf"^{row}\s+(\d+)\s+(\d+)$", first, re.M)
        assert found, first
        return int(found.group(1)) + int(found.group(2))

    assert total("organisations") == 120
    # the cluster event's meeting market: four participants, requests in several states
    assert total("market participants") == 4 and total("meeting requests") >= 2
    _the_cluster_market_is_scheduled_checked_in_and_carries_a_partner_forward(demo_system["base_url"])
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
    # a lively network and dormant ones, each with its last activity: the dormant ones quiet for longer
    # than NETWORK_DORMANT_AFTER_DAYS (180 by default), their posts as old, the lively one's recent
    give_the_dormant_networks_their_past(system)
    give_the_dormant_networks_their_past(system)  # a second run moves nothing further
    directory = requests.get(f"{api}/v1/networks", params={"country": "SE", "limit": 200}, timeout=10).json()
    activity = {n["name"].get("en"): (n["activity"], n["last_activity_at"]) for n in directory["items"]}
    assert activity["Sjöland kayak network"][0] == "active" and activity["Climbing network"][0] == "dormant"
    assert all(at for _, at in activity.values())
    now = datetime.now(timezone.utc)

    def days_ago(moment):
        return (now - datetime.fromisoformat(moment.replace("Z", "+00:00"))).days

    assert days_ago(activity["Sjöland kayak network"][1]) < 1
    assert 180 < days_ago(activity["Climbing network"][1]) < 250
    assert 180 < days_ago(activity["Fishing network"][1]) < 250
    # the kayak opportunity's author is an organisation's contact (member2.se), not the admin, who
    # speaks for none: a private answer to it introduces two organisations
    kayak = next(n for n in directory["items"] if n["name"].get("en") == "Sjöland kayak network")
    [offer] = requests.get(f"{api}/v1/networks/{kayak['id']}/threads", params={"kind": "opportunity"},
                           timeout=10).json()["items"]
    author = requests.post(f"{api}/v1/auth/token", json={"email": "member2.se@demo.nabo.local",
                           "password": "demo-member-password"}, timeout=10).json()["access_token"]
    me = requests.get(f"{api}/v1/me", headers={"Authorization": f"Bearer {author}"}, timeout=10).json()
    assert offer["opening_post"]["author"]["person_id"] == me["person"]["id"]
    climbing = next(n for n in directory["items"] if n["name"].get("en") == "Climbing network")
    threads = requests.get(f"{api}/v1/networks/{climbing['id']}/threads", timeout=10).json()["items"]
    posts = requests.get(f"{api}/v1/threads/{threads[0]['id']}/posts", timeout=10).json()["items"]
    assert len(posts) == 2 and all(180 < days_ago(p["created_at"]) < 250 for p in posts)
    # the cluster's opportunity carries its theme, so it is offered to companies beyond the cluster
    # by its name: other tests of the session start networks called "Energiecluster Emsland" too
    found = requests.get(f"{api}/v1/networks", params={"q": "Emsland", "limit": 100}, timeout=10).json()
    [cluster_id] = [n["id"] for n in found["items"]
                    if n["name"].get("en") == "Energy cluster Emsland–Drenthe"]
    offers = requests.get(f"{api}/v1/networks/{cluster_id}/threads",
                          params={"kind": "opportunity"}, timeout=10).json()["items"]
    assert offers and offers[0]["opening_post"]["themes"]

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


def test_the_demo_programme_report_page_shows_the_seven_meetings_in_a_browser(demo_system, tmp_path):
    load_demo(demo_system["base_url"])  # loads what is not there yet: this test also runs alone
    api = Api(demo_system["base_url"])
    admin = api.as_(api.sign_in("admin.dk@demo.nabo.local", "demo-admin-password"))
    [programme] = [
        p for p in check(admin.get("/v1/programmes"), 200)["items"] if p["title"] == DEMO_PROGRAMME
    ]
    report = check(admin.get(f"/v1/programmes/{programme['id']}/report"), 200)
    assert [line["attendees"] for line in report["events"]] == [9, 2, 7, 7, 7, 6, 3]
    assert report["budget"]["granted_minor"] == 75_000_00 and report["budget"]["used_minor"] == 70_000_00

    path = f"/v1/programmes/{programme['id']}/report?format=html"
    page = admin.get(path, headers={"Accept-Language": "da"}).text
    assert values(chart(page, "attendance")) == ["9", "2", "7", "7", "7", "6", "3"]
    assert len(bars(chart(page, "turnout"))) == 3 * 7
    assert "Fjordby Kommune – Erhvervskontoret" in page and "75.000,00\xa0kr." in page

    screenshot = os.path.join(SCREENSHOT_DIR or tmp_path, "programme-report.png")
    seen = open_page(
        demo_system["base_url"] + path,
        screenshot,
        {"Authorization": f"Bearer {admin.token}", "Accept-Language": "da"},
    )
    assert seen["status"] == 200 and seen["title"].startswith(DEMO_PROGRAMME)
    assert seen["console_errors"] == [] and seen["outside_requests"] == []
    with open(screenshot, "rb") as picture:
        assert picture.read(8) == b"\x89PNG\r\n\x1a\n"


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
    # the page is Swagger UI, drawn in the browser from the document it names (tests/e2e/gateway/
    # test_api_page.py walks it): the parameters, examples and response codes it shows are the document's
    page = api.get("/v1/docs")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert 'url: "/v1/openapi.json"' in api.get("/v1/docs/assets/nabo-docs.js").text
    doc = api.get("/v1/openapi.json").json()
    operations = [op for ops in doc["paths"].values() for op in ops.values()]
    bodies = [op["requestBody"]["content"]["application/json"] for op in operations if "requestBody" in op]
    assert bodies and all("example" in body for body in bodies)
    parameters = {p["name"] for op in operations for p in op.get("parameters", [])}
    assert {"cross_border", "limit"} <= parameters
    responses = {(code, r["description"]) for op in operations for code, r in op["responses"].items()}
    assert ("422", "Invalid fields") in responses and ("201", "Success") in responses
    assert "Europe/Copenhagen" in json.dumps(doc, ensure_ascii=False)


def _the_cluster_market_is_scheduled_checked_in_and_carries_a_partner_forward(base_url):
    api = Api(base_url)
    admin = api.as_(api.sign_in("admin.nl@demo.nabo.local", "demo-admin-password"))
    cluster = "Energiecluster Emsland–Drenthe: Waterstof en warmte / Wasserstoff und Wärme"
    [event] = [e for e in check(admin.get("/v1/events", params={"q": cluster[:60], "when": "all"}),
                                200)["items"] if e["title"] == cluster]
    path = f"/v1/events/{event['id']}/meeting-market"
    market = check(admin.get(path), 200)
    assert (market["scheduling"], market["drafts"], market["unscheduled"]) == ("by_organiser", 0, 0)
    assert market["requests"] == {"pending": 2, "accepted": 2, "declined": 1, "withdrawn": 1, "expired": 0}
    assert (market["meetings"], market["meetings_held"]) == (2, 1)
    plan = check(admin.get(f"{path}/table-plan"), 200)
    placed = [m for slot in plan["slots"] for m in slot["meetings"]]
    assert len(placed) == 2 and all(m["published"] for m in placed)
    present = sorted(len(check(admin.get(f"/v1/meetings/{m['meeting_id']}"), 200)["present"]) for m in placed)
    assert present == [1, 2]  # one side did not come to one of them: a no-show once it has ended
    # a partner carried forward: a match accepted between two participants' companies comes first
    firsts = []
    for account in ("member.de", "member.dk", "member2.dk", "member.se"):
        member = api.as_(api.sign_in(f"{account}@demo.nabo.local", "demo-member-password"))
        firsts += check(member.get(f"{path}/suggestions"), 200)["items"][:1]
    assert ["match_accepted"] in [[c["kind"] for c in first["carried_forward"]] for first in firsts]
