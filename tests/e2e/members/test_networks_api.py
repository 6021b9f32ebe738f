"""Themes, networks, offers and needs and matchmaking through the gateway."""
from datetime import date

import pytest

from services.members.taxonomy import seed_id
from tests.integration.ideas.waiting import assert_equal, eventually
from tests.support.api import check, unique
from tests.support.covers import covers

KAYAKING, OUTDOOR, E_COMMERCE = seed_id("kayaking"), seed_id("outdoor"), seed_id("e-commerce")


def _network(client, association_ids, **extra):
    body = {
        "name": {"nl": unique("Kajakclub Vecht")},
        "association_ids": association_ids,
        "themes": [KAYAKING],
        **extra,
    }
    return check(client.post("/v1/networks", body), 201)


def _person(tenant, org_id=None, **extra):
    email = f"{unique('p')}@nabo.test"
    body = {"name": unique("Person"), "email": email, "password": "person-password-1", **extra}
    if org_id:
        body["organisations"] = [{"organisation_id": org_id}]
    person = check(tenant.admin.post("/v1/persons", body), 201)
    return person, tenant.admin.as_(tenant.admin.sign_in(email, "person-password-1"))


# --- themes -----------------------------------------------------------------------


@covers("GET /v1/themes")
def test_themes_are_public_and_multilingual(api):
    themes = check(api.get("/v1/themes", params={"q": "e-handel"}, headers={"Accept-Language": "de"}), 200)
    ecommerce = next(t for t in themes["items"] if t["key"] == "e-commerce")
    assert ecommerce["label"] == "E-Commerce"
    assert ecommerce["labels"] == {
        "da": "E-handel",
        "nl": "E-commerce",
        "de": "E-Commerce",
        "sv": "E-handel",
        "en": "E-commerce",
    }


@covers("PATCH /v1/themes/{id}", "POST /v1/themes")
def test_admins_add_themes_and_translations_members_may_not(tenant_a):
    assert (
        tenant_a.member.post(
            "/v1/themes", {"key": unique("beekeeping"), "labels": {"en": "Beekeeping"}}
        ).status_code
        == 403
    )
    created = check(
        tenant_a.admin.post(
            "/v1/themes", {"key": unique("beekeeping"), "parent_id": OUTDOOR, "labels": {"en": "Beekeeping"}}
        ),
        201,
    )
    updated = check(tenant_a.admin.patch(f"/v1/themes/{created['id']}", {"labels": {"nl": "Imkeren"}}), 200)
    assert updated["labels"] == {"en": "Beekeeping", "nl": "Imkeren"}


ALL_LABELS = {"da": "Bier", "nl": "Bier", "de": "Bier", "sv": "Öl", "en": "Beer"}


@covers("GET /v1/themes", "GET /v1/themes/{id}", "POST /v1/themes", "POST /v1/themes/{id}/transitions")
def test_an_associations_theme_is_a_proposal_until_a_platform_admin_accepts_it(api, platform, tenant_a):
    proposed = check(
        tenant_a.admin.post("/v1/themes", {"key": unique("craft-beer"), "labels": {"nl": "Bier"}}), 201
    )
    assert (proposed["status"], proposed["missing_languages"]) == ("proposed", ["da", "de", "sv", "en"])
    offered = check(api.get("/v1/themes", params={"limit": 200}), 200)["items"]
    assert proposed["id"] not in {t["id"] for t in offered}
    assert proposed["id"] in {
        t["id"]
        for t in check(api.get("/v1/themes", params={"status": "proposed", "limit": 200}), 200)["items"]
    }
    in_german = check(api.get(f"/v1/themes/{proposed['id']}", headers={"Accept-Language": "de"}), 200)
    assert (in_german["label"], in_german["label_is_fallback"]) == ("Bier", True)
    organisation = f"/v1/organisations/{tenant_a.organisation['id']}"
    assert tenant_a.admin.patch(organisation, {"themes": [proposed["id"]]}).status_code == 422
    # association admins do not curate; a platform admin accepts once every language has its label
    assert (
        tenant_a.admin.post(f"/v1/themes/{proposed['id']}/transitions", {"to": "accepted"}).status_code == 403
    )
    assert platform.post(f"/v1/themes/{proposed['id']}/transitions", {"to": "accepted"}).status_code == 422
    check(tenant_a.admin.patch(f"/v1/themes/{proposed['id']}", {"labels": ALL_LABELS}), 200)
    accepted = check(platform.post(f"/v1/themes/{proposed['id']}/transitions", {"to": "accepted"}), 200)
    assert (accepted["status"], accepted["missing_languages"]) == ("accepted", [])
    assert proposed["id"] in {
        t["id"] for t in check(api.get("/v1/themes", params={"limit": 200}), 200)["items"]
    }


