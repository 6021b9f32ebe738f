"""The events service's database: programmes (funded series) with budgets and
cost lines, events, registrations and waitlists, attendance, feedback,
reminders, plus the outbox and inbox tables of the backbone."""

import uuid
from datetime import date, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from nabo_common.messaging.outbox import OutboxEventMixin, utcnow
from nabo_common.messaging.processed import ProcessedEventMixin
from nabo_common.persistence.idempotency import IdempotentCallMixin
from nabo_common.persistence.types import UtcDateTime

Money = BigInteger().with_variant(Integer, "sqlite")


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


class Programme(Base):
    """A funded series of events with a granted budget and its cost lines."""

    __tablename__ = "programmes"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    goal: Mapped[str | None] = mapped_column(Text)
    partner_organisation_ids: Mapped[list] = mapped_column(JSON, default=list, nullable=False)
    period_start: Mapped[date] = mapped_column(Date, nullable=False)
    period_end: Mapped[date] = mapped_column(Date, nullable=False)
    planned_events: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    budget_amount_minor: Mapped[int] = mapped_column(Money, nullable=False, default=0)
    currency: Mapped[str] = mapped_column(String(3), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow, nullable=False)

    hosts: Mapped[list["ProgrammeHost"]] = relationship(lazy="selectin", cascade="all, delete-orphan")
    costs: Mapped[list["ProgrammeCost"]] = relationship(
        lazy="selectin",
        cascade="all, delete-orphan",
        order_by="(ProgrammeCost.date, ProgrammeCost.created_at)",
    )

    @property
    def association_ids(self):
        return sorted(h.association_id for h in self.hosts)


class ProgrammeHost(Base):
    __tablename__ = "programme_hosts"

    programme_id: Mapped[str] = mapped_column(ForeignKey("programmes.id"), primary_key=True)
    association_id: Mapped[str] = mapped_column(String(36), primary_key=True, index=True)


class HostInvitation:
    """An association asked to co-organise; it becomes a host only once one of its admins accepts,
    and until then sees nothing of the resource nor shows it anywhere."""

    association_id: Mapped[str] = mapped_column(String(36), primary_key=True, index=True)
    invited_by: Mapped[str | None] = mapped_column(String(36))  # the inviting admin's person id
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, nullable=False)


class ProgrammeHostInvitation(HostInvitation, Base):
    __tablename__ = "programme_host_invitations"

    programme_id: Mapped[str] = mapped_column(ForeignKey("programmes.id"), primary_key=True)


class ProgrammeCost(Base):
    __tablename__ = "programme_costs"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    programme_id: Mapped[str] = mapped_column(ForeignKey("programmes.id"), nullable=False, index=True)
    date: Mapped[date] = mapped_column(Date, nullable=False)
    description: Mapped[str] = mapped_column(String(500), nullable=False)
    amount_minor: Mapped[int] = mapped_column(Money, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, nullable=False)


