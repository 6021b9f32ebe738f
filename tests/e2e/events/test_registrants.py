"""Whose registration a call makes, through the gateway: guests registered by a
signed-in organiser or member stay guests, a member registers themself in one
call without repeating their name and address, and a person registers under
the address the members service holds for them."""
from tests.e2e.events.test_events_api import published_event, when
from tests.support.api import check, unique
from tests.support.covers import covers


@covers("GET /v1/persons/{id}/export", "POST /v1/events/{id}/registrations")
def test_guests_registered_by_an_organiser_or_member_are_guests_not_the_caller(tenant_a):
    event = published_event(tenant_a.admin, unique("Open house"), when(days=15))
    path = f"/v1/events/{event['id']}/registrations"
    guests = [check(tenant_a.admin.post(path, {"name": "Guest A", "email": "ga@x.test"}), 201),
              check(tenant_a.admin.post(path, {"name": "Guest B", "email": "gb@x.test"}), 201),
              check(tenant_a.member.post(path, {"name": "Guest C", "email": "gc@x.test"}), 201)]
    assert [(r["person_id"], r["name"], r["email"]) for r in guests] == [
        (None, "Guest A", "ga@x.test"), (None, "Guest B", "gb@x.test"), (None, "Guest C", "gc@x.test")]
    for person, client in (
        (tenant_a.admin_person, tenant_a.admin),
        (tenant_a.member_person, tenant_a.member),
    ):
        exported = check(client.get(f"/v1/persons/{person['id']}/export"), 200)["services"]["events"]
        assert not [r for r in exported["registrations"] if r["event_id"] == event["id"]]
    # the organiser themself is still free to register
    mine = check(tenant_a.admin.post(path, {}), 201)
    assert (mine["person_id"], mine["email"]) == (tenant_a.admin_person["id"], tenant_a.admin_email)


@covers("POST /v1/events/{id}/registrations")
def test_a_member_registers_themself_with_nothing_but_the_channel(tenant_a):
    event = published_event(tenant_a.admin, unique("Member breakfast"), when(days=16))
    path = f"/v1/events/{event['id']}/registrations"
    mine = check(tenant_a.member.post(path, {"source_channel": "network"}), 201)
    assert (mine["person_id"], mine["name"], mine["email"], mine["source_channel"]) == (
        tenant_a.member_person["id"],
        tenant_a.member_person["name"],
        tenant_a.member_email,
        "network",
    )
    again = tenant_a.member.post(path, {}, headers={"Accept-Language": "en"})
    assert again.status_code == 409 and "registered for this event already" in again.json()["detail"]


@covers("GET /v1/events/{id}/registrations", "POST /v1/events/{id}/registrations")
def test_a_person_registers_under_their_own_address_only(tenant_a):
    event = published_event(tenant_a.admin, unique("Export clinic"), when(days=17))
    path = f"/v1/events/{event['id']}/registrations"
    person_id = tenant_a.member_person["id"]
    refused = tenant_a.admin.post(path, {"person_id": person_id, "name": "Member", "email": "private@x.test"})
    assert refused.status_code == 422 and tenant_a.member_email in refused.json()["errors"]["email"][0]
    assert check(tenant_a.admin.get(path), 200)["total"] == 0
    registered = check(
        tenant_a.admin.post(path, {"person_id": person_id, "email": tenant_a.member_email.upper()}), 201
    )
    assert (registered["person_id"], registered["email"]) == (person_id, tenant_a.member_email)
    unknown = tenant_a.admin.post(path, {"person_id": "00000000-0000-4000-8000-000000000000"})
    assert unknown.status_code == 422 and "person_id" in unknown.json()["errors"]


def new_person(tenant):
    """A person of the tenant's association of the test's own (the tenant's member is shared by tests that
    count its registrations)."""
    email = f"{unique('person')}@x.test"
    return check(
        tenant.admin.post(
            "/v1/persons",
            {"name": unique("Person"), "email": email, "language": "en", "home_association_id": tenant.id},
        ),
        201,
    )


@covers("POST /v1/events/{id}/registrations")
def test_an_organiser_registering_a_persons_address_files_it_under_that_person(tenant_a):
    event = published_event(tenant_a.admin, unique("Members' lunch"), when(days=18))
    path = f"/v1/events/{event['id']}/registrations"
    person = new_person(tenant_a)
    filed = check(tenant_a.admin.post(path, {"name": "Typed by hand", "email": person["email"].upper()}), 201)
    assert (filed["person_id"], filed["name"], filed["email"]) == (
        person["id"],
        person["name"],
        person["email"],
    )
    again = tenant_a.admin.post(path, {"person_id": person["id"]})
    assert again.status_code == 409
