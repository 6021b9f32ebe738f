"""The members service's database: associations (tenants), organisations,
memberships, persons with accounts, roles and consents, plus the outbox and
inbox tables of the backbone."""
import uuid
from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from nabo_common.types import UtcDateTime
from nabo_common.outbox import OutboxEventMixin, ProcessedEventMixin, utcnow


def new_id():
    return str(uuid.uuid4())


class Base(DeclarativeBase):
    pass


class OutboxEvent(OutboxEventMixin, Base):
    pass


class ProcessedEvent(ProcessedEventMixin, Base):
    pass


class Association(Base):
    __tablename__ = "associations"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    slug: Mapped[str] = mapped_column(String(80), nullable=False, unique=True)
    country: Mapped[str] = mapped_column(String(2), nullable=False)
    default_language: Mapped[str] = mapped_column(String(2), nullable=False)
    time_zone: Mapped[str] = mapped_column(String(64), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow, nullable=False)


class Organisation(Base):
    __tablename__ = "organisations"
    __table_args__ = (
        UniqueConstraint("country", "registration_kind", "registration_number", name="uq_organisation_registration"),
        Index("ix_organisations_owner", "owner_association_id"),
        Index("ix_organisations_country_region", "country", "region"),
        Index("ix_organisations_sector", "sector"),
        Index("ix_organisations_name_lower", "name_lower"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    # the association that registered it; visibility is relative to it
    owner_association_id: Mapped[str] = mapped_column(ForeignKey("associations.id"), nullable=False)
    kind: Mapped[str] = mapped_column(String(20), nullable=False)  # company | public_body
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    name_lower: Mapped[str] = mapped_column(String(200), nullable=False)
    registration_kind: Mapped[str | None] = mapped_column(String(20))
    registration_number: Mapped[str | None] = mapped_column(String(40))
    country: Mapped[str] = mapped_column(String(2), nullable=False)
    region: Mapped[str | None] = mapped_column(String(100))
    sector: Mapped[str | None] = mapped_column(String(10))  # NACE code, e.g. 62.01
    size_band: Mapped[str | None] = mapped_column(String(20))
    website: Mapped[str | None] = mapped_column(String(300))
    description: Mapped[str | None] = mapped_column(Text)
    languages: Mapped[list] = mapped_column(JSON, default=list, nullable=False)
    visibility: Mapped[str] = mapped_column(String(20), nullable=False, default="association")
    erased: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow, nullable=False)

    memberships: Mapped[list["Membership"]] = relationship(back_populates="organisation", lazy="selectin")


class Membership(Base):
    __tablename__ = "memberships"
    __table_args__ = (
        UniqueConstraint("organisation_id", "association_id", name="uq_membership_org_association"),
        Index("ix_memberships_association_status", "association_id", "status"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), nullable=False)
    association_id: Mapped[str] = mapped_column(ForeignKey("associations.id"), nullable=False)
    type: Mapped[str] = mapped_column(String(20), nullable=False)
    status: Mapped[str] = mapped_column(String(20), nullable=False, default="pending")
    start_date: Mapped[date | None] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow, nullable=False)

    organisation: Mapped[Organisation] = relationship(back_populates="memberships")
    transitions: Mapped[list["MembershipTransition"]] = relationship(
        back_populates="membership", order_by="MembershipTransition.at", lazy="selectin")


class MembershipTransition(Base):
    __tablename__ = "membership_transitions"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    membership_id: Mapped[str] = mapped_column(ForeignKey("memberships.id"), nullable=False, index=True)
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20), nullable=False)
    effective_date: Mapped[date] = mapped_column(Date, nullable=False)
    reason: Mapped[str | None] = mapped_column(String(500))
    by_person_id: Mapped[str | None] = mapped_column(String(36))
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, nullable=False)

    membership: Mapped[Membership] = relationship(back_populates="transitions")


class Person(Base):
    __tablename__ = "persons"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    # the association that registered the person; admins of it manage them
    home_association_id: Mapped[str | None] = mapped_column(ForeignKey("associations.id"), index=True)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    email: Mapped[str | None] = mapped_column(String(320), unique=True)  # normalised; NULL once erased
    phone: Mapped[str | None] = mapped_column(String(40))
    language: Mapped[str] = mapped_column(String(2), nullable=False, default="en")
    birth_year: Mapped[int | None] = mapped_column(Integer)
    password_hash: Mapped[str | None] = mapped_column(String(200))
    is_platform_admin: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    erased_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow, nullable=False)

    roles: Mapped[list["PersonRole"]] = relationship(back_populates="person", lazy="selectin",
                                                     cascade="all, delete-orphan")


class PersonRole(Base):
    """A person's role: in an organisation (contact, ceo, ...) or as an
    association's admin."""

    __tablename__ = "person_roles"
    __table_args__ = (
        UniqueConstraint("person_id", "scope", "scope_id", "role", name="uq_person_role"),
        Index("ix_person_roles_scope", "scope", "scope_id"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    person_id: Mapped[str] = mapped_column(ForeignKey("persons.id"), nullable=False, index=True)
    scope: Mapped[str] = mapped_column(String(20), nullable=False)  # organisation | association
    scope_id: Mapped[str] = mapped_column(String(36), nullable=False)
    role: Mapped[str] = mapped_column(String(40), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, nullable=False)

    person: Mapped[Person] = relationship(back_populates="roles")


class Consent(Base):
    """One row per grant or withdrawal: the history is the legal record."""

    __tablename__ = "consents"
    __table_args__ = (Index("ix_consents_person_assoc_kind", "person_id", "association_id", "kind", "recorded_at"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    person_id: Mapped[str] = mapped_column(ForeignKey("persons.id"), nullable=False)
    association_id: Mapped[str] = mapped_column(ForeignKey("associations.id"), nullable=False)
    kind: Mapped[str] = mapped_column(String(20), nullable=False)  # newsletter | contact
    granted: Mapped[bool] = mapped_column(Boolean, nullable=False)
    source: Mapped[str] = mapped_column(String(100), nullable=False)
    wording_version: Mapped[str] = mapped_column(String(40), nullable=False)
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, nullable=False)
