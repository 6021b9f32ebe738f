"""Decisions, initiatives and the trace of an idea; the catalogue in every
format and its visibility; the read model of persons and GDPR duties."""
import csv
import io
from dataclasses import replace

import pytest

from nabo_common.api.errors import Conflict, Forbidden, NotFound, ValidationFailed
from services.ideas.domain import catalogue, decisions, engagement, ideas, initiatives, panels, people


def accepted_idea(world, panel, caller, title, sub_theme="green-funding"):
    idea = world.do(ideas.submit, caller, panel["id"], {"title": title, "sub_theme": sub_theme,
                                                        "need": f"Need behind {title}"})
    world.do(ideas.transition, world.admin, idea["id"], {"to": "accepted"})
    return idea


def test_decisions_and_initiatives_answer_what_happened_to_my_idea(world):
    panel = world.panel()
    idea = accepted_idea(world, panel, world.alice, "Green loan desk")
    dup = world.do(ideas.submit, world.bob, panel["id"], {"title": "Loan desk for green investments"})
    world.do(ideas.transition, world.admin, dup["id"], {"to": "merged", "into_idea_id": idea["id"]})
    decision = world.do(
        decisions.record,
        world.admin,
        panel["id"],
        {
            "decided_on": "2025-11-12",
            "body": "Business committee",
            "text": "The committee backs the loan desk.",
            "ideas": [{"idea_id": idea["id"], "note": "Funded from 2026"}],
        },
    )
    with pytest.raises(ValidationFailed):
        world.do(
            decisions.record,
            world.admin,
            panel["id"],
            {"decided_on": "2025-11-12", "body": "x", "text": "y", "ideas": [{"idea_id": "0" * 36}]},
        )
    initiative = world.do(
        initiatives.create,
        world.admin,
        panel["id"],
        {
            "title": "Green loan desk at the business hub",
            "idea_ids": [idea["id"]],
            "owner": {"kind": "business_hub", "name": "Regional business hub"},
            "partners": [{"kind": "municipality", "name": "The municipality"}],
            "starts_on": "2026-01-01",
        },
    )
    assert initiative["status"] == "planned"
    world.do(
        initiatives.add_progress,
        world.admin,
        initiative["id"],
        {"reported_on": "2026-02-01", "text": "Desk opened", "status": "launched"},
    )
    with pytest.raises(Conflict):
        world.do(
            initiatives.add_progress, world.admin, initiative["id"], {"text": "Back", "status": "planned"}
        )
    with pytest.raises(Forbidden):
        world.do(initiatives.add_progress, world.alice, initiative["id"], {"text": "Mine"})
    with pytest.raises(NotFound):
        world.do(initiatives.get, world.foreign_admin, initiative["id"])
    # the submitter of the merged duplicate asks what became of it
    trace = world.do(ideas.get, world.bob, dup["id"])["trace"]
    assert trace["merged_into"]["id"] == idea["id"]
    assert [d["id"] for d in trace["decisions"]] == [decision["id"]]
    assert trace["decisions"][0]["note"] == "Funded from 2026"
    assert trace["initiatives"][0]["status"] == "launched"
    assert trace["initiatives"][0]["latest_progress"]["text"] == "Desk opened"
    followed = world.do(initiatives.search, world.alice, panel["id"], {"status": "launched"})
    assert [i["id"] for i in followed["items"]] == [initiative["id"]]


def test_catalogue_is_hidden_from_anonymous_until_published(world):
    panel = world.panel()
    accepted_idea(world, panel, world.alice, "Green loan desk")
    with pytest.raises(NotFound):
        world.do(catalogue.get, world.anonymous, panel["id"], {}, world.directory)
    with pytest.raises(NotFound):
        world.do(catalogue.get, world.foreign_admin, panel["id"], {}, world.directory)
    draft = world.do(catalogue.get, world.alice, panel["id"], {}, world.directory)
    assert draft["published"] is False and draft["idea_count"] == 1
    world.do(panels.transition, world.admin, panel["id"], {"to": "catalogue_published"})
    public = world.do(catalogue.get, world.anonymous, panel["id"], {}, world.directory)
    assert public["published"] is True
    assert world.do(catalogue.get, world.foreign_admin, panel["id"], {}, world.directory)["idea_count"] == 1


