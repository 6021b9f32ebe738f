"""Idempotency-Key through the real gateway, members and events services over
RabbitMQ and PostgreSQL: a retry gets the first answer and never a second
registration, whether the gateway kept the answer or only the events service
recorded the key."""

import json
import time
import uuid

import eventlet
import pytest
import requests
from sqlalchemy import create_engine, text

from gateway.runtime import reset_runtime, runtime
from tests.support.api import Api, Tenant, check, platform_admin_token, unique
from tests.support.infra import running_system
from tests.unit.events.conftest import event_payload

# generous limits: the tests send many anonymous registrations from one address
SETTINGS = {"REGISTRATION_RATE_LIMIT": "1000/minute", "WRITE_RATE_LIMIT": "1000/minute"}
SHORT_TTL_SECONDS = 1


@pytest.fixture(scope="module")
def system(amqp_uri):
    patch = pytest.MonkeyPatch()
    for name, value in SETTINGS.items():
        patch.setenv(name, value)
    reset_runtime()
    try:
        with running_system(amqp_uri, ["members", "events", "notifications", "ideas", "gateway"]) as system:
            yield system
    finally:
        patch.undo()
        reset_runtime()


@pytest.fixture(scope="module")
def api(system):
    return Api(system.url("gateway"))


@pytest.fixture(scope="module")
def platform(system, api):
    return api.as_(platform_admin_token(system, api))


@pytest.fixture(scope="module")
def tenant(api, platform):
    return Tenant(api, platform, "DK", "da", "Europe/Copenhagen")


@pytest.fixture(scope="module")
def event(tenant):
    created = check(tenant.admin.post("/v1/events", event_payload(association_ids=[tenant.id])), 201)
    return check(tenant.admin.post(f"/v1/events/{created['id']}/transitions", {"to": "published"}), 200)


@pytest.fixture(scope="module")
def registrations_of(system):
    engine = create_engine(system.settings["events"].database_url)

    def count(email):
        with engine.connect() as connection:
            return connection.scalar(
                text("SELECT count(*) FROM registrations WHERE email = :email"), {"email": email}
            )

    yield count
    engine.dispose()


def guest(tag="guest"):
    email = f"{tag}-{uuid.uuid4().hex[:8]}@idempotency.test"
    return {"name": "Guest", "email": email, "language": "en"}


def register(api, event, body, key):
    return api.post(f"/v1/events/{event['id']}/registrations", body, headers={"Idempotency-Key": key})


def new_key():
    return str(uuid.uuid4())


def test_a_retry_with_the_same_key_and_body_gets_the_first_answer_and_one_row(api, event, registrations_of):
    body, key = guest(), new_key()
    first = register(api, event, body, key)
    retry = register(api, event, body, key)
    assert first.status_code == retry.status_code == 201, retry.text
    assert retry.json() == first.json()
    assert retry.headers["Content-Type"] == first.headers["Content-Type"]
    assert retry.headers["Idempotent-Replayed"] == "true" and "Idempotent-Replayed" not in first.headers
    assert registrations_of(body["email"]) == 1


def test_the_same_key_with_another_body_is_422(api, event, registrations_of):
    body, key = guest(), new_key()
    check(register(api, event, body, key), 201)
    other = dict(body, email=guest()["email"])
    refused = register(api, event, other, key)
    assert refused.status_code == 422 and refused.headers["Content-Type"] == "application/problem+json"
    assert refused.json()["type"].endswith("/idempotency-key-reused")
    assert registrations_of(other["email"]) == 0


def test_a_refusal_is_replayed_in_the_language_it_was_first_answered_in(api, event, registrations_of):
    body, key = {"name": "Gast", "email": "not an address", "language": "de"}, new_key()
    url = f"/v1/events/{event['id']}/registrations"
    first = api.post(url, body, headers={"Idempotency-Key": key, "Accept-Language": "de"})
    retry = api.post(url, body, headers={"Idempotency-Key": key, "Accept-Language": "de"})
    assert first.status_code == retry.status_code == 422, first.text
    assert first.json()["title"] != "Validation failed"  # German, not the English source
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert retry.json() == first.json()


def test_the_same_json_in_another_key_order_is_the_same_request(api, event, registrations_of):
    body, key = guest(), new_key()
    url = f"{api.base_url}/v1/events/{event['id']}/registrations"
    reordered = json.dumps(dict(reversed(list(body.items()))))
    first = requests.post(url, json=body, headers={"Idempotency-Key": key}, timeout=30)
    retry = requests.post(url, data=reordered, timeout=30,
                          headers={"Idempotency-Key": key, "Content-Type": "application/json"})
    assert first.status_code == retry.status_code == 201, retry.text
    assert retry.json() == first.json() and retry.headers["Idempotent-Replayed"] == "true"
    assert registrations_of(body["email"]) == 1


@pytest.mark.parametrize("key", ["", "x" * 256, "caf\u00e9", "tab\tbed"])
def test_a_malformed_key_is_400_and_does_nothing(api, event, registrations_of, key):
    body = guest()
    refused = requests.post(
        f"{api.base_url}/v1/events/{event['id']}/registrations",
        json=body,
        headers={"Idempotency-Key": key.encode("utf-8")},
        timeout=30,
    )
    assert refused.status_code == 400, refused.text
    assert "Idempotency-Key" in refused.json()["detail"]
    assert registrations_of(body["email"]) == 0
    in_danish = requests.post(
        f"{api.base_url}/v1/events/{event['id']}/registrations",
        json=body,
        headers={"Idempotency-Key": key.encode("utf-8"), "Accept-Language": "da"},
        timeout=30,
    )
    assert "ASCII-tegn" in in_danish.json()["detail"]


