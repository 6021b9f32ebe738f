"""Helpers every ideas domain module uses: publishing into the outbox, 404s and local dates."""
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from nabo_common import outbox
from nabo_common.errors import NotFound
from services.ideas.models import OutboxEvent


def publish(session, event_type, data, caller=None, association_id=None):
    return outbox.record(session, OutboxEvent, event_type, data, caller=caller, association_id=association_id)


def get_or_404(session, model, id_, what):
    obj = session.get(model, str(id_)) if id_ else None
    if obj is None:
        raise NotFound(f"{what} {id_} not found.")
    return obj


def today_in(time_zone):
    """The calendar date now where the panel works (dates are local, times UTC)."""
    return datetime.now(timezone.utc).astimezone(ZoneInfo(time_zone)).date()
