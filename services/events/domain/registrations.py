"""Registrations with capacity and a waitlist. Every change to an event's
seats happens under a row lock on the event (SELECT ... FOR UPDATE), so
racing registrations never overbook and promotions happen once."""
import json
from datetime import timedelta
from types import SimpleNamespace

from sqlalchemy import bindparam, func, insert, or_, select

from contracts.api import events as schemas
from nabo_common.api.errors import Conflict, Forbidden, NaboError, NotFound, ValidationFailed
from nabo_common.api.pagination import page, paginate
from nabo_common.api.validation import dump, load
from nabo_common.i18n.catalogues import N_
from nabo_common.messaging import outbox
from nabo_common.persistence.db import on_postgresql
from nabo_common.runtime import jsoncodec
from services.events.domain import access, calendars, registrants, registration_statement, views
from services.events.domain.common import idempotent_calls, normalise_email, publish, utcnow
from services.events.domain.meeting_market import departures
from services.events.domain.names import attachment_names
from services.events.models import Attendance, Event, OutboxEvent, Registration, new_id


def registration_data(event, registration, with_ics=False, cancelled_by=None):
    return {
        "registration_id": registration.id, "event_id": event.id, "association_ids": event.association_ids,
        "person_id": registration.person_id, "name": registration.name, "email": registration.email,
        "language": registration.language, "status": registration.status,
        "source_channel": registration.source_channel, "campaign_code": registration.campaign_code,
        "title": event.title, "starts_at": event.starts_at.isoformat(), "time_zone": event.time_zone,
        "join_url": event.join_url if registration.status == "confirmed" else None,
        "ics": calendars.event_ics(event, show_join_url=True, language=registration.language)
        if with_ics else None,
        "cancelled_by": cancelled_by,
    }


def announce(session, caller, event, registration, event_type, cancelled_by=None):
    with_ics = event_type in ("registration.confirmed", "registration.promoted")
    publish(session, event_type, registration_data(event, registration, with_ics, cancelled_by), caller,
            event.association_ids[0])


def _view(session, event, registration, show_join_url=True, attended=None, waitlist_position=None):
    data = dump(schemas.Registration, registration)
    if attended is None:
        attended = session.scalar(select(Attendance.id).where(
            Attendance.registration_id == registration.id)) is not None
    data["attended"] = attended
    data["waitlist_position"] = waitlist_position
    if registration.status == "waitlisted" and waitlist_position is None:
        data["waitlist_position"] = 1 + (session.scalar(select(func.count()).select_from(Registration).where(
            Registration.event_id == event.id, Registration.status == "waitlisted",
            Registration.created_at < registration.created_at)) or 0)
    data["join_url"] = event.join_url if registration.status == "confirmed" and show_join_url else None
    return data


REGISTRATIONS = Registration.__table__
# what a new registration sets; the rest (promotion, cancellation, erasure) starts empty
REGISTRATION_COLUMNS = (
    "id",
    "event_id",
    "person_id",
    "name",
    "email",
    "email_lower",
    "language",
    "status",
    "answers",
    "source_channel",
    "campaign_code",
    "created_at",
    "updated_at",
)
CONFIRMED_COUNT = (
    select(func.count())
    .select_from(Registration)
    .where(Registration.event_id == bindparam("event_id"), Registration.status == "confirmed")
)


def _insert_unless_registered(same_registrant):
    """``INSERT ... SELECT <the values> WHERE NOT EXISTS (an active registration of the same registrant)``:
    the duplicate check and the insert in one round trip. It runs under the event's row lock, so a
    concurrent registration of the same person has committed before it, and is seen."""
    columns = [REGISTRATIONS.c[name] for name in REGISTRATION_COLUMNS]
    registered = select(Registration.id).where(
        Registration.event_id == bindparam("event_id"), Registration.status.in_(views.ACTIVE), same_registrant
    )
    values = select(*[bindparam(column.name, type_=column.type) for column in columns]).where(
        ~registered.exists()
    )
    return insert(REGISTRATIONS).from_select(REGISTRATION_COLUMNS, values, include_defaults=False)


# built once: for a guest, the same e-mail; for a member, the same e-mail or the same person
INSERT_UNLESS_EMAIL_REGISTERED = _insert_unless_registered(
    Registration.email_lower == bindparam("email_lower")
)
INSERT_UNLESS_PERSON_REGISTERED = _insert_unless_registered(
    or_(
        Registration.email_lower == bindparam("email_lower"), Registration.person_id == bindparam("person_id")
    )
)


