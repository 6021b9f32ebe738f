"""Every event type the service consumes, built and validated with its publisher's real contract
(``nabo_common.messaging.envelopes.build``), loaded as the consumer loads it and run through its
reaction. A reaction that reads a field under another name than the contract's fails here."""
from contextlib import contextmanager

import pytest
from sqlalchemy import event as sa_event
from sqlalchemy import select

from nabo_common import cli
from nabo_common.i18n.catalogues import LANGUAGES, gettext
from nabo_common.messaging import envelopes
from services.notifications.domain import gdpr, reactions
from services.notifications.domain.deliveries import ReadModelBehind
from services.notifications.models import (
    CalendarEvent,
    Contact,
    Delivery,
    Idea,
    InboxItem,
    Network,
    NetworkMember,
    Registration,
)
from services.notifications.subscriptions import SUBSCRIPTIONS
from tests.support.payloads import ICS, event_data
from tests.unit.notifications.conftest import new_id


def emails(session, **where):
    stmt = select(Delivery).where(Delivery.channel == "email")
    for key, value in where.items():
        stmt = stmt.where(getattr(Delivery, key) == value)
    rows = session.scalars(stmt.order_by(Delivery.id)).all()
    session.commit()
    return rows


# --- complete payloads as the publishers send them ---------------------------------------------

def registration_data(
    event_id, association_id, person_id, email, language, status="confirmed", name="Ane Hansen"
):
    confirmed = status == "confirmed"
    return {
        "registration_id": new_id(),
        "event_id": event_id,
        "association_ids": [association_id],
        "person_id": person_id,
        "name": name,
        "email": email,
        "language": language,
        "status": status,
        "source_channel": "email",
        "campaign_code": None,
        "title": "Grøn omstilling",
        "starts_at": "2026-03-03T13:00:00+00:00",
        "time_zone": "Europe/Copenhagen",
        "join_url": "https://meet.test/groen" if confirmed else None,
        "ics": ICS if confirmed else None,
    }


def network_data(network_id, association_id, conveners=(), **overrides):
    data = {
        "network_id": network_id,
        "name": "Kayak",
        "names": {"en": "Kayak", "da": "Kajak"},
        "association_ids": [association_id],
        "themes": [],
        "join_policy": "request",
        "visibility": "association",
        "activity": "active",
        "convener_person_ids": list(conveners),
        "changed": [],
    }
    data.update(overrides)
    return data


def idea_state(idea_id, panel_id, association_id, submitter=None, organisation_id=None, **overrides):
    data = {
        "idea_id": idea_id,
        "panel_id": panel_id,
        "association_id": association_id,
        "title": "Solceller på taken",
        "status": "submitted",
        "sub_theme": None,
        "submitter_person_id": submitter,
        "submitter_organisation_id": organisation_id,
    }
    data.update(overrides)
    return data


def market_data(event_id, aid, **data):
    return dict({"event_id": event_id, "association_ids": [aid], "title": "Grøn omstilling",
                 "time_zone": "Europe/Copenhagen"}, **data)


def meeting_market_samples(event_id, aid, requester, recipient, organisation_id):
    request = {"request_id": new_id(), "requester_id": requester, "recipient_id": recipient,
               "message": "Solceller?"}
    meeting = {"meeting_id": new_id(), "request_id": request["request_id"],
               "person_ids": [requester, recipient],
               "starts_at": "2026-03-03T13:00:00+00:00", "ends_at": "2026-03-03T13:20:00+00:00",
               "table": "Bord 4", "online_url": None}
    return [
        ("meeting_market.profile_reminder", market_data(
            event_id, aid, person_id=requester, organisation_id=organisation_id, missing=["needs"])),
        ("meeting_request.sent", market_data(event_id, aid, **request)),
        ("meeting_request.expired", market_data(event_id, aid, **request)),
        ("meeting.scheduled", market_data(event_id, aid, **meeting)),
        ("meeting.cancelled", market_data(
            event_id, aid, **meeting, sequence=1,
            calendars=[{"person_id": person_id,
                        "ics": f"BEGIN:VCALENDAR\r\nMETHOD:CANCEL\r\nX-FOR:{person_id}\r\nEND:VCALENDAR\r\n"}
                       for person_id in (requester, recipient)])),
        ("meeting.reminder_due", market_data(event_id, aid, minutes=15, **meeting)),
        ("meeting.rescheduled", market_data(
            event_id, aid, **dict(meeting, starts_at="2026-03-03T14:00:00+00:00",
                                  ends_at="2026-03-03T14:20:00+00:00", table="Bord 2"),
            sequence=1, previous_starts_at=meeting["starts_at"], previous_ends_at=meeting["ends_at"],
            previous_table="Bord 4",
            calendars=[{"person_id": person_id,
                        "ics": f"BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nX-FOR:{person_id}\r\nEND:VCALENDAR\r\n"}
                       for person_id in (requester, recipient)])),
        ("meeting_request.withdrawn", market_data(event_id, aid, **request, withdrawn_by=recipient,
                                                  was_accepted=True)),
        ("meeting_market.agenda_published", market_data(
            event_id, aid, person_id=recipient,
            meetings=[{"meeting_id": meeting["meeting_id"], "other_id": requester,
                       "starts_at": meeting["starts_at"], "ends_at": meeting["ends_at"], "table": "Bord 4",
                       "online_url": None, "new": True},
                      {"meeting_id": new_id(), "other_id": None, "starts_at": "2026-03-03T14:00:00+00:00",
                       "ends_at": "2026-03-03T14:20:00+00:00", "table": None,
                       "online_url": "https://meet.test/m2", "new": False}],
            ics="BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nX-AGENDA:1\r\nEND:VCALENDAR\r\n")),
        ("meeting_request.accepted", market_data(event_id, aid, **request)),
        ("meeting_request.declined", market_data(event_id, aid, **request)),
    ]


