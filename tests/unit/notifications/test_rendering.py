"""Templates exist for every message in every language, escape HTML, and show
times in the recipient's language and the event's time zone."""
import pytest

from contracts.api.common import LANGUAGES
from services.notifications.domain import rendering

EVENT = {"title": "Grøn <script>alert(1)</script> omstilling", "starts_at": "2026-03-03T13:00:00+00:00",
         "ends_at": None, "time_zone": "Europe/Copenhagen", "venue": "Rådhuset", "join_url": "https://meet.test/a",
         "format": "hybrid"}
CONTEXT = {
    "name": "Ane & Bo",
    "event": EVENT,
    "action_url": EVENT["join_url"],
    "minutes": 60,
    "changes": [
        {"field": "starts_at", "old": "2026-03-03T13:00:00+00:00", "new": "2026-03-04T13:00:00+00:00"}
    ],
    "recording_url": "https://video.test/1",
    "requester_name": "Bo",
    "network_name": "Kajak",
    "approved": True,
    "reason": None,
    "organisation_name": "Acme",
    "association_name": "Erhverv",
    "end_date": "2026-12-31",
    "others": [{"organisation_name": "Beta", "contact_name": "Cy", "contact_email": "cy@b.test"}],
    "reasons": [{"kind": "shared_themes", "networks": []}, {"kind": "same_network", "networks": ["Kajak"]}],
    "message": "Say hello",
    "missing": ["themes", "needs"],
    "other": "Cy <b>",
    "starts_at": "2026-03-03T13:00:00+00:00",
    "previous_starts_at": "2026-03-03T12:00:00+00:00",
    "table": "Table 7",
    "was_accepted": True,
    "meetings": [
        {"other": "Cy <b>", "starts_at": "2026-03-03T13:00:00+00:00", "table": "Table 7", "online_url": None,
         "new": False},
        {"other": "Di", "starts_at": "2026-03-03T13:30:00+00:00", "table": None,
         "online_url": "https://meet.test/m2", "new": True},
    ],
    "online_url": "https://meet.test/m1",
    "idea_title": "Solar",
    "status": "accepted",
    "previous_status": "submitted",
    "idea_titles": ["Solar"],
    "initiative_title": "Sun",
    "items": [{"subject": "S", "summary": "x"}],
    "period": "weekly",
    "thread_kind": "question",
    "thread_title": "<script>alert(1)</script> kayaks?",
    "author_name": "Bo <i>",
    "addressed": "reply_to_you",
    "mentioned": True,
    "was_dormant": True,
    "last_activity_date": "2026-03-01",
    "dormant_from_date": "2026-09-14",
    "offered_themes_name": "Solar energy",
    "offered_themes_names": {"de": "Solarenergie", "da": "Solenergi"},
}
EXPECTED_KINDS = {
    "registration_confirmed",
    "registration_waitlisted",
    "registration_promoted",
    "event_updated",
    "registration_cancelled",
    "event_cancelled",
    "event_reminder",
    "recording_published",
    "network_join_requested",
    "network_join_decided",
    "membership_activated",
    "membership_lapsing",
    "match_introduced",
    "network_thread_started",
    "network_reply_posted",
    "network_dormancy_proposed",
    "opportunity_offered",
    "idea_status_changed",
    "initiative_launched",
    "digest",
    "meeting_profile_reminder",
    "meeting_requested",
    "meeting_request_accepted",
    "meeting_request_declined",
    "meeting_request_expired",
    "meeting_request_withdrawn",
    "meeting_agenda",
    "meeting_scheduled",
    "meeting_cancelled",
    "meeting_rescheduled",
    "meeting_reminder",
}


def test_every_transactional_kind_has_a_template():
    assert set(rendering.kinds()) == EXPECTED_KINDS


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("kind", sorted(EXPECTED_KINDS))
def test_renders_in_every_language_with_html_escaped(kind, language):
    message = rendering.render(kind, language, CONTEXT, unsubscribe_url="https://nabo.test/u?token=x")
    assert message.subject and "\n" not in message.subject
    assert "<script>" not in message.html
    assert f'lang="{language}"' in message.html
    assert message.text.strip()


