"""Retention of guests' personal data. A guest registers by name and e-mail
without an account; their registration, attendance rows and feedback comments
are kept for a retention period after the event ended, then anonymised: name,
e-mail, answers and comment go, the rows stay (marked ``anonymised_at``) so
counts, channels, ratings and reports do not change.

Every replica runs this; ``nabo_common.persistence.retention.anonymise_in_batches`` lets
replicas take disjoint rows, and running again changes nothing."""
from datetime import timedelta

from sqlalchemy import select, update

from nabo_common.persistence.retention import ANONYMISED_GUEST_NAME, BATCH, anonymise_in_batches
from services.events.domain.common import utcnow
from services.events.models import Attendance, Event, Feedback, Registration


def anonymise_past_guests(session, retention_days, now=None, batch=BATCH):
    """Anonymise guests of events that ended more than ``retention_days`` ago;
    returns how many registrations and attendance rows were anonymised."""
    now = now or utcnow()
    ended_before = now - timedelta(days=retention_days)
    registrations = anonymise_in_batches(
        session, Registration, _still_personal(Registration, ended_before), batch=batch,
        values={"name": ANONYMISED_GUEST_NAME, "email": None, "email_lower": None, "answers": {},
                "anonymised_at": now})
    attendance = anonymise_in_batches(
        session, Attendance,
        _still_personal(Attendance, ended_before).where(Attendance.kind != "anonymous"), batch=batch,
        values={"name": ANONYMISED_GUEST_NAME, "email_lower": None, "anonymised_at": now},
        then=_drop_feedback_comments)
    return {"registrations": registrations, "attendance": attendance}


def _still_personal(model, ended_before):
    """Guest rows (no person; erased persons' rows are anonymised already) of events ended before the
    cut-off."""
    return (select(model.id).join(Event, Event.id == model.event_id)
            .where(model.person_id.is_(None), model.erased_at.is_(None), model.anonymised_at.is_(None),
                   Event.ends_at < ended_before))


def _drop_feedback_comments(session, attendance_ids):
    """Feedback of anonymised attendance keeps its rating; its free text may name the guest."""
    session.execute(
        update(Feedback)
        .where(Feedback.attendance_id.in_(attendance_ids), Feedback.comment.isnot(None))
        .values(comment=None)
        .execution_options(synchronize_session=False)
    )
