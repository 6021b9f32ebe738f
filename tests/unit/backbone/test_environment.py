"""Settings that only suit a laptop are refused outside development
(NABO_ENV=production): PUBLIC_BASE_URL must be set, https and not localhost."""
import pytest

from nabo_common.runtime import settings


@pytest.mark.parametrize("value, message", [
    (None, "must be set outside development"), ("http://api.nabo.example", "must be an https URL"),
    ("https://localhost:8000", "not a localhost address"), ("https://127.0.0.1", "not a localhost address"),
    ("https://nabo.localhost", "not a localhost address"), ("https://[::1]/", "not a localhost address"),
])
def test_production_refuses_a_public_base_url_that_only_suits_a_laptop(monkeypatch, value, message):
    monkeypatch.setenv("NABO_ENV", "production")
    for name in ("PUBLIC_BASE_URL", "NOTIFICATIONS_PUBLIC_BASE_URL", "GATEWAY_PUBLIC_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    if value:
        monkeypatch.setenv("PUBLIC_BASE_URL", value)
    with pytest.raises(settings.ConfigError, match=message):
        settings.public_base_url("notifications")


def test_production_takes_a_public_https_address_and_development_needs_nothing(monkeypatch):
    for name in ("PUBLIC_BASE_URL", "NOTIFICATIONS_PUBLIC_BASE_URL", "NABO_ENV"):
        monkeypatch.delenv(name, raising=False)
    assert settings.public_base_url("notifications") == "http://localhost:8000"
    monkeypatch.setenv("NABO_ENV", "production")
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://api.nabo.example/")
    assert settings.public_base_url("notifications") == "https://api.nabo.example"


def test_an_unknown_environment_is_refused(monkeypatch):
    monkeypatch.setenv("NABO_ENV", "prod")
    with pytest.raises(settings.ConfigError, match="NABO_ENV must be one of"):
        settings.environment()


def test_both_components_that_build_links_refuse_to_start(monkeypatch):
    from gateway import config as gateway_config
    from services.notifications import config as notifications_config

    monkeypatch.setenv("NABO_ENV", "production")
    monkeypatch.setenv("PUBLIC_BASE_URL", "http://localhost:8000")
    for load in (gateway_config.load, notifications_config.load):
        with pytest.raises(settings.ConfigError, match="PUBLIC_BASE_URL"):
            load()
