"""The idea catalogue as a printable HTML page in the reader's language (the
caller's Accept-Language), with a chart of the panel's ideas per sub-theme
by status, drawn as SVG."""

import os

from sqlalchemy import func, select

from contracts.api.ideas import IDEA_STATUSES
from nabo_common.i18n.catalogues import N_
from nabo_common.printable.charts import bar_chart
from nabo_common.printable.pages import Pages
from services.ideas.models import Idea

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PAGES = Pages(os.path.join(HERE, "reports", "templates"))
# the names of the statuses shown to readers; each is a msgid of the catalogue
STATUSES = {
    "submitted": N_("Submitted"),
    "under_review": N_("Under review"),
    "accepted": N_("Accepted"),
    "merged": N_("Merged"),
    "declined": N_("Declined"),
}
INITIATIVE_STATUSES = {
    "planned": N_("Planned"),
    "launched": N_("Launched"),
    "completed": N_("Completed"),
    "stopped": N_("Stopped"),
}


def ideas_by_status(session, panel):
    """{sub-theme id or None: {status: number of ideas}} over all the panel's ideas."""
    counts = {}
    rows = session.execute(
        select(Idea.sub_theme_id, Idea.status, func.count())
        .where(Idea.panel_id == panel.id)
        .group_by(Idea.sub_theme_id, Idea.status)
    )
    for sub_theme_id, status, number in rows:
        counts.setdefault(sub_theme_id, {})[status] = number
    return counts


def status_chart(panel, counts, language):
    _ = PAGES.gettext(language)
    keys = [s.id for s in panel.sub_themes] + ([None] if None in counts else [])
    names = [s.name for s in panel.sub_themes] + ([_("Other ideas")] if None in counts else [])
    return bar_chart(
        "ideas-by-status",
        _("Ideas per sub-theme by status"),
        names,
        [
            (_(STATUSES[status]), [counts.get(key, {}).get(status, 0) for key in keys])
            for status in IDEA_STATUSES
        ],
        horizontal=True,
        stacked=True,
        height=max(300, 140 + 55 * len(names)),
    )


def page(session, caller, panel, catalogue, association):
    language = caller.language
    counts = ideas_by_status(session, panel)
    return {
        "content_type": "text/html; charset=utf-8",
        "filename": f"idea-catalogue-{panel.year}-{panel.id[:8]}.html",
        "body": PAGES.render(
            "catalogue.html.j2",
            language,
            catalogue=catalogue,
            panel=catalogue["panel"],
            association=association,
            chart=status_chart(panel, counts, language),
            statuses=INITIATIVE_STATUSES,
            total_ideas=sum(sum(by_status.values()) for by_status in counts.values()),
        ),
    }
