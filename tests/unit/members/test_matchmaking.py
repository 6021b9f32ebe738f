import pytest

from nabo_common.api.errors import Conflict, Forbidden, NotFound
from services.members.domain import matchmaking, offers, organisations, persons
from services.members.domain.networks import joining, lifecycle
from tests.unit.members.conftest import theme


@pytest.fixture
def border(world):
    """A Dutch web shop builder and a German retailer, each in their own association."""
    nl, de = world.association("NL", "nl"), world.association("DE", "de")
    nl_org = world.organisation(nl, "Webwinkelbouwers BV", sector="62.01", visibility="all_associations")
    de_org = world.organisation(de, "Emsland Handel GmbH", sector="47.91", visibility="all_associations")
    nl_person = world.person(nl, nl_org, language="nl")
    de_person = world.person(de, de_org, language="de")
    nl_member, de_member = world.caller(nl_person), world.caller(de_person)
    world.call(offers.create, nl_member, nl_org.id, {
        "kind": "offer", "title": "Wij bouwen webwinkels", "themes": [theme("e-commerce")]})
    world.call(offers.create, de_member, de_org.id, {
        "kind": "need", "title": "Wir suchen Hilfe beim Onlineshop", "themes": [theme("e-commerce")]})
    return {"nl": nl, "de": de, "nl_org": nl_org, "de_org": de_org, "nl_person": nl_person,
            "de_person": de_person, "nl_member": nl_member, "de_member": de_member}


def _suggested(world, caller, org_id, **query):
    return world.call(matchmaking.suggest, caller, org_id, query)["items"]


def test_a_german_need_meets_a_dutch_offer_through_the_taxonomy(world, border):
    first, = _suggested(world, border["nl_member"], border["nl_org"].id)
    assert first["organisation"]["id"] == border["de_org"].id
    kinds = [r["kind"] for r in first["reasons"]]
    assert kinds[0] == "needs_your_offer"
    assert first["reasons"][0]["themes"] == [{"id": theme("e-commerce"), "label": "E-commerce"}]
    # retail (G) and ICT (J) complement each other
    assert "complementary_sector" in kinds
    seen_from_germany, = _suggested(world, border["de_member"], border["de_org"].id)
    assert seen_from_germany["reasons"][0]["kind"] == "offers_your_need"


def test_ranking_prefers_more_reasons(world, border):
    other = world.organisation(border["de"], "Nur Profil GmbH", visibility="all_associations")
    world.call(
        organisations.update,
        world.caller(world.person(border["de"], admin_of=border["de"])),
        other.id,
        {"themes": [theme("e-commerce")]},
    )
    ranked = _suggested(world, border["nl_member"], border["nl_org"].id)
    assert [s["organisation"]["id"] for s in ranked] == [border["de_org"].id, other.id]
    assert ranked[0]["score"] > ranked[1]["score"]
    assert [r["kind"] for r in ranked[1]["reasons"]] == ["shared_themes"]


def test_nobody_is_suggested_to_people_who_may_not_see_them(world, border):
    hidden = world.organisation(border["de"], "Nur für Mitglieder GmbH", visibility="association")
    admin = world.caller(world.person(border["de"], admin_of=border["de"]))
    world.call(organisations.update, admin, hidden.id, {"themes": [theme("e-commerce")]})
    seen_by_dutch = {
        s["organisation"]["id"] for s in _suggested(world, border["nl_member"], border["nl_org"].id)
    }
    assert hidden.id not in seen_by_dutch
    seen_by_german = {
        s["organisation"]["id"] for s in _suggested(world, border["de_member"], border["de_org"].id)
    }
    assert hidden.id in seen_by_german


