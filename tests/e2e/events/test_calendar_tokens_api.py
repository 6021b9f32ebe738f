"""Private calendar feed URLs through the gateway, fetched as calendar clients do (no Authorization
header): a person's feed token reads the feeds as them, opens nothing else, dies when revoked or
replaced, and never reaches a log."""
import logging
import time
from urllib.parse import urlsplit

import pytest

from gateway.runtime import runtime
from tests.e2e.events.test_events_api import published_event, when
from tests.support.api import check, unique
from tests.support.covers import covers
from tests.support.icalendars import parse_everywhere

TOKEN_PATH = "/v1/me/calendar-token"


@pytest.fixture(scope="module")
def members_only(tenant_a):
    """A network A's member belongs to, with a published members-only event of it."""
    network = check(tenant_a.admin.post("/v1/networks", {
        "name": {"en": unique("Private circle")}, "association_ids": [tenant_a.id],
        "join_policy": "open"}), 201)
    check(tenant_a.member.post(f"/v1/networks/{network['id']}/members", {}), 201)
    title = unique("Members only supper")
    event = published_event(tenant_a.admin, title, when(days=33), visibility="members",
                            network_id=network["id"])
    return {"network": network["id"], "event": event["id"], "title": title}


def local(url):
    """The path and query of a subscription URL, to fetch from the test's own gateway."""
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


def titles(response):
    assert response.status_code == 200, (response.status_code, response.text[:300])
    assert response.headers["content-type"] == "text/calendar; charset=utf-8"
    return {str(event["SUMMARY"]) for event in parse_everywhere(response.text).walk("VEVENT")}


def new_token(client):
    created = client.post(TOKEN_PATH)
    assert created.headers["Cache-Control"] == "no-store"
    return check(created, 201)


@covers(
    "GET /v1/associations/{id}/calendar.ics",
    "GET /v1/events/{id}/calendar.ics",
    "GET /v1/me/calendar-token",
    "GET /v1/networks/{id}/calendar.ics",
    "POST /v1/me/calendar-token",
)
def test_a_subscription_url_reads_members_only_events_as_its_person(api, tenant_a, members_only):
    created = new_token(tenant_a.member)
    token = created["token"]
    feeds = {(feed["kind"], feed["id"]): feed for feed in created["feeds"]}
    assert set(feeds) >= {("association", tenant_a.id), ("network", members_only["network"])}
    for feed in feeds.values():
        assert feed["url"].startswith(runtime().config.public_base_url + "/v1/")
        assert feed["url"].endswith(f"/calendar.ics?token={token}")
        assert feed["webcal_url"] == "webcal://" + feed["url"].split("://", 1)[1]
    event_path = f"/v1/events/{members_only['event']}/calendar.ics"
    paths = [local(feeds[("association", tenant_a.id)]["url"]),
             local(feeds[("network", members_only["network"])]["url"]), f"{event_path}?token={token}"]
    for path in paths:
        r = api.get(path)  # as a calendar client: no Authorization header
        assert members_only["title"] in titles(r), path
        assert r.headers["Cache-Control"].startswith("private"), path
        anonymous = api.get(path.split("?")[0])
        assert anonymous.status_code == 404 or members_only["title"] not in titles(anonymous), path
    assert check(tenant_a.member.get(TOKEN_PATH), 200)["active"] is True
    assert "token" not in check(tenant_a.member.get(TOKEN_PATH), 200)


@covers("DELETE /v1/me/calendar-token", "GET /v1/me/calendar-token")
def test_a_revoked_or_replaced_token_is_refused_like_one_that_never_was(api, tenant_a, members_only):
    path = f"/v1/networks/{members_only['network']}/calendar.ics?token="
    first = new_token(tenant_a.member)["token"]
    second = new_token(tenant_a.member)["token"]
    assert members_only["title"] in titles(api.get(path + second))
    check(tenant_a.member.delete(TOKEN_PATH), 204)
    assert check(tenant_a.member.get(TOKEN_PATH), 200) == {"active": False, "created_at": None}
    never = "x" * 43
    answers = [api.get(path + token) for token in (first, second, never)]
    assert {(r.status_code, r.headers["content-type"], r.json()["detail"]) for r in answers} == {
        (401, "application/problem+json", "This calendar feed token is not valid.")}
    assert all(first not in r.text and second not in r.text for r in answers)


def test_a_feed_token_opens_calendar_feeds_and_nothing_else(api, tenant_a, members_only):
    token = new_token(tenant_a.member)["token"]
    for path in ("/v1/me", TOKEN_PATH, f"/v1/persons/{tenant_a.member_person['id']}", "/v1/memberships",
                 f"/v1/networks/{members_only['network']}/members"):
        assert api.get(f"{path}?token={token}").status_code == 401, path
    assert api.delete(f"{TOKEN_PATH}?token={token}").status_code == 401
    assert api.as_(token).get("/v1/me").status_code == 401  # nor as a bearer token
    listed = api.get(f"/v1/events?token={token}")
    assert listed.status_code in (200, 422) and members_only["title"] not in listed.text
    # the token still works: none of the above revoked it
    feed = f"/v1/networks/{members_only['network']}/calendar.ics?token={token}"
    assert members_only["title"] in titles(api.get(feed))


def test_a_bearer_token_and_a_feed_token_together_are_400(tenant_a, members_only):
    token = new_token(tenant_a.member)["token"]
    r = tenant_a.member.get(f"/v1/networks/{members_only['network']}/calendar.ics?token={token}")
    assert r.status_code == 400 and token not in r.text


def test_another_associations_member_sees_no_members_only_event_through_their_token(api, tenant_b,
                                                                                    members_only):
    token = new_token(tenant_b.member)["token"]
    r = api.get(f"/v1/networks/{members_only['network']}/calendar.ics?token={token}")
    assert r.status_code == 404 or members_only["title"] not in titles(r)
    assert api.get(f"/v1/events/{members_only['event']}/calendar.ics?token={token}").status_code == 404


def test_the_token_never_reaches_the_gateways_log(api, tenant_a, members_only, caplog):
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.INFO, logger="nameko.web.server")  # the web server's request lines
    token = new_token(tenant_a.member)["token"]
    feed = f"/v1/associations/{tenant_a.id}/calendar.ics?token={token}"
    titles(api.get(feed))
    check(tenant_a.member.delete(TOKEN_PATH), 204)
    assert api.get(feed).status_code == 401
    deadline = time.monotonic() + 5
    while caplog.text.count("calendar.ics?token=[redacted]") < 2 and time.monotonic() < deadline:
        time.sleep(0.05)  # the request line is logged once the answer is sent
    assert caplog.text.count("calendar.ics?token=[redacted]") >= 2, "control: the request lines were logged"
    assert token not in caplog.text
