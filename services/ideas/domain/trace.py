""""What happened to my idea?": its status history, the idea it was merged
into (followed to the end), the ideas merged into it, the decisions that
treated it and the initiatives it became, with their latest progress."""
from sqlalchemy import select

from contracts.api import ideas as schemas
from nabo_common.api.validation import dump
from services.ideas.models import Decision, DecisionIdea, Idea, Initiative, InitiativeIdea

MAX_MERGE_CHAIN = 50


def merge_chain(session, idea):
    """The idea and every idea it was merged into, in order."""
    chain = [idea]
    while chain[-1].merged_into_id and len(chain) < MAX_MERGE_CHAIN:
        chain.append(session.get(Idea, chain[-1].merged_into_id))
    return chain


def latest_progress(initiative):
    return initiative.progress[-1] if initiative.progress else None


def initiative_ref(initiative):
    """An initiative as an idea's page shows it: where it stands, and where to follow its progress."""
    return {
        "id": initiative.id,
        "title": initiative.title,
        "status": initiative.status,
        "latest_progress": latest_progress(initiative),
        "href": schemas.INITIATIVE_PATH.format(id=initiative.id),
    }


def initiatives_of(session, idea_ids):
    if not idea_ids:
        return []
    linked = select(InitiativeIdea.initiative_id).where(InitiativeIdea.idea_id.in_(list(idea_ids)))
    return session.scalars(
        select(Initiative).where(Initiative.id.in_(linked)).order_by(Initiative.created_at, Initiative.id)
    ).all()


def of(session, idea):
    chain = merge_chain(session, idea)
    ids = [i.id for i in chain]
    decisions = session.execute(
        select(Decision, DecisionIdea.note)
        .join(DecisionIdea)
        .where(DecisionIdea.idea_id.in_(ids))
        .order_by(Decision.decided_on, Decision.created_at)
    ).all()
    seen, decision_refs = set(), []
    for decision, note in decisions:
        if decision.id not in seen:
            seen.add(decision.id)
            decision_refs.append(
                {
                    "id": decision.id,
                    "decided_on": decision.decided_on,
                    "body": decision.body,
                    "text": decision.text,
                    "note": note,
                }
            )
    merged_from = session.scalars(
        select(Idea).where(Idea.merged_into_id == idea.id).order_by(Idea.title)
    ).all()
    return dump(
        schemas.IdeaTrace,
        {
            "status_history": idea.status_changes,
            "merged_into": {"id": chain[-1].id, "title": chain[-1].title, "status": chain[-1].status}
            if len(chain) > 1
            else None,
            "merged_from": [{"id": i.id, "title": i.title, "status": i.status} for i in merged_from],
            "decisions": decision_refs,
            "initiatives": [initiative_ref(i) for i in initiatives_of(session, ids)],
        },
    )
