"""The programme report and an event's summary as printable HTML pages in
the reader's language (the caller's Accept-Language), with their charts:
attendance per meeting, registrations against attendance and no-shows, the
channels that brought people, feedback, and the budget."""

import os
from datetime import datetime, timezone

from sqlalchemy import select

from nabo_common.api.errors import NotFound
from nabo_common.i18n.catalogues import N_
from nabo_common.printable.charts import bar_chart
from nabo_common.printable.pages import Pages, as_date, local_date, money
from services.events.domain import access, feedback, reports
from services.events.domain.names import Names
from services.events.models import Feedback

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PAGES = Pages(os.path.join(HERE, "reports", "templates"))
HTML = "text/html; charset=utf-8"
# the names of codes shown to readers; each is a msgid of the catalogue
CHANNELS = {
    "newsletter": N_("Newsletter"),
    "email": N_("E-mail"),
    "linkedin": N_("LinkedIn"),
    "facebook": N_("Facebook"),
    "direct_mail": N_("Direct mail"),
    "website": N_("Website"),
    "network": N_("Network"),
    "other": N_("Other"),
    "unknown": N_("Not known"),
}
FORMATS = {"online": N_("Online"), "in_person": N_("In person"), "hybrid": N_("Hybrid")}
STATUSES = {
    "published": N_("Published"), "completed": N_("Held"), "cancelled": N_("Cancelled"), "draft": N_("Draft"),
}


def association_names(directory, association_ids):
    names = []
    for association_id in association_ids:
        try:
            names.append(directory.association(association_id)["name"])
        except NotFound:
            continue
    return names


def _labels(language):
    _ = PAGES.gettext(language)
    return {
        "channels": {code: _(text) for code, text in CHANNELS.items()},
        "formats": {code: _(text) for code, text in FORMATS.items()},
        "statuses": {code: _(text) for code, text in STATUSES.items()},
    }


def _channel_chart(chart_id, channels, _, labels):
    names = list(channels)
    return bar_chart(
        chart_id,
        _("Where people came from"),
        [labels["channels"].get(name, name) for name in names],
        [
            (_("Registrations"), [channels[n]["registrations"] for n in names]),
            (_("Attendees"), [channels[n]["attendees"] for n in names]),
        ],
        horizontal=True,
        height=max(260, 90 + 60 * len(names)),
    )


def programme_charts(report, language):
    """The report's charts as SVG strings, by name."""
    _ = PAGES.gettext(language)
    labels = _labels(language)
    held = [line for line in report["events"] if line["status"] != "cancelled"]
    meetings = [local_date(line["date"], language, "medium") for line in held]
    budget = report["budget"]
    return {
        "attendance": bar_chart(
            "attendance",
            _("Attendance per meeting"),
            meetings,
            [(_("Attendees"), [m["attendees"] for m in held])],
        ),
        "turnout": bar_chart(
            "turnout",
            _("Registrations, attendance and no-shows per meeting"),
            meetings,
            [
                (_("Registrations"), [m["registrations"] for m in held]),
                (_("Attendees"), [m["attendees"] for m in held]),
                (_("No-shows"), [m["no_shows"] for m in held]),
            ],
        ),
        "channels": _channel_chart("channels", report["source_channels"], _, labels),
        "budget": bar_chart(
            "budget",
            _("Budget"),
            [_("Granted"), _("Used"), _("Remaining")],
            [(_("Amount"), [budget["granted_minor"], budget["used_minor"], budget["remaining_minor"]])],
            formatter=lambda minor: money(minor, budget["currency"], language),
            height=320,
        ),
    }


def programme_page(session, caller, programme_id, directory):
    report = reports.report(session, caller, programme_id, directory)
    programme = report["programme"]
    language = caller.language
    body = PAGES.render(
        "programme-report.html.j2",
        language,
        report=report,
        programme=programme,
        associations=association_names(directory, programme["association_ids"]),
        charts=programme_charts(report, language),
        labels=_labels(language),
        today=datetime.now(timezone.utc).date(),
    )
    return {"content_type": HTML, "filename": f"programme-{programme['id']}-report.html", "body": body}


def event_charts(line, distribution, language):
    _ = PAGES.gettext(language)
    return {
        "turnout": bar_chart(
            "turnout",
            _("Registrations, attendance and no-shows"),
            [_("Registrations"), _("Attendees"), _("Registered attendees"), _("Walk-ins"), _("No-shows")],
            [
                (
                    _("People"),
                    [
                        line["registrations"],
                        line["attendees"],
                        line["registered_attendees"],
                        line["walk_ins"],
                        line["no_shows"],
                    ],
                )
            ],
            height=320,
        ),
        "channels": _channel_chart("channels", line["source_channels"], _, _labels(language)),
        "feedback": bar_chart(
            "feedback",
            _("Feedback ratings"),
            [str(score) for score in range(1, 6)],
            [(_("Ratings"), [distribution[str(score)] for score in range(1, 6)])],
            height=300,
        ),
    }


def event_page(session, caller, event_id, directory):
    event = access.managed_event_or_404(session, caller, event_id)
    line = reports.event_line(session, event, Names(directory, caller.language))
    rated = session.scalars(select(Feedback).where(Feedback.event_id == event.id)).all()
    distribution = feedback.summarise(rated)["distribution"]
    language = caller.language
    body = PAGES.render(
        "event-summary.html.j2",
        language,
        line=line,
        associations=association_names(directory, event.association_ids),
        charts=event_charts(line, distribution, language),
        labels=_labels(language),
        day=as_date(line["date"]),
        today=datetime.now(timezone.utc).date(),
    )
    return {"content_type": HTML, "filename": f"event-{event.id}-summary.html", "body": body}
