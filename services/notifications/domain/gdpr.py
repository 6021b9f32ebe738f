"""GDPR: everything this service holds about a person, and erasure."""
import re

from markupsafe import escape
from sqlalchemy import delete, or_, select, update

from contracts.api import notifications as schemas
from nabo_common.api.moments import utc_text
from nabo_common.api.validation import dump
from services.notifications.domain import access, preferences
from services.notifications.models import (
    ConsentState,
    Contact,
    ContactOrganisation,
    Delivery,
    InboxItem,
    NetworkMember,
    NetworkPreference,
    Preference,
    Registration,
)

ERASED_NAME = "Erased person"


def export(session, caller, person_id):
    person_id = access.person_or_404(session, caller, person_id)
    contact = session.get(Contact, person_id)
    deliveries = session.scalars(select(Delivery).where(Delivery.person_id == person_id)
                                 .order_by(Delivery.created_at)).all()
    return {
        "service": "notifications",
        "contact": None
        if contact is None
        else {
            "name": contact.name,
            "email": contact.email,
            "language": contact.language,
            "birth_year": contact.birth_year,
            "email_bounced_at": utc_text(contact.email_bounced_at),
        },
        "preferences": preferences.view(person_id, session.get(Preference, person_id),
                                        preferences.network_modes(session, person_id)),
        "consents": [
            {
                "association_id": c.association_id,
                "kind": c.kind,
                "granted": c.granted,
                "recorded_at": utc_text(c.recorded_at),
            }
            for c in session.scalars(select(ConsentState).where(ConsentState.person_id == person_id))
        ],
        "messages": [
            {
                "kind": d.kind,
                "channel": d.channel,
                "subject": d.subject,
                "email": d.email,
                "status": d.status,
                "campaign_id": d.campaign_id,
                "created_at": utc_text(d.created_at),
                "sent_at": utc_text(d.sent_at),
            }
            for d in deliveries
        ],
        "inbox": dump(
            schemas.InboxItem,
            session.scalars(
                select(InboxItem).where(InboxItem.person_id == person_id).order_by(InboxItem.created_at)
            ).all(),
            many=True,
        ),
        "registrations": [
            {"event_id": r.event_id, "status": r.status, "email": r.email}
            for r in session.scalars(select(Registration).where(Registration.person_id == person_id))
        ],
        "networks": list(
            session.scalars(select(NetworkMember.network_id).where(NetworkMember.person_id == person_id))
        ),
    }


def _like(text):
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _name_out_of_others_messages(session, name):
    """The erased person's name, where others' messages name them (the author of a post, a reply, an
    opportunity, the one asking to join), becomes "Erased person" in those messages' inbox items and
    in their mail, waiting or kept; as a whole word only, so that other words stay as they are."""
    if not name or name == ERASED_NAME:
        return
    written = {False: name, True: str(escape(name))}  # as text, and as the HTML part writes it
    patterns = {html: re.compile(rf"(?<!\w){re.escape(text)}(?!\w)") for html, text in written.items()}
    for model, columns in ((InboxItem, ("title", "body")), (Delivery, ("subject", "text_body", "html_body"))):
        naming = or_(*(getattr(model, c).like(_like(written[c == "html_body"]), escape="\\")
                       for c in columns))
        for row in session.scalars(select(model).where(naming)):
            for column in columns:
                value = getattr(row, column)
                if value:
                    setattr(row, column, patterns[column == "html_body"].sub(ERASED_NAME, value))


def erase(session, person_id):
    """Applied on person.erased: copies are removed; delivery rows keep only what proves a message went
    out; others' messages that name the person name them no more."""
    contact = session.get(Contact, person_id)
    if contact is not None:
        _name_out_of_others_messages(session, contact.name)
        contact.name, contact.email, contact.birth_year, contact.erased = ERASED_NAME, None, None, True
        contact.admin_of = []
    for model in (ContactOrganisation, NetworkMember, NetworkPreference, Preference, InboxItem):
        session.execute(delete(model).where(model.person_id == person_id))
    session.execute(
        update(Registration).where(Registration.person_id == person_id).values(name=ERASED_NAME, email=None)
    )
    session.execute(
        update(Delivery)
        .where(Delivery.person_id == person_id, Delivery.status.in_(("queued", "held", "claimed")))
        .values(status="failed", last_error="recipient erased")
    )
    session.execute(
        update(Delivery)
        .where(Delivery.person_id == person_id)
        .values(email=None, name=None, subject=None, text_body=None, html_body=None, attachments=None)
    )