class Event(Base):
    __tablename__ = "events"
    __table_args__ = (
        Index("ix_events_status_starts", "status", "starts_at"),
        Index("ix_events_network", "network_id"),
        Index("ix_events_programme", "programme_id"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    title_lower: Mapped[str] = mapped_column(String(200), nullable=False)
    description: Mapped[str | None] = mapped_column(Text)
    format: Mapped[str] = mapped_column(String(20), nullable=False)  # online | in_person | hybrid
    starts_at: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False)
    ends_at: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False)
    time_zone: Mapped[str] = mapped_column(String(64), nullable=False)
    venue_address: Mapped[str | None] = mapped_column(String(500))
    venue_organisation_id: Mapped[str | None] = mapped_column(String(36))
    # the host company's name as the events service last looked it up, for messages (no id in a mail)
    venue_host_name: Mapped[str | None] = mapped_column(String(300))
    join_url: Mapped[str | None] = mapped_column(String(500))
    join_url_visibility: Mapped[str] = mapped_column(String(20), nullable=False, default="registrants")
    capacity: Mapped[int | None] = mapped_column(Integer)
    registration_opens_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    registration_closes_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    status: Mapped[str] = mapped_column(String(20), nullable=False, default="draft")
    visibility: Mapped[str] = mapped_column(String(20), nullable=False, default="public")  # public | members
    network_id: Mapped[str | None] = mapped_column(String(36))
    programme_id: Mapped[str | None] = mapped_column(ForeignKey("programmes.id"))
    # speakers, facilitator, technical support, host company: [{role, person_id, organisation_id, name}]
    people: Mapped[list] = mapped_column(JSON, default=list, nullable=False)
    questions: Mapped[list] = mapped_column(JSON, default=list, nullable=False)
    reminder_offsets: Mapped[list] = mapped_column(JSON, default=list, nullable=False)  # minutes before start
    # RFC 5545 SEQUENCE: raised by every change calendar clients must pick up
    sequence: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    published_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    cancel_reason: Mapped[str | None] = mapped_column(String(500))
    recording_url: Mapped[str | None] = mapped_column(String(500))
    recording_published_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow, nullable=False)
    # on PostgreSQL, the parts of the event's JSON that depend on its rows alone, written by a trigger as they
    # change (domain.pages.STORED); never loaded with the event
    json_head: Mapped[str | None] = mapped_column(Text, deferred=True)
    json_middle: Mapped[str | None] = mapped_column(Text, deferred=True)
    json_tail: Mapped[str | None] = mapped_column(Text, deferred=True)

    hosts: Mapped[list["EventHost"]] = relationship(lazy="selectin", cascade="all, delete-orphan")
    # in the order the organiser gave them
    tags: Mapped[list["EventTag"]] = relationship(
        lazy="selectin", cascade="all, delete-orphan", order_by="(EventTag.position, EventTag.value)"
    )

    @property
    def association_ids(self):
        return sorted(h.association_id for h in self.hosts)

    @property
    def themes(self):
        return [t.value for t in self.tags if t.kind == "theme"]

    @property
    def languages(self):
        return [t.value for t in self.tags if t.kind == "language"]


class EventHost(Base):
    """An organising association; co-hosted events have several."""

    __tablename__ = "event_hosts"

    event_id: Mapped[str] = mapped_column(ForeignKey("events.id"), primary_key=True)
    association_id: Mapped[str] = mapped_column(String(36), primary_key=True, index=True)


class EventHostInvitation(HostInvitation, Base):
    __tablename__ = "event_host_invitations"

    event_id: Mapped[str] = mapped_column(ForeignKey("events.id"), primary_key=True)


class EventTag(Base):
    """Searchable themes and languages of an event."""

    __tablename__ = "event_tags"
    __table_args__ = (Index("ix_event_tags_kind_value", "kind", "value"),)

    event_id: Mapped[str] = mapped_column(ForeignKey("events.id"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), primary_key=True)  # theme | language
    value: Mapped[str] = mapped_column(String(100), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, nullable=False, default=0)


class EventSeatCount(Base):
    """An event's registrations confirmed and waitlisted, kept by triggers on ``registrations`` on
    PostgreSQL (migration 7b3e9d2f5a18), where reads of events look them up rather than count; no row
    is none. Never written by the services; empty on SQLite, which counts the registrations."""

    __tablename__ = "event_seat_counts"

    event_id: Mapped[str] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), primary_key=True)
    confirmed: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0")
    waitlisted: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0")


