"""Published outbox rows are not kept: those naming an erased person are deleted on erasure, the rest once
the retention has passed; unpublished rows stay either way, since they must still go out."""
from datetime import timedelta

import pytest

from nabo_common import cli
from nabo_common.messaging import outbox
from nabo_common.persistence import db
from nabo_common.runtime import settings
from services.events.models import OutboxEvent
from tests.support import outbox_rows

PERSON = "6f1c2d3e-4a5b-4c6d-8e7f-9a0b1c2d3e4f"


def _write(engine, data, published_days_ago=None):
    with db.make_sessionmaker(engine)() as session:
        return outbox_rows.write(session, OutboxEvent, data, published_days_ago)


def _positions(engine):
    with db.make_sessionmaker(engine)() as session:
        return outbox_rows.positions(session, OutboxEvent)


def _forget(engine, needles):
    session = db.make_sessionmaker(engine)()
    with session.begin():
        deleted = outbox.forget_published(session, OutboxEvent, needles)
    session.close()
    return deleted


def test_erasure_deletes_the_published_rows_naming_the_person_by_id_or_e_mail(events_engine):
    by_id = _write(events_engine, {"person_id": PERSON, "name": "Karen"}, published_days_ago=0)
    as_actor = _write(events_engine, {"post": "hej", "by": {"id": PERSON.upper()}}, published_days_ago=0)
    by_email = _write(events_engine, {"email": "Karen.Hansen@Example.org"}, published_days_ago=0)
    non_ascii = _write(events_engine, {"email": "søren@example.dk"}, published_days_ago=0)
    unpublished = _write(events_engine, {"person_id": PERSON, "email": "karen.hansen@example.org"})
    someone_else = _write(events_engine, {"person_id": "another", "email": "ole@example.org"},
                          published_days_ago=0)

    assert _forget(events_engine, (PERSON, "karen.hansen@example.org", None)) == 3
    assert _forget(events_engine, ("Søren@example.dk",)) == 1

    assert _positions(events_engine) == {unpublished, someone_else}
    assert {by_id, as_actor, by_email, non_ascii}.isdisjoint(_positions(events_engine))


def test_like_wildcards_in_a_needle_match_only_themselves(events_engine):
    kept = _write(events_engine, {"email": "karen.hansen@example.org"}, published_days_ago=0)
    underscored = _write(events_engine, {"email": "karen_hansen@example.org"}, published_days_ago=0)
    percent = _write(events_engine, {"note": "100% sure"}, published_days_ago=0)
    assert _forget(events_engine, ("karen_hansen@example.org", "0% s", "")) == 2
    assert _positions(events_engine) == {kept}
    assert not {underscored, percent} & _positions(events_engine)
    assert _forget(events_engine, ()) == 0


def test_retention_deletes_only_rows_published_before_it_in_batches(events_engine):
    old = [_write(events_engine, {"n": n}, published_days_ago=8) for n in range(5)]
    recent = _write(events_engine, {"n": "recent"}, published_days_ago=6)
    unpublished = _write(events_engine, {"n": "due"})
    before = outbox.utcnow() - timedelta(days=7)
    assert outbox.forget_published_before(events_engine, OutboxEvent, before, batch=2) == len(old)
    assert _positions(events_engine) == {recent, unpublished}
    assert outbox.forget_published_before(events_engine, OutboxEvent, before, batch=2) == 0


@pytest.fixture
def clean_environment(monkeypatch):
    for name in ("OUTBOX_RETENTION_DAYS", "MEMBERS_OUTBOX_RETENTION_DAYS", "IDEAS_OUTBOX_RETENTION_DAYS"):
        monkeypatch.delenv(name, raising=False)


def test_the_retention_is_a_week_unless_set_and_the_services_own_variable_wins(monkeypatch,
                                                                             clean_environment):
    assert settings.load("members").outbox_retention_days == 7
    monkeypatch.setenv("OUTBOX_RETENTION_DAYS", "30")
    monkeypatch.setenv("MEMBERS_OUTBOX_RETENTION_DAYS", "1")
    assert settings.load("members").outbox_retention_days == 1
    assert settings.load("ideas").outbox_retention_days == 30


@pytest.mark.parametrize("value", ["a week", "1.5", "0", "-7"])
def test_a_bad_retention_stops_the_service_at_start_naming_the_variable(monkeypatch, clean_environment,
                                                                       value):
    monkeypatch.setenv("MEMBERS_OUTBOX_RETENTION_DAYS", value)
    with pytest.raises(SystemExit, match="configuration error: MEMBERS_OUTBOX_RETENTION_DAYS must be"):
        cli._settings("members")
