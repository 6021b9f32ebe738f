"""An event at a host company's premises names the company, not only its id, for those who may see
it, through the gateway and the members service."""
from datetime import datetime, timedelta, timezone

from tests.e2e.events.test_events_api import published_event
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
