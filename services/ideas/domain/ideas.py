"""Ideas: submitting (or recording on someone's behalf), editing, reviewing,
merging duplicates, and finding likely duplicates."""
from sqlalchemy import or_, select

from contracts.api import ideas as schemas
from nabo_common.api.errors import Conflict, Forbidden, ValidationFailed
from nabo_common.api.pagination import page, paginate
from nabo_common.api.validation import load
from nabo_common.i18n.catalogues import N_
from services.ideas.domain import access, similarity, trace, views
from services.ideas.domain.common import idempotent_calls, publish
from services.ideas.models import Comment, Idea, PersonCard, StatusChange, Support

TEXT_FIELDS = ("title", "description", "need", "expected_effect", "themes", "suggested_partners")
# which status may follow which; merged is final
NEXT_STATUSES = {
    "submitted": {"under_review", "accepted", "declined", "merged"},
    "under_review": {"submitted", "accepted", "declined", "merged"},
    "accepted": {"under_review", "declined", "merged"},
    "declined": {"under_review"},
    "merged": set(),
}
PARTICIPANTS_SUBMIT_IN = ("collecting_ideas",)
FACILITATORS_RECORD_IN = ("preparing", "collecting_ideas", "reviewing")


def idea_or_404(session, caller, idea_id):
    return access.readable_part_or_404(session, caller, Idea, idea_id, "Idea")


def _sub_theme_id(panel, key):
    if key is None:
        return None
    for sub in panel.sub_themes:
        if sub.key == key:
            return sub.id
    known = ", ".join(s.key for s in panel.sub_themes) or "none defined"
    raise ValidationFailed(
        "Unknown sub-theme.", {"sub_theme": [
            N_("Use one of the panel's sub-themes: {known}.").format(known=known)]}
    )


def _meeting_id(panel, meeting_id):
    if meeting_id and meeting_id not in {m.id for m in panel.meetings}:
        raise ValidationFailed("Unknown meeting.", {"meeting_id": ["Not a meeting of this panel."]})
    return meeting_id


def acting_organisation(caller, panel, requested=None):
    """Which organisation a participant acts for: the one asked for (if it is
    theirs), else their first participating organisation, else their first."""
    if requested:
        if requested not in caller.organisation_ids:
            raise ValidationFailed("Not your organisation.", {"organisation_id": ["You do not act for it."]})
        return requested
    participating = [p.organisation_id for p in access.participation(caller, panel) if p.organisation_id]
    if participating:
        return participating[0]
    return caller.organisation_ids[0] if caller.organisation_ids else None


def _author(session, caller, panel, data):
    """(submitter person, submitter organisation, facilitator) for a new idea."""
    behalf = data.get("on_behalf_of")
    if behalf is not None:
        if not access.is_admin(caller, panel):
            raise Forbidden("Only the panel's facilitators record ideas on someone's behalf.")
        if panel.phase not in FACILITATORS_RECORD_IN:
            raise Conflict("Ideas are not recorded in phase {phase}.", phase=panel.phase)
        person_id, org_id = behalf.get("person_id"), behalf.get("organisation_id")
        if org_id is None and person_id:
            card = session.get(PersonCard, person_id)
            known = set(card.organisation_ids) if card else set()
            org_id = next((p.organisation_id for p in panel.participants if p.organisation_id in known), None)
        participant_orgs = {p.organisation_id for p in panel.participants}
        participant_persons = {p.person_id for p in panel.participants}
        if org_id and org_id not in participant_orgs:
            raise ValidationFailed(
                "Not a participant.",
                {"on_behalf_of": {"organisation_id": ["The organisation does not take part in this panel."]}},
            )
        if person_id and not org_id and person_id not in participant_persons:
            raise ValidationFailed(
                "Not a participant.",
                {"on_behalf_of": {"person_id": ["The person does not take part in this panel."]}},
            )
        return person_id, org_id, caller.person_id
    if access.is_participant(caller, panel):
        if panel.phase not in PARTICIPANTS_SUBMIT_IN:
            raise Conflict("The panel collects no ideas in phase {phase}.", phase=panel.phase)
        return caller.person_id, acting_organisation(caller, panel, data.get("organisation_id")), None
    if access.is_admin(caller, panel):
        raise ValidationFailed(
            "Say whose idea you record.", {"on_behalf_of": ["Facilitators record ideas for a participant."]}
        )
    raise Forbidden("Only the panel's participants submit ideas.")


