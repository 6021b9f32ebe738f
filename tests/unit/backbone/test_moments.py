"""A moment leaves the API as RFC 3339 in UTC, written with Z, whatever offset it was held in."""

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from marshmallow import Schema

from contracts.api.common import Instant
from nabo_common.api.moments import utc_text


@pytest.mark.parametrize(
    ("moment", "text"),
    [
        (datetime(2031, 5, 1, 10, 0, tzinfo=timezone.utc), "2031-05-01T10:00:00Z"),
        (datetime(2031, 5, 1, 12, 0, tzinfo=ZoneInfo("Europe/Copenhagen")), "2031-05-01T10:00:00Z"),
        (
            datetime(2031, 5, 1, 19, 30, tzinfo=timezone(timedelta(hours=9, minutes=30))),
            "2031-05-01T10:00:00Z",
        ),
        (datetime(2031, 5, 1, 10, 0, 0, 250), "2031-05-01T10:00:00.000250Z"),  # naive: the database's UTC
        (None, None),
    ],
)
def test_a_moment_is_written_in_utc_with_z(moment, text):
    assert utc_text(moment) == text


def test_the_instant_field_writes_what_utc_text_writes():
    class Answer(Schema):
        created_at = Instant()

    moment = datetime(2031, 12, 24, 18, 0, tzinfo=ZoneInfo("Europe/Berlin"))

    assert (
        Answer().dump({"created_at": moment})
        == {"created_at": utc_text(moment)}
        == {"created_at": "2031-12-24T17:00:00Z"}
    )
