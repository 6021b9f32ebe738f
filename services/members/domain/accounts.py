"""Passwords (argon2id) and the identity claims the gateway puts into tokens."""
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select

from contracts.api import members as schemas
from nabo_common.api.errors import NotAuthenticated
from nabo_common.api.validation import load
from nabo_common.runtime.context import ASSOCIATION_ADMIN, MEMBER, PLATFORM_ADMIN
from services.members.models import Membership, Organisation, Person

# OWASP's argon2id baseline: 19 MiB, 2 iterations, 1 lane
HASHER = PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1)
# verified against when the e-mail is unknown, so both paths cost the same
_DUMMY_HASH = HASHER.hash("nabo-timing-equaliser")


def normalise_email(email):
    return (email or "").strip().lower()


def hash_password(password):
    return HASHER.hash(password)


def claims_for(session, person):
    admin_of = sorted(r.scope_id for r in person.roles if r.scope == "association" and r.role == "admin")
    organisation_ids = sorted(r.scope_id for r in person.roles if r.scope == "organisation")
    member_of = set()
    if person.home_association_id:
        member_of.add(person.home_association_id)
    if organisation_ids:
        member_of.update(session.scalars(select(Membership.association_id).where(
            Membership.organisation_id.in_(organisation_ids), Membership.status == "active")).all())
        member_of.update(session.scalars(select(Organisation.owner_association_id).where(
            Organisation.id.in_(organisation_ids))).all())
    roles = []
    if person.is_platform_admin:
        roles.append(PLATFORM_ADMIN)
    if admin_of:
        roles.append(ASSOCIATION_ADMIN)
    if member_of or organisation_ids:
        roles.append(MEMBER)
    return {"person_id": person.id, "roles": roles, "admin_of": admin_of, "member_of": sorted(member_of),
            "organisation_ids": organisation_ids, "language": person.language}


def authenticate(session, payload):
    data = load(schemas.TokenRequest, payload)
    person = session.scalar(select(Person).where(Person.email == normalise_email(data["email"]),
                                                 Person.erased_at.is_(None)))
    stored = person.password_hash if person is not None and person.password_hash else _DUMMY_HASH
    try:
        HASHER.verify(stored, data["password"])
        ok = person is not None and person.password_hash is not None
    except (VerificationError, InvalidHashError):
        ok = False
    if not ok:
        raise NotAuthenticated("Wrong e-mail or password.")
    if HASHER.check_needs_rehash(person.password_hash):
        with session.begin():
            person.password_hash = hash_password(data["password"])
    return claims_for(session, person)


def claims_for_email(session, email):
    """For tokens of an external OIDC issuer: the person with this e-mail."""
    person = session.scalar(
        select(Person).where(Person.email == normalise_email(email), Person.erased_at.is_(None))
    )
    if person is None:
        raise NotAuthenticated("No person is registered with this e-mail.")
    return claims_for(session, person)


def claims_for_person(session, person_id):
    person = session.get(Person, str(person_id))
    if person is None or person.erased_at is not None:
        raise NotAuthenticated("This account no longer exists.")
    return claims_for(session, person)