class Registration(Base):
    __tablename__ = "registrations"
    __table_args__ = (
        Index("ix_registrations_event_status", "event_id", "status", "created_at"),
        Index("ix_registrations_person", "person_id"),
        Index("ix_registrations_event_email", "event_id", "email_lower"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    event_id: Mapped[str] = mapped_column(ForeignKey("events.id"), nullable=False)
    person_id: Mapped[str | None] = mapped_column(String(36))  # NULL for guests
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    email: Mapped[str | None] = mapped_column(String(320))  # NULL once erased
    email_lower: Mapped[str | None] = mapped_column(String(320))
    language: Mapped[str] = mapped_column(String(2), nullable=False, default="en")
    status: Mapped[str] = mapped_column(String(20), nullable=False)  # confirmed | waitlisted | cancelled
    answers: Mapped[dict] = mapped_column(JSON, default=dict, nullable=False)
    source_channel: Mapped[str] = mapped_column(String(20), nullable=False, default="other")
    campaign_code: Mapped[str | None] = mapped_column(String(80))
    promoted_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    erased_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # a guest's data removed once the retention period after the event has passed
    anonymised_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow, nullable=False)


class Attendance(Base):
    """Who was there: a checked-in registration, a named walk-in, an online
    join imported from the meeting platform, or an anonymous head count."""

    __tablename__ = "attendances"
    __table_args__ = (
        Index("ix_attendances_event", "event_id"),
        Index("ix_attendances_person", "person_id"),
        UniqueConstraint("event_id", "registration_id", name="uq_attendance_registration"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    event_id: Mapped[str] = mapped_column(ForeignKey("events.id"), nullable=False)
    registration_id: Mapped[str | None] = mapped_column(ForeignKey("registrations.id"))
    person_id: Mapped[str | None] = mapped_column(String(36))
    kind: Mapped[str] = mapped_column(String(20), nullable=False)  # check_in | walk_in | online | anonymous
    name: Mapped[str | None] = mapped_column(String(200))
    email_lower: Mapped[str | None] = mapped_column(String(320))
    headcount: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    source_channel: Mapped[str | None] = mapped_column(String(20))
    joined_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    duration_minutes: Mapped[int | None] = mapped_column(Integer)
    erased_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    anonymised_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, nullable=False)


class Feedback(Base):
    __tablename__ = "feedback"
    __table_args__ = (UniqueConstraint("attendance_id", name="uq_feedback_attendance"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    event_id: Mapped[str] = mapped_column(ForeignKey("events.id"), nullable=False, index=True)
    attendance_id: Mapped[str] = mapped_column(ForeignKey("attendances.id"), nullable=False)
    person_id: Mapped[str | None] = mapped_column(String(36), index=True)
    rating: Mapped[int] = mapped_column(Integer, nullable=False)
    comment: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, nullable=False)


class Reminder(Base):
    """One reminder per event and offset; claimed by exactly one replica."""

    __tablename__ = "reminders"
    __table_args__ = (
        UniqueConstraint("event_id", "offset_minutes", name="uq_reminder_event_offset"),
        Index("ix_reminders_due", "sent_at", "due_at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    event_id: Mapped[str] = mapped_column(ForeignKey("events.id"), nullable=False)
    offset_minutes: Mapped[int] = mapped_column(Integer, nullable=False)
    due_at: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


# --- meeting markets -------------------------------------------------------------------------------


class MeetingMarket(Base):
    """One-to-one meetings at an event: how long each is, when they happen, where (tables, online
    links) and how many one participant may have."""

    __tablename__ = "meeting_markets"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    event_id: Mapped[str] = mapped_column(ForeignKey("events.id"), nullable=False, unique=True)
    mode: Mapped[str] = mapped_column(String(20), nullable=False)  # in_person | online | hybrid
    meeting_minutes: Mapped[int] = mapped_column(Integer, nullable=False)
    windows: Mapped[list] = mapped_column(JSON, default=list, nullable=False)  # [{starts_at, ends_at}]
    tables: Mapped[list] = mapped_column(JSON, default=list, nullable=False)  # names of tables or rooms
    online_link_template: Mapped[str | None] = mapped_column(String(500))  # with {meeting_id}
    max_meetings_per_participant: Mapped[int] = mapped_column(Integer, nullable=False)
    request_expiry_hours: Mapped[int] = mapped_column(Integer, nullable=False)
    # on_accept: a meeting is placed when its request is accepted; by_organiser: the organiser schedules
    # the accepted requests at once and publishes the schedule
    scheduling: Mapped[str] = mapped_column(String(20), nullable=False, default="on_accept",
                                            server_default="on_accept")
    schedule_published_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # how long before each meeting both sides are reminded (0: no reminders)
    reminder_minutes: Mapped[int] = mapped_column(Integer, nullable=False, default=15, server_default="15")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow, nullable=False)


class MarketParticipant(Base):
    """A registered person taking part with their organisation's profile."""

    __tablename__ = "meeting_market_participants"
    __table_args__ = (Index("ix_market_participants_organisation", "market_id", "organisation_id"),)

    market_id: Mapped[str] = mapped_column(ForeignKey("meeting_markets.id"), primary_key=True)
    person_id: Mapped[str] = mapped_column(String(36), primary_key=True, index=True)
    organisation_id: Mapped[str] = mapped_column(String(36), nullable=False)
    registration_id: Mapped[str] = mapped_column(ForeignKey("registrations.id"), nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, nullable=False)


class MeetingRequest(Base):
    """A wish to meet; it takes no slot until it is accepted."""

    __tablename__ = "meeting_requests"
    __table_args__ = (
        Index("ix_meeting_requests_due", "status", "expires_at"),
        Index("ix_meeting_requests_requester", "market_id", "requester_id"),
        Index("ix_meeting_requests_recipient", "market_id", "recipient_id"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    market_id: Mapped[str] = mapped_column(ForeignKey("meeting_markets.id"), nullable=False)
    requester_id: Mapped[str] = mapped_column(String(36), nullable=False)
    recipient_id: Mapped[str] = mapped_column(String(36), nullable=False)
    message: Mapped[str | None] = mapped_column(String(1000))
    # the meeting at an earlier market whose agreed follow-up this request is
    follow_up_of: Mapped[str | None] = mapped_column(String(36))
    # pending | accepted | declined | withdrawn | expired
    status: Mapped[str] = mapped_column(String(20), nullable=False, default="pending")
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False)
    answered_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, nullable=False)


class Meeting(Base):
    """An accepted request in its slot, at its table or behind its online link. The database refuses a
    second meeting at one table in one slot; a cancelled meeting gives its table up (NULL)."""

    __tablename__ = "meetings"
    __table_args__ = (UniqueConstraint("market_id", "slot", "table_name", name="uq_meeting_table_slot"),
                      Index("ix_meetings_reminder_due", "reminded_at", "remind_at"))

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    market_id: Mapped[str] = mapped_column(ForeignKey("meeting_markets.id"), nullable=False, index=True)
    request_id: Mapped[str] = mapped_column(ForeignKey("meeting_requests.id"), nullable=False, unique=True)
    slot: Mapped[int] = mapped_column(Integer, nullable=False)
    starts_at: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False)
    ends_at: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False)
    table_name: Mapped[str | None] = mapped_column(String(100))
    online_url: Mapped[str | None] = mapped_column(String(600))
    status: Mapped[str] = mapped_column(String(20), nullable=False, default="scheduled")  # | cancelled
    # None: a draft of the organiser's schedule, seen by the organisers only until they publish it
    published_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # when the reminder is due (None: none), and when a sweep claimed it: each is sent once
    remind_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    reminded_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # the SEQUENCE of its calendar entry: one more with each move, so calendars take the update
    sequence: Mapped[int] = mapped_column(Integer, nullable=False, default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow, nullable=False)

    seats: Mapped[list["MeetingSeat"]] = relationship(lazy="selectin", cascade="all, delete-orphan")
    outcomes: Mapped[list["MeetingOutcome"]] = relationship(
        lazy="selectin", cascade="all, delete-orphan", order_by="MeetingOutcome.recorded_at"
    )


class MeetingSeat(Base):
    """A participant's place in a scheduled meeting: the database refuses a second one in the same slot."""

    __tablename__ = "meeting_participants"
    __table_args__ = (UniqueConstraint("market_id", "slot", "person_id", name="uq_meeting_participant_slot"),)

    meeting_id: Mapped[str] = mapped_column(ForeignKey("meetings.id"), primary_key=True)
    person_id: Mapped[str] = mapped_column(String(36), primary_key=True, index=True)
    market_id: Mapped[str] = mapped_column(ForeignKey("meeting_markets.id"), nullable=False)
    slot: Mapped[int] = mapped_column(Integer, nullable=False)
    # checked in as present by either side or an organiser; after the meeting, not present is a no-show
    checked_in_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    checked_in_by: Mapped[str | None] = mapped_column(String(36))


class MeetingOutcome(Base):
    """What one participant says came of a meeting: whether it took place, how useful it was, and
    what follows from it."""

    __tablename__ = "meeting_outcomes"

    meeting_id: Mapped[str] = mapped_column(ForeignKey("meetings.id"), primary_key=True)
    person_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    held: Mapped[bool] = mapped_column(Boolean, nullable=False)
    rating: Mapped[int | None] = mapped_column(Integer)  # 1-5
    follow_up: Mapped[str | None] = mapped_column(String(20))  # none | meeting | offer | deal
    note: Mapped[str | None] = mapped_column(Text)
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, nullable=False)
