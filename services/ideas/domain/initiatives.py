"""Initiatives: what ideas became. Owner, partners, status, dates and dated
progress updates that every participant can follow: once the panel's
catalogue is published, without an account too."""
from sqlalchemy import select

from contracts.api import ideas as schemas
from nabo_common.api.errors import Conflict, ValidationFailed
from nabo_common.api.pagination import page, paginate
from nabo_common.api.validation import dump, load
from services.ideas.domain import access, views
from services.ideas.domain.common import publish, today_in
from services.ideas.domain.decisions import panel_idea_ids
from services.ideas.models import Idea, Initiative, InitiativeIdea, ProgressUpdate

EDITABLE = ("title", "description", "owner", "partners", "starts_on", "ends_on")
# which status may follow which
NEXT_STATUSES = {"planned": {"launched", "stopped"}, "launched": {"completed", "stopped"},
                 "completed": set(), "stopped": {"planned", "launched"}}


def initiative_or_404(session, caller, initiative_id, public_once_published=False):
    return access.readable_part_or_404(session, caller, Initiative, initiative_id, "Initiative",
                                       public_once_published)


def _event_data(initiative):
    return {
        "initiative_id": initiative.id,
        "panel_id": initiative.panel_id,
        "association_id": initiative.association_id,
        "title": initiative.title,
        "status": initiative.status,
        "idea_ids": [i.idea_id for i in initiative.ideas],
        "owner": initiative.owner,
    }


def view(session, initiative):
    data = dump(schemas.Initiative, initiative)
    ids = [i.idea_id for i in initiative.ideas]
    ideas = session.scalars(select(Idea).where(Idea.id.in_(ids)).order_by(Idea.title)).all() if ids else []
    data["ideas"] = [views.idea_ref(i) for i in ideas]
    return data


def create(session, caller, panel_id, payload):
    data = load(schemas.InitiativeCreate, payload)
    with session.begin():
        panel = access.readable_panel_or_404(session, caller, panel_id)
        access.require_admin(caller, panel)
        panel_idea_ids(session, panel, data["idea_ids"], "idea_ids")
        initiative = Initiative(
            panel_id=panel.id,
            association_id=panel.association_id,
            **{k: data[k] for k in EDITABLE + ("status",) if k in data},
        )
        initiative.ideas = [InitiativeIdea(idea_id=i) for i in data["idea_ids"]]
        session.add(initiative)
        session.flush()
        publish(session, "initiative.created", _event_data(initiative), caller, panel.association_id)
        if initiative.status == "launched":
            publish(session, "initiative.launched", _event_data(initiative), caller, panel.association_id)
    return view(session, initiative)


def get(session, caller, initiative_id):
    initiative, _panel = initiative_or_404(session, caller, initiative_id, public_once_published=True)
    return view(session, initiative)


def search(session, caller, panel_id, query):
    q = load(schemas.InitiativeQuery, query)
    panel = access.visible_panel_or_404(session, caller, panel_id)
    stmt = select(Initiative).where(Initiative.panel_id == panel.id)
    if q.get("status"):
        stmt = stmt.where(Initiative.status == q["status"])
    rows, total = paginate(
        session, stmt.order_by(Initiative.created_at, Initiative.id), q["limit"], q["offset"]
    )
    return page([view(session, i) for i in rows], total, q["limit"], q["offset"])


def update(session, caller, initiative_id, payload):
    data = load(schemas.InitiativeUpdate, payload)
    with session.begin():
        initiative, panel = initiative_or_404(session, caller, initiative_id)
        access.require_admin(caller, panel)
        for key in EDITABLE:
            if key in data:
                setattr(initiative, key, data[key])
        if initiative.starts_on and initiative.ends_on and initiative.ends_on < initiative.starts_on:
            raise ValidationFailed(
                "The initiative would end before it starts.",
                {"ends_on": ["ends_on must not be before starts_on."]},
            )
        publish(session, "initiative.updated", _event_data(initiative), caller, panel.association_id)
    return view(session, initiative)


def add_progress(session, caller, initiative_id, payload):
    data = load(schemas.ProgressCreate, payload)
    with session.begin():
        initiative, panel = initiative_or_404(session, caller, initiative_id)
        access.require_admin(caller, panel)
        previous = initiative.status
        status = data.get("status", previous)
        if status != previous and status not in NEXT_STATUSES[previous]:
            raise Conflict("A {previous} initiative cannot become {status}.",
                           previous=previous, status=status)
        update = ProgressUpdate(
            reported_on=data.get("reported_on") or today_in(panel.time_zone),
            text=data["text"],
            status=status,
            by_person_id=caller.person_id,
        )
        initiative.progress.append(update)
        initiative.status = status
        session.flush()
        publish(
            session,
            "initiative.progress_updated",
            dict(
                _event_data(initiative),
                progress_id=update.id,
                reported_on=update.reported_on.isoformat(),
                text=update.text,
                previous_status=previous,
            ),
            caller,
            panel.association_id,
        )
        if status == "launched" and previous != "launched":
            publish(session, "initiative.launched", _event_data(initiative), caller, panel.association_id)
    return view(session, initiative)
