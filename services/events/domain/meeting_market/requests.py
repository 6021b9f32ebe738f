"""Meeting requests that never block: sent with a short message, accepted, declined or withdrawn, and
expired by a sweep when nobody answers in time. A pending request takes no slot."""
from datetime import timedelta

from sqlalchemy import and_, func, or_, select
from sqlalchemy.exc import IntegrityError

from contracts.api import meeting_markets as schemas
from nabo_common.api.errors import Conflict, Forbidden, NotFound, ValidationFailed
from nabo_common.api.pagination import page
from nabo_common.api.validation import dump, load
from nabo_common.i18n.catalogues import N_
from services.events.domain import access
from services.events.domain.common import publish, utcnow
from services.events.domain.meeting_market import agenda, markets, meetings, suggestions
from services.events.models import Event, Meeting, MeetingMarket, MeetingRequest

BATCH = 100
# why a request takes no answer: it has one already
ANSWERED = {"accepted": N_("This request was accepted already."),
            "declined": N_("This request was declined already."),
            "withdrawn": N_("This request was withdrawn already.")}
WITHDRAW_SCHEDULED = N_("This request has its meeting already: cancel the meeting instead.")
WITHDRAW_CANCELLED = N_("This request's meeting was cancelled: there is nothing left to withdraw.")
# each attempt loses only to an accept that placed a meeting meanwhile
ACCEPT_ATTEMPTS = 20


def view(session, request, market):
    meeting = meetings.of_request(session, request.id)
    if meeting is not None and meeting.published_at is None:
        meeting = None  # a draft of the organiser's schedule
    return dump(schemas.MeetingRequestOut, {
        "id": request.id, "event_id": market.event_id, "requester_id": request.requester_id,
        "recipient_id": request.recipient_id, "message": request.message,
        "follow_up_of": request.follow_up_of, "status": request.status,
        "expires_at": request.expires_at, "answered_at": request.answered_at,
        "created_at": request.created_at,
        "meeting": meetings.data(session, meeting, market, request) if meeting else None})


def event_data(event, request):
    return {"event_id": event.id, "association_ids": event.association_ids, "title": event.title,
            "time_zone": event.time_zone, "request_id": request.id, "requester_id": request.requester_id,
            "recipient_id": request.recipient_id, "message": request.message}


def _at_maximum(session, market, person_id):
    return meetings.count_scheduled(session, market.id, person_id) >= market.max_meetings_per_participant


def send(session, caller, payload):
    """The caller, a participant, asks another participant of the same market to meet."""
    data = load(schemas.MeetingRequestCreate, payload)
    access.require_authenticated(caller)
    with session.begin():
        event = access.event_or_404(session, caller, data["event_id"])
        market = markets.market_of_event(session, event.id)
        markets.open_for_meetings(event)
        if markets.participant(session, market, caller.person_id) is None:
            raise Forbidden("Take part in the meeting market before asking others to meet.")
        if data["recipient_id"] == caller.person_id:
            raise ValidationFailed("You cannot ask yourself to meet.", {"recipient_id": ["That is you."]})
        if markets.participant(session, market, data["recipient_id"]) is None:
            raise ValidationFailed("That person does not take part in this meeting market.",
                                   {"recipient_id": ["Not a participant of this meeting market."]})
        if _at_maximum(session, market, caller.person_id):
            raise Conflict("You have the most meetings a participant may have ({maximum}).",
                           maximum=market.max_meetings_per_participant)
        if _at_maximum(session, market, data["recipient_id"]):
            raise Conflict("That participant's agenda is full.")
        pair = {caller.person_id, data["recipient_id"]}
        # a cancelled meeting leaves its accepted request behind: the two may ask again
        open_between = session.scalar(select(func.count()).select_from(MeetingRequest)
            .outerjoin(Meeting, Meeting.request_id == MeetingRequest.id).where(
            MeetingRequest.market_id == market.id, MeetingRequest.requester_id.in_(pair),
            MeetingRequest.recipient_id.in_(pair),
            or_(MeetingRequest.status == "pending", Meeting.status == "scheduled",
                # accepted, waiting for the organiser to schedule it
                and_(MeetingRequest.status == "accepted", Meeting.id.is_(None)))))
        if open_between:
            raise Conflict("A request between you two is already pending or accepted.")
        if data.get("follow_up_of"):
            _check_follow_up(session, market, data["follow_up_of"], caller.person_id, data["recipient_id"])
        now = utcnow()
        request = MeetingRequest(market_id=market.id, requester_id=caller.person_id,
                                 recipient_id=data["recipient_id"], message=data.get("message"),
                                 follow_up_of=data.get("follow_up_of"),
                                 status="pending", created_at=now,
                                 expires_at=now + timedelta(hours=market.request_expiry_hours))
        session.add(request)
        session.flush()
        publish(session, "meeting_request.sent", event_data(event, request), caller, event.association_ids[0])
        return view(session, request, market)