@covers(
    "GET /v1/events/{id}",
    "GET /v1/ideas/{id}",
    "GET /v1/networks/{id}",
    "GET /v1/organisations/{id}",
    "GET /v1/themes",
    "POST /v1/events",
    "POST /v1/organisations",
    "POST /v1/panels",
    "POST /v1/panels/{id}/ideas",
    "POST /v1/themes",
    "POST /v1/themes/{id}/merge",
    "POST /v1/themes/{id}/transitions",
)
def test_merged_themes_carry_their_tags_along_and_retired_ones_stay_on_old_items(api, platform, tenant_a):
    def accepted_theme(prefix):
        return check(platform.post("/v1/themes", {"key": unique(prefix), "labels": ALL_LABELS}), 201)

    old, new, retiring = accepted_theme("beer"), accepted_theme("brewing"), accepted_theme("hops")
    organisation = check(
        tenant_a.admin.post(
            "/v1/organisations",
            {"name": unique("Brewery"), "country": "NL", "themes": [old["id"], retiring["id"]]},
        ),
        201,
    )
    network = _network(tenant_a.member, [tenant_a.id], themes=[old["id"], new["id"]])
    start = "2030-05-01T17:00:00+00:00"
    event = check(
        tenant_a.admin.post(
            "/v1/events",
            {
                "title": unique("Tasting"),
                "format": "online",
                "languages": ["nl"],
                "time_zone": "Europe/Amsterdam",
                "starts_at": start,
                "ends_at": "2030-05-01T19:00:00+00:00",
                "themes": [old["id"]],
            },
        ),
        201,
    )
    panel = check(
        tenant_a.admin.post(
            "/v1/panels",
            {
                "year": 2030,
                "title": unique("Panel"),
                "theme": "Beer",
                "language": "nl",
                "time_zone": "Europe/Amsterdam",
            },
        ),
        201,
    )
    check(
        tenant_a.admin.post(
            f"/v1/panels/{panel['id']}/participants", {"organisation_ids": [tenant_a.organisation["id"]]}
        ),
        200,
    )
    check(tenant_a.admin.post(f"/v1/panels/{panel['id']}/transitions", {"to": "collecting_ideas"}), 200)
    idea = check(
        tenant_a.member.post(
            f"/v1/panels/{panel['id']}/ideas", {"title": "A shared brewhouse", "themes": [old["id"]]}
        ),
        201,
    )

    merged = check(platform.post(f"/v1/themes/{old['id']}/merge", {"into_theme_id": new["id"]}), 200)
    assert (merged["status"], merged["merged_into_id"]) == ("merged", new["id"])
    assert check(tenant_a.admin.get(f"/v1/organisations/{organisation['id']}"), 200)["themes"] == sorted(
        [new["id"], retiring["id"]]
    )
    assert check(api.get(f"/v1/networks/{network['id']}"), 200)["themes"] == [new["id"]]
    eventually(
        lambda: assert_equal(
            check(tenant_a.admin.get(f"/v1/events/{event['id']}"), 200)["themes"], [new["id"]]
        ),
        timeout=20,
    )
    eventually(
        lambda: assert_equal(
            check(tenant_a.admin.get(f"/v1/ideas/{idea['id']}"), 200)["themes"], [new["id"]]
        ),
        timeout=20,
    )

    retired = check(platform.post(f"/v1/themes/{retiring['id']}/transitions", {"to": "retired"}), 200)
    assert retired["status"] == "retired"
    assert retiring["id"] not in {
        t["id"] for t in check(api.get("/v1/themes", params={"limit": 200}), 200)["items"]
    }
    assert (
        retiring["id"] in check(tenant_a.admin.get(f"/v1/organisations/{organisation['id']}"), 200)["themes"]
    )
    assert (
        tenant_a.admin.post(
            "/v1/organisations", {"name": unique("Late brewery"), "country": "NL", "themes": [retiring["id"]]}
        ).status_code
        == 422
    )


# --- networks ------------------------------------------------------------------------


