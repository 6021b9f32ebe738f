"""The gateway's mapping of failures to problem responses, and its settings."""
import json
from types import SimpleNamespace

import pytest
from nameko.exceptions import RemoteError

from gateway import config as config_mod
from gateway.auth import Authenticator
from gateway.http import ApiRoute
from gateway.ratelimit import TooManyRequests
from gateway.runtime import reset_runtime
from nabo_common.api.errors import NotFound
from nabo_common.runtime import settings


def _route():
    return ApiRoute("GET", "/v1/things/<id>")


def test_database_outage_in_a_service_is_503_not_500():
    response = _route().response_from_exception(
        RemoteError("OperationalError", "server closed the connection")
    )
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    assert json.loads(response.get_data())["title"] == "Service unavailable"


def test_a_bug_in_a_service_is_500_without_internals():
    response = _route().response_from_exception(RemoteError("KeyError", "'secret_column'"))
    assert response.status_code == 500
    assert "secret_column" not in response.get_data(as_text=True)


def test_domain_errors_keep_their_status():
    response = _route().response_from_exception(NotFound("Event x not found."))
    assert response.status_code == 404 and response.mimetype == "application/problem+json"


def test_a_limit_reached_after_sign_in_is_429_with_retry_after():
    response = _route().response_from_exception(TooManyRequests(42))
    assert response.status_code == 429 and response.mimetype == "application/problem+json"
    assert response.headers["Retry-After"] == "42"


RATE_LIMIT_SETTINGS = (
    "WRITE_RATE_LIMIT",
    "SIGN_IN_RATE_LIMIT",
    "SIGN_IN_IP_RATE_LIMIT",
    "REGISTRATION_RATE_LIMIT",
    "CAMPAIGN_SEND_RATE_LIMIT",
)


def test_rate_limits_have_defaults_and_take_the_environment(monkeypatch):
    for name in RATE_LIMIT_SETTINGS:
        monkeypatch.delenv(name, raising=False)
    config = config_mod.load()
    assert (config.registration_limit, config.campaign_send_limit) == ("20/minute", "10/hour")
    monkeypatch.setenv("REGISTRATION_RATE_LIMIT", "5 per minute")
    monkeypatch.setenv("CAMPAIGN_SEND_RATE_LIMIT", "3/day")
    config = config_mod.load()
    assert (config.registration_limit, config.campaign_send_limit) == ("5 per minute", "3/day")


@pytest.mark.parametrize("name", RATE_LIMIT_SETTINGS)
@pytest.mark.parametrize("value", ["20/fortnight", "lots", "0/minute", "10/hour;100/day"])
def test_a_bad_rate_limit_fails_with_the_variable_named(monkeypatch, name, value):
    monkeypatch.setenv(name, value)
    with pytest.raises(settings.ConfigError, match=name):
        config_mod.load()


def test_the_gateway_does_not_start_with_a_bad_rate_limit(monkeypatch):
    monkeypatch.setenv("REGISTRATION_RATE_LIMIT", "twenty")
    reset_runtime()
    authenticator = Authenticator()
    authenticator.container = SimpleNamespace(
        config={"NABO_SETTINGS": settings.load("gateway")}, service_name="gateway"
    )
    try:
        with pytest.raises(SystemExit, match="REGISTRATION_RATE_LIMIT"):
            authenticator.setup()
    finally:
        reset_runtime()
