"""Every mail kind and page reads word for word as its pinned render in every language, for contexts
that take each branch of the templates: a change of template or catalogue that alters a mail's wording
fails here. ``python -m tests.unit.notifications.test_mail_wording`` writes the renders anew, for a
deliberate change of wording."""

import json
from pathlib import Path

import pytest

from contracts.api.common import LANGUAGES
from services.notifications.domain import rendering
from tests.unit.notifications.test_rendering import CONTEXT, EXPECTED_KINDS

RENDERS = Path(__file__).resolve().parent / "fixtures" / "mail_renders.json"
ALL_CHANGES = [
    {"field": "title", "old": "Old", "new": "New"},
    {"field": "starts_at", "old": None, "new": "2026-03-04T13:00:00+00:00"},
    {"field": "ends_at", "old": "2026-03-04T15:00:00+00:00", "new": None},
    {"field": "venue", "old": "", "new": "Hall"},
    {"field": "join_url", "old": "https://a.test", "new": None},
    {"field": "format", "old": "in_person", "new": "online"},
    {"field": "format", "old": None, "new": "hybrid"},
    {"field": "time_zone", "old": "UTC", "new": "Europe/Berlin"},
    {"field": "description", "old": "a", "new": "b"},
    {"field": "languages", "old": "da", "new": "da, en"},
    {"field": "capacity", "old": 10, "new": 20},
]
CONTEXTS = {
    "full": dict(
        CONTEXT,
        cancel_url="https://nabo.test/c/1",
        reason="Too few registrations",
        addressed=None,
        items=[{"subject": "S1", "summary": "one", "unsubscribe_url": "https://nabo.test/u?t=n"},
               {"subject": "S2", "summary": "two", "unsubscribe_url": None}],
        idea_titles=["Solar", "Wind"],
    ),
    "sparse": dict(
        CONTEXT,
        approved=False,
        reason="Not a member",
        addressed="mention",
        mentioned=False,
        was_dormant=False,
        last_activity_date=None,
        other=None,
        message=None,
        period="daily",
        status="under_review",
        changes=ALL_CHANGES,
        idea_titles=["Solar"],
        table=None,
        online_url=None,
        minutes=30,
        was_accepted=False,
        meetings=[{"other": None, "starts_at": "2026-03-03T13:00:00+00:00", "table": None, "online_url": None,
                   "new": True}],
        missing=["description", "themes", "offers", "needs", "profile_unavailable"],
        reasons=[
            {"kind": k, "networks": ["Kajak", "Sejl"]}
            for k in (
                "you_answered_their_opportunity",
                "they_answered_your_opportunity",
                "needs_your_offer",
                "offers_your_need",
                "shared_themes",
                "same_network",
                "complementary_sector",
                "unknown_kind",
            )
        ],
        others=[
            {"organisation_name": "Beta", "contact_name": None, "contact_email": None},
            {"organisation_name": "Gamma", "contact_name": "Di", "contact_email": None},
        ],
        event=dict(CONTEXT["event"], venue=None, join_url=None),
    ),
}
STATUSES = (
    "submitted",
    "under_review",
    "shortlisted",
    "accepted",
    "rejected",
    "declined",
    "merged",
    "implemented",
    "in_progress",
    "unheard_of",
)
PAGES = {
    "unsubscribe": [
        {"association_name": "<A>", "kind": kind, "done": done, "action_url": "https://n.test/u?t=1"}
        for kind in ("newsletter", "direct")
        for done in (False, True)
    ]
    + [
        {"network_name": "<N>", "kind": "network", "done": done, "action_url": "https://n.test/u?t=2"}
        for done in (False, True)
    ],
    "cancel_registration": [
        {
            "title": "<T>",
            "starts_at": "2026-03-03T13:00:00+00:00",
            "time_zone": "Europe/Copenhagen",
            "already": already,
            "done": done,
            "action_url": "https://n.test/c?t=1",
        }
        for already, done in ((False, False), (False, True), (True, False))
    ],
}


def renders():
    """Each case's render, by a name that says kind, context and language."""
    found = {}
    for language in (*LANGUAGES, "fi"):
        for kind in sorted(EXPECTED_KINDS):
            for name, context in CONTEXTS.items():
                message = rendering.render(kind, language, context, unsubscribe_url="https://nabo.test/u?t=x")
                found[f"{kind}/{name}/{language}"] = {
                    "subject": message.subject,
                    "text": message.text,
                    "html": message.html,
                }
        for status in STATUSES:
            message = rendering.render("idea_status_changed", language, dict(CONTEXT, status=status))
            found[f"idea_status_changed/{status}/{language}"] = {
                "subject": message.subject,
                "text": message.text,
            }
        if language in LANGUAGES:
            text, html = rendering.wrap(
                language,
                "Hi <b>",
                "Body https://x.test/a",
                "Act",
                "https://x.test/b",
                "https://nabo.test/u?t=y",
                sender="Erhverv <E>",
            )
            found[f"wrap/{language}"] = {"text": text, "html": html}
        for page, contexts in PAGES.items():
            for number, context in enumerate(contexts):
                found[f"{page}/{number}/{language}"] = {
                    "html": rendering.render_page(page, language, context)
                }
    return found


@pytest.fixture(scope="module")
def pinned():
    return json.loads(RENDERS.read_text(encoding="utf-8"))


def test_every_case_is_pinned(pinned):
    assert sorted(renders()) == sorted(pinned)


@pytest.mark.parametrize("language", (*LANGUAGES, "fi"))
def test_every_mail_reads_as_pinned(pinned, language):
    current = renders()
    for case, expected in pinned.items():
        if case.endswith(f"/{language}"):
            assert current[case] == expected, case


if __name__ == "__main__":
    RENDERS.write_text(
        json.dumps(renders(), ensure_ascii=False, indent=1, sort_keys=True) + "\n", encoding="utf-8"
    )