def samples(world):
    """One complete payload per consumed type, in an order that builds the read model as it would be built."""
    aid = world.association(language="da")
    oid = world.organisation(aid)
    other_oid = world.organisation(aid)
    contact = world.person(aid, organisation_id=oid, language="da")
    other_contact = world.person(aid, organisation_id=other_oid, language="de")
    member = world.person(aid, language="sv")
    event_id, network_id, programme_id, panel_id, idea_id = (new_id() for _ in range(5))
    other_aid, new_oid = new_id(), new_id()
    return aid, [
        (
            "association.created",
            {
                "association_id": other_aid,
                "name": "Ondernemers Twente",
                "slug": other_aid[:8],
                "country": "NL",
                "default_language": "nl",
                "time_zone": "Europe/Amsterdam",
            },
        ),
        (
            "organisation.created",
            {
                "organisation_id": new_oid,
                "owner_association_id": aid,
                "name": "Wind GmbH",
                "kind": "company",
                "country": "DE",
                "region": None,
                "sector": None,
                "visibility": "public",
                "changed": [],
            },
        ),
        (
            "person.created",
            {
                "person_id": new_id(),
                "name": "Bo Jensen",
                "email": "bo@example.test",
                "language": "da",
                "birth_year": None,
                "home_association_id": aid,
                "roles": [{"scope": "organisation", "scope_id": new_oid, "role": "contact"}],
            },
        ),
        (
            "association.updated",
            {
                "association_id": aid,
                "name": "Erhverv Sønderborg",
                "slug": aid[:8],
                "country": "DK",
                "default_language": "da",
                "time_zone": "Europe/Copenhagen",
            },
        ),
        (
            "organisation.updated",
            {
                "organisation_id": oid,
                "owner_association_id": aid,
                "name": "Solar ApS",
                "kind": "company",
                "country": "DK",
                "region": "Syddanmark",
                "sector": "35.11",
                "visibility": "association",
                "changed": ["themes"],
                "themes": [],
            },
        ),
        (
            "person.updated",
            {
                "person_id": member,
                "name": "Sven Berg",
                "email": "sven@example.test",
                "language": "sv",
                "birth_year": 1990,
                "home_association_id": aid,
                "roles": [],
            },
        ),
        (
            "membership.created",
            {
                "membership_id": new_id(),
                "organisation_id": oid,
                "association_id": aid,
                "type": "full",
                "status": "pending",
                "previous_status": None,
                "effective_date": "2026-01-01",
                "end_date": None,
            },
        ),
        (
            "membership.status_changed",
            {
                "membership_id": new_id(),
                "organisation_id": other_oid,
                "association_id": aid,
                "type": "full",
                "status": "active",
                "previous_status": "pending",
                "effective_date": "2026-01-01",
                "end_date": "2026-12-31",
            },
        ),
        (
            "consent.changed",
            {
                "person_id": member,
                "association_id": aid,
                "kind": "newsletter",
                "granted": True,
                "source": "form",
                "wording_version": "v1",
                "recorded_at": "2026-01-01T00:00:00+00:00",
            },
        ),
        ("network.created", network_data(network_id, aid, [contact])),
        ("network.updated", network_data(network_id, aid, [contact], changed=["description"])),
        (
            "network.member_joined",
            {
                "network_id": network_id,
                "person_id": other_contact,
                "association_ids": [aid],
                "name": "Kayak",
                "by_person_id": other_contact,
            },
        ),
        (
            "post.created",
            {
                "post_id": new_id(),
                "thread_id": new_id(),
                "network_id": network_id,
                "network_name": "Kayak",
                "association_ids": [aid],
                "author_person_id": contact,
                "kind": "question",
                "title": "Who rents out sea kayaks?",
                "themes": [],
                "opening": True,
                "reply_to_id": None,
                "thread_author_person_id": contact,
            },
        ),
        (
            "opportunity.offered",
            {
                "post_id": new_id(),
                "thread_id": new_id(),
                "network_id": network_id,
                "network_name": "Kayak",
                "association_ids": [aid],
                "author_person_id": contact,
                "title": "Guides wanted",
                "theme_labels": {"t1": {"en": "Kayaking", "de": "Kajakfahren"}},
                "recipients": [{"person_id": other_contact, "organisation_id": other_oid,
                                "organisation_name": "Wind GmbH", "theme_ids": ["t1"]}],
            },
        ),
        (
            "network.member_left",
            {
                "network_id": network_id,
                "person_id": other_contact,
                "association_ids": [aid],
                "name": "Kayak",
                "by_person_id": contact,
            },
        ),
        (
            "network.member_invited",
            {
                "network_id": network_id,
                "person_id": other_contact,
                "invited_by": contact,
                "association_ids": [aid],
                "name": "Kayak",
                "message": "Join us",
            },
        ),
        (
            "network.join_requested",
            {
                "network_id": network_id,
                "person_id": member,
                "convener_person_ids": [contact],
                "name": "Kayak",
                "message": None,
            },
        ),
        (
            "network.dormancy_proposed",
            {
                "network_id": network_id,
                "name": "Kayak",
                "names": {"da": "Kajak"},
                "association_ids": [aid],
                "convener_person_ids": [contact],
                "last_activity_at": "2026-03-01T09:30:00+00:00",
                "dormant_from": "2026-09-14T09:30:00+00:00",
            },
        ),
        (
            "network.join_decided",
            {
                "network_id": network_id,
                "person_id": member,
                "decision": "approved",
                "reason": None,
                "name": "Kayak",
            },
        ),
        (
            "match.introduced",
            {
                "match_id": new_id(),
                "organisation_ids": [oid, other_oid],
                "organisation_names": ["Solar ApS", "Wind GmbH"],
                "contacts": [
                    {
                        "person_id": contact,
                        "organisation_id": oid,
                        "name": "Ane",
                        "email": "ane@example.test",
                        "language": "da",
                    },
                    {
                        "person_id": other_contact,
                        "organisation_id": other_oid,
                        "name": "Dieter",
                        "email": "dieter@example.test",
                        "language": "de",
                    },
                ],
                "reasons": [{"kind": "shared_themes", "themes": [new_id()], "networks": []}],
                "message": None,
                "introduced_by": contact,
            },
        ),
        (
            "programme.created",
            {
                "programme_id": programme_id,
                "association_ids": [aid],
                "title": "Grøn vækst",
                "period_start": "2026-01-01",
                "period_end": "2026-12-31",
                "planned_events": 6,
                "budget_amount_minor": 50000000,
                "currency": "DKK",
            },
        ),
        ("event.published", event_data(event_id, aid, programme_id=programme_id)),
        ("registration.confirmed", registration_data(event_id, aid, member, "sven@example.test", "sv")),
        (
            "registration.waitlisted",
            registration_data(
                event_id, aid, None, "guest@example.test", "de", status="waitlisted", name="Guest"
            ),
        ),
        ("registration.promoted", registration_data(event_id, aid, contact, "ane@example.test", "da")),
        (
            "registration.cancelled",
            registration_data(event_id, aid, contact, "ane@example.test", "da", status="cancelled"),
        ),
        (
            "event.updated",
            event_data(
                event_id,
                aid,
                sequence=1,
                changes=[{"field": "title", "old": "Grøn", "new": "Grøn omstilling"}],
            ),
        ),
        (
            "event.reminder_due",
            {
                "event_id": event_id,
                "association_ids": [aid],
                "offset_minutes": 60,
                "starts_at": "2026-03-03T13:00:00+00:00",
                "title": "Grøn omstilling",
                "time_zone": "Europe/Copenhagen",
                "join_url": "https://meet.test/groen",
            },
        ),
        ("event.completed", event_data(event_id, aid, status="completed")),
        (
            "event.recording_published",
            {
                "event_id": event_id,
                "association_ids": [aid],
                "recording_url": "https://video.test/groen",
                "network_id": None,
                "title": "Grøn omstilling",
            },
        ),
        ("event.cancelled", event_data(new_id(), aid, status="cancelled", sequence=1, reason="Too few")),
        *meeting_market_samples(event_id, aid, contact, other_contact, oid),
        (
            "panel.created",
            {
                "panel_id": panel_id,
                "association_id": aid,
                "year": 2026,
                "title": "Energi 2026",
                "theme": "energy",
                "language": "da",
                "phase": "preparing",
                "sub_themes": [],
            },
        ),
        (
            "panel.phase_changed",
            {
                "panel_id": panel_id,
                "association_id": aid,
                "title": "Energi 2026",
                "phase": "collecting_ideas",
                "previous_phase": "preparing",
                "participant_organisation_ids": [oid],
                "participant_person_ids": [member],
            },
        ),
        ("idea.submitted", dict(idea_state(idea_id, panel_id, aid, member), recorded_by_person_id=None)),
        (
            "idea.supported",
            {
                "idea_id": idea_id,
                "panel_id": panel_id,
                "association_id": aid,
                "person_id": contact,
                "organisation_id": oid,
                "support_count": 1,
            },
        ),
        (
            "idea.commented",
            {
                "idea_id": idea_id,
                "panel_id": panel_id,
                "association_id": aid,
                "comment_id": new_id(),
                "person_id": contact,
                "idea_title": "Solceller på taken",
                "submitter_person_id": member,
            },
        ),
        (
            "idea.status_changed",
            idea_state(
                idea_id,
                panel_id,
                aid,
                member,
                status="accepted",
                previous_status="under_review",
                reason="Fits the theme.",
            ),
        ),
        (
            "idea.merged",
            {
                "idea_id": new_id(),
                "into_idea_id": idea_id,
                "panel_id": panel_id,
                "association_id": aid,
                "title": "Sol",
                "into_title": "Solceller på taken",
                "submitter_person_id": None,
                "support_count": 3,
            },
        ),
        (
            "decision.recorded",
            {
                "decision_id": new_id(),
                "panel_id": panel_id,
                "association_id": aid,
                "decided_on": "2026-06-01",
                "body": "Board",
                "text": "Go ahead.",
                "idea_ids": [idea_id],
            },
        ),
        (
            "initiative.launched",
            {
                "initiative_id": new_id(),
                "panel_id": panel_id,
                "association_id": aid,
                "title": "Grønne tage",
                "status": "launched",
                "idea_ids": [idea_id],
                "owner": {"kind": "organisation", "organisation_id": oid, "name": "Solar ApS"},
            },
        ),
        (
            "initiative.progress_updated",
            {
                "initiative_id": new_id(),
                "panel_id": panel_id,
                "association_id": aid,
                "title": "Grønne tage",
                "status": "launched",
                "idea_ids": [idea_id],
                "owner": {"kind": "organisation", "organisation_id": oid},
                "progress_id": new_id(),
                "reported_on": "2026-07-01",
                "text": "Started.",
                "previous_status": "planned",
            },
        ),
    ]


