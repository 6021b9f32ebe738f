"""Idea panels through the gateway: the yearly business panel rebuilt end to
end, the catalogue in every format, tenant isolation, bad input and GDPR."""
import csv
import io
import uuid

import pytest

from tests.integration.ideas.waiting import assert_equal, eventually
from tests.support.api import check, unique
from tests.support.charts import bars, chart, values
from tests.support.covers import covers

SUB_THEMES = [("green-guidance", "Green guidance"), ("green-funding", "Green funding"),
              ("green-knowledge-sharing", "Green knowledge sharing"), ("green-inclusion", "Green inclusion"),
              ("green-infrastructure", "Green infrastructure")]
TOPICS = ["energy audits", "solar roofs", "heat pumps", "e-cargo bikes", "waste sorting", "shared charging",
          "green loans", "circular packaging"]




def new_panel(admin, **extra):
    body = dict(
        {
            "year": 2025,
            "title": unique("Business panel"),
            "theme": "Green transition",
            "language": "en",
            "time_zone": "Europe/Copenhagen",
            "sub_themes": [{"key": k, "name": n} for k, n in SUB_THEMES],
        },
        **extra,
    )
    return check(admin.post("/v1/panels", body), 201)


def collecting(tenant, **extra):
    panel = new_panel(tenant.admin, **extra)
    check(
        tenant.admin.post(
            f"/v1/panels/{panel['id']}/participants", {"organisation_ids": [tenant.organisation["id"]]}
        ),
        200,
    )
    check(tenant.admin.post(f"/v1/panels/{panel['id']}/transitions", {"to": "collecting_ideas"}), 200)
    return panel


def reviewing_with_an_accepted_idea(tenant, title):
    """A panel under review, with one participant's idea accepted."""
    panel = collecting(tenant)
    idea = check(tenant.member.post(f"/v1/panels/{panel['id']}/ideas", {"title": title}), 201)
    check(tenant.admin.post(f"/v1/panels/{panel['id']}/transitions", {"to": "reviewing"}), 200)
    check(tenant.admin.post(f"/v1/ideas/{idea['id']}/transitions", {"to": "accepted"}), 200)
    return panel, idea


