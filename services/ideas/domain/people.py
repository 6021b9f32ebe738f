"""What the ideas service knows about persons and organisations from the
members service's events (names to show, which organisations a person acts
for), and the GDPR duties: export and erasure by anonymisation."""
from sqlalchemy import delete, or_, select, update

from contracts.api import ideas as schemas
from nabo_common.api.moments import utc_text
from nabo_common.api.validation import dump
from nabo_common.messaging import outbox
from services.ideas.domain import access
from services.ideas.models import (
    Comment,
    Decision,
    Idea,
    OrganisationCard,
    OutboxEvent,
    Panel,
    Participant,
    PersonCard,
    PhaseChange,
    ProgressUpdate,
    StatusChange,
    Support,
)


def apply_person(session, data):
    """person.created / person.updated: keep the card and participant names current."""
    card = session.get(PersonCard, data["person_id"])
    if card is None:
        card = PersonCard(person_id=data["person_id"])
        session.add(card)
    if card.erased:
        return card
    roles = data.get("roles") or []
    card.name = data["name"]
    card.language = data["language"]
    card.home_association_id = data.get("home_association_id")
    card.organisation_ids = sorted({r["scope_id"] for r in roles if r["scope"] == "organisation"})
    card.admin_of = sorted({r["scope_id"] for r in roles if r["scope"] == "association"})
    session.execute(update(Participant).where(Participant.person_id == card.person_id).values(name=card.name))
    return card


def apply_organisation(session, data):
    """organisation.created / organisation.updated: the card and participant rows show the current name."""
    card = session.get(OrganisationCard, data["organisation_id"])
    if card is None:
        card = OrganisationCard(organisation_id=data["organisation_id"])
        session.add(card)
    card.name = data["name"]
    session.execute(
        update(Participant)
        .where(Participant.organisation_id == data["organisation_id"])
        .values(name=data["name"])
    )


def erase_person(session, person_id):
    """person.erased: authorship is anonymised; ideas, supports and their counts stay, and so does what
    is the organisations' (the organisation a support was given for, with its name)."""
    card = session.get(PersonCard, person_id)
    if card is None:
        card = PersonCard(person_id=person_id, name="")
        session.add(card)
    card.name, card.home_association_id, card.organisation_ids, card.admin_of = "", None, [], []
    card.erased = True  # a late person.updated must not bring the name back
    outbox.forget_published(session, OutboxEvent, (person_id,))
    session.execute(
        update(Idea).where(Idea.submitter_person_id == person_id).values(submitter_person_id=None)
    )
    session.execute(
        update(Idea).where(Idea.recorded_by_person_id == person_id).values(recorded_by_person_id=None)
    )
    session.execute(update(Support).where(Support.person_id == person_id).values(person_id=None))
    session.execute(update(Comment).where(Comment.person_id == person_id).values(person_id=None))
    session.execute(
        update(StatusChange).where(StatusChange.by_person_id == person_id).values(by_person_id=None)
    )
    session.execute(
        update(PhaseChange).where(PhaseChange.by_person_id == person_id).values(by_person_id=None)
    )
    session.execute(
        update(ProgressUpdate).where(ProgressUpdate.by_person_id == person_id).values(by_person_id=None)
    )
    session.execute(
        update(Decision).where(Decision.recorded_by_person_id == person_id).values(recorded_by_person_id=None)
    )
    session.execute(
        update(Panel).where(Panel.created_by_person_id == person_id).values(created_by_person_id=None)
    )
    session.execute(delete(Participant).where(Participant.person_id == person_id))


def _scope(caller, person_id):
    """Associations whose records the caller may export: all for the person
    themself and platform admins, otherwise those the caller administers."""
    if caller.is_privileged or caller.person_id == person_id:
        return None
    return list(caller.admin_of)


def export(session, caller, person_id):
    access.require_authenticated(caller)
    associations = _scope(caller, person_id)

    def scoped(stmt, association_column):
        return stmt if associations is None else stmt.where(association_column.in_(associations))

    ideas = session.scalars(
        scoped(
            select(Idea).where(
                or_(Idea.submitter_person_id == person_id, Idea.recorded_by_person_id == person_id)
            ),
            Idea.association_id,
        ).order_by(Idea.created_at)
    ).all()
    supports = session.execute(
        scoped(
            select(Support, Idea)
            .join(Idea, Support.idea_id == Idea.id)
            .where(Support.person_id == person_id),
            Idea.association_id,
        ).order_by(Support.created_at)
    ).all()
    comments = session.execute(
        scoped(
            select(Comment, Idea)
            .join(Idea, Comment.idea_id == Idea.id)
            .where(Comment.person_id == person_id),
            Idea.association_id,
        ).order_by(Comment.created_at)
    ).all()
    participations = session.execute(
        scoped(
            select(Participant, Panel).join(Panel).where(Participant.person_id == person_id),
            Panel.association_id,
        )
    ).all()
    card = session.get(PersonCard, person_id)
    return {
        "service": "ideas",
        "person": {"name": card.name, "language": card.language} if card and not card.erased else None,
        "ideas": [
            dict(
                dump(schemas.Idea, i),
                submitted_by_person=i.submitter_person_id == person_id,
                recorded_by_person=i.recorded_by_person_id == person_id,
            )
            for i in ideas
        ],
        "supports": [
            {
                "idea_id": i.id,
                "idea_title": i.title,
                "organisation_id": s.organisation_id,
                "created_at": utc_text(s.created_at),
            }
            for s, i in supports
        ],
        "comments": [
            {
                "id": c.id,
                "idea_id": i.id,
                "idea_title": i.title,
                "body": c.body,
                "created_at": utc_text(c.created_at),
            }
            for c, i in comments
        ],
        "panels": [
            {"panel_id": panel.id, "title": panel.title, "role": p.role, "added_at": utc_text(p.added_at)}
            for p, panel in participations
        ],
    }
