"""The guest retention setting of the services that keep guests' data: its
default, the service's own variable winning over the plain one, and bad
values refused at start with the variable that was set named."""
from types import SimpleNamespace

import pytest

from nabo_common.persistence.retention import GuestRetentionDays, guest_retention_days
from nabo_common.runtime.settings import ConfigError

SERVICES = ("events", "notifications")


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    for service in SERVICES:
        monkeypatch.delenv(f"{service.upper()}_GUEST_RETENTION_DAYS", raising=False)
    monkeypatch.delenv("GUEST_RETENTION_DAYS", raising=False)


@pytest.mark.parametrize("service", SERVICES)
def test_guest_retention_defaults_to_a_year_and_the_services_own_variable_wins(monkeypatch, service):
    assert guest_retention_days(service) == 365
    monkeypatch.setenv("GUEST_RETENTION_DAYS", "90")
    assert guest_retention_days(service) == 90
    monkeypatch.setenv(f"{service.upper()}_GUEST_RETENTION_DAYS", "30")
    assert guest_retention_days(service) == 30
    other = next(s for s in SERVICES if s != service)
    assert guest_retention_days(other) == 90


@pytest.mark.parametrize("service", SERVICES)
@pytest.mark.parametrize("value", ["a year", "1.5", "0", "-7"])
def test_a_bad_guest_retention_stops_the_service_at_start_naming_the_variable(monkeypatch, service, value):
    variable = f"{service.upper()}_GUEST_RETENTION_DAYS"
    monkeypatch.setenv(variable, value)
    with pytest.raises(ConfigError, match=variable):
        guest_retention_days(service)
    provider = GuestRetentionDays()
    provider.container = SimpleNamespace(service_name=service)
    with pytest.raises(SystemExit, match=f"configuration error: {variable}"):
        provider.setup()


def test_the_plain_variable_is_named_when_it_is_the_one_set(monkeypatch):
    monkeypatch.setenv("GUEST_RETENTION_DAYS", "forever")
    with pytest.raises(ConfigError, match="^GUEST_RETENTION_DAYS must be a whole number"):
        guest_retention_days("notifications")