# the handlers that run each event through its reaction (on_person_erased erases instead: domain/gdpr.py)
REACTING = {handler: types for handler, types in SUBSCRIPTIONS.items() if handler != "on_person_erased"}
CONSUMED = sorted({t for types in REACTING.values() for t in types})


def test_every_consumed_type_has_a_reaction_and_its_publishers_contract():
    bindings = cli.consumer_bindings()
    for handler, types in REACTING.items():
        for event_type in types:
            assert event_type in reactions.REACTIONS
            envelopes.get_type(event_type)  # the publisher's contract
            assert event_type in bindings[f"nabo.notifications.{handler}"]


def test_every_consumed_type_in_its_real_shape_goes_through_its_reaction(world, session):
    _, payloads = samples(world)
    assert sorted({t for t, _ in payloads}) == CONSUMED
    for event_type, data in payloads:
        world.apply(
            event_type, data
        )  # build validates against the contract, parse loads it as the consumer does
    kinds = {d.kind for d in emails(session)}
    assert {
        "membership_activated",
        "network_join_requested",
        "network_join_decided",
        "network_dormancy_proposed",
        "opportunity_offered",
        "match_introduced",
        "registration_confirmed",
        "registration_waitlisted",
        "registration_promoted",
        "event_updated",
        "event_reminder",
        "recording_published",
        "idea_status_changed",
        "initiative_launched",
    } <= kinds


# --- events and registrations ------------------------------------------------------------------


def test_confirmation_in_the_members_language_with_calendar_and_link(world, session):
    aid = world.association(language="en")
    pid = world.person(aid, language="de")
    event_id = new_id()
    world.apply("event.published", event_data(event_id, aid))
    # the registration form's language defaults to English; the person's own language wins
    world.apply("registration.confirmed", registration_data(event_id, aid, pid, "dieter@example.test", "en"))
    [mail] = emails(session, kind="registration_confirmed")
    assert mail.language == "de" and mail.email == "dieter@example.test"
    assert mail.subject == "Sie sind angemeldet: Grøn omstilling"
    assert "Dienstag, 3. März 2026, 14:00" in mail.text_body and "Alsion" in mail.text_body
    assert "https://meet.test/groen" in mail.text_body
    assert mail.attachments == [{"filename": "event.ics", "content_type": "text/calendar", "content": ICS}]