def test_concurrent_duplicates_get_the_answer_or_409_and_never_two_rows(api, event, registrations_of):
    body, key = guest("racer"), new_key()
    answers = list(
        eventlet.GreenPool(8).imap(lambda _: register(Api(api.base_url), event, body, key), range(8))
    )
    statuses = sorted(a.status_code for a in answers)
    assert set(statuses) <= {201, 409} and 201 in statuses, statuses
    assert len({a.json()["id"] for a in answers if a.status_code == 201}) == 1
    for busy in (a for a in answers if a.status_code == 409):
        assert busy.json()["type"].endswith("/idempotency-key-in-use") and busy.headers["Retry-After"]
    assert registrations_of(body["email"]) == 1


def test_keys_are_the_callers_own(tenant, platform):
    # two callers, one key, one body: each gets an event of its own, neither the other's answer
    key = new_key()
    payload = event_payload(title="Shared key", association_ids=[tenant.id])
    mine = tenant.admin.post("/v1/events", payload, headers={"Idempotency-Key": key})
    theirs = platform.post("/v1/events", payload, headers={"Idempotency-Key": key})
    assert mine.status_code == theirs.status_code == 201, theirs.text
    assert mine.json()["id"] != theirs.json()["id"]
    assert "Idempotent-Replayed" not in theirs.headers


def test_a_lost_answer_is_replayed_by_the_service_not_registered_twice(api, event, registrations_of):
    # the gateway kept nothing (as after a 504, or a gateway replaced between the tries): the events
    # service recorded the key with the registration and answers the retry with it
    body, key = guest("lost"), new_key()
    first = check(register(api, event, body, key), 201)
    reset_runtime()  # the gateway's in-memory records are gone
    retry = register(api, event, body, key)
    assert retry.status_code == 201, retry.text
    assert retry.json()["id"] == first["id"] and "Idempotent-Replayed" not in retry.headers
    assert registrations_of(body["email"]) == 1


def test_an_expired_key_does_the_work_again(api, event, registrations_of, monkeypatch):
    monkeypatch.setenv("IDEMPOTENCY_KEY_TTL_SECONDS", str(SHORT_TTL_SECONDS))
    reset_runtime()
    try:
        body, key = guest("expiring"), new_key()
        check(register(api, event, body, key), 201)
        time.sleep(SHORT_TTL_SECONDS + 0.5)
        again = register(api, event, body, key)
    finally:
        monkeypatch.delenv("IDEMPOTENCY_KEY_TTL_SECONDS")
        reset_runtime()
    # registered again, and refused as such by the events service: not the first answer replayed
    assert again.status_code == 409, again.text
    assert again.json()["title"] == "Conflict" and "Idempotent-Replayed" not in again.headers
    assert registrations_of(body["email"]) == 1


# a creation of each service: its path, its body, and the table and column that name what it created
CREATIONS = {
    "organisation": (
        "/v1/organisations",
        "members",
        "organisations",
        "name",
        lambda name, tenant: {"name": name, "country": "DK", "sector": "62.01", "region": "Fyn"},
    ),
    "programme": (
        "/v1/programmes",
        "events",
        "programmes",
        "title",
        lambda name, tenant: {
            "title": name,
            "period_start": "2027-01-01",
            "period_end": "2027-12-31",
            "budget_amount_minor": 1000,
            "currency": "DKK",
        },
    ),
    "campaign": (
        "/v1/campaigns",
        "notifications",
        "campaigns",
        "name",
        lambda name, tenant: {
            "name": name,
            "sender_name": "Erhvervsforening",
            "contents": {"en": {"subject": name, "text": "Come along."}},
            "segment": {"association_ids": [tenant.id]},
        },
    ),
    "panel": (
        "/v1/panels",
        "ideas",
        "panels",
        "title",
        lambda name, tenant: {
            "year": 2027,
            "title": name,
            "theme": "Green transition",
            "language": "en",
            "time_zone": "Europe/Copenhagen",
            "sub_themes": [{"key": "energy", "name": "Energy"}],
        },
    ),
}


@pytest.mark.parametrize("what", sorted(CREATIONS))
def test_a_creation_whose_answer_was_lost_is_answered_by_its_service_once(system, tenant, what):
    path, service, table, column, body_of = CREATIONS[what]
    name, key = unique(what), new_key()
    first = check(tenant.admin.post(path, body_of(name, tenant), headers={"Idempotency-Key": key}), 201)
    reset_runtime()  # the gateway's in-memory records are gone, as after a 504
    retry = check(tenant.admin.post(path, body_of(name, tenant), headers={"Idempotency-Key": key}), 201)
    assert retry["id"] == first["id"]
    engine = create_engine(system.settings[service].database_url)
    with engine.connect() as connection:
        rows = connection.scalar(
            text(f"SELECT count(*) FROM {table} WHERE {column}::text LIKE :name"), {"name": f"%{name}%"}
        )
    engine.dispose()
    assert rows == 1


def test_a_retry_gets_the_first_answer_also_once_the_callers_limit_is_reached(api, event, monkeypatch):
    body, key = guest("limited"), new_key()
    first = register(api, event, body, key)
    assert first.status_code == 201, first.text
    monkeypatch.setattr(runtime().limits, "hit", lambda *limit_and_requester: (False, 30))  # limit reached
    retry = register(api, event, body, key)
    assert retry.status_code == 201 and retry.headers["Idempotent-Replayed"] == "true", retry.text
    assert retry.json() == first.json()
    other, other_key = guest("limited"), new_key()
    refused = register(api, event, other, other_key)
    assert refused.status_code == 429 and refused.headers["Retry-After"] == "30"
    monkeypatch.undo()
    # the refused request's key was not kept: once a slot is free, its retry is done
    assert register(api, event, other, other_key).status_code == 201
