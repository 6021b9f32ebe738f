"""The request body of a person's notification preferences."""

import pytest

from contracts.api.notifications import PreferencesUpdate
from nabo_common.api.errors import ValidationFailed
from nabo_common.api.validation import load

NETWORK, OTHER = "a" * 36, "b" * 36


def test_a_network_is_chosen_once():
    weekly = {"network_id": NETWORK, "mode": "weekly"}
    every_post = {"network_id": NETWORK, "mode": "every_post"}
    twice = {"networks": [weekly, every_post]}
    with pytest.raises(ValidationFailed) as refused:
        load(PreferencesUpdate, twice)
    assert refused.value.errors == {"networks": ["Choose each network once."]}
    both = {"networks": [{"network_id": NETWORK, "mode": "weekly"}, {"network_id": OTHER, "mode": "none"}]}
    assert [c["mode"] for c in load(PreferencesUpdate, both)["networks"]] == ["weekly", "none"]
