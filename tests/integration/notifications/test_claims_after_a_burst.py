"""The dispatcher's claims after a burst of mail went out, on a server whose statistics were taken before
the burst (no vacuum or analyze since): once a look for stale rows has run, a claim passes the versions of
the rows sent since by the index, not by visiting each of them again."""
import uuid
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import text

from nabo_common.persistence import db
from services.notifications.domain import dispatch
from tests.support.infra import database_sessions
from tests.support.plans import buffers, explained

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=timezone.utc)
BURST = 1500


@pytest.fixture
def session():
    with database_sessions("notifications") as sessions:
        session = sessions()
        yield session
        session.close()


def _queue(session, count, status="queued"):
    rows = [{"cause": str(uuid.uuid4()), "email": f"{uuid.uuid4()}@example.test", "status": status,
             "now": NOW - timedelta(minutes=5), "body": "Du er tilmeldt. " * 60}  for _ in range(count)]
    with session.begin():
        session.execute(text("""
            INSERT INTO deliveries (cause_id, recipient, channel, kind, priority, email, name, language,
                                    subject, text_body, status, next_attempt_at, created_at, attempts)
            VALUES (:cause, 'email:' || :email, 'email', 'registration_confirmed', 0, :email, 'Gæst', 'da',
                    'Tilmeldt', :body, :status, :now, :now, 0)"""), rows)


def _burst_sent_since_the_statistics(session):
    _queue(session, 100, status="sent")
    _queue(session, 10)
    with session.begin():
        session.execute(text("ANALYZE deliveries"))  # the statistics of a quiet day
    _queue(session, BURST)
    for status in ("claimed", "sending", "sent"):  # each a version of every row of the burst
        with session.begin():
            session.execute(text("UPDATE deliveries SET status = :status, lease_until = :lease "
                                 "WHERE status <> 'sent' OR lease_until IS NOT NULL"),
                            {"status": status, "lease": NOW + timedelta(seconds=10)})


def _buffers_of(session, statement, parameters):
    # as the dispatcher's claims between looks: bitmap scans allowed
    with db.statements_alone(session).connect() as connection:
        plan = explained(connection, statement, parameters)
    return plan["Actual Rows"], buffers(plan)


def test_a_claim_after_a_look_for_stale_rows_passes_the_sent_rows_by_the_index(session):
    _burst_sent_since_the_statistics(session)

    assert dispatch.claim(session, 10, 10, now=NOW, recovery=dispatch.StaleRecovery()) == []

    claim = dispatch.DUE_EMAIL._statement("claim", True)
    rows, buffers = _buffers_of(session, claim, {"now": NOW, "new_lease": NOW + timedelta(seconds=10),
                                                 "claim_limit": 10})
    assert rows == 0
    assert buffers < 60  # a few index pages, not a heap page per row sent
    rows, buffers = _buffers_of(session, dispatch.REQUEUE_STALE, {"now": NOW})
    assert rows == 0 and buffers < 60