def confirmed_count(session, event_id):
    return session.scalar(CONFIRMED_COUNT, {"event_id": event_id}) or 0


def _check_answers(event, answers):
    known = {q["id"]: q for q in event.questions or []}
    errors = {}
    for key in answers:
        if key not in known:
            errors[key] = ["The organiser asked no such question."]
    for qid, question in known.items():
        if question.get("required") and not (answers.get(qid) or "").strip():
            errors[qid] = ["This question must be answered."]
    if errors:
        raise ValidationFailed("Some answers are missing or unknown.", {"answers": errors})


def _registrant(session, caller, event_id, data, people):
    """An anonymous caller registers a guest; whom a signed-in caller registers depends on the event's
    organisers and on the members service, asked before the event is locked."""
    if caller.person_id is None and "person_id" not in data:
        return registrants.guest(data)
    with session.begin():
        event = access.event_or_404(session, caller, event_id)
        return registrants.resolve(caller, event, data, people)


def open_for(session, caller, event_id):
    """The event, locked, if ``caller`` may register someone for it now."""
    return _open(caller, access.event_or_404(session, caller, event_id, lock=True))


def _open(caller, event):
    if event.status != "published":
        raise Conflict("This event is {status}; registration is closed.", status=event.status)
    if not access.manages(caller, event.association_ids) and not views.registration_open(event, utcnow()):
        raise Conflict("Registration for this event is not open.")
    return event


DUPLICATE = N_("You are registered for this event already (same person or e-mail).")


def _values(event, registrant, data, link, now):
    """What a new registration of ``registrant`` sets, but its status."""
    return {
        "id": new_id(),
        "event_id": event.id,
        "person_id": registrant.person_id,
        "name": registrant.name,
        "email": registrant.email,
        "email_lower": normalise_email(registrant.email),
        "language": registrant.language,
        "answers": data["answers"],
        "source_channel": data.get("source_channel")
        or link.get("source_channel")
        or link.get("channel")
        or "other",
        "campaign_code": data.get("campaign_code") or link.get("campaign_code") or link.get("campaign"),
        "created_at": now,
        "updated_at": now,
    }


def _unsaved(values):
    """A new registration as its view and its event read it: not an ORM object, whose construction cost
    more than the view."""
    return SimpleNamespace(**values, promoted_at=None, cancelled_at=None)


def add(session, caller, event, registrant, data, link):
    """Seat ``registrant`` (or put them on the waitlist) and announce it; the event must be locked."""
    _check_answers(event, data["answers"])
    # taken under the event lock, so created_at follows the order in which seats and waitlist places were
    # given out (waitlist positions derive from it), one registration after another in a bulk as well
    values = _values(event, registrant, data, link, utcnow())
    full = event.capacity is not None and confirmed_count(session, event.id) >= event.capacity
    values["status"] = "waitlisted" if full else "confirmed"
    # into the table at once, not through the unit of work (whose flush cost more than the INSERT), and
    # only if the registrant has no active registration: the check and the write are one statement
    inserted = session.execute(
        INSERT_UNLESS_PERSON_REGISTERED if registrant.person_id else INSERT_UNLESS_EMAIL_REGISTERED, values
    ).rowcount
    if not inserted:
        raise Conflict(DUPLICATE)
    registration = _unsaved(values)
    announce(
        session, caller, event, registration, "registration.waitlisted" if full else "registration.confirmed"
    )
    return _view(session, event, registration, attended=False)  # new: no attendance yet


def register(session, caller, event_id, payload, link=None, people=None, call_key=None):
    """``people`` looks persons up in the members service (see ``registrants``); a retry with the same
    ``call_key`` (the request's Idempotency-Key) returns the first registration."""
    data = load(schemas.RegistrationCreate, payload)
    link = load(schemas.RegistrationLink, link or {})
    registrant = _registrant(session, caller, event_id, data, people)
    attachment_names.warm(people)
    if on_postgresql(session):
        with session.begin():
            return _register_in_one_statement(session, caller, event_id, registrant, data, link, call_key)

    def write():
        event = open_for(session, caller, event_id)
        return add(session, caller, event, registrant, data, link)

    with session.begin():
        return idempotent_calls.once(session, call_key, "register", write)


