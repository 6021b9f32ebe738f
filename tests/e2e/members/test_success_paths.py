"""The success paths of member-registry and network operations that no walk-through shows: each call
made as the role it is for, its answer and a read afterwards checked."""
import pytest

from tests.e2e.members.test_networks_api import _network, _person
from tests.support.api import Tenant, check, unique
from tests.support.covers import covers


@pytest.fixture(scope="module")
def own(api, platform):
    """An association of its own: these tests rename it."""
    return Tenant(api, platform, "DK", "da", "Europe/Copenhagen")


def all_associations(api):
    found, offset = [], 0
    while True:
        page = check(api.get("/v1/associations", params={"limit": 200, "offset": offset}), 200)
        found += page["items"]
        offset += len(page["items"])
        if not page["items"] or offset >= page["total"]:
            return found


@covers("POST /v1/auth/token")
def test_a_person_signs_in_and_the_token_is_theirs(api, tenant_a):
    token = check(api.post("/v1/auth/token", {"email": tenant_a.member_email,
                                               "password": tenant_a.member_password}), 200)
    assert token["token_type"] == "Bearer" and token["expires_in"] > 0
    me = check(api.as_(token["access_token"]).get("/v1/me"), 200)
    assert me["person"]["id"] == tenant_a.member_person["id"]
    assert me["person"]["email"] == tenant_a.member_email


@covers("GET /v1/associations", "GET /v1/associations/{id}", "PATCH /v1/associations/{id}")
def test_an_admin_changes_their_associations_settings_and_anyone_reads_them(api, own):
    name = unique("Erhvervsforening Sønderjylland")
    change = {"name": name, "default_language": "de", "time_zone": "Europe/Berlin"}
    changed = check(own.admin.patch(f"/v1/associations/{own.id}", change), 200)
    public = check(api.get(f"/v1/associations/{own.id}"), 200)
    for seen in (changed, public):
        assert (seen["id"], seen["slug"], seen["country"]) == (own.id, own.association["slug"], "DK")
        assert {field: seen[field] for field in change} == change
    listed = {a["id"]: a for a in all_associations(api)}
    assert listed[own.id]["name"] == name


@covers("PATCH /v1/persons/{id}")
def test_an_admin_changes_a_persons_data(tenant_a):
    person = check(tenant_a.admin.post("/v1/persons", {
        "name": "Karin Jansen", "email": f"{unique('karin')}@example.nl", "language": "nl"}), 201)
    email = f"{unique('k.jansen')}@example.nl"
    change = {"name": "Karin Jansen-de Vries", "email": email, "phone": "+31 6 1234 5678", "language": "en",
              "birth_year": 1980}
    changed = check(tenant_a.admin.patch(f"/v1/persons/{person['id']}", change), 200)
    for seen in (changed, check(tenant_a.admin.get(f"/v1/persons/{person['id']}"), 200)):
        assert seen["id"] == person["id"]
        assert {field: seen[field] for field in change} == change


@covers("POST /v1/persons/{id}/roles")
def test_an_admin_gives_a_person_a_role_in_a_member_organisation(tenant_a):
    person = check(tenant_a.admin.post("/v1/persons", {
        "name": "Piet Bestuur", "email": f"{unique('piet')}@example.nl", "language": "nl",
        "organisations": [{"organisation_id": tenant_a.organisation["id"], "role": "employee"}]}), 201)
    board = {"scope": "organisation", "scope_id": tenant_a.organisation["id"], "role": "board"}
    granted = check(tenant_a.admin.post(f"/v1/persons/{person['id']}/roles", board), 200)
    for seen in (granted, check(tenant_a.admin.get(f"/v1/persons/{person['id']}"), 200)):
        assert seen["id"] == person["id"] and board in seen["roles"]


@covers("POST /v1/memberships/{id}/transitions", "PATCH /v1/memberships/{id}",
        "POST /v1/memberships/{id}/renewals")
def test_an_admin_activates_changes_lets_lapse_and_renews_a_membership(tenant_a):
    bakery = {"name": unique("Bakkerij"), "country": "NL"}
    organisation = check(tenant_a.admin.post("/v1/organisations", bakery), 201)
    membership = check(tenant_a.admin.post("/v1/memberships", {
        "organisation_id": organisation["id"], "association_id": tenant_a.id, "type": "associate",
        "start_date": "2026-01-01"}), 201)
    path = f"/v1/memberships/{membership['id']}"
    activate = {"to": "active", "effective_date": "2026-01-05"}
    active = check(tenant_a.admin.post(f"{path}/transitions", activate), 200)
    assert (active["id"], active["status"]) == (membership["id"], "active")
    assert [(t["from_status"], t["to_status"]) for t in active["transitions"]][-1] == ("pending", "active")

    changed = check(tenant_a.admin.patch(path, {"type": "full", "end_date": "2026-12-31"}), 200)
    for seen in (changed, check(tenant_a.admin.get(path), 200)):
        assert (seen["id"], seen["type"], seen["end_date"], seen["status"]) == (
            membership["id"], "full", "2026-12-31", "active")

    lapsed = check(tenant_a.admin.post(f"{path}/transitions", {"to": "lapsed", "reason": "Unpaid"}), 200)
    assert lapsed["status"] == "lapsed"
    renewed = check(tenant_a.admin.post(f"{path}/renewals", {"end_date": "2027-12-31"}), 200)
    for seen in (renewed, check(tenant_a.admin.get(path), 200)):
        assert (seen["id"], seen["status"], seen["end_date"]) == (membership["id"], "active", "2027-12-31")
        assert [t["to_status"] for t in seen["transitions"]] == ["pending", "active", "lapsed", "active"]


