"""Organisers register many people at once through the gateway, from a JSON list or a CSV table:
all or nothing, with the refused entries named by index or line and field."""
from tests.e2e.events.test_events_api import published_event, when
from tests.e2e.events.test_registrants import new_person
from tests.support.api import check, unique
from tests.support.covers import covers


@covers("POST /v1/events/{id}/registrations/bulk")
def test_a_list_fills_the_seats_then_the_waitlist_and_files_persons_under_them(tenant_a):
    event = published_event(tenant_a.admin, unique("Bulk breakfast"), when(days=21), capacity=2)
    person = new_person(tenant_a)
    entries = [{"name": "Guest A", "email": f"{unique('ga')}@x.test"},
               {"name": "Member", "email": person["email"]},
               {"name": "Guest B", "email": f"{unique('gb')}@x.test"}]
    result = check(tenant_a.admin.post(f"/v1/events/{event['id']}/registrations/bulk",
                                       {"registrations": entries}, params={"campaign": "spring-fair"}), 201)
    assert (result["registered"], result["confirmed"], result["waitlisted"]) == (3, 2, 1)
    assert [r["person_id"] for r in result["items"]] == [None, person["id"], None]
    assert {r["campaign_code"] for r in result["items"]} == {"spring-fair"}
    assert result["items"][2]["waitlist_position"] == 1


@covers("GET /v1/events/{id}/registrations")
def test_one_bad_entry_registers_nothing_and_each_is_named(tenant_a):
    event = published_event(tenant_a.admin, unique("Bulk lunch"), when(days=22))
    path = f"/v1/events/{event['id']}/registrations"
    taken = f"{unique('taken')}@x.test"
    check(tenant_a.admin.post(path, {"name": "Early", "email": taken}), 201)
    fine = {"name": "Fine", "email": f"{unique('fine')}@x.test"}
    # fields are checked first, every entry's; then who may be registered
    invalid = tenant_a.admin.post(
        f"{path}/bulk", {"registrations": [fine, {"name": "No", "email": "nowhere"}]}
    )
    assert invalid.status_code == 422 and invalid.headers["Content-Type"].startswith(
        "application/problem+json"
    )
    assert list(invalid.json()["errors"]["registrations"]) == ["1"]
    assert "email" in invalid.json()["errors"]["registrations"]["1"]
    refused = tenant_a.admin.post(
        f"{path}/bulk",
        {
            "registrations": [
                fine,
                {"name": "Twice", "email": taken},
                {"person_id": None, "email": f"{unique('x')}@x.test"},
            ]
        },
    )
    assert refused.status_code == 422
    errors = refused.json()["errors"]["registrations"]
    assert "al aangemeld voor dit evenement" in errors["1"]["_entry"][0] and "name" in errors["2"]
    assert check(tenant_a.admin.get(path), 200)["total"] == 1


@covers("GET /v1/events/{id}/registrations", "POST /v1/events/{id}/registrations/import")
def test_a_csv_import_is_all_or_nothing_with_errors_by_line_and_field(tenant_a):
    event = published_event(tenant_a.admin, unique("Bulk dinner"), when(days=23))
    path = f"/v1/events/{event['id']}/registrations"
    first, second = f"{unique('c1')}@x.test", f"{unique('c2')}@x.test"
    bad = f"Name,Email,Source channel\nOne,{first},website\nTwo,{second},carrier-pigeon\nThree,,\n"
    refused = tenant_a.admin.post(f"{path}/import", data=bad.encode(),
                                  headers={"Content-Type": "text/csv", "Accept-Language": "en"})
    assert refused.status_code == 422
    assert refused.json()["errors"]["csv"] == {
        "line 3": {
            "source_channel": [
                "Must be one of: newsletter, email, linkedin, facebook, direct_mail, website, network, other."
            ]
        },
        "line 4": {"email": ["Give the e-mail address, or a person_id."]},
    }
    assert check(tenant_a.admin.get(path), 200)["total"] == 0
    good = f"Name,Email,Source channel\nOne,{first},website\nTwo,{second},\n"
    result = check(tenant_a.admin.post(f"{path}/import", {"csv": good}), 201)
    assert [(r["email"], r["source_channel"]) for r in result["items"]] == [
        (first, "website"),
        (second, "other"),
    ]


def test_members_may_not_register_in_bulk(tenant_a):
    event = published_event(tenant_a.admin, unique("Bulk tea"), when(days=24))
    refused = tenant_a.member.post(
        f"/v1/events/{event['id']}/registrations/bulk",
        {"registrations": [{"name": "G", "email": f"{unique('g')}@x.test"}]},
    )
    assert refused.status_code == 403
