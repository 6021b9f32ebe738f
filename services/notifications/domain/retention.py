"""Retention of the guest copies this service keeps. A guest registers for an
event by name and e-mail without an account; the read model holds their
registration and the deliveries table the messages sent to them. Once the
event ended longer ago than the retention period, name and e-mail go from
the registration, and address, name and rendered content (which greets them
by name) from their finished messages. Rows stay, marked ``anonymised_at``, so
registration counts and delivery statistics do not change.

Messages still queued, held, claimed or being sent are left alone: the
dispatcher owns them, and one of them is anonymised at a later run once it
is finished. Members' copies go on ``person.erased`` instead (``gdpr.py``).
Replicas run this side by side; see ``nabo_common.persistence.retention``."""
from datetime import timedelta

from sqlalchemy import String, cast, literal, select

from nabo_common.persistence.retention import ANONYMISED_GUEST_NAME, BATCH, anonymise_in_batches
from services.notifications.domain.common import utcnow
from services.notifications.models import CalendarEvent, Delivery, Registration

FINISHED = ("sent", "failed", "bounced")


def anonymise_past_guests(session, retention_days, now=None, batch=BATCH):
    """Anonymise guests of events that ended more than ``retention_days`` ago; returns how many
    registrations and deliveries were anonymised."""
    now = now or utcnow()
    ended_before = now - timedelta(days=retention_days)
    registrations = anonymise_in_batches(
        session, Registration, _of_ended_events(Registration, ended_before), batch=batch,
        values={"name": ANONYMISED_GUEST_NAME, "email": None, "anonymised_at": now})
    deliveries = anonymise_in_batches(
        session, Delivery, _of_ended_events(Delivery, ended_before).where(Delivery.status.in_(FINISHED)),
        batch=batch,
        values={
            # the recipient key holds the address; the row's own id keeps it unique
            "recipient": literal("anonymised:").concat(cast(Delivery.id, String)),
            "email": None, "name": None, "subject": None, "text_body": None, "html_body": None,
            "attachments": None, "last_error": None, "anonymised_at": now})
    return {"registrations": registrations, "deliveries": deliveries}


def _of_ended_events(model, ended_before):
    """Guest rows (no person) not yet anonymised, of events that ended before the cut-off."""
    return (
        select(model.id)
        .join(CalendarEvent, CalendarEvent.id == model.event_id)
        .where(model.person_id.is_(None), model.anonymised_at.is_(None), CalendarEvent.ends_at < ended_before)
    )