# stands for the waitlist place in the answer kept for a waitlisting until the statement knows the place:
# a number that no answer has under that key, where the statement writes the place
POSITION_TO_COME = -7_431_977_310_000
POSITION_MARK = f'"waitlist_position":{POSITION_TO_COME}'


def _register_in_one_statement(session, caller, event_id, registrant, data, link, call_key):
    """``register`` on PostgreSQL: the event locked, then one statement (``registration_statement``) for
    the seat, the key, the registration and its event, given the answer and the event of both outcomes
    (only a confirmation where the event has no capacity). The same outcomes as ``add`` under
    ``idempotent_calls.once``, whose steps it falls back on where a key was claimed before."""
    try:
        event = registration_statement.locked_event(session, str(event_id)) if event_id else None
        if event is None or not access.can_see_event(caller, event):
            access.not_found(event_id)
        _check_answers(_open(caller, event), data["answers"])
    except NaboError:
        replay = idempotent_calls.replayed(session, call_key, "register")  # as ``once`` answers it first
        if replay is not None:
            return replay.result
        raise
    now = utcnow()
    values = _values(event, registrant, data, link, now)
    association_id, outbox_event_id = event.association_ids[0], new_id()
    answers, events = {}, {}
    statuses = ("confirmed",) if event.capacity is None else ("confirmed", "waitlisted")
    for status in statuses:
        registration = _unsaved({**values, "status": status})
        position = POSITION_TO_COME if status == "waitlisted" else None
        answers[status] = _view(session, event, registration, attended=False, waitlist_position=position)
        events[status] = outbox.row(
            session, OutboxEvent, f"registration.{status}",
            registration_data(event, registration, with_ics=status == "confirmed"), caller, association_id,
            event_id=outbox_event_id,
        )
    params = {
        **values,
        "answers": json.dumps(values["answers"]),
        "capacity": event.capacity,
        "call_key": None,
        "confirmed_result": None,
        "waitlisted_result_head": None,
        "waitlisted_result_tail": None,
        "expires_at": None,
        "outbox_event_id": outbox_event_id,
        "confirmed_envelope": events["confirmed"][1]["envelope_text"],
        "waitlisted_envelope": events["waitlisted"][1]["envelope_text"] if "waitlisted" in events else None,
        "headers": json.dumps(events["confirmed"][1]["headers"]),
        "outbox_created_at": events["confirmed"][1]["created_at"],
        "next_attempt_at": events["confirmed"][1]["next_attempt_at"],
    }
    if call_key is not None:
        params.update(call_key=call_key.key, expires_at=now + timedelta(seconds=call_key.ttl_seconds),
                      confirmed_result=jsoncodec.wire_dumps(answers["confirmed"]).decode("utf-8"))
        if "waitlisted" in answers:
            kept = jsoncodec.wire_dumps(answers["waitlisted"]).decode("utf-8")
            head, mark, tail = kept.partition(POSITION_MARK)
            if not mark or POSITION_MARK in tail:  # answers that spell the mark themselves: step by step
                return idempotent_calls.once(
                    session, call_key, "register", lambda: add(session, caller, event, registrant, data, link)
                )
            params.update(waitlisted_result_head=head + '"waitlist_position":', waitlisted_result_tail=tail)
    written = registration_statement.write(session, params)
    if not written.claimed:  # an earlier call with the key: its answer, or (expired) this call anew
        replay = idempotent_calls.replayed(session, call_key, "register")
        if replay is not None:
            return replay.result
        return idempotent_calls.keep(
            session, call_key, "register", add(session, caller, event, registrant, data, link)
        )
    if not written.inserted:
        raise Conflict(DUPLICATE)
    _envelope, row, relay = events[written.status]
    if relay is not None:
        outbox.hand_over_at_commit(session, relay, written.outbox_position, row)
    answer = answers[written.status]
    if written.status == "waitlisted":
        answer["waitlist_position"] = written.waitlist_position
    return answer


def promote_waitlisted(session, caller, event):
    """Fill free seats from the head of the waitlist (call with the event row locked)."""
    promoted = []
    while event.capacity is None or confirmed_count(session, event.id) < event.capacity:
        head = session.scalar(
            select(Registration)
            .where(Registration.event_id == event.id, Registration.status == "waitlisted")
            .order_by(Registration.created_at, Registration.id)
            .limit(1)
        )
        if head is None:
            break
        head.status, head.promoted_at = "confirmed", utcnow()
        session.flush()
        announce(session, caller, event, head, "registration.promoted")
        promoted.append(head)
    return promoted