def _check_follow_up(session, market, meeting_id, requester_id, recipient_id):
    """The earlier meeting must be one between the two sides' organisations, at another market, whose
    outcome agreed a follow-up (what a suggestion carries forward)."""
    mine, theirs = (markets.participant(session, market, person).organisation_id
                    for person in (requester_id, recipient_id))
    agreed = {carried["meeting_id"]
              for carried in suggestions.agreed_follow_ups(session, market, mine).get(theirs, ())}
    if mine == theirs or meeting_id not in agreed:
        raise ValidationFailed("That meeting agreed no follow-up between your organisations.",
                               {"follow_up_of": ["Name a meeting at an earlier market whose outcome agreed "
                                                 "a follow-up with this participant's organisation."]})


def _request_or_404(session, caller, request_id, lock=False):
    """The request and its market, for either side of it (and platform admins); to anyone else it does
    not exist."""
    access.require_authenticated(caller)
    stmt = (select(MeetingRequest, MeetingMarket).join(MeetingMarket)
            .where(MeetingRequest.id == str(request_id or "")))
    found = session.execute(stmt.with_for_update(of=MeetingRequest) if lock else stmt).first()
    if found is None or not (caller.is_privileged
                             or caller.person_id in (found[0].requester_id, found[0].recipient_id)):
        raise NotFound("Meeting request {request_id} not found.", request_id=request_id)
    return found


def get(session, caller, request_id):
    with session.begin():
        request, market = _request_or_404(session, caller, request_id)
        return view(session, request, market)


def search(session, caller, query):
    """The caller's requests, sent and received, newest first."""
    q = load(schemas.MeetingRequestQuery, query)
    access.require_authenticated(caller)
    stmt = (select(MeetingRequest, MeetingMarket).join(MeetingMarket)
            .where(or_(MeetingRequest.requester_id == caller.person_id,
                       MeetingRequest.recipient_id == caller.person_id)))
    if q.get("event_id"):
        stmt = stmt.where(MeetingMarket.event_id == q["event_id"])
    if q.get("status"):
        stmt = stmt.where(MeetingRequest.status == q["status"])
    with session.begin():
        total = session.scalar(select(func.count()).select_from(stmt.subquery()))
        rows = session.execute(stmt.order_by(MeetingRequest.created_at.desc(), MeetingRequest.id)
                               .limit(q["limit"]).offset(q["offset"])).all()
        return page([view(session, request, market) for request, market in rows], total, q["limit"],
                    q["offset"])


def _check_answer(caller, request, status, now):
    if status == "withdrawn" and request.status == "accepted":
        return  # either side, while it waits for the organiser's schedule (checked by _withdraw_accepted)
    if status == "withdrawn":
        if caller.person_id != request.requester_id:
            raise Forbidden("Only the requester may withdraw a request.")
    elif caller.person_id != request.recipient_id:
        raise Forbidden("Only the person asked may accept or decline a request.")
    if request.status == "expired" or (request.status == "pending" and request.expires_at <= now):
        raise Conflict("This request has expired.")
    if request.status != "pending":
        raise Conflict(ANSWERED.get(request.status, N_("This request was answered already.")))