def test_waitlisted_guest_gets_no_join_link_and_no_calendar_in_the_registrations_language(world, session):
    aid = world.association(language="en")
    event_id = new_id()
    world.apply("event.published", event_data(event_id, aid))
    world.apply(
        "registration.waitlisted",
        registration_data(event_id, aid, None, "guest@example.test", "sv", status="waitlisted", name="Guest"),
    )
    [mail] = emails(session, kind="registration_waitlisted")
    assert mail.subject == "På väntelistan: Grøn omstilling"
    assert "meet.test" not in mail.text_body and mail.attachments is None


def test_a_registration_the_organisers_cancel_is_told_and_one_cancelled_by_its_registrant_is_not(
    world, session
):
    aid = world.association(language="en")
    event_id = new_id()
    world.apply("event.published", event_data(event_id, aid))
    world.apply(
        "registration.cancelled",
        dict(
            registration_data(event_id, aid, None, "self@example.test", "da", status="cancelled"),
            cancelled_by="registrant",
        ),
    )
    world.apply(
        "registration.cancelled",
        dict(
            registration_data(
                event_id, aid, None, "told@example.test", "da", status="cancelled", name="Told"
            ),
            cancelled_by="organiser",
        ),
    )
    [mail] = emails(session, kind="registration_cancelled")
    assert (mail.email, mail.subject) == ("told@example.test", "Tilmelding annulleret: Grøn omstilling")
    assert "Hej Told" in mail.text_body and "meet.test" not in mail.text_body


@contextmanager
def selects_of_associations(session):
    """The SELECTs sent while the block runs that read the associations table."""
    selects = []

    def record(conn, cursor, statement, parameters, context, executemany):
        if "associations" in statement and statement.lstrip().upper().startswith("SELECT"):
            selects.append(statement)

    engine = session.get_bind()
    sa_event.listen(engine, "before_cursor_execute", record)
    try:
        yield selects
    finally:
        sa_event.remove(engine, "before_cursor_execute", record)


def test_a_guests_confirmation_reads_its_event_and_association_in_one_statement(world, session):
    # the association (whose name and zone the mail uses) comes with the event, not in a query of its own
    aid = world.association(language="da")
    event_id = new_id()
    world.apply("event.published", event_data(event_id, aid))
    with selects_of_associations(session) as selects:
        world.apply(
            "registration.confirmed",
            registration_data(event_id, aid, None, "gaest@example.test", "da", name="Gæst"),
        )
    [mail] = emails(session, kind="registration_confirmed")
    assert mail.association_id == aid and mail.subject.startswith("Du er tilmeldt")
    assert len(selects) == 1 and "calendar_events" in selects[0]


def test_a_confirmation_for_an_association_the_read_model_lacks_asks_for_it_no_second_time(world, session):
    # the association's own event has not arrived: the mail goes out on the defaults, and the association's
    # absence, read with the event, is not asked again
    event_id, aid = new_id(), new_id()
    world.apply("event.published", event_data(event_id, aid))
    with selects_of_associations(session) as selects:
        world.apply(
            "registration.confirmed",
            registration_data(event_id, aid, None, "guest@example.test", "en", name="Guest"),
        )
    [mail] = emails(session, kind="registration_confirmed")
    assert mail.association_id == aid and mail.subject == "You are registered: Grøn omstilling"
    assert len(selects) == 1


def test_registration_ahead_of_its_event_waits_for_it_then_uses_the_fresher_data(world, session):
    aid = world.association(language="en")
    event_id = new_id()
    data = registration_data(event_id, aid, None, "early@example.test", "en", name="Early")
    with pytest.raises(ReadModelBehind):
        world.apply("registration.confirmed", data)
    world.apply("event.published", event_data(event_id, aid, title="Green transition"))
    world.apply("registration.confirmed", data)  # the retry
    [mail] = emails(session, kind="registration_confirmed")
    assert mail.subject == "You are registered: Grøn omstilling"  # the registration's copy is the fresher one
    assert "Tuesday, March 3, 2026, 2:00" in mail.text_body and "Where: Alsion" in mail.text_body
    assert mail.association_id == aid


def _registered(world, aid, language="en"):
    event_id = new_id()
    pid = world.person(aid, language=language)
    world.apply("event.published", event_data(event_id, aid))
    world.apply(
        "registration.confirmed", registration_data(event_id, aid, pid, f"{pid[:8]}@example.test", language)
    )
    return event_id, pid


def test_event_update_tells_registrants_what_they_see_changed(world, session):
    aid = world.association(language="en")
    event_id, pid = _registered(world, aid)
    world.apply(
        "event.updated",
        event_data(
            event_id,
            aid,
            sequence=1,
            venue="Rådhuset, Rådhustorvet 10, 6400 Sønderborg",
            format="in_person",
            languages=["da"],
            starts_at="2026-03-04T13:00:00+00:00",
            ends_at="2026-03-04T15:00:00+00:00",
            changes=[
                {
                    "field": "starts_at",
                    "old": "2026-03-03T13:00:00+00:00",
                    "new": "2026-03-04T13:00:00+00:00",
                },
                {"field": "ends_at", "old": "2026-03-03T15:00:00+00:00", "new": "2026-03-04T15:00:00+00:00"},
                {
                    "field": "venue_address",
                    "old": "Alsion, Alsion 2, 6400 Sønderborg",
                    "new": "Rådhuset, Rådhustorvet 10, 6400 Sønderborg",
                },
                {"field": "format", "old": "hybrid", "new": "in_person"},
                {"field": "languages", "old": ["da", "de"], "new": ["da"]},
                {"field": "description", "old": "Long text", "new": "Longer text"},
                {"field": "capacity", "old": 40, "new": 60},
                {"field": "reminder_offsets", "old": [1440], "new": [1440, 60]},
            ],
        ),
    )
    [mail] = emails(session, kind="event_updated")
    text = mail.text_body
    assert "Start: Tuesday, March 3, 2026, 2:00" in text and "Wednesday, March 4, 2026, 2:00" in text
    assert "Venue: Alsion, Alsion 2, 6400 Sønderborg → Rådhuset, Rådhustorvet 10, 6400 Sønderborg" in text
    assert "Format: hybrid → in person" in text
    assert "Languages: da, de → da" in text and "Description: updated" in text
    assert "capacity" not in text and "reminder" not in text and "[" not in text


def test_event_update_of_organiser_settings_only_sends_nothing(world, session):
    aid = world.association(language="en")
    event_id, _ = _registered(world, aid)
    world.apply(
        "event.updated",
        event_data(
            event_id,
            aid,
            changes=[
                {"field": "capacity", "old": 40, "new": 60},
                {"field": "questions", "old": [], "new": [{"id": "q1"}]},
            ],
        ),
    )
    assert emails(session, kind="event_updated") == []


