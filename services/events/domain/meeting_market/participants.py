"""Who takes part: registered persons of member organisations join with their organisation's
profile; organisers see whose profile is incomplete and remind them in one call."""
from collections import Counter

from sqlalchemy import func, select

from contracts.api import meeting_markets as schemas
from nabo_common.api.errors import Conflict, Forbidden, ServiceTimeout, ServiceUnavailable, ValidationFailed
from nabo_common.api.validation import dump, load
from services.events.domain import access
from services.events.domain.common import publish
from services.events.domain.meeting_market import markets
from services.events.models import MarketParticipant, Meeting, MeetingSeat, Registration


def missing_from(profile):
    """What an organisation's profile lacks for others to find a reason to meet it."""
    if profile is None:
        return ["profile_unavailable"]
    kinds = {item["kind"] for item in profile.get("offers_and_needs", ())}
    missing = [] if profile.get("description") else ["description"]
    missing += [] if profile.get("themes") else ["themes"]
    return missing + [f"{kind}s" for kind in ("offer", "need") if kind not in kinds]


def data(row, missing=None):
    """A participant as the API shows it, not yet dumped (``missing``: None when not looked at)."""
    return {"person_id": row.person_id, "name": row.name, "organisation_id": row.organisation_id,
            "joined_at": row.created_at, "profile_complete": None if missing is None else not missing,
            "missing": missing or []}


def view(row, missing=None):
    return dump(schemas.MarketParticipant, data(row, missing))


def _own_organisation(caller, organisation_id):
    if organisation_id is None and len(caller.organisation_ids) == 1:
        organisation_id = caller.organisation_ids[0]
    if organisation_id is None or organisation_id not in caller.organisation_ids:
        raise ValidationFailed("Take part with an organisation you belong to.",
                               {"organisation_id": ["Name one of your organisations."]})
    return organisation_id


def join(session, caller, event_id, payload, directory):
    """The caller takes part, with a confirmed registration and an organisation of their own; the answer
    says, as the organisers' list does, what the organisation's profile lacks (``directory``: its
    ``organisation_profile``, read once the participant is stored; null when the members service does
    not answer, as taking part does not wait for it)."""
    wanted = load(schemas.ParticipantJoin, payload)
    access.require_authenticated(caller)
    with session.begin():
        # an event the caller may not see is not found, whatever else is wrong
        event = access.event_or_404(session, caller, event_id)
        market = markets.market_of_event(session, event.id)
        markets.open_for_meetings(event)
        organisation_id = _own_organisation(caller, wanted.get("organisation_id"))
        registration = session.scalars(select(Registration).where(
            Registration.event_id == event.id, Registration.person_id == caller.person_id,
            Registration.status == "confirmed")).first()
        if registration is None:
            raise Forbidden("Only persons with a confirmed registration of the event take part.")
        if markets.participant(session, market, caller.person_id) is not None:
            raise Conflict("You already take part in this meeting market.")
        row = MarketParticipant(market_id=market.id, person_id=caller.person_id,
                                organisation_id=organisation_id, registration_id=registration.id,
                                name=registration.name)
        session.add(row)
        session.flush()
        joined = data(row)
    try:
        missing = missing_from(directory.organisation_profile(organisation_id))
    except (ServiceUnavailable, ServiceTimeout):
        return dump(schemas.MarketParticipant, joined)
    return dump(schemas.MarketParticipant, dict(joined, profile_complete=not missing, missing=missing))


def _participants(session, market):
    return session.scalars(select(MarketParticipant).where(MarketParticipant.market_id == market.id)
                           .order_by(MarketParticipant.name, MarketParticipant.person_id)).all()


def _with_missing(session, caller, event_id, directory):
    """(event, market, [(participant, missing)]) for an organiser; profiles are read outside any
    transaction, one call per organisation."""
    with session.begin():
        event = access.managed_event_or_404(session, caller, event_id)
        market = markets.market_of_event(session, event.id)
        rows = _participants(session, market)
    profiles = {org: directory.organisation_profile(org) for org in {r.organisation_id for r in rows}}
    return event, market, [(row, missing_from(profiles[row.organisation_id])) for row in rows]


def _attendance(session, market):
    """person -> (published meetings, no-shows)."""
    meetings = dict(session.execute(
        select(MeetingSeat.person_id, func.count()).join(Meeting, Meeting.id == MeetingSeat.meeting_id)
        .where(Meeting.market_id == market.id, Meeting.status == "scheduled",
               Meeting.published_at.is_not(None)).group_by(MeetingSeat.person_id)).all())
    no_shows = Counter(row.person_id for row in session.execute(markets.ended_places([market.id]))
                       if row.checked_in_at is None)
    return {person: (count, no_shows.get(person, 0)) for person, count in meetings.items()}


def list_for_organiser(session, caller, event_id, directory):
    """The participants with what their profile lacks, their meetings and no-shows."""
    _event, market, rows = _with_missing(session, caller, event_id, directory)
    with session.begin():
        attendance = _attendance(session, market)
    return {"items": [dump(schemas.MarketParticipant, dict(
        data(row, missing), meetings=attendance.get(row.person_id, (0, 0))[0],
        no_shows=attendance.get(row.person_id, (0, 0))[1])) for row, missing in rows]}


def remind_incomplete(session, caller, event_id, directory):
    """Ask every participant whose profile is incomplete to complete it (meeting_market.profile_reminder,
    which the notifications service mails)."""
    event, _market, rows = _with_missing(session, caller, event_id, directory)
    reminded = []
    with session.begin():
        for row, missing in rows:
            if not missing:
                continue
            publish(session, "meeting_market.profile_reminder", {
                "event_id": event.id, "association_ids": event.association_ids, "title": event.title,
                "time_zone": event.time_zone, "person_id": row.person_id,
                "organisation_id": row.organisation_id, "missing": missing},
                caller, event.association_ids[0])
            reminded.append(row.person_id)
        publish(session, "meeting_market.profiles_reminded", {
            "event_id": event.id, "association_ids": event.association_ids, "title": event.title,
            "time_zone": event.time_zone, "reminded": len(reminded)}, caller, event.association_ids[0])
    return dump(schemas.ProfileReminders, {"reminded": reminded})
