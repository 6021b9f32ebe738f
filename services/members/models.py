"""The members service's database: associations (tenants), organisations,
memberships, persons with accounts, roles and consents, the theme taxonomy,
offers and needs, networks, their conversations and matches, plus the outbox and inbox tables of
the backbone."""
import uuid
from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
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
        # per association: one association's register must not tell another what it holds
        UniqueConstraint("owner_association_id", "country", "registration_kind", "registration_number",
                         name="uq_organisation_registration"),
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

    memberships: Mapped[list["Membership"]] = relationship(back_populates="organisation", lazy="selectin",
                                                           order_by="(Membership.created_at, Membership.id)")
    theme_links: Mapped[list["OrganisationTheme"]] = relationship(
        lazy="selectin", cascade="all, delete-orphan"
    )

    @property
    def themes(self):
        """Theme ids of the organisation's profile (offers and needs carry their own)."""
        return sorted(link.theme_id for link in self.theme_links if link.kind == "profile")


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
        back_populates="membership", order_by="MembershipTransition.at", lazy="selectin"
    )


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

    roles: Mapped[list["PersonRole"]] = relationship(
        back_populates="person", lazy="selectin", cascade="all, delete-orphan"
    )


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
    __table_args__ = (
        Index("ix_consents_person_assoc_kind", "person_id", "association_id", "kind", "recorded_at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    person_id: Mapped[str] = mapped_column(ForeignKey("persons.id"), nullable=False)
    association_id: Mapped[str] = mapped_column(ForeignKey("associations.id"), nullable=False)
    kind: Mapped[str] = mapped_column(String(20), nullable=False)  # newsletter | contact
    granted: Mapped[bool] = mapped_column(Boolean, nullable=False)
    source: Mapped[str] = mapped_column(String(100), nullable=False)
    wording_version: Mapped[str] = mapped_column(String(40), nullable=False)
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, nullable=False)


class CalendarFeedToken(Base):
    """A person's secret for calendar feed URLs, which calendar clients fetch without signing in.
    Only its SHA-256 is kept: the token itself is shown once, when it is made."""

    __tablename__ = "calendar_feed_tokens"

    person_id: Mapped[str] = mapped_column(ForeignKey("persons.id"), primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, nullable=False)


# --- themes, offers and needs, networks, matches ------------------------------


class Theme(Base):
    """One entry of the controlled, multilingual theme taxonomy; ids are
    language-neutral, so members writing in different languages meet on them."""

    __tablename__ = "themes"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    key: Mapped[str] = mapped_column(String(80), nullable=False, unique=True)
    parent_id: Mapped[str | None] = mapped_column(ForeignKey("themes.id"), index=True)
    labels: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)  # language -> label
    # proposed (by an association, until a platform admin accepts it) | accepted | retired | merged
    status: Mapped[str] = mapped_column(
        String(20), nullable=False, default="accepted", server_default="accepted"
    )
    merged_into_id: Mapped[str | None] = mapped_column(ForeignKey("themes.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow, nullable=False)


class OrganisationTheme(Base):
    """org_theme: the themes an organisation is about (profile), offers or
    needs; the index on (theme_id, kind) drives candidate selection for matches."""

    __tablename__ = "org_theme"
    __table_args__ = (Index("ix_org_theme_theme_kind", "theme_id", "kind", "organisation_id"),)

    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), primary_key=True)
    theme_id: Mapped[str] = mapped_column(ForeignKey("themes.id"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(10), primary_key=True)  # offer | need | profile


class OfferNeed(Base):
    """What an organisation offers or seeks: the region's supply and demand."""

    __tablename__ = "offers_and_needs"
    __table_args__ = (Index("ix_offers_and_needs_org_kind", "organisation_id", "kind"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), nullable=False)
    kind: Mapped[str] = mapped_column(String(10), nullable=False)  # offer | need
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    description: Mapped[str | None] = mapped_column(Text)
    themes: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    region: Mapped[str | None] = mapped_column(String(100))
    available_from: Mapped[date | None] = mapped_column(Date)
    available_until: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow, nullable=False)