def test_cancellation_gives_the_reason(world, session):
    aid = world.association(language="en")
    event_id, _ = _registered(world, aid)
    world.apply(
        "event.cancelled",
        event_data(event_id, aid, status="cancelled", sequence=1, reason="The speaker fell ill."),
    )
    [mail] = emails(session, kind="event_cancelled")
    assert "Reason: The speaker fell ill." in mail.text_body
    assert session.get(CalendarEvent, event_id).status == "cancelled"
    session.commit()


def test_change_and_cancellation_carry_the_publishers_calendar(world, session):
    aid = world.association(language="en")
    event_id, confirmed = _registered(world, aid)
    waitlisted = world.person(aid, language="en")
    world.apply(
        "registration.waitlisted",
        registration_data(event_id, aid, waitlisted, "w@example.test", "en", status="waitlisted"),
    )
    moved = [{"field": "starts_at", "old": "2026-03-03T13:00:00+00:00", "new": "2026-03-04T13:00:00+00:00"}]
    world.apply("event.updated", event_data(event_id, aid, sequence=1, changes=moved, ics=ICS))
    attached = {mail.person_id: mail.attachments for mail in emails(session, kind="event_updated")}
    assert attached == {
        confirmed: [{"filename": "event.ics", "content_type": "text/calendar", "content": ICS}],
        waitlisted: None,
    }  # the waitlisted imported nothing a change could replace
    world.apply("event.cancelled", event_data(event_id, aid, status="cancelled", sequence=2, ics=ICS))
    assert {mail.person_id: bool(mail.attachments) for mail in emails(session, kind="event_cancelled")} == {
        confirmed: True,
        waitlisted: True,
    }


def test_reminder_and_recording_reach_confirmed_registrants(world, session):
    aid = world.association(language="en")
    event_id, pid = _registered(world, aid)
    world.apply(
        "event.reminder_due",
        {
            "event_id": event_id,
            "association_ids": [aid],
            "offset_minutes": 60,
            "starts_at": "2026-03-03T13:00:00+00:00",
            "title": "Grøn omstilling",
            "time_zone": "Europe/Copenhagen",
            "join_url": "https://meet.test/groen",
        },
    )
    world.apply(
        "event.recording_published",
        {
            "event_id": event_id,
            "association_ids": [aid],
            "recording_url": "https://video.test/groen",
            "network_id": None,
            "title": "Grøn omstilling",
        },
    )
    [reminder] = emails(session, kind="event_reminder")
    assert (
        "starts in 60 minutes" in reminder.text_body
        and "Join the meeting: https://meet.test/groen" in reminder.text_body
    )
    [recording] = emails(session, kind="recording_published")
    assert recording.person_id == pid and "https://video.test/groen" in recording.text_body


def test_event_state_is_kept_from_the_events(world, session):
    aid = world.association()
    event_id = new_id()
    world.apply("event.published", event_data(event_id, aid))
    world.apply("event.completed", event_data(event_id, aid, status="completed"))
    event = session.get(CalendarEvent, event_id)
    assert (event.status, event.venue, event.time_zone) == (
        "completed",
        "Alsion, Alsion 2, 6400 Sønderborg",
        "Europe/Copenhagen",
    )
    assert [r.status for r in session.scalars(select(Registration)).all()] == []
    session.commit()


def test_a_venue_at_a_host_companys_premises_reads_in_each_registrants_language(world, session):
    aid = world.association(language="en")
    event_id = new_id()
    world.apply("event.published", event_data(event_id, aid, venue="Vindmølle ApS", venue_address=None,
                                              venue_host_name="Vindmølle ApS"))
    for language in ("de", "en"):
        pid = world.person(aid, language=language)
        world.apply("registration.confirmed",
                    registration_data(event_id, aid, pid, f"{pid[:8]}@example.test", language))
    german, english = (mail.text_body for mail in emails(session, kind="registration_confirmed"))
    assert "Wo: Räumlichkeiten von Vindmølle ApS" in german
    assert "Where: Premises of Vindmølle ApS" in english


def test_a_venue_moved_to_a_host_companys_premises_is_told_in_the_registrants_language(world, session):
    aid = world.association(language="en")
    event_id, _pid = _registered(world, aid, language="de")
    world.apply("event.updated", event_data(
        event_id, aid, sequence=1, venue="Vindmølle ApS", venue_address=None, venue_host_name="Vindmølle ApS",
        changes=[{"field": "venue_address", "old": "Alsion, Alsion 2, 6400 Sønderborg", "new": None},
                 {"field": "venue_organisation_id", "old": None, "new": new_id()}]))
    [mail] = emails(session, kind="event_updated")
    assert "Alsion, Alsion 2, 6400 Sønderborg → Räumlichkeiten von Vindmølle ApS" in mail.text_body
    assert "Wo: Räumlichkeiten von Vindmølle ApS" in mail.text_body  # the event as it is now


def test_an_event_message_without_the_venues_parts_keeps_its_venue(world, session):
    aid = world.association(language="en")
    event_id, _pid = _registered(world, aid)  # its messages carry only "venue", as they did before
    [mail] = emails(session, kind="registration_confirmed")
    assert "Where: Alsion, Alsion 2, 6400 Sønderborg" in mail.text_body


# --- networks and matches ------------------------------------------------------------------------


def test_join_request_reaches_conveners_with_requester_and_message(world, session):
    aid = world.association(language="en")
    convener = world.person(aid, language="nl")
    requester = world.person(aid, language="de")
    network_id = new_id()
    world.apply("network.created", network_data(network_id, aid, [convener]))
    world.apply(
        "network.join_requested",
        {
            "network_id": network_id,
            "person_id": requester,
            "convener_person_ids": [convener],
            "name": "Kayak",
            "message": "We build kayaks.",
        },
    )
    [request] = emails(session, kind="network_join_requested")
    assert request.person_id == convener
    assert request.subject == f"Person {requester[:4]} wil lid worden van Kayak"
    assert "Bericht: We build kayaks." in request.text_body
    world.apply(
        "network.join_decided",
        {
            "network_id": network_id,
            "person_id": requester,
            "decision": "declined",
            "reason": "Only for paddlers.",
            "name": "Kayak",
        },
    )
    [outcome] = emails(session, kind="network_join_decided")
    assert outcome.person_id == requester and outcome.subject == "Ihre Anfrage für Kayak"
    assert "Begründung: Only for paddlers." in outcome.text_body


