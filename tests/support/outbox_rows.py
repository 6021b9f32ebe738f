"""Outbox rows written straight into a service's table, for tests of what happens to them once published."""
import uuid
from datetime import timedelta

from sqlalchemy import select

from nabo_common.messaging import outbox


def write(session, model, data, published_days_ago=None):
    """A row of ``model``'s table whose envelope carries ``data``, published that many days ago (None: not
    yet), committed; its position."""
    published_at = None
    if published_days_ago is not None:
        published_at = outbox.utcnow() - timedelta(days=published_days_ago)
    row = model(event_id=str(uuid.uuid4()), event_type="test.event", envelope={"data": data}, headers={},
                published_at=published_at)
    with session.begin():
        session.add(row)
    return row.position


def positions(session, model):
    with session.begin():
        return set(session.scalars(select(model.position)))