@covers(
    "DELETE /v1/networks/{id}/members/{person_id}",
    "GET /v1/networks",
    "GET /v1/networks/{id}",
    "GET /v1/networks/{id}/members",
    "POST /v1/networks/{id}/members",
)
def test_start_find_join_and_leave_a_public_network(api, tenant_a, tenant_b):
    network = _network(tenant_a.member, [tenant_a.id], description={"en": "Paddling on the Vecht"})
    assert network["my_role"] == "convener" and network["member_count"] == 1
    directory = check(api.get("/v1/networks", params={"theme": OUTDOOR, "q": "vecht", "limit": 200}), 200)
    assert network["id"] in {n["id"] for n in directory["items"]}
    joined = check(tenant_b.member.post(f"/v1/networks/{network['id']}/members", {}), 201)
    assert joined["status"] == "active"
    members = check(tenant_a.member.get(f"/v1/networks/{network['id']}/members"), 200)
    assert {m["person_id"] for m in members["items"]} == {
        tenant_a.member_person["id"],
        tenant_b.member_person["id"],
    }
    check(tenant_b.member.delete(f"/v1/networks/{network['id']}/members/{tenant_b.member_person['id']}"), 204)
    assert check(api.get(f"/v1/networks/{network['id']}"), 200)["member_count"] == 1


@covers(
    "GET /v1/networks/{id}/join-requests",
    "POST /v1/networks/{id}/invitations",
    "POST /v1/networks/{id}/join-requests/{person_id}/decision",
    "POST /v1/networks/{id}/members",
)
def test_request_approve_and_invitation(tenant_a, tenant_b):
    network = _network(tenant_a.member, [tenant_a.id], join_policy="request", visibility="all_associations")
    asked = check(
        tenant_b.member.post(f"/v1/networks/{network['id']}/members", {"message": "Mag ik meedoen?"}), 201
    )
    assert asked["status"] == "requested"
    requests = check(tenant_a.member.get(f"/v1/networks/{network['id']}/join-requests"), 200)
    assert [r["person_id"] for r in requests["items"]] == [tenant_b.member_person["id"]]
    assert tenant_b.member.get(f"/v1/networks/{network['id']}/join-requests").status_code == 403
    decision = f"/v1/networks/{network['id']}/join-requests/{tenant_b.member_person['id']}/decision"
    assert tenant_a.member.post(decision, {"decision": "maybe"}).status_code == 422
    assert check(tenant_a.member.post(decision, {"decision": "approved"}), 200)["status"] == "active"

    closed = _network(tenant_a.member, [tenant_a.id], join_policy="invitation")
    person, client = _person(tenant_a, tenant_a.organisation["id"])
    assert client.post(f"/v1/networks/{closed['id']}/members", {}).status_code == 403
    invited = check(
        tenant_a.member.post(f"/v1/networks/{closed['id']}/invitations", {"person_id": person["id"]}), 201
    )
    assert invited["status"] == "invited"
    assert check(client.post(f"/v1/networks/{closed['id']}/members", {}), 201)["status"] == "active"


def test_age_limit_up_to_30(tenant_a):
    network = _network(
        tenant_a.member,
        [tenant_a.id],
        name={"en": unique("Young entrepreneurs")},
        themes=[seed_id("young-entrepreneurs")],
        eligibility={"max_age": 30},
    )
    young, young_client = _person(tenant_a, tenant_a.organisation["id"], birth_year=date.today().year - 24)
    old, old_client = _person(tenant_a, tenant_a.organisation["id"], birth_year=date.today().year - 52)
    r = old_client.post(f"/v1/networks/{network['id']}/members", {})
    assert r.status_code == 403 and "up to 30" in r.json()["detail"]
    check(young_client.post(f"/v1/networks/{network['id']}/members", {}), 201)


@covers("GET /v1/networks")
def test_private_network_is_invisible_to_the_other_association(api, tenant_a, tenant_b):
    network = _network(tenant_a.member, [tenant_a.id], visibility="association")
    assert tenant_b.admin.get(f"/v1/networks/{network['id']}").status_code == 404
    assert api.get(f"/v1/networks/{network['id']}").status_code == 404
    assert tenant_b.member.post(f"/v1/networks/{network['id']}/members", {}).status_code == 404
    listed = check(tenant_b.admin.get("/v1/networks", params={"limit": 200}), 200)
    assert network["id"] not in {n["id"] for n in listed["items"]}
    assert network["id"] in {
        n["id"] for n in check(tenant_a.admin.get("/v1/networks", params={"limit": 200}), 200)["items"]
    }


