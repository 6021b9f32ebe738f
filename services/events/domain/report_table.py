"""The programme report as a CSV table for people: headings, formats, statuses, dates, numbers and
money in the reader's language, themes and host companies by name. The JSON report keeps the codes,
ids and minor units."""
import csv
import io

from nabo_common.i18n import formats
from nabo_common.i18n.catalogues import N_, gettext

HEADINGS = (N_("Date"), N_("Title"), N_("Themes"), N_("Format"), N_("Status"), N_("Host company"),
            N_("Registrations"), N_("Attendees"), N_("Registered attendees"), N_("Walk-ins"), N_("No-shows"),
            N_("Channels"), N_("Recording published"), N_("Feedback average"), N_("Feedback count"),
            # the meeting market's, empty for an event without one
            N_("Market participants"), N_("Market requests sent"), N_("Market requests accepted"),
            N_("Market requests declined"), N_("Market requests withdrawn"), N_("Market requests expired"),
            N_("Market meetings scheduled"),
            N_("Market meetings held"), N_("Market no-shows"), N_("Market no-show rate"),
            N_("Follow-up agreed"), N_("Offer sent"), N_("Deal"), N_("No fit"), N_("Cross-border share"))
MARKET_COUNTS = ("participants", "requests_sent", "requests_accepted", "requests_declined",
                 "requests_withdrawn", "requests_expired", "meetings_scheduled", "meetings_held", "no_shows")
# the outcomes in the order of the headings: another meeting agreed, an offer, a deal, nothing
OUTCOMES = ("meeting", "offer", "deal", "none")
BUDGET_HEADINGS = (N_("Currency"), N_("Granted"), N_("Used"), N_("Remaining"))
WORDS = {
    "online": N_("Online"), "in_person": N_("In person"), "hybrid": N_("Hybrid"),
    "published": N_("Published"), "completed": N_("Completed"), "cancelled": N_("Cancelled"),
    "draft": N_("Draft"), True: N_("Yes"), False: N_("No"),
}


def _channels(channels):
    return " ".join(f"{name}:{n['registrations']}/{n['attendees']}" for name, n in channels.items())


def _number(value, language):
    return "" if value is None else formats.number(value, language)


def _percent(share, language):
    return "" if share is None else formats.percent(share, language)


def _market(figures, language):
    """The market's columns; its rates as percentages, as the printable report shows them."""
    if figures is None:
        return [""] * (len(MARKET_COUNTS) + len(OUTCOMES) + 2)
    return [*(_number(figures[key], language) for key in MARKET_COUNTS),
            _percent(figures["no_show_rate"], language),
            *(_number(figures["outcomes"][outcome], language) for outcome in OUTCOMES),
            _percent(figures["cross_border_share"], language)]


def as_csv(report, language):
    say = lambda message, **params: gettext(language, message, **params)  # noqa: E731
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([say(heading) for heading in HEADINGS])
    for line in report["events"]:
        writer.writerow([
            formats.day(line["date"], language),
            line["title"],
            "; ".join(theme["name"] for theme in line["theme_names"]),
            say(WORDS[line["format"]]),
            say(WORDS[line["status"]]),
            line["host_company_name"] or line["host_company"] or "",
            _number(line["registrations"], language),
            _number(line["attendees"], language),
            _number(line["registered_attendees"], language),
            _number(line["walk_ins"], language),
            _number(line["no_shows"], language),
            _channels(line["source_channels"]),
            say(WORDS[line["recording_published"]]),
            _number(line["feedback_average"], language),
            _number(line["feedback_count"], language),
            *_market(line["meeting_market"], language),
        ])
    totals = report["totals"]
    writer.writerow([
        say(N_("Total")),
        say(N_("{events} of {planned} planned events"), events=totals["events"],
            planned=totals["planned_events"]),
        "", "", "", "",
        *(_number(totals[key], language) for key in (
            "registrations", "attendees", "registered_attendees", "walk_ins", "no_shows")),
        _channels(report["source_channels"]),
        _number(totals["recordings_published"], language),
        _number(totals["feedback_average"], language),
        _number(totals["feedback_count"], language),
        *_market(totals["meeting_market"], language),
    ])
    writer.writerow([say(N_("Average attendance")), "", "", "", "", "", "",
                     _number(totals["average_attendance"], language)])
    writer.writerow([])
    budget = report["budget"]
    writer.writerow([say(heading) for heading in BUDGET_HEADINGS])
    writer.writerow([budget["currency"], *(formats.money(budget[key], budget["currency"], language)
                                           for key in ("granted_minor", "used_minor", "remaining_minor"))])
    return out.getvalue()
