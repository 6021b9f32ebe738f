"""The organiser's schedule: every accepted request without a meeting placed at once (greedily, each in
the earliest slot free for both sides, at a free table or behind its online link), kept as drafts
until the organiser publishes them, and the table plan of who meets whom, per slot and table.

Scheduling locks every participant row of the market in id order, as a single accept locks its two:
an accept waits for the run (or the run for it), and the unique constraints on (market, slot,
person) and (market, slot, table) refuse a double booking whatever happens; a run that still meets
one rolls back and starts again from a fresh read."""
import csv
import io
import os

from babel.dates import format_date, format_time
from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError

from contracts.api import meeting_markets as schemas
from nabo_common.api.errors import Conflict
from nabo_common.api.validation import dump, load
from nabo_common.i18n.catalogues import N_, gettext
from nabo_common.printable.pages import Pages, language_of
from services.events.domain import access
from services.events.domain.common import publish, utcnow
from services.events.domain.meeting_market import agenda, markets, meetings, scheduler
from services.events.domain.views import event_moment
from services.events.models import MarketParticipant, Meeting, MeetingRequest, MeetingSeat, new_id

ATTEMPTS = 5
HERE = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PAGES = Pages(os.path.join(HERE, "reports", "templates"))
HTML = "text/html; charset=utf-8"
CSV = "text/csv; charset=utf-8"
CSV_HEADINGS = (N_("Starts"), N_("Ends"), N_("Table"), N_("Online link"), N_("Participant"),
                N_("Organisation"), N_("Meets"), N_("Organisation"), N_("Published"))


def _market_data(event):
    return {"event_id": event.id, "association_ids": event.association_ids, "title": event.title,
            "time_zone": event.time_zone}


def _waiting(session, market):
    """Accepted requests without a meeting, first accepted first."""
    return session.scalars(
        select(MeetingRequest).outerjoin(Meeting, Meeting.request_id == MeetingRequest.id)
        .where(MeetingRequest.market_id == market.id, MeetingRequest.status == "accepted",
               Meeting.id.is_(None))
        .order_by(MeetingRequest.answered_at, MeetingRequest.created_at, MeetingRequest.id)).all()


def _busy(session, market):
    busy = {}
    for person_id, slot in session.execute(select(MeetingSeat.person_id, MeetingSeat.slot).where(
            MeetingSeat.market_id == market.id)):
        busy.setdefault(person_id, set()).add(slot)
    return busy


def place_waiting(session, market, now):
    """Place every accepted request without a meeting as a draft (inside the caller's transaction).
    Returns (meetings placed, {request id: why not})."""
    meetings.lock_participants(session, market)
    waiting = _waiting(session, market)
    busy = _busy(session, market)
    placed, unplaced = scheduler.plan(
        scheduler.slots(market.windows, market.meeting_minutes),
        [(request.id, request.requester_id, request.recipient_id) for request in waiting],
        busy, meetings.tables_taken(session, market), market.tables, market.mode,
        {person: len(slots) for person, slots in busy.items()}, market.max_meetings_per_participant,
        not_before=now)
    rows, seats = [], []
    for request in waiting:
        placement = placed.get(request.id)
        if placement is None:
            continue
        meeting_id = new_id()
        rows.append({"id": meeting_id, "market_id": market.id, "request_id": request.id,
                     "slot": placement.slot.index, "starts_at": placement.slot.starts_at,
                     "ends_at": placement.slot.ends_at, "table_name": placement.table,
                     "online_url": meetings.online_link(market, meeting_id), "status": "scheduled",
                     "published_at": None, "created_at": now, "updated_at": now})
        seats += [{"meeting_id": meeting_id, "person_id": person_id, "market_id": market.id,
                   "slot": placement.slot.index}
                  for person_id in sorted((request.requester_id, request.recipient_id))]
    if rows:
        session.execute(insert(Meeting), rows)
        session.execute(insert(MeetingSeat), seats)
    return len(rows), unplaced


