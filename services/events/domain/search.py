"""Finding events: upcoming or past, by association, network, programme,
theme, format, language, text and date range; anonymous callers see
published public events only."""
from sqlalchemy import or_, select

from contracts.api import events as schemas
from nabo_common.api.pagination import page
from nabo_common.api.validation import load
from services.events.domain import access, reading
from services.events.domain.common import utcnow
from services.events.models import Event, EventHost, EventTag


def _tagged(kind, value):
    return Event.id.in_(select(EventTag.event_id).where(EventTag.kind == kind, EventTag.value == value))


# the query's keys that narrow a search down beyond upcoming or past
FILTERS = ("association_id", "network_id", "programme_id", "format", "status", "theme", "language", "q",
           "starts_from", "starts_to")


def loaded(query):
    return load(schemas.EventQuery, query)


def filtered(q):
    """Whether the loaded query ``q`` narrows the search down beyond upcoming or past."""
    return any(q.get(key) for key in FILTERS)


def criteria(caller, query):
    """(the query as loaded, the conditions an event of the page meets, the page's order)."""
    return criteria_of(caller, loaded(query))


def criteria_of(caller, q):
    """``criteria`` of the loaded query ``q``."""
    conditions = [access.event_visibility_filter(caller)]
    now = utcnow()
    order = (Event.starts_at, Event.id)
    if q["when"] == "upcoming":
        conditions += [Event.ends_at >= now, Event.status.in_(["published", "draft"])]
    elif q["when"] == "past":
        conditions.append(Event.ends_at < now)
        order = (Event.starts_at.desc(), Event.id)
    if q.get("association_id"):
        conditions.append(
            Event.id.in_(select(EventHost.event_id).where(EventHost.association_id == q["association_id"]))
        )
    for key in ("network_id", "programme_id", "format", "status"):
        if q.get(key):
            conditions.append(getattr(Event, key) == q[key])
    if q.get("theme"):
        conditions.append(_tagged("theme", q["theme"]))
    if q.get("language"):
        conditions.append(_tagged("language", q["language"]))
    if q.get("q"):
        like = f"%{q['q'].lower()}%"
        conditions.append(or_(Event.title_lower.like(like), Event.description.ilike(like)))
    if q.get("starts_from"):
        conditions.append(Event.starts_at >= q["starts_from"])
    if q.get("starts_to"):
        conditions.append(Event.starts_at < q["starts_to"])
    return q, conditions, order


def search(session, caller, query):
    q, conditions, order = criteria(caller, query)
    items, total = reading.event_page(session, caller, conditions, order, q["limit"], q["offset"])
    return page(items, total, q["limit"], q["offset"])