def _withdraw_accepted(session, request):
    """An accepted request is withdrawn only while it waits for the organiser's schedule: without a
    meeting, or with a draft nobody was told of (cancelled with it, its slot and table free again)."""
    # locked as publishing locks the drafts: a draft is either published or withdrawn, never both
    meeting = session.scalars(select(Meeting).where(Meeting.request_id == request.id)
                              .with_for_update()).first()
    if meeting is None:
        return
    if meeting.status != "scheduled":
        raise Conflict(WITHDRAW_CANCELLED)
    if meeting.published_at is not None:
        raise Conflict(WITHDRAW_SCHEDULED)
    meeting.status, meeting.table_name = "cancelled", None
    meeting.seats.clear()


def answer(session, caller, request_id, payload):
    """Accept (the meeting is placed at once), decline or withdraw a pending request; withdraw an accepted
    one that waits for the organiser's schedule (either side)."""
    data = load(schemas.MeetingRequestAnswer, payload)
    if data["status"] == "accepted":
        return _accept(session, caller, request_id)
    with session.begin():
        request, market = _request_or_404(session, caller, request_id, lock=True)
        now = utcnow()
        _check_answer(caller, request, data["status"], now)
        was_accepted = request.status == "accepted"
        if was_accepted:
            _withdraw_accepted(session, request)
        request.status, request.answered_at = data["status"], now
        event = session.get(Event, market.event_id)
        details = event_data(event, request)
        if data["status"] == "withdrawn":
            details.update(withdrawn_by=caller.person_id, was_accepted=was_accepted)
        publish(session, f"meeting_request.{data['status']}", details, caller, event.association_ids[0])
        return view(session, request, market)


def _accept(session, caller, request_id):
    """Accept and place the meeting; a placement that lost its table to a concurrent accept is tried
    again from a fresh read."""
    for _attempt in range(ACCEPT_ATTEMPTS):
        try:
            with session.begin():
                request, market = _request_or_404(session, caller, request_id, lock=True)
                now = utcnow()
                _check_answer(caller, request, "accepted", now)
                event = session.get(Event, market.event_id)
                markets.open_for_meetings(event)
                if market.scheduling == "by_organiser":
                    request.status, request.answered_at = "accepted", now
                    publish(session, "meeting_request.accepted", event_data(event, request), caller,
                            event.association_ids[0])
                    return view(session, request, market)
                meeting = meetings.schedule(session, market, request, not_before=now)
                request.status, request.answered_at = "accepted", now
                # the invitation: each side's calendar REQUEST, with the UID of their agenda's VEVENT
                publish(session, "meeting.scheduled",
                        dict(meetings.meeting_data(event, meeting, request),
                             calendars=agenda.messages(session, meeting, market, request, event)),
                        caller, event.association_ids[0])
                return view(session, request, market)
        except IntegrityError:
            continue
    raise Conflict("Meeting slots are changing fast right now; accept again in a moment.")


def expire_due(session, now=None, batch=BATCH):
    """Expire pending requests past their time (meeting_request.expired tells the requester); each once
    across replicas. Returns how many expired."""
    now = now or utcnow()
    with session.begin():
        rows = session.execute(
            select(MeetingRequest, Event).join(MeetingMarket, MeetingMarket.id == MeetingRequest.market_id)
            .join(Event, Event.id == MeetingMarket.event_id)
            .where(MeetingRequest.status == "pending", MeetingRequest.expires_at <= now)
            .order_by(MeetingRequest.expires_at).limit(batch)
            .with_for_update(skip_locked=True, of=MeetingRequest)).all()
        for request, event in rows:
            request.status = "expired"
            publish(session, "meeting_request.expired", event_data(event, request),
                    association_id=event.association_ids[0] if event.association_ids else None)
        return len(rows)
