"""The cancel link of registration mail: signed like unsubscribe links but for its own purpose, and its
page in every language."""
from types import SimpleNamespace

import jwt
import pytest

from nabo_common.api.errors import BadInput
from services.notifications.domain import cancel_links, rendering, tokens
from tests.unit.notifications.test_settings_tokens_mail import KEYS_OLD, KEYS_ROTATED

CONFIG = SimpleNamespace(unsubscribe_keys=KEYS_OLD, public_base_url="https://nabo.example")
REGISTRATION = {"registration_id": "r1", "event_id": "e1", "title": "Export <clinic>", "name": "Guest",
                "starts_at": "2030-05-01T08:00:00+00:00", "time_zone": "Europe/Copenhagen", "language": "sv",
                "status": "confirmed", "already_cancelled": False}


def _token(url):
    return url.split("token=", 1)[1]


def test_a_link_names_its_registration_also_after_key_rotation():
    url = cancel_links.link(CONFIG, "r1")
    assert url.startswith("https://nabo.example/v1/cancel-registration?token=")
    rotated = SimpleNamespace(unsubscribe_keys=KEYS_ROTATED, public_base_url=CONFIG.public_base_url)
    assert cancel_links.registration_of(rotated, _token(url)) == {"registration_id": "r1"}


def test_unsubscribe_and_cancel_tokens_do_not_open_each_other():
    unsubscribe = tokens.sign(KEYS_OLD, "p1", "a1", "newsletter")
    with pytest.raises(BadInput, match="cancel link"):
        cancel_links.registration_of(CONFIG, unsubscribe)
    with pytest.raises(BadInput, match="unsubscribe link"):
        tokens.verify(KEYS_OLD, _token(cancel_links.link(CONFIG, "r1")))


@pytest.mark.parametrize("language", sorted(rendering.LANGUAGES))
def test_the_page_asks_then_says_it_is_done_in_every_language(language):
    token = _token(cancel_links.link(CONFIG, "r1"))
    asking = cancel_links.page(CONFIG, token, dict(REGISTRATION, language=language))
    assert asking["language"] == language
    assert f'action="https://nabo.example/v1/cancel-registration?token={token}"' in asking["html"]
    assert "Export &lt;clinic&gt;" in asking["html"]
    done = cancel_links.page(CONFIG, token, dict(REGISTRATION, language=language, status="cancelled"))
    again = cancel_links.page(CONFIG, token, dict(REGISTRATION, language=language, status="cancelled",
                                                  already_cancelled=True))
    assert "<form" not in done["html"] and "<form" not in again["html"] and done["html"] != again["html"]


@pytest.mark.parametrize("language", sorted(rendering.LANGUAGES))
@pytest.mark.parametrize(
    "kind", ["registration_confirmed", "registration_promoted", "registration_waitlisted"]
)
def test_every_registration_mail_carries_the_cancel_link(kind, language):
    event = {
        "title": "Export clinic",
        "starts_at": REGISTRATION["starts_at"],
        "time_zone": "UTC",
        "venue": None,
        "join_url": None,
    }
    message = rendering.render(
        kind,
        language,
        {
            "event": event,
            "name": "Guest",
            "action_url": None,
            "cancel_url": "https://nabo.example/v1/cancel-registration?token=t",
        },
    )
    assert "https://nabo.example/v1/cancel-registration?token=t" in message.text
    assert "https://nabo.example/v1/cancel-registration?token=t" in message.html


@pytest.mark.parametrize("claims", [{"r": "3f1c2b7a-0d4e-4c5b-9a8f-1e2d3c4b5a69"}, {"r": "Ø\"<"},
                                    {"p": "p1", "a": "a1", "k": "network", "n": "n1"}])
@pytest.mark.parametrize("keys", [KEYS_OLD, KEYS_ROTATED, [("k3", "nøgle-med-æ-long-enough")]])
def test_a_token_is_the_one_pyjwt_writes(claims, keys):
    kid, secret = keys[0]
    for purpose in (cancel_links.PURPOSE, tokens.PURPOSE):
        expected = jwt.encode(dict(claims, pur=purpose), secret, algorithm="HS256", headers={"kid": kid})
        assert tokens.sign_for(keys, purpose, claims) == expected
