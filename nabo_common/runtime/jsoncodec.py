"""JSON through orjson: nameko's messages, the gateway's replies and JSON columns.

kombu's ``json`` serializer, nameko's default, runs the standard library's
encoder with a Python ``default`` hook and its decoder with a Python
``object_hook`` called for every object decoded. A page of events is encoded
by the events service, decoded by the gateway and encoded again for the HTTP
reply; orjson does those three steps in a fraction of the time (figures in
docs/performance.md).

The wire format does not change, so replicas of the old and the new code
understand each other during a rolling update, and the dead-letter tools and
any other AMQP client read the messages as before:
- the content type stays ``application/json`` in UTF-8;
- dates, times, ``Decimal`` and bytes keep kombu's ``{"__type__", "__value__"}``
  markers, and a message that carries a marker is decoded by kombu, which
  revives them;
- whatever orjson will not take (integers beyond 64 bits, ``NaN`` in a
  message from elsewhere) goes through kombu's own code as before.
One difference: a ``uuid.UUID`` goes as its string, as orjson writes it,
where kombu wrapped it in a marker; nabo's ids cross as strings already.
"""
import datetime as dt

import orjson
from kombu.serialization import registry
from kombu.utils import json as kombu_json

from nabo_common.api.moments import utc_text

_KOMBU_ENCODER = kombu_json.JSONEncoder()
# dates and times go to the default hook: kombu's markers on the wire, RFC 3339 over HTTP
_OPTIONS = orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATETIME
_MARKER_TEXT = '"__type__"'
_MARKER_BYTES = _MARKER_TEXT.encode()


def wire_dumps(data):
    """A message body as kombu's json serializer would write it, as UTF-8 bytes."""
    try:
        return orjson.dumps(data, default=_KOMBU_ENCODER.default, option=_OPTIONS)
    except orjson.JSONEncodeError:
        return kombu_json.dumps(data).encode("utf-8")


def wire_loads(body):
    """A message body decoded as kombu's json serializer would decode it."""
    if isinstance(body, (memoryview, bytearray)):
        body = bytes(body)
    if (_MARKER_BYTES if isinstance(body, bytes) else _MARKER_TEXT) not in body:
        try:
            return orjson.loads(body)
        except orjson.JSONDecodeError:
            pass  # e.g. NaN, which the standard library reads: the same answer as before
    return kombu_json.loads(body)


def use_for_messages():
    """Encode and decode nameko's ``json`` messages through orjson. Applied once by
    ``nabo_common.runtime.patch.apply()``, so every nabo process speaks it and the bare baseline does not."""
    registry.register(
        "json", wire_dumps, wire_loads, content_type="application/json", content_encoding="utf-8"
    )


def _http_default(value):
    # a moment no schema wrote (a Dict or Raw payload such as the personal data export) is UTC with Z
    if isinstance(value, dt.datetime):
        return utc_text(value)
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    return str(value)


def http_dumps(payload):
    """An HTTP reply's JSON as bytes: what ``json.dumps(payload, default=utc_text, isoformat or str)`` gives,
    written compactly and in UTF-8 instead of ASCII escapes."""
    return orjson.dumps(payload, default=_http_default, option=_OPTIONS)


# a JSON column's value (psycopg2's and SQLite's JSON decoding)
loads = orjson.loads