@covers(
    "POST /v1/organisations/{id}/offers-and-needs",
    "PATCH /v1/organisations/{id}/offers-and-needs/{item_id}",
    "DELETE /v1/organisations/{id}/offers-and-needs/{item_id}",
)
def test_a_contact_offers_changes_and_withdraws_what_their_organisation_offers(tenant_a):
    path = f"/v1/organisations/{tenant_a.organisation['id']}/offers-and-needs"
    offer = check(tenant_a.member.post(path, {"kind": "offer", "title": "Laser cutting",
                                              "region": "Drenthe", "available_from": "2026-03-01"}), 201)
    assert (offer["organisation_id"], offer["kind"], offer["title"]) == (
        tenant_a.organisation["id"], "offer", "Laser cutting")
    change = {"title": "Laser cutting and engraving", "description": "Steel up to 20 mm.",
              "region": "Groningen", "available_until": "2026-12-31"}
    changed = check(tenant_a.member.patch(f"{path}/{offer['id']}", change), 200)
    listed = {i["id"]: i for i in check(tenant_a.member.get(path, params={"limit": 200}), 200)["items"]}
    for seen in (changed, listed[offer["id"]]):
        assert (seen["id"], seen["kind"], seen["available_from"]) == (offer["id"], "offer", "2026-03-01")
        assert {field: seen[field] for field in change} == change

    check(tenant_a.member.delete(f"{path}/{offer['id']}"), 204)
    remaining = check(tenant_a.member.get(path, params={"limit": 200}), 200)["items"]
    assert offer["id"] not in {i["id"] for i in remaining}


@covers("PATCH /v1/networks/{id}")
def test_a_convener_changes_their_networks_profile(api, tenant_a):
    network = _network(tenant_a.member, [tenant_a.id], visibility="public")
    change = {
        "name": {"nl": unique("Kajakclub Drentsche Aa"), "en": "Drentsche Aa kayakers"},
        "description": {"nl": "Peddelen op de Aa", "en": "Paddling on the Aa"},
        "join_policy": "request",
        "external_link": "https://www.linkedin.com/groups/42",
    }
    changed = check(tenant_a.member.patch(f"/v1/networks/{network['id']}", change), 200)
    for seen in (changed, check(api.get(f"/v1/networks/{network['id']}"), 200)):
        assert seen["id"] == network["id"]
        assert {field: seen[field] for field in change} == change


@covers("PATCH /v1/networks/{id}/members/{person_id}")
def test_a_convener_makes_a_member_a_convener(tenant_a):
    network = _network(tenant_a.member, [tenant_a.id])
    person, client = _person(tenant_a, tenant_a.organisation["id"])
    check(client.post(f"/v1/networks/{network['id']}/members", {}), 201)
    promoted = check(tenant_a.member.patch(f"/v1/networks/{network['id']}/members/{person['id']}",
                                           {"role": "convener"}), 200)
    assert (promoted["person_id"], promoted["role"]) == (person["id"], "convener")
    assert promoted["status"] == "active"
    members = check(tenant_a.member.get(f"/v1/networks/{network['id']}/members"), 200)["items"]
    assert {m["person_id"]: m["role"] for m in members}[person["id"]] == "convener"
    # a convener now: they may change the network
    check(client.patch(f"/v1/networks/{network['id']}", {"activity": "dormant"}), 200)


@covers("POST /v1/networks/{id}/owners")
def test_a_convener_asks_another_association_to_co_own_their_network(tenant_a, tenant_b):
    network = _network(tenant_a.member, [tenant_a.id], visibility="all_associations")
    path = f"/v1/networks/{network['id']}/owners"
    asked = check(tenant_a.member.post(path, {"association_id": tenant_b.id}), 201)
    expected = {tenant_a.id: "active", tenant_b.id: "pending"}
    for seen in (asked, check(tenant_a.member.get(f"/v1/networks/{network['id']}"), 200)):
        assert seen["id"] == network["id"]
        assert {o["association_id"]: o["status"] for o in seen["owners"]} == expected