def test_catalogue_groups_accepted_ideas_by_sub_theme_in_every_format(world):
    panel = world.panel()
    a = accepted_idea(world, panel, world.alice, "Green loan desk")
    accepted_idea(world, panel, world.bob, "Energy check | for *all*", sub_theme="green-guidance")
    world.do(ideas.submit, world.bob, panel["id"], {"title": "Not yet reviewed"})
    world.do(engagement.support, world.bob, a["id"], {})
    world.do(engagement.support, world.carol, a["id"], {})
    data = world.do(catalogue.get, world.alice, panel["id"], {"format": "json"}, world.directory)
    assert [(s["key"], [i["title"] for i in s["ideas"]]) for s in data["sections"]] == [
        ("green-guidance", ["Energy check | for *all*"]),
        ("green-funding", ["Green loan desk"]),
    ]
    assert data["sections"][1]["ideas"][0]["support_count"] == 2
    assert data["support_count"] == 2

    as_csv = world.do(catalogue.get, world.alice, panel["id"], {"format": "csv"}, world.directory)
    assert as_csv["content_type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(as_csv["body"])))
    assert [(r["Sub-theme key"], r["Title"], r["Supports"]) for r in rows] == [
        ("green-guidance", "Energy check | for *all*", "0"),
        ("green-funding", "Green loan desk", "2"),
    ]
    assert rows[1]["Supports by organisation"] == "Alpha Solar ApS: 1; Beta Byg A/S: 1"

    md = world.do(catalogue.get, world.alice, panel["id"], {"format": "md"}, world.directory)["body"]
    assert "## Green guidance" in md and "## Green funding" in md
    assert r"### Energy check \| for \*all\*" in md
    assert "- Supports: 2" in md

    page = world.do(catalogue.get, world.alice, panel["id"], {"format": "html"}, world.directory)
    assert page["content_type"].startswith("text/html")
    assert "<h2>Green funding</h2>" in page["body"] and "@media print" in page["body"]
    assert "Draft, not yet published" in page["body"]
    with pytest.raises(ValidationFailed):
        world.do(catalogue.get, world.alice, panel["id"], {"format": "pdf"}, world.directory)


def test_the_catalogue_speaks_the_readers_language(world):
    panel = world.panel()
    accepted_idea(world, panel, world.alice, "Green loan desk")
    accepted_idea(world, panel, world.bob, "Without a sub-theme", sub_theme=None)
    dutch = replace(world.alice, language="nl")
    data = world.do(catalogue.get, dutch, panel["id"], {"format": "json"}, world.directory)
    assert data["sections"][-1]["name"] == "Overige ideeën"
    as_csv = world.do(catalogue.get, dutch, panel["id"], {"format": "csv"}, world.directory)["body"]
    assert as_csv.splitlines()[0].startswith("Sleutel van het subthema,Subthema,Idee-id,Titel")
    md = world.do(catalogue.get, dutch, panel["id"], {"format": "md"}, world.directory)["body"]
    assert "Strategisch thema: **Green transition**" in md and "- Steunbetuigingen: 0" in md
    assert "2 ideeën, 0 steunbetuigingen." in md and "Supports" not in md


def test_html_catalogue_escapes_participant_text(world):
    panel = world.panel()
    accepted_idea(world, panel, world.alice, "<script>alert(1)</script>")
    body = world.do(catalogue.get, world.alice, panel["id"], {"format": "html"}, world.directory)["body"]
    assert "<script>alert" not in body and "&lt;script&gt;" in body


def test_person_events_feed_names_and_erasure_anonymises_but_keeps_counts(world):
    panel = world.panel()
    world.do(
        lambda s, c, d: _in_tx(s, people.apply_person, d),
        world.system,
        {
            "person_id": world.alice.person_id,
            "name": "Alice Jensen",
            "language": "da",
            "roles": [{"scope": "organisation", "scope_id": world.org_a, "role": "contact"}],
        },
    )
    idea = world.do(ideas.submit, world.alice, panel["id"], {"title": "Shared e-cargo bikes"})
    assert idea["submitter_name"] == "Alice Jensen"
    world.do(engagement.support, world.alice, idea["id"], {})
    world.do(engagement.support, world.bob, idea["id"], {})
    world.do(engagement.comment, world.alice, idea["id"], {"body": "Happy to pilot it."})
    exported = world.do(people.export, world.alice, world.alice.person_id)
    assert [i["title"] for i in exported["ideas"]] == ["Shared e-cargo bikes"]
    assert len(exported["supports"]) == 1 and exported["comments"][0]["body"] == "Happy to pilot it."
    assert world.do(people.export, world.foreign_admin, world.alice.person_id)["ideas"] == []

    world.do(lambda s, c, p: _in_tx(s, people.erase_person, p), world.system, world.alice.person_id)
    after = world.do(ideas.get, world.bob, idea["id"])
    assert after["submitter_person_id"] is None and after["submitter_name"] is None
    assert after["support_count"] == 2
    assert world.do(engagement.comments, world.bob, idea["id"], {})["items"][0]["person_id"] is None
    assert world.do(people.export, world.alice, world.alice.person_id)["ideas"] == []
    # a late person.updated does not bring the name back
    world.do(
        lambda s, c, d: _in_tx(s, people.apply_person, d),
        world.system,
        {"person_id": world.alice.person_id, "name": "Alice Jensen", "language": "da", "roles": []},
    )
    assert world.do(people.export, world.system, world.alice.person_id)["person"] is None


def _in_tx(session, function, argument):
    with session.begin():
        return function(session, argument)