@covers(
    "GET /v1/ideas/{id}",
    "GET /v1/ideas/{id}/similar",
    "GET /v1/panels/{id}/catalogue",
    "GET /v1/panels/{id}/initiatives",
    "GET /v1/panels/{id}/participants",
    "POST /v1/ideas/{id}/comments",
    "POST /v1/ideas/{id}/supports",
    "POST /v1/ideas/{id}/transitions",
    "POST /v1/initiatives/{id}/progress",
    "POST /v1/organisations",
    "POST /v1/panels/{id}/decisions",
    "POST /v1/panels/{id}/ideas",
    "POST /v1/panels/{id}/initiatives",
    "POST /v1/panels/{id}/meetings",
    "POST /v1/panels/{id}/participants",
    "POST /v1/panels/{id}/transitions",
)
def test_the_yearly_business_panel_rebuilt_end_to_end(api, tenant_a):
    admin = tenant_a.admin
    companies = [tenant_a.organisation] + [
        check(admin.post("/v1/organisations", {"name": unique(f"Company {i:02d}"), "country": "NL"}), 201)
        for i in range(19)
    ]
    panel = new_panel(
        admin,
        visibility="participants",
        description="One strategic theme a year.",
        phases=[
            {"phase": "collecting_ideas", "starts_on": "2025-02-01", "ends_on": "2025-05-31"},
            {"phase": "reviewing", "starts_on": "2025-06-01", "ends_on": "2025-09-30"},
            {"phase": "catalogue_published", "starts_on": "2025-10-01"},
        ],
    )
    pid = panel["id"]
    for start in range(0, len(companies), 10):
        check(
            admin.post(
                f"/v1/panels/{pid}/participants",
                {"organisation_ids": [c["id"] for c in companies[start : start + 10]]},
            ),
            200,
        )
    assert check(admin.get(f"/v1/panels/{pid}/participants", params={"limit": 200}), 200)["total"] == 20
    meetings = [
        check(
            admin.post(
                f"/v1/panels/{pid}/meetings",
                {
                    "event_id": str(uuid.uuid4()),
                    "title": f"Panel meeting {n}",
                    "held_on": f"2025-0{n + 2}-15",
                },
            ),
            201,
        )
        for n in (1, 2, 3)
    ]
    check(admin.post(f"/v1/panels/{pid}/transitions", {"to": "collecting_ideas"}), 200)

    # 40 ideas, 8 per sub-theme: most recorded by the facilitator during the meetings, some sent by a member
    ideas = []
    for s, (key, name) in enumerate(SUB_THEMES):
        for t, topic in enumerate(TOPICS):
            n = s * len(TOPICS) + t
            body = {
                "title": f"{name}: {topic}",
                "need": f"Companies need help with {topic} ({key})",
                "expected_effect": "Lower emissions",
                "sub_theme": key,
                "suggested_partners": [
                    {"kind": "municipality", "name": "The municipality"},
                    {"kind": "university", "name": "The university"},
                ],
            }
            if n % 10 == 0:
                ideas.append(check(tenant_a.member.post(f"/v1/panels/{pid}/ideas", body), 201))
            else:
                body.update(
                    meeting_id=meetings[n % 3]["id"],
                    on_behalf_of={"organisation_id": companies[n % len(companies)]["id"]},
                )
                ideas.append(check(admin.post(f"/v1/panels/{pid}/ideas", body), 201))
    assert ideas[0]["submitter_organisation_id"] == tenant_a.organisation["id"]
    assert ideas[1]["recorded_by_facilitator"] is True

    # a participant sends a near-duplicate; the facilitator finds it and merges it
    duplicate = check(
        tenant_a.member.post(
            f"/v1/panels/{pid}/ideas",
            {
                "title": "Green funding: loans that are green",
                "need": "Companies need help with green loans",
                "sub_theme": "green-funding",
            },
        ),
        201,
    )
    original = ideas[8 + TOPICS.index("green loans")]
    for idea in ideas[:12] + [duplicate]:
        check(tenant_a.member.post(f"/v1/ideas/{idea['id']}/supports", {}), 201)
    check(tenant_a.member.post(f"/v1/ideas/{duplicate['id']}/comments", {"body": "We would take part."}), 201)
    similar = check(admin.get(f"/v1/ideas/{duplicate['id']}/similar"), 200)
    assert similar["candidates"][0]["idea"]["id"] == original["id"]
    check(admin.post(f"/v1/panels/{pid}/transitions", {"to": "reviewing"}), 200)
    merged = check(
        admin.post(
            f"/v1/ideas/{duplicate['id']}/transitions", {"to": "merged", "into_idea_id": original["id"]}
        ),
        200,
    )
    assert merged["trace"]["merged_into"]["id"] == original["id"]
    for idea in ideas:
        check(admin.post(f"/v1/ideas/{idea['id']}/transitions", {"to": "accepted"}), 200)
    survivor = check(admin.get(f"/v1/ideas/{original['id']}"), 200)
    assert survivor["support_count"] == 1 and survivor["comment_count"] == 1

    # before publication the catalogue is not there for anyone outside
    assert api.get(f"/v1/panels/{pid}/catalogue").status_code == 404
    decision = check(
        admin.post(
            f"/v1/panels/{pid}/decisions",
            {
                "decided_on": "2025-09-18",
                "body": "Business and growth committee",
                "text": "The committee adopts the idea catalogue and asks for initiatives.",
                "ideas": [{"idea_id": i["id"]} for i in ideas],
            },
        ),
        201,
    )
    check(admin.post(f"/v1/panels/{pid}/transitions", {"to": "catalogue_published"}), 200)

    catalogue = check(api.get(f"/v1/panels/{pid}/catalogue"), 200)
    assert catalogue["published"] is True and catalogue["idea_count"] == 40
    assert [(s["key"], len(s["ideas"])) for s in catalogue["sections"]] == [(k, 8) for k, _ in SUB_THEMES]
    assert catalogue["support_count"] == 13
    funding = {i["title"]: i for i in catalogue["sections"][1]["ideas"]}
    assert funding[original["title"]]["support_count"] == 1
    assert duplicate["title"] not in funding

    as_csv = api.get(f"/v1/panels/{pid}/catalogue", params={"format": "csv"})
    assert as_csv.status_code == 200 and as_csv.headers["content-type"].startswith("text/csv")
    assert "attachment" in as_csv.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(as_csv.text)))
    assert len(rows) == 40
    assert {r["Sub-theme key"] for r in rows} == {k for k, _ in SUB_THEMES}
    assert sum(int(r["Supports"]) for r in rows) == 13
    markdown = api.get(f"/v1/panels/{pid}/catalogue", headers={"Accept": "text/markdown"})
    assert markdown.headers["content-type"].startswith("text/markdown")
    assert [line for line in markdown.text.splitlines() if line.startswith("## ")] == [
        f"## {name}" for _, name in SUB_THEMES
    ]
    assert markdown.text.count("\n### ") == 40
    page = api.get(
        f"/v1/panels/{pid}/catalogue", headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
    )
    assert page.headers["content-type"].startswith("text/html")
    assert page.text.count('<article class="idea">') == 40 and "@media print" in page.text
    by_status = chart(page.text, "ideas-by-status")
    assert len(bars(by_status)) == len(SUB_THEMES) * 5  # each sub-theme's ideas by their five statuses
    assert sorted(values(by_status)) == ["1"] + ["8"] * 5  # 8 accepted per sub-theme, the merged duplicate
    assert "Draft" not in page.text

    # 9 initiatives launched and followed up
    initiatives = []
    for n in range(9):
        initiative = check(
            admin.post(
                f"/v1/panels/{pid}/initiatives",
                {
                    "title": f"Initiative {n + 1}",
                    "idea_ids": [ideas[n * 4]["id"], ideas[n * 4 + 1]["id"]],
                    "owner": {"kind": "business_hub", "name": "Regional business hub"},
                    "partners": [
                        {
                            "kind": "organisation",
                            "name": companies[n]["name"],
                            "organisation_id": companies[n]["id"],
                        }
                    ],
                    "starts_on": "2025-11-01",
                },
            ),
            201,
        )
        initiatives.append(
            check(
                admin.post(
                    f"/v1/initiatives/{initiative['id']}/progress",
                    {"reported_on": "2026-01-15", "text": "Kick-off held", "status": "launched"},
                ),
                201,
            )
        )
    check(
        admin.post(
            f"/v1/initiatives/{initiatives[0]['id']}/progress",
            {
                "reported_on": "2026-03-20",
                "text": "Presented at the conference's network café",
                "status": "completed",
            },
        ),
        201,
    )
    check(admin.post(f"/v1/panels/{pid}/transitions", {"to": "following_up"}), 200)
    listed = check(tenant_a.member.get(f"/v1/panels/{pid}/initiatives", params={"limit": 50}), 200)
    assert listed["total"] == 9
    assert sorted(i["status"] for i in listed["items"]) == ["completed"] + ["launched"] * 8

    # "what happened to my idea?" answered for the member's idea
    mine = check(tenant_a.member.get(f"/v1/ideas/{ideas[0]['id']}"), 200)
    assert [h["to_status"] for h in mine["trace"]["status_history"]] == ["submitted", "accepted"]
    assert [d["id"] for d in mine["trace"]["decisions"]] == [decision["id"]]
    assert mine["trace"]["initiatives"][0]["status"] == "completed"
    assert mine["trace"]["initiatives"][0]["latest_progress"]["text"].startswith("Presented")
    catalogue = check(api.get(f"/v1/panels/{pid}/catalogue", params={"format": "json"}), 200)
    in_catalogue = {i["id"]: i for i in catalogue["sections"][0]["ideas"]}
    assert [i["title"] for i in in_catalogue[ideas[0]["id"]]["initiatives"]] == ["Initiative 1"]
    assert in_catalogue[ideas[2]["id"]]["initiatives"] == []


