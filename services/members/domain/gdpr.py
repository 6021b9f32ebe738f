"""GDPR: everything held about a person, and erasure by anonymisation."""
from datetime import datetime, timezone

from sqlalchemy import select

from nabo_common.api.errors import Conflict
from nabo_common.api.moments import utc_text
from nabo_common.messaging import outbox
from services.members.domain import access, calendar_tokens
from services.members.domain.common import publish
from services.members.domain.conversations import personal_data as conversations
from services.members.domain.networks import roster as network_roster
from services.members.domain.persons import _consent_state, person_view
from services.members.models import Organisation, OutboxEvent

ERASED_NAME = "Erased person"


def export(session, caller, person_id):
    access.require_authenticated(caller)
    person = access.person_or_404(session, caller, person_id)
    org_ids = [r.scope_id for r in person.roles if r.scope == "organisation"]
    organisations = (
        session.scalars(select(Organisation).where(Organisation.id.in_(org_ids))).all() if org_ids else []
    )
    return {
        "service": "members",
        "person": person_view(person),
        "roles": [
            {"scope": r.scope, "scope_id": r.scope_id, "role": r.role, "since": utc_text(r.created_at)}
            for r in person.roles
        ],
        "organisations": [{"id": o.id, "name": o.name} for o in organisations],
        "consents": _consent_state(session, person.id),
        "account": {
            "has_password": person.password_hash is not None,
            "platform_admin": person.is_platform_admin,
        },
        "networks": network_roster.export_person(session, person.id),
        "conversations": conversations.export_person(session, person.id),
    }


def erase(session, caller, person_id):
    access.require_authenticated(caller)
    now = datetime.now(timezone.utc)
    with session.begin():
        person = access.person_or_404(session, caller, person_id)
        if person.erased_at is not None:
            raise Conflict("This person has been erased already.")
        # events already published that name the person go; person.erased, below, is yet to go out
        outbox.forget_published(session, OutboxEvent, (person.id, person.email))
        person.name = ERASED_NAME
        person.email = None
        person.phone = None
        person.birth_year = None
        person.password_hash = None
        person.is_platform_admin = False
        person.erased_at = now
        person.roles.clear()
        network_roster.erase_person(session, caller, person.id)
        conversations.erase_person(session, person.id)
        calendar_tokens.forget(session, person.id)
        # consent history stays: it is the legal record of what was agreed, now tied to an anonymous id
        session.flush()
        publish(
            session,
            "person.erased",
            {"person_id": person.id, "erased_at": now.isoformat()},
            caller,
            person.home_association_id,
        )
    return {"person_id": person.id, "erased_at": utc_text(now)}
