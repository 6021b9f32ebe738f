"""The members service's conversation settings: when a quiet network's conveners are asked and when it is
marked dormant, and how long hidden posts keep their text; defaults, the service's own variable winning,
and bad values stopping the service at start with the variable named."""
import pytest

from services.members.service import ConversationSettings

NAMES = ("NETWORK_DORMANT_AFTER_DAYS", "NETWORK_DORMANCY_NOTICE_DAYS", "HIDDEN_POST_RETENTION_DAYS")


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    for name in NAMES:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(f"MEMBERS_{name}", raising=False)


def settings():
    provider = ConversationSettings()
    provider.setup()
    return provider


def test_defaults_and_the_services_own_variable_wins(monkeypatch):
    found = settings()
    assert (found.dormant_after_days, found.dormancy_notice_days, found.hidden_post_retention_days) == (
        180, 14, 180)
    monkeypatch.setenv("HIDDEN_POST_RETENTION_DAYS", "30")
    monkeypatch.setenv("MEMBERS_HIDDEN_POST_RETENTION_DAYS", "7")
    monkeypatch.setenv("NETWORK_DORMANT_AFTER_DAYS", "90")
    monkeypatch.setenv("NETWORK_DORMANCY_NOTICE_DAYS", "0")  # marked dormant at the next check
    found = settings()
    assert (found.dormant_after_days, found.dormancy_notice_days, found.hidden_post_retention_days) == (
        90, 0, 7)


@pytest.mark.parametrize("name, value", [("HIDDEN_POST_RETENTION_DAYS", "0"),
                                         ("HIDDEN_POST_RETENTION_DAYS", "a year"),
                                         ("NETWORK_DORMANT_AFTER_DAYS", "0"),
                                         ("NETWORK_DORMANCY_NOTICE_DAYS", "-1")])
def test_a_bad_value_stops_the_service_at_start_naming_the_variable(monkeypatch, name, value):
    monkeypatch.setenv(name, value)
    with pytest.raises(SystemExit, match=f"configuration error: {name}"):
        settings()