def test_join_request_from_a_person_not_known_yet_waits(world, session):
    aid = world.association()
    convener = world.person(aid)
    network_id = new_id()
    world.apply("network.created", network_data(network_id, aid, [convener]))
    with pytest.raises(ReadModelBehind):
        world.apply(
            "network.join_requested",
            {
                "network_id": network_id,
                "person_id": new_id(),
                "convener_person_ids": [convener],
                "name": "Kayak",
            },
        )


def test_network_membership_follows_the_events(world, session):
    aid = world.association()
    pid = world.person(aid)
    network_id = new_id()
    world.apply("network.created", network_data(network_id, aid))
    world.apply(
        "network.member_joined",
        {
            "network_id": network_id,
            "person_id": pid,
            "association_ids": [aid],
            "name": "Kayak",
            "by_person_id": pid,
        },
    )
    assert session.get(NetworkMember, (network_id, pid)) is not None
    assert session.get(Network, network_id).name == "Kayak"
    session.commit()
    world.apply(
        "network.member_left",
        {
            "network_id": network_id,
            "person_id": pid,
            "association_ids": [aid],
            "name": "Kayak",
            "by_person_id": pid,
        },
    )
    assert session.get(NetworkMember, (network_id, pid)) is None
    session.commit()


def test_a_new_thread_reaches_the_other_members_and_a_reply_its_thread_author(world, session):
    aid = world.association(language="en")
    author, reader = world.person(aid, language="sv"), world.person(aid, language="de")
    network_id, thread_id = new_id(), new_id()
    world.apply("network.created", network_data(network_id, aid))
    for pid in (author, reader):
        world.apply("network.member_joined", {"network_id": network_id, "person_id": pid,
                                              "association_ids": [aid], "name": "Kayak", "by_person_id": pid})
    post = {"post_id": new_id(), "thread_id": thread_id, "network_id": network_id, "network_name": "Kayak",
            "association_ids": [aid], "author_person_id": author, "kind": "opportunity",
            "title": "Guide wanted", "themes": [], "opening": True, "reply_to_id": None,
            "thread_author_person_id": author}
    world.apply("post.created", post)
    world.apply("post.created", dict(post, post_id=new_id(), author_person_id=reader, opening=False))
    items = session.scalars(select(InboxItem).where(InboxItem.kind == "network_thread_started")).all()
    assert [(i.person_id, i.title, i.link) for i in items] == [
        (reader, "Neue Gelegenheit in Kayak", f"/v1/threads/{thread_id}")]
    assert "Guide wanted" in items[0].body
    # the new thread waits for the reader's daily digest (what a network's members hear unless they chose)
    started = emails(session, kind="network_thread_started")
    assert [(e.person_id, e.status, e.digest_period) for e in started] == [(reader, "held", "daily")]
    # the reply reaches the thread's author at once, whatever the network's mode
    [answer] = emails(session, kind="network_reply_posted")
    assert (answer.person_id, answer.status, answer.network_id) == (author, "queued", network_id)
    assert answer.subject.endswith("svarade dig i Kayak")


def test_match_introduction_tells_each_side_about_the_other(world, session):
    aid = world.association(language="en")
    ours, theirs = world.organisation(aid), world.organisation(aid)
    ane = world.person(aid, organisation_id=ours, language="en")
    dieter = world.person(aid, organisation_id=theirs, language="en")
    network_id = new_id()
    world.apply("network.created", network_data(network_id, aid))
    world.apply(
        "match.introduced",
        {
            "match_id": new_id(),
            "organisation_ids": [ours, theirs],
            "organisation_names": ["Solar ApS", "Wind GmbH"],
            "contacts": [
                {
                    "person_id": ane,
                    "organisation_id": ours,
                    "name": "Ane",
                    "email": "ane@example.test",
                    "language": "en",
                },
                {
                    "person_id": dieter,
                    "organisation_id": theirs,
                    "name": "Dieter",
                    "email": "dieter@example.test",
                    "language": "en",
                },
            ],
            "reasons": [
                {"kind": "needs_your_offer", "themes": [new_id()], "networks": []},
                {"kind": "same_network", "themes": [], "networks": [network_id]},
            ],
            "message": "You should talk about turbines.",
            "introduced_by": ane,
        },
    )
    by_person = {m.person_id: m for m in emails(session, kind="match_introduced")}
    assert by_person[ane].subject == "An introduction: Wind GmbH"
    assert "Wind GmbH: Dieter (dieter@example.test)" in by_person[ane].text_body
    assert (
        "Why: they need what you offer; your people are in the same network (Kayak)"
        in by_person[ane].text_body
    )
    # signed by whoever wrote it, for both sides (it was not an introducer's note)
    assert "Message from Ane: You should talk about turbines." in by_person[dieter].text_body
    assert "Message from Ane: You should talk about turbines." in by_person[ane].text_body
    assert by_person[dieter].subject == "An introduction: Solar ApS"
    assert "Why: they offer what you need;" in by_person[dieter].text_body
    assert "{" not in by_person[ane].text_body


def test_an_erased_writers_address_and_message_leave_the_introductions_others_got(world, session):
    aid = world.association(language="en")
    ours, theirs = world.organisation(aid), world.organisation(aid)
    katrin = world.person(aid, organisation_id=ours, language="de", email="katrin@example.test")
    readers = {"nl": world.person(aid, organisation_id=theirs, language="nl"),
               "en": world.person(aid, organisation_id=theirs, language="en")}
    name = session.get(Contact, katrin).name
    session.commit()
    world.apply("match.introduced", {
        "match_id": new_id(), "organisation_ids": [ours, theirs],
        "organisation_names": ["Versandhandel Haren", "Solar ApS"],
        "contacts": [{"person_id": katrin, "organisation_id": ours, "name": name, "language": "de",
                      "email": "katrin@example.test"},
                     *({"person_id": pid, "organisation_id": theirs, "name": f"Reader {language}",
                        "language": language, "email": f"{language}@example.test"}
                       for language, pid in readers.items())],
        "reasons": [{"kind": "they_answered_your_opportunity", "themes": [], "networks": []}],
        "message": "Wir versenden\n\ngern <für> Sie.", "introduced_by": katrin})
    with session.begin():
        gdpr.erase(session, katrin)
    mails = {m.person_id: m for m in emails(session, kind="match_introduced")}
    items = {i.person_id: i for i in session.scalars(select(InboxItem)
                                                     .where(InboxItem.kind == "match_introduced"))}
    for language, removed in (("nl", "(bericht verwijderd)"), ("en", "(message removed)")):
        mail, item = mails[readers[language]], items[readers[language]]
        for text in (mail.text_body, mail.html_body, item.body):
            assert "katrin@example.test" not in text and name not in text
            assert "versenden" not in text and "gern" not in text and "für" not in text
            assert removed in text
        assert f"Reader {language}" not in mail.text_body  # the reader's side is not listed to them
    # the address in parentheses gives way to the placeholder, which brings its own, in every language
    assert "Versandhandel Haren: Erased person (e-mail address removed)" in items[readers["en"]].body
    assert "Versandhandel Haren: Verwijderde persoon (e-mailadres verwijderd)" in items[readers["nl"]].body
    assert "((" not in mails[readers["nl"]].html_body and "))" not in mails[readers["nl"]].text_body
    assert items[readers["en"]].body.endswith("Message from Erased person: (message removed)")
    assert "Message from Erased person: (message removed)</p>\n</div>" in mails[readers["en"]].html_body
    assert "\n\n-- \n" in mails[readers["en"]].text_body  # the footer stays



