"""Every operation that shows an event writes its moments one way: RFC 3339 with the offset of the
event's own time zone at that moment, next to the zone's IANA name; moments without a zone of their own
are UTC with Z."""
from services.events.domain import co_hosts, lifecycle, search
from tests.unit.events.conftest import ASSOC_A, ASSOC_B, admin_of, event_payload

# sent from Tokyo for an event in Copenhagen: 18:00 in Tokyo is 10:00 in Copenhagen (summer time)
SENT = {
    "starts_at": "2031-06-02T18:00:00+09:00",
    "ends_at": "2031-06-02T20:00:00+09:00",
    "registration_opens_at": "2031-05-01T12:00:00+02:00",
    "registration_closes_at": "2031-06-02T07:00:00Z",
}
IN_COPENHAGEN = {
    "starts_at": "2031-06-02T11:00:00+02:00",
    "ends_at": "2031-06-02T13:00:00+02:00",
    "registration_opens_at": "2031-05-01T12:00:00+02:00",
    "registration_closes_at": "2031-06-02T09:00:00+02:00",
}


def moments(view):
    return {key: view[key] for key in IN_COPENHAGEN} | {"time_zone": view["time_zone"]}


def test_create_get_update_and_list_write_the_times_in_the_events_zone(session, admin_a):
    expected = IN_COPENHAGEN | {"time_zone": "Europe/Copenhagen"}
    created = lifecycle.create(session, admin_a, event_payload(**SENT))
    assert moments(created) == expected
    assert moments(lifecycle.get(session, admin_a, created["id"])) == expected
    updated = lifecycle.update(session, admin_a, created["id"], {"title": "Renamed"})
    assert moments(updated) == expected
    [listed] = [e for e in search.search(session, admin_a, {})["items"] if e["id"] == created["id"]]
    assert moments(listed) == expected
    assert created["local_start"] == expected["starts_at"]


def test_a_new_time_zone_rewrites_the_same_moments_in_it(session, admin_a):
    created = lifecycle.create(session, admin_a, event_payload(**SENT))
    moved = lifecycle.update(session, admin_a, created["id"], {"time_zone": "America/New_York"})
    assert (moved["starts_at"], moved["ends_at"], moved["time_zone"]) == (
        "2031-06-02T05:00:00-04:00", "2031-06-02T07:00:00-04:00", "America/New_York"
    )


def test_moments_without_a_zone_of_their_own_are_utc_with_z(session, admin_a):
    created = lifecycle.create(session, admin_a, event_payload(**SENT))
    published = lifecycle.transition(session, admin_a, created["id"], {"to": "published"})
    for key in ("created_at", "updated_at", "published_at"):
        assert published[key].endswith("Z") and "+" not in published[key], (key, published[key])


def test_a_co_host_invitation_shows_the_start_in_the_events_zone(session):
    organiser = admin_of(ASSOC_A)
    created = lifecycle.create(
        session, organiser, event_payload(association_ids=[ASSOC_A, ASSOC_B], **SENT)
    )
    [invitation] = co_hosts.search(session, admin_of(ASSOC_B), {})["items"]
    assert (invitation["resource_id"], invitation["starts_at"], invitation["time_zone"]) == (
        created["id"], IN_COPENHAGEN["starts_at"], "Europe/Copenhagen"
    )


def test_a_moment_before_standard_time_keeps_a_whole_minute_offset(session, admin_a):
    # Kyiv kept local mean time (+02:02:04) until 1880; RFC 3339 offsets are hours and minutes
    created = lifecycle.create(session, admin_a, event_payload(
        starts_at="0126-12-27T16:52:36Z", ends_at="0126-12-27T18:52:36Z", time_zone="Europe/Kyiv"
    ))
    assert (created["starts_at"], created["ends_at"]) == (
        "0126-12-27T18:54:36+02:02", "0126-12-27T20:54:36+02:02"
    )
    assert lifecycle.get(session, admin_a, created["id"])["starts_at"] == "0126-12-27T18:54:36+02:02"
