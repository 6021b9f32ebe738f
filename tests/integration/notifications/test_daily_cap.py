"""The daily cap on campaign recipients per association, with the service
running on PostgreSQL: a send beyond what is left of the day's cap is refused
and queues nothing, a send within it goes out, and concurrent sends of one
association never pass the cap together."""
import eventlet
import pytest
from nameko.standalone.rpc import ClusterRpcProxy
from sqlalchemy import select

from nabo_common.api.errors import Conflict
from nabo_common.persistence import db
from nabo_common.runtime import context
from nabo_common.runtime.context import Caller
from services.notifications.domain import campaigns
from services.notifications.models import Campaign, CampaignDailyVolume, Delivery
from tests.integration.notifications.support import new_id, wait_until

DAILY_CAP = 5


@pytest.fixture(autouse=True)
def small_daily_cap(monkeypatch):
    # autouse: set before the notifications fixture starts the service, which reads it at start
    monkeypatch.setenv("NOTIFICATIONS_CAMPAIGN_DAILY_CAP", str(DAILY_CAP))


def association_with_readers(publisher, readers):
    association_id = new_id()
    publisher.publish("association.created", {
        "association_id": association_id, "name": "Erhverv Sønderborg", "slug": association_id[:8],
        "country": "DK", "default_language": "da", "time_zone": "Europe/Copenhagen"})
    for i in range(readers):
        person_id = new_id()
        publisher.publish(
            "person.created",
            {
                "person_id": person_id,
                "name": f"Læser {i}",
                "email": f"laeser{i}-{person_id[:6]}@example.test",
                "language": "da",
                "home_association_id": association_id,
                "roles": [],
            },
        )
        publisher.publish(
            "consent.changed",
            {
                "person_id": person_id,
                "association_id": association_id,
                "kind": "newsletter",
                "granted": True,
                "source": "form",
                "wording_version": "v1",
                "recorded_at": "2026-01-01T00:00:00+00:00",
            },
        )
    return association_id


def newsletter(sessions, admin, association_id, readers):
    """A draft to everyone of the association, once the read model knows all ``readers``."""
    with sessions() as session:
        campaign = campaigns.create(
            session,
            admin,
            {
                "name": "Nyhedsbrev",
                "sender_name": "Erhverv Sønderborg",
                "contents": {
                    "da": {"subject": f"Nyt {new_id()[:6]}", "text": "Læs mere på https://erhverv.test"}
                },
                "segment": {"association_ids": [association_id]},
            },
        )
        assert wait_until(
            lambda: campaigns.preview(session, admin, campaign["id"])["count"] == readers, timeout=30
        )
    return campaign


def test_a_send_beyond_the_daily_cap_is_refused_and_queues_nothing(notifications, smtp_sink):
    system, database, publisher = notifications
    association_id = association_with_readers(publisher, readers=3)
    admin = Caller(person_id=new_id(), roles=("association_admin",), admin_of=(association_id,))
    within, beyond = (newsletter(database.sessions, admin, association_id, readers=3) for _ in range(2))
    token = context.sign(admin, system.settings["notifications"].context_keys)
    with ClusterRpcProxy(
        {"AMQP_URI": system.settings["notifications"].amqp_uri, "serializer": "json"},
        context_data={context.CONTEXT_KEY: token},
        timeout=30,
    ) as rpc:
        assert rpc.notifications.send_campaign(within["id"], {})["status"] == "scheduled"
        with pytest.raises(Conflict) as refused:
            rpc.notifications.send_campaign(beyond["id"], {})
    assert "only 2 of the association's daily cap of 5 campaign recipients are left" in refused.value.detail

    def status(campaign):
        return database.rows(select(Campaign.status).where(Campaign.id == campaign["id"]))[0]

    assert wait_until(lambda: status(within) == "sent", timeout=60)
    assert len(smtp_sink.snapshot()) == 3
    assert status(beyond) == "draft"
    assert database.rows(select(Delivery.id).where(Delivery.campaign_id == beyond["id"])) == []
    assert database.rows(
        select(CampaignDailyVolume.recipients).where(CampaignDailyVolume.association_id == association_id)
    ) == [3]


def test_concurrent_sends_of_one_association_never_pass_the_cap_together(notifications):
    system, _database, publisher = notifications
    association_id = association_with_readers(publisher, readers=2)
    admin = Caller(person_id=new_id(), roles=("association_admin",), admin_of=(association_id,))
    engine = db.make_engine(system.settings["notifications"].database_url, pool_size=6)
    sessions = db.make_sessionmaker(engine)
    drafts = [newsletter(sessions, admin, association_id, readers=2) for _ in range(5)]

    def send(campaign):
        with sessions() as session:
            try:
                campaigns.schedule(session, admin, campaign["id"], {}, daily_cap=DAILY_CAP)
                return "sent"
            except Conflict:
                return "refused"

    try:
        outcomes = list(eventlet.GreenPool(len(drafts)).imap(send, drafts))
        with sessions() as session:
            held = session.scalars(
                select(CampaignDailyVolume.recipients).where(
                    CampaignDailyVolume.association_id == association_id
                )
            ).all()
    finally:
        engine.dispose()
    # two campaigns of two readers fit a cap of five; a third would need two of the one left
    assert sorted(outcomes) == ["refused"] * 3 + ["sent"] * 2
    assert held == [4]