def _registration_or_404(session, caller, registration_id, lock_event=False):
    access.require_authenticated(caller)
    registration = session.get(Registration, str(registration_id)) if registration_id else None
    if registration is None:
        raise NotFound("Registration {registration_id} not found.", registration_id=registration_id)
    event = (
        session.scalar(select(Event).where(Event.id == registration.event_id).with_for_update())
        if lock_event
        else session.get(Event, registration.event_id)
    )
    own = caller.person_id is not None and registration.person_id == caller.person_id
    if not (own or access.manages(caller, event.association_ids)):
        raise NotFound("Registration {registration_id} not found.", registration_id=registration_id)
    return event, registration


def _canceller(caller, registration):
    own = caller.person_id is not None and registration.person_id == caller.person_id
    return "registrant" if own else "organiser"


def _cancel(session, caller, event, registration, cancelled_by):
    """Cancel an active registration (the event locked): its person leaves the event's meeting market, and
    a freed seat goes to the first waitlisted."""
    was_confirmed = registration.status == "confirmed"
    registration.status, registration.cancelled_at = "cancelled", utcnow()
    session.flush()
    announce(session, caller, event, registration, "registration.cancelled", cancelled_by)
    departures.leave(session, caller, event, registration.person_id)
    if was_confirmed and event.status == "published":
        promote_waitlisted(session, caller, event)


def _link_view(event, registration, already_cancelled=False):
    return {
        "registration_id": registration.id,
        "event_id": event.id,
        "title": event.title,
        "starts_at": views.event_moment(event, event.starts_at).isoformat(),
        "time_zone": event.time_zone,
        "name": registration.name,
        "language": registration.language,
        "status": registration.status,
        "already_cancelled": already_cancelled,
    }


def _linked(session, caller, registration_id, lock_event=False):
    """The registration a verified cancel link names; only the gateway, acting for the link, asks."""
    if not caller.is_system:
        raise Forbidden("Only a verified cancel link opens a registration this way.")
    registration = session.get(Registration, str(registration_id)) if registration_id else None
    if registration is None:
        raise NotFound("Registration {registration_id} not found.", registration_id=registration_id)
    stmt = select(Event).where(Event.id == registration.event_id)
    event = session.scalar(stmt.with_for_update() if lock_event else stmt)
    if lock_event:
        session.refresh(registration)  # a concurrent cancellation committed before the lock is seen
    return event, registration


def for_cancel_link(session, caller, registration_id):
    with session.begin():
        return _link_view(*_linked(session, caller, registration_id))


def cancel_by_link(session, caller, registration_id):
    """The registrant cancels through the signed link of their mail; a second time changes nothing."""
    with session.begin():
        event, registration = _linked(session, caller, registration_id, lock_event=True)
        if registration.status == "cancelled":
            return _link_view(event, registration, already_cancelled=True)
        _cancel(session, caller, event, registration, "registrant")
        return _link_view(event, registration)


def get(session, caller, registration_id):
    event, registration = _registration_or_404(session, caller, registration_id)
    return _view(session, event, registration)


def update(session, caller, registration_id, payload):
    data = load(schemas.RegistrationUpdate, payload)
    with session.begin():
        event, registration = _registration_or_404(session, caller, registration_id, lock_event=True)
        if registration.status == "cancelled":
            raise Conflict("This registration is cancelled.")
        if "answers" in data:
            _check_answers(event, data["answers"])
        for key in ("name", "language", "answers"):
            if key in data:
                setattr(registration, key, data[key])
        if data.get("status") == "cancelled":
            _cancel(session, caller, event, registration, _canceller(caller, registration))
        else:
            session.flush()
            announce(session, caller, event, registration, "registration.updated")
        session.flush()
        return _view(session, event, registration)


def cancel(session, caller, registration_id):
    return update(session, caller, registration_id, {"status": "cancelled"})


def list_for_event(session, caller, event_id, query):
    q = load(schemas.RegistrationQuery, query)
    event = access.managed_event_or_404(session, caller, event_id)
    stmt = select(Registration).where(Registration.event_id == event.id)
    if q.get("status"):
        stmt = stmt.where(Registration.status == q["status"])
    rows, total = paginate(
        session, stmt.order_by(Registration.created_at, Registration.id), q["limit"], q["offset"]
    )
    return page([_view(session, event, r) for r in rows], total, q["limit"], q["offset"])