@covers(
    "GET /v1/panels/{id}/catalogue",
    "GET /v1/panels/{id}/initiatives",
    "POST /v1/panels/{id}/ideas",
    "POST /v1/panels/{id}/initiatives",
)
def test_published_initiatives_and_their_progress_are_public(api, tenant_a):
    admin = tenant_a.admin
    panel, idea = reviewing_with_an_accepted_idea(tenant_a, "Shared heat network")
    pid = panel["id"]
    initiative = check(
        admin.post(
            f"/v1/panels/{pid}/initiatives",
            {
                "title": "Heat network study",
                "idea_ids": [idea["id"]],
                "owner": {"kind": "municipality", "name": "The municipality"},
            },
        ),
        201,
    )
    check(
        admin.post(
            f"/v1/initiatives/{initiative['id']}/progress",
            {"reported_on": "2026-02-01", "text": "Study commissioned", "status": "launched"},
        ),
        201,
    )
    # not published yet: private, and not even there for an anonymous caller
    assert api.get(f"/v1/initiatives/{initiative['id']}").status_code == 404
    assert api.get(f"/v1/panels/{pid}/initiatives").status_code == 404

    check(admin.post(f"/v1/panels/{pid}/transitions", {"to": "catalogue_published"}), 200)
    catalogue = check(api.get(f"/v1/panels/{pid}/catalogue"), 200)
    [linked] = [i for s in catalogue["sections"] for i in s["ideas"] if i["id"] == idea["id"]][0][
        "initiatives"
    ]
    assert linked["href"] == f"/v1/initiatives/{initiative['id']}"
    assert linked["latest_progress"]["text"] == "Study commissioned"
    assert (
        f'href="/v1/initiatives/{initiative["id"]}"'
        in api.get(f"/v1/panels/{pid}/catalogue", params={"format": "html"}).text
    )
    public = check(api.get(linked["href"]), 200)
    assert [(p["reported_on"], p["text"]) for p in public["progress"]] == [
        ("2026-02-01", "Study commissioned")
    ]
    listed = check(api.get(f"/v1/panels/{pid}/initiatives"), 200)
    assert [i["id"] for i in listed["items"]] == [initiative["id"]]