def schedule_all(session, caller, event_id):
    """The organiser schedules every accepted request of the market that has no meeting yet."""
    for _attempt in range(ATTEMPTS):
        try:
            with session.begin():
                event = access.managed_event_or_404(session, caller, event_id)
                market = markets.market_of_event(session, event.id, lock=True)
                markets.open_for_meetings(event)
                scheduled, unplaced = place_waiting(session, market, utcnow())
                drafts = session.scalar(select(func.count()).select_from(Meeting).where(
                    Meeting.market_id == market.id, Meeting.status == "scheduled",
                    Meeting.published_at.is_(None)))
                publish(session, "meeting_market.scheduled",
                        dict(_market_data(event), scheduled=scheduled, unplaced=len(unplaced)),
                        caller, event.association_ids[0])
                return dump(schemas.ScheduleRun, {
                    "scheduled": scheduled, "drafts": drafts,
                    "unplaced": [{"request_id": request_id, "reason": reason}
                                 for request_id, reason in unplaced.items()]})
        except IntegrityError:
            continue
    raise Conflict("Meeting slots are changing fast right now; schedule again in a moment.")


def publish_schedule(session, caller, event_id):
    """Publish the drafts: each becomes its participants' (agenda and calendar feed, meeting.scheduled), and
    each participant with a meeting newly published gets one agenda (meeting_market.agenda_published) of
    all their meetings at the market. Publishing again tells only those whose agenda gained a meeting;
    moves and cancellations of published meetings are told one by one as they happen."""
    with session.begin():
        event = access.managed_event_or_404(session, caller, event_id)
        market = markets.market_of_event(session, event.id, lock=True)
        markets.open_for_meetings(event)
        drafts = session.execute(
            select(Meeting, MeetingRequest).join(MeetingRequest, MeetingRequest.id == Meeting.request_id)
            .where(Meeting.market_id == market.id, Meeting.status == "scheduled",
                   Meeting.published_at.is_(None))
            .order_by(Meeting.starts_at, Meeting.table_name, Meeting.id).with_for_update(of=Meeting)).all()
        now = utcnow()
        people = set()
        for meeting, request in drafts:
            meeting.published_at = now
            meeting.remind_at = meetings.reminder_due(market, meeting.starts_at)
            people.update((request.requester_id, request.recipient_id))
            publish(session, "meeting.scheduled", dict(meetings.meeting_data(event, meeting, request),
                                                       in_agenda=True),
                    caller, event.association_ids[0])
        session.flush()
        _publish_agendas(session, caller, event, market, people,
                         {meeting.id for meeting, _request in drafts})
        market.schedule_published_at = now
        publish(session, "meeting_market.published",
                dict(_market_data(event), published=len(drafts), participants=len(people)),
                caller, event.association_ids[0])
        return dump(schemas.SchedulePublication,
                    {"published": len(drafts), "participants": len(people), "published_at": now})


def _publish_agendas(session, caller, event, market, people, new):
    """One meeting_market.agenda_published per person of ``people``: all their published meetings at the
    market (``new``: the meeting ids just published), with one calendar of them in their language."""
    if not people:
        return
    contacts = agenda.contacts(session, market, people)
    rows = session.execute(
        select(Meeting, MeetingRequest, MeetingSeat.person_id)
        .join(MeetingRequest, MeetingRequest.id == Meeting.request_id)
        .join(MeetingSeat, MeetingSeat.meeting_id == Meeting.id)
        .where(Meeting.market_id == market.id, Meeting.status == "scheduled",
               Meeting.published_at.is_not(None), MeetingSeat.person_id.in_(sorted(people)))
        .order_by(Meeting.starts_at, Meeting.id)).all()
    by_person = {}
    for meeting, request, person_id in rows:
        by_person.setdefault(person_id, []).append((meeting, request))
    for person_id in sorted(by_person):
        mine = by_person[person_id]
        items = [{"meeting_id": meeting.id,
                  "other_id": (request.recipient_id if request.requester_id == person_id
                               else request.requester_id),
                  "starts_at": event_moment(event, meeting.starts_at).isoformat(),
                  "ends_at": event_moment(event, meeting.ends_at).isoformat(),
                  "table": meeting.table_name, "online_url": meeting.online_url, "new": meeting.id in new}
                 for meeting, request in mine]
        publish(session, "meeting_market.agenda_published",
                dict(_market_data(event), person_id=person_id, meetings=items,
                     ics=agenda.agenda_message(mine, event, person_id, contacts)),
                caller, event.association_ids[0])


