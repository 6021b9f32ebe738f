"""Campaign audiences, materialisation and the dispatcher's state machine (SQLite)."""
import email
import email.policy
import time
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select, update

from nabo_common.api.errors import Conflict, NotFound, ValidationFailed
from nabo_common.persistence import db
from services.notifications import mailer as mail
from services.notifications.domain import campaigns, daily_cap, dispatch, unsubscribe
from services.notifications.models import CampaignDailyVolume, Delivery, OutboxEvent
from services.notifications.pacing import SendPacer
from tests.unit.notifications.conftest import admin_of

DAILY_CAP = 5000


class RecordingMailer:
    """Stands in for SMTP in unit tests; integration tests use a real SMTP server."""

    def __init__(self, failures=None):
        self.sent = []
        self.failures = failures or {}

    def send(self, message):
        if isinstance(
            message, mail.PreparedMessage
        ):  # campaign mail: read back as the receiving server would
            message = email.message_from_bytes(message.data, policy=email.policy.default)
        failure = self.failures.get(message["To"].addresses[0].addr_spec)
        if failure:
            raise failure
        self.sent.append(message)

    def close(self):
        pass


def payload(**overrides):
    data = {
        "name": "Spring newsletter",
        "sender_name": "Erhverv Nord",
        "sender_email": "news@erhverv.test",
        "contents": {
            "da": {
                "subject": "Forår",
                "text": "Kom til https://nabo.test/e/1 i dag (https://events.test/e/1).",
            },
            "en": {
                "subject": "Spring",
                "text": "Come to https://nabo.test/e/1 today (https://events.test/e/1).",
            },
        },
        "segment": {"association_ids": []},
    }
    data.update(overrides)
    return data


@pytest.fixture
def tenant(world):
    aid = world.association(language="da")
    org_green = world.organisation(aid, country="DK", sector="62.01", themes=["green"])
    org_other = world.organisation(aid, country="DE", sector="10.1", themes=["food"])
    world.membership(aid, org_green)
    world.membership(aid, org_other)
    people = {
        "young_green_en": world.person(
            organisation_id=org_green, language="en", birth_year=datetime.now().year - 25
        ),
        "old_other_de": world.person(organisation_id=org_other, language="de", birth_year=1960),
        "no_consent_sv": world.person(organisation_id=org_green, language="sv"),
        "withdrawn_nl": world.person(organisation_id=org_green, language="nl"),
    }
    for key in ("young_green_en", "old_other_de", "withdrawn_nl"):
        world.consent(people[key], aid)
    world.consent(people["withdrawn_nl"], aid, granted=False)
    return aid, people


def create(session, aid, **overrides):
    overrides.setdefault("segment", {"association_ids": [aid]})
    return campaigns.create(session, admin_of(aid), payload(**overrides))


def test_only_consenting_people_are_in_the_audience(session, tenant):
    aid, people = tenant
    campaign = create(session, aid)
    preview = campaigns.preview(session, admin_of(aid), campaign["id"])
    assert preview["count"] == 2
    assert {s["person_id"] for s in preview["sample"]} == {people["young_green_en"], people["old_other_de"]}
    # the German reader gets the association's default (Danish): no German content was written
    assert preview["languages"] == {"en": 1, "da": 1}


@pytest.mark.parametrize(
    "segment,expected",
    [
        ({"themes": ["green"]}, {"young_green_en"}),
        ({"sectors": ["10"]}, {"old_other_de"}),
        ({"countries": ["DE", "SE"]}, {"old_other_de"}),
        ({"max_age": 30}, {"young_green_en"}),
        ({"themes": ["green"], "countries": ["DE"]}, set()),
    ],
)
def test_segment_criteria(session, tenant, segment, expected):
    aid, people = tenant
    campaign = create(session, aid, segment=segment)
    preview = campaigns.preview(session, admin_of(aid), campaign["id"])
    assert {s["person_id"] for s in preview["sample"]} == {people[k] for k in expected}


