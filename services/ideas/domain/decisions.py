"""Decisions: the committee's treatment of a panel's ideas, recorded on the panel and on each idea."""
from sqlalchemy import select

from contracts.api import ideas as schemas
from nabo_common.api.errors import ValidationFailed
from nabo_common.api.pagination import PageQuery, page, paginate
from nabo_common.api.validation import dump, load
from services.ideas.domain import access
from services.ideas.domain.common import publish
from services.ideas.models import Decision, DecisionIdea, Idea


def panel_idea_ids(session, panel, idea_ids, field):
    """Check every id names an idea of the panel; ValidationFailed names the bad ones."""
    found = set(
        session.scalars(select(Idea.id).where(Idea.panel_id == panel.id, Idea.id.in_(list(idea_ids))))
    )
    bad = {index: ["No such idea in this panel."] for index, i in enumerate(idea_ids) if i not in found}
    if bad:
        raise ValidationFailed("Some ideas are not in this panel.", {field: bad})


def record(session, caller, panel_id, payload):
    data = load(schemas.DecisionCreate, payload)
    with session.begin():
        panel = access.readable_panel_or_404(session, caller, panel_id)
        access.require_admin(caller, panel)
        panel_idea_ids(session, panel, [i["idea_id"] for i in data["ideas"]], "ideas")
        decision = Decision(
            panel_id=panel.id,
            decided_on=data["decided_on"],
            body=data["body"],
            text=data["text"],
            recorded_by_person_id=caller.person_id,
        )
        decision.ideas = [DecisionIdea(idea_id=i["idea_id"], note=i.get("note")) for i in data["ideas"]]
        session.add(decision)
        session.flush()
        publish(
            session,
            "decision.recorded",
            {
                "decision_id": decision.id,
                "panel_id": panel.id,
                "association_id": panel.association_id,
                "decided_on": decision.decided_on.isoformat(),
                "body": decision.body,
                "text": decision.text,
                "idea_ids": [i.idea_id for i in decision.ideas],
            },
            caller,
            panel.association_id,
        )
    return dump(schemas.PanelDecision, decision)


def search(session, caller, panel_id, query):
    q = load(PageQuery, query)
    panel = access.readable_panel_or_404(session, caller, panel_id)
    stmt = (
        select(Decision)
        .where(Decision.panel_id == panel.id)
        .order_by(Decision.decided_on, Decision.created_at)
    )
    rows, total = paginate(session, stmt, q["limit"], q["offset"])
    return page(dump(schemas.PanelDecision, rows, many=True), total, q["limit"], q["offset"])