class Network(Base):
    """A community (kayaking, young entrepreneurs, an energy cluster), possibly
    owned by associations on both sides of a border."""

    __tablename__ = "networks"
    __table_args__ = (Index("ix_networks_visibility_activity", "visibility", "activity"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    name: Mapped[dict] = mapped_column(JSON, nullable=False)  # language -> text
    description: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)
    # lower-cased names and descriptions in every language, for text search
    search_text: Mapped[str] = mapped_column(Text, nullable=False, default="")
    # ",nl,de," so a language filter is a portable LIKE
    languages: Mapped[str] = mapped_column(String(40), nullable=False, default="")
    join_policy: Mapped[str] = mapped_column(String(20), nullable=False, default="open")
    visibility: Mapped[str] = mapped_column(String(20), nullable=False, default="public")
    activity: Mapped[str] = mapped_column(String(20), nullable=False, default="active")
    # the last post or meeting (or a convener keeping it active); a quiet network's conveners are asked
    # (dormancy_asked_at) before it is marked dormant
    last_activity_at: Mapped[datetime | None] = mapped_column(UtcDateTime, default=utcnow)
    dormancy_asked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # threads whose opening post everyone sees: kept by PostgreSQL as posts are written, hidden and
    # restored (trigger count_visible_posts), read by the page of threads written there
    visible_thread_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0,
                                                      server_default=text("0"))
    eligible_association_ids: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    max_age: Mapped[int | None] = mapped_column(Integer)
    external_link: Mapped[str | None] = mapped_column(String(300))
    created_by: Mapped[str | None] = mapped_column(String(36))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow, nullable=False)

    owners: Mapped[list["NetworkOwner"]] = relationship(
        lazy="selectin", cascade="all, delete-orphan", order_by="NetworkOwner.created_at"
    )
    theme_links: Mapped[list["NetworkTheme"]] = relationship(lazy="selectin", cascade="all, delete-orphan")


class NetworkOwner(Base):
    """An owning association; a second association's ownership is pending
    until one of its admins (or a platform admin) agrees."""

    __tablename__ = "network_owners"
    __table_args__ = (Index("ix_network_owners_association", "association_id", "status"),)

    network_id: Mapped[str] = mapped_column(ForeignKey("networks.id"), primary_key=True)
    association_id: Mapped[str] = mapped_column(ForeignKey("associations.id"), primary_key=True)
    status: Mapped[str] = mapped_column(String(20), nullable=False, default="active")  # active | pending
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, nullable=False)


class NetworkTheme(Base):
    __tablename__ = "network_themes"
    __table_args__ = (Index("ix_network_themes_theme", "theme_id", "network_id"),)

    network_id: Mapped[str] = mapped_column(ForeignKey("networks.id"), primary_key=True)
    theme_id: Mapped[str] = mapped_column(ForeignKey("themes.id"), primary_key=True)


class NetworkMember(Base):
    """A person in a network: an active member or convener, or one who asked
    to join (requested) or was invited; leaving removes the row (events keep history)."""

    __tablename__ = "network_members"
    __table_args__ = (
        UniqueConstraint("network_id", "person_id", name="uq_network_member"),
        Index("ix_network_members_person", "person_id", "status"),
        Index("ix_network_members_network_status", "network_id", "status"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    network_id: Mapped[str] = mapped_column(ForeignKey("networks.id"), nullable=False)
    person_id: Mapped[str] = mapped_column(ForeignKey("persons.id"), nullable=False)
    role: Mapped[str] = mapped_column(String(20), nullable=False, default="member")  # member | convener
    status: Mapped[str] = mapped_column(
        String(20), nullable=False, default="active"
    )  # active | requested | invited
    message: Mapped[str | None] = mapped_column(String(1000))
    invited_by: Mapped[str | None] = mapped_column(String(36))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, nullable=False)
    joined_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class Thread(Base):
    """A conversation in a network: a question, an announcement or an opportunity, opened by its
    first post; a network shared by several associations has one set of threads."""

    __tablename__ = "threads"
    __table_args__ = (Index("ix_threads_network_activity", "network_id", "last_activity_at"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    network_id: Mapped[str] = mapped_column(ForeignKey("networks.id"), nullable=False)
    kind: Mapped[str] = mapped_column(String(20), nullable=False)  # question | announcement | opportunity
    title: Mapped[str | None] = mapped_column(String(200))  # None once its author is erased
    author_id: Mapped[str] = mapped_column(ForeignKey("persons.id"), nullable=False)
    locked: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, nullable=False)
    last_activity_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, nullable=False)
    # replies everyone sees (deleted ones' placeholders included), kept like Network.visible_thread_count
    visible_reply_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0,
                                                     server_default=text("0"))


