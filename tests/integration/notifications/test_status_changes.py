"""A delivery's status changes, prepared once per connection on PostgreSQL, change what the built
statements change and count a row no longer in the expected state as not changed."""
import uuid
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from nabo_common.persistence import prepared
from services.notifications.domain import dispatch
from services.notifications.models import Delivery
from tests.support.infra import database_sessions

NOW = datetime(2026, 12, 6, 12, 0, tzinfo=timezone.utc)


@pytest.fixture(scope="module")
def session():
    with database_sessions("notifications") as sessions:
        session = sessions()
        yield session
        session.close()


def delivery(session, status="claimed"):
    row = Delivery(cause_id="c", recipient=f"email:{uuid.uuid4()}@example.test", channel="email",
                   kind="registration_confirmed", language="da", email="x@example.test", status=status,
                   lease_until=NOW, created_at=NOW, next_attempt_at=NOW)
    with session.begin():
        session.add(row)
    return row.id


def test_a_message_started_then_retried_then_sent(session):
    first, second = delivery(session), delivery(session)
    long_error = "SMTP 451 " + "x" * 990
    assert dispatch._apply(session, (first, "claimed", {"status": "sending", "attempts": 1})) == [1]
    retry = {"status": "queued", "last_error": long_error, "lease_until": None,
             "next_attempt_at": NOW + timedelta(seconds=60)}
    assert dispatch._apply(session, (first, "sending", retry),
                           (second, "claimed", {"status": "sending", "attempts": 1})) == [1, 1]
    sent = {"status": "sent", "sent_at": NOW, "message_id": "<m@nabo>", "last_error": None,
            "lease_until": None}
    # the first is queued again, not sending: not changed
    assert dispatch._apply(session, (first, "sending", sent), (second, "sending", sent)) == [0, 1]
    rows = {row.id: row for row in session.scalars(select(Delivery).where(Delivery.id.in_([first, second])))}
    assert (rows[first].status, rows[first].attempts, rows[first].last_error) == ("queued", 1, long_error)
    assert rows[first].next_attempt_at == NOW + timedelta(seconds=60) and rows[first].lease_until is None
    assert (rows[second].status, rows[second].sent_at, rows[second].message_id) == ("sent", NOW, "<m@nabo>")
    session.commit()
    with session.begin():
        assert any(name.startswith("nabo_statement_")
                   for name in session.connection().connection.info[prepared.PREPARED_KEY])