@covers("GET /v1/panels", "POST /v1/panels/{id}/ideas", "POST /v1/panels/{id}/initiatives")
def test_other_associations_get_404_and_see_nothing_in_lists(tenant_a, tenant_b):
    panel = collecting(tenant_a)
    idea = check(tenant_a.member.post(f"/v1/panels/{panel['id']}/ideas", {"title": "Private idea"}), 201)
    initiative = check(
        tenant_a.admin.post(
            f"/v1/panels/{panel['id']}/initiatives",
            {
                "title": "Private initiative",
                "idea_ids": [idea["id"]],
                "owner": {"kind": "other", "name": "Us"},
            },
        ),
        201,
    )
    for path in (
        f"/v1/panels/{panel['id']}",
        f"/v1/panels/{panel['id']}/ideas",
        f"/v1/ideas/{idea['id']}",
        f"/v1/ideas/{idea['id']}/similar",
        f"/v1/ideas/{idea['id']}/comments",
        f"/v1/initiatives/{initiative['id']}",
        f"/v1/panels/{panel['id']}/catalogue",
    ):
        assert tenant_b.admin.get(path).status_code == 404, path
    assert tenant_b.admin.patch(f"/v1/panels/{panel['id']}", {"title": "hijacked"}).status_code == 404
    assert tenant_b.member.post(f"/v1/ideas/{idea['id']}/supports", {}).status_code == 404
    listed = check(tenant_b.admin.get("/v1/panels", params={"limit": 200}), 200)
    assert panel["id"] not in {p["id"] for p in listed["items"]}
    assert tenant_a.member.patch(f"/v1/panels/{panel['id']}", {"title": "mine now"}).status_code == 403