def submit(session, caller, panel_id, payload, call_key=None):
    data = load(schemas.IdeaCreate, payload)

    def write():
        panel = access.readable_panel_or_404(session, caller, panel_id)
        person_id, org_id, facilitator = _author(session, caller, panel, data)
        idea = Idea(
            panel_id=panel.id,
            association_id=panel.association_id,
            sub_theme_id=_sub_theme_id(panel, data.get("sub_theme")),
            meeting_id=_meeting_id(panel, data.get("meeting_id")),
            submitter_person_id=person_id,
            submitter_organisation_id=org_id,
            recorded_by_person_id=facilitator,
            **{k: data.get(k) for k in TEXT_FIELDS if k in data},
        )
        idea.themes = data.get("themes", [])
        idea.suggested_partners = data.get("suggested_partners", [])
        idea.match_text = similarity.match_text(idea, panel.language)
        idea.status_changes = [
            StatusChange(from_status=None, to_status="submitted", by_person_id=caller.person_id)
        ]
        session.add(idea)
        session.flush()
        publish(
            session,
            "idea.submitted",
            dict(views.event_state(idea, panel), recorded_by_person_id=facilitator),
            caller,
            panel.association_id,
        )
        return views.idea_view(session, caller, panel, idea)

    with session.begin():
        return idempotent_calls.once(session, call_key, "submit_idea", write)


def get(session, caller, idea_id):
    idea, panel = idea_or_404(session, caller, idea_id)
    data = views.idea_view(session, caller, panel, idea)
    data["supports_by_organisation"] = views.supports_by_organisation(session, panel, [idea.id]).get(
        idea.id, []
    )
    data["trace"] = trace.of(session, idea)
    return data


def _may_edit(caller, panel, idea):
    if access.is_admin(caller, panel):
        return True
    return caller.person_id is not None and caller.person_id == idea.submitter_person_id


def update(session, caller, idea_id, payload):
    data = load(schemas.IdeaUpdate, payload)
    with session.begin():
        idea, panel = idea_or_404(session, caller, idea_id)
        if not _may_edit(caller, panel, idea):
            raise Forbidden("Only the idea's submitter and the panel's facilitators change it.")
        if idea.status not in ("submitted", "under_review") and not access.is_admin(caller, panel):
            raise Conflict("An idea that is {status} is no longer edited by its submitter.",
                           status=idea.status)
        changed = {k for k in TEXT_FIELDS if k in data and getattr(idea, k) != data[k]}
        for key in changed:
            setattr(idea, key, data[key])
        if "sub_theme" in data:
            sub_theme_id = _sub_theme_id(panel, data["sub_theme"])
            if sub_theme_id != idea.sub_theme_id:
                idea.sub_theme_id = sub_theme_id
                changed.add("sub_theme")
        if changed & {"title", "need"}:
            idea.match_text = similarity.match_text(idea, panel.language)
        session.flush()
        if changed:
            publish(
                session,
                "idea.updated",
                dict(views.event_state(idea, panel), changed=sorted(changed)),
                caller,
                panel.association_id,
            )
    return views.idea_view(session, caller, panel, idea)


def search(session, caller, panel_id, query):
    q = load(schemas.IdeaQuery, query)
    panel = access.readable_panel_or_404(session, caller, panel_id)
    stmt = select(Idea).where(Idea.panel_id == panel.id)
    if q.get("status"):
        stmt = stmt.where(Idea.status == q["status"])
    if q.get("sub_theme"):
        stmt = stmt.where(Idea.sub_theme_id == _sub_theme_id(panel, q["sub_theme"]))
    if q.get("q"):
        like = f"%{q['q']}%"
        stmt = stmt.where(or_(Idea.title.ilike(like), Idea.need.ilike(like)))
    order = {
        "recent": (Idea.created_at.desc(), Idea.id),
        "supports": (Idea.support_count.desc(), Idea.title, Idea.id),
        "title": (Idea.title, Idea.id),
    }[q["sort"]]
    rows, total = paginate(session, stmt.order_by(*order), q["limit"], q["offset"])
    return page(views.idea_views(session, caller, panel, rows), total, q["limit"], q["offset"])


