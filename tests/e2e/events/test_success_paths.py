"""The success paths of programme, registration and feedback operations that no walk-through shows:
each call made as the role it is for, its answer and a read afterwards checked."""
from tests.e2e.events.test_events_api import published_event, register, when
from tests.support.api import check, unique
from tests.support.covers import covers


def programme_body(**extra):
    return dict(
        {
            "title": unique("Export programme"),
            "period_start": "2026-01-01",
            "period_end": "2026-12-31",
            "planned_events": 4,
            "budget_amount_minor": 20_000_00,
            "currency": "EUR",
        },
        **extra,
    )


@covers("PATCH /v1/events/{id}")
def test_an_organiser_changes_a_published_event_and_everyone_sees_the_change(tenant_a, api):
    event = published_event(tenant_a.admin, unique("Spring meetup"), when(days=40), capacity=30)
    title = unique("Spring meetup, now with a factory tour")
    change = {
        "title": title,
        "description": "A tour of the new line, then drinks.",
        "languages": ["da", "en"],
        "capacity": 45,
        "themes": ["manufacturing"],
    }
    changed = check(tenant_a.admin.patch(f"/v1/events/{event['id']}", change), 200)
    public = check(api.get(f"/v1/events/{event['id']}"), 200)
    for seen in (changed, public):
        assert (seen["id"], seen["status"]) == (event["id"], "published")
        assert {field: seen[field] for field in ("title", "description", "languages", "themes")} == {
            field: change[field] for field in ("title", "description", "languages", "themes")}
        assert seen["seats"]["capacity"] == 45
    assert changed["sequence"] > event["sequence"]  # calendars take the change as a new version


@covers("PATCH /v1/programmes/{id}")
def test_an_admin_changes_a_programme(tenant_a):
    programme = check(tenant_a.admin.post("/v1/programmes", programme_body()), 201)
    title = unique("Export programme, extended")
    change = {
        "title": title,
        "goal": "Twelve companies selling abroad",
        "period_end": "2027-06-30",
        "planned_events": 6,
        "budget_amount_minor": 32_500_00,
        "partner_organisation_ids": [tenant_a.organisation["id"]],
    }
    changed = check(tenant_a.admin.patch(f"/v1/programmes/{programme['id']}", change), 200)
    for seen in (changed, check(tenant_a.admin.get(f"/v1/programmes/{programme['id']}"), 200)):
        assert seen["id"] == programme["id"]
        assert (seen["title"], seen["goal"], seen["period_start"], seen["period_end"]) == (
            title, "Twelve companies selling abroad", "2026-01-01", "2027-06-30")
        assert seen["planned_events"] == 6
        assert seen["partner_organisation_ids"] == [tenant_a.organisation["id"]]
        assert (seen["budget"]["granted_minor"], seen["budget"]["currency"]) == (32_500_00, "EUR")


@covers("GET /v1/programmes/{id}/costs")
def test_an_admin_reads_a_programmes_cost_lines_and_budget(tenant_a):
    programme = check(tenant_a.admin.post("/v1/programmes", programme_body()), 201)
    for date, text, amount in (("2026-02-01", "Venue hire", 1_200_00), ("2026-03-01", "Speaker", 800_00)):
        check(tenant_a.admin.post(f"/v1/programmes/{programme['id']}/costs",
                                  {"date": date, "description": text, "amount_minor": amount}), 201)
    costs = check(tenant_a.admin.get(f"/v1/programmes/{programme['id']}/costs"), 200)
    assert sorted((c["date"], c["description"], c["amount_minor"]) for c in costs["items"]) == [
        ("2026-02-01", "Venue hire", 1_200_00), ("2026-03-01", "Speaker", 800_00)]
    assert costs["budget"] == {"currency": "EUR", "granted_minor": 20_000_00, "used_minor": 2_000_00,
                               "remaining_minor": 18_000_00}


@covers("PATCH /v1/registrations/{id}")
def test_a_member_changes_then_cancels_their_registration(tenant_a, api):
    event = published_event(tenant_a.admin, unique("Members breakfast"), when(days=15), capacity=1)
    mine = check(tenant_a.member.post(f"/v1/events/{event['id']}/registrations",
                                      {"name": "Member person", "email": tenant_a.member_email}), 201)
    waiting = check(register(api, event["id"], "waiting"), 201)
    assert (mine["status"], waiting["status"]) == ("confirmed", "waitlisted")
    path = f"/v1/registrations/{mine['id']}"

    renamed = check(tenant_a.member.patch(path, {"name": "Member P. Person", "language": "en"}), 200)
    for seen in (renamed, check(tenant_a.member.get(path), 200)):
        assert (seen["id"], seen["name"], seen["language"], seen["status"]) == (
            mine["id"], "Member P. Person", "en", "confirmed")

    cancelled = check(tenant_a.member.patch(path, {"status": "cancelled"}), 200)
    assert (cancelled["id"], cancelled["status"]) == (mine["id"], "cancelled")
    assert check(tenant_a.admin.get(path), 200)["status"] == "cancelled"
    # the freed seat goes to the first waitlisted
    assert check(tenant_a.admin.get(f"/v1/registrations/{waiting['id']}"), 200)["status"] == "confirmed"


@covers("GET /v1/events/{id}/feedback")
def test_anyone_reads_an_events_feedback_score_and_its_organisers_the_comments(tenant_a, api):
    event = published_event(tenant_a.admin, unique("Past meetup"), when(days=-2))
    for name in ("Ada Walk-in", "Bo Walk-in"):
        check(tenant_a.admin.post(f"/v1/events/{event['id']}/attendance", {"name": name}), 201)
    attendees = sorted(check(tenant_a.admin.get(f"/v1/events/{event['id']}/attendance"), 200)["items"],
                       key=lambda attendee: attendee["name"])
    for attendee, rating, comment in zip(attendees, (5, 2), ("Great talks", "Too short")):
        body = {"attendance_id": attendee["id"], "rating": rating, "comment": comment}
        check(tenant_a.admin.post(f"/v1/events/{event['id']}/feedback", body), 201)

    public = check(api.get(f"/v1/events/{event['id']}/feedback"), 200)
    assert (public["count"], public["average"]) == (2, 3.5)
    assert public["distribution"] == {"1": 0, "2": 1, "3": 0, "4": 0, "5": 1}
    assert public["comments"] == []
    organisers = check(tenant_a.admin.get(f"/v1/events/{event['id']}/feedback"), 200)
    assert organisers["count"] == 2
    assert sorted((c["rating"], c["comment"]) for c in organisers["comments"]) == [
        (2, "Too short"), (5, "Great talks")]