def test_direct_mail_needs_contact_consent(session, tenant, world):
    aid, people = tenant
    world.consent(people["no_consent_sv"], aid, kind="contact")
    campaign = create(session, aid, kind="direct")
    assert [s["person_id"] for s in campaigns.preview(session, admin_of(aid), campaign["id"])["sample"]] == [
        people["no_consent_sv"]
    ]


def test_other_associations_cannot_see_or_target(session, tenant, world):
    aid, _ = tenant
    other = world.association()
    campaign = create(session, aid)
    with pytest.raises(NotFound):
        campaigns.get(session, admin_of(other), campaign["id"])
    session.rollback()  # each call is its own worker and session in the service
    with pytest.raises(ValidationFailed):
        campaigns.create(session, admin_of(other), payload(segment={"association_ids": [aid]}))
    assert campaigns.list_(session, admin_of(other), {})["total"] == 0


@pytest.mark.parametrize(
    "bad",
    [
        {"status": "sent"},
        {"code": "mine"},
        {"recipient_count": 5},
        {"contents": {"fi": {"subject": "x", "text": "y"}}},
        {"segment": {}},
        {"kind": "spam"},
    ],
)
def test_server_owned_and_invalid_fields_are_rejected(session, tenant, bad):
    aid, _ = tenant
    with pytest.raises(ValidationFailed):
        campaigns.create(
            session, admin_of(aid), payload(**dict({"segment": {"association_ids": [aid]}}, **bad))
        )


def started(session, aid):
    """A campaign to the tenant's members, materialised and ready to send."""
    campaign = create(session, aid)
    campaigns.schedule(session, admin_of(aid), campaign["id"], {}, daily_cap=DAILY_CAP)
    assert campaigns.start_due(session) == [campaign["id"]]
    return campaign


def send_all(session, config, mailer):
    total = {"sent": 0, "retry": 0, "failed": 0}
    while rows := dispatch.claim(session, 100, 60):
        for key, value in dispatch.send_batch(session, rows, mailer, SendPacer(1000), config).items():
            total[key] += value
    return total