@covers("GET /v1/networks", "POST /v1/networks/{id}/owners/{association_id}/decision")
def test_a_cross_border_network_needs_the_second_associations_consent(api, tenant_a, tenant_b):
    network = _network(
        tenant_a.member,
        [tenant_a.id, tenant_b.id],
        name={"nl": unique("Energiecluster"), "de": "Energiecluster Emsland"},
    )
    assert {o["association_id"]: o["status"] for o in network["owners"]} == {
        tenant_a.id: "active",
        tenant_b.id: "pending",
    }
    decision = f"/v1/networks/{network['id']}/owners/{tenant_b.id}/decision"
    assert tenant_a.admin.post(decision, {"decision": "approved"}).status_code == 403
    agreed = check(tenant_b.admin.post(decision, {"decision": "approved"}), 200)
    assert {o["status"] for o in agreed["owners"]} == {"active"}
    by_country = check(api.get("/v1/networks", params={"country": "DE", "limit": 200}), 200)
    assert network["id"] in {n["id"] for n in by_country["items"]}


@covers("POST /v1/networks/{id}/wake")
def test_conveners_manage_and_networks_sleep_and_wake(tenant_a, tenant_b):
    network = _network(tenant_a.member, [tenant_a.id])
    check(tenant_b.member.post(f"/v1/networks/{network['id']}/members", {}), 201)
    assert tenant_b.member.patch(f"/v1/networks/{network['id']}", {"activity": "dormant"}).status_code == 403
    check(
        tenant_a.member.patch(
            f"/v1/networks/{network['id']}",
            {"activity": "dormant", "external_link": "https://www.linkedin.com/groups/1"},
        ),
        200,
    )
    assert tenant_b.member.post(f"/v1/networks/{network['id']}/wake").status_code == 403
    assert check(tenant_a.member.post(f"/v1/networks/{network['id']}/wake"), 200)["activity"] == "active"
    check(tenant_a.member.delete(f"/v1/networks/{network['id']}/members/{tenant_b.member_person['id']}"), 204)


@pytest.mark.parametrize(
    "body",
    [
        {"name": {"nl": "x"}, "association_ids": []},
        {"name": {}, "association_ids": ["0" * 36]},
        {"name": {"nl": "x"}, "association_ids": ["0" * 36], "member_count": 3},
        {"name": {"nl": "x"}, "association_ids": ["0" * 36], "join_policy": "whenever"},
        {"name": {"nl": "x"}, "association_ids": ["0" * 36], "eligibility": {"max_age": "young"}},
        {"name": {"nl": "x"}, "association_ids": ["0" * 36], "external_link": "javascript:alert(1)"},
    ],
)
def test_bad_network_bodies_are_422(tenant_a, body):
    r = tenant_a.member.post("/v1/networks", body)
    assert r.status_code == 422, r.text
    assert r.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize(
    "params",
    [
        {"join_policy": "sometimes"},
        {"theme": "kayak"},
        {"limit": 5000},
        {"country": "Netherlands"},
        {"colour": "blue"},
    ],
)
def test_bad_directory_queries_are_422(api, params):
    assert api.get("/v1/networks", params=params).status_code == 422


@covers("GET /v1/networks/{id}", "GET /v1/persons/{id}/export")
def test_network_memberships_in_gdpr_export_and_erasure(tenant_a):
    person, client = _person(tenant_a, tenant_a.organisation["id"])
    network = _network(tenant_a.member, [tenant_a.id])
    check(client.post(f"/v1/networks/{network['id']}/members", {}), 201)
    export = check(tenant_a.admin.get(f"/v1/persons/{person['id']}/export"), 200)
    assert [n["network_id"] for n in export["services"]["members"]["networks"]] == [network["id"]]
    check(tenant_a.admin.delete(f"/v1/persons/{person['id']}"), 202)
    assert check(tenant_a.member.get(f"/v1/networks/{network['id']}"), 200)["member_count"] == 1


# --- offers, needs and matches ----------------------------------------------------------


@covers("PATCH /v1/organisations/{id}")
def test_organisation_themes_via_patch(tenant_a, market):
    org = market["nl"]["org"]
    updated = check(
        market["nl"]["client"].patch(
            f"/v1/organisations/{org['id']}", {"themes": [seed_id("digital-transformation")]}
        ),
        200,
    )
    assert updated["themes"] == [seed_id("digital-transformation")]
    r = market["nl"]["client"].patch(f"/v1/organisations/{org['id']}", {"themes": ["f" * 36]})
    assert r.status_code == 422 and "themes" in r.json()["errors"]


