"""Panel rounds: theme and sub-themes, phases with dates, participants and meetings."""
from datetime import datetime, timezone

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from contracts.api import ideas as schemas
from nabo_common.api.errors import Conflict, Forbidden, NotFound, ValidationFailed
from nabo_common.api.pagination import MAX_LIMIT, PageQuery, page, paginate
from nabo_common.api.validation import dump, load
from services.ideas.domain import access, similarity
from services.ideas.domain.common import idempotent_calls, publish
from services.ideas.models import Idea, Meeting, Panel, Participant, PhaseChange, SubTheme

EDITABLE = ("title", "theme", "theme_id", "description", "language", "time_zone", "visibility")


def _plan(phases):
    return [{"phase": p["phase"], "starts_on": p["starts_on"].isoformat(),
             "ends_on": p["ends_on"].isoformat() if p.get("ends_on") else None} for p in phases]


def _event_data(panel, changed=()):
    return {
        "panel_id": panel.id,
        "association_id": panel.association_id,
        "year": panel.year,
        "title": panel.title,
        "theme": panel.theme,
        "language": panel.language,
        "phase": panel.phase,
        "sub_themes": [{"key": s.key, "name": s.name} for s in panel.sub_themes],
        "changed": sorted(changed),
    }


def view(session, panel):
    data = dump(schemas.Panel, panel)
    data["participant_count"] = len(panel.participants)
    data["idea_count"] = session.scalar(
        select(func.count()).select_from(Idea).where(Idea.panel_id == panel.id)
    )
    return data


def create(session, caller, payload, directory, call_key=None):
    """Open a panel; ``directory`` confirms in the members service that a
    platform admin's chosen association exists."""
    access.require_authenticated(caller)
    data = load(schemas.PanelCreate, payload)
    association_id = data.pop("association_id", None)
    if association_id is None:
        if len(caller.admin_of) != 1:
            raise ValidationFailed(
                "Say which association runs the panel.",
                {"association_id": ["Missing data for required field."]},
            )
        association_id = caller.admin_of[0]
    if not caller.administers(association_id):
        raise Forbidden("Only an admin of the association may open a panel.")
    # an admin's own associations come signed in their context; any other id is a platform admin's choice
    if association_id not in caller.admin_of and directory.association(association_id) is None:
        raise ValidationFailed("Unknown association.", {"association_id": ["No such association."]})

    def write():
        panel = Panel(
            association_id=association_id,
            created_by_person_id=caller.person_id,
            phase_plan=_plan(data.pop("phases")),
            **{k: v for k, v in data.items() if k != "sub_themes"},
        )
        panel.sub_themes = [SubTheme(position=i, **s) for i, s in enumerate(data["sub_themes"])]
        panel.phase_changes = [
            PhaseChange(from_phase=None, to_phase="preparing", by_person_id=caller.person_id)
        ]
        session.add(panel)
        session.flush()
        publish(session, "panel.created", _event_data(panel), caller, association_id)
        return view(session, panel)

    with session.begin():
        return idempotent_calls.once(session, call_key, "create_panel", write)


def get(session, caller, panel_id):
    return view(session, access.readable_panel_or_404(session, caller, panel_id))


def _replace_sub_themes(session, panel, wanted):
    by_key = {s.key: s for s in panel.sub_themes}
    wanted_keys = {w["key"] for w in wanted}
    for key, sub in by_key.items():
        if key not in wanted_keys and session.scalar(
            select(Idea.id).where(Idea.sub_theme_id == sub.id).limit(1)
        ):
            raise Conflict("Sub-theme '{key}' has ideas; move them before removing it.", key=key)
    kept = []
    for i, w in enumerate(wanted):
        sub = by_key.get(w["key"]) or SubTheme(key=w["key"])
        sub.name, sub.theme_id, sub.position = w["name"], w.get("theme_id"), i
        kept.append(sub)
    panel.sub_themes = kept


def update(session, caller, panel_id, payload):
    data = load(schemas.PanelUpdate, payload)
    with session.begin():
        panel = access.readable_panel_or_404(session, caller, panel_id)
        access.require_admin(caller, panel)
        changed = {k for k in EDITABLE if k in data and getattr(panel, k) != data[k]}
        for key in changed:
            setattr(panel, key, data[key])
        if "phases" in data and _plan(data["phases"]) != panel.phase_plan:
            panel.phase_plan = _plan(data["phases"])
            changed.add("phases")
        if "sub_themes" in data:
            before = [(s.key, s.name, s.theme_id) for s in panel.sub_themes]
            _replace_sub_themes(session, panel, data["sub_themes"])
            if before != [(s["key"], s["name"], s.get("theme_id")) for s in data["sub_themes"]]:
                changed.add("sub_themes")
        if "language" in changed:
            similarity.refresh_match_texts(session, panel)
        session.flush()
        if changed:
            publish(session, "panel.updated", _event_data(panel, changed), caller, panel.association_id)
    return view(session, panel)


def search(session, caller, query):
    access.require_authenticated(caller)
    q = load(schemas.PanelQuery, query)
    stmt = select(Panel).where(access.readable_filter(caller))
    for name in ("association_id", "year", "phase"):
        if q.get(name) is not None:
            stmt = stmt.where(getattr(Panel, name) == q[name])
    rows, total = paginate(
        session, stmt.order_by(Panel.year.desc(), Panel.title, Panel.id), q["limit"], q["offset"]
    )
    return page([view(session, p) for p in rows], total, q["limit"], q["offset"])


