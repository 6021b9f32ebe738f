"""Retention of guests' personal data. A guest registers by name and e-mail
without an account; their registration, attendance rows and feedback comments
are kept for a retention period after the event ended, then anonymised: name,
e-mail, answers and comment go, the rows stay (marked ``anonymised_at``) so
counts, channels, ratings and reports do not change.

Every replica runs this. Each batch is one
``UPDATE ... WHERE id IN (SELECT ... FOR UPDATE SKIP LOCKED LIMIT n)``, so
replicas take disjoint rows, and a row once anonymised no longer matches, so
running again changes nothing."""
from datetime import timedelta

from sqlalchemy import select, update

from services.events.domain.common import ANONYMISED_GUEST_NAME, utcnow
from services.events.models import Attendance, Event, Feedback, Registration

BATCH = 500


def anonymise_past_guests(session, retention_days, now=None, batch=BATCH):
    """Anonymise guests of events that ended more than ``retention_days`` ago;
    returns how many registrations and attendance rows were anonymised."""
    now = now or utcnow()
    ended_before = now - timedelta(days=retention_days)
    registrations = _anonymise_in_batches(
        session, Registration, _still_personal(Registration, ended_before), batch,
        values={"name": ANONYMISED_GUEST_NAME, "email": None, "email_lower": None, "answers": {},
                "anonymised_at": now})
    attendance = _anonymise_in_batches(
        session, Attendance,
        _still_personal(Attendance, ended_before).where(Attendance.kind != "anonymous"), batch,
        values={"name": ANONYMISED_GUEST_NAME, "email_lower": None, "anonymised_at": now},
        then=_drop_feedback_comments)
    return {"registrations": registrations, "attendance": attendance}


def _still_personal(model, ended_before):
    """Guest rows (no person; erased persons' rows are anonymised already) of events ended before the cut-off."""
    return (select(model.id).join(Event, Event.id == model.event_id)
            .where(model.person_id.is_(None), model.erased_at.is_(None), model.anonymised_at.is_(None),
                   Event.ends_at < ended_before))


def _anonymise_in_batches(session, model, candidates, batch, values, then=None):
    done = 0
    while True:
        claim = candidates.order_by(model.id).limit(batch).with_for_update(skip_locked=True, of=model)
        with session.begin():
            ids = session.scalars(
                update(model).where(model.id.in_(claim)).values(**values).returning(model.id)
                .execution_options(synchronize_session=False)).all()
            if ids and then is not None:
                then(session, ids)
        done += len(ids)
        if len(ids) < batch:
            return done


def _drop_feedback_comments(session, attendance_ids):
    """Feedback of anonymised attendance keeps its rating; its free text may name the guest."""
    session.execute(update(Feedback).where(Feedback.attendance_id.in_(attendance_ids), Feedback.comment.isnot(None))
                    .values(comment=None).execution_options(synchronize_session=False))
