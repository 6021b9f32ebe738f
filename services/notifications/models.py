"""The notifications service's database.

Read model (rebuildable from other services' events): contacts, their
organisations, organisations, memberships, consents, networks, events and
registrations, ideas. Owned data: preferences, campaigns and their recipients
per association and day (the daily cap), deliveries (one row per message per
recipient and channel), in-app inbox items, webhooks and their deliveries;
plus the outbox and inbox tables of the backbone.
"""
import uuid
from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from nabo_common.messaging.outbox import BigId, OutboxEventMixin, utcnow
from nabo_common.messaging.processed import ProcessedEventMixin
from nabo_common.persistence.idempotency import IdempotentCallMixin
from nabo_common.persistence.types import UtcDateTime


def new_id():
    return str(uuid.uuid4())


class Base(DeclarativeBase):
    pass


class OutboxEvent(OutboxEventMixin, Base):
    pass


class ProcessedEvent(ProcessedEventMixin, Base):
    pass


class IdempotentCall(IdempotentCallMixin, Base):
    pass


# --- read model ----------------------------------------------------------------

class Association(Base):
    __tablename__ = "associations"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    default_language: Mapped[str] = mapped_column(String(2), nullable=False, default="en")
    time_zone: Mapped[str] = mapped_column(String(64), nullable=False, default="UTC")


class Contact(Base):
    """A person as far as messages need them: name, address, language."""

    __tablename__ = "contacts"

    person_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    email: Mapped[str | None] = mapped_column(String(320), index=True)
    language: Mapped[str] = mapped_column(String(2), nullable=False, default="en")
    birth_year: Mapped[int | None] = mapped_column(Integer)
    home_association_id: Mapped[str | None] = mapped_column(String(36), index=True)
    admin_of: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    # set by a hard bounce: campaigns skip the address until it changes
    email_bounced_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    erased: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False, default=utcnow, onupdate=utcnow)


class ContactOrganisation(Base):
    __tablename__ = "contact_organisations"

    person_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    organisation_id: Mapped[str] = mapped_column(String(36), primary_key=True, index=True)
    role: Mapped[str] = mapped_column(String(40), nullable=False)


class Organisation(Base):
    __tablename__ = "organisations"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    owner_association_id: Mapped[str] = mapped_column(String(36), nullable=False, index=True)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    country: Mapped[str] = mapped_column(String(2), nullable=False)
    sector: Mapped[str | None] = mapped_column(String(10))


class OrganisationTheme(Base):
    """Themes of an organisation, one row each so segments can match them in SQL."""

    __tablename__ = "organisation_themes"

    organisation_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    theme: Mapped[str] = mapped_column(String(80), primary_key=True, index=True)


class Membership(Base):
    __tablename__ = "memberships"
    __table_args__ = (Index("ix_nmemberships_association_status", "association_id", "status"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    organisation_id: Mapped[str] = mapped_column(String(36), nullable=False, index=True)
    association_id: Mapped[str] = mapped_column(String(36), nullable=False)
    status: Mapped[str] = mapped_column(String(20), nullable=False)
    end_date: Mapped[date | None] = mapped_column(Date)


class ConsentState(Base):
    """The latest consent per person, association and kind."""

    __tablename__ = "consent_states"

    person_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    association_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), primary_key=True)
    granted: Mapped[bool] = mapped_column(Boolean, nullable=False)
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False)


class Network(Base):
    __tablename__ = "networks"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    # the name in each language it has ({"sv": "Kajaknätverket Sjöland"}); ``name`` where one is missing
    names: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)
    association_ids: Mapped[list] = mapped_column(JSON, nullable=False, default=list)


class NetworkMember(Base):
    __tablename__ = "network_members"

    network_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    person_id: Mapped[str] = mapped_column(String(36), primary_key=True, index=True)


class CalendarEvent(Base):
    """An event of the events service (named so as not to clash with 'event' messages)."""

    __tablename__ = "calendar_events"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    programme_id: Mapped[str | None] = mapped_column(String(36), index=True)
    network_id: Mapped[str | None] = mapped_column(String(36))
    association_ids: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    title: Mapped[str] = mapped_column(String(300), nullable=False)
    starts_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    ends_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    time_zone: Mapped[str] = mapped_column(String(64), nullable=False, default="UTC")
    format: Mapped[str | None] = mapped_column(String(20))
    venue: Mapped[str | None] = mapped_column(Text)
    venue_address: Mapped[str | None] = mapped_column(Text)
    venue_host_name: Mapped[str | None] = mapped_column(String(300))
    join_url: Mapped[str | None] = mapped_column(String(1000))
    status: Mapped[str] = mapped_column(String(20), nullable=False, default="published")