def transition(session, caller, panel_id, payload):
    data = load(schemas.PanelTransition, payload)
    with session.begin():
        panel = access.readable_panel_or_404(session, caller, panel_id)
        access.require_admin(caller, panel)
        if data["to"] == panel.phase:
            raise Conflict("The panel is in phase {phase} already.", phase=panel.phase)
        previous = panel.phase
        panel.phase = data["to"]
        panel.phase_changes.append(
            PhaseChange(
                from_phase=previous,
                to_phase=panel.phase,
                note=data.get("note"),
                by_person_id=caller.person_id,
            )
        )
        if panel.phase in schemas.PUBLISHED_PHASES and panel.catalogue_published_at is None:
            panel.catalogue_published_at = datetime.now(timezone.utc)
        session.flush()
        publish(
            session,
            "panel.phase_changed",
            {
                "panel_id": panel.id,
                "association_id": panel.association_id,
                "title": panel.title,
                "phase": panel.phase,
                "previous_phase": previous,
                "participant_organisation_ids": [
                    p.organisation_id for p in panel.participants if p.organisation_id
                ],
                "participant_person_ids": [p.person_id for p in panel.participants if p.person_id],
            },
            caller,
            panel.association_id,
        )
    return view(session, panel)


# --- participants ------------------------------------------------------------------


def add_participants(session, caller, panel_id, payload, directory):
    """Add organisations and persons; ``directory`` looks them up in the members
    service as the caller, so only ones the admin may see can be added."""
    data = load(schemas.ParticipantsAdd, payload)
    panel = access.readable_panel_or_404(session, caller, panel_id)
    access.require_admin(caller, panel)
    present_orgs = {p.organisation_id for p in panel.participants}
    present_persons = {p.person_id for p in panel.participants}
    panel_id = panel.id
    session.rollback()  # end the read; no database connection is held while waiting for the look-ups
    new_orgs = [i for i in data["organisation_ids"] if i not in present_orgs]
    new_persons = [i for i in data["person_ids"] if i not in present_persons]
    found, unknown = [], {}
    for org_id in new_orgs:
        org = directory.organisation(org_id)
        if org is None:
            unknown.setdefault("organisation_ids", {})[data["organisation_ids"].index(org_id)] = [
                "No such organisation."
            ]
        else:
            found.append(Participant(organisation_id=org_id, name=org["name"], role=data["role"]))
    for person_id in new_persons:
        person = directory.person(person_id)
        if person is None:
            unknown.setdefault("person_ids", {})[data["person_ids"].index(person_id)] = ["No such person."]
        else:
            found.append(Participant(person_id=person_id, name=person["name"], role=data["role"]))
    if unknown:
        raise ValidationFailed("Some participants are unknown (or not visible to you).", unknown)
    with session.begin():
        panel = session.get(Panel, panel_id)
        for participant in found:
            participant.panel_id = panel.id
            session.add(participant)
        try:
            session.flush()
        except IntegrityError:
            raise Conflict("Someone added the same participants at the same time; try again.") from None
        if found:
            publish(
                session,
                "panel.participants_added",
                {
                    "panel_id": panel.id,
                    "association_id": panel.association_id,
                    "title": panel.title,
                    "organisation_ids": [p.organisation_id for p in found if p.organisation_id],
                    "person_ids": [p.person_id for p in found if p.person_id],
                },
                caller,
                panel.association_id,
            )
        session.expire(panel, ["participants"])
    return participants(session, caller, panel.id, {"limit": MAX_LIMIT})


def participants(session, caller, panel_id, query):
    q = load(PageQuery, query)
    panel = access.readable_panel_or_404(session, caller, panel_id)
    stmt = (
        select(Participant)
        .where(Participant.panel_id == panel.id)
        .order_by(Participant.added_at, Participant.id)
    )
    rows, total = paginate(session, stmt, q["limit"], q["offset"])
    return page(dump(schemas.PanelParticipant, rows, many=True), total, q["limit"], q["offset"])


def remove_participant(session, caller, panel_id, participant_id):
    with session.begin():
        panel = access.readable_panel_or_404(session, caller, panel_id)
        access.require_admin(caller, panel)
        row = next((p for p in panel.participants if p.id == participant_id), None)
        if row is None:
            raise NotFound("Participant {participant_id} not found.", participant_id=participant_id)
        panel.participants.remove(row)
    return None


# --- meetings --------------------------------------------------------------------------


def add_meeting(session, caller, panel_id, payload):
    data = load(schemas.MeetingCreate, payload)
    with session.begin():
        panel = access.readable_panel_or_404(session, caller, panel_id)
        access.require_admin(caller, panel)
        if data.get("event_id") and any(m.event_id == data["event_id"] for m in panel.meetings):
            raise Conflict("This event is a meeting of the panel already.")
        meeting = Meeting(position=len(panel.meetings), **data)
        panel.meetings.append(meeting)
        session.flush()
        publish(session, "panel.updated", _event_data(panel, {"meetings"}), caller, panel.association_id)
    return dump(schemas.PanelMeeting, meeting)
