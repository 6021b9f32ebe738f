"""The ideas service's database: panel rounds with sub-themes, participants,
meetings and phases; ideas with supports, comments and status history;
decisions; initiatives with progress; a read model of persons' names; plus
the outbox and inbox tables of the backbone."""
import uuid
from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from nabo_common.messaging.outbox import OutboxEventMixin, utcnow
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


class Panel(Base):
    """One yearly round of a business panel on a strategic theme."""

    __tablename__ = "panels"
    __table_args__ = (Index("ix_panels_association_year", "association_id", "year"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    association_id: Mapped[str] = mapped_column(String(36), nullable=False)
    year: Mapped[int] = mapped_column(Integer, nullable=False)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    theme: Mapped[str] = mapped_column(String(200), nullable=False)
    theme_id: Mapped[str | None] = mapped_column(String(36))  # the taxonomy's theme, when one fits
    description: Mapped[str | None] = mapped_column(Text)
    language: Mapped[str] = mapped_column(String(2), nullable=False)
    time_zone: Mapped[str] = mapped_column(String(64), nullable=False)
    visibility: Mapped[str] = mapped_column(String(20), nullable=False, default="association")
    phase: Mapped[str] = mapped_column(String(30), nullable=False, default="preparing")
    # planned dates per phase: [{phase, starts_on, ends_on}]
    phase_plan: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    catalogue_published_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    created_by_person_id: Mapped[str | None] = mapped_column(String(36))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow, nullable=False)

    sub_themes: Mapped[list["SubTheme"]] = relationship(
        back_populates="panel", order_by="SubTheme.position", lazy="selectin", cascade="all, delete-orphan")
    participants: Mapped[list["Participant"]] = relationship(
        back_populates="panel", order_by="Participant.added_at", lazy="selectin", cascade="all, delete-orphan"
    )
    meetings: Mapped[list["Meeting"]] = relationship(
        back_populates="panel", order_by="Meeting.position", lazy="selectin", cascade="all, delete-orphan"
    )
    phase_changes: Mapped[list["PhaseChange"]] = relationship(
        order_by="PhaseChange.at", lazy="selectin", cascade="all, delete-orphan"
    )


class SubTheme(Base):
    __tablename__ = "sub_themes"
    __table_args__ = (UniqueConstraint("panel_id", "key", name="uq_sub_theme_key"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    panel_id: Mapped[str] = mapped_column(ForeignKey("panels.id"), nullable=False, index=True)
    key: Mapped[str] = mapped_column(String(60), nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    theme_id: Mapped[str | None] = mapped_column(String(36))
    position: Mapped[int] = mapped_column(Integer, nullable=False, default=0)

    panel: Mapped[Panel] = relationship(back_populates="sub_themes")


class PhaseChange(Base):
    __tablename__ = "panel_phase_changes"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    panel_id: Mapped[str] = mapped_column(ForeignKey("panels.id"), nullable=False, index=True)
    from_phase: Mapped[str | None] = mapped_column(String(30))
    to_phase: Mapped[str] = mapped_column(String(30), nullable=False)
    note: Mapped[str | None] = mapped_column(String(500))
    by_person_id: Mapped[str | None] = mapped_column(String(36))
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, nullable=False)


class Participant(Base):
    """An organisation (with all its persons) or a single person taking part in a panel."""

    __tablename__ = "panel_participants"
    __table_args__ = (
        UniqueConstraint("panel_id", "organisation_id", name="uq_participant_organisation"),
        UniqueConstraint("panel_id", "person_id", name="uq_participant_person"),
        Index("ix_participants_organisation", "organisation_id"),
        Index("ix_participants_person", "person_id"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    panel_id: Mapped[str] = mapped_column(ForeignKey("panels.id"), nullable=False)
    organisation_id: Mapped[str | None] = mapped_column(String(36))
    person_id: Mapped[str | None] = mapped_column(String(36))
    name: Mapped[str] = mapped_column(String(200), nullable=False)  # as known when added; refreshed by events
    role: Mapped[str] = mapped_column(String(20), nullable=False, default="participant")
    added_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, nullable=False)

    panel: Mapped[Panel] = relationship(back_populates="participants")


class Meeting(Base):
    """A panel meeting; the event itself lives in the events service."""

    __tablename__ = "panel_meetings"
    __table_args__ = (UniqueConstraint("panel_id", "event_id", name="uq_meeting_event"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    panel_id: Mapped[str] = mapped_column(ForeignKey("panels.id"), nullable=False, index=True)
    event_id: Mapped[str | None] = mapped_column(String(36))
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    held_on: Mapped[date | None] = mapped_column(Date)
    position: Mapped[int] = mapped_column(Integer, nullable=False, default=0)

    panel: Mapped[Panel] = relationship(back_populates="meetings")


class Idea(Base):
    __tablename__ = "ideas"
    __table_args__ = (
        Index("ix_ideas_panel_status", "panel_id", "status"),
        Index("ix_ideas_submitter", "submitter_person_id"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    panel_id: Mapped[str] = mapped_column(ForeignKey("panels.id"), nullable=False)
    association_id: Mapped[str] = mapped_column(String(36), nullable=False)
    sub_theme_id: Mapped[str | None] = mapped_column(ForeignKey("sub_themes.id"))
    meeting_id: Mapped[str | None] = mapped_column(ForeignKey("panel_meetings.id"))
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    description: Mapped[str | None] = mapped_column(Text)
    need: Mapped[str | None] = mapped_column(Text)
    expected_effect: Mapped[str | None] = mapped_column(Text)
    themes: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    # [{kind, name, organisation_id}]: organisations, the municipality, a business hub, universities
    suggested_partners: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    status: Mapped[str] = mapped_column(String(20), nullable=False, default="submitted")
    merged_into_id: Mapped[str | None] = mapped_column(ForeignKey("ideas.id"))
    submitter_person_id: Mapped[str | None] = mapped_column(String(36))
    submitter_organisation_id: Mapped[str | None] = mapped_column(String(36))
    recorded_by_person_id: Mapped[str | None] = mapped_column(
        String(36)
    )  # a facilitator, on someone's behalf
    support_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    comment_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    # title and need normalised for the panel's language, compared by the duplicate finder
    match_text: Mapped[str] = mapped_column(Text, nullable=False, default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow, nullable=False)

    status_changes: Mapped[list["StatusChange"]] = relationship(
        order_by="StatusChange.at", lazy="selectin", cascade="all, delete-orphan"
    )


class StatusChange(Base):
    __tablename__ = "idea_status_changes"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    idea_id: Mapped[str] = mapped_column(ForeignKey("ideas.id"), nullable=False, index=True)
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20), nullable=False)
    reason: Mapped[str | None] = mapped_column(String(2000))
    by_person_id: Mapped[str | None] = mapped_column(String(36))
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, nullable=False)


class Support(Base):
    __tablename__ = "idea_supports"
    __table_args__ = (
        UniqueConstraint("idea_id", "person_id", name="uq_support_person"),
        Index("ix_supports_person", "person_id"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    idea_id: Mapped[str] = mapped_column(ForeignKey("ideas.id"), nullable=False, index=True)
    person_id: Mapped[str | None] = mapped_column(String(36))  # NULL once the person is erased
    organisation_id: Mapped[str | None] = mapped_column(String(36))
    # the idea it was given to, when a merge carried it over
    given_to_idea_id: Mapped[str | None] = mapped_column(String(36))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, nullable=False)


class Comment(Base):
    __tablename__ = "idea_comments"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    idea_id: Mapped[str] = mapped_column(ForeignKey("ideas.id"), nullable=False, index=True)
    person_id: Mapped[str | None] = mapped_column(String(36), index=True)
    organisation_id: Mapped[str | None] = mapped_column(String(36))
    body: Mapped[str] = mapped_column(Text, nullable=False)
    given_to_idea_id: Mapped[str | None] = mapped_column(String(36))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, nullable=False)


class Decision(Base):
    """A committee's treatment of the panel's ideas: date, body and decision text."""

    __tablename__ = "decisions"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    panel_id: Mapped[str] = mapped_column(ForeignKey("panels.id"), nullable=False, index=True)
    decided_on: Mapped[date] = mapped_column(Date, nullable=False)
    body: Mapped[str] = mapped_column(String(200), nullable=False)
    text: Mapped[str] = mapped_column(Text, nullable=False)
    recorded_by_person_id: Mapped[str | None] = mapped_column(String(36))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, nullable=False)

    ideas: Mapped[list["DecisionIdea"]] = relationship(lazy="selectin", cascade="all, delete-orphan")


class DecisionIdea(Base):
    __tablename__ = "decision_ideas"

    decision_id: Mapped[str] = mapped_column(ForeignKey("decisions.id"), primary_key=True)
    idea_id: Mapped[str] = mapped_column(ForeignKey("ideas.id"), primary_key=True, index=True)
    note: Mapped[str | None] = mapped_column(String(2000))


class Initiative(Base):
    __tablename__ = "initiatives"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    panel_id: Mapped[str] = mapped_column(ForeignKey("panels.id"), nullable=False, index=True)
    association_id: Mapped[str] = mapped_column(String(36), nullable=False)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    description: Mapped[str | None] = mapped_column(Text)
    owner: Mapped[dict] = mapped_column(JSON, nullable=False)  # {kind, name, organisation_id}
    partners: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    status: Mapped[str] = mapped_column(String(20), nullable=False, default="planned")
    starts_on: Mapped[date | None] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow, nullable=False)

    ideas: Mapped[list["InitiativeIdea"]] = relationship(lazy="selectin", cascade="all, delete-orphan")
    progress: Mapped[list["ProgressUpdate"]] = relationship(
        order_by=lambda: [ProgressUpdate.reported_on, ProgressUpdate.created_at],
        lazy="selectin",
        cascade="all, delete-orphan",
    )


class InitiativeIdea(Base):
    __tablename__ = "initiative_ideas"

    initiative_id: Mapped[str] = mapped_column(ForeignKey("initiatives.id"), primary_key=True)
    idea_id: Mapped[str] = mapped_column(ForeignKey("ideas.id"), primary_key=True, index=True)


class ProgressUpdate(Base):
    __tablename__ = "initiative_progress"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    initiative_id: Mapped[str] = mapped_column(ForeignKey("initiatives.id"), nullable=False, index=True)
    reported_on: Mapped[date] = mapped_column(Date, nullable=False)
    text: Mapped[str] = mapped_column(Text, nullable=False)
    status: Mapped[str] = mapped_column(String(20), nullable=False)  # the initiative's status after it
    by_person_id: Mapped[str | None] = mapped_column(String(36))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, nullable=False)


class PersonCard(Base):
    """Read model of persons (from person.* events): names to show, and the
    organisations a person acts for. Rebuildable from the events."""

    __tablename__ = "person_cards"

    person_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    language: Mapped[str] = mapped_column(String(2), nullable=False, default="en")
    home_association_id: Mapped[str | None] = mapped_column(String(36))
    organisation_ids: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    admin_of: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    erased: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow, nullable=False)


class OrganisationCard(Base):
    """Read model of organisations (from organisation.* events): the name to show for supports given
    for an organisation that is not itself a panel participant. Rebuildable from the events."""

    __tablename__ = "organisation_cards"

    organisation_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow, nullable=False)