class Registration(Base):
    __tablename__ = "registrations"
    __table_args__ = (Index("ix_nregistrations_event_status", "event_id", "status"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    event_id: Mapped[str] = mapped_column(String(36), nullable=False)
    programme_id: Mapped[str | None] = mapped_column(String(36), index=True)
    person_id: Mapped[str | None] = mapped_column(String(36), index=True)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    email: Mapped[str | None] = mapped_column(String(320))
    language: Mapped[str] = mapped_column(String(2), nullable=False, default="en")
    status: Mapped[str] = mapped_column(String(20), nullable=False)
    # a guest's name and e-mail removed once the event ended longer ago than the retention period
    anonymised_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class Idea(Base):
    __tablename__ = "ideas"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    panel_id: Mapped[str | None] = mapped_column(String(36))
    title: Mapped[str] = mapped_column(String(300), nullable=False)
    submitter_person_id: Mapped[str | None] = mapped_column(String(36), index=True)
    association_id: Mapped[str | None] = mapped_column(String(36))


# --- owned data ----------------------------------------------------------------

class Preference(Base):
    __tablename__ = "preferences"

    person_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    email: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    inapp: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    digest: Mapped[str] = mapped_column(
        String(10), nullable=False, default="immediate"
    )  # immediate|daily|weekly
    language: Mapped[str | None] = mapped_column(String(2))
    last_digest_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False, default=utcnow, onupdate=utcnow)


class NetworkPreference(Base):
    """What a person hears from one network's conversation (``NETWORK_MODES`` in the API contract); a
    network without a row is heard of in the daily digest."""

    __tablename__ = "network_preferences"

    person_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    network_id: Mapped[str] = mapped_column(String(36), primary_key=True, index=True)
    mode: Mapped[str] = mapped_column(String(24), nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False, default=utcnow, onupdate=utcnow)


class AuthoredTitle(Base):
    """The title of a thread (or an opportunity) a person wrote, which others' messages about it quote
    (their link is ``link``): on the person's erasure it goes from those messages."""

    __tablename__ = "authored_titles"

    link: Mapped[str] = mapped_column(String(100), primary_key=True)
    person_id: Mapped[str] = mapped_column(String(36), nullable=False, index=True)
    title: Mapped[str] = mapped_column(String(500), nullable=False)


class Campaign(Base):
    __tablename__ = "campaigns"
    __table_args__ = (Index("ix_campaigns_due", "status", "send_at"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    association_id: Mapped[str] = mapped_column(String(36), nullable=False, index=True)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    kind: Mapped[str] = mapped_column(String(20), nullable=False)  # newsletter | direct
    sender_name: Mapped[str] = mapped_column(String(200), nullable=False)
    sender_email: Mapped[str | None] = mapped_column(String(320))
    contents: Mapped[dict] = mapped_column(JSON, nullable=False)  # language -> {subject, text, html}
    segment: Mapped[dict] = mapped_column(JSON, nullable=False)
    code: Mapped[str] = mapped_column(String(40), nullable=False, unique=True)
    status: Mapped[str] = mapped_column(String(20), nullable=False, default="draft")
    send_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    recipient_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    created_by: Mapped[str | None] = mapped_column(String(36))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False, default=utcnow, onupdate=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # the recipients this campaign counts against its association's daily cap, and on which day
    cap_day: Mapped[date | None] = mapped_column(Date)
    cap_recipients: Mapped[int] = mapped_column(Integer, nullable=False, default=0)


class CampaignDailyVolume(Base):
    """Campaign recipients of one association on one calendar day (in its time zone): the counter the
    daily cap is checked against, its row locked while a send is decided."""

    __tablename__ = "campaign_daily_volumes"

    association_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    recipients: Mapped[int] = mapped_column(Integer, nullable=False, default=0)


class Delivery(Base):
    """One message to one recipient over one channel for one cause (an event
    id, a campaign id, a digest id). The unique key is what makes a message go
    out once however often its cause is delivered to us."""

    __tablename__ = "deliveries"
    __table_args__ = (
        UniqueConstraint("cause_id", "recipient", "channel", name="uq_delivery_cause_recipient_channel"),
        Index("ix_deliveries_due", "status", "priority", "next_attempt_at", "id"),
        Index("ix_deliveries_campaign_status", "campaign_id", "status"),
        Index("ix_deliveries_person_status", "person_id", "status"),
        Index("ix_deliveries_event", "event_id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    cause_id: Mapped[str] = mapped_column(String(64), nullable=False)
    recipient: Mapped[str] = mapped_column(
        String(340), nullable=False
    )  # person id, or email:<address> for guests
    channel: Mapped[str] = mapped_column(String(10), nullable=False)  # email | inapp
    kind: Mapped[str] = mapped_column(String(40), nullable=False)
    priority: Mapped[int] = mapped_column(Integer, nullable=False, default=0)  # 0 transactional, 1 campaign
    campaign_id: Mapped[str | None] = mapped_column(String(36))
    association_id: Mapped[str | None] = mapped_column(String(36))
    person_id: Mapped[str | None] = mapped_column(String(36))
    # the calendar event a message is about: a guest's messages follow its retention period
    event_id: Mapped[str | None] = mapped_column(String(36))
    # the network whose conversation the message is from: its mail carries a one-click unsubscribe from it
    network_id: Mapped[str | None] = mapped_column(String(36))
    # a held message waits for this digest (daily|weekly); None: the person's own digest setting
    digest_period: Mapped[str | None] = mapped_column(String(10))
    email: Mapped[str | None] = mapped_column(String(320))
    name: Mapped[str | None] = mapped_column(String(200))
    language: Mapped[str] = mapped_column(String(2), nullable=False, default="en")
    # rendered at enqueue time for transactional messages; campaigns render at send time
    subject: Mapped[str | None] = mapped_column(String(500))
    text_body: Mapped[str | None] = mapped_column(Text)
    html_body: Mapped[str | None] = mapped_column(Text)
    attachments: Mapped[list | None] = mapped_column(JSON)
    # queued | held (waiting for a digest) | claimed | sending | sent | failed | bounced | digested
    status: Mapped[str] = mapped_column(String(12), nullable=False, default="queued")
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False, default=utcnow)
    lease_until: Mapped[datetime | None] = mapped_column(UtcDateTime)
    last_error: Mapped[str | None] = mapped_column(String(1000))
    message_id: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    anonymised_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class InboxItem(Base):
    __tablename__ = "inbox_items"
    __table_args__ = (
        UniqueConstraint("cause_id", "person_id", name="uq_inbox_cause_person"),
        Index("ix_inbox_person_created", "person_id", "created_at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    person_id: Mapped[str] = mapped_column(String(36), nullable=False)
    cause_id: Mapped[str] = mapped_column(String(64), nullable=False)
    kind: Mapped[str] = mapped_column(String(40), nullable=False)
    title: Mapped[str] = mapped_column(String(500), nullable=False)
    body: Mapped[str] = mapped_column(Text, nullable=False)
    link: Mapped[str | None] = mapped_column(String(1000))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class Webhook(Base):
    __tablename__ = "webhooks"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    association_id: Mapped[str] = mapped_column(String(36), nullable=False, index=True)
    network_id: Mapped[str | None] = mapped_column(String(36), index=True)
    url: Mapped[str] = mapped_column(String(1000), nullable=False)
    secret_encrypted: Mapped[str] = mapped_column(Text, nullable=False)  # Fernet, keys from NABO_WEBHOOK_KEYS
    event_types: Mapped[list] = mapped_column(JSON, nullable=False)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    created_by: Mapped[str | None] = mapped_column(String(36))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False, default=utcnow)


class WebhookDelivery(Base):
    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        UniqueConstraint("webhook_id", "cause_id", name="uq_webhook_delivery_cause"),
        Index("ix_webhook_deliveries_due", "status", "next_attempt_at", "id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    webhook_id: Mapped[str] = mapped_column(ForeignKey("webhooks.id", ondelete="CASCADE"), nullable=False)
    cause_id: Mapped[str] = mapped_column(String(64), nullable=False)
    event_type: Mapped[str] = mapped_column(String(100), nullable=False)
    body: Mapped[str] = mapped_column(Text, nullable=False)
    status: Mapped[str] = mapped_column(String(12), nullable=False, default="queued")  # queued|sent|failed
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False, default=utcnow)
    response_status: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(String(1000))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
