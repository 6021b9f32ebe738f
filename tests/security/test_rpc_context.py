"""Services re-check the caller themselves: an RPC that bypasses the gateway
with a forged, unknown-key or expired caller context is anonymous, whatever
identity it claims."""
import time

import jwt
import pytest
from nameko.standalone.rpc import ClusterRpcProxy

from nabo_common.runtime import context
from tests.support.api import unique

PLATFORM = context.Caller(person_id="00000000-0000-0000-0000-000000000001", roles=(context.PLATFORM_ADMIN,))


def writes(world):
    """One write RPC per service, each allowed to a platform admin."""
    return {
        "members": (
            "create_association",
            (
                {
                    "name": "Forged",
                    "slug": unique("forged"),
                    "country": "NL",
                    "default_language": "nl",
                    "time_zone": "Europe/Amsterdam",
                },
            ),
        ),
        "events": (
            "create_programme",
            (
                {
                    "association_ids": [world["association"]],
                    "title": "Forged",
                    "period_start": "2025-01-01",
                    "period_end": "2025-12-31",
                    "budget_amount_minor": 100,
                    "currency": "EUR",
                },
            ),
        ),
        "notifications": (
            "create_campaign",
            (
                {
                    "association_id": world["association"],
                    "name": "Forged",
                    "sender_name": "Forged",
                    "segment": {"association_ids": [world["association"]]},
                    "contents": {"en": {"subject": "Forged", "text": "Forged"}},
                },
            ),
        ),
        "ideas": (
            "create_panel",
            (
                {
                    "association_id": world["association"],
                    "title": "Forged",
                    "theme": "Forged",
                    "language": "en",
                    "year": 2030,
                },
            ),
        ),
    }


def forged_contexts(keys):
    kid, secret = keys[0]
    claims = dict(PLATFORM.to_claims(), iat=int(time.time()), exp=int(time.time()) + 300)
    return {
        "wrong key": jwt.encode(
            claims, "a-key-nobody-configured-" * 2, algorithm="HS256", headers={"kid": kid}
        ),
        "unknown kid": jwt.encode(claims, secret, algorithm="HS256", headers={"kid": "forged"}),
        "expired": context.sign(PLATFORM, keys, now=time.time() - 3600),
        "unsigned": jwt.encode(claims, None, algorithm="none", headers={"kid": kid}),
        "not a token": {"person_id": PLATFORM.person_id, "roles": ["platform_admin"]},
    }


def _call(system, service, method, args, caller_token):
    config = {"AMQP_URI": system.settings["gateway"].amqp_uri}
    with ClusterRpcProxy(config, context_data={context.CONTEXT_KEY: caller_token}, timeout=10) as rpc:
        return getattr(getattr(rpc, service), method)(*args)


@pytest.mark.parametrize("service", ["members", "events", "notifications", "ideas"])
def test_forged_caller_context_is_refused_by_every_service(system, world, service):
    keys = system.settings[service].context_keys
    method, args = writes(world)[service]
    for name, token in forged_contexts(keys).items():
        with pytest.raises(Exception) as refused:
            _call(system, service, method, args, token)
        kind = getattr(refused.value, "exc_type", type(refused.value).__name__)
        assert kind in ("NotAuthenticated", "Forbidden"), (
            f"{service}.{method} with a {name} context: {refused.value!r}"
        )
    # control: the same call with a genuine platform admin context is accepted
    created = _call(system, service, method, args, context.sign(PLATFORM, keys))
    assert created["id"]


def test_a_forged_context_cannot_read_another_persons_data(system, world):
    keys = system.settings["members"].context_keys
    for name, token in forged_contexts(keys).items():
        with pytest.raises(Exception) as refused:
            _call(system, "members", "get_person", (world["person"],), token)
        kind = getattr(refused.value, "exc_type", type(refused.value).__name__)
        assert kind in ("NotAuthenticated", "NotFound"), (
            f"get_person with a {name} context: {refused.value!r}"
        )
    assert (
        _call(system, "members", "get_person", (world["person"],), context.sign(PLATFORM, keys))["id"]
        == world["person"]
    )