def test_withdrawn_contact_consent_removes_the_organisation(world, border):
    def consent(granted):
        world.call(
            persons.record_consent,
            border["de_member"],
            border["de_person"].id,
            {
                "association_id": border["de"].id,
                "kind": "contact",
                "granted": granted,
                "source": "profile",
                "wording_version": "v1",
            },
        )

    consent(False)
    assert _suggested(world, border["nl_member"], border["nl_org"].id) == []
    consent(True)
    assert [s["organisation"]["id"] for s in _suggested(world, border["nl_member"], border["nl_org"].id)] == [
        border["de_org"].id
    ]


def test_filters_cross_border_association_and_theme(world, border):
    local = world.organisation(border["nl"], "Buurman BV", visibility="all_associations")
    admin = world.caller(world.person(border["nl"], admin_of=border["nl"]))
    world.call(organisations.update, admin, local.id, {"themes": [theme("e-commerce"), theme("tourism")]})

    def ids(**query):
        return {
            s["organisation"]["id"]
            for s in _suggested(world, border["nl_member"], border["nl_org"].id, **query)
        }

    assert ids() == {local.id, border["de_org"].id}
    assert ids(cross_border=True) == {border["de_org"].id}
    assert ids(association_id=border["nl"].id) == {local.id}
    assert ids(theme=theme("tourism")) == {local.id}


def test_same_network_is_a_reason(world, border):
    network = world.call(
        lifecycle.create,
        border["nl_member"],
        {
            "name": {"en": "E-commerce across the border"},
            "association_ids": [border["nl"].id],
            "visibility": "all_associations",
        },
    )
    world.call(joining.join, border["de_member"], network["id"], {})
    (first,) = _suggested(world, border["nl_member"], border["nl_org"].id)
    same = [r for r in first["reasons"] if r["kind"] == "same_network"]
    assert same[0]["networks"] == [{"id": network["id"], "name": "E-commerce across the border"}]


def test_dismissed_matches_are_not_suggested_again(world, border):
    world.call(
        matchmaking.decide,
        border["nl_member"],
        border["nl_org"].id,
        border["de_org"].id,
        {"decision": "dismissed"},
    )
    assert _suggested(world, border["nl_member"], border["nl_org"].id) == []


def test_accept_and_introduce(world, border):
    with pytest.raises(Conflict):
        world.call(matchmaking.introduce, border["nl_member"], border["nl_org"].id, border["de_org"].id, {})
    match = world.call(
        matchmaking.decide,
        border["nl_member"],
        border["nl_org"].id,
        border["de_org"].id,
        {"decision": "accepted"},
    )
    assert match["reasons"][0] == {
        "kind": "needs_your_offer",
        "themes": [theme("e-commerce")],
        "networks": [],
    }
    (suggestion,) = _suggested(world, border["nl_member"], border["nl_org"].id)
    assert (suggestion["status"], suggestion["match_id"]) == ("accepted", match["id"])
    introduced = world.call(
        matchmaking.introduce,
        border["nl_member"],
        border["nl_org"].id,
        border["de_org"].id,
        {"message": "Tot ziens in Lingen"},
    )
    assert introduced["status"] == "introduced"
    (event,) = world.events("match.introduced")
    assert event["organisation_ids"] == [border["nl_org"].id, border["de_org"].id]
    assert {(c["person_id"], c["language"]) for c in event["contacts"]} == {
        (border["nl_person"].id, "nl"),
        (border["de_person"].id, "de"),
    }
    with pytest.raises(Conflict):
        world.call(matchmaking.introduce, border["nl_member"], border["nl_org"].id, border["de_org"].id, {})


def test_only_the_organisations_people_and_admins_see_its_matches(world, border):
    stranger = world.caller(world.person(border["de"], world.organisation(border["de"])))
    with pytest.raises(Forbidden):
        world.call(matchmaking.suggest, stranger, border["nl_org"].id, {})
    private = world.organisation(border["nl"], visibility="association")
    with pytest.raises(NotFound):
        world.call(matchmaking.suggest, stranger, private.id, {})
    with pytest.raises(NotFound):
        world.call(
            matchmaking.decide, border["nl_member"], border["nl_org"].id, private.id, {"decision": "accepted"}
        )
