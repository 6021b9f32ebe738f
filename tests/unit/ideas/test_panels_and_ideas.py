"""Panels, participation, ideas, supports, comments and review, on SQLite."""
import pytest

from nabo_common.api.errors import Conflict, Forbidden, NotAuthenticated, NotFound, ValidationFailed
from nabo_common.runtime.context import PLATFORM_ADMIN, Caller
from services.ideas.domain import engagement, ideas, panels
from services.ideas.models import OutboxEvent
from tests.unit.ideas.conftest import new_id


def event_types(world):
    with world.session_factory() as session:
        return [e.event_type for e in session.query(OutboxEvent).order_by(OutboxEvent.position)]


def idea_payload(title="Green guidance for small firms", **extra):
    return dict(
        {"title": title, "need": "Small firms lack advice on energy", "sub_theme": "green-guidance"}, **extra
    )


def test_only_admins_open_panels_and_other_associations_get_404(world):
    with pytest.raises(Forbidden):
        world.do(
            panels.create,
            world.alice,
            {
                "association_id": world.association_id,
                "year": 2025,
                "title": "x",
                "theme": "y",
                "language": "da",
            },
            world.directory,
        )
    panel = world.panel()
    assert panel["phase"] == "collecting_ideas"
    assert [s["key"] for s in panel["sub_themes"]] == ["green-guidance", "green-funding"]
    assert panel["participant_count"] == 2
    with pytest.raises(NotFound):
        world.do(panels.get, world.foreign_admin, panel["id"])
    with pytest.raises(NotAuthenticated):
        world.do(panels.get, world.anonymous, panel["id"])
    assert world.do(panels.search, world.foreign_admin, {})["total"] == 0
    assert [p["id"] for p in world.do(panels.search, world.bystander, {})["items"]] == [panel["id"]]
    assert event_types(world)[:3] == ["panel.created", "panel.participants_added", "panel.phase_changed"]


def test_a_panel_for_an_unknown_association_is_refused_naming_the_field(world):
    platform_admin = Caller(person_id=new_id(), roles=(PLATFORM_ADMIN,))
    body = {"year": 2025, "title": "x", "theme": "y", "language": "da"}
    with pytest.raises(ValidationFailed) as refused:
        world.do(panels.create, platform_admin, dict(body, association_id=new_id()), world.directory)
    assert refused.value.errors == {"association_id": ["No such association."]}
    assert event_types(world) == []
    panel = world.do(
        panels.create, platform_admin, dict(body, association_id=world.other_association_id), world.directory
    )
    assert panel["association_id"] == world.other_association_id

    panel = world.panel(visibility="participants")
    with pytest.raises(NotFound):
        world.do(panels.get, world.bystander, panel["id"])
    assert world.do(panels.search, world.bystander, {})["total"] == 0
    assert world.do(panels.get, world.alice, panel["id"])["id"] == panel["id"]


def test_unknown_participants_are_rejected_with_their_position(world):
    panel = world.panel()
    with pytest.raises(ValidationFailed) as failed:
        world.do(
            panels.add_participants,
            world.admin,
            panel["id"],
            {"organisation_ids": [world.org_a, world.org_outside]},
            world.directory,
        )
    assert 1 in failed.value.errors["organisation_ids"]


def test_participant_submits_only_while_ideas_are_collected(world):
    panel = world.panel(phase="preparing")
    with pytest.raises(Conflict):
        world.do(ideas.submit, world.alice, panel["id"], idea_payload())
    world.do(panels.transition, world.admin, panel["id"], {"to": "collecting_ideas"})
    idea = world.do(ideas.submit, world.alice, panel["id"], idea_payload())
    assert idea["status"] == "submitted"
    assert idea["submitter_organisation_id"] == world.org_a
    assert idea["submitter_organisation_name"] == "Alpha Solar ApS"
    assert idea["sub_theme"] == "green-guidance"
    with pytest.raises(Forbidden):
        world.do(ideas.submit, world.bystander, panel["id"], idea_payload())


def test_facilitator_records_an_idea_on_behalf_of_a_participant(world):
    panel = world.panel()
    idea = world.do(
        ideas.submit, world.admin, panel["id"], idea_payload(on_behalf_of={"organisation_id": world.org_b})
    )
    assert idea["recorded_by_facilitator"] is True
    assert idea["submitter_organisation_name"] == "Beta Byg A/S"
    with pytest.raises(ValidationFailed):
        world.do(
            ideas.submit,
            world.admin,
            panel["id"],
            idea_payload(on_behalf_of={"organisation_id": world.org_outside}),
        )
    with pytest.raises(Forbidden):
        world.do(
            ideas.submit,
            world.alice,
            panel["id"],
            idea_payload(on_behalf_of={"organisation_id": world.org_b}),
        )


@pytest.mark.parametrize(
    "payload, field",
    [
        ({"title": ""}, "title"),
        ({"title": "ok", "status": "accepted"}, "status"),
        ({"title": "ok", "support_count": 99}, "support_count"),
        ({"title": "ok", "sub_theme": "no-such-theme"}, "sub_theme"),
        ({"title": "ok", "suggested_partners": [{"kind": "alien", "name": "x"}]}, "suggested_partners"),
    ],
)
def test_bad_idea_input_is_rejected_per_field(world, payload, field):
    panel = world.panel()
    with pytest.raises(ValidationFailed) as failed:
        world.do(ideas.submit, world.alice, panel["id"], payload)
    assert field in failed.value.errors


