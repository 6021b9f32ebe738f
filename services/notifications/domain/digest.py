"""Scheduled messages: daily and weekly digests of non-urgent messages, and
the notice before a membership's end date."""
from datetime import timedelta

from sqlalchemy import and_, exists, func, or_, select

from services.notifications.domain.common import insert_ignoring_duplicates, locked, utcnow
from services.notifications.domain.deliveries import NETWORK_UNSUBSCRIBE_PLACEHOLDER, Recipient, notify
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


def _network_unsubscribe(item):
    """An item of a network's conversation carries the one-click unsubscribe from that network, which the
    dispatcher signs for the recipient when it sends the digest."""
    if not item.network_id:
        return None
    return f"{NETWORK_UNSUBSCRIBE_PLACEHOLDER}/{item.network_id}/{item.association_id or ''}"


def _period(item, preference):
    return item.digest_period or preference.digest


def _due(item, preference, now, first_held):
    """A held item goes into the digest once its period (its own, else the person's digest setting) has
    passed since the last digest or since it was held. With no digest yet the period runs from when the
    oldest item of that period was held (``first_held``: period -> time), so the first daily digest goes a
    day after the first item held and takes the items held since with it. An item whose person asked for
    immediate messages since goes at once."""
    period = _period(item, preference)
    wait = PERIODS.get(period)
    if wait is None:
        return True
    since = preference.last_digest_at or first_held[period]
    return since + wait <= now or item.created_at + wait <= now


def _due_clause(now):
    """``_due`` in SQL, for a held delivery of the preference's person."""
    period = func.coalesce(Delivery.digest_period, Preference.digest)
    waited = [and_(period == name,
                   or_(Preference.last_digest_at <= now - wait, Delivery.created_at <= now - wait))
              for name, wait in PERIODS.items()]
    return or_(period.not_in(tuple(PERIODS)), *waited)


def _give_preferences(session):
    """Persons with held messages but no preferences row (held by a network's digest) get one: it records
    when their last digest went."""
    missing = session.scalars(
        select(Delivery.person_id).distinct()
        .where(Delivery.status == "held", Delivery.person_id.is_not(None),
               ~exists(select(Preference.person_id).where(Preference.person_id == Delivery.person_id)))
    ).all()
    insert_ignoring_duplicates(
        session, Preference,
        [{"person_id": p, "email": True, "inapp": True, "digest": "immediate", "updated_at": utcnow()}
         for p in missing],
        ["person_id"],
    )


def send_due_digests(session, now=None, limit=100):
    """One digest per person with held messages that are due; returns the person ids served."""
    now = now or utcnow()
    served = []
    with session.begin():
        _give_preferences(session)
        held = exists(select(Delivery.id).where(Delivery.person_id == Preference.person_id,
                                                Delivery.status == "held", _due_clause(now)))
        candidates = session.scalars(locked(session, select(Preference).where(held)
                                            .order_by(Preference.person_id).limit(limit))).all()
        for preference in candidates:
            held_items = session.scalars(
                select(Delivery)
                .where(Delivery.person_id == preference.person_id, Delivery.status == "held")
                .order_by(Delivery.id)
            ).all()
            first_held = {}
            for item in held_items:
                period = _period(item, preference)
                first_held[period] = min(first_held.get(period, item.created_at), item.created_at)
            items = [item for item in held_items if _due(item, preference, now, first_held)]
            if not items:
                continue
            latest = items[-1]
            recipient = Recipient(preference.person_id, latest.email, latest.name or "", latest.language)
            periods = {_period(item, preference) for item in items}
            notify(
                session,
                f"digest:{preference.person_id}:{now:%Y%m%dT%H%M}",
                "digest",
                [recipient],
                {
                    "items": [{"subject": d.subject, "summary": _summary(d.text_body),
                               "unsubscribe_url": _network_unsubscribe(d)} for d in items],
                    "period": "daily" if "daily" in periods or not periods & set(PERIODS) else "weekly",
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