@pytest.mark.parametrize("language", LANGUAGES)
def test_an_erased_address_in_parentheses_reads_as_the_placeholder_alone(language):
    address = gdpr._address("katrin@example.test")
    removed = gettext(language, gdpr.REMOVED_EMAIL)
    assert address.sub(removed, "Haren: Katrin (katrin@example.test)") == f"Haren: Katrin {removed}"
    assert address.sub(removed, "write to katrin@example.test.") == f"write to {removed}."
    assert address.sub(removed, "xkatrin@example.test") == "xkatrin@example.test"  # not as a whole


def test_an_erased_contact_leaves_a_matchs_introduction_but_the_writers_message_stays(world, session):
    aid = world.association(language="en")
    ours, theirs = world.organisation(aid), world.organisation(aid)
    katrin = world.person(aid, organisation_id=ours, language="de", email="katrin@example.test")
    ane = world.person(aid, organisation_id=theirs, language="en")
    name = session.get(Contact, katrin).name
    session.commit()
    world.apply("match.introduced", {
        "match_id": new_id(), "organisation_ids": [theirs, ours],
        "organisation_names": ["Solar ApS", "Versandhandel Haren"],
        "contacts": [{"person_id": ane, "organisation_id": theirs, "name": "Ane", "language": "en",
                      "email": "ane@example.test"},
                     {"person_id": katrin, "organisation_id": ours, "name": name, "language": "de",
                      "email": "katrin@example.test"}],
        "reasons": [{"kind": "needs_your_offer", "themes": [], "networks": []}],
        "message": "Katrin ships for us.", "introduced_by": ane})
    with session.begin():
        gdpr.erase(session, katrin)
    [mail] = emails(session, kind="match_introduced", person_id=ane)
    assert "Versandhandel Haren: Erased person (e-mail address removed)" in mail.text_body
    # Ane wrote the message: it is hers, and stays
    assert "Message from Ane: Katrin ships for us." in mail.text_body


def test_match_introduction_names_shared_networks_in_each_readers_language(world, session):
    aid = world.association(language="en")
    ours, theirs = world.organisation(aid), world.organisation(aid)
    readers = {"en": world.person(aid, organisation_id=ours, language="en"),
               "da": world.person(aid, organisation_id=theirs, language="da")}
    network_id = new_id()
    world.apply("network.created", network_data(network_id, aid))  # names: en "Kayak", da "Kajak"
    world.apply("match.introduced", {
        "match_id": new_id(), "organisation_ids": [ours, theirs],
        "organisation_names": ["Solar ApS", "Wind ApS"],
        "contacts": [{"person_id": pid, "organisation_id": org, "name": language, "language": language,
                      "email": f"{language}@example.test"}
                     for (language, pid), org in zip(readers.items(), (ours, theirs))],
        "reasons": [{"kind": "same_network", "themes": [], "networks": [network_id]}],
        "message": None, "introduced_by": readers["en"]})
    by_person = {m.person_id: m for m in emails(session, kind="match_introduced")}
    assert "(Kayak)" in by_person[readers["en"]].text_body
    assert "(Kajak)" in by_person[readers["da"]].text_body
    assert "Kayak" not in by_person[readers["da"]].text_body