class Post(Base):
    """A post of a thread: its opening post or a reply (to the thread or to another post). Deleting
    keeps the row as a placeholder the replies hang from; hiding is a convener's act."""

    __tablename__ = "posts"
    __table_args__ = (
        Index("ix_posts_thread_created", "thread_id", "created_at"),
        Index("ix_posts_author", "author_id"),
        # a network's list of threads joins each thread's opening post: a small index, not every post
        Index("ix_posts_opening", "thread_id", "hidden", "author_id",
              postgresql_where=text("opening"), sqlite_where=text("opening")),
        # the network's count of threads, and each thread's count of replies, read from the index alone
        Index("ix_posts_network_opening", "network_id", "hidden", "author_id",
              postgresql_where=text("opening"), sqlite_where=text("opening")),
        Index("ix_posts_visible_replies", "thread_id",
              postgresql_where=text("NOT opening AND NOT hidden"),
              sqlite_where=text("NOT opening AND NOT hidden")),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    thread_id: Mapped[str] = mapped_column(ForeignKey("threads.id"), nullable=False)
    network_id: Mapped[str] = mapped_column(ForeignKey("networks.id"), nullable=False)
    reply_to_id: Mapped[str | None] = mapped_column(ForeignKey("posts.id"))
    opening: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    author_id: Mapped[str] = mapped_column(ForeignKey("persons.id"), nullable=False)
    body: Mapped[str | None] = mapped_column(Text)  # None once deleted or its author erased
    themes: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    links: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    hidden: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    # when a convener hid it: its text is removed once HIDDEN_POST_RETENTION_DAYS have passed
    hidden_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    deleted: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    erased: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, nullable=False)
    edited_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class PostReport(Base):
    """A member telling the conveners that a post does not belong in the network; one per person."""

    __tablename__ = "post_reports"
    __table_args__ = (UniqueConstraint("post_id", "reporter_id", name="uq_post_report"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    post_id: Mapped[str] = mapped_column(ForeignKey("posts.id"), nullable=False)
    reporter_id: Mapped[str] = mapped_column(ForeignKey("persons.id"), nullable=False)
    reason: Mapped[str | None] = mapped_column(String(1000))  # None once the reporter is erased
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, nullable=False)


class Match(Base):
    """A decision about a suggested pair: accepted (may lead to an
    introduction) or dismissed (never suggested again to that organisation)."""

    __tablename__ = "matches"
    __table_args__ = (UniqueConstraint("organisation_id", "candidate_id", name="uq_match_pair"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), nullable=False)
    candidate_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), nullable=False)
    status: Mapped[str] = mapped_column(String(20), nullable=False)  # accepted | dismissed | introduced
    reasons: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    decided_by: Mapped[str | None] = mapped_column(String(36))
    introduced_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow, nullable=False)


class AuditEntry(Base):
    """One administrative change in any service, per association it concerns, as the event it
    published recorded it: who (``actor_id``; None for the system), what (``action``, the
    subject's id and a summary without personal data) and when."""

    __tablename__ = "audit_entries"
    __table_args__ = (Index("ix_audit_entries_association_time", "association_id", "occurred_at"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    event_id: Mapped[str] = mapped_column(String(36), nullable=False, index=True)
    association_id: Mapped[str | None] = mapped_column(String(36))
    actor_id: Mapped[str | None] = mapped_column(String(36))
    action: Mapped[str] = mapped_column(String(100), nullable=False)
    source: Mapped[str] = mapped_column(String(20), nullable=False)
    subject_id: Mapped[str | None] = mapped_column(String(36))
    details: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)
    occurred_at: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False)
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, nullable=False)