@pytest.mark.parametrize(
    "path, body",
    [
        ("/v1/panels", {"year": 2025, "title": "x", "theme": "y", "language": "en", "phase": "closed"}),
        ("/v1/panels", {"year": 1800, "title": "x", "theme": "y", "language": "en"}),
        (
            "/v1/panels",
            {
                "year": 2025,
                "title": "x",
                "theme": "y",
                "language": "en",
                "sub_themes": [{"key": "a", "name": "A"}, {"key": "a", "name": "B"}],
            },
        ),
    ],
)
def test_bad_panel_input_is_422_problem(tenant_a, path, body):
    r = tenant_a.admin.post(path, body)
    assert r.status_code == 422, r.text
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["errors"]


@covers("GET /v1/panels")
def test_a_panel_for_an_unknown_association_is_422_problem(platform, tenant_a):
    unknown = str(uuid.uuid4())
    r = platform.post(
        "/v1/panels",
        {
            "association_id": unknown,
            "year": 2025,
            "title": unique("Panel"),
            "theme": "Green transition",
            "language": "en",
        },
    )
    assert r.status_code == 422, r.text
    assert r.headers["content-type"] == "application/problem+json"
    assert "association_id" in r.json()["errors"]
    assert unknown not in {
        p["association_id"] for p in check(platform.get("/v1/panels", params={"limit": 200}), 200)["items"]
    }
    panel = new_panel(platform, association_id=tenant_a.id)
    assert panel["association_id"] == tenant_a.id


@covers("POST /v1/panels/{id}/ideas")
def test_bad_idea_input_and_server_owned_fields(tenant_a):
    panel = collecting(tenant_a)
    base = f"/v1/panels/{panel['id']}/ideas"
    for body, field in (
        ({"title": "x", "status": "accepted"}, "status"),
        ({"title": "x", "support_count": 5}, "support_count"),
        ({"title": "x", "sub_theme": "nope"}, "sub_theme"),
        ({"title": ""}, "title"),
    ):
        r = tenant_a.member.post(base, body)
        assert r.status_code == 422 and field in r.json()["errors"], r.text
    assert (
        tenant_a.member.post(base, data="{not json", headers={"Content-Type": "application/json"}).status_code
        == 400
    )
    assert (
        tenant_a.member.post(
            base, data="title=x", headers={"Content-Type": "application/x-www-form-urlencoded"}
        ).status_code
        == 415
    )
    idea = check(tenant_a.member.post(base, {"title": "Valid"}), 201)
    assert tenant_a.member.get(f"/v1/ideas/{idea['id']}/similar", params={"limit": "many"}).status_code == 422
    assert (
        tenant_a.member.get(f"/v1/panels/{panel['id']}/catalogue", params={"format": "pdf"}).status_code
        == 422
    )
    r = tenant_a.admin.post(f"/v1/ideas/{idea['id']}/transitions", {"to": "declined"})
    assert r.status_code == 422 and "reason" in r.json()["errors"]
    assert tenant_a.member.post(f"/v1/ideas/{idea['id']}/supports", {}).status_code == 201
    assert tenant_a.member.post(f"/v1/ideas/{idea['id']}/supports", {}).status_code == 409
    assert tenant_a.admin.get(f"/v1/ideas/{uuid.uuid4()}").status_code == 404


def employee(api, tenant, name):
    """A signed-in employee of the tenant's organisation: (person, client)."""
    email = f"{unique('panelist')}@nabo.test"
    person = check(
        tenant.admin.post(
            "/v1/persons",
            {
                "name": name,
                "email": email,
                "language": "en",
                "password": "panelist-password-1",
                "organisations": [{"organisation_id": tenant.organisation["id"], "role": "employee"}],
            },
        ),
        201,
    )
    return person, api.as_(api.sign_in(email, "panelist-password-1"))


