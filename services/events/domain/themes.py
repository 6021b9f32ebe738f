"""Theme tags follow the shared taxonomy: on theme.merged, events tagged with the merged theme (by id,
or by key where an event was tagged with keys) are tagged with the theme it was merged into."""
from sqlalchemy import select

from services.events.models import EventTag


def retag(session, data):
    """Called inside the consumer's transaction."""
    for old, new in ((data["theme_id"], data["into_theme_id"]), (data["key"], data["into_key"])):
        for tag in session.scalars(
            select(EventTag).where(EventTag.kind == "theme", EventTag.value == old)
        ).all():
            taken = session.get(EventTag, (tag.event_id, "theme", new))
            if taken is None:
                session.add(EventTag(event_id=tag.event_id, kind="theme", value=new, position=tag.position))
            session.delete(tag)
            session.flush()
