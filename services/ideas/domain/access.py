"""Who may see and do what with panels (tenant scoping).

A panel belongs to one association. Its admins manage it and act as
facilitators; participants (persons of participating organisations, or
persons added one by one) submit, support and comment; other members of the
association read it when its visibility is ``association``. Anyone else gets
NotFound, so ids cannot be probed across associations. Once a panel has
published its catalogue, the catalogue and the panel's initiatives with their
progress are public (see catalogue.py, initiatives.py).
"""
from sqlalchemy import and_, exists, false, or_, select, true

from contracts.api.ideas import PUBLISHED_PHASES
from nabo_common.api.errors import Forbidden, NotAuthenticated, NotFound
from services.ideas.models import Panel, Participant


def require_authenticated(caller):
    if not caller.authenticated:
        raise NotAuthenticated("Sign in first.")


def is_admin(caller, panel):
    return caller.administers(panel.association_id)


def participation(caller, panel):
    """The caller's participant rows in the panel (by organisation or in person)."""
    if not caller.authenticated or caller.person_id is None:
        return []
    orgs = set(caller.organisation_ids)
    return [
        p
        for p in panel.participants
        if (p.organisation_id and p.organisation_id in orgs)
        or (p.person_id and p.person_id == caller.person_id)
    ]


def is_participant(caller, panel):
    return bool(participation(caller, panel))


def can_read(caller, panel):
    if not caller.authenticated:
        return False
    if is_admin(caller, panel) or is_participant(caller, panel):
        return True
    return panel.visibility == "association" and caller.belongs_to(panel.association_id)


def readable_filter(caller):
    """SQL condition mirroring can_read."""
    if caller.is_privileged:
        return true()
    if not caller.authenticated:
        return false()
    conditions = []
    if caller.admin_of:
        conditions.append(Panel.association_id.in_(list(caller.admin_of)))
    mine = list(caller.visible_associations or ())
    if mine:
        conditions.append(and_(Panel.visibility == "association", Panel.association_id.in_(mine)))
    who = []
    if caller.organisation_ids:
        who.append(Participant.organisation_id.in_(list(caller.organisation_ids)))
    if caller.person_id:
        who.append(Participant.person_id == caller.person_id)
    if who:
        conditions.append(exists(select(Participant.id).where(Participant.panel_id == Panel.id, or_(*who))))
    return or_(*conditions) if conditions else false()


def is_published(panel):
    return panel.phase in PUBLISHED_PHASES


def visible_panel_or_404(session, caller, panel_id):
    """The panel, for anyone once published, else for its readers."""
    panel = session.get(Panel, str(panel_id)) if panel_id else None
    if panel is None or not (is_published(panel) or can_read(caller, panel)):
        raise NotFound("Panel {panel_id} not found.", panel_id=panel_id)
    return panel


def readable_panel_or_404(session, caller, panel_id):
    require_authenticated(caller)
    panel = session.get(Panel, str(panel_id)) if panel_id else None
    if panel is None or not can_read(caller, panel):
        raise NotFound("Panel {panel_id} not found.", panel_id=panel_id)
    return panel


def require_admin(caller, panel):
    if not is_admin(caller, panel):
        raise Forbidden("Only an admin of the panel's association may do this.")


def require_participant_or_admin(caller, panel):
    if not (is_admin(caller, panel) or is_participant(caller, panel)):
        raise Forbidden("Only the panel's participants and facilitators may do this.")


def readable_part_or_404(session, caller, model, id_, what, public_once_published=False):
    """An idea or initiative and its panel, if the caller may read the panel (or, with
    ``public_once_published``, the panel is published)."""
    if not public_once_published:
        require_authenticated(caller)
    part = session.get(model, str(id_)) if id_ else None
    panel = session.get(Panel, part.panel_id) if part else None
    visible = panel is not None and (
        can_read(caller, panel) or (public_once_published and is_published(panel))
    )
    if not visible:
        raise NotFound("{what} {id} not found.", what=what, id=id_)
    return part, panel
