"""An event's view as JSON text, written by PostgreSQL in the bytes the gateway would write.

``ITEM`` writes the view of the event ``e`` as ``views.render_views`` and ``dump(schemas.Event, ...)``
give it and the gateway's JSON codec writes it: compact, keys in the view's order, text escaped as orjson
escapes it, the event's moments in its own time zone (``views.event_moment``), instants in UTC, its
seats, whether registration is open now and whether the caller sees the join URL. ``PER_EVENT`` is the
join it needs beside ``events e`` (``z``). What depends on the event's rows alone is not written per
read: a trigger keeps it written on the event's row as the event, its hosts and its tags change
(``STORED``, ``stored_json_function``), and ``ITEM`` joins it with the rest. Their parameters:
``person_id``, ``privileged``, ``admin_of`` (the caller), ``now`` and ``names`` (``{organisation id:
name}`` of the venues' host companies as the reader sees them, a JSON text). Used by ``pages`` (a page)
and ``one_event``.
"""
import orjson

from services.events.domain.common import utcnow
from services.events.domain.views import ACTIVE


def _string(value):
    """A text as a JSON string (escaped as orjson escapes it), or null."""
    return f"coalesce(to_json(CAST({value} AS text))::text, 'null')"


def _number(value):
    return f"coalesce(CAST({value} AS text), 'null')"


def _boolean(condition):
    return f"CASE WHEN {condition} THEN 'true' ELSE 'false' END"


def _filled(value):
    """Python's truth of a text that may be NULL."""
    return f"coalesce({value}, '') <> ''"


def _quoted(written):
    return f"""coalesce('"' || {written} || '"', 'null')"""


def _instant(column):
    """``utc_text``: RFC 3339 in UTC with Z, microseconds only when there are any."""
    written = f"""to_char({column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US')"""
    return _quoted(f"replace({written}, '.000000', '') || 'Z'")


def _offset_minutes(column):
    """The offset of the event's time zone at ``column`` in whole minutes as ``event_moment`` finds it:
    its seconds over 60 in floating point, rounded half to even (``round`` of a double is ``rint``)."""
    return (f"round(extract(epoch FROM ({column} AT TIME ZONE e.time_zone) - ({column} AT TIME ZONE 'UTC'))"
            f"::float8 / 60)::int")


def _moment(column, minutes):
    """``event_moment(event, column).isoformat()``, ``minutes`` its offset in whole minutes."""
    shown = f"({column} AT TIME ZONE 'UTC') + make_interval(mins => {minutes})"
    written = f"""replace(to_char({shown}, 'YYYY-MM-DD"T"HH24:MI:SS.US'), '.000000', '')"""
    offset = (f"CASE WHEN {minutes} < 0 THEN '-' ELSE '+' END || lpad((abs({minutes}) / 60)::text, 2, '0')"
              f" || ':' || lpad((abs({minutes}) % 60)::text, 2, '0')")
    return _quoted(f"{written} || {offset}")


def _in_zone(column):
    return _moment(f"e.{column}", f"z.{column}")


def _list(select_strings):
    """``[a,b,...]`` of the JSON texts the query gives (in its order), ``[]`` of none."""
    return f"'[' || coalesce(({select_strings}), '') || ']'"


def _tags(kind):
    return _list(f"""SELECT string_agg({_string('t.value')}, ',' ORDER BY t.position, t.value COLLATE "C")
                     FROM event_tags t WHERE t.event_id = e.id AND t.kind = '{kind}'""")


def _objects(column, keys):
    """A JSON column's list of objects with ``keys`` (key: how its value is written) in that order, as
    ``fields.Nested(..., many=True)`` dumps them."""
    written = " || ',' || ".join(f"""'"{key}":' || {value('x')}""" for key, value in keys.items())
    return f"""CASE WHEN json_array_length({column}) = 0 THEN '[]' ELSE {_list(
        f"SELECT string_agg('{{' || {written} || '}}', ',' ORDER BY i) "
        f"FROM json_array_elements({column}) WITH ORDINALITY AS a(x, i)")} END"""


def _text_of(key):
    return lambda x: _string(f"{x} ->> '{key}'")


_PEOPLE = {key: _text_of(key) for key in ("role", "person_id", "organisation_id", "name")}
_QUESTIONS = {"id": _text_of("id"), "text": _text_of("text"),
              "required": lambda x: f"coalesce(CAST({x} -> 'required' AS text), 'null')"}
_INTEGERS = _list("SELECT string_agg(v, ',' ORDER BY i) FROM json_array_elements_text(e.reminder_offsets) "
                  "WITH ORDINALITY AS a(v, i)")


def _venue():
    host_name = "coalesce(CAST(:names AS json) ->> e.venue_organisation_id, e.venue_host_name)"
    return f"""CASE WHEN {_filled('e.venue_address')} OR {_filled('e.venue_organisation_id')} THEN
        '{{"address":' || {_string('e.venue_address')}
        || ',"host_organisation_id":' || {_string('e.venue_organisation_id')}
        || ',"host_organisation_name":' || CASE WHEN {_filled('e.venue_organisation_id')}
            THEN {_string(host_name)} ELSE 'null' END || '}}'
        ELSE 'null' END"""


_SEATS = f"""'{{"capacity":' || {_number('e.capacity')} || ',"confirmed":' || z.confirmed
    || ',"waitlisted":' || z.waitlisted || ',"available":'
    || CASE WHEN e.capacity IS NULL THEN 'null' ELSE greatest(0, e.capacity - z.confirmed)::text END
    || '}}'"""

_REGISTRATION_OPEN = """e.status = 'published'
    AND (e.registration_opens_at IS NULL OR e.registration_opens_at <= :now)
    AND :now < coalesce(e.registration_closes_at, e.ends_at)"""