def test_times_in_the_recipients_language_and_the_events_zone():
    da = rendering.render("registration_confirmed", "da", CONTEXT)
    de = rendering.render("registration_confirmed", "de", CONTEXT)
    # 13:00 UTC is 14:00 in Copenhagen in March
    assert "tirsdag den 3. marts 2026, 14.00" in da.text
    assert "Dienstag, 3. März 2026, 14:00" in de.text
    assert "Du er tilmeldt" in da.subject and "Sie sind angemeldet" in de.subject


def test_unknown_language_falls_back_to_english():
    assert rendering.render("event_cancelled", "fi", CONTEXT).subject.startswith("Cancelled:")


def test_event_update_lists_what_changed():
    text = rendering.render("event_updated", "en", CONTEXT).text
    assert "Start: Tuesday, March 3, 2026" in text and "Wednesday, March 4, 2026" in text


def test_links_in_html_are_anchors_and_text_is_escaped():
    text, html = rendering.wrap("en", "Hi", "See https://x.test/a?b=1&c=2 <b>now</b>")
    assert '<a href="https://x.test/a?b=1&amp;c=2">' in html
    assert "&lt;b&gt;now&lt;/b&gt;" in html
    assert "See https://x.test/a?b=1&c=2 <b>now</b>" in text


def test_unsubscribe_page_in_each_language():
    for language in LANGUAGES:
        page = rendering.render_page(
            "unsubscribe",
            language,
            {
                "association_name": "<A>",
                "kind": "newsletter",
                "done": False,
                "action_url": "https://n.test/u?t=1",
            },
        )
        assert 'name="List-Unsubscribe" value="One-Click"' in page and "&lt;A&gt;" in page


def test_meeting_mails_say_with_whom_when_where_and_what_is_missing():
    scheduled = rendering.render("meeting_scheduled", "da", CONTEXT)
    assert "Cy <b>" in scheduled.text and "Table 7" in scheduled.text
    assert "https://meet.test/m1" in scheduled.text
    assert "tirsdag den 3. marts 2026, 14.00" in scheduled.text
    reminder = rendering.render("meeting_profile_reminder", "de", CONTEXT)
    assert "Themen, Bedarfe" in reminder.text
    moved = rendering.render("meeting_rescheduled", "de", CONTEXT)
    assert "Cy <b>" in moved.subject and "Table 7" in moved.text
    assert "Dienstag, 3. März 2026, 14:00" in moved.text and "Dienstag, 3. März 2026, 13:00" in moved.text
    soon = rendering.render("meeting_reminder", "nl", dict(CONTEXT, minutes=15))
    assert "Cy <b>" in soon.subject and "Table 7" in soon.text and "15 minuten" in soon.text


@pytest.mark.parametrize("language, expected", [
    ("nl", "Welkom bij Jonge webbouwers"), ("de", "Junge Webbauer"), ("sv", "Jonge webbouwers"),
])
def test_a_network_is_named_in_the_readers_language_where_it_has_a_name_in_it(language, expected):
    names = {"nl": "Jonge webbouwers", "de": "Junge Webbauer"}
    context = dict(CONTEXT, network_name="Jonge webbouwers", network_names=names)
    assert expected in rendering.render("network_join_decided", language, context).subject


@pytest.mark.parametrize("kind", sorted(EXPECTED_KINDS))
@pytest.mark.parametrize("language", [lang for lang in LANGUAGES if lang != "en"])
def test_no_message_reads_as_its_english(kind, language):
    english = rendering.render(kind, "en", CONTEXT)
    translated = rendering.render(kind, language, CONTEXT)
    assert translated.subject != english.subject and translated.summary != english.summary


def test_an_introduction_names_each_organisation_once_and_no_subject_outgrows_its_column():
    # an organisation with thirty contacts once made a subject too long to keep: the delivery failed
    others = [{"organisation_name": "Company with many contacts", "contact_name": f"Contact {n}",
               "contact_email": f"c{n}@x.test"} for n in range(30)]
    subject = rendering.render("match_introduced", "de", dict(CONTEXT, others=others)).subject
    assert subject.count("Company with many contacts") == 1
    long = rendering.shortened("Name, " * 100)
    assert len(long) <= rendering.MAX_SUBJECT and long.endswith("Name…")


