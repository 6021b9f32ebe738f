from dataclasses import replace
from datetime import date

import pytest

from nabo_common.api.errors import Conflict, Forbidden, NotFound, ValidationFailed
from nabo_common.runtime.context import ANONYMOUS
from services.members.domain import gdpr
from services.members.domain.networks import directory, joining, lifecycle, owners, roster
from tests.unit.members.conftest import theme


@pytest.fixture
def nl(world):
    association = world.association("NL", "nl")
    org = world.organisation(association)
    return {"association": association, "org": org,
            "admin": world.caller(world.person(association, admin_of=association)),
            "starter_person": (starter := world.person(association, org)),
            "starter": world.caller(starter)}


def _network(world, caller, association_ids, **extra):
    payload = {
        "name": {"nl": "Kajaknetwerk Drenthe", "de": "Kajak-Netzwerk"},
        "association_ids": association_ids,
        "themes": [theme("kayaking")],
        **extra,
    }
    return world.call(lifecycle.create, caller, payload)


def test_anyone_signed_in_starts_a_network_and_convenes_it(world, nl):
    network = _network(world, nl["starter"], [nl["association"].id])
    assert network["owners"] == [{"association_id": nl["association"].id, "status": "active"}]
    assert network["my_role"] == "convener" and network["member_count"] == 1
    (created,) = world.events("network.created")
    assert created["names"] == {"nl": "Kajaknetwerk Drenthe", "de": "Kajak-Netzwerk"}
    # the owning association's admin convenes it too
    assert created["convener_person_ids"] == sorted([nl["starter_person"].id, nl["admin"].person_id])
    assert world.events("network.member_joined")[0]["person_id"] == nl["starter_person"].id


def test_a_second_owner_association_must_agree(world, nl):
    de = world.association("DE", "de")
    de_admin = world.caller(world.person(de, admin_of=de))
    network = _network(world, nl["starter"], [nl["association"].id, de.id])
    assert {o["association_id"]: o["status"] for o in network["owners"]} == {
        nl["association"].id: "active",
        de.id: "pending",
    }
    with pytest.raises(Forbidden):
        world.call(owners.decide_owner, nl["starter"], network["id"], de.id, {"decision": "approved"})
    agreed = world.call(owners.decide_owner, de_admin, network["id"], de.id, {"decision": "approved"})
    assert {o["status"] for o in agreed["owners"]} == {"active"}
    assert set(world.events("network.updated")[-1]["association_ids"]) == {nl["association"].id, de.id}


def test_starting_a_network_for_an_association_you_do_not_belong_to_is_forbidden(world, nl):
    other = world.association("DE", "de")
    with pytest.raises(Forbidden):
        _network(world, nl["starter"], [other.id])


def test_unknown_theme_or_server_owned_fields_are_rejected(world, nl):
    with pytest.raises(ValidationFailed) as raised:
        _network(world, nl["starter"], [nl["association"].id], themes=["0" * 36])
    assert "themes" in raised.value.errors
    with pytest.raises(ValidationFailed) as raised:
        _network(world, nl["starter"], [nl["association"].id], member_count=5)
    assert "member_count" in raised.value.errors


def test_open_network_join_and_leave(world, nl):
    network = _network(world, nl["starter"], [nl["association"].id])
    joiner = world.caller(world.person(nl["association"], nl["org"]))
    joined = world.call(joining.join, joiner, network["id"], {})
    assert joined["status"] == "active"
    with pytest.raises(Conflict):
        world.call(joining.join, joiner, network["id"], {})
    world.call(roster.remove, joiner, network["id"], joiner.person_id)
    left = world.events("network.member_left")[-1]
    assert left["person_id"] == joiner.person_id and left["association_ids"] == [nl["association"].id]


