"""Backbone pieces that need no broker: settings, caller signing, envelopes, logs."""
import json
import logging

import pytest
from marshmallow import ValidationError

from nabo_common.messaging import envelopes
from nabo_common.runtime import context, logs, metrics, settings


def test_settings_prefer_component_specific_variables(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "sqlite:///general.db")
    monkeypatch.setenv("EVENTS_DATABASE_URL", "sqlite:///events.db")
    assert settings.load("events").database_url == "sqlite:///events.db"
    assert settings.load("ideas").database_url == "sqlite:///general.db"


@pytest.mark.parametrize(
    "name,value",
    [
        ("HTTP_PORT", "eighty"),
        ("MEMBERS_HTTP_PORT", "eighty"),
        ("MEMBERS_RPC_TIMEOUT_SECONDS", "soon"),
        ("RPC_TIMEOUT_SECONDS", "-1"),
        ("LOG_FORMAT", "xml"),
        ("NABO_CONTEXT_KEYS", "nokid"),
        ("NABO_CONTEXT_KEYS", "k:short"),
    ],
)
def test_bad_settings_fail_at_start_with_the_variable_named(monkeypatch, name, value):
    monkeypatch.setenv(name, value)
    with pytest.raises(settings.ConfigError, match=name):
        settings.load("members")


def test_caller_signing_rotation_and_forgery():
    old, new = ("k1", "first-secret-of-sixteen+"), ("k2", "second-secret-sixteen+++")
    caller = context.Caller(person_id="p", roles=("member",), member_of=("a",))
    token = context.sign(caller, [old])
    assert context.verify(token, [new, old]).person_id == "p"  # old key still verifies after rotation
    assert context.verify(token, [new]) is None  # refused once the old key is removed
    assert context.verify(context.sign(caller, [("k1", "an-attackers-own-secret!")]), [old]) is None
    expired = context.sign(caller, [old], ttl=1, now=1_000)
    assert context.verify(expired, [old]) is None
    assert context.verify(expired, [old], verify_expiry=False).person_id == "p"


def test_a_shared_caller_token_serves_many_requests_with_their_own_request_ids():
    keys = [("k1", "first-secret-of-sixteen+")]
    member = context.Caller(person_id="p", roles=("member",), member_of=("a",), request_id="first-request")
    token = context.sign_shared(member, keys)
    assert (
        context.sign_shared(context.Caller(**{**member.__dict__, "request_id": "second-request"}), keys)
        == token
    )
    assert (
        context.sign_shared(context.Caller(**{**member.__dict__, "roles": ("platform_admin",)}), keys)
        != token
    )
    assert context.sign_shared(member, [("k2", "second-secret-sixteen+++")]) != token
    first = context.verify(token, keys, request_id="req-1")
    second = context.verify(token, keys, request_id="req-2")
    assert (first.person_id, first.member_of, first.request_id) == ("p", ("a",), "req-1")
    assert (
        second.request_id == "req-2" and first.request_id == "req-1"
    )  # the remembered caller is not changed
    # a token that carries its own request id keeps it
    assert context.verify(context.sign(member, keys), keys, request_id="other").request_id == "first-request"


def test_a_remembered_caller_token_still_expires_and_still_needs_a_current_key():
    import time

    old, new = ("k1", "first-secret-of-sixteen+"), ("k2", "second-secret-sixteen+++")
    caller = context.Caller(person_id="p", roles=("member",))
    token = context.sign(caller, [old], ttl=1, with_request_id=False)
    assert context.verify(token, [old]).person_id == "p"
    assert context.verify(token, [new]) is None  # remembered with the keys that verified it, not for others
    time.sleep(2.1)
    assert context.verify(token, [old]) is None
    assert context.verify(token, [old], verify_expiry=False).person_id == "p"  # an event's recorded caller


def test_envelope_round_trip_and_rejections():
    data = {"person_id": "p", "erased_at": "2026-01-01T00:00:00+00:00"}
    envelope = envelopes.build("person.erased", data, association_id="a", actor_id="admin")
    assert set(envelope) == {
        "id",
        "type",
        "occurred_at",
        "source",
        "association_id",
        "actor_id",
        "schema_version",
        "data",
    }
    parsed = envelopes.parse(json.loads(json.dumps(envelope)))
    assert parsed["data"]["person_id"] == "p" and parsed["actor_id"] == "admin"
    older = {k: v for k, v in envelope.items() if k != "actor_id"}  # published before actor_id existed
    assert envelopes.parse(json.loads(json.dumps(older)))["actor_id"] is None
    with pytest.raises(ValidationError):
        envelopes.build("person.erased", {"person_id": "p"})
    with pytest.raises(envelopes.UnknownEventType):
        envelopes.parse(dict(envelope, type="no.such_type"))
    with pytest.raises(ValidationError):
        envelopes.parse(dict(envelope, schema_version=99))


def test_text_logs_carry_the_request_id():
    formatter = logs.TextFormatter("%(message)s")
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "hello", None, None)
    record.request_id = "req-123"
    assert formatter.format(record) == "hello [request_id=req-123]"


def test_infrastructure_failures_are_transient_and_message_failures_are_not():
    import psycopg2
    from nameko.exceptions import RemoteError
    from sqlalchemy import exc as sa_exc

    from nabo_common.api.errors import ServiceTimeout
    from nabo_common.messaging.transient import is_transient

    db_down = sa_exc.OperationalError(
        "SELECT 1", {}, psycopg2.OperationalError("server closed the connection")
    )
    assert is_transient(db_down)
    assert is_transient(ServiceTimeout("members did not answer within 5 s"))
    assert is_transient(RemoteError("OperationalError", "could not connect to server"))
    assert is_transient(ConnectionResetError())
    try:  # wrapped by a domain error: the cause still counts
        try:
            raise db_down
        except sa_exc.OperationalError as inner:
            raise RuntimeError("could not record the delivery") from inner
    except RuntimeError as outer:
        assert is_transient(outer)
    assert not is_transient(sa_exc.IntegrityError("INSERT", {}, Exception("duplicate key")))
    assert not is_transient(RemoteError("ValidationError", "bad payload"))
    assert not is_transient(KeyError("name"))
    assert not is_transient(ValueError("not a date"))


def test_rpc_replies_go_without_publisher_confirms_while_requests_keep_them():
    from nameko import rpc as nameko_rpc

    from nabo_common.runtime import patch

    patch.apply()
    assert nameko_rpc.Responder.publisher_cls("memory://").use_confirms is False
    # the gateway learns from a request's confirm that no instance consumes its queue (503)
    assert nameko_rpc.MethodProxy.publisher_cls("memory://").use_confirms is True


@pytest.mark.parametrize(
    "header,seconds",
    [
        (1_000_000_000_000, 2.5),  # committed 2.5 s before now
        (1_000_000_002_000, 0.5),
        (1_000_000_002_500.0, 0.0),
        (1_000_000_004_000, 0.0),  # a clock a little ahead of ours: taken as no time at all
    ],
)
def test_time_since_commit_from_a_header_in_milliseconds(header, seconds):
    assert metrics.seconds_since(header, 1_000_000_002.5) == pytest.approx(seconds)


@pytest.mark.parametrize(
    "header", [None, "1000000000000", True, float("nan"), float("inf"), [1], 1_000_000_010_000]
)
def test_a_commit_time_that_is_missing_garbled_or_far_ahead_is_not_used(header):
    assert metrics.seconds_since(header, 1_000_000_002.5) is None