def test_one_support_per_person_counted_per_organisation(world):
    panel = world.panel()
    idea = world.do(ideas.submit, world.alice, panel["id"], idea_payload())
    world.do(engagement.support, world.alice, idea["id"], {})
    world.do(engagement.support, world.carol, idea["id"], {})
    summary = world.do(engagement.support, world.bob, idea["id"], {})
    assert summary["support_count"] == 3
    assert summary["supports_by_organisation"] == [
        {"organisation_id": world.org_a, "name": "Alpha Solar ApS", "supports": 2},
        {"organisation_id": world.org_b, "name": "Beta Byg A/S", "supports": 1},
    ]
    with pytest.raises(Conflict):
        world.do(engagement.support, world.alice, idea["id"], {})
    with pytest.raises(Forbidden):
        world.do(engagement.support, world.bystander, idea["id"], {})
    assert world.do(engagement.withdraw_support, world.carol, idea["id"])["support_count"] == 2
    assert world.do(ideas.get, world.bob, idea["id"])["supported_by_me"] is True


def test_comments_by_participants_and_facilitators(world):
    panel = world.panel()
    idea = world.do(ideas.submit, world.alice, panel["id"], idea_payload())
    world.do(engagement.comment, world.bob, idea["id"], {"body": "We would join."})
    world.do(engagement.comment, world.admin, idea["id"], {"body": "Noted for the committee."})
    listed = world.do(engagement.comments, world.alice, idea["id"], {})
    assert [c["body"] for c in listed["items"]] == ["We would join.", "Noted for the committee."]
    assert world.do(ideas.get, world.alice, idea["id"])["comment_count"] == 2


def test_review_rules_and_status_history(world):
    panel = world.panel()
    idea = world.do(ideas.submit, world.alice, panel["id"], idea_payload())
    with pytest.raises(Forbidden):
        world.do(ideas.transition, world.alice, idea["id"], {"to": "accepted"})
    with pytest.raises(ValidationFailed):
        world.do(ideas.transition, world.admin, idea["id"], {"to": "declined"})
    world.do(ideas.transition, world.admin, idea["id"], {"to": "declined", "reason": "Out of scope"})
    with pytest.raises(Conflict):
        world.do(ideas.transition, world.admin, idea["id"], {"to": "accepted"})
    world.do(ideas.transition, world.admin, idea["id"], {"to": "under_review"})
    detail = world.do(ideas.transition, world.admin, idea["id"], {"to": "accepted"})
    assert [(h["from_status"], h["to_status"]) for h in detail["trace"]["status_history"]] == [
        (None, "submitted"),
        ("submitted", "declined"),
        ("declined", "under_review"),
        ("under_review", "accepted"),
    ]
    assert detail["trace"]["status_history"][1]["reason"] == "Out of scope"


def test_merge_moves_supports_and_comments_and_the_trace_follows(world):
    panel = world.panel()
    keep = world.do(ideas.submit, world.alice, panel["id"], idea_payload("Energy advice for small firms"))
    dup = world.do(ideas.submit, world.bob, panel["id"], idea_payload("Advice on energy for small companies"))
    world.do(engagement.support, world.alice, keep["id"], {})
    world.do(engagement.support, world.alice, dup["id"], {})  # the same person: counted once after the merge
    world.do(engagement.support, world.bob, dup["id"], {})
    world.do(engagement.comment, world.bob, dup["id"], {"body": "Same as the other one?"})
    with pytest.raises(ValidationFailed):
        world.do(ideas.transition, world.admin, dup["id"], {"to": "merged", "into_idea_id": dup["id"]})
    merged = world.do(ideas.transition, world.admin, dup["id"], {"to": "merged", "into_idea_id": keep["id"]})
    assert merged["status"] == "merged" and merged["merged_into_id"] == keep["id"]
    assert merged["trace"]["merged_into"]["id"] == keep["id"]
    survivor = world.do(ideas.get, world.alice, keep["id"])
    assert survivor["support_count"] == 2
    assert survivor["comment_count"] == 1
    assert [i["id"] for i in survivor["trace"]["merged_from"]] == [dup["id"]]
    moved = world.do(engagement.comments, world.alice, keep["id"], {})["items"]
    assert moved[0]["moved_from_idea_id"] == dup["id"]
    with pytest.raises(Conflict):
        world.do(engagement.support, world.carol, dup["id"], {})
    assert event_types(world)[-2:] == ["idea.status_changed", "idea.merged"]


def test_similar_ideas_rank_the_near_duplicate_first(world):
    panel = world.panel()
    base = world.do(
        ideas.submit,
        world.alice,
        panel["id"],
        {
            "title": "Grøn rådgivning til små virksomheder",
            "need": "Små virksomheder mangler energirådgivning",
        },
    )
    dup = world.do(
        ideas.submit,
        world.bob,
        panel["id"],
        {
            "title": "Rådgivning om grøn omstilling for små virksomheder",
            "need": "Mangler rådgivning om energi",
        },
    )
    other = world.do(
        ideas.submit,
        world.bob,
        panel["id"],
        {"title": "Flere ladestandere i industriområdet", "need": "Elbiler kan ikke lade"},
    )
    found = world.do(ideas.similar, world.admin, base["id"], {"min_score": 0})
    ranked = [c["idea"]["id"] for c in found["candidates"]]
    assert ranked[0] == dup["id"]
    assert ranked.index(other["id"]) > 0
    scores = {c["idea"]["id"]: c["score"] for c in found["candidates"]}
    assert scores[dup["id"]] >= 60 > scores[other["id"]]
    strict = world.do(ideas.similar, world.admin, base["id"], {})
    assert [c["idea"]["id"] for c in strict["candidates"]] == [dup["id"]]
    with pytest.raises(ValidationFailed):
        world.do(ideas.similar, world.admin, base["id"], {"limit": 0})
