"""Seeding for the benchmarks: bulk inserts (executemany) straight into a
service's database, for seeding only; the services never do this."""
import uuid
from datetime import datetime, timedelta, timezone

from sqlalchemy import insert, select, text

from nabo_common.persistence import db
from services.events.models import Event, EventHost, EventTag, Registration
from services.members.domain.accounts import hash_password
from services.members.models import (
    Association,
    Consent,
    Membership,
    Network,
    NetworkMember,
    Organisation,
    OrganisationTheme,
    Person,
    PersonRole,
    Theme,
)
from services.notifications.models import Association as NotificationsAssociation

PASSWORD = "benchmark-password-1"
COUNTRIES = (("NL", "nl"), ("DE", "de"), ("DK", "da"))
SECTORS = ("62.01", "47.91", "10.11", "55.10", "49.41", "41.20", "70.22", "35.11", "01.11", "93.29")

THEMES = ("financing", "green-transition", "digitalisation", "export", "tourism")


def settle(engine):
    """What autovacuum does within minutes of a bulk load: statistics, and the visibility map that lets
    counts be answered from an index alone; measured without it, the figures are those of the load."""
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM (ANALYZE)"))


def guest_registration(event_id, email, name, now):
    """A confirmed guest registration row, as a guest's registration through the API leaves it."""
    return dict(
        id=str(uuid.uuid4()),
        event_id=event_id,
        person_id=None,
        name=name,
        email=email,
        email_lower=email,
        language="en",
        status="confirmed",
        answers={},
        source_channel="other",
        created_at=now,
        updated_at=now,
    )


def insert_in_batches(conn, table, rows, size=5000):
    for start in range(0, len(rows), size):
        conn.execute(insert(table), rows[start : start + size])


def seed_members(url, organisations, rng):
    """Three associations across the border; organisations with profile, offer and need themes, one contact
    person each (the first 20 can sign in with PASSWORD), some withdrawn contact consents, 50 networks.
    Returns the first 20 organisations and their contact persons."""
    engine = db.make_engine(url)
    now = datetime.now(timezone.utc)
    with engine.begin() as conn:
        theme_ids = conn.scalars(select(Theme.id)).all()
        associations = []
        for country, language in COUNTRIES:
            association_id = str(uuid.uuid4())
            associations.append((association_id, country))
            conn.execute(
                insert(Association),
                [
                    dict(
                        id=association_id,
                        name=f"Benchmark {country}",
                        slug=f"bench-{uuid.uuid4().hex[:8]}",
                        country=country,
                        default_language=language,
                        time_zone="Europe/Berlin",
                        created_at=now,
                        updated_at=now,
                    )
                ],
            )
        orgs, persons, roles, memberships, links, consents = [], [], [], [], [], []
        password_hash = hash_password(PASSWORD)
        for i in range(organisations):
            association_id, country = rng.choice(associations)
            org_id, person_id = str(uuid.uuid4()), str(uuid.uuid4())
            orgs.append(
                dict(
                    id=org_id,
                    owner_association_id=association_id,
                    kind="company",
                    name=f"Org {i:05d}",
                    name_lower=f"org {i:05d}",
                    country=country,
                    sector=rng.choice(SECTORS),
                    languages=[],
                    visibility=rng.choice(("association", "all_associations", "public")),
                    erased=False,
                    created_at=now,
                    updated_at=now,
                )
            )
            memberships.append(
                dict(
                    id=str(uuid.uuid4()),
                    organisation_id=org_id,
                    association_id=association_id,
                    type="full",
                    status="active",
                    created_at=now,
                    updated_at=now,
                )
            )
            persons.append(
                dict(
                    id=person_id,
                    home_association_id=association_id,
                    name=f"Contact {i:05d}",
                    email=f"bench-{i}-{uuid.uuid4().hex[:6]}@nabo.test",
                    language="en",
                    password_hash=password_hash if i < 20 else None,
                    is_platform_admin=False,
                    created_at=now,
                    updated_at=now,
                )
            )
            roles.append(
                dict(
                    id=str(uuid.uuid4()),
                    person_id=person_id,
                    scope="organisation",
                    scope_id=org_id,
                    role="contact",
                    created_at=now,
                )
            )
            for kind, count in (
                ("profile", rng.randint(1, 3)),
                ("offer", rng.randint(0, 2)),
                ("need", rng.randint(0, 2)),
            ):
                for theme_id in rng.sample(theme_ids, count):
                    links.append(dict(organisation_id=org_id, theme_id=theme_id, kind=kind))
            if rng.random() < 0.02:
                consents.append(
                    dict(
                        id=str(uuid.uuid4()),
                        person_id=person_id,
                        association_id=association_id,
                        kind="contact",
                        granted=False,
                        source="benchmark",
                        wording_version="v1",
                        recorded_at=now,
                    )
                )
        for table, rows in (
            (Organisation, orgs),
            (Membership, memberships),
            (Person, persons),
            (PersonRole, roles),
            (OrganisationTheme, links),
            (Consent, consents),
        ):
            conn.execute(insert(table), rows)
        networks, members = [], []
        for n in range(50):
            network_id = str(uuid.uuid4())
            networks.append(
                dict(
                    id=network_id,
                    name={"en": f"Network {n}"},
                    description={},
                    search_text="",
                    languages=",en,",
                    join_policy="open",
                    visibility="public",
                    activity="active",
                    eligible_association_ids=[],
                    created_at=now,
                    updated_at=now,
                )
            )
            for person in rng.sample(persons, 40):
                members.append(
                    dict(
                        id=str(uuid.uuid4()),
                        network_id=network_id,
                        person_id=person["id"],
                        role="member",
                        status="active",
                        created_at=now,
                        joined_at=now,
                    )
                )
        conn.execute(insert(Network), networks)
        conn.execute(insert(NetworkMember), members)
    settle(engine)
    engine.dispose()
    return orgs[:20], persons[:20]


