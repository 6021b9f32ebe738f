"""One event as JSON text, written by PostgreSQL in the bytes the gateway would write.

On PostgreSQL one prepared statement, planned once per connection, writes the event's view as
``view_text`` writes it, beside what deciding whether the caller sees it takes (``access.can_see_event``:
its status, visibility and associations) and the host company of its venue. A venue at a host company
is named as the reader may see the company (only the members service knows: ``names.organisation``),
asked only once the event is known to be seen; where that name is not the one the organiser's choice
stored, the statement writes the event again with it. The text crosses the service and the gateway as
it is.

On any other database (SQLite under ``make run``) the event is ``reading.event_view``'s, named by
``names.name_host_companies`` and written out by the same JSON codec as every reply. Both give the same
bytes; tests/integration/events/test_event_pages.py compares them.
"""
from types import SimpleNamespace

from sqlalchemy import text

from nabo_common.persistence import db
from nabo_common.persistence.prepared import PreparedStatement
from nabo_common.runtime.jsoncodec import http_dumps
from services.events.domain import access, reading
from services.events.domain import names as naming
from services.events.domain.view_text import ITEM, PARAMETER_TYPES, PER_EVENT, names_parameter, parameters

EVENT = text(f"""SELECT {ITEM}, e.status, e.visibility,
    ARRAY(SELECT h.association_id FROM event_hosts h WHERE h.event_id = e.id) AS association_ids,
    e.venue_organisation_id, e.venue_host_name
FROM events e {PER_EVENT}
WHERE e.id = :event_id""")
PREPARED = PreparedStatement(EVENT, {"event_id": "text", **PARAMETER_TYPES})


def event_json(session, caller, event_id, names):
    """``reading.event_view`` with its venue's host company named by ``names``
    (``names.name_host_companies``), as JSON text; NotFound as there."""
    if not db.on_postgresql(session):
        view = reading.event_view(session, caller, event_id)
        return http_dumps(naming.name_host_companies([view], names)[0]).decode()
    values = {"event_id": str(event_id), **parameters(caller, {})}
    found = PREPARED.row(session, values) if event_id else None
    if found is None:
        access.not_found(event_id)
    written, status, visibility, association_ids, host, stored_name = found
    if not access.can_see_event(caller, SimpleNamespace(status=status, visibility=visibility,
                                                        association_ids=association_ids)):
        access.not_found(event_id)
    name = names.organisation(host) if host else None
    if name and name != stored_name:  # written with the stored name, or none, where the reader sees another
        written = PREPARED.scalar(session, dict(values, names=names_parameter({host: name})))
    return written
