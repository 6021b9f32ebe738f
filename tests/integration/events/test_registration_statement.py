"""A registration on PostgreSQL is the event's lock and one statement, both prepared
(``registration_statement``); the same calls through the ORM's steps (``registrations.add`` under
``idempotent_calls.once``, as on SQLite) on the same server give the same answers, refusals, rows,
kept answers and outbox events, handed to the relay as stored: confirmed and waitlisted (with their
places), a member and a guest, duplicates by e-mail and by person, retries with a key (confirmed,
waitlisted, refused), a key past its time, an event without a capacity, answers to questions, and an
event closed since a call whose retry still gets its answer, one that does not exist, one
members-only and one whose registration opens later (but not to its organisers)."""
import json
import re
import uuid
from datetime import datetime, timedelta, timezone

import psycopg2.extensions
import pytest
from sqlalchemy import event as sa_event
from sqlalchemy import select, text, update

from nabo_common.api.errors import NaboError
from nabo_common.messaging import outbox
from nabo_common.persistence import db
from nabo_common.persistence.idempotency import CallKey
from nabo_common.runtime import jsoncodec
from services.events.domain import lifecycle, registration_statement, registrations
from services.events.models import IdempotentCall, OutboxEvent, Registration
from tests.support.infra import make_database
from tests.unit.events.conftest import ANON, ASSOC_A, PEOPLE, admin_of, at, event_payload, member_of

ORGANISER = admin_of(ASSOC_A)
MEMBER = member_of(ASSOC_A)


class Relay:
    def __init__(self):
        self.model = OutboxEvent
        self.rows = []

    def hand_over(self, rows):
        self.rows.extend(rows)


@pytest.fixture(scope="module")
def engine():
    engine = db.make_engine(make_database("events"))
    relay = Relay()
    outbox.register_relay(engine.url, relay)
    engine.relay = relay
    yield engine
    outbox.unregister_relay(engine.url, relay)
    engine.dispose()


def call(engine, function, *args, **kwargs):
    """``function`` with a session of its own, as a worker of the service has; a refusal as its class
    and message."""
    session = db.make_sessionmaker(engine)()
    try:
        return function(session, *args, **kwargs)
    except NaboError as refused:
        return {"refused": type(refused).__name__, "message": str(refused)}
    finally:
        session.close()


def key():
    return CallKey(uuid.uuid4().hex * 2, 3600)


def guest(n, **fields):
    return {"name": f"Gæst {n} \"ø\"", "email": f"Guest{n}@Example.org", **fields}


def scenario(engine):
    """The calls, on events of their own; what each answered, and the events' ids."""
    def register(event, payload, caller=ANON, call_key=None, link=None):
        return call(engine, registrations.register, caller, event["id"], payload, link, PEOPLE, call_key)

    def new_event(**fields):
        event = call(engine, lifecycle.create, ORGANISER, event_payload(**fields))
        return call(engine, lifecycle.transition, ORGANISER, event["id"], {"to": "published"})

    seated = new_event(capacity=2, questions=[{"id": "company", "text": "Virksomhed?"}])
    roomy = new_event(capacity=None, title="Open to all")
    keys = [key() for _ in range(5)]
    answers = [
        register(seated, guest(1, answers={"company": "Acme"}), call_key=keys[0],
                 link={"channel": "linkedin", "campaign": "spring"}),
        register(seated, {}, caller=MEMBER, call_key=keys[1]),
        register(seated, guest(3), call_key=keys[2]),  # full: waitlisted, first in line
        register(seated, guest(4, language="de")),  # second in line, no key
        register(seated, guest(3), call_key=keys[2]),  # a retry: the first answer
        register(seated, guest(1), call_key=keys[0]),  # a confirmation's retry
        register(seated, guest(5, email="GUEST1@example.org"), call_key=keys[3]),  # the same e-mail
        register(seated, {}, caller=MEMBER),  # the same person
        register(seated, guest(6, answers={"shoe_size": "44"})),  # no such question
        register(roomy, guest(1), call_key=keys[4]),
        register(roomy, guest(2), call_key=keys[3]),  # refused above, the key kept nothing
    ]
    # a key past its time names a new call: here, one refused as a duplicate
    session = db.make_sessionmaker(engine)()
    with session.begin():
        session.execute(update(IdempotentCall).where(IdempotentCall.key == keys[4].key)
                        .values(expires_at=datetime.now(timezone.utc) - timedelta(seconds=1)))
    session.close()
    answers.append(register(roomy, guest(1), call_key=keys[4]))
    call(engine, lifecycle.transition, ORGANISER, seated["id"], {"to": "cancelled", "reason": "Snow"})
    answers += [
        register(seated, guest(7)),  # closed
        register(seated, guest(3), call_key=keys[2]),  # closed, but this call's answer was kept
    ]
    members_only = new_event(visibility="members")
    not_yet = new_event(registration_opens_at=at(days=2).isoformat(),
                        registration_closes_at=at(days=3).isoformat())
    answers += [
        register({"id": str(uuid.uuid4())}, guest(8)),  # no such event
        register(members_only, guest(8)),  # not for a guest to see
        register(not_yet, guest(8)),  # not open yet
        register(not_yet, guest(8), caller=ORGANISER),  # but to its organisers
    ]
    return answers, [seated["id"], roomy["id"]]


