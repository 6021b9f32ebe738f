"""A page of events as JSON text, written by PostgreSQL in the bytes the gateway would write.

On PostgreSQL the page is chosen as ``reading.event_page`` chooses it (``search.criteria``: the filters
and what the caller may see; the ids, the total as a window count), the host companies of its venues are
named as the reader may see them (only the members service knows: ``names.organisation``), and one
prepared statement, planned once per connection, writes the events of the page as ``view_text`` writes
an event's view. The text crosses the service and the gateway as it is. The names are given to the
statement as a JSON parameter, so the page is written once, with no reading back.

On any other database (SQLite under ``make run``) the page is ``search.search``'s, named by
``names.name_host_companies`` and written out by the same JSON codec as every reply. Both give the same
bytes; tests/integration/events/test_event_pages.py compares them.
"""
from sqlalchemy import func, select, text

from nabo_common.persistence import db
from nabo_common.persistence.prepared import PreparedStatement
from nabo_common.runtime.jsoncodec import http_dumps
from services.events.domain import listing, reading, search
from services.events.domain import names as naming
from services.events.domain.view_text import ITEM, PARAMETER_TYPES, PER_EVENT, parameters
from services.events.models import Event

# the events of the page (``ids``, in the page's order) as a JSON array
EVENTS = text(f"""SELECT '[' || coalesce(string_agg({ITEM}, ',' ORDER BY p.n), '') || ']'
FROM unnest(:ids) WITH ORDINALITY AS p(id, n) JOIN events e ON e.id = p.id
{PER_EVENT}""")
PREPARED = PreparedStatement(EVENTS, {"ids": "text[]", **PARAMETER_TYPES})


def _page(session, caller, query):
    """(rows of id and venue host company, total, limit, offset) of the page, chosen and counted as
    ``reading.event_page`` chooses and counts it (a listing with no filter by a prepared statement)."""
    q = search.loaded(query)
    if not search.filtered(q):
        rows = listing.page_rows(session, caller, q)
        if rows:  # past the end, the total is counted on its own below
            return rows, rows[0][-1], q["limit"], q["offset"]
    _, conditions, order = search.criteria_of(caller, q)
    rows = session.execute(
        select(Event.id, Event.venue_organisation_id, func.count().over())
        .where(*conditions).order_by(*order).limit(q["limit"]).offset(q["offset"] or None)
    ).all()
    return rows, reading.page_total(session, rows, conditions), q["limit"], q["offset"]


def search_json(session, caller, query, names):
    """``search.search`` with its venues' host companies named by ``names``
    (``names.name_host_companies``), as JSON text."""
    if not db.on_postgresql(session):
        found = search.search(session, caller, query)
        naming.name_host_companies(found["items"], names)
        return http_dumps(found).decode()
    rows, total, limit, offset = _page(session, caller, query)
    items = "[]"
    if rows:
        hosts = dict.fromkeys(host for _, host, _ in rows if host)
        named = {host: name for host, name in ((host, names.organisation(host)) for host in hosts) if name}
        items = PREPARED.scalar(session, {"ids": [row[0] for row in rows], **parameters(caller, named)})
    return f'{{"items":{items},"total":{total},"limit":{limit},"offset":{offset}}}'