@covers(
    "GET /v1/ideas/{id}",
    "GET /v1/ideas/{id}/comments",
    "GET /v1/persons/{id}/export",
    "POST /v1/panels/{id}/ideas",
)
def test_export_and_erasure_of_a_participant(api, platform, tenant_a):
    admin = tenant_a.admin
    person, panelist = employee(api, tenant_a, "Panel Person")
    panel = collecting(tenant_a)
    idea = check(panelist.post(f"/v1/panels/{panel['id']}/ideas", {"title": "Repair café for machines"}), 201)
    check(panelist.post(f"/v1/ideas/{idea['id']}/supports", {}), 201)
    check(tenant_a.member.post(f"/v1/ideas/{idea['id']}/supports", {}), 201)
    check(panelist.post(f"/v1/ideas/{idea['id']}/comments", {"body": "Let us start in spring."}), 201)
    eventually(
        lambda: assert_equal(
            check(admin.get(f"/v1/ideas/{idea['id']}"), 200)["submitter_name"], "Panel Person"
        )
    )

    exported = check(panelist.get(f"/v1/persons/{person['id']}/export"), 200)["services"]["ideas"]
    assert [i["title"] for i in exported["ideas"]] == ["Repair café for machines"]
    assert len(exported["supports"]) == 1 and exported["comments"][0]["body"] == "Let us start in spring."

    check(admin.delete(f"/v1/persons/{person['id']}"), 202)

    def anonymised():
        seen = check(admin.get(f"/v1/ideas/{idea['id']}"), 200)
        assert seen["submitter_person_id"] is None and seen["submitter_name"] is None
        assert seen["support_count"] == 2

    eventually(anonymised)
    comments = check(admin.get(f"/v1/ideas/{idea['id']}/comments"), 200)["items"]
    assert comments[0]["person_id"] is None and comments[0]["body"] == "Let us start in spring."


@covers("GET /v1/ideas/{id}", "GET /v1/ideas/{id}/supports", "POST /v1/panels/{id}/ideas")
def test_supports_keep_their_organisations_name_after_the_supporter_is_erased(api, tenant_a):
    admin = tenant_a.admin
    person, panelist = employee(api, tenant_a, "Single Panelist")
    panel = new_panel(admin)  # the person takes part on their own; their organisation is no participant
    check(admin.post(f"/v1/panels/{panel['id']}/participants", {"person_ids": [person["id"]]}), 200)
    check(admin.post(f"/v1/panels/{panel['id']}/transitions", {"to": "collecting_ideas"}), 200)
    idea = check(panelist.post(f"/v1/panels/{panel['id']}/ideas", {"title": "Shared delivery van"}), 201)
    check(panelist.post(f"/v1/ideas/{idea['id']}/supports", {}), 201)
    counted = [
        {"organisation_id": tenant_a.organisation["id"], "name": tenant_a.organisation["name"], "supports": 1}
    ]

    def supports():
        return check(admin.get(f"/v1/ideas/{idea['id']}/supports"), 200)["supports_by_organisation"]

    eventually(lambda: assert_equal(supports(), counted))  # the name comes with organisation.* events
    check(admin.delete(f"/v1/persons/{person['id']}"), 202)
    eventually(
        lambda: assert_equal(check(admin.get(f"/v1/ideas/{idea['id']}"), 200)["submitter_person_id"], None)
    )
    assert supports() == counted


def test_openapi_documents_the_ideas_paths(api):
    doc = check(api.get("/v1/openapi.json"), 200)
    for path in (
        "/v1/panels",
        "/v1/panels/{id}",
        "/v1/panels/{id}/participants",
        "/v1/panels/{id}/ideas",
        "/v1/ideas/{id}",
        "/v1/ideas/{id}/supports",
        "/v1/ideas/{id}/comments",
        "/v1/ideas/{id}/similar",
        "/v1/panels/{id}/catalogue",
        "/v1/panels/{id}/initiatives",
        "/v1/initiatives/{id}",
    ):
        assert path in doc["paths"], path
    produced = doc["paths"]["/v1/panels/{id}/catalogue"]["get"]["responses"]["200"]["content"]
    assert set(produced) == {"application/json", "text/csv", "text/markdown", "text/html"}