def seed_events(url, association_id, events, registrations, rng):
    """Published public upcoming events and confirmed guest registrations, by executemany."""
    engine = db.make_engine(url)
    now = datetime.now(timezone.utc)
    event_rows, hosts, tags, regs = [], [], [], []
    ids = [str(uuid.uuid4()) for _ in range(events)]
    for i, event_id in enumerate(ids):
        starts = now + timedelta(days=7 + i % 300, hours=i % 9)
        event_rows.append(
            dict(
                id=event_id,
                title=f"Network meeting {i}",
                title_lower=f"network meeting {i}",
                description="Meet the companies of the region.",
                format=rng.choice(("online", "in_person", "hybrid")),
                starts_at=starts,
                ends_at=starts + timedelta(hours=2),
                time_zone="Europe/Copenhagen",
                join_url="https://meet.example/x",
                join_url_visibility="registrants",
                capacity=None,
                status="published",
                visibility="public",
                people=[],
                questions=[],
                reminder_offsets=[],
                sequence=0,
                published_at=now,
                created_at=now,
                updated_at=now,
            )
        )
        hosts.append(dict(event_id=event_id, association_id=association_id))
        tags.append(dict(event_id=event_id, kind="theme", value=rng.choice(THEMES), position=0))
        tags.append(
            dict(event_id=event_id, kind="language", value=rng.choice(("da", "de", "nl")), position=0)
        )
    for n in range(registrations):
        email = f"seed-{uuid.uuid4().hex[:12]}@example.test"
        regs.append(guest_registration(ids[n % len(ids)], email, f"Guest {n}", now))
    with engine.begin() as conn:
        for table, rows in ((Event, event_rows), (EventHost, hosts), (EventTag, tags), (Registration, regs)):
            insert_in_batches(conn, table, rows)
    settle(engine)
    engine.dispose()
    return ids


def seed_host_in_read_model(url, association_id):
    """The events' host as notifications' read model holds it once its association.created arrived, so that
    confirmations are rendered in its language and zone, as they are for a real association."""
    engine = db.make_engine(url)
    with engine.begin() as conn:
        conn.execute(
            insert(NotificationsAssociation),
            [
                dict(
                    id=association_id,
                    name="Benchmark host",
                    default_language="da",
                    time_zone="Europe/Copenhagen",
                )
            ],
        )
    engine.dispose()


def public_organisations(url, limit=200):
    engine = db.make_engine(url)
    with engine.connect() as conn:
        ids = conn.scalars(
            select(Organisation.id).where(Organisation.visibility == "public").limit(limit)
        ).all()
    engine.dispose()
    return list(ids)
