"""A delivery's status changes, prepared once per connection on PostgreSQL, change what the built
statements change and count a row no longer in the expected state as not changed, whether they run in
the session's transaction or as one statement committed alone (the service's dispatcher), and a batch
sent that way keeps one message in flight at a time."""
import uuid
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select, update

from nabo_common.persistence import db, prepared
from services.notifications import config as config_mod
from services.notifications.domain import dispatch
from services.notifications.models import Delivery
from services.notifications.pacing import SendPacer
from tests.support.infra import database_sessions

NOW = datetime(2026, 12, 6, 12, 0, tzinfo=timezone.utc)


@pytest.fixture(scope="module")
def session():
    with database_sessions("notifications") as sessions:
        session = sessions()
        yield session
        session.close()


@pytest.fixture(scope="module")
def autocommit_engine(session):
    return db.statements_alone(session)  # as the service's dispatcher: its pool, statements committed alone


@pytest.fixture(params=["in the session's transaction", "alone"])
def apply(request, session, autocommit_engine):
    if request.param == "alone":
        return lambda *changes: dispatch._apply_alone(autocommit_engine, *changes)
    return lambda *changes: dispatch._apply(session, *changes)


def delivery(session, status="claimed"):
    address = f"{uuid.uuid4()}@example.test"
    row = Delivery(cause_id="c", recipient=f"email:{address}", channel="email", kind="registration_confirmed",
                   language="da", email=address, name="Gæst", subject="Tilmeldt", text_body="Du er tilmeldt.",
                   html_body="<p>Du er tilmeldt.</p>", status=status, lease_until=NOW, created_at=NOW,
                   next_attempt_at=NOW)
    with session.begin():
        session.add(row)
    return row.id


def test_a_message_started_then_retried_then_sent(session, apply):
    first, second = delivery(session), delivery(session)
    long_error = "SMTP 451 " + "x" * 990
    assert apply(None, (first, "claimed", {"status": "sending", "attempts": 1})) == [1]
    retry = {"status": "queued", "last_error": long_error, "lease_until": None,
             "next_attempt_at": NOW + timedelta(seconds=60)}
    started = (second, "claimed", {"status": "sending", "attempts": 1})
    assert apply((first, "sending", retry), started) == [1, 1]
    sent = {"status": "sent", "sent_at": NOW, "message_id": "<m@nabo>", "last_error": None,
            "lease_until": None}
    # the first is queued again, not sending: not changed
    assert apply((first, "sending", sent), (second, "sending", sent)) == [0, 1]
    assert apply(None) == []
    session.expire_all()
    rows = {row.id: row for row in session.scalars(select(Delivery).where(Delivery.id.in_([first, second])))}
    assert (rows[first].status, rows[first].attempts, rows[first].last_error) == ("queued", 1, long_error)
    assert rows[first].next_attempt_at == NOW + timedelta(seconds=60) and rows[first].lease_until is None
    assert (rows[second].status, rows[second].sent_at, rows[second].message_id) == ("sent", NOW, "<m@nabo>")
    session.commit()
    with session.begin():
        assert any(name.startswith("nabo_statement_")
                   for name in session.connection().connection.info[prepared.PREPARED_KEY])


class InspectingMailer:
    """Records, at each send, every delivery's status as another connection sees it (what is committed)."""

    def __init__(self, session, ids):
        self.session, self.ids, self.seen, self.sent = session, ids, [], []

    def send(self, message):
        with self.session.begin():
            statuses = dict(self.session.execute(
                select(Delivery.id, Delivery.status).where(Delivery.id.in_(self.ids))).all())
        self.seen.append([statuses[row_id] for row_id in self.ids])
        self.sent.append(message.to_email)

    def close(self):
        pass


def test_a_batch_claimed_and_sent_with_statements_committed_alone_keeps_one_message_in_flight(
        session, autocommit_engine):
    start = datetime.now(timezone.utc)
    ids = [delivery(session, status="queued") for _ in range(4)]
    with session.begin():
        session.execute(update(Delivery).where(Delivery.id.not_in(ids), Delivery.status == "queued")
                        .values(status="failed"))
    recovery = dispatch.StaleRecovery()
    recovery.due(start)  # looked for dead workers' rows already: the claim is one statement
    rows = dispatch.claim(session, 10, 60, now=start, recovery=recovery, autocommit_engine=autocommit_engine)
    assert [row.id for row in rows] == ids
    observer = db.make_sessionmaker(session.get_bind())()
    try:
        with observer.begin():  # committed: another connection sees the claim
            assert set(observer.scalars(select(Delivery.status).where(Delivery.id.in_(ids)))) == {"claimed"}
        mailer = InspectingMailer(observer, ids)
        config = replace(config_mod.load(), public_base_url="https://nabo.example")
        outcome = dispatch.send_batch(session, rows, mailer, SendPacer(1000), config,
                                      autocommit_engine=autocommit_engine)
        assert outcome == {"sent": 4, "retry": 0, "failed": 0}
        for index, seen in enumerate(mailer.seen):
            # the predecessors' outcomes were committed with this message's start: one in flight, no more
            assert seen == ["sent"] * index + ["sending"] + ["claimed"] * (len(ids) - index - 1)
        with observer.begin():
            assert set(observer.scalars(select(Delivery.status).where(Delivery.id.in_(ids)))) == {"sent"}
    finally:
        observer.close()
