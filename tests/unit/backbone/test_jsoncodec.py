"""The orjson codec keeps kombu's wire format: old and new replicas read each other's messages."""
import datetime as dt
import json
import uuid
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from kombu import serialization
from kombu.utils import json as kombu_json

from nabo_common.api.moments import utc_text
from nabo_common.persistence.db import make_engine
from nabo_common.runtime import jsoncodec

AWARE = dt.datetime(2026, 3, 20, 16, 0, 5, 120, tzinfo=dt.timezone.utc)
PAYLOADS = [
    {"args": [1, "two", None, True, 3.5], "kwargs": {}},
    {
        "result": [{"id": "e1", "title": "Grøn omstilling – Netzwerk", "seats": {"capacity": None}}],
        "error": None,
    },
    {
        "when": AWARE,
        "naive": dt.datetime(2026, 3, 20, 16, 0),
        "zoned": AWARE.astimezone(ZoneInfo("Europe/Berlin")),
    },
    {"on": dt.date(2026, 3, 20), "at": dt.time(9, 30), "amount": Decimal("12.50")},
    {"raw": b"bytes", "binary": b"\xff\x00"},
    {1: "int key", 2.5: "float key", "nested": {"n": [[1, 2], {"k": "v"}]}},
    {"big": 2**70, "negative": -(2**65)},
    {"text": 'a "__type__" written by a person, {"__type__": "x"}'},
    {"looks_marked": {"__type__": "decimal", "__value__": "1.5"}},
    "a plain string",
    [],
]


def _old_roundtrip(value):
    return kombu_json.loads(kombu_json.dumps(value))


@pytest.mark.parametrize("value", PAYLOADS)
def test_new_writer_is_read_by_kombus_reader_as_before(value):
    assert kombu_json.loads(jsoncodec.wire_dumps(value)) == _old_roundtrip(value)


@pytest.mark.parametrize("value", PAYLOADS)
def test_kombus_writer_is_read_by_the_new_reader_as_before(value):
    assert jsoncodec.wire_loads(kombu_json.dumps(value).encode()) == _old_roundtrip(value)
    assert jsoncodec.wire_loads(kombu_json.dumps(value)) == _old_roundtrip(value)


def test_dates_times_and_decimals_come_back_as_themselves():
    value = {"when": AWARE, "on": dt.date(2026, 3, 20), "at": dt.time(9, 30), "amount": Decimal("12.50")}
    assert jsoncodec.wire_loads(jsoncodec.wire_dumps(value)) == value


def test_uuid_goes_as_its_string():
    value = uuid.UUID("12345678-1234-5678-1234-567812345678")
    assert jsoncodec.wire_loads(jsoncodec.wire_dumps({"id": value})) == {"id": str(value)}


def test_a_message_only_the_standard_library_reads_is_still_read():
    assert jsoncodec.wire_loads(b'{"ratio": NaN, "top": Infinity}')["top"] == float("inf")
    assert jsoncodec.wire_loads(memoryview(b'{"a": 1}')) == {"a": 1}


def test_garbage_is_a_decode_error_as_before():
    with pytest.raises(ValueError):
        jsoncodec.wire_loads(b"{not json")


def test_an_unknown_type_is_an_encode_error_as_before():
    with pytest.raises(TypeError):
        jsoncodec.wire_dumps({"x": object()})


def test_nameko_json_serializer_is_the_codec_once_patched():
    # the root conftest applies nabo_common.runtime.patch, as every nabo process does at start
    content_type, encoding, body = serialization.dumps({"when": AWARE, "n": 1}, serializer="json")
    assert (content_type, encoding) == ("application/json", "utf-8")
    assert isinstance(body, bytes) and b" " not in body  # orjson's compact bytes, not the standard library's
    assert serialization.loads(body, content_type, encoding) == {"when": AWARE, "n": 1}


@pytest.mark.parametrize(
    "payload",
    [
        {
            "items": [
                {"id": "e1", "starts_at": AWARE, "on": dt.date(2026, 3, 20), "amount": Decimal("3.10")}
            ],
            "total": 1,
            "limit": 50,
            "offset": 0,
        },
        {"name": "Ærø Erhvervsforening", "id": uuid.UUID(int=5), 7: "int key", "nothing": None},
    ],
)
def test_http_reply_equals_the_standard_librarys(payload):
    def default(value):
        if isinstance(value, dt.datetime):
            return utc_text(value)
        return value.isoformat() if isinstance(value, (dt.date, dt.time)) else str(value)

    assert json.loads(jsoncodec.http_dumps(payload)) == json.loads(json.dumps(payload, default=default))


def test_http_reply_writes_a_moment_no_schema_wrote_in_utc_with_z():
    copenhagen = dt.datetime(2026, 3, 20, 17, 0, 5, tzinfo=ZoneInfo("Europe/Copenhagen"))

    reply = json.loads(jsoncodec.http_dumps({"sent_at": copenhagen, "recorded_at": AWARE}))

    assert reply == {"sent_at": "2026-03-20T16:00:05Z", "recorded_at": "2026-03-20T16:00:05.000120Z"}


def test_json_columns_are_decoded_by_the_codec(tmp_path):
    for engine in (
        make_engine(f"sqlite:///{tmp_path}/one.db"),
        make_engine("postgresql+psycopg2://nobody@127.0.0.1:1/none"),
    ):  # no connection is opened
        assert engine.dialect._json_deserializer is jsoncodec.loads
        engine.dispose()
