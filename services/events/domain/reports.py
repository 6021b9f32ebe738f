"""The programme report: per event theme, date, format, registrations,
attendees (registered and walk-in), no-shows, source channels, recording and
feedback, the meeting market's figures; totals, average attendance, what
channels, networks and host companies brought, and the budget granted, used
and remaining."""
from collections import Counter, defaultdict

from sqlalchemy import select

from services.events.domain import access, attendance, feedback, programmes, report_table, views
from services.events.domain.meeting_market import figures as market_figures
from services.events.domain.names import Names
from services.events.models import Attendance, Event, Feedback, Registration


def _channels(session, event):
    registered = Counter(session.scalars(select(Registration.source_channel).where(
        Registration.event_id == event.id, Registration.status != "cancelled")).all())
    came = Counter()
    for row in session.scalars(select(Attendance).where(Attendance.event_id == event.id)):
        came[row.source_channel or "unknown"] += row.headcount
    return {channel: {"registrations": registered.get(channel, 0), "attendees": came.get(channel, 0)}
            for channel in sorted(set(registered) | set(came))}


def event_line(session, event, names):
    counts = attendance.summary(session, event)
    rated = session.scalars(select(Feedback).where(Feedback.event_id == event.id)).all()
    scores = feedback.summarise(rated)
    host = next((p for p in event.people if p.get("role") == "host_company"), None)
    return {
        "event_id": event.id, "title": event.title, "themes": event.themes,
        "date": views.local_time(event, event.starts_at).date().isoformat(),
        "starts_at": views.event_moment(event, event.starts_at).isoformat(), "time_zone": event.time_zone,
        "format": event.format,
        "status": event.status, "network_id": event.network_id,
        "host_company": host.get("organisation_id") if host else None,
        "host_company_name": (names.organisation(host.get("organisation_id")) or host.get("name"))
        if host else None,
        "theme_names": [names.theme(theme) for theme in event.themes],
        "registrations": counts["registrations"], "attendees": counts["attendees"],
        "registered_attendees": counts["registered_attendees"], "walk_ins": counts["walk_ins"],
        "online_joins": counts["online_joins"], "no_shows": counts["no_shows"],
        "source_channels": _channels(session, event),
        "recording_published": event.recording_url is not None, "recording_url": event.recording_url,
        "feedback_average": scores["average"], "feedback_count": scores["count"],
        "meeting_market": market_figures.of_event(session, event, names.organisation_country),
    }


def _average(total, count):
    return round(total / count, 1) if count else None


def _group(lines, key):
    groups = defaultdict(lambda: {"events": 0, "attendees": 0, "registrations": 0})
    for line in lines:
        group = groups[key(line)]
        group["events"] += 1
        group["attendees"] += line["attendees"]
        group["registrations"] += line["registrations"]
    for group in groups.values():
        group["average_attendance"] = _average(group["attendees"], group["events"])
    return dict(groups)


def build(session, caller, programme_id, names):
    programme = access.programme_or_404(session, caller, programme_id)
    events = session.scalars(select(Event).where(Event.programme_id == programme.id, Event.status != "draft")
                             .order_by(Event.starts_at, Event.id)).all()
    lines = [event_line(session, e, names) for e in events]
    held = [line for line in lines if line["status"] != "cancelled"]
    channels = defaultdict(lambda: {"registrations": 0, "attendees": 0})
    for line in held:
        for channel, numbers in line["source_channels"].items():
            for key in numbers:
                channels[channel][key] += numbers[key]
    rated = [line for line in held if line["feedback_count"]]
    weighted = sum(line["feedback_average"] * line["feedback_count"] for line in rated)
    total_rated = sum(line["feedback_count"] for line in rated)
    totals = {
        "events": len(held), "planned_events": programme.planned_events,
        "cancelled_events": len(lines) - len(held),
        **{key: sum(line[key] for line in held) for key in (
            "registrations", "attendees", "registered_attendees", "walk_ins", "online_joins", "no_shows")},
        "average_attendance": _average(sum(line["attendees"] for line in held), len(held)),
        "recordings_published": sum(1 for line in held if line["recording_published"]),
        "feedback_average": round(weighted / total_rated, 2) if total_rated else None,
        "feedback_count": total_rated,
        "meeting_market": market_figures.total([line["meeting_market"] for line in held]),
    }
    return {
        "programme": programmes.view(programme),
        "events": lines,
        "totals": totals,
        "source_channels": dict(sorted(channels.items())),
        "networks": _group(held, lambda line: line["network_id"] or "none"),
        "host_company": _group(
            held, lambda line: "with_host_company" if line["host_company"] else "without_host_company"
        ),
        "budget": programmes.budget(programme),
    }


def report(session, caller, programme_id, directory):
    return build(session, caller, programme_id, Names(directory, caller.language))


def report_csv(session, caller, programme_id, directory):
    return report_table.as_csv(report(session, caller, programme_id, directory), caller.language)
