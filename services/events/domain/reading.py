"""Event views for reads, straight from rows.

Reading one event or a page of events through the ORM took five or six
queries (the events, their hosts, their tags, the seat counts, the caller's
registrations, the total) and built an ORM object per row. Here one event is
one query: the event with its seat counts, the caller's registration, its
hosts and its tags. A page is two: the events with their seat counts, the
caller's registration and the total (a window count) in one, then the hosts
and tags of all of them in one.
Writes keep using the ORM objects, which they lock and change.
"""
from types import SimpleNamespace

from sqlalchemy import JSON, bindparam, func, literal, select, union_all
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from services.events.domain import access
from services.events.domain.views import ACTIVE, render_views
from services.events.models import Event, EventHost, EventTag, Registration

EVENT_COLUMNS = tuple(Event.__table__.columns)
# a view row starts with the event's columns in this order (VIEW_COLUMNS)
EVENT_KEYS = tuple(c.key for c in EVENT_COLUMNS)


class _JsonFunction(FunctionElement):
    """A JSON function that PostgreSQL and SQLite spell differently (``spelling``: {dialect: name})."""

    type = JSON()
    inherit_cache = True
    spelling = {}


@compiles(_JsonFunction)
def _spelled_for_the_dialect(element, compiler, **kw):
    return f"{element.spelling[compiler.dialect.name]}({compiler.process(element.clauses, **kw)})"


class json_list(_JsonFunction):
    """The aggregate of a column as one JSON array. Of no rows it is NULL on PostgreSQL, [] on SQLite."""

    inherit_cache = True  # each subclass must say so, or SQLAlchemy compiles every statement with it anew
    spelling = {"postgresql": "json_agg", "sqlite": "json_group_array"}


class json_pair(_JsonFunction):
    """[a, b] as a JSON array."""

    inherit_cache = True
    spelling = {"postgresql": "json_build_array", "sqlite": "json_array"}


def _registrations(status):
    return (select(func.count()).select_from(Registration)
            .where(Registration.event_id == Event.id, Registration.status == status)
            .correlate(Event).scalar_subquery())


def _tags(kind):
    """The event's tags of one kind as [[position, value], ...], in no order (the order is kept in Python)."""
    return (select(json_list(json_pair(EventTag.position, EventTag.value)))
            .where(EventTag.event_id == Event.id, EventTag.kind == kind).correlate(Event).scalar_subquery())


# built once: constructing these expressions cost more than running them
VIEW_COLUMNS = (
    *EVENT_COLUMNS,
    _registrations(ACTIVE[0]).label("_confirmed"),
    _registrations(ACTIVE[1]).label("_waitlisted"),
    # the caller's confirmed registration (NULL for anonymous callers matches nothing)
    select(Registration.id)
    .where(
        Registration.event_id == Event.id,
        Registration.person_id == bindparam("person_id"),
        Registration.status == "confirmed",
    )
    .correlate(Event)
    .exists()
    .label("_registered"),
)
# One event brings its hosts and tags on its row as JSON arrays: one round trip instead of two. A page
# asks for them in a second query instead: parsing a JSON value per row costs more than that one round
# trip saves.
ONE_EVENT = select(
    *VIEW_COLUMNS,
    select(json_list(EventHost.association_id))
    .where(EventHost.event_id == Event.id)
    .correlate(Event)
    .scalar_subquery()
    .label("_hosts"),
    _tags("theme").label("_themes"),
    _tags("language").label("_languages"),
).where(Event.id == bindparam("event_id"))
HOSTS_AND_TAGS = union_all(
    select(
        EventHost.event_id,
        literal("host").label("kind"),
        EventHost.association_id.label("value"),
        literal(0).label("position"),
    ).where(EventHost.event_id.in_(bindparam("event_ids", expanding=True))),
    select(EventTag.event_id, EventTag.kind, EventTag.value, EventTag.position).where(
        EventTag.event_id.in_(bindparam("event_ids", expanding=True))
    ),
)


def _hosts_and_tags(session, event_ids):
    """{event id: (association ids, themes, languages)} of many events in one round trip."""
    if not event_ids:
        return {}
    found = {event_id: {"host": [], "theme": [], "language": []} for event_id in event_ids}
    rows = session.execute(HOSTS_AND_TAGS, {"event_ids": list(event_ids)}).all()
    # hosts all have position 0, so this puts them in id order and the tags in theirs
    for event_id, kind, value, _position in sorted(rows, key=lambda r: (r.position, r.value)):
        found[event_id].setdefault(kind, []).append(value)
    return {event_id: (kinds["host"], kinds["theme"], kinds["language"]) for event_id, kinds in found.items()}


def _in_order(pairs):
    return [value for _, value in sorted(pairs or ())]


def _own_hosts_and_tags(row):
    """A ONE_EVENT row's hosts and tags, in the order _hosts_and_tags gives them."""
    return sorted(row._hosts or ()), _in_order(row._themes), _in_order(row._languages)


def _records(rows, related):
    """Plain objects with the attributes an ORM Event offers the view, from view rows and
    ``related``: {event id: (association ids, themes, languages)}."""
    records = []
    for row in rows:
        # by position: looking each column up by name on the row was a twelfth of a page's CPU
        record = SimpleNamespace(**dict(zip(EVENT_KEYS, row)))
        record.association_ids, record.themes, record.languages = related[row.id]
        record.seat_counts = {"confirmed": row._confirmed, "waitlisted": row._waitlisted}
        record.registered = bool(row._registered)
        records.append(record)
    return records


def event_view(session, caller, event_id):
    """One event as ``caller`` sees it; NotFound when it does not exist or is hidden from them."""
    rows = (
        session.execute(ONE_EVENT, {"event_id": str(event_id), "person_id": caller.person_id}).all()
        if event_id
        else []
    )
    records = _records(rows, {row.id: _own_hosts_and_tags(row) for row in rows})
    if not records or not access.can_see_event(caller, records[0]):
        access.not_found(event_id)
    return _rendered(caller, records)[0]


def event_page(session, caller, conditions, order, limit, offset):
    """(views, total) of one page of the events matching ``conditions``."""
    # the page is chosen, and the matches counted, on the ids alone; only its rows are then read whole
    # (the window count held every matching row, description and all, to sort it)
    page_ids = (
        select(Event.id, func.count().over().label("_total"))
        .where(*conditions)
        .order_by(*order)
        .limit(limit)
        .offset(offset or None)
        .subquery()
    )
    stmt = select(*VIEW_COLUMNS, page_ids.c._total).join(page_ids, page_ids.c.id == Event.id).order_by(*order)
    rows = session.execute(stmt, {"person_id": caller.person_id}).all()
    total = page_total(session, rows, conditions)
    return _rendered(caller, _records(rows, _hosts_and_tags(session, [row.id for row in rows]))), total


def page_total(session, rows, conditions):
    """How many events match ``conditions``: the window count each row of the page ends with, or, with
    no row to ride on (past the end, or nothing at all), a count of its own."""
    if rows:
        return rows[0][-1]
    return session.scalar(select(func.count()).select_from(Event).where(*conditions))


def _rendered(caller, records):
    return render_views(
        caller, records, {r.id: r.seat_counts for r in records}, {r.id for r in records if r.registered}
    )
