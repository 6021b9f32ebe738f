"""Writes of the events service retried with the same Idempotency-Key (as the gateway scopes it): the
first result again and no second row, until the key expires; a refused write keeps nothing."""

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from nabo_common.api.errors import Conflict
from nabo_common.persistence.idempotency import CallKey
from services.events.domain import bulk_registrations, lifecycle, programmes, registrations
from services.events.domain.common import idempotent_calls
from services.events.models import Event, IdempotentCall, Registration
from tests.unit.events.conftest import ANON, event_payload, make_event

PROGRAMME = {
    "title": "Kept",
    "period_start": "2027-01-01",
    "period_end": "2027-12-31",
    "budget_amount_minor": 1000,
    "currency": "DKK",
}


def key(n=1, ttl=3600):
    return CallKey(f"{n:064x}", ttl)


def guest(n):
    return {"name": f"Guest {n}", "email": f"guest{n}@example.org"}


def count(session, model):
    session.rollback()
    return session.scalar(select(func.count()).select_from(model))


def test_a_registration_retried_with_its_key_returns_the_first_and_writes_once(session, admin_a):
    event = make_event(session, admin_a)
    first = registrations.register(session, ANON, event["id"], guest(1), call_key=key())
    again = registrations.register(session, ANON, event["id"], guest(1), call_key=key())
    assert again == first
    assert count(session, Registration) == 1
    # without the key the same registration is a second one, refused as such
    with pytest.raises(Conflict, match="registered for this event already"):
        registrations.register(session, ANON, event["id"], guest(1))


def test_one_key_serves_each_operation_apart(session, admin_a):
    event = make_event(session, admin_a)
    created = lifecycle.create(session, admin_a, event_payload(title="Kept"), call_key=key(7))
    programme = programmes.create(session, admin_a, PROGRAMME, call_key=key(7))
    registered = registrations.register(session, ANON, event["id"], guest(2), call_key=key(7))
    assert lifecycle.create(session, admin_a, event_payload(title="Kept"), call_key=key(7)) == created
    assert programmes.create(session, admin_a, PROGRAMME, call_key=key(7)) == programme
    assert registrations.register(session, ANON, event["id"], guest(2), call_key=key(7)) == registered
    assert count(session, Event) == 2


def test_a_bulk_registration_retried_with_its_key_is_not_applied_twice(session, admin_a):
    event = make_event(session, admin_a)
    payload = {"registrations": [guest(3), guest(4)]}
    first = bulk_registrations.register_many(session, admin_a, event["id"], payload, call_key=key(3))
    assert bulk_registrations.register_many(session, admin_a, event["id"], payload, call_key=key(3)) == first
    assert count(session, Registration) == 2


def test_a_refused_write_keeps_nothing_for_its_key(session, admin_a):
    event = make_event(session, admin_a)
    registrations.register(session, ANON, event["id"], guest(5))
    with pytest.raises(Conflict):
        registrations.register(session, ANON, event["id"], guest(5), call_key=key(5))
    assert count(session, IdempotentCall) == 0


def test_an_expired_key_is_a_new_call_and_is_forgotten(session, admin_a):
    event = make_event(session, admin_a)
    registrations.register(session, ANON, event["id"], guest(6), call_key=key(6, ttl=60))
    later = datetime.now(timezone.utc) + timedelta(seconds=61)
    session.begin()
    try:
        assert idempotent_calls.replayed(session, key(6, ttl=60), "register", now=later) is None
    finally:
        session.rollback()
    assert idempotent_calls.forget_expired(session, now=later) == 1
    assert count(session, IdempotentCall) == 0


def test_once_writes_for_a_new_key_and_never_again_for_a_kept_one(session):
    writes = []

    def write():
        writes.append(1)
        return {"n": len(writes)}

    for _ in range(2):
        with session.begin():
            assert idempotent_calls.once(session, key(9), "probe", write) == {"n": 1}
    # without a key every call writes
    with session.begin():
        assert idempotent_calls.once(session, None, "probe", write) == {"n": 2}
    assert len(writes) == 2
