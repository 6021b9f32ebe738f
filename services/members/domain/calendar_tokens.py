"""Calendar feed tokens: one secret per person that calendar clients (Google, Apple, Outlook) send in
a feed's URL, as they cannot send a bearer token. Only the token's SHA-256 is kept, so a stolen
database holds no usable feed URL; a 256-bit random token needs no slow hash, and the lookup by
hash leaks nothing through timing. Making a new token replaces the old one."""
import hashlib
import secrets

from sqlalchemy import delete, select

from nabo_common.api.errors import NotAuthenticated
from nabo_common.api.moments import utc_text
from nabo_common.i18n.catalogues import N_
from nabo_common.messaging.outbox import utcnow
from services.members.domain import access
from services.members.domain.accounts import claims_for
from services.members.domain.common import publish
from services.members.models import CalendarFeedToken, NetworkMember, Person

TOKEN_BYTES = 32
# the same answer for a token that never existed, was replaced or was revoked
NOT_VALID = N_("This calendar feed token is not valid.")


def new_token():
    return secrets.token_urlsafe(TOKEN_BYTES)


def token_hash(token):
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _person(session, caller):
    access.require_authenticated(caller)
    person = session.get(Person, caller.person_id) if caller.person_id else None
    if person is None or person.erased_at is not None:
        raise NotAuthenticated("Only a person's own account has calendar feeds.")
    return person


def _feeds_of(session, person):
    """The associations and networks whose feeds the person reads as a member."""
    claims = claims_for(session, person)
    networks = session.scalars(select(NetworkMember.network_id).where(
        NetworkMember.person_id == person.id, NetworkMember.status == "active")).all()
    return {"association_ids": sorted(set(claims["member_of"]) | set(claims["admin_of"])),
            "network_ids": sorted(networks)}


def issue(session, caller):
    """A new token for the caller, replacing any earlier one; the only time the token is seen."""
    token = new_token()
    with session.begin():
        person = _person(session, caller)
        row = session.get(CalendarFeedToken, person.id)
        if row is None:
            row = CalendarFeedToken(person_id=person.id)
            session.add(row)
        row.token_hash = token_hash(token)
        row.created_at = created_at = utcnow()
        feeds = _feeds_of(session, person)
        _announce(session, caller, person, "calendar_token.issued", feeds)
    return {"token": token, "created_at": utc_text(created_at), **feeds}


def state(session, caller):
    person = _person(session, caller)
    row = session.get(CalendarFeedToken, person.id)
    return {"active": row is not None, "created_at": utc_text(row.created_at) if row else None}


def revoke(session, caller):
    with session.begin():
        person = _person(session, caller)
        forget(session, person.id)
        _announce(session, caller, person, "calendar_token.revoked", _feeds_of(session, person))


def _announce(session, caller, person, event_type, feeds):
    """In the audit trail of each association whose feeds the token reads; never the token."""
    publish(session, event_type, {"person_id": person.id, "association_ids": feeds["association_ids"]},
            caller, None)


def forget(session, person_id):
    """Within the caller's transaction: the person's token no longer opens any feed."""
    session.execute(delete(CalendarFeedToken).where(CalendarFeedToken.person_id == person_id))


def claims_for_token(session, token):
    """The identity claims of the person a token was made for, to read calendar feeds as them."""
    row = None
    if isinstance(token, str) and token:
        row = session.scalar(select(CalendarFeedToken)
                             .where(CalendarFeedToken.token_hash == token_hash(token)))
    person = session.get(Person, row.person_id) if row is not None else None
    if person is None or person.erased_at is not None:
        raise NotAuthenticated(NOT_VALID)
    return claims_for(session, person)