def test_on_request_network_conveners_approve_or_decline(world, nl):
    network = _network(world, nl["starter"], [nl["association"].id], join_policy="request")
    asker, other = (world.caller(world.person(nl["association"], nl["org"])) for _ in range(2))
    assert (
        world.call(joining.join, asker, network["id"], {"message": "Ik peddel al jaren"})["status"]
        == "requested"
    )
    requested = world.events("network.join_requested")[-1]
    assert requested["convener_person_ids"] == sorted([nl["starter_person"].id, nl["admin"].person_id])
    with pytest.raises(Forbidden):
        world.call(joining.decide, other, network["id"], asker.person_id, {"decision": "approved"})
    world.call(joining.decide, nl["starter"], network["id"], asker.person_id, {"decision": "approved"})
    assert world.events("network.join_decided")[-1]["decision"] == "approved"
    world.call(joining.join, other, network["id"], {})
    world.call(
        joining.decide,
        nl["starter"],
        network["id"],
        other.person_id,
        {"decision": "declined", "reason": "Full"},
    )
    members = world.call(roster.list_members, nl["starter"], network["id"], {})
    assert {m["person_id"] for m in members["items"]} == {nl["starter_person"].id, asker.person_id}
    with pytest.raises(NotFound):
        world.call(joining.decide, nl["starter"], network["id"], other.person_id, {"decision": "approved"})


def test_invitation_only_network(world, nl):
    network = _network(world, nl["starter"], [nl["association"].id], join_policy="invitation")
    guest_person = world.person(nl["association"], nl["org"])
    guest = world.caller(guest_person)
    with pytest.raises(Forbidden):
        world.call(joining.join, guest, network["id"], {})
    invited = world.call(joining.invite, nl["starter"], network["id"], {"person_id": guest_person.id})
    assert invited["status"] == "invited"
    assert world.events("network.member_invited")[-1]["invited_by"] == nl["starter_person"].id
    assert world.call(joining.join, guest, network["id"], {})["status"] == "active"


def test_age_limit_is_checked_against_birth_year(world, nl):
    year = date.today().year
    network = _network(world, nl["starter"], [nl["association"].id], eligibility={"max_age": 30})
    young = world.caller(world.person(nl["association"], nl["org"], birth_year=year - 25))
    old = world.caller(world.person(nl["association"], nl["org"], birth_year=year - 45))
    unknown = world.caller(world.person(nl["association"], nl["org"]))
    assert world.call(joining.join, young, network["id"], {})["status"] == "active"
    with pytest.raises(Forbidden, match="up to 30"):
        world.call(joining.join, old, network["id"], {})
    with pytest.raises(Forbidden, match="birth year"):
        world.call(joining.join, unknown, network["id"], {})


def test_members_of_given_associations_only(world, nl):
    de = world.association("DE", "de")
    network = _network(
        world,
        nl["starter"],
        [nl["association"].id],
        visibility="all_associations",
        eligibility={"association_ids": [nl["association"].id]},
    )
    outsider = world.caller(world.person(de, world.organisation(de)))
    with pytest.raises(Forbidden, match="eligible"):
        world.call(joining.join, outsider, network["id"], {})
    insider = world.caller(world.person(nl["association"], nl["org"]))
    assert world.call(joining.join, insider, network["id"], {})["status"] == "active"


def test_visibility_in_lookups_and_directory(world, nl):
    de = world.association("DE", "de")
    stranger = world.caller(world.person(de, world.organisation(de)))
    private = _network(world, nl["starter"], [nl["association"].id], visibility="association")
    signed_in_only = _network(world, nl["starter"], [nl["association"].id], visibility="all_associations")
    public = _network(world, nl["starter"], [nl["association"].id], visibility="public")
    with pytest.raises(NotFound):
        world.call(directory.get, stranger, private["id"])
    with pytest.raises(NotFound):
        world.call(directory.get, ANONYMOUS, signed_in_only["id"])
    seen_by_stranger = {n["id"] for n in world.call(directory.search, stranger, {})["items"]}
    assert seen_by_stranger == {signed_in_only["id"], public["id"]}
    seen_anonymously = {n["id"] for n in world.call(directory.search, ANONYMOUS, {})["items"]}
    assert seen_anonymously == {public["id"]}
    seen_at_home = {n["id"] for n in world.call(directory.search, nl["admin"], {})["items"]}
    assert seen_at_home == {private["id"], signed_in_only["id"], public["id"]}


