"""The in-app inbox: a person's own notifications, newest first."""
from sqlalchemy import select

from contracts.api import notifications as schemas
from nabo_common.api.errors import NotFound
from nabo_common.api.pagination import page, paginate
from nabo_common.api.validation import dump, load
from services.notifications.domain import access
from services.notifications.domain.common import utcnow
from services.notifications.models import InboxItem


def _person(caller):
    access.require_authenticated(caller)
    if not caller.person_id:
        raise NotFound("Only persons have an inbox.")
    return caller.person_id


def list_(session, caller, query):
    q = load(schemas.InboxQuery, query)
    person_id = _person(caller)
    stmt = select(InboxItem).where(InboxItem.person_id == person_id)
    if q.get("unread") is True:
        stmt = stmt.where(InboxItem.read_at.is_(None))
    elif q.get("unread") is False:
        stmt = stmt.where(InboxItem.read_at.is_not(None))
    rows, total = paginate(
        session, stmt.order_by(InboxItem.created_at.desc(), InboxItem.id), q["limit"], q["offset"]
    )
    result = page(dump(schemas.InboxItem, rows, many=True), total, q["limit"], q["offset"])
    return result


def mark_read(session, caller, item_id):
    person_id = _person(caller)
    with session.begin():
        item = session.get(InboxItem, str(item_id)) if item_id else None
        if item is None or item.person_id != person_id:
            raise NotFound("Inbox item {item_id} not found.", item_id=item_id)
        if item.read_at is None:
            item.read_at = utcnow()
        session.flush()
        return dump(schemas.InboxItem, item)