@covers("GET /v1/offers-and-needs", "GET /v1/organisations/{id}/offers-and-needs")
def test_supply_and_demand_listing(api, tenant_b, market):
    needs = check(
        tenant_b.member.get(
            "/v1/offers-and-needs", params={"kind": "need", "theme": E_COMMERCE, "limit": 200}
        ),
        200,
    )
    assert market["de"]["item"]["id"] in {i["id"] for i in needs["items"]}
    own = check(
        market["nl"]["client"].get(f"/v1/organisations/{market['nl']['org']['id']}/offers-and-needs"), 200
    )
    assert [i["title"] for i in own["items"]] == ["Wij bouwen webwinkels"]
    other = market["de"]["client"].post(
        f"/v1/organisations/{market['nl']['org']['id']}/offers-and-needs", {"kind": "need", "title": "Hijack"}
    )
    assert other.status_code == 403


@covers("GET /v1/organisations/{id}/matches")
def test_matches_across_border_and_language_with_reasons(market):
    nl, de = market["nl"], market["de"]
    found = check(
        nl["client"].get(f"/v1/organisations/{nl['org']['id']}/matches", params={"cross_border": "true"}), 200
    )
    top = next(s for s in found["items"] if s["organisation"]["id"] == de["org"]["id"])
    assert top["reasons"][0]["kind"] == "needs_your_offer"
    assert top["reasons"][0]["themes"][0]["label"] == "E-commerce"
    assert all(s["organisation"]["country"] != "NL" for s in found["items"])
    # somebody from another organisation may not look at these suggestions
    assert de["client"].get(f"/v1/organisations/{nl['org']['id']}/matches").status_code == 403
    assert (
        nl["client"]
        .get(f"/v1/organisations/{nl['org']['id']}/matches", params={"cross_border": "perhaps"})
        .status_code
        == 422
    )


@covers(
    "POST /v1/organisations/{id}/matches/{candidate_id}/decision",
    "POST /v1/organisations/{id}/matches/{candidate_id}/introduction",
)
def test_accepting_and_introducing_a_match(market):
    nl, de = market["nl"], market["de"]
    base = f"/v1/organisations/{nl['org']['id']}/matches/{de['org']['id']}"
    assert nl["client"].post(f"{base}/introduction", {}).status_code == 409
    accepted = check(nl["client"].post(f"{base}/decision", {"decision": "accepted"}), 200)
    introduced = check(
        nl["client"].post(f"{base}/introduction", {"message": "Kennismaken in Enschede?"}), 201
    )
    assert introduced["id"] == accepted["id"] and introduced["status"] == "introduced"
    assert nl["client"].post(f"{base}/introduction", {}).status_code == 409


@covers("GET /v1/organisations/{id}/matches", "POST /v1/organisations")
def test_withdrawn_contact_consent_and_dismissal_remove_suggestions(market):
    nl, de = market["nl"], market["de"]
    other_org = check(
        de["tenant"].admin.post(
            "/v1/organisations",
            {
                "name": unique("Zweiter Shop"),
                "country": "DE",
                "visibility": "all_associations",
                "themes": [E_COMMERCE],
            },
        ),
        201,
    )
    person, client = _person(de["tenant"], other_org["id"], language="de")
    matches = f"/v1/organisations/{nl['org']['id']}/matches"

    def suggested():
        return {
            s["organisation"]["id"]
            for s in check(nl["client"].get(matches, params={"limit": 200}), 200)["items"]
        }

    assert other_org["id"] in suggested()
    check(
        client.post(
            f"/v1/persons/{person['id']}/consents",
            {
                "association_id": de["tenant"].id,
                "kind": "contact",
                "granted": False,
                "source": "profile",
                "wording_version": "v1",
            },
        ),
        201,
    )
    assert other_org["id"] not in suggested()
    check(
        client.post(
            f"/v1/persons/{person['id']}/consents",
            {
                "association_id": de["tenant"].id,
                "kind": "contact",
                "granted": True,
                "source": "profile",
                "wording_version": "v1",
            },
        ),
        201,
    )
    assert other_org["id"] in suggested()
    check(nl["client"].post(f"{matches}/{other_org['id']}/decision", {"decision": "dismissed"}), 200)
    assert other_org["id"] not in suggested()


def test_openapi_documents_the_networks_api(api):
    paths = check(api.get("/v1/openapi.json"), 200)["paths"]
    for path in (
        "/v1/networks",
        "/v1/networks/{id}",
        "/v1/networks/{id}/members",
        "/v1/themes",
        "/v1/organisations/{id}/matches",
        "/v1/networks/{id}/join-requests/{person_id}/decision",
        "/v1/networks/{id}/invitations",
        "/v1/organisations/{id}/offers-and-needs",
    ):
        assert path in paths
