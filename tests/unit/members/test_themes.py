import pytest
from sqlalchemy import select

from nabo_common.api.errors import Conflict, Forbidden, ValidationFailed
from nabo_common.runtime.context import ANONYMOUS, Caller
from services.members.domain import themes
from services.members.taxonomy import LANGUAGES, THEMES, seed_themes
from tests.unit.members.conftest import theme


def test_seed_has_every_language_and_the_green_sub_themes(session):
    listing = themes.list_(session, ANONYMOUS, {"limit": 200})
    assert listing["total"] == len(THEMES)
    assert all(set(t["labels"]) == set(LANGUAGES) and all(t["labels"].values()) for t in listing["items"])
    green = themes.list_(session, ANONYMOUS, {"parent_id": theme("green-transition")})["items"]
    assert {t["key"] for t in green} == {"green-guidance", "green-funding", "green-knowledge-sharing",
                                         "green-inclusion", "green-infrastructure"}


def test_seed_is_idempotent(session):
    with session.begin():
        assert seed_themes(session.connection()) == 0
    assert themes.list_(session, ANONYMOUS, {})["total"] == len(THEMES)


def test_search_finds_a_theme_by_a_label_in_any_language_and_answers_in_the_callers(session):
    german_reader = Caller(language="de")
    found = themes.list_(session, german_reader, {"q": "energietransitie"})["items"]
    assert [t["key"] for t in found] == ["energy-transition"]
    assert found[0]["label"] == "Energiewende"


def test_members_cannot_change_the_taxonomy(world):
    association = world.association()
    member = world.caller(world.person(association, world.organisation(association)))
    with pytest.raises(Forbidden):
        world.call(themes.create, member, {"key": "beekeeping", "labels": {"en": "Beekeeping"}})


def test_admin_adds_a_sub_theme_and_translations(world):
    association = world.association()
    admin = world.caller(world.person(association, admin_of=association))
    created = world.call(themes.create, admin, {"key": "sea-kayak-guides", "parent_id": theme("outdoor"),
                                                   "labels": {"en": "Sea kayak guides"}})
    assert created["parent_id"] == theme("outdoor")
    updated = world.call(themes.update, admin, created["id"], {"labels": {"da": "Havkajakguider"}})
    assert updated["labels"] == {"en": "Sea kayak guides", "da": "Havkajakguider"}
    assert [e["key"] for e in world.events("theme.updated")] == ["sea-kayak-guides"]
    with pytest.raises(Conflict):
        world.call(themes.create, admin, {"key": "sea-kayak-guides", "labels": {"en": "Again"}})


def test_only_platform_admins_reword_or_move_shared_themes(world):
    association = world.association()
    admin = world.caller(world.person(association, admin_of=association))
    for change in ({"labels": {"en": "Hijacked"}}, {"labels": {"da": "E-handel", "en": "Online shops"}},
                   {"parent_id": theme("outdoor")}):
        with pytest.raises(Forbidden):
            world.call(themes.update, admin, theme("e-commerce"), change)
    # the same label again, or the same parent, is no change and allowed
    same = world.call(themes.update, admin, theme("e-commerce"), {"labels": {"en": "E-commerce"}})
    assert same["labels"]["en"] == "E-commerce"
    platform = world.caller(world.person(), platform=True)
    reworded = world.call(themes.update, platform, theme("e-commerce"), {"labels": {"en": "Online commerce"}})
    assert reworded["labels"]["en"] == "Online commerce"


@pytest.mark.parametrize("payload,field", [
    ({"key": "x-y", "labels": {}}, "labels"),
    ({"key": "Bad Key", "labels": {"en": "x"}}, "key"),
    ({"key": "deep-theme", "parent_id": theme("kayaking"), "labels": {"en": "x"}}, "parent_id"),
    ({"key": "orphan-theme", "parent_id": "0" * 36, "labels": {"en": "x"}}, "parent_id"),
    ({"key": "with-id", "id": "1" * 36, "labels": {"en": "x"}}, "id"),
])
def test_bad_theme_input_is_rejected(world, payload, field):
    admin = world.caller(world.person(admin_of=world.association()))
    with pytest.raises(ValidationFailed) as raised:
        world.call(themes.create, admin, payload)
    assert field in raised.value.errors


def test_a_merge_moves_every_kind_of_tag_once(world, session):
    from services.members.models import Organisation, OrganisationTheme

    platform = world.caller(world.person(), platform=True)
    labels = dict(zip(LANGUAGES, ("Øl", "Bier", "Bier", "Öl", "Beer")))
    old = world.call(themes.create, platform, {"key": "beer", "labels": labels})
    new = world.call(themes.create, platform, {"key": "brewing", "labels": labels})
    org_id = world.organisation(world.association()).id
    with session.begin():
        org = session.get(Organisation, org_id)
        themes.set_organisation_themes(session, org, "profile", [old["id"], new["id"]])
        themes.set_organisation_themes(session, org, "offer", [old["id"]])

    merged = world.call(themes.merge, platform, old["id"], {"into_theme_id": new["id"]})

    assert (merged["status"], merged["merged_into_id"]) == ("merged", new["id"])
    links = session.execute(select(OrganisationTheme.kind, OrganisationTheme.theme_id).where(
        OrganisationTheme.organisation_id == org_id)).all()
    assert sorted(links) == [("offer", new["id"]), ("profile", new["id"])]
    assert [(e["theme_id"], e["into_theme_id"]) for e in world.events("theme.merged")] == [
        (old["id"], new["id"])
    ]
    with pytest.raises(ValidationFailed):
        themes.check_theme_ids(session, [old["id"]])