READERS = ["Ane & Bo <b>", "O'Brien", "Åse Øster-Ærø", "", "Dr. \"Q\" Müller, jr."]
CANCEL_URL = "https://nabo.test/v1/cancel-registration?token=eyJhbGciOiJIUzI1NiJ9.eyJyIjoiMSJ9.c2ln-_x"


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("kind", sorted(rendering.READERS_MESSAGES))
@pytest.mark.parametrize("cancel_url", [CANCEL_URL, None])
def test_a_kept_layout_gives_the_message_rendering_gives(kind, language, cancel_url):
    for name in READERS + READERS:  # the second round from the kept layout
        context = {"event": EVENT, "action_url": EVENT["join_url"], "cancel_url": cancel_url, "name": name}
        expected = rendering.render(kind, language, context)
        assert rendering.render_for_reader(kind, language, context) == expected


@pytest.mark.parametrize("name", ["Bo\nhttps://evil.test", "see https://x.test", "  Bo", "Bo\tBerg",
                                  rendering.NAME_SLOT])
def test_names_that_rendering_splits_or_links_are_rendered_whole(name):
    context = {"event": EVENT, "action_url": None, "cancel_url": "https://nabo.test/c?token=a b",
               "name": name}
    for _ in range(2):
        assert (rendering.render_for_reader("registration_confirmed", "da", context)
                == rendering.render("registration_confirmed", "da", context))


def test_a_kept_layout_is_one_events_in_one_language():
    context = {"event": EVENT, "action_url": None, "cancel_url": CANCEL_URL, "name": "Bo"}
    first = rendering.render_for_reader("registration_confirmed", "da", context)
    moved = dict(context, event=dict(EVENT, starts_at="2026-03-04T13:00:00+00:00", venue="Havnen"))
    second = rendering.render_for_reader("registration_confirmed", "da", moved)
    assert "tirsdag den 3. marts" in first.text and "onsdag den 4. marts" in second.text
    assert "Havnen" in second.html and "Havnen" not in first.html
    assert rendering.render_for_reader("registration_confirmed", "de", moved).subject.startswith("Sie sind")
    assert rendering.render_for_reader("registration_confirmed", "da", dict(moved, cancel_url=None)) == (
        rendering.render("registration_confirmed", "da", dict(moved, cancel_url=None)))


def test_other_messages_are_rendered_each_time():
    context = dict(CONTEXT, cancel_url=CANCEL_URL)
    assert rendering.render_for_reader("event_cancelled", "nl", context) == rendering.render(
        "event_cancelled", "nl", context)


FOOTER_WORDS = {  # (the generic reason, the network's unsubscribe link) in each language
    "en": ("activity in a nabo business network", "Stop mail from Kajak"),
    "da": ("aktivitet i et nabo-erhvervsnetværk", "Ikke flere mails fra Kajak"),
    "de": ("Teilnahme an einem nabo-Unternehmensnetzwerk", "Keine Mails mehr aus Kajak"),
    "nl": ("deelname aan een nabo-ondernemersnetwerk", "Geen mail meer uit Kajak"),
    "sv": ("aktivitet i ett nabo-företagsnätverk", "Inga fler mejl från Kajak"),
}


@pytest.mark.parametrize("language", LANGUAGES)
def test_an_offers_footer_says_why_an_outsider_gets_it_and_the_link_stops_that_networks_mail(language):
    generic, stop = FOOTER_WORDS[language]
    context = dict(CONTEXT, thread_title="Guides", author_name="Bo", offered_themes_name="Kayaking")
    offer = rendering.render("opportunity_offered", language, context, "https://u.test/x")
    for part in (offer.text, offer.html):
        footer = part.split("-- \n")[-1] if part is offer.text else part.split("</div>")[-1]
        assert generic not in footer and "Acme" in footer  # their organisation offers the themes
        assert stop in footer
    assert f"{stop}: https://u.test/x" in offer.text
    assert f'<a href="https://u.test/x">{stop}</a>' in offer.html
    # a member's mail of the network keeps the generic reason, and the link names the network too
    started = rendering.render("network_thread_started", language,
                               dict(context, thread_kind="question", mentioned=False, was_dormant=False),
                               "https://u.test/x")
    assert generic in started.text and f"{stop}: https://u.test/x" in started.text
    # a mail of no network (an association's newsletter) says only "unsubscribe"
    newsletter_text, _ = rendering.wrap(language, "News", "Hello", unsubscribe_url="https://u.test/x")
    assert "Kajak" not in newsletter_text and "https://u.test/x" in newsletter_text
