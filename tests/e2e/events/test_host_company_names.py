"""An event at a host company's premises names the company, not only its id, for those who may see
it, through the gateway and the members service."""
from datetime import datetime, timedelta, timezone

from tests.e2e.events.test_events_api import published_event
from tests.e2e.notifications.test_notifications_api import SINK  # the session's SMTP server
from tests.support.api import check, unique


def test_an_event_at_a_host_company_names_it(tenant_a):
    host = tenant_a.organisation
    start = (datetime.now(timezone.utc) + timedelta(days=30)).replace(microsecond=0)
    event = published_event(tenant_a.admin, unique("Factory visit"), start, format="in_person",
                            venue={"host_organisation_id": host["id"]})
    seen = check(tenant_a.admin.get(f"/v1/events/{event['id']}"), 200)["venue"]
    assert seen == {"address": None, "host_organisation_id": host["id"],
                    "host_organisation_name": host["name"]}
    listed = check(tenant_a.admin.get("/v1/events", params={"q": event["title"]}), 200)["items"]
    assert [e["venue"]["host_organisation_name"] for e in listed] == [host["name"]]
    feed = tenant_a.admin.get(f"/v1/events/{event['id']}/calendar.ics", headers={"Accept-Language": "de"})
    assert f"LOCATION:Räumlichkeiten von {host['name']}" in feed.text.replace("\r\n ", "")


def test_a_reader_who_may_not_see_the_host_company_reads_where_a_public_event_is(api, tenant_a):
    host = tenant_a.organisation
    start = (datetime.now(timezone.utc) + timedelta(days=30)).replace(microsecond=0)
    event = published_event(tenant_a.admin, unique("Open workshop"), start, format="in_person",
                            venue={"host_organisation_id": host["id"]})
    anonymous = check(api.get(f"/v1/events/{event['id']}"), 200)["venue"]
    assert anonymous["host_organisation_name"] == host["name"]
    feed = api.get(f"/v1/events/{event['id']}/calendar.ics", headers={"Accept-Language": "da"})
    assert f"LOCATION:Lokaler hos {host['name']}" in feed.text.replace("\r\n ", "")


def test_a_registrants_mail_and_its_calendar_name_the_host_company_in_their_language(tenant_a):
    host = tenant_a.organisation
    start = (datetime.now(timezone.utc) + timedelta(days=30)).replace(microsecond=0)
    event = published_event(tenant_a.admin, unique("Factory visit"), start, format="in_person",
                            venue={"host_organisation_id": host["id"]})
    guest = f"{unique('gast')}@example.test"
    check(tenant_a.admin.post(f"/v1/events/{event['id']}/registrations",
                              {"name": "Gast", "email": guest, "language": "de"}), 201)
    [mail] = SINK.wait_for(1, timeout=30, where=lambda m: guest in m["to"])
    message = mail["message"]
    assert f"Wo: Räumlichkeiten von {host['name']}" in message.get_body(("plain",)).get_content()
    [calendar] = [part.get_content() for part in message.iter_attachments()
                  if part.get_content_type() == "text/calendar"]
    calendar = calendar if isinstance(calendar, str) else calendar.decode("utf-8")
    assert f"LOCATION:Räumlichkeiten von {host['name']}" in calendar.replace("\r\n ", "")
    assert host["id"] not in calendar
