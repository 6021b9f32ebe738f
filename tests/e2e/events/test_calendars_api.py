"""Calendar feeds through the gateway as calendar clients fetch them: every answer read by icalendar,
vobject and ical; ids checked before use; names in the caller's language; validators and 304."""
import time
import uuid
from datetime import datetime

import pytest

from tests.e2e.events.test_events_api import open_network, published_event, when
from tests.support.api import check, unique
from tests.support.covers import covers
from tests.support.icalendars import instants_around_transitions, offsets_agree, parse_everywhere

ZONES = ("Europe/Amsterdam", "Europe/Berlin", "Europe/Copenhagen", "Europe/Stockholm", "America/New_York")
HOSTILE_IDS = [
    "%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E%22%3B%20filename%2A%3DUTF-8%27%27nabo.html%3B%20x%3D",
    "%C4%80", "a%0D%0Ab", "not-a-uuid",
]
FEEDS = ("/v1/events/{}/calendar.ics", "/v1/associations/{}/calendar.ics", "/v1/networks/{}/calendar.ics")


def feed(client, path, **headers):
    r = client.get(path, headers=headers)
    assert r.status_code == 200, (path, r.status_code, r.text[:300])
    assert r.headers["content-type"] == "text/calendar; charset=utf-8"
    return r


@pytest.mark.parametrize("raw", HOSTILE_IDS)
@pytest.mark.parametrize("template", FEEDS)
def test_an_id_that_is_not_a_uuid_is_404_and_never_reaches_a_header(api, template, raw):
    r = api.get(template.format(raw))
    assert r.status_code == 404 and r.headers["content-type"] == "application/problem+json"
    assert "Content-Disposition" not in r.headers


@pytest.mark.parametrize("template", FEEDS)
def test_an_unknown_id_is_404_problem(api, template):
    r = api.get(template.format(uuid.uuid4()))
    assert r.status_code == 404 and r.headers["content-type"] == "application/problem+json"


@covers("POST /v1/associations")
def test_an_empty_feed_is_a_valid_calendar_named_in_the_callers_language(api, platform):
    slug = unique("empty")
    association = check(platform.post("/v1/associations", {
        "name": f"Fjordby {slug}", "slug": slug, "country": "DK", "default_language": "da",
        "time_zone": "Europe/Copenhagen"}), 201)
    path = f"/v1/associations/{association['id']}/calendar.ics"
    r = feed(api, path, **{"Accept-Language": "da-DK,da;q=0.9"})
    calendar = parse_everywhere(r.text)
    assert (
        calendar.walk("VEVENT") == [] and str(calendar["X-WR-CALNAME"]) == f"Arrangementer hos Fjordby {slug}"
    )
    assert r.headers["Content-Disposition"] == f'inline; filename="association-{association["id"]}.ics"'
    names = {
        language: str(parse_everywhere(feed(api, path, **{"Accept-Language": language}).text)["X-WR-CALNAME"])
        for language in ("nl", "de", "sv", "en", "fr")
    }
    assert names == {
        "nl": f"Evenementen van Fjordby {slug}",
        "de": f"Veranstaltungen von Fjordby {slug}",
        "sv": f"Evenemang hos Fjordby {slug}",
        "en": f"Events of Fjordby {slug}",
        "fr": f"Events of Fjordby {slug}",
    }


def test_feeds_in_five_time_zones_read_the_same_in_every_client(api, tenant_a):
    network = open_network(tenant_a.admin, tenant_a.id)
    events = {}
    for days, tzid in enumerate(ZONES, start=20):
        for extra in (0, 182):  # one in summer time, one in winter time
            event = published_event(
                tenant_a.admin,
                unique(f"Meeting in {tzid}"),
                when(days=days + extra),
                time_zone=tzid,
                network_id=network,
            )
            events[event["id"]] = event
    for path in (f"/v1/networks/{network}/calendar.ics", f"/v1/associations/{tenant_a.id}/calendar.ics"):
        text = feed(api, path).text
        calendar = parse_everywhere(text)
        assert {str(z["TZID"]) for z in calendar.walk("VTIMEZONE")} >= set(ZONES)
        for tzid in ZONES:
            offsets_agree(text, tzid, instants_around_transitions(2024, 2037))
        listed = {str(e["UID"]).split("@")[0]: e for e in calendar.walk("VEVENT")}
        for event_id, event in events.items():
            start = listed[event_id].decoded("DTSTART")
            assert (
                start == datetime.fromisoformat(event["starts_at"])
                and str(start.tzinfo) == event["time_zone"]
            )
    for event_id in events:
        parse_everywhere(feed(api, f"/v1/events/{event_id}/calendar.ics").text)


def test_feeds_answer_304_while_unchanged_and_200_once_changed(api, tenant_a):
    network = open_network(tenant_a.admin, tenant_a.id)
    event = published_event(tenant_a.admin, unique("Polled"), when(days=40), network_id=network)
    paths = (f"/v1/networks/{network}/calendar.ics", f"/v1/events/{event['id']}/calendar.ics")
    validators = {}
    for path in paths:
        first = feed(api, path)
        validators[path] = {
            "If-None-Match": first.headers["ETag"],
            "If-Modified-Since": first.headers["Last-Modified"],
        }
        for name, value in validators[path].items():
            unchanged = api.get(path, headers={name: value})
            assert unchanged.status_code == 304 and unchanged.content == b"", name
        assert api.get(path, headers={"If-None-Match": '"other"'}).status_code == 200
    wait_past_a_second()
    check(tenant_a.admin.patch(f"/v1/events/{event['id']}", {"title": unique("Moved")}), 200)
    for path in paths:
        for name, value in validators[path].items():
            assert api.get(path, headers={name: value}).status_code == 200, name


def wait_past_a_second():
    """Last-Modified counts whole seconds: a change within the same second would look unchanged to it."""
    time.sleep(1.1)