def stored(engine, event_ids):
    session = db.make_sessionmaker(engine)()
    rows = session.scalars(select(Registration).where(Registration.event_id.in_(event_ids))
                           .order_by(Registration.created_at)).all()
    columns = ("id", "event_id", "person_id", "name", "email", "email_lower", "language", "status", "answers",
               "source_channel", "campaign_code")
    registrations_ = [{c: getattr(r, c) for c in columns} for r in rows]
    ids = {r["id"] for r in registrations_}
    events = [e for e in session.scalars(select(OutboxEvent).order_by(OutboxEvent.position))
              if e.envelope["data"].get("registration_id") in ids]
    texts = dict(session.execute(text("SELECT position, CAST(envelope AS text) FROM outbox_events")).all())
    kept = sorted(jsoncodec.wire_loads(k.result)["id"] for k in session.scalars(select(IdempotentCall))
                  if k.result and jsoncodec.wire_loads(k.result).get("id") in ids)
    session.close()
    return registrations_, [(e, texts[e.position]) for e in events], kept


def normalised(value, names):
    """``value`` as JSON text with ids, moments and calendar stamps named by their order, not their value."""
    text = json.dumps(value, sort_keys=True, default=str)
    text = re.sub(r"\d{8}T\d{6}Z?", "<calendar moment>", text)
    text = re.sub(r"\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(\.\d+)?(\+00:00|Z)?", "<moment>", text)
    for found in re.findall(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", text):
        names.setdefault(found, f"<id {len(names)}>")
        text = text.replace(found, names[found])
    return text


def test_one_statement_and_the_orm_steps_answer_alike(engine, monkeypatch):
    relay = engine.relay
    one_statement = scenario(engine)
    one_statement_rows, relay.rows[:] = list(relay.rows), []
    with monkeypatch.context() as patched:
        patched.setattr(registrations, "on_postgresql", lambda _session: False)
        orm_steps = scenario(engine)
    orm_rows = list(relay.rows)

    (answers, event_ids), (orm_answers, orm_event_ids) = one_statement, orm_steps
    statuses = [a.get("status") or a["refused"] for a in answers]
    assert statuses == ["confirmed", "confirmed", "waitlisted", "waitlisted", "waitlisted", "confirmed",
                        "Conflict", "Conflict", "ValidationFailed", "confirmed", "confirmed", "Conflict",
                        "Conflict", "waitlisted", "NotFound", "NotFound", "Conflict", "confirmed"]
    assert [a.get("waitlist_position") for a in answers[2:5]] == [1, 2, 1]
    assert answers[4] == answers[2] and answers[5] == answers[0] and answers[13] == answers[2]
    names, orm_names = {}, {}
    assert normalised(answers, names) == normalised(orm_answers, orm_names)

    rows, events, kept = stored(engine, event_ids)
    orm_rows_, orm_events, orm_kept = stored(engine, orm_event_ids)
    assert normalised(rows, names) == normalised(orm_rows_, orm_names)
    envelopes = [{**e.envelope, "id": None, "occurred_at": None} for e, _text in events]
    assert normalised(envelopes, names) == normalised(
        [{**e.envelope, "id": None, "occurred_at": None} for e, _text in orm_events], orm_names)
    assert [e.event_type for e, _text in events] == [
        "registration.confirmed", "registration.confirmed", "registration.waitlisted",
        "registration.waitlisted", "registration.confirmed", "registration.confirmed"]
    assert len(kept) == len(orm_kept) == 5
    # each row handed to the relay is the row stored, in the bytes stored
    for handed, written in ((one_statement_rows, events), (orm_rows, orm_events)):
        by_position = {row.position: row for row in handed}
        for event, stored_text in written:
            row = by_position[event.position]
            assert (row.event_id, row.event_type, row.body) == (event.event_id, event.event_type, stored_text)


def test_a_registration_is_the_event_locked_and_one_statement(engine):
    sent = []

    class Counting(psycopg2.extensions.cursor):
        def execute(self, query, params=None):
            sent.append(" ".join(str(query).split()))
            return super().execute(query, params)

    counted = db.make_engine(str(engine.url.render_as_string(hide_password=False)), pool_size=1)

    @sa_event.listens_for(counted, "connect")
    def _counting(connection, _record):
        connection.cursor_factory = Counting

    try:
        event = call(counted, lifecycle.create, ORGANISER, event_payload(capacity=1))
        call(counted, lifecycle.transition, ORGANISER, event["id"], {"to": "published"})
        for n in range(3):  # the first prepares the statement on the connection
            del sent[:]
            answer = call(counted, registrations.register, ANON, event["id"], guest(n), None, None, key())
        assert answer["status"] == "waitlisted" and answer["waitlist_position"] == 2
        # BEGIN and COMMIT aside: the event locked, then the registration written
        assert [statement.split(" ")[:2] for statement in sent] == [
            ["EXECUTE", registration_statement.LOCKED_EVENT.name],
            ["EXECUTE", registration_statement.PREPARED.name],
        ]
    finally:
        counted.dispose()
