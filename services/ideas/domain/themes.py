"""Ideas' themes follow the shared taxonomy: on theme.merged, ideas tagged with the merged theme (by id,
or by key) are tagged with the theme it was merged into."""
from sqlalchemy import String, cast, or_, select

from services.ideas.models import Idea


def retag(session, data):
    """Called inside the consumer's transaction."""
    renamed = {data["theme_id"]: data["into_theme_id"], data["key"]: data["into_key"]}
    # themes are a JSON list; a text match narrows the scan before the exact change
    candidates = select(Idea).where(or_(*[cast(Idea.themes, String).contains(old) for old in renamed]))
    for idea in session.scalars(candidates):
        if any(t in renamed for t in idea.themes):
            idea.themes = list(dict.fromkeys(renamed.get(t, t) for t in idea.themes))
    session.flush()
