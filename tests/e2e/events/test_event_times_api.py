"""One representation per moment through the gateway: an event's times come back from POST, GET, PATCH
and the list in the offset of its own time zone, whatever offset they were sent with; other moments are
UTC with Z."""
from datetime import datetime

from tests.e2e.events.test_events_api import event_body
from tests.support.api import check

# sent from Tokyo for an event in Copenhagen: 18:00 in Tokyo is 11:00 in Copenhagen (summer time)
SENT = {"starts_at": "2031-06-02T18:00:00+09:00", "ends_at": "2031-06-02T20:00:00+09:00"}
IN_COPENHAGEN = {
    "starts_at": "2031-06-02T11:00:00+02:00",
    "ends_at": "2031-06-02T13:00:00+02:00",
    "time_zone": "Europe/Copenhagen",
}


def moments(view):
    return {key: view[key] for key in IN_COPENHAGEN}


def test_post_get_patch_and_list_show_the_event_times_in_the_events_zone(tenant_a):
    admin = tenant_a.admin
    body = dict(event_body("Times in one form", datetime.fromisoformat(SENT["starts_at"])), **SENT)
    created = check(admin.post("/v1/events", body), 201)
    assert moments(created) == IN_COPENHAGEN
    assert moments(check(admin.get(f"/v1/events/{created['id']}"), 200)) == IN_COPENHAGEN
    patched = check(admin.patch(f"/v1/events/{created['id']}", {"title": "Renamed"}), 200)
    assert moments(patched) == IN_COPENHAGEN
    listed = check(admin.get(f"/v1/events?association_id={tenant_a.id}&limit=200"), 200)["items"]
    assert [moments(e) for e in listed if e["id"] == created["id"]] == [IN_COPENHAGEN]
    assert created["created_at"].endswith("Z") and patched["updated_at"].endswith("Z")