# the view's keys in its order: the schema's, then what render_views adds (venue, join_url_hidden, seats,
# registration_open, local_start). What depends on the event's rows alone (its columns, hosts and tags) is
# kept written on the event (``STORED``); the rest depends on the reader or the moment and is written per read
_HEAD = {
    "id": _string("e.id"),
    "association_ids": _list("""SELECT string_agg(to_json(CAST(h.association_id AS text))::text, ','
                                                  ORDER BY h.association_id COLLATE "C")
                                FROM event_hosts h WHERE h.event_id = e.id"""),
    "network_id": _string("e.network_id"),
    "programme_id": _string("e.programme_id"),
    "title": _string("e.title"),
    "description": _string("e.description"),
    "themes": _tags("theme"),
    "languages": _tags("language"),
    "format": _string("e.format"),
    "starts_at": _in_zone("starts_at"),
    "ends_at": _in_zone("ends_at"),
    "time_zone": _string("e.time_zone"),
}
_JOIN_URL = {"join_url": f"CASE WHEN z.visible THEN {_string('e.join_url')} ELSE 'null' END"}
_MIDDLE = {
    "join_url_visibility": _string("e.join_url_visibility"),
    "registration_opens_at": _in_zone("registration_opens_at"),
    "registration_closes_at": _in_zone("registration_closes_at"),
    "status": _string("e.status"),
    "visibility": _string("e.visibility"),
    "people": _objects("e.people", _PEOPLE),
    "questions": _objects("e.questions", _QUESTIONS),
    "reminder_offsets": _INTEGERS,
    "sequence": _number("e.sequence"),
    "published_at": _instant("e.published_at"),
    "cancel_reason": _string("e.cancel_reason"),
    "recording_url": _string("e.recording_url"),
    "recording_published_at": _instant("e.recording_published_at"),
    "created_at": _instant("e.created_at"),
    "updated_at": _instant("e.updated_at"),
}
_PER_READ = {
    "venue": _venue(),
    "join_url_hidden": _boolean(f"{_filled('e.join_url')} AND NOT z.visible"),
    "seats": _SEATS,
    "registration_open": _boolean(_REGISTRATION_OPEN),
}
_TAIL = {"local_start": _in_zone("starts_at")}


def _members(fields):
    """``"key":value,...`` of ``fields`` (key: how its value is written), in their order."""
    return "\n    || ',' || ".join(f"""'"{key}":' || {value}""" for key, value in fields.items())


# the columns of ``events`` that hold the parts of its view written from its rows alone, and those parts
STORED = {"json_head": _HEAD, "json_middle": _MIDDLE, "json_tail": _TAIL}
ITEM = ("'{' || e.json_head || ',' || " + _members(_JOIN_URL) + " || ',' || e.json_middle || ',' || "
        + _members(_PER_READ) + " || ',' || e.json_tail || '}'")

_MOMENTS = ("starts_at", "ends_at", "registration_opens_at", "registration_closes_at")


def _seats(status):
    """The event's registrations with ``status``, as the triggers on registrations keep them counted
    (models.EventSeatCount)."""
    return f"coalesce((SELECT c.{status} FROM event_seat_counts c WHERE c.event_id = e.id), 0)"


# the offsets of an event's moments in whole minutes, worked out once for the event (OFFSET 0 keeps the
# subquery whole: inlined, each use of a column would work it out again)
_OFFSETS = f"""CROSS JOIN LATERAL (SELECT
    {", ".join(f"{_offset_minutes(f'e.{m}')} AS {m}" for m in _MOMENTS)} OFFSET 0) z"""

# what a read of an event needs besides its row, worked out once for it: its seats taken and whether the
# caller sees its join URL (public, the caller registered, or the caller manages one of its associations:
# views.join_url_visible)
PER_EVENT = f"""CROSS JOIN LATERAL (SELECT
    {_seats(ACTIVE[0])} AS confirmed, {_seats(ACTIVE[1])} AS waitlisted,
    (e.join_url_visibility = 'public'
     OR EXISTS (SELECT 1 FROM registrations r WHERE r.event_id = e.id AND r.person_id = :person_id
                AND r.status = 'confirmed')
     OR EXISTS (SELECT 1 FROM event_hosts h WHERE h.event_id = e.id
                AND (:privileged OR h.association_id = ANY(:admin_of)))) AS visible
    OFFSET 0) z"""


def stored_json_function():
    """The trigger function that writes ``STORED`` on an event's row as it is inserted or changed (and when
    its hosts or tags change, which touch the row); installed by the events migrations, and a test holds
    the newest of them to this text."""
    written = ", ".join(_members(fields) for fields in STORED.values())
    columns = ", ".join(f"NEW.{column}" for column in STORED)
    return f"""CREATE OR REPLACE FUNCTION write_event_json() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    SELECT {written}
    INTO {columns}
    FROM (SELECT NEW.*) e {_OFFSETS};
    RETURN NEW;
END
$$"""


# the PostgreSQL types of the parameters ITEM and PER_EVENT take
PARAMETER_TYPES = {"person_id": "text", "privileged": "boolean", "admin_of": "text[]", "now": "timestamptz",
                   "names": "json"}


def parameters(caller, named):
    """The values of ITEM's and PER_EVENT's parameters for ``caller`` now, ``named``: ``{organisation id:
    name}`` of the host companies the reader sees."""
    return {"person_id": caller.person_id, "now": utcnow(), "privileged": caller.is_privileged,
            "admin_of": [str(a) for a in caller.admin_of], "names": names_parameter(named)}


def names_parameter(named):
    """The ``names`` parameter: ``{organisation id: name}`` as JSON text."""
    return orjson.dumps(named).decode()
