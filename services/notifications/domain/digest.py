"""Scheduled messages: daily and weekly digests of non-urgent messages, and
the notice before a membership's end date."""
from datetime import timedelta

from sqlalchemy import exists, select

from services.notifications.domain.common import locked, utcnow
from services.notifications.domain.deliveries import Recipient, notify
from services.notifications.domain.reactions import membership_lapsing
from services.notifications.models import Delivery, Membership, Preference

PERIODS = {"daily": timedelta(days=1), "weekly": timedelta(days=7)}
LAPSING_NOTICE = timedelta(days=30)
FOOTER = "\n-- \n"


def _summary(text):
    """The message's text without greeting and footer."""
    body = (text or "").split(FOOTER)[0].strip()
    paragraphs = body.split("\n\n")
    return "\n\n".join(paragraphs[1:] if len(paragraphs) > 1 else paragraphs).strip()


def send_due_digests(session, now=None, limit=100):
    """One digest per person whose period has passed; returns the person ids served."""
    now = now or utcnow()
    served = []
    with session.begin():
        held = exists(select(Delivery.id).where(Delivery.person_id == Preference.person_id,
                                                Delivery.status == "held"))
        candidates = session.scalars(locked(session, select(Preference).where(
            Preference.digest.in_(tuple(PERIODS)), held).order_by(Preference.person_id).limit(limit))).all()
        for preference in candidates:
            if preference.last_digest_at and preference.last_digest_at + PERIODS[preference.digest] > now:
                continue
            items = session.scalars(
                select(Delivery)
                .where(Delivery.person_id == preference.person_id, Delivery.status == "held")
                .order_by(Delivery.id)
            ).all()
            latest = items[-1]
            recipient = Recipient(preference.person_id, latest.email, latest.name or "", latest.language)
            notify(
                session,
                f"digest:{preference.person_id}:{now:%Y%m%dT%H%M}",
                "digest",
                [recipient],
                {
                    "items": [{"subject": d.subject, "summary": _summary(d.text_body)} for d in items],
                    "period": preference.digest,
                },
                latest.association_id,
                channels=("email",),
            )
            for item in items:
                item.status = "digested"
            preference.last_digest_at = now
            served.append(preference.person_id)
    return served


def notify_lapsing_memberships(session, now=None):
    """Contacts of organisations whose active membership ends within 30 days hear about it once."""
    now = now or utcnow()
    today = now.date()
    count = 0
    with session.begin():
        ending = session.scalars(
            select(Membership).where(
                Membership.status == "active",
                Membership.end_date.is_not(None),
                Membership.end_date >= today,
                Membership.end_date <= today + LAPSING_NOTICE,
            )
        ).all()
        for membership in ending:
            cause = f"lapsing:{membership.id}:{membership.end_date.isoformat()}"
            if session.scalar(select(Delivery.id).where(Delivery.cause_id == cause).limit(1)) is None:
                count += membership_lapsing(session, membership, now)
    return count