# --- the table plan ---------------------------------------------------------------------------------------


def _plan(session, caller, event_id):
    event = access.managed_event_or_404(session, caller, event_id)
    market = markets.market_of_event(session, event.id)
    people = {row.person_id: meetings.participant_data(row) for row in session.scalars(
        select(MarketParticipant).where(MarketParticipant.market_id == market.id))}
    by_slot = {}
    for meeting, request in session.execute(
            select(Meeting, MeetingRequest).join(MeetingRequest, MeetingRequest.id == Meeting.request_id)
            .where(Meeting.market_id == market.id, Meeting.status == "scheduled")):
        by_slot.setdefault(meeting.slot, []).append({
            "meeting_id": meeting.id, "table": meeting.table_name, "online_url": meeting.online_url,
            "published": meeting.published_at is not None,
            "participants": [people[p] for p in (request.requester_id, request.recipient_id) if p in people]})
    order = {table: n for n, table in enumerate(market.tables)}
    slots = [{"slot": slot.index, "starts_at": event_moment(event, slot.starts_at),
              "ends_at": event_moment(event, slot.ends_at),
              "meetings": sorted(by_slot.get(slot.index, []),
                                 key=lambda m: (order.get(m["table"], len(order)), m["meeting_id"]))}
             for slot in scheduler.slots(market.windows, market.meeting_minutes)]
    return event, market, {"event_id": event.id, "title": event.title, "time_zone": event.time_zone,
                           "tables": market.tables, "schedule_published_at": market.schedule_published_at,
                           "slots": slots}


def table_plan(session, caller, event_id, query):
    """Who meets whom, per slot and table: JSON, or a CSV table or a printable page in the reader's
    language."""
    wanted = load(schemas.TablePlanQuery, query or {})["format"]
    with session.begin():
        event, _market, plan = _plan(session, caller, event_id)
    if wanted == "csv":
        return {"content_type": CSV, "filename": f"event-{event.id}-table-plan.csv",
                "body": _as_csv(plan, caller.language)}
    if wanted == "html":
        return {"content_type": HTML, "filename": f"event-{event.id}-table-plan.html",
                "body": _as_html(plan, event, caller.language)}
    return dump(schemas.TablePlan, plan)


def _clock(moment, language):
    return format_time(moment, "short", locale=language_of(language))


def _pair(meeting):
    people = meeting["participants"] + [{"name": "", "organisation_id": ""}] * 2
    return people[0], people[1]


def _as_csv(plan, language):
    say = lambda message: gettext(language, message)  # noqa: E731
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([say(heading) for heading in CSV_HEADINGS])
    for slot in plan["slots"]:
        for meeting in slot["meetings"]:
            one, other = _pair(meeting)
            writer.writerow([
                slot["starts_at"].isoformat(), slot["ends_at"].isoformat(), meeting["table"] or "",
                meeting["online_url"] or "", one["name"], one["organisation_id"], other["name"],
                other["organisation_id"], say(N_("Yes") if meeting["published"] else N_("No"))])
    return out.getvalue()


def _as_html(plan, event, language):
    language = language_of(language)
    rows = [{"starts": _clock(slot["starts_at"], language), "ends": _clock(slot["ends_at"], language),
             "meetings": [dict(meeting, pair=_pair(meeting)) for meeting in slot["meetings"]]}
            for slot in plan["slots"]]
    return PAGES.render(
        "table-plan.html.j2", language, plan=plan, rows=rows,
        day=format_date(event_moment(event, event.starts_at).date(), "full", locale=language),
        drafts=sum(not m["published"] for slot in plan["slots"] for m in slot["meetings"]),
        meetings=sum(len(slot["meetings"]) for slot in plan["slots"]))