def test_directory_filters(world, nl):
    de = world.association("DE", "de")
    de_member = world.caller(world.person(de, world.organisation(de)))
    kayak = _network(world, nl["starter"], [nl["association"].id])
    energy = world.call(
        lifecycle.create,
        de_member,
        {
            "name": {"de": "Energiecluster Emsland"},
            "description": {"en": "Energy transition across the border"},
            "association_ids": [de.id],
            "themes": [theme("green-infrastructure")],
        },
    )

    def found(**query):
        return {n["id"] for n in world.call(directory.search, ANONYMOUS, query)["items"]}

    assert found(q="emsland") == {energy["id"]}
    assert found(q="across the BORDER") == {energy["id"]}
    assert found(theme=theme("green-transition")) == {energy["id"]}  # sub-themes count
    assert found(theme=theme("outdoor")) == {kayak["id"]}
    assert found(country="DE") == {energy["id"]}
    assert found(association_id=nl["association"].id) == {kayak["id"]}
    assert found(language="nl") == {kayak["id"]}
    assert found(language="en") == {energy["id"]}
    world.call(lifecycle.update, de_member, energy["id"], {"activity": "dormant"})
    assert found(activity="dormant") == {energy["id"]}
    assert found(activity="active") == {kayak["id"]}


def test_dormant_networks_stay_listed_and_conveners_wake_them(world, nl):
    network = _network(world, nl["starter"], [nl["association"].id])
    member = world.caller(world.person(nl["association"], nl["org"]))
    world.call(joining.join, member, network["id"], {})
    with pytest.raises(Forbidden):
        world.call(lifecycle.update, member, network["id"], {"activity": "dormant"})
    world.call(lifecycle.update, nl["starter"], network["id"], {"activity": "dormant"})
    assert world.call(directory.get, ANONYMOUS, network["id"])["activity"] == "dormant"
    with pytest.raises(Forbidden):
        world.call(lifecycle.wake, member, network["id"])
    assert world.call(directory.get, ANONYMOUS, network["id"])["activity"] == "dormant"
    assert world.call(lifecycle.wake, nl["starter"], network["id"])["activity"] == "active"
    with pytest.raises(Conflict):
        world.call(lifecycle.wake, nl["admin"], network["id"])
    world.call(lifecycle.update, nl["starter"], network["id"], {"activity": "dormant"})
    assert world.call(lifecycle.wake, nl["admin"], network["id"])["activity"] == "active"
    assert world.events("network.updated")[-1]["changed"] == ["activity"]


def test_association_admin_convenes_and_promotes(world, nl):
    network = _network(world, nl["starter"], [nl["association"].id])
    member = world.caller(world.person(nl["association"], nl["org"]))
    world.call(joining.join, member, network["id"], {})
    promoted = world.call(
        roster.update_member, nl["admin"], network["id"], member.person_id, {"role": "convener"}
    )
    assert promoted["role"] == "convener"
    world.call(roster.remove, member, network["id"], nl["starter"].person_id)
    assert world.events("network.member_left")[-1]["by_person_id"] == member.person_id


def test_gdpr_export_lists_networks_and_erasure_removes_memberships(world, nl):
    network = _network(world, nl["starter"], [nl["association"].id])
    export = world.call(gdpr.export, nl["admin"], nl["starter"].person_id)
    assert [n["network_id"] for n in export["networks"]] == [network["id"]]
    world.call(gdpr.erase, nl["admin"], nl["starter"].person_id)
    assert world.call(directory.get, nl["admin"], network["id"])["member_count"] == 0
    assert world.events("network.member_left")[-1]["person_id"] == nl["starter"].person_id


def test_a_network_is_named_in_the_readers_language_and_says_when_it_fell_back(world, nl):
    network = _network(world, nl["starter"], [nl["association"].id])
    for language, expected in (("de", ("Kajak-Netzwerk", "de")), ("nl", ("Kajaknetwerk Drenthe", "nl")),
                               ("sv", ("Kajak-Netzwerk", "de"))):
        reader = replace(nl["starter"], language=language)
        seen = world.call(directory.get, reader, network["id"])
        assert (seen["display_name"], seen["name_language"]) == expected
        assert seen["name"] == {"nl": "Kajaknetwerk Drenthe", "de": "Kajak-Netzwerk"}