def _merge(session, caller, panel, idea, into_id):
    target = session.get(Idea, into_id)
    if target is None or target.panel_id != panel.id:
        raise ValidationFailed(
            "Merge into an idea of the same panel.", {"into_idea_id": ["No such idea in this panel."]}
        )
    if target.id == idea.id:
        raise ValidationFailed(
            "An idea cannot be merged into itself.", {"into_idea_id": ["Pick another idea."]}
        )
    if target.status == "merged":
        raise Conflict("That idea was merged itself; merge into the idea it lives on in.")
    supporters = set(
        session.scalars(
            select(Support.person_id).where(Support.idea_id == target.id, Support.person_id.is_not(None))
        )
    )
    for support in session.scalars(select(Support).where(Support.idea_id == idea.id)).all():
        if support.person_id is not None and support.person_id in supporters:
            session.delete(support)  # one support per person on the surviving idea
            continue
        support.idea_id, support.given_to_idea_id = target.id, support.given_to_idea_id or idea.id
        supporters.add(support.person_id)
    for comment in session.scalars(select(Comment).where(Comment.idea_id == idea.id)).all():
        comment.idea_id, comment.given_to_idea_id = target.id, comment.given_to_idea_id or idea.id
    session.flush()
    target.support_count = views.count_supports(session, target.id)
    target.comment_count += idea.comment_count
    idea.support_count = idea.comment_count = 0
    idea.merged_into_id = target.id
    return target


def transition(session, caller, idea_id, payload):
    data = load(schemas.IdeaTransition, payload)
    with session.begin():
        idea, panel = idea_or_404(session, caller, idea_id)
        access.require_admin(caller, panel)
        if panel.phase == "closed":
            raise Conflict("The panel is closed.")
        if data["to"] not in NEXT_STATUSES[idea.status]:
            raise Conflict("An idea that is {status} cannot become {to}.", status=idea.status, to=data['to'])
        target = (
            _merge(session, caller, panel, idea, data["into_idea_id"]) if data["to"] == "merged" else None
        )
        previous = idea.status
        idea.status = data["to"]
        idea.status_changes.append(
            StatusChange(
                from_status=previous,
                to_status=idea.status,
                reason=data.get("reason"),
                by_person_id=caller.person_id,
            )
        )
        session.flush()
        publish(
            session,
            "idea.status_changed",
            dict(views.event_state(idea, panel), previous_status=previous, reason=data.get("reason")),
            caller,
            panel.association_id,
        )
        if target is not None:
            publish(
                session,
                "idea.merged",
                {
                    "idea_id": idea.id,
                    "into_idea_id": target.id,
                    "panel_id": panel.id,
                    "association_id": panel.association_id,
                    "title": idea.title,
                    "into_title": target.title,
                    "submitter_person_id": idea.submitter_person_id,
                    "support_count": target.support_count,
                },
                caller,
                panel.association_id,
            )
    return get(session, caller, idea.id)


def similar(session, caller, idea_id, query):
    q = load(schemas.SimilarQuery, query)
    idea, panel = idea_or_404(session, caller, idea_id)
    rows = session.execute(
        select(Idea.id, Idea.match_text).where(
            Idea.panel_id == panel.id, Idea.id != idea.id, Idea.status != "merged"
        )
    ).all()
    found = similarity.most_similar(idea.match_text, dict(rows), q["limit"], q["min_score"])
    ideas = {i.id: i for i in session.scalars(select(Idea).where(Idea.id.in_([key for key, _ in found])))}
    return {
        "idea_id": idea.id,
        "candidates": [{"idea": views.idea_ref(ideas[key]), "score": value} for key, value in found],
    }
