"""Start-up settings, unsubscribe tokens, webhook signatures and e-mail building."""
import email
import email.policy
import hashlib
import hmac

import pytest

from nabo_common.api.errors import BadInput
from nabo_common.runtime.settings import ConfigError
from services.notifications import config as config_mod
from services.notifications import mailer
from services.notifications.domain import tokens, webhooks
from services.notifications.pacing import SendPacer
from tests.support.payloads import ICS


@pytest.fixture(autouse=True)
def plain_environment(monkeypatch):
    """Only what each test sets: no NOTIFICATIONS_* overrides from elsewhere in the session."""
    import os

    for name in list(os.environ):
        if name.startswith("NOTIFICATIONS_"):
            monkeypatch.delenv(name)


@pytest.mark.parametrize("name,value,message", [
    ("SMTP_SECURITY", "ssl", "SMTP_SECURITY must be one of none, starttls, tls"),
    ("SMTP_PORT", "smtp", "SMTP_PORT must be a whole number"),
    ("CAMPAIGN_SEND_RATE", "0", "CAMPAIGN_SEND_RATE must be at least"),
    ("CAMPAIGN_DAILY_CAP", "lots", "CAMPAIGN_DAILY_CAP must be a whole number"),
    ("CAMPAIGN_DAILY_CAP", "0", "CAMPAIGN_DAILY_CAP must be at least 1"),
    ("PUBLIC_BASE_URL", "nabo.example", "PUBLIC_BASE_URL must be an http\\(s\\) URL"),
    ("NABO_UNSUBSCRIBE_KEYS", "short:abc", "NABO_UNSUBSCRIBE_KEYS entries must look like kid:secret"),
    ("NABO_WEBHOOK_KEYS", "nokid", "NABO_WEBHOOK_KEYS entries must look like kid:secret"),
    ("MAIL_FROM", "nobody", "MAIL_FROM must hold an e-mail address"),
])
def test_bad_settings_give_one_clear_error(monkeypatch, name, value, message):
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError, match=message):
        config_mod.load()


def test_smtp_credentials_go_together(monkeypatch):
    monkeypatch.setenv("SMTP_USERNAME", "user")
    monkeypatch.delenv("SMTP_PASSWORD", raising=False)
    with pytest.raises(ConfigError, match="SMTP_USERNAME and SMTP_PASSWORD"):
        config_mod.load()


def test_component_variable_wins(monkeypatch):
    monkeypatch.setenv("SMTP_PORT", "2525")
    monkeypatch.setenv("NOTIFICATIONS_SMTP_PORT", "2526")
    assert config_mod.load().smtp_port == 2526


KEYS_OLD = [("k1", "first-secret-long-enough")]
KEYS_ROTATED = [("k2", "second-secret-long-enough"), ("k1", "first-secret-long-enough")]


def test_unsubscribe_token_round_trip_and_rotation():
    token = tokens.sign(KEYS_OLD, "p1", "a1", "newsletter", "c1")
    assert tokens.verify(KEYS_ROTATED, token) == {"person_id": "p1", "association_id": "a1",
                                                  "kind": "newsletter", "campaign_id": "c1",
                                                  "network_id": None}
    with pytest.raises(BadInput):
        tokens.verify([("k2", "second-secret-long-enough")], token)


@pytest.mark.parametrize("token", ["", "not-a-token", "a.b.c"])
def test_forged_unsubscribe_tokens_are_bad_input(token):
    with pytest.raises(BadInput):
        tokens.verify(KEYS_OLD, token)


def test_tampered_token_is_rejected():
    token = tokens.sign(KEYS_OLD, "p1", "a1", "newsletter")
    header, payload, sig = token.split(".")
    forged = tokens.sign([("k1", "another-secret-of-someone")], "p2", "a1", "newsletter").split(".")[1]
    with pytest.raises(BadInput):
        tokens.verify(KEYS_OLD, f"{header}.{forged}.{sig}")


def test_webhook_signature_is_hmac_of_timestamp_and_body():
    body = b'{"a":1}'
    expected = hmac.new(b"s3cret-s3cret-s3cret", b"1700000000." + body, hashlib.sha256).hexdigest()
    assert webhooks.signature("s3cret-s3cret-s3cret", "1700000000", body) == f"v1={expected}"


def test_webhook_secrets_decrypt_after_key_rotation():
    old = webhooks.cipher([("k1", "first-webhook-key-1234")])
    token = old.encrypt(b"the-secret")
    rotated = webhooks.cipher([("k2", "second-webhook-key-1234"), ("k1", "first-webhook-key-1234")])
    assert rotated.decrypt(token) == b"the-secret"


