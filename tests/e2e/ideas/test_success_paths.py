"""The success paths of idea-panel operations that the panel's walk-through does not show: each call
made as the role it is for, its answer and a read afterwards checked."""
from tests.e2e.ideas.test_ideas_api import collecting, new_panel, reviewing_with_an_accepted_idea
from tests.support.api import check, unique
from tests.support.covers import covers


@covers("GET /v1/panels/{id}", "PATCH /v1/panels/{id}")
def test_an_admin_changes_a_panels_texts_and_visibility(tenant_a):
    panel = new_panel(tenant_a.admin)
    title = unique("Business panel on water")
    change = {
        "title": title,
        "theme": "Water",
        "description": "Droughts and floods, seen by companies.",
        "visibility": "participants",
        "sub_themes": [{"key": "water-reuse", "name": "Water reuse"}],
    }
    changed = check(tenant_a.admin.patch(f"/v1/panels/{panel['id']}", change), 200)
    for seen in (changed, check(tenant_a.admin.get(f"/v1/panels/{panel['id']}"), 200)):
        assert (seen["id"], seen["title"], seen["theme"], seen["visibility"]) == (
            panel["id"], title, "Water", "participants")
        assert seen["description"] == "Droughts and floods, seen by companies."
        assert [(s["key"], s["name"]) for s in seen["sub_themes"]] == [("water-reuse", "Water reuse")]
        assert seen["year"] == panel["year"] and seen["phase"] == panel["phase"]


@covers("DELETE /v1/panels/{id}/participants/{participant_id}")
def test_an_admin_removes_a_participant_from_a_panel(tenant_a):
    panel = new_panel(tenant_a.admin)
    path = f"/v1/panels/{panel['id']}/participants"
    added = check(tenant_a.admin.post(path, {"organisation_ids": [tenant_a.organisation["id"]]}), 200)
    [participant] = [p for p in added["items"] if p["organisation_id"] == tenant_a.organisation["id"]]
    check(tenant_a.admin.delete(f"{path}/{participant['id']}"), 204)
    remaining = check(tenant_a.admin.get(path, params={"limit": 200}), 200)
    assert participant["id"] not in {p["id"] for p in remaining["items"]}
    assert tenant_a.organisation["id"] not in {p["organisation_id"] for p in remaining["items"]}


@covers("GET /v1/panels/{id}/ideas", "PATCH /v1/ideas/{id}")
def test_a_participant_finds_and_changes_their_open_idea(tenant_a):
    panel = collecting(tenant_a)
    idea = check(tenant_a.member.post(f"/v1/panels/{panel['id']}/ideas", {"title": "Rainwater for toilets"}),
                 201)
    change = {"title": "Rainwater for flushing", "need": "Less drinking water in toilets",
              "expected_effect": "A third less water bought", "sub_theme": "green-infrastructure"}
    changed = check(tenant_a.member.patch(f"/v1/ideas/{idea['id']}", change), 200)
    for seen in (changed, check(tenant_a.member.get(f"/v1/ideas/{idea['id']}"), 200)):
        assert seen["id"] == idea["id"]
        assert {field: seen[field] for field in change} == change
    found = check(tenant_a.member.get(f"/v1/panels/{panel['id']}/ideas", params={"q": "flushing"}), 200)
    assert [(i["id"], i["title"]) for i in found["items"]] == [(idea["id"], "Rainwater for flushing")]


@covers("DELETE /v1/ideas/{id}/supports")
def test_a_participant_withdraws_their_support(tenant_a):
    panel = collecting(tenant_a)
    behalf = {"organisation_id": tenant_a.organisation["id"]}
    facilitated = {"title": "Shared e-cargo bikes", "on_behalf_of": behalf}
    idea = check(tenant_a.admin.post(f"/v1/panels/{panel['id']}/ideas", facilitated), 201)
    supports = f"/v1/ideas/{idea['id']}/supports"
    given = check(tenant_a.member.post(supports, {}), 201)
    assert (given["support_count"], given["supported_by_me"]) == (1, True)
    withdrawn = check(tenant_a.member.delete(supports), 200)
    for seen in (withdrawn, check(tenant_a.member.get(supports), 200)):
        assert (seen["idea_id"], seen["support_count"], seen["supported_by_me"]) == (idea["id"], 0, False)
    assert check(tenant_a.member.get(f"/v1/ideas/{idea['id']}"), 200)["support_count"] == 0


@covers("GET /v1/panels/{id}/decisions", "GET /v1/initiatives/{id}", "PATCH /v1/initiatives/{id}")
def test_decisions_are_listed_and_an_initiative_changed_and_read_publicly(api, tenant_a):
    admin = tenant_a.admin
    panel, idea = reviewing_with_an_accepted_idea(tenant_a, "A shared solar roof")
    pid = panel["id"]
    decision = check(admin.post(f"/v1/panels/{pid}/decisions", {
        "decided_on": "2026-03-05", "body": "Climate committee", "text": "Go ahead with the roof.",
        "ideas": [{"idea_id": idea["id"]}]}), 201)
    decisions = check(admin.get(f"/v1/panels/{pid}/decisions"), 200)
    assert [(d["id"], d["body"], d["decided_on"]) for d in decisions["items"]] == [
        (decision["id"], "Climate committee", "2026-03-05")]

    initiative = check(admin.post(f"/v1/panels/{pid}/initiatives", {
        "title": "Solar roof study", "idea_ids": [idea["id"]],
        "owner": {"kind": "municipality", "name": "The municipality"}}), 201)
    change = {
        "title": "Solar roof on the business park",
        "description": "Feasibility, then a tender.",
        "owner": {"kind": "business_hub", "name": "Regional business hub"},
        "partners": [{"kind": "organisation", "name": tenant_a.organisation["name"],
                      "organisation_id": tenant_a.organisation["id"]}],
        "starts_on": "2026-04-01",
        "ends_on": "2026-12-31",
    }
    changed = check(admin.patch(f"/v1/initiatives/{initiative['id']}", change), 200)
    check(admin.post(f"/v1/panels/{pid}/transitions", {"to": "catalogue_published"}), 200)
    public = check(api.get(f"/v1/initiatives/{initiative['id']}"), 200)  # public once published
    for seen in (changed, public):
        assert (seen["id"], seen["title"], seen["description"]) == (
            initiative["id"], "Solar roof on the business park", "Feasibility, then a tender.")
        assert (seen["owner"]["kind"], seen["owner"]["name"]) == ("business_hub", "Regional business hub")
        assert [p["organisation_id"] for p in seen["partners"]] == [tenant_a.organisation["id"]]
        assert (seen["starts_on"], seen["ends_on"]) == ("2026-04-01", "2026-12-31")
        assert [i["id"] for i in seen["ideas"]] == [idea["id"]]