def test_campaign_is_materialised_sent_once_and_completed(session, tenant, config):
    aid, people = tenant
    campaign = create(session, aid)
    campaigns.schedule(session, admin_of(aid), campaign["id"], {}, daily_cap=DAILY_CAP)
    assert campaigns.start_due(session) == [campaign["id"]]
    assert campaigns.start_due(session) == []
    mailer = RecordingMailer()
    assert send_all(session, config, mailer)["sent"] == 2
    assert send_all(session, config, mailer)["sent"] == 0
    by_address = {m["To"].addresses[0].addr_spec: m for m in mailer.sent}
    assert len(by_address) == 2
    english = next(m for m in mailer.sent if m["Subject"] == "Spring")
    assert english["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert english["From"].addresses[0].display_name == "Erhverv Nord"
    assert english["Reply-To"].addresses[0].addr_spec == "news@erhverv.test"
    body = english.get_body(("plain",)).get_content()
    code = campaign["code"]
    assert f"https://nabo.test/e/1?campaign_code={code}&source_channel=email" in body
    # only nabo's own links carry the campaign's tracking parameters; anyone else's go out as written
    assert "(https://events.test/e/1)" in body
    assert english["List-Id"].endswith(f" <{campaign['kind']}.{aid}.{english['From'].addresses[0].domain}>")
    assert campaigns.complete_finished(session) == [campaign["id"]]
    view = campaigns.get(session, admin_of(aid), campaign["id"])
    assert view["status"] == "sent" and view["progress"]["sent"] == 2
    session.commit()
    with pytest.raises(Conflict):
        campaigns.schedule(session, admin_of(aid), campaign["id"], {}, daily_cap=DAILY_CAP)


def test_scheduled_campaign_waits_for_its_time(session, tenant):
    aid, _ = tenant
    campaign = create(session, aid)
    later = (datetime.now(timezone.utc) + timedelta(hours=2)).isoformat()
    scheduled = campaigns.schedule(session, admin_of(aid), campaign["id"], {"at": later}, daily_cap=DAILY_CAP)
    assert scheduled["status"] == "scheduled"
    assert campaigns.start_due(session) == []
    assert campaigns.start_due(session, now=datetime.now(timezone.utc) + timedelta(hours=3)) == [
        campaign["id"]
    ]


def test_temporary_failures_retry_permanent_ones_are_recorded(session, tenant, config, world):
    aid, people = tenant
    campaign = started(session, aid)
    rows = session.scalars(select(Delivery).where(Delivery.campaign_id == campaign["id"])).all()
    session.commit()
    temporary, permanent = rows[0].email, rows[1].email
    mailer = RecordingMailer(
        {
            temporary: mail.TemporaryFailure("SMTP 451 try later"),
            permanent: mail.PermanentFailure("SMTP 550 no such user"),
        }
    )
    assert send_all(session, config, mailer) == {"sent": 0, "retry": 1, "failed": 1}
    session.expire_all()
    retried = session.get(Delivery, rows[0].id)
    assert retried.status == "queued" and retried.attempts == 1
    assert retried.next_attempt_at > datetime.now(timezone.utc) + timedelta(seconds=30)
    assert session.get(Delivery, rows[1].id).status == "failed"
    session.commit()


def test_crash_recovery_requeues_claimed_and_fails_in_flight(session, tenant, config):
    aid, _ = tenant
    started(session, aid)
    first, second = dispatch.claim(session, 10, lease_seconds=60)
    with session.begin():  # the worker died after marking the first one sending
        session.execute(update(Delivery).where(Delivery.id == first.id).values(status="sending"))
    later = datetime.now(timezone.utc) + timedelta(minutes=5)
    assert dispatch.claim(session, 10, 60, now=later) != []
    session.expire_all()
    assert session.get(Delivery, first.id).status == "failed"
    assert session.get(Delivery, first.id).last_error == dispatch.INTERRUPTED
    assert session.get(Delivery, second.id).status == "claimed"
    session.commit()


def test_unsubscribe_withdraws_and_asks_members(session, tenant, config):
    aid, people = tenant
    campaign = started(session, aid)
    link = unsubscribe.link(config, people["young_green_en"], aid, "newsletter", campaign["id"])
    token = link.split("token=")[1]
    from urllib.parse import unquote

    token = unquote(token)
    result = unsubscribe.withdraw(session, admin_of(aid), config, token)
    assert result == {"association_id": aid, "kind": "newsletter", "withdrawn": True}
    unsubscribe.withdraw(session, admin_of(aid), config, token)  # twice: one request to members
    events = session.scalars(
        select(OutboxEvent).where(OutboxEvent.event_type == "consent.withdrawal_requested")
    ).all()
    assert [e.envelope["data"]["person_id"] for e in events] == [people["young_green_en"]]
    row = session.scalar(
        select(Delivery).where(
            Delivery.person_id == people["young_green_en"], Delivery.campaign_id == campaign["id"]
        )
    )
    assert row.status == "failed" and row.last_error == "unsubscribed before sending"
    session.commit()
    assert "Yes, unsubscribe" in unsubscribe.page(session, config, token)["html"]
    session.commit()
    # the next campaign leaves them out
    again = create(session, aid)
    assert campaigns.preview(session, admin_of(aid), again["id"])["count"] == 1


def test_hard_bounce_is_recorded_and_suppresses_the_address(session, tenant, config):
    aid, people = tenant
    campaign = started(session, aid)
    send_all(session, config, RecordingMailer())
    row = session.scalar(select(Delivery).where(Delivery.person_id == people["old_other_de"]))
    session.commit()
    result = campaigns.record_bounces(
        session,
        admin_of(aid),
        campaign["id"],
        {
            "bounces": [
                {"email": row.email.upper(), "kind": "hard", "reason": "mailbox unknown"},
                {"email": "stranger@example.test"},
            ]
        },
    )
    assert result == {"bounced": 1, "unknown": ["stranger@example.test"]}
    assert campaigns.get(session, admin_of(aid), campaign["id"])["progress"]["bounced"] == 1
    session.commit()
    again = create(session, aid)
    assert campaigns.preview(session, admin_of(aid), again["id"])["count"] == 1


# --- the daily cap on campaign recipients ------------------------------------------------


def held_per_day(session, aid):
    rows = session.execute(
        select(CampaignDailyVolume.day, CampaignDailyVolume.recipients).where(
            CampaignDailyVolume.association_id == aid
        )
    ).all()
    session.commit()
    return {day: recipients for day, recipients in rows if recipients}


def day_of(session, aid, moment):
    day = daily_cap.sending_day(session, aid, moment)
    session.commit()
    return day


def send(session, aid, campaign, cap, at=None):
    return campaigns.schedule(
        session, admin_of(aid), campaign["id"], {"at": at.isoformat()} if at else {}, daily_cap=cap
    )


def test_a_send_beyond_what_is_left_of_the_daily_cap_is_refused_and_queues_nothing(session, tenant):
    aid, _ = tenant
    first, second = create(session, aid), create(session, aid)
    send(session, aid, first, cap=3)
    with pytest.raises(Conflict, match="2 recipients, but only 1 of the association's daily cap of 3"):
        send(session, aid, second, cap=3)
    assert campaigns.get(session, admin_of(aid), second["id"])["status"] == "draft"
    session.commit()
    assert campaigns.start_due(session) == [first["id"]]
    assert not session.scalars(select(Delivery).where(Delivery.campaign_id == second["id"])).all()
    assert held_per_day(session, aid) == {day_of(session, aid, datetime.now(timezone.utc)): 2}


def test_resending_rescheduling_and_cancelling_give_back_what_a_campaign_held(session, tenant):
    aid, _ = tenant
    newsletter, green = create(session, aid), create(session, aid, segment={"themes": ["green"]})
    send(session, aid, newsletter, cap=2)
    send(session, aid, newsletter, cap=2)  # sending again reschedules; it is not counted twice
    with pytest.raises(Conflict, match="only 0 of"):
        send(session, aid, green, cap=2)
    later = datetime.now(timezone.utc) + timedelta(days=2)
    send(session, aid, newsletter, cap=2, at=later)
    send(session, aid, green, cap=2)
    today = day_of(session, aid, datetime.now(timezone.utc))
    assert held_per_day(session, aid) == {today: 1, day_of(session, aid, later): 2}
    campaigns.cancel(session, admin_of(aid), newsletter["id"])
    assert held_per_day(session, aid) == {today: 1}


def test_widening_a_scheduled_campaign_must_fit_the_cap(session, tenant):
    aid, _ = tenant
    green = create(session, aid, segment={"themes": ["green"]})
    other = create(session, aid, segment={"themes": ["food"]})
    send(session, aid, green, cap=2)
    send(session, aid, other, cap=2)
    with pytest.raises(Conflict, match="daily cap of 2"):
        campaigns.update_(
            session, admin_of(aid), green["id"], {"segment": {"association_ids": [aid]}}, daily_cap=2
        )
    assert campaigns.get(session, admin_of(aid), green["id"])["segment"] == {"themes": ["green"]}
    session.commit()
    campaigns.update_(
        session, admin_of(aid), green["id"], {"segment": {"association_ids": [aid]}}, daily_cap=3
    )
    assert sum(held_per_day(session, aid).values()) == 3


def test_the_audience_queued_at_the_start_is_what_counts(session, tenant, world):
    aid, people = tenant
    campaign = create(session, aid)
    send(session, aid, campaign, cap=2)
    world.consent(people["no_consent_sv"], aid)  # one more reader between the send and the start
    assert campaigns.start_due(session) == [campaign["id"]]
    assert list(held_per_day(session, aid).values()) == [3]


def test_a_send_is_scheduled_at_most_a_year_ahead(session, tenant):
    aid, _ = tenant
    campaign = create(session, aid)
    with pytest.raises(ValidationFailed) as refused:
        send(session, aid, campaign, cap=5, at=datetime(9999, 12, 31, 23, 30, tzinfo=timezone.utc))
    assert "at" in refused.value.errors


class Crash(BaseException):
    """The process dies here: no exception handler of the dispatcher runs."""


def statuses(session, campaign_id):
    found = dict(
        session.execute(
            select(Delivery.id, Delivery.status)
            .where(Delivery.campaign_id == campaign_id)
            .order_by(Delivery.id)
        ).all()
    )
    session.commit()
    return found


@pytest.fixture
def five_readers(session, tenant, world):
    aid, people = tenant
    organisation = world.organisation(aid)
    world.membership(aid, organisation)
    for _ in range(3):
        person = world.person(organisation_id=organisation, language="en")
        world.consent(person, aid)
    return aid


def test_each_message_is_the_only_one_in_flight_and_its_predecessor_is_recorded(
    session, five_readers, config
):
    campaign = started(session, five_readers)
    seen_while_sending = []

    class InspectingMailer(RecordingMailer):
        def send(self, message):
            seen_while_sending.append(statuses(session, campaign["id"]))
            super().send(message)

    assert send_all(session, config, InspectingMailer())["sent"] == 5
    for index, seen in enumerate(seen_while_sending):
        ordered = list(seen.values())
        # the predecessors' outcomes were committed with this message's start: one row in flight, no more
        assert ordered[:index] == ["sent"] * index and ordered[index] == "sending"
        assert set(ordered[index + 1 :]) <= {"claimed"}
    assert set(statuses(session, campaign["id"]).values()) == {"sent"}


def test_a_crash_while_sending_leaves_one_row_interrupted_and_the_rest_are_sent_once(
    session, five_readers, config
):
    campaign = started(session, five_readers)

    class CrashingMailer(RecordingMailer):
        def send(self, message):
            if len(self.sent) == 2:
                raise Crash()
            super().send(message)

    crashing = CrashingMailer()
    rows = dispatch.claim(session, 100, 60)
    with pytest.raises(Crash):
        dispatch.send_batch(session, rows, crashing, SendPacer(1000), config)
    session.rollback()
    assert list(statuses(session, campaign["id"]).values()) == [
        "sent",
        "sent",
        "sending",
        "claimed",
        "claimed",
    ]
    interrupted = rows[2].id

    later = datetime.now(timezone.utc) + timedelta(minutes=5)
    requeued = dispatch.claim(session, 100, 60, now=later)
    assert [r.id for r in requeued] == [r.id for r in rows[3:]]  # claimed, never started: queued again
    after = RecordingMailer()
    assert dispatch.send_batch(session, requeued, after, SendPacer(1000), config)["sent"] == 2
    final = statuses(session, campaign["id"])
    assert final[interrupted] == "failed"
    session.expire_all()
    assert session.get(Delivery, interrupted).last_error == dispatch.INTERRUPTED
    session.commit()
    received = [m["To"].addresses[0].addr_spec for m in crashing.sent + after.sent]
    assert len(received) == len(set(received)) == 4


def test_a_crash_before_an_accepted_message_is_recorded_never_sends_it_twice(session, five_readers, config):
    """The outcome of an accepted message waits for the next message's start; dying in between leaves it
    sending, so it is marked interrupted and not sent again (at most once)."""
    campaign = started(session, five_readers)

    class CrashingPacer(SendPacer):
        """Dies when asked for the second message's turn, after the first one was accepted."""

        turns = 0

        def try_acquire(self):
            if self.turns == 1:
                raise Crash()
            self.turns += 1
            return super().try_acquire()

    pacer = CrashingPacer(1000)
    mailer = RecordingMailer()
    rows = dispatch.claim(session, 100, 60)
    with pytest.raises(Crash):
        dispatch.send_batch(session, rows, mailer, pacer, config)
    session.rollback()
    assert len(mailer.sent) == 1
    assert list(statuses(session, campaign["id"]).values()) == ["sending"] + ["claimed"] * 4

    later = datetime.now(timezone.utc) + timedelta(minutes=5)
    again = RecordingMailer()
    dispatch.send_batch(session, dispatch.claim(session, 100, 60, now=later), again, SendPacer(1000), config)
    assert statuses(session, campaign["id"])[rows[0].id] == "failed"
    received = [m["To"].addresses[0].addr_spec for m in mailer.sent + again.sent]
    assert len(received) == len(set(received)) == 5


def test_rows_of_a_dead_dispatcher_are_taken_over_within_15_seconds_with_the_defaults(
    session, five_readers, config
):
    campaign = started(session, five_readers)

    class DyingMailer(RecordingMailer):
        def send(self, message):
            raise Crash()  # killed mid-batch: nothing renews its lease any more

    rows = dispatch.claim(session, 100, config.lease_seconds)
    with pytest.raises(Crash):
        dispatch.send_batch(session, rows, DyingMailer(), SendPacer(1000), config)
    session.rollback()
    shortly_after = datetime.now(timezone.utc) + timedelta(seconds=15)
    taken_over = dispatch.claim(session, 100, config.lease_seconds, now=shortly_after)
    assert [row.id for row in taken_over] == [row.id for row in rows[1:]]  # the first one was on the wire
    assert statuses(session, campaign["id"])[rows[0].id] == "failed"


def test_a_replica_looks_for_dead_workers_rows_at_its_first_claim_then_once_a_second(
    session, five_readers, config
):
    """As the service claims (``StaleRecovery``): a look scans every row claimed or sending, so it is not
    repeated within a second, and a row whose lease ran out waits at most that second longer."""
    started(session, five_readers)
    recovery, lease = dispatch.StaleRecovery(), timedelta(seconds=config.lease_seconds)
    start = datetime.now(timezone.utc)

    def claim(limit, after):
        return [row.id for row in dispatch.claim(session, limit, config.lease_seconds, now=start + after,
                                                 recovery=recovery)]

    dead = claim(2, timedelta(0))  # a worker that dies with these two
    claim(1, lease - timedelta(seconds=0.5))  # looks: nothing stale yet
    assert not set(claim(1, lease + timedelta(seconds=0.2))) & set(dead)  # stale, not looked for yet
    assert set(dead) <= set(claim(10, lease + timedelta(seconds=0.6)))  # looked for, queued and taken


def test_a_send_longer_than_the_lease_keeps_its_rows_by_renewing_it(session, five_readers, config):
    campaign = started(session, five_readers)
    # a lease of 2 s renewed every third of it: a loaded machine delaying a renewal by a second still
    # keeps it, while each send (4.8 s) lasts well over the lease
    short = replace(config, lease_seconds=2)
    other_replica = db.make_sessionmaker(session.get_bind())()
    taken_by_the_other_replica = []

    class SlowMailer(RecordingMailer):
        def send(self, message):
            for _ in range(3):  # a replica looking for due rows meanwhile
                time.sleep(1.6)
                taken_by_the_other_replica.extend(row.id for row in dispatch.claim(other_replica, 100, 2))
            super().send(message)

    rows = dispatch.claim(session, 2, short.lease_seconds)
    assert dispatch.send_batch(session, rows, SlowMailer(), SendPacer(1000), short)["sent"] == 2
    other_replica.close()
    assert not {row.id for row in rows} & set(taken_by_the_other_replica)
    assert [statuses(session, campaign["id"])[row.id] for row in rows] == ["sent", "sent"]