def test_message_is_multipart_with_one_click_unsubscribe_and_calendar():
    message = mailer.build_message(
        mail_from="Nabo <no-reply@nabo.test>",
        to_email="ane@example.test",
        to_name="Ane Ø",
        subject="Hej Ø",
        text="tekst",
        html="<p>tekst</p>",
        message_id="<m1@nabo.test>",
        attachments=[
            {"filename": "event.ics", "content_type": "text/calendar", "content": "BEGIN:VCALENDAR\r\n"}
        ],
        unsubscribe_url="https://nabo.test/v1/unsubscribe?token=t",
    )
    parsed = email.message_from_bytes(message.as_bytes(), policy=email.policy.default)
    assert parsed["List-Unsubscribe"] == "<https://nabo.test/v1/unsubscribe?token=t>"
    assert parsed["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert parsed.get_content_type() == "multipart/mixed"
    assert parsed.get_body(("plain",)).get_content().strip() == "tekst"
    assert parsed.get_body(("html",)).get_content().strip() == "<p>tekst</p>"
    [attachment] = list(parsed.iter_attachments())
    assert attachment.get_content_type() == "text/calendar" and attachment.get_filename() == "event.ics"


@pytest.mark.parametrize(
    "code,kind",
    [
        (450, mailer.TemporaryFailure),
        (421, mailer.TemporaryFailure),
        (550, mailer.PermanentFailure),
        (554, mailer.PermanentFailure),
    ],
)
def test_smtp_replies_are_classified(code, kind):
    assert isinstance(mailer._classified(code, b"reply"), kind)


def test_display_name_keeps_the_configured_address():
    assert (
        mailer.display_from("Erhverv Aalborg", "nabo <no-reply@nabo.test>")
        == "Erhverv Aalborg <no-reply@nabo.test>"
    )


def test_pacer_holds_the_rate():
    import time

    pacer = SendPacer(20)
    started = time.monotonic()
    for _ in range(30):
        pacer.wait()
    # 20 go at once, the next 10 wait for the window to move on
    assert time.monotonic() - started >= 0.9


UNSUBSCRIBE = "https://nabo.test/v1/unsubscribe?token=" + "t" * 180
PLACEHOLDER = "https://unsubscribe.placeholder.invalid/link"


def campaign_template():
    text = f"Kære læser,\n\nforårets program: https://events.test/e/1\n\nAfmeld: {PLACEHOLDER}\n"
    html = f'<p>Kære læser, {"lang linje " * 20}</p>\n<a href="{PLACEHOLDER}">Afmeld</a>'
    return (
        mailer.MessageTemplate(
            mail_from=mailer.display_from("Erhverv Nørd", "nabo <no-reply@nabo.test>"),
            subject="Forår i Ålborg",
            text=text,
            html=html,
            placeholder=PLACEHOLDER,
            reply_to="news@erhverv.test",
            headers={"X-Nabo-Campaign": "C-7"},
        ),
        text,
        html,
    )


def test_template_writes_each_recipient_a_complete_message():
    template, text, html = campaign_template()
    message = template.render(
        to_email="ane@example.test",
        to_name="Ågård, Ane",
        message_id="<m1@nabo.test>",
        unsubscribe_url=UNSUBSCRIBE,
    )
    assert (message.mail_from, message.to_email, message.message_id) == (
        "no-reply@nabo.test",
        "ane@example.test",
        "<m1@nabo.test>",
    )
    assert message.data.isascii() and b"\n" not in message.data.replace(b"\r\n", b"")
    assert max(len(line) for line in message.data.split(b"\r\n")) <= 998
    # one angle-bracketed URL on one line, as one-click unsubscribe needs it
    assert f"\r\nList-Unsubscribe: <{UNSUBSCRIBE}>\r\n".encode() in message.data
    parsed = email.message_from_bytes(message.data, policy=email.policy.default)
    assert parsed.defects == [] and all(part.defects == [] for part in parsed.walk())
    assert parsed["To"].addresses[0].display_name == "Ågård, Ane"
    assert parsed["From"].addresses[0].display_name == "Erhverv Nørd"
    assert (parsed["Subject"], parsed["Reply-To"], parsed["X-Nabo-Campaign"]) == (
        "Forår i Ålborg",
        "news@erhverv.test",
        "C-7",
    )
    assert parsed["Message-ID"] == "<m1@nabo.test>" and parsed["Date"].datetime is not None
    assert parsed["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert parsed.get_content_type() == "multipart/alternative"
    for subtype, source in (("plain", text), ("html", html)):
        body = parsed.get_body((subtype,)).get_content().replace("\r\n", "\n")
        assert body.rstrip("\n") == source.replace(PLACEHOLDER, UNSUBSCRIBE).rstrip("\n")


def test_template_refuses_line_breaks_in_header_values():
    template, _, _ = campaign_template()
    with pytest.raises(ValueError):
        template.render(
            to_email="eve@example.test",
            to_name="Eve\r\nBcc: all@example.test",
            message_id="<m2@nabo.test>",
            unsubscribe_url=UNSUBSCRIBE,
        )


def test_template_refuses_an_internationalised_address_as_build_message_does():
    template, _, _ = campaign_template()
    with pytest.raises(ValueError):
        template.render(
            to_email="søren@eksempel.dk",
            to_name="Søren",
            message_id="<m3@nabo.test>",
            unsubscribe_url=UNSUBSCRIBE,
        )
    with pytest.raises(ValueError):
        mailer.build_message(
            mail_from="nabo <no-reply@nabo.test>",
            to_email="søren@eksempel.dk",
            to_name="Søren",
            subject="s",
            text="t",
            html="h",
            message_id="<m3@nabo.test>",
        )


def test_pacer_grants_a_turn_without_waiting_only_while_the_rate_allows():
    pacer = SendPacer(1 / 60)  # one message a minute
    assert pacer.try_acquire() is True
    assert pacer.try_acquire() is False


def _parts(message_bytes):
    """What a mail client sees of a message: headers, the tree of parts, decoded bodies and parameters."""
    parsed = email.message_from_bytes(message_bytes, policy=email.policy.default)
    assert parsed.defects == [] and all(part.defects == [] for part in parsed.walk())
    headers = {name: str(parsed[name]) for name in ("From", "To", "Subject", "Message-ID", "MIME-Version")}
    tree = [
        (
            part.get_content_type(),
            part.get_param("method"),
            part.get_param("charset"),
            part.get_filename(),
            part.get_content_disposition(),
            None if part.is_multipart() else part.get_content().replace("\r\n", "\n").rstrip("\n"),
        )
        for part in parsed.walk()
    ]
    return headers, tree, parsed["Date"].datetime is not None


@pytest.mark.parametrize(
    "to_name,subject,attachments",
    [
        ("Ane Ø", "Hej Ø", [{"filename": "event.ics", "content_type": "text/calendar", "content": ICS}]),
        (
            "Guest 17",
            "You are registered: Network meeting",
            [{"filename": "event.ics", "content_type": "text/calendar", "content": ICS}],
        ),
        ("Ågård, Ane", "Tilmelding bekræftet: " + "Grøn omstilling i Sønderjylland " * 4, None),
        ("", "plain", []),
    ],
)
def test_composed_transactional_mail_is_the_message_build_message_builds(to_name, subject, attachments):
    fields = dict(
        mail_from="Nabo <no-reply@nabo.test>",
        to_email="ane@example.test",
        to_name=to_name,
        subject=subject,
        text="Kære Ane,\n\nse https://meet.test/x\n" + "lang linje " * 30,
        html="<p>Kære Ane</p>\n<p>" + "lang linje " * 30 + "</p>",
        message_id="<m1@nabo.test>",
        attachments=attachments,
    )
    composed = mailer.compose(**fields)
    assert composed.data.isascii() and max(len(line) for line in composed.data.split(b"\r\n")) <= 998
    assert (composed.mail_from, composed.to_email, composed.message_id) == (
        "no-reply@nabo.test",
        "ane@example.test",
        "<m1@nabo.test>",
    )
    assert _parts(composed.data) == _parts(mailer.build_message(**fields).as_bytes(policy=email.policy.SMTP))


def test_composed_mail_refuses_what_build_message_refuses():
    for to_email, to_name in (
        ("søren@eksempel.dk", "Søren"),
        ("eve@example.test", "Eve\r\nBcc: all@example.test"),
    ):
        fields = dict(
            mail_from="nabo <no-reply@nabo.test>",
            to_email=to_email,
            to_name=to_name,
            subject="s",
            text="t",
            html="h",
            message_id="<m3@nabo.test>",
        )
        with pytest.raises(ValueError):
            mailer.build_message(**fields)
        with pytest.raises(ValueError):
            mailer.compose(**fields)