def test_meeting_market_mails_reach_the_participants_they_concern(world, session):
    aid = world.association(language="en")
    ane = world.person(aid, organisation_id=world.organisation(aid), language="en")
    dieter = world.person(aid, organisation_id=world.organisation(aid), language="de")
    for event_type, data in meeting_market_samples(new_id(), aid, ane, dieter, new_id()):
        world.apply(event_type, data)
    [reminder] = emails(session, kind="meeting_profile_reminder")
    assert reminder.person_id == ane and "Yours still lacks: needs." in reminder.text_body
    [asked] = emails(session, kind="meeting_requested")
    assert asked.person_id == dieter and "Nachricht: Solceller?" in asked.text_body
    # a link to the request, where it is answered, on the public address
    assert "/v1/meeting-requests/" in asked.text_body and "/v1/meeting-requests/" in asked.html_body
    [item] = session.scalars(select(InboxItem).where(InboxItem.kind == "meeting_requested")).all()
    assert item.link.startswith("/v1/meeting-requests/") and len(item.link) > len("/v1/meeting-requests/")
    [expired] = emails(session, kind="meeting_request_expired")
    assert expired.person_id == ane and f"Person {dieter[:4]}" in expired.text_body
    # the requester hears the answer: accepted (the organiser places it later) and declined
    [accepted] = emails(session, kind="meeting_request_accepted")
    assert accepted.person_id == ane and "when the schedule is published" in accepted.text_body
    [declined] = emails(session, kind="meeting_request_declined")
    assert declined.person_id == ane and f"Person {dieter[:4]} declined your request" in declined.text_body
    scheduled = {m.person_id: m for m in emails(session, kind="meeting_scheduled")}
    assert set(scheduled) == {ane, dieter} and "Where: Bord 4" in scheduled[ane].text_body
    assert f"Meeting with Person {dieter[:4]}" in scheduled[ane].subject
    assert {m.person_id for m in emails(session, kind="meeting_cancelled")} == {ane, dieter}
    # a draft of the organiser's schedule was never announced: its cancelling tells nobody
    world.apply("meeting.cancelled",
                dict(meeting_market_samples(new_id(), aid, ane, dieter, new_id())[3][1], draft=True,
                     sequence=1))
    assert len(emails(session, kind="meeting_cancelled")) == 2
    soon = {m.person_id: m for m in emails(session, kind="meeting_reminder")}
    assert set(soon) == {ane, dieter}
    assert "starts in 15 minutes" in soon[ane].text_body and "Where: Bord 4" in soon[ane].text_body
    # a move: each side with their own calendar update attached
    moved = {m.person_id: m for m in emails(session, kind="meeting_rescheduled")}
    assert set(moved) == {ane, dieter} and "Where: Bord 2" in moved[ane].text_body
    assert "Bisher: Dienstag, 3. März 2026, 14:00" in moved[dieter].text_body
    for person_id, mail in moved.items():
        [attached] = mail.attachments
        assert (attached["filename"], attached["content_type"]) == ("meeting.ics", "text/calendar")
        assert f"X-FOR:{person_id}" in attached["content"]
    # a cancellation: each side with their own calendar CANCEL attached
    for mail in emails(session, kind="meeting_cancelled")[:2]:
        [attached] = mail.attachments
        assert "METHOD:CANCEL" in attached["content"] and f"X-FOR:{mail.person_id}" in attached["content"]
    # the person asked withdrew an accepted request: the requester hears of it
    [withdrawn] = emails(session, kind="meeting_request_withdrawn")
    assert withdrawn.person_id == ane and f"Person {dieter[:4]}" in withdrawn.text_body
    # the published schedule: one agenda mail, every meeting in it and one calendar attached
    [mine] = emails(session, kind="meeting_agenda")
    assert mine.person_id == dieter and "Bord 4" in mine.text_body
    assert "https://meet.test/m2" in mine.text_body
    assert "(neu)" in mine.text_body
    [attached] = mine.attachments
    assert (attached["filename"], attached["content"]) == (
        "agenda.ics", "BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nX-AGENDA:1\r\nEND:VCALENDAR\r\n")


# --- ideas ---------------------------------------------------------------------------------------


def test_declined_idea_is_worded_in_the_submitters_language(world, session):
    aid = world.association(language="da")
    submitter = world.person(aid, language="nl")
    idea_id, panel_id = new_id(), new_id()
    world.apply(
        "idea.submitted", dict(idea_state(idea_id, panel_id, aid, submitter), recorded_by_person_id=None)
    )
    world.apply(
        "idea.status_changed",
        idea_state(
            idea_id,
            panel_id,
            aid,
            submitter,
            status="declined",
            previous_status="under_review",
            reason="Past niet.",
        ),
    )
    [mail] = emails(session, kind="idea_status_changed")
    assert mail.subject == 'Uw idee "Solceller på taken" is niet overgenomen'
    assert "Past niet." in mail.text_body


def test_idea_of_an_organisation_reaches_its_contacts(world, session):
    aid = world.association(language="en")
    oid = world.organisation(aid)
    contact = world.person(aid, organisation_id=oid, language="en")
    idea_id, panel_id = new_id(), new_id()
    world.apply(
        "idea.status_changed",
        idea_state(idea_id, panel_id, aid, None, oid, status="accepted", previous_status="submitted"),
    )
    [mail] = emails(session, kind="idea_status_changed")
    assert mail.person_id == contact and mail.subject == 'Your idea "Solceller på taken" is accepted'
    assert session.get(Idea, idea_id).title == "Solceller på taken"
    session.commit()


def test_initiative_reaches_the_submitters_of_its_ideas(world, session):
    aid = world.association(language="sv")
    submitter = world.person(aid, language="sv")
    idea_id, panel_id = new_id(), new_id()
    world.apply(
        "idea.submitted", dict(idea_state(idea_id, panel_id, aid, submitter), recorded_by_person_id=None)
    )
    world.apply(
        "initiative.launched",
        {
            "initiative_id": new_id(),
            "panel_id": panel_id,
            "association_id": aid,
            "title": "Gröna tak",
            "status": "launched",
            "idea_ids": [idea_id],
            "owner": {"kind": "association", "name": "Kommunen"},
        },
    )
    [mail] = emails(session, kind="initiative_launched")
    assert mail.person_id == submitter and mail.subject == "Ett initiativ bygger på din idé: Gröna tak"
    assert "- Solceller på taken" in mail.text_body


# --- webhooks --------------------------------------------------------------------------------------


def test_webhook_body_carries_the_data_as_published(world, session, config):
    import json

    from services.notifications.domain import webhooks
    from services.notifications.models import WebhookDelivery
    from tests.unit.notifications.conftest import admin_of

    aid = world.association()
    webhooks.create(
        session,
        admin_of(aid),
        config,
        {
            "url": "https://hooks.test/nabo",
            "secret": "a-secret-of-enough-length",
            "event_types": ["event.published"],
        },
    )
    envelope = world.apply("event.published", event_data(new_id(), aid))
    [row] = session.scalars(select(WebhookDelivery)).all()
    body = json.loads(row.body)
    assert body["data"]["starts_at"] == "2026-03-03T13:00:00+00:00"
    assert body["occurred_at"] == envelope["occurred_at"].isoformat() and "T" in body["occurred_at"]
    session.commit()


def test_a_new_thread_names_the_network_in_the_readers_language(world, session):
    aid = world.association(language="en")
    author, reader = world.person(aid, language="en"), world.person(aid, language="sv")
    network_id = new_id()
    world.apply("network.created", network_data(network_id, aid))
    for pid in (author, reader):
        world.apply("network.member_joined", {"network_id": network_id, "person_id": pid,
                                              "association_ids": [aid], "name": "Kayak", "by_person_id": pid})
    world.apply("post.created", {
        "post_id": new_id(), "thread_id": new_id(), "network_id": network_id,
        "network_name": "Sjöland kayak network",
        "network_names": {"en": "Sjöland kayak network", "sv": "Kajaknätverket Sjöland"},
        "association_ids": [aid], "author_person_id": author, "kind": "opportunity", "title": "Guide wanted",
        "themes": [], "opening": True, "reply_to_id": None, "thread_author_person_id": author})
    item = session.scalars(select(InboxItem).where(InboxItem.kind == "network_thread_started")).one()
    assert item.title == "Ny möjlighet i Kajaknätverket Sjöland"
