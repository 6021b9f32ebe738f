"""Helpers the ideas domain modules share: publishing into the outbox and local dates."""
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from nabo_common.messaging import outbox
from nabo_common.persistence.idempotency import IdempotentCalls
from services.ideas.models import IdempotentCall, OutboxEvent

# a write retried with the same Idempotency-Key returns its first result (creations)
idempotent_calls = IdempotentCalls(IdempotentCall)


def publish(session, event_type, data, caller=None, association_id=None):
    return outbox.record(session, OutboxEvent, event_type, data, caller=caller, association_id=association_id)


def today_in(time_zone):
    """The calendar date now where the panel works (dates are local, times UTC)."""
    return datetime.now(timezone.utc).astimezone(ZoneInfo(time_zone)).date()
