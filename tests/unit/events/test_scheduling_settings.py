"""The guest retention setting of the events service: its default, the
service's own variable winning over the plain one, and bad values refused at
start with the variable that was set named."""
from types import SimpleNamespace

import pytest

from nabo_common.settings import ConfigError
from nabo_common.retention import guest_retention_days
from nabo_common.worker import GuestRetentionDays

VARIABLES = ("EVENTS_GUEST_RETENTION_DAYS", "GUEST_RETENTION_DAYS")


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    for name in VARIABLES:
        monkeypatch.delenv(name, raising=False)


def test_guest_retention_defaults_to_a_year_and_the_services_own_variable_wins(monkeypatch):
    assert guest_retention_days("events") == 365
    monkeypatch.setenv("GUEST_RETENTION_DAYS", "90")
    assert guest_retention_days("events") == 90
    monkeypatch.setenv("EVENTS_GUEST_RETENTION_DAYS", "30")
    assert guest_retention_days("events") == 30


@pytest.mark.parametrize("value", ["a year", "1.5", "0", "-7"])
def test_a_bad_guest_retention_stops_the_service_at_start_naming_the_variable(monkeypatch, value):
    monkeypatch.setenv("EVENTS_GUEST_RETENTION_DAYS", value)
    with pytest.raises(ConfigError, match="EVENTS_GUEST_RETENTION_DAYS"):
        guest_retention_days("events")
    provider = GuestRetentionDays()
    provider.container = SimpleNamespace(service_name="events")
    with pytest.raises(SystemExit, match="configuration error: EVENTS_GUEST_RETENTION_DAYS"):
        provider.setup()


def test_the_plain_variable_is_named_when_it_is_the_one_set(monkeypatch):
    monkeypatch.setenv("GUEST_RETENTION_DAYS", "forever")
    with pytest.raises(ConfigError, match="^GUEST_RETENTION_DAYS must be a whole number"):
        guest_retention_days("events")
