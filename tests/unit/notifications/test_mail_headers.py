"""What mail clients and Python's own parser make of nabo's messages: no
defects, a subject that starts right after its name, a numeric Date zone, a
Message-ID any cause can go into, Auto-Submitted on transactional mail, and
campaign tracking parameters only on nabo's own links."""
import email
import email.policy
from types import SimpleNamespace

import pytest

from services.notifications import mailer
from services.notifications.domain import campaigns
from services.notifications.domain.dispatch import MessageBuilder


def _parsed(data):
    message = email.message_from_bytes(data, policy=email.policy.default)
    defects = [d for part in message.walk() for d in part.defects] + \
        [d for name in message.keys() for d in getattr(message[name], "defects", ())]
    return message, defects


def _compose(subject="Hej", message_id="<m1@nabo.test>"):
    return mailer.compose(mail_from="nabo <no-reply@nabo.test>", to_email="ane@example.test", to_name="Ane",
                          subject=subject, text="tekst", html="<p>tekst</p>", message_id=message_id)


@pytest.mark.parametrize("length", [60, 69, 70, 72, 75, 77, 78, 90, 200])
@pytest.mark.parametrize("words", ["Network meeting on the green transition in practice ",
                                   "Netværksmøde om grøn omstilling i praksis "])
def test_a_subject_of_any_length_starts_right_after_its_name(length, words):
    subject = (words * 10)[:length].strip()
    message, defects = _parsed(_compose(subject).data)
    assert defects == []
    assert message["Subject"] == subject
    raw = message.get_all("Subject") and dict(message.raw_items())["Subject"]
    assert not raw.startswith((" ", "\t", "\r", "\n")), repr(raw)


@pytest.mark.parametrize("prefix", ["Neue Gelegenheit in Circulair Drenthe",
                                    "Nieuwe kans in Circulair Drenthe",
                                    "Een kans voor Kremer Installatietechniek", "Ny", "Ein"])
def test_a_subject_reads_back_with_every_space_where_it_folds_between_encoded_words(prefix):
    """Folded between two encoded words ("Abwärme" and "verfügbar"), a space was lost to every reader."""
    subject = f"{prefix}: Restwarmte beschikbaar / Abwärme verfügbar in der Region Groningen"
    message, defects = _parsed(_compose(subject).data)
    assert defects == [] and message["Subject"] == subject


def test_control_characters_of_a_title_do_not_reach_the_subject():
    message, defects = _parsed(_compose("Ring\x07 the bell\x1b").data)
    assert defects == [] and message["Subject"] == "Ring the bell"


def test_date_has_a_numeric_zone_not_gmt():
    message, defects = _parsed(_compose().data)
    raw = dict(message.raw_items())["Date"]  # as written: the parsed header shows a normalised form
    assert defects == [] and not raw.endswith("GMT") and raw.endswith("+0000"), raw


def test_transactional_mail_says_it_is_auto_generated():
    message, _ = _parsed(_compose().data)
    assert message["Auto-Submitted"] == "auto-generated"


@pytest.mark.parametrize("cause_id", ["digest:e41e2c1a-0000-4000-8000-000000000001:20250101T1200",
                                      "lapsing:m1:2025-03-01", "3f0c2a4e-8d1b-4c7a-9e55-2b6f0d9a1c33",
                                      "odd..cause id/with<all>sorts@of\"things\""])
def test_message_ids_of_any_cause_are_valid(cause_id):
    builder = MessageBuilder.__new__(MessageBuilder)
    builder.domain = "nabo.localhost"
    message_id = builder.message_id(SimpleNamespace(id=292, cause_id=cause_id))
    message, defects = _parsed(_compose(message_id=message_id).data)
    assert defects == [], defects
    assert message["Message-ID"] == message_id and message_id.count("@") == 1


def test_campaign_tracking_goes_only_on_nabos_own_links():
    text = "Meet us https://nabo.test/e/1 and https://app.nabo.test/e/2?x=1 or https://partner.test/p"
    tagged = campaigns.tag_links(text, "cmp-1", frozenset({"nabo.test", "app.nabo.test"}))
    assert "https://nabo.test/e/1?campaign_code=cmp-1&source_channel=email" in tagged
    assert "https://app.nabo.test/e/2?x=1&campaign_code=cmp-1&source_channel=email" in tagged
    assert tagged.endswith("https://partner.test/p")


def test_list_id_names_the_association_and_kind():
    template = mailer.MessageTemplate(
        mail_from="nabo <no-reply@nabo.test>", subject="News", text="t", html="h",
        headers={"List-Id": mailer.list_id("Ålborg Erhverv newsletter", "newsletter.a1.nabo.test")})
    message, defects = _parsed(template.render(to_email="ane@example.test", to_name="Ane",
                                               message_id="<m@nabo.test>").data)
    assert defects == [] and message["List-Id"].endswith("<newsletter.a1.nabo.test>")
    assert "Ålborg Erhverv newsletter" in str(message["List-Id"])


def test_the_test_sink_reports_what_the_parser_finds_wrong_in_a_header():
    from tests.support.smtp import message_defects

    raw = (b"From: nabo <no-reply@nabo.localhost>\r\nTo: a@example.test\r\nSubject: s\r\n"
           b"Message-ID: <nabo.292.digest:e41e@nabo.localhost>\r\n\r\nbody\r\n")
    defects = message_defects(email.message_from_bytes(raw, policy=email.policy.default))
    assert any(d.startswith("Message-ID: InvalidHeaderDefect") for d in defects), defects
    clean = raw.replace(b"digest:e41e", b"digest-e41e")
    assert message_defects(email.message_from_bytes(clean, policy=email.policy.default)) == []


@pytest.mark.parametrize("name", ["Guest\x17 A", "Tab\tGuest", "Bell\x07"])
def test_a_name_with_control_characters_makes_no_defective_to_header(name):
    composed = mailer.compose(mail_from="nabo <no-reply@nabo.test>", to_email="ane@example.test",
                              to_name=name, subject="Hej", text="tekst", html="<p>tekst</p>",
                              message_id="<m2@nabo.test>")
    message, defects = _parsed(composed.data)
    assert defects == []
    assert message["To"].addresses[0].addr_spec == "ane@example.test"
